"""Structure-exploiting fast paths against their references.

* ``freezein_table`` / ``hidden_energy_integral`` (precomputed ln-m convolutions) against the converged node
  quadrature (8192 Gauss-Legendre nodes);
* ``solve_freezein(solver="collocation")`` (fixed-grid Radau IIA of the linear inverse-decay equations) against
  diffrax Kvaerno5 at tight tolerances, non-thermal / thermalising / stiff;
* ``washout_factor(solver="collocation")`` against Kvaerno5 at rtol 1e-11;
* gradients against finite differences, batched == looped, bad points flagged (never NaN).
Kept small: one compile per function and batch shape.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import _freezein_tables as ft
from jaxgen import constants as fi_c
from jaxgen import freezein as fi
from jaxgen import washout as wo
from jaxgen._freezein import STATUS_BAD_INPUT
from jaxgen.cosmology import Cosmology, ExtraSpecies

SS = Cosmology()
CONST = Cosmology(table="constant")
MASSES = np.array([1e-10, 3e-3, 0.5, 7.0, 90.0, 170.0, 2e3, 5e5, 1e10])  # in, across and beyond the g* table


def _batch_params(masses, width=1e-20):
    n = len(masses)
    return fi.FreezeInParams.batch(
        mass=np.asarray(masses)[:, None],
        width=np.full((n, 1), width),
        dof=np.full((n, 1), 2.0),
        eps=np.full((n, 1), 1e-2),
    )


def _converged_yield(masses, widths, statistics, n=8192):
    """sum_A 45 g Gamma M_Pl/(4 pi^4 m^2) * (8192-node Gauss-Legendre of x^4 S_1 G) (no cumulative matrix)."""
    t, w, k = ft._node_rule("yield", statistics, n, -8.0, 4.2)
    temps = jnp.asarray(masses)[:, None] * jnp.exp(-jnp.asarray(t))
    integral = np.asarray((k * ft._factor_jax("yield", SS, temps)) @ w)
    return 45.0 / (4.0 * np.pi**4) * fi_c.M_PLANCK * 2.0 * widths / masses**2 * integral


@pytest.mark.parametrize("statistics", ["mb", "fermion"])
def test_table_matches_converged_quadrature(statistics):
    p = _batch_params(MASSES)
    ref = _converged_yield(MASSES, 1e-20, statistics)
    tab = jax.jit(
        jax.vmap(lambda q: fi.freezein_table(q, SS, fi.FreezeInSettings(statistics=statistics, compute_x_half=False)))
    )(p)
    np.testing.assert_allclose(np.asarray(tab.yield_x), ref, rtol=1e-7, atol=0)
    np.testing.assert_allclose(np.asarray(tab.eta_x), 1e-2 * ref, rtol=1e-7, atol=0)
    assert np.all(np.asarray(tab.status) == 0)
    quad = jax.vmap(
        lambda q: fi.freezein_quadrature(q, SS, fi.FreezeInSettings(statistics=statistics, compute_x_half=False))
    )(p)  # the 384-node default: ~3e-6 off
    np.testing.assert_allclose(np.asarray(quad.yield_x), ref, rtol=2e-5)


def test_table_midpoints_and_energy_integral():
    """Spline between grid points (mid-points) and the heating integral, against the 8192-node rule."""
    u0, delta, u, _, _ = ft.convolution_table("saikawa_shirai", "yield", "mb")
    mid = np.exp(u[100:-100:97] + 0.5 * delta)
    for kind, fn in (("yield", ft.freezein_integral), ("energy", ft.hidden_energy_integral)):
        t, w, k = ft._node_rule(kind, "boson", 8192, -8.0, 4.2)
        temps = jnp.asarray(mid)[:, None] * jnp.exp(-jnp.asarray(t))
        ref = np.asarray((k * ft._factor_jax(kind, SS, temps)) @ w)
        np.testing.assert_allclose(np.asarray(fn(jnp.asarray(mid), SS, "boson")), ref, rtol=1e-7)


def test_table_constant_and_fallback_are_the_quadrature():
    p = _batch_params(MASSES[1:-1])
    s = fi.FreezeInSettings(compute_x_half=False)
    for cosmo in (CONST, Cosmology(extra=ExtraSpecies(mass=500.0, dof=4.0, statistics="boson"))):
        ref = jax.vmap(lambda q, cosmo=cosmo: fi.freezein_quadrature(q, cosmo, s))(p)
        tab = jax.vmap(lambda q, cosmo=cosmo: fi.freezein_table(q, cosmo, s))(p)
        np.testing.assert_allclose(np.asarray(tab.yield_x), np.asarray(ref.yield_x), rtol=5e-12)
    assert ft.is_tabulated(SS) and not ft.is_tabulated(Cosmology(extra=ExtraSpecies(mass=1.0, dof=1.0)))


def test_table_gradient_batch_and_bad_points():
    s = fi.FreezeInSettings(compute_x_half=False)
    f = jax.jit(lambda m, g: fi.freezein_table(fi.FreezeInParams(mass=m, width=g, dof=2.0), SS, s).yield_x)
    for m in (90.0, 250.0, 3e4):
        gm, gg = jax.grad(f, argnums=(0, 1))(m, 1e-20)
        h = 1e-5 * m
        fd = (f(m + h, 1e-20) - f(m - h, 1e-20)) / (2 * h)
        np.testing.assert_allclose(gm, fd, rtol=1e-6)
        np.testing.assert_allclose(gg, f(m, 1e-20) / 1e-20, rtol=1e-12)
    p = _batch_params([100.0, 1.0, 1.0, 300.0])
    bad_mass = jnp.asarray([[100.0], [-1.0], [jnp.nan], [300.0]])  # traced: the constructor checks do not see it
    out = jax.jit(jax.vmap(lambda q, m: fi.freezein_table(eqx.tree_at(lambda r: r.mass, q, m), SS, s)))(p, bad_mass)
    assert np.asarray(out.status).tolist() == [0, STATUS_BAD_INPUT, STATUS_BAD_INPUT, 0]
    assert np.all(np.isfinite(np.asarray(out.yield_x)))
    loop = [
        float(fi.freezein_table(fi.FreezeInParams(mass=m, width=1e-20, dof=2.0, eps=1e-2), SS, s).yield_x)
        for m in (100.0, 300.0)
    ]
    np.testing.assert_allclose(np.asarray(out.yield_x)[[0, 3]], loop, rtol=1e-14)


# ---------------------------------------------------------------------------------------------------------------
# inverse decays: collocation vs diffrax
# ---------------------------------------------------------------------------------------------------------------
_ID_CASES = fi.FreezeInParams.batch(  # non-thermal, thermalising, stiff (Gamma/H ~ 1e6 at production)
    mass=[[500.0], [500.0], [500.0]],
    width=[[1e-20], [1e-14], [1e-12]],
    dof=2.0,
    eps=[[1e-2], [1e-2], [-3e-3]],
    m_x=[5.0, 5.0, 50.0],
    g_x=2.0,
    temperature_ratio=[1.0, 1.0, 0.7],
    y0=[0.0, 0.0, 1e-4],
)


@pytest.fixture(scope="module")
def id_results():
    ref = jax.jit(
        jax.vmap(
            lambda q: fi.solve_freezein(
                q, CONST, fi.FreezeInSettings(inverse_decays=True, rtol=1e-11, atol_rel=1e-11, max_steps=20000)
            )
        )
    )(_ID_CASES)
    col = jax.jit(
        jax.vmap(
            lambda q: fi.solve_freezein(
                q, CONST, fi.FreezeInSettings(inverse_decays=True, solver="collocation", n_save=5)
            )
        )
    )(_ID_CASES)
    return ref, col


def test_collocation_matches_diffrax(id_results):
    ref, col = id_results
    assert np.all(np.asarray(ref.status) == 0) and np.all(np.asarray(col.status) == 0)
    np.testing.assert_allclose(np.asarray(col.yield_x), np.asarray(ref.yield_x), rtol=1e-8)
    np.testing.assert_allclose(np.asarray(col.eta_x), np.asarray(ref.eta_x), rtol=1e-8)
    np.testing.assert_allclose(np.asarray(col.x_half), np.asarray(ref.x_half), rtol=1e-6)
    assert np.asarray(col.y).shape == (3, 5) and np.all(np.isfinite(np.asarray(col.y)))
    np.testing.assert_allclose(np.asarray(col.y)[:, -1], np.asarray(col.yield_x), rtol=1e-12)


def test_collocation_gradient_and_bad_point():
    s = fi.FreezeInSettings(inverse_decays=True, solver="collocation", compute_x_half=False)

    def f(w, m):
        return fi.solve_freezein(fi.FreezeInParams(mass=m, width=w, dof=2.0, eps=1e-2, m_x=5.0), CONST, s).yield_x

    f = jax.jit(f)
    gw, gm = jax.grad(f, argnums=(0, 1))(1e-14, 500.0)
    np.testing.assert_allclose(gw, (f(1e-14 * (1 + 1e-5), 500.0) - f(1e-14 * (1 - 1e-5), 500.0)) / 2e-19, rtol=1e-6)
    np.testing.assert_allclose(gm, (f(1e-14, 500.0 + 5e-3) - f(1e-14, 500.0 - 5e-3)) / 1e-2, rtol=1e-5)
    bad = jax.jit(
        jax.vmap(lambda w: fi.solve_freezein(fi.FreezeInParams(mass=500.0, width=w, dof=2.0, m_x=5.0), CONST, s))
    )(jnp.asarray([1e-14, -1.0, jnp.nan]))
    assert np.asarray(bad.status).tolist()[1:] == [STATUS_BAD_INPUT] * 2 and int(bad.status[0]) == 0
    assert np.all(np.isfinite(np.asarray(bad.yield_x)))


# ---------------------------------------------------------------------------------------------------------------
# washout: collocation vs diffrax
# ---------------------------------------------------------------------------------------------------------------
_WO = wo.WashoutParams.batch(
    m_nlsp=[1e3, 300.0, 5e3, 1e3, 2e3], m_majorana=[1e4, 1e-3, 1e-9, 3e-6, 1.0], m_dirac=[0.0, 0.0, 0.0, 2e4, 0.0]
)


@pytest.mark.parametrize("target", [True, False])
def test_washout_collocation_matches_diffrax(target):
    ref = jax.jit(
        jax.vmap(
            lambda q: wo.washout_factor(q, SS, equilibrium_target=target, rtol=1e-11, atol=1e-14, max_steps=100000)
        )
    )(_WO)
    col = jax.jit(jax.vmap(lambda q: wo.washout_factor(q, SS, equilibrium_target=target, solver="collocation")))(_WO)
    assert np.all(np.asarray(ref.status) == np.asarray(col.status))
    e_r, e_c = np.asarray(ref.epsilon), np.asarray(col.epsilon)
    assert e_r.min() < 1e-6 and e_r.max() > 0.9  # strong and weak washout both covered
    if target:
        np.testing.assert_allclose(e_c, e_r, rtol=3e-7, atol=1e-300)
    else:  # epsilon = exp(-int rho): the exponent (up to ~540 here) is what is integrated, to ~1e-7 relative
        pos = e_r > 0
        np.testing.assert_allclose(np.log(e_c[pos]), np.log(e_r[pos]), rtol=2e-7)
        assert np.all(e_c[~pos] < 1e-300)


def test_washout_collocation_gradient_and_bad_point():
    f = jax.jit(
        lambda mm: wo.washout_factor(wo.WashoutParams(m_nlsp=1e3, m_majorana=mm), SS, solver="collocation").epsilon
    )
    for mm in (1e-6, 3e-5):
        g = jax.grad(f)(mm)
        # the grid follows z_f(m_majorana) but is held fixed under differentiation: the finite difference also
        # sees the grid move (a change of the ~1e-7 discretisation error), hence the looser tolerance
        np.testing.assert_allclose(g, (f(mm * (1 + 1e-5)) - f(mm * (1 - 1e-5))) / (2e-5 * mm), rtol=2e-4)
    out = jax.jit(
        jax.vmap(lambda m: wo.washout_factor(wo.WashoutParams(m_nlsp=m, m_majorana=1e-6), SS, solver="collocation"))
    )(jnp.asarray([1e3, -1.0, jnp.nan]))
    assert (np.asarray(out.status)[1:] & wo.STATUS_BAD_INPUT).all() and int(out.status[0]) == 0
    assert np.all(np.isfinite(np.asarray(out.epsilon)))
