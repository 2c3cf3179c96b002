"""``coach chat``: talk to the coach in a terminal, or one message per line from a pipe."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Annotated, TextIO

import typer

from agent.cli.common import DbOption, JsonOption, UserOption, fail, open_db, user_name
from agent.cli.main import start_up_done
from agent.clock import utc_now
from agent.config import default_model_name
from agent.errors import CoachError, MessageNotSaved, UserInputError
from agent.loop import Coach, TurnResult
from agent.memory import store
from agent.models import get_model

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
    database = open_db(db)
    try:
        coach = Coach(database, get_model(model or default_model_name()))
        now = utc_now()
        user_id = store.ensure_user(database, user_name(user), now)
        conversation_id = store.start_conversation(database, user_id, now)
        interactive = sys.stdin.isatty() and not as_json
        failures = (
            _interactive(coach, user_id, conversation_id)
            if interactive
            else _piped(coach, user_id, conversation_id, sys.stdin, as_json)
        )
    finally:
        # Closed here, not left to the interpreter's exit: closing copies the write-ahead
        # log into the database file. The handle is frozen with the first turn's objects
        # (start_up_done), and a frozen cycle is never collected at exit, so the log
        # would otherwise stay behind and grow from one chat to the next.
        database.close()
    if failures:
        raise typer.Exit(code=1)


def _lines(stream: TextIO) -> Iterator[str]:
    r"""Lines ending in ``\n``, ``\r\n`` or a lone ``\r`` (old Mac files, some terminals)."""
    for chunk in stream:
        yield from chunk.replace("\r\n", "\n").replace("\r", "\n").splitlines()


def _piped(coach: Coach, user_id: int, conversation_id: int, lines: TextIO, as_json: bool) -> int:
    failures = 0
    for line in _lines(lines):
        if not line.strip():
            continue
        try:
            result = coach.turn(user_id, conversation_id, line)
        except MessageNotSaved as exc:
            failures += 1
            typer.echo(f"error: {exc}: {json.dumps(exc.text, ensure_ascii=False)}", err=True)
            continue
        except CoachError as exc:
            failures += 1
            typer.echo(f"error: {exc}", err=True)
            continue
        finally:
            start_up_done()  # what the first turn loaded is start-up too
        _emit(result, as_json)
    return failures


def _emit(result: TurnResult, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, default=str))
    else:
        typer.echo(result.reply)


def _interactive(coach: Coach, user_id: int, conversation_id: int) -> int:
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console()
    console.print("[bold]coachloop[/bold]: your coach. Type a message; Ctrl-D or 'quit' to leave.")
    failures = 0
    while True:
        try:
            text = console.input("[bold cyan]you>[/bold cyan] ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return failures
        if text.strip().lower() in {"quit", "exit", "bye"}:
            return failures
        if not text.strip():
            continue
        try:
            result = coach.turn(user_id, conversation_id, text)
        except UserInputError as exc:
            console.print(f"[yellow]{exc}[/yellow]")
            continue
        except MessageNotSaved as exc:
            failures += 1
            console.print(f"[red]error: {exc}[/red]", markup=True)
            console.print(exc.text, markup=False)
            continue
        except CoachError as exc:
            failures += 1
            console.print(f"[red]error: {exc}[/red] (your message was saved)")
            continue
        finally:
            start_up_done()
        console.print(Markdown(result.reply))


__all__ = ["chat", "fail", "register"]
