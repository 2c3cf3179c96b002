"""Per-user bearer tokens: issued once, stored only as a hash, checked on every request.

A token is 32 random bytes (URL-safe base64). Only its SHA-256 is kept in
``users.token_hash``: a leaked database does not leak working tokens, and because the
token itself is high-entropy a plain, unsalted hash is enough to look it up by index.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import sqlite_utils

from agent.memory import store

TOKEN_PREFIX = "cl_"
"""Makes a coachloop token recognisable in a config file or a secret scanner."""


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: sqlite_utils.Database, name: str, now: datetime) -> tuple[int, str]:
    """Create the user if needed and give them a new token (any old one stops working).

    Returns:
        The user id and the token, which is shown once and never stored.
    """
    user_id = store.ensure_user(db, name, now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.set_token_hash(db, user_id, hash_token(token))
    store.audit(db, actor="cli", action="user.token_issued", now=now, subject=f"user:{user_id}")
    return user_id, token


def user_for_token(db: sqlite_utils.Database, token: str) -> int | None:
    """The id of the user holding ``token``, or None."""
    wanted = _well_formed_hash(token)
    if wanted is None:
        return None
    found = store.user_by_token_hash(db, wanted)
    return found[0] if found and _same(found[1], wanted) else None


def chat_holder_for_token(db: sqlite_utils.Database, token: str) -> tuple[int, int | None] | None:
    """The user holding ``token`` and their latest conversation (if any), or None.

    :func:`user_for_token` for a chat message, which needs the conversation too: one read.
    """
    wanted = _well_formed_hash(token)
    if wanted is None:
        return None
    found = store.token_holder_with_conversation(db, wanted)
    return (found[0], found[2]) if found and _same(found[1], wanted) else None


def _well_formed_hash(token: str) -> str | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return hash_token(token)


def _same(stored: str, wanted: str) -> bool:
    # The lookup is by index; the constant-time compare keeps the check itself honest.
    return hmac.compare_digest(stored, wanted)


def bearer_token(header: str | None) -> str | None:
    """The token in an ``Authorization: Bearer ...`` header, or None."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
