"""What home assessments showed, applied to today's session (issue 19). Pure.

The request carries :class:`~agent.planning.models.AssessmentFact` items; this module is
the one place the planner reacts to them, each time with a reason in the plan:

- ``push_capacity_low`` (a low push-up test): the push pattern's main and secondary
  exercises start one rung lower on their ladder (push-up -> negative push-up, ...);
  when no lower rung fits, one more rep in reserve instead.
- ``leg_strength_low`` (a chair stand below the normal range): the same for squat and
  lunge patterns.
- ``aerobic_recovery_poor`` (a step test whose recovery got worse): intervals stay
  easier, shorter hard bouts with longer easy ones (:func:`interval_work_seconds`).
"""

from __future__ import annotations

from collections.abc import Callable

from agent.planning.catalog import Catalog, Exercise
from agent.planning.draft import Context, Item

EASIER_INTERVAL_WORK_S = 20
"""Hard seconds per minute in intervals after a poor aerobic recovery (else up to 40)."""

_CATEGORIES = {"push_capacity_low": ("push",), "leg_strength_low": ("lower",)}
_PATTERNS = {"leg_strength_low": ("squat", "lunge")}


def facts(ctx: Context) -> dict[str, str]:
    """The request's assessment facts: kind -> reason (the first of each kind)."""
    found: dict[str, str] = {}
    for fact in ctx.req.assessments:
        found.setdefault(fact.kind, fact.reason)
    return found


def _lower_rung(ctx: Context, item: Item, used: set[str]) -> Exercise | None:
    level = ctx.req.level_rank()
    for rung in ctx.cat.ladder(item.ex.id, "down"):
        if (
            rung.id not in used
            and rung.id not in ctx.req.exclude
            and rung.level_rank <= level + 1
            and Catalog.available(rung, ctx.equipment)
            and Catalog.allowed(rung, ctx.excluded)
        ):
            return rung
    return None


def _applies(kind: str, item: Item) -> bool:
    if item.role not in {"main", "secondary"} or item.category not in _CATEGORIES[kind]:
        return False
    patterns = _PATTERNS.get(kind)
    return patterns is None or item.ex.pattern in patterns


def apply(
    ctx: Context,
    items: list[Item],
    used: set[str],
    swap: Callable[[Context, Item, Exercise], None],
) -> None:
    """Start the patterns an assessment showed to be weak one step lower, with reasons."""
    found = facts(ctx)
    for kind in ("push_capacity_low", "leg_strength_low"):
        reason = found.get(kind)
        if reason is None:
            continue
        for item in (i for i in items if _applies(kind, i)):
            rung = _lower_rung(ctx, item, used)
            if rung is not None:
                old = item.ex.name
                used.discard(item.ex.id)
                swap(ctx, item, rung)
                used.add(rung.id)
                why = f"{reason}: starting one step lower on the ladder, {old} -> {rung.name}."
            elif item.rir is not None:
                item.rir = min(5, item.rir + 1)
                why = f"{reason}: {item.ex.name} with one more rep in reserve."
            else:
                continue
            item.notes.append(why)
            ctx.reasons.append(why)


def interval_work_seconds(ctx: Context, default: int) -> tuple[int, str | None]:
    """Hard seconds per minute for intervals, and the reason when an assessment lowered it."""
    reason = facts(ctx).get("aerobic_recovery_poor")
    if reason is None or default <= EASIER_INTERVAL_WORK_S:
        return default, None
    return EASIER_INTERVAL_WORK_S, (
        f"{reason}: intervals kept easier, {EASIER_INTERVAL_WORK_S} s hard and "
        f"{60 - EASIER_INTERVAL_WORK_S} s easy each minute."
    )
