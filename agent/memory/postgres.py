"""PostgreSQL as the store: the same functions, the same SQL, a server several machines share.

Every function of ``agent.memory`` takes a ``sqlite_utils.Database`` and calls
``execute``, ``executescript``, ``atomic`` and ``conn.in_transaction`` on it.
:class:`PgDatabase` answers exactly those on a psycopg 3 connection borrowed from a
``psycopg_pool.ConnectionPool`` (one pool per database URL per process), translating
SQLite's spelling through :mod:`agent.memory.dialect`. So the store's functions, the
migrations and their tests are one code path on both engines; only this module and the
dialect know there are two.

Connections run in autocommit mode: a statement outside ``agent.memory.db.transaction``
commits on its own (as ``sqlite_utils`` does), and a transaction is an explicit
``BEGIN``. Queries are bound client-side (``ClientCursor``): values travel as quoted
literals, which PostgreSQL types from the column they meet, much as SQLite does, and a
migration may hold several statements.

Imported only when ``COACH_DB`` names a PostgreSQL server, so the embedded SQLite default
never loads psycopg.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg_pool
import sqlite_utils
from psycopg import ClientCursor
from psycopg.adapt import Dumper
from psycopg.pq import ExecStatus, TransactionStatus
from psycopg.types.numeric import FloatLoader

from agent.errors import StorageError
from agent.memory.dialect import (
    current_person,
    inserted_table,
    lock_space,
    placeholders,
    returning_id,
    schema_script,
    write_lock_statements,
)

_DDL = re.compile(r"^\s*(CREATE|ALTER)\s+TABLE\b", re.IGNORECASE)
TUPLES_OK = ExecStatus.TUPLES_OK
_READ = re.compile(r"^\s*SELECT\b", re.IGNORECASE)

POOL_MAX_SIZE = 20
"""Connections one process keeps to one database at most (a server's worker threads
borrow one per request); ``max_connections`` on the server must cover every process."""

POOL_WAIT_S = 30.0
"""How long a request waits for a free pooled connection before it is reported busy."""

CONNECT_WAIT_S = 10.0
"""How long start-up waits for the first connection before saying the server is down."""


class _BoolAsInteger(Dumper):
    """``True``/``False`` as 1/0: the schema keeps flags in INTEGER columns, as SQLite does."""

    oid = psycopg.postgres.types["int4"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


LOCK_TIMEOUT_MS = 120_000
"""A writer waits for the store's write locks at most as long as a SQLite writer retries a
busy file (``agent.memory.db.BUSY_BOUND_S``), then reports the database busy."""


def _configure(conn: psycopg.Connection[Any]) -> None:
    # SUM over 64-bit integers and AVG give NUMERIC; SQLite gives numbers Python adds to
    # floats, so read NUMERIC as float rather than Decimal.
    conn.adapters.register_loader("numeric", FloatLoader)
    conn.adapters.register_dumper(bool, _BoolAsInteger)
    conn.execute(cast(Any, f"SET lock_timeout = {int(LOCK_TIMEOUT_MS)}"))
    # Client-side binding never prepares: no bookkeeping of queries to prepare.
    conn.prepare_threshold = None


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


_POOLS: dict[str, psycopg_pool.ConnectionPool[psycopg.Connection[Any]]] = {}
_POOLS_LOCK = threading.Lock()
_SPACES: dict[str, int] = {}
"""Database URL -> the advisory lock space of the store it names (``dialect.lock_space``)."""


def _pool_for(url: str) -> psycopg_pool.ConnectionPool[psycopg.Connection[Any]]:
    with _POOLS_LOCK:
        pool = _POOLS.get(url)
        if pool is not None and not pool.closed:
            return pool
        _SPACES[url] = lock_space(_probe(url))
        pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_MAX_SIZE,
            kwargs={"autocommit": True, "cursor_factory": ClientCursor},
            configure=_configure,
            timeout=POOL_WAIT_S,
            open=False,
            name="coach",
        )
        try:
            pool.open(wait=True, timeout=CONNECT_WAIT_S)
        except psycopg_pool.PoolTimeout as exc:
            pool.close()
            raise _unreachable(url) from exc
        _POOLS[url] = pool
        return pool


def _probe(url: str) -> str:
    """The schema the URL's store lives in, asked on one direct connection.

    The pool retries a refused connection until its timeout; one direct attempt first
    turns a server that is not there into one line at once.
    """
    try:
        with psycopg.connect(url, connect_timeout=int(CONNECT_WAIT_S)) as conn:
            row = conn.execute("SELECT current_schema()").fetchone()
    except psycopg.Error as exc:
        raise _unreachable(url) from exc
    if row is None or row[0] is None:
        raise StorageError(
            f"the database {redacted(url)} has no schema to keep the store in "
            "(check the search_path)"
        )
    return str(row[0])


def _unreachable(url: str) -> StorageError:
    return StorageError(
        f"cannot reach the database server {redacted(url)}: is it running, and "
        "are the user, password and database name right?"
    )


def close_pools(url: str | None = None) -> None:
    """Close the pool of ``url`` (every pool when None) and its idle connections."""
    with _POOLS_LOCK:
        urls = [url] if url is not None else list(_POOLS)
        for key in urls:
            pool = _POOLS.pop(key, None)
            if pool is not None:
                pool.close()


class _Session:
    """What the store asks of ``db.conn``: whether a transaction is open, BEGIN and its end."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    @property
    def in_transaction(self) -> bool:
        return self._db.pinned is not None

    def execute(self, sql: str) -> None:
        word = sql.strip().upper()
        if word == "BEGIN IMMEDIATE":
            # SQLite's "take the write lock now": the store's write locks for the person
            # this thread writes for, or the whole store (``agent.memory.dialect``).
            self._db.open_transaction(write_lock_statements(self._db.lock_space, current_person()))
            return
        if word == "BEGIN":
            self._db.open_transaction(())
            return
        if word in {"COMMIT", "ROLLBACK"}:
            self.commit() if word == "COMMIT" else self.rollback()
            return
        self._db.execute(sql)

    def commit(self) -> None:
        """Commit the open transaction, if any (``sqlite3.Connection.commit``)."""
        self._db.commit()

    def rollback(self) -> None:
        """Roll back the open transaction, if any."""
        self._db.rollback()


