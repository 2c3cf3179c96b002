"""Signing in to the server-rendered pages: one set of routes for operators and trainers.

The review pages (``/review``, operators) and the trainer console (``/trainer``) sign in
alike; ``SignInPages`` is that, parametrised by what differs: the path prefix and
template folder, the cookie names, the account's sessions, and how the audit trail
names the account.

- ``GET <prefix>/login`` shows the form (straight on to ``next`` when signed in);
  ``POST <prefix>/login`` checks the name and password, throttled per name, and sets
  the session cookie; ``POST <prefix>/logout`` ends the session at once.
- The sign-in form has no session yet, so its CSRF token is a double-submit cookie;
  signed-in forms carry the session's token. A missing or wrong token is 403.
- The session cookie is HttpOnly, SameSite=Strict, limited to the prefix, and Secure
  over https.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, Protocol
from urllib.parse import urlencode

import sqlite_utils
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from agent.memory import store
from agent.server import pages
from agent.server.accounts import Sessions, SessionT, SignInThrottle, csrf_matches


class Bound(Protocol):
    """What a page router binds for each request (``request.state.<name>``)."""

    @property
    def db(self) -> sqlite_utils.Database:
        """This request's database."""
        ...

    @property
    def now(self) -> datetime:
        """This request's clock reading."""
        ...

    @property
    def secure(self) -> bool:
        """Whether cookies get the Secure attribute."""
        ...

    @property
    def throttle(self) -> SignInThrottle:
        """The failed sign-ins per name."""
        ...


@dataclass(frozen=True)
class SignInPages(Generic[SessionT]):
    """Sign-in, sign-out and the guards of one set of pages.

    Attributes:
        prefix: The pages' path, e.g. ``/review``; cookies are limited to it.
        folder: The template folder under ``prompts/``.
        account: The kind of account: the pages' context key for its name and the
            audit actions' prefix (``<account>.sign_in``).
        session_cookie: The session cookie's name.
        login_csrf_cookie: The sign-in form's double-submit cookie's name.
        sessions: The account's sessions.
        actor: The audit trail's name for a signed-in account.
        bound: This request's bound database, clock, cookie policy and throttle.
    """

    prefix: str
    folder: str
    account: str
    session_cookie: str
    login_csrf_cookie: str
    sessions: Sessions[SessionT]
    actor: Callable[[str], str]
    bound: Callable[[Request], Bound]

    # -- pages and guards ------------------------------------------------------------
    def page(self, page_name: str, status_code: int = 200, /, **context: Any) -> HTMLResponse:
        """Render ``<folder>/<page_name>``; nobody signed in unless the context says so."""
        context.setdefault("error", None)
        context.setdefault(self.account, None)
        context.setdefault("csrf", "")
        # What prompts/pages/base.html needs for the header and its sign-out form.
        context.update(
            site=self.folder,
            account=self.account,
            prefix=self.prefix,
            signed_in_as=context[self.account],
        )
        return pages.render(f"{self.folder}/{page_name}", status_code, **context)

    def safe_next(self, target: str | None) -> str:
        """``target`` if it is a path inside these pages, else their home."""
        return pages.safe_next(target, self.prefix)

    def session(self, request: Request) -> SessionT | None:
        """Dependency: the signed-in session behind the cookie, or None."""
        bound = self.bound(request)
        return self.sessions.session_for(
            bound.db, request.cookies.get(self.session_cookie), bound.now
        )

    def page_session(self, request: Request) -> SessionT:
        """Dependency for pages: the signed-in session, else a 303 to the sign-in page."""
        session = self.session(request)
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(
                status_code=303,
                detail="sign in first",
                headers={"Location": f"{self.prefix}/login?" + urlencode({"next": target})},
            )
        return session

    def form_session(self, request: Request, csrf_token: Annotated[str, Form()] = "") -> SessionT:
        """Dependency for forms: signed in (else 401), with the session's token (else 403)."""
        return self.with_token(self.session(request), csrf_token)

    @staticmethod
    def with_token(session: SessionT | None, submitted: str | None) -> SessionT:
        """``session`` if there is one (else 401) and ``submitted`` is its token (else 403)."""
        if session is None:
            raise HTTPException(status_code=401, detail="sign in first")
        if not csrf_matches(session, submitted):
            raise HTTPException(status_code=403, detail="missing or invalid CSRF token")
        return session

    # -- the routes ------------------------------------------------------------------
    def add_routes(self, router: APIRouter) -> None:
        """Add ``/login`` (GET and POST) and ``/logout`` (POST) to ``router``."""
        router.add_api_route("/login", self.login_form, methods=["GET"])
        router.add_api_route("/login", self.login, methods=["POST"])
        router.add_api_route("/logout", self.logout, methods=["POST"])

    def login_form(self, request: Request, next: str = "") -> Response:
        """The sign-in page (straight on to ``next`` when already signed in)."""
        if self.session(request) is not None:
            return pages.redirect(self.safe_next(next))
        return self._login_page(request, self.safe_next(next), None, 200)

    def login(
        self,
        request: Request,
        name: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "",
    ) -> Response:
        """Check the name and password; open a session and set its cookie."""
        expected = request.cookies.get(self.login_csrf_cookie, "")
        if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
            raise HTTPException(status_code=403, detail="missing or invalid CSRF token")
        bound = self.bound(request)
        name = name.strip()
        target = self.safe_next(next)
        wait = bound.throttle.retry_after(name, bound.now)
        if wait:
            message = f"Too many failed sign-ins for this name; try again in {wait // 60 + 1} min."
            return self._login_page(request, target, message, 429)
        account_id = self.sessions.check_credentials(bound.db, name, password)
        if account_id is None:
            bound.throttle.failed(name, bound.now)
            return self._login_page(request, target, "Wrong name or password.", 401)
        bound.throttle.succeeded(name)
        token, session = self.sessions.start_session(bound.db, account_id, bound.now)
        store.audit(
            bound.db,
            actor=self.actor(session.name),
            action=f"{self.account}.sign_in",
            now=bound.now,
        )
        response = pages.redirect(target)
        max_age = int((session.expires_at - bound.now).total_seconds())
        self._set_cookie(response, self.session_cookie, token, max_age, bound.secure)
        response.delete_cookie(self.login_csrf_cookie, path=self.prefix)
        return response

    def logout(self, request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
        """End the session at once and clear its cookie."""
        session = self.form_session(request, csrf_token)
        bound = self.bound(request)
        self.sessions.end_session(bound.db, request.cookies.get(self.session_cookie, ""))
        store.audit(
            bound.db,
            actor=self.actor(session.name),
            action=f"{self.account}.sign_out",
            now=bound.now,
        )
        response = pages.redirect(f"{self.prefix}/login")
        response.delete_cookie(self.session_cookie, path=self.prefix)
        return response

    def _login_page(self, request: Request, target: str, error: str | None, code: int) -> Response:
        # A fresh double-submit token with every form shown.
        token = secrets.token_urlsafe(32)
        response = self.page(
            "login.html", code, title="Sign in", csrf=token, next=target, error=error
        )
        self._set_cookie(response, self.login_csrf_cookie, token, 3600, self.bound(request).secure)
        return response

    def _set_cookie(
        self, response: Response, name: str, value: str, max_age: int, secure: bool
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.prefix,
            httponly=True,
            samesite="strict",
            secure=secure,
        )
