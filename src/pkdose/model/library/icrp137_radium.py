"""ICRP Publication 137 systemic model for radium with the HATM and the urinary bladder.

The data (every rate with its table and page) are in :mod:`.icrp137_radium_data`; this module
turns them into a :class:`~pkdose.model.CompartmentModel`. Every transfer coefficient is a named
parameter (``k_<source>_to_<target>``) whose default is the ICRP value, so virtual-patient
studies can vary any of them.

Groups, as ICRP reports them: "Whole body" (everything not yet excreted, alimentary-tract and
bladder contents included), "Blood", "Skeleton", "Liver", "Kidneys", "Soft tissue",
"Alimentary tract" (contents), "Urinary bladder" (contents); sinks ``urine`` and ``faeces``.

Validation: with Ra-223 decay, a 1 Bq injection into blood gives the cumulative faecal and
urinary excretion and blood content of EJNMMI Phys. 2021;8:44, Table 4 (model column) to the
printed digits (``tests/reference/test_icrp137_radium.py``).
"""

from __future__ import annotations

from ...errors import ModelDefinitionError
from typing import Any

from ..builder import ModelBuilder
from ..compartment_model import CompartmentModel
from . import icrp137_radium_data as data

__all__ = ["icrp137_radium", "RADIUM_ISOTOPES"]

#: Radium isotopes of ICRP 137 dosimetric interest (ICRP 107 names).
RADIUM_ISOTOPES = ("Ra-223", "Ra-224", "Ra-225", "Ra-226", "Ra-227", "Ra-228")

_DAY = "1/d"


def _param(src: str, tgt: str, suffix: str = "") -> str:
    return f"k_{src}_to_{tgt}{suffix}"


def _element(nuclide: str) -> str:
    return nuclide.split("-")[0]


def _resolve(element: str, compartment: str) -> str:
    """Compartment name in the assembled model: the radium model's names for radium and radon
    (radon's model is written on radium's compartments) and for the shared alimentary-tract and
    bladder contents; ``<element>_<name>`` for the compartments of the other element models."""
    if element in ("Ra", "Rn") or compartment in _SHARED:
        return compartment
    return f"{element.lower()}_{compartment}"


_SHARED = frozenset(c for c, g in data.COMPARTMENTS.items() if g in ("Alimentary tract", "Urinary bladder"))


def icrp137_radium(nuclide: str = "Ra-223", daughters: str = "in-situ") -> CompartmentModel:
    """Build the ICRP 137 radium model for a radium isotope and its progeny.

    Parameters
    ----------
    nuclide : str, default "Ra-223"
        A radium isotope.
    daughters : {"in-situ", "own", "parent", "none"}, default "in-situ"
        ``"in-situ"``: progeny decay where they are formed. ``"own"``: ICRP 137's independent
        kinetics (Paras 711-712): radon follows the radon model on radium's compartments, lead,
        bismuth, polonium and thallium follow their element models (ICRP 137 Tables 9.3, 10.3,
        11.3, Paras 481-484) in compartments of their own (``pb_plasma``, ``po_liver_1``, ...);
        a daughter formed in a compartment of another element's model moves as ICRP prescribes
        (e.g. lead formed in radium's blood goes to lead plasma at 1000 /d), see
        ``icrp137_radium_data.PROGENY_PRODUCTION`` and its ``PROGENY_GAPS``. ``"parent"``:
        progeny follow radium's kinetics. ``"none"``: the parent alone (25 states).

    Returns
    -------
    CompartmentModel
        Parameters ``k_<source>_to_<target>`` [1/h] (radium and the shared alimentary tract and
        bladder), ``k_<source>_to_<target>_<Element>`` for progeny element models.

    Examples
    --------
    >>> m = icrp137_radium("Ra-223")
    >>> len(m.compartments), m.sinks, len(m.parameters)
    (23, ('urine', 'faeces'), 39)
    >>> round(m.default_values["k_blood_to_rc_contents"] * 24, 2)   # ICRP 137 Table 13.3, d-1
    21.79
    """
    from ...nuclides import decay_chain, get_nuclide

    if _element(get_nuclide(nuclide).name) != "Ra":
        raise ModelDefinitionError("icrp137-radium", "nuclide",
                                   f"the radium model takes a radium isotope {RADIUM_ISOTOPES}, got {nuclide!r}")
    if daughters != "own":
        return _assemble(nuclide, daughters, ())
    chain = decay_chain(nuclide)
    elements = [_element(n) for n in chain.nuclides[1:]]
    missing = sorted({e for e in elements if e not in data.PROGENY_MODELS})
    if missing:
        raise ModelDefinitionError(
            "icrp137-radium", "daughters='own'",
            f"no transcribed ICRP 137 model for progeny element(s) {missing} of {nuclide}; "
            f"available: {sorted(data.PROGENY_MODELS)}. Use 'in-situ' or 'parent'")
    return _assemble(nuclide, "own", tuple(chain.nuclides[1:]))


