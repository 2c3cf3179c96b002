"""``coach plan``: today's session from the stored profile and history, with overrides.

The session is stored as today's planned session (so ``coach chat`` and the live session
continue from it) and printed as a readable table, or as JSON with ``--json``:
``{"est_minutes": float, "exercises": [{"id", "name", "pattern", "equipment", "sets",
"reps", "rest_s", "tags", ...}], ...}``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.common import DbOption, JsonOption, UserOption, fail, open_db, user_name
from agent.clock import utc_now
from agent.coaching.plan import Overrides, areas, build_request
from agent.errors import ToolRetry
from agent.memory import store
from agent.memory.workouts import save_planned
from agent.planning.catalog import LEVELS
from agent.planning.minutes import MAX_MINUTES, MIN_MINUTES
from agent.planning.models import GOALS, Session
from agent.planning.session import build_session
from safety.flags import is_plan_locked

MinutesOption = Annotated[
    int | None,
    typer.Option(
        "--minutes",
        min=MIN_MINUTES,
        max=MAX_MINUTES,
        help=f"Minutes available today ({MIN_MINUTES}-{MAX_MINUTES}).",
    ),
]
EquipmentOption = Annotated[
    str | None,
    typer.Option("--equipment", help="Equipment today, comma-separated (e.g. dumbbells,bench)."),
]
GoalOption = Annotated[
    str | None, typer.Option("--goal", help=f"Goal for today: {', '.join(GOALS)}.")
]
LevelOption = Annotated[
    str | None, typer.Option("--level", help=f"Training level: {', '.join(LEVELS)}.")
]
EnergyOption = Annotated[
    int | None, typer.Option("--energy", min=1, max=5, help="Energy today, 1 (empty) to 5.")
]
AvoidOption = Annotated[
    str | None,
    typer.Option("--avoid", help="Body areas to protect, comma-separated (e.g. knee,shoulder)."),
]


_TITLES = {"strength": "Workout", "recovery": "Recovery session", "mobility": "Mobility session"}


def register(app: typer.Typer) -> None:
    """Add ``plan`` to the app."""
    app.command("plan")(plan)


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def plan(
    user: UserOption = None,
    db: DbOption = None,
    minutes: MinutesOption = None,
    equipment: EquipmentOption = None,
    goal: GoalOption = None,
    level: LevelOption = None,
    energy: EnergyOption = None,
    avoid: AvoidOption = None,
    as_json: JsonOption = False,
) -> None:
    """Plan today's session and print it (stored as today's plan)."""
    if goal is not None and goal not in GOALS:
        raise fail(f"unknown goal {goal!r}; use one of: {', '.join(GOALS)}")
    if level is not None and level not in LEVELS:
        raise fail(f"unknown level {level!r}; use one of: {', '.join(LEVELS)}")
    equipment_items = _split(equipment)
    if equipment is not None and not equipment_items:
        raise fail("--equipment needs at least one item (use 'bodyweight' for none)")
    database = open_db(db)
    now = utc_now()
    user_id = store.ensure_user(database, user_name(user), now)
    if is_plan_locked(database, user_id):
        raise fail(
            "a safety flag is open for this person: no new plan until they report the "
            "symptom has resolved (see coach review)"
        )
    overrides = Overrides(
        minutes=minutes,
        equipment=equipment_items,
        goal=goal,
        level=level,
        energy=energy,
    )
    try:
        overrides.avoid = areas(_split(avoid) or []) or None
        request, history = build_request(database, user_id, now, overrides, carry_today=False)
    except ToolRetry as exc:
        raise fail(str(exc)) from exc
    session = build_session(request, history)
    save_planned(database, user_id, session, now)
    if as_json:
        typer.echo(session.model_dump_json())
    else:
        render(session)


def render(session: Session) -> None:
    """Print a session as a readable rich table."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    title = (
        f"[bold]{_TITLES[session.kind]}[/bold] - about {session.est_minutes:g} of "
        f"{session.minutes} minutes ({session.focus.replace('_', ' ')}, "
        f"{session.goal.replace('_', ' ')}, readiness {session.readiness.replace('_', ' ')})"
    )
    console.print(title)
    for reason in session.reasons:
        console.print(f"  - {reason}")
    if session.warmup.items:
        console.print(f"\n[bold]Warm-up[/bold] ({session.warmup.minutes:g} min)")
        for item in session.warmup.items:
            console.print(f"  {item.name}: {item.detail}")
    table = Table(show_header=True, header_style="bold")
    for column in ("Block", "Exercise", "Sets x reps", "Rest", "RIR", "Load"):
        table.add_column(column)
    formats = {b.label: b.format for b in session.blocks}
    for p in session.exercises:
        reps = p.reps + (" /side" if p.per_side else "")
        table.add_row(
            f"{p.block} {formats.get(p.block, '')}",
            p.name,
            f"{p.sets} x {reps}",
            f"{p.rest_s}s" if p.rest_s else "-",
            "-" if p.target_rir is None else str(p.target_rir),
            p.load.text if p.load else "-",
        )
    console.print()
    console.print(table)
    for block in session.blocks:
        console.print(f"  {block.label}: {block.note}")
    console.print("\n[bold]Cues[/bold]")
    for p in session.exercises:
        console.print(f"  {p.name}: {'; '.join(p.cues)}")
    if session.cooldown.items:
        console.print(f"\n[bold]Cool-down[/bold] ({session.cooldown.minutes:g} min)")
        for item in session.cooldown.items:
            console.print(f"  {item.name}: {item.detail}")
