"""Blood rheology in microvessels: apparent viscosity laws of Pries et al. and haematocrit phase
separation at diverging bifurcations, iterated with the network solver to a consistent state.

Pure laws (numpy, vectorised; diameters in µm as in the papers, haematocrits as fractions):

* :func:`relative_viscosity_vitro`: glass tubes, Pries et al. (1992).
* :func:`relative_viscosity_vivo`: microvessels in vivo, Pries et al. (1994).
* :func:`relative_viscosity_vivo_esl`: in vivo with the endothelial surface layer, Pries &
  Secomb (2005).
* :func:`erythrocyte_flux_fraction`: red-cell partition at a diverging bifurcation, Pries et
  al. (1989) in the form and with the parameters of Pries & Secomb (2005).

Machinery: :func:`solve_blood_flow` solves a :class:`~pkdose.flow.network.VascularNetwork` of
vessels with Hagen-Poiseuille and each vessel's apparent viscosity, distributes red cells at
every node, and repeats until flows and haematocrits no longer change.

Diameters are taken as given. The laws are written for human red cells (mean cell volume
92 fL); Secomb's NetFlow code applies them to d·(92 fL / MCV)^(1/3) for other species. Scale
diameters of animal data yourself if you need that correction.

Provenance of the constants
---------------------------
The papers themselves could not be read while this module was written. Every constant below
was transcribed from the equations as they are widely reproduced and **cross-checked against
independent implementations**: the parameter file ``RheolParams.dat`` of T.W. Secomb's
NetFlowV2 / FlowEstimate programs (Secomb co-authored the 1994 and 2005 papers: bifurcation
parameters 0.964, 6.98, −13.29; C parameters 0.80, −0.075, −11, 12; in-vivo η₀.₄₅ parameters
6.0, −0.085, 3.2, −2.44, −0.06, 0.645; wall term 1.1 µm); for the in-vitro η₀.₄₅ (220, −1.3,
3.2, −2.44, −0.06, 0.645) three independent transcriptions (two MATLAB, one C++); for the 2005
surface-layer law two MATLAB transcriptions (D_off 2.4 µm, D_crit 10.5 µm, D_50 100 µm, E_amp
1.1 µm, E_width 0.03 µm⁻¹, E_peak 0.6, E_HD 1.18, W_max 2.6 µm; a third transcription omits
W_max, which we take to be its error). No code was copied. Equation numbers of the papers are
**not verified** and are not given; the one number checked against a paper's own text is the
abstract of Pries et al. (1994) (in vivo resistance of 10-µm vessels ≈ 4 times that of glass
tubes, see the tests).

References
----------
Pries, A.R., Neuhaus, D. & Gaehtgens, P. (1992). Blood viscosity in tube flow: dependence on
diameter and hematocrit. *Am J Physiol* 263 (Heart Circ Physiol 32): H1770-H1778.
Pries, A.R., Secomb, T.W., Gessner, T., Sperandio, M.B., Gross, J.F. & Gaehtgens, P. (1994).
Resistance to blood flow in microvessels in vivo. *Circ Res* 75: 904-915.
Pries, A.R. & Secomb, T.W. (2005). Microvascular blood viscosity in vivo and the endothelial
surface layer. *Am J Physiol Heart Circ Physiol* 289: H2657-H2664.
Pries, A.R., Ley, K., Claassen, M. & Gaehtgens, P. (1989). Red cell distribution at
microvascular bifurcations. *Microvasc Res* 38: 81-101.
Rosenson, R.S., McCormick, A. & Uretz, E.F. (1996). Distribution of blood viscosity values
and biochemical correlates in healthy adults. *Clin Chem* 42: 1189-1195.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from pkdose.errors import (
    ConvergenceError,
    InputDataError,
    SolverError,
    UnknownNameError,
    Violation,
)
from pkdose.flow.network import VascularNetwork
from pkdose.flow.solver import FlowSolution, solve_flow
from pkdose.flow.vessels import HEAD_DENSITY_KG_M3, head_to_pressure_pa, pressure_to_head_m

__all__ = [
    "PLASMA_VISCOSITY_PA_S",
    "REFERENCE_HD",
    "VISCOSITY_LAWS",
    "SurfaceLayer",
    "BloodFlowSolution",
    "eta45_vitro",
    "eta45_vivo",
    "haematocrit_exponent",
    "relative_viscosity_vitro",
    "relative_viscosity_vivo",
    "surface_layer",
    "relative_viscosity_vivo_esl",
    "relative_viscosity",
    "phase_separation_parameters",
    "erythrocyte_flux_fraction",
    "solve_blood_flow",
]

Array = NDArray[np.float64]
FloatOrArray = float | Array
Law = Literal["vitro-1992", "vivo-1994", "vivo-esl-2005"]

PLASMA_VISCOSITY_PA_S = 1.39e-3
"""Mean plasma viscosity of healthy adults at 37 °C, 1.39 ± 0.08 mPa·s (SD; 126 fasting adults,
coaxial-cylinder viscometer). Rosenson, McCormick & Uretz (1996), *Clin Chem* 42: 1189-1195,
Abstract. The value was read from the abstract; the volume and pages are cited from memory.
Plasma viscosity varies with fibrinogen and proteins (the same study: serum 1.27 mPa·s), so
:func:`solve_blood_flow` requires it as an argument; this constant is a documented choice,
not a default."""

REFERENCE_HD = 0.45
"""The discharge haematocrit at which η₀.₄₅ is defined (Pries et al. 1992, 1994)."""

# ---- Pries, Neuhaus & Gaehtgens (1992), in vitro; Pries et al. (1994) in vivo -----------------
# η₀.₄₅(D) = a·exp(b·D) + 3.2 + c·exp(d·D^e)   [D in µm]
_VITRO45 = (220.0, -1.3, 3.2, -2.44, -0.06, 0.645)
"""η₀.₄₅ in vitro: 220·e^(−1.3D) + 3.2 − 2.44·e^(−0.06·D^0.645). Pries et al. (1992)."""
_VIVO45 = (6.0, -0.085, 3.2, -2.44, -0.06, 0.645)
"""η₀.₄₅ in vivo: 6·e^(−0.085D) + 3.2 − 2.44·e^(−0.06·D^0.645). Pries et al. (1994);
= ``viscpar`` of Secomb's RheolParams.dat."""
# C(D) = (0.8 + e^(−0.075D))·(−1 + 1/(1 + 10^−11·D^12)) + 1/(1 + 10^−11·D^12)
_C_PARAMS = (0.8, -0.075, -11.0, 12.0)
"""Shape of the haematocrit dependence, Pries et al. (1992), also used in 1994 and 2005;
= ``cpar`` of Secomb's RheolParams.dat."""
_VIVO_WALL_UM = 1.1
"""The 1.1 µm of (D/(D − 1.1))² in the in-vivo law, Pries et al. (1994); ``optw`` of
Secomb's RheolParams.dat."""

