"""``coach import`` for every kind, ``coach readiness`` (terminal and --json), and the plan."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli.main import app
from agent.memory import store, wearables
from agent.memory.db import connect
from tests.fit_writer import FitActivity, fit_bytes
from tests.recovery_data import as_import, hrv, replace_last

DATA = Path(__file__).parent / "data" / "import"
runner = CliRunner()
TODAY = datetime.now(UTC).date()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _seed_falling_hrv(db_path: str) -> None:
    db = connect(db_path)
    now = datetime.now(UTC)
    user_id = store.ensure_user(db, "kim", now)
    readings = replace_last(hrv(TODAY, 70), TODAY, 7, [56, 53, 50, 48, 46, 44, 42])
    wearables.save(db, user_id, as_import(readings), now, "oura.csv")
    db.close()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("apple_health_export.xml", "apple_health"),
        ("garmin_activities.csv", "garmin_csv"),
        ("track_hr.gpx", "gpx"),
        ("indoor_ride.tcx", "tcx"),
        ("oura_daily.csv", "oura"),
        ("whoop_cycles_de.csv", "whoop"),
        ("resting_heart_rate-2026-11-14.json", "fitbit"),
        ("strong_semicolon.csv", "strong"),
        ("fitnotes.csv", "fitnotes"),
    ],
)
def test_import_detects_the_kind_and_reports_it(db_path: str, name: str, kind: str) -> None:
    code, out, err = _invoke("import", str(DATA / name), "--user", "kim", "--db", db_path, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["file"], report["kind"]) == (name, kind)
    assert report["read"] > 0


def test_import_of_a_chained_fit_file_and_its_summary_line(db_path: str, tmp_path: Path) -> None:
    start = datetime(2026, 11, 10, 6, 30, tzinfo=UTC)
    path = tmp_path / "activity.fit"
    path.write_bytes(fit_bytes(FitActivity(start, 1800)) + fit_bytes(FitActivity(start, 900)))
    code, out, _ = _invoke("import", str(path), "--user", "kim", "--db", db_path)
    assert code == 0
    assert "activity.fit (garmin_fit): read 2 records" in out
    assert "activities 1 added, 1 already imported" in out  # same start: one activity


def test_a_hostile_file_gets_one_line_and_exit_1(db_path: str) -> None:
    code, out, err = _invoke("import", str(DATA / "hostile_entities.xml"), "--db", db_path)
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: hostile_entities.xml: refused: the file declares XML entities")


def test_readiness_json_matches_the_terminal_view(db_path: str) -> None:
    _seed_falling_hrv(db_path)
    code, out, _ = _invoke("readiness", "--user", "kim", "--db", db_path, "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["status"], data["band"]) == ("ready", "low")
    assert data["drivers"][0].startswith("HRV below your normal range for")
    assert len(data["chart"]) == 30 and data["effect"].startswith("A lighter session")
    code, text, _ = _invoke("readiness", "--user", "kim", "--db", db_path)
    assert code == 0
    assert text.startswith("Readiness: low (")
    assert data["drivers"][0] in text
    assert "● 7-day mean" in text and "HRV (RMSSD, night) from Oura, last 30 days" in text


def test_readiness_before_any_import_and_a_bad_date(db_path: str) -> None:
    code, out, _ = _invoke("readiness", "--user", "new", "--db", db_path)
    assert code == 0 and out.startswith("Readiness: no data")
    code, _, err = _invoke("readiness", "--db", db_path, "--date", "yesterday")
    assert code == 1 and "--date must be YYYY-MM-DD" in err


def test_plan_is_lighter_with_the_recovery_reason(db_path: str) -> None:
    _seed_falling_hrv(db_path)
    code, out, _ = _invoke("plan", "--user", "kim", "--db", db_path, "--energy", "4", "--json")
    assert code == 0
    session = json.loads(out)
    assert session["readiness"] == "low"
    reasons = " ".join(session["reasons"])
    assert "Your recovery data: HRV below your normal range" in reasons
    assert "the more cautious applies" in reasons


def test_an_imported_run_counts_toward_the_week(db_path: str, tmp_path: Path) -> None:
    start = datetime.combine(TODAY, datetime.min.time(), UTC).replace(hour=7)
    path = tmp_path / "run.fit"
    path.write_bytes(fit_bytes(FitActivity(start, 2400, heart_rates=(150, 170, 180))))
    assert _invoke("import", str(path), "--user", "kim", "--db", db_path)[0] == 0
    code, out, _ = _invoke("week", "--user", "kim", "--db", db_path, "--json")
    assert code == 0
    week = json.loads(out)
    assert week["imported_activities"] == [
        {"day": TODAY.isoformat(), "sport": "run", "minutes": 40.0, "vigorous": True}
    ]
    assert week["ledger"]["aerobic_minutes_logged"] == 80.0  # vigorous minutes count twice
    assert "From your watch or apps: run 40 min (hard)." in week["message"]
