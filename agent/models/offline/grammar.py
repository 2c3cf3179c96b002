"""The offline model's grammar: intents loaded from ``data/intents.yaml`` and matched in text.

An intent fires when one of its regex patterns matches the normalised message, when a
slot it lists was extracted (``log_sets`` fires on set notation), or, failing both, when
the whole message is close to one of its example phrasings (rapidfuzz).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from agent.datafiles import parse_yaml
from agent.models.offline.slots import DATA_DIR, Slots, normalize

FUZZY_THRESHOLD = 86.0
"""Minimum similarity (0-100) between a message and an example phrasing."""


@dataclass(frozen=True)
class Intent:
    """One thing a message can ask for."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]
    slots: tuple[str, ...]


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    with (DATA_DIR / "intents.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = parse_yaml(handle)
    return data


@lru_cache(maxsize=1)
def intents() -> tuple[Intent, ...]:
    """Every intent, in file order."""
    return tuple(
        Intent(
            name=str(item["name"]),
            patterns=tuple(re.compile(p) for p in item.get("patterns", [])),
            examples=tuple(str(e).lower() for e in item.get("examples", [])),
            slots=tuple(item.get("slots", [])),
        )
        for item in _data()["intents"]
    )


@lru_cache(maxsize=1)
def _examples() -> tuple[list[str], list[str]]:
    texts: list[str] = []
    owners: list[str] = []
    for intent in intents():
        for example in intent.examples:
            texts.append(normalize(example))
            owners.append(intent.name)
    return texts, owners


def _slot_present(slots: Slots, name: str) -> bool:
    value: Any = getattr(slots, name, None)
    mentioned = getattr(value, "mentioned", None)
    return bool(mentioned) if mentioned is not None else bool(value)


def classify(text: str, slots: Slots) -> list[str]:
    """Names of every intent the message expresses, in grammar order."""
    normal = normalize(text)
    found = [
        intent.name
        for intent in intents()
        if any(p.search(normal) for p in intent.patterns)
        or any(_slot_present(slots, s) for s in intent.slots)
    ]
    if found:
        return found
    texts, owners = _examples()
    best = process.extractOne(normal, texts, scorer=fuzz.ratio)
    if best is not None and best[1] >= FUZZY_THRESHOLD:
        return [owners[best[2]]]
    return []


def question_field(question: str | None) -> str | None:
    """Which intake field the coach's question asked about ("how many days a week?")."""
    if not question:
        return None
    # Only the last sentence that asks something counts: earlier ones were answered.
    asked = [s for s in re.split(r"(?<=[.?!])\s+", question.lower()) if "?" in s]
    target = asked[-1] if asked else ""
    best: tuple[int, str] | None = None
    for field_name, phrases in _data()["questions"].items():
        for phrase in phrases:
            position = target.find(str(phrase))
            if position >= 0 and (best is None or position < best[0]):
                best = (position, str(field_name))
    return best[1] if best else None


def arg_aliases() -> dict[str, list[str]]:
    """Logical argument -> parameter names to try, in order."""
    return {str(k): [str(v) for v in vs] for k, vs in _data()["arg_aliases"].items()}


def understood_examples() -> list[str]:
    """A few example phrasings, for the clarifying question."""
    wanted = ("plan_today", "shorten", "equipment_change", "log_sets", "history", "easier")
    by_name = {i.name: i for i in intents()}
    return [by_name[name].examples[0] for name in wanted if name in by_name]
