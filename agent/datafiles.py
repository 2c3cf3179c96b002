"""Parsing the YAML data files shipped with the package (catalog, rules, lexicons, scenarios).

One function for every reader, so all of them use libyaml's C parser when PyYAML was built
with it (about seven times faster than the pure-Python one; the shipped files took
~0.45 s to parse at every start-up without it) and fall back to the pure-Python safe loader
otherwise. Both build plain dicts, lists and scalars only: ``CSafeLoader`` is the safe
loader, written in C.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAMLError = yaml.YAMLError
"""What a malformed file raises (re-exported so readers need not import yaml)."""


def parse_yaml(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    """The YAML document in ``source`` (text or an open file), as plain Python data."""
    return yaml.load(source, Loader=_LOADER)
