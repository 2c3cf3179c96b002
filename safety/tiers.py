"""The four safety tiers, ordered by severity."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    """How serious a message is: ``none`` < ``caution`` < ``check`` < ``stop`` < ``emergency``.

    ``check`` sits between caution and stop: the screen could not settle a message that
    touches a cardinal area (chest, heart, breathing, head, vision, speech, one-sided
    weakness, fainting), so the coach asks one safety question before going on.

    A ``str`` enum so it serialises as its value, but comparisons go by severity, never
    alphabetically, so ``max(tiers)`` is the most serious one.
    """

    NONE = "none"
    CAUTION = "caution"
    CHECK = "check"
    STOP = "stop"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        """Severity as a number: 0 for none up to 4 for emergency."""
        return _RANK[self]

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Tier):
            return _RANK[self] < _RANK[other]
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, Tier):
            return _RANK[self] <= _RANK[other]
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, Tier):
            return _RANK[self] > _RANK[other]
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, Tier):
            return _RANK[self] >= _RANK[other]
        return NotImplemented

    # Equality and hashing stay those of str so ``Tier.STOP == "stop"`` still holds.
    __hash__ = str.__hash__


_RANK = {"none": 0, "caution": 1, "check": 2, "stop": 3, "emergency": 4}
"""Severity by value. A member is its own key (it hashes and compares as its string), so a
comparison is two dictionary reads: the screen compares tiers a few dozen times per
message, and reading ``.value`` through the enum's descriptor was a tenth of that."""
