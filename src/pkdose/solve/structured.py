"""Exact solution exploiting the block-triangular structure of compartment models.

The state graph (an edge j → i where material or ingrowth flows from state j to state i) splits
into strongly connected components (SCCs). Ordered topologically, they make the rate matrix block
lower triangular: the decay chain orders the nuclides, and within a nuclide the alimentary-tract
and bladder compartments, the sinks and every "decay where formed" daughter are single states.
Only the SCC blocks need an eigen-decomposition (e.g. 14 × 14 for the ICRP radium systemic
model instead of 175 × 175 for the whole Ra-223 chain).

Solution as a sum of exponential modes (a generalised Bateman solution). Over a segment with
constant input ``r``, every state is ``x_i(τ) = Σ_m G[i, m] e^{μ_m τ}``; the modes ``μ_m`` are the
eigenvalues of all blocks and ``0`` for the input. Going down the blocks in topological order,
block ``b`` (``A_bb = V Λ V⁻¹``) is forced by its upstream blocks,
``F = V⁻¹ (Σ_p A_bp G_p + r_b e_0ᵀ)``; each forced mode gets the particular coefficient
``F[i, m] / (μ_m − λ_i)`` and the block's own modes take up the initial condition. Identical
constant modes (e.g. ``−λ_d`` of the 25 in-situ states of one daughter) share one column, so the
Ra-223 chain needs ~31 modes, not 175.

Repeated rates: sample-independent eigenvalues equal to within ``MERGE_TOLERANCE`` share one
column, and a state forced on its own eigenvalue gets the exact secular terms ``τ^j e^{λτ}``
(a chain of equal transit rates, as in the ICRP alimentary tract, stays on this path).

The path is refused for a sample (flag :attr:`StructuredPropagator.ok`, or :class:`Resonance`),
and the caller falls back to the full matrix, when a block's eigenvector matrix is
ill-conditioned or a forcing mode comes close to, without equalling, a block eigenvalue: the
coefficients F / (μ − λ) would then grow and cancel. Both checks bound the rounding error near
1e-10 relative.
"""

from __future__ import annotations

import heapq

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .exact import checked_eig, phi1

__all__ = ["blocks_of", "block_solve", "StructuredPropagator", "Resonance"]

#: Largest accepted growth of the mode coefficients of a block over what drives them (its initial
#: value and the coefficients of its upstream states). The coefficients F / (μ_m − λ_i) grow as a
#: forcing mode approaches a block eigenvalue (resonance); cancellation between the growing terms
#: then costs eps · growth ≈ 2e-10 of the driving amplitude at the limit.
MAX_AMPLIFICATION = 1e6

#: Sample-independent real eigenvalues closer than this (relative) share one mode column.
MERGE_TOLERANCE = 1e-10


def blocks_of(pattern: np.ndarray) -> list[np.ndarray]:
    """Strongly connected components of a structural pattern, in topological (upstream-first) order.

    Parameters
    ----------
    pattern : ndarray of bool
        ``pattern[i, j]`` is True where ``A[i, j] ≠ 0`` is possible (flow from state j to i).
    """
    n = pattern.shape[0]
    off = pattern & ~np.eye(n, dtype=bool)
    ncomp, labels = connected_components(csr_matrix(off.T), directed=True, connection="strong")
    # condensation DAG: edge from comp(j) to comp(i) for every flow j -> i
    src, dst = np.nonzero(off.T)            # off.T[j, i]: j -> i
    cs, cd = labels[src], labels[dst]
    keep = cs != cd
    edges = set(zip(cs[keep].tolist(), cd[keep].tolist()))
    indeg = np.zeros(ncomp, dtype=int)
    out: dict[int, list[int]] = {}
    for a, b in edges:
        indeg[b] += 1
        out.setdefault(a, []).append(b)
    # Kahn's algorithm; ties broken by the smallest state index for a stable order
    first = np.full(ncomp, n)
    np.minimum.at(first, labels, np.arange(n))
    ready = sorted((int(first[c]), c) for c in range(ncomp) if indeg[c] == 0)
    order = []
    heapq.heapify(ready)
    while ready:
        _, c = heapq.heappop(ready)
        order.append(c)
        for d in out.get(c, ()):
            indeg[d] -= 1
            if indeg[d] == 0:
                heapq.heappush(ready, (int(first[d]), d))
    return [np.nonzero(labels == c)[0] for c in order]


