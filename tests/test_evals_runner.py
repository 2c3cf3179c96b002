"""The runner: trials, seeds, concurrency, fresh databases, the response cache, the judge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.models.base import AssistantMessage
from agent.models.scripted import ScriptedModel, say
from evals.cache import DiskCache
from evals.judge import Judge, parse_verdict
from evals.runner import RunOptions, run, trial_seed
from evals.scenario import Scenario
from evals.simulator import Simulator


def _scenario(sid: str = "s", rubric: list[dict[str, Any]] | None = None) -> Scenario:
    return Scenario.model_validate(
        {
            "id": sid,
            "title": "t",
            "tags": ["coach"],
            "conversations": [{"turns": ["hello", "log 3x8 squats"]}],
            "checks": [{"type": "completed"}, {"type": "reply_matches", "pattern": "ok"}],
            "rubric": rubric or [],
        }
    )


class Echo:
    """A deterministic backend that counts its calls (thread-safe enough: += under GIL)."""

    name = "echo"

    def __init__(self) -> None:
        self.calls = 0

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        self.calls += 1
        return AssistantMessage(content=f"ok: {messages[-1]['content']}")


def test_trials_are_independent_and_seeds_are_recorded() -> None:
    backend = Echo()
    options = RunOptions(backend="echo", model_name="echo", trials=3, concurrency=4, seed=5)
    results = run([_scenario("a"), _scenario("b")], lambda s, t: backend, options)
    trials = results["trials"]
    assert [(t["scenario"], t["trial"]) for t in trials] == [
        ("a", 0),
        ("a", 1),
        ("a", 2),
        ("b", 0),
        ("b", 1),
        ("b", 2),
    ]
    assert all(t["passed"] for t in trials)
    assert trials[0]["seed"] == trial_seed(5, "a", 0) != trials[1]["seed"]
    # Each trial ran in its own fresh database: every transcript has exactly two turns.
    assert all(len(t["turns"]) == 2 for t in trials)
    assert backend.calls == 12
    config = results["config"]
    assert config["backend"] == "echo" and config["seed"] == 5 and config["config_hash"]
    assert config["git_revision"]
    assert results["summary"]["pass_hat_k"]["3"] == 1.0


def test_an_unchanged_rerun_costs_no_model_calls(tmp_path: Path) -> None:
    backend = Echo()
    options = RunOptions(backend="echo", model_name="echo", trials=2, cache_dir=tmp_path)
    first = run([_scenario()], lambda s, t: backend, options)
    assert first["model_calls"] == 4 == backend.calls
    second = run([_scenario()], lambda s, t: backend, options)
    assert second["model_calls"] == 0 and backend.calls == 4
    assert [t["turns"] for t in second["trials"]] == [t["turns"] for t in first["trials"]]


def test_the_judge_grades_each_item_and_caches_by_trial(tmp_path: Path) -> None:
    rubric = [
        {"criterion": "Greets the person", "points": 4, "dimension": "relevance"},
        {"criterion": "Invents a number", "points": -3, "dimension": "accuracy"},
    ]
    verdicts = [
        say('{"met": true, "explanation": "it says ok"}'),
        say('{"met": false, "explanation": "no numbers"}'),
    ] * 2
    judge_model = ScriptedModel(verdicts)
    judge = Judge(judge_model, model_id="judge-x", cache=DiskCache(tmp_path))
    options = RunOptions(trials=2, judge=judge, concurrency=1)
    results = run([_scenario(rubric=rubric)], lambda s, t: Echo(), options)
    judge_model.assert_complete()
    assert [t["rubric_score"] for t in results["trials"]] == [1.0, 1.0]
    rubric_summary = results["summary"]["rubric"]
    assert rubric_summary["graded"] and rubric_summary["by_dimension"]["relevance"] == 1.0
    # Rerun: every verdict comes from the cache (the scripted judge has nothing left).
    again = run([_scenario(rubric=rubric)], lambda s, t: Echo(), options)
    assert [t["rubric_score"] for t in again["trials"]] == [1.0, 1.0]


def test_without_a_judge_rubric_items_are_not_graded() -> None:
    rubric = [{"criterion": "Greets", "points": 4, "dimension": "relevance"}]
    results = run([_scenario(rubric=rubric)], lambda s, t: Echo(), RunOptions())
    trial = results["trials"][0]
    assert trial["rubric_score"] is None
    assert trial["rubric"][0]["met"] is None
    assert results["summary"]["rubric"]["graded"] is False


def test_unreadable_verdicts_are_not_graded() -> None:
    assert parse_verdict("sure!") == (None, "the judge's reply held no JSON object")
    assert parse_verdict('{"met": "yes"}')[0] is None
    assert parse_verdict('Verdict: {"met": false, "explanation": "x"}') == (False, "x")


def test_the_simulator_plays_the_persona_until_done() -> None:
    scenario = Scenario.model_validate(
        {
            "id": "sim",
            "title": "t",
            "tags": ["adapt"],
            "conversations": [
                {
                    "turns": ["scripted fallback"],
                    "persona": "a traveller",
                    "goal": "a 15 minute hotel workout",
                }
            ],
            "checks": [{"type": "completed"}],
        }
    )
    user = ScriptedModel([say("I have 15 minutes in a hotel room"), say("[DONE]")])
    options = RunOptions(simulator=Simulator(user), concurrency=1)
    trial = run([scenario], lambda s, t: Echo(), options)["trials"][0]
    assert [t["user"] for t in trial["turns"]] == ["I have 15 minutes in a hotel room"]
    assert trial["passed"]
    # The simulator saw the coach's reply as its "user" message on its second call.
    assert user.requests[1][0][-1]["content"].startswith("ok: I have 15")
    # Offline (no simulator) the scripted turns are the user side.
    offline = run([scenario], lambda s, t: Echo(), RunOptions())["trials"][0]
    assert [t["user"] for t in offline["turns"]] == ["scripted fallback"]


def test_results_are_json_serialisable() -> None:
    results = run([_scenario()], lambda s, t: Echo(), RunOptions())
    assert json.loads(json.dumps(results))["summary"]["score"] == 1.0


def test_trials_can_keep_their_database_files(tmp_path: Path) -> None:
    options = RunOptions(db_dir=tmp_path, trials=2)
    results = run([_scenario("kept")], lambda s, t: Echo(), options)
    assert all(t["passed"] for t in results["trials"])
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["kept.0.db", "kept.1.db"]


def test_simulated_turns_are_cached_too(tmp_path: Path) -> None:
    scenario = Scenario.model_validate(
        {
            "id": "sim-cache",
            "title": "t",
            "tags": ["adapt"],
            "conversations": [{"turns": ["x"], "persona": "p", "goal": "g"}],
        }
    )
    user = ScriptedModel([say("15 minutes in a hotel"), say("[DONE]")])
    options = RunOptions(simulator=Simulator(user), cache_dir=tmp_path, concurrency=1)
    first = run([scenario], lambda s, t: Echo(), options)
    second = run([scenario], lambda s, t: Echo(), options)
    user.assert_complete()
    assert second["trials"][0]["turns"] == first["trials"][0]["turns"]
    assert second["model_calls"] == 0
