"""``coach serve`` (the HTTP API and web chat) and ``coach user add`` (bearer tokens)."""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

import typer

from agent.cli.common import DbOption, open_db
from agent.clock import utc_now
from agent.config import default_model_name, resolve_db_path
from agent.errors import ConfigurationError
from agent.server.auth import issue_token

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
    model_workers: Annotated[
        int | None,
        typer.Option(
            "--model-workers",
            help="Chat turns that may wait on the model at once ($COACH_MODEL_WORKERS, 64); "
            "safety replies never wait for these.",
            min=1,
            max=1024,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Server processes sharing the port and the database ($COACH_WORKERS, 1): "
            "one Python process uses one core at a time. Rate limits are kept per "
            "process; one person's turns stay in order across processes.",
            min=1,
            max=64,
        ),
    ] = None,
    model_processes: Annotated[
        int | None,
        typer.Option(
            "--model-processes",
            help="Child processes per server process that run model steps, at a lower OS "
            "priority, so safety replies never share a process with them "
            "($COACH_MODEL_PROCESSES, 1); 0 runs them in the server's process.",
            min=0,
            max=16,
        ),
    ] = None,
    graceful_seconds: Annotated[
        int, typer.Option("--graceful-seconds", help="Wait this long for turns on shutdown.")
    ] = 30,
) -> None:
    """Serve the HTTP API, the web chat at / and the operator pages at /review."""
    import uvicorn

    from agent.server.app import APP_FACTORY, SETTINGS_VARIABLE, configure_logging, create_app
    from agent.server.state import DEFAULT_MODEL_PROCESSES, DEFAULT_MODEL_WORKERS

    configure_logging()
    per_minute = rate_per_minute or _env_int("COACH_RATE", 30)
    operators = (
        operator_pages
        if operator_pages is not None
        else os.environ.get("COACH_OPERATOR_PAGES", "1") not in {"0", "false", "no"}
    )
    processes = workers or _env_int("COACH_WORKERS", 1)
    settings: dict[str, Any] = {
        "db_path": resolve_db_path(db),
        "model_name": model or default_model_name(),
        "rate_capacity": float(per_minute),
        "rate_per_second": per_minute / 60.0,
        "operator_auth": operators,
        "model_workers": model_workers or _env_int("COACH_MODEL_WORKERS", DEFAULT_MODEL_WORKERS),
        "processes": processes,
        "model_processes": (
            model_processes
            if model_processes is not None
            else _env_int("COACH_MODEL_PROCESSES", DEFAULT_MODEL_PROCESSES)
        ),
    }
    listen: dict[str, Any] = {
        "host": host or os.environ.get("COACH_HOST") or "127.0.0.1",
        "port": port if port is not None else _env_int("COACH_PORT", 8000),
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": graceful_seconds,
        "limit_concurrency": 512,
    }
    app = create_app(**settings)  # opens and migrates once here: a bad path fails now
    if processes == 1:
        uvicorn.Server(uvicorn.Config(app, **listen)).run()
        return
    # Each worker process builds its own app from the same settings, passed through the
    # environment, and listens on a socket of its own (``agent.server.processes``).
    os.environ[SETTINGS_VARIABLE] = json.dumps(settings)
    from agent.server.processes import serve_processes

    serve_processes(APP_FACTORY, processes, listen)


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
