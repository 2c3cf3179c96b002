"""Program templates: weeks of sessions built by the planner, edited by the trainer, assigned.

A template is plain data (YAML on the page, JSON in the database) so a trainer can read
and edit every session. The planner builds the first version from a goal, level,
equipment, days per week and minutes; edits are checked against the catalog. Assigned
from a start date, the template's session for the day is what the planner prefers
(``agent.coaching.adjustments``), still subject to the client's constraints.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlite_utils
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.coaching.trainers import NotYourClient, require_client
from agent.datafiles import parse_yaml
from agent.errors import UserInputError
from agent.memory import checkins, store
from agent.memory import trainers as trainer_store
from agent.planning.catalog import load_catalog
from agent.planning.models import GOALS, Goal, SessionRequest
from agent.planning.rules import prescriptions
from agent.planning.session import build_session


class TemplateExercise(BaseModel):
    """One exercise of a template session."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Catalog id.")
    name: str | None = Field(default=None, description="Display name (the catalog's if left out).")
    sets: int = Field(ge=1, le=10)
    reps: str = Field(min_length=1, max_length=20, description='e.g. "8-12" or "30s".')

    @field_validator("id")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in load_catalog():
            raise ValueError(f"unknown exercise id {value!r}")
        return value


class TemplateSession(BaseModel):
    """One session of a template week."""

    model_config = ConfigDict(extra="forbid")

    focus: str = Field(min_length=1, max_length=40)
    minutes: int = Field(ge=5, le=180)
    exercises: list[TemplateExercise] = Field(min_length=1, max_length=20)


class TemplateWeek(BaseModel):
    """One week of a template."""

    model_config = ConfigDict(extra="forbid")

    sessions: list[TemplateSession] = Field(min_length=1, max_length=7)


class Template(BaseModel):
    """A program template as the trainer edits it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    weeks: list[TemplateWeek] = Field(min_length=1, max_length=16)


def build_template(
    name: str,
    *,
    weeks: int,
    days_per_week: int,
    minutes: int,
    goal: Goal = "general_fitness",
    level: str = "beginner",
    equipment: list[str] | None = None,
) -> Template:
    """A template from the planner: its split for ``days_per_week``, ``weeks`` times.

    Raises:
        UserInputError: Numbers out of range or unknown equipment or level.
    """
    if not 1 <= weeks <= 16 or not 1 <= days_per_week <= 7:
        raise UserInputError("a template has 1-16 weeks of 1-7 days")
    try:
        request = SessionRequest.model_validate(
            {
                "goal": goal,
                "level": level,
                "equipment": equipment or ["bodyweight"],
                "minutes": minutes,
            }
        )
    except ValidationError as exc:
        raise UserInputError(f"cannot build that template: {exc.errors()[0]['msg']}") from exc
    split = prescriptions().splits[days_per_week]
    sessions = []
    for index, focus in enumerate(split.days):
        built = build_session(request.model_copy(update={"focus": focus, "variation": index}))
        sessions.append(
            TemplateSession(
                focus=focus,
                minutes=minutes,
                exercises=[
                    TemplateExercise(id=p.id, name=p.name, sets=p.sets, reps=p.reps)
                    for p in built.exercises
                ],
            )
        )
    return Template(name=name, weeks=[TemplateWeek(sessions=sessions) for _ in range(weeks)])


def parse_template(text: str) -> Template:
    """A template from the YAML a trainer edited.

    Raises:
        UserInputError: Not YAML, or a week, session or exercise that does not fit.
    """
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise UserInputError(f"the template is not valid YAML: {exc}") from exc
    try:
        return Template.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserInputError(f"template: {where}: {first['msg']}") from exc


def template_yaml(template: Template) -> str:
    """The template as the YAML the trainer edits."""
    return yaml.safe_dump(
        template.model_dump(exclude_none=True), sort_keys=False, allow_unicode=True
    )


def save(
    db: sqlite_utils.Database,
    trainer_id: int,
    template: Template,
    now: datetime,
    template_id: int | None = None,
) -> int:
    """Store a new template, or replace one of the trainer's.

    Raises:
        NotYourClient: ``template_id`` is not one of the trainer's templates.
    """
    if template_id is not None and checkins.template(db, trainer_id, template_id) is None:
        raise NotYourClient("no such template")
    weeks = [w.model_dump(exclude_none=True) for w in template.weeks]
    saved = checkins.save_template(db, trainer_id, template.name, weeks, now, template_id)
    trainer = trainer_store.get_trainer(db, trainer_id)
    store.audit(
        db,
        actor=f"trainer:{trainer.name if trainer else trainer_id}",
        action="trainer.template_saved" if template_id is None else "trainer.template_edited",
        now=now,
        subject=f"template:{saved}",
    )
    return saved


def load(db: sqlite_utils.Database, trainer_id: int, template_id: int) -> Template:
    """One of the trainer's templates.

    Raises:
        NotYourClient: Not one of theirs.
    """
    row = checkins.template(db, trainer_id, template_id)
    if row is None:
        raise NotYourClient("no such template")
    return Template.model_validate({"name": row.name, "weeks": row.weeks})


def assign(
    db: sqlite_utils.Database,
    trainer_id: int,
    user_id: int,
    template_id: int,
    starts_on: date,
    now: datetime,
) -> int:
    """Assign one of the trainer's templates to their client from ``starts_on``.

    Raises:
        NotYourClient: Not their client or not their template.
    """
    require_client(db, trainer_id, user_id)
    load(db, trainer_id, template_id)
    trainer = trainer_store.get_trainer(db, trainer_id)
    name = trainer.name if trainer else str(trainer_id)
    assignment = checkins.assign(db, user_id, template_id, starts_on, name, now)
    store.audit(
        db,
        actor=f"trainer:{name}",
        action="trainer.program_assigned",
        now=now,
        subject=f"user:{user_id}",
        detail={"template_id": template_id, "starts_on": starts_on.isoformat()},
    )
    return assignment


def goal_of(text: str) -> Goal:
    """The planner's goal for a typed goal name.

    Raises:
        UserInputError: Not one of the planner's goals.
    """
    for goal in GOALS:
        if goal == text.strip():
            return goal
    raise UserInputError(f"unknown goal {text!r}; use one of: {', '.join(GOALS)}")
