r"""Unitarity- and CPT-consistent rates of the minimal asymmetric freeze-in toy: Hook's cancellation, Unwin's loophole.

Derivation: docs/derivations/unitarity_freezein.md (sections cited as "doc sec. n"). Literature: Hall, March-Russell,
West 2010 (HMW, arXiv:1010.0245, the mechanism); Hook 2011 (arXiv:1105.3728, "Unitarity constraints on asymmetric
freeze-in": the X transfer cancels at leading order for a bath in equilibrium); Unwin 2014 (arXiv:1406.3027: an
out-of-equilibrium mediator avoids the cancellation); Kolb & Wolfram 1980 (Nucl. Phys. B172, 224: CPT, unitarity and
the subtraction of real intermediate states, RIS); Giudice et al. 2004 (arXiv:hep-ph/0310123, appendix A: the CP-odd
part of the RIS-subtracted s-channel rate). Units: GeV; rate densities gamma in GeV^4; yields Y = n/s dimensionless.

Model (doc sec. 1). A self-conjugate bath state B (mass m_B, g_B dof, total width Gamma_B) decays through the feeble
coupling lambda into X l and Xbar lbar (branching Br_X = O(lambda^2)) and into a visible channel V, Vbar (branching
Br_V = 1 - Br_X); X is a hidden-sector particle carrying X number 1. The CP asymmetry per decay, in units of the
*total* width,

    eps = [Gamma(B -> X l) - Gamma(B -> Xbar lbar)] / Gamma_B,

comes from the interference of the tree decay with a loop whose cut runs through V (so eps = O(lambda^2)); HMW's
asymmetry per decay *into X* is eps_HMW = eps / Br_X. CPT + unitarity, summed over the final states of B,
sum_f [Gamma(B -> f) - Gamma(B -> fbar)] = 0 (doc sec. 2), fix the visible channel's asymmetry to -eps:

    Gamma(B -> X l) = Gamma_B (Br_X + eps)/2,   Gamma(B -> Xbar lbar) = Gamma_B (Br_X - eps)/2,
    Gamma(B -> V)   = Gamma_B (Br_V - eps)/2,   Gamma(B -> Vbar)      = Gamma_B (Br_V + eps)/2.

Inverse decays follow by CPT (gamma(f -> B) = gamma(B -> fbar) for self-conjugate B). The 2 <-> 2 processes with the B
pole (V -> X l, V -> Xbar lbar, X l -> V, X l -> Xbar lbar, ...) enter RIS-subtracted; at leading order the CP-odd
part of the full s-channel rate vanishes, so the subtracted rate carries minus the CP-odd part of its real
intermediate state, Delta gamma_sub(i -> f) = -[gamma(i -> B) Br(B -> f) - gamma(ibar -> B) Br(B -> fbar)]
(Kolb-Wolfram; Giudice et al. appendix A). With MB statistics, light V, l in equilibrium and occupations
r_i = n_i / n_i^eq, summing the processes gives (doc sec. 3)

    dn_{Delta X}/dt|_source = eps gamma_D [r_B - Br_V r_V - Br_X rbar_X] - Br_X gamma_D Y_{Delta X} / Y_X^eq,

    gamma_D = g_B m_B^2 T K1(m_B/T) Gamma_B / (2 pi^2)     (the equilibrium decay rate density of B),

with rbar_X = Y_X / Y_X^eq (X + Xbar). The bracket is minus the net decay rate of B over gamma_D: the X asymmetry is
eps times the *net* number of B decays. Limits (tested in tests/jaxgen/test_unitarity_rates.py):

* Hook (B and the visible sector in equilibrium, X cold: r_B = r_V = 1, rbar_X = 0): the source is
  eps gamma_D Br_X, a factor Br_X = O(lambda^2) below the decay-only rate eps gamma_D that HMW's estimate uses: the
  leading order cancels, and what is left is of the neglected order (O(lambda^4), the order of the CP-odd parts of
  the full 2 -> 2 and 2 -> 3 rates this truncation does not keep; doc sec. 4).
* Full equilibrium (rbar_X = 1 as well): the source vanishes identically (no asymmetry in equilibrium).
* Unwin (B out of equilibrium, r_B != 1: frozen out, or produced non-thermally): eps gamma_D (r_B - 1) survives at
  leading order, and the integrated asymmetry is eps times the net number of B that decay.

In an expanding universe a bath state decaying in equilibrium is out of equilibrium by r_B - 1 = O(H / Gamma_B)
(inverse decays) or O(H / Gamma_ann) (annihilations), so the surviving asymmetry of HMW's mechanism is
eta_X^HMW x O(H / Gamma_B) + O(Br_X) (doc sec. 5): for the Hall chain's decaying states (gauge-strength visible
decays, Gamma_a / H(m_a) ~ 1e12-1e14) the chain's eta_X = sum_a eps_a Y_FI,a is the decay-only number, an upper
bound that the unitarity-consistent rates cancel to about one part in Gamma_a / H. See doc sec. 6.

Public through :mod:`jaxgen.unitarity`: :class:`ToyParams`, :func:`decay_rate_density`, :func:`ris_rate_density`,
:func:`asymmetry_source` (:func:`asymmetry_source_parts`), :func:`process_table`, :func:`unitarity_sums`,
:func:`solve_toy` -> :class:`ToyResult`, :data:`PROCESS_SETS`, and the same toy as a :mod:`jaxgen.kinetics` network
(:func:`toy_network`, :func:`toy_network_params`).
"""

