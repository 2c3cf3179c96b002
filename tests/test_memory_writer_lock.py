"""SQLite writers of several processes queue on the lock file, within the busy bound."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import time
from datetime import UTC, datetime
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from agent.errors import StorageError
from agent.memory import store, writer_lock
from agent.memory.db import connect, transaction

pytestmark = pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")

HOLD_S = 0.6


def _hold_a_write(path: str, holding: Event) -> None:
    """In another process: keep a write transaction open for ``HOLD_S`` seconds."""
    db = connect(path)
    with transaction(db):
        store.ensure_user(db, "other process", datetime(2026, 11, 16, tzinfo=UTC))
        holding.set()
        time.sleep(HOLD_S)
    db.close()


def test_a_writer_waits_for_another_process_and_then_writes(tmp_path: Path) -> None:
    path = str(tmp_path / "coach.db")
    db = connect(path)
    context = multiprocessing.get_context("spawn")
    holding = context.Event()
    other = context.Process(target=_hold_a_write, args=(path, holding))
    other.start()
    try:
        assert holding.wait(60)
        started = time.perf_counter()
        with transaction(db):
            store.ensure_user(db, "this process", datetime(2026, 11, 16, tzinfo=UTC))
        waited = time.perf_counter() - started
    finally:
        other.join(60)
    assert other.exitcode == 0
    # It waited for the other process's commit (on the lock file, not on SQLite's busy
    # handler), and both writes are there.
    assert waited > HOLD_S / 3
    names = {row[0] for row in db.execute("SELECT name FROM users").fetchall()}
    assert names == {"other process", "this process"}
    assert Path(path + "-writer").exists()
    db.close()


def test_a_lock_file_held_past_the_bound_is_one_clear_error(tmp_path: Path) -> None:
    path = str(tmp_path / "coach.db")
    db = connect(path)
    # Another holder of the lock file (another open file description, as another
    # process would have) that never lets go.
    blocker = os.open(path + "-writer", os.O_RDWR)
    fcntl.flock(blocker, fcntl.LOCK_EX)
    try:
        started = time.perf_counter()
        with pytest.raises(StorageError, match="busy"), writer_lock.holding(db, bound_s=0.2):
            pass
        assert time.perf_counter() - started < 5
    finally:
        fcntl.flock(blocker, fcntl.LOCK_UN)
        os.close(blocker)
    with transaction(db):  # free again: writes go through
        store.ensure_user(db, "after", datetime(2026, 11, 16, tzinfo=UTC))
    db.close()


def test_nested_holds_take_the_lock_once_and_release_it_at_the_end(tmp_path: Path) -> None:
    path = str(tmp_path / "coach.db")
    db = connect(path)
    probe = os.open(path + "-writer", os.O_RDWR)
    try:
        with writer_lock.holding(db, bound_s=1.0):
            with writer_lock.holding(db, bound_s=1.0):
                pass
            # Still held after the inner block: another holder cannot take it.
            with pytest.raises(BlockingIOError):
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released at the end
        fcntl.flock(probe, fcntl.LOCK_UN)
    finally:
        os.close(probe)
    db.close()
