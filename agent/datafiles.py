"""Parsing the YAML data files shipped with the package (catalog, rules, lexicons, scenarios).

One function for every reader, so all of them use libyaml's C parser when PyYAML was built
with it (about seven times faster than the pure-Python one; the shipped files took
~0.45 s to parse at every start-up without it) and fall back to the pure-Python safe loader
otherwise. Both build plain dicts, lists and scalars only: ``CSafeLoader`` is the safe
loader, written in C.

What a file parses to is also kept in the user's cache directory as ``marshal`` data (the
format of Python's own ``.pyc`` files), under the SHA-256 of the text and of the installed
PyYAML (its files: another version or build is another key): unmarshalling is several
times faster than even the C parser, whose objects are still built in Python. Any other
text is a new key, so an edited file is parsed afresh; a value ``marshal`` cannot hold (a
date) is simply not kept. PyYAML itself is imported only to parse (about 12 ms of a start
whose files are all kept).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import marshal
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from agent.config import user_cache_dir
from coachcache.files import keep_file

if TYPE_CHECKING:
    from yaml import YAMLError as YAMLError


def __getattr__(name: str) -> Any:
    # ``YAMLError`` (what a malformed file raises, re-exported so readers need not import
    # yaml) is looked up when a reader asks for it, so importing this module costs no yaml.
    if name == "YAMLError":
        return importlib.import_module("yaml").YAMLError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parse_yaml(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    """The YAML document in ``source`` (text or an open file), as plain Python data."""
    text = source if isinstance(source, str | bytes) else source.read()
    raw = text.encode("utf-8") if isinstance(text, str) else text
    kept = _kept_path(raw)
    try:
        return marshal.loads(kept.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass  # not kept yet (or unreadable): parse it
    import yaml  # only a file not yet kept is parsed

    value = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    _keep(kept, value)
    return value


@lru_cache(maxsize=1)
def _parser_identity() -> str:
    """The installed PyYAML, without importing it: its folder, files, sizes and times.

    An upgrade, a reinstall or a build with or without libyaml (the ``_yaml`` extension)
    changes this, so files parsed by another PyYAML are never read back.
    """
    spec = importlib.util.find_spec("yaml")
    if spec is None or not spec.submodule_search_locations:
        return "no yaml"
    folder = next(iter(spec.submodule_search_locations))
    entries = []
    with os.scandir(folder) as found:
        for entry in found:
            if entry.is_file():
                stat = entry.stat()
                entries.append(f"{entry.name} {stat.st_size} {stat.st_mtime_ns}")
    return f"{folder}\0" + "\0".join(sorted(entries))


def _kept_path(raw: bytes) -> Path:
    versions = f"{_parser_identity()} {marshal.version} {sys.version_info[:2]}"
    digest = hashlib.sha256(f"{versions}\0".encode())
    digest.update(raw)
    return user_cache_dir() / "yaml" / f"{digest.hexdigest()}.marshal"


def _keep(path: Path, value: Any) -> None:
    try:
        data = marshal.dumps(value)
    except ValueError:
        return  # a type marshal cannot hold: parsed every time, as before
    keep_file(path, data)
