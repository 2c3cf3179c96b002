"""The default registry offers the same tools from kept schemas, importing a module on first use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import agent.tools as tools_package
from agent import derived
from agent.memory.context import count_tokens
from agent.tools import default_registry, default_tools
from agent.tools.registry import Tool, ToolSpec
from tests.fresh_process import RUN_THE_CLI, run_python


@pytest.fixture
def fresh_cache() -> None:
    # The kept schemas are also memoised per process; each test starts with neither.
    tools_package._kept.cache_clear()


def _eager_schemas() -> list[dict[str, object]]:
    return sorted((tool.schema() for tool in default_tools()), key=lambda s: str(s["function"]))


def test_the_first_registry_writes_the_schemas_and_the_next_offers_them_unloaded(
    fresh_cache: None,
) -> None:
    first = default_registry()
    assert all(isinstance(tool, Tool) for tool in first._tools.values())
    assert first.offered_tokens(plan_locked=False) is None

    tools_package._kept.cache_clear()  # as a new process would
    second = default_registry()
    assert all(isinstance(spec, ToolSpec) for spec in second._tools.values())
    assert second.schemas() == first.schemas()
    assert json.dumps(second.schemas()) == json.dumps(first.schemas())  # key order too
    assert second.offered(plan_locked=True) == first.offered(plan_locked=True)
    assert second.plan_changing() == first.plan_changing()
    assert second.names() == first.names()
    assert [tool.name for tool in second] == [tool.name for tool in first]
    for locked in (False, True):
        expected = count_tokens(json.dumps(first.offered(plan_locked=locked)))[0]
        assert second.offered_tokens(plan_locked=locked) == expected


def test_a_kept_tool_loads_as_the_tool_its_module_defines(fresh_cache: None) -> None:
    default_registry()
    tools_package._kept.cache_clear()
    registry = default_registry()
    by_name = {tool.name: tool for tool in default_tools()}
    for name in registry.names():
        loaded = registry.get(name)
        assert loaded is not None
        assert loaded.fn is by_name[name].fn and loaded.args_model is by_name[name].args_model


@pytest.mark.parametrize("content", ["", "not json", '{"key": "other", "value": {}}', "[1]"])
def test_a_stale_or_broken_file_is_ignored(fresh_cache: None, content: str) -> None:
    (derived._path("tool_schemas")).parent.mkdir(parents=True, exist_ok=True)
    derived._path("tool_schemas").write_text(content)
    registry = default_registry()
    assert all(isinstance(tool, Tool) for tool in registry._tools.values())
    assert sorted(registry.schemas(), key=lambda s: str(s["function"])) == _eager_schemas()


def test_a_kept_value_with_missing_parts_is_ignored(fresh_cache: None) -> None:
    derived.write("tool_schemas", tools_package._key(), {"tools": [{"name": "x"}]})
    registry = default_registry()
    assert all(isinstance(tool, Tool) for tool in registry._tools.values())


def test_an_unwritable_cache_costs_time_only(
    fresh_cache: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("COACH_CACHE_DIR", str(blocker / "cache"))
    registry = default_registry()
    assert len(registry.names()) == len(default_tools())


def test_a_chat_turn_imports_only_the_tools_it_calls(tmp_path: Path) -> None:
    # Two processes: the first keeps the schemas, the second answers a greeting from them
    # (the profile tools read the person's goal) and must import no other tool module, no
    # coaching or planning code for a person with no results, and no tokenizer.
    script = RUN_THE_CLI + "print('IMPORTED', ' '.join(sorted(sys.modules)))\n"
    for _ in range(2):
        done = run_python(
            script, tmp_path, "chat", "--db", str(tmp_path / "c.db"), stdin="hi there\n"
        )
    imported = set(done.stdout.split("IMPORTED ", 1)[1].split())
    unused = {f"agent.tools.{name}_tools" for name in ("memory", "session", "planning")} | {
        "agent.tools.assessment_tools",
        "agent.tools.consultation_tools",
        "agent.tools.trainer_tools",
        "agent.coaching.assessments",
        "agent.coaching.plan",
        "tiktoken",
    }
    assert "agent.tools.profile_tools" in imported
    assert imported & unused == set()