from __future__ import annotations

import math
from typing import Any

import equinox as eqx
import jax
import jax.core  # jax.core.Tracer: pyright does not see the submodule through a plain `import jax`
import jax.numpy as jnp
import numpy as np

import jaxgen_kernels as kernels
from jaxgen_kernels import _rosenbrock
from jaxgen_kernels._status import flag_vocabulary

from ._cosmology import Cosmology
from ._units import units_field

__all__ = [
    "PROCESS_SETS",
    "STATUS_OK",
    "STATUS_BAD_INPUT",
    "STATUS_NOT_FINITE",
    "ToyParams",
    "ToyResult",
    "ToyStatus",
    "decay_rate_density",
    "ris_rate_density",
    "asymmetry_source",
    "asymmetry_source_parts",
    "process_table",
    "unitarity_sums",
    "solve_toy",
    "toy_network",
    "toy_network_params",
]

#: The reaction sets of :func:`asymmetry_source` / :func:`solve_toy`:
#: ``"consistent"``: decays + inverse decays + RIS-subtracted 2 <-> 2 (unitarity and CPT respected);
#: ``"decay_only"``: B decays alone (HMW's estimate; violates the unitarity sum over the final states of V);
#: ``"unsubtracted"``: decays + inverse decays without the subtracted scatterings (makes an asymmetry in full
#: equilibrium: the Kolb-Wolfram inconsistency).
PROCESS_SETS = ("consistent", "decay_only", "unsubtracted")
#: (inverse decays, subtracted scatterings, washout) switched on per set; traced in the solve (one compile for all)
_WEIGHTS = {"consistent": (1.0, 1.0, 1.0), "decay_only": (0.0, 0.0, 0.0), "unsubtracted": (1.0, 0.0, 1.0)}

STATUS_OK = 0
STATUS_BAD_INPUT = 1
"""An input is not finite, a mass, width or dof is not > 0, Br_X not in (0, 1), |eps| > min(Br_X, Br_V), or
m_X >= m_B (outputs 0)."""
STATUS_NOT_FINITE = 2
"""The solve produced a non-finite yield (outputs 0)."""
#: The vocabulary of :attr:`ToyResult.status` (bit flags); decode with ``ToyStatus.decode(code)``.
ToyStatus = flag_vocabulary(
    "ToyStatus",
    {
        "BAD_INPUT": (STATUS_BAD_INPUT, "out-of-domain input (see STATUS_BAD_INPUT); outputs 0"),
        "NOT_FINITE": (STATUS_NOT_FINITE, "the solve produced a non-finite yield; outputs 0"),
    },
    module=__name__,
)


