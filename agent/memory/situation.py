"""Who the person is beyond the intake profile, and the kits they have for some days only.

Stored facts, not derived ones: a due date rather than a pregnancy week (so the week
advances with the calendar), a birth date rather than weeks postpartum, the date a layoff
ended. The planner turns them into request fields for a given day
(``agent.planning.populations.request_fields``); memory only stores them.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from agent.memory.db import transaction
from agent.memory.store import iso

if TYPE_CHECKING:
    import sqlite_utils

_COLUMNS = (
    "due_date",
    "birth_date",
    "conditions",
    "sport",
    "layoff_weeks",
    "back_since",
    "load_caps",
)


class StoredKit(BaseModel):
    """A kit for some days only (a hotel stay); it expires after ``ends_on``."""

    place: str = Field(description="What the person called it.")
    equipment: list[str] = Field(description="Equipment vocabulary words.")
    load_caps: dict[str, float] = Field(default_factory=dict, description="Heaviest kg per item.")
    starts_on: date = Field(description="First day.")
    ends_on: date = Field(description="Last day (inclusive).")


class Situation(BaseModel):
    """Population facts the planner reads (see agent/planning/data/populations.yaml)."""

    due_date: date | None = Field(default=None, description="Pregnancy due date.")
    birth_date: date | None = Field(default=None, description="Date of a recent birth.")
    conditions: list[str] = Field(default_factory=list, description="Conditions that matter.")
    sport: str | None = Field(default=None, description="running | field.")
    layoff_weeks: int | None = Field(default=None, description="Weeks off before coming back.")
    back_since: date | None = Field(default=None, description="First day back.")
    load_caps: dict[str, float] = Field(default_factory=dict, description="Heaviest kg per item.")


def _day(value: Any) -> date | None:
    return None if value in (None, "") else date.fromisoformat(str(value))


def get_situation(db: sqlite_utils.Database, user_id: int) -> Situation:
    """The stored facts, or empty ones."""
    row = db.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM profiles WHERE user_id = ?", [user_id]
    ).fetchone()
    if not row:
        return Situation()
    return Situation(
        due_date=_day(row[0]),
        birth_date=_day(row[1]),
        conditions=json.loads(row[2] or "[]"),
        sport=row[3],
        layoff_weeks=row[4],
        back_since=_day(row[5]),
        load_caps=json.loads(row[6] or "{}"),
    )


def update_situation(
    db: sqlite_utils.Database, user_id: int, changes: dict[str, Any], now: datetime
) -> Situation:
    """Merge ``changes`` (None values are ignored; conditions are added, not replaced).

    A birth date ends a pregnancy: the due date is cleared. Callers validate condition
    names against the planner's list first.

    Raises:
        ValueError: An unknown field.
    """
    unknown = [k for k in changes if k not in Situation.model_fields]
    if unknown:
        raise ValueError(f"unknown situation field {unknown}")
    with transaction(db):
        current = get_situation(db, user_id)
        update = {k: v for k, v in changes.items() if v is not None}
        if "conditions" in update:
            update["conditions"] = sorted({*current.conditions, *update["conditions"]})
        if "birth_date" in update:
            update["due_date"] = None
        merged = Situation.model_validate({**current.model_dump(), **update})
        values = [
            merged.due_date.isoformat() if merged.due_date else None,
            merged.birth_date.isoformat() if merged.birth_date else None,
            json.dumps(merged.conditions),
            merged.sport,
            merged.layoff_weeks,
            merged.back_since.isoformat() if merged.back_since else None,
            json.dumps(merged.load_caps, sort_keys=True),
        ]
        assignments = ", ".join(f"{c}=excluded.{c}" for c in _COLUMNS)
        db.execute(
            f"INSERT INTO profiles (user_id, {', '.join(_COLUMNS)}, updated_at) "
            f"VALUES (?, {', '.join('?' for _ in _COLUMNS)}, ?) "
            f"ON CONFLICT(user_id) DO UPDATE SET {assignments}, updated_at=excluded.updated_at",
            [user_id, *values, iso(now)],
        )
        return merged


def remove_condition(
    db: sqlite_utils.Database, user_id: int, condition: str, now: datetime
) -> Situation:
    """Drop one condition ("my blood pressure is normal now")."""
    with transaction(db):
        current = get_situation(db, user_id)
        kept = [c for c in current.conditions if c != condition]
        db.execute(
            "UPDATE profiles SET conditions = ?, updated_at = ? WHERE user_id = ?",
            [json.dumps(kept), iso(now), user_id],
        )
        return current.model_copy(update={"conditions": kept})


def add_temporary_kit(
    db: sqlite_utils.Database, user_id: int, kit: StoredKit, now: datetime
) -> int:
    """Store a kit for some days (a hotel stay); returns its id."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO temporary_kits (user_id, place, equipment, load_caps, starts_on, "
            "ends_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                user_id,
                kit.place,
                json.dumps(kit.equipment),
                json.dumps(kit.load_caps, sort_keys=True),
                kit.starts_on.isoformat(),
                kit.ends_on.isoformat(),
                iso(now),
            ],
        )
        return int(cursor.lastrowid or 0)


def temporary_kits(db: sqlite_utils.Database, user_id: int, today: date) -> list[StoredKit]:
    """Kits that have not expired by ``today`` (current and coming), soonest first."""
    rows = db.execute(
        "SELECT place, equipment, load_caps, starts_on, ends_on FROM temporary_kits "
        "WHERE user_id = ? AND ends_on >= ? ORDER BY starts_on, id",
        [user_id, today.isoformat()],
    ).fetchall()
    return [
        StoredKit(
            place=row[0],
            equipment=json.loads(row[1]),
            load_caps=json.loads(row[2] or "{}"),
            starts_on=date.fromisoformat(row[3]),
            ends_on=date.fromisoformat(row[4]),
        )
        for row in rows
    ]
