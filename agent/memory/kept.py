"""What a read built for one person, kept in this process for the next read of the same rows.

A coach answers many turns in one process (a chat, the server), and most turns read
history that has not changed since the turn before: the planner's 70-day window, the
progress of the exercises the context shows. The readers in memory keep what they built
here, each with the rows it was built from, and use it again only when a cheap read of
those rows (a session's status and set count, an exercise's all-time figures) gives the
same answer. A value is never trusted on its own: the check reads the database each time.

Kept per database handle, so two databases never share a value (a handle that is gone
takes its values with it), and per person, at most :attr:`PerPerson.PEOPLE` people per
handle, the least recently read dropped first. Values are shared between reads: their
readers treat them as read-only.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class PerPerson(Generic[T]):
    """One kind of kept value, per database handle and person."""

    PEOPLE = 64
    """People kept per database handle (a server holds one handle for many people)."""

    def __init__(self) -> None:
        self._by_handle: weakref.WeakKeyDictionary[object, OrderedDict[int, T]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()  # the server reads from several threads
        _EVERY_KIND.add(self)

    def get(self, db: object, user_id: int) -> T | None:
        """The value kept for this person on this handle, if any."""
        with self._lock:
            people = self._by_handle.get(db)
            if people is None or user_id not in people:
                return None
            people.move_to_end(user_id)
            return people[user_id]

    def put(self, db: object, user_id: int, value: T) -> None:
        """Keep ``value`` for this person on this handle (replacing what was kept)."""
        with self._lock:
            people = self._by_handle.setdefault(db, OrderedDict())
            people[user_id] = value
            people.move_to_end(user_id)
            while len(people) > self.PEOPLE:
                people.popitem(last=False)

    def drop(self, db: object) -> None:
        """Forget every value kept on this handle."""
        with self._lock:
            self._by_handle.pop(db, None)


_EVERY_KIND: weakref.WeakSet[PerPerson[Any]] = weakref.WeakSet()


def forget(db: object) -> None:
    """Forget everything kept for this database handle: the next reads read every row.

    For measuring a first read (``benchmarks/context.py``), and for whoever changes the
    database's files underneath a running process (a restored backup).
    """
    for kind in list(_EVERY_KIND):
        kind.drop(db)
