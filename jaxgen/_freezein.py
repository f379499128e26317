r"""Freeze-in of a hidden particle X from decays of bath species A -> X + ..., symmetric and asymmetric.

Units: GeV for masses, widths and temperatures; yields Y = n/s are dimensionless; x = m/T.

Physics (Hall, March-Russell, West 2010, eqs. (1.1), (1.2), (1.4), (4.1); derivation below)
=========================================================================================
Production rate. A bath species A (mass m_A, internal dof g_A, partial width Gamma_A into final states with X) in
kinetic and chemical equilibrium at temperature T decays at the rate density (X per volume per time)

    gamma_A(T) = g_A Gamma_A \int d^3p/(2 pi)^3 f_A(E) m_A/E
              = g_A Gamma_A m_A^2 T/(2 pi^2) * sum_{k>=1} (-+1)^{k+1} K1(k m_A/T)/k,

using f = 1/(e^{E/T} +- 1) = sum_k (-+1)^{k+1} e^{-kE/T} and \int_m^inf sqrt(E^2-m^2) e^{-kE/T} dE = m T K1(k m/T)/k.
Maxwell-Boltzmann ("mb") keeps only k = 1: gamma_A = g_A m_A^2 Gamma_A T K1(m_A/T)/(2 pi^2). Final-state Pauli blocking
and Bose enhancement are neglected (the X final state is far from equilibrium). Quantum statistics of A
("fermion"/"boson") uses the first ``N_QUANTUM_TERMS`` = 64 terms of the series; for the alternating (fermion) series
the last term is halved (Euler averaging). The truncation changes the rate only where N z <~ 1 (z = m/T < 0.02);
its effect on the yield is (3 pi/2) sum_{k>64} k^-5 / (3 pi/2 zeta(5)) = 1.4e-8 relative for bosons and < 1e-10
for fermions (tested against the closed form below).

Boltzmann equation. With Y = n_X/s and entropy conservation d(g_*s T^3 a^3) = 0,
dT/dt = -H T / (1 + (1/3) d ln g_*s/d ln T), so in x = m/T

    dY/dx = sum_A gamma_A (1 + (1/3) d ln g_*s/d ln T) / (x H s) * B,
          = sum_A (45 g_A Gamma_A M_Pl / (4 pi^4 m_A^2)) x_A^3 K1(x_A) [1 + (1/3) dln g_*s/dln T] / (g_*s sqrt(4 pi^3 g_*rho/45)) * B

with H = sqrt(4 pi^3 g_*rho/45) T^2/M_Pl and s = 2 pi^2 g_*s T^3/45. NOTE (sign, documented discrepancy): the factor is
(1 + (1/3) d ln g_*s/d ln T) = (1 - (1/3) d ln g_*s/d ln x). The form "(1 - (1/3) d ln g_s/d ln T)" sometimes
quoted holds only with ln x in place of ln T (tested: ``test_entropy_factor_sign``).

Back-reaction (inverse decays). Detailed balance for A <-> X + B_A with MB statistics,
f_A^eq(E_A) = f_X^eq(E_X) f_B^eq(E_B), gives the collision term gamma_A (1 - Y_X/Y_X^eq) exactly when X has the
equilibrium phase-space shape at the bath temperature. For a hidden sector at T' = r T we use the factorised form
B = 1 - Y_X/Y_X^eq(T') with Y_X^eq(T') = g_X r^3 (45/(2 pi^2 g_*s)) z'^2 K2(z')/(2 pi^2), z' = m_X/T' (MB): exact for
r = 1, an approximation otherwise (the usual "(1 - Y_X/Y_X^eq(T'))" form). A cold hidden sector, T' = 0, means "no
inverse decays" (``inverse_decays=False``, B = 1): the pure freeze-in of eq. (1.1); the r -> 0 limit of the
factorised form is singular, so r > 0 is required when inverse decays are on.

Asymmetry (eqs. (1.4), (4.1)): eta_X = sum_A eps_A * (yield of X produced by A). With inverse decays on, the CP source
is eps_A gamma_A B (it vanishes in full equilibrium, the real-intermediate-state-subtracted form) and the asymmetry is
washed out at the same relaxation rate as the yield: d eta/dx = sum_A [eps_A R_A B - R_A eta/Y_X^eq].

Exact solution with inverse decays for a constant Y_X^eq (m_X = 0, so z'^2 K2(z') = 2, and constant g_*s). Since
the CP source and the relaxation share the rate (r_A = lam_A Y_eq, lam_A = R_A/Y_eq), the equations read
dY/dt = lam (Y_eq - Y) and d eta/dt = E (Y_eq - Y) - lam eta with lam = sum_A lam_A, E = sum_A eps_A lam_A, so

    Y = Y_eq - (Y_eq - y0) e^{-Lambda},      eta = (Y_eq - y0) e^{-Lambda} sum_A eps_A Lambda_A,

Lambda_A = int lam_A dt = Y_FI,A/Y_eq (the yield species A gives without inverse decays, over Y_eq), Lambda =
sum_A Lambda_A: pure freeze-in for Lambda << 1, thermalisation and an e^{-Lambda} washout of the asymmetry for
Lambda >> 1 (the asymmetry is largest at Lambda ~ 1). Both ODE paths reproduce it to <= 4e-11 (Y) and <= 3e-10
(eta) from Lambda = 2e-3 to 20 (tests/jaxgen/test_freezein_inverse_decays_limit.py).

Closed form (constant g_*, MB, no inverse decays, Y(0) = 0): with \int_0^inf x^3 K1(x) dx = 3 pi/2,

    Y_X = 135 g_A Gamma_A M_Pl / (8 pi^3 sqrt(4 pi^3/45) g_*s sqrt(g_*rho) m_A^2),    sqrt(4 pi^3/45) = 1.6602,

with M_Pl = 1.22089e19 GeV (the familiar 1.66 is sqrt(4 pi^3/45), rounded). Quantum statistics multiply it by
sum_k (-+1)^{k+1}/k^5: zeta(5) = 1.0369 (boson), (15/16) zeta(5) = 0.9721 (fermion).

Discrepancies with Hall et al. 2010 (documented here and tested in tests/jaxgen/test_freezein.py):

* eq. (1.1) writes Y = C_FI M_Pl Gamma/m_B^2 with C_FI = 1.64 g/(g_*s sqrt(g_*rho)). The derivation gives
  C_FI = 135/(8 pi^3 sqrt(4 pi^3/45)) = 0.32783 with the Planck mass 1.22e19 GeV, and
  0.32783 * sqrt(8 pi) = 1.6435 only with the REDUCED Planck mass 2.435e18 GeV (:func:`hall_c_fi`).
* eq. (1.1) prints g_X in C_FI; the derivation (and eq. (4.1), which has g_A) gives the dof of the decaying
  particle, g_B. We use g_A.

Numerical paths
===============
* :func:`freezein_quadrature` (no inverse decays): the yield is a quadrature. In t = ln x_A the integrand
  x^4 K1(x) G(T) is analytic; 48-node Gauss-Legendre on t in [-8, 4.2] integrates x^4 K1 to 3e-12 relative. The
  nodes are fixed in x_A, so K1 is a precomputed table and only g_*(T) is evaluated per point: the fast path.
* :func:`freezein_table` (no inverse decays): the same integral is a convolution in ln m of the fixed kernel
  x^4 K1(x) with G(T), so it is tabulated once per g_* table and statistics on a ln m grid
  (``jaxgen._freezein_tables``, < 1e-7 from the converged quadrature) and a point costs one cubic
  spline lookup per species: the drop-in for :func:`freezein_quadrature` in sweeps and chains.
* ``solve_freezein(..., FreezeInSettings(solver="collocation"))``: the inverse-decay equations are LINEAR in (Y,
  eta) (:func:`_boltzmann_rhs`), so instead of an adaptive implicit solver they are collocated at 5 Radau IIA
  points on each of 64 fixed panels: one 5 x 5 linear solve per panel, panels chained by a scan of affine
  maps (:func:`_solve_collocation`). Matches Kvaerno5 at rtol 1e-11 to ~1e-9 with constant g_*; with
  tabulated g_* the uniform grid misses the g_* features (median 2e-6, max 1e-4), so it is not the default.
* :func:`solve_freezein`: the Boltzmann ODE with diffrax (any settings, inverse decays, trajectory). State normalised
  by the abundance scale so that atol is relative to it; L-stable Kvaerno5 with a PID controller; ``throw=False`` and
  a status code per point. :func:`solve_freezein_batch` sorts a batch by a stiffness key and runs it in buckets.
* :func:`solve_freezein_with_gradients` / :func:`solve_freezein_fwd`: the same ODE with its forward sensitivities
  d(u, v)/d theta carried in the state (one solve, no reverse sweep; ``jax.custom_jvp``). Measured on a loaded 2-core
  CPU (1e4 points, Tsit5): NOT cheaper than reverse mode when all 8 fields are differentiated (about as slow, ~6-8x
  the forward solve), because diffrax's Runge-Kutta stage arithmetic grows about linearly with the state size
  (2 + 2P); a single direction costs ~1.7x. Use ``wrt`` to restrict P. See experiments/benchmarks/bench_freezein.py.
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

import jaxgen_kernels as kernels

from . import _constants as c
from ._batching import broadcast_fields
from ._cosmology import Cosmology as _Cosmology
from ._units import units_field

__all__ = [
    "STATUS_BAD_INPUT",
    "FreezeInParams",
    "FreezeInSettings",
    "FreezeInResult",
    "STATUS_OK",
    "freezein_closed_form",
    "hall_c_fi",
    "production_rate_density",
    "freezein_quadrature",
    "freezein_table",
    "solve_freezein",
    "solve_freezein_batch",
    "solve_freezein_with_gradients",
    "solve_freezein_fwd",
    "FreezeInGradients",
    "stiffness_key",
    "equilibrium_yield",
    "N_QUANTUM_TERMS",
]

STATUS_OK = kernels.STATUS_OK
#: freezein_quadrature: an out-of-domain input of a traced/batched point (non-finite, mass/dof/g_x/temperature_ratio
#: <= 0, width/y0/m_x < 0, |eps| > 1: eps is a ratio of rates); its outputs are 0 (never NaN). Other codes are
#: kernels.STATUS_* (kernels.STATUS_NONFINITE: a non-finite result, outputs then 0 as well).
STATUS_BAD_INPUT = 10
#: The vocabulary of FreezeInResult.status: the kernel ODE enumeration (kernels.OdeStatus, same values and names)
#: plus BAD_INPUT (10). Decode with :func:`status_names` (snake_case) or ``FreezeInStatus.messages(code)``.
FreezeInStatus = kernels.enum_vocabulary(
    "FreezeInStatus",
    {
        **{m.name: (int(m), kernels.OdeStatus.message_of(m)) for m in kernels.OdeStatus._ordered_},
        "BAD_INPUT": (
            STATUS_BAD_INPUT,
            "out-of-domain input (non-finite, mass/dof/g_x/temperature_ratio <= 0, "
            "width/y0/m_x < 0 or |eps| > 1); outputs 0",
        ),
    },
    module=__name__,
)


def status_names(code) -> list[str]:
    """snake_case names of one FreezeInResult.status code (``[]`` for ok), e.g. ``["max_steps"]``."""
    return kernels.decode(FreezeInStatus, code)


STATISTICS = ("mb", "fermion", "boson")
N_QUANTUM_TERMS = 64
_SQRT_4PI3_45 = math.sqrt(4.0 * math.pi**3 / 45.0)  # = 1.6602, the "1.66" of H = 1.66 sqrt(g) T^2/M_Pl
_PREF = 45.0 / (4.0 * math.pi**4)  # dY/dx = _PREF g Gamma M_Pl/m^2 x^3 K1(x) F/(g_s sqrt(4pi^3 g_rho/45))
_ZETA5 = 1.0369277551433699


def _stat_sum(statistics: str) -> float:
    """sum_k (-+1)^{k+1}/k^5: the quantum-statistics factor of the closed form."""
    return {"mb": 1.0, "boson": _ZETA5, "fermion": (1.0 - 2.0**-4) * _ZETA5}[statistics]


def _check_statistics(statistics: Any) -> None:
    if statistics not in STATISTICS:
        raise ValueError(f"statistics must be one of {STATISTICS}, got {statistics!r}")


def _check_real(v: Any, name: str | None) -> None:
    """TypeError naming the field for values that are not real numbers/arrays (strings, None, complex, dicts)."""
    if name is None:
        return
    if isinstance(v, (jax.core.Tracer, jax.Array)):
        dt = v.dtype
    else:
        try:
            dt = np.asarray(v).dtype
        except Exception as exc:
            raise TypeError(f"FreezeInParams.{name} must be a real number or array, got {v!r} ({exc})") from None
    if dt == np.dtype(bool) or not (np.issubdtype(dt, np.integer) or np.issubdtype(dt, np.floating)):
        raise TypeError(
            f"FreezeInParams.{name} must be a real number or array (GeV for masses and widths), got "
            f"{type(v).__name__} {v!r}"
        )


def _as_1d(v: Any, name: str | None = None) -> jax.Array:
    _check_real(v, name)
    a = jnp.asarray(v)
    if not jnp.issubdtype(a.dtype, jnp.floating):
        a = a.astype(float)
    return jnp.atleast_1d(a) if a.ndim == 0 else a


def _as_scalar(v: Any, name: str | None = None) -> jax.Array:
    _check_real(v, name)
    a = jnp.asarray(v)
    return a.astype(float) if not jnp.issubdtype(a.dtype, jnp.floating) else a


#: the shared batch-builder of the Params classes (one implementation, :func:`jaxgen._batching.broadcast_fields`)
_broadcast_params = broadcast_fields


# ---------------------------------------------------------------------------------------------------------------
# Parameters, settings, results
# ---------------------------------------------------------------------------------------------------------------
_FI_EVENT = dict(mass=1, width=1, dof=1, eps=1, y0=0, m_x=0, g_x=0, temperature_ratio=0)


def _check_single_point(params, fn: str) -> None:
    """Entry check of the one-point functions: per-species fields (n_A,), scalar fields 0-d (under jax.vmap the
    function sees one point). A batch passed directly gets a ValueError that says what to do."""
    if not isinstance(params, FreezeInParams):
        raise TypeError(f"{fn} takes a FreezeInParams, got {type(params).__name__}")
    bad = {f: tuple(np.shape(getattr(params, f))) for f, ev in _FI_EVENT.items() if np.ndim(getattr(params, f)) != ev}
    if bad:
        raise ValueError(
            f"{fn} takes ONE point (per-species fields (n_A,), scalar fields 0-d); got {bad}. For a "
            f"batch use jax.vmap({fn})(params.broadcast()) (FreezeInParams.broadcast/batch give every "
            "field the batch axis) or solve_freezein_batch"
        )


class FreezeInParams(eqx.Module):
    """Freeze-in parameters (a PyTree: vmap over a leading batch axis, differentiate any field).

    Attributes:
        mass: masses m_A of the decaying bath species [GeV], shape (n_A,) (a scalar is one species).
        width: partial widths Gamma_A(A -> X + ...) [GeV], shape (n_A,).
        dof: internal degrees of freedom g_A, shape (n_A,).
        eps: CP asymmetries eps_A of those widths (Hall et al. eq. (4.1)), shape (n_A,); default 0.
        y0: initial X yield (at x = e^{t_min}); default 0 (pure freeze-in).
        m_x: X mass [GeV] (enters only Y_X^eq of the inverse decays); default 0.
        g_x: X internal dof (counting X and anti-X) for Y_X^eq; default 2.
        temperature_ratio: r = T'/T of the hidden sector for inverse decays (> 0 when they are on); default 1.

    Species 0 sets the reference x = m_0/T of trajectories and of ``x_half``.

    Batches: per-species fields (N, n_A) (a 1-D per-species field is the species axis, shared by all points) and
    scalar fields (N,). :meth:`broadcast` (or :meth:`batch` from scalars/lists) gives every field the batch axis, so
    that ``jax.vmap(solve_freezein)(params.broadcast())`` works with defaults left scalar; a ValueError names the
    fields whose shapes disagree.
    """

    mass: Any = units_field("GeV", converter=lambda v: _as_1d(v, "mass"))
    width: Any = units_field("GeV", converter=lambda v: _as_1d(v, "width"))
    dof: Any = units_field("1", converter=lambda v: _as_1d(v, "dof"))
    eps: Any = units_field("1", converter=lambda v: _as_1d(v, "eps"), default=0.0)
    y0: Any = units_field("1", converter=lambda v: _as_scalar(v, "y0"), default=0.0)
    m_x: Any = units_field("GeV", converter=lambda v: _as_scalar(v, "m_x"), default=0.0)
    g_x: Any = units_field("1", converter=lambda v: _as_scalar(v, "g_x"), default=2.0)
    temperature_ratio: Any = units_field("1", converter=lambda v: _as_scalar(v, "temperature_ratio"), default=1.0)

    def __check_init__(self):
        shapes = {k: jnp.shape(getattr(self, k)) for k in ("mass", "width", "dof")}
        n = shapes["mass"][-1:]
        for s in shapes.values():
            if s[-1:] != n:
                raise ValueError(f"FreezeInParams: mass, width and dof need the same number of species; got {shapes}")
        if jnp.shape(self.eps)[-1:] not in (n, (1,)):
            raise ValueError(f"FreezeInParams.eps must have one entry per species ({n}), got {jnp.shape(self.eps)}")
        for k in ("mass", "width", "dof", "g_x", "temperature_ratio"):
            v = getattr(self, k)
            if not isinstance(v, jax.core.Tracer):
                a = np.asarray(v)
                if np.any(~np.isfinite(a)) or np.any(a <= 0):
                    raise ValueError(f"FreezeInParams.{k} must be finite and > 0, got {v!r}")
        v = self.eps
        if not isinstance(v, jax.core.Tracer) and not np.all(np.isfinite(np.asarray(v))):
            raise ValueError(f"FreezeInParams.eps must be finite (CP asymmetries, |eps| <= 1), got {v!r}")
        for k in ("y0", "m_x"):
            v = getattr(self, k)
            if not isinstance(v, jax.core.Tracer):
                a = np.asarray(v)
                if np.any(~np.isfinite(a)) or np.any(a < 0):
                    raise ValueError(f"FreezeInParams.{k} must be finite and >= 0, got {v!r}")

    @property
    def n_species(self) -> int:
        return int(jnp.shape(self.mass)[-1])

    def broadcast(self) -> FreezeInParams:
        """Every field with the common batch shape: per-species fields (*batch, n_A), scalar fields (*batch,)
        (ValueError naming the fields whose shapes disagree)."""
        return _broadcast_params(self, "FreezeInParams", _FI_EVENT)[0]

    @classmethod
    def batch(cls, **fields) -> FreezeInParams:
        """A batch from scalars, lists or arrays: ``FreezeInParams.batch(mass=[[300.0], [500.0]], width=1e-20,
        dof=2.0, eps=1e-3)`` (two points of one species). Per-species fields are (N, n_A) (1-D: the species axis,
        shared), scalar fields (N,) or scalars; everything is broadcast (:meth:`broadcast`)."""
        return cls(**fields).broadcast()

    def eps_full(self) -> jax.Array:
        return jnp.broadcast_to(self.eps, jnp.shape(self.mass))


class FreezeInSettings(eqx.Module):
    """Static numerical and physics switches (hashable; changing one recompiles).

    Attributes:
        statistics: statistics of the decaying species: ``"mb"`` (default), ``"fermion"`` or ``"boson"``.
        inverse_decays: include the back-reaction (1 - Y/Y_X^eq(T')) (default False: T' = 0, pure freeze-in).
        t_min, t_max: integration range in ln x_A of every species (default [-8, 4.2]: x_A from 3.4e-4 to 67, which
            loses < 3e-12 of the yield).
        rtol, atol_rel: ODE tolerances; atol is atol_rel times the abundance scale (see :func:`solve_freezein`).
        solver: ``"auto"`` (default: explicit ``"tsit5"`` without inverse decays, where the equation is a
            non-stiff quadrature, and L-stable implicit ``"kvaerno5"`` with them, where the relaxation rate
            Gamma/H can be huge) or any name of :func:`kernels.make_solver`; or ``"collocation"``: the linear
            equations on a fixed grid of Radau IIA panels (``_solve_collocation``: no adaptive loop, no diffrax;
            rtol/atol_rel/max_steps unused, ``n_nodes`` = 5 x panels, default 320).
        max_steps: diffrax step limit per point.
        n_save: number of log-spaced x points of the saved trajectory (0: none).
        compute_x_half: compute the x at which half the yield was produced.
        adjoint: ``"recursive"`` (reverse mode, jax.grad) or ``"forward"`` (diffrax.ForwardMode: jax.jacfwd/jvp).
        n_nodes: Gauss-Legendre nodes of :func:`freezein_quadrature`. ``None`` (default): 48 for a constant-g_*
            cosmology (3e-12 relative), 384 for tabulated g_*(T), whose steep electroweak/QCD features near the
            production peak limit the quadrature to ~3e-6 relative at 384 nodes (4e-4 at 48): use
            :func:`solve_freezein` (adaptive steps) when a tabulated g_* must be integrated to better than 1e-5.
    """

    statistics: str = eqx.field(static=True, default="mb")
    inverse_decays: bool = eqx.field(static=True, default=False)
    t_min: float = eqx.field(static=True, default=-8.0)
    t_max: float = eqx.field(static=True, default=4.2)
    rtol: float = eqx.field(static=True, default=1e-10)
    atol_rel: float = eqx.field(static=True, default=1e-10)
    solver: str = eqx.field(static=True, default="auto")
    max_steps: int = eqx.field(static=True, default=4096)
    n_save: int = eqx.field(static=True, default=0)
    compute_x_half: bool = eqx.field(static=True, default=True)
    adjoint: str = eqx.field(static=True, default="recursive")
    n_nodes: int | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        _check_statistics(self.statistics)
        if not self.t_min < self.t_max:
            raise ValueError(f"need t_min < t_max, got {self.t_min}, {self.t_max}")
        if self.solver not in ("auto", "collocation"):
            kernels.make_solver(self.solver)
        if self.adjoint not in ("recursive", "forward"):
            raise ValueError(f"adjoint must be 'recursive' or 'forward', got {self.adjoint!r}")
        if not (isinstance(self.max_steps, int) and self.max_steps > 0):
            raise ValueError(f"max_steps must be a positive int, got {self.max_steps!r}")
        if self.n_nodes is not None and not (isinstance(self.n_nodes, int) and self.n_nodes >= 8):
            raise ValueError(f"n_nodes must be an int >= 8, got {self.n_nodes!r}")


class FreezeInResult(eqx.Module):
    """Freeze-in output (each field has the batch shape of the input; trajectories add a last axis).

    Attributes:
        yield_x: final total X yield Y_X = n_X/s (X plus anti-X), dimensionless.
        eta_x: final asymmetric yield eta_X = (n_X - n_Xbar)/s (Hall et al. eqs. (1.4), (4.1)).
        x_half: x = m_0/T (species 0) at which half of the produced yield Y_X - y0 had been produced (NaN-free;
            0 when not computed).
        status: int32, 0 = ok, else a kernels.STATUS_* code (the point's values are then unreliable).
        num_steps: ODE steps taken (0 for the quadrature path).
        x: saved x = m_0/T grid (shape (..., n_save)) or None.
        y: saved Y_X(x) or None.
        eta: saved eta_X(x) or None.
    """

    yield_x: jax.Array = units_field("1")
    eta_x: jax.Array = units_field("1")
    x_half: jax.Array = units_field("1")
    status: jax.Array = units_field("1")
    num_steps: jax.Array = units_field("1")
    x: Any = units_field("1", default=None)
    y: Any = units_field("1", default=None)
    eta: Any = units_field("1", default=None)


def _default_cosmology(cosmology):
    if cosmology is not None:
        return cosmology
    return _Cosmology()


# ---------------------------------------------------------------------------------------------------------------
# Closed forms and rates
# ---------------------------------------------------------------------------------------------------------------
def hall_c_fi(planck_mass: str = "reduced") -> float:
    """C_FI of Hall et al. 2010 eq. (1.1), Y = C_FI (g/(g_*s sqrt(g_*rho))) M_Pl Gamma/m^2, without the g factors.

    Args:
        planck_mass: ``"reduced"`` (M_Pl = 2.435e18 GeV): 1.6435, the paper's 1.64; ``"full"`` (1.22e19 GeV): 0.32783.

    Derivation: C_FI = 135/(8 pi^3 sqrt(4 pi^3/45)) * (M_Pl/M_used). The paper's 1.64 is only right with the
    reduced Planck mass.
    """
    base = 135.0 / (8.0 * math.pi**3 * _SQRT_4PI3_45)
    if planck_mass == "full":
        return base
    if planck_mass == "reduced":
        return base * c.M_PLANCK / c.M_PLANCK_REDUCED
    raise ValueError(f"planck_mass must be 'reduced' or 'full', got {planck_mass!r}")


def freezein_closed_form(mass, width, dof, g_s=106.75, g_rho=None, statistics: str = "mb") -> jax.Array:
    """Closed-form freeze-in yield from decays at constant g_* (Hall et al. eq. (1.1), derived; see module doc).

    Y_X = 135 g_A Gamma_A M_Pl / (8 pi^3 sqrt(4 pi^3/45) g_*s sqrt(g_*rho) m_A^2) * S, with M_Pl = 1.22089e19 GeV and
    S = 1 (MB), zeta(5) (boson), 15 zeta(5)/16 (fermion). Arrays broadcast (one species per element).

    Args:
        mass: m_A [GeV]. width: Gamma_A [GeV]. dof: g_A. g_s, g_rho: constant g_* (g_rho defaults to g_s).
        statistics: of A.
    """
    _check_statistics(statistics)
    g_rho = g_s if g_rho is None else g_rho
    return (
        135.0
        * jnp.asarray(dof)
        * jnp.asarray(width)
        * c.M_PLANCK
        * _stat_sum(statistics)
        / (8.0 * math.pi**3 * _SQRT_4PI3_45 * g_s * jnp.sqrt(g_rho) * jnp.asarray(mass) ** 2)
    )


def _series_weights(statistics: str) -> np.ndarray:
    """w_k = (-+1)^{k+1}/k of the quantum-statistics K1 series (last fermion term halved: Euler averaging)."""
    k = np.arange(1, N_QUANTUM_TERMS + 1, dtype=float)
    sign = 1.0 if statistics == "boson" else -1.0
    w = sign ** (k + 1) / k
    if statistics == "fermion":
        w[-1] *= 0.5
    return w


def _shape_scaled(x, statistics: str):
    """x^4 e^{x} * sum_k (-+1)^{k+1} K1(k x)/k (MB: x^4 e^x K1(x)); finite for all x > 0."""
    if statistics == "mb":
        return x**4 * kernels.k1e(x)
    x = jnp.asarray(x)
    # the series index LEADS (the minor axis stays that of x: see the layout note of _linear_rates)
    k = jnp.arange(1, N_QUANTUM_TERMS + 1, dtype=x.dtype).reshape((-1,) + (1,) * x.ndim)
    w = jnp.asarray(_series_weights(statistics), dtype=x.dtype).reshape(k.shape)
    kx = k * x
    tot = jnp.sum(w * kernels.k1e(kx) * jnp.exp(-(kx - x)), axis=0)
    return x**4 * tot


def _shape_scaled_np(x, statistics: str):
    """NumPy/scipy float64 twin of :func:`_shape_scaled` (for the fixed quadrature tables)."""
    import scipy.special as sp

    if statistics == "mb":
        return x**4 * sp.k1e(x)
    k = np.arange(1, N_QUANTUM_TERMS + 1, dtype=float)
    kx = np.asarray(x)[..., None] * k
    tot = np.sum(_series_weights(statistics) * sp.k1e(kx) * np.exp(-(kx - np.asarray(x)[..., None])), axis=-1)
    return x**4 * tot


def production_rate_density(temperature, mass, width, dof, statistics: str = "mb") -> jax.Array:
    """Decay production rate density gamma_A(T) of X [GeV^4] (see module doc; MB: g m^2 Gamma T K1(m/T)/(2 pi^2))."""
    _check_statistics(statistics)
    t = jnp.asarray(temperature)
    x = jnp.asarray(mass) / t
    return dof * width * t**3 / (2 * math.pi**2) * _shape_scaled(x, statistics) / x**2 * jnp.exp(-x)


def _cosmo_factor(cosmo, temperature):
    """G(T) = (1 + (1/3) dln g_s/dln T) / (g_s sqrt(4 pi^3 g_rho/45))."""
    gs = cosmo.g_s(temperature)
    grho = cosmo.g_rho(temperature)
    f = 1.0 + cosmo.dlng_s_dlnT(temperature) / 3.0
    return f / (gs * _SQRT_4PI3_45 * jnp.sqrt(grho))


def equilibrium_yield(temperature, m_x, g_x, temperature_ratio, cosmology=None) -> jax.Array:
    """Y_X^eq(T') = g_X n_MB(m_X, T') / s(T) with T' = r T (MB, dimensionless). See module doc."""
    cosmo = _default_cosmology(cosmology)
    tp = temperature_ratio * temperature
    z = jnp.maximum(m_x / tp, 1e-30)
    n1 = z**2 * kernels.k2e(z) * jnp.exp(-z) / (2 * math.pi**2)  # n per dof / T'^3 (-> 1/pi^2 for z -> 0)
    return g_x * temperature_ratio**3 * n1 * 45.0 / (2 * math.pi**2 * cosmo.g_s(temperature))


# ---------------------------------------------------------------------------------------------------------------
# Quadrature path (no inverse decays)
# ---------------------------------------------------------------------------------------------------------------
_QUAD_CACHE: dict = {}


def _quad_tables(n: int, t_min: float, t_max: float, statistics: str):
    """Gauss-Legendre nodes t_i, weights w_i, shape table S_i = x^4 sum K1(kx)/k, cumulative matrix (float64)."""
    key = (n, t_min, t_max, statistics)
    if key not in _QUAD_CACHE:
        xg, wg = np.polynomial.legendre.leggauss(n)
        h = 0.5 * (t_max - t_min)
        t = h * xg + 0.5 * (t_max + t_min)
        w = h * wg
        xs = np.exp(t)
        shape = _shape_scaled_np(xs, statistics) * np.exp(-xs)
        # cumulative integral at the nodes, exact for polynomials of degree < n: C = V_int @ V^{-1}
        V = np.polynomial.legendre.legvander(xg, n - 1)
        Vi = np.zeros_like(V)
        for j in range(n):
            cj = np.zeros(n)
            cj[j] = 1.0
            ic = np.polynomial.legendre.legint(cj, lbnd=-1.0)
            Vi[:, j] = np.polynomial.legendre.legval(xg, ic)
        cum = h * Vi @ np.linalg.inv(V)
        bary = (-1.0) ** np.arange(n) * np.sqrt((1 - xg**2) * wg)  # barycentric weights of Gauss-Legendre nodes
        _QUAD_CACHE[key] = (t, w, shape, cum, bary)
    return _QUAD_CACHE[key]


def _bary_cumulative(tq, nodes, bary, cvals, t_min, t_max, total):
    """Cumulative integral C(t) from its values at the Gauss nodes: barycentric polynomial interpolation
    (spectrally accurate for an analytic integrand); 0 below t_min, ``total`` above t_max."""
    tc = jnp.clip(tq, t_min, t_max)
    d = tc - nodes
    d = jnp.where(d == 0, 1e-300, d)
    q = bary / d
    val = jnp.sum(q * cvals) / jnp.sum(q)
    return jnp.where(tq <= t_min, 0.0, jnp.where(tq >= t_max, total, val))


def freezein_quadrature(
    params: FreezeInParams, cosmology=None, settings: FreezeInSettings | None = None
) -> FreezeInResult:
    r"""Freeze-in yield without inverse decays, as an exact Gauss-Legendre quadrature (the fast path).

    Y_X = y0 + sum_A \int dt_A (45 g_A Gamma_A M_Pl/(4 pi^4 m_A^2)) x_A^4 K1(x_A) G(T), t_A = ln x_A in
    [t_min, t_max], G(T) = (1 + dln g_s/(3 dln T))/(g_s sqrt(4 pi^3 g_rho/45)) from ``cosmology``
    (Hall et al. eqs. (1.1), (4.1); derivation in the module doc). eta_X = sum_A eps_A Y_A.

    Accuracy: 3e-12 relative for constant g_* (48 nodes); with tabulated g_*(T) ~3e-6 (384 nodes, see
    :class:`FreezeInSettings`). x_half by bisection on the barycentric interpolant of the cumulative yield at the nodes (~1e-9).
    Works in float32 (relative accuracy ~1e-6) and float64; jit/vmap/grad-able in every field.

    Args:
        params: :class:`FreezeInParams` (unbatched; vmap for batches).
        cosmology: object with ``g_s``, ``g_rho``, ``dlng_s_dlnT`` (default ``jaxgen.cosmology.Cosmology()``).
        settings: :class:`FreezeInSettings` (``inverse_decays`` must be False).
    """
    settings = FreezeInSettings() if settings is None else settings
    _check_single_point(params, "freezein_quadrature")
    if settings.inverse_decays:
        raise ValueError("freezein_quadrature has no inverse decays; use solve_freezein for inverse_decays=True")
    cosmo = _default_cosmology(cosmology)
    dtype = jnp.result_type(params.mass, params.width)
    n_nodes = settings.n_nodes
    if n_nodes is None:
        smooth = getattr(cosmo, "table", None) == "constant" and not getattr(cosmo, "extra", ())
        n_nodes = 48 if smooth else 384
    t, w, shape, cum, bary = (
        jnp.asarray(a, dtype=dtype) for a in _quad_tables(n_nodes, settings.t_min, settings.t_max, settings.statistics)
    )
    m = params.mass[..., :, None]  # (n_A, 1)
    temps = m * jnp.exp(-t)  # (n_A, n)
    pref = _PREF * c.M_PLANCK * params.dof * params.width / params.mass**2  # (n_A,)
    f = pref[:, None] * shape * _cosmo_factor(cosmo, temps)  # (n_A, n): dY_A/dt_A at nodes
    y_a = f @ w
    y = params.y0 + jnp.sum(y_a)
    eta = jnp.sum(params.eps_full() * y_a)
    x_half = jnp.zeros((), dtype=dtype)
    if settings.compute_x_half:
        cvals = f @ cum.T  # (n_A, n): yield of each species produced up to each node
        lnm = jnp.log(params.mass)
        half = 0.5 * jnp.sum(y_a)

        def produced(lnT):  # yield produced above temperature T
            return jnp.sum(
                jax.vmap(_bary_cumulative, in_axes=(0, None, None, 0, None, None, 0))(
                    lnm - lnT, t, bary, cvals, settings.t_min, settings.t_max, y_a
                )
            )

        lo = jnp.min(lnm) - settings.t_max  # ln T where everything is produced
        hi = jnp.max(lnm) - settings.t_min

        def body(_, b):
            lo_, hi_ = b
            mid = 0.5 * (lo_ + hi_)
            done = produced(mid) >= half  # produced above mid already >= half -> T_half >= mid
            return jnp.where(done, mid, lo_), jnp.where(done, hi_, mid)

        lo, hi = jax.lax.fori_loop(0, 32, body, (lo, hi))  # 2^-32 of ~12 in ln T: 3e-9
        x_half = params.mass[0] / jnp.exp(0.5 * (lo + hi))
        x_half = jax.lax.stop_gradient(x_half)
    status = jnp.where(jnp.isfinite(y) & jnp.isfinite(eta), kernels.STATUS_OK, kernels.STATUS_NONFINITE)
    status = jnp.where(_bad_input(params), STATUS_BAD_INPUT, status)
    ok = status == kernels.STATUS_OK  # failed points: outputs 0, never NaN (values of valid points untouched)
    y, eta, x_half = (jnp.where(ok, v, jnp.zeros_like(v)) for v in (y, eta, x_half))
    return FreezeInResult(
        yield_x=y, eta_x=eta, x_half=x_half, status=status.astype(jnp.int32), num_steps=jnp.zeros((), jnp.int32)
    )


def freezein_table(params: FreezeInParams, cosmology=None, settings: FreezeInSettings | None = None) -> FreezeInResult:
    r"""Freeze-in yield without inverse decays from the precomputed convolution in ln m (a drop-in for
    :func:`freezein_quadrature`: same arguments, same result fields).

    Y_X = y0 + sum_A (45 g_A Gamma_A M_Pl/(4 pi^4 m_A^2)) I_Y(m_A), eta_X = sum_A eps_A Y_A, with
    I_Y(m) = \int_{t_min}^{t_max} dt x^4 S_1(x) G(m e^{-t}) a function of the mass alone for a given g_* table,
    statistics and window (``jaxgen._freezein_tables``: tabulated once per table on a ln m grid of step 0.01 by a
    4880-node panel rule, clamped cubic spline; exact constant continuation outside the grid). Per point: one
    spline lookup per species instead of the g_*(T) evaluations at every node.

    Accuracy against the converged integral (tests/jaxgen/test_fast_solvers.py): < 1e-7 relative for tabulated
    g_* (the 384-node :func:`freezein_quadrature` is ~3e-6 off), 1e-12 for ``table="constant"`` (exact form
    G * \int k dt). Cosmologies with extra species (or other objects) fall back to the node quadrature of
    ``settings.n_nodes`` (``jaxgen._freezein_tables.is_tabulated``). ``settings.n_nodes`` is otherwise ignored.

    ``x_half`` (``settings.compute_x_half``) is taken from :func:`freezein_quadrature` (node path, its cost):
    pass ``compute_x_half=False`` for the fast path. jit/vmap/grad-able in every field (the mass derivative is the
    spline's own slope). Bad points: ``STATUS_BAD_INPUT`` with zero outputs, as :func:`freezein_quadrature`.
    """
    from ._freezein_tables import freezein_integral

    settings = FreezeInSettings() if settings is None else settings
    _check_single_point(params, "freezein_table")
    if settings.inverse_decays:
        raise ValueError("freezein_table has no inverse decays; use solve_freezein for inverse_decays=True")
    cosmo = _default_cosmology(cosmology)
    dtype = jnp.result_type(params.mass, params.width)
    bad = _bad_input(params)
    mass = jnp.where(bad | (params.mass <= 0) | ~jnp.isfinite(params.mass), 1.0, params.mass)
    integral = freezein_integral(
        mass, cosmo, settings.statistics, settings.t_min, settings.t_max, settings.n_nodes
    ).astype(dtype)
    y_a = _PREF * c.M_PLANCK * params.dof * params.width / mass**2 * integral
    y = params.y0 + jnp.sum(y_a)
    eta = jnp.sum(params.eps_full() * y_a)
    x_half = jnp.zeros((), dtype=dtype)
    if settings.compute_x_half:
        x_half = freezein_quadrature(params, cosmo, settings).x_half
    status = jnp.where(jnp.isfinite(y) & jnp.isfinite(eta), kernels.STATUS_OK, kernels.STATUS_NONFINITE)
    status = jnp.where(bad, STATUS_BAD_INPUT, status)
    ok = status == kernels.STATUS_OK
    y, eta, x_half = (jnp.where(ok, v, jnp.zeros_like(v)) for v in (y, eta, x_half))
    return FreezeInResult(
        yield_x=y, eta_x=eta, x_half=x_half, status=status.astype(jnp.int32), num_steps=jnp.zeros((), jnp.int32)
    )


def _bad_input(params: FreezeInParams) -> jax.Array:
    """True for an out-of-domain point (STATUS_BAD_INPUT): the run-time twin of the constructor checks."""
    bad = jnp.zeros((), bool)
    for k in ("mass", "width", "dof", "eps", "y0", "m_x", "g_x", "temperature_ratio"):
        bad = bad | ~jnp.all(jnp.isfinite(getattr(params, k)))
    bad = bad | jnp.any(params.mass <= 0) | jnp.any(params.width < 0) | jnp.any(params.dof <= 0)
    bad = bad | jnp.any(jnp.abs(params.eps) > 1) | (params.y0 < 0) | (params.m_x < 0) | (params.g_x <= 0)
    return bad | (params.temperature_ratio <= 0)


# ---------------------------------------------------------------------------------------------------------------
# ODE path (diffrax)
# ---------------------------------------------------------------------------------------------------------------
def _scales(params, cosmo, settings):
    """Abundance scales (Y_s, eta_s) for normalising the state: atol = atol_rel * scale."""
    g_ref = _cosmo_factor(cosmo, params.mass / 3.0) * 1.5 * math.pi  # production near T ~ m/3
    y_a = _PREF * c.M_PLANCK * params.dof * params.width / params.mass**2 * g_ref * _stat_sum(settings.statistics)
    y_fi = jnp.sum(y_a)
    ys = y_fi + params.y0
    if settings.inverse_decays:
        t_hi = jnp.max(params.mass) * math.exp(-settings.t_min)
        yeq = equilibrium_yield(t_hi, params.m_x * 0.0, params.g_x, params.temperature_ratio, cosmo)
        ys = jnp.minimum(ys, yeq)  # the final yield is <= ~Y_eq whatever y0 is: do not let a large y0 loosen atol
    es = jnp.sum(jnp.abs(params.eps_full()) * y_a)
    es = jnp.where(es > 0, jnp.minimum(es, ys), ys)
    return jax.lax.stop_gradient(ys), jax.lax.stop_gradient(es)


_KEY_COEFFS = (2.95, 548.5, 0.753, 1.621, 39.39, -150.0, 26.09)


def stiffness_key(params: FreezeInParams, cosmology=None, settings: FreezeInSettings | None = None) -> jax.Array:
    """Predicted ODE step count of :func:`solve_freezein` (for :func:`solve_freezein_batch` bucketing).

    With inverse decays: with L = log10(1 + lambda), lambda = Y_FI/Y_X^eq(m_0/3) (the freeze-in yield scale over
    the equilibrium yield: how far the coupling is from equilibrating) and R = log10(Y0/Y_X^eq),

        key = 2.95 + 548.5 L + 0.753 R+ + 1.621 R- + 39.39 L R+ - 150.0 L^2 + 26.09 min(|R|, 1),

    R+ = max(R, 0), R- = max(-R, 0): a least-squares fit of the Kvaerno5 step counts (rtol 1e-8) on 512 random
    points (Gamma in [1e-22, 1e-10] GeV, Y0/Y_eq in [1e-6, 1e6]). Only the ordering matters. Without inverse
    decays the equation is non-stiff: key = log10(1 + y0/Y_FI).
    """
    settings = FreezeInSettings() if settings is None else settings
    cosmo = _default_cosmology(cosmology)
    if not settings.inverse_decays:
        return jnp.log10(1.0 + params.y0 / (_scales(params, cosmo, settings)[0] + 1e-300))
    g_ref = _cosmo_factor(cosmo, params.mass / 3.0) * 1.5 * math.pi
    y_fi = jnp.sum(_PREF * c.M_PLANCK * params.dof * params.width / params.mass**2 * g_ref)
    yeq = equilibrium_yield(params.mass[0] / 3.0, params.m_x, params.g_x, params.temperature_ratio, cosmo)
    big_l = jnp.log10(1.0 + y_fi / yeq)
    r = jnp.log10(params.y0 / yeq + 1e-300)
    rp, rm = jnp.maximum(r, 0.0), jnp.maximum(-r, 0.0)
    a = _KEY_COEFFS
    key = (
        a[0]
        + a[1] * big_l
        + a[2] * rp
        + a[3] * rm
        + a[4] * big_l * rp
        + a[5] * big_l**2
        + a[6] * jnp.minimum(jnp.abs(r), 1.0)
    )
    return jax.lax.stop_gradient(key)


def _boltzmann_rhs(t, state, params, cosmo, settings, ys, es):
    """d(u, v)/dt of the normalised freeze-in Boltzmann equation (module doc), t = ln(m_0/T).

    Shared by :func:`solve_freezein` and :func:`solve_freezein_with_gradients`. LINEAR in the state (u, v) for
    fixed ``params``: (du, dv) = A(t) (u, v) + b(t) (A = 0 without inverse decays).
    """
    u, v = state
    m0 = params.mass[0]
    pref = _PREF * c.M_PLANCK * params.dof * params.width / params.mass**2
    eps = params.eps_full()
    temp = m0 * jnp.exp(-t)
    xa = params.mass / temp
    g = _cosmo_factor(cosmo, temp)
    src = pref * g * _shape_scaled(xa, settings.statistics) * jnp.exp(-xa)  # dY_A/dt, t = ln x (every species)
    r = jnp.sum(src)
    re = jnp.sum(eps * src)
    if not settings.inverse_decays:
        return (r / ys, re / es)
    # relaxation rate lambda = R / Y_eq, combined exponent to avoid 0 * inf
    tp = params.temperature_ratio * temp
    z = jnp.maximum(params.m_x / tp, 1e-30)
    yeq_pref = (
        params.g_x * params.temperature_ratio**3 * z**2 * kernels.k2e(z) * 45.0 / (4 * math.pi**4 * cosmo.g_s(temp))
    )
    lam_a = pref * g * _shape_scaled(xa, settings.statistics) * jnp.exp(jnp.minimum(z - xa, 600.0)) / yeq_pref
    lam = jnp.sum(lam_a)  # sum_A R_A / Y_eq
    lam_e = jnp.sum(eps * lam_a)  # sum_A eps_A R_A / Y_eq
    y = u * ys
    eta = v * es
    du = (r - lam * y) / ys
    dv = (re - lam_e * y - lam * eta) / es
    return (du, dv)


# ---------------------------------------------------------------------------------------------------------------
# Fixed-grid collocation of the linear Boltzmann equations (inverse decays; also used by jaxgen._washout)
# ---------------------------------------------------------------------------------------------------------------
#: Radau IIA stages per panel of ``solver="collocation"`` (order 2q - 1 = 9, stage order 5, L-stable).
COLLOCATION_STAGES = 5
_COLLOCATION_PANELS = 64  # default panels of solve_freezein(solver="collocation"): 320 nodes


def _radau_tableau(q: int = COLLOCATION_STAGES):
    """Radau IIA collocation: nodes c_i (roots of P_q(2c-1) - P_{q-1}(2c-1), c_q = 1), A_ij = int_0^{c_i} l_j, and
    the barycentric weights of the dense-output nodes (0, c_1, ..., c_q) (float64 NumPy, cached)."""
    key = ("radau", q)
    if key not in _QUAD_CACHE:
        cf = np.zeros(q + 1)
        cf[q], cf[q - 1] = 1.0, -1.0
        cn = np.sort((np.polynomial.legendre.legroots(cf).real + 1.0) / 2.0)
        cn[-1] = 1.0
        inv_v = np.linalg.inv(np.vander(cn, q, increasing=True))  # l_j(s) = sum_k inv_v[k, j] s^k
        pw = np.arange(1, q + 1)
        a = (cn[:, None] ** pw[None, :] / pw[None, :]) @ inv_v
        # every principal minor of A is positive (a P-matrix), so I + h A diag(lam) (lam >= 0) is one too and the
        # pivot-free elimination of _colloc_lu never divides by a non-positive pivot
        for k in range(1, q + 1):
            assert np.linalg.det(a[:k, :k]) > 0
        nodes = np.concatenate([[0.0], cn])
        bw = np.array([1.0 / np.prod([nodes[i] - nodes[j] for j in range(q + 1) if j != i]) for i in range(q + 1)])
        _QUAD_CACHE[key] = (cn, a, nodes, bw)
    return _QUAD_CACHE[key]


def _colloc_lu(h, lam, a):
    """Pivot-free LU of M = I + h A diag(lam) for every panel: lam (..., P, q), h (..., P). Returns (l, u) as
    nested lists of arrays (...,P): unit-lower multipliers and the upper factor."""
    q = a.shape[0]
    m = [[(1.0 if i == j else 0.0) + h * a[i, j] * lam[..., j] for j in range(q)] for i in range(q)]
    low: list[list[Any]] = [[None] * q for _ in range(q)]  # arrays (..., P) below the diagonal
    for k in range(q):
        for i in range(k + 1, q):
            f = m[i][k] / m[k][k]
            low[i][k] = f
            for j in range(k + 1, q):
                m[i][j] = m[i][j] - f * m[k][j]
    return low, m


def _colloc_solve(lu, rhs):
    """Solve M x = rhs with the factors of :func:`_colloc_lu` for K right-hand sides at once: rhs a list of q arrays
    (..., P, K) (row i of every right-hand side), returns the q rows of x, (..., P, K) each."""
    low, up = lu
    q = len(rhs)
    y = list(rhs)
    for i in range(q):
        for k in range(i):
            y[i] = y[i] - low[i][k][..., None] * y[k]
    x: list[Any] = [None] * q  # arrays (..., P, K), filled from the last row up
    for i in reversed(range(q)):
        s = y[i]
        for j in range(i + 1, q):
            s = s - up[i][j][..., None] * x[j]
        x[i] = s / up[i][i][..., None]
    return x


def _colloc_linear(h, lam, src, u0, kappa=None, src_v=None, v0=None):
    r"""Radau IIA collocation of du/dt = src - lam u (and optionally dv/dt = src_v - kappa u - lam v) on fixed panels.

    Per panel (width h, stage values U_i at t_a + c_i h): (I + h A Lam) U = u_a 1 + h A src, a q x q LINEAR
    system (no Newton iteration: the equation is linear), solved pivot-free (module doc of ``solve_freezein``'s
    ``"collocation"`` solver). Its solution is affine in the panel's initial value, U = u_a x1 + x2, and for the
    second equation V = v_a x1 + w1 - u_a w2 - w3 (w1 = M^-1 h A src_v, w2, w3 = M^-1 h A kappa x1, x2), so the
    panel-to-panel recurrence is an affine map (u, v) -> (al u + be, al v - de u + ga) per panel, chained by a
    ``jax.lax.scan`` over the P panels (its body is a few multiply-adds on the whole batch). Never exponentiates:
    in the stiff limit h lam >> 1 the stage values tend to src/lam (L-stable, stiffly accurate).

    Cost of the graph (measured 2026-12-03 on 2 loaded cores, the vmapped freeze-in solve with inverse decays,
    64 panels): the five solves with the same factors are two stacked solves (right-hand sides
    [1, h A src, h A src_v] and [h A kappa x1, h A kappa x2]), and the chain is a scan instead of
    ``jax.lax.associative_scan``: 1680 -> 972 jaxpr equations, gradient compile 17-24 s -> 5-11 s, gradient/forward
    10.6-10.9 -> 4.1-4.6 (reverse mode through the associative scan's log-depth slicing was the cost), forward
    unchanged within the noise. Results are identical to rounding.

    Arrays: h (..., P); lam, src, kappa, src_v (..., P, q). Returns (u_end, v_end, u_start (..., P), v_start,
    u_stage (..., P, q), v_stage) (v entries None without the second equation).
    """
    _, a, _, _ = _radau_tableau(lam.shape[-1])
    q = a.shape[0]
    aj = jnp.asarray(a, lam.dtype)

    def hA(vec):  # h A vec, per panel: vec (..., P, q, K) -> list of q arrays (..., P, K)
        return [h[..., None] * sum(aj[i, j] * vec[..., j, :] for j in range(q)) for i in range(q)]

    lu = _colloc_lu(h, lam, a)
    two = src_v is not None
    if two and kappa is None:
        raise ValueError("_colloc_linear: the second equation (src_v) needs its coupling kappa")
    ones = jnp.ones_like(h)[..., None]
    rhs = hA(jnp.stack([src, src_v] if two else [src], -1))
    x = jnp.stack(_colloc_solve(lu, [jnp.concatenate([ones, r], -1) for r in rhs]), -2)  # (..., P, q, K)
    x1, x2 = x[..., 0], x[..., 1]
    alpha, beta = x1[..., -1], x2[..., -1]
    if two:
        assert kappa is not None  # checked above
        w1 = x[..., 2]
        w = jnp.stack(_colloc_solve(lu, hA(kappa[..., None] * x[..., :2])), -2)
        w2, w3 = w[..., 0], w[..., 1]
        delta, gamma = w2[..., -1], w1[..., -1] - w3[..., -1]
    else:
        delta = gamma = jnp.zeros_like(alpha)
    ax = alpha.ndim - 1
    shape = alpha.shape[:-1]
    u0 = jnp.broadcast_to(jnp.asarray(u0, lam.dtype), shape)
    v0 = jnp.broadcast_to(jnp.zeros((), lam.dtype) if v0 is None else jnp.asarray(v0, lam.dtype), shape)

    def step(carry, e):  # one panel: (u, v) at its start -> at its end; emits the start values
        u, v = carry
        al, de, be, ga = e
        return (al * u + be, al * v - de * u + ga), (u, v)

    panels = tuple(jnp.moveaxis(e, ax, 0) for e in (alpha, delta, beta, gamma))
    (u_end, v_end), (u_start, v_start) = jax.lax.scan(step, (u0, v0), panels)
    u_start, v_start = jnp.moveaxis(u_start, 0, ax), jnp.moveaxis(v_start, 0, ax)
    u_stage = u_start[..., None] * x1 + x2
    if not two:
        return u_end, None, u_start, None, u_stage, None
    v_stage = v_start[..., None] * x1 + w1 - u_start[..., None] * w2 - w3
    return u_end, v_end, u_start, v_start, u_stage, v_stage


def _colloc_solve_t(lu, rhs):
    """Solve M^T x = rhs with the factors (L unit lower, U upper) of :func:`_colloc_lu`: U^T w = rhs forward,
    then L^T x = w backward. rhs: a list of q arrays (..., P); returns the q rows of x."""
    low, up = lu
    q = len(rhs)
    w: list[Any] = [None] * q
    for i in range(q):
        acc = rhs[i]
        for k in range(i):
            acc = acc - up[k][i] * w[k]
        w[i] = acc / up[i][i]
    x: list[Any] = [None] * q
    for i in reversed(range(q)):
        acc = w[i]
        for k in range(i + 1, q):
            acc = acc - low[k][i] * x[k]
        x[i] = acc
    return x


@jax.custom_jvp
def _colloc_end(h, lam, src, kappa, src_v, u0, v0):
    """(u_end, v_end) of :func:`_colloc_linear` with both equations, differentiated by the custom JVP below."""
    u_end, v_end, *_ = _colloc_linear(h, lam, src, u0, kappa=kappa, src_v=src_v, v0=v0)
    return u_end, v_end


@_colloc_end.defjvp
def _colloc_end_jvp(primals, tangents):
    r"""Tangent of the panel chain, linear in the tangents (so reverse mode is its transpose, a reverse scan).

    Per panel (M = I + h A Lam, U, V the stage values): u_b = e_q^T U, U = M^-1 (u_a 1 + h A src), and
    V = M^-1 (v_a 1 + h A src_v - h A (kappa o U)). With y = M^-T e_q, omega = A^T y, z = M^-T (h kappa o omega),
    zeta = A^T z (two transposed solves per panel, independent of the tangents; alpha = 1.y and delta = 1.z are
    the forward's panel maps u_b = alpha u_a + beta, v_b = alpha v_a - delta u_a + gamma):

        du_b = alpha du_a + omega . t_u,             t_u = h dsrc + dh src - (dh lam + h dlam) o U,
        dv_b = alpha dv_a - delta du_a + omega . t_v - zeta . t_u,
        t_v = h dsrc_v + dh src_v - (dh lam + h dlam) o V - (dh kappa + h dkappa) o U,

    chained by a scan over the panels. Why: plain reverse mode through the unrolled eliminations and the affine
    scan of :func:`_colloc_linear` cost ~8x its forward pass (measured 2026-12-04 on 2 cores, the vmapped
    collocation alone: 33 us forward, 261 us gradient per point); here the reverse pass is the transpose of a few
    elementwise products and one scan. Tested against plain autodiff of :func:`_colloc_linear` (forward and
    reverse mode, tests/jaxgen/test_fast_solvers.py)."""
    h, lam, src, kappa, src_v, u0, v0 = primals
    dh, dlam, dsrc, dkappa, dsrc_v, du0, dv0 = tangents
    u_end, v_end, _, _, U, V = _colloc_linear(h, lam, src, u0, kappa=kappa, src_v=src_v, v0=v0)
    assert V is not None  # both equations
    _, a, _, _ = _radau_tableau(lam.shape[-1])
    q = a.shape[0]
    lu = _colloc_lu(h, lam, a)
    zero = jnp.zeros_like(h)
    y = _colloc_solve_t(lu, [zero] * (q - 1) + [jnp.ones_like(h)])
    omega = jnp.stack([sum(float(a[i, j]) * y[i] for i in range(q)) for j in range(q)], -1)  # (..., P, q)
    hk_om = h[..., None] * kappa * omega
    z = _colloc_solve_t(lu, [hk_om[..., i] for i in range(q)])
    zeta = jnp.stack([sum(float(a[i, j]) * z[i] for i in range(q)) for j in range(q)], -1)
    alpha = jnp.sum(jnp.stack(y, -1), -1)
    delta = jnp.sum(jnp.stack(z, -1), -1)
    hx, dhx = h[..., None], dh[..., None]
    t_u = hx * dsrc + dhx * src - (dhx * lam + hx * dlam) * U
    t_v = hx * dsrc_v + dhx * src_v - (dhx * lam + hx * dlam) * V - (dhx * kappa + hx * dkappa) * U
    g_u = jnp.sum(omega * t_u, -1)
    g_v = jnp.sum(omega * t_v, -1) - jnp.sum(zeta * t_u, -1)
    ax = alpha.ndim - 1
    shape = alpha.shape[:-1]
    du0 = jnp.broadcast_to(jnp.asarray(du0, lam.dtype), shape)
    dv0 = jnp.broadcast_to(jnp.asarray(dv0, lam.dtype), shape)

    def step(carry, e):
        du, dv = carry
        al, de, gu, gv = e
        return (al * du + gu, al * dv - de * du + gv), None

    panels = tuple(jnp.moveaxis(e, ax, 0) for e in (alpha, delta, g_u, g_v))
    (du_end, dv_end), _ = jax.lax.scan(step, (du0, dv0), panels)
    return (u_end, v_end), (du_end, dv_end)


def _colloc_dense(tq, t_edges, u_start, u_stage):
    """Collocation polynomial of degree q through (t_a, u_a), (t_a + c_i h, U_i) of the panel holding each tq."""
    _, _, nodes, bw = _radau_tableau(u_stage.shape[-1])
    p = t_edges.shape[-1] - 1
    k = jnp.clip(jnp.searchsorted(t_edges, tq, side="right") - 1, 0, p - 1)
    h = t_edges[k + 1] - t_edges[k]
    tau = (tq - t_edges[k]) / jnp.where(h > 0, h, 1.0)
    vals = jnp.concatenate([u_start[k][..., None], u_stage[k]], -1)
    d = tau[..., None] - jnp.asarray(nodes, tq.dtype)
    hit = d == 0
    wq = jnp.asarray(bw, tq.dtype) / jnp.where(hit, 1.0, d)
    interp = jnp.sum(wq * vals, -1) / jnp.sum(wq, -1)
    exact = jnp.sum(jnp.where(hit, vals, 0.0), -1)
    return jnp.where(jnp.any(hit, -1), exact, interp)


def _linear_rates(t, params, cosmo, settings):
    """The coefficients of the linear freeze-in equations at the times t (any shape), as in :func:`_boltzmann_rhs`:
    dY/dt = r - lam Y, d eta/dt = r_e - lam_e Y - lam eta (lam = lam_e = 0 without inverse decays).

    Layout: the times are flattened to one axis and the species axis LEADS, (n_a, n_t), so that under vmap the
    minor (contiguous) axis of every array that feeds a Bessel function is the long node axis. With the species
    axis last, (P, q, n_a) = (64, 5, 2), XLA:CPU evaluated K1 ~3x slower per element (measured 2026-12-04,
    2 cores: 44 vs 14 ns; the same for the (P, q) = (64, 5) argument of K2); the values are the same."""
    shape = jnp.shape(t)
    t = jnp.reshape(t, (-1,))
    col = params.mass[:, None]  # (n_a, 1) against the node axis
    pref = (_PREF * c.M_PLANCK * params.dof * params.width / params.mass**2)[:, None]
    eps = params.eps_full()[:, None]
    temp = params.mass[0] * jnp.exp(-t)
    xa = col / temp
    g = _cosmo_factor(cosmo, temp)
    shp = _shape_scaled(xa, settings.statistics)
    src = pref * g * shp * jnp.exp(-xa)
    r, re = jnp.sum(src, 0).reshape(shape), jnp.sum(eps * src, 0).reshape(shape)
    if not settings.inverse_decays:
        zero = jnp.zeros_like(r)
        return r, re, zero, zero
    tp = params.temperature_ratio * temp
    z = jnp.maximum(params.m_x / tp, 1e-30)
    yeq_pref = (
        params.g_x * params.temperature_ratio**3 * z**2 * kernels.k2e(z) * 45.0 / (4 * math.pi**4 * cosmo.g_s(temp))
    )
    lam_a = pref * g * shp * jnp.exp(jnp.minimum(z - xa, 600.0)) / yeq_pref
    return r, re, jnp.sum(lam_a, 0).reshape(shape), jnp.sum(eps * lam_a, 0).reshape(shape)


def _solve_collocation(params, cosmo, settings):
    r"""``solve_freezein(..., FreezeInSettings(solver="collocation"))``: the linear Boltzmann equations on a fixed grid.

    With inverse decays the normalised state obeys (module doc, :func:`_boltzmann_rhs`)

        du/dt = r/Y_s - lam u,      dv/dt = r_e/eta_s - lam_e (Y_s/eta_s) u - lam v,      t = ln(m_0/T),

    linear with the integrating factor exp(-int lam): u(t) = u0 e^{-Lambda(t0,t)} + int r(t') e^{-Lambda(t',t)} dt'/Y_s.
    A plain cumulative quadrature of that integral (or the exponential integrator with lam frozen per interval) is
    only 1st/2nd order, and Lambda reaches 1e10 in the thermalising regime; instead each of P equal panels in t is
    collocated at the 5 Radau IIA points, which for a linear equation is one 5 x 5 linear solve per panel (no Newton
    iteration, no step-size control): order 9 for smooth coefficients, L-stable and stiffly accurate (for h lam >> 1
    the stages go to the quasi-equilibrium r/lam = Y_X^eq, errors are damped, no exp of a large positive number).
    The panels are independent given their initial values, and the solution is affine in them, so the whole
    trajectory is one ``jax.lax.scan`` of 2 x 2 affine maps over the panels (:func:`_colloc_linear`): no adaptive
    while loop, plain JAX autodiff.

    Grid: P = n_nodes // 5 panels (default 64, 320 nodes) uniform in t over the ODE's span [t0, t1]. Accuracy
    against diffrax at rtol 1e-11 (tests/jaxgen/test_fast_solvers.py): ~1e-9 relative for constant g_*
    (non-thermal, thermalising and stiff points). With tabulated g_*(T) the uniform grid does not resolve the
    electroweak/QCD features of the spline (C2 cubic pieces of width >= 0.049 in ln T): against Kvaerno5 at rtol
    1e-8 on 100 random points (m in [10, 1e4] GeV, Gamma in [1e-22, 1e-12] GeV) the median difference is 2e-6 and
    the largest 1e-4 (raise n_nodes to refine). Hence it is an option, not the default of ``solver="auto"``.
    ``num_steps`` is P. ``x_half`` and trajectories come from the degree-5 collocation polynomials (dense output).
    """
    dtype = jnp.result_type(params.mass, params.width)
    bad = _bad_input(params)
    ys, es = _scales(params, cosmo, settings)
    ys = jnp.where(jnp.isfinite(ys) & (ys > 0), ys, 1.0)
    es = jnp.where(jnp.isfinite(es) & (es > 0), es, 1.0)
    lnm = jnp.log(params.mass)
    t0 = settings.t_min + lnm[0] - jnp.max(lnm)
    t1 = settings.t_max + lnm[0] - jnp.min(lnm)
    n_panels = max(1, (settings.n_nodes or COLLOCATION_STAGES * _COLLOCATION_PANELS) // COLLOCATION_STAGES)
    cn = jnp.asarray(_radau_tableau()[0], dtype)
    edges = t0 + (t1 - t0) * jnp.linspace(0.0, 1.0, n_panels + 1, dtype=dtype)
    h = jnp.diff(edges)
    tn = edges[:-1, None] + h[:, None] * cn  # (P, q)
    r, re, lam, lam_e = _linear_rates(tn, params, cosmo, settings)
    dense = settings.compute_x_half or settings.n_save > 0
    u0 = jnp.broadcast_to(params.y0 / ys, ()).astype(dtype)
    if dense:  # the stage values for the dense output: plain autodiff through the panel chain
        u_end, v_end, u_start, v_start, u_stage, v_stage = _colloc_linear(
            h, lam, r / ys, u0, kappa=lam_e * ys / es, src_v=re / es, v0=0.0
        )
    else:  # end values only: the custom JVP (reverse mode ~its transpose, not the unrolled eliminations)
        u_end, v_end = _colloc_end(h, lam, r / ys, lam_e * ys / es, re / es, u0, jnp.zeros((), dtype))
        u_start = v_start = u_stage = v_stage = None
    assert v_end is not None  # src_v given: the second equation is solved
    y = u_end * ys
    eta = v_end * es
    status = jnp.where(jnp.isfinite(y) & jnp.isfinite(eta), kernels.STATUS_OK, kernels.STATUS_NONFINITE)
    status = jnp.where(bad, STATUS_BAD_INPUT, status).astype(jnp.int32)
    ok = status == 0
    x_half = jnp.zeros((), dtype)
    if settings.compute_x_half:
        half = 0.5 * (u_end + params.y0 / ys)
        rising = u_end >= params.y0 / ys

        def body(_, b):
            lo, hi = b
            mid = 0.5 * (lo + hi)
            above = _colloc_dense(mid, edges, u_start, u_stage) >= half
            go_left = jnp.where(rising, above, ~above)
            return jnp.where(go_left, lo, mid), jnp.where(go_left, mid, hi)

        lo, hi = jax.lax.fori_loop(0, 50, body, (t0, t1))
        x_half = jnp.where(ok, jax.lax.stop_gradient(jnp.exp(0.5 * (lo + hi))), 0.0)
    traj_x = traj_y = traj_eta = None
    if settings.n_save > 0:
        ts_save = jnp.linspace(t0, t1, settings.n_save).astype(dtype)
        traj_x = jnp.exp(ts_save)
        traj_y = _colloc_dense(ts_save, edges, u_start, u_stage) * ys
        traj_eta = _colloc_dense(ts_save, edges, v_start, v_stage) * es
        traj_y, traj_eta = (jnp.where(ok, jnp.nan_to_num(a), 0.0) for a in (traj_y, traj_eta))
    y, eta = (jnp.where(ok, v, 0.0) for v in (y, eta))
    return FreezeInResult(
        yield_x=y,
        eta_x=eta,
        x_half=x_half,
        status=status,
        num_steps=jnp.asarray(n_panels, jnp.int32),
        x=traj_x,
        y=traj_y,
        eta=traj_eta,
    )


def solve_freezein(params: FreezeInParams, cosmology=None, settings: FreezeInSettings | None = None) -> FreezeInResult:
    """Freeze-in Boltzmann ODE integrated with diffrax (Hall et al. eqs. (1.1), (1.4), (4.1); module doc).

    State (u, v) = (Y_X/Y_s, eta_X/eta_s) in t = ln(m_0/T) from t_min + ln(m_0/max m) to t_max + ln(m_0/min m),
    with Y_s the freeze-in abundance scale (capped by Y_X^eq when inverse decays are on) and eta_s = sum |eps_A| Y_A:
    the absolute tolerance is ``atol_rel`` times the abundance, not a fixed number. ``throw=False``: a failure sets
    ``status`` (kernels.STATUS_*), never aborts a batch. Differentiable (``settings.adjoint``).

    Args / returns: as :func:`freezein_quadrature`; ``num_steps`` is the diffrax step count.
    """
    settings = FreezeInSettings() if settings is None else settings
    _check_single_point(params, "solve_freezein")
    cosmo = _default_cosmology(cosmology)
    if settings.solver == "collocation":
        return _solve_collocation(params, cosmo, settings)
    dtype = jnp.result_type(params.mass, params.width)
    ys, es = _scales(params, cosmo, settings)
    lnm = jnp.log(params.mass)
    t0 = settings.t_min + lnm[0] - jnp.max(lnm)
    t1 = settings.t_max + lnm[0] - jnp.min(lnm)

    def rhs(t, state, args):
        return _boltzmann_rhs(t, state, params, cosmo, settings, ys, es)

    name = settings.solver if settings.solver != "auto" else ("kvaerno5" if settings.inverse_decays else "tsit5")
    solver = kernels.make_solver(name)
    controller = kernels.make_controller(settings.rtol, settings.atol_rel, 1.0, pcoeff=0.3, icoeff=0.4, dtmax=1.0)
    adjoint = diffrax.ForwardMode() if settings.adjoint == "forward" else diffrax.RecursiveCheckpointAdjoint()
    ts_save = None
    if settings.n_save > 0:
        ts_save = jnp.linspace(t0, t1, settings.n_save).astype(dtype)
    saveat = diffrax.SaveAt(t1=True, ts=ts_save, dense=settings.compute_x_half)
    y_init = (params.y0 / ys, jnp.zeros((), dtype))
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(rhs),
        solver,
        t0,
        t1,
        1e-3,
        y_init,
        saveat=saveat,
        stepsize_controller=controller,
        max_steps=settings.max_steps,
        throw=False,
        adjoint=adjoint,
    )
    assert sol.ys is not None  # SaveAt(t1=True)
    u_end, v_end = (a[-1] for a in sol.ys)
    y = u_end * ys
    eta = v_end * es
    status = kernels.status_from_result(sol.result, (y, eta))
    x_half = jnp.zeros((), dtype)
    if settings.compute_x_half:
        half = 0.5 * (y + params.y0) / ys  # normalised level where Y - y0 = (Y_end - y0)/2

        def body(_, b):
            lo, hi = b
            mid = 0.5 * (lo + hi)
            above = sol.evaluate(mid)[0] >= half
            rising = u_end >= params.y0 / ys
            go_left = jnp.where(rising, above, ~above)
            return jnp.where(go_left, lo, mid), jnp.where(go_left, mid, hi)

        lo, hi = jax.lax.fori_loop(0, 50, body, (t0, t1))
        x_half = jax.lax.stop_gradient(jnp.exp(0.5 * (lo + hi)))
        x_half = jnp.where(status == 0, x_half, 0.0)
    traj_x = traj_y = traj_eta = None
    if settings.n_save > 0:
        assert ts_save is not None  # set above when n_save > 0
        traj_x = jnp.exp(ts_save)
        traj_y = sol.ys[0][: settings.n_save] * ys
        traj_eta = sol.ys[1][: settings.n_save] * es
    y = jnp.where(status == 0, y, jnp.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0))
    eta = jnp.where(status == 0, eta, jnp.nan_to_num(eta, nan=0.0, posinf=0.0, neginf=0.0))
    return FreezeInResult(
        yield_x=y,
        eta_x=eta,
        x_half=x_half,
        status=status,
        num_steps=jnp.asarray(sol.stats["num_steps"], jnp.int32),
        x=traj_x,
        y=traj_y,
        eta=traj_eta,
    )


def solve_freezein_batch(
    params: FreezeInParams, cosmology=None, settings: FreezeInSettings | None = None, bucket_size: int = 16
) -> FreezeInResult:
    """:func:`solve_freezein` over a batch (leading axis of every params field), sorted into stiffness buckets.

    Points are ordered by :func:`stiffness_key` and solved ``bucket_size`` lanes at a time (``lax.map`` of a
    vmapped solve via :func:`kernels.bucketed_vmap`), so that lanes that need few steps do not wait in lockstep for
    the stiffest point of the whole batch. One compile per (batch size, settings). Results in input order. Failed
    points carry a nonzero ``status`` (yields then 0-filled, never NaN) and never abort the batch. Fields without
    the batch axis (e.g. a default y0) are broadcast first (:meth:`FreezeInParams.broadcast`).
    """
    settings = FreezeInSettings() if settings is None else settings
    cosmo = _default_cosmology(cosmology)
    params, batch = _broadcast_params(params, "FreezeInParams", _FI_EVENT)
    if len(batch) != 1:
        raise ValueError(
            f"solve_freezein_batch needs one leading batch axis (scalar fields (N,), per-species "
            f"fields (N, n_A)); got batch shape {batch}. Use FreezeInParams.batch(...) and reshape"
        )
    key = jax.vmap(lambda p: stiffness_key(p, cosmo, settings))(params)
    return kernels.bucketed_vmap(lambda p: solve_freezein(p, cosmo, settings), params, key, bucket_size)


# ---------------------------------------------------------------------------------------------------------------
# Forward sensitivities in one augmented solve
# ---------------------------------------------------------------------------------------------------------------
class FreezeInGradients(eqx.Module):
    """Derivatives of the final yields of :func:`solve_freezein_with_gradients` (each a FreezeInParams-shaped PyTree).

    Attributes:
        yield_x: d Y_X / d field for every field of :class:`FreezeInParams` (same shapes; mass/width in 1/GeV).
        eta_x: d eta_X / d field.

    The leaves are plain arrays (no ``FreezeInParams`` input checks: derivatives may be negative or zero).
    """

    yield_x: Any
    eta_x: Any


_PARAM_FIELDS = ("mass", "width", "dof", "eps", "y0", "m_x", "g_x", "temperature_ratio")


def _wrt_spec(params, wrt):
    """Boolean PyTree: which leaves of ``params`` are differentiated (``wrt`` field names; None = all)."""
    if wrt is None:
        wrt = _PARAM_FIELDS
    bad = [w for w in wrt if w not in _PARAM_FIELDS]
    if bad:
        raise ValueError(f"wrt must name fields of FreezeInParams {_PARAM_FIELDS}, got {bad}")
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(params), [f in wrt for f in _PARAM_FIELDS])


