"""Tests for kernels/_rosenbrock.py: order of convergence (Prothero-Robinson, Riccati), A/L-stability on a very
stiff case, precomputed coefficients, small systems, autodiff vs finite differences, vmap."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

import jaxgen_kernels as kernels


def _pr(t, y, lam):
    """Prothero-Robinson y' = -lam (y - sin t) + cos t, y(0) = 0: exact y = sin t for every lam."""
    return -lam * (y - jnp.sin(t)) + jnp.cos(t)


def _errors(f, exact, ns, args=None, method="rodas4p2", t1=2.0):
    out = []
    for n in ns:
        y, _ = kernels.rosenbrock_solve(f, jnp.asarray(0.0), jnp.linspace(0.0, t1, n + 1), args, method=method)
        out.append(abs(float(y) - exact))
    return np.array(out)


def _orders(err):
    return np.log2(err[:-1] / err[1:])


NS = (10, 20, 40, 80)


@pytest.mark.parametrize("method,order", [("rodas4p2", 4), ("rodas4", 4), ("rodas4p", 4), ("ros3p", 3)])
def test_order_nonstiff_prothero_robinson_and_riccati(method, order):
    """Classical order on y' = -(y - sin t) + cos t and on the Riccati equation y' = 1 - y^2 (y = tanh t)."""
    assert _orders(_errors(_pr, np.sin(2.0), NS, 1.0, method))[-1] == pytest.approx(order, abs=0.3)
    riccati = _errors(lambda t, y, a: 1.0 - y * y, np.tanh(2.0), NS, None, method)
    assert _orders(riccati)[-1] == pytest.approx(order, abs=0.5)
    assert riccati[-1] < 1e-6


def test_stiff_prothero_robinson_no_order_reduction_rodas4p2():
    """lam h >> 1: Rodas4P2 keeps error ~ h^3/lam (measured order 2.9-3.0 at lam = 1e3 and 1e8); classical Rodas4
    drops to ~h/lam (order ~1): the reason the freeze-out solver uses Rodas4P2."""
    for lam in (1e3, 1e8):
        e = _errors(_pr, np.sin(2.0), NS, lam, "rodas4p2")
        assert np.all(_orders(e) > 2.6), (lam, e)
        assert e[0] < 1e-7 * 1e3 / lam
        e4 = _errors(_pr, np.sin(2.0), NS, lam, "rodas4")
        assert np.all(_orders(e4) < 1.6) and np.all(e4 > e)


def test_a_stability_very_stiff():
    """y' = -1e12 (y - cos t) - sin t with y(0) = 2 (an initial layer 1e12 times faster than the step): L-stable
    methods damp it in one step and then follow cos t; no blow-up for h lam = 1e11."""
    f = lambda t, y, lam: -lam * (y - jnp.cos(t)) - jnp.sin(t)  # noqa: E731
    ts = jnp.linspace(0.0, 1.0, 11)
    for method in ("rodas4p2", "rodas4"):
        y, info = kernels.rosenbrock_solve(f, jnp.asarray(2.0), ts, 1e12, method=method, save_all=True)
        ys = np.asarray(info["ys"])
        assert np.all(np.isfinite(ys))
        np.testing.assert_allclose(ys[1:], np.cos(np.asarray(ts))[1:], atol=1e-9)
    # ROS3P is A-stable but not L-stable (|R(inf)| = 0.73): the layer decays geometrically but does not vanish
    y, info = kernels.rosenbrock_solve(f, jnp.asarray(2.0), ts, 1e12, method="ros3p", save_all=True)
    dev = np.abs(np.asarray(info["ys"]) - np.cos(np.asarray(ts)))
    assert np.all(dev[1:] < 1.0) and dev[-1] < dev[1]


def test_coefficients_mode_and_analytic_jacobian_match():
    """Precomputed coefficients c(t) (vectorised before the scan) and an analytic Jacobian give the same result as
    the plain right-hand side (to rounding)."""
    ts = jnp.linspace(0.0, 2.0, 21)
    plain, _ = kernels.rosenbrock_solve(_pr, jnp.asarray(0.0), ts, 1e3)
    coef = lambda t: (1e3 * jnp.ones_like(t), jnp.sin(t), jnp.cos(t))  # noqa: E731
    F = lambda t, y, c: -c[0] * (y - c[1]) + c[2]  # noqa: E731
    pre, _ = kernels.rosenbrock_solve(F, jnp.asarray(0.0), ts, coefficients=coef, jac=lambda t, y, c: -c[0])
    assert float(pre) == pytest.approx(float(plain), rel=1e-13)
    y1, err = kernels.rosenbrock_step(_pr, 0.0, 0.0, 0.1, 1.0)
    assert abs(float(y1) - np.sin(0.1)) < 1e-7 and 0 < abs(float(err)) < 1e-4


def test_small_linear_system_vs_expm():
    A = jnp.array([[-1e6, 1.0], [0.0, -1.0]])
    y, _ = kernels.rosenbrock_solve(lambda t, y, a: a @ y, jnp.array([1.0, 1.0]), jnp.linspace(0.0, 1.0, 41), A)
    np.testing.assert_allclose(np.asarray(y), scipy.linalg.expm(np.asarray(A)) @ np.ones(2), rtol=1e-6)


def test_gradient_vs_finite_differences_and_vmap():
    """d y(T)/d lam and d y(T)/d y0 through the scan (plain autodiff) vs central differences of the same solver;
    vmap over lam equals a loop."""
    ts = jnp.linspace(0.0, 1.0, 17)
    g = lambda t, y, lam: -lam * (y - jnp.cos(t)) + 0.3 * y * y  # noqa: E731

    def final(p):
        return kernels.rosenbrock_solve(g, p[1], ts, p[0])[0]

    p0 = jnp.array([5.0, 0.2])
    grad = np.asarray(jax.grad(final)(p0))
    for k in range(2):
        e = np.zeros(2)
        e[k] = 1e-5
        fd = (float(final(p0 + e)) - float(final(p0 - e))) / 2e-5
        assert grad[k] == pytest.approx(fd, rel=1e-7)
    lams = jnp.array([0.5, 5.0, 5e4])
    batched = jax.vmap(lambda lam: kernels.rosenbrock_solve(g, jnp.asarray(0.2), ts, lam)[0])(lams)
    looped = [float(kernels.rosenbrock_solve(g, jnp.asarray(0.2), ts, lam)[0]) for lam in lams]
    np.testing.assert_allclose(np.asarray(batched), looped, rtol=1e-13)


def test_bad_inputs():
    with pytest.raises(ValueError, match="unknown Rosenbrock method"):
        kernels.rosenbrock_solve(_pr, 0.0, jnp.linspace(0, 1, 3), 1.0, method="rodas9")
    with pytest.raises(ValueError, match="ts must be"):
        kernels.rosenbrock_solve(_pr, 0.0, jnp.zeros(1), 1.0)
