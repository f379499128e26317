"""Tests of jaxgen.cosmology: g*(T) tables and spline, H(T), s(T), extra species, Y <-> Omega h^2 <-> eta."""

from __future__ import annotations

import math
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads
from scipy import integrate
from scipy.interpolate import CubicSpline

from jaxgen import _cosmology
from jaxgen import constants as c
from jaxgen.cosmology import (
    TABLES,
    Cosmology,
    ExtraSpecies,
    eta_to_yield,
    omega_h2_to_yield,
    photon_number_density,
    table_range,
    yield_to_eta,
    yield_to_omega_h2,
)

SM_TABLES = ("saikawa_shirai", "drees_hajkarim_schmitz", "gondolo_gelmini")
COSMO = {t: Cosmology(t) for t in TABLES}


# Shared jitted functions (compiled once per table, shape and dtype; tests reuse the shapes N_SMALL and ()).
N_SMALL = 16


def _outputs(cosmo, temperature):
    return (
        cosmo.g_rho(temperature),
        cosmo.g_s(temperature),
        cosmo.dlng_s_dlnT(temperature),
        cosmo.hubble(temperature),
        cosmo.entropy_density(temperature),
    )


_all_outputs = jax.jit(_outputs)


@jax.jit
def _jets(cosmo, u):
    """The 5 outputs at T = e^u (shape (5, n)) and their elementwise d/du by forward mode and by reverse mode, and the
    second derivative d^2/du^2 (forward over forward)."""
    f = lambda uu: jnp.stack(_outputs(cosmo, jnp.exp(uu)))  # noqa: E731
    ones = jnp.ones_like(u)
    val, d1 = jax.jvp(f, (u,), (ones,))
    _, vjp = jax.vjp(f, u)
    rev = jax.vmap(lambda ct: vjp(ct)[0])(jnp.eye(5, dtype=u.dtype)[:, :, None] * ones)
    d2 = jax.jvp(lambda uu: jax.jvp(f, (uu,), (jnp.ones_like(uu),))[1], (u,), (ones,))[1]
    return val, d1, rev, d2


# -------------------------------------------------------------------------------------------------------------
# Tables and spline
# -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("table", SM_TABLES)
def test_reproduces_table_and_matches_independent_spline(table):
    """g* reproduces the table at every tabulated T (1e-12), and between the knots equals scipy's CubicSpline in ln T
    with clamped (zero-slope) ends, an independent implementation of the same interpolant."""
    temp, g_s, g_rho = _cosmology._load_table(table)
    assert temp.dtype == np.float64 and isinstance(temp, np.ndarray)
    u = np.log(temp)
    u_test = np.linspace(u[0], u[-1], 2001)
    out = _all_outputs(COSMO[table], jnp.asarray(np.concatenate([temp, np.exp(u_test)])))
    n = temp.size
    np.testing.assert_allclose(out[0][:n], g_rho, rtol=1e-12, atol=0)
    np.testing.assert_allclose(out[1][:n], g_s, rtol=1e-12, atol=0)
    for values, got in ((g_rho, out[0][n:]), (g_s, out[1][n:])):
        np.testing.assert_allclose(got, CubicSpline(u, values, bc_type="clamped")(u_test), rtol=1e-12, atol=0)
    ref = CubicSpline(u, g_s, bc_type="clamped")
    np.testing.assert_allclose(out[2][n:], ref(u_test, 1) / ref(u_test), rtol=1e-9, atol=1e-12)


