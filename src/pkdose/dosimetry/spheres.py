"""Self-dose S values of uniform spheres (tumours, small organs) without any SAF file.

:func:`sphere_s_value` gives S(sphere <- sphere), the mean absorbed dose in a sphere per decay
uniformly distributed in it, for any ICRP 107 nuclide, split into alphas, electrons and
photons. Every number comes from physics that is written out below, with its source, and from
two libraries: ICRP 107 emissions (``icrp107-database``, as everywhere in pkdose) and photon
energy-absorption coefficients of Boone & Chavez 1996 (package ``mucoeff``, read lazily). No
ICRP 133 SAF is used: this is the SAF-free route for tumours and for regions the phantoms do
not have.

The method in one paragraph. For a uniform, isotropic source in a sphere of radius *a*, the
fraction of the energy emitted that is absorbed in the sphere is (Berger 1971, MIRD Pamphlet
No. 7, reciprocity with the sphere's geometric reduction factor)

.. math::

    \\phi = \\int_0^{2a} \\psi(r)\\, F(r)\\, dr, \\qquad
    \\psi(r) = 1 - \\frac{3}{4}\\frac{r}{a} + \\frac{1}{16}\\Big(\\frac{r}{a}\\Big)^3,

with :math:`F(r)\\,dr` the fraction of the energy of a point source deposited between *r* and
*r + dr* in an infinite medium and :math:`\\psi(r)` the probability that a point at distance
*r* from a random point of the sphere lies in the sphere (the overlap of two spheres of radius
*a* at distance *r*, over the sphere's volume). The three radiation classes differ by *F*:

* **electrons** (the ICRP 107 beta spectrum integrated over energy, plus internal-conversion
  and Auger lines): straight tracks in the continuous-slowing-down approximation (CSDA). The
  energy deposited at path length *s* is the collision stopping power of the electron's
  residual energy; the stopping powers are those of ICRU Report 37 for liquid water (Bethe
  formula with the Sternheimer density effect), the range the CSDA range. This is the
  straight-ahead CSDA method of the MIRD cellular S values (Goddu et al. 1994) applied to a
  macroscopic sphere. Bremsstrahlung (radiative stopping power, approximated as Knoll's
  ``Z T / 700``) is taken to escape.
* **photons** (gamma, X-ray and annihilation lines): the point kernel
  :math:`F(r) = \\mu_{en} e^{-\\mu_{en} r}`, with :math:`\\mu_{en}` the linear
  energy-absorption coefficient of ICRU 44 soft tissue (Boone & Chavez 1996). The integral is
  closed-form: :math:`\\phi = 1 - P(\\mu_{en} a)` with the first-flight escape probability of a
  sphere :math:`P(\\tau) = \\frac{3}{8\\tau^3}[2\\tau^2 - 1 + (1 + 2\\tau)e^{-2\\tau}]`.
  This kernel is exact near the source and deposits all the energy in an infinite medium;
  using it for scattered photons too is pkdose's choice, and no published statement of its
  accuracy was found.
* **alphas** (alpha lines, alpha recoil nuclei, fission fragments): absorbed where emitted
  (:math:`\\phi = 1`). Their range in tissue is 50-100 um (MIRD Pamphlet No. 22), so the
  energy that escapes is at most :math:`3R/(4a)` with R = 100 um; that bound is reported, not
  subtracted.

S in Gy/(MBq*h) is then :math:`k \\sum_R \\sum_i E_i Y_i \\phi_R(E_i) / m`, with
:math:`k = 1.602176634\\times10^{-13}` J/MeV x 3.6e9 decays/(MBq*h), as in
:mod:`pkdose.dosimetry.svalues`.

How good it is, and how it was checked (details in :func:`sphere_s_value`):

* The CSDA ranges computed here reproduce the NIST ESTAR values for liquid water quoted in
  tests/dosimetry/test_spheres.py to 0.1 % at 0.1 and 1 MeV and 0.5 % at 10 MeV.
* Straight tracks overstate how far electrons get (real tracks are tortuous), so the electron
  absorbed fraction is **biased low** where escape matters. Against the only published sphere
  S values found when this was written that could be cited (OLINDA/EXM 2.0 and the
  ellipsoidal model of Amato et al. for Tb-152 in unit-density spheres, Cicone et al. 2019,
  Table 3), the total S is 1-7 % below OLINDA 2.0 and 5-15 % below the ellipsoidal model from
  0.1 to 10 g. No published sphere absorbed fraction for monoenergetic electrons or for Y-90,
  Lu-177 or I-131 spheres could be found to test against.
* For Lu-177 the total S is within 4 % of the local-absorption value from 0.55 g to 1 kg
  (4.1 % below it at 0.5 g).

Examples
--------
>>> sv = sphere_s_value("Lu-177", "10 g")
>>> sv.unit, round(sv.in_unit("mGy/(MBq*s)"), 6)
('Gy/(MBq*h)', 0.002353)
>>> {k: round(v, 4) for k, v in sv.absorbed_fraction.items()}
{'photon': 0.0373, 'electron': 0.982, 'alpha': 1.0}
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import DoseError, UnitError
from ..nuclides import NuclideDataError, get_nuclide
from ..provenance import Source
from ..units import as_quantity, ureg
from .svalues import (DECAYS_PER_MBQ_H, MEV_TO_J, PROGENY_MODES, RADIATION_CLASSES,
                      SOURCES as SVALUE_SOURCES, _check_choice, _emission_points, _members,
                      _progeny_text, _unit_factor)

__all__ = [
    "SphereSValue",
    "sphere_s_value",
    "electron_csda_range",
    "electron_absorbed_fraction",
    "photon_absorbed_fraction",
    "DEFAULT_DENSITY_G_PER_ML",
    "ALPHA_RANGE_BOUND_G_PER_CM2",
    "SOURCES",
]

_UNIT = "Gy/(MBq*h)"
_S_FACTOR = MEV_TO_J * DECAYS_PER_MBQ_H          # (Gy kg) per (MeV MBq h)

#: Default density of the sphere, g/mL: the unit-density spheres of OLINDA/EXM and of Stabin &
#: Konijnenberg (2000), and of Cicone et al. (2019), Table 3. ICRU Report 44 soft tissue is
#: 1.06 g/cm3 (Hubbell & Seltzer, NISTIR 5632, Table 2); pass ``density_g_per_mL`` for it.
DEFAULT_DENSITY_G_PER_ML = 1.0

#: Upper bound of alpha-particle ranges in tissue, g/cm2: 100 um at 1 g/cm3. MIRD Pamphlet
#: No. 22 (Sgouros et al. 2010) gives 50-100 um for the alpha emitters of therapy (4-9 MeV).
ALPHA_RANGE_BOUND_G_PER_CM2 = 100e-4 * 1.0
#: Alpha energies above this (MeV) are beyond the range the bound above was stated for.
_ALPHA_BOUND_MAX_MEV = 9.0

# ---------------------------------------------------------------------------------------------
# electron stopping in liquid water (ICRU Report 37)

#: Electron rest energy, MeV (CODATA 2018).
_ME_C2 = 0.51099895000
#: Classical electron radius, cm (CODATA 2018), and the Avogadro constant, 1/mol (exact, SI).
_R_E_CM = 2.8179403262e-13
_N_A = 6.02214076e23
#: 2 pi r_e^2 m c^2 N_A = 0.153537 MeV cm2/mol, from the CODATA constants above.
_BETHE_K = 2.0 * math.pi * _R_E_CM ** 2 * _ME_C2 * _N_A
#: Liquid water: Z/A (mol/g) and mean excitation energy I (MeV), ICRU Report 37 (1984),
#: "water, liquid": Z/A = 0.55508, I = 75.0 eV.
_WATER_Z_OVER_A = 0.55508
_WATER_I_MEV = 75.0e-6
#: Sternheimer density-effect parameters of liquid water (Sternheimer, Berger & Seltzer 1984,
#: Atomic Data and Nuclear Data Tables 30:261-271, Table 1): -C, X0, X1, a, m (delta0 = 0).
_WATER_DENSITY_EFFECT = (3.5017, 0.2400, 2.8004, 0.09116, 3.4773)
#: Effective Z of water for bremsstrahlung, sum(w Z^2/A) / sum(w Z/A) with the ICRU 37 mass
#: fractions H 0.111894, O 0.888106: 6.60. Used in Knoll's ratio S_rad/S_col ~ Z T / 700 MeV
#: (Knoll, Radiation Detection and Measurement, 4th ed. 2010, eq. 2.13).
_WATER_Z_BREMS = ((0.111894 * 1.0 / 1.00794 + 0.888106 * 64.0 / 15.9994)
                  / (0.111894 * 1.0 / 1.00794 + 0.888106 * 8.0 / 15.9994))
_KNOLL_RADIATIVE_MEV = 700.0

#: Energy grid of the electron calculation, MeV: 1 keV to 100 MeV, 80 points per decade
#: (absorbed fractions are interpolated linearly in log E between grid energies).
_E_GRID = np.logspace(-3.0, 2.0, 401)
_E_GRID.setflags(write=False)

# ---------------------------------------------------------------------------------------------
# photon medium

#: ICRU Report 44 (1989) soft tissue, elemental mass fractions (Z: fraction), as listed by NIST
#: (Hubbell & Seltzer, NISTIR 5632, Table 2, "Tissue, Soft (ICRU-44)").
_ICRU44_SOFT_TISSUE: Mapping[int, float] = MappingProxyType({
    1: 0.102, 6: 0.143, 7: 0.034, 8: 0.708, 11: 0.002, 15: 0.003, 16: 0.003, 17: 0.002,
    19: 0.003})
#: Photons below this energy (MeV) are taken as absorbed where emitted: mu_en/rho of soft
#: tissue is above 3000 cm2/g there (mean free path below 4 um) and mucoeff's tables start at
#: 1 keV.
_PHOTON_LOCAL_BELOW_MEV = 1.0e-3
#: Upper end of the Boone & Chavez (1996) tables as documented by mucoeff, MeV.
_PHOTON_MAX_MEV = 50.0

#: Where the rules of this module come from.
SOURCES: MappingProxyType[str, Source] = MappingProxyType({
    "geometry": Source(
        "Berger MJ. Distribution of absorbed dose around point sources of electrons and beta "
        "particles in water and other media. MIRD Pamphlet No. 7. J Nucl Med 1971;12(Suppl "
        "5):5-23",
        note="absorbed fraction of a uniformly active sphere as the point kernel weighted by "
             "the sphere's geometric reduction factor 1 - 3r/(4a) + r^3/(16a^3)"),
    "csda_straight_ahead": Source(
        "Goddu SM, Howell RW, Rao DV. Cellular dosimetry: absorbed fractions for monoenergetic "
        "electron and alpha particle sources and S-values for radionuclides uniformly "
        "distributed in different cell compartments. J Nucl Med 1994;35:303-316",
        note="straight-line electron tracks with energy loss by the continuous-slowing-down "
             "approximation"),
    "stopping_power": Source(
        "ICRU Report 37. Stopping Powers for Electrons and Positrons. Bethesda: ICRU, 1984",
        note="collision stopping power of electrons (Bethe formula, Rohrlich-Carlson form); "
             "liquid water Z/A = 0.55508, I = 75.0 eV"),
    "density_effect": Source(
        "Sternheimer RM, Berger MJ, Seltzer SM. Density effect for the ionization loss of "
        "charged particles in various substances. At Data Nucl Data Tables 1984;30:261-271",
        table="1", note="liquid water: -C 3.5017, X0 0.2400, X1 2.8004, a 0.09116, m 3.4773"),
    "radiative": Source(
        "Knoll GF. Radiation Detection and Measurement, 4th ed. Wiley, 2010", page="eq. 2.13",
        note="radiative/collision stopping power ~ E Z / 700 (E in MeV); bremsstrahlung taken "
             "to escape the sphere"),
    "photon_coefficients": Source(
        "Boone JM, Chavez AE. Comparison of x-ray cross sections for diagnostic and "
        "therapeutic medical physics. Med Phys 1996;23:1997-2005",
        note="mass energy-absorption coefficients per element, 1 keV-50 MeV, read through the "
             "package mucoeff (data CC-BY 4.0)", licence="CC-BY-4.0"),
    "tissue": Source(
        "ICRU Report 44. Tissue Substitutes in Radiation Dosimetry and Measurement. Bethesda: "
        "ICRU, 1989",
        note="soft tissue mass fractions H 0.102, C 0.143, N 0.034, O 0.708, Na 0.002, "
             "P 0.003, S 0.003, Cl 0.002, K 0.003"),
    "escape_probability": Source(
        "Case KM, de Hoffmann F, Placzek G. Introduction to the Theory of Neutron Diffusion, "
        "Vol. I. Los Alamos Scientific Laboratory, 1953",
        note="first-flight escape probability of a uniform isotropic source in a sphere, "
             "P(tau) = 3/(8 tau^3) [2 tau^2 - 1 + (1 + 2 tau) exp(-2 tau)]"),
    "alpha_range": Source(
        "Sgouros G, Roeske JC, McDevitt MR, et al. MIRD Pamphlet No. 22 (abridged): "
        "radiobiology and dosimetry of alpha-particle emitters for targeted radionuclide "
        "therapy. J Nucl Med 2010;51:311-328",
        note="alpha-particle ranges in tissue of 50-100 um"),
    "emissions": SVALUE_SOURCES["emissions"],
    "formalism": SVALUE_SOURCES["formalism"],
    "branching": SVALUE_SOURCES["branching"],
})


# ---------------------------------------------------------------------------------------------
# electrons


def _collision_stopping_power(t: np.ndarray) -> np.ndarray:
    """Mass collision stopping power of liquid water for electrons, MeV cm2/g (ICRU 37)."""
    tau = t / _ME_C2
    gamma = tau + 1.0
    beta2 = 1.0 - 1.0 / gamma ** 2
    c_bar, x0, x1, a, m = _WATER_DENSITY_EFFECT
    x = np.log10(np.sqrt(tau * (tau + 2.0)))
    two_ln10 = 2.0 * math.log(10.0)
    delta = np.where(x >= x1, two_ln10 * x - c_bar,
                     np.where(x >= x0, two_ln10 * x - c_bar + a * np.clip(x1 - x, 0, None) ** m,
                              0.0))
    f_minus = 1.0 - beta2 + (tau ** 2 / 8.0 - (2.0 * tau + 1.0) * math.log(2.0)) / gamma ** 2
    log_term = np.log(tau ** 2 * (tau + 2.0) / (2.0 * (_WATER_I_MEV / _ME_C2) ** 2))
    return np.asarray(_BETHE_K * _WATER_Z_OVER_A / beta2 * (log_term + f_minus - delta))


@functools.lru_cache(maxsize=1)
def _electron_grid() -> tuple[np.ndarray, np.ndarray]:
    """CSDA range on the grid (g/cm2) and the collision share of the stopping power."""
    e = _E_GRID
    s_col = _collision_stopping_power(e)
    s_tot = s_col * (1.0 + _WATER_Z_BREMS * e / _KNOLL_RADIATIVE_MEV)
    inv = 1.0 / s_tot
    # below the first grid energy (1 keV) the range is taken as E/S (about 0.01 um)
    r0 = e[0] * inv[0]
    rng = np.concatenate([[r0], r0 + np.cumsum(0.5 * np.diff(e) * (inv[1:] + inv[:-1]))])
    share = s_col / s_tot
    rng.setflags(write=False)
    share.setflags(write=False)
    return rng, share


def _psi(x: np.ndarray) -> np.ndarray:
    """Geometric reduction factor of a sphere at distance x (in sphere radii)."""
    return np.where(x < 2.0, 1.0 - 0.75 * x + x ** 3 / 16.0, 0.0)


#: Gauss-Legendre nodes per grid energy for the integral over the residual energy.
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(48)


def _range_at(e: np.ndarray) -> np.ndarray:
    """CSDA range (g/cm2) at any energy >= 0: log-log on the grid, linear below 1 keV."""
    rng, _ = _electron_grid()
    e = np.asarray(e, dtype=float)
    above = e >= _E_GRID[0]
    inside = np.exp(np.interp(np.log(np.where(above, e, _E_GRID[0])), np.log(_E_GRID),
                              np.log(rng)))
    return np.where(above, inside, rng[0] * e / _E_GRID[0])


def _energy_at(r: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_range_at`: the energy (MeV) whose CSDA range is r (g/cm2)."""
    rng, _ = _electron_grid()
    r = np.asarray(r, dtype=float)
    above = r >= rng[0]
    inside = np.exp(np.interp(np.log(np.where(above, r, rng[0])), np.log(rng),
                              np.log(_E_GRID)))
    return np.where(above, inside, _E_GRID[0] * np.clip(r, 0.0, None) / rng[0])


