r"""The asymmetric freeze-in chain of Hall, March-Russell, West 2010: parameters -> predictions, in one function.

Units: GeV for masses, widths, temperatures; GeV^-2 for <sigma v>; metres for decay lengths; seconds for lifetimes;
yields Y = n/s are dimensionless; phases in radians. Needs float64 (asymmetries ~1e-10).

:func:`asymmetric_freezein` maps a :class:`HallParams` PyTree to a :class:`HallPrediction` PyTree. It is pure and
jit/vmap/grad-able in every continuous input; :func:`asymmetric_freezein_batch` is its jitted vmap (one compile).
It is built on the engines: ``jaxgen._freezein`` (Y_FI, eta_X), ``jaxgen._cp`` (eq. 2.7), ``jaxgen._signatures``
(widths, eqs. 4.8, 4.9, 5.3), ``jaxgen._freezeout`` (hidden-sector annihilation), ``jaxgen._cosmology``
(g_*(T), Y <-> Omega h^2) and ``jaxgen._constants`` (observed-density presets). Derivations (HMW = Hall et al.):

1. Widths (convention of :func:`jaxgen.signatures.losp_width_from_coupling`, which reproduces HMW's pairing
   "lambda ~ 1e-6 <-> tau ~ 1e-13 s at 100 GeV"): Gamma_LOSP = lam^2 m_LOSP/(8 pi) and, for each decaying state a,
   Gamma_a = r_a lam^2 m_a/(8 pi) with r_a = ``width_factor``; this is HMW's r of eq. (4.1),
   Gamma_a/Gamma_LOSP = r m_a/m_LOSP.
2. CP asymmetries (HMW eq. 2.7): eps_a = eps0_a alpha_w sin(phi_a), alpha_w = ``jaxgen.constants.ALPHA_W``.
   Sign: eps_a is the net X number produced per decay into X final states (the convention of HMW eqs. 1.4, 4.1 and
   of ``jaxgen._freezein``). Conservation of B - L + X with Delta B = 0 in the decay gives Delta X = Delta L, so
   eps_a also equals the net L per decay of HMW eq. (2.3). [Discrepancy, no number affected: HMW Sec. 2.1 say the
   X number per decay is "the opposite" of eq. (2.3) and that the final states have L = -X; both contradict their
   own eq. (1.3). We follow eq. (1.3), the convention of ``jaxgen.equilibrium`` (conserved charge "B-L+X").]
3. Freeze-in (HMW eqs. 1.1, 1.4, 4.1): Y_A and eta_X = sum_A eps_A Y_A from :func:`jaxgen.freezein.
   freezein_table` (the exact integral of the decay Boltzmann equation with the chosen g_*(T) table, a convolution
   in ln m_A precomputed once per table; no inverse decays; ``n_nodes``: the Gauss-Legendre quadrature
   :func:`jaxgen.freezein.freezein_quadrature` instead), or from :func:`jaxgen.freezein.solve_freezein` with the factorised inverse-decay
   back-reaction (1 - Y_X/Y_X^eq(T'), T' = ``temperature_ratio`` T) for ``method="ode"``. With constant g_* and one
   state, Y_A = C g_A Gamma_A M_Pl/(g_*s sqrt(g_*rho) m_A^2), C = 0.3278 (full Planck mass; HMW's C_FI = 1.64 is the
   same number with the reduced Planck mass). The LOSP is in the bath and decays through the same coupling, so with
   ``include_losp`` (default) it contributes to Y_FI and to the hidden-sector heating with eps = 0 (HMW Sec. 2.1,
   after eq. 2.5: LOSP decays have no on-shell cut and carry no asymmetry).
4. Baryons (HMW eqs. 1.3, 3.1): B - L + X is conserved and starts at 0, so eta_{B-L} = -eta_X; sphalerons give
   B = c (B - L), hence eta_B = -c eta_X. c = ``b_over_bml`` (28/79 for the SM: eq. 3.1 with N_G = 3, N_H = 1).
   c for another spectrum from ``jaxgen.equilibrium`` (differentiable in the masses)::

       from jaxgen import equilibrium, models
       mssm = models.mssm()
       heavy = {s: 1e6 for s in models.mssm_superpartners(mssm, higgsinos=True)}  # masses [GeV]
       c = equilibrium.solve(mssm, {"B-L": 1.0}, temperature=100.0, masses=heavy).ratio("B", "B-L")  # 8/23

   (``models.standard_model()`` gives 28/79, HMW eq. 3.2; the MSSM with heavy superpartners 8/23, eq. 3.3;
   sphalerons off with UDDX gives |B/X| = 1, eq. 3.4: pass c = 1.) The sign of eta_B is that of -c eps0 sin(phi).
   This is ``HallSettings(sphalerons="instantaneous")``, the paper's printed treatment (an option; use it to
   reproduce HMW's numbers): B = c (B - L) holds only while the sphalerons are in equilibrium, i.e. for X made
   above the sphaleron freeze-out T* (131.7 GeV printed by DRT 2014; 131.6 GeV from jaxgen's H(T),
   :mod:`jaxgen._sphaleron`).
4b. Sphaleron timing (``sphalerons="timed"``, the DEFAULT since issue 15: the instantaneous treatment converts also
   the eta_X made below T*, which biases eta_B, the fitted lambda, the decay length and m_X by a factor of a few
   for decaying states at a few hundred GeV; :mod:`jaxgen._sphaleron` has the rate, the derivations and the
   solver): dY_B/dt = -Gamma_B(T) (Y_B - c_eff(T) Y_{B-L}(T)) with the lattice rate of D'Onofrio, Rummukainen,
   Tranberg (arXiv:1404.3565), Gamma_B = 9 (869 + 333 x^2)/(792 + 306 x^2) Gamma_sph/T^3 and the SM
   chi(T) = 4 (77 + 27 x^2)/(869 + 333 x^2), x = v(T)/T (both derived there), c_eff = c chi(T)/chi(0) (so that
   c = ``b_over_bml`` keeps its meaning, the symmetric-phase ratio; for the SM c_eff = chi). Y_{B-L}(T) = -eta_X
   produced above T: the freeze-in history of item 3, dY_A/d(-ln T) = (45 g_A Gamma_A M_Pl/(4 pi^4 m_A^2))
   x^4 K1(x) G(T) (MB), summed with eps_A, by Gauss-Legendre above 180 GeV and on the fixed ln T grid of
   :class:`jaxgen.sphaleron.SphaleronGrid` (180 -> 100 GeV, 257 nodes) below; Y_B is frozen below 100 GeV. Y_B is
   linear in the history and each state's history depends on its mass alone, so the chain reads Y_B and eta_X(T*)
   per state from response tables in ln m built once per g_* table (:func:`jaxgen.sphaleron.sphaleron_timing`;
   < 1e-6 from the direct quadrature; one spline lookup per state, the cost of the instantaneous chain); with
   ``n_nodes`` set or an untabulated cosmology it runs the direct quadrature. The history is that of the
   quadrature (no inverse decays) also for ``method="ode"``. ``fraction_above_sphaleron``
   (both modes) is eta_X(above T*)/eta_X, ``baryon_to_x_ratio`` = -eta_B/eta_X (c instantaneous), and
   m_x_required = |ratio| m_p R_obs. At :meth:`HallParams.benchmark` (m_a = 300 GeV, LOSP 100 GeV) 28% of eta_X is
   made above T* and the ratio is 0.092 instead of 28/79 (m_x_required 0.463 instead of 1.784 GeV).
5. Densities today: Omega h^2 = m Y s0/(rho_c/h^2) (:func:`jaxgen.cosmology.yield_to_omega_h2`), with the asymmetric
   X relic |eta_X| (the symmetric part is assumed annihilated; its surviving fraction is ``symmetric_fraction``)
   and baryons m_p |eta_B|. Hence Omega_X/Omega_b = m_X/(|c| m_p), independent of the freeze-in details, and the
   m_X that gives the observed ratio R_obs (preset ``HallSettings.observed``) is m_X = |c| m_p R_obs (HMW eq. 3.2:
   1.616 GeV for c = 28/79 and HMW's R_obs = 4.86; 1.784 GeV for Planck 2018).
6. LOSP decay length at the LHC: L = (beta gamma) c tau, tau = 1/Gamma_LOSP (``decay_length``, from lam). The relic
   version (HMW eq. 4.2, ``decay_length_relic``): the LOSP width for which the predicted asymmetry gives the
   observed Omega_DM h^2 with this m_X. All widths scale as lam^2 and so does eta_X (exact without inverse decays),
   so Gamma_LOSP,req = Gamma_LOSP eta_obs/|eta_X| with eta_obs = Omega_DM h^2 (rho_c/h^2)/(s0 m_X), and
   L_relic = L |eta_X|/eta_obs: a function of eps_a, m_X, the masses and r only. For one state and constant g_* it
   is the derived eq. (4.2) of :func:`jaxgen.signatures.losp_decay_length`: 3.64 m (beta gamma)(eps_a/1e-5)... for
   Omega_DM h^2 = 0.120. [Discrepancy: printed 10 m (gamma/2), i.e. 6.30 m derived at gamma = 2 (beta gamma =
   sqrt 3): the printed prefactor is 1.6x larger, and the lab length is beta gamma c tau, not gamma c tau.]
7. Hidden-sector temperature (HMW eq. 5.2, derived in ``jaxgen._hidden_sector``): each decay gives the hidden
   sector the energy f m_A in the A rest frame (f = ``energy_fraction`` = 1/2), so R = rho_X/s^(4/3) is comoving
   after freeze-in, with

       R = sum_A \int dt (f Gamma_A g_A M_Pl / (2 pi^2 sqrt(4 pi^3/45) m_A^2)) (45/(2 pi^2))^(4/3) x^5 S_2(x)
             (1 + dln g_*s/3 dln T)/(sqrt(g_*rho) g_*s^(4/3)),        t = ln x, x = m_A/T,

   S_2 = sum_k (-+1)^(k+1) K_2(k x)/k (MB: K_2). This is the quadrature twin of the ODE of
   :func:`jaxgen._hidden_sector.hidden_temperature` (tested against it), computed here per point by Gauss-Legendre
   in t (nodes as in the freeze-in quadrature). A hidden sector with g_X relativistic dof that thermalises
   internally then has (T_X/T)^4 = 30 R (2 pi^2 g_*s(T)/45)^(4/3)/(pi^2 g_X) at any later T (separate entropy
   conservation). ``t_ratio_fi`` is T_X/T at T_fi = min_A m_A/``x_fi`` (x_fi = 20: all but 5e-6 of the energy is
   injected). For constant g_* this is (T_X/T)^4 = (20 f/3)(g_*/g_X) Y_FI = 0.0535^4 at HMW's normalisation
   (eps = 1e-3, eta_X = 2.45e-10, g_X = 10, g_* = 100); printed 0.05 (one digit).
8. Non-thermalization (HMW p. 4): all widths scale as lam^2, so (T_X/T)^4 ~ lam^2 and lam_max (the lam at which the
   freeze-in heating alone brings T_X to T) gives ``thermalization_ratio`` = lam/lam_max = (T_X/T at T_fi)^2. For one
   state, constant g_* it is :func:`jaxgen.signatures.thermalization_ratio` (lam_max = 9.7e-8 sqrt(m_B/100 GeV) for
   g_X = 10, g_* = 100, g_B = 2). [Discrepancy: HMW quote 1e-6 sqrt(m_B/100 GeV): same scaling, prefactor ~10x.]
9. Visible temperature at LOSP decay (HMW eq. 5.3): Gamma_LOSP = H(T) with g_*rho(T) from the cosmology, solved by
   Newton in ln T (implicit-function derivative). Constant g_* = 100: 17.1 GeV (m/100)^(1/2) (lam/1e-8)
   (g_*/100)^(-1/4). [Discrepancy: printed 15.5 GeV (g_*/100)^(+1/4); 15.5 GeV is reproduced with M_Pl = 1e19 GeV,
   and the g_* exponent must be -1/4.] Hidden temperature at LOSP decay (eq. 5.4): T_X = (T_X/T)(T_dec) T_dec with
   the entropy factor of item 7: 0.914 GeV at HMW's normalisation. [Discrepancy: printed 770 MeV (g_X/10)^(1/4) =
   15.5 GeV x 0.05; the derivation gives (10/g_X)^(1/4) as in eq. 5.2.] This assumes that the LOSPs decay after
   freeze-in (t_vis_decay < T_fi); for larger lam it is only indicative.
10. Hidden freeze-out of the symmetric part (HMW Sec. 4.4, 5.3): X, Xbar (g_dm dof each) annihilate with s-wave
    <sigma v> = ``sigma_v_x`` in the hidden sector at T_X = xi T. With x = m_X/T_X the Boltzmann equation in the
    visible time variable is exactly that of a visible-sector species of mass m_X/xi and g_dm xi^3 dof
    (s/(x H) at T = (m_X/xi)/x, and Y_eq = xi^3 Y_eq,vis), for constant xi. We take xi at the hidden freeze-out
    (one fixed-point pass from xi(T_fi); xi(T) from item 7 changes only as g_*s(T)^(1/3)) and use
    :func:`jaxgen.freezeout.freezeout_estimate` (x_f, Kolb-Turner) and
    :func:`jaxgen.freezeout.asymmetric_freezeout_estimate` (the surviving Ybar, Iminniyaz-Drees-Chen) with
    eta = |eta_X|, or :func:`jaxgen.freezeout.solve_asymmetric_freezeout` (``freezeout="ode"``).
    ``symmetric_fraction`` = 2 Ybar/|eta_X| (HMW: must be < 0.1). T_X,fo = m_X/x_f, and
    ``hidden_freezeout_running`` = T_X,decay/T_X,fo (> 1: the hidden sector still annihilates when the LOSPs decay,
    so relic LOSP decays do not add a symmetric component; HMW Sec. 5.3).
11. psi_X lifetimes (HMW eqs. 4.8, 4.9), both derived: :func:`jaxgen.signatures.psi_x_lifetime_xudd` (eq. 4.8:
    7.1e8 s at its normalisation, printed 1e4 s; bino-dressed X U D S, no alpha_s dependence for degenerate squarks)
    and :func:`jaxgen.signatures.psi_x_lifetime_lhu` (eq. 4.9: 1.64e3 s at its normalisation, printed 10 s).

12. Spectrum mode (``HallSettings(epsilon="spectrum")``; points are :class:`HallSpectrumParams`, HallParams plus
    the PyTree field ``spectrum``, a :class:`jaxgen.cp.GauginoHiggsinoParams`: build them with
    :meth:`HallParams.from_spectrum`; ``HallParams.spectrum`` is None, so every field of HallParams stays a float
    array): everything of items 1-2 comes from the gaugino-higgsino spectrum, inside the traced chain (gradients
    flow to M1, M2, |mu|, tan(beta), the phases and lam). Choices:

    * LOSP = the lightest neutralino chi0_1 (m_LOSP its mass, g_LOSP = 2). The decaying states are the other five,
      in this static order (n_a = 5): chi-_1, chi-_2, chi0_2, chi0_3, chi0_4. A chargino lighter than chi0_1 is
      still a decaying state, with m_a < m_LOSP: the existing diagnostic ``STATUS_SPECTRUM`` flags it (the
      chargino would be the true LOSP). A spectrum with a non-finite or out-of-domain leaf (moduli, tan(beta),
      m_W, m_Z <= 0, sin2_theta_w outside (0, 1)), non-finite derived masses/widths/eps, or a chi0_1 without a
      lambda decay (r_LOSP = 0) is ``STATUS_BAD_INPUT``: evaluated at the benchmark spectrum, outputs 0.
    * Widths: lam is |lambda| of W = lambda L H_u X (sqrt(sum_k |lambda_k|^2) over flavours). Gamma_a is the tree
      width of one particle a into all its lepton-phi_X channels from :func:`jaxgen.cp.cp_asymmetries_from_spectrum`
      (chargino chi-_a -> l- phi_X, |lambda V_a2|^2 m (1 - m_X^2/m^2)^2/(32 pi); neutralino nu phi_X + nubar
      phi_X^*, 2 |lambda N_a4|^2 m (...)^2/(32 pi)), written in the chain's convention of item 1 as
      width_factor r_a = Gamma_a/(lam^2 m_a/(8 pi)). The LOSP's width is computed the same way,
      Gamma_LOSP = r_LOSP lam^2 m_LOSP/(8 pi) (it enters Y_FI, the heating, the decay lengths and T_dec through
      the effective coupling lam sqrt(r_LOSP)); in the eps0 mode r_LOSP = 1 by the convention of item 1. The
      factor: a pure higgsino has r = 1/4 (chargino, and neutralino with both nu phi_X, nubar phi_X^*), so the
      same LOSP width needs lam(eps0 mode) = |lambda|/2 for a higgsino LOSP; psi_X -> L H_u (eq. 4.9) keeps lam.
    * g_a (the count of item 3: Y_A ~ g_A Gamma_A, the production rate of X + Xbar is g_A n_eq,1 Gamma_A with
      Gamma_A the width of ONE particle into X final states, each decay making one phi_X or phi_X^*): a Dirac
      chargino has g = 4 (2 spins of chi-_a and 2 of chi+_a, each decaying with Gamma(chi-_a -> l- phi_X) by CPT
      at this order), a Majorana neutralino g = 2 (2 spins; its Gamma_a includes both conjugate channels).
    * eps_a = the eps_chargino/eps_neutralino of ``cp_asymmetries_from_spectrum`` with m_phi = m_X (net phi_X
      number per decay, the sign convention of item 2); the LOSP has eps = 0 (no open cut, as in item 3).
      HallPrediction.epsilon holds these five eps_a.

    The stored per-state fields (m_a, g_a, width_factor, eps0, phase) and m_losp, g_losp are NOT used in this
    mode (they are recomputed); the eps0 mode (default) ignores ``spectrum`` and is unchanged.

Known limitation (engine, reported): the factorised inverse-decay term of ``solve_freezein`` is exact for T' = T
(it is detailed balance when X is kinetically at the bath temperature); for T' < T it does not include the
Boltzmann suppression of the energetic X needed for an inverse decay, so it overestimates the back-reaction. The
default ``temperature_ratio = 1`` gives the largest physical back-reaction (X produced at energies ~T).

Status and flags (int32 bit fields of the vocabulary :data:`HallStatus`, see ``STATUS_*``): each bit has a
snake_case name (:func:`decode_status`, ``HallPrediction.status_names()``, the style of the Ardu chain) and a
sentence (:func:`status_messages`; :func:`status_names` returns these sentences, as in earlier releases):

* ``HallPrediction.status`` holds only the ERROR bits (``STATUS_ERROR_MASK``). ``status == 0`` (``pred.valid``)
  means the prediction is valid; sweeps (their ``ok`` mask), fits (their penalty) and heat maps use exactly this.
* ``HallPrediction.flags`` holds the PHYSICS DIAGNOSTICS of a valid evaluation (``STATUS_DIAGNOSTIC_MASK``).
  They say what a point means physically, not that it failed.

Where the line is drawn. An ERROR is a point where the chain's own premises fail, so that its numbers are not a
prediction of the model at all (they may be finite, even plausible-looking, but are wrong):

====================================  ======  ==================================================================
error bit                             value   condition
====================================  ======  ==================================================================
``STATUS_BAD_INPUT``                  1       non-finite input, mass/dof/coupling/width/<sigma v>/boost <= 0,
                                              c = 0 or |c| > 1, an invalid spectrum (item 12); outputs 0
                                              (evaluated at a safe dummy point)
``STATUS_FREEZEIN_FAILED``            8       the freeze-in ODE failed (``method="ode"``)
``STATUS_FREEZEOUT_FAILED``           16      the hidden freeze-out ODE failed (``freezeout="ode"``)
``STATUS_NONFINITE``                  256     an output overflowed; replaced by 0
``STATUS_UNPHYSICAL_ASYMMETRY``       512     |eps_a| > 1 (eps is a ratio of rates) or |eta_X| > Y_FI
``STATUS_CLOSED_CHANNEL``             1024    m_X >= m_LOSP or m_X >= m_a: the decay into X is kinematically closed
``STATUS_OVERPRODUCED``               2048    Y_FI >= Y_X^eq (relativistic MB yield of X + Xbar at T = min m_A):
                                              X equilibrates with the bath, freeze-in does not apply (this is what
                                              bounds the outputs at absurd widths, e.g. width_factor = 1e300)
====================================  ======  ==================================================================

A FLAG is a physical statement about a valid prediction, which a user may accept or cut on (HMW's consistency
conditions): ``STATUS_THERMALIZED`` (2, T_X/T >= 1 after freeze-in), ``STATUS_SYMMETRIC_SURVIVES`` (4),
``STATUS_FREEZEOUT_BEFORE_DECAY`` (32), ``STATUS_NO_ASYMMETRY`` (64, eta_X = 0) and ``STATUS_SPECTRUM`` (128, a
decaying state not heavier than the LOSP: the ordering HMW assume for the on-shell cut, but the decay into X is
still open and the yield is computed correctly). Error points other than ``STATUS_BAD_INPUT`` keep their (finite)
computed values for inspection (except that |eps_a| > 1 makes the freeze-in engine return Y_FI = eta_X = 0, its
own bad-input convention); never use them as predictions. Bit values are stable: new bits are only added.
"""

