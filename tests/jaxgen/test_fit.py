"""Tests of jaxgen.fit (issue 6, item 1): multi-start recovery, Laplace covariance vs the analytic inverse Fisher
matrix, periodic phases, bad inputs, bad (status != 0) points, one compile for all starts, batched == looped.

The analytic chain below has the structure of the Hall et al. 2010 chain (jaxgen.scenarios.hall): a coupling
``lam``, CP phases ``phase`` ((2,), eps_a = eps0 sin(phase_a)), masses ``m_a``, ``m_x`` and a ``status`` leaf, and
the three observables of the issue's recovery test: a signed baryon yield eta_b ~ lam^2 sum_a eps_a/m_a (freeze-in,
Hall eq. (2.3) scaling), Omega_X h^2 ~ eta_b m_x and a decay length ~ 1/(lam^2 m_a) (Hall eq. (4.1)).
"""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import constants as c
from jaxgen.fit import (
    BAD_CHI2,
    FIT_AT_BOUND,
    FIT_CHAIN_INVALID,
    FIT_COVARIANCE_SINGULAR,
    FIT_NOT_CONVERGED,
    FIT_STATUS_MESSAGES,
    FreeParameter,
    Target,
    baryon_yield_target,
    chi2_function,
    dm_density_target,
    fit,
    fit_status_names,
    observed_density_targets,
)


class Params(eqx.Module):
    lam: jax.Array
    phase: jax.Array
    eps0: jax.Array
    m_a: jax.Array
    m_x: jax.Array
    n_gen: int = 3  # a non-float leaf


class Prediction(eqx.Module):
    eta_b: jax.Array
    omega_x_h2: jax.Array
    decay_length: jax.Array
    status: jax.Array


N_TRACES = {"toy": 0}


def toy_chain(p: Params) -> Prediction:
    N_TRACES["toy"] += 1
    eps = p.eps0 * jnp.sin(p.phase)
    eta_b = 3.0e-2 * (p.lam / 1e-7) ** 2 * jnp.sum(eps * 100.0 / p.m_a) * 1e-9
    omega = eta_b * p.m_x * 2.75e8 / 5.0  # Omega h^2 = m Y s0/rho_c-like factor
    length = 1.0 / ((p.lam / 1e-7) ** 2 * (p.m_a[0] / 100.0))  # metres
    # status 1 above lam = 1e-5 (e.g. "thermalized"); the outputs are NaN there, as a chain might produce
    bad = p.lam > 1e-5
    status = jnp.where(bad, 1, 0).astype(jnp.int32)
    nan = jnp.where(bad, jnp.nan, 1.0)
    return Prediction(eta_b * nan, omega * nan, length * nan, status)


BASE = Params(
    lam=jnp.asarray(1e-7),
    phase=jnp.array([0.3, 0.0]),
    eps0=jnp.asarray(0.05),
    m_a=jnp.array([100.0, 300.0]),
    m_x=jnp.asarray(1.6),
)
FREE = (FreeParameter("phase.0", "logit", -math.pi / 2, math.pi / 2), FreeParameter("lam"), FreeParameter("m_x"))
TRUE_POINTS = [(0.7, 2.3e-7, 3.1), (-0.4, 6.0e-8, 1.2), (1.2, 1.1e-6, 8.0)]  # (phase, lam, m_x)


def _point(phase, lam, m_x):
    return eqx.tree_at(
        lambda p: (p.phase, p.lam, p.m_x), BASE, (BASE.phase.at[0].set(phase), jnp.asarray(lam), jnp.asarray(m_x))
    )


def _targets(pred, rel=1e-3):
    return [
        Target(n, getattr(pred, n), rel * abs(float(getattr(pred, n)))) for n in ("eta_b", "omega_x_h2", "decay_length")
    ]


