"""``coach review ...`` and ``coach operator add``: the review queue from a terminal.

The same functions (``safety.review``) back the web pages, so a change made here shows
in the browser's audit trail and the other way round. The acting operator is
``--operator``, else ``$COACH_OPERATOR``, else ``cli:<login name>``.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.cli.common import DbOption, JsonOption, fail, one_line_errors, open_db
from agent.clock import utc_now
from agent.errors import UserInputError
from agent.server import operator_auth
from safety import review

review_app = typer.Typer(
    help="Operators: work through the flagged conversations.", no_args_is_help=True
)
operator_app = typer.Typer(help="Operator accounts for the review pages.", no_args_is_help=True)

OperatorOption = Annotated[
    str | None,
    typer.Option(
        "--operator", help="Who is acting (default: $COACH_OPERATOR, else cli:<login name>)."
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``review`` and ``operator`` to the app."""
    app.add_typer(review_app, name="review")
    app.add_typer(operator_app, name="operator")


def _actor(explicit: str | None) -> str:
    if explicit:
        return explicit
    env = os.environ.get("COACH_OPERATOR")
    if env:
        return env
    try:
        return "cli:" + getpass.getuser()
    except (OSError, KeyError):
        return "cli"


def _event_json(event: review.FlagEvent) -> dict[str, Any]:
    return {
        "at": event.at,
        "actor": event.actor,
        "field": event.field,
        "from": event.from_value,
        "to": event.to_value,
        "note": event.note,
    }


