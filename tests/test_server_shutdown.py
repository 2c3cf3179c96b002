"""Running the server for real: graceful shutdown finishes turns; ``coach serve`` from nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from agent.memory.db import connect
from agent.models.base import AssistantMessage
from agent.server.app import create_app
from tests.factories import make_token_user


class SlowModel:
    """A backend that holds its answer until the test releases it."""

    name = "slow"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        self.entered.set()
        assert self.release.wait(timeout=20), "the test never released the model"
        return AssistantMessage(content="Finished despite the shutdown.")


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.mark.slow
def test_shutdown_waits_for_the_turn_in_flight(db_path: str, now: datetime) -> None:
    db = connect(db_path)
    _, token = make_token_user(db, now)
    db.close()
    model = SlowModel()
    app = create_app(db_path, model=model, clock=lambda: now, operator_auth=False)
    sock = _free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, timeout_graceful_shutdown=15, lifespan="on")
    )
    serving = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    serving.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)

    answers: list[httpx.Response] = []

    def ask() -> None:
        answers.append(
            httpx.post(
                f"http://127.0.0.1:{port}/v1/chat",
                json={"message": "one more set?"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
        )

    asking = threading.Thread(target=ask)
    asking.start()
    assert model.entered.wait(timeout=10)
    server.should_exit = True  # what uvicorn does on SIGTERM / SIGINT
    time.sleep(0.5)
    assert serving.is_alive(), "the server must wait for the turn in flight"
    # New connections are no longer accepted while it drains.
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
    model.release.set()
    asking.join(timeout=10)
    serving.join(timeout=10)
    assert not serving.is_alive()
    assert answers and answers[0].status_code == 200
    assert answers[0].json()["reply"] == "Finished despite the shutdown."
    db = connect(db_path)
    assert db.execute("SELECT status FROM turns").fetchall() == [("complete",)]
    db.close()


@pytest.mark.slow
def test_coach_serve_runs_on_a_fresh_machine(tmp_path: Path) -> None:
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("COACH_", "OPENAI_"))
    }
    env["COACH_DATA_DIR"] = str(tmp_path / "data")
    env["COACH_PORT"] = str(port)
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-c", "from agent.cli.main import run; run()", "serve"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60  # the server and its model-step process, loaded
        page = None
        while page is None:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "coach serve did not come up"
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            except httpx.TransportError:
                time.sleep(0.1)
        assert page.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/v1/history").status_code == 401
        schema = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
        assert "/v1/chat" in schema["paths"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    # uvicorn re-raises the signal after its graceful shutdown, as Unix tools do.
    assert process.returncode in {0, -signal.SIGTERM}, stderr
    assert (tmp_path / "data" / "coach.db").exists()
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert [line.get("event") for line in lines][-2:] == ["stopping", "stopped"]
    assert any(line.get("route") == "/v1/history" and line["status"] == 401 for line in lines)
