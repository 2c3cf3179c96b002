"""`coach serve` runs different people's turns at once: one hung model call delays nobody else."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from agent.memory.db import connect
from agent.models.base import AssistantMessage
from agent.server.app import create_app
from tests.factories import make_token_user

HANG = "plan my whole year in detail"
MAX_DELAY_S = 0.100


class HangOnCue:
    """Answers at once, except the cue message, which hangs until released."""

    name = "hang-on-cue"

    def __init__(self) -> None:
        self.hanging = threading.Event()
        self.release = threading.Event()

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        if messages[-1].get("content") == HANG:
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
