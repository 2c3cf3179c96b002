"""Labelled safety messages: the corpus format shared by training, measuring and review.

One JSON object per line (see ``safety/data/corpus/README.md``)::

    {"text": "...", "label": "check", "acceptable": ["check", "stop", "emergency"],
     "category": "cardinal_vague", "voice": "slang"}

``label`` is the tier a careful coach gives; ``acceptable`` every tier that is not a
mistake (it always holds the label); ``voice`` one of :data:`VOICES`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safety.tiers import Tier

VOICES = ("terse", "chatty", "slang", "non-native", "formal", "story")
"""The ways people write that every file is spread over (held out one at a time)."""

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
"""The committed training corpus; ``tests/data/safety`` stays test data."""

FILES = {
    Tier.EMERGENCY: "emergency.jsonl",
    Tier.STOP: "stop.jsonl",
    Tier.CHECK: "check.jsonl",
    Tier.CAUTION: "caution.jsonl",
    Tier.NONE: "benign.jsonl",
}
"""The corpus file each label belongs in."""


class CorpusError(ValueError):
    """A corpus line is not a labelled message; the message names file and line."""


@dataclass(frozen=True)
class Row:
    """One labelled message."""

    text: str
    label: Tier
    acceptable: tuple[Tier, ...]
    category: str
    voice: str

    def to_json(self) -> dict[str, object]:
        """The row as one corpus line's object."""
        return {
            "text": self.text,
            "label": self.label.value,
            "acceptable": [t.value for t in self.acceptable],
            "category": self.category,
            "voice": self.voice,
        }


def parse(raw: object, where: str) -> Row:
    """One row from a decoded JSON object.

    Raises:
        CorpusError: A field is missing or not a known tier or voice.
    """
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: expected a JSON object")
    try:
        text = str(raw["text"]).strip()
        label = Tier(str(raw["label"]))
        acceptable = tuple(sorted({Tier(str(t)) for t in raw.get("acceptable") or [label]}))
        voice = str(raw["voice"])
        category = str(raw.get("category") or "uncategorised")
    except (KeyError, ValueError) as exc:
        raise CorpusError(f"{where}: not a labelled message ({exc})") from exc
    if not text:
        raise CorpusError(f"{where}: empty text")
    if label not in acceptable:
        raise CorpusError(f"{where}: label {label.value!r} is not among the acceptable tiers")
    if voice not in VOICES:
        raise CorpusError(f"{where}: unknown voice {voice!r} (use one of {', '.join(VOICES)})")
    return Row(text, label, acceptable, category, voice)


def read(paths: Iterable[Path]) -> list[Row]:
    """Every row of the given JSON-lines files, in file order.

    Raises:
        CorpusError: A line is not a labelled message.
    """
    rows: list[Row] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = json.loads(line)
            except ValueError as exc:
                raise CorpusError(f"{where}: not JSON ({exc})") from exc
            rows.append(parse(raw, where))
    return rows


REVIEWED_CATEGORY = "reviewed"
"""Category of rows that came from the operators' review queue."""


def from_review(raw: dict[str, Any], voice: str | None) -> Row | None:
    """A corpus row from one ``coach review export`` line, or ``None`` when it says nothing.

    The operator's verdict decides the label: a false positive is ``none`` (caution also
    acceptable), a true positive keeps the screen's tier, and a ``label`` the operator
    added to the line (for a ``wrong_tier`` or escalated flag) always wins. The voice is
    the line's own ``voice`` or ``voice`` given here.

    Raises:
        CorpusError: The line has no text, an unknown tier or voice, or no voice at all.
    """
    text = str(raw.get("text") or "").strip()
    if not text:
        raise CorpusError(f"flag {raw.get('flag_id')}: no text")
    decision = raw.get("decision")
    label: Tier | None
    acceptable: tuple[Tier, ...]
    try:
        if raw.get("label"):
            label = Tier(str(raw["label"]))
            acceptable = (label,)
        elif raw.get("status") == "false_positive" or decision == "false_positive":
            label, acceptable = Tier.NONE, (Tier.NONE, Tier.CAUTION)
        elif decision == "true_positive" or (decision is None and raw.get("status") == "resolved"):
            label = Tier(str(raw["tier"]))
            acceptable = (label,)
        else:
            return None
    except (KeyError, ValueError) as exc:
        raise CorpusError(f"flag {raw.get('flag_id')}: unknown tier ({exc})") from exc
    chosen = str(raw.get("voice") or voice or "")
    if not chosen:
        raise CorpusError(f"flag {raw.get('flag_id')}: no voice (add --voice)")
    return parse(
        {
            "text": text,
            "label": label.value,
            "acceptable": [t.value for t in acceptable],
            "category": REVIEWED_CATEGORY,
            "voice": chosen,
        },
        f"flag {raw.get('flag_id')}",
    )


def append(rows: Iterable[Row], directory: Path = CORPUS_DIR) -> int:
    """Append rows to the corpus file of their label, skipping texts already in the corpus.

    Returns:
        How many rows were added.
    """
    known = {row.text for row in read(corpus_files(directory))}
    added = 0
    for row in rows:
        if row.text in known:
            continue
        known.add(row.text)
        path = directory / FILES[row.label]
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")
        added += 1
    return added


def corpus_files(directory: Path = CORPUS_DIR) -> list[Path]:
    """The corpus files of ``directory``, sorted (a stable order for training)."""
    return sorted(directory.glob("*.jsonl"))
