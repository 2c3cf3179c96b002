"""Advice a professional gave the person, as they report it to the coach.

"Physio said no overhead pressing for a month", "my GP wants my heart rate under 140 for
now", "my surgeon cleared me to run again". The coach follows such advice as said: a
restriction becomes a constraint note on the areas it names (the planner leaves their
exercises out) that ends on the day said, a go-ahead lifts the named area's constraint,
and other advice is kept as a note. None of it is a question for a clinician (they have
just seen one), and none of it rewrites the profile. The words are data
(``data/advice.yaml``).

>>> read("physio said no overhead pressing for a month").areas
('shoulder',)
>>> read("my surgeon cleared me to squat again").kind
'clearance'
>>> read("my physio is lovely") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from agent.datafiles import parse_yaml
from agent.models.offline.slots import find_body_parts
from agent.regexes import cached_compile

_DATA = Path(__file__).parent / "data" / "advice.yaml"

Kind = Literal["restriction", "clearance", "advice", "no_training"]


@dataclass(frozen=True)
class Advice:
    """Who advised, what kind of advice, and the constraint areas a restriction names."""

    advisor: str
    kind: Kind
    areas: tuple[str, ...] = ()


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = parse_yaml(_DATA.read_text(encoding="utf-8"))
    return data


@cache
def _advisors() -> tuple[tuple[str, str], ...]:
    return tuple((str(name), "|".join(words)) for name, words in _data()["advisors"].items())


@cache
def _reported() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """An advisor with a reporting word after it ("physio said") or before ("per my GP")."""
    who = "|".join(f"(?P<{name}>{words})" for name, words in _advisors())
    data = _data()
    return (
        cached_compile(
            rf"\b(?:(?:my|the|our|his|her|me|a|an)\s+)?(?:{who})(?:'?s)?\b"
            rf"(?:\s*:|(?:\s+\w+){{0,5}}?\s*(?:{data['said']})\b)"
        ),
        cached_compile(
            rf"\b(?:{data['said_before']})\s+(?:(?:my|the|your)\s+)?(?:{who})(?:'?s)?\b"
        ),
    )


def read(text: str) -> Advice | None:
    """The advice ``text`` reports, or None when it reports none."""
    lowered = " ".join(text.lower().replace("\u2019", "'").split())
    after, before = _reported()
    found = after.search(lowered) or before.search(lowered)
    if found is None:
        return None
    advisor = next(name for name, value in found.groupdict().items() if value)
    data = _data()
    said = lowered[found.start() :]
    cleared = cached_compile(data["clearance"]).search(said)
    restricted = cached_compile(data["restriction"]).search(said)
    # "ok to lift again but nothing heavy": a limit said after the go-ahead still holds.
    if cleared and not (restricted and restricted.start() > cleared.end()):
        return Advice(advisor, "clearance", _areas(said, clearance=True))
    if restricted and cached_compile(data["all_training"]).search(said):
        # "not to exercise at all until my scan": no session of any kind, whatever area.
        return Advice(advisor, "no_training")
    if restricted:
        return Advice(advisor, "restriction", _areas(said, clearance=False))
    return Advice(advisor, "advice")


def _areas(said: str, *, clearance: bool) -> tuple[str, ...]:
    """The constraint areas named: movements by their area, body parts as said."""
    areas = [
        str(area)
        for area, words in _data()["movements"].items()
        if cached_compile(rf"(?<![a-z])(?:{'|'.join(words)})(?![a-z])").search(said)
    ]
    for part in find_body_parts(said):
        if part not in areas:
            areas.append(part)
    if clearance:
        return tuple(a for a in areas if a != "lower_back" or "back" in said)
    return tuple(areas)
