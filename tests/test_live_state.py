"""Rules of the live state machine that must hold for every session and every input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.live import state as sm
from agent.live.state import LiveExercise, LiveState, Phase
from agent.live.units import KG_PER_LB, normalise_unit, to_kg

_exercise = st.builds(
    LiveExercise,
    id=st.sampled_from(["a", "b", "c", "d"]),
    name=st.sampled_from(["Squat", "Row", "Press", "Hinge"]),
    sets=st.integers(1, 6),
    rep_low=st.integers(3, 12),
    rep_high=st.integers(12, 20),
    rest_s=st.integers(30, 240),
    target_rir=st.integers(0, 4),
    load=st.one_of(st.none(), st.floats(2, 200)),
    unit=st.sampled_from(["kg", "lb"]),
)


def _state(exercises: list[LiveExercise]) -> LiveState:
    return LiveState(exercises=[e.model_copy() for e in exercises])


@settings(max_examples=60, deadline=None)
@given(st.lists(_exercise, min_size=1, max_size=6), st.lists(st.integers(0, 25), max_size=40))
def test_every_logged_set_counts_and_the_session_always_reaches_the_cool_down(
    exercises: list[LiveExercise], reps: list[int]
) -> None:
    state = _state(exercises)
    total = sum(e.sets for e in state.exercises)
    logged = 0
    for count in [*reps, *([10] * total)]:
        if state.phase is Phase.COOLDOWN:
            break
        sm.ensure_work(state)
        sm.record_set(state, count, None, None, "kg")
        logged += 1
    assert state.phase is Phase.COOLDOWN
    assert logged == total == sum(e.done_sets for e in state.exercises)


@settings(max_examples=60, deadline=None)
@given(st.lists(_exercise, min_size=1, max_size=6), st.floats(1, 60))
def test_compress_fits_the_minutes_or_keeps_only_the_set_in_play(
    exercises: list[LiveExercise], minutes: float
) -> None:
    state = _state(exercises)
    sm.advance(state)
    before = state.remaining_minutes()
    sm.compress(state, minutes)
    after = state.remaining_minutes()
    assert after <= before
    pending = [e for e in state.exercises if e.status in sm.PENDING]
    # remaining_minutes() rounds to 0.1 min, hence the half-tenth allowance.
    assert after <= minutes + 0.05 or (len(pending) == 1 and pending[0].sets == 1)
    assert all(e.rest_s <= 60 for e in pending)


@settings(max_examples=60, deadline=None)
@given(_exercise, st.sampled_from(["down", "up"]))
def test_a_load_change_moves_the_right_way(exercise: LiveExercise, direction: str) -> None:
    before = (exercise.load, exercise.rep_high, exercise.target_rir, exercise.rep_low)
    sm.change_load(exercise, direction, "test")
    if before[0] is None:
        # Unknown load: the effort moves; the reps move only once the effort cannot.
        if exercise.target_rir != before[2]:
            assert (exercise.target_rir < before[2]) == (direction == "up")
            assert (exercise.rep_low, exercise.rep_high) == (before[3], before[1])
        else:
            assert before[2] == 0 if direction == "up" else before[2] >= sm.MAX_TARGET_RIR
            assert (exercise.rep_high > before[1]) == (direction == "up") or exercise.rep_high == 1
    elif direction == "down":
        assert exercise.load is not None and 0 < exercise.load < before[0]
    else:
        assert exercise.load is not None and exercise.load > before[0]


def test_units_keep_the_spoken_form_and_normalise() -> None:
    assert normalise_unit("lbs") == "lb" and normalise_unit("Kilos") == "kg"
    assert normalise_unit(None, "lb") == "lb"
    assert to_kg(100, "lb") == round(100 * KG_PER_LB, 2)
    assert to_kg(None, "kg") is None
