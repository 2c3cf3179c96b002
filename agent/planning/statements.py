"""Read what people state about themselves that changes their training.

Age ("I'm 72", "16 yo"), a pregnancy ("24 weeks pregnant", "in my second trimester"), a
recent birth ("had my baby 6 weeks ago"), conditions ("high blood pressure", "on
bisoprolol", "arthritis in my knee"), a sport ("I'm a runner"), time off ("off for 6
weeks, I was ill"), an item unavailable right now ("the bench is taken", "someone's on
the rack", "no cables in this gym"), a load cap ("dumbbells only go to 20 kg") and a
place with access ("I'm at the hotel gym"; a feeling about the gym is not one).

The phrases are data (``data/statements.yaml``); this module compiles them once. A
statement negated just before it ("no high blood pressure") or about someone else ("my
wife is 20 weeks pregnant") is not read. The result maps onto the profile and planning
tools' arguments (:meth:`Stated.profile_arguments`), so any model, the offline one
included, can call those tools with what was read.

Pure: text in, facts out; no clock, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from agent.datafiles import parse_yaml
from agent.planning.catalog import load_catalog
from agent.planning.equipment import KG_PER_LB, Place, place_with_access
from agent.regexes import cached_compile

_NEGATION_WINDOW = 4
"""Words before a statement in which a negation cancels it ("I don't have high BP")."""
_MONTH_WEEKS = 4.345
"""Weeks per month (365.25 / 12 / 7)."""


@dataclass(frozen=True)
class Stated:
    """Facts read from one message (None / empty = not said)."""

    age: int | None = None
    pregnancy_week: int | None = None
    weeks_since_birth: int | None = None
    conditions: tuple[str, ...] = ()
    sport: str | None = None
    weeks_off: int | None = None
    unavailable: tuple[str, ...] = ()
    dumbbell_cap_kg: float | None = None
    place: Place | None = None
    notes: tuple[str, ...] = field(default=())
    due_month: int | None = None
    """The month a baby is due ("due in March"), when no week was said."""
    due_unsure: bool = False
    """Only "due in March" with nothing saying a baby is meant: confirm before saving."""

    def due_date(self, today: date) -> date | None:
        """The due date for :attr:`due_month`: the middle of its next occurrence."""
        if self.due_month is None:
            return None
        year = today.year if self.due_month >= today.month else today.year + 1
        return date(year, self.due_month, int(_data()["due_day"]))

    def profile_arguments(self, today: date | None = None) -> dict[str, Any]:
        """Arguments for the ``update_profile`` tool (only what was said).

        With ``today``, a due month said without a week becomes ``due_date``.
        """
        sure = today is not None and self.pregnancy_week is None and not self.due_unsure
        due = self.due_date(today) if sure and today is not None else None
        out: dict[str, Any] = {
            "age": self.age,
            "due_date": due.isoformat() if due else None,
            "pregnancy_week": self.pregnancy_week,
            "weeks_since_birth": self.weeks_since_birth,
            "conditions": list(self.conditions) or None,
            "sport": self.sport,
            "weeks_off": self.weeks_off,
            "max_dumbbell_kg": self.dumbbell_cap_kg,
        }
        return {k: v for k, v in out.items() if v is not None}

    def is_empty(self) -> bool:
        """True when nothing was read."""
        return not (self.profile_arguments() or self.unavailable or self.place or self.due_month)


@cache
def _data() -> dict[str, Any]:
    text = resources.files("agent.planning").joinpath("data", "statements.yaml").read_text("utf-8")
    raw: dict[str, Any] = parse_yaml(text)
    return raw


def _normalise(text: str) -> str:
    lowered = text.lower().replace("’", "'").replace("‘", "'")
    lowered = re.sub(r"(\d)\s*(kg|kgs|lb|lbs|yo|wks?|w)\b", r"\1 \2", lowered)
    cleaned = re.sub(r"[^a-z0-9'.\-]+", " ", lowered)
    cleaned = re.sub(r"(?<![0-9])[.\-]|[.\-](?![0-9])", " ", cleaned)
    return " " + " ".join(cleaned.split()) + " "


@cache
def _number_pattern() -> str:
    words = sorted(_data()["number_words"], key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    return rf"(?P<n>\d{{1,3}}(?:\.\d+)?|{alternatives})"


@cache
def _equipment_phrases() -> dict[str, str]:
    """Equipment phrase -> vocabulary word, for single items (not whole kits)."""
    vocab = load_catalog().vocabulary
    out: dict[str, str] = {}
    for word in vocab.equipment:
        if word != "bodyweight":
            out[word.replace("_", " ")] = word
    for phrase, words in vocab.equipment_synonyms.items():
        if len(words) == 1 and words[0] != "bodyweight":
            out[phrase] = words[0]
    out.update({p + "s": w for p, w in list(out.items()) if not p.endswith("s")})
    out.update({p + "es": w for p, w in list(out.items()) if p.endswith("ch")})
    return out


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{n\}|\{eq\}|\{m\})", template)
    pattern = ""
    for part in parts:
        if part == "{n}":
            pattern += _number_pattern()
        elif part == "{m}":
            months = sorted(_data()["months"], key=len, reverse=True)
            pattern += "(?P<m>" + "|".join(re.escape(m) for m in months) + ")"
        elif part == "{eq}":
            phrases = sorted(_equipment_phrases(), key=len, reverse=True)
            pattern += "(?P<eq>" + "|".join(re.escape(p) for p in phrases) + ")"
        else:
            pattern += re.escape(part)
    return cached_compile(r"(?<= )" + pattern + r"(?= )")


_PLACEHOLDER = cached_compile(r"\{n\}|\{eq\}|\{m\}")


@cache
def _templates(key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each template of ``key`` with its literal parts (the text between placeholders)."""
    return tuple((t, tuple(p for p in _PLACEHOLDER.split(t) if p)) for t in _data()[key])


