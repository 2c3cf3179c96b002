r"""Bounded alternations rewritten so that ``re`` turns an alternative away by its first character.

Every rule and most context triggers are one expression ``(?<![a-z0-9])(?:A|B|...)
(?![a-z0-9])`` of dozens of alternatives (the idioms: about a hundred). ``re`` tries the
alternatives in order at every word start, and it can turn one away cheaply only when
the alternative opens with a plain character or class; most of ours open with a group
("(?:chest|heart) ..."), an optional word or a lookbehind, and ``re`` enters each of
those. That was most of a screen call's time on a long message.

:func:`lift` rewrites the parsed expression into the same language, alternative by
alternative in the same order: each alternative becomes, for every character ``c`` it
can begin with, ``c`` followed by what may follow ``c`` (its derivative by ``c``), and
the pieces that begin with the same character are grouped (to two characters deep). At
a position only the group of that position's character is entered. Where an alternative
opens with an alternation of words, what follows it is shared by their derivatives, not
copied into each.

Exactness:

- the derivative by ``c`` keeps every way the alternative can go after ``c`` in ``re``'s
  order of trying them (a greedy optional or repeat takes one more turn first), so at a
  position the first alternative that matches, and how far, are the same;
- a lookbehind met before the first character moves after it with ``c`` appended
  (``(?<!almost )`` before ``c`` is ``(?<!almost c)`` after it), and ``\b`` becomes the
  lookbehind it means there;
- which ASCII characters a class holds is asked of ``re`` itself, and an alternative that
  may begin with a non-ASCII character keeps a copy of itself for those, guarded;
- anything else (a lookahead before the first character, a lazy repeat, a group that
  captures, an alternative that can match nothing) keeps that alternative as it was,
  in its place: alternatives are only grouped across a stretch that was all rewritten.

Tests hold every rewritten expression of the rule files equal to the plain one (the
same matches, spans and order) on the corpus and on generated text.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_constants: Any = importlib.import_module("re._constants")
_compiler: Any = importlib.import_module("re._compiler")

LITERAL = _constants.LITERAL
DEPTH = 2
"""Characters grouped: two levels turned the idioms' search from ~60 µs to ~7 on a long
sentence; a third added compile time and no speed."""

SPREAD = 4
"""Below the first level, what can begin with more characters than this is not copied into
each character's group: its own alternations are rewritten where they stand instead.
Copied per pair of characters, what follows (often most of an alternative) was copied
too. At the first level every alternative is grouped: that is where the speed is, and
the code is about four and a half times that of the plain expressions (4.5 MB)."""

WIDEST = 12
r"""Below the first level, what can begin with more characters than this (``\w*ty``) is
not grouped again: copied once per character pair, with its continuation, it made the
code so large that the search was slower, not faster."""

_ASCII = tuple(chr(code) for code in range(128))
_NON_ASCII_GUARD = r"(?=[^\x00-\x7f])"


class _Kept(Exception):
    """This alternative stays as it was (see the module doc)."""


@lru_cache(maxsize=1)
def version() -> str:
    """Names this rewriting in kept compiled codes: a change of this file is a new key."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _items_key(items: list[tuple[Any, Any]]) -> str:
    return repr(items)


_CLASSES: dict[str, tuple[frozenset[str], bool]] = {}


def _class(items: list[tuple[Any, Any]]) -> tuple[frozenset[str], bool]:
    """The ASCII characters a class holds (asked of ``re``) and whether it may hold others."""
    key = _items_key(items)
    found = _CLASSES.get(key)
    if found is None:
        state = _parser.State()
        tester = _compiler.compile(_parser.SubPattern(state, [(_constants.IN, items)]))
        chars = frozenset(c for c in _ASCII if tester.fullmatch(c) is not None)
        found = (chars, _may_hold_non_ascii(items))
        _CLASSES[key] = found
    return found


def _may_hold_non_ascii(items: list[tuple[Any, Any]]) -> bool:
    for op, av in items:
        if op is _constants.NEGATE or op is _constants.CATEGORY:
            return True
        if op is LITERAL and av >= 128:
            return True
        if op is _constants.RANGE and av[1] >= 128:
            return True
    return False


def _first(seq: list[tuple[Any, Any]]) -> tuple[frozenset[str], bool, bool]:
    """(ASCII first characters, may begin with a non-ASCII one, may match nothing)."""
    chars: set[str] = set()
    non_ascii = False
    for op, av in seq:
        found, other, nullable = _first_of(op, av)
        chars |= found
        non_ascii = non_ascii or other
        if not nullable:
            return frozenset(chars), non_ascii, False
    return frozenset(chars), non_ascii, True