@functools.lru_cache(maxsize=64)
def _electron_af_on_grid(radius_g_per_cm2: float) -> np.ndarray:
    """phi(E) on the grid for a sphere of radius rho*a (g/cm2): straight-ahead CSDA.

    phi(E) = (1/E) int_0^E psi((R(E) - R(E'))/a) S_col/S_tot(E') dE'. The integrand is
    bounded and smooth in E' and vanishes where R(E) - R(E') > 2a, so the integral runs over
    [E_lo, E] with R(E_lo) = max(R(E) - 2a, 0), by 48-point Gauss-Legendre quadrature: exact
    to 1e-6 for every sphere size, including spheres smaller than one grid step of range.
    """
    e = _E_GRID
    rng, share = _electron_grid()
    lo = _energy_at(np.clip(rng - 2.0 * radius_g_per_cm2, 0.0, None))
    lo = np.where(rng - 2.0 * radius_g_per_cm2 > 0.0, lo, 0.0)
    half = 0.5 * (e - lo)
    nodes = lo[:, None] + half[:, None] * (_GL_NODES[None, :] + 1.0)     # (grid, nodes)
    x = (rng[:, None] - _range_at(nodes)) / radius_g_per_cm2
    s_node = np.interp(np.log(np.maximum(nodes, e[0])), np.log(e), share)
    g = _psi(np.clip(x, 0.0, None)) * s_node
    phi = half * (g @ _GL_WEIGHTS) / e
    phi.setflags(write=False)
    return phi


