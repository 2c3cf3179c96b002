"""Operator accounts and sign-in sessions for the review pages.

- Passwords are stored as salted scrypt hashes (``hashlib.scrypt``, a memory-hard
  standard KDF), in a self-describing string so the cost can be raised later without
  breaking existing accounts.
- A session is a random token in an HttpOnly cookie; only its SHA-256 is stored in
  ``operator_sessions`` (a leaked database holds no working session), with an expiry
  and the session's CSRF token.
- Coach users' bearer tokens live in ``users`` and are never consulted here, so no
  user credential can open an operator session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from agent.errors import UserInputError
from agent.memory import operators

SESSION_TTL = timedelta(hours=8)
"""A working shift: after it, the operator signs in again."""

MIN_PASSWORD_CHARS = 10
"""Short enough to type, long enough that guessing it online is hopeless."""

MAX_PASSWORD_CHARS = 1024
"""Caps the work one sign-in attempt can cost the server."""

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
# 16 MiB per hash at these settings; scrypt needs maxmem above 128 * n * r bytes.
_SCRYPT_MAXMEM = 64 * 1024 * 1024


class OperatorError(UserInputError):
    """An operator account cannot be created or used as asked."""


@dataclass(frozen=True)
class OperatorSession:
    """A signed-in operator."""

    operator_id: int
    name: str
    csrf_token: str
    expires_at: datetime


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


# Verified against when the name is unknown, so a wrong name costs as long as a wrong
# password and the timing does not reveal which operator names exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


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
    if len(password) < MIN_PASSWORD_CHARS:
        raise OperatorError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise OperatorError(f"the password can have at most {MAX_PASSWORD_CHARS} characters")
    operator_id = operators.add(db, name, hash_password(password), now)
    if operator_id is None:
        raise OperatorError(f"an operator called {name!r} already exists")
    return operator_id


def operator_names(db: sqlite_utils.Database) -> list[str]:
    """Every operator's name, sorted."""
    return operators.names(db)


def check_credentials(db: sqlite_utils.Database, name: str, password: str) -> int | None:
    """The operator's id when name and password match, else None."""
    stored = operators.password_hash(db, name)
    if len(password) > MAX_PASSWORD_CHARS:
        return None
    if stored is None:
        verify_password(password, _DUMMY_HASH)
        return None
    return stored[0] if verify_password(password, stored[1]) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    db: sqlite_utils.Database, operator_id: int, now: datetime, ttl: timedelta = SESSION_TTL
) -> tuple[str, OperatorSession]:
    """Open a session; expired sessions are swept on the way.

    Returns:
        The session token (for the cookie; never stored) and the session.
    """
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + ttl
    name = operators.open_session(
        db,
        token_hash=_token_hash(token),
        operator_id=operator_id,
        csrf_token=csrf,
        expires=expires,
        now=now,
    )
    return token, OperatorSession(operator_id, name, csrf, expires)


def session_for(
    db: sqlite_utils.Database, token: str | None, now: datetime
) -> OperatorSession | None:
    """The live session behind a cookie value, or None (unknown, expired or malformed)."""
    if not token or len(token) > 200:
        return None
    found = operators.session(db, _token_hash(token))
    if found is None or found[3] <= now:
        return None
    return OperatorSession(*found)


def end_session(db: sqlite_utils.Database, token: str) -> None:
    """Sign out: the token stops working at once."""
    operators.close_session(db, _token_hash(token))


class SignInThrottle:
    """Failed sign-ins per name in a sliding window, kept in memory by one server process.

    scrypt already makes each guess slow; this caps guesses at a handful per window, so
    an online attack on one operator's password gets nowhere.
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


def csrf_matches(session: OperatorSession, submitted: str | None) -> bool:
    """Whether a form's CSRF token is this session's (constant-time compare)."""
    if not submitted:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), submitted.encode())
