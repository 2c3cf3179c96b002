"""Fitting a draft into the minutes: the time model, the shrink order, growing and filling.

Time model [reference section 4]: a set is reps x seconds per rep (both sides for
unilateral work) + setup + rest; a superset round is both exercises' work and setup +
one rest; an EMOM minute or circuit station is one minute.

Shrink order: drop isolation, carries and core (last first), then secondary lifts; keep
lower + push + pull (hinge if time allows); superset antagonists; 2-3 sets per lift;
shorter rests; failing that (or under 12 minutes) an EMOM or circuit of the key lifts.
Then sets and dropped lifts come back while they fit, volume cuts are applied, and any
time left becomes a finisher, easy aerobic work or a longer cool-down, so the estimate
lands between 80% and 100% of the minutes asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from agent.planning import assessed
from agent.planning.draft import Context, Draft, Extra, Item, Unit, conditioning
from agent.planning.rules import PhaseSize, Prescriptions

_PARTNERS: dict[str, tuple[str, ...]] = {
    "lower": ("pull", "push", "core", "carry"),
    "push": ("pull", "lower", "core", "carry"),
    "pull": ("push", "lower", "core", "carry"),
    "core": ("lower", "push", "pull", "carry"),
    "carry": ("push", "pull", "lower", "core"),
}
"""Superset partners by movement category, most wanted first."""


def unit_seconds(unit: Unit, rx: Prescriptions) -> float:
    """Seconds a unit takes under the time model."""
    tm = rx.time_model
    if unit.format in {"emom", "circuit", "flow"}:
        return float(unit.rounds * len(unit.items) * tm.station_s)
    if len(unit.items) == 1:
        it = unit.items[0]
        return it.sets * (it.work_s(tm.default_sec_per_rep) + tm.setup_s + it.rest)
    per_round = sum(it.work_s(tm.default_sec_per_rep) + tm.setup_s for it in unit.items)
    return unit.rounds * (per_round + unit.rest)


def plan_seconds(plan: Draft, rx: Prescriptions) -> float:
    """Seconds the whole draft takes: warm-up, units, extras and cool-down."""
    lifting = sum(unit_seconds(u, rx) for u in plan.units)
    extra = sum(e.minutes for e in (plan.finisher, plan.aerobic) if e is not None)
    return (plan.warm + plan.cool + extra) * 60 + lifting


def _pair(items: list[Item], rest: int) -> list[Unit]:
    """Superset antagonists: push with pull, lower with pull or push, in priority order."""
    units: list[Unit] = []
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
            units.append(Unit([item], item.rest))
            continue
        taken[partner] = True
        other = items[partner]
        # The pair runs at the higher-priority lift's sets; the partner follows.
        other.sets = item.sets
        other.max_sets = max(other.max_sets, item.sets)
        units.append(Unit([item, other], rest, "superset"))
    return units


def _phase_minutes(table: dict[str, PhaseSize], minutes: int) -> int:
    for key in ("full", "short", "minimal"):
        if minutes >= table[key].min_session:
            return table[key].minutes
    return 1


def fit(ctx: Context, items: list[Item]) -> Draft:
    """Fit the selected items into the request's minutes (see the module docstring)."""
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

    def __init__(self, ctx: Context, items: list[Item], budget: float) -> None:
        self.ctx = ctx
        self.items = list(items)
        self.kept = list(items)
        self.budget = budget
        self.paired = ctx.goal.prefer_supersets
        self.dropped: list[str] = []
        self.notes: list[str] = []
        if self.paired:
            self.notes.append("Antagonist supersets to keep the pace up.")

    def units(self) -> list[Unit]:
        if self.paired:
            return _pair(self.kept, self.ctx.goal.superset_rest)
        return [Unit([it], it.rest) for it in self.kept]

    def fits(self) -> bool:
        return self.total() <= self.budget

    def total(self) -> float:
        if self.paired:
            return sum(unit_seconds(u, self.ctx.rx) for u in self.units())
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

    def run(self) -> Draft | None:
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
        # Use what the cuts freed: sets on the lifts kept first (up to the goal's most, as
        # sets were the last thing cut), then dropped lifts back in priority order.
        self.regrow()
        self.restore()
        if self.dropped:
            shown = self.dropped[:4]
            more = len(self.dropped) - len(shown)
            text = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
            self.notes.append(f"Short on time, so these are left out: {text}.")
        for it in self.kept:
            it.max_sets = max(it.max_sets, it.sets)
        return Draft(mode="standard", warm=0, cool=0, units=self.units(), notes=self.notes)

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
        """Add sets back, highest priority first, up to each lift's most."""
        changed = True
        while changed:
            changed = False
            for unit in self.units():
                if any(it.sets >= it.max_sets for it in unit.items):
                    continue

                def more(items: list[Item] = unit.items) -> None:
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


def _shrink(ctx: Context, items: list[Item], budget: float) -> Draft | None:
    return _Shrinker(ctx, items, budget).run()


def _grow(ctx: Context, plan: Draft, budget: float) -> None:
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
            if plan_seconds(plan, rx) <= budget:
                changed = True
            else:
                for it in unit.items:
                    it.sets -= 1


def _cut_volume(plan: Draft) -> None:
    """Apply volume cuts to the fitted sets; freed time goes to easy work in ``_fill``."""
    for unit in plan.units:
        factor = min(it.factor for it in unit.items)
        if factor >= 1:
            continue
        rounds = max(1, round(unit.rounds * factor))
        for it in unit.items:
            it.sets = rounds
            it.base_sets = min(it.base_sets, rounds)


def _fill(ctx: Context, plan: Draft, budget: float) -> None:
    """Use leftover time: a finisher, easy aerobic work, then a longer cool-down."""
    rx = ctx.rx
    left = int((budget - plan_seconds(plan, rx)) // 60)
    lo, hi = rx.finisher_minutes
    if ctx.goal.finisher and ctx.mods.finisher and left >= lo:
        ex = conditioning(ctx, vigorous=True)
        if ex is not None:
            minutes = min(left, hi)
            work, why = assessed.interval_work_seconds(
                ctx, min(40, ex.seconds[1] if ex.seconds else 30)
            )
            if why:
                ctx.reasons.append(why)
            plan.finisher = Extra(
                ex,
                minutes,
                "intervals",
                f"{work} s hard, {60 - work} s easy, every minute for {minutes} minutes.",
            )
            left -= minutes
    if left >= rx.min_fill_aerobic_minutes:
        ex = conditioning(ctx, vigorous=False)
        if ex is not None:
            minutes = min(left, rx.max_fill_aerobic_minutes)
            plan.aerobic = Extra(
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


def _fit_stations(
    ctx: Context, items: list[Item], minutes: int, warm: int | None, cool: int
) -> Draft:
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
    return Draft(mode=mode, warm=warm, cool=cool, units=[Unit(stations, 0, mode)])
