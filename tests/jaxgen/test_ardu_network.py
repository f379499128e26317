"""The Ardu et al. R-charge network (jaxgen.scenarios.ardu_network; docs/derivations/ardu_network.md).

Paper: Ardu, Queiroz Correa, Vives 2025 (arXiv:2502.07932), Table 2 (m_3/2 = 8.3 GeV for a right-handed slepton
NLSP, massless equilibrium, epsilon = 1).  Compiled functions are shared at module level (JIT dominates): one
batch call (the ``batch`` fixture) serves the benchmark, the batched-vs-looped and the finite-difference checks,
and one single-point forward-mode Jacobian with the result as aux (``_value_and_jac``) serves the Jacobian and the
looped side of batched == looped (the looped points used to have a jitted r_charge_network of their own: a second
compile of the network, about 11 s on the 2-core CI machine).
"""

from __future__ import annotations

import dataclasses
import math

import jax
import numpy as np
import pytest
import scipy.optimize

from jaxgen.scenarios import ardu as sa
from jaxgen.scenarios import ardu_network as an

NET = an.ArduNetworkSettings()
INSTANT = an.ArduNetworkSettings(transfer="instant", weights="massless", decoupling="given", washout="instant")
_single = jax.jit(an.r_charge_network, static_argnums=1)
M32_MASSLESS = 8.307339714510565  # 26.5/4.9 m_p 388/237 (r_symmetric_equilibrium.md sec. 3); Table 2: 8.3 GeV


def test_instantaneous_stage_limit_matches_rsymmetric_adm():
    """Massless weights, T_dec given, instant transfer: today's chain to 1e-6 (two points, one with epsilon < 1)."""
    adm = jax.jit(sa.rsymmetric_adm, static_argnums=1)
    s_adm = sa.ArduSettings(washout="instant")
    for kw in ({}, dict(m_nlsp=1500.0, m_majorana=1.0)):
        ref = adm(sa.ArduParams(**kw), s_adm)
        out = _single(an.ArduNetworkParams(**kw), INSTANT)
        assert int(out.status) == 0 and int(ref.status) == 0
        np.testing.assert_allclose(float(out.epsilon), float(ref.epsilon), rtol=1e-12)
        np.testing.assert_allclose(float(out.m_gravitino), float(ref.m_gravitino), rtol=1e-6)
        # the R algebra of the network (its own Schur complement) against the staged solve: R = -6/23 (B - L)
        np.testing.assert_allclose(float(out.r_eq_dec), -6.0 / 23.0, rtol=1e-12)
        np.testing.assert_allclose(float(out.m_gravitino_instant), M32_MASSLESS, rtol=1e-12)
    assert float(ref.epsilon) < 0.9  # the second point has a real washout
    # Ardu et al. Table 2 (epsilon = 1): 8.3 GeV, to the printed precision
    assert abs(M32_MASSLESS - 8.3) < 0.05


def test_decoupling_temperature_solves_gamma_equals_h(benchmark_net):
    p, out = benchmark_net
    assert int(out.status) == 0, out.status_names()
    t_dec = float(out.t_dec)
    v = {k: np.asarray(getattr(p, k)) for k in (*an._SCALAR_FIELDS, "b_minus_l_alpha")}
    values = np.concatenate([[0.0], v["b_minus_l_alpha"]])
    from jaxgen._cosmology import Cosmology

    cosmo = Cosmology()

    @jax.jit
    def _log_ratio(t):
        g, _, _, _, _ = an._rates_over_h(v, t, values, NET, cosmo)
        return jax.numpy.log(g["kappa"] + g["b_kappa"])

    def log_ratio(t):
        return float(_log_ratio(float(t)))

    assert abs(log_ratio(t_dec)) < 1e-8
    # an independent root finder on the same condition, bracketed around the network's grid crossing
    root = scipy.optimize.brentq(log_ratio, 0.7 * t_dec, 1.4 * t_dec, xtol=1e-10, rtol=1e-13)  # pyright: ignore
    t_ref = float(root)  # pyright: ignore[reportArgumentType]
    np.testing.assert_allclose(t_dec, t_ref, rtol=1e-9)
    # the benchmark decouples a little above m_NLSP, with S_1 at z = m_S1/T ~ 8.5 and lambda_1 fast
    assert 0.5 * float(p.m_nlsp) < t_dec < 3.0 * float(p.m_nlsp)
    assert float(out.lambda1_ratio) > 1e3 and float(out.gamma_s1_over_h_max) > 1e3


