"""The trainer pages and JSON routes under ``/trainer``.

Server-rendered from ``prompts/trainer/*.html`` (autoescaped Jinja2, no scripts), with
the operator pages' protections:

- A trainer session (cookie ``coach_trainer``: HttpOnly, SameSite=Strict, Secure over
  https). Without one, pages redirect to the sign-in page; forms and JSON routes answer
  401. Sign-in failures are throttled per name.
- Every POST carries the session's CSRF token (form field ``csrf_token`` or header
  ``X-CSRF-Token``); the sign-in form a double-submit cookie. Missing or wrong: 403.
- Every route naming a client goes through ``agent.coaching.trainers.require_client``:
  a person who is not this trainer's consenting client is 404, whether or not they
  exist, on pages and JSON routes alike.

``trainer_router(get_db)`` builds the router over any database dependency; ``router`` is
the same router wired to ``coach serve``'s connection pool and clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

import sqlite_utils
from fastapi import APIRouter, Body, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from agent.clock import utc_now
from agent.coaching import attention, programs
from agent.coaching import trainers as service
from agent.coaching.client_records import ClientRecords, default_records
from agent.coaching.client_view import client_view
from agent.errors import UserInputError
from agent.memory import checkins
from agent.memory import trainers as trainer_store
from agent.server import pages as shared_pages
from agent.server import trainer_auth
from agent.server.operator_auth import SignInThrottle
from agent.server.sign_in import SignInPages
from agent.server.trainer_auth import TrainerSession


def _wall_clock() -> datetime:
    return utc_now()


@dataclass(frozen=True)
class _Bound:
    """What the router factory bound for this request."""

    db: sqlite_utils.Database
    now: datetime
    secure: bool
    throttle: SignInThrottle
    records: ClientRecords


def _bound(request: Request) -> _Bound:
    bound: _Bound = request.state.trainer
    return bound


Bound = Annotated[_Bound, Depends(_bound)]


SIGN_IN = SignInPages(
    prefix="/trainer",
    folder="trainer",
    account="trainer",
    session_cookie="coach_trainer",
    login_csrf_cookie="coach_trainer_login_csrf",
    sessions=trainer_auth.SESSIONS,
    actor=lambda name: f"trainer:{name}",
    bound=_bound,
)
_page = SIGN_IN.page
_redirect = shared_pages.redirect
Session = Annotated[TrainerSession | None, Depends(SIGN_IN.session)]


def _api_trainer(request: Request, session: Session) -> TrainerSession:
    """JSON routes: a signed-in trainer (else 401); writes need the X-CSRF-Token header."""
    if request.method == "GET":
        if session is None:
            raise HTTPException(status_code=401, detail="sign in first")
        return session
    return SIGN_IN.with_token(session, request.headers.get("x-csrf-token"))


PageTrainer = Annotated[TrainerSession, Depends(SIGN_IN.page_session)]
FormTrainer = Annotated[TrainerSession, Depends(SIGN_IN.form_session)]
ApiTrainer = Annotated[TrainerSession, Depends(_api_trainer)]


def _not_found(trainer: TrainerSession | None = None) -> Response:
    return _page(
        "error.html",
        404,
        title="Not found",
        message="Nothing here, or not one of your clients.",
        trainer=trainer.name if trainer else None,
        csrf=trainer.csrf_token if trainer else "",
    )


# -- home: needs attention and clients ---------------------------------------------------
def _home(bound: _Bound, trainer: TrainerSession, code: int = 200, **extra: Any) -> Response:
    try:
        hits = attention.needs_attention(bound.db, trainer.trainer_id, bound.now, bound.records)
        rules_error = None
    except attention.RulesError as exc:
        hits, rules_error = [], str(exc)
    return _page(
        "home.html",
        code,
        title="Needs attention",
        trainer=trainer.name,
        csrf=trainer.csrf_token,
        hits=hits,
        rules_error=rules_error,
        clients=trainer_store.clients(bound.db, trainer.trainer_id),
        invites=trainer_store.open_invites(bound.db, trainer.trainer_id, bound.now),
        **extra,
    )


def home(bound: Bound, trainer: PageTrainer) -> Response:
    """Needs attention (with reasons and links), the client list and open invites."""
    return _home(bound, trainer)


def new_invite(bound: Bound, trainer: FormTrainer) -> Response:
    """Create an invite code; it is shown once, on this page."""
    code = service.create_invite(bound.db, trainer.name, bound.now)
    return _home(bound, trainer, new_code=code)


# -- the client page and its forms -------------------------------------------------------
def _client_page(
    bound: _Bound, trainer: TrainerSession, user_id: int, error: str | None = None, code: int = 200
) -> Response:
    try:
        view = client_view(bound.db, trainer.trainer_id, user_id, bound.now, bound.records)
    except service.NotYourClient:
        return _not_found(trainer)
    trainer_store.mark_viewed(bound.db, trainer.trainer_id, user_id, bound.now)
    return _page(
        "client.html",
        code,
        title=view.name,
        trainer=trainer.name,
        csrf=trainer.csrf_token,
        error=error,
        view=view,
        statuses=trainer_store.CLIENT_STATUSES,
        templates=checkins.templates(bound.db, trainer.trainer_id),
        today=bound.now.date().isoformat(),
    )


def client_page(user_id: int, bound: Bound, trainer: PageTrainer) -> Response:
    """One client: profile, program, week, trends, flags, check-in, thread, audit."""
    return _client_page(bound, trainer, user_id)


def _act(
    bound: _Bound, trainer: TrainerSession, user_id: int, change: Callable[[], object], anchor: str
) -> Response:
    try:
        service.require_client(bound.db, trainer.trainer_id, user_id)
    except service.NotYourClient:
        return _not_found(trainer)
    try:
        change()
    except service.NotYourClient:
        return _not_found(trainer)
    except UserInputError as exc:
        return _client_page(bound, trainer, user_id, str(exc), 400)
    return _redirect(f"/trainer/clients/{user_id}#{anchor}")


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UserInputError(f"the {what} must be a date like 2026-11-23") from exc


def draft_checkin(user_id: int, bound: Bound, trainer: FormTrainer) -> Response:
    """Draft a check-in with proposed changes and a message, all waiting for decisions."""
    return _act(
        bound,
        trainer,
        user_id,
        lambda: service.draft_checkin(bound.db, trainer.trainer_id, user_id, bound.now),
        "checkin",
    )


def _edit_fields(
    days_per_week: str, minutes: str, weeks: str, with_exercise: str
) -> dict[str, Any] | None:
    edit: dict[str, Any] = {}
    for key, raw in (("days_per_week", days_per_week), ("minutes", minutes), ("weeks", weeks)):
        if raw.strip():
            if not raw.strip().isdigit():
                raise UserInputError(f"{key.replace('_', ' ')} must be a whole number")
            edit[key] = int(raw)
    if with_exercise.strip():
        edit["with"] = with_exercise.strip()
    return edit or None


def decide_change(
    user_id: int,
    change_id: int,
    bound: Bound,
    trainer: FormTrainer,
    action: Annotated[str, Form()] = "",
    days_per_week: Annotated[str, Form()] = "",
    minutes: Annotated[str, Form()] = "",
    weeks: Annotated[str, Form()] = "",
    with_exercise: Annotated[str, Form()] = "",
) -> Response:
    """Approve (as proposed, or with the edited numbers) or reject one proposed change."""

    def run() -> None:
        if action not in {"approve", "reject"}:
            raise UserInputError("choose approve or reject")
        edit = _edit_fields(days_per_week, minutes, weeks, with_exercise)
        service.decide_change(
            bound.db,
            trainer.trainer_id,
            user_id,
            change_id,
            "approve" if action == "approve" else "reject",
            bound.now,
            edit,
        )

    return _act(bound, trainer, user_id, run, f"change-{change_id}")


def decide_message(
    user_id: int,
    message_id: int,
    bound: Bound,
    trainer: FormTrainer,
    action: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    """Send (as drafted or edited) or reject a drafted message."""

    def run() -> None:
        if action not in {"send", "reject"}:
            raise UserInputError("choose send or reject")
        service.decide_message(
            bound.db,
            trainer.trainer_id,
            user_id,
            message_id,
            "send" if action == "send" else "reject",
            bound.now,
            text if text.strip() else None,
        )

    return _act(bound, trainer, user_id, run, "thread")


def new_message(
    user_id: int, bound: Bound, trainer: FormTrainer, text: Annotated[str, Form()] = ""
) -> Response:
    """Write and send a message to the client."""
    return _act(
        bound,
        trainer,
        user_id,
        lambda: service.send_message(bound.db, trainer.trainer_id, user_id, text, bound.now),
        "thread",
    )


def new_note(
    user_id: int, bound: Bound, trainer: FormTrainer, text: Annotated[str, Form()] = ""
) -> Response:
    """Add a private note to the client's thread."""
    return _act(
        bound,
        trainer,
        user_id,
        lambda: service.add_note(bound.db, trainer.trainer_id, user_id, text, bound.now),
        "thread",
    )


