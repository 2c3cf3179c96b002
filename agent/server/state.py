"""What the routes share: settings, the database pool, the rate limiter, the turn workers.

Every request borrows one sqlite connection from a small pool for its whole life and
gives it back afterwards, so a connection is never used by two threads at once (sync
endpoints and their dependencies may run on different worker threads, which rules out
thread-local connections). The pool opens connections with ``agent.memory.db.connect``,
so migrations run once per pooled connection, not per request.

A chat turn runs in two steps on two thread pools (``TurnWorkers``): the *fast* pool
authenticates, stores and screens the message and answers the screen's fixed replies
(emergency, stop, a safety question); only a message that needs the model goes on to the
*model* pool. A full model pool therefore never delays a red-flag answer, and other
routes (reads, set logging, erasure) run on the framework's own pool, which model calls
never occupy. Under ``coach serve`` a model-pool thread only holds the person's place in
line while the step runs in a child process (``agent.server.model_steps``).

``app`` builds these and the routes (``api``, ``review``) read them from
``app.state.coach``; keeping them here lets both import one module and neither the other.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import sqlite_utils

from agent.clock import utc_now
from agent.errors import ConfigurationError
from agent.memory.db import connect, forget_reads_ahead, roll_back_open, urgent_writes
from agent.models.base import AssistantMessage, ChatModel
from agent.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from agent.server.model_steps import ModelStepProcesses

DEFAULT_MAX_BODY_BYTES = 64 * 1024
"""A chat message is at most 4,000 characters; 64 KiB leaves room for JSON and sets."""

DEFAULT_RATE_CAPACITY = 30.0
DEFAULT_RATE_PER_SECOND = 0.5
"""Per user: a burst of 30 requests, refilled at 30 a minute. A person typing or an app
logging sets stays far below it; a runaway client is stopped within seconds."""

DEFAULT_MODEL_WORKERS = 64
"""Turns waiting on a model at once. A waiting thread costs little (no CPU, no database
lock, one idle connection), and 64 calls of 200 ms each give 320 turns/s, past what the
rest of a turn's CPU allows on a small machine; more turns queue for a worker, with their
message already stored and screened."""

DEFAULT_MODEL_PROCESSES = 1
"""Model-step processes per server process under ``coach serve``
(``agent.server.model_steps``): one answers dozens of turns at once (a thread per turn
waiting on the model), on its own GIL."""

DEFAULT_FAST_WORKERS = 4
"""Threads that store and screen messages and send fixed replies: milliseconds each."""

DEFAULT_URGENT_WORKERS = 2
"""Threads of the fast step's urgent lane: messages that read as a red flag on their own.
A burst of ordinary messages (fifty people's first turns at once, each opening a
connection and a conversation) queues on the fast pool for a few hundred milliseconds;
a red flag does not queue behind it."""

DEFAULT_COMPUTING_TURNS = 3
"""Model steps computing at once (between their model calls); the rest wait for a place.
One process computes on one core at a time anyway; letting 50 threads contend for it made
the fast step wait its turn behind all of them (measured: with 3, emergency replies under
50 clients had p99 275-1233 ms against 618-1294 ms without, at load average 12-21, with
the same throughput)."""

T = TypeVar("T")


@dataclass
class ServerSettings:
    """Everything ``create_app`` needs; ``coach serve`` fills it from flags and env."""

    db_path: str
    model_name: str = "offline"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    rate_capacity: float = DEFAULT_RATE_CAPACITY
    rate_per_second: float = DEFAULT_RATE_PER_SECOND
    model_workers: int = DEFAULT_MODEL_WORKERS
    """Turns that may wait on the model at once (``coach serve --model-workers``)."""
    processes: int = 1
    """Server processes sharing the database (``coach serve --workers``)."""
    model_processes: int = 0
    """Child processes per server process that run the model steps
    (``agent.server.model_steps``; ``coach serve --model-processes``); 0 runs them on
    threads of the server's own process."""
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
            forget_reads_ahead(db)  # answers read for this request are not the next one's
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
    """A first-come, first-served lock: holders go in the order their tickets were taken.

    ``threading.Lock`` lets any waiter win, so under load an unlucky turn can wait many
    rounds; a ticket queue bounds every wait by the turns ahead of it. A ticket may be
    taken in one step and used later (:meth:`take`, :meth:`holding`), which is how a
    person's model answers keep the order in which their messages were received.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    def take(self) -> int:
        """A place in the queue; every ticket taken must be used once with :meth:`holding`."""
        with self._condition:
            ticket = self._next_ticket
            self._next_ticket += 1
            return ticket

    @contextmanager
    def holding(self, ticket: int) -> Iterator[None]:
        """Wait for ``ticket``'s turn, hold the lock for the block, then pass it on."""
        with self._condition:
            self._condition.wait_for(lambda: self._serving == ticket)
        try:
            yield
        finally:
            with self._condition:
                self._serving += 1
                self._condition.notify_all()


