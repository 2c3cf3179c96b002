"""The session builder: (request, history) -> today's session, fitted to the time available.

Steps, each a function below:

1. Work out today's modifiers: readiness band, missed-time gap, deload.
2. Pick an exercise for every slot of the day's template (equipment, joint-stress tags,
   level, dislikes, what was trained in the last 48 hours, continuity with history), then
   dose it by goal and role and apply progression from the logs.
3. Fit it to the minutes with the reference's shrink order: drop isolation, carries and
   core; keep lower + push + pull (hinge if time allows); superset antagonists; 2-3 sets;
   shorter rests; under 12 minutes an EMOM or circuit. Then grow sets back up to the
   goal's maximum and use any time left for a finisher, easy aerobic work or a longer
   cool-down, so the estimate lands between 80% and 100% of the minutes asked for.
4. Write it out as a :class:`~agent.planning.models.Session` with reasons.

Pure and deterministic: no clock, no database, no randomness.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal

from agent.planning.catalog import Catalog, Exercise, describe_tags, load_catalog
from agent.planning.models import (
    Band,
    Block,
    BlockFormat,
    ExerciseRecord,
    History,
    LoadSuggestion,
    Phase,
    PhaseItem,
    Prescription,
    Session,
    SessionKind,
    SessionRequest,
)
from agent.planning.progression import (
    fmt,
    load_step,
    next_progression,
    round_load,
)
from agent.planning.readiness import GapResult, ReadinessResult, gap_adjustment, readiness_band
from agent.planning.rules import (
    GoalParams,
    LevelParams,
    PhaseSize,
    Prescriptions,
    Role,
    Slot,
    prescriptions,
)

_FULL_VARIANTS = ("full_a", "full_b", "full_c")
EASIER_SET_FACTOR = 0.8
"""Each step easier keeps this share of the sets (besides one more rep in reserve)."""
_HISTORY_WINDOW_DAYS = 42
_PARTNERS: dict[str, tuple[str, ...]] = {
    "lower": ("pull", "push", "core", "carry"),
    "push": ("pull", "lower", "core", "carry"),
    "pull": ("push", "lower", "core", "carry"),
    "core": ("lower", "push", "pull", "carry"),
    "carry": ("push", "pull", "lower", "core"),
}
_STATION_NOTES: dict[str, str] = {
    "emom": "Every minute on the minute: do the reps, rest for what is left of the minute, "
    "rotate through the exercises.",
    "circuit": "{work} s of steady work per station, then move to the next; keep going round.",
    "flow": "{rounds} slow round(s), about a minute per move. Stop anything that hurts.",
}


# ------------------------------------------------------------------------ context
@dataclass(frozen=True)
class _Mods:
    set_factor: float
    load_factor: float
    rir_add: int
    extra_sets: int
    finisher: bool


@dataclass
class _Ctx:
    req: SessionRequest
    cat: Catalog
    rx: Prescriptions
    goal: GoalParams
    params: LevelParams
    history: History
    equipment: frozenset[str]
    excluded: frozenset[str]
    recent: dict[str, int]
    """Muscles trained hard less than 48 hours ago -> days ago."""
    last_done: dict[str, date]
    """Exercise id -> last date done within the history window."""
    mods: _Mods
    familiar: list[Exercise] = field(default_factory=list)
    level: int = 0
    """The person's level as 0-2."""
    prefer_rank: dict[str, int] = field(default_factory=dict)
    """Preferred exercise id -> its position in the request's list."""
    exposures: dict[str, list[tuple[date, ExerciseRecord]]] = field(default_factory=dict)
    """Exercise id -> its completed sessions, oldest first (indexed once per build)."""
    """Preferred or recently done exercises possible today (see ``_familiar``)."""
    reasons: list[str] = field(default_factory=list)
    deload_recommended: bool = False


@dataclass(eq=False)
class _Item:
    ex: Exercise
    slot: str
    role: Role
    tier: str
    category: str
    sets: int
    max_sets: int
    low: int | None
    high: int | None
    seconds: int | None
    rest: int
    rir: int | None
    hard: bool = True
    load: LoadSuggestion | None = None
    notes: list[str] = field(default_factory=list)
    reps_text: str | None = None
    base_sets: int = 0
    base_rir: int = 2
    """The goal's effort for this role before today's adjustments."""
    factor: float = 1.0
    """Share of the fitted sets actually done (volume cuts), applied after fitting."""

    def work_s(self, sec_default: float) -> float:
        """Work seconds of one set (both sides for unilateral exercises)."""
        sides = 2 if self.ex.unilateral else 1
        if self.seconds is not None:
            return float(self.seconds * sides)
        reps = self.high or self.low or 10
        spr = self.ex.sec_per_rep or sec_default
        return reps * spr * sides


@dataclass(eq=False)
class _Unit:
    items: list[_Item]
    rest: int
    format: BlockFormat = "straight"

    @property
    def rounds(self) -> int:
        return self.items[0].sets


@dataclass
class _Extra:
    ex: Exercise
    minutes: int
    format: BlockFormat
    note: str


@dataclass
class _Plan:
    mode: Literal["standard", "emom", "circuit"]
    warm: int
    cool: int
    units: list[_Unit]
    finisher: _Extra | None = None
    aerobic: _Extra | None = None
    notes: list[str] = field(default_factory=list)


def _template_name(req: SessionRequest) -> str:
    if req.focus == "full":
        return _FULL_VARIANTS[req.variation % len(_FULL_VARIANTS)]
    return req.focus


def _excluded_tags(req: SessionRequest, cat: Catalog) -> frozenset[str]:
    table = cat.vocabulary.constraint_tags
    tags = set(req.avoid_tags)
    for area in req.constraints:
        tags.update(table[area])
    return frozenset(tags)


def _recent_muscles(req: SessionRequest, history: History, cat: Catalog) -> dict[str, int]:
    if req.today is None:
        return {}
    hours = prescriptions().recovery_hours
    out: dict[str, int] = {}
    for session in history.done():
        days = (req.today - session.day).days
        if days < 0 or days * 24 >= hours:
            continue
        for record in session.exercises:
            exercise = cat.find(record.exercise_id)
            if exercise is None or exercise.pattern in {"mobility", "conditioning"}:
                continue
            for muscle in exercise.primary_muscles:
                out[muscle] = min(days, out.get(muscle, days))
    return out


