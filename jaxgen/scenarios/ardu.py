"""The R-symmetric ADM chain of Ardu, Queiroz Correa, Vives 2025, end to end: parameters -> predictions.

One pure, jit/vmap/grad-able function, :func:`rsymmetric_adm`, from an :class:`ArduParams` PyTree to an
:class:`ArduPrediction` PyTree, built on the existing engines (nothing is re-derived here):

1. **R-breaking masses** (``jaxgen._washout``): the three-loop bino Majorana mass M_1 ~ (16 pi^2)^-3 lambda_1^2 g_1^2
   kappa B_kappa (eq. (18)), the two-loop higgsino mu (eq. (19)), and the thermal masses M_1(T) ~ lambda_1^2 |kappa| T,
   mu(T) ~ lambda_1 kappa T (eq. (20)) with the Boltzmann or loop suppression of a heavy singlet S_1 (text below
   eq. (20)).  The Majorana mass that enters the washout is chosen by ``ArduSettings.majorana``:

   * ``"loop+thermal"`` (default): M_M = m_majorana + |M_1^loop| + M_1(T_th), T_th = t_over_m_thermal x m_NLSP
     (default T_th = m_NLSP, the paper's "T ~ m_SUSY" at which eq. (20) is estimated).  Magnitudes are added (the
     relative phase is unknown): an upper estimate.  ``m_majorana`` (default 0) is an explicit soft Majorana mass;
   * ``"loop"`` / ``"thermal"``: m_majorana plus only that estimate;
   * ``"direct"``: M_M = m_majorana (an override; the estimates are still reported).

   The engine's washout uses a constant M_M (the O(1) prefactors of eqs. (18)-(20) are unknown and set to 1, see
   ``docs/derivations/washout.md`` section 1); the T dependence of eq. (20) inside the Boltzmann equation is not
   followed (T_th = m_NLSP maximises T x suppression over the washout window T <~ m_NLSP: conservative).
2. **Washout** (``jaxgen._washout``): the asymmetry-removing process NLSP NLSP -> l l through the bino with the
   Majorana insertion, for a Dirac bino of mass M_D (eq. (7); ``propagator="derived"`` by default, D3 of
   washout.md, ``"paper"`` = eq. (7) as printed).  The paper's decoupling z_b (Gamma = H, eqs. (5), (7)) and the
   surviving ratio of eq. (6) at z_b are always reported; the washout factor epsilon of eq. (26) is chosen by
   ``ArduSettings.washout``: ``"boltzmann"`` (default: ``washout_factor``, the Boltzmann equation beyond the paper),
   ``"instant"`` (k(z_b)/k(0), the paper's instant-decoupling estimate), ``"freeze"`` (k(z_f)/k(0) at Gamma_wo = zH,
   the improved instant estimate of washout.md section 5) or ``"none"`` (epsilon = 1, Table 2).  The engine treats a
   right-handed stau (bino vertex sqrt2 g' Y with |Y| = 1); for a left-handed slepton or a sneutrino (|Y| = 1/2) the
   rate <sigma v> ~ (g'^2 Y^2)^2 is obtained by passing alpha_em Y^2 to the engine (the "scale alpha_em" the engine
   docstring prescribes; a wino Majorana mass, not given by the paper, is not included).  M_M = 0 exactly (e.g.
   lambda_1 = 0 with ``m_majorana = 0``) is exact R symmetry: epsilon = 1, z_b = z_f = z_start (never in equilibrium).
3. **Equilibrium and the gravitino mass** (``jaxgen._gravitino.gravitino_prediction``, derivation in
   ``docs/derivations/r_symmetric_equilibrium.md``): initial Y_{B/3 - L_alpha} -> high-T equilibrium (eq. (17);
   B = 8/23 (B - L), R = -6/23 (B - L) massless) -> NLSP asymmetry Delta Y_NLSP = R/R_NLSP (eq. (21)) -> low-T SM
   equilibrium with the frozen NLSP (eqs. (22)-(24)) -> m_3/2 = (Omega_DM/Omega_B) m_p |Delta Y_B/Delta Y_NLSP|/epsilon
   (eqs. (25), (26)).  Table 2 (epsilon = 1): 8.307 GeV (right-handed slepton), 5.288 GeV (left-handed slepton,
   sneutrino); printed 8.3, 5.3, 5.3 GeV.
4. **Signatures** (``jaxgen._signatures``): the surviving NLSP asymmetric yield today, y_nlsp = epsilon
   |Delta Y_NLSP/Delta Y_B| Y_B^obs (= eq. (25) inverted, :func:`~jaxgen.signatures.asymmetric_nlsp_yield`), the
   NLSP -> l + gravitino lifetime (eq. (27), derived with the reduced Planck mass) and the BBN check of m_NLSP Y_NLSP
   against the hadronic bound the paper quotes (1e-7 GeV at 1 s, 1e-8 GeV at 10 s; ``bbn_check``).

Inherited paper discrepancies (each documented and tested where it is implemented; not repeated here):
  * ``docs/derivations/r_symmetric_equilibrium.md`` section 5: the Higgs term of eq. (24) (one light doublet with
    the hypercharge-consistent sign, ``n_higgs_low=1``), eqs. (3)/(45), (14)/(42), (51), the Omega ratio of eq. (25)
    ("~5" printed; 26.5/4.9 reproduces Table 2), the flavour independence.
  * ``docs/derivations/washout.md``: D1 (n_eq and H prefactors of eq. (5)), D2 (eq. (6) at z = 23 is 8.6e-9, not
    1e-10), D3 (the Dirac-bino propagator of eq. (7)), D4 (M_M/M_D ~ 2e-5, not 1e-10, for z ~ 1).  Note: with no
    washout reactions the engine's Boltzmann epsilon is k(z_start)/k(0) = 0.99937 (z_start = 0.05), not exactly 1.
  * ``jaxgen/_signatures.py`` module docstring: eq. (27) needs the reduced Planck mass (1.84 s, printed 1.6 s, at
    2 TeV and 10 GeV); the BBN yields after eq. (27) (5e-11 - 5e-12, printed 2e-10 - 1e-11).  At the paper's own
    benchmarks (Table 3/4) the quoted bound is marginal: the stau_R point (2.09 TeV) has m Y/bound = 1.12 and the
    sneutrino point (2.42 TeV, tau = 0.20 s < 1 s) needs the bound below 1 s, which the paper does not quote (the
    conservative 1 s value gives 2.0; flagged by STATUS_LIFETIME_BELOW_RANGE).

Status and flags (int32 bit fields, decoded by :func:`status_names`; bit values are stable, new bits only added):

* ``ArduPrediction.status``: ERRORS (the ``STATUS_ERROR_MASK`` mask, alias ``STATUS_INVALID``), after which the
  chain has no valid prediction for the point and the affected fields are finite dummies (0): BAD_INPUT (1),
  EQUILIBRIUM_FAILED (2), NO_ASYMMETRY (4: no m_3/2 without an NLSP asymmetry), WASHOUT_FAILED (8),
  FULL_WASHOUT (16: m_3/2 unbounded), HEAVY_GRAVITINO (64: m_3/2 >= m_NLSP, the NLSP -> gravitino decay is
  closed), NONFINITE (1024: an output overflowed at extreme inputs and was replaced by 0).  ``status == 0`` is what
  sweeps, fits and heat maps count as valid (``ArduPrediction.valid``).
* ``ArduPrediction.flags``: PHYSICS DIAGNOSTICS of a prediction, which a user may cut on: NO_DECOUPLING (32:
  epsilon is an upper bound), LIFETIME_BELOW_RANGE (128) / LIFETIME_ABOVE_RANGE (256: the BBN bound was taken at
  the edge of the quoted 1-10 s range) and BBN_EXCLUDED (512: bbn_ratio = m_NLSP y_NLSP/bbn_bound > 1, the point
  is excluded by the hadronic BBN bound).  A BBN-excluded point is a correct prediction of an excluded model, not a
  failed evaluation, hence a flag.  The paper's own benchmarks are flagged BBN_EXCLUDED (ratios 1.12, 1.73, 2.00).

Units: GeV (masses, temperatures), seconds (lifetimes); yields per entropy density.  Precision: float64 is required
(the loop-induced Majorana masses are ~1e-17 GeV and <sigma v> ~ M_M^2 underflows in float32); checked at trace time.
"""

