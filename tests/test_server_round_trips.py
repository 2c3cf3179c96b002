"""Requests a chat message costs on PostgreSQL through the server: a regression guard.

Each request is a wake-up of a database server process and of the thread waiting on it;
under load they set the latency of every turn and of an emergency reply (issue 16).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent.memory import postgres, store
from agent.memory.db import (
    connect,
    read_after_commit,
    transaction,
    write_unanswered,
    writing_for,
)
from agent.models.scripted import ScriptedModel, say
from agent.server.app import create_app
from agent.server.auth import issue_token
from agent.server.state import DatabasePool

ANSWERED_ROUND_TRIPS = 8
"""An ordinary message the model answers, with ``--workers`` above 1 (which adds the read of
the person's earlier turns): 18-19 before the caller and their conversation were one read,
the gate read the locks with the screen's inputs, the reply travelled with the COMMIT and
a chat answer's two sessions were one read; 12 before the screen's inputs travelled with
the message's insert (no read before the transaction on PostgreSQL), the turn and its
message were one insert and the answer's reads followed the COMMIT."""

EMERGENCY_ROUND_TRIPS = 3
"""A red flag from a person an emergency already holds: 14 before the same changes, 8
before the last three and the flag travelling with the COMMIT: the caller's read, the
message's insert with the screen's inputs, the flag and reply with the COMMIT and the
answer's reads."""

FIRST_EMERGENCY_ROUND_TRIPS = 4
"""A red flag as someone's first message: one more, their conversation (one request, no
COMMIT of its own; 11 before)."""


def _count_requests(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sent = [0]
    original = postgres.PgDatabase._send

    def counted(self: postgres.PgDatabase, *args: Any, **kwargs: Any) -> None:
        sent[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(postgres.PgDatabase, "_send", counted)
    return sent


def test_a_chat_message_makes_a_bounded_number_of_round_trips(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    db = connect(pg_url)
    _, ann = issue_token(db, "ann", now)
    _, bob = issue_token(db, "bob", now)
    db.close()
    sent = _count_requests(monkeypatch)
    app = create_app(pg_url, model=ScriptedModel([say("Noted.")] * 10), processes=2)
    with TestClient(app) as client:

        def chat(token: str, message: str) -> dict[str, Any]:
            before = sent[0]
            answer = client.post(
                "/v1/chat", json={"message": message}, headers={"Authorization": f"Bearer {token}"}
            )
            assert answer.status_code == 200, answer.text
            return {"body": answer.json(), "round_trips": sent[0] - before}

        chat(ann, "hi coach")  # the first message opens her conversation
        for message in ("my goal is general fitness", "I'm a beginner"):
            turn = chat(ann, message)
            assert turn["body"]["reply"] == "Noted."
            assert turn["round_trips"] <= ANSWERED_ROUND_TRIPS
        first = chat(bob, "I have crushing chest pain")
        assert first["body"]["safety"]["tier"] == "emergency"
        assert first["round_trips"] <= FIRST_EMERGENCY_ROUND_TRIPS
        emergency = chat(bob, "I have crushing chest pain, still")
        assert emergency["body"]["safety"]["tier"] == "emergency"
        assert emergency["round_trips"] <= EMERGENCY_ROUND_TRIPS


def test_a_pooled_handle_never_answers_from_the_last_requests_reads(pg_url: str) -> None:
    """A read sent with a COMMIT answers its next asking only within the same request."""
    now = datetime.now(UTC)
    pool = DatabasePool(pg_url)
    name = "SELECT pseudonym FROM users WHERE id = ?"
    with pool.connection() as db:
        user_id = store.ensure_user(db, "ann", now)
        with writing_for(user_id), transaction(db):
            write_unanswered(db, "UPDATE users SET pseudonym = ? WHERE id = ?", ["bea", user_id])
            read_after_commit(db, [(name, [user_id])])  # never asked in this request
        first = db
    other = connect(pg_url)
    other.execute("UPDATE users SET pseudonym = ? WHERE id = ?", ["cat", user_id])
    other.close()
    with pool.connection() as db:
        assert db is first  # the same handle, lent again
        assert db.execute(name, [user_id]).fetchone()[0] == "cat"
    pool.close()
