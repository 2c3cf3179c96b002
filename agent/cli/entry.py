"""The ``coach`` console script: start-up settings, then the command.

Every command goes through the typer app of :mod:`agent.cli.main`, except one: ``coach
chat`` with nothing after it, how a person starts the coach and how a pipe feeds it. That
command line has nothing to parse, yet importing typer (and the click it carries) was
about a tenth of a one-line chat's start, so it goes straight to the chat
(:mod:`agent.cli.chat_session`, which the typer command calls too). Any option, any other
command, ``--help``: the typer app, which knows ``chat`` as well. This module imports
neither typer nor the app until it needs them.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from typing import Any

from agent.errors import CoachError

_collection_paused = False
"""Whether :func:`run` turned the cyclic garbage collector off for start-up."""

_console_start = False
"""Whether this process's command was started by :func:`run` (the console script)."""

_CHAT_ALONE = ["chat"]
"""The command line :func:`run` answers without the typer app."""


def console_start() -> bool:
    """Whether this process's command was started by :func:`run` (the console script)."""
    return _console_start


def _pause_collection() -> None:
    # Start-up builds some 90,000 long-lived objects (modules, classes, pydantic schemas
    # and validators) and frees almost none: the collector's passes over them, a full one
    # included, were about a tenth of `coach chat`'s start. Reference counting still
    # frees everything else at once.
    global _collection_paused
    if gc.isenabled():
        gc.disable()
        _collection_paused = True


def defer_model_builds() -> None:
    """Build each pydantic model defined from now on at its first use, not at its definition.

    A command's code defines about 100 models, and pydantic builds each one's validator
    and serializer as the class is created: about a fifth of ``coach chat``'s start, for
    some 80 models a one-line chat never uses (the rule files and the catalog come from
    the kept parse, and one tool of 33 is called). ``defer_build`` builds a model the
    first time it validates, dumps or gives its schema; what it accepts and returns is
    the same. Every model's configuration inherits ``BaseModel``'s (pydantic merges the
    bases' ``model_config``), so setting it there reaches the command's models.

    Only for a command started from :func:`run` (the console script): tests and library
    users build models as they are defined. Not for the commands of
    :data:`agent.cli.main._MODELS_BUILT_AT_DEFINITION`. Threads (``coach eval`` runs
    scenarios in several) are safe: the pinned pydantic rebuilds a deferred model under a
    lock and checks again inside it.
    """
    from pydantic import BaseModel

    BaseModel.model_config["defer_build"] = True


def start_up_done() -> None:
    """The command's code is loaded: freeze what start-up built and collect cycles again.

    Frozen objects are never scanned again (:func:`gc.freeze`), so later collections,
    a server's included, look only at what the command itself allocates. Called once a
    command is loaded, or by a command of
    :data:`agent.cli.main._START_UP_ENDS_AFTER_FIRST_TURN` after its first turn, and at
    the latest when :func:`run` returns; later calls do nothing.
    """
    global _collection_paused
    if _collection_paused:
        _collection_paused = False
        gc.freeze()
        gc.enable()


def run(argv: list[str] | None = None) -> Any:
    """Console-script entry point: errors become one line and exit code 1, usage errors 2."""
    global _console_start
    _console_start = True
    _pause_collection()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if (sys.argv[1:] if argv is None else argv) == _CHAT_ALONE:
            _chat_alone()
        from agent.cli.main import app

        return app(args=argv)
    except CoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the last line of defence against tracebacks
        logging.getLogger("coach").debug("unexpected error", exc_info=True)
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
    finally:
        start_up_done()  # no command was loaded (help, a usage error): collect as before


def _chat_alone() -> None:
    """``coach chat`` with its defaults, ending the process as the typer app would.

    The app's endings, kept: code 1 when a message failed; an end of input the chat did
    not handle is "Aborted!" and code 1; a closed pipe (the reader went away) is code 1
    with no complaint; an interrupt is code 130 (:func:`run`); errors are one line
    (:func:`run`).

    Raises:
        SystemExit: Always, with the command's exit code.
    """
    defer_model_builds()
    from agent.cli.chat_session import chat

    try:
        failures = chat(user=None, db=None, model=None, as_json=False)
    except EOFError:
        print("\nAborted!", file=sys.stderr, flush=True)
        sys.exit(1)
    except BrokenPipeError:
        # What is still buffered for the closed pipe would fail again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    sys.exit(1 if failures else 0)
