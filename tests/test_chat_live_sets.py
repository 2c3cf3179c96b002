"""Issue 15, the live session through `coach chat`: every set keeps what was said.

The side of a one-sided set ("10 on the left, 9 on the right", "8 per side") is stored
with the set; a load said as "the 12 kg one" or "the 14s" is logged in the person's
unit; and a message the session served is not read a second time (no "I'm not sure
which exercise 'arm' is" after a correct log). Phrasings are in several voices and
none is in the intent corpus.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli.main import app
from agent.clock import utc_now
from agent.memory import store
from agent.memory.db import connect

_SECOND_READING = (
    "I'm not sure which exercise",
    "Just to be sure",
    "Which exercise",
    "didn't catch",
)


def _person(db_path: str, units: str = "kg") -> None:
    database = connect(db_path)
    user_id = store.ensure_user(database, "kim", utc_now())
    store.save_profile(
        database,
        user_id,
        store.Profile(
            goal="strength",
            level="beginner",
            equipment=["dumbbells", "bench"],
            days_per_week=3,
            session_minutes=30,
            units=units,
        ),
        utc_now(),
    )
    database.close()


def _live(db_path: str, lines: list[str], units: str = "kg") -> list[dict[str, Any]]:
    """Plan, start, finish the warm-up, then say ``lines`` during the first exercise."""
    _person(db_path, units)
    script = ["what should I do today?", "let's start", "done", *lines]
    result = CliRunner().invoke(
        app,
        ["chat", "--user", "kim", "--db", db_path, "--json", "--model", "offline"],
        input="\n".join(script) + "\n",
        env={"OPENAI_API_KEY": ""},
    )
    assert result.exit_code == 0, result.output
    turns = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert len(turns) == len(script)
    return turns[3:]


def _rows(db_path: str) -> list[tuple[Any, ...]]:
    return (
        connect(db_path)
        .execute("SELECT exercise_id, reps, load, unit, side FROM set_logs ORDER BY id")
        .fetchall()
    )


def test_the_set_record_has_a_side_column(db_path: str) -> None:
    columns = {c.name for c in connect(db_path)["set_logs"].columns}
    assert "side" in columns


@pytest.mark.parametrize(
    ("said", "reps", "load"),
    [
        ("did 8 with the 12 kg one", 8, 12.0),
        ("got 10 with the 14s", 10, 14.0),
        ("managed 9 reps with the 16 kilo one", 9, 16.0),
        ("I did 7, with the 18 kg dumbbell, it was hard", 7, 18.0),
    ],
)
def test_a_set_said_with_its_load_keeps_the_load(
    db_path: str, said: str, reps: int, load: float
) -> None:
    turns = _live(db_path, [said])
    assert [c["name"] for c in turns[0]["tool_calls"]] == ["log_set"]
    assert _rows(db_path) == [("goblet_squat", reps, load, "kg", None)]
    assert not any(phrase in turns[0]["reply"] for phrase in _SECOND_READING)


def test_a_load_without_a_unit_is_in_the_persons_unit(db_path: str) -> None:
    turns = _live(db_path, ["did 8 with the 25s"], units="lb")
    assert _rows(db_path) == [("goblet_squat", 8, 25.0, "lb", None)]
    assert "25 lb" in turns[0]["reply"]


@pytest.mark.parametrize(
    "said",
    [
        "10 on the left arm, 9 on the right",
        "left 10 right 9",
        "Left side: 10 repetitions. Right side: 9 repetitions.",
        "did 10 on my left n 9 on my right",
    ],
)
def test_both_sides_are_one_set_with_a_side_each(db_path: str, said: str) -> None:
    turns = _live(db_path, [said, "done"])
    rows = _rows(db_path)
    assert [(r[1], r[4]) for r in rows] == [(10, "left"), (9, "right")]
    assert not any(phrase in turns[0]["reply"] for phrase in _SECOND_READING)
    # The two sides were one set: the next step is set 2 of the same exercise.
    assert "set 2 of" in turns[1]["reply"]


@pytest.mark.parametrize(
    ("said", "side", "reps"),
    [
        ("8 per side", "each", 8),
        ("12 each leg", "each", 12),
        ("did 9 on my right arm", "right", 9),
        ("only managed 6 on the left side", "left", 6),
        ("got 7 on the left side", "left", 7),
    ],
)
def test_one_side_or_per_side_is_stored(db_path: str, said: str, side: str, reps: int) -> None:
    turns = _live(db_path, [said])
    assert [(r[1], r[4]) for r in _rows(db_path)] == [(reps, side)]
    assert not any(phrase in turns[0]["reply"] for phrase in _SECOND_READING)


def test_reps_in_reserve_is_no_side(db_path: str) -> None:
    _live(db_path, ["did 10, 2 left in the tank"])
    assert _rows(db_path)[0][4] is None
    rir = connect(db_path).execute("SELECT rir FROM set_logs").fetchone()[0]
    assert rir == 2


def test_each_session_message_is_answered_once(db_path: str) -> None:
    turns = _live(db_path, ["done", "ok next", "9"])
    for turn in turns:
        assert turn["tool_calls"], turn
        assert not any(phrase in turn["reply"] for phrase in _SECOND_READING), turn["reply"]


@pytest.mark.parametrize(
    ("said", "item"),
    [
        ("someone's on the rack", "rack"),
        ("ugh a guy is hogging the bench", "bench"),
        ("The cable machine is occupied.", "cables"),
    ],
)
def test_an_item_taken_mid_session_swaps_the_current_exercise(said: str, item: str) -> None:
    from agent.models.offline import router

    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "x"},
        {"role": "user", "content": "done"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]},
        {"role": "tool", "name": "next_step", "content": json.dumps({"event": "step"})},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": said},
    ]
    calls = router.route(messages, set(router.SESSION_TOOLS))
    assert calls is not None and calls[0][0] == "swap_current"
    assert calls[0][1]["unavailable_equipment"] == [item]
