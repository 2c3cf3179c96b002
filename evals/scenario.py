"""Scenarios as typed data: YAML files validated by pydantic models.

A scenario is a starting state (profile, history, notes, open flags), one or more
conversations (scripted user turns, or a persona and goal for the simulator with the
scripted turns as the offline fallback) and expectations: deterministic checks on the
transcript and the database end state, and rubric items for a judge model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agent.errors import UserInputError

SCENARIO_DIR = Path(__file__).parent / "scenarios"
"""Where the shipped scenarios live."""

TAGS = ("listen", "plan", "coach", "adapt", "remember", "safety", "adversarial", "paraphrase")
VOICES = ("terse", "chatty", "slang", "non-native", "formal", "story")
"""The voices people write in (the NLU corpus uses the same six)."""
MIN_PARAPHRASES = 5
"""A paraphrase set has at least this many phrasings, each in a different voice."""
TIERS = ("none", "caution", "stop", "emergency")
DIMENSIONS = ("safety", "helpfulness", "accuracy", "relevance", "personalization")
DEFAULT_NOW = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
"""A Monday evening: the clock every scenario runs at unless it sets ``now``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- starting state -----------------------------------------------------------------


class SetSeed(_Strict):
    """One logged set in the starting history."""

    exercise: str = Field(description="Exercise id, e.g. goblet_squat.")
    name: str | None = Field(default=None, description="Display name; derived from the id.")
    set_number: int | None = Field(default=None, description="1-based; derived from order.")
    reps: int | None = Field(default=None, description="Reps done.")
    load: float | None = Field(default=None, description="Load as the person said it.")
    unit: Literal["kg", "lb"] | None = Field(default=None, description="Unit of the load.")
    rpe: float | None = Field(default=None, description="Rating of perceived exertion.")


class SessionSeed(_Strict):
    """One workout session in the starting history."""

    days_ago: int = Field(ge=0, description="How many days before the scenario's clock.")
    status: Literal["planned", "in_progress", "done", "skipped"] = Field(
        default="done", description="Session status."
    )
    skip_reason: str | None = Field(default=None, description="Why it was skipped.")
    minutes: int = Field(default=40, ge=1, description="Duration, for finished sessions.")
    sets: list[SetSeed] = Field(default_factory=list, description="Sets logged in it.")
    feedback: Literal["too_easy", "about_right", "too_hard"] | None = Field(
        default=None, description="How the session felt."
    )


class NoteSeed(_Strict):
    """A note the coach already holds (preference, dislike, barrier, constraint...)."""

    kind: Literal["preference", "dislike", "barrier", "constraint", "substitution", "schedule"] = (
        Field(description="Note kind.")
    )
    subject: str | None = Field(default=None, description="Joint area, exercise id or topic.")
    text: str = Field(description="The note itself.")
    days_ago: int = Field(default=7, ge=0, description="When it was recorded.")


class FlagSeed(_Strict):
    """A safety flag already on file."""

    tier: Literal["caution", "stop", "emergency"] = Field(description="Flag tier.")
    signals: list[str] = Field(default_factory=list, description="Signal labels.")
    excerpt: str = Field(default="", description="What the person said.")
    lock_active: bool | None = Field(
        default=None, description="Plan lock; defaults to true for stop and emergency."
    )
    days_ago: int = Field(default=1, ge=0, description="When it was raised.")


class ProfileSeed(_Strict):
    """What the coach knows from intake."""

    goal: str | None = Field(default=None, description="Training goal.")
    level: str | None = Field(default=None, description="beginner | intermediate | advanced.")
    equipment: list[str] | None = Field(default=None, description="Equipment words.")
    days_per_week: int | None = Field(default=None, description="Days per week.")
    session_minutes: int | None = Field(default=None, description="Usual session length.")
    age: int | None = Field(default=None, description="Age in years.")
    units: Literal["kg", "lb"] = Field(default="kg", description="Preferred unit.")


