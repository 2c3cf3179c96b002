"""Options and helpers every command shares: database, user, clean one-line errors.

The database modules are imported when a command opens the database, not here: commands
that never open one (``coach safety check``) would otherwise pay for sqlite-utils, which
imports numpy and scans the installed packages for plugins, on every start.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from agent.errors import UserInputError

if TYPE_CHECKING:
    import sqlite_utils

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database file (default: $COACH_DB, else the user data dir)."),
]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Whose coach this is (default: $COACH_USER, else 'me')."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def user_name(explicit: str | None) -> str:
    """The user to act for: ``--user``, else ``COACH_USER``, else ``me``."""
    return explicit or os.environ.get("COACH_USER") or "me"


def open_db(explicit: str | None) -> sqlite_utils.Database:
    """Open and migrate the database chosen by ``--db`` / ``COACH_DB`` / the data dir."""
    from agent.config import resolve_db_path
    from agent.memory.db import connect

    return connect(resolve_db_path(explicit))


def fail(message: str) -> typer.Exit:
    """Print one clear error line on stderr; return the exit to raise (code 1)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


@contextmanager
def one_line_errors(*expected: type[Exception]) -> Iterator[None]:
    """Inside: an expected error (``UserInputError`` unless others are named) is one line.

    Raises:
        typer.Exit: Code 1, after the error's message went to stderr.
    """
    caught = expected or (UserInputError,)
    try:
        yield
    except caught as exc:
        raise fail(str(exc)) from exc
