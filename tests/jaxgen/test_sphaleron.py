"""Sphaleron-timed baryon number (jaxgen._sphaleron) and its use in the Hall chain (HallSettings(sphalerons=...)).

Every numerical function is jitted once at module level and shared between the tests (the eager op-by-op calls of
the grid solver cost ~10 s per test)."""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import _sphaleron as sph
from jaxgen import constants as c
from jaxgen.cosmology import Cosmology
from jaxgen.scenarios.hall import HallParams, HallSettings, asymmetric_freezein, asymmetric_freezein_batch

COS = Cosmology()
TIMED = HallSettings(sphalerons="timed")
# the paper's printed treatment, eta_B = -c eta_X at any T (HMW eqs. 1.3, 3.1); no longer the default
INST = HallSettings(sphalerons="instantaneous")
_chain = jax.jit(asymmetric_freezein, static_argnums=1)


@functools.partial(jax.jit, static_argnames=("grid",))
def _timed(mass, width, dof, eps, grid=None):
    return sph.timed_baryon_asymmetry(mass, width, dof, eps, COS, grid=grid)


@jax.jit
def _eta_above(t, mass, width, dof, eps):
    """eta_X made above T (384-node Gauss-Legendre reference)."""
    return jnp.sum(eps * sph.freezein_above(t, mass, width, dof, COS, n_nodes=384))


_timing = jax.jit(lambda mass, width, dof, eps: sph.sphaleron_timing(mass, width, dof, eps, COS))


def _states(m_a=300.0, m_losp=100.0, lam=2.489e-9, eps=-3.5e-5):
    mass = jnp.array([m_a, m_losp])
    width = lam**2 * mass / (8 * math.pi)
    return mass, width, jnp.array([2.0, 2.0]), jnp.array([eps, 0.0])


def test_rate_branches_are_the_lattice_fits():
    # D'Onofrio, Rummukainen, Tranberg arXiv:1404.3565 (printed: 0.83 T/GeV - 147.7; 18 alpha_w^5)
    for t in (130.0, 140.0, 150.0):
        assert float(sph.log_sphaleron_rate(t)) == pytest.approx(0.83 * t - 147.7, abs=1e-6)
    assert float(sph.log_sphaleron_rate(200.0)) == pytest.approx(math.log(18 * c.ALPHA_W**5), abs=1e-6)
    g = jax.grad(lambda t: sph.log_sphaleron_rate(t))(161.0)  # smooth join: finite slope between 0 and 0.83
    assert 0.0 < float(g) < 0.83


def test_chi_and_gamma_b_rederived_with_sympy():
    """Module doc item 2 re-derived: chemical potentials, Gauss's law, condensate weight 6 v^2/T^2 on H0, W+- weight
    4; chi = B/(B-L) at mu_B = -mu_L and Gamma_B = N_f^2/2 * dDeltaF/dn_B (in units Gamma_sph/T^3)."""
    sp = pytest.importorskip("sympy")
    x2, muY, mu3, muB, muL, b, d = sp.symbols("x2 muY mu3 muB muL b d")
    r = sp.Rational
    species = []  # (weight, Y, T3, B, L)
    for _ in range(3):
        for _ in range(3):
            species += [(1, r(1, 6), r(1, 2), r(1, 3), 0), (1, r(1, 6), -r(1, 2), r(1, 3), 0)]
            species += [(1, r(2, 3), 0, r(1, 3), 0), (1, -r(1, 3), 0, r(1, 3), 0)]
        species += [(1, -r(1, 2), r(1, 2), 0, 1), (1, -r(1, 2), -r(1, 2), 0, 1), (1, -1, 0, 0, 1)]
    species += [(2, r(1, 2), r(1, 2), 0, 0), (2 + 6 * x2, r(1, 2), -r(1, 2), 0, 0), (4, 0, 1, 0, 0)]

    def dens(q):
        return sum(s[0] * s[q] * (s[1] * muY + s[2] * mu3 + s[3] * muB + s[4] * muL) for s in species)

    gauge = sp.solve([sp.sympify(dens(1)), sp.sympify(dens(2))], [muY, mu3], dict=True)[0]
    n_b, n_l = sp.sympify(dens(3)).subs(gauge), sp.sympify(dens(4)).subs(gauge)
    chi = sp.simplify((n_b / (n_b - n_l)).subs(muB, -muL))
    sol = sp.solve([n_b - b, n_b - n_l - d], [muB, muL], dict=True)[0]
    coef = sp.simplify(3 * r(1, 2) * 6 * sp.diff(3 * (sol[muB] + sol[muL]), b))
    for v in (0.0, 0.3, 1.0, 2.5):
        t = 100.0
        vev = v * t
        x2v = (vev / t) ** 2
        assert float(chi.subs(x2, x2v)) == pytest.approx(4 * (77 + 27 * x2v) / (869 + 333 * x2v), rel=1e-14)
        assert float(coef.subs(x2, x2v)) == pytest.approx(9 * (869 + 333 * x2v) / (792 + 306 * x2v), rel=1e-14)
    assert sp.limit(chi, x2, sp.oo) == r(12, 37) and chi.subs(x2, 0) == r(28, 79)  # Harvey-Turner both ends
    assert float(sph.equilibrium_ratio(300.0)) == pytest.approx(28 / 79, rel=1e-12)
    assert float(sph.equilibrium_ratio(5.0)) == pytest.approx(12 / 37, rel=2e-3)
    assert float(sph.relaxation_coefficient(300.0)) == pytest.approx(79 / 8, rel=1e-12)


