"""The harness against a real HTTP OpenAI-compatible server on 127.0.0.1.

The coach runs through the real ``openai`` backend; the judge asks at temperature 0 with
a seed; an unchanged rerun through `coach eval run` costs no model calls.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli.main import app
from evals.judge import judge_from_env
from evals.records import TurnRecord
from evals.scenario import RubricItem
from tests.openai_stub import Reply, completion, ok, serve


def test_the_judge_asks_at_temperature_zero_with_a_seed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serve() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        server.push(ok('{"met": true, "explanation": "it told them to stop"}'))
        judge = judge_from_env("judge-model", seed=42, cache=None)
        assert judge is not None
        item = RubricItem(criterion="Tells them to stop", points=5, dimension="safety")
        turns = [TurnRecord(index=1, conversation=1, user="dizzy", reply="Stop and rest.")]
        verdict = judge.grade(item, turns, trial=0)
    assert verdict.met is True
    body = server.requests[0]
    assert body["model"] == "judge-model"
    assert body["temperature"] == 0 and body["seed"] == 42
    assert "Tells them to stop" in body["messages"][0]["content"]


def test_no_judge_without_a_model_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACH_JUDGE_MODEL", raising=False)
    assert judge_from_env(None, seed=0, cache=None) is None


def test_a_rerun_through_the_cli_costs_no_model_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "s.yaml").write_text(
        "- id: hello\n  title: t\n  tags: [coach]\n"
        "  conversations: [{turns: ['hello', 'thanks']}]\n"
        "  checks: [{type: reply_matches, pattern: noted}]\n"
    )
    runner = CliRunner()
    with serve(default=Reply(body=completion("Noted."))) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        args = [
            "eval",
            "run",
            str(folder),
            "--model",
            "openai",
            "--json",
            "--trials",
            "2",
            "--runs-dir",
            str(tmp_path / "runs"),
        ]
        first = runner.invoke(app, args)
        assert first.exit_code == 0, first.output
        calls_after_first = len(server.requests)
        second = runner.invoke(app, args)
        assert second.exit_code == 0, second.output
    assert calls_after_first == 4
    assert len(server.requests) == 4
    assert json.loads(first.stdout)["model_calls"] == 4
    assert json.loads(second.stdout)["model_calls"] == 0


def test_the_simulator_plays_a_persona_through_the_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from evals.scenario import Conversation
    from evals.simulator import simulator_from_env

    with serve() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        server.push(ok("hotel room, 15 minutes, nothing but me"), ok("[DONE]"))
        simulator = simulator_from_env("user-model", seed=7)
        assert simulator is not None
        conversation = Conversation(
            turns=["15 minutes in a hotel"], persona="a consultant", goal="a hotel workout"
        )
        first = simulator.next_turn(conversation, [], 1)
        done = simulator.next_turn(conversation, [(first or "", "Here is a plan.")], 2)
    assert first == "hotel room, 15 minutes, nothing but me"
    assert done is None
    body = server.requests[0]
    assert body["model"] == "user-model" and body["seed"] == 7 and body["temperature"] == 0.7
    assert "a consultant" in body["messages"][0]["content"]
    assert server.requests[1]["messages"][-1]["content"] == "Here is a plan."
