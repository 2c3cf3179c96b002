"""The red-flag screen: deterministic, microseconds, run on every message before any model.

How a message is read (the rules themselves are data, in ``safety/data/``):

1. Fold unicode, split into sentences, normalise each (lower case, no apostrophes,
   typo-corrected symptom words).
2. Blank out idioms ("chest day", "dying to", "a pain in the neck") so they cannot match.
3. Try only the rules whose anchor words occur; each match is a *target*.
4. Read the target's context, ConText-style, inside its clause: negated ("no chest
   pain"), resolved ("not dizzy anymore"), history ("last year"), recent ("yesterday"),
   someone else ("my friend"), or a question / imagined case ("what if I faint?").
   ``context.yaml`` says how each changes the rule's tier.
5. Pain scores above 5/10 with pain in the sentence are a stop.
6. Across turns (``ScreenContext``): after a caution or worse, "it's getting worse"
   escalates and "still hurts" keeps the tier; a retraction ("jk I'm fine") is
   reported but never lowers anything.

The highest tier of any signal in any sentence is the message's tier.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from safety.check import GENERAL, Answer, load_checks, read_answer
from safety.classifier import SETTLED_WORD, ScreenClassifier, default_classifier
from safety.normalise import fold, for_matching, sentences
from safety.rules import ALLERGY, COOLING, MODIFIERS, Rule, RuleSet, Triggers, load
from safety.tiers import Tier

__all__ = ["Assessment", "ScreenContext", "Signal", "Tier", "screen"]

EXCERPT_CHARS = 200
"""Longest excerpt stored with a flag."""

MARKER_KIND = "marker"
"""Kind of the signals that note something without raising the tier."""

RESOLVED_ID = "CTX-RESOLVED"
CLEARED_ID = "CTX-CLEARED"
RETRACTION_ID = "CTX-RETRACTION"
INJECTION_ID = "CTX-INJECTION"
WORSENING_ID = "CTX-WORSENING"
CHECK_ANSWER_ID = "CTX-CHECK-ANSWER"
FOLLOWUP_ID = "CTX-FOLLOWUP"
CLASSIFIER_ID = "CLF"
CLASSIFIER_LABELS = {
    Tier.EMERGENCY: "possible warning signs of an emergency",
    Tier.CHECK: "something that needs a closer look",
    Tier.STOP: "a symptom that needs rest and a check",
    Tier.CAUTION: "something to take carefully",
}
"""Plain words for a classifier signal (it has no rule to name)."""
PERSISTING_ID = "CTX-PERSISTING"


@dataclass(frozen=True)
class Signal:
    """One rule that fired, and what its context made of it."""

    rule_id: str
    """The rule's id in ``safety/data/rules.yaml`` (or a ``CTX-`` id for cross-turn rules)."""
    label: str
    """Plain words for what was noticed, e.g. "dizziness or light-headedness"."""
    tier: Tier
    """The tier after context: a negated or hypothetical mention is ``none``."""
    text: str
    """The matched text, normalised."""
    kind: str = "symptom"
    """symptom | pain | crisis | condition | injury | illness | pregnancy | eating |
    medication | marker."""
    area: str | None = None
    """The joint area named with it, as a planner constraint tag (e.g. "knee")."""
    modifiers: tuple[str, ...] = ()
    """Context that changed the tier: hypothetical, other, resolved, passed, history, recent,
    today."""
    rule_tier: Tier = Tier.NONE
    """The rule's own tier before context."""
    topic: str | None = None
    """For a ``check`` signal: the cardinal area the safety question is about."""

    def to_json(self) -> dict[str, object]:
        """A small JSON object for CLIs, APIs and the flags table."""
        return {
            "id": self.rule_id,
            "label": self.label,
            "tier": self.tier.value,
            "text": self.text,
            "kind": self.kind,
            "area": self.area,
            "modifiers": list(self.modifiers),
            "topic": self.topic,
        }


