"""The shared linear text classifier: run-time predictions equal scikit-learn's.

The run time never builds a tf-idf vector: it adds up per-word parts (stored in the
export's word table, or worked out and cached) and corrects repeated features (see
``TextClassifier.decision``). :func:`_reference_decision` is the plain formula over
:func:`features`, and the run time must agree with it on any text, with its caches cold
or warm; the word table must hold exactly what the run time works out without it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.models.offline.intent_corpus import MODEL_PATH as INTENT_MODEL_PATH
from safety.classifier import MODEL_PATH
from safety.textclf import (
    ANALYZER_VERSION,
    EXPORT_FORMAT,
    ROW_CACHE_VALUES,
    WORD_CACHE_SIZE,
    TextClassifier,
    WordTable,
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


def _plain_normalise(text: str) -> str:
    """:func:`normalise` as first written: every substitution run, needed or not."""
    import re
    import unicodedata

    folded = text.lower()
    folded = unicodedata.normalize("NFKD", folded)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = re.sub("[\u2019\u2018'`\u02bc]", "", folded)
    folded = re.sub(r"(.)\1{2,}", r"\1\1", folded)
    return re.sub(r"\d+(?:[.,]\d+)?", "0", folded)


@given(
    st.text(
        st.sampled_from(list("aab 1.,'\u2019`\u02bc\u00e9\u0663\n-#Ab9")) | st.characters(),
        max_size=60,
    )
)
def test_normalise_skips_only_substitutions_that_would_change_nothing(text: str) -> None:
    # Each substitution runs only where a first search finds its character: the result
    # is the plain chain's for any text (stretched letters, digits of any script,
    # apostrophes, accents, newlines).
    assert normalise(text) == _plain_normalise(text)


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
    # The stored rows are the model's coefficients times their idf weight, to the bit.
    vectoriser, linear = pipeline.named_steps["tfidf"], pipeline.named_steps["model"]
    (member,) = linear.calibrated_classifiers_
    weighted = np.load(export_paths(tmp_path / "model")[1], allow_pickle=False)
    assert np.array_equal(weighted, member.estimator.coef_.T * vectoriser.idf_[:, np.newaxis])


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
        assert (
            hashlib.sha256(first.read_bytes()).hexdigest()
            == hashlib.sha256(second.read_bytes()).hexdigest()
        )


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
    meta_path = export_paths(tmp_path / "model")[0]
    built = json.loads(meta_path.read_text(encoding="utf-8"))
    stale: list[dict[str, object]] = [
        {**built, "analyzer_version": ANALYZER_VERSION + 1},
        {**built, "export_format": EXPORT_FORMAT - 1},
        {k: v for k, v in built.items() if k not in ("export_format", "word_table_first")},
    ]
    for meta in stale:
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
        with pytest.raises(ValueError, match="make models"):
            TextClassifier.load(tmp_path / "model")
    meta_path.write_text(json.dumps(built), encoding="utf-8")
    TextClassifier.load(tmp_path / "model")
    export_paths(tmp_path / "model")[3].unlink()
    with pytest.raises(ValueError, match="cannot load classifier"):
        TextClassifier.load(tmp_path / "model")


@cache
def _screen_model() -> TextClassifier:
    return TextClassifier.load(MODEL_PATH)


@cache
def _untabled_screen_model() -> TextClassifier:
    return _screen_model().without_word_table()


def _screen_model_words() -> set[str]:
    meta = json.loads(export_paths(MODEL_PATH)[0].read_text(encoding="utf-8"))
    return {feature[2:] for feature in meta["vocabulary"] if feature.startswith("w:")}


@cache
def _reference_weights() -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    meta = json.loads(export_paths(MODEL_PATH)[0].read_text(encoding="utf-8"))
    index = {feature: i for i, feature in enumerate(meta["vocabulary"])}
    idf = np.array(meta["idf"])
    # The export stores each row times its idf weight; the plain coefficients back.
    coef = np.load(export_paths(MODEL_PATH)[1], allow_pickle=False) / idf[:, np.newaxis]
    return index, idf, coef, np.array(meta["intercept"])


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


@pytest.mark.parametrize("path", [MODEL_PATH, INTENT_MODEL_PATH], ids=["screen", "intent"])
def test_the_word_table_holds_what_the_run_time_works_out(path: Path) -> None:
    model = TextClassifier.load(path)
    table = model._words
    assert table is not None
    computed = model.without_word_table()
    words = [feature[2:] for feature in model._index if feature.startswith("w:")]
    assert len(words) == table.rows  # one run of word features, no gaps
    for word in words:
        assert model._part_of(word) == computed._part_of(word), word
    # A word outside the vocabulary is worked out, the same way with or without a table.
    for word in ("chestt", "dizzyyy", "qqq", "wobblyness"):
        assert model.knows(f"w:{word}") is False
        assert model._part_of(word) == computed._part_of(word)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(sorted(_screen_model_words())), st.text(max_size=10))))
def test_the_word_table_changes_no_score(pieces: list[str]) -> None:
    text = " ".join(pieces)
    model = _screen_model()
    model.clear_caches()
    assert model.decision(text) == _untabled_screen_model().decision(text)


def test_a_word_table_that_does_not_fit_is_refused() -> None:
    model = _screen_model()
    table = model._words
    assert table is not None
    for wrong in (
        table._replace(first=len(model._idf)),
        table._replace(scores=table.scores[:-1]),
        table._replace(columns=table.columns[:-1]),
    ):
        with pytest.raises(ValueError, match="word table"):
            TextClassifier(
                model.labels,
                list(model._index),
                model._idf,
                model._coef,
                model._intercept,
                model._beta,
                WordTable(*wrong),
            )


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
    columns = np.array([0, 3, -2, 2**31 - 1], dtype="<i4")
    np.save(tmp_path / "c.npy", columns, allow_pickle=False)
    shape, values = read_npy(tmp_path / "c.npy", "i")
    assert shape == (4,)
    assert list(values) == columns.tolist()
    with pytest.raises(ValueError, match="int32"):
        read_npy(tmp_path / "m.npy", "i")
    with pytest.raises(ValueError, match="float64"):
        read_npy(tmp_path / "c.npy")


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
