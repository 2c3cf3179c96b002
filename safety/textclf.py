"""A small linear text classifier applied from exported weights, with no scikit-learn.

Both learned readers of a message use it: the red-flag screen's classifier (safety/) and
the offline model's intent classifier (agent/models/offline/). They are trained by a build
step (``safety/textclf_train.py``, which imports scikit-learn) and exported to four files
that are committed with the code (see :func:`export_paths`):

- ``NAME.json``: the labels, the vocabulary in column order, the idf weights, the
  intercepts, the calibration (an inverse temperature), the analyzer version and the
  export format;
- ``NAME.npy``: the coefficient matrix, each row already multiplied by its feature's idf
  weight, one row per feature and one column per label (``numpy.save`` output: no
  pickle; read here by :func:`read_npy`, which accepts only a plain float64 or int32
  array);
- ``NAME.words.npy`` and ``NAME.wordcols.npy``: the word table (see :class:`WordTable`),
  what each word of the vocabulary adds to a message, worked out by the build with this
  module's own code.

Run time needs only the standard library and this module, so start-up stays fast
(importing scikit-learn costs over a second, numpy about 60 ms of a 250 ms command). The
feature analyzer below is the one the build step hands to scikit-learn, so training and
run time can never tokenise differently; the rest (sublinear tf, idf, l2 norm, the
linear model, temperature scaling) is re-applied here, per word (see
:class:`TextClassifier`), and checked against scikit-learn's own predictions by the tests.
"""

from __future__ import annotations

import ast
import json
import math
import re
import sys
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, islice, pairwise, repeat
from operator import gt, itemgetter, mul
from pathlib import Path
from typing import Any, Literal, NamedTuple

from safety import kept

ANALYZER_VERSION = 1
"""Bumped whenever :func:`features` changes, so a stale export is refused at load."""

EXPORT_FORMAT = 2
"""Bumped whenever the exported files change layout, so an export of another one is refused
at load. Format 2: idf-weighted coefficients and the word table (format 1 stored the plain
coefficients and no table, and every word was worked out by the process that read it)."""

CHAR_NGRAMS = (3, 5)
"""Character n-gram lengths, taken inside word boundaries: they carry typos and
slang ("dizy", "chst", "2day") to the same features as the spelled-out words."""

_APOSTROPHE = re.compile("[\u2019\u2018'`\u02bc]")
"""The apostrophes the classifier drops (a search of one character class skips ahead in C,
where ``str.translate`` with a table looks up every character)."""
_REPEATS = re.compile(r"(.)\1{2,}")
_TRIPLE = re.compile(r"(.)\1\1")
"""Where :data:`_REPEATS` can match: searching it first costs a third of the substitution,
which builds its result even when nothing is replaced, and few messages stretch a letter."""
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_DIGIT = re.compile(r"\d")
"""Where :data:`_DIGITS` can match (a search of one character class skips ahead in C)."""
_WORD = re.compile(r"[a-z0]+")


def normalise(text: str) -> str:
    """Fold a message to the spelling the classifier reads.

    Lower case and accents folded, apostrophes dropped ("don't" -> "dont"), a letter
    repeated three or more times cut to two ("soooo" -> "soo"), and every number
    replaced by ``0``: the class of "did 8 at 60" does not depend on which numbers
    were said, and the precise slot parsers read the numbers themselves.
    """
    folded = text.lower()
    if not folded.isascii():  # ASCII has no accents to fold: most messages skip this
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    if _APOSTROPHE.search(folded):
        folded = _APOSTROPHE.sub("", folded)
    if _TRIPLE.search(folded):
        folded = _REPEATS.sub(r"\1\1", folded)
    return _DIGITS.sub("0", folded) if _DIGIT.search(folded) else folded


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


WORD_CACHE_SIZE = 8192
"""Words whose feature columns and partial scores a loaded classifier keeps, least
recently used dropped first: everyday chat repeats a few thousand words."""

