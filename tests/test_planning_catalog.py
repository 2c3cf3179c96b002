"""The exercise catalog is valid data, and names and equipment resolve as people say them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.planning import catalog as catalog_module
from agent.planning.catalog import (
    Catalog,
    constraint_tags,
    describe_tags,
    equipment_profile,
    load_catalog,
    normalize_area,
    normalize_equipment,
    parse_equipment,
    resolve_exercise,
)

CATALOG = load_catalog()
VOCAB = CATALOG.vocabulary
STRENGTH_PATTERNS = (
    "squat",
    "hinge",
    "lunge",
    "horizontal_push",
    "vertical_push",
    "horizontal_pull",
    "vertical_pull",
)


def test_at_least_150_exercises_with_unique_ids_and_names() -> None:
    assert len(CATALOG) >= 150
    ids = [e.id for e in CATALOG.exercises]
    assert len(ids) == len(set(ids))
    names = [CATALOG.normalize_name(e.name) for e in CATALOG.exercises]
    assert len(names) == len(set(names))


def test_every_referenced_id_exists() -> None:
    for exercise in CATALOG.exercises:
        for ref in (exercise.regression, exercise.progression):
            assert ref is None or ref in CATALOG, f"{exercise.id} -> {ref}"
            assert ref != exercise.id


@pytest.mark.parametrize("direction", ["progression", "regression"])
def test_ladders_have_no_cycles(direction: str) -> None:
    for start in CATALOG.exercises:
        seen = {start.id}
        current = getattr(start, direction)
        while current is not None:
            assert current not in seen, f"cycle through {current} starting at {start.id}"
            seen.add(current)
            current = getattr(CATALOG.get(current), direction)


def _cell(pattern: str, profile: str) -> list[str]:
    have = set(VOCAB.profiles[profile])
    return [e.id for e in CATALOG.by_pattern(pattern) if Catalog.available(e, have)]


@pytest.mark.parametrize("profile", list(VOCAB.profiles))
@pytest.mark.parametrize("pattern", list(VOCAB.patterns))
def test_every_pattern_and_profile_cell_has_two_exercises(pattern: str, profile: str) -> None:
    assert len(_cell(pattern, profile)) >= 2, (pattern, profile)


@pytest.mark.parametrize("profile", ["bands", "dumbbells", "kettlebell", "barbell", "machines"])
@pytest.mark.parametrize("pattern", STRENGTH_PATTERNS)
def test_loaded_profiles_cover_strength_patterns_with_their_own_equipment(
    pattern: str, profile: str
) -> None:
    # Stricter than availability: the profile's own kit, not just bodyweight fallbacks.
    # Kettlebell and barbell users have few true vertical pulls; one is enough there.
    own = set(VOCAB.profiles[profile]) - {"bodyweight", "bench"}
    found = [
        e.id
        for e in CATALOG.by_pattern(pattern)
        if own & set(e.equipment) and Catalog.available(e, VOCAB.profiles[profile])
    ]
    needed = (
        1
        if (profile, pattern) in {("kettlebell", "vertical_pull"), ("barbell", "vertical_pull")}
        else 2
    )
    assert len(found) >= needed, (pattern, profile, found)


@pytest.mark.parametrize("pattern", list(VOCAB.patterns))
def test_bodyweight_alone_covers_every_pattern(pattern: str) -> None:
    found = [e.id for e in CATALOG.by_pattern(pattern) if e.is_bodyweight]
    assert len(found) >= 2, pattern


def test_every_alias_is_unique_across_the_catalog() -> None:
    owner: dict[str, str] = {}
    for exercise in CATALOG.exercises:
        for label in (exercise.name, *exercise.aliases):
            key = CATALOG.normalize_name(label)
            assert owner.setdefault(key, exercise.id) == exercise.id, (
                f"{label!r} names both {owner[key]} and {exercise.id}"
            )


def test_fields_use_the_shared_vocabulary() -> None:
    for e in CATALOG.exercises:
        assert set(e.primary_muscles) <= set(VOCAB.muscles), e.id
        assert set(e.secondary_muscles) <= set(VOCAB.muscles), e.id
        assert not set(e.primary_muscles) & set(e.secondary_muscles), e.id
        assert set(e.equipment) <= set(VOCAB.equipment), e.id
        assert set(e.tags) <= set(VOCAB.tags), e.id
        assert 2 <= len(e.cues) <= 3, e.id
        assert all(c and len(c) <= 120 for c in e.cues), e.id
        assert e.sec_per_rep > 0
        if e.unit == "seconds":
            assert e.seconds is not None and 0 < e.seconds[0] <= e.seconds[1], e.id


def test_tags_areas_and_labels_are_consistent() -> None:
    for area, tags in VOCAB.constraint_tags.items():
        assert set(tags) <= set(VOCAB.tags), area
    assert set(VOCAB.tag_labels) == set(VOCAB.tags)
    assert set(VOCAB.area_synonyms.values()) <= set(VOCAB.constraint_tags)
    for profile, items in VOCAB.profiles.items():
        assert set(items) <= set(VOCAB.equipment), profile
        assert "bodyweight" in items


def test_every_bodyweight_strength_pattern_has_a_tag_free_option() -> None:
    # Whatever the constraints, a bodyweight lower-body lift, push and pull stay possible.
    for group in (("squat", "hinge", "lunge"), ("horizontal_push",), ("horizontal_pull",)):
        options = [
            e.id
            for p in group
            for e in CATALOG.by_pattern(p)
            if e.is_bodyweight and not e.tags and e.level == "beginner" and e.mechanic == "compound"
        ]
        assert options, group


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("db row", "db_row"),
        ("goblet squats", "goblet_squat"),
        ("pushups", "push_up"),
        ("push-ups", "push_up"),
        ("Pull Ups", "pull_up"),
        ("RDL", "barbell_rdl"),
        ("kb swings", "kb_swing"),
        ("farmers walk", "farmer_carry"),
        ("goblit squat", "goblet_squat"),
        ("plank hold", "plank"),
        ("bench pres", "barbell_bench_press"),
        ("knee pushups", "knee_push_up"),
        ("db_row", "db_row"),
    ],
)
def test_names_resolve_confidently(typed: str, expected: str) -> None:
    result = resolve_exercise(typed)
    assert result.confident
    assert result.exercise_id == expected
    assert result.matches[0].id == expected


@pytest.mark.parametrize("typed", ["row", "xyz blah", "", "squats with dumbbells"])
def test_vague_or_unknown_names_are_not_guessed(typed: str) -> None:
    result = resolve_exercise(typed)
    assert not result.confident
    assert result.exercise_id is None


def test_ambiguous_names_offer_candidates() -> None:
    result = resolve_exercise("row")
    assert len(result.matches) >= 2
    assert all(
        CATALOG.get(m.id).pattern in {"horizontal_pull", "mobility", "conditioning"}
        for m in result.matches
    )


@pytest.mark.parametrize(
    ("said", "words"),
    [
        ("DBs", ["dumbbells"]),
        ("a pair of dumbbells", ["dumbbells"]),
        ("resistance band", ["bands"]),
        ("nothing", ["bodyweight"]),
        ("pull-up bar", ["pullup_bar"]),
        ("kettlebells", ["kettlebell"]),
        ("a kettlebell", ["kettlebell"]),
        ("squat rack", ["rack"]),
        ("cable machine", ["cables"]),
        ("exercise bike", ["bike"]),
        ("machines", ["machines"]),
        ("laser sword", []),
    ],
)
def test_equipment_phrases_normalise(said: str, words: list[str]) -> None:
    assert normalize_equipment(said) == words


def test_gym_and_profiles_expand() -> None:
    assert set(normalize_equipment("gym")) == set(VOCAB.profiles["full_gym"])
    assert equipment_profile("dumbbells") == ["bodyweight", "dumbbells", "bench"]
    with pytest.raises(KeyError):
        equipment_profile("spaceship")


def test_parse_equipment_sorts_adds_bodyweight_and_rejects_unknown() -> None:
    assert parse_equipment(["DBs", "a bench"]) == ["bench", "bodyweight", "dumbbells"]
    with pytest.raises(ValueError, match="laser"):
        parse_equipment(["dumbbells", "laser"])


def test_areas_and_their_tags() -> None:
    assert normalize_area("Knees") == "knee"
    assert normalize_area("lower back") == "lower_back"
    assert normalize_area("tennis elbow") == "elbow"
    assert normalize_area("left pinky toe") is None
    assert constraint_tags(["knee"]) == ["deep_knee_flexion", "impact"]
    assert constraint_tags(["shoulder", "wrist"]) == [
        "end_range_shoulder",
        "overhead",
        "wrist_extension",
    ]
    with pytest.raises(ValueError):
        constraint_tags(["spleen"])
    assert describe_tags(["impact"]) == "jumping and impact"


def test_ladders_walk_in_both_directions() -> None:
    up = [e.id for e in CATALOG.ladder("wall_push_up", "up")]
    assert up[:6] == [
        "incline_push_up_high",
        "incline_push_up_low",
        "knee_push_up",
        "negative_push_up",
        "push_up",
        "decline_push_up",
    ]
    assert next(e.id for e in CATALOG.ladder("push_up", "down")) == "negative_push_up"


def test_loading_is_cached() -> None:
    assert load_catalog() is CATALOG


def test_each_name_key_is_the_name_normalised() -> None:
    catalog = load_catalog()
    assert all(catalog.name_key(e.id) == catalog.normalize_name(e.name) for e in catalog.exercises)


@given(st.text(alphabet="abcdeglopqrstuw -", max_size=20))
def test_a_kept_ranking_resolves_as_a_fresh_catalog_does(text: str) -> None:
    fresh = Catalog(CATALOG.exercises, CATALOG.vocabulary)
    first = CATALOG.resolve(text)
    assert CATALOG.resolve(text) == first == fresh.resolve(text)


def test_kept_rankings_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_module, "RANKINGS_KEPT", 2)
    fresh = Catalog(CATALOG.exercises, CATALOG.vocabulary)
    for text in ("squat", "goblet squat", "pushup", "db row"):
        fresh.resolve(text)
    assert len(fresh._ranked_by_key) <= 2
    assert fresh.resolve("goblet squats") == CATALOG.resolve("goblet squats")
