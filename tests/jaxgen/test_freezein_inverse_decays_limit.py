"""The inverse-decay freeze-in equations against their exact solution for a constant X equilibrium yield.

With r_A = lam_A Y_eq (detailed balance; jaxgen._freezein module doc), the equations of ``solve_freezein`` with
inverse decays are dY/dt = lam (Y_eq - Y), d eta/dt = E (Y_eq - Y) - lam eta, lam = sum_A lam_A,
E = sum_A eps_A lam_A. Where Y_eq is constant (m_X = 0, so z^2 K2(z) = 2, and constant g_*s) they integrate to

    Y = Y_eq - (Y_eq - y0) e^{-Lambda},      eta = (Y_eq - y0) e^{-Lambda} sum_A eps_A Lambda_A,

with Lambda_A = int lam_A dt = Y_FI,A / Y_eq: the freeze-in yield of species A WITHOUT inverse decays (the exact
quadrature ``freezein_quadrature``) over the equilibrium yield, and Lambda = sum_A Lambda_A. For Lambda << 1 this
is the pure freeze-in (Y = y0 + Y_FI, eta = sum eps_A Y_FI,A); for Lambda >> 1, X thermalises (Y -> Y_eq) and the
asymmetry is washed out as e^{-Lambda}: the classic "eps Lambda e^{-Lambda}" profile, maximal at Lambda = 1.
Massless MB X at T' = r T: n_eq = g_X (r T)^3/pi^2 and s = 2 pi^2 g_*s T^3/45, so Y_eq = 45 g_X r^3/(2 pi^4 g_*s).
"""

import math

import jax
import numpy as np

from jaxgen import freezein as fi
from jaxgen.cosmology import Cosmology

COS = Cosmology(table="constant")  # g_*rho = g_*s = 106.75
G_S = 106.75
MASSES = np.array([1000.0, 300.0])
EPS = np.array([1e-2, -3e-3])


def _batch(width_scale, y0_over_yeq, ratio):
    """Points with two decaying species; widths ~ 5.9e-13 GeV give Lambda ~ 1 for m = 1 TeV."""
    n = len(width_scale)
    yeq = 45.0 * 2.0 * np.asarray(ratio) ** 3 / (2.0 * math.pi**4 * G_S)
    width = np.asarray(width_scale)[:, None] * np.array([5.9e-13, 0.7 * 5.9e-13 * (300.0 / 1000.0) ** 2])[None, :]
    return fi.FreezeInParams(
        mass=np.tile(MASSES, (n, 1)),
        width=width,
        dof=np.full((n, 2), 2.0),
        eps=np.tile(EPS, (n, 1)),
        y0=np.asarray(y0_over_yeq) * yeq,
        m_x=np.zeros(n),
        g_x=np.full(n, 2.0),
        temperature_ratio=np.asarray(ratio, float),
    ), yeq


_S_ODE = fi.FreezeInSettings(inverse_decays=True, rtol=1e-11, atol_rel=1e-12, compute_x_half=False)
_S_COL = fi.FreezeInSettings(inverse_decays=True, solver="collocation", compute_x_half=False)
_S_FI = fi.FreezeInSettings(compute_x_half=False)


@jax.jit
def _solve_all(p):
    def one(q):
        y_fi_a = jax.vmap(
            lambda m, w, d: (
                fi.freezein_quadrature(fi.FreezeInParams(mass=m[None], width=w[None], dof=d[None]), COS, _S_FI).yield_x
            )
        )(q.mass, q.width, q.dof)
        ode = fi.solve_freezein(q, COS, _S_ODE)
        col = fi.solve_freezein(q, COS, _S_COL)
        return y_fi_a, ode.yield_x, ode.eta_x, ode.status, col.yield_x, col.eta_x

    return jax.vmap(one)(p)


def test_inverse_decays_match_the_constant_yeq_closed_form():
    scale = [1e-3, 0.1, 1.0, 3.0, 10.0, 1.0, 1.0]
    y0 = [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 2.0]
    ratio = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.7]
    p, yeq = _batch(scale, y0, ratio)
    y_fi_a, y_ode, eta_ode, status, y_col, eta_col = (np.asarray(v) for v in _solve_all(p))
    lam_a = y_fi_a / yeq[:, None]
    lam = lam_a.sum(axis=1)
    y0v = np.asarray(p.y0)
    y_exact = yeq - (yeq - y0v) * np.exp(-lam)
    eta_exact = (yeq - y0v) * np.exp(-lam) * (lam_a * EPS).sum(axis=1)
    assert np.all(status == 0)
    # the points span no to strong thermalisation (Lambda from ~2e-3 to ~20)
    assert lam.min() < 3e-3 and lam.max() > 15.0
    np.testing.assert_allclose(y_ode, y_exact, rtol=1e-10)  # measured <= 2e-11 (Kvaerno5, rtol 1e-11)
    np.testing.assert_allclose(y_col, y_exact, rtol=1e-10)  # measured <= 6e-13 (64 Radau IIA panels)
    # eta: relative 2e-9 (measured <= 3e-10), or 1e-11 of the asymmetry scale sum |eps_A| Y_FI,A where e^-Lambda has washed it out
    # (the ODE's atol is relative to that scale: at Lambda ~ 20, eta is 2e-8 of it)
    floor = 1e-11 * (np.abs(EPS) * y_fi_a).sum(axis=1)
    for eta in (eta_ode, eta_col):
        err = np.abs(eta - eta_exact)
        assert np.all(err <= 2e-9 * np.abs(eta_exact) + floor), (err / np.abs(eta_exact), err / floor)
    # weak limit: pure freeze-in; the asymmetry profile eps Lambda e^-Lambda peaks near Lambda = 1
    np.testing.assert_allclose(y_ode[0], y0v[0] + y_fi_a[0].sum(), rtol=2e-3)
    assert abs(eta_ode[2]) > abs(eta_ode[1]) and abs(eta_ode[2]) > abs(eta_ode[4])