@pytest.fixture(scope="module")
def recovery():
    """Fits of the three true points (one compile shared by all points and starts)."""
    N_TRACES["toy"] = 0
    out = []
    for k, tp in enumerate(TRUE_POINTS):
        pred = toy_chain(_point(*tp))
        start = {"lam": (1e-8, 3e-6), "m_x": (0.3, 30.0)}  # random starts over 2.5 and 2 decades
        out.append((tp, fit(toy_chain, BASE, FREE, _targets(pred), n_starts=8, seed=k, start=start)))
    return out


def test_recovery_from_random_starts(recovery):
    # the recovery test on the analytic chain: (sin phi, lam, m_X) back to <= 1e-6 relative
    for (phase, lam, m_x), res in recovery:
        assert res.converged and res.status == 0 and res.laplace_ok
        assert res.ok and res.fit_status == 0 and res.status_names() == [] and res.message == "fit ok"
        assert not res.at_bound.any() and np.all(np.isfinite(res.errors)) and "fit status 0 (ok)" in res.to_markdown()
        assert np.all(res.x_init[1:, 1] != res.x_init[0, 1])  # the starts really differ
        got = dict(zip(res.names, res.x))
        assert abs(math.sin(got["phase.0"]) / math.sin(phase) - 1) <= 1e-6
        assert abs(got["lam"] / lam - 1) <= 1e-6
        assert abs(got["m_x"] / m_x - 1) <= 1e-6
        assert res.chi2 < 1e-10
        # several starts found the same minimum; histories are finite and end at the final chi^2
        assert np.sum(res.chi2_starts < 1e-10) >= 2
        assert np.all(np.isfinite(res.history))
        np.testing.assert_allclose(res.history_best[:, -1], res.chi2_starts, rtol=1e-12, atol=1e-12)
        assert np.all(np.diff(res.history_best, axis=1) <= 0)
        assert res.history.shape == (8, 300 + 30)


def test_one_compile_for_all_starts_and_points(recovery):
    # eval_shape for each fit traces the chain once; the single jitted program traces it a fixed number of times
    # (forward, gradient, Jacobians, Hessian) on the FIRST fit only: the other points reuse the compilation.
    n_first = N_TRACES["toy"]
    N_TRACES["toy"] = 0
    pred = toy_chain(_point(0.5, 3e-7, 2.0))
    fit(toy_chain, BASE, FREE, _targets(pred), n_starts=8, seed=11)
    assert N_TRACES["toy"] <= 2  # the toy_chain call above and (if not cached) fit's eval_shape: no recompilation
    assert n_first < 3 * 20  # sanity: the traces of the first compile are a fixed small number


def test_laplace_errors_scale_with_sigma(recovery):
    # at a zero-residual minimum the Laplace covariance is the inverse Fisher matrix: errors proportional to sigma
    (phase, lam, m_x), res = recovery[0]
    pred = toy_chain(_point(phase, lam, m_x))
    res2 = fit(
        toy_chain,
        BASE,
        FREE,
        _targets(pred, rel=2e-3),
        n_starts=8,
        seed=0,
        start={"lam": (1e-8, 3e-6), "m_x": (0.3, 30.0)},
    )
    np.testing.assert_allclose(res2.errors, 2 * res.errors, rtol=1e-5)
    # and equals the Gauss-Newton (Fisher) matrix there
    np.testing.assert_allclose(res.hessian_u, res.fisher_u, rtol=1e-6, atol=1e-6 * np.max(np.abs(res.fisher_u)))


# ------------------------------------------------------------------------------------------------------------
# linear-Gaussian chain: the Laplace covariance is exactly the inverse Fisher matrix (A^T S^-1 A)^-1
# ------------------------------------------------------------------------------------------------------------
class Lin(eqx.Module):
    theta: jax.Array  # (3,)


class LinPred(eqx.Module):
    y: jax.Array  # (5,)
    status: jax.Array


