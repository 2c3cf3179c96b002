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

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from agent.datafiles import parse_yaml
from agent.planning.catalog import resolve_exercise
from agent.planning.minutes import MAX_MINUTES, MIN_MINUTES
from agent.regexes import cached_compile

DATA_DIR = Path(__file__).parent / "data"

_NUM = r"\d+(?:\.\d+)?"


@cache
def lexicon() -> dict[str, Any]:
    """The vocabulary file, loaded once."""
    with (DATA_DIR / "lexicon.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = parse_yaml(handle)
    return data


def _alternation(phrases: list[str]) -> str:
    # Longest first, so "dumbbells" wins over "dumbbell"; ties alphabetical, so the text is
    # the same in every process (kept compiled by that text: ``agent.regexes``). Two
    # phrases of one length can only both match where they are the same words.
    ordered = sorted({p.lower() for p in phrases}, key=lambda p: (-len(p), p))
    return "|".join(re.escape(p) for p in ordered)


def _phrase_regex(phrases: list[str], *, hyphen_joins: bool = True) -> re.Pattern[str]:
    # Hyphens join words ("pull-up", "no-equipment") except in number words ("twenty-five").
    edge = r"\w-" if hyphen_joins else r"\w"
    return cached_compile(rf"(?<![{edge}])(?:{_alternation(phrases)})(?![{edge}])")


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


_TENS_UNITS = cached_compile(r"\b(20|30|40|50|60|70|80|90)[\s-]([1-9])\b(?!\.\d)")


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

_MINUTES = cached_compile(
    rf"(?:({_NUM})\s*-?\s*(?:hours?|hrs?|h)\b(?:\s*(?:and\s*)?(\d+)\s*(?:minutes?|mins?|m)\b)?)"
    rf"|(?:({_NUM})\s*-?\s*(?:minutes?|mins?|min|m)\b)"
)
_BARE_MINUTES = cached_compile(
    r"\b(?:only\s+|just\s+)?(?:got|have|had|left|give\s+me|about|around)\s+(?:about\s+|around\s+|"
    r"maybe\s+|like\s+)?(\d{1,3})\b(?!\s*(?:x\b|×|days?|times|sets?|reps?|kg|kgs|kilos?|lbs?|"
    r"pounds?|%|/|\.\d|sessions?|weeks?|years?|months?|dumbbells?|kettlebells?|bands?))"
)


_SLEEP_BEFORE = cached_compile(r"\b(?:slept|sleep|asleep|kip|bed|nap|napped)\b[^.,;!?]{0,20}$")
_SLEEP_AFTER = cached_compile(r"^\s*(?:of\s+)?(?:sleep|kip|shut-?eye|in bed|last night|a night)\b")


def _in_sleep_frame(normal: str, match: re.Match[str]) -> bool:
    """Whether a duration is hours of sleep ("slept 5 hours"), never session time."""
    before = normal[max(0, match.start() - 30) : match.start()]
    return bool(_SLEEP_BEFORE.search(before) or _SLEEP_AFTER.search(normal[match.end() :]))


def _not_session_time(normal: str, match: re.Match[str]) -> bool:
    """Whether a duration is sleep, or the length of something already done.

    "played 90 mins of football this morning", "after a 40 minute run": news about the
    day, not time for today's session.
    """
    before = normal[max(0, match.start() - 30) : match.start()]
    if _DONE_BEFORE.search(before) and not _TIME_NOW.search(before):
        return True
    sentence = _SENTENCE_START.split(normal[: match.start()])[-1]
    if _PAST_DAY.search(sentence) and not _NOW_DAY.search(normal):
        return True  # "Yesterday ... I make only 20 minutes on the bike": a story
    if _DONE_AFTER.search(normal[match.end() : match.end() + 40]):
        return True
    return _in_sleep_frame(normal, match)


_DONE_BEFORE = cached_compile(
    r"\b(?:played|ran|jogged|cycled|biked|rode|swam|walked|hiked|rowed|danced|climbed|"
    r"skated|skied|surfed|spent|after|finished|went for|got back from|back from|just did|"
    r"already did|did|done|had)\b(?:\s+[a-z']+){0,3}?(?:\s+(?:a|an|my|the|about|around|like|"
    r"over|nearly|almost|for|of|just|in))*\s*$"
)
"""Words right before a duration that make it the length of something already done."""
_DONE_AFTER = cached_compile(
    r"^\s*(?:of|playing|walking|running|on the|at the|in the)\b[^,.;!?]{0,25}?"
    r"\b(?:earlier|this morning|this afternoon|last night|yesterday|already|before work|"
    r"at lunch|before this)\b"
)
"""Words right after a duration that date it before now ("two hours of tennis earlier")."""


def told_of_an_earlier_day(text: str) -> bool:
    """Whether ``text`` tells of an earlier day and asks nothing of today."""
    normal = normalize(text)
    return bool(_PAST_DAY.search(normal)) and not _NOW_DAY.search(normal)


_SENTENCE_START = cached_compile(r"[.!?;]\s+")
_PAST_DAY = cached_compile(
    r"\b(?:yesterday|last (?:night|week|time|weekend)|the other day|this morning|earlier today|"
    r"on (?:mon|tues|wednes|thurs|fri|satur|sun)day)\b"
)
_NOW_DAY = cached_compile(r"\b(?:today|tonight|now|this (?:time|session|evening)|next)\b")
_TIME_NOW = cached_compile(r"\b(?:only|have|got|left|give|need|want|can|could|would|spare)\b")


def find_minutes(text: str) -> int | None:
    """Minutes named in ``text``: "12 min", "twelve minutes", "an hour", "only got 20".

    Hours of sleep ("slept 5 hours") are not session time and are skipped.

    Returns:
        Whole minutes (rounded), or ``None`` when no duration is named.
    """
    normal = normalize(text)
    match = next((m for m in _MINUTES.finditer(normal) if not _not_session_time(normal, m)), None)
    if match:
        hours, extra, minutes = match.groups()
        if hours is not None:
            value = (_number(hours) or 0.0) * 60 + (int(extra) if extra else 0)
        else:
            value = _number(minutes or "") or 0.0
        return round(value)
    bare = _BARE_MINUTES.search(normal)
    if bare and not _not_session_time(normal, bare):
        value = int(bare.group(1))
        # "got 3" is rarely minutes; a session is at least a few minutes long.
        return value if MIN_MINUTES <= value <= MAX_MINUTES else None
    return None


_DAYS = cached_compile(
    r"\b(\d{1,2})\s*(?:days?|x|times|sessions?|workouts?)\s*(?:a|per|each|every|/|in\s+a)\s*"
    r"(?:week|wk)\b"
)
_DAYS_LOOSE = cached_compile(r"(?<!last )(?<!past )\b(\d)\s*days?\b(?!\s*ago)")


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
    return cached_compile(rf"({_NUM})\s*({_alternation(list(units))})\b"), units


_BARE_LOAD = cached_compile(
    rf"(?:\bat|@|\bwith|\busing)\s*(?:the\s+)?({_NUM})\b(?!\s*(?:x|×|reps?|sets?))"
)
_PAIR_LOAD = cached_compile(rf"(?:\bat|@|\bwith|\busing|\bthe)\s+(?:the\s+)?({_NUM})s\b")
"""A pair of dumbbells named by their weight: "with the 15s" (the person's own units)."""


def find_load(text: str) -> Load | None:
    """The first load in ``text``: "20 kg", "50 lbs", "22.5 kilos", "at 22.5"."""
    normal = normalize(text)
    pattern, units = _unit_regex()
    match = pattern.search(normal)
    if match:
        value = _number(match.group(1))
        return Load(value, units[match.group(2)]) if value is not None else None
    bare = _BARE_LOAD.search(normal) or _PAIR_LOAD.search(normal)
    if bare:
        value = _number(bare.group(1))
        return Load(value, None) if value is not None else None
    return None


_RPE = cached_compile(rf"\brpe\s*(?:of|was|:|=|at|@)?\s*({_NUM})")
_RIR = cached_compile(
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


_SETS_X_REPS = cached_compile(r"\b(\d{1,2})\s*(?:x|×|\*)\s*(\d{1,3})\b")
_SETS_OF = cached_compile(
    r"\b(\d{1,2})\s*sets?\s*(?:of|x)\s*(\d{1,3})\b(?:\s*(?:repetitions?|reps?)\b)?"
)
_SINGLE = cached_compile(
    rf"\b(\d{{1,3}})\s*(?:(?:reps?|times|repetitions?)\s*)?(?:at|@|with|of)\s*(?:the\s+)?"
    rf"(?={_NUM})"
)
_LOAD_FOR = cached_compile(
    rf"\b({_NUM})\s*(kg|kgs|kilos?|lbs?|pounds?)?\s*for\s*(\d{{1,2}})\b"
    r"(?!\s*(?:min|mins|minutes|sets?|weeks?|days?|hours?|hrs?|seconds?|secs?|s\b|m\b))"
)
"""Load-for-reps, as lifters write it: "225 for 3" is one set of 3 at 225."""
_LOAD_X_REPS = cached_compile(
    rf"\b({_NUM})\s*(kg|kgs|kilos?|lbs?|pounds?)?\s*(?:x|×|\*)\s*(\d{{1,3}})\b"
)
"""Load then reps: "60 kg x 8" is one set of 8 at 60 kg; "100x5" too (no one does 100 sets)."""
_MORE_REPS = cached_compile(r"^\s*(?:x|×|\*)\s*(\d{1,3})\s*(?:reps?)?\s*$")
"""A further set of the entry before, by its reps alone: "rows 60 kg x 8, x8, x7"."""
MAX_SETS = 12
"""More "sets" than this in NxM notation is a load: "100x5" is 5 reps at 100."""
_SINGLE_NAMED = cached_compile(
    rf"\b(\d{{1,3}})\s+(?!sets?\b|reps?\b|x\b|times\b)([a-z][a-z -]{{1,30}}?)\s+(?:at|@|with)\s*"
    rf"(?={_NUM})"
)
_CLAUSE = cached_compile(r",|;|!|\?|\bthen\b|\balso\b|\band\b(?=\s*\d)|\.(?!\d)")
_FILLER = cached_compile(
    r"\b(?:i|i've|ive|did|done|just|finished|completed|logged|log|my|of|sets?|reps?|at|with|"
    r"using|for|the|a|some|today|and|each|per|side|got|made|was|were|it|felt|rpe|rir|x|kg|kgs|"
    r"kilos?|kilograms?|lbs?|pounds?|about|around|on|then|next|after|that|first|also|please|record|"
    r"repetitions?|times|them|went|go|goes|okay|ok|well|good|fine|great|like|an|say|d|made|"
    r"performed|pulled|hit|managed|smashed|knocked out|had|ve|m|s|yesterday|this morning|ago|"
    r"days?|last night|last|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|@|\d+(?:\.\d+)?(?:s\b)?"
)


_NOT_A_NAME = frozenset(
    {"dumbbell", "dumbbells", "kettlebell", "barbell", "bar", "db", "dbs", "kb"}
    | {"me", "us", "it", "that", "this", "them", "those", "these", "him", "her", "one"}
)
"""Equipment alone ("with the 20 kg dumbbell") or a pronoun ("switch me to 4 days")
names no exercise."""


def _exercise_words(clause: str) -> str | None:
    # Names are words: quotes, brackets and other symbols never belong to one.
    letters = re.sub(r"[^a-z0-9\s-]", " ", _FILLER.sub(" ", clause.replace("'", " ")))
    words = " ".join(letters.split()).strip(" -:")
    if not words or set(words.split()) <= _NOT_A_NAME:
        return None
    return words


def _parse_load_first(clause: str) -> SetEntry | None:
    """One set written load first: "225 for 3 on deadlift", "rows 60 kg x 8"."""
    loaded = _LOAD_X_REPS.search(clause)
    match = loaded if loaded and (loaded.group(2) or float(loaded.group(1)) > MAX_SETS) else None
    match = match or _LOAD_FOR.search(clause)
    if match is None:
        return None
    value, reps = _number(match.group(1)), int(match.group(3))
    if value is None or reps < 1:
        return None
    _, units = _unit_regex()
    unit = units.get(match.group(2)) if match.group(2) else None
    rest = _RPE.sub(" ", clause[: match.start()] + " " + clause[match.end() :])
    return SetEntry(
        sets=1,
        reps=reps,
        exercise=_exercise_words(_unit_regex()[0].sub(" ", rest)),
        load=Load(value, unit),
        effort=find_effort(clause),
    )


def _parse_clause(clause: str) -> SetEntry | None:
    loaded = _LOAD_X_REPS.search(clause)
    if loaded and (loaded.group(2) or float(loaded.group(1)) > MAX_SETS):
        return _parse_load_first(clause)
    match = _SETS_X_REPS.search(clause) or _SETS_OF.search(clause)
    if match is None and _LOAD_FOR.search(clause):
        return _parse_load_first(clause)
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


def _felt(clause: str) -> Effort | None:
    """How a set felt in words ("felt easy", "a grind"), as an RPE (lexicon ``felt``)."""
    for value, pattern in _table("felt"):
        if pattern.search(clause):
            return Effort(rpe=float(value))
    return None


def find_sets(text: str) -> list[SetEntry]:
    """Logged sets: "3x8 goblet squats at 20 kg, RPE 7", "3 sets of 8", "8 reps with 50 lb".

    Also "225 for 3 on deadlift", "rows 60 kg x 8, x8, x7" (further sets by their reps),
    "then lunges, 3x12 with 10s" (the exercise named in the clause before). An effort given
    in its own clause ("..., RPE 7", "felt easy") belongs to the entry before it.
    """
    listed = _rep_list(normalize(text))
    if listed:
        return listed
    entries: list[SetEntry] = []
    named: str | None = None
    names: list[str] = []
    for clause in _clauses(normalize(text)):
        shared = _SHARED_LOAD.search(clause)
        if shared and not _NOTATION.search(clause):
            # "..., both at 20 kilos": one load for the entries said just before.
            load = find_load(clause)
            if load is not None and entries and all(e.load is None for e in entries):
                entries = [replace(e, load=load) for e in entries]
                continue
        more = _MORE_REPS.match(clause)
        if more and entries and int(more.group(1)) > 0:
            last = entries[-1]
            entries.append(replace(last, sets=1, reps=int(more.group(1)), effort=None))
            continue
        entry = _parse_clause(clause)
        if entry is not None:
            if entry.exercise is None and named is not None:
                entry = replace(entry, exercise=named)
            if entry.effort is None:
                entry = replace(entry, effort=_felt(clause))
            # "squats and rows, 3x10 each": the same work for every exercise listed.
            listed_names = _listed_names(clause) or (
                names if named and entry.exercise == named else []
            )
            if len(listed_names) > 1:
                entries.extend(replace(entry, exercise=name) for name in listed_names)
            else:
                entries.append(entry)
            named, names = None, []
            continue
        effort = find_effort(clause) or _felt(clause)
        if effort is not None and entries and entries[-1].effort is None:
            entries[-1] = replace(entries[-1], effort=effort)
        elif effort is None:
            named = _named_exercise(clause)
            names = _listed_names(clause)
    loose = _loose_rep_list(normalize(text))
    return loose if len(loose) > len(entries) else entries


_NOTATION = cached_compile(
    r"\b\d{1,2}\s*(?:x|×|\*)\s*\d{1,3}\b|\b\d{1,2}\s*sets?\s*(?:of|x)\s*\d{1,3}\b"
)
_AND = cached_compile(r"\s+(?:and|&|plus|\+)\s+")
_SHARED_LOAD = cached_compile(r"\b(?:both|each|all|every one|apiece|for all|across)\b")
_LIST_SPLIT = cached_compile(r"\s*(?:\band\b|&|\bplus\b|\+|/|\bas well as\b)\s*")


def _clauses(normal: str) -> list[str]:
    """The message in clauses, each with at most one set notation.

    "bench 3x8 @ 40 and rows 3x10 @ 30" is two clauses: an "and" between two notations
    parts them whatever follows it (the clause split alone parts only "and 3x10 ...").
    """
    parts: list[str] = []
    for clause in _CLAUSE.split(normal):
        notations = list(_NOTATION.finditer(clause))
        start = 0
        for before, after in itertools.pairwise(notations):
            joins = list(_AND.finditer(clause, before.end(), after.start()))
            if joins:
                parts.append(clause[start : joins[-1].start()])
                start = joins[-1].end()
        parts.append(clause[start:])
    return parts


def _listed_names(clause: str) -> list[str]:
    """Two or more exercises listed in one clause ("my squats and rows"), else [].

    Each part must name a lift on its own, and the whole must not be one exercise of the
    catalog ("clean and press" is one).
    """
    if not _LIST_SPLIT.search(clause):
        return []
    pattern, _ = _unit_regex()
    bare = _NOTATION.sub(" ", _RPE.sub(" ", pattern.sub(" ", clause)))
    bare = _SHARED_LOAD.sub(" ", bare)
    names = [
        words for part in _LIST_SPLIT.split(bare) for words in [_exercise_words(part)] if words
    ]
    if len(names) < 2 or " ".join(names) in _joined_names():
        return []
    return names if all(_names_a_lift(name) for name in names) else []


@cache
def _joined_names() -> str:
    """The catalog's names that join words by "and", without it ("clean press"), joined."""
    from agent.planning.catalog import load_catalog

    return " | ".join(
        " ".join(e.name.lower().replace(",", " ").replace(" and ", " ").split())
        for e in load_catalog().exercises
        if " and " in e.name
    )


_LOOSE_REPS = cached_compile(
    r"(?<![\d.x@])(?<!at )(?<!@ )(\d{1,2})(?!\d)"
    r"((?:\s*(?:,|/|&|\band\b|\bthen\b)\s*|\s+)\d{1,2}(?!\d)){1,9}"
    r"(\s*reps?\b)?(?!\s*(?:kg|kgs|kilos?|lbs?|pounds?|mins?|minutes|hours?|hrs?|h\b|x\b|%|:|"
    r"\.\d|/\d|sets?\b|days?\b|weeks?\b|times\b|am\b|pm\b|secs?\b|seconds\b|s\b))"
)
_NAMED_NEAR = cached_compile(
    r"\b(?:on|for|of|with) (?:the |my |those |them |some )?([a-z][a-z -]*)"
)
_SPLIT_WORDS = cached_compile(
    r"\b(?:with|at|and|but|then|felt|feeling|using|today|yesterday|went|were|was|is|are|did|done)\b"
    r"|[,.;:!?@]"
)


def _loose_rep_list(normal: str) -> list[SetEntry]:
    """Sets told as a bare list of reps anywhere.

    "did 10, 10, 8 on the rows with 14s", "12, 10 and 8 reps on bench", "rows 14 kg x
    10/10/8". Three reps or more, or two followed by "reps", and only with an exercise the catalog
    knows for sure named before or after, so "slept 7 8 hours" or "score 10 8 7" is no log.
    """
    match = _LOOSE_REPS.search(normal)
    if match is None:
        return []
    reps = [int(n) for n in re.findall(r"\d+", match.group(0))]
    if (len(reps) < 3 and not match.group(3)) or not all(0 < r <= 50 for r in reps):
        return []
    before, after = normal[: match.start()], normal[match.end() :]
    near = _NAMED_NEAR.search(after)
    candidates = [
        _SPLIT_WORDS.split(near.group(1))[0] if near else "",
        *reversed(_SPLIT_WORDS.split(before)),
        _SPLIT_WORDS.split(after)[0],
    ]
    for candidate in candidates:
        words = _exercise_words(re.sub(r"[\d.]+\s*(?:kg|kgs|lbs?|x)?", " ", candidate))
        if words is None or len(words.split()) > 4 or not _names_a_lift(words):
            continue
        load = find_load(after) or find_load(before)
        effort = find_effort(normal) or _felt(normal)
        return [SetEntry(sets=1, reps=r, exercise=words, load=load, effort=effort) for r in reps]
    return []


_REP_LIST = cached_compile(
    r"\b([a-z][a-z-]*(?: [a-z][a-z-]*){0,2}?)\s*(?:went|were|was|:|=)\s*"
    r"(\d{1,2}(?:\s*(?:,|and|then)\s*\d{1,2}){1,9})\b(?!\s*(?:kg|lb|min|x|\.\d))"
)


def _rep_list(normal: str) -> list[SetEntry]:
    """Sets told as a list of reps after the exercise: "pull-ups went 10, 8, 7".

    Only when the words before the list are an exercise the catalog knows for sure, so
    "my scores were 10, 8" or "sleep was 5, 6" is no log.
    """
    match = _REP_LIST.search(normal)
    if match is None:
        return []
    name = _exercise_words(match.group(1))
    if name is None or not resolve_exercise(name).confident:
        return []
    reps = [int(n) for n in re.findall(r"\d+", match.group(2)) if int(n) > 0]
    load = find_load(normal[match.end() :])
    effort = find_effort(normal) or _felt(normal)
    return [SetEntry(sets=1, reps=r, exercise=name, load=load, effort=effort) for r in reps]


def _names_a_lift(words: str) -> bool:
    """The catalog knows ``words`` for sure, or they name a movement ("the rows", "curls").

    The log resolves a movement word against today's session.
    """
    return resolve_exercise(words).confident or names_movement(words)


def names_movement(text: str) -> bool:
    """Whether ``text`` has a movement word, singular or plural ("row", "presses")."""
    return bool(_movement_words().search(text.lower()))


def movement_in(text: str) -> str | None:
    """The first movement word of ``text`` as said ("bench", "rows"), if any."""
    found = _movement_words().search(text.lower())
    return found.group(0) if found else None


@cache
def _movement_words() -> re.Pattern[str]:
    # Longest first, ties in a fixed order: the same pattern text in every process (the
    # compiled-pattern store keys on it).
    words = sorted({str(w) for w in lexicon()["movement_words"]}, key=lambda w: (len(w), w))
    alternation = "|".join(re.escape(w) for w in reversed(words))
    return cached_compile(rf"(?<![a-z-])(?:{alternation})(?:e?s)?(?![a-z-])")


def _named_exercise(clause: str) -> str | None:
    """An exercise named alone in a clause ("then lunges"), for the notation after it."""
    words = _exercise_words(clause)
    if words is None or len(words.split()) > 4:
        return None
    return words


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


_NEGATION = cached_compile(
    r"(?:\bno|\bnot|n't|\bwithout|\blost|\bmissing|\bbroken|\bbusy|\bno access to|\bout of)"
    r"(?:\s+\w+){0,3}\s*$"
)
_NOTHING_CONTEXT = cached_compile(r"equipment|weights|gear|kit|have|got|use|only|just|body")


_UNAVAILABLE_AFTER = cached_compile(
    r"^\s*(?:(?:is|are|was|were|'s)\s+)?(?:(?:all|still|currently)\s+)?(?:taken|busy|broken|"
    r"occupied|in use|gone|missing|not available|unavailable|out of order|hogged)"
)
_ONLY = cached_compile(
    r"\b(?:only|just)\s+(?:have\s+|got\s+|the\s+|my\s+|a\s+|some\s+|a pair of\s+)*([a-z -]{2,40})"
    r"|\b([a-z-]+(?:\s+[a-z-]+)?)\s+only\b"
)
""""only dumbbells", "it's just dumbbells for me": what is available is exactly that."""
_SETUP_UNAVAILABLE = cached_compile(r"closed|shut|can't|cannot|not|\bno\b|away|without|travel")
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
            shared = parse_yaml(handle) or {}
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


_HANGING = cached_compile(r"\b(?:pull|chin)[- ]?ups?\b|\bhang(?:s|ing)?\b|\bdoor ?(?:way|frame)\b")


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
    hanging = bool(_HANGING.search(normal))
    for match in _equipment_regex().finditer(normal):
        items = phrases[match.group(0)]
        if hanging and match.group(0) in ("bar", "a bar", "the bar"):
            # "replace the rows with pull-ups? I have a bar now": the bar hung from.
            items = ("pullup_bar",)
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
    only = _only_items(normal)
    if only and set(only) <= set(available):
        # "someone's on the bench, it's just dumbbells today": the rest is not to hand.
        missing.extend(item for item in available if item not in only and item not in missing)
        available = only
    return EquipmentMention(available=available, missing=missing, nothing=nothing)


def _only_items(normal: str) -> list[str]:
    """Equipment named as the only kit ("only dumbbells", "dumbbells only")."""
    phrases = _equipment_phrases()
    found: list[str] = []
    for match in _ONLY.finditer(normal):
        span = match.group(1) or match.group(2) or ""
        for named in _equipment_regex().finditer(span):
            items = phrases[named.group(0)]
            if len(items) <= 2:
                _add(found, items)
    return found


def find_body_parts(text: str) -> list[str]:
    """Body areas named in ``text``, canonical and in lexicon order ("knee", "shoulder").

    Figures of speech ("a pain in the neck") are not body parts.
    """
    normal = _list_regex("idioms").sub(" ", str(text).lower().replace("’", "'"))
    normal = _BACK_BEFORE_PLACE.sub(" ", _BACK_AFTER_VERB.sub(r"\1 ", normal))
    return [name for name, pattern in _table("body_parts") if pattern.search(normal)]


_BACK_AFTER_VERB = cached_compile(
    r"(\b(?:am|is|are|was|were|be|been|being|get|gets|got|getting|go|goes|went|gone|going|"
    r"come|comes|came|coming|feel|feels|felt|feeling|ease|eased|easing|bounce|bounced|"
    r"scaled|dialed|dialled|stepped|heading|bring|brought)|'s|'m|'re)"
    r"\s+back\b(?!\s+(?:pain|ache|is|hurts?|feels?|muscles?|day)\b)"
)
_BACK_BEFORE_PLACE = cached_compile(
    "".join(
        rf"(?<!\b{word} )"
        for word in ("my", "ur", "the", "his", "her", "low", "bad", "sore", "upper", "lower")
    )
    + r"\bback(?=\s+(?:to|in|into|on|at|from|home|again|then|and forth)\b)"
    # "the back of my knee" is the knee's.
    r"|\bback(?=\s+of\s+(?:my|the|your|his|her|their|me|ma)\b)"
)
""""back" as an adverb ("knee's back to normal", "I'm back in the gym", "the pain came
back") names no body part; "my back to the wall" and "back pain is back" keep theirs."""


_NOT_BEFORE = cached_compile(
    r"(?:\b(?:not|never|no longer|isn't|aren't|instead of|rather than|than|forget|forget about|"
    r"no more|less|stop|quit)|n't)\s+(?:(?:a|an|very|really|so much|about|on|to|the|get|getting|"
    r"build|building|gain|gaining|make|making|put on|putting on|being|trying to)\s+)*$"
)
"""Words that rule out what follows: "I'm not a beginner", "fat loss instead of muscle",
"more into getting fit than getting big", "forget muscle"."""


def _first(table: str, text: str) -> str | None:
    # "I'm not a beginner" names the level it rules out.
    return _earliest(_table(table), str(text).lower().replace("’", "'"), _NOT_BEFORE, 30)


def _earliest(
    patterns: Iterable[tuple[str, re.Pattern[str]]],
    normal: str,
    ruled_out: re.Pattern[str],
    window: int,
) -> str | None:
    """The name whose pattern matches first in ``normal``, past mentions ``ruled_out``.

    A match counts unless the ``window`` characters before it rule it out ("not a
    beginner", "instead of legs").
    """
    best: tuple[int, str] | None = None
    for name, pattern in patterns:
        for match in pattern.finditer(normal):
            if ruled_out.search(normal[max(0, match.start() - window) : match.start()]):
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), name)
            break
    return best[1] if best else None


