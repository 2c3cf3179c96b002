"""Ordinary coaching messages stay below stop; the red flags they resemble keep their tier.

Two sets, both through ``coach safety check``:

- ``tests/data/safety_plain/stability.txt``: 40 everyday messages (plans and
  cancellations with "tonight", "can't make it", a partner and I, visitors "coming
  round", "won't be around" a weekend, torn kit, leg-day jokes, "so I'll" typed "so ill")
  chosen by a helper who measured the screen's false alarms on plain chat. None is in any
  training file: they are held out, so a fix that memorised its own examples would not
  pass them.
- per class of false alarm, messages written for this test: the benign side must stay
  calm (none or caution) and the real red flag beside it must keep its tier, so a rule
  made narrower cannot quietly stop seeing the emergency it was written for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli.main import app
from safety import rules as rules_module

STABILITY = Path(__file__).parent / "data" / "safety_plain" / "stability.txt"

CALM = ("none", "caution")
EMERGENCY = ("emergency",)
STOP_OR_WORSE = ("stop", "emergency")

CLASSES: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "visitors 'coming round' are no recovery from a faint": [
        ("the grandkids are coming round at four so I'll train at lunch", CALM),
        ("my neighbour came round yesterday and we chatted all evening, missed the gym", CALM),
        ("Our friends are coming round on Friday, could we do Thursday instead?", CALM),
        ("he has come round to the idea of training with me", CALM),
        ("my friend fainted on the rower and is only just coming round", EMERGENCY),
        ("when I came round the instructor was holding my legs up", EMERGENCY),
        ("he collapsed during the match and took ages to come round", EMERGENCY),
    ],
    "'ain't' is no misspelt 'faint'": [
        ("i aint doin cardio today", CALM),
        ("she aint coming to spin this week", CALM),
        ("i feel faint after the sprints", STOP_OR_WORSE),
        ("i fainted at the gym this morning", EMERGENCY),
    ],
    "'won't be around' a time or a plan is being away": [
        ("I won't be around this Thursday, can we swap?", CALM),
        ("won't be around till Tuesday, visiting family", CALM),
        ("I will not be around for the next few days, work trip", CALM),
        ("I won't be around much longer, I've made up my mind", EMERGENCY),
        ("I won't be around to see the marathon, I've decided", EMERGENCY),
        ("I don't want to be around anymore", EMERGENCY),
    ],
    "'blacked out' days in a calendar is planning": [
        ("I've blacked out every Saturday in my diary for long runs", CALM),
        ("blacked out the mornings next week for training", CALM),
        ("I blacked out on the treadmill", EMERGENCY),
        ("blacked out for a second at the top of the squat", EMERGENCY),
    ],
    "torn kit is no torn muscle": [
        ("my lifting straps tore on the last deadlift, need new ones", CALM),
        ("my running tights split at the seam, so embarrassing", CALM),
        ("I felt something rip in my knee on the landing", STOP_OR_WORSE),
        ("heard a pop and my calf tore mid sprint", STOP_OR_WORSE),
    ],
    "a leg-day joke is no injury": [
        ("could barely walk down the stairs after leg day lol", CALM),
        ("couldn't walk after leg day, felt something tear behind my knee lol", STOP_OR_WORSE),
        ("I can't walk on my ankle since I rolled it", STOP_OR_WORSE),
    ],
}

CASES = [
    pytest.param(text, accepted, id=f"{name}: {text[:40]}")
    for name, group in CLASSES.items()
    for text, accepted in group
]

ILL_FROM_ILL = (
    "busy so ill train after work",
    "raining so ill do the bike indoors",
    "kids off school so ill just do a short one",
)
""""I'll" typed without its apostrophe after "so": no illness."""

REALLY_ILL = ("im so ill today, can we skip", "been ill all week with a bug")


def _screen(messages: list[str]) -> dict[str, dict[str, object]]:
    stdin = "".join(f"{text}\n" for text in messages)
    result = CliRunner().invoke(app, ["safety", "check", "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    return {str(row["text"]): row for row in rows}


def _stability_messages() -> list[str]:
    return [
        line.strip() for line in STABILITY.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.fixture(scope="module")
def screened() -> dict[str, dict[str, object]]:
    """Every message of this module through one ``coach safety check --json`` run."""
    messages = [*_stability_messages(), *ILL_FROM_ILL, *REALLY_ILL]
    messages += [text for group in CLASSES.values() for text, _ in group]
    return _screen(messages)


def test_the_stability_set_has_its_forty_messages() -> None:
    messages = _stability_messages()
    assert len(messages) == 40
    assert len(set(messages)) == 40


@pytest.mark.parametrize("text", _stability_messages())
def test_an_ordinary_message_stays_below_stop(
    screened: dict[str, dict[str, object]], text: str
) -> None:
    row = screened[text]
    assert row["tier"] in CALM, row


@pytest.mark.parametrize(("text", "accepted"), CASES)
def test_each_class_keeps_both_sides(
    screened: dict[str, dict[str, object]], text: str, accepted: tuple[str, ...]
) -> None:
    row = screened[text]
    assert row["tier"] in accepted, row


def _ids(row: dict[str, object]) -> set[str]:
    signals = row["signals"]
    assert isinstance(signals, list)
    return {str(signal["id"]) for signal in signals}


@pytest.mark.parametrize("text", ILL_FROM_ILL)
def test_so_ill_followed_by_a_plan_is_no_illness(
    screened: dict[str, dict[str, object]], text: str
) -> None:
    assert "CAU-ILLNESS" not in _ids(screened[text])


@pytest.mark.parametrize("text", REALLY_ILL)
def test_being_ill_is_still_an_illness(screened: dict[str, dict[str, object]], text: str) -> None:
    assert "CAU-ILLNESS" in _ids(screened[text])


def test_aint_is_never_corrected_to_faint() -> None:
    typos = rules_module.load().typos
    assert "aint" not in typos
    assert typos.get("fiant") == "faint"
