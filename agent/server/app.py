"""The FastAPI application: routes mounted, limits, logs and error mapping.

The shared pieces (settings, database pool, rate limiter, turn queue) live in
``agent.server.state``; the routes in ``api`` (JSON) and ``review`` (operator pages).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.clock import utc_now
from agent.models import get_model
from agent.models.base import ChatModel
from agent.server import api, client_trainer, review, trainer
from agent.server.chat_lane import ChatLane
from agent.server.state import (
    DEFAULT_FAST_WORKERS,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MODEL_WORKERS,
    DEFAULT_RATE_CAPACITY,
    DEFAULT_RATE_PER_SECOND,
    DatabasePool,
    RateLimiter,
    ServerSettings,
    ServerState,
    TurnWorkers,
)
from agent.tools import default_registry

log = logging.getLogger("coach.server")

WEB_DIR = Path(__file__).parent / "web"

SETTINGS_VARIABLE = "COACH_SERVE_SETTINGS"
"""How ``coach serve --workers N`` hands its settings to the worker processes."""
APP_FACTORY = "agent.server.app:app_from_environment"

SWITCH_INTERVAL_S = 0.001
"""The GIL's switch interval while serving (Python's default is 0.005 s).

A turn's thread gives up the GIL at every database request and must get it back when the
answer comes; with model steps computing in the same process, each return waited up to
the interval, and several threads waiting passed the GIL among themselves first. Measured
with PostgreSQL, 4 workers, 50 clients, alternating at load 3-8 (issue 16, round 6):
emergency reply p50 35/39 ms and p99 162/216 ms against 74/67 and 251/232 at the default,
throughput 110/111 turns/s against 92/97. On main's code at load 8-12 the same change
showed no gain in two runs; the machine was loaded by others then."""


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


class AccessLogMiddleware:
    """One JSON log line per request and an ``X-Request-ID`` response header.

    The line carries the route template, status, duration and user, never the path's ids.

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware``
    runs the app in a task group and pipes every response through memory streams, which
    cost a chat turn about a fifth of the server's CPU under load (profiled with py-spy,
    issue 16); here the app runs in the same task and the start message is only amended.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, stamp the response with the request id, then log the request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = uuid.uuid4().hex[:12]
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def stamped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, stamped)
        finally:
            log.info(
                "request",
                extra={
                    "event": "request",
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "route": _route_template(scope),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": scope.get("state", {}).get("user_id"),
                },
            )


def _route_template(scope: Scope) -> str:
    # The matched route's template (/v1/sessions/{session_id}/sets), never the raw path,
    # so ids and query strings stay out of the logs.
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        return str(route.path)
    # Plain routes (docs, static files) and 404s: the path without its query, capped.
    return str(scope.get("path", ""))[:120]


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
    model_workers: int = DEFAULT_MODEL_WORKERS,
    processes: int = 1,
    model_processes: int = 0,
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
        model_workers: Chat turns that may wait on the model at once.
        processes: Server processes sharing the database (``coach serve --workers``); with
            more than one, a person's model turns also wait for their earlier turns
            in the other processes (read from the database).
        model_processes: Child processes (per server process) that run the model steps,
            at a lower OS priority (``agent.server.model_steps``); 0 runs them on threads
            of the server's process. ``model`` and ``clock`` must then pickle.

    Raises:
        ConfigurationError: Unknown backend, or an in-memory database.
        StorageError: The database cannot be opened or migrated.
    """
    settings = ServerSettings(
        db_path=db_path,
        model_name=model_name,
        max_body_bytes=max_body_bytes,
        rate_capacity=rate_capacity,
        rate_per_second=rate_per_second,
        operator_auth=operator_auth,
        model_workers=model_workers,
        processes=processes,
        model_processes=model_processes,
        clock=clock,
        model=model,
    )
    state = server_state(settings)
    workers, pool = state.workers, state.pool

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started = time.perf_counter()
        if settings.model_processes:
            from agent.server.model_steps import ModelStepProcesses

            # Started first, so their start-up overlaps this process's warm-up; they are
            # ready before serving begins: a turn never waits for one to start.
            state.model_steps = ModelStepProcesses(settings, settings.model_processes)
            state.model_steps.launch()
        _warm_up()
        api.warm_up_turns(state)
        if state.model_steps is not None:
            state.model_steps.wait_ready()
        # Everything loaded so far (modules, the catalog, the safety model) lives as long as
        # the server: out of the collector's sight, a full collection under load took
        # 25 ms instead of 130 ms, a pause every request in flight waited out (issue 16).
        gc.freeze()
        # A thread waking with a database answer or a request waits for the GIL at most
        # this long before the holder is asked to hand it over (issue 16).
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
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
        workers.close()
        if state.model_steps is not None:
            state.model_steps.close()
            state.model_steps = None
        pool.close()
        gc.unfreeze()  # a process starting several apps (the tests) can collect them again
        sys.setswitchinterval(switch_interval)
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
    # Innermost: a plain chat message is answered before the router (agent.server.chat_lane),
    # inside the access log and the body limit like every other request.
    app.add_middleware(ChatLane, fastapi_app=app)
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.include_router(api.router)
    app.include_router(client_trainer.router)
    _mount_operator_pages(app, settings)
    from agent.server import consult_api  # issue 19; imported here, like api, to avoid a cycle

    consult_api.mount(app)
    app.include_router(trainer.router)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers=_PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app


def server_state(settings: ServerSettings) -> ServerState:
    """What the routes share, built from ``settings`` (also in each model-step process).

    Raises:
        ConfigurationError: Unknown backend, or an in-memory database.
        StorageError: The database cannot be opened or migrated.
    """
    workers = TurnWorkers(settings.model_workers)
    # Every turn waiting on a model keeps its connection; keeping as many idle spares
    # means a busy server does not open (and migrate-check) connections over and over.
    pool = DatabasePool(
        settings.db_path, max_idle=settings.model_workers + DEFAULT_FAST_WORKERS + 8
    )
    with pool.connection():
        pass  # open and migrate now, so a bad path fails at start, not on first request
    return ServerState(
        settings=settings,
        model=settings.model if settings.model is not None else get_model(settings.model_name),
        pool=pool,
        limiter=RateLimiter(settings.rate_capacity, settings.rate_per_second),
        registry=default_registry(),
        workers=workers,
    )


def app_from_environment() -> FastAPI:
    """The app of one ``coach serve --workers N`` process, from the settings it was given."""
    configure_logging()
    settings = json.loads(os.environ[SETTINGS_VARIABLE])
    return create_app(**settings)


def configure_logging() -> None:
    """The server's logs: one JSON object per line on stderr (no message text, ever)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    server_log = logging.getLogger("coach.server")
    server_log.handlers = [handler]
    server_log.setLevel(logging.INFO)
    server_log.propagate = False


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
    """Include the operator review pages unless the settings turn them off."""
    if settings.operator_auth:
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
