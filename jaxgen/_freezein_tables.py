r"""Freeze-in integrals over the thermal history as precomputed convolutions in ln m (one spline lookup per point).

Units: GeV for masses and temperatures; the integrals are dimensionless.

Why a convolution
=================
Without inverse decays the freeze-in yield of a species A of mass m (``jaxgen._freezein``, Hall et al. 2010
eqs. (1.1), (4.1)) is

    Y_A = (45 g_A Gamma_A M_Pl / (4 pi^4 m^2)) * I_Y(m),
    I_Y(m) = \int_{t_min}^{t_max} dt  k_Y(t) G_Y(m e^{-t}),      t = ln x = ln(m/T),

with the kernel k_Y(t) = x^4 sum_k (-+1)^{k+1} K1(k x)/k (MB: x^4 K1(x)) that depends on x only, and the thermal
factor G_Y(T) = (1 + (1/3) d ln g_*s/d ln T) / (g_*s sqrt(4 pi^3 g_*rho/45)) that depends on T only. With u = ln m and
s = ln T = u - t this is a convolution in the logarithm of the mass,

    I_Y(u) = \int ds k_Y(u - s) G_Y(e^s)      over s in [u - t_max, u - t_min],

so I_Y depends on the mass alone (for a given g_* table, statistics and window [t_min, t_max]). The energy that
the same decays inject into a hidden sector (rho_X/s^{4/3}, the heating integral of the Hall chain) has the same
structure with the kernel k_E(t) = x^5 S_2(x), S_2 = sum_k (-+1)^{k+1} K2(k x)/k (MB: K2(x)), and the factor
G_E(T) = (1 + (1/3) d ln g_*s/d ln T) / (sqrt(g_*rho) g_*s^{4/3}) (:func:`hidden_energy_integral`).

Precomputation (NumPy, float64, once per (table, kind, statistics, window), cached)
---------------------------------------------------------------------------------
The mass grid u_j = U_0 + j delta is uniform with delta = (t_max - t_min)/n_win, n_win = ceil((t_max - t_min)/0.01)
(delta = 0.01 for the default window [-8, 4.2]). Then the window [u_j - t_max, u_j - t_min] is exactly n_win panels
[s_k, s_k + delta] of one fixed panel grid s_k = U_0 - t_max + k delta, for every j. Each panel gets a 4-node
Gauss-Legendre rule (nodes s_k + delta (1 + xi_q)/2), and since t = u_j - s depends only on k - j at a given node
q, the quadrature of every grid mass is one discrete correlation per node q:

    I_j = sum_q sum_{n=0}^{n_win-1} K_q[n] G_q[j + n],
    K_q[n] = (delta/2) w_q k(t_max - n delta - delta (1 + xi_q)/2),    G_q[k] = G(exp(s_k + delta (1 + xi_q)/2)).

4880 nodes per mass for the default window; the g_* spline is C2 with knots spaced >= 0.049 in ln T, so a panel
of width 0.01 holds at most one knot and its 4-point rule errs by O(delta^4 |jump of G'''|) there: the tabulated
integral is exact to ~1e-12 relative per panel; against an 8192-node Gauss-Legendre rule over the whole window
(which itself converges only algebraically across the knots) the table agrees to 5e-8 where the window crosses the
QCD and electroweak features and to 1e-12 elsewhere (tests/jaxgen/test_fast_solvers.py checks 1e-7).

The grid spans u = ln m from ln T_lo + t_min - 0.5 to ln T_hi + t_max + 0.5, with [T_lo, T_hi] the tabulated
temperature range. Outside the table g_* is continued
as a constant with zero slope (``jaxgen._cosmology``), so once the whole window [m e^{-t_max}, m e^{-t_min}] lies
outside the table, I(u) is exactly constant. Hence:

* the clamped cubic spline through the I_j (zero end slopes, exact at both ends) interpolates I(u) in between; I is
  a convolution of the tabulated G with the analytic kernel, smooth on the scale O(1) in u, and the cubic spline
  error at delta = 0.01 is O(delta^4) (checked at the mid-points of the grid to 1e-7 against the 8192-node rule);
* outside the grid the lookup clamps u to the grid: that is the exact value (constant continuation), not an
  extrapolation. There is no out-of-range status: every m > 0 gets the exact table value.

Per point the cost is one O(1) index computation and a cubic polynomial per species (instead of 3 g_* spline
evaluations at each of 384 nodes). Derivatives (jax.grad/jvp in the mass) come from the spline polynomial itself:
d I/d ln m is the spline's slope, continuous (C2 spline).

Cosmologies that cannot be tabulated
------------------------------------
``table="constant"``: G is a constant, I = G * \int k dt exactly (the kernel integral from the same panel rule;
G evaluated with the cosmology, so a traced ``g_constant`` is differentiated). Extra equilibrium species
(``Cosmology.extra``) or an object that is not a :class:`jaxgen.cosmology.Cosmology`: the mass dependence is not a
fixed function, so the integral falls back to the Gauss-Legendre node quadrature of ``jaxgen._freezein``
(``n_nodes``, default 384), evaluated with the cosmology's own g_*(T): the same numbers as before, at the old cost.
:func:`is_tabulated` tells which path a cosmology takes.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._cosmology import Cosmology, _load_table, _spline

__all__ = [
    "KINDS",
    "is_tabulated",
    "freezein_integral",
    "hidden_energy_integral",
    "node_hidden_energy_integral",
    "convolution_table",
]

#: The tabulated integrals: "yield" (freeze-in yield, kernel x^4 S_1) and "energy" (hidden-sector heating, x^5 S_2).
KINDS = ("yield", "energy")
_STATISTICS = ("mb", "fermion", "boson")
_SQRT_4PI3_45 = math.sqrt(4.0 * math.pi**3 / 45.0)
_N_TERMS = 64  # terms of the quantum-statistics series (as jaxgen._freezein.N_QUANTUM_TERMS)
_TARGET_STEP = 0.01  # ln m grid step (panel width of the precomputation)
_PANEL_NODES = 4
_PAD = 0.5  # grid margin beyond the flat region, in ln m


def _series_weights(statistics: str) -> np.ndarray:
    k = np.arange(1, _N_TERMS + 1, dtype=float)
    sign = 1.0 if statistics == "boson" else -1.0
    w = sign ** (k + 1) / k
    if statistics == "fermion":
        w[-1] *= 0.5  # Euler averaging of the alternating series (as jaxgen._freezein)
    return w


def _kernel_np(kind: str, statistics: str, t: np.ndarray) -> np.ndarray:
    """k_Y(t) = x^4 S_1(x) or k_E(t) = x^5 S_2(x) at x = e^t (float64)."""
    import scipy.special as sp

    x = np.exp(t)
    if kind == "yield":
        from ._freezein import _shape_scaled_np

        return _shape_scaled_np(x, statistics) * np.exp(-x)
    if statistics == "mb":
        s2 = sp.kv(2, x)
    else:
        k = np.arange(1, _N_TERMS + 1, dtype=float)
        s2 = np.sum(_series_weights(statistics) * sp.kv(2, x[..., None] * k), axis=-1)
    return x**5 * s2


def _gstar_np(table: str, s: np.ndarray):
    """(g_*s, g_*rho, d ln g_*s/d ln T) at ln T = s, NumPy twin of Cosmology (same spline, same continuation)."""
    knots, cs, cr = _spline(table)
    sc = np.clip(s, knots[0], knots[-1])
    idx = np.clip(np.searchsorted(knots, sc, side="right") - 1, 0, knots.size - 2)
    d = sc - knots[idx]

    def ev(coef):
        a, b, c2, c3 = (coef[idx, i] for i in range(4))
        return a + d * (b + d * (c2 + d * c3)), b + d * (2.0 * c2 + 3.0 * d * c3)

    gs, dgs = ev(cs)
    gr, _ = ev(cr)
    inside = (s > knots[0]) & (s < knots[-1])
    return gs, gr, np.where(inside, dgs, 0.0) / gs


def _factor_np(kind: str, gs, gr, dlngs):
    f = 1.0 + dlngs / 3.0
    if kind == "yield":
        return f / (gs * _SQRT_4PI3_45 * np.sqrt(gr))
    return f / (np.sqrt(gr) * gs ** (4.0 / 3.0))


def _factor_jax(kind: str, cosmo, temps):
    f = 1.0 + cosmo.dlng_s_dlnT(temps) / 3.0
    gs, gr = cosmo.g_s(temps), cosmo.g_rho(temps)
    if kind == "yield":
        return f / (gs * _SQRT_4PI3_45 * jnp.sqrt(gr))
    return f / (jnp.sqrt(gr) * gs ** (4.0 / 3.0))


def _panel_rule(t_min: float, t_max: float):
    n_win = int(math.ceil((t_max - t_min) / _TARGET_STEP - 1e-9))
    delta = (t_max - t_min) / n_win
    xi, wq = np.polynomial.legendre.leggauss(_PANEL_NODES)
    return n_win, delta, xi, wq


@functools.cache
def _kernel_weights(kind: str, statistics: str, t_min: float, t_max: float) -> np.ndarray:
    """K_q[n] of the module doc, shape (PANEL_NODES, n_win)."""
    n_win, delta, xi, wq = _panel_rule(t_min, t_max)
    n = np.arange(n_win)
    t = t_max - n[None, :] * delta - 0.5 * delta * (1.0 + xi[:, None])
    return 0.5 * delta * wq[:, None] * _kernel_np(kind, statistics, t)


@functools.cache
def convolution_table(table: str, kind: str, statistics: str, t_min: float = -8.0, t_max: float = 4.2):
    """(u_0, delta, u grid, I at the grid, cubic coefficients (n-1, 4)) of the integral ``kind`` (float64 NumPy).

    See the module doc; built at first use (~0.1 s) and cached per (table, kind, statistics, window).
    """
    from scipy.interpolate import CubicSpline

    _check(kind, statistics)
    n_win, delta, xi, _ = _panel_rule(t_min, t_max)
    temp = _load_table(table)[0]
    lo, hi = math.log(temp[0]), math.log(temp[-1])
    u0 = lo + t_min - _PAD  # whole window below the table
    n_grid = int(math.ceil((hi + t_max + _PAD - u0) / delta)) + 1
    u = u0 + delta * np.arange(n_grid)
    n_panel = n_grid + n_win - 1
    s_k = u0 - t_max + delta * np.arange(n_panel)
    kern = _kernel_weights(kind, statistics, t_min, t_max)
    vals = np.zeros(n_grid)
    for q in range(_PANEL_NODES):
        s = s_k + 0.5 * delta * (1.0 + xi[q])
        g = _factor_np(kind, *_gstar_np(table, s))
        vals += np.correlate(g, kern[q], mode="valid")
    spl = CubicSpline(u, vals, bc_type="clamped")
    coef = np.ascontiguousarray(spl.c[::-1].T)  # (n-1, 4): a + b d + c d^2 + e d^3
    for a in (u, vals, coef):
        a.setflags(write=False)
    return u0, delta, u, vals, coef


def _check(kind: str, statistics: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if statistics not in _STATISTICS:
        raise ValueError(f"statistics must be one of {_STATISTICS}, got {statistics!r}")


def is_tabulated(cosmology: Any) -> bool:
    """True if :func:`freezein_integral` / :func:`hidden_energy_integral` use the precomputed table (or the exact
    constant-g_* form) for ``cosmology``; False: the Gauss-Legendre node fallback (extra species, other objects)."""
    return isinstance(cosmology, Cosmology) and not cosmology.extra


def _lookup(table: str, kind: str, statistics: str, t_min: float, t_max: float, lnm: jax.Array) -> jax.Array:
    u0, delta, u, _, coef = convolution_table(table, kind, statistics, float(t_min), float(t_max))
    dtype = lnm.dtype
    n = coef.shape[0]
    uc = jnp.clip(lnm, u[0], u[-1])
    j = jnp.clip(jnp.floor((uc - u0) / delta).astype(jnp.int32), 0, n - 1)
    d = uc - (u0 + delta * j.astype(dtype))
    cf = jnp.asarray(coef, dtype)[j]  # (..., 4)
    return cf[..., 0] + d * (cf[..., 1] + d * (cf[..., 2] + d * cf[..., 3]))


@functools.cache
def _node_rule(kind: str, statistics: str, n: int, t_min: float, t_max: float):
    if n <= 1024:
        xg, wg = np.polynomial.legendre.leggauss(n)
    else:  # numpy's companion-matrix rule is O(n^3) (29 s at n = 8192); scipy's agrees to ~1e-9 in the weights
        import scipy.special as sp

        xg, wg = sp.roots_legendre(n)
    h = 0.5 * (t_max - t_min)
    t = h * xg + 0.5 * (t_max + t_min)
    return t, h * wg, _kernel_np(kind, statistics, t)


def _integral(kind: str, mass, cosmology, statistics: str, t_min: float, t_max: float, n_nodes: int | None):
    _check(kind, statistics)
    if cosmology is None:
        cosmology = Cosmology()
    m = jnp.asarray(mass)
    if not jnp.issubdtype(m.dtype, jnp.floating):
        m = m.astype(float)
    if is_tabulated(cosmology) and cosmology.table == "constant":
        kern = _kernel_weights(kind, statistics, float(t_min), float(t_max))
        return jnp.asarray(float(np.sum(kern)), m.dtype) * _factor_jax(kind, cosmology, m)
    if is_tabulated(cosmology):
        return _lookup(cosmology.table, kind, statistics, t_min, t_max, jnp.log(m))
    t, w, k = (
        jnp.asarray(a, m.dtype) for a in _node_rule(kind, statistics, int(n_nodes or 384), float(t_min), float(t_max))
    )
    temps = m[..., None] * jnp.exp(-t)
    return (k * _factor_jax(kind, cosmology, temps)) @ w


def freezein_integral(
    mass, cosmology=None, statistics: str = "mb", t_min: float = -8.0, t_max: float = 4.2, n_nodes: int | None = None
) -> jax.Array:
    r"""I_Y(m) = \int_{t_min}^{t_max} dt x^4 S_1(x) G_Y(m e^{-t}) (module doc), elementwise in ``mass`` [GeV].

    The freeze-in yield of species A is Y_A = 45 g_A Gamma_A M_Pl/(4 pi^4 m_A^2) I_Y(m_A) (``jaxgen._freezein``).
    Tabulated cosmologies: one spline lookup (exact constant continuation outside the grid); ``n_nodes`` only
    matters for the fallback (:func:`is_tabulated`). jit/vmap/grad-able in ``mass``; ``mass`` must be > 0 (ln m).
    """
    return _integral("yield", mass, cosmology, statistics, t_min, t_max, n_nodes)


def hidden_energy_integral(
    mass, cosmology=None, statistics: str = "mb", t_min: float = -8.0, t_max: float = 4.2, n_nodes: int | None = None
) -> jax.Array:
    r"""I_E(m) = \int_{t_min}^{t_max} dt x^5 S_2(x) (1 + dln g_*s/(3 dln T)) / (sqrt(g_*rho) g_*s^{4/3}) at
    T = m e^{-t} (module doc), elementwise in ``mass`` [GeV].

    This is the node sum ``(x^5 S_2 * factor) @ w`` of the hidden-sector heating of the Hall chain, per species,
    without the prefactor; S_2 = sum_k (-+1)^{k+1} K_2(k x)/k (64 terms, last fermion term halved; MB: K_2).
    """
    return _integral("energy", mass, cosmology, statistics, t_min, t_max, n_nodes)


def node_hidden_energy_integral(
    mass, cosmology, statistics: str, n_nodes: int, t_min: float = -8.0, t_max: float = 4.2
) -> jax.Array:
    """:func:`hidden_energy_integral` by an ``n_nodes``-point Gauss-Legendre quadrature whatever the cosmology (the
    g_* functions evaluated at every node; the reference and the ``HallSettings(n_nodes=...)`` path)."""
    _check("energy", statistics)
    m = jnp.asarray(mass)
    if not jnp.issubdtype(m.dtype, jnp.floating):
        m = m.astype(float)
    t, w, k = (
        jnp.asarray(a, m.dtype) for a in _node_rule("energy", statistics, int(n_nodes), float(t_min), float(t_max))
    )
    temps = m[..., None] * jnp.exp(-t)
    return (k * _factor_jax("energy", cosmology, temps)) @ w
