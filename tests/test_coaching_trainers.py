"""Consent links, check-in proposals and decisions, statuses and programs: service level."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
import sqlite_utils

from agent.coaching import adjustments, plan, programs
from agent.coaching import compliance as comp
from agent.coaching import trainers as service
from agent.coaching.client_records import NoRecordsYet
from agent.coaching.client_view import client_view
from agent.errors import UserInputError
from agent.memory import checkins, history, store
from agent.memory import trainers as trainer_store
from agent.memory.checkins import ProposedChange
from agent.memory.trainers import EffortCounts, MissedSession, TrainerError
from tests.trainer_factories import make_client, make_trainer, skip, train


def _audit(db: sqlite_utils.Database, action: str) -> list[dict[str, object]]:
    rows = db.execute(
        "SELECT actor, subject, detail FROM audit_log WHERE action = ? ORDER BY id", [action]
    ).fetchall()
    return [{"actor": r[0], "subject": r[1], "detail": json.loads(r[2])} for r in rows]


# -- consent -----------------------------------------------------------------------------
def test_an_invite_links_the_client_only_once_they_accept(
    db: sqlite_utils.Database, now: datetime
) -> None:
    trainer_id = make_trainer(db, now)
    user_id = store.ensure_user(db, "ann", now)
    code = service.create_invite(db, "sam", now)
    assert trainer_store.clients(db, trainer_id) == []
    with pytest.raises(service.NotYourClient):
        service.require_client(db, trainer_id, user_id)
    assert service.accept_invite(db, user_id, code.upper(), now) == "sam"
    assert [c.name for c in trainer_store.clients(db, trainer_id)] == ["ann"]
    assert service.require_client(db, trainer_id, user_id) == "ann"
    assert _audit(db, "trainer.link_accepted")[0]["subject"] == f"user:{user_id}"


def test_an_invite_works_once_and_expires(db: sqlite_utils.Database, now: datetime) -> None:
    make_trainer(db, now)
    ann = store.ensure_user(db, "ann", now)
    bo = store.ensure_user(db, "bo", now)
    code = service.create_invite(db, "sam", now)
    service.accept_invite(db, ann, code, now)
    with pytest.raises(TrainerError, match="not valid"):
        service.accept_invite(db, bo, code, now)
    old = service.create_invite(db, "sam", now)
    with pytest.raises(TrainerError, match="expired"):
        service.accept_invite(db, bo, old, now + service.INVITE_TTL + timedelta(seconds=1))
    with pytest.raises(TrainerError, match="not valid"):
        service.accept_invite(db, bo, "tr-0000000000", now)


def test_a_client_has_one_trainer_at_a_time(db: sqlite_utils.Database, now: datetime) -> None:
    make_trainer(db, now)
    make_trainer(db, now, "kim")
    user_id = make_client(db, now)
    with pytest.raises(TrainerError, match="already coached by sam"):
        service.accept_invite(db, user_id, service.create_invite(db, "kim", now), now)


def test_ending_the_link_removes_access_at_once(db: sqlite_utils.Database, now: datetime) -> None:
    trainer_id = make_trainer(db, now)
    user_id = make_client(db, now)
    assert service.end_link(db, user_id, f"user:{user_id}", now)
    with pytest.raises(service.NotYourClient):
        client_view(db, trainer_id, user_id, now, NoRecordsYet())
    with pytest.raises(service.NotYourClient):
        service.draft_checkin(db, trainer_id, user_id, now)
    assert trainer_store.clients(db, trainer_id) == []
    assert not service.end_link(db, user_id, f"user:{user_id}", now)
    # A new invite, accepted again, restores access (consent given again).
    service.accept_invite(db, user_id, service.create_invite(db, "sam", now), now)
    assert service.require_client(db, trainer_id, user_id) == "ann"


# -- proposals (pure) --------------------------------------------------------------------
def _facts(**kw: object) -> service.CheckinFacts:
    base: dict[str, object] = {
        "client": "ann",
        "status": "active",
        "days_per_week": 3,
        "session_minutes": 45,
        "done_per_week": [3, 3],
        "missed": [],
        "effort": EffortCounts(rated=9, near_failure=1, too_hard=0),
    }
    base.update(kw)
    return service.CheckinFacts(**base)  # type: ignore[arg-type]


def _kinds(changes: list[ProposedChange]) -> list[str]:
    return [c.kind for c in changes]


def test_every_day_done_with_effort_in_range_proposes_one_more_day() -> None:
    changes = service.propose(_facts())
    assert _kinds(changes) == ["more_days"]
    assert changes[0].detail == {"days_per_week": 4, "from": 3}
    assert "3 and 3 of 3" in changes[0].reason


def test_grinding_sets_or_too_hard_workouts_propose_a_deload_not_more_days() -> None:
    grinding = service.propose(_facts(effort=EffortCounts(rated=12, near_failure=7, too_hard=0)))
    assert _kinds(grinding) == ["deload"]
    assert "7 of 12 rated sets at RPE 9+" in grinding[0].reason
    hard = service.propose(_facts(effort=EffortCounts(rated=0, near_failure=0, too_hard=2)))
    assert _kinds(hard) == ["deload"]
    assert "2 workouts rated too hard" in hard[0].reason


def test_missed_sessions_propose_fewer_days_and_shorter_sessions_with_their_reasons() -> None:
    missed = [
        MissedSession(date(2026, 11, 10), "work travel"),
        MissedSession(date(2026, 11, 12), None),
    ]
    changes = service.propose(_facts(done_per_week=[3, 1], missed=missed))
    assert _kinds(changes) == ["fewer_days", "shorter_sessions"]
    assert changes[0].detail == {"days_per_week": 2, "from": 3}
    assert changes[1].detail == {"minutes": 30, "from": 45}
    assert all("work travel" in c.reason for c in changes)


def test_sick_or_on_holiday_nothing_is_proposed_and_injured_means_deload() -> None:
    assert service.propose(_facts(status="holiday")) == []
    assert service.propose(_facts(status="sick")) == []
    injured = service.propose(_facts(status="injured"))
    assert _kinds(injured) == ["deload"]
    assert "injured" in injured[0].reason


def test_a_stalled_lift_proposes_the_planners_substitute() -> None:
    stalled = service.Stalled("goblet_squat", "Goblet squat", 4, "flat", "db_box_squat", "Box")
    changes = service.propose(_facts(done_per_week=[2, 2], stalled=[stalled]))
    assert _kinds(changes) == ["swap"]
    assert changes[0].detail["replace"] == "goblet_squat"
    assert changes[0].detail["with"] == "db_box_squat"
    assert "flat for 4 weeks" in changes[0].reason


def test_the_same_history_gives_the_same_proposals() -> None:
    facts = _facts(done_per_week=[3, 1], missed=[MissedSession(date(2026, 11, 10), "x")] * 2)
    assert service.propose(facts) == service.propose(facts)


# -- decisions reach the plan ------------------------------------------------------------
@pytest.fixture
def missed_client(db: sqlite_utils.Database, now: datetime) -> tuple[int, int]:
    trainer_id = make_trainer(db, now - timedelta(days=40))
    user_id = make_client(db, now - timedelta(days=40))
    today = now.date()
    train(db, user_id, [today - timedelta(days=d) for d in (27, 25, 23, 20, 18, 16, 2)])
    skip(db, user_id, today - timedelta(days=6), "work travel")
    skip(db, user_id, today - timedelta(days=4), "kid was sick")
    return trainer_id, user_id


def _draft(
    db: sqlite_utils.Database, trainer_id: int, user_id: int, now: datetime
) -> dict[str, checkins.ChangeRow]:
    draft_id = service.draft_checkin(db, trainer_id, user_id, now)
    found = checkins.draft(db, user_id, draft_id)
    assert found is not None
    return {c.kind: c for c in found.changes}


def test_only_the_approved_change_reaches_next_weeks_plan(
    db: sqlite_utils.Database, now: datetime, missed_client: tuple[int, int]
) -> None:
    trainer_id, user_id = missed_client
    before = plan.next_week(plan.PlanScope(db, user_id, now))
    changes = _draft(db, trainer_id, user_id, now)
    assert {"fewer_days", "shorter_sessions"} <= set(changes)
    # Proposed is not decided: the plan is untouched.
    assert (
        plan.next_week(plan.PlanScope(db, user_id, now)).days_per_week == before.days_per_week == 3
    )
    service.decide_change(db, trainer_id, user_id, changes["fewer_days"].id, "approve", now)
    service.decide_change(db, trainer_id, user_id, changes["shorter_sessions"].id, "reject", now)
    after = plan.next_week(plan.PlanScope(db, user_id, now))
    assert after.days_per_week == 2
    assert len(after.days) == 2
    assert any("Your trainer sam changed this: 2 training days a week" in r for r in after.reasons)
    assert not any("minutes" in r for r in after.reasons)
    monday = history.week_start(now.date()) + timedelta(days=7)
    request, _ = plan.build_request(
        db, user_id, datetime.combine(monday, now.timetz()), plan.Overrides(), carry_today=False
    )
    assert request.minutes == 45  # the rejected shorter sessions never reached the planner
    # This week is as it was: changes start next Monday.
    assert plan.weekly(plan.PlanScope(db, user_id, now), None).days_per_week == 3


def test_an_edited_approval_uses_the_trainers_numbers_and_is_audited(
    db: sqlite_utils.Database, now: datetime, missed_client: tuple[int, int]
) -> None:
    trainer_id, user_id = missed_client
    change = _draft(db, trainer_id, user_id, now)["shorter_sessions"]
    service.decide_change(db, trainer_id, user_id, change.id, "approve", now, {"minutes": 35})
    stored = checkins.change(db, user_id, change.id)
    assert stored is not None
    assert (stored.status, stored.edited, stored.detail["minutes"]) == ("approved", True, 35)
    entry = _audit(db, "trainer.change_approved")[-1]
    assert entry["actor"] == "trainer:sam"
    detail = entry["detail"]
    assert isinstance(detail, dict)
    assert detail["before"]["minutes"] == 30
    assert detail["after"]["minutes"] == 35
    monday = history.week_start(now.date()) + timedelta(days=7)
    start = datetime.combine(monday, now.timetz())
    request, _ = plan.build_request(db, user_id, start, plan.Overrides(), carry_today=False)
    assert request.minutes == 35
    with pytest.raises(UserInputError, match="already approved"):
        service.decide_change(db, trainer_id, user_id, change.id, "reject", now)


def test_a_bad_edit_is_refused_and_nothing_changes(
    db: sqlite_utils.Database, now: datetime, missed_client: tuple[int, int]
) -> None:
    trainer_id, user_id = missed_client
    change = _draft(db, trainer_id, user_id, now)["fewer_days"]
    with pytest.raises(UserInputError, match="days_per_week"):
        service.decide_change(
            db, trainer_id, user_id, change.id, "approve", now, {"days_per_week": 9}
        )
    stored = checkins.change(db, user_id, change.id)
    assert stored is not None and stored.status == "proposed"
    assert checkins.adjustments(db, user_id) == []


def test_an_approved_swap_and_deload_change_the_session(
    db: sqlite_utils.Database, now: datetime
) -> None:
    trainer_id = make_trainer(db, now)
    user_id = make_client(db, now)
    draft_id = checkins.save_draft(
        db,
        trainer_id,
        user_id,
        now.date(),
        {},
        [
            ProposedChange("deload", {"weeks": 1}, "tired"),
            ProposedChange(
                "swap",
                {"replace": "goblet_squat", "with": "db_box_squat", "with_name": "Box squat"},
                "stalled",
            ),
        ],
        now,
    )
    found = checkins.draft(db, user_id, draft_id)
    assert found is not None
    for change in found.changes:
        service.decide_change(db, trainer_id, user_id, change.id, "approve", now)
    monday = history.week_start(now.date()) + timedelta(days=7)
    start = datetime.combine(monday, now.timetz())
    request, _ = plan.build_request(db, user_id, start, plan.Overrides(), carry_today=False)
    assert request.deload
    assert "goblet_squat" in request.exclude
    assert request.prefer[0] == "db_box_squat"
    # The deload lasts its one week; the swap stays.
    later, _ = plan.build_request(
        db, user_id, start + timedelta(days=7), plan.Overrides(), carry_today=False
    )
    assert not later.deload
    assert "goblet_squat" in later.exclude


def test_drafted_messages_reach_the_client_only_when_sent(
    db: sqlite_utils.Database, now: datetime, missed_client: tuple[int, int]
) -> None:
    trainer_id, user_id = missed_client
    service.draft_checkin(db, trainer_id, user_id, now)
    drafted = trainer_store.thread_messages(db, user_id)
    assert [m.status for m in drafted] == ["draft"]
    assert "work travel" in drafted[0].text
    assert trainer_store.thread_messages(db, user_id, sent_only=True) == []
    service.decide_message(db, trainer_id, user_id, drafted[0].id, "send", now, "Edited: hi Ann")
    sent = trainer_store.thread_messages(db, user_id, sent_only=True)
    assert [m.text for m in sent] == ["Edited: hi Ann"]
    assert _audit(db, "trainer.message_sent")[-1]["detail"] == {
        "message_id": drafted[0].id,
        "edited": True,
    }


def test_another_trainer_cannot_decide_or_read(
    db: sqlite_utils.Database, now: datetime, missed_client: tuple[int, int]
) -> None:
    trainer_id, user_id = missed_client
    other = make_trainer(db, now, "kim")
    change = _draft(db, trainer_id, user_id, now)["fewer_days"]
    with pytest.raises(service.NotYourClient):
        service.decide_change(db, other, user_id, change.id, "approve", now)
    with pytest.raises(service.NotYourClient):
        service.set_status(db, other, user_id, "injured", now.date(), None, "", now)
    stored = checkins.change(db, user_id, change.id)
    assert stored is not None and stored.status == "proposed"


# -- statuses ----------------------------------------------------------------------------
def test_injured_eases_the_plan_and_is_passed_to_the_planner(
    db: sqlite_utils.Database, now: datetime
) -> None:
    trainer_id = make_trainer(db, now)
    user_id = make_client(db, now)
    service.set_status(db, trainer_id, user_id, "injured", now.date(), None, "tweaked knee", now)
    request, _ = plan.build_request(db, user_id, now, plan.Overrides(), carry_today=False)
    assert request.client_status == "injured"
    assert request.deload
    assert request.difficulty == -1
    assert any("Status injured (set by sam)" in line for line in adjustments.attributions(
        db, user_id, now.date()))  # fmt: skip


def test_a_holiday_pauses_those_days_of_the_week(db: sqlite_utils.Database, now: datetime) -> None:
    trainer_id = make_trainer(db, now)
    user_id = make_client(db, now)
    monday = history.week_start(now.date()) + timedelta(days=7)
    normal = plan.next_week(plan.PlanScope(db, user_id, now))
    assert len(normal.days) == 3
    service.set_status(
        db, trainer_id, user_id, "holiday", monday, monday + timedelta(days=6), "Lisbon", now
    )
    paused = plan.next_week(plan.PlanScope(db, user_id, now))
    assert paused.days == []
    assert any("holiday or sick" in r for r in paused.reasons)
    # This week, before the holiday, is planned as usual.
    assert len(plan.weekly(plan.PlanScope(db, user_id, now), None).days) == 3


def test_status_history_and_compliance_follow_the_dates(
    db: sqlite_utils.Database, now: datetime
) -> None:
    trainer_id = make_trainer(db, now)
    user_id = make_client(db, now)
    today = now.date()
    service.set_status(db, trainer_id, user_id, "sick", today - timedelta(days=7), None, "", now)
    service.set_status(db, trainer_id, user_id, "active", today, None, "", now)
    rows = trainer_store.statuses(db, user_id)
    assert [(r.status, r.ends_on) for r in rows] == [
        ("sick", today - timedelta(days=1)),
        ("active", None),
    ]
    sick_week = comp.compliance(db, user_id, today - timedelta(days=7), today - timedelta(days=1))
    assert sick_week.expected == 0.0
    assert sick_week.rate is None
    with pytest.raises(TrainerError, match="unknown status"):
        service.set_status(db, trainer_id, user_id, "lazy", today, None, "", now)


# -- programs ----------------------------------------------------------------------------
def test_a_planner_built_template_is_edited_assigned_and_preferred(
    db: sqlite_utils.Database, now: datetime
) -> None:
    trainer_id = make_trainer(db, now)
    user_id = make_client(db, now)
    template = programs.build_template(
        "Base", weeks=2, days_per_week=3, minutes=45, equipment=["dumbbells", "bench"]
    )
    assert len(template.weeks) == 2
    assert len(template.weeks[0].sessions) == 3
    text = programs.template_yaml(template).replace(
        template.weeks[0].sessions[0].exercises[0].id, "db_box_squat", 1
    )
    edited = programs.parse_template(text)
    template_id = programs.save(db, trainer_id, edited, now)
    other = make_trainer(db, now, "kim")
    with pytest.raises(service.NotYourClient):
        programs.load(db, other, template_id)
    monday = history.week_start(now.date()) + timedelta(days=7)
    programs.assign(db, trainer_id, user_id, template_id, monday, now)
    start = datetime.combine(monday, now.timetz())
    request, _ = plan.build_request(db, user_id, start, plan.Overrides(), carry_today=False)
    assert request.prefer[0] == "db_box_squat"
    assert any("Program 'Base'" in line for line in adjustments.attributions(db, user_id, monday))
    view = client_view(db, trainer_id, user_id, start, NoRecordsYet())
    assert view.program is not None and view.program["week_number"] == 1


def test_a_template_with_an_unknown_exercise_is_refused() -> None:
    with pytest.raises(UserInputError, match="unknown exercise id"):
        programs.parse_template(
            "name: X\nweeks:\n  - sessions:\n      - focus: full\n        minutes: 30\n"
            "        exercises:\n          - {id: moon_jump, sets: 3, reps: '8'}\n"
        )
    with pytest.raises(UserInputError, match="not valid YAML"):
        programs.parse_template("name: [")


def test_the_client_view_merges_the_thread_in_time_order(
    db: sqlite_utils.Database, now: datetime, missed_client: tuple[int, int]
) -> None:
    trainer_id, user_id = missed_client
    service.add_note(db, trainer_id, user_id, "asked about travel", now - timedelta(hours=2))
    service.client_message(db, user_id, "thanks!", now - timedelta(hours=1))
    changes = _draft(db, trainer_id, user_id, now)
    service.decide_change(db, trainer_id, user_id, changes["fewer_days"].id, "approve", now)
    view = client_view(db, trainer_id, user_id, now, NoRecordsYet())
    kinds = [(i.kind, i.author) for i in view.thread]
    assert ("note", "sam") in kinds
    assert ("message", "client") in kinds
    assert any(i.kind == "event" and "Plan changed by sam" in i.text for i in view.thread)
    assert [i.at for i in view.thread] == sorted(i.at for i in view.thread)
    assert view.compliance is not None
    assert {a["action"] for a in view.audit} >= {
        "trainer.change_approved",
        "trainer.checkin_drafted",
        "trainer.note_added",
    }
    json.dumps(view.to_json(), default=str)


def test_deleting_a_client_removes_every_trainer_row_about_them(
    db: sqlite_utils.Database, now: datetime, missed_client: tuple[int, int]
) -> None:
    from agent.memory.portability import delete_user, export_user

    trainer_id, user_id = missed_client
    changes = _draft(db, trainer_id, user_id, now)
    service.decide_change(db, trainer_id, user_id, changes["fewer_days"].id, "approve", now)
    service.add_note(db, trainer_id, user_id, "note", now)
    service.set_status(db, trainer_id, user_id, "injured", now.date(), None, "", now)
    exported = export_user(db, user_id)
    assert exported["plan_adjustments"] and exported["trainer_links"]
    delete_user(db, user_id, now)
    for table in ("trainer_links", "client_statuses", "checkin_drafts", "checkin_changes",
                  "plan_adjustments", "trainer_messages", "trainer_notes"):  # fmt: skip
        assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
    assert trainer_store.clients(db, trainer_id) == []


def test_weekly_drafting_drafts_each_client_once_a_week(
    db: sqlite_utils.Database, now: datetime, missed_client: tuple[int, int]
) -> None:
    trainer_id, user_id = missed_client
    make_client(db, now, "sam", "bo")
    first = service.draft_weekly_checkins(db, trainer_id, now)
    assert len(first) == 2
    assert service.draft_weekly_checkins(db, trainer_id, now + timedelta(days=2)) == []
    assert len(service.draft_weekly_checkins(db, trainer_id, now + timedelta(days=7))) == 2
    assert checkins.latest_draft_id(db, user_id) is not None
