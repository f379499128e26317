"""Closed-form signatures of asymmetric freeze-in (Hall, March-Russell, West 2010) and of R-symmetric ADM (Ardu,
Queiroz Correa, Vives 2025): LOSP decay length, late-decay lifetimes, hidden-sector temperatures, NLSP lifetime and
the BBN hadronic check.

Units: GeV for masses, widths and temperatures; seconds for lifetimes; metres for decay lengths. All functions are
pure, broadcast over array arguments, and are jit/vmap/grad-able. Derivations: docs/derivations/signatures.md.

Conventions (stated once, used everywhere):

* ``lam`` (Hall's lambda) is a dimensionless two-body coupling with Gamma_LOSP = lam^2 m_LOSP/(8 pi)
  (:func:`losp_width_from_coupling`). Hall et al. never print the width formula; this convention reproduces their
  statement that lambda = 1e-6 corresponds to a lifetime ~ 1e-13 s at m = 100 GeV (p. 4 and Sec. 4.1): 1.65e-13 s.
* H(T) = sqrt(4 pi^3 g_* / 45) T^2 / M_Pl with M_Pl = 1.22089e19 GeV and constant g_* (g_*s = g_*rho = g_*).
* Freeze-in from decays (MB statistics, constant g_*): Y_FI = C g_A Gamma M_Pl /(g_*^(3/2) m^2) with
  C = 135/(8 pi^3 sqrt(4 pi^3/45)) = 0.3278 (full Planck mass). Hall et al. print C_FI = 1.64, which is the same
  number with the reduced Planck mass (1.64 * 2.435e18 = 0.3278 * 1.221e19); see jaxgen._freezein.hall_c_fi.

Discrepancies with the printed papers (each implemented as derived, printed form kept as ``hall_eq_*``/``ardu_eq_*``,
both tested in tests/jaxgen/test_signatures.py):

* Hall eq. (4.2): derived prefactor 3.64 m * (beta gamma) (Planck 2018 Omega_DM h^2 = 0.12), i.e. 7.3 m at
  beta gamma = 2 and 6.3 m at gamma = 2; printed 10 m (gamma/2). The lab decay length is beta*gamma*c*tau,
  not gamma*c*tau.
* Hall eq. (5.3): derived T_decay = 17.1 GeV (...)(g_*/100)^(-1/4); printed 15.5 GeV (g_*/100)^(+1/4). 15.5 GeV is
  reproduced (15.49) with M_Pl = 1.0e19 GeV; the exponent of g_* must be -1/4 (Gamma = H ~ sqrt(g_*) T^2).
* Hall eq. (5.4): derived 0.914 GeV at eta_X = 2.45e-10 (printed 770 MeV = 15.5 GeV x 0.05) and scaling
  (10/g_X)^(1/4) (as in eq. 5.2); printed (g_X/10)^(1/4). The g_* independence of
  eq. (5.4) as printed is only consistent with the derived g_*^(-1/4) of eq. (5.3).
* Hall eq. (1.4)-text: non-thermalization bound. Requiring that freeze-in heating does not bring T_X up to T
  (T_X/T < 1 from the eq. (5.2) derivation) gives lam < 9.7e-8 sqrt(m_B/100 GeV) (g_X = 10, g_* = 100, g_B = 2);
  the paper quotes 1e-6 sqrt(m_B/100 GeV): same scaling, a prefactor ~10 larger. Correspondingly the shortest LOSP
  lifetime compatible with non-thermalization (Sec. 4.1, printed "greater than 1e-13 s", which is lam = 1e-6 at
  100 GeV: 1.65e-13 s) is 1.76e-11 s at m = 100 GeV (tau_min ~ 1/m^2).
* Hall eq. (4.9): psi_X decays through its neutrino admixture sin^2 theta = (lam v_u)^2/m_psi^2 (W = lam L H_u X)
  via virtual W, Z; summing the three-body channels gives tau = 1.64e3 s (1e-10/lam)^2 (2 GeV/m_psi)^3 (sin beta = 1):
  same scalings as the printed 10 s, a prefactor 164x larger (:func:`psi_x_lifetime_lhu`; printed
  :func:`hall_eq_4_9`).
* Hall eq. (4.8) (XUDD): the gluino dressing of W = X U^c D^c S^c/M_* cancels exactly for degenerate squarks (Fierz);
  the bino dressing survives: tau = 7.10e8 s (M_*/1e9 GeV)^2 (M_susy/500 GeV)^2 (0.1/C)^2 (2 GeV/m_psi)^5 with
  C defined by <B M|u(d s)|0> = C m_psi^2, independent of alpha_s (printed: 1e4 s (0.2/alpha_s)^4 ..., 7.1e4x
  shorter); split squarks add a gluino part with Gamma ~ alpha_s^2 (:func:`psi_x_lifetime_xudd`; printed
  :func:`hall_eq_4_8`).
* Ardu eq. (27): Gamma = m^5 (1 - m_3/2^2/m^2)^4 /(48 pi m_3/2^2 M_P^2) needs the REDUCED Planck mass
  (t = 1.84 s at 2 TeV, 10 GeV); with M_Pl = 1.22e19 GeV it would be 46 s. Printed: 1.6 s (13 % lower).
* Ardu Sec. 4 (after eq. 27): m Y <= 1e-7 - 1e-8 GeV at m = 2 TeV gives Y <= 5e-11 - 5e-12, not the printed
  2e-10 - 1e-11. Table 2 "m_NLSP >~ 2 TeV" (l_R) is reproduced to its digit (m Y/bound = 1.02 at 2.10 TeV, where
  tau = 1 s, with eq. (25)'s Omega ratio 5; 1.11 with Table 2's 26.5/4.9); for l_L / sneutrino (m_3/2 = 5.3 GeV) tau(2 TeV) = 0.52 s is below the quoted 1-10 s range.
"""

from __future__ import annotations

import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from jaxgen_kernels import _status as _kstatus

from . import _constants as c
from ._hidden_sector import hall_eq_5_2, hidden_temperature_ratio

