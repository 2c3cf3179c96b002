"""``coach trainer ...``: accounts, consent, attention, check-in decisions, statuses, templates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from agent.cli.main import app
from agent.memory.db import connect
from agent.server.trainer_auth import check_credentials
from tests.trainer_factories import PASSWORD, skip, train


def coach(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=stdin)


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _setup(db_path: str) -> None:
    """Trainer sam; client ann accepted sam's invite and missed two sessions this fortnight."""
    assert coach("trainer", "add", "sam", "--password-stdin", "--db", db_path,
                 stdin=PASSWORD).exit_code == 0  # fmt: skip
    code = _json(coach("trainer", "invite", "--trainer", "sam", "--json", "--db", db_path))["code"]
    accepted = coach("trainer", "accept", code, "--user", "ann", "--json", "--db", db_path)
    assert _json(accepted) == {"trainer": "sam"}
    db = connect(db_path)
    today = datetime.now(UTC).date()
    from agent.memory import intake, store

    user_id = store.ensure_user(db, "ann", datetime.now(UTC))
    intake.update_profile(db, user_id, {"days_per_week": 3, "session_minutes": 45},
                          datetime.now(UTC))  # fmt: skip
    train(db, user_id, [today - timedelta(days=d) for d in (20, 18, 16, 2)])
    skip(db, user_id, today - timedelta(days=6), "work travel")
    skip(db, user_id, today - timedelta(days=4), None)
    db.close()


def test_trainer_add_stores_a_hash_and_refuses_bad_input(db_path: str) -> None:
    _setup(db_path)
    db = connect(db_path)
    assert check_credentials(db, "sam", PASSWORD) is not None
    stored = db.execute("SELECT password_hash FROM trainers").fetchone()[0]
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    db.close()
    again = coach("trainer", "add", "sam", "--password-stdin", "--db", db_path, stdin=PASSWORD)
    assert again.exit_code == 1
    assert "already exists" in again.output
    short = coach("trainer", "add", "kim", "--password-stdin", "--db", db_path, stdin="short")
    assert short.exit_code == 1
    assert "at least 10 characters" in short.output
    assert [t["name"] for t in _json(coach("trainer", "list", "--json", "--db", db_path))] == [
        "sam"
    ]


def test_attention_checkin_approve_reject_from_the_terminal(db_path: str) -> None:
    _setup(db_path)
    base = ("--trainer", "sam", "--json", "--db", db_path)
    hits = _json(coach("trainer", "attention", *base))
    assert [(h["client"], h["rule_id"]) for h in hits if h["rule_id"] == "missed_sessions"] == [
        ("ann", "missed_sessions")
    ]
    assert len(_json(coach("trainer", "checkins", *base))["drafts"]) == 1
    assert _json(coach("trainer", "checkins", *base))["drafts"] == []
    draft = _json(coach("trainer", "checkin", "ann", *base))
    changes = {c["kind"]: c["id"] for c in draft["changes"]}
    approved = _json(coach("trainer", "approve", "ann", str(changes["fewer_days"]), "--days", "2",
                           *base))  # fmt: skip
    assert (approved["status"], approved["decided_by"]) == ("approved", "sam")
    rejected = _json(coach("trainer", "reject", "ann", str(changes["shorter_sessions"]), *base))
    assert rejected["status"] == "rejected"
    twice = coach("trainer", "reject", "ann", str(changes["shorter_sessions"]), *base)
    assert twice.exit_code == 1
    assert "already rejected" in twice.output
    view = _json(coach("trainer", "client", "ann", *base))
    assert [a["kind"] for a in view["adjustments"]] == ["fewer_days"]
    actions = {a["action"] for a in view["audit"]}
    assert {"trainer.change_approved", "trainer.change_rejected"} <= actions


def test_unknown_trainer_or_client_is_one_clear_line(db_path: str) -> None:
    _setup(db_path)
    nobody = coach("trainer", "clients", "--trainer", "lee", "--db", db_path)
    assert nobody.exit_code == 1
    assert "no trainer called 'lee'" in nobody.output
    stranger = coach("trainer", "client", "bo", "--trainer", "sam", "--db", db_path)
    assert stranger.exit_code == 1
    assert "no client called 'bo'" in stranger.output
    assert "Traceback" not in stranger.output


def test_status_template_and_unlink(db_path: str, tmp_path: Path) -> None:
    _setup(db_path)
    base = ("--trainer", "sam", "--json", "--db", db_path)
    status = _json(coach("trainer", "status", "ann", "injured", "--note", "knee", *base))
    assert status["status"] == "injured"
    bad = coach("trainer", "status", "ann", "lazy", *base)
    assert bad.exit_code == 1
    built = _json(coach("trainer", "template", "build", "Base", "--weeks", "1", "--days", "2",
                        "--equipment", "dumbbells", *base))  # fmt: skip
    shown = coach("trainer", "template", "show", str(built["id"]), "--trainer", "sam", "--db",
                  db_path)  # fmt: skip
    edited = tmp_path / "t.yaml"
    edited.write_text(shown.stdout.replace("name: Base", "name: Base v2"))
    assert _json(coach("trainer", "template", "edit", str(built["id"]), str(edited), *base))
    assigned = _json(coach("trainer", "template", "assign", "ann", str(built["id"]), "--from",
                           "2026-11-23", *base))  # fmt: skip
    assert assigned["from"] == "2026-11-23"
    rules = _json(coach("trainer", "rules", *base))
    assert "missed_sessions" in [r["id"] for r in rules["rules"]]
    assert _json(coach("trainer", "unlink", "ann", *base)) == {"unlinked": "ann"}
    assert _json(coach("trainer", "clients", *base)) == []
