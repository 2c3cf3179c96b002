"""``coach chat``: talk to the coach in a terminal, or one message per line from a pipe."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli import chat_session
from agent.cli.common import DbOption, JsonOption, UserOption, fail

ModelOption = Annotated[
    str | None,
    typer.Option("--model", help="Backend: offline (default without a key) or openai."),
]


def register(app: typer.Typer) -> None:
    """Add ``chat`` to the app."""
    app.command("chat")(chat)


def chat(
    user: UserOption = None,
    db: DbOption = None,
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Talk to your coach. Piped input: one message per line, one answer each."""
    if chat_session.chat(user, db, model, as_json):
        raise typer.Exit(code=1)


__all__ = ["chat", "fail", "register"]