def test_raw_table_parsing():
    """Spot checks of the parsed files against rows read by eye (README of jaxgen/data/gstar)."""
    t, gs, gr = _cosmology._load_table("saikawa_shirai")
    assert (t.size, t[0], gs[0], gr[0], t[-1], gs[-1], gr[-1]) == (
        528,
        1e-5,
        3.93094,
        3.38308,
        1.46812e6,
        104.43,
        104.435,
    )
    t, gs, gr = _cosmology._load_table("drees_hajkarim_schmitz")  # descending in the file, T = 0 row dropped
    assert (t.size, t[0], gs[0], gr[0], t[-1], gs[-1], gr[-1]) == (
        275,
        0.199526e-4,
        3.93872,
        3.38387,
        0.125892e5,
        106.83,
        106.83,
    )
    t, gs, gr = _cosmology._load_table("gondolo_gelmini")  # T = 0 row dropped
    assert (t.size, t[0], gs[0], gr[0], t[-1], gs[-1], gr[-1]) == (
        275,
        1.995263e-05,
        3.913901,
        3.367225,
        1.258925e4,
        105.7499,
        105.7491,
    )
    assert table_range("drees_hajkarim_schmitz") == (0.199526e-4, 0.125892e5)
    assert np.all(np.diff(t) > 0)


