"""The "needs attention" list: rules read from YAML, evaluated on each client's history.

The rules are data (``attention_rules.yaml``; a trainer may store a tuned copy). The
code here only knows each rule *kind* and how to compute it; which rules run, their
thresholds, titles and order come from the YAML. Every hit carries its reason in words,
with the figures that triggered it, so the trainer can check it against the client page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

import sqlite_utils
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.coaching import compliance as comp
from agent.coaching.client_records import ClientRecords
from agent.datafiles import parse_yaml
from agent.errors import UserInputError
from agent.memory import store
from agent.memory import trainers as trainer_store

RULES_FILE = Path(__file__).with_name("attention_rules.yaml")

Severity = Literal["high", "medium", "low"]
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1, max_length=80)
    severity: Severity = "medium"
    enabled: bool = True


class SafetyFlagRule(_Rule):
    """A safety flag of the listed tiers in the window, or one still locking the plan."""

    kind: Literal["safety_flag"]
    tiers: list[Literal["caution", "check", "stop", "emergency"]] = Field(min_length=1)
    window_days: int = Field(ge=1, le=365)


class MissedSessionsRule(_Rule):
    """At least ``min_missed`` missed sessions in the window (paused days excluded)."""

    kind: Literal["missed_sessions"]
    min_missed: int = Field(ge=1, le=50)
    window_days: int = Field(ge=1, le=365)


class ComplianceDropRule(_Rule):
    """Compliance down by ``min_drop_points`` points against the window before."""

    kind: Literal["compliance_drop"]
    min_drop_points: int = Field(ge=1, le=100)
    window_days: int = Field(ge=7, le=90)


class ReadinessLowRule(_Rule):
    """A readiness band in ``bands`` on ``min_days`` days in a row up to yesterday/today."""

    kind: Literal["readiness_low"]
    bands: list[Literal["low", "moderate", "high"]] = Field(min_length=1)
    min_days: int = Field(ge=1, le=30)


class AssessmentDueRule(_Rule):
    """An assessment or reassessment due within ``within_days`` (or overdue)."""

    kind: Literal["assessment_due"]
    within_days: int = Field(ge=0, le=365)


class MessageWaitingRule(_Rule):
    """A client message older than ``min_hours`` with no trainer message after it."""

    kind: Literal["message_waiting"]
    min_hours: int = Field(ge=0, le=24 * 14)


Rule = Annotated[
    SafetyFlagRule
    | MissedSessionsRule
    | ComplianceDropRule
    | ReadinessLowRule
    | AssessmentDueRule
    | MessageWaitingRule,
    Field(discriminator="kind"),
]


class RuleSet(BaseModel):
    """The rules file: a list of rules, each with a unique id."""

    model_config = ConfigDict(extra="forbid")

    rules: list[Rule]


class RulesError(UserInputError):
    """A rules file that cannot be used; the message points at the problem."""


def parse_rules(text: str) -> RuleSet:
    """Read and check a rules YAML text.

    Raises:
        RulesError: Not YAML, or a rule with a wrong kind, field or number.
    """
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"the rules are not valid YAML: {exc}") from exc
    try:
        rules = RuleSet.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RulesError(f"rules: {where}: {first['msg']}") from exc
    ids = [r.id for r in rules.rules]
    if len(ids) != len(set(ids)):
        raise RulesError("rules: every rule needs its own id")
    return rules


def default_rules_text() -> str:
    """The shipped rules file, comments included."""
    return RULES_FILE.read_text(encoding="utf-8")


def rules_text_for(db: sqlite_utils.Database, trainer_id: int) -> str:
    """The trainer's tuned rules, else the shipped ones."""
    return trainer_store.rules_yaml(db, trainer_id) or default_rules_text()


@dataclass(frozen=True)
class Hit:
    """One reason a client needs attention."""

    user_id: int
    client: str
    rule_id: str
    title: str
    severity: str
    reason: str


@dataclass(frozen=True)
class ClientFacts:
    """What the rules need, read once per client."""

    db: sqlite_utils.Database
    user_id: int
    now: datetime
    records: ClientRecords

    @property
    def today(self) -> date:
        """The trainer's today."""
        return self.now.date()


def _safety(rule: SafetyFlagRule, facts: ClientFacts) -> str | None:
    since = facts.now - timedelta(days=rule.window_days)
    flags = [
        f for f in trainer_store.flags_since(facts.db, facts.user_id, since) if f.tier in rule.tiers
    ]
    if not flags:
        return None
    newest = flags[0]
    lock = " The plan is locked until it is cleared." if any(f.lock_active for f in flags) else ""
    more = f" ({len(flags)} flags in {rule.window_days} days)" if len(flags) > 1 else ""
    return (
        f"{newest.tier} flag on {newest.created_at[:10]}: {', '.join(newest.signals) or 'no label'}"
        f"; review {newest.review_status or 'not needed'}{more}.{lock}"
    )


def _missed(rule: MissedSessionsRule, facts: ClientFacts) -> str | None:
    last = facts.today - timedelta(days=1)
    first = facts.today - timedelta(days=rule.window_days)
    paused = comp.paused_days(facts.db, facts.user_id, first, last)
    missed = [
        m
        for m in trainer_store.missed_sessions(facts.db, facts.user_id, first, last)
        if m.day not in paused
    ]
    if len(missed) < rule.min_missed:
        return None
    items = [
        f"{m.day.strftime('%a %d %b')}" + (f" ({m.reason})" if m.reason else "") for m in missed
    ]
    return f"{len(missed)} missed sessions in {rule.window_days} days: " + "; ".join(items) + "."


