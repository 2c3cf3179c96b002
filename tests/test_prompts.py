"""Every template under prompts/ parses; the shared renderer is strict about variables."""

from __future__ import annotations

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
