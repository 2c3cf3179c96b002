"""Paraphrase sets, the canned-reply rate and the NLU figures in compare."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import UserInputError
from agent.models.offline.intent_corpus import load_corpus
from evals.nlu import canned_replies, nlu_lines
from evals.records import TrialRecord, TurnRecord
from evals.report import compare
from evals.scenario import MIN_PARAPHRASES, load_scenarios

SCENARIO = """
- id: plan-x
  title: t
  tags: [plan]
  conversations: [{{turns: ["what should I do today?"]}}]
  paraphrases:
{items}
"""


def _scenario(tmp_path: Path, items: list[str]) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(items="\n".join(f"    - {i}" for i in items)))
    return path


def test_a_paraphrase_set_runs_as_scenarios_of_their_own(tmp_path: Path) -> None:
    voices = ["terse", "chatty", "slang", "non-native", "formal"]
    items = [f'{{voice: {v}, turns: ["today\'s session ({v})"]}}' for v in voices]
    found = load_scenarios([_scenario(tmp_path, items)])
    assert [s.id for s in found] == ["plan-x", *(f"plan-x.{v}" for v in voices)]
    assert found[1].conversations[0].turns == ["today's session (terse)"]
    assert "paraphrase" in found[1].tags and found[1].checks == found[0].checks


@pytest.mark.parametrize(
    "items",
    [
        ['{voice: terse, turns: ["a"]}'] * MIN_PARAPHRASES,  # one voice five times
        ['{voice: terse, turns: ["a"]}'],  # too few
        [
            f'{{voice: {v}, turns: ["a", "b"]}}'
            for v in ("terse", "chatty", "slang", "formal", "story")
        ],
    ],
)
def test_bad_paraphrase_sets_are_refused(tmp_path: Path, items: list[str]) -> None:
    with pytest.raises(UserInputError, match="paraphrase"):
        load_scenarios([_scenario(tmp_path, items)])


def test_shipped_paraphrases_cover_every_loop_step_and_are_not_training_rows() -> None:
    scenarios = load_scenarios()
    with_sets = [s for s in scenarios if "paraphrase" in s.tags]
    base = {s.id.split(".")[0] for s in with_sets}
    assert len(base) >= 15
    steps = {t for s in scenarios if s.id in base for t in s.tags}
    assert {"listen", "plan", "coach", "adapt", "remember"} <= steps
    corpus = {" ".join(r.text.lower().split()) for r in load_corpus()}
    for scenario in with_sets:
        for conversation in scenario.conversations:
            for turn in conversation.turns:
                assert " ".join(turn.lower().split()) not in corpus, turn


def _trial(scenario: str, pairs: list[tuple[str, str]], tier: str = "none") -> TrialRecord:
    turns = [
        TurnRecord(index=i, conversation=1, user=u, reply=r, safety={"tier": tier})
        for i, (u, r) in enumerate(pairs, 1)
    ]
    return TrialRecord(
        scenario=scenario, trial=0, seed=0, tags=["plan"], turns=turns, checks=[], passed=True
    )


def test_canned_replies_are_the_fallback_or_one_reply_to_many_messages() -> None:
    menu = "I didn't catch what you'd like. I understand messages like: ..."
    same = [("a", "Sure thing 1."), ("b", "Sure thing 2."), ("c", "Sure thing 3.")]
    trials = [
        _trial("one", [("hello", menu), ("plan", "Today's session: squats")]),
        _trial("two", same),
        _trial("three", [("x", "Today's session: squats")]),  # same plan, other scenario
        _trial("stop", [("chest pain", "Stop now.")] * 3, tier="stop"),  # fixed on purpose
    ]
    found = canned_replies(trials)
    assert (found["canned"], found["turns"]) == (4, 6)
    assert any("canned replies" in line for line in nlu_lines({"canned": found}))


def _run(canned: float, accuracy: float | None) -> dict[str, object]:
    summary: dict[str, object] = {"score": 1.0, "scenarios": {}, "canned": {"rate": canned}}
    if accuracy is not None:
        summary["nlu"] = {"mean_accuracy": accuracy}
    return {"config": {}, "trials": [], "summary": summary}


def test_compare_includes_the_nlu_figures() -> None:
    diff = compare(_run(0.1, None), _run(0.0, 0.9))
    assert diff["nlu"]["canned replies"] == (0.1, 0.0)
    assert diff["nlu"]["intent accuracy (voice held out)"] == (None, 0.9)


def test_the_held_out_accuracy_is_printed_without_rounding_up_to_a_target() -> None:
    nlu = {"mean_accuracy": 0.94990, "per_voice": {"story": 0.9260}, "most_confused": []}
    (line,) = nlu_lines({"nlu": nlu})
    assert "0.9499" in line and "0.950 " not in line
