"""Readiness from imported recovery data, for the faces and the planner.

The computation is pure (``agent.planning.recovery``); the readings come from memory
(``agent.memory.wearables``). ``coach readiness --json`` and ``GET /v1/readiness`` return
:func:`readiness_payload`; ``build_request`` takes :func:`planner_readiness`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from agent.memory import wearables
from agent.planning.models import Band
from agent.planning.recovery import band_effect

if TYPE_CHECKING:
    import sqlite_utils


def readiness_payload(db: sqlite_utils.Database, user_id: int, day: date) -> dict[str, Any]:
    """Readiness as ``coach readiness --json`` prints it and ``GET /v1/readiness`` returns it."""
    result = wearables.device_readiness(db, user_id, day)
    data = result.model_dump(mode="json")
    data["effect"] = band_effect(result.band)
    return data


def planner_readiness(
    db: sqlite_utils.Database, user_id: int, today: date
) -> tuple[Band | None, list[str]]:
    """The recovery data's band and drivers for the planner (None while calibrating)."""
    result = wearables.recorded_readiness(db, user_id, today)
    if result is None or result.band is None:
        return None, []
    return result.band, list(result.drivers)


__all__ = ["planner_readiness", "readiness_payload"]
