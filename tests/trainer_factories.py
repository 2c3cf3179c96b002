"""Builders for trainer-console tests: trainers, consenting clients, scripted histories."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time

import sqlite_utils

from agent.coaching import trainers as service
from agent.memory import history, intake, store
from agent.memory.db import transaction
from agent.server.trainer_auth import add_trainer

PASSWORD = "correct horse battery"


def at(day: date, hour: int = 18) -> datetime:
    """A moment on ``day`` (UTC)."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def make_trainer(db: sqlite_utils.Database, now: datetime, name: str = "sam") -> int:
    """A trainer account with the test password."""
    return add_trainer(db, name, PASSWORD, now)


def make_client(
    db: sqlite_utils.Database,
    now: datetime,
    trainer: str = "sam",
    name: str = "ann",
    *,
    days_per_week: int | None = 3,
    minutes: int | None = 45,
) -> int:
    """A user who accepted ``trainer``'s invite, with a small profile."""
    user_id = store.ensure_user(db, name, now)
    fields: dict[str, object] = {"goal": "general_fitness", "level": "beginner"}
    fields["equipment"] = ["dumbbells", "bench"]
    if days_per_week is not None:
        fields["days_per_week"] = days_per_week
    if minutes is not None:
        fields["session_minutes"] = minutes
    intake.update_profile(db, user_id, fields, now)
    code = service.create_invite(db, trainer, now)
    service.accept_invite(db, user_id, code, now)
    return user_id


def train(
    db: sqlite_utils.Database,
    user_id: int,
    days: Iterable[date],
    *,
    exercise: tuple[str, str] = ("goblet_squat", "Goblet squat"),
    load: float = 20.0,
    rpe: float | None = 7.0,
) -> None:
    """A done workout (three sets) on each of ``days``."""
    for day in days:
        history.log_sets(
            db,
            user_id,
            exercise_id=exercise[0],
            exercise_name=exercise[1],
            sets=[history.SetInput(reps=10, load=load, unit="kg", rpe=rpe) for _ in range(3)],
            now=at(day),
        )


def skip(db: sqlite_utils.Database, user_id: int, day: date, reason: str | None) -> None:
    """A skipped session on ``day`` with the person's reason."""
    history.skip_session(db, user_id, now=at(day, 7), reason=reason)


def planned_not_done(db: sqlite_utils.Database, user_id: int, day: date) -> None:
    """A session planned for ``day`` that never started."""
    with transaction(db):
        db.execute(
            "INSERT INTO workout_sessions (user_id, status, planned_for, source, created_at) "
            "VALUES (?, 'planned', ?, 'coach', ?)",
            [user_id, day.isoformat(), store.iso(at(day, 6))],
        )