class ToyParams(eqx.Module):
    """Parameters of the toy model (scalars, or arrays of one batch shape for :func:`jax.vmap`).

    Attributes:
        m_b: mass of the decaying state B [GeV].
        width: total width Gamma_B [GeV].
        br_x: branching ratio of B into X l + Xbar lbar (the feeble channel, O(lambda^2)); Br_V = 1 - br_x.
        eps: CP asymmetry per decay in units of the total width (module docstring); |eps| <= min(Br_X, Br_V).
        g_b: internal dof of B.
        m_x: mass of X [GeV] (enters Y_X^eq of the inverse processes; X l -> B needs m_x < m_b).
        g_x: internal dof of X (the same for Xbar).
        sigma_v: s-wave <sigma v> of B B -> visible [GeV^-2] (keeps B in equilibrium, or freezes it out; 0: none).
        r_b0: n_B / n_B^eq at the initial x = m_B/T (1: thermal; > 1: produced non-thermally, Unwin's case).
    """

    m_b: Any = units_field("GeV", default=1000.0)
    width: Any = units_field("GeV", default=1e-12)
    br_x: Any = units_field("1", default=1e-3)
    eps: Any = units_field("1", default=1e-4)
    g_b: Any = units_field("1", default=2.0)
    m_x: Any = units_field("GeV", default=1.0)
    g_x: Any = units_field("1", default=2.0)
    sigma_v: Any = units_field("GeV^-2", default=0.0)
    r_b0: Any = units_field("1", default=1.0)


class ToyResult(eqx.Module):
    """Result of :func:`solve_toy` (arrays of the batch shape; ``x``, ``y_*_grid`` with a trailing grid axis).

    Attributes:
        y_delta_x: final X asymmetry Y_X - Y_Xbar.
        y_x: final symmetric X yield Y_X + Y_Xbar (the freeze-in yield).
        y_b: final Y_B.
        y_delta_x_hmw: HMW's estimate eps_HMW * y_x = (eps / Br_X) * y_x (decay-only asymmetry of the same yield).
        efficiency: y_delta_x / y_delta_x_hmw (1: no cancellation; << 1: Hook's cancellation).
        x: the grid m_B / T.
        y_delta_x_grid, y_x_grid, y_b_grid: the three yields on the grid.
        status: int32 code of :data:`ToyStatus` (0: ok).
    """

    y_delta_x: Any = units_field("1")
    y_x: Any = units_field("1")
    y_b: Any = units_field("1")
    y_delta_x_hmw: Any = units_field("1")
    efficiency: Any = units_field("1")
    x: Any = units_field("1")
    y_delta_x_grid: Any = units_field("1")
    y_x_grid: Any = units_field("1")
    y_b_grid: Any = units_field("1")
    status: Any = units_field("1")


_DEFAULT_COSMO = Cosmology(table="constant", g_constant=106.75)


def _check_eager(p: ToyParams) -> None:
    """ValueError for a bad concrete (non-traced) single point or batch; traced inputs are flagged in ``status``."""
    for name in ("m_b", "width", "g_b", "m_x", "g_x"):
        v = getattr(p, name)
        if isinstance(v, jax.core.Tracer):
            continue
        a = np.asarray(v, dtype=float)
        if np.any(~np.isfinite(a)) or np.any(a <= 0):
            raise ValueError(f"ToyParams.{name} must be finite and > 0, got {v!r}")


def _bad(p: ToyParams) -> jax.Array:
    f = jnp.asarray
    br_x, eps = f(p.br_x), f(p.eps)
    fin = jnp.ones_like(br_x, dtype=bool)
    for v in (p.m_b, p.width, p.br_x, p.eps, p.g_b, p.m_x, p.g_x, p.sigma_v, p.r_b0):
        fin = fin & jnp.isfinite(f(v))
    pos = (f(p.m_b) > 0) & (f(p.width) > 0) & (f(p.g_b) > 0) & (f(p.m_x) > 0) & (f(p.g_x) > 0)
    ok = fin & pos & (br_x > 0) & (br_x < 1) & (jnp.abs(eps) <= jnp.minimum(br_x, 1 - br_x))
    ok = ok & (f(p.sigma_v) >= 0) & (f(p.r_b0) >= 0) & (f(p.m_x) < f(p.m_b))
    return ~ok


