"""Build and measure the screen's classifier (build time: imports scikit-learn).

- ``python -m safety.screen_build`` (what ``make models`` runs) compiles every rule
  pattern and records the rule files as checked (``safety.rules.write_checked``: starts
  then compile a rule when a message first reaches it), trains on every row of
  ``safety/data/corpus`` and exports ``safety/data/model/screen.{json,npy}`` plus the
  thresholds chosen on those rows alone (``screen.thresholds.json``; see
  :mod:`safety.screen_select`).
- :func:`voice_folds` trains without one voice (weights and thresholds: the thresholds
  are chosen on the other voices only, nested) and screens that voice's rows with the
  rules plus the fold's classifier, for every voice: the figures the issue asks for,
  per voice and overall. ``make models`` writes them to ``safety/data/model/folds.json``
  with a fingerprint of every input (corpus, rule data, screening code); the test suite
  checks the fingerprint is current and gates on the figures, and ``benchmarks/safety.py``
  recomputes them from scratch.

The classifier learns from :func:`safety.screen.classifier_text`, the message as the
rules' context left it, so a change to the rules or context means a rebuild (a test
rebuilds the export and compares it byte for byte).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from safety.classifier import (
    MODEL_PATH,
    ScreenClassifier,
    knows_a_word,
    load_thresholds,
    save_thresholds,
    thresholds_path,
    tier_probabilities,
    training_label,
)
from safety.labelled import VOICES, Row, corpus_files, read
from safety.rules import CHECKED_PATH, write_checked
from safety.screen import classifier_text, screen
from safety.screen_select import TARGETS, Score, select_scored

__all__ = [
    "CHOICE_PATH",
    "C_CANDIDATES",
    "FOLDS_PATH",
    "OPTIONS",
    "TARGETS",
    "Choice",
    "Figures",
    "build",
    "choose",
    "export_options",
    "fingerprint",
    "fold_name",
    "folds_report",
    "measure",
    "out_of_voice_probabilities",
    "record_choices",
    "recorded_choices",
    "train",
    "training_rows",
    "voice_folds",
    "write_folds",
]
from safety.textclf import TextClassifier, export_paths
from safety.textclf_train import TrainOptions, out_of_group_scores, train_and_export
from safety.tiers import Tier

OPTIONS = TrainOptions(c=3.0, class_weight=None)
"""The training settings of the committed export, but for C (chosen from
:data:`C_CANDIDATES` by :func:`choose`; the 3 here is only the default of callers that
pass no choice).

No class weighting: "balanced" weights multiplied every emergency row about four times
against the large none class (ordinary chat and benign stories), so short everyday
messages whose words carry little ("I have 20 minutes and dumbbells") came out as
emergencies. Unweighted, the probabilities keep the classes' real shares and the
thresholds chosen for them (nested, without the held-out voice) do the weighting. On
the same rules and corpus, voice held out, it caught two more of the 947 emergencies
and four more stop-or-worse messages, with two fewer benign messages stopped and six
more asked the safety question (see the closing note of issue 14)."""


C_CANDIDATES = (1.0, 3.0, 10.0)
"""The regularisation strengths :func:`choose` tries, in order (ties go to the first, the
strongest regularisation).

C used to be fixed by hand (3) from the voice-held-out figures themselves, which is
looking at the held-out voice. Now every model chooses its own C from its training rows
alone, as its thresholds are chosen: each candidate's out-of-voice scores of the training
rows, the thresholds selected on them, and the candidate whose selected point comes
closest to the targets with the most room (``screen_select.select_scored``) wins. The
held-out voice of a fold never sees the choice. Round 8 of issue 14 had seen C = 3 raise
fewer false alarms on a new voice than 5 or 10 and C = 30 miss emergencies: the
candidates bracket that range."""

CHOICE_PATH = Path(__file__).parent / "data" / "model" / "screen.choice.json"
"""The C :func:`choose` took for the committed export and for every voice fold, with
every candidate's score, so the tests can rebuild the export and one fold from the
recorded choice without redoing the search (three times the training)."""


@dataclass(frozen=True)
class Choice:
    """The C a model was trained with and every candidate's (distance, -room) score."""

    c: float
    scores: dict[float, Score]

    def to_json(self) -> dict[str, object]:
        """The choice as JSON (candidates keyed by C as text, in candidate order)."""
        return {"c": self.c, "scores": {repr(c): list(score) for c, score in self.scores.items()}}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Choice:
        """A choice from :meth:`to_json` output."""
        scores = {float(c): (float(s[0]), float(s[1])) for c, s in raw["scores"].items()}
        return cls(float(raw["c"]), scores)


