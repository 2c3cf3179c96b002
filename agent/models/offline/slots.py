"""Slot extractors: numbers, durations, days, set notation, loads, equipment, body parts, effort.

Reusable by any part of the coach that reads free text (the offline model, the live
session). Every function takes raw text, never raises on any input, and returns typed
values or ``None`` / empty results. Vocabulary lives in ``data/lexicon.yaml``; only the
shapes of notation (``3x8``, ``8 at 22.5``) are patterns here.

>>> find_minutes("only got twenty")
20
>>> find_sets("3x8 goblet squats at 20 kg, RPE 7")[0].load
Load(value=20.0, unit='kg')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from agent.planning.minutes import MAX_MINUTES, MIN_MINUTES

DATA_DIR = Path(__file__).parent / "data"

_NUM = r"\d+(?:\.\d+)?"


@cache
def lexicon() -> dict[str, Any]:
    """The vocabulary file, loaded once."""
    with (DATA_DIR / "lexicon.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def _alternation(phrases: list[str]) -> str:
    ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
    return "|".join(re.escape(p) for p in ordered)


def _phrase_regex(phrases: list[str], *, hyphen_joins: bool = True) -> re.Pattern[str]:
    # Hyphens join words ("pull-up", "no-equipment") except in number words ("twenty-five").
    edge = r"\w-" if hyphen_joins else r"\w"
    return re.compile(rf"(?<![{edge}])(?:{_alternation(phrases)})(?![{edge}])")


@cache
def _list_regex(name: str) -> re.Pattern[str]:
    """The phrase regex for a plain list in the lexicon (``no_equipment``, ``full_gym``)."""
    return _phrase_regex([str(p) for p in lexicon()[name]])


@cache
def _table(name: str) -> list[tuple[str, re.Pattern[str]]]:
    """Canonical value -> compiled phrase regex, for a ``name: {value: [phrases]}`` table."""
    return [(str(key), _phrase_regex(list(v))) for key, v in lexicon()[name].items()]


@cache
def _word_map(name: str) -> tuple[re.Pattern[str], dict[str, str]]:
    mapping = {str(k).lower(): str(v) for k, v in lexicon()[name].items()}
    return _phrase_regex(list(mapping), hyphen_joins=False), mapping


_TENS_UNITS = re.compile(r"\b(20|30|40|50|60|70|80|90)[\s-]([1-9])\b(?!\.\d)")


def normalize(text: str) -> str:
    """Lower-case ``text`` and turn number words and duration phrases into digits.

    "twenty-five" -> "25", "half an hour" -> "30 minutes", "twice" -> "2 times".
    """
    lowered = " ".join(str(text).lower().replace("’", "'").split())
    pattern, durations = _word_map("duration_phrases")
    lowered = pattern.sub(lambda m: f"{durations[m.group(0)]} minutes", lowered)
    pattern, rewrites = _word_map("rewrites")
    lowered = pattern.sub(lambda m: rewrites[m.group(0)], lowered)
    pattern, numbers = _word_map("number_words")
    lowered = pattern.sub(lambda m: numbers[m.group(0)], lowered)
    # Only word-built pairs reach this shape ("20 5" from "twenty five").
    return _TENS_UNITS.sub(lambda m: str(int(m.group(1)) + int(m.group(2))), lowered)


def _number(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


# --- durations and schedule -----------------------------------------------------------

_MINUTES = re.compile(
    rf"(?:({_NUM})\s*-?\s*(?:hours?|hrs?|h)\b(?:\s*(?:and\s*)?(\d+)\s*(?:minutes?|mins?|m)\b)?)"
    rf"|(?:({_NUM})\s*-?\s*(?:minutes?|mins?|min|m)\b)"
)
_BARE_MINUTES = re.compile(
    r"\b(?:only\s+|just\s+)?(?:got|have|had|left|give\s+me|about|around)\s+(?:about\s+|around\s+|"
    r"maybe\s+|like\s+)?(\d{1,3})\b(?!\s*(?:x\b|×|days?|times|sets?|reps?|kg|kgs|kilos?|lbs?|"
    r"pounds?|%|/|\.\d|sessions?|weeks?|years?|months?|dumbbells?|kettlebells?|bands?))"
)


def find_minutes(text: str) -> int | None:
    """Minutes named in ``text``: "12 min", "twelve minutes", "an hour", "only got 20".

    Returns:
        Whole minutes (rounded), or ``None`` when no duration is named.
    """
    normal = normalize(text)
    match = _MINUTES.search(normal)
    if match:
        hours, extra, minutes = match.groups()
        if hours is not None:
            value = (_number(hours) or 0.0) * 60 + (int(extra) if extra else 0)
        else:
            value = _number(minutes or "") or 0.0
        return round(value)
    bare = _BARE_MINUTES.search(normal)
    if bare:
        value = int(bare.group(1))
        # "got 3" is rarely minutes; a session is at least a few minutes long.
        return value if MIN_MINUTES <= value <= MAX_MINUTES else None
    return None


_DAYS = re.compile(
    r"\b(\d{1,2})\s*(?:days?|x|times|sessions?|workouts?)\s*(?:a|per|each|every|/|in\s+a)\s*"
    r"(?:week|wk)\b"
)
_DAYS_LOOSE = re.compile(r"(?<!last )(?<!past )\b(\d)\s*days?\b(?!\s*ago)")


def find_days_per_week(text: str) -> int | None:
    """Training days per week: "3 days a week", "three times a week", "twice a week"."""
    normal = normalize(text)
    match = _DAYS.search(normal) or _DAYS_LOOSE.search(normal)
    if not match:
        return None
    value = int(match.group(1))
    return value if 1 <= value <= 7 else None


# --- loads, sets, effort ---------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """A weight with its unit (``None`` when the person gave a bare number)."""

    value: float
    unit: str | None


@dataclass(frozen=True)
class Effort:
    """How hard a set felt: RPE (1-10) and/or reps in reserve."""

    rpe: float | None = None
    rir: int | None = None


@dataclass(frozen=True)
class SetEntry:
    """Logged work: ``sets`` x ``reps`` of ``exercise`` at ``load``, with its effort."""

    sets: int
    reps: int
    exercise: str | None = None
    load: Load | None = None
    effort: Effort | None = None


@lru_cache(maxsize=1)
def _unit_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    units: dict[str, str] = {str(k): str(v) for k, v in lexicon()["load_units"].items()}
    return re.compile(rf"({_NUM})\s*({_alternation(list(units))})\b"), units


_BARE_LOAD = re.compile(rf"(?:\bat|@|\bwith|\busing)\s*({_NUM})\b(?!\s*(?:x|×|reps?|sets?))")


def find_load(text: str) -> Load | None:
    """The first load in ``text``: "20 kg", "50 lbs", "22.5 kilos", "at 22.5"."""
    normal = normalize(text)
    pattern, units = _unit_regex()
    match = pattern.search(normal)
    if match:
        value = _number(match.group(1))
        return Load(value, units[match.group(2)]) if value is not None else None
    bare = _BARE_LOAD.search(normal)
    if bare:
        value = _number(bare.group(1))
        return Load(value, None) if value is not None else None
    return None


_RPE = re.compile(rf"\brpe\s*(?:of|was|:|=|at|@)?\s*({_NUM})")
_RIR = re.compile(
    r"(\d)\s*(?:more\s*)?(?:reps?\s*)?(?:left\s*in\s*(?:the\s*)?tank|in\s*reserve|rir\b|left\b)"
    r"|\brir\s*(?:of|:|=)?\s*(\d)"
    r"|could\s*(?:have|'ve)\s*(?:done|gotten|got|managed)\s*(\d)\s*more"
)


def find_effort(text: str) -> Effort | None:
    """Effort: "RPE 7", "rpe of 8.5", "2 left in the tank", "RIR 1", "could have done 3 more"."""
    normal = normalize(text)
    rpe: float | None = None
    rir: int | None = None
    match = _RPE.search(normal)
    if match:
        value = _number(match.group(1))
        if value is not None and 1 <= value <= 10:
            rpe = value
    reserve = _RIR.search(normal)
    if reserve:
        digits = next(g for g in reserve.groups() if g is not None)
        rir = int(digits)
    if rpe is None and rir is None:
        return None
    return Effort(rpe=rpe, rir=rir)


_SETS_X_REPS = re.compile(r"\b(\d{1,2})\s*(?:x|×|\*)\s*(\d{1,3})\b")
_SETS_OF = re.compile(r"\b(\d{1,2})\s*sets?\s*(?:of|x)\s*(\d{1,3})\b(?:\s*reps?)?")
_SINGLE = re.compile(rf"\b(\d{{1,3}})\s*(?:reps?\s*)?(?:at|@|with|of)\s*(?={_NUM})")
_SINGLE_NAMED = re.compile(
    rf"\b(\d{{1,3}})\s+(?!sets?\b|reps?\b|x\b|times\b)([a-z][a-z -]{{1,30}}?)\s+(?:at|@|with)\s*"
    rf"(?={_NUM})"
)
_CLAUSE = re.compile(r",|;|\bthen\b|\balso\b|\band\b(?=\s*\d)|\.(?!\d)")
_FILLER = re.compile(
    r"\b(?:i|i've|ive|did|done|just|finished|completed|logged|log|my|of|sets?|reps?|at|with|"
    r"using|for|the|a|some|today|and|each|per|side|got|made|was|were|it|felt|rpe|rir|x|kg|kgs|"
    r"kilos?|lbs?|pounds?|about|around)\b|@|\d+(?:\.\d+)?"
)


def _exercise_words(clause: str) -> str | None:
    # Names are words: quotes, brackets and other symbols never belong to one.
    letters = re.sub(r"[^a-z0-9\s-]", " ", _FILLER.sub(" ", clause))
    words = " ".join(letters.split()).strip(" -:")
    return words or None


def _parse_clause(clause: str) -> SetEntry | None:
    match = _SETS_X_REPS.search(clause) or _SETS_OF.search(clause)
    if match:
        sets, reps = int(match.group(1)), int(match.group(2))
    else:
        single = _SINGLE.search(clause)
        if not single or find_load(clause[single.start() :]) is None:
            return _parse_named_single(clause)
        match, sets, reps = single, 1, int(single.group(1))
    if sets < 1 or reps < 1:
        return None
    rest = clause[: match.start()] + " " + clause[match.end() :]
    load = find_load(clause[match.end() :]) or find_load(clause)
    pattern, _ = _unit_regex()
    stripped = _RPE.sub(" ", pattern.sub(" ", rest))
    return SetEntry(
        sets=sets,
        reps=reps,
        exercise=_exercise_words(stripped),
        load=load,
        effort=find_effort(clause),
    )


def _parse_named_single(clause: str) -> SetEntry | None:
    """One set with the exercise inside the notation: "5 deadlifts at 100 kg"."""
    match = _SINGLE_NAMED.search(clause)
    if not match or int(match.group(1)) < 1:
        return None
    load = find_load(clause[match.end() - 1 :])
    if load is None:
        return None
    return SetEntry(
        sets=1,
        reps=int(match.group(1)),
        exercise=_exercise_words(match.group(2)),
        load=load,
        effort=find_effort(clause),
    )


def find_sets(text: str) -> list[SetEntry]:
    """Logged sets: "3x8 goblet squats at 20 kg, RPE 7", "3 sets of 8", "8 reps with 50 lb".

    An effort given in its own clause ("..., RPE 7") belongs to the entry before it.
    """
    entries: list[SetEntry] = []
    for clause in _CLAUSE.split(normalize(text)):
        entry = _parse_clause(clause)
        if entry is not None:
            entries.append(entry)
            continue
        effort = find_effort(clause)
        if effort is not None and entries and entries[-1].effort is None:
            last = entries[-1]
            entries[-1] = SetEntry(last.sets, last.reps, last.exercise, last.load, effort)
    return entries


# --- vocabulary slots ------------------------------------------------------------------


@dataclass(frozen=True)
class EquipmentMention:
    """Equipment named in a message: what is available, what is missing, or nothing at all."""

    available: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    nothing: bool = False
    """The person said they have no equipment at all (bodyweight only)."""

    @property
    def mentioned(self) -> bool:
        """Whether the message said anything about equipment."""
        return bool(self.available or self.missing or self.nothing)


_NEGATION = re.compile(
    r"(?:\bno|\bnot|n't|\bwithout|\blost|\bmissing|\bbroken|\bbusy|\bno access to|\bout of)"
    r"(?:\s+\w+){0,3}\s*$"
)
_NOTHING_CONTEXT = re.compile(r"equipment|weights|gear|kit|have|got|use|only|just|body")


_UNAVAILABLE_AFTER = re.compile(
    r"^\s*(?:is|are|was|were|'s)\s+(?:taken|busy|broken|occupied|in use|gone|missing|"
    r"not available|unavailable|out of order)"
)
_SETUP_UNAVAILABLE = re.compile(r"closed|shut|can't|cannot|not|\bno\b|away|without|travel")
SHARED_VOCABULARY = Path(__file__).resolve().parents[2] / "planning" / "data" / "vocabulary.yaml"
"""The planner's vocabulary file; its equipment synonyms are merged into ours when present."""