from __future__ import annotations

import dataclasses
import math

import equinox as eqx
import jax
import jax.core  # jax.core.Tracer: pyright does not see the submodule through a plain `import jax`
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int

from jaxgen_kernels import _status

from .. import _constants as c
from .. import _signatures as _sig
from .. import _washout as _wo
from .._batching import check_chunk_size, chunked_vmap, per_backend
from .._checks import check_int_setting, check_real_setting, concrete_real
from .._cosmology import TABLES as _COSMO_TABLES
from .._cosmology import Cosmology
from .._gravitino import gravitino_prediction
from .._precision import require_x64
from .._units import units_field
from ..models import _rsymmetric as _rs
from ._base import (
    ScenarioParams,
    ScenarioPrediction,
    batch_shape,
    check_single_point,
    deprecated_setting,
    float_converter,
    sanitize,
)

__all__ = [
    "STATUS_OK",
    "STATUS_BAD_INPUT",
    "STATUS_EQUILIBRIUM_FAILED",
    "STATUS_NO_ASYMMETRY",
    "STATUS_WASHOUT_FAILED",
    "STATUS_FULL_WASHOUT",
    "STATUS_NO_DECOUPLING",
    "STATUS_HEAVY_GRAVITINO",
    "STATUS_LIFETIME_BELOW_RANGE",
    "STATUS_LIFETIME_ABOVE_RANGE",
    "STATUS_BBN_EXCLUDED",
    "STATUS_NONFINITE",
    "STATUS_INVALID",
    "STATUS_ERROR_MASK",
    "STATUS_DIAGNOSTIC_MASK",
    "STATUS_MESSAGES",
    "ArduStatus",
    "decode_status",
    "status_messages",
    "ARDU_BENCHMARKS",
    "ArduParams",
    "ArduSettings",
    "ArduPrediction",
    "rsymmetric_adm",
    "rsymmetric_adm_batch",
    "status_names",
]

# ---------------------------------------------------------------------------------------------------------------
# Status bit flags (combined with |; 0 = ok)
# ---------------------------------------------------------------------------------------------------------------
STATUS_OK = 0
"""Everything fine."""
STATUS_BAD_INPUT = 1
"""An input is not finite or out of range (masses <= 0, m_dirac or m_majorana < 0, dm_to_baryon, proton_mass,
baryon_yield or t_over_m_thermal <= 0).  Evaluated at the default point; every float output set to 0."""
STATUS_EQUILIBRIUM_FAILED = 2
"""A singular equilibrium system or a negative susceptibility (``gravitino_prediction`` status 1 or 2)."""
STATUS_NO_ASYMMETRY = 4
"""Zero total B - L or zero NLSP asymmetry (``gravitino_prediction`` status 4): no gravitino mass prediction."""
STATUS_WASHOUT_FAILED = 8
"""The washout Boltzmann solve failed (diffrax max steps, step size, non-finite; engine STATUS_ODE_FAILED)."""
STATUS_FULL_WASHOUT = 16
"""epsilon <= 1e-250 (complete washout, also an underflowed epsilon): m_3/2 would be unbounded; set to 0."""
STATUS_NO_DECOUPLING = 32
"""(Informational) the washout is still active at z_end (Gamma_wo > z H at z_end): epsilon is an upper bound."""
STATUS_HEAVY_GRAVITINO = 64
"""m_3/2 >= m_NLSP: the NLSP cannot decay to the gravitino; tau_nlsp, bbn_ratio, bbn_bound set to 0."""
STATUS_LIFETIME_BELOW_RANGE = 128
"""(Informational) tau_NLSP < 1 s, below the quoted BBN range: the 1 s bound is used (conservative)."""
STATUS_LIFETIME_ABOVE_RANGE = 256
"""(Informational) tau_NLSP > 10 s, above the quoted BBN range: the 10 s bound is used (NOT conservative)."""
STATUS_BBN_EXCLUDED = 512
"""(Physics flag, a diagnostic) bbn_ratio = m_NLSP y_NLSP / bbn_bound > 1: the surviving NLSP abundance exceeds the
hadronic BBN bound the paper quotes (Ardu et al. Sec. 4, ``jaxgen._signatures.bbn_check``: margin = m Y/bound,
<= 1 allowed), so the point is excluded by BBN.  A valid prediction (status 0) of an excluded point: sweeps that
want the BBN-allowed region cut on this flag.  The paper's own stau_R benchmark has bbn_ratio = 1.12 (flagged).
Only set where the NLSP decays to the gravitino (no STATUS_HEAVY_GRAVITINO) and the upstream stages are valid."""
STATUS_NONFINITE = 1024
"""An output was not finite (overflow at extreme inputs, e.g. m_NLSP = 1e300 GeV or lambda_1 = 1e300); every
non-finite output is replaced by 0 (never NaN)."""
STATUS_ERROR_MASK = (
    STATUS_BAD_INPUT
    | STATUS_EQUILIBRIUM_FAILED
    | STATUS_NO_ASYMMETRY
    | STATUS_WASHOUT_FAILED
    | STATUS_FULL_WASHOUT
    | STATUS_HEAVY_GRAVITINO
    | STATUS_NONFINITE
)
"""Mask of the flags after which a point's predictions (m_3/2 and/or tau_nlsp, bbn_ratio) are dummies (0).
These are the bits of ``ArduPrediction.status`` (0 = a valid prediction; what sweeps, fits and heat maps use); the
informational bits (NO_DECOUPLING, LIFETIME_BELOW_RANGE, LIFETIME_ABOVE_RANGE, BBN_EXCLUDED) go to
``ArduPrediction.flags`` (``STATUS_DIAGNOSTIC_MASK``), as in the Hall chain (``status`` = errors, ``flags`` =
physics diagnostics). The same name as in :mod:`jaxgen.scenarios.hall`."""
STATUS_INVALID = STATUS_ERROR_MASK
"""Alias of :data:`STATUS_ERROR_MASK` (its name in earlier releases; kept for one release)."""
STATUS_DIAGNOSTIC_MASK = (
    STATUS_NO_DECOUPLING | STATUS_LIFETIME_BELOW_RANGE | STATUS_LIFETIME_ABOVE_RANGE | STATUS_BBN_EXCLUDED
)
"""Bits of ``ArduPrediction.flags`` (physics diagnostics)."""

