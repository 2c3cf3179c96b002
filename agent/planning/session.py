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

from datetime import date
from functools import lru_cache
from typing import Literal

from agent.planning import assessed
from agent.planning.catalog import Catalog, Exercise, load_catalog
from agent.planning.draft import (
    Context,
    Draft,
    Extra,
    Item,
    Mods,
    Unit,
    conditioning,
    is_free_load,
    mobility_moves,
    static_score,
)
from agent.planning.fitting import fit, plan_seconds, unit_seconds
from agent.planning.models import (
    Band,
    History,
    LoadSuggestion,
    Session,
    SessionRequest,
)
from agent.planning.output import assemble
from agent.planning.progression import (
    fmt,
    load_step,
    next_progression,
    round_load,
)
from agent.planning.readiness import GapResult, ReadinessResult, gap_adjustment, readiness_band
from agent.planning.recovery import endurance_leg_load, endurance_reasons
from agent.planning.rules import (
    Prescriptions,
    Role,
    Slot,
    prescriptions,
)

_FULL_VARIANTS = ("full_a", "full_b", "full_c")
EASIER_SET_FACTOR = 0.8
"""Each step easier keeps this share of the sets (besides one more rep in reserve)."""
_HISTORY_WINDOW_DAYS = 42


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
    # Hard runs and rides count like a leg day: heavy lower-body work waits 48 hours.
    for muscle, days in endurance_leg_load(history, req.today, hours).items():
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


