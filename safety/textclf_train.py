"""Build step for :mod:`safety.textclf`: train with scikit-learn, export without pickle.

Only the build (``make models``), the tests that check the export and the benchmarks
import this module; the coach itself never does, so scikit-learn is a development
dependency. Training is deterministic: a fixed seed, a fixed fold split, sorted
vocabulary ties (scikit-learn orders the vocabulary alphabetically) and no threads
whose order could change a sum: every fit runs with the BLAS and OpenMP pools held to
one thread (:func:`one_thread`). With two BLAS threads on a busy machine the same
corpus gave three different temperatures in three builds (1.62660, 1.62697, 1.62697 at
the fifth digit) and the byte-for-byte rebuild test failed; with one thread, the same
bytes every time.

The model: TF-IDF over :func:`safety.textclf.features` (sublinear tf, l2 norm), a
logistic regression, and temperature scaling fitted on out-of-fold scores
(``CalibratedClassifierCV(method="temperature", ensemble=False)``): one refit on all
the data plus one inverse temperature, which is what the run-time code re-applies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GroupKFold,
    LeaveOneGroupOut,
    StratifiedKFold,
)
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from safety.textclf import (
    ANALYZER_VERSION,
    EXPORT_FORMAT,
    TextClassifier,
    export_paths,
    features,
)


@dataclass(frozen=True)
class TrainOptions:
    """What a classifier is trained with; the defaults suit a few thousand messages."""

    c: float = 10.0
    """Inverse regularisation strength of the logistic regression."""
    min_df: int = 1
    """Drop features seen in fewer messages than this."""
    max_features: int | None = 40_000
    """Keep at most this many features (the most frequent), bounding the export size."""
    folds: int = 5
    """Folds for the out-of-fold scores the temperature is fitted on."""
    seed: int = 0
    class_weight: str | None = "balanced"
    """"balanced" weighs rare labels up so a small class is not drowned out."""
    linear: Literal["logistic", "svm"] = "logistic"
    """The linear model: a logistic regression, or a linear SVM (one-vs-rest hinge loss),
    which generalises better across voices on many small intent classes and trains in a
    fraction of the time. Both export the same way (coefficients and intercepts)."""


@contextmanager
def one_thread() -> Iterator[None]:
    """Hold the BLAS and OpenMP thread pools to one thread (a fixed order of every sum)."""
    with threadpool_limits(limits=1):
        yield


def _analyzer(text: str) -> list[str]:
    return features(text)


def _vectoriser(options: TrainOptions) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=_analyzer,
        sublinear_tf=True,
        min_df=options.min_df,
        max_features=options.max_features,
        dtype=np.float64,
    )


def _linear(options: TrainOptions) -> LogisticRegression | LinearSVC:
    if options.linear == "svm":
        return LinearSVC(C=options.c, class_weight=options.class_weight, random_state=options.seed)
    # newton-cg converges in a handful of iterations on TF-IDF data where lbfgs needs
    # dozens (0.2 s against 3 s on the safety corpus), which keeps the voice-held-out
    # folds and the rebuild test fast.
    return LogisticRegression(
        C=options.c,
        solver="newton-cg",
        max_iter=1000,
        class_weight=options.class_weight,
        random_state=options.seed,
    )


def fit(
    texts: Sequence[str],
    labels: Sequence[str],
    options: TrainOptions,
    groups: Sequence[str] | None = None,
) -> Pipeline:
    """Train the vectoriser, the linear model and its calibration on labelled messages.

    Args:
        texts: The messages.
        labels: One label per message.
        options: Model and training settings.
        groups: Optional group of each message (e.g. its voice). When given, the
            temperature is fitted on scores of whole groups left out, so the confidence
            reflects messages unlike the training ones instead of near-duplicates.
    """
    cv: Any
    if groups is None:
        cv = StratifiedKFold(n_splits=options.folds, shuffle=True, random_state=options.seed)
    else:
        cv = list(GroupKFold(n_splits=options.folds).split(list(texts), list(labels), list(groups)))
    calibrated = CalibratedClassifierCV(
        _linear(options), method="temperature", cv=cv, ensemble=False
    )
    pipeline = Pipeline([("tfidf", _vectoriser(options)), ("model", calibrated)])
    with one_thread():
        pipeline.fit(list(texts), list(labels))
    return pipeline


def fit_uncalibrated(
    texts: Sequence[str], labels: Sequence[str], options: TrainOptions
) -> Pipeline:
    """The same vectoriser and linear model without calibration, for accuracy studies.

    Temperature scaling never changes which label scores highest, and the calibrated
    model's final estimator is this very fit on all the data, so its ``predict`` equals
    :func:`fit`'s at a sixth of the cost (no out-of-fold refits).
    """
    pipeline = Pipeline([("tfidf", _vectoriser(options)), ("model", _linear(options))])
    with one_thread():
        pipeline.fit(list(texts), list(labels))
    return pipeline


def export(pipeline: Pipeline, path: Path) -> None:
    """Write the files of :func:`safety.textclf.export_paths` for :meth:`TextClassifier.load`.

    The coefficients are written multiplied by their feature's idf weight (one multiply
    fewer per label and feature when a word is worked out at run time; the products are
    the ones the run time made itself before, IEEE multiplication being exact to the last
    bit whoever does it), and the word table is worked out by :meth:`TextClassifier.word_table`,
    the run time's own code. The JSON is written with sorted keys and floats in ``repr``
    form, so the same training data gives byte-identical files.
    """
    vectoriser: TfidfVectorizer = pipeline.named_steps["tfidf"]
    calibrated: CalibratedClassifierCV = pipeline.named_steps["model"]
    (member,) = calibrated.calibrated_classifiers_
    linear: LogisticRegression | LinearSVC = member.estimator
    (temperature,) = member.calibrators
    vocabulary = sorted(vectoriser.vocabulary_, key=vectoriser.vocabulary_.__getitem__)
    labels = [str(label) for label in calibrated.classes_]
    idf = [float(x) for x in vectoriser.idf_]
    intercept = [float(x) for x in linear.intercept_]
    beta = float(np.asarray(temperature.beta_).reshape(()))
    weighted: npt.NDArray[np.float64] = np.ascontiguousarray(
        linear.coef_.T * vectoriser.idf_[:, np.newaxis], dtype=np.float64
    )
    model = TextClassifier(labels, vocabulary, idf, weighted.ravel().tolist(), intercept, beta)
    table = model.word_table()
    meta: dict[str, Any] = {
        "analyzer_version": ANALYZER_VERSION,
        "export_format": EXPORT_FORMAT,
        "labels": labels,
        "vocabulary": vocabulary,
        "idf": idf,
        "intercept": intercept,
        "beta": beta,
        "word_table_first": table.first,
    }
    meta_path, weights_path, words_path, columns_path = export_paths(path)
    meta_path.parent.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps(meta, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    width = len(intercept) + 1
    parts = np.array(table.scores, dtype=np.float64).reshape(table.rows, width)
    columns = np.array([*table.offsets, *table.columns], dtype="<i4")
    for target, values in ((weights_path, weighted), (words_path, parts), (columns_path, columns)):
        with target.open("wb") as handle:
            np.save(handle, values, allow_pickle=False)


def sklearn_probabilities(pipeline: Pipeline, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """scikit-learn's own calibrated probabilities, columns in label order."""
    proba: npt.NDArray[np.float64] = pipeline.predict_proba(list(texts))
    return proba