@cache
def _equipment_phrases() -> dict[str, tuple[str, ...]]:
    phrases: dict[str, tuple[str, ...]] = {}
    for canonical, words in lexicon()["equipment"].items():
        for word in words:
            phrases[str(word).lower()] = (str(canonical),)
    for phrase, items in lexicon()["equipment_setups"].items():
        phrases[str(phrase).lower()] = tuple(str(i) for i in items)
    if SHARED_VOCABULARY.is_file():
        with SHARED_VOCABULARY.open(encoding="utf-8") as handle:
            shared = yaml.safe_load(handle) or {}
        bodyweight = str(lexicon()["bodyweight_word"])
        for phrase, items in (shared.get("equipment_synonyms") or {}).items():
            words = tuple(str(i) for i in items or [])
            # "home" or "floor" alone say where, not what; "nothing" is handled apart.
            if words and words != (bodyweight,):
                phrases.setdefault(str(phrase).lower(), words)
    return phrases


@cache
def _equipment_regex() -> re.Pattern[str]:
    return _phrase_regex(list(_equipment_phrases()))


def _add(target: list[str], items: tuple[str, ...]) -> None:
    for item in items:
        if item not in target:
            target.append(item)


def find_equipment(text: str, *, answering: bool = False) -> EquipmentMention:
    """Equipment: "DBs", "a pair of dumbbells and a bench", "no equipment", "bands", "no bench".

    Args:
        text: The message.
        answering: The message answers "what equipment do you have?", so a bare
            "nothing" or "none" means bodyweight only.
    """
    normal = " ".join(str(text).lower().replace("’", "'").split())
    available: list[str] = []
    missing: list[str] = []
    nothing = bool(_list_regex("no_equipment").search(normal)) and (
        answering or bool(_NOTHING_CONTEXT.search(normal))
    )
    phrases = _equipment_phrases()
    for match in _equipment_regex().finditer(normal):
        items = phrases[match.group(0)]
        before = normal[max(0, match.start() - 40) : match.start()]
        if len(items) > 2:
            # A whole set-up ("the gym") counts unless said to be unavailable.
            window = normal[max(0, match.start() - 25) : match.end() + 25]
            if not _SETUP_UNAVAILABLE.search(window):
                _add(available, items)
        else:
            after = normal[match.end() : match.end() + 30]
            gone = _NEGATION.search(before) or _UNAVAILABLE_AFTER.search(after)
            _add(missing if gone else available, items)
    available = [item for item in available if item not in missing]
    return EquipmentMention(available=available, missing=missing, nothing=nothing)


