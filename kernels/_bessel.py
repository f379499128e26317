r"""Modified Bessel functions of the second kind K0, K1, K2 and their exponentially scaled forms.

Public functions (real argument, dtype follows the input: float64 or float32; jit, vmap, grad and higher derivatives):

========  ===========================  ==========================================
function  value                        derivative used by the custom JVP
========  ===========================  ==========================================
``k0``    K0(x)                        K0' = -K1
``k1``    K1(x)                        K1' = -K0 - K1/x
``k2``    K2(x) = K0 + 2 K1/x          K2' = -K1 - 2 K2/x
``k0e``   e^x K0(x)                    (e^x K0)' = e^x K0 - e^x K1
``k1e``   e^x K1(x)                    (e^x K1)' = e^x K1 - e^x K0 - e^x K1/x
``k2e``   e^x K2(x)                    (e^x K2)' = e^x K2 - e^x K1 - 2 e^x K2/x
========  ===========================  ==========================================

The recurrences are DLMF 10.29.1 (K_{n-1} - K_{n+1} = -(2n/x) K_n, which gives K2 = K0 + 2K1/x) and DLMF 10.29.2
(K_n' = -K_{n-1} - (n/x) K_n, with K0' = -K1).

Method (two pieces, split at x = 2 in float64 and x = 1.5 in float32)
--------------------------------------------------------------------
* ``0 < x <= split``: the convergent power series (DLMF 10.31.1 / Abramowitz-Stegun 9.6.13 and 9.6.11), written as
  polynomials in t = x^2/4 with exact rational coefficients (computed at import from ``fractions.Fraction``; Euler's
  gamma to 40 digits)::

      K0(x) = P0(t) - ln(x/2) S0(t),           S0 = sum t^k/(k!)^2                (= I0(x))
                                              P0 = sum (H_k - gamma) t^k/(k!)^2
      x K1(x) = 1 + t [2 ln(x/2) S1(t) - Q1(t)], S1 = sum t^k/(k!(k+1)!)          (= 2 I1(x)/x)
                                              Q1 = sum (H_k + H_{k+1} - 2 gamma) t^k/(k!(k+1)!)

  with H_k the harmonic numbers (psi(k+1) = H_k - gamma). float64 keeps 15 terms (omitted tail < 1e-22 at t = 1),
  float32 keeps 9 (tail < 1e-10 at t = 0.5625). The worst cancellation (P0 against ln(x/2) S0 near the split point)
  costs a factor ~10 at x = 2 and ~5 at x = 1.5; that is why float32, where 10 ulp would use most of the 1e-6 budget,
  splits at 1.5.
* ``x > split``: Chebyshev expansions of g_n(u) = sqrt(x) e^x K_n(x) in u = 2 split/x - 1 in (-1, 1) (26 terms in
  float64, tail < 2e-18; 12 terms in float32, tail < 2e-10), evaluated with Clenshaw's recurrence. The coefficients
  were derived for this module with mpmath (40 digits, 64 Chebyshev-Gauss nodes) by
  :func:`_derive_chebyshev_coefficients`; the test suite re-derives them and checks the stored values. Then
  K_n = e^{-x} g_n(u)/sqrt(x) and e^x K_n = g_n(u)/sqrt(x).
* K2 from the upward recurrence K2 = K0 + 2 K1/x: both terms are positive, so there is no cancellation and the
  relative error of K2 is at most that of K0 and K1. It is formed before the factor e^{-x} is applied, so that no
  intermediate is subnormal where K2 is normal (XLA on CPU flushes subnormals to zero).

Measured accuracy (tests/kernels/test_bessel.py, 20001 log-spaced points in [1e-8, 700]): max relative error vs
scipy.special 1.3e-15 in float64 (bar: 1e-13; vs mpmath at 30 digits <= 1.1e-15) and 4.5e-7 in float32 (bar: 1e-6)
wherever the float32 result is a normal number.

Reference discrepancy (not a paper formula): scipy.special.kn(2, x) and kv(2, x) (AMOS) are inaccurate just above
their underflow guard, relative error up to ~6e-14 for x in ~[665, 690] against mpmath, and return 0 for x > ~690
although K2(700) = 4.68e-306 is a normal double. This module follows mpmath there (tested).

Branch evaluation (design choice, measured in experiments/benchmarks/bench_bessel.py)
-------------------------------------------------------------------------------------
The library is batched first: under ``jax.vmap`` (and for any array input) a ``lax.cond`` becomes a select that
evaluates *both* branches anyway, and on GPU a data-dependent ``cond`` on a scalar costs a device->host sync. So each
branch is evaluated on an input clamped into its own domain (``min(x, split)`` for the series, ``max(x, split)`` for
the Chebyshev part) and the results are selected with ``jnp.where``. The clamping ("double where") guarantees that
the discarded branch never sees an input where it overflows or produces NaN. The cost is the sum of the two
polynomial pieces (measured 1.6-2.1x the larger piece alone on 1e6 points, CPU) instead of the larger one. For
scalar calls inside a compiled loop (e.g. an ODE right-hand side) ``lax.cond`` evaluates one piece only, but measured
on CPU it is not faster: 75-195 ns (select) vs 90-115 ns (cond) per call across runs on a shared 2-core machine, i.e.
equal within the noise. So the select is used everywhere (one code path, no host sync on GPU). Throughput
(CPU, float64): ~1e7-3.5e7 evaluations/s, 2.5-2.8x the scipy.special.k1 ufunc; float32 ~25x.

Derivatives never differentiate through either branch: they come from the custom JVP above, so they cannot pick up
NaN from the unused branch and are as accurate as the function values. A gradient costs ~1-1.3x the forward pass.

Behaviour outside [1e-8, 700]
-----------------------------
* ``x == 0``: +inf for all six functions (the limit); their derivatives at 0 are -inf.
* ``0 < x < 1e-8``: still accurate down to the smallest normal number; K1 ~ 1/x and K2 ~ 2/x^2 become +inf only when
  they exceed the dtype's largest number (K2 for x < ~1e-154 in float64, x < ~1e-19 in float32). Subnormal x are
  flushed to 0 by XLA on CPU (result +inf).
* ``x > 700``: the scaled forms stay accurate to any x (-> 0 as sqrt(pi/2x)); the unscaled forms underflow: they
  become subnormal (reduced precision) for x > ~705 and 0 for x > ~745 in float64; in float32 they are normal only
  for x < ~85 and 0 for x > ~100. Use the scaled forms when x can be large.
* ``x = +inf``: 0. ``x < 0`` or NaN: NaN (K_n is complex for negative real x; there is no real continuation).

Precision note on derivatives at large x: (e^x K0)' = e^x K0 - e^x K1 ~ -e^x K0/(2x) is a difference of two nearly
equal numbers, so its relative error grows like x * eps (~1e-13 at x = 700 in float64, ~1e-4 in float32).
"""

