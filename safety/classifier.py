"""The screen's second detector: a trained text classifier over the five tiers.

It reads the message as the rules left it (idioms removed, every mention its context
settled replaced by a marker; see ``screen.classifier_text``), so negation, other
people's past and questions apply to it as they do to the rules. It is trained by
``make models`` (``safety/screen_build.py``) from ``safety/data/corpus`` and applied
here from the exported files with :mod:`safety.textclf`, without scikit-learn.

Its calibrated probabilities become a tier by the thresholds in :class:`Thresholds`:

- ``P(emergency) >= emergency``: emergency;
- else ``P(emergency) >= check_emergency`` or ``P(check) + P(emergency) >= check``: check
  (the classifier is worried but below its emergency threshold: ask one question);
- else ``P(stop) + P(emergency) >= stop``: stop;
- else nothing: the classifier is a red-flag detector, and caution stays with the rules
  (their labels and joint areas say what to protect).

The screen's tier is the higher of this and the rules' tier, so neither detector can
lower what the other found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from safety.check import load_checks
from safety.textclf import TextClassifier
from safety.tiers import Tier

MODEL_PATH = Path(__file__).parent / "data" / "model" / "screen"
"""The committed export: ``screen.json`` and ``screen.npy``."""

MIN_WORDS = 3
"""Fewest words (four letters or more) the classifier needs before it says anything."""

SETTLED_WORD = "settledmention"
"""The marker the screen puts where context settled a mention (see ``screen``)."""

_WORDS = re.compile(r"[a-z]{4,}")


@dataclass(frozen=True)
class Thresholds:
    """Probability cut-offs, chosen on voice-held-out folds of the corpus (see module doc)."""

    emergency: float = 0.5
    check_emergency: float = 0.2
    check: float = 0.45
    stop: float = 0.6


@dataclass(frozen=True)
class Verdict:
    """What the classifier made of one message."""

    tier: Tier
    probability: float
    """The calibrated probability behind the tier."""
    topic: str | None = None
    """For a check: the cardinal area of the question."""


class ScreenClassifier:
    """A loaded classifier plus its thresholds."""

    def __init__(self, model: TextClassifier, thresholds: Thresholds | None = None) -> None:
        missing = {t.value for t in Tier} - set(model.labels)
        if missing:
            raise ValueError(f"the screen classifier lacks labels {sorted(missing)}")
        self.model = model
        self.thresholds = thresholds or Thresholds()

    def probabilities(self, readable: str) -> dict[Tier, float]:
        """Calibrated probability of each tier for a classifier text."""
        return {Tier(k): v for k, v in self.model.probabilities(readable).items()}

    def verdict(self, readable: str) -> Verdict:
        """The classifier's tier for a classifier text (see the module docstring).

        It abstains (tier none) on fewer than :data:`MIN_WORDS` words of four letters or
        more: "swimming and cycling" or "an hour and a half" carry too little to read,
        and a near-empty input only echoes the class priors (the rules still screen it).
        """
        if len([w for w in _WORDS.findall(readable) if w != SETTLED_WORD]) < MIN_WORDS:
            return Verdict(Tier.NONE, 1.0)
        p = self.probabilities(readable)
        t = self.thresholds
        emergency = p[Tier.EMERGENCY]
        if emergency >= t.emergency:
            return Verdict(Tier.EMERGENCY, emergency)
        worried = p[Tier.CHECK] + emergency
        if emergency >= t.check_emergency or worried >= t.check:
            topic = load_checks().topic_of(readable)
            return Verdict(Tier.CHECK, worried, topic.name)
        severe = p[Tier.STOP] + emergency
        if severe >= t.stop:
            return Verdict(Tier.STOP, severe)
        return Verdict(Tier.NONE, p[Tier.NONE])


@lru_cache(maxsize=1)
def default_classifier() -> ScreenClassifier | None:
    """The committed classifier, or ``None`` before ``make models`` first built it."""
    if not MODEL_PATH.with_suffix(".json").exists():
        return None
    return ScreenClassifier(TextClassifier.load(MODEL_PATH))
