"""The few places where SQLite and PostgreSQL SQL differ, translated in one module.

The store's queries are written once, in the SQL both engines share (``ON CONFLICT ...
DO UPDATE SET x = excluded.x``, ``COALESCE``, ``substr``, ``CASE``); this module turns the
rest of SQLite's spelling into PostgreSQL's:

- placeholders: ``?`` becomes ``%s`` (and a literal ``%`` is doubled, as psycopg reads
  ``%`` as the start of a placeholder);
- new row ids: SQLite's ``cursor.lastrowid`` is PostgreSQL's ``RETURNING id``;
- schema: ``id INTEGER PRIMARY KEY`` (SQLite's rowid alias, which numbers new rows) is an
  identity column; ids and references are 64-bit; ``REAL`` is ``DOUBLE PRECISION`` (a
  PostgreSQL ``REAL`` is 32-bit and would round loads);
- ``BEGIN IMMEDIATE`` (take the write lock up front) is ``BEGIN`` plus transaction-scoped
  advisory locks: the person's own when the writer declared one (:func:`writing_for`),
  else the whole store's, so writes that are not one person's queue as on one SQLite file.

Nothing here imports psycopg: the SQLite path (the embedded default) never pays for it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
"""The URL schemes ``COACH_DB`` accepts for a PostgreSQL server (libpq's own two)."""

STORE_LOCK = 0
"""The second half of the store-wide advisory lock's key (a person's is never 0).

Every write transaction on PostgreSQL takes advisory locks keyed by (the store's space,
a number): a write for one person holds (space, 0) shared and (space, the person's
number) exclusive; a write for the whole store (no person named: migrations, accounts,
trainers, operators' reviews) holds (space, 0) exclusive. So writes that are not one
person's queue exactly as on one SQLite file, and the store's read-then-write steps for
anyone (a user created on first use, an invite taken once) stay correct across any
number of server workers and machines."""


def lock_space(schema: str) -> int:
    """The first half of every advisory lock key of the store kept in ``schema``.

    Advisory locks belong to a whole database: keyed by the schema, two stores in one
    database (the tests' schemas, two deployments) never wait on each other, while every
    process using one store, whatever URL it was given, takes the same locks.
    """
    return zlib.crc32(f"coach:{schema}".encode()) & 0x7FFFFFFF


_PERSON: ContextVar[int | None] = ContextVar("coach_write_person", default=None)


def current_person() -> int | None:
    """The person whose rows this thread's write transactions touch, if it declared one."""
    return _PERSON.get()


@contextmanager
def writing_for(user_id: int) -> Iterator[None]:
    """Declare that the write transactions opened in this block touch one person's rows.

    On PostgreSQL such a transaction takes that person's lock (and the store-wide lock
    shared), so different people's turns and set logging commit in parallel across
    workers while one person's writes still queue: their read-then-write steps (the next
    set number, a turn's order, the history aggregates folded up to a mark) see each
    other whole. A row shared between people is never read-then-written inside one
    (such a write checks its condition in the UPDATE itself). SQLite has one writer at a
    time anyway and ignores it.
    """
    token = _PERSON.set(int(user_id))
    try:
        yield
    finally:
        _PERSON.reset(token)


def write_lock_statements(space: int, person: int | None) -> tuple[str, ...]:
    """The statements that take a write transaction's locks on PostgreSQL (see ``STORE_LOCK``).

    The store-wide lock first, then the person's: every writer takes them in that order,
    so two writers never wait on each other in a cycle.
    """
    if person is None:
        return (f"SELECT pg_advisory_xact_lock({space}, {STORE_LOCK})",)
    number = 1 + (int(person) - 1) % 0x7FFFFFFF  # 1 .. 2**31 - 1: never the store's 0
    return (
        f"SELECT pg_advisory_xact_lock_shared({space}, {STORE_LOCK})",
        f"SELECT pg_advisory_xact_lock({space}, {number})",
    )


def is_postgres_url(target: str) -> bool:
    """Whether ``target`` (a ``COACH_DB`` value) names a PostgreSQL server."""
    return target.lower().startswith(POSTGRES_SCHEMES)


def engine_of(db: Any) -> str:
    """``"postgresql"`` for a PostgreSQL store, ``"sqlite"`` for a SQLite one."""
    return str(getattr(db, "coach_engine", "sqlite"))


_NULL_SAFE = re.compile(r"\bIS\s+(NOT\s+)?\?", re.IGNORECASE)


def _null_safe(match: re.Match[str]) -> str:
    return "IS DISTINCT FROM ?" if match.group(1) else "IS NOT DISTINCT FROM ?"


@lru_cache(maxsize=1024)
def placeholders(sql: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s``, outside quoted literals.

    A ``%`` already in the statement is doubled so psycopg reads it as a percent sign.
    SQLite's null-safe ``x IS ?`` is PostgreSQL's ``x IS NOT DISTINCT FROM %s``.
    """
    sql = _NULL_SAFE.sub(_null_safe, sql)
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote:
            if char == quote:
                quote = None
            out.append("%%" if char == "%" else char)
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        elif char == "%":
            out.append("%%")
        else:
            out.append(char)
    return "".join(out)


_INSERT_TABLE = re.compile(r"^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


def inserted_table(sql: str) -> str | None:
    """The table an ``INSERT`` statement writes to, or None for any other statement."""
    match = _INSERT_TABLE.match(sql)
    return match.group(1) if match else None


def returning_id(sql: str) -> str:
    """An ``INSERT`` that also returns the new row's id (SQLite's ``lastrowid``)."""
    if re.search(r"\bRETURNING\b", sql, re.IGNORECASE):
        return sql
    return sql.rstrip().rstrip(";") + " RETURNING id"


_DDL_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # SQLite numbers rows through the rowid alias; PostgreSQL needs an identity column.
    (
        re.compile(r"\bid INTEGER PRIMARY KEY\b"),
        "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    # A primary key that is a reference (profiles.user_id): 64-bit like the id it names.
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT PRIMARY KEY"),
    # Every id and reference is 64-bit, as SQLite's integers are.
    (re.compile(r"\b(\w*_id) INTEGER\b"), r"\1 BIGINT"),
    # PostgreSQL's REAL is 32-bit; SQLite's is a double.
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
)


def schema_script(script: str, engine: str) -> str:
    """A migration's DDL in ``engine``'s spelling (unchanged for SQLite)."""
    if engine != "postgresql":
        return script
    for pattern, replacement in _DDL_RULES:
        script = pattern.sub(replacement, script)
    return script
