"""``coach serve --workers N``: a listening socket per process, connections spread by the kernel."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from agent.errors import ConfigurationError
from agent.server import processes
from agent.server.processes import reuse_port_socket, serve_processes

ROOT = Path(__file__).resolve().parent.parent

CONNECTIONS = 40


def test_connections_to_one_port_are_spread_over_every_listening_socket() -> None:
    """Each process's own socket gets a share: no process takes every connection waiting."""
    first = reuse_port_socket("127.0.0.1", 0)
    port = int(first.getsockname()[1])
    sockets = [first, reuse_port_socket("127.0.0.1", port), reuse_port_socket("127.0.0.1", port)]
    for sock in sockets:
        sock.listen(CONNECTIONS)
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)]
    taken = []
    for sock in sockets:
        sock.setblocking(False)
        count = 0
        while True:
            try:
                accepted, _ = sock.accept()
            except BlockingIOError:
                break
            accepted.close()
            count += 1
        taken.append(count)
    for sock in [*sockets, *clients]:
        sock.close()
    assert sum(taken) == CONNECTIONS
    # Spread by a hash of each connection's ports: all 40 on one of three sockets has a
    # chance of about 1 in 10^18.
    assert all(count > 0 for count in taken), taken


def test_a_port_taken_by_another_program_is_one_clear_error() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = int(other.getsockname()[1])
        with pytest.raises(ConfigurationError, match=f"cannot listen on 127.0.0.1:{port}"):
            reuse_port_socket("127.0.0.1", port)


def test_a_worker_that_cannot_build_its_app_stops_the_server() -> None:
    """It would fail the same way every time: the parent stops instead of restarting it."""
    with pytest.raises(ConfigurationError, match="failed to start"):
        serve_processes(
            "tests.test_server_processes:no_such_factory",
            2,
            {"host": "127.0.0.1", "port": 0, "log_config": None},
        )


def hanging_app() -> FastAPI:
    """A worker's app whose ``/hang`` blocks its event loop (a hung worker, on cue)."""
    app = FastAPI()

    @app.get("/pid")
    async def pid() -> int:
        return os.getpid()

    @app.get("/hang")
    async def hang() -> None:
        time.sleep(600)  # blocks the loop itself, as a hung worker's would be

    return app


def _get(port: int, path: str, timeout: float = 5.0) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_worker_whose_loop_hangs_is_killed_and_replaced() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    script = (
        "from agent.server.processes import serve_processes; serve_processes("
        f"'tests.test_server_processes:hanging_app', 2, {{'host': '127.0.0.1', 'port': {port}, "
        "'log_config': None}, hang_s=1.0)"
    )
    server = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        pids: set[int] = set()
        deadline = time.monotonic() + 60
        while len(pids) < 2:  # both workers serve (connections are spread by the kernel)
            assert time.monotonic() < deadline, "the workers never both served"
            with contextlib.suppress(OSError):
                pids.add(int(_get(port, "/pid")))
            time.sleep(0.05)
        hung = None
        while hung is None:  # hang the worker this connection lands on
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/pid")
            hung = int(json.loads(connection.getresponse().read()))
            connection.request("GET", "/hang")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection.getresponse()
            connection.close()
        deadline = time.monotonic() + 60
        while _alive(hung):
            assert time.monotonic() < deadline, "the hung worker was never killed"
            time.sleep(0.1)
        answered: set[int] = set()
        deadline = time.monotonic() + 60
        while len(answered) < 2:  # its replacement serves beside the other worker
            assert time.monotonic() < deadline, "the hung worker was never replaced"
            with contextlib.suppress(OSError):
                answered.add(int(_get(port, "/pid")))
        assert hung not in answered and len(answered - pids) == 1
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_a_worker_that_keeps_dying_quickly_waits_longer_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    worker = processes._Worker(0, beat=None, started=clock[0])
    first, longest = processes.RESTART_PAUSE_S
    pauses = []
    for _ in range(10):  # dies a second after each start
        clock[0] += 1.0
        assert not worker.due() or worker.pause == 0
        pauses.append(worker.pause)
        clock[0] += worker.pause
        assert worker.due()
        worker.started, worker.restart_at = clock[0], None
    assert pauses[:3] == [first, 2 * first, 4 * first] and pauses[-1] == longest
    clock[0] += processes.QUICK_DEATH_S + 1  # this time it lived a while
    assert worker.due() and worker.pause == 0.0  # restarted at once
