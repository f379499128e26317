"""Standard and asymmetric freeze-out of a stable species X (Boltzmann equations integrated with diffrax).

Units: GeV everywhere; x = m/T is dimensionless; <sigma v> coefficients in GeV^-2 (1 GeV^-2 = 1.1674e-17 cm^3/s,
see :data:`GEV_M2_TO_CM3_PER_S`).

Physics (derived here; Kolb & Turner, "The Early Universe", ch. 5.2; Gondolo & Gelmini 1991; Iminniyaz, Drees &
Chen 2011, JCAP 1107:003, "IDC"):

* Thermally averaged cross section in the non-relativistic expansion <sigma v> = a + b <v^2> with <v^2> = 6/x
  (Maxwell-Boltzmann relative velocity of two particles of mass m at temperature T = m/x), i.e.
  ``<sigma v>(x) = a + 6 b / x`` (Kolb & Turner eq. 5.46 convention: a = s-wave, b = p-wave).
* Time to x: s a^3 = const with s = (2 pi^2/45) g_*s T^3 gives dT/dt = -H T / (1 + (1/3) d ln g_*s/d ln T), so
  d/dt = (x H / (1 + (1/3) dln g_*s/dln T)) d/dx.  Hence the Boltzmann equation for Y = n/s of a self-conjugate
  species (or of one of a particle/antiparticle pair, see below) is

      dY/dx = -(s <sigma v> / (x H)) (1 + (1/3) d ln g_*s/d ln T) (Y^2 - Y_eq^2).

  Note on the sign: the form ``(1 - dln g_s / 3 dln T)`` sometimes quoted is the correct factor only with
  d ln x = -d ln T, i.e. ``1 - (1/3) d ln g_*s/d ln x`` (the form of Gondolo & Gelmini 1991, Nucl. Phys. B360,
  145); in terms of ln T the sign is ``+`` (tested in tests/jaxgen/test_freezeout.py::test_dlngs_sign).
* Y_eq = g n_eq/(g T^3) T^3 / s = 45 g nhat(x) / (2 pi^2 g_*s) with nhat the number density per degree of freedom in
  units of T^3: MB nhat = x^2 K_2(x)/(2 pi^2), quantum nhat = x^2/(2 pi^2) sum_k (+-1)^(k+1) K_2(k x)/k.
* Integration (robust over Y0/Y_eq = 1e-6..1e6 and feeble to strongly equilibrating couplings in one batch):
  (i) the first 1e-4 x_start with frozen coefficients, solved exactly (Riccati), which removes the nonlinear initial
  transient; (ii) one diffrax solve in v = ln(Y/Y_ref), Y_ref = Y_eq(x) + Y_inf(estimate), which is u = ln(Y/Y_eq)
  while the species tracks equilibrium (its stiff root stays near u = 0; a solve in W = ln Y suffers order reduction
  while W tracks the moving root ln Y_eq(x): thousands of rejected steps) and ln Y up to a constant after freeze-out,
  with a smooth change between the two. L-stable diffrax.Kvaerno5 with a Newton root finder; tolerances act on
  logarithms, so atol is a relative accuracy on Y whatever the abundance scale. Defaults (rtol
  1e-10, atol 3e-10) give ~3.5e-9 relative accuracy vs a tight (rtol 1e-13) solution in about 375 steps (the
  former two-solve scheme needed rtol 1e-11, atol 1e-10 and ~440 steps for ~5e-9).
  Gradients: forward sensitivities under a custom VJP (jax.jacfwd over the six scalar parameters inside the one
  solve, contracted with the cotangent), instead of reverse mode through checkpointed while loops; one solve and
  plain while loops keep compile times low (forward ~3.5 s, gradient ~6 s on 2 cores, previously 5.9 s / 16.3 s)
  and a gradient costs ~2x a forward pass (previously 5x). No gradient flows into the cosmology tables.
* Default integration (``FreezeOutSettings(method="auto")`` -> ``"rosenbrock"`` for :func:`solve_freezeout`):
  the same v equation in s = ln x on a fixed grid placed per point at an estimated x_f (a fifth of 20 steps uniform
  in ln x up to 0.85 x_f, the rest uniform in x up to x_f + 6), linearly implicit Rodas4P2 steps with the analytic
  Jacobian (one reciprocal per step, no Newton iteration), the coefficients (L = ln(s f/(H T)), ln g_s,
  dln g_s/dln T) from a per-table uniform ln T table (one gather per node) and a degree-14 polynomial for
  ln(e^x K2), evaluated at the grid nodes only with their analytic s-derivatives (cubic Hermite for the interior
  stage abscissae), then the exact tail from x_f + 6 read from a cumulative table of int s f/H d ln T (NumPy, once
  per table).  Reasoning and measurements in the comment above :func:`_grid_solve`.  Measured 2026-12-02 (2 cores,
  under load): ~2.7-3.7e5 points/s per core at N = 1e4 with the Drees-Hajkarim-Schmitz table (previous default:
  6.4e3 points/s with a g* table, 5.6e4 with constant g*), forward compile ~2.2 s CPU; <= 9.4e-6 (DHS) and
  4.9e-5 (Saikawa-Shirai, p-wave at m ~ 3 GeV; see there) relative to the adaptive solver over
  m = 1 GeV - 10 TeV, a or b = 1e-10 - 1e-7 GeV^-2.  Gradients: forward sensitivities under a custom VJP
  (:func:`_grid_with_sensitivities`) for the differentiated leaves only (symbolic zeros), the derivative of the
  computed Y_inf; the x_f estimate by Newton with its implicit-function tangent from one node; gradient/forward in
  (m, a) 5.5 against 10.3 before in the same run (process CPU time under load; bench_freezeout measured 4.19 on a
  quiet machine before), see the comment above :func:`_grid_solve`; ~3.6 with ``_FROZEN_GRID`` (not the default,
  measured before these changes).  Points that never track equilibrium
  (estimated x_f < 3: feeble couplings) are flagged (STATUS_SOLVER_FAILED) rather than integrated on a grid not
  made for them.  ``method="adaptive"`` (below) is the reference (and the path for such points, for ``save_x`` and
  for the asymmetric solver).
* Tail x_end -> infinity, exact: for x > x_end, Y_eq is negligible (e^-x_end), so dY/dx = -A(x) Y^2 (symmetric)
  and d ln(Ybar/(Ybar+eta))/dx = -eta A(x) (asymmetric), A = s <sigma v> (1 + dln g_s/3 dln T)/(x H).  With
  I = int_{x_end}^inf A dx: 1/Ybar_inf = expm1(eta I)/eta + exp(eta I)/Ybar_end (-> I + 1/Y_end for eta -> 0).
  I is read from a cumulative table of int s f/H d ln T over the g_* table down to its lowest temperature (one per
  table, :func:`_tail_table`), plus the frozen form lambda0 (a/x + 3 b/x^2) below it (:func:`_tail`, both methods).
  g_* must not be frozen at x_end: at T = m/1000 it still changes, and the frozen form made s-wave relics 3e-4
  (1 GeV) to 1.3e-3 (1 TeV) too small.  The adaptive path used a 16 x 8 Gauss-Legendre quadrature in ln T until
  2026-12-02: across the Saikawa-Shirai table's QCD structure it was up to 2.8e-3 off in I (m = 316 GeV: I is 2 % of
  1/Y_inf, so 5.5e-5 in Y_inf), against 2e-6 for the table (both vs a 2e5-panel trapezoid rule); that was the floor of
  the Rosenbrock-vs-adaptive comparison on that table.
* Asymmetric freeze-out (IDC eqs. 2.6-2.8): particle X and antiparticle Xbar, each with g internal dof, annihilating
  only with each other: dY/dx = dYbar/dx = -(s<sigma v>/(xH)) f_g (Y Ybar - Y_eq^2), Y - Ybar = eta conserved
  (Y_eq^2 = Y_eq(mu) Y_eq(-mu) exactly for MB statistics). The antiparticle equation is solved in W = ln Ybar:
  dW/dx = -(s<sigma v>/(xH)) f_g (Ybar + eta - Y_eq^2/Ybar).  For eta = 0 it is the symmetric equation for each
  of the two species (the total is then 2 Y).
* Analytic estimates: standard freeze-out (Kolb & Turner eqs. 5.43-5.45 with the c(c+2) criterion), and IDC's
  Ybar_inf = eta / (exp(eta lambda0 (a/xbar_f + 3 b/xbar_f^2)) - 1) (IDC eq. 2.21 with their 1.32 = 0.264 sqrt(8 pi)
  for the reduced Planck mass; with the non-reduced M_Pl used here the coefficient is 2 pi^2/(45 * 1.66) = 0.264).

Hall, March-Russell & West 2010, Section 4.4: the hidden sector must annihilate the symmetric part of the X density
away, leaving the asymmetry eta_X. :class:`AsymmetricFreezeOutResult` carries ``symmetric_over_eta`` =
2 Ybar_inf / eta (the symmetric abundance, X plus Xbar, over the asymmetric one) and ``symmetric_removed`` =
(symmetric_over_eta < 0.1).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import diffrax
import equinox as eqx
import jax
import jax.core  # jax.core.Tracer: pyright does not see the submodule through a plain `import jax`
import jax.numpy as jnp
import numpy as np
import optimistix as optx

import jaxgen_kernels as kernels

from . import _constants as c
from ._batching import broadcast_fields as _broadcast_params
from ._batching import check_chunk_size, chunked_vmap, per_backend
from ._checks import concrete_real
from ._cosmology import Cosmology
from ._precision import require_x64
from ._units import units_field

__all__ = [
    "GEV_M2_TO_CM3_PER_S",
    "STATUS_OK",
    "STATUS_MAX_STEPS",
    "STATUS_SOLVER_FAILED",
    "STATUS_NONFINITE",
    "STATUS_NONFINITE_RESULT",
    "FreezeOutStatus",
    "status_names",
    "FreezeOutParams",
    "FreezeOutSettings",
    "FreezeOutResult",
    "AsymmetricFreezeOutResult",
    "FreezeOutEstimate",
    "sigma_v",
    "equilibrium_yield",
    "log_equilibrium_yield",
    "solve_freezeout",
    "solve_freezeout_batch",
    "solve_asymmetric_freezeout",
    "freezeout_estimate",
    "asymmetric_freezeout_estimate",
]

#: 1 GeV^-2 in cm^3/s: (hbar c)^2 c = (1.97327e-14 cm)^2 * 2.99792e10 cm/s = 1.1674e-17 cm^3/s.
GEV_M2_TO_CM3_PER_S: float = c.HBARC_GEV_CM**2 * c.C_CM_S

STATUS_OK = 0  #: the point was integrated to x_end
STATUS_MAX_STEPS = 1  #: diffrax ran out of steps (raise ``FreezeOutSettings.max_steps``)
STATUS_SOLVER_FAILED = 2  #: any other diffrax failure (e.g. Newton divergence, step size collapse)
STATUS_NONFINITE = 3  #: the result is not finite, or an out-of-domain (traced/batched) input such as m <= 0
#: the name of the value 3 in the vocabulary; STATUS_NONFINITE stays its alias (a freeze-out code, NOT the kernel
#: ODE code jaxgen_kernels.STATUS_NONFINITE = 4: this solver maps diffrax results to 1/2 itself)
STATUS_NONFINITE_RESULT = STATUS_NONFINITE
#: The vocabulary of FreezeOutResult/AsymmetricFreezeOutResult/FreezeOutEstimate.status (single-valued codes; its
#: own enumeration, not the kernel ODE one, whose values differ). Decode with :func:`status_names`.
FreezeOutStatus = kernels.enum_vocabulary(
    "FreezeOutStatus",
    {
        "OK": (STATUS_OK, "integrated to x_end"),
        "MAX_STEPS": (STATUS_MAX_STEPS, "diffrax ran out of steps (raise FreezeOutSettings.max_steps)"),
        "SOLVER_FAILED": (STATUS_SOLVER_FAILED, "other diffrax failure (Newton divergence, step size collapse)"),
        "NONFINITE_RESULT": (
            STATUS_NONFINITE_RESULT,
            "non-finite result or out-of-domain input (e.g. m <= 0); outputs 0",
        ),
    },
    module=__name__,
)


def status_names(code) -> list[str]:
    """snake_case names of one freeze-out status code (``[]`` for ok), e.g. ``["nonfinite_result"]`` for 3."""
    return kernels.decode(FreezeOutStatus, code)


_STATISTICS = ("mb", "fermion", "boson")
_METHODS = ("auto", "rosenbrock", "adaptive")
_N_QUANTUM_TERMS = 20  # terms of the K2 series of the quantum number density; truncation < 1e-10 for x >= 1

# 2 pi^2/45 / sqrt(4 pi^3/45): s/(x H) = _LAMBDA_COEF * g_s/sqrt(g_rho) * M_Pl m / x^2
_LAMBDA_COEF: float = (2.0 * math.pi**2 / 45.0) / math.sqrt(4.0 * math.pi**3 / 45.0)


def log_equilibrium_yield(x: Any, g: Any, g_s: Any, statistics: str = "mb") -> jax.Array:
    """ln Y_eq(x) for zero chemical potential, Y_eq = 45 g nhat(x) / (2 pi^2 g_*s), without underflow at large x.

    Args:
        x: m/T (> 0; for quantum statistics x >= 1 keeps the K2 series truncation below 1e-10).
        g: internal degrees of freedom of the species. g_s: g_*s(T) of the bath.
        statistics: "mb" (Maxwell-Boltzmann, default), "fermion" or "boson" (static).
    """
    if statistics not in _STATISTICS:
        raise ValueError(f"statistics must be one of {_STATISTICS}, got {statistics!r}")
    x = jnp.asarray(x)
    k2e = kernels.k2e(x)
    out = jnp.log(45.0 * g / (4.0 * math.pi**4 * g_s)) + 2.0 * jnp.log(x) + jnp.log(k2e) - x
    if statistics != "mb":
        sign = -1.0 if statistics == "fermion" else 1.0
        ks = jnp.arange(2, _N_QUANTUM_TERMS + 1, dtype=x.dtype)
        kx = ks * x[..., None]
        terms = sign ** (ks + 1.0) / ks * kernels.k2e(kx) / k2e[..., None] * jnp.exp(-(ks - 1.0) * x[..., None])
        out = out + jnp.log1p(jnp.sum(terms, axis=-1))
    return out


def equilibrium_yield(x: Any, g: Any, g_s: Any, statistics: str = "mb") -> jax.Array:
    """Y_eq(x) = n_eq/s (see :func:`log_equilibrium_yield`)."""
    return jnp.exp(log_equilibrium_yield(x, g, g_s, statistics))


# ---------------------------------------------------------------------------------------------------------------
# Parameters, settings, results
# ---------------------------------------------------------------------------------------------------------------
def _seq_to_array(v):
    """Lists/tuples of numbers become one float array leaf (a batch); everything else passes unchanged (checked by
    FreezeOutParams.__check_init__, which names the field)."""
    if isinstance(v, (list, tuple)):
        try:
            return np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            return v
    return v


class FreezeOutParams(eqx.Module):
    """One annihilating species.

    Attributes:
        m: mass [GeV].
        a: s-wave coefficient of <sigma v> [GeV^-2].
        b: p-wave coefficient [GeV^-2]: <sigma v> = a + b <v^2> = a + 6 b/x.
        g: internal degrees of freedom (per species; for a Dirac pair, of the particle alone).
        eta: conserved asymmetry Y_X - Y_Xbar (used by :func:`solve_asymmetric_freezeout` only).
        y0_ratio: initial yield over its equilibrium value at x_start (default 1).
        statistics: "mb" (default), "fermion" or "boson" (static) for Y_eq.

    Batches: every field with the same leading shape. :meth:`broadcast` (or :meth:`batch` from scalars/lists)
    gives the fields left scalar (e.g. the defaults ``b``, ``g``, ``eta``, ``y0_ratio``) the batch shape, so that
    ``jax.vmap(solve_freezeout)(params.broadcast())`` works; a ValueError names the fields whose shapes disagree.
    """

    m: Any = units_field("GeV", converter=lambda v: _seq_to_array(v))
    a: Any = units_field("GeV^-2", converter=lambda v: _seq_to_array(v))
    b: Any = units_field("GeV^-2", converter=lambda v: _seq_to_array(v), default=0.0)
    g: Any = units_field("1", converter=lambda v: _seq_to_array(v), default=2.0)
    eta: Any = units_field("1", converter=lambda v: _seq_to_array(v), default=0.0)
    y0_ratio: Any = units_field("1", converter=lambda v: _seq_to_array(v), default=1.0)
    statistics: str = eqx.field(static=True, default="mb")

    def __check_init__(self):
        if self.statistics not in _STATISTICS:
            raise ValueError(f"FreezeOutParams.statistics must be one of {_STATISTICS}, got {self.statistics!r}")
        for name in ("m", "a", "b", "g", "eta", "y0_ratio"):
            v = getattr(self, name)
            if isinstance(v, jax.core.Tracer):
                continue
            arr = concrete_real("FreezeOutParams", name, v)
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"FreezeOutParams.{name} must be finite, got {v!r}")
            if name in ("m", "g", "y0_ratio") and np.any(arr <= 0):
                raise ValueError(f"FreezeOutParams.{name} must be > 0, got {v!r}")
            if name in ("a", "b", "eta") and np.any(arr < 0):
                raise ValueError(f"FreezeOutParams.{name} must be >= 0, got {v!r}")

    def broadcast(self) -> FreezeOutParams:
        """Every field with the common batch shape (float arrays): ``jax.vmap(solve_freezeout)(p.broadcast())``.
        ValueError naming the fields whose shapes disagree."""
        return _broadcast_params(self, "FreezeOutParams", _FO_EVENT)[0]

    @classmethod
    def batch(cls, **fields) -> FreezeOutParams:
        """A batch from scalars, lists or arrays, broadcast together: ``FreezeOutParams.batch(m=[10.0, 100.0],
        a=1e-9)`` (two points; b, g, eta, y0_ratio keep their defaults for both)."""
        return cls(**fields).broadcast()


_FO_EVENT = dict(m=0, a=0, b=0, g=0, eta=0, y0_ratio=0)


def _check_single_point(params, fn: str) -> None:
    """Entry check: the solvers take ONE point (0-d fields; under jax.vmap each call sees one point)."""
    if not isinstance(params, FreezeOutParams):
        raise TypeError(f"{fn} takes a FreezeOutParams, got {type(params).__name__}")
    bad = {f: tuple(np.shape(getattr(params, f))) for f in _FO_EVENT if np.ndim(getattr(params, f)) != 0}
    if bad:
        raise ValueError(
            f"{fn} takes ONE point (0-d fields); got {bad}. For a batch use "
            f"jax.vmap({fn})(params.broadcast()) (FreezeOutParams.broadcast/batch give every field the "
            "batch axis)"
        )


class FreezeOutSettings(eqx.Module):
    """Integration settings (all static).

    Attributes:
        x_start, x_end: integration range in x = m/T; beyond x_end the analytic tail is added (module docstring).
        rtol, atol: diffrax PID tolerances on W = ln Y (atol is therefore a relative accuracy on Y).
        max_steps: step limit per point; points that hit it get ``status = STATUS_MAX_STEPS``.
        newton_tol: tolerance of the Newton iteration inside each implicit stage.
        save_x: optional tuple of x values at which the trajectory Y(x) is returned.
        method: ``"auto"`` (default), ``"rosenbrock"`` or ``"adaptive"``.  ``"rosenbrock"``: the fixed freeze-out
            grid (:func:`_grid_solve`: Rodas4P2 on ``grid_steps`` steps from x_start to x_f + grid_margin,
            then the exact tail; <= 1e-4 relative to the adaptive solver over m = 1 GeV - 10 TeV, a, b = 1e-10 -
            1e-7 GeV^-2, every g* table (measured <= 6e-5); rtol, atol, max_steps, newton_tol are not used.
            ``"adaptive"``: the reference, diffrax Kvaerno5 with PID control to x_end (~3.5e-9 relative).
            ``"auto"``: rosenbrock for :func:`solve_freezeout` without ``save_x``, adaptive otherwise (and always for
            :func:`solve_asymmetric_freezeout`, where the fixed grid is available as ``method="rosenbrock"``
            but not validated to 1e-4 for eta > 0).
            Points the fixed grid does not resolve get ``status = STATUS_SOLVER_FAILED`` (never NaN): estimated
            x_f < 3 (never in equilibrium, e.g. feeble couplings) or x_f + grid_margin > x_end.
        grid_steps: Rosenbrock steps per point (a fifth uniform in ln x up to 0.85 x_f, the rest uniform in x).
        grid_margin: the grid ends at x_f + grid_margin (x_f from :func:`freezeout_estimate`), where
            (Y_eq/Y)^2 ~ e^-16 makes the dropped Y_eq^2 term of the tail negligible.
    """

    x_start: float = eqx.field(static=True, default=1.0)
    x_end: float = eqx.field(static=True, default=1000.0)
    rtol: float = eqx.field(static=True, default=1e-10)
    atol: float = eqx.field(static=True, default=3e-10)
    max_steps: int = eqx.field(static=True, default=2048)
    newton_tol: float = eqx.field(static=True, default=1e-5)
    save_x: tuple | None = eqx.field(static=True, default=None)
    method: str = eqx.field(static=True, default="auto", metadata={"units": "1"})
    grid_steps: int = eqx.field(static=True, default=20, metadata={"units": "1"})
    grid_margin: float = eqx.field(static=True, default=6.0, metadata={"units": "1"})

    def __check_init__(self):
        if self.method not in _METHODS:
            raise ValueError(f"FreezeOutSettings.method must be one of {_METHODS}, got {self.method!r}")
        if self.method == "rosenbrock" and self.save_x is not None:
            raise ValueError(
                "save_x needs the dense output of method='adaptive' (or 'auto'); the Rosenbrock grid "
                "ends shortly after freeze-out"
            )
        if not (isinstance(self.grid_steps, (int, np.integer)) and self.grid_steps >= 8):
            raise ValueError(f"FreezeOutSettings.grid_steps must be an int >= 8, got {self.grid_steps!r}")
        if not self.grid_margin >= 4.0:
            raise ValueError(
                f"FreezeOutSettings.grid_margin must be >= 4 (Y_eq must be negligible where the grid "
                f"ends), got {self.grid_margin!r}"
            )
        if not (0.0 < self.x_start < self.x_end):
            raise ValueError(f"need 0 < x_start < x_end, got x_start={self.x_start}, x_end={self.x_end}")
        if self.x_end < 50.0:
            raise ValueError(
                f"x_end={self.x_end} is too small for the analytic tail (Y_eq must be negligible); "
                "use x_end >= 50 (default 1000)"
            )
        if self.rtol <= 0 or self.atol <= 0:
            raise ValueError("rtol and atol must be > 0")
        if self.save_x is not None:
            xs = tuple(float(v) for v in self.save_x)
            if any(not (self.x_start <= v <= self.x_end) for v in xs) or list(xs) != sorted(xs):
                raise ValueError("save_x must be increasing and inside [x_start, x_end]")


class FreezeOutResult(eqx.Module):
    """Result of :func:`solve_freezeout` (for one point; batched under vmap).

    Attributes:
        y_inf: relic yield Y = n/s at x -> infinity (per species).
        omega_h2: m Y_inf s0 / (rho_c/h^2) (per species; double it for a particle-antiparticle pair).
        y_end: Y at x_end (before the analytic tail).
        num_steps: accepted+rejected diffrax steps.
        status: 0 ok, 1 max_steps, 2 solver failure, 3 non-finite result.
        ys: Y at ``settings.save_x`` (or None).
    """

    y_inf: jax.Array = units_field("1")
    omega_h2: jax.Array = units_field("1")
    y_end: jax.Array = units_field("1")
    num_steps: jax.Array = units_field("1")
    status: jax.Array = units_field("1")
    ys: jax.Array | None = units_field("1", default=None)


class AsymmetricFreezeOutResult(eqx.Module):
    """Result of :func:`solve_asymmetric_freezeout`.

    Attributes:
        ybar_inf: relic yield of the minority species Xbar. y_inf: of the majority species X (= eta + ybar_inf).
        omega_h2: m (Y + Ybar) s0/(rho_c/h^2), the total X + Xbar density.
        symmetric_over_eta: 2 Ybar_inf / eta, the symmetric remnant over the asymmetric abundance.
        symmetric_removed: symmetric_over_eta < 0.1 (Hall et al. 2010, Section 4.4).
        num_steps, status: as in :class:`FreezeOutResult`. ybars: Ybar at ``settings.save_x`` (or None).
    """

    ybar_inf: jax.Array = units_field("1")
    y_inf: jax.Array = units_field("1")
    omega_h2: jax.Array = units_field("1")
    symmetric_over_eta: jax.Array = units_field("1")
    symmetric_removed: jax.Array = units_field("1")
    num_steps: jax.Array = units_field("1")
    status: jax.Array = units_field("1")
    ybars: jax.Array | None = units_field("1", default=None)


class FreezeOutEstimate(eqx.Module):
    """Analytic freeze-out estimate: x_f, Y_inf (per species) and omega_h2 (per species); status 0 ok, or
    STATUS_NONFINITE for an out-of-domain (traced/batched) input or a non-finite result, whose outputs are 0."""

    x_f: jax.Array = units_field("1")
    y_inf: jax.Array = units_field("1")
    omega_h2: jax.Array = units_field("1")
    status: Any = units_field("1", default=None)


# ---------------------------------------------------------------------------------------------------------------
# Right-hand sides
# ---------------------------------------------------------------------------------------------------------------
def sigma_v(params: FreezeOutParams, x: Any) -> jax.Array:
    """<sigma v>(x) = a + 6 b / x  [GeV^-2] (Kolb & Turner eq. 5.46 convention, <v^2> = 6/x)."""
    return params.a + 6.0 * params.b / x


def _rate_and_lnyeq(x, params: FreezeOutParams, cosmology):
    """A(x) = s <sigma v> (1 + dln g_s/3 dln T)/(x H) and ln Y_eq(x)."""
    t = params.m / x
    g_s = cosmology.g_s(t)
    factor = 1.0 + cosmology.dlng_s_dlnT(t) / 3.0
    rate = cosmology.entropy_density(t) * sigma_v(params, x) * factor / (x * cosmology.hubble(t))
    return rate, log_equilibrium_yield(x, params.g, g_s, params.statistics)


def _lnyeq_and_slope(x, params: FreezeOutParams, cosmology):
    """ln Y_eq(x) and d ln Y_eq/dx (forward-mode derivative, includes the g_*s(T(x)) dependence)."""

    def f(xx):
        return log_equilibrium_yield(xx, params.g, cosmology.g_s(params.m / xx), params.statistics)

    return jax.jvp(f, (x,), (jnp.ones_like(x),))


# One solve in v = ln(Y/Y_ref) with the reference Y_ref(x) = Y_eq(x) + c, c the estimated relic yield: while the
# species tracks equilibrium v = ln(Y/Y_eq) = u, whose stiff root stays near 0; after freeze-out v = ln(Y/c), i.e.
# ln Y up to a constant.  (A solve in W = ln Y suffers order reduction of the implicit method while W tracks the
# moving root ln Y_eq(x): thousands of rejected steps per point.)  The variable change is smooth and its forcing
# d ln Y_ref/dx = weight * d ln Y_eq/dx is bounded by |d ln Y_eq/dx| ~ 1, so one diffeqsolve does both regimes:
# half the compiled code of two solves (u, then ln Y), with ~10% more steps.
def _exp(z):
    return jnp.exp(jnp.minimum(z, 600.0))


def _log_reference(lnyeq, lnc):
    """ln Y_ref = logaddexp(ln Y_eq, ln c) - ln Y_eq = softplus(ln c - ln Y_eq) >= 0 (no cancellation)."""
    return jnp.logaddexp(0.0, lnc - lnyeq)


def _rhs_v(x, v, args):
    params, cosmology, lnc = args
    rate, _ = _rate_and_lnyeq(x, params, cosmology)
    lnyeq, slope = _lnyeq_and_slope(x, params, cosmology)
    # u = ln(Y/Y_eq) = v + ln(Y_ref/Y_eq); the weight of Y_eq in Y_ref gives d ln Y_ref/dx = weight * slope
    r = _log_reference(lnyeq, lnc)
    u = v + r
    weight = jnp.exp(-r)
    # Y_eq (e^u - e^-u) = Y - Y_eq^2/Y.  Near equilibrium (|u| < 1) Y_eq 2 sinh(u) avoids the cancellation (rounding
    # noise there stalls the Newton iteration); far from it each term is bounded (Y_eq^2/Ybar <= eta for Ybar >=
    # Ybar_eq).  Exponents are capped so that a diverging Newton iterate gives a large finite value, never inf/NaN.
    small = jnp.abs(u) < 1.0
    us = jnp.where(small, u, 0.0)
    ul = jnp.where(small, 1.0, u)
    drive = jnp.where(small, 2.0 * jnp.exp(lnyeq) * jnp.sinh(us), _exp(lnyeq + ul) - _exp(lnyeq - ul))
    return -rate * (drive + params.eta) - weight * slope


def _frozen_relaxation(ybar0, params, cosmology, x0, dx):
    """Exact solution of dYbar/dx = -A (Ybar^2 + eta Ybar - Y_eq^2) over [x0, x0 + dx] with A, Y_eq frozen at x0.

    With roots p = sqrt(Y_eq^2 + eta^2/4) - eta/2 and q = -p - eta: (Ybar - p)/(Ybar - q) decays as
    exp(-A (p - q) dx). Used for the first 1e-4 x_start so that an initial condition far from equilibrium
    (Y0/Y_eq = 1e-6 ... 1e6) in a strongly coupled point does not start with a nonlinear transient stiffer than
    1/dx; the frozen-coefficient error is O(A Y_eq dx^2), below 1e-8 where it is not erased by re-equilibration.
    """
    rate, lnyeq = _rate_and_lnyeq(x0, params, cosmology)
    yeq = jnp.exp(lnyeq)
    half = 0.5 * params.eta
    p = yeq**2 / (jnp.sqrt(yeq**2 + half**2) + half)
    q = -p - params.eta
    rho = (ybar0 - p) / (ybar0 - q) * jnp.exp(-rate * (p - q) * dx)
    return (p - q * rho) / (1.0 - rho), p


def _lambda0(params: FreezeOutParams, cosmology, x):
    """lambda0 with int lambda/x^2 = lambda0 int (a + 6b/x)/x^2: s/(x H) = lambda0/x^2 at T = m/x."""
    t = params.m / x
    return x * x * cosmology.entropy_density(t) / (x * cosmology.hubble(t))


def _status(result, value):
    st = jnp.where(
        result == diffrax.RESULTS.successful._value,
        STATUS_OK,
        jnp.where(result == diffrax.RESULTS.max_steps_reached._value, STATUS_MAX_STEPS, STATUS_SOLVER_FAILED),
    )
    return jnp.where((st == STATUS_OK) & ~jnp.isfinite(value), STATUS_NONFINITE, st).astype(jnp.int32)


def _log_frozen_scale(params, cosmology):
    """ln c of the reference Y_ref = Y_eq + c: c = Y_inf of :func:`freezeout_estimate`, clipped to <= 1 (no
    gradient; any c gives the same solution, c only decides where the variable moves from ln(Y/Y_eq) to ln Y)."""
    est = freezeout_estimate(params, cosmology)
    return jax.lax.stop_gradient(jnp.minimum(jnp.log(est.y_inf), 0.0))


def _integrate(ybar0, params, cosmology, settings: FreezeOutSettings):
    """Frozen relaxation, then one solve in v = ln(Y/Y_ref), Y_ref = Y_eq + c, on [x_start', x_end] (see _rhs_v).

    Returns (ln Y(x_end), steps, diffrax result code, Y at save_x or None)."""
    x0 = jnp.asarray(settings.x_start, ybar0.dtype)
    dx = 1e-4 * settings.x_start
    y1, p1 = _frozen_relaxation(ybar0, params, cosmology, x0, dx)
    dense = settings.save_x is not None
    ctrl = diffrax.PIDController(rtol=settings.rtol, atol=settings.atol)
    # Newton (not the default chord iteration) with a loose root tolerance: quadratic convergence makes the final
    # iterate far more accurate than its last step. The default VeryChord at the controller's tolerance rejected
    # most steps of the stiff equilibrium-tracking phase.
    # scan_kind="lax" and ForwardMode: plain while loops (no checkpointed loops to compile); gradients come from
    # forward sensitivities (:func:`_integrate_with_sensitivities`), never from reverse mode through the solver.
    solver = diffrax.Kvaerno5(
        root_finder=optx.Newton(rtol=settings.newton_tol, atol=settings.newton_tol), scan_kind="lax"
    )
    adjoint = diffrax.ForwardMode()
    lnc = _log_frozen_scale(params, cosmology)
    args = (params, cosmology, lnc)
    lnyeq1, _ = _lnyeq_and_slope(x0 + dx, params, cosmology)
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(_rhs_v),
        solver,
        t0=settings.x_start + dx,
        t1=settings.x_end,
        dt0=1e-3 * settings.x_start,
        y0=jnp.log(y1) - jnp.logaddexp(lnyeq1, lnc),
        args=args,
        saveat=diffrax.SaveAt(t1=True, dense=dense),
        stepsize_controller=ctrl,
        max_steps=settings.max_steps,
        throw=False,
        adjoint=adjoint,
    )
    steps = sol.stats["num_steps"]
    assert sol.ys is not None  # diffrax saves t1 by default
    traj = None
    if dense:
        xs = jnp.asarray(settings.save_x, dtype=y1.dtype)
        lnyeq_xs, _ = jax.vmap(lambda xx: _lnyeq_and_slope(xx, params, cosmology))(xs)
        xc = jnp.maximum(xs, x0 + dx)
        traj = jnp.exp(jax.vmap(sol.evaluate)(xc) + jnp.logaddexp(lnyeq_xs, lnc))
        traj = jnp.where(xs < x0 + dx, ybar0, traj)
    lnyeq_end, _ = _lnyeq_and_slope(jnp.asarray(settings.x_end, y1.dtype), params, cosmology)
    return sol.ys[-1] + jnp.logaddexp(lnyeq_end, lnc), steps, sol.result._value, traj


def _zero_cotangent(tree):
    def z(leaf):
        leaf = jnp.asarray(leaf)
        if jnp.issubdtype(leaf.dtype, jnp.inexact):
            return jnp.zeros_like(leaf)
        return np.zeros(leaf.shape, dtype=jax.dtypes.float0)

    return jax.tree_util.tree_map(z, tree)


def _integrate_with_sensitivities(ybar0_fn, params, cosmology, settings: FreezeOutSettings):
    """:func:`_integrate` from ybar0 = ybar0_fn(params, cosmology), differentiable in ``params`` by forward
    sensitivities: the custom VJP runs the solve once under ``jax.jacfwd`` with respect to the six scalar parameters
    (all tangents share one set of steps and Newton solves) and contracts with the cotangent. Reverse mode through
    the adaptive solver (checkpointed while loops) measured 5x the forward cost and 3x its compile time; this is
    ~2x and compiles once. Gradients with respect to the cosmology are not propagated (zero cotangent)."""

    def primal(q, cosmo):
        w_end, steps, result, traj = _integrate(ybar0_fn(q, cosmo), q, cosmo, settings)
        return (w_end, traj), (steps, result)

    @jax.custom_vjp
    def run(q, cosmo):
        return primal(q, cosmo)

    def fwd(q, cosmo):
        jac, (out, aux) = jax.jacfwd(lambda qq: _with_value(primal, qq, cosmo), has_aux=True)(q)
        return (out, aux), (jac, cosmo)

    def bwd(res, ct):
        jac, cosmo = res
        (ct_w, ct_traj), _ = ct
        jw, jtraj = jac

        # jacfwd gives d out / d leaf with shape out.shape + leaf.shape: contract over the output axes
        def dot(ct_out, j):
            return jnp.tensordot(ct_out, j, axes=jnp.ndim(ct_out))

        if ct_traj is None:
            g = jax.tree_util.tree_map(lambda jl: dot(ct_w, jl), jw)
        else:
            g = jax.tree_util.tree_map(lambda jl, jt: dot(ct_w, jl) + dot(ct_traj, jt), jw, jtraj)
        return g, _zero_cotangent(cosmo)

    run.defvjp(fwd, bwd)
    (w_end, traj), (steps, result) = run(params, cosmology)
    return w_end, steps, result, traj


def _with_value(primal, q, cosmo):
    (w_end, traj), aux = primal(q, cosmo)
    return (w_end, traj), ((w_end, traj), aux)


#: intervals of the cumulative tail table in ln T (Rosenbrock path), see :func:`_tail_table`
_TAIL_TABLE_INTERVALS = 2048
#: the table extends to T = 1e8 GeV if the g* table ends lower (g* constant above: the integrand is ~T, exact form)
_TAIL_TABLE_TOP = 1e8


def _tail_table(cosmology):
    """Cumulative integrals K0(u) = int_{ln T_min}^u G du', K1(u) = int G e^u' du', G = s f/H (f = 1 + dln g_s/3dlnT)
    on a uniform grid in u = ln T from the table's lowest temperature up, with G and G e^u at the nodes.

    Why: the tail integrand is A x = G(T) (a + 6 b T/m) in d ln T, so int_{x}^inf A dx = a K0 + (6b/m) K1 + the
    frozen remainder below T_min, for every point; the table depends on the cosmology only, so under
    ``jax.vmap(solve_freezeout, (0, None))`` it is computed once per batch (4097 evaluations of G), and each point
    needs two cubic Hermite interpolations instead of a 128-node quadrature.  Simpson per interval (h = 0.0125 in
    ln T for the Saikawa-Shirai range) and Hermite interpolation with the exact slopes: errors ~h^4, measured below
    2e-6 of the integral (Saikawa-Shirai, m = 316 GeV: the QCD structure; 1e-8 for smoother tables) against a
    2e5-panel trapezoid rule in ln T."""
    if not cosmology.extra:  # the Standard Model table alone: NumPy, once per table (nothing to compile)
        u0, h, *arrs = _tail_table_np(cosmology.table)
        return (u0, h, *(jnp.asarray(v) for v in arrs))
    u0, h, u = _tail_table_grid(cosmology.table)
    t = jnp.exp(jnp.asarray(u))
    g0 = cosmology.entropy_density(t) * (1.0 + cosmology.dlng_s_dlnT(t) / 3.0) / cosmology.hubble(t)
    return _tail_cumulative(jnp, u0, h, g0, t)


def _tail_table_grid(table: str):
    from ._cosmology import table_range

    t_lo, t_hi = table_range(table)
    u0, u1 = math.log(t_lo), math.log(max(t_hi, _TAIL_TABLE_TOP))
    n = _TAIL_TABLE_INTERVALS
    return u0, (u1 - u0) / n, np.linspace(u0, u1, 2 * n + 1)


def _tail_cumulative(xp, u0, h, g0, t):
    g1 = g0 * t

    def cumulative(g):
        pieces = h / 6.0 * (g[0:-1:2] + 4.0 * g[1::2] + g[2::2])
        return xp.concatenate([xp.zeros((1,), g.dtype), xp.cumsum(pieces)])

    return (u0, h, cumulative(g0), cumulative(g1), g0[::2], g1[::2])


@functools.cache
def _tail_table_np(table: str):
    """:func:`_tail_table` of a Standard Model table in NumPy (G = s f/H = T e^L, L of :func:`_bath_values`)."""
    u0, h, u = _tail_table_grid(table)
    lsh = _bath_values(table, u)[0][:, 0]
    out = _tail_cumulative(np, u0, h, np.exp(lsh + u), np.exp(u))
    for arr in out[2:]:
        arr.setflags(write=False)
    return out


def _tail(params: FreezeOutParams, cosmology, x):
    """I = int_x^inf A dx (both integration methods): :func:`_tail_from_table` with the cosmology's table."""
    table = None if cosmology.table == "constant" else _tail_table(cosmology)
    return _tail_from_table(params, cosmology, x, table)


def _hermite(table_k, table_g, u0, h, u):
    n = table_k.shape[0] - 1
    z = (u - u0) / h
    i = jnp.clip(jnp.floor(z), 0, n - 1).astype(jnp.int32)
    s = z - i
    h00, h10, h01, h11 = (2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2)
    return h00 * table_k[i] + h10 * h * table_g[i] + h01 * table_k[i + 1] + h11 * h * table_g[i + 1]


def _tail_from_table(params: FreezeOutParams, cosmology, x, table):
    """int_x^inf A dx from :func:`_tail_table` (x traced); the exact frozen form lambda0 (a/x + 3 b/x^2) for
    ``table="constant"``."""
    a, b, m = params.a, params.b, params.m
    if cosmology.table == "constant":
        return _lambda0(params, cosmology, x) * (a / x + 3.0 * b / x**2)
    u0, h, k0, k1, g0, g1 = table
    u = jnp.clip(jnp.log(m) - jnp.log(x), u0, u0 + h * (k0.shape[0] - 1))
    upper = a * _hermite(k0, g0, u0, h, u) + (6.0 * b / m) * _hermite(k1, g1, u0, h, u)
    x_low = jnp.maximum(x, m / math.exp(u0))
    return upper + _lambda0(params, cosmology, x_low) * (a / x_low + 3.0 * b / x_low**2)


# ---------------------------------------------------------------------------------------------------------------
# Fixed-grid Rosenbrock integration (method="rosenbrock", the default of solve_freezeout)
# ---------------------------------------------------------------------------------------------------------------
# Structure: the equation for v = ln(Y/Y_ref) (see _rhs_v), written in s = ln x, is a scalar Riccati equation whose
# s-dependence sits entirely in y-independent coefficients,
#
#     dv/ds = -(e^(ln alpha + v) - e^(ln beta - v) + delta) - omega,   alpha = x A Y_ref, beta = x A Y_eq^2/Y_ref,
#     delta = x A eta, omega = d ln Y_ref/ds = sigma q,   q = d ln Y_eq/ds,  sigma = Y_eq/Y_ref,
#
# and the coefficients factor into a per-point part and a per-cosmology part of T = m/x only:
#
#     ln(x A) = ln <sigma v>(x) + ln T + L(ln T),   L = ln(s f/(H T)),  f = 1 + dln g_s/3 dln T,
#     ln Y_eq = ln(45 g/(4 pi^4)) - ln g_s(T) + 2 s + ln(e^x K2(x)) - x   (MB),
#     q = 2 - x + d ln(e^x K2)/ds + dln g_s/dln T.
#
# Cost (what made the previous version slow: ~90% of the time in g* spline lookups, each a knot search plus seven
# gathers, and three further lookups per stage for the f_t derivative):
# * (L, ln g_s, dln g_s/dln T) are tabulated once per g* table (NumPy, at first use) on a uniform grid in ln T
#   (cells of 0.01, cubic Hermite per cell from the exact spline values and slopes, one 12-wide row per cell): one
#   index computation and one gather per evaluation; L and g_s are constant outside the table (as the Cosmology).
#   ``table="constant"`` needs no table; a Cosmology with ``extra`` species is evaluated directly (slow path).
# * ln(e^x K2(x)) = ln sqrt(pi/2x) + P(2/x - 1), P a degree-14 polynomial (Chebyshev fit on x >= 1, max error
#   3e-10) instead of the series/Chebyshev pair of jaxgen_kernels.k2e; x_start < 1 uses the kernel.
# * Coefficients and their s-derivatives (analytic) are evaluated at the grid nodes only (one evaluation per step,
#   carried in the scan); the interior stage abscissae of Rodas4P2 (c = 0.75, 0.32, 0.52) use the cubic Hermite
#   interpolant of (ln alpha, ln beta, delta, omega) over the step (error ~ h^4 |d^4/ds^4| / 384: ~1e-7 of ln alpha
#   with h ~ 0.03 in s near freeze-out; in the early ln x steps the error of a quasi-steady v ~ -omega/(2 alpha) is
#   forgotten).  A stage is then two exps (the Jacobian -(alpha e^v + beta e^-v) and the f_t term come with the
#   first stage); the linear solve is one reciprocal per step.
# * The x_f estimate: 5 Newton steps on x = ln(c(c+2) A Y_eq e^x) (c = 1/2, the K&T criterion with the same
#   tabulated coefficients; the slope comes with the node's s-derivatives; until 2026-12-02 8 fixed-point
#   iterations, contraction ~1/x_f each) instead of 30 g_rho spline lookups; tangents through the last step only
#   (implicit-function derivative, :func:`_grid_estimate`).
#
# Grid (per point, from that x_f): a fifth of ``grid_steps`` uniform in ln x from x_start to x_a = 0.85 x_f
# (tracking: smooth in ln x), the rest uniform in x from x_a to x_h = x_f + grid_margin (departure from equilibrium
# and approach to Y_inf on a scale Delta x ~ 1-3 whatever x_f).  Accuracy against the adaptive solver (72 points
# per table: m = 1 GeV - 10 TeV, 9 masses, a or b = 1e-10 - 1e-7 GeV^-2, s- and p-wave), worst of s/p, measured
# 2026-12-02: 20 steps, margin 6 (the default): drees_hajkarim_schmitz 9e-6, saikawa_shirai 5.6e-5; 18 steps 8.9e-5;
# 16 steps (x_a = 0.6 x_f, margin 8) 1.2e-3; margin 5: 7e-5 on every table (the dropped Y_eq^2 term of the tail).
# The Saikawa-Shirai figure was the *reference's* error: at m = 316 GeV, a = 1e-7 the adaptive solver's tail
# quadrature from x_end (16 x 8 Gauss-Legendre nodes in ln T across the table's QCD kinks) was 5.4e-5 high, while the
# fixed grid agreed with an independent scipy Radau solution (tests/jaxgen/test_freezeout_reference.py) to 2e-8.
# With the adaptive path's tail read from the same cumulative table (:func:`_tail`, 2e-6 of the tail), the same 72
# points give, s / p wave: saikawa_shirai 1.5e-5 / 4.9e-5, drees_hajkarim_schmitz 9.3e-6 / 9.3e-6, gondolo_gelmini
# 8.6e-6 / 1.6e-5, constant 3.5e-6 / 4.8e-6 (worst at m ~ 3 GeV, p-wave); one feeble point per table (x_f < 3) is
# flagged by the grid and not compared.
# Beyond x_h: 1/Y_inf = 1/Y(x_h) + int_{x_h}^inf A dx from :func:`_tail_table`, exact up to the dropped Y_eq^2 term.
# Gradients: forward sensitivities under a custom VJP (:func:`_grid_with_sensitivities`: jax.jacfwd over the
# point's differentiated scalar parameters through the scan, the grid and the x_f estimate, contracted with the
# cotangent), so jax.grad is the derivative of the computed Y_inf (to the ~1e-12 residual of the x_f Newton
# iteration; central differences agree to 1e-6 in the tests).  Measured 2026-12-02 (process CPU time, N = 4096, 2
# shared cores under load 6-9, bench_freezeout's grad of sum ln Y_inf in (m, a), constant g*), same run: gradient /
# forward 10.3 -> 5.5 (the forward pass unchanged, 9-11 ms CPU); what did not pay: plain reverse mode through the
# scan (no custom VJP) 13-15x the forward and 11-24 s of compile; the node coefficients evaluated for all nodes at
# once outside the step loop (so that the loop is pure Rodas arithmetic) 2.4x slower forward at N = 1e5 (the
# (N, 21) coefficient arrays leave the cache); jax.linearize instead of jacfwd (stores the residuals) 2x slower;
# unrolling the scan: slower and 3-4x the compile.  What remains: each jvp tangent through the Rodas stages costs
# ~1.6x the primal stage arithmetic, and jacfwd's vmap over the tangent basis another ~1.4x (two jvps in the body
# of one scan: 35 vs 49 ms for the scan alone), so two directions cost ~4x the scan; <= 2x needs a hand-written
# adjoint of the stage equations (a few multiply-adds per stage with the stage exps stored).
_ROSENBROCK_TABLEAU = "rodas4p2"
_EARLY_FRACTION = 0.2
_EARLY_END = 0.85
_MIN_XF = 3.0
_XF_ITERATIONS = 5
#: stop gradients through the grid placement (x_f, ln c): 2x cheaper gradients, but not the exact derivative
#: of the computed Y_inf (off by the derivative of the discretisation error); off by default
_FROZEN_GRID = False
#: cell width in ln T of the per-table coefficient table (:func:`_bath_table`)
_BATH_CELL = 0.01
#: degree of the polynomial of ln(sqrt(2x/pi) e^x K2(x)) in t = 2/x - 1 (x >= 1)
_K2_DEGREE = 14
_LN_YEQ_CONST = math.log(45.0 / (4.0 * math.pi**4))
_LN_SH_CONST = math.log((2.0 * math.pi**2 / 45.0) * c.M_PLANCK / math.sqrt(4.0 * math.pi**3 / 45.0))


@functools.cache
def _k2_polynomial() -> tuple[float, ...]:
    """Monomial coefficients (ascending) in t = 2/x - 1 of ln(sqrt(2x/pi) e^x K2(x)) on x >= 1 (t in (-1, 1]): a
    Chebyshev least-squares fit at 200 Chebyshev nodes (scipy.special.kve), converted to monomials (|coef| < 0.75,
    no cancellation); max error 2.8e-10 (tests/jaxgen/test_freezeout.py::test_grid_k2_polynomial)."""
    from scipy.special import kve

    n = 200
    t = np.cos(np.pi * (np.arange(n) + 0.5) / n)
    x = 2.0 / (t + 1.0)
    f = np.log(np.sqrt(2.0 * x / np.pi) * kve(2, x))
    cheb = np.polynomial.chebyshev.chebfit(t, f, _K2_DEGREE)
    return tuple(float(v) for v in np.polynomial.chebyshev.cheb2poly(cheb))


def _ln_k2e_and_derivatives(x, s):
    """ln(e^x K2(x)) and its first two derivatives in s = ln x, for x >= 1 (:func:`_k2_polynomial`)."""
    coef = _k2_polynomial()
    t = 2.0 / x - 1.0
    p, dp, ddp = coef[-1] + 0.0 * t, jnp.zeros_like(t), jnp.zeros_like(t)
    for ck in coef[-2::-1]:
        ddp = ddp * t + 2.0 * dp
        dp = dp * t + p
        p = p * t + ck
    dt = -(t + 1.0)  # dt/ds = -2/x
    val = p + 0.5 * math.log(math.pi / 2.0) - 0.5 * s
    return val, dp * dt - 0.5, ddp * dt * dt - dp * dt


def _np_spline(table: str, which: int, u: np.ndarray):
    """NumPy value, first and second u-derivative of the Cosmology's clamped spline (as _cosmology._spline_eval;
    constant continuation outside the table)."""
    from ._cosmology import _spline

    knots, *coefs = _spline(table)
    cf = coefs[which - 1]
    uc = np.clip(u, knots[0], knots[-1])
    i = np.clip(np.searchsorted(knots, uc, side="right") - 1, 0, len(knots) - 2)
    t = uc - knots[i]
    a, b, c2, d = cf[i, 0], cf[i, 1], cf[i, 2], cf[i, 3]
    inside = (u > knots[0]) & (u < knots[-1])
    return (
        a + t * (b + t * (c2 + t * d)),
        np.where(inside, b + t * (2.0 * c2 + 3.0 * t * d), 0.0),
        np.where(inside, 2.0 * c2 + 6.0 * t * d, 0.0),
    )


def _bath_values(table: str, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L, ln g_s, dln g_s/dln T) at u = ln T (columns) and their u-derivatives, NumPy, from the Cosmology's spline."""
    gs, gs1, gs2 = _np_spline(table, 1, u)
    gr, gr1, _ = _np_spline(table, 2, u)
    dl = gs1 / gs
    dl1 = gs2 / gs - dl**2
    f = 1.0 + dl / 3.0
    vals = np.stack([_LN_SH_CONST + np.log(gs * f) - 0.5 * np.log(gr), np.log(gs), dl], 1)
    ders = np.stack([dl + dl1 / (3.0 * f) - 0.5 * gr1 / gr, dl, dl1], 1)
    return vals, ders


@functools.cache
def _bath_table(table: str) -> tuple[float, float, int, np.ndarray]:
    """(u0, h, n, rows): cubic coefficients per cell of (L, ln g_s, dln g_s/dln T) in u = ln T over the table range.

    L = ln(s f/(H T)) = ln((2 pi^2/45) M_Pl/sqrt(4 pi^3/45)) + ln g_s + ln f - ln(g_rho)/2; cell k covers
    [u0 + k h, u0 + (k+1) h] and holds (p0, h p0', 3(p1-p0) - 2h p0' - h p1', 2(p0-p1) + h p0' + h p1') for each of
    the three quantities (cubic Hermite from the exact spline values and u-slopes at the cell ends; ~h^4 error where
    the spline is smooth, ~h^3 x the jump of its third derivative in the cells that hold a knot)."""
    from ._cosmology import table_range

    t_lo, t_hi = table_range(table)
    u0, u1 = math.log(t_lo), math.log(t_hi)
    n = int(math.ceil((u1 - u0) / _BATH_CELL))
    h = (u1 - u0) / n
    vals, ders = _bath_values(table, u0 + h * np.arange(n + 1))
    ders = ders * h
    p0, p1, d0, d1 = vals[:-1], vals[1:], ders[:-1], ders[1:]
    rows = np.stack([p0, d0, 3.0 * (p1 - p0) - 2.0 * d0 - d1, 2.0 * (p0 - p1) + d0 + d1], 1).reshape(n, 12)
    rows.setflags(write=False)
    return u0, h, n, rows


def _bath(u, cosmology):
    """(L, ln g_s, d, L_u, d_u) at u = ln T: d = dln g_s/dln T (= d ln g_s/du), _u = d/du (see _bath_table)."""
    if cosmology.extra:  # extra species: direct evaluation (their masses are parameters)

        def fn(uu):
            t = jnp.exp(uu)
            d = cosmology.dlng_s_dlnT(t)
            lsh = jnp.log(cosmology.entropy_density(t) * (1.0 + d / 3.0) / (cosmology.hubble(t) * t))
            return lsh, jnp.log(cosmology.g_s(t)), d

        (lsh, lgs, d), (lsh_u, _, d_u) = jax.jvp(fn, (u,), (jnp.ones_like(u),))
        return lsh, lgs, d, lsh_u, d_u
    if cosmology.table == "constant":
        g = jnp.asarray(cosmology.g_constant, u.dtype)
        zero = jnp.zeros_like(u)
        return _LN_SH_CONST + 0.5 * jnp.log(g) + zero, jnp.log(g) + zero, zero, zero, zero
    u0, h, n, rows = _bath_table(cosmology.table)
    z = jnp.clip((u - u0) * (1.0 / h), 0.0, float(n))
    i = jnp.minimum(jnp.floor(z).astype(jnp.int32), n - 1)
    w = z - i
    row = jnp.asarray(rows, u.dtype)[i]
    k = [row[..., j:12:3] for j in range(3)]  # (p0, d0, c2, c3) of each quantity
    vals = [q[..., 0] + w * (q[..., 1] + w * (q[..., 2] + w * q[..., 3])) for q in k]
    inside = (z > 0.0) & (z < n)
    slope = [
        jnp.where(inside, (q[..., 1] + w * (2.0 * q[..., 2] + 3.0 * w * q[..., 3])) / h, 0.0) for q in (k[0], k[2])
    ]
    return vals[0], vals[1], vals[2], slope[0], slope[1]


def _grid_node(s, p, cosmology, settings: FreezeOutSettings, lnc, asym: bool = False):
    """Coefficients of the v equation at s = ln x and their s-derivatives (module comment above).

    Returns ((ln alpha, ln beta, omega[, delta]), (their d/ds), (ln(x A), ln Y_eq, ln Y_ref)) for the point p;
    delta = x A eta only for ``asym`` (static: the symmetric solver carries no eta term); the last tuple also holds
    d ln(x A)/ds and d ln Y_eq/ds (for the Newton iteration of :func:`_grid_estimate`; unused values cost nothing
    after XLA's dead-code elimination)."""
    x = jnp.exp(s)
    lnm = jnp.log(p.m)
    lsh, lgs, d, lsh_u, d_u = _bath(lnm - s, cosmology)
    sv = sigma_v(p, x)
    annihilates = sv > 0
    lsv = jnp.where(annihilates, jnp.log(jnp.where(annihilates, sv, 1.0)), -1e3)  # a = b = 0: rate e^-1000 = 0
    dlsv = jnp.where(annihilates, -6.0 * p.b / (x * jnp.where(annihilates, sv, 1.0)), 0.0)
    la = lsv + lsh + lnm - s
    dla = dlsv - lsh_u - 1.0
    if settings.x_start >= 1.0 and p.statistics == "mb":
        lk, dlk, ddlk = _ln_k2e_and_derivatives(x, s)
    else:  # quantum statistics or x < 1: the exact kernels (slow path), derivatives by nested jvp

        def lk_fn(ss):
            xx = jnp.exp(ss)
            return log_equilibrium_yield(xx, 1.0, 1.0, p.statistics) - _LN_YEQ_CONST - 2.0 * ss + xx

        def dlk_fn(ss):
            return jax.jvp(lk_fn, (ss,), (jnp.ones_like(ss),))

        (lk, dlk), (_, ddlk) = jax.jvp(dlk_fn, (s,), (jnp.ones_like(s),))
    lnyeq = _LN_YEQ_CONST + jnp.log(p.g) - lgs + 2.0 * s + lk - x
    q = d + 2.0 + dlk - x
    dq = -d_u + ddlk - x
    # ln Y_ref = logaddexp(ln Y_eq, ln c), sigma = Y_eq/Y_ref (one exp, one log1p, one division)
    diff = lnyeq - lnc
    e = jnp.exp(-jnp.abs(diff))
    lnyref = jnp.maximum(lnyeq, lnc) + jnp.log1p(e)
    sigma = jnp.where(diff > 0, 1.0, e) / (1.0 + e)
    omega = sigma * q
    domega = sigma * (1.0 - sigma) * q * q + sigma * dq
    vals = (la + lnyref, la + 2.0 * lnyeq - lnyref, omega)
    ders = (dla + omega, dla + 2.0 * q - omega, domega)
    if asym:
        delta = p.eta * jnp.exp(la)
        vals, ders = vals + (delta,), ders + (delta * dla,)
    return vals, ders, (la, lnyeq, lnyref, dla, q)


def _grid_estimate(p, cosmology, settings: FreezeOutSettings):
    """x_f, the root of g(x) = x - F(x), F(x) = ln(c(c+2) A Y_eq e^x), c = 1/2 (Kolb & Turner's criterion with the
    tabulated coefficients), clipped at 1, and ln c of the reference Y_ref = Y_eq + c: 1/c = int_{x_f}^inf A dx with
    g_* frozen at T_f, i.e. x_f A(x_f) (a + 3b/x_f)/(a + 6b/x_f).  (c only decides where v moves from ln(Y/Y_eq) to
    ln Y; any smooth choice gives the same Y_inf to the grid's accuracy.)

    Newton's method from x = 20: g'(x) = 1 - F'(x) = (1 - dla/ds - d lnY_eq/ds)/x ~ 1 + 1/(2x) is known from the node's
    s-derivatives at no extra lookup, and convergence is quadratic (|x - x_f| ~ 10, 0.5, 1e-3, 1e-8, 1e-16 for the
    iterates), so ``_XF_ITERATIONS`` = 5 Newton steps replace the 8 fixed-point iterations used before (contraction
    ~1/x_f each, 1e-8).  Only the last step carries derivatives: the earlier iterates are under stop_gradient, and
    the last Newton step from x* = stop_gradient(x_4), x_f = x* - g(x*; theta)/g'(x*), has d x_f/d theta =
    -dg/d theta / g' (the implicit-function derivative at the root, exact up to the residual g(x*) ~ 1e-12 of the
    earlier iterates): one node evaluation with tangents instead of eight."""
    ln_cc = math.log(0.5 * 2.5)

    def newton(x, pp):
        s = jnp.log(x)
        _, _, (la, lnyeq, _, dla, q) = _grid_node(s, pp, cosmology, settings, jnp.zeros_like(s))
        g = x - (ln_cc + la - s + lnyeq + x)
        dg = jax.lax.stop_gradient((1.0 - dla - q) / x)
        # g' ~ 1 + 1/(2x) for every physical point; a non-positive g' (never seen) falls back to the fixed point step
        dg = jnp.where(dg > 0.25, dg, 1.0)
        return jnp.maximum(x - g / dg, 1.0), la, dla

    p0 = jax.lax.stop_gradient(p)

    def body(x, _):
        return newton(x, p0)[0], None

    x20 = jnp.full_like(p.m, 20.0)
    x_star, _ = jax.lax.scan(body, x20, None, length=_XF_ITERATIONS - 1)
    x_star = jax.lax.stop_gradient(x_star)
    x_f, la_star, dla_star = newton(x_star, p)
    # ln c from the rate at x_f, to first order from x* (within ~1e-12 of x_f: no second node evaluation; the
    # first-order term carries d x_f/d theta into ln c, whose value it does not change)
    la_f = la_star + dla_star * (jnp.log(x_f) - jnp.log(x_star))
    sv, sv3 = sigma_v(p, x_f), p.a + 3.0 * p.b / x_f
    ok = (sv > 0) & jnp.isfinite(x_f)
    lnc = -(la_f + jnp.log(jnp.where(ok, sv3, 1.0)) - jnp.log(jnp.where(ok, sv, 1.0)))
    return x_f, jnp.where(ok, jnp.minimum(lnc, 0.0), 0.0), ok


def _grid_nodes(x_lo, x_f, settings: FreezeOutSettings):
    """ln x nodes (grid_steps + 1) from x_lo to x_h = max(x_f, x_lo) + grid_margin, and x_h (see above)."""
    n = settings.grid_steps
    ne = max(1, int(round(_EARLY_FRACTION * n)))
    x_h = jnp.maximum(x_f, x_lo) + settings.grid_margin
    x_a = jnp.maximum(_EARLY_END * x_f, x_lo + 0.05 * (x_h - x_lo))
    za = jnp.asarray(np.linspace(0.0, 1.0, ne + 1)[:-1], x_lo.dtype)
    zb = jnp.asarray(np.linspace(0.0, 1.0, n - ne + 1), x_lo.dtype)
    s_lo, s_a = jnp.log(x_lo), jnp.log(x_a)
    return jnp.concatenate([s_lo + (s_a - s_lo) * za, jnp.log(x_a + (x_h - x_a) * zb)]), x_h


def _grid_solve(p, cosmology, settings: FreezeOutSettings, asym: bool = False):
    """Frozen relaxation over the first 1e-4 x_start, then Rodas4P2 on the freeze-out grid in s = ln x.

    Returns ((ln Ybar(x_h), x_h), grid_ok): grid_ok is False where the fixed grid does not resolve the point: x_h =
    x_f + grid_margin beyond settings.x_end (freeze-out too late for the tail to start before x_end), or x_f < 3
    (the species never tracks equilibrium: use method="adaptive")."""
    tab = kernels.ROSENBROCK_METHODS[_ROSENBROCK_TABLEAU]
    x0 = jnp.asarray(settings.x_start, p.m.dtype)
    dx = 1e-4 * settings.x_start
    x_f, lnc, est_ok = _grid_estimate(p, cosmology, settings)
    if _FROZEN_GRID:
        x_f, lnc = jax.lax.stop_gradient((x_f, lnc))
    # no annihilation (a = b = 0): Y stays frozen from x_start and any grid is exact: x_f := x_start
    x_f = jnp.where(est_ok, x_f, x0)
    s, x_h = _grid_nodes(x0 + dx, x_f, settings)
    # initial condition: Ybar = y0_ratio Ybar_eq(x_start), relaxed exactly over dx = 1e-4 x_start with the
    # coefficients frozen (taken at x_start + dx, the first grid node: O(dx) from x_start, which the tracking erases)
    vals0, ders0, (la0, lnyeq0, lnyref0, _, _) = _grid_node(s[0], p, cosmology, settings, lnc, asym)
    yeq0 = jnp.exp(lnyeq0)
    half = 0.5 * p.eta
    ybar_eq0 = yeq0 * (yeq0 / (jnp.hypot(yeq0, half) + half))
    y1 = _riccati_relaxation(p.y0_ratio * ybar_eq0, jnp.exp(la0 - s[0]), yeq0, p.eta, dx)
    v0 = jnp.log(y1) - lnyref0
    # cubic Hermite weights of the interior stage abscissae (constants)
    herm = {}
    for ci in tab.c:
        if ci not in (0.0, 1.0):
            herm[ci] = (2 * ci**3 - 3 * ci**2 + 1, ci**3 - 2 * ci**2 + ci, -2 * ci**3 + 3 * ci**2, ci**3 - ci**2)

    def stage_f(coef, v):
        out = -(jnp.exp(jnp.minimum(coef[0] + v, 600.0)) - jnp.exp(jnp.minimum(coef[1] - v, 600.0))) - coef[2]
        return out - coef[3] if asym else out

    def body(carry, s1):
        v, s0, vals, ders, _ = carry
        h = s1 - s0
        vals1, ders1, (_, _, lnyref1, _, _) = _grid_node(s1, p, cosmology, settings, lnc, asym)
        ea = jnp.exp(jnp.minimum(vals[0] + v, 600.0))
        eb = jnp.exp(jnp.minimum(vals[1] - v, 600.0))
        f0 = -(ea - eb) - vals[2]
        ft = -(ders[0] * ea - ders[1] * eb) - ders[2]
        if asym:
            f0, ft = f0 - vals[3], ft - ders[3]
        w = 1.0 / (1.0 / (tab.gamma * h) + (ea + eb))  # 1/(1/(gamma h) - J), J = -(alpha e^v + beta e^-v)
        v_new = _rodas_stages(tab, herm, stage_f, v, h, f0, ft, w, vals, ders, vals1, ders1)
        return (v_new, s1, vals1, ders1, lnyref1), None

    (v_end, _, _, _, lnyref_h), _ = jax.lax.scan(body, (v0, s[0], vals0, ders0, lnyref0), s[1:])
    # the grid is built for a species that tracks Y_eq and then freezes out: x_f >= 3 (where the estimate is
    # meaningful).  Points that never equilibrate (feeble couplings, x_f clipped near 1) with Y0 far from Y_eq were
    # measured up to 5e-2 off (the nonlinear approach to the freeze-in yield needs step control): flagged.
    no_annihilation = (p.a == 0) & (p.b == 0)
    grid_ok = (x_h <= settings.x_end) & ((est_ok & (x_f >= _MIN_XF)) | no_annihilation)
    return (v_end + lnyref_h, x_h), grid_ok


def _rodas_stages(tab, herm, stage_f, v, h, f0, ft, w, vals, ders, vals1, ders1):
    """One Rodas step from the first stage (f0, f_t, w = 1/(1/(gamma h) - J)), stages written out."""
    ks = []
    for i, ci in enumerate(tab.c):
        vi = v
        for aij, kj in zip(tab.a[i], ks):
            if aij != 0.0:
                vi = vi + aij * kj
        if i == 0:
            fi = f0
        elif ci == 1.0:
            fi = stage_f(vals1, vi)
        else:
            h00, h10, h01, h11 = herm[ci]
            coef = tuple(
                h00 * a0 + h01 * a1 + h * (h10 * b0 + h11 * b1) for a0, b0, a1, b1 in zip(vals, ders, vals1, ders1)
            )
            fi = stage_f(coef, vi)
        r = fi
        for cij, kj in zip(tab.C[i], ks):
            if cij != 0.0:
                r = r + (cij / h) * kj
        if tab.d[i] != 0.0:
            r = r + (tab.d[i] * h) * ft
        ks.append(r * w)
    v_new = v
    for mi, ki in zip(tab.m, ks):
        if mi != 0.0:
            v_new = v_new + mi * ki
    return v_new


def _riccati_relaxation(ybar0, rate, yeq, eta, dx):
    """Exact solution of dYbar/dx = -rate (Ybar^2 + eta Ybar - Y_eq^2) over dx with frozen coefficients (as
    :func:`_frozen_relaxation`, from given rate and Y_eq)."""
    half = 0.5 * eta
    pp = yeq**2 / (jnp.sqrt(yeq**2 + half**2) + half)
    qq = -pp - eta
    rho = (ybar0 - pp) / (ybar0 - qq) * jnp.exp(-rate * (pp - qq) * dx)
    return (pp - qq * rho) / (1.0 - rho)


_GRID_LEAVES = ("m", "a", "b", "g", "eta", "y0_ratio")


def _grid_with_sensitivities(params, cosmology, settings: FreezeOutSettings, symmetric: bool):
    """:func:`_grid_solve` differentiable by forward sensitivities: the custom VJP runs it once under jax.jacfwd
    with respect to those of the point's scalar parameters (m, a, b, g, y0_ratio and, for the asymmetric solver, eta)
    that are being differentiated (``symbolic_zeros``: a leaf the caller holds constant is not ``perturbed`` and gets
    no tangent; every tangent shares the one pass of table lookups and exps) and contracts with the cotangent.  The
    cosmology gets a zero cotangent (as the adaptive path).

    Why forward sensitivities and not reverse mode: reverse mode through the scan (no custom VJP) measured 15x the
    forward pass and 11 s of gradient compile (2026-12-02, N = 4096); jacfwd over all five leaves 5-6x, over the
    two perturbed leaves of ``grad`` in (m, a) 2.4x, and with the x_f estimate's tangent from one node (see
    :func:`_grid_estimate`) less."""
    names = tuple(k for k in _GRID_LEAVES if k != "eta" or not symmetric)

    def primal(leaves, cosmo):
        q = eqx.tree_at(lambda r: tuple(getattr(r, k) for k in names), params, tuple(leaves))
        return _grid_solve(q, cosmo, settings, asym=not symmetric)

    @jax.custom_vjp
    def run(leaves, cosmo):
        return primal(leaves, cosmo)

    def fwd(leaves, cosmo):
        values = tuple(lv.value for lv in leaves)
        idx = tuple(i for i, lv in enumerate(leaves) if lv.perturbed)
        cosmo = jax.tree_util.tree_map(lambda c_: c_.value, cosmo, is_leaf=_is_vjp_primal)
        if not idx:  # only the cosmology is perturbed: it gets a zero cotangent anyway
            out, aux = primal(values, cosmo)
            return (out, aux), (None, idx, values, cosmo)

        def with_value(sub):
            full = list(values)
            for i, v in zip(idx, sub):
                full[i] = v
            out, aux = primal(tuple(full), cosmo)
            return out, (out, aux)

        jac, (out, aux) = jax.jacfwd(with_value, has_aux=True)(tuple(values[i] for i in idx))
        return (out, aux), (jac, idx, values, cosmo)

    def bwd(res, ct):
        jac, idx, values, cosmo = res
        (ct_w, ct_x), _ = ct
        g = [jnp.zeros_like(v) for v in values]
        if jac is not None:
            jw, jx = jac
            for k, i in enumerate(idx):
                terms = [c_ * j[k] for c_, j in ((ct_w, jw), (ct_x, jx)) if not _is_symbolic_zero(c_)]
                if terms:
                    g[i] = functools.reduce(jnp.add, terms)
        return tuple(g), _zero_cotangent(cosmo)

    run.defvjp(fwd, bwd, symbolic_zeros=True)
    (w_h, x_h), grid_ok = run(tuple(getattr(params, k) for k in names), cosmology)
    return w_h, x_h, grid_ok


def _is_vjp_primal(v) -> bool:
    return isinstance(v, jax.custom_derivatives.CustomVJPPrimal)


def _is_symbolic_zero(v) -> bool:
    return isinstance(v, jax.custom_derivatives.SymbolicZero)


def _use_rosenbrock(settings: FreezeOutSettings, symmetric: bool) -> bool:
    if settings.method == "auto":
        return symmetric and settings.save_x is None
    return settings.method == "rosenbrock"


def _default_cosmology(cosmology):
    return Cosmology(table="constant") if cosmology is None else cosmology


def _as_float(params: FreezeOutParams) -> FreezeOutParams:
    return jax.tree_util.tree_map(lambda v: jnp.asarray(v, dtype=jnp.result_type(float)), params)


# ---------------------------------------------------------------------------------------------------------------
# Solvers
# ---------------------------------------------------------------------------------------------------------------
def _ybar_eq0(params, cosmology, settings):
    """Ybar_eq(x_start) = sqrt(Y_eq^2 + eta^2/4) - eta/2 (without cancellation; Y_eq for eta = 0)."""
    _, lnyeq0 = _rate_and_lnyeq(jnp.asarray(settings.x_start, params.m.dtype), params, cosmology)
    yeq0 = jnp.exp(lnyeq0)
    half = 0.5 * params.eta
    return yeq0 * (yeq0 / (jnp.hypot(yeq0, half) + half))


def solve_freezeout(
    params: FreezeOutParams, cosmology: Cosmology | None = None, settings: FreezeOutSettings = FreezeOutSettings()
) -> FreezeOutResult:
    """Standard freeze-out: integrate dY/dx = -(s<sigma v>/(xH))(1 + dln g_s/3dlnT)(Y^2 - Y_eq^2).

    Args:
        params: :class:`FreezeOutParams` (m [GeV], a, b [GeV^-2], g, y0_ratio; ``eta`` is ignored).
        cosmology: a :class:`jaxgen.cosmology.Cosmology` (default: constant g_* = 106.75).
        settings: :class:`FreezeOutSettings`.

    Returns:
        :class:`FreezeOutResult`. Pure function of its array inputs: ``jax.vmap(solve_freezeout, (0, None))`` and
        ``jax.grad`` of ``.y_inf`` with respect to m, a, b work. Invalid or failed points are flagged by ``status``.
        Needs float64 (the tolerances are 1e-10 on ln Y); float32 is not supported (RuntimeError).
    """
    require_x64("jaxgen.freezeout.solve_freezeout")
    _check_single_point(params, "solve_freezeout")
    cosmology = _default_cosmology(cosmology)
    params = _as_float(params)
    params = eqx.tree_at(lambda q: q.eta, params, jnp.zeros_like(params.eta))
    if _use_rosenbrock(settings, symmetric=True):
        w_h, x_h, grid_ok = _grid_with_sensitivities(params, cosmology, settings, symmetric=True)
        # after x_h (Y_eq negligible) dY/dx = -A Y^2 exactly: 1/Y(x) = 1/Y(x_h) + int_{x_h}^{x} A dx
        table = None if cosmology.table == "constant" else _tail_table(cosmology)
        tail_h = _tail_from_table(params, cosmology, x_h, table)
        y_inf = 1.0 / (jnp.exp(-w_h) + tail_h)
        y_end = 1.0 / (jnp.exp(-w_h) + tail_h - _tail_from_table(params, cosmology, settings.x_end, table))
        steps = jnp.full(jnp.shape(y_inf), settings.grid_steps, dtype=jnp.int32)
        result, traj = None, None
    else:
        w_end, steps, result, traj = _integrate_with_sensitivities(
            lambda q, cosmo: _ybar_eq0(q, cosmo, settings) * q.y0_ratio, params, cosmology, settings
        )
        y_end = jnp.exp(w_end)
        tail = _tail(params, cosmology, settings.x_end)
        y_inf = 1.0 / (1.0 / y_end + tail)
    omega = y_inf * params.m * (c.ENTROPY_DENSITY_TODAY / c.RHO_CRIT_OVER_H2)
    if result is None:
        status = jnp.where(grid_ok, jnp.where(jnp.isfinite(y_inf), STATUS_OK, STATUS_NONFINITE), STATUS_SOLVER_FAILED)
        status = jnp.where(_bad_input(params), STATUS_NONFINITE, status).astype(jnp.int32)
    else:
        status = jnp.where(_bad_input(params), STATUS_NONFINITE, _status(result, y_inf)).astype(jnp.int32)
    y_inf, omega, y_end = (_zero_if_failed(status, v) for v in (y_inf, omega, y_end))
    return FreezeOutResult(y_inf=y_inf, omega_h2=omega, y_end=y_end, num_steps=steps, status=status, ys=traj)


#: chunk of :func:`solve_freezeout_batch` with ``chunk_size="auto"`` for batches above 2 chunks (a flat vmap below),
#: on a CPU (measured, see the docstring)
FREEZEOUT_CHUNK = 16384
#: the same on a GPU/TPU. Measured on one H200 (2026-12-04, series ``freezeout`` / ``freezeout_vmap`` of
#: bench_scaling): at N = 1e7 chunks of 2**20 ran 1.43e8 points/s with 1.37 GiB of XLA buffers, one flat vmap 1.59e8
#: with 3.6 GiB; the chunk costs 10 % there and keeps memory bounded (a flat vmap of 1e8 points needs ~36 GiB)
FREEZEOUT_CHUNK_ACCELERATOR = 2**20


def solve_freezeout_batch(
    params: FreezeOutParams,
    cosmology: Cosmology | None = None,
    settings: FreezeOutSettings = FreezeOutSettings(),
    chunk_size: int | None | str = "auto",
) -> FreezeOutResult:
    """:func:`solve_freezeout` over a batch: every field of ``params`` with the same leading batch shape (fields
    left scalar, e.g. the defaults of ``b``, ``g``, ``y0_ratio``, are broadcast; :meth:`FreezeOutParams.batch`).

    The points are solved in vmapped chunks of ``chunk_size`` (``jax.lax.map`` over the chunks, the batch padded to
    a whole number of chunks by repeating its last point, so one chunk shape is compiled): a flat vmap over 1e6
    points streams every intermediate of the 20-step scan through memory (XLA buffers 584 MiB), a chunk keeps its
    working set small. Measured on 2 CPU cores, the functions timed interleaved (median of 5): at N = 1e6 chunks of
    16384 run 1.29x the flat vmap's points/s (8192: 1.22x, 4096: 1.19x), at N = 1e5 1.02-1.06x (noise level); see
    series ``freezeout`` / ``freezeout_vmap`` of experiments/benchmarks/bench_scaling.py. ``"auto"`` (default):
    chunks of :data:`FREEZEOUT_CHUNK` (on a GPU or TPU :data:`FREEZEOUT_CHUNK_ACCELERATOR`) for batches above two
    chunks, one flat vmap below; ``None``: always one flat vmap; an int: that chunk (static).

    Traceable and differentiable like :func:`solve_freezeout` (call it inside ``jax.jit``; ``jax.grad`` of a sum of
    ``.y_inf`` works). Every point gets its own ``status``; an invalid point (e.g. m <= 0 in a traced batch) is
    flagged there with 0-filled outputs and never affects the others. Result fields have the batch shape in front.
    """
    if not isinstance(params, FreezeOutParams):
        raise TypeError(
            f"solve_freezeout_batch: params must be a FreezeOutParams (build a batch with "
            f"FreezeOutParams.batch(m=[...], a=...)), got {type(params).__name__}"
        )
    check_chunk_size("solve_freezeout_batch", chunk_size)
    params, shape = _broadcast_params(params, "FreezeOutParams", _FO_EVENT)
    if len(shape) == 0:
        raise ValueError(
            "solve_freezeout_batch needs a batch (fields with a leading batch axis); for one point call solve_freezeout"
        )
    n = int(np.prod(shape))
    flat = jax.tree_util.tree_map(lambda v: jnp.reshape(v, (n,)), params)

    def one(q):
        return solve_freezeout(q, cosmology, settings)

    res = chunked_vmap(one, flat, n, chunk_size, per_backend(FREEZEOUT_CHUNK, FREEZEOUT_CHUNK_ACCELERATOR))
    return jax.tree_util.tree_map(lambda v: v.reshape(tuple(shape) + v.shape[1:]), res)


def _zero_if_failed(status, v):
    """A failed point's outputs: 0 where not finite (never NaN); a valid point's values untouched."""
    return jnp.where((status != STATUS_OK) & ~jnp.isfinite(v), jnp.zeros_like(v), v)


def _exprel(z):
    """expm1(z)/z, smooth at z = 0."""
    small = jnp.abs(z) < 1e-8
    zs = jnp.where(small, 1.0, z)
    return jnp.where(small, 1.0 + 0.5 * z, jnp.expm1(zs) / zs)


def solve_asymmetric_freezeout(
    params: FreezeOutParams, cosmology: Cosmology | None = None, settings: FreezeOutSettings = FreezeOutSettings()
) -> AsymmetricFreezeOutResult:
    """Asymmetric freeze-out with conserved eta = Y - Ybar (IDC 2011 eqs. 2.6-2.8; module docstring).

    Solves dYbar/dx = -(s<sigma v>/(xH))(1 + dln g_s/3dlnT)(Ybar (Ybar + eta) - Y_eq^2) in ln Ybar from
    Ybar(x_start) = y0_ratio * Ybar_eq, Ybar_eq = sqrt(Y_eq^2 + eta^2/4) - eta/2, plus the exact analytic tail.

    Returns:
        :class:`AsymmetricFreezeOutResult` with the Hall et al. (2010) Section 4.4 decision ``symmetric_removed``.
        Needs float64 (eta ~ 1e-10 and tolerances of 1e-10 on ln Ybar).
    """
    require_x64("jaxgen.freezeout.solve_asymmetric_freezeout")
    _check_single_point(params, "solve_asymmetric_freezeout")
    cosmology = _default_cosmology(cosmology)
    params = _as_float(params)
    if _use_rosenbrock(settings, symmetric=False):
        w_end, x_h, grid_ok = _grid_with_sensitivities(params, cosmology, settings, symmetric=False)
        table = None if cosmology.table == "constant" else _tail_table(cosmology)
        tail = _tail_from_table(params, cosmology, x_h, table)
        steps = jnp.full(jnp.shape(w_end), settings.grid_steps, dtype=jnp.int32)
        result, traj = None, None
    else:
        w_end, steps, result, traj = _integrate_with_sensitivities(
            lambda q, cosmo: _ybar_eq0(q, cosmo, settings) * q.y0_ratio, params, cosmology, settings
        )
        tail = _tail(params, cosmology, settings.x_end)
    z = params.eta * tail
    # 1/Ybar_inf = expm1(z)/eta + exp(z)/Ybar_end, in logs so that a fully annihilated Ybar gives 0, not NaN
    ybar_inf = 1.0 / (tail * _exprel(z) + jnp.exp(z - w_end))
    y_inf = ybar_inf + params.eta
    omega = (y_inf + ybar_inf) * params.m * (c.ENTROPY_DENSITY_TODAY / c.RHO_CRIT_OVER_H2)
    ratio = 2.0 * ybar_inf / params.eta
    if result is None:
        status = jnp.where(
            grid_ok, jnp.where(jnp.isfinite(ybar_inf), STATUS_OK, STATUS_NONFINITE), STATUS_SOLVER_FAILED
        )
        status = jnp.where(_bad_input(params), STATUS_NONFINITE, status).astype(jnp.int32)
    else:
        status = jnp.where(_bad_input(params), STATUS_NONFINITE, _status(result, ybar_inf)).astype(jnp.int32)
    ybar_inf, y_inf, omega, ratio = (_zero_if_failed(status, v) for v in (ybar_inf, y_inf, omega, ratio))
    return AsymmetricFreezeOutResult(
        ybar_inf=ybar_inf,
        y_inf=y_inf,
        omega_h2=omega,
        symmetric_over_eta=ratio,
        symmetric_removed=ratio < 0.1,
        num_steps=steps,
        status=status,
        ybars=traj,
    )


# ---------------------------------------------------------------------------------------------------------------
# Analytic estimates
# ---------------------------------------------------------------------------------------------------------------
def freezeout_estimate(
    params: FreezeOutParams, cosmology: Cosmology | None = None, c_param: float = 0.5, n_iter: int = 30
) -> FreezeOutEstimate:
    """Standard approximate relic abundance (Kolb & Turner 1990 eqs. 5.43-5.45 with g_* evaluated at T_f).

    Derivation: with Delta = Y - Y_eq and Delta' ~ 0 at freeze-out, -Y_eq' = (lambda/x^2) Delta (2 Y_eq + Delta);
    the criterion Delta = c Y_eq with Y_eq ~ 0.145 (g/g_*s) x^(3/2) e^-x (MB, large x) gives

        x_f = ln[ c (c+2) sqrt(45/8) g m M_Pl <sigma v>(x_f) / (2 pi^3 sqrt(g_*rho x_f)) ]   (sqrt(45/8)/(2 pi^3) =
        0.0383, K&T's 0.038),

    solved by fixed-point iteration from x = 20 (clipped at x_f >= 1; the estimate is meaningful for x_f >~ 3).
    Derivatives: the ``n_iter`` iterations run on stopped-gradient inputs; one Newton step from their result x*,
    x_f = x* - (x* - g(x*, p))/(1 - dg/dx(x*)) with the slope stopped, carries dx_f/dp = (dg/dp)/(1 - dg/dx), the
    exact derivative of the root (the value moves by the iteration's residual, ~1e-16: |dg/dx| ~ 1/(2 x), so 30
    steps converge to rounding). Reverse-differentiating the iteration instead stored and replayed 30 steps with a
    g_*(T) spline lookup each (in the Hall chain, which calls it twice per point, that was most of its gradient's cost).
    Tested against autodiff through the plain iteration and against finite differences.
    After freeze-out Y_eq is negligible and
    1/Y_inf = int_{x_f}^inf lambda0 (a + 6b/x)/x^2 dx = lambda0 (a/x_f + 3 b/x_f^2), lambda0 = (2 pi^2/45)
    (g_*s/sqrt(4 pi^3 g_*rho/45)) M_Pl m = 0.264 (g_*s/g_*rho^(1/2)) M_Pl m, i.e.

        Omega h^2 = (s0/(rho_c/h^2)) x_f / (0.264 (g_*s/g_*^(1/2)) M_Pl (a + 3b/x_f))
                  = 1.04e9 GeV^-1 x_f / (g_*^(1/2) M_Pl (a + 3b/x_f))   for g_*s = g_*rho.

    Kolb & Turner print 1.07e9 (older s0 and rho_c); the coefficient here follows from
    :data:`jaxgen.constants.ENTROPY_DENSITY_TODAY` and :data:`jaxgen.constants.RHO_CRIT_OVER_H2`.
    """
    cosmology = _default_cosmology(cosmology)
    params = _as_float(params)
    cc = c_param * (c_param + 2.0)
    pref = cc * math.sqrt(45.0 / 8.0) / (2.0 * math.pi**3) * params.g * params.m * c.M_PLANCK

    def g(x, q, pref_q):
        arg = pref_q * sigma_v(q, x) / jnp.sqrt(cosmology.g_rho(q.m / x) * x)
        return jnp.maximum(jnp.log(arg), 1.0)  # x_f < 1: never in equilibrium, estimate meaningless

    p0, pref0 = jax.lax.stop_gradient((params, pref))

    def body(x, _):
        return g(x, p0, pref0), None

    x_star, _ = jax.lax.scan(body, jnp.full_like(params.m, 20.0), None, length=n_iter)
    # one Newton step with the slope stopped: the implicit-function derivative (docstring)
    root = jnp.isfinite(x_star) & (x_star > 0)
    xs = jnp.where(root, x_star, 20.0)
    slope = jax.lax.stop_gradient(jax.jvp(lambda x: g(x, p0, pref0), (xs,), (jnp.ones_like(xs),))[1])
    x_f = jnp.where(root, xs - (xs - g(xs, params, pref)) / (1.0 - slope), x_star)
    lam0 = _lambda0(params, cosmology, x_f)
    y_inf = x_f / (lam0 * (params.a + 3.0 * params.b / x_f))
    omega = y_inf * params.m * (c.ENTROPY_DENSITY_TODAY / c.RHO_CRIT_OVER_H2)
    ok = ~_bad_input(params) & jnp.isfinite(x_f) & jnp.isfinite(y_inf) & jnp.isfinite(omega)
    x_f, y_inf, omega = (jnp.where(ok, v, jnp.zeros_like(v)) for v in (x_f, y_inf, omega))
    return FreezeOutEstimate(
        x_f=x_f, y_inf=y_inf, omega_h2=omega, status=jnp.where(ok, STATUS_OK, STATUS_NONFINITE).astype(jnp.int32)
    )


def _bad_input(params: FreezeOutParams) -> jax.Array:
    """Run-time twin of the constructor checks (traced/batched points): non-finite, m, g, y0_ratio <= 0 or a, b,
    eta < 0."""
    bad = jnp.zeros(jnp.shape(params.m), bool)
    for k in ("m", "a", "b", "g", "eta", "y0_ratio"):
        bad = bad | ~jnp.isfinite(getattr(params, k))
    return (
        bad
        | (params.m <= 0)
        | (params.g <= 0)
        | (params.y0_ratio <= 0)
        | (params.a < 0)
        | (params.b < 0)
        | (params.eta < 0)
    )


def asymmetric_freezeout_estimate(
    params: FreezeOutParams, cosmology: Cosmology | None = None, c_param: float = 0.5
) -> jax.Array:
    """IDC 2011 analytic remnant Ybar_inf = eta / (exp(eta lambda0 (a/xbar_f + 3 b/xbar_f^2)) - 1).

    Derivation: after freeze-out (Y_eq -> 0), d ln(Ybar/(Ybar+eta))/dx = eta lambda(x)/x^2 ... integrated from
    xbar_f to infinity with Ybar(xbar_f) >> Ybar_inf, dropping the (1 + eta/Ybar_f) factor as IDC do; xbar_f is taken
    from the symmetric criterion (:func:`freezeout_estimate`), as in IDC eq. (2.19) for the small-eta branch.
    Returns Ybar_inf (per species); for eta -> 0 it reduces to the symmetric Y_inf.
    """
    est = freezeout_estimate(params, cosmology, c_param)
    return _ybar_from_x_f(_as_float(params), _default_cosmology(cosmology), est.x_f)


def _ybar_from_x_f(params: FreezeOutParams, cosmology, x_f) -> jax.Array:
    """IDC's Ybar_inf = eta/(e^z - 1), z = eta I, I = lambda0 (a/x_f + 3 b/x_f^2), at a given x_f, written as
    e^{-z}/(I exprel(-z)) (exprel(u) = expm1(u)/u): equal to 1/(I exprel(z)) in exact arithmetic, but where e^z
    overflows (Ybar underflows to 0, z > ~709) its derivative is 0, not 0 * inf = NaN."""
    integral = _lambda0(params, cosmology, x_f) * (params.a / x_f + 3.0 * params.b / x_f**2)
    z = params.eta * integral
    return jnp.exp(-z) / (integral * _exprel(-z))
