"""CP asymmetries for asymmetric freeze-in from the gaugino-higgsino sector (Hall, March-Russell, West 2010, Sec. 2).

Units: GeV for masses, radians for phases; asymmetries are dimensionless.

Contents (derivations in docs/derivations/cp_asymmetry.md):

- :class:`GauginoHiggsinoParams`: real moduli |M1|, |M2|, |mu| [GeV], tan(beta), and the phases of M1, M2, mu as
  separate real fields (best for gradient fits), plus m_W, m_Z, sin^2(theta_W) with PDG defaults.
- Chargino (2x2) and neutralino (4x4) mass matrices in the SLHA / Haber-Kane conventions, and their spectra through
  the differentiable decompositions of ``kernels._takagi`` (SVD ``U^* X V^dagger = diag`` and Takagi
  ``N^* M N^dagger = diag``, masses ascending and non-negative).
- Tree couplings and widths of chi -> l phi_X from Delta W = lambda L H_u X (Hall et al. eq. 2.2).
- The master formulae: the three-amplitude asymmetry of Hall et al. eq. (1.4) with complex amplitudes, and the
  tree/one-loop interference formula eq. (2.5), both re-derived (see the discrepancies below).
- The mass-insertion limit of Sec. 2.1: couplings C0 (eq. 2.6) and C1, Im[C0 C1^*], the rephasing-invariant phase
  phi_2 = arg(mu M2 b^*), and eps = eps0 alpha_w sin(phi_2) (eq. 2.7) with the on-shell-cut condition evaluated on the
  exact spectrum.

eps from the spectrum: this module's :func:`epsilon_gaugino_higgsino` is the eq. (2.7) parameterization (eps0 an
input; the spectrum gives phi_2 and the open cuts). eps itself is computed from the spectrum and its phases by
:mod:`jaxgen._cp_loops` (:func:`jaxgen.cp.cp_asymmetries_from_spectrum`, :func:`jaxgen.cp.epsilon_from_spectrum`;
docs/derivations/cp_from_spectrum.md), with the mass matrices, mixings and couplings defined here. Included there: the
one-loop absorptive parts by unitarity of every open two-body cut (chi W, chi Z, chi h; vertex graphs = t-channel
lepton exchange, self-energy/mixing graphs = s-channel chargino/neutralino exchange, Fig. 3 of Hall et al.) at
O(lambda^2 g^2), the CPT/unitarity sum rule over the l phi_X and visible channels, and a width resonance regulator for
nearly degenerate states (Pilaftsis & Underwood, hep-ph/0309342). Not included: slepton exchange and cuts (sleptons
decoupled), the heavy Higgs states H, A, H+- (decoupling limit, h with SM-like couplings), the X fermion, three-body
cuts, the dispersive loop parts (CP-even rate corrections, higher order), thermal corrections, and phases of lambda_k
(the W/Z/h loops are flavour-blind: eps does not depend on lambda at this order). :func:`interference_epsilon` still
takes phase-space integrated loop functions as inputs for anyone who supplies others.

Discrepancies with the printed paper (each tested in tests/jaxgen/test_cp.py):

1. Eq. (2.5) sign. With M = C0 A0 + C1 A1 for the process and the conjugate couplings for the CP-conjugate process,
   |M|^2 - |Mbar|^2 = -4 Im(C0 C1^*) Im(A0 A1^*), so eps = -2 Im(C0 C1^*) Int Im(A0 A1^*) / (|C0|^2 Int |A0|^2).
   The printed eq. (2.5) has +2 (it holds if M is taken as the amplitude of the conjugate process). Implemented:
   the derivation. No printed number depends on it (eps0 in eq. 2.7 is an unspecified number of either sign).
2. Eq. (1.4) normalisation. With standard relativistic normalisation (Gamma = |A|^2 m_B / 16 pi for a dimensionless
   two-body amplitude A, two-body phase space 1/8 pi) unitarity gives
   eps = -Im(A1 A12 A2^*) / (8 pi |A2|^2) and eta_X = eps Y_X = -C_FI (M_Pl/m_B) Im(A1 A12 A2^*) / (128 pi^2),
   i.e. a factor pi larger than the printed 1/(128 pi^3) (and the CP-sign convention of item 1). Implemented: the
   derivation. C_FI of eqs. (1.1), (1.4), (1.5) is the whole coefficient 1.64 g_B/(g_*s sqrt(g_*rho)) that goes with
   the REDUCED Planck mass (1.64 = 0.3278 M_Pl/M_Pl,reduced), so :func:`master_formula_eta` uses the reduced Planck
   mass by default. Consequence: at the reference values of eq. (1.5) (C_FI = 1e-3, |A1| = 1,
   |A2| = |A12| = 1e-6 sqrt(m_B/100 GeV), sin(phi) = 1) eta_X = 1.9e-2; the printed 1/128 pi^3 gives 6.1e-3, the
   text's "~ 10^-2".
3. The printed Im[C0 (C1)^*] = "g2/2 m_W^2 |lambda|^2 Im[mu^* m2^* sin 2beta^*]" follows from the printed C0 (eq. 2.6)
   and C1 only if "g2" is the SU(2) coupling g_2 (a subscript lost in extraction), not g^2. Implemented: g_2 / 2.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.core  # jax.core.Tracer: pyright does not see the submodule through a plain `import jax`
import jax.numpy as jnp

from jaxgen_kernels import _status as _kstatus
from jaxgen_kernels._takagi import svd_ascending, takagi

from . import _constants as c

__all__ = [
    "GauginoHiggsinoParams",
    "CharginoSpectrum",
    "NeutralinoSpectrum",
    "LambdaWidths",
    "OpenCuts",
    "CPAsymmetry",
    "chargino_mass_matrix",
    "neutralino_mass_matrix",
    "chargino_spectrum",
    "neutralino_spectrum",
    "physical_phases",
    "lambda_couplings",
    "lambda_decay_widths",
    "master_formula_epsilon",
    "master_formula_eta",
    "interference_epsilon",
    "mass_insertion_couplings",
    "mass_insertion_im_c0c1",
    "epsilon_eq27",
    "open_cuts",
    "epsilon_gaugino_higgsino",
    "STATUS_OK",
    "STATUS_NO_OPEN_CUT",
    "STATUS_BAD_SPECTRUM",
    "CPStatus",
    "status_names",
]

STATUS_OK = 0
STATUS_NO_OPEN_CUT = 1  # valid point, but no on-shell cut is open: eps = 0 exactly (e.g. the LOSP)
STATUS_BAD_SPECTRUM = 2  # non-finite or non-positive input / spectrum: eps set to 0, flag the point
#: The vocabulary of the CP-asymmetry status (single-valued codes); decode with :func:`status_names`.
CPStatus = _kstatus.enum_vocabulary(
    "CPStatus",
    {
        "OK": (STATUS_OK, "ok"),
        "NO_OPEN_CUT": (STATUS_NO_OPEN_CUT, "no on-shell cut is open: eps = 0 exactly (a valid physical result)"),
        "BAD_SPECTRUM": (STATUS_BAD_SPECTRUM, "non-finite or non-positive input or spectrum: eps set to 0"),
    },
    module=__name__,
)


def status_names(code) -> list[str]:
    """snake_case names of one CP status code (``[]`` for ok), e.g. ``["no_open_cut"]``."""
    return _kstatus.decode(CPStatus, code)


_G2_DEFAULT = math.sqrt(4.0 * math.pi * c.ALPHA_W)


def _is_concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


class GauginoHiggsinoParams(eqx.Module):
    """Gaugino-higgsino sector with complex M1, M2, mu (moduli and phases as separate real fields).

    Conventions (SLHA / Haber-Kane): soft masses M1 = |M1| e^{i phi_1}, M2 = |M2| e^{i phi_2}, superpotential
    mu = |mu| e^{i phi_mu}; the Higgs vevs v_u, v_d are real and positive (b real), tan(beta) = v_u / v_d. The
    rephasing invariants are arg(mu M2 b^*) = phi_mu + phi_2 and arg(mu M1 b^*) = phi_mu + phi_1
    (see :func:`physical_phases`); Hall et al. Sec. 2.1 call the first one phi_2.

    Fields:
        M1, M2, mu: moduli [GeV], > 0.
        tan_beta: tan(beta) > 0.
        phi_1, phi_2, phi_mu: phases of M1, M2, mu [rad].
        m_W, m_Z: gauge boson masses [GeV] (PDG defaults from ``jaxgen.constants``).
        sin2_theta_w: sin^2(theta_W) (default ``jaxgen.constants.SIN2_THETA_W``).

    All fields are arrays (any common batch shape works with ``jax.vmap``); gradients flow through all of them.
    """

    M1: float | jax.Array
    M2: float | jax.Array
    mu: float | jax.Array
    tan_beta: float | jax.Array
    phi_1: float | jax.Array = 0.0
    phi_2: float | jax.Array = 0.0
    phi_mu: float | jax.Array = 0.0
    m_W: float | jax.Array = c.M_W
    m_Z: float | jax.Array = c.M_Z
    sin2_theta_w: float | jax.Array = c.SIN2_THETA_W

    def __check_init__(self):
        # Setup-time checks for single points (scalar fields). Batched (array) fields are not checked here so that
        # one bad point does not abort a sweep: epsilon_gaugino_higgsino flags it with STATUS_BAD_SPECTRUM.
        for name in ("M1", "M2", "mu", "tan_beta", "m_W", "m_Z"):
            x = getattr(self, name)
            if _is_concrete(x) and jnp.ndim(x) == 0:
                try:
                    bad = bool(jnp.any(~(jnp.asarray(x) > 0)))
                except TypeError:  # e.g. object() sentinels from pytree utilities
                    continue
                if bad:
                    raise ValueError(
                        f"GauginoHiggsinoParams.{name} must be a positive modulus (GeV, or tan(beta) > 0); got {x!r}. "
                        "Put signs into the phase fields (phi_1, phi_2, phi_mu = pi for a negative mass)."
                    )
        x = self.sin2_theta_w
        if _is_concrete(x) and jnp.ndim(x) == 0:
            try:
                bad = bool(jnp.any(~((jnp.asarray(x) > 0) & (jnp.asarray(x) < 1))))
            except TypeError:
                bad = False
            if bad:
                raise ValueError(f"GauginoHiggsinoParams.sin2_theta_w must lie in (0, 1); got {x!r}.")


def _cplx(modulus, phase):
    modulus = jnp.asarray(modulus)
    phase = jnp.asarray(phase)
    return modulus * (jnp.cos(phase) + 1j * jnp.sin(phase))


def _beta(p):
    tb = jnp.asarray(p.tan_beta)
    cb = 1.0 / jnp.sqrt(1.0 + tb**2)
    return tb * cb, cb  # sin(beta), cos(beta)


def chargino_mass_matrix(p: GauginoHiggsinoParams) -> jax.Array:
    """Chargino mass matrix X [GeV] (SLHA): L = -psi^-T X psi^+ + h.c., psi^+ = (W~+, H~u+), psi^- = (W~-, H~d-).

    X = [[M2, sqrt(2) m_W sin(beta)], [sqrt(2) m_W cos(beta), mu]]  (Haber-Kane eq. C.8; SLHA1 sec. 2.5).
    Returns a complex array of shape (..., 2, 2).
    """
    sb, cb = _beta(p)
    m2 = _cplx(p.M2, p.phi_2)
    mu = _cplx(p.mu, p.phi_mu)
    mw = jnp.asarray(p.m_W)
    r2 = math.sqrt(2.0)
    shape = jnp.broadcast_shapes(jnp.shape(m2), jnp.shape(mu), jnp.shape(sb), jnp.shape(mw))
    row0 = jnp.stack(jnp.broadcast_arrays(m2, r2 * mw * sb + 0j), axis=-1)
    row1 = jnp.stack(jnp.broadcast_arrays(r2 * mw * cb + 0j, mu), axis=-1)
    out = jnp.stack([row0, row1], axis=-2)
    return jnp.broadcast_to(out, (*shape, 2, 2))


def neutralino_mass_matrix(p: GauginoHiggsinoParams) -> jax.Array:
    """Neutralino mass matrix M_N [GeV] (SLHA): L = -1/2 psi0^T M_N psi0 + h.c., psi0 = (B~, W~3, H~d0, H~u0).

    M_N = [[M1, 0, -mZ cb sW, mZ sb sW], [0, M2, mZ cb cW, -mZ sb cW], [-mZ cb sW, mZ cb cW, 0, -mu],
           [mZ sb sW, -mZ sb cW, -mu, 0]]  (Haber-Kane eq. C.37; SLHA1 sec. 2.5).
    Returns a complex symmetric array of shape (..., 4, 4).
    """
    sb, cb = _beta(p)
    m1 = _cplx(p.M1, p.phi_1)
    m2 = _cplx(p.M2, p.phi_2)
    mu = _cplx(p.mu, p.phi_mu)
    mz = jnp.asarray(p.m_Z)
    sw2 = jnp.asarray(p.sin2_theta_w)
    sw, cw = jnp.sqrt(sw2), jnp.sqrt(1.0 - sw2)
    zero = jnp.zeros_like(m1)
    a = -mz * cb * sw + 0j
    b = mz * sb * sw + 0j
    d = mz * cb * cw + 0j
    e = -mz * sb * cw + 0j
    rows = [
        [m1, zero, a, b],
        [zero, m2, d, e],
        [a, d, zero, -mu],
        [b, e, -mu, zero],
    ]
    rows = [jnp.stack(jnp.broadcast_arrays(*r), axis=-1) for r in rows]
    return jnp.stack(jnp.broadcast_arrays(*rows), axis=-2)


class CharginoSpectrum(eqx.Module):
    """Chargino masses [GeV] (ascending, >= 0) and mixing matrices, U^* X V^dagger = diag(masses) (SLHA).

    chi^-_i = U_ij psi^-_j, chi^+_i = V_ij psi^+_j. Gauge: V_ii real and >= 0 (``kernels.svd_ascending``).
    """

    masses: jax.Array
    U: jax.Array
    V: jax.Array


class NeutralinoSpectrum(eqx.Module):
    """Neutralino masses [GeV] (ascending, >= 0) and mixing matrix, N^* M_N N^dagger = diag(masses) (SLHA).

    chi0_i = N_ij psi0_j; N is complex (no negative mass eigenvalues). Gauge: each row's component of largest
    |Re| has positive real part (``kernels.takagi``).
    """

    masses: jax.Array
    N: jax.Array


def chargino_spectrum(p: GauginoHiggsinoParams) -> CharginoSpectrum:
    """Chargino masses and mixing (SLHA convention), differentiable; see ``kernels.svd_ascending`` for gradients.

    Gradients are finite everywhere; the mixing matrices are exactly non-differentiable only at an exact chargino
    mass degeneracy (|M2| = |mu| with vanishing mixing), where the derivative inside the degenerate pair is set to 0.
    """
    s, u, v = svd_ascending(chargino_mass_matrix(p))
    return CharginoSpectrum(masses=s, U=u, V=v)


def neutralino_spectrum(p: GauginoHiggsinoParams) -> NeutralinoSpectrum:
    """Neutralino masses and mixing (SLHA convention), differentiable; see ``kernels.takagi`` for gradients.

    The mixing matrix is exactly non-differentiable only at an exact mass degeneracy or a massless neutralino
    (measure-zero sets, e.g. m_Z -> 0); there the derivative inside the degenerate subspace is set to 0 and stays
    finite. Nearly degenerate higgsino pairs (splitting ~ m_Z^2 / |M|) give large but exact mixing derivatives.
    """
    s, n = takagi(neutralino_mass_matrix(p))
    return NeutralinoSpectrum(masses=s, N=n)


def physical_phases(p: GauginoHiggsinoParams):
    """Rephasing-invariant phases (phi_1, phi_2) = (arg(mu M1 b^*), arg(mu M2 b^*)) [rad], wrapped to (-pi, pi].

    With real b (real vevs) these are phi_mu + phi_1 and phi_mu + phi_2. phi_2 is the phase of Hall et al. Sec. 2.1
    (phi_2 = arg[mu m2 b^*] = arg[mu m2 sin 2beta]), which survives the limit M1 -> infinity.
    """
    w = lambda x: jnp.angle(jnp.exp(1j * x))  # noqa: E731
    return w(jnp.asarray(p.phi_mu) + p.phi_1), w(jnp.asarray(p.phi_mu) + p.phi_2)


# --------------------------------------------------------------------------------------------- tree couplings, widths
def lambda_couplings(p: GauginoHiggsinoParams, lam=1.0, lam_phase=0.0, *, charginos=None, neutralinos=None):
    """Tree couplings of the mass eigenstates to (lepton, phi_X) from Delta W = lambda L H_u X (Hall et al. eq. 2.2).

    With L.H_u = nu H_u^0 - e H_u^+ the fermion terms are -lambda phi_X (nu H~u0 - e H~u+) + h.c. Using
    H~u+ = V_a2^* chi^+_a and H~u0 = N_a4^* chi0_a, the amplitudes are (up to a common sign)
    chi~^-_a -> l^- phi_X : y^-_a = lambda^* V_a2 ;   chi0_a -> nu phi_X : y^0_a = lambda^* N_a4 .

    Args:
        lam, lam_phase: |lambda| (dimensionless) and its phase [rad] (one lepton flavour).
        charginos, neutralinos: precomputed spectra (optional).
    Returns:
        (y_chargino (..., 2), y_neutralino (..., 4)), complex.
    """
    ch = chargino_spectrum(p) if charginos is None else charginos
    ne = neutralino_spectrum(p) if neutralinos is None else neutralinos
    lam_c = jnp.conj(_cplx(lam, lam_phase))
    return lam_c[..., None] * ch.V[..., :, 1], lam_c[..., None] * ne.N[..., :, 3]


class LambdaWidths(eqx.Module):
    """Tree widths [GeV] to (lepton, phi_X), one lepton flavour, massless lepton.

    chargino: Gamma(chi~^-_a -> l^- phi_X) (= Gamma(chi~^+_a -> l^+ phi_X^*) at tree level), shape (..., 2).
    neutralino: Gamma(chi0_a -> nu phi_X) + Gamma(chi0_a -> nubar phi_X^*) (the denominator of eq. 2.4), (..., 4).
    """

    chargino: jax.Array
    neutralino: jax.Array


def lambda_decay_widths(
    p: GauginoHiggsinoParams, lam=1.0, m_phi=0.0, *, charginos=None, neutralinos=None
) -> LambdaWidths:
    """Tree widths of chi -> l phi_X [GeV] (Hall et al. eq. 2.2 interaction; used in Y_X of eq. 1.1).

    Gamma = |y|^2 m (1 - m_phi^2/m^2)^2 / (32 pi) per charge-conjugate channel, y from :func:`lambda_couplings`;
    zero (not NaN) below threshold m <= m_phi. ``lam`` is |lambda|, ``m_phi`` the phi_X mass [GeV].
    """
    ch = chargino_spectrum(p) if charginos is None else charginos
    ne = neutralino_spectrum(p) if neutralinos is None else neutralinos
    lam2 = jnp.abs(jnp.asarray(lam))[..., None] ** 2  # batch axes of lam / m_phi line up with the spectrum's
    m_phi = jnp.asarray(m_phi)[..., None]

    def one(m, mix2):
        open_ = m > m_phi
        msafe = jnp.where(open_, m, 1.0)
        r = m_phi**2 / msafe**2
        return jnp.where(open_, lam2 * mix2 * msafe * (1.0 - r) ** 2 / (32.0 * math.pi), 0.0)

    gc = one(ch.masses, jnp.abs(ch.V[..., :, 1]) ** 2)
    gn = 2.0 * one(ne.masses, jnp.abs(ne.N[..., :, 3]) ** 2)
    return LambdaWidths(chargino=gc, neutralino=gn)


# ----------------------------------------------------------------------------------------------- master formulae
def master_formula_epsilon(A1, A2, A12):
    """CP asymmetry per decay from three dimensionless amplitudes (Hall et al. eq. 1.4, re-derived).

    B -> B2 B3 (A1, visible), B -> B4 X (A2, feeble), and the re-scattering B2 B3 -> B4 X (A12); amplitudes made
    dimensionless with m_B, s-wave, massless final states. Unitarity (Cutkosky) gives the absorptive part of the
    B -> B4 X amplitude, A2 + (i/2) Phi2 A12 A1 with Phi2 = 1/(8 pi), and for the conjugate process the conjugate
    couplings, so

        eps = [Gamma(B -> B4 X) - Gamma(Bbar -> B4bar Xbar)] / [sum] = -Im(A1 A12 A2^*) / (8 pi |A2|^2).

    Complex inputs, any broadcastable shapes; returns 0 where A2 = 0 (no tree, no asymmetry is defined).
    """
    A1, A2, A12 = (jnp.asarray(x) + 0j for x in (A1, A2, A12))
    den = jnp.abs(A2) ** 2
    ok = den > 0
    return jnp.where(ok, -jnp.imag(A1 * A12 * jnp.conj(A2)) / (8.0 * math.pi * jnp.where(ok, den, 1.0)), 0.0)


def master_formula_eta(A1, A2, A12, m_B, c_fi, m_planck=c.M_PLANCK_REDUCED, *, g_b=None, g_s=None, g_rho=None):
    """X asymmetry eta_X = eps Y_X from eq. (1.4) of Hall et al., re-derived (dimensionless).

    Y_X = C_FI M_Pl Gamma / m_B^2 (eq. 1.1) with Gamma = |A2|^2 m_B / (16 pi) and eps from
    :func:`master_formula_epsilon`:  eta_X = -C_FI (M_Pl / m_B) Im(A1 A12 A2^*) / (128 pi^2).
    The printed eq. (1.4) has 128 pi^3 (a factor pi smaller) and the opposite CP-sign convention.

    Planck-mass convention: Hall et al.'s C_FI = 1.64 g_B/(g_*s sqrt(g_*rho)) (eq. 1.1) is normalised with the
    REDUCED Planck mass 2.435e18 GeV (the same yield with M_Pl = 1.221e19 GeV has 0.3278 in place of 1.64), so the
    default ``m_planck`` is the reduced one. Pass ``m_planck=constants.M_PLANCK`` only together with a C_FI built
    from 0.3278 (:func:`jaxgen.freezein.hall_c_fi` ``("full")``): the product C_FI M_Pl is what matters.

    Args: A1, A2, A12 complex dimensionless; m_B [GeV]; m_planck [GeV];
        c_fi: C_FI of eq. (1.1). Without g_b, g_s: the whole coefficient 1.64 g_B/(g_*s sqrt(g_*rho)) (of order
            1e-3, the normalisation of eq. 1.5). With g_b and g_s given: the bare constant (the paper's 1.64), which
            is then multiplied by g_b/(g_s sqrt(g_rho)) (g_rho defaults to g_s).
    """
    A1, A2, A12 = (jnp.asarray(x) + 0j for x in (A1, A2, A12))
    if (g_b is None) != (g_s is None):
        raise ValueError("give both g_b and g_s (c_fi is then the bare 1.64), or neither (c_fi includes them)")
    coef = jnp.asarray(c_fi)
    if g_b is not None:
        g_rho = g_s if g_rho is None else g_rho
        coef = coef * jnp.asarray(g_b) / (jnp.asarray(g_s) * jnp.sqrt(jnp.asarray(g_rho)))
    return -coef * (m_planck / m_B) * jnp.imag(A1 * A12 * jnp.conj(A2)) / (128.0 * math.pi**2)


def interference_epsilon(C0, C1, tree_integral, loop_im_integrals):
    """Tree/one-loop interference asymmetry (Hall et al. eq. 2.5, re-derived sign).

    M = C0 A0 + sum_n C1n A1n (couplings C, kinematic amplitudes A); the CP-conjugate process has C -> C^*. Then

        eps = -2 sum_n Im(C0 C1n^*) Int dPi Im(A0 A1n^*) / (|C0|^2 Int dPi |A0|^2).

    Args:
        C0: tree coupling (complex, shape (...)).
        C1: loop couplings (complex, shape (..., n_diagrams)).
        tree_integral: Int dPi |A0|^2 (real > 0, shape (...)).
        loop_im_integrals: Int dPi Im(A0 A1n^*) (real, shape (..., n_diagrams)); zero for a diagram with no
            kinematically open cut with L at the cut different from the final state.
    Returns eps (real, shape (...)); 0 where the tree vanishes. The printed eq. (2.5) has +2 (see module docstring).
    """
    C0 = jnp.asarray(C0) + 0j
    C1 = jnp.asarray(C1) + 0j
    num = -2.0 * jnp.sum(jnp.imag(C0[..., None] * jnp.conj(C1)) * jnp.asarray(loop_im_integrals), axis=-1)
    den = jnp.abs(C0) ** 2 * jnp.asarray(tree_integral)
    ok = den > 0
    return jnp.where(ok, num / jnp.where(ok, den, 1.0), 0.0)


# ------------------------------------------------------------------------------------------ mass-insertion limit
def mass_insertion_couplings(p: GauginoHiggsinoParams, lam=1.0, lam_phase=0.0, g2=_G2_DEFAULT):
    """Couplings of the mass-insertion diagrams of Hall et al. Sec. 2.1 (Fig. 4), for W~^-_L -> l^-_L phi_X.

    C0 = -sqrt(2) m_W lambda^* sin(beta)                         [GeV]    (eq. 2.6; b real so sin(beta)^* = sin(beta))
    C1 = -(g_2/sqrt(2)) M2 cos(beta) m_W mu lambda^*             [GeV^3]  (text below eq. 2.6)

    Args: lam, lam_phase: |lambda| and its phase; g2: SU(2) coupling (default sqrt(4 pi alpha_w)).
    Returns (C0, C1) complex.
    """
    sb, cb = _beta(p)
    lam_c = jnp.conj(_cplx(lam, lam_phase))
    m2 = _cplx(p.M2, p.phi_2)
    mu = _cplx(p.mu, p.phi_mu)
    c0 = -math.sqrt(2.0) * p.m_W * lam_c * sb
    c1 = -(g2 / math.sqrt(2.0)) * m2 * cb * p.m_W * mu * lam_c
    return c0, c1


def mass_insertion_im_c0c1(p: GauginoHiggsinoParams, lam=1.0, g2=_G2_DEFAULT):
    """Im[C0 C1^*] = (g_2/2) m_W^2 |lambda|^2 Im[mu^* M2^* sin 2beta^*]  [GeV^4]  (Hall et al., below eq. 2.6).

    = -(g_2/2) m_W^2 |lambda|^2 |mu| |M2| sin(2 beta) sin(phi_2), phi_2 = arg(mu M2 b^*); independent of the phase
    of lambda. (The extracted text reads "g2/2", which must be g_2/2 for consistency with C0 and C1.)
    """
    sb, cb = _beta(p)
    _, phi2 = physical_phases(p)
    return -(g2 / 2.0) * p.m_W**2 * jnp.asarray(lam) ** 2 * p.mu * p.M2 * (2.0 * sb * cb) * jnp.sin(phi2)


def epsilon_eq27(eps0, phi2, alpha_w=c.ALPHA_W):
    """eps = eps0 alpha_w sin(phi_2)  (Hall et al. eq. 2.7); eps0 dimensionless (|eps0| <~ 0.1), phi_2 [rad]."""
    return jnp.asarray(eps0) * alpha_w * jnp.sin(phi2)


# ---------------------------------------------------------------------------------------------------- on-shell cuts
class OpenCuts(eqx.Module):
    """Which on-shell two-body cuts with L = X = 0 are open in the decay of one state (Hall et al. Sec. 2.1).

    Each field is boolean, last axis = the internal gaugino/higgsino state, True when m_internal + m_boson < m_a:
    w: (chi, W) with the opposite-type state (neutralinos for a chargino, charginos for a neutralino);
    z: (chi, Z) and h: (chi, h) with a lighter state of the same type (the decaying state itself is excluded).
    The (lepton, phi_X) cut has the same L as the final state and never contributes (Hall et al., after eq. 2.5);
    slepton cuts are dropped (lepton-Yukawa suppressed), as in the paper.
    """

    w: jax.Array
    z: jax.Array
    h: jax.Array

    def any(self):
        return jnp.any(self.w, axis=-1) | jnp.any(self.z, axis=-1) | jnp.any(self.h, axis=-1)

    def count(self):
        return (jnp.sum(self.w, axis=-1) + jnp.sum(self.z, axis=-1) + jnp.sum(self.h, axis=-1)).astype(jnp.int32)


def _check_species(species: str):
    if species not in ("chargino", "neutralino"):
        raise ValueError(f"species must be 'chargino' or 'neutralino'; got {species!r}.")


def open_cuts(
    p: GauginoHiggsinoParams,
    species: str = "chargino",
    index: int = -1,
    m_h: float = c.M_HIGGS,
    *,
    charginos=None,
    neutralinos=None,
) -> OpenCuts:
    """On-shell cuts open in the decay of chargino / neutralino number ``index`` (ascending mass order).

    Args:
        species: "chargino" (index in 0..1) or "neutralino" (index in 0..3); static.
        index: static int, Python-style (default -1 = heaviest).
        m_h: light Higgs mass [GeV] (default ``jaxgen.constants.M_HIGGS``).
    """
    _check_species(species)
    nmax = 2 if species == "chargino" else 4
    if not -nmax <= index < nmax:
        raise ValueError(f"index {index} out of range for {nmax} {species}s.")
    index = index % nmax
    ch = chargino_spectrum(p) if charginos is None else charginos
    ne = neutralino_spectrum(p) if neutralinos is None else neutralinos
    own, other = (ch.masses, ne.masses) if species == "chargino" else (ne.masses, ch.masses)
    ma = own[..., index : index + 1]
    mw = jnp.asarray(p.m_W)[..., None]
    mz = jnp.asarray(p.m_Z)[..., None]
    not_self = jnp.arange(nmax) != index
    return OpenCuts(w=other + mw < ma, z=(own + mz < ma) & not_self, h=(own + m_h < ma) & not_self)


class CPAsymmetry(eqx.Module):
    """Result of :func:`epsilon_gaugino_higgsino`.

    epsilon: the asymmetry of eq. (2.3)/(2.4) for the chosen decaying state (dimensionless).
    phi_2: the rephasing-invariant phase arg(mu M2 b^*) [rad].
    n_open_cuts: number of open (chi, W/Z/h) cuts (int32).
    status: STATUS_OK (0), STATUS_NO_OPEN_CUT (1: eps = 0 exactly, a valid physical result),
        STATUS_BAD_SPECTRUM (2: non-finite input or spectrum, or a non-positive modulus / tan(beta) in a batch;
        eps set to 0).
    """

    epsilon: jax.Array
    phi_2: jax.Array
    n_open_cuts: jax.Array
    status: jax.Array


def epsilon_gaugino_higgsino(
    p: GauginoHiggsinoParams,
    eps0,
    species: str = "chargino",
    index: int = -1,
    alpha_w: float = c.ALPHA_W,
    m_h: float = c.M_HIGGS,
) -> CPAsymmetry:
    """CP asymmetry of chi_index -> l phi_X in the parameterization of Hall et al. eq. (2.7).

    eps = eps0 alpha_w sin(phi_2) if at least one L = 0 on-shell cut (chi, W/Z/h) is kinematically open for the
    decaying state, else exactly 0 (no absorptive part, Hall et al. after eq. 2.5: in particular the LOSP never
    carries an asymmetry). phi_2 = arg(mu M2 b^*) is computed from ``p``; eps0 (dimensionless, |eps0| <~ 0.1) encodes
    the loop functions and mixing, which are not computed here (see the module docstring).

    Differentiable in eps0 and in the phases; in the masses the only dependence is the step at a threshold
    (gradient 0 away from it). vmap over a batch of ``p``/``eps0``; invalid points get status 2 and eps = 0.
    """
    _check_species(species)
    ch = chargino_spectrum(p)
    ne = neutralino_spectrum(p)
    cuts = open_cuts(p, species, index, m_h, charginos=ch, neutralinos=ne)
    _, phi2 = physical_phases(p)
    positive = (
        (jnp.asarray(p.M1) > 0) & (jnp.asarray(p.M2) > 0) & (jnp.asarray(p.mu) > 0) & (jnp.asarray(p.tan_beta) > 0)
    )
    finite = (
        jnp.all(jnp.isfinite(ch.masses), axis=-1)
        & jnp.all(jnp.isfinite(ne.masses), axis=-1)
        & jnp.isfinite(phi2)
        & jnp.isfinite(jnp.asarray(eps0))
        & positive
    )
    any_open = cuts.any()
    eps = jnp.where(any_open & finite, epsilon_eq27(eps0, jnp.where(finite, phi2, 0.0), alpha_w), 0.0)
    status = jnp.where(~finite, STATUS_BAD_SPECTRUM, jnp.where(any_open, STATUS_OK, STATUS_NO_OPEN_CUT))
    return CPAsymmetry(epsilon=eps, phi_2=phi2, n_open_cuts=cuts.count(), status=status.astype(jnp.int32))
