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
from ..builder import ModelBuilder
from ..compartment_model import CompartmentModel
from . import icrp137_radium_data as data

__all__ = ["icrp137_radium", "RADIUM_ISOTOPES"]

#: Radium isotopes of ICRP 137 dosimetric interest (ICRP 107 names).
RADIUM_ISOTOPES = ("Ra-223", "Ra-224", "Ra-225", "Ra-226", "Ra-227", "Ra-228")

_DAY = "1/d"


def _param(src: str, tgt: str, suffix: str = "") -> str:
    return f"k_{src}_to_{tgt}{suffix}"


def icrp137_radium(nuclide: str = "Ra-223", daughters: str = "in-situ") -> CompartmentModel:
    """Build the ICRP 137 radium model for a radium isotope and its progeny.

    Parameters
    ----------
    nuclide : str, default "Ra-223"
        A radium isotope.
    daughters : {"in-situ", "parent", "none"}, default "in-situ"
        Progeny decay where they are formed, follow radium's kinetics, or are not modelled
        (``"none"``: the parent alone, 25 states). (ICRP 137's own
        independent-kinetics treatment of progeny is transcribed in the data module but not yet
        assembled: asking for ``"own"`` raises an error saying so).

    Returns
    -------
    CompartmentModel
        23 compartments and 2 sinks per nuclide; parameters ``k_<source>_to_<target>`` [1/h].

    Examples
    --------
    >>> m = icrp137_radium("Ra-223")
    >>> len(m.compartments), m.sinks, len(m.parameters)
    (23, ('urine', 'faeces'), 39)
    >>> round(m.default_values["k_blood_to_rc_contents"] * 24, 2)   # ICRP 137 Table 13.3, d-1
    21.79
    """
    from ...nuclides import get_nuclide

    if get_nuclide(nuclide).name.split("-")[0] != "Ra":
        raise ModelDefinitionError("icrp137-radium", "nuclide",
                                   f"the radium model takes a radium isotope {RADIUM_ISOTOPES}, got {nuclide!r}")
    if daughters == "own":
        raise ModelDefinitionError(
            "icrp137-radium", "daughters='own'",
            "ICRP 137 independent kinetics of radium progeny (Paras 711-712) are transcribed in "
            "pkdose.model.library.icrp137_radium_data but not yet assembled into the model; "
            "use 'in-situ' or 'parent'")
    b = ModelBuilder("icrp137-radium", nuclide=nuclide, daughters=daughters)
    for comp, group in data.COMPARTMENTS.items():
        b.add_compartment(comp, group=["Whole body", group])
    for sink in data.SINKS:
        b.add_sink(sink)
    for src, tgt, rate, source in data.RADIUM_TRANSFERS:
        name = _param(src, tgt)
        b.add_parameter(name, rate, _DAY, source=source)
        b.add_transfer(src, tgt, name)
    return b.build()