def electron_csda_range(energy_MeV: Any) -> np.ndarray:
    """CSDA range of electrons in liquid water, g/cm2.

    Parameters
    ----------
    energy_MeV : float or array_like
        Kinetic energy, MeV, 1 keV to 100 MeV.

    Returns
    -------
    numpy.ndarray
        :math:`R(E) = \\int_0^E dE'/S_{tot}(E')`, g/cm2 (divide by the density in g/cm3 for
        cm). S_tot is the ICRU 37 collision stopping power plus Knoll's radiative estimate.

    Raises
    ------
    DoseError
        An energy outside 1 keV-100 MeV.

    Examples
    --------
    >>> [round(float(r), 4) for r in electron_csda_range([0.1, 1.0])]   # ESTAR: 0.01431, 0.4367
    [0.0143, 0.4371]
    """
    e = _energies(energy_MeV, "energy_MeV", low=_E_GRID[0])
    rng, _ = _electron_grid()
    return np.asarray(np.exp(np.interp(np.log(e), np.log(_E_GRID), np.log(rng))))


def _energies(value: Any, field: str, low: float = 0.0) -> np.ndarray:
    try:
        e = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError) as exc:
        raise DoseError(field, "energies in MeV (numbers)", value) from exc
    if e.size and (not np.all(np.isfinite(e)) or e.min() < low or e.max() > _E_GRID[-1]):
        raise DoseError(field, f"energies between {low:g} and {_E_GRID[-1]:g} MeV", value)
    return e


