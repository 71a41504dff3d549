"""EPANET reference solutions through wntr's toolkit bindings (double precision, not the float32
binary output file).

The reference is EPANET 2.2's own steady state at t = 0 with every junction's demand pattern
removed (so base demands are used, as :func:`pkdose.flow.read_inp` does) and ACCURACY 1e-8
instead of 0.001 (so that the comparison measures the model, not EPANET's stopping rule).
Values are returned in SI with EPANET's own factors (1 ft = 0.3048 m, 1 cfs = 28.317 L/s).
"""

from __future__ import annotations

import ctypes
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

GPM_M3S = 0.028317 / 448.831
EN_BASEDEMAND, EN_PATTERN, EN_HEAD = 1, 2, 10
EN_FLOW, EN_STATUS = 8, 11
EN_ACCURACY = 1
EN_DURATION = 0
EN_JUNCTION = 0


@dataclass(frozen=True)
class Reference:
    flow_m3s: pd.Series
    head_m: pd.Series
    status: pd.Series


def networks_dir() -> Path:
    wntr = pytest.importorskip("wntr")
    pytest.importorskip("six")
    return Path(os.path.dirname(wntr.__file__)) / "library" / "networks"


def _link_id(en: object, k: int) -> str:
    buf = ctypes.create_string_buffer(64)
    err = en.ENlib.EN_getlinkid(en._project, ctypes.c_int(k), buf)  # type: ignore[attr-defined]
    assert err == 0, f"EN_getlinkid error {err}"
    return buf.value.decode("latin-1")


def epanet_reference(inp: Path, accuracy: float = 1e-8) -> Reference:
    """EPANET's t = 0 steady state of ``inp`` (US units, GPM) with base demands."""
    from wntr.epanet import toolkit

    with tempfile.TemporaryDirectory() as tmp:
        en = toolkit.ENepanet(version=2.2)
        en.ENopen(str(inp), os.path.join(tmp, "ref.rpt"), os.path.join(tmp, "ref.bin"))
        try:
            assert en.ENgetflowunits() == 1, "reference helper expects GPM"
            err = en.ENlib.EN_setoption(en._project, ctypes.c_int(EN_ACCURACY),
                                        ctypes.c_double(accuracy))
            assert err == 0, f"EN_setoption(ACCURACY) error {err}"
            en.ENsettimeparam(EN_DURATION, 0)
            nn, nl = en.ENgetcount(0), en.ENgetcount(2)
            for i in range(1, nn + 1):
                if en.ENgetnodetype(i) == EN_JUNCTION:
                    en.ENsetnodevalue(i, EN_PATTERN, 0)
            en.ENopenH()
            en.ENinitH(0)
            en.ENrunH()
            heads = {en.ENgetnodeid(i): en.ENgetnodevalue(i, EN_HEAD) * 0.3048
                     for i in range(1, nn + 1)}
            flows = {_link_id(en, k): en.ENgetlinkvalue(k, EN_FLOW) * GPM_M3S
                     for k in range(1, nl + 1)}
            status = {_link_id(en, k): en.ENgetlinkvalue(k, EN_STATUS)
                      for k in range(1, nl + 1)}
            en.ENcloseH()
        finally:
            en.ENclose()
    return Reference(pd.Series(flows), pd.Series(heads), pd.Series(status))


@pytest.fixture(scope="session")
def epanet_networks() -> Path:
    return networks_dir()


@pytest.fixture(scope="session")
def epanet_ref():  # type: ignore[no-untyped-def]
    """The :func:`epanet_reference` function (conftest modules are not importable here)."""
    return epanet_reference
