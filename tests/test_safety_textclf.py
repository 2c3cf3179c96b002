"""The shared linear text classifier: run-time predictions equal scikit-learn's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from safety.textclf import ANALYZER_VERSION, TextClassifier, export_paths, features, normalise
from safety.textclf_train import TrainOptions, export, fit, sklearn_probabilities

DATA = Path(__file__).parent / "data" / "safety"


def _rows() -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for file in sorted(DATA.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts.append(row["text"])
            labels.append(row["acceptable"][0])
    return texts, labels


def test_normalise_folds_numbers_repeats_and_apostrophes() -> None:
    assert normalise("Sooooo I did 3x8 @ 22.5 and it's FINE") == "soo i did 0x0 @ 0 and its fine"


def test_features_carry_words_pairs_and_character_grams() -> None:
    out = features("no chest pain")
    assert "w:chest" in out
    assert "b:no chest" in out
    assert "c: ch" in out and "c:est " in out


@given(st.text(max_size=200))
def test_features_never_fail_and_are_deterministic(text: str) -> None:
    assert features(text) == features(text)


def test_exported_model_predicts_exactly_what_sklearn_predicts(tmp_path: Path) -> None:
    texts, labels = _rows()
    pipeline = fit(texts, labels, TrainOptions())
    export(pipeline, tmp_path / "model")
    model = TextClassifier.load(tmp_path / "model")
    expected = sklearn_probabilities(pipeline, texts)
    got = np.array([[model.probabilities(t)[label] for label in model.labels] for t in texts])
    assert np.abs(expected - got).max() < 1e-9
    assert list(pipeline.predict(texts)) == [model.predict(t).label for t in texts]


def test_binary_export_matches_sklearn(tmp_path: Path) -> None:
    texts, labels = _rows()
    binary = ["alarm" if label in {"stop", "emergency"} else "calm" for label in labels]
    pipeline = fit(texts, binary, TrainOptions())
    export(pipeline, tmp_path / "binary")
    model = TextClassifier.load(tmp_path / "binary")
    expected = sklearn_probabilities(pipeline, texts)
    got = np.array([[model.probabilities(t)[label] for label in model.labels] for t in texts])
    assert np.abs(expected - got).max() < 1e-9


def test_export_is_byte_identical_when_rebuilt(tmp_path: Path) -> None:
    texts, labels = _rows()
    export(fit(texts, labels, TrainOptions()), tmp_path / "one")
    export(fit(texts, labels, TrainOptions()), tmp_path / "two")
    for first, second in zip(
        export_paths(tmp_path / "one"), export_paths(tmp_path / "two"), strict=True
    ):
        assert first.read_bytes() == second.read_bytes()


def test_unknown_words_fall_back_to_the_intercept(tmp_path: Path) -> None:
    texts, labels = _rows()
    export(fit(texts, labels, TrainOptions()), tmp_path / "model")
    model = TextClassifier.load(tmp_path / "model")
    probabilities = model.probabilities("")
    assert sum(probabilities.values()) == pytest.approx(1.0)


def test_load_refuses_missing_and_stale_exports(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot load classifier"):
        TextClassifier.load(tmp_path / "absent")
    texts, labels = _rows()
    export(fit(texts, labels, TrainOptions()), tmp_path / "model")
    meta_path, _ = export_paths(tmp_path / "model")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["analyzer_version"] = ANALYZER_VERSION + 1
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="make models"):
        TextClassifier.load(tmp_path / "model")