from __future__ import annotations

import math
from typing import Any, cast

import equinox as eqx
import jax
import jax.core  # jax.core.Tracer: pyright does not see the submodule through a plain `import jax`
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int

from jaxgen_kernels import _status

from .. import _constants as c
from .._batching import check_chunk_size, chunked_vmap, per_backend
from .._checks import check_int_setting, check_real_setting
from .._cosmology import TABLES, Cosmology, omega_h2_to_yield, yield_to_omega_h2
from .._cp import GauginoHiggsinoParams, chargino_spectrum, epsilon_eq27, neutralino_spectrum
from .._cp_loops import _cp_asymmetries, _safe_point
from .._edm import _electron_edm
from .._freezein import FreezeInParams, FreezeInSettings, freezein_quadrature, freezein_table, solve_freezein
from .._freezein_tables import is_tabulated
from .._freezeout import (
    FreezeOutParams,
    FreezeOutSettings,
    _ybar_from_x_f,
    freezeout_estimate,
    solve_asymmetric_freezeout,
)
from .._hidden_sector import comoving_hidden_energy, temperature_ratio_from_energy
from .._precision import require_x64
from .._signatures import losp_decay_temperature, losp_width_from_coupling, psi_x_lifetime_lhu, psi_x_lifetime_xudd
from .._sphaleron import sphaleron_timing
from .._units import units_field
from ._base import ScenarioParams, ScenarioPrediction, broadcast_fields, float_converter, sanitize

__all__ = [
    "HallParams",
    "HallSpectrumParams",
    "HallSettings",
    "HallPrediction",
    "asymmetric_freezein",
    "asymmetric_freezein_batch",
    "broadcast_batch",
    "status_names",
    "STATUS_OK",
    "STATUS_BAD_INPUT",
    "STATUS_THERMALIZED",
    "STATUS_SYMMETRIC_SURVIVES",
    "STATUS_FREEZEIN_FAILED",
    "STATUS_FREEZEOUT_FAILED",
    "STATUS_FREEZEOUT_BEFORE_DECAY",
    "STATUS_NO_ASYMMETRY",
    "STATUS_SPECTRUM",
    "STATUS_NONFINITE",
    "STATUS_UNPHYSICAL_ASYMMETRY",
    "STATUS_CLOSED_CHANNEL",
    "STATUS_OVERPRODUCED",
    "STATUS_MESSAGES",
    "STATUS_ERROR_MASK",
    "STATUS_DIAGNOSTIC_MASK",
    "HallStatus",
    "decode_status",
    "status_messages",
]

