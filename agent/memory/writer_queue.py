"""One SQLite writer at a time within a process, with urgent writes served first.

A server's threads write one file one at a time (``agent.memory.db.transaction``). Under
load a dozen of them queue for it, and a thread holding it may wait for the GIL between
its statements, so the queue is tens of milliseconds long (measured at 50 clients: wait
p90 12-30 ms). A red flag's fixed reply is two short transactions (store and screen the
message; store the reply) and met that queue twice. Writes opened inside
:func:`urgent_writes` (the server's fast step: storing and screening a message and
sending a fixed safety reply) go before every waiting ordinary write (a model turn's tool
rounds and reply, set logging); among themselves, and among ordinary writes, waiters
are woken one at a time in no particular order, as with ``threading.Lock``.

An ordinary waiter is never held back for ever: after :data:`PRECEDENCE_BOUND_S` it
queues as urgent itself, so a stream of urgent writes delays others a little, never
stops them (the fast step's threads are few; a storm of them could otherwise starve a
model turn's reply until the busy bound).

Re-entrant, like the ``threading.RLock`` it replaces: a thread never waits on itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

PRECEDENCE_BOUND_S = 0.1
"""How long an ordinary write gives way to urgent ones before it counts as urgent too."""

_URGENT: ContextVar[bool] = ContextVar("coach_urgent_writes", default=False)


@contextmanager
def urgent_writes() -> Iterator[None]:
    """Mark the write transactions opened in this block (this thread) as urgent."""
    token = _URGENT.set(True)
    try:
        yield
    finally:
        _URGENT.reset(token)


def writes_are_urgent() -> bool:
    """Whether the current block declared its writes urgent (:func:`urgent_writes`)."""
    return _URGENT.get()


class WriterQueue:
    """A re-entrant lock whose urgent waiters are woken before the others (see the module)."""

    def __init__(self, precedence_bound_s: float = PRECEDENCE_BOUND_S) -> None:
        # Two conditions on one lock: a release wakes one waiter of the right class, not
        # every waiting thread (waking all cost milliseconds of GIL hand-offs under load).
        lock = threading.Lock()
        self._urgent = threading.Condition(lock)
        self._ordinary = threading.Condition(lock)
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0
        self._ordinary_waiting = 0
        self.precedence_bound_s = precedence_bound_s

    def acquire(self, timeout: float, *, urgent: bool = False) -> bool:
        """Take the lock within ``timeout`` seconds; False if it stayed taken."""
        me = threading.get_ident()
        deadline = time.monotonic() + timeout
        with self._urgent:
            if self._owner == me:
                self._depth += 1
                return True
            if not urgent and self._owner is None and not self._urgent_waiting:
                self._take(me)
                return True
            if not urgent:
                promote_at = time.monotonic() + self.precedence_bound_s
                if not self._wait_ordinary(min(deadline, promote_at)):
                    if time.monotonic() >= deadline:
                        self._wake_next()
                        return False
                    # Waited its bound behind urgent writes: it queues with them now.
                else:
                    self._take(me)
                    return True
            return self._wait_urgent(me, deadline)

    def _take(self, me: int) -> None:
        self._owner = me
        self._depth = 1

    def _wait_ordinary(self, until: float) -> bool:
        """Wait as an ordinary writer until the lock is free with no urgent waiter."""
        self._ordinary_waiting += 1
        try:
            while self._owner is not None or self._urgent_waiting:
                remaining = until - time.monotonic()
                if remaining <= 0:
                    return False
                self._ordinary.wait(remaining)
                if self._owner is None and self._urgent_waiting:
                    # Woken for a lock that urgent waiters should have: pass it on.
                    self._urgent.notify()
            return True
        finally:
            self._ordinary_waiting -= 1

    def _wait_urgent(self, me: int, deadline: float) -> bool:
        self._urgent_waiting += 1
        try:
            while self._owner is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._urgent.wait(remaining)
            self._take(me)
            return True
        finally:
            self._urgent_waiting -= 1
            if self._owner is None:
                self._wake_next()  # gave up on a free lock: the next waiter must not sleep on

    def release(self) -> None:
        """Release one level; the last wakes one waiter, urgent ones first."""
        with self._urgent:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a writer lock this thread does not hold")
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
            self._wake_next()

    def _wake_next(self) -> None:
        if self._owner is not None:
            return
        if self._urgent_waiting:
            self._urgent.notify()
        elif self._ordinary_waiting:
            self._ordinary.notify()
