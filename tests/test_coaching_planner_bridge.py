"""Plan dicts become live exercises; missing or null fields read as the documented defaults."""

from __future__ import annotations

from agent.coaching.planner_bridge import from_plan_dict


def test_a_null_target_rir_reads_as_two_reps_in_reserve() -> None:
    # A plan item with target_rir null once crashed start_workout with a TypeError,
    # and every set after it answered "no workout is in progress".
    plan = {
        "exercises": [
            {"id": "goblet_squat", "name": "Goblet squat", "sets": 3, "reps": "8-12",
             "target_rir": None},
            {"id": "goblet_squat", "name": "Goblet squat", "sets": 3, "reps": "8-12",
             "rir": 3},
        ]
    }  # fmt: skip
    first, second = from_plan_dict(plan)
    assert first.target_rir == 2
    assert second.target_rir == 3
