"""The frozen compartment model: structure, parameters, rate matrices and equations.

State convention
----------------
The state is the **activity** [MBq] of each nuclide in each compartment and sink, ordered
nuclide-major on the grid ``grid[k * n_all + c]`` = nuclide ``nuclides[k]`` in
``all_compartments[c]`` (compartments first, then sinks). Only the grid points that can ever hold
activity are state variables (:attr:`CompartmentModel.states`); results are reported on the full
grid. Because the decay chain is topologically ordered, the rate matrix is block lower
triangular by nuclide. For a model without a nuclide the single species
``"tracer"`` has decay constant 0 and the state is an amount in tracer units.

With activities ``a = λN`` the equations for nuclide *k* read

.. math::

    \\frac{da_{k,c}}{dt} = \\sum_{s} r_{k,s\\to c}\\, a_{k,s} - \\Big(\\sum_{t} r_{k,c\\to t}
    + λ_k\\Big) a_{k,c} + λ_k \\sum_{p} b_{kp}\\, a_{p,c},

where ``r`` are the transfer rate constants [1/h] and ``b_kp`` the branching fraction of
parent *p* to daughter *k*; a daughter is formed in the compartment where its parent decays.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import sympy

from ..errors import ModelDefinitionError, UnknownNameError, check_names
from .spec import AMOUNT_PREFIX, Parameter, Transfer

__all__ = ["CompartmentModel"]


@dataclass(frozen=True, eq=True)
class CompartmentModel:
    """A frozen compartment model; build it with :class:`~pkdose.model.ModelBuilder`.

    Attributes
    ----------
    name : str
    compartments : tuple of str
        Compartments that hold activity in the body.
    sinks : tuple of str
        Excreta: accumulate what is excreted; the activity keeps decaying there.
    nuclides : tuple of str
        Parent first, then radioactive progeny in decay order (``("tracer",)`` without nuclide).
    decay_constants : tuple of float
        [1/h], aligned with ``nuclides``.
    branching : tuple of tuple of float
        ``branching[k][p]``: fraction of decays of nuclide *p* producing nuclide *k*.
    kinetics : tuple of (str, str)
        Per nuclide: ``"own"``, ``"parent"`` or ``"in-situ"``.
    transfers : tuple of Transfer
        Every transfer, one per nuclide it moves.
    parameters : tuple of str
        Free parameter names of all rates, sorted.
    defaults : tuple of (str, Parameter)
        Default parameter values [canonical units] with their sources.
    groups : tuple of (str, tuple of str)
        Named groups of compartments (e.g. ``"Skeleton"``).
    formation : tuple of (str, tuple of (str, str))
        Per daughter, parent compartment -> compartment where the daughter appears (others:
        the same compartment).
    """

    name: str
    compartments: tuple[str, ...]
    sinks: tuple[str, ...]
    nuclides: tuple[str, ...]
    decay_constants: tuple[float, ...]
    branching: tuple[tuple[float, ...], ...]
    kinetics: tuple[tuple[str, str], ...]
    transfers: tuple[Transfer, ...]
    parameters: tuple[str, ...]
    defaults: tuple[tuple[str, Parameter], ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...]
    formation: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    # -- structure ----------------------------------------------------------------------------
    @property
    def all_compartments(self) -> tuple[str, ...]:
        """Compartments followed by sinks: the compartment axis of the state."""
        return self.compartments + self.sinks

    @cached_property
    def _grid(self):
        """Full (nuclide × compartment) grid, its decay matrix, and the states that can hold activity.

        A state is kept when it is reachable, through transfers or decay, from the parent in a
        compartment of its own kinetics: with independent progeny kinetics most (nuclide,
        compartment) pairs of the full grid can never hold activity, and they are left out of
        the state vector.
        """
        nc, nk = len(self.all_compartments), len(self.nuclides)
        N = nc * nk
        pos = {c: i for i, c in enumerate(self.all_compartments)}
        knuc = {n: k for k, n in enumerate(self.nuclides)}
        src = np.array([knuc[t.nuclide] * nc + pos[t.source] for t in self.transfers], dtype=int)
        tgt = np.array([knuc[t.nuclide] * nc + pos[t.target] for t in self.transfers], dtype=int)
        lam = np.asarray(self.decay_constants)
        B = np.asarray(self.branching)
        D = np.zeros((N, N))
        eye = np.eye(nc)
        formation = dict(self.formation)
        for k, nuc in enumerate(self.nuclides):
            D[k * nc:(k + 1) * nc, k * nc:(k + 1) * nc] -= lam[k] * eye
            where = eye.copy()                      # where[daughter comp, parent comp]
            for a, b in formation.get(nuc, ()):
                where[:, pos[a]] = 0.0
                where[pos[b], pos[a]] = 1.0
            for p in range(k):
                if B[k, p]:
                    D[k * nc:(k + 1) * nc, p * nc:(p + 1) * nc] += B[k, p] * lam[k] * where
        succ: dict[int, set[int]] = {}
        for a, b in zip(src.tolist(), tgt.tolist()):
            succ.setdefault(a, set()).add(b)
        for i, j in zip(*np.nonzero(D)):
            if i != j:
                succ.setdefault(int(j), set()).add(int(i))
        # roots: the parent in every body compartment, except — when the parent has transfers of
        # its own — those that only other nuclides' transfers touch (a daughter's own model)
        parent = self.nuclides[0]
        mine = {c for t in self.transfers if t.nuclide == parent for c in (t.source, t.target)}
        theirs = {c for t in self.transfers if t.nuclide != parent for c in (t.source, t.target)} - mine
        seen = {pos[c] for c in self.compartments if not mine or c not in theirs}
        stack = list(seen)
        while stack:
            for b in succ.get(stack.pop(), ()):
                if b not in seen:
                    seen.add(b)
                    stack.append(b)
        keep = np.array(sorted(seen), dtype=int)
        where_full = np.full(N, -1, dtype=int)
        where_full[keep] = np.arange(keep.size)
        return keep, where_full, D, src, tgt

    @property
    def n_states(self) -> int:
        """Number of state variables: the (nuclide, compartment) pairs that can hold activity."""
        return int(self._grid[0].size)

    @property
    def states(self) -> tuple[tuple[str, str], ...]:
        """(nuclide, compartment) of each state variable, in state-vector order."""
        nc = len(self.all_compartments)
        return tuple((self.nuclides[i // nc], self.all_compartments[i % nc]) for i in self._grid[0])

    def to_grid(self, values: np.ndarray) -> np.ndarray:
        """Scatter state-vector values (last axis) onto the full nuclide-major grid (zeros elsewhere)."""
        keep = self._grid[0]
        if keep.size == len(self.nuclides) * len(self.all_compartments):
            return values
        out = np.zeros(values.shape[:-1] + (len(self.nuclides) * len(self.all_compartments),), values.dtype)
        out[..., keep] = values
        return out

    @property
    def nuclide(self) -> str | None:
        """The parent nuclide, or ``None`` for a non-decaying tracer."""
        return None if self.nuclides == ("tracer",) else self.nuclides[0]

    @property
    def group_map(self) -> dict[str, tuple[str, ...]]:
        """Group name -> member compartments."""
        return dict(self.groups)

    @property
    def default_values(self) -> dict[str, float]:
        """Default parameter values [canonical units]."""
        return {k: p.value for k, p in self.defaults}

    def state_index(self, compartment: str, nuclide: str | None = None) -> int:
        """Index of (compartment, nuclide) in the state vector (nuclide defaults to the parent)."""
        allc = self.all_compartments
        if compartment not in allc:
            raise UnknownNameError("compartment", compartment, allc, self.name)
        nuc = self.nuclides[0] if nuclide is None else nuclide
        if nuc not in self.nuclides:
            raise UnknownNameError("nuclide", nuc, self.nuclides, self.name)
        i = int(self._grid[1][self.nuclides.index(nuc) * len(allc) + allc.index(compartment)])
        if i < 0:
            raise ModelDefinitionError(self.name, f"{nuc} in {compartment}",
                                       "this nuclide never reaches this compartment in the model, so it has no state")
        return i

    @cached_property
    def _amount_symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(sympy.Symbol(f"{AMOUNT_PREFIX}{c}") for c in self.compartments)

    @cached_property
    def is_linear(self) -> bool:
        """True when no rate depends on a compartment amount."""
        amounts = set(self._amount_symbols)
        return not any(tr.rate.free_symbols & amounts for tr in self.transfers)

    # -- parameters ---------------------------------------------------------------------------
    def parameter_table(self, params: Mapping[str, Any] | Any | None = None) -> np.ndarray:
        """Merge *params* with the defaults into an array ``(n_samples, n_parameters)``.

        *params* is a mapping of name -> value or 1-D array (one per sample), or a pandas
        DataFrame with one column per parameter. Unknown names are errors; so are missing ones.
        """
        given: dict[str, np.ndarray] = {}
        if params is not None:
            if hasattr(params, "columns"):  # pandas DataFrame
                params = {str(c): params[c].to_numpy() for c in params.columns}
            check_names("parameter", params, self.parameters, self.name)
            given = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items()}
        defaults = self.default_values
        missing = [p for p in self.parameters if p not in given and p not in defaults]
        if missing:
            raise ModelDefinitionError(self.name, "parameters",
                                       f"no value and no default for {missing}; pass them to simulate()")
        sizes = {len(v) for v in given.values() if len(v) != 1}
        if len(sizes) > 1:
            raise ModelDefinitionError(self.name, "parameters",
                                       f"sample arrays of different lengths {sorted(sizes)}")
        n = sizes.pop() if sizes else 1
        out = np.empty((n, len(self.parameters)))
        for j, p in enumerate(self.parameters):
            out[:, j] = given[p] if p in given else defaults[p]
        bad = ~np.isfinite(out)
        if bad.any():
            i, j = map(int, np.argwhere(bad)[0])
            raise ModelDefinitionError(self.name, f"parameter {self.parameters[j]!r}",
                                       f"sample {i} is not finite ({out[i, j]})")
        return out

    # -- linear machinery ---------------------------------------------------------------------
    @cached_property
    def _rate_functions(self):
        syms = [sympy.Symbol(p) for p in self.parameters]
        funcs = []
        for tr in self.transfers:
            if tr.rate.is_number:
                funcs.append(float(tr.rate))
            else:
                funcs.append(sympy.lambdify(syms, tr.rate, "numpy"))
        return funcs

    @cached_property
    def _index(self):
        """State indices (source, target) of the transfers out of kept states, and which those are."""
        keep, where, _, src, tgt = self._grid
        active = np.nonzero(where[src] >= 0)[0]
        return where[src[active]], where[tgt[active]], active

    def transfer_rates(self, ptable: np.ndarray) -> np.ndarray:
        """Rate constants [1/h] of every transfer for each sample: ``(n_samples, n_transfers)``.

        Raises
        ------
        ModelDefinitionError
            If a rate evaluates negative or non-finite (naming the transfer and sample).
        """
        if not self.is_linear:
            raise ModelDefinitionError(self.name, "transfer_rates", "rates depend on amounts (nonlinear model)")
        ptable = np.atleast_2d(ptable)
        cols = [ptable[:, j] for j in range(ptable.shape[1])]
        n = ptable.shape[0]
        R = np.empty((n, len(self.transfers)))
        for j, f in enumerate(self._rate_functions):
            R[:, j] = f if isinstance(f, float) else np.broadcast_to(f(*cols), (n,))
        bad = ~(np.isfinite(R) & (R >= 0))
        if bad.any():
            i, j = map(int, np.argwhere(bad)[0])
            raise ModelDefinitionError(self.name, f"transfer {self.transfers[j]}",
                                       f"rate is {R[i, j]!r} for sample {i}; rates must be finite and >= 0")
        return R

    @cached_property
    def _decay_matrix(self) -> np.ndarray:
        """Decay and ingrowth part of the rate matrix (parameter-free), on the kept states."""
        keep, _, D, _, _ = self._grid
        return D[np.ix_(keep, keep)]

    @cached_property
    def _pattern(self) -> np.ndarray:
        """Structural nonzeros of the rate matrix: ``pattern[i, j]`` where state j flows into i."""
        pattern = self._decay_matrix != 0
        src, tgt, _ = self._index
        pattern[tgt, src] = True
        pattern[src, src] = True
        return pattern

    @cached_property
    def blocks(self) -> list[np.ndarray]:
        """State indices of the strongly connected components, upstream first.

        The rate matrix permuted to this order is block lower triangular for every parameter set.
        """
        from ..solve.structured import blocks_of

        return blocks_of(self._pattern)

    @cached_property
    def block_upstream(self) -> list[np.ndarray]:
        """For each of :attr:`blocks`, the states outside it that flow into it."""
        from ..solve.structured import upstream_of

        return upstream_of(self._pattern, self.blocks)

    def rate_matrices(self, ptable: np.ndarray) -> np.ndarray:
        """Rate matrices ``(n_samples, n_states, n_states)`` [1/h], decay and ingrowth included."""
        src, tgt, active = self._index
        R = self.transfer_rates(ptable)[:, active]
        n = R.shape[0]
        A = np.broadcast_to(self._decay_matrix, (n, self.n_states, self.n_states)).copy()
        rows = np.arange(n)[:, None]
        np.add.at(A, (rows, tgt[None, :], src[None, :]), R)
        np.add.at(A, (rows, src[None, :], src[None, :]), -R)
        return A

    def rate_matrix(self, params: Mapping[str, float] | None = None) -> np.ndarray:
        """The rate matrix ``(n_states, n_states)`` [1/h] for one parameter set.

        Examples
        --------
        >>> from pkdose.model import ModelBuilder
        >>> b = ModelBuilder("one"); b.add_compartment("c"); b.add_sink("out")
        >>> b.add_transfer("c", "out", "k"); b.add_parameter("k", 0.5)
        >>> b.build().rate_matrix().tolist()
        [[-0.5, 0.0], [0.5, 0.0]]
        """
        return self.rate_matrices(self.parameter_table(params))[0]

    # -- symbolic -----------------------------------------------------------------------------
    @cached_property
    def state_symbols(self) -> tuple[sympy.Symbol, ...]:
        """One sympy symbol per state, ``a_<nuclide>_<compartment>`` (``-`` in names becomes ``_``)."""
        return tuple(sympy.Symbol(f"a_{n.replace('-', '')}_{c}") for n, c in self.states)

    @cached_property
    def _symbolic_rhs(self) -> sympy.Matrix:
        x = self.state_symbols
        parent_amounts = {a: x[self.state_index(c)] for a, c in zip(self._amount_symbols, self.compartments)}
        rhs = [sympy.Integer(0)] * self.n_states
        src, tgt, active = self._index
        for tr, s, t in zip([self.transfers[j] for j in active], src, tgt):
            flux = tr.rate.subs(parent_amounts) * x[s]
            rhs[t] += flux
            rhs[s] -= flux
        D = self._decay_matrix
        for i, j in zip(*np.nonzero(D)):
            rhs[i] += sympy.Float(D[i, j]) * x[j]
        return sympy.Matrix(rhs)

    def equations(self) -> list[sympy.Eq]:
        """The ODE system as sympy equations ``d a/dt = f(a)`` (activities [MBq], time [h]).

        Examples
        --------
        >>> from pkdose.model import ModelBuilder
        >>> b = ModelBuilder("one"); b.add_compartment("c"); b.add_sink("out")
        >>> b.add_transfer("c", "out", "k")
        >>> b.build().equations()[0]
        Eq(Derivative(a_tracer_c(t), t), -k*a_tracer_c(t))
        """
        t = sympy.Symbol("t")
        funcs = {s: sympy.Function(str(s))(t) for s in self.state_symbols}
        return [sympy.Eq(sympy.Derivative(funcs[s], t), rhs.subs(funcs))
                for s, rhs in zip(self.state_symbols, self._symbolic_rhs)]

    def latex(self) -> str:
        """The equations as a LaTeX ``aligned`` block, for reports."""
        lines = [sympy.latex(e.lhs) + " &= " + sympy.latex(e.rhs) for e in self.equations()]
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    @cached_property
    def _numeric_rhs(self):
        """Lambdified right-hand side and exact (symbolic) Jacobian: f(x, *params), J(x, *params)."""
        x = sympy.Matrix(self.state_symbols)
        f = self._symbolic_rhs
        J = f.jacobian(x)
        psyms = [sympy.Symbol(p) for p in self.parameters]
        fn = sympy.lambdify([list(self.state_symbols), *psyms], list(f), "numpy", cse=True)
        jn = sympy.lambdify([list(self.state_symbols), *psyms], J, "numpy", cse=True)
        return fn, jn

    # -- transformations ----------------------------------------------------------------------
    def replace(self, **changes: Any) -> CompartmentModel:
        """A copy with some fields changed; unknown field names raise ``TypeError``."""
        fields = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - fields
        if unknown:
            raise TypeError(f"CompartmentModel.replace: unknown field(s) {sorted(unknown)}; "
                            f"fields are {sorted(fields)}")
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        lin = "linear" if self.is_linear else "nonlinear"
        return (f"<CompartmentModel {self.name!r}: {len(self.compartments)} compartments, "
                f"{len(self.sinks)} sinks, {len(self.nuclides)} nuclide(s), "
                f"{len(self.transfers)} transfers, {len(self.parameters)} parameters, {lin}>")

    __str__ = __repr__