# ---------------------------------------------------------------------------------------------------------------
# rate densities (doc sec. 3)
# ---------------------------------------------------------------------------------------------------------------
def decay_rate_density(temperature, p: ToyParams) -> jax.Array:
    """gamma_D(T) = g_B m_B^2 T K1(m_B/T) Gamma_B / (2 pi^2) [GeV^4]: equilibrium B decay density (MB; doc sec. 3)."""
    t = jnp.asarray(temperature)
    x = jnp.asarray(p.m_b) / t
    return p.g_b * p.m_b**2 * t * kernels.k1e(x) * jnp.exp(-x) * p.width / (2 * math.pi**2)


def ris_rate_density(temperature, p: ToyParams) -> jax.Array:
    """The real-intermediate-state density gamma_RIS(T) [GeV^4] that multiplies Br(i -> B) Br(B -> f) (doc sec. 3).

    The on-shell delta function of the narrow-width subtraction |D_sub|^2 = |D|^2 - pi delta(s - m_B^2)/(m_B
    Gamma_B) (Giudice et al. appendix A): integrated with the thermal weight of the massless initial pair,
    int ds delta(s - m^2) g_B s T K1(sqrt(s)/T) Gamma_B/(2 pi^2) = gamma_D, exactly. A finite-width (Breit-Wigner)
    subtraction differs at O(Gamma_B/m_B), one of the orders Hook's argument neglects (doc sec. 4).
    """
    return decay_rate_density(temperature, p)


def asymmetry_source_parts(
    temperature,
    p: ToyParams,
    r_b: Any = 1.0,
    rbar_x: Any = 0.0,
    y_delta_over_yeq: Any = 0.0,
    r_v: Any = 1.0,
    processes: str = "consistent",
) -> dict[str, jax.Array]:
    """The X-asymmetry production rate density [GeV^4] by process (doc sec. 3): ``decays``, ``inverse_decays``,
    ``scatterings_from_v``, ``scatterings_from_x`` (the last two 0 unless ``processes="consistent"``).

    Args:
        temperature: T [GeV].
        p: :class:`ToyParams`.
        r_b: n_B / n_B^eq (1: B in equilibrium).
        rbar_x: (n_X + n_Xbar) / (n_X^eq + n_Xbar^eq) (0: cold hidden sector, Hook's case).
        y_delta_over_yeq: (n_X - n_Xbar) / (n_X^eq + n_Xbar^eq) (the washout argument).
        r_v: occupation of the visible channel V (1: in equilibrium).
        processes: one of :data:`PROCESS_SETS`.
    """
    if processes not in PROCESS_SETS:
        raise ValueError(f"processes must be one of {PROCESS_SETS}, got {processes!r}")
    gd = decay_rate_density(temperature, p)
    eps, br_x = jnp.asarray(p.eps), jnp.asarray(p.br_x)
    br_v = 1.0 - br_x
    zero = jnp.zeros_like(gd)
    # B -> X l minus B -> Xbar lbar: r_B gamma_D [(Br_X + eps) - (Br_X - eps)]/2
    decays = eps * gd * r_b
    # X l -> B (CPT: gamma_D (Br_X - eps)/2 per unit occupation) removes X, Xbar lbar -> B adds it
    inverse = zero if processes == "decay_only" else eps * gd * rbar_x - br_x * gd * y_delta_over_yeq
    from_v, from_x = zero, zero
    if processes == "consistent":
        g_ris = ris_rate_density(temperature, p)
        # V, Vbar -> X l, Xbar lbar: minus the CP-odd part of V -> B -> X states
        from_v = -eps * g_ris * br_v * r_v
        # X l -> V, Vbar (Delta X = -1) and X l -> Xbar lbar (Delta X = -2), weighted by the X occupation
        from_x = -eps * g_ris * (br_v + 2.0 * br_x) * rbar_x
    return {
        "decays": decays + zero,
        "inverse_decays": inverse + zero,
        "scatterings_from_v": from_v + zero,
        "scatterings_from_x": from_x + zero,
    }