def test_freeze_out_temperature_from_rate_and_hubble():
    # arXiv:1404.3565 prints T* = 131.7 +- 2.3 GeV (Gamma_B = H); ours with jaxgen's H(T), g_*(T): 131.5 GeV
    t_star = float(sph.freeze_out_temperature(COS))
    assert t_star == pytest.approx(sph.T_STAR_LATTICE, abs=2.3)
    assert t_star == pytest.approx(131.53, abs=0.05)
    assert float(sph.baryon_relaxation_rate(t_star)) == pytest.approx(float(COS.hubble(t_star)), rel=1e-9)


def test_limits_all_above_and_all_below():
    no_vev = sph.SphaleronGrid(vev=False)
    mass, width, dof, eps = _states(m_a=2.0e4, m_losp=1.5e4)  # all production far above T*
    full = _eta_above(1e-6, mass, width, dof, eps)
    r = _timed(mass, width, dof, eps, grid=no_vev)
    assert float(r.eta_b) == pytest.approx(-28 / 79 * float(full), rel=1e-6)
    r = _timed(mass, width, dof, eps)  # with v(T): chi at freeze-out
    assert float(-r.eta_b / full) == pytest.approx(0.34692, abs=2e-5)
    mass, width, dof, eps = _states(m_a=0.5, m_losp=0.3)  # all production far below T*
    full = _eta_above(1e-6, mass, width, dof, eps)
    r = _timed(mass, width, dof, eps)
    assert abs(float(r.eta_b / full)) < 1e-8


def test_history_integrates_to_the_chain_eta_x():
    p = HallParams.benchmark()
    pred = _chain(p, TIMED)
    mass, width, dof, eps = _states(eps=float(pred.epsilon[0]))
    full = _eta_above(1e-6, mass, width, dof, eps)
    assert float(full) == pytest.approx(float(pred.eta_x), rel=3e-6)
    r = _timed(mass, width, dof, eps)
    low = _eta_above(100.0, mass, width, dof, eps)
    assert float(r.eta_x_grid[-1]) == pytest.approx(float(low), rel=3e-5)  # trapezoid on the grid vs quadrature


def test_grid_convergence_and_tables_vs_direct():
    mass, width, dof, eps = _states()
    ref = _timed(mass, width, dof, eps, grid=sph.SphaleronGrid(n_nodes=4097))
    r = _timed(mass, width, dof, eps)
    assert float(r.eta_b) == pytest.approx(float(ref.eta_b), rel=1e-6)
    tab_b, tab_star = _timing(mass, width, dof, eps)
    assert float(tab_b) == pytest.approx(float(r.eta_b), rel=3e-5)  # direct path: 96 nodes above, ~1e-5
    assert float(tab_star) == pytest.approx(float(r.eta_x_above_star), rel=3e-5)


