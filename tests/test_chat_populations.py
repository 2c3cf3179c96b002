"""Issue 15 through `coach chat`: people state their situation, the plan respects it.

Every case is a whole conversation piped into the real command (offline model, no key),
phrased several ways in different voices (terse; chatty; slang and typos; non-native;
formal or older; a story in the past tense). None of these phrasings is in the intent
corpus or the statement tests: they check that the door generalises, not that it
remembers. Each conversation starts from the same intake, so a control conversation
without the statement shows what the statement changed.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli.main import app
from agent.memory.db import connect
from agent.planning.catalog import load_catalog

GYM = "I want to get stronger, I'm intermediate, full gym, 3 days a week, 45 minutes"
"""The intake line every conversation opens with (a full gym, so nothing is missing)."""
PLAN = "what should I do today?"


def chat(db_path: str, lines: list[str], user: str = "pat") -> list[dict[str, Any]]:
    """Pipe ``lines`` into `coach chat --json` and return the turns."""
    result = CliRunner().invoke(
        app,
        ["chat", "--user", user, "--db", db_path, "--json", "--model", "offline"],
        input="\n".join(lines) + "\n",
        env={"OPENAI_API_KEY": ""},
    )
    assert result.exit_code == 0, result.output
    turns = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert len(turns) == len(lines), result.output
    return turns


def calls(turn: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The calls of tool ``name`` in one turn."""
    return [c for c in turn["tool_calls"] if c["name"] == name]


def session_of(turn: dict[str, Any]) -> dict[str, Any]:
    """The session the turn's last planning tool returned."""
    from agent.models.offline.state import find_session

    for call in reversed(turn["tool_calls"]):
        found = find_session(call["result"])
        if found is not None:
            return found
    raise AssertionError(f"no session in {[c['name'] for c in turn['tool_calls']]}")


def situation(db_path: str, user: str = "pat") -> dict[str, Any]:
    """The stored profile and situation columns."""
    row = (
        connect(db_path)
        .execute(
            "SELECT p.age, p.due_date, p.birth_date, p.conditions, p.sport, p.layoff_weeks, "
            "p.load_caps, p.equipment FROM profiles p JOIN users u ON u.id = p.user_id "
            "WHERE u.name = ?",
            [user],
        )
        .fetchone()
    )
    assert row is not None
    keys = ("age", "due_date", "birth_date", "conditions", "sport", "layoff_weeks")
    out = dict(zip(keys, row[:6], strict=True))
    out["conditions"] = json.loads(row[3])
    out["load_caps"] = json.loads(row[6])
    out["equipment"] = json.loads(row[7]) if row[7] else None
    return out


def tags(session: dict[str, Any]) -> set[str]:
    """Every catalog tag of the session's main work (position tags included)."""
    catalog = load_catalog()
    return {t for e in session["exercises"] for t in catalog.get(e["id"]).tags}


def total_sets(session: dict[str, Any]) -> int:
    return sum(int(e["sets"]) for e in session["exercises"])


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Today's session for the same intake with nothing stated."""
    path = str(tmp_path_factory.mktemp("control") / "coach.db")
    return session_of(chat(path, [GYM, PLAN])[-1])


# --- pregnancy and postpartum ------------------------------------------------------------


def _due_month_in(weeks: int) -> str:
    return (date.today() + timedelta(weeks=weeks)).strftime("%B")


PREGNANT_MID = [
    "I'm 24 weeks pregnant",
    "24 wks along w my first lol, be nice",
    "I am pregnant, now in week 22. What can I do today?",
    "Found out in spring, and now I'm 26 weeks into my pregnancy.",
    f"pregnant!! baby's due in {_due_month_in(15)}",
]


@pytest.mark.parametrize("said", PREGNANT_MID)
def test_second_trimester_gets_nothing_on_the_back_and_is_remembered(
    db_path: str, said: str, control: dict[str, Any]
) -> None:
    assert "supine" in tags(control)  # the same intake without the pregnancy lies down
    turns = chat(db_path, [GYM, said, PLAN])
    saved = calls(turns[1], "update_profile")
    assert saved and {"pregnancy_week", "due_date"} & set(saved[0]["arguments"])
    assert not {"supine", "prone", "fall_risk", "impact"} & tags(session_of(turns[2]))
    assert situation(db_path)["due_date"] is not None
    # Another day, another process: still remembered.
    later = chat(db_path, [PLAN])
    assert not {"supine", "prone", "fall_risk", "impact"} & tags(session_of(later[0]))


