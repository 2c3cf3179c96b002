"""Steps taken outside a model turn, written into the conversation as tool calls.

``coach workout`` starting a session and Enter moving it on are real session-tool calls
made for the person; recording them lets any model reading the conversation know where
the session is.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlite_utils

from agent.memory import store
from agent.memory.db import transaction


def record_step(
    db: sqlite_utils.Database,
    *,
    user_id: int,
    conversation_id: int,
    now: datetime,
    said: str,
    tool: str,
    result: dict[str, Any],
) -> None:
    """Store ``said`` -> call ``tool`` -> its result -> the step message, as one turn."""
    stamp = store.iso(now)
    call_id = f"call_cli_{tool}_{int(now.timestamp() * 1000)}"
    with transaction(db):
        turn_id = int(
            db.execute(
                "INSERT INTO turns (conversation_id, user_id, status, started_at, finished_at) "
                "VALUES (?, ?, 'complete', ?, ?)",
                [conversation_id, user_id, stamp, stamp],
            ).lastrowid
            or 0
        )
        common: dict[str, Any] = {
            "user_id": user_id,
            "conversation_id": conversation_id,
            "now": now,
            "turn_id": turn_id,
        }
        store.add_message(db, role="user", content=said, **common)
        store.add_message(
            db,
            role="assistant",
            content=None,
            tool_calls=[
                {"id": call_id, "type": "function", "function": {"name": tool, "arguments": "{}"}}
            ],
            **common,
        )
        store.add_message(
            db,
            role="tool",
            content=json.dumps(result, sort_keys=True, default=str),
            tool_call_id=call_id,
            name=tool,
            **common,
        )
        store.add_message(db, role="assistant", content=str(result.get("message", "")), **common)