def _electron_af(energy: np.ndarray, radius_g_per_cm2: float) -> np.ndarray:
    phi = _electron_af_on_grid(radius_g_per_cm2)
    out = np.interp(np.log(np.maximum(energy, _E_GRID[0])), np.log(_E_GRID), phi)
    return np.where(energy <= _E_GRID[0], 1.0, out)


# ---------------------------------------------------------------------------------------------
# photons


def _mucoeff() -> Any:
    try:
        import mucoeff
    except ModuleNotFoundError as exc:     # pragma: no cover - depends on the environment
        raise ModuleNotFoundError(
            "pkdose.dosimetry.sphere_s_value needs the package 'mucoeff' (photon "
            "energy-absorption coefficients of Boone & Chavez 1996) for photons: "
            "pip install 'mucoeff>=1.0'") from exc
    return mucoeff


def _muen_tissue(energy: np.ndarray) -> np.ndarray:
    """Mass energy-absorption coefficient of ICRU 44 soft tissue, cm2/g (Boone & Chavez)."""
    mc = _mucoeff()
    kev = np.asarray(energy, dtype=float) * 1e3
    total = np.zeros_like(kev)
    for z, w in _ICRU44_SOFT_TISSUE.items():
        total = total + w * np.asarray(mc.mu(mc.Flag.MU_EN_TOT, Z=z, energy_keV=kev,
                                             on_error="nan"), dtype=float)
    return total


#: 1 - P(tau) = (3/8) sum_{n>=4} (n-1) (-2)^n / n! tau^(n-3): series used below tau = 0.5,
#: where the closed form loses digits to cancellation (terms up to n = 40).
_ESCAPE_SERIES = np.array([0.375 * (n - 1) * (-2.0) ** n / math.factorial(n)
                           for n in range(4, 41)])