def _last_done(req: SessionRequest, history: History) -> dict[str, date]:
    out: dict[str, date] = {}
    for session in history.done():
        if req.today is not None and (req.today - session.day).days > _HISTORY_WINDOW_DAYS:
            continue
        for record in session.exercises:
            out[record.exercise_id] = session.day
    return out


def _context(req: SessionRequest, history: History, cat: Catalog) -> _Ctx:
    rx = prescriptions()
    goal = rx.goals[req.goal]
    ready = readiness_band(req.readiness)
    last = history.last_done(req.today) if req.today is not None else None
    gap = gap_adjustment(
        None if last is None or req.today is None else (req.today - last).days, req.age
    )
    mods, reasons = _modifiers(req, ready, gap, rx)
    ctx = _Ctx(
        req=req,
        cat=cat,
        rx=rx,
        goal=goal,
        params=goal.levels[req.level],
        history=history,
        equipment=frozenset(req.equipment),
        excluded=_excluded_tags(req, cat),
        recent=_recent_muscles(req, history, cat),
        last_done=_last_done(req, history),
        mods=mods,
    )
    ctx.familiar = _familiar(ctx)
    ctx.level = req.level_rank()
    ctx.prefer_rank = {ex_id: i for i, ex_id in enumerate(req.prefer)}
    for session in history.done():
        for record in session.exercises:
            if record.sets:
                ctx.exposures.setdefault(record.exercise_id, []).append((session.day, record))
    ctx.reasons.extend(reasons)
    return ctx


def _modifiers(
    req: SessionRequest, ready: ReadinessResult, gap: GapResult, rx: Prescriptions
) -> tuple[_Mods, list[str]]:
    reasons: list[str] = []
    set_factor = ready.set_factor * gap.set_factor
    load_factor = gap.load_factor
    rir_add = ready.rir_add + gap.rir_add
    if ready.band == "low":
        reasons.append(
            " ".join(ready.reasons)
            + f" Low readiness: about {round(100 * (1 - ready.set_factor))}% fewer hard sets, "
            f"{ready.rir_add} more rep in reserve and no finisher."
        )
    elif ready.band == "high":
        reasons.append(
            " ".join(ready.reasons) + " Good readiness: one extra set allowed if time permits."
        )
    if gap.reason:
        reasons.append(gap.reason)
    if req.deload:
        set_factor *= rx.deload.set_factor
        load_factor *= rx.deload.load_factor
        rir_add += rx.deload.rir_add
        reasons.append(
            f"Deload: about {round(100 * rx.deload.set_factor)}% of the sets, loads "
            f"{round(100 * (1 - rx.deload.load_factor))}% lighter and {rx.deload.rir_add} more "
            "reps in reserve; same exercises."
        )
    mods = _Mods(
        set_factor=set_factor,
        load_factor=load_factor,
        rir_add=rir_add,
        extra_sets=ready.extra_sets if gap.id == "resume" and not req.deload else 0,
        finisher=ready.finisher and gap.id == "resume" and not req.deload,
    )
    return mods, reasons


# ------------------------------------------------------------------------ selection
def _category(ex: Exercise, cat: Catalog) -> str:
    vocab = cat.vocabulary
    if ex.pattern in vocab.lower_patterns:
        return "lower"
    if ex.pattern in vocab.push_patterns:
        return "push"
    if ex.pattern in vocab.pull_patterns:
        return "pull"
    return ex.pattern


def _tier(index: int, slot: Slot) -> str:
    if index < 3:
        return "trio"
    if slot.tier == "hinge":
        return "hinge"
    if slot.role in {"core", "carry", "isolation"}:
        return "accessory"
    return "secondary"


def _equipment_score(ex: Exercise, rx: Prescriptions) -> int:
    return _static_score(ex.id, rx.equipment_preference)[0]


@lru_cache(maxsize=1024)
def _static_score(exercise_id: str, order: tuple[str, ...]) -> tuple[int, int]:
    """(equipment preference score, score from the exercise alone), computed once."""
    ex = load_catalog().get(exercise_id)
    best = min((order.index(e) for e in ex.equipment if e in order), default=len(order))
    equipment = (len(order) - best) * 2
    return equipment, equipment + 3 * ex.prefer - 2 * len(ex.tags)


def _score(ctx: _Ctx, ex: Exercise, pattern_rank: int, used_muscles: set[str], slot: Slot) -> float:
    """How well an exercise fits a slot for this person; higher is better."""
    score = _static_score(ex.id, ctx.rx.equipment_preference)[1] - 10 * pattern_rank
    score -= 8 * abs(ctx.cat.ranks[ex.id] - ctx.level)
    bonus = ctx.prefer_rank.get(ex.id)
    if bonus is not None:
        score += 100 + bonus
    if ex.id in ctx.last_done:
        score += 40
    if ex.primary_muscles[0] in used_muscles:
        score -= 15
    if slot.role == "isolation" and ex.mechanic == "isolation":
        score += 5
    return float(score)


def _suits(ex: Exercise, slot: Slot) -> bool:
    """Whether an exercise can fill a slot at all (pattern, mechanic, muscle)."""
    return (
        ex.pattern in slot.patterns
        and ex.pattern not in {"conditioning", "mobility"}
        and (slot.role not in {"main", "secondary", "light"} or ex.mechanic == "compound")
        and (slot.muscle is None or ex.main_muscle == slot.muscle)
    )


@lru_cache(maxsize=8192)
def _slot_candidates(
    cat: Catalog, slot: Slot, equipment: frozenset[str], excluded: frozenset[str], level: int
) -> tuple[tuple[Exercise, int], ...]:
    """Exercises that suit a slot with the rank of their pattern in it (cached)."""
    out: list[tuple[Exercise, int]] = []
    for rank, pattern in enumerate(slot.patterns):
        out.extend(
            (ex, rank)
            for ex in cat.candidates(pattern, equipment, excluded, level)
            if _suits(ex, slot)
        )
    return tuple(out)


