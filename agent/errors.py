"""One exception root for everything the coach raises on purpose.

At the CLI and HTTP edges a ``CoachError`` becomes one clear line for the person,
never a traceback. Anything else is a bug and is logged as such.
"""

from __future__ import annotations


class CoachError(Exception):
    """Root of every error the coach raises deliberately."""


class ConfigurationError(CoachError):
    """The coach was started with settings that cannot work (bad model name, bad path)."""


class UserInputError(CoachError):
    """The person gave input the coach cannot use; the message says how to fix it."""


class ModelError(CoachError):
    """The model backend failed or replied with something unusable after retries."""


class MaxTurnsExceeded(CoachError):
    """The model kept calling tools past the allowed number of rounds in one turn."""


class StorageError(CoachError):
    """The database could not be read or written (locked too long, corrupt, read-only)."""


class ToolRetry(CoachError):
    """A tool call the model can fix: bad id, impossible value, unknown exercise.

    The message goes back to the model as the tool result so it can try again; it never
    reaches the person and never ends the turn.
    """


class PlanLocked(ToolRetry):
    """A plan-changing tool was called while a safety flag stands for the user."""
