"""The labelled utterance corpus the intent classifier learns from, and where it is exported.

Each row of ``data/nlu/*.jsonl`` is ``{"text", "intent", "voice"}``; the labels are the
intent registry's (``data/intents.yaml``) and the voices are fixed (``VOICES``), so a
reviewer can add a phrasing without touching code and every row says whose voice it is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from safety.textclf import iter_jsonl

DATA_DIR = Path(__file__).parent / "data"
CORPUS_DIR = DATA_DIR / "nlu"
MODEL_PATH = DATA_DIR / "intent_model"
"""The exported classifier, without suffix (``intent_model.json`` + ``intent_model.npy``)."""

VOICES = ("terse", "chatty", "slang", "non-native", "formal", "story")


@dataclass(frozen=True)
class Utterance:
    """One labelled message."""

    text: str
    intent: str
    voice: str


def load_corpus(directory: Path = CORPUS_DIR) -> list[Utterance]:
    """Every row of the corpus, in file and line order.

    Raises:
        ValueError: a row lacks a field or names an unknown voice.
    """
    rows: list[Utterance] = []
    for row in iter_jsonl(sorted(directory.glob("*.jsonl"))):
        text, intent, voice = row.get("text"), row.get("intent"), row.get("voice")
        if not (isinstance(text, str) and isinstance(intent, str) and voice in VOICES):
            raise ValueError(f"corpus row needs text, intent and a known voice: {row}")
        rows.append(Utterance(text, intent, str(voice)))
    return rows