#: The status vocabulary of the chain, declared once (:mod:`jaxgen_kernels._status`): each bit has a snake_case
#: name (``ArduStatus.BAD_INPUT`` -> "bad_input") and a sentence message; the STATUS_* ints above are its values.
ArduStatus = _status.flag_vocabulary(
    "ArduStatus",
    {
        "BAD_INPUT": (
            STATUS_BAD_INPUT,
            "bad input (non-finite, a mass <= 0, m_dirac or m_majorana < 0, or "
            "dm_to_baryon, proton_mass, baryon_yield, t_over_m_thermal <= 0)",
        ),
        "EQUILIBRIUM_FAILED": (STATUS_EQUILIBRIUM_FAILED, "singular equilibrium system or negative susceptibility"),
        "NO_ASYMMETRY": (STATUS_NO_ASYMMETRY, "zero B - L or zero NLSP asymmetry: no gravitino mass prediction"),
        "WASHOUT_FAILED": (STATUS_WASHOUT_FAILED, "washout Boltzmann solve failed"),
        "FULL_WASHOUT": (STATUS_FULL_WASHOUT, "complete washout (epsilon <= 1e-250): m_3/2 unbounded, set to 0"),
        "NO_DECOUPLING": (STATUS_NO_DECOUPLING, "washout still active at z_end: epsilon is an upper bound"),
        "HEAVY_GRAVITINO": (STATUS_HEAVY_GRAVITINO, "m_3/2 >= m_NLSP: the NLSP -> gravitino decay is closed"),
        "LIFETIME_BELOW_BBN_RANGE": (
            STATUS_LIFETIME_BELOW_RANGE,
            "tau_NLSP < 1 s, below the quoted BBN range: the 1 s bound is used (conservative)",
        ),
        "LIFETIME_ABOVE_BBN_RANGE": (
            STATUS_LIFETIME_ABOVE_RANGE,
            "tau_NLSP > 10 s, above the quoted BBN range: the 10 s bound is used (not conservative)",
        ),
        "BBN_EXCLUDED": (STATUS_BBN_EXCLUDED, "excluded by the hadronic BBN bound (bbn_ratio > 1)"),
        "NONFINITE_OUTPUT": (STATUS_NONFINITE, "non-finite output replaced by 0"),
    },
    module=__name__,
)

#: {bit: sentence} of every bit (the messages of :data:`ArduStatus`).
STATUS_MESSAGES = {int(m): ArduStatus.message_of(m) for m in ArduStatus._ordered_}


def status_names(status: int) -> list[str]:
    """snake_case names of the flags set in one (Python int) status value; [] for STATUS_OK."""
    return _status.decode(ArduStatus, status)


def decode_status(code: int) -> list[str]:
    """snake_case names of the bits set in one status (or flags) code (= :func:`status_names`)."""
    return _status.decode(ArduStatus, code)


def status_messages(code: int) -> list[str]:
    """One sentence per bit set in one status (or flags) code (same order as :func:`decode_status`)."""
    return _status.messages(ArduStatus, code)


_EPS_MIN = 1e-250

#: The paper's benchmark points (Ardu et al. Table 3 and Table 4), in GeV.  Common: lambda_1 = 1e-3, kappa = 1e-6,
#: B_kappa = 2 TeV, m_S1^2 = 500 TeV^2 (m_S1 = 22.36 TeV; Table 4: H_6^0, A_5 = 22.4 TeV).  stau_R NLSP:
#: m = 2.09 TeV, M_D^B = 5 TeV; sneutrino NLSP: m = 2.42 TeV, M_D^B = 6.5 TeV.  The paper has no left-handed slepton
#: benchmark: the stau_R point is used for it.
ARDU_BENCHMARKS = {
    "slepton_R": dict(m_nlsp=2090.0, m_dirac=5000.0),
    "slepton_L": dict(m_nlsp=2090.0, m_dirac=5000.0),
    "sneutrino": dict(m_nlsp=2420.0, m_dirac=6500.0),
}
_M_S1_BENCHMARK = math.sqrt(500.0e6)

_SCALAR_FIELDS = (
    "m_nlsp",
    "m_dirac",
    "lambda1",
    "kappa",
    "b_kappa",
    "m_s1",
    "m_majorana",
    "t_over_m_thermal",
    "g1",
    "dm_to_baryon",
    "proton_mass",
    "baryon_yield",
)
_POSITIVE = ("m_nlsp", "m_s1", "t_over_m_thermal", "g1", "dm_to_baryon", "proton_mass", "baryon_yield")
_NON_NEGATIVE = ("m_dirac", "m_majorana")
_FINITE = ("lambda1", "kappa", "b_kappa")


def _as_array(x):
    """Sequences (e.g. the default tuple) become one numpy array leaf; arrays and tracers pass through. Non-numbers
    get a TypeError naming the field."""
    if isinstance(x, (jax.Array, np.ndarray)):
        return x
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"ArduParams.b_minus_l_alpha must be three real numbers (Y_{{B/3-L_alpha}}, alpha = e, mu, "
            f"tau), got {type(x).__name__} {x!r}"
        ) from None


def _is_python_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_HINT = " (float, GeV for masses)"


def _concrete_real(name, v):
    """A concrete field value as a float numpy array, or TypeError naming the field (strings, complex, None...)."""
    return concrete_real("ArduParams", name, v, _HINT)


def _conv(name):
    """Converter of one scalar field (TypeError naming the field), as in the Hall chain: arrays and lists become
    float arrays (dtype ``jnp.result_type(float)``); Python numbers stay Python floats (ints become floats)."""
    return float_converter("ArduParams", name, 0, _HINT, keep_python_floats=True)


def _conv_b_minus_l(x):
    return float_converter("ArduParams", "b_minus_l_alpha", 0, _HINT)(_as_array(x))


#: per-point axes of each field (b_minus_l_alpha: the flavour axis of length 3), for broadcast/batch.
_ARDU_EVENT = dict({k: 0 for k in _SCALAR_FIELDS}, b_minus_l_alpha=1)


