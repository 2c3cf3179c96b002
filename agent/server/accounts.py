"""Accounts that sign in to the server-rendered pages: passwords, sessions, throttling.

Operators (the review pages) and trainers (the trainer console) sign in the same way;
only the tables differ. This module is that way, once:

- Passwords are stored as salted scrypt hashes (``hashlib.scrypt``, a memory-hard
  standard KDF) in a self-describing string, so the cost can be raised later without
  breaking existing accounts.
- A session is a random token in an HttpOnly cookie of which only the SHA-256 is stored
  (a leaked database holds no working session), with an expiry and the session's CSRF
  token.
- Failed sign-ins are counted per name and capped per window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Generic, Protocol, TypeVar

import sqlite_utils

SESSION_TTL = timedelta(hours=8)
"""A working shift: after it, the account signs in again."""

MIN_PASSWORD_CHARS = 10
"""Short enough to type, long enough that guessing it online is hopeless."""

MAX_PASSWORD_CHARS = 1024
"""Caps the work one sign-in attempt can cost the server."""

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
# 16 MiB per hash at these settings; scrypt needs maxmem above 128 * n * r bytes.
_SCRYPT_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """A salted scrypt hash: ``scrypt$n$r$p$salt$digest``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, maxmem=_SCRYPT_MAXMEM
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_SCRYPT_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown.

    A wrong name then costs as long as a wrong password, so the timing does not reveal
    which names exist. Made on first use: hashing at import cost every ``coach``
    command, ``--help`` included, ~45 ms.
    """
    return hash_password(secrets.token_urlsafe(16))


def check_password_length(password: str, error: Callable[[str], Exception]) -> None:
    """Refuse a new password that is too short or too long, with ``error(message)``."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise error(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise error(f"the password can have at most {MAX_PASSWORD_CHARS} characters")


class SignedIn(Protocol):
    """What every kind of session carries."""

    @property
    def name(self) -> str:
        """The account's name."""
        ...

    @property
    def csrf_token(self) -> str:
        """The session's CSRF token."""
        ...

    @property
    def expires_at(self) -> datetime:
        """When the session ends."""
        ...


SessionT = TypeVar("SessionT", bound=SignedIn)


@dataclass(frozen=True)
class SessionTable(Generic[SessionT]):
    """Where one kind of account keeps its passwords and sessions.

    Attributes:
        credentials: ``(db, name)`` -> the account's id and password hash, or None.
        save: ``(db, account id, token hash, csrf token, expiry, now)`` -> the new session.
        load: ``(db, token hash)`` -> the stored session (expired or not), or None.
        delete: ``(db, token hash)`` -> forget the session.
    """

    credentials: Callable[[sqlite_utils.Database, str], tuple[int, str] | None]
    save: Callable[[sqlite_utils.Database, int, str, str, datetime, datetime], SessionT]
    load: Callable[[sqlite_utils.Database, str], SessionT | None]
    delete: Callable[[sqlite_utils.Database, str], None]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions(Generic[SessionT]):
    """Sign-in and sessions over one kind of account's tables."""

    def __init__(self, table: SessionTable[SessionT]) -> None:
        self.table = table

    def check_credentials(self, db: sqlite_utils.Database, name: str, password: str) -> int | None:
        """The account's id when name and password match, else None."""
        if len(password) > MAX_PASSWORD_CHARS:
            return None
        found = self.table.credentials(db, name)
        if found is None:
            verify_password(password, _dummy_hash())
            return None
        return found[0] if verify_password(password, found[1]) else None

    def start_session(
        self,
        db: sqlite_utils.Database,
        account_id: int,
        now: datetime,
        ttl: timedelta = SESSION_TTL,
    ) -> tuple[str, SessionT]:
        """Open a session.

        Returns:
            The session token (for the cookie; never stored) and the session.
        """
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        session = self.table.save(db, account_id, _token_hash(token), csrf, now + ttl, now)
        return token, session

    def session_for(
        self, db: sqlite_utils.Database, token: str | None, now: datetime
    ) -> SessionT | None:
        """The live session behind a cookie value, or None (unknown, expired or malformed)."""
        if not token or len(token) > 200:
            return None
        found = self.table.load(db, _token_hash(token))
        if found is None or found.expires_at <= now:
            return None
        return found

    def end_session(self, db: sqlite_utils.Database, token: str) -> None:
        """Sign out: the token stops working at once."""
        self.table.delete(db, _token_hash(token))


def csrf_matches(session: SignedIn, submitted: str | None) -> bool:
    """Whether a form's or header's CSRF token is this session's (constant-time compare)."""
    if not submitted:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), submitted.encode())


class SignInThrottle:
    """Failed sign-ins per name in a sliding window, kept in memory by one server process.

    scrypt already makes each guess slow; this caps guesses at a handful per window, so
    an online attack on one account's password gets nowhere.
    """

    MAX_NAMES = 10_000
    """Past this many tracked names, stale ones are dropped (bounds memory)."""

    def __init__(self, max_failures: int = 5, window: timedelta = timedelta(minutes=15)) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, list[datetime]] = {}
        self._lock = threading.Lock()

    def retry_after(self, name: str, now: datetime) -> int:
        """Seconds until ``name`` may try again; 0 when it may try now."""
        with self._lock:
            recent = [t for t in self._failures.get(name.lower(), []) if t > now - self.window]
        if len(recent) < self.max_failures:
            return 0
        return max(1, int((recent[-self.max_failures] + self.window - now).total_seconds()))

    def failed(self, name: str, now: datetime) -> None:
        """Count a failed attempt for ``name``."""
        with self._lock:
            if len(self._failures) >= self.MAX_NAMES:
                cutoff = now - self.window
                self._failures = {k: v for k, v in self._failures.items() if v and v[-1] > cutoff}
            history = self._failures.setdefault(name.lower(), [])
            history.append(now)
            del history[: -self.max_failures]

    def succeeded(self, name: str) -> None:
        """Forget the failures of ``name`` after a good sign-in."""
        with self._lock:
            self._failures.pop(name.lower(), None)