def _pool(ctx: _Ctx, slot: Slot, used: set[str], relax: bool) -> list[tuple[Exercise, int]]:
    """Candidates for a slot with the rank of their pattern in the slot's list."""
    level = ctx.req.level_rank()
    blocked = used if relax else used | set(ctx.req.exclude)
    pool = [
        item
        for item in _slot_candidates(ctx.cat, slot, ctx.equipment, ctx.excluded, level)
        if item[0].id not in blocked
    ]
    # Exercises the person used recently or asked for may sit one level above theirs.
    seen = {ex.id for ex, _ in pool}
    for found in ctx.familiar:
        if found.id in seen or found.id in blocked or not _suits(found, slot):
            continue
        seen.add(found.id)
        pool.append((found, slot.patterns.index(found.pattern)))
    return pool


def _familiar(ctx: _Ctx) -> list[Exercise]:
    """Preferred and recently done exercises that are possible today (up to a level above)."""
    level = ctx.req.level_rank()
    out: list[Exercise] = []
    for ex_id in dict.fromkeys([*ctx.req.prefer, *sorted(ctx.last_done)]):
        found = ctx.cat.find(ex_id)
        if (
            found is not None
            and found.level_rank <= level + 1
            and Catalog.available(found, ctx.equipment)
            and Catalog.allowed(found, ctx.excluded)
        ):
            out.append(found)
    return out


def _pick(
    ctx: _Ctx, slot: Slot, tier: str, used: set[str], used_muscles: set[str]
) -> tuple[Exercise, bool] | None:
    """The best exercise for a slot and whether it must be dosed light (48-hour rule)."""
    pool = _pool(ctx, slot, used, relax=False)
    if not pool and tier == "trio":
        pool = _pool(ctx, slot, used, relax=True)
    if not pool:
        return None
    liked = [(e, r) for e, r in pool if e.id not in ctx.req.dislikes]
    if liked:
        pool = liked
    elif tier == "trio":
        ctx.reasons.append(
            f"Kept {pool[0][0].name} for the {slot.slot} slot although it is on your dislike "
            "list: nothing else fits today's equipment and constraints."
        )
    else:
        return None
    recent = ctx.recent
    fresh = (
        [(e, r) for e, r in pool if not any(m in recent for m in e.primary_muscles)]
        if recent
        else pool
    )
    light = False
    if fresh:
        pool = fresh
    elif tier == "trio":
        light = True
    else:
        return None
    best = max(
        pool, key=lambda item: (_score(ctx, item[0], item[1], used_muscles, slot), item[0].id)
    )
    return best[0], light


def _is_free_load(ex: Exercise) -> bool:
    return all(e in {"bodyweight", "bands", "pullup_bar"} for e in ex.equipment)


def _dose(ctx: _Ctx, ex: Exercise, slot: Slot, tier: str, role: Role) -> _Item:
    params, goal, rx = ctx.params, ctx.goal, ctx.rx
    lo, hi = params.reps
    sets, most = params.sets
    rir: int | None = params.rir
    if role == "main":
        rest = params.rest_main
    elif role == "secondary":
        lo, hi = max(lo, 6), max(hi, 10)
        sets, most = max(2, sets - 1), max(2, most - 1)
        rest = (params.rest_main + params.rest_accessory) // 2
    elif role == "light":
        lo, hi = max(lo, 8), max(hi, 12)
        sets = most = rx.light_dose["sets"]
        rir = rx.light_dose["rir"]
        rest = params.rest_accessory
    elif role == "isolation":
        lo, hi = goal.accessory_reps
        sets, most = 2, 3
        rest = params.rest_accessory
    else:  # core and carry
        lo, hi = 8, 12
        sets, most = 2, 3
        rest = min(60, max(30, params.rest_accessory))
    if role in {"main", "secondary"} and _is_free_load(ex):
        lo, hi = max(lo, 6), max(hi, 12)
    seconds: int | None = None
    low: int | None = lo
    high: int | None = hi
    if ex.unit == "seconds" and ex.seconds is not None:
        a, b = ex.seconds
        seconds = int(5 * round((a + b) / 2 / 5))
        low = high = None
        if role in {"core", "carry"}:
            rir = None
    item = _Item(
        ex=ex,
        slot=slot.slot,
        role=role,
        tier=tier,
        category=_category(ex, ctx.cat),
        sets=sets,
        max_sets=most,
        low=low,
        high=high,
        seconds=seconds,
        rest=rest,
        rir=rir,
    )
    item.base_rir = params.rir if rir is None or role == "light" else rir
    if role != "light":
        # Volume cuts (readiness, gap, deload) are applied after fitting, so the
        # exercises stay those of a normal session and only the sets drop.
        mods = ctx.mods
        item.factor = mods.set_factor
        item.max_sets += mods.extra_sets
        if item.rir is not None:
            item.rir = min(5, item.rir + mods.rir_add)
    return item


def _select(ctx: _Ctx, template: str) -> list[_Item]:
    slots = ctx.rx.templates[template]
    items: list[_Item] = []
    used: set[str] = set()
    used_muscles: set[str] = set()
    skipped_recent: list[str] = []
    for index, slot in enumerate(slots):
        tier = _tier(index, slot)
        picked = _pick(ctx, slot, tier, used, used_muscles)
        if picked is None:
            if slot.role != "isolation" and ctx.recent:
                skipped_recent.append(slot.slot)
            continue
        ex, light = picked
        role: Role = "light" if light else slot.role
        item = _dose(ctx, ex, slot, tier, role)
        if light:
            days = min(ctx.recent[m] for m in ex.primary_muscles if m in ctx.recent)
            when = "yesterday" if days == 1 else "today" if days == 0 else f"{days} days ago"
            item.notes.append(
                f"{', '.join(m for m in ex.primary_muscles if m in ctx.recent)} trained hard "
                f"{when}: two easy sets only, to keep the session balanced."
            )
        _progress(ctx, item, used)
        used.add(item.ex.id)
        used_muscles.add(item.ex.main_muscle)
        items.append(item)
    if ctx.recent:
        muscles = ", ".join(sorted(ctx.recent))
        ctx.reasons.append(
            f"Trained hard in the last 48 hours: {muscles}; those muscles get no hard sets today."
        )
    _difficulty(ctx, items, used)
    for item in items:
        item.base_sets = item.sets
    return items


