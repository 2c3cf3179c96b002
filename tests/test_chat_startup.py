"""What ``coach chat`` loads to answer one piped line: guards on its start-up, not timings.

Two processes answer "whats the plan today" (a plan turn: the screen, the offline model,
the planner and a stored plan). The first fills the user cache (kept tool schemas, parsed
YAML, compiled templates and regular expressions); the second, like every later start a
person makes, must find everything there and load none of the libraries the turn does not
use.
"""

import subprocess
from pathlib import Path

from tests.fresh_process import RUN_THE_CLI, run_python

_SCRIPT = (
    RUN_THE_CLI
    + """\
import gc
from coachcache import regexes
print("IMPORTED", " ".join(sorted(sys.modules)))
print("COMPILED", len(regexes._STORE._new))
print("COLLECTING", gc.isenabled(), gc.get_freeze_count() > 0)
tracked = {id(o) for o in gc.get_objects()}
turn_loaded = sys.modules["agent.tools.planning_tools"].__dict__
print("FIRST_TURN_FROZEN", id(turn_loaded) not in tracked)
"""
)

NOT_FOR_A_PIPED_OFFLINE_TURN = {
    "sqlite_utils",  # the store's handle does without it (agent.memory.sqlite_handle)
    "numpy",  # sqlite-utils imports it when installed; the classifiers read weights without
    "openai",  # the openai backend only, when chosen
    "tenacity",
    "httpx",
    "fastapi",  # coach serve only
    "starlette",
    "uvicorn",
    "tiktoken",  # a request that fits by length is not counted
    "rich",  # the interactive chat only
    "psycopg",  # PostgreSQL only
    "yaml",  # every data file the turn reads was kept parsed by the first run
}


def _chat(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_python(
        _SCRIPT,
        tmp_path,
        "chat",
        "--db",
        str(tmp_path / "coach.db"),
        stdin="whats the plan today\n",
    )


def _kept_safety_files(tmp_path: Path) -> dict[str, int]:
    folder = tmp_path / "cache" / "safety"
    return {path.name: path.stat().st_mtime_ns for path in folder.glob("*.marshal")}


def test_a_piped_plan_turn_loads_only_what_it_uses(tmp_path: Path) -> None:
    first = _chat(tmp_path)
    kept = _kept_safety_files(tmp_path)
    second = _chat(tmp_path)
    for run in (first, second):
        assert run.stdout.startswith("Today's session"), run.stdout[:200]
    imported = set(second.stdout.split("IMPORTED ", 1)[1].split("\n", 1)[0].split())
    tops = {name.split(".")[0] for name in imported}
    assert tops & NOT_FOR_A_PIPED_OFFLINE_TURN == set()
    assert "agent.live.state" not in imported  # no live workout is read
    assert second.stdout.split("COMPILED ", 1)[1].split("\n", 1)[0] == "0", (
        "every regular expression of the offline model came from the kept codes"
    )
    # The collector was paused for start-up only: what start-up built is frozen and
    # collection runs again afterwards.
    assert "COLLECTING True True" in second.stdout
    # ... and for a chat, start-up ends after the first turn: what that turn loaded (the
    # plan tool's module here) was frozen with the rest, never scanned by a collection.
    assert "FIRST_TURN_FROZEN True" in second.stdout
    # The chat closed its database: the write-ahead log went into the file, none is left.
    assert (tmp_path / "coach.db").exists()
    assert not (tmp_path / "coach.db-wal").exists()
    # The screen's and the output rail's rule files and both classifiers' exports were
    # read from what the first run kept (safety.kept): a miss would have written again.
    # So were the first looks of the context expressions the turn asked about
    # (``literals-<name>``, one per expression, which ones depends on the message).
    assert {name for name in kept if not name.startswith("literals-")} == {
        "output.marshal",
        "rules.marshal",
        "textclf-screen.marshal",
        "textclf-intent_model.marshal",
    }
    assert any(name.startswith("literals-") for name in kept)
    assert _kept_safety_files(tmp_path) == kept