def _sensitivity_solve(params: FreezeInParams, cosmo, settings: FreezeInSettings, wrt=None):
    r"""One diffrax solve of the state (u, v) augmented with its forward sensitivities.

    theta = every floating leaf of ``params``, flattened (P entries), scaled to sigma_j theta_j with
    sigma_j = |theta_j| (1 where theta_j = 0) so that each sensitivity column is O(state) and the step-size
    controller (which sees all 2 + 2P components) weighs them evenly. With y = (u, v) and f the RHS
    (:func:`_boltzmann_rhs`), the columns S_j = dy/d(theta_j/sigma_j) obey

        S_j' = (df/dy) S_j + sigma_j df/dtheta_j,          (one ``jax.jacfwd`` of f in (y, theta) per RHS call)

    S_j(t0) = sigma_j [dy_init/dtheta_j - f(t0, y_init) dt0/dtheta_j], and at the end
    dy(t1)/dtheta_j = S_j(t1)/sigma_j + f(t1, y(t1)) dt1/dtheta_j (the moving endpoints t0, t1 depend on the masses
    when there are several species). The scales (Y_s, eta_s) are held fixed, as in :func:`solve_freezein`
    (stop_gradient), so d Y_X = Y_s du and d eta_X = eta_s dv.

    Returns (result, jac_y, jac_eta, unravel, traj_jac): jac_* of shape (P,) in theta units, traj_jac (2, n_save, P)
    or None.
    """
    from jax.flatten_util import ravel_pytree

    dtype = jnp.result_type(params.mass, params.width)
    ys, es = _scales(params, cosmo, settings)
    diff, static = eqx.partition(params, _wrt_spec(params, wrt))
    theta, unravel = ravel_pytree(diff)
    theta = jax.lax.stop_gradient(theta)  # derivatives come from the augmented state, not from tracing the solve
    sigma = jnp.where(theta != 0, jnp.abs(theta), 1.0).astype(theta.dtype)

    def p_of(th):
        return eqx.combine(unravel(th), static)

    def f(t, y, th):
        du, dv = _boltzmann_rhs(t, (y[0], y[1]), p_of(th), cosmo, settings, ys, es)
        return jnp.stack([du, dv]).astype(dtype)

    def span_init(th):
        p = p_of(th)
        lnm = jnp.log(p.mass)
        t0 = settings.t_min + lnm[0] - jnp.max(lnm)
        t1 = settings.t_max + lnm[0] - jnp.min(lnm)
        y_init = jnp.stack([p.y0 / ys, jnp.zeros((), dtype)]).astype(dtype)
        return t0, t1, y_init

    t0, t1, y_init = span_init(theta)
    # columns of d(t0, t1, y_init)/dtheta scaled by sigma: one forward-mode Jacobian of a cheap function
    dt0, dt1, dy_init = jax.jacfwd(lambda s: span_init(theta + s * sigma))(jnp.zeros_like(theta))
    s_init = dy_init - f(t0, y_init, theta)[:, None] * dt0[None, :]  # (2, P)

    def aug_rhs(t, state, args):
        y, s = state
        fy = f(t, y, theta)
        jy, jth = jax.jacfwd(lambda yy, tt: f(t, yy, tt), argnums=(0, 1))(y, theta)  # (2, 2), (2, P)
        return (fy, jy @ s + jth * sigma[None, :])

    if settings.solver == "collocation":
        raise ValueError(
            "the forward-sensitivity solve needs a diffrax solver; for solver='collocation' "
            "differentiate solve_freezein directly (jax.grad / jax.jacfwd: plain autodiff of the "
            "fixed-grid solve, about one extra forward pass)"
        )
    name = settings.solver if settings.solver != "auto" else ("kvaerno5" if settings.inverse_decays else "tsit5")
    solver = kernels.make_solver(name)
    controller = kernels.make_controller(settings.rtol, settings.atol_rel, 1.0, pcoeff=0.3, icoeff=0.4, dtmax=1.0)
    ts_save = None
    if settings.n_save > 0:
        ts_save = jnp.linspace(t0, t1, settings.n_save).astype(dtype)
    saveat = diffrax.SaveAt(t1=True, ts=ts_save, dense=settings.compute_x_half)
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(aug_rhs),
        solver,
        t0,
        t1,
        1e-3,
        (y_init, s_init),
        saveat=saveat,
        stepsize_controller=controller,
        max_steps=settings.max_steps,
        throw=False,
        adjoint=diffrax.RecursiveCheckpointAdjoint(),
    )
    assert sol.ys is not None  # SaveAt(t1=True)
    y_end = sol.ys[0][-1]
    s_end = sol.ys[1][-1]
    dy_end = s_end / sigma[None, :] + f(t1, y_end, theta)[:, None] * (dt1 / sigma)[None, :]  # (2, P)
    y = y_end[0] * ys
    eta = y_end[1] * es
    status = kernels.status_from_result(sol.result, (y, eta))
    ok = status == 0
    jac_y = jnp.where(ok, dy_end[0] * ys, 0.0)
    jac_eta = jnp.where(ok, dy_end[1] * es, 0.0)
    x_half = jnp.zeros((), dtype)
    if settings.compute_x_half:
        half = 0.5 * (y + params.y0) / ys
        u_end = y_end[0]

        def body(_, b):
            lo, hi = b
            mid = 0.5 * (lo + hi)
            above = sol.evaluate(mid)[0][0] >= half
            rising = u_end >= params.y0 / ys
            go_left = jnp.where(rising, above, ~above)
            return jnp.where(go_left, lo, mid), jnp.where(go_left, mid, hi)

        lo, hi = jax.lax.fori_loop(0, 50, body, (t0, t1))
        x_half = jnp.where(ok, jnp.exp(0.5 * (lo + hi)), 0.0)
    traj_x = traj_y = traj_eta = traj_jac = None
    if settings.n_save > 0:
        n = settings.n_save
        assert ts_save is not None  # set above when n_save > 0
        traj_x = jnp.exp(ts_save)
        yt = sol.ys[0][:n]  # (n, 2)
        st = sol.ys[1][:n]  # (n, 2, P)
        frac = jnp.linspace(0.0, 1.0, n).astype(dtype)
        dts = (1 - frac)[:, None] * dt0[None, :] + frac[:, None] * dt1[None, :]  # (n, P), sigma-scaled
        ft = jax.vmap(lambda t, yy: f(t, yy, theta))(ts_save, yt)  # (n, 2)
        dyt = (st + ft[:, :, None] * dts[:, None, :]) / sigma  # d y(t_i(theta))/dtheta at the moving save times
        traj_y = yt[:, 0] * ys
        traj_eta = yt[:, 1] * es
        traj_jac = (dyt[:, 0] * ys, dyt[:, 1] * es)
    y = jnp.where(ok, y, jnp.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0))
    eta = jnp.where(ok, eta, jnp.nan_to_num(eta, nan=0.0, posinf=0.0, neginf=0.0))
    result = FreezeInResult(
        yield_x=y,
        eta_x=eta,
        x_half=x_half,
        status=status,
        num_steps=jnp.asarray(sol.stats["num_steps"], jnp.int32),
        x=traj_x,
        y=traj_y,
        eta=traj_eta,
    )
    return result, jac_y, jac_eta, unravel, static, traj_jac