# ---- Pries & Secomb (2005), endothelial surface layer [µm] -----------------------------------
ESL_D_OFF_UM = 2.4
"""D_off [µm]: below it the surface layer has no width. Pries & Secomb (2005)."""
ESL_D_CRIT_UM = 10.5
"""D_crit [µm]: diameter of the peak of W_peak. Pries & Secomb (2005)."""
ESL_D50_UM = 100.0
"""D_50 [µm]: diameter at which W_as is half of W_max (for D ≫ D_off). Pries & Secomb (2005)."""
ESL_W_MAX_UM = 2.6
"""W_max [µm]: width of the surface layer in large vessels. Pries & Secomb (2005)."""
ESL_E_AMP_UM = 1.1
"""E_amp [µm]: amplitude of W_peak. Pries & Secomb (2005)."""
ESL_E_WIDTH_PER_UM = 0.03
"""E_width [µm⁻¹]: decay of W_peak above D_crit. Pries & Secomb (2005)."""
ESL_E_PEAK = 0.6
"""E_peak [-]: share of W_peak that excludes red cells (physical layer). Pries & Secomb (2005)."""
ESL_E_HD = 1.18
"""E_HD [-]: haematocrit dependence of the effective layer. Pries & Secomb (2005)."""

# ---- phase separation, Pries & Secomb (2005) parameters ---------------------------------------
PS_X0 = 0.964
"""X₀ = 0.964·(1 − H_D)/D_F. Pries & Secomb (2005); ``bifpar[1]`` of Secomb's code."""
PS_B = 6.98
"""B = 1 + 6.98·(1 − H_D)/D_F. Pries & Secomb (2005); ``bifpar[2]`` of Secomb's code."""
PS_A = -13.29
"""A = −13.29·((D_α²/D_β² − 1)/(D_α²/D_β² + 1))·(1 − H_D)/D_F. Pries & Secomb (2005);
``bifpar[3]`` of Secomb's code."""


def _bad(function: str, field_: str, expected: str, got: object) -> InputDataError:
    return InputDataError([Violation(function, None, field_, expected, got)])


def _out(x: Array) -> FloatOrArray:
    return float(x) if np.ndim(x) == 0 else np.asarray(x, dtype=float)


def _check_d(function: str, d: Array, minimum: float = 0.0) -> None:
    bad = ~(np.isfinite(d) & (d > minimum))
    if np.any(bad):
        raise _bad(function, "diameter_um", f"finite diameters > {minimum:g} µm",
                   np.asarray(d)[bad].tolist()[:5])


def _check_hd(function: str, hd: Array, name: str = "hd") -> None:
    bad = ~(np.isfinite(hd) & (hd >= 0.0) & (hd < 1.0))
    if np.any(bad):
        raise _bad(function, name, "discharge haematocrits 0 ≤ H_D < 1",
                   np.asarray(hd)[bad].tolist()[:5])


def _eta45(d: Array, p: tuple[float, ...]) -> Array:
    a, b, c0, c, e, f = p
    return np.asarray(a * np.exp(b * d) + c0 + c * np.exp(e * d**f), dtype=float)


def eta45_vitro(diameter_um: ArrayLike) -> FloatOrArray:
    """Relative apparent viscosity at H_D = 0.45 in glass tubes, η₀.₄₅ [-] (Pries et al. 1992).

    η₀.₄₅(D) = 220·e^(−1.3 D) + 3.2 − 2.44·e^(−0.06 D^0.645), D in µm.

    Examples
    --------
    >>> round(eta45_vitro(7.0), 4)
    1.2477
    """
    d = np.asarray(diameter_um, dtype=float)
    _check_d("eta45_vitro", d)
    return _out(_eta45(d, _VITRO45))


def eta45_vivo(diameter_um: ArrayLike) -> FloatOrArray:
    """The η₀.₄₅ term of the in-vivo law [-] (Pries et al. 1994).

    η₀.₄₅(D) = 6·e^(−0.085 D) + 3.2 − 2.44·e^(−0.06 D^0.645), D in µm. (Not itself the in-vivo
    viscosity at H_D = 0.45: see :func:`relative_viscosity_vivo`.)

    Examples
    --------
    >>> round(eta45_vivo(10.0), 4)
    3.8924
    """
    d = np.asarray(diameter_um, dtype=float)
    _check_d("eta45_vivo", d)
    return _out(_eta45(d, _VIVO45))


def haematocrit_exponent(diameter_um: ArrayLike) -> FloatOrArray:
    """Exponent C(D) [-] of the haematocrit dependence (Pries et al. 1992).

    C = (0.8 + e^(−0.075 D))·(−1 + 1/(1 + 10⁻¹¹ D¹²)) + 1/(1 + 10⁻¹¹ D¹²), D in µm: C → 1 in
    narrow tubes (D ≲ 6 µm) and C → −0.8 in wide ones (D ≳ 15 µm).

    Examples
    --------
    >>> round(haematocrit_exponent(2.0), 6), round(haematocrit_exponent(1000.0), 6)
    (1.0, -0.8)
    """
    d = np.asarray(diameter_um, dtype=float)
    _check_d("haematocrit_exponent", d)
    return _out(_c(d))


