"""Parsing safety's YAML data files, with libyaml's C parser when PyYAML has it.

The same two lines as ``agent.datafiles.parse_yaml``: safety may import nothing from
``agent`` (ARCHITECTURE.md), so it keeps its own. The C ``CSafeLoader`` is the safe
loader written in C (about seven times faster); without libyaml the pure-Python one.
PyYAML is imported on the first parse: a start that reads every file from
:mod:`safety.kept` never loads it.
"""

from __future__ import annotations

from typing import IO, Any


def parse_yaml(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    """The YAML document in ``source`` (text or an open file), as plain Python data."""
    import yaml  # a start whose files are all kept never needs it

    return yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
