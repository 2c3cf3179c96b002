"""Options and helpers every command shares: database, user, clean one-line errors.

The database modules are imported when a command opens the database, not here: commands
that never open one (``coach safety check``) would otherwise pay for sqlite-utils, which
imports numpy and scans the installed packages for plugins, on every start.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

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
