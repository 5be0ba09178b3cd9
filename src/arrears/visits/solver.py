"""The one setting of the route solver for the planner's page, ``arrears visits plan`` and the demo.

The solver stops after a number of iterations, so that the same input and seed give the same routes,
in the same order, on any machine (re-planning an unchanged day changes nothing); the time is only a
cap, which a normal day (a few hundred candidates) stays well under. Kept apart from the planner so
that the command line reads it without importing the solver.
"""

from __future__ import annotations

from typing import TypedDict


class SolverSettings(TypedDict):
    seconds: float
    seed: int
    iterations: int


SOLVER: SolverSettings = {"seconds": 30.0, "seed": 1, "iterations": 3_000}