def _compliance(rule: ComplianceDropRule, facts: ClientFacts) -> str | None:
    last = facts.today - timedelta(days=1)
    span = timedelta(days=rule.window_days - 1)
    now_window = comp.compliance(facts.db, facts.user_id, last - span, last)
    before_last = last - timedelta(days=rule.window_days)
    before = comp.compliance(facts.db, facts.user_id, before_last - span, before_last)
    if now_window.rate is None or before.rate is None:
        return None
    drop = round((before.rate - now_window.rate) * 100)
    if drop < rule.min_drop_points:
        return None
    return (
        f"compliance {round(before.rate * 100)}% -> {round(now_window.rate * 100)}% "
        f"(down {drop} points): {now_window.done} of {now_window.expected:g} expected training "
        f"days in the last {rule.window_days} days."
    )


def _readiness(rule: ReadinessLowRule, facts: ClientFacts) -> str | None:
    first = facts.today - timedelta(days=rule.min_days + 1)
    days = {
        r.day: r.band for r in facts.records.readiness(facts.db, facts.user_id, first, facts.today)
    }
    for end in (facts.today, facts.today - timedelta(days=1)):
        run = [end - timedelta(days=i) for i in range(rule.min_days)]
        if all(days.get(d) in rule.bands for d in run):
            return (
                f"readiness {' / '.join(sorted({days[d] for d in run}))} {rule.min_days} days "
                f"in a row ({run[-1].isoformat()} to {run[0].isoformat()})."
            )
    return None


def _assessment(rule: AssessmentDueRule, facts: ClientFacts) -> str | None:
    horizon = facts.today + timedelta(days=rule.within_days)
    due = [
        d
        for d in facts.records.assessments_due(facts.db, facts.user_id, facts.today)
        if d.due_on <= horizon
    ]
    if not due:
        return None
    parts = []
    for item in sorted(due, key=lambda d: d.due_on):
        when = "overdue since" if item.due_on < facts.today else "due"
        parts.append(f"{item.kind} {item.name} {when} {item.due_on.isoformat()}")
    return "; ".join(parts) + "."


def _message(rule: MessageWaitingRule, facts: ClientFacts) -> str | None:
    waiting: list[trainer_store.ThreadMessage] = []
    for item in trainer_store.thread_messages(facts.db, facts.user_id, sent_only=True):
        if item.author == "trainer":
            waiting = []
        else:
            waiting.append(item)
    if not waiting:
        return None
    oldest = datetime.fromisoformat(waiting[0].created_at)
    hours = (facts.now - oldest).total_seconds() / 3600
    if hours < rule.min_hours:
        return None
    count = f"{len(waiting)} messages" if len(waiting) > 1 else "a message"
    return f"{count} from the client waiting since {waiting[0].created_at[:16]}."


def evaluate(rule: Rule, facts: ClientFacts) -> str | None:
    """The rule's reason for this client, or None when it does not fire."""
    match rule:
        case SafetyFlagRule():
            return _safety(rule, facts)
        case MissedSessionsRule():
            return _missed(rule, facts)
        case ComplianceDropRule():
            return _compliance(rule, facts)
        case ReadinessLowRule():
            return _readiness(rule, facts)
        case AssessmentDueRule():
            return _assessment(rule, facts)
        case MessageWaitingRule():
            return _message(rule, facts)


def client_hits(rules: RuleSet, facts: ClientFacts, client: str) -> list[Hit]:
    """Every enabled rule that fires for one client, in rule order."""
    hits = []
    for rule in rules.rules:
        if not rule.enabled:
            continue
        reason = evaluate(rule, facts)
        if reason is not None:
            hits.append(Hit(facts.user_id, client, rule.id, rule.title, rule.severity, reason))
    return hits


def needs_attention(
    db: sqlite_utils.Database, trainer_id: int, now: datetime, records: ClientRecords
) -> list[Hit]:
    """The trainer's needs-attention list: high severity first, then by client name."""
    rules = parse_rules(rules_text_for(db, trainer_id))
    hits: list[Hit] = []
    for client in trainer_store.clients(db, trainer_id):
        facts = ClientFacts(db, client.user_id, now, records)
        hits.extend(client_hits(rules, facts, client.name))
    return sorted(hits, key=lambda h: (_SEVERITY_ORDER[h.severity], h.client.lower()))


def save_rules(db: sqlite_utils.Database, trainer_id: int, text: str | None, now: datetime) -> None:
    """Store a trainer's tuned rules after checking them; None goes back to the shipped ones.

    Raises:
        RulesError: The text is not a usable rules file.
    """
    if text is not None:
        parse_rules(text)
    trainer_store.set_rules_yaml(db, trainer_id, text)
    trainer = trainer_store.get_trainer(db, trainer_id)
    store.audit(
        db,
        actor=f"trainer:{trainer.name if trainer else trainer_id}",
        action="trainer.rules_reset" if text is None else "trainer.rules_saved",
        now=now,
        subject=f"trainer:{trainer_id}",
    )
