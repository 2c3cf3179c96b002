"""``coach progress``: the progress report in the terminal, as JSON, or as an HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.cli.common import DbOption, JsonOption, UserOption, fail, open_db, user_name
from agent.clock import utc_now
from agent.coaching import progress as progress_report
from agent.memory import store


def register(app: typer.Typer) -> None:
    """Add ``progress`` to the app."""
    app.command("progress")(progress)


def progress(
    user: UserOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write a self-contained HTML report to this file."),
    ] = None,
) -> None:
    """Your goal, assessments over time, consistency and strength trends."""
    database = open_db(db)
    now = utc_now()
    user_id = store.ensure_user(database, user_name(user), now)
    report = progress_report.build(database, user_id, now)
    if html is not None:
        try:
            html.write_text(progress_report.to_html(report), encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {html}: {exc.strerror or exc}") from exc
        typer.echo(f"wrote {html}")
        return
    if as_json:
        typer.echo(report.model_dump_json())
        return
    typer.echo(progress_report.to_text(report))
