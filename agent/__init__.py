"""coachloop: an AI personal trainer that listens, plans, coaches, adapts and remembers.

The top-level import stays light on purpose: backends, the database and the CLI are
imported from their own modules when needed.
"""

from __future__ import annotations

__version__ = "0.1.0"
