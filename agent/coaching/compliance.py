"""Client status and compliance: what a trainer may expect of a client on a given day.

A status (injured, sick, holiday) changes expectations. Holiday and sick days expect no
training, injured days half of it, so a client on holiday does not fall in compliance
and the missed-sessions rule does not count those days. The same numbers ease the plan
(``STATUS_EFFECTS``), so the plan and the count never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from agent.memory import checkins, history, notes, store
from agent.memory import trainers as trainer_store

if TYPE_CHECKING:
    import sqlite_utils


@dataclass(frozen=True)
class StatusEffect:
    """How a status changes the plan and the count."""

    expected_share: float
    """Share of the usual training expected on such a day (1 = all, 0 = none)."""
    paused: bool
    """No sessions are planned on such days."""
    eased: bool
    """Sessions planned on such days are deloads, one step easier."""


STATUS_EFFECTS: dict[str, StatusEffect] = {
    "active": StatusEffect(1.0, paused=False, eased=False),
    "injured": StatusEffect(0.5, paused=False, eased=True),
    "sick": StatusEffect(0.0, paused=True, eased=True),
    "holiday": StatusEffect(0.0, paused=True, eased=False),
}


def status_on(rows: list[trainer_store.StatusRow], day: date) -> str:
    """The status in force on ``day`` (the latest set row that covers it), else active."""
    found = "active"
    for row in rows:
        if row.covers(day):
            found = row.status
    return found


def client_status(db: sqlite_utils.Database, user_id: int, day: date) -> str:
    """The client's status on ``day``."""
    return status_on(trainer_store.statuses(db, user_id), day)


def _days_on(rows: list[checkins.AdjustmentRow], usual: int | None, day: date) -> int | None:
    found = usual
    for row in rows:
        in_force = row.starts_on <= day and (row.ends_on is None or day <= row.ends_on)
        if in_force and row.kind in {"more_days", "fewer_days"}:
            found = int(row.detail["days_per_week"])  # rows are oldest first: latest wins
    return found


def days_per_week_on(db: sqlite_utils.Database, user_id: int, day: date) -> int | None:
    """Training days per week on ``day``.

    A time-bound schedule note ("this week only 2 days") while it runs, else a trainer's
    approved change, else the profile.
    """
    scheduled = notes.scheduled_days(db, user_id, day)
    if scheduled is not None:
        return scheduled[0]
    usual = store.get_profile(db, user_id).days_per_week
    return _days_on(checkins.adjustments(db, user_id), usual, day)


@dataclass(frozen=True)
class Compliance:
    """Training days against expected days over a window."""

    first: date
    last: date
    done: int
    expected: float
    rate: float | None
    """done / expected, capped at 1; None when nothing was expected."""


def compliance(db: sqlite_utils.Database, user_id: int, first: date, last: date) -> Compliance:
    """Compliance between ``first`` and ``last`` inclusive."""
    rows = trainer_store.statuses(db, user_id)
    changes = checkins.adjustments(db, user_id)
    usual = store.get_profile(db, user_id).days_per_week
    expected = 0.0
    day = first
    while day <= last:
        per_week = _days_on(changes, usual, day)
        if per_week:
            expected += per_week / 7 * STATUS_EFFECTS[status_on(rows, day)].expected_share
        day += timedelta(days=1)
    done = sum(1 for d in history.training_days(db, user_id) if first <= d <= last)
    rate = None if expected < 0.5 else round(min(1.0, done / expected), 2)
    return Compliance(first, last, done, round(expected, 1), rate)


def paused_days(db: sqlite_utils.Database, user_id: int, first: date, last: date) -> set[date]:
    """Days in the window on which a status pauses training."""
    rows = trainer_store.statuses(db, user_id)
    out: set[date] = set()
    day = first
    while day <= last:
        if STATUS_EFFECTS[status_on(rows, day)].paused:
            out.add(day)
        day += timedelta(days=1)
    return out