def find_goal(text: str) -> str | None:
    """The training goal named first: strength, hypertrophy, fat_loss, endurance, ..."""
    return _first("goals", text)


_FOCUS_REQUEST = (
    r"(?:^\W*(?:do |train |hit |some |just )?{word}\W*$"
    r"|\b{word}\s+(?:instead|today|2day|tonight|2nite|now|rn|then|only|please|pls|plz|"
    r"for today)\b"
    r"|\b(?:do|train|hit|focus on|concentrate on|work on|rather do|prefer|switch to|go for|"
    r"want|wanna|would like|'d like|fancy|gimme|give me|let's do|lets do)\s+"
    r"(?:to\s+)?(?:do\s+|make\s+|train\s+|doing\s+|training\s+)?(?:only\s+|just\s+)?"
    r"(?:some\s+|the\s+|my\s+|a\s+bit\s+of\s+)?{word}\b(?!\s+(?:is|are|feel|hurt|ache)))"
)
"""Where a bare focus word ("legs", "arms") is a request: alone, before "instead" or a
time, after a verb of training. "my legs are sore" and "how do I train my legs" ask for
no leg day (the second is caught by its question, see :func:`find_focus`)."""


@cache
def _focus_alone() -> tuple[tuple[str, re.Pattern[str]], ...]:
    table: dict[str, list[str]] = lexicon()["focus_alone"]
    return tuple(
        (str(focus), cached_compile(_FOCUS_REQUEST.format(word=f"(?:{_alternation(words)})")))
        for focus, words in table.items()
    )


