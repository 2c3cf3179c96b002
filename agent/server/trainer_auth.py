"""Trainer accounts and sign-in sessions, the same way operators sign in.

Passwords, sessions and CSRF tokens work as in ``agent.server.accounts``; trainer
sessions and operator sessions are separate tables and cookies: neither opens the
other's pages, and no coach user token opens either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from agent.memory import store
from agent.memory import trainers as trainer_store
from agent.memory.trainers import TrainerError
from agent.server.accounts import (
    Sessions,
    SessionTable,
    check_password_length,
    csrf_matches,
    hash_password,
)

__all__ = [
    "TrainerSession",
    "add_trainer",
    "check_credentials",
    "check_name",
    "csrf_matches",
    "end_session",
    "session_for",
    "start_session",
]


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
    check_password_length(password, TrainerError)
    trainer_id = trainer_store.add_trainer(db, name, hash_password(password), now)
    store.audit(db, actor="cli", action="trainer.add", now=now, subject=f"trainer:{trainer_id}")
    return trainer_id


def _save_session(
    db: sqlite_utils.Database,
    trainer_id: int,
    token_hash: str,
    csrf_token: str,
    expires: datetime,
    now: datetime,
) -> TrainerSession:
    trainer_store.save_session(db, trainer_id, token_hash, csrf_token, expires, now)
    trainer = trainer_store.get_trainer(db, trainer_id)
    return TrainerSession(trainer_id, trainer.name if trainer else "", csrf_token, expires)


def _load_session(db: sqlite_utils.Database, token_hash: str) -> TrainerSession | None:
    row = trainer_store.session_by_hash(db, token_hash)
    if row is None:
        return None
    return TrainerSession(row.trainer_id, row.name, row.csrf_token, row.expires_at)


SESSIONS = Sessions(
    SessionTable(
        trainer_store.credentials, _save_session, _load_session, trainer_store.delete_session
    )
)
check_credentials = SESSIONS.check_credentials
start_session = SESSIONS.start_session
session_for = SESSIONS.session_for
end_session = SESSIONS.end_session
