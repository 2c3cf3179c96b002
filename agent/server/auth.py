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
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    wanted = hash_token(token)
    found = store.user_by_token_hash(db, wanted)
    # The lookup is by index; the constant-time compare keeps the check itself honest.
    if found and hmac.compare_digest(found[1], wanted):
        return found[0]
    return None


def bearer_token(header: str | None) -> str | None:
    """The token in an ``Authorization: Bearer ...`` header, or None."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