@pytest.mark.parametrize(
    "said",
    [
        "had my baby 8 weeks ago",
        "New mum here, she was born 7 weeks ago. gave birth 7 weeks ago to be exact",
        "I gave birth six weeks ago and would like to start again.",
    ],
)
def test_postpartum_is_stored_and_keeps_impact_out(db_path: str, said: str) -> None:
    turns = chat(db_path, [GYM, said, PLAN])
    assert calls(turns[1], "update_profile")[0]["arguments"].get("weeks_since_birth")
    session = session_of(turns[2])
    assert "impact" not in tags(session)
    assert all(e["target_rir"] is None or e["target_rir"] >= 3 for e in session["exercises"])
    assert situation(db_path)["birth_date"] is not None


def test_someone_elses_pregnancy_changes_nothing(db_path: str) -> None:
    turns = chat(db_path, [GYM, "my wife is 20 weeks pregnant so I'm cooking more lol"])
    assert not calls(turns[1], "update_profile")
    assert situation(db_path)["due_date"] is None


# --- older adults, youth -----------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "I'm 71",
        "72 yo, a bit wobbly on my feet these days",
        "I am 74 years old and have arthritis in my knees.",
        "just turned 68 last month, grandkids keep me busy",
        "im turning 70 next month",
    ],
)
def test_older_adults_get_balance_work_every_session(db_path: str, said: str) -> None:
    turns = chat(db_path, [GYM, said, PLAN])
    assert calls(turns[1], "update_profile")[0]["arguments"]["age"] >= 65
    warmup = [i["name"] for i in session_of(turns[2])["warmup"]["items"]]
    assert any(name.startswith("Balance") for name in warmup), warmup
    assert situation(db_path)["age"] >= 65


def test_knee_osteoarthritis_keeps_deep_knee_bends_out(
    db_path: str, control: dict[str, Any]
) -> None:
    assert "deep_knee_flexion" in tags(control)
    turns = chat(db_path, [GYM, "got oa in my knee, doc says keep moving", PLAN])
    assert situation(db_path)["conditions"] == ["knee_osteoarthritis"]
    assert "deep_knee_flexion" not in tags(session_of(turns[2]))


@pytest.mark.parametrize(
    "said",
    ["I'm 15", "im 14 n wanna get strong for rugby", "turning 17 next month", "I am 16 years."],
)
def test_under_18_gets_no_maximal_singles(db_path: str, said: str, control: dict[str, Any]) -> None:
    turns = chat(db_path, [GYM, said, PLAN])
    assert calls(turns[1], "update_profile")[0]["arguments"]["age"] < 18
    session = session_of(turns[2])
    lows = [e["rep_low"] for e in session["exercises"] if e["rep_low"] is not None]
    assert lows and min(lows) >= 6
    assert any("supervis" in r for r in session["reasons"])


# --- blood pressure and heart-rate medication ---------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "on beta blockers",
        "I take bisoprolol every morning for my heart",
        "my gp put me on metoprolol last year",
        "I have high blood pressure, I take tablets for it.",
    ],
)
def test_medication_means_effort_by_feel_not_heart_rate_zones(db_path: str, said: str) -> None:
    turns = chat(db_path, [GYM, said, PLAN])
    saved = calls(turns[1], "update_profile")[0]["arguments"]["conditions"]
    assert set(saved) & {"heart_rate_medication", "hypertension"}
    assert "a question for a doctor" not in turns[1]["reply"]  # a fact, not a question
    session = session_of(turns[2])
    assert any(
        "talk test" in r or "by feel" in r or "never hold your breath" in r
        for r in session["reasons"]
    )
    assert "bpm" not in turns[2]["reply"]
    assert all(e["target_rir"] is None or e["target_rir"] >= 2 for e in session["exercises"])


def test_a_medication_question_is_declined_and_the_fact_confirmed_first(db_path: str) -> None:
    turns = chat(
        db_path, [GYM, "should i skip my blood pressure pills before lifting?", "yes", PLAN]
    )
    assert not calls(turns[1], "update_profile")
    assert "Shall I save that you have high blood pressure" in turns[1]["reply"]
    # One question at most: no exercise guess on top of the confirmation.
    assert turns[1]["reply"].count("Shall I") == 1 and "Did you mean" not in turns[1]["reply"]
    assert calls(turns[2], "update_profile")[0]["arguments"] == {"conditions": ["hypertension"]}
    assert situation(db_path)["conditions"] == ["hypertension"]


def test_a_no_to_the_confirmation_saves_nothing(db_path: str) -> None:
    turns = chat(db_path, [GYM, "is squatting ok with knee arthritis?", "no thanks"])
    assert "Shall I save" in turns[1]["reply"]
    assert not calls(turns[2], "update_profile")
    assert situation(db_path)["conditions"] == []


