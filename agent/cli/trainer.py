"""``coach trainer ...``: the trainer console from a terminal, every action with ``--json``.

The same service functions back the ``/trainer`` pages, so a decision made here shows in
the browser's thread and audit trail and the other way round. Who acts is
``--trainer``, else ``$COACH_TRAINER``; as with ``coach review``, whoever can open the
database file may act for a trainer, so the password guards the web pages only.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, is_dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.cli.common import DbOption, JsonOption, fail, one_line_errors, open_db, user_name
from agent.clock import utc_now
from agent.coaching import attention, programs
from agent.coaching import trainers as service
from agent.coaching.client_records import default_records
from agent.coaching.client_view import client_view
from agent.errors import UserInputError
from agent.memory import checkins, store
from agent.memory import trainers as trainer_store
from agent.server import trainer_auth

trainer_app = typer.Typer(
    help="Trainers: clients, needs attention, check-ins, programs.", no_args_is_help=True
)
template_app = typer.Typer(help="Program templates.", no_args_is_help=True)
trainer_app.add_typer(template_app, name="template")

TrainerOption = Annotated[
    str | None, typer.Option("--trainer", help="Who acts (default: $COACH_TRAINER).")
]
ClientArg = Annotated[str, typer.Argument(help="The client's user name.")]


def register(app: typer.Typer) -> None:
    """Add ``trainer`` to the app."""
    app.add_typer(trainer_app, name="trainer")


def _emit(data: Any, as_json: bool, text: str) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))
    else:
        typer.echo(text)


def _plain(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


def _as_trainer(db: str | None, explicit: str | None) -> tuple[Any, int, str]:
    """The database and the acting trainer's id and name (else one clear error)."""
    database = open_db(db)
    name = explicit or os.environ.get("COACH_TRAINER")
    if not name:
        raise fail("say who acts: --trainer NAME (or set COACH_TRAINER)")
    row = trainer_store.find_trainer(database, name)
    if row is None:
        raise fail(f"no trainer called {name!r} (create one with `coach trainer add NAME`)")
    return database, row.id, row.name


def _client(database: Any, trainer_id: int, name: str) -> int:
    with one_line_errors():
        return service.client_by_name(database, trainer_id, name)


def _acting(db: str | None, trainer: str | None, client: str) -> tuple[Any, int, int]:
    """The database, the acting trainer's id and their client's id (else one clear error)."""
    database, trainer_id, _ = _as_trainer(db, trainer)
    return database, trainer_id, _client(database, trainer_id, client)


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise fail(f"{what} must be a date like 2026-11-23") from exc


@trainer_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="The trainer's sign-in name.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from stdin (for scripts)."),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a trainer account for the /trainer pages (password asked for, never echoed)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    database = open_db(db)
    with one_line_errors():
        trainer_id = trainer_auth.add_trainer(database, name, password, utc_now())
    _emit({"id": trainer_id, "name": name.strip()}, as_json, f"trainer {name.strip()} added")


@trainer_app.command("list")
def list_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List trainer accounts."""
    rows = trainer_store.list_trainers(open_db(db))
    _emit([_plain(r) for r in rows], as_json, "\n".join(r.name for r in rows) or "no trainers")


@trainer_app.command("invite")
def invite_command(
    trainer: TrainerOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Create an invite code for a client to accept in chat or in the app."""
    database, _, name = _as_trainer(db, trainer)
    code = service.create_invite(database, name, utc_now())
    _emit({"code": code}, as_json, f"invite code: {code} (valid 14 days, shown once)")


