"""Tests of the hidden-sector temperature after freeze-in (jaxgen._hidden_sector; Hall et al. 2010 eq. (5.2))."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import kn

from jaxgen import constants as c
from jaxgen import freezeout as fo

hidden_batch = jax.jit(jax.vmap(fo.hidden_temperature))


def _params(m, width, g_a=2.0, g_x=10.0, f=0.5):
    arr = lambda v: jnp.asarray(v, dtype=jnp.float64)  # noqa: E731
    m, width, g_a, g_x, f = np.broadcast_arrays(m, width, g_a, g_x, f)
    return fo.HiddenHeatingParams(
        m_parent=arr(m), width=arr(width), g_parent=arr(g_a), g_hidden=arr(g_x), energy_fraction=arr(f)
    )


M = np.array([100.0, 300.0, 1000.0, 300.0])
W = np.array([1e-14, 1e-15, 1e-13, 1e-15])
F = np.array([0.5, 0.5, 0.5, 0.3])


@pytest.fixture(scope="module")
def batch():
    p = _params(M, W, f=F)
    return p, hidden_batch(p, None)


def test_ode_vs_closed_form(batch):
    """ODE (constant g*, MB) vs (T_X/T)^4 = (225 f/(2 pi^3)) g_A Gamma M_Pl/(1.66 g_X g*^(1/2) m^2) to 1e-8."""
    p, res = batch
    assert np.all(np.asarray(res.status) == 0)
    np.testing.assert_allclose(np.asarray(res.ratio), np.asarray(fo.hidden_temperature_closed_form(p)), rtol=1e-8)


def test_closed_form_vs_quadrature():
    """Independent check of the x-integral int_0^inf x^4 K_2(x) dx = 15 pi/2 and of the prefactor assembly."""
    val, _ = quad(lambda x: x**4 * kn(2, x), 0, 80, limit=200)
    assert val == pytest.approx(15 * math.pi / 2, rel=1e-10)
    m, gam, g_a, g_x, f, g = 300.0, 1e-15, 2.0, 10.0, 0.5, 106.75
    hc = math.sqrt(4 * math.pi**3 / 45)
    # rho_X / s^(4/3) = f m Gamma g_A M_Pl/(2 pi^2 hc sqrt(g) m^2) (45/(2 pi^2 g))^(4/3) * 15 pi/2
    r = (
        f
        * gam
        * g_a
        * c.M_PLANCK
        / (2 * math.pi**2 * hc * math.sqrt(g) * m**2)
        * (45 / (2 * math.pi**2 * g)) ** (4 / 3)
        * val
    )
    ratio4 = 30 / (math.pi**2 * g_x) * r * (2 * math.pi**2 * g / 45) ** (4 / 3)
    p = fo.HiddenHeatingParams(m_parent=m, width=gam, g_parent=g_a, g_hidden=g_x, energy_fraction=f)
    assert float(fo.hidden_temperature_closed_form(p)) == pytest.approx(ratio4**0.25, rel=1e-10)


def test_relation_to_freezein_yield():
    """(T_X/T)^4 = (20 f/3)(g*/g_X) Y_FI with Y_FI from Hall et al. eq. (1.1) (M_Pl = 1.22e19 GeV)."""
    m, gam, g = 500.0, 3e-15, 106.75
    hc = math.sqrt(4 * math.pi**3 / 45)
    y_fi = 135 * 2 * c.M_PLANCK * gam / (8 * math.pi**3 * hc * g * math.sqrt(g) * m**2)
    p = fo.HiddenHeatingParams(m_parent=m, width=gam)
    assert float(fo.hidden_temperature_from_yield(y_fi)) == pytest.approx(
        float(fo.hidden_temperature_closed_form(p)), rel=1e-12
    )


def test_hall_eq_5_2():
    """Hall et al. 2010 eq. (5.2): T_X,i/T_vis = 0.05 (1e-3/eps)^(1/4) (10/g_X)^(1/4) (g*/100)^(1/4).

    Our derivation (docstring of jaxgen._hidden_sector) with Y_FI = eta_X/eps (eq. 1.4) and eta_X = (79/28) Y_B
    (SM, eq. 3.2) gives the same scalings and a prefactor 0.0535: the printed 0.05 is this to its one digit (7%)."""
    y_b = c.HALL_2010.baryon_yield
    eta_x = 79.0 / 28.0 * y_b
    ours = fo.hidden_temperature_from_yield(eta_x / 1e-3, g_hidden=10.0, g_s=100.0)
    assert float(ours) == pytest.approx(0.0535, rel=0.02)
    assert float(ours) / float(fo.hall_eq_5_2(1e-3)) - 1 == pytest.approx(0.07, abs=0.03)
    # scalings: eps^-1/4, g_X^-1/4, g*^+1/4 (exact in both)
    for eps, g_x, g in [(1e-2, 10.0, 100.0), (1e-3, 40.0, 100.0), (1e-3, 10.0, 25.0)]:
        r_ours = float(fo.hidden_temperature_from_yield(eta_x / eps, g_x, g)) / float(ours)
        r_hall = float(fo.hall_eq_5_2(eps, g_x, g)) / float(fo.hall_eq_5_2(1e-3))
        assert r_ours == pytest.approx(r_hall, rel=1e-12)


def test_batched_equals_looped(batch):
    p, res = batch
    one = jax.jit(fo.hidden_temperature)
    for i in (0, 3):
        r = one(jax.tree_util.tree_map(lambda v, i=i: v[i], p))
        assert float(r.ratio) == pytest.approx(float(res.ratio[i]), rel=1e-12)


def test_gradients_vs_finite_differences():
    """d ln(T_X/T)/d ln(Gamma, m) = 1/4, -1/2 (closed form) from jax.grad through the ODE; and vs FD."""

    def f(v):
        p = fo.HiddenHeatingParams(m_parent=jnp.exp(v[0]), width=jnp.exp(v[1]))
        return jnp.log(fo.hidden_temperature(p).ratio)

    v0 = jnp.log(jnp.array([300.0, 1e-15]))
    g = np.asarray(jax.jit(jax.grad(f))(v0))
    np.testing.assert_allclose(g, [-0.5, 0.25], rtol=1e-7)
    ff = jax.jit(f)
    h = 1e-4
    fd = (float(ff(v0 + jnp.array([h, 0.0]))) - float(ff(v0 - jnp.array([h, 0.0])))) / (2 * h)
    assert g[0] == pytest.approx(fd, rel=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="energy_fraction"):
        fo.HiddenHeatingParams(m_parent=100.0, width=1e-15, energy_fraction=1.5)
    with pytest.raises(ValueError, match="width"):
        fo.HiddenHeatingParams(m_parent=100.0, width=-1.0)


def test_one_home_for_eq_5_2():
    """jaxgen.freezeout and jaxgen.signatures re-export the one implementation of each eq. (5.2) formula."""
    import warnings

    from jaxgen import _hidden_sector as hs
    from jaxgen import signatures as sg

    assert sg.hall_eq_5_2 is fo.hall_eq_5_2 is hs.hall_eq_5_2
    assert sg.hidden_temperature_ratio is fo.hidden_temperature_ratio is hs.hidden_temperature_ratio
    assert float(sg.hall_eq_5_2(1e-3)) == 0.05
    ref = 0.05 * (1e-3 / 2e-4) ** 0.25 * (10.0 / 4.0) ** 0.25 * (80.0 / 100.0) ** 0.25
    assert float(sg.hall_eq_5_2(2e-4, 4.0, 80.0)) == pytest.approx(ref, rel=1e-15)
    # the old jaxgen.freezeout keywords still work (deprecated), with the same numbers
    with pytest.warns(DeprecationWarning, match="epsilon"):
        old = fo.hall_eq_5_2(epsilon=2e-4, g_x=4.0, g_star=80.0)
    assert float(old) == float(sg.hall_eq_5_2(2e-4, 4.0, 80.0))
    with pytest.warns(DeprecationWarning, match="g_hidden"):
        assert float(fo.hall_eq_5_2(2e-4, g_hidden=4.0, g_star=80.0)) == float(sg.hall_eq_5_2(2e-4, 4.0, 80.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(fo.hall_eq_5_2(1e-3, 10.0, 100.0, 0.05)) == 0.05
    with pytest.raises(TypeError, match="not both"):
        fo.hall_eq_5_2(1e-3, epsilon=1e-3)
    with pytest.raises(TypeError, match="eps"):
        fo.hall_eq_5_2()
    # the yield form is the eta_X/eps form at eps = 1 (same arithmetic)
    assert float(fo.hidden_temperature_from_yield(3e-7, 7.0, 90.0)) == float(
        sg.hidden_temperature_ratio(1.0, 3e-7, 7.0, 90.0)
    )
