"""Choosing the screen classifier's thresholds without the voice they are measured on.

Build time only (``make models`` and the voice-held-out folds). A model and its
thresholds are learned from the same rows and nothing else: every training row is
scored by a model trained without that row's voice (``out_of_group_scores``), and the
thresholds are the point of :data:`GRID` whose whole-screen figures on those scores
come closest to the targets. So when a voice is held out to measure the screen, neither
the weights nor the thresholds have seen it (nested selection).

"Closest" is the sum, over the targets, of each shortfall in units of the error the
target allows (recall shortfalls counted :data:`RECALL_WEIGHT` times): the issue's five
(1% of emergencies missed, 0.5% for emergency-or-check, 3% of stop-or-worse, 2% and 8%
of benign messages), plus the project's own guard for
ordinary coaching chat (:data:`ORDINARY_CATEGORIES`: time, sets, logging, plans) asked
the safety question or worse, 1% allowed. Without that guard the selection buys the
last emergency-or-check point with "Sorry, I only have 12 minutes" getting the safety
question, which the issue's benign target (over benign-but-alarming rows) barely sees.

Points equally close go to the one with the most room inside the targets (:func:`room`).
The first point of the grid used to win, and the grid runs from the lowest thresholds
up, so when several points met every target on the training voices the one chosen
spent the whole false-alarm allowance there (2.0% of their benign rows stopped) and
crossed it on the held-out voice, whose text is new. Recall counts in the room as much
as false alarms, so the room is never bought with a missed red flag.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from safety.check import GENERAL, load_checks
from safety.classifier import ORDINARY_CATEGORIES, Thresholds, enough_words
from safety.labelled import Row
from safety.screen import screen_rules, tells_recovery
from safety.tiers import Tier

GRID: dict[str, tuple[float, ...]] = {
    "emergency": (0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7),
    "check_emergency": (0.05, 0.1, 0.15, 0.2, 0.3),
    "check": (0.25, 0.35, 0.45, 0.6),
    "stop": (0.5, 0.6, 0.7, 0.8),
    "confirm": (0.05, 0.1, 0.15, 0.2, 0.3, 1.01),
    "check_general": (0.1, 0.15, 0.2, 0.3, 0.4, 0.5),
}
"""The candidate thresholds (every consistent combination is tried; ties go to the most room).

The low end of 0.15 for an emergency is there because the classifier has two classes
besides the tiers (low mood, benign but alarming) that take a share of the probability:
the tiers' probabilities run lower than with five classes.