class ArduParams(ScenarioParams):
    """Continuous inputs of the chain (each an array leaf: differentiable, and batched along a leading axis).

    Attributes:
        b_minus_l_alpha: (3,) initial yields Y_{B/3 - L_alpha} (alpha = e, mu, tau) at T >~ m_SUSY.  Only the flavour
            split matters for the outputs: every equilibrium output is per unit of the total Y_{B-L} = sum, and the
            absolute NLSP yield follows from the observed baryon yield (``baryon_yield``).  Default (1/3, 1/3, 1/3).
        m_nlsp: NLSP mass [GeV] (default 2090, the stau_R benchmark of Table 4).
        m_dirac: bino Dirac mass M_D [GeV], >= 0 (default 5000, Table 3; 0 = a pure Majorana bino, eq. (4)).
        lambda1: superpotential coupling lambda_1 H_u H_d S_1 (default 1e-3, Table 3 / footnote 4).
        kappa: R-breaking coupling kappa S_1^3 (default 1e-6, Table 3).
        b_kappa: soft R-breaking trilinear B_kappa [GeV] (default 2000, Table 3).
        m_s1: singlet S_1 mass [GeV] (default sqrt(500 TeV^2) = 22361, Table 3; suppresses eq. (20)).
        m_majorana: explicit bino Majorana mass [GeV], >= 0 (default 0): added to the estimates, or the whole M_M
            with ``ArduSettings(majorana="direct")``.
        t_over_m_thermal: T/m_NLSP at which the thermal mass of eq. (20) is evaluated (default 1: T ~ m_SUSY).
        g1: U(1)_Y coupling in eq. (18) (default g' = 0.3575 at m_Z, ``jaxgen.washout.G_HYPERCHARGE``).
        dm_to_baryon: Omega_DM/Omega_B (default 26.5/4.9 = 5.408, Ardu et al. Section 1, the ratio behind Table 2;
            ``constants.DM_TO_BARYON_ARDU_2025``).
        proton_mass: m_p [GeV] in eq. (25) (default CODATA 0.938272).
        baryon_yield: observed Y_B = n_B/s today (default Planck 2018, 8.63e-11), for y_nlsp.

    Concrete values of a single point (Python numbers, 0-d arrays, a (3,) ``b_minus_l_alpha``) are checked at
    construction: non-finite or out-of-range values raise ValueError naming the field, non-numbers TypeError.
    Batched arrays (a leading batch axis) and traced values (inside jit/vmap) are not: they are checked at run time
    and flagged in ``ArduPrediction.status`` (STATUS_BAD_INPUT), never aborting the other points.  Build a batch
    with :meth:`ArduParams.batch` (broadcasts the fields to one leading shape).
    """

    _event_ndim_ = _ARDU_EVENT

    b_minus_l_alpha: Float[ArrayLike, "*batch 3"] = units_field(
        "1", default=(1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0), converter=_conv_b_minus_l
    )
    m_nlsp: Float[ArrayLike, "*batch"] = units_field("GeV", default=2090.0, converter=_conv("m_nlsp"))
    m_dirac: Float[ArrayLike, "*batch"] = units_field("GeV", default=5000.0, converter=_conv("m_dirac"))
    lambda1: Float[ArrayLike, "*batch"] = units_field("1", default=1e-3, converter=_conv("lambda1"))
    kappa: Float[ArrayLike, "*batch"] = units_field("1", default=1e-6, converter=_conv("kappa"))
    b_kappa: Float[ArrayLike, "*batch"] = units_field("GeV", default=2000.0, converter=_conv("b_kappa"))
    m_s1: Float[ArrayLike, "*batch"] = units_field("GeV", default=_M_S1_BENCHMARK, converter=_conv("m_s1"))
    m_majorana: Float[ArrayLike, "*batch"] = units_field("GeV", default=0.0, converter=_conv("m_majorana"))
    t_over_m_thermal: Float[ArrayLike, "*batch"] = units_field("1", default=1.0, converter=_conv("t_over_m_thermal"))
    g1: Float[ArrayLike, "*batch"] = units_field("1", default=_wo.G_HYPERCHARGE, converter=_conv("g1"))
    dm_to_baryon: Float[ArrayLike, "*batch"] = units_field(
        "1", default=c.DM_TO_BARYON_ARDU_2025, converter=_conv("dm_to_baryon")
    )
    proton_mass: Float[ArrayLike, "*batch"] = units_field("GeV", default=c.M_PROTON, converter=_conv("proton_mass"))
    baryon_yield: Float[ArrayLike, "*batch"] = units_field(
        "1", default=c.PLANCK_2018.baryon_yield, converter=_conv("baryon_yield")
    )

    def __check_init__(self):
        shape = np.shape(self.b_minus_l_alpha)
        if len(shape) == 0 or shape[-1] != 3:
            raise ValueError(
                f"ArduParams.b_minus_l_alpha must have a last axis of length 3 (Y_{{B/3-L_alpha}} for "
                f"alpha = e, mu, tau), got shape {shape}"
            )
        d = self.b_minus_l_alpha
        if not isinstance(d, jax.core.Tracer):
            arr = _concrete_real("b_minus_l_alpha", d)
            if arr.ndim == 1 and not np.all(np.isfinite(arr)):
                raise ValueError(
                    f"ArduParams.b_minus_l_alpha must be finite, got {d!r} (three initial yields "
                    "Y_{B/3-L_alpha}, e.g. the default (1/3, 1/3, 1/3))"
                )
        for name in _SCALAR_FIELDS:
            v = getattr(self, name)
            if isinstance(v, jax.core.Tracer):
                continue  # traced (inside jit/vmap): checked at run time, flagged in status
            arr = _concrete_real(name, v)
            if arr.ndim != 0:
                continue  # a batch: invalid points are flagged by the chain (STATUS_BAD_INPUT), not raised
            v = float(arr)
            if not math.isfinite(v):
                raise ValueError(
                    f"ArduParams.{name} must be finite, got {v!r} (see the ArduParams docstring for "
                    "units and the default)"
                )
            if name in _POSITIVE and v <= 0:
                raise ValueError(
                    f"ArduParams.{name} must be > 0, got {v!r} (see the ArduParams docstring for units and the default)"
                )
            if name in _NON_NEGATIVE and v < 0:
                raise ValueError(f"ArduParams.{name} must be >= 0 (GeV; a mass magnitude), got {v!r}")

    def broadcast(self) -> ArduParams:
        """Every field with the common batch shape (scalar fields (*batch,), b_minus_l_alpha (*batch, 3)), float
        arrays, so that ``jax.vmap(rsymmetric_adm)(p.broadcast())`` works with defaults left scalar.  ValueError
        naming the fields whose shapes disagree."""
        return super().broadcast()

    @classmethod
    def batch(cls, base: ArduParams | None = None, **fields) -> ArduParams:
        """A batch from scalars, lists or arrays: ``ArduParams.batch(m_nlsp=[2000.0, 3000.0], m_majorana=1.0)``.
        Fields not given take ``base``'s values (default: the class defaults); everything is broadcast
        (:meth:`broadcast`)."""
        return super().batch(base, **fields)

    @classmethod
    def benchmark(cls, nlsp: str = "slepton_R", **overrides) -> ArduParams:
        """The paper's benchmark point for an NLSP kind (Ardu et al. Tables 3, 4; see :data:`ARDU_BENCHMARKS`).

        ``nlsp``: "slepton_R" (m = 2.09 TeV, M_D = 5 TeV), "sneutrino" (2.42 TeV, 6.5 TeV) or "slepton_L" (no paper
        benchmark: the stau_R point).  Common: lambda_1 = 1e-3, kappa = 1e-6, B_kappa = 2 TeV, m_S1 = 22.36 TeV.
        Keyword ``overrides`` replace fields.  Use with ``ArduSettings(nlsp=nlsp)``.
        """
        if nlsp not in ARDU_BENCHMARKS:
            raise ValueError(f"unknown NLSP {nlsp!r}; choose one of {list(ARDU_BENCHMARKS)}")
        kw = dict(ARDU_BENCHMARKS[nlsp], lambda1=1e-3, kappa=1e-6, b_kappa=2000.0, m_s1=_M_S1_BENCHMARK)
        kw.update(overrides)
        return cls(**kw)


