"""The live view: what a screen shows of a session, read from the typed state only."""

from __future__ import annotations

from agent.live.state import LiveExercise, LiveState, Phase
from agent.live.view import in_play, live_view


def test_live_view_follows_the_state_machine() -> None:
    state = LiveState(
        exercises=[LiveExercise(id="plank", name="Plank", sets=2, rep_low=30, rep_high=30)]
    )
    warmup = live_view(state)
    assert (warmup.phase, warmup.exercise, warmup.next_exercise) == ("warmup", None, "Plank")
    state.phase, state.exercises[0].timed = Phase.WORK, True
    working = live_view(state)
    assert (working.exercise, working.set_number, working.target) == ("Plank", 1, "30 s")
    # No stored state, no view: the one reader says so rather than guessing.
    assert LiveState.from_json(None) is None
    assert LiveState.from_json('{"phase": "somewhere else"}') is None


def test_the_exercise_in_play_during_warm_up_is_the_first_to_do() -> None:
    state = LiveState(
        exercises=[
            LiveExercise(id="squat", name="Squat", sets=3, rep_low=8, rep_high=10, status="done"),
            LiveExercise(id="row", name="Row", sets=3, rep_low=8, rep_high=10),
        ]
    )
    playing = in_play(state)
    assert playing is not None and playing.id == "row"
    state.phase = Phase.COOLDOWN
    assert in_play(state) is None
