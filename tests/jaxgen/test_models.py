"""Tests of the declarative model layer (jaxgen.models)."""

from fractions import Fraction

import pytest

from jaxgen import equilibrium as eq
from jaxgen import models
from jaxgen.models import Model, Reaction, Species, parse_charge


def test_parse_charge():
    assert parse_charge("B-L") == {"B": 1, "L": -1}
    assert parse_charge("B/3 - L_e") == {"B": Fraction(1, 3), "L_e": -1}
    assert parse_charge("2*B - 3 L_tau + 1/2 X") == {"B": 2, "L_tau": -3, "X": Fraction(1, 2)}
    assert parse_charge("B-L+L") == {"B": 1}
    for bad in ("", "B L", "B-*L", "3"):
        with pytest.raises(ValueError):
            parse_charge(bad)


@pytest.mark.parametrize(
    "factory",
    [lambda: models.standard_model(3, 2), lambda: models.mssm(), lambda: models.two_higgs_doublet_model("II")],
)
def test_reactions_conserve_hypercharge_and_b_minus_l(factory):
    """Every built-in reaction conserves Y and B-L (the charges of the printed Yukawas, Ardu et al. eq. (3));
    the sphalerons violate B and L by 3 units per generation-sum (N_G = 3)."""
    m = factory()
    for q in ("Y", "B-L"):
        ok, viol = m.is_conserved(q)
        assert ok, (q, viol)
    ok, viol = m.is_conserved("B")
    assert not ok and any("ew_sphaleron (changes it by 3)" in v for v in viol)


def test_standard_model_content():
    m = models.standard_model(n_generations=3, n_higgs=1)
    assert m.species_names[:5] == ("Q1", "u1", "d1", "L1", "e1") and "H" in m.species_names
    assert m.n_species == 16
    assert sum(s.dof for s in m.species if s.statistics == "fermion") == 45  # 15 Weyl states x 3 generations
    # hypercharge anomaly: sum over left-handed Weyl states of Y and Y^3 vanish (RH fields enter with minus sign)
    sgn = {"Q": 1, "L": 1, "u": -1, "d": -1, "e": -1}
    fer = [s for s in m.species if s.statistics == "fermion"]
    assert abs(sum(sgn[s.name[0]] * s.dof * s.charge("Y") for s in fer)) < 1e-12
    assert abs(sum(sgn[s.name[0]] * s.dof * s.charge("Y") ** 3 for s in fer)) < 1e-12
    assert m.charge_vector("L")[m.index("e2")] == 1.0
    assert m.charge_vector("B/3-L_mu")[m.index("L2")] == -1.0
    assert m.charge_vector("e1")[m.index("e1")] == 1.0  # species number as a charge
    with pytest.raises(ValueError):
        models.standard_model(n_generations=0)
    with pytest.raises(ValueError):
        models.standard_model(n_higgs=1.5)


def test_mssm_content_and_masks():
    m = models.mssm()
    for s in ("sQ1", "su3", "se2", "H_u", "H_d", "h_u", "h_d", "bino", "wino", "gluino"):
        assert s in m.species_names
    assert m.n_species == 3 * 10 + 7
    sp = models.mssm_superpartners(m, types=["Q"], generations=[1, 2])
    assert sp == ["sQ1", "sQ2"]
    mask = m.mask(off=["yukawa_e1*", "mu_term"])
    off = [n for n, on in zip(m.reaction_names, mask) if not on]
    assert off == ["yukawa_e1", "yukawa_e1_h", "yukawa_e1_s", "mu_term"]
    with pytest.raises(ValueError, match="no reaction matches"):
        m.mask(off=["nope"])