def solve_freezein_with_gradients(
    params: FreezeInParams, cosmology=None, settings: FreezeInSettings | None = None, wrt: tuple[str, ...] | None = None
) -> tuple[FreezeInResult, FreezeInGradients]:
    """:func:`solve_freezein` plus d(Y_X, eta_X)/d(every field of ``params``) from ONE forward-sensitivity solve.

    The Boltzmann equation (Hall et al. eqs. (1.1), (1.4), (4.1); module doc) is linear in the normalised state,
    so its sensitivities S = d(u, v)/d theta obey a linear ODE driven by the same RHS; they are integrated together
    with the state (see :func:`_sensitivity_solve`): no reverse sweep, no checkpoints, no tape. Same solver,
    controller and tolerances as :func:`solve_freezein` (the controller also bounds the error of the sensitivities,
    so the values agree with :func:`solve_freezein` to the tolerance, not bit for bit). ``settings.adjoint`` is
    ignored. Failed points (status != 0) get zero gradients.

    Cost: the solver carries 2 + 2P components (P = number of differentiated scalars); on CPU the Runge-Kutta
    stage arithmetic grows about linearly with that, so pass ``wrt`` (field names, e.g. ``("mass", "width")``) to
    differentiate only what is needed; the other fields of the gradients are ``None``.

    Returns:
        (result, grads): a :class:`FreezeInResult` and :class:`FreezeInGradients` (grads.yield_x.width is
        d Y_X/d Gamma_A [1/GeV], etc.). Unbatched; vmap for batches.
    """
    settings = FreezeInSettings() if settings is None else settings
    cosmo = _default_cosmology(cosmology)
    result, jac_y, jac_eta, unravel, _, _ = _sensitivity_solve(params, cosmo, settings, wrt)
    grads = FreezeInGradients(yield_x=unravel(jac_y), eta_x=unravel(jac_eta))
    return result, grads