def _c(d: Array) -> Array:
    a, b, e10, p = _C_PARAMS
    s = 1.0 / (1.0 + 10.0**e10 * d**p)
    return np.asarray((a + np.exp(b * d)) * (-1.0 + s) + s, dtype=float)


def _hd_factor(d: Array, hd: Array) -> Array:
    """((1 − H_D)^C − 1) / ((1 − 0.45)^C − 1)."""
    c = _c(d)
    return np.asarray(((1.0 - hd) ** c - 1.0) / ((1.0 - REFERENCE_HD) ** c - 1.0), dtype=float)


def _vitro(d: Array, hd: Array) -> Array:
    return np.asarray(1.0 + (_eta45(d, _VITRO45) - 1.0) * _hd_factor(d, hd), dtype=float)


def relative_viscosity_vitro(diameter_um: ArrayLike, hd: ArrayLike) -> FloatOrArray:
    """Relative apparent viscosity of blood in glass tubes, η_rel = μ_app / μ_plasma [-].

    Pries, Neuhaus & Gaehtgens (1992)::

        η_rel = 1 + (η₀.₄₅ − 1) · ((1 − H_D)^C − 1) / ((1 − 0.45)^C − 1)

    with η₀.₄₅ from :func:`eta45_vitro` and C from :func:`haematocrit_exponent`.

    Parameters
    ----------
    diameter_um : float or array
        Tube diameter D [µm], > 0.
    hd : float or array
        Discharge haematocrit H_D [-], 0 ≤ H_D < 1.

    Returns
    -------
    float or ndarray
        η_rel [-]; 1 at H_D = 0, η₀.₄₅ at H_D = 0.45.

    Raises
    ------
    InputDataError
        A diameter ≤ 0 or a haematocrit outside [0, 1).

    Examples
    --------
    >>> round(relative_viscosity_vitro(10.0, 0.45), 4)
    1.3284
    >>> relative_viscosity_vitro(10.0, 0.0)
    1.0
    """
    d, h = np.broadcast_arrays(np.asarray(diameter_um, dtype=float), np.asarray(hd, dtype=float))
    _check_d("relative_viscosity_vitro", d)
    _check_hd("relative_viscosity_vitro", h)
    return _out(_vitro(d, h))


def relative_viscosity_vivo(diameter_um: ArrayLike, hd: ArrayLike) -> FloatOrArray:
    """Relative apparent viscosity of blood in microvessels in vivo [-] (Pries et al. 1994).

    ::

        η_vivo = [1 + (η₀.₄₅ − 1) · ((1 − H_D)^C − 1)/((1 − 0.45)^C − 1) · (D/(D − 1.1))²]
                 · (D/(D − 1.1))²

    with η₀.₄₅ = 6·e^(−0.085 D) + 3.2 − 2.44·e^(−0.06 D^0.645) (:func:`eta45_vivo`), C as in
    vitro (:func:`haematocrit_exponent`), D in µm. (D/(D − 1.1))² is an empirical wall term
    (1.1 µm is ``optw`` in Secomb's code); at H_D = 0 the law gives (D/(D − 1.1))², not 1.

    Parameters
    ----------
    diameter_um : float or array
        Vessel diameter D [µm], > 1.1.
    hd : float or array
        Discharge haematocrit H_D [-], 0 ≤ H_D < 1.

    Returns
    -------
    float or ndarray
        η_vivo [-]; multiply by the plasma viscosity for μ_app [Pa·s].

    Raises
    ------
    InputDataError
        A diameter ≤ 1.1 µm or a haematocrit outside [0, 1).

    Examples
    --------
    >>> round(relative_viscosity_vivo(10.0, 0.45), 4)
    5.8724
    """
    d, h = np.broadcast_arrays(np.asarray(diameter_um, dtype=float), np.asarray(hd, dtype=float))
    _check_d("relative_viscosity_vivo", d, _VIVO_WALL_UM)
    _check_hd("relative_viscosity_vivo", h)
    return _out(_vivo(d, h))


def _vivo(d: Array, hd: Array) -> Array:
    w = (d / (d - _VIVO_WALL_UM)) ** 2
    return np.asarray((1.0 + (_eta45(d, _VIVO45) - 1.0) * _hd_factor(d, hd) * w) * w, dtype=float)


@dataclass(frozen=True)
class SurfaceLayer:
    """Widths of the endothelial surface layer [µm] (Pries & Secomb 2005), arrays or floats.

    Attributes
    ----------
    w_as_um : W_as, the layer of large vessels, 0 below D_off.
    w_peak_um : W_peak, the extra layer peaking at D_crit.
    w_ph_um : W_ph = W_as + E_peak W_peak, the physical width excluding red cells.
    w_eff_um : W_eff = W_as + W_peak (1 + H_D E_HD), the hydrodynamically effective width.
    d_ph_um : D_ph = D − 2 W_ph, the diameter available to red cells.
    d_eff_um : D_eff = D − 2 W_eff, the effective diameter for flow resistance.
    """

    w_as_um: FloatOrArray
    w_peak_um: FloatOrArray
    w_ph_um: FloatOrArray
    w_eff_um: FloatOrArray
    d_ph_um: FloatOrArray
    d_eff_um: FloatOrArray


def _layer(d: Array, hd: Array) -> tuple[Array, Array, Array, Array, Array, Array]:
    above = d > ESL_D_OFF_UM
    w_as = np.where(above, (d - ESL_D_OFF_UM) / (d + ESL_D50_UM - 2.0 * ESL_D_OFF_UM)
                    * ESL_W_MAX_UM, 0.0)
    rising = ESL_E_AMP_UM * (d - ESL_D_OFF_UM) / (ESL_D_CRIT_UM - ESL_D_OFF_UM)
    falling = ESL_E_AMP_UM * np.exp(-ESL_E_WIDTH_PER_UM * (d - ESL_D_CRIT_UM))
    w_peak = np.where(~above, 0.0, np.where(d <= ESL_D_CRIT_UM, rising, falling))
    w_ph = w_as + w_peak * ESL_E_PEAK
    w_eff = w_as + w_peak * (1.0 + hd * ESL_E_HD)
    return w_as, w_peak, w_ph, w_eff, d - 2.0 * w_ph, d - 2.0 * w_eff


