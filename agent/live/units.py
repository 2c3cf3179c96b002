"""Load units: kept as the person said them, normalised to kilograms for analysis."""

from __future__ import annotations

KG_PER_LB = 0.45359237

_ALIASES = {
    "kg": "kg",
    "kgs": "kg",
    "kilo": "kg",
    "kilos": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "lb": "lb",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
}


def normalise_unit(unit: str | None, default: str = "kg") -> str:
    """``kg`` or ``lb`` for any spelling; ``default`` when the unit was not said.

    Raises:
        ValueError: The word is not a load unit.
    """
    if unit is None or not unit.strip():
        return default
    key = unit.strip().lower().rstrip(".")
    if key not in _ALIASES:
        raise ValueError(f"unknown load unit {unit!r}: use kg or lb")
    return _ALIASES[key]


def to_kg(load: float | None, unit: str) -> float | None:
    """The load in kilograms (None stays None: bodyweight)."""
    if load is None:
        return None
    return round(load * KG_PER_LB, 2) if unit == "lb" else round(load, 2)


def from_kg(load_kg: float, unit: str) -> float:
    """A kilogram load expressed in ``unit``."""
    return load_kg / KG_PER_LB if unit == "lb" else load_kg


def load_step(load: float, unit: str) -> float:
    """The smallest sensible change: 1 kg / 2.5 lb for light loads, else 2.5 kg / 5 lb."""
    if unit == "lb":
        return 2.5 if load < 45 else 5.0
    return 1.0 if load < 20 else 2.5


def round_load(load: float, unit: str) -> float:
    """Round to what gyms can load, in steps of ``load_step``."""
    step = load_step(load, unit)
    return max(step, round(load / step) * step)