@dataclass(frozen=True)
class Assessment:
    """The screen's verdict on one message."""

    tier: Tier
    signals: list[Signal] = field(default_factory=list)
    excerpt: str = ""
    """The sentence(s) behind the tier, as typed, at most 200 characters."""

    @property
    def flagged(self) -> list[Signal]:
        """Signals at caution or above."""
        return [s for s in self.signals if s.tier >= Tier.CAUTION]

    @property
    def rule_ids(self) -> list[str]:
        """Ids of every signal, in order."""
        return [s.rule_id for s in self.signals]

    @property
    def areas(self) -> list[str]:
        """Joint areas named by flagged signals, sorted (planner constraint tags)."""
        return sorted({s.area for s in self.flagged if s.area})

    @property
    def labels(self) -> list[str]:
        """Labels of the signals that set the tier, without repeats."""
        return list(dict.fromkeys(s.label for s in self.signals if s.tier is self.tier))

    @property
    def advice(self) -> frozenset[str]:
        """The advice (:data:`safety.rules.ADVICE`) of the rules whose signals set the tier.

        Which rules give which advice is the rule file's to say (``advice: cooling``).
        """
        by_id = load().by_id
        return frozenset(
            rule.advice
            for s in self.signals
            if s.tier is self.tier
            and (rule := by_id.get(s.rule_id)) is not None
            and rule.advice is not None
        )

    @property
    def heat_illness(self) -> bool:
        """A heat-illness signal sets the tier: the reply adds how to cool down."""
        return COOLING in self.advice

    @property
    def allergy(self) -> bool:
        """A severe-allergy signal sets the tier: the reply adds the adrenaline pen."""
        return ALLERGY in self.advice

    @property
    def crisis(self) -> bool:
        """A suicide or self-harm signal at emergency."""
        return any(s.kind == "crisis" and s.tier is Tier.EMERGENCY for s in self.signals)

    @property
    def about_other(self) -> bool:
        """Every emergency signal is about someone else ("my friend just collapsed")."""
        top = [s for s in self.signals if s.tier is Tier.EMERGENCY and s.kind != "classifier"]
        return bool(top) and all("other" in s.modifiers for s in top)

    @property
    def question(self) -> bool:
        """The message asks about (or imagines) a stop/emergency symptom: guidance due."""
        return any(
            "hypothetical" in s.modifiers and s.rule_tier >= Tier.CAUTION for s in self.signals
        )

    @property
    def check_topic(self) -> str | None:
        """At tier ``check``: the cardinal area of the one safety question to ask."""
        if self.tier is not Tier.CHECK:
            return None
        return next((s.topic for s in self.signals if s.tier is Tier.CHECK and s.topic), GENERAL)

    @property
    def check_answer(self) -> Answer | None:
        """How this message answered a pending safety question (``None``: none pending)."""
        for signal in self.signals:
            if signal.rule_id == CHECK_ANSWER_ID:
                return Answer(signal.text)
        return None

    @property
    def followup(self) -> bool:
        """The message wants to carry on after a flag ("I'll push through", "what's next?")."""
        return FOLLOWUP_ID in self.rule_ids

    @property
    def low_mood(self) -> bool:
        """Low mood or hopelessness, and nothing physical at stop or above, no crisis.

        The classifier may read such a message as a stop; it still gets the warm reply.
        """
        if self.crisis or self.tier is Tier.EMERGENCY:
            return False
        mood = any(s.kind == "mood" and s.tier >= Tier.CAUTION for s in self.signals)
        physical = any(
            s.tier >= Tier.STOP and s.kind not in ("mood", "classifier") for s in self.signals
        )
        return mood and not physical

    @property
    def retraction(self) -> bool:
        """The message takes something back ("jk", "never mind")."""
        return RETRACTION_ID in self.rule_ids

    @property
    def injection(self) -> bool:
        """The message tries to switch the safety rules off."""
        return INJECTION_ID in self.rule_ids

    @property
    def clearance(self) -> bool:
        """The person says a professional checked or cleared them."""
        return CLEARED_ID in self.rule_ids and not self.retraction

    @property
    def resolution(self) -> bool:
        """The person says a symptom is over (never true for a retraction)."""
        if self.retraction:
            return False
        return RESOLVED_ID in self.rule_ids or any(
            "resolved" in s.modifiers or "passed" in s.modifiers for s in self.signals
        )


@dataclass(frozen=True)
class ScreenContext:
    """What the screen knows from earlier turns of this conversation."""

    previous_tier: Tier = Tier.NONE
    """Highest tier flagged recently in this conversation, or of a lock still standing."""
    previous_rule_ids: tuple[str, ...] = ()
    """Rule ids behind that tier."""
    previous_areas: tuple[str, ...] = ()
    """Joint areas flagged then."""
    locked: bool = False
    """A stop or emergency lock stands for this person."""
    pending_check: str | None = None
    """The topic of the safety question the coach asked on the previous turn, if any."""


def screen(
    text: str,
    context: ScreenContext | None = None,
    *,
    classifier: ScreenClassifier | None = None,
) -> Assessment:
    """Screen one message for red flags: the rules and the trained classifier, one verdict.

    Args:
        text: The message exactly as the person typed it (any unicode).
        context: Earlier turns' flags; without it the message is read on its own.
        classifier: The learned detector (default: the committed export in
            ``safety/data/model``); benchmarks pass one trained without a held-out voice.

    Returns:
        The assessment: the highest tier found, every signal, and an excerpt.
    """
    rules = load()
    context = context or ScreenContext()
    found = _rules_pass(text, rules)
    signals = found.signals
    normalised = found.normalised
    whole = " . ".join(normalised)
    model = classifier if classifier is not None else default_classifier()
    markers = _markers(whole, rules)
    if model is not None:
        # Low mood is a stop of its own kind (a warm reply, not an ambulance): only a
        # physical stop can be confirmed as an emergency by the classifier.
        rules_tier = max((s.tier for s in signals if s.kind != "mood"), default=Tier.NONE)
        learned = model.verdict(
            " . ".join(found.readable),
            rules_tier,
            recovered=lambda: _tells_recovery(whole, markers, rules),
        )
        if learned.tier > Tier.NONE:
            signals.append(
                Signal(
                    f"{CLASSIFIER_ID}-{learned.tier.value.upper()}",
                    CLASSIFIER_LABELS[learned.tier],
                    learned.tier,
                    f"p={learned.probability:.2f}",
                    kind="classifier",
                    rule_tier=learned.tier,
                    topic=learned.topic,
                )
            )
    signals.extend(markers)
    signals.extend(_across_turns(normalised, rules, context))
    signals = _worsening_refers_back(signals)
    if context.pending_check is not None:
        signals.append(_check_answer(" . ".join(normalised), context.pending_check))
    tier = max((s.tier for s in signals), default=Tier.NONE)
    return Assessment(tier, signals, _excerpt(tier, found.top_sentences, signals))