def train_and_export(
    texts: Sequence[str], labels: Sequence[str], path: Path, options: TrainOptions
) -> TextClassifier:
    """Fit, export and load back: what ``make models`` runs for each classifier."""
    export(fit(texts, labels, options), path)
    return TextClassifier.load(path)


def out_of_group_scores(
    texts: Sequence[str],
    labels: Sequence[str],
    groups: Sequence[str],
    options: TrainOptions,
    knows: Callable[[str, Callable[[str], bool]], bool] | None = None,
) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Raw scores of every message from a model trained without its group.

    One uncalibrated fit per group (e.g. per voice), so every score is what the model
    makes of a message unlike the ones it learned from: the data thresholds can be chosen
    on without looking at the messages they will be measured on.

    Args:
        texts: The messages.
        labels: One label per message.
        groups: One group per message; each group is scored by a model without it.
        options: Model and training settings.
        knows: Optional ``knows(text, in_vocabulary)``: whether the model that scores
            ``text`` would read it at all, given a test of its vocabulary (a caller that
            abstains on unknown words simulates that abstention with it).

    Returns:
        The labels in column order (a binary model: one column, the second label's
        score), one row of scores per message, and per message what
        ``knows`` said of it under the model that scored it (all true without ``knows``).
    """
    classes = sorted(set(labels))
    # A binary model has one column of scores (the positive class), as its export does.
    columns = 1 if len(classes) == 2 else len(classes)
    scores = np.zeros((len(texts), columns), dtype=np.float64)
    known = np.ones(len(texts), dtype=bool)
    indices = np.arange(len(texts))
    for kept, held in LeaveOneGroupOut().split(indices, list(labels), list(groups)):
        pipeline = Pipeline([("tfidf", _vectoriser(options)), ("model", _linear(options))])
        with one_thread():
            pipeline.fit([texts[i] for i in kept], [labels[i] for i in kept])
        if list(pipeline.classes_) != classes:
            raise ValueError("every label must be present without each group")
        held_texts = [texts[i] for i in held]
        with one_thread():
            raw = pipeline.decision_function(held_texts)
        scores[held] = np.asarray(raw).reshape(-1, columns)
        if knows is not None:
            vocabulary = pipeline.named_steps["tfidf"].vocabulary_
            known[held] = [knows(text, vocabulary.__contains__) for text in held_texts]
    return classes, scores, known
