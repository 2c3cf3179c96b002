"""What the trainer console reads from other features: readiness, consultation, assessments.

Readiness bands come from the wearables/readiness work and consultations and assessments
from the consultation work; neither is part of this package. The console reads them
through :class:`ClientRecords`, and :class:`NoRecordsYet` is what it uses until they are
connected: it has nothing to say, so the page shows "none recorded" and the readiness
and assessment rules never fire. Connecting a feature means one class implementing
these four methods, returned by :func:`default_records`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

import sqlite_utils


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

    def assessments(self, db: sqlite_utils.Database, user_id: int) -> list[AssessmentSummary]:
        """Finished assessments, newest first."""
        ...

    def consultation(self, db: sqlite_utils.Database, user_id: int) -> list[ConsultationLine]:
        """The consultation record, in the order it was taken."""
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

    def assessments(self, db: sqlite_utils.Database, user_id: int) -> list[AssessmentSummary]:
        """None stored yet."""
        return []

    def consultation(self, db: sqlite_utils.Database, user_id: int) -> list[ConsultationLine]:
        """None stored yet."""
        return []


def default_records() -> ClientRecords:
    """The records the console reads; replace the body to connect the real features."""
    return NoRecordsYet()
