"""Solvers: exact (eigen / matrix exponential) for linear models, stiff BDF/Radau otherwise."""

from .facade import simulate
from .solution import Solution

__all__ = ["simulate", "Solution"]