STATUS_OK = 0
#: non-finite or out-of-domain input (e.g. a mass <= 0, c = 0): outputs are 0, other bits not set.
STATUS_BAD_INPUT = 1
#: thermalization_ratio >= 1: the freeze-in heating alone brings T_X up to T (HMW p. 4).
STATUS_THERMALIZED = 2
#: symmetric_fraction >= HallSettings.symmetric_threshold (0.1, HMW Sec. 4.4): the X relic is not asymmetric.
STATUS_SYMMETRIC_SURVIVES = 4
#: the freeze-in engine reported a failure (ODE method; values then 0-filled by the engine).
STATUS_FREEZEIN_FAILED = 8
#: the hidden freeze-out ODE (freezeout="ode") reported a failure.
STATUS_FREEZEOUT_FAILED = 16
#: hidden_freezeout_running < 1: hidden freeze-out is over when the LOSPs decay (HMW Sec. 5.3: relic LOSP decays
#: would then add a symmetric X component).
STATUS_FREEZEOUT_BEFORE_DECAY = 32
#: eta_X == 0 exactly (all phases or eps0 zero): no asymmetry, decay_length_relic = 0, symmetric_fraction capped.
STATUS_NO_ASYMMETRY = 64
#: spectrum inconsistent with the scenario: m_X >= m_LOSP, or a decaying state not heavier than the LOSP.
STATUS_SPECTRUM = 128
#: an output was not finite (overflow at extreme inputs); it was replaced by 0.
STATUS_NONFINITE = 256
#: a CP asymmetry outside its physical range: |eps_a| > 1 for a decaying state (eps is a ratio of rates,
#: (Gamma - Gamma_bar)/(Gamma + Gamma_bar)), or |eta_X| > Y_FI (more net X than X particles).
STATUS_UNPHYSICAL_ASYMMETRY = 512
#: a decay into the hidden sector that is kinematically closed: m_X >= m_LOSP or m_X >= m_a for a state a (the
#: decays LOSP -> X + SM, a -> X + SM need m_X below the decaying mass; the yield would be 0, not Y_FI).
STATUS_CLOSED_CHANNEL = 1024
#: Y_FI >= Y_X^eq, the relativistic equilibrium yield of X + Xbar (MB, 45 g/(2 pi^4 g_*s) with g = 2 g_dm at
#: T = min m_A): X would reach equilibrium with the bath, so freeze-in (HMW's premise Y_FI << Y_eq) does not apply.
STATUS_OVERPRODUCED = 2048

#: Bits of ``HallPrediction.status`` (errors: the prediction is not valid).
STATUS_ERROR_MASK = (
    STATUS_BAD_INPUT
    | STATUS_FREEZEIN_FAILED
    | STATUS_FREEZEOUT_FAILED
    | STATUS_NONFINITE
    | STATUS_UNPHYSICAL_ASYMMETRY
    | STATUS_CLOSED_CHANNEL
    | STATUS_OVERPRODUCED
)
#: Bits of ``HallPrediction.flags`` (physics diagnostics of a valid prediction).
STATUS_DIAGNOSTIC_MASK = (
    STATUS_THERMALIZED
    | STATUS_SYMMETRIC_SURVIVES
    | STATUS_FREEZEOUT_BEFORE_DECAY
    | STATUS_NO_ASYMMETRY
    | STATUS_SPECTRUM
)

#: The status vocabulary of the chain, declared once (:mod:`jaxgen_kernels._status`): each bit has a snake_case
#: name (``HallStatus.BAD_INPUT`` -> "bad_input") and a sentence message. ``HallStatus.decode(code)`` gives the
#: names, ``HallStatus.messages(code)`` the sentences; the STATUS_* ints above are its member values.
HallStatus = _status.flag_vocabulary(
    "HallStatus",
    {
        "BAD_INPUT": (STATUS_BAD_INPUT, "bad input (non-finite, mass/dof/coupling <= 0, or c = 0 or |c| > 1)"),
        "THERMALIZED": (STATUS_THERMALIZED, "sectors thermalise (thermalization_ratio >= 1)"),
        "SYMMETRIC_SURVIVES": (STATUS_SYMMETRIC_SURVIVES, "symmetric X part not annihilated below the threshold"),
        "FREEZEIN_FAILED": (STATUS_FREEZEIN_FAILED, "freeze-in ODE failed"),
        "FREEZEOUT_FAILED": (STATUS_FREEZEOUT_FAILED, "hidden freeze-out ODE failed"),
        "FREEZEOUT_BEFORE_DECAY": (STATUS_FREEZEOUT_BEFORE_DECAY, "hidden freeze-out finished before LOSP decay"),
        "NO_ASYMMETRY": (STATUS_NO_ASYMMETRY, "no CP asymmetry (eta_X = 0)"),
        "SPECTRUM": (
            STATUS_SPECTRUM,
            "inconsistent spectrum ordering (a decaying state not heavier than the LOSP, m_a <= m_LOSP)",
        ),
        "NONFINITE_OUTPUT": (STATUS_NONFINITE, "non-finite output replaced by 0"),
        "UNPHYSICAL_ASYMMETRY": (
            STATUS_UNPHYSICAL_ASYMMETRY,
            "unphysical CP asymmetry (|eps_a| > 1 or |eta_X| > Y_FI)",
        ),
        "CLOSED_CHANNEL": (STATUS_CLOSED_CHANNEL, "decay into X kinematically closed (m_X >= m_LOSP or m_X >= m_a)"),
        "OVERPRODUCED": (
            STATUS_OVERPRODUCED,
            "freeze-in overproduction (Y_FI >= Y_X^eq: X thermalises, freeze-in does not apply)",
        ),
    },
    module=__name__,
)

#: {bit: sentence} of every bit (the messages of :data:`HallStatus`).
STATUS_MESSAGES = {int(m): HallStatus.message_of(m) for m in HallStatus._ordered_}


def status_names(code: int) -> list[str]:
    """The MESSAGES (sentences) of the bits set in one status code (``[]`` for STATUS_OK), as in earlier releases.
    The snake_case names: :func:`decode_status` (the style of ``ArduPrediction``/``HallPrediction.status_names()``)."""
    return _status.messages(HallStatus, code)


def decode_status(code: int) -> list[str]:
    """snake_case names of the bits set in one status (or flags) code, e.g. ``["bad_input"]`` (``[]`` for 0)."""
    return _status.decode(HallStatus, code)


def status_messages(code: int) -> list[str]:
    """One sentence per bit set in one status (or flags) code (same order as :func:`decode_status`)."""
    return _status.messages(HallStatus, code)


_H_COEF = math.sqrt(4.0 * math.pi**3 / 45.0)
_SM_C = 28.0 / 79.0
#: m_X that gives Planck 2018's Omega_DM/Omega_b for the SM c = 28/79 (HMW eq. 3.2 with Planck 2018): 1.7839 GeV.
_M_X_DEFAULT = _SM_C * c.M_PROTON * c.PLANCK_2018.dm_to_baryon

# ---------------------------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------------------------
_SPECIES_FIELDS = ("m_a", "g_a", "width_factor", "eps0", "phase")
_SCALAR_FIELDS = (
    "lam",
    "m_losp",
    "m_x",
    "g_x",
    "g_losp",
    "g_dm",
    "temperature_ratio",
    "b_over_bml",
    "sigma_v_x",
    "beta_gamma",
    "m_psi",
    "alpha_s",
    "m_star",
    "m_susy",
    "c_had",
)
_POSITIVE = (
    "m_a",
    "g_a",
    "width_factor",
    "lam",
    "m_losp",
    "m_x",
    "g_x",
    "g_losp",
    "g_dm",
    "temperature_ratio",
    "sigma_v_x",
    "beta_gamma",
    "m_psi",
    "alpha_s",
    "m_star",
    "m_susy",
    "c_had",
)
_NONZERO = ("b_over_bml",)
_FINITE_ONLY = ("eps0", "phase")


_HINT = " (see the HallParams docstring for units)"


def _conv(kind, name):
    """Converter of one field (names the field in its TypeError): a float array; a scalar per-state value becomes
    (1,) (broadcast to the n_a states)."""
    return float_converter("HallParams", name, 1 if kind == "species" else 0, _HINT)


#: per-point axes of each field (per-state fields: the state axis n_a), for broadcast/batch.
_EVENT = dict({k: 0 for k in _SCALAR_FIELDS}, **{k: 1 for k in _SPECIES_FIELDS})


#: The canonical thermal cross-section 2.2e-26 cm^3/s in GeV^-2 (= 1.885e-9; 1 GeV^-2 = 1.1674e-17 cm^3/s).
_SIGMA_V_THERMAL = 2.2e-26 / (c.HBARC_GEV_CM**2 * c.C_CM_S)
# Benchmark point (HallParams.benchmark): documented there. lam tuned so that eta_B = Y_B(Planck 2018) to 1e-4
# with the paper's instantaneous sphalerons (HMW eqs. 1.3, 3.1).
_BENCH = dict(
    m_a=300.0,
    g_a=2.0,
    width_factor=1.0,
    eps0=0.01,
    phase=-math.pi / 30.0,
    lam=2.489e-9,
    m_losp=100.0,
    m_x=_M_X_DEFAULT,
    g_x=10.0,
    g_losp=2.0,
    g_dm=1.0,
    temperature_ratio=1.0,
    b_over_bml=_SM_C,
    sigma_v_x=_SIGMA_V_THERMAL,
    beta_gamma=1.0,
    m_psi=2.0,
    alpha_s=0.2,
    m_star=1e9,
    m_susy=500.0,
    c_had=0.1,
)