__all__ = [
    "C_FREEZE_IN",
    "STATUS_OK",
    "STATUS_INVALID_INPUT",
    "STATUS_LIFETIME_BELOW_RANGE",
    "STATUS_LIFETIME_ABOVE_RANGE",
    "HallSignatureParams",
    "HallSignatures",
    "BBNCheck",
    "losp_width_from_coupling",
    "losp_width_from_relic",
    "losp_lifetime_from_relic",
    "losp_decay_length",
    "hall_eq_4_2",
    "ALPHA_1_MZ",
    "xudd_triangle",
    "xudd_triangle_splitting",
    "psi_x_xudd_coefficient",
    "psi_x_width_xudd",
    "psi_x_lifetime_xudd",
    "hall_eq_4_8",
    "psi_x_lhu_channel_sum",
    "psi_x_neutrino_mixing",
    "psi_x_width_lhu",
    "psi_x_lifetime_lhu",
    "hall_eq_4_9",
    "hidden_temperature_ratio",
    "hall_eq_5_2",
    "losp_decay_temperature",
    "hall_eq_5_3",
    "hidden_temperature_at_losp_decay",
    "hall_eq_5_4",
    "hidden_freezeout_temperature",
    "freezeout_running_ratio",
    "thermalization_coupling_bound",
    "hall_thermalization_bound",
    "thermalization_ratio",
    "hall_signatures",
    "nlsp_width",
    "nlsp_lifetime",
    "ardu_eq_27",
    "bbn_hadronic_bound",
    "bbn_check",
    "asymmetric_nlsp_yield",
]

#: H(T) = _H_COEF sqrt(g_*) T^2 / M_Pl (radiation domination).
_H_COEF: float = math.sqrt(4.0 * math.pi**3 / 45.0)
#: Freeze-in-from-decay constant with the full Planck mass: Y = C g_A Gamma M_Pl/(g_*s sqrt(g_*rho) m^2) = 0.32783.
C_FREEZE_IN: float = 135.0 / (8.0 * math.pi**3 * _H_COEF)
#: rho_DM/s today per unit Omega_DM h^2, in GeV: (rho_c/h^2)/s0.
_RHO_OVER_S_PER_OMEGA: float = c.RHO_CRIT_OVER_H2 / c.ENTROPY_DENSITY_TODAY

STATUS_OK = 0
STATUS_INVALID_INPUT = 1
STATUS_LIFETIME_BELOW_RANGE = 2
STATUS_LIFETIME_ABOVE_RANGE = 3
#: The vocabulary of the status of the signature results (BBNCheck, HallSignatures): single-valued codes.
SignatureStatus = _kstatus.enum_vocabulary(
    "SignatureStatus",
    {
        "OK": (STATUS_OK, "ok"),
        "INVALID_INPUT": (STATUS_INVALID_INPUT, "non-finite or out-of-domain input; outputs 0"),
        "LIFETIME_BELOW_RANGE": (
            STATUS_LIFETIME_BELOW_RANGE,
            "lifetime below the quoted BBN range: the bound at its lower edge (1 s) is used",
        ),
        "LIFETIME_ABOVE_RANGE": (
            STATUS_LIFETIME_ABOVE_RANGE,
            "lifetime above the quoted BBN range: the bound at its upper edge (10 s) is used",
        ),
    },
    module=__name__,
)


def status_names(code) -> list[str]:
    """snake_case names of one signature status code (``[]`` for ok), e.g. ``["lifetime_below_range"]``."""
    return _kstatus.decode(SignatureStatus, code)


def _a(x):
    return jnp.asarray(x)


def _float_dtype(*xs):
    """Common floating dtype of the inputs (float32 inputs stay float32; Python floats follow the x64 setting)."""
    dtype = jnp.result_type(*xs)
    return dtype if jnp.issubdtype(dtype, jnp.floating) else jnp.result_type(float)


# ---------------------------------------------------------------------------------------------------------------
# Hall et al. 2010, Section 4.1: LOSP decay length
# ---------------------------------------------------------------------------------------------------------------
def losp_width_from_coupling(lam: Any, m_losp: Any) -> jax.Array:
    """LOSP width Gamma = lam^2 m_LOSP/(8 pi) [GeV] for a dimensionless two-body coupling lam (module convention).

    Args: lam: Hall's lambda (dimensionless). m_losp: LOSP mass [GeV].
    """
    return _a(lam) ** 2 * _a(m_losp) / (8.0 * math.pi)


def losp_width_from_relic(
    eps_a: Any,
    m_x: Any,
    m_a: Any,
    m_losp: Any,
    g_a: Any = 2.0,
    r: Any = 1.0,
    f: Any = 0.0,
    g_star: Any = 100.0,
    omega_dm_h2: Any = c.PLANCK_2018.omega_dm_h2,
) -> jax.Array:
    """LOSP width [GeV] fixed by requiring that asymmetric freeze-in gives the observed DM (Hall et al. eqs. 4.1-4.2).

    Derivation: eq. (4.1) eta_X = C g_a eps_a Gamma_a M_Pl (1+f)/(g_*^(3/2) m_a^2) with Gamma_a = r (m_a/m_LOSP)
    Gamma_LOSP, and the asymmetric DM density m_X eta_X = Omega_DM h^2 (rho_c/h^2)/s_0. Hence

        Gamma_LOSP = g_*^(3/2) m_a m_LOSP (Omega_DM h^2 rho_c/h^2 / s_0) / (C M_Pl eps_a g_a r (1+f) m_X).

    Args:
        eps_a: CP asymmetry of the dominant decaying state a. m_x: DM mass [GeV]. m_a, m_losp: masses [GeV].
        g_a: spin states of a. r: Gamma_a/Gamma_LOSP divided by m_a/m_LOSP. f: other contributions, (1+f).
        g_star: constant g_* during freeze-in. omega_dm_h2: observed Omega_DM h^2 (default Planck 2018).
    """
    eta_x_m_x = _a(omega_dm_h2) * _RHO_OVER_S_PER_OMEGA
    return (
        _a(g_star) ** 1.5
        * _a(m_a)
        * _a(m_losp)
        * eta_x_m_x
        / (C_FREEZE_IN * c.M_PLANCK * _a(eps_a) * _a(g_a) * _a(r) * (1.0 + _a(f)) * _a(m_x))
    )


def losp_lifetime_from_relic(
    eps_a, m_x, m_a, m_losp, g_a=2.0, r=1.0, f=0.0, g_star=100.0, omega_dm_h2=c.PLANCK_2018.omega_dm_h2
) -> jax.Array:
    """LOSP proper lifetime [s] = hbar/Gamma_LOSP with Gamma_LOSP from :func:`losp_width_from_relic`."""
    return c.GEV_INV_TO_S / losp_width_from_relic(eps_a, m_x, m_a, m_losp, g_a, r, f, g_star, omega_dm_h2)