def test_mu_term_off_and_2hdm_mixing():
    """Without the mu-term the Peccei-Quinn charge is QCD-anomalous: no new conserved charge (ranks equal), and
    with gaugino superequilibrium B/(B-L) stays 28/79. 2HDM: type II keeps 8/23 without H1-H2 mixing; type I
    with H2 decoupled (H2 number 0) is the N_H = 1 SM value 28/79."""
    m = models.mssm(mu_term=False)
    assert len(m.conserved_basis_exact()) == len(models.mssm().conserved_basis_exact())
    assert abs(float(eq.solve(m, {"B-L": 1.0}).charge("B")) - 28 / 79) < 1e-12
    t2 = models.two_higgs_doublet_model("II")
    assert abs(float(eq.solve(t2, {"B-L": 1.0}, mask=t2.mask(off=["higgs_mixing2"])).charge("B")) - 8 / 23) < 1e-12
    t1 = models.two_higgs_doublet_model("I")
    assert abs(float(eq.solve(t1, {"B-L": 1.0}, mask=t1.mask(off=["higgs_mixing2"])).charge("B")) - 28 / 79) < 1e-12


def test_model_validation_errors():
    a = Species("a", 1, "fermion", {"Q": 1.0})
    with pytest.raises(ValueError, match="duplicate species"):
        Model("m", [a, a])
    with pytest.raises(ValueError, match="unknown species"):
        Model("m", [a], [Reaction("r", "a - b")])
    with pytest.raises(ValueError, match="statistics"):
        Species("a", 1, "anyon")
    with pytest.raises(ValueError, match="both as species and as charges"):
        Model("m", [a, Species("Q", 1, "boson")])
    with pytest.raises(TypeError):
        Model("m", ["a"])


def test_hidden_sector_worked_example():
    """The documented worked example (jaxgen.models._core docstring): SM + hidden x, B - L + X = 0."""
    import doctest

    import jaxgen.models._core as core

    assert doctest.testmod(core).failed == 0
    model = models.with_hidden_sector(models.standard_model(), models.hidden_sector("chi", dof=1, statistics="boson"))
    res = eq.solve(model, {"B-L+X": 0.0, "X": -1.0})
    assert abs(float(res.ratio("X", "B-L")) + 1.0) < 1e-12
    assert abs(float(res.asymmetry("chi")) + 1.0) < 1e-12


def test_stage_engine_lives_in_the_equilibrium_layer():
    """The staged solve is jaxgen.equilibrium's (jaxgen._equilibrium_stages); jaxgen.models keeps the stage
    definitions and the old names as aliases of the same objects."""
    from fractions import Fraction

    import jax.numpy as jnp
    import numpy as np

    from jaxgen import _equilibrium_stages as st
    from jaxgen import equilibrium as eq
    from jaxgen import models as mdl
    from jaxgen.models import _rsymmetric as rs

    for name in ("EquilibriumStage", "StageSolution", "solve_stage", "stage_weights"):
        assert getattr(mdl, name) is getattr(eq, name) is getattr(st, name) is getattr(rs, name), name
    assert isinstance(mdl.low_temperature_model(), eq.EquilibriumStage)
    # a generic two-species stage: a <-> b in equilibrium (mu_a = mu_b), B conserved
    sp = [st.StageSpecies("a", 1.0, False, {"B": Fraction(1)}), st.StageSpecies("b", 2.0, True, {"B": Fraction(1)})]
    stage = eq.build_stage(sp, {"ab": [{"a": 1, "b": -1}]}, ["B"], ("B",), "toy")
    sol = eq.solve_stage(stage, jnp.asarray([5.0]))
    # weights g k: a 1, b 4 -> mu = 5/5 = 1, asymmetries 1 and 4
    np.testing.assert_allclose(np.asarray(sol.asymmetry), [1.0, 4.0], rtol=1e-14)
    with pytest.raises(ValueError, match="toy: under-determined"):
        eq.build_stage(sp, {}, ["B"], ("B",), "toy")
    with pytest.raises(ValueError, match="not conserved by the reactions"):
        eq.build_stage(sp, {"a_decay": [{"a": 1}]}, ["B"], ("B",), "toy")