def _context(req: SessionRequest, history: History, cat: Catalog) -> Context:
    rx = prescriptions()
    goal = rx.goals[req.goal]
    ready = readiness_band(req.readiness)
    last = history.last_done(req.today) if req.today is not None else None
    gap = gap_adjustment(
        None if last is None or req.today is None else (req.today - last).days, req.age
    )
    mods, reasons = _modifiers(req, ready, gap, rx)
    ctx = Context(
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
    if req.today is not None:
        ctx.reasons.extend(endurance_reasons(history, req.today, rx.recovery_hours))
    return ctx


def _modifiers(
    req: SessionRequest, ready: ReadinessResult, gap: GapResult, rx: Prescriptions
) -> tuple[Mods, list[str]]:
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
    mods = Mods(
        set_factor=set_factor,
        load_factor=load_factor,
        rir_add=rir_add,
        extra_sets=ready.extra_sets if gap.id == "resume" and not req.deload else 0,
        finisher=ready.finisher and gap.id == "resume" and not req.deload,
    )
    return mods, reasons


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


def _static(ex: Exercise, rank: int, slot: Slot, level: int) -> int:
    """The part of an exercise's slot score that depends only on it, the slot and the level.

    Equipment preference, the catalog's ``prefer`` bonus, fewer joint tags, the slot's
    preferred pattern, a level close to the person's, isolation for isolation slots.
    """
    score = static_score(ex.id, prescriptions().equipment_preference)[1] - 10 * rank
    score -= 8 * abs(ex.level_rank - level)
    if slot.role == "isolation" and ex.mechanic == "isolation":
        score += 5
    return score


def _dynamic(ctx: Context, ex: Exercise, used_muscles: set[str]) -> int:
    """The part that depends on today: asked for, done recently, muscle already used."""
    score = 0
    bonus = ctx.prefer_rank.get(ex.id)
    if bonus is not None:
        score += 100 + bonus
    if ex.id in ctx.last_done:
        score += 40
    if ex.primary_muscles[0] in used_muscles:
        score -= 15
    return score


def _suits(ex: Exercise, slot: Slot) -> bool:
    """Whether an exercise can fill a slot at all (pattern, mechanic, muscle)."""
    return (
        ex.pattern in slot.patterns
        and ex.pattern not in {"conditioning", "mobility"}
        and (slot.role not in {"main", "secondary", "light"} or ex.mechanic == "compound")
        and (slot.muscle is None or ex.main_muscle == slot.muscle)
    )


@lru_cache(maxsize=1024)
def _slot_ranked(cat: Catalog, slot: Slot, level: int) -> tuple[tuple[int, Exercise], ...]:
    """Every exercise that suits a slot at a level, with its static score, best first.

    Equal scores are ordered by id, larger first, the tie-break ``_best`` uses. Depends
    only on the slot and the level, so it is worked out once per process.
    """
    out: list[tuple[int, Exercise]] = []
    for rank, pattern in enumerate(slot.patterns):
        out.extend(
            (_static(ex, rank, slot, level), ex)
            for ex in cat.by_pattern(pattern)
            if ex.level_rank <= level and _suits(ex, slot)
        )
    out.sort(key=lambda item: item[1].id, reverse=True)
    out.sort(key=lambda item: -item[0])
    return tuple(out)


@lru_cache(maxsize=8192)
def _slot_candidates(
    cat: Catalog, slot: Slot, equipment: frozenset[str], excluded: frozenset[str], level: int
) -> tuple[tuple[int, Exercise], ...]:
    """The slot's ranked exercises that today's equipment and joint tags allow (cached)."""
    have = equipment | {"bodyweight"}
    needs, tags = cat.needs, cat.tag_sets
    return tuple(
        item
        for item in _slot_ranked(cat, slot, level)
        if needs[item[1].id] <= have and tags[item[1].id].isdisjoint(excluded)
    )


def _pool(ctx: Context, slot: Slot, used: set[str], relax: bool) -> list[tuple[int, Exercise]]:
    """Candidates for a slot with their static score.

    The cached candidates come best first, then the person's familiar exercises that the
    level filter left out.
    """
    blocked = used if relax else used | set(ctx.req.exclude)
    pool = [
        item
        for item in _slot_candidates(ctx.cat, slot, ctx.equipment, ctx.excluded, ctx.level)
        if item[1].id not in blocked
    ]
    # Exercises the person used recently or asked for may sit one level above theirs.
    seen = {ex.id for _, ex in pool}
    for found in ctx.familiar:
        if found.id in seen or found.id in blocked or not _suits(found, slot):
            continue
        seen.add(found.id)
        pool.append((_static(found, slot.patterns.index(found.pattern), slot, ctx.level), found))
    return pool


def _best(ctx: Context, pool: list[tuple[int, Exercise]], used_muscles: set[str]) -> Exercise:
    """The highest static + dynamic score (ties: the larger id).

    Only asked-for and recently done exercises can score above their static part, so
    they are scored first; the rest come best first and the scan stops as soon as no
    later one could win.
    """
    favoured = set(ctx.prefer_rank) | set(ctx.last_done)
    best: tuple[int, str] | None = None
    chosen: Exercise | None = None
    ordinary: list[tuple[int, Exercise]] = []
    for static, ex in pool:
        if ex.id not in favoured:
            ordinary.append((static, ex))
            continue
        key = (static + _dynamic(ctx, ex, used_muscles), ex.id)
        if best is None or key > best:
            best, chosen = key, ex
    for static, ex in ordinary:
        if best is not None and (static, ex.id) < best:
            break
        key = (static + _dynamic(ctx, ex, used_muscles), ex.id)
        if best is None or key > best:
            best, chosen = key, ex
    if chosen is None:
        raise ValueError("no candidate to choose from")
    return chosen


def _familiar(ctx: Context) -> list[Exercise]:
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
    ctx: Context, slot: Slot, tier: str, used: set[str], used_muscles: set[str]
) -> tuple[Exercise, bool] | None:
    """The best exercise for a slot and whether it must be dosed light (48-hour rule)."""
    pool = _pool(ctx, slot, used, relax=False)
    if not pool and tier == "trio":
        pool = _pool(ctx, slot, used, relax=True)
    if not pool:
        return None
    disliked = False
    if ctx.req.dislikes:
        liked = [item for item in pool if item[1].id not in ctx.req.dislikes]
        if liked:
            pool = liked
        elif tier == "trio":
            disliked = True
        else:
            return None
    recent = ctx.recent
    light = False
    if recent:
        fresh = [item for item in pool if not any(m in recent for m in item[1].primary_muscles)]
        if fresh:
            pool = fresh
        elif tier == "trio":
            light = True
        else:
            return None
    best = _best(ctx, pool, used_muscles)
    if disliked:
        ctx.reasons.append(
            f"Kept {best.name} for the {slot.slot} slot although it is on your dislike list: "
            "nothing else fits today's equipment and constraints."
        )
    return best, light