def test_issue_claim_squarks_and_stau_at_t_dec():
    """Issue 15: squarks and stau_R at m = T_dec (the rest massless) move m_3/2 from 8.31 to 'about 7.1' GeV.

    Through the network's own weights and R algebra (R_eq with k(m/T) = k(1) for q~, u~^c, d~^c, stau_R)."""
    s = NET
    t = 2000.0
    light = 1e-9 * t  # "massless": k(1e-9) = k(0) to 1e-9
    v = {f.name: f.default for f in an.dataclasses.fields(an.ArduNetworkParams) if f.name in an._EVENT}
    v = {k: np.asarray(x, float) for k, x in v.items()}
    v.update({k: np.asarray(light) for k in an._SUSY_FIELDS}, m_s1=np.asarray(light))
    v.update(m_nlsp=np.asarray(t), m_squark=np.asarray(t))
    values = np.array([0.0, 1 / 3, 1 / 3, 1 / 3])

    @jax.jit
    def m32(vv):
        r_eq, _, ok = an._r_algebra(an._gram(vv, jax.numpy.asarray(t), s), values)
        b_low, _ = an._low_t_baryon(jax.numpy.asarray(values), r_eq / -1.0, s)
        return vv["dm_to_baryon"] * vv["proton_mass"] * abs(b_low / (r_eq / -1.0)), r_eq

    m, r_eq = m32(v)
    np.testing.assert_allclose(float(r_eq), -0.3155, atol=5e-5)  # r_symmetric_equilibrium.md sec. 6
    np.testing.assert_allclose(float(m), 7.1129, atol=5e-4)
    assert abs(float(m) - 7.1) < 0.05


FD_NAMES = ("m_squark", "kappa", "m_s1")
FD_STEP = 1e-4  # relative central-difference step


def _f(x, p):
    """(m_3/2, T_dec) at p with the FD_NAMES fields set to x, and the whole single-point result as aux."""
    r = an.r_charge_network(dataclasses.replace(p, **dict(zip(FD_NAMES, x))), NET)
    return jax.numpy.stack([r.m_gravitino, r.t_dec]), r


#: ONE single-point compile with NET: the forward-mode Jacobian for the finite-difference test and, as its aux
#: output, the single-point result for the batched == looped test (a jax.jit(r_charge_network) with NET of its own
#: was a second compile of the network, ~10 s; the primal of a jvp is the same computation as the plain call)
_value_and_jac = jax.jit(jax.jacfwd(_f, has_aux=True))


def _looped(p):
    """r_charge_network(p, NET) for one point, through the shared compile."""
    return _value_and_jac(np.array([float(getattr(p, k)) for k in FD_NAMES]), p)[1]


@pytest.fixture(scope="module")
def batch():
    """ONE compiled batch call for every network test: 5 test points, the benchmark (index 5) and the central
    finite-difference points of FD_NAMES (indices 6.., up/down per name)."""
    d = an.ArduNetworkParams()
    n = 6 + 2 * len(FD_NAMES)
    fields = {k: np.full(n, float(getattr(d, k))) for k in an._SCALAR_FIELDS}
    for k in an._SUSY_FIELDS:
        fields[k][:2] = [1.0, 10.0]  # m_SUSY = 1, 10 GeV << T_dec
    fields["m_squark"][2], fields["kappa"][2] = 2500.0, 3e-6
    fields["m_nlsp"][3] = np.nan
    fields["kappa"][4], fields["b_kappa"][4] = 0.0, 0.0
    for j, name in enumerate(FD_NAMES):
        x0 = float(getattr(d, name))
        fields[name][6 + 2 * j] = x0 * (1 + FD_STEP)
        fields[name][7 + 2 * j] = x0 * (1 - FD_STEP)
    p = an.ArduNetworkParams.batch(**fields)
    return p, an.r_charge_network_batch(p, NET)


@pytest.fixture(scope="module")
def benchmark_net(batch):
    _, out = batch
    return an.ArduNetworkParams(), jax.tree_util.tree_map(lambda a: a[5], out)


def test_massless_limit_for_m_susy_far_below_t_dec(batch):
    _, out = batch
    assert np.all(np.asarray(out.status)[:3] == 0)
    m = np.asarray(out.m_gravitino)
    assert abs(m[0] / M32_MASSLESS - 1) < 1e-3
    assert abs(m[1] - M32_MASSLESS) > abs(m[0] - M32_MASSLESS)  # approached as m_SUSY/T_dec -> 0
    np.testing.assert_allclose(np.asarray(out.r_eq_dec)[0], -6.0 / 23.0, rtol=1e-3)


