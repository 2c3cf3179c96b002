"""Parsing the YAML data files shipped with the package (catalog, rules, lexicons, scenarios).

One function for every reader, so all of them use libyaml's C parser when PyYAML was built
with it (about seven times faster than the pure-Python one; the shipped files took
~0.45 s to parse at every start-up without it) and fall back to the pure-Python safe loader
otherwise. Both build plain dicts, lists and scalars only: ``CSafeLoader`` is the safe
loader, written in C.

What a file parses to is also kept in the user's cache directory as ``marshal`` data (the
format of Python's own ``.pyc`` files), under the SHA-256 of the text, the loader and
PyYAML's version: unmarshalling is several times faster than even the C parser, whose
objects are still built in Python. Any other text is a new key, so an edited file is
parsed afresh; a value ``marshal`` cannot hold (a date) is simply not kept.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from pathlib import Path
from typing import IO, Any

import yaml

from agent.config import user_cache_dir
from agent.derived import keep_file

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAMLError = yaml.YAMLError
"""What a malformed file raises (re-exported so readers need not import yaml)."""


def parse_yaml(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    """The YAML document in ``source`` (text or an open file), as plain Python data."""
    text = source if isinstance(source, str | bytes) else source.read()
    raw = text.encode("utf-8") if isinstance(text, str) else text
    kept = _kept_path(raw)
    try:
        return marshal.loads(kept.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass  # not kept yet (or unreadable): parse it
    value = yaml.load(text, Loader=_LOADER)
    _keep(kept, value)
    return value


def _kept_path(raw: bytes) -> Path:
    versions = f"{_LOADER.__name__} {yaml.__version__} {marshal.version} {sys.version_info[:2]}"
    digest = hashlib.sha256(f"{versions}\0".encode())
    digest.update(raw)
    return user_cache_dir() / "yaml" / f"{digest.hexdigest()}.marshal"


def _keep(path: Path, value: Any) -> None:
    try:
        data = marshal.dumps(value)
    except ValueError:
        return  # a type marshal cannot hold: parsed every time, as before
    keep_file(path, data)
