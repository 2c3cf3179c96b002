"""Intake: what the coach still needs to ask, and profile changes from ordinary talk.

The coach asks only for what it does not know yet, one or two questions at a time, in
the order of :data:`INTAKE_FIELDS`. Constraints and barriers are "known" once the person
has named one (a note) or said there are none (a flag in ``profile.extra``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from agent.memory import store
from agent.memory.db import transaction
from agent.memory.exercises import equipment_words
from agent.memory.store import Profile

if TYPE_CHECKING:
    import sqlite_utils

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
"""Said for "no equipment": stored as an empty list (known, and none)."""


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


def normalise_equipment(item: str) -> list[str]:
    """Vocabulary words for one equipment phrase.

    The planning catalog's vocabulary decides ("a pair of DBs" -> dumbbells); a phrase it
    does not know is kept as said, lower-case, so nothing the person told us is lost.
    """
    words = equipment_words(item)
    if words:
        return [w for w in words if w not in _NONE_WORDS]
    plain = " ".join(item.lower().replace("_", " ").split())
    return [] if plain in _NONE_WORDS else [plain]


def _equipment_list(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(w for item in items for w in normalise_equipment(item) if w))


def _save(db: sqlite_utils.Database, user_id: int, profile: Profile, now: datetime) -> Profile:
    store.save_profile(db, user_id, profile, now)
    return profile


def add_equipment(
    db: sqlite_utils.Database, user_id: int, items: Iterable[str], now: datetime
) -> Profile:
    """Add equipment to what the person has ("I bought a kettlebell")."""
    with transaction(db):
        profile = store.get_profile(db, user_id)
        owned = _equipment_list([*(profile.equipment or []), *items])
        return _save(db, user_id, profile.model_copy(update={"equipment": owned}), now)


def remove_equipment(
    db: sqlite_utils.Database, user_id: int, items: Iterable[str], now: datetime
) -> Profile:
    """Remove equipment the person no longer has; an empty list means "none"."""
    with transaction(db):
        profile = store.get_profile(db, user_id)
        drop = set(_equipment_list(items))
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
    changes = dict(changes)  # the caller's dict is left as it was
    with transaction(db):
        profile = store.get_profile(db, user_id)
        extra = dict(profile.extra)
        for flag in ("no_constraints", "no_barriers"):
            value = changes.pop(flag, None)
            if value is not None:
                extra[flag] = bool(value)
        update = {k: v for k, v in changes.items() if v is not None}
        if "equipment" in update:
            update["equipment"] = _equipment_list(update["equipment"])
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
        if field == "equipment" and value is not None:
            value = _equipment_list(value.split(",") if isinstance(value, str) else value)
        data = profile.model_dump()
        data[field] = value
        corrected = Profile.model_validate(data)
        return _save(db, user_id, corrected, now)