class StartState(_Strict):
    """Everything in the database before the first user turn."""

    profile: ProfileSeed | None = Field(default=None, description="Profile, if any.")
    sessions: list[SessionSeed] = Field(default_factory=list, description="History.")
    notes: list[NoteSeed] = Field(default_factory=list, description="Notes and constraints.")
    flags: list[FlagSeed] = Field(default_factory=list, description="Open safety flags.")


# --- the user side -----------------------------------------------------------------


class Conversation(_Strict):
    """One conversation: scripted turns, optionally a persona the simulator can play."""

    turns: list[str] = Field(
        min_length=1, description="Scripted user turns; the simulator's offline fallback."
    )
    persona: str | None = Field(default=None, description="Who the simulated user is.")
    goal: str | None = Field(default=None, description="What the simulated user wants.")
    max_turns: int | None = Field(
        default=None, ge=1, le=20, description="Simulator turn cap (default: len(turns) + 2)."
    )
    days_later: int = Field(
        default=0, ge=0, description="Days after the scenario's clock this conversation happens."
    )


# --- expectations ------------------------------------------------------------------


class _Check(_Strict):
    turn: int | None = Field(
        default=None,
        ge=1,
        description="1-based turn across all conversations; None means every turn.",
    )
    label: str | None = Field(default=None, description="Readable name for reports.")


class SafetyTierCheck(_Check):
    """The screen's tier at a turn is one of ``tier``."""

    type: Literal["safety_tier"]
    tier: list[str] = Field(description="Acceptable tiers.")

    @field_validator("tier", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("tier")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in TIERS]
        if unknown:
            raise ValueError(f"unknown tier(s) {unknown}; use {list(TIERS)}")
        return value


