"""What the trainer console reads from other features: readiness, consultation, assessments.

The console reads them through :class:`ClientRecords`, so its pages and rules do not
depend on how each feature stores them. :class:`StoredRecords` (what
:func:`default_records` returns) reads the real ones: readiness bands from imported
recovery data (``memory.wearables``), the consultation record (``coaching.consultation``)
and rated assessment results and due retests (``coaching.assessments``).
:class:`NoRecordsYet` has nothing to say; tests build scripted doubles on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Protocol

import sqlite_utils

from agent.coaching import assessments as assessments_
from agent.coaching import consultation as consultation_
from agent.memory import wearables
from agent.planning.models import Band


@dataclass(frozen=True)
class ReadinessDay:
    """The readiness band stored for one day: low | moderate | high."""

    day: date
    band: str


@dataclass(frozen=True)
class AssessmentDue:
    """An assessment or reassessment the client is due for."""

    name: str
    due_on: date
    kind: str = "reassessment"
    """assessment (never done) | reassessment."""


@dataclass(frozen=True)
class AssessmentSummary:
    """A finished assessment as the client page lists it."""

    name: str
    done_on: date
    result: str
    """The ratings in words, e.g. "squat pattern 2/3, push-ups 14"."""


@dataclass(frozen=True)
class ConsultationLine:
    """One answer from the consultation."""

    topic: str
    answer: str


class ClientRecords(Protocol):
    """Readiness, assessments and consultation of one client."""

    def readiness(
        self, db: sqlite_utils.Database, user_id: int, first: date, last: date
    ) -> list[ReadinessDay]:
        """Daily readiness bands between ``first`` and ``last`` (inclusive), oldest first."""
        ...

    def assessments_due(
        self, db: sqlite_utils.Database, user_id: int, today: date
    ) -> list[AssessmentDue]:
        """Assessments and reassessments due (or overdue) as of ``today``."""
        ...

    def assessments(
        self, db: sqlite_utils.Database, user_id: int, today: date
    ) -> list[AssessmentSummary]:
        """Finished assessments, newest first, rated as of ``today``."""
        ...

    def consultation(
        self, db: sqlite_utils.Database, user_id: int, today: date
    ) -> list[ConsultationLine]:
        """The consultation record, in the order it was taken, read on ``today``."""
        ...


class NoRecordsYet:
    """The records before the readiness and consultation features are connected."""

    def readiness(
        self, db: sqlite_utils.Database, user_id: int, first: date, last: date
    ) -> list[ReadinessDay]:
        """None stored yet."""
        return []

    def assessments_due(
        self, db: sqlite_utils.Database, user_id: int, today: date
    ) -> list[AssessmentDue]:
        """None stored yet."""
        return []

    def assessments(
        self, db: sqlite_utils.Database, user_id: int, today: date
    ) -> list[AssessmentSummary]:
        """None stored yet."""
        return []

    def consultation(
        self, db: sqlite_utils.Database, user_id: int, today: date
    ) -> list[ConsultationLine]:
        """None stored yet."""
        return []


_CONSOLE_BAND: dict[Band, str] = {
    "very_low": "low",
    "low": "low",
    "normal": "moderate",
    "high": "high",
}
"""Recovery-data bands in the console's words.

The device says low with one or two adverse drivers and very low with all three; both
mean "recovering poorly" to a trainer, which is what the readiness rule looks for.
Device data never rises above normal (feeling great is the person's to say), so
normal is the middle of the console's scale, not its top.
"""


def _noon(today: date) -> datetime:
    # The console works in days; the features below take a moment. Noon UTC keeps the
    # moment on ``today`` whatever the trainer's offset.
    return datetime.combine(today, time(12), tzinfo=UTC)


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v).replace("_", " ") for v in value)
    return str(value).replace("_", " ")


def _consultation_lines(record: consultation_.ConsultationRecord) -> list[ConsultationLine]:
    lines = []
    for item in record.answers:
        if item.value is None and not item.raw:
            continue
        # The person's own words first: the trainer should read what was said, not
        # only what the parser made of it.
        said = item.raw if item.raw else _words(item.value)
        if item.unclear:
            said = f"{said} (not understood yet)"
        lines.append(ConsultationLine(item.label, said))
    if record.goal is not None:
        agreed = "agreed" if record.goal_agreed else "not agreed yet"
        lines.append(ConsultationLine("SMART goal", f"{record.goal.text} ({agreed})"))
    if record.status != "complete":
        left = len(set(record.missing) | set(record.unclear))
        lines.append(ConsultationLine("Status", f"{record.status.replace('_', ' ')}, {left} to go"))
    return lines


def _result_words(result: assessments_.Result) -> str:
    said = f"{result.value:g} {result.unit}".strip()
    rating = result.rating
    if rating.category:
        said += f", {rating.category.replace('_', ' ')} for {rating.band}"
    if result.compared is not None:
        change = result.compared
        said += f" ({change.change:+g} since {change.previous_at[:10]}, {change.direction})"
    return said


class StoredRecords:
    """The records the features store: recovery readings, consultation, assessments."""

    def readiness(
        self, db: sqlite_utils.Database, user_id: int, first: date, last: date
    ) -> list[ReadinessDay]:
        """The recovery-data band of each day that had one (calibrating days have none)."""
        days = []
        for offset in range((last - first).days + 1):
            day = date.fromordinal(first.toordinal() + offset)
            band = wearables.device_readiness(db, user_id, day).band
            if band is not None:
                days.append(ReadinessDay(day, _CONSOLE_BAND[band]))
        return days

    def assessments_due(
        self, db: sqlite_utils.Database, user_id: int, today: date
    ) -> list[AssessmentDue]:
        """Retests whose interval has run out (tests never done are offered, not due)."""
        return [
            AssessmentDue(due.name, date.fromisoformat(due.due_on), "reassessment")
            for due in assessments_.due_reassessments(db, user_id, _noon(today))
        ]

    def assessments(
        self, db: sqlite_utils.Database, user_id: int, today: date
    ) -> list[AssessmentSummary]:
        """Every result, newest first, with its rating and the change since the last one."""
        results = assessments_.results_of(db, user_id, _noon(today))
        return [
            AssessmentSummary(r.name, date.fromisoformat(r.taken_at[:10]), _result_words(r))
            for r in reversed(results)
        ]

    def consultation(
        self, db: sqlite_utils.Database, user_id: int, today: date
    ) -> list[ConsultationLine]:
        """The answers given, in asking order, then the drafted goal and what is left."""
        record = consultation_.record_of(db, user_id, _noon(today))
        return _consultation_lines(record) if record is not None else []


def default_records() -> ClientRecords:
    """The records the console reads: the ones the features store."""
    return StoredRecords()
