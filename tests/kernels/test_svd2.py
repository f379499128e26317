"""kernels._svd2: the closed-form 2 x 2 SVD against numpy's LAPACK SVD, on generic, graded and degenerate matrices."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgen_kernels as kernels

jax.config.update("jax_enable_x64", True)


def _cases():
    rng = np.random.default_rng(5)
    n = 64
    a = (rng.normal(size=(n, 2, 2)) + 1j * rng.normal(size=(n, 2, 2))) * 10 ** rng.uniform(-2, 4, (n, 1, 1))
    special = [
        np.zeros((2, 2)),  # a = 0: identity factors
        np.eye(2) * 300.0,  # degenerate singular values
        np.diag([0.0, 5.0]),  # h11 < h22 with h12 = 0 (cos 2 theta = -1)
        np.diag([5.0, 0.0]),
        np.array([[1.0, 2.0], [2.0, 4.0]]),  # rank 1
        np.array([[1e3, 1e3 * (1 + 1e-12)], [1e-3, 1e-3]]),  # nearly rank 1, graded
        np.array([[0.0, 1j], [-2.0, 0.0]]),  # anti-diagonal
        np.array([[200.0, 80.0 * np.sqrt(2) * np.exp(0.3j)], [80.0 * np.sqrt(2), 400.0 * np.exp(1.1j)]]),  # a chargino
    ]
    return np.concatenate([a, np.asarray(special, complex)])


def test_factors_reconstruct_and_singular_values_match_lapack():
    a = _cases()
    u, s, vh = (np.asarray(x) for x in jax.jit(jax.vmap(kernels.svd_2x2))(jnp.asarray(a)))
    scale = np.maximum(np.abs(a).max(axis=(1, 2)), 1e-300)
    eps = np.finfo(float).eps
    rec = np.einsum("nij,nj,njk->nik", u, s, vh)
    assert np.max(np.abs(rec - a).max(axis=(1, 2)) / scale) < 20 * eps
    s_ref = np.linalg.svd(a, compute_uv=False)
    assert np.max(np.abs(s - s_ref).max(axis=1) / scale) < 20 * eps
    assert np.all(s[:, 0] >= s[:, 1]) and np.all(s >= 0)
    eye = np.eye(2)
    assert np.max(np.abs(np.einsum("nji,njk->nik", u.conj(), u) - eye)) < 20 * eps
    assert np.max(np.abs(np.einsum("nij,nkj->nik", vh, vh.conj()) - eye)) < 20 * eps
    assert np.array_equal(u[len(a) - 8], eye) and np.array_equal(vh[len(a) - 8], eye)  # a = 0


def test_batched_equals_looped_and_real_input():
    a = _cases()[:6]
    batched = jax.vmap(kernels.svd_2x2)(jnp.asarray(a))
    for i in range(len(a)):
        for b, one in zip(batched, kernels.svd_2x2(jnp.asarray(a[i]))):
            np.testing.assert_allclose(np.asarray(b[i]), np.asarray(one), rtol=1e-15, atol=1e-13)
    u, s, vh = kernels.svd_2x2(jnp.array([[3.0, 1.0], [0.0, 2.0]]))
    assert u.dtype == jnp.complex128
    np.testing.assert_allclose(np.asarray(s), np.linalg.svd([[3.0, 1.0], [0.0, 2.0]], compute_uv=False), rtol=1e-15)


def test_bad_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="svd_2x2 takes one"):
        kernels.svd_2x2(jnp.zeros((3, 3)))