def _assemble(nuclide: str, daughters: Any, own: tuple[str, ...]) -> CompartmentModel:
    b = ModelBuilder("icrp137-radium", nuclide=nuclide, daughters="in-situ" if own else daughters)
    for comp, group in data.COMPARTMENTS.items():
        b.add_compartment(comp, group=["Whole body", group])
    sinks = list(data.SINKS)
    for d in own:
        model: dict[str, Any] = data.PROGENY_MODELS[_element(d)]
        for comp, group in model["compartments"].items():
            name = _resolve(_element(d), comp)
            if name not in b._compartments:
                b.add_compartment(name, group=["Whole body", group])
        sinks += [x for x in model["sinks"] if x not in sinks]
    for sink in sinks:
        b.add_sink(sink)
    declared: set[str] = set()

    def transfer(src: str, tgt: str, rate: float, source, suffix: str = "", nuc: str | None = None):
        name = _param(src, tgt, suffix)
        if name not in declared:
            b.add_parameter(name, rate, _DAY, source=source)
            declared.add(name)
        b.add_transfer(src, tgt, name, nuclide=nuc)

    for src, tgt, rate, source in data.RADIUM_TRANSFERS:
        transfer(src, tgt, rate, source)
    for d in own:
        _add_progeny(b, d, transfer)
    return b.build()


def _add_progeny(b: ModelBuilder, daughter: str, transfer) -> None:
    """Transfers and formation rules of one daughter with independent (ICRP 137) kinetics."""
    el = _element(daughter)
    model: dict[str, Any] = data.PROGENY_MODELS[el]
    sinks = set(model["sinks"])
    own_comps = {_resolve(el, c) for c in model["compartments"]}
    moved: set[tuple[str, str]] = set()
    for src, tgt, rate, source in model["transfers"]:
        s_, t_ = _resolve(el, src), (tgt if tgt in sinks else _resolve(el, tgt))
        transfer(s_, t_, rate, source, f"_{el}", daughter)
        moved.add((s_, t_))
    hatm_sources = {s_ for s_, _ in moved}
    for src, tgt, rate, source in data.HATM_TRANSFERS:       # gut transit is element-independent
        if (src, tgt) not in moved and not (src in hatm_sources and tgt in sinks and src == "ub_contents"):
            transfer(src, tgt, rate, source, "", daughter)
            moved.add((src, tgt))
    formation: dict[str, str] = {}
    for (home, d_el), rules in data.PROGENY_PRODUCTION.items():
        if d_el != el:
            continue
        for pc, dc, rate, source in rules:
            born = _resolve(home, pc)
            goes = _resolve(el, dc)
            if born == goes or born in own_comps:
                continue            # formed in a compartment of its own model: its model applies
            if rate is None:
                formation[born] = goes
            elif (born, goes) not in moved:
                transfer(born, goes, rate, source, f"_{home}_{el}", daughter)
                moved.add((born, goes))
    if formation:
        b.set_formation(daughter, formation)
