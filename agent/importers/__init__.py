"""Pure importers: an export file in, typed records out; no database, no network.

:func:`parse_file` tells the kind of file from its name and first bytes and hands it to
the right parser: Apple Health (zip or XML), Garmin FIT and Connect CSV, GPX, TCX, Oura,
WHOOP, Fitbit/Takeout (resting HR JSON, daily HRV CSV), and the lifting logs of Strong,
Hevy and FitNotes. Every parser reports what it read, skipped and why
(:class:`~agent.importers.records.ParseResult`). A file that cannot be read as a whole
raises :class:`~agent.importers.records.ImportRefused` with one line to show; nothing
is stored by this package, so a refused file changes nothing.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Literal

from agent.importers.records import ImportRefused, ParseResult

KINDS: tuple[str, ...] = (
    "apple_health",
    "garmin_fit",
    "garmin_csv",
    "gpx",
    "tcx",
    "oura",
    "whoop",
    "fitbit",
    "strong",
    "hevy",
    "fitnotes",
)
_LIFTING: dict[str, Literal["strong", "hevy", "fitnotes"]] = {
    "strong": "strong",
    "hevy": "hevy",
    "fitnotes": "fitnotes",
}
TEXT_LIMIT_BYTES = 200 * 2**20
"""CSV and JSON exports are read whole; none is anywhere near this."""
DEFAULT_MAX_BYTES = 8 * 2**30
"""Streamed XML (Apple Health) up to this size unless the caller says otherwise."""


def _head(path: Path, size: int = 65536) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def detect_kind(path: Path) -> str:
    """The kind of export at ``path`` (one of :data:`KINDS`).

    Raises:
        ImportRefused: The file is none of the known exports.
    """
    head = _head(path)
    if head[8:12] == b".FIT":
        return "garmin_fit"
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        apple = any(n.endswith("export.xml") for n in names)
        return "fitbit" if not apple and any("Fitbit/" in n for n in names) else "apple_health"
    text_head = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text_head.startswith(b"<"):
        if b"HealthData" in head:
            return "apple_health"
        if b"<gpx" in head:
            return "gpx"
        if b"TrainingCenterDatabase" in head:
            return "tcx"
        raise ImportRefused("an XML file that is not Apple Health, GPX or TCX")
    if text_head.startswith((b"[", b"{")):
        return "fitbit"
    # The parsers load on first use: `coach` starts without them for every other command.
    from agent.importers import lifting, wellness
    from agent.importers.tables import read_rows

    text = _text(path)
    header = set(read_rows(text)[0])
    found = lifting.detect(header)
    if found is not None:
        return found
    for kind, test in (
        ("garmin_csv", wellness.is_garmin),
        ("oura", wellness.is_oura),
        ("whoop", wellness.is_whoop),
        ("fitbit", wellness.is_fitbit_hrv),
    ):
        if test(header):
            return kind
    raise ImportRefused(
        f"{path.name}: not a known export (Apple Health, Garmin FIT/CSV, GPX, TCX, Oura, "
        "WHOOP, Fitbit, Strong, Hevy, FitNotes)"
    )


def _text(path: Path) -> str:
    if path.stat().st_size > TEXT_LIMIT_BYTES:
        raise ImportRefused(
            f"{path.name} is over {TEXT_LIMIT_BYTES // 2**20} MB, far larger than any CSV or "
            "JSON export; refusing it"
        )
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"{path.name} is not UTF-8 text") from exc


def parse_file(
    path: Path,
    default_unit: Literal["kg", "lb"] = "kg",
    kind: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    unit_origin: str = "your units",
) -> ParseResult:
    """Parse the export at ``path``.

    Args:
        path: The file.
        default_unit: The person's units, for lifting logs that carry none.
        kind: One of :data:`KINDS`, or None to detect it.
        max_bytes: Largest XML file (or unpacked Apple export) accepted.
        unit_origin: Why ``default_unit`` (for the report): "your units" or "as asked".

    Raises:
        ImportRefused: Unknown kind, too large, malformed or hostile.
    """
    if not path.is_file():
        raise ImportRefused(f"{path}: no such file")
    chosen = kind or detect_kind(path)
    if chosen not in KINDS:
        raise ImportRefused(f"unknown kind {chosen!r}; use one of: {', '.join(KINDS)}")
    if chosen in ("apple_health", "gpx", "tcx") and not zipfile.is_zipfile(path):
        size = path.stat().st_size
        if size > max_bytes:
            raise ImportRefused(
                f"{path.name} is {size // 2**20} MB, over the {max_bytes // 2**20} MB limit "
                "(set COACH_IMPORT_MAX_MB to raise it)"
            )
    return plausible(_parse(path, chosen, default_unit, max_bytes, unit_origin))


def _parse(
    path: Path, chosen: str, default_unit: Literal["kg", "lb"], max_bytes: int, unit_origin: str
) -> ParseResult:
    from agent.importers import apple_health, fit, lifting, tracks, wellness

    if chosen == "apple_health":
        return apple_health.parse(path, max_bytes)
    if chosen == "garmin_fit":
        return fit.parse(path)
    if chosen == "gpx":
        return tracks.gpx(path)
    if chosen == "tcx":
        return tracks.tcx(path)
    if chosen == "fitbit" and zipfile.is_zipfile(path):
        return wellness.fitbit_takeout(path)
    text = _text(path)
    lift = _LIFTING.get(chosen)
    if lift is not None:
        return lifting.parse(text, default_unit, lift, unit_origin)
    if chosen == "garmin_csv":
        return wellness.garmin_csv(text)
    if chosen == "oura":
        return wellness.oura(text)
    if chosen == "whoop":
        return wellness.whoop(text)
    if text.lstrip("\ufeff").lstrip().startswith(("[", "{")):
        try:
            json.loads(text.lstrip("\ufeff"))
        except ValueError as exc:
            raise ImportRefused(f"{path.name} is not valid JSON") from exc
        return wellness.fitbit_resting(text)
    return wellness.fitbit_hrv(text)


MAX_ACTIVITY_SECONDS = 7 * 24 * 3600.0
"""Longer than a week is a device's clock error, not an activity."""


def plausible(result: ParseResult) -> ParseResult:
    """Drop values no device measures (infinite, negative) and impossible activities."""
    kept = [v for v in result.daily if math.isfinite(v.value) and v.value >= 0]
    if len(kept) < len(result.daily):
        result.skip("an impossible value (infinite or negative)", len(result.daily) - len(kept))
    result.daily = kept
    sane = [
        a
        for a in result.activities
        if math.isfinite(a.duration_s) and 0 < a.duration_s <= MAX_ACTIVITY_SECONDS
        and all(v is None or (math.isfinite(v) and v >= 0)
                for v in (a.distance_m, a.avg_hr, a.max_hr, a.calories))
    ]  # fmt: skip
    if len(sane) < len(result.activities):
        result.skip(
            "an activity with an impossible duration or value", len(result.activities) - len(sane)
        )
    result.activities = sane
    sets = [
        s
        for s in result.sets
        if all(v is None or (math.isfinite(v) and v >= 0) for v in (s.load, s.rpe, s.duration_s))
    ]
    if len(sets) < len(result.sets):
        result.skip("a set with an impossible value", len(result.sets) - len(sets))
    result.sets = sets
    return result


__all__ = [
    "DEFAULT_MAX_BYTES",
    "KINDS",
    "ImportRefused",
    "ParseResult",
    "detect_kind",
    "parse_file",
    "plausible",
]