def _first_of(op: Any, av: Any) -> tuple[frozenset[str], bool, bool]:
    if op is LITERAL:
        return (frozenset({chr(av)}) if av < 128 else frozenset()), av >= 128, False
    if op is _constants.IN:
        held, other = _class(av)
        return held, other, False
    if op is _constants.NOT_LITERAL or op is _constants.ANY:
        return frozenset(_ASCII), True, False
    if op in (_constants.ASSERT, _constants.ASSERT_NOT, _constants.AT):
        return frozenset(), False, True
    if op is _constants.SUBPATTERN:
        group, add_flags, del_flags, pattern = av
        if group is not None or add_flags or del_flags:
            raise _Kept
        return _first(list(pattern.data))
    if op is _constants.BRANCH:
        chars: set[str] = set()
        other = nullable = False
        for branch in av[1]:
            found, more, empty = _first(list(branch.data))
            chars |= found
            other = other or more
            nullable = nullable or empty
        return frozenset(chars), other, nullable
    if op is _constants.MAX_REPEAT:
        low, _, pattern = av
        found, other, empty = _first(list(pattern.data))
        if empty:
            raise _Kept  # an empty turn: re stops such a loop its own way
        return found, other, low == 0
    raise _Kept


def _derivative(seq: list[tuple[Any, Any]], c: str) -> list[list[tuple[Any, Any]]]:
    """What may follow ``c`` where ``seq`` begins with it, in ``re``'s order of trying."""
    if not seq:
        return []
    (op, av), rest = seq[0], seq[1:]
    if op is LITERAL:
        return [rest] if chr(av) == c else []
    if op is _constants.IN:
        return [rest] if c in _class(av)[0] else []
    if op is _constants.NOT_LITERAL:
        return [rest] if chr(av) != c else []
    if op is _constants.ANY:
        return [rest] if c != "\n" else []
    if op is _constants.SUBPATTERN:
        group, add_flags, del_flags, pattern = av
        if group is not None or add_flags or del_flags:
            raise _Kept
        return _derivative(list(pattern.data) + rest, c)
    if op is _constants.BRANCH:
        return _branch_derivative(av, rest, c)
    if op is _constants.MAX_REPEAT:
        return _repeat_derivative(av, rest, c)
    if op in (_constants.ASSERT, _constants.ASSERT_NOT):
        direction, pattern = av
        if direction != -1:
            raise _Kept  # a lookahead before the first character
        moved = _parser.SubPattern(pattern.state, [*pattern.data, (LITERAL, ord(c))])
        return [[(op, (-1, moved)), *after] for after in _derivative(rest, c)]
    if op is _constants.AT and av in (_constants.AT_BOUNDARY, _constants.AT_NON_BOUNDARY):
        return [[_boundary(av, c), *after] for after in _derivative(rest, c)]
    raise _Kept


def _branch_derivative(av: Any, rest: list[tuple[Any, Any]], c: str) -> list[list[tuple[Any, Any]]]:
    """An alternation: each branch in turn, with what follows it."""
    branches = [list(branch.data) for branch in av[1]]
    if rest and not any(_first(branch)[2] for branch in branches):
        # Every branch consumes ``c`` itself, so what follows the alternation is
        # shared, not copied into each branch: the same order of trying (each branch
        # with the rest, then the next), a fraction of the code.
        inner = [after for branch in branches for after in _derivative(branch, c)]
        if len(inner) <= 1:
            return [[*after, *rest] for after in inner]
        state = av[1][0].state
        split = [_parser.SubPattern(state, after) for after in inner]
        return [[(_constants.BRANCH, (None, split)), *rest]]
    found: list[list[tuple[Any, Any]]] = []
    for branch in branches:
        found.extend(_derivative(branch + rest, c))
    return found


def _repeat_derivative(av: Any, rest: list[tuple[Any, Any]], c: str) -> list[list[tuple[Any, Any]]]:
    """A greedy repeat: one more turn is tried before stopping."""
    low, high, pattern = av
    if _first(list(pattern.data))[2]:
        raise _Kept
    unbounded = high == _constants.MAXREPEAT
    left = (
        []
        if high == 1
        else [(_constants.MAX_REPEAT, (max(low - 1, 0), high if unbounded else high - 1, pattern))]
    )
    turn = _derivative(list(pattern.data) + left + rest, c)
    if low > 0:
        return turn
    return turn + _derivative(rest, c)


