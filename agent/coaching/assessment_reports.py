"""A test result said in chat ("did the push-up test, 22"): a pure parser, no database.

The offline model's hook calls :func:`parse_report` and hands what it finds to the
``record_assessment`` tool, which stores, rates and compares it like a guided result.
How people name each test is data (``data/assessment_words.yaml``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from agent.datafiles import parse_yaml
from agent.regexes import cached_compile

DATA_DIR = Path(__file__).parent / "data"
LB_PER_KG = 2.20462


class Reported(BaseModel):
    """A result read from a chat message."""

    test_id: str
    value: float | None = None
    minutes: float | None = None
    heart_rate: float | None = None
    weight_kg: float | None = None


@lru_cache(maxsize=1)
def _report_words() -> dict[str, list[re.Pattern[str]]]:
    raw = parse_yaml((DATA_DIR / "assessment_words.yaml").read_text(encoding="utf-8"))
    return {str(k): [cached_compile(p, re.IGNORECASE) for p in v] for k, v in raw["tests"].items()}


_TIME = cached_compile(r"\b(\d{1,2}):([0-5]\d)\b")
_NUM = cached_compile(r"(?<![\d:])(\d+(?:\.\d+)?)(?![\d:])")


def _seconds(text: str) -> float | None:
    clock = _TIME.search(text)
    if clock:
        return int(clock.group(1)) * 60 + int(clock.group(2))
    minutes = re.search(r"(\d+(?:\.\d+)?)\s*(?:min|minutes?|m)\b", text, re.I)
    seconds = re.search(r"(\d+)\s*(?:s|sec|secs|seconds?)\b", text, re.I)
    if minutes or seconds:
        return (float(minutes.group(1)) * 60 if minutes else 0) + (
            float(seconds.group(1)) if seconds else 0
        )
    return None


def parse_report(text: str) -> Reported | None:
    """A test result said in chat ("did the push-up test, 22"), or None.

    Pure. A test must be named the way a test is named (push-ups count only with "test",
    "max" or "as many as", so "did 22 push-ups" in a workout stays a logged set).
    """
    low = " ".join(text.lower().split())
    for test_id, patterns in _report_words().items():
        if not any(p.search(low) for p in patterns):
            continue
        if test_id == "rockport_walk":
            return _rockport(low)
        if test_id == "plank":
            seconds = _seconds(low)
            return Reported(test_id=test_id, value=seconds) if seconds else None
        numbers = [float(n) for n in _NUM.findall(low)]
        numbers = [
            n for n in numbers if not (test_id in {"step_test", "resting_hr"} and n in {3.0})
        ]
        if not numbers:
            return None
        value = (
            numbers[-1]
            if test_id in {"chair_stand", "arm_curl"} and len(numbers) > 1 and numbers[0] == 30
            else numbers[0]
        )
        if test_id == "waist" and re.search(r"\b(?:in|inch|inches)\b", low):
            value = round(value * 2.54, 1)
        return Reported(test_id=test_id, value=value)
    return None


def _rockport(low: str) -> Reported:
    minutes = None
    clock = _TIME.search(low)
    if clock:
        minutes = int(clock.group(1)) + int(clock.group(2)) / 60
    else:
        found = re.search(r"(\d+(?:\.\d+)?)\s*(?:min|minutes?)\b", low)
        minutes = float(found.group(1)) if found else None
    hr = re.search(r"(?:heart rate|hr|pulse|bpm)\D{0,12}(\d{2,3})|(\d{2,3})\s*bpm", low)
    weight = re.search(r"(\d{2,3}(?:\.\d+)?)\s*(kg|kilos?|lbs?|pounds)\b", low)
    weight_kg = None
    if weight:
        weight_kg = float(weight.group(1))
        if weight.group(2).startswith(("lb", "pound")):
            weight_kg = round(weight_kg / LB_PER_KG, 1)
    heart = float(hr.group(1) or hr.group(2)) if hr else None
    return Reported(
        test_id="rockport_walk",
        minutes=round(minutes, 2) if minutes else None,
        heart_rate=heart,
        weight_kg=weight_kg,
    )