def asymmetry_source(
    temperature,
    p: ToyParams,
    r_b: Any = 1.0,
    rbar_x: Any = 0.0,
    y_delta_over_yeq: Any = 0.0,
    r_v: Any = 1.0,
    processes: str = "consistent",
) -> jax.Array:
    """X-asymmetry production rate density dn_{Delta X}/dt|_source [GeV^4] at temperature T (doc sec. 3, (3.1)): the
    sum of :func:`asymmetry_source_parts` (same arguments)."""
    parts = asymmetry_source_parts(temperature, p, r_b, rbar_x, y_delta_over_yeq, r_v, processes)
    return parts["decays"] + parts["inverse_decays"] + parts["scatterings_from_v"] + parts["scatterings_from_x"]


def process_table(p: ToyParams) -> dict[str, dict[str, Any]]:
    """Per initial state i: ``{final state f: Delta_i->f}`` with Delta = gamma(i -> f) - gamma(ibar -> fbar) in units
    of gamma_D for unit occupations (narrow RIS), for the ``consistent`` set (doc sec. 2).

    Initial states: ``"B"``, ``"V"``, ``"Xl"``; final states as strings. Decays, inverse decays (2 -> 1) and the
    subtracted 2 <-> 2 (``"sub:"`` prefix).
    """
    eps, br_x = jnp.asarray(p.eps), jnp.asarray(p.br_x)
    br_v = 1.0 - br_x
    br = {"Xl": (br_x + eps) / 2, "Xbar lbar": (br_x - eps) / 2, "V": (br_v - eps) / 2, "Vbar": (br_v + eps) / 2}
    conj = {"Xl": "Xbar lbar", "Xbar lbar": "Xl", "V": "Vbar", "Vbar": "V"}
    table: dict[str, dict[str, Any]] = {"B": {f: br[f] - br[conj[f]] for f in ("Xl", "V")}}
    for i in ("V", "Xl"):
        # inverse decay i -> B: gamma(i -> B) = gamma(B -> ibar) (CPT, B self-conjugate)
        to_b = br[conj[i]]
        to_b_conj = br[i]
        row = {"B": to_b - to_b_conj}
        for f in br:
            # RIS: gamma(i -> B) Br(B -> f); the subtracted rate carries minus its CP-odd part
            row["sub:" + f] = -(to_b * br[f] - to_b_conj * br[conj[f]])
        table[i] = row
    return table


def unitarity_sums(p: ToyParams, processes: str = "consistent") -> dict[str, Any]:
    """sum_f [gamma(i -> f) - gamma(ibar -> fbar)] / gamma_D per initial state i (CPT + unitarity: all 0, doc sec. 2).

    ``processes="decay_only"`` keeps only B -> f and i -> B: the sum for V is then eps != 0 (the decay-only set
    violates unitarity; :func:`jaxgen.kinetics` rejects it at build time).
    """
    table = process_table(p)
    out = {}
    for i, row in table.items():
        keep = row if processes == "consistent" else {f: v for f, v in row.items() if not f.startswith("sub:")}
        # B is self-conjugate: its row lists f = Xl, V; f = Xbar lbar, Vbar give the same Delta again
        out[i] = 2 * sum(keep.values()) if i == "B" else sum(keep.values())
    return out


# ---------------------------------------------------------------------------------------------------------------
# Boltzmann solve (doc sec. 5)
# ---------------------------------------------------------------------------------------------------------------
def _y_eq(x, g, g_s):
    """MB Y^eq = 45 g x^2 K2(x) / (4 pi^4 g_*s) (x = m/T)."""
    return 45.0 * g / (4.0 * math.pi**4 * g_s) * x**2 * kernels.k2e(x) * jnp.exp(-x)


