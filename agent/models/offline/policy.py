"""From an understood message to tool calls, the way an LLM would choose them.

Every intent found in the message is served in one round, in a fixed order: save what
the person told us, then log what they did, then plan or adapt today, then answer
questions. A tool is called only when it is among the tools offered, and its arguments
are matched to the offered schema's parameter names (``data/intents.yaml``
``arg_aliases``), so the model degrades gracefully as tools come and go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from agent.models.base import ToolCall
from agent.models.offline import advice as advice_reader
from agent.models.offline import classifier, events, remarks
from agent.models.offline import situation as situation_reader
from agent.models.offline import slots as slot_parsers
from agent.models.offline.answers import FAQ_SURE_SIMILARITY, closest_faq, word_runs
from agent.models.offline.grammar import (
    arg_aliases,
    classify,
    explicit_intents,
    learned,
    question_field,
    registry,
    slot_intents,
)
from agent.models.offline.slots import Slots, extract
from agent.models.offline.state import (
    PLAN_TOOLS,
    DialogueState,
    planned_exercises,
    planned_named,
)
from agent.planning.minutes import MIN_MINUTES
from agent.regexes import cached_compile

_EACH_TIME = cached_compile(
    r"\b(each|every|per|a) (time|session|workout)\b|\b(sessions?|workouts?) of\b"
    r"|\b(from now on|henceforth|hereafter|going forward|for good|permanently|in future)\b"
    r"|\b(my|all my|our) (sessions|workouts)\b"
)
"""Minutes said of every session ("half an hour each time") are the standing length."""
_PAST = cached_compile(r"\b(was|were|felt|did|had|found|yesterday|last (session|time|workout))\b")
_PROGRESS_CHECK = cached_compile(r"\bhow (am i|have i been|is my)\b")


@dataclass(frozen=True)
class Understanding:
    """What the offline model read in one message."""

    text: str
    intents: list[str]
    slots: Slots
    answered: str | None = None
    """The intake field this message answered, when it replied to the coach's question."""
    unclear: dict[str, list[str]] = field(default_factory=dict)
    """Exercise phrases the catalog cannot place confidently -> its closest names."""
    readings: tuple[str, str] | None = None
    """The two likeliest intents, when the classifier was unsure and no rule fired."""
    situation_text: str | None = None
    """Where the person's situation is read from: the message, or the question a "yes"
    confirmed ("Shall I save that you have high blood pressure ...?")."""
    advice: advice_reader.Advice | None = None
    """A professional's advice the message reports ("physio said no squats for a month")."""

    def situation(self, units: str = "kg", today: date | None = None) -> situation_reader.Reading:
        """What this message says about the person's situation (see situation.py).

        After a "yes" to the coach's question, what the question named is stated.
        """
        return _kit_added_is_no_place(
            self.text,
            situation_reader.read(
                self.situation_text or self.text, units, today, confirmed=self.answered == "confirm"
            ),
        )

    def has(self, *names: str) -> bool:
        """Whether any of ``names`` was understood."""
        return any(name in self.intents for name in names)


def _answer_to_question(text: str, asked: str | None, found: Slots) -> Slots:
    """Read a short answer ("3", "dumbbells", "nothing") against the coach's question."""
    if asked is None:
        return found
    if asked == "days_per_week" and found.days_per_week is None:
        number = slot_parsers.find_number(text)
        if number is not None and 1 <= number <= 7 and number == int(number):
            return replace(found, days_per_week=int(number))
    if asked == "session_minutes" and found.minutes is None:
        number = slot_parsers.find_number(text)
        # Any length is taken as the answer; the tool says clearly when it is out of range.
        if number is not None and number >= MIN_MINUTES:
            return replace(found, minutes=int(number))
    if asked == "equipment" and not found.equipment.mentioned:
        return replace(found, equipment=slot_parsers.find_equipment(text, answering=True))
    return found


def understand(text: str, last_question: str | None = None) -> Understanding:
    """Parse ``text`` into intents and slots, reading it against the coach's last question.

    Cached: a turn reads the same message once to call tools and again to reply.
    Callers must not mutate the result.
    """
    return _understand(text, last_question)


_YES = cached_compile(
    r"^\W*(yes|yeah|yep|yup|sure|ok|okay|please do|do it|go ahead|sounds good|correct|"
    r"that's right|thats right|please|y)\b"
)


def _confirmed(text: str, asked: str | None, question: str | None) -> Understanding | None:
    """A yes to "Shall I make it 3 days a week from now on?": the question's own change."""
    if asked != "confirm" or question is None or not _YES.search(text.lower()):
        return None
    if _SITUATION_CONFIRMATION.search(question):
        # "Shall I save that you have high blood pressure ...?": the question names it.
        return Understanding(
            text=text,
            intents=["situation"],
            slots=Slots(),
            answered="confirm",
            situation_text=question.split("Say yes")[0],
        )
    asking = _CONFIRMATION.search(question)
    if asking is None:
        return None
    found = extract(asking.group(0))
    slots = Slots(
        minutes=found.minutes,
        days_per_week=found.days_per_week,
        goal=found.goal,
        level=found.level,
    )
    return Understanding(text=text, intents=["profile_change"], slots=slots, answered="confirm")


def clear_understanding_cache() -> None:
    """Forget cached readings of messages (for benchmarks that measure the reading)."""
    _understand.cache_clear()


_QUESTION = cached_compile(
    r"\?\s*$|^\W*(?:what|whats|how|which|when|did|do|does|have|has|am|is|are|was|were)\b"
)
_ASKS = cached_compile(
    r"\?\s*$|^\W*(?:what|whats|how|which|when|why|where|can|could|should|would|will|shall|do|"
    r"does|did|is|are|am)\b"
)
"""A message that asks something (for the FAQ's answer when no intent was found)."""


def _faq_family(text: str) -> str | None:
    """The intent of the FAQ entry a question no intent was found for asks, if close.

    "can I train if I have a cold?": the answer, not a menu of two unsure readings.
    """
    if not _ASKS.search(text.lower()):
        return None
    close = closest_faq(text)
    return close[0].intent if close is not None and close[1] >= FAQ_SURE_SIMILARITY else None


_RECORD_READINGS = ("progress", "best_lifts", "history")
"""The intents that read the log, for a question about lifts that logs nothing."""


def _record_question(text: str, intents: list[str]) -> list[str]:
    """``intents`` with log_sets replaced by the likeliest reading of the log."""
    support = classifier.probabilities(text)
    reading = max(_RECORD_READINGS, key=lambda name: support.get(name, 0.0))
    kept = [i for i in intents if i != "log_sets"]
    return kept if reading in kept else [*kept, reading]


_NO_EXERCISE_INTENTS = frozenset(
    {"motivation", "readiness", "skip_today", "greeting", "thanks", "goodbye", "off_topic"}
)
"""Intents about the person, not an exercise: "I can't get going again" names no exercise
to ask about, whatever the catalog finds close to "get going"."""

_NEITHER = cached_compile(r"^\W*(no|nope|nah|neither|none|not really|nothing like that|wrong)\b")
_CONFIRMATION = cached_compile(r"[^.?!\n]*from now on\?")
_SITUATION_CONFIRMATION = cached_compile(r"\bShall I save that\b")


