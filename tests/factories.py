"""Builders shared by tests: users, conversations, coaches with scripted models."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from agent.loop import Coach
from agent.memory import store
from agent.models.base import ChatModel


def make_user(db: sqlite_utils.Database, now: datetime, name: str = "alex") -> tuple[int, int]:
    """A user and an open conversation: (user_id, conversation_id)."""
    user_id = store.ensure_user(db, name, now)
    return user_id, store.start_conversation(db, user_id, now)


def make_coach(
    db: sqlite_utils.Database, model: ChatModel, now: datetime, max_tool_rounds: int = 8
) -> Coach:
    """A coach over ``db`` whose clock is frozen at ``now``."""
    return Coach(db, model, clock=lambda: now, max_tool_rounds=max_tool_rounds)


def make_token_user(
    db: sqlite_utils.Database, now: datetime, name: str = "alex"
) -> tuple[int, str]:
    """A user with an HTTP bearer token: (user_id, token)."""
    from agent.server.auth import issue_token

    return issue_token(db, name, now)
