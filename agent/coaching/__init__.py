"""Services between the faces and tools above and memory and planning below.

``plan`` builds, adapts and stores today's plan; ``session`` runs the live workout;
``week`` is the weekly check-in; ``planner_bridge`` turns planner sessions into live ones.
"""
