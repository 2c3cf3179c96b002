"""What a message says beyond its intent: a skip's reason, low drive's cause, a verdict.

Why today is skipped, what is behind low motivation, what a session was like. A reply
that only knows the intent gives every "I'm skipping today" the same lines. These readings
let the templates answer the reason given ("rest while you're ill" is not what "busy day at
work" needs), next to the person's own figures from the tools. The words are data
(``data/remarks.yaml``); each table's kinds are tried in file order and the first that
matches wins.

>>> skip_reason("skipping today, I've got a stinking cold")
'ill'
>>> motivation("I keep comparing myself to everyone at the gym")
'comparison'
>>> session_verdict("honestly that was a bit boring")
'bored'
>>> skip_reason("not today")
'other'
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from agent.datafiles import parse_yaml
from agent.regexes import cached_compile

_DATA = Path(__file__).parent / "data" / "remarks.yaml"

OTHER = "other"
"""The kind of a message none of a table's phrases matches."""


def _pattern(phrase: str) -> str:
    words = re.findall(r"[a-z0-9]+", phrase.lower().replace("'", ""))
    body = r"\s+".join(re.escape(w) for w in words)
    # The last word also meets its -s/-ed/-ing forms ("skipping" for "skip" is listed
    # apart, since the consonant doubles).
    return rf"\b{body}(?:s|es|d|ed|ing)?\b"


@cache
def _tables() -> dict[str, tuple[tuple[str, re.Pattern[str]], ...]]:
    raw: dict[str, Any] = parse_yaml(_DATA.read_text(encoding="utf-8"))
    return {
        table: tuple(
            (str(kind), cached_compile("|".join(_pattern(str(p)) for p in phrases)))
            for kind, phrases in kinds.items()
        )
        for table, kinds in raw.items()
    }


def _plain(text: str) -> str:
    return " ".join(str(text).lower().replace("\u2019", "'").replace("'", "").split())


def kind(table: str, text: str) -> str:
    """The first kind of ``table`` whose phrases occur in ``text``, else :data:`OTHER`.

    Raises:
        KeyError: ``table`` is not in ``data/remarks.yaml``.
    """
    plain = _plain(text)
    for name, pattern in _tables()[table]:
        if pattern.search(plain):
            return name
    return OTHER


def skip_reason(text: str) -> str:
    """Why today is skipped: ill, sore, tired, busy, weather, away, low or other."""
    return kind("skip_reason", text)


def motivation(text: str) -> str:
    """What is behind low drive.

    One of results, quitting, comparison, guilt, restart, inertia, bored, drained or
    other.
    """
    return kind("motivation", text)


def session_verdict(text: str) -> str:
    """What a session was like, said without numbers.

    One of pointless, bored, long, short, enjoyed, hated or other.
    """
    return kind("feedback", text)


def difficulty(text: str) -> str | None:
    """How hard a finished session was, if the message says so.

    One of too_easy, too_hard and about_right, else None.
    """
    found = kind("difficulty", text)
    return None if found == OTHER else found
