"""``coach safety check``: stdin lines in, one result per line out."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from agent.cli.main import app


def test_json_lines_out_one_per_message() -> None:
    stdin = "I feel dizzy\nchest day today, let's go\n\nmy friend just collapsed\n"
    result = CliRunner().invoke(app, ["safety", "check", "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["tier"] for r in rows] == ["stop", "none", "emergency"]
    assert rows[0]["text"] == "I feel dizzy"
    assert rows[0]["signals"][0]["id"] == "STP-DIZZY"
    assert rows[2]["signals"][0]["modifiers"] == ["other"]


def test_plain_output_is_tier_ids_text() -> None:
    result = CliRunner().invoke(app, ["safety", "check"], input="no chest pain\nchset pain\n")
    assert result.exit_code == 0
    denied, typo = result.output.splitlines()
    assert denied == "none\t-\tno chest pain"
    # The rules' ids come first; the classifier's (CLF-...) may follow them.
    tier, ids, text = typo.split("\t")
    assert (tier, text) == ("emergency", "chset pain")
    assert ids.startswith("EMG-CHEST-PAIN,CAU-PAIN")


def test_a_vague_cardinal_mention_reports_the_check_tier() -> None:
    result = CliRunner().invoke(app, ["safety", "check", "--json"], input="chest feels odd\n")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert row["tier"] == "check"
    assert any(s["id"] == "CHK-CHEST" and s["topic"] == "chest" for s in row["signals"])
