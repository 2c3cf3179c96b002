"""The consultation's questions and how an answer is read: pure functions, no database.

Any model can drive the consultation through the tools; this module is what they share:
the questions in asking order (``data/consultation.yaml`` plus the PAR-Q+ from
``safety/data/parq.yaml``), :func:`parse_answer` (one answer to one question, with the
other questions the same words also answer, e.g. "3 days, 45 minutes"), and
:func:`draft_goal` (a specific, time-bound goal from the person's own words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent.datafiles import parse_yaml
from agent.regexes import cached_compile
from safety import parq

DATA_DIR = Path(__file__).parent / "data"

DEFAULT_GOAL_WEEKS = 12
"""When the person gives no date, the drafted goal says 12 weeks out, and says so."""


@dataclass(frozen=True)
class Question:
    """One consultation question."""

    id: str
    kind: str
    section: str
    label: str
    text: str


@lru_cache(maxsize=1)
def questions() -> tuple[Question, ...]:
    """Every question, in asking order (the PAR-Q+ seven where the data file places them)."""
    raw = parse_yaml((DATA_DIR / "consultation.yaml").read_text(encoding="utf-8"))
    found: list[Question] = []
    for item in raw["questions"]:
        if item.get("parq"):
            found.extend(
                Question(q.id, "yesno", item["section"], f"PAR-Q+: {q.topic}", q.text)
                for q in parq.questions()
            )
            continue
        text = " ".join(str(item["text"]).split())
        found.append(Question(item["id"], item["kind"], item["section"], item["label"], text))
    return tuple(found)


def question(question_id: str) -> Question:
    """The question with this id.

    Raises:
        KeyError: No such question.
    """
    for item in questions():
        if item.id == question_id:
            return item
    raise KeyError(question_id)


def question_ids() -> list[str]:
    """Every question id, in asking order."""
    return [q.id for q in questions()]


# -- reading answers ------------------------------------------------------------------

_NUMBER_WORDS = {
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
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "forty five": 45,
    "thirty-five": 35,
    "thirty five": 35,
    "twenty-five": 25,
    "twenty five": 25,
    "once": 1,
    "twice": 2,
    "thrice": 3,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
}
_NUMBER = (
    r"(\d+(?:[.,]\d+)?|\b(?:"
    + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len)[::-1])
    + r")\b)"
)

_YES = cached_compile(
    r"^\s*(?:y|ya|yes+|yeah|yep|yup|sure|ok(?:ay)?|correct|right|i do|i have|definitely|"
    r"of course|absolutely|sounds (?:good|great|right)|that works|works for me|perfect|"
    r"let'?s do it|go for it)\b",
    re.IGNORECASE,
)
_NO = cached_compile(
    r"^\s*(?:n|no+|nope|nah|never|none|not really|i don'?t|i do not|i haven'?t|negative)\b",
    re.IGNORECASE,
)
_LATER = cached_compile(r"\b(?:later|not now|another time|next time|maybe)\b", re.IGNORECASE)
_SKIP = cached_compile(r"^\s*(?:skip|pass|prefer not|rather not|n/?a)\b", re.IGNORECASE)
_NONE_TEXT = cached_compile(
    r"^\s*(?:none|nothing|no|nope|nah|n/?a|not really|all good|nothing really)\W*$", re.I
)


def number(text: str) -> float | None:
    """The first number in ``text``, in digits or words ("three", "a couple of")."""
    found = re.search(_NUMBER, text.lower())
    if not found:
        return None
    token = found.group(1)
    if token in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[token])
    return float(token.replace(",", "."))


def yes_no(text: str) -> bool | None:
    """True for yes, False for no, None when the answer says neither."""
    if _NO.search(text):
        return False
    if _YES.search(text):
        return True
    return None


_WEEKDAYS = cached_compile(
    r"\b(mon|tue|wed|thu|fri|sat|sun)(?:s|r|rs|day|sday|nesday|rsday|urday)?s?\b",
    re.IGNORECASE,
)


def _days(text: str) -> int | None:
    low = text.lower()
    if re.search(r"\bevery ?day\b|\bdaily\b", low):
        return 7
    named = {m.group(1) for m in _WEEKDAYS.finditer(low)}
    if len(named) >= 2 and not re.search(r"\d", low):
        return len(named)  # "mon, wed and fri"
    times = re.search(r"\b(?:once|twice|thrice)\b", low)
    if times:
        return _NUMBER_WORDS[times.group(0)]
    found = re.search(_NUMBER + r"\s*(?:days?|x|times|sessions?)\b", low)
    value = number(found.group(0)) if found else None
    if value is None and re.fullmatch(r"\s*" + _NUMBER + r"\s*", low):
        value = number(low)
    if value is None or not 1 <= value <= 7 or value != int(value):
        return None
    return int(value)


def _minutes(text: str) -> int | None:
    low = text.lower()
    if re.search(r"\bhour and a half\b|\b1\.5 ?h", low):
        return 90
    if re.search(r"\bhalf an? hour\b", low):
        return 30
    if re.search(r"\ban hour\b|\bone hour\b|\b1 ?h(?:ou)?r\b", low):
        return 60
    found = re.search(_NUMBER + r"\s*(?:-\s*\d+\s*)?(?:min|mins|minutes|m)\b", low)
    value = number(found.group(0)) if found else None
    if value is None and re.fullmatch(r"\s*" + _NUMBER + r"\s*", low):
        value = number(low)
    if value is None or not 5 <= value <= 180:
        return None
    return int(value)


def _age(text: str) -> int | None:
    value = number(text)
    if value is None or value != int(value) or not 13 <= value <= 100:
        return None
    return int(value)


def _sex(text: str) -> str | None:
    low = text.lower()
    if _SKIP.search(low) or re.search(
        r"\bskip\b|\bneither\b|\bother\b|\b(?:rather|prefer) not\b", low
    ):
        return "unspecified"
    if re.search(r"\b(?:female|woman|women|f|lady|girl)\b|women'?s", low):
        return "female"
    if re.search(r"\b(?:male|man|men|m|guy|boy)\b|men'?s", low):
        return "male"
    return None


def _choice(text: str) -> str | None:
    if _LATER.search(text):
        return "later"
    answer = yes_no(text)
    if answer is None:
        return None
    return "yes" if answer else "no"


_EQUIPMENT_SPLIT = cached_compile(r",|;|\band\b|\bplus\b|&|/")
_EQUIPMENT_FILLER = cached_compile(
    r"^(?:(?:i have|i've got|got|a pair of|a set of|a|an|some|two)\s+)+"
)


def _equipment(text: str) -> list[str] | None:
    if _NONE_TEXT.search(text) or re.search(r"\bno equipment\b|\bjust (?:my )?body", text, re.I):
        return []
    items = [" ".join(part.split()).strip(" .") for part in _EQUIPMENT_SPLIT.split(text.lower())]
    items = [_EQUIPMENT_FILLER.sub("", i) for i in items]
    found = [i for i in items if i]
    return found or None


def goal_category(text: str) -> str | None:
    """The planner's goal category the words point to, or None."""
    low = text.lower()
    for category, patterns in _goal_words().items():
        if any(re.search(p, low) for p in patterns):
            return category
    return None