_WASHOUT_MODES = ("boltzmann", "instant", "freeze", "none")
_MAJORANA_MODES = ("loop+thermal", "loop", "thermal", "direct")


class ArduSettings(eqx.Module):
    """Static switches of the chain (hashable; each distinct value compiles once).

    Attributes:
        nlsp: "slepton_R" (default), "slepton_L" or "sneutrino" (Ardu et al. Table 2 rows).
        nlsp_flavour: lepton flavour of the NLSP, "e", "mu" or "tau" (default).
        washout: epsilon of eq. (26): "boltzmann" (default, Boltzmann equation), "instant" (k(z_b)/k(0) at Gamma = H,
            eqs. (5)-(7)), "freeze" (k(z_f)/k(0) at Gamma_wo = z H) or "none" (epsilon = 1, Table 2).
        majorana: how the bino Majorana mass M_M is built: "loop+thermal" (default), "loop", "thermal", "direct"
            (module docstring, step 1).
        s1_suppression: S_1 suppression of eq. (20): "boltzmann" (default), "loop", "max" or "none".
        propagator: "derived" (default, washout.md D3) or "paper" (eq. (7) as printed).
        statistics: NLSP statistics in the washout: "mb" (default, as the paper) or "boson".
        n_higgs_low: light Higgs doublets below m_SUSY (1 = SM, reproduces Table 2; 2 = eq. (24) read literally).
        table: g_* table for H(T) (``jaxgen.cosmology.TABLES``; default "saikawa_shirai"), the setting of the same
            name as ``HallSettings.table``.  A :class:`~jaxgen.cosmology.Cosmology` passed to :func:`rsymmetric_adm`
            overrides it.
        z_start, z_end: washout integration / decoupling search interval in z = m_NLSP/T (default 0.05, 300).
        solver: how the (linear) washout equation is solved: "quadrature" (default: its exact solution as one
            integral on 60 exp-fitted nodes around the NLSP freeze-out, max 8e-7 relative to a converged Kvaerno5
            solve, see :func:`jaxgen.washout.washout_factor`), "collocation" (fixed-grid Radau IIA, the default
            before, max 2.4e-6) or a diffrax solver name ("kvaerno5", the adaptive reference).
        rtol, atol, max_steps: diffrax settings of the adaptive solvers (default 1e-7, 1e-9, 16384; unused by
            "quadrature" and "collocation").
        cosmology: DEPRECATED old name of ``table`` (accepted for one release with a DeprecationWarning, also as
            the runcard key ``[scenario].settings.cosmology``); always None after construction: read ``table``.
    """

    nlsp: str = eqx.field(static=True, default="slepton_R")
    nlsp_flavour: str = eqx.field(static=True, default="tau")
    washout: str = eqx.field(static=True, default="boltzmann")
    majorana: str = eqx.field(static=True, default="loop+thermal")
    s1_suppression: str = eqx.field(static=True, default="boltzmann")
    propagator: str = eqx.field(static=True, default="derived")
    statistics: str = eqx.field(static=True, default="mb")
    n_higgs_low: int = eqx.field(static=True, default=1)
    table: str = eqx.field(static=True, default="saikawa_shirai")
    z_start: float = eqx.field(static=True, default=0.05)
    z_end: float = eqx.field(static=True, default=300.0)
    rtol: float = eqx.field(static=True, default=1e-7)
    atol: float = eqx.field(static=True, default=1e-9)
    max_steps: int = eqx.field(static=True, default=16384)
    solver: str = eqx.field(static=True, default="quadrature")
    cosmology: str | None = eqx.field(static=True, default=None)

    def __post_init__(self):
        if self.cosmology is not None:  # the old name of ``table``: one release with a DeprecationWarning
            table = deprecated_setting(
                "ArduSettings", "cosmology", "table", self.cosmology, self.table, "saikawa_shirai"
            )
            object.__setattr__(self, "table", table)
            object.__setattr__(self, "cosmology", None)

    def __check_init__(self):
        choices = dict(
            nlsp=tuple(_rs.NLSP_TYPES),
            nlsp_flavour=("e", "mu", "tau"),
            washout=_WASHOUT_MODES,
            majorana=_MAJORANA_MODES,
            s1_suppression=_wo._SUPPRESSIONS,
            propagator=_wo._PROPAGATORS,
            statistics=_wo._STATS,
            n_higgs_low=(1, 2),
            table=_COSMO_TABLES,
        )
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"ArduSettings.{name} must be one of {list(allowed)}, got {getattr(self, name)!r}")
        for name in ("z_start", "z_end", "rtol", "atol"):
            check_real_setting("ArduSettings", name, getattr(self, name))
        check_int_setting("ArduSettings", "max_steps", self.max_steps)
        if not 0 < self.z_start < self.z_end:
            raise ValueError(f"ArduSettings needs 0 < z_start < z_end, got {self.z_start}, {self.z_end}")
        if not (self.rtol > 0 and self.atol > 0 and self.max_steps > 0):
            raise ValueError("ArduSettings.rtol, atol and max_steps must be > 0")


