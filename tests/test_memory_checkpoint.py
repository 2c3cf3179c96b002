"""WAL checkpoints happen in the background, never inside a commit."""

from __future__ import annotations

import os

import pytest

from agent.memory.checkpoint import Checkpointer
from agent.memory.db import connect


@pytest.mark.sqlite_only
def test_commits_never_checkpoint_and_the_checkpointer_does(db_path: str) -> None:
    db = connect(db_path)
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    db.execute("CREATE TABLE filler (body TEXT)")
    for _ in range(1_500):  # past the 1,000 pages at which SQLite would checkpoint itself
        db.execute("INSERT INTO filler VALUES (?)", ["x" * 4000])
        db.conn.commit()
    wal = os.path.getsize(db_path + "-wal")
    assert wal > 1_000 * 4096  # nothing was copied back during the commits
    checkpoints = Checkpointer(interval_s=3600)
    checkpoints.watch(db_path, db)
    busy, log, copied = checkpoints.run_once()[0]
    assert busy == 0 and log == copied and log > 1_000
    db.close()
    # The checkpointer held no connection of its own, so the app's close was the last:
    # SQLite copied the log back and removed it.
    assert not os.path.exists(db_path + "-wal")
    assert checkpoints.run_once() == []  # a closed connection's file is dropped
