"""What the server-rendered pages share: security headers, the no-script policy, redirects.

The operator pages (``/review``) and the trainer pages (``/trainer``) are autoescaped
Jinja2 with no scripts at all; their Content-Security-Policy allows no script and only
the page's own nonce-tagged style, so even a template mistake could not run what a user
typed.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

import prompts
from agent.server.operator_auth import SignInThrottle

SessionT = TypeVar("SessionT")


def signed_in_or_redirect(session: SessionT | None, request: Request, login: str) -> SessionT:
    """Pages: the signed-in session, else a 303 to ``login`` that comes back here after."""
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(
            status_code=303,
            detail="sign in first",
            headers={"Location": f"{login}?" + urlencode({"next": target})},
        )
    return session


def signed_in_with_token(
    session: SessionT | None, token_matches: Callable[[SessionT], bool]
) -> SessionT:
    """Forms: a signed-in session (else 401) whose form carries its CSRF token (else 403)."""
    if session is None:
        raise HTTPException(status_code=401, detail="sign in first")
    if not token_matches(session):
        raise HTTPException(status_code=403, detail="missing or invalid CSRF token")
    return session


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


@dataclass(frozen=True)
class SignInCookies:
    """The cookies of one set of signed-in pages: the session and the sign-in form's CSRF.

    The sign-in form has no session yet, so its CSRF token is a double-submit cookie; the
    session cookie is HttpOnly, SameSite=Strict, limited to the pages' path, and Secure
    over https.
    """

    session: str
    login_csrf: str
    path: str

    def _set(self, response: Response, name: str, value: str, max_age: int, secure: bool) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.path,
            httponly=True,
            samesite="strict",
            secure=secure,
        )

    def login_page(
        self,
        page: Callable[..., HTMLResponse],
        *,
        secure: bool,
        target: str,
        error: str | None,
        code: int,
    ) -> Response:
        """The sign-in form (rendered by ``page``) with a fresh double-submit token."""
        token = secrets.token_urlsafe(32)
        response = page("login.html", code, title="Sign in", csrf=token, next=target, error=error)
        self._set(response, self.login_csrf, token, 3600, secure)
        return response

    def check_login_csrf(self, request: Request, submitted: str) -> None:
        """Refuse a sign-in whose form token is not its cookie's.

        Raises:
            HTTPException: 403.
        """
        expected = request.cookies.get(self.login_csrf, "")
        if not expected or not hmac.compare_digest(expected.encode(), submitted.encode()):
            raise HTTPException(status_code=403, detail="missing or invalid CSRF token")

    def signed_in(self, target: str, token: str, max_age: int, secure: bool) -> Response:
        """Straight on to ``target`` with the session cookie set."""
        response = redirect(target)
        self._set(response, self.session, token, max_age, secure)
        response.delete_cookie(self.login_csrf, path=self.path)
        return response

    def signed_out(self, target: str) -> Response:
        """To ``target`` with the session cookie cleared."""
        response = redirect(target)
        response.delete_cookie(self.session, path=self.path)
        return response


def throttled_sign_in(
    throttle: SignInThrottle, name: str, now: datetime, check: Callable[[], int | None]
) -> tuple[int | None, str, int]:
    """Run ``check`` (name and password) unless ``name`` is throttled.

    Returns:
        ``(account id, "", 303)`` when it matched; else ``(None, message, status)``: 429
        while throttled, 401 for a wrong name or password (counted).
    """
    wait = throttle.retry_after(name, now)
    if wait:
        return (
            None,
            f"Too many failed sign-ins for this name; try again in {wait // 60 + 1} min.",
            429,
        )
    account = check()
    if account is None:
        throttle.failed(name, now)
        return None, "Wrong name or password.", 401
    throttle.succeeded(name)
    return account, "", 303
