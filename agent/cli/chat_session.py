"""The chat behind ``coach chat``: a terminal conversation, or one answer per piped line.

Kept apart from the command's options (:mod:`agent.cli.chat`) so that the console script
can start a chat without typer (see :mod:`agent.cli.entry`); both reach this one
function, so a chat is the same whichever way it was started.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import TextIO

from agent.cli.defaults import open_db, user_name
from agent.cli.entry import start_up_done
from agent.clock import utc_now
from agent.config import default_model_name
from agent.errors import CoachError, MessageNotSaved, UserInputError
from agent.loop import Coach, TurnResult
from agent.memory import store
from agent.models import get_model


def chat(user: str | None, db: str | None, model: str | None, as_json: bool) -> int:
    """Talk to the coach until the input ends; the number of messages that failed.

    Args:
        user: Whose coach this is (None: ``COACH_USER``, else ``me``).
        db: The database file (None: ``COACH_DB``, else the user data folder).
        model: The backend's name (None: offline without an API key).
        as_json: One JSON object per answer instead of the reply's text.
    """
    database = open_db(db)
    try:
        coach = Coach(database, get_model(model or default_model_name()))
        now = utc_now()
        user_id = store.ensure_user(database, user_name(user), now)
        conversation_id = store.start_conversation(database, user_id, now)
        interactive = sys.stdin.isatty() and not as_json
        return (
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
            _say(f"error: {exc}: {json.dumps(exc.text, ensure_ascii=False)}", sys.stderr)
            continue
        except CoachError as exc:
            failures += 1
            _say(f"error: {exc}", sys.stderr)
            continue
        finally:
            start_up_done()  # what the first turn loaded is start-up too
        _emit(result, as_json)
    return failures


def _say(text: str, stream: TextIO) -> None:
    # Flushed line by line: whoever reads the pipe gets each answer as it is made.
    print(text, file=stream, flush=True)


def _emit(result: TurnResult, as_json: bool) -> None:
    if as_json:
        _say(json.dumps(result.to_json(), ensure_ascii=False, default=str), sys.stdout)
    else:
        _say(result.reply, sys.stdout)


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
