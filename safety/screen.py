"""Red-flag screen (foundation version: chest pain, dizziness, fainting).

The safety issue replaces this with the full rule set; the names stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

_ORDER = {"none": 0, "caution": 1, "stop": 2, "emergency": 3}


class Tier(StrEnum):
    """How serious a message is, in increasing order."""

    NONE = "none"
    CAUTION = "caution"
    STOP = "stop"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        """Severity as a number, for comparisons."""
        return _ORDER[self.value]


@dataclass(frozen=True)
class Signal:
    """One rule that matched."""

    rule_id: str
    label: str
    tier: Tier
    text: str


@dataclass(frozen=True)
class Assessment:
    """The screen's verdict on one message."""

    tier: Tier
    signals: list[Signal] = field(default_factory=list)
    excerpt: str = ""


@dataclass(frozen=True)
class ScreenContext:
    """What the screen knows from earlier turns."""

    previous_tier: Tier = Tier.NONE


_RULES = [
    (
        "EMG-CHEST-001",
        "chest pain",
        Tier.EMERGENCY,
        r"\bchest\s+(pain|pressure|tightness|hurts?)\b",
    ),
    (
        "EMG-FAINT-001",
        "fainting",
        Tier.EMERGENCY,
        r"\b(fainted|faint(ing)?|passed out|blacked out)\b",
    ),
    ("STP-DIZZY-001", "dizziness", Tier.STOP, r"\b(dizzy|dizziness|light-?headed)\b"),
]
_COMPILED = [(rid, label, tier, re.compile(rx, re.I)) for rid, label, tier, rx in _RULES]


def screen(text: str, context: ScreenContext | None = None) -> Assessment:
    """Screen one message for red flags."""
    signals = [
        Signal(rid, label, tier, m.group(0))
        for rid, label, tier, rx in _COMPILED
        if (m := rx.search(text))
    ]
    if not signals:
        return Assessment(Tier.NONE)
    worst = max(signals, key=lambda s: s.tier.rank)
    return Assessment(worst.tier, signals, text[:200])
