"""Regular expressions compiled once per machine, not once per process.

Compiling a regular expression runs Python code (``re``'s parser and compiler), and the
offline model's are large: every exercise name, piece of equipment and body part in one
alternation; so are the safety screen's rules. They cost about 0.05 s of each
``coach chat`` start, the screen's about as much again. What compiling
produces is a list of integers, SRE's code, which ``_sre.compile`` turns into the
pattern object in C; that is what ``re.compile`` itself calls last.

:func:`cached_compile` keeps that code in the user's cache directory as ``marshal`` data (the
format of Python's ``.pyc`` files), in a file named for the Python build and SRE's
version, and later processes build the pattern from it without parsing anything.

- The pattern is the one ``re.compile`` returns: ``==`` compares text, flags and code,
  and a test holds them equal for every pattern the offline model compiles.
- CPython checks SRE code before using it, so a damaged file raises in
  ``_sre.compile``; that, any other error, another Python or a missing file means
  compiling as ``re.compile`` does. The cache can cost time, never change a match.
- New codes are written when the process exits, merged with the file's, so the first
  run of a new version writes once. Only patterns from the package's own code and data
  come here (never a person's text), so the file stays the size of the package's set.
- The host names the folder (:func:`use_folder`: the agent names the user cache's);
  until one is named, or when it cannot be read or written (no home, a read-only one),
  patterns compile as ``re.compile`` compiles them and nothing is written.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import logging
import marshal
import re
import sys
import threading
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coachcache.files import keep_file

log = logging.getLogger(__name__)

_FORMAT = 2
"""Bumped when the stored layout changes."""

MAX_KEPT = 5000
"""Patterns the file holds at most (the package has about 550). Past it, a write keeps
only what the writing process used, so a pattern whose text changed from run to run
could never make the file grow without end."""

Entry = tuple[int, bytes, int, dict[str, int], tuple[str | None, ...]]
"""What ``_sre.compile`` takes after the pattern text: flags, code, groups, names both ways.

The code is kept as the bytes of 32-bit words, SRE's unit: unmarshalling 190,000 small
ints took 7 ms, the bytes and ``array.tolist`` well under one."""

# CPython's regular expression engine and ``re``'s private parser and compiler (which
# ``re`` has already imported); without them, or on another layout, compile as usual.
try:
    _sre: Any = importlib.import_module("_sre")
    _parser: Any = importlib.import_module("re._parser")
    _compiler: Any = importlib.import_module("re._compiler")
    _ENGINE: str | None = f"{sys.version} sre {_sre.MAGIC} marshal {marshal.version}"
    if array("I").itemsize != 4 or _sre.CODESIZE != 4:  # pragma: no cover - unusual build
        _ENGINE = None
except (ImportError, AttributeError):  # pragma: no cover - not CPython 3.11+
    _ENGINE = None


class _Store:
    """The kept codes of one process: loaded on first use, written back at exit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._kept: dict[tuple[str, int], Entry] | None = None
        self._new: dict[tuple[str, int], Entry] = {}
        self._used: set[tuple[str, int]] = set()

    def _entries(self) -> dict[tuple[str, int], Entry]:
        if self._kept is None:
            if _locate is None:
                return {}  # no folder named yet: compile, and look again next time
            with self._lock:
                if self._kept is None:
                    try:
                        self._path = _file()
                    except (OSError, RuntimeError) as exc:  # no home, no cache folder
                        log.debug("no cache for regular expressions: %s", exc)
                        self._kept = {}
                        return self._kept
                    self._kept = _read(self._path)
                    atexit.register(self.save)
        return self._kept

    def compile(self, pattern: str, flags: int, rewrite: Rewrite | None = None) -> re.Pattern[str]:
        key = (pattern if rewrite is None else f"{rewrite[0]}\0{pattern}", flags)
        entry = self._entries().get(key)
        if entry is not None:
            try:
                compiled = _from_entry(pattern, entry)
                self._used.add(key)
                return compiled
            except Exception as exc:  # a damaged or foreign file: compile instead
                log.debug("kept code for %.60r not usable: %s", pattern, exc)
        entry = _entry(pattern, flags, None if rewrite is None else rewrite[1])
        self._new[key] = entry
        return _from_entry(pattern, entry)

    def save(self) -> None:
        """Write the codes compiled by this process into the file (merged with its own)."""
        if not self._new or self._path is None:
            return
        merged = _read(self._path)
        merged.update(self._new)
        if len(merged) > MAX_KEPT and self._kept is not None:
            merged = {key: self._kept[key] for key in self._used if key in self._kept}
            merged.update(self._new)
        self._new = {}
        keep_file(self._path, marshal.dumps(merged))


_locate: Callable[[], Path] | None = None


def use_folder(locate: Callable[[], Path] | None) -> None:
    """Keep codes in the folder ``locate()`` names, or nowhere (None).

    The file is read at the first compile after a folder is named, once per process; a
    folder named later than that is not read.
    """
    global _locate
    _locate = locate


def _file() -> Path:
    if _locate is None:
        raise RuntimeError("no folder named for compiled regular expressions")
    engine = hashlib.sha256(f"{_FORMAT} {_ENGINE}".encode()).hexdigest()[:32]
    return _locate() / f"{engine}.marshal"


def _read(path: Path) -> dict[tuple[str, int], Entry]:
    try:
        value = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def _entry(pattern: str, flags: int, rewrite: Callable[[Any], Any] | None = None) -> Entry:
    """Compile ``pattern`` as ``re._compiler.compile`` does, keeping what it hands to C."""
    parsed = _parser.parse(pattern, flags)
    if rewrite is not None:
        parsed = rewrite(parsed)
    code = array("I", _compiler._code(parsed, flags)).tobytes()
    names = dict(parsed.state.groupdict)
    by_index: list[str | None] = [None] * parsed.state.groups
    for name, index in names.items():
        by_index[index] = name
    flags = int(flags | parsed.state.flags)
    return (flags, code, int(parsed.state.groups) - 1, names, tuple(by_index))


def _from_entry(pattern: str, entry: Any) -> re.Pattern[str]:
    flags, code, groups, names, by_index = entry
    words = array("I")
    words.frombytes(code)
    compiled: re.Pattern[str] = _sre.compile(
        pattern, flags, words.tolist(), groups, names, by_index
    )
    return compiled


_STORE = _Store()


Rewrite = tuple[str, Callable[[Any], Any]]
"""A rewriting of the parsed pattern before it is compiled, and the name (with a version)
its codes are kept under: it must match exactly what the pattern matches, only faster."""


def cached_compile(pattern: str, flags: int = 0, rewrite: Rewrite | None = None) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from kept code when this machine compiled it before.

    For the package's own patterns (see the module). Raises ``re.error`` for a bad
    pattern, as ``re.compile`` does. ``rewrite`` changes the parsed pattern before it is
    compiled (see :data:`Rewrite`); the pattern object still names ``pattern``.
    """
    flags = int(flags)  # a RegexFlag is an int to SRE, but marshal keeps only plain ones
    if _ENGINE is None or flags & re.DEBUG:
        # No access to re's compiler here: the plain pattern matches the same.
        return re.compile(pattern, flags)
    return _STORE.compile(pattern, flags, rewrite)


def save() -> None:
    """Write what this process compiled now rather than at exit (tests, long runs)."""
    _STORE.save()