def losp_decay_length(
    eps_a: Any,
    m_x: Any,
    m_a: Any,
    m_losp: Any,
    g_a: Any = 2.0,
    r: Any = 1.0,
    f: Any = 0.0,
    g_star: Any = 100.0,
    beta_gamma: Any = 1.0,
    omega_dm_h2: Any = c.PLANCK_2018.omega_dm_h2,
) -> jax.Array:
    """Lab-frame LOSP decay length L = beta*gamma*c*tau [m] (derived Hall et al. eq. 4.2).

    L = 3.64 m (beta gamma) (1+f) r (eps_a/1e-5)(m_X/GeV)((100 GeV)^2/(m_LOSP m_a))(g_a/2)(100/g_*)^(3/2)
    for Omega_DM h^2 = 0.120. beta_gamma = 1 gives the proper decay length c*tau. Printed eq. (4.2): 10 m (gamma/2):
    see :func:`hall_eq_4_2` and the module docstring.
    """
    return (
        _a(beta_gamma) * c.GEV_INV_TO_M / losp_width_from_relic(eps_a, m_x, m_a, m_losp, g_a, r, f, g_star, omega_dm_h2)
    )


def hall_eq_4_2(eps_a, m_x, m_a, m_losp, g_a=2.0, r=1.0, f=0.0, g_star=100.0, gamma=2.0) -> jax.Array:
    """Hall et al. 2010 eq. (4.2) as printed [m]: 10 m (gamma/2)(1+f) r (eps_a/1e-5)(m_X/GeV)(1e4 GeV^2/(m_LOSP m_a))
    (g_a/2)(100/g_*)^(3/2). Kept for comparison; use :func:`losp_decay_length` (derived)."""
    return (
        10.0
        * (_a(gamma) / 2.0)
        * (1.0 + _a(f))
        * _a(r)
        * (_a(eps_a) / 1e-5)
        * _a(m_x)
        * (1e4 / (_a(m_losp) * _a(m_a)))
        * (_a(g_a) / 2.0)
        * (100.0 / _a(g_star)) ** 1.5
    )


# ---------------------------------------------------------------------------------------------------------------
# Hall et al. 2010, Section 4.4: psi_X late decays
# ---------------------------------------------------------------------------------------------------------------
#: Hypercharge coupling g'^2/(4 pi) = alpha_em(m_Z)/cos^2(theta_W) = 0.010168 (bino dressing of eq. 4.8).
ALPHA_1_MZ: float = c.ALPHA_EM_MZ / (1.0 - c.SIN2_THETA_W)
#: 64-point Gauss-Legendre rule mapped to [0, 1] (the triangle integrands below are smooth there).
_GL_X, _GL_WRAW = __import__("numpy").polynomial.legendre.leggauss(64)
_GL_T = tuple(0.5 * (_GL_X + 1.0))
_GL_W = tuple(0.5 * _GL_WRAW)


def _gl(f_of_t, *shapes):
    t = jnp.asarray(_GL_T).reshape((-1,) + (1,) * len(jnp.broadcast_shapes(*shapes)))
    w = jnp.asarray(_GL_W).reshape(t.shape)
    return jnp.sum(w * f_of_t(t), axis=0)


def xudd_triangle(m_f: Any, m_1: Any, m_2: Any) -> jax.Array:
    """Triangle loop function H [GeV^-2] of the gaugino dressing in eq. (4.8) (zero external momenta):

    H(M, m1, m2) = 16 pi^2 int d^4k_E/(2 pi)^4 1/((k^2+M^2)(k^2+m1^2)(k^2+m2^2)) = int_0^inf x dx/((x+a)(x+b)(x+c))
                 = a ln a/((a-b)(a-c)) + b ln b/((b-a)(b-c)) + c ln c/((c-a)(c-b)),   a, b, c = M^2, m1^2, m2^2;
    H(M, M, M) = 1/(2 M^2). Evaluated as int_0^1 a t dt/((a t + b(1-t))(a t + c(1-t))) (x = a t/(1-t)), 64-point
    Gauss-Legendre: no cancellation at degenerate masses.
    """
    a, b, cc = _a(m_f) ** 2, _a(m_1) ** 2, _a(m_2) ** 2
    return _gl(lambda t: a * t / ((a * t + b * (1.0 - t)) * (a * t + cc * (1.0 - t))), a.shape, b.shape, cc.shape)


def xudd_triangle_splitting(m_f: Any, m_d: Any, m_u: Any) -> jax.Array:
    """H(M, m_d, m_d) - H(M, m_u, m_d) [GeV^-2] written as one integral (exactly 0 at m_u = m_d):
    int_0^inf x (u - d) dx/((x+a)(x+d)^2(x+u)) = int_0^1 a t (1-t)(u - d) dt/((a t + d(1-t))^2 (a t + u(1-t)));
    -> (u - d)/(6 M^4) for m_d = m_u = M."""
    a, d, u = _a(m_f) ** 2, _a(m_d) ** 2, _a(m_u) ** 2
    return _gl(
        lambda t: a * t * (1.0 - t) * (u - d) / ((a * t + d * (1.0 - t)) ** 2 * (a * t + u * (1.0 - t))),
        a.shape,
        d.shape,
        u.shape,
    )


def psi_x_xudd_coefficient(
    alpha_s: Any = 0.2,
    m_star: Any = 1e9,
    m_susy: Any = 500.0,
    m_gluino: Any = None,
    m_bino: Any = None,
    m_squark_u: Any = None,
    m_squark_d: Any = None,
    alpha_1: Any = ALPHA_1_MZ,
) -> jax.Array:
    """Coefficient G [GeV^-2] of the four-fermion operator L = G eps_abc (psi_X u_a)(d_b s_c) + h.c. (two-component
    spinors of the SU(2)-singlet quarks u^c, d^c, s^c) that the gaugino dressing of W = eps X U^c D^c S^c / M_*
    gives (derivation: docs/derivations/signatures.md sec. 2.2):

    G = [-(2/3) alpha_s m_g (H(m_g, m_d, m_d) - H(m_g, m_u, m_d)) + alpha_1 m_B ((1/9) H(m_B, m_d, m_d)
         + (2/9) H(m_B, m_u, m_d))] / (2 pi M_*),

    with H = :func:`xudd_triangle`, m_d = m(d~_R) = m(s~_R), m_u = m(u~_R). The gluino term is the Fierz-reduced sum
    of the three squark pairs (colour factor -2/3 each) and VANISHES for degenerate squarks; the bino term
    (hypercharges -2/3, 1/3, 1/3) does not. Degenerate spectrum (all = M_susy): G = alpha_1/(12 pi M_* M_susy).
    Masses default to m_susy; gaugino masses real and positive.
    """
    return _xudd_g_mstar(alpha_s, m_susy, m_gluino, m_bino, m_squark_u, m_squark_d, alpha_1) / _a(m_star)