_compiled = cache(_compile)


def _patterns(key: str, text: str) -> Iterator[re.Pattern[str]]:
    """The patterns of ``key`` that can match ``text``, in order, each compiled on first use.

    A pattern matches its literal parts verbatim, so one whose parts are not all in the
    text cannot match and is skipped: compiling all ~200 (each carries the number, month
    or equipment alternation) was a quarter of a first chat turn's time.
    """
    for template, literals in _templates(key):
        if all(part in text for part in literals):
            yield _compiled(template)


def _number(token: str) -> float:
    words: dict[str, int] = _data()["number_words"]
    return float(words[token]) if token in words else float(token)


def _cancelled(text: str, start: int) -> bool:
    """Negated just before, or about someone else earlier in the same clause."""
    before = text[:start]
    clause = re.split(r"[.;!?]| but | though | although ", before)[-1]
    words = clause.split()
    negations = set(_data()["negations"])
    if any(w in negations for w in words[-_NEGATION_WINDOW:]):
        return True
    padded = " " + " ".join(words) + " "
    return any(f" {o} " in padded for o in _data()["others"])


def _first_number(text: str, key: str) -> tuple[float, re.Match[str]] | None:
    for pattern in _patterns(key, text):
        for match in pattern.finditer(text):
            if not _cancelled(text, match.start()):
                return _number(match.group("n")), match
    return None


def _compared(text: str, start: int) -> bool:
    """Whether the number compares rather than states an age ("feel like I'm 80")."""
    before = text[:start]
    return any(before.endswith(f" {w} ") for w in _data()["age_not_preceded_by"])


def _age(text: str, raw: str, about_self: bool) -> int | None:
    stop = set(_data()["age_not_followed_by"])
    turning = _first_number(text, "age_turning")
    if turning is not None and turning[0].is_integer() and 11 <= turning[0] <= 111:
        return int(turning[0]) - 1
    leading = re.match(r"\s*(\d{2,3})\s*,", raw)
    if leading and about_self and _data()["age_leading_bare"]:
        bare = int(leading.group(1))
        if 10 <= bare <= 110:
            return bare
    for pattern in _patterns("age", text):
        for match in pattern.finditer(text):
            after = text[match.end() :].split()
            if after and after[0] in stop:
                continue
            if _cancelled(text, match.start()) or _compared(text, match.start()):
                continue
            value = _number(match.group("n"))
            if value.is_integer() and 10 <= value <= 110:
                return int(value)
    return None


def _pregnancy_week(text: str) -> int | None:
    found = _first_number(text, "pregnancy_week")
    if found is not None and 1 <= found[0] <= 42:
        return int(found[0])
    data = _data()
    for phrase, week in data["trimester_week"].items():
        index = text.find(f" {phrase} ")
        if index >= 0 and not _cancelled(text, index + 1):
            return int(week)
    for word in data["pregnant_words"]:
        index = text.find(f" {word} ")
        if index >= 0 and not _cancelled(text, index + 1):
            return int(data["unknown_week"])
    return None


