"""The offline model's slot parsers: phrasing examples and properties that hold for any text."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.models.offline import slots
from agent.models.offline.slots import Effort, Load, SetEntry, find_period, find_sets


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("12 min", 12),
        ("twelve minutes", 12),
        ("only got 20", 20),
        ("half an hour", 30),
        ("I only have 15 minutes actually", 15),
        ("an hour and a half", 90),
        ("1 hour 15 minutes", 75),
        ("twenty-five minutes", 25),
        ("about 40 mins", 40),
        ("an hour", 60),
        ("I have 3 days a week", None),
        ("3x8 goblet squats at 20 kg", None),
        ("got 2 dumbbells", None),
    ],
)
def test_minutes(text: str, minutes: int | None) -> None:
    assert slots.find_minutes(text) == minutes


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("3 days a week", 3),
        ("three times a week", 3),
        ("twice a week", 2),
        ("every day", 7),
        ("4x per week", 4),
        ("I can do 5 days", 5),
        ("3 days ago", None),
        ("12 days a week", None),
    ],
)
def test_days_per_week(text: str, days: int | None) -> None:
    assert slots.find_days_per_week(text) == days


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "3x8 goblet squats at 20 kg, RPE 7",
            [SetEntry(3, 8, "goblet squats", Load(20.0, "kg"), Effort(rpe=7.0))],
        ),
        ("3 sets of 8 rows with 50 lbs", [SetEntry(3, 8, "rows", Load(50.0, "lb"))]),
        ("8 at 22.5", [SetEntry(1, 8, None, Load(22.5, None))]),
        ("8 reps with 50 lb", [SetEntry(1, 8, None, Load(50.0, "lb"))]),
        (
            "did goblet squats 3x8 at 20 kilos, 2 left in the tank",
            [SetEntry(3, 8, "goblet squats", Load(20.0, "kg"), Effort(rir=2))],
        ),
        (
            "3x10 pushups and 3x8 db row at 12.5 kg",
            [SetEntry(3, 10, "pushups"), SetEntry(3, 8, "db row", Load(12.5, "kg"))],
        ),
        ("three sets of ten push-ups", [SetEntry(3, 10, "push-ups")]),
        ("what should I do today?", []),
    ],
)
def test_set_notation(text: str, expected: list[SetEntry]) -> None:
    assert slots.find_sets(text) == expected


@pytest.mark.parametrize(
    ("text", "available", "missing", "nothing"),
    [
        ("DBs", ["dumbbells"], [], False),
        ("a pair of dumbbells and a bench", ["dumbbells", "bench"], [], False),
        ("no equipment", [], [], True),
        ("bands", ["bands"], [], False),
        ("a resistance band", ["bands"], [], False),
        ("I have dumbbells but no bench", ["dumbbells"], ["bench"], False),
        ("I don't have a pull-up bar", [], ["pullup_bar"], False),
        ("the gym is closed, I only have bands", ["bands"], [], False),
        ("just bodyweight", [], [], True),
    ],
)
def test_equipment(text: str, available: list[str], missing: list[str], nothing: bool) -> None:
    found = slots.find_equipment(text)
    assert (found.available, found.missing, found.nothing) == (available, missing, nothing)


def test_full_gym_and_bare_nothing_as_an_answer() -> None:
    assert {"barbell", "rack", "dumbbells"} <= set(
        slots.find_equipment("I train at a gym").available
    )
    assert not slots.find_equipment("nothing").mentioned
    assert slots.find_equipment("nothing", answering=True).nothing


def test_vocabulary_slots() -> None:
    assert slots.find_body_parts("my shoulder is sore and my lower back") == [
        "shoulder",
        "lower_back",
    ]
    assert slots.find_goal("I want to get stronger and lose fat") == "strength"
    assert slots.find_level("complete beginner here") == "beginner"
    assert slots.find_energy("pretty exhausted today") == 1
    assert slots.find_effort("RPE of 8.5") == Effort(rpe=8.5)
    assert slots.find_effort("could have done 3 more") == Effort(rir=3)
    assert slots.find_effort("rpe 42") is None
    assert slots.find_number("a couple") == 2
    assert slots.find_exercise_phrase("can you swap the lunges for something?") == "lunges"
    assert slots.find_exercise_phrase("I can't do push-ups") == "push-ups"


_UNITS = st.sampled_from(["minutes", "minute", "min", "mins", "m"])
_LEADS = st.sampled_from(["", "I have ", "only ", "give me ", "we've got about ", "ok "])
_TAILS = st.sampled_from(["", " today", " please", "!", " actually", ", what should I do?"])


@given(n=st.integers(min_value=1, max_value=600), unit=_UNITS, lead=_LEADS, tail=_TAILS)
def test_any_n_minutes_phrase_parses_to_n(n: int, unit: str, lead: str, tail: str) -> None:
    assert slots.find_minutes(f"{lead}{n} {unit}{tail}") == n


_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
_WORDS |= {9: "nine", 20: "twenty", 30: "thirty", 40: "forty", 50: "fifty"}


@given(tens=st.sampled_from([20, 30, 40, 50]), unit=st.integers(min_value=1, max_value=9))
def test_number_words_compose(tens: int, unit: int) -> None:
    text = f"{_WORDS[tens]}-{_WORDS[unit]} minutes"
    assert slots.find_minutes(text) == tens + unit


@given(
    sets=st.integers(min_value=1, max_value=10),
    reps=st.integers(min_value=1, max_value=30),
    load=st.integers(min_value=1, max_value=400),
    unit=st.sampled_from(["kg", "kgs", "kilos", "lb", "lbs", "pounds"]),
)
def test_set_notation_round_trips(sets: int, reps: int, load: int, unit: str) -> None:
    found = slots.find_sets(f"{sets}x{reps} goblet squats at {load} {unit}")
    assert found == [
        SetEntry(sets, reps, "goblet squats", Load(float(load), "kg" if "k" in unit else "lb"))
    ]


@settings(max_examples=300)
@given(text=st.text(max_size=200))
def test_parsing_never_raises(text: str) -> None:
    found = slots.extract(text)
    if found.minutes is not None:
        assert found.minutes >= 0
    if found.days_per_week is not None:
        assert 1 <= found.days_per_week <= 7
    for entry in found.sets:
        assert entry.sets >= 1 and entry.reps >= 1


@settings(max_examples=200)
@given(
    text=st.lists(
        st.sampled_from(
            ["3x8", "at", "20", "kg", "rpe", "7", "twelve", "half an hour", "no", "bench", ",", "x"]
        ),
        max_size=12,
    ).map(" ".join)
)
def test_parsing_never_raises_on_notation_soup(text: str) -> None:
    slots.extract(text)


def test_equipment_words_are_the_planner_vocabulary() -> None:
    import yaml

    shared = yaml.safe_load(slots.SHARED_VOCABULARY.read_text(encoding="utf-8"))
    known = set(shared["equipment"])
    ours = set(slots.lexicon()["equipment"]) | {slots.lexicon()["bodyweight_word"]}
    for items in slots.lexicon()["equipment_setups"].values():
        ours |= set(items)
    assert ours <= known
    # The planner's own synonyms are understood too.
    assert slots.find_equipment("a theraband and a spin bike").available == ["bands", "bike"]


def test_a_list_of_reps_after_an_exercise_is_one_set_each() -> None:
    sets = slots.find_sets("pull-ups went 10, 8, 7 today, one more than last week")
    assert [(e.exercise, e.reps) for e in sets] == [
        ("pull-ups", 10),
        ("pull-ups", 8),
        ("pull-ups", 7),
    ]
    loaded = slots.find_sets("squats were 5, 5, 5 at 100kg")
    assert {e.load for e in loaded} == {slots.Load(100.0, "kg")}
    assert slots.find_sets("sleep was 5, 6 hours") == []
    assert slots.find_sets("my scores were 10, 8") == []


def test_pointing_at_an_exercise_is_not_naming_one() -> None:
    assert slots.find_exercise_phrase("can I swap an exercise?") is None
    assert slots.find_exercise_phrase("swap one of those") is None
    assert slots.find_exercise_phrase("can you swap the lunges for something?") == "lunges"


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("knee's back to normal", ["knee"]),
        ("I'm back in the gym after a month off", []),
        ("the pain came back", []),
        ("feeling back to myself", []),
        ("the back of my knee is tight", ["knee"]),
        ("back on track now, ankle fine", ["ankle"]),
        ("my back is sore", ["lower_back"]),
        ("back pain is back", ["lower_back"]),
        ("back to training after my back op", ["lower_back"]),
        ("lower back to the floor", ["lower_back"]),
        ("back's killing me", ["lower_back"]),
        ("i went back to squats and my back hurt", ["lower_back"]),
    ],
)
def test_back_as_an_adverb_names_no_body_part(text: str, areas: list[str]) -> None:
    assert slots.find_body_parts(text) == areas


@pytest.mark.parametrize(
    ("text", "reps", "exercise", "load"),
    [
        ("did 12, 10 and 8 reps on the goblet squat with 16kg", [12, 10, 8], "goblet squat", 16.0),
        ("rows 14kg x 10/10/8", [10, 10, 8], "rows", 14.0),
        ("Curls went alright: 12 10 9, using the 8s", [12, 10, 9], "curls", 8.0),
        ("push ups 20, 15, 12 then done", [20, 15, 12], "push ups", None),
    ],
)
def test_a_bare_list_of_reps_is_one_set_each(
    text: str, reps: list[int], exercise: str, load: float | None
) -> None:
    found = slots.find_sets(text)
    assert [e.reps for e in found] == reps
    assert {e.exercise for e in found} == {exercise}
    assert {e.load.value if e.load else None for e in found} == {load}


@pytest.mark.parametrize(
    "text",
    [
        "slept 7 8 hours most nights",
        "my kids are 10, 8 and 5",
        "squats at 60, 65, 70",
        "train 3 4 times a week",
        "scores were 10, 9, 7 in the quiz",
        "bus at 7 45",
    ],
)
def test_numbers_that_are_no_reps_log_nothing(text: str) -> None:
    assert slots.find_sets(text) == []


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("away at my parents, back on the 20th", date(2026, 11, 19)),
        ("no gym until the 3rd", date(2026, 12, 3)),
        ("off work for 10 days", date(2026, 11, 25)),
        ("visiting family for a month", date(2026, 12, 15)),
        ("travelling til april", date(2027, 3, 31)),
        ("I shall be abroad until the end of December.", date(2026, 12, 31)),
        ("busy with exams up to jan 12th", date(2027, 1, 12)),
        ("no lifting till after my op in february", date(2027, 2, 28)),
        ("won't be about over the new year", date(2026, 12, 31)),
        ("for a few weeks", date(2026, 12, 6)),
    ],
)
def test_a_calendar_end_is_read_as_the_last_day_it_applies(text: str, end: date) -> None:
    from agent.models.offline.policy import schedule_end

    today = date(2026, 11, 16)
    assert schedule_end(find_period(text), today) == end


@pytest.mark.parametrize(
    ("text", "logged"),
    [
        ("did pushups and rows, 3x12 each", [("pushups", 3, 12), ("rows", 3, 12)]),
        ("curls 3x10 @ 12 plus presses 3x8 @ 14", [("curls", 3, 10), ("presses", 3, 8)]),
        (
            "Yesterday I did four sets of eight on the deadlift and on the row, both at 40 kg.",
            [("deadlift", 4, 8), ("row", 4, 8)],
        ),
        ("3x8 clean and press at 24 kg", [("clean press", 3, 8)]),
        ("lunges and squats 2x15", [("lunges", 2, 15), ("squats", 2, 15)]),
    ],
)
def test_work_said_once_for_several_exercises_is_logged_for_each(
    text: str, logged: list[tuple[str, int, int]]
) -> None:
    assert [(e.exercise, e.sets, e.reps) for e in find_sets(text)] == logged


def test_a_load_said_for_both_applies_to_each() -> None:
    entries = find_sets("3 sets of 10 on squats and rows, both at 20 kilos")
    assert [e.load.value if e.load else None for e in entries] == [20.0, 20.0]
