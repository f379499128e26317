"""Tests for kernels/_ode.py: solver/controller choice, status codes, stiffness bucketing, lockstep waste."""

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgen_kernels as kernels


def _decay(lam, max_steps=4096, solver="kvaerno5"):
    """y' = -lam (y - cos t), y(0) = 1: stiff for large lam; exact solution known."""
    term = diffrax.ODETerm(lambda t, y, a: -a * (y - jnp.cos(t)))
    ctrl = kernels.make_controller(1e-8, 1e-8, 1.0)
    sol = diffrax.diffeqsolve(
        term,
        kernels.make_solver(solver),
        0.0,
        2.0,
        1e-3,
        jnp.asarray(1.0),
        args=lam,
        stepsize_controller=ctrl,
        max_steps=max_steps,
        throw=False,
    )
    return sol.ys[-1], kernels.status_from_result(sol.result, sol.ys[-1]), sol.stats["num_steps"]


_decay_batch = jax.jit(jax.vmap(_decay, in_axes=(0, None, None)), static_argnums=(1, 2))


def test_make_solver_names_and_errors():
    assert isinstance(kernels.make_solver("kvaerno5"), diffrax.Kvaerno5)
    assert isinstance(kernels.make_solver("tsit5"), diffrax.Tsit5)
    with pytest.raises(ValueError, match="unknown solver"):
        kernels.make_solver("rk4-ish")
    with pytest.raises(ValueError, match="rtol"):
        kernels.make_controller(0.0, 1e-8)
    c = kernels.make_controller(1e-6, 1e-3, scale=2e-14)
    assert float(c.atol) == pytest.approx(2e-17)


def test_status_codes_batch_not_aborted():
    lam = jnp.asarray([1.0, 10.0, 1e6])
    y, status, steps = _decay_batch(lam, 4096, "kvaerno5")
    assert np.all(np.asarray(status) == kernels.STATUS_OK)
    # exact solution of y' = -lam (y - cos t): compare the stiff point with its quasi-static limit
    lam_np = np.asarray(lam)
    t = 2.0
    exact = (lam_np**2 * np.cos(t) + lam_np * np.sin(t)) / (lam_np**2 + 1) + np.exp(-lam_np * t) * (
        1 - lam_np**2 / (lam_np**2 + 1)
    )
    np.testing.assert_allclose(np.asarray(y), exact, rtol=1e-6)
    # too few steps for the explicit solver on the stiff point: flagged, other lanes fine, nothing raised
    y2, status2, _ = _decay_batch(lam, 40, "tsit5")
    assert int(status2[2]) == kernels.STATUS_MAX_STEPS
    assert int(status2[0]) == kernels.STATUS_OK
    assert kernels.STATUS_MESSAGES[kernels.STATUS_MAX_STEPS].startswith("max_steps")


def test_status_nonfinite_flag():
    res = jax.vmap(lambda _: diffrax.RESULTS.successful)(jnp.arange(2))
    code = kernels.status_from_result(res, jnp.asarray([1.0, jnp.nan]))
    assert code.tolist() == [kernels.STATUS_OK, kernels.STATUS_NONFINITE]


def test_bucketed_vmap_equals_vmap_and_restores_order():
    x = jnp.asarray([3.0, -1.0, 2.0, 7.0, 0.5, 4.0, -2.0])

    def f(a):
        return {"sq": a**2, "pair": jnp.stack([a, 2 * a])}

    key = jnp.asarray([5.0, 1.0, 3.0, 0.0, 2.0, 6.0, 4.0])
    out = jax.jit(lambda x, k: kernels.bucketed_vmap(f, x, k, 3))(x, key)
    ref = jax.vmap(f)(x)
    np.testing.assert_array_equal(np.asarray(out["sq"]), np.asarray(ref["sq"]))
    np.testing.assert_array_equal(np.asarray(out["pair"]), np.asarray(ref["pair"]))
    with pytest.raises(ValueError, match="bucket_size"):
        kernels.bucketed_vmap(f, x, key, 0)


def test_lockstep_waste_arithmetic():
    steps = np.array([10, 100, 10, 100])
    assert kernels.lockstep_waste(steps) == pytest.approx(400 / 220)
    # sorted into buckets of 2: (10, 10) and (100, 100) -> no waste
    assert kernels.lockstep_waste(steps, key=steps, bucket_size=2) == pytest.approx(1.0)
    # unsorted buckets of 2: (10, 100), (10, 100) -> 400/220
    assert kernels.lockstep_waste(steps, bucket_size=2) == pytest.approx(400 / 220)
