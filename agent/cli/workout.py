"""``coach workout`` (the live session) and ``coach week`` (the weekly check-in)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import sqlite_utils
import typer
from rich.console import Console

from agent.cli import voice
from agent.cli.common import DbOption, JsonOption, UserOption, open_db, user_name
from agent.cli.rest import countdown
from agent.clock import utc_now
from agent.coaching import session, week
from agent.config import default_model_name
from agent.errors import CoachError, SessionError, UserInputError
from agent.loop import Coach, TurnResult
from agent.memory import store
from agent.memory import workouts as persist
from agent.memory.transcript import record_step
from agent.models import get_model
from agent.planning.minutes import MAX_MINUTES, MIN_MINUTES
from safety.gate import is_plan_locked

ModelOption = Annotated[
    str | None,
    typer.Option("--model", help="Backend: offline (default without a key) or openai."),
]
MinutesOption = Annotated[
    int | None,
    typer.Option("--minutes", min=MIN_MINUTES, max=MAX_MINUTES, help="Minutes available today."),
]
VoiceOption = Annotated[bool, typer.Option("--voice", help="Speak the cues (needs espeak-ng).")]

_QUIT = {"quit", "exit", "bye", "pause"}


def register(app: typer.Typer) -> None:
    """Add ``workout`` and ``week`` to the app."""
    app.command("workout")(workout)
    app.command("week")(week_command)


class _Output:
    """Prints steps as text (with voice and countdowns) or one JSON object per line."""

    def __init__(self, as_json: bool, speak: bool, interactive: bool) -> None:
        self.as_json = as_json
        self.speak = speak
        self.interactive = interactive
        self.console = Console()
        self.rested = False
        """A terminal countdown just ended: the session moves on to the next set."""
        self.typed: str | None = None
        """Words typed during that countdown: the next message, handled like any other."""

    def data(self, payload: dict[str, Any]) -> None:
        typer.echo(json.dumps(payload, ensure_ascii=False, default=str))

    def step(self, payload: dict[str, Any]) -> None:
        if self.as_json:
            self.data(payload)
            return
        self.console.print(payload["message"], markup=False, highlight=False)
        if self.speak:
            voice.speak(voice.spoken_form(payload["message"]))

    def turn(self, result: TurnResult) -> None:
        if self.as_json:
            self.data(result.to_json())
        else:
            self.console.print(result.reply, markup=False, highlight=False)
            if self.speak:
                voice.speak(voice.spoken_form(result.reply))
        rest = _rest_of(result)
        if rest:
            self.rest(rest)

    def rest(self, rest: dict[str, Any]) -> None:
        """Rest as data when piped; a skippable countdown in a terminal."""
        if self.as_json or not self.interactive:
            if self.as_json:
                self.data({"event": "rest", **rest})
            return
        typed = countdown(int(rest["rest_s"]), self.console)
        self.rested = True
        self.typed = (typed.strip() or None) if typed is not None else None

    def after_rest(self) -> tuple[bool, str | None]:
        """(a countdown just ended, the words typed during it), clearing both."""
        rested, typed = self.rested, self.typed
        self.rested, self.typed = False, None
        return rested, typed


def _rest_of(result: TurnResult) -> dict[str, Any] | None:
    for call in result.tool_calls:
        data = call.get("result")
        if isinstance(data, dict) and data.get("rest_s"):
            return {"rest_s": data["rest_s"], "next": data.get("next"), "set": data.get("set")}
    return None


def workout(
    user: UserOption = None,
    db: DbOption = None,
    model: ModelOption = None,
    minutes: MinutesOption = None,
    speak: VoiceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Start today's workout, or resume it at the same set; log sets in plain words.

    Enter moves on (ends the warm-up or a rest, or counts the set as done at its target);
    "quit" pauses, and the next `coach workout` resumes where you stopped.
    """
    database = open_db(db)
    now = utc_now()
    user_id = store.ensure_user(database, user_name(user), now)
    interactive = sys.stdin.isatty() and not as_json
    out = _Output(as_json, speak, interactive)
    if speak and not voice.available():
        typer.echo(voice.HOW_TO_ENABLE, err=True)
        out.speak = False
    if is_plan_locked(database, user_id) and persist.in_progress(database, user_id) is None:
        raise CoachError(
            "a safety flag is open, so no new workout starts until the symptom is resolved"
        )
    try:
        started = session.start(database, user_id, now, minutes=minutes)
    except SessionError as exc:
        raise UserInputError(str(exc)) from exc
    if is_plan_locked(database, user_id):
        # Resuming while a safety flag stands: log what was done, or finish; no new sets.
        started = session.pause_for_safety(database, user_id) or started
    coach = Coach(database, get_model(model or default_model_name()))
    conversation_id = store.start_conversation(database, user_id, now)
    record_step(
        database,
        user_id=user_id,
        conversation_id=conversation_id,
        now=now,
        said="(coach workout)",
        tool="start_workout",
        result=started,
    )
    out.step(started)
    failures = _converse(coach, database, user_id, conversation_id, out)
    if failures:
        raise typer.Exit(code=1)


