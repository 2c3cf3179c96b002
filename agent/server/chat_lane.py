"""A plain ``POST /v1/chat`` answered without the router's per-request work.

Every chat message went through FastAPI's routing: path matching over every route,
dependency solving, reading and validating the body field by field, serialising the
answer's model. Profiled with py-spy under 50 clients (issue 16, GIL holder only), 17%
of the server process's samples were in that machinery (the model steps run in child
processes). :class:`ChatLane` sits just inside the access log and answers the common
request itself: ``POST /v1/chat`` with no query string, a JSON content type and a body
that is a valid :class:`~agent.server.api.ChatRequest`. It calls the route's own code
(``api.answer_chat``) with the same request object, so authentication, the rate limit,
the safety screen, the errors and the answers are the route's.

Anything else goes to the router untouched, the body replayed: another path or method,
a query string (``?stream=1``), another content type, a body that is not JSON or does
not validate. The router then answers exactly as before (its 422s included), so the
lane never has to copy an error format.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.server import api

CHAT_PATH = "/v1/chat"


class ChatLane:
    """ASGI middleware: answer a plain chat message directly, pass everything else on."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        # The router's own route object, as the router sets it in the scope when it
        # matches (the access log names its template).
        self.route = next(
            route
            for route in api.router.routes
            if isinstance(route, APIRoute)
            and route.path == CHAT_PATH
            and "POST" in (route.methods or ())
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a plain chat message here; any other request goes to the router."""
        if not _plain_chat(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        body = _chat_request(raw)
        if body is None:
            await self.app(scope, _replay(raw, receive), send)
            return
        scope["route"] = self.route
        request = Request(scope, receive)
        try:
            response = await api.answer_chat(request, body, api.wants_stream(request, body, False))
        except HTTPException as exc:
            # The app's own handler for it (FastAPI's, unless the app set another).
            handled = self.fastapi_app.exception_handlers[HTTPException](request, exc)
            response = await handled if inspect.isawaitable(handled) else handled
        await response(scope, receive, send)


def _plain_chat(scope: Scope) -> bool:
    """``POST /v1/chat`` with no query string and a JSON body (by its content type)."""
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != CHAT_PATH:
        return False
    if scope.get("query_string"):
        return False
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return bool(kind == b"application/json")
    return False


def _chat_request(raw: bytes) -> api.ChatRequest | None:
    """The body as a chat request, or None when the router must answer it (and its error).

    Decoded as the router decodes a JSON body (``json.loads``), then validated as a whole.
    """
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        return api.ChatRequest.model_validate(data)
    except ValidationError:
        return None


def _replay(raw: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the router the body already read, then the client's messages."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return replay