class PgCursor:
    """The part of ``sqlite3.Cursor`` the store reads: rows, counts and the new row's id.

    The rows are fetched before the connection goes back to the pool.
    """

    def __init__(
        self,
        rows: list[Any],
        rowcount: int,
        describe: Callable[[], Any],
        lastrowid: int | None,
    ) -> None:
        self.rows = rows
        """Every row of the result, whatever has been fetched."""
        self._next = 0
        self.rowcount = rowcount
        self._describe = describe
        self.lastrowid = lastrowid

    @cached_property
    def description(self) -> Any:
        """The result's columns, as ``sqlite3.Cursor.description``.

        Built when first read: psycopg builds them anew on every access, and the store
        seldom asks.
        """
        return self._describe()

    def fetchone(self) -> Any:
        """The next row, or None."""
        if self._next >= len(self.rows):
            return None
        self._next += 1
        return self.rows[self._next - 1]

    def fetchall(self) -> list[Any]:
        """Every row left."""
        rest = self.rows[self._next :]
        self._next = len(self.rows)
        return rest

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class _Column:
    def __init__(self, name: str) -> None:
        self.name = name


class PgTable:
    """The part of ``sqlite_utils.Table`` the store and its tests read."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self.db = db
        self.name = name

    @property
    def columns(self) -> list[_Column]:
        """The table's columns in order (each with a ``name``)."""
        rows = self.db.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            [self.name],
        ).fetchall()
        return [_Column(str(r[0])) for r in rows]

    @property
    def count(self) -> int:
        """How many rows the table holds."""
        return int(self.db.execute(f"SELECT COUNT(*) FROM {self.name}").fetchone()[0])

    @property
    def rows(self) -> Iterator[dict[str, Any]]:
        """Every row as a dict of column to value."""
        cursor = self.db.execute(f"SELECT * FROM {self.name}")
        names = [c[0] for c in cursor.description or []]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))


_Key = tuple[str, tuple[Any, ...]]
"""A read as the store asked it: its SQL (SQLite's spelling) and its values."""

_Answer = tuple[list[Any], int, Any]
"""A read's rows, row count and ``description`` maker, as :meth:`PgDatabase.reads_once`
keeps them."""

PHASES_REMEMBERED = 4096
"""Read phases (one a person, in practice) whose reads are sent ahead next time; the
least recently used are forgotten past this."""

