"""Tests for jaxgen._cp_loops: eps of chargino/neutralino decays to (lepton, phi_X) from the spectrum and phases.

Hall, March-Russell, West 2010 (arXiv:1010.0245) Sec. 2.1, eqs. (2.3)-(2.7); derivation in
docs/derivations/cp_from_spectrum.md. Three compiled functions are shared by all tests (JIT dominates the cost).
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgen.cp as cp
from jaxgen import _cp_loops as L
from jaxgen import constants as c

FIELDS = ("M1", "M2", "mu", "tan_beta", "phi_1", "phi_2", "phi_mu")
# generic point: many W, Z, h cuts open for chi-_2 and chi0_2..4
X_GEN = np.array([250.0, 900.0, 420.0, 4.0, 0.4, 0.6, 0.3, 1e-3, 30.0])  # + |lambda|, m_phi [GeV]
NB = 14  # one batch size for every vmapped call (one compilation)


def _params(x):
    return cp.GauginoHiggsinoParams(**dict(zip(FIELDS, x[:7])))


def _res(x):
    return cp.cp_asymmetries_from_spectrum(_params(x), lam=x[7], m_phi=x[8])


_F = jax.jit(_res)
# both directions of the cuts evaluated independently: the CPT/unitarity sum rule is a real check of the spin sums
_F_CHECK = jax.jit(lambda x: cp.cp_asymmetries_from_spectrum(_params(x), lam=x[7], m_phi=x[8], unitarity_check=True))
_FVJ = jax.jit(jax.vmap(_res))


def _FV(xs):
    """Batched evaluation, padded to NB rows so that every call reuses one compilation."""
    xs = np.asarray(xs, float)
    n = len(xs)
    assert n <= NB
    r = _FVJ(jnp.asarray(np.concatenate([xs, np.tile(X_GEN, (NB - n, 1))])))
    return jax.tree_util.tree_map(lambda a: a[:n], r)


def _summary(x):
    r = _res(x)
    return jnp.concatenate([r.eps_chargino, r.eps_neutralino, r.delta_visible_chargino[1, :2]])


_JVP = jax.jit(lambda x, v: jax.jvp(_summary, (x,), (v,)))


@pytest.fixture(scope="module")
def gen():
    return _F(jnp.asarray(X_GEN))


@pytest.fixture(scope="module")
def gen_check():
    return _F_CHECK(jnp.asarray(X_GEN))


# --------------------------------------------------------------------------------------------- couplings
def test_couplings_from_one_gauge_lagrangian():
    """Mass matrices from the generators equal _cp.py's; mu and lambda terms gauge invariant; W couplings = HK."""
    G, Y, S = L._GEN, L._HYP, L._WINO_S
    sw2 = c.SIN2_THETA_W
    g = L._G2_DEFAULT
    gp = g * math.sqrt(sw2 / (1 - sw2))
    mw = c.M_W
    p = cp.GauginoHiggsinoParams(
        M1=310.0, M2=870.0, mu=440.0, tan_beta=3.0, phi_1=0.2, phi_2=-0.7, phi_mu=1.1, m_Z=mw / math.sqrt(1 - sw2)
    )
    v = math.sqrt(2) * mw / g
    tb = 3.0
    sb, cb = tb / math.sqrt(1 + tb**2), 1 / math.sqrt(1 + tb**2)
    M = np.zeros((11, 11), complex)
    m1, m2, mu = (310 * np.exp(0.2j), 870 * np.exp(-0.7j), 440 * np.exp(1.1j))
    M[0, 0], M[1, 1], M[4, 6] = m1, m2, m2
    M[6, 4] = m2
    # W = mu H_u H_d, H_u H_d = H_u+ H_d- - H_u0 H_d0  ->  -(1/2) psi^T M psi
    M[5, 7] = M[7, 5] = mu
    M[2, 3] = M[3, 2] = -mu
    # -sqrt2 g (H^dag T^a psi_H) lambda^a - sqrt2 g' y (H^dag psi_H) B~ with <H_u> = (0, v sb), <H_d> = (v cb, 0)
    wino = [4, 6, 1]
    tau = np.stack([L._S1, L._S2, L._S3]) / 2
    for idx, vev, y in (((5, 3), np.array([0, v * sb]), 0.5), ((2, 7), np.array([v * cb, 0]), -0.5)):
        for n in range(2):
            for b in range(3):
                val = math.sqrt(2) * g * sum((vev.conj() @ tau[a])[n] * S[a, b] for a in range(3))
                M[idx[n], wino[b]] += val
                M[wino[b], idx[n]] += val
            M[idx[n], 0] += math.sqrt(2) * gp * y * vev.conj()[n]
            M[0, idx[n]] += math.sqrt(2) * gp * y * vev.conj()[n]
    MN, X = np.asarray(cp.neutralino_mass_matrix(p)), np.asarray(cp.chargino_mass_matrix(p))
    np.testing.assert_allclose(M[0:4, 0:4], MN, atol=1e-9)
    np.testing.assert_allclose(M[6:8, 4:6], X, atol=1e-9)  # rows psi^- = (W~-, H~d-), columns psi^+ = (W~+, H~u+)
    # gauge invariance of psi^T K psi: G^T K + K G = 0 for the mu term and the lambda term
    Mmu = np.zeros((11, 11), complex)
    Mmu[5, 7] = Mmu[7, 5] = mu
    Mmu[2, 3] = Mmu[3, 2] = -mu
    Yp = np.asarray(L._lambda_yukawa_gauge(0.7))
    for K in (Mmu, Yp):
        for Ga in (*G, Y):
            np.testing.assert_allclose(Ga.T @ K + K @ Ga, 0, atol=1e-12)
    # electric charge is diagonal in the mass basis: chi+ (+1), chi- (-1), e (-1)
    ch, ne = cp.chargino_spectrum(p), cp.neutralino_spectrum(p)
    R = np.zeros((11, 11), complex)
    R[0:4, 0:4], R[4:6, 4:6], R[6:8, 6:8] = ne.N, ch.V, ch.U
    R[8, 8] = R[9, 9] = 1
    np.testing.assert_allclose(R @ L._Q @ R.conj().T, np.diag([0, 0, 0, 0, 1, 1, -1, -1, 0, -1, 0]), atol=1e-12)
    # W couplings against the Haber-Kane / SLHA O^L, O^R: the flow chi-_i -> chi0_j W- has (aL, aR) = -g (O^R*, O^L*),
    # i.e. L = -g W-_mu chi0bar gamma^mu (O^L P_L + O^R P_R) chi~+ + h.c. (the overall sign is the one of the lepton
    # current -g/sqrt2 W+ nubar gamma P_L e in the same D = d + i g A T convention, Dreiner-Haber-Martin)
    OUT, IN, mf = L._mass_basis(p, g, 1.0)
    N, U, V = ne.N, ch.U, ch.V
    for i in range(2):
        for j in range(4):
            OL = -N[j, 3] * np.conj(V[i, 1]) / math.sqrt(2) + N[j, 1] * np.conj(V[i, 0])
            OR = np.conj(N[j, 2]) * U[i, 1] / math.sqrt(2) + np.conj(N[j, 1]) * U[i, 0]
            np.testing.assert_allclose(np.asarray(OUT[1, j, 4 + i]) / g, [-np.conj(OR), -np.conj(OL)], atol=1e-12)
            # hermiticity: the reverse vertex chi0_j + W- -> chi-_i is the conjugate
            np.testing.assert_allclose(np.asarray(IN[1, 4 + i, j]), np.conj(OUT[1, j, 4 + i]), atol=1e-12)