_HOW_QUESTION = cached_compile(r"^\W*(?:how|why|what muscles|which muscles)\b")


def find_focus(text: str) -> str | None:
    """The session emphasis asked for: "leg day" -> "legs", "upper body instead" -> "upper".

    None when no session emphasis is asked for ("my legs are sore", "how do I train my
    back?"); the planner then follows the week's rotation.
    """
    normal = " ".join(str(text).lower().replace("’", "'").split())
    if _HOW_QUESTION.search(normal):
        return None
    for patterns in (_table("focus"), _focus_alone()):
        # "no leg day today", "upper body instead of legs": the one ruled out.
        found = _earliest(patterns, normal, _FOCUS_RULED_OUT, 20)
        if found is not None:
            return found
    return None


_FOCUS_RULED_OUT = cached_compile(
    r"\b(?:no|not|never|skip|skipping|without|instead of|rather than|than|n't|did|done|"
    r"had|trained|after|yesterday'?s?)\s+(?:a\s+|the\s+|my\s+|another\s+|some\s+)?$"
)


def find_level(text: str) -> str | None:
    """Training level: beginner, intermediate or advanced."""
    return _first("levels", text)


_ENERGY_SCORE = cached_compile(r"\benergy\b[^\d]{0,15}(\d+)\s*(?:/|out of|from|of)\s*(\d+)")