class ArduPrediction(ScenarioPrediction):
    """Every stage of the chain for one point (or a batch: each field gets the batch shape).

    Equilibrium (per unit of the initial total Y_{B-L}; dimensionless):
        b_minus_l: the input total Y_{B-L} = sum_alpha Y_{B/3 - L_alpha} (yield).
        baryon_high: Y_B/Y_{B-L} in the high-T equilibrium (8/23 massless).
        r_charge: net R charge / Y_{B-L} (-6/23 massless; eq. (21)).
        nlsp_yield: Delta Y_NLSP / Y_{B-L} before washout (state with L = +1; eq. (21)).
        baryon_low: Delta Y_B / Y_{B-L} at EW-sphaleron decoupling (eqs. (22)-(24)).
        nlsp_to_baryon: Delta Y_NLSP/Delta Y_B before washout (signed; 0.6108 slepton_R, -0.9595 slepton_L/sneutrino).
    R breaking [GeV]:
        m_majorana: the bino Majorana mass M_M used in the washout.
        m_majorana_loop: |M_1| of eq. (18).  m_majorana_thermal: M_1(T_th) of eq. (20) with the S_1 suppression.
        mu_loop: |mu| of eq. (19).  mu_thermal: |mu(T_th)| of eq. (20) (diagnostics; the NLSP washout uses M_M).
        s1_suppression: the S_1 factor at T_th (dimensionless).
    Washout (dimensionless):
        z_b: m_NLSP/T_b at the paper's decoupling Gamma = n_eq <sigma v> = H (eqs. (5), (7)).
        surviving_ratio_eq6: eq. (6) as printed at z_b (NLSP/lepton asymmetry).
        epsilon: the washout factor of eq. (26) used for m_3/2 (``ArduSettings.washout``).
        epsilon_instant: k(z_b)/k(0), the instant-decoupling estimate.  epsilon_freeze: k(z_f)/k(0).
        z_f: m_NLSP/T at Gamma_wo = z H (freeze-out of the Boltzmann equation).
    Predictions:
        m_gravitino: m_3/2 [GeV] (eq. (26)).
        y_nlsp: surviving NLSP asymmetric yield today, epsilon |Delta Y_NLSP/Delta Y_B| Y_B^obs (n/s).
        tau_nlsp: NLSP -> lepton + gravitino lifetime [s] (eq. (27), reduced Planck mass).
        bbn_bound: the hadronic bound on m_NLSP Y_NLSP at tau_nlsp [GeV].
        bbn_ratio: m_NLSP y_nlsp / bbn_bound (<= 1 allowed).
        status: int32 error bits (the STATUS_ERROR_MASK bits; 0 = valid; :func:`status_names`).  Points with a
            non-zero status carry finite dummy values (0) in the affected fields, never NaN.
        flags: int32 informational bits (STATUS_NO_DECOUPLING, STATUS_LIFETIME_BELOW_RANGE,
            STATUS_LIFETIME_ABOVE_RANGE, STATUS_BBN_EXCLUDED: bbn_ratio > 1) of a valid or invalid point.

    ``.valid``: no error bit (``STATUS_ERROR_MASK``) set; ``.status_names()``: snake_case names of status | flags,
    as ``HallPrediction.status_names()``.
    """

    _vocabulary_ = ArduStatus
    _error_mask_ = STATUS_ERROR_MASK

    b_minus_l: Float[Array, "*batch"] = units_field("1")
    baryon_high: Float[Array, "*batch"] = units_field("1")
    r_charge: Float[Array, "*batch"] = units_field("1")
    nlsp_yield: Float[Array, "*batch"] = units_field("1")
    baryon_low: Float[Array, "*batch"] = units_field("1")
    nlsp_to_baryon: Float[Array, "*batch"] = units_field("1")
    m_majorana: Float[Array, "*batch"] = units_field("GeV")
    m_majorana_loop: Float[Array, "*batch"] = units_field("GeV")
    m_majorana_thermal: Float[Array, "*batch"] = units_field("GeV")
    mu_loop: Float[Array, "*batch"] = units_field("GeV")
    mu_thermal: Float[Array, "*batch"] = units_field("GeV")
    s1_suppression: Float[Array, "*batch"] = units_field("1")
    z_b: Float[Array, "*batch"] = units_field("1")
    surviving_ratio_eq6: Float[Array, "*batch"] = units_field("1")
    epsilon: Float[Array, "*batch"] = units_field("1")
    epsilon_instant: Float[Array, "*batch"] = units_field("1")
    epsilon_freeze: Float[Array, "*batch"] = units_field("1")
    z_f: Float[Array, "*batch"] = units_field("1")
    m_gravitino: Float[Array, "*batch"] = units_field("GeV")
    y_nlsp: Float[Array, "*batch"] = units_field("1")
    tau_nlsp: Float[Array, "*batch"] = units_field("s")
    bbn_bound: Float[Array, "*batch"] = units_field("GeV")
    bbn_ratio: Float[Array, "*batch"] = units_field("1")
    status: Int[Array, "*batch"] = units_field("1")
    flags: Int[Array, "*batch"] = units_field("1")


#: the default point (ArduParams defaults), where invalid points are evaluated
_DUMMY = {f.name: f.default for f in dataclasses.fields(ArduParams) if f.name in _ARDU_EVENT}


def _sanitize(params: ArduParams, dtype):
    """(values with invalid points replaced by the defaults, ok): :func:`jaxgen.scenarios._base.sanitize`, as in
    the Hall chain."""
    vals = {name: jnp.asarray(getattr(params, name), dtype) for name in (*_SCALAR_FIELDS, "b_minus_l_alpha")}
    return sanitize(vals, _DUMMY, positive=_POSITIVE, non_negative=_NON_NEGATIVE)


class _GravitinoStages(eqx.Module):
    b_minus_l: Array
    baryon_high: Array
    r_charge: Array
    nlsp_yield: Array
    baryon_low: Array
    nlsp_to_baryon: Array
    m_gravitino: Array
    status: Array


def _gravitino_linear(settings, b_minus_l_alpha, dm_to_baryon, eps, proton_mass, dtype) -> _GravitinoStages:
    """``gravitino_prediction(settings.nlsp, dm_to_baryon, eps, b_minus_l_alpha=..., proton_mass=...)`` through
    its linearity in the initial yields.

    With the chain's massless spectrum (no ``high_t_k``/``low_t_k``) both equilibrium stages are linear systems with
    constant matrices and right-hand sides linear in D = b_minus_l_alpha, so every stage charge is c . D with the
    charges c of the three unit vectors. Those are computed by one ``gravitino_prediction`` call on the constant
    identity matrix: under ``vmap`` it is not batched (one solve per batch instead of two per point, which was
    ~40% of the instant chain's run time). The rest is the same arithmetic as ``gravitino_prediction`` (its steps 2
    and 4): the statuses 1, 2 (singular system, negative susceptibility) are properties of the constant systems;
    3 (washout, dm_to_baryon or proton_mass out of range) and 4 (no NLSP asymmetry) are evaluated per point.
    """
    basis = gravitino_prediction(
        settings.nlsp,
        1.0,
        1.0,
        b_minus_l_alpha=jnp.eye(3, dtype=dtype),
        proton_mass=1.0,
        nlsp_flavour=settings.nlsp_flavour,
        n_higgs_low=settings.n_higgs_low,
    )
    d = jnp.asarray(b_minus_l_alpha, dtype)
    lin = lambda c: jnp.sum(d * c)  # noqa: E731
    n_nlsp, baryon_low = lin(basis.nlsp_yield), lin(basis.baryon_low)
    structural = jnp.max(jnp.where((basis.status == 1) | (basis.status == 2), basis.status, 0))
    ratio_ok = (jnp.abs(n_nlsp) > 0) & (jnp.abs(baryon_low) > 0)
    safe_n = jnp.where(ratio_ok, n_nlsp, 1.0)
    safe_b = jnp.where(ratio_ok, baryon_low, 1.0)
    ratio = jnp.where(ratio_ok, safe_n / safe_b, 0.0)
    bad_in = (eps <= 0) | (eps > 1) | (dm_to_baryon <= 0) | (proton_mass <= 0)
    m32 = dm_to_baryon * proton_mass * jnp.abs(safe_b / safe_n) / eps
    status = jnp.where(structural != 0, structural, jnp.where(bad_in, 3, jnp.where(ratio_ok, 0, 4)))
    status = status.astype(jnp.int32)
    return _GravitinoStages(
        b_minus_l=lin(basis.b_minus_l),
        baryon_high=lin(basis.baryon_high),
        r_charge=lin(basis.r_charge),
        nlsp_yield=n_nlsp,
        baryon_low=baryon_low,
        nlsp_to_baryon=ratio,
        m_gravitino=jnp.where(status == 0, m32, 0.0),
        status=status,
    )