def test_tree_widths(gen):
    """Gamma(chi -> l phi_X) = jaxgen.cp.lambda_decay_widths; Gamma(chi-_2 -> chi0_j W-) = the HK closed form."""
    x = X_GEN
    p = _params(x)
    tw = cp.lambda_decay_widths(p, lam=x[7], m_phi=x[8])
    np.testing.assert_allclose(gen.gamma_lambda_chargino, tw.chargino, rtol=1e-10)
    np.testing.assert_allclose(2 * gen.gamma_lambda_neutralino[:, 0], tw.neutralino, rtol=1e-10)
    np.testing.assert_allclose(gen.gamma_lambda_neutralino[:, 0], gen.gamma_lambda_neutralino[:, 1], rtol=1e-12)
    ch, ne = cp.chargino_spectrum(p), cp.neutralino_spectrum(p)
    N, U, V = ne.N, ch.U, ch.V
    g, mw = L._G2_DEFAULT, c.M_W
    mi = float(ch.masses[1])
    for j in range(4):
        mj = float(ne.masses[j])
        OL = -N[j, 3] * np.conj(V[1, 1]) / math.sqrt(2) + N[j, 1] * np.conj(V[1, 0])
        OR = np.conj(N[j, 2]) * U[1, 1] / math.sqrt(2) + np.conj(N[j, 1]) * U[1, 0]
        lam = (mi**2 - (mj + mw) ** 2) * (mi**2 - (mj - mw) ** 2)
        if lam <= 0 or mi < mj + mw:
            assert float(gen.gamma_visible_chargino[1, j]) == 0.0
            continue
        pk = math.sqrt(lam) / (2 * mi)
        m2sum = g**2 * (
            (abs(OL) ** 2 + abs(OR) ** 2) * (mi**2 + mj**2 - 2 * mw**2 + (mi**2 - mj**2) ** 2 / mw**2)
            - 12 * mi * mj * float(np.real(OL * np.conj(OR)))
        )
        np.testing.assert_allclose(gen.gamma_visible_chargino[1, j], pk / (16 * math.pi * mi**2) * m2sum, rtol=1e-10)


