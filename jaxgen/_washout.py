"""R-breaking (Majorana-mass) washout of the sparticle asymmetry (Ardu, Queiroz Correa, Vives 2025, Sections 2, 4).

Derivations and every discrepancy with the printed formulas: ``docs/derivations/washout.md``.  Units: GeV, z = m/T.

Contents
--------
* Loop-induced R-breaking masses at T = 0: bino Majorana mass (eq. (18)) and higgsino mu-term (eq. (19)).
* Thermal R-breaking masses (eq. (20)), with the Boltzmann or loop suppression of a heavy singlet S_1.
* The asymmetry-removing process stau_R stau_R -> tau tau through a bino with a Majorana mass insertion (eq. (4)),
  for a pure Majorana bino or a Dirac bino with a small Majorana mass (eq. (7)).
* The decoupling z_b = m/T_b from Gamma(z) = H(z) (eqs. (5), (7)), solved by Newton steps in ln z with implicit
  (``jax.lax.custom_root``) gradients.
* The surviving asymmetry ratio (eq. (6)) and the instant-decoupling washout factor k(z_b)/k(0).
* Beyond the paper: the washout factor epsilon of eq. (26) from a Boltzmann equation for the NLSP asymmetry
  A = Y_NLSP - Y_NLSPbar, integrated with diffrax,

      dA/dz = -(Gamma_wo(z) / (z H(z))) (A - A_eq(z)),   A_eq(z) = A_0 k(z)/k(0),

  where A_eq is the NLSP asymmetry in chemical equilibrium with the SM lepton chemical potential (which the washout
  drives the NLSP towards, mu_stau -> mu_tau) and Gamma_wo = 2 n_eq <sigma v> (Maxwell-Boltzmann) is the relaxation
  rate of the asymmetry (each reaction removes two units).  epsilon = A(z -> inf)/A_0.
  ``equilibrium_target=False`` solves the pure-decay form dA/dz = -Gamma_wo/(zH) A instead (no regeneration of the
  NLSP asymmetry from the SM bath: epsilon = exp(-int Gamma_wo/(zH) dz), a lower bound).
  The equation is linear in A: ``washout_factor(..., solver="collocation")`` solves it on a fixed grid adapted to
  the freeze-out (Radau IIA collocation, one 5 x 5 linear solve per panel, no adaptive loop;
  :func:`_washout_collocation`), and ``solver="quadrature"`` (the Ardu chain's default) evaluates its exact
  solution epsilon = e(z_end) + int (-de/dz) exp(-U(z)) dz (U the remaining optical depth) on 64 exp-fitted nodes
  (:func:`_washout_quadrature`); the diffrax solve stays the reference.

Derived differences with the printed paper (also in the docstrings below and in ``tests/jaxgen/test_washout.py``):
  D1 (eq. 5): n_eq of a non-relativistic scalar is m^3 z^{-3/2} e^{-z}/(2 pi)^{3/2}, not m^3 z^{-3/2} e^{-z}/pi^2,
     and H = 1.66 sqrt(g_*) T^2/M_Pl, not sqrt(g_*) T^2/M_Pl; the paper also drops the (1/2) ln z term of the
     decoupling condition.  We solve the exact condition; the paper's closed form is :func:`decoupling_z_paper`.
     For m = 1 TeV, M_B = 10 TeV both give z_b ~ 23.
  D2 (eq. 6): the printed "~1e-10 for z ~ 23" is e^{-23} only; the formula of eq. (6) itself gives 8.6e-9.
  D3 (eq. 7): the Delta L = 2 part of the propagator of a Dirac bino (mass M_D) with a Majorana mass M_M is
     M_M p^2 / [(p^2 - M_D^2)^2 - ...], evaluated at the threshold momentum transfer t = -m^2 it is
     M_M m^2/((m^2 + M_D^2)^2 + M_M^2 m^2), i.e. an extra (m^2/(m^2 + M_D^2))^2 in <sigma v> relative to the
     printed M_M^2/M_D^4 (eq. 7).  Default ``propagator="derived"``; ``"paper"`` reproduces eq. (7).
  D4 (text after eq. 7): "z ~ 1 needs the Majorana mass 10 orders of magnitude below the Dirac mass" follows from
     eq. (7) only for (M_M/M_D)^2 ~ 1e-10, i.e. M_M/M_D ~ e^{-11} ~ 2e-5 (5 orders of magnitude).
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
from ._batching import broadcast_fields as _broadcast_params
from ._checks import concrete_real
from ._cosmology import Cosmology
from ._freezeout import _seq_to_array
from ._units import units_field

__all__ = [
    "STATUS_OK",
    "STATUS_NO_EQUILIBRIUM",
    "STATUS_NO_DECOUPLING",
    "STATUS_BAD_INPUT",
    "STATUS_ODE_FAILED",
    "G_HYPERCHARGE",
    "WashoutParams",
    "ThermalMasses",
    "Decoupling",
    "WashoutResult",
    "bino_majorana_mass_loop",
    "higgsino_mu_loop",
    "s1_suppression",
    "thermal_r_breaking_masses",
    "bino_propagator_factor",
    "sigma_v",
    "equilibrium_density",
    "interaction_rate",
    "washout_rate",
    "decoupling",
    "decoupling_z_paper",
    "surviving_ratio_eq6",
    "surviving_ratio",
    "instant_washout_factor",
    "hierarchy_suppression",
    "washout_factor",
    "washout_factor_batch",
]

STATUS_OK = 0
"""Everything fine."""
STATUS_NO_EQUILIBRIUM = 1
"""(Decoupling only, informational) Gamma < H already at z_min: the washout was never in equilibrium; z_b = z_min."""
STATUS_NO_DECOUPLING = 2
"""Gamma > H still at z_max (or the washout is still active at z_end): z_b = z_max, epsilon ~ 0."""
STATUS_BAD_INPUT = 4
"""An input is out of domain: a mass not finite and positive (m_dirac >= 0), alpha_em, g_nlsp not > 0, sin2_theta_w
not in (0, 1) (outputs set to 0, never NaN)."""
STATUS_ODE_FAILED = 8
"""The diffrax solve failed (max steps, step size, non-finite); epsilon set to 0."""
STATUS_NONFINITE = 16
"""The decoupling solve gave a non-finite z_b (overflow at extreme inputs, e.g. m_NLSP = 1e300 GeV); outputs 0."""
#: The vocabulary of Decoupling.status (one of these) and WashoutResult.status (their ``|``): bit flags.
#: Decode with :func:`status_names` (snake_case) or ``WashoutStatus.messages(code)``.
WashoutStatus = kernels.flag_vocabulary(
    "WashoutStatus",
    {
        "NO_EQUILIBRIUM": (STATUS_NO_EQUILIBRIUM, "never in equilibrium: Gamma < H already at z_min (weak washout)"),
        "NO_DECOUPLING": (STATUS_NO_DECOUPLING, "still in equilibrium at z_max / z_end: epsilon is an upper bound"),
        "BAD_INPUT": (
            STATUS_BAD_INPUT,
            "out-of-domain input (a mass not finite and positive, alpha_em or g_nlsp not "
            "> 0, sin2_theta_w not in (0, 1)); outputs 0",
        ),
        "ODE_FAILED": (STATUS_ODE_FAILED, "the diffrax solve failed; epsilon set to 0"),
        "NONFINITE": (STATUS_NONFINITE, "non-finite decoupling z_b (overflow at extreme inputs); outputs 0"),
    },
    module=__name__,
)


def status_names(code) -> list[str]:
    """snake_case names of the bits of one washout status code (``[]`` for ok), e.g. ``["no_decoupling"]``."""
    return kernels.decode(WashoutStatus, code)


G_HYPERCHARGE: float = math.sqrt(4.0 * math.pi * c.ALPHA_EM_MZ / (1.0 - c.SIN2_THETA_W))
"""U(1)_Y coupling g' = e/cos(theta_W) at m_Z (SM normalisation, = 0.3575), from ALPHA_EM_MZ and SIN2_THETA_W."""

