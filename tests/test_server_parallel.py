"""`coach serve` runs different people's turns at once: hung model calls delay nobody else.

Even with every model worker hung, a red-flag message is answered on the fast path and
reads go on; an ordinary turn waits for a free worker, its message already stored.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent.memory.db import connect
from agent.memory.writer_queue import writes_are_urgent
from agent.models.base import AssistantMessage
from agent.server import api
from agent.server.app import create_app
from agent.server.state import ComputeGate, GatedModel, ModelStep, TurnWorkers
from tests.factories import make_token_user

WAIT_S = 10.0

HANG = "plan my whole year in detail"
MAX_DELAY_S = 0.100


class HangOnCue:
    """Answers at once, except the cue message, which hangs until released."""

    name = "hang-on-cue"

    def __init__(self) -> None:
        self.hanging = threading.Event()
        self.release = threading.Event()
        self.hung = 0
        self._lock = threading.Lock()

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        if messages[-1].get("content") == HANG:
            with self._lock:
                self.hung += 1
            self.hanging.set()
            self.release.wait(timeout=60)
        return AssistantMessage(content="Here is a short answer.")


def _fastest(client: TestClient, token: str, message: str, tries: int = 3) -> float:
    """The quickest of a few turns: the least noisy latency on a shared machine."""
    best = float("inf")
    for _ in range(tries):
        started = time.perf_counter()
        response = client.post(
            "/v1/chat", json={"message": message}, headers={"Authorization": f"Bearer {token}"}
        )
        best = min(best, time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return best


def test_a_hung_model_for_one_person_does_not_delay_another(db_path: str, now: datetime) -> None:
    db = connect(db_path)
    _, ann = make_token_user(db, now, "ann")
    _, bob = make_token_user(db, now, "bob")
    db.close()
    model = HangOnCue()
    app = create_app(db_path, model=model, clock=lambda: now, operator_auth=False)
    with TestClient(app) as client:
        quiet_turn = _fastest(client, bob, "how was my week?")
        quiet_emergency = _fastest(client, bob, "I have crushing chest pain")
        hung: list[int] = []
        ann_turn = threading.Thread(
            target=lambda: hung.append(
                client.post(
                    "/v1/chat", json={"message": HANG}, headers={"Authorization": f"Bearer {ann}"}
                ).status_code
            )
        )
        ann_turn.start()
        try:
            assert model.hanging.wait(timeout=30), "ann's model call never started"
            busy_turn = _fastest(client, bob, "how was my week?")
            busy_emergency = _fastest(client, bob, "I have crushing chest pain")
            history = client.get("/v1/history", headers={"Authorization": f"Bearer {bob}"})
            assert history.status_code == 200
            assert ann_turn.is_alive(), "ann's call ended early: the test proved nothing"
        finally:
            model.release.set()
            ann_turn.join(timeout=60)
    assert hung == [200]
    assert busy_turn - quiet_turn <= MAX_DELAY_S, (quiet_turn, busy_turn)
    assert busy_emergency - quiet_emergency <= MAX_DELAY_S, (quiet_emergency, busy_emergency)


def _post(client: TestClient, token: str, message: str) -> Any:
    return client.post(
        "/v1/chat", json={"message": message}, headers={"Authorization": f"Bearer {token}"}
    )


def test_a_full_model_pool_delays_no_safety_reply_and_no_read(db_path: str, now: datetime) -> None:
    db = connect(db_path)
    tokens = {name: make_token_user(db, now, name)[1] for name in ("ann", "cat", "bob", "dan")}
    db.close()
    model = HangOnCue()
    app = create_app(db_path, model=model, clock=lambda: now, operator_auth=False, model_workers=2)
    with TestClient(app) as client:
        quiet_emergency = _fastest(client, tokens["bob"], "I have crushing chest pain")
        quiet_read = min(
            _timed(lambda: client.get("/v1/history", headers=_auth(tokens["bob"])))
            for _ in range(3)
        )
        answers: dict[str, int] = {}

        def ask(name: str) -> None:
            answers[name] = _post(client, tokens[name], HANG).status_code

        hung = [threading.Thread(target=ask, args=(name,)) for name in ("ann", "cat")]
        for thread in hung:
            thread.start()
        queued = threading.Thread(
            target=lambda: answers.update(
                dan=_post(client, tokens["dan"], "how was my week?").status_code
            )
        )
        try:
            deadline = time.monotonic() + 30
            while model.hung < 2:
                assert time.monotonic() < deadline, "the model pool never filled"
                time.sleep(0.01)
            queued.start()  # waits for a model worker: both are hung
            busy_emergency = _fastest(client, tokens["bob"], "I have crushing chest pain")
            # The person whose own model call hangs gets the emergency reply at once too.
            own = _timed(lambda: _post(client, tokens["ann"], "now I have crushing chest pain"))
            busy_read = min(
                _timed(lambda: client.get("/v1/history", headers=_auth(tokens["bob"])))
                for _ in range(3)
            )
            assert all(thread.is_alive() for thread in hung), "a hung call ended early"
            assert queued.is_alive(), "dan's turn ran without a free model worker"
        finally:
            model.release.set()
            for thread in [*hung, queued]:
                thread.join(timeout=60)
    assert answers == {"ann": 200, "cat": 200, "dan": 200}
    assert busy_emergency - quiet_emergency <= MAX_DELAY_S, (quiet_emergency, busy_emergency)
    assert own - quiet_emergency <= MAX_DELAY_S, (quiet_emergency, own)
    assert busy_read - quiet_read <= MAX_DELAY_S, (quiet_read, busy_read)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _timed(request: Any) -> float:
    started = time.perf_counter()
    response = request()
    assert response.status_code == 200, response.text
    return time.perf_counter() - started


class CountingModel:
    """Records how many callers were computing (holding a gate place) during each call."""

    name = "counting"

    def __init__(self, gate: threading.Semaphore) -> None:
        self.gate = gate
        self.free_during_calls: list[int] = []

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        # Count the free places without keeping any: the caller's own place is free now.
        taken = 0
        while self.gate.acquire(blocking=False):
            taken += 1
        for _ in range(taken):
            self.gate.release()
        self.free_during_calls.append(taken)
        return AssistantMessage(content="ok")


def test_a_gated_model_gives_up_its_place_while_the_model_answers() -> None:
    gate = threading.Semaphore(2)
    inner = CountingModel(gate)
    gated = GatedModel(inner, gate)
    with gate:  # the model step computing
        assert gated.complete([{"role": "user", "content": "hi"}], []).content == "ok"
        assert gate.acquire(blocking=False) is True  # its place came back: 1 of 2 taken
        gate.release()
    assert inner.free_during_calls == [2]
    assert gated.name == "counting"


def test_only_a_few_model_steps_compute_at_once() -> None:
    workers = TurnWorkers(model_workers=8, computing=2)
    inside: list[int] = []
    lock = threading.Lock()
    busy = [0]

    def compute() -> None:
        with workers.computing:
            with lock:
                busy[0] += 1
                inside.append(busy[0])
            time.sleep(0.02)
            with lock:
                busy[0] -= 1

    futures = [workers.model.submit(compute) for _ in range(8)]
    for future in futures:
        future.result(timeout=30)
    workers.close()
    assert max(inside) == 2


def test_a_model_step_gives_way_to_a_fast_step_in_progress() -> None:
    gate = ComputeGate(places=2, precedence_s=5.0)
    entered = threading.Event()

    def model_step() -> None:
        with gate:
            entered.set()

    with gate.fast_step():
        thread = threading.Thread(target=model_step)
        thread.start()
        # A place is free, but a fast step is in progress: the model step waits.
        assert not entered.wait(0.2)
    assert entered.wait(5)  # the fast step ended: it goes ahead at once
    thread.join(5)


def test_a_model_step_waits_for_fast_steps_only_so_long() -> None:
    # Messages arriving without pause must delay answers a little, never stop them.
    gate = ComputeGate(places=1, precedence_s=0.05)
    with gate.fast_step():
        started = time.perf_counter()
        assert gate.acquire()
        waited = time.perf_counter() - started
        assert 0.04 <= waited < 2.0
        assert gate.acquire(blocking=False) is False  # its one place is taken
        gate.release()
        assert gate.acquire(blocking=False) is True  # no wait when not blocking
        gate.release()


def test_a_turn_runs_its_fast_step_then_its_model_step_on_the_two_pools() -> None:
    workers = TurnWorkers(model_workers=2)
    seen: list[tuple[str, bool]] = []

    def fast_reply() -> str:
        seen.append((threading.current_thread().name, writes_are_urgent()))
        return "fixed reply"

    def needs_model() -> str | ModelStep[str]:
        seen.append((threading.current_thread().name, writes_are_urgent()))

        def model() -> str:
            seen.append((threading.current_thread().name, writes_are_urgent()))
            return "model reply"

        return ModelStep(model)

    try:
        assert asyncio.run(workers.run_turn(fast_reply)) == "fixed reply"
        assert asyncio.run(workers.run_turn(needs_model)) == "model reply"
    finally:
        workers.close()
    # Fast steps run on the fast pool with urgent writes; the model step on its own pool.
    assert [(name.split("_")[0], urgent) for name, urgent in seen] == [
        ("coach-fast", True),
        ("coach-fast", True),
        ("coach-model", False),
    ]


def test_a_turn_raises_what_either_step_raised() -> None:
    workers = TurnWorkers(model_workers=1)

    def refused() -> str:
        raise PermissionError("401")

    def failing_model() -> str:
        raise RuntimeError("model failed")

    def to_the_model() -> str | ModelStep[str]:
        return ModelStep(failing_model)

    try:
        with pytest.raises(PermissionError, match="401"):
            asyncio.run(workers.run_turn(refused))
        with pytest.raises(RuntimeError, match="model failed"):
            asyncio.run(workers.run_turn(to_the_model))
    finally:
        workers.close()


def test_a_model_step_handed_on_runs_to_its_end_when_the_request_is_cancelled() -> None:
    # It holds the person's place in line: dropping it would stall their next turns.
    workers = TurnWorkers(model_workers=1)
    release, finished = threading.Event(), threading.Event()

    def model() -> str:
        release.wait(WAIT_S)
        finished.set()
        return "done"

    def to_the_model() -> str | ModelStep[str]:
        return ModelStep(model)

    async def cancel_while_waiting() -> None:
        turn = asyncio.ensure_future(workers.run_turn(to_the_model))
        await asyncio.sleep(0.05)
        turn.cancel()
        with pytest.raises(asyncio.CancelledError):
            await turn

    try:
        asyncio.run(cancel_while_waiting())
        release.set()
        assert finished.wait(WAIT_S)
    finally:
        workers.close()


def test_a_red_flag_takes_the_urgent_lane_past_a_full_fast_pool(
    db_path: str, now: datetime
) -> None:
    db = connect(db_path)
    token = make_token_user(db, now, "bob")[1]
    db.close()
    app = create_app(db_path, clock=lambda: now, operator_auth=False)
    release = threading.Event()
    with TestClient(app) as client:
        workers: TurnWorkers = app.state.coach.workers
        # Every fast thread busy (a burst of ordinary first turns, say).
        blockers = [workers.fast.submit(release.wait, WAIT_S) for _ in range(8)]
        try:
            emergency = _post(client, token, "I have crushing chest pain")
            assert emergency.status_code == 200
            assert emergency.json()["safety"]["tier"] == "emergency"
            ordinary = threading.Thread(target=lambda: _post(client, token, "hi coach"))
            ordinary.start()
            ordinary.join(0.3)
            assert ordinary.is_alive()  # an ordinary message waits for the fast pool
        finally:
            release.set()
            for blocker in blockers:
                blocker.result(WAIT_S)
        ordinary.join(WAIT_S)


@pytest.mark.parametrize(
    ("message", "urgent"),
    [
        ("I have crushing chest pain", True),
        ("my left arm went numb and my face is drooping", True),
        ("chest day today, what should I do?", False),
        ("log 3x8 goblet squats at 16 kg", False),
    ],
)
def test_the_lane_is_chosen_by_the_message_alone(message: str, urgent: bool) -> None:
    assert api._reads_as_red_flag(message) is urgent