# ------------------------------------------------------------------------------------- unitarity, CPT, zeros
def test_cpt_unitarity_sum_rule(gen_check, gen):
    """Sum over all final states (l phi_X and the visible chi_j V) of Delta Gamma vanishes for every state, with
    the two directions of every cut evaluated independently (unitarity_check=True); the default path, which takes
    the visible channels' cuts as the negatives of the l phi_X ones (pairwise antisymmetry), equals it."""
    for name in type(gen).__dataclass_fields__:
        a, b = np.asarray(getattr(gen, name)), np.asarray(getattr(gen_check, name))
        # rate differences: relative to the largest of the species (some entries are round-off-level zeros)
        sp = name.split("_")[-1]
        rates = name.startswith(("delta", "sum_rule"))
        scale = np.max(np.abs(np.asarray(getattr(gen_check, f"delta_visible_{sp}")))) if rates else 0
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * scale, err_msg=name)
    gen = gen_check
    dl_c, dv_c = np.asarray(gen.delta_lambda_chargino), np.asarray(gen.delta_visible_chargino)
    dl_n, dv_n = np.asarray(gen.delta_lambda_neutralino), np.asarray(gen.delta_visible_neutralino)
    scale_c = np.max(np.abs(dv_c))
    scale_n = np.max(np.abs(dv_n))
    # a real check: individual asymmetries are large compared with the residual
    # (the visible-channel asymmetries are O(lambda^2): tiny eps, but Delta Gamma of the same size as for l phi_X)
    assert abs(float(gen.eps_chargino[1])) > 1e-5
    assert scale_c > 0.1 * abs(float(dl_c[1])) > 1e6 * abs(float(gen.sum_rule_chargino[1]))
    np.testing.assert_allclose(gen.sum_rule_chargino, 0, atol=1e-12 * scale_c)
    np.testing.assert_allclose(dl_c + dv_c.sum(-1), 0, atol=1e-12 * scale_c)
    np.testing.assert_allclose(gen.sum_rule_neutralino, 0, atol=1e-12 * scale_n)
    # Majorana decaying state: CPT pairs f and fbar
    np.testing.assert_allclose(dl_n[:, 1], -dl_n[:, 0], atol=1e-12 * scale_n)
    np.testing.assert_allclose(dv_n[:, 2:4], -dv_n[:, 0:2], atol=1e-12 * scale_n)  # chi+_j W- vs chi-_j W+
    # the LOSP and the lightest chargino of this spectrum: eps from the open cuts only
    assert float(gen.eps_neutralino[0]) == 0.0
    assert np.all(np.abs(gen.eps_chargino) < 1) and np.all(np.abs(gen.eps_neutralino) < 1)
    # eps = Delta Gamma / (2 Gamma)
    np.testing.assert_allclose(gen.eps_chargino, dl_c / (2 * np.asarray(gen.gamma_lambda_chargino)), rtol=1e-12)


def test_zero_without_phases_or_open_cuts():
    xs = np.array(
        [
            [250.0, 900.0, 420.0, 4.0, 0.0, 0.0, 0.0, 1.0, 30.0],  # all phases zero
            [
                250.0,
                900.0,
                420.0,
                4.0,
                math.pi,
                0.0,
                math.pi,
                1.0,
                30.0,
            ],  # CP-conserving signs (M1 > 0, mu < 0, M2 < 0)
            [250.0, 900.0, 420.0, 4.0, 0.0, math.pi, 0.0, 1.0, 30.0],
            [1000.0, 1e5, 1030.0, 4.0, 0.4, 0.6, 0.3, 1.0, 30.0],  # compressed bino-higgsino: no W, Z, h cut open
            [250.0, 900.0, 420.0, 4.0, 0.4, 0.6, 0.3, 1.0, 2000.0],  # phi_X heavier than every state
        ]
    )
    r = _FV(jnp.asarray(xs))
    for k in range(3):
        scale = np.max(np.abs(r.delta_visible_neutralino[0])) + 1e-30
        np.testing.assert_allclose(r.eps_chargino[k], 0, atol=1e-13)
        np.testing.assert_allclose(r.eps_neutralino[k], 0, atol=1e-13)
        np.testing.assert_allclose(r.delta_visible_chargino[k], 0, atol=1e-14 * scale + 1e-18)
    # compressed light states (the 1e5 GeV wino decays to all of them and does carry an asymmetry)
    assert float(r.eps_chargino[3, 0]) == 0 and np.all(np.asarray(r.eps_neutralino[3, :3]) == 0)
    assert np.all(np.asarray(r.delta_visible_neutralino[3, :3]) == 0)
    assert abs(float(r.eps_chargino[3, 1])) > 0
    assert np.all(np.asarray(r.eps_chargino[4]) == 0) and np.all(np.asarray(r.eps_neutralino[4]) == 0)
    assert np.all(np.asarray(r.gamma_lambda_chargino[4]) == 0)