def find_body_parts(text: str) -> list[str]:
    """Body areas named in ``text``, canonical and in lexicon order ("knee", "shoulder").

    Figures of speech ("a pain in the neck") are not body parts.
    """
    normal = _list_regex("idioms").sub(" ", str(text).lower())
    return [name for name, pattern in _table("body_parts") if pattern.search(normal)]


_NOT_BEFORE = re.compile(
    r"\b(?:not|never|no longer|isn't|aren't|n't)\s+(?:a\s+|an\s+|very\s+|really\s+)?$"
)


def _first(table: str, text: str) -> str | None:
    normal = str(text).lower().replace("’", "'")
    best: tuple[int, str] | None = None
    for name, pattern in _table(table):
        for match in pattern.finditer(normal):
            # "I'm not a beginner" names the level it rules out.
            if _NOT_BEFORE.search(normal[max(0, match.start() - 20) : match.start()]):
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), name)
            break
    return best[1] if best else None


def find_goal(text: str) -> str | None:
    """The training goal named first: strength, hypertrophy, fat_loss, endurance, ..."""
    return _first("goals", text)


def find_level(text: str) -> str | None:
    """Training level: beginner, intermediate or advanced."""
    return _first("levels", text)


_ENERGY_SCORE = re.compile(r"\benergy\b[^\d]{0,15}(\d+)\s*(?:/|out of)\s*(\d+)")


