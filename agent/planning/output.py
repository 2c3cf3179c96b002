"""Writing a fitted draft out as a :class:`~agent.planning.models.Session`.

Blocks and prescriptions in order, a RAMP warm-up (easy cardio, dynamic moves from the
session, ramp-up sets of the first loaded lift), a cool-down (easy walk, stretches for the
muscles worked), hard sets per muscle, aerobic minutes and the reasons.

The output models are built with :func:`trusted`, a lean ``model_construct``: every
value here comes from validated inputs and the catalog, every field is given, and
validating the same data again would cost more than the rest of the build.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from agent.planning.catalog import Catalog, Exercise, describe_tags, load_catalog
from agent.planning.draft import (
    POWER_DRILL,
    Context,
    Draft,
    Extra,
    Item,
    balance_drill,
    conditioning,
    is_free_load,
    mobility_moves,
)
from agent.planning.fitting import plan_seconds, unit_seconds
from agent.planning.models import (
    Band,
    Block,
    BlockFormat,
    Phase,
    PhaseItem,
    Prescription,
    Session,
    SessionKind,
)
from agent.planning.rules import (
    Prescriptions,
    prescriptions,
)

_M = TypeVar("_M", bound=BaseModel)


def trusted(cls: type[_M], **values: Any) -> _M:
    """An instance of ``cls`` from trusted values for every field, without validation.

    What pydantic's ``model_construct`` ends with, minus its per-field alias and default
    lookups (all fields are given). tests/test_planning_session.py checks it against
    ``model_construct`` so a pydantic upgrade cannot change it silently.
    """
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


_STATION_NOTES: dict[str, str] = {
    "emom": "Every minute on the minute: do the reps, rest for what is left of the minute, "
    "rotate through the exercises.",
    "circuit": "{work} s of steady work per station, then move to the next; keep going round.",
    "flow": "{rounds} slow round(s), about a minute per move. Stop anything that hurts.",
}


def _reps_text(it: Item) -> str:
    if it.reps_text:
        return it.reps_text
    if it.seconds is not None:
        return f"{it.seconds}s"
    if it.low is not None and it.high is not None and it.low != it.high:
        return f"{it.low}-{it.high}"
    return str(it.high or it.low or "")


def _is_hard(it: Item) -> bool:
    """Counts toward weekly volume: not a light dose, and close enough to failure."""
    if not it.hard or it.role in {"light", "mobility"}:
        return False
    return it.rir is None or it.rir <= prescriptions().hard_set_max_rir


def _prescription(it: Item, label: str, rest: int) -> Prescription:
    return trusted(
        Prescription,
        id=it.ex.id,
        name=it.ex.name,
        pattern=it.ex.pattern,
        equipment=list(it.ex.equipment),
        sets=it.sets,
        reps=_reps_text(it),
        rest_s=rest,
        tags=list(it.ex.tags),
        rep_low=None if it.seconds is not None else it.low,
        rep_high=None if it.seconds is not None else it.high,
        seconds=it.seconds,
        per_side=it.ex.unilateral,
        target_rir=it.rir,
        load=it.load,
        cues=list(it.ex.cues),
        muscles=list(it.ex.primary_muscles),
        secondary_muscles=list(it.ex.secondary_muscles),
        block=label,
        role=it.role,
        hard=_is_hard(it),
        notes=list(it.notes),
    )


def _extra_prescription(extra: Extra, label: str, role: str) -> Prescription:
    ex = extra.ex
    work = 60 if extra.format == "steady" else min(40, ex.seconds[1] if ex.seconds else 30)
    seconds = extra.minutes * 60 if extra.format == "steady" else work
    return trusted(
        Prescription,
        id=ex.id,
        name=ex.name,
        pattern=ex.pattern,
        equipment=list(ex.equipment),
        sets=1 if extra.format == "steady" else extra.minutes,
        reps=f"{extra.minutes} min" if extra.format == "steady" else f"{work}s",
        rest_s=0 if extra.format == "steady" else 60 - work,
        tags=list(ex.tags),
        rep_low=None,
        rep_high=None,
        seconds=seconds,
        per_side=False,
        target_rir=None,
        load=None,
        cues=list(ex.cues),
        muscles=list(ex.primary_muscles),
        secondary_muscles=list(ex.secondary_muscles),
        block=label,
        role=role,
        hard=False,
        notes=[extra.note],
    )


def _labels() -> list[str]:
    return [chr(ord("A") + i) for i in range(26)]


def _blocks(plan: Draft, rx: Prescriptions) -> tuple[list[Prescription], list[Block]]:
    exercises: list[Prescription] = []
    blocks: list[Block] = []
    labels = iter(_labels())
    for unit in plan.units:
        label = next(labels)
        fmt_name: BlockFormat = unit.format
        work: int | None = None
        if unit.format in {"emom", "circuit", "flow"}:
            seconds = unit_seconds(unit, rx)
            note = _STATION_NOTES[unit.format].format(
                work=rx.time_model.circuit_work_s, rounds=unit.rounds
            )
            work = rx.time_model.circuit_work_s if unit.format == "circuit" else None
            rest = 0
        elif len(unit.items) > 1:
            seconds = unit_seconds(unit, rx)
            note = f"Alternate the two, resting {unit.rest} s after each pair."
            rest = unit.rest
        else:
            seconds = unit_seconds(unit, rx)
            note = f"Rest {unit.items[0].rest} s between sets."
            rest = unit.items[0].rest
        for it in unit.items:
            item_rest = it.rest if fmt_name == "straight" else 0
            if fmt_name == "superset" and it is unit.items[-1]:
                item_rest = unit.rest
            exercises.append(_prescription(it, label, item_rest))
        blocks.append(
            trusted(
                Block,
                label=label,
                format=fmt_name,
                exercise_ids=[it.ex.id for it in unit.items],
                rounds=unit.rounds,
                rest_s=rest,
                work_s=work,
                minutes=round(seconds / 60, 1),
                note=note,
            )
        )
    for extra, role in ((plan.finisher, "finisher"), (plan.aerobic, "aerobic")):
        if extra is None:
            continue
        label = next(labels)
        exercises.append(_extra_prescription(extra, label, role))
        blocks.append(
            trusted(
                Block,
                label=label,
                format=extra.format,
                exercise_ids=[extra.ex.id],
                rounds=1 if extra.format == "steady" else extra.minutes,
                rest_s=0,
                work_s=None if extra.format == "steady" else 60,
                minutes=float(extra.minutes),
                note=extra.note,
            )
        )
    return exercises, blocks


def _warmup(ctx: Context, plan: Draft, exercises: list[Prescription]) -> Phase:
    minutes = plan.warm
    if minutes <= 0:
        return trusted(Phase, minutes=0, items=[])
    items: list[PhaseItem] = []
    first = next(
        (
            p
            for p in exercises
            if p.role in {"main", "secondary"}
            and p.rep_high
            and not is_free_load(ctx.cat.get(p.id))
        ),
        None,
    )
    ramp = 1 if first is not None and plan.mode == "standard" else 0
    dyn = max(0, min(2, minutes - ramp - 1))
    drills = _population_drills(ctx)
    if drills:
        # Balance and power replace the dynamic moves, a minute each, before anything else.
        dyn = len(drills)
        ramp = max(0, min(ramp, minutes - dyn))
    general = max(0, minutes - ramp - dyn)
    easy = conditioning(ctx, vigorous=False)
    if general or not drills:
        items.append(
            trusted(
                PhaseItem,
                id=easy.id if easy else None,
                name=easy.name if easy else "Easy movement",
                detail="Easy pace to get warm; breathe through your nose.",
                minutes=float(general),
                tags=list(easy.tags) if easy else [],
            )
        )
    items.extend(drills)
    if dyn and not drills:
        muscles = [m for p in exercises for m in p.muscles]
        moves = mobility_moves(ctx, dynamic=True, muscles=muscles)[: max(1, dyn)]
        share = dyn / len(moves) if moves else 0
        for ex in moves:
            items.append(
                trusted(
                    PhaseItem,
                    id=ex.id,
                    name=ex.name,
                    detail=f"8-10 easy reps{' per side' if ex.unilateral else ''}.",
                    minutes=round(share, 2),
                    tags=list(ex.tags),
                )
            )
    if ramp and first is not None:
        count = ctx.rx.warmup["full"].ramp_sets if minutes >= 5 else 1
        steps = ctx.rx.ramp_sets[:count]
        detail = ", ".join(f"{s.reps} reps at about {s.pct}%" for s in steps)
        items.append(
            trusted(
                PhaseItem,
                id=first.id,
                name=f"Ramp-up sets: {first.name}",
                detail=f"{detail} of your working weight.",
                minutes=float(ramp),
                tags=list(first.tags),
            )
        )
    return trusted(Phase, minutes=float(minutes), items=items)


def _population_drills(ctx: Context) -> list[PhaseItem]:
    """Balance and power drills the population rules ask for in every warm-up."""
    out: list[PhaseItem] = []
    wanted = ctx.population.warmup
    if "balance" in wanted:
        drill = balance_drill(ctx)
        if drill is not None:
            out.append(balance_item(drill))
    if "power" in wanted:
        chair = ctx.cat.get(POWER_DRILL)
        if Catalog.allowed(chair, ctx.excluded):
            out.append(
                trusted(
                    PhaseItem,
                    id=chair.id,
                    name=f"Power: {chair.name}",
                    detail="2 x 5: stand up as fast as you safely can, sit down slowly over 3 s.",
                    minutes=1.0,
                    tags=list(chair.tags),
                )
            )
    return out


def balance_item(drill: Exercise) -> PhaseItem:
    """A balance drill as a warm-up or flow step, one minute."""
    hold = drill.seconds[1] if drill.seconds else 30
    side = " per side" if drill.unilateral else ""
    return trusted(
        PhaseItem,
        id=drill.id,
        name=f"Balance: {drill.name}",
        detail=f"2 x {hold} s{side}, a hand near a counter or wall.",
        minutes=1.0,
        tags=list(drill.tags),
    )


def _cooldown(ctx: Context, minutes: int, exercises: list[Prescription]) -> Phase:
    if minutes <= 0:
        return trusted(Phase, minutes=0, items=[])
    stretches = min(2, minutes - 1)
    walk = minutes - stretches
    items = [
        trusted(
            PhaseItem,
            id=None,
            name="Easy walk and slow breathing",
            detail="Let your heart rate settle.",
            minutes=float(walk),
            tags=[],
        )
    ]
    muscles = [m for p in exercises if p.hard for m in p.muscles]
    for ex in mobility_moves(ctx, dynamic=False, muscles=muscles)[:stretches]:
        hold = ex.seconds[0] if ex.seconds else 30
        items.append(
            trusted(
                PhaseItem,
                id=ex.id,
                name=ex.name,
                detail=f"Hold {hold}-{hold + 10} s{' per side' if ex.unilateral else ''}, gently.",
                minutes=1.0,
                tags=list(ex.tags),
            )
        )
    return trusted(Phase, minutes=float(minutes), items=items)


def hard_sets(exercises: list[Prescription], weight: float) -> dict[str, float]:
    """Hard sets per muscle; secondary muscles count ``weight`` of a set."""
    totals: dict[str, float] = {}
    for p in exercises:
        if not p.hard:
            continue
        for m in p.muscles:
            totals[m] = totals.get(m, 0.0) + p.sets
        for m in p.secondary_muscles:
            totals[m] = totals.get(m, 0.0) + weight * p.sets
    return {k: round(totals[k], 1) for k in sorted(totals)}


def _aerobic(exercises: list[Prescription], blocks: list[Block]) -> tuple[float, float]:
    moderate = vigorous = 0.0
    catalog = load_catalog()
    by_id = {b.exercise_ids[0]: b for b in blocks if b.format in {"steady", "intervals"}}
    for p in exercises:
        block = by_id.get(p.id)
        if block is None:
            continue
        ex = catalog.get(p.id)
        if block.format == "intervals" or ex.intensity == "vigorous":
            vigorous += block.minutes
        else:
            moderate += block.minutes
    return round(moderate, 1), round(vigorous, 1)


def _constraint_reason(ctx: Context) -> str | None:
    if not ctx.excluded:
        return None
    words = describe_tags(sorted(ctx.excluded))
    areas = ctx.req.constraints
    who = f" to protect your {', '.join(a.replace('_', ' ') for a in areas)}" if areas else ""
    return f"No {words}{who}."


def assemble(
    ctx: Context,
    plan: Draft,
    kind: SessionKind,
    focus: str,
    band: Band,
) -> Session:
    """Write the fitted draft out as a session with its reasons."""
    rx = ctx.rx
    exercises, blocks = _blocks(plan, rx)
    warmup = _warmup(ctx, plan, exercises)
    cooldown = _cooldown(ctx, plan.cool, exercises)
    total = plan_seconds(plan, rx)
    moderate, vigorous = _aerobic(exercises, blocks)
    reasons = list(ctx.reasons)
    constraint = _constraint_reason(ctx)
    if constraint:
        reasons.append(constraint)
    reasons.extend(plan.notes)
    return trusted(
        Session,
        est_minutes=round(total / 60, 1),
        minutes=ctx.req.minutes,
        kind=kind,
        goal=ctx.req.goal,
        level=ctx.req.level,
        focus=focus,
        readiness=band,
        exercises=exercises,
        blocks=blocks,
        warmup=warmup,
        cooldown=cooldown,
        hard_sets=hard_sets(exercises, rx.secondary_set_weight),
        aerobic_minutes=moderate,
        vigorous_minutes=vigorous,
        deload_recommended=ctx.deload_recommended,
        reasons=reasons,
        changes=[],
        request=ctx.req,
    )