def test_import_is_lazy_and_leaves_jax_config_alone():
    """Importing jaxgen.cosmology reads no table and does not enable x64 (tables load at first use, as NumPy)."""
    code = (
        "import jax, jaxgen.cosmology, jaxgen._cosmology as m\n"
        "assert m._load_table.cache_info().currsize == 0 and m._spline.cache_info().currsize == 0\n"
        "assert not jax.config.read('jax_enable_x64')\n"
        "import numpy as np; t = m._spline('gondolo_gelmini')\n"
        "assert all(isinstance(a, np.ndarray) and a.dtype == np.float64 for a in t)\n"
        "print('ok')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


@pytest.mark.parametrize("table", SM_TABLES)
def test_constant_continuation_outside_table(table):
    t_min, t_max = table_range(table)
    temp, g_s, g_rho = _cosmology._load_table(table)
    cosmo = COSMO[table]
    low = np.array([0.0, -1.0, 1e-30, 1e-3 * t_min, 0.999 * t_min])
    high = np.array([1.001 * t_max, 1e3 * t_max, 1e19])
    out = _all_outputs(cosmo, jnp.asarray(np.concatenate([low, high, temp[[0, -1]]])))
    n = low.size
    np.testing.assert_array_equal(out[1][:n], g_s[0])
    np.testing.assert_array_equal(out[0][:n], g_rho[0])
    np.testing.assert_array_equal(out[1][n:-2], g_s[-1])
    np.testing.assert_array_equal(out[0][n:-2], g_rho[-1])
    np.testing.assert_allclose(out[1][-2:], g_s[[0, -1]], rtol=1e-14)
    np.testing.assert_array_equal(out[2][:-2], 0.0)  # dlng_s/dlnT
    # the derivative is 0 outside and finite (no NaN) down to T = 0
    _, d1, rev, _ = _jets(cosmo, jnp.log(jnp.asarray(np.concatenate([low[2:], high]))))
    assert np.all(np.asarray(d1[:3]) == 0.0) and np.all(np.asarray(rev[:3]) == 0.0)  # g_rho, g_s, dlng_s/dlnT
    np.testing.assert_allclose(d1[3], 2.0 * out[3][2:-2], rtol=1e-14)  # H ~ T^2 where g is constant
    assert float(jax.grad(cosmo.g_rho)(0.0)) == 0.0


@pytest.mark.parametrize("table", SM_TABLES)
def test_derivatives_continuous(table):
    """dg/dlnT (autodiff) is continuous at every knot and -> 0 at the table edges (C1 everywhere); d^2g/dlnT^2 is
    continuous at the interior knots (C2 inside the table)."""
    u = np.log(_cosmology._load_table(table)[0])
    eps = 1e-9
    n = u.size
    _, d1, _, d2 = _jets(COSMO[table], jnp.asarray(np.concatenate([u - eps, u + eps])))
    for k in (0, 1):  # g_rho, g_s
        left, right = np.asarray(d1[k, :n]), np.asarray(d1[k, n:])
        scale = np.max(np.abs(right))
        assert scale > 1.0  # the QCD transition: g changes by ~50 per e-fold
        np.testing.assert_allclose(left, right, rtol=0, atol=1e-6 * scale)
        assert abs(left[0]) < 1e-6 * scale and abs(right[-1]) < 1e-6 * scale
        assert right[0] == 0.0 or abs(right[0]) < 1e-6 * scale
        l2, r2 = np.asarray(d2[k, 1 : n - 1]), np.asarray(d2[k, n + 1 : 2 * n - 1])
        np.testing.assert_allclose(l2, r2, rtol=0, atol=1e-5 * np.max(np.abs(r2)))


def test_spline_is_smooth_no_overshoot():
    """Between knots the spline stays within the neighbouring tabulated values up to a small overshoot."""
    temp, g_s, _ = _cosmology._load_table("saikawa_shirai")
    u = np.log(temp)
    mid = 0.5 * (u[1:] + u[:-1])
    g_mid = np.asarray(COSMO["saikawa_shirai"].g_s(jnp.exp(jnp.asarray(mid))))
    lo, hi = np.minimum(g_s[1:], g_s[:-1]), np.maximum(g_s[1:], g_s[:-1])
    tol = 0.02 * (hi - lo) + 1e-3  # 2 % of the local step
    assert np.all(g_mid >= lo - tol) and np.all(g_mid <= hi + tol)


def test_table_limits_physical():
    """Low T: photons + 3 neutrinos (g_s = 2 + 7/8*6*4/11 = 3.91, g_rho = 2 + 7/8*6*(4/11)^(4/3) = 3.36); high T:
    the ~106.75 SM plasma (SS includes interaction corrections: 104.4)."""
    temps = jnp.array([1e-6, 1e5])
    for table in SM_TABLES:
        out = _all_outputs(COSMO[table], temps)
        g_rho, g_s = np.asarray(out[0]), np.asarray(out[1])
        assert g_s[0] == pytest.approx(43 / 11, rel=0.01)
        assert g_rho[0] == pytest.approx(2 + 21 / 4 * (4 / 11) ** (4 / 3), rel=0.01)
        assert g_rho[1] == pytest.approx(106.75, rel=0.025)
        assert g_s[0] > g_rho[0]  # neutrinos colder than photons


# -------------------------------------------------------------------------------------------------------------
# H(T), s(T), n_gamma
# -------------------------------------------------------------------------------------------------------------
def test_hubble_and_entropy_hand_computation():
    # H = sqrt(4 pi^3 g/45) T^2 / M_Pl at T = 100 GeV, g = 106.75: sqrt(4 pi^3/45) = 1.660 0(3)...
    # 4 pi^3/45 = 2.7561; sqrt(2.7561 * 106.75) = 17.1524; * 1e4 / 1.22089e19 = 1.40491e-14 GeV
    cosmo = COSMO["constant"]
    assert float(cosmo.hubble(100.0)) == pytest.approx(1.40491e-14, rel=2e-5)
    # independent: Friedmann H^2 = 8 pi rho / (3 M_Pl^2) with rho = pi^2/30 g T^4
    rho = math.pi**2 / 30 * 106.75 * 100.0**4
    assert float(cosmo.hubble(100.0)) == pytest.approx(math.sqrt(8 * math.pi * rho / 3) / c.M_PLANCK, rel=1e-14)
    assert float(cosmo.energy_density(100.0)) == pytest.approx(rho, rel=1e-14)
    # s = 2 pi^2/45 g T^3 = 0.438649 * 106.75 * 1e6 = 4.68258e7 GeV^3
    assert float(cosmo.entropy_density(100.0)) == pytest.approx(4.68258e7, rel=2e-6)
    # with a table: uses g_rho for H and g_s for s
    ss = COSMO["saikawa_shirai"]
    t = 0.15
    g_rho, g_s = float(ss.g_rho(t)), float(ss.g_s(t))
    assert float(ss.hubble(t)) == pytest.approx(math.sqrt(4 * math.pi**3 * g_rho / 45) * t**2 / c.M_PLANCK, rel=1e-14)
    assert float(ss.entropy_density(t)) == pytest.approx(2 * math.pi**2 / 45 * g_s * t**3, rel=1e-14)
    assert g_s != g_rho


def test_photon_number_density():
    # today: 410.7 cm^-3 (PDG 2024); at T: 2 zeta(3)/pi^2 T^3 = 0.2435876 T^3
    n0 = float(photon_number_density(c.T_CMB)) / c.HBARC_GEV_CM**3
    assert n0 == pytest.approx(410.7, abs=0.05)
    assert float(photon_number_density(2.0)) == pytest.approx(0.2435876 * 8.0, rel=1e-6)


# -------------------------------------------------------------------------------------------------------------
# Conversions Y <-> Omega h^2 <-> eta
# -------------------------------------------------------------------------------------------------------------
def test_conversions_planck_numbers():
    """Planck 2018 VI (Table 2): Omega_b h^2 = 0.02237 -> Y_B = 8.63e-11, eta = 6.12e-10 with m = m_p.

    Our s0 uses g_*s0 = 3.937 (N_eff = 3.044, see jaxgen/_constants.py); with 43/11 Y_B would be 0.7 % larger. eta does
    not depend on g_*s0.
    """
    y_b = float(omega_h2_to_yield(0.02237, c.M_PROTON))
    assert y_b == pytest.approx(8.63e-11, abs=0.005e-11)
    # by hand in cm^-3 units: 0.02237 * 1.05367e-5 GeV cm^-3 / (0.938272 GeV * 2911.99 cm^-3)
    assert y_b == pytest.approx(0.02237 * 1.05367e-5 / (0.938272 * 2911.99), rel=1e-5)
    assert y_b == pytest.approx(c.PLANCK_2018.baryon_yield, rel=1e-14)
    eta = float(yield_to_eta(y_b))
    assert eta == pytest.approx(6.12e-10, abs=0.005e-10)
    assert eta == pytest.approx(0.02237 * 1.05367e-5 / (0.938272 * 410.727), rel=1e-5)
    assert eta == pytest.approx(c.PLANCK_2018.eta_b, rel=1e-14)
    # DM: Omega_c h^2 = 0.12 for m = 1 GeV needs Y = 4.34e-10 (= 5.364 * m_p/1 GeV * Y_B)
    y_dm = float(omega_h2_to_yield(0.1200, 1.0))
    assert y_dm == pytest.approx(0.1200 / 0.02237 * c.M_PROTON * y_b, rel=1e-14)
    assert y_dm == pytest.approx(4.34e-10, abs=0.005e-10)


def test_conversions_round_trip_batched_and_grad():
    ys = jnp.logspace(-14, -8, 7)
    ms = jnp.logspace(-3, 3, 7)
    om = yield_to_omega_h2(ys, ms)
    np.testing.assert_allclose(omega_h2_to_yield(om, ms), ys, rtol=1e-14)
    np.testing.assert_allclose(eta_to_yield(yield_to_eta(ys)), ys, rtol=1e-14)
    looped = np.array([float(yield_to_omega_h2(y, m)) for y, m in zip(ys, ms)])
    np.testing.assert_allclose(jax.vmap(yield_to_omega_h2)(ys, ms), looped, rtol=1e-15)
    # linear in Y: d Omega h^2 / dY = m s0 / (rho_c/h^2)
    d = jax.grad(yield_to_omega_h2)(1e-10, 2.0)
    assert float(d) == pytest.approx(2.0 * c.ENTROPY_DENSITY_TODAY / c.RHO_CRIT_OVER_H2, rel=1e-14)
    check_grads(lambda m: omega_h2_to_yield(0.12, m), (3.0,), order=1, modes=("fwd", "rev"))
    # float32 in -> float32 out
    assert yield_to_eta(jnp.float32(1e-10)).dtype == jnp.float32
    assert yield_to_omega_h2(jnp.float32(1e-10), jnp.float32(1.0)).dtype == jnp.float32


# -------------------------------------------------------------------------------------------------------------
# Gradients, batching, float32
# -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("table", TABLES)
def test_gradients_vs_finite_differences(table):
    """Forward- and reverse-mode d/dlnT of g_rho, g_s, dlng_s/dlnT, H, s vs central differences (h = 1e-5 in ln T),
    at temperatures across the e+e-, QCD and electroweak eras; and jax.grad in T by check_grads at one point."""
    cosmo = COSMO[table]
    u = jnp.linspace(math.log(2e-4), math.log(5e3), N_SMALL)
    h = 1e-5
    val, d1, rev, _ = _jets(cosmo, u)
    plus = np.stack(_all_outputs(cosmo, jnp.exp(u + h)))
    minus = np.stack(_all_outputs(cosmo, jnp.exp(u - h)))
    fd = (plus - minus) / (2 * h)
    val, d1, rev = np.asarray(val), np.asarray(d1), np.asarray(rev)
    # FD truncation ~ h^2 |g'''| (<~ 1e-10 * 1e3 at the QCD transition), round-off ~ 1e-16 |f| / h
    tol = 1e-6 * np.abs(val) + 1e-5 * np.abs(fd)
    assert np.all(np.abs(d1 - fd) <= tol), np.max(np.abs(d1 - fd) / (tol + 1e-300))
    np.testing.assert_allclose(rev, d1, rtol=1e-12, atol=0)
    # dlng_s_dlnT (analytic from the spline) equals the autodiff logarithmic derivative of g_s
    np.testing.assert_allclose(val[2], d1[1] / val[1], rtol=1e-12, atol=1e-15)
    if table != "constant":
        assert np.max(np.abs(d1[1])) > 1.0  # non-trivial: the QCD era is inside the range
    # jax.grad in T directly (the jaxgen convention: check_grads)
    check_grads(cosmo.hubble, (0.17,), order=1, modes=("fwd", "rev"), eps=1e-6)
    check_grads(cosmo.g_s, (0.17,), order=1, modes=("fwd", "rev"), eps=1e-6)


def test_gradient_wrt_g_constant():
    h = lambda g: Cosmology("constant", g_constant=g).hubble(10.0)  # noqa: E731
    check_grads(h, (100.0,), order=1, modes=("fwd", "rev"))
    assert float(jax.grad(h)(100.0)) == pytest.approx(float(h(100.0)) / 200.0, rel=1e-14)  # H ~ sqrt(g)


def test_batched_equals_looped():
    temps = jnp.logspace(-6, 7, N_SMALL)
    for table in ("saikawa_shirai", "constant"):  # DHS and GG share the spline code path with SS
        cosmo = COSMO[table]
        batched = _all_outputs(cosmo, temps)
        for i in range(0, N_SMALL, 3):
            scalar = _all_outputs(cosmo, temps[i])
            for b, s in zip(batched, scalar):
                assert float(b[i]) == float(s)
    # explicit vmap and a 2-d input shape
    cosmo = COSMO["saikawa_shirai"]
    batched = _all_outputs(cosmo, temps)
    np.testing.assert_array_equal(jax.jit(jax.vmap(cosmo.hubble))(temps), batched[3])
    np.testing.assert_array_equal(_all_outputs(cosmo, temps.reshape(4, 4))[1], batched[1].reshape(4, 4))
    # a batch of cosmologies: vmap over g_constant
    gs = jnp.array([10.0, 50.0, 106.75])
    vm = jax.vmap(lambda g: Cosmology("constant", g_constant=g).hubble(5.0))(gs)
    np.testing.assert_allclose(
        vm, [float(Cosmology("constant", g_constant=float(g)).hubble(5.0)) for g in gs], rtol=1e-15
    )


def test_float32():
    temps32 = np.logspace(-5.5, 6.5, N_SMALL).astype(np.float32)
    for table in ("saikawa_shirai", "constant"):
        out32 = _all_outputs(COSMO[table], jnp.asarray(temps32))
        out64 = _all_outputs(COSMO[table], jnp.asarray(temps32.astype(np.float64)))
        for name, a, b in zip(("g_rho", "g_s", "dlng_s_dlnT", "hubble", "s"), out32, out64):
            assert a.dtype == jnp.float32, name
            atol = 1e-5 if name == "dlng_s_dlnT" else 0.0
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=atol, err_msg=name)