_LOOP = 1.0 / (16.0 * math.pi**2)
_STATS = ("mb", "boson")
_PROPAGATORS = ("derived", "paper")
_SUPPRESSIONS = ("none", "boltzmann", "loop", "max")


# ---------------------------------------------------------------------------------------------------------------
# Loop-induced and thermal R-breaking masses
# ---------------------------------------------------------------------------------------------------------------
def bino_majorana_mass_loop(lambda1, kappa, b_kappa, g1=G_HYPERCHARGE):
    """Three-loop bino Majorana mass M_1 ~ (1/16 pi^2)^3 lambda_1^2 g_1^2 kappa B_kappa in GeV (Ardu et al. eq. (18)).

    Args: lambda1, kappa (dimensionless superpotential couplings), b_kappa (GeV, soft R-breaking trilinear),
    g1 (U(1)_Y coupling, default SM-normalised g' at m_Z).  An order-of-magnitude estimate (O(1) factors unknown).
    """
    return _LOOP**3 * lambda1**2 * g1**2 * kappa * b_kappa


def higgsino_mu_loop(lambda1, kappa, b_kappa):
    """Two-loop R-breaking higgsino mass mu ~ (1/16 pi^2)^2 lambda_1 kappa B_kappa in GeV (Ardu et al. eq. (19))."""
    return _LOOP**2 * lambda1 * kappa * b_kappa


def s1_suppression(temperature, m_s1, b_kappa=None, kind="boltzmann"):
    """Suppression of the thermal R-breaking masses by a heavy singlet S_1 (Ardu et al. text below eq. (20)).

    Args:
        temperature: T in GeV.  m_s1: S_1 mass in GeV.  b_kappa: B_kappa in GeV (needed for "loop"/"max").
        kind (static): "none" (1), "boltzmann" = n_B(m_S1/T)/n_B(0) (S_1 number density relative to a massless
            boson, smooth in m/T), "loop" = B_kappa T/(16 pi^2 M_S1^2) (the paper's "1/(16 pi^2) B_kappa/M_S1^2
            factor" made dimensionless with the one power of T the thermal mass carries; capped at 1), or "max" =
            the larger of the two (whichever contribution dominates).
    Returns: dimensionless factor in (0, 1].
    """
    if kind not in _SUPPRESSIONS:
        raise ValueError(f"kind must be one of {_SUPPRESSIONS}, got {kind!r}")
    t = jnp.asarray(temperature)
    if kind == "none":
        return jnp.ones_like(t * 1.0)
    z = m_s1 / t
    boltz = kernels.number_density(z, "boson") / kernels.number_density(jnp.zeros_like(z), "boson")
    if kind == "boltzmann":
        return boltz
    if b_kappa is None:
        raise ValueError("s1_suppression(kind='loop' or 'max') needs b_kappa (GeV)")
    loop = jnp.minimum(_LOOP * b_kappa * t / m_s1**2, 1.0)
    return loop if kind == "loop" else jnp.maximum(boltz, loop)


class ThermalMasses(eqx.Module):
    """Thermal R-breaking masses (Ardu et al. eq. (20)), all in GeV except ``suppression``.

    Attributes:
        m1: bino Majorana mass M_1(T) = lambda_1^2 |kappa| T x suppression.
        mu: higgsino mass mu(T) = lambda_1 kappa T x suppression.
        suppression: the S_1 factor of :func:`s1_suppression` (dimensionless).
    """

    m1: Any = units_field("GeV")
    mu: Any = units_field("GeV")
    suppression: Any = units_field("1")


def thermal_r_breaking_masses(temperature, lambda1, kappa, m_s1=None, b_kappa=None, kind="boltzmann"):
    """Thermal R-breaking masses M_1(T) ~ lambda_1^2 kappa* T, mu(T) ~ lambda_1 kappa T (Ardu et al. eq. (20)).

    The O(1) prefactors are unknown (the paper's "propto"); we set them to 1.  With ``m_s1`` given, the S_1
    suppression of :func:`s1_suppression` (``kind``) multiplies both; without it, ``kind`` must be "none" or is
    ignored (no suppression).  Returns a :class:`ThermalMasses`.  Example (footnote 4): lambda_1 = 1e-3,
    kappa = 1e-6 give mu(T)/T = 1e-9 unsuppressed.
    """
    t = jnp.asarray(temperature)
    supp = jnp.ones_like(t * 1.0) if m_s1 is None else s1_suppression(t, m_s1, b_kappa, kind)
    return ThermalMasses(m1=lambda1**2 * jnp.abs(kappa) * t * supp, mu=lambda1 * kappa * t * supp, suppression=supp)


# ---------------------------------------------------------------------------------------------------------------
# Washout process and rates
# ---------------------------------------------------------------------------------------------------------------
class WashoutParams(eqx.Module):
    """The asymmetry-removing process stau_R stau_R -> tau tau through a bino (Ardu et al. eqs. (4), (7)).

    Attributes:
        m_nlsp: NLSP (right-handed stau) mass in GeV.
        m_majorana: bino Majorana mass M_M in GeV (the R-breaking mass; e.g. from eq. (18) or eq. (20)).
        m_dirac: bino Dirac mass M_D in GeV (0 = a pure Majorana bino, eq. (4)).
        alpha_em: electromagnetic coupling (default alpha(m_Z) = 1/127.93).
        sin2_theta_w: weak mixing angle (default 0.23129).
        propagator (static): "derived" (default, D3 in the module docstring) or "paper" (eq. (7) as printed).
        statistics (static): NLSP statistics for n_eq and k(z): "mb" (Maxwell-Boltzmann, as the paper) or "boson".
        g_nlsp: NLSP internal degrees of freedom (1 for stau_R).
    All continuous fields are differentiable and may be batched (vmap over a batched WashoutParams).
    :meth:`broadcast` (or :meth:`batch` from scalars/lists) gives every continuous field the common batch shape,
    so that ``jax.vmap(washout_factor)(p.broadcast())`` works with defaults left scalar (ValueError naming the
    fields whose shapes disagree); :func:`washout_factor_batch` does it for you.
    """

    m_nlsp: Any = units_field("GeV", converter=lambda v: _seq_to_array(v))
    m_majorana: Any = units_field("GeV", converter=lambda v: _seq_to_array(v))
    m_dirac: Any = units_field("GeV", converter=lambda v: _seq_to_array(v), default=0.0)
    alpha_em: Any = units_field("1", converter=lambda v: _seq_to_array(v), default=c.ALPHA_EM_MZ)
    sin2_theta_w: Any = units_field("1", converter=lambda v: _seq_to_array(v), default=c.SIN2_THETA_W)
    g_nlsp: Any = units_field("1", converter=lambda v: _seq_to_array(v), default=1.0)
    propagator: str = eqx.field(static=True, default="derived")
    statistics: str = eqx.field(static=True, default="mb")

    def __check_init__(self):
        if self.propagator not in _PROPAGATORS:
            raise ValueError(f"propagator must be one of {_PROPAGATORS}, got {self.propagator!r}")
        if self.statistics not in _STATS:
            raise ValueError(f"statistics must be one of {_STATS}, got {self.statistics!r}")
        for name in ("m_nlsp", "m_majorana", "m_dirac", "alpha_em", "sin2_theta_w", "g_nlsp"):
            v = getattr(self, name)
            if isinstance(v, jax.core.Tracer):
                continue
            arr = concrete_real("WashoutParams", name, v, " (GeV for masses)")
            if arr.ndim == 0 and not (math.isfinite(float(arr)) and float(arr) >= 0):
                raise ValueError(f"WashoutParams.{name} must be finite and >= 0, got {v!r}")
        for name in ("m_nlsp", "alpha_em", "sin2_theta_w", "g_nlsp"):
            v = getattr(self, name)
            if not isinstance(v, jax.core.Tracer) and np.ndim(v) == 0 and float(v) <= 0:
                raise ValueError(f"WashoutParams.{name} must be > 0, got {v!r}")
        if (
            not isinstance(self.sin2_theta_w, jax.core.Tracer)
            and np.ndim(self.sin2_theta_w) == 0
            and not float(self.sin2_theta_w) < 1
        ):
            raise ValueError(f"WashoutParams.sin2_theta_w must lie in (0, 1), got {self.sin2_theta_w!r}")

    def broadcast(self) -> WashoutParams:
        """Every continuous field with the common batch shape (float arrays); ValueError naming the fields whose
        shapes disagree."""
        return _broadcast_params(self, "WashoutParams", _WO_EVENT)[0]

    @classmethod
    def batch(cls, **fields) -> WashoutParams:
        """A batch from scalars, lists or arrays, broadcast together: ``WashoutParams.batch(m_nlsp=[1e3, 2e3],
        m_majorana=1.0)``."""
        return cls(**fields).broadcast()


