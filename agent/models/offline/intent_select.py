"""Choosing the intent classifier's settings without looking at the voice it is judged on.

``coach eval nlu`` reports accuracy on each voice held out in turn. A setting (the linear
model, its C) picked by that very figure would flatter it, so settings are chosen by
nested cross-validation: for each held-out voice, every candidate is scored only on the
other five voices (train on four, test on the fifth, each in turn), the best candidate
there is the one that fold uses, and only then is it tested on the held-out voice. The
settings shipped in :data:`agent.models.offline.intent_build.OPTIONS` are the choice of
the same procedure on all six voices.

Training on all voices but two serves two inner scores at once (each of the two left out
is tested once, for the fold the other one is held out of), so a candidate costs 15 + 6
fits rather than 36.

The classifier's optional spelling steps (:data:`intent_text.SPELLING_STEPS`) are chosen
the same way, the model fixed (``--spelling``).

Run: ``.venv/bin/python -m agent.models.offline.intent_select [--spelling]`` (prints JSON;
minutes).
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from agent.models.offline.intent_build import OPTIONS, texts
from agent.models.offline.intent_corpus import Utterance, load_corpus
from agent.models.offline.intent_text import SPELLING_STEPS, spelling_steps
from safety.textclf_train import TrainOptions, fit_uncalibrated

CANDIDATES: tuple[TrainOptions, ...] = (
    replace(OPTIONS, linear="svm", c=1.0),
    replace(OPTIONS, linear="svm", c=2.0),
    replace(OPTIONS, linear="svm", c=4.0),
    replace(OPTIONS, linear="logistic", c=30.0),
)
"""What is compared: the linear SVM over a range of C, and a logistic regression."""


def describe(options: TrainOptions) -> str:
    """A candidate's short name ("svm C=2")."""
    return f"{options.linear} C={options.c:g}"


@dataclass(frozen=True)
class Selection:
    """The nested study's outcome for each held-out voice."""

    inner: dict[str, dict[str, float]]
    """candidate -> held-out voice -> mean accuracy over that fold's inner folds."""
    outer: dict[str, dict[str, float]]
    """candidate -> held-out voice -> accuracy on the held-out voice."""

    def chosen(self, voice: str) -> str:
        """The candidate the inner folds of ``voice``'s fold prefer (first on ties)."""
        return max(self.inner, key=lambda name: self.inner[name][voice])

    def nested_accuracy(self) -> dict[str, float]:
        """Each held-out voice scored with the candidate its own inner folds chose."""
        voices = next(iter(self.outer.values()))
        return {voice: self.outer[self.chosen(voice)][voice] for voice in voices}

    def overall(self) -> str:
        """The candidate with the best inner score over all six voices (what ships)."""
        return max(self.inner, key=lambda name: sum(self.inner[name].values()))


def _accuracy(
    prepared: Sequence[str], rows: Sequence[Utterance], train: set[str], test: str, o: TrainOptions
) -> float:
    picked = [i for i, r in enumerate(rows) if r.voice in train]
    model = fit_uncalibrated([prepared[i] for i in picked], [rows[i].intent for i in picked], o)
    tested = [i for i, r in enumerate(rows) if r.voice == test]
    predicted = model.predict([prepared[i] for i in tested])
    right = sum(str(p) == rows[i].intent for p, i in zip(predicted, tested, strict=True))
    return right / len(tested)


def select(rows: list[Utterance], candidates: Sequence[TrainOptions] = CANDIDATES) -> Selection:
    """Score every candidate on the inner and the outer folds."""
    prepared = texts(rows)
    return _study(rows, [(describe(options), options, prepared) for options in candidates])


SPELLINGS: tuple[tuple[str, ...], ...] = (
    (),
    ("consequence",),
    ("consequence", "indirect_question"),
    SPELLING_STEPS,
)
"""Spellings compared by :func:`select_spelling`, each adding one step to the last: none
of the optional steps, ..., every step (what ships)."""


def spelling_name(steps: Sequence[str]) -> str:
    """A spelling's short name ("consequence+indirect_question", or "base")."""
    return "+".join(steps) or "base"


def select_spelling(
    rows: list[Utterance],
    spellings: Sequence[Sequence[str]] = SPELLINGS,
    options: TrainOptions = OPTIONS,
) -> Selection:
    """The same nested study over the classifier's spelling steps, the model fixed.

    A step is kept only where each held-out voice's inner folds prefer it, so a step
    written after reading some misses is still judged on voices its fold never tests.
    """
    candidates = []
    for steps in spellings:
        with spelling_steps(steps):
            candidates.append((spelling_name(steps), options, texts(rows)))
    return _study(rows, candidates)


def _study(
    rows: list[Utterance], candidates: Sequence[tuple[str, TrainOptions, list[str]]]
) -> Selection:
    voices = sorted({r.voice for r in rows})
    inner: dict[str, dict[str, float]] = {}
    outer: dict[str, dict[str, float]] = {}
    for name, options, prepared in candidates:
        pair: dict[tuple[str, str], float] = {}
        for first, second in itertools.combinations(voices, 2):
            train = set(voices) - {first, second}
            pair[(first, second)] = _accuracy(prepared, rows, train, second, options)
            pair[(second, first)] = _accuracy(prepared, rows, train, first, options)
        inner[name] = {
            v: sum(pair[(v, w)] for w in voices if w != v) / (len(voices) - 1) for v in voices
        }
        outer[name] = {v: _accuracy(prepared, rows, set(voices) - {v}, v, options) for v in voices}
    return Selection(inner, outer)


def report(selection: Selection, shipped: str | None = None) -> dict[str, Any]:
    """The study as JSON-ready figures; ``shipped`` names what ships now (the model)."""
    nested = selection.nested_accuracy()
    return {
        "inner_mean": {
            name: round(sum(scores.values()) / len(scores), 4)
            for name, scores in selection.inner.items()
        },
        "chosen_per_fold": {voice: selection.chosen(voice) for voice in nested},
        "nested_accuracy": {voice: round(acc, 4) for voice, acc in nested.items()},
        "nested_mean": round(sum(nested.values()) / len(nested), 4),
        "ships": selection.overall(),
        "shipped_now": shipped or describe(OPTIONS),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the nested study on the corpus and print it (``--spelling``: the spelling steps)."""
    args = list(sys.argv[1:] if argv is None else argv)
    rows = load_corpus()
    if "--spelling" in args:
        shipped = spelling_name(SPELLING_STEPS)
        print(json.dumps(report(select_spelling(rows), shipped), indent=2))
    else:
        print(json.dumps(report(select(rows)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
