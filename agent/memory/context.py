"""The bounded summary of a person that the model sees (foundation version).

The memory issue extends this with history, bests, trends and adherence; the function
name and its bound stay.
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

import prompts
from agent.memory import store


def build_context(db: sqlite_utils.Database, user_id: int, now: datetime) -> str:
    """Render what the coach knows about this user, without direct identifiers."""
    profile = store.get_profile(db, user_id)
    return prompts.render(
        "context.j2",
        pseudonym=store.user_pseudonym(db, user_id),
        today=now.date().isoformat(),
        profile=profile,
        missing=profile.missing(),
        constraints=store.active_constraint_areas(db, user_id),
    )