@dataclass
class _RulesPass:
    """What the rules found in one message, sentence by sentence."""

    signals: list[Signal]
    top_sentences: list[tuple[Tier, str]]
    normalised: list[str]
    readable: list[str]
    """Per sentence, the text the classifier reads."""


def _rules_pass(text: str, rules: RuleSet) -> _RulesPass:
    signals: list[Signal] = []
    top_sentences: list[tuple[Tier, str]] = []
    first_readable: list[_SentenceRead] = []
    split = sentences(fold(text))
    normalised = [for_matching(sentence, rules.typos) for sentence in split]
    recovered = _recovered_later(normalised, rules)
    recurs = _recurs_later(normalised, rules)
    for position, (sentence, norm) in enumerate(zip(split, normalised, strict=True)):
        read = _screen_sentence(
            norm,
            rules,
            recovered=partial(recovered, position),
            message=normalised,
            position=position,
            recurs=partial(recurs, position),
        )
        first_readable.append(read)
        if read.signals:
            signals.extend(read.signals)
            top_sentences.append((max(s.tier for s in read.signals), sentence))
    whole = " . ".join(normalised)
    # Someone else's past or on-screen event is settled for the classifier too, though
    # the words that settle it ("eight years ago", "documentary") may sit in another
    # sentence than the event.
    others_settled = _others_not_now_applies(signals, whole, rules.triggers)
    readable = [
        _readable(norm, rules, others_settled, first, partial(recovered, position))
        for position, (norm, first) in enumerate(zip(normalised, first_readable, strict=True))
    ]
    signals = _others_not_now(signals, others_settled)
    signals.extend(_told_apart(signals, rules))
    return _RulesPass(signals, top_sentences, normalised, readable)


_TOLD_APART: tuple[tuple[frozenset[str], frozenset[str], str, frozenset[str]], ...] = (
    (
        frozenset({"STP-HEART-RACING-REST", "STP-PALPITATIONS"}),
        frozenset({"STP-DIZZY", "STP-PRESYNCOPE"}),
        "EMG-HEART-FAINT",
        frozenset(),
    ),
    (
        frozenset({"CAU-CRISIS-PREPARATION"}),
        frozenset({"CAU-LOW-MOOD"}),
        "EMG-CRISIS-PLAN",
        frozenset({"recent", "today"}),
    ),
)
"""Two signs that together make an emergency rule's red flag, that rule's id, and the
modifiers the two may carry (any other settles a sign: denied, past, someone else's).

The emergency rule reads one sentence; terse messages split it into fragments ("HR at
190 sitting down. Dizzy."). A racing or irregular heart at rest and dizziness or
faintness are, together, an emergency wherever in the message each is told. So are low
mood and ordinary words of preparation ("Been low for months. Wrote a note last night."),
told last night or this morning as much as now."""


def _told_apart(signals: list[Signal], rules: RuleSet) -> list[Signal]:
    """The emergency signals that two signs in different sentences make together."""
    found: list[Signal] = []
    for first, second, rule_id, allowed in _TOLD_APART:
        active = {
            s.rule_id: s.text
            for s in signals
            if s.tier is s.rule_tier and allowed.issuperset(s.modifiers)
        }
        if active.keys() & first and active.keys() & second and rule_id not in active:
            rule = rules.by_id[rule_id]
            text = " + ".join(active[i] for i in sorted(active.keys() & (first | second)))
            found.append(
                Signal(rule_id, rule.label, rule.tier, text, kind=rule.kind, rule_tier=rule.tier)
            )
    return found


_RECOVERY_SENTENCES = 2
"""How many sentences after a symptom a quick recovery may be told in."""


def _recovered_later(normalised: list[str], rules: RuleSet) -> _ToldLater:
    """Per sentence, whether one of the next sentences tells a quick recovery.

    "Gasping after the 400s. Chatting again in ninety seconds." is normal exertion: the
    symptoms of effort in the first sentence are read as passed (see ``_screen_sentence``),
    as when the recovery is told in the same sentence.
    """
    recovery = rules.triggers.recovery_next
    may_match = rules.triggers.may_match
    return _ToldLater(
        normalised, lambda norm: may_match("recovery_next", norm) and bool(recovery.search(norm))
    )


def _recurs_later(normalised: list[str], rules: RuleSet) -> _ToldLater:
    """Per sentence, whether one of the next sentences tells that it keeps happening.

    "Dizzy on the bike, passed once I sat. Third time this month." is no symptom over:
    what passed in the first sentence stays at its rule's tier (see ``_screen_sentence``),
    as when the recurrence is told in the same sentence.
    """
    recurrence = rules.triggers.recurrence
    return _ToldLater(normalised, lambda norm: bool(recurrence.search(norm)))


class _ToldLater:
    """Whether ``tells`` holds for one of the :data:`_RECOVERY_SENTENCES` after a sentence.

    Asked only where a sentence has a mention it would change, and each sentence searched
    at most once: most sentences have none, and searching every later sentence of every
    message up front was a search per sentence for nothing.
    """

    def __init__(self, normalised: list[str], tells: Callable[[str], bool]) -> None:
        self._normalised = normalised
        self._tells = tells
        self._told: dict[int, bool] = {}

    def __call__(self, position: int) -> bool:
        """Whether a sentence after the one at ``position`` (within reach) tells it."""
        stop = min(position + 1 + _RECOVERY_SENTENCES, len(self._normalised))
        for later in range(position + 1, stop):
            told = self._told.get(later)
            if told is None:
                told = self._told[later] = self._tells(self._normalised[later])
            if told:
                return True
        return False


