"""The R-charge network of Ardu, Queiroz Correa, Vives 2025: R-breaking decoupling from the rates, massive weights.

:func:`r_charge_network` maps an :class:`ArduNetworkParams` PyTree (the spectrum, the R-breaking parameters) to an
:class:`ArduNetworkPrediction` (the S_1-mediated R-breaking decoupling temperature, the R charge that survives, the
NLSP asymmetry and m_3/2).  Pure, jit/vmap/grad-able; :func:`r_charge_network_batch` is the jitted vmap.  Derivation,
every rate and every difference with the paper: ``docs/derivations/ardu_network.md``.

Where :func:`jaxgen.scenarios.rsymmetric_adm` chains instantaneous stages (massless weights above m_SUSY, the net R
charge R = -6/23 (B - L) frozen at no particular temperature, then one linear washout equation for the NLSP), this
module follows the one slow charge of the plasma, the net R charge Y_R, through one relaxation equation

    dY_R/dt = -Gamma_R(T) (Y_R - R_eq(T)),    Gamma_R = 6 sum_r (Delta R_r)^2 gamma_r(T) / (chi_R(T) T^3),

with every R-conserving reaction fast (the equilibrium engine's constrained equilibrium at fixed Y, B/3 - L_alpha
and R, ``jaxgen.models.high_temperature_stage(("kappa", "B_kappa"), conserve_r=True)``):

* ``chi_R(T)`` (the R susceptibility at fixed Y and B/3 - L_alpha, a Schur complement of the Gram matrix
  Q diag(g k) Q^T) and ``R_eq(T)`` (the R charge of the full equilibrium, R-breaking on) use the *massive* weights
  g_i k(m_i/T) (``jaxgen_kernels.asymmetry_factor``) of every species with its mass (squarks, sleptons, the NLSP,
  higgsinos, Dirac gauginos and their adjoint partners, the R-breaking singlet S_1 and its fermion).  Massless:
  R_eq = -6/23 (B - L) (``docs/derivations/r_symmetric_equilibrium.md`` sec. 1).
* ``gamma_r``: thermally averaged reaction densities (Maxwell-Boltzmann, each reaction plus its CP conjugate) of the
  R-breaking reactions: (i) S_1 -> S1~ S1~ through the superpotential kappa S_1^3 (Delta R = 4, a decay); (ii)
  S_1 S_1 -> h_u~ h_d~ through the soft B_kappa S_1^3 and lambda_1 H_u H_d S_1 (Delta R = 6); (iii) NLSP NLSP ->
  l l through the bino Majorana mass (Ardu et al. eq. (4), with the Dirac-bino propagator of
  ``docs/derivations/washout.md`` D3, the mass M_M = m_majorana + |eq. (18)| + eq. (20) at T with the S_1
  suppression; Delta R = 2); (iv) third-generation squark coannihilation q3~ q3~ -> t_R b_R through a higgsino with
  an R-breaking mu insertion (Fig. 1 right; mu_R = mu_r + |eq. (19)| + eq. (20) at T; Delta R = 2).
* The S_1-mediated decoupling temperature T_dec: Gamma_S1(T_dec) = H(T_dec) with Gamma_S1 the part of Gamma_R
  from (i) and (ii), solved by Newton steps in ln(m_S1/T) with implicit-function gradients
  (``jax.lax.custom_root``), as :func:`jaxgen.washout.decoupling`.
* After the R charge freezes, the R-conserving decays put all of it in the NLSP (eq. (21)):
  Delta Y_NLSP = Y_R(T_end)/R_NLSP; the SM equilibrium below m_SUSY with the frozen NLSP gives Delta Y_B (eqs.
  (22)-(24)); m_3/2 = (Omega_DM/Omega_B) m_p |Delta Y_B/Delta Y_NLSP| (eqs. (25), (26)).

``ArduNetworkSettings.transfer``: ``"network"`` (default) integrates the relaxation equation on a
log-temperature grid from ``t_start_over_m_s1`` x m_S1 (initial R = 0: a universe without net R, Ardu et al.
Section 2; or R_eq) to m_NLSP/``z_end`` with an exponential integrator exact for a target linear in the optical
depth (no adaptive loop); ``"instant"`` is the instantaneous-stage limit: R = R_eq(T_dec) frozen at T_dec,
Delta Y_NLSP = R/R_NLSP, times the NLSP washout factor epsilon of :mod:`jaxgen.washout` computed exactly as
:func:`~jaxgen.scenarios.rsymmetric_adm` does.  With ``weights="massless"`` and ``washout`` equal, the instant mode
reproduces ``rsymmetric_adm`` (tested to 1e-6).  ``decoupling="given"`` takes T_dec from ``ArduNetworkParams.t_dec``
instead of the rates.

Result at the paper's benchmark (Tables 3, 4; lambda_1 = 1e-3, kappa = 1e-6, B_kappa = 2 TeV, m_S1 = 22.36 TeV,
stau_R NLSP at 2.09 TeV; the spectrum defaults of :class:`ArduNetworkParams`): see the derivation note.  The claim
of issue 15 ("squarks and stau_R at m = T_dec move m_3/2 from 8.31 to about 7.1 GeV") is what the massive weights
give: 7.113 GeV (tested).

Cost and accuracy (issue 15; the reasoning).  Every node of a grid costs one evaluation of the equilibrium
algebra (9 k(m/T) kernels, the Gram matrix, its Schur complement) and the rates, ~0.3-0.7 us per point on XLA CPU,
so the node count is the cost.  Y_R(T_end) = Y_0 e^{-tau} + integral of R_eq against the last-scattering
distribution (Gamma_R/H) e^{-S} d ln T (S: the optical depth still ahead), a bump ~0.3 wide in ln T around T_dec:
far above T_dec Y_R sits on R_eq (what happens there is forgotten, e^{-S}), far below nothing moves.  Hence three
sets of nodes instead of one uniform 401-point grid: (1) a uniform bracketing grid of ``n_grid`` = 24 points (no
gradient flows through it), which brackets the last Gamma_S1 = H crossing and locates max Gamma_S1/H; (2)
``n_newton`` = 5 Newton steps from the secant start in that cell (the start is off by ~0.03 in ln T, Newton is
quadratic: T_dec to 1e-15, implicit-function gradient); (3) the integration grid of ``n_fine`` = 40 (41 points)
uniform in s and mapped by ln T = ln T_dec - A sinh(``grid_stretch`` (s - s_c)) (dense at T_dec, spacing growing
like cosh away from it; a smooth map, so the integrator's error is a series in ds and the Richardson/Romberg
extrapolation from the ds, 2 ds, 4 ds sub-grids applies), evaluated in one scan together with the three diagnostic
temperatures (T_dec, m_NLSP, the Gamma_S1/H peak).  Measured against the old uniform grid at 12001 points
(40 random spectra around the benchmark, 20 % log-normal, and 10 points m_SUSY = 1.5-15 TeV): max |Delta r_final|
2.0e-6 (random) and 5.9e-6 (scan), m_3/2 to 7.6e-6 / 5.6e-5 relative, T_dec to 5e-16 (the previous 401-point
grid: 1.0e-8 / 4.6e-8 in the same run; n_fine = 48 gives 3.9e-6 / 2.8e-6, grid_stretch = 3 is 10x worse).

Status (errors; finite dummies 0 after them) and flags (diagnostics) use :mod:`jaxgen_kernels._status` vocabularies:
:data:`ArduNetworkStatus`.  Units: GeV, yields per entropy density.  float64 required (checked at trace time).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import equinox as eqx
import jax
import jax.core  # jax.core.Tracer
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int

import jaxgen_kernels as kernels
from jaxgen_kernels import _status

from .. import _constants as c
from .. import _washout as _wo
from .._checks import check_int_setting, check_real_setting
from .._cosmology import TABLES as _COSMO_TABLES
from .._cosmology import Cosmology
from .._equilibrium_stages import solve_stage
from .._precision import require_x64
from .._units import units_field
from ..models import _rsymmetric as _rs
from ._base import ScenarioParams, ScenarioPrediction, batch_shape, check_single_point, float_converter, sanitize

__all__ = [
    "STATUS_OK",
    "STATUS_BAD_INPUT",
    "STATUS_EQUILIBRIUM_FAILED",
    "STATUS_NO_ASYMMETRY",
    "STATUS_WASHOUT_FAILED",
    "STATUS_FULL_WASHOUT",
    "STATUS_NO_R_EQUILIBRIUM",
    "STATUS_BAD_SPECTRUM",
    "STATUS_NO_DECOUPLING",
    "STATUS_LAMBDA1_SLOW",
    "STATUS_WEAK_EQUILIBRIUM",
    "STATUS_NONFINITE",
    "STATUS_ERROR_MASK",
    "ArduNetworkStatus",
    "ArduNetworkParams",
    "ArduNetworkSettings",
    "ArduNetworkPrediction",
    "r_charge_network",
    "r_charge_network_batch",
    "r_breaking_rates",
]

STATUS_OK = 0
STATUS_BAD_INPUT = 1
"""A mass not finite and > 0 (m_majorana, mu_r, m_singlino >= 0 allowed), a non-finite coupling, or
dm_to_baryon, proton_mass <= 0: every float output 0."""
STATUS_EQUILIBRIUM_FAILED = 2
"""A singular or non-finite equilibrium (Gram) system."""
STATUS_NO_ASYMMETRY = 4
"""No surviving R charge (Y_R(T_end) = 0, e.g. kappa = B_kappa = 0 with R = 0 initially) or no baryon asymmetry."""
STATUS_WASHOUT_FAILED = 8
"""(transfer="instant") the NLSP washout solve of jaxgen.washout failed."""
STATUS_FULL_WASHOUT = 16
"""epsilon <= 1e-250: m_3/2 unbounded, set to 0."""
STATUS_NO_R_EQUILIBRIUM = 32
"""(decoupling="rates") the S_1-mediated R breaking is slower than H at every temperature of the grid:
no decoupling temperature (the paper's premise, R breaking in equilibrium above m_SUSY, fails)."""
STATUS_BAD_SPECTRUM = 64
"""An R-charged species is lighter than the NLSP: the R charge would not end in the NLSP (eq. (21))."""
STATUS_NO_DECOUPLING = 128
"""(flag) Gamma_S1 > H still at the end of the grid (T_end = m_NLSP/z_end): T_dec is set to T_end."""
STATUS_LAMBDA1_SLOW = 256
"""(flag) the R-conserving link S_1 <-> h_u~ h_d~ (lambda_1) is slower than the R breaking of S_1 at T_dec: the
constrained equilibrium assumed for S_1 fails and Gamma_R is an overestimate."""
STATUS_WEAK_EQUILIBRIUM = 512
"""(flag, transfer="network") max Gamma_R/H < 10 on the grid: the R charge never fully equilibrates and the result
depends on the initial condition (``r_initial``)."""
STATUS_NONFINITE = 1024
"""An output was not finite (replaced by 0)."""
STATUS_ERROR_MASK = (
    STATUS_BAD_INPUT
    | STATUS_EQUILIBRIUM_FAILED
    | STATUS_NO_ASYMMETRY
    | STATUS_WASHOUT_FAILED
    | STATUS_FULL_WASHOUT
    | STATUS_NO_R_EQUILIBRIUM
    | STATUS_BAD_SPECTRUM
    | STATUS_NONFINITE
)

ArduNetworkStatus = _status.flag_vocabulary(
    "ArduNetworkStatus",
    {
        "BAD_INPUT": (STATUS_BAD_INPUT, "bad input (a mass not finite and > 0, a non-finite coupling)"),
        "EQUILIBRIUM_FAILED": (STATUS_EQUILIBRIUM_FAILED, "singular or non-finite equilibrium system"),
        "NO_ASYMMETRY": (STATUS_NO_ASYMMETRY, "no surviving R charge or baryon asymmetry: no m_3/2"),
        "WASHOUT_FAILED": (STATUS_WASHOUT_FAILED, "the NLSP washout solve failed"),
        "FULL_WASHOUT": (STATUS_FULL_WASHOUT, "complete washout (epsilon <= 1e-250)"),
        "NO_R_EQUILIBRIUM": (STATUS_NO_R_EQUILIBRIUM, "S_1-mediated R breaking never in equilibrium: no T_dec"),
        "BAD_SPECTRUM": (STATUS_BAD_SPECTRUM, "an R-charged species is lighter than the NLSP"),
        "NO_DECOUPLING": (STATUS_NO_DECOUPLING, "R breaking still in equilibrium at the end of the T_dec window"),
        "LAMBDA1_SLOW": (STATUS_LAMBDA1_SLOW, "the lambda_1 link S_1 <-> higgsinos is slower than the R breaking"),
        "WEAK_EQUILIBRIUM": (STATUS_WEAK_EQUILIBRIUM, "max Gamma_R/H < 10: R never fully equilibrates"),
        "NONFINITE_OUTPUT": (STATUS_NONFINITE, "non-finite output replaced by 0"),
    },
    module=__name__,
)

_EPS_MIN = 1e-250
_M_S1_BENCHMARK = math.sqrt(500.0e6)

# ---------------------------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------------------------
_SCALAR_FIELDS = (
    "m_nlsp",
    "m_squark",
    "m_slepton",
    "m_higgsino",
    "m_gaugino",
    "m_dirac",
    "m_heavy",
    "m_singlino",
    "m_s1",
    "lambda1",
    "kappa",
    "b_kappa",
    "m_majorana",
    "mu_r",
    "y_top",
    "y_bottom",
    "g1",
    "t_dec",
    "dm_to_baryon",
    "proton_mass",
)
_POSITIVE = (
    "m_nlsp",
    "m_squark",
    "m_slepton",
    "m_higgsino",
    "m_gaugino",
    "m_dirac",
    "m_heavy",
    "m_s1",
    "g1",
    "t_dec",
    "dm_to_baryon",
    "proton_mass",
)
_NON_NEGATIVE = ("m_singlino", "m_majorana", "mu_r")
_EVENT = dict({k: 0 for k in _SCALAR_FIELDS}, b_minus_l_alpha=1)
#: the fields that :meth:`ArduNetworkParams.from_m_susy` sets to m_SUSY
_SUSY_FIELDS = ("m_nlsp", "m_squark", "m_slepton", "m_higgsino", "m_gaugino", "m_dirac", "m_heavy", "m_singlino")
_HINT = " (float, GeV for masses)"


def _conv(name, event=0):
    return float_converter("ArduNetworkParams", name, event, _HINT)


class ArduNetworkParams(ScenarioParams):
    """Continuous inputs of the network (array leaves: differentiable, batched along leading axes).

    Spectrum [GeV] (defaults: the stau_R benchmark of Ardu et al. Tables 3, 4 where the paper gives it):
        m_nlsp: NLSP mass (2090).  m_squark: all squarks q, u^c, d^c (4500: "squarks above 4.5 TeV").
        m_slepton: the sleptons other than the NLSP (2500).  m_higgsino: the Dirac higgsinos (H_u~ R_u~, H_d~ R_d~;
        4000 = mu_d).  m_gaugino: wino and gluino Dirac masses with their adjoint partners T~, O~ (5000 = M_D^W).
        m_dirac: bino Dirac mass (with S~, S2~; 5000, Table 3).  m_heavy: the scalars R_u, R_d, S, T, O, S_2
        (3500 = m_0).  m_singlino: the S_1 fermion (>= 0, default 5000; it must be heavy: it carries R).
        m_s1: the R-breaking singlet S_1 (sqrt(500 TeV^2) = 22361, Table 3).  The light Higgs doublets are
        massless (one light doublet below m_SUSY).
    R breaking:
        lambda1 (1e-3), kappa (1e-6), b_kappa [GeV] (2000): Table 3 / footnote 4.  m_majorana [GeV]: explicit bino
        Majorana mass (>= 0, default 0), added to eqs. (18), (20).  mu_r [GeV]: explicit R-breaking higgsino mass
        (>= 0, default 0), added to eqs. (19), (20).  y_top (0.85), y_bottom (0.25): third-generation Yukawas at
        ~TeV (tan beta = 15, Table 3) in the mu-insertion washout.  g1: U(1)_Y coupling (eq. (18)).
    Other:
        t_dec [GeV]: the decoupling temperature used with ``ArduNetworkSettings(decoupling="given")`` (default 2090).
        b_minus_l_alpha: (3,) initial Y_{B/3-L_alpha} (default (1/3, 1/3, 1/3); only the split matters).
        dm_to_baryon (26.5/4.9, Ardu et al. Section 1), proton_mass [GeV].

    Single points with concrete values are checked at construction (ValueError naming the field); batched or
    traced values are flagged in ``status`` at run time (STATUS_BAD_INPUT).  :meth:`from_m_susy` puts the whole
    sparticle spectrum at one scale.
    """

    _event_ndim_ = _EVENT

    b_minus_l_alpha: Float[ArrayLike, "*batch 3"] = units_field(
        "1", default=(1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0), converter=_conv("b_minus_l_alpha", 1)
    )
    m_nlsp: Float[ArrayLike, "*batch"] = units_field("GeV", default=2090.0, converter=_conv("m_nlsp"))
    m_squark: Float[ArrayLike, "*batch"] = units_field("GeV", default=4500.0, converter=_conv("m_squark"))
    m_slepton: Float[ArrayLike, "*batch"] = units_field("GeV", default=2500.0, converter=_conv("m_slepton"))
    m_higgsino: Float[ArrayLike, "*batch"] = units_field("GeV", default=4000.0, converter=_conv("m_higgsino"))
    m_gaugino: Float[ArrayLike, "*batch"] = units_field("GeV", default=5000.0, converter=_conv("m_gaugino"))
    m_dirac: Float[ArrayLike, "*batch"] = units_field("GeV", default=5000.0, converter=_conv("m_dirac"))
    m_heavy: Float[ArrayLike, "*batch"] = units_field("GeV", default=3500.0, converter=_conv("m_heavy"))
    m_singlino: Float[ArrayLike, "*batch"] = units_field("GeV", default=5000.0, converter=_conv("m_singlino"))
    m_s1: Float[ArrayLike, "*batch"] = units_field("GeV", default=_M_S1_BENCHMARK, converter=_conv("m_s1"))
    lambda1: Float[ArrayLike, "*batch"] = units_field("1", default=1e-3, converter=_conv("lambda1"))
    kappa: Float[ArrayLike, "*batch"] = units_field("1", default=1e-6, converter=_conv("kappa"))
    b_kappa: Float[ArrayLike, "*batch"] = units_field("GeV", default=2000.0, converter=_conv("b_kappa"))
    m_majorana: Float[ArrayLike, "*batch"] = units_field("GeV", default=0.0, converter=_conv("m_majorana"))
    mu_r: Float[ArrayLike, "*batch"] = units_field("GeV", default=0.0, converter=_conv("mu_r"))
    y_top: Float[ArrayLike, "*batch"] = units_field("1", default=0.85, converter=_conv("y_top"))
    y_bottom: Float[ArrayLike, "*batch"] = units_field("1", default=0.25, converter=_conv("y_bottom"))
    g1: Float[ArrayLike, "*batch"] = units_field("1", default=_wo.G_HYPERCHARGE, converter=_conv("g1"))
    t_dec: Float[ArrayLike, "*batch"] = units_field("GeV", default=2090.0, converter=_conv("t_dec"))
    dm_to_baryon: Float[ArrayLike, "*batch"] = units_field(
        "1", default=c.DM_TO_BARYON_ARDU_2025, converter=_conv("dm_to_baryon")
    )
    proton_mass: Float[ArrayLike, "*batch"] = units_field("GeV", default=c.M_PROTON, converter=_conv("proton_mass"))

    def __check_init__(self):
        if np.shape(self.b_minus_l_alpha)[-1:] != (3,):
            raise ValueError(
                f"ArduNetworkParams.b_minus_l_alpha needs a last axis of length 3 (Y_{{B/3-L_alpha}}, alpha = e, mu, "
                f"tau), got shape {np.shape(self.b_minus_l_alpha)}"
            )
        for name in (*_SCALAR_FIELDS, "b_minus_l_alpha"):
            v = getattr(self, name)
            if isinstance(v, jax.core.Tracer):
                continue
            arr = np.asarray(v, dtype=float)
            if arr.ndim != _EVENT[name]:
                continue  # a batch: checked at run time (status)
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"ArduNetworkParams.{name} must be finite, got {v!r}")
            if name in _POSITIVE and not np.all(arr > 0):
                raise ValueError(f"ArduNetworkParams.{name} must be > 0 (GeV for masses), got {v!r}")
            if name in _NON_NEGATIVE and not np.all(arr >= 0):
                raise ValueError(f"ArduNetworkParams.{name} must be >= 0 (GeV; a mass magnitude), got {v!r}")

    @classmethod
    def from_m_susy(cls, m_susy, **overrides) -> ArduNetworkParams:
        """Every sparticle mass (NLSP, squarks, sleptons, higgsinos, gauginos, bino Dirac mass, heavy scalars, the
        singlino) at ``m_susy`` [GeV] (the paper's one-scale assumption, text above eq. (20)); m_S1 and the
        R-breaking couplings at the defaults.  ``overrides`` replace fields."""
        kw = {k: m_susy for k in _SUSY_FIELDS}
        kw.update(overrides)
        return cls(**kw)


