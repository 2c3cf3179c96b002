"""The ``coach`` app: one typer app, each command group registered from its own module."""

from __future__ import annotations

import logging
import sys

import typer

from agent.cli import chat, consult, workout
from agent.cli import eval as eval_cli
from agent.cli import memory as memory_cli
from agent.cli import plan as plan_cli
from agent.cli import progress as progress_cli
from agent.cli import readiness as readiness_cli
from agent.cli import review as review_cli
from agent.cli import safety as safety_cli
from agent.cli import serve as serve_cli
from agent.cli import trainer as trainer_cli
from agent.errors import CoachError

app = typer.Typer(
    name="coach",
    help="coachloop: an AI personal trainer that plans, coaches, adapts and remembers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """coachloop: an AI personal trainer that plans, coaches, adapts and remembers."""


chat.register(app)
workout.register(app)
eval_cli.register(app)
review_cli.register(app)
memory_cli.register(app)
serve_cli.register(app)
safety_cli.register(app)
plan_cli.register(app)
consult.register(app)
progress_cli.register(app)
readiness_cli.register(app)
trainer_cli.register(app)


def run() -> None:
    """Console-script entry point: errors become one line and exit code 1, usage errors 2."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except CoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the last line of defence against tracebacks
        logging.getLogger("coach").debug("unexpected error", exc_info=True)
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