def solve_freezein_fwd(
    params: FreezeInParams, cosmology=None, settings: FreezeInSettings | None = None
) -> FreezeInResult:
    """:func:`solve_freezein` whose derivatives come from the forward-sensitivity solve (``jax.custom_jvp``).

    ``jax.jvp``, ``jax.jacfwd`` and ``jax.grad`` (through the transposed JVP) of ``yield_x``, ``eta_x`` and the
    trajectories ``y``, ``eta`` with respect to any field of ``params`` use the P sensitivities integrated in the
    same solve as the values (:func:`solve_freezein_with_gradients`) instead of differentiating through diffrax.
    ``x_half``, ``x``, ``status`` and ``num_steps`` carry zero tangents. ``cosmology`` and ``settings`` are not
    differentiated.
    """
    settings = FreezeInSettings() if settings is None else settings
    cosmo = _default_cosmology(cosmology)
    diff, static = eqx.partition(params, eqx.is_inexact_array)

    @jax.custom_jvp
    def core(d):
        return _sensitivity_solve(eqx.combine(d, static), cosmo, settings)[0]

    @core.defjvp
    def core_jvp(primals, tangents):
        from jax.flatten_util import ravel_pytree

        (d,), (dd,) = primals, tangents
        res, jac_y, jac_eta, _, _, traj_jac = _sensitivity_solve(eqx.combine(d, static), cosmo, settings)
        dtheta = ravel_pytree(dd)[0].astype(jac_y.dtype)

        def zero(a):
            if a is None:
                return None
            if jnp.issubdtype(a.dtype, jnp.inexact):
                return jnp.zeros_like(a)
            return np.zeros(a.shape, dtype=jax.dtypes.float0)

        tan = jax.tree_util.tree_map(zero, res)
        tan = eqx.tree_at(lambda r: (r.yield_x, r.eta_x), tan, (jac_y @ dtheta, jac_eta @ dtheta))
        if traj_jac is not None:
            tan = eqx.tree_at(lambda r: (r.y, r.eta), tan, (traj_jac[0] @ dtheta, traj_jac[1] @ dtheta))
        return res, tan

    return core(diff)
