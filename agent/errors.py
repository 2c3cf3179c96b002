"""One exception root for everything the coach raises on purpose.

At the CLI and HTTP edges a ``CoachError`` becomes one clear line for the person,
never a traceback. Anything else is a bug and is logged as such. A tool's failure
reaches the model as data (``tool_error_result``), which every reader decodes with
``read_tool_error``.
"""

from __future__ import annotations

import json
from typing import Any, Literal, get_args


class CoachError(Exception):
    """Root of every error the coach raises deliberately."""


class ConfigurationError(CoachError):
    """The coach was started with settings that cannot work (bad model name, bad path)."""


class UserInputError(CoachError):
    """The person gave input the coach cannot use; the message says how to fix it."""


class ModelError(CoachError):
    """The model backend failed or replied with something unusable after retries."""


class StorageError(CoachError):
    """The database could not be read or written (locked too long, corrupt, read-only)."""


class MessageNotSaved(StorageError):
    """The person's message could not be stored (the database stayed busy past its bound).

    Nothing of the turn ran; ``text`` is the message, so the face can echo it back.
    """

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"your message was not saved ({reason}); please send it again")
        self.text = text


ToolRetryReason = Literal["not_in_session", "no_such_constraint", "no_such_note"]
"""What kind of retry, for a reader that answers it in words rather than retrying: the
named exercise is not in today's session; nothing is noted against the named area; no
note matches what the person asked to forget. The message is for the model; the reason
is for code, which never parses the message."""


class ToolRetry(CoachError):
    """A tool call the model can fix: bad id, impossible value, unknown exercise.

    The message goes back to the model as the tool result so it can try again; it never
    reaches the person and never ends the turn. ``reason`` travels with it as data.
    """

    def __init__(self, message: str, reason: ToolRetryReason | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class SessionError(CoachError):
    """A live-workout operation does not fit the session's state; the message says what would.

    The session tools hand it back to the model as a ``retry``; ``coach workout`` prints it.
    """


ToolErrorCode = Literal[
    "invalid", "retry", "plan_locked", "unknown_tool", "crashed", "too_many_calls"
]
"""Why a tool call failed: bad arguments; the tool asks for another try (unknown exercise,
impossible value, a ``ToolRetry``); refused while a safety flag stands; no such tool; a bug
in the tool; past the calls one model answer may make (``agent.loop``)."""

TOOL_ERROR_CODES: tuple[str, ...] = get_args(ToolErrorCode)


def tool_error_result(
    code: ToolErrorCode, message: str, reason: ToolRetryReason | None = None
) -> dict[str, Any]:
    """A failed tool call's result as the model receives it: data, never a text prefix."""
    error: dict[str, Any] = {"code": code, "message": message}
    if reason is not None:
        error["reason"] = reason
    return {"error": error}


def read_tool_error(result: Any) -> tuple[str, str] | None:
    """The ``(code, message)`` of a failed call's result, or None for a success.

    Accepts the result as the registry returns it or as its JSON text (a tool message).
    """
    error = _error_of(result)
    if error is None:
        return None
    return str(error["code"]), str(error.get("message") or "")


def read_tool_error_reason(result: Any) -> str:
    """The ``ToolRetryReason`` a failed call carries; empty for a success or no reason."""
    error = _error_of(result)
    reason = error.get("reason") if error is not None else None
    return reason if reason in TOOL_RETRY_REASONS else ""


TOOL_RETRY_REASONS: tuple[str, ...] = get_args(ToolRetryReason)


def _error_of(result: Any) -> dict[str, Any] | None:
    if isinstance(result, str):
        try:
            result = json.loads(result)
        except ValueError:
            return None
    error = result.get("error") if isinstance(result, dict) and len(result) == 1 else None
    if isinstance(error, dict) and error.get("code") in TOOL_ERROR_CODES:
        return error
    return None
