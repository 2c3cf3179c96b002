"""The screen's classifier: built by ``make models``, applied without scikit-learn.

- the committed export is exactly what the build step makes from the committed corpus
  (so nobody can hand-edit weights or forget to rebuild after changing rules or data);
- the run-time apply (plain Python, ``safety.textclf``) predicts what scikit-learn
  predicts, on every corpus message;
- the screen's run time imports neither scikit-learn nor numpy.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from safety.classifier import (
    ALARMING_LABEL,
    MODEL_PATH,
    MOOD_LABEL,
    ScreenClassifier,
    Thresholds,
    load_thresholds,
    save_thresholds,
    training_label,
)
from safety.labelled import corpus_files, read
from safety.screen import classifier_text, screen
from safety.screen_build import (
    C_CANDIDATES,
    export_options,
    out_of_voice_probabilities,
    recorded_choices,
    training_rows,
)
from safety.screen_select import select_scored
from safety.textclf import TextClassifier, export_paths
from safety.textclf_train import export, fit, sklearn_probabilities
from safety.tiers import Tier


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, list[str], Path]:
    rows = training_rows(read(corpus_files()))
    texts = [classifier_text(row.text) for row in rows]
    # The C the build chose is read from screen.choice.json: the search that chose it
    # trains three models where this trains one (``test_the_recorded_choice_...``
    # checks the recorded choice without redoing the search).
    labels = [training_label(row.label.value, row.category) for row in rows]
    pipeline = fit(texts, labels, export_options())
    path = tmp_path_factory.mktemp("model") / "screen"
    export(pipeline, path)
    return pipeline, texts, path


def test_the_committed_export_is_what_make_models_builds(
    built: tuple[object, list[str], Path],
) -> None:
    _, _, path = built
    for fresh, committed in zip(export_paths(path), export_paths(MODEL_PATH), strict=True):
        # Digests, not the bytes: pytest's diff of two megabytes runs for hours.
        assert (
            hashlib.sha256(fresh.read_bytes()).hexdigest()
            == hashlib.sha256(committed.read_bytes()).hexdigest()
        ), f"{committed.name} is stale: run `make models` and commit the result"


def test_the_export_predicts_what_scikit_learn_predicts_on_the_whole_corpus(
    built: tuple[object, list[str], Path],
) -> None:
    pipeline, texts, path = built
    expected = sklearn_probabilities(pipeline, texts)
    model = TextClassifier.load(path)
    got = np.array([[model.probabilities(t)[label] for label in model.labels] for t in texts])
    assert got.shape == expected.shape
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))
    assert np.allclose(got, expected, rtol=0, atol=1e-9)


def test_the_runtime_never_imports_scikit_learn_or_numpy() -> None:
    code = (
        "import sys; from safety import screen; screen('my chest feels tight and i am dizzy'); "
        "assert 'sklearn' not in sys.modules, 'sklearn imported at run time'; "
        "assert 'numpy' not in sys.modules, 'numpy imported at run time'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _fixed(probabilities: dict[Tier, float]) -> ScreenClassifier:
    class Fixed(ScreenClassifier):
        def label_probabilities(self, readable: str) -> dict[str, float]:
            return {tier.value: p for tier, p in probabilities.items()}

    return Fixed(TextClassifier.load(MODEL_PATH), Thresholds())


def _p(
    none: float = 0.0,
    caution: float = 0.0,
    check: float = 0.0,
    stop: float = 0.0,
    emergency: float = 0.0,
) -> dict[Tier, float]:
    return {
        Tier.NONE: none,
        Tier.CAUTION: caution,
        Tier.CHECK: check,
        Tier.STOP: stop,
        Tier.EMERGENCY: emergency,
    }


@pytest.mark.parametrize(
    ("probabilities", "tier"),
    [
        (_p(emergency=0.9, none=0.1), Tier.EMERGENCY),
        (_p(emergency=0.35, none=0.65), Tier.CHECK),
        (_p(check=0.7, none=0.3), Tier.CHECK),
        (_p(stop=0.8, none=0.2), Tier.STOP),
        (_p(caution=0.9, none=0.1), Tier.NONE),
        (_p(none=1.0), Tier.NONE),
    ],
)
def test_probabilities_become_a_tier_by_the_thresholds(
    probabilities: dict[Tier, float], tier: Tier
) -> None:
    assert _fixed(probabilities).verdict("my chest feels rather odd today").tier is tier


def test_too_few_words_to_read_is_no_verdict() -> None:
    assert _fixed(_p(emergency=1.0)).verdict("swimming and cycling").tier is Tier.NONE


def test_a_classifier_check_names_the_cardinal_area_of_its_question() -> None:
    verdict = _fixed(_p(check=0.9, none=0.1)).verdict("my chest feels rather odd today")
    assert verdict.topic == "chest"
    assert (
        _fixed(_p(emergency=0.3, none=0.7)).verdict("something feels rather wrong today").topic
        == "general"
    )


@pytest.mark.parametrize(
    "text",
    [
        "sorry only fifteen minutes today",
        "logged three sets of squats",
        "can we move tomorrows session",
    ],
)
def test_without_a_cardinal_word_only_emergency_probability_asks_the_question(
    text: str,
) -> None:
    # Ordinary messages about time, sets and plans: the check class alone is not enough.
    assert _fixed(_p(check=0.9, none=0.1)).verdict(text).tier is Tier.NONE
    assert _fixed(_p(emergency=0.3, none=0.7)).verdict(text).tier is Tier.CHECK


def test_the_classifier_confirms_a_rules_stop_as_an_emergency() -> None:
    thresholds = Thresholds(confirm=0.2)
    model = _fixed(_p(emergency=0.25, stop=0.5, none=0.25))
    model.thresholds = thresholds
    text = "pulse all over the place and lightheaded"
    assert model.verdict(text, Tier.STOP).tier is Tier.EMERGENCY
    assert model.verdict(text, Tier.NONE).tier is Tier.CHECK
    assert model.verdict(text, Tier.CAUTION).tier is Tier.CHECK


def test_a_told_recovery_turns_a_classifier_only_emergency_into_the_question() -> None:
    model = _fixed(_p(emergency=0.9, none=0.1))
    text = "heart was going mad after the sprints but it came down fast"
    asked = model.verdict(text, Tier.CAUTION, recovered=True)
    assert asked.tier is Tier.CHECK
    assert asked.topic == "heart"
    # Without the recovery, or when the rules found a stop, the alarm stands.
    assert model.verdict(text, Tier.CAUTION).tier is Tier.EMERGENCY
    assert model.verdict(text, Tier.STOP, recovered=True).tier is Tier.EMERGENCY
    # Nothing cardinal to ask about (a crisis told calmly): the alarm stands.
    calm = "decided tonight is the night and i feel calm now"
    assert model.verdict(calm, Tier.NONE, recovered=True).tier is Tier.EMERGENCY


def test_a_told_recovery_turns_a_classifier_only_stop_into_the_question() -> None:
    model = _fixed(_p(stop=0.8, none=0.2))
    knee = "knee went funny on the stairs but it went away and feels fine now"
    asked = model.verdict(knee, Tier.CAUTION, recovered=True)
    assert asked.tier is Tier.CHECK
    assert asked.topic is not None
    # Without the recovery the classifier's stop stands.
    assert model.verdict(knee, Tier.CAUTION).tier is Tier.STOP
    # A rules' stop is never lowered: the classifier keeps its own stop beside it.
    assert model.verdict(knee, Tier.STOP, recovered=True).tier is Tier.STOP
    # Nor is an emergency outside the cardinal areas.
    alarmed = _fixed(_p(emergency=0.9, none=0.1))
    calm = "decided tonight is the night and i feel calm now"
    assert alarmed.verdict(calm, Tier.NONE, recovered=True).tier is Tier.EMERGENCY


def test_thresholds_round_trip_through_their_file(tmp_path: Path) -> None:
    chosen = Thresholds(emergency=0.6, check_emergency=0.1, check=0.35, stop=0.7, confirm=0.15)
    save_thresholds(tmp_path / "screen", chosen)
    assert load_thresholds(tmp_path / "screen") == chosen
    assert load_thresholds(tmp_path / "missing") == Thresholds()


def test_the_committed_thresholds_are_chosen_without_looking_elsewhere(
    built: tuple[object, list[str], Path],
) -> None:
    """The committed thresholds are what selection on the training rows alone gives."""
    _, texts, path = built
    rows = training_rows(read(corpus_files()))
    labels = [training_label(row.label.value, row.category) for row in rows]
    probabilities, known = out_of_voice_probabilities(rows, texts, labels, path, export_options())
    chosen, score = select_scored(rows, probabilities, known)
    assert chosen == load_thresholds(MODEL_PATH), (
        "screen.thresholds.json is stale: run `make models` and commit the result"
    )
    # The recorded choice: its C's score is what these rows give it, every candidate
    # was tried, and the recorded C scores best (ties to the first candidate).
    choice = recorded_choices()["export"]
    assert set(choice.scores) == set(C_CANDIDATES)
    assert choice.scores[choice.c] == score
    assert choice.c == min(C_CANDIDATES, key=lambda c: (choice.scores[c], C_CANDIDATES.index(c)))


@pytest.mark.parametrize(
    "gibberish", ["HAVB0AAAA0SHAV", "zzqx vrrk plonth frabb", "AAAA BBBB CCCC DDDD"]
)
def test_the_classifier_abstains_when_it_knows_none_of_the_words(gibberish: str) -> None:
    # Character fragments of unknown words once added up to an emergency.
    assert screen(gibberish).tier is Tier.NONE


def _fixed_labels(given: dict[str, float]) -> ScreenClassifier:
    probabilities = {**{tier.value: 0.0 for tier in Tier}, MOOD_LABEL: 0.0, **given}

    class Fixed(ScreenClassifier):
        def label_probabilities(self, readable: str) -> dict[str, float]:
            return probabilities

    return Fixed(TextClassifier.load(MODEL_PATH), Thresholds())


@pytest.mark.parametrize(
    ("label", "category", "trained_as"),
    [
        ("stop", "low_mood", MOOD_LABEL),
        ("caution", "low_mood", MOOD_LABEL),
        ("none", "hyperbole", ALARMING_LABEL),
        ("none", "other_person_past", ALARMING_LABEL),
        ("none", "training_chat", "none"),
        ("none", "ordinary", "none"),
        ("emergency", "crisis", "emergency"),
        ("stop", "dizziness", "stop"),
    ],
)
def test_low_mood_and_alarming_benign_rows_are_classes_of_their_own(
    label: str, category: str, trained_as: str
) -> None:
    assert training_label(label, category) == trained_as


def test_the_committed_export_knows_the_two_extra_classes() -> None:
    model = TextClassifier.load(MODEL_PATH)
    assert {MOOD_LABEL, ALARMING_LABEL} <= set(model.labels)


def test_low_mood_probability_is_never_a_stop() -> None:
    text = "feel so flat and guilty lately, barely sleeping"
    # Low mood takes its own share; the warm reply is the rules' (CAU-LOW-MOOD).
    assert _fixed_labels({"mood": 0.7, "stop": 0.2, "none": 0.1}).verdict(text).tier is Tier.NONE
    # Stop probability alone still stops.
    assert _fixed_labels({"mood": 0.1, "stop": 0.85, "none": 0.05}).verdict(text).tier is Tier.STOP
    # A crisis stays with the emergency class whatever the mood share.
    crisis = _fixed_labels({"mood": 0.4, "emergency": 0.55, "none": 0.05}).verdict(text)
    assert crisis.tier is Tier.EMERGENCY


def test_alarming_benign_probability_counts_for_nothing() -> None:
    text = "my dad had a heart attack years ago, he's fine"
    verdict = _fixed_labels({ALARMING_LABEL: 0.9, "emergency": 0.05, "none": 0.05}).verdict(text)
    assert verdict.tier is Tier.NONE