# ------------------------------------------------------------------------ progression
def _progress(ctx: _Ctx, item: _Item, used: set[str]) -> None:
    """Apply the progression rules from the logs to one item (load, reps, ladder)."""
    records = ctx.exposures.get(item.ex.id, [])
    if item.role == "light":
        return
    rep_range = _range(item)
    if rep_range is None:
        return
    # Logs are judged against the effort they were planned at, not today's adjusted one.
    logged = [r.target_rir for _day, r in records if r.target_rir is not None]
    target_rir = float(logged[-1] if logged else item.base_rir)
    if not records:
        if not _is_free_load(item.ex) and item.ex.unit == "reps":
            item.notes.append(
                f"First time: choose a load that leaves about {fmt(target_rir)} reps in reserve."
            )
        return
    rec = next_progression(
        item.ex,
        records,
        rep_range=rep_range,
        target_rir=target_rir,
        unit=ctx.req.units,
        equipment=ctx.equipment,
        excluded_tags=ctx.excluded,
        max_level=ctx.req.level_rank(),
        catalog=ctx.cat,
    )
    item.notes.extend(rec.reasons)
    if rec.action in {"progress_exercise", "regress_exercise"} and rec.next_exercise_id:
        nxt = ctx.cat.get(rec.next_exercise_id)
        if nxt.id not in used and nxt.id not in ctx.req.exclude:
            _swap_item(ctx, item, nxt)
            ctx.reasons.append(rec.reasons[0] + f" Today: {nxt.name}.")
        return
    if rec.action == "deload":
        item.factor *= rec.set_factor
        if item.rir is not None:
            item.rir = min(5, item.rir + rec.rir_add)
        ctx.deload_recommended = True
        ctx.reasons.append(rec.reasons[0])
    elif rec.action in {"add_load", "reduce_load"}:
        ctx.reasons.append(" ".join(rec.reasons))
    if item.low is not None and rec.rep_high != rep_range[1]:
        item.low, item.high = rec.rep_low, rec.rep_high
    elif item.seconds is not None and rec.rep_high != rep_range[1]:
        item.seconds = rec.target_reps or item.seconds
    if rec.load is not None:
        item.load = _load(ctx, item, rec.load, rec.last_load, rec.last_reps, rec.target_reps)


def _range(item: _Item) -> tuple[int, int] | None:
    if item.low is not None and item.high is not None:
        return item.low, item.high
    if item.seconds is not None and item.ex.seconds is not None:
        return item.ex.seconds
    return None


def _load(
    ctx: _Ctx,
    item: _Item,
    value: float,
    last: float | None,
    last_reps: list[int],
    target: int | None,
) -> LoadSuggestion:
    unit = ctx.req.units
    step = load_step(item.ex, unit) or 1.0
    if ctx.mods.load_factor < 1:
        reduced = round_load(value * ctx.mods.load_factor, step)
        item.notes.append(
            f"Load {round(100 * (1 - ctx.mods.load_factor))}% lighter than usual: "
            f"{fmt(value)} -> {fmt(reduced)} {unit}."
        )
        value = reduced
    text = f"{fmt(value)} {unit}"
    if last is not None and last_reps:
        text += f" (last time {fmt(last)} {unit} x {', '.join(str(r) for r in last_reps)})"
    if target is not None and item.low is not None:
        text += f"; aim for {target} reps"
    return LoadSuggestion(value=value, unit=unit, text=text)


def _swap_item(ctx: _Ctx, item: _Item, new: Exercise) -> None:
    slot = Slot(slot=item.slot, patterns=(new.pattern,), role=item.role)
    fresh = _dose(ctx, new, slot, item.tier, item.role)
    item.ex = new
    item.category = fresh.category
    item.low, item.high, item.seconds = fresh.low, fresh.high, fresh.seconds
    item.load = None


def _difficulty(ctx: _Ctx, items: list[_Item], used: set[str]) -> None:
    steps = ctx.req.difficulty
    if steps == 0:
        return
    direction: Literal["up", "down"] = "up" if steps > 0 else "down"
    word = "Harder" if steps > 0 else "Easier"
    level = ctx.req.level_rank()
    for item in items:
        if item.role == "light":
            continue
        moved = 0
        if item.role in {"main", "secondary"}:
            for rung in ctx.cat.ladder(item.ex.id, direction):
                if moved == abs(steps):
                    break
                if (
                    rung.id in used
                    or rung.id in ctx.req.exclude
                    or rung.level_rank > level + 1
                    or not Catalog.available(rung, ctx.equipment)
                    or not Catalog.allowed(rung, ctx.excluded)
                ):
                    continue
                old = item.ex.name
                used.discard(item.ex.id)
                _swap_item(ctx, item, rung)
                used.add(rung.id)
                moved += 1
                item.notes.append(f"{word}: {old} -> {rung.name}.")
                ctx.reasons.append(f"{word}: {old} -> {rung.name} (one ladder step).")
        left = abs(steps) - moved
        if left <= 0:
            continue
        _effort_steps(item, steps > 0, left)


def _rir_words(rir: int) -> str:
    return f"{rir} rep{'' if rir == 1 else 's'} in reserve"


def _effort_steps(item: _Item, harder: bool, count: int) -> None:
    if item.rir is not None:
        floor = 0 if item.role == "isolation" else 1
        before = item.rir
        item.rir = max(floor, item.rir - count) if harder else min(5, item.rir + count)
        if item.rir != before:
            item.notes.append(
                f"{'Harder' if harder else 'Easier'}: finish with {_rir_words(item.rir)} "
                f"instead of {before}."
            )
    if harder:
        item.max_sets += 1
        item.sets = min(item.max_sets, item.sets + 1)
    else:
        item.factor *= EASIER_SET_FACTOR**count


# ------------------------------------------------------------------------ time model
def _unit_seconds(unit: _Unit, rx: Prescriptions) -> float:
    tm = rx.time_model
    if unit.format in {"emom", "circuit", "flow"}:
        return float(unit.rounds * len(unit.items) * tm.station_s)
    if len(unit.items) == 1:
        it = unit.items[0]
        return it.sets * (it.work_s(tm.default_sec_per_rep) + tm.setup_s + it.rest)
    per_round = sum(it.work_s(tm.default_sec_per_rep) + tm.setup_s for it in unit.items)
    return unit.rounds * (per_round + unit.rest)


