import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st
from sqlite_utils.db import _first_keyword

from agent.memory.db import connect
from agent.memory.sqlite_handle import SqliteDatabase, first_keyword

_SQL_PIECES = st.sampled_from(
    [" ", "\n", "\t", ";", "\ufeff", "-- note\n", "--", "/* c */", "/*", "*/", "begin", "BEGIN",
     "Savepoint", "insert", "select", "_x", "é", "1", "(", "'", "\u2028"]
)  # fmt: skip


@given(st.lists(_SQL_PIECES, max_size=8).map("".join))
def test_the_first_keyword_is_read_as_sqlite_utils_reads_it(sql: str) -> None:
    assert first_keyword(sql) == _first_keyword(sql)


_SCRIPT = "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"
_STATEMENTS: list[tuple[str, tuple[Any, ...] | None]] = [
    ("INSERT INTO t (v) VALUES (?)", ("a",)),
    ("INSERT INTO t (v) VALUES (NULL)", None),  # fails after the driver opened a transaction
    ("  -- a write behind a comment\nUPDATE t SET v = 'b'", None),
    ("BEGIN", None),
    ("INSERT INTO t (v) VALUES ('in a transaction')", None),
    ("SELECT count(*) FROM t", None),
    ("COMMIT", None),
    ("SAVEPOINT sp", None),
    ("DELETE FROM t WHERE v = 'b'", None),
    ("RELEASE sp", None),
    ("PRAGMA user_version = 3", None),
    ("SELECT v FROM t ORDER BY id", None),
]


def _observe(execute: Callable[..., Any], conn: sqlite3.Connection) -> list[Any]:
    seen: list[Any] = []
    for sql, params in _STATEMENTS:
        try:
            cursor = execute(sql, params)
            rows = cursor.fetchall() if cursor.description else None
            seen.append(("ok", rows, conn.in_transaction))
        except sqlite3.DatabaseError as exc:
            seen.append(("error", type(exc).__name__, conn.in_transaction))
    seen.append(conn.execute("SELECT v FROM t ORDER BY id").fetchall())
    return seen


def test_execute_commits_and_rolls_back_as_sqlite_utils_does() -> None:
    ours_conn, theirs_conn = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    ours = SqliteDatabase(ours_conn)
    theirs = sqlite_utils.Database(theirs_conn, execute_plugins=False)
    ours.execute(_SCRIPT)
    theirs.execute(_SCRIPT)
    assert _observe(ours.execute, ours_conn) == _observe(theirs.execute, theirs_conn)
    pragma = "PRAGMA recursive_triggers"
    assert ours.execute(pragma).fetchone() == theirs.execute(pragma).fetchone() == (1,)


def test_nested_atomic_blocks_are_savepoints_that_roll_back_alone() -> None:
    db = SqliteDatabase(sqlite3.connect(":memory:"))
    db.execute(_SCRIPT)
    with db.atomic():
        db.execute("INSERT INTO t (v) VALUES ('kept')")
        with pytest.raises(RuntimeError), db.atomic():
            db.execute("INSERT INTO t (v) VALUES ('undone')")
            raise RuntimeError("inner block fails")
    assert not db.conn.in_transaction
    assert db.execute("SELECT v FROM t").fetchall() == [("kept",)]
    with pytest.raises(RuntimeError), db.atomic():
        db.execute("INSERT INTO t (v) VALUES ('undone too')")
        raise RuntimeError("outer block fails")
    assert db.execute("SELECT v FROM t").fetchall() == [("kept",)]


def test_the_rest_of_sqlite_utils_answers_on_the_same_connection(tmp_path: Any) -> None:
    db = connect(str(tmp_path / "coach.db"))
    assert isinstance(db, SqliteDatabase)
    assert "users" in db.table_names()
    assert "id" in [column.name for column in db["users"].columns]
    db.executescript("CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (1);")
    assert db.execute("SELECT x FROM extra").fetchall() == [(1,)]
    with pytest.raises(AttributeError):
        _ = db.no_such_method
    db.close()