@lru_cache(maxsize=256)
def _understand(text: str, last_question: str | None) -> Understanding:
    asked = question_field(last_question)
    confirmed = _confirmed(text, asked, last_question)
    if confirmed is not None:
        return confirmed
    if asked == "readings" and _NEITHER.search(text.lower()):
        # Both readings refused: the honest menu, the last resort (and counted as canned).
        return Understanding(text=text, intents=[], slots=Slots())
    found = _answer_to_question(text, asked, extract(text))
    answered = asked if asked and _answers(asked, found) else None
    readings: tuple[str, str] | None = None
    if answered:
        # A short answer is read against the question, not guessed at by the classifier.
        intents = classify(text, found)
    else:
        sure = [*slot_intents(found), *explicit_intents(text)]
        intents, readings = combine(classify(text, found), sure, text)
    if not intents and readings is not None and (asked_faq := _faq_family(text)) is not None:
        intents, readings = [asked_faq], None
    if answered and "profile_change" not in intents:
        intents.append("profile_change")
    intents = _ruled_out(text, intents, answered)
    if not {"skip_today", "swap_exercise"} & set(intents) and _SKIP_PART.search(text.lower()):
        found = replace(found, exercise=None)  # "skip the warm-up" names no exercise
    if "log_sets" in intents and not found.sets and _QUESTION.search(text.lower()):
        # A question about lifts with no sets in it reads the log; it does not add to it
        # ("did I beat my bench from last month?").
        intents = _record_question(text, intents)
    intents, found = _reread(text, intents, found)
    if "symptom_question" in intents or "medication_diagnosis" in intents:
        # A question about symptoms is not a request for a session.
        intents = [i for i in intents if i not in ("plan_today", "readiness", "body_update")]
    reading = _kit_added_is_no_place(text, situation_reader.read(text))
    if "equipment_added" in explicit_intents(text):
        # "my gym has a cable machine now": the item is news about what they have, not a
        # session with that place's whole kit.
        intents = [i for i in intents if i != "swap_equipment"]
        found = replace(
            found,
            equipment=slot_parsers.EquipmentMention(
                available=situation_reader.said_equipment(text)
            ),
        )
    if reading.invite is not None:
        intents = ["trainer_invite"]
    elif reading.facts or reading.place_feeling:
        intents, found = _situation_intents(text, intents, found, reading)
    if found.exercise is None and ("swap_exercise" in intents or "dislike" in intents):
        # "I don't fancy the burpees today, what else?": no swap wording before the name,
        # but the message names one exercise of the catalog.
        exercise = catalog_name_in(text)
        if exercise is not None:
            found = replace(found, exercise=exercise)
    # A condition or medicine the person states ("my GP put me on metoprolol") is their
    # situation, read and confirmed as such; advice is what is left to follow.
    advice = advice_reader.read(text) if reading.invite is None and not reading.facts else None
    intents, found = _news(text, intents, found, advice)
    intents, found = _exercise_read(text, intents, found)
    about_person = bool(intents) and set(intents) <= _NO_EXERCISE_INTENTS
    # "I can't do a single pull-up, what now?": the how-to answer names the exercise itself.
    named = None if about_person or "how_to" in explicit_intents(text) else found.exercise
    phrases = [named, *(entry.exercise for entry in found.sets)]
    unclear = {p: c for p in phrases if p for c in [_unclear_exercise(p)] if c}
    if reading.invite is not None or "situation" in intents:
        unclear = {}  # about the person, not an exercise ("skip my blood pressure pills")
    return Understanding(
        text=text,
        intents=intents,
        slots=found,
        answered=answered,
        unclear=unclear,
        readings=readings if not intents else None,
        advice=advice,
    )


def _news(
    text: str, intents: list[str], found: Slots, advice: advice_reader.Advice | None
) -> tuple[list[str], Slots]:
    """``intents`` and slots after news about the person: advice given, an event ahead."""
    if advice is not None:
        # The person is following advice, not asking a clinician's question or changing
        # their profile: what else the message asks for stays beside it.
        medicine = "medication_diagnosis" in explicit_intents(text)
        intents = [
            i
            for i in intents
            if i in _ADVICE_COMPANIONS or (i == "medication_diagnosis" and medicine)
        ]
        # "no running til march" names no goal for today's session or the profile.
        return [*intents, "advice"], replace(found, goal=None, level=None)
    if events.mentions(text) and slot_parsers.find_period(text) is None:
        # "wedding in 8 weeks, want to drop a few kilos": a date ahead, not this week's
        # schedule; a goal it names is asked about, not saved (unconfirmed_changes).
        intents = [i for i in intents if i not in _EVENT_REPLACES]
        return [*intents, "event"], found
    return intents, found


def _exercise_read(text: str, intents: list[str], found: Slots) -> tuple[list[str], Slots]:
    """The exercise a question about the log names, and no how-to without an exercise."""
    if found.exercise is None and not found.sets and set(intents) & _RECORD_INTENTS:
        # "what did I lift on bench last time?": the lift their own log is asked about.
        found = replace(found, exercise=_said_exercise(text))
    if "how_to" in intents and not names_exercise(text):
        # "how am I doing overall?" names no exercise to explain: the next reading.
        intents = [i for i in intents if i != "how_to"]
        second = classifier.predict(text).second
        if not intents and second:
            intents = [second]
    return intents, found


def _said_exercise(text: str) -> str | None:
    """The exercise as said: a catalog name given in full, else the movement word.

    "bench" is whichever bench press their log holds, so it is passed on as said; a
    catalog name is used only when the message gives all of it ("goblet squat").
    """
    lowered = text.lower()
    name = catalog_name_in(text)
    if name is not None and all(w in lowered for w in name.lower().split() if len(w) > 2):
        return name
    return slot_parsers.movement_in(text) or name


_RECORD_INTENTS = frozenset({"history", "progress", "best_lifts", "progression"})
"""Intents that read the person's own log of one exercise when the message names one."""

_EVENT_REPLACES = frozenset(
    {"schedule_change", "profile_change", "off_topic", "motivation", "goodbye", "weekly_program"}
)
"""Readings of a message about an event ahead that are its own words misread: "holiday
in march" is no travel this week, "want to look good for it" no low mood."""

_ADVICE_COMPANIONS = frozenset(
    {"plan_today", "greeting", "thanks", "goodbye", "readiness", "skip_today"}
)
"""What a message reporting advice may also ask for ("physio said no squats; what can I do
today?"). Other readings are the advice's own words read as a request: "avoid heavy
lifting" is no request for an easier session, "hip mobility" no new goal."""


_FOCUS_READINGS = frozenset({"plan_today", "swap_equipment", "swap_exercise"})
"""What a bare "legs instead" is read as besides a request for that day's session."""
_FOCUS_COMPANIONS = frozenset(
    {"shorten", "harder", "easier", "readiness", "greeting", "schedule_change", "profile_change"}
)
"""Intents a request for a day's emphasis may come with ("legs, 20 min, feeling good")."""


def _asks_for_focus(intents: list[str], found: Slots) -> bool:
    """Whether a named emphasis ("leg day") asks for today's session with it."""
    if found.exercise or (found.equipment.mentioned and "swap_equipment" in intents):
        return False  # "swap the leg press", "no bench for push day": what else they said
    return set(intents) <= _FOCUS_READINGS | _FOCUS_COMPANIONS


