"""The live session: a persisted state machine that walks a person through today's workout.

``state`` holds the pure step logic, ``persist`` reads and writes it in the database,
``guidance`` turns a step into words, ``planner_bridge`` talks to agent.planning.
"""
