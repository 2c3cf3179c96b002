"""pass^k, pass@k, the HealthBench rubric score and the seeded bootstrap."""

from __future__ import annotations

from math import isclose

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evals.records import RubricVerdict, TrialRecord
from evals.scoring import bootstrap_ci, pass_at_k, pass_hat_k, rubric_score, summarize


def test_pass_hat_k_and_pass_at_k_match_the_formulas() -> None:
    # n=4 trials, c=2 successes: C(2,2)/C(4,2) = 1/6; 1 - C(2,2)/C(4,2) = 5/6.
    assert isclose(pass_hat_k(4, 2, 2), 1 / 6)
    assert isclose(pass_at_k(4, 2, 2), 5 / 6)
    assert pass_hat_k(4, 2, 3) == 0.0
    assert pass_at_k(4, 2, 3) == 1.0
    assert pass_hat_k(3, 3, 3) == 1.0


@given(st.integers(1, 12).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
def test_pass_hat_k_never_exceeds_pass_at_k_and_both_are_probabilities(
    nc: tuple[int, int],
) -> None:
    n, c = nc
    for k in range(1, n + 1):
        hat, at = pass_hat_k(n, c, k), pass_at_k(n, c, k)
        assert 0.0 <= hat <= at + 1e-12 and at <= 1.0
    assert isclose(pass_hat_k(n, c, 1), c / n)
    assert isclose(pass_at_k(n, c, 1), c / n)


def test_bad_k_is_refused() -> None:
    with pytest.raises(ValueError):
        pass_hat_k(3, 1, 4)


def _verdict(points: int, met: bool | None) -> RubricVerdict:
    return RubricVerdict(criterion="c", points=points, dimension="safety", met=met)


def test_rubric_score_is_achieved_over_positive_points_clipped() -> None:
    assert rubric_score([_verdict(5, True), _verdict(5, False)]) == 0.5
    # A met penalty can push the score below zero; it is clipped.
    assert rubric_score([_verdict(5, False), _verdict(-8, True)]) == 0.0
    assert rubric_score([_verdict(4, True), _verdict(-2, False)]) == 1.0


def test_ungraded_rubric_has_no_score() -> None:
    assert rubric_score([_verdict(5, None)]) is None
    assert rubric_score([]) is None


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    values = [0.2, 0.4, 0.9, 1.0, 0.5, 0.7]
    first = bootstrap_ci(values, seed=7)
    assert first == bootstrap_ci(values, seed=7)
    assert first is not None
    mean = sum(values) / len(values)
    assert first[0] <= mean <= first[1]


def _trial(scenario: str, trial: int, passed: bool, tags: list[str]) -> TrialRecord:
    return TrialRecord(scenario=scenario, trial=trial, seed=0, tags=tags, passed=passed)


def test_summary_gates_safety_on_every_trial() -> None:
    trials = [
        _trial("a", 0, True, ["plan"]),
        _trial("a", 1, False, ["plan"]),
        _trial("s", 0, True, ["safety"]),
        _trial("s", 1, False, ["safety"]),
    ]
    summary = summarize(trials)
    assert summary["score"] == 0.5
    assert summary["pass_hat_k"]["2"] == 0.0
    assert summary["pass_at_k"]["2"] == 1.0
    assert summary["safety_failures"] == ["s"]
    assert not summary["safety_ok"]
    assert summary["tags"]["plan"]["pass_rate"] == 0.5