def find_energy(text: str) -> int | None:
    """Energy on a 1-5 scale: "energy 2/5", "energy is 3 out of 10", "exhausted" (1)."""
    score = _ENERGY_SCORE.search(normalize(text))
    if score:
        value, scale = int(score.group(1)), int(score.group(2))
        if 0 < scale <= 10 and 0 <= value <= scale:
            return max(1, min(5, round(value / scale * 5)))
    found = _first("energy", text)
    return int(found) if found is not None else None


SHORT_SLEEP_HOURS = 6.0
"""Fewer hours of sleep than this count as a poor night (readiness, not session time)."""


def find_sleep_hours(text: str) -> float | None:
    """Hours slept, when the message says so: "slept 5 hours", "4h of sleep"."""
    normal = normalize(text)
    for match in _MINUTES.finditer(normal):
        hours = match.group(1)
        if hours is not None and _in_sleep_frame(normal, match):
            return _number(hours)
    return None


def find_poor_sleep(text: str) -> bool:
    """Whether the message says last night's sleep was bad ("slept terribly", "slept 5 hours")."""
    if _list_regex("poor_sleep").search(str(text).lower().replace("’", "'")):
        return True
    hours = find_sleep_hours(text)
    return hours is not None and hours < SHORT_SLEEP_HOURS


