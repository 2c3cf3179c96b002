"""Intake: what the coach still needs to ask, and profile changes from ordinary talk.

The coach asks only for what it does not know yet, one or two questions at a time, in
the order of :data:`INTAKE_FIELDS`. Constraints and barriers are "known" once the person
has named one (a note) or said there are none (a flag in ``profile.extra``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

import sqlite_utils

from agent.memory import store
from agent.memory.db import transaction
from agent.memory.store import Profile

INTAKE_FIELDS: tuple[str, ...] = (
    "goal",
    "level",
    "equipment",
    "days_per_week",
    "session_minutes",
    "constraints",
    "barriers",
)
"""Everything the intake wants to know, in asking order."""

QUESTIONS_PER_TURN = 2

ProfileField = Literal["goal", "level", "equipment", "days_per_week", "session_minutes", "units"]

_NOTE_FIELDS = {"constraints": "constraint", "barriers": "barrier"}
_NONE_WORDS = {"none", "nothing", "no equipment", "bodyweight", "body weight", "bodyweight only"}


def missing_fields(db: sqlite_utils.Database, user_id: int) -> list[str]:
    """Intake fields still unknown, in asking order."""
    profile = store.get_profile(db, user_id)
    missing = profile.missing()
    for field, kind in _NOTE_FIELDS.items():
        said_none = bool(profile.extra.get(f"no_{field}"))
        if not said_none and not store.active_notes(db, user_id, kind):
            missing.append(field)
    return [f for f in INTAKE_FIELDS if f in missing]


def next_questions(db: sqlite_utils.Database, user_id: int) -> list[str]:
    """The one or two fields to ask about next (empty when intake is complete)."""
    return missing_fields(db, user_id)[:QUESTIONS_PER_TURN]


def normalise_equipment(item: str) -> str:
    """Equipment words compare lower-case with single spaces: "Kettle Bell " stays readable."""
    return " ".join(item.lower().replace("_", " ").split())


def _save(db: sqlite_utils.Database, user_id: int, profile: Profile, now: datetime) -> Profile:
    store.save_profile(db, user_id, profile, now)
    return profile


def add_equipment(
    db: sqlite_utils.Database, user_id: int, items: Iterable[str], now: datetime
) -> Profile:
    """Add equipment to what the person has ("I bought a kettlebell")."""
    with transaction(db):
        profile = store.get_profile(db, user_id)
        owned = list(profile.equipment or [])
        for item in items:
            word = normalise_equipment(item)
            if word and word not in _NONE_WORDS and word not in owned:
                owned.append(word)
        return _save(db, user_id, profile.model_copy(update={"equipment": owned}), now)


def remove_equipment(
    db: sqlite_utils.Database, user_id: int, items: Iterable[str], now: datetime
) -> Profile:
    """Remove equipment the person no longer has; an empty list means "none"."""
    with transaction(db):
        profile = store.get_profile(db, user_id)
        drop = {normalise_equipment(i) for i in items}
        # "kettlebells" and "kettlebell" are the same thing to the person.
        drop |= {d[:-1] for d in drop if d.endswith("s")} | {d + "s" for d in drop}
        owned = [e for e in (profile.equipment or []) if e not in drop]
        return _save(db, user_id, profile.model_copy(update={"equipment": owned}), now)


def update_profile(
    db: sqlite_utils.Database, user_id: int, changes: dict[str, Any], now: datetime
) -> Profile:
    """Merge ``changes`` into the profile (None values are ignored; see ``correct_profile``).

    ``no_constraints`` / ``no_barriers`` record that the person has none, which completes
    that intake question.
    """
    with transaction(db):
        profile = store.get_profile(db, user_id)
        extra = dict(profile.extra)
        for flag in ("no_constraints", "no_barriers"):
            value = changes.pop(flag, None)
            if value is not None:
                extra[flag] = bool(value)
        update = {k: v for k, v in changes.items() if v is not None}
        if "equipment" in update:
            words = [normalise_equipment(e) for e in update["equipment"]]
            update["equipment"] = [w for w in dict.fromkeys(words) if w and w not in _NONE_WORDS]
        update["extra"] = extra
        return _save(db, user_id, profile.model_copy(update=update), now)


def correct_profile(
    db: sqlite_utils.Database, user_id: int, field: str, value: Any, now: datetime
) -> Profile:
    """Set one field to a corrected value, or clear it (``value`` None) so it is asked again.

    Raises:
        ValueError: Unknown field.
    """
    if field not in ProfileField.__args__:  # type: ignore[attr-defined]
        raise ValueError(f"unknown profile field {field!r}")
    with transaction(db):
        profile = store.get_profile(db, user_id)
        if field == "units" and value is None:
            value = "kg"
        if field == "equipment" and isinstance(value, str):
            value = [v for v in (normalise_equipment(x) for x in value.split(",")) if v]
        data = profile.model_dump()
        data[field] = value
        corrected = Profile.model_validate(data)
        return _save(db, user_id, corrected, now)