def _xudd_g_mstar(alpha_s, m_susy, m_gluino=None, m_bino=None, m_squark_u=None, m_squark_d=None, alpha_1=ALPHA_1_MZ):
    """G M_* [GeV^-1] (see :func:`psi_x_xudd_coefficient`; kept apart so that float32 lifetimes do not underflow).

    Degenerate spectrum (no mass given: every sparticle at m_susy = M): the gluino splitting integrand carries the
    factor (u - d) = 0, and the triangle is H(M, M, M) = int_0^1 t dt/M^2 = 1/(2 M^2) (the 64-node rule is exact for
    both), so G M_* = alpha_1 M (1/9 + 2/9)/(2 M^2)/(2 pi) = alpha_1/(12 pi M) in closed form: the same value and
    derivatives (alpha_s drops out exactly) without the (..., 64) quadrature arrays, the dominant cost of the Hall
    chain's gradient.
    """
    if m_gluino is None and m_bino is None and m_squark_u is None and m_squark_d is None:
        return _a(alpha_1) / (12.0 * math.pi * _a(m_susy)) + jnp.zeros_like(_a(alpha_s))
    m_g = m_susy if m_gluino is None else m_gluino
    m_b = m_susy if m_bino is None else m_bino
    m_u = m_susy if m_squark_u is None else m_squark_u
    m_d = m_susy if m_squark_d is None else m_squark_d
    gluino = -(2.0 / 3.0) * _a(alpha_s) * _a(m_g) * xudd_triangle_splitting(m_g, m_d, m_u)
    bino = _a(alpha_1) * _a(m_b) * (xudd_triangle(m_b, m_d, m_d) / 9.0 + 2.0 * xudd_triangle(m_b, m_u, m_d) / 9.0)
    return (gluino + bino) / (2.0 * math.pi)


def _xudd_rate_factor(m_psi, c_had, m_baryon, m_meson):
    """Gamma/|G|^2 [GeV^5] of psi_X -> B M (see :func:`psi_x_width_xudd`); 0 for a closed channel."""
    m = _a(m_psi)
    mb2, mm2 = _a(m_baryon) ** 2, _a(m_meson) ** 2
    lam = (m**2 - mb2 - mm2) ** 2 - 4.0 * mb2 * mm2
    p = 0.5 * jnp.sqrt(jnp.where(lam > 0, lam, 0.0)) / m
    w = _a(c_had) * m**2
    return w**2 * p * (m**2 + mb2 - mm2) / (16.0 * math.pi * m**2)


def psi_x_width_xudd(
    m_psi: Any,
    alpha_s: Any = 0.2,
    m_star: Any = 1e9,
    m_susy: Any = 500.0,
    c_had: Any = 0.1,
    m_baryon: Any = 0.0,
    m_meson: Any = 0.0,
    **spectrum,
) -> jax.Array:
    """psi_X width [GeV] for the XUDD operator (derived Hall et al. eq. 4.8): two-body psi_X -> B M through
    G = :func:`psi_x_xudd_coefficient` (``spectrum``: m_gluino, m_bino, m_squark_u, m_squark_d, alpha_1) and the
    hadronic matrix element <B M| eps_abc u_a (d_b s_c) |0> = W x_B with W = C m_psi^2 (this defines the paper's
    dimensionless C):

    Gamma = |G|^2 |W|^2 |p| (m_psi^2 + m_B^2 - m_M^2)/(16 pi m_psi^2) = |G|^2 C^2 m_psi^5/(32 pi)  (m_B, m_M -> 0).

    Default kinematics massless (the printed m_psi^-5 at fixed C); m_baryon, m_meson [GeV] give one channel's
    phase space (e.g. Lambda pi0: 1.1157, 0.1350); a closed channel gets width 0.
    """
    g = _xudd_g_mstar(alpha_s, m_susy, **spectrum) / _a(m_star)
    return g**2 * _xudd_rate_factor(m_psi, c_had, m_baryon, m_meson)


def psi_x_lifetime_xudd(
    m_psi: Any,
    alpha_s: Any = 0.2,
    m_star: Any = 1e9,
    m_susy: Any = 500.0,
    c_had: Any = 0.1,
    m_baryon: Any = 0.0,
    m_meson: Any = 0.0,
    **spectrum,
) -> jax.Array:
    """psi_X lifetime [s] for the XUDD operator, DERIVED Hall et al. eq. (4.8): hbar/:func:`psi_x_width_xudd`.

    Derivation (docs/derivations/signatures.md sec. 2.2): W = eps_abc X U^c_a D^c_b S^c_c/M_* (h_1 = 1; U D D is
    antisymmetric in the down flavours, so the light final states are u d s: Lambda pi, Sigma pi, N Kbar, all open
    at m_psi = 2 GeV; n pi0, p pi- need u d d and are absent). Component vertices psi_X psi_q (squark)^2/M_*; the two
    squarks close into quarks through a gaugino (triangle H, :func:`xudd_triangle`). The gluino contributions of the
    three squark pairs carry the same colour factor -2/3 and cancel exactly by the Fierz identity
    (X u)(d s) + (X d)(s u) + (X s)(u d) = 0 when the squarks are degenerate: what survives is the squark splitting
    (gluino: H(m_g, m_d, m_d) - H(m_g, m_u, m_d) -> (m_u^2 - m_d^2)/(6 M^4) instead of a single pair's 1/(2 M^2);
    :func:`psi_x_xudd_coefficient`) and the bino, whose hypercharges differ. Hadronic: <B M|u(d s)|0> = C m_psi^2
    (defines C), two-body width as for p -> e+ pi0 crossed to psi_X -> B M. At the printed normalisation (alpha_s = 0.2, M_* = 1e9 GeV, all sparticles
    at M_susy = 500 GeV, C = 0.1, m_psi = 2 GeV, massless kinematics):

    tau = 7.10e8 s (M_*/1e9 GeV)^2 (M_susy/500 GeV)^2 (0.1/C)^2 (2 GeV/m_psi)^5 (0.010168/alpha_1)^2,

    7.1e4 x the printed 1e4 s (:func:`hall_eq_4_8`); the M_*, M_susy, C, m_psi exponents agree with print, but with
    degenerate squarks tau does not depend on alpha_s at all, and with split squarks the gluino part gives
    Gamma ~ alpha_s^2, never the printed alpha_s^4. The old call signature (m_psi, alpha_s, m_star, m_susy, c_had)
    is kept. Args: masses in GeV; c_had: C; m_baryon, m_meson: one channel's kinematics (default massless);
    spectrum: m_gluino, m_bino, m_squark_u, m_squark_d (default m_susy), alpha_1.
    """
    inv = _a(m_star) / _xudd_g_mstar(alpha_s, m_susy, **spectrum)  # 1/G, computed so that float32 does not underflow
    return c.GEV_INV_TO_S * inv**2 / _xudd_rate_factor(m_psi, c_had, m_baryon, m_meson)


