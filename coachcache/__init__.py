"""What coachloop keeps on disk between runs, for the agent and the safety screen alike.

``safety`` may import nothing from ``agent`` and the agent's layers import safety only
where the architecture allows, yet both write derived files the same way and both
compile large regular expressions from their own data. This package holds that shared
machinery and imports neither of them: the host names the folders
(``agent.config.user_cache_dir``).

- :mod:`coachcache.files`: writing a kept file whole or not at all.
- :mod:`coachcache.regexes`: regular expressions compiled once per machine.
"""
