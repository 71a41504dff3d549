"""Decay chains against radioactivedecay (ICRP 107 data, exact Bateman solution).

radioactivedecay 0.6 solves N(t) = C·E(t)·C⁻¹·N0 in arbitrary precision (InventoryHP); pkdose
solves the same chain from a rate matrix (block-triangular modal path, or expm). Both use the
ICRP 107 half-lives and branching, so they must agree to rounding. Rounding in double precision
is bounded in norm, not per component (the Bateman sum of a deep daughter at 1e-4 h cancels terms
of order 1 down to 1e-9): hence 1e-9 relative wherever the activity is at least 1e-6 of the
administered activity, and an absolute 1e-14 of it below (measured worst cases: 4.6e-11 relative,
7.8e-16 absolute for the pure chains).
"""

import functools

import numpy as np
import pytest
import radioactivedecay as rd

from pkdose import Bolus, ModelBuilder, simulate
from pkdose.model.library import get_model

TIMES_H = np.array([1e-4, 0.01, 0.5, 3.0, 24.0, 240.0, 2000.0])


@functools.lru_cache(maxsize=None)
def _reference(parent: str, times_h: tuple, activity_mbq: float):
    inv = rd.InventoryHP({parent: activity_mbq}, "MBq")   # SymPy arbitrary precision: no cancellation
    out = {}
    for t in times_h:
        for nuc, a in inv.decay(float(t), "h").activities("MBq").items():
            out.setdefault(str(nuc), []).append(a)
    return {k: np.array(v) for k, v in out.items()}


def reference(parent: str, times_h, activity_mbq=1.0):
    """Activities [MBq] of every chain member at each time (arbitrary-precision reference, cached)."""
    return _reference(parent, tuple(float(t) for t in times_h), float(activity_mbq))


def system_totals(sol, sample: int) -> dict:
    """Activity [MBq] of each nuclide summed over compartments and sinks, at each time."""
    return {n: (sol.activity.sel(nuclide=n)[sample].sum("compartment")
                + sol.excreted.sel(nuclide=n)[sample].sum("sink")).values for n in sol.model.nuclides}


def check_system(sol, sample: int, ref: dict, atol: float):
    for nuc, got in system_totals(sol, sample).items():
        np.testing.assert_allclose(got, ref[nuc], rtol=1e-9, atol=atol, err_msg=nuc)


def virtual_patients(model, seed: int, n: int):
    """Solve *n* lognormal (30 %) virtual patients after 1 MBq Ra-223 into blood; also the pure chain."""
    rng = np.random.default_rng(seed)
    params = {k: v * rng.lognormal(0, 0.3, n) for k, v in model.default_values.items()}
    sol = simulate(model, params, Bolus(1.0, into="blood"), TIMES_H)
    assert "structured" in sol.method
    return sol, reference("Ra-223", TIMES_H)


def check(sol_totals: dict, ref: dict, administered=1.0):
    for nuc, got in sol_totals.items():
        want = ref[nuc]
        big = want >= 1e-6 * administered
        np.testing.assert_allclose(got[big], want[big], rtol=1e-9, atol=0, err_msg=nuc)
        np.testing.assert_allclose(got[~big], want[~big], rtol=0, atol=1e-14 * administered, err_msg=nuc)


@pytest.mark.parametrize("parent", ["Ra-223", "Ac-225", "Lu-177", "Ra-224"])
@pytest.mark.parametrize("method", ["exact", "expm"])
def test_pure_decay_chain(parent, method):
    b = ModelBuilder("vial", nuclide=parent)
    b.add_compartment("vial")
    model = b.build()
    sol = simulate(model, None, Bolus(1.0, into="vial"), TIMES_H, method=method)
    ref = reference(parent, TIMES_H)
    check({n: sol.activity.sel(compartment="vial", nuclide=n)[0].values for n in model.nuclides}, ref)


@pytest.mark.parametrize("daughters", ["in-situ", "parent"])
def test_radium_model_conserves_the_chain(daughters):
    # transfers move atoms but never create or destroy them, and excreta keep decaying: summed over
    # compartments and sinks, every nuclide follows the pure decay chain
    model = get_model("icrp137-radium", nuclide="Ra-223", daughters=daughters)
    sol, ref = virtual_patients(model, seed=7, n=4)
    for s in range(4):
        # 25 compartments per nuclide, block eigen-decompositions with condition numbers up to
        # 1e6 and coefficient growth up to 1e6 (pkdose.solve.structured) bound the rounding error
        # near 1e-10 of the administered activity in norm; measured worst: 7.4e-14 absolute
        # (Pb-211 at 0.36 s, 'parent' kinetics), 1.4e-9 relative above 1e-6 of administered
        check_system(sol, s, ref, atol=1e-12)
    assert float(abs(sol.mass_balance).max()) < 1e-9


def test_nominal_radium_chain_secular_terms_and_balance():
    # nominal ICRP rates: right colon, left colon and rectosigmoid all 2 /d, a defective chain;
    # the structured path carries the exact t·e^{λt} terms (shared constant modes), so the
    # nominal model needs no matrix exponential; compared here with it and radioactivedecay
    model = get_model("icrp137-radium", nuclide="Ra-223", daughters="in-situ")
    sol = simulate(model, None, Bolus(1.0, into="blood"), TIMES_H)
    assert sol.method == "exact-structured"
    ex = simulate(model, None, Bolus(1.0, into="blood"), TIMES_H, method="expm")
    # expm of the 175-state matrix (norm 1.4e6 /h from Po-215) is the less accurate of the two:
    # measured mass-balance residual 2.7e-9 for expm against < 1e-12 here
    np.testing.assert_allclose(sol.activity, ex.activity, rtol=0, atol=1e-10)
    assert float(abs(sol.mass_balance).max()) < 1e-9
    ref = reference("Ra-223", TIMES_H)
    # the secular terms of the colon chain and the 25 parent modes cancel at 0.36 s, where the
    # rectosigmoid holds ~1e-12 of the activity: measured worst 4.0e-12 absolute (Bi-211)
    check_system(sol, 0, ref, atol=1e-11)


def test_own_progeny_kinetics_conserve_the_chain_and_prune_states():
    model = get_model("icrp137-radium", nuclide="Ra-223", daughters="own")
    # lead, bismuth, polonium and thallium live in compartments of their own models
    assert {"pb_plasma", "po_plasma_2", "tl_liver", "bi_liver_1"} <= set(model.compartments)
    assert "exhaled" in model.sinks
    # only (nuclide, compartment) pairs that can hold activity are states
    assert model.n_states < len(model.nuclides) * len(model.all_compartments)
    from pkdose import ModelDefinitionError

    with pytest.raises(ModelDefinitionError):
        model.state_index("pb_plasma", "Ra-223")      # radium never enters lead's plasma
    sol, ref = virtual_patients(model, seed=3, n=2)
    for s in range(2):
        check_system(sol, s, ref, atol=1e-12)
    assert float(abs(sol.mass_balance).max()) < 1e-9
    # lead formed from radium in blood moves to lead plasma: at 1 d some Pb-211 is in the
    # lead model's compartments
    pb = sol.activity.sel(nuclide="Pb-211", time=24.0)[0]
    assert float(pb.sel(compartment=[c for c in model.compartments if c.startswith("pb_")]).sum()) > 0.01