def _ruled_out(text: str, intents: list[str], answered: str | None) -> list[str]:
    """``intents`` without those another reading of the message rules out."""
    explicit = explicit_intents(text)
    drop: set[str] = set()
    if answered == "equipment":
        # "just bands, I train at home" answers the question; it changes no plan.
        drop |= {"swap_equipment", "equipment_added"}
    if "equipment_added" in intents and "plan_today" not in explicit:
        # "I bought a kettlebell" is news about what they own, not a request for a session.
        drop.add("plan_today")
    if not answered and "training_question" in explicit:
        # "is it safe to squat every day?" asks; "every day" changes no profile, and "is 4
        # days too much?" asks for no easier session.
        drop.add("profile_change")
        if _ENOUGH.search(text.lower()):
            drop |= {"easier", "harder"}
    if "day_plan" in explicit:
        # "legs on Monday, upper on Thursday from now on" pins days; it asks for no session
        # today and changes no setting the profile holds.
        drop |= {"plan_today", "profile_change", "schedule_change", "weekly_program"}
    if "how_to" in explicit:
        # "I can't do a single pull-up, what should I do?" asks how to get there; it asks
        # for no swap and no session.
        drop |= {"swap_exercise", "plan_today", "profile_change"}
    lowered = text.lower()
    part = _SKIP_PART.search(lowered)
    if part is not None and not set(intents) - _PART_MISREAD:
        # "can we skip the warm-up today?" drops a part of the session, not the day: the
        # warm-up question, or a swap of the exercise named.
        drop |= _PART_MISREAD
        named = slot_parsers.names_movement(part.group(1)) or catalog_name_in(part.group(1))
        intents = [*intents, "swap_exercise" if named else "training_question"]
    intents, dropped = _days_and_kit(text, intents, explicit)
    drop |= dropped
    if "how_to" in intents and _HOW_MUCH.search(lowered):
        # "how much should I be able to squat?" asks about a load, not the technique.
        drop.add("how_to")
        intents = [*intents, "training_question"]
    if _VOLUME.search(lowered) and _OWN_LOG.search(lowered) and "log_sets" not in intents:
        # "how many sets did I do per muscle this week?" reads their log, not the FAQ.
        asked = {"training_question", "harder", "easier", "progress"}
        intents = [*(i for i in intents if i not in asked), "history"]
    if "readiness" in intents and _STILL_TRAIN.search(lowered):
        # "bit hungover, is training a bad idea?" asks as well as tells: answered too.
        intents = [*intents, "training_question"]
    if "body_update" in intents and _WORRY.search(lowered):
        # "my wrist clicks on curls, should I worry?" asks as well as tells: answered too.
        intents = [*intents, "training_question"]
    if "shorten" in intents and _TOOK.search(lowered) and not _TIME_LEFT.search(lowered):
        # "did the whole thing, 45 min on the dot" tells how long it took: feedback.
        intents = [i if i != "shorten" else "feedback" for i in intents]
    return list(dict.fromkeys(i for i in intents if i not in drop))


_ENOUGH = cached_compile(
    r"\b(?:enough|too (?:much|many|little|few|long|short)|sufficient|overkill)\b[^.!]*\?\s*$"
)
"""A question whether an amount is enough ("is 4 days too much?"): no request to change."""
DAY_PLAN_SUBJECT = "training days"
"""The subject of a note that pins emphases to weekdays."""
_PART_MISREAD = frozenset({"skip_today", "off_topic", "feedback", "shorten", "motivation"})
"""What leaving out a part of the session is read as when its wording is unknown."""
_SKIP_PART = cached_compile(
    r"\b(?:skip|skipping|ditch|drop|leave out|miss out|cut out|bin off|bin)\s+"
    r"(?:the\s+|my\s+|on\s+)?"
    r"((?:warm[- ]?ups?|cool[- ]?downs?|stretch\w*|finisher|cardio|core|abs|ramp[- ]?up sets|"
    r"last (?:one|exercise|set|block)|first (?:one|exercise)|"
    r"(?!(?:the |my |a |this )?(?:today|tonight|session|workout|gym|day|class|training|"
    r"lesson|run|week|it|this|that|everything|all)\b)"
    r"[a-z][a-z -]{2,25}?))(?:\s+(?:bit|part|section|stuff|thing|work|block|exercises?))?"
    r"(?:\s+(?:at|in) the (?:end|start|beginning|middle))?"
    r"(?=\s+(?:today|tonight|this time|for once|pls|please|if)|\s*[?.!,]|$)"
)
"""A part of the session to leave out: "skip the warm-up", "can we drop the lunges?"."""
_HOW_MUCH = cached_compile(
    r"\bhow (?:much|heavy|many (?:kg|kilos|pounds|lbs|plates))\b.{0,30}\b(?:should|be able|"
    r"can|could|is (?:good|normal|decent|average)|do most)"
)


def _days_and_kit(text: str, intents: list[str], explicit: list[str]) -> tuple[list[str], set[str]]:
    """Readings another day or new kit rules out; the intents and what to drop."""
    drop: set[str] = set()
    if (
        "shorten" in intents
        and slot_parsers.find_minutes(text) is None
        and slot_parsers.told_of_an_earlier_day(text)
    ):
        # "Yesterday I was tired so I only did 20 minutes on the bike": a story, no request.
        intents = [i if i != "shorten" else "feedback" for i in intents]
        drop.add("readiness")  # how they felt then, not today
    if _SWAP_DAYS.search(text.lower()):
        # "can I swap today's session with tomorrow's?": today rests, the session moves on.
        intents = [*(i for i in intents if i not in ("swap_exercise", "plan_today")), "skip_today"]
    if "equipment_added" in intents and "progress" not in explicit:
        # "my sister gave me her old rowing machine": kit, not a lift to look up.
        drop |= {"progress", "history", "best_lifts"}
    return intents, drop


_SWAP_DAYS = cached_compile(
    r"\b(?:swap|switch|move|push|shift|trade)\b[^.?!]{0,25}\b(?:today'?s?|session|workout)\b"
    r"[^.?!]{0,25}\b(?:tomorrow|tmrw|tmr|tomoz|the day after|later in the week)\b"
)
_STILL_TRAIN = cached_compile(
    r"\b(?:should|can|could|shall|do) i (?:still |even |really )?"
    r"(?:train|go|lift|work ?out|exercise|bother)\b"
    r"|\bis (?:it|training|lifting|working out|that) (?:a )?"
    r"(?:bad|good|smart|wise|ok|okay|safe)(?: idea)?\b"
)
_WORRY = cached_compile(
    r"\b(?:should i (?:be )?worr|do i need to worry|anything to worry|is (?:that|this|it) "
    r"(?:normal|bad|ok|okay|a problem|a bad sign|something to worry)|what does (?:that|it) mean)"
)
_TOOK = cached_compile(
    r"\b(?:took(?: me)?|taking me|finished(?: it)? in|done in|did (?:it|the whole \w+|all of it|"
    r"everything) in|completed(?: it)? in|on the dot|flat)\b|\bdid the whole\b|\bfinished the\b"
)
_TIME_LEFT = cached_compile(
    r"\b(?:only (?:have|got)|i (?:have|got|'ve got|ve got)|have only|got only|tops|max|"
    r"make it|shorter|can (?:we|you)|could (?:we|you)|next time|from now on)\b"
)


def _kit_added_is_no_place(
    text: str, reading: situation_reader.Reading
) -> situation_reader.Reading:
    """The item in "my gym has a cable machine now" is added; the place's kit is not restated."""
    if reading.kit is None or "equipment_added" not in explicit_intents(text):
        return reading
    return replace(reading, kit=None)


def _reread(text: str, intents: list[str], found: Slots) -> tuple[list[str], Slots]:
    """The intents once readings the classifier's label misses are applied.

    A milestone, a report of work done, a day's emphasis asked for.
    """
    lowered = text.lower()
    if "milestone" in intents and (found.equipment.available or _TRIED.search(lowered)):
        # "finally got a kettlebell" is kit; "trying chin-ups for the first time" no feat.
        intents = [i for i in intents if i != "milestone"]
    if "milestone" in intents:
        # "finally got my first pull-up": an achievement, not kit bought, a level ("first
        # time" says beginner), a goal or a request; the profile stays as it is. A
        # question asked beside it ("is that my heaviest?") is still answered.
        dropped = set(_NOT_A_MILESTONE)
        if not _HURTS.search(lowered):
            dropped.add("body_update")  # "a full push-up on my toes" names no niggle
        if "?" not in lowered and not _ASKS_FIRST.search(lowered):
            dropped.update(_MILESTONE_QUESTIONS)
        if not found.sets:
            dropped.add("log_sets")  # the answer offers to log it
        intents = [i for i in intents if i not in dropped]
        found = replace(found, goal=None, level=None, days_per_week=None)
    if "dislike" in intents and "how_to" in intents and "?" not in text:
        # "I'm not keen on the pullovers" names an exercise to note, not to explain.
        intents = [i for i in intents if i != "how_to"]
    if _reports_work(text, intents, found):
        # "did some bench today", "did the row": what they did, to log, not a request.
        felt = "feedback" in intents and bool(_FELT.search(text.lower()))
        kept = [i for i in intents if i not in _NOT_A_REPORT]
        intents = [*kept, "log_sets", *(["feedback"] if felt else [])]
    if found.focus is not None and _asks_for_focus(intents, found):
        # "legs instead", "upper body today": a session with that emphasis, whatever
        # else the words resemble (a swap with no exercise or kit named).
        intents = ["plan_today", *(i for i in intents if i not in _FOCUS_READINGS)]
    return intents, found


