"""The ``/v1`` routes: chat (JSON or SSE), today's plan, history, set logging, export, delete.

Every route depends on ``caller``: a valid bearer token or 401, then the per-user rate
limit or 429. Every query below is scoped by ``caller.user_id``; ids in paths are checked
against it and answer 404 when they belong to someone else, so a token never learns
whether another user's rows exist.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import sqlite_utils
from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi import Path as FastApiPath
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from agent.coaching import session as live
from agent.errors import (
    CoachError,
    MessageNotSaved,
    ModelError,
    SessionError,
    StorageError,
    UserInputError,
)
from agent.live.view import LiveView, in_play, live_view
from agent.loop import MAX_MESSAGE_CHARS, Coach, Received, TurnResult
from agent.memory import history, portability, store, transcript, workouts
from agent.memory.db import connect, transaction, writing_for
from agent.memory.exercises import default_index
from agent.models.scripted import ScriptedModel, say
from agent.server.auth import bearer_token, chat_holder_for_token, user_for_token
from agent.server.model_steps import ModelStepLost, Rendered, StepJob
from agent.server.state import GatedModel, ModelStep, ServerState, UserLine
from safety import Tier, screen
from safety.flags import locks_read
from safety.gate import is_plan_locked

router = APIRouter(prefix="/v1", tags=["coach"])

SQL_INT_MAX = 2**63 - 1
"""Ids are 64-bit signed in SQLite and PostgreSQL; a larger one is a 422, never a 500."""
log = logging.getLogger("coach.server")

_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    429: {"description": "Too many requests for this user; see Retry-After."},
}


# -- dependencies ------------------------------------------------------------------------


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.coach
    return state


def database(request: Request) -> Iterator[sqlite_utils.Database]:
    """One pooled connection for the whole request."""
    with _state(request).pool.connection() as db:
        yield db


@dataclass
class Caller:
    """The authenticated user of this request and their database connection."""

    user_id: int
    db: sqlite_utils.Database
    state: ServerState

    def now(self) -> datetime:
        """The server's (injectable) clock."""
        return self.state.settings.clock()


def caller(request: Request, db: Annotated[sqlite_utils.Database, Depends(database)]) -> Caller:
    """Authenticate the bearer token and spend one unit of the user's rate limit.

    Raises:
        HTTPException: 401 without a valid token, 429 over the rate limit.
    """
    token = bearer_token(request.headers.get("authorization"))
    return _admitted(request, db, user_for_token(db, token) if token else None)


def _chat_caller(request: Request, db: sqlite_utils.Database) -> tuple[Caller, int | None]:
    """:func:`caller` for a chat message, with the person's latest conversation (or None).

    Both come from one read (``auth.chat_holder_for_token``).

    Raises:
        HTTPException: 401 without a valid token, 429 over the rate limit.
    """
    token = bearer_token(request.headers.get("authorization"))
    found = chat_holder_for_token(db, token) if token else None
    return _admitted(request, db, found[0] if found else None), found[1] if found else None


