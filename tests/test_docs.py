"""Every CLI command explains itself, and the README only names commands that exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main

from agent.cli.main import app

ROOT = Path(__file__).parent.parent


def _commands(command: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    found = {path: command}
    for name, sub in getattr(command, "commands", {}).items():
        found.update(_commands(sub, (*path, name)))
    return found


def test_every_command_has_help_text() -> None:
    commands = _commands(typer.main.get_command(app))
    assert len(commands) > 1
    missing = [" ".join(p) for p, c in commands.items() if not (c.help or "").strip()]
    assert missing == []


def test_every_option_has_help_text() -> None:
    missing = []
    for path, command in _commands(typer.main.get_command(app)).items():
        for param in getattr(command, "params", []):
            if param.param_type_name == "option" and not getattr(param, "help", None):
                missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert missing == []


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert first_block is not None
    lines = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert lines[:2] == ["make chat", "make test"]


def test_readme_commands_are_real() -> None:
    text = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))
    for target in re.findall(r"`make ([a-z][\w-]*)", text) + re.findall(
        r"^make ([a-z][\w-]*)", text, re.M
    ):
        assert target in targets, f"README names make {target}"
    commands = _commands(typer.main.get_command(app))
    for line in re.findall(r"(?:^|`)coach ([a-z][a-z ]*)", text, re.M):
        words = tuple(w for w in line.split() if w.isalpha() and w.islower())
        # The longest prefix of words that names a command must name at least one.
        known = [words[:n] for n in range(len(words), 0, -1) if words[:n] in commands]
        assert known, f"README names `coach {line.strip()}`, which does not exist"


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _understands_rows() -> list[tuple[str, bool, str, list[str]]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## What the offline coach understands", 1)[1].split("\n## ", 1)[0]
    rows: list[tuple[str, bool, str, list[str]]] = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith('"'):
            continue
        message = cells[0].split('"')[1]
        intent = re.findall(r"`([a-z_]+)`", cells[1])[0]
        rows.append(
            (message, "after a plan" in cells[0], intent, re.findall(r"`([a-z_]+)`", cells[2]))
        )
    return rows


def test_readme_examples_of_what_the_offline_coach_understands_run() -> None:
    from agent.models.offline import OfflineModel, understand
    from agent.tools import default_registry
    from tests.test_models_offline import SYSTEM, _planned

    registry = default_registry()
    rows = _understands_rows()
    assert len(rows) >= 15
    for message, after_plan, intent, named in rows:
        assert intent in understand(message).intents, (message, intent)
        history = _planned() if after_plan else []
        messages = [SYSTEM, *history, {"role": "user", "content": message}]
        called = [c.name for c in OfflineModel().complete(messages, registry.schemas()).tool_calls]
        tools = [name for name in named if name in registry]
        assert set(tools) <= set(called), (message, tools, called)
        if not tools:
            assert called == [], (message, called)
