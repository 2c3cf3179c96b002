"""Opening the database: WAL, a busy timeout, foreign keys, and the named migrations."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

from agent.clock import iso, utc_now
from agent.errors import StorageError
from agent.memory import writer_lock
from agent.memory.checkpoint import CHECKPOINTS
from agent.memory.dialect import current_person, engine_of, is_postgres_url, write_lock_statements
from agent.memory.dialect import writing_for as writing_for  # the loop declares its person
from agent.memory.migrations import MIGRATIONS
from agent.memory.sqlite_handle import SqliteDatabase
from agent.memory.writer_queue import WriterQueue, writes_are_urgent
from agent.memory.writer_queue import urgent_writes as urgent_writes  # the server's fast step

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 15_000
"""How long a writer waits for another process's write lock before giving up.

Generous because a turn holds the lock for milliseconds and many processes may share
one file; a person waiting a second is better than a lost message."""

BUSY_BOUND_S = 120.0
"""How long, in all, a writer keeps retrying a busy database before reporting it.

SQLite's own busy handler waits ``BUSY_TIMEOUT_MS`` per attempt; past it (or when SQLite
reports busy without waiting, as it does for some WAL lock states) we back off and try
again until this bound, so a burst of writers from many processes queues instead of
losing a line."""

_T = TypeVar("_T")

_PROCESS_WRITER = WriterQueue()
"""One writer at a time within this process (a server's threads), queued in memory.

Threads left to SQLite's busy handler sleep and poll, so under many concurrent requests
the unlucky ones waited seconds for a lock held for milliseconds; waiting here is cheap
and wakes at once. Other processes still meet at SQLite's own lock. Re-entrant so a
thread never waits on itself; writes declared urgent (:func:`urgent_writes`: the server's
fast step) go before waiting ordinary ones (``agent.memory.writer_queue``)."""


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def retry_busy(action: Callable[[], _T], *, bound_s: float | None = None) -> _T:
    """Run ``action``, retrying with jittered exponential backoff while the file is busy.

    Raises:
        sqlite3.OperationalError: Still busy after ``bound_s`` seconds (``BUSY_BOUND_S``),
            or any other operational error at once.
    """
    deadline = time.monotonic() + (BUSY_BOUND_S if bound_s is None else bound_s)
    pause = 0.02
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        # Jitter so writers that collided do not collide again in step.
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())) * random.uniform(0.5, 1.5))
        pause = min(pause * 2, 1.0)


_MIGRATED_SERVERS: set[str] = set()
"""PostgreSQL URLs this process has migrated: later connections skip the check."""
_MIGRATING = threading.Lock()


def connect(path: str = ":memory:") -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the coach's database.

    Args:
        path: A file path, ``":memory:"`` for a private in-memory database, or a
            ``postgresql://`` URL of a PostgreSQL server (``agent.memory.postgres``).

    Returns:
        A ready ``sqlite_utils.Database`` (for PostgreSQL, one answering as one).

    Raises:
        StorageError: The file cannot be opened or migrated, or the server not reached.
    """
    if is_postgres_url(path):
        return _connect_postgres(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        # sqlite-utils itself is imported only when something beyond a statement or a
        # transaction is asked of the handle (``agent.memory.sqlite_handle``).
        db = cast("sqlite_utils.Database", SqliteDatabase(conn))
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if path != ":memory:":
            # Switching to WAL needs a moment of exclusive access; another process busy
            # writing is a reason to wait, never to exit at start-up.
            retry_busy(lambda: conn.execute("PRAGMA journal_mode=WAL"))
            conn.execute("PRAGMA synchronous=NORMAL")
            # Checkpoints run in the background, not inside the commit of a user's turn.
            conn.execute("PRAGMA wal_autocheckpoint=0")
            CHECKPOINTS.watch(path, db)
            writer_lock.register(db, path)
        conn.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left in free pages: an erased
        # person's words must not be readable in the file (some builds default to off).
        conn.execute("PRAGMA secure_delete=ON")
        migrate(db)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"cannot open the database {path}: {exc}") from exc
    return db


def _connect_postgres(url: str) -> sqlite_utils.Database:
    # Imported here so the embedded SQLite default never loads psycopg.
    from agent.memory.postgres import PgDatabase

    db = PgDatabase(url)
    try:
        with _MIGRATING:
            if url not in _MIGRATED_SERVERS:
                migrate(db)
                _MIGRATED_SERVERS.add(url)
    except BaseException:
        db.close()
        raise
    return db


def forget_migrated(url: str) -> None:
    """Check ``url``'s migrations again on the next connection (its schema was dropped)."""
    with _MIGRATING:
        _MIGRATED_SERVERS.discard(url)


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet recorded, each in its own transaction.

    Returns:
        The names of the migrations applied by this call.
    """
    create = "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
    if engine_of(db) == "postgresql":
        # Two workers starting at once would race on the catalog: create under the lock.
        with transaction(db):
            db.execute(create)
    else:
        retry_busy(lambda: db.execute(create))
    recorded = {str(row[0]) for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied: list[str] = []
    for migration in MIGRATIONS:
        if migration.name in recorded:
            # Applied already (the usual case: every pooled connection of a server checks):
            # a read, not a write transaction per migration queueing with the turns' writes.
            continue
        with transaction(db):
            # Re-checked inside the write lock so two processes starting at once do not
            # both apply the same step.
            done = db.execute(
                "SELECT 1 FROM _migrations WHERE name = ?", [migration.name]
            ).fetchone()
            if done:
                continue
            migration.apply(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [migration.name, iso(utc_now())],
            )
            applied.append(migration.name)
    return applied


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction; nested use becomes a savepoint inside the outer one.

    ``BEGIN IMMEDIATE`` takes the write lock up front, so concurrent writers queue on the
    busy timeout (retried with backoff up to ``BUSY_BOUND_S``) instead of failing later
    when a read lock cannot be upgraded. Keep the body short: never call a model inside.

    Raises:
        StorageError: The database stayed locked past ``BUSY_BOUND_S``, or failed.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    if engine_of(db) == "postgresql":
        # The server queues writers on its advisory lock (``agent.memory.dialect``) and
        # wakes the next at once; an in-process queue in front would add nothing.
        db.conn.execute("BEGIN IMMEDIATE")
        yield from _run_and_commit(db)
        return
    if not _PROCESS_WRITER.acquire(BUSY_BOUND_S, urgent=writes_are_urgent()):
        raise StorageError("the database is busy, try again in a moment")
    try:
        # Other processes queue on a lock file, woken within a millisecond, rather than
        # on SQLite's busy handler, which sleeps for many (``agent.memory.writer_lock``).
        with writer_lock.holding(db, BUSY_BOUND_S):
            try:
                retry_busy(lambda: db.conn.execute("BEGIN IMMEDIATE"))
            except sqlite3.OperationalError as exc:
                raise StorageError(f"the database is busy, try again in a moment ({exc})") from exc
            yield from _run_and_commit(db)
    finally:
        _PROCESS_WRITER.release()


def _run_and_commit(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    try:
        db.conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise StorageError(f"could not save to the database: {exc}") from exc


def checkpoint_and_truncate(db: sqlite_utils.Database) -> None:
    """Copy the WAL into the main file and truncate it to zero bytes.

    After an erasure the deleted rows' old pages still sit in the WAL until it is reused;
    this moves the (securely deleted) pages into the file and empties the log. Readers
    in other connections can hold the checkpoint back; it is retried within the bound.
    """
    if db.conn.in_transaction:
        raise StorageError("checkpoint inside a transaction: commit first")
    if engine_of(db) == "postgresql":
        # No file of ours: the server's own WAL and VACUUM policy apply (docs/postgres.md).
        return

    def truncate() -> None:
        busy, _, _ = db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise sqlite3.OperationalError("database is busy: the WAL checkpoint was blocked")

    try:
        retry_busy(truncate, bound_s=30.0)
    except sqlite3.OperationalError as exc:
        raise StorageError(f"the erasure is saved but the log was not emptied: {exc}") from exc


@contextmanager
def reads_once(db: sqlite_utils.Database) -> Iterator[None]:
    """A phase of reads in which a query asked twice with the same values runs once.

    On PostgreSQL every query is a round trip to the server, and a turn's context asks
    for some things (the profile, the notes, the training days) from several places; a
    write or transaction inside the block forgets what was read. On SQLite, where a read
    is a function call, nothing changes.
    """
    if engine_of(db) != "postgresql":
        yield
        return
    with cast(Any, db).reads_once():
        yield


def read_ahead(db: sqlite_utils.Database, reads: list[tuple[str, list[Any]]]) -> None:
    """Reads (SQL and values) the caller makes next, none depending on another's answer.

    On PostgreSQL they go out together in one request and each answers the next
    ``execute`` of the same read, once; a write, or the start or end of a transaction,
    forgets them (``PgDatabase.read_ahead``). On SQLite, where a read is a function
    call, nothing happens: each is read when asked.
    """
    if engine_of(db) == "postgresql":
        cast(Any, db).read_ahead(reads)


def read_after_commit(db: sqlite_utils.Database, reads: list[tuple[str, list[Any]]]) -> None:
    """Reads (SQL and values) the caller makes once the open transaction has committed.

    On PostgreSQL they follow the COMMIT in its request and answer the next ``execute``
    of the same read, once (``PgDatabase.read_after_commit``). On SQLite nothing happens.
    """
    if engine_of(db) == "postgresql":
        cast(Any, db).read_after_commit(reads)


def forget_reads_ahead(db: sqlite_utils.Database) -> None:
    """Drop reads sent ahead that nobody asked for, before the handle serves someone else.

    A read sent with a COMMIT (:func:`read_after_commit`) answers its next asking, however
    late; a pooled handle lent to the next request must not answer from the last one's.
    """
    if engine_of(db) == "postgresql":
        cast(Any, db).forget_reads_ahead()


def write_alone(db: sqlite_utils.Database, sql: str, parameters: list[Any]) -> int:
    """One write as a transaction of its own; the new row's id (0 for no INSERT).

    On PostgreSQL the write locks and the statement go in one request, an implicit
    transaction: no BEGIN or COMMIT round trip. Elsewhere, :func:`transaction`.
    """
    if engine_of(db) == "postgresql" and not db.conn.in_transaction:
        pg = cast(Any, db)
        locks = write_lock_statements(pg.lock_space, current_person())
        return int(pg.write_alone(sql, parameters, locks).lastrowid or 0)
    with transaction(db):
        return int(db.execute(sql, parameters).lastrowid or 0)


def store_wide_writes(db: sqlite_utils.Database) -> bool:
    """Whether a write transaction holds every other writer up (SQLite's one write lock).

    On PostgreSQL a turn's transaction locks only its person (``agent.memory.dialect``).
    """
    return engine_of(db) != "postgresql"


def write_unanswered(db: sqlite_utils.Database, sql: str, parameters: list[Any]) -> None:
    """A write inside the open transaction whose answer (rows, count) nobody reads.

    On PostgreSQL it travels with the transaction's next statement (the COMMIT at the
    latest): one round trip fewer. On SQLite, or outside a transaction, it runs now.
    """
    if engine_of(db) == "postgresql" and db.conn.in_transaction:
        cast(Any, db).send_later(sql, parameters)
        return
    db.execute(sql, parameters)


def roll_back_open(db: sqlite_utils.Database) -> None:
    """Roll back a transaction left open (a request that failed half-way), if any."""
    if db.conn.in_transaction:
        db.conn.execute("ROLLBACK")