def find_energy(text: str) -> int | None:
    """Energy on a 1-5 scale: "energy 2/5", "energy is 3 out of 10", "exhausted" (1)."""
    score = _ENERGY_SCORE.search(normalize(text))
    if score:
        value, scale = int(score.group(1)), int(score.group(2))
        if 0 < scale <= 10 and 0 <= value <= scale:
            return max(1, min(5, round(value / scale * 5)))
    found = _first("energy", text)
    return int(found) if found is not None else None


def find_poor_sleep(text: str) -> bool:
    """Whether the message says last night's sleep was bad ("slept terribly")."""
    return bool(_list_regex("poor_sleep").search(str(text).lower().replace("’", "'")))


def find_number(text: str) -> float | None:
    """The first number in ``text``, digits or words ("3", "three", "a couple")."""
    match = re.search(_NUM, normalize(text))
    return _number(match.group(0)) if match else None


_EXERCISE_PHRASES = (
    re.compile(
        r"\b(?:swap|replace|change|skip|substitute|sub|switch)\s+(?:out\s+)?(?:the\s+|my\s+|those\s+|"
        r"these\s+)?(.+?)(?:\s+(?:for|with|to|because|since|as|please)\b|[,.?!]|$)"
    ),
    re.compile(r"\binstead of\s+(?:the\s+|doing\s+)?(.+?)(?:[,.?!]|\s+because\b|$)"),
    re.compile(
        r"\b(?:can't|cannot|can not|don't like|do not like|hate)\s+(?:do\s+|doing\s+)?(?:the\s+)?"
        r"(.+?)(?:[,.?!]|\s+(?:because|since|as|anymore|today)\b|$)"
    ),
    re.compile(
        r"\bhow (?:did|does|do|is|are|have) (?:my |the )?([a-z -]{2,30}?) "
        r"(?:go|going|gone|progress|progressing|look|looking)\b"
    ),
    re.compile(
        r"\b(?:don't like|do not like|hate|can't stand|dislike|not a fan of|never give me)\s+"
        r"(?:doing\s+)?(?:the\s+)?(.+?)(?:[,.?!]|\s+(?:because|since|as|anymore|please)\b|$)"
    ),
    re.compile(
        r"\b(?:progress|increase|progression for|progression on|add weight to|heavier on)\s+"
        r"(?:the\s+|my\s+|on\s+)?(.+?)(?:[,.?!]|\s+(?:next|now|yet)\b|$)"
    ),
)


