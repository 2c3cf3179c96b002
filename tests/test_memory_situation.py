"""Who the person is, stored (migration 005) and read back into today's plan."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from agent.coaching.plan import Overrides, build_request
from agent.memory import situation
from agent.memory.migrations import MIGRATIONS
from agent.tools.context import ToolContext
from agent.tools.planning_tools import tools
from agent.tools.profile_tools import tools as profile_tools
from agent.tools.registry import ToolOutcome, ToolRegistry
from tests.factories import make_user

REGISTRY = ToolRegistry([*tools(), *profile_tools()])


def _ctx(db: sqlite_utils.Database, now: datetime) -> ToolContext:
    user_id, conversation_id = make_user(db, now)
    return ToolContext(db=db, user_id=user_id, conversation_id=conversation_id, now=now)


def _run(ctx: ToolContext, name: str, **arguments: Any) -> ToolOutcome:
    return REGISTRY.run(ctx, name, json.dumps(arguments, default=str))


def test_the_migration_is_named_and_applied(db: sqlite_utils.Database) -> None:
    assert "010_profile_population" in [m.name for m in MIGRATIONS]
    columns = {c.name for c in db["profiles"].columns}
    assert {"due_date", "birth_date", "conditions", "sport", "layoff_weeks"} <= columns
    assert "temporary_kits" in db.table_names()


def test_a_pregnancy_is_remembered_and_its_week_advances(
    db: sqlite_utils.Database, now: datetime
) -> None:
    ctx = _ctx(db, now)
    out = _run(ctx, "update_profile", pregnancy_week=12, age=31)
    assert out.ok, out.result
    stored = situation.get_situation(db, ctx.user_id)
    assert stored.due_date == now.date() + timedelta(weeks=28)
    request, _ = build_request(db, ctx.user_id, now, Overrides(), carry_today=False)
    assert request.pregnancy_week == 12 and request.age == 31
    later = now + timedelta(weeks=10)
    request, _ = build_request(db, ctx.user_id, later, Overrides(), carry_today=False)
    assert request.pregnancy_week == 22
    # A birth ends the pregnancy rules and starts the postpartum ones.
    _run(ctx, "update_profile", weeks_since_birth=0)
    request, _ = build_request(db, ctx.user_id, later, Overrides(), carry_today=False)
    assert request.pregnancy_week is None and request.postpartum_weeks == 10


def test_conditions_are_added_and_validated(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now)
    assert _run(ctx, "update_profile", conditions=["hypertension"]).ok
    assert _run(ctx, "update_profile", conditions=["knee_osteoarthritis"]).ok
    assert situation.get_situation(db, ctx.user_id).conditions == [
        "hypertension",
        "knee_osteoarthritis",
    ]
    bad = _run(ctx, "update_profile", conditions=["bad vibes"])
    assert not bad.ok and "unknown condition" in str(bad.result)
    kept = situation.remove_condition(db, ctx.user_id, "hypertension", now)
    assert kept.conditions == ["knee_osteoarthritis"]


def test_a_stated_layoff_shapes_the_plan(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now)
    _run(ctx, "update_profile", weeks_off=6, equipment=["dumbbells", "bench"])
    out = _run(ctx, "plan_today")
    assert out.ok, out.result
    reasons = " ".join(out.result["reasons"])
    assert "Back after 6 weeks off" in reasons


def test_a_hotel_stay_applies_to_its_days_and_expires(
    db: sqlite_utils.Database, now: datetime
) -> None:
    ctx = _ctx(db, now)
    _run(ctx, "update_profile", equipment=["barbell", "rack", "bench", "dumbbells"])
    out = _run(ctx, "temporary_place", place="the hotel gym", days=3)
    assert out.ok, out.result
    assert "barbell" not in out.result["equipment"]
    for day in range(3):
        when = now + timedelta(days=day)
        request, _ = build_request(db, ctx.user_id, when, Overrides(), carry_today=False)
        assert "barbell" not in request.equipment
        assert request.load_caps.get("dumbbells") == 20
    after = now + timedelta(days=3)
    request, _ = build_request(db, ctx.user_id, after, Overrides(), carry_today=False)
    assert "barbell" in request.equipment and not request.load_caps


def test_a_taken_bench_changes_only_today_and_only_what_needs_it(
    db: sqlite_utils.Database, now: datetime
) -> None:
    ctx = _ctx(db, now)
    _run(ctx, "update_profile", equipment=["gym"], level="intermediate", session_minutes=45)
    first = _run(ctx, "plan_today")
    out = _run(ctx, "equipment_unavailable", items=["bench"])
    assert out.ok, out.result
    before = first.result["session"]["exercises"]
    after = out.result["session"]["exercises"]
    assert any("bench" in e["equipment"] for e in before)
    for old, new in zip(before, after, strict=False):
        if "bench" not in old["equipment"]:
            assert old["id"] == new["id"]
        assert "bench" not in new["equipment"]
    request, _ = build_request(db, ctx.user_id, now + timedelta(days=1), Overrides())
    assert "bench" in request.equipment
