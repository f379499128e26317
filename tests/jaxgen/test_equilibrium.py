"""Tests of the chemical-equilibrium engine (jaxgen.equilibrium) against papers and independent derivations."""

import jax
import jax.numpy as jnp
import jax.test_util
import numpy as np
import pytest
import sympy as sp

import jaxgen_kernels as kernels
from jaxgen import constants as c
from jaxgen import equilibrium as eq
from jaxgen import models

SM = models.standard_model()
MSSM = models.mssm()
SPARTICLES = models.mssm_superpartners(MSSM, higgsinos=True)


# ---------------------------------------------------------------- Harvey-Turner, Hall et al. eq. (3.1)
@pytest.mark.parametrize("n_g", [1, 2, 3, 4])
def test_harvey_turner(n_g):
    """Hall et al. 2010 eq. (3.1): B = (8 N_G + 4 N_H)/(22 N_G + 13 N_H) (B - L), N_G, N_H = 1..4, to 1e-12."""
    for n_h in range(1, 5):
        res = eq.solve(models.standard_model(n_g, n_h), {"B-L": 1.0}, temperature=100.0)
        assert int(res.status) == 0
        assert abs(float(res.ratio("B", "B-L")) - (8 * n_g + 4 * n_h) / (22 * n_g + 13 * n_h)) < 1e-12
        assert abs(float(res.charge("Y"))) < 1e-12


# ---------------------------------------------------------------- Hall et al. eqs. (3.2)-(3.4)
def _m_x(b_over_x):
    return float(eq.dark_matter_mass(b_over_x, c.HALL_2010.dm_to_baryon, c.M_PROTON))


def test_hall_dm_mass_sm():
    """Hall et al. eq. (3.2): SM (N_H = 1) + hidden X with B - L + X = 0 -> |B| = (28/79)|X|, m_X = 1.62 GeV.

    Discrepancy (documented): the paper prints "B = (28/79) X"; with B - L + X = 0 the signs are opposite,
    B/X = -28/79. Hall et al. use m_p and Omega_DM/Omega_b = 4.86.
    """
    model = models.with_hidden_sector(SM)
    res = eq.solve(model, {"B-L+X": 0.0, "X": -1.0}, temperature=100.0)
    assert abs(float(res.ratio("B", "X")) + 28 / 79) < 1e-12  # sign opposite to the printed "B = (28/79) X"
    assert abs(float(res.charge("B-L")) - 1.0) < 1e-12
    assert abs(_m_x(res.ratio("B", "X")) - 1.62) < 0.005


def test_hall_dm_mass_mssm_heavy():
    """Hall et al. eq. (3.3): MSSM with all superpartners heavy (H_u, H_d light) -> B = 8/23 (B-L), m_X = 1.59 GeV."""
    model = models.with_hidden_sector(MSSM)
    res = eq.solve(model, {"B-L+X": 0.0, "X": -1.0}, temperature=100.0, masses={s: 1e6 for s in SPARTICLES})
    assert int(res.status) == 0
    assert abs(float(res.ratio("B", "B-L")) - 8 / 23) < 1e-12
    assert abs(_m_x(res.ratio("B", "X")) - 1.59) < 0.005


def test_hall_dm_mass_no_sphalerons():
    """Hall et al. eq. (3.4): sphalerons inactive, UDDX links B and X directly (B + X conserved, L = 0)
    -> |B| = |X|, m_X = m_p Omega_DM/Omega_b = 4.56 GeV."""
    model = models.with_hidden_sector(SM)
    res = eq.solve(model, {"B+X": 0.0, "X": -1.0, "L": 0.0}, temperature=100.0, mask=SM.mask(off=["ew_sphaleron"]))
    assert abs(float(res.ratio("B", "X")) + 1.0) < 1e-12
    assert abs(_m_x(res.ratio("B", "X")) - 4.56) < 0.005