_PHASES: OrderedDict[tuple[str, _Key], tuple[tuple[_Key, ...], frozenset[str]]] = OrderedDict()
"""(database URL, a phase's first read) -> the reads that followed it the last time, and the
reads (SQL) seen with other values from one phase to the next, which are never sent ahead."""
_PHASES_LOCK = threading.Lock()


def _recall_phase(url: str, first: _Key) -> tuple[_Key, ...]:
    with _PHASES_LOCK:
        known = _PHASES.get((url, first))
        if known is None:
            return ()
        _PHASES.move_to_end((url, first))
        return known[0]


def _remember_phase(url: str, reads: list[_Key]) -> None:
    with _PHASES_LOCK:
        before, changing = _PHASES.get((url, reads[0]), ((), frozenset()))
        if before:
            # A read asked again with other values (the turn's id, today's date) would
            # be sent ahead for nothing every time.
            asked = set(reads[1:])
            changing |= {sql for sql, values in before if (sql, values) not in asked}
        after = tuple(key for key in reads[1:] if key[0] not in changing)
        _PHASES[(url, reads[0])] = (after, changing)
        _PHASES.move_to_end((url, reads[0]))
        while len(_PHASES) > PHASES_REMEMBERED:
            _PHASES.popitem(last=False)


class _QueuedRead(str):
    """A read waiting in :attr:`PgDatabase._ahead` (its text, values bound) whose answer is kept.

    Sent ahead of the next statement like any statement waiting there
    (:meth:`PgDatabase.read_with_next`); its rows go to the :class:`Answers` it belongs to.
    """

    answers: Answers
    position: int


class Answers:
    """The answers of reads sent with another statement, once that statement has gone out.

    Asking before it has is a mistake in the caller (the reads would be answered from a
    moment they were never read at), so it raises rather than reading now.
    """

    def __init__(self, count: int) -> None:
        self._rows: list[list[Any] | None] = [None] * count

    def _keep(self, index: int, rows: list[Any]) -> None:
        self._rows[index] = rows

    def rows(self) -> list[list[Any]]:
        """Each read's rows, in the order the reads were given.

        Raises:
            StorageError: The statement the reads travel with has not been sent yet.
        """
        if any(rows is None for rows in self._rows):
            raise StorageError("reads sent with the next statement were asked for before it ran")
        return [rows or [] for rows in self._rows]


_HAS_ID: dict[tuple[str, str], bool] = {}
"""(database URL, table) -> whether the table numbers its rows with ``id``: asked once."""