def upstream_of(pattern: np.ndarray, blocks: list[np.ndarray]) -> list[np.ndarray]:
    """For each block, the states outside it that flow into it (structurally), sorted."""
    out = []
    for idx in blocks:
        inflow = pattern[idx].any(axis=0)
        inflow[idx] = False
        out.append(np.nonzero(inflow)[0])
    return out


def block_solve(A: np.ndarray, blocks: list[np.ndarray], b: np.ndarray,
                upstream: list[np.ndarray] | None = None) -> np.ndarray:
    """Solve ``A y = b`` for a batch of block lower triangular matrices by forward substitution.

    Parameters
    ----------
    A : ndarray
        ``(n_samples, n, n)``, block lower triangular in the order of *blocks*.
    blocks : list of ndarray
        State indices of the diagonal blocks, upstream first (:func:`blocks_of`).
    b : ndarray
        ``(n_samples, n)``.
    """
    if upstream is None:
        upstream = upstream_of(np.any(A != 0, axis=0), blocks)
    y = np.zeros_like(b)
    for idx, up in zip(blocks, upstream):
        rhs = b[:, idx].copy()
        if up.size:
            rhs -= np.einsum("sij,sj->si", A[:, idx[:, None], up[None, :]], y[:, up])
        if idx.size == 1:
            y[:, idx[0]] = rhs[:, 0] / A[:, idx[0], idx[0]]
        else:
            y[:, idx] = np.linalg.solve(A[:, idx[:, None], idx[None, :]], rhs[..., None])[..., 0]
    return y