_WO_EVENT = dict(m_nlsp=0, m_majorana=0, m_dirac=0, alpha_em=0, sin2_theta_w=0, g_nlsp=0)


def bino_propagator_factor(p: WashoutParams):
    """|Delta L = 2 part of the bino propagator| at the threshold momentum transfer t = -m^2, in 1/GeV.

    "derived": exact 2x2 (bino, singlino) Majorana propagator with mass matrix [[M_M, M_D], [M_D, 0]]:
        [M (t - M^2)^{-1}]_BB = M_M t / ((t - M_M^2 - M_D^2)(t - M_D^2) - M_M^2 M_D^2)
        -> M_M m^2 / ((m^2 + M_D^2)^2 + M_M^2 m^2),
    which is M_M/(m^2 + M_M^2) for M_D = 0 (eq. (4)) and M_M m^2/M_D^4 for M_D >> m, M_M.
    "paper": M_M/(m^2 + M_M^2 + M_D^2): eq. (4) for M_D = 0 and M_M/M_D^2 (eq. (7)) for M_D >> m.
    """
    m2, mm, md2 = p.m_nlsp**2, p.m_majorana, p.m_dirac**2
    if p.propagator == "paper":
        return mm / (m2 + mm**2 + md2)
    return mm * m2 / ((m2 + md2) ** 2 + mm**2 * m2)


def sigma_v(p: WashoutParams):
    """s-wave <sigma v> of stau_R stau_R -> tau tau in GeV^-2 (Ardu et al. eq. (4); derivation in washout.md).

    <sigma v> = 16 pi alpha^2 / cos^4(theta_W) x P^2 with P = :func:`bino_propagator_factor`; for a pure Majorana
    bino this is eq. (4) exactly: 16 pi alpha^2 M_B^2 / (cos^4 theta_W (m^2 + M_B^2)^2).
    """
    cw2 = 1.0 - p.sin2_theta_w
    return 16.0 * math.pi * p.alpha_em**2 / cw2**2 * bino_propagator_factor(p) ** 2


def _log_n_over_t3(z, statistics):
    """ln(n_eq/T^3) per degree of freedom."""
    if statistics == "mb":
        return 2.0 * jnp.log(z) + jnp.log(kernels.k2e(z)) - z - math.log(2.0 * math.pi**2)
    return jnp.log(kernels.number_density(z, statistics))


def _log_k(z, statistics):
    """ln k(z) (asymmetry susceptibility, n - nbar = g T^2 mu k/6); MB: k = 6 z^2 K2(z)/pi^2."""
    if statistics == "mb":
        return math.log(6.0 / math.pi**2) + 2.0 * jnp.log(z) + jnp.log(kernels.k2e(z)) - z
    return jnp.log(kernels.asymmetry_factor(z, statistics))


def _k0(statistics):
    return 12.0 / math.pi**2 if statistics == "mb" else 2.0


def equilibrium_density(z, p: WashoutParams):
    """Equilibrium NLSP number density n_eq in GeV^3 at T = m/z (g_nlsp dof; MB: g m^3 K2(z)/(2 pi^2 z)).

    The paper's eq. (5) writes m^3 z^{-3/2} e^{-z}/pi^2; the non-relativistic limit of the exact expression is
    m^3 z^{-3/2} e^{-z}/(2 pi)^{3/2} (difference D1: a factor pi^2/(2 pi)^{3/2} = 0.63).
    """
    t = p.m_nlsp / z
    return p.g_nlsp * jnp.exp(_log_n_over_t3(z, p.statistics)) * t**3


def interaction_rate(z, p: WashoutParams):
    """Gamma = n_eq <sigma v> in GeV, the per-particle rate of the decoupling condition (Ardu et al. eq. (5))."""
    return equilibrium_density(z, p) * sigma_v(p)


def _log_washout_rate(z, p):
    # Gamma_wo = 24 n_eq^2 <sigma v> / (g k T^3) (linearised in mu; MB: = 2 n_eq <sigma v>)
    t = p.m_nlsp / z
    return (
        math.log(24.0)
        + 2.0 * _log_n_over_t3(z, p.statistics)
        - _log_k(z, p.statistics)
        + jnp.log(p.g_nlsp)
        + jnp.log(sigma_v(p))
        + 3.0 * jnp.log(t)
    )


def washout_rate(z, p: WashoutParams):
    """Relaxation rate of the NLSP asymmetry Gamma_wo in GeV: d n_Delta/dt = -Gamma_wo (n_Delta - n_Delta^eq).

    From d n_Delta/dt = -<sigma v> (n^2 - nbar^2 - [same at mu = mu_tau]) with n = n_eq e^{mu/T} linearised in mu
    and n_Delta = g T^2 mu k(z)/6: Gamma_wo = 24 g n_eq1^2 <sigma v>/(k T^3) (n_eq1 per dof), = 2 n_eq <sigma v>
    = 2 Gamma for Maxwell-Boltzmann statistics (each reaction removes two units of asymmetry).
    """
    return jnp.exp(_log_washout_rate(z, p))


# ---------------------------------------------------------------------------------------------------------------
# Decoupling z_b
# ---------------------------------------------------------------------------------------------------------------
class Decoupling(eqx.Module):
    """Decoupling of the washout, Gamma(z_b) = H(z_b) (Ardu et al. eqs. (5), (7)).

    Attributes:
        z_b: m_NLSP/T_b (dimensionless).
        t_b: T_b in GeV.
        status: int32, STATUS_OK, STATUS_NO_EQUILIBRIUM (z_b = z_min: Gamma < H everywhere, no washout),
            STATUS_NO_DECOUPLING (z_b = z_max) or STATUS_BAD_INPUT (z_b = 0).
    """

    z_b: Any = units_field("1")
    t_b: Any = units_field("GeV")
    status: Any = units_field("1")


def _log_gamma_over_h(logz, p, cosmo):
    z = jnp.exp(logz)
    t = p.m_nlsp / z
    return jnp.log(interaction_rate(z, p)) - jnp.log(cosmo.hubble(t))


