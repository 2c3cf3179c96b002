"""The FastAPI application: settings, database pool, limits, logs and error mapping.

Every request borrows one sqlite connection from a small pool for its whole life and
gives it back afterwards, so a connection is never used by two threads at once (sync
endpoints and their dependencies may run on different worker threads, which rules out
thread-local connections). The pool opens connections with ``agent.memory.db.connect``,
so migrations run once per pooled connection, not per request.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.errors import ConfigurationError
from agent.loop import utc_now
from agent.memory.db import connect
from agent.models import get_model
from agent.models.base import ChatModel
from agent.tools import default_registry
from agent.tools.registry import ToolRegistry

log = logging.getLogger("coach.server")

WEB_DIR = Path(__file__).parent / "web"

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

    def __init__(
        self, path: str, max_idle: int = 16, opening_lock: AbstractContextManager[Any] | None = None
    ) -> None:
        if path == ":memory:":
            raise ConfigurationError(
                "coach serve needs a database file: an in-memory database is private to one "
                "connection and cannot be shared by concurrent requests"
            )
        self.path = path
        self.max_idle = max_idle
        self._opening_lock = opening_lock if opening_lock is not None else nullcontext()
        self._idle: queue.LifoQueue[sqlite_utils.Database] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[sqlite_utils.Database]:
        """Borrow a connection; it comes back clean (no open transaction) or is closed."""
        try:
            db = self._idle.get_nowait()
        except queue.Empty:
            # Opening runs the migration check, one write transaction per migration;
            # taken under the turn queue it waits its turn instead of racing the turns
            # for SQLite's write lock.
            with self._opening_lock:
                db = connect(self.path)
        try:
            yield db
        finally:
            self._give_back(db)

    def _give_back(self, db: sqlite_utils.Database) -> None:
        try:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
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
    turn_lock: FairLock = field(default_factory=FairLock)

    @contextmanager
    def tracking_turn(self) -> Iterator[None]:
        """Run one turn: counted (shutdown logs say how many it waited for) and queued.

        The turn loop holds SQLite's write lock for the whole turn, so turns in one
        database run one at a time whatever we do. Queueing them on an in-process lock
        makes the wait fair and cheap; left to SQLite's busy handler, waiting writers
        sleep and retry, and under 50 concurrent clients the slowest turns took seconds
        (benchmarks/serve.py: p99 4.7 s without the lock, under 1 s with it).
        """
        with self._lock:
            self.in_flight += 1
        try:
            with self.turn_lock:
                yield
        finally:
            with self._lock:
                self.in_flight -= 1


class BodyLimitMiddleware:
    """Refuse request bodies above ``max_bytes`` with 413, declared or streamed.

    The body is read (at most ``max_bytes`` of it) before the app runs and replayed to
    it, so an oversized chunked upload is refused with a clear 413 instead of surfacing
    as a parse error half-way through.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the bytes actually received."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"error": f"request body too large (at most {self.max_bytes} bytes)"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


_PAGE_HEADERS = {
    # The page runs only its own script file and talks only to this origin; text from the
    # coach or the person is inserted as text, and the policy backs that up.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _route_template(request: Request) -> str:
    # The matched route's template (/v1/sessions/{session_id}/sets), never the raw path,
    # so ids and query strings stay out of the logs.
    route = request.scope.get("route")
    if route is not None and hasattr(route, "path"):
        return str(route.path)
    # Plain routes (docs, static files) and 404s: the path without its query, capped.
    return request.url.path[:120]


async def _access_log(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    request_id = uuid.uuid4().hex[:12]
    request.state.request_id = request_id
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        response.headers["X-Request-ID"] = request_id
        return response
    finally:
        log.info(
            "request",
            extra={
                "event": "request",
                "request_id": request_id,
                "method": request.method,
                "route": _route_template(request),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "user_id": getattr(request.state, "user_id", None),
            },
        )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append({"field": where, "problem": str(error.get("msg", "invalid"))})
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
    return JSONResponse(
        status_code=422, content={"error": f"invalid request: {summary}", "problems": problems}
    )


def create_app(
    db_path: str,
    model_name: str = "offline",
    *,
    model: ChatModel | None = None,
    clock: Callable[[], datetime] = utc_now,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    rate_capacity: float = DEFAULT_RATE_CAPACITY,
    rate_per_second: float = DEFAULT_RATE_PER_SECOND,
    operator_auth: bool = True,
) -> FastAPI:
    """Build the coach's web application over the database at ``db_path``.

    Args:
        db_path: The SQLite file (created and migrated if needed).
        model_name: The backend to build when ``model`` is not given.
        model: A ready backend, shared by all requests (tests inject a scripted one).
        clock: The wall clock, injected so tests can freeze time.
        max_body_bytes: Larger request bodies are refused with 413.
        rate_capacity: Per-user burst of requests.
        rate_per_second: Per-user sustained request rate.
        operator_auth: Serve the operator review pages under ``/review``.

    Raises:
        ConfigurationError: Unknown backend, or an in-memory database.
        StorageError: The database cannot be opened or migrated.
    """
    from agent.server import api, client_trainer, trainer

    settings = ServerSettings(
        db_path=db_path,
        model_name=model_name,
        max_body_bytes=max_body_bytes,
        rate_capacity=rate_capacity,
        rate_per_second=rate_per_second,
        operator_auth=operator_auth,
        clock=clock,
        model=model,
    )
    turn_lock = FairLock()
    pool = DatabasePool(db_path, opening_lock=turn_lock)
    with pool.connection():
        pass  # open and migrate now, so a bad path fails at start, not on first request
    state = ServerState(
        settings=settings,
        model=model if model is not None else get_model(model_name),
        pool=pool,
        limiter=RateLimiter(rate_capacity, rate_per_second),
        registry=default_registry(),
        turn_lock=turn_lock,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started = time.perf_counter()
        _warm_up()
        log.info(
            "started",
            extra={
                "event": "started",
                "model": state.model.name,
                "warm_up_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        yield
        # uvicorn runs this only after in-flight requests finished (or its graceful
        # timeout expired), so closing the pool here never cuts a turn short.
        log.info("stopping", extra={"event": "stopping", "turns_in_flight": state.in_flight})
        pool.close()
        log.info("stopped", extra={"event": "stopped"})

    app = FastAPI(
        title="coachloop",
        summary="An AI personal trainer: chat, today's plan, live sessions, history.",
        description=(
            "Every `/v1` route needs `Authorization: Bearer <token>` (from "
            "`coach user add NAME`) and only ever reads or writes that user's data."
        ),
        version="1",
        lifespan=lifespan,
    )
    app.state.coach = state
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.middleware("http")(_access_log)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.include_router(api.router)
    app.include_router(client_trainer.router)
    _mount_operator_pages(app, settings)
    app.include_router(trainer.router)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers=_PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app


def _warm_up() -> None:
    """Load the exercise catalog and the safety rules before the first request.

    Both load lazily on first use (about half a second together); without this, the
    first people to write after a start wait for it, all at once.
    """
    from agent.memory.exercises import default_index
    from safety import screen

    default_index()
    screen("warm-up")


def _mount_operator_pages(app: FastAPI, settings: ServerSettings) -> None:
    """Include the operator review router when it is part of this installation."""
    if not settings.operator_auth:
        return
    import importlib.util

    if importlib.util.find_spec("agent.server.review") is None:
        return
    from agent.server import review

    app.include_router(review.router)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the structured fields.

    Only fields passed through ``extra`` are added; the server never passes message text,
    so a person's words never reach the logs.
    """

    _STANDARD = frozenset(
        logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
    )

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as one JSON line."""
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)
