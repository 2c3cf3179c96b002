"""The console script: ``coach chat`` alone starts without typer and chats as the app does."""

from pathlib import Path

import pytest

from tests.fresh_process import run_python

_THROUGH = """\
import sys
from agent.cli.entry import run
try:
    run({argv})
except SystemExit as exc:
    print("EXIT", exc.code)
print("TYPER", "typer" in sys.modules)
import gc
print("COLLECTING", gc.isenabled(), gc.get_freeze_count() > 0)
"""

_ALONE = _THROUGH.format(argv="")
"""``coach chat``: the script's own command line, ``chat`` and nothing else."""

_APP = _THROUGH.format(argv='["chat", "--user", "me"]')
"""The same chat through the typer app (an option, here the default user, sends it there)."""

_LINES = "whats the plan today\ni did 3 sets of 8 squats at 60kg\n\nthanks!\n"


def _both(tmp_path: Path, stdin: str = _LINES) -> tuple[list[str], list[str], str, str]:
    alone = run_python(_ALONE, tmp_path / "alone", "chat", stdin=stdin)
    app = run_python(_APP, tmp_path / "app", stdin=stdin)
    return alone.stdout.splitlines(), app.stdout.splitlines(), alone.stderr, app.stderr


def test_chat_alone_answers_as_the_typer_app_does_without_importing_typer(
    tmp_path: Path,
) -> None:
    alone, app, alone_err, app_err = _both(tmp_path)
    # Start-up ended after the first turn either way: frozen, and collecting again.
    assert alone[-1] == app[-1] == "COLLECTING True True"
    assert alone[-2] == "TYPER False"
    assert app[-2] == "TYPER True"
    assert alone[:-2] == app[:-2]
    assert alone[-3] == "EXIT 0"
    assert alone[0].startswith("Today's session"), alone[:3]
    assert len(alone) > 4  # every non-blank line was answered
    assert alone_err == app_err == ""


@pytest.mark.parametrize("stdin", ["", "\n  \n"])
def test_chat_alone_with_nothing_to_say_ends_as_the_app_does(tmp_path: Path, stdin: str) -> None:
    alone, app, alone_err, app_err = _both(tmp_path, stdin)
    assert alone[:-2] == app[:-2] == ["EXIT 0"]
    assert alone_err == app_err == ""


def test_chat_alone_fails_with_the_apps_one_line_error(tmp_path: Path) -> None:
    # The data folder is a file: the database cannot be made.
    for side in ("alone", "app"):
        (tmp_path / side).mkdir()
        (tmp_path / side / "data").write_text("not a folder\n")
    alone, app, alone_err, app_err = _both(tmp_path)
    assert alone[:-2] == app[:-2] == ["EXIT 1"]
    assert alone_err.startswith("error: cannot create the folder for the database")
    assert alone_err.replace("/alone/", "/app/") == app_err
    assert len(alone_err.splitlines()) == 1
