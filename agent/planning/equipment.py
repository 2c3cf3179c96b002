"""Equipment as it really is: places as kits, temporary locations, load caps.

- A place stands for a kit (``data/places.yaml``): "a commercial gym" is a full gym, "the
  hotel gym" is light dumbbells, a bench and cardio machines, "my garage" is whatever the
  person says is in it (the kit is asked for, never guessed).
- A temporary location (a hotel for three nights) applies to its days and then expires,
  leaving the usual kit untouched.
- A load cap ("dumbbells only go to 20 kg") limits suggested loads; the planner keeps
  the work hard under the cap with reps first and then a harder variant.

Pure: dates are inputs; nothing here reads a clock or a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agent.datafiles import parse_yaml
from agent.planning.catalog import Exercise, load_catalog

KG_PER_LB = 0.45359237


class Place(BaseModel):
    """One kind of place and its usual kit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: str
    phrases: tuple[str, ...]
    equipment: tuple[str, ...] = ()
    load_caps: dict[str, float] = Field(default_factory=dict)
    ask: bool = False


@cache
def _raw() -> Any:
    text = resources.files("agent.planning").joinpath("data", "places.yaml").read_text("utf-8")
    return parse_yaml(text)


@cache
def places() -> dict[str, Place]:
    """The packaged places, by id (cached)."""
    raw = _raw()
    vocab = load_catalog().vocabulary.equipment
    out: dict[str, Place] = {}
    for place_id, body in raw["places"].items():
        place = Place.model_validate({"id": place_id, **body})
        unknown = [e for e in (*place.equipment, *place.load_caps) if e not in vocab]
        if unknown:
            raise ValueError(f"place {place_id}: unknown equipment {unknown}")
        out[place_id] = place
    return out


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))) + " "


def find_place(text: str) -> Place | None:
    """The place a phrase names, or None; the longest phrase wins ("hotel gym" over "gym")."""
    padded = _words(text)
    best: tuple[int, str] | None = None
    for place in places().values():
        for phrase in place.phrases:
            if _words(phrase) in padded and (best is None or len(phrase) > best[0]):
                best = (len(phrase), place.id)
    return None if best is None else places()[best[1]]


def place_with_access(text: str) -> Place | None:
    """The place a message says the person trains at, or None.

    A feeling about a place ("I'm nervous about the gym") is not access to it: with a
    feeling word and no access phrase ("I go to", "joined", "member"), nothing is saved.
    """
    place = find_place(text)
    if place is None:
        return None
    padded = _words(text)
    raw = _raw()
    feeling = any(_words(w) in padded for w in raw["feeling_words"])
    access = any(_words(w) in padded for w in raw["access_words"])
    if feeling and not access:
        return None
    return place


class Kit(BaseModel):
    """Equipment on a day, with the caps that apply and where it came from."""

    model_config = ConfigDict(frozen=True)

    equipment: list[str] = Field(description="Equipment vocabulary words (bodyweight included).")
    load_caps: dict[str, float] = Field(default_factory=dict, description="Heaviest kg per item.")
    place: str | None = Field(default=None, description="A temporary place in use, if any.")
    until: date | None = Field(default=None, description="Last day of that temporary place.")


class TemporaryKit(BaseModel):
    """A kit for some days only (a hotel stay, a trip): it expires after ``ends_on``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    place: str = Field(description="What the person called it, e.g. 'the hotel gym'.")
    equipment: list[str] = Field(description="Equipment there.")
    load_caps: dict[str, float] = Field(default_factory=dict, description="Heaviest kg per item.")
    starts_on: date = Field(description="First day.")
    ends_on: date = Field(description="Last day (inclusive).")

    @field_validator("equipment")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        vocab = load_catalog().vocabulary.equipment
        unknown = [v for v in value if v not in vocab]
        if unknown:
            raise ValueError(f"unknown equipment {unknown}; use: {', '.join(vocab)}")
        return sorted({*value, "bodyweight"})

    @model_validator(mode="after")
    def _ordered(self) -> TemporaryKit:
        if self.ends_on < self.starts_on:
            raise ValueError("a temporary place must end on or after the day it starts")
        return self

    def applies(self, day: date) -> bool:
        """True on the days it covers."""
        return self.starts_on <= day <= self.ends_on


def kit_for_place(place: Place) -> Kit:
    """The usual kit of a place.

    Raises:
        LookupError: The place's kit varies ("my garage"): ask what is there.
    """
    if place.ask:
        raise LookupError(f"{place.label}: ask what equipment is there")
    return Kit(equipment=sorted({*place.equipment, "bodyweight"}), load_caps=dict(place.load_caps))


def kit_on(
    day: date,
    equipment: Iterable[str],
    load_caps: Mapping[str, float] | None = None,
    temporary: Sequence[TemporaryKit] = (),
) -> Kit:
    """The kit for ``day``: the latest-starting temporary kit covering it, else the usual one.

    An expired temporary kit changes nothing, so the usual kit comes back by itself.
    """
    current = [t for t in temporary if t.applies(day)]
    if current:
        chosen = max(current, key=lambda t: (t.starts_on, t.ends_on, t.place))
        return Kit(
            equipment=list(chosen.equipment),
            load_caps=dict(chosen.load_caps),
            place=chosen.place,
            until=chosen.ends_on,
        )
    return Kit(equipment=sorted({*equipment, "bodyweight"}), load_caps=dict(load_caps or {}))


def cap_for(
    exercise: Exercise, load_caps: Mapping[str, float], unit: Literal["kg", "lb"]
) -> float | None:
    """The heaviest load (in ``unit``) the caps allow for this exercise, or None."""
    caps = [load_caps[e] for e in exercise.equipment if e in load_caps]
    if not caps:
        return None
    kg = min(caps)
    return kg if unit == "kg" else round(kg / KG_PER_LB, 1)


def harder_variants(exercise_id: str) -> tuple[str, ...]:
    """Same-kit variants that stay hard when the load is capped, in order of preference."""
    table: dict[str, list[str]] = _raw()["harder_under_cap"]
    return tuple(table.get(exercise_id, ()))


def needing(exercise_ids: Iterable[str], items: Iterable[str]) -> list[str]:
    """The exercises (ids, in order) that need any of ``items``."""
    cat = load_catalog()
    gone = set(items)
    return [i for i in exercise_ids if gone & set(cat.get(i).equipment)]
