"""Where the coach keeps its data and its cache on this platform."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agent.config import user_cache_dir, user_data_dir


def test_an_override_wins_for_data_and_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_CACHE_DIR", str(tmp_path / "cache"))
    assert user_data_dir() == tmp_path / "data"
    assert user_cache_dir() == tmp_path / "cache"


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the XDG folders are Linux's")
def test_linux_follows_xdg_and_its_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COACH_DATA_DIR", raising=False)
    monkeypatch.delenv("COACH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert user_data_dir() == tmp_path / "share" / "coachloop"
    assert user_cache_dir() == tmp_path / "cache" / "coachloop"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_data_dir() == tmp_path / ".local" / "share" / "coachloop"
    assert user_cache_dir() == tmp_path / ".cache" / "coachloop"