def _plan_seconds(plan: _Plan, rx: Prescriptions) -> float:
    lifting = sum(_unit_seconds(u, rx) for u in plan.units)
    extra = sum(e.minutes for e in (plan.finisher, plan.aerobic) if e is not None)
    return (plan.warm + plan.cool + extra) * 60 + lifting


def _pair(items: list[_Item], rest: int) -> list[_Unit]:
    """Superset antagonists: push with pull, lower with pull or push, in priority order."""
    units: list[_Unit] = []
    taken = [False] * len(items)
    for i, item in enumerate(items):
        if taken[i]:
            continue
        taken[i] = True
        partner = None
        for wanted in _PARTNERS.get(item.category, ()):
            for j in range(i + 1, len(items)):
                if not taken[j] and items[j].category == wanted:
                    partner = j
                    break
            if partner is not None:
                break
        if partner is None:
            units.append(_Unit([item], item.rest))
            continue
        taken[partner] = True
        other = items[partner]
        # The pair runs at the higher-priority lift's sets; the partner follows.
        other.sets = item.sets
        other.max_sets = max(other.max_sets, item.sets)
        units.append(_Unit([item, other], rest, "superset"))
    return units


def _phase_minutes(table: dict[str, PhaseSize], minutes: int) -> int:
    for key in ("full", "short", "minimal"):
        if minutes >= table[key].min_session:
            return table[key].minutes
    return 1


# ------------------------------------------------------------------------ fitting
def _fit(ctx: _Ctx, items: list[_Item]) -> _Plan:
    rx = ctx.rx
    minutes = ctx.req.minutes
    if minutes < rx.circuit_below_minutes:
        plan = _fit_stations(ctx, items, minutes, warm=None, cool=1)
        plan.notes.append(
            f"Under {rx.circuit_below_minutes} minutes: one "
            f"{'EMOM' if plan.mode == 'emom' else 'circuit'} of the key lifts."
        )
        return plan
    warm = _phase_minutes(dict(rx.warmup), minutes)
    cool = _phase_minutes(dict(rx.cooldown), minutes)
    budget = minutes * 60 - (warm + cool) * 60
    shrunk = _shrink(ctx, items, budget)
    if shrunk is None:
        stations = _fit_stations(ctx, items, minutes, warm=warm, cool=cool)
        stations.notes.append(
            "Not enough time for straight sets or supersets at this effort: an "
            f"{'EMOM' if stations.mode == 'emom' else 'circuit'} of the key lifts instead."
        )
        return stations
    plan = shrunk
    plan.warm, plan.cool = warm, cool
    _grow(ctx, plan, minutes * 60)
    _cut_volume(plan)
    _fill(ctx, plan, minutes * 60)
    if any(it.sets < it.base_sets for u in plan.units for it in u.items):
        plan.notes.append("Fewer sets per lift to fit the time.")
    return plan


class _Shrinker:
    """Applies the reference's shrink order to a list of items until they fit a budget."""

    def __init__(self, ctx: _Ctx, items: list[_Item], budget: float) -> None:
        self.ctx = ctx
        self.items = list(items)
        self.kept = list(items)
        self.budget = budget
        self.paired = ctx.goal.prefer_supersets
        self.dropped: list[str] = []
        self.notes: list[str] = []
        if self.paired:
            self.notes.append("Antagonist supersets to keep the pace up.")

    def units(self) -> list[_Unit]:
        if self.paired:
            return _pair(self.kept, self.ctx.goal.superset_rest)
        return [_Unit([it], it.rest) for it in self.kept]

    def fits(self) -> bool:
        return self.total() <= self.budget

    def total(self) -> float:
        if self.paired:
            return sum(_unit_seconds(u, self.ctx.rx) for u in self.units())
        # Straight sets: one item is one unit, no need to build the units.
        rx = self.ctx.rx
        tm = rx.time_model
        return sum(
            it.sets * (it.work_s(tm.default_sec_per_rep) + tm.setup_s + it.rest) for it in self.kept
        )

    def drop(self, tier: str, last_first: bool = True) -> None:
        group = [it for it in self.kept if it.tier == tier]
        for item in reversed(group) if last_first else group:
            if self.fits():
                return
            self.kept.remove(item)
            self.dropped.append(item.ex.name)

    def trim(self, floor: int) -> bool:
        """Take one set off the lowest-priority unit above ``floor`` sets, until it fits."""
        while not self.fits():
            candidates = [u for u in self.units() if u.rounds > floor]
            if not candidates:
                return False
            for it in candidates[-1].items:
                it.sets -= 1
        return True

    def run(self) -> _Plan | None:
        # 1-3. Drop isolation, carries and core (last first), then secondary lifts.
        self.drop("accessory")
        self.drop("secondary")
        # 4. Superset antagonists.
        if not self.fits() and not self.paired:
            self.paired = True
            self.notes.append("Supersets of antagonist lifts to save time.")
        # 5. Two to three sets per lift, lowest priority first; the hinge goes only after.
        if not self.trim(2):
            self.drop("hinge", last_first=False)
        # Still too long: shorter rests, then single sets on the lowest priority lifts.
        if not self.fits():
            for it in self.kept:
                it.rest = max(45, round(it.rest * 0.67))
            self.notes.append("Rests shortened to fit the time.")
        if not self.fits():
            # Single sets of the key lifts help nobody: an EMOM or circuit does better.
            return None
        # Use what the cuts freed: sets back to their dose first, then dropped lifts back
        # in priority order (a cut can free more time than it needed).
        self.regrow()
        self.restore()
        if self.dropped:
            shown = self.dropped[:4]
            more = len(self.dropped) - len(shown)
            text = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
            self.notes.append(f"Short on time, so these are left out: {text}.")
        for it in self.kept:
            it.max_sets = max(it.max_sets, it.sets)
        return _Plan(mode="standard", warm=0, cool=0, units=self.units(), notes=self.notes)

    def _try(self, change: Callable[[], None]) -> bool:
        """Apply ``change``; keep it if the session still fits, else undo it."""
        kept = list(self.kept)
        sets = [(it, it.sets, it.max_sets) for it in self.items]
        change()
        if self.fits():
            return True
        self.kept = kept
        for it, count, most in sets:
            it.sets, it.max_sets = count, most
        return False

    def regrow(self) -> None:
        """Add sets back, highest priority first, up to each lift's planned dose."""
        changed = True
        while changed:
            changed = False
            for unit in self.units():
                if any(it.sets >= it.base_sets for it in unit.items):
                    continue

                def more(items: list[_Item] = unit.items) -> None:
                    for it in items:
                        it.sets += 1

                changed = self._try(more) or changed

    def restore(self) -> None:
        """Put dropped lifts back, highest priority first, while the session still fits."""
        for item in self.items:
            if item in self.kept:
                continue
            wanted = {id(it) for it in self.kept} | {id(item)}

            def add(wanted: set[int] = wanted) -> None:
                self.kept = [it for it in self.items if id(it) in wanted]

            if self._try(add):
                self.dropped.remove(item.ex.name)


