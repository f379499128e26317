"""Tests of kernels._linalg: exact rational tools and the unrolled small solve."""

from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy as sp

from jaxgen_kernels import exact_nullspace, exact_rank, exact_rref, exact_solve_in_basis, reduced_solve, solve_small


def test_exact_rref_and_nullspace_vs_sympy():
    rng = np.random.default_rng(1)
    for _ in range(5):
        a = rng.integers(-3, 4, size=(4, 7))
        a[3] = a[0] + 2 * a[1]  # rank deficiency
        rref, piv = exact_rref(a.tolist())
        srref, spiv = sp.Matrix(a.tolist()).rref()
        assert list(spiv) == piv
        assert [[sp.Rational(x.numerator, x.denominator) for x in row] for row in rref] == srref[: len(piv), :].tolist()
        null = exact_nullspace(a.tolist())
        assert len(null) == 7 - exact_rank(a.tolist()) == 4
        for v in null:
            assert all(sum(Fraction(int(a[i, j])) * v[j] for j in range(7)) == 0 for i in range(4))
    assert exact_nullspace([], n_columns=3) == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_exact_solve_in_basis():
    basis = [[1, 0, 1], [0, 1, 1]]
    assert exact_solve_in_basis(basis, [2, 3, 5]) == [2, 3]
    assert exact_solve_in_basis(basis, [1, 1, 1]) is None
    assert exact_solve_in_basis([], [0, 0]) == []


_solve = jax.jit(solve_small)
_vsolve = jax.jit(jax.vmap(solve_small))


@pytest.mark.parametrize("d", [1, 2, 3, 5, 7])
def test_solve_small_matches_numpy_batched_equals_looped(d):
    rng = np.random.default_rng(d)
    a = rng.normal(size=(8, d, d))
    a[0] = np.eye(d)[::-1] * 1e-3  # needs pivoting, badly scaled rows
    b = rng.normal(size=(8, d))
    x, rc = _vsolve(a, b)
    np.testing.assert_allclose(np.asarray(x), np.linalg.solve(a, b[..., None])[..., 0], rtol=1e-9, atol=1e-10)
    assert np.all(np.asarray(rc) > 0)
    for i in range(8):
        xi, _ = _solve(a[i], b[i])
        np.testing.assert_allclose(np.asarray(xi), np.asarray(x[i]), rtol=1e-14, atol=1e-14)


def test_solve_small_singular_is_flagged_not_nan():
    a = jnp.array([[1.0, 2.0], [2.0, 4.0]])
    x, rc = _solve(a, jnp.array([1.0, 1.0]))
    assert np.all(np.isfinite(np.asarray(x))) and float(rc) < 1e-12
    x, rc = _solve(jnp.zeros((3, 3)), jnp.ones(3))
    assert np.all(np.isfinite(np.asarray(x))) and float(rc) == 0.0


def test_solve_small_gradient_and_float32():
    a0 = jnp.array([[3.0, 1.0, 0.5], [1.0, 2.0, 0.1], [0.2, 0.3, 4.0]])
    b = jnp.array([1.0, -2.0, 0.5])
    f = jax.jit(lambda a: solve_small(a, b)[0] @ jnp.array([1.0, 2.0, 3.0]))
    g = jax.grad(f)(a0)
    ref = -jnp.outer(jnp.linalg.solve(a0.T, jnp.array([1.0, 2.0, 3.0])), jnp.linalg.solve(a0, b))
    np.testing.assert_allclose(np.asarray(g), np.asarray(ref), rtol=1e-10)
    x32, rc32 = solve_small(a0.astype(jnp.float32), b.astype(jnp.float32))
    assert x32.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(x32), np.linalg.solve(np.asarray(a0), np.asarray(b)), rtol=1e-5)


def test_reduced_solve():
    """R mu = 0 with R = [1, -1, 0] and constraints on mu weighted by w: compare with the full dense solve."""
    r = [[1, -1, 0]]
    n = np.array([[float(x) for x in v] for v in exact_nullspace(r)]).T  # (3, 2)
    c = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    w = np.array([1.0, 2.0, 0.5])
    vals = np.array([3.0, 1.0])
    mu, rc = reduced_solve(n, c, w, vals)
    full = np.vstack([np.array(r, float), c * w])
    np.testing.assert_allclose(np.asarray(mu), np.linalg.solve(full, np.r_[0.0, vals]), rtol=1e-12)
