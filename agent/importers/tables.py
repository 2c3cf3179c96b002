"""CSV reading shared by the CSV importers: BOM, CRLF, delimiter, localised numbers, dates.

Headers are normalised to ``snake_case`` (``"Weight (kg)"`` -> ``weight_kg``, ``"Avg HR"``
-> ``avg_hr``) so header variants of one app meet in one name.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import datetime

from agent.importers.records import ImportRefused

MISSING = frozenset({"", "--", "-", "n/a", "na", "null", "none", "nan"})
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%d %b %Y, %H:%M:%S",
    "%d %b %Y, %H:%M",
    "%d %B %Y, %H:%M:%S",
    "%d %B %Y, %H:%M",
    "%b %d, %Y, %I:%M %p",
    "%b %d, %Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
_THOUSANDS = re.compile(r"^-?\d{1,3}([.,\u00a0 ]\d{3})+$")


def header_key(name: str) -> str:
    """``"Deep (SWS) duration (min)"`` -> ``deep_sws_duration_min``; accents folded."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded.strip().lower()).strip("_")


def read_rows(text: str) -> list[dict[str, str]]:
    """Rows of a CSV text keyed by normalised header (comma, semicolon or tab separated).

    Raises:
        ImportRefused: The file has no header or no rows.
    """
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ImportRefused("the file is empty (no rows)") from exc
    keys = [header_key(h) for h in header]
    rows = []
    for raw in reader:
        if not any(cell.strip() for cell in raw):
            continue
        rows.append({k: (raw[i].strip() if i < len(raw) else "") for i, k in enumerate(keys)})
    if not rows:
        raise ImportRefused("the file has a header but no rows")
    return rows


def number(text: str | None, *, integer: bool = False) -> float | None:
    """A number as people's locales write it: ``5,02``, ``1.234,5``, ``1,234``, ``--``.

    Args:
        text: The cell.
        integer: The column holds whole numbers (calories, steps), so ``1,234`` and
            ``1.234`` are both one thousand two hundred and thirty-four.
    """
    if text is None:
        return None
    cleaned = text.strip().replace("\u00a0", " ").rstrip("%").strip()
    if cleaned.lower() in MISSING:
        return None
    if integer and _THOUSANDS.match(cleaned):
        cleaned = re.sub(r"[.,  ]", "", cleaned)
    elif "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def clock_seconds(text: str | None) -> float | None:
    """``01:02:03``, ``45:12`` or ``00:45:12.5`` as seconds; a bare number is seconds."""
    if text is None or text.strip().lower() in MISSING:
        return None
    parts = text.strip().split(":")
    try:
        values = [float(p.replace(",", ".")) for p in parts]
    except ValueError:
        return None
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    return seconds


def parse_datetime(text: str) -> datetime:
    """A date or date-time in any of the layouts the exports use.

    Raises:
        ValueError: No layout fits.
    """
    cleaned = " ".join(text.strip().split())
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
    return datetime.fromisoformat(cleaned)


def pick(row: dict[str, str], *names: str) -> str | None:
    """The first non-empty cell among ``names``."""
    for name in names:
        value = row.get(name)
        if value is not None and value.strip().lower() not in MISSING:
            return value
    return None


__all__ = [
    "MISSING",
    "clock_seconds",
    "header_key",
    "number",
    "parse_datetime",
    "pick",
    "read_rows",
]
