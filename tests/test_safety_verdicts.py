"""Every verdict of the screen on a fixed, large set of texts is the committed one.

Guards speed work on the screen: an optimisation must change no tier, signal, excerpt or
classifier probability. When the rules, the corpus or the classifier change on purpose,
regenerate the digest with ``.venv/bin/python -m tests.safety_verdicts --write`` and
commit it with that change (see ``tests/safety_verdicts.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from safety.classifier import ScreenClassifier, default_classifier
from safety.screen import screen
from tests import safety_verdicts
from tests.safety_verdicts import (
    DIGEST_PATH,
    differences,
    read_digest,
    texts,
    verdicts,
    write_digest,
)

REGENERATE = "regenerate on purpose with: .venv/bin/python -m tests.safety_verdicts --write"


@pytest.mark.slow
def test_every_verdict_is_the_committed_one() -> None:
    moved = differences(verdicts(), read_digest())
    shown = "\n".join(moved[:20])
    assert not moved, f"{len(moved)} verdicts moved ({REGENERATE}):\n{shown}"


def test_the_guard_covers_every_source_and_both_contexts() -> None:
    every = texts()
    kept = read_digest()
    assert len(every) > 10_000
    # The cases are the texts, plus every third one after an earlier stop.
    assert len(kept) == len(every) + len(range(0, len(every), safety_verdicts.CONTEXT_EVERY))
    assert "chest day today, let's go" in every  # tests/data/safety
    assert "away next week" in every  # the intent corpus


@pytest.mark.slow
def test_a_word_worked_out_gives_the_verdict_of_the_word_table() -> None:
    """The classifier's two ways to a word (table, n-grams) agree on every corpus text."""
    model = default_classifier()
    if model is None:
        pytest.skip("no committed classifier")
    untabled = ScreenClassifier(model.model.without_word_table(), model.thresholds)
    corpus = list(safety_verdicts._jsonl_texts(safety_verdicts.ROOT / "safety/data/corpus"))
    for text in corpus:
        assert screen(text, classifier=untabled) == screen(text), text


def test_a_changed_verdict_is_named_with_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = ["my chest feels tight and my left arm is numb", "chest day today, let's go"]
    found = verdicts(sample)
    path = tmp_path / "digest.json"
    monkeypatch.setattr(safety_verdicts, "texts", lambda: sample)
    assert write_digest(path) == len(found)
    kept = read_digest(path)
    assert differences(found, kept) == []
    key = next(k for k, (text, _) in found.items() if text == sample[1])
    text, described = found[key]
    found[key] = (text, {**described, "tier": "emergency"})
    moved = differences(found, kept)
    assert len(moved) == 1
    assert moved[0].startswith('changed: "chest day today, let\'s go"')


def test_the_digest_is_committed() -> None:
    assert DIGEST_PATH.is_file()
