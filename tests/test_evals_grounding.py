"""What the grounding check counts as a figure about the person's own data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evals.grounding import claims_in, numbers_in


def test_figures_with_training_units_are_claims() -> None:
    text = "You lifted 2,400 kg over 3 sessions; best 22,5 kg, 8 reps, a 5-day streak."
    assert claims_in(text) == ["2400", "3", "22.5", "8", "5"]


def test_dates_are_claims_and_advice_without_units_is_not() -> None:
    assert claims_in("Your last workout was on 2026-11-13.") == ["2026-11-13"]
    assert claims_in("Rest 90 seconds, then call 911 if it returns.") == []


def test_quoted_examples_are_not_claims() -> None:
    assert claims_in('Say "3x8 goblet squats at 20 kg" and I will log it.') == []


@given(st.integers(0, 10_000), st.sampled_from(["kg", "lb", "reps", "sets", "sessions"]))
def test_any_stated_figure_is_found_in_a_source_that_holds_it(value: int, unit: str) -> None:
    (claim,) = claims_in(f"You did {value} {unit} last week.")
    assert claim in numbers_in({"value": value})
