"""Tests for jaxgen.cp: gaugino-higgsino mass matrices and mixing, master formulae, eq. (2.7) of Hall et al. 2010.

Papers: Hall, March-Russell, West 2010 (arXiv:1010.0245), eqs. (1.4), (1.5), (2.2)-(2.7).
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import jaxgen.cp as cp
from jaxgen import constants as c

P0 = dict(M1=3000.0, M2=1000.0, mu=300.0, tan_beta=10.0, phi_1=0.4, phi_2=0.3, phi_mu=0.2)
FIELDS = ("M1", "M2", "mu", "tan_beta", "phi_1", "phi_2", "phi_mu")


def _params(x):
    return cp.GauginoHiggsinoParams(**dict(zip(FIELDS, x)))


X0 = jnp.array([P0[k] for k in FIELDS])


@jax.jit
def _spectra(x):
    p = _params(x)
    return cp.chargino_spectrum(p), cp.neutralino_spectrum(p)


@jax.jit
def _invariants(x):
    """Masses and rephasing-invariant mixing quantities (real vector)."""
    p = _params(x)
    ch, ne = cp.chargino_spectrum(p), cp.neutralino_spectrum(p)
    return jnp.concatenate(
        [
            ch.masses,
            ne.masses,
            jnp.abs(ch.V[:, 1]) ** 2,
            jnp.abs(ch.U[:, 1]) ** 2,
            jnp.abs(ne.N[:, 3]) ** 2,
            jnp.abs(ne.N[:, 0]) ** 2,
        ]
    )


@jax.jit
def _mixing_raw(x):
    """The gauge-fixed mixing matrices themselves (real and imaginary parts)."""
    ch, ne = _spectra(x)
    return jnp.concatenate(
        [
            jnp.real(ch.U).ravel(),
            jnp.imag(ch.U).ravel(),
            jnp.real(ch.V).ravel(),
            jnp.imag(ch.V).ravel(),
            jnp.real(ne.N).ravel(),
            jnp.imag(ne.N).ravel(),
        ]
    )


@jax.jit
def _eps(x, eps0):
    return cp.epsilon_gaugino_higgsino(_params(x), eps0, "chargino", -1)


def _explicit_matrices(M1, M2, mu, tb, mw=c.M_W, mz=c.M_Z, sw2=c.SIN2_THETA_W):
    b = math.atan(tb)
    sb, cb, sw, cw = math.sin(b), math.cos(b), math.sqrt(sw2), math.sqrt(1 - sw2)
    X = np.array([[M2, math.sqrt(2) * mw * sb], [math.sqrt(2) * mw * cb, mu]])
    N = np.array(
        [
            [M1, 0, -mz * cb * sw, mz * sb * sw],
            [0, M2, mz * cb * cw, -mz * sb * cw],
            [-mz * cb * sw, mz * cb * cw, 0, -mu],
            [mz * sb * sw, -mz * sb * cw, -mu, 0],
        ]
    )
    return X, N


def test_mass_matrices_haber_kane():
    M1, M2, mu = 3000 * np.exp(0.4j), 1000 * np.exp(0.3j), 300 * np.exp(0.2j)
    X, N = _explicit_matrices(M1, M2, mu, 10.0)
    p = _params(X0)
    np.testing.assert_allclose(cp.chargino_mass_matrix(p), X, rtol=1e-14)
    np.testing.assert_allclose(cp.neutralino_mass_matrix(p), N, rtol=1e-14, atol=1e-12)
    np.testing.assert_allclose(N, N.T)


def test_spectra_reconstruction_unitarity_and_analytic_chargino_masses():
    ch, ne = _spectra(X0)
    p = _params(X0)
    X, N = np.asarray(cp.chargino_mass_matrix(p)), np.asarray(cp.neutralino_mass_matrix(p))
    U, V, Nm = np.asarray(ch.U), np.asarray(ch.V), np.asarray(ne.N)
    np.testing.assert_allclose(np.conj(U) @ X @ V.conj().T, np.diag(ch.masses), atol=1e-10)
    np.testing.assert_allclose(np.conj(Nm) @ N @ Nm.conj().T, np.diag(ne.masses), atol=1e-10)
    for M in (U, V, Nm):
        np.testing.assert_allclose(M @ M.conj().T, np.eye(len(M)), atol=1e-13)
    assert np.all(np.diff(ch.masses) > 0) and np.all(np.diff(ne.masses) > 0) and np.all(ne.masses > 0)
    # Haber-Kane (C.12): m^2 = 1/2 [S -+ sqrt(S^2 - 4 |mu M2 - mW^2 sin 2b|^2)], S = |M2|^2 + |mu|^2 + 2 mW^2
    M2, mu, mw = 1000 * np.exp(0.3j), 300 * np.exp(0.2j), c.M_W
    s2b = 2 * 10 / 101
    S = abs(M2) ** 2 + abs(mu) ** 2 + 2 * mw**2
    D = np.sqrt(S**2 - 4 * abs(mu * M2 - mw**2 * s2b) ** 2)
    np.testing.assert_allclose(ch.masses, np.sqrt([(S - D) / 2, (S + D) / 2]), rtol=1e-12)
    # neutralino: s^2 = eigenvalues of M^H M (independent numpy route)
    np.testing.assert_allclose(ne.masses**2, np.linalg.eigvalsh(N.conj().T @ N), rtol=1e-11)


def test_spectrum_depends_only_on_rephasing_invariants():
    # (phi_mu, phi_1, phi_2) -> (phi_mu + a, phi_1 - a, phi_2 - a) leaves arg(mu M1 b*), arg(mu M2 b*) fixed
    a = 0.7
    x2 = X0.at[4].add(-a).at[5].add(-a).at[6].add(a)
    np.testing.assert_allclose(_invariants(x2), _invariants(X0), rtol=1e-10, atol=1e-12)
    x3 = X0.at[5].add(0.5)  # changes phi_2 (physical): the spectrum must change
    assert np.max(np.abs(_invariants(x3) - _invariants(X0))) > 1e-3
    phi1, phi2 = cp.physical_phases(_params(X0))
    np.testing.assert_allclose([phi1, phi2], [0.6, 0.5])


def test_gradients_vs_finite_differences():
    check_grads(_invariants, (X0,), order=1, modes=["fwd"], eps=1e-5, atol=1e-6, rtol=1e-5)
    check_grads(_mixing_raw, (X0,), order=1, modes=["fwd", "rev"], eps=1e-5, atol=1e-6, rtol=1e-5)


def test_gradients_finite_at_exact_chargino_degeneracy():
    # M2 = mu with m_W -> tiny mixing: exact degeneracy of the chargino masses is approached; gradients stay finite

    def p_fun(x):
        return cp.GauginoHiggsinoParams(M1=500.0, M2=x, mu=x, tan_beta=1.0, m_W=1e-12, m_Z=1e-12)

    g = jax.jit(jax.jacfwd(lambda x: cp.chargino_spectrum(p_fun(x)).U))(400.0)
    assert np.all(np.isfinite(np.asarray(g)))
    gm = jax.jit(jax.grad(lambda x: jnp.sum(cp.chargino_spectrum(p_fun(x)).masses)))(400.0)
    np.testing.assert_allclose(gm, 2.0, rtol=1e-10)


def test_batched_equals_looped_and_vmap():
    rng = np.random.default_rng(0)
    xs = jnp.asarray(
        np.column_stack(
            [
                rng.uniform(200, 3000, 5),
                rng.uniform(200, 3000, 5),
                rng.uniform(100, 2000, 5),
                rng.uniform(1.5, 40, 5),
                rng.uniform(-3, 3, (5, 3)),
            ]
        )
    )
    vm_inv = jax.vmap(_invariants)(xs)
    vm_eps = jax.vmap(_eps, in_axes=(0, None))(xs, 0.1)
    # broadcasting (array fields, no vmap) must agree too
    pb = _params(xs.T)
    bc = cp.chargino_spectrum(pb)
    for k in range(xs.shape[0]):
        np.testing.assert_allclose(vm_inv[k], _invariants(xs[k]), rtol=1e-12)
        np.testing.assert_allclose(bc.masses[k], _spectra(xs[k])[0].masses, rtol=1e-12)
        e_k = _eps(xs[k], 0.1)
        assert vm_eps.epsilon[k] == e_k.epsilon and vm_eps.status[k] == e_k.status


def test_float32_spectrum():
    ch, ne = _spectra(X0.astype(jnp.float32))
    assert ch.masses.dtype == jnp.float32 and ne.N.dtype == jnp.complex64
    ch64, ne64 = _spectra(X0)
    np.testing.assert_allclose(ch.masses, ch64.masses, rtol=1e-5)
    np.testing.assert_allclose(ne.masses, ne64.masses, rtol=1e-5)


def test_bad_input_errors():
    with pytest.raises(ValueError, match="positive"):
        cp.GauginoHiggsinoParams(M1=100.0, M2=-200.0, mu=300.0, tan_beta=10.0)
    with pytest.raises(ValueError, match="positive"):
        cp.GauginoHiggsinoParams(M1=100.0, M2=200.0, mu=300.0, tan_beta=0.0)
    with pytest.raises(ValueError, match="sin2_theta_w"):
        cp.GauginoHiggsinoParams(M1=100.0, M2=200.0, mu=300.0, tan_beta=2.0, sin2_theta_w=1.5)
    p = _params(X0)
    with pytest.raises(ValueError, match="species"):
        cp.open_cuts(p, "slepton")
    with pytest.raises(ValueError, match="out of range"):
        cp.open_cuts(p, "chargino", 2)


# ------------------------------------------------------------------------------------------------ tree level widths
def test_tree_coupling_mass_insertion_structure():
    # Heavy wino-like chargino: to first order in m_W/(|M2|-|mu|), V_22 = sqrt2 mW (M2^* sb + mu cb)/(|M2|^2-|mu|^2):
    # the C0 chain of eq. (2.6) (M2^* sin(beta)) and the mu cos(beta) chain interfere through cos(phi_2).
    M2a, mua, tb = 3000.0, 300.0, 10.0
    sb, cb = tb / math.sqrt(1 + tb**2), 1 / math.sqrt(1 + tb**2)
    f = jax.jit(
        lambda phi2: cp.lambda_couplings(
            cp.GauginoHiggsinoParams(M1=5000.0, M2=M2a, mu=mua, tan_beta=tb, phi_2=phi2), 1.0
        )[0]
    )
    for phi2 in (0.0, 1.0, 2.5):
        yc = f(phi2)
        pred = math.sqrt(2) * c.M_W * abs(M2a * np.exp(-1j * phi2) * sb + mua * cb) / (M2a**2 - mua**2)
        np.testing.assert_allclose(abs(yc[1]), pred, rtol=3 * (c.M_W / (M2a - mua)) ** 2)


def test_widths_pure_higgsino_limit_and_threshold():
    # M2 -> large: the light chargino is H~u+ (|V_12| -> 1): Gamma = |lambda|^2 m (1 - m_phi^2/m^2)^2 / (32 pi)
    p = cp.GauginoHiggsinoParams(M1=1e6, M2=1e6, mu=500.0, tan_beta=3.0)
    lam, mphi = 1e-7, 100.0
    w = cp.lambda_decay_widths(p, lam, mphi)
    m1 = float(cp.chargino_spectrum(p).masses[0])
    np.testing.assert_allclose(w.chargino[0], lam**2 * m1 * (1 - (mphi / m1) ** 2) ** 2 / (32 * math.pi), rtol=1e-6)
    # both light neutralinos are (H~d0 -+ H~u0)/sqrt2: |N_a4|^2 = 1/2, nu phi + nubar phi* summed -> 2 x 1/2
    mn = np.asarray(cp.neutralino_spectrum(p).masses[:2])
    np.testing.assert_allclose(w.neutralino[:2], lam**2 * mn * (1 - (mphi / mn) ** 2) ** 2 / (32 * math.pi), rtol=1e-5)
    w_closed = cp.lambda_decay_widths(p, lam, 2e6)
    assert np.all(np.asarray(w_closed.chargino) == 0) and np.all(np.isfinite(np.asarray(w_closed.neutralino)))


# ------------------------------------------------------------------------------------------------ master formulae
def test_master_formula_eq14_from_unitarity_and_discrepancy():
    # Direct unitarity construction: T = A2 + (i/2) Phi2 A12 A1, Tbar with conjugated couplings, Phi2 = 1/(8 pi)
    A1, A2, A12 = 0.8 * np.exp(0.3j), 2e-6 * np.exp(-0.4j), 3e-6 * np.exp(1.1j)
    phi2 = 1 / (8 * math.pi)
    T = A2 + 0.5j * phi2 * A12 * A1
    Tb = np.conj(A2) + 0.5j * phi2 * np.conj(A12 * A1)
    eps_direct = (abs(T) ** 2 - abs(Tb) ** 2) / (abs(T) ** 2 + abs(Tb) ** 2)
    # eps = Delta Gamma / (2 Gamma_tree): leading order, exact up to O(|A1 A12 / (16 pi A2)|^2)
    ratio = abs(A1 * A12) / (16 * math.pi * abs(A2))
    np.testing.assert_allclose(cp.master_formula_epsilon(A1, A2, A12), eps_direct, rtol=2 * ratio**2)
    assert abs(cp.master_formula_epsilon(A1, A2, A12) / eps_direct - 1) > 0.1 * ratio**2  # the expansion is real
    # vanishes for a CP-conserving phase (phi = arg(A1 A12 A2^*) = 0) and is odd in it
    assert cp.master_formula_epsilon(0.8, 2e-6, 3e-6) == 0.0
    np.testing.assert_allclose(
        cp.master_formula_epsilon(np.conj(A1), np.conj(A2), np.conj(A12)),
        -cp.master_formula_epsilon(A1, A2, A12),
        rtol=1e-14,
    )
    # Hall et al. eq. (1.5): C_FI = 1e-3, |A1| = 1, |A2| = |A12| = 1e-6 sqrt(m_B/100 GeV), sin(phi) = 1.
    # C_FI = 1.64 g/(g_*s sqrt(g_*rho)) (eq. 1.1) goes with the reduced Planck mass (default of master_formula_eta).
    # Printed "eta_X ~ 1e-2" (one digit); the printed eq. (1.4) (1/128 pi^3) gives 6.1e-3 (rounds to 1e-2 in
    # log10); the derivation (1/128 pi^2) gives 1.93e-2, a factor pi larger.
    mB = 400.0
    a = 1e-6 * math.sqrt(mB / 100)
    eta = cp.master_formula_eta(1.0, a, a * np.exp(-0.5j * math.pi), mB, 1e-3)  # Im(A1 A12 A2^*) = -a^2
    np.testing.assert_allclose(eta, 1e-3 * c.M_PLANCK_REDUCED / mB * a**2 / (128 * math.pi**2), rtol=1e-12)
    np.testing.assert_allclose(eta, 1.928e-2, rtol=1e-3)
    np.testing.assert_allclose(eta, 1e-3 * c.M_PLANCK_REDUCED * 1e-12 / 100 / (128 * math.pi**2), rtol=1e-12)
    printed = 1e-3 * c.M_PLANCK_REDUCED / mB * a**2 / (128 * math.pi**3)
    np.testing.assert_allclose(printed, 6.136e-3, rtol=1e-3)
    assert round(math.log10(printed)) == -2  # "~ 1e-2" of eq. (1.5)
    # eta = eps * Y_X with Y_X = C_FI M_Pl Gamma / m_B^2, Gamma = |A2|^2 m_B / 16 pi (eq. 1.1)
    eps = cp.master_formula_epsilon(1.0, a, a * np.exp(-0.5j * math.pi))
    np.testing.assert_allclose(eta, eps * 1e-3 * c.M_PLANCK_REDUCED * a**2 * mB / (16 * math.pi) / mB**2, rtol=1e-12)


def test_master_formula_eta_planck_mass_conventions():
    """The paper's bare C_FI = 1.64 (eq. 1.1, reduced Planck mass) with g_B, g_* gives the same eta_X as the
    freeze-in yield computed independently with the full Planck mass (jaxgen.freezein.freezein_closed_form, 0.3278);
    the full Planck mass with 1.64 would be sqrt(8 pi) = 5.01x too large."""
    from jaxgen.freezein import freezein_closed_form

    mB, g_b, g_s = 300.0, 2.0, 100.0
    A1, A2, A12 = 0.9 * np.exp(0.2j), 3e-7 * np.exp(-0.7j), 5e-7 * np.exp(0.4j)
    eta = complex(cp.master_formula_eta(A1, A2, A12, mB, 1.64, g_b=g_b, g_s=g_s)).real
    # independent: eps (unitarity) times Y_X from the closed-form freeze-in yield with the full Planck mass
    width = abs(A2) ** 2 * mB / (16 * math.pi)
    y_x = float(freezein_closed_form(mB, width, g_b, g_s=g_s, g_rho=g_s, statistics="mb"))
    ref = float(cp.master_formula_epsilon(A1, A2, A12)) * y_x
    assert eta == pytest.approx(ref, rel=3e-3)  # 1.64 is 1.6435 to its printed 3 digits (+-0.005)
    # whole-coefficient form (c_fi includes g_B/g_*^(3/2)) and full-Planck-mass form with 0.3278 agree
    c_whole = 1.64 * g_b / g_s**1.5
    np.testing.assert_allclose(cp.master_formula_eta(A1, A2, A12, mB, c_whole), eta, rtol=1e-12)
    c_full = 135.0 / (8 * math.pi**3 * math.sqrt(4 * math.pi**3 / 45)) * g_b / g_s**1.5
    np.testing.assert_allclose(cp.master_formula_eta(A1, A2, A12, mB, c_full, m_planck=c.M_PLANCK), ref, rtol=1e-10)
    wrong = complex(cp.master_formula_eta(A1, A2, A12, mB, c_whole, m_planck=c.M_PLANCK)).real
    assert wrong / eta == pytest.approx(math.sqrt(8 * math.pi), rel=1e-12)
    with pytest.raises(ValueError, match="g_b and g_s"):
        cp.master_formula_eta(A1, A2, A12, mB, 1.64, g_b=2.0)


def test_interference_formula_eq25_sign_and_vanishing():
    # Explicit: M = C0 A0 + C1 A1 (process), Mbar = C0^* A0 + C1^* A1 (CP conjugate); one phase-space point.
    C0, C1 = 0.7 * np.exp(0.2j), 0.05 * np.exp(-0.9j)
    A0, A1 = 1.3, 0.4 * np.exp(0.6j)  # A1 complex: absorptive part from an open cut
    M, Mb = C0 * A0 + C1 * A1, np.conj(C0) * A0 + np.conj(C1) * A1
    eps_direct = (abs(M) ** 2 - abs(Mb) ** 2) / (abs(M) ** 2 + abs(Mb) ** 2)
    eps = cp.interference_epsilon(C0, jnp.array([C1]), A0**2, jnp.array([np.imag(A0 * np.conj(A1))]))
    # leading order in C1/C0: relative accuracy ~ |C1 A1 / C0 A0|
    np.testing.assert_allclose(eps, eps_direct, rtol=0.05)
    # the printed eq. (2.5) (+2 instead of -2) has the opposite sign:
    printed = 2 * np.imag(C0 * np.conj(C1)) * np.imag(A0 * np.conj(A1)) / (abs(C0) ** 2 * A0**2)
    assert np.sign(printed) == -np.sign(eps_direct)
    # no phase -> 0; closed cut (no absorptive part) -> 0
    assert cp.interference_epsilon(0.7, jnp.array([0.05]), A0**2, jnp.array([0.3])) == 0.0
    assert cp.interference_epsilon(C0, jnp.array([C1]), A0**2, jnp.array([0.0])) == 0.0
    g = jax.grad(lambda t: cp.interference_epsilon(0.7, jnp.array([0.05 * jnp.exp(1j * t)]), 1.0, jnp.array([0.3])))(
        0.4
    )
    np.testing.assert_allclose(g, 2 * 0.7 * 0.05 * 0.3 * math.cos(0.4) / 0.49, rtol=1e-10)


# ----------------------------------------------------------------------------------------- mass insertion, eq. 2.7
def test_mass_insertion_im_c0c1_matches_printed_couplings():
    # Im[C0 C1^*] from the printed C0 (eq. 2.6) and C1 equals (g_2/2) mW^2 |lambda|^2 Im[mu^* M2^* sin2b^*]
    p = _params(X0)
    for lam_phase in (0.0, 1.3):
        c0, c1 = cp.mass_insertion_couplings(p, 2e-7, lam_phase)
        im = np.imag(c0 * np.conj(c1))
        g2 = math.sqrt(4 * math.pi * c.ALPHA_W)
        mu, M2 = 300 * np.exp(0.2j), 1000 * np.exp(0.3j)
        s2b = 2 * 10 / 101
        expected = g2 / 2 * c.M_W**2 * (2e-7) ** 2 * np.imag(np.conj(mu) * np.conj(M2) * s2b)
        np.testing.assert_allclose(im, expected, rtol=1e-12)
        np.testing.assert_allclose(cp.mass_insertion_im_c0c1(p, 2e-7), expected, rtol=1e-12)
        # reading the extracted "g2/2" as g^2/2 would be off by a factor g_2 (~0.65): excluded
        assert abs(im / (g2**2 / 2 * c.M_W**2 * (2e-7) ** 2 * np.imag(np.conj(mu * M2) * s2b)) - 1) > 0.3
    # rephasing invariance: only phi_mu + phi_2 matters
    p2 = _params(X0.at[5].add(0.4).at[6].add(-0.4))
    np.testing.assert_allclose(cp.mass_insertion_im_c0c1(p2, 2e-7), cp.mass_insertion_im_c0c1(p, 2e-7), rtol=1e-12)


def test_epsilon_eq27_limit_phase_and_cuts():
    # Sec. 2.1 limit: M1 -> infinity, |M2| - |mu| > m_Z, both >> m_Z: heavy chargino ~ W~ with (chi0, W) cuts open
    ch, ne = _spectra(X0)
    np.testing.assert_allclose(ch.masses, [300, 1000], rtol=0.02)
    np.testing.assert_allclose(ne.masses[:3], [300, 300, 1000], rtol=0.02)
    r = _eps(X0, 0.1)
    assert int(r.status) == cp.STATUS_OK and int(r.n_open_cuts) > 0
    np.testing.assert_allclose(r.epsilon, 0.1 * c.ALPHA_W * math.sin(0.5), rtol=1e-12)  # eq. (2.7)
    assert 1e-4 < abs(float(r.epsilon)) < 1e-2  # "eps <~ 1e-3 for O(1) phase" with eps0 ~ 0.1
    # phases -> 0 gives 0; odd in phi_2
    assert float(_eps(X0.at[4:].set(0.0), 0.1).epsilon) == 0.0
    x_neg = X0.at[5].set(-0.3).at[6].set(-0.2)
    np.testing.assert_allclose(_eps(x_neg, 0.1).epsilon, -r.epsilon, rtol=1e-12)
    # LOSP (lightest chargino) never carries an asymmetry (Hall et al. after eq. 2.5)
    p = _params(X0)
    losp = cp.epsilon_gaugino_higgsino(p, 0.1, "chargino", 0)
    assert float(losp.epsilon) == 0.0 and int(losp.status) == cp.STATUS_NO_OPEN_CUT
    # compressed higgsino multiplet: chi0_2 (302 GeV) -> chi0_1 Z, chi+-_1 W all closed -> 0 despite the phases
    rc = cp.epsilon_gaugino_higgsino(p, 0.1, "neutralino", 1)
    assert float(ne.masses[1]) - float(ne.masses[0]) < c.M_Z and float(ne.masses[1]) - float(ch.masses[0]) < c.M_W
    assert float(rc.epsilon) == 0.0 and int(rc.status) == cp.STATUS_NO_OPEN_CUT
    # the W cut opens exactly at m_chi2 = m_chi0_i + m_W (threshold condition of Sec. 2.1)
    cuts = cp.open_cuts(p, "chargino", -1)
    np.testing.assert_array_equal(cuts.w, np.asarray(ne.masses) + c.M_W < float(ch.masses[1]))
    ncuts = cp.open_cuts(p, "neutralino", 2)
    assert bool(ncuts.any()) and not bool(cp.open_cuts(p, "neutralino", 0).any())


def test_epsilon_gradients_and_bad_points():
    f = jax.jit(lambda x, e0: _eps(x, e0).epsilon)
    check_grads(f, (X0, 0.1), order=1, modes=["fwd", "rev"], eps=1e-5, atol=1e-10, rtol=1e-5)
    g = jax.grad(f)(X0, 0.1)
    np.testing.assert_allclose(g[5], 0.1 * c.ALPHA_W * math.cos(0.5), rtol=1e-10)  # d eps / d phi_2
    np.testing.assert_allclose(g[:4], 0.0)  # masses only enter through the threshold step
    # one bad point in a batch is flagged, the rest unaffected, no NaN
    xs = jnp.stack([X0, X0.at[1].set(jnp.nan), X0, X0.at[3].set(-2.0)])
    out = jax.vmap(_eps, in_axes=(0, None))(xs, 0.1)
    np.testing.assert_array_equal(out.status, [0, cp.STATUS_BAD_SPECTRUM, 0, cp.STATUS_BAD_SPECTRUM])
    assert np.all(np.isfinite(np.asarray(out.epsilon))) and float(out.epsilon[1]) == float(out.epsilon[3]) == 0.0
    # a batch built from concrete arrays is not rejected at construction; the bad point is flagged instead
    pb = _params(xs.T)
    out_b = cp.epsilon_gaugino_higgsino(pb, 0.1)
    np.testing.assert_array_equal(out_b.status, out.status)
    np.testing.assert_allclose(out_b.epsilon, out.epsilon, rtol=1e-12)


def test_widths_and_eps_batched_equals_looped_and_float32():
    rng = np.random.default_rng(7)
    xs = jnp.asarray(
        np.column_stack(
            [
                rng.uniform(200, 3000, 4),
                rng.uniform(200, 3000, 4),
                rng.uniform(100, 2000, 4),
                rng.uniform(1.5, 40, 4),
                rng.uniform(-3, 3, (4, 3)),
            ]
        )
    )
    lam, mphi = jnp.asarray(rng.uniform(1e-8, 1e-7, 4)), jnp.asarray(rng.uniform(0, 150, 4))
    f = jax.jit(lambda x, lam_, m: cp.lambda_decay_widths(_params(x), lam_, m))
    wb = jax.vmap(f)(xs, lam, mphi)
    wbc = cp.lambda_decay_widths(_params(xs.T), lam, mphi)  # broadcasting over array fields
    for k in range(4):
        wk = f(xs[k], lam[k], mphi[k])
        np.testing.assert_allclose(wb.chargino[k], wk.chargino, rtol=1e-12)
        np.testing.assert_allclose(wb.neutralino[k], wk.neutralino, rtol=1e-12)
        np.testing.assert_allclose(wbc.neutralino[k], wk.neutralino, rtol=1e-10)
    # float32: eq. (2.7) result and widths agree with float64 to single precision
    r32 = _eps(X0.astype(jnp.float32), jnp.float32(0.1))
    assert r32.epsilon.dtype == jnp.float32
    np.testing.assert_allclose(r32.epsilon, _eps(X0, 0.1).epsilon, rtol=1e-5)
    w32 = f(X0.astype(jnp.float32), jnp.float32(1e-7), jnp.float32(50.0))
    np.testing.assert_allclose(w32.neutralino, f(X0, 1e-7, 50.0).neutralino, rtol=1e-4)