def _readable(
    norm: str,
    rules: RuleSet,
    others_settled: bool,
    screened: _SentenceRead,
    recovered: Callable[[], bool],
) -> str:
    """The text the classifier reads for one normalised sentence.

    Words that ask to switch the screen off are not symptoms: the classifier reads the
    sentence up to them, so an appended injection can never lower its verdict.
    ``screened`` is the rules' own pass over ``norm``: it holds the classifier's text
    both as it is and with someone else's settled mentions marked, so the rules run once
    per sentence unless an injection changes the input.
    """
    injected = None if screened.injection_free else rules.triggers.injection.search(norm)
    if injected is None:
        return screened.readable_others if others_settled else screened.readable
    return _screen_sentence(norm[: injected.start()], rules, others_settled, recovered).readable


def _tells_recovery(whole: str, markers: list[Signal], rules: RuleSet) -> bool:
    """Whether the message tells that something is over or settled quickly.

    For example "came down fast in the rests and i feel great now", "normal in a minute".
    """
    return any(s.rule_id == RESOLVED_ID for s in markers) or bool(
        rules.triggers.recovery_next.search(whole)
    )


def tells_recovery(text: str) -> bool:
    """Whether ``text`` tells a recovery or a symptom over (see ``ScreenClassifier.verdict``)."""
    rules = load()
    whole = " . ".join(_rules_pass(text, rules).normalised)
    return _tells_recovery(whole, _markers(whole, rules), rules)


def screen_rules(text: str) -> tuple[list[Signal], str]:
    """The rules' signals for one message on its own, and the text the classifier reads."""
    found = _rules_pass(text, load())
    return found.signals, " . ".join(found.readable)


def _worsening_refers_back(signals: list[Signal]) -> list[Signal]:
    """A worsening remark names no symptom of its own: the earlier one is what worsens.

    The cross-turn rule already escalates that earlier symptom to stop. When nothing
    else in the message fired a rule, a classifier emergency there is reading the
    urgency of the words, not a new red flag, so it is held at the escalated tier;
    any rule that names a cardinal symptom in the same message still raises it.
    """
    if WORSENING_ID not in {s.rule_id for s in signals}:
        return signals
    named = [s for s in signals if s.kind not in ("classifier", MARKER_KIND)]
    if any(s.rule_id != WORSENING_ID for s in named):
        return signals
    return [
        replace(s, tier=Tier.STOP) if s.kind == "classifier" and s.tier is Tier.EMERGENCY else s
        for s in signals
    ]


def _settles_as_other(signal: Signal) -> bool:
    return "other" in signal.modifiers and signal.kind != "crisis"


def _others_not_now_applies(signals: list[Signal], whole: str, t: Triggers) -> bool:
    """Someone else's event is in the message, and the message says it is past or media."""
    return any(_settles_as_other(s) for s in signals) and bool(
        t.history.search(whole) or t.other_over.search(whole) or t.media.search(whole)
    )


def _others_not_now(signals: list[Signal], applies: bool) -> list[Signal]:
    """Someone else's event told as past, over, or from a film or the news is no alarm.

    The time often sits in another sentence ("Wife fainted at our wedding. Eight years
    ago."), so whether the message says so (``applies``, from
    :func:`_others_not_now_applies`) reads the whole message. Crisis signals are never
    lowered.
    """
    if not applies:
        return signals
    return [replace(s, tier=Tier.NONE) if _settles_as_other(s) else s for s in signals]


def _rule_tier(signals: list[Signal]) -> Tier:
    return max((s.tier for s in signals), default=Tier.NONE)


def classifier_text(text: str) -> str:
    """The text the classifier reads for ``text`` (what it is trained on, too)."""
    return " . ".join(_rules_pass(text, load()).readable)


def _excerpt(tier: Tier, top_sentences: list[tuple[Tier, str]], signals: list[Signal]) -> str:
    if tier is Tier.NONE:
        return ""
    chosen = [sentence for sentence_tier, sentence in top_sentences if sentence_tier is tier]
    if not chosen:
        # The tier came from a cross-turn rule: the whole (short) message is the excerpt.
        chosen = [s.text for s in signals if s.tier is tier][:1]
    return " ".join(dict.fromkeys(chosen))[:EXCERPT_CHARS]


def _blank(match: re.Match[str]) -> str:
    return "#" * len(match.group(0))


@dataclass
class _Sentence:
    """One normalised sentence prepared for trigger search."""

    text: str
    """Idioms blanked; rules match here."""
    triggers: str
    """Also pseudo-negations blanked; triggers are searched here."""
    bounds: list[tuple[int, int]] | None = None

    def clause(self, start: int, end: int, rules: RuleSet) -> tuple[int, int]:
        """The clause around ``[start, end)``: terminators ("but", "just") end it."""
        if self.bounds is None:
            self.bounds = [m.span() for m in rules.triggers.terminators.finditer(self.triggers)]
        left, right = 0, len(self.text)
        for t_start, t_end in self.bounds:
            if t_end <= start:
                left = max(left, t_end)
            elif t_start >= end:
                right = min(right, t_start)
        return left, right


