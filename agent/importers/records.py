"""What every importer produces: typed records, a tally of what was read and skipped.

Importers are pure: a file goes in, records come out, nothing is written. Storage lives in
``agent.memory.wearables`` (daily values and activities) and ``agent.memory.portability``
(lifting sets), so a file that fails half-way changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from agent.errors import UserInputError

Metric = Literal[
    "resting_hr",
    "hrv",
    "sleep_minutes",
    "sleep_deep_minutes",
    "sleep_rem_minutes",
    "sleep_light_minutes",
    "sleep_awake_minutes",
    "vo2max",
    "heart_rate_mean",
    "steps",
    "exercise_minutes",
]
"""Daily metrics, one value per day, source, kind and window."""

HrvKind = Literal["rmssd", "sdnn"]
Window = Literal["night", "morning", "day", ""]
Sport = Literal["run", "ride", "swim", "walk", "hike", "row", "strength", "other"]

ENDURANCE_SPORTS: frozenset[str] = frozenset({"run", "ride", "swim", "walk", "hike", "row"})
"""Sports whose minutes count toward the week's aerobic minutes."""


class ImportRefused(UserInputError, ValueError):
    """The file cannot be imported as a whole; the message is the one line to show.

    Also a ``ValueError``, as the lifting importer's callers have always caught.
    """


@dataclass(frozen=True)
class DailyValue:
    """One metric for one day from one source (and, for HRV, one kind and window)."""

    day: date
    metric: Metric
    value: float
    source: str
    kind: str = ""
    """``rmssd`` or ``sdnn`` for HRV; empty otherwise."""
    window: Window = ""
    """When HRV was measured: ``night``, ``morning`` or through the ``day``."""


@dataclass(frozen=True)
class Activity:
    """One endurance or other session recorded by a device or app."""

    source: str
    started_at: datetime
    """Timezone-aware start."""
    sport: Sport
    duration_s: float
    name: str = ""
    distance_m: float | None = None
    avg_hr: float | None = None
    max_hr: float | None = None
    calories: float | None = None

    @property
    def key(self) -> str:
        """What makes a re-import of the same activity recognisable: source and start."""
        return f"{self.source}|{self.started_at.isoformat(timespec='seconds')}"


@dataclass(frozen=True)
class LiftSet:
    """One set of a lifting log, grouped into workouts by ``workout_key``."""

    workout_key: tuple[str, str]
    started: datetime
    title: str
    exercise: str
    set_number: int
    set_type: str
    reps: int | None
    load: float | None
    unit: str | None
    rpe: float | None
    duration_s: float | None


@dataclass
class ParseResult:
    """Everything one file held, plus what was read and skipped and why."""

    kind: str
    daily: list[DailyValue] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    sets: list[LiftSet] = field(default_factory=list)
    read: int = 0
    """Records (rows, XML records, FIT messages of interest) looked at."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Reason -> records skipped for it."""
    notes: list[str] = field(default_factory=list)
    """Plain-words remarks for the report (e.g. which unit was assumed)."""

    def skip(self, reason: str, count: int = 1) -> None:
        """Count ``count`` records skipped for ``reason``."""
        self.skipped[reason] += count


def sport_from(text: str) -> Sport:
    """A device's sport or activity name ("HKWorkoutActivityTypeRunning", "Trail Run") as ours."""
    low = text.lower().replace("_", " ")
    table: tuple[tuple[tuple[str, ...], Sport], ...] = (
        (("swim",), "swim"),
        (("cycl", "bik", "ride", "spin"), "ride"),
        (("row",), "row"),
        (("hik",), "hike"),
        (("walk",), "walk"),
        (("run", "jog", "treadmill"), "run"),
        (("strength", "weight", "lift"), "strength"),
    )
    for needles, sport in table:
        if any(n in low for n in needles):
            return sport
    return "other"


__all__ = [
    "ENDURANCE_SPORTS",
    "Activity",
    "DailyValue",
    "HrvKind",
    "ImportRefused",
    "LiftSet",
    "Metric",
    "ParseResult",
    "Sport",
    "Window",
    "sport_from",
]