def surface_layer(diameter_um: ArrayLike, hd: ArrayLike) -> SurfaceLayer:
    """Endothelial surface layer widths and diameters [µm] (Pries & Secomb 2005).

    ::

        W_as   = 0                                          D ≤ D_off
               = (D − D_off)/(D + D_50 − 2 D_off) · W_max   D > D_off
        W_peak = 0                                          D ≤ D_off
               = E_amp (D − D_off)/(D_crit − D_off)         D_off < D ≤ D_crit
               = E_amp exp(−E_width (D − D_crit))           D > D_crit
        W_ph = W_as + E_peak W_peak,   W_eff = W_as + W_peak (1 + H_D E_HD)
        D_ph = D − 2 W_ph,             D_eff = D − 2 W_eff

    with D_off = 2.4 µm, D_crit = 10.5 µm, D_50 = 100 µm, W_max = 2.6 µm, E_amp = 1.1 µm,
    E_width = 0.03 µm⁻¹, E_peak = 0.6, E_HD = 1.18 (module constants ``ESL_*``).

    Examples
    --------
    >>> layer = surface_layer(10.5, 0.45)
    >>> round(layer.w_peak_um, 6), round(layer.d_eff_um, 4)
    (1.1, 6.7333)
    """
    d, h = np.broadcast_arrays(np.asarray(diameter_um, dtype=float), np.asarray(hd, dtype=float))
    _check_d("surface_layer", d)
    _check_hd("surface_layer", h)
    return SurfaceLayer(*(_out(x) for x in _layer(d, h)))


def relative_viscosity_vivo_esl(diameter_um: ArrayLike, hd: ArrayLike) -> FloatOrArray:
    """Relative apparent viscosity in vivo with the endothelial surface layer [-].

    Pries & Secomb (2005)::

        η_vivo = η_vitro(D_ph, H_D) · (D / D_eff)⁴

    where η_vitro is :func:`relative_viscosity_vitro` evaluated at the diameter D_ph left to
    red cells, and D_ph, D_eff come from :func:`surface_layer`. For D ≤ D_off = 2.4 µm the
    layer vanishes and η_vivo = η_vitro(D, H_D).

    Parameters
    ----------
    diameter_um : float or array
        Vessel diameter D [µm], > 0 (and D_eff > 0, true for every D > 0 at H_D < 1).
    hd : float or array
        Discharge haematocrit H_D [-], 0 ≤ H_D < 1.

    Returns
    -------
    float or ndarray
        η_vivo [-].

    Raises
    ------
    InputDataError
        A diameter ≤ 0 or a haematocrit outside [0, 1).

    Examples
    --------
    >>> round(relative_viscosity_vivo_esl(10.0, 0.45), 2)
    7.32
    """
    d, h = np.broadcast_arrays(np.asarray(diameter_um, dtype=float), np.asarray(hd, dtype=float))
    _check_d("relative_viscosity_vivo_esl", d)
    _check_hd("relative_viscosity_vivo_esl", h)
    return _out(_vivo_esl(d, h))


def _vivo_esl(d: Array, hd: Array) -> Array:
    *_, d_ph, d_eff = _layer(d, hd)
    return np.asarray(_vitro(d_ph, hd) * (d / d_eff) ** 4, dtype=float)


_LAW_FUNCTIONS: dict[str, Callable[[Array, Array], Array]] = {
    "vitro-1992": _vitro, "vivo-1994": _vivo, "vivo-esl-2005": _vivo_esl,
}
_LAW_MIN_D = {"vitro-1992": 0.0, "vivo-1994": _VIVO_WALL_UM, "vivo-esl-2005": 0.0}
VISCOSITY_LAWS: tuple[str, ...] = tuple(_LAW_FUNCTIONS)
"""Names of the apparent-viscosity laws: "vitro-1992" (Pries et al. 1992), "vivo-1994"
(Pries et al. 1994), "vivo-esl-2005" (Pries & Secomb 2005)."""


def relative_viscosity(diameter_um: ArrayLike, hd: ArrayLike,
                       law: Law = "vivo-1994") -> FloatOrArray:
    """Relative apparent viscosity [-] by the named law (one of :data:`VISCOSITY_LAWS`).

    Raises
    ------
    UnknownNameError
        An unknown law.
    InputDataError
        Diameters or haematocrits outside the law's domain.

    Examples
    --------
    >>> relative_viscosity(10.0, 0.45, "vitro-1992") == relative_viscosity_vitro(10.0, 0.45)
    True
    """
    if law not in _LAW_FUNCTIONS:
        raise UnknownNameError("viscosity law", law, VISCOSITY_LAWS, "relative_viscosity")
    d, h = np.broadcast_arrays(np.asarray(diameter_um, dtype=float), np.asarray(hd, dtype=float))
    _check_d("relative_viscosity", d, _LAW_MIN_D[law])
    _check_hd("relative_viscosity", h)
    return _out(_LAW_FUNCTIONS[law](d, h))