def test_rephasing_invariance_and_lambda_independence():
    base = X_GEN.copy()
    a = 0.37
    shifted = base.copy()
    shifted[4] -= a
    shifted[5] -= a
    shifted[6] += a  # (phi_1, phi_2, phi_mu) -> (phi_1 - a, phi_2 - a, phi_mu + a)
    other_lam = base.copy()
    other_lam[7] = 1e-11  # eps depends on lambda only through the O(lambda^2) part of the regulator widths
    r = _FV(jnp.asarray(np.stack([base, shifted, other_lam])))
    for k in (1, 2):
        np.testing.assert_allclose(r.eps_chargino[k], r.eps_chargino[0], rtol=1e-6, atol=1e-15)
        np.testing.assert_allclose(r.eps_neutralino[k], r.eps_neutralino[0], rtol=1e-6, atol=1e-15)
    # widths and rate differences scale with |lambda|^2
    np.testing.assert_allclose(r.gamma_lambda_chargino[2], 1e-16 * r.gamma_lambda_chargino[0], rtol=1e-10)
    np.testing.assert_allclose(r.delta_visible_chargino[2], 1e-16 * r.delta_visible_chargino[0], rtol=1e-5, atol=1e-30)
    # per-flavour lambda vector: only sum |lambda_k|^2 enters (phases drop out)
    assert float(L._lambda_norm(jnp.array([0.6, 0.8j, 0.0]))) == pytest.approx(1.0, rel=1e-15)
    assert float(L._lambda_norm(-0.3 + 0.4j)) == pytest.approx(0.5, rel=1e-15)


# ------------------------------------------------------------------------------------ mass-insertion limit
def test_mass_insertion_limit_sec21():
    """M1 -> inf, |M2|, |mu| >> m_Z, M2 - mu > m_Z: eps(chi-_2 -> l phi_X) = eps0 alpha_w sin(phi_2) (eq. 2.7).

    Eqs. (2.5)-(2.6) predict eps proportional to Im[C0 C1^*]/|C0|^2 = -(g2/2)|mu M2| cot(beta) sin(phi_2) times a
    dimension -2 loop ratio, i.e. eps / (Im[C0 C1^*] / (|C0|^2 |mu M2|)) = K(|mu|/|M2|) independent of the phase,
    tan(beta) and the overall scale; corrections are O(cot beta) (the mu cos(beta) piece of the tree chain) and
    O(m_Z^2/M^2).
    """
    phis = np.array([0.3, 1.2, 2.5])
    rows = []
    for scale in (1.0, 2.0):
        for tb in (30.0, 100.0):
            for ph in phis:
                rows.append([1e7, 3000.0 * scale, 1000.0 * scale, tb, 0.0, ph, 0.0, 1.0, 0.0])
    rows.append([1e8, 3000.0, 1000.0, 30.0, 1.3, 0.4, 0.8, 1.0, 0.0])  # phi_2(HMW) = 1.2, other phase M1
    rows.append([1e8, 3000.0, 1000.0, 30.0, 0.0, 1.2, 0.0, 1.0, 0.0])
    xs = np.array(rows)
    r = _FV(jnp.asarray(xs))
    eps = np.asarray(r.eps_chargino[:, 1])
    aw = c.ALPHA_W
    K = []
    for x, e in zip(xs, eps):
        p = _params(x)
        c0, _ = cp.mass_insertion_couplings(p)
        im = float(cp.mass_insertion_im_c0c1(p))
        K.append(e / (im / (abs(complex(c0)) ** 2 * x[1] * x[2])))
    K = np.array(K)
    # sin(phi_2) shape: eps / sin(phi_2) constant to O(cot beta)
    for blk, tb in zip(range(4), (30.0, 100.0, 30.0, 100.0)):
        e0 = eps[3 * blk : 3 * blk + 3] / (aw * np.sin(phis))
        assert np.ptp(e0) / np.mean(e0) < 5.0 / tb
    # one loop ratio K: independent of tan(beta), scale and phase (to O(cot beta))
    np.testing.assert_allclose(K[:12], np.mean(K[3:6]), rtol=0.15)
    np.testing.assert_allclose(K[3:6], K[9:12], rtol=0.02)  # overall scale at tan(beta) = 100
    # the phase of M1 decouples (slowly, ~ 6e4 GeV / M1: the two higgsino (chi0, W) cuts cancel to ~6% and the
    # remainder is sensitive to the O(m_Z^2/M1) bino perturbation of the pseudo-Dirac pair)
    np.testing.assert_allclose(eps[-2], eps[-1], rtol=2e-3)
    np.testing.assert_allclose(eps[-1], eps[1], rtol=2e-2)
    # eps0 implied (eq. 2.7): eps0 ~ 0.054 cot(beta) here, of the O(0.1 cot(beta)/(1/2)) size of Im C0 C1^*/|C0|^2
    eps0 = eps[3:6] / (aw * np.sin(phis))
    assert 0.02 < np.mean(eps0) * 100.0 < 0.1
    np.testing.assert_allclose(cp.epsilon_eq27(np.mean(eps0), phis), eps[3:6], rtol=0.02)