def rsymmetric_adm(
    params: ArduParams, settings: ArduSettings = ArduSettings(), cosmology: Cosmology | None = None
) -> ArduPrediction:
    """The R-symmetric ADM chain of Ardu et al. 2025 for ONE point (module docstring; eqs. (5)-(7), (17)-(27)).

    Args:
        params: :class:`ArduParams` with scalar fields (``b_minus_l_alpha`` of shape (3,)); use
            :func:`rsymmetric_adm_batch` (or ``jax.vmap``) for batches.
        settings: :class:`ArduSettings` (static).
        cosmology: optional :class:`~jaxgen.cosmology.Cosmology` for H(T) (overrides ``settings.table``).
    Returns: :class:`ArduPrediction`.  Pure; jit (with ``settings`` static), vmap and grad work; gradients flow in
    every continuous input (through the Newton decoupling solves implicitly and through the washout solve).
    Invalid inputs are flagged in ``status`` (never NaN); requires float64 (RuntimeError otherwise).
    """
    require_x64("jaxgen.scenarios.rsymmetric_adm")
    if not isinstance(settings, ArduSettings):
        raise TypeError(f"settings must be an ArduSettings, got {type(settings).__name__}")
    check_single_point(params, _SCALAR_FIELDS, {"b_minus_l_alpha": (3,)}, "rsymmetric_adm", "rsymmetric_adm_batch")
    cosmo = Cosmology(table=settings.table) if cosmology is None else cosmology
    dtype = jnp.result_type(float)
    v, ok = _sanitize(params, dtype)
    bad = ~ok
    info = _rs.NLSP_TYPES[settings.nlsp]
    m = v["m_nlsp"]
    zero = jnp.zeros((), dtype)

    # 1. R-breaking masses: eqs. (18), (19), (20)
    m_loop = jnp.abs(_wo.bino_majorana_mass_loop(v["lambda1"], v["kappa"], v["b_kappa"], v["g1"]))
    mu_loop = jnp.abs(_wo.higgsino_mu_loop(v["lambda1"], v["kappa"], v["b_kappa"]))
    th = _wo.thermal_r_breaking_masses(
        m * v["t_over_m_thermal"], v["lambda1"], v["kappa"], v["m_s1"], v["b_kappa"], kind=settings.s1_suppression
    )
    m_th = jnp.abs(th.m1)
    m_maj = v["m_majorana"]
    if settings.majorana in ("loop+thermal", "loop"):
        m_maj = m_maj + m_loop
    if settings.majorana in ("loop+thermal", "thermal"):
        m_maj = m_maj + m_th
    r_exact = m_maj <= 0  # exact R symmetry in the washout: no Majorana insertion
    m_maj_safe = jnp.where(r_exact, 1.0, m_maj)

    # 2. washout of the NLSP asymmetry: eqs. (5)-(7), (26)
    y_nlsp_hyper = float(abs(info["Y"]))
    wp = _wo.WashoutParams(
        m_nlsp=m,
        m_majorana=m_maj_safe,
        m_dirac=v["m_dirac"],
        alpha_em=c.ALPHA_EM_MZ * y_nlsp_hyper**2,
        propagator=settings.propagator,
        statistics=settings.statistics,
    )
    w_status = jnp.zeros((), jnp.int32)
    if settings.washout == "boltzmann":
        res = _wo.washout_factor(
            wp,
            cosmo,
            z_start=settings.z_start,
            z_end=settings.z_end,
            rtol=settings.rtol,
            atol=settings.atol,
            max_steps=settings.max_steps,
            solver=settings.solver,
        )
        eps, eps_inst, z_b, eps_fre, z_f = res.epsilon, res.epsilon_instant, res.z_b, res.epsilon_freeze, res.z_f
        w_status = w_status | jnp.where(
            (res.status & (_wo.STATUS_ODE_FAILED | _wo.STATUS_NONFINITE)) != 0, STATUS_WASHOUT_FAILED, 0
        )
        w_status = w_status | jnp.where((res.status & _wo.STATUS_BAD_INPUT) != 0, STATUS_BAD_INPUT, 0)
        w_status = w_status | jnp.where((res.status & _wo.STATUS_NO_DECOUPLING) != 0, STATUS_NO_DECOUPLING, 0)
    else:
        z0, z1, nn = settings.z_start, settings.z_end, _wo.N_NEWTON_CHAIN
        dec = _wo.decoupling(wp, cosmo, rate="gamma", z_min=z0, z_max=z1, n_newton=nn)
        fre = _wo.decoupling(wp, cosmo, rate="freeze", z_min=z0, z_max=z1, n_newton=nn)
        z_b, z_f = dec.z_b, fre.z_b
        eps_inst = _wo.instant_washout_factor(z_b, settings.statistics)
        eps_fre = _wo.instant_washout_factor(z_f, settings.statistics)
        eps = {"instant": eps_inst, "freeze": eps_fre, "none": jnp.ones((), dtype)}[settings.washout]
        w_status = w_status | jnp.where(fre.status == _wo.STATUS_NO_DECOUPLING, STATUS_NO_DECOUPLING, 0)
        w_status = w_status | jnp.where(dec.status == _wo.STATUS_BAD_INPUT, STATUS_BAD_INPUT, 0)
        w_status = w_status | jnp.where(
            (dec.status == _wo.STATUS_NONFINITE) | (fre.status == _wo.STATUS_NONFINITE) | ~jnp.isfinite(eps),
            STATUS_WASHOUT_FAILED,
            0,
        )
    one = jnp.ones((), dtype)
    z0 = jnp.asarray(settings.z_start, dtype)
    eps = jnp.where(r_exact, one, eps)
    eps_inst = jnp.where(r_exact, one, eps_inst)
    eps_fre = jnp.where(r_exact, one, eps_fre)
    z_b = jnp.where(r_exact, z0, z_b)
    z_f = jnp.where(r_exact, z0, z_f)
    w_status = jnp.where(r_exact, w_status & ~STATUS_NO_DECOUPLING, w_status)
    if settings.washout == "none":
        w_status = w_status & ~STATUS_NO_DECOUPLING
    full = (eps <= _EPS_MIN) & ((w_status & STATUS_WASHOUT_FAILED) == 0)
    eps_safe = jnp.where(eps > _EPS_MIN, eps, 1.0)

    # 3. equilibrium stages and the gravitino mass: eqs. (17), (21)-(26)
    gp = _gravitino_linear(settings, v["b_minus_l_alpha"], v["dm_to_baryon"], eps_safe, v["proton_mass"], dtype)
    g_status = jnp.where(
        (gp.status == 1) | (gp.status == 2),
        STATUS_EQUILIBRIUM_FAILED,
        jnp.where(gp.status == 3, STATUS_BAD_INPUT, jnp.where(gp.status == 4, STATUS_NO_ASYMMETRY, 0)),
    )
    bl = gp.b_minus_l
    bl_safe = jnp.where(bl != 0, bl, 1.0)
    per = lambda x: jnp.where(bl != 0, x / bl_safe, 0.0)  # noqa: E731

    status = jnp.where(bad, STATUS_BAD_INPUT, w_status | g_status | jnp.where(full, STATUS_FULL_WASHOUT, 0))
    upstream_ok = (status & (STATUS_ERROR_MASK & ~STATUS_HEAVY_GRAVITINO)) == 0
    m32 = jnp.where(upstream_ok, gp.m_gravitino, 0.0)

    # 4. signatures: y_NLSP (eq. (25) inverted), eq. (27), BBN
    y_nlsp = jnp.where(upstream_ok, eps * jnp.abs(gp.nlsp_to_baryon) * v["baryon_yield"], 0.0)
    heavy = upstream_ok & (m32 >= m)
    sig_ok = upstream_ok & ~heavy
    bbn = _sig.bbn_check(m, jnp.where(sig_ok, y_nlsp, 1e-11), jnp.where(sig_ok, m32, 1.0))
    status = status | jnp.where(heavy, STATUS_HEAVY_GRAVITINO, 0)
    status = status | jnp.where(
        sig_ok & (bbn.status == _sig.STATUS_LIFETIME_BELOW_RANGE), STATUS_LIFETIME_BELOW_RANGE, 0
    )
    status = status | jnp.where(
        sig_ok & (bbn.status == _sig.STATUS_LIFETIME_ABOVE_RANGE), STATUS_LIFETIME_ABOVE_RANGE, 0
    )
    status = status | jnp.where(
        sig_ok & (bbn.status != _sig.STATUS_INVALID_INPUT) & (bbn.margin > 1.0), STATUS_BBN_EXCLUDED, 0
    )
    status = jnp.where(bad, STATUS_BAD_INPUT, status).astype(jnp.int32)
    tau = jnp.where(sig_ok, bbn.lifetime, 0.0)
    bound = jnp.where(sig_ok, bbn.bound, 0.0)
    ratio = jnp.where(sig_ok, bbn.margin, 0.0)

    good = ~bad
    z = lambda x: jnp.where(good, x, zero).astype(dtype)  # noqa: E731  (bad input: every float output 0)
    out = dict(
        b_minus_l=z(bl),
        baryon_high=z(per(gp.baryon_high)),
        r_charge=z(per(gp.r_charge)),
        nlsp_yield=z(per(gp.nlsp_yield)),
        baryon_low=z(per(gp.baryon_low)),
        nlsp_to_baryon=z(gp.nlsp_to_baryon),
        m_majorana=z(m_maj),
        m_majorana_loop=z(m_loop),
        m_majorana_thermal=z(m_th),
        mu_loop=z(mu_loop),
        mu_thermal=z(jnp.abs(th.mu)),
        s1_suppression=z(th.suppression),
        z_b=z(z_b),
        surviving_ratio_eq6=z(_wo.surviving_ratio_eq6(z_b)),
        epsilon=z(eps),
        epsilon_instant=z(eps_inst),
        epsilon_freeze=z(eps_fre),
        z_f=z(z_f),
        m_gravitino=z(m32),
        y_nlsp=z(y_nlsp),
        tau_nlsp=z(tau),
        bbn_bound=z(bound),
        bbn_ratio=z(ratio),
    )
    # an overflow anywhere (extreme inputs): an error, and the non-finite values become 0 (never NaN)
    finite = jnp.asarray(True)
    for v in out.values():
        finite = finite & jnp.isfinite(v)
    status = status | jnp.where(finite, 0, STATUS_NONFINITE).astype(jnp.int32)
    out = {k: jnp.where(jnp.isfinite(v), v, zero) for k, v in out.items()}
    return ArduPrediction(
        **out,
        status=(status & STATUS_ERROR_MASK).astype(jnp.int32),
        flags=(status & ~STATUS_ERROR_MASK).astype(jnp.int32),
    )