@trainer_app.command("accept")
def accept_command(
    code: Annotated[str, typer.Argument(help="The invite code from the trainer.")],
    user: Annotated[str | None, typer.Option("--user", help="The client accepting.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """As a client: accept a trainer's invite (they then see your training data)."""
    database = open_db(db)
    now = utc_now()
    user_id = store.ensure_user(database, user_name(user), now)
    with one_line_errors():
        name = service.accept_invite(database, user_id, code, now)
    _emit({"trainer": name}, as_json, f"linked to trainer {name}")


@trainer_app.command("clients")
def clients_command(
    trainer: TrainerOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """List the trainer's clients."""
    database, trainer_id, _ = _as_trainer(db, trainer)
    rows = trainer_store.clients(database, trainer_id)
    _emit([_plain(r) for r in rows], as_json, "\n".join(r.name for r in rows) or "no clients")


@trainer_app.command("attention")
def attention_command(
    trainer: TrainerOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Who needs attention, and why (rules from `coach trainer rules`)."""
    database, trainer_id, _ = _as_trainer(db, trainer)
    with one_line_errors():
        hits = attention.needs_attention(database, trainer_id, utc_now(), default_records())
    text = "\n".join(f"{h.client}: {h.title} - {h.reason}" for h in hits)
    _emit([_plain(h) for h in hits], as_json, text or "nobody needs attention")


@trainer_app.command("client")
def client_command(
    client: ClientArg,
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Everything on the client's page: profile, program, week, trends, flags, thread."""
    database, trainer_id, user_id = _acting(db, trainer, client)
    view = client_view(database, trainer_id, user_id, utc_now(), default_records())
    lines = [f"{view.name}: status {view.status}, compliance {view.compliance}"]
    if view.draft:
        for change in view.draft.changes:
            lines.append(f"  change #{change.id} {change.kind} [{change.status}]: {change.reason}")
    lines += [f"  {i.at[:16]} {i.kind} {i.author}: {i.text}" for i in view.thread[-10:]]
    _emit(view.to_json(), as_json, "\n".join(lines))


@trainer_app.command("checkins")
def checkins_command(
    trainer: TrainerOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Draft this week's check-in for every client without one (for a weekly cron job)."""
    database, trainer_id, _ = _as_trainer(db, trainer)
    drafted = service.draft_weekly_checkins(database, trainer_id, utc_now())
    _emit({"drafts": drafted}, as_json, f"{len(drafted)} check-in(s) drafted")


@trainer_app.command("checkin")
def checkin_command(
    client: ClientArg,
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a check-in now: summary, proposed changes with reasons, a message (all unsent)."""
    database, trainer_id, user_id = _acting(db, trainer, client)
    draft_id = service.draft_checkin(database, trainer_id, user_id, utc_now())
    found = checkins.draft(database, user_id, draft_id)
    changes = found.changes if found else []
    text = "\n".join(f"#{c.id} {c.kind}: {c.reason}" for c in changes) or "no changes proposed"
    _emit(
        {"draft_id": draft_id, "summary": found.summary if found else {},
         "changes": [_plain(c) for c in changes]},
        as_json,
        text,
    )  # fmt: skip


def _decide(
    database: Any, trainer_id: int, client: str, change_id: int, action: str, edit: dict[str, Any]
) -> checkins.ChangeRow:
    user_id = _client(database, trainer_id, client)
    with one_line_errors():
        service.decide_change(
            database,
            trainer_id,
            user_id,
            change_id,
            "approve" if action == "approve" else "reject",
            utc_now(),
            edit or None,
        )
    row = checkins.change(database, user_id, change_id)
    if row is None:
        raise fail("no such change")
    return row


@trainer_app.command("approve")
def approve_command(
    client: ClientArg,
    change_id: Annotated[int, typer.Argument(help="The change's number.")],
    days: Annotated[int | None, typer.Option("--days", help="Edit: days per week.")] = None,
    minutes: Annotated[int | None, typer.Option("--minutes", help="Edit: minutes.")] = None,
    weeks: Annotated[int | None, typer.Option("--weeks", help="Edit: deload weeks.")] = None,
    with_exercise: Annotated[
        str | None, typer.Option("--with", help="Edit: the replacing exercise.")
    ] = None,
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve a proposed change (optionally edited); it reaches the plan from next Monday."""
    database, trainer_id, _ = _as_trainer(db, trainer)
    edit = {
        k: v
        for k, v in {
            "days_per_week": days,
            "minutes": minutes,
            "weeks": weeks,
            "with": with_exercise,
        }.items()
        if v is not None
    }
    row = _decide(database, trainer_id, client, change_id, "approve", edit)
    _emit(_plain(row), as_json, f"change #{row.id} {row.kind} approved")


@trainer_app.command("reject")
def reject_command(
    client: ClientArg,
    change_id: Annotated[int, typer.Argument(help="The change's number.")],
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a proposed change; it never reaches the plan."""
    database, trainer_id, _ = _as_trainer(db, trainer)
    row = _decide(database, trainer_id, client, change_id, "reject", {})
    _emit(_plain(row), as_json, f"change #{row.id} {row.kind} rejected")


@trainer_app.command("send")
def send_command(
    client: ClientArg,
    message_id: Annotated[int, typer.Argument(help="The drafted message's number.")],
    text: Annotated[str | None, typer.Option("--text", help="Edited text to send.")] = None,
    discard: Annotated[bool, typer.Option("--discard", help="Reject the draft.")] = False,
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a drafted message (as drafted or with --text), or --discard it."""
    database, trainer_id, user_id = _acting(db, trainer, client)
    action = "reject" if discard else "send"
    with one_line_errors():
        service.decide_message(
            database,
            trainer_id,
            user_id,
            message_id,
            "reject" if discard else "send",
            utc_now(),
            text,
        )
    _emit({"message_id": message_id, "action": action}, as_json, f"message #{message_id}: {action}")


@trainer_app.command("message")
def message_command(
    client: ClientArg,
    text: Annotated[str, typer.Argument(help="What to say.")],
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write and send a message to the client."""
    database, trainer_id, user_id = _acting(db, trainer, client)
    with one_line_errors():
        message_id = service.send_message(database, trainer_id, user_id, text, utc_now())
    _emit({"message_id": message_id}, as_json, f"message #{message_id} sent")


@trainer_app.command("status")
def status_command(
    client: ClientArg,
    status: Annotated[str, typer.Argument(help="active, injured, sick or holiday.")],
    starts: Annotated[str | None, typer.Option("--from", help="First day (default today).")] = None,
    ends: Annotated[str | None, typer.Option("--until", help="Last day (default open).")] = None,
    note: Annotated[str, typer.Option("--note", help="Why, for the thread.")] = "",
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set the client's status: it eases or pauses the plan and the compliance count."""
    database, trainer_id, user_id = _acting(db, trainer, client)
    now = utc_now()
    first = _day(starts, "--from") or now.date()
    last = _day(ends, "--until")
    with one_line_errors():
        service.set_status(database, trainer_id, user_id, status, first, last, note, now)
    data = {
        "status": status,
        "from": first.isoformat(),
        "until": last.isoformat() if last else None,
    }
    _emit(data, as_json, f"{client}: {status} from {first}")


@trainer_app.command("unlink")
def unlink_command(
    client: ClientArg,
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """End the coaching link; the trainer loses access at once."""
    database, trainer_id, name = _as_trainer(db, trainer)
    user_id = _client(database, trainer_id, client)
    service.end_link(database, user_id, f"trainer:{name}", utc_now())
    _emit({"unlinked": client}, as_json, f"{client} is no longer your client")


@trainer_app.command("rules")
def rules_command(
    set_file: Annotated[
        Path | None, typer.Option("--set", help="Load tuned rules from this YAML file.")
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Back to the shipped rules.")] = False,
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the needs-attention rules, or --set your tuned copy, or --reset."""
    database, trainer_id, _ = _as_trainer(db, trainer)
    try:
        if set_file is not None:
            attention.save_rules(database, trainer_id, set_file.read_text("utf-8"), utc_now())
        elif reset:
            attention.save_rules(database, trainer_id, None, utc_now())
    except OSError as exc:
        raise fail(f"cannot read {set_file}: {exc.strerror}") from exc
    except UserInputError as exc:
        raise fail(str(exc)) from exc
    text = attention.rules_text_for(database, trainer_id)
    rules = attention.parse_rules(text)
    _emit({"rules": [r.model_dump() for r in rules.rules]}, as_json, text)


@template_app.command("build")
def template_build(
    name: Annotated[str, typer.Argument(help="The template's name.")],
    weeks: Annotated[int, typer.Option("--weeks", help="Weeks, 1-16.")] = 4,
    days: Annotated[int, typer.Option("--days", help="Days per week, 1-7.")] = 3,
    minutes: Annotated[int, typer.Option("--minutes", help="Minutes per session.")] = 45,
    goal: Annotated[str, typer.Option("--goal", help="The planner's goal.")] = "general_fitness",
    level: Annotated[str, typer.Option("--level", help="beginner|intermediate|advanced.")] = (
        "beginner"
    ),
    equipment: Annotated[str, typer.Option("--equipment", help="Comma-separated.")] = "bodyweight",
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Build a program template with the planner."""
    database, trainer_id, _ = _as_trainer(db, trainer)
    with one_line_errors():
        template = programs.build_template(
            name,
            weeks=weeks,
            days_per_week=days,
            minutes=minutes,
            goal=programs.goal_of(goal),
            level=level,
            equipment=[e.strip() for e in equipment.split(",") if e.strip()],
        )
    template_id = programs.save(database, trainer_id, template, utc_now())
    _emit(
        {"id": template_id, **template.model_dump()},
        as_json,
        f"template #{template_id}\n{programs.template_yaml(template)}",
    )


@template_app.command("show")
def template_show(
    template_id: Annotated[int, typer.Argument(help="The template's number.")],
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print a template as the YAML you can edit and load with `template edit`."""
    database, trainer_id, _ = _as_trainer(db, trainer)
    with one_line_errors():
        template = programs.load(database, trainer_id, template_id)
    _emit(template.model_dump(), as_json, programs.template_yaml(template))


@template_app.command("edit")
def template_edit(
    template_id: Annotated[int, typer.Argument(help="The template's number.")],
    file: Annotated[Path, typer.Argument(help="The edited YAML.")],
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace a template with an edited YAML file (checked against the catalog)."""
    database, trainer_id, _ = _as_trainer(db, trainer)
    try:
        template = programs.parse_template(file.read_text("utf-8"))
        programs.save(database, trainer_id, template, utc_now(), template_id)
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from exc
    except UserInputError as exc:
        raise fail(str(exc)) from exc
    _emit({"id": template_id}, as_json, f"template #{template_id} saved")


@template_app.command("assign")
def template_assign(
    client: ClientArg,
    template_id: Annotated[int, typer.Argument(help="The template's number.")],
    starts: Annotated[str, typer.Option("--from", help="Start date, e.g. 2026-11-23.")],
    trainer: TrainerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assign a template to a client from a start date."""
    database, trainer_id, user_id = _acting(db, trainer, client)
    first = _day(starts, "--from")
    assert first is not None  # --from is required
    with one_line_errors():
        programs.assign(database, trainer_id, user_id, template_id, first, utc_now())
    data = {"client": client, "template_id": template_id, "from": first.isoformat()}
    _emit(data, as_json, f"{client}: template #{template_id} from {first}")