_TRANSFERS = ("network", "instant")
_WEIGHTS = ("massive", "massless")
_DECOUPLINGS = ("rates", "given")
_R_INITIAL = ("zero", "equilibrium")
_WASHOUTS = ("boltzmann", "instant", "freeze", "none")
_MAJORANA_MODES = ("loop+thermal", "loop", "thermal", "direct")
_CHANNELS = ("kappa", "b_kappa", "bino", "mu")


class ArduNetworkSettings(eqx.Module):
    """Static switches (hashable; each distinct value compiles once).

    Attributes:
        nlsp: "slepton_R" (default), "slepton_L" or "sneutrino".  nlsp_flavour: "e", "mu", "tau" (default).
        transfer: "network" (default: the R relaxation equation) or "instant" (the instantaneous-stage limit).
        weights: "massive" (default: g k(m/T)) or "massless" (g, 2 g: the instantaneous stages of today's chain).
        decoupling: "rates" (default: T_dec from Gamma_S1 = H) or "given" (``ArduNetworkParams.t_dec``).
        channels: the R-breaking reactions of the network (default all: "kappa", "b_kappa", "bino", "mu").
        r_initial: initial R charge of the network at T_start: "zero" (default) or "equilibrium" (R_eq(T_start)).
        washout (transfer="instant"): the NLSP washout factor, as ``ArduSettings.washout``.
        majorana: how the bino Majorana mass is built, as ``ArduSettings.majorana`` (the thermal part at T in the
            network, at T = m_NLSP in the instant mode, as today's chain).  Also applied to mu_R.
        s1_suppression, propagator: as ``ArduSettings``.
        table: g_*(T) table of H(T).
        t_start_over_m_s1: T_start/m_S1 of the network (default 10).  z_end: T_end = m_NLSP/z_end (default 300).
        n_grid: points of the uniform log-temperature bracketing grid (default 24; the search window of T_dec and
            of max Gamma_S1/H, no gradient through it).  n_fine: intervals of the integration grid (default 40;
            rounded up to even, 41 points; a multiple of 4 adds the third Romberg level).  grid_stretch: beta of
            its sinh map around T_dec (default 5: the spacing at T_dec is (beta/2)/sinh(beta/2) ~ 40 % of the
            uniform one for T_dec mid-window, 0.11 in ln T at the benchmark; 2-4x the uniform one at the ends).
            n_newton: steps of the T_dec solve (default 6; secant steps from the ends of one bracket cell, each
            one evaluation of the rates; the name is from the Newton solve it replaced).
    """

    nlsp: str = eqx.field(static=True, default="slepton_R")
    nlsp_flavour: str = eqx.field(static=True, default="tau")
    transfer: str = eqx.field(static=True, default="network")
    weights: str = eqx.field(static=True, default="massive")
    decoupling: str = eqx.field(static=True, default="rates")
    channels: tuple = eqx.field(static=True, default=_CHANNELS)
    r_initial: str = eqx.field(static=True, default="zero")
    washout: str = eqx.field(static=True, default="boltzmann")
    majorana: str = eqx.field(static=True, default="loop+thermal")
    s1_suppression: str = eqx.field(static=True, default="boltzmann")
    propagator: str = eqx.field(static=True, default="derived")
    table: str = eqx.field(static=True, default="saikawa_shirai")
    t_start_over_m_s1: float = eqx.field(static=True, default=10.0)
    z_end: float = eqx.field(static=True, default=300.0)
    n_grid: int = eqx.field(static=True, default=24)
    n_fine: int = eqx.field(static=True, default=40)
    grid_stretch: float = eqx.field(static=True, default=5.0)
    n_newton: int = eqx.field(static=True, default=6)

    def __check_init__(self):
        choices = dict(
            nlsp=tuple(_rs.NLSP_TYPES),
            nlsp_flavour=("e", "mu", "tau"),
            transfer=_TRANSFERS,
            weights=_WEIGHTS,
            decoupling=_DECOUPLINGS,
            r_initial=_R_INITIAL,
            washout=_WASHOUTS,
            majorana=_MAJORANA_MODES,
            s1_suppression=_wo._SUPPRESSIONS,
            propagator=_wo._PROPAGATORS,
            table=_COSMO_TABLES,
        )
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"ArduNetworkSettings.{name} must be one of {list(allowed)}, got {getattr(self, name)!r}"
                )
        if not isinstance(self.channels, tuple) or any(ch not in _CHANNELS for ch in self.channels):
            raise ValueError(
                f"ArduNetworkSettings.channels must be a tuple of names from {list(_CHANNELS)}, got {self.channels!r}"
            )
        for name in ("t_start_over_m_s1", "z_end"):
            check_real_setting("ArduNetworkSettings", name, getattr(self, name))
        check_int_setting("ArduNetworkSettings", "n_grid", self.n_grid)
        check_int_setting("ArduNetworkSettings", "n_newton", self.n_newton)
        check_int_setting("ArduNetworkSettings", "n_fine", self.n_fine)
        check_real_setting("ArduNetworkSettings", "grid_stretch", self.grid_stretch)
        if not (self.t_start_over_m_s1 > 0 and self.z_end > 1):
            raise ValueError("ArduNetworkSettings needs t_start_over_m_s1 > 0 and z_end > 1")
        if self.n_grid < 8 or self.n_fine < 8 or self.n_newton < 1:
            raise ValueError("ArduNetworkSettings needs n_grid >= 8, n_fine >= 8 and n_newton >= 1")
        if not 0.0 < self.grid_stretch <= 20.0:
            raise ValueError("ArduNetworkSettings needs 0 < grid_stretch <= 20")