class StructuredPropagator:
    """Segment propagator for a batch of rate matrices sharing one sparsity structure.

    Parameters
    ----------
    A : ndarray
        ``(n_samples, n, n)`` rate matrices [1/h].
    blocks : list of ndarray
        State indices of each SCC in topological order (:func:`blocks_of`).
    upstream : list of ndarray, optional
        States flowing into each block (:func:`upstream_of`); derived from *A* when omitted.

    Attributes
    ----------
    ok : ndarray of bool
        Per sample: all block decompositions passed the conditioning check. (Resonances depend
        on the input too and are checked per segment; a sample that resonates is flagged then.)
    """

    def __init__(self, A: np.ndarray, blocks: list[np.ndarray],
                 upstream: list[np.ndarray] | None = None) -> None:
        S, n, _ = A.shape
        self.A, self.blocks, self.n = A, blocks, n
        self.upstream = upstream if upstream is not None else upstream_of(np.any(A != 0, axis=0), blocks)
        ok = np.ones(S, dtype=bool)
        mus: list[np.ndarray] = []          # per block: (S, n_b) eigenvalues
        Vs: list[np.ndarray | None] = []
        Vinvs: list[np.ndarray | None] = []
        cols: list[np.ndarray] = []          # per block: mode column of each own eigenvalue
        keys: dict[float, int] = {}          # sample-independent real eigenvalue -> its column
        ncol = 1                            # column 0: the input mode, μ = 0
        complex_ = False

        def column_for(v: np.ndarray) -> tuple[int, float | None]:
            """Column of eigenvalue v (S,): shared with an equal sample-independent one.

            Equal within MERGE_TOLERANCE counts as equal: the secular terms then used instead of
            two exponentials err by at most the tolerance, relative (max of x·e^{-x} < 1).
            """
            nonlocal ncol
            if np.all(v.imag == 0) and np.all(np.abs(v - v[0]) <= MERGE_TOLERANCE * abs(v[0])):
                v0 = float(v[0].real)
                for key, c in keys.items():
                    if abs(key - v0) <= MERGE_TOLERANCE * max(abs(key), abs(v0)):
                        return c, key
                keys[v0] = ncol
                ncol += 1
                return ncol - 1, v0
            ncol += 1
            return ncol - 1, None

        for idx in blocks:
            if idx.size == 1:
                d = A[:, idx[0], idx[0]]
                c, key = column_for(d)
                mus.append((np.full_like(d, key) if key is not None else d)[:, None])
                Vs.append(None)
                Vinvs.append(None)
                cols.append(np.array([c]))
                continue
            D = A[:, idx[:, None], idx[None, :]]
            mu, V, Vinv, block_ok = checked_eig(D)
            ok &= block_ok
            complex_ |= bool(np.any(mu.imag != 0))
            own = []
            for i in range(idx.size):
                c, key = column_for(mu[:, i])
                if key is not None:
                    mu[:, i] = key
                own.append(c)
            mus.append(mu)
            Vs.append(V)
            Vinvs.append(Vinv)
            cols.append(np.array(own))
        self.ok = ok
        self.complex = complex_
        self.ncol = ncol
        dtype = complex if complex_ else float
        self.mus = [m.astype(dtype) if complex_ else m.real for m in mus]
        self.Vs = [None if v is None else (v if complex_ else v.real) for v in Vs]
        self.Vinvs = [None if v is None else (v if complex_ else v.real) for v in Vinvs]
        self.cols = cols
        # the eigenvalue of each mode column (per sample)
        modes = np.zeros((S, ncol), dtype=dtype)
        for mu_b, col in zip(self.mus, cols):
            modes[:, col] = mu_b
        self.modes = modes

    def subset(self, keep: np.ndarray) -> StructuredPropagator:
        """The propagator restricted to the samples where *keep* is True."""
        if keep.all():
            return self
        new = object.__new__(StructuredPropagator)
        new.__dict__.update(self.__dict__)
        new.A = self.A[keep]
        new.ok = self.ok[keep]
        new.mus = [m[keep] for m in self.mus]
        new.Vs = [None if v is None else v[keep] for v in self.Vs]
        new.Vinvs = [None if v is None else v[keep] for v in self.Vinvs]
        new.modes = self.modes[keep]
        return new

    def coefficients(self, x0: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mode coefficients of the segment starting at *x0* with input *r*.

        Returns ``(G, resonant)``: ``G[s, i, m, j]`` is the coefficient of ``τ^j e^{μ_m τ}`` in
        state *i* (powers ``j > 0`` arise only where a shared constant mode drives a state with
        that same eigenvalue, e.g. a chain of equal rates: there the secular terms are exact).
        *resonant* flags samples where a forcing mode comes too close to, without equalling, a
        block eigenvalue (see :data:`MAX_AMPLIFICATION`).
        """
        S = x0.shape[0]
        A = self.A
        dtype = self.modes.dtype
        G = np.zeros((S, self.n, self.ncol, 1), dtype=dtype)
        resonant = np.zeros(S, dtype=bool)
        for b, (idx, up) in enumerate(zip(self.blocks, self.upstream)):
            nb, P = idx.size, G.shape[3]
            # forcing of this block by its upstream states, in x coordinates: (S, n_b, ncol, P)
            if up.size:
                F = _apply(A[:, idx[:, None], up[None, :]], G[:, up])
            else:
                F = np.zeros((S, nb, self.ncol, P), dtype=dtype)
            if np.any(r[idx]):
                F[:, :, 0, 0] += r[idx]
            Vinv, V, mu, own = self.Vinvs[b], self.Vs[b], self.mus[b], self.cols[b]
            if Vinv is not None:
                F = _apply(Vinv, F)
                y0 = np.matmul(Vinv, x0[:, idx, None])[..., 0]
            else:
                y0 = x0[:, idx].astype(dtype)
            rows = np.arange(nb)
            own_F = F[:, rows, own, :]                              # (S, n_b, P): exact resonance
            F[:, rows, own, :] = 0.0
            if np.any(own_F[..., -1] != 0):                         # needs one more power of τ
                G = np.concatenate([G, np.zeros(G.shape[:3] + (1,), dtype)], axis=3)
                F = np.concatenate([F, np.zeros(F.shape[:3] + (1,), dtype)], axis=3)
                own_F = np.concatenate([own_F, np.zeros(own_F.shape[:2] + (1,), dtype)], axis=2)
                P += 1
            den = self.modes[:, None, :] - mu[:, :, None]          # (S, n_b, ncol)
            den[:, rows, own] = 1.0
            Y = np.zeros_like(F)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                # particular solution of y' = λ y + Σ_j F_j τ^j e^{μτ}: e^{μτ} Σ_j c_j τ^j with
                # c_j = (F_j − (j+1) c_{j+1}) / (μ − λ), from the highest power down
                nxt = np.zeros(F.shape[:3], dtype)
                for j in range(P - 1, -1, -1):
                    num = F[..., j] - (j + 1) * nxt if j < P - 1 else F[..., j]
                    nxt = num / den
                    nxt[num == 0] = 0.0              # a zero forcing stays zero, even at den = 0
                    Y[..., j] = nxt
                # secular terms: forcing F_j τ^j e^{λτ} on eigenvalue λ itself gives F_j τ^{j+1}/(j+1)
                Y[:, rows, own, 1:] += own_F[..., :-1] / np.arange(1, P)
                # own modes take up the initial condition: y_i(0) = Σ_m Y[i, m, 0] + H_i
                H = y0 - Y[..., 0].sum(axis=2)
                # rounding amplification: size of the coefficients against the size of what
                # drives them (initial value, and the upstream coefficients)
                drive = np.abs(y0) + (np.abs(G[:, up]).sum(axis=(1, 2, 3))[:, None] if up.size else 0.0)
                size = np.abs(Y).sum(axis=(2, 3)) + np.abs(H)
                amp = np.where(size > 0, size / np.where(drive > 0, drive, 0.0), 0.0)
            resonant |= ~np.all(np.isfinite(amp) & (amp <= MAX_AMPLIFICATION), axis=1)
            with np.errstate(invalid="ignore", over="ignore"):   # resonant samples are discarded
                Y[:, rows, own, 0] += H
                G[:, idx] = _apply(V, Y) if V is not None else Y
        return G, resonant

    def __call__(self, x0: np.ndarray, r: np.ndarray, taus: np.ndarray):
        G, resonant = self.coefficients(x0, r)
        if resonant.any():
            raise Resonance(resonant)
        P = G.shape[3]
        z = self.modes[:, None, :] * taus[None, :, None]           # (S, T, ncol)
        E = np.exp(z)
        if P == 1:
            # one product for states and integrals: [E; τ φ₁(μτ)] (S, 2T, ncol) times G (S, ncol, n)
            T = taus.size
            basis = np.empty((E.shape[0], 2 * T, E.shape[2]), dtype=E.dtype)
            basis[:, :T] = E
            basis[:, T:] = _integral_basis(z, E, self.modes, taus)
            both = np.matmul(basis, G[..., 0].transpose(0, 2, 1))
            x, integral = both[:, :T], both[:, T:]
        else:
            powers = taus[None, :, None, None] ** np.arange(P)     # τ^j
            x = np.einsum("simp,stmp->sti", G, E[..., None] * powers)
            integral = np.einsum("simp,stmp->sti", G, taus[None, :, None, None] * powers * _moments(z, P))
        if self.complex:
            x, integral = x.real, integral.real
        return x, integral


def _apply(M: np.ndarray, G: np.ndarray) -> np.ndarray:
    """``einsum("sij,sjmp->simp", M, G)`` as one batched matrix product (BLAS, not einsum)."""
    S, nj, m, p = G.shape
    return np.matmul(M, G.reshape(S, nj, m * p)).reshape(S, M.shape[1], m, p)


#: Below this |μτ|, ``(e^{μτ} − 1)/μ`` would lose more than eps/1e-3 ≈ 2e-13 (relative) to
#: cancellation; there φ₁ (expm1) is used instead.
_CANCELLATION_LIMIT = 1e-3


def _integral_basis(z: np.ndarray, E: np.ndarray, modes: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """``∫_0^τ e^{μs} ds = τ φ₁(μτ) = (e^{μτ} − 1)/μ`` for every (sample, time, mode).

    The quotient reuses ``E = e^{μτ}``; where ``|μτ| < _CANCELLATION_LIMIT`` (including μ = 0)
    it is replaced by ``τ φ₁(μτ)`` from ``expm1``, which has no cancellation.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (E - 1.0) / modes[:, None, :]
    small = np.abs(z) < _CANCELLATION_LIMIT
    if small.any():
        out[small] = np.broadcast_to(taus[None, :, None], z.shape)[small] * phi1(z[small])
    return out


def _moments(z: np.ndarray, P: int) -> np.ndarray:
    """``I_j(z) = ∫_0^1 u^j e^{zu} du`` for j < P: ``∫_0^τ s^j e^{μs} ds = τ^{j+1} I_j(μτ)``.

    Series ``Σ_i z^i / (i! (i+j+1))`` for |z| < 1 (25 terms: error < 1/25! ≈ 6e-26), forward
    recurrence ``I_j = (e^z − j I_{j−1}) / z`` otherwise (error growth ≤ j/|z| ≤ P per step).
    """
    out = np.empty(z.shape + (P,), dtype=z.dtype)
    small = np.abs(z) < 1.0
    zs = np.where(small, z, 0.0)
    zb = np.where(small, 1.0, z)
    ez = np.exp(zb)
    prev = phi1(z)
    out[..., 0] = prev
    for j in range(1, P):
        series = np.zeros_like(zs)
        term = np.ones_like(zs)
        for i in range(25):
            series = series + term / (i + j + 1)
            term = term * zs / (i + 1)
        prev = np.where(small, series, (ez - j * prev) / zb)
        out[..., j] = prev
    return out


class Resonance(Exception):
    """Raised inside a segment when some samples resonate; carries the mask."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask
        super().__init__(f"{int(mask.sum())} resonant sample(s)")