ROW_CACHE_VALUES = 229_376
"""Coefficients (rows times their width) a loaded classifier keeps as rows of floats for
the features that repeat in a message (the n-grams many words share, word pairs): 32,768
rows of the screen's seven labels, a few megabytes; fewer rows of a model with more
labels, so the memory stays the same.

The screen's corpus repeats about 19,000 distinct such features. With room for 8,192
rows, a pass over it evicted each row before it came round again (an LRU cache read
in a cycle longer than itself hits nothing), and the screen's p99 carried a recomputed
row for nearly every repeated feature."""


def row_cache_size(width: int) -> int:
    """Rows the row cache keeps for a model with ``width`` score columns."""
    return max(1024, ROW_CACHE_VALUES // max(1, width))


class _WordPart(NamedTuple):
    """What one word adds to a message's scores, each of its features counted at tf 1.

    A word feature and a word's character n-grams never reach beyond the word (the
    n-grams are taken inside the space-padded word), so a message's features are its
    words' features plus its word pairs; only a feature that occurs more than once in
    the message needs its sublinear tf applied on top (see :meth:`TextClassifier.decision`).
    """

    row: tuple[float, ...]
    """The sum of the (idf-weighted) coefficient rows of ``columns``, one per score column,
    then the sum of their squared idf: one row of the word table. Kept as one tuple, so a
    message sums its words' scores and squares in one pass."""
    columns: tuple[int, ...]
    """Vocabulary columns of the word's features, with repeats."""
    follows: dict[str, int]
    """The vocabulary column of each word pair this word begins, keyed by the second word:
    a message finds its pairs with one small lookup each, keyed by a word whose hash is
    already known, instead of building ``"b:first second"`` and looking it up among every
    feature."""


_NO_PAIRS: dict[str, int] = {}
"""The ``follows`` of a word that begins no learned pair (shared, never written to)."""

_ABOVE_ONE = bytes([0, 0, *repeat(1, 254)])
"""A ``bytes.translate`` table: a count of 0 or 1 to 0, a larger one to 1."""

_ROW = itemgetter(0)
_COLUMNS = itemgetter(1)
_FOLLOWS = itemgetter(2)
"""The fields of a :class:`_WordPart`, read in C by ``map``."""


class WordTable(NamedTuple):
    """What each word of the vocabulary adds to a message, worked out by the build.

    Row ``r`` is the word whose ``w:`` feature is vocabulary column ``first + r``: the row
    and columns of its :class:`_WordPart` as :meth:`TextClassifier.word_table` computed
    them, with the very code a process uses for a word outside the table, so a stored part
    equals a computed one to the last bit. A word the model knows then costs one lookup the
    first time a process reads it too (the only message of ``coach safety check``, the first
    turns of a chat), where working it out took about 10 µs: a dictionary lookup per
    character n-gram and a sum per label over the n-grams' rows.
    """

    first: int
    """Vocabulary column of the first row's word."""
    scores: Sequence[float]
    """Row by row, ``width + 1`` values: the part's ``row`` (its scores, then its squares)."""
    offsets: Sequence[int]
    """Where each row's columns start in ``columns``, and where the last one ends."""
    columns: Sequence[int]
    """Every row's ``columns``, one after another."""

    @property
    def rows(self) -> int:
        """How many words the table holds (a column range; a row of no word is empty)."""
        return len(self.offsets) - 1


class TextClassifier:
    """A trained classifier loaded from its exported files, applied in plain Python.

    A message's tf-idf vector is never built: its raw scores are the sums of its
    features' idf-weighted coefficient rows, each times its sublinear tf, divided by the
    vector's length, plus the intercepts. What a word adds is read from the word table
    (:class:`WordTable`) or, for a word outside the vocabulary, worked out from its
    n-grams, and kept (:data:`WORD_CACHE_SIZE`), so a message costs a lookup per word and
    per word pair and a count of its features. Thread-safe: prediction only reads the
    weights, and both caches are :func:`functools.lru_cache`.
    """

    def __init__(
        self,
        labels: Sequence[str],
        vocabulary: Sequence[str],
        idf: Sequence[float],
        coef: Sequence[float],
        intercept: Sequence[float],
        beta: float,
        words: WordTable | None = None,
    ) -> None:
        """A classifier from its exported parts.

        ``coef`` is the coefficient matrix with each row multiplied by its feature's idf
        weight (what scikit-learn's linear model applies to a tf-idf value, taken apart
        as ``tf * (idf * coef)``), flattened row by row: one row per feature, one column
        per label (a single column when binary). ``words``: the word table of these
        weights, or None to work out every word when it is first read.

        Raises:
            ValueError: the parts do not fit together.
        """
        self.labels: tuple[str, ...] = tuple(labels)
        # Built in C (dict over zip): the comprehension was a few milliseconds per start.
        self._index = dict(zip(vocabulary, range(len(vocabulary)), strict=True))
        self._idf = array("d", idf)
        self._squared: array[float] | None = None
        self._intercept = tuple(float(x) for x in intercept)
        self._width = len(self._intercept)
        self._beta = beta
        # An exported matrix is taken as it is: copying the intent model's 9 MB again was
        # a few milliseconds of every start.
        self._coef: Sequence[float] = (
            coef
            if (isinstance(coef, array) and coef.typecode == "d")
            or (isinstance(coef, memoryview) and coef.format == "d")
            else array("d", coef)
        )
        if len(self._coef) != len(self._idf) * self._width:
            raise ValueError("the coefficients do not match the vocabulary")
        if words is not None and (
            words.first < 0
            or words.first + words.rows > len(self._idf)
            or len(words.scores) != words.rows * (self._width + 1)
            or words.offsets[0] != 0
            or words.offsets[-1] != len(words.columns)
        ):
            raise ValueError("the word table does not match the vocabulary")
        self._words = words
        self._table_rows = 0 if words is None else words.rows
        self._features: list[str] | None = None
        self._row = lru_cache(maxsize=row_cache_size(self._width))(self._row_of)
        self._word_part = lru_cache(maxsize=WORD_CACHE_SIZE)(self._part_of)

    @classmethod
    def load(cls, path: Path) -> TextClassifier:
        """Load an export (``path`` without a suffix; the files of :func:`export_paths`).

        Raises:
            ValueError: the files are missing, malformed, or from another analyzer or
                export format.
        """
        meta_path, weights_path, words_path, columns_path = export_paths(path)
        try:
            meta = _read_meta(meta_path)
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot load classifier {path.name}: {exc}") from exc
        built = (meta.get("analyzer_version"), meta.get("export_format"))
        if built != (ANALYZER_VERSION, EXPORT_FORMAT):
            raise ValueError(
                f"classifier {path.name} was built by analyzer {built[0]}, export format "
                f"{built[1]}; this code reads analyzer {ANALYZER_VERSION}, format "
                f"{EXPORT_FORMAT}: rebuild it with `make models`"
            )
        try:
            shape, coef = read_npy(weights_path)
            table_shape, scores = read_npy(words_path)
            _, table_columns = read_npy(columns_path, "i")
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot load classifier {path.name}: {exc}") from exc
        labels = list(meta["labels"])
        vocabulary = list(meta["vocabulary"])
        columns = 1 if len(labels) == 2 else len(labels)
        if shape != (len(vocabulary), columns) or len(meta["intercept"]) != columns:
            raise ValueError(f"classifier {path.name}: weights do not match the vocabulary")
        rows = table_shape[0]
        if table_shape != (rows, columns + 1) or len(table_columns) <= rows:
            raise ValueError(f"classifier {path.name}: the word table has the wrong shape")
        words = WordTable(
            int(meta["word_table_first"]),
            scores,
            table_columns[: rows + 1],
            table_columns[rows + 1 :],
        )
        return cls(
            labels, vocabulary, meta["idf"], coef, meta["intercept"], float(meta["beta"]), words
        )

    def without_word_table(self) -> TextClassifier:
        """The same weights with no word table: every word worked out when first read.

        What a word outside the vocabulary costs, for every word (a benchmark's worst
        case), and the reference the word table is checked against.
        """
        return TextClassifier(
            self.labels,
            list(self._index),
            self._idf,
            self._coef,
            self._intercept,
            self._beta,
        )

    def knows(self, feature: str) -> bool:
        """Whether ``feature`` (a :func:`features` string) is in the learned vocabulary."""
        return feature in self._index

    def clear_caches(self) -> None:
        """Forget every word's part and feature's row (a benchmark's unseen words).

        The word table is no cache: it is part of the export.
        """
        self._word_part.cache_clear()
        self._row.cache_clear()

    def decision(self, text: str) -> list[float]:
        """The linear model's raw scores (one per label; one column when binary).

        scikit-learn's ``decision_function`` on the tf-idf vector of :func:`features`
        (sublinear tf, idf, l2 norm), up to rounding: with ``v_f = tf_f * idf_f`` and the
        idf-weighted rows ``w[f, k] = idf_f * coef[f, k]``, score ``k`` is
        ``sum(tf_f * w[f, k]) / |v| + intercept[k]``. A feature seen ``n`` times has
        ``tf = 1 + log n``; the word parts and word pairs count it ``n`` times at tf 1, so
        each repeated feature adds ``tf - n`` times its row (and ``tf**2 - n`` times its
        squared idf to ``|v|**2``).

        Every sum is taken in one fixed order, the same on every run: the words' rows in
        message order, then the pairs', then one row per group of repeated features (the
        features in order of first appearance, the groups in order of their first
        feature), each score a plain running sum from zero.
        """
        words = _WORD.findall(normalise(text))
        parts = list(map(self._word_part, words))
        pairs = map(dict.get, map(_FOLLOWS, parts), islice(words, 1, None))
        paired = [c for c in pairs if c is not None]
        columns = list(map(_COLUMNS, parts))
        columns.append(paired)
        size = sum(map(len, columns))
        if not size:
            return list(self._intercept)
        squared = self._idf_squared().__getitem__
        # One pass over the words' rows sums their scores and, last, their squares; the
        # other rows continue those running sums (``sum`` from a float start adds on in
        # the same order as one sum over all the rows).
        totals = list(map(sum, zip(*map(_ROW, parts), strict=True)))
        squares = totals.pop() + sum(map(squared, paired))
        rows = list(map(self._row, paired))
        counts = Counter(chain.from_iterable(columns))
        if len(counts) < size:
            # Repeated features, grouped by how often they occur: one tf per group.
            repeated: dict[int, list[int]] = {}
            # Most features of a message occur once: compress() picks the others in C, in
            # order of first appearance, as ``counts`` holds them. The counts are read as
            # bytes and translated to 1 where above 1, which costs no call per feature.
            try:
                picked = compress(counts, bytes(counts.values()).translate(_ABOVE_ONE))
            except ValueError:  # a feature seen 256 times or more: no byte holds its count
                picked = compress(counts, map(gt, counts.values(), repeat(1)))
            for column in picked:
                repeated.setdefault(counts[column], []).append(column)
            for n, group in repeated.items():
                tf = 1.0 + math.log(n)  # scikit-learn's sublinear_tf
                summed = map(sum, zip(*map(self._row, group), strict=True))
                rows.append(tuple(map(mul, summed, repeat(tf - n))))
                squares += (tf * tf - n) * sum(map(squared, group))
        if rows:
            totals = list(map(sum, zip(*rows, strict=True), totals))
        length = math.sqrt(squares)
        return [total / length + b for total, b in zip(totals, self._intercept, strict=True)]

    def probabilities(self, text: str) -> dict[str, float]:
        """Calibrated probability of every label, summing to 1."""
        scores = self.decision(text)
        logits = [-scores[0], scores[0]] if len(self.labels) == 2 else scores
        scaled = [self._beta * x for x in logits]
        top = max(scaled)
        exp = [math.exp(x - top) for x in scaled]
        total = sum(exp)
        return {label: e / total for label, e in zip(self.labels, exp, strict=True)}

    def predict(self, text: str) -> Prediction:
        """The likeliest label and the runner-up, with their probabilities."""
        ranked = sorted(self.probabilities(text).items(), key=lambda kv: (-kv[1], kv[0]))
        (first, p1), (second, p2) = ranked[0], ranked[1]
        return Prediction(first, p1, second, p2)

    def word_table(self) -> WordTable:
        """Every vocabulary word's part, worked out here: what the build stores.

        The table spans the columns from the first word feature to the last (scikit-learn
        orders the vocabulary alphabetically, so they are one run after the ``b:`` and
        ``c:`` features); a column in that span that is no word gets an empty row.
        """
        words = {c: f[2:] for f, c in self._index.items() if f.startswith("w:")}
        first = min(words, default=0)
        stop = max(words, default=-1) + 1
        scores = array("d")
        offsets = array("i", [0])
        columns = array("i")
        for column in range(first, stop):
            word = words.get(column)
            row, found = self._computed(word, column) if word is not None else self._empty()
            scores.extend(row)
            columns.extend(found)
            offsets.append(len(columns))
        return WordTable(first, scores, offsets, columns)

    def _idf_squared(self) -> array[float]:
        """Each feature's idf squared (what it adds to ``|v|**2`` at tf 1), made at first use.

        The same products as ``idf[c] * idf[c]`` at every use, read in C by ``map``.
        """
        squared = self._squared
        if squared is None:
            squared = self._squared = array("d", map(mul, self._idf, self._idf))
        return squared

    def _row_of(self, column: int) -> tuple[float, ...]:
        start = column * self._width
        return tuple(_values(self._coef[start : start + self._width]))

    def _part_of(self, word: str) -> _WordPart:
        found = self._index.get(f"w:{word}")
        follows = self._follows(word)
        table = self._words
        if found is not None and table is not None:
            row = found - table.first
            if 0 <= row < self._table_rows:
                start = row * (self._width + 1)
                offsets = table.offsets
                # One slice of each, turned into numbers by ``tolist`` in C (a tuple of
                # the slice read it element by element): this is every word's cost when it
                # is new to the process.
                return _WordPart(
                    tuple(_values(table.scores[start : start + self._width + 1])),
                    tuple(_values(table.columns[offsets[row] : offsets[row + 1]])),
                    follows,
                )
        return _WordPart(*self._computed(word, found), follows)

    def _computed(self, word: str, found: int | None) -> tuple[tuple[float, ...], tuple[int, ...]]:
        """The ``row`` and ``columns`` of ``word``, whose word feature is column ``found``.

        ``found`` is None for a word outside the vocabulary.
        """
        index = self._index
        columns = [] if found is None else [found]
        padded = f" {word} "
        low, high = CHAR_NGRAMS
        for size in range(low, min(high, len(padded)) + 1):
            for start in range(len(padded) - size + 1):
                column = index.get(f"c:{padded[start : start + size]}")
                if column is not None:
                    columns.append(column)
        if not columns:
            return self._empty()
        # Straight from the weights, not through the row cache: a word is computed once,
        # and most of its n-grams are seen nowhere else in a message.
        width = self._width
        coef = self._coef
        rows = [coef[c * width : (c + 1) * width] for c in columns]
        weights = [self._idf[c] for c in columns]
        return (
            (*map(sum, zip(*rows, strict=True)), sum(map(mul, weights, weights))),
            tuple(columns),
        )

    def _empty(self) -> tuple[tuple[float, ...], tuple[int, ...]]:
        return (0.0,) * (self._width + 1), ()

    def _follows(self, word: str) -> dict[str, int]:
        """The column of each learned pair ``"b:word second"``, keyed by ``second``.

        Found by bisection in the sorted features, where the pairs a word begins are one
        run (``"b:word "`` up to ``"b:word!"``, the next character after the space).
        """
        features = self._features
        if features is None:
            # Sorted once, when the first word is read: the vocabulary is exported in
            # sorted order, which ``sorted`` checks in one pass (under a millisecond).
            features = self._features = sorted(self._index)
        prefix = f"b:{word} "
        start = bisect_left(features, prefix)
        stop = bisect_left(features, f"b:{word}!", start)
        if start == stop:
            return _NO_PAIRS
        index = self._index
        skip = len(prefix)
        return {feature[skip:]: index[feature] for feature in features[start:stop]}


def _values(part: Sequence[Any]) -> list[Any]:
    """The numbers of a slice of an array or memoryview (any other sequence as a list)."""
    if isinstance(part, (array, memoryview)):
        return part.tolist()
    return list(part)


def _read_meta(path: Path) -> dict[str, Any]:
    """An export's JSON, from the kept copy when the file is the one it was read from.

    Parsing the JSON took about 9 ms per classifier on every start; the kept copy (see
    :mod:`safety.kept`) holds the same values, the idf weights as their float64 bytes.

    Raises:
        OSError: the file cannot be read.
        ValueError: it is not JSON.
    """
    raw = path.read_bytes()
    name = f"textclf-{path.stem}"
    wanted = kept.key(raw)
    meta = kept.read(name, wanted)
    if isinstance(meta, dict):
        meta["idf"] = array("d", meta["idf"])
        return meta
    meta = json.loads(raw)
    if not isinstance(meta, dict):
        raise ValueError(f"{path.name} is not a JSON object")
    try:
        idf = array("d", meta.get("idf", ()))
    except TypeError:
        return meta  # not numbers: the classifier refuses it, and nothing is kept
    kept.keep(name, wanted, {**meta, "idf": idf.tobytes()})
    return meta


def read_npy(path: Path, kind: Literal["d", "i"] = "d") -> tuple[tuple[int, ...], Sequence[Any]]:
    """The shape and the values (row by row) of a ``.npy`` file, without numpy.

    Reads what ``numpy.save`` writes for a C-ordered little-endian array of float64
    (``kind`` "d") or int32 (``kind`` "i") values (format versions 1 to 3); anything else,
    pickled objects included, is refused.

    Raises:
        ValueError: not such a file.
    """
    descr, name = _NPY_KINDS[kind]
    raw = path.read_bytes()
    if raw[:6] != _NPY_MAGIC or len(raw) < 10:
        raise ValueError(f"{path.name} is not a .npy file")
    major = raw[6]
    if major == 1:
        size, start = int.from_bytes(raw[8:10], "little"), 10
    elif major in (2, 3):
        size, start = int.from_bytes(raw[8:12], "little"), 12
    else:
        raise ValueError(f"{path.name}: unknown .npy format version {major}")
    try:
        header = ast.literal_eval(raw[start : start + size].decode("latin-1"))
    except (SyntaxError, ValueError) as exc:
        raise ValueError(f"{path.name}: malformed .npy header") from exc
    if (
        not isinstance(header, dict)
        or header.get("descr") != descr
        or header.get("fortran_order") is not False
        or not isinstance(header.get("shape"), tuple)
    ):
        raise ValueError(f"{path.name}: expected a C-ordered little-endian {name} array")
    shape: tuple[int, ...] = header["shape"]
    data = memoryview(raw)[start + size :]
    itemsize = array(kind).itemsize
    if len(data) % itemsize:
        raise ValueError(f"{path.name}: {len(data)} bytes of {name} values")
    values: Sequence[Any]
    if sys.byteorder == "little":
        # The file's bytes, read as numbers where they lie: copying the intent model's
        # 9 MB into an array was about 4 ms of every start.
        values = data.cast("d") if kind == "d" else data.cast("i")
    else:
        swapped = array(kind)
        swapped.frombytes(data)
        swapped.byteswap()
        values = swapped
    if len(values) != math.prod(shape):
        raise ValueError(f"{path.name}: {len(values)} values for a shape {shape}")
    return shape, values


_NPY_MAGIC = b"\x93NUMPY"
_NPY_KINDS = {"d": ("<f8", "float64"), "i": ("<i4", "int32")}
"""What :func:`read_npy` reads: an array typecode, the ``.npy`` type and its name (a C
``int`` is the four bytes of an int32 on every platform Python runs on)."""


def export_paths(path: Path) -> tuple[Path, Path, Path, Path]:
    """The files of an export named ``path``: metadata, weights and the word table's two."""
    return (
        path.with_suffix(".json"),
        path.with_suffix(".npy"),
        path.with_name(f"{path.name}.words.npy"),
        path.with_name(f"{path.name}.wordcols.npy"),
    )


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