# ---------------------------------------------------------------- MSSM limits, interpolation, gradients
def test_mssm_light_and_heavy_limits():
    """All superpartners light: superequilibrium gives each chiral multiplet weight 3 (fermion 1 + boson 2), the two
    Higgs superfields 2*(4+2) = 12 = 3*4, i.e. N_H,eff = 1 -> 28/79 (hand derivation). All heavy -> 8/23."""
    light = eq.solve(MSSM, {"B-L": 1.0}, temperature=1e3)
    heavy = eq.solve(MSSM, {"B-L": 1.0}, temperature=1e3, masses={s: 1e8 for s in SPARTICLES})
    assert abs(float(light.charge("B")) - 28 / 79) < 1e-12
    assert abs(float(heavy.charge("B")) - 8 / 23) < 1e-12
    # superequilibrium with Majorana gauginos: mu_sfermion = mu_fermion, mu_gaugino = 0
    assert abs(float(light.mu[MSSM.index("sQ1")] - light.mu[MSSM.index("Q1")])) < 1e-14
    assert abs(float(light.mu[MSSM.index("bino")])) < 1e-14


SQ_SYSTEM = eq.prepare(MSSM, {"B-L": 1.0}, mass_parameters={"m_sQ": [f"sQ{i}" for i in (1, 2, 3)]}, outputs=["B"])


@jax.jit
def _b_of_z(z):
    p = SQ_SYSTEM.params(masses={"m_sQ": z * 100.0}, temperature=100.0)
    return eq.evaluate(SQ_SYSTEM, p).outputs[0]


def test_interpolation_smooth_and_gradient():
    """B/(B-L) vs m_sQ/T for the three left-handed squark doublets: monotone and smooth between the light limit
    (28/79) and the heavy limit (all others light); d/dz matches central finite differences."""
    zs = jnp.linspace(0.0, 30.0, 61)
    b = jax.vmap(_b_of_z)(zs)
    assert abs(float(b[0]) - 28 / 79) < 1e-12
    heavy = eq.solve(MSSM, {"B-L": 1.0}, temperature=100.0, masses={f"sQ{i}": 1e6 for i in (1, 2, 3)}).charge("B")
    assert abs(float(b[-1]) - float(heavy)) < 1e-9
    db = np.diff(np.asarray(b))
    assert np.all(db * np.sign(db[1]) >= -1e-15)  # monotone
    assert np.max(np.abs(np.diff(db))) < 0.01  # smooth on this grid
    for z in (0.5, 2.0, 7.0):
        g = float(jax.grad(_b_of_z)(z))
        h = 1e-5
        fd = (float(_b_of_z(z + h)) - float(_b_of_z(z - h))) / (2 * h)
        assert abs(g - fd) < 1e-7 * max(1.0, abs(fd)), (z, g, fd)


def test_chung_garbrecht_tulin_extremes():
    """Hall et al. 2010 Sec. 3 (quoting Chung, Garbrecht, Tulin 2008): with lepton-flavour-changing interactions
    operative the largest factor is B = 0.606 X (m_X = 2.76 GeV), "primarily light LHD squarks" (here: light sQ and
    sd, all other superpartners heavy), the smallest B = 0.079 X (m_X = 0.36 GeV) with "light RHD up squarks, LHD
    sleptons and RHD selectrons" (light su, sL, se). Reproduced to the printed precision (full scan:
    experiments/equilibrium_scan.py). The printed signs again mean |B| = c |X|."""

    def c_for(light):
        heavy = [s for s in SPARTICLES if s.rstrip("0123456789") not in light]
        return float(eq.solve(MSSM, {"B-L": 1.0}, temperature=100.0, masses={s: 1e6 for s in heavy}).charge("B"))

    c_max = c_for({"sQ", "sd"})
    c_min = c_for({"su", "sL", "se"})
    assert round(c_max, 3) == 0.606 and round(c_min, 3) == 0.079
    assert abs(c_max - 134 / 221) < 1e-12 and abs(c_min - 10 / 127) < 1e-12  # exact values of the engine
    assert abs(_m_x(c_max) - 2.76) < 0.005 and abs(_m_x(c_min) - 0.36) < 0.005


