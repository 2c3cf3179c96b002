"""Export, delete and import: a person's data leaves whole, goes entirely, comes in matched."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.clock import iso
from agent.coaching import assessments, consultation, programs
from agent.coaching import trainers as service
from agent.importers.records import Activity, DailyValue, ParseResult
from agent.loop import Coach
from agent.memory import checkins, history, notes, portability, situation, store, wearables
from agent.memory.checkins import ProposedChange
from agent.memory.db import connect
from agent.memory.history import SetInput
from agent.models.scripted import ScriptedModel, call, calls, say
from safety import parq
from tests.factories import make_user, sample_exercise_index
from tests.trainer_factories import make_trainer

DATA = Path(__file__).parent / "data" / "import"


def _full_user(db: sqlite_utils.Database, now: datetime, name: str) -> int:
    """A person with rows in every table: turns, messages, flags, sets, notes, feedback."""
    user_id, conversation_id = make_user(db, now, name)
    model = ScriptedModel(
        [
            calls(call("update_profile", {"goal": "strength", "days_per_week": 3})),
            say("Saved."),
        ]
    )
    coach = Coach(db, model, clock=lambda: now)
    coach.turn(user_id, conversation_id, f"hi, I'm {name}, strength 3 days")
    coach.turn(user_id, conversation_id, "I feel dizzy and my chest hurts")
    notes.add_note(
        db, user_id, kind="dislike", subject="lunge", text=f"{name} hates lunges", now=now
    )
    history.log_sets(
        db,
        user_id,
        exercise_id="back_squat",
        exercise_name="Back squat",
        sets=[SetInput(reps=5, load=100, unit="kg")],
        now=now,
    )
    history.record_feedback(db, user_id, now=now, difficulty="about_right", note="fine")
    parq.record_answers(db, user_id, {q.id: q.id == "PARQ-6" for q in parq.questions()}, now)
    consultation.save_form(db, user_id, {"goal": f"{name} wants to run"}, now)
    assessments.record(db, user_id, "resting_hr", 62, now)
    assessments.set_interval(db, user_id, "resting_hr", 28, now)
    watch = ParseResult(
        kind="oura",
        daily=[DailyValue(now.date(), "hrv", 48.0, "Oura", "rmssd", "night")],
        activities=[Activity("GPX", now, "run", 1800.0, "Morning run", 5000.0, 150.0)],
    )
    wearables.save(db, user_id, watch, now, "export.csv")
    _with_a_trainer(db, user_id, now)
    situation.add_temporary_kit(
        db,
        user_id,
        situation.StoredKit(
            place="the hotel gym",
            equipment=["bodyweight", "dumbbells"],
            starts_on=now.date(),
            ends_on=now.date(),
        ),
        now,
    )
    return user_id


def _with_a_trainer(db: sqlite_utils.Database, user_id: int, now: datetime) -> None:
    """A trainer link, status, check-in with an approved change, messages and a program."""
    name = f"trainer-{user_id}"
    trainer_id = make_trainer(db, now, name)
    service.accept_invite(db, user_id, service.create_invite(db, name, now), now)
    service.set_status(db, trainer_id, user_id, "injured", now.date(), None, "knee", now)
    service.add_note(db, trainer_id, user_id, "private note", now)
    service.client_message(db, user_id, "hello coach", now)
    draft_id = checkins.save_draft(
        db, trainer_id, user_id, now.date(), {}, [ProposedChange("deload", {"weeks": 1}, "x")], now
    )
    found = checkins.draft(db, user_id, draft_id)
    assert found is not None
    service.decide_change(db, trainer_id, user_id, found.changes[0].id, "approve", now)
    template = programs.build_template("Base", weeks=1, days_per_week=2, minutes=30)
    programs.assign(db, trainer_id, user_id, programs.save(db, trainer_id, template, now),
                    now.date(), now)  # fmt: skip


def _tables_with_user_id(db: sqlite_utils.Database) -> list[str]:
    return [t for t in db.table_names() if any(c.name == "user_id" for c in db[t].columns)]


def test_export_has_every_table_and_a_csv_of_sets(
    db: sqlite_utils.Database, now: datetime, tmp_path: Path
) -> None:
    user_id = _full_user(db, now, "Robin Export")
    data = portability.export_user(db, user_id)
    for table in _tables_with_user_id(db):
        assert data[table], f"{table} missing from the export"
    assert data["users"][0]["name"] == "Robin Export"
    paths = portability.write_export(data, tmp_path / "out")
    loaded = json.loads(paths[0].read_text())
    assert loaded["set_logs"][0]["exercise_id"] == "back_squat"
    with paths[1].open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["load_kg"] == "100.0" and rows[0]["unit"] == "kg"


def test_delete_removes_the_person_from_every_table_and_audits_without_the_name(
    db: sqlite_utils.Database, now: datetime
) -> None:
    keep = _full_user(db, now, "Kim Keep")
    gone = _full_user(db, now, "Robin Gone")
    pseudonym = store.user_pseudonym(db, gone)
    flag_ids = [r[0] for r in db.execute("SELECT id FROM safety_flags WHERE user_id = ?", [gone])]
    db.execute(
        "INSERT INTO flag_events (flag_id, actor, at, field, note) VALUES (?, 'op', ?, 'x', ?)",
        [flag_ids[0], iso(now), "called Robin Gone back"],
    )
    counts = portability.delete_user(db, gone, now)
    assert counts["users"] == 1 and counts["set_logs"] == 1
    for table in db.table_names():
        rows = db.execute(f'SELECT * FROM "{table}"').fetchall()
        assert "Robin" not in json.dumps(rows, default=str), table
        if any(c.name == "user_id" for c in db[table].columns):
            left = db.execute(f'SELECT COUNT(*) FROM "{table}" WHERE user_id = ?', [gone])
            assert left.fetchone()[0] == 0, table
    assert db.execute("SELECT COUNT(*) FROM users WHERE id = ?", [gone]).fetchone()[0] == 0
    action, subject, detail = db.execute(
        "SELECT action, subject, detail FROM audit_log WHERE action = 'user.delete'"
    ).fetchone()
    assert (action, subject) == ("user.delete", pseudonym)
    assert json.loads(detail)["rows"]["messages"] > 0
    # The other person is untouched.
    assert portability.export_user(db, keep)["set_logs"]


def test_delete_also_clears_tables_added_later_by_other_features(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now, "Future Feature")
    db.execute("CREATE TABLE reminders (id INTEGER PRIMARY KEY, user_id INTEGER, text TEXT)")
    db.execute("INSERT INTO reminders (user_id, text) VALUES (?, 'stretch')", [user_id])
    assert portability.export_user(db, user_id)["reminders"][0]["text"] == "stretch"
    portability.delete_user(db, user_id, now)
    assert db.execute("SELECT COUNT(*) FROM reminders").fetchone()[0] == 0


def test_strong_import_converts_pounds_matches_names_and_reports_the_rest(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    text = (DATA / "strong_sample.csv").read_text()
    report = portability.import_history(
        db, user_id, text, now, unit="lb", index=sample_exercise_index()
    )
    assert report.format == "strong"
    assert (report.workouts, report.sets, report.skipped_rows) == (2, 14, 0)
    assert report.matched["Squat (Barbell)"] == "back_squat"
    assert report.matched["Bent Over Row (Dumbbell)"] == "dumbbell_row"
    assert report.unmatched == {"Plank": 1, "Wobble Board Juggling": 1, "Zercher Carry Thing": 1}
    squat = history.last_performance(db, user_id, "back_squat")
    assert squat is not None
    assert [s.set_type for s in squat.sets] == ["warmup", "normal", "normal", "normal"]
    assert squat.sets[1].load == 185 and squat.sets[1].unit == "lb"
    assert squat.sets[1].load_kg == pytest.approx(83.91, abs=0.01)
    progress = history.exercise_progress(db, user_id, "back_squat", now)
    assert progress is not None and progress.heaviest_kg == pytest.approx(83.91, abs=0.01)
    week = history.workouts_between(db, user_id, now.date() - timedelta(days=20), now.date())
    assert {w.title for w in week} == {"Monday Legs", "Thursday Upper"}


def test_hevy_import_reads_kg_warmups_and_bodyweight(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    text = (DATA / "hevy_sample.csv").read_text()
    report = portability.import_history(db, user_id, text, now, index=sample_exercise_index())
    assert report.format == "hevy"
    assert (report.workouts, report.sets) == (2, 10)
    assert report.unmatched == {"Overhead Press (Dumbbell)": 3, "Sled Push Deluxe": 1}
    bench = history.exercise_progress(db, user_id, "bench_press", now)
    assert bench is not None
    assert bench.heaviest_kg == 62.5
    assert bench.last_date == "2026-11-09"
    pull_ups = history.last_performance(db, user_id, "pull_up")
    assert pull_ups is not None and [s.reps for s in pull_ups.sets] == [8, 7]
    assert pull_ups.sets[0].load is None
    muscles = history.weekly_sets_per_muscle(db, user_id, now, 2, sample_exercise_index())
    assert muscles[0].sets["chest"] == 2.0  # the warm-up does not count


def test_importing_the_same_file_twice_adds_nothing(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    text = (DATA / "hevy_sample.csv").read_text()
    portability.import_history(db, user_id, text, now, index=sample_exercise_index())
    again = portability.import_history(db, user_id, text, now, index=sample_exercise_index())
    assert (again.workouts, again.sets, again.skipped_duplicate_workouts) == (0, 0, 2)
    assert db.execute("SELECT COUNT(*) FROM set_logs").fetchone()[0] == 10


def test_import_rejects_other_files_and_counts_unreadable_rows(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    with pytest.raises(ValueError, match="not a Strong, Hevy or FitNotes"):
        portability.import_history(db, user_id, "a,b\n1,2\n", now)
    with pytest.raises(ValueError, match="no rows"):
        portability.import_history(db, user_id, "", now)
    text = (
        "Date;Workout Name;Exercise Name;Set Order;Weight;Reps;RPE\n"
        "2026-11-01 08:00:00;Legs;Squat (Barbell);1;100;5;\n"
        "not a date;Legs;Squat (Barbell);2;100;5;\n"
    )
    report = portability.import_history(db, user_id, text, now, index=sample_exercise_index())
    assert (report.format, report.sets, report.skipped_rows) == ("strong", 1, 1)


def test_import_uses_the_planning_catalog(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = make_user(db, now)
    text = (DATA / "strong_sample.csv").read_text()
    report = portability.import_history(db, user_id, text, now, unit="lb")
    assert report.unmatched == {"Wobble Board Juggling": 1}
    squat_id = report.matched["Squat (Barbell)"]
    squat = history.last_performance(db, user_id, squat_id)
    assert squat is not None and len(squat.sets) == 4
    muscles = history.weekly_sets_per_muscle(db, user_id, now, 3)
    assert sum(sum(week.sets.values()) for week in muscles) > 0


_set_rows = st.lists(
    st.tuples(
        st.sampled_from(["Goblet Squat", "Bench Press (Barbell)", "Mystery Move"]),
        st.integers(min_value=1, max_value=30),
        st.one_of(st.none(), st.floats(min_value=0.5, max_value=300).map(lambda x: round(x, 1))),
        st.one_of(st.none(), st.sampled_from([6.0, 7.5, 8.0, 9.5, 10.0])),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=30, deadline=None)
@given(rows=_set_rows, workouts=st.integers(min_value=1, max_value=4))
def test_any_hevy_file_round_trips_into_history(
    rows: list[tuple[str, int, float | None, float | None]], workouts: int
) -> None:
    db = connect(":memory:")
    now = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
    user_id = store.ensure_user(db, "prop", now)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "title",
            "start_time",
            "exercise_title",
            "set_index",
            "set_type",
            "weight_kg",
            "reps",
            "rpe",
        ]
    )
    for number, (name, reps, load, rpe) in enumerate(rows):
        day = 1 + number % workouts
        writer.writerow(
            [
                f"Day {day}",
                f"{day} Nov 2026, 07:00",
                name,
                number,
                "normal",
                "" if load is None else load,
                reps,
                "" if rpe is None else rpe,
            ]
        )
    report = portability.import_history(
        db, user_id, buffer.getvalue(), now, index=sample_exercise_index()
    )
    assert report.sets == len(rows) and report.skipped_rows == 0
    assert report.workouts == len({1 + n % workouts for n in range(len(rows))})
    stored = db.execute(
        "SELECT exercise_name, reps, load, load_kg, rpe FROM set_logs ORDER BY id"
    ).fetchall()

    def key(item: tuple[int, float | None, float | None]) -> tuple[float, float, float]:
        reps, load, rpe = item
        return (reps, -1.0 if load is None else load, -1.0 if rpe is None else rpe)

    assert sorted(((r, w, p) for _, r, w, _, p in stored), key=key) == sorted(
        ((reps, load, rpe) for _, reps, load, rpe in rows), key=key
    )
    assert all(kg == w for _, _, w, kg, _ in stored)
    db.close()


@pytest.mark.sqlite_only  # reads SQLite's file and WAL; see the PostgreSQL test below
def test_after_a_deletion_neither_the_file_nor_its_wal_holds_the_words(
    db_path: str, now: datetime
) -> None:
    secret = "my-neighbour-zanzibar-knows-about-my-knee"
    db = connect(db_path)
    other = connect(db_path)  # a second connection, as a server's pool keeps open
    user_id = store.ensure_user(db, "Robin Gone", now)
    conversation_id = store.start_conversation(db, user_id, now)
    coach = Coach(db, ScriptedModel([say(f"Noted: {secret}.")] * 3), clock=lambda: now)
    for _ in range(3):
        coach.turn(user_id, conversation_id, f"remember {secret} please")
    assert other.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 6
    portability.delete_user(db, user_id, now)
    for path in (Path(db_path), Path(f"{db_path}-wal")):
        if path.exists():
            assert secret.encode() not in path.read_bytes(), path.name
    assert Path(f"{db_path}-wal").stat().st_size == 0
    other.close()
    db.close()


def test_after_a_deletion_no_row_on_the_postgresql_server_holds_the_words(
    pg_url: str, now: datetime
) -> None:
    # On PostgreSQL the store has no file of its own: what it can promise is that no row
    # any connection can read still holds the words; reclaiming the dead tuples' space is
    # the server's VACUUM policy (docs/postgres.md).
    secret = "my-neighbour-zanzibar-knows-about-my-knee"
    db = connect(pg_url)
    other = connect(pg_url)  # a second connection, as another server worker keeps open
    user_id = store.ensure_user(db, "Robin Gone", now)
    conversation_id = store.start_conversation(db, user_id, now)
    coach = Coach(db, ScriptedModel([say(f"Noted: {secret}.")] * 3), clock=lambda: now)
    for _ in range(3):
        coach.turn(user_id, conversation_id, f"remember {secret} please")
    assert other.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 6
    portability.delete_user(db, user_id, now)
    for table in other.table_names():
        rows = other.execute(f'SELECT * FROM "{table}"').fetchall()
        assert secret not in json.dumps(rows, default=str), table
        assert "Robin Gone" not in json.dumps(rows, default=str), table
    other.close()
    db.close()
