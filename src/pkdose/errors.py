"""Exceptions raised by pkdose.

Every exception carries the facts of the failure as attributes (P8 in the style brief), and
builds its message from them in ``__str__``, so that tests can assert on fields and users get
one sentence that says what, where, what was expected and what was found.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "PkdoseError",
    "UnknownNameError",
    "ModelDefinitionError",
    "DoseError",
    "UnitError",
    "InputDataError",
    "Violation",
    "ConvergenceError",
    "SolverError",
    "check_names",
]


class PkdoseError(Exception):
    """Base class of every error pkdose raises on purpose."""


class UnknownNameError(PkdoseError, KeyError):
    """A name (parameter, compartment, nuclide, group, ...) that is not known.

    Attributes
    ----------
    kind : str
        What sort of name it is, e.g. ``"parameter"``.
    name : str
        The name that was given.
    known : tuple of str
        The names that would have been accepted.
    where : str
        Where the name was used (a model name, a function), for the message.
    suggestions : tuple of str
        Close matches among ``known`` (``difflib``), best first.
    """

    def __init__(self, kind: str, name: str, known: Iterable[str], where: str = "") -> None:
        self.kind = kind
        self.name = name
        self.known = tuple(sorted(known))
        self.where = where
        self.suggestions = tuple(
            difflib.get_close_matches(str(name), self.known, n=3, cutoff=0.6)
        )
        super().__init__(str(self))

    def __str__(self) -> str:
        loc = f" in {self.where}" if self.where else ""
        msg = f"unknown {self.kind} {self.name!r}{loc}"
        if self.suggestions:
            msg += f"; did you mean {' or '.join(repr(s) for s in self.suggestions)}?"
        shown = ", ".join(self.known[:30]) + (" ..." if len(self.known) > 30 else "")
        return msg + f" (known: {shown})" if self.known else msg + " (none are defined)"


def check_names(kind: str, given: Iterable[str], known: Iterable[str], where: str = "") -> None:
    """Raise :class:`UnknownNameError` for the first name in *given* not in *known*."""
    known = tuple(known)
    ks = set(known)
    for name in given:
        if name not in ks:
            raise UnknownNameError(kind, name, known, where)


class ModelDefinitionError(PkdoseError, ValueError):
    """A compartment model that cannot be built as declared.

    Attributes
    ----------
    model : str
        Name of the model being built.
    item : str
        The compartment, transfer or parameter at fault.
    problem : str
        What is wrong, and what to do instead.
    """

    def __init__(self, model: str, item: str, problem: str) -> None:
        self.model = model
        self.item = item
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"model {self.model!r}, {self.item}: {self.problem}"


class DoseError(PkdoseError, ValueError):
    """A dose or regimen that cannot be given as declared (``field``, ``expected``, ``got``)."""

    def __init__(self, field: str, expected: str, got: object) -> None:
        self.field = field
        self.expected = expected
        self.got = got
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"dose field {self.field!r}: expected {self.expected}, got {self.got!r}"


class UnitError(PkdoseError, ValueError):
    """A quantity with the wrong dimension or an unparseable unit.

    Attributes
    ----------
    field : str
        The argument or column the value was given for.
    expected : str
        The dimension or unit expected, e.g. ``"activity (Bq, MBq, GBq, mCi)"``.
    got : str
        What was given, as text.
    """

    def __init__(self, field: str, expected: str, got: object) -> None:
        self.field = field
        self.expected = expected
        self.got = got
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.field}: expected {self.expected}, got {self.got!r}"


@dataclass(frozen=True)
class Violation:
    """One broken rule in an input file: where it is, what was expected and what was found."""

    file: str
    row: int | None
    field: str
    expected: str
    got: object

    def __str__(self) -> str:
        row = f", row {self.row}" if self.row is not None else ""
        return f"{self.file}{row}, field {self.field!r}: expected {self.expected}, got {self.got}"


class InputDataError(PkdoseError, ValueError):
    """One or more violations in input data, reported all at once.

    Attributes
    ----------
    violations : tuple of Violation
        Every violation found, in file/row order.
    file, row, field, expected, got
        The fields of the first violation, for convenience.
    """

    def __init__(self, violations: Sequence[Violation]) -> None:
        if not violations:
            raise ValueError("InputDataError needs at least one violation")
        self.violations = tuple(violations)
        first = self.violations[0]
        self.file, self.row, self.field = first.file, first.row, first.field
        self.expected, self.got = first.expected, first.got
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.violations)
        head = f"{n} problem{'s' if n > 1 else ''} in input data:"
        return "\n".join([head, *(f"  - {v}" for v in self.violations)])


class ConvergenceError(PkdoseError, RuntimeError):
    """An iterative method did not converge; no partial result is returned.

    Attributes
    ----------
    method : str
        The method that failed.
    iterations : int
        Iterations (or steps) done.
    residual : float
        The last residual norm (NaN where not defined).
    detail : str
        The solver's own message.
    """

    def __init__(self, method: str, iterations: int, residual: float, detail: str = "") -> None:
        self.method = method
        self.iterations = iterations
        self.residual = residual
        self.detail = detail
        super().__init__(str(self))

    def __str__(self) -> str:
        msg = (f"{self.method} did not converge after {self.iterations} iterations "
               f"(residual {self.residual:.3g})")
        return msg + (f": {self.detail}" if self.detail else "")


class SolverError(PkdoseError, RuntimeError):
    """A solver failed for a reason other than non-convergence (``method``, ``detail``)."""

    def __init__(self, method: str, detail: str) -> None:
        self.method = method
        self.detail = detail
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.method}: {self.detail}"
