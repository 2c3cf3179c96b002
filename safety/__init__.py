"""The safety layer: deterministic red-flag screening that runs before any model."""

from __future__ import annotations

from safety.screen import Assessment, ScreenContext, Signal, Tier, screen

__all__ = ["Assessment", "ScreenContext", "Signal", "Tier", "screen"]