def _boundary(at: Any, c: str) -> tuple[Any, Any]:
    r"""``\b`` (or ``\B``) before ``c``, said as a lookbehind after it."""
    state = _parser.State()
    word_before = _parser.SubPattern(
        state,
        [(_constants.IN, [(_constants.CATEGORY, _constants.CATEGORY_WORD)]), (LITERAL, ord(c))],
    )
    is_word = re.fullmatch(r"\w", c) is not None
    boundary = at is _constants.AT_BOUNDARY
    # \b before a word character: no word character before it; before another: one.
    wanted = (not is_word) if boundary else is_word
    return (_constants.ASSERT if wanted else _constants.ASSERT_NOT, (-1, word_before))


def _body(state: Any, sequences: list[list[tuple[Any, Any]]]) -> list[tuple[Any, Any]]:
    if len(sequences) == 1:
        return list(sequences[0])
    return [(_constants.BRANCH, (None, [_parser.SubPattern(state, s) for s in sequences]))]


_NON_ASCII = "\x80"
"""Stands for every non-ASCII first character among the groups (see :func:`_lift`)."""


def _lift(sequences: list[list[tuple[Any, Any]]], state: Any, depth: int) -> list[Any]:
    """The branches for ``sequences`` (alternatives, in order), grouped by first character.

    The order that matters is that of the alternatives that can begin with the same
    character. An alternative that is not grouped (copying it per character would bloat
    the code, or it cannot be read) stands alone, after the open groups of the
    characters it can begin with; the groups of other characters stay open.
    """
    branches: list[Any] = []
    groups: dict[str, list[list[tuple[Any, Any]]]] = {}

    def close(chars: frozenset[str] | None) -> None:
        for c in [c for c in groups if chars is None or c in chars]:
            following = groups.pop(c)
            if c == _NON_ASCII:
                guard = list(_parser.parse(_NON_ASCII_GUARD).data)
                branches.extend(_parser.SubPattern(state, guard + f) for f in following)
                continue
            inner = _lift(following, state, depth - 1) if depth > 1 else None
            body = (
                _body(state, following)
                if inner is None
                else [(_constants.BRANCH, (None, inner))]
                if len(inner) > 1
                else list(inner[0].data)
            )
            branches.append(_parser.SubPattern(state, [(LITERAL, ord(c)), *body]))

    for sequence in sequences:
        try:
            chars, non_ascii, nullable = _first(sequence)
            if nullable or (depth < DEPTH and len(chars) > WIDEST):
                raise _Kept
            if depth < DEPTH and len(chars) > SPREAD:
                close(chars | {_NON_ASCII} if non_ascii else chars)
                branches.append(_parser.SubPattern(state, _within(sequence, state)))
                continue
            following = {c: _derivative(sequence, c) for c in sorted(chars)}
        except _Kept:
            close(None)
            branches.append(_parser.SubPattern(state, sequence))
            continue
        for c, after in following.items():
            if after:
                groups.setdefault(c, []).extend(after)
        if non_ascii:
            groups.setdefault(_NON_ASCII, []).append(sequence)
    close(None)
    return branches


def _lifted_branch(av: Any, state: Any) -> tuple[Any, Any]:
    """An alternation (``BRANCH``'s operand) rewritten where it stands."""
    return (_constants.BRANCH, (None, _lift([list(b.data) for b in av[1]], state, DEPTH)))


def _within(sequence: list[tuple[Any, Any]], state: Any) -> list[tuple[Any, Any]]:
    """``sequence`` with each alternation in it rewritten in place (none copied)."""
    found: list[tuple[Any, Any]] = []
    for op, av in sequence:
        if op is _constants.BRANCH:
            found.append(_lifted_branch(av, state))
        elif op is _constants.SUBPATTERN and av[0] is None and not av[1] and not av[2]:
            inner = _parser.SubPattern(state, _within(list(av[3].data), state))
            found.append((op, (None, 0, 0, inner)))
        elif op is _constants.MAX_REPEAT:
            low, high, pattern = av
            inner = _parser.SubPattern(state, _within(list(pattern.data), state))
            found.append((op, (low, high, inner)))
        else:
            found.append((op, av))
    return found


def lift(parsed: Any) -> Any:
    """``parsed`` (``re``'s parse of an expression), each top-level alternation rewritten.

    An alternation matches the same wherever it stands (see the module doc), so what
    comes before or after it is left as it is.
    """
    parsed.data = [
        _lifted_branch(av, parsed.state) if op is _constants.BRANCH else (op, av)
        for op, av in parsed.data
    ]
    return parsed
