"""What people say about their situation, turned into the calls an LLM would make.

The facts come from :mod:`agent.planning.statements` (age, pregnancy, a recent birth,
conditions, a sport, weeks off, an item taken, a dumbbell cap, a place). This module
decides what each one means for the conversation (``data/situation.yaml``):

- a standing fact said outright is saved with ``update_profile``;
- a fact named inside a question ("can I squat with knee arthritis?"), a sport said only
  in passing, or a bare "due in March" is asked about first, in one question that a
  "yes" reads back (the model keeps no state between calls);
- an item taken ("someone's on the rack") changes today only: ``equipment_unavailable``;
- a place for some days ("hotel gym this week") is a ``temporary_place`` that expires; a
  place said as where they train ("I train at a commercial gym", "my garage: a
  kettlebell and a bench") is their kit; a feeling about a place changes nothing;
- a trainer's invite code links them with ``accept_trainer_invite``.

Pure: text, units and today in, a :class:`Reading` out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any

from agent.datafiles import parse_yaml
from agent.models.offline import slots as slot_parsers
from agent.models.offline.slots import DATA_DIR
from agent.planning.equipment import find_place, kit_for_place, place_with_access, places
from agent.planning.statements import Stated, read_statements
from agent.regexes import cached_compile

_MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = parse_yaml((DATA_DIR / "situation.yaml").read_text(encoding="utf-8"))
    return data


def _padded(text: str) -> str:
    words = re.sub(r"[^a-z0-9']+", " ", text.lower().replace("’", "'"))
    return " " + " ".join(words.split()) + " "


def _has_any(text: str, key: str) -> bool:
    padded = _padded(text)
    return any(_padded(str(w)) in padded for w in _data()[key])


@cache
def _session_request() -> tuple[re.Pattern[str], ...]:
    return tuple(cached_compile(p) for p in _data()["session_request"])


def asks_for_session(text: str) -> bool:
    """Whether the message also asks for a session ("I'm 71, what should I do today?")."""
    lowered = slot_parsers.normalize(text)
    return any(p.search(lowered) for p in _session_request())


_SENTENCE = cached_compile(r"(?<=[.!?;])\s+|\n+|\s+(?:but|and)\s+(?=(?:can|could|should|is|do)\b)")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def _is_question(sentence: str) -> bool:
    words = _padded(sentence).split()
    return sentence.rstrip().endswith("?") or bool(
        words and words[0] in set(_data()["question_starts"])
    )


@dataclass(frozen=True)
class Stay:
    """A place for some days only: saved as a kit that expires."""

    place: str
    days: int
    equipment: list[str] | None
    max_dumbbell_kg: float | None


@dataclass(frozen=True)
class Reading:
    """What a message says about the person's situation, sorted by what to do with it."""

    save: dict[str, Any] = field(default_factory=dict)
    """``update_profile`` arguments the person stated as true of them now."""
    confirm: dict[str, Any] = field(default_factory=dict)
    """Facts named in passing or in a question: asked about before anything is saved."""
    unavailable: list[str] = field(default_factory=list)
    """Items unavailable right now (today's session only)."""
    stay: Stay | None = None
    kit: list[str] | None = None
    """The kit of a place the person says they train at (their standing equipment)."""
    ask_kit: str | None = None
    """A place whose kit cannot be guessed ("my garage") and was not described."""
    place_feeling: bool = False
    """A place named only with a feeling ("nervous about the gym"): it is no kit."""
    invite: str | None = None

    @property
    def facts(self) -> bool:
        """Whether anything about the person's situation was read."""
        return bool(
            self.save
            or self.confirm
            or self.unavailable
            or self.stay
            or self.kit is not None
            or self.ask_kit
        )


@cache
def _place_names() -> re.Pattern[str]:
    # Longest first; ties alphabetical, so the text (and its kept compiled form,
    # ``agent.regexes``) is the same in every process.
    phrases = sorted(
        {p for place in places().values() for p in place.phrases}, key=lambda p: (-len(p), p)
    )
    alternatives = "|".join(re.escape(p) for p in phrases)
    return cached_compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def said_equipment(text: str) -> list[str]:
    """Equipment named in ``text`` apart from what a place's name stands for.

    "hotel gym: treadmill and light dumbbells" -> treadmill, dumbbells; "nervous about
    the gym" -> nothing (the gym is not a kit there).
    """
    stripped = _place_names().sub(" ", text.lower())
    return list(slot_parsers.find_equipment(stripped).available)


def _with_bodyweight(items: list[str]) -> list[str]:
    word = str(slot_parsers.lexicon()["bodyweight_word"])
    return items if word in items else [*items, word]


def _stay_days(period: str | None, today: date) -> int:
    from agent.models.offline.policy import schedule_end

    return (schedule_end(period, today) - today).days + 1