class HallParams(ScenarioParams):
    """Inputs of the asymmetric freeze-in chain (a PyTree of float arrays; vmap over a leading batch axis).

    Per-state fields (last axis = the n_a decaying states a, e.g. heavier charginos/neutralinos; a scalar is
    broadcast to all states):
        m_a: masses of the decaying states [GeV] (required), shape (n_a,).
        g_a: spin states of each a (HMW eq. 4.1); default 2.
        width_factor: r_a, Gamma_a = r_a lam^2 m_a/(8 pi) (HMW eq. 4.1: Gamma_a/Gamma_LOSP = r m_a/m_LOSP); default 1.
        eps0: eps0_a of HMW eq. (2.7) (dimensionless, |eps0| <~ 0.1, the paper's maximal value); default 0.01.
        phase: phi_a [rad], eps_a = eps0_a alpha_w sin(phi_a) (eq. 2.7); default -pi/30 (the largest EDM-allowed
            |phase|, HMW Sec. 2.1; the sign is chosen so that eta_B > 0 for eps0 > 0 and c > 0).
    Scalar fields:
        lam: inter-sector coupling lambda (dimensionless; Gamma_LOSP = lam^2 m_LOSP/(8 pi)) (required).
        m_losp: LOSP mass [GeV]; default 100.
        m_x: DM (phi_X) mass [GeV]; default 1.7839 = (28/79) m_p Omega_DM/Omega_b (Planck 2018).
        g_x: relativistic dof of the hidden sector (HMW eq. 5.2); default 10.
        g_losp: spin states of the LOSP (its freeze-in contribution); default 2.
        g_dm: internal dof of one X particle (antiparticle not counted; 1 for the scalar phi_X); default 1.
        temperature_ratio: T'/T of the X population for the inverse decays of ``method="ode"`` (> 0); default 1
            (exact detailed balance; see the module docstring). Unused by the quadrature method.
        b_over_bml: c in B = c (B - L) (HMW eq. 3.1), 0 < |c| <= 1 (B and L have opposite signs in sphaleron
            equilibrium, so |B| <= |B - L|; sphalerons off: |B/X| = 1); default 28/79 (SM). See the module
            docstring for c from ``jaxgen.equilibrium``.
        sigma_v_x: s-wave hidden-sector annihilation <sigma v> of X Xbar [GeV^-2]; default 1.885e-9 (the canonical
            2.2e-26 cm^3/s).
        beta_gamma: LOSP boost at the LHC (lab decay length = beta_gamma c tau); default 1 (proper length c tau).
        m_psi: psi_X mass [GeV] (eqs. 4.8, 4.9); default 2.
        alpha_s, m_star [GeV], m_susy [GeV], c_had: eq. (4.8) inputs; defaults 0.2, 1e9, 500, 0.1 (its normalisation).
    ``spectrum`` is None here (the eps0 mode); the points of ``HallSettings(epsilon="spectrum")`` are
    :class:`HallSpectrumParams` (this class plus the PyTree field ``spectrum``), built by :meth:`from_spectrum`,
    :meth:`benchmark_spectrum` or :meth:`batch` with ``spectrum=``.

    Batches: scalar fields of shape (N,), per-state fields of shape (N, n_a) (or (n_a,)/scalars, shared by all
    points; :func:`broadcast_batch`). A single point with concrete invalid values raises ValueError here; batched
    points are never checked here (the chain flags them with ``STATUS_BAD_INPUT``).
    """

    _event_ndim_ = _EVENT
    _batch_required_ = ("m_a", "lam")

    m_a: Float[ArrayLike, "*batch n_a"] = units_field("GeV", converter=_conv("species", "m_a"))
    lam: Float[ArrayLike, "*batch"] = units_field("1", converter=_conv("scalar", "lam"))
    g_a: Float[ArrayLike, "*batch n_a"] = units_field("1", converter=_conv("species", "g_a"), default=2.0)
    width_factor: Float[ArrayLike, "*batch n_a"] = units_field(
        "1", converter=_conv("species", "width_factor"), default=1.0
    )
    eps0: Float[ArrayLike, "*batch n_a"] = units_field("1", converter=_conv("species", "eps0"), default=0.01)
    phase: Float[ArrayLike, "*batch n_a"] = units_field(
        "rad", converter=_conv("species", "phase"), default=-math.pi / 30.0
    )
    m_losp: Float[ArrayLike, "*batch"] = units_field("GeV", converter=_conv("scalar", "m_losp"), default=100.0)
    m_x: Float[ArrayLike, "*batch"] = units_field("GeV", converter=_conv("scalar", "m_x"), default=_M_X_DEFAULT)
    g_x: Float[ArrayLike, "*batch"] = units_field("1", converter=_conv("scalar", "g_x"), default=10.0)
    g_losp: Float[ArrayLike, "*batch"] = units_field("1", converter=_conv("scalar", "g_losp"), default=2.0)
    g_dm: Float[ArrayLike, "*batch"] = units_field("1", converter=_conv("scalar", "g_dm"), default=1.0)
    temperature_ratio: Float[ArrayLike, "*batch"] = units_field(
        "1", converter=_conv("scalar", "temperature_ratio"), default=1.0
    )
    b_over_bml: Float[ArrayLike, "*batch"] = units_field("1", converter=_conv("scalar", "b_over_bml"), default=_SM_C)
    sigma_v_x: Float[ArrayLike, "*batch"] = units_field(
        "GeV^-2", converter=_conv("scalar", "sigma_v_x"), default=_SIGMA_V_THERMAL
    )
    beta_gamma: Float[ArrayLike, "*batch"] = units_field("1", converter=_conv("scalar", "beta_gamma"), default=1.0)
    m_psi: Float[ArrayLike, "*batch"] = units_field("GeV", converter=_conv("scalar", "m_psi"), default=2.0)
    alpha_s: Float[ArrayLike, "*batch"] = units_field("1", converter=_conv("scalar", "alpha_s"), default=0.2)
    m_star: Float[ArrayLike, "*batch"] = units_field("GeV", converter=_conv("scalar", "m_star"), default=1e9)
    m_susy: Float[ArrayLike, "*batch"] = units_field("GeV", converter=_conv("scalar", "m_susy"), default=500.0)
    c_had: Float[ArrayLike, "*batch"] = units_field("1", converter=_conv("scalar", "c_had"), default=0.1)
    #: no spectrum (the eps0 mode); :class:`HallSpectrumParams` (from :meth:`from_spectrum`) has it as a field
    spectrum = None

    def __check_init__(self):
        n = {k: jnp.shape(getattr(self, k))[-1] for k in _SPECIES_FIELDS}
        n_a = n["m_a"]
        bad = {k: v for k, v in n.items() if v not in (n_a, 1)}
        if bad:
            raise ValueError(
                f"HallParams: per-state fields need the last axis n_a = {n_a} (m_a) or 1; got {bad}. "
                "Give one value per decaying state (or a scalar for all)."
            )
        leaves = [getattr(self, k) for k in (*_SPECIES_FIELDS, *_SCALAR_FIELDS)]
        if any(isinstance(v, jax.core.Tracer) for v in leaves):
            return
        if jnp.ndim(self.lam) != 0 or any(jnp.ndim(getattr(self, k)) > 1 for k in _SPECIES_FIELDS):
            return  # a batch: invalid points are flagged by the chain, not raised
        problems = _problems_concrete(self)
        if problems:
            raise ValueError(
                "HallParams: " + "; ".join(problems) + ". Fix these inputs (masses, dof, couplings, "
                "widths, <sigma v>, boosts > 0 and finite; 0 < |b_over_bml| <= 1; eps0, phase finite). "
                "In a batch such points are flagged with STATUS_BAD_INPUT instead."
            )

    def broadcast(self) -> HallParams:
        """This batch with every field given the batch axis (:func:`broadcast_batch`): scalar fields (N,),
        per-state fields (N, n_a); then ``jax.vmap(asymmetric_freezein)(p.broadcast())`` works."""
        return broadcast_batch(self)

    @classmethod
    def benchmark(cls, **overrides) -> HallParams:
        """The benchmark point of the report (HMW normalisations; any field can be overridden).

        A heavier chargino/neutralino a (m_a = 300 GeV, g_a = 2, r = 1) decaying to l phi_X with eps0 = 0.01 and
        the largest EDM-allowed |phase| pi/30 of HMW Sec. 2.1, phi = -pi/30 (eps_a = -3.5e-5, eq. 2.7, near the
        eq. 4.2 normalisation 1e-5); LOSP at 100 GeV (eq. 4.2 normalisation); SM sphaleron factor c = 28/79
        (eq. 3.2); m_X = 1.784 GeV (the value that gives Planck 2018's Omega_DM/Omega_b for that c); g_X = 10
        (eq. 5.2); sigma_v_x = 2.2e-26 cm^3/s; m_psi = 2 GeV and the eq. (4.8) normalisation. lam = 2.489e-9 gives
        eta_B = +8.627e-11 = Y_B(Planck 2018) (to 1e-4) with the Saikawa-Shirai g_*(T) and the paper's
        instantaneous sphalerons (``HallSettings(sphalerons="instantaneous")``, eqs. 1.3, 3.1), hence
        Omega_X h^2 = 0.120 and decay_length_relic = decay_length = 8.0 m (c tau). With the default
        sphaleron-timed eta_B (module doc item 4b) only 28% of eta_X is made above T* and eta_B is 0.26 Y_B; the
        timed re-fit (lam = 4.886e-9, m_X = 0.463 GeV) is experiments/results/hall_sphaleron_fit.md. The hidden freeze-out is still
        running at LOSP decay (ratio 6.1), the symmetric part is annihilated (fraction 1.8e-4) and the sectors stay
        far from thermalising (ratio 0.03).
        """
        vals = dict(_BENCH)
        vals.update(overrides)
        return cls(**vals)

    @classmethod
    def batch(cls, base: HallParams | None = None, **fields) -> HallParams:
        """A batch from scalars, lists or arrays: ``HallParams.batch(m_a=300.0, lam=[1e-9, 2e-9, 3e-9])`` (three
        points). Scalar fields are scalars or (N,); per-state fields scalars, (n_a,) (shared by all points: a 1-D
        per-state field is the state axis) or (N, n_a); the leaves of ``spectrum`` scalars or (N,). Fields not
        given take ``base``'s values (``spectrum`` included; default: the class defaults; ``m_a`` and ``lam`` are
        then required). Everything is broadcast (:func:`broadcast_batch`; ValueError naming the fields whose batch
        sizes disagree)."""
        if base is not None and not isinstance(base, cls):
            raise TypeError(f"{cls.__name__}.batch: base must be a {cls.__name__}, got {type(base).__name__}")
        vals = {} if base is None else {k: getattr(base, k) for k in cls._event_ndim_}
        vals.update(fields)
        missing = [k for k in cls._batch_required_ if k not in vals]
        if missing:
            raise ValueError(
                f"{cls.__name__}.batch needs {missing} (or a base point, e.g. base={cls.__name__}.benchmark())"
            )
        spectrum = vals.pop("spectrum", None if base is None else base.spectrum)
        if spectrum is None:
            return cls(**vals).broadcast()
        return HallSpectrumParams(**vals, spectrum=_float_spectrum(spectrum)).broadcast()

    @classmethod
    def from_spectrum(cls, spectrum: GauginoHiggsinoParams, lam, **overrides) -> HallParams:
        """A point of ``HallSettings(epsilon="spectrum")`` from a gaugino-higgsino spectrum (module doc item 12):
        a :class:`HallSpectrumParams` (a HallParams with the field ``spectrum``).

        Args:
            spectrum: :class:`jaxgen.cp.GauginoHiggsinoParams` of ONE point (its leaves become float64 arrays, so
                that ``"spectrum.M1"`` etc. are fit/sensitivity paths).
            lam: |lambda| of W = lambda L H_u X (sqrt(sum_k |lambda_k|^2) over lepton flavours).
            overrides: any other field (e.g. ``m_x``, which is also the phi_X mass of the widths and eps).
        The per-state fields are filled from the spectrum (n_a = 5 states: chi-_1, chi-_2, chi0_2, chi0_3,
        chi0_4): m_a, g_a = (4, 4, 2, 2, 2), width_factor r_a, and eps0_a, phase_a = eps_a/(alpha_w sin phi_2),
        phi_2 (so that the eps0 mode of the same point has the same eps_a); m_losp = m(chi0_1), g_losp = 2. A
        closed lambda channel (r_a = 0) is stored as r_a = 1e-300 (the field must be > 0); the spectrum mode
        recomputes all of them inside the chain, so they never enter its numbers there.
        """
        if not isinstance(spectrum, GauginoHiggsinoParams):
            raise TypeError(
                f"HallParams.from_spectrum: spectrum must be a jaxgen.cp.GauginoHiggsinoParams, got "
                f"{type(spectrum).__name__}"
            )
        spec = _float_spectrum(spectrum)
        if any(jnp.ndim(v) != 0 for v in jax.tree.leaves(spec)):
            raise ValueError(
                "HallParams.from_spectrum takes ONE spectrum point (scalar leaves); build a batch with "
                "HallParams.batch(base=HallParams.from_spectrum(...), spectrum=<batched spectrum>)"
            )
        m_x = overrides.get("m_x", _M_X_DEFAULT)
        d, good = _spectrum_states_jit(spec, jnp.asarray(lam, float), jnp.asarray(m_x, float), jnp.asarray(True))
        if not bool(good):
            raise ValueError(
                "HallParams.from_spectrum: the spectrum gives no valid decaying states (non-finite or "
                "non-positive moduli, tan(beta), m_W, m_Z, sin2_theta_w outside (0, 1), or a LOSP chi0_1 without "
                "a lambda decay); fix the GauginoHiggsinoParams fields"
            )
        s2 = float(jnp.sin(d["phi_2"]))
        eps = np.asarray(d["eps"])
        eps0 = eps / (c.ALPHA_W * s2) if s2 != 0.0 else np.zeros_like(eps)
        vals: dict[str, Any] = dict(
            m_a=np.asarray(d["m_a"]),
            g_a=np.asarray(d["g_a"]),
            width_factor=np.maximum(np.asarray(d["width_factor"]), 1e-300),
            eps0=eps0,
            phase=np.full(eps.shape, float(d["phi_2"])),
            m_losp=float(d["m_losp"]),
            g_losp=float(d["g_losp"]),
            lam=lam,
            spectrum=spec,
        )
        vals.update(overrides)
        return HallSpectrumParams(**vals)

    @classmethod
    def benchmark_spectrum(cls, **overrides) -> HallParams:
        """The benchmark point of the spectrum mode (``HallSettings(epsilon="spectrum")``; module doc item 12).

        M1 = 250, M2 = 600, |mu| = 400 GeV, tan(beta) = 10, phi_mu = -pi/30 (phi_1 = phi_2 = 0), i.e. the
        rephasing invariant phi_2 = arg(mu M2 b^*) = -pi/30 of HMW Sec. 2.1 (|phi_2| = pi/30 the largest
        EDM-allowed value, the phase of :meth:`benchmark`). Sign: with phi_2 = -pi/30 the loops give
        eps(chi-_1) = +2.7e-6 and eps = -1.5e-5, -2.2e-5, -1.9e-5, -1.7e-5 for chi-_2, chi0_2, chi0_3, chi0_4, so
        eta_X < 0 and eta_B = -c eta_X > 0 (phi_2 = +pi/30 flips every eps and gives eta_B < 0).
        Spectrum: chi0 = 243.5, 390.1, 403.8, 620.2 GeV (LOSP: the bino-like chi0_1), chi- = 384.8, 620.3 GeV;
        width factors r_a = 0.224, 0.026, 0.214, 0.252, 0.026 and r_LOSP = 0.008 (the bino has a small higgsino
        component N_14). Everything else as :meth:`benchmark` (m_X = 1.784 GeV, c = 28/79, ...). lam = |lambda|
        = 5.7984e-9 gives eta_B = +8.63e-11 = Y_B(Planck 2018) (to 1e-4) with the Saikawa-Shirai g_*(T) and
        the paper's instantaneous sphalerons (``sphalerons="instantaneous"``, eqs. 1.3, 3.1), hence Omega_X h^2 = 0.120; LOSP c tau = 75 m. ``overrides``: any field of
        :meth:`from_spectrum` (``spectrum=`` replaces the spectrum, ``lam=`` the coupling).
        """
        spectrum = overrides.pop("spectrum", None)
        if spectrum is None:
            spectrum = GauginoHiggsinoParams(**_BENCH_SPECTRUM)
        lam = overrides.pop("lam", _BENCH_SPECTRUM_LAM)
        return cls.from_spectrum(spectrum, lam, **overrides)


