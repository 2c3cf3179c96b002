"""Every tool schema is derived, described, and snapshotted so a change is always seen."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from agent.tools import default_registry

SNAPSHOT = Path(__file__).parent / "snapshots" / "tool_schemas.json"


def _undescribed(schema: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
    missing: list[str] = []
    for name, prop in schema.get("properties", {}).items():
        if "$ref" in prop:
            target = defs[prop["$ref"].rsplit("/", 1)[-1]]
            if "description" not in prop and "description" not in target:
                missing.append(f"{path}.{name}")
            missing.extend(_undescribed(target, defs, f"{path}.{name}"))
        elif "description" not in prop:
            missing.append(f"{path}.{name}")
    return missing


def test_every_parameter_has_a_description() -> None:
    for schema in default_registry().schemas():
        function = schema["function"]
        params = function["parameters"]
        assert function["description"], function["name"]
        assert _undescribed(params, params.get("$defs", {}), function["name"]) == []


def test_tool_schemas_match_snapshot() -> None:
    current = json.dumps(default_registry().schemas(), indent=1, sort_keys=True)
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(current + "\n")
    assert SNAPSHOT.read_text().strip() == current.strip(), (
        "tool schemas changed: review, then rerun with UPDATE_SNAPSHOTS=1"
    )