def test_gradients_temperature_and_charges_check_grads():
    """Gradients in temperature and masses (jax.test_util.check_grads against finite differences)."""
    sys_ = eq.prepare(MSSM, {"B-L": 1.0}, mass_parameters=["su1", "h_u"], outputs=["B", "L_e"])

    @jax.jit
    def f(m, t):
        p = sys_.params(masses={"su1": m[0], "h_u": m[1]}, temperature=t)
        return eq.evaluate(sys_, p).outputs

    jax.test_util.check_grads(f, (jnp.array([150.0, 80.0]), 120.0), order=1, modes=["rev", "fwd"], eps=1e-4)


# ---------------------------------------------------------------- independent derivation (sympy, by hand)
def test_independent_sympy_sm_flavoured():
    """Configuration printed by no paper: SM, 3 generations, no lepton-flavour equilibration (B/3 - L_alpha = 1/3
    each), electron Yukawa out of equilibrium (e_R(1) number 0), top quark (Q3, u3) with m_t/T = 1.3.
    Conditions written out by hand and solved exactly with sympy, symbolic in k_t = k_F(m_t/T): agree to 1e-10."""
    mq, mu_, md, mh = sp.symbols("mq mu md mh")
    ml = sp.symbols("ml1:4")
    me = sp.symbols("me1:4")
    kt = sp.Symbol("kt")
    k_q = [1, 1, kt]
    k_u = [1, 1, kt]
    eqs = [
        sp.Eq(mu_, mq + mh),
        sp.Eq(md, mq - mh),  # up/down Yukawas (quark mixing: flavour-universal mu)
        sp.Eq(me[1], ml[1] - mh),
        sp.Eq(me[2], ml[2] - mh),  # mu, tau Yukawas; electron Yukawa off
        sp.Eq(9 * mq + sum(ml), 0),  # EW sphaleron: sum_i (3 mu_Q + mu_L)
        sp.Eq(me[0], 0),  # conserved e_R(1) number = 0
    ]
    Y = sum(6 * sp.Rational(1, 6) * k_q[i] * mq + 3 * sp.Rational(2, 3) * k_u[i] * mu_ - 1 * md for i in range(3))
    Y += sum(-ml[a] - me[a] for a in range(3)) + 2 * mh
    B = sum(2 * k_q[i] * mq + k_u[i] * mu_ + md for i in range(3))
    eqs.append(sp.Eq(Y, 0))
    for a in range(3):
        eqs.append(sp.Eq(B / 3 - (2 * ml[a] + me[a]), sp.Rational(1, 3)))
    sol = sp.solve(eqs, [mq, mu_, md, mh, *ml, *me], dict=True)[0]
    b_expr = sp.simplify(B.subs(sol))
    z = 1.3
    kt_val = float(kernels.asymmetry_factor(jnp.asarray(z), "fermion"))
    b_ref = float(b_expr.subs(kt, kt_val))
    e2_ref = float(sol[me[1]].subs(kt, kt_val))

    model = models.standard_model(lepton_flavour_equilibrium=False)
    mask = model.mask(off=["yukawa_e1"])
    res = eq.solve(
        model,
        {"B/3-L_e": 1 / 3, "B/3-L_mu": 1 / 3, "B/3-L_tau": 1 / 3},
        temperature=100.0,
        masses={"Q3": 130.0, "u3": 130.0},
        mask=mask,
    )
    assert int(res.status) == 0
    assert abs(float(res.charge("B")) - b_ref) < 1e-10
    assert abs(float(res.mu[model.index("e2")]) - e2_ref) < 1e-10
    # also equal to the masked-lepton-mixing route with the default (flavour-universal) off-charges
    res2 = eq.solve(
        SM,
        {"B-L": 1.0},
        temperature=100.0,
        masses={"Q3": 130.0, "u3": 130.0},
        mask=SM.mask(off=["yukawa_e1", "lepton_mixing*"]),
    )
    assert abs(float(res2.charge("B")) - b_ref) < 1e-10