def _dose(ctx: Context, ex: Exercise, slot: Slot, tier: str, role: Role) -> Item:
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
    if role in {"main", "secondary"} and is_free_load(ex):
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
    item = Item(
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


def _select(ctx: Context, template: str) -> list[Item]:
    slots = ctx.rx.templates[template]
    items: list[Item] = []
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
    assessed.apply(ctx, items, used, _swap_item)
    for item in items:
        item.base_sets = item.sets
    return items


def _progress(ctx: Context, item: Item, used: set[str]) -> None:
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
        if not is_free_load(item.ex) and item.ex.unit == "reps":
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


def _range(item: Item) -> tuple[int, int] | None:
    if item.low is not None and item.high is not None:
        return item.low, item.high
    if item.seconds is not None and item.ex.seconds is not None:
        return item.ex.seconds
    return None


def _load(
    ctx: Context,
    item: Item,
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


def _swap_item(ctx: Context, item: Item, new: Exercise) -> None:
    slot = Slot(slot=item.slot, patterns=(new.pattern,), role=item.role)
    fresh = _dose(ctx, new, slot, item.tier, item.role)
    item.ex = new
    item.category = fresh.category
    item.low, item.high, item.seconds = fresh.low, fresh.high, fresh.seconds
    item.load = None


def _difficulty(ctx: Context, items: list[Item], used: set[str]) -> None:
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


def _effort_steps(item: Item, harder: bool, count: int) -> None:
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


def _flow_items(ctx: Context, count: int, rounds: int) -> list[Item]:
    """Gentle mobility moves, standing ones and those with fewest joint tags first."""
    moves = mobility_moves(ctx, dynamic=True, muscles=()) + mobility_moves(
        ctx, dynamic=False, muscles=()
    )
    chosen = sorted(moves, key=lambda e: (len(e.tags), e.id))[:count]
    items: list[Item] = []
    for ex in chosen:
        item = Item(
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


def _recovery(ctx: Context, cap: int, band: Band, why: str) -> Session:
    """A walk and a gentle mobility flow, nothing hard, at most ``cap`` minutes."""
    cool = 1
    flow = _flow_items(ctx, max(2, min(8, (cap - cool) // 2)), 1)
    walk = conditioning(ctx, vigorous=False) or ctx.cat.get("brisk_walk")
    walk_minutes = max(1, cap - cool - len(flow))
    plan = Draft(
        mode="circuit",
        warm=0,
        cool=cool,
        units=[Unit(flow, 0, "flow")] if flow else [],
        aerobic=Extra(walk, walk_minutes, "steady", "Easy pace only: a gentle walk or spin."),
    )
    ctx.reasons.insert(0, why)
    return assemble(ctx, plan, "recovery", "recovery", band)


def _mobility(ctx: Context, focus: str, band: Band) -> Session:
    """Mobility goal: a flow of up to ten moves, a little core, easy aerobic to fill."""
    rx = ctx.rx
    minutes = ctx.req.minutes
    warm = 2 if minutes >= 15 else 1
    plan = Draft(mode="circuit", warm=warm, cool=1, units=[])
    avail = minutes - warm - 1
    core: list[Unit] = []
    if avail >= 15:
        slot = Slot(slot="core", patterns=("core",), role="core")
        picked = _pick(ctx, slot, "accessory", set(), set())
        if picked is not None:
            item = _dose(ctx, picked[0], slot, "accessory", "core")
            unit = Unit([item], item.rest)
            # Core work is a side dish here: at most a third of the time (a slow get-up
            # someone did before could otherwise take over the session).
            if unit_seconds(unit, rx) <= avail * 60 / 3:
                core.append(unit)
    flow_minutes = max(1, int((avail * 60 - sum(unit_seconds(u, rx) for u in core)) // 60))
    count = max(1, min(10, flow_minutes))
    rounds = max(1, min(3, flow_minutes // count))
    flow = _flow_items(ctx, count, rounds)
    plan.units = [Unit(flow, 0, "flow"), *core]
    left = int((minutes * 60 - plan_seconds(plan, rx)) // 60)
    if left >= rx.min_fill_aerobic_minutes:
        ex = conditioning(ctx, vigorous=False)
        if ex is not None:
            plan.aerobic = Extra(ex, left, "steady", "Easy pace: loosen up and breathe.")
            left = 0
    plan.cool += max(0, left)
    ctx.reasons.append("Mobility session: slow, controlled range of motion, nothing to failure.")
    return assemble(ctx, plan, "mobility", focus, band)


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
    plan = fit(ctx, items)
    return assemble(ctx, plan, "strength", template, ready.band)