def _one_minus_escape(tau: np.ndarray) -> np.ndarray:
    """1 - P(tau): first-flight interaction probability in a sphere of optical radius tau."""
    tau = np.asarray(tau, dtype=float)
    small = tau < 0.5
    t = np.where(small, 1.0, tau)
    p = 3.0 / (8.0 * t ** 3) * (2.0 * t ** 2 - 1.0 + (1.0 + 2.0 * t) * np.exp(-2.0 * t))
    ts = np.where(small, tau, 0.0)
    series = np.polynomial.polynomial.polyval(ts, np.concatenate([[0.0], _ESCAPE_SERIES]))
    return np.where(small, series, 1.0 - p)


def _photon_af(energy: np.ndarray, radius_g_per_cm2: float, where: str) -> np.ndarray:
    if not energy.size:
        return np.zeros(0)
    if energy.max() > _PHOTON_MAX_MEV:
        raise NuclideDataError(where, f"a photon line at {float(energy.max()):g} MeV lies "
                                      "above the Boone & Chavez tables (1 keV-50 MeV)")
    local = energy < _PHOTON_LOCAL_BELOW_MEV
    muen = _muen_tissue(np.where(local, 1.0, energy))
    if np.any(~np.isfinite(muen)):                 # pragma: no cover - guarded above
        raise NuclideDataError(where, "no energy-absorption coefficient for a photon line")
    return np.where(local, 1.0, _one_minus_escape(muen * radius_g_per_cm2))


# ---------------------------------------------------------------------------------------------
# geometry and inputs


def _mass_and_volume(mass_kg: Any, volume_mL: Any, density: float, where: str
                     ) -> tuple[float, float]:
    """(mass kg, volume mL) from exactly one of the two."""
    if (mass_kg is None) == (volume_mL is None):
        raise DoseError("mass_kg/volume_mL", "exactly one of mass_kg or volume_mL",
                        "both" if mass_kg is not None else "neither")
    if mass_kg is not None:
        q = as_quantity(mass_kg, "mass", "mass_kg")
        mass = float(np.asarray(q.to("kg").magnitude))
        if not (math.isfinite(mass) and mass > 0):
            raise DoseError("mass_kg", f"a positive, finite mass in {where}", mass_kg)
        return mass, mass * 1e3 / density
    if isinstance(volume_mL, (int, float, np.integer, np.floating)) \
            and not isinstance(volume_mL, bool):
        volume = float(volume_mL)                           # a bare number is mL
    else:
        q = as_quantity(volume_mL, "volume", "volume_mL")
        volume = float(np.asarray(q.to("mL").magnitude))
    if not (math.isfinite(volume) and volume > 0):
        raise DoseError("volume_mL", f"a positive, finite volume in {where}", volume_mL)
    return volume * density * 1e-3, volume


def _density(value: Any) -> float:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        rho = float(value)
    else:
        try:
            q = ureg.Quantity(value) if isinstance(value, str) else value
            rho = float(q.to("g/mL").magnitude)
        except Exception as exc:  # pint raises several unrelated types here
            raise UnitError("density_g_per_mL", "a density such as 1.0 or '1.06 g/mL'",
                            value) from exc
    if not (math.isfinite(rho) and rho > 0):
        raise DoseError("density_g_per_mL", "a positive, finite density in g/mL", value)
    return rho


def _radius_g_per_cm2(volume_mL: float, density: float) -> float:
    """rho * a, g/cm2, for a sphere of the volume (mL = cm3) and density (g/cm3)."""
    return density * (3.0 * volume_mL / (4.0 * math.pi)) ** (1.0 / 3.0)


def electron_absorbed_fraction(energy_MeV: Any, mass_kg: Any = None, *, volume_mL: Any = None,
                               density_g_per_mL: Any = DEFAULT_DENSITY_G_PER_ML) -> np.ndarray:
    """Absorbed fraction of monoenergetic electrons uniformly emitted in a sphere.

    Straight-ahead CSDA tracks in liquid water scaled to the density (module docstring).

    Parameters
    ----------
    energy_MeV : float or array_like
        Electron kinetic energy, MeV (up to 100 MeV; at or below 1 keV the fraction is 1).
    mass_kg : float, str or Quantity, optional
        Mass of the sphere (kg if a bare number). Give this or ``volume_mL``.
    volume_mL : float, str or Quantity, optional
        Volume of the sphere (mL if a bare number).
    density_g_per_mL : float, str or Quantity, default 1.0
        Density of the sphere, g/mL.

    Returns
    -------
    numpy.ndarray
        phi(E), the fraction of the emitted energy absorbed in the sphere (bremsstrahlung
        counted as escaping), one per energy.

    Examples
    --------
    >>> [round(float(x), 3) for x in electron_absorbed_fraction([0.1, 1.0, 2.0], "1 g")]
    [0.989, 0.703, 0.428]
    """
    rho = _density(density_g_per_mL)
    _, volume = _mass_and_volume(mass_kg, volume_mL, rho, "electron_absorbed_fraction()")
    e = _energies(energy_MeV, "energy_MeV")
    return _electron_af(e, _radius_g_per_cm2(volume, rho))


