"""A `coach chat --model openai` process caught in a model call that hangs until released.

The concurrency tests run their writers while this process is mid-turn: it has written a
tool round and then waits on the model with no transaction open, so nobody should wait
for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.openai_stub import Reply, ok, serve, tool

ROOT = Path(__file__).resolve().parent.parent


def coach_command(db_path: str, user: str) -> list[str]:
    """``coach chat --json`` for ``user`` on ``db_path``, run from the source tree."""
    entry = "from agent.cli.main import run; run()"
    return [sys.executable, "-c", entry, "chat", "--db", db_path, "--user", user, "--json"]


def child_env(**extra: str) -> dict[str, str]:
    """This environment without model credentials, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL"}}
    env.update({"PYTHONPATH": str(ROOT), **extra})
    return env


@dataclass
class SlowTurn:
    """The held process; ``release`` lets its model call answer."""

    process: subprocess.Popen[str]
    release: threading.Event

    def still_waiting(self) -> bool:
        """Whether the process is still inside its model call."""
        return self.process.poll() is None

    def finish(self) -> tuple[int, str, str]:
        """Release the call and wait for the process: (return code, stdout, stderr)."""
        self.release.set()
        self.process.wait(timeout=120)
        assert self.process.stdout is not None and self.process.stderr is not None
        return self.process.returncode, self.process.stdout.read(), self.process.stderr.read()


@contextmanager
def slow_model_call(db_path: str, user: str = "slow") -> Iterator[SlowTurn]:
    """Start ``user``'s turn (one logged set, then a hung model call) and yield it held."""
    release = threading.Event()
    with serve() as stub:
        stub.push(
            tool("log_sets", json.dumps({"exercise": "push-up", "sets": [{"reps": 10}]})),
            Reply(body=ok("Logged your push-ups.").body, hold_until=release),
        )
        process = subprocess.Popen(
            [*coach_command(db_path, user), "--model", "openai"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=child_env(
                OPENAI_API_KEY="sk-test",
                OPENAI_BASE_URL=stub.base_url,
                # Hangs until released, however long that takes: the 4,000-line runs last
                # 15+ minutes on a loaded machine, past a 900 s timeout.
                COACH_MODEL_TIMEOUT="3600",
            ),
        )
        assert process.stdin is not None
        process.stdin.write("did 10 push-ups\n")
        process.stdin.close()
        deadline = time.time() + 90
        while len(stub.requests) < 2:  # the slow call is in flight from here
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.time() < deadline, "the slow process never reached its model call"
            time.sleep(0.05)
        held = SlowTurn(process, release)
        try:
            yield held
        finally:
            release.set()
            if process.poll() is None:
                try:
                    process.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    process.kill()