def _newton_root(f, u0, n_steps, lo, hi):
    def solve(g, x0):
        def body(_, u):
            val, der = jax.jvp(g, (u,), (jnp.ones_like(u),))
            step = jnp.clip(val / jnp.where(der == 0, -1.0, der), -2.0, 2.0)
            return jnp.clip(u - step, lo, hi)

        return jax.lax.fori_loop(0, n_steps, body, x0)

    def tangent_solve(g, y):
        return y / g(jnp.ones_like(y))

    return jax.lax.custom_root(f, u0, solve, tangent_solve)


def decoupling(
    p: WashoutParams, cosmology: Cosmology | None = None, *, z_min=0.1, z_max=500.0, n_newton=20, rate="gamma"
):
    """Solve the decoupling condition Gamma(z_b) = H(T = m/z_b) for z_b (Ardu et al. eqs. (5), (7)).

    Newton iterations on F(u) = ln Gamma - ln H in u = ln z (F ~ -z + (1/2) ln z + const, monotonic), a fixed
    number ``n_newton`` of them, with implicit-function gradients (``jax.lax.custom_root``): dz_b/dtheta =
    -(dF/dtheta)/(dF/dz).  Works under jit/vmap/grad and in float32.

    Args:
        p: :class:`WashoutParams` (scalar fields; vmap for batches).
        cosmology: g_* and H(T) (default ``Cosmology()``, Saikawa-Shirai tables).
        z_min, z_max: search interval (static floats).
        rate: "gamma" (default): the paper's Gamma = n_eq <sigma v> = H; "washout": Gamma_wo = 2 n_eq <sigma v> = H;
            "freeze": Gamma_wo = z H, the freeze-out of the Boltzmann equation dA/dz = -(Gamma_wo/(zH))(A - A_eq):
            A stops tracking A_eq ~ e^{-z} when its relaxation rate per unit z, Gamma_wo/(zH), drops below
            |d ln A_eq/dz| ~ 1.  This is the criterion that matches the Boltzmann solution (see washout.md).
    Returns: :class:`Decoupling`.
    """
    cosmo = Cosmology() if cosmology is None else cosmology
    if not 0 < z_min < z_max:
        raise ValueError(f"need 0 < z_min < z_max, got {z_min}, {z_max}")
    if rate not in ("gamma", "washout", "freeze"):
        raise ValueError(f"rate must be 'gamma', 'washout' or 'freeze', got {rate!r}")
    p, bad = _sanitize(p)
    lo, hi = math.log(z_min), math.log(z_max)
    shift = 0.0 if rate == "gamma" else math.log(2.0)

    def f(u):
        return _log_gamma_over_h(u, p, cosmo) + shift - (u if rate == "freeze" else 0.0)

    f_lo, f_hi = f(jnp.asarray(lo, _dtype(p))), f(jnp.asarray(hi, _dtype(p)))
    # initial guess: F(z) ~ F(1) - (z - 1) + (1/2) ln z  ->  z0 = F(1) + 1 + (1/2) ln(F(1) + 1)
    f1 = f(jnp.zeros((), _dtype(p)))
    z0 = jnp.clip(f1 + 1.0, 1.0, z_max)
    u0 = jnp.clip(jnp.log(z0 + 0.5 * jnp.log(z0)), lo, hi)
    u = _newton_root(f, u0, n_newton, lo, hi)
    no_eq = f_lo < 0
    no_dec = f_hi > 0
    u = jnp.where(no_eq, lo, jnp.where(no_dec, hi, u))
    z_b = jnp.where(bad, 0.0, jnp.exp(u))
    nonfinite = ~bad & ~(jnp.isfinite(z_b) & jnp.isfinite(p.m_nlsp / jnp.where(bad, 1.0, z_b)))
    status = jnp.where(
        bad,
        STATUS_BAD_INPUT,
        jnp.where(no_eq, STATUS_NO_EQUILIBRIUM, jnp.where(no_dec, STATUS_NO_DECOUPLING, STATUS_OK)),
    )
    status = jnp.where(nonfinite, STATUS_NONFINITE, status)
    z_b = jnp.where(nonfinite, 0.0, z_b)
    t_b = jnp.where(bad | nonfinite, 0.0, p.m_nlsp / jnp.where(bad | nonfinite, 1.0, z_b))
    return Decoupling(z_b=z_b, t_b=t_b, status=status.astype(jnp.int32))


#: Newton steps of the two decoupling solves inside :func:`washout_factor` (and the Ardu chain). From the start of
#: :func:`decoupling`, 5 steps already reach z_b to rounding (<= 7.5e-15 relative to 40 steps, both rates) over
#: 2e4 random points with m_NLSP in [10 GeV, 100 TeV], M_M in [1e-16, 1e5] GeV, M_D in {0} u [100 GeV, 100 TeV];
#: 8 leave a margin (the public default stays 20).
N_NEWTON_CHAIN = 8


def _dtype(p):
    return jnp.result_type(jnp.asarray(p.m_nlsp).dtype, jnp.float32)


def _sanitize(p):
    """Replace non-finite / non-positive masses by safe values (flagged), so that a batch never turns into NaN."""
    fields = (p.m_nlsp, p.m_majorana, p.alpha_em, p.sin2_theta_w, p.g_nlsp)
    bad = jnp.zeros((), bool)
    for v in fields:
        v = jnp.asarray(v)
        bad = bad | ~jnp.isfinite(v) | (v <= 0)
    bad = bad | ~jnp.isfinite(jnp.asarray(p.m_dirac)) | (jnp.asarray(p.m_dirac) < 0)
    bad = bad | (jnp.asarray(p.sin2_theta_w) >= 1)
    safe = eqx.tree_at(
        lambda q: (q.m_nlsp, q.m_majorana, q.m_dirac, q.alpha_em, q.sin2_theta_w, q.g_nlsp),
        p,
        (
            jnp.where(bad, 1.0e3, p.m_nlsp),
            jnp.where(bad, 1.0, p.m_majorana),
            jnp.where(bad, 0.0, p.m_dirac),
            jnp.where(bad, c.ALPHA_EM_MZ, p.alpha_em),
            jnp.where(bad, c.SIN2_THETA_W, p.sin2_theta_w),
            jnp.where(bad, 1.0, p.g_nlsp),
        ),
    )
    return safe, bad


def decoupling_z_paper(m_nlsp, m_bino_dirac, majorana_over_dirac=1.0):
    """The paper's closed form z_b = ln[1e10 (m/TeV) (10 TeV)^2/M_B^2 (M_M/M_D)^2] (Ardu et al. eqs. (5), (7)).

    With ``majorana_over_dirac = 1`` this is eq. (5) (M_B = the Majorana mass); otherwise eq. (7) with
    M_B -> M_D.  Masses in GeV.  Approximations: see D1, D3 in the module docstring; prefer :func:`decoupling`.
    """
    return jnp.log(1.0e10 * (m_nlsp / 1.0e3) * (1.0e4 / m_bino_dirac) ** 2 * majorana_over_dirac**2)


# ---------------------------------------------------------------------------------------------------------------
# Surviving asymmetry: instant decoupling
# ---------------------------------------------------------------------------------------------------------------
def surviving_ratio_eq6(z_b):
    """(Y_stau - Ybar_stau)/(Y_tau - Ybar_tau) = 6 sqrt(pi/2) z_b^{3/2} e^{-z_b}/pi^2, as printed (Ardu et al. eq. (6)).

    The large-z limit of :func:`surviving_ratio` with MB statistics (a stau_R, g = 1, against a massless tau_R
    Weyl fermion, g = 1, at equal chemical potential).  At z_b = 23 it is 8.6e-9 (the text's "~1e-10" is e^{-23},
    D2).
    """
    return 6.0 * math.sqrt(math.pi / 2.0) * z_b**1.5 * jnp.exp(-z_b) / math.pi**2