# --- layoff, runner ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "off 6 weeks with flu",
        "havent trained in 2 months, been really sick",
        "I was out for eight weeks after surgery and I am now recovered.",
        "not been to the gym in 3 months cos of work",
        "Back after a 10 week break, work was crazy",
    ],
)
def test_a_layoff_reduces_volume(db_path: str, said: str, control: dict[str, Any]) -> None:
    turns = chat(db_path, [GYM, said, PLAN])
    assert calls(turns[1], "update_profile")[0]["arguments"]["weeks_off"] >= 6
    assert total_sets(session_of(turns[2])) < total_sets(control)


def test_a_future_holiday_is_no_layoff(db_path: str) -> None:
    turns = chat(db_path, [GYM, "I'll be off for 2 weeks on holiday from Monday"])
    assert not any("weeks_off" in c["arguments"] for c in calls(turns[1], "update_profile"))
    assert situation(db_path)["layoff_weeks"] is None


RUNNER_START = "I want to get fit, beginner, full gym, 3 days a week, 45 minutes"


@pytest.mark.parametrize(
    "said",
    [
        "I'm a runner and want to get stronger",
        "marathoner here, want proper strength work not cardio",
        "I run about 40 km a week and I would like to build strength for it.",
        "joined a run club last year, now i wanna get strong",
    ],
)
def test_a_runner_gets_strength_rep_ranges(
    db_path: str, tmp_path_factory: pytest.TempPathFactory, said: str
) -> None:
    path = str(tmp_path_factory.mktemp("runner-control") / "coach.db")
    plain = session_of(chat(path, [RUNNER_START, "I want to get stronger", PLAN])[-1])
    turns = chat(db_path, [RUNNER_START, said, PLAN])
    assert situation(db_path)["sport"] == "running"
    main = [e for e in session_of(turns[2])["exercises"] if e["role"] == "main"]
    assert main and all(e["rep_high"] is not None and e["rep_high"] <= 8 for e in main)
    plain_main = [e for e in plain["exercises"] if e["role"] == "main"]
    assert max(e["rep_high"] or 0 for e in plain_main) > 8  # without the sport: 8-12


def test_a_race_in_passing_is_no_sport(db_path: str) -> None:
    turns = chat(db_path, [GYM, "did a 10k in 55 min yesterday, legs are fine"])
    assert not calls(turns[1], "update_profile")
    assert situation(db_path)["sport"] is None


# --- equipment as it really is -----------------------------------------------------------


def _needs(exercise: dict[str, Any], item: str) -> bool:
    return item in load_catalog().get(exercise["id"]).equipment


@pytest.mark.parametrize(
    ("said", "item"),
    [
        ("the bench is occupied", "bench"),
        ("ugh some guy is hogging the bench", "bench"),
        ("The bench was taken when I arrived.", "bench"),
        ("someone's on the rack", "rack"),
        ("rack is busy rn", "rack"),
        ("no cables here", "cables"),
        ("This gym has no cables, sadly.", "cables"),
        ("lat pulldown machine is broken", "machines"),
    ],
)
def test_one_item_taken_swaps_only_what_needs_it(db_path: str, said: str, item: str) -> None:
    turns = chat(db_path, [GYM, PLAN, said])
    before = session_of(turns[1])
    assert calls(turns[2], "equipment_unavailable")[0]["arguments"]["items"] == [item]
    after = session_of(turns[2])
    assert not any(_needs(e, item) for e in after["exercises"])
    kept = [e["id"] for e in before["exercises"] if not _needs(e, item)]
    assert kept == [e["id"] for e in after["exercises"] if e["id"] in kept]
    assert len(after["exercises"]) == len(before["exercises"])
    # Still a gym session: nothing became a home session.
    assert not any("doorframe" in e["id"] or "towel" in e["id"] for e in after["exercises"])
    assert item in situation(db_path)["equipment"]  # the usual kit is untouched


_HEAVY_DUMBBELL_WORK = (
    "goblet_squat",
    "db_front_squat",
    "db_row",
    "db_bench_press",
    "db_incline_press",
    "db_floor_press",
    "db_shoulder_press",
    "db_arnold_press",
    "db_rdl",
    "db_single_leg_rdl",
    "db_split_squat",
    "db_bulgarian_split_squat",
)


