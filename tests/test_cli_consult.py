"""``coach consult``, ``coach assess`` and ``coach progress`` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli.consult import run_timer
from tests.test_cli_plan import coach, run_in_process


def test_consult_asks_on_stdin_and_shows_the_record(db_path: str) -> None:
    import subprocess
    import sys

    answers = "get fitter\nwalk 5 km in 8 weeks\nyes\nnever trained\n3 days\n30 min\n"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from agent.cli.main import run; run()",
            "consult",
            "--db",
            db_path,
            "--user",
            "ana",
        ],
        input=answers,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "What would you like training to do for you?" in result.stdout
    assert "How about this as your goal: Get fitter; target: 5 km; by 2027-" in result.stdout
    shown = coach("consult", "--show", "--json", "--db", db_path, "--user", "ana")
    record = json.loads(shown.stdout)
    values = {a["id"]: a["value"] for a in record["answers"] if a["value"] is not None}
    assert values["days_per_week"] == 3 and values["session_minutes"] == 30
    assert record["goal"]["by"] and record["next_question"] == "equipment"


def test_consult_correct_and_form_link(
    db_path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run_in_process(capsys, monkeypatch, "consult", "--form", "--db", db_path)
    assert code == 0 and "http://127.0.0.1:8000/consult" in out
    code, out, _ = run_in_process(
        capsys, monkeypatch, "consult", "--correct", "days_per_week=4 days", "--db", db_path
    )
    assert code == 0 and "Days a week: 4 days" in out
    code, _, err = run_in_process(
        capsys, monkeypatch, "consult", "--correct", "days_per_week=whenever", "--db", db_path
    )
    assert code == 1 and err.startswith("error: could not read")
    code, _, err = run_in_process(
        capsys, monkeypatch, "consult", "--correct", "shoe_size=44", "--db", db_path
    )
    assert code == 1 and "unknown question 'shoe_size'" in err


def test_assess_record_list_and_progress(
    db_path: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = ("--db", db_path, "--user", "bo")
    code, out, _ = run_in_process(
        capsys, monkeypatch, "assess", "record", "resting_hr", "61", *args
    )
    assert code == 0 and "Saved your resting heart rate: 61 bpm." in out
    code, out, _ = run_in_process(capsys, monkeypatch, "assess", "list", "--json", *args)
    offers = {o["test_id"]: o for o in json.loads(out)["offers"]}
    assert offers["resting_hr"]["allowed"] and not offers["pushup"]["allowed"]
    code, _, err = run_in_process(capsys, monkeypatch, "assess", "record", "pushups", "3", *args)
    assert code == 1 and "unknown test 'pushups'" in err
    code, out, _ = run_in_process(capsys, monkeypatch, "progress", "--json", *args)
    data = json.loads(out)
    assert data["tests"][0]["test_id"] == "resting_hr" and data["tests"][0]["latest"] == 61
    target = tmp_path / "report.html"
    code, out, _ = run_in_process(capsys, monkeypatch, "progress", "--html", str(target), *args)
    assert code == 0 and target.read_text().startswith("<!doctype html>")
    code, _, err = run_in_process(
        capsys, monkeypatch, "progress", "--html", str(tmp_path / "no" / "r.html"), *args
    )
    assert code == 1 and err.startswith("error: cannot write")


def test_guide_refuses_excluded_tests_and_prints_the_metronome(
    db_path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("--db", db_path, "--user", "cy", "--no-wait")
    code, _, err = run_in_process(capsys, monkeypatch, "assess", "guide", "step_test", *args)
    assert code == 1 and "heart-rate-lowering medication" in err
    run_in_process(capsys, monkeypatch, "consult", "--correct", "hr_medication=no", *args[:4])
    code, out, _ = run_in_process(capsys, monkeypatch, "assess", "guide", "step_test", *args)
    assert code == 0 and "(metronome 96 bpm)" in out and "[180 s]" in out


def test_timer_beats_at_the_metronome_rate() -> None:
    slept: list[float] = []
    beats = run_timer(3, 96, lambda: None, sleep=slept.append)
    assert beats == 5 and sum(slept) == pytest.approx(3.0)
    assert run_timer(2, None, lambda: None, sleep=slept.append) == 0