_NOT_A_MILESTONE = frozenset(
    {
        "profile_change",
        "equipment_added",
        "greeting",
        "plan_today",
        "how_to",
        "swap_equipment",
        "readiness",
        "motivation",
        "swap_exercise",
    }
)
"""What "finally got my first pull-up" resembles and is not."""
_MILESTONE_QUESTIONS = frozenset(
    {"how_to", "progress", "best_lifts", "history", "training_question", "myth"}
)
"""Readings of a milestone told without a question ("did my first ever muscle up")."""
_ASKS_FIRST = cached_compile(r"^\W*(?:what|how|which|when|why|is|are|can|should|does|do)\b")
"""A question without its mark; "did my first muscle up" tells, it does not ask."""
_TRIED = cached_compile(
    r"\b(?:try|tried|trying)\b[^.?!,;]{0,30}\bfirst time\b|\battempt(?:s|ed)?\b"
)
"""A first try ("trying chin-ups for the first time", "my first attempts"), no feat yet;
"after months of trying I can finally do one" is the feat."""
_HURTS = cached_compile(r"\b(?:hurt|pain|ache|aching|sore|twinge|tweak|niggle|stiff|tight|injur)")

_FELT = cached_compile(
    r"\b(?:felt|feel|feeling|easy|hard|tough|brutal|killer|great|good|awful|terrible|love|"
    r"loved|hate|hated|fun|boring|heavy|light|strong|weak|dead|wrecked|solid)\b"
)
"""A report of work done that also says how it felt ("finished the squats, brutal")."""

_DONE = cached_compile(
    r"^\W*(?:so\s+|well\s+|ok\s+|just\s+)?(?:(?:this morning|earlier|earlier today|today|"
    r"tonight|yesterday|after work|before work|at lunch),?\s+)?(?:i\s+|we\s+|i've\s+|ive\s+)?"
    r"(?:have\s+)?"
    r"(?:just\s+|already\s+|finally\s+)?"
    r"(?:did|done|finished|completed|smashed|nailed|knocked out|got through|went through|hit|"
    r"banged out)\b"
)
"""A message that opens by telling what was done ("did some bench today", "finished the
rows")."""
_NOT_A_REPORT = frozenset({"plan_today", "how_to", "swap_equipment", "log_sets", "feedback"})
"""What such a report is misread as: a request for a session, a how-to, today's kit."""


def _reports_work(text: str, intents: list[str], found: Slots) -> bool:
    """Whether ``text`` reports an exercise done, with no sets, as a request or question.

    Sets make it a log anyway; a question ("did I do rows last week?") reads the log; a
    request ("did legs yesterday, what today?") keeps its reading.
    """
    lowered = text.lower()
    misread = not intents or bool(_NOT_A_REPORT.intersection(intents))
    if found.sets or not _DONE.search(lowered) or not misread:
        return False
    if "?" in lowered or _CHANGE_ASKED.search(lowered) or re.search(r"\bwhat\b", lowered):
        return False
    return names_exercise(text)


def names_exercise(text: str) -> bool:
    """Whether ``text`` names an exercise: a catalog name for sure, or a movement word.

    "did the row" names no one catalog exercise (a dozen rows tie), but a row it is; "hit
    the gym this morning" names none ("good morning" is an exercise, "morning" is not).
    """
    return slot_parsers.names_movement(text) or catalog_name_in(text) is not None


def catalog_name_in(text: str) -> str | None:
    """The catalog exercise a run of the message's words names for sure, if any.

    Longer runs first ("kettlebell swings" before "swings"); only a confident match
    counts, so "change it" is no "Dead hang".
    """
    try:
        from agent.planning.catalog import load_catalog, resolve_exercise
    except ImportError:  # the catalog is optional for the model
        return None
    for run in word_runs(text):
        if {"and", "or", "then"} & set(run.split()):
            continue  # "squats and rows" names two, not "Band squat to row"
        found = resolve_exercise(run).exercise_id
        if found is not None:
            exercise = load_catalog().find(found)
            return exercise.name if exercise is not None else None
    return None


def _situation_intents(
    text: str, intents: list[str], found: Slots, reading: situation_reader.Reading
) -> tuple[list[str], Slots]:
    """Intents and slots once what the person said about their situation is accounted for.

    Facts go to ``situation``; an item taken replaces "swap all my equipment"; a place
    named with a feeling, or as the kit of a stay or of where they train, is not today's
    equipment; a session is planned only when the message asks for one.
    """
    kept = list(intents)
    capped = "max_dumbbell_kg" in {**reading.save, **reading.confirm}
    if capped or reading.unavailable:
        # "dumbbells only go to 20 kg", "the bench is taken": the item named is no kit.
        found = replace(found, equipment=slot_parsers.EquipmentMention())
    if reading.place_feeling or reading.stay or reading.kit is not None or reading.ask_kit:
        found = replace(
            found,
            equipment=slot_parsers.EquipmentMention(available=situation_reader.said_equipment(text))
            if reading.place_feeling
            else slot_parsers.EquipmentMention(),
        )
    if not reading.facts:
        return kept, found
    asks_question = bool(reading.confirm) and "?" in text
    drop = {
        "medication_diagnosis": not asks_question,
        "schedule_change": found.days_per_week is None
        and bool(reading.save or reading.stay or reading.unavailable),
        "readiness": found.energy is None and not found.poor_sleep,
        "body_update": not found.body_parts
        or any(c.endswith("osteoarthritis") for c in reading.save.get("conditions", [])),
        "log_sets": not found.sets,
        # An item taken keeps its plan-changing reading (refused while a flag stands);
        # equipment_unavailable serves it (see _plan_or_adapt).
        "swap_equipment": bool(reading.stay or reading.kit or reading.save),
        "equipment_added": reading.kit is not None,
        "plan_today": not situation_reader.asks_for_session(text),
    }
    kept = [i for i in kept if not drop.get(i, False)]
    if situation_reader.education_key(text, reading) is not None:
        # "is some ache normal with my knee arthritis?": the curated answer, not a refusal.
        answered_by_it = ("medication_diagnosis", "symptom_question", "training_question")
        kept = [i for i in kept if i not in (*answered_by_it, "body_update")]
        kept.append("population_education")
    if "situation" not in kept:
        kept.insert(0, "situation")
    return kept, found


_SENTENCE = cached_compile(r"(?<=[.?!;])\s+|\s+(?:and then|but also)\s+")


def _sentences(text: str) -> list[str]:
    """The sentences of a message with more than one (each is weighed on its own too)."""
    parts = [p.strip() for p in _SENTENCE.split(text) if len(p.split()) >= 2]
    return parts if len(parts) > 1 else []


def _confident_label(text: str) -> str | None:
    """The classifier's label for ``text`` when it is confident and knows a word of it."""
    prediction = classifier.predict(text)
    if prediction.probability >= classifier.CONFIDENT and classifier.knows_a_word(text):
        return prediction.label
    return None


_KNOWLEDGE = ("faq", "how_to", "medication_diagnosis")
"""Answers to questions: a message read as one of these asks, it does not tell."""