# --------------------------------------------------------------------------------- regulator, gradients, vmap
def test_resonance_regulator():
    f = L._regulated_propagator
    s, gam = 500.0**2, 2.0
    assert float(f(1e4, s, 0.0)) == pytest.approx(1e-4, rel=1e-12)
    dm2 = np.linspace(-5e3, 5e3, 2001)
    vals = np.asarray(f(dm2, s, gam))
    assert np.max(np.abs(vals)) <= 1 / (2 * math.sqrt(s) * gam) * (1 + 1e-9)
    assert float(f(0.0, s, gam)) == 0.0
    # nearly degenerate higgsino pair decaying to a light bino: finite, |eps| < 1, sum rule intact
    x = np.array([200.0, 5000.0, 800.0, 2.0, 0.0, 0.0, 0.9, 1.0, 0.0])
    r = _F_CHECK(jnp.asarray(x))
    m = np.asarray(cp.neutralino_spectrum(_params(x)).masses)
    assert m[2] - m[1] < 0.01 * m[1]  # the pair is split by ~ m_Z^2/M
    assert np.all(np.isfinite(r.eps_neutralino)) and np.all(np.abs(r.eps_neutralino) < 1)
    assert abs(float(r.eps_neutralino[1])) > 1e-8
    scale = float(np.max(np.abs(r.delta_visible_neutralino)))
    np.testing.assert_allclose(r.sum_rule_neutralino, 0, atol=1e-10 * scale)


def test_gradients_against_finite_differences():
    x = jnp.asarray(X_GEN)
    rng = np.random.default_rng(3)
    # lambda enters eps only through the O(lambda^2) regulator widths: a tiny derivative, checked with a larger step
    for scale, tol, h in (
        (np.array([10.0, 10.0, 10.0, 0.3, 0.5, 0.5, 0.5, 2e-4, 5.0]), 1e-9, 1e-5),
        (np.eye(9)[7], 1e-3, 1e-4),
    ):
        v = jnp.asarray(rng.normal(size=9) * scale if scale.sum() > 1.5 else scale)
        y, dy = _JVP(x, v)
        fd = (_summary(x + h * v) - _summary(x - h * v)) / (2 * h)
        assert np.all(np.isfinite(dy))
        np.testing.assert_allclose(dy, fd, rtol=2e-5, atol=tol * float(np.max(np.abs(fd))))
    # lambda does not enter eps at this order: zero derivative
    y, dy = _JVP(x, jnp.asarray(np.eye(9)[7]))
    assert np.max(np.abs(X_GEN[7] * dy[:6])) < 1e-6 * float(np.max(np.abs(y[:6])))


def test_threshold_kinematics():
    """The two-body momentum (every rate and cut is proportional to it) is 0 with zero gradient at and below
    threshold, finite just above, and exact in between."""
    f = L._kallen_p
    for m in (180.0, 179.0, 50.0):  # at, below threshold; and m < m1 - m2 (closed, although lambda > 0)
        assert float(f(m, 100.0, 80.0)) == 0.0
        assert float(jax.grad(f)(m, 100.0, 80.0)) == 0.0
    assert float(f(500.0, 100.0, 80.0)) == pytest.approx(
        math.sqrt((500**2 - 180**2) * (500**2 - 20**2)) / 1000, rel=1e-14
    )
    assert np.isfinite(float(jax.grad(f)(180.0 + 1e-6, 100.0, 80.0)))


def test_batched_equals_looped():
    xs = np.stack([X_GEN, X_GEN * np.array([1.1, 0.9, 1.05, 1.5, -1, 1.3, 0.5, 1, 0.5])])
    rb = _FV(jnp.asarray(xs))
    for k in range(2):
        rk = _F(jnp.asarray(xs[k]))
        for name in ("eps_chargino", "eps_neutralino", "delta_visible_neutralino", "width_total"):
            a, b = np.asarray(getattr(rb, name)[k]), np.asarray(getattr(rk, name))
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12 * np.max(np.abs(b)))


def test_bad_input():
    with pytest.raises(ValueError, match="m_phi"):
        cp.cp_asymmetries_from_spectrum(_params(X_GEN), m_phi=-1.0)


def test_legendre_closed_form_of_the_t_channel_log():
    """Neumann: Int_{-1}^{1} P_n(c)/(z - c) dc = 2 Q_n(z) for the Q_n recurrence used near the t-channel pole."""
    xg, wg = np.polynomial.legendre.leggauss(400)
    for z in (1.05, 1.5, 2.9, -1.2):
        q = np.asarray(L._legendre_q(jnp.asarray(z)))
        for n in range(L._K):
            pn = np.polynomial.legendre.legval(xg, np.eye(L._K)[n])
            np.testing.assert_allclose(np.sum(wg * pn / (z - xg)), 2 * q[n], rtol=1e-8, atol=1e-11)


