"""Model building: structure, parameters, and every bad-input path asserted by field."""

import numpy as np
import pytest

from pkdose import Bolus, DoseError, Infusion, ModelBuilder, ModelDefinitionError, Regimen, UnknownNameError, simulate
from pkdose.errors import UnitError


def two_comp():
    b = ModelBuilder("two")
    b.add_compartment("central", group="Body")
    b.add_compartment("peripheral", group="Body")
    b.add_sink("urine")
    b.add_transfer("central", "peripheral", "k12")
    b.add_transfer("peripheral", "central", "k21")
    b.add_transfer("central", "urine", "CL / V")
    b.add_parameter("k12", 0.3)
    b.add_parameter("k21", "2.4 1/d")
    b.add_parameter("CL", 1.2, "L/h")
    b.add_parameter("V", "3000 mL")
    return b


def test_parameters_sorted_and_converted_to_canonical_units():
    m = two_comp().build()
    assert m.parameters == ("CL", "V", "k12", "k21")
    d = m.default_values
    assert d["k21"] == pytest.approx(0.1)       # 2.4/d = 0.1/h
    assert d["V"] == pytest.approx(3.0)         # 3000 mL = 3 L
    A = m.rate_matrix()
    # column sums are zero: what leaves a compartment arrives elsewhere (no decay: tracer)
    assert np.allclose(A.sum(axis=0), 0.0, atol=1e-15)
    assert A[m.state_index("urine"), m.state_index("central")] == pytest.approx(0.4)


def test_rate_unit_per_day_is_not_read_as_activity():
    # pint reads Bq as 1/s; a per-time rate must not become an activity
    b = ModelBuilder("x"); b.add_compartment("a"); b.add_sink("s")
    b.add_transfer("a", "s", 12.0, unit="1/d")
    assert b.build().rate_matrix()[1, 0] == pytest.approx(0.5)


def test_model_is_frozen_and_replace_rejects_unknown_fields():
    m = two_comp().build()
    with pytest.raises(AttributeError):
        m.name = "other"
    assert m.replace(name="renamed").name == "renamed"
    with pytest.raises(TypeError, match="nmae"):
        m.replace(nmae="x")


def test_unknown_compartment_suggests_close_name():
    b = two_comp()
    with pytest.raises(UnknownNameError) as e:
        b.add_transfer("centrl", "urine", "k")
    assert e.value.kind == "compartment" and e.value.name == "centrl"
    assert e.value.suggestions[0] == "central"


def test_unknown_parameter_in_simulate():
    m = two_comp().build()
    with pytest.raises(UnknownNameError) as e:
        simulate(m, {"k_12": 0.1}, Bolus(1, into="central"), [1.0])
    assert e.value.kind == "parameter" and "k12" in e.value.suggestions


def test_negative_rates_rejected_at_build_and_at_evaluation():
    b = ModelBuilder("neg"); b.add_compartment("a"); b.add_sink("s")
    with pytest.raises(ModelDefinitionError) as e:
        b.add_transfer("a", "s", -1.0)
    assert "a -> s" in e.value.item
    b.add_transfer("a", "s", "k")
    m = b.build()
    with pytest.raises(ModelDefinitionError) as e:
        simulate(m, {"k": [0.1, -0.2]}, Bolus(1, into="a"), [1.0])
    assert "sample 1" in e.value.problem


def test_transfer_into_itself_and_out_of_sink_rejected():
    b = ModelBuilder("self"); b.add_compartment("a"); b.add_sink("s")
    with pytest.raises(ModelDefinitionError) as e:
        b.add_transfer("a", "a", "k")
    assert e.value.item == "transfer a -> a"
    with pytest.raises(ModelDefinitionError) as e:
        b.add_transfer("s", "a", "k")
    assert "sink" in e.value.problem


def test_dose_into_sink_and_unknown_compartment():
    m = two_comp().build()
    with pytest.raises(DoseError) as e:
        simulate(m, None, Bolus(1, into="urine"), [1.0])
    assert e.value.field == "doses[0].into" and e.value.got == "urine"
    with pytest.raises(UnknownNameError) as e:
        simulate(m, None, Bolus(1, into="centre"), [1.0])
    assert e.value.suggestions == ("central",)