def _due_month(text: str) -> tuple[int, bool] | None:
    """The due month and whether the message leaves it unsure that a baby is meant."""
    months: dict[str, int] = _data()["months"]
    context = any(f" {w}" in text for w in _data()["pregnancy_context"])
    for key in ("due_month", "due_month_with_pregnancy"):
        for pattern in _patterns(key, text):
            for match in pattern.finditer(text):
                if not _cancelled(text, match.start()):
                    return int(months[match.group("m")]), key != "due_month" and not context
    return None


def _weeks(text: str, weeks_key: str, months_key: str) -> int | None:
    found = _first_number(text, weeks_key)
    if found is not None:
        return int(found[0])
    months = _first_number(text, months_key)
    if months is not None:
        return round(months[0] * _MONTH_WEEKS)
    return None


def _listed(text: str, table: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for name, phrases in table.items():
        for phrase in phrases:
            index = text.find(f" {phrase} ")
            if index >= 0 and not _cancelled(text, index + 1):
                out.append(name)
                break
    return out


def _names_item_out(text: str, said: str) -> bool:
    """``said`` is in ``text`` and not followed by what makes it about a lift or a load."""
    start = text.find(said)
    while start >= 0:
        following = text[start + len(said) :].split()[:1]
        if not following or (
            following[0] not in _data()["unavailable_not_before"] and not following[0][0].isdigit()
        ):
            return True
        start = text.find(said, start + 1)
    return False


_FILLER = cached_compile(
    r" (?:just|finally|completely|totally|literally|suddenly|actually|also|now)(?= )"
)
_IS_CONTRACTED = cached_compile(r"(?<=[a-z])'s ")


def _unavailable(text: str) -> list[str]:
    data = _data()
    # "the kettlebell's just snapped" reads as "the kettlebell snapped".
    text = _FILLER.sub("", _IS_CONTRACTED.sub(" is ", text))
    found: list[str] = []
    phrases = _equipment_phrases()
    for phrase in sorted(phrases, key=len, reverse=True):
        word = phrases[phrase]
        if word in found or f" {phrase} " not in text:
            continue
        said = any(
            _names_item_out(text, f" {phrase} {after} ") for after in data["unavailable_after"]
        ) or any(
            _names_item_out(text, f" {before} {phrase} ") for before in data["unavailable_before"]
        )
        if said:
            found.append(word)
            # "the cable machine is taken" names one item, not also "machine".
            text = text.replace(f" {phrase} ", " \u00a7 ")
    for pattern in _patterns("unavailable_absent", text):
        for match in pattern.finditer(text):
            word = phrases[match.group("eq")]
            if word not in found:
                found.append(word)
    return sorted(found)


def _dumbbell_cap(text: str, units: str) -> float | None:
    found = _first_number(text, "dumbbell_cap")
    if found is None:
        return None
    value, match = found
    after = text[match.end() :].split()
    unit = units
    if after and after[0] in {"kg", "kgs", "kilo", "kilos"}:
        unit = "kg"
    elif after and after[0] in {"lb", "lbs", "pound", "pounds"}:
        unit = "lb"
    elif any(u in match.group(0) for u in (" lb", " lbs")):
        unit = "lb"
    kg = value if unit == "kg" else value * KG_PER_LB
    return round(kg, 1) if kg > 0 else None


def read_statements(text: str, *, units: str = "kg") -> Stated:
    """Everything in ``text`` the planner should know, as facts.

    Args:
        text: One message.
        units: The person's load unit, for a cap said without one.
    """
    normal = _normalise(text)
    weeks_since_birth = _weeks(normal, "postpartum_weeks", "postpartum_months")
    due = None if weeks_since_birth is not None else _due_month(normal)
    due_month = due[0] if due else None
    pregnancy = None if weeks_since_birth is not None else _pregnancy_week(normal)
    if due_month is not None and pregnancy == _data()["unknown_week"]:
        pregnancy = None  # "pregnant, due in March": the due date says the week
    sports = _listed(normal, _data()["sports"])
    conditions = _listed(normal, _data()["conditions"])
    unavailable = _unavailable(normal)
    about_self = bool(conditions or sports or pregnancy or weeks_since_birth or due)
    return Stated(
        age=_age(normal, text, about_self),
        pregnancy_week=pregnancy,
        weeks_since_birth=weeks_since_birth,
        conditions=tuple(conditions),
        sport=sports[0] if sports else None,
        weeks_off=_weeks(normal, "weeks_off", "months_off"),
        unavailable=tuple(unavailable),
        dumbbell_cap_kg=_dumbbell_cap(normal, units),
        # "No cables in this gym" names the gym as context, not as a new kit.
        place=None if unavailable else place_with_access(text),
        due_month=due_month,
        due_unsure=bool(due and due[1]),
    )