def hall_eq_4_8(m_psi: Any, alpha_s: Any = 0.2, m_star: Any = 1e9, m_susy: Any = 500.0, c_had: Any = 0.1) -> jax.Array:
    """Hall et al. 2010 eq. (4.8) as printed [s]: tau = 1e4 s (0.2/alpha_s)^4 (M_*/1e9 GeV)^2 (M_susy/500 GeV)^2
    (0.1/C)^2 (2 GeV/m_psi)^5. Kept for comparison; use :func:`psi_x_lifetime_xudd` (derived, 7.1e8 s here)."""
    return (
        1e4
        * (0.2 / _a(alpha_s)) ** 4
        * (_a(m_star) / 1e9) ** 2
        * (_a(m_susy) / 500.0) ** 2
        * (0.1 / _a(c_had)) ** 2
        * (2.0 / _a(m_psi)) ** 5
    )


def psi_x_lhu_channel_sum(sin2_theta_w: Any = c.SIN2_THETA_W) -> jax.Array:
    """Sum over the open three-body channels of a Dirac neutral lepton that mixes with nu_e (or nu_mu), in units of
    G_F^2 m^5 sin^2(theta)/(192 pi^3); massless partons u, d, s, e, mu, nu (m_psi between ~1 and ~3 GeV: tau and
    charm channels closed), Fermi theory (m_psi << m_W), CKM unitarity |V_ud|^2 + |V_us|^2 = 1, no QCD correction.

    With s = sin^2 theta_W and the neutral-current couplings g_L = T3 - Q s, g_R = -Q s (each chirality
    structure of a massless final state gives the muon-decay rate times g^2):
    charged current  psi -> e^- (mu^+ nu_mu), e^- (u dbar, u sbar):                1 + 3
    e^- e^+ nu_e (W and Z exchange interfere, g_L -> g_L + 1):                      (1/2 + s)^2 + s^2
    neutral current  nu_e nu nubar (identical nu_e: factor 2), mu^+ mu^-:          2/4 + 2/4, (1/2 - s)^2 + s^2
                     u ubar, d dbar, s sbar (3 colours):                            3[(1/2 - 2s/3)^2 + (2s/3)^2], 2 x 3[(1/2 - s/3)^2 + (s/3)^2]
    Total 7.253 at s = 0.23129.
    """
    s = _a(sin2_theta_w)
    charged = 1.0 + 3.0
    e_pair = (0.5 + s) ** 2 + s**2
    mu_pair = (0.5 - s) ** 2 + s**2
    neutrinos = 1.0
    up = 3.0 * ((0.5 - 2.0 * s / 3.0) ** 2 + (2.0 * s / 3.0) ** 2)
    down = 2.0 * 3.0 * ((0.5 - s / 3.0) ** 2 + (s / 3.0) ** 2)
    return charged + e_pair + mu_pair + neutrinos + up + down


def psi_x_neutrino_mixing(lam: Any, m_psi: Any, sin_beta: Any = 1.0) -> jax.Array:
    """sin^2 theta of psi_X - neutrino mixing from W = lam L H_u X (Hall et al. eq. 2.2) with <H_u^0> = v_u:

    the mass terms m_psi psi_X psi_Xc + lam v_u psi_X nu make psi_X the Dirac partner of
    cos(theta) psi_Xc + sin(theta) nu with tan(theta) = lam v_u/m_psi, so sin^2 theta = (lam v_u)^2/(m_psi^2 +
    (lam v_u)^2). v_u = v sin(beta), v = 174.10 GeV (m_W = g v/sqrt 2, the normalisation of Hall eq. 2.6).
    """
    mix = _a(lam) * (c.V_HIGGS / math.sqrt(2.0)) * _a(sin_beta)
    return mix**2 / (_a(m_psi) ** 2 + mix**2)


def psi_x_width_lhu(lam: Any, m_psi: Any, sin_beta: Any = 1.0, sin2_theta_w: Any = c.SIN2_THETA_W) -> jax.Array:
    """psi_X width [GeV] for the lam X L H_u operator (derived Hall et al. eq. 4.9): psi_X decays through its
    neutrino admixture via virtual W, Z (m_psi << m_W, "partonic final states nu f f, l+ f_u f_d"):

    Gamma = sin^2(theta) G_F^2 m_psi^5 N/(192 pi^3) = N G_F^2 (lam v_u)^2 m_psi^3/(192 pi^3)  (theta << 1),

    with sin^2 theta from :func:`psi_x_neutrino_mixing` and N = 7.253 from :func:`psi_x_lhu_channel_sum`. psi_X is
    a Dirac fermion (it carries U(1)_X; eqs. 4.6-4.7 give it the Dirac mass m_X X X^c), so only psi -> l^- + ...
    and not its conjugate: a Majorana state would have twice this width.
    """
    mix2 = psi_x_neutrino_mixing(lam, m_psi, sin_beta)
    return mix2 * c.G_FERMI**2 * _a(m_psi) ** 5 * psi_x_lhu_channel_sum(sin2_theta_w) / (192.0 * math.pi**3)


def psi_x_lifetime_lhu(lam: Any, m_psi: Any, sin_beta: Any = 1.0, sin2_theta_w: Any = c.SIN2_THETA_W) -> jax.Array:
    """psi_X lifetime [s] for the lam X L H_u operator, derived Hall et al. eq. (4.9): hbar/:func:`psi_x_width_lhu`.

    tau = 1.64e3 s (1e-10/lam)^2 (2 GeV/m_psi)^3 (1/sin beta)^2 for theta << 1. The printed eq. (4.9) has the same
    scalings with 10 s (:func:`hall_eq_4_9`): the printed lifetime is 164x shorter. No convention accounts for it:
    a Majorana psi_X (x 1/2), v = 246 GeV instead of 174 GeV in the mixing (x 1/2) and hadronic instead of partonic
    channels (O(1)) together give at most a factor of a few; the printed 10 s would need sin^2 theta 164x larger.
    Args: lam: coupling of W = lam L H_u X; m_psi [GeV]; sin_beta: v_u/v (default 1, large tan beta, which the
    paper's formula implicitly assumes: it has no tan beta); sin2_theta_w: weak mixing angle.
    """
    return c.GEV_INV_TO_S / psi_x_width_lhu(lam, m_psi, sin_beta, sin2_theta_w)


def hall_eq_4_9(lam: Any, m_psi: Any) -> jax.Array:
    """Hall et al. 2010 eq. (4.9) as printed [s]: tau = 10 s (1e-10/lam)^2 (2 GeV/m_psi)^3. Kept for comparison;
    use :func:`psi_x_lifetime_lhu` (derived, 1.64e3 s at this normalisation)."""
    return 10.0 * (1e-10 / _a(lam)) ** 2 * (2.0 / _a(m_psi)) ** 3