_DEFAULT_SETTINGS = ArduNetworkSettings()


class ArduNetworkPrediction(ScenarioPrediction):
    """The network's results for one point (or a batch: each field gets the batch shape).

    Attributes:
        t_dec: the S_1-mediated R-breaking decoupling temperature [GeV] (Gamma_S1 = H; or the given one).
        z_dec: m_S1/T_dec.
        r_eq_dec: R_eq(T_dec)/Y_{B-L} (equilibrium R charge at T_dec with the weights of ``settings.weights``;
            -6/23 massless).
        r_final: the surviving R charge Y_R(T_end)/Y_{B-L} (network) or epsilon R_eq(T_dec)/Y_{B-L} (instant).
        epsilon: r_final/r_eq_dec (the washout / transfer factor relative to instant freezing at T_dec).
        nlsp_yield: Delta Y_NLSP/Y_{B-L} (eq. (21), the NLSP state with lepton number +1).
        baryon_low: Delta Y_B/Y_{B-L} at EW-sphaleron decoupling (eqs. (22)-(24)).
        nlsp_to_baryon: Delta Y_NLSP/Delta Y_B.
        m_gravitino: m_3/2 [GeV] (eqs. (25), (26)).
        m_gravitino_instant: m_3/2 [GeV] of the R charge R_eq(T_dec), no washout (the weight effect alone).
        gamma_s1_over_h_max: max over the grid of Gamma_S1/H.
        bino_over_h, mu_over_h: the bino-Majorana and mu-insertion washout contributions to Gamma_R over H at
            T = m_NLSP.
        lambda1_ratio: Gamma(S_1 -> h_u~ h_d~)/(R-breaking rate per S_1) at T_dec (>> 1 assumed).
        status: int32 error bits (:data:`ArduNetworkStatus`); flags: int32 diagnostic bits.
    """

    _vocabulary_ = ArduNetworkStatus
    _error_mask_ = STATUS_ERROR_MASK

    t_dec: Float[Array, "*batch"] = units_field("GeV")
    z_dec: Float[Array, "*batch"] = units_field("1")
    r_eq_dec: Float[Array, "*batch"] = units_field("1")
    r_final: Float[Array, "*batch"] = units_field("1")
    epsilon: Float[Array, "*batch"] = units_field("1")
    nlsp_yield: Float[Array, "*batch"] = units_field("1")
    baryon_low: Float[Array, "*batch"] = units_field("1")
    nlsp_to_baryon: Float[Array, "*batch"] = units_field("1")
    m_gravitino: Float[Array, "*batch"] = units_field("GeV")
    m_gravitino_instant: Float[Array, "*batch"] = units_field("GeV")
    gamma_s1_over_h_max: Float[Array, "*batch"] = units_field("1")
    bino_over_h: Float[Array, "*batch"] = units_field("1")
    mu_over_h: Float[Array, "*batch"] = units_field("1")
    lambda1_ratio: Float[Array, "*batch"] = units_field("1")
    status: Int[Array, "*batch"] = units_field("1")
    flags: Int[Array, "*batch"] = units_field("1")


