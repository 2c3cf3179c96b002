"""``coach serve --workers 2`` on one SQLite file: one person's turns reach the model in order."""

from __future__ import annotations

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

from agent.memory.db import connect
from tests.factories import make_token_user
from tests.openai_stub import Reply, StubServer, ok

MODEL_S = 0.3
MESSAGES = 6


class OverlapStub(StubServer):
    """A model that takes ``MODEL_S`` per call and records how many calls overlapped."""

    def __init__(self) -> None:
        super().__init__(Reply(body=ok("Noted.").body))
        self.in_flight = 0
        self.most_at_once = 0
        self.asked: list[str] = []
        self._count = threading.Lock()

    def _next(self, body: dict[str, Any]) -> Reply:
        last_user = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
        with self._count:
            self.in_flight += 1
            self.most_at_once = max(self.most_at_once, self.in_flight)
            self.asked.append(last_user[-1] if last_user else "")
        time.sleep(MODEL_S)
        with self._count:
            self.in_flight -= 1
        return super()._next(body)


@pytest.mark.slow
def test_two_processes_answer_one_person_in_order(db_path: str, now: datetime) -> None:
    db = connect(db_path)
    _, token = make_token_user(db, now)
    db.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    stub = OverlapStub()
    stub.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_"))}
    env.update(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=stub.base_url)
    serve = ["serve", "--port", str(port), "--db", db_path, "--model", "openai", "--workers", "2"]
    process = subprocess.Popen(
        [sys.executable, "-c", "from agent.cli.main import run; run()", *serve],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_up(process, port)
        statuses: list[int] = []

        def send(index: int) -> None:
            # Each message on its own connection, so both processes take some.
            response = httpx.post(
                f"http://127.0.0.1:{port}/v1/chat",
                json={"message": f"how was my week, part {index}?"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            statuses.append(response.status_code)

        senders = [threading.Thread(target=send, args=(i,)) for i in range(MESSAGES)]
        for sender in senders:
            sender.start()
            time.sleep(0.02)
        for sender in senders:
            sender.join(timeout=90)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
        stub.stop()
    assert statuses == [200] * MESSAGES
    db = connect(db_path)
    stored = [
        row[0]
        for row in db.execute(
            "SELECT content FROM messages WHERE role = 'user' ORDER BY id"
        ).fetchall()
    ]
    db.close()
    # The model saw the person's messages one at a time, in the order they were stored.
    assert stub.most_at_once == 1
    assert stub.asked == stored


def _wait_until_up(process: subprocess.Popen[str], port: int) -> None:
    # Two server processes and their two model-step processes start on a loaded machine.
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "coach serve --workers 2 did not come up"
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