from __future__ import annotations

import fractions
import math

import jax
import jax.numpy as jnp

__all__ = ["k0", "k1", "k2", "k0e", "k1e", "k2e", "k012e"]

# ----------------------------------------------------------------------------------------------------------------------
# Coefficients
# ----------------------------------------------------------------------------------------------------------------------

#: Split point between the power series and the Chebyshev expansion.
_X_SPLIT = 2.0
#: Number of power-series terms (t = x^2/4 <= 1; the first omitted term of S0 is 1/(15!)^2 ~ 6e-25).
_N_SERIES = 15
_LN2 = math.log(2.0)
# Euler-Mascheroni constant to 40 significant digits (DLMF 5.2.3; OEIS A001620).
_EULER_GAMMA = fractions.Fraction("0.5772156649015328606065120900824024310422")


def _series_coefficients(n_terms: int = _N_SERIES) -> dict[str, tuple[float, ...]]:
    """Exact-rational coefficients of S0, P0, S1, Q1 (ascending powers of t = x^2/4), rounded once to float."""
    s0, p0, s1, q1 = [], [], [], []
    harmonic = fractions.Fraction(0)  # H_k
    for k in range(n_terms):
        if k > 0:
            harmonic += fractions.Fraction(1, k)
        fk = math.factorial(k)
        fk1 = math.factorial(k + 1)
        h_next = harmonic + fractions.Fraction(1, k + 1)  # H_{k+1}
        s0.append(fractions.Fraction(1, fk * fk))
        p0.append((harmonic - _EULER_GAMMA) / (fk * fk))
        s1.append(fractions.Fraction(1, fk * fk1))
        q1.append((harmonic + h_next - 2 * _EULER_GAMMA) / (fk * fk1))
    return {name: tuple(float(c) for c in coeffs) for name, coeffs in (("S0", s0), ("P0", p0), ("S1", s1), ("Q1", q1))}