def test_response_lookup_gradient_vs_central_differences():
    """The response splines' custom JVP (one gather for value and slope) vs central differences (h = 1e-6 m), in
    reverse and forward mode; zero slope where the table is exactly constant (all production above t_high)."""
    m = jnp.array([20.0, 150.0, 300.0, 1234.5, 5.0e4])

    def resp(x):
        return jnp.stack(sph.sphaleron_response(x, COS))  # (2, n)

    rev = jax.jit(jax.vmap(jax.grad(lambda x: resp(x[None])[:, 0] @ jnp.array([1.0, 10.0]))))(m)
    fwd = jax.jit(lambda x: jax.jvp(resp, (x,), (jnp.ones_like(x),))[1])(m)
    h = 1e-6 * m
    fd = (resp(m + h) - resp(m - h)) / (2 * h)
    np.testing.assert_allclose(np.asarray(fwd), np.asarray(fd), rtol=1e-6, atol=1e-18)
    np.testing.assert_allclose(np.asarray(rev), np.asarray(fd[0] + 10.0 * fd[1]), rtol=1e-6, atol=1e-18)
    assert float(fwd[0, -1]) == 0.0 and float(fwd[1, -1]) == 0.0


def test_chain_timed_benchmark_and_settings():
    """The sphaleron-timed chain is the default (issue 15); the instantaneous option is HMW's B = c (B - L)."""
    assert HallSettings().sphalerons == "timed" and HallSettings() == TIMED
    p = HallParams.benchmark()
    inst = _chain(p, INST)
    timed = _chain(p, TIMED)
    assert float(inst.baryon_to_x_ratio) == pytest.approx(28 / 79, rel=1e-12)
    assert float(inst.fraction_above_sphaleron) == pytest.approx(float(timed.fraction_above_sphaleron), rel=1e-12)
    assert float(timed.fraction_above_sphaleron) == pytest.approx(0.2832, abs=1e-4)
    assert float(timed.baryon_to_x_ratio) == pytest.approx(0.09196, abs=1e-5)
    assert float(timed.m_x_required) == pytest.approx(
        float(timed.baryon_to_x_ratio) * c.M_PROTON * c.PLANCK_2018.dm_to_baryon, rel=1e-12
    )
    assert float(timed.eta_x) == float(inst.eta_x) and int(timed.status) == 0
    with pytest.raises(ValueError, match="sphalerons"):
        HallSettings(sphalerons="fast")


def test_chain_timed_gradient_and_batch():
    """Reverse-mode gradient of the default (timed) eta_B vs central differences; batched == looped."""
    p = HallParams.benchmark()

    @jax.jit
    def f(lam, m_a):
        q = HallParams.benchmark(lam=lam, m_a=jnp.atleast_1d(m_a))
        return asymmetric_freezein(q).eta_b * 1e11  # the default settings: sphaleron-timed

    lam, m_a = 2.489e-9, 300.0
    g = jax.jit(jax.grad(f, argnums=(0, 1)))(lam, m_a)
    for k, (x, h) in enumerate(((lam, 1e-13), (m_a, 1e-3))):
        args = [lam, m_a]
        args[k] = x + h
        up = f(*args)
        args[k] = x - h
        dn = f(*args)
        assert float(g[k]) == pytest.approx(float((up - dn) / (2 * h)), rel=1e-5)
    lams, mas = np.array([1e-9, 2.5e-9, 4e-9]), np.array([200.0, 300.0, 800.0])
    batch = asymmetric_freezein_batch(HallParams.batch(base=p, lam=lams, m_a=mas[:, None]))
    for i in range(3):
        one = _chain(HallParams.benchmark(lam=lams[i], m_a=mas[i : i + 1]), TIMED)
        assert float(batch.eta_b[i]) == pytest.approx(float(one.eta_b), rel=1e-12)
        assert float(batch.fraction_above_sphaleron[i]) == pytest.approx(float(one.fraction_above_sphaleron), rel=1e-12)
