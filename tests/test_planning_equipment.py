"""Equipment as it really is: one item gone, load caps, temporary places, places as kits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.planning.adapt import equipment_unavailable
from agent.planning.catalog import load_catalog
from agent.planning.equipment import (
    TemporaryKit,
    find_place,
    kit_for_place,
    kit_on,
    place_with_access,
    places,
)
from agent.planning.invariants import violations
from agent.planning.models import (
    ExerciseRecord,
    History,
    SessionRecord,
    SessionRequest,
    SetRecord,
)
from agent.planning.session import build_session

CAT = load_catalog()
GYM = list(CAT.vocabulary.profiles["full_gym"])
TODAY = date(2026, 12, 1)


@settings(max_examples=80, deadline=None)
@given(
    item=st.sampled_from(["bench", "rack", "barbell", "cables", "machines", "dumbbells"]),
    level=st.sampled_from(["beginner", "intermediate", "advanced"]),
    goal=st.sampled_from(["strength", "hypertrophy", "general_fitness"]),
    minutes=st.integers(min_value=20, max_value=75),
    variation=st.integers(min_value=0, max_value=2),
)
def test_one_item_gone_swaps_only_what_needs_it(
    item: str, level: str, goal: str, minutes: int, variation: int
) -> None:
    request = SessionRequest.model_validate(
        {"equipment": GYM, "level": level, "goal": goal, "minutes": minutes, "variation": variation}
    )
    session = build_session(request)
    adapted = equipment_unavailable(session, [item])
    before = [p.id for p in session.exercises]
    after = [p.id for p in adapted.exercises]
    # Everything that did not need the item is exactly where it was.
    for old, new in zip(session.exercises, adapted.exercises, strict=False):
        if item not in old.equipment:
            assert new == old
    for p in adapted.exercises:
        assert item not in p.equipment
    # The kit stays a gym: nothing of the rest of the kit is dropped for the day.
    assert set(adapted.request.equipment) == set(GYM) - {item}
    assert len(after) >= len(before) - sum(1 for p in session.exercises if item in p.equipment)
    assert violations(adapted.request, adapted) == []
    assert adapted.changes and adapted.changes[0].startswith(f"No {item}")


def test_a_taken_bench_in_a_gym_keeps_a_gym_session() -> None:
    session = build_session(SessionRequest(equipment=GYM, level="intermediate", minutes=45))
    adapted = equipment_unavailable(session, ["bench"])
    ids = [p.id for p in adapted.exercises]
    assert "barbell_bench_press" not in ids
    home_only = {"doorframe_row", "towel_pulldown_hold", "towel_row_hold", "floor_pulldown"}
    assert not home_only & set(ids)
    assert any("bench" in c for c in adapted.changes)


def test_unknown_equipment_is_a_clear_error() -> None:
    session = build_session(SessionRequest(equipment=GYM))
    with pytest.raises(ValueError, match="unknown equipment"):
        equipment_unavailable(session, ["hoverboard"])


def _history(exercise_id: str, load: float) -> History:
    sets = [SetRecord(reps=15, load_kg=load, rir=3)] * 3
    record = ExerciseRecord(exercise_id=exercise_id, sets=sets, rep_low=8, rep_high=15)
    return History(
        sessions=[SessionRecord(day=TODAY - timedelta(days=d), exercises=[record]) for d in (3, 6)]
    )


@pytest.mark.parametrize("cap", [10.0, 16.0, 20.0])
@pytest.mark.parametrize("units", ["kg", "lb"])
def test_loads_never_exceed_the_cap(cap: float, units: str) -> None:
    request = SessionRequest.model_validate(
        {
            "equipment": ["dumbbells"],
            "today": TODAY,
            "load_caps": {"dumbbells": cap},
            "units": units,
            "minutes": 40,
        }
    )
    # Logged with heavier dumbbells elsewhere: the suggestion must still stop at the cap.
    session = build_session(request, _history("db_row", 24.0))
    assert violations(request, session) == []
    row = session.exercise("db_row")
    assert row is not None and row.load is not None
    assert any("Capped" in n for n in row.notes)


def test_an_outgrown_cap_picks_a_harder_variant_with_the_same_kit() -> None:
    request = SessionRequest(
        equipment=["dumbbells", "bench"], today=TODAY, load_caps={"dumbbells": 20}, minutes=40
    )
    session = build_session(request, _history("goblet_squat", 20))
    ids = [p.id for p in session.exercises]
    assert "goblet_squat" not in ids
    assert "db_bulgarian_split_squat" in ids
    assert violations(request, session) == []


def test_places_are_kits() -> None:
    gym = find_place("I train at a commercial gym")
    assert gym is not None and set(kit_for_place(gym).equipment) == set(GYM)
    hotel = find_place("there's a hotel gym with a treadmill and light dumbbells")
    assert hotel is not None and hotel.id == "hotel_gym"
    kit = kit_for_place(hotel)
    assert "barbell" not in kit.equipment and "dumbbells" in kit.equipment
    assert kit.load_caps["dumbbells"] <= 20
    garage = find_place("I lift in my garage")
    assert garage is not None
    with pytest.raises(LookupError, match="ask"):
        kit_for_place(garage)


@pytest.mark.parametrize(
    "text",
    [
        "I'm nervous about the gym",
        "honestly the gym makes me anxious",
        "i feel so awkward at the gym",
        "The gym intimidates me; I am intimidated by it.",
    ],
)
def test_a_feeling_about_the_gym_is_not_a_kit(text: str) -> None:
    assert place_with_access(text) is None


@pytest.mark.parametrize(
    "text", ["I joined a gym last week but I'm nervous", "I go to the gym near work"]
)
def test_access_to_the_gym_is_a_kit_even_with_nerves(text: str) -> None:
    place = place_with_access(text)
    assert place is not None and place.id == "commercial_gym"


def test_a_temporary_place_applies_to_its_days_and_expires() -> None:
    hotel = kit_for_place(places()["hotel_gym"])
    stay = TemporaryKit(
        place="the hotel gym",
        equipment=hotel.equipment,
        load_caps=hotel.load_caps,
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=2),
    )
    usual = ["dumbbells", "bench", "barbell", "rack"]
    during = kit_on(TODAY + timedelta(days=1), usual, {}, [stay])
    assert during.place == "the hotel gym" and "barbell" not in during.equipment
    assert during.until == TODAY + timedelta(days=2)
    after = kit_on(TODAY + timedelta(days=3), usual, {}, [stay])
    assert after.place is None and "barbell" in after.equipment and not after.load_caps
    before = kit_on(TODAY - timedelta(days=1), usual, {}, [stay])
    assert "barbell" in before.equipment
    with pytest.raises(ValueError, match="end on or after"):
        TemporaryKit(place="x", equipment=[], starts_on=TODAY, ends_on=TODAY - timedelta(days=1))