def _shrink(ctx: _Ctx, items: list[_Item], budget: float) -> _Plan | None:
    return _Shrinker(ctx, items, budget).run()


def _grow(ctx: _Ctx, plan: _Plan, budget: float) -> None:
    """Add sets back, highest priority first, up to each item's maximum."""
    rx = ctx.rx
    changed = True
    while changed:
        changed = False
        for unit in plan.units:
            if any(it.sets >= it.max_sets for it in unit.items):
                continue
            for it in unit.items:
                it.sets += 1
            if _plan_seconds(plan, rx) <= budget:
                changed = True
            else:
                for it in unit.items:
                    it.sets -= 1


def _cut_volume(plan: _Plan) -> None:
    """Apply volume cuts to the fitted sets; freed time goes to easy work in ``_fill``."""
    for unit in plan.units:
        factor = min(it.factor for it in unit.items)
        if factor >= 1:
            continue
        rounds = max(1, round(unit.rounds * factor))
        for it in unit.items:
            it.sets = rounds
            it.base_sets = min(it.base_sets, rounds)


def _fill(ctx: _Ctx, plan: _Plan, budget: float) -> None:
    """Use leftover time: a finisher, easy aerobic work, then a longer cool-down."""
    rx = ctx.rx
    left = int((budget - _plan_seconds(plan, rx)) // 60)
    lo, hi = rx.finisher_minutes
    if ctx.goal.finisher and ctx.mods.finisher and left >= lo:
        ex = _conditioning(ctx, vigorous=True)
        if ex is not None:
            minutes = min(left, hi)
            work = min(40, ex.seconds[1] if ex.seconds else 30)
            plan.finisher = _Extra(
                ex,
                minutes,
                "intervals",
                f"{work} s hard, {60 - work} s easy, every minute for {minutes} minutes.",
            )
            left -= minutes
    if left >= rx.min_fill_aerobic_minutes:
        ex = _conditioning(ctx, vigorous=False)
        if ex is not None:
            minutes = min(left, rx.max_fill_aerobic_minutes)
            plan.aerobic = _Extra(
                ex, minutes, "steady", "Easy, conversational pace: you can talk but not sing."
            )
            left -= minutes
    extend = max(0, min(left, rx.max_cooldown_minutes - plan.cool))
    plan.cool += extend
    left -= extend
    if left > 0 and plan.aerobic is not None:
        plan.aerobic.minutes += left
    elif left > 0:
        plan.warm += min(left, 5)


def _conditioning(ctx: _Ctx, *, vigorous: bool) -> Exercise | None:
    level = ctx.req.level_rank()
    pool = ctx.cat.candidates("conditioning", ctx.equipment, ctx.excluded, level)
    if vigorous:
        options = [e for e in pool if e.intensity != "low" and e.seconds and e.seconds[1] <= 90]
        if level == 0:
            options = [e for e in options if e.intensity == "moderate"] or options
    else:
        options = [e for e in pool if e.intensity in {"low", "moderate"} and e.seconds]
        options = [e for e in options if e.seconds is not None and e.seconds[1] >= 300]
    if not options:
        return None
    return max(options, key=lambda e: (_equipment_score(e, ctx.rx) + 3 * e.prefer, e.id))


def _fit_stations(
    ctx: _Ctx, items: list[_Item], minutes: int, warm: int | None, cool: int
) -> _Plan:
    """EMOM (reps-based goals) or circuit: the trio plus core, one minute per station."""
    rx = ctx.rx
    trio = [it for it in items if it.tier == "trio"]
    extra = [it for it in items if it.role == "core"] or [it for it in items if it.tier == "hinge"]
    stations = trio + extra[:1]
    if warm is None:
        warm = 2 if minutes >= 8 else 1
    avail = max(len(trio), minutes - warm - cool)
    best = (len(trio), max(1, avail // len(trio)))
    if len(stations) > len(trio):
        rounds = avail // len(stations)
        if rounds >= 1 and rounds * len(stations) > best[0] * best[1]:
            best = (len(stations), rounds)
    count, rounds = best
    stations = stations[:count]
    leftover = max(0, avail - count * rounds)
    bump = min(leftover, max(0, 3 - warm))
    warm += bump
    cool += leftover - bump
    emom = ctx.req.goal in {"strength", "hypertrophy", "return_to_routine"}
    lo, hi = rx.time_model.emom_reps
    for it in stations:
        it.sets = rounds
        it.max_sets = rounds
        it.rest = 0
        if it.seconds is not None:
            it.seconds = min(it.seconds, rx.time_model.circuit_work_s)
        elif emom:
            reps = max(lo, min(hi, it.high or hi))
            it.low = it.high = reps
        else:
            it.seconds = rx.time_model.circuit_work_s
            it.reps_text = f"{it.seconds}s, steady good reps"
    mode: Literal["emom", "circuit"] = "emom" if emom else "circuit"
    return _Plan(mode=mode, warm=warm, cool=cool, units=[_Unit(stations, 0, mode)])


# ------------------------------------------------------------------------ output
# The output models are built with ``model_construct``: every value here comes from
# validated inputs and the catalog, and validating the same data again would cost more
# than the rest of the build.
def _reps_text(it: _Item) -> str:
    if it.reps_text:
        return it.reps_text
    if it.seconds is not None:
        return f"{it.seconds}s"
    if it.low is not None and it.high is not None and it.low != it.high:
        return f"{it.low}-{it.high}"
    return str(it.high or it.low or "")


def _is_hard(it: _Item) -> bool:
    """Counts toward weekly volume: not a light dose, and close enough to failure."""
    if not it.hard or it.role in {"light", "mobility"}:
        return False
    return it.rir is None or it.rir <= prescriptions().hard_set_max_rir


def _prescription(it: _Item, label: str, rest: int) -> Prescription:
    return Prescription.model_construct(
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


def _extra_prescription(extra: _Extra, label: str, role: str) -> Prescription:
    ex = extra.ex
    work = 60 if extra.format == "steady" else min(40, ex.seconds[1] if ex.seconds else 30)
    seconds = extra.minutes * 60 if extra.format == "steady" else work
    return Prescription.model_construct(
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


def _blocks(plan: _Plan, rx: Prescriptions) -> tuple[list[Prescription], list[Block]]:
    exercises: list[Prescription] = []
    blocks: list[Block] = []
    labels = iter(_labels())
    for unit in plan.units:
        label = next(labels)
        fmt_name: BlockFormat = unit.format
        work: int | None = None
        if unit.format in {"emom", "circuit", "flow"}:
            seconds = _unit_seconds(unit, rx)
            note = _STATION_NOTES[unit.format].format(
                work=rx.time_model.circuit_work_s, rounds=unit.rounds
            )
            work = rx.time_model.circuit_work_s if unit.format == "circuit" else None
            rest = 0
        elif len(unit.items) > 1:
            seconds = _unit_seconds(unit, rx)
            note = f"Alternate the two, resting {unit.rest} s after each pair."
            rest = unit.rest
        else:
            seconds = _unit_seconds(unit, rx)
            note = f"Rest {unit.items[0].rest} s between sets."
            rest = unit.items[0].rest
        for it in unit.items:
            item_rest = it.rest if fmt_name == "straight" else 0
            if fmt_name == "superset" and it is unit.items[-1]:
                item_rest = unit.rest
            exercises.append(_prescription(it, label, item_rest))
        blocks.append(
            Block.model_construct(
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
            Block.model_construct(
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


def _mobility_moves(ctx: _Ctx, dynamic: bool, muscles: Sequence[str]) -> list[Exercise]:
    """Mobility moves (dynamic drills or static holds), those for ``muscles`` first."""
    base = _mobility_pool(ctx.cat, ctx.equipment, ctx.excluded, dynamic)
    wanted = set(muscles)
    # A stable sort keeps the base order (fewest joint tags, then equipment, then id).
    ranked = sorted(base, key=lambda e: -sum(1 for m in e.primary_muscles if m in wanted))
    out: list[Exercise] = []
    seen: set[str] = set()
    for ex in ranked:
        if ex.main_muscle in seen:
            continue
        seen.add(ex.main_muscle)
        out.append(ex)
    return out


@lru_cache(maxsize=2048)
def _mobility_pool(
    cat: Catalog, equipment: frozenset[str], excluded: frozenset[str], dynamic: bool
) -> tuple[Exercise, ...]:
    order = prescriptions().equipment_preference
    pool = [
        e
        for e in cat.candidates("mobility", equipment, excluded, 2)
        if (e.unit == "reps") == dynamic
    ]
    return tuple(sorted(pool, key=lambda e: (len(e.tags), -_static_score(e.id, order)[0], e.id)))


def _warmup(ctx: _Ctx, plan: _Plan, exercises: list[Prescription]) -> Phase:
    minutes = plan.warm
    if minutes <= 0:
        return Phase.model_construct(minutes=0, items=[])
    items: list[PhaseItem] = []
    first = next(
        (
            p
            for p in exercises
            if p.role in {"main", "secondary"}
            and p.rep_high
            and not _is_free_load(ctx.cat.get(p.id))
        ),
        None,
    )
    ramp = 1 if first is not None and plan.mode == "standard" else 0
    dyn = max(0, min(2, minutes - ramp - 1))
    general = minutes - ramp - dyn
    easy = _conditioning(ctx, vigorous=False)
    items.append(
        PhaseItem.model_construct(
            id=easy.id if easy else None,
            name=easy.name if easy else "Easy movement",
            detail="Easy pace to get warm; breathe through your nose.",
            minutes=float(general),
            tags=list(easy.tags) if easy else [],
        )
    )
    if dyn:
        muscles = [m for p in exercises for m in p.muscles]
        moves = _mobility_moves(ctx, dynamic=True, muscles=muscles)[: max(1, dyn)]
        share = dyn / len(moves) if moves else 0
        for ex in moves:
            items.append(
                PhaseItem.model_construct(
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
            PhaseItem.model_construct(
                id=first.id,
                name=f"Ramp-up sets: {first.name}",
                detail=f"{detail} of your working weight.",
                minutes=float(ramp),
                tags=list(first.tags),
            )
        )
    return Phase.model_construct(minutes=float(minutes), items=items)


def _cooldown(ctx: _Ctx, minutes: int, exercises: list[Prescription]) -> Phase:
    if minutes <= 0:
        return Phase.model_construct(minutes=0, items=[])
    stretches = min(2, minutes - 1)
    walk = minutes - stretches
    items = [
        PhaseItem.model_construct(
            id=None,
            name="Easy walk and slow breathing",
            detail="Let your heart rate settle.",
            minutes=float(walk),
            tags=[],
        )
    ]
    muscles = [m for p in exercises if p.hard for m in p.muscles]
    for ex in _mobility_moves(ctx, dynamic=False, muscles=muscles)[:stretches]:
        hold = ex.seconds[0] if ex.seconds else 30
        items.append(
            PhaseItem.model_construct(
                id=ex.id,
                name=ex.name,
                detail=f"Hold {hold}-{hold + 10} s{' per side' if ex.unilateral else ''}, gently.",
                minutes=1.0,
                tags=list(ex.tags),
            )
        )
    return Phase.model_construct(minutes=float(minutes), items=items)


def _hard_sets(exercises: list[Prescription], weight: float) -> dict[str, float]:
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


def _constraint_reason(ctx: _Ctx) -> str | None:
    if not ctx.excluded:
        return None
    words = describe_tags(sorted(ctx.excluded))
    areas = ctx.req.constraints
    who = f" to protect your {', '.join(a.replace('_', ' ') for a in areas)}" if areas else ""
    return f"No {words}{who}."


def _session(
    ctx: _Ctx,
    plan: _Plan,
    kind: SessionKind,
    focus: str,
    band: Band,
) -> Session:
    rx = ctx.rx
    exercises, blocks = _blocks(plan, rx)
    warmup = _warmup(ctx, plan, exercises)
    cooldown = _cooldown(ctx, plan.cool, exercises)
    total = _plan_seconds(plan, rx)
    moderate, vigorous = _aerobic(exercises, blocks)
    reasons = list(ctx.reasons)
    constraint = _constraint_reason(ctx)
    if constraint:
        reasons.append(constraint)
    reasons.extend(plan.notes)
    return Session.model_construct(
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
        hard_sets=_hard_sets(exercises, rx.secondary_set_weight),
        aerobic_minutes=moderate,
        vigorous_minutes=vigorous,
        deload_recommended=ctx.deload_recommended,
        reasons=reasons,
        changes=[],
        request=ctx.req,
    )


# ------------------------------------------------------------------------ recovery and mobility
def _flow_items(ctx: _Ctx, count: int, rounds: int) -> list[_Item]:
    """Gentle mobility moves, standing ones and those with fewest joint tags first."""
    moves = _mobility_moves(ctx, dynamic=True, muscles=()) + _mobility_moves(
        ctx, dynamic=False, muscles=()
    )
    chosen = sorted(moves, key=lambda e: (len(e.tags), e.id))[:count]
    items: list[_Item] = []
    for ex in chosen:
        item = _Item(
            ex=ex,
            slot="mobility",
            role="mobility",
            tier="accessory",
            category="mobility",
            sets=rounds,
            max_sets=rounds,
            low=None,
            high=None,
            seconds=50,
            rest=0,
            rir=None,
            hard=False,
        )
        item.reps_text = "25s per side, slow" if ex.unilateral else "50s, slow"
        items.append(item)
    return items


def _recovery(ctx: _Ctx, cap: int, band: Band, why: str) -> Session:
    """A walk and a gentle mobility flow, nothing hard, at most ``cap`` minutes."""
    cool = 1
    flow = _flow_items(ctx, max(2, min(8, (cap - cool) // 2)), 1)
    walk = _conditioning(ctx, vigorous=False) or ctx.cat.get("brisk_walk")
    walk_minutes = max(1, cap - cool - len(flow))
    plan = _Plan(
        mode="circuit",
        warm=0,
        cool=cool,
        units=[_Unit(flow, 0, "flow")] if flow else [],
        aerobic=_Extra(walk, walk_minutes, "steady", "Easy pace only: a gentle walk or spin."),
    )
    ctx.reasons.insert(0, why)
    return _session(ctx, plan, "recovery", "recovery", band)


def _mobility(ctx: _Ctx, focus: str, band: Band) -> Session:
    """Mobility goal: a flow of up to ten moves, a little core, easy aerobic to fill."""
    rx = ctx.rx
    minutes = ctx.req.minutes
    warm = 2 if minutes >= 15 else 1
    plan = _Plan(mode="circuit", warm=warm, cool=1, units=[])
    avail = minutes - warm - 1
    core: list[_Unit] = []
    if avail >= 15:
        slot = Slot(slot="core", patterns=("core",), role="core")
        picked = _pick(ctx, slot, "accessory", set(), set())
        if picked is not None:
            item = _dose(ctx, picked[0], slot, "accessory", "core")
            core.append(_Unit([item], item.rest))
    flow_minutes = max(1, int((avail * 60 - sum(_unit_seconds(u, rx) for u in core)) // 60))
    count = max(1, min(10, flow_minutes))
    rounds = max(1, min(3, flow_minutes // count))
    flow = _flow_items(ctx, count, rounds)
    plan.units = [_Unit(flow, 0, "flow"), *core]
    left = int((minutes * 60 - _plan_seconds(plan, rx)) // 60)
    if left >= rx.min_fill_aerobic_minutes:
        ex = _conditioning(ctx, vigorous=False)
        if ex is not None:
            plan.aerobic = _Extra(ex, left, "steady", "Easy pace: loosen up and breathe.")
            left = 0
    plan.cool += max(0, left)
    ctx.reasons.append("Mobility session: slow, controlled range of motion, nothing to failure.")
    return _session(ctx, plan, "mobility", focus, band)


# ------------------------------------------------------------------------ entry point
def build_session(
    request: SessionRequest,
    history: History | None = None,
    *,
    catalog: Catalog | None = None,
) -> Session:
    """Build today's session.

    Args:
        request: Goal, level, equipment, minutes, readiness, constraints, preferences and
            the date (all inputs; no clock is read).
        history: Recent sessions (done and skipped), for progression, gaps and recovery.
        catalog: The exercise catalog (defaults to the packaged one).

    Returns:
        The session, whose JSON is the ``coach plan --json`` contract.
    """
    cat = catalog or load_catalog()
    ctx = _context(request, history or History(), cat)
    ready = readiness_band(request.readiness)
    template = _template_name(request)
    if ready.band == "very_low":
        cap = min(request.minutes, ctx.rx.readiness.very_low_max_minutes)
        why = (
            " ".join(ready.reasons)
            + f" Very low readiness: a {cap}-minute easy walk and gentle mobility instead "
            "of a hard session. Rest is also a fine choice today."
        )
        return _recovery(ctx, cap, ready.band, why)
    if template == "recovery":
        cap = min(request.minutes, 30)
        return _recovery(ctx, cap, ready.band, "Recovery day: easy movement and mobility only.")
    if request.goal == "mobility":
        return _mobility(ctx, template, ready.band)
    items = _select(ctx, template)
    plan = _fit(ctx, items)
    return _session(ctx, plan, "strength", template, ready.band)
