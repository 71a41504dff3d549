"""``ModelBuilder``: incremental, checked model editing that ends in a frozen model (P2)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from ..errors import ModelDefinitionError, UnknownNameError
from ..provenance import Source
from ..units import CANONICAL, Q_, as_quantity, ureg
from .spec import AMOUNT_PREFIX, DaughterKinetics, DaughterOption, Parameter, Transfer

if TYPE_CHECKING:
    from .compartment_model import CompartmentModel

__all__ = ["ModelBuilder"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_KINETICS = ("in-situ", "parent", "own")
_DAUGHTER_OPTIONS = (*_KINETICS, "none")


def _canonical_parameter(model: str, name: str, value: Any, unit: str) -> tuple[float, str]:
    """Convert a parameter value to the canonical unit of its dimension.

    pint treats Bq as 1/s, so a per-time unit is an activity only when its text names Bq or Ci.
    """
    q = ureg.Quantity(value) if isinstance(value, str) else (
        value if hasattr(value, "dimensionality") else Q_(float(value), unit))
    if q.dimensionless:
        return float(q.to("dimensionless").magnitude), ""
    text = str(q.units)
    kinds = ("activity",) if ("becquerel" in text or "curie" in text) else (
        "rate", "time", "mass", "volume", "flow", "concentration", "absorbed_dose", "s_value")
    for kind in kinds:
        cu = ureg.Unit(CANONICAL[kind][0])
        if q.dimensionality == cu.dimensionality:
            return float(q.to(cu).magnitude), CANONICAL[kind][0]
    raise ModelDefinitionError(model, f"parameter {name!r}",
                               f"unit {q.units} has no canonical pkdose unit; use 1/h, MBq, h, kg, L or a pure number")


class ModelBuilder:
    """Declare compartments, sinks, transfers and parameters, then :meth:`build` a model.

    Parameters
    ----------
    name : str
        Model name (used in error messages and reports).
    nuclide : str, optional
        Parent nuclide (any ICRP-107 name, e.g. ``"Ra-223"``). Each compartment then carries the
        parent and every radioactive member of its decay chain. Without a nuclide the model
        tracks a non-decaying amount.
    daughters : {"in-situ", "parent", "own", "none"}, default "in-situ"
        Default kinetics of the daughters: decay where formed, follow the parent's transfers,
        or follow their own transfers (declared with ``add_transfer(..., nuclide=...)``).
        Override per daughter with :meth:`set_daughter_kinetics`. ``"none"`` tracks the parent
        alone (its decay removes it; progeny are not modelled).

    Examples
    --------
    >>> b = ModelBuilder("ra223_simple", nuclide="Ra-223")
    >>> for c in ("blood", "bone_surface", "gut"):
    ...     b.add_compartment(c)
    >>> b.add_sink("faeces")
    >>> b.add_transfer("blood", "bone_surface", "k_bs")
    >>> b.add_transfer("blood", "gut", "k_gut")
    >>> b.add_transfer("gut", "faeces", "k_fec")
    >>> model = b.build()
    >>> model.parameters
    ('k_bs', 'k_fec', 'k_gut')
    >>> model.nuclides
    ('Ra-223', 'Rn-219', 'Po-215', 'Pb-211', 'Bi-211', 'Po-211', 'Tl-207')
    """

    def __init__(self, name: str, *, nuclide: str | None = None,
                 daughters: DaughterOption = "in-situ") -> None:
        self.name = name
        self._compartments: dict[str, None] = {}
        self._sinks: dict[str, None] = {}
        self._groups: dict[str, list[str]] = {}
        self._transfers: list[tuple[str, str, sympy.Expr, str | None]] = []
        self._parameters: dict[str, Parameter] = {}
        if daughters not in _DAUGHTER_OPTIONS:
            raise ModelDefinitionError(name, "daughters", f"expected one of {_DAUGHTER_OPTIONS}, got {daughters!r}")
        self._default_kinetics = daughters
        self._kinetics: dict[str, str] = {}
        self._formation: dict[str, dict[str, str]] = {}
        self._chain = None
        if nuclide is not None:
            from ..nuclides import decay_chain

            self._chain = decay_chain(nuclide)
            if daughters == "none":
                self._chain = dataclasses.replace(
                    self._chain, nuclides=self._chain.nuclides[:1],
                    decay_constants=self._chain.decay_constants[:1], branching=np.zeros((1, 1)))

    # -- declarations -------------------------------------------------------------------------
    def _check_new_name(self, name: str, what: str) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ModelDefinitionError(self.name, f"{what} {name!r}",
                                       "names start with a letter and use letters, digits and _")
        if name in self._compartments or name in self._sinks:
            raise ModelDefinitionError(self.name, f"{what} {name!r}", "is already declared")

    def add_compartment(self, name: str, *, group: str | Iterable[str] | None = None) -> None:
        """Declare a compartment, optionally in one or more groups (e.g. ``"Skeleton"``)."""
        self._check_new_name(name, "compartment")
        self._compartments[name] = None
        for g in ([group] if isinstance(group, str) else (group or ())):
            self._groups.setdefault(g, []).append(name)

    def add_sink(self, name: str) -> None:
        """Declare an excretion sink: it accumulates what is excreted, which keeps decaying."""
        self._check_new_name(name, "sink")
        self._sinks[name] = None

    def add_group(self, group: str, members: Iterable[str]) -> None:
        """Add compartments to a named group (unknown names are errors)."""
        for m in members:
            if m not in self._compartments:
                raise UnknownNameError("compartment", m, self._compartments, f"group {group!r} of {self.name}")
            lst = self._groups.setdefault(group, [])
            if m not in lst:
                lst.append(m)

    def add_parameter(self, name: str, value: Any, unit: str = "1/h", *,
                      source: Source | None = None) -> None:
        """Declare a parameter's default value (converted to its canonical unit) and source.

        Examples
        --------
        >>> b = ModelBuilder("m")
        >>> b.add_parameter("k", 12, "1/d")
        >>> b._parameters["k"].value
        0.5
        """
        if not isinstance(name, str) or not _NAME.match(name):
            raise ModelDefinitionError(self.name, f"parameter {name!r}", "not a valid symbol name")
        if name.startswith(AMOUNT_PREFIX):
            raise ModelDefinitionError(self.name, f"parameter {name!r}",
                                       f"names starting with {AMOUNT_PREFIX!r} denote compartment amounts")
        v, u = _canonical_parameter(self.name, name, value, unit)
        self._parameters[name] = Parameter(name, v, u, source)

    def set_daughter_kinetics(self, nuclide: str, kinetics: DaughterKinetics) -> None:
        """Choose how a daughter moves: ``"in-situ"``, ``"parent"`` or ``"own"``."""
        if self._chain is None:
            raise ModelDefinitionError(self.name, "set_daughter_kinetics", "the model has no nuclide")
        daughters = self._chain.nuclides[1:]
        if nuclide not in daughters:
            raise UnknownNameError("daughter nuclide", nuclide, daughters, self.name)
        if kinetics not in _KINETICS:
            raise ModelDefinitionError(self.name, f"kinetics of {nuclide}",
                                       f"expected one of {_KINETICS}, got {kinetics!r}")
        self._kinetics[nuclide] = kinetics

    def set_formation(self, daughter: str, mapping: dict[str, str]) -> None:
        """Say where *daughter* appears when its parent decays in a given compartment.

        By default a daughter is formed in the compartment where its parent decayed. ICRP models
        with independent progeny kinetics identify some compartments of the parent's model with
        differently named ones of the daughter's (e.g. thallium formed in bismuth's ``liver_1``
        appears in thallium's ``liver``, ICRP 137 Para. 481); declare those here.

        Parameters
        ----------
        daughter : str
            A daughter nuclide of the model's chain.
        mapping : dict
            Parent compartment -> daughter compartment; unlisted compartments map to themselves.
        """
        if self._chain is None:
            raise ModelDefinitionError(self.name, "set_formation", "the model has no nuclide")
        if daughter not in self._chain.nuclides[1:]:
            raise UnknownNameError("daughter nuclide", daughter, self._chain.nuclides[1:], self.name)
        allc = [*self._compartments, *self._sinks]
        for a, b in mapping.items():
            for c in (a, b):
                if c not in allc:
                    raise UnknownNameError("compartment", c, allc, f"formation of {daughter} in {self.name}")
        self._formation.setdefault(daughter, {}).update(mapping)

    def add_transfer(self, source: str, target: str, rate: str | float | sympy.Expr, *,
                     nuclide: str | Iterable[str] | None = None,
                     unit: str = "1/h") -> None:
        """Declare a transfer ``source -> target`` with a rate constant.

        Parameters
        ----------
        source, target : str
            Declared compartments (the target may be a sink).
        rate : str, float or sympy expression
            Rate constant. A number (in ``unit``), or an expression of parameter names
            (whose values are in 1/h), possibly of compartment amounts ``A_<compartment>`` [MBq]
            (nonlinear). Example: ``"Vmax / (Km + A_blood)"``.
        nuclide : str or iterable of str, optional
            The nuclide(s) moved; default the parent. Daughters given here use "own" kinetics.
        unit : str, default "1/h"
            Unit of a numeric ``rate`` (e.g. ``"1/d"`` to transcribe ICRP tables as printed).
        """
        where = f"transfer {source} -> {target}"
        if source not in self._compartments:
            if source in self._sinks:
                raise ModelDefinitionError(self.name, where, f"{source!r} is a sink: sinks have no outflow")
            raise UnknownNameError("compartment", source, self._compartments, f"{where} of {self.name}")
        if target not in self._compartments and target not in self._sinks:
            raise UnknownNameError("compartment or sink", target,
                                   [*self._compartments, *self._sinks], f"{where} of {self.name}")
        if source == target:
            raise ModelDefinitionError(self.name, where, "a transfer from a compartment into itself has no effect; remove it")
        if isinstance(rate, (int, float)):
            value = as_quantity(f"{float(rate)!r} {unit}", "rate", where).to("1/h").magnitude
            if not value >= 0:
                raise ModelDefinitionError(self.name, where, f"rate must be >= 0, got {rate} {unit}")
            expr = sympy.Float(value)
        else:
            if unit != "1/h":
                raise ModelDefinitionError(self.name, where, "unit= applies to numeric rates only; "
                                           "declare parameters with add_parameter(..., unit=...)")
            try:
                expr = sympy.sympify(rate) if isinstance(rate, str) else sympy.sympify(rate)
            except (sympy.SympifyError, TypeError, SyntaxError) as exc:
                raise ModelDefinitionError(self.name, where, f"cannot parse rate {rate!r}: {exc}") from exc
            if expr.is_number and not float(expr) >= 0:
                raise ModelDefinitionError(self.name, where, f"rate must be >= 0, got {rate}")
        nucs = [nuclide] if isinstance(nuclide, str) or nuclide is None else list(nuclide)
        for n in nucs:
            if n is not None:
                if self._chain is None:
                    raise ModelDefinitionError(self.name, where, "nuclide= given but the model has no nuclide")
                if n not in self._chain.nuclides:
                    raise UnknownNameError("nuclide", n, self._chain.nuclides, f"{where} of {self.name}")
                if n == self._chain.nuclides[0]:
                    n = None
                else:
                    self._kinetics.setdefault(n, "own")
            self._transfers.append((source, target, expr, n))

    # -- build --------------------------------------------------------------------------------
    def build(self) -> CompartmentModel:
        """Validate the whole declaration and return a frozen :class:`CompartmentModel`."""
        from .compartment_model import CompartmentModel

        if not self._compartments:
            raise ModelDefinitionError(self.name, "compartments", "declare at least one compartment")
        comps = tuple(self._compartments)
        amount_syms = {f"{AMOUNT_PREFIX}{c}" for c in comps}
        nuclides: tuple[str, ...]
        lam: tuple[float, ...]
        branching: tuple[tuple[float, ...], ...]
        if self._chain is None:
            nuclides, lam, branching = ("tracer",), (0.0,), ((0.0,),)
        else:
            nuclides = self._chain.nuclides
            lam = tuple(float(x) for x in self._chain.decay_constants)
            branching = tuple(tuple(float(v) for v in row) for row in self._chain.branching)
        parent = nuclides[0]
        kinetics = {parent: "own"}
        for d in nuclides[1:]:
            kinetics[d] = self._kinetics.get(d, self._default_kinetics)

        transfers: list[Transfer] = []
        seen: set[tuple[str, str, str]] = set()
        by_nuc: dict[str, list[tuple[str, str, sympy.Expr]]] = {}
        for s, t, e, n in self._transfers:
            by_nuc.setdefault(n or parent, []).append((s, t, e))
        for nuc in nuclides:
            k = kinetics[nuc]
            if k == "in-situ":
                if by_nuc.get(nuc):
                    raise ModelDefinitionError(self.name, f"daughter {nuc}",
                                               "has transfers but its kinetics are 'in-situ'; choose 'own'")
                continue
            if k == "own" and nuc != parent and not by_nuc.get(nuc):
                raise ModelDefinitionError(self.name, f"daughter {nuc}",
                                           "kinetics 'own' but no transfers declared with nuclide=...")
            src = by_nuc.get(parent if k == "parent" else nuc, [])
            for s, t, e in src:
                key = (s, t, nuc)
                if key in seen:
                    raise ModelDefinitionError(self.name, f"transfer {s} -> {t} [{nuc}]",
                                               "declared twice; give one rate (a sum if needed)")
                seen.add(key)
                transfers.append(Transfer(s, t, e, nuc))

        free: set[str] = set()
        for tr in transfers:
            for sym in tr.rate.free_symbols:
                name = str(sym)
                if name.startswith(AMOUNT_PREFIX) and name not in amount_syms and name not in self._parameters:
                    raise UnknownNameError("compartment amount", name, sorted(amount_syms), f"rate of {tr}")
                if name not in amount_syms:
                    free.add(name)
        unused = set(self._parameters) - free
        if unused:
            raise ModelDefinitionError(self.name, f"parameter {sorted(unused)[0]!r}",
                                       "has a default value but appears in no rate (typo?)")
        groups = {g: tuple(m) for g, m in self._groups.items()}
        return CompartmentModel(
            name=self.name,
            compartments=comps,
            sinks=tuple(self._sinks),
            nuclides=nuclides,
            decay_constants=lam,
            branching=branching,
            kinetics=tuple(kinetics.items()),
            transfers=tuple(transfers),
            parameters=tuple(sorted(free)),
            defaults=tuple(sorted((p.name, p) for p in self._parameters.values())),
            groups=tuple(groups.items()),
            formation=tuple((d, tuple(sorted(m.items()))) for d, m in sorted(self._formation.items())),
        )

    def __repr__(self) -> str:
        return (f"ModelBuilder({self.name!r}: {len(self._compartments)} compartments, "
                f"{len(self._sinks)} sinks, {len(self._transfers)} transfers)")

