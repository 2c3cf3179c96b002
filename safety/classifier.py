"""The screen's second detector: a trained text classifier over the five tiers.

It reads the message as the rules left it (idioms removed, every mention its context
settled replaced by a marker; see ``screen.classifier_text``), so negation, other
people's past and questions apply to it as they do to the rules. It is trained by
``make models`` (``safety/screen_build.py``) from ``safety/data/corpus`` and applied
here from the exported files with :mod:`safety.textclf`, without scikit-learn.

Its calibrated probabilities become a tier by the thresholds in :class:`Thresholds`:

- ``P(emergency) >= emergency``: emergency, unless the message tells a recovery ("came
  down fast in the rests and i feel great now"), names a cardinal area and the rules
  found less than a stop: then the check question, which settles what the words of
  effort leave open (see :meth:`ScreenClassifier.verdict`);
- else, in a message that names a cardinal area (a topic of ``check.yaml``),
  ``P(emergency) >= check_emergency`` or ``P(check) + P(emergency) >= check``: check (the
  classifier is worried but below its emergency threshold: ask one question). Without a
  cardinal word only ``P(emergency) >= check_general`` asks, so "Sorry, now I have only
  12 minutes" is not met with a safety question;
- else ``P(stop) + P(emergency) >= stop``: stop, unless the message tells a recovery
  ("it went away after a minute, feeling fine now") and the rules found less than a
  stop: then the check question. A stop only the classifier sees in a message that says
  the thing is over locked the plan of people who were well (most of the benign
  messages the held-out voices had stopped); one question settles it, and a rule's stop
  or an emergency is never lowered;
- else nothing: the classifier is a red-flag detector, and caution stays with the rules
  (their labels and joint areas say what to protect).

Low mood is a class of its own (:data:`MOOD_LABEL`, the corpus's ``low_mood`` rows): its
probability never counts towards a stop, so ordinary venting ("feel guilty", "barely
sleeping") is not read as a symptom that locks the plan. The mood class itself makes
no verdict: the warm reply stays with the rules' low-mood signal (the classifier once
answered "how consistent have I been lately?" with it), and crisis wording stays in the
emergency class. Benign
messages that look alarming are a class of their own too (see :func:`training_label`).

When the rules already found a stop in a message that names a cardinal area,
``P(emergency) >= confirm`` makes it an emergency: two detectors that each see part of a
red flag ("pulse all over the place, lightheaded") agree on more than either alone. A
stop outside the cardinal areas (nausea, a joint) stays a stop: "I feel like I'm going
to throw up" mid-session is no ambulance.

The screen's tier is the higher of this and the rules' tier, so neither detector can
lower what the other found. The thresholds are chosen by ``make models`` without the
voice they are measured on (``screen_build.select_thresholds``) and stored beside the
export in ``screen.thresholds.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from safety.check import GENERAL, load_checks
from safety.textclf import TextClassifier
from safety.tiers import Tier

MODEL_PATH = Path(__file__).parent / "data" / "model" / "screen"
"""The committed export: ``screen.json`` and ``screen.npy``."""

THRESHOLDS_SUFFIX = ".thresholds.json"
"""The thresholds file beside an export (``screen`` -> ``screen.thresholds.json``)."""

MIN_WORDS = 3
"""Fewest words (four letters or more) the classifier needs before it says anything."""

SETTLED_WORD = "settledmention"
"""The marker the screen puts where context settled a mention (see ``screen``)."""

MOOD_LABEL = "mood"
"""The classifier's label for low mood or hopelessness without a crisis (not a tier)."""

MOOD_CATEGORY = "low_mood"
"""Corpus rows of this category are trained as :data:`MOOD_LABEL`, whatever their tier."""

ALARMING_LABEL = "benign_alarming"
"""The classifier's label for benign messages that look alarming (not a tier)."""

ORDINARY_CATEGORIES = frozenset({"training_chat", "ordinary"})
"""Row categories of everyday coaching chat (``safety/data/ordinary.jsonl`` and the
corpus's own ordinary rows): trained as plain ``none``."""