@review_app.command("list")
def list_command(
    tier: Annotated[
        str | None, typer.Option("--tier", help="Only this tier: emergency, stop or caution.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="open, in_review, resolved, escalated, false_positive, active (default) or all.",
        ),
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Only this pseudonym.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many flags.")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List flagged conversations: emergencies first, oldest first within a tier."""
    database = open_db(db)
    now = utc_now()
    with one_line_errors(UserInputError, review.ReviewError):
        page = review.list_flags(database, now, tier=tier, status=status, user=user, limit=limit)
    trails = review.flag_events(database, [f.id for f in page.items])
    if as_json:
        oldest = page.oldest_open_emergency
        typer.echo(
            json.dumps(
                {
                    "total": page.total,
                    "oldest_open_emergency": oldest.to_json() if oldest else None,
                    "flags": [
                        {**f.to_json(), "events": [_event_json(e) for e in trails[f.id]]}
                        for f in page.items
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    oldest = page.oldest_open_emergency
    if oldest:
        typer.echo(f"oldest open emergency: #{oldest.id}, waiting {oldest.age}")
    if not page.items:
        typer.echo("no flags match")
        return
    for f in page.items:
        typer.echo(
            f"#{f.id:<5} {f.tier:<9} {f.status:<14} {f.age:>8}  {f.pseudonym}  "
            f"{', '.join(f.signals)}  [{f.assigned_to or '-'}]"
        )
    if page.total > len(page.items):
        typer.echo(f"... {page.total - len(page.items)} more (use --limit or filters)")


def _print_detail(detail: review.FlagDetail) -> None:
    f = detail.flag
    typer.echo(f"flag #{f.id}  {f.tier}  {f.status}  user {f.pseudonym}  raised {f.created_at}")
    typer.echo(f"signals: {', '.join(f.signals)} ({', '.join(f.rule_ids)})")
    typer.echo(f"excerpt: {f.excerpt}")
    typer.echo(
        f"assigned: {f.assigned_to or '-'}  decision: {f.decision or '-'}  "
        f"action: {f.action or '-'}  plan lock: {'active' if f.lock_active else 'cleared'}"
    )
    typer.echo("")
    typer.echo("conversation:")
    for m in detail.transcript:
        marker = ">>" if m.flagged else "  "
        who = f"{m.role}({m.tool_name})" if m.tool_name else m.role
        typer.echo(f"{marker} [{m.created_at}] {who}: {m.content}")
    typer.echo("")
    typer.echo(f"coach replied: {detail.reply or '(nothing stored)'}")
    if detail.later_flags:
        later = ", ".join(f"#{lf.id} {lf.tier} {lf.status}" for lf in detail.later_flags)
        typer.echo(f"later flags in this conversation: {later}")
    typer.echo("")
    typer.echo("audit trail:")
    if not detail.events:
        typer.echo("  (no changes yet)")
    for e in detail.events:
        note = f"  note: {e.note}" if e.note else ""
        typer.echo(
            f"  {e.at}  {e.actor}  {e.field}: {e.from_value or '-'} -> {e.to_value or '-'}{note}"
        )


@review_app.command("show")
def show_command(
    flag_id: Annotated[int, typer.Argument(help="The flag's number.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one flag: the whole conversation (flagged message marked), reply, trail."""
    database = open_db(db)
    with one_line_errors(UserInputError, review.ReviewError):
        detail = review.detail(database, flag_id, utc_now())
    if as_json:
        typer.echo(
            json.dumps(
                {
                    **detail.flag.to_json(),
                    "transcript": [
                        {
                            "id": m.id,
                            "role": m.role,
                            "content": m.content,
                            "created_at": m.created_at,
                            "flagged": m.flagged,
                            "tool_name": m.tool_name,
                        }
                        for m in detail.transcript
                    ],
                    "reply": detail.reply,
                    "later_flags": [lf.id for lf in detail.later_flags],
                    "events": [_event_json(e) for e in detail.events],
                },
                ensure_ascii=False,
            )
        )
        return
    _print_detail(detail)


@review_app.command("assign")
def assign_command(
    flag_id: Annotated[int, typer.Argument(help="The flag's number.")],
    operator_name: Annotated[str, typer.Argument(help="The operator who takes it.")],
    note: Annotated[str | None, typer.Option("--note", help="Optional note.")] = None,
    operator: OperatorOption = None,
    db: DbOption = None,
) -> None:
    """Reserve a flag for an operator; it moves to in review."""
    database = open_db(db)
    with one_line_errors(UserInputError, review.ReviewError):
        flag = review.assign(
            database, flag_id, operator_name, actor=_actor(operator), now=utc_now(), note=note
        )
    typer.echo(f"flag #{flag.id} is {flag.status}, assigned to {flag.assigned_to}")


@review_app.command("resolve")
def resolve_command(
    flag_id: Annotated[int, typer.Argument(help="The flag's number.")],
    status: Annotated[str, typer.Option("--status", help="resolved, escalated or false_positive.")],
    note: Annotated[str, typer.Option("--note", help="What you saw and did (required).")],
    decision: Annotated[
        str | None,
        typer.Option("--decision", help="true_positive, false_positive or wrong_tier."),
    ] = None,
    action: Annotated[
        str | None,
        typer.Option("--action", help="contacted_user, rule_change_needed or added_to_evals."),
    ] = None,
    operator: OperatorOption = None,
    db: DbOption = None,
) -> None:
    """Close a flag with an outcome, a verdict and a note."""
    database = open_db(db)
    with one_line_errors(UserInputError, review.ReviewError):
        flag = review.resolve(
            database,
            flag_id,
            status,
            actor=_actor(operator),
            now=utc_now(),
            note=note,
            decision=decision,
            action=action,
        )
    typer.echo(f"flag #{flag.id} is {flag.status}")


@review_app.command("export")
def export_command(
    path: Annotated[Path, typer.Argument(help="JSONL file to write ('-' for stdout).")],
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only resolved, escalated or false_positive flags."),
    ] = None,
    operator: OperatorOption = None,
    db: DbOption = None,
) -> None:
    """Write labelled examples (text, screen tier, operator verdict) for the safety corpus."""
    database = open_db(db)
    with one_line_errors(UserInputError, review.ReviewError):
        examples = review.export_examples(
            database, actor=_actor(operator), now=utc_now(), status=status
        )
    lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples)
    if str(path) == "-":
        sys.stdout.write(lines)
        return
    try:
        path.write_text(lines, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc}") from exc
    typer.echo(f"wrote {len(examples)} examples to {path}", err=True)


@operator_app.command("add")
def add_operator_command(
    name: Annotated[str, typer.Argument(help="The operator's sign-in name.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from stdin (for scripts)."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Create an operator account for the review pages (password asked for, never echoed)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    database = open_db(db)
    with one_line_errors(UserInputError, review.ReviewError):
        operator_auth.add_operator(database, name, password, utc_now())
    typer.echo(f"operator {name.strip()} added")