def phase_separation_parameters(parent_diameter_um: ArrayLike, daughter_diameter_um: ArrayLike,
                                other_daughter_diameter_um: ArrayLike, parent_hd: ArrayLike
                                ) -> tuple[FloatOrArray, FloatOrArray, FloatOrArray]:
    """A, B, X₀ of the phase-separation law for daughter α (Pries & Secomb 2005 parameters).

    ::

        A  = −13.29 · ((D_α²/D_β² − 1)/(D_α²/D_β² + 1)) · (1 − H_D)/D_F
        B  = 1 + 6.98 · (1 − H_D)/D_F
        X₀ = 0.964 · (1 − H_D)/D_F

    D_F, D_α, D_β in µm (parent, this daughter, the other daughter); H_D the parent's
    discharge haematocrit.

    Examples
    --------
    >>> a, b, x0 = phase_separation_parameters(10.0, 8.0, 8.0, 0.45)
    >>> a, round(b, 4), round(x0, 5)
    (0.0, 1.3839, 0.05302)
    """
    df, da, db, h = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (
        parent_diameter_um, daughter_diameter_um, other_daughter_diameter_um, parent_hd)))
    for name, x in (("parent_diameter_um", df), ("daughter_diameter_um", da),
                    ("other_daughter_diameter_um", db)):
        if np.any(~(np.isfinite(x) & (x > 0))):
            raise _bad("phase_separation_parameters", name, "finite diameters > 0 µm",
                       np.asarray(x)[~(np.isfinite(x) & (x > 0))].tolist()[:5])
    _check_hd("phase_separation_parameters", h, "parent_hd")
    a, b, x0 = _ps_params(df, da, db, h)
    return _out(a), _out(b), _out(x0)


def _ps_params(df: Array, da: Array, db: Array, h: Array) -> tuple[Array, Array, Array]:
    s = (1.0 - h) / df
    r = (da / db) ** 2
    return PS_A * (r - 1.0) / (r + 1.0) * s, 1.0 + PS_B * s, PS_X0 * s


def _fqe(fqb: Array, a: Array, b: Array, x0: Array) -> Array:
    fqb, a, b, x0 = (np.array(x, dtype=float) for x in np.broadcast_arrays(fqb, a, b, x0))
    out = np.where(fqb <= x0, 0.0, 1.0)
    inside = (fqb > x0) & (fqb < 1.0 - x0)
    x = (fqb[inside] - x0[inside]) / (1.0 - 2.0 * x0[inside])  # in (0, 1)
    out[inside] = expit(a[inside] + b[inside] * np.log(x / (1.0 - x)))
    return np.asarray(out, dtype=float)


def erythrocyte_flux_fraction(fq_blood: ArrayLike, parent_diameter_um: ArrayLike,
                              daughter_diameter_um: ArrayLike,
                              other_daughter_diameter_um: ArrayLike,
                              parent_hd: ArrayLike) -> FloatOrArray:
    """Fraction of the parent's red-cell flux entering daughter α, FQ_E [-].

    The logit law of Pries et al. (1989) with the parameters of Pries & Secomb (2005)::

        FQ_E = 0                                              FQ_B ≤ X₀
        logit FQ_E = A + B · logit((FQ_B − X₀)/(1 − 2 X₀))    X₀ < FQ_B < 1 − X₀
        FQ_E = 1                                              FQ_B ≥ 1 − X₀

    logit x = ln(x/(1 − x)); A, B, X₀ from :func:`phase_separation_parameters`. FQ_B is the
    fraction of the parent's blood flow entering α. The law is consistent for the two
    daughters: FQ_E(FQ_B; D_α, D_β) + FQ_E(1 − FQ_B; D_β, D_α) = 1, since A changes sign and
    logit is odd. The discharge haematocrit of α is H_α = FQ_E H_F / FQ_B.

    Parameters
    ----------
    fq_blood : float or array
        FQ_B [-], 0 ≤ FQ_B ≤ 1.
    parent_diameter_um, daughter_diameter_um, other_daughter_diameter_um : float or array
        D_F, D_α, D_β [µm], > 0.
    parent_hd : float or array
        H_D of the parent [-], 0 ≤ H_D < 1.

    Returns
    -------
    float or ndarray
        FQ_E [-] in [0, 1].

    Raises
    ------
    InputDataError
        FQ_B outside [0, 1], a diameter ≤ 0, H_D outside [0, 1), or X₀ ≥ 0.5 (parent
        diameter below 1.928·(1 − H_D) µm, where the law has no meaning).

    Examples
    --------
    >>> round(erythrocyte_flux_fraction(0.3, 10.0, 8.0, 8.0, 0.45), 4)
    0.2087
    >>> erythrocyte_flux_fraction(0.04, 10.0, 8.0, 8.0, 0.45)  # below X₀: plasma only
    0.0
    """
    fqb = np.asarray(fq_blood, dtype=float)
    bad = ~(np.isfinite(fqb) & (fqb >= 0.0) & (fqb <= 1.0))
    if np.any(bad):
        raise _bad("erythrocyte_flux_fraction", "fq_blood", "fractions 0 ≤ FQ_B ≤ 1",
                   fqb[bad].tolist()[:5])
    a, b, x0 = (np.asarray(x, dtype=float) for x in phase_separation_parameters(
        parent_diameter_um, daughter_diameter_um, other_daughter_diameter_um, parent_hd))
    if np.any(x0 >= 0.5):
        raise _bad("erythrocyte_flux_fraction", "parent_diameter_um",
                   "X₀ = 0.964 (1 − H_D)/D_F < 0.5 (a parent wider than 1.928 (1 − H_D) µm)",
                   np.asarray(parent_diameter_um).tolist())
    return _out(_fqe(fqb, a, b, x0))


