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
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from safety.classifier import (
    MODEL_PATH,
    ScreenClassifier,
    knows_a_word,
    save_thresholds,
    tier_probabilities,
    training_label,
)
from safety.labelled import VOICES, Row, corpus_files, read
from safety.rules import CHECKED_PATH, write_checked
from safety.screen import classifier_text, screen
from safety.screen_select import TARGETS, select

__all__ = [
    "FOLDS_PATH",
    "OPTIONS",
    "TARGETS",
    "Figures",
    "build",
    "fingerprint",
    "folds_report",
    "measure",
    "out_of_voice_probabilities",
    "train",
    "training_rows",
    "voice_folds",
    "write_folds",
]
from safety.textclf import TextClassifier, export_paths
from safety.textclf_train import TrainOptions, out_of_group_scores, train_and_export
from safety.tiers import Tier

OPTIONS = TrainOptions(c=3.0, class_weight=None)
"""The training settings of the committed export.

C = 3 (stronger regularisation than the default 10): the held-out voice is text the
model has not seen, and a model that leans less on the n-grams peculiar to its training
voices raised fewer false alarms on it. Voice held out, with the thresholds' ties going
to the most room (``screen_select``), on the corpus of issue 14's round 8: benign at
stop or worse 32/1685 with C = 3, 35 with C = 5 and 10, and C = 30 missed two more
emergencies (966/971); every other figure held (see the closing note of issue 14).

No class weighting: "balanced" weights multiplied every emergency row about four times
against the large none class (ordinary chat and benign stories), so short everyday
messages whose words carry little ("I have 20 minutes and dumbbells") came out as
emergencies. Unweighted, the probabilities keep the classes' real shares and the
thresholds chosen for them (nested, without the held-out voice) do the weighting. On
the same rules and corpus, voice held out, it caught two more of the 947 emergencies
and four more stop-or-worse messages, with two fewer benign messages stopped and six
more asked the safety question (see the closing note of issue 14)."""


ORDINARY_PATH = Path(__file__).parent / "data" / "ordinary.jsonl"
"""Everyday coaching chat labelled ``none`` (a snapshot of the offline model's NLU corpus,
kept to what the rules screen at none): training only, so the classifier learns what
ordinary messages look like and stays quiet on "my workout was hard"."""


def training_rows(corpus: Sequence[Row]) -> list[Row]:
    """The corpus rows plus the ordinary chat, in a fixed order."""
    return [*corpus, *read([ORDINARY_PATH])]


def train(rows: Sequence[Row], path: Path, options: TrainOptions = OPTIONS) -> ScreenClassifier:
    """Train on ``rows``, choose thresholds on them, export to ``path``; return it loaded.

    The thresholds are chosen on out-of-voice scores of ``rows`` alone
    (:mod:`safety.screen_select`), so a model trained without a voice has not seen that
    voice in its thresholds either. They are written to ``path.thresholds.json``.
    """
    texts = [classifier_text(row.text) for row in rows]
    labels = [training_label(row.label.value, row.category) for row in rows]
    model: TextClassifier = train_and_export(texts, labels, path, options)
    probabilities, known = out_of_voice_probabilities(rows, texts, labels, path, options)
    thresholds = select(rows, probabilities, known)
    save_thresholds(path, thresholds)
    return ScreenClassifier(model, thresholds)


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


def build(path: Path = MODEL_PATH) -> int:
    """Train on the whole committed corpus and export; returns the number of rows."""
    rows = training_rows(read(corpus_files()))
    train(rows, path)
    return len(rows)


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


def voice_folds(rows: Sequence[Row], options: TrainOptions = OPTIONS) -> dict[str, Figures]:
    """Figures per held-out voice (trained on the other voices) and ``"overall"``."""
    result: dict[str, Figures] = {}
    overall = Figures()
    everything = training_rows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        for voice in VOICES:
            held = [row for row in rows if row.voice == voice]
            kept = [row for row in everything if row.voice != voice]
            if not held:
                continue
            fold_model = train(kept, Path(tmp) / f"without-{voice}", options)
            figures = measure(held, fold_model)
            result[voice] = figures
            overall.merge(figures)
    result["overall"] = overall
    return result


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
    """Run the voice-held-out folds on the committed corpus and write ``path``."""
    report = folds_report(voice_folds(read(corpus_files())))
    path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
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
    count = build(args.out)
    print(f"trained the screen classifier on {count} messages -> {args.out}.json/.npy")
    if not args.no_folds:
        report = write_folds()
        print(f"voice-held-out figures -> {FOLDS_PATH}: {json.dumps(report['overall'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
