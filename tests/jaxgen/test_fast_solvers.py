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
    s = fi.FreezeInSettings(statistics=statistics, compute_x_half=False)
    # table and quadrature in one jit (a bare vmap of the quadrature runs op by op: ~5 s against ~1 s jitted)
    tab, quad = jax.jit(jax.vmap(lambda q: (fi.freezein_table(q, SS, s), fi.freezein_quadrature(q, SS, s))))(p)
    np.testing.assert_allclose(np.asarray(tab.yield_x), ref, rtol=1e-7, atol=0)
    np.testing.assert_allclose(np.asarray(tab.eta_x), 1e-2 * ref, rtol=1e-7, atol=0)
    assert np.all(np.asarray(tab.status) == 0)
    # the 384-node default quadrature: ~3e-6 off
    np.testing.assert_allclose(np.asarray(quad.yield_x), ref, rtol=2e-5)


def test_table_midpoints_and_energy_integral():
    """Spline between grid points (mid-points) and the heating integral, against the 8192-node rule."""
    u0, delta, u, _, _ = ft.convolution_table("saikawa_shirai", "yield", "mb")
    mid = np.exp(u[100:-100:97] + 0.5 * delta)
    for kind, fn in (("yield", ft.freezein_integral), ("energy", ft.hidden_energy_integral)):
        t, w, k = ft._node_rule(kind, "boson", 8192, -8.0, 4.2)
        temps = jnp.asarray(mid)[:, None] * jnp.exp(-jnp.asarray(t))
        ref = np.asarray((k * ft._factor_jax(kind, SS, temps)) @ w)
        got = jax.jit(lambda x, fn=fn: fn(x, SS, "boson"))(jnp.asarray(mid))  # jitted: op by op it took ~2 s
        np.testing.assert_allclose(np.asarray(got), ref, rtol=1e-7)


def test_table_constant_and_fallback_are_the_quadrature():
    p = _batch_params(MASSES[1:-1])
    s = fi.FreezeInSettings(compute_x_half=False)
    for cosmo in (CONST, Cosmology(extra=ExtraSpecies(mass=500.0, dof=4.0, statistics="boson"))):
        # both in one jit per cosmology: under a bare vmap they ran op by op (~9 s against ~1-4 s jitted)
        ref, tab = jax.jit(
            jax.vmap(lambda q, cosmo=cosmo: (fi.freezein_quadrature(q, cosmo, s), fi.freezein_table(q, cosmo, s)))
        )(p)
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
def _strong(p):
    """Every leaf a float64 array that is not weakly typed: the batch helpers keep Python-scalar fields weakly typed,
    and a weak-type difference is a different compile (the batches below are meant to share one)."""
    return jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), p)


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
_ID_CASES = _strong(_ID_CASES)


_ID_SETTINGS = fi.FreezeInSettings(inverse_decays=True, solver="collocation", n_save=5)


def _id_yield_and_result(width, mass, q):
    r = fi.solve_freezein(eqx.tree_at(lambda t: (t.width, t.mass), q, (width, mass)), CONST, _ID_SETTINGS)
    return r.yield_x, r


#: the collocation batch of 3 with d yield_x/d(width, mass) of every lane, in ONE compile (the value-and-gradient
#: program contains the primal one: a separate jax.grad compile cost as much again, ~12 s): the diffrax
#: comparison, the gradient and its finite differences, and the bad points.  ((yield_x, result), (d/d width,
#: d/d mass)) per lane.
_id_vg = jax.jit(jax.vmap(jax.value_and_grad(_id_yield_and_result, argnums=(0, 1), has_aux=True)))


def _id_col(p):
    """The batched collocation result (the aux of _id_vg)."""
    return _id_vg(p.width, p.mass, p)[0][1]


@pytest.fixture(scope="module")
def id_results():
    ref = jax.jit(
        jax.vmap(
            lambda q: fi.solve_freezein(
                q, CONST, fi.FreezeInSettings(inverse_decays=True, rtol=1e-11, atol_rel=1e-11, max_steps=20000)
            )
        )
    )(_ID_CASES)
    return ref, _id_col(_ID_CASES)


def test_collocation_matches_diffrax(id_results):
    ref, col = id_results
    assert np.all(np.asarray(ref.status) == 0) and np.all(np.asarray(col.status) == 0)
    np.testing.assert_allclose(np.asarray(col.yield_x), np.asarray(ref.yield_x), rtol=1e-8)
    np.testing.assert_allclose(np.asarray(col.eta_x), np.asarray(ref.eta_x), rtol=1e-8)
    np.testing.assert_allclose(np.asarray(col.x_half), np.asarray(ref.x_half), rtol=1e-6)
    assert np.asarray(col.y).shape == (3, 5) and np.all(np.isfinite(np.asarray(col.y)))
    np.testing.assert_allclose(np.asarray(col.y)[:, -1], np.asarray(col.yield_x), rtol=1e-12)


