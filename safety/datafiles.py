"""Parsing safety's YAML data files, with libyaml's C parser when PyYAML has it.

The same two lines as ``agent.datafiles.parse_yaml``: safety may import nothing from
``agent`` (ARCHITECTURE.md), so it keeps its own. The C ``CSafeLoader`` is the safe
loader written in C (about seven times faster); without libyaml the pure-Python one.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    """The YAML document in ``source`` (text or an open file), as plain Python data."""
    return yaml.load(source, Loader=_LOADER)
