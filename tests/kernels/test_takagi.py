"""Tests for kernels._takagi: Takagi factorization and ascending SVD with custom JVPs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from jaxgen_kernels._takagi import svd_ascending, takagi

RNG = np.random.default_rng(1234)


def _rand_sym(n, rng=RNG, batch=()):
    a = rng.normal(size=(*batch, n, n)) + 1j * rng.normal(size=(*batch, n, n))
    return a + np.swapaxes(a, -1, -2)


def _rand(n, rng=RNG, batch=()):
    return rng.normal(size=(*batch, n, n)) + 1j * rng.normal(size=(*batch, n, n))


_takagi_j = jax.jit(takagi)
_svd_j = jax.jit(svd_ascending)


@jax.jit
def _takagi_flat(ar, ai):
    a = ar + 1j * ai
    s, n = takagi(0.5 * (a + a.T))
    return jnp.concatenate([s, jnp.real(n).ravel(), jnp.imag(n).ravel()])


@jax.jit
def _svd_flat(ar, ai):
    s, u, v = svd_ascending(ar + 1j * ai)
    return jnp.concatenate([s, jnp.real(u).ravel(), jnp.imag(u).ravel(), jnp.real(v).ravel(), jnp.imag(v).ravel()])


_jacfwd_takagi = jax.jit(jax.jacfwd(_takagi_flat))
_jacrev_takagi = jax.jit(jax.jacrev(_takagi_flat))


def test_takagi_reconstruction_unitarity_order_batched():
    a = _rand_sym(4, batch=(6,))
    s, n = _takagi_j(jnp.asarray(a))
    s, n = np.asarray(s), np.asarray(n)
    for k in range(a.shape[0]):
        d = np.conj(n[k]) @ a[k] @ n[k].conj().T
        np.testing.assert_allclose(d, np.diag(s[k]), atol=1e-12 * s[k].max())
        np.testing.assert_allclose(n[k] @ n[k].conj().T, np.eye(4), atol=1e-13)
        # independent check: s^2 are the eigenvalues of a^H a
        np.testing.assert_allclose(s[k] ** 2, np.linalg.eigvalsh(a[k].conj().T @ a[k]), rtol=1e-12)
        # gauge: largest |Re| component of each row is positive
        idx = np.argmax(np.abs(n[k].real), axis=1)
        assert np.all(n[k].real[np.arange(4), idx] > 0)
    assert np.all(np.diff(s, axis=-1) >= 0) and np.all(s >= 0)


def test_svd_reconstruction_unitarity_order_gauge_batched():
    for dim in (2, 3):
        a = _rand(dim, batch=(5,))
        s, u, v = (np.asarray(x) for x in _svd_j(jnp.asarray(a)))
        for k in range(a.shape[0]):
            np.testing.assert_allclose(np.conj(u[k]) @ a[k] @ v[k].conj().T, np.diag(s[k]), atol=1e-12 * s[k].max())
            np.testing.assert_allclose(u[k] @ u[k].conj().T, np.eye(dim), atol=1e-13)
            np.testing.assert_allclose(v[k] @ v[k].conj().T, np.eye(dim), atol=1e-13)
            np.testing.assert_allclose(s[k], np.sort(np.linalg.svd(a[k], compute_uv=False)), rtol=1e-12)
            d = np.diagonal(v[k])
            assert np.all(np.abs(d.imag) < 1e-14) and np.all(d.real >= 0)
        assert np.all(np.diff(s, axis=-1) >= 0)


def test_takagi_gradients_vs_finite_differences():
    a = _rand_sym(4)
    check_grads(
        _takagi_flat,
        (jnp.asarray(a.real), jnp.asarray(a.imag)),
        order=1,
        modes=["fwd", "rev"],
        eps=1e-6,
        atol=1e-5,
        rtol=1e-5,
    )


def test_svd_gradients_vs_finite_differences():
    for dim in (2, 3):
        a = _rand(dim)
        check_grads(
            _svd_flat,
            (jnp.asarray(a.real), jnp.asarray(a.imag)),
            order=1,
            modes=["fwd", "rev"],
            eps=1e-6,
            atol=1e-5,
            rtol=1e-5,
        )


def test_degenerate_and_rank_deficient_gradients_finite():
    # exact degeneracy s1 = s2 and an exact zero singular value: mixing is undefined there, gradients must stay finite
    ph = np.exp(1j * np.array([0.3, -1.1, 0.7, 0.0]))
    for diag in ([1.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0]):
        a0 = np.diag(np.array(diag) * ph**2)
        jac = _jacfwd_takagi(jnp.asarray(a0.real), jnp.asarray(a0.imag))
        assert np.all(np.isfinite(np.asarray(jac)))
        jac_r = _jacrev_takagi(jnp.asarray(a0.real), jnp.asarray(a0.imag))
        assert np.all(np.isfinite(np.asarray(jac_r)))
    # sum of singular values at a real positive-definite degenerate point: d/dt tr = exact (trace is linear there)
    a0 = np.diag([1.0, 1.0, 2.0, 3.0]).astype(complex)
    pert = _rand_sym(4).real
    f = jax.jit(jax.grad(lambda t: jnp.sum(takagi(jnp.asarray(a0) + t * pert)[0])))
    np.testing.assert_allclose(f(0.0), np.trace(pert), rtol=1e-12)
    b0 = np.diag([1.0, 1.0]).astype(complex)
    g = jax.jit(jax.jacfwd(lambda x: svd_ascending(jnp.asarray(b0) + x * jnp.array([[0.3, 0.1], [0.2, -0.4]]))[1]))(0.0)
    assert np.all(np.isfinite(np.asarray(g)))


def test_batched_equals_looped():
    a = jnp.asarray(_rand_sym(4, batch=(4,)))
    s_b, n_b = _takagi_j(a)
    vm = jax.jit(jax.vmap(takagi))(a)
    for k in range(4):
        s_k, n_k = _takagi_j(a[k])
        np.testing.assert_allclose(s_b[k], s_k, rtol=1e-13)
        np.testing.assert_allclose(n_b[k], n_k, atol=1e-13)
        np.testing.assert_allclose(vm[1][k], n_k, atol=1e-13)
    b = jnp.asarray(_rand(2, batch=(4,)))
    out_b = _svd_j(b)
    for k in range(4):
        for x_b, x_k in zip(out_b, _svd_j(b[k])):
            np.testing.assert_allclose(x_b[k], x_k, atol=1e-13)


def test_float32():
    a = _rand_sym(4).astype(np.complex64)
    s, n = takagi(jnp.asarray(a))
    assert s.dtype == jnp.float32 and n.dtype == jnp.complex64
    np.testing.assert_allclose(np.conj(n) @ a @ n.conj().T, np.diag(s), atol=2e-5 * float(s.max()))
    b = _rand(2).astype(np.complex64)
    s, u, v = svd_ascending(jnp.asarray(b))
    assert s.dtype == jnp.float32
    np.testing.assert_allclose(np.conj(u) @ b @ v.conj().T, np.diag(s), atol=2e-5 * float(s.max()))


def test_real_input_promoted_and_bad_shape():
    s, n = takagi(jnp.array([[2.0, 0.0], [0.0, -1.0]]))
    np.testing.assert_allclose(s, [1.0, 2.0])
    # negative eigenvalue -> phase i in n (n^* a n^H = |a|)
    np.testing.assert_allclose(np.abs(n[0, 1]), 1.0)
    with pytest.raises(ValueError, match="square"):
        takagi(jnp.ones((2, 3)))
    with pytest.raises(ValueError, match="square"):
        svd_ascending(jnp.ones(3))
