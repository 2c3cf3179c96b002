"""Memory tools' results stay small: what this call did plus a short summary (issue 16)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from agent.tools import memory_tools
from agent.tools.context import ToolContext
from agent.tools.registry import ToolOutcome, ToolRegistry
from tests.factories import make_user

REGISTRY = ToolRegistry(memory_tools.tools())
THREE_SETS = [{"reps": 8, "load": 16, "unit": "kg"}] * 3


def _run(ctx: ToolContext, name: str, **arguments: Any) -> ToolOutcome:
    outcome = REGISTRY.run(ctx, name, json.dumps(arguments))
    assert outcome.ok, outcome.result
    return outcome


def _ctx(db: sqlite_utils.Database, now: datetime) -> ToolContext:
    user_id, conversation_id = make_user(db, now)
    return ToolContext(db=db, user_id=user_id, conversation_id=conversation_id, now=now)


def test_a_log_sets_result_does_not_grow_with_the_sets_logged_that_day(
    db: sqlite_utils.Database, now: datetime
) -> None:
    ctx = _ctx(db, now)
    sizes = []
    for _ in range(200):
        outcome = _run(ctx, "log_sets", exercise="goblet squat", sets=THREE_SETS)
        sizes.append(len(outcome.content()))
    assert max(sizes) <= sizes[0] + 10, (sizes[0], max(sizes))  # digits of the count only
    assert max(sizes) < 600
    last = outcome.result
    assert last["logged"] == 3
    assert last["sets"] == ["8x16kg"] * 3
    assert last["day_sets"] == 600
    assert last["last_time"] is None  # nothing before today


def test_last_time_is_the_previous_day_not_earlier_today(
    db: sqlite_utils.Database, now: datetime
) -> None:
    ctx = _ctx(db, now)
    _run(ctx, "log_sets", exercise="goblet squat", sets=THREE_SETS[:2], days_ago=2)
    _run(ctx, "log_sets", exercise="goblet squat", sets=THREE_SETS)
    result = _run(ctx, "log_sets", exercise="goblet squat", sets=[{"reps": 6, "load": 20}]).result
    assert result["sets"] == ["6x20kg"]
    assert result["day_sets"] == 4
    previous = result["last_time"]
    assert previous["date"] == (now - timedelta(days=2)).date().isoformat()
    assert previous["sets_total"] == 2
    assert previous["summary"] == "Goblet squat 2x(8x16kg)"


def test_a_backdated_log_reports_its_own_sets_not_todays(
    db: sqlite_utils.Database, now: datetime
) -> None:
    ctx = _ctx(db, now)
    _run(ctx, "log_sets", exercise="goblet squat", sets=THREE_SETS)
    result = _run(
        ctx, "log_sets", exercise="goblet squat", sets=[{"reps": 10, "load": 12}], days_ago=1
    ).result
    assert result["sets"] == ["10x12kg"]
    assert result["day_sets"] == 1


def test_last_performance_lists_a_few_sets_and_counts_the_rest(
    db: sqlite_utils.Database, now: datetime
) -> None:
    ctx = _ctx(db, now)
    for reps in range(1, 31):
        _run(ctx, "log_sets", exercise="goblet squat", sets=[{"reps": reps, "load": 16}] * 3)
    result = _run(ctx, "last_performance", exercise="goblet squat")
    shown = result.result["last_time"]
    assert shown["sets_total"] == 90
    assert len(shown["sets"]) == memory_tools.MAX_SETS_SHOWN
    assert len(shown["summary"]) <= memory_tools.MAX_SUMMARY_CHARS
    assert shown["summary"].endswith("...")
    assert len(result.content()) < 3000
