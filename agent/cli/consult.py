"""``coach consult`` (the consultation) and ``coach assess ...`` (optional home tests)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Annotated

import sqlite_utils
import typer
from rich.console import Console

import prompts
from agent.cli.common import DbOption, JsonOption, UserOption, fail, open_db, user_name
from agent.clock import utc_now
from agent.coaching import assessments, consultation
from agent.memory import store

assess_app = typer.Typer(help="Optional home fitness tests: list, how-to, guide, results.")


def register(app: typer.Typer) -> None:
    """Add ``consult`` and the ``assess`` group to the app."""
    app.command("consult")(consult)
    app.add_typer(assess_app, name="assess")


def form_url(host: str | None = None, port: int | None = None) -> str:
    """Where ``coach serve`` shows the consultation form."""
    host = host or os.environ.get("COACH_HOST") or "127.0.0.1"
    port = port or int(os.environ.get("COACH_PORT") or 8000)
    return f"http://{host}:{port}/consult"


def consult(
    user: UserOption = None,
    db: DbOption = None,
    form: Annotated[
        bool, typer.Option("--form", help="Print the link to the form page of `coach serve`.")
    ] = False,
    show: Annotated[bool, typer.Option("--show", help="Print the consultation record.")] = False,
    correct: Annotated[
        str | None,
        typer.Option("--correct", help="Correct one answer: QUESTION_ID=new answer."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The consultation: goals, history, schedule, preferences, barriers, PAR-Q+.

    Without options it asks the questions still missing, one per line on stdin.
    """
    database = open_db(db)
    now = utc_now()
    user_id = store.ensure_user(database, user_name(user), now)
    if form:
        typer.echo(f"Open {form_url()} while `coach serve` runs; sign in with your token.")
        typer.echo("Your answers are saved as you go, so you can finish over several visits.")
        return
    if correct is not None:
        question_id, sep, text = correct.partition("=")
        if not sep or not text.strip():
            raise fail("--correct needs QUESTION_ID=new answer, e.g. days_per_week=4")
        try:
            turn = consultation.correct(database, user_id, question_id.strip(), text, now)
        except KeyError as exc:
            raise fail(
                f"unknown question {question_id.strip()!r} (see coach consult --show)"
            ) from exc
        if turn.not_understood:
            raise fail(f"could not read {text!r} as an answer to {question_id.strip()}")
        show = True
    if show:
        record = consultation.record_of(database, user_id, now)
        if record is None:
            raise fail("no consultation yet: run `coach consult` or `coach consult --form`")
        _print_record(record, as_json)
        return
    _ask(database, user_id)


def _print_record(record: consultation.ConsultationRecord, as_json: bool) -> None:
    if as_json:
        typer.echo(record.model_dump_json())
        return
    typer.echo(f"Consultation: {record.status}")
    if record.goal:
        agreed = "agreed" if record.goal_agreed else "draft"
        typer.echo(f"Goal ({agreed}): {record.goal.text}")
    for item in record.answers:
        shown = item.raw if item.raw is not None else "-"
        flag = " (unclear: please correct)" if item.unclear else ""
        typer.echo(f"  {item.id:<20} {item.label}: {shown}{flag}")


def _ask(database: sqlite_utils.Database, user_id: int) -> None:
    record = consultation.start(database, user_id, utc_now())
    if record.next_question_text is None:
        typer.echo("Your consultation is complete (coach consult --show to read it).")
        return
    interactive = sys.stdin.isatty()
    typer.echo(record.next_question_text)
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        turn = consultation.answer(database, user_id, text, utc_now())
        typer.echo(turn.say)
        if turn.record.next_question is None:
            return
        if interactive:
            typer.echo("> ", nl=False)


# -- coach assess ---------------------------------------------------------------------


def _context(user: str | None, db: str | None) -> tuple[sqlite_utils.Database, int]:
    database = open_db(db)
    return database, store.ensure_user(database, user_name(user), utc_now())