_SERIES = _series_coefficients()
#: float32 pieces: split at x = 1.5 and 9 series terms (first omitted term of S0 at t = 0.5625: 6e-12).
_X_SPLIT_32 = 1.5
_N_SERIES_32 = 9
_SERIES_32 = _series_coefficients(_N_SERIES_32)

# Chebyshev coefficients c_k of g_n(u) = sqrt(x) exp(x) K_n(x), u = 4/x - 1, x in [2, inf):
#     g_n(u) = sum_{k=0}^{25} c_k T_k(u).
# Provenance: _derive_chebyshev_coefficients() below (mpmath 1.3.0, mp.dps = 40, 64 Chebyshev-Gauss nodes), printed
# with repr(float(c)); tail |c_k| < 2e-18 for k >= 26. Re-derived and compared in tests/kernels/test_bessel.py.
_CHEB_K0 = (
    1.2201515410329777,
    -0.0314481013119645,
    0.0015698838857300533,
    -0.00012849549581627802,
    1.39498137188765e-05,
    -1.8317555227191195e-06,
    2.766813639445015e-07,
    -4.660489897687948e-08,
    8.574034017414225e-09,
    -1.6975345093890614e-09,
    3.5773972814003283e-10,
    -7.957489244477396e-11,
    1.8559491149549264e-11,
    -4.514597883374519e-12,
    1.1403405882073441e-12,
    -2.9800969231481784e-13,
    8.032890775068375e-14,
    -2.2275133267462965e-14,
    6.340076476276646e-15,
    -1.848593377920907e-15,
    5.5120559994043335e-16,
    -1.6782311257549006e-16,
    5.2103917776435543e-17,
    -1.6475805939842632e-17,
    5.3004337711773354e-18,
    -1.7331712005821001e-18,
)
_CHEB_K1 = (
    1.3603130952422213,
    0.10392373657681724,
    -0.002857816859622779,
    0.00019521551847135162,
    -1.936197974166083e-05,
    2.406484947837217e-06,
    -3.5019606030878126e-07,
    5.7410841254500495e-08,
    -1.0345762465678097e-08,
    2.0150497551970347e-09,
    -4.1903547593419254e-10,
    9.218315187605315e-11,
    -2.129967838427791e-11,
    5.139639673482343e-12,
    -1.2891739609498229e-12,
    3.348419666052243e-13,
    -8.976705182010146e-14,
    2.4771544242195988e-14,
    -7.0198370892147685e-15,
    2.038703166239861e-15,
    -6.057047270643018e-16,
    1.8380935752430455e-16,
    -5.689462849193648e-17,
    1.7940510478863572e-17,
    -5.7567444820733025e-18,
    1.8778651901623268e-18,
)