def _batch_shape(params: ArduParams):
    return batch_shape(params, "ArduParams", _ARDU_EVENT)


#: points per chunk of :func:`rsymmetric_adm_batch` (``chunk_size="auto"``) with the default Boltzmann washout
#: (``washout="boltzmann"``, ``solver="quadrature"``: 64 nodes per point, XLA temp 974 MiB for 2e5 points in one flat
#: vmap). Measured 2026-12-04 (2 CPU cores, N = 2e5 bench_chains.ardu_params, timed interleaved, median of 5): flat
#: vmap 1.56e5 points/s, chunks of 4096 2.79e5, 8192 3.02e5 (1.9x; XLA temp ~75 MiB), 16384 2.85e5. The instant
#: washout stays one flat vmap (1.22e6 flat against 1.02e6 in chunks of 8192).
ARDU_CHUNK = 8192
#: the same on a GPU/TPU: one flat vmap of 1e7 points took 56 GiB of XLA buffers on an H200 (9.3e7 points/s,
#: 2026-12-04); chunks of 2**20 bound that to ~6 GiB (their speed there not yet measured)
ARDU_CHUNK_ACCELERATOR = 2**20


@eqx.filter_jit
def _batch_impl(params, settings, cosmology, chunk_size):
    shape = _batch_shape(params)
    n = int(np.prod(shape))
    dtype = jnp.result_type(float)
    flat = {k: jnp.broadcast_to(jnp.asarray(getattr(params, k), dtype), shape).reshape(n) for k in _SCALAR_FIELDS}
    flat["b_minus_l_alpha"] = jnp.broadcast_to(jnp.asarray(params.b_minus_l_alpha, dtype), shape + (3,)).reshape(n, 3)
    p = ArduParams(**flat)
    if chunk_size == "auto" and not (settings.washout == "boltzmann" and settings.solver == "quadrature"):
        chunk_size = None
    auto = per_backend(ARDU_CHUNK, ARDU_CHUNK_ACCELERATOR)
    out = chunked_vmap(lambda q: rsymmetric_adm(q, settings, cosmology), p, n, chunk_size, auto)
    return jax.tree_util.tree_map(lambda a: a.reshape(shape), out)


def rsymmetric_adm_batch(
    params: ArduParams,
    settings: ArduSettings = ArduSettings(),
    cosmology: Cosmology | None = None,
    chunk_size: int | None | str = "auto",
) -> ArduPrediction:
    """:func:`rsymmetric_adm` over a batch: jitted ``jax.vmap`` (one compile per settings and batch shape).

    The fields of ``params`` are broadcast together (scalars, e.g. defaults, broadcast to the batch; the batch
    shape of ``b_minus_l_alpha`` is its shape without the last axis of 3); each prediction field gets the batch
    shape.  One bad point is flagged in its ``status`` and does not affect the others.

    ``chunk_size``: ``"auto"`` (default): ``jax.lax.map`` over vmapped chunks of :data:`ARDU_CHUNK` points (GPU/TPU:
    :data:`ARDU_CHUNK_ACCELERATOR`) with the default Boltzmann washout (batches above two chunks; 1.9x the points/s
    of one flat vmap at N = 2e5 on 2 cores, bounded memory), one flat vmap otherwise; ``None``: always one flat vmap; an int: chunks of that size (the batch
    padded by repeating its last point).
    """
    require_x64("jaxgen.scenarios.rsymmetric_adm_batch")
    check_chunk_size("rsymmetric_adm_batch", chunk_size)
    if not isinstance(settings, ArduSettings):
        raise TypeError(f"settings must be an ArduSettings, got {type(settings).__name__}")
    if not isinstance(params, ArduParams):
        raise TypeError(f"rsymmetric_adm_batch takes an ArduParams, got {type(params).__name__}")
    for name in _ARDU_EVENT:
        v = getattr(params, name)
        if not isinstance(v, jax.core.Tracer):
            _concrete_real(name, v)  # TypeError naming a non-numeric field
    if np.shape(params.b_minus_l_alpha)[-1:] != (3,):
        raise ValueError(
            f"rsymmetric_adm_batch: b_minus_l_alpha needs a last axis of length 3, got shape "
            f"{np.shape(params.b_minus_l_alpha)}"
        )
    params = jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.result_type(float)), params)
    _batch_shape(params)  # ValueError naming the fields whose batch shapes disagree
    return _batch_impl(params, settings, cosmology, chunk_size)
