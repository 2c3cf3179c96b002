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
    assert result.output.splitlines() == [
        "none\t-\tno chest pain",
        "emergency\tEMG-CHEST-PAIN,CAU-PAIN\tchset pain",
    ]