def photon_absorbed_fraction(energy_MeV: Any, mass_kg: Any = None, *, volume_mL: Any = None,
                             density_g_per_mL: Any = DEFAULT_DENSITY_G_PER_ML) -> np.ndarray:
    """Absorbed fraction of monoenergetic photons uniformly emitted in a sphere.

    :math:`\\phi = 1 - P(\\mu_{en} a)`, the mu_en point kernel integrated over the sphere
    (module docstring), ICRU 44 soft tissue at the density given.

    Parameters
    ----------
    energy_MeV : float or array_like
        Photon energy, MeV (1 keV to 50 MeV; below 1 keV the fraction is 1).
    mass_kg, volume_mL, density_g_per_mL
        As in :func:`electron_absorbed_fraction`.

    Returns
    -------
    numpy.ndarray
        phi(E), one per energy, between 0 and 1.

    Raises
    ------
    NuclideDataError
        An energy above the coefficient tables (50 MeV).

    Examples
    --------
    >>> [round(float(x), 3) for x in photon_absorbed_fraction([0.0303, 0.364, 1.0], "1 kg")]
    [0.466, 0.137, 0.13]
    """
    rho = _density(density_g_per_mL)
    _, volume = _mass_and_volume(mass_kg, volume_mL, rho, "photon_absorbed_fraction()")
    e = _energies(energy_MeV, "energy_MeV")
    return _photon_af(e, _radius_g_per_cm2(volume, rho), "photon_absorbed_fraction()")


# ---------------------------------------------------------------------------------------------
# result


@dataclass(frozen=True, kw_only=True)
class SphereSValue:
    """Self-dose S of a uniformly active sphere, split by radiation class.

    Self-dose only: S(sphere <- sphere) for activity uniform in an isolated sphere of
    homogeneous tissue. Not a cross-dose, not a non-uniform uptake, not a sphere inside an
    organ (the energy that escapes is simply lost). Get one with :func:`sphere_s_value`.

    Parameters
    ----------
    nuclide : str
        Canonical ICRP 107 name.
    mass_kg : float
        Mass of the sphere, kg.
    volume_mL : float
        Volume, mL.
    density_g_per_mL : float
        Density, g/mL.
    radius_cm : float
        Radius, cm.
    value : float
        Total S(sphere <- sphere), Gy/(MBq*h): the sum of ``by_class``.
    unit : str
        ``"Gy/(MBq*h)"``.
    by_class : Mapping of str to float
        ``"photon"``, ``"electron"``, ``"alpha"``: S of each class, Gy/(MBq*h).
    energy_emitted_MeV : Mapping of str to float
        Energy emitted per decay of the parent, MeV, per class (progeny included when
        ``progeny == "in-situ"``).
    energy_absorbed_MeV : Mapping of str to float
        Energy absorbed in the sphere per decay of the parent, MeV, per class.
    absorbed_fraction : Mapping of str to float
        ``energy_absorbed_MeV / energy_emitted_MeV`` per class (1.0 for a class not emitted):
        the emission-weighted absorbed fractions used.
    alpha_escape_bound : float
        Upper bound of the fraction of the alpha energy that escapes and that the value does
        not subtract: min(1, 3 R / (4 rho a)) with R = 0.01 g/cm2 (100 um); 0 without alphas.
    progeny : {"none", "in-situ"}
        Progeny convention (as in :func:`pkdose.dosimetry.s_values`).
    progeny_decays : Mapping of str to float
        Decays of each chain member per decay of the parent.
    self_dose_only : bool
        Always True.
    method : str
        The absorbed-fraction models, in one line.
    convention : str
        The assumptions, in words.
    sources_cited : tuple of Source
        Publications and data the numbers stand on.
    """

    nuclide: str
    mass_kg: float
    volume_mL: float
    density_g_per_mL: float
    radius_cm: float
    value: float
    unit: str = _UNIT
    by_class: Mapping[str, float]
    energy_emitted_MeV: Mapping[str, float]
    energy_absorbed_MeV: Mapping[str, float]
    absorbed_fraction: Mapping[str, float]
    alpha_escape_bound: float
    progeny: str
    progeny_decays: Mapping[str, float]
    self_dose_only: bool = True
    method: str
    convention: str
    sources_cited: tuple[Source, ...]

    def in_unit(self, unit: str, radiation: str = "total") -> float:
        """The value (total or one class) in *unit*, e.g. ``"mGy/(MBq*s)"``.

        Examples
        --------
        >>> sv = sphere_s_value("I-131", "1 g")
        >>> round(sv.in_unit("mGy/(MBq*s)", "photon") / sv.in_unit("mGy/(MBq*s)"), 4)
        0.0313
        """
        if radiation == "total":
            return self.value * _unit_factor(unit)
        _check_choice("radiation class", radiation, ("total", *RADIATION_CLASSES),
                      f"SphereSValue({self.nuclide})")
        return self.by_class[radiation] * _unit_factor(unit)

    def __float__(self) -> float:
        return float(self.value)


# ---------------------------------------------------------------------------------------------
# public function