A = np.array([[1.0, 0.5, 0.0], [0.2, 1.0, -0.3], [0.0, 0.4, 1.0], [1.0, 1.0, 1.0], [0.3, -0.2, 0.5]])
B = np.array([0.1, -0.2, 0.3, 0.0, 0.5])
DATA = np.array([2.1, 0.9, 3.2, 6.4, 1.0])
SIGMA = np.array([0.1, 0.2, 0.15, 0.3, 0.05])


def lin_chain(p: Lin) -> LinPred:
    return LinPred(jnp.asarray(A) @ p.theta + jnp.asarray(B), jnp.asarray(0, jnp.int32))


def _wls():
    W = np.diag(1 / SIGMA**2)
    fisher = A.T @ W @ A
    cov = np.linalg.inv(fisher)
    theta = cov @ A.T @ W @ (DATA - B)
    return theta, cov


LIN_FREE = (
    FreeParameter("theta.0", "identity"),
    FreeParameter("theta.1", "log"),
    FreeParameter("theta.2", "logit", 0.0, 10.0),
)
LIN_BASE = Lin(jnp.array([1.0, 1.0, 1.0]))


def test_linear_gaussian_covariance_is_inverse_fisher():
    # one fit with three different transforms (identity, log, logit), so one compilation
    theta_true, cov_true = _wls()
    assert np.all(theta_true > 0) and np.all(theta_true < 10)  # inside the domains of the log and logit transforms
    res = fit(lin_chain, LIN_BASE, LIN_FREE, Target("y", DATA, SIGMA), n_starts=4, seed=1)
    assert res.transforms == ("identity", "log", "logit")
    assert res.converged and res.laplace_ok and res.n_dof == 2
    np.testing.assert_allclose(res.x, theta_true, rtol=1e-9)
    chi2_true = float(np.sum(((A @ theta_true + B - DATA) / SIGMA) ** 2))
    np.testing.assert_allclose(res.chi2, chi2_true, rtol=1e-10)
    # covariance in the physical parameters = analytic inverse Fisher (the chi^2 gradient vanishes at the minimum,
    # so the transforms' second derivatives drop out); the u-space one differs by D = dtheta/du
    np.testing.assert_allclose(res.cov, cov_true, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(res.errors, np.sqrt(np.diag(cov_true)), rtol=1e-7)
    f = theta_true[2] / 10.0
    D = np.array([1.0, theta_true[1], 10.0 * f * (1 - f)])  # identity: u = theta/|base|, log: u = ln theta, logit
    np.testing.assert_allclose(res.cov_u, cov_true / np.outer(D, D), rtol=1e-7)
    assert res.target_names == ("y.0", "y.1", "y.2", "y.3", "y.4")
    np.testing.assert_allclose(res.residuals, (A @ theta_true + B - DATA) / SIGMA, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(
        res.correlation, cov_true / np.sqrt(np.outer(np.diag(cov_true), np.diag(cov_true))), rtol=1e-6, atol=1e-9
    )


def test_batched_equals_looped():
    # the vmapped multi-start fit gives, start by start, what a single-start fit from that start gives
    # (the same compiled program as the fit above: 4 starts; the single-start fits share one more)
    starts = np.array([[0.5, 2.0, 1.0], [3.0, 0.2, 0.7], [1.5, 1.5, 4.0], [0.1, 0.1, 0.1]])
    batched = fit(lin_chain, LIN_BASE, LIN_FREE, Target("y", DATA, SIGMA), n_starts=4, start=starts)
    for k in (0, 1, 3):
        one = fit(lin_chain, LIN_BASE, LIN_FREE, Target("y", DATA, SIGMA), n_starts=1, start=starts[k : k + 1])
        # equal up to the rounding of vectorized vs scalar arithmetic
        np.testing.assert_allclose(one.x_starts[0], batched.x_starts[k], rtol=1e-8)
        np.testing.assert_allclose(one.history[0], batched.history[k], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(batched.x_init, starts, rtol=1e-14)
    assert np.ptp(batched.history[:, 0]) > 1.0  # the starts' paths differ


# ------------------------------------------------------------------------------------------------------------
# periodic phases
# ------------------------------------------------------------------------------------------------------------
class Ph(eqx.Module):
    phi: jax.Array
    r: jax.Array


class PhPred(eqx.Module):
    xy: jax.Array
    status: jax.Array


def phase_chain(p: Ph) -> PhPred:
    return PhPred(p.r * jnp.stack([jnp.cos(p.phi), jnp.sin(p.phi)]), jnp.asarray(0, jnp.int32))


@pytest.mark.parametrize("lower", [None, -math.pi])
def test_periodic_phase(lower):
    phi_true = 5.5
    data = 2.0 * np.array([math.cos(phi_true), math.sin(phi_true)])
    free = [FreeParameter("phi", lower=lower) if lower is not None else FreeParameter("phi"), FreeParameter("r")]
    # starts far outside one period: the optimizer sees an unconstrained angle
    starts = np.array([[20.0, 1.0], [-9.0, 3.0], [0.1, 0.5], [13.0, 2.5]])
    res = fit(
        phase_chain, Ph(jnp.asarray(0.0), jnp.asarray(1.0)), free, Target("xy", data, 0.01), n_starts=4, start=starts
    )
    assert res.transforms == ("periodic", "log")
    lo = 0.0 if lower is None else lower
    expect = lo + (phi_true - lo) % (2 * math.pi)
    assert lo <= res.value("phi") < lo + 2 * math.pi
    assert abs(res.value("phi") - expect) < 1e-9
    assert abs(res.value("r") - 2.0) < 1e-9
    s, co = res.sincos("phi")
    assert abs(s - math.sin(phi_true)) < 1e-9 and abs(co - math.cos(phi_true)) < 1e-9
    # every start converged to the same physical angle modulo 2 pi, but to different unwrapped u
    np.testing.assert_allclose(res.x_starts[:, 0], expect, atol=1e-8)
    assert np.ptp(res.u_starts[:, 0]) > 6.0
    # the reported best params hold the wrapped angle; the error of phi is that of u (dtheta/du = 1):
    # for r = 2 and sigma = 0.01 on x and y, sigma_phi = sigma / r = 0.005
    assert float(res.params.phi) == pytest.approx(expect, abs=1e-9)
    assert res.error("phi") == pytest.approx(0.005, rel=1e-6)
    assert res.error("r") == pytest.approx(0.01, rel=1e-6)


def test_auto_transforms():
    # 'auto': logit with both bounds, periodic for phase*/phi* names, log for a positive value, else identity
    assert FreeParameter("phase.1").resolved(0.0)[0] == "periodic"
    assert FreeParameter("gh.phi_mu").resolved(-1.0)[:3] == ("periodic", 0.0, 2 * math.pi)
    assert FreeParameter("lam").resolved(1e-7)[0] == "log"
    assert FreeParameter("eps0").resolved(-0.05) == ("identity", 0.0, 0.0, 0.05)
    assert FreeParameter("m_a.1", lower=50.0, upper=500.0).resolved(100.0) == ("logit", 50.0, 500.0, 1.0)
    assert FreeParameter("lam", "log", 1e-9, 1e-5).resolved(1e-7)[:3] == ("loglogit", math.log(1e-9), math.log(1e-5))
    assert FreeParameter("phase.0", lower=-1.0, upper=1.0).resolved(0.0)[0] == "logit"
    assert FreeParameter("phase.0", "periodic", lower=-math.pi).resolved(0.0)[1:3] == (-math.pi, math.pi)
    with pytest.raises(ValueError, match="single bound is ambiguous"):
        FreeParameter("lam", lower=0.0).resolved(1.0)


# ------------------------------------------------------------------------------------------------------------
# bad points and bad inputs
# ------------------------------------------------------------------------------------------------------------
def test_status_points_never_nan():
    # half of the starts lie where the chain reports status 1 and NaN outputs (lam > 1e-5); 8 starts: the
    # compiled program of the recovery fits is reused
    pred = toy_chain(_point(0.7, 2.3e-7, 3.1))
    starts = np.array([[0.5, 1e-4, 2.0], [0.5, 3e-7, 2.0], [0.2, 5e-5, 1.0], [0.9, 1e-7, 5.0]] * 2)
    res = fit(toy_chain, BASE, FREE, _targets(pred), n_starts=8, start=starts)
    assert np.all(np.isfinite(res.history)) and np.all(np.isfinite(res.chi2_starts))
    bad = np.array([0, 2, 4, 6])
    np.testing.assert_array_equal(res.chi2_starts[bad], BAD_CHI2)
    np.testing.assert_array_equal(res.status_starts, [1, 0, 1, 0] * 2)
    assert not res.converged_starts[bad].any()
    assert res.status == 0 and res.best_index in (1, 3, 5, 7)
    assert abs(res.value("lam") / 2.3e-7 - 1) < 1e-6
    # a good start whose Adam steps overshoot into the bad region is pulled back: the chi^2 function at a bad point
    f = chi2_function(toy_chain, BASE, FREE, _targets(pred))
    assert float(f(jnp.array([0.5, 1e-4, 2.0]))) == BAD_CHI2


def test_all_starts_bad_gives_flags_not_nan():
    pred = toy_chain(_point(0.7, 2.3e-7, 3.1))
    starts = np.array([[0.5, 1e-4, 2.0], [0.2, 5e-5, 1.0], [0.5, 2e-5, 2.0], [0.3, 3e-5, 1.0]] * 2)
    res = fit(toy_chain, BASE, FREE, _targets(pred), n_starts=8, start=starts)
    assert res.chi2 == BAD_CHI2 and res.status == 1 and not res.converged and not res.laplace_ok
    assert np.all(np.isfinite(res.history)) and np.all(np.isfinite(res.x_starts))
    # the fit's own status says it is not a fit; no error is quoted as a (tiny) number
    assert not res.ok and res.fit_status & FIT_CHAIN_INVALID and res.fit_status & FIT_NOT_CONVERGED
    assert "FIT_CHAIN_INVALID" in res.status_names() and "FIT_CHAIN_INVALID" in res.message
    assert np.all(np.isinf(res.errors)) and np.all(np.isinf(res.errors_u))
    assert "FIT_CHAIN_INVALID" in res.to_markdown()


def test_fit_at_bound_is_flagged_with_inf_error():
    """Data that need sin(phase) = 3 (impossible): the logit phase in (-pi/2, pi/2) is pinned at +pi/2. The fit
    must say so (FIT_AT_BOUND, named, with a message) and quote an infinite error for that parameter, not a tiny
    Laplace number; the other parameters keep finite errors. Reuses the recovery compilation."""
    pred = toy_chain(_point(math.pi / 2, 2.3e-7, 3.1))
    targets = _targets(pred)
    targets[0] = Target("eta_b", 3.0 * float(pred.eta_b), 1e-3 * abs(float(pred.eta_b)))
    res = fit(toy_chain, BASE, FREE, targets, n_starts=8, seed=0, start={"lam": (1e-8, 3e-6), "m_x": (0.3, 30.0)})
    assert res.status == 0  # the chain is fine at the best fit
    assert not res.ok and res.fit_status & FIT_AT_BOUND
    assert "FIT_AT_BOUND" in res.status_names() and "phase.0" in res.message
    assert list(res.at_bound) == [True, False, False]
    assert math.isinf(res.error("phase.0")) and np.all(np.isfinite(res.errors[1:]))
    assert fit_status_names(FIT_AT_BOUND | FIT_NOT_CONVERGED) == ["FIT_NOT_CONVERGED", "FIT_AT_BOUND"]
    assert fit_status_names(0) == [] and FIT_STATUS_MESSAGES[FIT_COVARIANCE_SINGULAR].startswith("FIT_COV")


def test_chi2_function_gradient_vs_finite_differences():
    pred = toy_chain(_point(0.7, 2.3e-7, 3.1))
    f = jax.jit(chi2_function(toy_chain, BASE, FREE, _targets(pred, rel=0.05)))
    theta = jnp.array([0.5, 2.0e-7, 2.5])
    g = np.asarray(jax.grad(f)(theta))
    h = 1e-6 * np.abs(np.asarray(theta))
    fd = [(float(f(theta.at[j].add(h[j]))) - float(f(theta.at[j].add(-h[j])))) / (2 * h[j]) for j in range(3)]
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    # and against the analytic chi^2 of the toy chain
    p = _point(0.5, 2.0e-7, 2.5)
    yt = toy_chain(p)
    chi = sum(
        ((getattr(yt, n) - getattr(pred, n)) / (0.05 * abs(getattr(pred, n)))) ** 2
        for n in ("eta_b", "omega_x_h2", "decay_length")
    )
    assert float(f(theta)) == pytest.approx(float(chi), rel=1e-12)


def test_bad_inputs():
    pred = toy_chain(BASE)
    tg = _targets(pred)
    with pytest.raises(ValueError, match="unknown free parameter path 'lamda'"):
        fit(toy_chain, BASE, ["lamda"], tg)
    with pytest.raises(ValueError, match="sigma must be finite and > 0"):
        Target("eta_b", 1e-10, 0.0)
    with pytest.raises(ValueError, match="sigma must be finite and > 0"):
        Target("eta_b", 1e-10, -1e-12)
    with pytest.raises(ValueError, match="only floating-point leaves"):
        fit(toy_chain, eqx.tree_at(lambda p: p.m_x, BASE, jnp.asarray(2)), ["m_x"], tg)
    with pytest.raises(ValueError, match="name one element, e.g. 'phase.0'"):
        fit(toy_chain, BASE, ["phase"], tg)
    with pytest.raises(ValueError, match="index 5 out of range"):
        fit(toy_chain, BASE, ["phase.5"], tg)
    with pytest.raises(ValueError, match="duplicate free parameters"):
        fit(toy_chain, BASE, ["lam", "lam"], tg)
    with pytest.raises(ValueError, match="unknown transform 'sqrt'"):
        FreeParameter("lam", "sqrt")
    with pytest.raises(ValueError, match="'logit' needs both lower and upper"):
        FreeParameter("lam", "logit", lower=0.0)
    for kw in ({"lower": 1.0}, {"upper": 2.0}):
        with pytest.raises(ValueError, match="'log' takes both bounds or none"):
            FreeParameter("m_x", "log", **kw)
    one_sided = FreeParameter("m_x", "log", lower=1.0, upper=2.0)
    object.__setattr__(one_sided, "upper", None)  # bypasses __check_init__: resolved() still refuses it clearly
    with pytest.raises(ValueError, match="bounded 'log' transform needs both lower and upper bounds"):
        one_sided.resolved(1.5)
    with pytest.raises(ValueError, match="'identity' cannot enforce bounds"):
        FreeParameter("lam", "identity", lower=0.0, upper=1.0)
    with pytest.raises(ValueError, match="need lower < upper"):
        FreeParameter("lam", lower=1.0, upper=0.5)
    with pytest.raises(ValueError, match="unknown target path 'eta_x'"):
        fit(toy_chain, BASE, ["lam"], Target("eta_x", 1.0, 1.0))
    with pytest.raises(ValueError, match="log-transformed but its base value"):
        fit(toy_chain, eqx.tree_at(lambda p: p.m_x, BASE, jnp.asarray(-1.0)), [FreeParameter("m_x", "log")], tg)
    with pytest.raises(ValueError, match=r"shape \(n_starts, n_free\) = \(2, 1\)"):
        fit(toy_chain, BASE, ["lam"], tg, n_starts=2, start=np.ones((3, 1)))
    with pytest.raises(ValueError, match="outside its bounds"):
        fit(toy_chain, BASE, [FreeParameter("m_x", lower=1.0, upper=2.0)], tg, n_starts=1, start=[[3.0]])
    with pytest.raises(ValueError, match="n_starts must be a positive int"):
        fit(toy_chain, BASE, ["lam"], tg, n_starts=0)
    with pytest.raises(ValueError, match="not free parameters"):
        fit(toy_chain, BASE, ["lam"], tg, start={"m_x": (1.0, 2.0)})
    with pytest.raises(ValueError, match="targets must be floating-point"):
        fit(toy_chain, BASE, ["lam"], Target("status", 0.0, 1.0))


def test_observed_density_targets():
    # Planck 2018 VI Table 2: Omega_c h^2 = 0.1200(12), Omega_b h^2 = 0.02237(15) -> Y_B = 8.63e-11 (0.67 %)
    tb, td = observed_density_targets()
    assert (tb.path, td.path) == ("eta_b", "omega_x_h2")
    assert float(td.value) == 0.1200 and float(td.sigma) == 0.0012
    assert float(tb.value) == pytest.approx(8.63e-11, rel=2e-3)
    assert float(tb.sigma / tb.value) == pytest.approx(0.00015 / 0.02237, rel=1e-12)
    assert float(tb.value) == c.PLANCK_2018.baryon_yield
    with pytest.raises(ValueError, match="quotes no uncertainty"):
        dm_density_target(preset="hall2010")
    assert float(baryon_yield_target("Y", preset="ardu2025", sigma=1e-12).sigma) == 1e-12


# ------------------------------------------------------------------------------------------------------------
# the recovery test on the real chain (Hall, March-Russell, West 2010; jaxgen.scenarios.hall)
# ------------------------------------------------------------------------------------------------------------
HALL_TRUE = [(-0.1, 3e-9, 1.5), (-0.5, 2e-9, 2.5), (0.3, 6e-9, 0.9)]  # (phi, lambda, m_X [GeV]); status 0 points


def test_hall_recovery():
    """Data (eta_B, Omega_X h^2, LOSP decay length; 0.1 % errors) made from known (sin phi, lambda, m_X) at three
    points are fitted back from 8 random starts each to <= 1e-6 relative; one compilation for all points.
    The chain's default settings (Gauss-Legendre quadrature freeze-in)."""
    from jaxgen.scenarios import hall as hall

    n_traces = [0]

    def counted(p):  # the chain as fitted: counts how often fit traces it (a new trace = a new compilation)
        n_traces[0] += 1
        return hall.asymmetric_freezein(p)

    base = hall.HallParams.benchmark()
    chain = jax.jit(hall.asymmetric_freezein)  # its trace is shared with fit's eval_shape of the same function
    names = ("eta_b", "omega_x_h2", "decay_length")
    free = [FreeParameter("phase.0", "logit", -math.pi / 2, math.pi / 2), FreeParameter("lam"), FreeParameter("m_x")]
    for k, (ph, lam, mx) in enumerate(HALL_TRUE):
        true = eqx.tree_at(
            lambda p: (p.phase, p.lam, p.m_x), base, (base.phase.at[0].set(ph), jnp.asarray(lam), jnp.asarray(mx))
        )
        data = chain(true)
        assert int(data.status) == 0
        targets = [Target(n, float(getattr(data, n)), 1e-3 * abs(float(getattr(data, n)))) for n in names]
        res = fit(counted, base, free, targets, n_starts=8, seed=k, steps=100, polish=20, hessian="gauss-newton")
        if k == 0:
            n_first = n_traces[0]
        got = dict(zip(res.names, res.x))
        assert res.status == 0 and res.converged and res.laplace_ok and res.ok
        assert abs(math.sin(got["phase.0"]) / math.sin(ph) - 1) <= 1e-6
        assert abs(got["lam"] / lam - 1) <= 1e-6
        assert abs(got["m_x"] / mx - 1) <= 1e-6
        assert np.sum(res.chi2_starts < 1e-8) >= 2  # found from several random starts
        assert np.all(np.isfinite(res.history)) and np.all(res.chi2_starts <= BAD_CHI2)
        # Laplace errors: the decay length fixes lambda alone (L ~ lambda^-2, Hall eq. 4.1), so
        # sigma(ln lambda) = 1e-3 / 2; Omega_X/Omega_b fixes m_X (m_X ~ Omega_X/eta_B): sigma(ln m_X) = sqrt(2) 1e-3
        assert res.error("lam") / lam == pytest.approx(0.5e-3, rel=1e-5)
        assert res.error("m_x") / mx == pytest.approx(math.sqrt(2) * 1e-3, rel=1e-5)
    assert n_traces[0] == n_first  # the later points were not traced again: they reused the compilation


def test_hall_fit_with_lam_bounds_that_exclude_the_data():
    """The runcard fit (hall_fit.toml) with lam bounded away from the data. [1e-10, 2e-9]: the data need
    lam = 2.49e-9, so lam is pinned at the upper bound: FIT_AT_BOUND (and not converged), error inf. [1e-4, 1e-3]
    (the issue's case: chi^2 = 1.45e22, converged = 0, yet 'status 0; Laplace covariance ok' and an error of 2.9e-65):
    every point of that range overproduces X (Y_FI > Y_X^eq, STATUS_OVERPRODUCED of the chain), so the fit reports
    FIT_CHAIN_INVALID | FIT_NOT_CONVERGED and inf errors. One compilation (bounds are traced)."""
    from jaxgen.scenarios import hall as hall

    base = hall.HallParams.benchmark()
    targets = [
        Target("eta_b", 8.627e-11, 5.8e-13),
        Target("omega_x_h2", 0.12, 0.0012),
        Target("decay_length", 8.0, 0.4),
    ]
    out = {}
    for lo, hi in ((1e-10, 2e-9), (1e-4, 1e-3)):
        free = [
            FreeParameter("lam", "log", lo, hi),
            FreeParameter("phase.0", "periodic", -math.pi, math.pi),
            FreeParameter("m_x", "log", 0.5, 5.0),
        ]
        out[lo] = fit(
            hall.asymmetric_freezein, base, free, targets, n_starts=4, steps=100, polish=20, hessian="gauss-newton"
        )
    pinned, wild = out[1e-10], out[1e-4]
    assert pinned.status == 0 and pinned.fit_status & FIT_AT_BOUND and not pinned.ok
    assert pinned.at_bound[0] and math.isinf(pinned.error("lam")) and pinned.value("lam") <= 2e-9
    assert "lam" in pinned.message and "FIT_AT_BOUND" in pinned.to_markdown()
    assert wild.fit_status & FIT_CHAIN_INVALID and wild.fit_status & FIT_NOT_CONVERGED and not wild.ok
    assert wild.status & hall.STATUS_OVERPRODUCED
    assert np.all(np.isinf(wild.errors)) and "Laplace covariance ok" not in wild.to_markdown()


def test_markdown_names_transforms_for_users(recovery):
    """The fit table says how a parameter was fitted in words, never the internal transform name ("loglogit")."""
    from jaxgen import _fit

    res = recovery[0][1]
    md = res.to_markdown()
    assert "| parameter | fitted as |" in md and "loglogit" not in md and "identity" not in md
    for t in res.transforms:
        assert f"| {_fit.TRANSFORM_LABELS[str(t)]} |" in md