def recorded_choices(path: Path = CHOICE_PATH) -> dict[str, Choice]:
    """The recorded choices: ``"export"`` and one per held-out voice (``"without-<voice>"``)."""
    if not path.exists():
        return {}
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {name: Choice.from_json(value) for name, value in raw.items()}


def record_choices(choices: dict[str, Choice], path: Path = CHOICE_PATH) -> None:
    """Write ``choices`` into ``path``, keeping the recorded ones not given (sorted keys)."""
    merged = {**recorded_choices(path), **choices}
    raw = {name: choice.to_json() for name, choice in merged.items()}
    path.write_text(json.dumps(raw, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def export_options(name: str = "export", path: Path = CHOICE_PATH) -> TrainOptions:
    """:data:`OPTIONS` with the recorded C of ``name`` (the export, or ``without-<voice>``)."""
    return replace(OPTIONS, c=recorded_choices(path)[name].c)


ORDINARY_PATH = Path(__file__).parent / "data" / "ordinary.jsonl"
"""Everyday coaching chat labelled ``none`` (a snapshot of the offline model's NLU corpus,
kept to what the rules screen at none): training only, so the classifier learns what
ordinary messages look like and stays quiet on "my workout was hard"."""


def training_rows(corpus: Sequence[Row]) -> list[Row]:
    """The corpus rows plus the ordinary chat, in a fixed order."""
    return [*corpus, *read([ORDINARY_PATH])]


def train(rows: Sequence[Row], path: Path, options: TrainOptions = OPTIONS) -> ScreenClassifier:
    """Train on ``rows`` with ``options``, choose thresholds on them, export to ``path``.

    The thresholds are chosen on out-of-voice scores of ``rows`` alone
    (:mod:`safety.screen_select`), so a model trained without a voice has not seen that
    voice in its thresholds either. They are written to ``path.thresholds.json``.
    Returns the export loaded.
    """
    return _train_scored(rows, path, options)[0]


def _train_scored(
    rows: Sequence[Row], path: Path, options: TrainOptions
) -> tuple[ScreenClassifier, Score]:
    texts = [classifier_text(row.text) for row in rows]
    labels = [training_label(row.label.value, row.category) for row in rows]
    model: TextClassifier = train_and_export(texts, labels, path, options)
    probabilities, known = out_of_voice_probabilities(rows, texts, labels, path, options)
    thresholds, score = select_scored(rows, probabilities, known)
    save_thresholds(path, thresholds)
    return ScreenClassifier(model, thresholds), score


def choose(rows: Sequence[Row], path: Path) -> tuple[ScreenClassifier, Choice]:
    """Train on ``rows`` with the best C of :data:`C_CANDIDATES`, export to ``path``.

    Every candidate is trained and scored on ``rows`` alone (see :data:`C_CANDIDATES`);
    the winner's files are copied to ``path``, byte for byte what training it there
    writes. Returns the winner loaded and the choice.
    """
    scores: dict[float, Score] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for c in C_CANDIDATES:
            _, scores[c] = _train_scored(rows, Path(tmp) / f"c{c:g}", replace(OPTIONS, c=c))
        best = min(C_CANDIDATES, key=lambda c: (scores[c], C_CANDIDATES.index(c)))
        winner = Path(tmp) / f"c{best:g}"
        path.parent.mkdir(parents=True, exist_ok=True)
        for source, target in (
            *zip(export_paths(winner), export_paths(path), strict=True),
            (thresholds_path(winner), thresholds_path(path)),
        ):
            shutil.copyfile(source, target)
    model = ScreenClassifier(TextClassifier.load(path), load_thresholds(path))
    return model, Choice(best, scores)


def out_of_voice_probabilities(
    rows: Sequence[Row], texts: list[str], labels: list[str], path: Path, options: TrainOptions
) -> tuple[dict[Tier, npt.NDArray[np.float64]], npt.NDArray[np.bool_]]:
    """Each row's tier probabilities from a model trained without its voice.

    Scaled by the exported model's own temperature, so they read like its probabilities.
    Also, per row, whether that model knows one of its words: the classifier abstains
    at run time when it knows none (:meth:`ScreenClassifier.verdict`), and selection
    must see the same abstentions.
    """
    classes, scores, known = out_of_group_scores(
        texts, labels, [row.voice for row in rows], options, knows_a_word
    )
    meta = json.loads(export_paths(path)[0].read_text(encoding="utf-8"))
    scaled = float(meta["beta"]) * scores
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    proba = exp / exp.sum(axis=1, keepdims=True)
    named = tier_probabilities({label: i for i, label in enumerate(classes)})
    return {tier: proba[:, int(i)] for tier, i in named.items()}, known


def build(path: Path = MODEL_PATH) -> tuple[int, Choice]:
    """Train on the whole committed corpus (C chosen) and export; rows and the choice."""
    rows = training_rows(read(corpus_files()))
    _, choice = choose(rows, path)
    return len(rows), choice


@dataclass
class Figures:
    """Recall and false positives of the whole screen on some rows."""

    messages: int = 0
    emergency: int = 0
    emergency_hits: int = 0
    emergency_or_check_hits: int = 0
    stop_or_worse: int = 0
    stop_or_worse_hits: int = 0
    benign: int = 0
    benign_stop: int = 0
    benign_check: int = 0
    misses: list[dict[str, object]] = field(default_factory=list)

    def add(self, row: Row, got: Tier) -> None:
        """Count one screened row."""
        self.messages += 1
        if row.label is Tier.EMERGENCY:
            self.emergency += 1
            self.emergency_hits += got is Tier.EMERGENCY
            self.emergency_or_check_hits += got in (Tier.EMERGENCY, Tier.CHECK)
        if min(row.acceptable) >= Tier.STOP:
            self.stop_or_worse += 1
            self.stop_or_worse_hits += got >= Tier.STOP
        if row.label is Tier.NONE:
            self.benign += 1
            self.benign_stop += got >= Tier.STOP and got not in row.acceptable
            self.benign_check += got >= Tier.CHECK and got not in row.acceptable
        if got not in row.acceptable:
            self.misses.append(
                {
                    "text": row.text,
                    "got": got.value,
                    "label": row.label.value,
                    "category": row.category,
                    "voice": row.voice,
                }
            )

    def merge(self, other: Figures) -> None:
        """Add another set of counts to this one."""
        for name in (
            "messages",
            "emergency",
            "emergency_hits",
            "emergency_or_check_hits",
            "stop_or_worse",
            "stop_or_worse_hits",
            "benign",
            "benign_stop",
            "benign_check",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)

    @property
    def emergency_recall(self) -> float:
        """Emergency messages screened as emergency."""
        return _share(self.emergency_hits, self.emergency, 1.0)

    @property
    def emergency_or_check_recall(self) -> float:
        """Emergency messages screened as emergency or check."""
        return _share(self.emergency_or_check_hits, self.emergency, 1.0)

    @property
    def stop_or_worse_recall(self) -> float:
        """Stop-or-worse messages screened at stop or above."""
        return _share(self.stop_or_worse_hits, self.stop_or_worse, 1.0)

    @property
    def benign_fp_stop_or_worse(self) -> float:
        """Benign messages screened at stop or above."""
        return _share(self.benign_stop, self.benign, 0.0)

    @property
    def benign_fp_check_or_worse(self) -> float:
        """Benign messages screened at check or above."""
        return _share(self.benign_check, self.benign, 0.0)

    def to_json(self) -> dict[str, object]:
        """The figures, rounded, without the misses."""
        return {
            "messages": self.messages,
            "emergency_messages": self.emergency,
            "emergency_recall": round(self.emergency_recall, 4),
            "emergency_or_check_recall": round(self.emergency_or_check_recall, 4),
            "stop_or_worse_messages": self.stop_or_worse,
            "stop_or_worse_recall": round(self.stop_or_worse_recall, 4),
            "benign_messages": self.benign,
            "benign_fp_stop_or_worse": round(self.benign_fp_stop_or_worse, 4),
            "benign_fp_check_or_worse": round(self.benign_fp_check_or_worse, 4),
        }


def _share(part: int, whole: int, empty: float) -> float:
    return part / whole if whole else empty


def measure(rows: Sequence[Row], classifier: ScreenClassifier | None) -> Figures:
    """Screen every row with the rules and ``classifier``; count the figures."""
    figures = Figures()
    for row in rows:
        figures.add(row, screen(row.text, classifier=classifier).tier)
    return figures


def voice_folds(
    rows: Sequence[Row], choices: dict[str, Choice] | None = None
) -> dict[str, Figures]:
    """Figures per held-out voice (trained on the other voices) and ``"overall"``.

    Each fold's C is chosen on its training voices alone (:func:`choose`); when
    ``choices`` is given, what each fold chose is recorded there (``"without-<voice>"``).
    """
    result: dict[str, Figures] = {}
    overall = Figures()
    everything = training_rows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        for voice in VOICES:
            held = [row for row in rows if row.voice == voice]
            kept = [row for row in everything if row.voice != voice]
            if not held:
                continue
            name = fold_name(voice)
            fold_model, choice = choose(kept, Path(tmp) / name)
            if choices is not None:
                choices[name] = choice
            figures = measure(held, fold_model)
            result[voice] = figures
            overall.merge(figures)
    result["overall"] = overall
    return result


def fold_name(voice: str) -> str:
    """The name of the fold that holds ``voice`` out (its key in :data:`CHOICE_PATH`)."""
    return f"without-{voice}"


def missed_targets(figures: Figures) -> list[str]:
    """The targets ``figures`` misses, as readable lines (empty when all are met)."""
    values = figures.to_json()
    missed: list[str] = []
    for name, target in TARGETS.items():
        value = float(str(values[name]))
        ok = value <= target if name.startswith("benign") else value >= target
        if not ok:
            missed.append(f"{name} = {value:.4f} (target {target})")
    return missed


FOLDS_PATH = MODEL_PATH.parent / "folds.json"
"""The voice-held-out figures of the committed rules, corpus and training settings."""

_SAFETY_DIR = Path(__file__).parent
_INPUT_CODE = (
    "check.py",
    "classifier.py",
    "labelled.py",
    "lifted.py",
    "literals.py",
    "normalise.py",
    "rules.py",
    "screen.py",
    "screen_build.py",
    "screen_select.py",
    "textclf.py",
    "textclf_train.py",
    "tiers.py",
)


def fingerprint() -> str:
    """SHA-256 over everything the fold figures depend on: corpus, rule data, code."""
    digest = hashlib.sha256()
    files = [
        *corpus_files(),
        ORDINARY_PATH,
        *sorted((_SAFETY_DIR / "data").glob("*.yaml")),
        *(_SAFETY_DIR / name for name in _INPUT_CODE),
    ]
    for path in files:
        digest.update(path.relative_to(_SAFETY_DIR).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def folds_report(results: dict[str, Figures]) -> dict[str, object]:
    """The fold figures as JSON: per voice, overall, the targets and what is missed."""
    return {
        "fingerprint": fingerprint(),
        "per_voice": {voice: f.to_json() for voice, f in results.items() if voice != "overall"},
        "overall": results["overall"].to_json(),
        "targets": TARGETS,
        "missed": missed_targets(results["overall"]),
    }


def write_folds(path: Path = FOLDS_PATH) -> dict[str, object]:
    """Run the voice-held-out folds on the committed corpus and write ``path``.

    The C each fold chose is recorded in :data:`CHOICE_PATH`.
    """
    choices: dict[str, Choice] = {}
    report = folds_report(voice_folds(read(corpus_files()), choices))
    path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    record_choices(choices)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``make models``: train, export, and write the fold figures."""
    parser = argparse.ArgumentParser(description="Train and export the screen's classifier.")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="Export path (no suffix).")
    parser.add_argument(
        "--no-folds", action="store_true", help="Skip the voice-held-out figures (folds.json)."
    )
    args = parser.parse_args(argv)
    print(f"every rule pattern compiles; checked files -> {CHECKED_PATH}: {write_checked()}")
    count, choice = build(args.out)
    if args.out == MODEL_PATH:
        record_choices({"export": choice})
    print(
        f"trained the screen classifier on {count} messages with C = {choice.c:g}"
        f" -> {args.out}.json/.npy"
    )
    if not args.no_folds:
        report = write_folds()
        print(f"voice-held-out figures -> {FOLDS_PATH}: {json.dumps(report['overall'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