def test_photon_ward_identity_of_the_rescattering_amplitude():
    """k_mu M^mu = 0 for chi-_j gamma -> e- phi_X (s-channel chargino + t-channel electron, any s): checks the
    relative sign of the self-energy-type and vertex-type graphs, the chi- right-handed (eta) couplings and the
    fermion-flow assembly used in the unitarity integrals."""
    p = _params(X_GEN)
    g = L._G2_DEFAULT
    OUT, IN, mf = L._mass_basis(p, g, 0.7)
    ch, ne = cp.chargino_spectrum(p), cp.neutralino_spectrum(p)
    R = np.zeros((11, 11), complex)
    R[0:4, 0:4], R[4:6, 4:6], R[6:8, 6:8] = ne.N, ch.V, ch.U
    R[8, 8] = R[9, 9] = 1
    e = g * math.sqrt(c.SIN2_THETA_W)
    VA = np.asarray(L._vector_vertex(jnp.asarray(e * R @ L._Q @ R.conj().T)))  # L = -e Q A psi^dag sbar psi
    out_phi = np.asarray(OUT[4])
    sl = lambda v: np.asarray(L._slash(jnp.asarray(v)))  # noqa: E731
    chi = lambda cpl: cpl[0] * L._PL + cpl[1] * L._PR  # noqa: E731
    for j in range(2):
        B, A = 4 + j, 10
        mB = float(mf[B])
        for rs in (1.3 * mB, 2.7 * mB):
            kk = (rs**2 - mB**2) / (2 * rs)  # photon energy = momentum in the CM frame
            pB = np.array([rs - kk, 0, 0, kk])
            k = np.array([kk, 0, 0, -kk])
            pl = rs / 2 * np.array([1, 0.6, 0, 0.8])  # massless phi_X, any direction
            pS = pB + k - pl
            P = pB + k
            s = rs**2
            om = np.zeros((4, 4), complex)
            for kf in range(8):  # s-channel: chi-_k (only the diagonal photon coupling survives)
                mk = float(mf[kf])
                om += chi(out_phi[A, kf]) @ (sl(P) + mk * np.eye(4)) @ sl(k) @ chi(VA[kf, B]) / (mk**2 - s)
            q = pB - pS
            q2 = q[0] ** 2 - q[1:] @ q[1:]
            for lf in range(8, 12):  # t-channel lepton
                om += sl(k) @ chi(VA[A, lf]) @ sl(q) @ chi(out_phi[lf, B]) / (-q2)
            ward = sl(pl) @ om @ (sl(pB) + mB * np.eye(4))
            ref = np.abs(sl(pl) @ chi(out_phi[A, B]) @ (sl(pB) + mB * np.eye(4))).max() * e
            assert ref > 0
            np.testing.assert_allclose(ward, 0, atol=1e-12 * ref)


def test_contact_terms_cancel_for_w_and_z():
    """Gauge invariance of the re-scattering chi_j V -> l phi_X in the flow formalism. Contracting eps -> k with
    on-shell external states, the s-channel (chi_k, all k) leaves the contact term -S(A<-k) (a P_L + b P_R)(k<-B) and
    the t-channel (massless lepton) +(a P_R + b P_L)(A<-l) S(l<-B); they cancel,
    sum_k S(A<-k) (a P_L + b P_R)(k<-B) = sum_l (a P_R + b P_L)(A<-l) S(l<-B),
    which is the SU(2) x U(1) invariance of lambda L H_u X rotated to the mass basis (the remainder of k.M is the
    Goldstone amplitude). W-, W+ and Z, chargino and neutralino initial states."""
    p = _params(X_GEN)
    OUT, IN, mf = L._mass_basis(p, L._G2_DEFAULT, 0.7)
    OUT, IN = np.asarray(OUT), np.asarray(IN)
    chi = lambda cpl: cpl[0] * L._PL + cpl[1] * L._PR  # noqa: E731
    flip = lambda cpl: cpl[0] * L._PR + cpl[1] * L._PL  # noqa: E731
    cases = (
        [(j, 1, 10) for j in range(4)]
        + [(4 + j, 2, 10) for j in range(2)]
        + [(j, 2, 8) for j in range(4)]
        + [(4 + j, 0, 8) for j in range(2)]
    )  # (B, V incoming, A)
    for B, V, A in cases:
        lhs = sum(chi(OUT[4, A, k]) @ chi(IN[V, k, B]) for k in range(8))
        rhs = sum(flip(IN[V, A, lf]) @ chi(OUT[4, lf, B]) for lf in range(8, 12))
        assert np.abs(lhs).max() > 1e-3
        np.testing.assert_allclose(lhs, rhs, atol=1e-12)


