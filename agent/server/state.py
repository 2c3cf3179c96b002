"""What the routes share: settings, the database pool, the rate limiter and the turn queue.

Every request borrows one sqlite connection from a small pool for its whole life and
gives it back afterwards, so a connection is never used by two threads at once (sync
endpoints and their dependencies may run on different worker threads, which rules out
thread-local connections). The pool opens connections with ``agent.memory.db.connect``,
so migrations run once per pooled connection, not per request.

``app`` builds these and the routes (``api``, ``review``) read them from
``app.state.coach``; keeping them here lets both import one module and neither the other.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from agent.clock import utc_now
from agent.errors import ConfigurationError
from agent.memory.db import connect, roll_back_open
from agent.models.base import ChatModel
from agent.tools.registry import ToolRegistry

DEFAULT_MAX_BODY_BYTES = 64 * 1024
"""A chat message is at most 4,000 characters; 64 KiB leaves room for JSON and sets."""

DEFAULT_RATE_CAPACITY = 30.0
DEFAULT_RATE_PER_SECOND = 0.5
"""Per user: a burst of 30 requests, refilled at 30 a minute. A person typing or an app
logging sets stays far below it; a runaway client is stopped within seconds."""


@dataclass
class ServerSettings:
    """Everything ``create_app`` needs; ``coach serve`` fills it from flags and env."""

    db_path: str
    model_name: str = "offline"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    rate_capacity: float = DEFAULT_RATE_CAPACITY
    rate_per_second: float = DEFAULT_RATE_PER_SECOND
    operator_auth: bool = True
    """Serve the operator review pages (they carry their own sign-in)."""
    clock: Callable[[], datetime] = utc_now
    model: ChatModel | None = None
    """A ready backend (tests inject one); otherwise built from ``model_name``."""


class DatabasePool:
    """Connections to one database file, lent to one request at a time."""

    def __init__(self, path: str, max_idle: int = 16) -> None:
        if path == ":memory:":
            raise ConfigurationError(
                "coach serve needs a database file: an in-memory database is private to one "
                "connection and cannot be shared by concurrent requests"
            )
        self.path = path
        self.max_idle = max_idle
        self._idle: queue.LifoQueue[sqlite_utils.Database] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[sqlite_utils.Database]:
        """Borrow a connection; it comes back clean (no open transaction) or is closed."""
        try:
            db = self._idle.get_nowait()
        except queue.Empty:
            # Opening runs the migration check, one short write transaction per
            # migration; it queues with the turns' writes, never behind a model call.
            db = connect(self.path)
        try:
            yield db
        finally:
            self._give_back(db)

    def _give_back(self, db: sqlite_utils.Database) -> None:
        try:
            roll_back_open(db)
        except Exception:
            db.close()
            return
        with self._lock:
            if self._closed or self._idle.qsize() >= self.max_idle:
                db.close()
                return
            self._idle.put(db)

    def close(self) -> None:
        """Close every idle connection; connections still lent out close on return."""
        with self._lock:
            self._closed = True
            while True:
                try:
                    self._idle.get_nowait().close()
                except queue.Empty:
                    break


class RateLimiter:
    """One token bucket per user, in memory: ``capacity`` burst, ``per_second`` refill."""

    def __init__(self, capacity: float, per_second: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, user_id: int, now: float | None = None) -> float:
        """Spend one token for ``user_id``.

        Returns:
            0.0 when allowed, else the seconds to wait before the next token.
        """
        moment = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(user_id, (self.capacity, moment))
            tokens = min(self.capacity, tokens + (moment - last) * self.per_second)
            if tokens >= 1.0:
                self._buckets[user_id] = (tokens - 1.0, moment)
                return 0.0
            self._buckets[user_id] = (tokens, moment)
            if self.per_second <= 0:
                return float("inf")
            return (1.0 - tokens) / self.per_second


class FairLock:
    """A first-come, first-served lock: turns start in the order they arrived.

    ``threading.Lock`` lets any waiter win, so under load an unlucky turn can wait many
    rounds; a ticket queue bounds every wait by the turns ahead of it.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    def __enter__(self) -> None:
        with self._condition:
            ticket = self._next_ticket
            self._next_ticket += 1
            self._condition.wait_for(lambda: self._serving == ticket)

    def __exit__(self, *exc: object) -> None:
        with self._condition:
            self._serving += 1
            self._condition.notify_all()


@dataclass
class ServerState:
    """What the routes share, kept on ``app.state.coach``."""

    settings: ServerSettings
    model: ChatModel
    pool: DatabasePool
    limiter: RateLimiter
    registry: ToolRegistry
    in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _user_queues: dict[int, tuple[FairLock, int]] = field(default_factory=dict)

    @contextmanager
    def tracking_turn(self, user_id: int) -> Iterator[None]:
        """Run one turn: counted (shutdown logs say how many it waited for) and queued.

        One person's turns run in the order they arrived (a FIFO per user); different
        people's turns run at once, each on its own connection and worker thread. No
        database lock is held across a model call (``agent.loop``), so a slow model for
        one person delays nobody else; writes queue for milliseconds in
        ``agent.memory.db.transaction``.
        """
        with self._lock:
            self.in_flight += 1
            queue_lock, waiting = self._user_queues.get(user_id, (FairLock(), 0))
            self._user_queues[user_id] = (queue_lock, waiting + 1)
        try:
            with queue_lock:
                yield
        finally:
            with self._lock:
                self.in_flight -= 1
                _, waiting = self._user_queues[user_id]
                if waiting == 1:
                    del self._user_queues[user_id]  # nobody else queued: forget the user
                else:
                    self._user_queues[user_id] = (queue_lock, waiting - 1)