# ---------------------------------------------------------------------------------------------------------------
# Species masses and the equilibrium algebra
# ---------------------------------------------------------------------------------------------------------------
@functools.cache
def _stages():
    return _rs.high_temperature_stage(("kappa", "B_kappa"), conserve_r=True), _rs.low_temperature_model(1)


def _nlsp_species(nlsp, flavour):
    return f"e_c_{flavour}_s" if nlsp == "slepton_R" else f"l_{flavour}_s"


@functools.cache
def _mass_groups(nlsp, flavour):
    """(group name of each high-T species, or None for a massless one), static."""
    stage, _ = _stages()
    nl = _nlsp_species(nlsp, flavour)
    out = []
    for s in stage.species:
        if s == nl:
            g = "m_nlsp"
        elif s in ("q_s", "u_c_s", "d_c_s"):
            g = "m_squark"
        elif s.endswith("_s") and (s.startswith("l_") or s.startswith("e_c_")):
            g = "m_slepton"
        elif s in ("H_u_f", "H_d_f", "R_u_f", "R_d_f"):
            g = "m_higgsino"
        elif s in ("bino", "S_f", "S2_f"):
            g = "m_dirac"
        elif s in ("wino", "T_f", "gluino", "O_f"):
            g = "m_gaugino"
        elif s in ("R_u_s", "R_d_s", "S_s", "T_s", "O_s", "S2_s"):
            g = "m_heavy"
        elif s == "S1_s":
            g = "m_s1"
        elif s == "S1_f":
            g = "m_singlino"
        else:
            g = None  # SM fermions, the Higgs doublets
        out.append(g)
    return tuple(out)


@functools.cache
def _gram_table(nlsp, flavour, weights):
    """The Gram matrix M(T) = Q diag(w(T)) Q^T split by mass group, at trace time (numpy):
    M(T) = M_fixed + sum_j k_j(m_j/T) G_j, one term per (mass group, statistics) pair j.

    Returns (M_fixed (5, 5), ((group, statistics), ...), G (n_pairs, 5, 5)).  ``weights="massless"``: every species
    at its massless weight g k(0) in M_fixed, no pairs."""
    stage, _ = _stages()
    q = np.asarray(stage.basis, float)
    base = np.asarray(stage.default_weights(), float)
    groups = _mass_groups(nlsp, flavour)
    if weights == "massless":
        return q @ np.diag(base) @ q.T, (), np.zeros((0, 5, 5))
    fixed = np.array([base[i] if g is None else 0.0 for i, g in enumerate(groups)])
    pairs = sorted({(g, "boson" if stage.boson[i] else "fermion") for i, g in enumerate(groups) if g is not None})
    mats = []
    for g, stat in pairs:
        d = np.array(
            [
                float(stage.dof[i]) if (gi == g and ("boson" if stage.boson[i] else "fermion") == stat) else 0.0
                for i, gi in enumerate(groups)
            ]
        )
        mats.append(q @ np.diag(d) @ q.T)
    return q @ np.diag(fixed) @ q.T, tuple(pairs), np.stack(mats)


def _gram(v, temperature, settings):
    """The Gram matrix M(T) = Q diag(g_i k_i(m_i/T)) Q^T in the basis (Y, B/3-L_e, B/3-L_mu, B/3-L_tau, R), as a
    nested 5 x 5 list of arrays of the shape of T (symmetric: M[a][b] is M[b][a]).

    Massive weights (``jaxgen_kernels.asymmetry_factor``): one k(m/T) per (mass group, statistics) pair (9 at the
    default spectrum, instead of one per species, 33), one kernel call per pair on an array of the shape of T; the
    species sums are precomputed in numpy (:func:`_gram_table`) and each entry is an explicit sum over its non-zero
    terms, so XLA fuses the whole matrix into one elementwise loop over the grid (a batched einsum/linalg call costs
    ~10x more on CPU). One call per statistics on the pairs stacked along a last axis would compile ~0.9 s faster,
    but under vmap that axis (4-5 long) is the minor one, and XLA:CPU evaluates k 3-5x slower per element there
    (the layout note of ``jaxgen._freezein._linear_rates``): measured 2026-12-04 on 2 cores, N = 4096, alternating
    runs, the network went 5.7e4 / 5.8e4 -> 8.5e4 / 8.1e4 points/s with identical results. Massless: the constant
    Gram matrix."""
    fixed, pairs, mats = _gram_table(settings.nlsp, settings.nlsp_flavour, settings.weights)
    t = jnp.asarray(temperature)
    zero = jnp.zeros_like(t * 1.0)
    ks = [kernels.asymmetry_factor(v[m] / t, stat) for (m, stat) in pairs]
    out: list = [[None] * 5 for _ in range(5)]
    for i in range(5):
        for j in range(i, 5):
            e = zero + float(fixed[i, j])
            for n, k in enumerate(ks):
                if mats[n, i, j] != 0.0:
                    e = e + float(mats[n, i, j]) * k
            out[i][j] = out[j][i] = e
    return out


def _gram_array(m):
    """The nested list of :func:`_gram` as an (..., 5, 5) array."""
    return jnp.stack([jnp.stack(row, axis=-1) for row in m], axis=-2)


def _weights(v, temperature, settings):
    """(..., n_species) g_i k_i(m_i/T) (massive, ``jaxgen_kernels.asymmetry_factor``) or the massless g_i k_i(0)
    (a diagnostic; the chain uses :func:`_gram` directly)."""
    stage, _ = _stages()
    base = jnp.asarray(stage.default_weights(), jnp.result_type(float))
    t = jnp.asarray(temperature)
    w = jnp.broadcast_to(base, t.shape + base.shape)
    if settings.weights == "massless":
        return w
    groups = _mass_groups(settings.nlsp, settings.nlsp_flavour)
    for boson in (True, False):
        idx = [i for i, g in enumerate(groups) if g is not None and stage.boson[i] == boson]
        m = jnp.stack([v[groups[i]] for i in idx])
        k = kernels.asymmetry_factor(m / t[..., None], "boson" if boson else "fermion")
        dof = jnp.asarray([stage.dof[i] for i in idx], w.dtype)
        w = w.at[..., jnp.asarray(idx)].set(dof * k)
    return w


def _gram_of_weights(w):
    """(..., 5, 5) Q diag(w) Q^T for weights w (..., n_species)."""
    stage, _ = _stages()
    q = jnp.asarray(stage.basis, w.dtype)
    return jnp.einsum("ai,...i,bi->...ab", q, w, q)


