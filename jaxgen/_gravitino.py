"""Gravitino dark-matter mass from the lepton asymmetry in the R-symmetric MSSM (Ardu, Queiroz Correa, Vives 2025).

The chain (derivation and every choice: ``docs/derivations/r_symmetric_equilibrium.md``):

1. ``T >~ m_SUSY``: the initial B/3 - L_alpha yields are shared out in chemical equilibrium in the R-symmetric MSSM
   with its R-breaking singlet sector in equilibrium (Ardu et al. Section 4.1, eqs. (13)-(17), Appendix B).
   Massless: B = 8/23 (B - L) and the net R charge R = -6/23 (B - L), carried entirely by the sleptons (the squark
   R charge cancels by the QCD sphaleron condition, the Higgs-sector R charge by mu_Hu = -mu_Hd).
2. R-breaking freezes out; the sparticles decay and the net R charge ends in the NLSP (eq. (21)):
   Delta Y_NLSP = R / R_NLSP.
3. ``T <~ m_SUSY``: SM equilibrium (Yukawas, sphalerons; one Higgs doublet) with hypercharge and B/3 - L_alpha
   conservation that include the frozen NLSP's hypercharge and lepton number (eqs. (22)-(24)); Delta Y_B is frozen
   when the EW sphalerons decouple.
4. Gravitino mass (eqs. (25)-(26)): each NLSP (or anti-NLSP) decays to one gravitino, so
   n_3/2 / n_B = |Delta Y_NLSP| / Delta Y_B and Omega_DM / Omega_B = m_3/2 |Delta Y_NLSP| / (m_p Delta Y_B), i.e.
   m_3/2 = (Omega_DM/Omega_B) m_p |Delta Y_B / Delta Y_NLSP| / epsilon  with epsilon the washout factor.

Exact results (massless spectrum, any flavour split of B - L):
    NLSP = right-handed slepton: Delta Y_NLSP / Delta Y_B = 237/388 = 0.6108 -> m_3/2 = 8.307 GeV
    NLSP = left-handed slepton or sneutrino: Delta Y_NLSP / Delta Y_B = -237/247 = -0.9595 -> m_3/2 = 5.288 GeV
(signed for the NLSP state of lepton number +1; the minus sign: the surviving NLSPs are anti-sleptons), with
Omega_DM/Omega_B = 26.5/4.9 (Ardu et al. Section 1, the ratio behind Table 2; eq. (25) prints "~ 5", which would
give 7.68 and 4.89 GeV).  Ardu et al. Table 2: 8.3 GeV and 5.3 GeV (agreement to the printed precision).
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from . import _constants as c
from .models import _rsymmetric as _rs

__all__ = ["GravitinoPrediction", "gravitino_mass", "gravitino_prediction", "NLSP_CHOICES"]

#: Valid NLSP names (Ardu et al. Table 2 rows).
NLSP_CHOICES = tuple(_rs.NLSP_TYPES)
_FLAVOUR_INDEX = {"e": 0, "mu": 1, "tau": 2}


def _check_nlsp(nlsp):
    if not isinstance(nlsp, str) or nlsp not in _rs.NLSP_TYPES:
        raise ValueError(
            f"unknown NLSP {nlsp!r}; choose one of {list(NLSP_CHOICES)}: "
            + "; ".join(f"{k!r}: {v['text']}" for k, v in _rs.NLSP_TYPES.items())
        )


class GravitinoPrediction(eqx.Module):
    """Every intermediate quantity of the chain, per unit B - L (yields per entropy, dimensionless).

    Attributes:
        b_minus_l: Y_{B-L} (input total, conserved throughout).
        baryon_high: Y_B in the high-T equilibrium (= 8/23 Y_{B-L} massless).
        r_charge: net R-charge yield of the high-T equilibrium (= -6/23 Y_{B-L} massless), eq. (21).
        nlsp_yield: Delta Y of the NLSP state with lepton number +1 after all sparticles decayed (eq. (21)).
        baryon_low: Delta Y_B when the EW sphalerons decouple (eqs. (22)-(24)).
        nlsp_to_baryon: nlsp_yield / baryon_low (signed).
        m_gravitino: m_3/2 in GeV (eq. (26)).
        status: int, 0 = ok; 1 = a singular equilibrium system; 2 = a negative susceptibility;
            3 = washout not in (0, 1] or dm_to_baryon <= 0 or proton_mass <= 0; 4 = no NLSP asymmetry (R charge 0).
            At a bad point m_gravitino is set to 0, not NaN.
    """

    b_minus_l: jnp.ndarray
    baryon_high: jnp.ndarray
    r_charge: jnp.ndarray
    nlsp_yield: jnp.ndarray
    baryon_low: jnp.ndarray
    nlsp_to_baryon: jnp.ndarray
    m_gravitino: jnp.ndarray
    status: jnp.ndarray


@functools.cache
def _stages(reactions_off, n_higgs_low):
    return _rs.high_temperature_stage(reactions_off), _rs.low_temperature_model(n_higgs_low)


def gravitino_prediction(
    nlsp: str,
    dm_to_baryon=c.DM_TO_BARYON_ARDU_2025,
    washout: float | jax.Array = 1.0,
    *,
    b_minus_l_alpha=(1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0),
    proton_mass=c.M_PROTON,
    high_t_k=None,
    low_t_k=None,
    high_t_masses: dict | None = None,
    high_t_temperature=None,
    nlsp_flavour: str = "tau",
    n_higgs_low: int = 1,
    reactions_off: tuple = (),
) -> GravitinoPrediction:
    """The full chain of Ardu et al. 2025, Section 4 (eqs. (17), (21)-(26)), with every intermediate result.

    Args:
        nlsp: "slepton_R", "slepton_L" or "sneutrino" (static).
        dm_to_baryon: Omega_DM/Omega_B (default 26.5/4.9, Ardu et al. Section 1).
        washout: epsilon in (0, 1] of eq. (26) (1 = no washout below m_SUSY).
        b_minus_l_alpha: (..., 3) initial Y_{B/3-L_alpha} (only the sum matters for massless species).
        proton_mass: m_p in GeV (eq. (25)).
        high_t_k: optional (..., 39) susceptibilities k_i of the high-T species (default massless: 1 fermion,
            2 boson); e.g. k(m/T) from ``kernels.asymmetry_factor`` for sparticles not much lighter than T.
        low_t_k: optional (..., n) susceptibilities of the low-T SM species (e.g. a Boltzmann-suppressed top).
        high_t_masses: optional {high-T species name: mass in GeV} (e.g. ``{"q_s": 2e3, "e_c_tau_s": 1e3}``) with
            ``high_t_temperature`` (GeV): those species get k(m/T) from ``kernels.asymmetry_factor`` (overriding
            ``high_t_k`` for them).  Differentiable in the masses and the temperature.
        nlsp_flavour: lepton flavour of the NLSP ("e", "mu", "tau"; static).
        n_higgs_low: light Higgs doublets below m_SUSY (1 = SM, reproduces Table 2; 2 = the literal "4 mu_H" of
            eq. (24)).
        reactions_off: high-T reaction groups switched off (static; see ``jaxgen.models._rsymmetric``).  Switching
            both R-breaking groups off raises (the R charge would then be an undetermined input; with R = 0 initially
            there is no NLSP asymmetry, Ardu et al. Section 2).

    All continuous inputs are jit/vmap/grad-able and broadcast together.
    """
    _check_nlsp(nlsp)
    if nlsp_flavour not in _FLAVOUR_INDEX:
        raise ValueError(f"nlsp_flavour must be one of {list(_FLAVOUR_INDEX)}, got {nlsp_flavour!r}")
    if isinstance(washout, (int, float)) and not 0.0 < washout <= 1.0:
        raise ValueError(f"washout epsilon must be in (0, 1] (Ardu et al. eq. (26)), got {washout}")
    if isinstance(dm_to_baryon, (int, float)) and dm_to_baryon <= 0:
        raise ValueError(f"dm_to_baryon must be positive, got {dm_to_baryon}")
    high, low = _stages(tuple(reactions_off), int(n_higgs_low))
    info = _rs.NLSP_TYPES[nlsp]

    D = jnp.asarray(b_minus_l_alpha)
    dtype = jnp.result_type(D.dtype, jnp.asarray(dm_to_baryon).dtype, jnp.asarray(washout).dtype, jnp.float32)
    D = D.astype(dtype)
    zero = jnp.zeros(D.shape[:-1] + (1,), dtype)
    values = jnp.concatenate([zero, D], axis=-1)  # (Y, B/3-L_e, B/3-L_mu, B/3-L_tau)

    # 1. high-T equilibrium (eq. (17))
    w_high = None if high_t_k is None else jnp.asarray(high_t_k, dtype) * jnp.asarray(high.dof, dtype)
    if high_t_masses:
        if w_high is None:
            w_high = jnp.asarray(high.default_weights(), dtype)
        w_high = _rs.stage_weights(high, w_high / jnp.asarray(high.dof, dtype), high_t_masses, high_t_temperature)
    hs = _rs.solve_stage(high, values, w_high)
    r_charge = hs.charge("R")
    # 2. net R charge into the NLSP (eq. (21)): Delta Y_NLSP = R / R_NLSP
    n_nlsp = r_charge / float(info["R"])
    # 3. low-T equilibrium with the NLSP's hypercharge and lepton number (eq. (24)):
    #    total Y = Y_SM + Y_NLSP N = 0;  total B/3 - L_a = (B/3 - L_a)_SM - L_a(NLSP) N = D_a
    off = np.zeros(4)
    off[0] = float(info["Y"])
    off[1 + _FLAVOUR_INDEX[nlsp_flavour]] = -float(info["L"])
    offsets = n_nlsp[..., None] * jnp.asarray(off, dtype)
    w_low = None if low_t_k is None else jnp.asarray(low_t_k, dtype) * jnp.asarray(low.dof, dtype)
    ls = _rs.solve_stage(low, values, w_low, offsets)
    baryon_low = ls.charge("B")
    # 4. gravitino mass (eqs. (25)-(26))
    eps = jnp.asarray(washout, dtype)
    ratio_ok = (jnp.abs(n_nlsp) > 0) & (jnp.abs(baryon_low) > 0)
    safe_n = jnp.where(ratio_ok, n_nlsp, 1.0)
    safe_b = jnp.where(ratio_ok, baryon_low, 1.0)
    ratio = jnp.where(ratio_ok, safe_n / safe_b, 0.0)
    bad_in = (eps <= 0) | (eps > 1) | (jnp.asarray(dm_to_baryon) <= 0) | (jnp.asarray(proton_mass) <= 0)
    m32 = jnp.asarray(dm_to_baryon, dtype) * jnp.asarray(proton_mass, dtype) * jnp.abs(safe_b / safe_n) / eps
    status = jnp.maximum(hs.status, ls.status)
    status = jnp.where(status == 0, jnp.where(bad_in, 3, jnp.where(ratio_ok, 0, 4)), status).astype(jnp.int32)
    m32 = jnp.where(status == 0, m32, 0.0)
    shape = jnp.broadcast_shapes(m32.shape, r_charge.shape)
    bc = lambda x: jnp.broadcast_to(x, shape)  # noqa: E731
    return GravitinoPrediction(
        b_minus_l=bc(hs.charge("B-L")),
        baryon_high=bc(hs.charge("B")),
        r_charge=bc(r_charge),
        nlsp_yield=bc(n_nlsp),
        baryon_low=bc(baryon_low),
        nlsp_to_baryon=bc(ratio),
        m_gravitino=bc(m32),
        status=bc(status),
    )


def gravitino_mass(nlsp: str, dm_to_baryon=c.DM_TO_BARYON_ARDU_2025, washout=1.0, **kwargs) -> jnp.ndarray:
    """Predicted gravitino mass m_3/2 in GeV (Ardu et al. 2025, eqs. (25)-(26), Table 2).

    m_3/2 = (Omega_DM/Omega_B) m_p |Delta Y_B / Delta Y_NLSP| / epsilon, with the ratio from the equilibrium chain
    (see :func:`gravitino_prediction`, which also takes the keyword arguments accepted here and returns every
    intermediate result and a status code).

    Args:
        nlsp: "slepton_R" (8.307 GeV), "slepton_L" or "sneutrino" (5.288 GeV) with the defaults.
        dm_to_baryon: Omega_DM/Omega_B, default 26.5/4.9 (the ratio Ardu et al. use; ``constants.PLANCK_2018
            .dm_to_baryon`` = 5.364 gives 8.24 / 5.25 GeV).
        washout: epsilon in (0, 1].

    Differentiable in ``dm_to_baryon``, ``washout`` and the keyword susceptibilities; vmappable.  Invalid traced
    inputs give 0 (see ``gravitino_prediction(...).status``); invalid Python inputs raise ValueError.
    """
    return gravitino_prediction(nlsp, dm_to_baryon, washout, **kwargs).m_gravitino
