"""Bearer tokens: shown once, stored as a hash, replaced on re-issue; ``coach user add``."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agent.cli.main import app as cli
from agent.memory import store
from agent.memory.db import connect
from agent.server.app import create_app
from agent.server.auth import (
    bearer_token,
    chat_holder_for_token,
    hash_token,
    issue_token,
    user_for_token,
)


def test_only_the_hash_is_stored(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, token = issue_token(db, "ann", now)
    stored = db.execute("SELECT token_hash FROM users WHERE id = ?", [user_id]).fetchone()[0]
    assert stored == hash_token(token) and token not in stored
    for table in db.table_names():
        rows = db.execute(f'SELECT * FROM "{table}"').fetchall()
        assert token not in repr(rows), table
    assert user_for_token(db, token) == user_id


def test_reissuing_replaces_the_old_token(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, first = issue_token(db, "ann", now)
    same_id, second = issue_token(db, "ann", now)
    assert same_id == user_id and first != second
    assert user_for_token(db, first) is None
    assert user_for_token(db, second) == user_id
    audit = db.execute("SELECT action, subject, detail FROM audit_log").fetchall()
    assert audit[-1][0] == "user.token_issued" and "ann" not in str(audit)


def test_a_chat_token_read_gives_the_holder_and_their_latest_conversation(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, first = issue_token(db, "ann", now)
    other, _ = issue_token(db, "bob", now)
    assert chat_holder_for_token(db, first) == (user_id, None)
    store.start_conversation(db, user_id, now)
    latest = store.start_conversation(db, user_id, now)
    store.start_conversation(db, other, now)  # someone else's newer one is not hers
    assert chat_holder_for_token(db, first) == (user_id, latest)
    _, second = issue_token(db, "ann", now)
    assert chat_holder_for_token(db, first) is None
    assert chat_holder_for_token(db, second) == (user_id, latest)
    assert chat_holder_for_token(db, "cl_" + "x" * 43) is None
    assert chat_holder_for_token(db, second.removeprefix("cl_")) is None


# Each example opens and migrates a fresh database; on a loaded machine that can pass
# hypothesis' 200 ms default deadline, which says nothing about tokens.
@settings(deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_strings_are_never_a_valid_token(text: str) -> None:
    db = connect(":memory:")
    try:
        assert user_for_token(db, text) is None
        assert chat_holder_for_token(db, text) is None
    finally:
        db.close()


def test_bearer_header_parsing() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None


def test_coach_user_add_prints_a_working_token(db_path: str, now: datetime) -> None:
    result = CliRunner().invoke(cli, ["user", "add", "ann", "--db", db_path])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("cl_")
    with TestClient(create_app(db_path, clock=lambda: now, operator_auth=False)) as client:
        ok = client.get("/v1/plan/today", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
    again = CliRunner().invoke(cli, ["user", "add", "ann", "--db", db_path])
    assert again.exit_code == 0
    db = connect(db_path)
    assert user_for_token(db, token) is None
    assert db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 1
    db.close()


def test_coach_user_add_refuses_an_empty_name(db_path: str) -> None:
    result = CliRunner().invoke(cli, ["user", "add", "  ", "--db", db_path])
    assert result.exit_code != 0