def _heavy_history(db_path: str) -> None:
    """A week of dumbbell work at 30-36 kg, logged three days ago."""
    from datetime import UTC, datetime

    from agent.memory import history, store
    from agent.memory.history import SetInput

    database = connect(db_path)
    then = datetime.now(UTC) - timedelta(days=3)
    user_id = store.ensure_user(database, "pat", then)
    catalog = load_catalog()
    for exercise_id in _HEAVY_DUMBBELL_WORK:
        history.log_sets(
            database,
            user_id,
            exercise_id=exercise_id,
            exercise_name=catalog.get(exercise_id).name,
            sets=[SetInput(reps=8, load=32.0, unit="kg", rir=2)] * 3,
            now=then,
        )
    database.close()


@pytest.mark.parametrize(
    "said",
    [
        "dumbbells only go to 20 kg",
        "heaviest db is 20kg at my place",
        "My dumbbells only go up to twenty kilos.",
    ],
)
def test_a_dumbbell_cap_limits_the_loads(db_path: str, said: str) -> None:
    _heavy_history(db_path)
    start = "I want to get stronger, intermediate, dumbbells and a bench, 3 days, 45 minutes"
    turns = chat(db_path, [start, said, PLAN])
    saved = calls(turns[1], "update_profile")[0]["arguments"]
    assert saved == {"max_dumbbell_kg": 20.0}  # the bench stays in the kit
    assert situation(db_path)["load_caps"] == {"dumbbells": 20.0}
    assert situation(db_path)["equipment"] == ["dumbbells", "bench"]
    first, capped = session_of(turns[0]), session_of(turns[2])
    assert any((e["load"] or {}).get("value", 0) > 20.0 for e in first["exercises"])
    loads = [e["load"]["value"] for e in capped["exercises"] if e["load"] is not None]
    assert loads and max(loads) <= 20.0


@pytest.mark.parametrize(
    "said",
    [
        "hotel gym this week: treadmill and light dumbbells",
        "Staying at a hotel till Friday, its gym has a treadmill and some light dumbbells",
        "for 3 days I'm at a hotel gym with a treadmill and dumbbells",
    ],
)
def test_a_hotel_stay_is_a_kit_that_expires(db_path: str, said: str) -> None:
    turns = chat(db_path, [GYM, said])
    stay = calls(turns[1], "temporary_place")[0]
    assert set(stay["arguments"]["equipment"]) <= {"treadmill", "dumbbells", "bodyweight"}
    session = session_of(turns[1])
    allowed = {"treadmill", "dumbbells", "bodyweight"}
    assert all(set(e["equipment"]) <= allowed for e in session["exercises"])
    assert "barbell" in situation(db_path)["equipment"]  # the usual kit stays on file
    ends = date.fromisoformat(stay["result"]["ends_on"])
    assert date.today() <= ends <= date.today() + timedelta(days=7)
    # After the stay (its dates moved into the past), the usual kit is back.
    database = connect(db_path)
    database.execute(
        "UPDATE temporary_kits SET starts_on = ?, ends_on = ?",
        [(date.today() - timedelta(days=9)).isoformat(), (date.today() - timedelta(1)).isoformat()],
    )
    database.execute(
        "UPDATE workout_sessions SET planned_for = ?", [(date.today() - timedelta(1)).isoformat()]
    )
    database.conn.commit()
    later = chat(db_path, [PLAN])
    equipment = {i for e in session_of(later[0])["exercises"] for i in e["equipment"]}
    assert equipment - allowed, equipment


@pytest.mark.parametrize(
    "said",
    [
        "away this week, hotel room with a band, 20 minutes",
        "At the hotel till Thursday with only my resistance band; I have twenty minutes today.",
    ],
)
def test_a_stay_said_with_todays_minutes_plans_today_within_them(db_path: str, said: str) -> None:
    turns = chat(db_path, [GYM, said])
    assert calls(turns[1], "temporary_place")[0]["arguments"]["minutes"] == 20
    assert session_of(turns[1])["est_minutes"] <= 20
    usual = connect(db_path).execute("SELECT session_minutes FROM profiles").fetchone()
    assert usual == (45,)  # today only; the usual length stays


@pytest.mark.parametrize(
    ("said", "kit"),
    [
        ("I train at a commercial gym", {"barbell", "rack", "cables", "machines"}),
        ("just joined planet fitness!!", {"machines", "cables", "dumbbells"}),
        ("my garage: a kettlebell and a bench", {"kettlebell", "bench"}),
        ("In my garage I have got a barbell and a rack.", {"barbell", "rack"}),
        ("my home gym: barbell, rack and a bench", {"barbell", "rack", "bench"}),
    ],
)
def test_places_are_kits(db_path: str, said: str, kit: set[str]) -> None:
    turns = chat(
        db_path, ["I want to get stronger, beginner, just bands, 3 days a week, 30 min", said]
    )
    saved = calls(turns[1], "update_profile")[0]["arguments"]["equipment"]
    assert kit <= set(saved)
    assert kit <= set(situation(db_path)["equipment"])