def _ardu_eq3(sign_h):
    """Ardu et al. 2025 eq. (3) (massless MSSM in superequilibrium, universal quark mu's, B/3 - L_alpha = 1/3 each),
    with the Yukawa lines' mu_H sign multiplied by ``sign_h`` (+1 = as printed). Returns B/(B-L) (sympy, exact)."""
    q, u, d, h = sp.symbols("q u d h")
    ls = sp.symbols("l1:4")
    es = sp.symbols("e1:4")
    eqs = [q - u - sign_h * h, q - d + sign_h * h]
    eqs += [ls[a] - es[a] + sign_h * h for a in range(3)]
    eqs += [3 * 3 * q + sum(ls)]  # "3 sum_i mu_q + sum_alpha mu_l" with flavour-universal mu_q
    eqs += [-sum(ls[a] + es[a] for a in range(3)) + 2 * h + 3 * (q + 2 * u - d)]
    # each chiral multiplet carries 3x its fermion's asymmetry (fermion k=1 + scalar k=2, mu equal)
    b = 3 * 3 * (2 * q + u + d)  # 3 generations x 3 (multiplet) x (1/3)(6 mu_q + 3 mu_u + 3 mu_d)
    lep = [3 * (2 * ls[a] + es[a]) for a in range(3)]
    eqs += [b / 3 - lep[a] - sp.Rational(1, 3) for a in range(3)]
    sol = sp.solve(eqs, [q, u, d, h, *ls, *es], dict=True)[0]
    return sp.nsimplify(b.subs(sol))


def test_ardu_eq3_sign_slip():
    """Ardu et al. 2025 eq. (3) as printed: the Yukawa lines (mu_q - mu_u - mu_H = 0, mu_q - mu_d + mu_H = 0,
    mu_l - mu_e + mu_H = 0) and the hypercharge line (+2 mu_H) use opposite signs of mu_H: with Y(H_u) = +1/2 the
    up-Yukawa Q H_u u^c gives mu_q + mu_Hu - mu_u = 0. Taken literally they give B/(B-L) = 20/53 (the Higgs counted
    with N_H = -1 in eq. (3.1)); with the derived signs 28/79, which is what the engine's MSSM (charges in, nothing
    typed by hand) gives for massless superpartners. The engine implements the derivation."""
    assert _ardu_eq3(+1) == sp.Rational(20, 53)
    assert _ardu_eq3(-1) == sp.Rational(28, 79)
    res = eq.solve(MSSM, {"B-L": 1.0}, temperature=1e3)
    assert abs(float(res.charge("B")) - 28 / 79) < 1e-12
    i = MSSM.index
    assert abs(float(res.mu[i("Q1")] + res.mu[i("H_u")] - res.mu[i("u1")])) < 1e-14  # derived up-Yukawa sign


# ---------------------------------------------------------------- diagnostics
def test_underdetermined_names_the_missing_charge():
    with pytest.raises(ValueError, match=r"under-determined.*B-L"):
        eq.solve(SM, {}, temperature=100.0)
    # switching the EW sphaleron off makes B conserved: the message asks for it
    with pytest.raises(ValueError, match=r"under-determined.*mu\[Q1\].*\['B'"):
        eq.solve(SM, {"B-L": 1.0}, mask=SM.mask(off=["ew_sphaleron"]))


def test_inconsistent_and_redundant_constraints():
    with pytest.raises(ValueError, match=r"'B' is not conserved.*ew_sphaleron"):
        eq.solve(SM, {"B-L": 1.0, "B": 0.3})
    with pytest.raises(ValueError, match=r"linearly dependent.*'B-L\+X'"):
        eq.solve(models.with_hidden_sector(SM), {"B-L": 1.0, "X": -1.0, "B-L+X": 0.0})
    with pytest.raises(ValueError, match="unknown charge"):
        eq.solve(SM, {"B-Q": 1.0})
    with pytest.raises(TypeError):
        eq.solve(SM, ["B-L"])


