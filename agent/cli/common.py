"""Options and helpers every command shares: database, user, clean one-line errors.

Choosing the database and the person is :mod:`agent.cli.defaults` (without typer),
re-exported here for the commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from agent.cli.defaults import open_db as open_db
from agent.cli.defaults import user_name as user_name
from agent.errors import UserInputError

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database file (default: $COACH_DB, else the user data dir)."),
]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Whose coach this is (default: $COACH_USER, else 'me')."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


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