class PgDatabase(sqlite_utils.Database):
    """The store on a PostgreSQL server, answering as the store's ``sqlite_utils.Database``.

    It is a ``sqlite_utils.Database`` to the type checker because every store function is
    typed against that class; it never opens a SQLite connection (``__init__`` does not
    call the base's) and overrides every method the store uses.

    It holds a pooled connection only while it needs one: a statement outside a
    transaction borrows one and gives it back with its rows fetched; a transaction keeps
    one from ``BEGIN`` to its end. So a turn waiting on its model, or a request between
    statements, holds no connection, and a pool of a few connections serves many
    requests at once.

    Round trips are what a turn waits on (each is a wake-up of a server process), so
    the statements that carry no answer travel with the next one that does: ``BEGIN``
    and the write locks go out with a transaction's first statement, a savepoint and
    its release with the statements inside it (and not at all when nothing ran inside),
    the last releases with ``COMMIT``. A transaction of N statements costs N + 1 round
    trips, a read one. :attr:`round_trips` counts them.
    """

    coach_engine = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool = _pool_for(url)
        self.lock_space = _SPACES[url]
        """The first half of this store's advisory lock keys (``dialect.lock_space``)."""
        self.pinned: psycopg.Connection[Any] | None = None
        self._ahead: list[str] = []
        """Statements not sent yet, to go out ahead of the next one (see the class)."""
        self._depth = 0
        """Savepoints open inside the transaction."""
        self._writes_ahead = False
        """A write waits in ``_ahead`` (:meth:`send_later`): the COMMIT must go out."""
        self._memo: dict[_Key, _Answer] | None = None
        """Rows of the reads already made in a :meth:`reads_once` block."""
        self._phase: list[_Key] | None = None
        """The distinct reads of the current :meth:`reads_once` block, in order."""
        self._read_ahead: dict[_Key, _Answer] = {}
        """Answers of reads sent ahead by :meth:`read_ahead`, each given once."""
        self.prefetched = 0
        """Reads answered from a phase's reads sent ahead (tests and benchmarks read it)."""
        self._after_commit: list[_Key] = []
        """Reads to send right after the COMMIT, in the same request (:meth:`read_after_commit`)."""
        self._closed = False
        self.round_trips = 0
        """Requests sent to the server by this object (tests and benchmarks read it)."""
        self.conn = cast(sqlite3.Connection, _Session(self))

    def _getconn(self) -> psycopg.Connection[Any]:
        if self._closed:
            raise StorageError("the database connection is closed")
        try:
            return self._pool.getconn()
        except psycopg_pool.PoolTimeout as exc:
            raise StorageError(
                f"the database server is busy (no free connection in {POOL_WAIT_S:.0f} s)"
            ) from exc

    def _putconn(self, raw: psycopg.Connection[Any]) -> None:
        try:
            if raw.info.transaction_status != TransactionStatus.IDLE:
                raw.rollback()
        except psycopg.Error:
            pass  # a broken connection: the pool sees it and discards it
        self._pool.putconn(raw)

    def pin(self) -> psycopg.Connection[Any]:
        """Keep one connection for a transaction (until :meth:`unpin`)."""
        if self.pinned is None:
            self.pinned = self._getconn()
        return self.pinned

    def unpin(self) -> None:
        """End the transaction's hold: roll back what is uncommitted, return the connection."""
        raw, self.pinned = self.pinned, None
        self._ahead = []
        self._read_ahead = {}
        self._after_commit = []
        self._writes_ahead = False
        self._depth = 0
        if raw is not None:
            self._putconn(raw)

    def open_transaction(self, locks: Sequence[str]) -> None:
        """Open a transaction taking ``locks`` (statements); both go out with the first query."""
        if self.pinned is not None:
            raise StorageError("a transaction is already open on this connection")
        self.pin()
        self._ahead = ["BEGIN", *locks]
        self._read_ahead = {}
        if self._memo:
            self._memo = {}  # what is read inside may differ from what was read before

    def commit(self) -> None:
        """Commit the open transaction, if any; one that never sent a statement costs nothing."""
        if self.pinned is None:
            return
        answers: dict[_Key, _Answer] = {}
        try:
            if self._ahead[:1] != ["BEGIN"] or self._writes_ahead:
                # Releases and writes sent later can still be queued: they go out with
                # the COMMIT, and reads asked for after it follow it in the same request.
                cursor = self.pinned.cursor()
                reads, self._after_commit = self._after_commit, []
                bound = [self._bound(sql, params) for sql, params in reads]
                self._send(cursor, "; ".join(["COMMIT", *bound]))
                for key in reads:
                    cursor.nextset()
                    answers[key] = self._answer(cursor)
        finally:
            self.unpin()
        # Read after the commit, by this connection: answers for the next reads asked.
        self._read_ahead = answers

    def forget_reads_ahead(self) -> None:
        """Drop answers read ahead and not asked for (the handle goes back to a pool)."""
        self._read_ahead = {}

    def read_after_commit(self, reads: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Send ``reads`` right after the open transaction's COMMIT, in the same request.

        For reads a caller makes once the transaction is over (what a reply shows): each
        answers its next ``execute`` once, as :meth:`read_ahead`'s do. Outside a
        transaction, or when the transaction sends no COMMIT, nothing is sent ahead and
        each read is made when asked.
        """
        if self.pinned is not None and all(_READ.match(sql) for sql, _ in reads):
            self._after_commit.extend((sql, tuple(params)) for sql, params in reads)

    def read_with_next(self, reads: Sequence[tuple[str, Sequence[Any]]]) -> Answers:
        """Send ``reads`` ahead of the transaction's next statement; their rows come back.

        The reads run before that statement (and before any write queued after them),
        inside the open transaction; :meth:`Answers.rows` gives their rows once that
        statement has been sent. Outside a transaction they are read now.
        """
        answers = Answers(len(reads))
        if self.pinned is None:
            for index, (sql, params) in enumerate(reads):
                answers._keep(index, self.execute(sql, list(params)).fetchall())
            return answers
        for index, (sql, params) in enumerate(reads):
            queued = _QueuedRead(self._bound(sql, params))
            queued.answers, queued.position = answers, index
            self._ahead.append(queued)
        return answers

    def write_alone(self, sql: str, parameters: Sequence[Any], locks: Sequence[str]) -> PgCursor:
        """One write as a transaction of its own, with ``locks``: one request, no COMMIT.

        Several statements in one simple-protocol request run as one implicit transaction
        (the advisory locks are held to its end), so a transaction of a single statement
        needs no ``BEGIN`` and no separate ``COMMIT`` round trip.
        """
        if self.pinned is not None:
            raise StorageError("a write alone cannot run inside an open transaction")
        self._ahead = list(locks)
        try:
            return cast(PgCursor, self.execute(sql, list(parameters)))
        finally:
            self._ahead = []

    def _bound(self, sql: str, parameters: Sequence[Any]) -> str:
        """``sql`` with its values bound into the text (to travel ahead of another statement)."""
        raw = self.pinned
        assert raw is not None
        return ClientCursor(raw).mogrify(cast(Any, placeholders(sql)), _as_params(parameters))

    @staticmethod
    def _answer(cursor: psycopg.Cursor[Any]) -> _Answer:
        result = cursor.pgresult
        rows = cursor.fetchall() if result and result.status == TUPLES_OK else []
        description = cursor.description
        return rows, cursor.rowcount, lambda d=description: d

    def rollback(self) -> None:
        """Roll back the open transaction, if any (the connection's return does it)."""
        if self.pinned is not None:
            if self.pinned.info.transaction_status != TransactionStatus.IDLE:
                self.round_trips += 1  # the connection's return sends the ROLLBACK
            self.unpin()

    def _send(self, cursor: psycopg.Cursor[Any], sql: str, parameters: Any = None) -> None:
        """Run ``sql`` with the statements waiting ahead of it; the cursor ends on its result.

        When ``sql`` holds several statements, on the first one's result.
        """
        ahead, self._ahead = self._ahead, []
        self._writes_ahead = False
        queued = [
            (statement.answers, statement.position) if isinstance(statement, _QueuedRead) else None
            for statement in ahead
        ]
        if ahead and parameters is not None:
            # Statements ahead are complete texts (values bound already): a ``%`` in them
            # is a percent sign, not the start of a placeholder of this statement.
            ahead = [statement.replace("%", "%%") for statement in ahead]
        text = "; ".join([*ahead, sql]) if ahead else sql
        self.round_trips += 1
        try:
            if parameters is None:
                cursor.execute(cast(Any, text))
            else:
                cursor.execute(cast(Any, text), _as_params(parameters))
        except psycopg.errors.LockNotAvailable as exc:
            raise StorageError(f"the database is busy, try again in a moment ({exc})") from exc
        for read in queued:  # the cursor ends on the (first) answer of ``sql`` itself
            if read is not None:
                read[0]._keep(read[1], self._answer(cursor)[0])
            cursor.nextset()

    def send_later(self, sql: str, parameters: Sequence[Any]) -> None:
        """Queue a write nobody reads the answer of, to travel with the next statement.

        Only inside a transaction (the COMMIT at the latest carries it); an error in it
        fails that later statement, and with it the transaction, as it would have failed
        the transaction now.
        """
        if self.pinned is None:
            raise StorageError("a write sent later needs an open transaction")
        self._read_ahead = {}
        if self._memo is not None:
            self._memo.clear()
            self._phase = None
        self._ahead.append(self._bound(sql, parameters))
        self._writes_ahead = True

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if self.pinned is not None:
            yield self.pinned
            return
        raw = self._getconn()
        try:
            yield raw
        finally:
            self._putconn(raw)

    def _table_has_id(self, raw: psycopg.Connection[Any], table: str) -> bool:
        key = (self.url, table)
        known = _HAS_ID.get(key)
        if known is None:
            cursor = raw.cursor()
            # Outside a transaction, what waits ahead (a write alone's locks) belongs to
            # the statement asking, not to this question.
            waiting, self._ahead = (self._ahead, []) if self.pinned is None else ([], self._ahead)
            try:
                self._send(
                    cursor,
                    "SELECT 1 FROM information_schema.columns WHERE table_schema = "
                    "current_schema() AND table_name = %s AND column_name = 'id'",
                    [table],
                )
            finally:
                if waiting:
                    self._ahead = waiting
            known = _HAS_ID[key] = cursor.fetchone() is not None
        return known

    def _forget_tables(self) -> None:
        for key in [k for k in _HAS_ID if k[0] == self.url]:
            _HAS_ID.pop(key, None)

    @contextmanager
    def reads_once(self) -> Iterator[None]:
        """Within the block, a read asked again with the same values is answered from memory.

        For a phase that only reads (a turn's context: several of its parts ask for the
        profile, the notes, the training days): each distinct query is one round trip. Any
        write, or a transaction, empties the memory.

        A phase is also remembered by its first read (which names the person): the next
        phase starting with the same read sends the reads that followed it last time
        together with it, in one request, and answers them from memory when they are
        asked again with the same values. A read whose values changed (today's date, the
        turn's id) is simply sent on its own. All of them are read at one moment, never
        later than they would have been.
        """
        outer, self._memo = self._memo, {}
        outer_phase, self._phase = self._phase, []
        try:
            yield
            phase = self._phase
            if phase and len(phase) > 1:
                _remember_phase(self.url, phase)
        finally:
            self._memo = outer
            self._phase = outer_phase

    def _remembered(self, sql: str, parameters: Any) -> tuple[Any, PgCursor | None]:
        if self._memo is None:
            return None, None
        if not _READ.match(sql) or isinstance(parameters, dict):
            self._memo.clear()
            self._phase = None  # a write inside: not a phase of reads to send ahead
            return None, None
        key = (sql, tuple(parameters or ()))
        try:
            known = self._memo.get(key)
        except TypeError:  # an unhashable value: not remembered
            return None, None
        if self._phase is not None and key not in self._phase:
            self._phase.append(key)
        if known is None:
            if self._phase is not None and len(self._phase) == 1 and self.pinned is None:
                known = self._prefetch(key)
            if known is None:
                return key, None
        rows, rowcount, describe = known
        return key, PgCursor(rows, rowcount, describe, None)

    def _prefetch(self, first: _Key) -> _Answer | None:
        """Send ``first`` with the reads that followed it last time; the answer to ``first``.

        One request of several statements (simple query protocol): their answers go
        into the block's memory. None when no phase is remembered, or when the request
        failed (a table gone since: the phase is forgotten and every read goes alone).
        """
        after = _recall_phase(self.url, first)
        if not after or self._memo is None:
            return None
        reads = [first, *after]
        answers = self._send_reads(reads)
        if answers is None:
            with _PHASES_LOCK:
                _PHASES.pop((self.url, first), None)
            return None
        for key, answer in zip(reads, answers, strict=True):
            self._memo.setdefault(key, answer)
        self.prefetched += len(reads) - 1
        return answers[0]

    def _send_reads(self, reads: Sequence[_Key]) -> list[_Answer] | None:
        """Several reads in one request (simple query protocol); None when it failed."""
        text = "; ".join(placeholders(sql).rstrip().rstrip(";") for sql, _ in reads)
        values = [value for _, params in reads for value in params]
        answers: list[_Answer] = []
        with self._connection() as raw:
            if raw.info.transaction_status == TransactionStatus.INERROR:
                return None
            cursor = raw.cursor()
            try:
                self._send(cursor, text, values)
            except (psycopg.Error, StorageError):
                if self.pinned is not None:
                    raise  # the transaction is aborted: its caller must know
                return None
            while True:
                answers.append(self._answer(cursor))
                if not cursor.nextset():
                    break
        # A statement that held more than one is never sent here, but never misread.
        return answers if len(answers) == len(reads) else None

    def read_ahead(self, reads: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Send ``reads`` (SQL and values) in one request; each answers its next ``execute``.

        For reads a step makes one after the other though none depends on another (the
        screen's inputs). Each answer is given once; any write, and the end or start of a
        transaction, forgets them, so nothing read ahead outlives what could change it.
        """
        keys = [(sql, tuple(params)) for sql, params in reads]
        if len(keys) < 2 or not all(_READ.match(sql) for sql, _ in keys):
            return
        answers = self._send_reads(keys)
        if answers is not None:
            self._read_ahead.update(zip(keys, answers, strict=True))
            self.prefetched += len(keys) - 1

    def execute(self, sql: str, parameters: Any = None) -> Any:
        """Run one statement; an INSERT into a table with an ``id`` reports the new id."""
        if self._read_ahead:
            ahead = self._answered_ahead(sql, parameters)
            if ahead is not None:
                return ahead
        key, known = self._remembered(sql, parameters)
        if known is not None:
            return known
        try:
            result = self._execute(sql, parameters)
        except BaseException:
            self._phase = None  # a phase with a failing read is not sent ahead next time
            raise
        if key is not None and self._memo is not None:
            # The rows are tuples: one list serves every later cursor, none can change it.
            self._memo[key] = (result.rows, result.rowcount, result._describe)
        return result

    def _answered_ahead(self, sql: str, parameters: Any) -> PgCursor | None:
        if not _READ.match(sql) or isinstance(parameters, dict):
            self._read_ahead = {}  # a write: what was read ahead may have changed
            return None
        try:
            known = self._read_ahead.pop((sql, tuple(parameters or ())), None)
        except TypeError:
            return None
        if known is None:
            return None
        rows, rowcount, describe = known
        return PgCursor(rows, rowcount, describe, None)

    def _execute(self, sql: str, parameters: Any) -> PgCursor:
        if _DDL.match(sql):
            # A table made outside the migrations (tests, later features) gets the same
            # spelling as theirs: an identity id, 64-bit references.
            self._forget_tables()
            sql = schema_script(sql, "postgresql")
        table = inserted_table(sql)
        with self._connection() as raw:
            wants_id = table is not None and self._table_has_id(raw, table)
            text = returning_id(sql) if wants_id else sql
            cursor = raw.cursor()
            if parameters is None:
                self._send(cursor, text)
            else:
                self._send(cursor, placeholders(text), parameters)
            result = cursor.pgresult
            rows = cursor.fetchall() if result and result.status == TUPLES_OK else []
            lastrowid = int(rows[0][0]) if wants_id and rows else None
            described = cursor  # the cursor stays with its result: not reused
            return PgCursor(
                [] if wants_id else rows,
                cursor.rowcount,
                lambda: described.description,
                lastrowid,
            )

    def executescript(self, sql: str) -> Any:
        """Run several statements (a migration, already in PostgreSQL's DDL) as one request."""
        with self._connection() as raw:
            self._send(raw.cursor(), sql)
        self._forget_tables()
        return PgCursor([], -1, lambda: None, None)

    @contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        """A savepoint inside the open transaction, or a transaction of its own."""
        if self.pinned is None:
            self.conn.execute("BEGIN")
            try:
                yield self
            except BaseException:
                self.conn.rollback()
                raise
            self.conn.commit()
            return
        # Named by depth (a name may repeat; PostgreSQL takes the innermost): the texts
        # sent then repeat from turn to turn and psycopg parses each once.
        self._depth += 1
        savepoint = f"SAVEPOINT coach_{self._depth}"
        # Sent with the first statement inside; every statement sent since then flushed
        # the queue, so while it is still queued nothing inside has run.
        self._ahead.append(savepoint)
        try:
            yield self
        except BaseException:
            self._depth -= 1
            queued = _last_index(self._ahead, savepoint)
            if queued is not None:
                # Not sent: neither was anything queued after it (all of it inside).
                del self._ahead[queued:]
            elif self.pinned is not None:
                # Whatever is queued was issued inside the savepoint: undone with it.
                self._ahead = []
                name = savepoint.removeprefix("SAVEPOINT ")
                self._send(
                    self.pinned.cursor(), f"ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}"
                )
            raise
        self._depth -= 1
        if self._ahead[-1:] == [savepoint]:
            self._ahead.pop()  # nothing ran inside it
        else:
            self._ahead.append("RELEASE " + savepoint)

    def table_names(self, fts4: bool = False, fts5: bool = False) -> list[str]:
        """The store's tables in the connection's schema."""
        rows = self.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def __getitem__(self, table_name: str) -> Any:
        return PgTable(self, table_name)

    def close(self) -> None:
        """Roll back a transaction left open and stop using the pool."""
        self.unpin()
        self._closed = True


def _last_index(items: list[str], item: str) -> int | None:
    """Where ``item`` last appears in ``items`` (savepoint names repeat by depth)."""
    for index in range(len(items) - 1, -1, -1):
        if items[index] == item:
            return index
    return None


def _as_params(parameters: Any) -> Sequence[Any] | dict[str, Any]:
    if isinstance(parameters, dict):
        return parameters
    return list(parameters)