_UNTIL_DAY = cached_compile(
    r"\b(?:till|til|until|through|thru|to)\s+(?:next\s+)?(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b"
)


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_UNTIL = r"(?:till|til|until|untill|till the end of|until the end of|through|thru|up to)"
_SPAN = cached_compile(
    r"\bfor\s+(?:the\s+)?(?:next\s+|another\s+|a\s+further\s+|at\s+least\s+|about\s+)?"
    r"(\d{1,2}|a|an|one|a\s+few|few|a\s+couple\s+(?:of\s+)?|couple\s+(?:of\s+)?|several)\s*"
    r"(days?|weeks?|wks?|months?|mths?)\b"
)
"""A span counted from today: "for a month", "for 6 weeks", "for a few days"."""
_SPAN_COUNTS = {"a": 1, "an": 1, "one": 1, "few": 3, "several": 3}
DAYS_PER_UNIT = {"d": 1, "w": 7, "m": 30}
"""Days in a span's unit, by its first letter (a month is taken as 30 days)."""
_DAY_OF_MONTH = cached_compile(
    rf"\b(?:(back)\s+(?:on\s+|by\s+)?|{_UNTIL}\s+)(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)\b"
    rf"(?:\s+(?:of\s+)?{_MONTH})?"
)
"""A day of the month said as the end: "back on the 28th", "until the 3rd of jan"."""
_UNTIL_MONTH = cached_compile(
    rf"\b(?:(back)\s+(?:in|on)\s+|({_UNTIL}|before)\s+(?:the\s+)?(?:(end)\s+of\s+)?)"
    rf"(?:early\s+|mid\s+|late\s+)?{_MONTH}(?:\s+(\d{{1,2}})(?:st|nd|rd|th)?\b)?"
)
"""A month said as the end: "no running til march" (to the end of February), "until
the end of january", "back in april", "until jan 10"."""
_UNTIL_EVENT = cached_compile(
    rf"\b{_UNTIL}\s+(?:after\s+)?(?:my|the|his|her|our|a)\s+[a-z' -]{{1,40}}?\s+(?:in|on)\s+"
    rf"(?:early\s+|mid\s+|late\s+)?{_MONTH}"
)
"""An event in a month said as the end ("until my check in january"): all of that month,
since the day is not said."""
_NEW_YEAR = cached_compile(
    rf"\b(?:{_UNTIL}|after|over|back (?:in|for|after))\s+(?:the\s+)?new\s+year\b"
)
"""The new year said as the end ("not running till the new year"): to 31 December."""