def _id_points(widths, masses):
    """A 3-point batch shaped like _ID_CASES (the shared collocation compile), FreezeInParams defaults otherwise;
    width and mass set after construction (eqx.tree_at), so bad values reach the solver's own checks."""
    p = fi.FreezeInParams.batch(mass=[[500.0]] * 3, width=[[1e-14]] * 3, dof=2.0, eps=1e-2, m_x=5.0, g_x=2.0)
    p = eqx.tree_at(lambda q: q.width, p, jnp.asarray(widths, jnp.float64)[:, None])
    return _strong(eqx.tree_at(lambda q: q.mass, p, jnp.asarray(masses, jnp.float64)[:, None]))


def test_collocation_gradient_and_bad_point():
    # reverse-mode d yield_x/d(width, mass) at (1e-14, 500 GeV) from the shared value-and-gradient batch (lane 1
    # of the second batch, the unshifted point), against central differences (relative step 1e-5 in the width,
    # 5e-3 GeV in the mass) through the same batch
    pts = [
        _id_points(w, m)
        for w, m in (
            ([1e-14 * (1 + 1e-5), 1e-14 * (1 - 1e-5), 1e-14], [500.0, 500.0, 500.0 + 5e-3]),
            ([1e-14, 1e-14, 1e-14], [500.0 - 5e-3, 500.0, 500.0]),
        )
    ]
    outs = [_id_vg(q.width, q.mass, q) for q in pts]
    fd = [np.asarray(o[0][0]) for o in outs]
    gw, gm = (float(np.asarray(g)[1, 0]) for g in outs[1][1])
    np.testing.assert_allclose(fd[1], np.asarray(outs[1][0][1].yield_x), rtol=0)  # the value is the aux's yield
    np.testing.assert_allclose(gw, (fd[0][0] - fd[0][1]) / 2e-19, rtol=1e-6)
    np.testing.assert_allclose(gm, (fd[0][2] - fd[1][0]) / 1e-2, rtol=1e-5)
    bad = _id_col(_id_points([1e-14, -1.0, jnp.nan], [500.0, 500.0, 500.0]))
    assert np.asarray(bad.status).tolist()[1:] == [STATUS_BAD_INPUT] * 2 and int(bad.status[0]) == 0
    assert np.all(np.isfinite(np.asarray(bad.yield_x)))
    # the good lane is unaffected by the bad ones: the same value as in the finite-difference batch
    np.testing.assert_allclose(np.asarray(bad.yield_x)[0], fd[1][1], rtol=1e-12)


def test_collocation_end_values_custom_jvp_equals_plain_autodiff():
    """_colloc_end (the end values with their hand-written JVP, used when no dense output is asked for) against
    plain autodiff of _colloc_linear on the same inputs: values identical, forward-mode (jvp) and reverse-mode (vjp)
    derivatives along random directions in every input to 1e-10, for a non-stiff and a stiff coefficient set."""
    from jaxgen._freezein import _colloc_end, _colloc_linear

    rng = np.random.default_rng(5)
    n_p, q = 6, 5

    def plain(h, lam, src, kappa, src_v, u0, v0):
        u, v, *_ = _colloc_linear(h, lam, src, u0, kappa=kappa, src_v=src_v, v0=v0)
        return u, v

    for scale in (0.3, 40.0):  # h lam ~ 0.1 and ~ 10 per panel
        args = (
            jnp.asarray(rng.uniform(0.2, 0.4, n_p)),
            jnp.asarray(scale * rng.uniform(0.5, 1.5, (n_p, q))),
            jnp.asarray(rng.uniform(0.5, 1.5, (n_p, q))),
            jnp.asarray(rng.uniform(-1.0, 1.0, (n_p, q))),
            jnp.asarray(rng.uniform(-1.0, 1.0, (n_p, q))),
            jnp.asarray(0.3),
            jnp.asarray(-0.1),
        )
        dirs = tuple(jnp.asarray(rng.normal(size=np.shape(a))) for a in args)
        v_new, t_new = jax.jvp(_colloc_end, args, dirs)
        v_ref, t_ref = jax.jvp(plain, args, dirs)
        np.testing.assert_allclose(np.asarray(v_new), np.asarray(v_ref), rtol=1e-14)
        np.testing.assert_allclose(np.asarray(t_new), np.asarray(t_ref), rtol=1e-10, atol=1e-13)
        ct = (jnp.asarray(0.7), jnp.asarray(-1.3))
        g_new = jax.vjp(_colloc_end, *args)[1](ct)
        g_ref = jax.vjp(plain, *args)[1](ct)
        for gn, gr in zip(g_new, g_ref):
            np.testing.assert_allclose(np.asarray(gn), np.asarray(gr), rtol=1e-10, atol=1e-13)


# ---------------------------------------------------------------------------------------------------------------
# washout: collocation vs diffrax
# ---------------------------------------------------------------------------------------------------------------
_WO = _strong(
    wo.WashoutParams.batch(
        m_nlsp=[1e3, 300.0, 5e3, 1e3, 2e3], m_majorana=[1e4, 1e-3, 1e-9, 3e-6, 1.0], m_dirac=[0.0, 0.0, 0.0, 2e4, 0.0]
    )
)


