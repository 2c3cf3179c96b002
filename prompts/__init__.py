"""Jinja2 templates for every word the coach says that is not a tool result.

One function renders them all, with ``StrictUndefined`` so a missing variable is an
error in tests instead of a blank in front of a user. HTML templates are autoescaped.

Compiled templates are kept in the user's cache directory with Jinja's own bytecode cache
(checked against each template's source), in a folder named for this file's content and
Jinja's version, so a change to the environment below never reuses old code. Compiling
the templates a turn uses took about a tenth of ``coach chat``'s start-up.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from agent.config import user_cache_dir

TEMPLATE_DIR = Path(__file__).parent


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, made optional: a folder that cannot be written costs time only."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _compiled_templates() -> jinja2.BytecodeCache | None:
    setup = hashlib.sha256(Path(__file__).read_bytes())
    setup.update(jinja2.__version__.encode())
    folder = user_cache_dir() / "templates" / setup.hexdigest()[:16]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _CompiledTemplates(str(folder))


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
        bytecode_cache=_compiled_templates(),
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