class HallSpectrumParams(HallParams):
    """A :class:`HallParams` point of the spectrum mode (``HallSettings(epsilon="spectrum")``, module docstring
    item 12): every field of HallParams plus

        spectrum: :class:`jaxgen.cp.GauginoHiggsinoParams`, a sub-PyTree (units ``"various"``: those of its fields,
            moduli M1, M2, |mu| and m_W, m_Z in GeV, phases phi_1, phi_2, phi_mu in rad, tan_beta and
            sin2_theta_w dimensionless). Fit/sensitivity paths ``"spectrum.M1"``, ``"spectrum.phi_mu"``, ...

    In the spectrum mode m_a, g_a, width_factor, eps0, phase, m_losp and g_losp are recomputed from ``spectrum``
    inside the chain (the stored values, filled by :meth:`HallParams.from_spectrum`, are for inspection and for the
    eps0 mode, which ignores ``spectrum``). In a batch the spectrum's leaves are scalars (shared) or (N,). Build
    with :meth:`HallParams.from_spectrum`, :meth:`HallParams.benchmark_spectrum` or :meth:`HallParams.batch`.
    """

    spectrum: GauginoHiggsinoParams | None = units_field("various", default=None)

    def __check_init__(self):
        if not isinstance(self.spectrum, GauginoHiggsinoParams):
            raise TypeError(
                "HallSpectrumParams.spectrum must be a jaxgen.cp.GauginoHiggsinoParams (build the point with "
                f"HallParams.from_spectrum(spectrum, lam)), got {type(self.spectrum).__name__}"
            )


#: Benchmark spectrum of HallParams.benchmark_spectrum (GeV, rad); phi_2 = arg(mu M2 b^*) = -pi/30.
_BENCH_SPECTRUM = dict(
    M1=250.0,
    M2=600.0,
    mu=400.0,
    tan_beta=10.0,
    phi_1=0.0,
    phi_2=0.0,
    phi_mu=-math.pi / 30.0,
    m_W=c.M_W,
    m_Z=c.M_Z,
    sin2_theta_w=c.SIN2_THETA_W,
)
_BENCH_SPECTRUM_LAM = 5.7984e-9  # eta_B = Y_B(Planck 2018) to 1e-4 (benchmark_spectrum docstring)
_SPECTRUM_FIELDS = tuple(_BENCH_SPECTRUM)
#: dof of the decaying states of the spectrum mode (chi-_1, chi-_2: Dirac, 2 spins x (chi-, chi+); chi0_2..4:
#: Majorana, 2 spins) and of the LOSP chi0_1 (Majorana).
_SPECTRUM_G_A = (4.0, 4.0, 2.0, 2.0, 2.0)
_SPECTRUM_G_LOSP = 2.0


def _float_spectrum(spec: GauginoHiggsinoParams) -> GauginoHiggsinoParams:
    """The spectrum with every leaf a float array (traced leaves are kept)."""
    return jax.tree.map(
        lambda v: v if isinstance(v, jax.core.Tracer) else jnp.asarray(np.asarray(v, dtype=float)), spec
    )


def _spectrum_states(spec: GauginoHiggsinoParams, lam, m_x, ok):
    """(derived, good): the decaying states and the LOSP of the spectrum mode (module doc item 12), traced.

    ``derived``: m_a (5,), g_a (5,), width_factor (5,), eps (5,), m_losp, g_losp, r_losp (the LOSP's own width
    factor, Gamma_LOSP = r_losp lam^2 m_LOSP/(8 pi)) and phi_2. A spectrum with a non-finite or out-of-domain
    leaf (or ``ok`` False) is evaluated at the benchmark spectrum, and derived values that are not finite (or
    r_losp <= 0) are replaced by the benchmark numbers of :data:`_BENCH`; ``good`` is False for both.
    """
    safe, _, good = _safe_point(spec, 0.0, _BENCH_SPECTRUM, ok)  # the domain check of cp_asymmetries_from_spectrum
    # each decomposition once (XLA does not merge repeated ones; the neutralino Takagi costs ~6 us per point on the
    # CPU): shared by the CP asymmetries, the masses and the EDM
    spectra = (chargino_spectrum(safe), neutralino_spectrum(safe))
    r = _cp_asymmetries(safe, lam, m_x, spectra=spectra)
    mc, mn = spectra[0].masses, spectra[1].masses
    gam_n = jnp.sum(r.gamma_lambda_neutralino, axis=-1)  # Gamma(chi0_a -> nu phi_X) + Gamma(chi0_a -> nubar phi_X^*)
    norm = lam**2 / (8.0 * math.pi)  # Gamma = r lam^2 m/(8 pi), the chain's width convention (item 1)
    m_a = jnp.concatenate([mc, mn[1:]])
    width_factor = jnp.concatenate([r.gamma_lambda_chargino, gam_n[1:]]) / (norm * m_a)
    eps = jnp.concatenate([r.eps_chargino, r.eps_neutralino[1:]])
    m_losp = mn[0]
    r_losp = gam_n[0] / (norm * m_losp)
    fin = (
        jnp.all(jnp.isfinite(m_a) & (m_a > 0))
        & jnp.all(jnp.isfinite(width_factor))
        & jnp.all(jnp.isfinite(eps))
        & jnp.isfinite(m_losp)
        & (m_losp > 0)
        & jnp.isfinite(r_losp)
        & (r_losp > 0)
    )
    good = good & fin
    n_a = len(_SPECTRUM_G_A)
    derived = dict(
        m_a=jnp.where(good, m_a, _BENCH["m_a"]),
        g_a=jnp.asarray(_SPECTRUM_G_A, m_a.dtype),
        width_factor=jnp.where(good, width_factor, 1.0),
        eps=jnp.where(good, eps, jnp.zeros((n_a,), eps.dtype)),
        m_losp=jnp.where(good, m_losp, _BENCH["m_losp"]),
        g_losp=jnp.asarray(_SPECTRUM_G_LOSP, m_a.dtype),
        r_losp=jnp.where(good, r_losp, 1.0),
        phi_2=r.phi_2,
        d_e=jnp.where(good, _electron_edm(safe, None, c.M_HIGGS, spectra).d_e, 0.0),
    )
    return derived, good


#: one compiled evaluation for the eager HallParams.from_spectrum (op-by-op it took ~25 s)
_spectrum_states_jit = jax.jit(_spectrum_states)


def _problems_concrete(p: HallParams) -> list[str]:
    out = []
    for k in (*_SPECIES_FIELDS, *_SCALAR_FIELDS):
        a = np.asarray(getattr(p, k), dtype=float)
        if not np.all(np.isfinite(a)):
            out.append(f"{k} must be finite, got {a}")
        elif k in _POSITIVE and np.any(a <= 0):
            out.append(f"{k} must be > 0, got {a}")
        elif k in _NONZERO and np.any((a == 0) | (np.abs(a) > 1)):
            out.append(f"{k} (c in B = c(B-L)) must satisfy 0 < |c| <= 1, got {a}")
    return out


def _field_or_leaf(params: HallParams, name: str):
    """A field, or a leaf of the spectrum for a name "spectrum.<field>"."""
    if name.startswith("spectrum."):
        return getattr(params.spectrum, name.split(".", 1)[1])
    return getattr(params, name)


def broadcast_batch(params: HallParams) -> HallParams:
    """Give every field of a batched :class:`HallParams` the batch axis: scalar fields (N,), per-state (N, n_a).

    N is the leading axis of any scalar field with ndim 1 or per-state field with ndim 2 (they must agree);
    per-state fields of shape (n_a,) and scalars are shared by all points. Raises ValueError for an unbatched
    input or inconsistent batch sizes.
    """
    sizes = {k: jnp.shape(getattr(params, k))[0] for k in _SCALAR_FIELDS if jnp.ndim(getattr(params, k)) == 1}
    sizes.update({k: jnp.shape(getattr(params, k))[0] for k in _SPECIES_FIELDS if jnp.ndim(getattr(params, k)) == 2})
    spec = {} if params.spectrum is None else {k: getattr(params.spectrum, k) for k in _SPECTRUM_FIELDS}
    sizes.update({f"spectrum.{k}": jnp.shape(v)[0] for k, v in spec.items() if jnp.ndim(v) == 1})
    bad = [k for k in _SCALAR_FIELDS if jnp.ndim(getattr(params, k)) > 1]
    bad += [k for k in _SPECIES_FIELDS if jnp.ndim(getattr(params, k)) > 2]
    bad += [f"spectrum.{k}" for k, v in spec.items() if jnp.ndim(v) > 1]
    if bad:
        raise ValueError(
            f"broadcast_batch: too many axes in {bad}: scalar fields are (N,), per-state fields "
            "(N, n_a); flatten extra batch axes first"
        )
    if not sizes:
        raise ValueError(
            "broadcast_batch: no batch axis found (scalar fields (N,) or per-state fields (N, n_a)); "
            "call asymmetric_freezein for a single point"
        )
    if len(set(sizes.values())) != 1:
        raise ValueError(
            "broadcast_batch: the batch sizes of the fields disagree: "
            + ", ".join(f"{k} {jnp.shape(_field_or_leaf(params, k))}" for k in sizes)
            + ". Give every batched field the same leading size N (scalar fields (N,), per-state "
            "fields (N, n_a)); scalars and (n_a,) per-state fields are shared by all points"
        )
    n = next(iter(sizes.values()))
    n_a = jnp.shape(params.m_a)[-1]
    bad = {
        k: jnp.shape(getattr(params, k))
        for k in _SPECIES_FIELDS
        if jnp.ndim(getattr(params, k)) >= 1 and jnp.shape(getattr(params, k))[-1] not in (n_a, 1)
    }
    if bad:
        raise ValueError(
            f"broadcast_batch: per-state fields need the last axis n_a = {n_a} (m_a) or 1; got "
            + ", ".join(f"{k} {v}" for k, v in bad.items())
            + f" (batch size N = {n}). Per-state fields are (N, n_a), (n_a,) or scalars"
        )
    out, shape = broadcast_fields(params, "HallParams", _EVENT)
    if shape != (n,):  # the batch axis is only in the spectrum: give the other fields the batch axis too
        fields = tuple(_EVENT)
        vals = tuple(
            jnp.broadcast_to(
                getattr(out, k), (n,) + jnp.shape(getattr(out, k))[jnp.ndim(getattr(out, k)) - _EVENT[k] :]
            )
            for k in fields
        )
        out = eqx.tree_at(lambda q: tuple(getattr(q, k) for k in fields), out, vals)
    if params.spectrum is not None:
        new = _float_spectrum(params.spectrum)
        new = jax.tree.map(lambda v: jnp.broadcast_to(v, (n,)), new)
        out = eqx.tree_at(lambda q: q.spectrum, out, new)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Settings and prediction
