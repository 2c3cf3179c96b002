"""What the server-rendered pages share: security headers, the no-script policy, redirects.

Signing in to them is ``agent.server.sign_in``.

The operator pages (``/review``) and the trainer pages (``/trainer``) are autoescaped
Jinja2 with no scripts at all; their Content-Security-Policy allows no script and only
the page's own nonce-tagged style, so even a template mistake could not run what a user
typed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import sqlite_utils
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

import prompts

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def csp(nonce: str) -> str:
    """No scripts, only the page's own nonce-tagged style, forms to this origin only."""
    return (
        "default-src 'none'; script-src 'none'; "
        f"style-src 'nonce-{nonce}'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def render(name: str, status_code: int = 200, /, **context: Any) -> HTMLResponse:
    """Render ``prompts/<name>`` with a fresh style nonce and the security headers."""
    nonce = secrets.token_urlsafe(16)
    response = HTMLResponse(prompts.render(name, nonce=nonce, **context), status_code)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Security-Policy"] = csp(nonce)
    return response


def redirect(url: str) -> RedirectResponse:
    """A 303 to ``url`` with the security headers."""
    response = RedirectResponse(url, status_code=303)
    response.headers.update(SECURITY_HEADERS)
    return response


def safe_next(target: str | None, prefix: str) -> str:
    """``target`` if it is a path inside ``prefix``, else ``prefix`` (never another host)."""
    if target and target.startswith(prefix) and not target.startswith("//"):
        return target
    return prefix


def _app_state(request: Request) -> Any:
    state = getattr(request.app.state, "coach", None)
    if state is None:
        raise RuntimeError("the page routers need create_app's state (app.state.coach)")
    return state


def pooled_db(request: Request) -> Iterator[sqlite_utils.Database]:
    """Dependency: this request's connection, borrowed from ``coach serve``'s pool."""
    with _app_state(request).pool.connection() as db:
        yield db


def app_clock(request: Request) -> datetime:
    """Dependency: the app's injected clock (frozen in tests)."""
    clock: Callable[[], datetime] = _app_state(request).settings.clock
    return clock()
