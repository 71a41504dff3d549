"""Doses and regimens as values (style brief P5).

A :class:`Bolus` is an instantaneous jump of the state at a segment boundary; an
:class:`Infusion` is a zero-order input between two boundaries. Solvers restart at every dose
boundary. A :class:`Regimen` is an ordered tuple of doses that can be printed, compared and
serialised into a report.

Quantities are given as pint Quantities, strings (``"7.4 GBq"``, ``"4 week"``) or bare numbers in
the canonical units (MBq, h); they are converted once, in ``__post_init__``, and stored as floats
in MBq and h.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import DoseError
from ..units import to_internal

__all__ = ["Bolus", "Infusion", "Regimen"]


def _finite_nonneg(name: str, value: float, *, strictly: bool = False) -> None:
    import math

    ok = math.isfinite(value) and (value > 0 if strictly else value >= 0)
    if not ok:
        raise DoseError(name, "a finite value " + ("> 0" if strictly else ">= 0"), value)


@dataclass(frozen=True)
class Bolus:
    """An instantaneous administration.

    Parameters
    ----------
    activity : Quantity, str or float
        Administered activity [MBq] of ``nuclide`` (the model's parent nuclide when ``None``).
        For a model without a nuclide this is the administered amount in tracer units.
    into : str
        Compartment receiving the dose (not a sink).
    at : Quantity, str or float, default 0
        Time of administration [h].
    nuclide : str, optional
        Which member of the decay chain is given (default: the parent).

    Examples
    --------
    >>> Bolus("3.85 MBq", into="blood", at="1 d")
    Bolus(activity=3.85, into='blood', at=24.0, nuclide=None)
    """

    activity: Any
    into: str
    at: Any = 0.0
    nuclide: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "activity", to_internal(self.activity, "activity", "activity"))
        object.__setattr__(self, "at", to_internal(self.at, "time", "at"))
        _finite_nonneg("activity", self.activity)
        _finite_nonneg("at", self.at)
        if not isinstance(self.into, str) or not self.into:
            raise DoseError("into", "a compartment name", self.into)

    @property
    def end(self) -> float:
        """Time [h] at which the dose is complete (equal to ``at`` for a bolus)."""
        return self.at

    def shifted(self, dt: float) -> Bolus:
        """The same dose given *dt* hours later."""
        return replace(self, at=self.at + dt)


@dataclass(frozen=True)
class Infusion:
    """A zero-order (constant-rate) administration.

    Parameters
    ----------
    activity : Quantity, str or float
        Total activity [MBq] delivered over the infusion (activity at the time it enters).
    into : str
        Compartment receiving the infusion.
    duration : Quantity, str or float
        Infusion length [h], > 0.
    at : Quantity, str or float, default 0
        Start time [h].
    nuclide : str, optional
        Which member of the decay chain is given (default: the parent).

    Notes
    -----
    The input rate is ``activity / duration`` [MBq/h] of the nuclide entering the compartment;
    decay during the infusion is applied by the model, not to the rate.

    Examples
    --------
    >>> Infusion("7.4 GBq", into="blood", duration="30 min").rate
    14800.0
    """

    activity: Any
    into: str
    duration: Any
    at: Any = 0.0
    nuclide: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "activity", to_internal(self.activity, "activity", "activity"))
        object.__setattr__(self, "duration", to_internal(self.duration, "time", "duration"))
        object.__setattr__(self, "at", to_internal(self.at, "time", "at"))
        _finite_nonneg("activity", self.activity)
        _finite_nonneg("duration", self.duration, strictly=True)
        _finite_nonneg("at", self.at)
        if not isinstance(self.into, str) or not self.into:
            raise DoseError("into", "a compartment name", self.into)

    @property
    def rate(self) -> float:
        """Input rate [MBq/h]."""
        return self.activity / self.duration

    @property
    def end(self) -> float:
        """End of the infusion [h]."""
        return self.at + self.duration

    def shifted(self, dt: float) -> Infusion:
        """The same infusion started *dt* hours later."""
        return replace(self, at=self.at + dt)


Dose = Bolus | Infusion


@dataclass(frozen=True)
class Regimen:
    """An ordered collection of doses.

    Examples
    --------
    Six Ra-223 injections four weeks apart (Xofigo label: 55 kBq/kg every 4 weeks, 6 injections):

    >>> r = Regimen.cycles(Bolus("3.85 MBq", into="blood"), n=6, every="4 week")
    >>> [d.at for d in r.doses]
    [0.0, 672.0, 1344.0, 2016.0, 2688.0, 3360.0]
    >>> r.total_activity
    23.1
    """

    doses: tuple[Dose, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        doses = tuple(self.doses) if not isinstance(self.doses, (Bolus, Infusion)) else (self.doses,)
        for i, d in enumerate(doses):
            if not isinstance(d, (Bolus, Infusion)):
                raise DoseError(f"doses[{i}]", "a Bolus or an Infusion", d)
        object.__setattr__(self, "doses", tuple(sorted(doses, key=lambda d: d.at)))

    @classmethod
    def single(cls, dose: Dose) -> Regimen:
        """A regimen of one dose."""
        return cls((dose,))

    @classmethod
    def cycles(cls, dose: Dose, *, n: int, every: Any) -> Regimen:
        """*n* copies of *dose*, the k-th given ``k * every`` after the first."""
        if not isinstance(n, int) or n < 1:
            raise DoseError("n", "a whole number of cycles >= 1", n)
        dt = to_internal(every, "time", "every")
        if n > 1 and not dt > 0:
            raise DoseError("every", "a positive interval between cycles", every)
        if isinstance(dose, Infusion) and n > 1 and dose.duration > dt:
            raise DoseError("every", f"at least the infusion duration ({dose.duration} h)", dt)
        return cls(tuple(dose.shifted(k * dt) for k in range(n)))

    def __add__(self, other: Regimen) -> Regimen:
        return Regimen(self.doses + other.doses)

    @property
    def total_activity(self) -> float:
        """Sum of administered activities [MBq]."""
        return round(sum(d.activity for d in self.doses), 12)

    @property
    def boundaries(self) -> tuple[float, ...]:
        """Sorted distinct times [h] at which the input changes (dose times, infusion ends)."""
        ts = {d.at for d in self.doses} | {d.end for d in self.doses}
        return tuple(sorted(ts))