def _coefficients(lnx, p: ToyParams, cosmo: Cosmology, weights):
    """The system is dy/dln x = A y + b + q D_B^2 e_0 (y = (D_B, Y_X, Y_DeltaX)); returns (A, b, q) at ln x.

    Rates (doc sec. 3, MB): gamma_D (r_B - 1) = s Gamma_B (K1/K2) D_B (finite when Y_B^eq -> 0); rbar_X = Y_X/Y_X^eq.
    dY/dln x = C (1 + dln g_s/3)/(H s); dY_B^eq/dln x = -45 g_B x^3 K1(x)/(4 pi^4 g_s) + Y_B^eq dln g_s/dln T.
    """
    x = jnp.exp(lnx)
    t = p.m_b / x
    g_s = cosmo.g_s(t)
    dlng = cosmo.dlng_s_dlnT(t)
    s = cosmo.entropy_density(t)
    jac = (1.0 + dlng / 3.0) / (cosmo.hubble(t) * s)
    yb_eq = _y_eq(x, p.g_b, g_s)
    yx_eq = 2.0 * _y_eq(p.m_x / t, p.g_x, g_s)
    a_b = s * p.width * kernels.k1e(x) / kernels.k2e(x)  # gamma_D (r_B - 1) = a_b D_B
    gd = decay_rate_density(t, p)
    g_ris = ris_rate_density(t, p)
    br_x, eps = p.br_x, p.eps
    w_inv, w_sub, w_wash = weights[0], weights[1], weights[2]
    inv_x = 1.0 / yx_eq  # rbar_X = Y_X inv_x
    zero = jnp.zeros_like(x)
    # C_B = -a_b D_B - gamma_D Br_X (1 - rbar) - <sigma v> s^2 D_B (D_B + 2 Y_B^eq)
    row_b = jnp.stack([-a_b - 2.0 * p.sigma_v * s * s * yb_eq, gd * br_x * inv_x, zero])
    b_b = -gd * br_x
    # C_X = Br_X [gamma_D r_B - gamma_D rbar] = Br_X [a_b D_B + gamma_D - gamma_D rbar]
    row_x = jnp.stack([br_x * a_b, -gd * br_x * inv_x, zero])
    b_x = br_x * gd
    # C_DeltaX = eps gamma_D r_B + w_inv eps gamma_D rbar - w_sub eps gamma_RIS [(1 - Br_X) + (1 + Br_X) rbar]
    #            - w_wash Br_X gamma_D Y_DeltaX / Y_X^eq
    row_d = jnp.stack(
        [eps * a_b, (w_inv * eps * gd - w_sub * eps * g_ris * (1.0 + br_x)) * inv_x, -w_wash * br_x * gd * inv_x]
    )
    b_d = eps * gd - w_sub * eps * g_ris * (1.0 - br_x)
    dyeq = -45.0 * p.g_b / (4.0 * math.pi**4 * g_s) * x**3 * kernels.k1e(x) * jnp.exp(-x) + yb_eq * dlng
    a_mat = jac * jnp.stack([row_b, row_x, row_d])
    b_vec = jnp.stack([jac * b_b - dyeq, jac * b_x, jac * b_d])
    q = -jac * p.sigma_v * s * s
    return a_mat, b_vec, q


def _f(lnx, y, c):
    a_mat, b_vec, q = c
    return a_mat @ y + b_vec + jnp.stack([q * y[0] ** 2, 0.0 * q, 0.0 * q])


def _jac(lnx, y, c):
    a_mat, _, q = c
    return a_mat + jnp.zeros_like(a_mat).at[0, 0].set(2.0 * q * y[0])


