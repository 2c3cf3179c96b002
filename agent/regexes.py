"""The agent's regular expressions, compiled once per machine (:mod:`coachcache.regexes`).

The SRE code is kept in the user cache's ``regex`` folder, which importing this module
names; the offline model, the consultation parsers and the planner's statements compile
their patterns through :func:`cached_compile`.
"""

from __future__ import annotations

from agent.config import regex_cache_dir
from coachcache import regexes
from coachcache.regexes import cached_compile, save

regexes.use_folder(regex_cache_dir)

__all__ = ["cached_compile", "save"]