def surviving_ratio(z_b, statistics="mb"):
    """Exact stau/tau asymmetry ratio at equal chemical potential, k_stau(z_b)/k_tau(0) = k(z_b) (eq. (6) exact).

    MB: 6 z^2 K2(z)/pi^2 (-> eq. (6) for z >> 1); "boson": ``kernels.asymmetry_factor(z, "boson")``.
    """
    if statistics not in _STATS:
        raise ValueError(f"statistics must be one of {_STATS}, got {statistics!r}")
    return jnp.exp(_log_k(jnp.asarray(z_b) * 1.0, statistics))


def instant_washout_factor(z_b, statistics="mb"):
    """Instant-decoupling estimate of epsilon (eq. (26)): k(z_b)/k(0), the NLSP asymmetry frozen at z_b relative to
    its massless (T >> m) value.  MB: z_b^2 K2(z_b)/2.  (Eq. (6) is normalised to the tau asymmetry instead:
    epsilon_inst = eq6 / k(0) with k_MB(0) = 12/pi^2.)"""
    return surviving_ratio(z_b, statistics) / _k0(statistics)


def hierarchy_suppression(z_heavy, m_nlsp, m_heavy):
    """exp(-z_heavy m_NLSP/m_heavy): NLSP suppression when a heavier state's washout freezes out at
    z_heavy = m_heavy/T (Ardu et al. text after eq. (19), footnote 3)."""
    return jnp.exp(-z_heavy * m_nlsp / m_heavy)


# ---------------------------------------------------------------------------------------------------------------
# Beyond the paper: epsilon from a Boltzmann equation
# ---------------------------------------------------------------------------------------------------------------
class WashoutResult(eqx.Module):
    """Washout factor epsilon of Ardu et al. eq. (26) from the Boltzmann equation, with the instant estimate.

    Attributes:
        epsilon: A(z_end)/A_0 from the Boltzmann equation (dimensionless, in [0, 1]).
        epsilon_instant: k(z_b)/k(0), the instant-decoupling estimate (eq. (6) normalised to the NLSP) at the
            paper's z_b (Gamma = n_eq <sigma v> = H, ``decoupling(..., rate="gamma")``).
        z_b: that paper decoupling z.
        epsilon_freeze: k(z_f)/k(0) at the freeze-out z_f of Gamma_wo = z H (``rate="freeze"``), the improved
            instant estimate.
        z_f: that freeze-out z.
        decoupling_status: status of the z_b solve (STATUS_NO_EQUILIBRIUM here only means weak washout).
        num_steps: accepted ODE steps.
        status: int32, 0 = ok; bit flags STATUS_BAD_INPUT, STATUS_ODE_FAILED, STATUS_NO_DECOUPLING (the washout is
            still in equilibrium at z_end; epsilon is then an upper bound).  Failed points have epsilon = 0.
    """

    epsilon: Any = units_field("1")
    epsilon_instant: Any = units_field("1")
    z_b: Any = units_field("1")
    epsilon_freeze: Any = units_field("1")
    z_f: Any = units_field("1")
    decoupling_status: Any = units_field("1")
    num_steps: Any = units_field("1")
    status: Any = units_field("1")


def _rhs(z, w, args):
    p, cosmo, target = args
    t = p.m_nlsp / z
    log_r = _log_washout_rate(z, p) - jnp.log(z * cosmo.hubble(t))
    r = jnp.exp(log_r)
    if not target:
        return -r
    dlnk = jax.grad(lambda zz: _log_k(zz, p.statistics))(z)
    # w = ln(A/A_eq):  dw/dz = -r (1 - e^{-w}) - d ln k/dz
    return -r * (-jnp.expm1(-w)) - dlnk


def washout_factor(
    p: WashoutParams,
    cosmology: Cosmology | None = None,
    *,
    z_start=0.05,
    z_end=300.0,
    equilibrium_target=True,
    rtol=1e-7,
    atol=1e-9,
    max_steps=16384,
    solver="kvaerno5",
):
    """Washout factor epsilon (Ardu et al. eq. (26)) from the Boltzmann equation of the NLSP asymmetry.

    Solves dA/dz = -(Gamma_wo/(z H)) (A - A_eq(z)) from z_start (A = A_eq, chemical equilibrium at T >> m) to
    z_end, with A_eq(z) = A_0 k(z)/k(0) (the NLSP asymmetry at mu_NLSP = mu_tau, mu_tau/T held fixed: the SM bath
    is a reservoir) and Gamma_wo of :func:`washout_rate`.  It is integrated in w = ln(A/A_eq) (O(1) in the stiff
    equilibrium regime, exact exponentials), with an implicit stiff solver (Kvaerno5, PID steps), ``throw=False``.
    epsilon = exp(w(z_end)) k(z_end)/k(0).  ``equilibrium_target=False``: dA/dz = -(Gamma_wo/(zH)) A (no inverse
    process), epsilon = exp(-int Gamma_wo/(zH) dz).

    Assumptions: radiation domination with dz/dt = z H (d ln g_*s/d ln T neglected); s-wave <sigma v> (eq. (4));
    one NLSP species carries the asymmetry (for the full R charge of many degenerate sparticles the rate is diluted
    by the stau share of the susceptibility: scale alpha_em or m_majorana accordingly).

    Args:
        p: :class:`WashoutParams` (scalar fields; vmap over a batched one).
        cosmology: default ``Cosmology()``.
        z_start, z_end, rtol, atol, max_steps, solver: integration settings (static floats/ints/str).
            ``solver="collocation"``: the fixed-grid Radau IIA collocation of the linear equation
            (:func:`_washout_collocation`; rtol, atol, max_steps unused), no adaptive loop: about the cost of a
            quadrature, compile and gradient included. ``solver="quadrature"``: the exact solution of the linear
            equation as one integral (:func:`_washout_quadrature`: 60 exp-fitted nodes, no linear solves; about 4x
            cheaper than "collocation" and more accurate, max 8e-7 relative to Kvaerno5 at rtol 1e-12 against
            2.4e-6 for "collocation"; ``equilibrium_target=False`` is routed to "collocation"). Any other name:
            diffrax (the reference).
        equilibrium_target: static bool, see above.
    Returns: :class:`WashoutResult`.  jit/vmap/grad-able (gradients through the solve, RecursiveCheckpointAdjoint).
    """
    cosmo = Cosmology() if cosmology is None else cosmology
    if not 0 < z_start < z_end:
        raise ValueError(f"need 0 < z_start < z_end, got {z_start}, {z_end}")
    dec = decoupling(p, cosmo, z_min=z_start, z_max=z_end, rate="gamma", n_newton=N_NEWTON_CHAIN)
    fre = decoupling(p, cosmo, z_min=z_start, z_max=z_end, rate="freeze", n_newton=N_NEWTON_CHAIN)
    p, bad = _sanitize(p)
    dtype = _dtype(p)
    if solver == "quadrature" and equilibrium_target:
        return _washout_quadrature(p, cosmo, bad, dec, fre, float(z_start), float(z_end), dtype)
    if solver in ("collocation", "quadrature"):
        return _washout_collocation(
            p, cosmo, bad, dec, fre, float(z_start), float(z_end), bool(equilibrium_target), dtype
        )
    term = diffrax.ODETerm(_rhs)
    ctrl = kernels.make_controller(rtol, atol, 1.0, pcoeff=0.3, icoeff=0.4)
    sol = diffrax.diffeqsolve(
        term,
        kernels.make_solver(solver),
        jnp.asarray(z_start, dtype),
        jnp.asarray(z_end, dtype),
        jnp.asarray(1e-3 * z_start, dtype),
        jnp.zeros((), dtype),
        args=(p, cosmo, bool(equilibrium_target)),
        stepsize_controller=ctrl,
        max_steps=max_steps,
        throw=False,
        saveat=diffrax.SaveAt(t1=True),
    )
    assert sol.ys is not None  # SaveAt(t1=True)
    w_end = sol.ys[-1]
    ode_status = kernels.status_from_result(sol.result, w_end)
    ok = (ode_status == 0) & ~bad
    if equilibrium_target:
        log_eps = w_end + _log_k(jnp.asarray(z_end, dtype), p.statistics) - math.log(_k0(p.statistics))
        # starting point A(z_start) = A_eq(z_start): include the small k(z_start)/k(0) drop in the normalisation
    else:
        log_eps = w_end + _log_k(jnp.asarray(z_start, dtype), p.statistics) - math.log(_k0(p.statistics))
    eps = jnp.where(ok, jnp.exp(jnp.where(ok, jnp.minimum(log_eps, 0.0), 0.0)), 0.0)
    failed = jnp.where((ode_status != 0) & ~bad, STATUS_ODE_FAILED, 0)
    return _result(eps, bad, dec, fre, p.statistics, sol.stats["num_accepted_steps"], failed)