# ---------------------------------------------------------------------------------------------------------------
class HallSettings(eqx.Module):
    """Static switches of the chain (hashable; changing one recompiles).

    Attributes:
        method: ``"quadrature"`` (default; exact freeze-in without inverse decays, fast) or ``"ode"``
            (:func:`jaxgen.freezein.solve_freezein`, with the inverse decays if ``inverse_decays``).
        table: g_*(T) table of :class:`jaxgen.cosmology.Cosmology` (default ``"saikawa_shirai"``) or ``"constant"``.
        g_star: g_* of ``table="constant"`` (default 106.75). Ignored when a ``cosmology`` object is passed.
        statistics: of the decaying states, ``"mb"`` (default, as HMW), ``"fermion"`` or ``"boson"``.
        include_losp: the LOSP's own freeze-in (eps = 0) adds to Y_FI and to the heating (default True; then do
            not list the LOSP among ``m_a`` as well).
        observed: observed-density preset of ``jaxgen.constants.observed`` for Omega_DM/Omega_b (m_x_required) and
            Omega_DM h^2 (decay_length_relic): ``"planck2018"`` (default), ``"hall2010"`` (4.86), ``"ardu2025"``.
        freezeout: hidden-sector annihilation by ``"estimate"`` (default, closed forms) or ``"ode"`` (diffrax).
        energy_fraction: f, the fraction of m_A given to the hidden sector per decay (default 1/2).
        symmetric_threshold: STATUS_SYMMETRIC_SURVIVES above this symmetric_fraction (default 0.1, HMW Sec. 4.4).
        x_fi: T_fi = min m_A/x_fi is "just after freeze-in" for t_ratio_fi (default 20).
        n_nodes: None (default): the freeze-in yields and the heating integral of ``method="quadrature"`` are read
            from convolution tables precomputed once per g_* table and statistics (``jaxgen.freezein.
            freezein_table``; < 1e-7 from the converged integral, one spline lookup per state); an int: Gauss-Legendre
            quadrature with that many nodes, g_*(T) evaluated at every node (384 nodes: ~3e-6 relative; the
            reference path). Cosmologies the tables do not cover (extra species) use 384 nodes.
        inverse_decays, ode_solver, ode_rtol, ode_atol_rel, ode_max_steps, ode_adjoint: of ``method="ode"``
            (passed to FreezeInSettings as inverse_decays, solver, rtol, atol_rel, max_steps, adjoint;
            ``ode_solver="auto"``: with inverse decays, the fixed-grid Radau IIA collocation of the linear equations
            (``FreezeInSettings(solver="collocation")``, 320 nodes, no adaptive loop) with a constant g_* (``table=
            "constant"``, or a passed cosmology with ``table="constant"``),
            where it is within 6e-10 (Y) and 8e-8 (eta) of Kvaerno5 at rtol 1e-11 (the adaptive Kvaerno5 at the
            default rtol 1e-8 is 5e-8 off; the chain is 2.9x faster, compiles 2.5x faster forward and 2.2x for the
            gradient; where the asymmetry is washed out by e^-Lambda with Lambda >~ 20 its exponent is right to
            ~1e-4 relative, tests/jaxgen/test_scenario_hall.py), and Kvaerno5 with a g_*(T) table, whose spline
            features the uniform grid does not resolve (collocation 1.2e-4 against Kvaerno5's 9e-6; measured on
            bench_chains.hall_params, 2026-12-03). The choice is made here and not in FreezeInSettings(solver="auto")
            so that solve_freezein's own default, and the tests that hold it to diffrax, are unchanged; Tsit5
            without inverse decays. An explicit "tsit5" is much cheaper to compile and is enough in the
            non-thermal regime, where the back-reaction is not stiff).
        epsilon: ``"eps0"`` (default: eps_a = eps0_a alpha_w sin(phase_a), eq. 2.7, with the per-state fields as
            given) or ``"spectrum"`` (module docstring item 12: the decaying states, their masses, widths, dof and
            eps_a, and the LOSP mass and width, computed inside the chain from ``HallSpectrumParams.spectrum``).
            Fixed defect (found 2026-12-04, jaxlib 0.10.2): one jitted call of this mode over >= 1024 points on
            2 CPU cores sometimes never returned: the batched LAPACK kernels of the mass-matrix decompositions
            (three independent eigh on (N, 8, 8), three svd on (N, 2, 2)) block XLA:CPU's pool threads while they
            wait for their own sub-tasks. The decompositions now run one matrix per LAPACK call on the CPU
            (``jaxgen_kernels._lapack``); batches of any size are safe.
        sphalerons: ``"timed"`` (default; module docstring item 4b: B relaxes at the lattice sphaleron rate
            towards c chi(T)/chi(0) (B - L) as eta_X is produced; the part of eta_X made below the sphaleron
            freeze-out T* is never converted) or ``"instantaneous"`` (eta_B = -c eta_X whatever the temperature
            at which X is made: the paper's printed treatment, HMW eqs. 1.3, 3.1; pass it to reproduce HMW's
            numbers). Both modes report ``fraction_above_sphaleron``.
    """

    method: str = eqx.field(static=True, default="quadrature")
    table: str = eqx.field(static=True, default="saikawa_shirai")
    g_star: float = eqx.field(static=True, default=106.75)
    statistics: str = eqx.field(static=True, default="mb")
    include_losp: bool = eqx.field(static=True, default=True)
    observed: str = eqx.field(static=True, default="planck2018")
    freezeout: str = eqx.field(static=True, default="estimate")
    energy_fraction: float = eqx.field(static=True, default=0.5)
    symmetric_threshold: float = eqx.field(static=True, default=0.1)
    x_fi: float = eqx.field(static=True, default=20.0)
    n_nodes: int | None = eqx.field(static=True, default=None)
    inverse_decays: bool = eqx.field(static=True, default=True)
    ode_solver: str = eqx.field(static=True, default="auto")
    ode_rtol: float = eqx.field(static=True, default=1e-8)
    ode_atol_rel: float = eqx.field(static=True, default=1e-8)
    ode_max_steps: int = eqx.field(static=True, default=4096)
    ode_adjoint: str = eqx.field(static=True, default="recursive")
    epsilon: str = eqx.field(static=True, default="eps0")
    sphalerons: str = eqx.field(static=True, default="timed")

    def __check_init__(self):
        if self.sphalerons not in ("instantaneous", "timed"):
            raise ValueError(
                f"HallSettings.sphalerons must be 'instantaneous' (eta_B = -c eta_X, HMW) or 'timed' (B relaxes "
                f"at the lattice sphaleron rate, jaxgen.sphaleron), got {self.sphalerons!r}"
            )
        if self.epsilon not in ("eps0", "spectrum"):
            raise ValueError(
                f"HallSettings.epsilon must be 'eps0' (eq. 2.7 with the eps0/phase fields) or 'spectrum' "
                f"(eps, masses and widths from HallSpectrumParams.spectrum), got {self.epsilon!r}"
            )
        for name in ("g_star", "energy_fraction", "symmetric_threshold", "x_fi", "ode_rtol", "ode_atol_rel"):
            check_real_setting("HallSettings", name, getattr(self, name))
        check_int_setting("HallSettings", "n_nodes", self.n_nodes, minimum=2, allow_none=True)
        check_int_setting("HallSettings", "ode_max_steps", self.ode_max_steps)
        if self.method not in ("quadrature", "ode"):
            raise ValueError(f"HallSettings.method must be 'quadrature' or 'ode', got {self.method!r}")
        if self.table not in TABLES:
            raise ValueError(f"HallSettings.table must be one of {TABLES}, got {self.table!r}")
        if self.freezeout not in ("estimate", "ode"):
            raise ValueError(f"HallSettings.freezeout must be 'estimate' or 'ode', got {self.freezeout!r}")
        if self.statistics not in ("mb", "fermion", "boson"):
            raise ValueError(f"HallSettings.statistics must be 'mb', 'fermion' or 'boson', got {self.statistics!r}")
        c.observed(self.observed)  # ValueError naming the presets
        if not 0.0 < self.energy_fraction <= 1.0:
            raise ValueError(f"HallSettings.energy_fraction must lie in (0, 1], got {self.energy_fraction}")
        if not self.g_star > 0:
            raise ValueError(f"HallSettings.g_star must be > 0, got {self.g_star}")
        if not self.x_fi >= 5.0:
            raise ValueError(f"HallSettings.x_fi must be >= 5 (freeze-in complete), got {self.x_fi}")
        if self.ode_solver != "auto":
            FreezeInSettings(solver=self.ode_solver)  # ValueError for an unknown solver name
        if self.ode_adjoint not in ("recursive", "forward"):
            raise ValueError(f"HallSettings.ode_adjoint must be 'recursive' or 'forward', got {self.ode_adjoint!r}")


def _freezein_solver(settings: HallSettings, cosmo) -> str:
    """The FreezeInSettings.solver of ``method="ode"``: ``ode_solver`` resolved as documented in HallSettings
    (``"auto"`` with inverse decays and a constant g_* in the cosmology used: the fixed-grid collocation)."""
    if settings.ode_solver == "auto" and settings.inverse_decays and getattr(cosmo, "table", None) == "constant":
        return "collocation"
    return settings.ode_solver