# ---------------------------------------------------------------------------------------------------------------
# Hall et al. 2010, Section 5.3: temperatures
# ---------------------------------------------------------------------------------------------------------------
# hidden_temperature_ratio (derived eq. 5.2) and hall_eq_5_2 (printed) live in jaxgen._hidden_sector (imported above).


def losp_decay_temperature(lam: Any, m_losp: Any, g_star: Any = 100.0, planck_mass: Any = c.M_PLANCK) -> jax.Array:
    """Visible temperature [GeV] at LOSP decay, Gamma_LOSP = H(T) (derived Hall et al. eq. 5.3).

    T = sqrt(Gamma M_Pl/(sqrt(4 pi^3/45) sqrt(g_*))) = 17.1 GeV (m_LOSP/100 GeV)^(1/2)(lam/1e-8)(g_*/100)^(-1/4),
    with Gamma = lam^2 m_LOSP/(8 pi). The printed 15.5 GeV follows with planck_mass = 1e19 GeV; the printed
    exponent +1/4 of g_* is a typo (derived: -1/4).
    """
    gamma = losp_width_from_coupling(lam, m_losp)
    return jnp.sqrt(gamma * _a(planck_mass) / (_H_COEF * jnp.sqrt(_a(g_star))))


def hall_eq_5_3(lam: Any, m_losp: Any, g_star: Any = 100.0) -> jax.Array:
    """Hall et al. 2010 eq. (5.3) as printed [GeV]: 15.5 GeV (m_LOSP/100 GeV)^(1/2)(lam/1e-8)(g_*/100)^(+1/4)."""
    return 15.5 * (_a(m_losp) / 100.0) ** 0.5 * (_a(lam) / 1e-8) * (_a(g_star) / 100.0) ** 0.25


def hidden_temperature_at_losp_decay(
    lam, m_losp, eps, eta_x, g_x=10.0, g_star=100.0, energy_fraction=0.5, g_star_decay=None
) -> jax.Array:
    """Hidden-sector temperature [GeV] at LOSP decay (derived Hall et al. eq. 5.4).

    T_X,decay = (T_X,i/T)(eq. 5.2 derived) * T_vis,decay(eq. 5.3 derived) * (g_*s(decay)/g_*)^(1/3), the last factor
    from separate entropy conservation in the two sectors (g_X fixed); g_star_decay = None (default) sets it to 1,
    as the paper does. The g_* dependences of (5.2) and (5.3) cancel: T_X,decay is independent of g_* as in the
    printed eq. (5.4), which however prints (g_X/10)^(1/4) where the derivation gives (10/g_X)^(1/4).
    """
    t_vis = losp_decay_temperature(lam, m_losp, g_star)
    ratio = hidden_temperature_ratio(eps, eta_x, g_x, g_star, energy_fraction)
    if g_star_decay is not None:
        ratio = ratio * (_a(g_star_decay) / _a(g_star)) ** (1.0 / 3.0)
    return ratio * t_vis


def hall_eq_5_4(lam: Any, m_losp: Any, eps: Any, g_x: Any = 10.0) -> jax.Array:
    """Hall et al. 2010 eq. (5.4) as printed [GeV]: 0.770 GeV (m_LOSP/100)^(1/2)(lam/1e-8)(1e-3/eps)^(1/4)(g_X/10)^(1/4)."""
    return 0.770 * (_a(m_losp) / 100.0) ** 0.5 * (_a(lam) / 1e-8) * (1e-3 / _a(eps)) ** 0.25 * (_a(g_x) / 10.0) ** 0.25


def hidden_freezeout_temperature(m_x: Any, x_fo: Any = 20.0) -> jax.Array:
    """Hidden-sector freeze-out temperature T_X,fo = m_X/x_fo [GeV] (Hall et al. Sec. 5.3: "few 10 MeV" for a GeV
    hidden mass scale, i.e. x_fo ~ 20-50). The actual x_fo comes from jaxgen.freezeout for a given hidden model."""
    return _a(m_x) / _a(x_fo)


def freezeout_running_ratio(t_x_decay: Any, t_x_fo: Any) -> jax.Array:
    """T_X,decay/T_X,fo (Hall et al. Sec. 5.3). > 1: the hidden sector has not frozen out when the LOSPs decay, so
    the extra symmetric phi_X from LOSP decays is annihilated; < 1: it adds a symmetric relic (the linked-asymmetry
    prediction of Omega_DM/Omega_b is lost)."""
    return _a(t_x_decay) / _a(t_x_fo)


# ---------------------------------------------------------------------------------------------------------------
# Hall et al. 2010, Section 1: non-thermalization of the two sectors
# ---------------------------------------------------------------------------------------------------------------
def thermalization_coupling_bound(
    m_b: Any, g_x: Any = 10.0, g_star: Any = 100.0, g_b: Any = 2.0, energy_fraction: Any = 0.5
) -> jax.Array:
    """Largest lam for which freeze-in heating keeps T_X < T (derived; Hall et al. p. 4 text after eq. 1.2).

    Setting (T_X/T)^4 = (20 f/3)(g_*/g_X) C g_B Gamma M_Pl/(g_*^(3/2) m_B^2) = 1 with Gamma = lam^2 m_B/(8 pi):

        lam_max = sqrt(8 pi * 3 g_X sqrt(g_*) m_B /(20 f C g_B M_Pl)) = 9.7e-8 sqrt(m_B/100 GeV)  (defaults).

    Same sqrt(m_B) scaling as the paper's 1e-6 sqrt(m_B/100 GeV) (:func:`hall_thermalization_bound`), with a
    prefactor ~10 smaller. Args: m_b [GeV]; g_x hidden dof; g_star; g_b spin states of B; energy_fraction f.
    """
    return jnp.sqrt(
        8.0
        * math.pi
        * 3.0
        * _a(g_x)
        * jnp.sqrt(_a(g_star))
        * _a(m_b)
        / (20.0 * _a(energy_fraction) * C_FREEZE_IN * _a(g_b) * c.M_PLANCK)
    )


def hall_thermalization_bound(m_b: Any) -> jax.Array:
    """Hall et al. 2010 p. 4 (after eq. 1.2) as printed: lam < 1e-6 sqrt(m_B/100 GeV)."""
    return 1e-6 * jnp.sqrt(_a(m_b) / 100.0)


