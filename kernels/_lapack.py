"""LAPACK decompositions that cannot deadlock XLA:CPU under vmap: one matrix per LAPACK call on the CPU.

Why (a jaxlib bug, found in jaxgen on 2026-12-04; jax/jaxlib 0.10.2, the newest release on the package index this
project installs from). A batched ``jnp.linalg.eigh`` / ``svd`` / ``solve`` lowers on the CPU to one LAPACK
custom call over the whole batch (``lapack_dsyevd_ffi``, ``lapack_zgesdd_ffi``, ``lapack_dgetrf_ffi``, ...).
jaxlib's kernel splits the batch into tasks on XLA's intra-op thread pool and then blocks the calling pool thread
until they finish (``jax::ParallelBatchMap`` -> ``absl::BlockingCounter::Wait``). When as many independent
batched LAPACK calls as the pool has threads start at once (the thunk executor runs independent ops
concurrently), every pool thread waits for tasks that only another waiting thread could run: the program never
returns, with 0 % CPU. Seen in the spectrum-mode Hall chain (three independent ``dsyevd`` on f64[2048, 8, 8] and
three ``zgesdd`` on c128[2048, 2, 2] in one program; gdb: both workers of the 2-thread pool in
``EigenvalueDecompositionSymmetric::Kernel`` -> ``ParallelBatchMap`` -> ``BlockingCounter::Wait``): 5 of 5 runs of 10
executions at N = 2048 hung. The same wait is reported outside jaxgen for ``dpotrf`` and ``gtsv`` batches, and
JAX 0.11.2 compiles this parallel path out of its open-source builds (not available here).

Workaround: on the CPU each decomposition goes through ``jax.custom_batching.sequential_vmap``, so that under vmap
it becomes a ``lax.map`` of unbatched LAPACK calls (one matrix per call: nothing to split, nothing to wait for).
``jax.lax.platform_dependent`` keeps the batched call on every other platform (cuSOLVER on a GPU, where a
sequential loop would be slow and the bug does not exist). The primal values are those of ``jnp.linalg`` (the same
LAPACK routine per matrix; the spectrum-mode Hall chain gives the same sums to 13 digits). Measured on 2 CPU cores,
old and new in alternating processes (2 runs each): the spectrum-mode Hall chain at N = 512, 2.35e4 / 1.87e4 ->
2.66e4 / 2.46e4 points/s; cp_asymmetries_from_spectrum_batch at N = 2048, 2.54e4 / 2.93e4 -> 2.57e4 / 3.93e4: not
slower within the noise of this shared machine. The deadlock itself: the N = 2048
chain with 10 executions per process hung in 3 of 3 runs before and finished in 5 of 5 after, in one session.
``tests/kernels/test_lapack.py`` checks that no vmapped decomposition leaves a batched LAPACK call in the CPU
program.

``sequential_vmap`` has no autodiff rule of its own, so :func:`lapack_eigh` carries a custom JVP (the standard
formula, tangents by matrix products only); :func:`lapack_svd` and :func:`lapack_solve` are for primal values (jaxgen
differentiates the SVD through its own custom JVP in :mod:`._takagi`, which calls :func:`lapack_svd` for the primal
only, and only for matrices larger than 2 x 2: those take the closed form of :mod:`._svd2`; it solves where a gradient
is needed with :func:`jaxgen_kernels.solve_small`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.custom_batching import sequential_vmap

__all__ = ["lapack_eigh", "lapack_svd", "lapack_solve"]


def _per_matrix_on_cpu(fn):
    """fn, evaluated one matrix per call on the CPU under vmap (module docstring), batched elsewhere."""
    seq = sequential_vmap(fn)

    def call(*args):
        return jax.lax.platform_dependent(*args, cpu=seq, default=fn)

    return call


_eigh_primal = _per_matrix_on_cpu(lambda a: tuple(jnp.linalg.eigh(a)))
_svd_primal = _per_matrix_on_cpu(lambda a: tuple(jnp.linalg.svd(a)))
_solve_primal = _per_matrix_on_cpu(jnp.linalg.solve)


_DEGENERACY_RTOL = 1e3  # in units of the dtype's machine epsilon, relative to the scale (also kernels._takagi)


def _safe_inverse(x, scale):
    """1/x, and 0 where |x| <= _DEGENERACY_RTOL eps scale (a degeneracy: no rotation inside it)."""
    tol = _DEGENERACY_RTOL * jnp.finfo(x.dtype).eps * scale
    ok = jnp.abs(x) > tol
    return jnp.where(ok, 1.0 / jnp.where(ok, x, 1.0), 0.0)


@jax.custom_jvp
def _eigh(a):
    return _eigh_primal(a)


@_eigh.defjvp
def _eigh_jvp(primals, tangents):
    """A = V diag(w) V^H: dw = Re diag(F), dV = V (F o G), F = V^H dA V (dA Hermitian-symmetrised, as the primal
    symmetrises A), G_ij = 1/(w_j - w_i) off the diagonal and 0 on it or at a degeneracy (|w_j - w_i| below
    1e3 eps max|w|: the derivative with no rotation inside a degenerate subspace, as in :mod:`._takagi`)."""
    (a,), (da,) = primals, tangents
    w, v = _eigh(a)
    da = 0.5 * (da + jnp.conj(jnp.swapaxes(da, -1, -2)))
    vh = jnp.conj(jnp.swapaxes(v, -1, -2))
    f = vh @ da.astype(v.dtype) @ v
    dw = jnp.real(jnp.diagonal(f, axis1=-2, axis2=-1)).astype(w.dtype)
    scale = jnp.max(jnp.abs(w), axis=-1, keepdims=True)[..., None]
    g = _safe_inverse(w[..., None, :] - w[..., :, None], scale)
    dv = v @ (g.astype(v.dtype) * f)
    return (w, v), (dw, dv)


def lapack_eigh(a):
    """``jnp.linalg.eigh(a)`` as a tuple (w ascending, v with the eigenvectors as columns), one matrix per LAPACK
    call on the CPU under vmap (module docstring). ``a``: (n, n) real symmetric or complex Hermitian (vmap, or
    ``jnp.vectorize``, for batches). Differentiable (forward and reverse mode) by the custom JVP above."""
    a = jnp.asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(
            f"kernels.lapack_eigh takes one square (n, n) matrix (vmap it for batches); got shape {a.shape}"
        )
    return _eigh(a)


def lapack_svd(a):
    """``jnp.linalg.svd(a)`` as a tuple (u, s descending, vh), one matrix per LAPACK call on the CPU under vmap
    (module docstring). ``a``: one (m, n) matrix. Primal values only (not differentiable: use
    :func:`jaxgen_kernels.svd_ascending`, whose custom JVP calls this for its primal)."""
    a = jnp.asarray(a)
    if a.ndim != 2:
        raise ValueError(f"kernels.lapack_svd takes one (m, n) matrix (vmap it for batches); got shape {a.shape}")
    return _svd_primal(a)


def lapack_solve(a, b):
    """``jnp.linalg.solve(a, b)`` for one (n, n) matrix, one LAPACK call per matrix on the CPU under vmap (module
    docstring). Primal values only (not differentiable: use :func:`jaxgen_kernels.solve_small` where a gradient is
    needed)."""
    a = jnp.asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(
            f"kernels.lapack_solve takes one square (n, n) matrix (vmap it for batches); got shape {a.shape}"
        )
    return _solve_primal(a, jnp.asarray(b))