@lru_cache(maxsize=1)
def _goal_words() -> dict[str, list[str]]:
    raw = parse_yaml((DATA_DIR / "goal_words.yaml").read_text(encoding="utf-8"))
    return {str(k): [str(p) for p in v] for k, v in raw["categories"].items()}


def training_level(text: str) -> str | None:
    """A training level when the history says one plainly, else None."""
    low = text.lower()
    if re.search(r"\b(?:compet\w*|coach(?:ed|ing)? others|advanced|(?:[5-9]|\d\d)\+? years)", low):
        return "advanced"
    if re.search(
        r"\b(?:never|nothing|none|not much|new to|beginner|first time|haven'?t|no experience|"
        r"years ago|long time ago|a while ago|long break)\b",
        low,
    ):
        return "beginner"
    if re.search(
        r"\b(?:years?|regularly|consistent\w*|intermediate|lifting for|\d+ months|"
        r"train(?:ing)? (?:for|since))\b",
        low,
    ):
        return "intermediate"
    return None


_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def target_date(text: str, today: date) -> date | None:
    """The date a goal phrase names ("in 12 weeks", "by June", "by 2027-03-01"), or None."""
    low = text.lower()
    iso = re.search(r"\b(20\d\d)-(\d\d)-(\d\d)\b", low)
    if iso:
        try:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    span = re.search(_NUMBER + r"\s*(day|week|month|year)s?\b", low)
    if span:
        amount = number(span.group(1)) or 0
        return today + timedelta(days=round(amount * _UNIT_DAYS[span.group(2)]))
    if re.search(r"\bnext year\b", low):
        return date(today.year + 1, today.month, min(today.day, 28))
    for named in re.finditer(r"\b(?:by|before|for|until|in|this|next)\s+(?:the\s+)?([a-z]+)", low):
        word = named.group(1)
        month = _MONTHS.get(word) or _SEASONS.get(word)
        if month:
            year = today.year if month > today.month else today.year + 1
            return date(year, month, 1)
    return None