class HallPrediction(ScenarioPrediction):
    """Outputs of :func:`asymmetric_freezein` (float64 scalars per point unless noted; HMW = Hall et al. 2010).

    Attributes:
        yield_fi: symmetric freeze-in yield Y_FI = (n_X + n_Xbar)/s summed over all decaying states (eq. 1.1).
        eta_x: X asymmetry yield (n_X - n_Xbar)/s, signed (eqs. 1.4, 4.1).
        eta_b: baryon asymmetry yield n_B/s, signed: by default (``sphalerons="timed"``) the relaxed Y_B of module
            docstring item 4b; with ``sphalerons="instantaneous"`` -c eta_x (the paper's eqs. 1.3, 3.1).
        epsilon: eps_a of each decaying state (eq. 2.7; spectrum mode: from the one-loop absorptive parts, item
            12, states chi-_1, chi-_2, chi0_2, chi0_3, chi0_4), shape (n_a,).
        omega_x_h2: Omega_X h^2 of the asymmetric relic, m_X |eta_x| s0/(rho_c/h^2).
        omega_b_h2: Omega_b h^2 = m_p |eta_b| s0/(rho_c/h^2).
        dm_to_baryon: Omega_X/Omega_b = m_X/(|r| m_p), r = ``baryon_to_x_ratio`` (= c instantaneous).
        m_x_required: m_X [GeV] giving the observed Omega_DM/Omega_b (preset) for this eta_X/eta_B: |r| m_p R_obs
            (instantaneous: |c| m_p R_obs; timed: from the timed eta_B).
        fraction_above_sphaleron: the fraction of eta_X produced above T* = 131.7 GeV (the lattice sphaleron
            freeze-out, ``jaxgen.sphaleron.T_STAR_LATTICE``), computed in both modes (0 if eta_X = 0).
        baryon_to_x_ratio: r = -eta_b/eta_x, the effective B/(-X) (c instantaneous; 0 if eta_X = 0).
        decay_length: LOSP lab decay length beta_gamma c tau [m] with Gamma_LOSP = lam^2 m_LOSP/(8 pi).
        losp_lifetime: LOSP proper lifetime [s].
        decay_length_relic: lab decay length [m] for the LOSP width that gives the observed Omega_DM h^2 with this
            eps_a, m_X (eq. 4.2 derived; = decay_length |eta_x|/eta_obs).
        tau_psi_lhu, tau_psi_xudd: psi_X lifetimes [s] (eqs. 4.9 and 4.8).
        t_ratio_fi: T_X/T just after freeze-in (eq. 5.2 derived, at T = min m_A/x_fi).
        t_vis_decay: visible temperature [GeV] at LOSP decay, Gamma_LOSP = H (eq. 5.3 derived).
        t_x_decay: hidden temperature [GeV] at LOSP decay (eq. 5.4 derived).
        t_x_fo: hidden temperature [GeV] at hidden freeze-out of X, m_X/x_f.
        hidden_freezeout_running: t_x_decay/t_x_fo (> 1: hidden freeze-out still running at LOSP decay, Sec. 5.3).
        thermalization_ratio: lam/lam_max = (T_X/T)^2 after freeze-in (< 1: the sectors do not thermalise).
        symmetric_fraction: 2 Ybar_inf/|eta_x|, surviving symmetric over asymmetric X (< 0.1 wanted, Sec. 4.4);
            capped at 1e30.
        d_e: electron EDM [e cm] implied by the spectrum and its phases (:func:`jaxgen.cp.electron_edm`, sleptons
            decoupled: the two-loop Barr-Zee gamma-h graph with a chargino loop; HMW Sec. 4.3). Spectrum mode only;
            0 in the eps0 mode, which has no spectrum (the eps0/phase inputs do not fix the gaugino-higgsino
            phases). Compare with ``jaxgen.fit.edm_bound_target()`` (JILA 2023: |d_e| < 4.1e-30 e cm).
        status: int32 error bits (``STATUS_ERROR_MASK``; 0 = a valid prediction; :func:`status_names`).
        flags: int32 physics-diagnostic bits (``STATUS_DIAGNOSTIC_MASK``; :func:`status_names`).

    ``.valid``: no error bit set (the batch shape); ``.status_names()``: snake_case names of status | flags
    (:func:`decode_status`), as ``ArduPrediction.status_names()``.
    """

    _vocabulary_ = HallStatus
    _error_mask_ = STATUS_ERROR_MASK

    yield_fi: Float[Array, "*batch"] = units_field("1")
    eta_x: Float[Array, "*batch"] = units_field("1")
    eta_b: Float[Array, "*batch"] = units_field("1")
    epsilon: Float[Array, "*batch n_a"] = units_field("1")
    omega_x_h2: Float[Array, "*batch"] = units_field("1")
    omega_b_h2: Float[Array, "*batch"] = units_field("1")
    dm_to_baryon: Float[Array, "*batch"] = units_field("1")
    m_x_required: Float[Array, "*batch"] = units_field("GeV")
    decay_length: Float[Array, "*batch"] = units_field("m")
    losp_lifetime: Float[Array, "*batch"] = units_field("s")
    decay_length_relic: Float[Array, "*batch"] = units_field("m")
    tau_psi_lhu: Float[Array, "*batch"] = units_field("s")
    tau_psi_xudd: Float[Array, "*batch"] = units_field("s")
    t_ratio_fi: Float[Array, "*batch"] = units_field("1")
    t_vis_decay: Float[Array, "*batch"] = units_field("GeV")
    t_x_decay: Float[Array, "*batch"] = units_field("GeV")
    t_x_fo: Float[Array, "*batch"] = units_field("GeV")
    hidden_freezeout_running: Float[Array, "*batch"] = units_field("1")
    thermalization_ratio: Float[Array, "*batch"] = units_field("1")
    fraction_above_sphaleron: Float[Array, "*batch"] = units_field("1")
    baryon_to_x_ratio: Float[Array, "*batch"] = units_field("1")
    symmetric_fraction: Float[Array, "*batch"] = units_field("1")
    d_e: Float[Array, "*batch"] = units_field("e cm")
    status: Int[Array, "*batch"] = units_field("1")
    flags: Int[Array, "*batch"] = units_field("1")


# ---------------------------------------------------------------------------------------------------------------
# Pieces
# ---------------------------------------------------------------------------------------------------------------
def _resolve_cosmology(settings: HallSettings, cosmology):
    if cosmology is not None:
        return cosmology
    return Cosmology(table=settings.table, g_constant=settings.g_star)


def _n_nodes(settings: HallSettings, cosmo) -> int | None:
    """None: the precomputed convolution tables (``jaxgen._freezein_tables``; exact form for constant g_*); an
    int: Gauss-Legendre quadrature with that many nodes (``settings.n_nodes``, or 384 for a cosmology the tables do
    not cover, e.g. one with extra species)."""
    if settings.n_nodes is not None:
        return settings.n_nodes
    return None if is_tabulated(cosmo) else 384


def _decay_temperature(lam, m_losp, cosmo, n_iter: int = 8):
    """T with Gamma_LOSP = H(T) and g_*rho(T) of the cosmology (eq. 5.3): Newton in u = ln T, derivative by the
    implicit function theorem (one Newton step with gradients at the converged root)."""
    gamma = losp_width_from_coupling(lam, m_losp)

    def resid(u, gam):
        g = cosmo.g_rho(jnp.exp(u))
        return u - 0.5 * jnp.log(gam * c.M_PLANCK / _H_COEF) + 0.25 * jnp.log(g)

    def dres(u, gam):
        return jax.jvp(lambda uu: resid(uu, gam), (u,), (jnp.ones_like(u),))[1]

    gam0 = jax.lax.stop_gradient(gamma)
    u0 = jnp.log(losp_decay_temperature(jax.lax.stop_gradient(lam), jax.lax.stop_gradient(m_losp), 100.0))
    u = jax.lax.fori_loop(0, n_iter, lambda _, uu: uu - resid(uu, gam0) / dres(uu, gam0), u0)
    u = jax.lax.stop_gradient(u)
    u = u - resid(u, gamma) / jax.lax.stop_gradient(dres(u, gam0))
    return jnp.exp(u)


_DUMMY = {k: v for k, v in _BENCH.items()}


def _sanitize(params: HallParams):
    """(values with per-state fields broadcast to (n_a,) and invalid points replaced by the dummy point, ok):
    :func:`jaxgen.scenarios._base.sanitize`, as in the Ardu chain."""
    n_a = jnp.shape(params.m_a)[-1]
    vals = {
        k: jnp.broadcast_to(getattr(params, k), (n_a,)) if k in _SPECIES_FIELDS else getattr(params, k)
        for k in (*_SPECIES_FIELDS, *_SCALAR_FIELDS)
    }
    return sanitize(vals, _DUMMY, positive=_POSITIVE, unit_nonzero=_NONZERO)


def _check_single(params: HallParams, spectrum_mode: bool = False):
    bad = [k for k in _SCALAR_FIELDS if jnp.ndim(getattr(params, k)) != 0]
    bad += [k for k in _SPECIES_FIELDS if jnp.ndim(getattr(params, k)) != 1]
    if spectrum_mode:  # the eps0 mode ignores the spectrum field
        bad += [f"spectrum.{k}" for k in _SPECTRUM_FIELDS if jnp.ndim(getattr(params.spectrum, k)) != 0]
    if bad:
        raise ValueError(
            f"asymmetric_freezein takes ONE point (scalar fields 0-d, per-state fields (n_a,)); "
            f"{bad} have extra axes. Use asymmetric_freezein_batch (or jax.vmap) for a batch."
        )