def _negated_place(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether the place is said as where they will not be ("I won't be home")."""
    padded = _padded(text)
    negations = [_padded(str(n)).strip() for n in _data()["place_negations"]]
    for phrase in phrases:
        at = padded.find(f" {phrase} ")
        if at < 0:
            continue
        before = padded[:at].split()[-4:]
        joined = " " + " ".join(before) + " "
        if any(f" {n} " in joined for n in negations):
            return True
    return False


_ASKED = cached_compile(
    r"^\W*(?:can|could|should|shall|may|might|would|will|is|are|am|do|does|did|what|how|why|"
    r"when|where|which)\b"
)


def _place(
    text: str, stated: Stated, today: date
) -> tuple[Stay | None, list[str] | None, str | None]:
    """A stay, a standing kit, or a place whose kit must be asked about (or none)."""
    place = stated.place
    if place is None or _negated_place(text, place.phrases):
        return None, None, None
    if _has_any(text, "future_markers"):
        return None, None, None  # "from Tuesday I'm at a hotel": said ahead, not today
    period = slot_parsers.find_period(text)
    items = said_equipment(text)
    away = place.id in _data()["away_places"] or _has_any(text, "away_words")
    # "can I go to the gym with a cold?" asks; only a statement says where they train.
    standing = _has_any(text, "standing_place") and not _ASKED.match(text.lower())
    # A stay starts now ("this week", "for 3 days", "till Friday"); "next week" is a plan.
    days = period is not None and period not in ("today", "next_week")
    if days and (away or not standing):
        cap = stated.dumbbell_cap_kg
        if cap is None and "dumbbells" in items:
            cap = kit_for_place(place).load_caps.get("dumbbells")
        if not items and place.ask:
            return None, None, place.label
        stay = Stay(
            place=place.label,
            days=_stay_days(period, today),
            equipment=_with_bodyweight(items) if items else None,
            max_dumbbell_kg=cap,
        )
        return stay, None, None
    if away or not standing or period == "next_week":
        return None, None, None  # today's kit: the session is planned with it as usual
    if items:
        return None, _with_bodyweight(items), None
    if place.ask:
        return None, None, place.label
    return None, list(kit_for_place(place).equipment), None


def _sorted_facts(
    text: str, units: str, today: date
) -> tuple[Stated, dict[str, Any], dict[str, Any]]:
    """The whole message's facts, and which are stated outright and which only asked."""
    stated = read_statements(text, units=units)
    save: dict[str, Any] = {}
    confirm: dict[str, Any] = {}
    for sentence in _sentences(text) or [text]:
        one = read_statements(sentence, units=units)
        found = one.profile_arguments(today)
        if _has_any(sentence, "future_markers") or _has_any(sentence, "layoff_over"):
            # "I'll be off two weeks": a plan; "went straight back after": a story.
            found.pop("weeks_off", None)
        if "sport" in found and not _has_any(sentence, "sport_identity"):
            found.pop("sport")  # "did a 10k yesterday": a remark, not who they are
        if one.due_unsure and _padded(sentence).split()[:1] == ["due"]:
            due = one.due_date(today)
            confirm["due_date"] = due.isoformat() if due else None
        target = confirm if _is_question(sentence) else save
        for key, value in found.items():
            if key == "conditions" and key in target:
                target[key] = sorted({*target[key], *value})
            target.setdefault(key, value)
    if stated.age is not None and "age" not in save and "age" not in confirm:
        save["age"] = stated.age  # "72, knee arthritis": read over the whole message
    for key in save:
        confirm.pop(key, None)
    return stated, save, {k: v for k, v in confirm.items() if v is not None}


def invite_code(text: str) -> str | None:
    """A trainer's invite code in the message, lower-cased."""
    found = re.search(str(_data()["invite"]), text.lower())
    return found.group(1) if found else None


@lru_cache(maxsize=256)
def read(
    text: str, units: str = "kg", today: date | None = None, *, confirmed: bool = False
) -> Reading:
    """Sort what ``text`` says about the person (``units`` for a cap said without one).

    ``confirmed``: ``text`` is the coach's question the person said yes to, so what it
    asks about is stated.
    """
    day = today or date.today()
    invite = invite_code(text)
    if invite is not None:
        return Reading(invite=invite)
    stated, save, confirm = _sorted_facts(text, units, day)
    if confirmed:
        save, confirm = {**confirm, **save}, {}
    stay, kit, ask_kit = _place(text, stated, day)
    if stay is not None:
        save.pop("max_dumbbell_kg", None)  # the hotel's dumbbells, not theirs
    unavailable = list(stated.unavailable)
    if set(said_equipment(text)) - set(unavailable):
        # "the bench is taken, I only have dumbbells today": today's whole kit is said.
        unavailable = []
    mentioned = find_place(text)
    feeling = mentioned is not None and place_with_access(text) is None and not stated.unavailable
    return Reading(
        save=save,
        confirm=confirm,
        unavailable=unavailable,
        stay=stay,
        kit=kit,
        ask_kit=ask_kit,
        place_feeling=feeling,
    )


def education_key(text: str, reading: Reading) -> str | None:
    """The curated education answer a question about an ache with a condition asks for."""
    asked = any(_is_question(s) for s in _sentences(text) or [text])
    if not asked or not _has_any(text, "ache_words"):
        return None
    named = [*reading.save.get("conditions", []), *reading.confirm.get("conditions", [])]
    keys: dict[str, str] = _data()["education_for"]
    return next((keys[c] for c in named if c in keys), None)


def confirm_question(confirm: dict[str, Any]) -> str:
    """One question asking to save ``confirm``, worded so a "yes" reads it back."""
    phrases: dict[str, str] = _data()["confirm_phrases"]
    parts: list[str] = []
    for key, value in confirm.items():
        if key == "conditions":
            names = [str(_data()["conditions_phrases"].get(c, c)) for c in value]
            parts.append("that " + " and ".join(names))
        elif key == "sport":
            parts.append(phrases[key].format(value=_data()["sport_words"].get(value, value)))
        elif key == "due_date":
            month = _MONTH_NAMES[date.fromisoformat(str(value)).month - 1]
            parts.append(phrases[key].format(value=month))
        elif key in phrases:
            shown = int(value) if isinstance(value, float) and value.is_integer() else value
            parts.append(phrases[key].format(value=shown))
    if not parts:
        return ""
    return (
        f"Shall I save {' and '.join(parts)}, and plan around it from now on? "
        "Say yes and I'll update your profile; otherwise I'll leave it."
    )