def _calendar_period(normal: str) -> tuple[int, str] | None:
    """A span or calendar end (see :func:`schedule_end` for the period strings)."""
    found: list[tuple[int, str]] = []
    span = _SPAN.search(normal)
    if span:
        count_word = " ".join(span.group(1).split()).removeprefix("a ").split(" ")[0]
        count = int(count_word) if count_word.isdigit() else _SPAN_COUNTS.get(count_word, 2)
        if count > 0:
            found.append((span.start(), str(count * DAYS_PER_UNIT[span.group(2)[0]])))
    dom = _DAY_OF_MONTH.search(normal)
    if dom and 1 <= int(dom.group(2)) <= 31:
        month = _MONTHS.index(dom.group(3)) + 1 if dom.group(3) else 0
        # Back on the 28th: away until the day before.
        found.append((dom.start(), f"date_{month}_{int(dom.group(2))}_{1 if dom.group(1) else 0}"))
    month_end = _UNTIL_MONTH.search(normal)
    if month_end and not (dom and dom.start() <= month_end.start() < dom.end()):
        month = _MONTHS.index(month_end.group(4)) + 1
        day = month_end.group(5)
        if day is not None and 1 <= int(day) <= 31:
            back = month_end.group(1) is not None
            found.append((month_end.start(), f"date_{month}_{int(day)}_{1 if back else 0}"))
        elif month_end.group(3):  # "until the end of january": all of january
            found.append((month_end.start(), f"month_{month % 12 + 1}"))
        else:  # "til march", "back in april": to the end of the month before
            found.append((month_end.start(), f"month_{month}"))
    event = _UNTIL_EVENT.search(normal)
    if event:
        found.append((event.start(), f"month_{(_MONTHS.index(event.group(1)) + 1) % 12 + 1}"))
    new_year = _NEW_YEAR.search(normal)
    if new_year:
        found.append((new_year.start(), "month_1"))
    return min(found) if found else None