def _read(out: _Output) -> str | None:
    if out.interactive:
        try:
            return out.console.input("[bold cyan]you>[/bold cyan] ")
        except (EOFError, KeyboardInterrupt):
            return None
    line = sys.stdin.readline()
    return None if line == "" else line.rstrip("\n")


def _converse(
    coach: Coach, db: sqlite_utils.Database, user_id: int, conversation_id: int, out: _Output
) -> int:
    """Each line: Enter advances; anything else is a turn (safety screen first).

    Words typed during a rest countdown are the next line, never dropped.
    """
    failures = 0
    pending: list[str] = []
    while (text := pending.pop(0) if pending else _read(out)) is not None:
        if text.strip().lower() in _QUIT:
            break
        if not text.strip():
            typed = _enter(db, user_id, conversation_id, out)
        else:
            try:
                out.turn(coach.turn(user_id, conversation_id, text))
            except CoachError as exc:
                failures += 1
                typer.echo(f"error: {exc}", err=True)
            typed = _after_rest(db, user_id, conversation_id, out)
        if typed:
            pending.append(typed)
    return failures


def _after_rest(
    db: sqlite_utils.Database, user_id: int, conversation_id: int, out: _Output
) -> str | None:
    """After a countdown: the words typed during it, else the next step (Enter)."""
    rested, typed = out.after_rest()
    if not rested:
        return None
    if typed:
        return typed
    return _enter(db, user_id, conversation_id, out)


def _enter(
    db: sqlite_utils.Database, user_id: int, conversation_id: int, out: _Output
) -> str | None:
    """Enter on its own: the next step, unless a safety flag holds the plan.

    Returns words typed during a rest countdown that followed, for the caller to handle.
    """
    if persist.in_progress(db, user_id) is None:
        return None
    if is_plan_locked(db, user_id):
        locked = session.pause_for_safety(db, user_id)
        if locked is not None:
            out.step(locked)
        return None
    now = utc_now()
    payload = session.advance(db, user_id, now)
    record_step(
        db,
        user_id=user_id,
        conversation_id=conversation_id,
        now=now,
        said="(Enter)",
        tool="next_step",
        result=payload,
    )
    out.step(payload)
    if payload.get("rest_s"):
        out.rest({"rest_s": payload["rest_s"], "next": payload.get("next")})
        return _after_rest(db, user_id, conversation_id, out)
    return None


def week_command(user: UserOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """This week: sessions done vs planned, sets per muscle, health floors, your next step."""
    database = open_db(db)
    now = utc_now()
    user_id = store.ensure_user(database, user_name(user), now)
    report = week.checkin(database, user_id, now)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, default=str))
    else:
        typer.echo(report["message"])