#: Panels of washout_factor(solver="collocation"): stiff part (uniform in ln z), freeze-out window (uniform in ln z + z),
#: tail (uniform in ln z); 5 Radau IIA nodes each.
WASHOUT_PANELS = (12, 32, 12)


def _result(eps, bad, dec, fre, statistics, num_steps, extra_status: Any = 0) -> WashoutResult:
    """The WashoutResult of every solver (diffrax, collocation, quadrature): epsilon clipped to [0, 1] and zeroed at
    flagged points, the instant estimates at the decoupling and freeze-out z, and the status bits (``extra_status``:
    the solver's own, e.g. STATUS_ODE_FAILED)."""
    finite = jnp.isfinite(eps)
    ok = finite & ~bad
    eps = jnp.where(ok, jnp.clip(jnp.where(finite, eps, 0.0), 0.0, 1.0), 0.0)
    eps_inst = jnp.where(bad, 0.0, instant_washout_factor(jnp.where(bad, 1.0, dec.z_b), statistics))
    eps_fre = jnp.where(bad, 0.0, instant_washout_factor(jnp.where(bad, 1.0, fre.z_b), statistics))
    status = jnp.where(bad, STATUS_BAD_INPUT, 0) | extra_status
    status = status | jnp.where(fre.status == STATUS_NO_DECOUPLING, STATUS_NO_DECOUPLING, 0)
    nonfinite = ~bad & (
        (dec.status == STATUS_NONFINITE)
        | (fre.status == STATUS_NONFINITE)
        | ~finite
        | ~jnp.isfinite(eps_inst)
        | ~jnp.isfinite(eps_fre)
    )
    status = status | jnp.where(nonfinite, STATUS_NONFINITE, 0)
    eps_inst, eps_fre = (jnp.where(jnp.isfinite(v), v, 0.0) for v in (eps_inst, eps_fre))
    return WashoutResult(
        epsilon=eps,
        epsilon_instant=eps_inst,
        z_b=dec.z_b,
        epsilon_freeze=eps_fre,
        z_f=fre.z_b,
        decoupling_status=dec.status,
        num_steps=jnp.asarray(num_steps, jnp.int32),
        status=status.astype(jnp.int32),
    )


def _washout_collocation(p, cosmo, bad, dec, fre, z_start, z_end, target, dtype):
    r"""``washout_factor(..., solver="collocation")``: the linear washout equation on a fixed, adapted grid.

    In t = ln z the equation is linear in a = A/A_0 with the integrating factor exp(-int rho dt),
    rho = z Gamma_wo/(z H) = Gamma_wo/H (``_rhs`` in A rather than w = ln(A/A_eq)):

        da/dt = -rho(t) (a - e(t)),     e = k(z)/k(0),     a(t_start) = e(t_start),
        a(t_end) = a(t_start) e^{-int rho} + int rho(t') e(t') e^{-int_{t'}^{t_end} rho} dt',

    and epsilon = a(t_end). ``equilibrium_target=False``: epsilon = e(z_start) exp(-int rho dt), evaluated in log
    space with the Radau quadrature weights (exact to the panel rule's order 9). With the target, rho reaches 1e12
    at z_start (the stiff equilibrium regime), so each panel is collocated at the 5 Radau IIA points
    (``jaxgen._freezein._colloc_linear``: one 5 x 5 linear solve per panel, L-stable and stiffly accurate, no exp of a
    large positive number), and the panels are chained by a scan of affine maps.

    Grid (per point): the dynamics is concentrated where a leaves e, around the freeze-out z_f of
    Gamma_wo = z H (``decoupling(rate="freeze")``, computed anyway), on a width O(1) in z (rho ~ e^{-z}). Panels:
    ``WASHOUT_PANELS[0]`` uniform in ln z on [z_start, z_f - 8] (a = e to O(1/rho), errors damped),
    ``WASHOUT_PANELS[1]`` uniform in zeta = ln z + z on [z_f - 8, z_f + 12] (panels ~0.6 wide in z at large z, a
    factor ~1.7 in z at small z, where rho ~ 1/z^2 varies on the scale of ln z), ``WASHOUT_PANELS[2]`` uniform in
    ln z up to z_end (rho < e^{-12} of its freeze-out size); each clipped to [z_start, z_end]. The grid is held fixed under
    differentiation (stop_gradient of z_f): gradients are those of the discretised solution. ``num_steps`` is the
    panel count. Accuracy against Kvaerno5 at rtol 1e-8: ~1e-8 relative (tests/jaxgen/test_fast_solvers.py).
    """
    from ._freezein import _colloc_linear, _radau_tableau

    cn, a_tab, _, _ = _radau_tableau()
    cn = jnp.asarray(cn, dtype)
    n1, n2, n3 = WASHOUT_PANELS
    z_f = jax.lax.stop_gradient(jnp.where(jnp.isfinite(fre.z_b), fre.z_b, z_start))
    za = jnp.clip(z_f - 8.0, z_start, z_end)
    zb = jnp.clip(z_f + 12.0, za, z_end)
    lz0, lz1 = math.log(z_start), math.log(z_end)
    s1 = lz0 + (jnp.log(za) - lz0) * jnp.linspace(0.0, 1.0, n1 + 1, dtype=dtype)
    zeta = za + jnp.log(za) + (zb + jnp.log(zb) - za - jnp.log(za)) * jnp.linspace(0.0, 1.0, n2 + 1, dtype=dtype)
    lz = jnp.clip(jnp.log(za) + (jnp.log(zb) - jnp.log(za)) * jnp.linspace(0.0, 1.0, n2 + 1, dtype=dtype), -50, 50)
    for _ in range(12):  # Newton for ln z + z = zeta (convex, monotone: converges from the ln-uniform start)
        lz = lz - (lz + jnp.exp(lz) - zeta) / (1.0 + jnp.exp(lz))
    s2 = jnp.concatenate([jnp.log(za)[None], lz[1:-1], jnp.log(zb)[None]])
    s3 = jnp.log(zb) + (lz1 - jnp.log(zb)) * jnp.linspace(0.0, 1.0, n3 + 1, dtype=dtype)
    edges = jnp.concatenate([s1, s2[1:], s3[1:]])
    h = jnp.diff(edges)
    tn = edges[:-1, None] + h[:, None] * cn
    z = jnp.exp(tn)
    log_rho = _log_washout_rate(z, p) - jnp.log(cosmo.hubble(p.m_nlsp / z))
    rho = jnp.exp(log_rho)
    log_e0 = _log_k(jnp.asarray(z_start, dtype), p.statistics) - math.log(_k0(p.statistics))
    if target:
        e = jnp.exp(_log_k(z, p.statistics) - math.log(_k0(p.statistics)))
        eps = _colloc_linear(h, rho, rho * e, jnp.exp(log_e0))[0]
    else:
        b = jnp.asarray(a_tab[-1], dtype)
        eps = jnp.exp(log_e0 - jnp.sum(h[:, None] * b * rho))
    return _result(eps, bad, dec, fre, p.statistics, h.shape[0])


