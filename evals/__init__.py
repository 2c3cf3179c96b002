"""The eval harness: scenarios as data, a runner for any backend, checks, judge, reports.

Nothing in ``agent`` or ``safety`` imports this package; it drives them from outside,
the way a user would, and grades the transcript and the database end state.
"""

from __future__ import annotations