# float32 set: g_n(u), u = 3/x - 1, x in [1.5, inf), 12 terms (tail sum < 2e-10);
# same derivation: _derive_chebyshev_coefficients(n, split=1.5, n_keep=12).
_CHEB32_K0 = (
    1.2109672344196714,
    -0.03962922544633739,
    0.002439120141915826,
    -0.00024140409874978767,
    3.1246108378268916e-05,
    -4.839137919888442e-06,
    8.546651903068591e-07,
    -1.6713425666116112e-07,
    3.54831899376514e-08,
    -8.065151203709493e-09,
    1.9424822797695176e-09,
    -4.918475007995527e-10,
)
_CHEB32_K1 = (
    1.3925173928334924,
    0.13424318075799324,
    -0.004534572968945711,
    0.00037359124157242043,
    -4.409447502905232e-05,
    6.454417370721999e-06,
    -1.09696587008466e-06,
    2.085814955691458e-07,
    -4.3340790679191155e-08,
    9.684484300571312e-09,
    -2.3002630264215606e-09,
    5.757246584191471e-10,
)


def _derive_chebyshev_coefficients(
    n: int, split: float = 2.0, n_keep: int = 26, n_nodes: int = 64, dps: int = 40
) -> list[float]:
    """Re-derive the Chebyshev coefficients of g_n(u) = sqrt(x) e^x K_n(x), u = 2 split/x - 1, with mpmath.

    Build-time / test-time only: ``_CHEB_K0``/``_CHEB_K1`` are ``(n, split=2.0, n_keep=26)`` and
    ``_CHEB32_K0``/``_CHEB32_K1`` are ``(n, split=1.5, n_keep=12)``.
    c_k = (2 - delta_k0)/N sum_j g(u_j) cos(k (j + 1/2) pi/N), u_j = cos((j + 1/2) pi/N), the discrete Chebyshev
    transform on Chebyshev-Gauss nodes (exact for polynomials of degree < N; aliasing error ~ |c_N| < 1e-28 here).
    """
    import mpmath as mp

    with mp.workdps(dps):
        nodes = [mp.cos(mp.pi * (j + mp.mpf(1) / 2) / n_nodes) for j in range(n_nodes)]
        vals = []
        for u in nodes:
            x = 2 * mp.mpf(split) / (u + 1)
            vals.append(mp.sqrt(x) * mp.exp(x) * mp.besselk(n, x))
        coeffs = []
        for k in range(n_keep):
            s = mp.fsum(vals[j] * mp.cos(mp.pi * k * (j + mp.mpf(1) / 2) / n_nodes) for j in range(n_nodes))
            coeffs.append(float((1 if k == 0 else 2) * s / n_nodes))
    return coeffs


# ----------------------------------------------------------------------------------------------------------------------
# Polynomial evaluation (Python-unrolled: static coefficients, fused by XLA into one elementwise kernel)
# ----------------------------------------------------------------------------------------------------------------------


def _horner(t, coeffs):
    """sum_k coeffs[k] t^k (ascending coefficients)."""
    acc = jnp.full_like(t, coeffs[-1])
    for c in coeffs[-2::-1]:
        acc = acc * t + c
    return acc


def _clenshaw(u, coeffs):
    """sum_k coeffs[k] T_k(u) for u in [-1, 1] (Clenshaw's recurrence)."""
    two_u = 2 * u
    b1 = jnp.zeros_like(u)
    b2 = jnp.zeros_like(u)
    for c in coeffs[:0:-1]:
        b1, b2 = two_u * b1 - b2 + c, b1
    return u * b1 - b2 + coeffs[0]


# ----------------------------------------------------------------------------------------------------------------------
# Primal evaluation of (K0, K1, K2) -- both branches on clamped inputs, then one select
# ----------------------------------------------------------------------------------------------------------------------


