"""``coach serve`` (the HTTP API and web chat) and ``coach user add`` (bearer tokens)."""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.cli.common import DbOption, open_db
from agent.clock import utc_now
from agent.config import default_model_name, resolve_db_path
from agent.errors import ConfigurationError
from agent.server.auth import issue_token

if TYPE_CHECKING:
    from fastapi import FastAPI

user_app = typer.Typer(help="Accounts of people who use the coach over HTTP.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``user`` group to the app."""
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc


def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Interface to listen on ($COACH_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port ($COACH_PORT, 8000).", min=0, max=65535)
    ] = None,
    db: DbOption = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Backend: offline or openai ($COACH_BACKEND)."),
    ] = None,
    operator_pages: Annotated[
        bool | None,
        typer.Option(
            "--operator-pages/--no-operator-pages",
            help="Serve the signed-in operator review pages under /review "
            "($COACH_OPERATOR_PAGES=0 turns them off).",
        ),
    ] = None,
    rate_per_minute: Annotated[
        int | None,
        typer.Option(
            "--rate-per-minute", help="Requests per user per minute ($COACH_RATE, 30).", min=1
        ),
    ] = None,
    graceful_seconds: Annotated[
        int, typer.Option("--graceful-seconds", help="Wait this long for turns on shutdown.")
    ] = 30,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Server processes sharing the port and the database ($COACH_WORKERS, 1). "
            "More than one is for a PostgreSQL store (COACH_DB=postgresql://...); rate "
            "limits and one person's turn order are kept per process.",
            min=1,
            max=64,
        ),
    ] = None,
) -> None:
    """Serve the HTTP API, the web chat at / and the operator pages at /review."""
    import uvicorn

    _log_as_json()
    per_minute = rate_per_minute or _env_int("COACH_RATE", 30)
    operators = (
        operator_pages
        if operator_pages is not None
        else os.environ.get("COACH_OPERATOR_PAGES", "1") not in {"0", "false", "no"}
    )
    processes = workers or _env_int("COACH_WORKERS", 1)
    target = resolve_db_path(db)
    options: dict[str, Any] = {
        "host": host or os.environ.get("COACH_HOST") or "127.0.0.1",
        "port": port if port is not None else _env_int("COACH_PORT", 8000),
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": graceful_seconds,
        "limit_concurrency": 512,
    }
    if processes > 1:
        # Each worker is a fresh process that builds its own app (its own pool, limiter
        # and turn queues) from the environment; the settings travel there. Open the
        # store once here first, so a bad database fails in one line before any fork.
        open_db(target).close()
        os.environ.update(
            {
                "COACH_DB": target,
                "COACH_BACKEND": model or default_model_name(),
                "COACH_RATE": str(per_minute),
                "COACH_OPERATOR_PAGES": "1" if operators else "0",
            }
        )
        uvicorn.run(WORKER_APP, factory=True, workers=processes, **options)
        return
    from agent.server.app import create_app

    app = create_app(
        target,
        model or default_model_name(),
        rate_capacity=float(per_minute),
        rate_per_second=per_minute / 60.0,
        operator_auth=operators,
    )
    uvicorn.Server(uvicorn.Config(app, **options)).run()


WORKER_APP = "agent.cli.serve:worker_app"
"""What each ``coach serve --workers N`` process imports and calls to build its app."""


def _log_as_json() -> None:
    from agent.server.app import JsonLogFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    server_log = logging.getLogger("coach.server")
    server_log.handlers = [handler]
    server_log.setLevel(logging.INFO)
    server_log.propagate = False


def worker_app() -> FastAPI:
    """One ``coach serve --workers N`` process's app, from the settings ``serve`` exported."""
    from agent.server.app import create_app

    _log_as_json()
    per_minute = _env_int("COACH_RATE", 30)
    return create_app(
        resolve_db_path(None),
        default_model_name(),
        rate_capacity=float(per_minute),
        rate_per_second=per_minute / 60.0,
        operator_auth=os.environ.get("COACH_OPERATOR_PAGES", "1") == "1",
    )


@user_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="The person's name (created if new).")],
    db: DbOption = None,
) -> None:
    """Create a user (or replace their token) and print their bearer token once."""
    if not name.strip() or len(name) > 100:
        raise ConfigurationError("the name must be 1 to 100 characters")
    database = open_db(db)
    _, token = issue_token(database, name.strip(), utc_now())
    typer.echo(token)
    typer.echo(
        "Keep this token: it is shown once. Sign in at the web chat with it, or send "
        "'Authorization: Bearer <token>'.",
        err=True,
    )
