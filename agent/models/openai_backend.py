"""The ``openai`` backend: chat completions with tools against any OpenAI-compatible server.

This is the only module in the project that imports ``openai``. It is configured by the
SDK's own variables (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``) plus ``COACH_MODEL``
(model name), ``COACH_MODEL_ATTEMPTS`` (attempt cap, default 4) and
``COACH_MODEL_TIMEOUT`` (seconds per request, default 60).

Retries live here and nowhere else: the SDK's own retries are switched off
(``max_retries=0``) so that tenacity alone decides. Rate limits (429), timeouts,
connection errors and 5xx are retried with exponential backoff and jitter, honouring a
``Retry-After`` header (seconds or an HTTP date, capped). Everything else, and exhausted
retries, becomes one :class:`~agent.errors.ModelError` line.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import openai
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from agent.errors import ConfigurationError, ModelError
from agent.models.base import AssistantMessage, ToolCall

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_ATTEMPTS = 4
DEFAULT_TIMEOUT_S = 60.0

_SENT_KEYS = {
    "system": ("role", "content"),
    "user": ("role", "content", "name"),
    "assistant": ("role", "content", "tool_calls"),
    "tool": ("role", "content", "tool_call_id"),
}
"""Keys each role may carry on the wire; stored extras (a tool's name) are left out."""

_TOOLS_JSON_KEPT = 8
"""Encoded tool lists kept per backend: the registry hands out two (plan locked or not)."""


def _dumps(value: Any) -> bytes:
    # What the SDK's own encoder sends: compact, UTF-8 as is, no NaN.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempt cap and backoff shape (tests shrink the delays)."""

    attempts: int = DEFAULT_ATTEMPTS
    """Total attempts, the first included."""
    base_delay_s: float = 0.5
    """First backoff step; doubles each attempt, with full jitter."""
    max_delay_s: float = 8.0
    """Ceiling of one computed backoff wait."""
    max_retry_after_s: float = 30.0
    """Ceiling of a server-requested ``Retry-After`` wait."""


def _env_number(name: str, default: float, minimum: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum:g}, got {raw!r}")
    return value


def parse_retry_after(headers: Any, now: datetime | None = None) -> float | None:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``Retry-After``.

    Args:
        headers: A mapping of response headers (case-insensitive lookups preferred).
        now: The current time, for HTTP-date values (defaults to the wall clock).

    Returns:
        A non-negative number of seconds, or ``None`` if absent or unreadable.
    """
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    raw = str(raw).strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return False


def _describe(exc: BaseException) -> str:
    """One line saying what went wrong, without a traceback or a wall of JSON."""
    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(exc, openai.APIConnectionError):
        return "could not connect to the model server"
    if isinstance(exc, openai.APIStatusError):
        body = exc.body
        raw = body.get("message") if isinstance(body, dict) else None
        if not isinstance(raw, str):
            # The SDK's own text repeats the status ("Error code: 500 - {...}").
            raw = re.sub(r"^Error code: \d+( - )?", "", str(exc.message or ""))
        detail = " ".join(raw.split())[:200]
        return f"HTTP {exc.status_code}" + (f": {detail}" if detail else "")
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _wire_message(message: dict[str, Any]) -> dict[str, Any]:
    keys = _SENT_KEYS.get(str(message.get("role")), ("role", "content"))
    return {k: message[k] for k in keys if k in message and message[k] is not None} | {
        "content": message.get("content")
    }


def _arguments_text(raw: Any) -> str:
    # Malformed argument strings pass through untouched: the tool registry answers them
    # with an error the model can act on. Some servers send an object; re-encode it.
    if raw is None:
        return "{}"
    if isinstance(raw, str):
        return raw
    return json.dumps(raw)


def to_assistant_message(data: Any) -> AssistantMessage:
    """Convert a chat-completions response body (a dict) into an :class:`AssistantMessage`.

    Raises:
        ModelError: The body is not a completion with at least one choice.
    """
    if not isinstance(data, dict):
        raise ModelError(
            "the model server replied with something that is not a chat completion "
            f"(a JSON {type(data).__name__.replace('NoneType', 'null')}, not an object)"
        )
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            raise ModelError(f"model server error: {' '.join(str(error['message']).split())}")
        raise ModelError("the model server replied without any choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise ModelError("the model server replied with a choice that has no message")
    calls: list[ToolCall] = []
    for index, raw_call in enumerate(message.get("tool_calls") or []):
        if not isinstance(raw_call, dict):
            continue
        function = raw_call.get("function") or {}
        if not isinstance(function, dict) or not function.get("name"):
            continue
        calls.append(
            ToolCall(
                id=str(raw_call.get("id") or f"call_{index}"),
                name=str(function["name"]),
                arguments=_arguments_text(function.get("arguments")),
            )
        )
    content = message.get("content")
    return AssistantMessage(content=content if isinstance(content, str) else None, tool_calls=calls)


@dataclass
class OpenAIModel:
    """A :class:`~agent.models.base.ChatModel` over the ``openai`` SDK's chat completions."""

    client: openai.OpenAI
    model: str = DEFAULT_MODEL
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    name: str = "openai"
    sampling: dict[str, Any] = field(default_factory=dict)
    """Further request fields sent as they are (the evals' judge: temperature, seed)."""
    _tools_json: dict[int, tuple[list[dict[str, Any]], bytes]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_env(cls, *, policy: RetryPolicy | None = None) -> OpenAIModel:
        """Build the backend from the environment (see the module docstring).

        Raises:
            ConfigurationError: No key and no base URL, or a malformed number.
        """
        api_key = os.environ.get("OPENAI_API_KEY")
        base_url = os.environ.get("OPENAI_BASE_URL") or None
        if not api_key and not base_url:
            raise ConfigurationError(
                "the openai backend needs OPENAI_API_KEY (and OPENAI_BASE_URL for other servers)"
            )
        attempts = int(_env_number("COACH_MODEL_ATTEMPTS", DEFAULT_ATTEMPTS, 1))
        timeout = _env_number("COACH_MODEL_TIMEOUT", DEFAULT_TIMEOUT_S, 0.001)
        chosen = policy or RetryPolicy()
        client = openai.OpenAI(
            # Local servers (Ollama, llama.cpp) accept any key; the SDK insists on one.
            api_key=api_key or "not-needed",
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
        )
        return cls(
            client=client,
            model=os.environ.get("COACH_MODEL") or DEFAULT_MODEL,
            policy=RetryPolicy(
                attempts=attempts,
                base_delay_s=chosen.base_delay_s,
                max_delay_s=chosen.max_delay_s,
                max_retry_after_s=chosen.max_retry_after_s,
            ),
        )

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, openai.APIStatusError):
            asked = parse_retry_after(exc.response.headers)
            if asked is not None:
                return min(asked, self.policy.max_retry_after_s)
        ceiling = min(
            self.policy.max_delay_s,
            self.policy.base_delay_s * 2 ** max(0, state.attempt_number - 1),
        )
        # Full jitter: clients that failed together do not retry together.
        return random.uniform(0, ceiling)

    def _encoded_tools(self, tools: list[dict[str, Any]]) -> bytes:
        """``tools`` as JSON, encoded once per list (the registry hands out the same lists).

        Tool schemas are about 31 KB of JSON, re-encoded on every model call otherwise:
        CPU that serialises a server's concurrent turns behind the GIL. The lists are the
        registry's cached schemas, never mutated (:meth:`ToolRegistry.schemas`); a list is
        kept while its encoding is, so its ``id`` cannot be reused meanwhile.
        """
        known = self._tools_json.get(id(tools))
        if known is not None and known[0] is tools:
            return known[1]
        encoded = _dumps(tools)
        if len(self._tools_json) >= _TOOLS_JSON_KEPT:
            self._tools_json.clear()  # callers passing fresh lists each time: start over
        self._tools_json[id(tools)] = (tools, encoded)
        return encoded

    def _body(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> bytes:
        """The chat-completions request as JSON bytes: model, messages, then the tools."""
        parts = [
            b'{"model":',
            _dumps(self.model),
            b',"messages":',
            _dumps([_wire_message(m) for m in messages]),
        ]
        for key, value in self.sampling.items():
            parts += [b",", _dumps(key), b":", _dumps(value)]
        if tools:
            parts += [b',"tools":', self._encoded_tools(tools)]
        parts.append(b"}")
        return b"".join(parts)

    def _request(self, body: bytes) -> bytes:
        # The body goes out already encoded and the answer comes back as bytes: the SDK's
        # typed path (``chat.completions.create``) walks the request against its typed
        # dicts and builds pydantic objects from the answer, and even its generic ``post``
        # with a dict body re-encodes the tool schemas: about half of a model call's CPU
        # (measured 0.97 -> 0.50 ms a call against a local stub). The same client sends it
        # (base URL, key, headers, timeout, SDK retries off) and raises the same
        # ``APIStatusError`` / ``APIConnectionError`` on failures, which tenacity retries.
        return self.client.post("/chat/completions", content=body, cast_to=bytes)

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        """Ask the server for the next assistant message, retrying transient failures.

        Raises:
            ModelError: A non-retryable failure, exhausted retries, or an unusable reply.
        """
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            response = retrying(self._request, self._body(messages, tools))
        except openai.OpenAIError as exc:
            if _retryable(exc):
                raise ModelError(
                    f"model unavailable after {self.policy.attempts} attempt(s): {_describe(exc)}"
                ) from None
            raise ModelError(f"model request failed: {_describe(exc)}") from None
        try:
            data = json.loads(response)
        except ValueError:
            raise ModelError("the model server replied with a body that is not JSON") from None
        # A JSON body that is not an object (null, a number, a list, a string) gets the same
        # check as any other body, which names the problem.
        return to_assistant_message(data)
