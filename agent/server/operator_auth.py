"""Operator accounts and sign-in sessions for the review pages.

Operators sign in the way every page account does (``agent.server.accounts``: salted
scrypt passwords, sessions whose token only the SHA-256 of is stored, a CSRF token per
session); their rows live in ``operators`` and ``operator_sessions``. Coach users'
bearer tokens live in ``users`` and are never consulted here, so no user credential can
open an operator session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from agent.errors import UserInputError
from agent.memory import operators
from agent.server.accounts import (
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    SESSION_TTL,
    Sessions,
    SessionTable,
    SignInThrottle,
    check_password_length,
    csrf_matches,
    hash_password,
    verify_password,
)

__all__ = [
    "MAX_PASSWORD_CHARS",
    "MIN_PASSWORD_CHARS",
    "SESSION_TTL",
    "OperatorError",
    "OperatorSession",
    "SignInThrottle",
    "add_operator",
    "check_credentials",
    "csrf_matches",
    "end_session",
    "hash_password",
    "operator_names",
    "session_for",
    "start_session",
    "verify_password",
]


class OperatorError(UserInputError):
    """An operator account cannot be created or used as asked."""


@dataclass(frozen=True)
class OperatorSession:
    """A signed-in operator."""

    operator_id: int
    name: str
    csrf_token: str
    expires_at: datetime


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 64 or not cleaned.isprintable():
        raise OperatorError("an operator name is 1-64 printable characters")
    return cleaned


def add_operator(db: sqlite_utils.Database, name: str, password: str, now: datetime) -> int:
    """Create an operator account.

    Raises:
        OperatorError: The name is taken or invalid, or the password is too short/long.
    """
    name = _check_name(name)
    check_password_length(password, OperatorError)
    operator_id = operators.add(db, name, hash_password(password), now)
    if operator_id is None:
        raise OperatorError(f"an operator called {name!r} already exists")
    return operator_id


def operator_names(db: sqlite_utils.Database) -> list[str]:
    """Every operator's name, sorted."""
    return operators.names(db)


def _save_session(
    db: sqlite_utils.Database,
    operator_id: int,
    token_hash: str,
    csrf_token: str,
    expires: datetime,
    now: datetime,
) -> OperatorSession:
    name = operators.open_session(
        db,
        token_hash=token_hash,
        operator_id=operator_id,
        csrf_token=csrf_token,
        expires=expires,
        now=now,
    )
    return OperatorSession(operator_id, name, csrf_token, expires)


def _load_session(db: sqlite_utils.Database, token_hash: str) -> OperatorSession | None:
    found = operators.session(db, token_hash)
    return OperatorSession(*found) if found else None


SESSIONS = Sessions(
    SessionTable(operators.password_hash, _save_session, _load_session, operators.close_session)
)
check_credentials = SESSIONS.check_credentials
start_session = SESSIONS.start_session
session_for = SESSIONS.session_for
end_session = SESSIONS.end_session