def _k012_values(x, scaled: bool):
    """(K0, K1, K2) or their scaled forms for a float array x, with the special values at x <= 0 and NaN.

    K2 = K0 + 2 K1/x is formed *before* the exponential factor is applied, so that no intermediate is subnormal
    where the result is normal (XLA on CPU flushes subnormals to zero).
    """
    dtype = x.dtype
    if jnp.finfo(dtype).bits >= 64:
        split, series, cheb0, cheb1 = _X_SPLIT, _SERIES, _CHEB_K0, _CHEB_K1
    else:  # float32 (and narrower): shorter expansions, split at 1.5 (less cancellation in the series near 2)
        split, series, cheb0, cheb1 = _X_SPLIT_32, _SERIES_32, _CHEB32_K0, _CHEB32_K1
    # Series branch, valid for 0 < x <= split (clamped so that the unused lanes see a harmless input).
    xs = jnp.minimum(x, split)
    t = 0.25 * xs * xs
    # ln(x/2) with one log: ln(0.5 x) for x >= 1 (exact scaling; ln(x) - ln 2 would cancel near x = 2), and
    # ln(x) - ln 2 for x < 1 (no cancellation there; 0.5 x would be flushed to 0 for x < 2 tiny on XLA CPU).
    below_one = xs < 1
    log_half_x = jnp.log(jnp.where(below_one, xs, 0.5 * xs)) - jnp.where(below_one, _LN2, 0.0)
    k0_small = _horner(t, series["P0"]) - log_half_x * _horner(t, series["S0"])
    k1_small = (1 + t * (2 * log_half_x * _horner(t, series["S1"]) - _horner(t, series["Q1"]))) / xs
    k2_small = k0_small + (2 / xs) * k1_small
    # Chebyshev branch, valid for x >= split (clamped likewise; x = inf gives u = -1, fine). Scaled values e^x K_n.
    xl = jnp.maximum(x, split)
    u = (2 * split) / xl - 1
    inv_sqrt_x = jax.lax.rsqrt(xl)
    k0_large = _clenshaw(u, cheb0) * inv_sqrt_x
    k1_large = _clenshaw(u, cheb1) * inv_sqrt_x
    k2_large = k0_large + (2 / xl) * k1_large
    small_vals = (k0_small, k1_small, k2_small)
    large_vals = (k0_large, k1_large, k2_large)
    if scaled:
        e_small = jnp.exp(xs)
        small_vals = tuple(v * e_small for v in small_vals)
    else:
        e_large = jnp.exp(-xl)
        large_vals = tuple(v * e_large for v in large_vals)
    large = x > split
    # Special values: the limit +inf at 0 (also covers 0 * log 0 in the series), NaN for x < 0 (NaN propagates).
    inf = jnp.asarray(jnp.inf, dtype)
    nan = jnp.asarray(jnp.nan, dtype)
    return tuple(
        jnp.where(large, vl, jnp.where(x == 0, inf, jnp.where(x < 0, nan, vs)))
        for vs, vl in zip(small_vals, large_vals)
    )


@jax.custom_jvp
def _k012(x):
    """(K0, K1, K2)(x), unscaled. Unused outputs are removed by XLA's dead-code elimination."""
    return _k012_values(x, scaled=False)


@_k012.defjvp
def _k012_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    k0v, k1v, k2v = _k012(x)  # through the custom JVP again, so higher derivatives also use the recurrences
    # -(x K0 + K1)/x rather than -K0 - K1/x: near x = 700 K1/x is subnormal and would be flushed to 0 on XLA CPU.
    at_zero = x == 0  # 0 * inf would give NaN; the limit of the derivative is -inf
    minus_inf = jnp.asarray(-jnp.inf, x.dtype)
    d0 = -k1v
    at_inf = x == jnp.inf  # inf * 0 would give NaN; the limit is 0
    d1 = jnp.where(at_zero, minus_inf, jnp.where(at_inf, 0.0, -(x * k0v + k1v) / x))
    d2 = jnp.where(at_zero, minus_inf, jnp.where(at_inf, 0.0, -(x * k1v + 2 * k2v) / x))
    return (k0v, k1v, k2v), (d0 * dx, d1 * dx, d2 * dx)


