"""The modelling vocabulary: frozen values for transfers and parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy

from ..provenance import Source

__all__ = ["Transfer", "Parameter", "DaughterKinetics", "DaughterOption", "AMOUNT_PREFIX"]

#: Kinetics of a daughter nuclide formed in the body:
#: ``"in-situ"`` — it stays and decays where it was formed (no transfers);
#: ``"parent"`` — it follows the parent's transfers;
#: ``"own"`` — it follows its own transfers, declared with ``add_transfer(..., nuclide=...)``.
DaughterKinetics = Literal["in-situ", "parent", "own"]

#: Model-wide daughter option: a kinetics, or ``"none"`` to track the parent alone.
DaughterOption = Literal["in-situ", "parent", "own", "none"]

#: Rate expressions may use the parent activity [MBq] in a compartment as the symbol
#: ``A_<compartment>``; a rate that does makes the model nonlinear.
AMOUNT_PREFIX = "A_"


@dataclass(frozen=True)
class Transfer:
    """A first-order transfer of one nuclide: flux = ``rate`` × activity in ``source``.

    Attributes
    ----------
    source, target : str
        Compartment names; ``target`` may be a sink (excreta).
    rate : sympy.Expr
        Rate constant [1/h]: a number or an expression of parameters (and of amounts
        ``A_<compartment>`` [MBq] for a nonlinear transfer).
    nuclide : str
        The nuclide this transfer moves.
    """

    source: str
    target: str
    rate: sympy.Expr
    nuclide: str

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} [{self.nuclide}]: {self.rate}"


@dataclass(frozen=True)
class Parameter:
    """A named model parameter with its default value (canonical unit) and source."""

    name: str
    value: float
    unit: str
    source: Source | None = None