def _admitted(request: Request, db: sqlite_utils.Database, user_id: int | None) -> Caller:
    """The caller ``user_id`` after the rate limit (401 when the token named nobody)."""
    if user_id is None:
        raise HTTPException(
            status_code=401,
            detail="missing or invalid bearer token (get one with `coach user add NAME`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.user_id = user_id
    state = _state(request)
    wait = state.limiter.take(user_id)
    if wait > 0:
        raise HTTPException(
            status_code=429,
            detail=f"too many requests: try again in {wait:.0f} s",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    return Caller(user_id=user_id, db=db, state=state)


CallerDep = Annotated[Caller, Depends(caller)]


# -- models ------------------------------------------------------------------------------


class ChatRequest(BaseModel):
    """A message for the coach."""

    message: str = Field(
        min_length=1, max_length=MAX_MESSAGE_CHARS, description="What the person says."
    )
    conversation_id: int | None = Field(
        default=None,
        ge=1,
        le=SQL_INT_MAX,
        description="Continue this conversation (yours); default: your latest, or a new one.",
    )
    stream: bool = Field(default=False, description="Answer as Server-Sent Events.")


class ToolCallOut(BaseModel):
    """One tool the coach ran during the turn."""

    name: str = Field(description="Tool name.")
    arguments: dict[str, Any] = Field(description="Validated arguments.")
    result: Any = Field(default=None, description="What the tool returned.")


class SafetyOut(BaseModel):
    """The safety screen's verdict on the message."""

    tier: str = Field(description="none | caution | stop | emergency.")
    signals: list[str] = Field(default_factory=list, description="Rules that matched.")


class SessionOut(BaseModel):
    """A workout session: its plan and, when live, the state machine's position."""

    id: int = Field(description="Session id (use it to log sets).")
    status: str = Field(description="planned | in_progress | done | skipped.")
    planned_for: str | None = Field(default=None, description="ISO date it is planned for.")
    started_at: str | None = Field(default=None, description="When it started.")
    finished_at: str | None = Field(default=None, description="When it finished.")
    plan: dict[str, Any] | None = Field(default=None, description="The planner's session.")
    state: dict[str, Any] | None = Field(default=None, description="Live-session state.")
    sets_logged: int = Field(default=0, description="Sets logged in this session so far.")
    live: LiveView | None = Field(default=None, description="The live position, if started.")


class ChatResponse(BaseModel):
    """The coach's answer and what it did."""

    reply: str = Field(description="The coach's reply.")
    tool_calls: list[ToolCallOut] = Field(default_factory=list, description="Tools run.")
    safety: SafetyOut = Field(description="Safety screen verdict.")
    session: SessionOut | None = Field(
        default=None, description="The live session after this turn, if one is in progress."
    )
    plan: SessionOut | None = Field(default=None, description="Today's planned session, if any.")
    conversation_id: int = Field(description="The conversation this turn belongs to.")
    turn_id: int = Field(description="The stored turn.")


class ErrorOut(BaseModel):
    """An error a client can show as is."""

    error: str = Field(description="What went wrong, in one line.")
    message_saved: bool = Field(default=False, description="Whether the message was stored.")


class PlanToday(BaseModel):
    """Today's session, if the coach has planned or started one."""

    session: SessionOut | None = Field(default=None, description="Today's session or null.")


class MessageOut(BaseModel):
    """A chat message (tool traffic is left out)."""

    role: str = Field(description="user | assistant.")
    content: str = Field(description="The text.")
    created_at: str = Field(description="When it was written.")


class WeekOut(BaseModel):
    """Training in one week."""

    week_start: str = Field(description="Monday of the week.")
    sessions: int = Field(description="Training days that week.")
    sets_per_muscle: dict[str, float] = Field(
        default_factory=dict, description="Hard sets per muscle (secondary muscles count half)."
    )
    unmapped_sets: int = Field(
        default=0, description="Sets of exercises whose muscles the catalog does not know."
    )


class HistoryOut(BaseModel):
    """Recent workouts, weekly progress and the latest conversation."""

    workouts: list[dict[str, Any]] = Field(description="Recent workouts with their sets.")
    weeks: list[WeekOut] = Field(description="The last weeks, oldest first.")
    conversation_id: int | None = Field(default=None, description="Latest conversation.")
    messages: list[MessageOut] = Field(description="Its last messages, oldest first.")


class LogSetsRequest(BaseModel):
    """Sets of one exercise, logged by an app without a chat turn."""

    exercise_id: str = Field(min_length=1, max_length=120, description="Catalog id.")
    exercise_name: str | None = Field(
        default=None, max_length=200, description="Display name; default: the catalog's."
    )
    sets: list[history.SetInput] = Field(
        min_length=1, max_length=50, description="The sets, in order."
    )


class LogSetsResponse(BaseModel):
    """What was stored."""

    session_id: int = Field(description="The session the sets belong to.")
    set_ids: list[int] = Field(description="Ids of the stored sets.")
    session: SessionOut = Field(description="The session after logging.")


# -- helpers -----------------------------------------------------------------------------


def _session_out(
    record: workouts.WorkoutRecord | None, *, plan_locked: bool = False
) -> SessionOut | None:
    """A stored session for clients; a live one shows as paused while safety holds it."""
    if record is None:
        return None
    view = live_view(record.live) if record.live is not None else None
    if view is not None and record.live is not None and record.status == "in_progress":
        view.paused = record.live.locked or plan_locked
    return SessionOut(
        id=record.id,
        status=record.status,
        planned_for=record.planned_for,
        started_at=record.started_at,
        finished_at=record.finished_at,
        plan=record.plan,
        state=record.state,
        sets_logged=record.sets_logged,
        live=view,
    )


def live_session(db: sqlite_utils.Database, user_id: int) -> SessionOut | None:
    """The user's session in progress, if any."""
    return _session_with_lock(db, user_id, workouts.live_record(db, user_id))


def today_session(db: sqlite_utils.Database, user_id: int, now: datetime) -> SessionOut | None:
    """Today's coach-planned session (planned, in progress or done), newest first."""
    return _session_with_lock(db, user_id, workouts.today_record(db, user_id, now.date()))


def chat_sessions(
    db: sqlite_utils.Database, user_id: int, now: datetime
) -> tuple[SessionOut | None, SessionOut | None]:
    """:func:`live_session` and :func:`today_session`, as a chat answer shows them.

    One read for both (``workouts.shown_records``) and the plan lock read at most once:
    each query is a round trip on a database server.
    """
    live, today = workouts.shown_records(db, user_id, now.date())  # chat_session_reads
    if live is None and today is None:
        return None, None
    locked = is_plan_locked(db, user_id)
    return _session_out(live, plan_locked=locked), _session_out(today, plan_locked=locked)


def chat_session_reads(user_id: int, now: datetime) -> list[tuple[str, list[Any]]]:
    """The reads :func:`chat_sessions` makes: a turn sends them with its COMMIT."""
    return [workouts.shown_read(user_id, now.date()), locks_read(user_id)]


def _session_with_lock(
    db: sqlite_utils.Database, user_id: int, record: workouts.WorkoutRecord | None
) -> SessionOut | None:
    # The lock is read only for a session to show: most chat answers have none, and each
    # query is a GIL hand-off for a turn under load.
    if record is None:
        return None
    return _session_out(record, plan_locked=is_plan_locked(db, user_id))


def _conversation(who: Caller, wanted: int | None, latest: int | None) -> int:
    """Where a chat message goes: ``wanted``, else ``latest`` (read with the caller), else new."""
    if wanted is not None:
        if not store.owns_conversation(who.db, who.user_id, wanted):
            raise HTTPException(status_code=404, detail="no such conversation")
        return wanted
    if latest is not None:
        return latest
    with writing_for(who.user_id):  # the person's write lock, never the whole store's
        return store.start_conversation(who.db, who.user_id, who.now(), channel="web")


def wants_stream(request: Request, body: ChatRequest, stream: bool) -> bool:
    """Whether the answer goes out as Server-Sent Events (body, query or Accept header)."""
    accept = request.headers.get("accept", "")
    return body.stream or stream or "text/event-stream" in accept


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


def _stream(answer: ChatResponse) -> Iterator[str]:
    """The reply as SSE: word-sized ``delta`` events, then ``done`` with the whole answer.

    The turn is complete (and stored) before the first byte is sent: the offline backend
    answers at once, and streaming a finished turn keeps error statuses honest (a model
    failure is a 503, not an error event after a 200).
    """
    words = answer.reply.split(" ")
    for index, word in enumerate(words):
        yield _sse("delta", {"text": word if index == 0 else " " + word})
    yield _sse("done", answer.model_dump())


# -- routes ------------------------------------------------------------------------------


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={
        **_AUTH_RESPONSES,
        200: {
            "description": "The answer as JSON, or as Server-Sent Events (`delta` events "
            "with text, then one `done` event with this object) when asked with "
            "`Accept: text/event-stream`, `?stream=1` or `stream: true`.",
            "content": {"text/event-stream": {}},
        },
        400: {"model": ErrorOut, "description": "The message cannot be used."},
        404: {"description": "conversation_id is not one of yours."},
        503: {"model": ErrorOut, "description": "The model failed; your message is kept."},
    },
)
async def chat(
    body: ChatRequest,
    request: Request,
    stream: Annotated[bool, Query(description="Answer as Server-Sent Events.")] = False,
) -> Any:
    """Send a message to the coach; get the reply, the tools it ran and the session state."""
    return await answer_chat(request, body, wants_stream(request, body, stream))


async def answer_chat(request: Request, body: ChatRequest, asked_stream: bool) -> Response:
    """A validated chat message's turn, as the response to send.

    Shared by the route and by ``agent.server.chat_lane``, which calls it for a plain
    ``POST /v1/chat`` without the router's per-request work.

    Raises:
        HTTPException: 401 / 429 (token, rate limit), 404 (someone else's conversation).
    """
    state = _state(request)
    started = time.perf_counter()
    asked = asked_stream

    def fast() -> Response | ModelStep[Response]:
        # The fast step authenticates, stores and screens the message and sends a fixed
        # safety reply itself: it never waits for a model worker, however busy they are.
        step = _receive(request, state, body, asked, started)
        if isinstance(step, _Waiting):
            # Once its ticket is taken the model step must run (it passes the person's line
            # on when done), even if this request is cancelled meanwhile: run_turn sees to it.
            return ModelStep(lambda: _model_step(state, step))
        return step

    return await state.workers.run_turn(fast, urgent=_reads_as_red_flag(body.message))


URGENT_LANE_CHARS = 1000
"""How much of a message is read to choose its lane (the whole of it is screened later)."""


def _reads_as_red_flag(message: str) -> bool:
    """Whether the message on its own reads as a red flag: its turn takes the urgent lane.

    Scheduling only, on the event loop (the screen costs about 0.08 ms a message): the
    gate's verdict, with the conversation's context, still decides the reply.
    """
    return screen(message[:URGENT_LANE_CHARS]).tier >= Tier.CHECK


@dataclass
class _Waiting:
    """A received message that needs the model, with its place in the person's line."""

    received: Received
    ticket: int
    line: UserLine
    tracking: ExitStack
    asked_stream: bool
    started: float


def _receive(
    request: Request, state: ServerState, body: ChatRequest, asked_stream: bool, started: float
) -> Response | _Waiting:
    """Authenticate, store and screen; answer at once unless the model is needed.

    Raises:
        HTTPException: 401 / 429 from :func:`caller`, 404 for someone else's conversation.
    """
    with state.pool.connection() as db, ExitStack() as tracking:
        who, latest = _chat_caller(request, db)
        conversation_id = _conversation(who, body.conversation_id, latest)
        line = tracking.enter_context(state.tracking_turn(who.user_id))
        coach = Coach(db, state.model, state.registry, clock=state.settings.clock)
        with line.receive.holding(line.receive.take()):
            try:
                received = coach.receive(
                    who.user_id,
                    conversation_id,
                    body.message,
                    read_after=chat_session_reads(who.user_id, who.now()),
                )
            except UserInputError as exc:
                return JSONResponse(status_code=400, content={"error": str(exc)})
            except StorageError as exc:
                return _unavailable(who.user_id, exc).response()
            if received.needs_model:
                waiting = _Waiting(
                    received, line.answer.take(), line, tracking.pop_all(), asked_stream, started
                )
        if not received.needs_model:
            return _answered(db, state, coach, received, asked_stream, started).response()
    return waiting


ORDER_WAIT_S = 180.0
"""How long a turn waits for the person's earlier turn in another server process: past
any model call with its retries; a turn left pending by a crashed process stops holding
the person's next turns after this."""


def _model_step(state: ServerState, step: _Waiting) -> Response:
    """The model part of a turn, after the person's earlier model turns have finished.

    With model-step processes (``coach serve``) the step runs in one of them and this
    thread only holds the person's place in line until the answer comes back.
    """
    try:
        with step.line.answer.holding(step.ticket):
            children = state.model_steps
            if children is None:
                return run_model_step(
                    state, step.received, step.asked_stream, step.started
                ).response()
            try:
                return children.run(
                    StepJob(step.received, step.asked_stream, step.started)
                ).response()
            except ModelStepLost as exc:
                _fail_if_pending(state, step.received, exc)
                return _unavailable(step.received.user_id, exc).response()
    finally:
        step.tracking.close()


def run_model_step(
    state: ServerState, received: Received, asked_stream: bool, started: float
) -> Rendered:
    """Answer a received message with the model, on a connection of ``state``'s pool.

    Run in the server's process, or in a model-step process (``agent.server.model_steps``)
    with a state of its own; the caller holds the person's place in line.
    """
    with state.pool.connection() as db:
        if state.settings.processes > 1:
            _wait_for_earlier_turns(db, received)
        with state.workers.computing:
            model = GatedModel(state.model, state.workers.computing)
            coach = Coach(db, model, state.registry, clock=state.settings.clock)
            return _answered(db, state, coach, received, asked_stream, started)


def _fail_if_pending(state: ServerState, received: Received, exc: Exception) -> None:
    """Mark the turn failed unless its lost model step finished it first (best effort)."""
    try:
        with state.pool.connection() as db, writing_for(received.user_id):
            transcript.fail_turn(
                db, received.turn_id, str(exc), state.settings.clock(), only_pending=True
            )
    except CoachError:
        log.exception("could not mark turn %s failed", received.turn_id)


def _wait_for_earlier_turns(db: sqlite_utils.Database, received: Received) -> None:
    """Wait while an earlier turn of this person is pending in another server process.

    Within one process the person's line keeps the order without asking the database.
    """
    pause, waited = 0.005, 0.0
    while transcript.earlier_turn_pending(db, received.user_id, received.turn_id):
        if waited >= ORDER_WAIT_S:
            log.warning(
                "earlier turn still pending",
                extra={"event": "order_wait_expired", "user_id": received.user_id},
            )
            return
        time.sleep(pause)
        waited += pause
        pause = min(pause * 2, 0.1)


def _unavailable(user_id: int, exc: CoachError) -> Rendered:
    log.warning(
        "turn failed",
        extra={"event": "turn_failed", "user_id": user_id, "error": type(exc).__name__},
    )
    if isinstance(exc, MessageNotSaved):
        return _json(503, {"error": str(exc), "message_saved": False})
    if isinstance(exc, ModelError | StorageError):
        text = (
            f"the coach is unavailable right now ({exc}); your message was saved, "
            "try again in a moment"
        )
        return _json(503, {"error": text, "message_saved": True})
    return _json(503, {"error": str(exc), "message_saved": True})


def _json(status: int, content: Any) -> Rendered:
    """A JSON answer as :class:`JSONResponse` would encode it."""
    return Rendered(status, bytes(JSONResponse(content, status_code=status).body))


def _answered(
    db: sqlite_utils.Database,
    state: ServerState,
    coach: Coach,
    received: Received,
    asked_stream: bool,
    started: float,
) -> Rendered:
    """Answer a received message and render the response (JSON or SSE)."""
    user_id = received.user_id
    try:
        result = coach.answer(
            received, read_after=chat_session_reads(user_id, state.settings.clock())
        )
    except CoachError as exc:
        return _unavailable(user_id, exc)
    # What happened, never what was said: tool names and the tier, not text or arguments.
    log.info(
        "turn",
        extra={
            "event": "turn",
            "user_id": user_id,
            "turn_id": result.turn_id,
            "tier": result.safety.get("tier"),
            "tools": [call["name"] for call in result.tool_calls],
            "turn_ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return _render(db, state.settings.clock(), received, result, asked_stream)


def _render(
    db: sqlite_utils.Database,
    now: datetime,
    received: Received,
    result: TurnResult,
    asked_stream: bool,
) -> Rendered:
    """The answered turn as the response: JSON, or SSE when asked for."""
    live, today = chat_sessions(db, received.user_id, now)
    answer = ChatResponse(
        reply=result.reply,
        tool_calls=[ToolCallOut(**call) for call in result.tool_calls],
        safety=SafetyOut(**result.safety),
        session=live,
        plan=today,
        conversation_id=received.conversation_id,
        turn_id=result.turn_id,
    )
    if asked_stream:
        return Rendered(200, events=tuple(_stream(answer)))
    return _json(200, answer.model_dump(mode="json"))


WARM_UP_MESSAGES = ("I have crushing chest pain", "what should I do today")
"""A fixed safety reply's path and a model turn's, run once at start-up (:func:`warm_up_turns`)."""


def warm_up_turns(state: ServerState) -> None:
    """Run a chat turn of each kind on a throwaway in-memory database, before serving.

    The first turns after a start otherwise load templates, validators and lazily
    imported modules (one import at a time, under the import lock) while the first
    people wait: a first emergency reply took 83 ms alone, against 7 ms once warm, and
    193 ms in the burst of a benchmark's first turns. The model turn's model is scripted:
    nothing is sent to the real one, and nothing is written to the real database.
    """
    db = connect(":memory:")
    try:
        now = state.settings.clock()
        model = ScriptedModel([say("Noted.")])
        for index, message in enumerate(WARM_UP_MESSAGES):
            # One person each: after the red flag, the same person's plan would be locked.
            user_id = store.ensure_user(db, f"warm-up-{index}", now)
            conversation_id = store.start_conversation(db, user_id, now, channel="web")
            coach = Coach(db, model, state.registry, clock=state.settings.clock)
            received = coach.receive(user_id, conversation_id, message)
            _render(db, now, received, coach.answer(received), False)
    finally:
        db.close()


@router.get("/plan/today", response_model=PlanToday, responses=_AUTH_RESPONSES)
def plan_today(who: CallerDep) -> PlanToday:
    """Today's session as the coach planned it (ask the coach in chat to plan one)."""
    return PlanToday(session=today_session(who.db, who.user_id, who.now()))


@router.get("/history", response_model=HistoryOut, responses=_AUTH_RESPONSES)
def get_history(
    who: CallerDep,
    weeks: Annotated[int, Query(ge=1, le=26, description="Weeks of progress.")] = 6,
    limit: Annotated[int, Query(ge=1, le=100, description="Workouts and messages.")] = 20,
) -> HistoryOut:
    """Recent workouts, weekly progress (sessions, sets per muscle) and the latest chat."""
    now = who.now()
    first = history.week_start(now.date()) - timedelta(weeks=weeks - 1)
    workouts = history.workouts_between(who.db, who.user_id, first, now.date(), limit=limit)
    days = [d for d in history.training_days(who.db, who.user_id) if d >= first]
    muscles = history.weekly_sets_per_muscle(who.db, who.user_id, now, weeks=weeks)
    weeks_out = [
        WeekOut(
            week_start=week.week_start,
            sessions=sum(1 for d in days if history.week_start(d).isoformat() == week.week_start),
            sets_per_muscle=week.sets,
            unmapped_sets=week.unmapped_sets,
        )
        for week in muscles
    ]
    conversation_id = store.latest_conversation(who.db, who.user_id)
    lines = (
        store.chat_lines(who.db, who.user_id, conversation_id, limit)
        if conversation_id is not None
        else []
    )
    return HistoryOut(
        workouts=[w.model_dump() for w in workouts],
        weeks=weeks_out,
        conversation_id=conversation_id,
        messages=[MessageOut(role=r, content=c, created_at=t) for r, c, t in lines],
    )


@router.post(
    "/sessions/{session_id}/sets",
    response_model=LogSetsResponse,
    status_code=201,
    responses={
        **_AUTH_RESPONSES,
        404: {"description": "No such session of yours."},
        409: {"description": "The live session cannot take this set now."},
    },
)
def log_sets(
    session_id: Annotated[int, FastApiPath(ge=1, le=SQL_INT_MAX)],
    body: LogSetsRequest,
    who: CallerDep,
) -> LogSetsResponse:
    """Log sets of one exercise into one of your sessions, without a chat turn.

    When the session is live and the sets are of the exercise in play, they go through
    the live session: it adapts the next load and moves to rest, as a logged set in chat
    does. Otherwise they are recorded as given.
    """
    with writing_for(who.user_id):  # only this person's rows: beside other people's writes
        return _log_sets(session_id, body, who)


def _log_sets(session_id: int, body: LogSetsRequest, who: Caller) -> LogSetsResponse:
    record = workouts.record_by_id(who.db, who.user_id, session_id)
    if record is None:
        raise HTTPException(status_code=404, detail="no such session")
    playing = in_play(record.live) if record.live is not None else None
    if record.status == "in_progress" and playing is not None and playing.id == body.exercise_id:
        ids = _log_live(who, body)
    else:
        ids = history.log_sets(
            who.db,
            who.user_id,
            exercise_id=body.exercise_id,
            exercise_name=body.exercise_name or _exercise_name(body.exercise_id),
            sets=body.sets,
            now=who.now(),
            session_id=session_id,
            source="api",
        )
    after = _session_out(workouts.record_by_id(who.db, who.user_id, session_id))
    if after is None:
        raise HTTPException(status_code=404, detail="no such session")
    return LogSetsResponse(session_id=session_id, set_ids=ids, session=after)


def _log_live(who: Caller, body: LogSetsRequest) -> list[int]:
    """Log through the live session, so it adapts and moves on exactly as in chat.

    Raises:
        HTTPException: 409 when the session cannot take the set in its current state.
    """
    ids: list[int] = []
    with transaction(who.db):
        locked = is_plan_locked(who.db, who.user_id)
        for item in body.sets:
            try:
                live.log(
                    who.db,
                    who.user_id,
                    who.now(),
                    reps=item.reps,
                    load=item.load,
                    unit=item.unit,
                    rpe=item.rpe,
                    rir=item.rir,
                    locked=locked,
                )
            except SessionError as exc:
                raise HTTPException(status_code=409, detail=str(exc)) from exc
            ids.append(workouts.latest_set_id(who.db, who.user_id))
    return ids


class StepRequest(BaseModel):
    """A button on the workout card, done by the server so the page shows the true state."""

    action: Literal["skip_rest", "done", "too_heavy", "too_easy"] = Field(
        description="skip_rest ends the rest; done logs the set at its planned target (marked "
        "as such) or ends the warm-up; too_heavy / too_easy move the next set's load."
    )


class StepResponse(BaseModel):
    """What the live session did and where it stands now."""

    message: str = Field(description="What the coach says about it.")
    session: SessionOut = Field(description="The session after the action.")


@router.post(
    "/sessions/{session_id}/step",
    response_model=StepResponse,
    responses={
        **_AUTH_RESPONSES,
        404: {"description": "No such session of yours."},
        409: {"description": "The session is not live, or training is paused by safety."},
    },
)
def step(session_id: int, body: StepRequest, who: CallerDep) -> StepResponse:
    """Skip rest, Done, Too heavy or Too easy on the live workout, done by the server.

    The page renders the returned state, so the server and the page never disagree: a
    skipped rest is skipped on the server too, and the next Done logs the set. While a
    safety flag stands nothing moves: the answer is 409 and the session shows as paused.
    """
    with writing_for(who.user_id), transaction(who.db):
        record = workouts.record_by_id(who.db, who.user_id, session_id)
        if record is None:
            raise HTTPException(status_code=404, detail="no such session")
        if record.status != "in_progress" or record.live is None:
            raise HTTPException(status_code=409, detail="this session is not live")
        if is_plan_locked(who.db, who.user_id):
            live.pause_for_safety(who.db, who.user_id)
            raise HTTPException(
                status_code=409, detail="training is paused until the safety question is resolved"
            )
        try:
            payload = _step(who, body.action, record.live.phase.value)
        except SessionError as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from exc
        after = _session_out(workouts.record_by_id(who.db, who.user_id, session_id))
    if after is None:
        raise HTTPException(status_code=404, detail="no such session")
    return StepResponse(message=str(payload.get("message") or ""), session=after)


def _step(who: Caller, action: str, phase: str) -> dict[str, Any]:
    """Run one workout-card action against the live session."""
    now = who.now()
    if action in {"too_heavy", "too_easy"}:
        direction = "down" if action == "too_heavy" else "up"
        why = "you said it was too heavy" if action == "too_heavy" else "you said it was too easy"
        return live.adjust(who.db, who.user_id, direction, why)
    if action == "skip_rest":
        if phase in {"rest", "warmup"}:
            return live.advance(who.db, who.user_id, now)
        return live.current(who.db, who.user_id)
    # Done: during a rest the person is done with the next set, so the rest ends first.
    if phase == "rest":
        live.advance(who.db, who.user_id, now)
    return live.advance(who.db, who.user_id, now)


def _exercise_name(exercise_id: str) -> str:
    entry = default_index().get(exercise_id)
    return entry.name if entry is not None else exercise_id


@router.get("/me/export", responses=_AUTH_RESPONSES)
def export_me(who: CallerDep) -> dict[str, Any]:
    """Everything the coach stores about you, as JSON."""
    data: dict[str, Any] = portability.export_user(who.db, who.user_id)
    for row in data.get("users", []):
        row.pop("token_hash", None)  # a credential's hash is not the person's data
    store.audit(
        who.db, actor="api", action="user.exported", now=who.now(), subject=f"user:{who.user_id}"
    )
    return data


class DeletedOut(BaseModel):
    """What was removed."""

    deleted: bool = Field(description="True: every row of yours is gone, token included.")
    rows: dict[str, int] = Field(description="Rows removed per table.")


@router.delete("/me", response_model=DeletedOut, responses=_AUTH_RESPONSES)
def delete_me(who: CallerDep) -> DeletedOut:
    """Delete everything the coach stores about you; your token stops working."""
    counts = portability.delete_user(who.db, who.user_id, who.now(), actor="api")
    return DeletedOut(deleted=True, rows=counts)


# -- imports and readiness -------------------------------------------------------------------

UPLOAD_LIMIT_BYTES = 1 << 30
"""Uploads through the web page stop here; larger Apple exports go through ``coach import``."""


@router.post("/import", responses={**_AUTH_RESPONSES, 400: {"description": "Refused file."}})
def import_upload(
    who: CallerDep,
    file: Annotated[UploadFile, File(description="An export file (the kind is detected).")],
) -> dict[str, Any]:
    """Import a watch, app or lifting-log export; the report says what was read and skipped."""
    from agent.coaching import imports

    name = Path(file.filename or "upload").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        size = 0
        with path.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                size += len(chunk)
                if size > UPLOAD_LIMIT_BYTES:
                    raise HTTPException(
                        status_code=400,
                        detail=f"{name}: over {UPLOAD_LIMIT_BYTES >> 20} MB; use `coach import`",
                    )
                out.write(chunk)
        try:
            return imports.import_path(who.db, who.user_id, path, who.now(), display_name=name)
        except UserInputError as exc:
            raise HTTPException(status_code=400, detail=f"{name}: {exc}") from exc


@router.get("/readiness", responses=_AUTH_RESPONSES)
def get_readiness(who: CallerDep) -> dict[str, Any]:
    """Readiness from imported recovery data: band, drivers, effect and a 30-day chart."""
    from agent.coaching.readiness import readiness_payload

    return readiness_payload(who.db, who.user_id, who.now().date())
