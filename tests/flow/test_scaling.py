"""A synthetic 2000-pipe grid solved by pkdose and by EPANET 2.2 (wntr's public API).

The grid (:func:`pkdose.flow.synthetic.grid_network`, 32 × 32 junctions, 1984 grid pipes and
two reservoirs) is written once to an ``.inp`` file in L/s with ``wntr.network.write_inpfile``;
pkdose reads that file with :func:`~pkdose.flow.read_inp`, and EPANET solves it through
``wntr.sim.EpanetSimulator`` (``conftest.epanet_reference``, ACCURACY 1e-8). In L/s, m and mm
both sides convert with powers of ten, so there is no unit-factor mismatch.

Tolerances, derived:

* EPANET's values pass through float32 twice (binary output file, wntr's conversion to SI):
  relative error ≤ 2 × 2**-24 = 1.19e-7 (``FLOAT32_REL``), i.e. ≤ 3e-8 m³/s on the largest
  flow (0.26 m³/s) and ≤ 1e-5 m on the heads (75–82 m).
* Both solvers stop on Σ|Δq| / Σ|q| < 1e-8 (pkdose also on a head-loss imbalance < 1e-8 m);
  the last Newton change of any one flow is then below 1e-8 Σ|q| (~1e-7 m³/s here), and with
  quadratic convergence the remaining error is far smaller. So flows must agree within
  1.19e-7 |q| + 1e-8 Σ|q| = 1.19e-7 |q| + 1.3e-7 m³/s (measured: at most 2.4e-9 m³/s above
  the float32 term), heads within 1.19e-7 |H| + 1e-6 m (measured: 7.3e-6 m, inside the
  float32 term alone). The issue's 1e-3 relative (every flow) and 1e-4 m (every head) are
  asserted as well; for flows below 1.3e-4 m³/s the relative one is the tighter (measured:
  largest relative flow difference 2.0e-5, among the smallest flows, ~6e-6 m³/s).
* Kirchhoff: pkdose's flows balance every junction to round-off (≤ 1e-12 m³/s for flows
  ≤ 0.3 m³/s; asserted at 1e-10 as elsewhere); EPANET's reported flows balance every junction
  within the float32 rounding of the flows meeting there, 1.19e-7 (Σ|q| + |demand|) at the
  node, plus EPANET's own stopping tolerance as above (measured: inside the float32 term
  alone; largest imbalance 1.2e-8 m³/s, 7.7e-8 of the flows at that node).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pkdose.flow import read_inp, solve_flow
from pkdose.flow.synthetic import grid_network, to_wntr

FLOAT32_REL = 2.0**-23
ACCURACY = 1e-8


@pytest.fixture(scope="module")
def grid_case(tmp_path_factory: pytest.TempPathFactory, epanet_ref):  # type: ignore[no-untyped-def]
    wntr = pytest.importorskip("wntr")
    pytest.importorskip("six")
    net = grid_network(2000, seed=1)
    wn = to_wntr(net)
    path = Path(tmp_path_factory.mktemp("grid")) / "grid.inp"
    wntr.network.write_inpfile(wn, str(path), units="LPS")
    pk_net = read_inp(path)
    sol = solve_flow(pk_net, tol=ACCURACY, head_tol=ACCURACY)
    ref = epanet_ref(path, ACCURACY)
    return net, pk_net, sol, ref


def _imbalance(net, flow: pd.Series) -> tuple[pd.Series, pd.Series]:  # type: ignore[no-untyped-def]
    """Junction excess inflow − outflow − demand [m³/s] and Σ|q| + |demand| at each junction."""
    jn = [j.name for j in net.junctions]
    idx = {n: i for i, n in enumerate(jn)}
    demand = np.array([j.demand_m3s for j in net.junctions])
    start = np.array([idx.get(p.start, -1) for p in net.pipes])
    end = np.array([idx.get(p.end, -1) for p in net.pipes])
    q = flow[[p.name for p in net.pipes]].to_numpy()
    bal, scale = -demand.copy(), np.abs(demand)
    for ends, sign in ((start, -1.0), (end, 1.0)):
        ok = ends >= 0
        np.add.at(bal, ends[ok], sign * q[ok])
        np.add.at(scale, ends[ok], np.abs(q[ok]))
    return pd.Series(bal, index=jn), pd.Series(scale, index=jn)


def test_grid_is_what_the_test_claims(grid_case) -> None:  # type: ignore[no-untyped-def]
    net, pk_net, sol, _ = grid_case
    assert (len(pk_net.junctions), len(pk_net.fixed_heads), len(pk_net.pipes)) == (1024, 2, 1986)
    assert pk_net.link_names == net.link_names
    # the .inp round trip (11 significant digits) keeps the network
    for a, b in zip(net.pipes[:50], pk_net.pipes[:50]):
        assert b.diameter_m == pytest.approx(a.diameter_m, rel=1e-10)
        assert b.length_m == pytest.approx(a.length_m, rel=1e-10)
    assert 5 <= sol.iterations <= 20


def test_grid_flows_and_heads_match_epanet(grid_case) -> None:  # type: ignore[no-untyped-def]
    _, _, sol, ref = grid_case
    assert set(sol.flow_m3s.index) == set(ref.flow_m3s.index)
    assert set(sol.head_m.index) == set(ref.head_m.index)
    q_ref = ref.flow_m3s[sol.flow_m3s.index]
    h_ref = ref.head_m[sol.head_m.index]
    dq = (sol.flow_m3s - q_ref).abs()
    dh = (sol.head_m - h_ref).abs()
    q_floor = ACCURACY * float(q_ref.abs().sum())
    assert np.all(dq <= FLOAT32_REL * q_ref.abs() + q_floor), dq.sort_values().tail()
    assert np.all(dh <= FLOAT32_REL * h_ref.abs() + 1e-6), dh.sort_values().tail()
    # the tolerance: 1e-3 relative on every flow, 1e-4 m on every head
    assert np.all(dq <= 1e-3 * q_ref.abs()), (dq / q_ref.abs()).max()
    assert dh.max() <= 1e-4
    assert sol.closed_links == ()
    assert np.all(ref.status == 1)


def test_grid_kirchhoff_at_every_junction(grid_case) -> None:  # type: ignore[no-untyped-def]
    net, pk_net, sol, ref = grid_case
    sol.check_kirchhoff(atol=1e-10)
    bal, _ = _imbalance(pk_net, sol.flow_m3s)
    assert bal.abs().max() <= 1e-10
    assert sol.junction_imbalance_m3s().abs().max() <= 1e-10
    # EPANET's float32 flows balance within their own rounding
    bal_ref, scale = _imbalance(pk_net, ref.flow_m3s)
    q_floor = ACCURACY * float(ref.flow_m3s.abs().sum())
    assert np.all(bal_ref.abs() <= FLOAT32_REL * scale + q_floor), bal_ref.abs().max()
    # every link's head loss equals its head difference (the other half of the steady state)
    assert sol.head_residual_m < ACCURACY
