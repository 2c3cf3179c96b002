"""One SQLite writer at a time across processes, queued on a lock file instead of SQLite.

Several processes writing one file (``coach serve --workers N``, a CLI beside a server)
otherwise meet at SQLite's own write lock, whose busy handler sleeps 1, 2, 5, 10, 15,
20, 25 ... ms between attempts: a writer that finds the lock taken for a fraction of a
millisecond sleeps for several, and under load the unlucky ones sleep for tens. Two
server processes on one file answered fewer turns than one (issue 16). Here a writer
takes an advisory ``flock`` on ``<database>-writer`` first and polls it every fraction
of a millisecond, so it starts within about a millisecond of the previous writer's
commit; ``BEGIN IMMEDIATE`` then finds SQLite's lock free. SQLite's lock still guards
the file against any writer that does not use this (a tool opening the file directly).

Within a process the threads already queue on ``agent.memory.db``'s in-memory lock, so
at most one thread per process polls here. The lock file holds nothing; it is left in
place like SQLite's ``-shm`` file. Where ``fcntl`` does not exist (Windows) only the
in-process lock and SQLite's own apply.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from agent.errors import StorageError

if TYPE_CHECKING:
    import sqlite_utils

POLL_START_S = 0.0002
POLL_MAX_S = 0.002
"""Polling pauses while another process writes: short, since writes take milliseconds."""

_lock_paths: weakref.WeakKeyDictionary[sqlite_utils.Database, str] = weakref.WeakKeyDictionary()
_files: dict[str, tuple[int, int]] = {}
"""Lock file path -> (process id, descriptor): opened once per process and kept open. A
forked child opens its own: a descriptor inherited from the parent shares its lock."""
_holds: dict[str, int] = {}
"""Lock file path -> nested holds by the thread holding the process's writer lock."""
_files_guard = threading.Lock()


def register(db: sqlite_utils.Database, path: str) -> None:
    """Make ``db``'s write transactions take the cross-process lock of the file ``path``."""
    _lock_paths[db] = os.path.realpath(path) + "-writer"


@contextmanager
def holding(db: sqlite_utils.Database, bound_s: float) -> Iterator[None]:
    """Hold the cross-process writer lock of ``db``'s file (nothing for other databases).

    The caller holds the process's writer lock, so ``_holds`` is only touched by one
    thread at a time; a nested hold on the same file by that thread is counted, never
    taken twice.

    Raises:
        StorageError: Another process kept the lock past ``bound_s`` seconds.
    """
    path = _lock_paths.get(db)
    if path is None or sys.platform == "win32":
        yield
        return
    fd = _descriptor(path)
    if _holds.get(path, 0) == 0:
        _acquire(fd, bound_s)
    _holds[path] = _holds.get(path, 0) + 1
    try:
        yield
    finally:
        _holds[path] -= 1
        if _holds[path] == 0:
            _release(fd)


def _descriptor(path: str) -> int:
    with _files_guard:
        pid, fd = _files.get(path, (0, -1))
        if pid != os.getpid():
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            _files[path] = (os.getpid(), fd)
            _holds.pop(path, None)
        return fd


if sys.platform != "win32":
    import fcntl

    def _acquire(fd: int, bound_s: float) -> None:
        deadline = time.monotonic() + bound_s
        pause = POLL_START_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StorageError("the database is busy, try again in a moment") from None
            time.sleep(pause)
            pause = min(pause * 2, POLL_MAX_S)

    def _release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

else:  # pragma: no cover - no flock; ``holding`` never gets here on Windows

    def _acquire(fd: int, bound_s: float) -> None:
        return None

    def _release(fd: int) -> None:
        return None
