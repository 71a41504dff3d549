"""Exact solution of linear models: eigen-decomposition behind a conditioning check, else expm.

Within a segment with constant input rate ``r`` the solution of ``x' = A x + r`` is

.. math::

    x(τ) = e^{Aτ} x_0 + τ\\,φ_1(Aτ)\\, r, \\qquad
    \\int_0^τ x = τ\\,φ_1(Aτ)\\, x_0 + τ^2 φ_2(Aτ)\\, r,

with :math:`φ_1(z) = (e^z - 1)/z` and :math:`φ_2(z) = (e^z - 1 - z)/z^2`.

*Eigen path* (all samples at once, every output time from one decomposition): with
``A = V diag(μ) V⁻¹`` the φ-functions act on the eigenvalues. It is used only where the
eigenvector matrix is well conditioned (κ₁(V) ≤ ``max_condition``) and reproduces ``A`` to
``1e-12`` relative; a defective or nearly defective matrix (repeated eigenvalues, as in the ICRP
radium model with equal colon transit rates) fails that check.

*Expm path* (per sample, always valid): the augmented matrix
``M = [[A, 0, r], [I, 0, 0], [0, 0, 0]]`` gives state and integral at once,
``[x; ∫x; 1](τ) = expm(Mτ) [x0; 0; 1]`` (Van Loan 1978), with ``scipy.linalg.expm``
(scaling and squaring, Al-Mohy & Higham 2009), stepping between output times and reusing the
exponential of equal steps.

References
----------
C. Van Loan, "Computing integrals involving the matrix exponential", IEEE Trans. Autom.
Control 23 (1978) 395-404. A. H. Al-Mohy, N. J. Higham, SIAM J. Matrix Anal. Appl. 31 (2009) 970-989.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["EigenPropagator", "ExpmPropagator", "phi1", "phi2"]

#: Largest accepted 1-norm condition number of the eigenvector matrix. Rounding errors of the
#: eigen path are of order eps·κ(V) ≈ 2.2e-16 · 1e6 = 2e-10 relative to the state norm.
MAX_CONDITION = 1e6


def _series(z: np.ndarray, k: int) -> np.ndarray:
    # phi_k(z) = sum_{j>=0} z^j / (j + k)!, 16 terms: error < |z|^16/16! < 1e-29 for |z| < 0.2
    out = np.zeros_like(z)
    term = np.ones_like(z)
    fact = 1.0
    for j in range(1, k + 1):
        fact *= j
    term = term / fact
    for j in range(16):
        out = out + term
        term = term * z / (j + k + 1)
    return out


def phi1(z: np.ndarray) -> np.ndarray:
    """(e^z − 1)/z, accurate everywhere: ``expm1`` (real and complex) has no cancellation near 0.

    >>> float(phi1(np.array(1e-12)))
    1.0000000000005
    >>> float(phi1(np.array(0.0)))
    1.0
    """
    z = np.asarray(z)
    zero = z == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.expm1(z) / np.where(zero, 1.0, z)
    return np.where(zero, 1.0, out) if zero.any() else out


def phi2(z: np.ndarray) -> np.ndarray:
    """(e^z − 1 − z)/z², accurate near 0 (series for |z| < 0.2, only where needed)."""
    z = np.asarray(z)
    small = np.abs(z) < 0.2
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (np.expm1(z) - z) / np.where(small, 1.0, z) ** 2
    if small.any():
        out = np.array(out, copy=True)
        out[small] = _series(z[small], 2)
    return out


def checked_eig(D: np.ndarray, max_condition: float = MAX_CONDITION):
    """Batched eigen-decomposition ``D = V diag(μ) V⁻¹`` with a per-sample validity flag.

    A sample passes when κ₁(V) ≤ *max_condition* and ``V diag(μ) V⁻¹`` reproduces ``D`` to
    1e-12 relative (1-norm). Returns ``(μ, V, V⁻¹, ok)``.
    """
    mu, V = np.linalg.eig(D)
    with np.errstate(all="ignore"):
        try:
            Vinv = np.linalg.inv(V)
        except np.linalg.LinAlgError:                  # a singular V in the batch: per sample
            Vinv = np.stack([_inv_or_nan(v) for v in V])
        cond = np.abs(V).sum(1).max(1) * np.abs(Vinv).sum(1).max(1)
        recon = np.matmul(V * mu[:, None, :], Vinv)
        err = np.abs(recon - D).sum(1).max(1)
        scale = np.abs(D).sum(1).max(1)
    ok = np.isfinite(cond) & (cond <= max_condition) & (err <= 1e-12 * np.maximum(scale, 1e-300))
    return mu, V, Vinv, ok


def _inv_or_nan(v: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(v)
    except np.linalg.LinAlgError:
        return np.full_like(v, np.nan)


class EigenPropagator:
    """Segment propagator over a batch of rate matrices via their eigen-decomposition.

    Parameters
    ----------
    A : ndarray
        ``(n_samples, n, n)`` rate matrices [1/h].
    max_condition : float
        Samples whose eigenvector matrix is worse conditioned are flagged in :attr:`ok`.

    Attributes
    ----------
    ok : ndarray of bool
        Per sample: the decomposition passed the checks and may be used.
    """

    def __init__(self, A: np.ndarray, max_condition: float = MAX_CONDITION) -> None:
        mu, V, Vinv, ok = checked_eig(A, max_condition)
        self.ok = ok
        self.real = bool(np.all(mu.imag[ok] == 0))
        if self.real:
            mu, V, Vinv = mu.real, V.real, Vinv.real
        self.mu, self.V, self.Vinv = mu[ok], V[ok], Vinv[ok]

    def __call__(self, x0: np.ndarray, r: np.ndarray, taus: np.ndarray):
        c = np.einsum("sij,sj->si", self.Vinv, x0)
        z = self.mu[:, None, :] * taus[None, :, None]
        E = np.exp(z)
        P1 = taus[None, :, None] * phi1(z)
        y = E * c[:, None, :]
        w = P1 * c[:, None, :]
        if np.any(r):
            d = self.Vinv @ r
            y = y + P1 * d[:, None, :]
            w = w + taus[None, :, None] ** 2 * phi2(z) * d[:, None, :]
        x = np.einsum("sij,stj->sti", self.V, y)
        integral = np.einsum("sij,stj->sti", self.V, w)
        if not self.real:
            x, integral = x.real, integral.real
        return x, integral


class ExpmPropagator:
    """Segment propagator for one rate matrix by the augmented matrix exponential.

    Parameters
    ----------
    A : ndarray
        ``(n, n)`` rate matrix [1/h].
    """

    def __init__(self, A: np.ndarray) -> None:
        self.A = A
        self.n = A.shape[0]
        self._cache: dict[tuple[bytes, float], np.ndarray] = {}
        self.n_expm = 0

    def _expm(self, r: np.ndarray, dt: float) -> np.ndarray:
        # equal steps (e.g. np.linspace) reuse one exponential; 13 digits of the step are kept,
        # so a reused step differs from the exact one by < 1e-12 relative.
        key = (r.tobytes(), float(f"{dt:.13g}"))
        E = self._cache.get(key)
        if E is None:
            n = self.n
            M = np.zeros((2 * n + 1, 2 * n + 1))
            M[:n, :n] = self.A
            M[:n, 2 * n] = r
            M[n:2 * n, :n] = np.eye(n)
            E = scipy.linalg.expm(M * dt)
            self.n_expm += 1
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = E
        return E

    def __call__(self, x0: np.ndarray, r: np.ndarray, taus: np.ndarray):
        n = self.n
        S = x0.shape[0]
        xs = np.empty((S, taus.size, n))
        ints = np.empty((S, taus.size, n))
        for s in range(S):
            z = np.concatenate([x0[s], np.zeros(n), [1.0]])
            prev = 0.0
            for j, tau in enumerate(taus):
                if tau > prev:
                    z = self._expm(r, tau - prev) @ z
                    z[-1] = 1.0
                    prev = tau
                xs[s, j] = z[:n]
                ints[s, j] = z[n:2 * n]
        return xs, ints