@eqx.filter_jit
def _solve_core(p: ToyParams, weights, cosmo: Cosmology, x_min: float, x_max: float, n_steps: int):
    """The Rosenbrock solve on the ln x grid (jitted once per grid and cosmology; the process set is traced)."""
    lnx = jnp.linspace(math.log(x_min), math.log(x_max), n_steps + 1)
    yb0 = _y_eq(jnp.asarray(x_min), p.g_b, cosmo.g_s(p.m_b / x_min))
    y0 = jnp.stack([(p.r_b0 - 1.0) * yb0, jnp.zeros_like(yb0), jnp.zeros_like(yb0)])
    _, info = _rosenbrock.rosenbrock_solve(
        _f, y0, lnx, coefficients=lambda v: _coefficients(v, p, cosmo, weights), jac=_jac, save_all=True
    )
    ys = info["ys"]
    assert ys is not None
    return jnp.exp(lnx), ys


def solve_toy(
    p: ToyParams,
    processes: str = "consistent",
    *,
    x_min: float = 0.05,
    x_max: float = 1e4,
    n_steps: int = 600,
    cosmology: Cosmology | None = None,
) -> ToyResult:
    """Solve the (Y_B, Y_X, Y_DeltaX) Boltzmann system of the toy model from x_min to x_max (x = m_B/T; doc sec. 5).

    State (D_B = Y_B - Y_B^eq, Y_X, Y_DeltaX), integrated in ln x with the L-stable Rosenbrock method
    (``jaxgen_kernels._rosenbrock``, rodas4p2) on a uniform grid of ``n_steps`` steps. Initial conditions: Y_B =
    r_b0 Y_B^eq(x_min), Y_X = Y_DeltaX = 0 (cold hidden sector). ``processes``: one of :data:`PROCESS_SETS`.

    Pure, jit/vmap/grad-able in every field of ``p`` (``processes``, the grid and the cosmology are static).
    A point with bad input (``ToyStatus.BAD_INPUT``) or a non-finite solve gets its status bit and zero outputs.
    """
    if processes not in PROCESS_SETS:
        raise ValueError(f"processes must be one of {PROCESS_SETS}, got {processes!r}")
    if not (0 < x_min < x_max):
        raise ValueError(f"need 0 < x_min < x_max, got x_min={x_min}, x_max={x_max}")
    if int(n_steps) < 10:
        raise ValueError(f"n_steps must be >= 10, got {n_steps}")
    _check_eager(p)
    cosmo = _DEFAULT_COSMO if cosmology is None else cosmology
    bad = _bad(p)
    # evaluate a bad point at the default point, so nothing non-finite enters the solve (and its gradient)
    safe = jax.tree_util.tree_map(lambda v, d: jnp.where(bad, d, jnp.asarray(v, dtype=float)), p, ToyParams())
    weights = jnp.asarray(_WEIGHTS[processes], dtype=float)
    x, ys = _solve_core(safe, weights, cosmo, float(x_min), float(x_max), int(n_steps))
    yb_eq = _y_eq(x, safe.g_b, cosmo.g_s(safe.m_b / x))
    y_b_grid = ys[:, 0] + yb_eq
    y_x_grid, y_d_grid = ys[:, 1], ys[:, 2]
    finite = jnp.all(jnp.isfinite(ys))
    status = jnp.where(bad, STATUS_BAD_INPUT, 0) | jnp.where(finite, 0, STATUS_NOT_FINITE)
    ok = status == 0

    def z(v):
        return jnp.where(ok, v, 0.0)

    y_x, y_d = y_x_grid[-1], y_d_grid[-1]
    hmw = safe.eps / safe.br_x * y_x
    return ToyResult(
        y_delta_x=z(y_d),
        y_x=z(y_x),
        y_b=z(y_b_grid[-1]),
        y_delta_x_hmw=z(hmw),
        efficiency=z(y_d / jnp.where(hmw == 0, 1.0, hmw)),
        x=x,
        y_delta_x_grid=z(y_d_grid),
        y_x_grid=z(y_x_grid),
        y_b_grid=z(y_b_grid),
        status=status.astype(jnp.int32),
    )


# ---------------------------------------------------------------------------------------------------------------
# the same toy model as a jaxgen.kinetics network (doc sec. 2)
# ---------------------------------------------------------------------------------------------------------------
def _k_width_x(T, params):
    return params["width"] * params["br_x"]