def test_gradient_against_finite_differences(batch):
    """d(m_3/2, T_dec)/d(m_squark, kappa, m_s1): forward mode (implicit derivative of the Newton solve, the
    fixed-grid integration) against central differences (the FD points come from the shared batch)."""
    _, out = batch
    d = an.ArduNetworkParams()
    x0 = np.array([float(getattr(d, k)) for k in FD_NAMES])

    jac = np.asarray(_value_and_jac(x0, an.ArduNetworkParams())[0])
    m, t = np.asarray(out.m_gravitino), np.asarray(out.t_dec)
    for j, name in enumerate(FD_NAMES):
        up, dn, h = 6 + 2 * j, 7 + 2 * j, FD_STEP * x0[j]
        fd = np.array([m[up] - m[dn], t[up] - t[dn]]) / (2 * h)
        np.testing.assert_allclose(jac[:, j], fd, rtol=3e-4, err_msg=name)
    assert abs(jac[1, 1]) > 0  # T_dec depends on kappa (implicit derivative)


def test_batched_equals_looped_and_bad_points_flagged(batch):
    p, out = batch
    st = np.asarray(out.status)
    assert np.all(st[:3] == 0) and np.all(st[5:] == 0)
    assert st[3] == an.STATUS_BAD_INPUT
    assert st[4] & an.STATUS_NO_R_EQUILIBRIUM and st[4] & an.STATUS_NO_ASYMMETRY
    for leaf in jax.tree_util.tree_leaves(out):
        assert np.all(np.isfinite(np.asarray(leaf)))
    for i in (0, 2, 4):
        one = _looped(jax.tree_util.tree_map(lambda a, i=i: a[i], p))
        for a, b in zip(jax.tree_util.tree_leaves(one), jax.tree_util.tree_leaves(out)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b)[i], rtol=1e-12, atol=1e-300)
        if i == 4:
            assert "no_r_equilibrium" in one.status_names()


def test_bad_input_errors():
    with pytest.raises(ValueError, match="m_nlsp"):
        an.ArduNetworkParams(m_nlsp=-1.0)
    with pytest.raises(ValueError, match="kappa"):
        an.ArduNetworkParams(kappa=math.nan)
    with pytest.raises(ValueError, match="m_singlino"):
        an.ArduNetworkParams(m_singlino=-1.0)
    with pytest.raises(ValueError, match="transfer"):
        an.ArduNetworkSettings(transfer="adiabatic")
    with pytest.raises(ValueError, match="channels"):
        an.ArduNetworkSettings(channels=("gluino",))
    with pytest.raises(ValueError, match="n_grid"):
        an.ArduNetworkSettings(n_grid=4)
    with pytest.raises(ValueError, match="r_charge_network_batch"):
        an.r_charge_network(an.ArduNetworkParams.batch(m_nlsp=[1e3, 2e3]))
    with pytest.raises(TypeError, match="ArduNetworkSettings"):
        an.r_charge_network(an.ArduNetworkParams(), sa.ArduSettings())  # pyright: ignore[reportArgumentType]


def test_integration_grid_map_ends_and_crowds_at_t_dec():
    """The sinh map of the integration grid: exact ends, strictly decreasing ln T, densest at ln T_dec (numpy-cheap)."""
    x0, x1 = math.log(2.2e5), math.log(7.0)
    for x_c in (math.log(2600.0), math.log(50.0), math.log(1e5)):
        lnt = np.asarray(an._fine_lnt(x0, x1, x_c, 41, 5.0))
        assert lnt[0] == x0 and lnt[-1] == x1 and np.all(np.diff(lnt) < 0)
        steps = -np.diff(lnt)
        k = int(np.argmin(steps))
        assert lnt[k + 1] - 0.3 < x_c < lnt[k] + 0.3  # the smallest step sits at T_dec
        assert steps.min() < 0.5 * (x0 - x1) / 40 and steps.max() > 2.0 * (x0 - x1) / 40  # dense there, coarse far


def test_low_t_baryon_linear_map_matches_stage_solve():
    """The constant linear map of the low-temperature stage (_low_t_row) against the stage solve it replaces,
    for every NLSP type and flavour, random conserved values and NLSP yields."""
    rng = np.random.default_rng(1)
    values = jax.numpy.asarray(np.concatenate([np.zeros((6, 1)), rng.normal(size=(6, 3))], axis=1))
    n = jax.numpy.asarray(rng.normal(size=6))
    for nlsp in ("slepton_R", "slepton_L", "sneutrino"):
        for flavour in ("e", "tau"):
            s = an.ArduNetworkSettings(nlsp=nlsp, nlsp_flavour=flavour)
            b, st = jax.vmap(lambda x, y, s=s: an._low_t_baryon(x, y, s))(values, n)
            b_ref, st_ref = jax.vmap(lambda x, y, s=s: an._low_t_baryon_stage(x, y, s))(values, n)
            assert np.all(np.asarray(st) == 0) and np.all(np.asarray(st_ref) == 0)
            np.testing.assert_allclose(np.asarray(b), np.asarray(b_ref), rtol=1e-12, atol=1e-15)
            assert np.all(np.abs(np.asarray(b)) > 1e-3)  # not a trivial zero