@pytest.mark.parametrize("times", [[1.0, 1.0], [2.0, 1.0], [-1.0, 2.0], [0.0, np.nan]])
def test_bad_times(times):
    m = two_comp().build()
    with pytest.raises(DoseError) as e:
        simulate(m, None, Bolus(1, into="central"), times)
    assert e.value.field == "times"


def test_dose_values_checked():
    with pytest.raises(UnitError) as e:
        Bolus("3 kg", into="a")
    assert e.value.field == "activity"
    with pytest.raises(DoseError) as e:
        Infusion(1, into="a", duration=0)
    assert e.value.field == "duration"
    with pytest.raises(DoseError):
        Bolus(-1, into="a")
    with pytest.raises(DoseError) as e:
        Regimen.cycles(Infusion(1, into="a", duration=5), n=2, every=2)
    assert e.value.field == "every"


def test_unused_default_parameter_is_an_error():
    b = two_comp()
    b.add_parameter("k_typo", 1.0)
    with pytest.raises(ModelDefinitionError) as e:
        b.build()
    assert "k_typo" in e.value.item


def test_missing_parameter_listed():
    b = ModelBuilder("m"); b.add_compartment("a"); b.add_sink("s"); b.add_transfer("a", "s", "k1 + k2")
    with pytest.raises(ModelDefinitionError) as e:
        simulate(b.build(), None, Bolus(1, into="a"), [1.0])
    assert "['k1', 'k2']" in e.value.problem


def test_nonlinear_detected_and_exact_refused():
    b = ModelBuilder("mm"); b.add_compartment("blood"); b.add_sink("s")
    b.add_transfer("blood", "s", "Vmax / (Km + A_blood)")
    m = b.build()
    assert not m.is_linear and m.parameters == ("Km", "Vmax")
    with pytest.raises(ModelDefinitionError):
        simulate(m, {"Vmax": 1, "Km": 1}, Bolus(1, into="blood"), [1.0], method="exact")
    with pytest.raises(UnknownNameError):
        b2 = ModelBuilder("mm2"); b2.add_compartment("blood"); b2.add_sink("s")
        b2.add_transfer("blood", "s", "Vmax / (Km + A_bloood)"); b2.build()


def test_equations_and_latex():
    m = two_comp().build()
    eqs = m.equations()
    assert len(eqs) == 3
    assert str(eqs[2].rhs) == "CL*a_tracer_central(t)/V"
    assert "\\frac{d}{d t}" in m.latex()


def test_own_daughter_kinetics_with_formation_mapping_against_bateman():
    # Pb-212 in 'tumour' decays to Bi-212, which appears in 'blood' (formation mapping) and is
    # cleared from blood to urine at k. Activities: a_Pb = A0 e^{-λp t};
    # a_Bi' = -(λb + k) a_Bi + λb a_Pb  =>  a_Bi = λb A0 (e^{-λp t} - e^{-(λb+k) t}) / (λb + k - λp)
    from pkdose.nuclides import get_nuclide

    b = ModelBuilder("pb212", nuclide="Pb-212", daughters="in-situ")
    b.add_compartment("tumour"); b.add_compartment("blood"); b.add_sink("urine")
    b.add_transfer("blood", "urine", "k_bi", nuclide="Bi-212")
    b.set_formation("Bi-212", {"tumour": "blood"})
    m = b.build()
    assert dict(m.kinetics)["Bi-212"] == "own"
    with pytest.raises(ModelDefinitionError):
        m.state_index("tumour", "Bi-212")             # formed in blood, never in the tumour
    m.state_index("blood", "Pb-212")                  # the parent may be given anywhere
    lp, lb = get_nuclide("Pb-212").decay_constant, get_nuclide("Bi-212").decay_constant
    k = 2.0
    t = np.array([0.5, 2.0, 10.0, 40.0])
    sol = simulate(m, {"k_bi": k}, Bolus(1.0, into="tumour"), t)
    expect = lb * (np.exp(-lp * t) - np.exp(-(lb + k) * t)) / (lb + k - lp)
    np.testing.assert_allclose(sol.activity.sel(compartment="blood", nuclide="Bi-212")[0], expect, rtol=1e-10)
    np.testing.assert_allclose(sol.activity.sel(compartment="tumour", nuclide="Bi-212")[0], 0.0, atol=0)
    assert float(abs(sol.mass_balance).max()) < 1e-10
