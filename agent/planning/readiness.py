"""Readiness bands, the missed-time (gap) table and the deload week, as pure functions.

Each returns the numbers the builder applies plus the plain-words reasons the coach
tells the person. Thresholds come from ``data/prescriptions.yaml``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.planning.models import Band, Readiness
from agent.planning.rules import prescriptions

_ORDER: tuple[Band, ...] = ("very_low", "low", "normal", "high")


class ReadinessResult(BaseModel):
    """The band and what it does to the plan."""

    band: Band = Field(description="high | normal | low | very_low.")
    set_factor: float = Field(description="Multiplier on hard sets.")
    extra_sets: int = Field(description="Sets that may be added when time allows.")
    rir_add: int = Field(description="Extra reps in reserve.")
    finisher: bool = Field(description="Whether a hard finisher is allowed.")
    reasons: list[str] = Field(description="What drove the band.")


def _lower(a: Band, b: Band) -> Band:
    return a if _ORDER.index(a) <= _ORDER.index(b) else b


def _step_down(band: Band) -> Band:
    return _ORDER[max(0, _ORDER.index(band) - 1)]


def readiness_band(readiness: Readiness) -> ReadinessResult:
    """Map energy, sleep and optional readings to a band; the most conservative input wins."""
    rules = prescriptions().readiness
    band: Band = _band(rules.energy_bands[readiness.energy])
    reasons = [f"Energy {readiness.energy}/5."]
    if readiness.poor_sleep:
        band = _step_down(band) if band != "very_low" else band
        reasons.append("Poor sleep: one step more conservative.")
    if readiness.ill:
        band = "very_low"
        reasons.append("Feeling ill: movement only, nothing hard.")
    if readiness.recovery_score is not None:
        score_band = _score_band(readiness.recovery_score)
        if _ORDER.index(score_band) < _ORDER.index(band):
            reasons.append(f"Recovery score {readiness.recovery_score:g}/100.")
        band = _lower(band, score_band)
    if readiness.resting_hr is not None and readiness.resting_hr_baseline is not None:
        rise = readiness.resting_hr - readiness.resting_hr_baseline
        if rise >= rules.resting_hr_rise_low:
            band = _lower(band, "low")
            reasons.append(f"Resting heart rate {rise:g} bpm above your usual.")
    if readiness.hrv_ms is not None and readiness.hrv_baseline_ms is not None:
        drop = 100.0 * (readiness.hrv_baseline_ms - readiness.hrv_ms) / readiness.hrv_baseline_ms
        if drop >= rules.hrv_drop_low_pct:
            band = _lower(band, "low")
            reasons.append(f"HRV {drop:.0f}% below your usual.")
    band = _with_device(readiness, band, reasons)
    effect = rules.bands[band]
    return ReadinessResult(
        band=band,
        set_factor=effect.set_factor,
        extra_sets=effect.extra_sets,
        rir_add=effect.rir_add,
        finisher=effect.finisher,
        reasons=reasons,
    )


def _with_device(readiness: Readiness, band: Band, reasons: list[str]) -> Band:
    """Combine the self-report's band with the recovery data's, naming both.

    The more cautious wins, and the reasons say which input decided it, so a person
    who feels fine but whose HRV has dropped hears why today is lighter.
    """
    device = readiness.device_band
    if device is None:
        return band
    drivers = "; ".join(r.rstrip(".") for r in readiness.device_reasons) or device
    reasons.append(f"Your recovery data: {drivers}.")
    # Device data only ever holds a session back; "normal" never caps a good day.
    if device != "normal" and _ORDER.index(device) < _ORDER.index(band):
        reasons.append(
            f"How you feel points to {band.replace('_', ' ')}, your recovery data to "
            f"{device.replace('_', ' ')}: the more cautious applies."
        )
        return device
    if device == "normal" and _ORDER.index(band) < _ORDER.index("normal"):
        reasons.append("Your recovery data looks fine, but how you feel comes first today.")
    return band


def _band(name: str) -> Band:
    for band in _ORDER:
        if band == name:
            return band
    raise ValueError(f"unknown readiness band {name!r}")


def _score_band(score: float) -> Band:
    cut = prescriptions().readiness.recovery_score
    if score >= cut["high"]:
        return "high"
    if score >= cut["normal"]:
        return "normal"
    if score >= cut["low"]:
        return "low"
    return "very_low"


class GapResult(BaseModel):
    """What missed time does to the next sessions."""

    days: int | None = Field(description="Days since the last completed session (None: none).")
    id: str = Field(description="Row of the gap table: resume | short_break | break | long_break.")
    set_factor: float = Field(description="Multiplier on hard sets.")
    load_factor: float = Field(description="Multiplier on suggested loads.")
    rir_add: int = Field(description="Extra reps in reserve.")
    rebuild_weeks: int | None = Field(description="Weeks to build back to the plan.")
    reason: str | None = Field(description="Plain-words explanation, None when resuming.")


def gap_adjustment(days: int | None, age: int | None = None) -> GapResult:
    """The gap-table row for ``days`` since the last completed session.

    From ``older_age`` the "break" row starts after a week instead of two, because
    losses come sooner [reference section 3].
    """
    rx = prescriptions()
    rows = rx.gap_table
    if days is None:
        row = rows[0]
        return GapResult(
            days=None,
            id=row.id,
            set_factor=row.set_factor,
            load_factor=row.load_factor,
            rir_add=row.rir_add,
            rebuild_weeks=row.rebuild_weeks,
            reason=None,
        )
    older = age is not None and age >= rx.older_age
    chosen = rows[-1]
    for row in rows:
        limit = row.max_days
        if older and row.id == "short_break":
            continue  # 60+: straight from "resume" to "break"
        if limit is None or days <= limit:
            chosen = row
            break
    rebuild = chosen.rebuild_weeks
    if chosen.id == "long_break":
        # Build back over about half the break.
        rebuild = max(2, round(days / 7 / 2))
    return GapResult(
        days=days,
        id=chosen.id,
        set_factor=chosen.set_factor,
        load_factor=chosen.load_factor,
        rir_add=chosen.rir_add,
        rebuild_weeks=rebuild,
        reason=_gap_reason(chosen.id, days, chosen.set_factor, chosen.load_factor, rebuild),
    )


def _gap_reason(
    row: str, days: int, set_factor: float, load_factor: float, rebuild: int | None
) -> str | None:
    sets_pct = round(100 * set_factor)
    load_pct = round(100 * (1 - load_factor))
    if row == "resume":
        return None
    if row == "short_break":
        return (
            f"{days} days since your last session: a third fewer sets and 2 more reps in "
            "reserve for this first one back."
        )
    if row == "break":
        return (
            f"{days} days since your last session: about {sets_pct}% of the usual sets and "
            f"loads {load_pct}% lighter this week, back to the full plan over {rebuild} weeks."
        )
    return (
        f"{days} days since your last session: restarting at about {sets_pct}% of the volume "
        f"with loads {load_pct}% lighter, building back over about {rebuild} weeks."
    )