def test_float32_without_x64():
    """With jax_enable_x64 off (the JAX default) everything still runs, in float32, including extra species."""
    temps = (1e-3, 0.2, 1e3)
    with jax.enable_x64(False):
        cosmo = Cosmology(extra=ExtraSpecies(500.0, 4.0, "boson"))
        out32 = _all_outputs(cosmo, jnp.asarray(temps))
        assert all(o.dtype == jnp.float32 for o in out32)
    out64 = _all_outputs(Cosmology(extra=ExtraSpecies(500.0, 4.0, "boson")), jnp.asarray(temps, dtype=jnp.float64))
    assert out64[3].dtype == jnp.float64
    for name, a, b in zip(("g_rho", "g_s", "dlng_s_dlnT", "hubble", "s"), out32, out64):
        np.testing.assert_allclose(np.asarray(a, dtype=np.float64), b, rtol=2e-5, atol=1e-6, err_msg=name)
    # reference computed by hand in float64
    ref = [math.sqrt(4 * math.pi**3 / 45 * float(out64[0][i])) * t**2 / c.M_PLANCK for i, t in enumerate(temps)]
    np.testing.assert_allclose(np.asarray(out32[3], dtype=np.float64), ref, rtol=2e-5)


# -------------------------------------------------------------------------------------------------------------
# Extra species (through kernels.energy_density / entropy_density)
# -------------------------------------------------------------------------------------------------------------
def _quad_g(z, stat):
    """Independent quadrature: contributions of one dof to g_rho and g_s at z = m/T.

    rho/T^4 = 1/(2 pi^2) int y^2 E f dy, P/T^4 = 1/(6 pi^2) int y^4/E f dy, s/T^3 = (rho + P)/T^4 (mu = 0), with
    f = 1/(e^E + 1) (fermion), 1/(e^E - 1) (boson), e^-E (mb), E = sqrt(y^2 + z^2).
    """
    sign = {"fermion": 1.0, "boson": -1.0, "mb": 0.0}[stat]
    f = lambda e: np.exp(-e) / (1.0 + sign * np.exp(-e))  # noqa: E731
    rho = integrate.quad(
        lambda y: y**2 * np.hypot(y, z) * f(np.hypot(y, z)), 0, np.inf, epsabs=0, epsrel=1e-13, limit=200
    )[0] / (2 * math.pi**2)
    p = integrate.quad(
        lambda y: y**4 / np.hypot(y, z) * f(np.hypot(y, z)), 0, np.inf, epsabs=0, epsrel=1e-13, limit=200
    )[0] / (6 * math.pi**2)
    return rho * 30 / math.pi**2, (rho + p) * 45 / (2 * math.pi**2)


