"""The import rules of ARCHITECTURE.md, checked on every import in the product's code.

Each rule names a part and the parts it must not import. Imports inside functions count:
a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

# Each tuple is everything above a part, so the rules read as layers.
_ABOVE_LOOP = ("agent.cli", "agent.server", "evals")
_ABOVE_TOOLS = ("agent.loop", *_ABOVE_LOOP)
_ABOVE_COACHING = ("agent.models", "agent.tools", *_ABOVE_TOOLS)
_ABOVE_MEMORY = ("agent.coaching", *_ABOVE_COACHING)

FORBIDDEN: dict[str, tuple[str, ...]] = {
    # planning is pure: data in, plan out.
    "agent.planning": ("agent.memory", "agent.live", "safety", *_ABOVE_MEMORY),
    # Importers are pure parsers: a file in, typed records out; no SQL, nothing above.
    "agent.importers": ("agent.memory", "agent.planning", "agent.live", "safety", *_ABOVE_MEMORY),
    # The workout state machine is pure too.
    "agent.live": ("agent.memory", *_ABOVE_MEMORY),
    # Safety stands alone: no model, nothing from the agent.
    "safety": ("agent", "evals"),
    # What agent and safety both keep on disk (atomic files, compiled regular
    # expressions): it serves both and imports neither; the host names its folders.
    "coachcache": ("agent", "safety", "evals", "prompts"),
    # Models turn messages into messages; they neither run workouts nor touch the database.
    "agent.models": ("agent.live", "agent.coaching", "agent.memory", "agent.tools", *_ABOVE_TOOLS),
    # Memory owns SQL; it serves the layers above and imports none of them.
    "agent.memory": _ABOVE_MEMORY,
    "agent.coaching": _ABOVE_COACHING,
    "agent.tools": ("agent.models", *_ABOVE_TOOLS),
    "agent.loop": _ABOVE_LOOP,
    "agent.server": ("agent.cli", "evals"),
    "agent.errors": ("agent.", "safety", "evals"),
    "agent.clock": ("agent.", "safety", "evals"),
    "agent.datafiles": ("agent.", "safety", "evals"),
    "agent.derived": ("agent.", "safety", "evals"),
    "agent.regexes": ("agent.", "safety", "evals"),
    "agent.config": ("agent.memory", "agent.models", "agent.tools", *_ABOVE_TOOLS),
    # The CLI's eval command is the product's one door into the eval harness.
    "agent.cli": ("evals",),
}

EXEMPT = {
    "agent.cli.eval": ("evals",),
    # Derived files (parsed YAML, tool schemas, compiled regular expressions) are kept in
    # the user's cache directory, which the configuration names; none imports anything
    # else of the agent.
    "agent.derived": ("agent.config",),
    "agent.datafiles": ("agent.config", "agent.derived"),
    "agent.regexes": ("agent.config",),
    # The offline model reads a consultation answer or a reported test result with the
    # same pure parsers the form and the tools use (data and regexes: no SQL, no state),
    # so the chat and the form can never read one answer two ways.
    "agent.models.offline.consultation_hook": (
        "agent.coaching.consultation_answers",
        "agent.coaching.assessment_reports",
    ),
}
"""Modules allowed what their part is not: ``coach eval`` runs the harness."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # "from agent import loop" imports agent.loop.
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def _within(name: str, part: str) -> bool:
    if part.endswith("."):
        return name.startswith(part)
    return name == part or name.startswith(part + ".")


def _part_of(module: str) -> str | None:
    matches = [part for part in FORBIDDEN if _within(module, part)]
    return max(matches, key=len) if matches else None


def _product_files() -> list[Path]:
    tops = ("agent", "coachcache", "safety")
    return sorted(p for top in tops for p in (ROOT / top).rglob("*.py"))


def is_forbidden(module: str, name: str) -> bool:
    """Whether ``module`` may not import ``name``."""
    part = _part_of(module)
    if part is None or _within(name, part):
        return False
    if any(_within(name, allowed) for allowed in EXEMPT.get(module, ())):
        return False
    return any(_within(name, banned) for banned in FORBIDDEN[part])


def violations() -> list[str]:
    """Every forbidden import in the product, as ``module:line imports name``."""
    found: list[str] = []
    for path in _product_files():
        module = _module_name(path)
        found.extend(
            f"{module}:{line} imports {name}"
            for line, name in _imports(path)
            if is_forbidden(module, name)
        )
    return found


def test_no_module_imports_a_part_it_must_not() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("module", "name", "forbidden"),
    [
        ("agent.planning.session", "agent.memory.db", True),
        ("safety.review", "agent.memory.db", True),
        ("coachcache.regexes", "agent.config", True),
        ("coachcache.files", "safety.kept", True),
        ("safety.rules", "coachcache.regexes", False),
        ("agent.models.offline.router", "agent.live.state", True),
        ("agent.live.state", "agent.coaching.session", True),
        ("agent.cli.plan", "evals.runner", True),
        ("agent.cli.eval", "evals.runner", False),
        ("agent.coaching.plan", "agent.memory.store", False),
        ("agent.importers.fit", "agent.memory.db", True),
        ("agent.memory.wearables", "agent.importers.records", False),
    ],
)
def test_the_rules_catch_what_they_name(module: str, name: str, forbidden: bool) -> None:
    assert is_forbidden(module, name) is forbidden


def test_every_product_module_belongs_to_a_ruled_part_or_a_face() -> None:
    # A new top-level part must be placed in the rules (or be a face: the CLI, prompts).
    unruled = {
        _module_name(p)
        for p in _product_files()
        if _part_of(_module_name(p)) is None and _module_name(p) not in {"agent"}
    }
    assert unruled == set()


def _database_calls(path: Path) -> list[int]:
    """Lines that run SQL: calls of ``.execute``/``.executemany``/``.executescript``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"execute", "executemany", "executescript"}
    ]


def test_memory_is_the_only_part_of_the_agent_that_runs_sql() -> None:
    # safety/ keeps its own tables' SQL (it may not import agent); evals reads end states.
    outside = [
        f"{_module_name(path)}:{line}"
        for path in sorted((ROOT / "agent").rglob("*.py"))
        if not _module_name(path).startswith("agent.memory")
        for line in _database_calls(path)
    ]
    assert outside == []