_WORDS = re.compile(r"[a-z]{4,}")


def training_label(label: str, category: str) -> str:
    """The class a corpus row is trained as.

    Its tier, except low mood (:data:`MOOD_LABEL`) and benign messages that look
    alarming (:data:`ALARMING_LABEL`: idioms, denials, other people's past, normal
    exertion...). Those are a region of their own, full of red-flag words, far from
    ordinary chat about sets and schedules; one "none" class for both makes a linear
    model draw one boundary for two unlike things, and the alarming half then spills
    into the emergency class. Only the tiers' probabilities make a verdict.
    """
    if category == MOOD_CATEGORY:
        return MOOD_LABEL
    if label == Tier.NONE.value and category not in ORDINARY_CATEGORIES:
        return ALARMING_LABEL
    return label


@dataclass(frozen=True)
class Thresholds:
    """Probability cut-offs (see the module doc).

    The defaults are the hand-set ones of the first build, used only when an export has
    no thresholds file.
    """

    emergency: float = 0.5
    check_emergency: float = 0.2
    check: float = 0.45
    stop: float = 0.6
    confirm: float = 1.01
    """P(emergency) that turns the rules' stop into an emergency (above 1: never)."""
    check_general: float = 0.2
    """P(emergency) that asks the question of a message naming no cardinal area."""

    def to_json(self) -> dict[str, float]:
        """The thresholds as a JSON object."""
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, float]) -> Thresholds:
        """Thresholds from :meth:`to_json` output."""
        return cls(**{k: float(v) for k, v in raw.items()})


def thresholds_path(export: Path) -> Path:
    """The thresholds file of the export named ``export`` (no suffix)."""
    return export.with_name(export.name + THRESHOLDS_SUFFIX)


def save_thresholds(export: Path, thresholds: Thresholds) -> None:
    """Write the thresholds beside ``export`` (sorted keys: byte-identical rebuilds)."""
    text = json.dumps(thresholds.to_json(), sort_keys=True, indent=1) + "\n"
    thresholds_path(export).write_text(text, encoding="utf-8")


