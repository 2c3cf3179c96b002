"""Easier is always easier and harder always harder, for every catalog exercise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.planning import difficulty
from agent.planning.adapt import adjust_difficulty, swap_exercise
from agent.planning.catalog import load_catalog
from agent.planning.models import SessionRequest
from agent.planning.session import build_session

CAT = load_catalog()
ALL_IDS = [e.id for e in CAT.exercises]
FULL_GYM = list(CAT.vocabulary.profiles["full_gym"])


def _rank_down(exercise_id: str) -> set[str]:
    return {e.id for e in CAT.ladder(exercise_id, "down")}


def _rank_up(exercise_id: str) -> set[str]:
    return {e.id for e in CAT.ladder(exercise_id, "up")}


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_ladders_are_ordered_by_level_and_never_loop(exercise_id: str) -> None:
    ex = CAT.get(exercise_id)
    down, up = CAT.ladder(exercise_id, "down"), CAT.ladder(exercise_id, "up")
    # Each rung is no harder (down) or no easier (up) than the one before it.
    previous = ex
    for rung in down:
        assert rung.level_rank <= previous.level_rank, (previous.id, rung.id)
        assert rung.pattern == ex.pattern
        previous = rung
    previous = ex
    for rung in up:
        assert rung.level_rank >= previous.level_rank, (previous.id, rung.id)
        assert rung.pattern == ex.pattern
        previous = rung
    # Nothing is both easier and harder than an exercise.
    assert not ({r.id for r in down} & {r.id for r in up})
    assert exercise_id not in {r.id for r in down} | {r.id for r in up}


@pytest.mark.parametrize("exercise_id", ALL_IDS)
@pytest.mark.parametrize("direction", ["easier", "harder"])
@pytest.mark.parametrize("kit", ["own", "full"])
def test_every_exercise_moves_the_right_way(exercise_id: str, direction: str, kit: str) -> None:
    ex = CAT.get(exercise_id)
    equipment = list(ex.equipment) if kit == "own" else FULL_GYM
    for rir in (None, 0, 2, 5):
        change = difficulty.step(
            CAT,
            exercise_id,
            "easier" if direction == "easier" else "harder",
            rir=rir,
            equipment=equipment,
        )
        if change.rungs:
            ladder = _rank_down(exercise_id) if direction == "easier" else _rank_up(exercise_id)
            assert change.exercise.id in ladder
            if direction == "easier":
                assert change.exercise.level_rank <= ex.level_rank
            else:
                assert change.exercise.level_rank >= ex.level_rank
            continue
        # No rung: the same exercise at a lower (easier) or higher (harder) dose.
        assert change.exercise.id == exercise_id
        if direction == "easier":
            assert change.set_factor < 1
            assert change.extra_sets == 0
            assert rir is None or (change.rir is not None and change.rir >= rir)
        else:
            assert change.extra_sets >= 1
            assert change.set_factor == 1
            assert rir is None or (change.rir is not None and change.rir <= max(rir, 1))


@settings(max_examples=60, deadline=None)
@given(
    kit=st.sampled_from(["bodyweight", "bands", "dumbbells", "kettlebell", "barbell", "full_gym"]),
    level=st.sampled_from(["beginner", "intermediate", "advanced"]),
    goal=st.sampled_from(["strength", "hypertrophy", "general_fitness", "fat_loss"]),
    minutes=st.integers(min_value=15, max_value=75),
    variation=st.integers(min_value=0, max_value=2),
)
def test_adjusting_a_whole_session_never_goes_the_wrong_way(
    kit: str, level: str, goal: str, minutes: int, variation: int
) -> None:
    request = SessionRequest.model_validate(
        {
            "equipment": list(CAT.vocabulary.profiles[kit]),
            "level": level,
            "goal": goal,
            "minutes": minutes,
            "variation": variation,
        }
    )
    base = build_session(request)
    for direction in ("easier", "harder"):
        new = adjust_difficulty(base, direction)
        old_ids = {p.id for p in base.exercises}
        for item in new.exercises:
            if item.id in old_ids:
                continue
            same = [p.id for p in base.exercises if p.pattern == item.pattern]
            for old in same:
                wrong = _rank_up(old) if direction == "easier" else _rank_down(old)
                assert item.id not in wrong, (direction, old, item.id)
        ladder_notes = [r for r in new.reasons if "ladder step" in r]
        for note in ladder_notes:
            assert note.startswith("Easier" if direction == "easier" else "Harder")


def test_push_ups_too_hard_swaps_down_the_ladder_never_up() -> None:
    request = SessionRequest(level="beginner", equipment=["bodyweight"], minutes=30, variation=0)
    session = build_session(request, None)
    push = next(p for p in session.exercises if p.pattern == "horizontal_push")
    swapped = swap_exercise(session, push.id, reason="push-ups are nearly impossible for me")
    new = next(p for p in swapped.exercises if p.pattern == "horizontal_push")
    assert new.id != push.id
    assert new.id not in _rank_up(push.id)
    assert CAT.get(new.id).level_rank <= CAT.get(push.id).level_rank
    assert "too hard" in swapped.changes[0]
