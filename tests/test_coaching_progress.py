"""The progress report: goal and measure, assessments with ratings, consistency, strength."""

from __future__ import annotations

from datetime import datetime, timedelta
from html.parser import HTMLParser

import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st

from agent.coaching import assessments, consultation, progress
from agent.memory import history, store
from tests.test_coaching_consultation import FORM_ANSWERS


def seed(db: sqlite_utils.Database, now: datetime) -> int:
    """A person with an agreed goal, two push-up tests and three weeks of goblet squats."""
    start = now - timedelta(weeks=6)
    user_id = store.ensure_user(db, "robin", start)
    consultation.save_form(db, user_id, FORM_ANSWERS, start)
    assessments.record(db, user_id, "pushup", 14, start)
    assessments.record(db, user_id, "pushup", 19, now - timedelta(days=1))
    for week, load in enumerate([16.0, 18.0, 20.0]):
        day = now - timedelta(weeks=3 - week)
        history.log_sets(
            db,
            user_id,
            exercise_id="goblet_squat",
            exercise_name="Goblet squat",
            sets=[history.SetInput(reps=8, load=load, unit="kg", rir=2)] * 3,
            now=day,
        )
    return user_id


def test_report_has_goal_tests_consistency_and_strength(
    db: sqlite_utils.Database, now: datetime
) -> None:
    report = progress.build(db, seed(db, now), now)
    assert report.goal is not None and report.goal.agreed
    assert report.goal.target_value == 20 and report.goal.latest == 19
    assert report.goal.share_done == 0.95
    [pushups] = report.tests
    assert [r.value for r in pushups.results] == [14, 19]
    assert pushups.change == 5 and pushups.direction == "better"
    assert pushups.results[1].rating.category == "very_good"  # female 40-49: 15-23
    assert report.consistency.total_workouts == 3
    [squat] = report.strength
    assert squat.metric == "e1rm_kg" and squat.trend == "up"
    assert [p.value for p in squat.chart.points] == sorted(p.value for p in squat.chart.points)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.external.append(value)


def test_html_is_self_contained(db: sqlite_utils.Database, now: datetime) -> None:
    page = progress.to_html(progress.build(db, seed(db, now), now))
    parsed = _Collector()
    parsed.feed(page)
    assert "script" not in parsed.tags and parsed.external == []
    assert parsed.tags.count("svg") == 3  # push-ups, days per week, goblet squat
    assert "very good" in page and "Goblet squat" in page and "95%" in page


def test_text_report_reads(db: sqlite_utils.Database, now: datetime) -> None:
    text = progress.to_text(progress.build(db, seed(db, now), now))
    assert "Push-up test (reps):" in text and "[+5, better]" in text


def test_an_empty_report_still_renders(db: sqlite_utils.Database, now: datetime) -> None:
    user_id = store.ensure_user(db, "new", now)
    report = progress.build(db, user_id, now)
    assert report.goal is None and report.tests == [] and report.strength == []
    assert "No goal agreed yet" in progress.to_html(report)


@given(st.lists(st.floats(-1000, 1000), min_size=1, max_size=30))
def test_chart_points_stay_inside_the_box(values: list[float]) -> None:
    points = [progress.Point(day=f"d{i}", value=v) for i, v in enumerate(values)]
    drawn = progress.chart("t", "u", points)
    for x, y, _ in drawn.dots:
        assert 0 <= x <= progress.CHART_WIDTH and 0 <= y <= progress.CHART_HEIGHT