def combine(
    rules: list[str], sure: list[str], text: str
) -> tuple[list[str], tuple[str, str] | None]:
    """The classifier's intent and the rules' intents, merged; or two readings to ask about.

    The classifier's likeliest intent counts from :data:`classifier.CONFIDENT`. A rule's
    intent stays unless the classifier knows that intent and all but rules it out (below
    :data:`classifier.SUPPORT`): a passing "2day" or "10k" is then not read as a profile
    change; the support of an intent is its best probability over the whole message and
    each of its sentences ("3x8 at 20 kg. what did I do last week?" asks two things).
    Intents in ``sure`` (signalled by a precise slot such as set notation, or said
    outright) always stay, and so do intents only the rules know (dislikes, notes). With
    no intent at all, the two likeliest readings are returned for a specific question.
    """
    if any(registry()[name].exclusive for name in rules):
        return rules, None
    prediction = classifier.predict(text)
    primaries = [p for p in (_confident_label(text),) if p]
    support = dict(classifier.probabilities(text))
    for sentence in _sentences(text):
        for name, value in classifier.probabilities(sentence).items():
            support[name] = max(support.get(name, 0.0), value)
    known = set(learned())
    asking = bool(primaries) and registry()[primaries[0]].answer in _KNOWLEDGE
    kept = [
        name
        for name in rules
        if (
            name not in known
            or name in primaries
            or name in sure
            or support.get(name, 0.0) >= classifier.SUPPORT
        )
        # A question answered from knowledge ("can you build muscle after 30?") changes
        # no standing setting that only a rule or a slot found.
        and not (asking and registry()[name].guarded and name not in sure)
    ]
    answered = {question for name in kept for question in registry()[name].answers}
    # A question said outright ("why are we doing supersets?") is answered by its own
    # entry; the classifier's guess adds nothing to it (what else the message says outright
    # or by a slot, "I'm tired", is in ``sure`` and kept).
    knowing = any(registry()[name].answer in _KNOWLEDGE for name in sure)
    for primary in reversed(list(dict.fromkeys(primaries))):
        if knowing:
            break
        if primary not in kept and primary not in answered:
            kept.insert(0, primary)
    if kept:
        return kept, None
    return [], (prediction.label, prediction.second)


MIN_SUGGESTION_SCORE = 55.0
"""Below this similarity a catalog name is no useful suggestion; the phrase passes through."""


def with_todays_plan(u: Understanding, state: DialogueState) -> Understanding:
    """Exercise words the catalog finds ambiguous, read as the one planned exercise they name.

    "did 3x10 rows at 14 kg" with one row in today's session logs that row; asking
    "which rows?" is for when the session has none or several.
    """
    if not u.unclear:
        return u
    planned = planned_exercises(state)
    found = {phrase: planned_named(phrase, planned) for phrase in u.unclear}
    named = {phrase: name for phrase, name in found.items() if name in planned}
    if not named:
        return u
    sets = [
        replace(e, exercise=named[e.exercise]) if e.exercise in named else e for e in u.slots.sets
    ]
    exercise = named.get(u.slots.exercise or "", u.slots.exercise)
    return replace(
        u,
        slots=replace(u.slots, sets=sets, exercise=exercise),
        unclear={p: c for p, c in u.unclear.items() if p not in named},
    )


@lru_cache(maxsize=512)
def _unclear_exercise(phrase: str) -> list[str]:
    """Close catalog names when ``phrase`` is not a confident match, else nothing.

    The tools resolve names themselves; asking first spares the person a wrong guess.
    """
    try:
        from agent.planning.catalog import resolve_exercise
    except ImportError:  # the catalog is optional for the model
        return []
    resolution = resolve_exercise(phrase)
    if resolution.confident:
        return []
    return [m.name for m in resolution.matches if m.score >= MIN_SUGGESTION_SCORE][:3]


def unconfirmed_changes(u: Understanding) -> dict[str, Any]:
    """Standing settings a message names without clearly meaning them for good.

    "can we do 3 days a week?" read as a schedule question, not a profile change: the
    coach asks before it rewrites the profile. A time-bound change ("this week only 2")
    is no candidate at all: it expires by itself.
    """
    if u.has("profile_change") or u.answered or u.slots.period is not None:
        return {}
    if not u.has("weekly_program", "schedule_change", "event"):
        return {}
    s = u.slots
    found = {"days_per_week": s.days_per_week, "goal": s.goal, "level": s.level}
    return {k: v for k, v in found.items() if v is not None}


def _answers(asked: str, found: Slots) -> bool:
    values = {
        "days_per_week": found.days_per_week,
        "session_minutes": found.minutes,
        "equipment": found.equipment.mentioned or None,
        "goal": found.goal,
        "level": found.level,
    }
    return values.get(asked) is not None


# --- building calls against the offered schemas ----------------------------------------


@dataclass
class CallBuilder:
    """Collects tool calls, keeping only offered tools and parameters they accept."""

    tools: list[dict[str, Any]]
    calls: list[ToolCall] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._params: dict[str, set[str]] = {}
        for schema in self.tools:
            function = schema.get("function") or {}
            properties = (function.get("parameters") or {}).get("properties") or {}
            self._params[str(function.get("name"))] = set(properties)

    def offered(self, name: str) -> bool:
        """Whether the tool ``name`` is available this turn."""
        return name in self._params

    def param(self, tool: str, logical: str) -> str | None:
        """The offered parameter name for a logical argument, if the tool has one."""
        accepted = self._params.get(tool, set())
        for candidate in arg_aliases().get(logical, [logical]):
            if candidate in accepted:
                return candidate
        return None

    def add(self, tool: str, **logical: Any) -> bool:
        """Queue ``tool`` with the logical arguments it accepts; False if it is not offered."""
        if not self.offered(tool):
            return False
        arguments: dict[str, Any] = {}
        for key, value in logical.items():
            if value is None:
                continue
            name = self.param(tool, key)
            if name is not None:
                arguments[name] = value
        encoded = json.dumps(arguments, sort_keys=True)
        if any(c.name == tool and c.arguments == encoded for c in self.calls):
            return True  # two intents asking for the same call get it once
        self.calls.append(
            ToolCall(id=f"call_{len(self.calls) + 1}_{tool}", name=tool, arguments=encoded)
        )
        return True


def _profile_changes(u: Understanding, state: DialogueState) -> dict[str, Any]:
    s = u.slots
    changes: dict[str, Any] = {"goal": s.goal, "level": s.level, "days_per_week": s.days_per_week}
    adapting = (u.has("plan_today", "shorten") or state.plan_exists) and not _EACH_TIME.search(
        u.text.lower()
    )
    if s.minutes is not None and (not adapting or u.answered == "session_minutes"):
        changes["session_minutes"] = s.minutes
    equipment_now = u.has("swap_equipment") and not u.answered == "equipment"
    # "I bought a kettlebell" adds to the stored list (see follow_up), never replaces it.
    if not equipment_now and not u.has("equipment_added"):
        if s.equipment.nothing:
            changes["equipment"] = [_bodyweight()]
        elif s.equipment.available:
            changes["equipment"] = list(s.equipment.available)
    return {k: v for k, v in changes.items() if v is not None}


def _bodyweight() -> str:
    return str(slot_parsers.lexicon()["bodyweight_word"])


def _today_equipment(s: Slots) -> list[str] | None:
    # Kit named outright wins over a "no equipment" phrase ("hotel room with a band").
    if s.equipment.available:
        return list(s.equipment.available)
    return [_bodyweight()] if s.equipment.nothing else None


def _trip_today(u: Understanding) -> bool:
    """A schedule change that also says what today offers: kit or minutes, this week."""
    s = u.slots
    now = s.period in (None, "today", "week") or (s.period or "").isdigit()
    return now and (s.minutes is not None or s.equipment.mentioned)


def _equipment_for_today(u: Understanding) -> bool:
    """Whether equipment named in this message limits today's plan.

    "a 20-minute dumbbell session" asks for dumbbells today; "I bought a kettlebell" adds
    to what the person owns and must not shrink today's choice to the new item.
    """
    if u.has("swap_equipment") or (u.has("schedule_change") and _trip_today(u)):
        return True
    return u.slots.equipment.mentioned and not u.has("equipment_added")


@lru_cache(maxsize=1)
def _plan_areas() -> frozenset[str]:
    """Body areas the planner can protect ("hamstring" is named, but not a plan area)."""
    try:
        from agent.planning.catalog import load_catalog
    except ImportError:  # the catalog is optional for the model
        return frozenset()
    return frozenset(load_catalog().vocabulary.constraint_tags)


SHORT_SESSION_MINUTES = 20
"""A short session asked for with no time named ("something shorter") before any plan."""


