"""The one clock and timestamp format of the coach.

Everything below the faces takes ``now`` as an argument (tests freeze it); only the CLI,
the server and the eval runner read the wall clock, through :func:`utc_now`. Timestamps
are stored as ISO 8601 text to the second (:func:`iso`), so they sort and compare as
strings in SQL. The safety package keeps the same format in ``safety.storage.timestamp``
(it imports nothing from ``agent``); a test holds the two equal.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The wall clock, in UTC; injected everywhere else."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A timestamp as the schema stores it: ISO 8601 to the second, offset kept."""
    return moment.isoformat(timespec="seconds")