# ---------------------------------------------------------------- batches, masks, status, float32
BATCH_SYSTEM = eq.prepare(
    models.with_hidden_sector(SM),
    {"B-L+X": 0.0, "X": -1.0},
    masks=[None, SM.mask(off=["yukawa_e1", "lepton_mixing*"]), SM.mask(off=["yukawa_e1"])],
    mass_parameters=["Q3", "x"],
    outputs=["B", "X"],
)


def test_mixed_masks_batched_equals_looped():
    rng = np.random.default_rng(0)
    n = 6
    cfg = np.arange(n) % 3
    mq3 = rng.uniform(0, 400, n)
    mx = rng.uniform(0, 300, n)
    t = rng.uniform(50, 200, n)
    x = rng.uniform(-2, -0.5, n)
    p = BATCH_SYSTEM.params(masses={"Q3": mq3, "x": mx}, temperature=t, conserved={"X": x}, config=cfg)
    batch = eq.evaluate_batch(BATCH_SYSTEM, p)
    assert np.all(np.asarray(batch.status) == 0)
    model = BATCH_SYSTEM.model
    for i in range(n):
        single = eq.solve(
            model,
            {"B-L+X": 0.0, "X": x[i]},
            temperature=t[i],
            masses={"Q3": mq3[i], "x": mx[i]},
            mask=BATCH_SYSTEM.masks[cfg[i]],
        )
        np.testing.assert_allclose(
            np.asarray(batch.asymmetries[i]), np.asarray(single.asymmetries), rtol=1e-12, atol=1e-14
        )
        np.testing.assert_allclose(float(batch.charge("B")[i]), float(single.charge("B")), rtol=1e-12)


def test_status_flags_bad_points_without_poisoning_batch():
    t = jnp.array([100.0, -1.0, 100.0, jnp.nan, 100.0])
    mx = jnp.array([10.0, 10.0, 1e6, 10.0, 10.0])
    cfg = jnp.array([0, 0, 0, 0, 7])
    p = BATCH_SYSTEM.params(masses={"x": mx}, temperature=t, config=cfg)
    res = eq.evaluate_batch(BATCH_SYSTEM, p)
    # 0 ok; 2 T <= 0; 3 X carrier Boltzmann-suppressed (k = 0): singular; 1 non-finite; 2 config out of range
    assert list(np.asarray(res.status)) == [0, 2, 3, 1, 2]
    assert np.isfinite(float(res.charge("B")[0]))
    assert np.all(np.isnan(np.asarray(res.outputs[1:])))

    @jax.jit
    @jax.grad
    def grad_loss(mq3):
        q = BATCH_SYSTEM.params(masses={"x": mx, "Q3": mq3}, temperature=t, config=cfg)
        out = jax.vmap(eq.evaluate, in_axes=(None, 0))(BATCH_SYSTEM, q)
        return jnp.sum(jnp.where(out.status == 0, out.outputs[:, 0], 0.0))

    g = np.asarray(grad_loss(jnp.full(5, 150.0)))
    assert np.all(np.isfinite(g)) and g[0] != 0.0 and np.all(g[1:] == 0.0)  # only the good point contributes


def test_float32():
    """The hot path works in float32 (inputs float32 -> float32 outputs within 1e-5 of float64)."""
    p64 = BATCH_SYSTEM.params(masses={"Q3": 150.0, "x": 20.0}, temperature=100.0)
    p32 = jax.tree_util.tree_map(lambda a: a.astype(jnp.float32) if a.dtype == jnp.float64 else a, p64)
    r64 = eq.evaluate_batch(BATCH_SYSTEM, p64)
    r32 = eq.evaluate_batch(BATCH_SYSTEM, p32)
    assert r32.outputs.dtype == jnp.float32 and int(r32.status) == 0
    np.testing.assert_allclose(np.asarray(r32.outputs), np.asarray(r64.outputs), rtol=1e-5)


