"""Strings one of which every match of an expression contains: a cheap first look.

A search that finds nothing still runs the expression at every word start of the
sentence, and the screen's largest expressions (the idioms: about eighty alternatives of
their own alternations) cost tens of microseconds per sentence that way. Most sentences
contain none of the words such an expression needs, and a search for those words alone
(one expression of plain strings, shaped as a trie so the engine follows one branch per
position) costs a few.

:func:`necessary` reads the parsed expression (``re``'s own parser) and returns strings
such that every match contains at least one of them, or None when it cannot tell (a
case-insensitive part, an alternative that needs no literal text). Only what the match
itself consumes counts: a lookaround's text may lie outside it. So where none of the
strings occurs, the expression cannot match, and skipping it changes no result.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_constants: Any = importlib.import_module("re._constants")

_ZERO_WIDTH = frozenset({_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT})
_REPEATS = frozenset({_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT})
_SMALL_CLASS = 8
"""A character class of at most this many characters counts as its characters."""


def necessary(source: str) -> frozenset[str] | None:
    """Strings one of which occurs in every match of ``source``; None when not known."""
    try:
        parsed = _parser.parse(source)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.LOCALE):
        return None
    return _sequence(parsed.data)


def _sequence(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The best necessary set of a sequence: each run of literals, each needed element."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _constants.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append(frozenset({"".join(run)}))
            run = []
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the literals either side stay needed
        found = _element(op, av)
        if found is not None:
            candidates.append(found)
    if run:
        candidates.append(frozenset({"".join(run)}))
    if not candidates:
        return None
    # Any needed set will do; the one whose shortest string is longest rules out most.
    return max(candidates, key=lambda strings: (min(map(len, strings)), -len(strings)))


def _element(op: Any, av: Any) -> frozenset[str] | None:
    """What one element of a sequence needs, when every match of it needs something."""
    if op is _constants.SUBPATTERN:
        _group, add_flags, del_flags, inner = av
        return None if add_flags or del_flags else _sequence(inner.data)
    if op is _constants.ATOMIC_GROUP:
        return _sequence(av.data)
    if op is _constants.BRANCH:
        union: set[str] = set()
        for alternative in av[1]:
            found = _sequence(alternative.data)
            if found is None:
                return None  # one alternative needs nothing: the whole needs nothing
            union |= found
        return frozenset(union)
    if op in _REPEATS:
        low, _high, inner = av
        return _sequence(inner.data) if low >= 1 else None
    if op is _constants.IN:
        return _class(av)
    return None


def _class(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _constants.LITERAL:
            chars.add(chr(av))
        elif op is _constants.RANGE and av[1] - av[0] < _SMALL_CLASS:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:
            return None
    return frozenset(chars) if 0 < len(chars) <= _SMALL_CLASS else None


def char_trie(strings: Iterable[str]) -> dict[str, Any]:
    """The characters of ``strings`` as nested dictionaries; ``""`` marks where one ends.

    Its expressions (:func:`trie_source` here, the anchor index's in ``safety.rules``)
    read children in sorted order, so the order of ``strings`` does not matter.
    """
    trie: dict[str, Any] = {}
    for string in strings:
        node = trie
        for char in string:
            node = node.setdefault(char, {})
        node[""] = {}
    return trie


def trie_source(strings: frozenset[str]) -> str:
    """An expression that finds any of ``strings``, shaped as a trie of their characters.

    A string that another one starts with is enough on its own: the longer ones are left
    out.
    """
    return _branches(char_trie(strings))


def _branches(node: dict[str, Any]) -> str:
    if "" in node:
        return ""
    alternatives = [re.escape(char) + _branches(node[char]) for char in sorted(node)]
    if len(alternatives) == 1:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")"
