"""The nested study picks settings on the inner folds only, and scores the held-out voice."""

from __future__ import annotations

from dataclasses import replace

from agent.models.offline.intent_build import OPTIONS
from agent.models.offline.intent_corpus import VOICES, load_corpus
from agent.models.offline.intent_select import (
    Selection,
    describe,
    report,
    select,
    select_spelling,
    spelling_name,
)
from agent.models.offline.intent_text import SPELLING_STEPS


def test_each_fold_uses_the_candidate_its_inner_folds_prefer() -> None:
    rows = [r for r in load_corpus() if r.intent in {"greeting", "log_sets", "goodbye"}]
    candidates = (replace(OPTIONS, c=0.01), replace(OPTIONS, c=2.0))
    selection = select(rows, candidates)
    names = [describe(c) for c in candidates]
    assert set(selection.inner) == set(selection.outer) == set(names)
    for voice in VOICES:
        chosen = selection.chosen(voice)
        assert all(selection.inner[chosen][voice] >= selection.inner[n][voice] for n in names)
        assert selection.nested_accuracy()[voice] == selection.outer[chosen][voice]
    figures = report(selection)
    assert figures["ships"] in names
    assert 0.0 <= figures["nested_mean"] <= 1.0


def test_the_overall_choice_is_the_best_inner_score_over_all_voices() -> None:
    selection = Selection(
        inner={"a": {"x": 0.9, "y": 0.5}, "b": {"x": 0.8, "y": 0.7}},
        outer={"a": {"x": 0.1, "y": 0.2}, "b": {"x": 0.3, "y": 0.4}},
    )
    assert selection.chosen("x") == "a" and selection.chosen("y") == "b"
    assert selection.overall() == "b"
    assert selection.nested_accuracy() == {"x": 0.1, "y": 0.4}


def test_the_spelling_study_compares_the_steps_with_the_model_fixed() -> None:
    rows = [r for r in load_corpus() if r.intent in {"greeting", "harder", "goodbye"}]
    selection = select_spelling(rows, spellings=((), SPELLING_STEPS))
    names = ["base", spelling_name(SPELLING_STEPS)]
    assert set(selection.inner) == set(selection.outer) == set(names)
    for voice in VOICES:
        assert selection.nested_accuracy()[voice] == selection.outer[selection.chosen(voice)][voice]
    assert report(selection, names[1])["shipped_now"] == names[1]