# ---------------------------------------------------------------------------------------------------------------
# solver="quadrature": the closed-form solution of the linear equation, evaluated on a few exp-fitted nodes
# ---------------------------------------------------------------------------------------------------------------
#: washout_factor(solver="quadrature"): panel widths in zeta = z + ln z (the window, 14 wide), Gauss-Legendre nodes
#: per panel, window start below zeta_f, Gauss-Laguerre nodes of the tail beyond the window.
QUAD_PANELS = (1.0,) + (0.5,) * 10 + (0.75, 1.0, 1.5, 2.5)
QUAD_NODES = 4
QUAD_LEFT = 4.0
QUAD_TAIL_NODES = 4
_QUAD_WEIGHTS: dict = {}


def _quad_weights(widths: tuple, q: int):
    """(offsets, w, same, full, s, omega), float64 NumPy, cached, for panels of the given widths (in zeta) and q
    Gauss-Legendre nodes each: offsets (n,) of the nodes from the window start, w (n,) the Gauss-Legendre weights
    (panel width included), the exp-fitted weights same (P, q, q) and full (P, q) of :func:`_washout_quadrature`,
    and Gauss-Laguerre nodes s, weights omega (weight e^{-s} on [0, inf)); n = P q, P = len(widths).

    same[p, i, j] = int_{zeta_pi}^{zeta_p,end} e^{-(zeta - zeta_pj)} l_pj(zeta) dzeta and full[p, j] the same
    integral over the whole panel, l_pj the Lagrange polynomial of node j on panel p: sum_j same[p, i, j] f_pj
    = int_{zeta_pi}^{zeta_p,end} f exactly when f e^{zeta} is a polynomial of degree < q on the panel. Computed
    with a 64-point Gauss-Legendre rule on each sub-interval (exact to rounding for these entire integrands).
    """
    key = (tuple(float(x) for x in widths), int(q))
    if key not in _QUAD_WEIGHTS:
        x, wx = np.polynomial.legendre.leggauss(q)
        c, w = (x + 1.0) / 2.0, wx / 2.0
        xg, wg = np.polynomial.legendre.leggauss(64)

        def lag(j, s):
            out = np.ones_like(s)
            for m in range(q):
                if m != j:
                    out = out * (s - c[m]) / (c[j] - c[m])
            return out

        def seg(h, a, b, j):  # h int_a^b e^{-h (s - c_j)} l_j(s) ds
            s = a + (b - a) * (xg + 1.0) / 2.0
            return h * (b - a) / 2.0 * np.sum(wg * np.exp(-h * (s - c[j])) * lag(j, s))

        starts = np.concatenate([[0.0], np.cumsum(key[0])[:-1]])
        same = np.array([[[seg(h, c[i], 1.0, j) for j in range(q)] for i in range(q)] for h in key[0]])
        full = np.array([[seg(h, 0.0, 1.0, j) for j in range(q)] for h in key[0]])
        offsets = (starts[:, None] + np.asarray(key[0])[:, None] * c[None, :]).reshape(-1)
        weights = (np.asarray(key[0])[:, None] * w[None, :]).reshape(-1)
        s, om = np.polynomial.laguerre.laggauss(QUAD_TAIL_NODES)
        _QUAD_WEIGHTS[key] = (offsets, weights, same, full, s, om)
    return _QUAD_WEIGHTS[key]


def _zeta_inverse(zeta, z_ref, zeta_ref):
    """z with z + ln z = zeta, by Newton steps in ln z from the first-order start ln z_ref + (zeta - zeta_ref)/(1 +
    z_ref) (d ln z/d zeta = 1/(1 + z)), capped by the bounds ln z < zeta and ln z < ln zeta (zeta > 1) so that
    the convex iteration never starts far to the right. 5 steps: converged to rounding (6.7e-16 relative) for z_ref
    in [0.05, 300] and zeta - zeta_ref in [-5, 19], the range of the quadrature windows."""
    lz = jnp.log(z_ref) + (zeta - zeta_ref) / (1.0 + z_ref)
    lz = jnp.minimum(lz, jnp.where(zeta > 1, jnp.log(jnp.maximum(zeta, 1.0)), zeta))
    for _ in range(5):
        ez = jnp.exp(lz)
        lz = lz - (lz + ez - zeta) / (1.0 + ez)
    return jnp.exp(lz)


