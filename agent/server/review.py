"""The operator review pages under ``/review``: sign-in, queue, conversation, forms, trail.

Server-rendered from ``prompts/review/*.html`` (autoescaped Jinja2, no scripts at all),
with a Content-Security-Policy that allows no script and only the page's own inline
style, so even a template mistake could not run what a user typed.

Access control:

- Every page needs an operator session (cookie ``coach_operator``: HttpOnly,
  SameSite=Strict, Secure over https). Without one, GET redirects to the sign-in page
  and POST answers 401. Bearer tokens of coach users are never read here.
- Every POST, sign-in included, carries a CSRF token: the session's for signed-in
  forms, a double-submit cookie for the sign-in form. A missing or wrong token is 403.

``review_router(get_db)`` builds the router over any database dependency; ``router`` is
the same router wired to ``coach serve``'s per-request connection pool.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import sqlite_utils
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from agent.clock import utc_now
from agent.server import operator_auth
from agent.server import pages as shared_pages
from agent.server.operator_auth import OperatorSession
from agent.server.sign_in import SignInPages
from safety import review

PAGE_SIZE = 25


def _wall_clock() -> datetime:
    return utc_now()


@dataclass(frozen=True)
class _Bound:
    """What the router factory bound for this request: database, clock, cookie policy."""

    db: sqlite_utils.Database
    now: datetime
    secure: bool
    throttle: operator_auth.SignInThrottle


def _bound(request: Request) -> _Bound:
    bound: _Bound = request.state.review
    return bound


Bound = Annotated[_Bound, Depends(_bound)]

SIGN_IN = SignInPages(
    prefix="/review",
    folder="review",
    account="operator",
    session_cookie="coach_operator",
    login_csrf_cookie="coach_login_csrf",
    sessions=operator_auth.SESSIONS,
    actor=lambda name: name,
    bound=_bound,
)
SESSION_COOKIE = SIGN_IN.session_cookie
_page = SIGN_IN.page
_redirect = shared_pages.redirect

PageOperator = Annotated[OperatorSession, Depends(SIGN_IN.page_session)]
FormOperator = Annotated[OperatorSession, Depends(SIGN_IN.form_session)]


def _queue_context(
    bound: _Bound,
    operator: OperatorSession,
    filters: dict[str, str],
    result: review.QueuePage | None,
    page: int,
) -> dict[str, Any]:
    total = result.total if result else 0
    pages = max(1, math.ceil(total / PAGE_SIZE))

    def url(number: int) -> str:
        return "/review?" + urlencode({**filters, "page": number})

    return {
        "operator": operator.name,
        "csrf": operator.csrf_token,
        "items": result.items if result else [],
        "total": total,
        "page": page,
        "pages": pages,
        "prev_url": url(page - 1) if page > 1 else None,
        "next_url": url(page + 1) if page < pages else None,
        "oldest": review.oldest_open_emergency(bound.db, bound.now),
        "tiers": review.TIERS,
        "statuses": ("active", "all", *review.STATUSES),
        **filters,
    }


def queue(
    bound: Bound,
    operator: PageOperator,
    tier: str = "",
    status: str = "active",
    user: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The queue: filters, paging, and the oldest open emergency above everything."""
    filters = {"tier": tier, "status": status, "user": user.strip()}
    try:
        result = review.list_flags(
            bound.db,
            bound.now,
            tier=tier or None,
            status=status,
            user=filters["user"] or None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
    except review.ReviewError as exc:
        context = _queue_context(bound, operator, filters, None, page)
        return _page("queue.html", 400, title="Queue", error=str(exc), **context)
    context = _queue_context(bound, operator, filters, result, page)
    return _page("queue.html", title="Queue", **context)


def _flag_page(
    bound: _Bound,
    operator: OperatorSession,
    flag_id: int,
    error: str | None = None,
    code: int = 200,
) -> Response:
    try:
        detail = review.detail(bound.db, flag_id, bound.now)
    except review.ReviewError as exc:
        filters = {"tier": "", "status": "active", "user": ""}
        context = _queue_context(bound, operator, filters, None, 1)
        return _page("queue.html", 404, title="Not found", error=str(exc), **context)
    return _page(
        "flag.html",
        code,
        title=f"Flag #{flag_id}",
        operator=operator.name,
        csrf=operator.csrf_token,
        error=error,
        detail=detail,
        operators=operator_auth.operator_names(bound.db),
        closing_statuses=review.CLOSING_STATUSES,
        final_statuses=review.FINAL_STATUSES,
        decisions=review.DECISIONS,
        actions=review.ACTIONS,
    )


def flag_page(flag_id: int, bound: Bound, operator: PageOperator) -> Response:
    """One flag: the conversation with the flagged message marked, forms, audit trail."""
    return _flag_page(bound, operator, flag_id)


def _act(
    bound: _Bound, operator: OperatorSession, flag_id: int, change: Callable[[], object]
) -> Response:
    try:
        review.get_flag(bound.db, flag_id, bound.now)
    except review.ReviewError:
        return _flag_page(bound, operator, flag_id)
    try:
        change()
    except review.ReviewError as exc:
        return _flag_page(bound, operator, flag_id, str(exc), 400)
    return _redirect(f"/review/flags/{flag_id}")


def assign(
    flag_id: int,
    bound: Bound,
    operator: FormOperator,
    assignee: Annotated[str, Form(alias="operator")] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Reserve the flag for an operator (the signed-in one by default)."""
    return _act(
        bound,
        operator,
        flag_id,
        lambda: review.assign(
            bound.db,
            flag_id,
            assignee or operator.name,
            actor=operator.name,
            now=bound.now,
            note=note,
        ),
    )


def release(
    flag_id: int, bound: Bound, operator: FormOperator, note: Annotated[str, Form()] = ""
) -> Response:
    """Give a flag in review back to the queue."""
    return _act(
        bound,
        operator,
        flag_id,
        lambda: review.release(bound.db, flag_id, actor=operator.name, now=bound.now, note=note),
    )


def resolve(
    flag_id: int,
    bound: Bound,
    operator: FormOperator,
    status: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
) -> Response:
    """Close the flag with an outcome, a verdict and a note."""
    return _act(
        bound,
        operator,
        flag_id,
        lambda: review.resolve(
            bound.db,
            flag_id,
            status,
            actor=operator.name,
            now=bound.now,
            note=note,
            decision=decision or None,
            action=action or None,
        ),
    )


def review_router(
    get_db: Callable[..., Any],
    *,
    get_now: Callable[..., datetime] = _wall_clock,
    secure_cookies: bool | None = None,
) -> APIRouter:
    """The ``/review`` pages over the database that ``get_db`` provides.

    Args:
        get_db: A FastAPI dependency giving this request's ``sqlite_utils.Database``: a
            plain function returning one, or a generator yielding one (borrowed from a
            pool and given back after the request).
        get_now: A dependency giving the current time (tests freeze it).
        secure_cookies: Force the cookies' Secure attribute on or off; by default it is
            set when the request came over https.

    Returns:
        The router, to pass to ``app.include_router``.
    """
    db_dep = Depends(get_db)
    now_dep = Depends(get_now)
    throttle = operator_auth.SignInThrottle()

    # Runs before every endpoint of this router and hands them what the factory bound;
    # the endpoints themselves are module-level functions with module-level types.
    def bind(request: Request, db: sqlite_utils.Database = db_dep, now: datetime = now_dep) -> None:
        secure = secure_cookies if secure_cookies is not None else request.url.scheme == "https"
        request.state.review = _Bound(db=db, now=now, secure=secure, throttle=throttle)

    router = APIRouter(
        prefix="/review",
        include_in_schema=False,
        dependencies=[Depends(bind)],
        default_response_class=HTMLResponse,
    )
    SIGN_IN.add_routes(router)
    router.add_api_route("", queue, methods=["GET"])
    router.add_api_route("/flags/{flag_id}", flag_page, methods=["GET"])
    router.add_api_route("/flags/{flag_id}/assign", assign, methods=["POST"])
    router.add_api_route("/flags/{flag_id}/release", release, methods=["POST"])
    router.add_api_route("/flags/{flag_id}/resolve", resolve, methods=["POST"])
    return router


router = review_router(shared_pages.pooled_db, get_now=shared_pages.app_clock)
"""The review pages wired to ``create_app``'s connection pool and clock."""