def _r_algebra(m, values):
    """(R_eq, chi_R, ok) for the Gram matrix m (nested 5 x 5 list, :func:`_gram`) and conserved values (Y,
    B/3-L_alpha) (..., 4).

    R_eq = M_RQ M_QQ^-1 c_Q (lambda_R = 0), chi_R = M_RR - M_RQ M_QQ^-1 M_QR (the R susceptibility at fixed Y,
    B/3-L_alpha).  M_QQ is a Gram matrix with positive weights (symmetric positive definite), so an unrolled
    LDL^T elimination without pivoting is exact and stable: with u = L^-1 c, w = L^-1 M_QR and pivots d,
    R_eq = sum_a w_a u_a/d_a and chi_R = M_RR - sum_a w_a^2/d_a (elementwise on the batch/grid axes, no batched
    LAPACK call).  Singular (det M_QQ <= 1e-12 max|M_QQ|^4) or non-finite: ok = False, R_eq = 0, chi_R = 1."""
    a = [list(row) for row in m]
    vals = [values[..., i] for i in range(4)]
    u = list(vals)
    w = [a[i][4] for i in range(4)]
    d = []
    for p in range(4):
        piv = a[p][p]
        d.append(piv)
        inv = 1.0 / jnp.where(piv == 0, 1.0, piv)
        for i in range(p + 1, 4):
            lij = a[i][p] * inv
            for j in range(p + 1, 4):
                a[i][j] = a[i][j] - lij * a[p][j]
            u[i] = u[i] - lij * u[p]
            w[i] = w[i] - lij * w[p]
    det = d[0] * d[1] * d[2] * d[3]
    scale = jnp.abs(m[0][0])
    for i in range(4):
        for j in range(i, 4):
            if (i, j) != (0, 0):
                scale = jnp.maximum(scale, jnp.abs(m[i][j]))
    ok = jnp.abs(det) > 1e-12 * scale**4
    r_eq = jnp.zeros_like(det)
    chi = a[4][4]
    for p in range(4):
        dp = jnp.where(ok, d[p], 1.0)
        r_eq = r_eq + w[p] * u[p] / dp
        chi = chi - w[p] * w[p] / dp
    ok = ok & jnp.isfinite(r_eq) & jnp.isfinite(chi)
    return jnp.where(ok, r_eq, 0.0), jnp.where(ok, chi, 1.0), ok


def _low_t_offsets(settings):
    """(4,) the conserved charges (Y, B/3-L_alpha) carried by one unit of frozen NLSP yield (eq. (24))."""
    info = _rs.NLSP_TYPES[settings.nlsp]
    off = np.zeros(4)
    off[0] = float(info["Y"])
    off[1 + ("e", "mu", "tau").index(settings.nlsp_flavour)] = -float(info["L"])
    return off


@functools.cache
def _low_t_row():
    """(4,) the row c of the constant linear map Delta Y_B = c . (values - offsets) of the low-temperature stage.

    Its weights are the massless g k(0) (no mass, no temperature), so the stage solve of
    :func:`jaxgen._equilibrium_stages.solve_stage` is a fixed 4 x 4 Gram system: lambda = M^-1 (values - offsets),
    B = b . (w * Q^T lambda) = c . (values - offsets) with c = M^-1 Q (w * b) (M symmetric), computed once in numpy.
    The chain used to call solve_stage per point (a batched LAPACK det + solve: 16 us per point per call on XLA
    CPU under vmap, two calls per point, about half the forward time at N = 1e3); tested against solve_stage."""
    _, low = _stages()
    q = np.asarray(low.basis, float)
    w = np.asarray(low.default_weights(), float)
    m = q @ np.diag(w) @ q.T
    if not abs(np.linalg.det(m)) > 1e-12 * np.max(np.abs(m)) ** m.shape[0]:
        raise AssertionError("the low-temperature Gram system is singular")  # a model-building error
    return np.linalg.solve(m, q @ (w * np.asarray(low.charge_vector("B"), float)))


def _low_t_baryon(values, n_nlsp, settings):
    """Delta Y_B at EW-sphaleron decoupling with the frozen NLSP (eqs. (22)-(24)), as jaxgen._gravitino: the
    constant linear map of :func:`_low_t_row` (status 1 where not finite, as solve_stage)."""
    rhs = values - n_nlsp[..., None] * jnp.asarray(_low_t_offsets(settings), values.dtype)
    b = rhs @ jnp.asarray(_low_t_row(), values.dtype)
    ok = jnp.isfinite(b)
    return jnp.where(ok, b, 0.0), jnp.where(ok, 0, 1).astype(jnp.int32)


def _low_t_baryon_stage(values, n_nlsp, settings):
    """:func:`_low_t_baryon` through the stage solve (the reference of the test)."""
    _, low = _stages()
    off = _low_t_offsets(settings)
    ls = solve_stage(low, values, None, n_nlsp[..., None] * jnp.asarray(off, values.dtype))
    return ls.charge("B"), ls.status


# ---------------------------------------------------------------------------------------------------------------
# Rates
# ---------------------------------------------------------------------------------------------------------------
def _n1(m, t, k2e_z):
    """Maxwell-Boltzmann equilibrium number density per degree of freedom [GeV^3]: m^2 T K_2(m/T)/(2 pi^2), with
    k2e_z = e^z K_2(z) at z = m/T given."""
    z = m / t
    return m * m * t * k2e_z * jnp.exp(-z) / (2.0 * math.pi**2)


def _majorana_mass(v, t, settings):
    m = v["m_majorana"]
    if settings.majorana in ("loop+thermal", "loop"):
        m = m + jnp.abs(_wo.bino_majorana_mass_loop(v["lambda1"], v["kappa"], v["b_kappa"], v["g1"]))
    th = _wo.thermal_r_breaking_masses(
        t, v["lambda1"], v["kappa"], v["m_s1"], v["b_kappa"], kind=settings.s1_suppression
    )
    if settings.majorana in ("loop+thermal", "thermal"):
        m = m + jnp.abs(th.m1)
    mu = v["mu_r"]
    if settings.majorana in ("loop+thermal", "loop"):
        mu = mu + jnp.abs(_wo.higgsino_mu_loop(v["lambda1"], v["kappa"], v["b_kappa"]))
    if settings.majorana in ("loop+thermal", "thermal"):
        mu = mu + jnp.abs(th.mu)
    return m, mu


def r_breaking_rates(v: dict, temperature, settings: ArduNetworkSettings = _DEFAULT_SETTINGS) -> dict:
    """Reaction densities Delta R^2 gamma_r [GeV^4] of the R-breaking channels at T (each with its CP conjugate).

    ``v``: {field of :class:`ArduNetworkParams`: value}.  Returns {"kappa", "b_kappa", "bino", "mu"; "lambda1_link"
    (the R-conserving S_1 -> h_u~ h_d~ width [GeV], a diagnostic), "per_s1" (R-breaking rate per S_1 [GeV])}.
    Derivations: ``docs/derivations/ardu_network.md`` sec. 2.
    """
    t = jnp.asarray(temperature)
    ms1 = v["m_s1"]
    z1 = ms1 / t
    # the four Bessel functions of the rates, K1(z_S1) and K2 at z_S1, z_NLSP, z_squark, from ONE evaluation of
    # the scaled (K0, K1, K2) kernel on the three arguments (four k1e/k2e calls were four copies of the kernel in the
    # program, ~1/2 of the node's jaxpr, compiled three times: bracket, root solve, integration grid)
    zs = jnp.stack(jnp.broadcast_arrays(z1, v["m_nlsp"] / t, v["m_squark"] / t), axis=-1)
    _, k1s, k2s = kernels.k012e(zs)
    # (i) S1 -> S1~ S1~ (kappa S1^3: L > -3 kappa S1 psi psi): Gamma = 9 kappa^2 m beta^3 / (4 pi), Delta R = 4;
    #     gamma_tot = 2 n1 Gamma K1/K2 = 2 m^2 T K1(z) Gamma/(2 pi^2)
    beta2 = jnp.clip(1.0 - 4.0 * v["m_singlino"] ** 2 / ms1**2, 0.0, 1.0)
    width_k = 9.0 * v["kappa"] ** 2 * ms1 * beta2**1.5 / (4.0 * math.pi)
    dens_k1 = ms1 * ms1 * t * k1s[..., 0] * jnp.exp(-z1) / (2.0 * math.pi**2)
    g_kappa = 2.0 * dens_k1 * width_k
    # (ii) S1 S1 -> h_u~ h_d~ (B_kappa S1^3 and lambda_1 S1 H_u H_d, s-channel S1*): sigma v = B^2 lambda^2/(pi m^4),
    #      Delta R = 6; gamma_tot = 2 x n1^2 sigma v / 2
    n_s1 = _n1(ms1, t, k2s[..., 0])
    beta_b2 = jnp.clip(1.0 - v["m_higgsino"] ** 2 / ms1**2, 0.0, 1.0)  # higgsino pair at s = 4 m_S1^2
    sv_b = v["b_kappa"] ** 2 * v["lambda1"] ** 2 * beta_b2**1.5 / (math.pi * ms1**4)
    g_bk = n_s1 * n_s1 * sv_b
    # (iii) NLSP NLSP -> l l through the bino Majorana mass (eq. (4), washout.md D3), Delta R = 2
    m_maj, mu_r = _majorana_mass(v, t, settings)
    y_hyp = float(abs(_rs.NLSP_TYPES[settings.nlsp]["Y"]))
    wp = _wo.WashoutParams(
        m_nlsp=v["m_nlsp"],
        m_majorana=m_maj,
        m_dirac=v["m_dirac"],
        alpha_em=c.ALPHA_EM_MZ * y_hyp**2,
        propagator=settings.propagator,
        statistics="mb",
    )
    n_nl = _n1(v["m_nlsp"], t, k2s[..., 1])
    g_bino = n_nl * n_nl * _wo.sigma_v(wp)
    # (iv) q3~ q3~ -> t_R b_R, higgsino exchange with an R-breaking mu insertion (Fig. 1 right), Delta R = 2:
    #      P = mu m^2 / ((m^2 + M_h^2)^2 + mu^2 m^2), sigma v = (y_t y_b)^2 P^2/(8 pi); 9 initial pairs; x 2 conjugate
    mq2, mh2 = v["m_squark"] ** 2, v["m_higgsino"] ** 2
    p_mu = mu_r * mq2 / ((mq2 + mh2) ** 2 + mu_r**2 * mq2)
    sv_mu = (v["y_top"] * v["y_bottom"]) ** 2 * p_mu**2 / (8.0 * math.pi)
    n_q = _n1(v["m_squark"], t, k2s[..., 2])
    g_mu = 18.0 * n_q * n_q * sv_mu
    on = settings.channels
    zero = jnp.zeros_like(t * 1.0)
    beta_h2 = jnp.clip(1.0 - 4.0 * v["m_higgsino"] ** 2 / ms1**2, 0.0, 1.0)
    return {
        "kappa": 16.0 * g_kappa if "kappa" in on else zero,
        "b_kappa": 36.0 * g_bk if "b_kappa" in on else zero,
        "bino": 4.0 * g_bino if "bino" in on else zero,
        "mu": 4.0 * g_mu if "mu" in on else zero,
        "lambda1_link": v["lambda1"] ** 2 * ms1 * beta_h2**1.5 / (8.0 * math.pi) + zero,
        "per_s1": (width_k if "kappa" in on else 0.0) + (n_s1 * sv_b if "b_kappa" in on else 0.0) + zero,
    }