class GoalTarget(BaseModel):
    """What the person will be able to do or show, read from their words."""

    value: float | None = Field(default=None, description="The number, if any.")
    unit: str | None = Field(default=None, description="What the number counts.")
    measure: str | None = Field(default=None, description="How it will be measured.")
    test_id: str | None = Field(default=None, description="The assessment that measures it.")
    by: date | None = Field(default=None, description="The date named, if any.")


_MEASURES: list[tuple[str, str, str, str | None]] = [
    # pattern, unit, how it is measured, the assessment whose result is the goal's number
    (r"push[- ]?ups?", "push-ups", "the push-up test", "pushup"),
    (r"plank", "seconds of plank", "the forearm plank test", "plank"),
    (r"(?:chair stands?|sit to stand)", "chair stands", "the chair stand", "chair_stand"),
    (
        r"\bk(?:m|ilometre|ilometer)s?\b|\b\d+ ?k\b|\bmiles?\b|\brun\b",
        "km",
        "a timed walk or run",
        None,
    ),
    (r"waist|inch(?:es)? off|cm off|dress size", "cm off the waist", "waist circumference", None),
    (
        r"\b(?:kg|kilos?|lbs?|pounds?|stone)\b",
        "kg",
        "logged sets (estimated 1RM) or the scale",
        None,
    ),
    (
        r"touch (?:my )?toes|flexib|sit[- ]and[- ]reach",
        "cm of reach",
        "the sit-and-reach test",
        "sit_and_reach",
    ),
]
_DISTANCE = cached_compile(r"(\d+(?:\.\d+)?)\s*(km|k|kilomet(?:re|er)s?|miles?|mi)\b")


def read_target(text: str, today: date) -> GoalTarget:
    """The measure, number and date in a goal phrase (any of them may be missing)."""
    low = text.lower()
    target = GoalTarget(by=target_date(text, today))
    for pattern, unit, measure, test_id in _MEASURES:
        if re.search(pattern, low):
            target.unit, target.measure, target.test_id = unit, measure, test_id
            break
    if "lose" in low and target.unit == "kg":
        target.measure = "bodyweight on the scale, same time of day"
    value_text = re.sub(
        r"\b(?:in|within|by)\s+" + _NUMBER + r"\s*(?:day|week|month|year)s?\b", "", low
    )
    value_text = re.sub(r"\b20\d\d-\d\d-\d\d\b", "", value_text)
    target.value = number(value_text)
    distance = _DISTANCE.search(value_text)
    if target.unit == "km" and distance:
        target.value = float(distance.group(1))
        target.unit = "miles" if distance.group(2).startswith("mi") else "km"
    if target.value is not None and target.value == int(target.value):
        target.value = float(int(target.value))
    return target


