"""Jinja2 templates for every word the coach says that is not a tool result.

One function renders them all, with ``StrictUndefined`` so a missing variable is an
error in tests instead of a blank in front of a user. HTML templates are autoescaped.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATE_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # Cached because building the loader is the slow part and templates never change
    # while the process runs; the environment holds no user data.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(name: str, /, **context: Any) -> str:
    """Render the template ``name`` (a path below ``prompts/``) with ``context``.

    Args:
        name: Template path relative to the prompts folder, e.g. ``"system.j2"``.
        **context: Variables the template uses; every one it names must be given.

    Returns:
        The rendered text, stripped of surrounding blank lines.
    """
    return _environment().get_template(name).render(**context).strip()


def template_names() -> list[str]:
    """Every template below ``prompts/``, for the test that renders them all."""
    return sorted(_environment().list_templates(filter_func=lambda n: n.endswith((".j2", ".html"))))
