"""``coach memory``, ``coach export``, ``coach delete`` and ``coach import``.

``coach memory`` shows exactly what the coach knows and uses about a person and lets
them correct or forget it; the other three move a person's data in and out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import sqlite_utils
import typer

from agent.cli.common import DbOption, JsonOption, UserOption, fail, open_db, user_name
from agent.clock import utc_now
from agent.coaching import imports
from agent.errors import CoachError
from agent.importers import KINDS
from agent.memory import intake, notes, portability, store
from agent.memory.context import build_context, count_tokens, gather

memory_app = typer.Typer(
    name="memory",
    help="Show what the coach knows about you, and correct or forget it.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def register(app: typer.Typer) -> None:
    """Add ``memory``, ``export``, ``delete`` and ``import`` to the app."""
    app.add_typer(memory_app)
    app.command("export")(export)
    app.command("delete")(delete)
    app.command("import")(import_file)


def _existing_user(database: sqlite_utils.Database, name: str) -> int:
    user_id = store.find_user(database, name)
    if user_id is None:
        raise fail(f"no user called {name!r} in this database")
    return user_id


def _state(ctx: typer.Context) -> dict[str, Any]:
    state: dict[str, Any] = ctx.obj
    return state


@memory_app.callback()
def memory(
    ctx: typer.Context,
    user: UserOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show what the coach knows and uses: profile, constraints, notes, recent history."""
    ctx.obj = {"user": user_name(user), "db": db, "json": as_json}
    if ctx.invoked_subcommand is not None:
        return
    database = open_db(db)
    user_id = _existing_user(database, ctx.obj["user"])
    now = utc_now()
    view = gather(database, user_id, now)
    if as_json:
        payload = view.model_dump(mode="json")
        payload["context"] = build_context(database, user_id, now)
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _print_view(database, user_id, view.model_dump(mode="json"))


def _print_view(database: sqlite_utils.Database, user_id: int, view: dict[str, Any]) -> None:
    profile = view["profile"]
    typer.echo(f"Pseudonym (what a model sees instead of your name): {view['pseudonym']}")
    typer.echo("Profile:")
    for field in ("goal", "level", "equipment", "days_per_week", "session_minutes", "units"):
        value = profile[field]
        shown = ", ".join(value) if isinstance(value, list) else value
        typer.echo(f"  {field}: {shown if shown not in (None, '') else '(unknown)'}")
    if view["missing"]:
        typer.echo(f"Still to ask: {', '.join(view['missing'])}")
    typer.echo("Notes (forget with: coach memory forget ID):")
    active = notes.notes(database, user_id, "active")
    for note in active:
        subject = f" [{note['subject']}]" if note["subject"] else ""
        typer.echo(f"  #{note['id']} {note['kind']}{subject}: {note['text']}")
    if not active:
        typer.echo("  (none)")
    typer.echo("Recent workouts:")
    for workout in view["recent_workouts"]:
        names = ", ".join(e["name"] for e in workout["exercises"]) or workout["skip_reason"] or ""
        typer.echo(f"  {workout['date']} {workout['status']}: {names}")
    if not view["recent_workouts"]:
        typer.echo("  (none)")
    adherence = view["adherence"]
    typer.echo(
        f"Adherence: {adherence['total_workouts']} workouts, streak "
        f"{adherence['current_streak_weeks']} weeks, target "
        f"{adherence['target_per_week'] or 'unknown'} days/week"
    )
    if view["flags"]:
        typer.echo(f"Safety flags open: {len(view['flags'])}")


@memory_app.command("context")
def show_context(ctx: typer.Context) -> None:
    """Print the exact context text the model receives, and its size in tokens."""
    state = _state(ctx)
    database = open_db(state["db"])
    text = build_context(database, _existing_user(database, state["user"]), utc_now())
    tokens, method = count_tokens(text)
    if state["json"]:
        typer.echo(json.dumps({"context": text, "tokens": tokens, "tokenizer": method}))
    else:
        typer.echo(text)
        typer.echo(f"\n({tokens} tokens, {method})", err=True)


@memory_app.command("forget")
def forget(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="A note id, its subject, or words from it.")],
) -> None:
    """Forget a note (its text is erased, not just hidden)."""
    state = _state(ctx)
    database = open_db(state["db"])
    user_id = _existing_user(database, state["user"])
    ids = notes.forget_note(database, user_id, target, utc_now())
    if not ids:
        raise fail(f"no active note matches {target!r} (see: coach memory)")
    typer.echo(f"forgot note(s): {', '.join(f'#{i}' for i in ids)}")


