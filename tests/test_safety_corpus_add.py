"""Reviewed flags feed the safety corpus: `coach review export` -> `coach safety corpus-add`."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

from safety.labelled import CORPUS_DIR, corpus_files, read
from tests.test_review_cli import _add_operator, _flagged, coach


def _resolve(db_path: str, flag: int, status: str, *extra: str) -> None:
    steps = (
        ("review", "assign", str(flag), "sam"),
        ("review", "resolve", str(flag), "--status", status, "--note", "checked", *extra),
    )
    for step in steps:
        done = coach(*step, "--operator", "sam", "--db", db_path)
        assert done.exit_code == 0, done.output


def test_reviewed_flags_become_labelled_corpus_rows(
    db_path: str, now: datetime, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    before = len(read(corpus_files(corpus)))
    _add_operator(db_path)
    alarm = _flagged(db_path, now, "my heart skipped when the ref blew the whistle", name="a")
    real = _flagged(db_path, now, "the gym floor keeps tipping sideways under me", name="b")
    _resolve(db_path, alarm, "false_positive")
    _resolve(db_path, real, "resolved", "--decision", "true_positive")

    export = tmp_path / "export.jsonl"
    exported = coach("review", "export", str(export), "--db", db_path, "--operator", "sam")
    assert exported.exit_code == 0, exported.output
    added = coach("safety", "corpus-add", str(export), "--voice", "chatty", "--corpus", str(corpus))
    assert added.exit_code == 0, added.output

    rows = {row.text: row for row in read(corpus_files(corpus))}
    assert len(rows) == before + 2
    benign = rows["my heart skipped when the ref blew the whistle"]
    assert (benign.label.value, benign.voice, benign.category) == ("none", "chatty", "reviewed")
    assert [t.value for t in benign.acceptable] == ["none", "caution"]
    assert rows["the gym floor keeps tipping sideways under me"].label.value != "none"
    # Adding the same export again adds nothing.
    again = coach("safety", "corpus-add", str(export), "--voice", "chatty", "--corpus", str(corpus))
    assert again.exit_code == 0 and len(read(corpus_files(corpus))) == before + 2


def test_a_row_without_a_voice_is_a_clear_error(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    row = {"flag_id": 1, "text": "dizzy on the bike", "tier": "stop", "status": "resolved"}
    export.write_text(json.dumps(row) + "\n", encoding="utf-8")
    done = coach("safety", "corpus-add", str(export), "--corpus", str(tmp_path))
    assert done.exit_code == 1
    assert "no voice" in done.output