def test_epsilon_from_spectrum_drop_in():
    """Same result type as epsilon_gaugino_higgsino; eps equals the full computation; LOSP status 1."""
    p = _params(X_GEN)
    f = jax.jit(
        lambda p: (
            cp.epsilon_from_spectrum(p, "chargino", -1, lam=X_GEN[7], m_phi=X_GEN[8]),
            cp.epsilon_from_spectrum(p, "neutralino", 0, lam=X_GEN[7], m_phi=X_GEN[8]),
        )
    )
    a, b = f(p)
    full = _F(jnp.asarray(X_GEN))
    assert isinstance(a, cp.CPAsymmetry)
    np.testing.assert_allclose(a.epsilon, full.eps_chargino[1], rtol=1e-12)
    assert int(a.status) == cp.STATUS_OK and int(a.n_open_cuts) > 0
    assert int(b.status) == cp.STATUS_NO_OPEN_CUT and float(b.epsilon) == 0.0
    with pytest.raises(ValueError, match="species"):
        cp.epsilon_from_spectrum(p, "slepton")


def test_result_units_metadata():
    from jaxgen._units import field_units

    u = field_units(L.SpectrumCPAsymmetries)
    assert u["eps_chargino"] == "1" and u["phi_2"] == "rad" and u["width_total"] == "GeV"
    assert set(u) == {f.name for f in __import__("dataclasses").fields(L.SpectrumCPAsymmetries)}


def _res_reference(x):
    """The numerical-Dirac-trace path (vmap of _tree_width / _pair), the reference of the closed-form spin sums."""
    return L._asymmetries_reference(
        _params(x), L._lambda_norm(x[7]), jnp.asarray(x[8]), c.M_HIGGS, L._G2_DEFAULT, c.ALPHA_W
    )


def test_closed_form_spin_sums_equal_numerical_traces():
    """The closed-form spin sums (tools/gen_cp_traces.py -> jaxgen/_cp_traces.py, the evaluated path) equal the
    numerical 4x4 Dirac traces with 8 angular nodes and 3 x 3 polarisations (the original implementation, kept as
    _asymmetries_reference) to <= 1e-10 relative, for every output, over random spectra (measured ~1e-13)."""
    rng = np.random.default_rng(11)
    n = NB - 2
    lu = lambda lo, hi: 10 ** rng.uniform(math.log10(lo), math.log10(hi), n)  # noqa: E731
    xs = np.stack(
        [
            lu(100.0, 1000.0),
            lu(200.0, 2000.0),
            lu(200.0, 2000.0),
            lu(2.0, 40.0),
            rng.uniform(-math.pi, math.pi, n),
            rng.uniform(-math.pi, math.pi, n),
            rng.uniform(-math.pi, math.pi, n),
            np.full(n, 1e-3),
            rng.uniform(0.0, 60.0, n),
        ],
        axis=1,
    )
    compressed = np.array([480.0, 520.0, 500.0, 10.0, 0.3, 0.9, -0.4, 1e-3, 1.0])  # near-degenerate states
    xs = np.concatenate([xs, [X_GEN, compressed]])
    new = _FV(xs)
    ref = jax.jit(jax.vmap(_res_reference))(jnp.asarray(xs))
    n_open = 0
    for name in type(new).__dataclass_fields__:
        a, b = np.asarray(getattr(new, name)), np.asarray(getattr(ref, name))
        flat_a, flat_b = a.reshape(len(xs), -1), b.reshape(len(xs), -1)
        scale = np.max(np.abs(flat_b), axis=1, keepdims=True)
        if name.startswith("sum_rule"):  # round-off zeros: relative to the rate differences they sum
            sp = name.split("_")[-1]
            scale = np.max(np.abs(np.asarray(getattr(ref, f"delta_visible_{sp}")).reshape(len(xs), -1)), axis=1)
            scale = scale[:, None]
        assert np.all(np.abs(flat_a - flat_b) <= 1e-10 * scale), name
        n_open += int(np.sum(flat_b != 0))
    # elementwise for eps and the rates (the visible Delta Gamma contain round-off-level entries, e.g. CP-even
    # combinations; they are covered by the per-point scale above)
    for name in (
        "eps_chargino",
        "eps_neutralino",
        "delta_lambda_neutralino",
        "width_total",
        "gamma_visible_neutralino",
    ):
        a, b = np.asarray(getattr(new, name)), np.asarray(getattr(ref, name))
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=0)  # elementwise
    assert n_open > 100  # the spectra open many cuts


