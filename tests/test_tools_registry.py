"""The registry derives schemas and turns every model mistake into a tool message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlite_utils
from pydantic import BaseModel, Field

from agent.errors import ToolRetry, read_tool_error, read_tool_error_reason
from agent.tools.context import ToolContext
from agent.tools.registry import Tool, ToolRegistry, ToolSpec
from tests.factories import make_user


class AddArgs(BaseModel):
    """Two numbers."""

    a: int = Field(description="First.")
    b: int = Field(ge=0, description="Second, not negative.")


def add(ctx: ToolContext, args: AddArgs) -> dict[str, int]:
    """Add two numbers.

    Args:
        ctx: Injected.
        args: The numbers.
    """
    if args.a == 13:
        raise ToolRetry("13 is unlucky, pick another")
    if args.a == 99:
        raise RuntimeError("boom")
    if args.a == 7:
        raise ToolRetry("seven is not in today's session", "not_in_session")
    return {"sum": args.a + args.b}


def change_plan(ctx: ToolContext, args: AddArgs) -> dict[str, str]:
    """Pretend to change a plan."""
    return {"changed": "yes"}


@pytest.fixture
def ctx(db: sqlite_utils.Database, now: datetime) -> ToolContext:
    user_id, conversation_id = make_user(db, now)
    return ToolContext(db=db, user_id=user_id, conversation_id=conversation_id, now=now)


@pytest.fixture
def registry() -> ToolRegistry:
    return ToolRegistry(
        [Tool.from_function(add), Tool.from_function(change_plan, plan_changing=True)]
    )


def test_schema_is_derived_from_signature_and_docstring(registry: ToolRegistry) -> None:
    schema = registry.get("add")
    assert schema is not None
    function = schema.schema()["function"]
    assert function["name"] == "add"
    assert function["description"] == "Add two numbers."
    assert function["parameters"]["required"] == ["a", "b"]
    assert function["parameters"]["properties"]["b"]["minimum"] == 0


def test_a_valid_call_returns_the_result(registry: ToolRegistry, ctx: ToolContext) -> None:
    outcome = registry.run(ctx, "add", '{"a": 2, "b": 3}')
    assert outcome.ok and outcome.result == {"sum": 5}


@pytest.mark.parametrize(
    ("name", "raw", "code", "expected"),
    [
        ("add", "{not json", "invalid", "not valid JSON"),
        ("add", "[1, 2]", "invalid", "must be a JSON object"),
        ("add", '{"a": "x", "b": 1}', "invalid", "invalid arguments: a"),
        ("add", '{"a": 1, "b": -1}', "invalid", "invalid arguments: b"),
        ("nope", "{}", "unknown_tool", "unknown tool 'nope'"),
        ("add", '{"a": 13, "b": 1}', "retry", "13 is unlucky"),
        ("add", '{"a": 99, "b": 1}', "crashed", "failed internally (RuntimeError)"),
    ],
)
def test_model_mistakes_come_back_as_coded_data(
    registry: ToolRegistry, ctx: ToolContext, name: str, raw: str, code: str, expected: str
) -> None:
    outcome = registry.run(ctx, name, raw)
    assert not outcome.ok
    found = read_tool_error(outcome.content())
    assert found is not None and found[0] == code
    assert expected in found[1]


def test_a_retry_reason_travels_as_data_beside_the_message(
    registry: ToolRegistry, ctx: ToolContext
) -> None:
    reasoned = registry.run(ctx, "add", '{"a": 7, "b": 1}').content()
    assert read_tool_error(reasoned) == ("retry", "seven is not in today's session")
    assert read_tool_error_reason(reasoned) == "not_in_session"
    # A retry without one, a success and a reason no code knows all read as no reason.
    assert read_tool_error_reason(registry.run(ctx, "add", '{"a": 13, "b": 1}').content()) == ""
    assert read_tool_error_reason(registry.run(ctx, "add", '{"a": 2, "b": 1}').content()) == ""
    forged = '{"error": {"code": "retry", "message": "x", "reason": "made_up"}}'
    assert read_tool_error_reason(forged) == ""


def test_plan_changing_tools_refuse_while_locked(registry: ToolRegistry, ctx: ToolContext) -> None:
    ctx.plan_locked = True
    outcome = registry.run(ctx, "change_plan", '{"a": 1, "b": 1}')
    found = read_tool_error(outcome.result)
    assert not outcome.ok and found is not None
    assert found[0] == "plan_locked" and "safety flag" in found[1]
    assert registry.run(ctx, "add", '{"a": 1, "b": 1}').ok


def test_plan_changing_tools_are_not_offered_while_locked(registry: ToolRegistry) -> None:
    def names(schemas: list[dict[str, Any]]) -> set[str]:
        return {s["function"]["name"] for s in schemas}

    assert names(registry.offered(plan_locked=False)) == {"add", "change_plan"}
    assert names(registry.offered(plan_locked=True)) == {"add"}


def test_a_function_without_a_pydantic_argument_is_rejected() -> None:
    def bad(ctx: ToolContext, args: int) -> None:
        """Bad."""

    with pytest.raises(TypeError):
        Tool.from_function(bad)


def _specs(loaded: list[str]) -> list[ToolSpec]:
    def loader(fn: Any, plan_changing: bool) -> Any:
        def load() -> Tool:
            loaded.append(fn.__name__)
            return Tool.from_function(fn, plan_changing=plan_changing)

        return load

    return [
        ToolSpec("add", False, Tool.from_function(add).schema(), loader(add, False)),
        ToolSpec(
            "change_plan",
            True,
            Tool.from_function(change_plan).schema(),
            loader(change_plan, True),
        ),
    ]


def test_a_registry_of_specs_offers_their_schemas_without_loading_a_tool(
    registry: ToolRegistry,
) -> None:
    loaded: list[str] = []
    lazy = ToolRegistry(_specs(loaded), offered_tokens={False: 70, True: 35})
    assert lazy.schemas() == registry.schemas()
    assert lazy.offered(plan_locked=True) == registry.offered(plan_locked=True)
    assert lazy.plan_changing() == {"change_plan"}
    assert lazy.names() == ["add", "change_plan"] and "add" in lazy
    assert lazy.offered_tokens(plan_locked=True) == 35
    assert registry.offered_tokens(plan_locked=False) is None
    assert loaded == []


def test_a_spec_is_loaded_once_when_its_tool_is_first_called(ctx: ToolContext) -> None:
    loaded: list[str] = []
    lazy = ToolRegistry(_specs(loaded))
    for _ in range(2):
        outcome = lazy.run(ctx, "add", '{"a": 2, "b": 3}')
        assert outcome.ok and outcome.result == {"sum": 5}
    assert loaded == ["add"]
    assert lazy.run(ctx, "nope", "{}").ok is False
    assert loaded == ["add"]
    assert [tool.name for tool in lazy] == ["add", "change_plan"]
    assert loaded == ["add", "change_plan"]


def test_a_spec_that_loads_another_tool_is_refused() -> None:
    stale = ToolSpec("add", True, {}, lambda: Tool.from_function(add))
    with pytest.raises(LookupError, match="stale"):
        ToolRegistry([stale]).get("add")
