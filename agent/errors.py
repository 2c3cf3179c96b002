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


class ToolRetry(CoachError):
    """A tool call the model can fix: bad id, impossible value, unknown exercise.

    The message goes back to the model as the tool result so it can try again; it never
    reaches the person and never ends the turn.
    """


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


def tool_error_result(code: ToolErrorCode, message: str) -> dict[str, Any]:
    """A failed tool call's result as the model receives it: data, never a text prefix."""
    return {"error": {"code": code, "message": message}}


def read_tool_error(result: Any) -> tuple[str, str] | None:
    """The ``(code, message)`` of a failed call's result, or None for a success.

    Accepts the result as the registry returns it or as its JSON text (a tool message).
    """
    if isinstance(result, str):
        try:
            result = json.loads(result)
        except ValueError:
            return None
    error = result.get("error") if isinstance(result, dict) and len(result) == 1 else None
    if isinstance(error, dict) and error.get("code") in TOOL_ERROR_CODES:
        return str(error["code"]), str(error.get("message") or "")
    return None