FAST_STEP_PRECEDENCE_S = 0.01
"""How long a model step waits, before it (re)starts computing, for fast steps in progress
to finish. Bounded so that a steady stream of incoming messages can delay answers a
little, never stop them."""


class ComputeGate:
    """Places for model steps to compute in, with precedence for the fast step.

    A semaphore of ``places`` (``acquire``/``release``, usable as a context manager)
    that also knows how many fast steps (store, screen, fixed safety replies) are in
    progress: a model step about to take a place first waits, at most ``precedence_s``,
    until none is. Model steps already computing carry on, so the fast step competes
    for the process's one core (the GIL) with fewer threads; an emergency reply is
    delayed less by other people's turns.
    """

    def __init__(self, places: int, precedence_s: float = FAST_STEP_PRECEDENCE_S) -> None:
        # Two conditions on one lock, so a freed place wakes one waiting model step and
        # only the end of the last fast step wakes those giving way: waking every waiting
        # thread on every change cost each turn milliseconds of GIL hand-offs at 50 clients.
        lock = threading.Lock()
        self._place_freed = threading.Condition(lock)
        self._fast_done = threading.Condition(lock)
        self._free = places
        self._fast = 0
        self.precedence_s = precedence_s

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take a place, after giving way to fast steps in progress (see the class)."""
        with self._place_freed:
            if blocking and self._fast:
                self._fast_done.wait_for(lambda: not self._fast, self.precedence_s)
            if not blocking:
                timeout = 0
            if not self._place_freed.wait_for(lambda: self._free > 0, timeout):
                return False
            self._free -= 1
            return True

    def release(self) -> None:
        """Give a place back."""
        with self._place_freed:
            self._free += 1
            self._place_freed.notify()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    @contextmanager
    def fast_step(self) -> Iterator[None]:
        """Mark a fast step in progress for the length of the block."""
        with self._fast_done:
            self._fast += 1
        try:
            yield
        finally:
            with self._fast_done:
                self._fast -= 1
                if not self._fast:
                    self._fast_done.notify_all()


class GatedModel:
    """A model whose calls give up the caller's place in ``gate`` while they wait.

    A model-step thread holds a place in the gate while it computes (context, tools,
    database) and leaves it for the length of the model call, so at most the gate's size
    of them compete for the CPU (and the GIL) at once, however many wait on the model;
    the fast step never takes a place, so it meets few competitors.
    """

    def __init__(self, inner: ChatModel, gate: ComputeGate | threading.Semaphore) -> None:
        self.inner = inner
        self.gate = gate
        self.name = inner.name

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        """The inner model's answer, asked with the gate's place given up meanwhile."""
        self.gate.release()
        try:
            return self.inner.complete(messages, tools)
        finally:
            self.gate.acquire()


@dataclass(frozen=True)
class ModelStep(Generic[T]):
    """What a fast step hands on when the message needs the model: the rest of the turn."""

    run: Callable[[], T]


class TurnWorkers:
    """The two thread pools of a chat turn: fast (store, screen, fixed replies) and model."""

    def __init__(
        self,
        model_workers: int,
        fast_workers: int = DEFAULT_FAST_WORKERS,
        computing: int = DEFAULT_COMPUTING_TURNS,
    ) -> None:
        if model_workers < 1:
            raise ConfigurationError("model workers must be at least 1")
        self.fast = ThreadPoolExecutor(fast_workers, thread_name_prefix="coach-fast")
        self.urgent = ThreadPoolExecutor(DEFAULT_URGENT_WORKERS, thread_name_prefix="coach-urgent")
        self.model = ThreadPoolExecutor(model_workers, thread_name_prefix="coach-model")
        self.computing = ComputeGate(computing)
        """Places for model-step threads computing rather than waiting (:class:`GatedModel`),
        given to fast steps' precedence (measured at 50 clients, load average 13-15, three
        alternating pairs: emergency reply p50 55/100/81 ms against 158/87/151 without it,
        p99 the same within noise at 370-495 ms, throughput 82/54/82 against 62/61/61)."""

    async def run_turn(self, fast: Callable[[], T | ModelStep[T]], *, urgent: bool = False) -> T:
        """A turn: ``fast`` on the fast pool, then its :class:`ModelStep` (if any) on the other.

        A fast step's computing takes precedence over model steps' (:class:`ComputeGate`),
        and so do its writes (``agent.memory.writer_queue``): a red flag's fixed reply
        waits for neither a model step's CPU nor its transactions queued before it.

        The fast thread hands the model step straight to the model pool, so the event loop
        wakes once per turn, for its answer (handing it back to the loop in between cost
        a wake-up, a task and a future per turn, all under the GIL the turns share). Once
        ``fast`` has returned a model step it runs to its end even if the request is
        cancelled meanwhile: it holds the person's place in line and passes it on.
        ``urgent``: run ``fast`` on the urgent lane (a message that reads as a red flag),
        which ordinary messages never queue on.
        """
        done: Future[T] = Future()
        done.set_running_or_notify_cancel()  # never cancelled: the turn ends on its own

        def model_part(step: ModelStep[T]) -> None:
            try:
                done.set_result(step.run())
            except BaseException as exc:
                done.set_exception(exc)

        def fast_part() -> None:
            try:
                with self.computing.fast_step(), urgent_writes():
                    outcome = fast()
                if isinstance(outcome, ModelStep):
                    self.model.submit(model_part, outcome)
                else:
                    done.set_result(outcome)
            except BaseException as exc:
                done.set_exception(exc)

        (self.urgent if urgent else self.fast).submit(fast_part)
        return await asyncio.wrap_future(done)

    def close(self) -> None:
        """Stop both pools once the turns in them have finished."""
        self.urgent.shutdown(wait=True)
        self.fast.shutdown(wait=True)
        self.model.shutdown(wait=True)


@dataclass
class UserLine:
    """One person's turns: received in arrival order, answered in the order received."""

    receive: FairLock = field(default_factory=FairLock)
    answer: FairLock = field(default_factory=FairLock)
    turns: int = 0
    """Turns of this person in the server; the line is forgotten at zero."""


