"""The grounding check: figures the coach states about the person's own data must exist.

A figure counts as a claim about the person's data when a number carries a unit of
training data (kg, lb, reps, sets, sessions, workouts, days, weeks, a streak, a date).
It is grounded when the same number appears in the store (the person's sets, sessions,
profile, notes, or a count or total derived from them), in a tool result of this
conversation, or in what the person said. An invented run or a wrong total is caught;
general advice without such units is left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from evals.records import TurnRecord

_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+(?:[.,]\d+)?)"
_CLAIM = re.compile(
    _NUMBER + r"\s*(?:-|\s)?\s*(kg|kgs|kilos?|lbs?|pounds?|reps?|sets?|sessions?|workouts?|"
    r"days?(?:\s+in\s+a\s+row)?|weeks?(?:\s+in\s+a\s+row)?|times|streak|prs?)\b",
    re.IGNORECASE,
)
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_ANY_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|'[^'\n]{1,80}'(?!\w)")
"""Quoted text is an example of what to type ("3x8 goblet squats at 20 kg"), not a claim."""


def _canon(raw: str) -> str:
    if re.fullmatch(r"\d{1,3}(,\d{3})+", raw):
        raw = raw.replace(",", "")  # 2,400 kg: a thousands separator
    value = float(raw.replace(",", "."))
    return f"{value:g}"


def numbers_in(value: Any) -> set[str]:
    """Every number (canonical text) and ISO date inside a JSON-like value."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    found = {_canon(n) for n in _ANY_NUMBER.findall(text)}
    found |= set(_DATE.findall(text))
    return found


def strip_quoted(text: str) -> str:
    """The text without quoted examples of what the person could type."""
    return _QUOTED.sub(" ", text)


def claims_in(reply: str) -> list[str]:
    """Figures in a reply that state something about training data (canonical text)."""
    reply = strip_quoted(reply)
    figures = [_canon(m.group(1)) for m in _CLAIM.finditer(reply)]
    return figures + _DATE.findall(reply)


def _store_numbers(db: Any, user_id: int) -> set[str]:
    queries = [
        "SELECT reps, load, load_kg, rpe, rir, set_number, logged_at FROM set_logs "
        "WHERE user_id = ?",
        "SELECT planned_for, started_at, finished_at, plan, state FROM workout_sessions "
        "WHERE user_id = ?",
        "SELECT days_per_week, session_minutes, age, equipment, extra FROM profiles "
        "WHERE user_id = ?",
        "SELECT text, started_at FROM notes WHERE user_id = ?",
        "SELECT COUNT(*), COALESCE(SUM(reps), 0), COUNT(DISTINCT session_id), "
        "COUNT(DISTINCT exercise_id), COALESCE(MAX(load), 0), COALESCE(SUM(reps * load), 0) "
        "FROM set_logs WHERE user_id = ?",
        "SELECT COUNT(*), SUM(status = 'done'), SUM(status = 'skipped') FROM workout_sessions "
        "WHERE user_id = ?",
        "SELECT session_id, exercise_id, COUNT(*), SUM(reps), MAX(load), SUM(reps * load) "
        "FROM set_logs WHERE user_id = ? GROUP BY session_id, exercise_id",
    ]
    found: set[str] = set()
    for sql in queries:
        for row in db.execute(sql, [user_id]).fetchall():
            found |= numbers_in([v for v in row if v is not None])
    return found


def _days_ago(db: Any, user_id: int, now: date) -> set[str]:
    # "Your last session was 3 days ago": derivable from a stored date and today.
    rows = db.execute(
        "SELECT substr(COALESCE(started_at, planned_for), 1, 10) FROM workout_sessions "
        "WHERE user_id = ? UNION SELECT substr(logged_at, 1, 10) FROM set_logs WHERE user_id = ?",
        [user_id, user_id],
    ).fetchall()
    found: set[str] = set()
    for (day,) in rows:
        try:
            gap = (now - date.fromisoformat(str(day))).days
        except ValueError:
            continue
        found |= {str(gap), f"{gap / 7:g}", str(gap // 7)}
    return found


def allowed_figures(
    turns: Iterable[TurnRecord], db: Any, user_id: int, now: date | None = None
) -> set[str]:
    """Every figure the coach may state: store, tool results, the person's own words."""
    allowed = _store_numbers(db, user_id) if db is not None else set()
    if db is not None and now is not None:
        allowed |= _days_ago(db, user_id, now)
    for turn in turns:
        allowed |= numbers_in(turn.user)
        for call in turn.tool_calls:
            allowed |= numbers_in(call.get("result"))
            allowed |= numbers_in(call.get("arguments"))
    return allowed


def check_grounded(env: Any, check: Any) -> tuple[bool, str, int | None]:
    """Every claimed figure in the selected replies is grounded (see the module doc)."""
    for turn in env.selected(check.turn):
        # Earlier conversations count: what was said or computed then is on record.
        history = [t for t in env.turns if t.index <= turn.index]
        allowed = allowed_figures(history, env.db, env.user_id, env.today)
        invented = [f for f in claims_in(turn.reply) if f not in allowed]
        if invented:
            return (
                False,
                f"figure(s) {invented} not found in the store or tool results",
                (turn.index),
            )
    return True, "every stated figure is grounded", check.turn