def _rates_over_h(v, t, values, settings, cosmo):
    """({channel: Gamma_r/H}, R_eq, chi_R, ok, rates) at temperatures t (Gamma_r = 6 Delta R^2 gamma_r/(chi_R T^3))."""
    r_eq, chi, ok = _r_algebra(_gram(v, t, settings), values)
    rates = r_breaking_rates(v, t, settings)
    norm = 6.0 / (chi * t**3 * cosmo.hubble(t))
    return {k: rates[k] * norm for k in _CHANNELS}, r_eq, chi, ok, rates


def _s1_over_h(g):
    return g["kappa"] + g["b_kappa"]


# ---------------------------------------------------------------------------------------------------------------
# The chain
# ---------------------------------------------------------------------------------------------------------------
_DUMMY = {f.name: f.default for f in dataclasses.fields(ArduNetworkParams) if f.name in _EVENT}


def _n_points(n_grid):
    """Grid points actually used: n_grid rounded up to odd, so that every other point (the 2 ds grid of the
    Richardson step) ends on T_end too."""
    return n_grid + 1 - n_grid % 2


def _grid_ends(v, settings):
    """(ln T_start, ln T_end) of the network: T_start = t_start_over_m_s1 m_S1, T_end = m_NLSP/z_end."""
    return jnp.log(settings.t_start_over_m_s1 * v["m_s1"]), jnp.log(v["m_nlsp"] / settings.z_end)


def _bracket_grid(v, values, settings, cosmo):
    """The uniform log-temperature bracketing grid (``n_grid`` points, T_start down to T_end) with Gamma_S1/H and
    the Gram-solve status at every point.  Only a search grid: the bracket of the last Gamma_S1 = H crossing, the
    location of max Gamma_S1/H and the EQUILIBRIUM_FAILED check; nothing differentiable flows from it (the
    inputs are stop_gradient'ed, so the reverse pass has no work here)."""
    v = jax.lax.stop_gradient(v)
    x0, x1 = _grid_ends(v, settings)
    lnt = x0 + jnp.linspace(0.0, 1.0, settings.n_grid) * (x1 - x0)

    # one node per iteration of a scan (each iteration vectorized over the batch under vmap): the scan's stacked
    # outputs are materialised buffers; evaluated as one elementwise expression over the grid instead, XLA's CPU
    # fusion duplicates the kernels into every consumer.
    def node(_, x):
        g, _, _, ok, _ = _rates_over_h(v, jnp.exp(x), values, settings, cosmo)
        return None, (_s1_over_h(g), ok)

    _, (rate_s1, ok) = jax.lax.scan(node, None, lnt)
    return lnt, rate_s1, ok


def _secant_root(f, n_steps, u_lo, f_lo, u_hi, f_hi):
    """The root of f in [u_lo, u_hi] (f(u_lo) = f_lo > 0 >= f_hi = f(u_hi), no gradient through the bracket) by
    ``n_steps`` secant steps, each ONE evaluation of f: the first from the bracket ends (the regula-falsi start),
    then from the last two iterates (clipped to the bracket), and one last secant update from the last two
    evaluated points at no cost.  jax.lax.custom_root gives the implicit-function gradient."""
    lo, hi = jax.lax.stop_gradient(u_lo), jax.lax.stop_gradient(u_hi)

    def secant(x0, g0, x1, g1):
        den = g1 - g0
        good = (den != 0) & jnp.isfinite(den)
        x2 = x1 - g1 * (x1 - x0) / jnp.where(good, den, 1.0)
        return jnp.clip(jnp.where(good & jnp.isfinite(x2), x2, x1), lo, hi)

    def solve(g, x0):
        def body(_, st):
            a, ga, b, gb = st
            x = secant(a, ga, b, gb)
            return b, gb, x, g(x)

        start = (lo, jax.lax.stop_gradient(f_lo), hi, jax.lax.stop_gradient(f_hi))
        a, ga, b, gb = jax.lax.fori_loop(0, n_steps, body, start)
        return secant(a, ga, b, gb) + 0.0 * x0

    def tangent_solve(g, y):
        return y / g(jnp.ones_like(y))

    return jax.lax.custom_root(f, 0.5 * (lo + hi), solve, tangent_solve)


def _decoupling(v, values, lnt, rate_s1, settings, cosmo):
    """T_dec from Gamma_S1(T) = H(T): the bracketing grid brackets the last (lowest-T) crossing, and ``n_newton``
    secant steps in u = ln(m_S1/T) from that cell's ends solve F(u) = ln(Gamma_S1/H) = 0 (:func:`_secant_root`;
    F ~ -m_S1/T + O(ln T) there: the first secant point is off by ~ dx^2/8 ~ 0.03 in u and the secant has order
    1.6); jax.lax.custom_root gives the implicit-function gradient du/dtheta = -(dF/dtheta)/(dF/du).

    Why a secant and not Newton (``jaxgen.washout``'s solver, used until 2026-12): a Newton step is a jvp of the
    whole node (the equilibrium algebra and the rates), measured ~3x a plain evaluation under vmap on XLA CPU and a
    larger traced copy of the algebra; a secant step is one plain evaluation.  Against 20 Newton steps, 5 secant steps
    (5 evaluations, then one free update) reach T_dec to 4e-15 relative over the 1000 random points of
    bench_networks (4 steps: 1e-9, 3: 4e-6) but to 3.5e-10 at 20 of 2000 points of a wider spread (60 %
    log-normal in 9 spectrum fields and couplings; 5 Newton steps: 1e-15 there); 6 secant steps (the default):
    2.4e-15 on both sets.  Forward ~15 % faster than 5 Newton steps, the node's traced copy 1.4x smaller.

    Also measured, not kept: n_grid = 12 (with 7 secant steps) or 16 (with 6) saves 12 or 8 node evaluations
    but moves gamma_s1_over_h_max by up to 2 % (1 %) on the wide set (the parabola refinement of the peak on a
    coarser grid) and T_dec by 5e-5 on one point with 12; the grid scan and the secant steps as ONE scan (one
    traced copy of the node instead of two, the grid values as custom_root aux): jaxpr 27 % smaller but no
    measurable change of the XLA compile time or of the forward time on this machine (compile 4.4-10 s either
    way, the noise of a shared 2-core VM)."""
    ms1 = v["m_s1"]

    def f(u):
        g, _, _, _, _ = _rates_over_h(v, ms1 / jnp.exp(u), values, settings, cosmo)
        return jnp.log(jnp.maximum(_s1_over_h(g), 1e-300))

    n = lnt.shape[0]
    pos = rate_s1 > 1.0
    any_pos = jnp.any(pos)
    last = jnp.where(any_pos, n - 1 - jnp.argmax(pos[::-1]), 0)
    no_dec = pos[-1]
    nxt = jnp.minimum(last + 1, n - 1)
    lms1 = jax.lax.stop_gradient(jnp.log(ms1))
    u_lo, u_hi = lms1 - lnt[last], lms1 - lnt[nxt]
    f_lo = jnp.log(jnp.maximum(rate_s1[last], 1e-300))
    f_hi = jnp.log(jnp.maximum(rate_s1[nxt], 1e-300))
    u = _secant_root(f, settings.n_newton, u_lo, f_lo, u_hi, f_hi)
    u = jnp.where(no_dec, jnp.log(ms1) - lnt[-1], u)
    return ms1 / jnp.exp(u), ~any_pos, no_dec


def _s1_peak(lnt, rate_s1):
    """ln T of max Gamma_S1/H: the bracketing grid's maximum refined by the parabola through ln(Gamma_S1/H) at it
    and its neighbours (no gradient: the chain re-evaluates Gamma_S1/H there)."""
    n = lnt.shape[0]
    k = jnp.clip(jnp.argmax(rate_s1), 1, n - 2)
    lg = jnp.log(jnp.maximum(rate_s1, 1e-300))
    a, b, c_ = lg[k - 1], lg[k], lg[k + 1]
    curv = a - 2.0 * b + c_
    off = jnp.where(curv < 0, 0.5 * (a - c_) / jnp.where(curv < 0, curv, -1.0), 0.0)
    off = jnp.clip(off, -1.0, 1.0)
    return jax.lax.stop_gradient(lnt[k] + off * (lnt[k + 1] - lnt[k]))


