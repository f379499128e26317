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
  the same v equation on a fixed grid placed per point at the estimated x_f (a quarter of 32 steps uniform in ln x
  up to 0.6 x_f, the rest uniform in x up to x_f + 8), linearly implicit Rodas4P2 steps
  (:func:`jaxgen_kernels.rosenbrock_solve`: one division per stage, no Newton iteration, the x-dependent
  coefficients precomputed vectorised over the grid), then the exact tail from x_f + 8 read from a cumulative table
  of int s f/H d ln T (one per cosmology and batch).  Measured <= 6e-5 relative to the adaptive solver over
  m = 1 GeV - 10 TeV, a or b = 1e-10 - 1e-7 GeV^-2, every g* table; plain autodiff (grad/forward ~2), no while
  loop.  Points that never track equilibrium (estimated x_f < 3: feeble couplings) are flagged
  (STATUS_SOLVER_FAILED) rather than integrated on a grid not made for them.  ``method="adaptive"`` (below) is the
  reference (and the path for such points, for ``save_x`` and for the asymmetric solver).
* Tail x_end -> infinity, exact: for x > x_end, Y_eq is negligible (e^-x_end), so dY/dx = -A(x) Y^2 (symmetric)
  and d ln(Ybar/(Ybar+eta))/dx = -eta A(x) (asymmetric), A = s <sigma v> (1 + dln g_s/3 dln T)/(x H).  With
  I = int_{x_end}^inf A dx: 1/Ybar_inf = expm1(eta I)/eta + exp(eta I)/Ybar_end (-> I + 1/Y_end for eta -> 0).
  I is a quadrature in ln T over the g_* table down to its lowest temperature, plus the frozen form
  lambda0 (a/x + 3 b/x^2) below it (:func:`_tail_integral`).  g_* must not be frozen at x_end: at T = m/1000 it
  still changes, and the frozen form made s-wave relics 3e-4 (1 GeV) to 1.3e-3 (1 TeV) too small.
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
            grid (:func:`_integrate_rosenbrock`: Rodas4P2 on ``grid_steps`` steps from x_start to x_f + grid_margin,
            then the exact tail; <= 1e-4 relative to the adaptive solver over m = 1 GeV - 10 TeV, a, b = 1e-10 -
            1e-7 GeV^-2, every g* table (measured <= 6e-5); rtol, atol, max_steps, newton_tol are not used.
            ``"adaptive"``: the reference, diffrax Kvaerno5 with PID control to x_end (~3.5e-9 relative).
            ``"auto"``: rosenbrock for :func:`solve_freezeout` without ``save_x``, adaptive otherwise (and always for
            :func:`solve_asymmetric_freezeout`, where the fixed grid is available as ``method="rosenbrock"``
            but not validated to 1e-4 for eta > 0).
            Points the fixed grid does not resolve get ``status = STATUS_SOLVER_FAILED`` (never NaN): estimated
            x_f < 3 (never in equilibrium, e.g. feeble couplings) or x_f + grid_margin > x_end.
        grid_steps: Rosenbrock steps per point (a quarter uniform in ln x up to 0.6 x_f, the rest uniform in x).
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
    grid_steps: int = eqx.field(static=True, default=32, metadata={"units": "1"})
    grid_margin: float = eqx.field(static=True, default=8.0, metadata={"units": "1"})

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


#: composite Gauss-Legendre rule of the tail integral in ln T between the table's lowest temperature and T(x_end)
_TAIL_PANELS, _TAIL_NODES = 16, 8
_TAIL_GL = np.polynomial.legendre.leggauss(_TAIL_NODES)


def _tail_integral(params: FreezeOutParams, cosmology, x_end):
    """I = int_{x_end}^inf A(x) dx, A = s <sigma v> (1 + dln g_s/3 dln T)/(x H): after x_end (Y_eq negligible) the
    equation is dY/dx = -A Y^2, so 1/Y_inf = 1/Y_end + I exactly (and the asymmetric tail uses the same I).

    g_* is NOT frozen at x_end: at T(x_end) = m/1000 it still changes (QCD crossover for m ~ 100 GeV - 10 TeV, e+e-
    annihilation for m ~ 1 GeV), and freezing it there overestimated I by a few percent, i.e. underestimated an
    s-wave Y_inf by 3e-4 (m = 1 GeV, 100 GeV) to 1.3e-3 (1 TeV) with the Drees-Hajkarim-Schmitz table (p-wave tails
    fall as 1/x_end^2 and were 1e-5 off).  So the part above the table's lowest temperature T_min is a composite
    Gauss-Legendre quadrature in ln T (16 panels x 8 nodes, uniform in ln T over [T_min, T(x_end)]; A dx = A x d ln T),
    and below T_min, where the cosmology continues g_* as a constant, the exact frozen form
    lambda0 (a/x + 3 b/x^2) at x_low = max(x_end, m/T_min) is added.  For ``table="constant"`` the frozen form is
    exact from x_end on."""
    a, b, m = params.a, params.b, params.m
    if cosmology.table == "constant":
        return _lambda0(params, cosmology, x_end) * (a / x_end + 3.0 * b / x_end**2)
    from ._cosmology import table_range

    dt = m.dtype
    ln_tmin = jnp.asarray(math.log(table_range(cosmology.table)[0]), dt)
    ln_tend = jnp.log(m) - jnp.log(x_end)  # x_end may be traced (the Rosenbrock grid ends per point)
    span = jnp.maximum(ln_tend - ln_tmin, 0.0)
    nodes, weights = _TAIL_GL
    frac = (np.arange(_TAIL_PANELS)[:, None] + 0.5 * (nodes[None, :] + 1.0)) / _TAIL_PANELS
    w = jnp.asarray(np.broadcast_to(0.5 * weights / _TAIL_PANELS, frac.shape).ravel(), dt) * span
    lnt = ln_tmin + span * jnp.asarray(frac.ravel(), dt)
    t = jnp.exp(lnt)
    x = m / t
    factor = 1.0 + cosmology.dlng_s_dlnT(t) / 3.0
    rate = cosmology.entropy_density(t) * sigma_v(params, x) * factor / (x * cosmology.hubble(t))
    upper = jnp.sum(w * rate * x)
    x_low = jnp.maximum(x_end, m * jnp.exp(-ln_tmin))
    return upper + _lambda0(params, cosmology, x_low) * (a / x_low + 3.0 * b / x_low**2)


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


# ---------------------------------------------------------------------------------------------------------------
# Fixed-grid Rosenbrock integration (method="rosenbrock")
# ---------------------------------------------------------------------------------------------------------------
# Why it is accurate: the equation for v = ln(Y/Y_ref) (see _rhs_v) is a scalar Riccati equation whose x-dependence
# sits entirely in four y-independent coefficients,
#
#     dv/d ln x = -(alpha e^v - beta e^-v + delta) - omega,   alpha = x A Y_ref, beta = x A Y_eq^2/Y_ref,
#     delta = x A eta, omega = x (d ln Y_ref/dx) = x e^-r d ln Y_eq/dx   (r = ln(Y_ref/Y_eq)),
#
# so one Rosenbrock stage is one exp and one division (the Jacobian -(alpha e^v + beta e^-v) is free) and the costly
# part (g* splines, K2, their x-derivatives for f_t) is evaluated vectorised at all stage abscissae before the scan
# (jaxgen_kernels.rosenbrock_solve with ``coefficients``).  Rodas4P2 is L-stable and satisfies the Prothero-Robinson
# conditions, so the equilibrium-tracking phase (stiffness 2 x A Y_eq up to 1e13 at x = 1, quasi-steady root
# v ~ -omega/(2 alpha)) costs few steps and loses no order; the work goes to the freeze-out window.
#
# Grid (per point, from x_f of :func:`freezeout_estimate`): a quarter of ``grid_steps`` uniform in ln x from x_start
# to x_a = 0.6 x_f (tracking: smooth in ln x), the rest uniform in x from x_a to x_h = x_f + grid_margin (the
# departure from equilibrium and the approach to Y_inf happen on a scale Delta x ~ 1-3 whatever x_f).  Measured
# against the adaptive solver at its default tolerances (~3.5e-9; 72 points per table: m = 1 GeV - 10 TeV, 9 masses,
# a or b = 1e-10 - 1e-7 GeV^-2, s- and p-wave; every table of TABLES): a uniform grid in ln x needs 160 steps for
# 3e-6 (40 steps: 1.3e-2); uniform in x, 40 steps give 4.7e-5; the split grid gives 1.1e-6 with 40 steps,
# 1.2e-4 with 24; 32 steps (the default): <= 1.6e-5 (constant g*, Drees-Hajkarim-Schmitz, Gondolo-Gelmini) and
# 5.9e-5 (Saikawa-Shirai).  The worst points are the largest x_f (m = 3-10 TeV, a = 1e-7).  Beyond x_h:
# 1/Y_inf = 1/Y(x_h) + int_{x_h}^inf A dx from :func:`_tail_table` (the 16 x 8-node quadrature of
# :func:`_tail_integral` is accurate from x = 1000 on, but from x_h ~ 30 it crosses the sharp QCD features of the
# tables: up to 2e-3 off), exact up to the dropped Y_eq^2 term ~ (Y_eq/Y)^2/(2 x_f) < 1e-7 at x_f + 8.
# Gradients: plain reverse-mode autodiff through the scan, the grid and the x_f estimate (the grid moves with the
# parameters, so jax.grad is the exact derivative of the computed Y_inf and agrees with finite differences).
_ROSENBROCK_TABLEAU = "rodas4p2"
_EARLY_FRACTION = 0.25
_EARLY_END = 0.6
_MIN_XF = 3.0


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
    1e-7 of the integral against :func:`_tail_integral`'s quadrature and a 2000-panel rule."""
    from ._cosmology import table_range

    t_lo, t_hi = table_range(cosmology.table)
    u0, u1 = math.log(t_lo), math.log(max(t_hi, _TAIL_TABLE_TOP))
    n = _TAIL_TABLE_INTERVALS
    u = jnp.linspace(u0, u1, 2 * n + 1)
    t = jnp.exp(u)
    g0 = cosmology.entropy_density(t) * (1.0 + cosmology.dlng_s_dlnT(t) / 3.0) / cosmology.hubble(t)
    g1 = g0 * t
    h = (u1 - u0) / n

    def cumulative(g):
        pieces = h / 6.0 * (g[0:-1:2] + 4.0 * g[1::2] + g[2::2])
        return jnp.concatenate([jnp.zeros((1,), g.dtype), jnp.cumsum(pieces)])

    return (u0, h, cumulative(g0), cumulative(g1), g0[::2], g1[::2])


def _hermite(table_k, table_g, u0, h, u):
    n = table_k.shape[0] - 1
    z = (u - u0) / h
    i = jnp.clip(jnp.floor(z), 0, n - 1).astype(jnp.int32)
    s = z - i
    h00, h10, h01, h11 = (2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2)
    return h00 * table_k[i] + h10 * h * table_g[i] + h01 * table_k[i + 1] + h11 * h * table_g[i + 1]


def _tail_from_table(params: FreezeOutParams, cosmology, x, table):
    """int_x^inf A dx from :func:`_tail_table` (x traced); the frozen form for ``table="constant"`` (as
    :func:`_tail_integral`)."""
    a, b, m = params.a, params.b, params.m
    if cosmology.table == "constant":
        return _lambda0(params, cosmology, x) * (a / x + 3.0 * b / x**2)
    u0, h, k0, k1, g0, g1 = table
    u = jnp.clip(jnp.log(m) - jnp.log(x), u0, u0 + h * (k0.shape[0] - 1))
    upper = a * _hermite(k0, g0, u0, h, u) + (6.0 * b / m) * _hermite(k1, g1, u0, h, u)
    x_low = jnp.maximum(x, m / math.exp(u0))
    return upper + _lambda0(params, cosmology, x_low) * (a / x_low + 3.0 * b / x_low**2)


def _rosenbrock_grid(x_lo, x_f, settings: FreezeOutSettings):
    """ln x nodes (grid_steps + 1) from x_lo to x_h = max(x_f, x_lo) + grid_margin, and x_h (see above)."""
    n = settings.grid_steps
    ne = max(1, int(round(_EARLY_FRACTION * n)))
    x_h = jnp.maximum(x_f, x_lo) + settings.grid_margin
    x_a = jnp.maximum(_EARLY_END * x_f, x_lo + 0.05 * (x_h - x_lo))
    za = jnp.asarray(np.linspace(0.0, 1.0, ne + 1)[:-1], x_lo.dtype)
    zb = jnp.asarray(np.linspace(0.0, 1.0, n - ne + 1), x_lo.dtype)
    s_lo, s_a = jnp.log(x_lo), jnp.log(x_a)
    s = jnp.concatenate([s_lo + (s_a - s_lo) * za, jnp.log(x_a + (x_h - x_a) * zb)])
    return s, x_h


def _integrate_rosenbrock(ybar0, params, cosmology, settings: FreezeOutSettings):
    """Frozen relaxation over the first 1e-4 x_start, then Rodas4P2 on the freeze-out grid in ln x.

    Returns (ln Ybar(x_h), x_h, grid_ok): grid_ok is False where the fixed grid does not resolve the point: x_h =
    x_f + grid_margin beyond settings.x_end (freeze-out too late for the tail to start before x_end), or x_f < 3
    (the species never tracks equilibrium: use method="adaptive")."""
    x0 = jnp.asarray(settings.x_start, ybar0.dtype)
    dx = 1e-4 * settings.x_start
    y1, _ = _frozen_relaxation(ybar0, params, cosmology, x0, dx)
    est = freezeout_estimate(params, cosmology)
    # the estimate fails (status, x_f = 0) for a valid point only without annihilation (a = b = 0: Y_inf estimate
    # infinite); then Y stays frozen from x_start and any grid is exact: x_f := x_start
    est_ok = (est.status == STATUS_OK) & jnp.isfinite(est.x_f)
    x_f = jnp.where(est_ok, est.x_f, x0)
    # the reference scale c of v = ln(Y/Y_ref) (as _log_frozen_scale, but differentiable: the discrete solution
    # depends on it slightly, and jax.grad must be the derivative of what is computed)
    lnc = jnp.minimum(jnp.log(jnp.where(est_ok & (est.y_inf > 0), est.y_inf, 1.0)), 0.0)
    s, x_h = _rosenbrock_grid(x0 + dx, x_f, settings)

    def lnyref_at(x):
        lnyeq, slope = _lnyeq_and_slope(x, params, cosmology)
        r = _log_reference(lnyeq, lnc)
        return lnyeq, slope, r

    def coefficients(sv):
        x = jnp.exp(sv)
        rate, _ = _rate_and_lnyeq(x, params, cosmology)
        lnyeq, slope, r = lnyref_at(x)
        xa = x * rate
        return (xa * jnp.exp(lnyeq + r), xa * jnp.exp(lnyeq - r), xa * params.eta, x * jnp.exp(-r) * slope)

    def rhs(sv, v, coef):
        alpha, beta, delta, omega = coef
        e = jnp.exp(jnp.clip(v, -600.0, 600.0))
        return -(alpha * e - beta / e + delta) - omega

    def jac(sv, v, coef):
        alpha, beta, _, _ = coef
        e = jnp.exp(jnp.clip(v, -600.0, 600.0))
        return -(alpha * e + beta / e)

    lnyeq1, _, r1 = lnyref_at(x0 + dx)
    v0 = jnp.log(y1) - (lnyeq1 + r1)
    v_end, _ = kernels.rosenbrock_solve(rhs, v0, s, method=_ROSENBROCK_TABLEAU, coefficients=coefficients, jac=jac)
    lnyeq_h, _, r_h = lnyref_at(x_h)
    # the grid is built for a species that tracks Y_eq and then freezes out: x_f >= 3 (where the estimate is
    # meaningful).  Points that never equilibrate (feeble couplings, x_f clipped near 1) with Y0 far from Y_eq were
    # measured up to 5e-2 off (the nonlinear approach to the freeze-in yield needs step control): flagged.
    no_annihilation = (params.a == 0) & (params.b == 0)
    grid_ok = (x_h <= settings.x_end) & ((est_ok & (x_f >= _MIN_XF)) | no_annihilation)
    return v_end + lnyeq_h + r_h, x_h, grid_ok


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
        w_h, x_h, grid_ok = _integrate_rosenbrock(
            _ybar_eq0(params, cosmology, settings) * params.y0_ratio, params, cosmology, settings
        )
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
        tail = _tail_integral(params, cosmology, settings.x_end)
        y_inf = 1.0 / (1.0 / y_end + tail)
    omega = y_inf * params.m * (c.ENTROPY_DENSITY_TODAY / c.RHO_CRIT_OVER_H2)
    if result is None:
        status = jnp.where(grid_ok, jnp.where(jnp.isfinite(y_inf), STATUS_OK, STATUS_NONFINITE), STATUS_SOLVER_FAILED)
        status = jnp.where(_bad_input(params), STATUS_NONFINITE, status).astype(jnp.int32)
    else:
        status = jnp.where(_bad_input(params), STATUS_NONFINITE, _status(result, y_inf)).astype(jnp.int32)
    y_inf, omega, y_end = (_zero_if_failed(status, v) for v in (y_inf, omega, y_end))
    return FreezeOutResult(y_inf=y_inf, omega_h2=omega, y_end=y_end, num_steps=steps, status=status, ys=traj)


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
        w_end, x_h, grid_ok = _integrate_rosenbrock(
            _ybar_eq0(params, cosmology, settings) * params.y0_ratio, params, cosmology, settings
        )
        table = None if cosmology.table == "constant" else _tail_table(cosmology)
        tail = _tail_from_table(params, cosmology, x_h, table)
        steps = jnp.full(jnp.shape(w_end), settings.grid_steps, dtype=jnp.int32)
        result, traj = None, None
    else:
        w_end, steps, result, traj = _integrate_with_sensitivities(
            lambda q, cosmo: _ybar_eq0(q, cosmo, settings) * q.y0_ratio, params, cosmology, settings
        )
        tail = _tail_integral(params, cosmology, settings.x_end)
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

    def body(x, _):
        t = params.m / x
        arg = pref * sigma_v(params, x) / jnp.sqrt(cosmology.g_rho(t) * x)
        return jnp.maximum(jnp.log(arg), 1.0), None  # x_f < 1: never in equilibrium, estimate meaningless

    x_f, _ = jax.lax.scan(body, jnp.full_like(params.m, 20.0), None, length=n_iter)
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
    params = _as_float(params)
    cosmology = _default_cosmology(cosmology)
    x_f = est.x_f
    integral = _lambda0(params, cosmology, x_f) * (params.a / x_f + 3.0 * params.b / x_f**2)
    return 1.0 / (integral * _exprel(params.eta * integral))
