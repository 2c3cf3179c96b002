"""Safety's own reads and writes share the coach's database but import nothing from ``agent``.

The timestamp format is the schema's (``agent.clock.iso`` writes the same; a test holds
the two equal). A write transaction takes SQLite's write lock up front, as the coach's
own transactions do, so two operators acting on one flag queue instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def timestamp(moment: datetime) -> str:
    """A timestamp as the schema stores it: ISO 8601 to the second, offset kept."""
    return moment.isoformat(timespec="seconds")


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One ``BEGIN IMMEDIATE`` transaction, or a savepoint inside the caller's transaction.

    Raises:
        sqlite3.OperationalError: The database stayed locked past the busy timeout.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