# ---------------------------------------------------------------- susceptibilities k as inputs
_K_MASSES = {"Q3": 90.0, "u3": 140.0, "H": 60.0}  # a heavy top doublet, top singlet and Higgs in the SM


def _k_of(species, m, t):
    stat = SM.species[SM.index(species)].statistics
    return kernels.asymmetry_factor(jnp.asarray(m) / t, stat)


def test_solve_with_k_equals_masses_and_mixes_with_them():
    """k = kernels.asymmetry_factor(m/T) gives the masses result (same arithmetic, bit for bit here); k and masses
    can be mixed, and a species given both, or an unknown species, is a clear ValueError."""
    t = 100.0
    ref = eq.solve(SM, {"B-L": 1.0}, temperature=t, masses=_K_MASSES, outputs=("B",))
    kk = {s: _k_of(s, m, t) for s, m in _K_MASSES.items()}
    res = eq.solve(SM, {"B-L": 1.0}, temperature=t, k=kk, outputs=("B",))
    assert int(res.status) == 0
    np.testing.assert_allclose(np.asarray(res.mu), np.asarray(ref.mu), rtol=1e-15, atol=0)
    np.testing.assert_allclose(np.asarray(res.outputs), np.asarray(ref.outputs), rtol=1e-15, atol=0)
    np.testing.assert_allclose(np.asarray(res.k), np.asarray(ref.k), rtol=1e-15, atol=0)
    mixed = eq.solve(
        SM, {"B-L": 1.0}, temperature=t, masses={"Q3": 90.0}, k={"u3": kk["u3"], "H": kk["H"]}, outputs=("B",)
    )
    np.testing.assert_allclose(np.asarray(mixed.outputs), np.asarray(ref.outputs), rtol=1e-14)
    with pytest.raises(ValueError, match=r"both a mass and k"):
        eq.solve(SM, {"B-L": 1.0}, temperature=t, masses={"Q3": 90.0}, k={"Q3": 0.5})
    with pytest.raises(ValueError, match=r"unknown species \['stop'\]"):
        eq.solve(SM, {"B-L": 1.0}, temperature=t, k={"stop": 0.5})
    with pytest.raises(ValueError, match="both a mass and k"):
        eq.prepare(SM, ["B-L"], mass_parameters=["Q3"], k_parameters=["Q3"])
    system = eq.prepare(SM, ["B-L"], k_parameters=["Q3"])
    with pytest.raises(ValueError, match="no k value"):
        system.params(conserved={"B-L": 1.0})
    bad = eq.evaluate(system, system.params(conserved={"B-L": 1.0}, k={"Q3": -0.5}))
    assert int(bad.status) == 2 and not np.isfinite(float(bad.mu[0]))


def test_k_gradient_and_batch():
    """d(B/(B-L))/dk against central finite differences; a batch of k (broadcast with the temperature) equals the
    loop over points."""
    system = eq.prepare(SM, {"B-L": 1.0}, mass_parameters=["Q3"], k_parameters=["u3", "H"], outputs=("B",))

    def b_of(ku3, kh, m=90.0, t=100.0):
        p = system.params(masses={"Q3": m}, temperature=t, k={"u3": ku3, "H": kh})
        return eq.evaluate(system, p).outputs[0]

    f = jax.jit(b_of)
    g = jax.jit(jax.grad(b_of, argnums=(0, 1)))
    x = (0.6, 1.3)
    grad = [float(v) for v in g(*x)]
    h = 1e-6
    fd = [
        (float(f(x[0] + h, x[1])) - float(f(x[0] - h, x[1]))) / (2 * h),
        (float(f(x[0], x[1] + h)) - float(f(x[0], x[1] - h))) / (2 * h),
    ]
    np.testing.assert_allclose(grad, fd, rtol=1e-7)
    assert all(abs(v) > 1e-4 for v in grad)
    ku3 = jnp.linspace(0.1, 1.0, 4)
    temps = jnp.asarray([80.0, 120.0, 150.0, 200.0])
    batch = eq.evaluate_batch(system, system.params(masses={"Q3": 90.0}, temperature=temps, k={"u3": ku3, "H": 1.5}))
    loop = [float(f(float(a), 1.5, 90.0, float(b))) for a, b in zip(ku3, temps)]
    np.testing.assert_allclose(np.asarray(batch.outputs[:, 0]), loop, rtol=1e-14)
    assert batch.k.shape == (4, SM.n_species)
    np.testing.assert_allclose(np.asarray(batch.k[:, SM.index("u3")]), np.asarray(ku3), rtol=0)


