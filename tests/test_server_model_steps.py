"""Model steps in child processes (``agent.server.model_steps``), as ``coach serve`` runs them.

The server's process keeps the fast step (store, screen, fixed safety replies); each
model step runs in a child at a lower OS priority, with its own GIL and connections. A
child that dies is replaced and the turns it held are answered 503 with their message
kept, never lost.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent.memory.db import connect
from agent.models.base import AssistantMessage
from agent.server import model_steps
from agent.server.app import create_app
from agent.server.model_steps import MODEL_STEP_NICE, Rendered
from tests.factories import make_token_user

HANG = "plan my whole year in detail"
CRASH = "please crash the model step"
WHO = "which process answers?"
MAX_DELAY_S = 0.100
WAIT_S = 60.0


@dataclass(frozen=True)
class FixedClock:
    """A clock that pickles (a child process gets its own copy of the server's settings)."""

    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


class FileCuedModel:
    """A model for a child process, steered through files (no event crosses processes).

    ``HANG`` waits until ``release`` exists (each hanging call first leaves a file in
    ``folder``), ``CRASH`` ends the process at once, ``WHO`` answers with the process id
    and its niceness; anything else is answered at once.
    """

    name = "file-cued"

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        said = str(messages[-1].get("content"))
        if said == CRASH:
            os._exit(3)
        if said == WHO:
            return AssistantMessage(content=f"pid {os.getpid()} nice {os.nice(0)}")
        if said == HANG:
            Path(self.folder, f"hanging-{os.getpid()}-{threading.get_ident()}").touch()
            deadline = time.monotonic() + WAIT_S
            while not Path(self.folder, "release").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        return AssistantMessage(content="Here is a short answer.")


def _post(client: TestClient, token: str, message: str) -> Any:
    return client.post(
        "/v1/chat", json={"message": message}, headers={"Authorization": f"Bearer {token}"}
    )


def _fastest(client: TestClient, token: str, message: str, tries: int = 3) -> float:
    best = float("inf")
    for _ in range(tries):
        started = time.perf_counter()
        response = _post(client, token, message)
        best = min(best, time.perf_counter() - started)
        assert response.status_code == 200, response.text
        assert response.json()["safety"]["tier"] == "emergency"
    return best


def _users(db_path: str, now: datetime, *names: str) -> dict[str, str]:
    db = connect(db_path)
    try:
        return {name: make_token_user(db, now, name)[1] for name in names}
    finally:
        db.close()


def _app(db_path: str, now: datetime, folder: Path, **settings: Any) -> Any:
    return create_app(
        db_path,
        model=FileCuedModel(str(folder)),
        clock=FixedClock(now),
        operator_auth=False,
        model_processes=1,
        **settings,
    )


def test_the_model_step_runs_in_a_child_process_at_a_lower_priority(
    db_path: str, now: datetime, tmp_path: Path
) -> None:
    tokens = _users(db_path, now, "ann")
    with TestClient(_app(db_path, now, tmp_path)) as client:
        response = _post(client, tokens["ann"], WHO)
        children = client.app.state.coach.model_steps.pids()  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text
    words = response.json()["reply"].split()
    pid, nice = int(words[1]), int(words[3])
    assert pid != os.getpid()
    assert pid in children
    assert nice == min(19, os.nice(0) + MODEL_STEP_NICE)


def test_an_emergency_reply_is_fast_while_every_model_step_is_hung(
    db_path: str, now: datetime, tmp_path: Path
) -> None:
    tokens = _users(db_path, now, "ann", "cat", "bob", "dan")
    answers: dict[str, int] = {}

    def ask(name: str, message: str) -> None:
        answers[name] = _post(client, tokens[name], message).status_code

    with TestClient(_app(db_path, now, tmp_path, model_workers=2)) as client:
        quiet = _fastest(client, tokens["bob"], "I have crushing chest pain")
        hung = [threading.Thread(target=ask, args=(name, HANG)) for name in ("ann", "cat")]
        queued = threading.Thread(target=ask, args=("dan", "how was my week?"))
        try:
            for thread in hung:
                thread.start()
            deadline = time.monotonic() + WAIT_S
            while len(list(tmp_path.glob("hanging-*"))) < 2:
                assert time.monotonic() < deadline, "the model steps never hung"
                time.sleep(0.01)
            queued.start()  # waits for a model-step thread: both are hung
            busy = _fastest(client, tokens["bob"], "I have crushing chest pain")
            # The person whose own model step hangs is answered at once too.
            own = time.perf_counter()
            assert _post(client, tokens["ann"], "now I have crushing chest pain").status_code == 200
            own = time.perf_counter() - own
            assert all(thread.is_alive() for thread in hung), "a hung step ended early"
            assert queued.is_alive(), "dan's turn ran without a free model-step thread"
        finally:
            (tmp_path / "release").touch()
            for thread in [*hung, queued]:
                thread.join(timeout=WAIT_S)
    assert answers == {"ann": 200, "cat": 200, "dan": 200}
    assert busy - quiet <= MAX_DELAY_S, (quiet, busy)
    assert own - quiet <= MAX_DELAY_S, (quiet, own)


def test_a_crashed_model_step_is_reported_failed_with_the_message_kept_and_replaced(
    db_path: str, now: datetime, tmp_path: Path
) -> None:
    tokens = _users(db_path, now, "ann")
    with TestClient(_app(db_path, now, tmp_path)) as client:
        before = client.app.state.coach.model_steps.pids()  # type: ignore[attr-defined]
        crashed = _post(client, tokens["ann"], CRASH)
        # The replacement answers the person's next message.
        answered = _post(client, tokens["ann"], "how was my week?")
        after = client.app.state.coach.model_steps.pids()  # type: ignore[attr-defined]
    assert crashed.status_code == 503, crashed.text
    assert crashed.json()["message_saved"] is True
    assert answered.status_code == 200, answered.text
    assert set(before).isdisjoint(after)
    db = connect(db_path)
    try:
        rows = db.execute(
            "SELECT m.content, t.status FROM messages m JOIN turns t ON t.id = m.turn_id "
            "WHERE m.role = 'user' ORDER BY m.id"
        ).fetchall()
    finally:
        db.close()
    assert [tuple(row) for row in rows] == [
        (CRASH, "failed"),
        ("how was my week?", "complete"),
    ]


def test_an_answer_crosses_the_pipe_as_data_and_renders_the_same() -> None:
    as_json = Rendered(200, b'{"reply":"hi"}')
    assert as_json.response().body == b'{"reply":"hi"}'
    assert as_json.response().media_type == "application/json"
    streamed = Rendered(200, events=("event: delta\ndata: {}\n\n",))
    assert streamed.response().media_type == "text/event-stream"


def test_a_hung_model_step_process_is_killed_its_turn_failed_with_the_message_kept(
    db_path: str, now: datetime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A child stopped (SIGSTOP) while it holds a turn neither dies nor answers: the
    # watchdog's pings go unanswered, and after the hang limit it is killed and replaced.
    monkeypatch.setattr(model_steps, "HANG_S", 1.5)
    monkeypatch.setattr(model_steps, "PING_EVERY_S", 0.1)
    tokens = _users(db_path, now, "ann", "bob")
    answers: dict[str, Any] = {}

    def ask() -> None:
        answers["ann"] = _post(client, tokens["ann"], HANG)

    with TestClient(_app(db_path, now, tmp_path)) as client:
        steps = client.app.state.coach.model_steps  # type: ignore[attr-defined]
        before = steps.pids()
        asking = threading.Thread(target=ask)
        asking.start()
        deadline = time.monotonic() + WAIT_S
        while not list(tmp_path.glob("hanging-*")):
            assert time.monotonic() < deadline, "the model step never started"
            time.sleep(0.01)
        stopped = time.monotonic()
        os.kill(before[0], signal.SIGSTOP)
        asking.join(timeout=WAIT_S)
        waited = time.monotonic() - stopped
        # The replacement answers the next turns, another person's and ann's own.
        deadline = time.monotonic() + WAIT_S
        while steps.pids() == before or not steps.pids():
            assert time.monotonic() < deadline, "the hung child was never replaced"
            time.sleep(0.05)
        other = _post(client, tokens["bob"], "how was my week?")
        again = _post(client, tokens["ann"], "how was my week?")
        after = steps.pids()
    (tmp_path / "release").touch()
    hung = answers["ann"]
    assert hung.status_code == 503, hung.text
    assert hung.json()["message_saved"] is True
    # Silence counts from the last ping answered, up to one ping period before the stop.
    assert 1.5 - 2 * 0.1 <= waited < 1.5 + 10, waited
    assert other.status_code == 200 and again.status_code == 200, (other.text, again.text)
    assert set(before).isdisjoint(after)
    with pytest.raises(ProcessLookupError):
        os.kill(before[0], 0)  # killed and reaped, not left stopped
    db = connect(db_path)
    try:
        rows = db.execute(
            "SELECT m.content, t.status FROM messages m JOIN turns t ON t.id = m.turn_id "
            "WHERE m.role = 'user' AND m.user_id = (SELECT id FROM users WHERE name = 'ann') "
            "ORDER BY m.id"
        ).fetchall()
    finally:
        db.close()
    assert [tuple(row) for row in rows] == [(HANG, "failed"), ("how was my week?", "complete")]


def test_a_child_waiting_on_a_slow_model_answers_pings_and_is_left_alone(
    db_path: str, now: datetime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A model call that takes longer than the hang limit is not a hung child.
    monkeypatch.setattr(model_steps, "HANG_S", 0.5)
    monkeypatch.setattr(model_steps, "PING_EVERY_S", 0.05)
    tokens = _users(db_path, now, "ann")
    answers: dict[str, Any] = {}

    def ask() -> None:
        answers["ann"] = _post(client, tokens["ann"], HANG)

    with TestClient(_app(db_path, now, tmp_path)) as client:
        before = client.app.state.coach.model_steps.pids()  # type: ignore[attr-defined]
        asking = threading.Thread(target=ask)
        asking.start()
        time.sleep(2.0)  # four times the hang limit
        (tmp_path / "release").touch()
        asking.join(timeout=WAIT_S)
        after = client.app.state.coach.model_steps.pids()  # type: ignore[attr-defined]
    assert answers["ann"].status_code == 200, answers["ann"].text
    assert after == before