def _washout_quadrature(p, cosmo, bad, dec, fre, z_start, z_end, dtype):
    r"""``washout_factor(..., solver="quadrature")``: the exact solution of the linear washout equation as one
    integral, evaluated on len(QUAD_PANELS) x QUAD_NODES = 60 window nodes and QUAD_TAIL_NODES = 4 tail nodes.

    Derivation. With r(z) = Gamma_wo/(z H) and e(z) = A_eq/A_0 = k(z)/k(0), da/dz = -r (a - e), a(z_s) = e(z_s) has
    the solution a(z_e) = e(z_s) e^{-U(z_s)} + int_{z_s}^{z_e} r e e^{-U} dz with the remaining optical depth
    U(z) = int_z^{z_e} r dz'. Since d e^{-U}/dz = r e^{-U}, integrating by parts gives

        epsilon = a(z_e) = e(z_e) + int_{z_s}^{z_e} (-e'(z)) e^{-U(z)} dz,                                   (Q1)

    the equilibrium asymmetry released at each z (-e' > 0; MB: e = z^2 K2(z)/2, -e' = z^2 K1(z)/2) times the
    probability e^{-U} that it survives the later washout. Every term is positive: no cancellation, so the error
    is relative to epsilon at any washout strength. The integrand is a Gumbel-shaped bump around the freeze-out
    z_f (r(z_f) = 1, ``decoupling(rate="freeze")``, where U ~ 1): for z > z_f it decays like -e' ~ z^{3/2} e^{-z},
    for z < z_f like exp(-U) with U ~ e^{z_f - z} (large z) or ~ z_f/z (small z, where r ~ 1/z^2). Both limits are
    exponential with unit rate in zeta = z + ln z, the variable of the grid.

    Window. zeta in [zeta_a, zeta_a + W], zeta_a = zeta_f - QUAD_LEFT (clipped to [zeta_s, zeta_e - W]), W =
    sum(QUAD_PANELS) = 14 (scaled down if zeta_e - zeta_s is smaller): panels of the widths QUAD_PANELS (0.5 around
    the bump, wider in the tail), QUAD_NODES Gauss-Legendre nodes each. Left of zeta_a (when zeta_a > zeta_s) the
    integrand is below e(z_a) exp(-U(z_a)) with U(z_a) ~ e^4 = 55: < 1e-20 epsilon, dropped (when the window starts
    at z_s, (Q1) is complete on the left). Right of the window end z_b, -e' integrates in closed form:
    int_{z_b}^{z_e} (-e') e^{-U} = e(z_b) - e(z_e) - int_{z_b} (-e') (1 - e^{-U}), so epsilon = e(z_b) + [window
    integral] + T with T ~ -e(z_b) U(z_b)/2, of relative size ~ e^{-2 (W - QUAD_LEFT)} ~ 1e-9: T is evaluated on the
    Gauss-Laguerre nodes z_b + s_k with the estimate U(z) ~ r(z) 2z/(2z + 1) (exact asymptotically), ~10% of T.

    Optical depth. U at the window nodes: U(zeta_I) = U(zeta_b) + int_{zeta_I}^{zeta_b} f dzeta, f = r dz/dzeta
    ~ e^{-zeta} x (a slowly varying factor: ~ z^{3/2}/sqrt(g_*) at large z, a constant at small z), so each
    panel's cumulative integrals use exponentially fitted weights, exact when f e^{zeta} is a polynomial of degree
    < QUAD_NODES on the panel (:func:`_quad_weights`; the panel widths are the same for every point, so the weights
    are constants): U = (within-panel part) + (sum of the whole-panel integrals to the right) + U(zeta_b). An
    unweighted rule would leave ~1e-5 errors in U. U(zeta_b) = int_{z_b}^{z_e} r dz (~ e^{-10}) is the
    Gauss-Laguerre sum over the tail nodes (the part beyond z_e is below e^{-z_e}), ~1e-6 relative.

    Accuracy (washout_factor over 300 random points, m_NLSP in [0.1, 5] TeV, M_M in [1e-10, 1e3] GeV, M_D in
    {0} u [1, 10] TeV: no to strong washout, z_f up to 26), max relative error of epsilon against Kvaerno5 at
    rtol 1e-12 (z_f < 10) or 1e-10 (z_f >= 10, the 1e-12 solve fails there; rtol 1e-10 itself is within 2e-8):
    no washout 2.7e-9, z_f in (0.06, 1) 5.6e-7, (1, 3) 7.7e-7, (3, 10) 2.2e-7, >= 10 7.8e-8; "collocation" on the
    same points: 4.3e-10, 1.4e-6, 2.4e-6, 3e-7, 2.5e-8. The residual error is set by the C2 cubic spline of g_*(T)
    (its third-derivative jumps): 40 panels of 8 nodes reach 2e-8 everywhere. The grid (through z_f) is held fixed
    under differentiation (stop_gradient), so gradients are those of the discrete formula.

    Cost per point: 64 evaluations of r, e and -e' (MB: one Bessel K_{0,1,2} call and one g_* spline lookup each),
    the zeta -> z inversion of the nodes (5 Newton steps) and O(60 x 4) multiply-adds for U: no linear solves, no
    scan, no adaptive loop. ``num_steps`` is the node count. Only ``equilibrium_target=True`` (the default);
    ``False`` is routed to the collocation solver by :func:`washout_factor`.
    """
    q = QUAD_NODES
    zeta_s, zeta_e = z_start + math.log(z_start), z_end + math.log(z_end)
    widths = np.asarray(QUAD_PANELS, float)
    width = min(float(np.sum(widths)), zeta_e - zeta_s)
    widths = widths * (width / np.sum(widths))
    offs, wn, w_same, w_full, s_t, om_t = _quad_weights(tuple(widths), q)
    n, n_p = offs.shape[0], widths.shape[0]
    z_f = jax.lax.stop_gradient(jnp.where(jnp.isfinite(fre.z_b) & (fre.z_b > 0), fre.z_b, z_start))
    zeta_f = z_f + jnp.log(z_f)
    zeta_a = jnp.clip(zeta_f - QUAD_LEFT, zeta_s, zeta_e - width)
    z = _zeta_inverse(zeta_a + jnp.asarray(offs, dtype), z_f, zeta_f)
    z_b = _zeta_inverse(zeta_a + width, z_f, zeta_f)
    z_t = z_b + jnp.asarray(s_t, dtype)
    zz = jnp.concatenate([z, z_t])
    log_k0 = math.log(_k0(p.statistics))
    if p.statistics == "mb":
        # MB closed forms (one Bessel call, one g_* lookup per node): Gamma_wo = g <sigma v> T^3 z^2 K2(z)/pi^2,
        # z H = sqrt(4 pi^3 g_* / 45) m^2 / (z M_Pl), so r = g <sigma v> m M_Pl K2(z) / (pi^2 sqrt(4 pi^3 g_*/45));
        # e = k(z)/k(0) = z^2 K2(z)/2 and -e' = z^2 K1(z)/2 (d(z^2 K2)/dz = -z^2 K1).
        k1s, k2s = kernels.k1e(zz), kernels.k2e(zz)  # e^z K1, e^z K2 (one shared _k012e evaluation)
        log_c = jnp.log(p.g_nlsp * sigma_v(p) * p.m_nlsp * c.M_PLANCK / math.pi**2)
        log_r = log_c + jnp.log(k2s) - zz - 0.5 * jnp.log(4.0 * math.pi**3 / 45.0 * cosmo.g_rho(p.m_nlsp / zz))
        m_de = 0.5 * zz * zz * k1s * jnp.exp(-zz)
    else:
        log_r = _log_washout_rate(zz, p) - jnp.log(zz * cosmo.hubble(p.m_nlsp / zz))
        log_e, dlog_e = jax.jvp(lambda x: _log_k(x, p.statistics), (zz,), (jnp.ones_like(zz),))
        m_de = jnp.exp(log_e - log_k0) * (-dlog_e)  # -e'(z) > 0
    r = jnp.exp(log_r)
    dz = z / (1.0 + z)  # dz/dzeta
    u_b = jnp.sum(jnp.asarray(om_t * np.exp(s_t), dtype) * r[n:])
    fz = (r[:n] * dz).reshape(n_p, q)  # integrand of U in zeta at the window nodes
    part = jnp.sum(jnp.asarray(w_full, dtype) * fz, axis=1)  # whole-panel integrals
    later = jnp.cumsum(part[::-1])[::-1] - part  # panels to the right
    u = (jnp.einsum("pij,pj->pi", jnp.asarray(w_same, dtype), fz) + later[:, None]).reshape(-1) + u_b
    main = jnp.sum(jnp.asarray(wn, dtype) * m_de[:n] * dz * jnp.exp(-u))
    u_t = r[n:] * 2.0 * z_t / (2.0 * z_t + 1.0)
    tail = -jnp.sum(jnp.asarray(om_t * np.exp(s_t), dtype) * m_de[n:] * -jnp.expm1(-u_t))
    e_b = jnp.exp(_log_k(z_b, p.statistics) - log_k0)
    eps = e_b + main + tail
    return _result(eps, bad, dec, fre, p.statistics, n + QUAD_TAIL_NODES)


def washout_factor_batch(p: WashoutParams, cosmology: Cosmology | None = None, **settings) -> WashoutResult:
    """:func:`washout_factor` over a batch: the continuous fields of ``p`` are broadcast together (any shape) and
    the solve is vmapped; each result field has that shape.  Keywords as :func:`washout_factor`.  Jit this (with
    the settings closed over) for sweeps."""
    names = ("m_nlsp", "m_majorana", "m_dirac", "alpha_em", "sin2_theta_w", "g_nlsp")
    if not isinstance(p, WashoutParams):
        raise TypeError(f"washout_factor_batch takes a WashoutParams, got {type(p).__name__}")
    _broadcast_params(p, "WashoutParams", _WO_EVENT)  # entry check: ValueError naming mismatched fields
    vals = jnp.broadcast_arrays(*(jnp.asarray(getattr(p, n)) * 1.0 for n in names))
    shape = vals[0].shape
    flat = eqx.tree_at(lambda q: tuple(getattr(q, n) for n in names), p, tuple(v.reshape(-1) for v in vals))
    out = jax.vmap(lambda q: washout_factor(q, cosmology, **settings))(flat)
    return jax.tree_util.tree_map(lambda a: a.reshape(shape), out)