# --------------------------------------------------------------------------------------------
# Network iteration
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BloodFlowSolution:
    """A consistent steady state of blood flow, viscosity and haematocrit (never a partial one).

    Attributes
    ----------
    network : VascularNetwork
    flow_m3s : pandas.Series
        Flow per vessel [m³/s], positive from ``start`` to ``end``; 0 for closed vessels.
    pressure_pa : pandas.Series
        Pressure per node [Pa] (head × ρ_ref g, see :mod:`pkdose.flow.vessels`).
    discharge_haematocrit : pandas.Series
        H_D per vessel [-], distributed from ``flow_m3s``: red cells are conserved exactly at
        every node. Vessels without flow keep their last value and carry no red cells.
    relative_viscosity : pandas.Series
        η_rel per vessel [-] by ``law``, the one used to compute ``flow_m3s``.
    viscosity_pa_s : pandas.Series
        Apparent viscosity μ = η_rel μ_plasma per vessel [Pa·s].
    iterations : int
        Flow solutions computed (one per viscosity update).
    haematocrit_residual : float
        max |H_D(new) − H_D(used for the viscosities)| over vessels with flow [-] at the end.
    flow_residual : float
        max |q − q_previous| / max |q| of the last iteration [-].
    residual : float
        The larger of the two residuals.
    law : str
        The viscosity law (:data:`VISCOSITY_LAWS`).
    plasma_viscosity_pa_s : float
        μ_plasma [Pa·s].
    inflow_haematocrit : mapping of str to float
        H_D of the blood entering at each inflow node [-].
    unseparated_nodes : tuple of str
        Nodes with two or more outflowing vessels where the bifurcation law was not applied
        (no inflowing vessel, more than two outflowing vessels, or ``phase_separation=False``):
        every outflowing vessel got the mixed inflow haematocrit there.
    hydraulics : FlowSolution
        The last Hagen-Poiseuille solution (heads in m of the reference fluid).
    """

    network: VascularNetwork
    flow_m3s: pd.Series
    pressure_pa: pd.Series
    discharge_haematocrit: pd.Series
    relative_viscosity: pd.Series
    viscosity_pa_s: pd.Series
    iterations: int
    haematocrit_residual: float
    flow_residual: float
    residual: float
    law: str
    plasma_viscosity_pa_s: float
    inflow_haematocrit: Mapping[str, float]
    unseparated_nodes: tuple[str, ...]
    hydraulics: FlowSolution = field(repr=False)

    def red_cell_flux_m3s(self) -> pd.Series:
        """Red-cell volume flux per vessel, q · H_D [m³/s] (signed like the flow)."""
        return (self.flow_m3s.reindex(self.discharge_haematocrit.index)
                * self.discharge_haematocrit).rename("red_cell_flux_m3s")

    def red_cell_imbalance_m3s(self) -> pd.Series:
        """Red-cell flux in − out [m³/s] at every junction without external flow (≈ 0)."""
        flux = self.red_cell_flux_m3s()
        inner = [j.name for j in self.network.junctions if j.demand_m3s == 0.0]
        bal = pd.Series(0.0, index=inner, name="red_cell_imbalance_m3s")
        for p in self.network.pipes:
            if p.start in bal.index:
                bal[p.start] -= flux[p.name]
            if p.end in bal.index:
                bal[p.end] += flux[p.name]
        return bal


def _validate_network(network: VascularNetwork, law: str, inflow_hd: float | Mapping[str, float],
                      plasma_viscosity_pa_s: float, relaxation: float) -> None:
    where = "solve_blood_flow"
    if law not in _LAW_FUNCTIONS:
        raise UnknownNameError("viscosity law", law, VISCOSITY_LAWS, where)
    v: list[Violation] = []
    if network.pumps:
        v.append(Violation(where, None, "network.pumps", "no pumps (red-cell transport through "
                           "pumps is not implemented)", [p.name for p in network.pumps]))
    minor = [p.name for p in network.pipes if p.minor_loss != 0.0]
    if minor:
        v.append(Violation(where, None, "minor_loss", "0 for every vessel (minor losses are in "
                           "heads of the reference fluid, not of blood)", minor[:10]))
    narrow = [p.name for p in network.pipes if not p.diameter_m * 1e6 > _LAW_MIN_D[law]]
    if narrow:
        v.append(Violation(where, None, "diameter_m", f"diameters > {_LAW_MIN_D[law]:g} µm for "
                           f"law {law!r}", narrow[:10]))
    if not (math.isfinite(plasma_viscosity_pa_s) and plasma_viscosity_pa_s > 0):
        v.append(Violation(where, None, "plasma_viscosity_pa_s", "a viscosity > 0 [Pa·s]",
                           plasma_viscosity_pa_s))
    if not 0.0 < relaxation <= 1.0:
        v.append(Violation(where, None, "relaxation", "0 < relaxation ≤ 1", relaxation))
    values = inflow_hd.values() if isinstance(inflow_hd, Mapping) else [inflow_hd]
    for value in values:
        if isinstance(value, bool) or not (isinstance(value, (int, float)) and
                                           0.0 <= value < 1.0):
            v.append(Violation(where, None, "inflow_hd", "discharge haematocrits 0 ≤ H_D < 1",
                               value))
    if isinstance(inflow_hd, Mapping):
        sources = [n.name for n in network.fixed_heads] + [
            j.name for j in network.junctions if j.demand_m3s < 0.0]
        for name in inflow_hd:
            if name not in sources:
                raise UnknownNameError("inflow node (fixed-pressure node or junction with an "
                                       "inflow)", name, sources, where)
    if v:
        raise InputDataError(v)