def find_exercise_phrase(text: str) -> str | None:
    """The exercise a swap/progress request names: "swap the lunges" -> "lunges"."""
    normal = " ".join(str(text).lower().replace("’", "'").split())
    for pattern in _EXERCISE_PHRASES:
        match = pattern.search(normal)
        if match:
            phrase = match.group(1).strip(" '\"")
            if phrase and phrase not in {"it", "that", "this", "them", "one"}:
                return phrase
    return None


@dataclass(frozen=True)
class Slots:
    """Everything the extractors found in one message."""

    minutes: int | None = None
    days_per_week: int | None = None
    goal: str | None = None
    level: str | None = None
    energy: int | None = None
    poor_sleep: bool = False
    equipment: EquipmentMention = field(default_factory=EquipmentMention)
    body_parts: list[str] = field(default_factory=list)
    sets: list[SetEntry] = field(default_factory=list)
    effort: Effort | None = None
    exercise: str | None = None


def extract(text: str) -> Slots:
    """Run every extractor over ``text``; never raises."""
    sets = find_sets(text)
    return Slots(
        # Set notation ("3x8 at 20 kg") carries numbers that are not minutes or days.
        minutes=find_minutes(text),
        days_per_week=find_days_per_week(text) if not sets else None,
        goal=find_goal(text),
        level=find_level(text),
        energy=find_energy(text),
        poor_sleep=find_poor_sleep(text),
        equipment=find_equipment(text),
        body_parts=find_body_parts(text),
        sets=sets,
        effort=find_effort(text),
        exercise=find_exercise_phrase(text),
    )
