"""The live workout as a pure state machine: ``state`` holds the step logic, ``units`` the loads.

Reading and writing it is memory's job (``agent.memory.workouts``); the operations that
load, change and store it are coaching's (``agent.coaching.session``).
"""