def test_fast_mass_basis_equals_dense_vertex_tensors():
    """The evaluated path's mass basis (block-wise rotations, couplings gathered from static tables: _LazyVertex)
    equals the dense OUT, IN of _mass_basis (the reference's) entry by entry, and the couplings the s-channel sum
    drops (chi_k of another charge than the decaying state) vanish identically in the dense tensors."""
    p = _params(X_GEN)
    OUT, IN, mf = L._mass_basis(p, L._G2_DEFAULT, 0.7)
    O2, I2, mf2 = L._mass_basis_fast(p, L._G2_DEFAULT, 0.7)
    np.testing.assert_allclose(np.asarray(O2.dense()), np.asarray(OUT), rtol=0, atol=1e-14)
    np.testing.assert_allclose(np.asarray(I2.dense()), np.asarray(IN), rtol=0, atol=1e-14)
    np.testing.assert_array_equal(np.asarray(mf2), np.asarray(mf))
    assert float(np.max(np.abs(np.asarray(OUT)))) > 0.1  # nonzero couplings are compared
    # charge conservation: chi_k -> A + S and chi_k -> B + V with chi_k of a charge other than the decaying state's
    # (k in the flows of another charge, for the channels of its decays) are zero (to the round-off, ~1e-18, of the
    # numerically built wino generators)
    tol = 1e-15 * float(np.max(np.abs(np.asarray(OUT))))
    for ds, chans in (((4, 5), L._CH_LAM + L._CH_VIS), ((0, 1, 2, 3), L._NE_LAM + L._NE_VIS)):
        other = [k for k in L._CHI_FLOWS if L._CHARGE[k] != L._CHARGE[ds[0]]]
        for a, sb in chans:
            assert np.all(np.abs(np.asarray(OUT)[sb, a, other]) <= tol)
            assert np.all(np.abs(np.asarray(IN)[sb, other, a]) <= tol)


def _batch_params(xs):
    return cp.GauginoHiggsinoParams(**{f: jnp.asarray(xs[:, i]) for i, f in enumerate(FIELDS)})


# 7 points in chunks of 3 (the last chunk padded with 2 copies of its final point)
_BATCH = jax.jit(lambda xs: cp.cp_asymmetries_from_spectrum_batch(_batch_params(xs), xs[:, 7], xs[:, 8], chunk_size=3))
# forward-mode derivative in every point's M2 at once (the points are independent: one tangent gives each point's
# d eps / d M2; the forward pass compiles in a fraction of the reverse one's time)
_BATCH_JVP = jax.jit(
    lambda xs: jax.jvp(
        lambda m2: jnp.sum(
            cp.cp_asymmetries_from_spectrum_batch(
                _batch_params(xs.at[:, 1].set(m2)), xs[:, 7], xs[:, 8], chunk_size=3
            ).eps_neutralino,
            axis=-1,
        ),
        (xs[:, 1],),
        (jnp.ones_like(xs[:, 1]),),
    )[1]
)


def test_batch_chunked_equals_looped_flags_bad_points_and_gradient():
    """cp_asymmetries_from_spectrum_batch (chunks of 3, padded) equals the single-point function point by point for
    every field; a point with a NaN modulus, one with tan(beta) < 0 and one with m_phi < 0 get STATUS_BAD_SPECTRUM
    with every output 0 (also through the single-point function) and leave the others unchanged; the gradient of
    sum eps_neutralino in the M2 of each point (forward mode) agrees with central differences of the batch itself."""
    rng = np.random.default_rng(5)
    xs = np.tile(X_GEN, (7, 1))
    xs[:4, 1] = rng.uniform(500.0, 1500.0, 4)  # M2
    xs[:4, 6] = rng.uniform(-math.pi, math.pi, 4)  # phi_mu
    xs[4, 0] = np.nan
    xs[5, 3] = -2.0
    xs[6, 8] = -1.0
    r = _BATCH(jnp.asarray(xs))
    np.testing.assert_array_equal(np.asarray(r.status), np.array([0, 0, 0, 0, 1, 1, 1]) * cp.STATUS_BAD_SPECTRUM)
    for i in range(7):
        one = _F(jnp.asarray(xs[i]))
        for name in type(one).__dataclass_fields__:
            a, b = np.asarray(getattr(r, name))[i], np.asarray(getattr(one, name))
            assert np.all(np.isfinite(a)), name
            scale = np.max(np.abs(np.asarray(one.delta_visible_neutralino))) if name.startswith(("delta", "sum")) else 0
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * scale, err_msg=f"{name} point {i}")
            if i >= 4 and name != "status":
                assert np.all(a == 0.0), name
    g = np.asarray(_BATCH_JVP(jnp.asarray(xs)))
    assert np.all(np.isfinite(g)) and np.all(g[4:] == 0.0)
    h = 1e-3
    for i in (0, 3):
        up, dn = xs.copy(), xs.copy()
        up[i, 1] += h
        dn[i, 1] -= h
        fd = (
            float(np.sum(_BATCH(jnp.asarray(up)).eps_neutralino))
            - float(np.sum(_BATCH(jnp.asarray(dn)).eps_neutralino))
        ) / (2 * h)
        assert g[i] == pytest.approx(fd, rel=1e-5, abs=1e-12)
    assert abs(g[0]) > 0
    with pytest.raises(TypeError, match="GauginoHiggsinoParams"):
        cp.cp_asymmetries_from_spectrum_batch({"M1": [1.0]})
    with pytest.raises(ValueError, match="chunk_size"):
        cp.cp_asymmetries_from_spectrum_batch(_batch_params(xs), chunk_size=0)
    with pytest.raises(ValueError, match="cp_asymmetries_from_spectrum"):
        cp.cp_asymmetries_from_spectrum_batch(_params(X_GEN))