class SmartGoal(BaseModel):
    """A specific, measurable, time-bound goal drafted from the person's words."""

    what: str = Field(description="The goal in the person's words.")
    category: str | None = Field(default=None, description="Planner goal category, if clear.")
    target: GoalTarget = Field(description="Measure, number and date.")
    by: date = Field(description="The date it is due.")
    date_assumed: bool = Field(description="True when the person named no date.")
    text: str = Field(description="One sentence the person agrees to.")


def draft_goal(goal_words: str, target_words: str, today: date) -> SmartGoal:
    """A specific, time-bound goal from the person's goal and target answers.

    The person's words stay the "what"; the number, measure and date come from the
    target answer (or the goal answer when it already named them). With no date the
    draft says 12 weeks from today and flags it, so the person can change it.
    """
    target = read_target(target_words, today)
    from_goal = read_target(goal_words, today)
    for name in ("value", "unit", "measure", "test_id", "by"):
        if getattr(target, name) is None:
            setattr(target, name, getattr(from_goal, name))
    assumed = target.by is None
    by = target.by or today + timedelta(weeks=DEFAULT_GOAL_WEEKS)
    what = " ".join(goal_words.split()).rstrip(".")
    parts = [what[:1].upper() + what[1:]]
    if target.value is not None and target.unit:
        parts.append(f"target: {_fmt(target.value)} {target.unit}")
    elif target_words.strip():
        parts.append(f"target: {' '.join(target_words.split()).rstrip('.')}")
    parts.append(f"by {by.isoformat()}" + (" (12 weeks from now)" if assumed else ""))
    if target.measure:
        parts.append(f"measured by {target.measure}")
    return SmartGoal(
        what=what,
        category=goal_category(goal_words) or goal_category(target_words),
        target=target,
        by=by,
        date_assumed=assumed,
        text="; ".join(parts) + ".",
    )


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


@dataclass
class Parsed:
    """What an answer to one question gave: its value and what else it answered."""

    value: Any = None
    ok: bool = False
    also: dict[str, Any] = field(default_factory=dict)
    """Other questions the same words answer (e.g. minutes said with days)."""


def parse_answer(question_id: str, text: str, today: date) -> Parsed:  # noqa: C901
    """Read ``text`` as the answer to ``question_id``; ``ok`` False when it does not fit.

    Free-text questions take any non-empty words; structured ones (days, minutes, age,
    yes/no) need the value in the words, otherwise the question is asked again.

    Raises:
        KeyError: Unknown question id.
    """
    kind = question(question_id).kind
    words = " ".join(text.split())
    if not words:
        return Parsed()
    bare = words.rstrip("?!.,; ")  # "3?" and "45." still say a number
    result = Parsed()
    if kind in {"text", "goal", "target"}:
        result = Parsed(words, True)
    elif kind == "history":
        result = Parsed(words, True)
        level = training_level(words)
        if level:
            result.also["level"] = level
    elif kind == "agree":
        answer = yes_no(words)
        if answer is True:
            result = Parsed(True, True)
        elif answer is False and len(words.split()) <= 3:
            result = Parsed(False, True)
        else:
            # Anything else is a correction of the target: it becomes the new target.
            result = Parsed(False, True, {"goal_target": words})
    elif kind == "days":
        days = _days(bare)
        result = Parsed(days, days is not None)
        minutes = _minutes(bare) if days is not None else None
        if minutes is not None and not re.fullmatch(r"\s*" + _NUMBER + r"\s*", bare.lower()):
            result.also["session_minutes"] = minutes
    elif kind == "minutes":
        minutes = _minutes(bare)
        result = Parsed(minutes, minutes is not None)
    elif kind == "equipment":
        items = _equipment(words)
        result = Parsed(items, items is not None)
    elif kind == "age":
        age = _age(bare)
        result = Parsed(age, age is not None)
    elif kind == "sex":
        sex = _sex(words)
        result = Parsed(sex, sex is not None)
    elif kind == "yesno":
        answer = yes_no(words)
        result = Parsed(answer, answer is not None)
    elif kind == "choice":
        choice = _choice(words)
        result = Parsed(choice, choice is not None)
    return result


def none_said(text: str) -> bool:
    """Whether a free-text answer says "none" / "nothing"."""
    return bool(_NONE_TEXT.search(text))
