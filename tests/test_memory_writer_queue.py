"""The in-process writer queue: re-entrant, urgent writes first, nobody held back for ever."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.memory import db as db_module
from agent.memory.db import connect, transaction, urgent_writes
from agent.memory.writer_queue import WriterQueue, writes_are_urgent

WAIT_S = 10.0


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the threads"
        time.sleep(0.001)


def _waiting(queue: WriterQueue) -> int:
    return queue._urgent_waiting + queue._ordinary_waiting


def test_reentrant_and_released_by_its_holder_only() -> None:
    queue = WriterQueue()
    assert queue.acquire(1.0) and queue.acquire(1.0, urgent=True)
    queue.release()
    taken: list[bool] = []
    other = threading.Thread(target=lambda: taken.append(queue.acquire(0.05)))
    other.start()
    other.join()
    assert taken == [False]  # still held once by this thread
    queue.release()
    with pytest.raises(RuntimeError, match="does not hold"):
        queue.release()
    other = threading.Thread(target=lambda: taken.append(queue.acquire(1.0)))
    other.start()
    other.join()
    assert taken == [False, True]


def test_an_urgent_writer_goes_before_ordinary_ones_that_waited_longer() -> None:
    queue = WriterQueue(precedence_bound_s=WAIT_S)
    order: list[str] = []

    def write(name: str, urgent: bool) -> None:
        assert queue.acquire(WAIT_S, urgent=urgent)
        order.append(name)
        queue.release()

    assert queue.acquire(1.0)
    ordinary = [threading.Thread(target=write, args=(f"o{i}", False)) for i in range(3)]
    for thread in ordinary:
        thread.start()
    _until(lambda: _waiting(queue) == 3)
    urgent = threading.Thread(target=write, args=("u", True))
    urgent.start()
    _until(lambda: _waiting(queue) == 4)
    queue.release()
    for thread in [*ordinary, urgent]:
        thread.join()
    assert order[0] == "u" and sorted(order[1:]) == ["o0", "o1", "o2"]


def test_an_ordinary_writer_is_not_held_back_for_ever_by_a_stream_of_urgent_ones() -> None:
    queue = WriterQueue(precedence_bound_s=0.02)
    stop = threading.Event()

    def urgent_stream() -> None:
        # Three of these keep an urgent writer waiting nearly all the time.
        while not stop.is_set():
            assert queue.acquire(WAIT_S, urgent=True)
            time.sleep(0.002)
            queue.release()
            time.sleep(0.001)

    streams = [threading.Thread(target=urgent_stream) for _ in range(3)]
    for thread in streams:
        thread.start()
    try:
        _until(lambda: queue._urgent_waiting > 0)
        # Without its bound it would wait for the stream to stop; with it, it gets in.
        assert queue.acquire(3.0)  # ordinary
        queue.release()
    finally:
        stop.set()
        for thread in streams:
            thread.join()


def test_a_writer_that_gives_up_passes_the_lock_on() -> None:
    queue = WriterQueue(precedence_bound_s=WAIT_S)
    assert queue.acquire(1.0)
    results: list[bool] = []
    quitter = threading.Thread(target=lambda: results.append(queue.acquire(0.05, urgent=True)))
    patient = threading.Thread(target=lambda: results.append(queue.acquire(WAIT_S)))
    quitter.start()
    patient.start()
    quitter.join()
    queue.release()
    patient.join(timeout=WAIT_S)
    assert results == [False, True]


def test_urgent_writes_mark_the_block_only() -> None:
    assert not writes_are_urgent()
    with urgent_writes():
        assert writes_are_urgent()
    assert not writes_are_urgent()


def test_an_urgent_transaction_commits_before_an_ordinary_one_queued_earlier(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "coach.db")
    holder = connect(path)
    holder.execute("CREATE TABLE seen (name TEXT)")
    done: list[str] = []

    def write(name: str, urgent: bool) -> None:
        db = connect(path)
        try:
            if urgent:
                with urgent_writes(), transaction(db):
                    db.execute("INSERT INTO seen VALUES (?)", [name])
            else:
                with transaction(db):
                    db.execute("INSERT INTO seen VALUES (?)", [name])
            done.append(name)
        finally:
            db.close()

    queue = db_module._PROCESS_WRITER
    with transaction(holder):
        ordinary = threading.Thread(target=write, args=("model step", False))
        ordinary.start()
        _until(lambda: queue._ordinary_waiting == 1)
        urgent = threading.Thread(target=write, args=("red flag", True))
        urgent.start()
        _until(lambda: queue._urgent_waiting == 1)
    ordinary.join(timeout=WAIT_S)
    urgent.join(timeout=WAIT_S)
    rows = [r[0] for r in holder.execute("SELECT name FROM seen ORDER BY rowid")]
    holder.close()
    assert rows == ["red flag", "model step"]