def _k_width_v(T, params):
    return params["width"] * (1.0 - params["br_x"])


def _k_eps_x(T, params):
    return params["eps"] / params["br_x"]


def _k_eps_v(T, params):
    return -params["eps"] / (1.0 - params["br_x"])


def toy_network(
    processes: str = "consistent",
    g_b: float = 2.0,
    g_x: float = 2.0,
    cosmology: Cosmology | None = None,
    check_params: Any = None,
):
    """The toy model as a :class:`jaxgen.kinetics.Network` (built here, at call time).

    Species: B (tracked, self-conjugate), X (tracked, asymmetric, charge QX), l (charge L), a (charge A) and h (mu_h
    = 0): the visible channel is V = a + h. Reactions: ``Decay`` B -> X + l (width Gamma_B Br_X, eps/Br_X per decay
    into X) and B -> a + h (width Gamma_B Br_V, -eps/Br_V: the sum rule of doc sec. 2); for
    ``processes="consistent"`` also the four RIS-subtracted s-channel scatterings through B (a h -> X l,
    a h -> ~X ~l, a h -> ~a ~h, X l -> ~X ~l; CP-even off-shell parts 0, as in :func:`solve_toy`). Evolved bath
    charges: L and A. ``processes="decay_only"`` declares the decays alone: the network's build-time unitarity check
    rejects it (ValueError naming the state X + l and the missing scattering).

    Rate callables read ``params`` = :func:`toy_network_params` (keys width, br_x, eps, masses).
    """
    from . import kinetics as kin  # the network engine (same layer), imported when used
    from . import models

    if processes not in ("consistent", "decay_only"):
        raise ValueError(f"toy_network: processes must be 'consistent' or 'decay_only', got {processes!r}")
    model = models.Model(
        "asymmetric_freezein_toy",
        species=[
            models.Species("B", g_b, "mb", mass=1000.0),
            models.Species("X", g_x, "mb", {"QX": 1.0}, mass=1.0),
            models.Species("l", 2, "mb", {"L": 1.0}),
            models.Species("a", 2, "mb", {"A": 1.0}),
            models.Species("h", 2, "mb"),
        ],
        reactions=[models.Reaction("h_mu0", {"h": 1})],
        defaults={},
    )
    reactions = [
        kin.Decay("B_to_Xl", "B", "X + l", width=_k_width_x, eps=_k_eps_x),
        kin.Decay("B_to_ah", "B", "a + h", width=_k_width_v, eps=_k_eps_v),
    ]
    if processes == "consistent":
        reactions += [
            kin.Scattering("ah_to_Xl", "a + h", "X + l", gamma=0.0, resonance=["B"]),
            kin.Scattering("ah_to_XlBar", "a + h", "~X + ~l", gamma=0.0, resonance=["B"]),
            kin.Scattering("ah_to_ahBar", "a + h", "~a + ~h", gamma=0.0, resonance=["B"]),
            kin.Scattering("Xl_to_XlBar", "X + l", "~X + ~l", gamma=0.0, resonance=["B"]),
        ]
    return kin.Network(
        model,
        reactions,
        tracked=["B", "X"],
        asymmetric=["X"],
        charges=["L", "A"],
        cosmology=_DEFAULT_COSMO if cosmology is None else cosmology,
        check_params=check_params,
    )


def toy_network_params(p: ToyParams) -> dict[str, Any]:
    """The params PyTree of :func:`toy_network` for a :class:`ToyParams` point (sigma_v and r_b0 are not used:
    the network has no B annihilation; give the initial B density to ``kinetics.solve`` instead)."""
    return {
        "width": jnp.asarray(p.width, dtype=float),
        "br_x": jnp.asarray(p.br_x, dtype=float),
        "eps": jnp.asarray(p.eps, dtype=float),
        "masses": {"B": jnp.asarray(p.m_b, dtype=float), "X": jnp.asarray(p.m_x, dtype=float)},
    }