# ---------------------------------------------------------------------------------------------------------------
# The chain
# ---------------------------------------------------------------------------------------------------------------
def asymmetric_freezein(params: HallParams, settings: HallSettings = HallSettings(), cosmology=None) -> HallPrediction:
    """Hall et al. 2010 asymmetric freeze-in, end to end, for one point (module docstring items 1-11).

    Args:
        params: :class:`HallParams` of one point (scalar fields 0-d, per-state fields (n_a,)).
        settings: :class:`HallSettings` (static).
        cosmology: a :class:`jaxgen.cosmology.Cosmology` (default: from ``settings.table``/``settings.g_star``).

    Returns:
        :class:`HallPrediction`. Pure; jit/vmap/grad-able in every float field of ``params``. Invalid points give
        ``STATUS_BAD_INPUT`` and zero outputs (never NaN, zero gradients). Needs float64 (RuntimeError otherwise).
    """
    require_x64("jaxgen.scenarios.asymmetric_freezein")
    spectrum_mode = settings.epsilon == "spectrum"
    if spectrum_mode and not isinstance(params.spectrum, GauginoHiggsinoParams):
        raise ValueError(
            "HallSettings(epsilon='spectrum') needs a HallSpectrumParams point (spectrum: GauginoHiggsinoParams); "
            "build the point with HallParams.from_spectrum(spectrum, lam) or HallParams.benchmark_spectrum()"
        )
    _check_single(params, spectrum_mode)
    cosmo = _resolve_cosmology(settings, cosmology)
    obs = c.observed(settings.observed)
    n_nodes = _n_nodes(settings, cosmo)
    p, ok = _sanitize(params)

    # 1-2. widths and CP asymmetries (12. from the spectrum)
    lam_losp = p["lam"]  # the coupling of Gamma_LOSP = lam^2 m_LOSP/(8 pi)
    if settings.epsilon == "spectrum":
        spec = cast(GauginoHiggsinoParams, params.spectrum)  # checked above: a HallSpectrumParams point
        d, ok = _spectrum_states(spec, p["lam"], p["m_x"], ok)
        p = dict(p, m_a=d["m_a"], g_a=d["g_a"], width_factor=d["width_factor"], m_losp=d["m_losp"])
        p["g_losp"] = d["g_losp"]
        eps = d["eps"]
        lam_losp = p["lam"] * jnp.sqrt(d["r_losp"])  # Gamma_LOSP = r_losp lam^2 m_LOSP/(8 pi)
        d_e = d["d_e"]
    else:
        eps = epsilon_eq27(p["eps0"], p["phase"])
        d_e = jnp.zeros((), eps.dtype)  # no spectrum: no EDM prediction (HallPrediction.d_e)
    gamma_losp = losp_width_from_coupling(lam_losp, p["m_losp"])
    gamma_a = p["width_factor"] * losp_width_from_coupling(p["lam"], p["m_a"])
    mass, width, dof, eps_all = p["m_a"], gamma_a, p["g_a"], eps
    if settings.include_losp:
        mass = jnp.concatenate([mass, p["m_losp"][None]])
        width = jnp.concatenate([width, gamma_losp[None]])
        dof = jnp.concatenate([dof, p["g_losp"][None]])
        eps_all = jnp.concatenate([eps_all, jnp.zeros((1,), eps.dtype)])

    # 7-8. hidden-sector heating (always from the quadrature: energy injection, no back-reaction)
    r_com = comoving_hidden_energy(
        mass, width, dof, cosmo, settings.statistics, energy_fraction=settings.energy_fraction, n_nodes=n_nodes
    )
    t_fi = jnp.min(mass) / settings.x_fi
    xi_fi = temperature_ratio_from_energy(r_com, p["g_x"], cosmo, t_fi)

    # 3. freeze-in yields
    status_fi = jnp.zeros((), jnp.int32)
    if settings.method == "quadrature" and n_nodes is None:  # one spline lookup per state
        fi = freezein_table(
            FreezeInParams(mass=mass, width=width, dof=dof, eps=eps_all),
            cosmo,
            FreezeInSettings(statistics=settings.statistics, compute_x_half=False),
        )
    elif settings.method == "quadrature":
        fi = freezein_quadrature(
            FreezeInParams(mass=mass, width=width, dof=dof, eps=eps_all),
            cosmo,
            FreezeInSettings(statistics=settings.statistics, compute_x_half=False, n_nodes=n_nodes),
        )
    else:
        fis = FreezeInSettings(
            statistics=settings.statistics,
            inverse_decays=settings.inverse_decays,
            compute_x_half=False,
            solver=_freezein_solver(settings, cosmo),
            rtol=settings.ode_rtol,
            atol_rel=settings.ode_atol_rel,
            max_steps=settings.ode_max_steps,
            adjoint=settings.ode_adjoint,
        )
        fi = solve_freezein(
            FreezeInParams(
                mass=mass,
                width=width,
                dof=dof,
                eps=eps_all,
                m_x=p["m_x"],
                g_x=2.0 * p["g_dm"],
                temperature_ratio=p["temperature_ratio"],
            ),
            cosmo,
            fis,
        )
        status_fi = fi.status
    y_fi, eta_x = fi.yield_x, fi.eta_x
    abs_eta = jnp.abs(eta_x)
    # relativistic MB equilibrium yield of X + Xbar at the production temperature (validity of freeze-in)
    y_eq_x = 45.0 * (2.0 * p["g_dm"]) / (2.0 * math.pi**4 * cosmo.g_s(jnp.min(mass)))

    # 4-5. baryons and densities (4b: sphaleron timing)
    cc = p["b_over_bml"]
    eta_b_timed, eta_above = sphaleron_timing(
        mass, width, dof, eps_all, cosmo, settings.statistics, chi_scale=cc / _SM_C, use_tables=n_nodes is None
    )
    has_eta = eta_x != 0
    safe_eta = jnp.where(has_eta, eta_x, 1.0)
    frac_above = jnp.where(has_eta, eta_above / safe_eta, 0.0)
    if settings.sphalerons == "timed":
        eta_b = eta_b_timed
        ratio = jnp.where(has_eta, -eta_b / safe_eta, 0.0)
        r_conv = ratio
    else:
        eta_b = -cc * eta_x
        ratio = jnp.where(has_eta, cc, 0.0)
        r_conv = cc
    omega_x = yield_to_omega_h2(abs_eta, p["m_x"])
    omega_b = yield_to_omega_h2(jnp.abs(eta_b), c.M_PROTON)
    safe_r = jnp.where(r_conv != 0, jnp.abs(r_conv), 1.0)
    dm_to_b = jnp.where(r_conv != 0, p["m_x"] / (safe_r * c.M_PROTON), 0.0)
    m_x_req = jnp.abs(r_conv) * c.M_PROTON * obs.dm_to_baryon

    # 6. decay lengths
    length = p["beta_gamma"] * c.GEV_INV_TO_M / gamma_losp
    eta_obs = omega_h2_to_yield(obs.omega_dm_h2, p["m_x"])
    length_relic = length * abs_eta / eta_obs

    # 9. temperatures at LOSP decay
    t_dec = _decay_temperature(lam_losp, p["m_losp"], cosmo)
    t_x_dec = temperature_ratio_from_energy(r_com, p["g_x"], cosmo, t_dec) * t_dec

    # 10. hidden-sector freeze-out of the symmetric part (mapping m -> m_X/xi, g -> g_dm xi^3; item 10)
    def fo_params(xi):
        return FreezeOutParams(
            m=p["m_x"] / xi, a=p["sigma_v_x"], b=jnp.zeros_like(xi), g=p["g_dm"] * xi**3, eta=abs_eta
        )

    # x_f of freezeout_estimate (its derivative is the implicit-function one)
    x_f = freezeout_estimate(fo_params(xi_fi), cosmo).x_f  # one fixed-point pass for xi at hidden freeze-out
    xi = temperature_ratio_from_energy(r_com, p["g_x"], cosmo, jnp.minimum(p["m_x"] / (xi_fi * x_f), t_fi))
    fop = fo_params(xi)
    x_f = freezeout_estimate(fop, cosmo).x_f
    status_fo = jnp.zeros((), jnp.int32)
    if settings.freezeout == "estimate":
        ybar = _ybar_from_x_f(fop, cosmo, x_f)  # = asymmetric_freezeout_estimate(fop, cosmo), shared x_f
    else:
        fo = solve_asymmetric_freezeout(fop, cosmo, FreezeOutSettings())
        ybar, status_fo = fo.ybar_inf, fo.status
    t_x_fo = p["m_x"] / x_f
    running = t_x_dec / t_x_fo
    tiny = jnp.finfo(abs_eta.dtype).tiny
    sym_frac = jnp.minimum(2.0 * ybar / jnp.maximum(abs_eta, tiny), 1e30)

    # 11. psi_X lifetimes
    tau_lhu = psi_x_lifetime_lhu(p["lam"], p["m_psi"])
    tau_xudd = psi_x_lifetime_xudd(p["m_psi"], p["alpha_s"], p["m_star"], p["m_susy"], p["c_had"])

    therm = xi_fi**2
    out = dict(
        yield_fi=y_fi,
        eta_x=eta_x,
        eta_b=eta_b,
        epsilon=eps,
        omega_x_h2=omega_x,
        omega_b_h2=omega_b,
        dm_to_baryon=dm_to_b,
        m_x_required=m_x_req,
        decay_length=length,
        losp_lifetime=c.GEV_INV_TO_S / gamma_losp,
        decay_length_relic=length_relic,
        tau_psi_lhu=tau_lhu,
        tau_psi_xudd=tau_xudd,
        t_ratio_fi=xi_fi,
        t_vis_decay=t_dec,
        t_x_decay=t_x_dec,
        t_x_fo=t_x_fo,
        hidden_freezeout_running=running,
        thermalization_ratio=therm,
        fraction_above_sphaleron=frac_above,
        baryon_to_x_ratio=ratio,
        symmetric_fraction=sym_frac,
        d_e=d_e,
    )

    finite = jnp.asarray(True)
    for v in out.values():
        finite = finite & jnp.all(jnp.isfinite(v))
    st = jnp.zeros((), jnp.int32)
    flags = [
        (therm >= 1.0, STATUS_THERMALIZED),
        (sym_frac >= settings.symmetric_threshold, STATUS_SYMMETRIC_SURVIVES),
        (status_fi != 0, STATUS_FREEZEIN_FAILED),
        (status_fo != 0, STATUS_FREEZEOUT_FAILED),
        (running < 1.0, STATUS_FREEZEOUT_BEFORE_DECAY),
        (eta_x == 0, STATUS_NO_ASYMMETRY),
        (jnp.any(p["m_a"] <= p["m_losp"]), STATUS_SPECTRUM),
        (~finite, STATUS_NONFINITE),
        ((jnp.max(jnp.abs(eps)) > 1.0) | (abs_eta > y_fi), STATUS_UNPHYSICAL_ASYMMETRY),
        ((p["m_x"] >= p["m_losp"]) | jnp.any(p["m_x"] >= p["m_a"]), STATUS_CLOSED_CHANNEL),
        (~(y_fi < y_eq_x), STATUS_OVERPRODUCED),
    ]
    for cond, bit in flags:
        st = st | jnp.where(cond, bit, 0).astype(jnp.int32)
    st = jnp.where(ok, st, STATUS_BAD_INPUT).astype(jnp.int32)
    keep = ok
    out = {k: jnp.where(keep & jnp.isfinite(v), v, jnp.zeros_like(v)) for k, v in out.items()}
    return HallPrediction(**out, status=st & STATUS_ERROR_MASK, flags=jnp.where(ok, st & STATUS_DIAGNOSTIC_MASK, 0))


#: points per chunk of :func:`asymmetric_freezein_batch` (``chunk_size="auto"``) when the chain runs the fixed-grid
#: collocation (method="ode", inverse decays, constant g_*): its 320-node stage arrays take ~43 KB per point
#: (XLA temp 853 MiB for 2e4 points in one flat vmap, 4.3 GiB for 1e5). Measured 2026-12-04 (2 CPU cores, N = 2e4,
#: bench_chains.hall_params, timed interleaved, median of 5): flat vmap 1.38e4 points/s, chunks of 512 1.80e4, of
#: 1024 1.77e4, of 2048 1.69e4 (XLA temp 90 MiB). The other paths stay one flat vmap: the quadrature chain ran
#: 7.9e5 points/s flat against 5.5-6.2e5 in chunks of 4096-16384 (N = 2e5, 85 MiB flat), Kvaerno5 the same
#: either way (3 MiB).
HALL_COLLOCATION_CHUNK = 1024
#: the same on a GPU/TPU: one flat vmap of 1e6 points took 32 GiB of XLA buffers on an H200 (1.27e7 points/s,
#: 2026-12-04); chunks of 2**18 bound that to ~8 GiB (their speed there not yet measured)
HALL_COLLOCATION_CHUNK_ACCELERATOR = 2**18


#: points per chunk of :func:`asymmetric_freezein_batch` (``chunk_size="auto"``) in spectrum mode (``epsilon=
#: "spectrum"``, the CP asymmetries computed from the spectrum; the value of cp_asymmetries_from_spectrum_batch).
#: Measured 2026-12-04 (2 CPU cores, N = 4096, bench_cp.random_spectra, timed interleaved, median of 5): flat vmap
#: 1.16e4 points/s, chunks of 256 1.45e4, of 512 1.58e4, of 1024 1.60e4.
HALL_SPECTRUM_CHUNK = 512
#: the same on a GPU/TPU (that of cp_asymmetries_from_spectrum_batch there; the chain's chunks not yet measured)
HALL_SPECTRUM_CHUNK_ACCELERATOR = 2**16


@eqx.filter_jit
def _batch(params: HallParams, settings: HallSettings, cosmology, chunk_size):
    n = int(jax.tree_util.tree_leaves(params)[0].shape[0])
    solver = _freezein_solver(settings, _resolve_cosmology(settings, cosmology))
    collocation = settings.method == "ode" and solver == "collocation"
    if chunk_size == "auto" and not (collocation or settings.epsilon == "spectrum"):
        chunk_size = None
    if collocation:
        auto = per_backend(HALL_COLLOCATION_CHUNK, HALL_COLLOCATION_CHUNK_ACCELERATOR)
    else:
        auto = per_backend(HALL_SPECTRUM_CHUNK, HALL_SPECTRUM_CHUNK_ACCELERATOR)
    return chunked_vmap(lambda q: asymmetric_freezein(q, settings, cosmology), params, n, chunk_size, auto)


def asymmetric_freezein_batch(
    params: HallParams, settings: HallSettings = HallSettings(), cosmology=None, chunk_size: int | None | str = "auto"
) -> HallPrediction:
    """:func:`asymmetric_freezein` over a batch: jitted vmap over the leading axis (one compile per batch shape and
    settings). Fields without the batch axis are broadcast first (:func:`broadcast_batch`). Invalid points carry
    ``STATUS_BAD_INPUT`` and zero outputs; the other points are unaffected.

    ``chunk_size``: ``"auto"`` (default): ``jax.lax.map`` over vmapped chunks of :data:`HALL_COLLOCATION_CHUNK`
    points (GPU/TPU: :data:`HALL_COLLOCATION_CHUNK_ACCELERATOR`) when the chain runs the fixed-grid collocation
    (``method="ode"`` with a constant g_*: bounded memory and 1.3x the points/s, measured there), of
    :data:`HALL_SPECTRUM_CHUNK` (:data:`HALL_SPECTRUM_CHUNK_ACCELERATOR`) in spectrum mode (1.36x), for batches
    above two chunks; one flat vmap otherwise; ``None``: always one flat vmap; an int: chunks of that size (the
    batch padded by repeating its last point)."""
    check_chunk_size("asymmetric_freezein_batch", chunk_size)
    return _batch(broadcast_batch(params), settings, cosmology, chunk_size)
