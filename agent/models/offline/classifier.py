"""The trained intent classifier, applied at run time without scikit-learn.

``make models`` trains it from the labelled corpus (``intent_build.py``) and exports the
vocabulary and weights to ``data/intent_model.json`` / ``.npy``; here they are loaded once
per process and applied in plain Python (:mod:`safety.textclf`) to the message in the spelling
it was trained on (:func:`agent.models.offline.intent_text.prepare`). Below :data:`CONFIDENT` the
offline model does not act on the guess alone: it asks which of the two likeliest
readings was meant.
"""

from __future__ import annotations

from functools import cache, lru_cache

from agent.models.offline.intent_corpus import MODEL_PATH
from agent.models.offline.intent_text import folded, prepare
from safety.textclf import Prediction, TextClassifier, features

CONFIDENT = 0.5
"""Calibrated probability from which the likeliest intent is acted on without asking."""

SUPPORT = 0.05
"""Probability from which the classifier does not contradict an intent a rule found."""


@cache
def model() -> TextClassifier:
    """The exported classifier, loaded once."""
    return TextClassifier.load(MODEL_PATH)


@lru_cache(maxsize=512)
def predict(text: str) -> Prediction:
    """The likeliest intent of ``text`` and the runner-up, with probabilities."""
    ranked = sorted(probabilities(text).items(), key=lambda kv: (-kv[1], kv[0]))
    (first, p1), (second, p2) = ranked[0], ranked[1]
    return Prediction(first, p1, second, p2)


@lru_cache(maxsize=512)
def probabilities(text: str) -> dict[str, float]:
    """The calibrated probability of every intent label."""
    return model().probabilities(prepare(text))


def clear_caches() -> None:
    """Forget cached predictions (benchmarks measure classification, not the cache)."""
    predict.cache_clear()
    probabilities.cache_clear()


def knows_a_word(text: str) -> bool:
    """Whether any whole word of ``text`` was seen in training.

    Character n-grams alone ("asdf qwer") give the linear model something to score, but
    not evidence worth acting on: such a message is treated as not understood. The tags
    :func:`prepare` adds (a statement, a question) are no words of the message.
    """
    found = model()
    # Numbers all fold to "0": a bare number is no evidence of what was meant.
    return any(f.startswith("w:") and f != "w:0" and found.knows(f) for f in features(folded(text)))