@dataclass(frozen=True)
class _SentenceRead:
    """What the rules found in one normalised sentence, and what the classifier reads."""

    signals: list[Signal]
    readable: str
    """The classifier's text: idioms out, every mention its context settled marked."""
    readable_others: str
    """The same when the message settles someone else's events too (see ``_rules_pass``)."""
    injection_free: bool = False
    """The sentence as normalised has no injection (known from the rules' pass: no idiom
    was blanked and the blanked text has none), so the classifier's text needs no search."""


def _never() -> bool:
    return False


def _screen_sentence(
    norm: str,
    rules: RuleSet,
    others_settled: bool = False,
    recovered: Callable[[], bool] = _never,
    message: Sequence[str] = (),
    position: int = 0,
    recurs: Callable[[], bool] = _never,
) -> _SentenceRead:
    """The rules' signals in one normalised sentence, and the text the classifier reads.

    For the classifier, idioms are removed and every target that context settled
    (negated, someone else's past, a question) is replaced by a marker word, so context
    applies to both detectors. ``others_settled``: the message says someone else's
    events are past or on screen, so their mentions are settled too; whether it does is
    known only once every sentence is read, so both texts are made in the one pass.
    ``recovered``: asked whether a following sentence tells a quick recovery (then symptoms
    of effort, rules at stop or below, are passed); asked only for a mention it would
    change, as is ``recurs``. ``message``: every normalised sentence of the
    message, this one at ``position``: the ``requires`` of a rule with ``requires_next`` may
    also be met in the next one, of a rule with ``requires_anywhere`` in any other (none
    given: this sentence alone). ``recurs``: asked whether a following sentence tells that
    it keeps happening (then what this one says resolved, passed or long past is not over).
    """
    triggers = rules.triggers
    masked, unprompted, sentence, injected = _prepared(norm, rules)
    injection_free = not injected and masked == norm
    best: dict[str, Signal] = {}
    settled: list[tuple[int, int]] = []
    live_spans: list[tuple[int, int]] = []
    # Mentions of someone else's event: settled only when the message says it is past.
    others: list[tuple[int, int]] = []
    others_live: list[tuple[int, int]] = []
    for index in rules.candidates(masked):
        rule = rules.rules[index]
        # The rule's own targets first: most candidates have none, and then its ``unless``
        # and ``requires`` (some scan the sentence several times over) are neither
        # searched nor, on a first use, compiled.
        targets = list(rule.regex.finditer(masked))
        if not targets:
            continue
        if rule.unless is not None and rule.unless.search(masked):
            continue
        if not _requirement_met(rule, sentence, message, position, rules):
            continue
        for match in targets:
            signal = _read_target(rule, match, sentence, rules)
            if signal is not None and _OVER.intersection(signal.modifiers) and recurs():
                signal = _not_over(rule, signal)
            elif signal is not None and recovered():
                signal = _passed_later(rule, signal)
            if (
                signal is None
                or signal.tier < rule.tier
                or (rule.tier is Tier.NONE and _SETTLING.intersection(signal.modifiers))
            ):
                # Context settled this mention (denied, someone else's, past, a question):
                # the classifier must not read it afresh and undo that.
                settled.append(match.span())
            elif _settles_as_other(signal):
                others.append(match.span())
                if rule.tier >= Tier.CHECK:
                    others_live.append(match.span())
            elif rule.tier >= Tier.CHECK:
                live_spans.append(match.span())
            if signal is not None and (rule.id not in best or signal.tier > best[rule.id].tier):
                best[rule.id] = signal
    found = list(best.values())
    score = _severity(masked, found, rules)
    if score is not None:
        found.append(score)
    told = sentence.triggers
    scopes = [scope.span(1) for scope in triggers.negation_scope.finditer(told)]
    settled.extend(m.span() for m in triggers.settled_subject.finditer(told))
    readable = _for_classifier(unprompted, settled + _unless_live(scopes, live_spans + others_live))
    if not others:
        return _SentenceRead(found, readable, readable, injection_free)
    readable_others = _for_classifier(
        unprompted, settled + others + _unless_live(scopes, live_spans)
    )
    return _SentenceRead(
        found, readable_others if others_settled else readable, readable_others, injection_free
    )


def _prepared(norm: str, rules: RuleSet) -> tuple[str, str, _Sentence, bool]:
    """One normalised sentence made ready for the rules.

    Returns the sentence with idioms blanked (rules match there), the same with any
    injection blanked too (the classifier's text), the sentence prepared for trigger
    search (pseudo-negations blanked as well), and whether an injection was found.
    """
    triggers = rules.triggers
    masked = triggers.idioms.sub(_blank, norm)
    injection = triggers.injection.search(masked)
    unprompted = masked if injection is None else triggers.injection.sub(_blank, masked)
    sentence = _Sentence(masked, triggers.pseudo.sub(_blank, unprompted))
    return masked, unprompted, sentence, injection is not None


