"""The root ``coach`` app: commands load lazily, and the help it lists is theirs."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from agent.cli.main import COMMANDS, app, load_command
from tests.fresh_process import RUN_THE_CLI, run_python


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listed_help_is_the_commands_own_first_line(name: str) -> None:
    command = load_command(name)
    assert command is not None
    assert (command.help or "").strip().splitlines()[0] == COMMANDS[name][1]


def test_every_registered_command_is_listed() -> None:
    names: set[str] = set()
    for module in {module for module, _ in COMMANDS.values()}:
        holder = typer.Typer()
        __import__(f"agent.cli.{module}", fromlist=["register"]).register(holder)
        names |= set(typer.main.get_group(holder).commands)
    assert names == set(COMMANDS)


def _modules_after(args: list[str], stdin: str = "") -> set[str]:
    code = (
        "import sys\n"
        "from agent.cli.main import app\n"
        f"try:\n    app(args={args!r})\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, check=True
    )
    return set(done.stderr.split())


def test_help_imports_no_command_and_a_command_only_its_own() -> None:
    loaded = _modules_after(["--help"])
    commands = {m for m in loaded if m.startswith("agent.cli.")}
    assert commands == {"agent.cli.main", "agent.cli.entry"}
    loaded = _modules_after(["safety", "check"], "my knee hurts\n")
    assert "agent.cli.safety" in loaded
    heavy = {"fastapi", "agent.server.operator_auth", "evals", "agent.cli.eval", "openai", "numpy"}
    assert not heavy & loaded
    # Neither the database layer nor typer's pydantic coercion: screening needs neither.
    assert not {"sqlite_utils", "pydantic", "typer._adapters"} & loaded


def test_plain_options_keep_their_values_and_typed_ones_are_still_checked(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "coach.db")
    shown = CliRunner().invoke(app, ["memory", "--db", db, "--user", "ann"])
    assert shown.exit_code == 1
    assert "no user called 'ann'" in shown.output
    bad = CliRunner().invoke(app, ["plan", "--db", db, "--minutes", "soon"])
    assert bad.exit_code == 2
    assert "Invalid value for '--minutes'" in bad.output


def test_unknown_commands_are_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["no-such-command"])
    assert result.exit_code == 2


@pytest.mark.parametrize("args", [["--help"], ["no-such-command"], ["chat", "--no-such-flag"]])
def test_the_entry_point_leaves_the_garbage_collector_on(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # run() pauses collection for start-up; whatever the command line, it is on again
    # when run() returns or exits.
    from agent.cli.main import run

    monkeypatch.setattr(sys, "argv", ["coach", *args])
    assert gc.isenabled()
    with pytest.raises(SystemExit):
        run()
    capsys.readouterr()
    assert gc.isenabled()


_MODEL_PROBE = """\
import json
from agent.tools.planning_tools import ShortenArgs, SwapEquipmentArgs
print("BUILT", ShortenArgs.__pydantic_complete__)
for bad in ({"minutes": "soon"}, {}, {"minutes": 20, "extra": 1}):
    try:
        print("VALID", ShortenArgs.model_validate(bad).model_dump())
    except ValueError as exc:
        print("ERROR", json.dumps(exc.errors(include_url=False), default=str))
print("DUMP", ShortenArgs(minutes=25).model_dump_json())
print("SCHEMA", json.dumps(SwapEquipmentArgs.model_json_schema(), sort_keys=True))
"""


def _probe_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.split(" ", 1)[0] in _PROBE_WORDS]


_PROBE_WORDS = {"BUILT", "VALID", "ERROR", "DUMP", "SCHEMA"}


def test_a_command_started_by_the_entry_point_builds_models_on_first_use(
    tmp_path: Path,
) -> None:
    # `coach chat` through run(): a model its turn did not use is not built yet; once
    # used it validates, dumps and describes itself exactly as one built at definition.
    # (The first run fills the user cache, building every tool's schema.)
    chat = ("chat", "--db", str(tmp_path / "coach.db"))
    run_python(RUN_THE_CLI, tmp_path, *chat, stdin="hello\n")
    started = run_python(RUN_THE_CLI + _MODEL_PROBE, tmp_path, *chat, stdin="hello\n")
    plain = run_python(_MODEL_PROBE, tmp_path)
    deferred, built = _probe_lines(started.stdout), _probe_lines(plain.stdout)
    assert deferred[0] == "BUILT False" and built[0] == "BUILT True"
    assert deferred[1:] == built[1:]
    assert any(line.startswith("ERROR") for line in built)
