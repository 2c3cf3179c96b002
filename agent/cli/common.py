"""Options and helpers every command shares: database, user, clean one-line errors."""

from __future__ import annotations

import os
from typing import Annotated

import sqlite_utils
import typer

from agent.config import resolve_db_path
from agent.memory.db import connect

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
    return connect(resolve_db_path(explicit))


def fail(message: str) -> typer.Exit:
    """Print one clear error line on stderr; return the exit to raise (code 1)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)
