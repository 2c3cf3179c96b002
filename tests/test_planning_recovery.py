"""Readiness from recovery readings: calibration, series kept apart, bands and drivers."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.planning.models import ActivityRecord, History, Readiness, Session, SessionRequest
from agent.planning.readiness import readiness_band
from agent.planning.recovery import (
    MIN_BASELINE_DAYS,
    Reading,
    device_readiness,
    endurance_leg_load,
    estimated_hr_max,
    is_vigorous,
)
from agent.planning.session import build_session
from tests.recovery_data import hrv, replace_last, steady

TODAY = date(2026, 11, 16)
FALLING_WEEK = [56.0, 53.0, 50.0, 48.0, 46.0, 44.0, 42.0]


def test_calibrating_until_enough_valid_days_and_no_band() -> None:
    readings = hrv(TODAY, MIN_BASELINE_DAYS) + steady("resting_hr", TODAY, 10, 52, 1)
    result = device_readiness(readings, TODAY)
    assert (result.status, result.band) == ("calibrating", None)
    assert any("calibrating" in d for d in result.drivers)
    hrv_report = next(m for m in result.metrics if m.metric == "hrv")
    assert hrv_report.baseline_days == MIN_BASELINE_DAYS - 7  # the current week is not baseline


def test_no_readings_at_all_is_no_data() -> None:
    result = device_readiness([], TODAY)
    assert (result.status, result.band, result.drivers) == (
        "no_data",
        None,
        ["No recovery data yet."],
    )


def test_a_steady_history_is_normal_with_its_ranges() -> None:
    readings = hrv(TODAY, 70) + steady("resting_hr", TODAY, 70, 52, 1.5)
    result = device_readiness(readings, TODAY)
    assert (result.status, result.band) == ("ready", "normal")
    report = next(m for m in result.metrics if m.metric == "hrv")
    assert report.normal_low is not None and report.normal_high is not None
    assert report.normal_low < 60 < report.normal_high
    assert report.flag is None


def test_a_week_of_falling_hrv_is_low_with_that_reason() -> None:
    readings = replace_last(hrv(TODAY, 70), TODAY, 7, FALLING_WEEK)
    result = device_readiness(readings, TODAY)
    assert (result.status, result.band) == ("ready", "low")
    (driver,) = result.drivers
    assert driver.startswith("HRV below your normal range for ")
    report = next(m for m in result.metrics if m.metric == "hrv")
    assert report.flag == "below" and report.days_flagged >= 3


def test_falling_hrv_and_raised_resting_hr_name_both_drivers() -> None:
    readings = replace_last(hrv(TODAY, 70), TODAY, 7, FALLING_WEEK)
    resting = replace_last(steady("resting_hr", TODAY, 70, 52, 1.0), TODAY, 7, [56.0] * 7)
    result = device_readiness(readings + resting, TODAY)
    assert result.band == "very_low"  # HRV below for days and resting HR up: a recovery day
    assert result.drivers[0].startswith("HRV below your normal range for")
    assert result.drivers[1].startswith("Resting HR +4 bpm over your usual")


def test_resting_hr_alone_three_bpm_up_is_flagged() -> None:
    resting = replace_last(steady("resting_hr", TODAY, 70, 52, 1.0), TODAY, 7, [55.5] * 7)
    result = device_readiness(hrv(TODAY, 70) + resting, TODAY)
    assert result.band == "low"
    assert result.drivers == [next(m.note for m in result.metrics if m.metric == "resting_hr")]


def test_a_short_night_against_the_usual_is_a_driver() -> None:
    sleep = replace_last(steady("sleep_minutes", TODAY, 30, 450, 15), TODAY, 1, [340.0])
    result = device_readiness(hrv(TODAY, 70) + sleep, TODAY)
    assert result.band == "low"
    assert result.drivers[0].startswith("Slept 5 h 40 min")


def test_sdnn_and_rmssd_are_never_mixed() -> None:
    # Two months of Apple's SDNN, a few recent days of RMSSD from a ring: the RMSSD series
    # is current and calibrates on its own; SDNN days never fill its baseline.
    sdnn = hrv(TODAY, 70, centre=35.0, source="Apple Watch", kind="sdnn", window="day")
    rmssd = hrv(TODAY, 5, centre=70.0)
    result = device_readiness(sdnn + rmssd, TODAY)
    report = next(m for m in result.metrics if m.metric == "hrv")
    assert report.status == "calibrating"
    assert report.series == "HRV (RMSSD, night) from Oura"
    assert report.baseline_days == 0


def test_a_source_switch_re_anchors_the_baseline() -> None:
    oura = hrv(TODAY - timedelta(days=6), 80, centre=60.0)
    whoop = hrv(TODAY, 6, centre=90.0, source="WHOOP")
    result = device_readiness(oura + whoop, TODAY)
    report = next(m for m in result.metrics if m.metric == "hrv")
    assert report.status == "calibrating"
    assert report.series == "HRV (RMSSD, night) from WHOOP"
    assert "series changed" in report.note
    # Without the switch, the same WHOOP-level values would read as far above range.
    relabelled = [r.model_copy(update={"source": "Oura"}) for r in whoop]
    same_source = device_readiness(oura + relabelled, TODAY)
    assert next(m for m in same_source.metrics if m.metric == "hrv").flag == "above"


def test_stale_data_says_nothing_about_today() -> None:
    result = device_readiness(hrv(TODAY - timedelta(days=10), 70), TODAY)
    report = next(m for m in result.metrics if m.metric == "hrv")
    assert report.status == "no_data" and "no reading since" in report.note
    assert result.band is None


def test_the_chart_covers_thirty_days_with_the_range() -> None:
    result = device_readiness(hrv(TODAY, 100), TODAY)
    assert len(result.chart) == 30 and result.chart[-1].day == TODAY
    assert all(d.hrv_low is not None and d.hrv_rolling is not None for d in result.chart)


readings_strategy = st.lists(
    st.builds(
        Reading,
        day=st.dates(date(2026, 8, 1), TODAY),
        metric=st.sampled_from(["hrv", "resting_hr", "sleep_minutes"]),
        value=st.floats(1, 1000, allow_nan=False),
        source=st.sampled_from(["Oura", "WHOOP"]),
        kind=st.sampled_from(["", "rmssd", "sdnn"]),
        window=st.sampled_from(["", "night", "day"]),
    ),
    max_size=120,
)


@settings(max_examples=60, deadline=None)
@given(readings_strategy)
def test_any_readings_give_a_band_only_when_ready_and_the_same_twice(
    readings: list[Reading],
) -> None:
    first = device_readiness(readings, TODAY)
    assert (first.band is None) == (first.status != "ready")
    assert first.band in (None, "normal", "low", "very_low")  # data never raises the band
    assert first.drivers
    assert device_readiness(list(readings), TODAY) == first


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(5, 300, allow_nan=False), min_size=1, max_size=60))
def test_other_kinds_never_move_the_judged_series(values: list[float]) -> None:
    base = hrv(TODAY, 70)
    sdnn = [
        Reading(day=TODAY - timedelta(days=i), metric="hrv", value=v, source="Oura", kind="sdnn")
        for i, v in enumerate(values)
    ]
    alone = next(m for m in device_readiness(base, TODAY).metrics if m.metric == "hrv")
    mixed = next(m for m in device_readiness(base + sdnn, TODAY).metrics if m.metric == "hrv")
    assert alone == mixed


def test_the_planner_combines_self_report_and_device_band_explicitly() -> None:
    feels_great = Readiness(
        energy=5, device_band="low", device_reasons=["HRV below your normal range for 3 days."]
    )
    result = readiness_band(feels_great)
    assert result.band == "low"
    assert "Your recovery data: HRV below your normal range for 3 days." in result.reasons
    assert any("the more cautious applies" in r for r in result.reasons)
    normal_device = readiness_band(Readiness(energy=5, device_band="normal"))
    assert normal_device.band == "high"  # "normal" data never caps a good day
    tired = readiness_band(Readiness(energy=2, device_band="normal"))
    assert tired.band == "low"
    assert any("how you feel comes first" in r for r in tired.reasons)
    assert readiness_band(Readiness(energy=4)).reasons == ["Energy 4/5."]  # self-report alone


def test_a_week_of_falling_hrv_makes_the_session_lighter_with_that_reason() -> None:
    device = device_readiness(replace_last(hrv(TODAY, 70), TODAY, 7, FALLING_WEEK), TODAY)
    assert device.band is not None
    base = SessionRequest(equipment=["dumbbells", "bench"], minutes=45, today=TODAY)
    usual = build_session(base)
    lighter = build_session(
        base.model_copy(
            update={
                "readiness": Readiness(
                    energy=4, device_band=device.band, device_reasons=device.drivers
                )
            }
        )
    )
    assert lighter.readiness == "low"
    assert sum(e.sets for e in lighter.exercises) < sum(e.sets for e in usual.exercises)
    assert any("HRV below your normal range" in r for r in lighter.reasons)


def test_a_hard_run_yesterday_spaces_heavy_leg_work() -> None:
    hr_max = estimated_hr_max(35, None)
    assert hr_max is not None and is_vigorous(160, hr_max) and not is_vigorous(120, hr_max)
    run = ActivityRecord(day=TODAY - timedelta(days=1), sport="run", minutes=50, vigorous=True)
    history = History(activities=[run])
    assert endurance_leg_load(history, TODAY, 48) == {
        "quads": 1,
        "hamstrings": 1,
        "glutes": 1,
        "calves": 1,
    }
    request = SessionRequest(
        equipment=["dumbbells", "bench"], minutes=45, today=TODAY, focus="lower"
    )
    fresh = build_session(request)
    after_run = build_session(request, history)
    assert any("A hard run yesterday (50 min)" in r for r in after_run.reasons)
    legs = {"quads", "hamstrings", "glutes"}

    def hard_leg_sets(session: Session) -> float:
        return sum(v for k, v in session.hard_sets.items() if k in legs)

    assert hard_leg_sets(after_run) < hard_leg_sets(fresh)
    easy = ActivityRecord(day=TODAY - timedelta(days=1), sport="run", minutes=30)
    assert endurance_leg_load(History(activities=[easy]), TODAY, 48) == {}
    swim = ActivityRecord(day=TODAY - timedelta(days=1), sport="swim", minutes=60, vigorous=True)
    assert endurance_leg_load(History(activities=[swim]), TODAY, 48) == {}
