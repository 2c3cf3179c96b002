"""Adaptation: bend today's plan instead of breaking it.

Every operation changes the session's request (minutes, equipment, constraints,
difficulty, readiness, exclusions) and rebuilds it with the same deterministic builder,
so an adapted plan obeys every rule a fresh one does. Each returns the new session with
``changes``: what changed and why, in plain words, for the coach to tell the person.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from agent.planning.catalog import Catalog, Exercise, describe_tags, load_catalog
from agent.planning.equipment import needing
from agent.planning.minutes import MAX_MINUTES, MIN_MINUTES
from agent.planning.models import History, Readiness, Session, SessionRequest
from agent.planning.output import hard_sets
from agent.planning.progression import fmt
from agent.planning.rules import prescriptions
from agent.planning.session import build_session

SwapReason = Literal["too_hard", "dislike", "pain", "equipment", "other"]

_REASON_WORDS: dict[SwapReason, tuple[str, ...]] = {
    # First: "too hard, it hurts my pride" is about difficulty, and a swap for it must go
    # down the ladder, never sideways to a harder variant.
    "too_hard": (
        "too hard",
        "too difficult",
        "impossible",
        "can't do",
        "cannot do",
        "cant do",
        "can not do",
        "struggle",
        "too tough",
        "too heavy",
        "not strong enough",
        "easier",
    ),
    "pain": ("pain", "hurt", "ache", "sore", "injur", "twinge", "uncomfortable", "discomfort"),
    "dislike": ("dislike", "hate", "boring", "don't like", "do not like", "not a fan", "bored"),
    "equipment": ("taken", "busy", "occupied", "no ", "don't have", "do not have", "broken"),
}


_FORMAT_WORDS = {
    "superset": "with supersets",
    "emom": "as an EMOM (every minute on the minute)",
    "circuit": "as a circuit",
}


def classify_reason(text: str | None) -> SwapReason:
    """Sort a free-text swap reason into dislike, pain, equipment or other."""
    lowered = (text or "").lower()
    for kind, words in _REASON_WORDS.items():
        if any(word in lowered for word in words):
            return kind
    return "other"


def _rebuild(
    session: Session, request: SessionRequest, history: History | None, first: list[str]
) -> Session:
    new = build_session(request, history)
    return new.model_copy(update={"changes": [*first, *describe_changes(session, new)]})


def shorten(session: Session, minutes: int, history: History | None = None) -> Session:
    """Fit the session into ``minutes`` (or lengthen it) with the reference's shrink order.

    Raises:
        ValueError: ``minutes`` is outside MIN_MINUTES-MAX_MINUTES.
    """
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValueError(f"minutes must be between {MIN_MINUTES} and {MAX_MINUTES}")
    request = session.request.model_copy(update={"minutes": minutes})
    verb = "Shortened" if minutes < session.request.minutes else "Lengthened"
    return _rebuild(
        session,
        request,
        history,
        [f"{verb} to fit {minutes} minutes (was {session.request.minutes})."],
    )


def swap_equipment(
    session: Session, equipment: Iterable[str], history: History | None = None
) -> Session:
    """Rebuild with a different set of equipment (vocabulary words; bodyweight is implied).

    Raises:
        ValueError: An equipment word is not in the vocabulary.
    """
    request = SessionRequest.model_validate(
        {**session.request.model_dump(), "equipment": list(equipment)}
    )
    have = ", ".join(e for e in request.equipment if e != "bodyweight") or "bodyweight only"
    return _rebuild(session, request, history, [f"Equipment today: {have}."])


def equipment_unavailable(
    session: Session, items: Iterable[str], history: History | None = None
) -> Session:
    """One or more items are unavailable today ("the bench is taken", "no cables here").

    Only the exercises that need them are swapped, each for the closest exercise of the
    same pattern and main muscle that the rest of today's kit allows, keeping its dose,
    block and place; everything else is left exactly as it was (no rebuild, so nothing
    else moves). The usual kit is not changed: this is today's plan only. ``history`` is
    accepted for symmetry with the other adaptations; the swap keeps the planned dose.

    Raises:
        ValueError: An item is not an equipment vocabulary word.
    """
    del history  # the swap keeps the planned dose; loads for the new exercise are chosen fresh
    cat = load_catalog()
    gone = sorted(set(items) - {"bodyweight"})
    unknown = [g for g in gone if g not in cat.vocabulary.equipment]
    if unknown:
        known = ", ".join(cat.vocabulary.equipment)
        raise ValueError(f"unknown equipment {unknown}; use: {known}")
    ids = [p.id for p in session.exercises]
    affected = needing(ids, gone)
    request = SessionRequest.model_validate(
        {
            **session.request.model_dump(),
            "equipment": [e for e in session.request.equipment if e not in gone],
            "exclude": [*session.request.exclude, *affected],
        }
    )
    words = " and ".join(g.replace("_", " ") for g in gone)
    if not affected:
        return session.model_copy(
            update={"request": request, "changes": [f"No {words} today: nothing here needs it."]}
        )
    changes = [f"No {words} today: only what needs it changes, the rest stays."]
    taken = set(ids)
    replaced: dict[str, Exercise | None] = {}
    for old_id in affected:
        options = substitutes(old_id, request, avoid=taken, limit=1)
        new = options[0] if options else None
        replaced[old_id] = new
        old_name = cat.get(old_id).name
        if new is None:
            changes.append(f"Dropped {old_name}: nothing else for it without the {words}.")
        else:
            taken.add(new.id)
            changes.append(f"{old_name} -> {new.name} (same movement, no {words} needed).")
    exercises = []
    for p in session.exercises:
        if p.id not in replaced:
            exercises.append(p)
            continue
        new = replaced[p.id]
        if new is None:
            continue
        exercises.append(
            p.model_copy(
                update={
                    "id": new.id,
                    "name": new.name,
                    "pattern": new.pattern,
                    "equipment": list(new.equipment),
                    "tags": list(new.tags),
                    "cues": list(new.cues[:2]),
                    "muscles": list(new.primary_muscles),
                    "secondary_muscles": list(new.secondary_muscles),
                    "per_side": new.unilateral,
                    "load": None,
                    "notes": [f"Instead of {p.name}: no {words} today."],
                }
            )
        )
    rename = {old: new.id for old, new in replaced.items() if new is not None}
    blocks = [
        b.model_copy(
            update={
                "exercise_ids": [
                    rename.get(i, i) for i in b.exercise_ids if i not in replaced or i in rename
                ]
            }
        )
        for b in session.blocks
    ]
    blocks = [b for b in blocks if b.exercise_ids]
    warmup = session.warmup.model_copy(
        update={
            "items": [
                i
                for i in session.warmup.items
                if i.id is None or not set(cat.get(i.id).equipment) & set(gone)
            ]
        }
    )
    return session.model_copy(
        update={
            "exercises": exercises,
            "blocks": blocks,
            "warmup": warmup,
            "hard_sets": hard_sets(exercises, prescriptions().secondary_set_weight),
            "request": request,
            "changes": changes,
        }
    )


def substitutes(
    exercise_id: str,
    request: SessionRequest,
    *,
    avoid: Iterable[str] = (),
    limit: int = 5,
    catalog: Catalog | None = None,
) -> list[Exercise]:
    """Exercises that can replace one: same pattern and main muscle, allowed and available.

    Falls back to the same pattern when nothing shares the main muscle. Ranked by how
    similar they are (muscles, mechanic, level), then by the equipment preference.
    """
    cat = catalog or load_catalog()
    original = cat.get(exercise_id)
    excluded = set(request.avoid_tags)
    for area in request.constraints:
        excluded.update(cat.vocabulary.constraint_tags[area])
    skip = {exercise_id, *avoid, *request.exclude, *request.dislikes}
    level = request.level_rank()
    pool = [
        e
        for e in cat.by_pattern(original.pattern)
        if e.id not in skip
        and e.level_rank <= level + 1
        and Catalog.available(e, request.equipment)
        and Catalog.allowed(e, excluded)
    ]
    same_muscle = [e for e in pool if e.main_muscle == original.main_muscle]
    ranked = sorted(same_muscle or pool, key=lambda e: (-_similarity(original, e), e.id))
    return ranked[:limit]


def easier_substitutes(
    exercise_id: str, request: SessionRequest, *, avoid: Iterable[str] = ()
) -> list[Exercise]:
    """Easier replacements, never a harder variant.

    The ladder's rungs below first, then same-pattern exercises of no higher level that
    are not on its ladder above.
    """
    cat = load_catalog()
    original = cat.get(exercise_id)
    excluded = set(request.avoid_tags)
    for area in request.constraints:
        excluded.update(cat.vocabulary.constraint_tags[area])
    skip = {exercise_id, *avoid, *request.exclude}
    rungs = [
        e
        for e in cat.ladder(exercise_id, "down")
        if e.id not in skip
        and Catalog.available(e, request.equipment)
        and Catalog.allowed(e, excluded)
    ]
    harder = {e.id for e in cat.ladder(exercise_id, "up")}
    others = [
        e
        for e in substitutes(exercise_id, request, avoid=skip, limit=len(cat))
        if e.id not in harder and e.level_rank <= original.level_rank
    ]
    return list(dict.fromkeys([*rungs, *others]))


def _similarity(original: Exercise, other: Exercise) -> float:
    order = prescriptions().equipment_preference
    best = min((order.index(e) for e in other.equipment if e in order), default=len(order))
    score = 10.0 * len(set(original.primary_muscles) & set(other.primary_muscles))
    score += 3.0 * len(set(original.secondary_muscles) & set(other.secondary_muscles))
    score += 5.0 if original.mechanic == other.mechanic else 0.0
    score += 2.0 if original.unilateral == other.unilateral else 0.0
    loaded = set(original.equipment) - {"bodyweight"}
    score += 6.0 if loaded & set(other.equipment) else 0.0
    score -= 3.0 * abs(original.level_rank - other.level_rank)
    return score + (len(order) - best) / 4


def swap_exercise(
    session: Session,
    exercise_id: str,
    reason: str | None = None,
    history: History | None = None,
) -> Session:
    """Replace one exercise with the closest allowed one of the same pattern and main muscle.

    A dislike is remembered in the request (avoided from now on); pain or missing
    equipment excludes the exercise from this plan.

    Raises:
        KeyError: The exercise is not in the session.
        LookupError: Nothing can replace it with this equipment and these constraints.
    """
    current = session.exercise(exercise_id)
    if current is None:
        names = ", ".join(p.name for p in session.exercises)
        raise KeyError(f"{exercise_id} is not in today's session (it has: {names})")
    in_session = [p.id for p in session.exercises]
    kind = classify_reason(reason)
    if kind == "too_hard":
        options = easier_substitutes(exercise_id, session.request, avoid=in_session)
    else:
        options = substitutes(exercise_id, session.request, avoid=in_session, limit=1)
    if not options:
        raise LookupError(
            f"nothing else of the same pattern fits today's equipment and constraints "
            f"to replace {current.name}"
        )
    new = options[0]
    update: dict[str, object] = {
        "prefer": [new.id, *[p for p in session.request.prefer if p != exercise_id]],
        "exclude": [*session.request.exclude, exercise_id],
    }
    if kind == "dislike":
        update["dislikes"] = [*session.request.dislikes, exercise_id]
    request = SessionRequest.model_validate({**session.request.model_dump(), **update})
    why = {
        "too_hard": "it was too hard; this is an easier variant",
        "dislike": "you would rather not do it",
        "pain": "it does not feel right today; stop anything that causes pain",
        "equipment": "the equipment is not available",
        "other": "you asked for something different",
    }[kind]
    first = [f"Swapped {current.name} for {new.name} (same movement and main muscle): {why}."]
    return _rebuild(session, request, history, first)


def adjust_difficulty(
    session: Session, direction: Literal["easier", "harder"], history: History | None = None
) -> Session:
    """One step easier or harder: a ladder rung where there is one, else sets and effort.

    Raises:
        ValueError: Already three steps in that direction.
    """
    step = 1 if direction == "harder" else -1
    level = session.request.difficulty + step
    if not -3 <= level <= 3:
        raise ValueError(f"already as {direction.removesuffix('er')} as this plan goes")
    request = session.request.model_copy(update={"difficulty": level})
    return _rebuild(session, request, history, [f"Made one step {direction}."])


def add_constraint(session: Session, area: str, history: History | None = None) -> Session:
    """Protect a joint area from now on: exercises loading it are replaced.

    Raises:
        ValueError: The area is not known.
    """
    cat = load_catalog()
    if area not in cat.vocabulary.constraint_tags:
        known = ", ".join(cat.vocabulary.constraint_tags)
        raise ValueError(f"unknown area {area!r}; known: {known}")
    request = session.request.model_copy(
        update={"constraints": sorted({*session.request.constraints, area})}
    )
    tags = describe_tags(cat.vocabulary.constraint_tags[area])
    first = [f"Protecting your {area.replace('_', ' ')}: no {tags}."]
    return _rebuild(session, request, history, first)


def set_readiness(
    session: Session, readiness: Readiness, history: History | None = None
) -> Session:
    """Rebuild for how the person feels now (energy, sleep, readings)."""
    request = session.request.model_copy(update={"readiness": readiness})
    first = [f"Adjusted for energy {readiness.energy}/5."]
    return _rebuild(session, request, history, first)


def deload(session: Session, history: History | None = None) -> Session:
    """Turn the session into a deload: fewer sets, lighter loads, more in reserve."""
    request = session.request.model_copy(update={"deload": True})
    return _rebuild(session, request, history, ["Deload session."])


def describe_changes(old: Session, new: Session) -> list[str]:
    """What differs between two sessions, in plain words, in a stable order."""
    out: list[str] = []
    old_by_id = {p.id: p for p in old.exercises}
    new_by_id = {p.id: p for p in new.exercises}
    removed = [p for p in old.exercises if p.id not in new_by_id]
    added = [p for p in new.exercises if p.id not in old_by_id]
    for gone in list(removed):
        match = next((a for a in added if a.pattern == gone.pattern), None)
        if match is not None:
            out.append(f"{gone.name} -> {match.name}.")
            removed.remove(gone)
            added.remove(match)
    out.extend(f"Dropped {p.name}." for p in removed)
    out.extend(f"Added {p.name}." for p in added)
    for p in new.exercises:
        before = old_by_id.get(p.id)
        if before is None:
            continue
        if before.sets != p.sets:
            out.append(f"{p.name}: {before.sets} -> {p.sets} set{'' if p.sets == 1 else 's'}.")
        if before.target_rir != p.target_rir and p.target_rir is not None:
            rir = p.target_rir
            out.append(f"{p.name}: finish with {rir} rep{'' if rir == 1 else 's'} in reserve.")
        if before.load is not None and p.load is not None and before.load.value != p.load.value:
            out.append(f"{p.name}: {fmt(before.load.value)} -> {p.load.text}.")
    old_formats = {b.format for b in old.blocks}
    for fmt_name, words in _FORMAT_WORDS.items():
        if any(b.format == fmt_name for b in new.blocks) and fmt_name not in old_formats:
            out.append(f"Now {words}.")
    if abs(old.est_minutes - new.est_minutes) >= 0.5:
        out.append(f"About {fmt(new.est_minutes)} minutes (was {fmt(old.est_minutes)}).")
    return out