@jax.custom_jvp
def _k012e(x):
    """(e^x K0, e^x K1, e^x K2)(x)."""
    return _k012_values(x, scaled=True)


@_k012e.defjvp
def _k012e_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    k0v, k1v, k2v = _k012e(x)
    at_zero = x == 0  # inf - inf would give NaN; the limit of the derivative is -inf
    minus_inf = jnp.asarray(-jnp.inf, x.dtype)
    d0 = jnp.where(at_zero, minus_inf, k0v - k1v)
    d1 = jnp.where(at_zero, minus_inf, k1v - k0v - k1v / x)
    d2 = jnp.where(at_zero, minus_inf, k2v - k1v - 2 * k2v / x)
    return (k0v, k1v, k2v), (d0 * dx, d1 * dx, d2 * dx)


def _as_real_float(x):
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise TypeError(
            f"kernels Bessel K functions take real x only, got dtype {x.dtype}; "
            "pass x.real or use scipy.special.kv for complex arguments."
        )
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))  # int/bool -> default float (float64 under x64, else float32)
    return x


# ----------------------------------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------------------------------


def k0(x):
    """Modified Bessel function of the second kind of order 0, K0(x) (DLMF 10.25).

    Args:
        x: real array (dimensionless, e.g. x = m/T), dtype float64 or float32 (the output has the same dtype;
            integers are promoted to the default float).
    Returns:
        K0(x). Accuracy ~1e-15 relative (float64) for x in [1e-8, 700]; see the module docstring for the method,
        the float32 range and the values outside [1e-8, 700] (+inf at 0, NaN for x < 0, 0 for x = inf).
    Derivative: exact, d/dx K0 = -K1 (DLMF 10.29.2) via a custom JVP.
    """
    return _k012(_as_real_float(x))[0]


def k1(x):
    """Modified Bessel function of the second kind of order 1, K1(x) (DLMF 10.25).

    Same conventions as :func:`k0`. Derivative: d/dx K1 = -K0 - K1/x (DLMF 10.29.2) via a custom JVP.
    """
    return _k012(_as_real_float(x))[1]


def k2(x):
    """Modified Bessel function of the second kind of order 2, K2(x) = K0(x) + 2 K1(x)/x (DLMF 10.29.1).

    Same conventions as :func:`k0`. Derivative: d/dx K2 = -K1 - 2 K2/x (DLMF 10.29.2) via a custom JVP.
    """
    return _k012(_as_real_float(x))[2]


def k0e(x):
    """Exponentially scaled K0: e^x K0(x) (-> sqrt(pi/(2x)) for large x). Accurate for all x > 0.

    Same conventions as :func:`k0`. Derivative: e^x K0 - e^x K1 via a custom JVP.
    """
    return _k012e(_as_real_float(x))[0]


def k1e(x):
    """Exponentially scaled K1: e^x K1(x). Accurate for all x > 0.

    Same conventions as :func:`k0`. Derivative: e^x K1 - e^x K0 - e^x K1/x via a custom JVP.
    """
    return _k012e(_as_real_float(x))[1]


def k2e(x):
    """Exponentially scaled K2: e^x K2(x) = e^x K0 + 2 e^x K1/x. Accurate for all x > 0.

    Same conventions as :func:`k0`. Derivative: e^x K2 - e^x K1 - 2 e^x K2/x via a custom JVP.
    """
    return _k012e(_as_real_float(x))[2]


def k012e(x):
    """(e^x K0(x), e^x K1(x), e^x K2(x)) from ONE evaluation of the shared kernel (what :func:`k0e`, :func:`k1e`
    and :func:`k2e` each take one element of). Use it when several orders are needed, or one order at several
    arguments stacked into one array: one copy of the kernel in the traced program instead of one per call.

    Same conventions and derivatives as :func:`k0e`, :func:`k1e`, :func:`k2e`.
    """
    return _k012e(_as_real_float(x))