def _distribute(network: VascularNetwork, q: Array, hd_old: Array, d_um: Array,
                inflow_hd: float | Mapping[str, float], phase_separation: bool
                ) -> tuple[Array, dict[str, float], list[str]]:
    """Red cells from the inflows through every node in flow order (see solve_blood_flow)."""
    pipes = network.pipes
    qmax = float(np.max(np.abs(q), initial=0.0))
    eps = 1e-12 * qmax
    flowing = np.abs(q) > eps
    up = [p.start if qk > 0 else p.end for p, qk in zip(pipes, q)]
    down = [p.end if qk > 0 else p.start for p, qk in zip(pipes, q)]
    nodes = list(network.node_names)
    ins: dict[str, list[int]] = {n: [] for n in nodes}
    outs: dict[str, list[int]] = {n: [] for n in nodes}
    for idx in np.flatnonzero(flowing):
        outs[up[idx]].append(int(idx))
        ins[down[idx]].append(int(idx))
    demand = {j.name: j.demand_m3s for j in network.junctions}
    fixed = {n.name for n in network.fixed_heads}
    aq = np.abs(q)

    # external flow into each node [m³/s]: −demand at junctions, the balance at fixed heads
    ext = {}
    for n in nodes:
        if n in fixed:
            ext[n] = float(sum(aq[k] for k in outs[n]) - sum(aq[k] for k in ins[n]))
        else:
            ext[n] = -demand[n]
    sources = [n for n in nodes if ext[n] > eps and outs[n]]
    if isinstance(inflow_hd, Mapping):
        missing = [n for n in sources if n not in inflow_hd]
        if missing:
            raise InputDataError([Violation("solve_blood_flow", None, f"inflow_hd[{n!r}]",
                                            "the discharge haematocrit of blood entering at "
                                            "this node", "none") for n in missing])
        used = {n: float(inflow_hd[n]) for n in sources}
    else:
        used = {n: float(inflow_hd) for n in sources}

    # Kahn's topological order of the directed graph of flowing vessels
    indegree = {n: len(ins[n]) for n in nodes}
    ready = [n for n in nodes if indegree[n] == 0]
    order: list[str] = []
    while ready:
        n = ready.pop()
        order.append(n)
        for k in outs[n]:
            indegree[down[k]] -= 1
            if indegree[down[k]] == 0:
                ready.append(down[k])
    if len(order) != len(nodes):
        raise SolverError("solve_blood_flow", "the flow directions contain a cycle; red cells "
                          "cannot be distributed (not expected for Hagen-Poiseuille flow)")

    hd = hd_old.copy()
    unseparated: list[str] = []
    for n in order:
        if not outs[n]:
            continue
        e_in = max(ext[n], 0.0) if ext[n] > eps else 0.0
        q_in = float(sum(aq[k] for k in ins[n])) + e_in
        f_in = float(sum(aq[k] * hd[k] for k in ins[n])) + e_in * used.get(n, 0.0)
        h_mix = f_in / q_in if q_in > 0 else 0.0
        out = outs[n]
        if len(out) == 2 and ins[n] and phase_separation:
            ka, kb = out
            qa, qb = aq[ka], aq[kb]
            d_f = float(max(d_um[k] for k in ins[n]))
            a, b, x0 = _ps_params(np.asarray(d_f), np.asarray(d_um[ka]), np.asarray(d_um[kb]),
                                  np.asarray(h_mix))
            if x0 >= 0.5:
                raise SolverError("solve_blood_flow", f"node {n!r}: parent diameter {d_f:g} µm "
                                  f"gives X0 = {float(x0):.3g} ≥ 0.5 in the phase-separation law")
            fqe = float(_fqe(np.asarray(qa / (qa + qb)), a, b, x0))
            flux = h_mix * (qa + qb)  # red cells left for the two vessels
            hd[ka] = fqe * flux / qa
            hd[kb] = (1.0 - fqe) * flux / qb
        else:
            if len(out) >= 2:
                unseparated.append(n)
            for k in out:
                hd[k] = h_mix
    over = [pipes[k].name for k in np.flatnonzero(flowing) if not hd[k] < 1.0]
    if over:
        raise SolverError("solve_blood_flow", f"phase separation gives a discharge haematocrit "
                          f"≥ 1 in vessel(s) {', '.join(over[:10])}; the empirical law is "
                          "outside its range here")
    return hd, used, unseparated


#: Iterations without progress of the haematocrit residual before the relaxation is halved.
STALL_ITERATIONS = 10


