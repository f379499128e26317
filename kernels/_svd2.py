"""Closed-form SVD of a 2 x 2 complex matrix, in plain array operations.

Why not LAPACK. Under ``vmap`` on the CPU, jaxgen runs LAPACK one matrix per call (``kernels._lapack``: the batched
jaxlib kernels can deadlock XLA:CPU's thread pool). For the 2 x 2 chargino mass matrix that is a ``while`` loop of
single-matrix ``zgesdd`` calls on one thread: 2.5 us per point, against 0.23 us for the closed form below (N = 4000,
this repository's 2-core machine). Written in scalar arithmetic on the four entries, every operation under ``vmap``
is elementwise over the batch; it runs on every platform, so CPU and GPU use the same algorithm.

Method. ``H = a^H a = [[h11, h12], [h12*, h22]]`` with ``h12 = |h12| e^{i phi}`` is ``D^H K D``, ``D = diag(1, e^{i phi})``
and ``K`` real symmetric, so the unit eigenvector of its larger eigenvalue is ``x1 = (c, s e^{-i phi})`` with
``cos 2 theta = (h11 - h22) / (2 r)``, ``sin 2 theta = |h12| / r``, ``r = sqrt(((h11 - h22) / 2)^2 + |h12|^2)``,
``theta`` in [0, pi/2]; and ``x2 = (-s, c e^{-i phi})``. The larger of ``c = cos theta``, ``s = sin theta`` comes from
the half-angle formula ``sqrt((1 + |cos 2 theta|) / 2)``, the other from ``sin 2 theta / (2 * larger)``, so neither
suffers cancellation. Then ``s1 = |a x1|``, ``u1 = a x1 / s1``, and ``u2`` is the unit vector orthogonal to ``u1``,
``(-u1[1]*, u1[0]*)``, times the phase that makes ``s2 = u2^H a x2`` real and non-negative: ``s2`` is ``|u2^H a x2|``,
not the square root of the small eigenvalue of ``H`` (which would lose the digits of a small singular value).
At ``a = 0`` the factors are the identity. Output in the ``jnp.linalg.svd`` convention ``a = u diag(s) vh``, ``s``
descending. Derivatives are not taken through this function: ``kernels._takagi.svd_ascending`` carries the custom JVP.
"""

from __future__ import annotations

import jax.numpy as jnp

__all__ = ["svd_2x2"]


def _abs2(z):
    return jnp.real(z) ** 2 + jnp.imag(z) ** 2


def _unit_or(z, norm, default):
    ok = norm > 0
    return jnp.where(ok, z / jnp.where(ok, norm, 1.0), default)


def svd_2x2(a):
    """Closed-form SVD of one complex (or real) 2 x 2 matrix (module docstring): ``(u, s, vh)`` as
    ``jnp.linalg.svd``, ``a = u diag(s) vh``, ``s`` descending and non-negative, ``u``, ``vh`` unitary. vmap for
    batches."""
    a = jnp.asarray(a)
    if a.shape != (2, 2):
        raise ValueError(f"svd_2x2 takes one (2, 2) matrix (vmap it for batches); got shape {a.shape}")
    cdt = jnp.result_type(a.dtype, jnp.complex64)
    a = a.astype(cdt)
    a00, a01, a10, a11 = a[0, 0], a[0, 1], a[1, 0], a[1, 1]
    h11 = _abs2(a00) + _abs2(a10)
    h22 = _abs2(a01) + _abs2(a11)
    h12 = jnp.conj(a00) * a01 + jnp.conj(a10) * a11
    m12 = jnp.abs(h12)
    half = 0.5 * (h11 - h22)
    r = jnp.hypot(half, m12)
    cos2 = _unit_or(half, r, 1.0)
    sin2 = _unit_or(m12, r, 0.0)  # >= 0
    big = jnp.sqrt(0.5 * (1.0 + jnp.abs(cos2)))  # >= sqrt(1/2)
    small = sin2 / (2.0 * big)
    c = jnp.where(cos2 >= 0, big, small)
    s = jnp.where(cos2 >= 0, small, big)
    e = _unit_or(jnp.conj(h12), m12, 1.0).astype(cdt)  # e^{-i phi}
    x1 = (c.astype(cdt), s * e)
    x2 = ((-s).astype(cdt), c * e)
    y0, y1 = a00 * x1[0] + a01 * x1[1], a10 * x1[0] + a11 * x1[1]  # a x1
    s1 = jnp.sqrt(_abs2(y0) + _abs2(y1))
    u1 = (_unit_or(y0, s1, 1.0).astype(cdt), _unit_or(y1, s1, 0.0).astype(cdt))
    u2 = (-jnp.conj(u1[1]), jnp.conj(u1[0]))
    z0, z1 = a00 * x2[0] + a01 * x2[1], a10 * x2[0] + a11 * x2[1]  # a x2
    zz = jnp.conj(u2[0]) * z0 + jnp.conj(u2[1]) * z1
    s2 = jnp.abs(zz)
    ph = _unit_or(zz, s2, 1.0).astype(cdt)
    u = jnp.stack([jnp.stack([u1[0], u2[0] * ph]), jnp.stack([u1[1], u2[1] * ph])])
    vh = jnp.conj(jnp.stack([jnp.stack(x1), jnp.stack(x2)]))
    return u, jnp.stack([s1, s2]), vh
