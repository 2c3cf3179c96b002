"""``coach review`` and ``coach operator add`` over the same database file as the web pages."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from agent.cli.main import app
from agent.memory.db import connect
from agent.server.app import create_app
from agent.server.operator_auth import check_credentials
from safety import screen
from tests.factories import make_flagged_conversation
from tests.test_review_web import PASSWORD, sign_in

DIZZY = screen("I feel dizzy")


def coach(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=stdin)


def _flagged(db_path: str, now: datetime, text: str = "I feel dizzy", name: str = "alex") -> int:
    db = connect(db_path)
    try:
        return make_flagged_conversation(db, now, text, name=name, after=("sitting now",))[2]
    finally:
        db.close()


def _add_operator(db_path: str, name: str = "sam") -> None:
    result = coach("operator", "add", name, "--password-stdin", "--db", db_path, stdin=PASSWORD)
    assert result.exit_code == 0, result.output


def _listed(db_path: str, *extra: str) -> dict[str, Any]:
    result = coach("review", "list", "--json", "--db", db_path, *extra)
    assert result.exit_code == 0, result.output
    listed: dict[str, Any] = json.loads(result.stdout)
    return listed


def test_operator_add_stores_a_salted_hash(db_path: str) -> None:
    _add_operator(db_path)
    db = connect(db_path)
    stored = db.execute("SELECT password_hash FROM operators WHERE name = 'sam'").fetchone()[0]
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert check_credentials(db, "sam", PASSWORD) is not None
    assert check_credentials(db, "sam", PASSWORD + "!") is None
    db.close()
    again = coach("operator", "add", "sam", "--password-stdin", "--db", db_path, stdin=PASSWORD)
    assert again.exit_code == 1
    assert again.stderr.strip() == "error: an operator called 'sam' already exists"
    short = coach("operator", "add", "kim", "--password-stdin", "--db", db_path, stdin="short")
    assert short.exit_code == 1 and "at least 10 characters" in short.stderr


def test_operator_add_prompts_twice_when_interactive(db_path: str) -> None:
    result = coach("operator", "add", "kim", "--db", db_path, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.stdout


def test_list_show_assign_resolve_export(db_path: str, now: datetime, tmp_path: Path) -> None:
    _add_operator(db_path)
    dizzy = _flagged(db_path, now)
    chest = _flagged(db_path, now, "chest pain while running", name="bo")
    listed = _listed(db_path)
    assert [f["id"] for f in listed["flags"]] == [chest, dizzy]
    assert listed["oldest_open_emergency"]["id"] == chest
    assert listed["flags"][1]["signals"] == [s.label for s in DIZZY.signals]
    text = coach("review", "list", "--db", db_path, "--tier", DIZZY.tier.value).stdout
    assert f"#{dizzy}" in text and f"#{chest}" in text.splitlines()[0]  # banner line

    shown = coach("review", "show", str(dizzy), "--db", db_path)
    assert shown.exit_code == 0, shown.output
    assert re.search(r"^>> \[.*\] user: I feel dizzy$", shown.stdout, re.M)
    assert "coach replied:" in shown.stdout and "sitting now" in shown.stdout

    assigned = coach("review", "assign", str(dizzy), "sam", "--operator", "sam", "--db", db_path)
    assert assigned.exit_code == 0, assigned.output
    resolved = coach(
        "review", "resolve", str(dizzy), "--status", "false_positive", "--note",
        "dizzy with excitement", "--action", "added_to_evals", "--operator", "sam",
        "--db", db_path,
    )  # fmt: skip
    assert resolved.exit_code == 0, resolved.output
    events = _listed(db_path, "--status", "all")["flags"][1]["events"]
    assert [(e["actor"], e["field"], e["to"]) for e in events] == [
        ("sam", "assigned_to", "sam"),
        ("sam", "status", "in_review"),
        ("sam", "status", "false_positive"),
        ("sam", "decision", "false_positive"),
        ("sam", "action", "added_to_evals"),
    ]
    out = tmp_path / "labelled.jsonl"
    exported = coach("review", "export", str(out), "--db", db_path, "--operator", "sam")
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == [
        {
            "flag_id": dizzy,
            "text": "I feel dizzy",
            "tier": DIZZY.tier.value,
            "signals": [s.label for s in DIZZY.signals],
            "rule_ids": [s.rule_id for s in DIZZY.signals],
            "status": "false_positive",
            "decision": "false_positive",
            "action": "added_to_evals",
        }
    ]


def test_mistakes_are_one_line_errors(db_path: str, now: datetime) -> None:
    flag = _flagged(db_path, now)
    missing = coach("review", "show", "999", "--db", db_path)
    assert (missing.exit_code, missing.stderr) == (1, "error: no flag #999 in the review queue\n")
    bad = coach("review", "resolve", str(flag), "--status", "done", "--note", "x", "--db", db_path)
    assert bad.exit_code == 1 and bad.stderr.startswith("error: cannot resolve to 'done'")
    nobody = coach("review", "assign", str(flag), "ghost", "--db", db_path)
    assert nobody.exit_code == 1 and "no operator called 'ghost'" in nobody.stderr
    assert coach("review", "list", "--status", "later", "--db", db_path).exit_code == 1
    usage = coach("review", "resolve", str(flag), "--db", db_path)
    assert usage.exit_code == 2


def test_the_cli_and_the_web_pages_share_one_trail(db_path: str, now: datetime) -> None:
    _add_operator(db_path)
    web_flag = _flagged(db_path, now)
    cli_flag = _flagged(db_path, now, "I passed out", name="bo")
    client = TestClient(create_app(db_path, clock=lambda: now), follow_redirects=False)
    with client:
        token = sign_in(client)
        posted = client.post(
            f"/review/flags/{web_flag}/resolve",
            data={"status": "escalated", "note": "called from the web", "csrf_token": token},
        )
        assert posted.status_code == 303
        resolved = coach(
            "review", "resolve", str(cli_flag), "--status", "resolved", "--note",
            "closed from the terminal", "--operator", "sam", "--db", db_path,
        )  # fmt: skip
        assert resolved.exit_code == 0, resolved.output
        listed = {f["id"]: f for f in _listed(db_path, "--status", "all")["flags"]}
        for flag_id in (web_flag, cli_flag):
            page = client.get(f"/review/flags/{flag_id}").text
            trail = page[page.index('id="audit-trail"') :]
            rows = re.findall(
                r'<tr class="event"><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>'
                r"<td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>",
                trail,
            )
            from_cli = [
                (
                    e["at"],
                    e["actor"],
                    e["field"].replace("_", " "),
                    e["from"] or "-",
                    e["to"] or "-",
                    e["note"] or "",
                )
                for e in listed[flag_id]["events"]
            ]
            assert rows == from_cli
        assert listed[web_flag]["status"] == "escalated"
        assert ("sam", "closed from the terminal") in [
            (e["actor"], e["note"]) for e in listed[cli_flag]["events"]
        ]
