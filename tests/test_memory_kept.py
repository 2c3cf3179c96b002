"""Values kept per database handle and person (``agent.memory.kept``)."""

from __future__ import annotations

import gc

import pytest

from agent.memory.kept import PerPerson, forget


class _Handle:
    """Stands for a database handle: values are kept per handle object."""


def test_values_are_kept_per_handle_and_person() -> None:
    kept: PerPerson[str] = PerPerson()
    one, two = _Handle(), _Handle()
    kept.put(one, 1, "one's first")
    kept.put(two, 1, "two's first")
    kept.put(one, 2, "one's second")
    assert kept.get(one, 1) == "one's first"
    assert kept.get(two, 1) == "two's first"
    assert kept.get(one, 2) == "one's second"
    assert kept.get(two, 2) is None
    kept.put(one, 1, "replaced")
    assert kept.get(one, 1) == "replaced"


def test_the_least_recently_read_person_goes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PerPerson, "PEOPLE", 2)
    kept: PerPerson[int] = PerPerson()
    handle = _Handle()
    kept.put(handle, 1, 10)
    kept.put(handle, 2, 20)
    assert kept.get(handle, 1) == 10  # read: 2 is now the least recent
    kept.put(handle, 3, 30)
    assert [kept.get(handle, u) for u in (1, 2, 3)] == [10, None, 30]


def test_a_handle_that_is_gone_takes_its_values_with_it() -> None:
    kept: PerPerson[list[int]] = PerPerson()
    handle = _Handle()
    kept.put(handle, 1, [1, 2, 3])
    del handle
    gc.collect()
    assert len(kept._by_handle) == 0


def test_forget_drops_every_kind_for_one_handle_only() -> None:
    first: PerPerson[int] = PerPerson()
    second: PerPerson[str] = PerPerson()
    gone, stays = _Handle(), _Handle()
    for handle in (gone, stays):
        first.put(handle, 1, 1)
        second.put(handle, 1, "a")
    forget(gone)
    assert (first.get(gone, 1), second.get(gone, 1)) == (None, None)
    assert (first.get(stays, 1), second.get(stays, 1)) == (1, "a")