@assess_app.command("list")
def assess_list(user: UserOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Tests that suit your goal (with why any is not advised), retests due, last results."""
    database, user_id = _context(user, db)
    now = utc_now()
    offers = assessments.offers(assessments.facts_for(database, user_id, now))
    due = assessments.due_reassessments(database, user_id, now)
    if as_json:
        payload = {
            "offers": [o.model_dump() for o in offers],
            "due": [d.model_dump() for d in due],
        }
        typer.echo(json.dumps(payload, sort_keys=True))
        return
    for offer in offers:
        state = "ok" if offer.allowed else "not now: " + "; ".join(offer.excluded_because)
        typer.echo(f"{offer.test_id:<14} {offer.name} ({state})")
    for item in due:
        typer.echo(f"due: {item.name} (last {item.last_taken}, due {item.due_on})")


TestArg = Annotated[str, typer.Argument(help="Test id, e.g. pushup (see coach assess list).")]


def _spec(test_id: str) -> assessments.TestSpec:
    try:
        return assessments.spec(test_id)
    except KeyError as exc:
        raise fail(str(exc).strip("'\"")) from exc


@assess_app.command("protocol")
def assess_protocol(test_id: TestArg) -> None:
    """How to do one test, and its safety notes."""
    test = _spec(test_id)
    typer.echo(test.name)
    for number, step in enumerate(test.protocol, start=1):
        typer.echo(f"  {number}. {step}")
    for note in test.safety:
        typer.echo(f"  Safety: {note}")


@assess_app.command("record")
def assess_record(
    test_id: TestArg,
    value: Annotated[float, typer.Argument(help="The result in the test's unit.")],
    user: UserOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Store a result you did (rated, compared with last time)."""
    _spec(test_id)
    database, user_id = _context(user, db)
    try:
        done = assessments.record(database, user_id, test_id, value, utc_now(), source="guided")
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(done.model_dump_json())
        return
    typer.echo(
        prompts.render(
            "assessments/recorded.j2",
            result=done.result,
            excluded=done.excluded_because,
            next_due=done.next_due,
        )
    )


@assess_app.command("interval")
def assess_interval(
    test_id: TestArg,
    days: Annotated[int, typer.Argument(help="Days between tests (7-365; default 35).")],
    user: UserOption = None,
    db: DbOption = None,
) -> None:
    """Change how often a test comes due for reassessment."""
    _spec(test_id)
    database, user_id = _context(user, db)
    try:
        assessments.set_interval(database, user_id, test_id, days, utc_now())
    except ValueError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"{test_id}: retest every {days} days")


@assess_app.command("guide")
def assess_guide(
    test_id: TestArg,
    user: UserOption = None,
    db: DbOption = None,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Print the steps without running the timers.")
    ] = False,
) -> None:
    """A live session for one test: protocol, safety, then timed steps with a metronome cue."""
    test = _spec(test_id)
    database, user_id = _context(user, db)
    reasons = assessments.exclusions(test, assessments.facts_for(database, user_id, utc_now()))
    if reasons:
        raise fail(f"{test.name} is not advised for you right now: {'; '.join(reasons)}")
    assess_protocol(test_id)
    console = Console()
    wait = not no_wait and sys.stdin.isatty()
    for step in test.guide:
        cue = f" (metronome {step.metronome_bpm} bpm)" if step.metronome_bpm else ""
        timing = f" [{step.seconds} s]" if step.seconds else ""
        typer.echo(f"- {step.say}{timing}{cue}")
        if wait and step.seconds:
            run_timer(step.seconds, step.metronome_bpm, console.bell)
    typer.echo(f"When you have your result: coach assess record {test_id} VALUE")


def run_timer(
    seconds: int,
    bpm: int | None,
    beat: Callable[[], None],
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Count ``seconds`` down, calling ``beat`` on every metronome beat; returns beats given."""
    interval = 60.0 / bpm if bpm else 1.0
    beats = 0
    elapsed = 0.0
    while elapsed < seconds:
        if bpm:
            beat()
            beats += 1
        step = min(interval, seconds - elapsed)
        sleep(step)
        elapsed += step
    return beats