def solve_blood_flow(network: VascularNetwork, *, inflow_hd: float | Mapping[str, float],
                     plasma_viscosity_pa_s: float, law: Law = "vivo-1994",
                     phase_separation: bool = True, hd_tol: float = 1e-6,
                     flow_rtol: float = 1e-6, max_iter: int = 100,
                     relaxation: float = 1.0) -> BloodFlowSolution:
    """Steady blood flow with apparent viscosity and haematocrit phase separation, iterated.

    Each iteration k:

    1. μ_i = μ_plasma · η_rel(D_i, H_D,i) for every vessel i by ``law``;
    2. solve the network with Hagen-Poiseuille, ΔP_i = 128 μ_i L_i q_i / (π D_i⁴)
       (:func:`~pkdose.flow.solver.solve_flow` with per-vessel viscosity ν_i = μ_i / ρ_ref);
    3. distribute red cells through the nodes in flow order: at every node the red-cell flux
       in (vessels in, plus blood entering from outside with ``inflow_hd``) equals the flux
       out. One vessel out: it takes the mixed haematocrit H_mix = flux in / flow in. Two
       vessels out and at least one in (a diverging bifurcation): FQ_E of
       :func:`erythrocyte_flux_fraction` with FQ_B = q_α/(q_α + q_β), D_F the widest
       inflowing vessel and H_F = H_mix, H_α = FQ_E H_mix (q_α + q_β)/q_α (and 1 − FQ_E for
       β). Blood leaving the network at a node leaves with H_mix. Otherwise (more than two
       vessels out, or blood entering from outside straight into two vessels) every vessel
       out gets H_mix and the node is listed in ``unseparated_nodes``;
    4. H_D ← H_D + relaxation · (H_D,new − H_D); when the haematocrit residual has not fallen for
       ``STALL_ITERATIONS`` iterations (the update oscillates between phase-separation branches)
       the relaxation is halved, down to 1/64 of the value given.

    It stops when max |H_D,new − H_D| < ``hd_tol`` and max |q_k − q_(k−1)| / max |q| <
    ``flow_rtol`` (so at least two iterations).

    Parameters
    ----------
    network : VascularNetwork
        Vessels as :class:`~pkdose.flow.network.Pipe` (length, diameter; roughness unused,
        minor loss 0), no pumps; fixed pressures as heads P/(ρ_ref g)
        (:func:`~pkdose.flow.vessels.pressure_to_head_m`), external inflows as negative
        junction demands [m³/s]. :func:`~pkdose.flow.vessels.read_vessel_table` builds one.
    inflow_hd : float or mapping of str to float
        Discharge haematocrit [-] of blood entering the network: one value for every inflow,
        or one per inflow node (fixed-pressure nodes and junctions with negative demand).
    plasma_viscosity_pa_s : float
        μ_plasma [Pa·s], e.g. :data:`PLASMA_VISCOSITY_PA_S` (1.39e-3, healthy adults, 37 °C).
    law : {"vivo-1994", "vivo-esl-2005", "vitro-1992"}
        The apparent viscosity law (:data:`VISCOSITY_LAWS`).
    phase_separation : bool
        False: no plasma skimming, every vessel out of a node gets the mixed haematocrit.
    hd_tol : float
        Haematocrit criterion [-].
    flow_rtol : float
        Relative flow criterion [-].
    max_iter : int
        Flow solutions allowed.
    relaxation : float
        Under-relaxation of the haematocrit update, 0 < relaxation ≤ 1; lower it when the
        iteration oscillates (the fixed point does not depend on it).

    Returns
    -------
    BloodFlowSolution

    Raises
    ------
    ConvergenceError
        Not converged within ``max_iter`` (iterations and last residual attached).
    UnknownNameError
        An unknown law, or an ``inflow_hd`` key that is not an inflow node.
    InputDataError
        Pumps, minor losses, diameters outside the law's domain, a plasma viscosity ≤ 0, a
        haematocrit outside [0, 1), or an inflow node without a haematocrit.
    SolverError
        From :func:`~pkdose.flow.solver.solve_flow`; or a haematocrit ≥ 1 after phase
        separation.

    Examples
    --------
    A parent vessel feeding a wide and a narrow daughter between equal outlet pressures:

    >>> from pkdose.flow import FixedHeadNode, Junction, Pipe, VascularNetwork
    >>> from pkdose.flow.vessels import pressure_to_head_m
    >>> outlets = [FixedHeadNode(n, pressure_to_head_m(p))
    ...            for n, p in (("in", 4000.0), ("a", 2000.0), ("b", 2000.0))]
    >>> net = VascularNetwork("Y", (Junction("j", 0.0),), tuple(outlets), pipes=(
    ...     Pipe("feed", "in", "j", 5e-4, 20e-6, 0.0), Pipe("wide", "j", "a", 5e-4, 15e-6, 0.0),
    ...     Pipe("narrow", "j", "b", 5e-4, 8e-6, 0.0)), headloss="H-P")
    >>> sol = solve_blood_flow(net, inflow_hd=0.45, plasma_viscosity_pa_s=1.2e-3)
    >>> sol.discharge_haematocrit.round(3).to_dict()
    {'feed': 0.45, 'wide': 0.469, 'narrow': 0.232}
    >>> bool(abs(sol.red_cell_imbalance_m3s()["j"]) < 1e-25)
    True
    """
    _validate_network(network, law, inflow_hd, plasma_viscosity_pa_s, relaxation)
    pipes = network.pipes
    names = [p.name for p in pipes]
    d_um = np.array([p.diameter_m for p in pipes]) * 1e6
    # start: every vessel at the (mean) inflow haematocrit
    if isinstance(inflow_hd, Mapping):
        hd0 = float(np.mean(list(inflow_hd.values()))) if inflow_hd else REFERENCE_HD
    else:
        hd0 = float(inflow_hd)
    hd = np.full(len(pipes), hd0)
    visc = _LAW_FUNCTIONS[law]
    method = f"blood flow with haematocrit phase separation ({law})"
    # Hagen-Poiseuille is linear, so Newton is exact after one step: ask for round-off
    head_tol = max(pressure_to_head_m(1e-6),
                   1e-9 * max((abs(n.head_m) for n in network.fixed_heads), default=0.0))
    q_prev: Array | None = None
    res_hd = res_q = math.inf
    rel, best, stall = relaxation, math.inf, 0
    for iteration in range(1, max_iter + 1):
        eta = visc(d_um, hd)
        mu = plasma_viscosity_pa_s * eta
        hyd = solve_flow(network, headloss="H-P", tol=1e-10, head_tol=head_tol, max_iter=50,
                         link_viscosity_m2s={n: float(m) / HEAD_DENSITY_KG_M3
                                             for n, m in zip(names, mu)})
        q = hyd.flow_m3s.reindex(names).to_numpy(dtype=float)
        hd_new, used, unseparated = _distribute(network, q, hd, d_um, inflow_hd,
                                                phase_separation)
        qmax = float(np.max(np.abs(q), initial=0.0))
        flowing = np.abs(q) > 1e-12 * qmax
        res_hd = float(np.max(np.abs(hd_new - hd)[flowing], initial=0.0))
        res_q = math.inf if q_prev is None else (
            float(np.max(np.abs(q - q_prev), initial=0.0)) / qmax if qmax > 0 else 0.0)
        if res_hd < hd_tol and res_q < flow_rtol:
            return BloodFlowSolution(
                network=network,
                flow_m3s=hyd.flow_m3s.rename("flow_m3s"),
                pressure_pa=hyd.head_m.map(head_to_pressure_pa).rename("pressure_pa"),
                discharge_haematocrit=pd.Series(hd_new, index=names,
                                                name="discharge_haematocrit"),
                relative_viscosity=pd.Series(eta, index=names, name="relative_viscosity"),
                viscosity_pa_s=pd.Series(mu, index=names, name="viscosity_pa_s"),
                iterations=iteration, haematocrit_residual=res_hd, flow_residual=res_q,
                residual=max(res_hd, res_q), law=law,
                plasma_viscosity_pa_s=float(plasma_viscosity_pa_s),
                inflow_haematocrit=dict(used), unseparated_nodes=tuple(unseparated),
                hydraulics=hyd)
        # oscillation between phase-separation branches: no progress for STALL_ITERATIONS steps
        # halves the relaxation (down to relaxation/64), a damped fixed-point iteration
        if res_hd < 0.999 * best:
            best, stall = res_hd, 0
        else:
            stall += 1
        if stall >= STALL_ITERATIONS and rel > relaxation / 64:
            rel, best, stall = rel / 2, res_hd, 0
        hd = hd + rel * (hd_new - hd)
        q_prev = q
    raise ConvergenceError(method, max_iter, max(res_hd, res_q),
                           f"max |ΔH_D| = {res_hd:.3g} (hd_tol {hd_tol:g}), max |Δq|/max |q| = "
                           f"{res_q:.3g} (flow_rtol {flow_rtol:g}); try relaxation < 1 or a "
                           "larger max_iter")