def set_status(
    user_id: int,
    bound: Bound,
    trainer: FormTrainer,
    status: Annotated[str, Form()] = "",
    starts_on: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Set the client's status (active, injured, sick, holiday) over dates."""

    def run() -> None:
        start = _date(starts_on, "start date") if starts_on.strip() else bound.now.date()
        end = _date(ends_on, "end date") if ends_on.strip() else None
        service.set_status(
            bound.db, trainer.trainer_id, user_id, status, start, end, note, bound.now
        )

    return _act(bound, trainer, user_id, run, "status")


def assign_program(
    user_id: int,
    bound: Bound,
    trainer: FormTrainer,
    template_id: Annotated[str, Form()] = "",
    starts_on: Annotated[str, Form()] = "",
) -> Response:
    """Assign one of the trainer's templates from a start date."""

    def run() -> None:
        if not template_id.isdigit():
            raise UserInputError("choose a template")
        programs.assign(
            bound.db,
            trainer.trainer_id,
            user_id,
            int(template_id),
            _date(starts_on, "start date"),
            bound.now,
        )

    return _act(bound, trainer, user_id, run, "program")


def unlink(user_id: int, bound: Bound, trainer: FormTrainer) -> Response:
    """End the link: the client leaves this trainer's list and pages at once."""
    try:
        service.require_client(bound.db, trainer.trainer_id, user_id)
    except service.NotYourClient:
        return _not_found(trainer)
    service.end_link(bound.db, user_id, f"trainer:{trainer.name}", bound.now)
    return _redirect("/trainer")


# -- templates and rules -----------------------------------------------------------------
def templates_page(bound: Bound, trainer: PageTrainer) -> Response:
    """The trainer's program templates and the form that builds one with the planner."""
    return _templates(bound, trainer)


def _templates(
    bound: _Bound, trainer: TrainerSession, error: str | None = None, code: int = 200
) -> Response:
    return _page(
        "templates.html",
        code,
        title="Program templates",
        trainer=trainer.name,
        csrf=trainer.csrf_token,
        error=error,
        templates=checkins.templates(bound.db, trainer.trainer_id),
    )


def build_template(
    bound: Bound,
    trainer: FormTrainer,
    name: Annotated[str, Form()] = "",
    weeks: Annotated[int, Form(ge=1, le=16)] = 4,
    days_per_week: Annotated[int, Form(ge=1, le=7)] = 3,
    minutes: Annotated[int, Form(ge=10, le=180)] = 45,
    goal: Annotated[str, Form()] = "general_fitness",
    level: Annotated[str, Form()] = "beginner",
    equipment: Annotated[str, Form()] = "bodyweight",
) -> Response:
    """Build a template with the planner; it opens for editing."""
    try:
        template = programs.build_template(
            name.strip() or "New program",
            weeks=weeks,
            days_per_week=days_per_week,
            minutes=minutes,
            goal=programs.goal_of(goal),
            level=level,
            equipment=[e.strip() for e in equipment.split(",") if e.strip()],
        )
    except UserInputError as exc:
        return _templates(bound, trainer, str(exc), 400)
    template_id = programs.save(bound.db, trainer.trainer_id, template, bound.now)
    return _redirect(f"/trainer/templates/{template_id}")


def _template_page(
    bound: _Bound,
    trainer: TrainerSession,
    template_id: int,
    text: str | None = None,
    error: str | None = None,
    code: int = 200,
) -> Response:
    try:
        template = programs.load(bound.db, trainer.trainer_id, template_id)
    except service.NotYourClient:
        return _not_found(trainer)
    return _page(
        "template.html",
        code,
        title=template.name,
        trainer=trainer.name,
        csrf=trainer.csrf_token,
        error=error,
        template_id=template_id,
        template=template,
        text=text if text is not None else programs.template_yaml(template),
    )


def template_page(template_id: int, bound: Bound, trainer: PageTrainer) -> Response:
    """One template as editable YAML."""
    return _template_page(bound, trainer, template_id)


def save_template(
    template_id: int, bound: Bound, trainer: FormTrainer, text: Annotated[str, Form()] = ""
) -> Response:
    """Save the edited YAML (checked against the catalog) or show what is wrong."""
    try:
        programs.load(bound.db, trainer.trainer_id, template_id)
    except service.NotYourClient:
        return _not_found(trainer)
    try:
        template = programs.parse_template(text)
    except UserInputError as exc:
        return _template_page(bound, trainer, template_id, text, str(exc), 400)
    programs.save(bound.db, trainer.trainer_id, template, bound.now, template_id)
    return _redirect(f"/trainer/templates/{template_id}")


def _rules_page(
    bound: _Bound,
    trainer: TrainerSession,
    text: str | None = None,
    error: str | None = None,
    code: int = 200,
) -> Response:
    return _page(
        "rules.html",
        code,
        title="Attention rules",
        trainer=trainer.name,
        csrf=trainer.csrf_token,
        error=error,
        text=text if text is not None else attention.rules_text_for(bound.db, trainer.trainer_id),
    )


def rules_page(bound: Bound, trainer: PageTrainer) -> Response:
    """The needs-attention rules as YAML, editable."""
    return _rules_page(bound, trainer)


def save_rules(
    bound: Bound,
    trainer: FormTrainer,
    text: Annotated[str, Form()] = "",
    reset: Annotated[str, Form()] = "",
) -> Response:
    """Save tuned rules (checked first), or go back to the shipped ones."""
    try:
        attention.save_rules(bound.db, trainer.trainer_id, None if reset else text, bound.now)
    except attention.RulesError as exc:
        return _rules_page(bound, trainer, text, str(exc), 400)
    return _redirect("/trainer/rules")


# -- JSON routes -------------------------------------------------------------------------
def _json_404() -> JSONResponse:
    return JSONResponse({"error": "no such client"}, status_code=404)


def _json_error(exc: UserInputError) -> JSONResponse:
    if isinstance(exc, service.NotYourClient):
        return _json_404()
    return JSONResponse({"error": str(exc)}, status_code=400)


def api_attention(bound: Bound, trainer: ApiTrainer) -> Any:
    """The needs-attention list as JSON."""
    try:
        hits = attention.needs_attention(bound.db, trainer.trainer_id, bound.now, bound.records)
    except attention.RulesError as exc:
        return _json_error(exc)
    return {"items": [vars(h) for h in hits]}


def api_clients(bound: Bound, trainer: ApiTrainer) -> Any:
    """The trainer's clients as JSON."""
    return {"clients": [vars(c) for c in trainer_store.clients(bound.db, trainer.trainer_id)]}


def api_client(user_id: int, bound: Bound, trainer: ApiTrainer) -> Any:
    """The client page's data as JSON."""
    try:
        view = client_view(bound.db, trainer.trainer_id, user_id, bound.now, bound.records)
    except service.NotYourClient:
        return _json_404()
    return view.to_json()


def api_draft(user_id: int, bound: Bound, trainer: ApiTrainer) -> Any:
    """Draft a check-in; returns the draft with its proposed changes."""
    try:
        draft_id = service.draft_checkin(bound.db, trainer.trainer_id, user_id, bound.now)
    except UserInputError as exc:
        return _json_error(exc)
    found = checkins.draft(bound.db, user_id, draft_id)
    return {"draft_id": draft_id, "changes": [vars(c) for c in found.changes] if found else []}


def _decided(decide: Callable[[], object], read: Callable[[], object | None]) -> Any:
    """Make the decision, then answer with the decided row (404 when it is gone)."""
    try:
        decide()
    except UserInputError as exc:
        return _json_error(exc)
    found = read()
    return vars(found) if found else _json_404()


class ChangeDecision(BaseModel):
    """A decision on one proposed change."""

    action: Literal["approve", "reject"]
    edit: dict[str, Any] | None = Field(default=None, description="Edited parameters.")


def api_decide_change(
    user_id: int,
    change_id: int,
    bound: Bound,
    trainer: ApiTrainer,
    body: Annotated[ChangeDecision, Body()],
) -> Any:
    """Approve (optionally edited) or reject a proposed change."""
    return _decided(
        lambda: service.decide_change(
            bound.db, trainer.trainer_id, user_id, change_id, body.action, bound.now, body.edit
        ),
        lambda: checkins.change(bound.db, user_id, change_id),
    )


class MessageDecision(BaseModel):
    """A decision on one drafted message."""

    action: Literal["send", "reject"]
    text: str | None = Field(default=None, max_length=service.MAX_TEXT_CHARS)


def api_decide_message(
    user_id: int,
    message_id: int,
    bound: Bound,
    trainer: ApiTrainer,
    body: Annotated[MessageDecision, Body()],
) -> Any:
    """Send (optionally edited) or reject a drafted message."""
    return _decided(
        lambda: service.decide_message(
            bound.db, trainer.trainer_id, user_id, message_id, body.action, bound.now, body.text
        ),
        lambda: trainer_store.message(bound.db, user_id, message_id),
    )


class StatusBody(BaseModel):
    """A client status over dates."""

    status: Literal["active", "injured", "sick", "holiday"]
    starts_on: date | None = None
    ends_on: date | None = None
    note: str = Field(default="", max_length=service.MAX_TEXT_CHARS)


def api_status(
    user_id: int, bound: Bound, trainer: ApiTrainer, body: Annotated[StatusBody, Body()]
) -> Any:
    """Set the client's status."""
    try:
        service.set_status(
            bound.db,
            trainer.trainer_id,
            user_id,
            body.status,
            body.starts_on or bound.now.date(),
            body.ends_on,
            body.note,
            bound.now,
        )
    except UserInputError as exc:
        return _json_error(exc)
    return {"status": body.status}


# -- wiring ------------------------------------------------------------------------------
def trainer_router(
    get_db: Callable[..., Any],
    *,
    get_now: Callable[..., datetime] = _wall_clock,
    secure_cookies: bool | None = None,
    records: ClientRecords | None = None,
) -> APIRouter:
    """The ``/trainer`` pages and JSON routes over the database that ``get_db`` provides.

    Args:
        get_db: A FastAPI dependency giving this request's ``sqlite_utils.Database``.
        get_now: A dependency giving the current time (tests freeze it).
        secure_cookies: Force the cookies' Secure attribute; by default set over https.
        records: Readiness, assessments and consultation (default: ``default_records()``).

    Returns:
        The router, to pass to ``app.include_router``.
    """
    db_dep = Depends(get_db)
    now_dep = Depends(get_now)
    sources = records if records is not None else default_records()
    lock = threading.Lock()

    def bind(request: Request, db: sqlite_utils.Database = db_dep, now: datetime = now_dep) -> None:
        secure = secure_cookies if secure_cookies is not None else request.url.scheme == "https"
        # One throttle per application, not per router: the module-level router is
        # shared by every app a process builds, and their failures must not mix.
        with lock:
            throttle = getattr(request.app.state, "trainer_throttle", None)
            if throttle is None:
                throttle = SignInThrottle()
                request.app.state.trainer_throttle = throttle
        request.state.trainer = _Bound(db, now, secure, throttle, sources)

    router = APIRouter(
        prefix="/trainer",
        include_in_schema=False,
        dependencies=[Depends(bind)],
        default_response_class=HTMLResponse,
    )
    page = ["GET"]
    post = ["POST"]
    client = "/clients/{user_id}"
    SIGN_IN.add_routes(router)
    router.add_api_route("", home, methods=page)
    router.add_api_route("/invites", new_invite, methods=post)
    router.add_api_route(client, client_page, methods=page)
    router.add_api_route(client + "/checkins", draft_checkin, methods=post)
    router.add_api_route(client + "/changes/{change_id}", decide_change, methods=post)
    router.add_api_route(client + "/messages/{message_id}", decide_message, methods=post)
    router.add_api_route(client + "/messages", new_message, methods=post)
    router.add_api_route(client + "/notes", new_note, methods=post)
    router.add_api_route(client + "/status", set_status, methods=post)
    router.add_api_route(client + "/program", assign_program, methods=post)
    router.add_api_route(client + "/unlink", unlink, methods=post)
    router.add_api_route("/templates", templates_page, methods=page)
    router.add_api_route("/templates", build_template, methods=post)
    router.add_api_route("/templates/{template_id}", template_page, methods=page)
    router.add_api_route("/templates/{template_id}", save_template, methods=post)
    router.add_api_route("/rules", rules_page, methods=page)
    router.add_api_route("/rules", save_rules, methods=post)
    router.add_api_route("/api/attention", api_attention, methods=page, response_class=JSONResponse)
    router.add_api_route("/api/clients", api_clients, methods=page, response_class=JSONResponse)
    router.add_api_route("/api" + client, api_client, methods=page, response_class=JSONResponse)
    router.add_api_route(
        "/api" + client + "/checkins", api_draft, methods=post, response_class=JSONResponse
    )
    router.add_api_route(
        "/api" + client + "/changes/{change_id}",
        api_decide_change,
        methods=post,
        response_class=JSONResponse,
    )
    router.add_api_route(
        "/api" + client + "/messages/{message_id}",
        api_decide_message,
        methods=post,
        response_class=JSONResponse,
    )
    router.add_api_route(
        "/api" + client + "/status", api_status, methods=post, response_class=JSONResponse
    )
    return router


router = trainer_router(shared_pages.pooled_db, get_now=shared_pages.app_clock)
"""The trainer pages wired to ``create_app``'s connection pool and clock."""