class ToolCalledCheck(_Check):
    """At least one of ``name`` was called (``@plan_changing``, ``@plan`` are sets)."""

    type: Literal["tool_called"]
    name: list[str] = Field(description="Tool names, any of which satisfies the check.")
    ok: bool = Field(default=False, description="Require the call to have succeeded.")

    @field_validator("name", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class ToolNotCalledCheck(_Check):
    """None of ``name`` was requested (refused requests count: the model asked)."""

    type: Literal["tool_not_called"]
    name: list[str] = Field(description="Tool names or sets that must not appear.")

    @field_validator("name", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class NoPlanChangeAfterStopCheck(_Check):
    """After a stop or emergency turn, no plan-changing tool is requested or workout given.

    A request counts even when the lock refuses it: the eval grades what the model tried
    to do, and the lock is a second line of defence, not an excuse.
    """

    type: Literal["no_plan_change_after_stop"]
    until_turn: int | None = Field(
        default=None, ge=1, description="Last turn it applies to (the person said it resolved)."
    )


class PlanCheck(_Check):
    """Properties of every plan found in plan tool results."""

    type: Literal["plan"]
    required: bool = Field(default=True, description="At least one plan must be produced.")
    max_minutes: float | None = Field(default=None, description="est_minutes <= this.")
    min_minutes: float | None = Field(default=None, description="est_minutes >= this.")
    equipment: list[str] | None = Field(
        default=None, description="Allowed equipment (bodyweight is always allowed)."
    )
    exclude_tags: list[str] = Field(default_factory=list, description="Forbidden tags.")
    patterns: list[str] = Field(
        default_factory=list,
        description="Required movement patterns; 'a|b' means either (substring match).",
    )
    exclude_exercises: list[str] = Field(
        default_factory=list, description="Regexes no exercise id or name may match."
    )


class ReplyCheck(_Check):
    """The coach's reply does (or does not) match a regex (case-insensitive)."""

    type: Literal["reply_matches", "reply_not_matches"]
    pattern: str = Field(description="A Python regular expression.")
    ignore_quoted: bool = Field(
        default=False,
        description='Leave out quoted examples of phrasing ("log 3x8 squats") before matching.',
    )

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class SetLoggedCheck(_Check):
    """End state: a set was logged (exercise regex, reps, load, unit) during the scenario."""

    type: Literal["set_logged"]
    exercise: str | None = Field(default=None, description="Regex on exercise id or name.")
    reps: int | None = Field(default=None, description="Exact reps.")
    load: float | None = Field(default=None, description="Load as said.")
    unit: Literal["kg", "lb"] | None = Field(default=None, description="Unit as said.")
    count: int = Field(default=1, ge=0, description="At least this many matching sets.")


class NoteRecordedCheck(_Check):
    """End state: an active note of ``kind`` with a matching subject/text exists."""

    type: Literal["note_recorded"]
    kind: str | None = Field(
        default=None,
        description="preference | dislike | barrier | constraint | substitution; None: any.",
    )
    subject: str | None = Field(default=None, description="Regex on the subject.")
    text: str | None = Field(default=None, description="Regex on the text.")
    status: str = Field(default="active", description="Note status required.")
    absent: bool = Field(default=False, description="Require that no such note exists.")


class FlagOpenCheck(_Check):
    """End state: a safety flag of one of ``tier`` exists (``absent`` inverts it)."""

    type: Literal["flag_open"]
    tier: list[str] = Field(description="Acceptable flag tiers.")
    lock_active: bool | None = Field(default=None, description="Required lock state.")
    absent: bool = Field(default=False, description="Require that no such flag exists.")

    @field_validator("tier", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class ProfileCheck(_Check):
    """End state: a profile field equals a value, or (lists) contains one."""

    type: Literal["profile"]
    field: str = Field(description="Profile field name.")
    equals: Any = Field(default=None, description="Required value.")
    one_of: list[Any] | None = Field(default=None, description="Acceptable values.")
    contains: str | None = Field(default=None, description="Required list member.")


class GroundedCheck(_Check):
    """Every figure stated about the person's own data exists in the store or tool results."""

    type: Literal["grounded"]


class CompletedCheck(_Check):
    """Every turn ended normally (no model error, no tool-round cap)."""

    type: Literal["completed"]


Check = Annotated[
    SafetyTierCheck
    | ToolCalledCheck
    | ToolNotCalledCheck
    | NoPlanChangeAfterStopCheck
    | PlanCheck
    | ReplyCheck
    | SetLoggedCheck
    | NoteRecordedCheck
    | FlagOpenCheck
    | ProfileCheck
    | GroundedCheck
    | CompletedCheck,
    Field(discriminator="type"),
]


class RubricItem(_Strict):
    """One criterion a judge model grades; points may be negative (a penalty)."""

    criterion: str = Field(description="What the judge looks for, in one sentence.")
    points: int = Field(description="Points if met; negative for undesirable behaviour.")
    dimension: Literal["safety", "helpfulness", "accuracy", "relevance", "personalization"] = Field(
        description="Which of the five coaching dimensions it measures."
    )

    @field_validator("points")
    @classmethod
    def _nonzero(cls, value: int) -> int:
        if value == 0 or abs(value) > 10:
            raise ValueError("points must be between -10 and 10 and not 0")
        return value


class Paraphrase(_Strict):
    """The scenario's user turns said another way, in one voice."""

    voice: Literal["terse", "chatty", "slang", "non-native", "formal", "story"] = Field(
        description="The voice this phrasing is written in."
    )
    turns: list[str] = Field(
        min_length=1, description="Replacement user turns, as many as the scenario has."
    )


class Scenario(_Strict):
    """One eval scenario."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", description="Unique id.")
    title: str = Field(description="One line saying what is tested.")
    tags: list[str] = Field(min_length=1, description="Loop steps and categories.")
    now: datetime = Field(default=DEFAULT_NOW, description="The scenario's clock.")
    state: StartState = Field(default_factory=StartState, description="Starting state.")
    conversations: list[Conversation] = Field(min_length=1, description="User side.")
    checks: list[Check] = Field(default_factory=list, description="Deterministic checks.")
    rubric: list[RubricItem] = Field(default_factory=list, description="Judge-graded items.")
    paraphrases: list[Paraphrase] = Field(
        default_factory=list,
        description="The same scenario in other words: each runs as its own scenario "
        "(id.voice), graded by the same checks.",
    )
    source: str = Field(default="", description="File the scenario was loaded from.")

    @model_validator(mode="after")
    def _paraphrase_set(self) -> Scenario:
        if not self.paraphrases:
            return self
        voices = {p.voice for p in self.paraphrases}
        if len(voices) < MIN_PARAPHRASES or len(voices) != len(self.paraphrases):
            raise ValueError(
                f"a paraphrase set needs at least {MIN_PARAPHRASES} phrasings, "
                "each in a different voice"
            )
        for paraphrase in self.paraphrases:
            if len(paraphrase.turns) != self.turn_count:
                raise ValueError(
                    f"paraphrase in voice {paraphrase.voice} has {len(paraphrase.turns)} "
                    f"turn(s); the scenario has {self.turn_count}"
                )
        return self

    def variants(self) -> list[Scenario]:
        """This scenario, then one scenario per paraphrase (its turns said the other way)."""
        found = [self]
        for paraphrase in self.paraphrases:
            turns = iter(paraphrase.turns)
            conversations = [
                c.model_copy(update={"turns": [next(turns) for _ in c.turns]})
                for c in self.conversations
            ]
            found.append(
                self.model_copy(
                    update={
                        "id": f"{self.id}.{paraphrase.voice}",
                        "title": f"{self.title} ({paraphrase.voice} paraphrase)",
                        "tags": [*self.tags, "paraphrase"],
                        "conversations": conversations,
                        "paraphrases": [],
                    }
                )
            )
        return found

    @field_validator("tags")
    @classmethod
    def _known_tags(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in TAGS]
        if unknown:
            raise ValueError(f"unknown tag(s) {unknown}; use {list(TAGS)}")
        return value

    @property
    def is_safety(self) -> bool:
        """Safety scenarios gate the run: every trial must pass."""
        return "safety" in self.tags

    @property
    def turn_count(self) -> int:
        """Scripted user turns across all conversations."""
        return sum(len(c.turns) for c in self.conversations)


def _parse_file(path: Path) -> list[Scenario]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserInputError(f"cannot read scenario file {path}: {exc}") from exc
    items = raw if isinstance(raw, list) else [raw]
    scenarios: list[Scenario] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise UserInputError(f"{path}: item {index + 1} is not a mapping")
        try:
            scenarios.append(Scenario.model_validate({**item, "source": str(path)}))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            ident = item.get("id", f"item {index + 1}")
            raise UserInputError(f"{path}: scenario {ident}: {where}: {first['msg']}") from exc
    return scenarios


def load_scenarios(paths: Iterable[str | Path] = ()) -> list[Scenario]:
    """Load scenarios from files or folders (default: the shipped ones), ids unique.

    Args:
        paths: YAML files or folders of them; empty means ``evals/scenarios``.

    Returns:
        The scenarios, in file and then document order.

    Raises:
        UserInputError: A file is unreadable, invalid, or two scenarios share an id.
    """
    chosen = [Path(p) for p in paths] or [SCENARIO_DIR]
    files: list[Path] = []
    for path in chosen:
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        elif path.exists():
            files.append(path)
        else:
            raise UserInputError(f"no such scenario file or folder: {path}")
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for file in files:
        for scenario in (v for parsed in _parse_file(file) for v in parsed.variants()):
            if scenario.id in seen:
                raise UserInputError(
                    f"duplicate scenario id {scenario.id} in {file} and {seen[scenario.id]}"
                )
            seen[scenario.id] = str(file)
            scenarios.append(scenario)
    return scenarios


def select(scenarios: list[Scenario], selectors: Iterable[str]) -> list[Scenario]:
    """Keep scenarios whose id matches a selector (glob) or that carry it as a tag.

    Raises:
        UserInputError: A selector matches nothing.
    """
    import fnmatch

    wanted = list(selectors)
    if not wanted:
        return scenarios
    kept: list[Scenario] = []
    for selector in wanted:
        matched = [s for s in scenarios if fnmatch.fnmatch(s.id, selector) or selector in s.tags]
        if not matched:
            raise UserInputError(f"no scenario matches {selector!r}")
        kept.extend(s for s in matched if s not in kept)
    return kept