@pytest.mark.parametrize("stat", ["fermion", "boson", "mb"])
def test_extra_species_vs_quadrature(stat):
    mass, dof = 50.0, 3.0
    cosmo = Cosmology("constant", g_constant=100.0, extra=(ExtraSpecies(mass, dof, stat),))
    temps = np.array([5e3, 100.0, 50.0, 20.0, 5.0])  # z = 0.01 ... 10
    g_rho, g_s = np.asarray(cosmo.g_rho(jnp.asarray(temps))), np.asarray(cosmo.g_s(jnp.asarray(temps)))
    for t, gr, gs in zip(temps, g_rho, g_s):
        qr, qs = _quad_g(mass / t, stat)
        assert gr - 100.0 == pytest.approx(dof * qr, rel=1e-9)
        assert gs - 100.0 == pytest.approx(dof * qs, rel=1e-9)


def test_extra_species_limits_and_derivative():
    # massless limit: a Weyl fermion pair (dof 2) adds 7/8 * 2 = 1.75, a complex scalar (dof 2) adds 2; a heavy
    # boson (m/T >= 100) is Boltzmann suppressed, ~ exp(-m/T) < 1e-40
    ferm = ExtraSpecies(1e-6, 2.0, "fermion")
    bos = ExtraSpecies(1e-6, 2.0, "boson")
    heavy = ExtraSpecies(1e6, 100.0, "boson")
    cosmo = Cosmology("constant", g_constant=106.75, extra=(ferm, bos, heavy))
    out = _all_outputs(cosmo, jnp.array([1e3, 1e4]))
    np.testing.assert_allclose(out[0], 106.75 + 1.75 + 2.0, rtol=1e-10)  # g_rho
    np.testing.assert_allclose(out[1], 106.75 + 1.75 + 2.0, rtol=1e-10)  # g_s
    np.testing.assert_allclose(out[2], 0.0, atol=1e-10)  # dlng_s_dlnT
    # a single species / a list is accepted and converted to a tuple
    assert Cosmology(extra=heavy).extra == (heavy,)
    assert Cosmology(extra=[ferm, bos]).extra == (ferm, bos)
    # derivatives with an extra species (its d g_s/d ln T from the kernel's JVP) vs finite differences
    cosmo = Cosmology("saikawa_shirai", extra=(ExtraSpecies(300.0, 12.0, "fermion"),))
    u = jnp.log(jnp.array([30.0, 150.0, 800.0]))
    val, d1, rev, _ = _jets(cosmo, u)
    h = 1e-5
    fd = (np.stack(_all_outputs(cosmo, jnp.exp(u + h))) - np.stack(_all_outputs(cosmo, jnp.exp(u - h)))) / (2 * h)
    np.testing.assert_allclose(d1, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(rev, d1, rtol=1e-12)
    np.testing.assert_allclose(val[2], d1[1] / val[1], rtol=1e-10)  # dlng_s_dlnT
    assert float(val[2][1]) > 0.05  # the species is decoupling around T ~ m/3: a visible slope
    check_grads(jax.jit(cosmo.hubble), (150.0,), order=1, modes=("fwd", "rev"), eps=1e-3)


def test_extra_species_mass_gradient_and_vmap():
    def g_rho_of_mass(m):
        return Cosmology("constant", g_constant=100.0, extra=ExtraSpecies(m, 4.0, "boson")).g_rho(100.0)

    f = jax.jit(g_rho_of_mass)
    check_grads(f, (150.0,), order=1, modes=("fwd", "rev"), eps=1e-3)
    masses = jnp.array([10.0, 100.0, 1000.0])
    batched = jax.jit(jax.vmap(g_rho_of_mass))(masses)
    np.testing.assert_allclose(batched, [float(f(m)) for m in masses], rtol=1e-14)
    assert float(batched[0]) > float(batched[1]) > float(batched[2]) > 100.0


# -------------------------------------------------------------------------------------------------------------
# Bad input
# -------------------------------------------------------------------------------------------------------------
def test_bad_input_messages():
    with pytest.raises(ValueError, match="saikawa_shirai.*drees_hajkarim_schmitz.*gondolo_gelmini.*constant"):
        Cosmology("hindmarsh_philipsen")
    with pytest.raises(ValueError, match="valid names"):
        table_range("constant")
    with pytest.raises(ValueError, match="g_constant"):
        Cosmology("constant", g_constant=-1.0)
    with pytest.raises(ValueError, match="fermion.*boson.*mb"):
        ExtraSpecies(1.0, 2.0, "majorana")
    with pytest.raises(ValueError, match="mass"):
        ExtraSpecies(-1.0, 2.0, "fermion")
    with pytest.raises(ValueError, match="dof"):
        ExtraSpecies(1.0, float("nan"), "fermion")
    with pytest.raises(TypeError, match="ExtraSpecies"):
        Cosmology(extra=[(100.0, 2.0, "fermion")])
    with pytest.raises(TypeError, match="ExtraSpecies"):
        Cosmology(extra=3.0)
