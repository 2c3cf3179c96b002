"""Storing imports: idempotent, all-or-nothing, exported and deleted, never shown raw to a model."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

import prompts
from agent.coaching import imports
from agent.importers.records import ImportRefused
from agent.loop import Coach
from agent.memory import portability, wearables
from agent.memory.context import build_context
from agent.models.scripted import ScriptedModel, say
from agent.tools import memory_tools
from agent.tools.context import ToolContext
from tests.factories import make_user, sample_exercise_index
from tests.recovery_data import as_import, hrv, replace_last

DATA = Path(__file__).parent / "data" / "import"
IMPORT_TABLES = ("daily_metrics", "activities", "imports")


def _counts(db: sqlite_utils.Database) -> dict[str, int]:
    tables = (*IMPORT_TABLES, "set_logs", "workout_sessions")
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.mark.parametrize(
    "name",
    [
        "apple_health_export.xml",
        "garmin_activities.csv",
        "track_hr.gpx",
        "indoor_ride.tcx",
        "oura_trends.csv",
        "whoop_cycles_de.csv",
        "whoop_workouts.csv",
        "resting_heart_rate-2026-11-14.json",
        "fitbit_daily_hrv.csv",
    ],
)
def test_reimporting_the_same_file_adds_nothing(
    db: sqlite_utils.Database, now: datetime, name: str
) -> None:
    user_id, _ = make_user(db, now)
    first = imports.import_path(db, user_id, DATA / name, now)
    after_first = _counts(db)
    again = imports.import_path(db, user_id, DATA / name, now + timedelta(hours=1))
    assert again["daily_values"]["added"] == 0 and again["daily_values"]["updated"] == 0
    assert again["daily_values"]["unchanged"] == first["daily_values"]["added"]
    assert again["activities"]["added"] == 0
    assert again["activities"]["already"] == first["activities"]["added"]
    after_again = _counts(db)
    assert after_again["imports"] == after_first["imports"] + 1  # the log records both
    assert {k: v for k, v in after_again.items() if k != "imports"} == {
        k: v for k, v in after_first.items() if k != "imports"
    }


def test_lifting_logs_go_to_sets_and_reimport_is_idempotent(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    index = sample_exercise_index()
    report = imports.import_path(db, user_id, DATA / "strong_weight_unit.csv", now, index=index)
    assert (report["kind"], report["workouts"], report["sets"]) == ("strong", 1, 3)
    assert report["skipped"] == {"a rest-timer row (a rest, not a set)": 1}
    bench = db.execute(
        "SELECT load, unit, load_kg FROM set_logs WHERE exercise_id = 'bench_press' LIMIT 1"
    ).fetchone()
    assert bench[0] == 225 and bench[1] == "lb" and bench[2] == pytest.approx(102.06, abs=0.01)
    again = imports.import_path(db, user_id, DATA / "strong_weight_unit.csv", now, index=index)
    assert (again["sets"], again["skipped_duplicate_workouts"]) == (0, 1)


def test_the_persons_units_are_used_and_reported(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = make_user(db, now)
    db.execute(
        "INSERT INTO profiles (user_id, units, updated_at) VALUES (?, 'lb', ?)", [user_id, "x"]
    )
    report = imports.import_path(
        db, user_id, DATA / "strong_sample.csv", now, index=sample_exercise_index()
    )
    assert report["notes"] == ["the file gives no weight unit: weights read as lb (your units)"]
    units = {r[0] for r in db.execute("SELECT unit FROM set_logs WHERE load IS NOT NULL")}
    assert units == {"lb"}


def test_a_refused_file_changes_nothing(
    db: sqlite_utils.Database, now: datetime, tmp_path: Path
) -> None:
    user_id, _ = make_user(db, now)
    imports.import_path(db, user_id, DATA / "oura_trends.csv", now)
    before = _counts(db)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Date,Exercise Name,Set Order\n2026-11-01,Squat,1\n")
    for path in (DATA / "hostile_entities.xml", wrong):
        with pytest.raises(ImportRefused):
            imports.import_path(db, user_id, path, now)
    assert _counts(db) == before


def test_the_size_limit_comes_from_the_environment(
    db: sqlite_utils.Database, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, _ = make_user(db, now)
    monkeypatch.setenv("COACH_IMPORT_MAX_MB", "nope")
    with pytest.raises(ImportRefused, match="COACH_IMPORT_MAX_MB"):
        imports.import_path(db, user_id, DATA / "track_hr.gpx", now)
    monkeypatch.setenv("COACH_IMPORT_MAX_MB", "1")
    assert imports.import_path(db, user_id, DATA / "track_hr.gpx", now)["activities"]["added"] == 1


def test_a_corrected_value_in_a_later_export_updates_in_place(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    day = date(2026, 11, 15)
    readings = hrv(day, 3)
    wearables.save(db, user_id, as_import(readings), now, "a.csv")
    changed = replace_last(readings, day, 1, [99.0])
    counts = wearables.save(db, user_id, as_import(changed), now, "b.csv")
    assert (counts.values_added, counts.values_updated, counts.values_unchanged) == (0, 1, 2)
    stored = wearables.readings(db, user_id, day, day)
    assert [r.value for r in stored] == [99.0]


def test_export_and_delete_include_everything_imported(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    imports.import_path(db, user_id, DATA / "apple_health_export.xml", now)
    data = portability.export_user(db, user_id)
    assert {len(data[t]) > 0 for t in IMPORT_TABLES} == {True}
    assert any(row["metric"] == "hrv" and row["kind"] == "sdnn" for row in data["daily_metrics"])
    portability.delete_user(db, user_id, now)
    assert {t: n for t, n in _counts(db).items() if t in IMPORT_TABLES} == dict.fromkeys(
        IMPORT_TABLES, 0
    )


def test_the_model_sees_the_band_and_drivers_never_the_readings(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    today = now.date()
    falling = replace_last(
        hrv(today, 70), today, 7, [56.13, 53.17, 50.19, 48.23, 46.29, 44.31, 42.37]
    )
    wearables.save(db, user_id, as_import(falling), now, "oura.csv")
    context = build_context(db, user_id, now)
    assert (
        "Recovery data (from their watch, summarised): low; HRV below your normal range" in context
    )
    model = ScriptedModel([say("Noted.")])
    Coach(db, model, clock=lambda: now).turn(user_id, conversation_id, "how am I doing?")
    sent = str(model.requests)
    assert "HRV below your normal range" in sent
    for raw in ("56.13", "53.17", "42.37", "Oura"):
        assert raw not in sent


def test_imported_runs_appear_in_workout_history_without_heart_rates(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    imports.import_path(db, user_id, DATA / "track_hr.gpx", now)  # Saturday 14 Nov
    ctx = ToolContext(db=db, user_id=user_id, conversation_id=conversation_id, now=now)
    found = memory_tools.workout_history(ctx, memory_tools.RangeArgs())
    assert found["activities"] == [
        {"date": "2026-11-14", "sport": "run", "minutes": 10, "hard": True}
    ]
    assert "165" not in str(found)  # the peak heart rate stays in the database
    text = prompts.render("offline/tools/workout_history.j2", result=found)
    assert "2026-11-14 run, 10 min (hard), from your watch or app" in text


def test_recorded_readiness_is_none_without_readings_and_the_full_judgement_with(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    today = now.date()
    assert wearables.recorded_readiness(db, user_id, today) is None
    assert wearables.device_readiness(db, user_id, today).status == "no_data"
    wearables.save(db, user_id, as_import(hrv(today, 70)), now, "oura.csv")
    found = wearables.recorded_readiness(db, user_id, today)
    assert found == wearables.device_readiness(db, user_id, today)
    assert found is not None and found.status != "no_data"
