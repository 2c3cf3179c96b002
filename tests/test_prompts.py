"""Every template under prompts/ parses; the shared renderer is strict about variables."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

import prompts


def test_templates_exist() -> None:
    assert "system.j2" in prompts.template_names()


@pytest.mark.parametrize("name", prompts.template_names())
def test_every_template_parses(name: str) -> None:
    environment = prompts._environment()
    environment.get_template(name)


def test_missing_variables_are_errors_not_blanks() -> None:
    with pytest.raises(jinja2.UndefinedError):
        prompts.render("system.j2")


def test_system_prompt_renders_with_context() -> None:
    text = prompts.render("system.j2", context="Person: u_1", constraints=["knee"])
    assert "u_1" in text and "knee" in text


def test_a_compiled_template_is_kept_and_used_by_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_CACHE_DIR", str(tmp_path))
    prompts._environment.cache_clear()
    try:
        first = prompts.render("system.j2", context="Person: u_1", constraints=["knee"])
        assert list((tmp_path / "templates").rglob("__jinja2_*"))
        prompts._environment.cache_clear()  # as a new process would

        def no_compiling(*args: object, **kwargs: object) -> None:
            raise AssertionError("compiled again")

        with monkeypatch.context() as patched:
            patched.setattr(jinja2.Environment, "compile", no_compiling)
            again = prompts.render("system.j2", context="Person: u_1", constraints=["knee"])
        assert again == first
    finally:
        prompts._environment.cache_clear()


def test_an_unwritable_cache_costs_time_only(unwritable_cache: Path) -> None:
    prompts._environment.cache_clear()
    try:
        assert "u_1" in prompts.render("system.j2", context="Person: u_1", constraints=[])
    finally:
        prompts._environment.cache_clear()
