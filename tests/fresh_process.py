"""Python code run in a fresh process with the coach's cache and data under ``tmp_path``.

Start-up tests need a process of their own: what a module imports, or reads back from the
user cache, only shows in an interpreter that has not loaded it yet.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent

RUN_THE_CLI = (
    "import sys\nfrom agent.cli.main import run\ntry:\n    run()\nexcept SystemExit:\n    pass\n"
)
"""The start of a script that runs ``coach`` with the process's arguments."""

RECORD_COMPILES = (
    "import re\n"
    "from coachcache import regexes\n"
    "made = []\n"
    "real = regexes._STORE.compile\n"
    "regexes._STORE.compile = lambda p, f, r=None: made.append((p, f, r)) or real(p, f, r)\n"
    "def fresh(p, f, r):\n"
    "    if r is None:\n"
    "        return re.compile(p, f)\n"
    "    return regexes._from_entry(p, regexes._entry(p, f, r[1]))\n"
)
"""The start of a script that records every pattern the kept-code store compiles (in
``made``) and can compile any of them afresh (``fresh``: ``re.compile``, or the
rewriting's own compile for a rewritten one), to hold kept codes equal to fresh ones."""


def run_python(
    code: str, tmp_path: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` (``python -c``) with ``args``; fails the test if it exits non-zero."""
    env = {
        "COACH_CACHE_DIR": str(tmp_path / "cache"),
        "COACH_DATA_DIR": str(tmp_path / "data"),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