def next_date(today: date, month: int, day: int) -> date:
    """The first ``month``/``day`` after today (month 0: the next month with that day).

    A day a month lacks ("the 31st" in a 30-day month) is that month's last day.
    """
    for ahead in range(0, 25):
        year, index = divmod(today.month - 1 + ahead, 12)
        candidate_month = index + 1
        if month and candidate_month != month:
            continue
        last = (
            date(today.year + year + (candidate_month == 12), candidate_month % 12 + 1, 1)
            - timedelta(days=1)
        ).day
        candidate = date(today.year + year, candidate_month, min(day, last))
        if candidate > today:
            return candidate
    return today + timedelta(days=1)


def find_period(text: str) -> str | None:
    """The time-bound period a change is said for: "today", "week", "next_week" or days.

    "this week only 2 days" -> "week"; "holiday for two weeks" -> "14"; "travelling till
    Sunday" -> "until_sun"; "for a month" -> "30"; "back on the 28th" ->
    "date_0_28_1" (month 0: the next 28th; 1: the day before); "til march" ->
    "month_3" (the day before the coming 1 March). ``None`` when the message names no
    period (a standing change, or no change at all).
    """
    normal = normalize(text)
    best: tuple[int, str] | None = _calendar_period(normal)
    weekday = _UNTIL_DAY.search(normal)
    if weekday and (best is None or weekday.start() < best[0]):
        best = (weekday.start(), f"until_{weekday.group(1)}")
    for name, pattern in _table("periods"):
        match = pattern.search(normal)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), name)
    return best[1] if best else None


