"""The safety layer: deterministic red-flag screening that runs before any model.

- ``screen(text, context)`` -> ``Assessment(tier, signals, excerpt)`` (``safety.screen``)
- ``safety.gate.check_turn`` / ``is_plan_locked``: the guardrail the turn loop runs
- ``safety.output.check_reply``: the output rail on model replies
- ``safety.parq``: the PAR-Q+ questions at intake
- ``safety.flags``: the ``safety_flags`` table and plan locks

Rules, lexicons and context triggers are data files in ``safety/data/``. This package
imports no model backend and nothing from ``evals``.
"""

from __future__ import annotations

from safety.screen import Assessment, ScreenContext, Signal, screen
from safety.tiers import Tier

__all__ = ["Assessment", "ScreenContext", "Signal", "Tier", "screen"]
