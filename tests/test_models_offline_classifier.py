"""The offline model's intent classifier: rebuilt identically, applied exactly, one registry."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from agent.models.offline import classifier
from agent.models.offline.grammar import intents, learned, registry
from agent.models.offline.intent_build import OPTIONS, texts
from agent.models.offline.intent_corpus import MODEL_PATH, VOICES, load_corpus
from safety.textclf import TextClassifier, export_paths
from safety.textclf_train import export, fit, sklearn_probabilities

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pipeline, Path]:
    """One training run from the corpus, exported to a temporary place (what `make models` does)."""
    rows = load_corpus()
    pipeline = fit(texts(rows), [r.intent for r in rows], OPTIONS, groups=[r.voice for r in rows])
    path = tmp_path_factory.mktemp("intents") / "intent_model"
    export(pipeline, path)
    return pipeline, path


def test_rebuilding_from_the_corpus_gives_the_committed_files(
    rebuilt: tuple[Pipeline, Path],
) -> None:
    _, path = rebuilt
    for fresh, committed in zip(export_paths(path), export_paths(MODEL_PATH), strict=True):
        # Digests, not the bytes: pytest's diff of two large files runs for hours.
        assert (
            hashlib.sha256(fresh.read_bytes()).hexdigest()
            == hashlib.sha256(committed.read_bytes()).hexdigest()
        ), f"rerun `make models`: {committed}"


def test_the_exported_model_predicts_exactly_what_sklearn_predicts(
    rebuilt: tuple[Pipeline, Path],
) -> None:
    pipeline, path = rebuilt
    read = texts(load_corpus())
    model = TextClassifier.load(path)
    expected = sklearn_probabilities(pipeline, read)
    got = np.array([[model.probabilities(t)[label] for label in model.labels] for t in read])
    assert np.abs(expected - got).max() < 1e-9
    assert list(pipeline.predict(read)) == [model.predict(t).label for t in read]


def test_the_corpus_is_tagged_and_covers_every_learned_intent_in_every_voice() -> None:
    rows = load_corpus()
    assert set(learned()) == {r.intent for r in rows} == set(classifier.model().labels)
    for intent in learned():
        voices = {r.voice for r in rows if r.intent == intent}
        assert voices == set(VOICES), intent
        assert sum(r.intent == intent for r in rows) >= 80, intent


def test_every_intent_named_in_code_and_templates_is_in_the_registry() -> None:
    named: set[str] = set()
    sources = [*(ROOT / "agent" / "models" / "offline").glob("*.py")]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for call in re.findall(r"\.has\(([^)]*)\)", text):
            named.update(re.findall(r'"([a-z_]+)"', call))
    for template in (ROOT / "prompts" / "offline").rglob("*.j2"):
        named.update(re.findall(r'"([a-z_]+)" in intents', template.read_text(encoding="utf-8")))
    assert named, "the scan found no intent names"
    assert named <= set(registry()), named - set(registry())


def test_registry_entries_say_what_serves_them_and_templates_exist() -> None:
    answers = ROOT / "prompts" / "offline" / "answers"
    for intent in intents():
        assert intent.tool or intent.answer, intent.name
        assert intent.describe, intent.name
        if intent.answer:
            assert (answers / f"{intent.answer}.j2").is_file(), intent.answer
    assert {i.name for i in intents() if i.plan_changing} >= {"plan_today", "shorten"}


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("got a band and 10 min, hit me with something", "plan_today"),
        ("how do you do a romanian deadlift?", "how_to"),
        ("are you a bot?", "about_coach"),
        ("can I stop my blood pressure tablets before a workout?", "medication_diagnosis"),
        ("slept 5 hours last night, feeling rough", "readiness"),
    ],
)
def test_the_classifier_reads_the_issue_examples(text: str, label: str) -> None:
    assert classifier.predict(text).label == label


def test_a_message_with_no_known_word_is_not_acted_on() -> None:
    assert not classifier.knows_a_word("zxqv blorf")
    assert not classifier.knows_a_word("3")
    assert classifier.knows_a_word("what should I do today")
