"""Threshold selection for the screen's classifier (build time, ``safety.screen_select``).

The thresholds must come from the training rows alone: these tests pin how a grid point
is scored against the issue's targets and that the choice is deterministic and moves
the way the evidence says.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from safety.classifier import Thresholds
from safety.labelled import Row
from safety.screen_select import (
    GRID,
    ORDINARY_ALLOWED,
    RECALL_WEIGHT,
    TARGETS,
    _evidence,
    _figures,
    _tiers,
    distance,
    room,
    select,
)
from safety.textclf_train import TrainOptions, out_of_group_scores
from safety.tiers import Tier


def test_figures_that_meet_every_target_are_at_distance_zero() -> None:
    met = {name: (0.0 if name.startswith("benign") else 1.0) for name in TARGETS}
    assert distance(met) == 0.0


def test_a_shortfall_counts_in_units_of_the_error_the_target_allows() -> None:
    met = {name: (0.0 if name.startswith("benign") else 1.0) for name in TARGETS}
    # 1% of emergencies may be missed: 3% missed is two allowed errors over the target,
    # and a missed red flag weighs RECALL_WEIGHT times a false alarm.
    emergencies = dict(met, emergency_recall=0.97)
    # 2% of benign messages may be stopped: 4% stopped is one allowed error over.
    benign = dict(met, benign_fp_stop_or_worse=0.04)
    assert abs(distance(emergencies) - 2.0 * RECALL_WEIGHT) < 1e-9
    assert abs(distance(benign) - 1.0) < 1e-9
    both = {**emergencies, "benign_fp_stop_or_worse": 0.04}
    assert abs(distance(both) - (2.0 * RECALL_WEIGHT + 1.0)) < 1e-9


def test_ordinary_chat_asked_the_question_counts_against_a_grid_point() -> None:
    met = {name: (0.0 if name.startswith("benign") else 1.0) for name in TARGETS}
    asked = dict(met, ordinary_check_or_worse=2 * ORDINARY_ALLOWED)
    assert abs(distance(asked) - 1.0) < 1e-9
    assert distance(dict(met, ordinary_check_or_worse=ORDINARY_ALLOWED)) == 0.0


def _row(text: str, label: Tier, voice: str = "terse") -> Row:
    acceptable = (Tier.STOP, Tier.EMERGENCY) if label is Tier.STOP else (label,)
    return Row(text, label, acceptable, "test", voice)


ROWS = [
    _row("my training partner looks grey and has slumped over the bench", Tier.EMERGENCY),
    _row("pressure in the middle of my chest that will not go away", Tier.EMERGENCY),
    _row("my calf went twang on the sprint and now it is bruising badly", Tier.STOP),
    _row("sorry only fifteen minutes for training today", Tier.NONE),
    _row("logged three sets of squats at sixty kilos", Tier.NONE),
    _row("can we move tomorrows session to saturday morning", Tier.NONE),
]


def _probabilities(emergency: list[float]) -> dict[Tier, np.ndarray]:
    e = np.array(emergency)
    zero = np.zeros_like(e)
    return {
        Tier.EMERGENCY: e,
        Tier.CHECK: zero,
        Tier.STOP: zero,
        Tier.CAUTION: zero,
        Tier.NONE: 1.0 - e,
    }


def test_selection_is_a_grid_point_and_deterministic() -> None:
    p = _probabilities([0.9, 0.8, 0.1, 0.05, 0.05, 0.05])
    first = select(ROWS, p)
    assert first == select(ROWS, p)
    for name, values in GRID.items():
        assert getattr(first, name) in values
    assert first.check_emergency < first.emergency
    assert first.check_emergency <= first.check_general


def test_selection_lowers_the_emergency_threshold_when_emergencies_score_low() -> None:
    confident = select(ROWS, _probabilities([0.9, 0.8, 0.1, 0.05, 0.05, 0.05]))
    timid = select(ROWS, _probabilities([0.35, 0.32, 0.1, 0.05, 0.05, 0.05]))
    assert timid.emergency <= 0.3 < 0.35
    assert isinstance(confident, Thresholds)


def test_room_is_the_smallest_slack_to_the_targets() -> None:
    met = {name: (0.0 if name.startswith("benign") else 1.0) for name in TARGETS}
    assert room(met) == 1.0
    # Half the allowed benign stops used: half the room left; a missed target: negative.
    assert abs(room(dict(met, benign_fp_stop_or_worse=0.01)) - 0.5) < 1e-9
    assert room(dict(met, emergency_recall=0.98)) < 0.0


def test_among_points_that_meet_the_targets_the_one_with_most_room_wins() -> None:
    # One benign story in sixty scores 0.35 for an emergency: 1.7% of benign messages
    # stopped is within the 2% target, so every emergency threshold up to 0.35 meets the
    # targets too. The lowest of them (the first grid point) spends the whole allowance
    # on the training rows; the selection keeps the room a new voice will need.
    benign = [
        _row(f"a long story about my run number {i} and the hills", Tier.NONE) for i in range(60)
    ]
    rows = [*ROWS[:2], *benign]
    p = _probabilities([0.9, 0.8, 0.35, *([0.01] * 59)])
    chosen = select(rows, p)
    assert chosen.emergency > 0.35
    e = _evidence(rows, p, None)
    assert distance(_figures(e, _tiers(e, chosen))) == 0.0


def test_a_row_whose_words_the_model_never_learned_is_an_abstention() -> None:
    # At run time the classifier says nothing when it knows none of a message's words
    # (``ScreenClassifier.verdict``); selection must count those rows the same way, or it
    # buys recall with scores the screen never acts on.
    emergencies_high = _probabilities([0.9, 0.9, 0.1, 0.05, 0.05, 0.05])
    known = np.array([False, False, True, True, True, True])
    seen = _evidence(ROWS, emergencies_high, None)
    unseen = _evidence(ROWS, emergencies_high, known)
    thresholds = Thresholds(emergency=0.5)
    silent = _evidence(ROWS, _probabilities([0.0] * 6), None)
    recall = {
        name: _figures(e, _tiers(e, thresholds))["emergency_recall"]
        for name, e in (("seen", seen), ("unseen", unseen), ("silent", silent))
    }
    # Unknown words: only the rules speak, as if the classifier had scored nothing.
    assert recall["seen"] == 1.0
    assert recall["unseen"] == recall["silent"] < 1.0


def test_out_of_group_scores_say_which_rows_their_model_could_read() -> None:
    texts = [
        "chest pain now",
        "chest tight now",
        "zebra quokka now",
        "legs sore today",
        "legs tired today",
        "sore legs today",
    ]
    labels = ["emergency", "emergency", "emergency", "none", "none", "none"]
    groups = ["a", "b", "c", "a", "b", "c"]

    def knows(text: str, in_vocabulary: Callable[[str], bool]) -> bool:
        return any(in_vocabulary(f"w:{word}") for word in text.split() if word != "now")

    classes, scores, known = out_of_group_scores(
        texts, labels, groups, TrainOptions(folds=2), knows
    )
    assert classes == ["emergency", "none"]
    assert scores.shape == (6, 1)
    # "zebra quokka" is only ever seen by the model that is trained without it.
    assert known.tolist() == [True, True, False, True, True, True]
