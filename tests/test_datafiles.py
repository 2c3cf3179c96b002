"""Parsed YAML is kept between runs by content and always equals a fresh parse."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from agent import datafiles
from agent.config import user_cache_dir

TEXT = "a: &shared [1, 2]\nb: *shared\nc: {x: null, 2: yes}\n"


def _kept() -> list[Path]:
    return sorted((user_cache_dir() / "yaml").glob("*.marshal"))


def test_a_kept_parse_equals_a_fresh_one_aliases_included() -> None:
    first = datafiles.parse_yaml(TEXT)
    assert len(_kept()) == 1
    second = datafiles.parse_yaml(TEXT)
    assert second == first == yaml.safe_load(TEXT)
    assert second["a"] is second["b"]  # an alias stays one object, as parsed
    assert second is not first  # each caller gets its own copy to change


def test_files_bytes_and_text_share_one_kept_parse() -> None:
    datafiles.parse_yaml(TEXT)
    assert datafiles.parse_yaml(io.StringIO(TEXT)) == datafiles.parse_yaml(TEXT.encode())
    assert len(_kept()) == 1


def test_an_edited_text_is_parsed_afresh() -> None:
    datafiles.parse_yaml(TEXT)
    assert datafiles.parse_yaml(TEXT.replace("1, 2", "3"))["a"] == [3]
    assert len(_kept()) == 2


def test_a_corrupt_kept_file_is_parsed_again() -> None:
    datafiles.parse_yaml(TEXT)
    _kept()[0].write_bytes(b"\x00garbage")
    assert datafiles.parse_yaml(TEXT) == yaml.safe_load(TEXT)


def test_a_value_marshal_cannot_hold_is_not_kept() -> None:
    assert datafiles.parse_yaml("when: 2026-11-16\n")["when"].isoformat() == "2026-11-16"
    assert _kept() == []


def test_yaml_error_is_pyyamls_own() -> None:
    assert datafiles.YAMLError is yaml.YAMLError
    with pytest.raises(AttributeError):
        _ = datafiles.NoSuchName


def test_the_parser_identity_names_the_installed_pyyaml() -> None:
    identity = datafiles._parser_identity()
    assert Path(yaml.__file__).parent.as_posix() in identity
    assert "__init__.py" in identity


def test_a_malformed_file_still_raises() -> None:
    with pytest.raises(datafiles.YAMLError):
        datafiles.parse_yaml("a: [1, 2\n")


def test_an_unwritable_cache_costs_time_only(unwritable_cache: Path) -> None:
    assert datafiles.parse_yaml(TEXT) == yaml.safe_load(TEXT)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
_DATA: Any = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(_DATA)
def test_any_document_reads_back_as_parsed(data: Any) -> None:
    text = yaml.safe_dump(data)
    assert datafiles.parse_yaml(text) == datafiles.parse_yaml(text) == yaml.safe_load(text)
