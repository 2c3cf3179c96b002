"""Readiness bands, the missed-time table and what they do to a session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.planning.models import Readiness, SessionRequest
from agent.planning.readiness import gap_adjustment, readiness_band
from agent.planning.session import build_session
from tests.factories import PLAN_TODAY, logged_sessions


@pytest.mark.parametrize(
    ("energy", "band"), [(5, "high"), (4, "high"), (3, "normal"), (2, "low"), (1, "very_low")]
)
def test_energy_maps_to_the_reference_bands(energy: int, band: str) -> None:
    assert readiness_band(Readiness(energy=energy)).band == band


def test_the_most_conservative_input_wins() -> None:
    assert readiness_band(Readiness(energy=5, recovery_score=20)).band == "very_low"
    assert readiness_band(Readiness(energy=5, recovery_score=75)).band == "normal"
    assert readiness_band(Readiness(energy=4, recovery_score=90)).band == "high"
    raised = Readiness(energy=4, resting_hr=62, resting_hr_baseline=55)
    assert readiness_band(raised).band == "low"
    assert "above your usual" in " ".join(readiness_band(raised).reasons)
    dropped = Readiness(energy=3, hrv_ms=40, hrv_baseline_ms=60)
    assert readiness_band(dropped).band == "low"
    assert readiness_band(Readiness(energy=5, ill=True)).band == "very_low"


def test_band_effects() -> None:
    low = readiness_band(Readiness(energy=2))
    assert low.set_factor == pytest.approx(0.7) and low.rir_add >= 1 and not low.finisher
    high = readiness_band(Readiness(energy=5))
    assert high.extra_sets == 1


@pytest.mark.parametrize(
    ("days", "row", "sets", "load"),
    [
        (None, "resume", 1.0, 1.0),
        (3, "resume", 1.0, 1.0),
        (7, "resume", 1.0, 1.0),
        (10, "short_break", 0.67, 1.0),
        (21, "break", 0.55, 0.9),
        (28, "break", 0.55, 0.9),
        (45, "long_break", 0.5, 0.85),
    ],
)
def test_gap_table_rows(days: int | None, row: str, sets: float, load: float) -> None:
    gap = gap_adjustment(days)
    assert (gap.id, gap.set_factor, gap.load_factor) == (row, sets, load)
    assert (gap.reason is None) == (row == "resume")


def test_older_lifters_reach_the_break_row_sooner() -> None:
    assert gap_adjustment(10, age=65).id == "break"
    assert gap_adjustment(10, age=40).id == "short_break"
    assert gap_adjustment(5, age=65).id == "resume"


def test_long_break_rebuilds_over_about_half_the_gap() -> None:
    assert gap_adjustment(56).rebuild_weeks == 4


def test_three_week_gap_reduces_volume_and_load_per_the_table() -> None:
    request = SessionRequest(
        goal="hypertrophy",
        level="intermediate",
        equipment=["dumbbells", "bench"],
        minutes=45,
        today=PLAN_TODAY,
    )
    sets = [[(12, 20.0)] * 3, [(12, 20.0)] * 3]
    recent = logged_sessions("goblet_squat", sets, last_day=PLAN_TODAY - timedelta(days=3))
    away = logged_sessions("goblet_squat", sets, last_day=PLAN_TODAY - timedelta(days=21))
    normal = build_session(request, recent)
    back = build_session(request, away)
    hard_normal = sum(p.sets for p in normal.exercises if p.hard)
    hard_back = sum(p.sets for p in back.exercises if p.hard)
    assert hard_back <= round(0.6 * hard_normal + 1)
    assert hard_back < hard_normal
    normal_squat = normal.exercise("goblet_squat")
    back_squat = back.exercise("goblet_squat")
    assert normal_squat and normal_squat.load and back_squat and back_squat.load
    # Progression says 22 kg; after three weeks away it is 10% lighter.
    assert normal_squat.load.value == 22.0
    assert back_squat.load.value == 20.0
    assert any("21 days" in r for r in back.reasons)
    # The time is still used, with easy work rather than more hard sets.
    assert back.est_minutes >= 0.8 * request.minutes


def test_short_break_adds_reserve_for_the_first_session_back() -> None:
    request = SessionRequest(equipment=["dumbbells"], minutes=40, today=PLAN_TODAY)
    history = logged_sessions(
        "goblet_squat", [[(10, 16.0)] * 3], last_day=PLAN_TODAY - timedelta(days=10)
    )
    session = build_session(request, history)
    main = session.exercises[0]
    assert main.target_rir is not None and main.target_rir >= 5 - 0
    assert any("third fewer sets" in r for r in session.reasons)