# ---------------------------------------------------------------- the hand-written JVP of the reduced solve
def _plain_autodiff_outputs(system, params):
    """Reference: the outputs of ``evaluate`` recomputed from the same building blocks (``_group_k``, ``_lincomb``,
    ``solve_small``) with plain JAX autodiff, no custom JVP (the k kernel keeps its own rule); good points only."""
    from jaxgen import _equilibrium as impl

    cfg = params.config
    kin = jnp.zeros((0,)) if params.k is None else params.k
    kg = impl._group_k(system, params.masses, params.temperature, kin)

    def pick(arr):
        return jnp.asarray(arr)[cfg]

    a = impl._lincomb(pick(system.a_const), kg, pick(system.a_group))
    sel = pick(system.select)
    rhs = impl._lincomb(jnp.zeros(sel.shape[:1]), params.charges, jnp.moveaxis(sel, 1, 0))
    xi, _ = kernels.solve_small(a, rhs)
    ob = impl._lincomb(pick(system.out_const), kg, pick(system.out_group))
    return ob @ xi


def test_custom_jvp_matches_plain_autodiff_fwd_rev_and_second_order():
    """evaluate's implicit-function JVP (dxi = A^-1 (S dc - dA xi)) equals plain autodiff of the same map: forward
    and reverse mode, w.r.t. masses, temperature, charges and k, mixed reaction masks (padded d) in one batch;
    the results themselves are unchanged; second derivatives (d^2/dT^2, through the rule) match the reference."""
    system = eq.prepare(
        models.with_hidden_sector(SM),
        {"B-L+X": 0.0, "X": -1.0},
        masks=[None, SM.mask(off=["yukawa_e1", "lepton_mixing*"]), SM.mask(off=["yukawa_e1"])],
        mass_parameters=["Q3", "x"],
        k_parameters=["H"],
        outputs=["B", "X"],
    )
    rng = np.random.default_rng(3)
    n = 6
    masses = jnp.asarray(rng.uniform(10.0, 300.0, size=(n, 2)))
    temps = jnp.asarray(rng.uniform(80.0, 400.0, size=n))
    kvals = jnp.asarray(rng.uniform(0.2, 1.0, size=n))
    cfg = jnp.asarray([0, 1, 2, 0, 1, 2])
    n_c = len(system.charge_names)
    assert len(set(system.dims)) > 1  # padded reduced systems

    def params(m, t, c, k, ci):
        p = system.params(masses={"Q3": m[0], "x": m[1]}, temperature=t, config=ci, k={"H": k})
        return eq.EquilibriumParams(masses=p.masses, temperature=p.temperature, charges=c, config=p.config, k=p.k)

    def new(m, t, c, k, ci):
        return eq.evaluate(system, params(m, t, c, k, ci)).outputs

    def ref(m, t, c, k, ci):
        return _plain_autodiff_outputs(system, params(m, t, c, k, ci))

    def derivatives(x, tangent, ci):
        """(values, reverse-mode gradients of both outputs, forward-mode tangent, d^2 B/dT^2) of new and ref, and
        the status: one jitted, vmapped program for all points (op-by-op it took ~60 s)."""
        out = {"status": eq.evaluate(system, params(*x, ci)).status}
        for name, fn in (("new", new), ("ref", ref)):
            out[name] = fn(*x, ci)
            out[name + "_grad"] = [
                jax.grad(lambda m, t, c, k, o=o, fn=fn: fn(m, t, c, k, ci)[o], argnums=(0, 1, 2, 3))(*x)
                for o in range(2)
            ]
            out[name + "_jvp"] = jax.jvp(lambda m, t, c, k, fn=fn: fn(m, t, c, k, ci), x, tangent)[1]
            out[name + "_hess"] = jax.grad(jax.grad(lambda t, fn=fn: fn(x[0], t, x[2], x[3], ci)[0]))(x[1])
        return out

    xs = (masses, temps, jnp.asarray(rng.uniform(0.2, 1.0, size=(n, n_c))), kvals)
    tangents = (
        jnp.tile(jnp.asarray([1.3, -0.7]), (n, 1)),
        jnp.full(n, 0.4),
        jnp.asarray(rng.normal(size=(n, n_c))),
        jnp.full(n, 0.3),
    )
    d = jax.jit(jax.vmap(derivatives))(xs, tangents, cfg)
    assert np.all(np.asarray(d["status"]) == 0)
    np.testing.assert_allclose(np.asarray(d["new"]), np.asarray(d["ref"]), rtol=1e-14, atol=1e-16)
    for i in range(n):
        for o in range(2):
            g_new = [np.asarray(a[i]) for a in d["new_grad"][o]]
            g_ref = [np.asarray(a[i]) for a in d["ref_grad"][o]]
            scale = max(float(np.max(np.abs(gr))) for gr in g_ref)  # one scale per output
            for gn, gr in zip(g_new, g_ref):
                np.testing.assert_allclose(gn, gr, rtol=1e-12, atol=1e-13 * scale)
            if o == 0:  # B depends on m_Q3 and T (X is a given charge: only dX/dc is non-zero)
                assert abs(float(g_new[0][0])) > 0 and abs(float(g_new[1])) > 0
        t_new, t_ref = np.asarray(d["new_jvp"][i]), np.asarray(d["ref_jvp"][i])
        np.testing.assert_allclose(t_new, t_ref, rtol=1e-12, atol=1e-12 * float(np.max(np.abs(t_ref))))
        np.testing.assert_allclose(float(d["new_hess"][i]), float(d["ref_hess"][i]), rtol=1e-9)


