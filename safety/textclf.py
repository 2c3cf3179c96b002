"""A small linear text classifier applied from exported weights, with no scikit-learn.

Both learned readers of a message use it: the red-flag screen's classifier (safety/) and
the offline model's intent classifier (agent/models/offline/). They are trained by a build
step (``safety/textclf_train.py``, which imports scikit-learn) and exported to two files
that are committed with the code:

- ``NAME.json``: the labels, the vocabulary in column order, the idf weights, the
  intercepts, the calibration (an inverse temperature) and the analyzer version;
- ``NAME.npy``: the coefficient matrix, one row per feature and one column per label
  (``numpy.save`` output: no pickle, loaded with ``allow_pickle=False``).

Run time needs only numpy and this module, so start-up stays fast (importing scikit-learn
costs over a second). The feature analyzer below is the one the build step hands to
scikit-learn, so training and run time can never tokenise differently; the rest
(sublinear tf, idf, l2 norm, the linear model, temperature scaling) is re-applied here
and checked against scikit-learn's own predictions by the tests.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ANALYZER_VERSION = 1
"""Bumped whenever :func:`features` changes, so a stale export is refused at load."""

CHAR_NGRAMS = (3, 5)
"""Character n-gram lengths, taken inside word boundaries: they carry typos and
slang ("dizy", "chst", "2day") to the same features as the spelled-out words."""

_APOSTROPHES = str.maketrans({"\u2019": "", "\u2018": "", "'": "", "`": "", "\u02bc": ""})
_REPEATS = re.compile(r"(.)\1{2,}")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_WORD = re.compile(r"[a-z0]+")


def normalise(text: str) -> str:
    """Fold a message to the spelling the classifier reads.

    Lower case and accents folded, apostrophes dropped ("don't" -> "dont"), a letter
    repeated three or more times cut to two ("soooo" -> "soo"), and every number
    replaced by ``0``: the class of "did 8 at 60" does not depend on which numbers
    were said, and the precise slot parsers read the numbers themselves.
    """
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.translate(_APOSTROPHES)
    folded = _REPEATS.sub(r"\1\1", folded)
    return _DIGITS.sub("0", folded)


def features(text: str) -> list[str]:
    """Every feature of one message: words, word pairs and character n-grams.

    Prefixes keep the three kinds apart ("w:" a word, "b:" two consecutive words,
    "c:" a character n-gram of a space-padded word).
    """
    words = _WORD.findall(normalise(text))
    out = [f"w:{word}" for word in words]
    out.extend(f"b:{first} {second}" for first, second in pairwise(words))
    low, high = CHAR_NGRAMS
    for word in words:
        padded = f" {word} "
        for size in range(low, high + 1):
            if size > len(padded):
                break
            out.extend(f"c:{padded[i : i + size]}" for i in range(len(padded) - size + 1))
    return out


@dataclass(frozen=True)
class Prediction:
    """The likeliest label, its calibrated probability and the runner-up."""

    label: str
    probability: float
    second: str
    second_probability: float


class TextClassifier:
    """A trained classifier loaded from its exported files.

    Thread-safe after construction: prediction only reads the arrays.
    """

    def __init__(
        self,
        labels: Sequence[str],
        vocabulary: Sequence[str],
        idf: npt.NDArray[np.float64],
        coef: npt.NDArray[np.float64],
        intercept: npt.NDArray[np.float64],
        beta: float,
    ) -> None:
        self.labels: tuple[str, ...] = tuple(labels)
        self._index = {feature: i for i, feature in enumerate(vocabulary)}
        self._idf = idf
        self._coef = coef
        self._intercept = intercept
        self._beta = beta

    @classmethod
    def load(cls, path: Path) -> TextClassifier:
        """Load ``path.json`` and ``path.npy`` (``path`` without a suffix).

        Raises:
            ValueError: the files are missing, malformed or from another analyzer.
        """
        import numpy as np

        meta_path, weights_path = export_paths(path)
        try:
            meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
            coef = np.load(weights_path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot load classifier {path.name}: {exc}") from exc
        if meta.get("analyzer_version") != ANALYZER_VERSION:
            raise ValueError(
                f"classifier {path.name} was built by analyzer "
                f"{meta.get('analyzer_version')}, this code reads {ANALYZER_VERSION}: "
                "rebuild it with `make models`"
            )
        labels = list(meta["labels"])
        vocabulary = list(meta["vocabulary"])
        columns = 1 if len(labels) == 2 else len(labels)
        if coef.shape != (len(vocabulary), columns):
            raise ValueError(f"classifier {path.name}: weights do not match the vocabulary")
        return cls(
            labels,
            vocabulary,
            np.asarray(meta["idf"], dtype=np.float64),
            coef.astype(np.float64, copy=False),
            np.asarray(meta["intercept"], dtype=np.float64),
            float(meta["beta"]),
        )

    def knows(self, feature: str) -> bool:
        """Whether ``feature`` (a :func:`features` string) is in the learned vocabulary."""
        return feature in self._index

    def decision(self, text: str) -> npt.NDArray[np.float64]:
        """The linear model's raw scores (one per label; one column when binary)."""
        import numpy as np

        counts = Counter(f for f in features(text) if f in self._index)
        if not counts:
            return self._intercept.copy()
        columns = np.fromiter((self._index[f] for f in counts), dtype=np.intp)
        tf = np.fromiter((1.0 + math.log(n) for n in counts.values()), dtype=np.float64)
        values = tf * self._idf[columns]
        values /= math.sqrt(float(values @ values))
        scores: npt.NDArray[np.float64] = values @ self._coef[columns] + self._intercept
        return scores

    def probabilities(self, text: str) -> dict[str, float]:
        """Calibrated probability of every label, summing to 1."""
        import numpy as np

        scores = self.decision(text)
        logits = np.array([-scores[0], scores[0]]) if len(self.labels) == 2 else scores
        scaled = self._beta * logits
        scaled -= scaled.max()
        exp = np.exp(scaled)
        proba = exp / exp.sum()
        return {label: float(p) for label, p in zip(self.labels, proba, strict=True)}

    def predict(self, text: str) -> Prediction:
        """The likeliest label and the runner-up, with their probabilities."""
        ranked = sorted(self.probabilities(text).items(), key=lambda kv: (-kv[1], kv[0]))
        (first, p1), (second, p2) = ranked[0], ranked[1]
        return Prediction(first, p1, second, p2)


def export_paths(path: Path) -> tuple[Path, Path]:
    """The metadata and weights files of an export named ``path``."""
    return path.with_suffix(".json"), path.with_suffix(".npy")


def iter_jsonl(paths: Iterable[Path]) -> Iterable[dict[str, Any]]:
    """Rows of JSON-lines files, with the file and line named when one is malformed."""
    for file in paths:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{file.name}:{number}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise ValueError(f"{file.name}:{number}: a row must be a JSON object")
            yield row
