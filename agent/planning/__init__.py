"""Deterministic planning: exercise catalog, session builder, adaptation, progression.

Pure code: it imports neither the database nor a model, and reads no clock (dates are
inputs). Same input, same plan, byte for byte. The tools in ``agent.tools.planning_tools``
fetch history from the database and pass it in.

Modules:

- ``catalog``: the exercise catalog and vocabulary (``load_catalog``, ``resolve_exercise``,
  ``normalize_equipment``, ``parse_equipment``, ``normalize_area``, ``constraint_tags``).
- ``models``: inputs (``SessionRequest``, ``History``, ``Readiness``) and the ``Session``
  output, whose JSON is the ``coach plan --json`` contract.
- ``session``: ``build_session(request, history)``; with ``draft``, ``fitting`` and
  ``output`` for the parts of a build.
- ``adapt``: shorten, swap equipment, swap an exercise, easier/harder, a new constraint,
  readiness, deload; each returns the rebuilt session with its ``changes``.
- ``progression``: ``next_progression`` from the rules in ``data/progression.yaml``.
- ``readiness``: readiness bands and the missed-time table.
- ``weekly``: ``weekly_program`` and ``choose_today``.
- ``invariants``: ``violations(request, session)``, the rules every plan must keep.
- ``rules``: the tunable numbers in ``data/prescriptions.yaml``.
"""
