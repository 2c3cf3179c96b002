"""Migrations on SQLite: applied once each; a connection to an up-to-date file only reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlite_utils

from agent.memory import db as db_module
from agent.memory.db import connect, migrate
from agent.memory.migrations import MIGRATIONS


def _count_transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    opened: list[int] = []
    real = db_module.transaction

    @contextmanager
    def counting(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
        opened.append(1)
        with real(db):
            yield db

    monkeypatch.setattr(db_module, "transaction", counting)
    return opened


def test_a_new_file_applies_each_migration_in_its_own_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path = str(tmp_path / "coach.db")
    opened = _count_transactions(monkeypatch)
    database = connect(db_path)
    try:
        assert len(opened) == len(MIGRATIONS)
        names = [r[0] for r in database.execute("SELECT name FROM _migrations ORDER BY rowid")]
        assert names == [m.name for m in MIGRATIONS]
    finally:
        database.close()


def test_connecting_to_an_up_to_date_file_opens_no_write_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path = str(tmp_path / "coach.db")
    # Every pooled connection of a server checks the migrations: a write transaction per
    # migration queued with the turns' writes (issue 16); a read is enough.
    connect(db_path).close()
    opened = _count_transactions(monkeypatch)
    database = connect(db_path)
    try:
        assert opened == []
        assert migrate(database) == []
        assert opened == []
    finally:
        database.close()
