"""WAL checkpoints off the hot path: a background thread, never a user's turn.

SQLite's automatic checkpoint runs inside whichever commit pushes the write-ahead log
past 1,000 pages, so about one turn in 65 paid 9-35 ms for it. Connections to database
files turn that off (``PRAGMA wal_autocheckpoint=0``, see ``db.connect``) and register
here instead: one daemon thread per process wakes every :data:`INTERVAL_S` seconds and
runs a ``PASSIVE`` checkpoint on its own connection, which copies what it can without
waiting for (or blocking) readers and writers. SQLite releases the GIL while it works.

When the last connection to a file closes, SQLite checkpoints the log itself and removes
it, so a short-lived command leaves nothing behind. The thread's own connection is open
only while it checkpoints: one kept open would make the command's close not the last, and
a chat that outlived the thread's first wake (a slow or busy machine) left its log behind.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


INTERVAL_S = 1.0
"""How often the thread checkpoints each watched file."""


@dataclass
class _Watched:
    path: str
    owner: weakref.ref[sqlite_utils.Database]


class Checkpointer:
    """Checkpoints the watched database files from one background thread."""

    def __init__(self, interval_s: float = INTERVAL_S) -> None:
        self.interval_s = interval_s
        self._watched: list[_Watched] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, path: str, owner: sqlite_utils.Database) -> None:
        """Checkpoint ``path`` while ``owner`` (the app's database) is open and alive."""
        with self._lock:
            self._watched.append(_Watched(path, weakref.ref(owner)))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="coach-wal-checkpoint", daemon=True
                )
                self._thread.start()

    def run_once(self) -> list[tuple[int, int, int]]:
        """Checkpoint every watched file now; returns SQLite's (busy, log, copied) rows."""
        results: list[tuple[int, int, int]] = []
        with self._lock:
            watched = list(self._watched)
        done: set[str] = set()
        for item in watched:
            if not _is_open(item.owner()):
                self._forget(item)
                continue
            if item.path in done:
                # A server's pool holds dozens of connections to one file: one checkpoint
                # of the file per round is enough.
                continue
            done.add(item.path)
            try:
                conn = sqlite3.connect(item.path, timeout=0)
                try:
                    row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                finally:
                    conn.close()
            except sqlite3.Error:
                continue  # busy or gone: the next round tries again
            results.append((int(row[0]), int(row[1]), int(row[2])))
        return results

    def _forget(self, item: _Watched) -> None:
        with self._lock:
            if item in self._watched:
                self._watched.remove(item)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval_s)
            self._wake.clear()
            self.run_once()
            with self._lock:
                if not self._watched:
                    self._thread = None
                    return


def _is_open(db: sqlite_utils.Database | None) -> bool:
    if db is None:
        return False
    try:
        db.conn.total_changes  # noqa: B018 - raises once the connection is closed
    except sqlite3.ProgrammingError:
        return False
    return True


CHECKPOINTS = Checkpointer()
"""The process's checkpointer."""
