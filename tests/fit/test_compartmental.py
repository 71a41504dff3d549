"""fit_model: recovery of known parameters (exact data, noisy data with coverage), the Ra-223 demo
trial against its generator's per-patient truth, the time axis across cycles, and error paths."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pkdose
from pkdose.data import read_trial
from pkdose.data.trial import Administration, Patient, Trial
from pkdose.errors import UnknownNameError
from pkdose.fit import FitError, ModelFit, ModelOutput, ProportionalError, fit_model
from pkdose.model import ModelBuilder
from pkdose.model.library import get_model

ROOT = Path(__file__).resolve().parents[2]
RA_TRIAL = ROOT / "trial_data" / "ra223-xofigo-demo"

TRUTH = {"k_bs": 0.30, "k_bb": 0.01, "k_gut": 0.50, "k_fec": 0.04, "k_ur": 0.08}
START = {"k_bs": 0.20, "k_bb": 0.02, "k_gut": 0.30, "k_fec": 0.06, "k_ur": 0.05}
BLOOD_L = 5.0
OBS = {("whole_body", "activity"): "*", ("gut", "activity"): "Gut",
       ("blood", "concentration"): ModelOutput.compartments("blood", volume_L=BLOOD_L),
       ("urine", "cumulative_excreted"): "urine", ("faeces", "cumulative_excreted"): ModelOutput.sink("faeces")}
TIMES = {"whole_body": [0.5, 4.0, 24.0, 48.0, 96.0, 168.0], "gut": [4.0, 24.0, 48.0, 96.0, 168.0],
         "blood": [0.25, 1.0, 4.0, 24.0, 48.0], "urine": [24.0, 48.0, 96.0, 168.0],
         "faeces": [24.0, 48.0, 96.0, 168.0]}
QUANTITY = {"whole_body": "activity", "gut": "activity", "blood": "concentration", "urine": "cumulative_excreted",
            "faeces": "cumulative_excreted"}
A0 = 5.0


@pytest.fixture(scope="module")
def small():
    """Blood, bone and gut with urinary and faecal excretion; Ra-223 without progeny (10 states)."""
    b = ModelBuilder("small-radium", nuclide="Ra-223", daughters="none")
    b.add_compartment("blood")
    b.add_compartment("bone")
    b.add_compartment("gut", group="Gut")
    b.add_sink("urine")
    b.add_sink("faeces")
    for src, tgt, k in (("blood", "bone", "k_bs"), ("bone", "blood", "k_bb"), ("blood", "gut", "k_gut"),
                        ("gut", "faeces", "k_fec"), ("blood", "urine", "k_ur")):
        b.add_transfer(src, tgt, k)
        b.add_parameter(k, START[k])
    return b.build()


def _true_values(model, params, regimen, region, times):
    sol = pkdose.simulate(model, params, regimen, times)
    if region == "whole_body":
        return sol.activity.sel(nuclide="Ra-223").sum("compartment").to_numpy()[0]
    if region == "gut":
        return sol.group_activity("Gut").sel(nuclide="Ra-223").to_numpy()[0]
    if region == "blood":
        return sol.activity.sel(compartment="blood", nuclide="Ra-223").to_numpy()[0] / BLOOD_L
    return sol.excreted.sel(sink=region, nuclide="Ra-223").to_numpy()[0]


def make_trial(model, params, *, cv=0.05, noise_rng=None, with_sigma=True, cycles=(1,), starts=None):
    """A one-patient Trial simulated from *model*: values exact or with proportional noise (SD cv × truth)."""
    starts = starts or {c: None for c in cycles}
    admins = tuple(Administration("P1", c, A0, starts[c]) for c in cycles)
    offsets = {c: 0.0 for c in cycles}
    if len(cycles) > 1:
        from datetime import datetime
        t0 = datetime.fromisoformat(starts[cycles[0]])
        offsets = {c: (datetime.fromisoformat(starts[c]) - t0).total_seconds() / 3600 for c in cycles}
    regimen = pkdose.Regimen(tuple(pkdose.Bolus(A0, into="blood", at=offsets[c]) for c in cycles))
    rows = []
    for c in cycles:
        for region, ts in TIMES.items():
            t = np.array(ts)
            y = _true_values(model, params, regimen, region, offsets[c] + t)
            sd = cv * y
            if noise_rng is not None:
                y = y + sd * noise_rng.standard_normal(y.size)
            for ti, yi, si in zip(t, y, sd):
                rows.append({"patient": "P1", "cycle": c, "time_h": ti, "region": region, "activity_MBq": yi,
                             "sigma_MBq": si if with_sigma else np.nan, "row": len(rows) + 2,
                             "quantity": QUANTITY[region]})
    data = pd.DataFrame(rows)
    return Trial("synthetic", "test", "Ra-223", tuple(TIMES), True, "simulated in the test",
                 (Patient("P1", "male", 70.0, {"blood": BLOOD_L * 1.06}),), admins, data, ".")


FITTED = ["k_bs", "k_fec", "k_gut", "k_ur"]          # k_bb stays at its (true) value


# -- exact data ------------------------------------------------------------------------------------

@pytest.mark.parametrize("jacobian", ["exact", "finite-difference"])
def test_recovers_parameters_from_exact_data(small, jacobian):
    truth = {**START, **{k: TRUTH[k] for k in FITTED}, "k_bb": TRUTH["k_bb"]}
    trial = make_trial(small, truth)
    fit = fit_model(small, trial, patient="P1", parameters=FITTED, observations=OBS, into="blood",
                    fixed={"k_bb": TRUTH["k_bb"]}, jacobian=jacobian)
    assert isinstance(fit, ModelFit) and fit.success, fit.message
    assert fit.jacobian == jacobian
    for k in FITTED:
        assert fit.values[k] == pytest.approx(TRUTH[k], rel=1e-4), k
        assert fit.start[k] == START[k]
    assert fit.n_obs == sum(len(v) for v in TIMES.values())
    assert fit.chisqr < 1e-6                                      # exact data: residuals ~ 0
    assert fit.at_bounds == ()
    assert fit.all_values["k_bb"] == TRUTH["k_bb"]
    # the residual table holds the same predictions as the fitted model simulated afresh
    r = fit.residuals[("gut", "activity")]
    np.testing.assert_allclose(fit.predict(("gut", "activity"), r["t_h"]), r["predicted"], rtol=1e-9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.success = False


def test_exact_and_finite_difference_jacobians_agree(small):
    """Same optimum and the same standard errors (which come from the Jacobian) to 1e-4."""
    trial = make_trial(small, TRUTH, noise_rng=np.random.default_rng(3))
    kw = dict(patient="P1", parameters=FITTED, observations=OBS, into="blood", fixed={"k_bb": TRUTH["k_bb"]})
    ex = fit_model(small, trial, jacobian="exact", **kw)
    fd = fit_model(small, trial, jacobian="finite-difference", **kw)
    for k in FITTED:
        assert ex.values[k] == pytest.approx(fd.values[k], rel=1e-5)
        assert ex.stderr[k] == pytest.approx(fd.stderr[k], rel=1e-4)


def test_factor_shared_by_parameters_is_recovered(small):
    """A factor multiplying two rates (like the demo generator's colon transit) from exact data."""
    truth = dict(START, k_fec=1.7 * START["k_fec"], k_ur=1.7 * START["k_ur"], k_gut=TRUTH["k_gut"])
    trial = make_trial(small, truth)
    fit = fit_model(small, trial, patient="P1", parameters=["k_gut"], factors={"f_out": ["k_fec", "k_ur"]},
                    observations=OBS, into="blood")
    assert fit.values["f_out"] == pytest.approx(1.7, rel=1e-4)
    assert fit.values["k_gut"] == pytest.approx(TRUTH["k_gut"], rel=1e-4)
    assert fit.all_values["k_ur"] == pytest.approx(1.7 * START["k_ur"], rel=1e-4)
    assert fit.factors == {"f_out": ("k_fec", "k_ur")}


def test_later_cycle_sees_activity_left_from_the_first(small):
    """Cycle-2 data only: the fit must place them 7 days after the first dose (start dates), whose
    activity is still in the body; with the wrong axis it could not reproduce exact data."""
    starts = {1: "2024-01-01T08:00:00", 2: "2024-01-08T08:00:00"}
    truth = {**START, **{k: TRUTH[k] for k in FITTED}, "k_bb": TRUTH["k_bb"]}
    trial = make_trial(small, truth, cycles=(1, 2), starts=starts)
    fit = fit_model(small, trial, patient="P1", parameters=FITTED, observations=OBS, into="blood",
                    fixed={"k_bb": TRUTH["k_bb"]}, cycles=[2])
    assert [d.at for d in fit.regimen.doses] == [0.0, 168.0]
    assert fit.residuals[("gut", "activity")]["t_h"].iloc[0] == pytest.approx(168.0 + 4.0)
    for k in FITTED:
        assert fit.values[k] == pytest.approx(TRUTH[k], rel=1e-4), k


# -- noisy data ------------------------------------------------------------------------------------

def test_confidence_intervals_cover_the_truth(small):
    """30 noisy replicates (5 % proportional noise, its SD given): the ±1.96 SE intervals of ln θ must
    cover the truth about 95 % of the time, and the z-scores must have SD about 1."""
    z = []
    chi2 = []
    for seed in range(30):
        trial = make_trial(small, TRUTH, noise_rng=np.random.default_rng(100 + seed))
        fit = fit_model(small, trial, patient="P1", parameters=FITTED, observations=OBS, into="blood",
                        fixed={"k_bb": TRUTH["k_bb"]})
        assert fit.success, fit.message
        z += [np.log(fit.values[k] / TRUTH[k]) / (fit.stderr[k] / fit.values[k]) for k in FITTED]
        chi2.append(fit.chisqr)
    z = np.array(z)
    coverage = np.mean(np.abs(z) < 1.96)
    # 120 intervals: binomial SD of the coverage ≈ 0.02; the bounds are ±2.5 SD around 0.95
    assert 0.89 <= coverage <= 1.0, coverage
    assert 0.75 < z.std() < 1.3, z.std()
    n_minus_p = 24 - len(FITTED)
    assert abs(np.mean(chi2) - n_minus_p) < 3 * np.sqrt(2 * n_minus_p / len(chi2)) + 1.0


def test_error_model_estimates_the_noise_level(small):
    """No SDs in the data: a ProportionalError with cv=None is estimated (IRLS), one CV shared by all
    observations; a mapping gives each observation its own CV."""
    kw = dict(patient="P1", parameters=FITTED, observations=OBS, into="blood", fixed={"k_bb": TRUTH["k_bb"]})
    trial = make_trial(small, TRUTH, cv=0.05, noise_rng=np.random.default_rng(7), with_sigma=False)
    with pytest.raises(FitError, match="uncertainty"):
        fit_model(small, trial, **kw)
    z, cvs = [], []
    for seed in range(10):
        trial = make_trial(small, TRUTH, cv=0.05, noise_rng=np.random.default_rng(200 + seed), with_sigma=False)
        fit = fit_model(small, trial, error_model=ProportionalError(), **kw)
        assert fit.success, fit.message
        assert fit.n_reweight > 1 and fit.n_estimated == len(FITTED) + 1
        assert len({id(em) for em in fit.error_models.values()}) == 1          # one shared CV
        cvs.append(fit.error_models[("gut", "activity")].cv)
        z += [np.log(fit.values[k] / TRUTH[k]) / (fit.stderr[k] / fit.values[k]) for k in FITTED]
    # 24 points: the SD of an estimated CV is about 0.05 / sqrt(2 * 20) = 0.008
    assert abs(np.mean(cvs) - 0.05) < 0.008, cvs
    assert np.mean(np.abs(z) < 1.96) >= 0.85 and np.max(np.abs(z)) < 4.0, np.round(z, 2)
    per_obs = fit_model(small, trial, error_model={k: ProportionalError() for k in OBS}, **kw)
    assert per_obs.success and per_obs.n_estimated == len(FITTED) + len(OBS)
    assert len({round(em.cv, 12) for em in per_obs.error_models.values()}) == len(OBS)
    # a fixed CV: weights 1/(cv f) at the prediction, nothing estimated
    fixed_cv = fit_model(small, trial, error_model=ProportionalError(cv=0.05), **kw)
    assert fixed_cv.n_estimated == len(FITTED)
    for k in FITTED:
        assert abs(np.log(fixed_cv.values[k] / TRUTH[k])) < 3 * fixed_cv.stderr[k] / fixed_cv.values[k], k


# -- the Ra-223 demo trial -------------------------------------------------------------------------

def _first_patient_truth(gen):
    """RA01's lognormal factors, redrawn exactly as simulate_ra223 draws them (first draws of the seed)."""
    rng = np.random.default_rng(gen.RA_SEED)
    body = round(float(rng.uniform(*gen.RA_BODY_MASS_RANGE_KG)), 1)
    blood_l = float(gen.RA_BLOOD_L_PER_KG * body * gen._lognormal(rng, 1.0, gen.RA_BLOOD_CV))
    factors = {name: float(gen._lognormal(rng, med, cv)) for name, (_, med, cv) in gen.RA_VARIABILITY.items()}
    return body, blood_l, factors


RA_OBS = {("whole_body", "activity"): "*", ("gut", "activity"): "Alimentary tract",
          ("blood", "concentration"): "Blood", ("urine", "cumulative_excreted"): "urine",
          ("faeces", "cumulative_excreted"): "faeces"}


@pytest.fixture(scope="module")
def ra(demo_generator):
    gen = demo_generator
    return (gen, read_trial(RA_TRIAL), get_model("icrp137-radium", nuclide="Ra-223", daughters="none"))


def test_ra223_demo_patient_factors_match_the_generator_truth(ra):
    """RA01 of the simulated demo: the four lognormal factors of the generator, fitted on the five
    measurement types, lie within 3 standard errors of the values the generator drew."""
    gen, trial, model = ra
    body, blood_l, truth = _first_patient_truth(gen)
    pat = trial.patient("RA01")
    assert pat.body_mass_kg == body                                     # the redraw is the generator's
    assert pat.organ_mass_kg["blood"] == pytest.approx(blood_l * gen.RA_BLOOD_DENSITY, abs=5e-4)
    factors = {name: ps for name, (ps, _, _) in gen.RA_VARIABILITY.items()}
    fit = fit_model(model, trial, patient="RA01", parameters=[], factors=factors, observations=RA_OBS)
    assert fit.success, fit.message
    assert fit.jacobian == "exact" and fit.n_obs == 25
    assert fit.regimen.doses[0].into == "blood" and fit.regimen.doses[0].activity == pytest.approx(4.67)
    for name, true in truth.items():
        se_log = fit.stderr[name] / fit.values[name]
        assert abs(np.log(fit.values[name] / true)) < 3 * se_log, (name, fit.values[name], true, se_log)
    # colon transit is what the data pin down best (faeces and gut): within 10 %
    assert fit.values["colon_transit"] == pytest.approx(truth["colon_transit"], rel=0.10)


def test_ra223_model_recovers_factors_from_exact_data(ra):
    """The same fit on exact values simulated at RA01's times with known factors: 1e-4 relative."""
    gen, trial, model = ra
    factors = {name: ps for name, (ps, _, _) in gen.RA_VARIABILITY.items()}
    known = {"colon_transit": 0.4, "gut_secretion": 1.3, "urinary_excretion": 0.7, "bone_uptake": 0.9}
    params = {p: model.default_values[p] * known[f] for f, ps in factors.items() for p in ps}
    m = trial.measurements
    m = m[m["patient"] == "RA01"].copy()
    blood_l = trial.patient("RA01").organ_mass_kg["blood"] / 1.06
    sol = pkdose.simulate(model, params, pkdose.Bolus(4.67, into="blood"), np.unique(m["time_h"]))
    grp = {"whole_body": sol.group_activity("Whole body"), "gut": sol.group_activity("Alimentary tract"),
           "blood": sol.group_activity("Blood") / blood_l,
           "urine": sol.excreted.sel(sink="urine"), "faeces": sol.excreted.sel(sink="faeces")}
    m["activity_MBq"] = [float(grp[r].sel(nuclide="Ra-223", time=t)[0]) for r, t in zip(m["region"], m["time_h"])]
    exact = dataclasses.replace(trial, measurements=m)
    fit = fit_model(model, exact, patient="RA01", parameters=[], factors=factors, observations=RA_OBS)
    for name, value in known.items():
        assert fit.values[name] == pytest.approx(value, rel=1e-4), name


# -- errors ----------------------------------------------------------------------------------------

def test_unknown_names_are_errors(small, ra):
    trial = make_trial(small, TRUTH)
    kw = dict(patient="P1", observations=OBS, into="blood")
    with pytest.raises(UnknownNameError) as e:
        fit_model(small, trial, parameters=["k_gutt"], **kw)
    assert e.value.suggestions[0] == "k_gut"
    with pytest.raises(UnknownNameError, match="region"):
        fit_model(small, trial, patient="P1", parameters=FITTED, into="blood",
                  observations={("kidneys", "activity"): "*"})
    with pytest.raises(UnknownNameError, match="quantity"):
        fit_model(small, trial, patient="P1", parameters=FITTED, into="blood",
                  observations={("gut", "counts"): "Gut"})
    with pytest.raises(UnknownNameError, match="group"):
        fit_model(small, trial, patient="P1", parameters=FITTED, into="blood",
                  observations={("gut", "activity"): ModelOutput.group("Guts")})
    with pytest.raises(UnknownNameError, match="group, compartment or sink"):
        fit_model(small, trial, patient="P1", parameters=FITTED, into="blood",
                  observations={("gut", "activity"): "colon"})
    with pytest.raises(UnknownNameError, match="patient"):
        fit_model(small, trial, parameters=FITTED, patient="P2", observations=OBS, into="blood")
    with pytest.raises(UnknownNameError, match="parameter"):
        fit_model(small, trial, parameters=["k_gut"], factors={"f": ["k_urr"]}, **kw)
    with pytest.raises(UnknownNameError, match="observation"):
        fit_model(small, trial, parameters=FITTED, error_model={("gutt", "activity"): ProportionalError()}, **kw)


def test_bad_requests_are_fit_errors(small):
    trial = make_trial(small, TRUTH)
    kw = dict(patient="P1", into="blood")
    with pytest.raises(FitError, match="observations"):
        fit_model(small, trial, parameters=FITTED, observations={}, **kw)
    with pytest.raises(FitError, match="sinks only"):
        fit_model(small, trial, parameters=FITTED, observations={("urine", "cumulative_excreted"): "blood"}, **kw)
    with pytest.raises(FitError, match="body compartments only"):
        fit_model(small, trial, parameters=FITTED, observations={("gut", "activity"): "faeces"}, **kw)
    with pytest.raises(FitError, match="not a library model"):
        fit_model(small, trial, patient="P1", parameters=FITTED, observations=OBS)
    with pytest.raises(FitError, match="start value > 0"):
        fit_model(small, trial, parameters={"k_gut": 0.0}, observations=OBS, **kw)
    with pytest.raises(FitError, match="bounds"):
        fit_model(small, trial, parameters={"k_gut": (0.1, 0.2, 0.3)}, observations=OBS, **kw)
    with pytest.raises(FitError, match="at least one parameter"):
        fit_model(small, trial, parameters=[], observations=OBS, **kw)
    with pytest.raises(FitError, match="no other factor"):
        fit_model(small, trial, parameters=["k_gut"], factors={"f": ["k_gut"]}, observations=OBS, **kw)
    with pytest.raises(FitError, match="not also estimated"):
        fit_model(small, trial, parameters=["k_gut"], fixed={"k_gut": 0.1}, observations=OBS, **kw)
    no_cycle2 = dict(kw, cycles=[2])
    with pytest.raises(FitError, match="measurements of patient P1"):
        fit_model(small, trial, parameters=FITTED, observations=OBS, **no_cycle2)
    two = make_trial(small, TRUTH, cycles=(1, 2), starts={1: "2024-01-01T08:00:00", 2: "2024-01-08T08:00:00"})
    two = dataclasses.replace(two, administrations=tuple(dataclasses.replace(a, start=None)
                                                         for a in two.administrations))
    with pytest.raises(FitError, match="start date-times"):
        fit_model(small, two, parameters=FITTED, observations=OBS, **kw)
    with pytest.raises(FitError, match="volume_L"):
        ModelOutput.body(volume_L=0.0)
    no_blood = dataclasses.replace(trial, patients=(Patient("P1", "male", 70.0),))
    with pytest.raises(FitError, match="organ_mass_kg.blood"):
        fit_model(small, no_blood, parameters=FITTED, observations={("blood", "concentration"): "blood"}, **kw)
