"""Four `coach serve` workers sharing one PostgreSQL: every set of every client is stored.

The PostgreSQL counterpart of ``test_chat_concurrency``: 8 clients each send their lines
over HTTP to ``coach serve --workers 4`` (four processes, one port, one database) while a
`coach chat` process on the same database holds a model call. Every line is answered and
every set stored exactly once; the held call delays nobody.

The default run sends 8 x 10 lines; ``COACH_LOAD_TEST=1`` runs the 8 x 500 = 4,000
acceptance figure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import httpx
import pytest

from agent.memory.db import connect
from agent.server.auth import issue_token
from tests.slow_holder import ROOT, child_env, slow_model_call

CLIENTS = 8
WORKERS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _start(url: str, port: int, log: IO[str]) -> subprocess.Popen[str]:
    # The server logs a line per request and per turn: into a file, never a pipe nobody
    # reads while the run lasts (a full pipe stops every worker at its next log line:
    # that, not the database, is what stalled the 4,000-line run after ~80 turns).
    process = subprocess.Popen(
        [
            *(sys.executable, "-c", "from agent.cli.main import run; run()"),
            *("serve", "--db", url, "--port", str(port), "--workers", str(WORKERS)),
            *("--rate-per-minute", "1000000", "--no-operator-pages"),
        ],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    deadline = time.monotonic() + 120  # four workers start on a loaded 2-core machine
    while time.monotonic() < deadline:
        assert process.poll() is None, _tail(log)
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                if len(_children(process.pid)) >= WORKERS:
                    return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("coach serve --workers did not start within 120 s")


def _tail(log: IO[str]) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-4000:]


def _send(port: int, token: str, lines: list[str]) -> list[int | str]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as http:
        statuses: list[int | str] = []
        for line in lines:
            try:
                statuses.append(http.post("/v1/chat", json={"message": line}).status_code)
            except httpx.TransportError as exc:  # kept, so the assertion shows what happened
                statuses.append(f"{type(exc).__name__}: {exc}")
        return statuses


def _run(url: str, lines_each: int) -> None:
    now = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
    db = connect(url)
    tokens = [issue_token(db, f"person {n}", now)[1] for n in range(CLIENTS)]
    db.close()
    port = _free_port()
    log = tempfile.TemporaryFile("w+")
    server = _start(url, port, log)
    try:
        with slow_model_call(url) as slow:
            lines = [f"back squat 5 reps at {60 + n % 10} kg" for n in range(lines_each)]
            started = time.perf_counter()
            with ThreadPoolExecutor(CLIENTS) as pool:
                statuses = list(pool.map(lambda token: _send(port, token, lines), tokens))
            elapsed = time.perf_counter() - started
            assert slow.still_waiting()  # everything above ran while its model call hung
            code, out, err = slow.finish()
    finally:
        server.terminate()
        server.wait(timeout=60)
    errors = [line for line in _tail(log).splitlines() if '"level": "error"' in line]
    log.close()
    failed = [s for client in statuses for s in client if s != 200]
    assert failed == [], (failed[:5], errors[-5:])
    assert code == 0, err
    assert json.loads(out)["reply"] == "Logged your push-ups."
    db = connect(url)
    per_person = dict(
        db.execute(
            "SELECT u.name, COUNT(s.id) FROM set_logs s JOIN users u ON u.id = s.user_id "
            "GROUP BY u.name"
        ).fetchall()
    )
    assert per_person == {**{f"person {n}": lines_each for n in range(CLIENTS)}, "slow": 1}
    numbers = db.execute(
        "SELECT COUNT(DISTINCT set_number), MAX(set_number) FROM set_logs s "
        "JOIN users u ON u.id = s.user_id WHERE u.name != 'slow' GROUP BY s.user_id"
    ).fetchall()
    assert [tuple(r) for r in numbers] == [(lines_each, lines_each)] * CLIENTS
    user_lines = db.execute("SELECT COUNT(*) FROM messages WHERE role = 'user'").fetchone()[0]
    assert user_lines == CLIENTS * lines_each + 1
    db.close()
    print(f"{CLIENTS} x {lines_each} lines through {WORKERS} workers stored in {elapsed:.1f} s")


def test_four_workers_on_postgresql_store_every_set_while_a_model_call_hangs(
    pg_url: str,
) -> None:
    _run(pg_url, 10)


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("COACH_LOAD_TEST") != "1",
    reason="the 4,000-set acceptance run takes minutes; set COACH_LOAD_TEST=1",
)
def test_four_workers_on_postgresql_store_4000_sets_while_a_model_call_hangs(
    pg_url: str,
) -> None:
    _run(pg_url, 500)