def thermalization_ratio(lam: Any, m_b: Any, convention: str = "derived", **kwargs) -> jax.Array:
    """lam / lam_max: < 1 means the two sectors do not thermalise (diagnostic, Hall et al. p. 4).

    convention: "derived" (:func:`thermalization_coupling_bound`, kwargs passed on) or "paper" (1e-6 sqrt(m/100)).
    """
    if convention == "derived":
        return _a(lam) / thermalization_coupling_bound(m_b, **kwargs)
    if convention == "paper":
        return _a(lam) / hall_thermalization_bound(m_b)
    raise ValueError(f"convention must be 'derived' or 'paper', got {convention!r}")


# ---------------------------------------------------------------------------------------------------------------
# Bundle for the Hall chain (status field, vmappable)
# ---------------------------------------------------------------------------------------------------------------
class HallSignatureParams(eqx.Module):
    """Inputs of :func:`hall_signatures` (arrays of any common broadcast shape; all masses in GeV).

    Fields: lam (inter-sector coupling of the LOSP decay), m_losp, m_a (dominant decaying state), m_x (DM mass),
    eps_a (CP asymmetry of a), eta_x (X asymmetry yield), g_a, r, f (Hall eq. 4.1), g_x (hidden relativistic dof),
    g_star, beta_gamma (LHC boost), x_fo (m_X/T_X at hidden freeze-out).
    """

    lam: Any
    m_losp: Any
    m_a: Any
    m_x: Any
    eps_a: Any
    eta_x: Any
    g_a: Any = 2.0
    r: Any = 1.0
    f: Any = 0.0
    g_x: Any = 10.0
    g_star: Any = 100.0
    beta_gamma: Any = 1.0
    x_fo: Any = 20.0


class HallSignatures(eqx.Module):
    """Outputs of :func:`hall_signatures`.

    decay_length_relic [m]: lab decay length with the LOSP width fixed by the DM abundance (eq. 4.2 derived).
    decay_length_coupling [m]: lab decay length from Gamma = lam^2 m_LOSP/(8 pi).
    lifetime_coupling [s]. t_ratio_fi: T_X,i/T (eq. 5.2). t_vis_decay, t_x_decay, t_x_fo [GeV] (eqs. 5.3, 5.4).
    freezeout_ratio: T_X,decay/T_X,fo (> 1: hidden freeze-out still running at LOSP decay).
    thermalization_ratio: lam/lam_max (derived; < 1: sectors stay out of equilibrium).
    status: int32, 0 ok, 1 invalid input (non-positive or non-finite); invalid points carry finite dummy values.
    """

    decay_length_relic: jax.Array
    decay_length_coupling: jax.Array
    lifetime_coupling: jax.Array
    t_ratio_fi: jax.Array
    t_vis_decay: jax.Array
    t_x_decay: jax.Array
    t_x_fo: jax.Array
    freezeout_ratio: jax.Array
    thermalization_ratio: jax.Array
    status: jax.Array


def hall_signatures(p: HallSignatureParams) -> HallSignatures:
    """All Hall et al. 2010 closed-form signatures for one point or for broadcast arrays (a batch of parameter arrays
    needs no vmap: fields broadcast elementwise). To jax.vmap it, every field needs the batch axis (the defaults are
    scalars): build the params with arrays, or use ``jax.vmap(hall_signatures, in_axes=(HallSignatureParams(...
    axes per field),))``.

    Invalid points (any input <= 0 or non-finite; f < 0 or non-finite) get status 1 and are evaluated at a safe
    dummy point (all inputs 1) so that no NaN or inf leaks into a batch or into gradients.
    """
    names = ("lam", "m_losp", "m_a", "m_x", "eps_a", "eta_x", "g_a", "r", "g_x", "g_star", "beta_gamma", "x_fo")
    dtype = _float_dtype(*(getattr(p, k) for k in names), p.f)
    vals = {k: jnp.asarray(getattr(p, k), dtype=dtype) for k in names}
    f = jnp.asarray(p.f, dtype=dtype)
    shape = jnp.broadcast_shapes(*(v.shape for v in vals.values()), f.shape)
    ok = jnp.ones(shape, bool)
    for v in vals.values():
        ok = ok & jnp.isfinite(v) & (v > 0)
    ok = ok & jnp.isfinite(f) & (f >= 0)
    s = {k: jnp.where(ok, v, 1.0) for k, v in vals.items()}
    f = jnp.where(ok, f, 0.0)
    length_relic = losp_decay_length(
        s["eps_a"], s["m_x"], s["m_a"], s["m_losp"], s["g_a"], s["r"], f, s["g_star"], s["beta_gamma"]
    )
    width = losp_width_from_coupling(s["lam"], s["m_losp"])
    t_ratio = hidden_temperature_ratio(s["eps_a"], s["eta_x"], s["g_x"], s["g_star"])
    t_vis = losp_decay_temperature(s["lam"], s["m_losp"], s["g_star"])
    t_x = t_ratio * t_vis
    t_fo = hidden_freezeout_temperature(s["m_x"], s["x_fo"])
    out = HallSignatures(
        decay_length_relic=length_relic,
        decay_length_coupling=s["beta_gamma"] * c.GEV_INV_TO_M / width,
        lifetime_coupling=c.GEV_INV_TO_S / width,
        t_ratio_fi=t_ratio,
        t_vis_decay=t_vis,
        t_x_decay=t_x,
        t_x_fo=t_fo,
        freezeout_ratio=freezeout_running_ratio(t_x, t_fo),
        thermalization_ratio=s["lam"] / thermalization_coupling_bound(s["m_losp"], s["g_x"], s["g_star"], s["g_a"]),
        status=jnp.where(ok, STATUS_OK, STATUS_INVALID_INPUT).astype(jnp.int32),
    )
    return jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, shape), out)


# ---------------------------------------------------------------------------------------------------------------
# Ardu et al. 2025, eq. (27) and the BBN check
# ---------------------------------------------------------------------------------------------------------------
def nlsp_width(m_nlsp: Any, m_32: Any, planck_mass: Any = c.M_PLANCK_REDUCED) -> jax.Array:
    """Width [GeV] of a scalar NLSP -> (massless partner) + gravitino (Ardu et al. 2025 eq. 27, derived):

    Gamma = m^5 (1 - m_3/2^2/m^2)^4 / (48 pi m_3/2^2 M^2), M the REDUCED Planck mass 2.435e18 GeV (goldstino
    coupling 1/(sqrt(3) m_3/2 M); e.g. Feng, Su, Takayama 2004). Args: m_nlsp, m_32 [GeV] (m_32 < m_nlsp).
    """
    m, g = _a(m_nlsp), _a(m_32)
    # written as m (m/M)^2 (m/m_3/2)^2 so that float32 does not overflow (m_3/2^2 M^2 ~ 1e39 GeV^4)
    return m * (m / _a(planck_mass)) ** 2 * (m / g) ** 2 * (1.0 - (g / m) ** 2) ** 4 / (48.0 * math.pi)


