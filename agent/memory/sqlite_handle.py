"""The handle ``connect()`` returns for a SQLite file: sqlite-utils' API, imported when used.

Every turn calls three things on the database: ``execute``, ``atomic`` and ``conn``. They
are written here with sqlite-utils' own rules (a write outside a transaction commits
itself; a failed one rolls back the transaction it opened; nested ``atomic`` blocks are
savepoints). Everything else a ``sqlite_utils.Database`` offers (``executescript`` and
its statement splitting for migrations, the table API ``coach export`` reads columns
with, ``query``) is answered by a real ``sqlite_utils.Database`` on the same connection,
built the first time one of them is asked for.

Why: importing sqlite-utils costs about 45 ms, and about 110 ms where numpy is installed
(it imports numpy to store arrays), on every start of ``coach chat``, for three
one-line methods. The migrations and the export still use it, so it stays a dependency.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

_OPENS_TRANSACTION = frozenset({"BEGIN", "SAVEPOINT"})
"""Statements that open a transaction of their own, which ``execute`` must not commit."""


def first_keyword(sql: str) -> str:
    """The first word of ``sql``, upper case, after blanks, ``;``, a BOM and comments.

    Read as sqlite-utils' ``_first_keyword`` reads it ("" when there is none); a test
    holds the two equal.
    """
    i, n = 0, len(sql)
    while i < n:
        if sql[i].isspace() or sql[i] in ";\ufeff":
            i += 1
        elif sql.startswith("--", i):
            newline = sql.find("\n", i)
            if newline == -1:
                return ""
            i = newline + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end == -1:
                return ""
            i = end + 2
        else:
            break
    j = i
    while j < n and (sql[j].isalpha() or sql[j] == "_"):
        j += 1
    return sql[i:j].upper()


class SqliteDatabase:
    """A SQLite connection answering as a ``sqlite_utils.Database``.

    Attributes it does not have itself come from a ``sqlite_utils.Database`` wrapping the
    same connection, made on first use (see the module).
    """

    coach_engine = "sqlite"
    """What ``agent.memory.dialect.engine_of`` reads (PostgreSQL's handle says so too)."""

    read_ahead = None
    """SQLite reads in-process, so nothing is sent ahead (PostgreSQL's handle batches reads).

    Declared here so ``getattr(db, "read_ahead", None)`` on a turn's path does not build
    the full sqlite-utils object through ``__getattr__``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._full: sqlite_utils.Database | None = None
        # sqlite-utils turns this on for every connection it wraps; triggers that fire
        # other triggers behave the same with or without it loaded.
        self.execute("PRAGMA recursive_triggers=on;")

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run one statement, as ``sqlite_utils.Database.execute`` does.

        A write outside a transaction is committed at once (Python's driver opened a
        transaction for it); a statement that fails after opening one rolls it back.
        """
        was_in_transaction = self.conn.in_transaction
        try:
            if parameters is not None:
                cursor = self.conn.execute(sql, parameters)
            else:
                cursor = self.conn.execute(sql)
        except Exception:
            if not was_in_transaction and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        if (
            not was_in_transaction
            and self.conn.in_transaction
            and cursor.description is None
            and first_keyword(sql) not in _OPENS_TRANSACTION
        ):
            self.conn.execute("COMMIT")
        return cursor

    @contextmanager
    def atomic(self) -> Iterator[SqliteDatabase]:
        """A transaction, or a savepoint inside an open one (``Database.atomic``)."""
        if self.conn.in_transaction:
            savepoint = f"sqlite_utils_{os.urandom(16).hex()}"
            self.conn.execute(f"SAVEPOINT {savepoint};")
            try:
                yield self
            except BaseException:
                # A RAISE(ROLLBACK) trigger can end the whole transaction, savepoint and
                # all; rolling back to it then would hide the real error.
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint};")
                    self.conn.execute(f"RELEASE SAVEPOINT {savepoint};")
                raise
            self.conn.execute(f"RELEASE SAVEPOINT {savepoint};")
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise

    def rollback(self) -> None:
        """Roll back the open transaction, if there is one."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> SqliteDatabase:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __getitem__(self, table_name: str) -> Any:
        return self.full()[table_name]

    def __getattr__(self, name: str) -> Any:
        # Only reached for what this class does not define: the rest of sqlite-utils.
        if name.startswith("__") or name == "_full":
            raise AttributeError(name)
        return getattr(self.full(), name)

    def full(self) -> sqlite_utils.Database:
        """The ``sqlite_utils.Database`` on this connection (imported on first call)."""
        if self._full is None:
            import sqlite_utils

            # recursive_triggers is already on; no plugins (the coach uses none, and
            # finding them scans every installed package).
            self._full = sqlite_utils.Database(
                self.conn, recursive_triggers=False, execute_plugins=False
            )
        return self._full

    def __repr__(self) -> str:
        return f"<Database {self.conn}>"