def _fine_lnt(x_start, x_end, x_c, n, beta):
    """The integration grid: n points uniform in s in [0, 1] mapped by ln T(s) = x_c - A sinh(beta (s - s_c)),
    A, s_c fixed by ln T(0) = x_start, ln T(1) = x_end (closed form: with a = x_start - x_c, b = x_c - x_end,
    tanh(beta s_c) = a sinh(beta)/(b + a cosh(beta)), A = a/sinh(beta s_c)).  The points crowd around x_c = ln
    T_dec (spacing A beta ds there, growing like cosh away from it): a smooth map, so the integrator's error is a
    series in ds^2 on it and the Richardson step still cancels the ds^2 term."""
    span = x_start - x_end
    x_c = jnp.clip(x_c, x_end + 0.02 * span, x_start - 0.02 * span)
    a, b = x_start - x_c, x_c - x_end
    s_c = jnp.arctanh(a * math.sinh(beta) / (b + a * math.cosh(beta))) / beta
    amp = a / jnp.sinh(beta * s_c)
    s = jnp.linspace(0.0, 1.0, n)
    lnt = x_c - amp * jnp.sinh(beta * (s - s_c))
    return lnt.at[0].set(x_start).at[-1].set(x_end)


def _fine_grid(v, values, lnt, settings, cosmo):
    """{channel: Gamma_r/H}, R_eq, ok at the integration grid lnt (a scan over the nodes, as the bracketing grid)."""

    def node(_, x):
        g, r_eq, _, ok, rates = _rates_over_h(v, jnp.exp(x), values, settings, cosmo)
        lam = rates["lambda1_link"] / jnp.maximum(rates["per_s1"], 1e-300)
        return None, (g, r_eq, ok, lam)

    # measured (2026-12, N = 1e3, same run): the nodes as one vectorised call with a node axis instead of the scan,
    # forward 39 vs 29 us/point, gradient about equal; jax.checkpoint on the node (recompute in the reverse pass
    # instead of storing its residuals), gradient 233 vs 99 us/point.  Neither kept.
    _, out = jax.lax.scan(node, None, lnt)
    return out


def _optical_depths(rate, dx):
    """h_n = integral of Gamma_R/H over grid step n (|d ln T| = dx_n): the logarithmic mean
    dx (r_1 - r_0)/ln(r_1/r_0), exact for a rate exponential in ln T (Boltzmann-suppressed rates are, to
    O(dx^2 d^2 ln r/dx^2)); the trapezoid where r_1 ~ r_0 or a rate is 0."""
    r0, r1 = rate[:-1], rate[1:]
    pos = (r0 > 0) & (r1 > 0)
    l0 = jnp.log(jnp.where(pos, r0, 1.0))
    l1 = jnp.log(jnp.where(pos, r1, 1.0))
    dl = l1 - l0
    near = jnp.abs(dl) < 1e-4
    # (e^dl - 1)/dl to O(dl^4) where |dl| is small
    rel = jnp.where(near, 1.0 + dl / 2.0 + dl * dl / 6.0 + dl**3 / 24.0, jnp.expm1(dl) / jnp.where(near, 1.0, dl))
    return jnp.where(pos, r0 * rel, 0.5 * (r0 + r1)) * dx


def _integrate(lnt, rate, r_eq, settings):
    """The R relaxation equation dY/dtau = -(Y - R_eq), dtau = (Gamma_R/H) |d ln T|, on the grid lnt: the
    exponential integrator exact for R_eq linear in tau over a step,
    Y_{n+1} = e^{-h_n} Y_n + b_n,  b_n = E_{n+1} - E_n e^{-h_n} - (E_{n+1} - E_n)(1 - e^{-h_n})/h_n,
    with h_n the optical depth of step n (:func:`_optical_depths`)."""
    h = _optical_depths(rate, jnp.abs(lnt[:-1] - lnt[1:]))
    e0, e1 = r_eq[:-1], r_eq[1:]
    y0 = jnp.zeros((), lnt.dtype) if settings.r_initial == "zero" else r_eq[0]
    small = h < 1e-8
    frac = jnp.where(small, 1.0 - 0.5 * h, -jnp.expm1(-h) / jnp.where(small, 1.0, h))
    b = e1 * (1.0 - frac) - e0 * (jnp.exp(-h) - frac)
    # the linear recurrence y <- a y + b in closed form, Y_N = Y_0 e^{-C} + sum_n b_n e^{-S_n}, S_n = sum_{j>n} h_j
    # (every exponent <= 0), the suffix sums S = U h as one matrix product with the constant strictly upper
    # triangular U (numpy, trace time; n ~ 30 steps).  A sequential lax.scan, jnp.cumsum or associative_scan was
    # 10-50x slower inside the vmapped chain on XLA CPU.
    n = h.shape[-1]
    upper = jnp.asarray(np.triu(np.ones((n, n)), 1), h.dtype)
    rem = upper @ h
    return y0 * jnp.exp(-jnp.sum(h)) + jnp.sum(b * jnp.exp(-rem))


def _integrate_richardson(lnt, rate, r_eq, settings):
    """:func:`_integrate` on the grid and on every other point of it (ds and 2 ds), extrapolated:
    Y = Y_ds + (Y_ds - Y_2ds)/3 cancels the O(ds^2) error of the exponential integrator (measured second order);
    with a number of intervals divisible by 4, the third level (4 ds) too: Y = (64 Y_ds - 20 Y_2ds + Y_4ds)/45
    (the integrator costs little next to the node evaluations; measured at the defaults, 40 intervals and
    grid_stretch 5: 2.0e-6 / 5.9e-6 in r_final on the random / m_SUSY points; the two-level extrapolation at
    grid_stretch 4 was 7.9e-6 / 4.1e-5, with the third level 1.3e-5 / 2.5e-5: the gain is not uniform)."""
    y1 = _integrate(lnt, rate, r_eq, settings)
    y2 = _integrate(lnt[::2], rate[::2], r_eq[::2], settings)
    if (lnt.shape[0] - 1) % 4:
        return y1 + (y1 - y2) / 3.0
    y4 = _integrate(lnt[::4], rate[::4], r_eq[::4], settings)
    return (64.0 * y1 - 20.0 * y2 + y4) / 45.0


def _engine_epsilon(v, settings, cosmo):
    """The NLSP washout factor exactly as jaxgen.scenarios.rsymmetric_adm computes it (T_th = m_NLSP)."""
    m = v["m_nlsp"]
    m_loop = jnp.abs(_wo.bino_majorana_mass_loop(v["lambda1"], v["kappa"], v["b_kappa"], v["g1"]))
    th = _wo.thermal_r_breaking_masses(
        m, v["lambda1"], v["kappa"], v["m_s1"], v["b_kappa"], kind=settings.s1_suppression
    )
    m_maj = v["m_majorana"]
    if settings.majorana in ("loop+thermal", "loop"):
        m_maj = m_maj + m_loop
    if settings.majorana in ("loop+thermal", "thermal"):
        m_maj = m_maj + jnp.abs(th.m1)
    r_exact = m_maj <= 0
    wp = _wo.WashoutParams(
        m_nlsp=m,
        m_majorana=jnp.where(r_exact, 1.0, m_maj),
        m_dirac=v["m_dirac"],
        alpha_em=c.ALPHA_EM_MZ * float(abs(_rs.NLSP_TYPES[settings.nlsp]["Y"])) ** 2,
        propagator=settings.propagator,
        statistics="mb",
    )
    failed = jnp.asarray(False)
    if settings.washout == "none":
        eps = jnp.ones_like(m)
    elif settings.washout == "boltzmann":
        res = _wo.washout_factor(
            wp, cosmo, z_start=0.05, z_end=300.0, rtol=1e-7, atol=1e-9, max_steps=16384, solver="collocation"
        )
        eps = res.epsilon
        failed = (res.status & (_wo.STATUS_ODE_FAILED | _wo.STATUS_NONFINITE)) != 0
    else:
        rate = "gamma" if settings.washout == "instant" else "freeze"
        dec = _wo.decoupling(wp, cosmo, rate=rate, z_min=0.05, z_max=300.0)
        eps = _wo.instant_washout_factor(dec.z_b, "mb")
        failed = (dec.status == _wo.STATUS_NONFINITE) | ~jnp.isfinite(eps)
    return jnp.where(r_exact, 1.0, eps), failed & ~r_exact