def load_thresholds(export: Path) -> Thresholds:
    """The thresholds stored beside ``export``, or the defaults when there are none."""
    path = thresholds_path(export)
    if not path.exists():
        return Thresholds()
    return Thresholds.from_json(json.loads(path.read_text(encoding="utf-8")))


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

    def label_probabilities(self, readable: str) -> dict[str, float]:
        """Calibrated probability of each class (the tiers and low mood)."""
        return self.model.probabilities(readable)

    def probabilities(self, readable: str) -> dict[Tier, float]:
        """Calibrated probability of each tier for a classifier text (low mood apart)."""
        return tier_probabilities(self.label_probabilities(readable))

    def knows_a_word(self, readable: str) -> bool:
        """Whether at least one word of four letters or more is a learned word feature."""
        return knows_a_word(readable, self.model.knows)

    def verdict(
        self,
        readable: str,
        rules_tier: Tier = Tier.NONE,
        *,
        recovered: bool | Callable[[], bool] = False,
    ) -> Verdict:
        """The classifier's tier for a classifier text (see the module docstring).

        ``rules_tier`` is what the rules found in the same message: a rules' stop with
        ``P(emergency) >= confirm`` becomes an emergency.

        ``recovered``: the message tells that what happened is over or settled quickly
        ("came down fast in the rests and i feel great now"). An emergency only the
        classifier sees there, in a cardinal area, with the rules below stop, is asked
        about instead (the check question): the words of effort read like a red flag, the
        recovery says otherwise, and one question settles it. So is a stop only the
        classifier sees, in any area, with the rules below stop. It may be given as a
        function, asked only when that case arises (the screen's search for a recovery
        is then skipped for nearly every message).

        It abstains (tier none) on fewer than :data:`MIN_WORDS` words of four letters or
        more: "swimming and cycling" or "an hour and a half" carry too little to read,
        and a near-empty input only echoes the class priors (the rules still screen it).
        It also abstains when none of those words is in its vocabulary: on gibberish
        ("HAVB0AAAA0SHAV") only character fragments speak, and they once said emergency.
        """
        words = _words(readable)  # one read of the words serves both tests
        if len(words) < MIN_WORDS or not _knows_any(words, self.model.knows):
            return Verdict(Tier.NONE, 1.0)
        p = tier_probabilities(self.label_probabilities(readable))
        t = self.thresholds
        emergency = p[Tier.EMERGENCY]
        confirmed = rules_tier is Tier.STOP and emergency >= t.confirm and _cardinal(readable)
        if confirmed:
            return Verdict(Tier.EMERGENCY, emergency)
        if emergency >= t.emergency:
            topic = load_checks().topic_of(readable)
            if (
                rules_tier < Tier.STOP
                and topic.name != GENERAL
                and (recovered() if callable(recovered) else recovered)
            ):
                return Verdict(Tier.CHECK, p[Tier.CHECK] + emergency, topic.name)
            return Verdict(Tier.EMERGENCY, emergency)
        worried = p[Tier.CHECK] + emergency
        if emergency >= min(t.check_emergency, t.check_general) or worried >= t.check:
            topic = load_checks().topic_of(readable)
            if topic.name == GENERAL:
                asked = emergency >= t.check_general
            else:
                asked = emergency >= t.check_emergency or worried >= t.check
            if asked:
                return Verdict(Tier.CHECK, worried, topic.name)
        severe = p[Tier.STOP] + emergency
        if severe >= t.stop:
            if rules_tier < Tier.STOP and (recovered() if callable(recovered) else recovered):
                return Verdict(Tier.CHECK, severe, load_checks().topic_of(readable).name)
            return Verdict(Tier.STOP, severe)
        return Verdict(Tier.NONE, p[Tier.NONE])


def _cardinal(readable: str) -> bool:
    return load_checks().topic_of(readable).name != GENERAL


def tier_probabilities(probabilities: dict[str, float]) -> dict[Tier, float]:
    """The tiers' share of a classifier's probabilities (low mood and benign alarming out)."""
    return {_TIERS[k]: v for k, v in probabilities.items() if k not in _NOT_TIERS}


_NOT_TIERS = frozenset({MOOD_LABEL, ALARMING_LABEL})
_TIERS = {tier.value: tier for tier in Tier}
"""Each tier by its value: a dictionary read, where ``Tier(value)`` is a call through the
enum machinery (five per message)."""


def knows_a_word(readable: str, knows: Callable[[str], bool]) -> bool:
    """Whether a word of four letters or more of ``readable`` is a learned word feature.

    ``knows`` says whether a feature is in the vocabulary: the run-time export's, or at
    build time the out-of-voice model's, so threshold selection abstains where run time
    does.
    """
    return _knows_any(_words(readable), knows)


def _knows_any(words: list[str], knows: Callable[[str], bool]) -> bool:
    """Whether ``knows`` has any of ``words`` as a whole-word feature."""
    return any(knows(f"w:{word}") for word in words)


def enough_words(readable: str) -> bool:
    """Whether a classifier text has the :data:`MIN_WORDS` words the classifier needs."""
    return len(_words(readable)) >= MIN_WORDS


def _words(readable: str) -> list[str]:
    """The words of four letters or more of a classifier text, the settled marker apart."""
    return [w for w in _WORDS.findall(readable) if w != SETTLED_WORD]


@lru_cache(maxsize=1)
def default_classifier() -> ScreenClassifier | None:
    """The committed classifier, or ``None`` before ``make models`` first built it."""
    if not MODEL_PATH.with_suffix(".json").exists():
        return None
    return ScreenClassifier(TextClassifier.load(MODEL_PATH), load_thresholds(MODEL_PATH))
