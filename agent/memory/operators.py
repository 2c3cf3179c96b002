"""Operator accounts and their sign-in sessions: ``operators`` and ``operator_sessions``.

Only storage lives here; hashing, checks and sign-in policy are the server's
(``agent.server.operator_auth``). Secrets arrive already hashed.
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from agent.clock import iso
from agent.memory import store
from agent.memory.db import transaction


def add(db: sqlite_utils.Database, name: str, password_hash: str, now: datetime) -> int | None:
    """Store a new operator and audit it; None when the name is taken."""
    with transaction(db):
        if db.execute("SELECT 1 FROM operators WHERE name = ?", [name]).fetchone():
            return None
        cursor = db.execute(
            "INSERT INTO operators (name, password_hash, created_at) VALUES (?, ?, ?)",
            [name, password_hash, iso(now)],
        )
        store.audit(db, actor="cli", action="operator.add", now=now, subject=f"operator:{name}")
        return int(cursor.lastrowid or 0)


def names(db: sqlite_utils.Database) -> list[str]:
    """Every operator's name, sorted."""
    return [str(r[0]) for r in db.execute("SELECT name FROM operators ORDER BY name").fetchall()]


def password_hash(db: sqlite_utils.Database, name: str) -> tuple[int, str] | None:
    """The operator's id and stored password hash, if the name exists."""
    row = db.execute("SELECT id, password_hash FROM operators WHERE name = ?", [name]).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def open_session(
    db: sqlite_utils.Database,
    *,
    token_hash: str,
    operator_id: int,
    csrf_token: str,
    expires: datetime,
    now: datetime,
) -> str:
    """Store a session (sweeping expired ones on the way); returns the operator's name."""
    with transaction(db):
        db.execute("DELETE FROM operator_sessions WHERE expires_at <= ?", [iso(now)])
        db.execute(
            "INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, expires_at) "
            "VALUES (?, ?, ?, ?)",
            [token_hash, operator_id, csrf_token, iso(expires)],
        )
        row = db.execute("SELECT name FROM operators WHERE id = ?", [operator_id]).fetchone()
        return str(row[0])


def session(db: sqlite_utils.Database, token_hash: str) -> tuple[int, str, str, datetime] | None:
    """The stored session: operator id, name, CSRF token and expiry; None when unknown."""
    row = db.execute(
        "SELECT s.operator_id, o.name, s.csrf_token, s.expires_at FROM operator_sessions s "
        "JOIN operators o ON o.id = s.operator_id WHERE s.token_hash = ?",
        [token_hash],
    ).fetchone()
    if row is None:
        return None
    return int(row[0]), str(row[1]), str(row[2]), datetime.fromisoformat(str(row[3]))


def close_session(db: sqlite_utils.Database, token_hash: str) -> None:
    """Delete the session: its token stops working at once."""
    with transaction(db):
        db.execute("DELETE FROM operator_sessions WHERE token_hash = ?", [token_hash])