def nlsp_lifetime(m_nlsp: Any, m_32: Any, planck_mass: Any = c.M_PLANCK_REDUCED) -> jax.Array:
    """NLSP lifetime [s] = hbar/Gamma with :func:`nlsp_width`: 1.84 s at m = 2 TeV, m_3/2 = 10 GeV (printed 1.6 s)."""
    return c.GEV_INV_TO_S / nlsp_width(m_nlsp, m_32, planck_mass)


def ardu_eq_27(m_nlsp: Any, m_32: Any) -> jax.Array:
    """Ardu et al. 2025 eq. (27) as printed [s]: t = 1.6 s (2 TeV/m)^5 (m_3/2/10 GeV)^2."""
    return 1.6 * (2000.0 / _a(m_nlsp)) ** 5 * (_a(m_32) / 10.0) ** 2


#: The hadronic BBN bound quoted by Ardu et al. 2025 (Sec. 4, after eq. 27) from Kawasaki, Kohri, Moroi,
#: PLB 625 (2005) 7 [astro-ph/0402490] (4He mass fraction, hadronic branching ratio 1e-3):
#: m Y <= 1e-7 GeV at t = 1 s and <= 1e-8 GeV at t = 10 s.
_BBN_T = (1.0, 10.0)
_BBN_MY = (1e-7, 1e-8)


def bbn_hadronic_bound(lifetime: Any) -> tuple[jax.Array, jax.Array]:
    """Upper bound on m_NLSP Y_NLSP [GeV] vs lifetime [s] (Ardu et al. 2025 Sec. 4 quoting Kawasaki-Kohri-Moroi 2005,
    B_h = 1e-3). Log-log interpolation between the two quoted points: (1 s, 1e-7 GeV) and (10 s, 1e-8 GeV), i.e.
    bound = 1e-7 GeV (1 s / t) on [1, 10] s.

    Returns (bound, status). Outside the quoted range the end value is returned and flagged: status 2 for t < 1 s
    (the true bound is weaker there, so the 1 s value is conservative), status 3 for t > 10 s (the true bound is
    stronger; the 10 s value is NOT conservative). status 0 inside.
    """
    t = _a(lifetime)
    lt = jnp.log10(jnp.clip(t, _BBN_T[0], _BBN_T[1]))
    slope = (math.log10(_BBN_MY[1]) - math.log10(_BBN_MY[0])) / (math.log10(_BBN_T[1]) - math.log10(_BBN_T[0]))
    bound = 10.0 ** (math.log10(_BBN_MY[0]) + slope * (lt - math.log10(_BBN_T[0])))
    status = jnp.where(
        t < _BBN_T[0], STATUS_LIFETIME_BELOW_RANGE, jnp.where(t > _BBN_T[1], STATUS_LIFETIME_ABOVE_RANGE, STATUS_OK)
    ).astype(jnp.int32)
    return bound, status


class BBNCheck(eqx.Module):
    """Result of :func:`bbn_check`. lifetime [s]; m_y = m_NLSP Y_NLSP [GeV]; bound [GeV]; margin = m_y/bound
    (< 1 allowed); status: 0 ok, 1 invalid input, 2 lifetime < 1 s, 3 lifetime > 10 s (see bbn_hadronic_bound)."""

    lifetime: jax.Array
    m_y: jax.Array
    bound: jax.Array
    margin: jax.Array
    status: jax.Array


def bbn_check(m_nlsp: Any, y_nlsp: Any, m_32: Any, planck_mass: Any = c.M_PLANCK_REDUCED) -> BBNCheck:
    """BBN check of Ardu et al. 2025 (Sec. 4): m_NLSP Y_NLSP against the hadronic bound at the eq. (27) lifetime.

    Args: m_nlsp, m_32 [GeV]; y_nlsp: NLSP yield n/s (the asymmetric yield; see :func:`asymmetric_nlsp_yield`).
    Invalid inputs (non-positive, m_32 >= m_nlsp, non-finite) give status 1 and finite dummy values.
    """
    dtype = _float_dtype(m_nlsp, y_nlsp, m_32)
    m, y, g = (jnp.asarray(v, dtype=dtype) for v in (m_nlsp, y_nlsp, m_32))
    ok = jnp.isfinite(m) & jnp.isfinite(y) & jnp.isfinite(g) & (m > 0) & (y > 0) & (g > 0) & (g < m)
    m, y, g = jnp.where(ok, m, 2.0), jnp.where(ok, y, 1.0), jnp.where(ok, g, 1.0)
    tau = nlsp_lifetime(m, g, planck_mass)
    bound, st = bbn_hadronic_bound(tau)
    m_y = m * y
    shape = jnp.broadcast_shapes(m.shape, y.shape, g.shape)
    out = BBNCheck(
        lifetime=tau,
        m_y=m_y,
        bound=bound,
        margin=m_y / bound,
        status=jnp.where(ok, st, STATUS_INVALID_INPUT).astype(jnp.int32),
    )
    return jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, shape), out)


def asymmetric_nlsp_yield(
    m_32: Any, baryon_yield: Any = c.PLANCK_2018.baryon_yield, dm_to_baryon: Any = c.ARDU_2025.dm_to_baryon
) -> jax.Array:
    """Surviving NLSP asymmetric yield Delta Y_NLSP that gives the observed DM as gravitinos of mass m_3/2 [GeV]
    (Ardu et al. 2025 eq. 25 inverted; with washout, eq. 26, this is the yield after washout):
    Delta Y_NLSP = (Omega_DM/Omega_b) m_p Delta Y_B / m_3/2.

    Default dm_to_baryon = 26.5/4.9 = 5.408 (the ratio behind Table 2's m_3/2) and Delta Y_B = Planck 2018
    8.63e-11: 5.27e-11 for m_3/2 = 8.3 GeV (Table 2, l_R). The paper's eq. (25) "Omega ratio ~5" gives 4.88e-11;
    the BBN discussion in docs/derivations/signatures.md (sec. 7) and its test use that value (dm_to_baryon=5.0),
    the chain ``jaxgen.scenarios.rsymmetric_adm`` takes y_NLSP = (Delta Y_NLSP/Delta Y_B) Delta Y_B from the
    equilibrium solution (237/388 for l_R), which equals this default at the m_3/2 it predicts with 26.5/4.9.
    """
    return _a(dm_to_baryon) * c.M_PROTON * _a(baryon_yield) / _a(m_32)
