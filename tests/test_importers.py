"""Every importer on small files written for this project in the real export formats."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.importers import detect_kind, parse_file
from agent.importers.records import DailyValue, ImportRefused, ParseResult
from agent.importers.tables import number, parse_datetime
from tests.fit_writer import FitActivity, fit_bytes

DATA = Path(__file__).parent / "data" / "import"
WATCH = "Sam\u2019s Apple\u00a0Watch"


def _values(result: ParseResult, metric: str) -> dict[tuple[date, str], DailyValue]:
    return {(v.day, v.source): v for v in result.daily if v.metric == metric}


def test_apple_health_reads_through_the_ios16_dtd_and_control_characters() -> None:
    result = parse_file(DATA / "apple_health_export.xml")
    assert result.kind == "apple_health"
    steps = _values(result, "steps")
    assert steps[(date(2026, 11, 15), "iPhone")].value == 2000  # the 0x0B was dropped


def test_apple_health_skips_correlation_children_and_keeps_the_latest_day_summary() -> None:
    result = parse_file(DATA / "apple_health_export.xml")
    resting = _values(result, "resting_hr")
    # 55 written in the morning, rewritten to 53 in the evening: kept once, the latest.
    assert resting[(date(2026, 11, 15), WATCH)].value == 53
    assert (date(2026, 11, 15), "Withings") not in resting  # only inside a Correlation
    assert result.skipped["inside a Correlation (Apple lists it again at top level)"] == 2
    assert _values(result, "exercise_minutes")[(date(2026, 11, 15), "Apple Health")].value == 41


def test_apple_health_skips_a_record_or_summary_whose_day_is_damaged(tmp_path: Path) -> None:
    # Ten characters but no calendar day: skipped, never a traceback at the end of the read.
    export = tmp_path / "export.xml"
    export.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_GB">\n'
        '<Record type="HKQuantityTypeIdentifierStepCount" sourceName="iPhone" unit="count" '
        'startDate="206-11-15 08:00:00 +0000" endDate="2026-11-15 09:00:00 +0000" value="10"/>\n'
        '<Record type="HKQuantityTypeIdentifierStepCount" sourceName="iPhone" unit="count" '
        'startDate="2026-11-16 08:00:00 +0000" endDate="2026-11-16 09:00:00 +0000" value="20"/>\n'
        '<ActivitySummary dateComponents="2026-13-01" appleExerciseTime="30"/>\n'
        "</HealthData>\n",
        encoding="utf-8",
    )
    result = parse_file(export)
    assert list(_values(result, "steps")) == [(date(2026, 11, 16), "iPhone")]
    assert result.skipped["no value or date"] == 1
    assert result.skipped["an activity summary without a date or exercise time"] == 1


def test_apple_health_hrv_is_sdnn_and_sleep_is_reassembled_into_a_night() -> None:
    result = parse_file(DATA / "apple_health_export.xml")
    hrv = _values(result, "hrv")[(date(2026, 11, 15), WATCH)]
    assert (hrv.kind, hrv.window, hrv.value) == ("sdnn", "day", 45.0)
    night = date(2026, 11, 16)  # 23:00 on the 15th to 06:30 on the 16th
    assert _values(result, "sleep_minutes")[(night, WATCH)].value == 435  # overlap once
    assert _values(result, "sleep_deep_minutes")[(night, WATCH)].value == 90
    assert _values(result, "sleep_rem_minutes")[(night, WATCH)].value == 90
    assert _values(result, "sleep_awake_minutes")[(night, WATCH)].value == 15
    assert (date(2026, 11, 15), "iPhone") not in _values(result, "sleep_minutes")  # in bed only
    assert _values(result, "vo2max")[(date(2026, 11, 15), WATCH)].value == 44.2


def test_apple_health_workouts_take_their_statistics_children() -> None:
    result = parse_file(DATA / "apple_health_export.xml")
    run, ride = sorted(result.activities, key=lambda a: a.started_at, reverse=True)
    assert (run.sport, run.duration_s, run.distance_m) == ("run", 1950.0, 5420.0)
    assert (run.avg_hr, run.max_hr, run.calories) == (158.0, 178.0, 330.5)
    assert run.started_at.utcoffset() == timedelta(hours=1)
    # An older export: totals as attributes, duration in hours.
    assert (ride.sport, ride.duration_s, ride.distance_m, ride.calories) == (
        "ride",
        5400.0,
        40000.0,
        900.0,
    )


def test_apple_health_zip_is_read_from_its_export_xml(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.write(DATA / "apple_health_export.xml", "apple_health_export/export.xml")
        out.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
    assert detect_kind(archive) == "apple_health"
    assert len(parse_file(archive).daily) == len(parse_file(DATA / "apple_health_export.xml").daily)


def test_hostile_xml_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="declares XML entities") as caught:
        parse_file(DATA / "hostile_entities.xml")
    assert "\n" not in str(caught.value)
    external = tmp_path / "external.gpx"
    external.write_text(
        '<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<gpx><trk><name>&x;</name></trk></gpx>"
    )
    with pytest.raises(ImportRefused, match="declares XML entities"):
        parse_file(external)
    broken = tmp_path / "broken.xml"
    broken.write_text('<?xml version="1.0"?><HealthData><Record type="x"></HealthData>')
    with pytest.raises(ImportRefused, match="not well-formed XML at line 1"):
        parse_file(broken)
    # A damaged encoding declaration (found by the damaged-file property test).
    garbled = tmp_path / "export.xml"
    garbled.write_text('<?xml version="1.0" encoding="TF-8"?><HealthData></HealthData>')
    with pytest.raises(ImportRefused, match="unknown text encoding"):
        parse_file(garbled)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "export.xml"
    big.write_bytes(b'<?xml version="1.0"?><HealthData>' + b" " * 4096 + b"</HealthData>")
    with pytest.raises(ImportRefused, match="over the 0 MB limit"):
        parse_file(big, max_bytes=1024)


def test_chained_fit_file_gives_every_session(tmp_path: Path) -> None:
    start = datetime(2026, 11, 10, 6, 30, tzinfo=UTC)
    chained = fit_bytes(FitActivity(start, 1800)) + fit_bytes(
        FitActivity(start + timedelta(days=1), 3600, "cycling", 25000.0, (110, 130, 160))
    )
    path = tmp_path / "chained.fit"
    path.write_bytes(chained)
    assert detect_kind(path) == "garmin_fit"
    result = parse_file(path)
    assert [(a.sport, a.duration_s, a.distance_m) for a in result.activities] == [
        ("run", 1800.0, 5000.0),
        ("ride", 3600.0, 25000.0),
    ]
    assert result.activities[1].max_hr == 160


def test_fit_without_a_session_falls_back_to_records_and_a_bad_crc_is_refused(
    tmp_path: Path,
) -> None:
    start = datetime(2026, 11, 10, 6, 30, tzinfo=UTC)
    path = tmp_path / "records.fit"
    path.write_bytes(fit_bytes(FitActivity(start, 1200), with_session=False))
    (activity,) = parse_file(path).activities
    assert (activity.duration_s, activity.max_hr) == (1200.0, 150.0)
    corrupt = bytearray(fit_bytes(FitActivity(start, 1200)))
    corrupt[20] ^= 0xFF
    path.write_bytes(bytes(corrupt))
    with pytest.raises(ImportRefused, match="not a readable FIT file"):
        parse_file(path)


def test_garmin_connect_csv_reads_localised_decimals_and_dashes() -> None:
    result = parse_file(DATA / "garmin_activities.csv")
    assert result.kind == "garmin_csv"
    by_name = {a.name: a for a in result.activities}
    run = by_name["Berlin Laufen"]
    assert (run.distance_m, run.calories, run.duration_s) == (10020.0, 1234.0, 3151.0)
    zwift = by_name["Zwift"]
    assert (zwift.sport, zwift.distance_m, zwift.avg_hr) == ("ride", None, None)
    assert by_name["Schwimmen"].distance_m == 1500.0
    assert result.skipped["a row without a readable date"] == 1


def test_gpx_heart_rate_comes_from_the_track_point_extension() -> None:
    (run,) = parse_file(DATA / "track_hr.gpx").activities
    assert (run.sport, run.name, run.duration_s) == ("run", "Saturday Long Run", 600.0)
    assert (run.avg_hr, run.max_hr) == (145.0, 165.0)
    assert run.distance_m == pytest.approx(2001.5, abs=1)


def test_indoor_tcx_without_gps_keeps_every_lap() -> None:
    (ride,) = parse_file(DATA / "indoor_ride.tcx").activities
    assert (ride.sport, ride.duration_s, ride.distance_m, ride.calories) == (
        "ride",
        1800.0,
        14000.0,
        350.0,
    )
    assert ride.avg_hr == 140.0  # laps weighted by their time: (1200*130 + 600*160) / 1800
    assert ride.max_hr == 172.0


@pytest.mark.parametrize("name", ["oura_trends.csv", "oura_daily.csv"])
def test_oura_both_header_styles_give_the_same_nights(name: str) -> None:
    result = parse_file(DATA / name)
    assert result.kind == "oura"
    night = date(2026, 11, 15)
    assert _values(result, "sleep_minutes")[(night, "Oura")].value == 400  # 24000 s
    assert _values(result, "resting_hr")[(night, "Oura")].value == 52  # the lowest
    hrv = _values(result, "hrv")[(night, "Oura")]
    assert (hrv.kind, hrv.window, hrv.value) == ("rmssd", "night", 41)


def test_whoop_with_bom_and_german_headers() -> None:
    result = parse_file(DATA / "whoop_cycles_de.csv")
    assert result.kind == "whoop"
    day = date(2026, 11, 15)  # the morning the cycle's sleep ended
    assert _values(result, "resting_hr")[(day, "WHOOP")].value == 54
    hrv = _values(result, "hrv")[(day, "WHOOP")]
    assert (hrv.kind, hrv.window, hrv.value) == ("rmssd", "night", 62)
    assert _values(result, "sleep_deep_minutes")[(day, "WHOOP")].value == 100
    assert result.skipped["a cycle with no readings (not yet scored)"] == 1


def test_whoop_workouts_keep_their_timezone() -> None:
    (run,) = parse_file(DATA / "whoop_workouts.csv").activities
    assert run.started_at == datetime(2026, 11, 15, 7, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert (run.sport, run.duration_s, run.distance_m) == ("run", 2700.0, 8000.0)


def test_fitbit_resting_hr_json_with_two_digit_years_and_daily_hrv() -> None:
    resting = parse_file(DATA / "resting_heart_rate-2026-11-14.json")
    assert [(v.day, v.value) for v in resting.daily] == [
        (date(2026, 11, 14), 58.4),
        (date(2026, 11, 16), 60.1),
    ]
    assert resting.skipped["a day with no resting heart rate"] == 1
    hrv = parse_file(DATA / "fitbit_daily_hrv.csv")
    first = hrv.daily[0]
    assert (first.kind, first.window, first.value) == ("rmssd", "night", 38.512)


def test_strong_weight_unit_column_rest_timer_bom_crlf_and_long_dates() -> None:
    result = parse_file(DATA / "strong_weight_unit.csv")
    assert result.kind == "strong"
    bench = [s for s in result.sets if s.exercise == "Bench Press (Barbell)"]
    assert [(s.load, s.unit, s.set_number) for s in bench] == [(225, "lb", 1), (225, "lb", 2)]
    assert bench[0].started == datetime(2026, 11, 12, 7, 30)
    assert result.skipped["a rest-timer row (a rest, not a set)"] == 1
    assert not result.notes  # every row named its unit


def test_strong_semicolon_variant_with_workout_number_and_kg_column() -> None:
    result = parse_file(DATA / "strong_semicolon.csv")
    squats = [s for s in result.sets if s.exercise == "Squat (Barbell)"]
    assert [(s.load, s.unit) for s in squats] == [(102.5, "kg"), (102.5, "kg")]
    assert {s.workout_key for s in result.sets} == {("7", "Legs")}


def test_a_log_without_units_uses_the_persons_units_and_says_so() -> None:
    result = parse_file(DATA / "strong_sample.csv", "lb")
    assert {s.unit for s in result.sets if s.load} == {"lb"}
    assert result.notes == ["the file gives no weight unit: weights read as lb (your units)"]


def test_fitnotes_rows_become_one_workout_per_day() -> None:
    result = parse_file(DATA / "fitnotes.csv")
    assert result.kind == "fitnotes"
    assert {s.workout_key[0] for s in result.sets} == {"2026-11-08", "2026-11-09"}
    plank = next(s for s in result.sets if s.exercise == "Plank")
    assert (plank.load, plank.duration_s) == (None, 60.0)


def test_unknown_files_and_wrong_columns_get_one_line(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n")
    with pytest.raises(ImportRefused, match="not a known export"):
        parse_file(odd)
    with pytest.raises(ImportRefused, match="no such file"):
        parse_file(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ImportRefused, match="empty"):
        parse_file(empty)


@pytest.mark.parametrize(
    ("text", "integer", "expected"),
    [
        ("5,02", False, 5.02),
        ("1.234,5", False, 1234.5),
        ("1,234.5", False, 1234.5),
        ("1.234", True, 1234.0),
        ("1,234", True, 1234.0),
        ("--", False, None),
        ("", True, None),
        ("66 %", False, 66.0),
    ],
)
def test_localised_numbers(text: str, integer: bool, expected: float | None) -> None:
    assert number(text, integer=integer) == expected


def test_dates_in_every_layout_the_exports_use() -> None:
    for text in ("5 Jul 2024, 07:30:00", "2024-07-05 07:30:00", "07/05/24 07:30:00"):
        assert parse_datetime(text) == datetime(2024, 7, 5, 7, 30)


_FIXTURES = sorted(p for p in DATA.iterdir() if p.is_file())


@settings(max_examples=150, deadline=None)
@given(
    index=st.integers(0, len(_FIXTURES)),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=5),
)
def test_damaged_files_are_read_or_refused_in_one_line(
    tmp_path_factory: pytest.TempPathFactory,
    index: int,
    cut: float,
    flips: list[tuple[float, int]],
) -> None:
    if index == len(_FIXTURES):
        name = "activity.fit"
        data = bytearray(fit_bytes(FitActivity(datetime(2026, 11, 1, tzinfo=UTC), 1800)))
    else:
        name, data = _FIXTURES[index].name, bytearray(_FIXTURES[index].read_bytes())
    for where, value in flips:
        if data:
            data[int(where * (len(data) - 1))] = value
    path = tmp_path_factory.mktemp("damaged") / name
    path.write_bytes(bytes(data[: int(cut * len(data)) or len(data)]))
    try:
        parse_file(path)
    except ImportRefused as refused:
        assert "\n" not in str(refused)


def test_impossible_numbers_are_skipped_with_the_reason(tmp_path: Path) -> None:
    log = tmp_path / "strong.csv"
    log.write_text(
        "Date,Workout Name,Exercise Name,Set Order,Weight,Reps\n"
        "2026-11-01 08:00:00,Legs,Squat,1,1e999,5\n"
        "2026-11-01 08:00:00,Legs,Squat,2,100,1e999\n"
        "2026-11-01 08:00:00,Legs,Squat,3,-5,5\n"
        "2026-11-01 08:00:00,Legs,Squat,4,100,5\n"
    )
    result = parse_file(log)
    assert [s.set_number for s in result.sets] == [4]
    assert result.skipped == {
        "a row without a readable date, exercise or number": 1,
        "a set with an impossible value": 2,
    }
    ring = tmp_path / "oura.csv"
    ring.write_text(
        "date,Total Sleep Duration,Average HRV,Lowest Resting Heart Rate\n2026-11-01,1e999,-40,50\n"
    )
    readings = parse_file(ring)
    assert [(v.metric, v.value) for v in readings.daily] == [("resting_hr", 50.0)]
    assert readings.skipped["an impossible value (infinite or negative)"] == 2


def test_a_google_takeout_zip_gives_resting_hr_and_hrv(tmp_path: Path) -> None:
    archive = tmp_path / "takeout-20261116.zip"
    with zipfile.ZipFile(archive, "w") as out:
        base = "Takeout/Fitbit/"
        out.write(
            DATA / "resting_heart_rate-2026-11-14.json",
            base + "Global Export Data/resting_heart_rate-2026-11-14.json",
        )
        out.write(
            DATA / "fitbit_daily_hrv.csv",
            base + "Heart Rate Variability/Daily Heart Rate Variability Summary - 2026-11-(14).csv",
        )
        out.writestr(base + "Global Export Data/steps-2026-11-14.json", "[]")
    assert detect_kind(archive) == "fitbit"
    result = parse_file(archive)
    assert sorted({v.metric for v in result.daily}) == ["hrv", "resting_hr"]
    assert (result.read, len(result.daily)) == (5, 4)
    empty = tmp_path / "other.zip"
    with zipfile.ZipFile(empty, "w") as out:
        out.writestr("Takeout/Fitbit/readme.txt", "nothing here")
    with pytest.raises(ImportRefused, match="neither Apple Health's export\\.xml nor Fitbit"):
        parse_file(empty)
