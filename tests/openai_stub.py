"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests and benchmarks.

Each request to ``POST /v1/chat/completions`` takes the next scripted :class:`Reply` from
a FIFO (or the default reply once the queue is empty) and records the request body, so
tests can drive the real ``openai`` client over real HTTP without touching the network.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted HTTP answer."""

    status: int = 200
    body: dict[str, Any] | str = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    content_type: str = "application/json"
    hold_until: threading.Event | None = None
    """Hold the answer until the test sets this event (a model call that hangs on cue)."""


def completion(
    content: str | None = None, tool_calls: list[tuple[str, str, str]] | None = None
) -> dict[str, Any]:
    """A chat-completions body: text and/or ``(id, name, arguments_json)`` tool calls."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
            for cid, name, args in tool_calls
        ]
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "stub-model",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def ok(content: str) -> Reply:
    """A 200 with a final text answer."""
    return Reply(body=completion(content))


def tool(name: str, arguments: str, call_id: str = "call_1") -> Reply:
    """A 200 that asks for one tool call with the raw ``arguments`` string."""
    return Reply(body=completion(None, [(call_id, name, arguments)]))


class _ListeningServer(ThreadingHTTPServer):
    """A threading HTTP server with a listen backlog that fits a benchmark's burst.

    ``socketserver`` listens with a backlog of 5: fifty model calls opening their
    connections at once (a load test's first turns) overflowed it, and each connection
    the kernel dropped was retried by the client's TCP stack a second later, so a 200 ms
    stub answered some first calls in 1.2-2.4 s. A model server in production (an API,
    a local inference server) does not drop connections at fifty.
    """

    request_queue_size = 1024


class StubServer:
    """The scripted server; use :func:`serve` to run one for the duration of a block."""

    def __init__(self, default: Reply | None = None, *, keep_requests: bool = True) -> None:
        self.queue: deque[Reply] = deque()
        self.default = default
        self.keep_requests = keep_requests
        """A benchmark's thousands of requests are not kept (memory would grow), nor
        decoded: the reply does not depend on the request."""
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = _ListeningServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The ``OPENAI_BASE_URL`` for this server."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def push(self, *replies: Reply) -> None:
        """Queue replies, answered in order."""
        with self._lock:
            self.queue.extend(replies)

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.keep_requests:
                self.requests.append(body)
            if self.queue:
                return self.queue.popleft()
            if self.default is not None:
                return self.default
        return Reply(status=500, body={"error": {"message": "stub: no scripted reply left"}})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without this, Nagle plus
            # delayed ACKs add ~40 ms to every response on loopback.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                body: dict[str, Any] = {}
                if stub.keep_requests:
                    # Decoded only to be kept: a benchmark's stub (requests not kept)
                    # answers without decoding ~35 KB of JSON a call, CPU on the cores
                    # the measured server shares.
                    try:
                        body = json.loads(raw or b"{}")
                    except ValueError:
                        body = {"unparsed": raw.decode("utf-8", "replace")}
                reply = stub._next(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.hold_until is not None:
                    reply.hold_until.wait(timeout=600)
                payload = (
                    reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                ).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", reply.content_type)
                    self.send_header("content-length", str(len(payload)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up (a timeout test); nothing left to say.
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                # Quiet: the test output is for assertions, not access logs.
                return

        return Handler

    def start(self) -> None:
        """Start serving in a daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serve(default: Reply | None = None) -> Iterator[StubServer]:
    """Run a :class:`StubServer` on 127.0.0.1 for the duration of the block."""
    server = StubServer(default)
    server.start()
    try:
        yield server
    finally:
        server.stop()