def _wo_eps_and_result(m_majorana, q, target=True):
    r = wo.washout_factor(
        eqx.tree_at(lambda t: t.m_majorana, q, m_majorana), SS, equilibrium_target=target, solver="collocation"
    )
    return r.epsilon, r


#: the collocation washout batch of 5 with the equilibrium target and d epsilon/d m_majorana of every lane, in ONE
#: compile (the value-and-gradient program contains the primal one; a separate jax.grad compile cost ~7 s): the
#: diffrax comparison, the gradient, its finite differences and the bad points.  ((epsilon, result), d/d M_M).
_wo_vg = jax.jit(jax.vmap(jax.value_and_grad(_wo_eps_and_result, has_aux=True)))

#: the collocation washout batch of 5 with and without the equilibrium target (one compile each)
_wo_col = {
    True: lambda p: _wo_vg(p.m_majorana, p)[0][1],
    False: jax.jit(jax.vmap(lambda q: _wo_eps_and_result(q.m_majorana, q, target=False)[1])),
}


@pytest.mark.parametrize("target", [True, False])
def test_washout_collocation_matches_diffrax(target):
    # with the target, Kvaerno5 at rtol 1e-10 (atol 1e-13) is within 1.8e-8 of rtol 1e-12 (1.6e-8 of rtol 1e-11
    # on the two points where rtol 1e-12 runs out of steps), >= 16x below the 3e-7 asserted, and steps 1.5 s
    # instead of 3.8 s at rtol 1e-11 (the compile, ~14 s, is the same); the pure decay steps in 0.01 s: rtol 1e-11
    rtol, atol = (1e-10, 1e-13) if target else (1e-11, 1e-14)
    ref = jax.jit(
        jax.vmap(lambda q: wo.washout_factor(q, SS, equilibrium_target=target, rtol=rtol, atol=atol, max_steps=100000))
    )(_WO)
    col = _wo_col[target](_WO)
    assert np.all(np.asarray(ref.status) == np.asarray(col.status))
    e_r, e_c = np.asarray(ref.epsilon), np.asarray(col.epsilon)
    assert e_r.min() < 1e-6 and e_r.max() > 0.9  # strong and weak washout both covered
    if target:
        np.testing.assert_allclose(e_c, e_r, rtol=3e-7, atol=1e-300)
    else:  # epsilon = exp(-int rho): the exponent (up to ~540 here) is what is integrated, to ~1e-7 relative
        pos = e_r > 0
        np.testing.assert_allclose(np.log(e_c[pos]), np.log(e_r[pos]), rtol=2e-7)
        assert np.all(e_c[~pos] < 1e-300)


def _wo_points(m_nlsp, m_majorana):
    """A 5-point batch shaped like _WO (the shared compile); fields set after construction (eqx.tree_at), so bad
    values reach the solver's own checks."""
    p = wo.WashoutParams.batch(m_nlsp=[1e3] * 5, m_majorana=[1.0] * 5, m_dirac=[0.0] * 5)
    p = eqx.tree_at(lambda q: q.m_nlsp, p, jnp.asarray(m_nlsp, jnp.float64))
    return _strong(eqx.tree_at(lambda q: q.m_majorana, p, jnp.asarray(m_majorana, jnp.float64)))


def test_washout_collocation_gradient_and_bad_point():
    # two batches of the shared value-and-gradient compile: two central differences (relative step 1e-5), a
    # negative and a NaN NLSP mass, and the reverse-mode gradients at the two unshifted points (lanes 1, 2 of out2)
    h = 1e-5
    m1, m2 = 1e-6, 3e-5
    p1 = _wo_points([1e3, 1e3, 1e3, -1.0, jnp.nan], [m1 * (1 + h), m1 * (1 - h), m2 * (1 + h), m1, m1])
    p2 = _wo_points([1e3] * 5, [m2 * (1 - h), m1, m2, m1, m2])
    (_, out), _ = _wo_vg(p1.m_majorana, p1)
    (_, out2), grads = _wo_vg(p2.m_majorana, p2)
    eps, eps2 = np.asarray(out.epsilon), np.asarray(out2.epsilon)
    for mm, up, dn, g in ((m1, eps[0], eps[1], grads[1]), (m2, eps[2], eps2[0], grads[2])):
        # the grid follows z_f(m_majorana) but is held fixed under differentiation: the finite difference also
        # sees the grid move (a change of the ~1e-7 discretisation error), hence the looser tolerance
        np.testing.assert_allclose(g, (up - dn) / (2 * h * mm), rtol=2e-4)
    assert (np.asarray(out.status)[3:] & wo.STATUS_BAD_INPUT).all() and (np.asarray(out.status)[:3] == 0).all()
    assert np.all(np.isfinite(eps)) and (np.asarray(out2.status) == 0).all()
    np.testing.assert_array_equal(eps2[[1, 2]], eps2[[3, 4]])  # lanes are independent
