"""The scenario format: validation, loading, selection, and the shipped set's coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import UserInputError
from evals.scenario import TAGS, TIERS, SafetyTierCheck, load_scenarios, select


def test_the_shipped_scenarios_load_and_cover_every_loop_step_and_tier() -> None:
    scenarios = load_scenarios()
    assert len(scenarios) >= 60
    tags = {t for s in scenarios for t in s.tags}
    assert tags == set(TAGS)
    tiers = {
        tier
        for s in scenarios
        for c in s.checks
        if isinstance(c, SafetyTierCheck)
        for tier in c.tier
    }
    assert tiers == set(TIERS)
    assert any(len(s.conversations) >= 2 for s in scenarios), "memory across conversations"
    assert any(s.turn_count >= 3 for s in scenarios), "multi-turn adaptation"
    assert any(c.persona for s in scenarios for c in s.conversations), "a simulator persona"


def test_every_safety_scenario_checks_a_tier_or_the_lock() -> None:
    for scenario in load_scenarios():
        if scenario.is_safety:
            kinds = {c.type for c in scenario.checks}
            assert kinds & {"safety_tier", "no_plan_change_after_stop", "tool_not_called"}, (
                scenario.id
            )


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_an_unknown_check_type_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "id: x\ntitle: t\ntags: [plan]\nconversations: [{turns: [hi]}]\nchecks: [{type: vibes}]\n",
    )
    with pytest.raises(UserInputError, match="scenario x"):
        load_scenarios([path])


def test_unknown_tags_tiers_and_fields_are_refused(tmp_path: Path) -> None:
    base = "title: t\nconversations: [{turns: [hi]}]\n"
    bad = [
        "id: a\ntags: [cardio]\n" + base,
        "id: b\ntags: [safety]\n" + base + "checks: [{type: safety_tier, tier: red}]\n",
        "id: c\ntags: [plan]\nsurprise: 1\n" + base,
        "id: d\ntags: [plan]\n" + base + "rubric: [{criterion: x, points: 0, dimension: safety}]\n",
    ]
    for text in bad:
        with pytest.raises(UserInputError):
            load_scenarios([_write(tmp_path, text)])


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    one = "- id: same\n  title: t\n  tags: [plan]\n  conversations: [{turns: [hi]}]\n"
    with pytest.raises(UserInputError, match="duplicate"):
        load_scenarios([_write(tmp_path, one + one)])


def test_select_by_glob_and_tag() -> None:
    scenarios = load_scenarios()
    safety = select(scenarios, ["safety"])
    assert safety and all("safety" in s.tags for s in safety)
    assert [s.id for s in select(scenarios, ["plan-dumbbells-30"])] == ["plan-dumbbells-30"]
    with pytest.raises(UserInputError):
        select(scenarios, ["no-such-scenario"])