def _planned_minutes(state: DialogueState) -> float | None:
    """The estimated length of the newest session planned in this conversation."""
    plans = [*state.earlier_plans, *(r.result for r in state.results if r.ok)]
    for result in reversed(plans):
        session = result.get("session") if isinstance(result, dict) else None
        if isinstance(session, dict) and isinstance(session.get("est_minutes"), int | float):
            return float(session["est_minutes"])
    return None


def shorter_minutes(state: DialogueState) -> int:
    """How long "make it shorter" makes today's session when no time is named.

    About two thirds of the planned length, in whole five minutes and at least ten minutes
    shorter, so the change is felt; with no plan yet, :data:`SHORT_SESSION_MINUTES`.
    """
    planned = _planned_minutes(state)
    if planned is None:
        return SHORT_SESSION_MINUTES
    return max(MIN_MINUTES, int(min(planned - 10, planned * 2 / 3)) // 5 * 5)


def _no_session_now(u: Understanding, out: CallBuilder) -> bool:
    """Whether this turn plans no session.

    One came with the situation tool, or a clinician said to stop all training until
    cleared.
    """
    if u.advice is not None and u.advice.kind == "no_training":
        return True
    return any(call.name in _SITUATION_PLANS for call in out.calls)


def _with_advice(u: Understanding, avoid: list[str] | None) -> list[str] | None:
    """``avoid`` with the areas advice just given restricts: it holds for today too."""
    if u.advice is None or u.advice.kind != "restriction":
        return avoid
    advised = [a for a in u.advice.areas if a in _plan_areas()]
    return sorted({*(avoid or []), *advised}) or None


def _plan_or_adapt(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    s = u.slots
    if u.has("shorten") and s.minutes is None:
        # "something shorter": answered with a shorter session, not a question.
        s = replace(s, minutes=shorter_minutes(state))
    if _no_session_now(u, out):
        return
    # "My shoulder is fine (now)" names the area it no longer needs protecting.
    resolved = u.has("constraint_resolved")
    protected = [a for a in s.body_parts if a in _plan_areas()]
    avoid = (protected or None) if u.has("body_update") and not resolved else None
    avoid = _with_advice(u, avoid)
    wants_plan = u.has("plan_today") or (u.has("readiness") and not state.plan_exists)
    spent = _spent_half(u.text) if s.focus is None else None
    if spent is not None and u.has("plan_today", "readiness", "body_update"):
        # "legs are dead after football": today trains the other half.
        s = replace(s, focus=spent)
        wants_plan = True
    if wants_plan and state.plan_exists and u.has("shorten"):
        # "could today's session be a little shorter?" names today's session to shorten,
        # not a new one; a new one is planned when the message also changes its kit,
        # emphasis or energy.
        wants_plan = bool(s.focus or s.equipment.mentioned or s.energy is not None or avoid)
    reading = situation_of(u, state)
    if (reading.save or reading.kit) and state.plan_exists:
        wants_plan = True  # today's session was built before this was known
    if not wants_plan and state.plan_exists:
        if (
            s.minutes is not None
            and u.has("shorten")
            and out.add("shorten_session", minutes=s.minutes)
        ):
            return
        if u.has("swap_equipment") and s.equipment.mentioned:
            equipment = _today_equipment(s)
            if out.add("swap_equipment", equipment=equipment or [_bodyweight()]):
                return
        if avoid:
            wants_plan = True
        low = s.poor_sleep or (s.energy is not None and s.energy <= 2)
        if u.has("readiness") and low and out.add("adjust_difficulty", direction="easier"):
            return  # a rough night after the plan was made: the same session, lighter
    if not wants_plan and not state.plan_exists:
        # "only 15 minutes" or "no bench today" before any plan: plan today with it; so
        # does a trip that says what today offers ("hotel room with a band, 20 minutes").
        wants_plan = (
            (u.has("shorten") and s.minutes is not None)
            or (u.has("swap_equipment") and s.equipment.mentioned)
            or (u.has("schedule_change") and _trip_today(u))
        )
    if wants_plan:
        out.add(
            "plan_today",
            minutes=s.minutes,
            equipment=_today_equipment(s) if _equipment_for_today(u) else None,
            goal=s.goal,
            energy=s.energy,
            poor_sleep=True if s.poor_sleep else None,
            avoid=avoid,
            focus=s.focus,
        )


_SPENT = (
    r"[^.?!]{0,25}\b(?:dead|toast|shot|wrecked|destroyed|fried|jelly|smashed|killing me|"
    r"battered|sore|tired|heavy|knackered|cooked|spent|done in|gone|ruined|aching|achy|"
    r"stiff|fatigued|exhausted)\b"
)
_SPENT_LEGS = cached_compile(
    rf"\b(?:legs?|quads?|hamstrings?|hammies|calves|glutes|lower body|thighs){_SPENT}"
)
_SPENT_ARMS = cached_compile(
    rf"\b(?:arms?|upper body|biceps|triceps|pecs|chest|delts|shoulders){_SPENT}"
)


def _spent_half(text: str) -> str | None:
    """The half of the body to train when the other is spent ("legs are toast"), or None."""
    lowered = text.lower()
    legs, arms = _SPENT_LEGS.search(lowered), _SPENT_ARMS.search(lowered)
    if legs and not arms:
        return "upper"
    if arms and not legs:
        return "lower"
    return None


_CHANGE_ASKED = cached_compile(
    r"\b(?:can|could|would|will|shall|might|may) (?:you|we|i|u|ya|it|today'?s?|this|the)\b|"
    r"\b(?:please|pls|plz|let'?s)\b|"
    r"\b(?:make|push|give|step|bump|crank|ramp|turn|kick|dial|tone|ease|take|up) "
    r"(?:it|me|things|up|down|today|the|this|that|us)\b|"
    r"\b(?:want|need|like|prefer|fancy|after) (?:something|it|a |an |more|less|harder|tougher|"
    r"easier|lighter|gentler)|\bmore (?:of a )?challeng|\b(?:next time|this time|from now)\b"
)
"""A request for a change, beside a report of how it went: "that was too easy yesterday,
can you make today harder?" asks for both the note and a harder session."""


def _difficulty(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    """A request for an easier or harder session, and a report of how one felt.

    A report ("that was too easy") is recorded as feedback; a request ("push me more",
    "I want something tougher today") adjusts today's session, which is planned first
    when there is none yet. A message that does both gets both.
    """
    if not u.has("easier", "harder"):
        return
    harder = u.has("harder") and not u.has("easier")
    lowered = u.text.lower()
    past = bool(_PAST.search(lowered))
    asked = bool(_CHANGE_ASKED.search(lowered))
    adjusted = (
        (asked or (not past and state.plan_exists))
        and not state.plan_locked
        and out.add("adjust_difficulty", direction="harder" if harder else "easier")
    )
    if past or not adjusted:
        out.add(
            "record_feedback",
            difficulty="too_easy" if harder else "too_hard",
            note=u.text[:500],
        )


def _feedback(u: Understanding, out: CallBuilder) -> None:
    if not u.has("feedback") or u.has("easier", "harder"):
        return
    if u.slots.effort is None and any(entry.effort for entry in u.slots.sets):
        return  # "3x8 at 60, felt easy": the feeling went with the set it describes
    if u.has("forget_note", "dislike", "add_note"):
        return  # "forget that I hate lunges" is about a note, not about a session
    lowered = u.text.lower()
    enjoyment = 5 if re.search(r"lov|great|amazing|fun", lowered) else None
    if re.search(r"hate|awful|terrible|boring", lowered):
        enjoyment = 1
    # Only what was said: "it was boring" says nothing of how hard it was. A session
    # praised with no complaint ("great session, loved it") was about right.
    difficulty = remarks.difficulty(u.text) or ("about_right" if enjoyment == 5 else None)
    out.add("record_feedback", difficulty=difficulty, enjoyment=enjoyment, note=u.text[:500])


def _set_arguments(entry: slot_parsers.SetEntry) -> dict[str, Any]:
    one: dict[str, Any] = {"reps": entry.reps}
    if entry.load is not None:
        one["load"] = entry.load.value
        if entry.load.unit is not None:
            one["unit"] = entry.load.unit
    if entry.effort is not None:
        one.update({k: v for k, v in vars(entry.effort).items() if v is not None})
    return one


def _log(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    """One log call per exercise, its sets in order ("rows 60 kg x 8, x8, x7")."""
    grouped: list[tuple[str, list[dict[str, Any]]]] = []
    previous: str | None = None
    for entry in u.slots.sets:
        exercise = entry.exercise or previous
        previous = exercise
        if exercise is None or exercise in u.unclear:
            continue
        sets = [_set_arguments(entry)] * entry.sets
        if grouped and grouped[-1][0] == exercise:
            grouped[-1][1].extend(sets)
        else:
            grouped.append((exercise, list(sets)))
    back = days_ago(u.text, _today(state))
    for exercise, sets in grouped:
        out.add("log_sets", exercise=exercise, sets=sets, days_ago=back or None)


_DAYS_AGO = cached_compile(
    r"\b(?P<before>day before yesterday)\b|\b(?P<yesterday>yesterday|yday|yest|last night)\b"
    r"|\b(?P<n>\d{1,2}) days? ago\b|\b(?:on|last) (?P<day>mon|tue|wed|thu|fri|sat|sun)[a-z]*\b"
)


def days_ago(text: str, today: date) -> int:
    """How many days back sets were done, as said ("yesterday", "on monday", "3 days ago").

    0 when the message names no earlier day; a weekday is the latest one before today.
    """
    found = _DAYS_AGO.search(slot_parsers.normalize(text))
    if found is None:
        return 0
    if found.group("before"):
        return 2
    if found.group("yesterday"):
        return 1
    if found.group("n"):
        return min(int(found.group("n")), 60)
    back = (today.weekday() - _WEEKDAYS.index(found.group("day"))) % 7
    return back or 7


def _questions(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    s = u.slots
    swap = u.has("swap_exercise") or (u.has("dislike") and state.plan_exists)
    if s.exercise in u.unclear or u.has("forget_note"):
        pass
    elif swap and s.exercise:
        out.add("swap_exercise", exercise=s.exercise, reason=u.text[:300])
    if u.has("progression") and s.exercise and s.exercise not in u.unclear:
        if not out.add("next_progression", exercise=s.exercise):
            out.add("exercise_progress", exercise=s.exercise)
    if u.has("weekly_program"):
        out.add("weekly_program")
    if u.has("consistency"):
        out.add("adherence")
    if u.has("history") and s.exercise and s.exercise not in u.unclear:
        if not out.add("last_performance", exercise=s.exercise):
            out.add("workout_history")
    elif u.has("history") and _VOLUME.search(u.text.lower()):
        # "did I do more volume this week than last?": hard sets per muscle, week by week.
        out.add("weekly_muscle_sets", weeks=2 if _LAST_WEEK.search(u.text.lower()) else 4)
    elif u.has("history"):
        start = history_start(u.text, _today(state))
        out.add("workout_history", start=start.isoformat() if start else None)
        if _PROGRESS_CHECK.search(u.text.lower()) and not u.has("consistency"):
            out.add("adherence")


_VOLUME = cached_compile(
    r"\b(?:volume|how many (?:hard )?sets|(?:more|fewer|less) (?:hard )?sets|sets per muscle|"
    r"tonnage)\b"
)
_OWN_LOG = cached_compile(r"\b(?:did i|have i|i did|i'?ve done|i have done|was i|am i|my)\b")
_LAST_WEEK = cached_compile(r"\b(?:than|vs|versus|compared to|compared with) last\b")
_SPAN_BACK = cached_compile(
    r"\b(?:this|the) (?P<unit>month|year)\b|\blast (?P<n>\d{1,2}) (?P<units>weeks|months|days)\b"
    r"|\bpast (?P<pn>\d{1,2}) (?P<punits>weeks|months|days)\b|\b(?P<ever>when was|when did|"
    r"last time i|ever)\b"
)


def history_start(text: str, today: date) -> date | None:
    """The first day a question about the log looks back to, when it says (else the tool's).

    "this month" from the 1st, "the last 3 weeks", "past 10 days"; "when was my last leg
    day?" looks back a quarter, since the answer may be weeks old.
    """
    found = _SPAN_BACK.search(slot_parsers.normalize(text))
    if found is None:
        return None
    if found.group("unit") == "month":
        return today.replace(day=1)
    if found.group("unit") == "year":
        return today.replace(month=1, day=1)
    count, units = (
        found.group("n") or found.group("pn"),
        found.group("units") or found.group("punits"),
    )
    if count and units:
        return today - timedelta(days=int(count) * slot_parsers.DAYS_PER_UNIT[units[0]] - 1)
    return today - timedelta(days=90)


ADHERENCE_INTENTS = ("progress", "consistency", "history")
"""Intents whose reply shows the adherence figures as they are; low motivation reads them
too, and its answer puts them in its own words."""


def _records(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    """Progress, best lifts, a skipped day, low motivation: the memory tools for them."""
    s = u.slots
    if u.has("motivation") and not u.has(*ADHERENCE_INTENTS):
        # "Nothing changes, what's the point": the answer starts from their own record.
        out.add("adherence")
    if u.has("progress"):
        if s.exercise and s.exercise not in u.unclear:
            out.add("exercise_progress", exercise=s.exercise)
        else:
            out.add("adherence")
            out.add("best_lifts")
    if u.has("best_lifts") and not u.has("progress"):
        if s.exercise and s.exercise not in u.unclear:
            # "what's my best deadlift?": that lift's best sets, not the top six.
            out.add("exercise_progress", exercise=s.exercise)
        else:
            out.add("best_lifts")
    if u.has("skip_today") and not u.has("plan_today"):
        out.add("skip_today", reason=u.text[:300])


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def schedule_end(period: str | None, today: date) -> date:
    """The last day a time-bound change applies.

    "week" ends this Sunday, "next_week" next Sunday, "until_fri" the coming Friday, a
    number of days counts from today; with no period named, the change is taken to last
    to the end of this week ([P]: the reply says so, and the person can extend it).
    """
    sunday = today + timedelta(days=6 - today.weekday())
    if period is None or period == "week":
        return sunday
    if period == "today":
        return today
    if period == "next_week":
        return sunday + timedelta(days=7)
    if period.startswith("until_"):
        ahead = (_WEEKDAYS.index(period.removeprefix("until_")) - today.weekday()) % 7
        return today + timedelta(days=ahead or 7)
    if period.startswith("month_"):
        return slot_parsers.next_date(today, int(period.removeprefix("month_")), 1) - timedelta(
            days=1
        )
    if period.startswith("date_"):
        month, day, back = (int(part) for part in period.removeprefix("date_").split("_"))
        return slot_parsers.next_date(today, month, day) - timedelta(days=back)
    return today + timedelta(days=int(period) - 1)


def _schedule(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    """A calendar change is stored as a schedule note that ends by itself."""
    if not u.has("schedule_change"):
        return
    today = date.fromisoformat(state.today) if state.today else date.today()
    end = schedule_end(u.slots.period, today)
    days = u.slots.days_per_week
    # "This week only 2 days": the count rides with the note, so the week's plan follows it.
    counted = {"days_per_week": days} if days is not None else {}
    out.add("add_note", kind="schedule", text=u.text[:500], until=end.isoformat(), **counted)


_FORGET_FILLER = cached_compile(
    r"\b(?:please|the|my|that|i|what|wat|said|told|you|about|bout|of|earlier|old|note|"
    r"dislike|disliking|hate|hating|don't like|dont like|do not like|not liking|thing|"
    r"preference|for|me)\b"
)


def forget_target(text: str) -> str:
    """What a "forget ..." message points at: "forget that I hate lunges" -> "lunges".

    The words after "forget", up to the end of that clause, without filler; the note
    search (memory) matches them against subjects and note text.
    """
    after = re.split(r"\bforget\b", text.lower(), maxsplit=1)[-1]
    clause = re.split(r"[,.;!?]|\b(?:i've|ive|i have|they're|theyre|now)\b", after)[0]
    words = " ".join(_FORGET_FILLER.sub(" ", clause.replace("’", "'")).split())
    return words or text.strip(" .!?")


_CLAUSE = cached_compile(r"[,.;:!?]|\b(?:but|and|though|although|while|just)\b")
_STILL_SORE = cached_compile(
    r"(?<!\bnot )(?<!n't )(?<!longer )\b(?:sore|stiff|tight|achy|tender|niggly|cranky|twingy|"
    r"swollen|bruised|grumbly|grumpy|dodgy)\b"
)


def still_sore_areas(text: str) -> set[str]:
    """Areas a clause of ``text`` still calls sore ("knee's good, just a stiff neck": neck)."""
    return {
        area
        for clause in _CLAUSE.split(text.lower().replace("’", "'"))
        if _STILL_SORE.search(clause)
        for area in slot_parsers.find_body_parts(clause)
    }


def _notes(u: Understanding, out: CallBuilder) -> None:
    if u.has("constraint_resolved"):
        # Good news about one area is no news about another the same message calls sore.
        sore = still_sore_areas(u.text)
        for area in u.slots.body_parts:
            if area not in sore:
                out.add("resolve_constraint", area=area)
    if u.has("forget_note"):
        out.add("forget_note", target=forget_target(u.text))
    if u.has("add_note") and not u.has("forget_note", "day_plan"):
        out.add("add_note", kind="preference", text=u.text[:500])
    if u.has("dislike") and not u.has("forget_note") and u.slots.exercise:
        out.add("add_note", kind="dislike", subject=u.slots.exercise, text=u.text[:500])
    if u.has("barrier"):
        out.add("add_note", kind="barrier", text=u.text[:500])
    if u.has("day_plan"):
        out.add("add_note", kind="preference", subject=DAY_PLAN_SUBJECT, text=u.text[:500])


def _advice(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    """Advice from a professional, kept as said (see advice.py).

    A restriction becomes a constraint note per area it names (the planner leaves their
    exercises out), ending on the day said; with no area named ("keep my heart rate under
    140") it is one note without a subject. A go-ahead lifts the areas it names. Other
    advice is kept as a note.
    """
    if u.advice is None:
        return
    text = u.text[:500]
    if u.advice.kind == "clearance":
        for area in u.advice.areas:
            out.add("resolve_constraint", area=area)
        return
    if u.advice.kind == "advice":
        out.add("add_note", kind="preference", text=text)
        return
    if u.advice.kind == "no_training":
        # No training at all until they are cleared: kept as said; no session is offered.
        out.add("add_note", kind="constraint", text=text)
        return
    until = (
        {"until": schedule_end(u.slots.period, _today(state)).isoformat()}
        if u.slots.period is not None
        else {}
    )
    subjects: tuple[str | None, ...] = u.advice.areas or (None,)
    for subject in subjects:
        out.add("add_note", kind="constraint", subject=subject, text=text, **until)


def _event(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    """A date ahead is noted until its day (see events.py)."""
    if not u.has("event"):
        return
    event = events.read(u.text, _today(state))
    if event is not None:
        out.add(
            "add_note",
            kind="preference",
            subject=event.name,
            text=u.text[:500],
            until=event.day.isoformat(),
        )


def _soreness_note(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    """A sore area with no session to adapt is remembered as a constraint."""
    if (
        not u.has("body_update")
        or u.has("plan_today", "readiness", "constraint_resolved")
        or state.plan_exists
    ):
        return
    for area in u.slots.body_parts:
        out.add("add_note", kind="constraint", subject=area, text=u.text[:500])


def _today(state: DialogueState) -> date:
    return date.fromisoformat(state.today) if state.today else date.today()


def situation_of(u: Understanding, state: DialogueState) -> situation_reader.Reading:
    """What the message says about the person's situation, read in their units and day."""
    if not u.has("situation", "trainer_invite"):
        return situation_reader.Reading()
    return u.situation(state.units, _today(state))


def _situation(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    """Today-only and few-days facts: an item taken, a stay somewhere; an invite code."""
    reading = situation_of(u, state)
    if reading.invite is not None:
        out.add("accept_trainer_invite", code=reading.invite)
    if reading.unavailable:
        out.add("equipment_unavailable", items=reading.unavailable)
    if reading.stay is not None:
        stay = reading.stay
        out.add(
            "temporary_place",
            place=stay.place,
            days=stay.days,
            equipment=stay.equipment,
            max_dumbbell_kg=stay.max_dumbbell_kg,
            minutes=u.slots.minutes,
        )


_SITUATION_PLANS = ("equipment_unavailable", "temporary_place")
"""Situation tools that also return today's session."""


_STEPS: tuple[Callable[[Understanding, DialogueState, CallBuilder], None], ...] = (
    lambda u, st, out: _notes(u, out),
    _advice,
    _event,
    _situation,
    _soreness_note,
    _log,
    lambda u, st, out: _feedback(u, out),
    _difficulty,
    _plan_or_adapt,
    _questions,
    _records,
    _schedule,
)


def first_round(
    u: Understanding, state: DialogueState, tools: list[dict[str, Any]]
) -> list[ToolCall]:
    """The calls a new user message asks for (possibly none)."""
    out = CallBuilder(tools)
    reading = situation_of(u, state)
    said_outright = u.has("profile_change") or bool(u.answered)
    # Slot readings (kit, minutes) are saved only when the person means a profile change;
    # a fact about their situation saves that fact alone.
    changes = _profile_changes(u, state) if said_outright else {}
    if reading.stay is not None:
        changes.pop("equipment", None)  # a stay has its own kit; the usual one stays
    if reading.kit is not None:
        changes["equipment"] = reading.kit
    changes.update(reading.save)
    standing = bool(reading.save) or reading.kit is not None
    if changes and (said_outright or standing):
        out.add("update_profile", **changes)
    for step in _STEPS:
        step(u, state, out)
    if state.plan_locked:
        # An open stop-tier flag: no session changes are even asked for (see replies).
        out.calls = [c for c in out.calls if c.name not in PLAN_TOOLS]
    if u.has("equipment_added") and u.slots.equipment.available and not out.calls:
        # The profile holds the full list: read it, then add to it (see follow_up).
        out.add("get_profile")
    if u.has("profile_show") and not any(c.name == "update_profile" for c in out.calls):
        out.add("get_profile")
    elif not out.calls and u.has("greeting", "profile_change"):
        out.add("get_profile")
    return out.calls


def _equipment_follow_up(
    u: Understanding, state: DialogueState, out: CallBuilder
) -> list[ToolCall]:
    """After get_profile for "I bought a kettlebell": save the list with the new item."""
    read = next((r for r in state.results if r.name == "get_profile" and r.ok), None)
    if read is None or not u.has("equipment_added") or state.called("update_profile"):
        return []
    profile = read.result.get("profile", {}) if isinstance(read.result, dict) else {}
    current = [str(e) for e in profile.get("equipment") or []]
    merged = current + [e for e in u.slots.equipment.available if e not in current]
    if merged != current:
        out.add("update_profile", equipment=merged)
    return out.calls


def follow_up(
    u: Understanding, state: DialogueState, tools: list[dict[str, Any]]
) -> list[ToolCall]:
    """Calls to make after the first round's results: plan once intake is complete enough."""
    out = CallBuilder(tools)
    added = _equipment_follow_up(u, state, out)
    if added:
        return added
    profile_update = next((r for r in state.results if r.name == "update_profile" and r.ok), None)
    if profile_update is None or state.plan_exists or state.called("plan_today"):
        return []
    if state.rounds > 1 or len(state.results) != 1:
        return []
    result = profile_update.result
    profile = result.get("profile", {}) if isinstance(result, dict) else {}
    ready = (
        profile.get("goal")
        and profile.get("equipment") is not None
        and profile.get("session_minutes")
    )
    if ready and not state.plan_locked:
        out.add("plan_today")
    return out.calls