def test_a_garage_with_nothing_said_is_asked_about(db_path: str) -> None:
    turns = chat(db_path, [GYM, "I mostly train in my garage", "a kettlebell and a bench"])
    assert not calls(turns[1], "update_profile")
    assert "What equipment do you have there?" in turns[1]["reply"]
    assert set(situation(db_path)["equipment"]) >= {"kettlebell", "bench"}


@pytest.mark.parametrize(
    "said",
    [
        "nervous about the gym",
        "gyms intimidate me tbh, I'm a beginner",
        "I always feel awkward at the gym, everyone looks so fit.",
        "I went to the gym once and was so anxious I left",
    ],
)
def test_a_feeling_about_the_gym_changes_no_kit(db_path: str, said: str) -> None:
    start = "I want to get fit, beginner, dumbbells at home, 3 days a week, 30 minutes"
    chat(db_path, [start, said])
    assert situation(db_path)["equipment"] == ["dumbbells"]


def test_passing_remarks_never_rewrite_the_profile(db_path: str) -> None:
    remarks = [
        "my dad has high blood pressure, worried about him",
        "my knees feel like I'm 80 after that hike",
        "watched the rugby yesterday, great match",
    ]
    turns = chat(db_path, [GYM, *remarks])
    stored = situation(db_path)
    assert stored["conditions"] == [] and stored["age"] is None and stored["sport"] is None
    assert not any(
        {"age", "conditions", "sport"} & set(c["arguments"])
        for turn in turns[1:]
        for c in calls(turn, "update_profile")
    )


# --- trainer invite ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "{code}",
        "my trainer gave me this code: {code}",
        "Hello, my personal trainer asked me to enter {code} here.",
        "here's the code from sam {code} pls link us",
    ],
)
def test_a_trainer_invite_code_links_the_trainer(db_path: str, template: str) -> None:
    from agent.clock import utc_now
    from agent.coaching import trainers
    from tests.trainer_factories import make_trainer

    database = connect(db_path)
    make_trainer(database, utc_now(), "sam")
    code = trainers.create_invite(database, "sam", utc_now())
    database.close()
    turns = chat(db_path, [template.format(code=code.upper() if "Hello" in template else code)])
    accepted = calls(turns[0], "accept_trainer_invite")
    assert accepted and accepted[0]["arguments"] == {"code": code}
    assert "sam" in turns[0]["reply"]
    linked = connect(db_path).execute("SELECT COUNT(*) FROM trainer_links").fetchone()
    assert linked[0] == 1


def test_a_wrong_invite_code_is_said_plainly(db_path: str) -> None:
    turns = chat(db_path, ["tr-0000000000"])
    assert "check the code" in turns[0]["reply"]
    assert "tell the person" not in turns[0]["reply"]


@pytest.mark.parametrize(
    "said",
    [
        "Work is sending me to Berlin from Wednesday, I won't be home for three days",
        "Had 4 weeks off last year for my wedding, came back too hard and was sore for a week",
        "I wont be at the gym this week, family stuff",
    ],
)
def test_a_trip_ahead_or_a_layoff_long_over_saves_no_kit_and_no_layoff(
    db_path: str, said: str
) -> None:
    turns = chat(db_path, [GYM, said])
    names = [c["name"] for c in turns[1]["tool_calls"]]
    assert "temporary_place" not in names
    assert not any(
        {"weeks_off", "equipment"} & set(c["arguments"]) for c in calls(turns[1], "update_profile")
    )
    stored = situation(db_path)
    assert stored["layoff_weeks"] is None and "barbell" in stored["equipment"]


@pytest.mark.parametrize(
    "said",
    [
        "my knee osteoarthritis aches a little after training, is that ok?",
        "with knee OA is a bit of soreness after leg day fine?",
        "I've got hip arthritis, should it be sore the day after?",
        "is it normal for my arthritic knee to ache a bit after squats?",
    ],
)
def test_an_ache_question_with_arthritis_gets_the_education_answer(db_path: str, said: str) -> None:
    from agent.planning import populations

    turns = chat(db_path, [GYM, said])
    reply = turns[1]["reply"]
    assert populations.education("osteoarthritis_ache") in reply
    assert "a question for a doctor" not in reply
    assert "Shall I save that you have" in reply  # named in a question: asked first
    assert situation(db_path)["conditions"] == []
