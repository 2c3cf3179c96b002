"""A date ahead that the person trains towards, said in passing.

"I have a wedding in 8 weeks and want to drop a few kilos", "half marathon in april",
"going on holiday next month". Such a message names no change to this week's schedule
(it is no travel note) and changes no standing setting by itself: the coach notes the
event until its day, says how far off it is, and asks before it changes the goal. The
words are data (``data/events.yaml``).

>>> from datetime import date
>>> read("wedding in 8 weeks", date(2026, 11, 16)).day
datetime.date(2027, 1, 11)
>>> read("half marathon in april", date(2026, 11, 16)).day
datetime.date(2027, 4, 30)
>>> read("my wedding photos were lovely", date(2026, 11, 16)) is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from agent.datafiles import parse_yaml
from agent.models.offline.slots import DAYS_PER_UNIT, next_date
from agent.regexes import cached_compile

_DATA = Path(__file__).parent / "data" / "events.yaml"


@dataclass(frozen=True)
class Event:
    """What is coming (as said) and the last day it can be on."""

    name: str
    day: date

    def weeks_away(self, today: date) -> int:
        """Whole weeks from ``today`` to the event (at least 0)."""
        return max(0, (self.day - today).days // 7)


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = parse_yaml(_DATA.read_text(encoding="utf-8"))
    return data


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    data = _data()
    names = "|".join(data["events"])
    months = "|".join(data["months"])
    seasons = "|".join(data["seasons"])
    when = (
        rf"(?:in|within|about|around|roughly|just over|just under|under|only|\s)*\s*"
        rf"(?:(?P<count>\d{{1,2}}|a|an|one|a couple of|a few|few)\s*"
        rf"(?P<unit>weeks?|wks?|months?|days?)"
        rf"|(?P<month>{months})[a-z]*|next (?P<next>week|month|year)"
        rf"|(?:this|next) (?P<season>{seasons})|(?:on )?the (?P<dom>\d{{1,2}})(?:st|nd|rd|th))"
    )
    name_first = cached_compile(
        rf"(?<![a-z])(?P<name>{names})(?![a-z])[^.?!,]{{0,30}}?(?:\b(?:in|on|is|'s|coming up)\b)?"
        rf"\s*{when}"
    )
    when_first = cached_compile(rf"\bin\s+{when}[^.?!]{{0,25}}?\b(?P<name>{names})(?![a-z])")
    return name_first, when_first


_PAST = cached_compile(r"\b(?:was|were|had|went|did|ago|last (?:week|month|year)|finished|ran)\b")
_WEDDING = cached_compile(r"married|big day|nuptials")
_COUNTS = {"a": 1, "an": 1, "one": 1, "a couple of": 2, "a few": 3, "few": 3}


def mentions(text: str) -> bool:
    """Whether ``text`` names an event ahead (its day is read by :func:`read`)."""
    return _match(text) is not None


def _match(text: str) -> re.Match[str] | None:
    lowered = " ".join(text.lower().replace("\u2019", "'").split())
    name_first, when_first = _patterns()
    found = name_first.search(lowered) or when_first.search(lowered)
    if found is None or _PAST.search(lowered[max(0, found.start() - 20) : found.end()]):
        return None
    return found


def read(text: str, today: date) -> Event | None:
    """The event ``text`` says is coming and its last possible day, or None."""
    found = _match(text)
    if found is None:
        return None
    day = _day(found, today)
    if day is None or day <= today:
        return None
    name = found.group("name")
    return Event("wedding" if _WEDDING.search(name) else name, day)


def _day(found: re.Match[str], today: date) -> date | None:
    parts = found.groupdict()
    if parts["count"]:
        raw = parts["count"]
        count = int(raw) if raw.isdigit() else _COUNTS.get(raw, 1)
        unit = parts["unit"][0]
        days = count * DAYS_PER_UNIT[unit]
        return today + timedelta(days=days)
    if parts["month"]:
        return _month_end(today, _data()["months"].index(parts["month"][:3]) + 1)
    if parts["next"]:
        if parts["next"] == "week":
            return today + timedelta(days=13 - today.weekday())
        if parts["next"] == "month":
            return _month_end(today, today.month % 12 + 1)
        return date(today.year + 1, 12, 31)
    if parts["season"]:
        return _month_end(today, int(_data()["seasons"][parts["season"]]))
    if parts["dom"]:
        day = int(parts["dom"])
        for ahead in range(0, 3):
            year, index = divmod(today.month - 1 + ahead, 12)
            try:
                candidate = date(today.year + year, index + 1, day)
            except ValueError:
                continue
            if candidate > today:
                return candidate
    return None


def _month_end(today: date, month: int) -> date:
    """The last day of the next ``month`` that has not ended."""
    return next_date(today, month % 12 + 1, 1) - timedelta(days=1)