def test_custom_jvp_bad_points_have_zero_gradient_and_rcond_no_derivative():
    """Singular (status 3) and invalid points inside a vmapped gradient: their gradients are exactly 0 and finite,
    the good points' gradients match the reference; rcond carries no derivative (documented)."""
    t = jnp.array([100.0, 100.0, -1.0])
    mx = jnp.array([10.0, 1e6, 10.0])

    def loss(mq3):
        q = BATCH_SYSTEM.params(masses={"x": mx, "Q3": mq3}, temperature=t, config=jnp.zeros(3, jnp.int32))
        out = jax.vmap(eq.evaluate, in_axes=(None, 0))(BATCH_SYSTEM, q)
        return jnp.sum(jnp.where(out.status == 0, out.outputs[:, 0], 0.0)), out

    (_, out), g = jax.jit(jax.value_and_grad(loss, has_aux=True))(jnp.full(3, 150.0))
    assert list(np.asarray(out.status)) == [0, 3, 2]
    g = np.asarray(g)
    assert np.all(np.isfinite(g)) and g[0] != 0.0 and np.all(g[1:] == 0.0)
    rc = jax.jit(
        jax.grad(lambda tt: eq.evaluate(BATCH_SYSTEM, BATCH_SYSTEM.params(masses={"x": 10.0}, temperature=tt)).rcond)
    )
    assert float(rc(100.0)) == 0.0