def sphere_s_value(nuclide: str, mass_kg: Any = None, *, volume_mL: Any = None,
                   density_g_per_mL: Any = DEFAULT_DENSITY_G_PER_ML,
                   progeny: str = "none") -> SphereSValue:
    """Self-dose S of a uniformly active sphere of tissue, Gy/(MBq*h), without SAF files.

    Parameters
    ----------
    nuclide : str
        Any ICRP 107 nuclide, any accepted spelling (``"Lu-177"``, ``"177Lu"``).
    mass_kg : float, str or Quantity, optional
        Mass of the sphere: kg if a bare number, or ``"12 g"``, ``Q_(0.012, "kg")``. Give
        exactly one of ``mass_kg`` and ``volume_mL``.
    volume_mL : float, str or Quantity, optional
        Volume of the sphere: mL if a bare number, or ``"12 mL"``, ``"0.012 L"``.
    density_g_per_mL : float, str or Quantity, default 1.0
        Density, g/mL. The default is the unit density of the published sphere models
        (OLINDA/EXM, Stabin & Konijnenberg 2000); ICRU 44 soft tissue is 1.06. At a given
        mass a denser sphere is smaller; electron ranges and photon attenuation lengths (in
        cm) scale as 1/density.
    progeny : {"none", "in-situ"}, default "none"
        ``"in-situ"`` adds the radioactive progeny's emissions, each member weighted by its
        decays per parent decay, as in :func:`pkdose.dosimetry.s_values`.

    Returns
    -------
    SphereSValue
        Total and per-class S, emitted and absorbed energies, absorbed fractions, the
        alpha-escape bound, method, convention and citations.

    Raises
    ------
    DoseError
        Both or neither of mass and volume; a mass, volume or density that is not positive
        and finite.
    UnitError
        A mass, volume or density with the wrong dimension.
    UnknownNameError
        Unknown nuclide or progeny mode.
    NuclideDataError
        A stable nuclide, or an emission outside the energy range of the data.
    ModuleNotFoundError
        The package ``mucoeff`` is not installed (needed for photons).

    Notes
    -----
    For each radiation class R,

    .. math::

        S_R = \\frac{k}{m}\\sum_j n_j\\Big[\\sum_i E_{ij} Y_{ij}\\, \\phi_R(E_{ij})
        + \\int_0^{E_{max}} E\\, N_j(E)\\, \\phi_R(E)\\, dE\\Big]

    with :math:`n_j` the decays of chain member *j* per parent decay, the ICRP 107 lines
    :math:`(E, Y)` and beta spectrum :math:`N(E)` (integrated by the trapezoid rule on its
    grid, not at the mean energy), *m* the mass and
    :math:`k = 1.602176634\\times10^{-13}\\ \\mathrm{J/MeV} \\times 3.6\\times10^{9}`.
    The absorbed fractions :math:`\\phi_R(E)` are those of the module docstring:

    * electrons (beta-, beta+ and delayed beta spectra, internal-conversion and Auger lines):
      straight-ahead CSDA tracks in liquid water, ICRU 37 stopping powers, Berger's sphere
      geometric factor; positrons are treated as electrons (their annihilation photons are
      ICRP 107 photon lines).
    * photons (gamma, X-ray, annihilation): :math:`1 - P(\\mu_{en}\\rho a)`, ICRU 44 soft
      tissue, Boone & Chavez coefficients.
    * alphas (alpha lines, alpha recoil nuclei, fission fragments): 1, with the escaping
      share bounded by ``alpha_escape_bound``.

    Spontaneous-fission neutrons are not included; the convention says so when emitted.

    Accuracy. *Electrons:* straight tracks neglect multiple scattering, which makes real
    electrons stop closer to where they started, so the electron absorbed fraction is biased
    low (the S value low) when an appreciable share of the energy escapes; the bias vanishes
    for large spheres. *Photons:* the mu_en kernel is exact near the source and conserves
    energy in an infinite medium, but its accuracy in between was not found published; it
    is pkdose's choice. *Both* were checked only through one published set of total sphere S
    values, Tb-152 (positrons of 1.14 MeV mean energy, many photons) in unit-density spheres:
    OLINDA/EXM 2.0 and the ellipsoidal model of Amato et al., Cicone et al. 2019, Table 3.
    This function gives 1-7 % less than OLINDA 2.0 from 0.1 to 10 g (1.8-6.6 % from 1 g up),
    and 5-15 % less than the ellipsoidal model; the two published models differ from each
    other by 2.6-9.8 %. For Lu-177 the total S is within 4 % of
    :func:`pkdose.dosimetry.local_absorption_s_value` from 0.55 g to 1 kg (4.1 % below at
    0.5 g, 2.9 % above at 1 kg because photons add). For a high-energy beta emitter in a
    sphere of a gram or less (Y-90: electron absorbed fraction 0.64 at 1 g here) the
    straight-track bias can be larger than for Tb-152; no published number was found to
    size it. Prefer a Monte Carlo sphere model (OLINDA/EXM, IDAC-Dose) there.

    Self-dose only: there is no target argument, and no cross-dose to or from a sphere is
    given; the sphere is alone in a medium that absorbs nothing.

    References
    ----------
    .. [1] Berger MJ, 1971. MIRD Pamphlet No. 7. J Nucl Med 12(Suppl 5):5-23.
    .. [2] Goddu SM, Howell RW, Rao DV, 1994. J Nucl Med 35:303-316.
    .. [3] ICRU, 1984. Stopping Powers for Electrons and Positrons. ICRU Report 37.
    .. [4] Sternheimer RM, Berger MJ, Seltzer SM, 1984. At Data Nucl Data Tables 30:261-271.
    .. [5] Boone JM, Chavez AE, 1996. Med Phys 23:1997-2005.
    .. [6] ICRU, 1989. Tissue Substitutes in Radiation Dosimetry and Measurement. ICRU 44.
    .. [7] Sgouros G et al., 2010. MIRD Pamphlet No. 22 (abridged). J Nucl Med 51:311-328.
    .. [8] Cicone F, Gnesin S, Denoel T, et al., 2019. Internal radiation dosimetry of a
       152Tb-labeled antibody in tumor-bearing mice. EJNMMI Res 9:53, Table 3.
    .. [9] ICRP, 2008. Nuclear decay data for dosimetric calculations. ICRP Publication 107.

    Examples
    --------
    >>> sv = sphere_s_value("Y-90", volume_mL=1.0)            # 1 mL of unit density = 1 g
    >>> round(sv.mass_kg, 6), round(sv.radius_cm, 4)
    (0.001, 0.6204)
    >>> round(sv.value, 4), sv.unit                           # Gy/(MBq*h)
    (0.3449, 'Gy/(MBq*h)')
    >>> round(sv.absorbed_fraction["electron"], 3)
    0.642
    >>> ac = sphere_s_value("Ac-225", "1 g", progeny="in-situ")
    >>> round(ac.energy_emitted_MeV["alpha"], 3), round(ac.alpha_escape_bound, 4)
    (27.995, 0.0121)
    >>> try:
    ...     sphere_s_value("Lu-177", "1 g", volume_mL=1.0)
    ... except DoseError as err:
    ...     print(err.field, "|", err.expected)
    mass_kg/volume_mL | exactly one of mass_kg or volume_mL
    """
    nuc = get_nuclide(nuclide)
    _check_choice("progeny mode", progeny, PROGENY_MODES, "sphere_s_value()")
    rho = _density(density_g_per_mL)
    mass, volume = _mass_and_volume(mass_kg, volume_mL, rho, "sphere_s_value()")
    members = _members(nuc.name, progeny)
    radius_cm = (3.0 * volume / (4.0 * math.pi)) ** (1.0 / 3.0)
    rho_a = rho * radius_cm
    where = "+".join(m for m, _ in members)

    emitted: dict[str, float] = {}
    absorbed: dict[str, float] = {}
    max_alpha = 0.0
    for rad in RADIATION_CLASSES:
        energy = np.concatenate([_emission_points(m)[rad].energy for m, _ in members])
        weight = np.concatenate([_emission_points(m)[rad].weight * n for m, n in members])
        if rad == "electron":
            if energy.size and energy.max() > _E_GRID[-1]:
                raise NuclideDataError(where, f"an electron at {energy.max():g} MeV lies "
                                              f"above {_E_GRID[-1]:g} MeV")
            phi = _electron_af(energy, rho_a)
        elif rad == "photon":
            phi = _photon_af(energy, rho_a, where)
        else:
            phi = np.ones_like(energy)
            if energy.size:
                max_alpha = float(energy.max())
        emitted[rad] = float(np.sum(weight))
        absorbed[rad] = float(np.sum(weight * phi))
    fraction = {r: (absorbed[r] / emitted[r] if emitted[r] > 0 else 1.0)
                for r in RADIATION_CLASSES}
    by_class = {r: absorbed[r] * _S_FACTOR / mass for r in RADIATION_CLASSES}
    bound = (min(1.0, 3.0 * ALPHA_RANGE_BOUND_G_PER_CM2 / (4.0 * rho_a))
             if emitted["alpha"] > 0 else 0.0)

    notes = []
    neutrons = [m for m, _ in members if get_nuclide(m).mean_energy("neutron") > 0]
    if neutrons:
        notes.append(f"spontaneous-fission neutrons of {', '.join(neutrons)} are not included")
    if max_alpha > _ALPHA_BOUND_MAX_MEV:
        notes.append(f"an alpha of {max_alpha:g} MeV is above the 4-9 MeV for which the "
                     "100 um range bound was stated; alpha_escape_bound may be exceeded")
    method = ("sphere absorbed fractions: electrons by straight-ahead CSDA tracks in liquid "
              "water (ICRU 37) with Berger's geometric factor; photons by 1 - P(mu_en rho a) "
              "for ICRU 44 soft tissue (Boone & Chavez 1996); alphas absorbed locally")
    convention = "; ".join([
        "self-dose only: S(sphere <- sphere) for activity uniform in an isolated sphere; "
        "energy leaving the sphere is lost",
        f"mass {mass:.6g} kg, volume {volume:.6g} mL, density {rho:.6g} g/mL, radius "
        f"{radius_cm:.6g} cm",
        "electrons: ICRP-07.BET spectrum integrated over energy (trapezoid rule on its grid) "
        "plus internal-conversion and Auger lines; positrons treated as electrons; "
        "bremsstrahlung escapes",
        "photons: gamma, X-ray and annihilation lines; lines below 1 keV absorbed locally",
        "alphas: alpha lines, alpha recoil and fission fragments absorbed locally "
        f"(escaping share at most {bound:.3g})",
        _progeny_text(progeny, members),
        "no ICRP 133 SAF used",
        *notes,
    ])
    cited = [SOURCES["geometry"], SOURCES["csda_straight_ahead"], SOURCES["stopping_power"],
             SOURCES["density_effect"], SOURCES["radiative"], SOURCES["photon_coefficients"],
             SOURCES["tissue"], SOURCES["escape_probability"], SOURCES["alpha_range"],
             SOURCES["emissions"], SOURCES["formalism"]]
    if progeny == "in-situ":
        cited.append(SOURCES["branching"])
    return SphereSValue(
        nuclide=nuc.name, mass_kg=mass, volume_mL=volume, density_g_per_mL=rho,
        radius_cm=radius_cm, value=float(sum(by_class.values())),
        by_class=MappingProxyType(by_class), energy_emitted_MeV=MappingProxyType(emitted),
        energy_absorbed_MeV=MappingProxyType(absorbed),
        absorbed_fraction=MappingProxyType(fraction), alpha_escape_bound=bound,
        progeny=progeny, progeny_decays=MappingProxyType(dict(members)), method=method,
        convention=convention, sources_cited=tuple(cited))