def _unless_live(
    scopes: list[tuple[int, int]], live: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The negation scopes that settle their words for the classifier.

    A negation's scope never settles what the rules read as a live red flag ("hes not
    breathing"): the classifier reads that mention as it is.
    """
    return [span for span in scopes if not any(_overlaps(span, other) for other in live)]


def _requirement_met(
    rule: Rule, sentence: _Sentence, message: Sequence[str], position: int, rules: RuleSet
) -> bool:
    """Whether the rule's ``requires`` is met in the sentence at ``position`` of ``message``.

    Where the rule allows it, another sentence may meet it instead: the next one
    (``requires_next``) or any other (``requires_anywhere``).
    """
    requires = rule.requires
    if requires is None or _required(requires, sentence, rules):
        return True
    if rule.requires_anywhere:
        others = [norm for index, norm in enumerate(message) if index != position]
    elif rule.requires_next:
        others = list(message[position + 1 : position + 2])
    else:
        return False
    return any(_required(requires, _prepared(norm, rules)[2], rules) for norm in others)


def _required(requires: re.Pattern[str], sentence: _Sentence, rules: RuleSet) -> bool:
    """Whether the sentence has a mention of a rule's required companion that is not denied.

    "heart racing but no dizziness" does not make the racing-heart-with-faintness
    emergency: the companion must be asserted, as a target must.
    """
    t = rules.triggers
    for match in requires.finditer(sentence.text):
        start = match.start()
        left, _ = sentence.clause(start, match.end(), rules)
        pre = sentence.triggers[left:start]
        if not _window_negated(pre, t) and not _list_negated(pre, t):
            return True
    return False


def _overlaps(first: tuple[int, int], second: tuple[int, int]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


_OVER = frozenset({"resolved", "passed", "history"})
"""Modifiers that say a symptom is over or long past: undone when the message says it
keeps coming back ("It first happened a month ago on a long run ... Since then it has
happened on almost every long run")."""

_SETTLING = frozenset({"resolved", "passed", "hypothetical", "other"})
"""Modifiers that settle a mention of a rule at tier none for the classifier too: a
pounding heart that faded, or someone else's, is normal exertion or no one's alarm,
though the rule had no tier to lower."""


def _not_over(rule: Rule, signal: Signal) -> Signal:
    """A symptom told as resolved, passed or long past, in a message that says it keeps coming back.

    Its other modifiers stand ("this morning"); someone else's is left as it was.
    """
    if "other" in signal.modifiers:
        return signal
    modifiers = tuple(m for m in signal.modifiers if m not in _OVER)
    return replace(signal, tier=_modified_tier(rule, modifiers), modifiers=modifiers)


def _modified_tier(rule: Rule, modifiers: tuple[str, ...]) -> Tier:
    """The rule's tier under the first of ``modifiers`` in :data:`MODIFIERS` order."""
    return next((rule.modifier_tiers[m] for m in MODIFIERS if m in modifiers), rule.tier)


def _passed_later(rule: Rule, signal: Signal) -> Signal:
    """A symptom of effort whose quick recovery a later sentence tells: passed.

    Only rules at stop or below still at their own tier: an emergency sign is never
    settled by a later "fine a minute later".
    """
    if rule.kind != "symptom" or rule.tier > Tier.STOP or signal.modifiers:
        return signal
    return replace(signal, tier=rule.modifier_tiers["passed"], modifiers=("passed",))


SETTLED_MARK = f" {SETTLED_WORD} "
"""What the classifier reads in place of a target its context settled."""


def _for_classifier(masked: str, settled: list[tuple[int, int]]) -> str:
    if settled:
        pieces: list[str] = []
        last = 0
        for start, end in sorted(settled):
            if start < last:
                # Overlapping targets: extend the settled stretch.
                last = max(last, end)
                continue
            pieces.append(masked[last:start])
            pieces.append(SETTLED_MARK)
            last = end
        pieces.append(masked[last:])
        masked = "".join(pieces)
    return " ".join(_CLASSIFIER_WORD.findall(masked))


_CLASSIFIER_WORD = re.compile(r"[a-z0-9]+")


def _modifiers(
    rule: Rule, start: int, end: int, sentence: _Sentence, rules: RuleSet
) -> tuple[bool, tuple[str, ...]]:
    """(negated, modifiers) for the target at ``[start, end)``."""
    t = rules.triggers
    text = sentence.triggers
    left, right = sentence.clause(start, end, rules)
    pre, post = text[left:start], text[end:right]
    back = bool(t.recurrence.search(text, end))
    # Matched in the sentence at the target's end, not in ``post`` alone: its lookbehinds
    # must see the target ("dont sweat anymore" is the sign itself, not a symptom passed).
    resolved = not back and bool(
        t.resolution_pre.search(pre) or t.resolution_post.match(text, end, right)
    )
    passed = not back and not resolved and bool(t.resolution_followup.search(text, end))
    # A mention that is itself a negative ("cant breathe", "wont be here") is not denied
    # by a negation a few words before that belongs to another verb ("inhaler not
    # working, cant breathe"; "dont need a plan, wont be here next week").
    window = not _NEGATIVE_TARGET.match(text, start) and _window_negated(pre, t)
    if (
        not resolved
        and not passed
        and (
            window
            or t.negation_post.search(post)
            or _list_negated(pre, t)
            or t.denied_after.search(text, end)
        )
    ):
        return True, ()
    clause = text[left:right]
    found: list[str] = []
    if _hypothetical(text, start, pre, clause, t) or t.hypothetical_post.search(post):
        found.append("hypothetical")
    if _other(text, start, end, sentence.text, t):
        found.append("other")
    if resolved:
        found.append("resolved")
    if passed:
        found.append("passed")
    # A symptom back again ("again just now", "first time since two years") is now,
    # whatever date the clause also names.
    # "cant get air in ... sat down ages ago": an inability told in the present tense is
    # now, whatever else in the clause is dated.
    if (
        not back
        and not _PRESENT_INABILITY.match(text, start)
        and (t.history.search(clause) or t.dated_after.search(text, end))
    ):
        found.append("history")
    if not back and t.recent.search(clause):
        found.append("recent")
    if t.today.search(clause):
        found.append("today")
    return False, tuple(found)


_NEGATIVE_TARGET = re.compile(
    r"(?:cant|cannot|couldnt|wont|isnt|wasnt|not|unable|doesnt|didnt|dont)\b"
)
_PRESENT_INABILITY = re.compile(r"(?:cant|cannot|can not|unable to)\b")
_LIST_SEPARATORS = re.compile(r",|\b(?:or|nor|and)\b")
_LIST_ITEM_WORDS = 4
_LIST_ITEMS = 10


def _window_negated(pre: str, t: Triggers) -> bool:
    """A negation a few words before the target, with no comma between.

    After a comma only a list carries a negation on ("didnt warm up, chest hurts" is
    not a denial).
    """
    return bool(t.negation_pre.search(pre[pre.rfind(",") + 1 :]))


def _list_negated(pre: str, t: Triggers) -> bool:
    """A negation whose scope runs across a list up to the target (ConText).

    For example "no chest pain, dizziness or shortness of breath", "neither pain nor
    swelling".
    """
    last = None
    for match in t.negation_list.finditer(pre):
        last = match
    if last is None:
        return False
    gap = pre[last.end() :]
    if t.actuality.search(gap) or not _LIST_SEPARATORS.search(gap):
        return False
    items = _LIST_SEPARATORS.split(gap)
    return len(items) <= _LIST_ITEMS and all(len(i.split()) <= _LIST_ITEM_WORDS for i in items)


_CONDITIONAL_OPENING = re.compile(
    r"(?:(?:hypothetically|theoretically|suppose|supposing|say|imagine),? )?(?:what if|if) "
    r"(?:someone|somebody|anyone|a person|people|one|you|u|a \w+ (?:in|at|from) (?:my|the)|"
    r"(?:a|my|our) (?:friend|client|member|runner|lifter|teammate|mate|partner|wife|husband|"
    r"son|daughter|dad|mum|mom|student|colleague))\b"
)


def _hypothetical(text: str, start: int, pre: str, clause: str, t: Triggers) -> bool:
    if t.actuality.search(clause):
        return False
    if t.hypothetical_pre.search(pre):
        return True
    # A conditional about someone else that opens the sentence covers what follows up to
    # its comma ("if someone in my club said they had chest pain, what should i do"),
    # even where a terminator cut the clause short. "if i squat deep my knee hurts" is
    # the person's own pattern, not a question.
    opening = _CONDITIONAL_OPENING.match(text)
    if opening is not None and "," not in text[opening.end() : start]:
        return True
    # A general question that names nobody: "is shortness of breath normal?", "why do
    # people pass out on max squats"
    if t.general_question_open.search(text):
        return True
    stripped = text.rstrip()
    return (
        stripped.endswith("?")
        and bool(t.general_question.search(text))
        and not t.first_person.search(text)
    )


def _other(text: str, start: int, end: int, masked: str, t: Triggers) -> bool:
    target = masked[start:end]
    if t.other_in_target.search(target):
        return True
    if t.first_person.search(target):
        return False
    last = None
    for match in t.experiencer_other.finditer(text, 0, start):
        if match.group(0) == "them" and _THEM_AS_THOSE.match(text, match.end()):
            # Slang's "them" before a noun is "those": "on them statin things".
            continue
        last = match
    if last is None:
        return False
    if _RELATIVE.match(text, last.end()) and not t.first_person.search(text, last.end(), start):
        # "divers who sometimes black out": the relative clause's subject is them.
        return True
    if _WITH_ME.search(text, 0, last.start()):
        # "me and my friend both feel dizzy"
        return False
    if (
        not _DETERMINED.match(last.group(0))
        and not _ARTICLE_BEFORE.search(text, 0, last.start())
        and t.first_person.search(text, 0, last.start())
    ):
        # A bare noun after the person has spoken of themselves is company, not the
        # subject: "i overtook two runners and then collapsed".
        return False
    # "my wife says i look pale and i feel dizzy": the person is back as the subject.
    return not t.first_person.search(text, last.end(), start)


def _read_target(
    rule: Rule, match: re.Match[str], sentence: _Sentence, rules: RuleSet
) -> Signal | None:
    start, end = match.span()
    negated, modifiers = _modifiers(rule, start, end, sentence, rules)
    if negated:
        return None
    tier = _modified_tier(rule, modifiers)
    if (
        "other" in modifiers
        and _NOT_NOW & set(modifiers)
        and rule.kind != "crisis"
        and not rule.ongoing
    ):
        # Someone else's event that is over or long past ("my dad had a heart attack in
        # 2015", "my friend fainted at a concert last year") calls for nothing now; a
        # state that lasts (a knock's confusion) is theirs now, whenever the knock was.
        tier = Tier.NONE
    area = rules.area_of(match.group(0)) or _clause_area(start, end, sentence, rules)
    return Signal(
        rule_id=rule.id,
        label=rule.label,
        tier=tier,
        text=match.group(0),
        kind=rule.kind,
        area=area if rule.kind in ("pain", "injury") else None,
        modifiers=modifiers,
        rule_tier=rule.tier,
        topic=rule.topic,
    )


_NOT_NOW = frozenset({"history", "recent", "today", "resolved", "passed"})


def _clause_area(start: int, end: int, sentence: _Sentence, rules: RuleSet) -> str | None:
    left, right = sentence.clause(start, end, rules)
    return rules.area_of(sentence.text[left:right])


_DETERMINED = re.compile(
    r"(?:a|an|the|one|some|this|that|our|my|his|her|their|mates|friends|best|old|late|"
    r"former|someone|somebody|people|everyone|anyone|he|she|they|hes|shes|theyre|him|them)\b"
)
_ARTICLE_BEFORE = re.compile(r"\b(?:a|an|the|one|this|that|some|his|her|their)(?: \w+){0,2} $")
_THEM_AS_THOSE = re.compile(
    r" (?:\w+ )?(?:things|pills|tablets|tabs|meds|ones|jabs|injections|shots|drugs|statins?|"
    r"blockers?|inhalers?|puffers?|weights|exercises|sets|reps)\b"
)
_RELATIVE = re.compile(r" (?:who|that|which)\b")
_WITH_ME = re.compile(r"\b(?:me|i|myself|both|we) (?:and|&) $")

_WORD_NUMBERS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}


def _severity(masked: str, found: list[Signal], rules: RuleSet) -> Signal | None:
    """A stop signal when a pain score above the threshold sits next to active pain."""
    active = [
        s
        for s in found
        if s.kind in ("pain", "injury") and s.tier >= Tier.CAUTION and not s.modifiers
    ]
    if not active:
        return None
    severity = rules.severity
    if not severity.pain.search(masked):
        return None
    worst: float | None = None
    text = ""
    for regex in severity.regexes:
        for match in regex.finditer(masked):
            raw = match.group("n")
            value = float(_WORD_NUMBERS[raw]) if raw in _WORD_NUMBERS else float(raw)
            if value <= 10 and (worst is None or value > worst):
                worst, text = value, match.group(0)
    if worst is None or worst <= severity.stop_above:
        return None
    area = next((s.area for s in active if s.area), None)
    return Signal(
        rule_id=severity.id,
        label=severity.label,
        tier=Tier.STOP,
        text=text,
        kind="pain",
        area=area,
        rule_tier=Tier.STOP,
    )


def _check_answer(whole: str, topic_name: str) -> Signal:
    """The answer to the previous turn's safety question: a yes raises the tier."""
    checks = load_checks()
    topic = checks.topics.get(topic_name, checks.topics[GENERAL])
    answer = read_answer(whole)
    if answer is Answer.YES:
        return Signal(
            CHECK_ANSWER_ID,
            topic.label,
            topic.yes_tier,
            answer.value,
            kind="symptom",
            rule_tier=topic.yes_tier,
            topic=topic.name,
        )
    label = "answered the safety question" + (" with no" if answer is Answer.NO else "")
    return Signal(CHECK_ANSWER_ID, label, Tier.NONE, answer.value, kind=MARKER_KIND)


def _markers(whole: str, rules: RuleSet) -> list[Signal]:
    """Notes that never raise the tier: resolution, clearance, retraction, injection."""
    t = rules.triggers
    found: list[Signal] = []
    checks = (
        (RESOLVED_ID, "says a symptom is over", "resolution_statement"),
        (CLEARED_ID, "says a professional checked or cleared them", "clearance"),
        (RETRACTION_ID, "takes something back", "retraction"),
        (INJECTION_ID, "asks to switch the safety rules off", "injection"),
        (FOLLOWUP_ID, "wants to carry on", "followup"),
    )
    for rule_id, label, name in checks:
        if not t.may_match(name, whole):
            continue
        match = getattr(t, name).search(whole)
        if match is None:
            continue
        if rule_id in (RESOLVED_ID, CLEARED_ID) and _negated_at(whole, match, rules):
            continue
        if rule_id == RESOLVED_ID and t.recurrence.search(whole, match.end()):
            continue
        found.append(Signal(rule_id, label, Tier.NONE, match.group(0), kind=MARKER_KIND))
    return found


def _negated_at(text: str, match: re.Match[str], rules: RuleSet) -> bool:
    pre = rules.triggers.pseudo.sub(_blank, text[max(0, match.start() - 40) : match.start()])
    return bool(rules.triggers.negation_pre.search(pre))


def _across_turns(normalised: list[str], rules: RuleSet, context: ScreenContext) -> list[Signal]:
    """Escalation that only makes sense after an earlier flag in this conversation."""
    if context.previous_tier < Tier.CAUTION:
        return []
    t = rules.triggers
    area = context.previous_areas[0] if context.previous_areas else None
    found: list[Signal] = []
    for norm in normalised:
        masked = t.idioms.sub(_blank, norm)
        trig = t.pseudo.sub(_blank, t.injection.sub(_blank, masked))
        for rule_id, label, regex, floor in (
            (WORSENING_ID, "the earlier symptom is getting worse", t.worsening, Tier.STOP),
            (PERSISTING_ID, "the earlier symptom has not gone", t.persisting, Tier.CAUTION),
        ):
            match = regex.search(masked)
            if match is None or t.negation_pre.search(trig[: match.start()]):
                continue
            found.append(
                Signal(
                    rule_id,
                    label,
                    max(floor, context.previous_tier),
                    match.group(0),
                    kind="symptom",
                    area=area,
                    rule_tier=floor,
                )
            )
    return found