def find_number(text: str) -> float | None:
    """The first number in ``text``, digits or words ("3", "three", "a couple")."""
    match = re.search(_NUM, normalize(text))
    return _number(match.group(0)) if match else None


_EXERCISE_PHRASES = (
    cached_compile(
        r"\b(?:swap|replace|change|skip|substitute|sub|switch)\s+(?:out\s+)?(?:the\s+|my\s+|those\s+|"
        r"these\s+)?(.+?)(?:\s+(?:for|with|to|because|since|as|please)\b|[,.?!]|$)"
    ),
    cached_compile(r"\binstead of\s+(?:the\s+|doing\s+)?(.+?)(?:[,.?!]|\s+because\b|$)"),
    cached_compile(
        # "can't stand / bear" is a dislike (the pattern below), not an exercise "stand X".
        r"\b(?:can't|cant|cannot|can not|don't like|do not like|hate)\s+(?!stand\b|bear\b)"
        r"(?:do\s+|doing\s+)?(?:the\s+)?(.+?)(?:[,.?!]|\s+(?:because|since|as|anymore|today)\b|$)"
    ),
    cached_compile(
        r"\bhow (?:did|does|do|is|are|have) (?:my |the )?([a-z -]{2,30}?) "
        r"(?:go|going|gone|progress|progressing|look|looking)\b"
    ),
    cached_compile(
        r"\b(?:don't like|do not like|hate|(?:can't|cant|cannot|can not) (?:stand|bear)|dislike|"
        r"not a fan of|never give me|"
        r"not (?:very |too |so |that |really )?keen on|not fond of|don't enjoy|do not enjoy)\s+"
        r"(?:doing\s+)?(?:the\s+|of\s+)?(.+?)(?:[,.?!;]|\s+(?:because|since|as|anymore|please)\b|$)"
    ),
    cached_compile(
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
            phrase = _PHRASE_TAIL.split(match.group(1), maxsplit=1)[0].strip(" '\"")
            if phrase and not _NO_EXERCISE.match(phrase):
                return phrase
    return None


_PHRASE_TAIL = cached_compile(
    r"\s+(?=(?:pls|plz|please|today|tonight|now|rn|again|anymore|thanks|thx|can|could|would|"
    r"will|what|whats|is there|are there|i|i'm|im|i'd|id|it's|its|they|they're|theyre|"
    r"something|anything|mate|coach|for me|if|much|very much|that much|so much|at all|"
    r"a lot|though|however|anyway|tbh|honestly|lol|tho|with a passion|so much|because|cos|coz|"
    r"cause|since|like crazy|to death|forever|they're|they are|they make|they kill)\b)"
)
"""Where the words after an exercise's name stop naming it: "swap kettlebell swings pls",
"instead of bench press can I do something else"."""


_NO_EXERCISE = cached_compile(
    r"^(?:it|that|this|them|those|these|one|me|us|"
    r"(?:an?|one|some|the|any) (?:exercise|move|movement|thing)s?|"
    r"(?:one|some|any) of (?:them|those|these|the exercises)|something|anything|"
    r"stuff|that one|this one|(?:an?|the) exercise|"
    r"(?:today'?s?|tomorrow'?s?|the|my|this|that) (?:session|workout|training|day|plan)s?)$"
)
"""Phrases that point at an exercise without naming it ("can I swap an exercise?"), or at
the person ("switch me to 4 days a week")."""


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
    period: str | None = None
    """A time-bound period the message names ("this week", "for two weeks")."""
    focus: str | None = None
    """The session emphasis asked for ("leg day" -> "legs"); see :func:`find_focus`."""


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
        period=find_period(text),
        focus=find_focus(text),
    )
