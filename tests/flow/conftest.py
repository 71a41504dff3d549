"""EPANET reference solutions through wntr's public API (``wntr.sim.EpanetSimulator``).

The reference is EPANET 2.2's own steady state at t = 0 with every junction's demand on a
constant pattern of multiplier 1 (so base demands are used, as :func:`pkdose.flow.read_inp`
does) and, by default, ACCURACY 1e-8 instead of 0.001 (so that the comparison measures the
model, not EPANET's stopping rule). Only public wntr calls are used: ``WaterNetworkModel``,
its ``options``, ``add_pattern`` and the junctions' ``demand_timeseries_list``,
``EpanetSimulator.run_sim`` and ``results.link``/``results.node``, and
``wntr.epanet.util.from_si``.

Precision. EPANET writes its results to a binary file in float32, and wntr converts them to
SI in float32 as well (flow, head), so every reference value carries at most two float32
roundings: a relative error of at most ``2 u = 2**-23 ≈ 1.19e-7`` (``u = 2**-24``, the unit
round-off of float32; :data:`FLOAT32_REL`). That is the price of the public API; it is four
orders of magnitude below the issue's tolerance (1e-3 relative, or 1e-4 m on heads up to
840 m), so no call into wntr's private toolkit internals is needed.

Units. wntr converts flows with its own exact US factors (1 gpm = 3.785411784 L/min), EPANET
with its own (1 cfs = 28.317 L/s, i.e. 1 gpm = 0.028317/448.831 m³/s, 5.8e-6 larger), and
pkdose follows EPANET. The reference therefore undoes wntr's conversion with ``from_si`` (back
to the file's flow units, a float64 operation of ~1 ulp) and applies EPANET's factor from
:data:`pkdose.flow.network.FLOW_UNITS_PER_CFS`. Heads need no such care: 1 ft = 0.3048 m in
all three. In SI flow units (LPS, ...) both factors are powers of ten and agree.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pkdose.flow.network import CFS_M3S, FLOW_UNITS_PER_CFS

FLOAT32_REL = 2.0**-23
"""Largest relative error of a reference value: two float32 roundings (EPANET's binary output
file, then wntr's conversion to SI in float32), 2 × 2**-24."""


@dataclass(frozen=True)
class Reference:
    flow_m3s: pd.Series
    head_m: pd.Series
    status: pd.Series


def networks_dir() -> Path:
    wntr = pytest.importorskip("wntr")
    pytest.importorskip("six")
    return Path(os.path.dirname(wntr.__file__)) / "library" / "networks"


def epanet_reference(inp: Path | object, accuracy: float | None = 1e-8) -> Reference:
    """EPANET's t = 0 steady state with base demands, via ``EpanetSimulator``.

    ``inp`` is an ``.inp`` path or a ``wntr`` ``WaterNetworkModel`` (changed in place: duration
    0, ACCURACY, demand patterns); ``accuracy=None`` keeps the file's ACCURACY. Flows in m³/s
    with EPANET's unit factors, heads in m (float32 precision, see the module docstring);
    status 1 open, 0 closed (wntr's mapping of EPANET's link status codes).
    """
    wntr = pytest.importorskip("wntr")
    pytest.importorskip("six")
    from wntr.epanet.util import FlowUnits, HydParam, from_si

    wn = inp if isinstance(inp, wntr.network.WaterNetworkModel) \
        else wntr.network.WaterNetworkModel(str(inp))
    wn.options.time.duration = 0
    if accuracy is not None:
        wn.options.hydraulic.accuracy = accuracy
    wn.add_pattern("pkdose_base_demand", [1.0])
    for _, junction in wn.junctions():
        for demand in junction.demand_timeseries_list:
            demand.pattern_name = "pkdose_base_demand"
    units = str(wn.options.hydraulic.inpfile_units).upper()
    with tempfile.TemporaryDirectory() as tmp:
        results = wntr.sim.EpanetSimulator(wn).run_sim(file_prefix=os.path.join(tmp, "ref"))
    q_si_wntr = results.link["flowrate"].iloc[0].astype(float)
    q_user = np.asarray(from_si(FlowUnits[units], q_si_wntr.to_numpy(), HydParam.Flow))
    flow = pd.Series(q_user * (CFS_M3S / FLOW_UNITS_PER_CFS[units]), index=q_si_wntr.index)
    head = results.node["head"].iloc[0].astype(float)
    status = results.link["status"].iloc[0].astype(int)
    return Reference(flow, head, status)


@pytest.fixture(scope="session")
def epanet_networks() -> Path:
    return networks_dir()


@pytest.fixture(scope="session")
def epanet_ref():  # type: ignore[no-untyped-def]
    """The :func:`epanet_reference` function (conftest modules are not importable here)."""
    return epanet_reference
