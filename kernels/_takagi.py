"""Differentiable Takagi factorization and ordered SVD for complex square matrices.

Pure numerics (no physics). Two factorizations, both with ascending, non-negative singular values, a fixed
gauge (so that the mixing matrices themselves, not only invariants, have well-defined derivatives), and
hand-written JVP rules (``jax.custom_jvp``) whose divided differences are guarded at degeneracies:

``takagi(a) -> (s, n)``
    For complex symmetric ``a`` (a = a^T): ``conj(n) @ a @ n^H = diag(s)``, ``s`` ascending, ``s >= 0``, ``n``
    unitary; equivalently ``a = n^T diag(s) n``. This is the neutralino convention of SLHA / Haber-Kane
    (``N^* M N^dagger = diag``). Forward pass: the eigen-decomposition of the real symmetric 2n x 2n matrix
    ``[[Re a, Im a], [Im a, -Re a]]``, whose eigenvalues are ``+-s``; the eigenvector ``(u; v)`` of ``+s_i`` gives
    the column ``w_i = u + i v`` of ``w = n^T`` with ``a conj(w_i) = s_i w_i``.
    Gauge: each row of ``n`` is fixed up to a sign only (the phase is fixed by ``s >= 0``); the sign is chosen so
    that the component of largest ``|Re|`` has positive real part.

``svd_ascending(a) -> (s, u, v)``
    For any complex square ``a``: ``conj(u) @ a @ v^H = diag(s)``, ``s`` ascending, ``s >= 0``, ``u, v`` unitary;
    equivalently ``a = u^T diag(s) v``. This is the chargino convention of SLHA / Haber-Kane
    (``U^* X V^dagger = diag``). Gauge: each row of ``v`` has a real, non-negative diagonal entry ``v_ii``
    (the row phase is then carried by ``u``).

Derivatives (derivation in docs/derivations/cp_asymmetry.md, section "Takagi/SVD derivatives"):
with ``w = n^T``, ``F = w^H da conj(w)``::

    ds_i = Re F_ii,    Omega_ii = i Im F_ii / (2 s_i),
    Omega_ij = Re F_ij / (s_j - s_i) + i Im F_ij / (s_i + s_j),    dw = w Omega.

For the SVD, with ``F = conj(u) da v^H``, ``ds_i = Re F_ii`` and the off-diagonal generators are
``(s_j F_ij + s_i conj(F_ji)) / (s_j^2 - s_i^2)`` (left) and ``(s_i F_ij + s_j conj(F_ji)) / (s_j^2 - s_i^2)``
(right); the diagonal generators follow from the gauge condition.

Where they cannot be finite: the singular values are always differentiable where they are non-degenerate and
their derivative ``Re F_ii`` stays finite even at a degeneracy (it is then one valid one-sided derivative).
The mixing matrices are genuinely non-differentiable at an exact degeneracy ``s_i = s_j`` (the mixing inside the
degenerate subspace is undefined) and at a zero singular value (its phase is undefined). There the divided
differences ``1/(s_j - s_i)`` and ``1/s_i`` are replaced by 0 when ``|s_j - s_i|`` (resp. ``s_i``) is below
``_DEGENERACY_RTOL * max(s)``, so gradients stay finite; this is the exact derivative of every quantity that is
invariant under rotations inside the degenerate subspace (traces, sums over degenerate states) and otherwise the
derivative with no rotation inside it. Near (but not at) a degeneracy the derivatives are exact and large
(~ 1/splitting), as they must be.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ._lapack import _safe_inverse, lapack_eigh, lapack_svd
from ._svd2 import svd_2x2

__all__ = ["takagi", "svd_ascending"]


def _complex_dtype(a):
    return jnp.result_type(a.dtype, jnp.complex64)


# ----------------------------------------------------------------------------------------------------------- Takagi
def _takagi_forward(a):
    a = jnp.asarray(a)
    a = a.astype(_complex_dtype(a))
    n = a.shape[-1]
    ar, ai = jnp.real(a), jnp.imag(a)
    big = jnp.block([[ar, ai], [ai, -ar]])
    big = 0.5 * (big + big.T)
    evals, evecs = lapack_eigh(big)  # one matrix per LAPACK call on the CPU (kernels._lapack: a jaxlib deadlock)
    s = evals[n:]  # the n largest (= +s_i), ascending
    vecs = evecs[:, n:]
    w = (vecs[:n, :] + 1j * vecs[n:, :]).astype(a.dtype)  # columns w_i, unit norm
    # gauge: sign such that the component with largest |Re| is positive
    k = jnp.argmax(jnp.abs(jnp.real(w)), axis=0)
    ref = jnp.real(w[k, jnp.arange(n)])
    sign = jnp.where(ref < 0, -1.0, 1.0).astype(ref.dtype)
    w = w * sign[None, :]
    s = jnp.maximum(s, 0.0)
    return s, w.T


@jax.custom_jvp
def _takagi(a):
    return _takagi_forward(a)


@_takagi.defjvp
def _takagi_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    s, nmat = _takagi_forward(a)
    cdt = nmat.dtype
    da = jnp.asarray(da).astype(cdt)
    da = 0.5 * (da + da.T)
    w = nmat.T
    f = jnp.conj(w.T) @ da @ jnp.conj(w)
    ds = jnp.real(jnp.diagonal(f))
    scale = jnp.max(s)
    diff = s[None, :] - s[:, None]  # s_j - s_i
    summ = s[None, :] + s[:, None]
    re_part = jnp.real(f) * _safe_inverse(diff, scale)
    im_part = jnp.imag(f) * _safe_inverse(summ, scale)
    omega = (re_part + 1j * im_part).astype(cdt)
    eye = jnp.eye(s.shape[0], dtype=bool)
    omega = jnp.where(eye, (1j * jnp.imag(f) * _safe_inverse(2 * s, scale)[None, :]).astype(cdt), omega)
    dw = w @ omega
    return (s, nmat), (ds.astype(s.dtype), dw.T)


def takagi(a):
    """Takagi factorization of complex symmetric matrices, differentiable (custom JVP).

    Args:
        a: ``(..., n, n)`` complex symmetric array (real input is promoted). Only the symmetric part is used in
            derivatives.

    Returns:
        ``(s, n)``: ``s`` of shape ``(..., n)``, real, non-negative, ascending; ``n`` of shape ``(..., n, n)``,
        unitary, with ``conj(n) @ a @ n^H = diag(s)`` (SLHA neutralino convention ``N^* M N^dagger``).

    See the module docstring for the gauge and for the behaviour at degeneracies.
    """
    a = jnp.asarray(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"takagi needs square matrices of shape (..., n, n); got shape {a.shape}.")
    return jnp.vectorize(_takagi, signature="(n,n)->(n),(n,n)")(a)


# -------------------------------------------------------------------------------------------------------------- SVD
def _svd_forward(a):
    a = jnp.asarray(a)
    a = a.astype(_complex_dtype(a))
    # a = p diag(s) qh, s descending: the closed form for 2 x 2 (the charginos; kernels._svd2, 10x faster than one
    # LAPACK call per matrix), else one matrix per LAPACK call on the CPU (kernels._lapack)
    p, s, qh = svd_2x2(a) if a.shape == (2, 2) else lapack_svd(a)
    p, s, qh = p[:, ::-1], s[::-1], qh[::-1, :]
    u = p.T  # a = u^T diag(s) v
    v = qh
    d = jnp.diagonal(v)
    ad = jnp.abs(d)
    phase = jnp.where(ad > 0, d / jnp.where(ad > 0, ad, 1.0), 1.0).astype(a.dtype)  # e^{i theta_i}
    v = v * jnp.conj(phase)[:, None]
    u = u * phase[:, None]
    return s, u, v


@jax.custom_jvp
def _svd(a):
    return _svd_forward(a)


@_svd.defjvp
def _svd_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    s, u, v = _svd_forward(a)
    cdt = u.dtype
    da = jnp.asarray(da).astype(cdt)
    f = jnp.conj(u) @ da @ jnp.conj(v.T)  # = P^H da Q with P = u^T, Q = v^H
    ds = jnp.real(jnp.diagonal(f))
    scale = jnp.max(s)
    si, sj = s[:, None], s[None, :]
    inv = _safe_inverse(sj**2 - si**2, scale**2)
    fct = jnp.conj(f.T)
    om_p = (sj * f + si * fct) * inv
    om_q = (si * f + sj * fct) * inv
    eye = jnp.eye(s.shape[0], dtype=bool)
    om_p = jnp.where(eye, 0.0, om_p).astype(cdt)
    om_q = jnp.where(eye, 0.0, om_q).astype(cdt)
    # gauge v_ii real: t_i = -Im(sum_{j != i} om_q_ij v_ji) / v_ii
    vd = jnp.real(jnp.diagonal(v))
    t = -jnp.imag(jnp.sum(om_q * v.T, axis=1)) * _safe_inverse(vd, 1.0)
    om_q = om_q + jnp.diag(1j * t).astype(cdt)
    om_p = om_p + jnp.diag(1j * (jnp.imag(jnp.diagonal(f)) * _safe_inverse(s, scale) + t)).astype(cdt)
    du = om_p.T @ u  # dP = P om_p, u = P^T
    dv = -om_q @ v  # dQ = Q om_q, v = Q^H
    return (s, u, v), (ds.astype(s.dtype), du, dv)


def svd_ascending(a):
    """Singular value decomposition in the SLHA chargino convention, differentiable (custom JVP).

    Args:
        a: ``(..., n, n)`` complex (or real) square array.

    Returns:
        ``(s, u, v)``: ``s`` of shape ``(..., n)`` real, non-negative, ascending; ``u``, ``v`` unitary
        ``(..., n, n)`` with ``conj(u) @ a @ v^H = diag(s)`` (``U^* X V^dagger``), i.e. ``a = u^T diag(s) v``, and
        the gauge ``v_ii`` real and non-negative.

    See the module docstring for the behaviour at degeneracies.
    """
    a = jnp.asarray(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"svd_ascending needs square matrices of shape (..., n, n); got shape {a.shape}.")
    return jnp.vectorize(_svd, signature="(n,n)->(n),(n,n),(n,n)")(a)
