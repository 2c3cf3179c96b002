"""The shared linear text classifier: run-time predictions equal scikit-learn's.

The run time never builds a tf-idf vector: it adds up cached per-word parts and corrects
repeated features (see ``TextClassifier.decision``). :func:`_reference_decision` is the
plain formula over :func:`features`, and the run time must agree with it on any text,
with its caches cold or warm.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety.classifier import MODEL_PATH
from safety.textclf import (
    ANALYZER_VERSION,
    ROW_CACHE_VALUES,
    WORD_CACHE_SIZE,
    TextClassifier,
    export_paths,
    features,
    normalise,
    read_npy,
    row_cache_size,
)
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


@cache
def _screen_model() -> TextClassifier:
    return TextClassifier.load(MODEL_PATH)


@cache
def _reference_weights() -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    meta = json.loads(export_paths(MODEL_PATH)[0].read_text(encoding="utf-8"))
    index = {feature: i for i, feature in enumerate(meta["vocabulary"])}
    coef = np.load(export_paths(MODEL_PATH)[1], allow_pickle=False)
    return index, np.array(meta["idf"]), coef, np.array(meta["intercept"])


def _reference_decision(text: str) -> np.ndarray:
    """scikit-learn's arithmetic, written out: tf-idf of :func:`features`, l2, linear."""
    index, idf, coef, intercept = _reference_weights()
    counts = Counter(f for f in features(text) if f in index)
    if not counts:
        return intercept
    columns = np.array([index[f] for f in counts])
    values = np.array([1.0 + math.log(n) for n in counts.values()]) * idf[columns]
    values /= np.linalg.norm(values)
    result: np.ndarray = values @ coef[columns] + intercept
    return result


SCREEN_WORDS = st.sampled_from(
    "chest pain tight dizzy faint my the i felt and left arm numb squat squats knee "
    "hurts hurt hurting breathe cant heart racing pounding dying lol chest day leg "
    "sharp ache after run running ran blacked out passed soooo 2day 12kg x".split()
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(SCREEN_WORDS, st.text(alphabet="abcdehilnrstuy0 ,.'", max_size=12)),
        max_size=40,
    )
)
def test_the_runtime_equals_the_plain_formula_with_caches_cold_or_warm(
    pieces: list[str],
) -> None:
    text = " ".join(pieces)
    model = _screen_model()
    expected = _reference_decision(text)
    model.clear_caches()
    cold = model.decision(text)
    warm = model.decision(text)
    assert cold == warm
    assert np.allclose(cold, expected, rtol=0, atol=1e-12)


def test_repeated_words_and_grams_take_the_sublinear_tf() -> None:
    model = _screen_model()
    for text in (
        "pain pain pain pain",
        "chest chest pain, chest pain and chest pain again and again",
        "banana bandana cabana",
        "a",
        "",
        "0 0 0",
    ):
        assert np.allclose(model.decision(text), _reference_decision(text), rtol=0, atol=1e-12)


def test_the_word_cache_stays_bounded_and_a_seen_word_is_not_recomputed() -> None:
    model = TextClassifier.load(MODEL_PATH)
    model.decision("my chest feels tight")
    computed = model._word_part.cache_info().misses
    model.decision("my chest feels tight")
    assert model._word_part.cache_info().misses == computed
    # More distinct words than the cache holds: it keeps its size.
    words = [
        f"w{a}{b}{c}"
        for a in "abcdefghijklmnopqrstuvwxyz"
        for b in "abcdefghijklmn"
        for c in "abcdefghijklmnopqrstuvwxyz"
    ]
    assert len(words) > WORD_CACHE_SIZE
    for start in range(0, len(words), 200):
        model.decision(" ".join(words[start : start + 200]))
    assert model._word_part.cache_info().currsize == WORD_CACHE_SIZE


def test_read_npy_reads_what_numpy_saves(tmp_path: Path) -> None:
    matrix = np.arange(12, dtype=np.float64).reshape(4, 3) / 7
    np.save(tmp_path / "m.npy", matrix, allow_pickle=False)
    shape, values = read_npy(tmp_path / "m.npy")
    assert shape == (4, 3)
    assert list(values) == list(matrix.ravel())


@pytest.mark.parametrize(
    "array",
    [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)),
        np.array([{"a": 1}], dtype=object),
        np.arange(6, dtype=">f8").reshape(2, 3),
    ],
)
def test_read_npy_refuses_anything_but_plain_float64(tmp_path: Path, array: np.ndarray) -> None:
    np.save(tmp_path / "m.npy", array, allow_pickle=True)
    with pytest.raises(ValueError, match="float64"):
        read_npy(tmp_path / "m.npy")


def test_read_npy_refuses_a_truncated_or_foreign_file(tmp_path: Path) -> None:
    np.save(tmp_path / "m.npy", np.ones((3, 2)), allow_pickle=False)
    raw = (tmp_path / "m.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(raw[:-8])
    with pytest.raises(ValueError, match="values for a shape"):
        read_npy(tmp_path / "cut.npy")
    (tmp_path / "odd.npy").write_bytes(raw[:-3])
    with pytest.raises(ValueError):
        read_npy(tmp_path / "odd.npy")
    (tmp_path / "text.npy").write_text("not numpy", encoding="utf-8")
    with pytest.raises(ValueError, match=r"not a \.npy file"):
        read_npy(tmp_path / "text.npy")


def test_the_row_cache_holds_the_same_values_whatever_the_width() -> None:
    # Room for every feature the corpus repeats (about 19,000): a pass over it in a cycle
    # must not evict each row before it comes round again.
    assert row_cache_size(7) >= 20_000
    assert row_cache_size(7) * 7 <= ROW_CACHE_VALUES
    assert row_cache_size(40) * 40 <= ROW_CACHE_VALUES < row_cache_size(7) * 40
    model = _screen_model()
    assert model._row.cache_info().maxsize == row_cache_size(len(model.labels))