@memory_app.command("resolve")
def resolve(
    ctx: typer.Context,
    area: Annotated[str, typer.Argument(help="The body area that is fine again, e.g. knee.")],
) -> None:
    """Mark a constraint resolved ("my knee is fine again")."""
    state = _state(ctx)
    database = open_db(state["db"])
    ids = notes.resolve_constraint(
        database, _existing_user(database, state["user"]), area, utc_now()
    )
    if not ids:
        raise fail(f"no active constraint on {area!r}")
    typer.echo(f"resolved: {', '.join(f'#{i}' for i in ids)}")


_SETTABLE = ("goal", "level", "equipment", "days_per_week", "session_minutes", "units")


def _parse_assignment(item: str) -> tuple[str, Any]:
    if "=" not in item:
        raise typer.BadParameter(f"{item!r}: use FIELD=VALUE, e.g. level=intermediate")
    field, _, raw = item.partition("=")
    field = field.strip().replace("-", "_")
    if field not in _SETTABLE:
        raise typer.BadParameter(f"unknown field {field!r}; one of {', '.join(_SETTABLE)}")
    value: Any = raw.strip() or None
    if value is not None and field in {"days_per_week", "session_minutes"}:
        if not str(value).isdigit():
            raise typer.BadParameter(f"{field} must be a whole number")
        value = int(value)
    return field, value


@memory_app.command("set")
def set_fields(
    ctx: typer.Context,
    assignments: Annotated[
        list[str],
        typer.Argument(help="FIELD=VALUE pairs, e.g. level=intermediate equipment=dumbbells,band"),
    ],
) -> None:
    """Correct profile fields; an empty value (level=) clears a field so the coach asks again."""
    state = _state(ctx)
    parsed = [_parse_assignment(a) for a in assignments]
    database = open_db(state["db"])
    user_id = _existing_user(database, state["user"])
    now = utc_now()
    for field, value in parsed:
        try:
            intake.correct_profile(database, user_id, field, value, now)
        except ValueError as exc:
            raise fail(f"cannot set {field}: {str(exc).splitlines()[0]}") from exc
    profile = store.get_profile(database, user_id)
    typer.echo(json.dumps(profile.model_dump(mode="json"), ensure_ascii=False))


def export(
    user: UserOption = None,
    db: DbOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write into (default: ./export-USER).")
    ] = None,
) -> None:
    """Export all of your data as JSON (and set logs as CSV)."""
    name = user_name(user)
    database = open_db(db)
    data = portability.export_user(database, _existing_user(database, name))
    target = out or Path(f"export-{store.user_pseudonym(database, data['users'][0]['id'])}")
    for path in portability.write_export(data, target):
        typer.echo(str(path))


def delete(
    user: UserOption = None,
    db: DbOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete all of your data from this database (an audit entry keeps only counts)."""
    name = user_name(user)
    database = open_db(db)
    user_id = _existing_user(database, name)
    if not yes and sys.stdin.isatty() and not typer.confirm(f"Delete everything about {name}?"):
        raise typer.Exit(code=1)
    counts = portability.delete_user(database, user_id, utc_now())
    typer.echo(f"deleted {sum(counts.values())} rows")


def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            help="An export: Apple Health zip/xml, Garmin FIT or CSV, GPX, TCX, Oura, WHOOP, "
            "Fitbit, Strong, Hevy or FitNotes."
        ),
    ],
    user: UserOption = None,
    db: DbOption = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help=f"The kind of export, or auto: {', '.join(KINDS)}."),
    ] = "auto",
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="Weight unit for lifting logs that name none (kg or lb)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import a watch, app or lifting-log export (the kind is detected)."""
    if fmt != "auto" and fmt not in KINDS:
        raise typer.BadParameter(f"--format must be auto or one of: {', '.join(KINDS)}")
    if unit not in (None, "kg", "lb"):
        raise typer.BadParameter("--unit must be kg or lb")
    if not file.is_file():
        raise fail(f"cannot read {file}: no such file")
    database = open_db(db)
    now = utc_now()
    user_id = store.ensure_user(database, user_name(user), now)
    try:
        report = imports.import_path(
            database,
            user_id,
            file,
            now,
            kind=None if fmt == "auto" else fmt,
            unit="lb" if unit == "lb" else "kg" if unit == "kg" else None,
        )
    except CoachError as exc:
        raise fail(f"{file.name}: {exc}") from exc
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from exc
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    typer.echo(imports.summary_line(report))
    for reason, count in report.get("skipped", {}).items():
        typer.echo(f"  skipped {count}: {reason}")
    for note in report.get("notes", []):
        typer.echo(f"  note: {note}")
    if report.get("unmatched"):
        typer.echo("not in the catalog (kept under their own names):")
        for name, count in report["unmatched"].items():
            typer.echo(f"  {name}: {count} sets")
