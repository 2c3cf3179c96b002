"""Trainer accounts and sign-in sessions, the same way operators sign in.

Passwords use the operators' salted scrypt hashes and the same limits; a session is a
random token in an HttpOnly cookie of which only the SHA-256 is stored, with an expiry
and its CSRF token. Trainer sessions and operator sessions are separate tables and
cookies: neither opens the other's pages, and no coach user token opens either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from agent.memory import store
from agent.memory import trainers as trainer_store
from agent.memory.trainers import TrainerError
from agent.server.operator_auth import (
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    SESSION_TTL,
    hash_password,
    verify_password,
)

# Verified against when the name is unknown, so a wrong name costs as long as a wrong
# password and the timing does not reveal which trainer names exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class TrainerSession:
    """A signed-in trainer."""

    trainer_id: int
    name: str
    csrf_token: str
    expires_at: datetime


def check_name(name: str) -> str:
    """The trimmed name, if it is 1-64 printable characters.

    Raises:
        TrainerError: It is not.
    """
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 64 or not cleaned.isprintable():
        raise TrainerError("a trainer name is 1-64 printable characters")
    return cleaned


def add_trainer(db: sqlite_utils.Database, name: str, password: str, now: datetime) -> int:
    """Create a trainer account.

    Raises:
        TrainerError: The name is taken or invalid, or the password is too short/long.
    """
    name = check_name(name)
    if len(password) < MIN_PASSWORD_CHARS:
        raise TrainerError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise TrainerError(f"the password can have at most {MAX_PASSWORD_CHARS} characters")
    trainer_id = trainer_store.add_trainer(db, name, hash_password(password), now)
    store.audit(db, actor="cli", action="trainer.add", now=now, subject=f"trainer:{trainer_id}")
    return trainer_id


def check_credentials(db: sqlite_utils.Database, name: str, password: str) -> int | None:
    """The trainer's id when name and password match, else None."""
    if len(password) > MAX_PASSWORD_CHARS:
        return None
    found = trainer_store.credentials(db, name)
    if found is None:
        verify_password(password, _DUMMY_HASH)
        return None
    return found[0] if verify_password(password, found[1]) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    db: sqlite_utils.Database, trainer_id: int, now: datetime, ttl: timedelta = SESSION_TTL
) -> tuple[str, TrainerSession]:
    """Open a session.

    Returns:
        The session token (for the cookie; never stored) and the session.
    """
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + ttl
    trainer_store.save_session(db, trainer_id, _token_hash(token), csrf, expires, now)
    trainer = trainer_store.get_trainer(db, trainer_id)
    return token, TrainerSession(trainer_id, trainer.name if trainer else "", csrf, expires)


def session_for(
    db: sqlite_utils.Database, token: str | None, now: datetime
) -> TrainerSession | None:
    """The live session behind a cookie value, or None (unknown, expired or malformed)."""
    if not token or len(token) > 200:
        return None
    row = trainer_store.session_by_hash(db, _token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    return TrainerSession(row.trainer_id, row.name, row.csrf_token, row.expires_at)


def end_session(db: sqlite_utils.Database, token: str) -> None:
    """Sign out: the token stops working at once."""
    trainer_store.delete_session(db, _token_hash(token))


def csrf_matches(session: TrainerSession, submitted: str | None) -> bool:
    """Whether a form's or header's CSRF token is this session's (constant-time compare)."""
    if not submitted:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), submitted.encode())