A stop needs P(stop) + P(emergency) of at least one half: a stop locks the plan, and the
classifier alone locks it only when it reads the message as more likely a stop than not.
The grid once went down to 0.4; once a stop told with a recovery became the check
question, the selection took 0.4 and plain messages the corpus has no row like ("my son
and I went swimming yesterday" at 0.41, "cant do box jumps tonite, ankle" at 0.45) were
stopped."""

RECALL_WEIGHT = 2.0
"""How much more a recall shortfall counts than a false-alarm excess of the same size in
units of its allowed error: a missed red flag is the worse mistake (safety first), so
the selection never buys fewer false alarms with as many missed ones."""

TARGETS = {
    "emergency_recall": 0.99,
    "emergency_or_check_recall": 0.995,
    "stop_or_worse_recall": 0.97,
    "benign_fp_stop_or_worse": 0.02,
    "benign_fp_check_or_worse": 0.08,
}
"""The issue's voice-held-out targets (recalls at least, false positives at most)."""


ORDINARY_ALLOWED = 0.01
"""Share of ordinary chat that may meet the safety question or worse (a selection guard,
not one of the issue's targets)."""


@dataclass(frozen=True)
class RuleView:
    """What the rules alone make of one message, and what the classifier would read."""

    tier: Tier
    physical: Tier
    """The rules' tier without low-mood signals (only a physical stop can be confirmed)."""
    cardinal: bool
    """The classifier text names a cardinal area (a check topic other than general)."""
    readable: bool
    """The classifier text has enough words for the classifier to speak."""
    recovered: bool
    """The message tells a recovery (``ScreenClassifier.verdict``'s ``recovered``)."""


@lru_cache(maxsize=16_384)
def rule_view(text: str) -> RuleView:
    """The rules' view of ``text`` (cached: rules do not change within a build)."""
    signals, readable = screen_rules(text)
    return RuleView(
        tier=max((s.tier for s in signals), default=Tier.NONE),
        physical=max((s.tier for s in signals if s.kind != "mood"), default=Tier.NONE),
        cardinal=load_checks().topic_of(readable).name != GENERAL,
        readable=enough_words(readable),
        recovered=tells_recovery(text),
    )


@dataclass(frozen=True)
class _Evidence:
    p_emergency: npt.NDArray[np.float64]
    worried: npt.NDArray[np.float64]
    """P(check) + P(emergency)."""
    severe: npt.NDArray[np.float64]
    """P(stop) + P(emergency)."""
    rules: npt.NDArray[np.int64]
    physical_stop: npt.NDArray[np.bool_]
    cardinal: npt.NDArray[np.bool_]
    asks_after_recovery: npt.NDArray[np.bool_]
    """A classifier emergency is asked about instead: recovery told, cardinal area, the
    rules' physical tier below stop."""
    stop_after_recovery: npt.NDArray[np.bool_]
    """A classifier stop is asked about instead: recovery told, the rules' physical tier
    below stop (any area)."""
    readable: npt.NDArray[np.bool_]
    """The classifier speaks: enough words, one of them known (as ``verdict``)."""
    acceptable: npt.NDArray[np.bool_]
    """One row per message, one column per tier rank."""
    emergency: npt.NDArray[np.bool_]
    stop_or_worse: npt.NDArray[np.bool_]
    benign: npt.NDArray[np.bool_]
    ordinary: npt.NDArray[np.bool_]


def _evidence(
    rows: Sequence[Row],
    probabilities: dict[Tier, npt.NDArray[np.float64]],
    known: npt.NDArray[np.bool_] | None,
) -> _Evidence:
    views = [rule_view(row.text) for row in rows]
    readable = np.array([v.readable for v in views], dtype=bool)
    if known is not None:
        readable &= known
    acceptable = np.zeros((len(rows), len(Tier)), dtype=bool)
    for i, row in enumerate(rows):
        for tier in row.acceptable:
            acceptable[i, tier.rank] = True
    emergency = probabilities[Tier.EMERGENCY]
    return _Evidence(
        p_emergency=emergency,
        worried=probabilities[Tier.CHECK] + emergency,
        severe=probabilities[Tier.STOP] + emergency,
        rules=np.array([v.tier.rank for v in views], dtype=np.int64),
        physical_stop=np.array([v.physical is Tier.STOP for v in views], dtype=bool),
        cardinal=np.array([v.cardinal for v in views], dtype=bool),
        asks_after_recovery=np.array(
            [v.recovered and v.cardinal and v.physical < Tier.STOP for v in views], dtype=bool
        ),
        stop_after_recovery=np.array(
            [v.recovered and v.physical < Tier.STOP for v in views], dtype=bool
        ),
        readable=readable,
        acceptable=acceptable,
        emergency=np.array([row.label is Tier.EMERGENCY for row in rows], dtype=bool),
        stop_or_worse=np.array([min(row.acceptable) >= Tier.STOP for row in rows], dtype=bool),
        benign=np.array(
            [row.label is Tier.NONE and row.category not in ORDINARY_CATEGORIES for row in rows],
            dtype=bool,
        ),
        ordinary=np.array([row.category in ORDINARY_CATEGORIES for row in rows], dtype=bool),
    )


def _tiers(e: _Evidence, t: Thresholds) -> npt.NDArray[np.int64]:
    """The whole screen's tier rank per message under ``t`` (as ``ScreenClassifier``)."""
    confirmed = e.physical_stop & e.cardinal & (e.p_emergency >= t.confirm)
    alarmed = e.p_emergency >= t.emergency
    emergency = (alarmed & ~e.asks_after_recovery) | confirmed
    asked = np.where(
        e.cardinal,
        (e.p_emergency >= t.check_emergency) | (e.worried >= t.check),
        e.p_emergency >= t.check_general,
    )
    stop = e.severe >= t.stop
    asked |= alarmed & e.asks_after_recovery
    asked |= stop & e.stop_after_recovery
    learned = np.where(emergency, 4, np.where(asked, 2, np.where(stop, 3, 0)))
    return np.maximum(e.rules, np.where(e.readable, learned, 0))


def _share(mask: npt.NDArray[np.bool_], among: npt.NDArray[np.bool_]) -> float:
    return float(mask[among].sum() / max(int(among.sum()), 1))


def _figures(e: _Evidence, tiers: npt.NDArray[np.int64]) -> dict[str, float]:
    wrong = ~e.acceptable[np.arange(len(tiers)), tiers]
    return {
        "emergency_recall": _share(tiers == 4, e.emergency),
        "emergency_or_check_recall": _share((tiers == 4) | (tiers == 2), e.emergency),
        "stop_or_worse_recall": _share(tiers >= 3, e.stop_or_worse),
        "benign_fp_stop_or_worse": _share((tiers >= 3) & wrong, e.benign),
        "benign_fp_check_or_worse": _share((tiers >= 2) & wrong, e.benign),
        "ordinary_check_or_worse": _share((tiers >= 2) & wrong, e.ordinary),
    }


def distance(figures: dict[str, float]) -> float:
    """How far figures are from the targets, each shortfall in units of its allowed error."""
    total = 0.0
    for name, target in TARGETS.items():
        if name.startswith("benign"):
            total += max(0.0, figures[name] - target) / target
        else:
            total += RECALL_WEIGHT * max(0.0, target - figures[name]) / (1.0 - target)
    ordinary = figures.get("ordinary_check_or_worse", 0.0)
    return total + max(0.0, ordinary - ORDINARY_ALLOWED) / ORDINARY_ALLOWED


def room(figures: dict[str, float]) -> float:
    """The smallest slack to the targets, each in units of the error the target allows.

    Positive when every target is met (how far inside the nearest one the figures
    are), negative when one is missed. Among grid points equally close to the targets
    (:func:`distance`), :func:`select` takes the one with the most room.
    """
    slacks = [
        (target - figures[name]) / target
        if name.startswith("benign")
        else (figures[name] - target) / (1.0 - target)
        for name, target in TARGETS.items()
    ]
    return min(slacks)


def _consistent(t: Thresholds) -> bool:
    # Asking needs less than an alarm; asking without a cardinal word needs at least as
    # much as asking with one.
    return t.check_emergency < t.emergency and t.check_emergency <= t.check_general


def select(
    rows: Sequence[Row],
    probabilities: dict[Tier, npt.NDArray[np.float64]],
    known: npt.NDArray[np.bool_] | None = None,
) -> Thresholds:
    """The grid point whose figures on ``rows`` come closest to the targets.

    Args:
        rows: The training rows.
        probabilities: Out-of-voice calibrated probabilities of each tier, one per row.
        known: Per row, whether the model that scored it knows one of its words (the
            classifier abstains otherwise, as at run time); all known when omitted.
    """
    return select_scored(rows, probabilities, known)[0]


Score = tuple[float, float]
"""A grid point's (distance, -room): lower is better (:func:`select_scored`)."""


def select_scored(
    rows: Sequence[Row],
    probabilities: dict[Tier, npt.NDArray[np.float64]],
    known: npt.NDArray[np.bool_] | None = None,
) -> tuple[Thresholds, Score]:
    """:func:`select`'s choice and its score, (distance, -room) on ``rows``.

    The score lets models trained with different settings be compared on the same
    out-of-voice footing (``screen_build`` chooses the regularisation with it).
    """
    evidence = _evidence(rows, probabilities, known)
    names = [f.name for f in fields(Thresholds)]
    best: tuple[Score, Thresholds] | None = None
    for values in itertools.product(*(GRID[name] for name in names)):
        candidate = Thresholds(**dict(zip(names, values, strict=True)))
        if not _consistent(candidate):
            continue
        figures = _figures(evidence, _tiers(evidence, candidate))
        score = (distance(figures), -room(figures))
        if best is None or score < best[0]:
            best = (score, candidate)
    if best is None:
        raise ValueError("no consistent point in the threshold grid")
    return best[1], best[0]
