"""The ``coach`` app: one typer app whose commands are imported only when they are run.

Each command lives in its own module (``agent.cli.<module>``) with a ``register(app)``
function. Importing them all up front cost most of a second on every start (the server
pulls in FastAPI, the eval harness its scorers), so the root group knows each command's
module and one-line help (:data:`COMMANDS`) and imports a module when one of its commands
is looked up. ``coach --help`` imports none of them; ``coach chat`` imports only the chat
module. A test checks the help lines here against the commands' own.
"""

from __future__ import annotations

import importlib

import typer
import typer.main
from typer._click.core import Command, Context
from typer._click.formatting import HelpFormatter
from typer._coercion import PassThroughRuntimeParam
from typer.core import TyperGroup, _TyperParameter

from agent.cli.entry import console_start, defer_model_builds, start_up_done
from agent.cli.entry import run as run

COMMANDS: dict[str, tuple[str, str]] = {
    "chat": ("chat", "Talk to your coach. Piped input: one message per line, one answer each."),
    "workout": (
        "workout",
        "Start today's workout, or resume it at the same set; log sets in plain words.",
    ),
    "week": (
        "workout",
        "This week: sessions done vs planned, sets per muscle, health floors, your next step.",
    ),
    "plan": ("plan", "Plan today's session and print it (stored as today's plan)."),
    "consult": (
        "consult",
        "The consultation: goals, history, schedule, preferences, barriers, PAR-Q+.",
    ),
    "assess": ("consult", "Optional home fitness tests: list, how-to, guide, results."),
    "progress": ("progress", "Your goal, assessments over time, consistency and strength trends."),
    "readiness": (
        "readiness",
        "Readiness from your imported watch data: band, drivers and a 30-day chart.",
    ),
    "trainer": ("trainer", "Trainers: clients, needs attention, check-ins, programs."),
    "memory": ("memory", "Show what the coach knows about you, and correct or forget it."),
    "export": ("memory", "Export all of your data as JSON (and set logs as CSV)."),
    "delete": (
        "memory",
        "Delete all of your data from this database (an audit entry keeps only counts).",
    ),
    "import": ("memory", "Import a watch, app or lifting-log export (the kind is detected)."),
    "safety": ("safety", "The red-flag screen that runs before the model on every message."),
    "eval": ("eval", "Measure the coach: scenarios, checks, rubric judge, pass^k, reports."),
    "review": ("review", "Operators: work through the flagged conversations."),
    "operator": ("review", "Operator accounts for the review pages."),
    "serve": ("serve", "Serve the HTTP API, the web chat at / and the operator pages at /review."),
    "user": ("serve", "Accounts of people who use the coach over HTTP."),
}
"""Command name -> (module under ``agent.cli``, its one-line help), in help order."""


_MODELS_BUILT_AT_DEFINITION = frozenset({"serve", "safety"})
"""Command modules for which :func:`agent.cli.entry.defer_model_builds` is not called:
the server (its workers would otherwise build models inside the first concurrent
requests) and the screen, which defines no model and should not import pydantic just to
say so."""


_START_UP_ENDS_AFTER_FIRST_TURN = frozenset({"chat"})
"""Commands that call :func:`agent.cli.entry.start_up_done` themselves, after their first turn.

A chat's first turn loads as much again as its command: the offline model's data, the
classifiers, the tool it calls and that tool's code, templates; with the collector on,
its passes over all that were about 20 ms of a one-line chat."""


def load_command(name: str) -> Command | None:
    """The command ``name``, importing and registering only its own module."""
    entry = COMMANDS.get(name)
    if entry is None:
        return None
    if console_start() and entry[0] not in _MODELS_BUILT_AT_DEFINITION:
        defer_model_builds()
    module = importlib.import_module(f"agent.cli.{entry[0]}")
    holder = typer.Typer()
    module.register(holder)
    group = typer.main.get_group(holder)
    return group.commands.get(name)


def coerce_plainly(command: Command, ctx: Context) -> None:
    """Pass ``str`` and ``bool`` option values through as they come, in ``command``'s tree.

    typer 0.29 checks every option's value with a pydantic ``TypeAdapter`` built on
    first use, even the help flag's ``None`` when it is not given; importing pydantic for
    that cost about 0.1 s of every command's start (``coach safety check`` uses nothing
    else of it). The command line and the environment give ``str`` options a ``str``
    and flags a ``bool`` (or ``None`` when absent), which such an adapter returns
    unchanged, so these options skip it. Options with a parser, choices, paths or files
    keep typer's own coercion.
    """
    params = [*command.params]
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        params.append(help_option)
    for param in params:
        if not isinstance(param, _TyperParameter) or param._runtime_param is not None:
            continue
        descriptor = param.type_descriptor
        plain = descriptor.annotation in (str, bool) and descriptor.parameter_info.parser is None
        if plain and not (descriptor.is_choice or descriptor.is_path or descriptor.is_file):
            param._runtime_param = PassThroughRuntimeParam(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
            )
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            coerce_plainly(sub, ctx)


class LazyCommands(TyperGroup):
    """A root group that imports a command's module only when the command is used."""

    def list_commands(self, ctx: Context) -> list[str]:
        """Every command name, without importing any of them."""
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """Load the command on first use."""
        if cmd_name not in self.commands:
            found = load_command(cmd_name)
            if cmd_name not in _START_UP_ENDS_AFTER_FIRST_TURN:
                start_up_done()
            if found is None:
                return None
            coerce_plainly(found, ctx)
            self.commands[cmd_name] = found
        return self.commands[cmd_name]

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        """Parse the root's own options, passed through plainly (see :func:`coerce_plainly`)."""
        coerce_plainly(self, ctx)
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The command list from :data:`COMMANDS`: help without importing every command."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, text) for name, (_, text) in COMMANDS.items()])


app = typer.Typer(
    name="coach",
    cls=LazyCommands,
    help="coachloop: an AI personal trainer that plans, coaches, adapts and remembers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help for the root: Rich's renderer would load every command to list them.
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """coachloop: an AI personal trainer that plans, coaches, adapts and remembers."""
