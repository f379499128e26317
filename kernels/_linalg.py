"""Batched constrained linear solves with rank diagnostics.

Two kinds of tools live here:

- Host-side exact linear algebra over the rationals (``fractions.Fraction``): reduced row-echelon form, nullspace,
  rank, and expressing a vector in a basis. These are used once, when a problem is set up (e.g. the nullspace of the
  reaction matrix of a chemical-equilibrium model), so rank decisions are exact and diagnostics can be printed with
  exact rational coefficients.
- Jit/vmap/grad-friendly solves of tiny dense systems (d <= ~8) for the hot path: ``solve_small`` is an unrolled
  Gauss-Jordan elimination with partial pivoting and row equilibration. It never divides by zero; it returns an estimate
  of the reciprocal condition number so that callers can flag singular or ill-conditioned points in a batch with a
  status code instead of producing NaN.
- ``reduced_solve``: the constrained problem  R mu = 0,  C diag(w) mu = b  solved as mu = N xi with N a basis of
  null(R) and the small system (C diag(w) N) xi = b.

Arrays in, arrays out; no physics, no jaxgen import.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import jax.numpy as jnp

__all__ = [
    "exact_rref",
    "exact_nullspace",
    "exact_rank",
    "exact_solve_in_basis",
    "solve_small",
    "reduced_solve",
]


def _to_fraction_matrix(a) -> list[list[Fraction]]:
    rows = []
    for row in a:
        rows.append([x if isinstance(x, Fraction) else Fraction(x).limit_denominator(10**9) for x in row])
    return rows


def exact_rref(a: Sequence[Sequence]) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row-echelon form over the rationals.

    Args:
        a: m x n matrix (nested sequences or a NumPy array) of ints, floats (converted with
            ``Fraction.limit_denominator(1e9)``) or ``Fraction``.

    Returns:
        ``(rref, pivots)``: the non-zero rows of the RREF (list of lists of ``Fraction``) and the pivot columns.
    """
    m = _to_fraction_matrix(a)
    if not m:
        return [], []
    n = len(m[0])
    pivots: list[int] = []
    r = 0
    for col in range(n):
        piv = next((i for i in range(r, len(m)) if m[i][col] != 0), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        pv = m[r][col]
        m[r] = [x / pv for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][col] != 0:
                f = m[i][col]
                m[i] = [x - f * y for x, y in zip(m[i], m[r])]
        pivots.append(col)
        r += 1
        if r == len(m):
            break
    return m[:r], pivots


def exact_rank(a: Sequence[Sequence]) -> int:
    """Exact rank over the rationals (see ``exact_rref``)."""
    return len(exact_rref(a)[1])


def exact_nullspace(a: Sequence[Sequence], n_columns: int | None = None) -> list[list[Fraction]]:
    """Basis of the right nullspace {x : a x = 0} over the rationals.

    Args:
        a: m x n matrix (m may be 0, then pass ``n_columns``).
        n_columns: number of columns when ``a`` has no rows.

    Returns:
        List of basis vectors (each a list of n ``Fraction``), one per free column of the RREF, with a 1 in that free
        column. Empty list if the nullspace is trivial.
    """
    rows = _to_fraction_matrix(a)
    n = len(rows[0]) if rows else int(n_columns or 0)
    rref, pivots = exact_rref(rows) if rows else ([], [])
    free = [j for j in range(n) if j not in pivots]
    basis = []
    for f in free:
        v = [Fraction(0)] * n
        v[f] = Fraction(1)
        for row, p in zip(rref, pivots):
            v[p] = -row[f]
        basis.append(v)
    return basis


def exact_solve_in_basis(basis: Sequence[Sequence], v: Sequence) -> list[Fraction] | None:
    """Coefficients c with sum_k c_k basis[k] == v exactly, or None if v is not in the span.

    If the basis vectors are linearly dependent, one particular solution is returned.
    """
    k = len(basis)
    if k == 0:
        return [] if all(Fraction(x) == 0 for x in v) else None
    n = len(v)
    aug = [[Fraction(basis[j][i]) for j in range(k)] + [Fraction(v[i])] for i in range(n)]
    rref, pivots = exact_rref(aug)
    if k in pivots:  # pivot in the augmented column: inconsistent
        return None
    c = [Fraction(0)] * k
    for row, p in zip(rref, pivots):
        c[p] = row[k]
    return c


def solve_small(a, b, *, tiny: float | None = None):
    """Solve one small dense system a x = b (unrolled; vmap it for batches).

    Gauss-Jordan elimination with row equilibration and partial pivoting, unrolled over the static size d with
    whole-matrix operations (meant for d <= ~8, where it is far faster than a LAPACK call per point under vmap, and
    compiles in O(d) operations). Safe: a zero pivot is replaced by 1
    (the returned ``rcond`` is then 0), so no NaN/inf is produced and gradients of valid points are unaffected.

    Args:
        a: (d, d) matrix (float32 or float64).
        b: (d,) right-hand side.
        tiny: pivots with |u_jj| <= tiny (after row equilibration) are treated as zero; default 0.

    Returns:
        ``(x, rcond)``: the solution (d,) and an estimate of the reciprocal condition number of the row-equilibrated
        matrix: for d <= 3 (closed-form adjugate) the Hadamard ratio |det| / prod_i ||row_i||; for d >= 4 the pivot
        ratio min_j |u_jj| / max_j |u_jj| (0 for singular, 1 for well conditioned). Callers compare
        it with a multiple of the dtype epsilon to set a status code.
    """
    a = jnp.asarray(a)
    b = jnp.asarray(b)
    d = a.shape[-1]
    if a.shape != (d, d) or b.shape != (d,):
        raise ValueError(f"solve_small expects a (d, d) and b (d,), got {a.shape} and {b.shape}; vmap it for batches")
    dtype = jnp.result_type(a, b)
    a = a.astype(dtype)
    b = b.astype(dtype)
    tiny = 0.0 if tiny is None else tiny
    # Row equilibration: scale every row to max-abs 1 (zero rows stay zero and give rcond 0).
    scale = jnp.max(jnp.abs(a), axis=1)
    scale_ok = scale > 0
    inv = jnp.where(scale_ok, 1.0 / jnp.where(scale_ok, scale, 1.0), 1.0)
    if d <= 3:
        return _solve_closed_form(a * inv[:, None], b * inv, scale_ok, tiny)
    if d <= 5:
        return _solve_unrolled_scalar(a * inv[:, None], b * inv, scale_ok, tiny)
    aug = jnp.concatenate([a * inv[:, None], (b * inv)[:, None]], axis=1)  # (d, d+1)
    eye = jnp.eye(d, dtype=dtype)
    rows = jnp.arange(d)
    pivots = []
    # Gauss-Jordan with partial pivoting, written with whole-matrix ops (O(d) ops to compile, not O(d^3)).
    for j in range(d):
        col = jnp.where(rows >= j, jnp.abs(aug[:, j]), -1.0)
        p = jnp.argmax(col)
        ep = (rows == p).astype(dtype)
        rp = jnp.sum(ep[:, None] * aug, axis=0)  # elementwise (fuses under vmap; tiny dots do not)
        aug = aug + (eye[j] - ep)[:, None] * (rp - aug[j])[None, :]  # swap rows j and p (no-op if p == j)
        piv = aug[j, j]
        ok = jnp.abs(piv) > tiny
        piv_safe = jnp.where(ok, piv, 1.0)
        pivots.append(jnp.where(ok, jnp.abs(piv), 0.0))
        rj = aug[j] / piv_safe
        factors = aug[:, j] * (1.0 - eye[j])
        aug = aug - factors[:, None] * rj[None, :] + eye[j][:, None] * (rj - aug[j])[None, :]
    x = aug[:, d]
    piv_arr = jnp.stack(pivots)
    pmax = jnp.max(piv_arr)
    rcond = jnp.where(pmax > 0, jnp.min(piv_arr) / jnp.where(pmax > 0, pmax, 1.0), 0.0)
    rcond = jnp.where(jnp.all(scale_ok), rcond, 0.0)
    return x, rcond


def _solve_closed_form(a, b, scale_ok, tiny):
    """d <= 3: adjugate (Cramer) formula on scalars (fuses into one loop under vmap). rcond estimate: the Hadamard
    ratio |det| / prod_i ||row_i||_2 of the row-equilibrated matrix (1 for orthogonal rows, 0 when singular)."""
    d = a.shape[0]
    e = [[a[i, j] for j in range(d)] for i in range(d)]
    if d == 1:
        det = e[0][0]
        adj = [[1.0]]
    elif d == 2:
        det = e[0][0] * e[1][1] - e[0][1] * e[1][0]
        adj = [[e[1][1], -e[0][1]], [-e[1][0], e[0][0]]]
    else:
        c00 = e[1][1] * e[2][2] - e[1][2] * e[2][1]
        c01 = e[1][2] * e[2][0] - e[1][0] * e[2][2]
        c02 = e[1][0] * e[2][1] - e[1][1] * e[2][0]
        det = e[0][0] * c00 + e[0][1] * c01 + e[0][2] * c02
        adj = [
            [c00, e[0][2] * e[2][1] - e[0][1] * e[2][2], e[0][1] * e[1][2] - e[0][2] * e[1][1]],
            [c01, e[0][0] * e[2][2] - e[0][2] * e[2][0], e[0][2] * e[1][0] - e[0][0] * e[1][2]],
            [c02, e[0][1] * e[2][0] - e[0][0] * e[2][1], e[0][0] * e[1][1] - e[0][1] * e[1][0]],
        ]
    norms = 1.0
    for i in range(d):
        norms = norms * jnp.sqrt(sum(e[i][j] * e[i][j] for j in range(d)))
    ok = jnp.abs(det) > tiny
    det_safe = jnp.where(ok, det, 1.0)
    x = jnp.stack([sum(adj[i][j] * b[j] for j in range(d)) / det_safe for i in range(d)])
    rcond = jnp.where(ok & jnp.all(scale_ok), jnp.abs(det) / jnp.where(norms > 0, norms, 1.0), 0.0)
    return x, rcond


def _solve_unrolled_scalar(a, b, scale_ok, tiny):
    """4 <= d <= 5: Gaussian elimination on scalars with compare-and-swap partial pivoting (fuses under vmap)."""
    d = a.shape[0]
    rows = [[a[i, j] for j in range(d)] + [b[i]] for i in range(d)]
    pivots = []
    for j in range(d):
        for i in range(j + 1, d):
            swap = jnp.abs(rows[i][j]) > jnp.abs(rows[j][j])
            rj, ri = rows[j], rows[i]
            rows[j] = [jnp.where(swap, y, x) for x, y in zip(rj, ri)]
            rows[i] = [jnp.where(swap, x, y) for x, y in zip(rj, ri)]
        piv = rows[j][j]
        ok = jnp.abs(piv) > tiny
        piv_safe = jnp.where(ok, piv, 1.0)
        pivots.append(jnp.where(ok, jnp.abs(piv), 0.0))
        rows[j] = [x / piv_safe for x in rows[j]]
        for i in range(j + 1, d):
            f = rows[i][j]
            rows[i] = [x - f * y for x, y in zip(rows[i], rows[j])]
    x = [None] * d
    for j in reversed(range(d)):
        acc = rows[j][d]
        for k in range(j + 1, d):
            acc = acc - rows[j][k] * x[k]
        x[j] = acc
    pmax = pivots[0]
    pmin = pivots[0]
    for p in pivots[1:]:
        pmax = jnp.maximum(pmax, p)
        pmin = jnp.minimum(pmin, p)
    rcond = jnp.where((pmax > 0) & jnp.all(scale_ok), pmin / jnp.where(pmax > 0, pmax, 1.0), 0.0)
    return jnp.stack(x), rcond


def reduced_solve(nullspace_basis, constraints, weights, values, *, tiny: float | None = None):
    """Solve R mu = 0 and C diag(w) mu = values through the nullspace of R.

    Args:
        nullspace_basis: N, (n, d): columns span null(R) (precompute it once, e.g. with ``exact_nullspace``).
        constraints: C, (d, n).
        weights: w, (n,).
        values: (d,).

    Returns:
        ``(mu, rcond)``: mu = N xi with (C diag(w) N) xi = values, and the rcond estimate of the d x d system.
    """
    n_mat = jnp.asarray(nullspace_basis)
    m = jnp.asarray(constraints) @ (jnp.asarray(weights)[:, None] * n_mat)
    xi, rcond = solve_small(m, values, tiny=tiny)
    return n_mat @ xi, rcond