def r_charge_network(
    params: ArduNetworkParams,
    settings: ArduNetworkSettings = _DEFAULT_SETTINGS,
    cosmology: Cosmology | None = None,
) -> ArduNetworkPrediction:
    """The Ardu et al. R-charge network for ONE point (module docstring; eqs. (4), (18)-(26), Fig. 1).

    Pure: jit (``settings`` static), vmap (:func:`r_charge_network_batch`) and grad in every continuous input (through
    the Newton decoupling solve implicitly and through the fixed-grid integration).  Invalid inputs are flagged in
    ``status`` (never NaN).  Requires float64.
    """
    require_x64("jaxgen.scenarios.ardu_network")
    if not isinstance(settings, ArduNetworkSettings):
        raise TypeError(f"settings must be an ArduNetworkSettings, got {type(settings).__name__}")
    if not isinstance(params, ArduNetworkParams):
        raise TypeError(f"ardu_network takes an ArduNetworkParams, got {type(params).__name__}")
    check_single_point(params, _SCALAR_FIELDS, {"b_minus_l_alpha": (3,)}, "r_charge_network", "r_charge_network_batch")
    cosmo = Cosmology(table=settings.table) if cosmology is None else cosmology
    dtype = jnp.result_type(float)
    vals = {k: jnp.asarray(getattr(params, k), dtype) for k in (*_SCALAR_FIELDS, "b_minus_l_alpha")}
    v, ok = sanitize(vals, _DUMMY, positive=_POSITIVE, non_negative=_NON_NEGATIVE)
    bad = ~ok
    values = jnp.concatenate([jnp.zeros((1,), dtype), v["b_minus_l_alpha"]])
    bl = jnp.sum(v["b_minus_l_alpha"])
    info = _rs.NLSP_TYPES[settings.nlsp]
    r_nlsp = float(info["R"])

    # the spectrum: every R-charged species at least as heavy as the NLSP
    spectrum_bad = jnp.asarray(False)
    for grp in set(g for g in _mass_groups(settings.nlsp, settings.nlsp_flavour) if g not in (None, "m_nlsp")):
        spectrum_bad = spectrum_bad | (v[grp] < v["m_nlsp"])
    status = jnp.where(spectrum_bad, STATUS_BAD_SPECTRUM, 0)

    # 1. the bracketing grid, and the S1-mediated R-breaking decoupling temperature
    lnt, rate_s1, ok_grid = _bracket_grid(v, values, settings, cosmo)
    status = status | jnp.where(jnp.all(ok_grid), 0, STATUS_EQUILIBRIUM_FAILED)
    if settings.decoupling == "rates":
        t_dec, never, no_dec = _decoupling(v, values, lnt, rate_s1, settings, cosmo)
        status = (
            status | jnp.where(never, STATUS_NO_R_EQUILIBRIUM, 0) | jnp.where(no_dec & ~never, STATUS_NO_DECOUPLING, 0)
        )
        t_dec = jnp.where(never, jnp.exp(_grid_ends(v, settings)[0]), t_dec)
    else:
        t_dec = v["t_dec"]

    # 2. one scan over the integration grid (transfer="network") and the three diagnostic temperatures: T_dec (R_eq,
    # lambda1_ratio), m_NLSP (bino_over_h, mu_over_h) and the peak of Gamma_S1/H (gamma_s1_over_h_max)
    n_fine = _n_points(settings.n_fine) if settings.transfer == "network" else 0
    x_start, x_end = _grid_ends(v, settings)
    diag = jnp.stack([jnp.log(t_dec), jnp.log(v["m_nlsp"]), _s1_peak(lnt, rate_s1)])
    if n_fine:
        nodes = jnp.concatenate([_fine_lnt(x_start, x_end, diag[0], n_fine, settings.grid_stretch), diag])
    else:
        nodes = diag
    g_all, r_eq_all, ok_all, lam_all = _fine_grid(v, values, nodes, settings, cosmo)
    r_eq_dec = r_eq_all[n_fine]
    lam_ratio = lam_all[n_fine]
    bino_h, mu_h = g_all["bino"][n_fine + 1], g_all["mu"][n_fine + 1]
    g_max = jnp.maximum(_s1_over_h(g_all)[n_fine + 2], jax.lax.stop_gradient(jnp.max(rate_s1)))
    status = status | jnp.where(lam_ratio < 1.0, STATUS_LAMBDA1_SLOW, 0)
    status = status | jnp.where(jnp.all(ok_all), 0, STATUS_EQUILIBRIUM_FAILED)

    # 3. the R charge that survives
    if settings.transfer == "instant":
        eps, failed = _engine_epsilon(v, settings, cosmo)
        status = status | jnp.where(failed, STATUS_WASHOUT_FAILED, 0)
        r_final = eps * r_eq_dec
    else:
        rate = (g_all["kappa"] + g_all["b_kappa"] + g_all["bino"] + g_all["mu"])[:n_fine]
        r_final = _integrate_richardson(nodes[:n_fine], rate, r_eq_all[:n_fine], settings)
        status = status | jnp.where(g_max < 10.0, STATUS_WEAK_EQUILIBRIUM, 0)
        eps = r_final / jnp.where(r_eq_dec != 0, r_eq_dec, 1.0)
    full = (jnp.abs(eps) <= _EPS_MIN) & (r_eq_dec != 0) & (r_final != 0)
    status = status | jnp.where(full, STATUS_FULL_WASHOUT, 0)

    # 3. all R into the NLSP (eq. (21)); SM equilibrium with the frozen NLSP (eqs. (22)-(24)); m_3/2 (eqs. (25), (26))
    def m32_of(r):
        n = r / r_nlsp
        b_low, st = _low_t_baryon(values, n, settings)
        good = (jnp.abs(n) > 0) & (jnp.abs(b_low) > 0) & (st == 0)
        m = v["dm_to_baryon"] * v["proton_mass"] * jnp.abs(jnp.where(good, b_low, 1.0) / jnp.where(good, n, 1.0))
        return jnp.where(good, m, 0.0), n, b_low, good

    m32_inst, n_inst, b_inst, good_inst = m32_of(r_eq_dec)
    if settings.transfer == "instant":
        # eq. (26) as printed (and as rsymmetric_adm): Delta Y_B of the unwashed NLSP, m_3/2 -> m_3/2 / epsilon
        m32 = jnp.where(full, 0.0, m32_inst / jnp.where(full, 1.0, eps))
        n_nlsp, b_low, good = eps * n_inst, b_inst, good_inst
    else:
        m32, n_nlsp, b_low, good = m32_of(r_final)
    status = status | jnp.where(good | full, 0, STATUS_NO_ASYMMETRY)

    per = lambda x: jnp.where(bl != 0, x / jnp.where(bl != 0, bl, 1.0), 0.0)  # noqa: E731
    errors = status & STATUS_ERROR_MASK
    valid = (errors == 0) & ~bad
    out = dict(
        t_dec=t_dec,
        z_dec=v["m_s1"] / t_dec,
        r_eq_dec=per(r_eq_dec),
        r_final=per(r_final),
        epsilon=eps,
        nlsp_yield=per(n_nlsp),
        baryon_low=per(b_low),
        nlsp_to_baryon=jnp.where(good, n_nlsp / jnp.where(good, b_low, 1.0), 0.0),
        m_gravitino=jnp.where(valid, m32, 0.0),
        m_gravitino_instant=m32_inst,
        gamma_s1_over_h_max=g_max,
        bino_over_h=bino_h,
        mu_over_h=mu_h,
        lambda1_ratio=lam_ratio,
    )
    zero = jnp.zeros((), dtype)
    out = {k: jnp.where(bad, zero, jnp.asarray(x, dtype)) for k, x in out.items()}
    finite = jnp.asarray(True)
    for x in out.values():
        finite = finite & jnp.isfinite(x)
    out = {k: jnp.where(jnp.isfinite(x), x, zero) for k, x in out.items()}
    status = jnp.where(bad, STATUS_BAD_INPUT, status | jnp.where(finite, 0, STATUS_NONFINITE))
    status = jnp.asarray(status, jnp.int32)
    return ArduNetworkPrediction(
        **out,
        status=(status & STATUS_ERROR_MASK).astype(jnp.int32),
        flags=(status & ~STATUS_ERROR_MASK).astype(jnp.int32),
    )


@eqx.filter_jit
def _batch_impl(params, settings, cosmology):
    shape = batch_shape(params, "ArduNetworkParams", _EVENT)
    n = int(np.prod(shape))
    dtype = jnp.result_type(float)
    flat = {k: jnp.broadcast_to(jnp.asarray(getattr(params, k), dtype), shape).reshape(n) for k in _SCALAR_FIELDS}
    flat["b_minus_l_alpha"] = jnp.broadcast_to(jnp.asarray(params.b_minus_l_alpha, dtype), shape + (3,)).reshape(n, 3)
    p = ArduNetworkParams(**flat)
    out = jax.vmap(lambda q: r_charge_network(q, settings, cosmology))(p)
    return jax.tree_util.tree_map(lambda a: a.reshape(shape), out)


def r_charge_network_batch(
    params: ArduNetworkParams,
    settings: ArduNetworkSettings = _DEFAULT_SETTINGS,
    cosmology: Cosmology | None = None,
) -> ArduNetworkPrediction:
    """:func:`r_charge_network` over a batch (jitted vmap; fields broadcast together, ``b_minus_l_alpha`` with a last
    axis of 3).  A bad point is flagged in its ``status`` and does not affect the others."""
    require_x64("jaxgen.scenarios.r_charge_network_batch")
    if not isinstance(settings, ArduNetworkSettings):
        raise TypeError(f"settings must be an ArduNetworkSettings, got {type(settings).__name__}")
    if not isinstance(params, ArduNetworkParams):
        raise TypeError(f"r_charge_network_batch takes an ArduNetworkParams, got {type(params).__name__}")
    params = jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.result_type(float)), params)
    batch_shape(params, "ArduNetworkParams", _EVENT)
    return _batch_impl(params, settings, cosmology)