@dataclass
class ServerState:
    """What the routes share, kept on ``app.state.coach``."""

    settings: ServerSettings
    model: ChatModel
    pool: DatabasePool
    limiter: RateLimiter
    registry: ToolRegistry
    workers: TurnWorkers
    model_steps: ModelStepProcesses | None = None
    """The model-step processes, while serving with ``settings.model_processes``."""
    in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _lines: dict[int, UserLine] = field(default_factory=dict)

    @contextmanager
    def tracking_turn(self, user_id: int) -> Iterator[UserLine]:
        """Count one turn (shutdown logs say how many it waited for) and give its user line.

        One person's messages are stored and screened in the order they arrived
        (``line.receive``) and their model answers run in that same order
        (``line.answer``, a ticket taken while receiving); a fixed safety reply needs
        no ticket, so it never waits for the person's own earlier model call. Different
        people's turns run at once, each on its own connection and worker thread. No
        database lock is held across a model call (``agent.loop``).
        """
        with self._lock:
            self.in_flight += 1
            line = self._lines.setdefault(user_id, UserLine())
            line.turns += 1
        try:
            yield line
        finally:
            with self._lock:
                self.in_flight -= 1
                line.turns -= 1
                if line.turns == 0:
                    del self._lines[user_id]  # nobody else queued: forget the user
