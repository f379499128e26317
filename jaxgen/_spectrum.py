"""SLHA spectra in: B/(B-L) at sphaleron freeze-out and the asymmetric-DM mass m_X for an MSSM spectrum.

Maps the PDG codes of a spectrum read by :mod:`jaxgen._slha_reader` onto the species of :func:`jaxgen.models.mssm`,
weights every species by its smooth Boltzmann suppression k(m/T) at the sphaleron freeze-out temperature and solves
chemical equilibrium with :mod:`jaxgen.equilibrium` for B/(B-L) and the dark-matter mass (Hall, March-Russell, West
2010, Sec. 3, eqs. (3.1)-(3.3)). Public as :mod:`jaxgen.slha`.

Layer: an output-level driver (4.0, like the reader): it turns a file (:func:`read_slha`) into a prediction; the
physics it uses is layer 1 (``jaxgen.equilibrium``, ``jaxgen.models``, ``jaxgen_kernels``).

Physics
-------
* Temperature: T_sph = 131.7 GeV (D'Onofrio, Rummukainen, Tranberg, PRL 113 (2014) 141602: T_* = 131.7 +- 2.3 GeV,
  the temperature at which the electroweak sphaleron rate falls below the Hubble rate in the SM). A setting.
* Asymmetry of a species (a gauge multiplet with one chemical potential, ``jaxgen.models``):
  n - nbar = (T^2/6) mu sum_c g_c k(m_c/T) over its components c (Ardu et al. 2025 eq. (1) with the mass kernel k of
  ``kernels.asymmetry_factor``: k_B(0) = 2, k_F(0) = 1, k -> 0 smoothly as z^{3/2} e^{-z}). Heavy states are never cut
  off by hand: a state with m = T still counts with k_B(1) = 1.15 (57 % of a massless boson).
* Mixing: a component c (a chirality state such as t_L) spread over mass eigenstates a with mixing matrix R
  (f_a = sum_c R_ac f_c, the SLHA convention) has k_c = sum_a |R_ac|^2 k(m_a/T). With the SLHA2 6x6 sfermion blocks
  (USQMIX, DSQMIX, SELMIX, SNUMIX) that covers flavour mixing; with the SLHA1 blocks STOPMIX, SBOTMIX, STAUMIX the
  third generation; without mixing blocks each mass eigenstate IS a chirality state (1000006 = t_L, 2000006 = t_R,
  the usual approximation for small L-R mixing). The species weight is the dof-weighted mean over its components,
  k_species = sum_c g_c k_c / sum_c g_c (e.g. sQ1 = (u_L, d_L) with 3 colours each: k = (k_uL + k_dL)/2), and the
  engine is given k_species directly (``jaxgen.equilibrium.solve(..., k=...)``). The effective mass m_eff with
  k(m_eff/T) = k_species (k is monotone, so m_eff is unique) is reported only.
  Same chemical potential for the components of a doublet and for L-R-mixed states: the approximation of the model
  (gauge and trilinear interactions in equilibrium).
* Higgsinos: h_u = (h_u^+, h_u^0), h_d = (h_d^0, h_d^-). With NMIX (basis B, W3, H_d^0, H_u^0), UMIX (W^-, H_d^-) and
  VMIX (W^+, H_u^+): k(h_u^0) = sum_a |N_a4|^2 k_F(m_chi0_a/T), k(h_u^+) = sum_a |V_a2|^2 k_F(m_chi+_a/T), likewise
  h_d with N_a3 and U_a2. Without them: all four components at |mu| from BLOCK HMIX entry 1 (or ``higgsino_mass``).
* Gauginos are Majorana (mu = 0 in the model): their k is reported but does not enter B/(B-L).
* Higgs sector (``higgs_sector``): the light SM-like doublet is massless (the convention of Hall et al. eq. (3.1) and
  Harvey-Turner; its Goldstones are the longitudinal W, Z). The heavy doublet (H^0, A^0, H^+-) has
  k_heavy = k(m_H+/T)/2 + k(m_H0/T)/4 + k(m_A/T)/4. Because mu_Hd = -mu_Hu in equilibrium, every mass eigenstate
  (a mixture of H_u and i sigma_2 H_d^*) carries the same chemical potential, and only k_Hu + k_Hd = k_B(0) + k_heavy
  matters; it is shared equally. ``higgs_sector="light"`` makes both doublets massless (Hall et al. eq. (3.3)).
  So with every superpartner AND the heavy Higgs doublet decoupled one gets the SM with one doublet, 28/79 = 0.3544
  (Hall eq. (3.1) with N_H = 1); Hall's 8/23 = 0.3478 needs both doublets light (m_A << T_sph).
* SM fermions are massless (as in Hall et al. eq. (3.1)); the gravitino (1000039) is not in equilibrium (ignored).
* The reaction network is the full MSSM of :func:`jaxgen.models.mssm` (all Yukawas, gaugino vertices, mu and B_mu
  terms, EW and QCD sphalerons in equilibrium): heavy states are suppressed through their asymmetry weights only.
* DM mass (Hall et al. eqs. (3.2)-(3.3)): the hidden X number is linked by B - L + X = 0, so X = -(B - L) and
  rho_DM/rho_B = m_X |n_X| / (m_p |n_B|)  =>  m_X = (Omega_DM/Omega_b) m_p |B/X| = (Omega_DM/Omega_b) m_p B/(B-L)
  for a DM particle of unit X charge (:func:`jaxgen.equilibrium.dark_matter_mass`). Hall et al. print
  "B = (28/79) X"; with B - L + X = 0 the signs are opposite (B/X < 0, ``baryon_to_x``); they mean |B| = c |X|.


Precision: the problem is linear (an O(1) ratio), so float32 gives ~1e-6 relative accuracy; float64 is used when
enabled. Errors: a spectrum that lacks states the physics needs, bad settings raise ``ValueError`` naming the fix.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import pathlib

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import jaxgen_kernels as kernels

from . import _constants as c
from . import equilibrium as _eq
from . import models as _models
from ._slha_reader import PDG_NAMES, SlhaSpectrum, read_slha
from ._units import units_field

__all__ = [
    "T_SPHALERON",
    "HIGGS_SECTORS",
    "SlhaSettings",
    "SpectrumPrediction",
    "species_weights",
    "predict_spectrum",
    "dm_to_baryon_value",
]

#: Sphaleron freeze-out temperature in GeV (D'Onofrio, Rummukainen, Tranberg, PRL 113 (2014) 141602:
#: T_* = 131.7 +- 2.3 GeV).
T_SPHALERON: float = 131.7

#: ``"spectrum"``: heavy Higgs doublet from m_H0, m_A0, m_H+ of the file; ``"light"``: both doublets massless.
HIGGS_SECTORS = ("spectrum", "light")

# Sectors: mass eigenstates (PDG codes, in SLHA2 mass order), the chirality components they mix, the SLHA1 and
# SLHA2 mixing blocks. Component names: uL1 (u_L of generation 1), uR3 (t_R), nu2, eR1, ...
_SECTORS = {
    "up squarks": dict(
        codes=(1000002, 1000004, 1000006, 2000002, 2000004, 2000006),
        comps=("uL1", "uL2", "uL3", "uR1", "uR2", "uR3"),
        slha2="USQMIX",
        slha1="STOPMIX",
        slha1_rows=(1000006, 2000006),
        slha1_cols=("uL3", "uR3"),
        stat="boson",
    ),
    "down squarks": dict(
        codes=(1000001, 1000003, 1000005, 2000001, 2000003, 2000005),
        comps=("dL1", "dL2", "dL3", "dR1", "dR2", "dR3"),
        slha2="DSQMIX",
        slha1="SBOTMIX",
        slha1_rows=(1000005, 2000005),
        slha1_cols=("dL3", "dR3"),
        stat="boson",
    ),
    "charged sleptons": dict(
        codes=(1000011, 1000013, 1000015, 2000011, 2000013, 2000015),
        comps=("eL1", "eL2", "eL3", "eR1", "eR2", "eR3"),
        slha2="SELMIX",
        slha1="STAUMIX",
        slha1_rows=(1000015, 2000015),
        slha1_cols=("eL3", "eR3"),
        stat="boson",
    ),
    "sneutrinos": dict(
        codes=(1000012, 1000014, 1000016), comps=("nu1", "nu2", "nu3"), slha2="SNUMIX", slha1=None, stat="boson"
    ),
}

# model species -> [(component, dof)]
_SPECIES_COMPONENTS: dict[str, list[tuple[str, float]]] = {}
for _i in (1, 2, 3):
    _SPECIES_COMPONENTS[f"sQ{_i}"] = [(f"uL{_i}", 3.0), (f"dL{_i}", 3.0)]
    _SPECIES_COMPONENTS[f"su{_i}"] = [(f"uR{_i}", 3.0)]
    _SPECIES_COMPONENTS[f"sd{_i}"] = [(f"dR{_i}", 3.0)]
    _SPECIES_COMPONENTS[f"sL{_i}"] = [(f"nu{_i}", 1.0), (f"eL{_i}", 1.0)]
    _SPECIES_COMPONENTS[f"se{_i}"] = [(f"eR{_i}", 1.0)]
_SPECIES_COMPONENTS.update(
    {
        "h_u": [("hu0", 1.0), ("hu+", 1.0)],
        "h_d": [("hd0", 1.0), ("hd-", 1.0)],
        "bino": [("B", 1.0)],
        "wino": [("W3", 1.0), ("W+", 1.0), ("W-", 1.0)],
        "gluino": [("g", 1.0)],
    }
)
#: species whose masses enter the engine (gauginos are Majorana, mu = 0: reported only)
_ENGINE_SPECIES = tuple(s for s in _SPECIES_COMPONENTS if s not in ("bino", "wino", "gluino")) + ("H_u", "H_d")
_REPORT_SPECIES = _ENGINE_SPECIES + ("bino", "wino", "gluino")
_STATISTICS = {s: ("fermion" if s in ("h_u", "h_d", "bino", "wino", "gluino") else "boson") for s in _REPORT_SPECIES}

_NEUTRALINOS = (1000022, 1000023, 1000025, 1000035)
_CHARGINOS = (1000024, 1000037)


# ---------------------------------------------------------------------------------------------------------------
# species weights
# ---------------------------------------------------------------------------------------------------------------
_PAD = 32  # evaluate k on padded blocks of this size: one compile per statistics, whatever the spectrum


@functools.partial(jax.jit, static_argnames="statistics")
def _k_block(z, statistics):
    return kernels.asymmetry_factor(z, statistics)


@functools.partial(jax.jit, static_argnames="statistics")
def _invert_block(kval, statistics):
    """ln z with k(z) = kval by bisection in ln z on [ln 1e-9, ln 700] (k strictly decreasing), 80 halvings."""
    lo = jnp.full_like(kval, math.log(1e-9))
    hi = jnp.full_like(kval, math.log(700.0))

    def body(_, bounds):
        lo, hi = bounds
        mid = 0.5 * (lo + hi)
        above = kernels.asymmetry_factor(jnp.exp(mid), statistics) > kval  # still too light
        return jnp.where(above, mid, lo), jnp.where(above, hi, mid)

    lo, hi = jax.lax.fori_loop(0, 80, body, (lo, hi))
    return 0.5 * (lo + hi)


def _padded(fn, x, statistics):
    x = np.atleast_1d(np.asarray(x, float))
    flat = x.reshape(-1)
    n = max(_PAD, -(-flat.size // _PAD) * _PAD)
    buf = np.concatenate([flat, np.full(n - flat.size, flat[-1] if flat.size else 1.0)])
    return np.asarray(fn(jnp.asarray(buf), statistics), float)[: flat.size].reshape(x.shape)


def _k(z, statistics):
    """k(z) on the host (numpy in, numpy out; scalars give 0-d arrays)."""
    shape = np.shape(z)
    return _padded(_k_block, z, statistics).reshape(shape)


@functools.lru_cache(maxsize=4)
def _k0(statistics: str) -> float:
    return float(_k(0.0, statistics))


def _invert_k(kval: np.ndarray, statistics: str, temperature: float) -> np.ndarray:
    """m (GeV) with k(m/T) = kval (bisection in ln z; k is strictly decreasing). k >= k(0) -> 0."""
    kval = np.asarray(kval, float)
    z = np.exp(_padded(_invert_block, kval, statistics))
    z = np.where(kval >= _k0(statistics) * (1 - 1e-15), 0.0, z)
    return z * temperature


def _require(spec: SlhaSpectrum, codes, needed_for: str):
    missing = [cd for cd in codes if cd not in spec.masses]
    if missing:
        names = ", ".join(f"{cd} ({PDG_NAMES.get(cd, '?')})" for cd in missing)
        raise ValueError(
            f"BLOCK MASS of {spec.source} lacks PDG code(s) {names}, needed for {needed_for}; add "
            "them (a very heavy state can be given a large mass, e.g. 1.0E+04)"
        )


def _sector_components(spec: SlhaSpectrum, sector: str, temperature: float) -> tuple[dict, list[str]]:
    info = _SECTORS[sector]
    codes, comps = info["codes"], info["comps"]
    _require(spec, codes, f"the {sector}")
    notes = []
    n = len(codes)
    if info["slha2"] in spec.mixing:
        prob = spec.mixing[info["slha2"]]
        notes.append(f"{sector}: SLHA2 flavour mixing from BLOCK {info['slha2']}")
    else:
        prob = np.eye(n)
        if info["slha1"] and info["slha1"] in spec.mixing:
            rows = [codes.index(cd) for cd in info["slha1_rows"]]
            cols = [comps.index(cc) for cc in info["slha1_cols"]]
            m = spec.mixing[info["slha1"]]
            for a, r in enumerate(rows):
                for b, cidx in enumerate(cols):
                    prob[r, cidx] = m[a, b]
            notes.append(f"{sector}: third-generation L-R mixing from BLOCK {info['slha1']}")
        else:
            notes.append(f"{sector}: mass eigenstates taken as chirality states (no mixing block)")
    kstate = _k(np.array([spec.masses[cd] for cd in codes]) / temperature, info["stat"])
    kc = prob.T @ kstate
    return dict(zip(comps, kc)), notes


def _neutral_charged_components(spec: SlhaSpectrum, temperature: float, higgsino_mass) -> tuple[dict, list[str]]:
    out, notes = {}, []
    T = temperature
    if higgsino_mass is not None:
        kh = float(_k(abs(float(higgsino_mass)) / T, "fermion"))
        out.update({"hu0": kh, "hu+": kh, "hd0": kh, "hd-": kh})
        notes.append(f"Higgsinos at the given higgsino_mass = {abs(float(higgsino_mass)):.6g} GeV")
    have_mix = all(b in spec.mixing for b in ("NMIX", "UMIX", "VMIX"))
    if have_mix:
        _require(spec, _NEUTRALINOS + _CHARGINOS, "the neutralino/chargino content (NMIX, UMIX, VMIX given)")
        kn = _k(np.array([spec.masses[cd] for cd in _NEUTRALINOS]) / T, "fermion")
        kx = _k(np.array([spec.masses[cd] for cd in _CHARGINOS]) / T, "fermion")
        N, U, V = spec.mixing["NMIX"], spec.mixing["UMIX"], spec.mixing["VMIX"]
        kN, kU, kV = N.T @ kn, U.T @ kx, V.T @ kx
        gauginos = {"B": kN[0], "W3": kN[1], "W-": kU[0], "W+": kV[0]}
        higgsinos = {"hd0": kN[2], "hu0": kN[3], "hd-": kU[1], "hu+": kV[1]}
        out.update(gauginos)
        if higgsino_mass is None:
            out.update(higgsinos)
            notes.append("Higgsino and gaugino components from NMIX/UMIX/VMIX and the neutralino/chargino masses")
    else:
        if higgsino_mass is None:
            if spec.mu is None:
                raise ValueError(
                    f"{spec.source}: cannot place the Higgsinos: give BLOCK NMIX, UMIX and VMIX (with "
                    "the neutralino and chargino masses) or BLOCK HMIX entry 1 (mu), or pass "
                    "higgsino_mass=... (CLI: --higgsino-mass)"
                )
            kh = float(_k(abs(spec.mu) / T, "fermion"))
            out.update({"hu0": kh, "hu+": kh, "hd0": kh, "hd-": kh})
            notes.append(f"Higgsinos at |mu| = {abs(spec.mu):.6g} GeV from BLOCK HMIX (no NMIX/UMIX/VMIX)")
        # gauginos reported only: lightest neutralino ~ bino, lightest chargino ~ wino (rough, no mixing blocks)
        kb = float(_k(spec.masses.get(1000022, 1e30) / T, "fermion"))
        kw = float(_k(spec.masses.get(1000024, 1e30) / T, "fermion"))
        out.update({"B": kb, "W3": kw, "W+": kw, "W-": kw})
    _require(spec, (1000021,), "the gluino")
    out["g"] = float(_k(spec.masses[1000021] / T, "fermion"))
    return out, notes


def species_weights(
    spectrum: SlhaSpectrum,
    temperature: float = T_SPHALERON,
    higgs_sector: str = "spectrum",
    higgsino_mass: float | None = None,
) -> tuple[dict, dict, list[str]]:
    """Per-species asymmetry weights of an SLHA spectrum at temperature T (see the module docstring).

    Args:
        spectrum: from :func:`read_slha`.
        temperature: T in GeV (default T_sph = 131.7 GeV).
        higgs_sector: ``"spectrum"`` (heavy doublet from H0, A0, H+ of the file) or ``"light"`` (both massless).
        higgsino_mass: override the Higgsino mass (GeV) instead of NMIX/UMIX/VMIX or HMIX.

    Returns:
        ``(k, m_eff, notes)``: {species: k(m/T)} (dimensionless, k_B(0) = 2, k_F(0) = 1) and {species: effective mass
        in GeV with k(m_eff/T) = k} for the species of :func:`jaxgen.models.mssm` that carry masses, and the list of
        approximations used.
    """
    T = float(temperature)
    if not (math.isfinite(T) and T > 0):
        raise ValueError(f"temperature must be a positive number of GeV, got {temperature!r}")
    if higgs_sector not in HIGGS_SECTORS:
        raise ValueError(f"higgs_sector must be one of {HIGGS_SECTORS}, got {higgs_sector!r}")
    comps, notes = {}, []
    for sector in _SECTORS:
        kc, nt = _sector_components(spectrum, sector, T)
        comps.update(kc)
        notes += nt
    kc, nt = _neutral_charged_components(spectrum, T, higgsino_mass)
    comps.update(kc)
    notes += nt
    k = {}
    for sp, parts in _SPECIES_COMPONENTS.items():
        k[sp] = sum(g * comps[cn] for cn, g in parts) / sum(g for _, g in parts)
    kb0 = _k0("boson")
    if higgs_sector == "spectrum":
        _require(
            spectrum,
            (35, 36, 37),
            "the heavy Higgs doublet (higgs_sector='spectrum'; use 'light' to make both doublets massless)",
        )
        kh = (
            0.5 * _k(spectrum.masses[37] / T, "boson")
            + 0.25 * _k(spectrum.masses[35] / T, "boson")
            + 0.25 * _k(spectrum.masses[36] / T, "boson")
        )
        k["H_u"] = k["H_d"] = 0.5 * (kb0 + float(kh))
        notes.append("Higgs doublets: light SM-like doublet massless, heavy doublet from m_H0, m_A0, m_H+")
    else:
        k["H_u"] = k["H_d"] = kb0
        notes.append("Higgs doublets: both massless (higgs_sector='light', Hall et al. eq. (3.3))")
    m_eff = {}
    for stat in ("boson", "fermion"):
        names = [s for s in _REPORT_SPECIES if _STATISTICS[s] == stat]
        ms = _invert_k(np.array([k[s] for s in names]), stat, T)
        m_eff.update(dict(zip(names, (float(x) for x in ms))))
    return {s: float(k[s]) for s in _REPORT_SPECIES}, m_eff, notes


# ---------------------------------------------------------------------------------------------------------------
# prediction
# ---------------------------------------------------------------------------------------------------------------
def dm_to_baryon_value(dm_to_baryon) -> float:
    """Omega_DM/Omega_b from a preset name (``"planck2018"`` 5.364, ``"hall2010"`` 4.86, ``"ardu2025"`` 5.408) or a
    positive number."""
    if isinstance(dm_to_baryon, str):
        return float(c.observed(dm_to_baryon).dm_to_baryon)
    try:
        v = float(dm_to_baryon)
    except (TypeError, ValueError):
        raise ValueError(
            f"dm_to_baryon must be a preset name ('planck2018', 'hall2010', 'ardu2025') or a positive "
            f"number, got {dm_to_baryon!r}"
        ) from None
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"dm_to_baryon must be a positive finite number, got {dm_to_baryon!r}")
    return v


class SlhaSettings(eqx.Module):
    """Settings of :func:`predict_spectrum` (all static).

    Attributes:
        temperature: sphaleron freeze-out temperature in GeV (default 131.7, D'Onofrio et al. 2014).
        dm_to_baryon: Omega_DM/Omega_b: a preset name of :func:`jaxgen.constants.observed` or a number.
        higgs_sector: ``"spectrum"`` or ``"light"`` (see the module docstring).
        lepton_flavour_equilibrium: lepton-flavour-changing reactions in equilibrium (default True; off: the
            ``lepton_mixing`` reactions are switched off with flavour-universal B/3 - L_alpha).
        light_threshold: a species is flagged light when k(m/T)/k(0) >= this (a label only; the physics always
            uses the smooth k).
        higgsino_mass: optional Higgsino mass override in GeV.
        strict: unknown PDG codes in BLOCK MASS raise (True) or are ignored (False).
    """

    temperature: float = units_field("GeV", static=True, default=T_SPHALERON)
    dm_to_baryon: str | float = units_field("1", static=True, default="planck2018")
    higgs_sector: str = eqx.field(static=True, default="spectrum")
    lepton_flavour_equilibrium: bool = eqx.field(static=True, default=True)
    light_threshold: float = units_field("1", static=True, default=0.5)
    higgsino_mass: float | None = units_field("GeV", static=True, default=None)
    strict: bool = eqx.field(static=True, default=True)

    def __check_init__(self):
        if not (
            isinstance(self.temperature, (int, float)) and math.isfinite(self.temperature) and self.temperature > 0
        ):
            raise ValueError(f"SlhaSettings.temperature must be a positive number of GeV, got {self.temperature!r}")
        dm_to_baryon_value(self.dm_to_baryon)
        if self.higgs_sector not in HIGGS_SECTORS:
            raise ValueError(f"SlhaSettings.higgs_sector must be one of {HIGGS_SECTORS}, got {self.higgs_sector!r}")
        if not (0.0 < float(self.light_threshold) < 1.0):
            raise ValueError(f"SlhaSettings.light_threshold must be in (0, 1), got {self.light_threshold!r}")
        if self.higgsino_mass is not None and not (math.isfinite(float(self.higgsino_mass))):
            raise ValueError(f"SlhaSettings.higgsino_mass must be finite (GeV) or None, got {self.higgsino_mass!r}")


class SpectrumPrediction(eqx.Module):
    """B/(B-L) and m_X for one SLHA spectrum (Hall et al. 2010 eqs. (3.1)-(3.3) with the spectrum's k factors).

    Attributes:
        species: model species names (static): sfermions sQ1..se3, Higgsinos h_u, h_d, Higgs doublets H_u, H_d,
            gauginos bino, wino, gluino (reported only: Majorana, mu = 0).
        statistics: "boson"/"fermion" per species (static).
        mass: effective mass per species in GeV (k(m/T) = k; reported, the equilibrium uses k; see the module
            docstring).
        k: asymmetry weight k(m/T) per species (dimensionless; k_B(0) = 2, k_F(0) = 1).
        suppression: k/k(0) in [0, 1] (1 = massless, 0 = fully Boltzmann-suppressed).
        light: suppression >= light_threshold (bool per species).
        b_over_b_minus_l: B/(B-L) at T (dimensionless).
        baryon_to_x: B/X with B - L + X = 0 (signed, = -B/(B-L)).
        m_x: predicted DM mass in GeV, (Omega_DM/Omega_b) m_p |B/X|.
        temperature: T in GeV; dm_to_baryon: Omega_DM/Omega_b used.
        status: int32, 0 = ok; otherwise the equilibrium status code (``jaxgen.equilibrium.STATUS``), outputs NaN.
        source, generator, notes, ignored: provenance (static): file, spectrum generator, approximations used,
            PDG codes not used. settings: the :class:`SlhaSettings` fields as ``(name, value)`` pairs (static,
            hashable; ``dict(pred.settings)``).
    """

    species: tuple = eqx.field(static=True)
    statistics: tuple = eqx.field(static=True)
    mass: jnp.ndarray = units_field("GeV")
    k: jnp.ndarray = units_field("1")
    suppression: jnp.ndarray = units_field("1")
    light: jnp.ndarray = units_field("1")
    b_over_b_minus_l: jnp.ndarray = units_field("1")
    baryon_to_x: jnp.ndarray = units_field("1")
    m_x: jnp.ndarray = units_field("GeV")
    temperature: jnp.ndarray = units_field("GeV")
    dm_to_baryon: jnp.ndarray = units_field("1")
    status: jnp.ndarray = units_field("1")
    source: str = eqx.field(static=True, default="")
    generator: str = eqx.field(static=True, default="")
    notes: tuple = eqx.field(static=True, default=())
    ignored: tuple = eqx.field(static=True, default=())
    settings: tuple = eqx.field(static=True, default=())

    def table(self) -> str:
        """A plain-text table: per-species effective mass, k/k(0), light flag, then B/(B-L) and m_X."""
        lines = [
            f"spectrum: {self.source}" + (f"  ({self.generator})" if self.generator else ""),
            f"T = {float(self.temperature):.4g} GeV, Omega_DM/Omega_b = {float(self.dm_to_baryon):.4g}",
            "",
            f"{'species':<8} {'stat':<7} {'m_eff [GeV]':>12} {'k(m/T)':>9} {'k/k(0)':>8}  light",
        ]
        for i, s in enumerate(self.species):
            lines.append(
                f"{s:<8} {self.statistics[i]:<7} {float(self.mass[i]):12.2f} {float(self.k[i]):9.4f} "
                f"{float(self.suppression[i]):8.4f}  {'yes' if bool(self.light[i]) else 'no'}"
            )
        lines += [
            "",
            f"B/(B-L) = {float(self.b_over_b_minus_l):.6f}   (8/23 = {8 / 23:.6f}, 28/79 = {28 / 79:.6f})",
            f"m_X     = {float(self.m_x):.4f} GeV",
            f"status  = {int(self.status)} ({_eq.STATUS.get(int(self.status), '?')})",
        ]
        return "\n".join(lines)

    def to_dataset(self):
        """The prediction as an ``xarray.Dataset`` (dimension ``species``) with units and provenance attributes
        (needs the ``io`` extra)."""
        try:
            import xarray as xr
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("Datasets need xarray (the 'io' extra): pip install 'jaxgen[io]'") from exc
        import json

        from ._io import package_versions

        sp = {"dims": ("species",)}
        data = {
            "mass": xr.Variable(
                sp["dims"],
                np.asarray(self.mass, float),
                {"units": "GeV", "long_name": "effective mass, k(m_eff/T) = k"},
            ),
            "k": xr.Variable(
                sp["dims"],
                np.asarray(self.k, float),
                {"units": "1", "long_name": "asymmetry weight k(m/T) (k_B(0) = 2, k_F(0) = 1)"},
            ),
            "suppression": xr.Variable(
                sp["dims"], np.asarray(self.suppression, float), {"units": "1", "long_name": "k/k(0)"}
            ),
            "light": xr.Variable(
                sp["dims"],
                np.asarray(self.light, np.int8),
                {"units": "1", "long_name": f"k/k(0) >= {dict(self.settings)['light_threshold']}"},
            ),
            "statistics": xr.Variable(sp["dims"], np.asarray(self.statistics, dtype=str)),
            "b_over_b_minus_l": xr.Variable(
                (), float(self.b_over_b_minus_l), {"units": "1", "long_name": "B/(B-L) at T"}
            ),
            "baryon_to_x": xr.Variable(
                (), float(self.baryon_to_x), {"units": "1", "long_name": "B/X with B - L + X = 0"}
            ),
            "m_x": xr.Variable((), float(self.m_x), {"units": "GeV", "long_name": "asymmetric-DM mass m_X"}),
            "temperature": xr.Variable((), float(self.temperature), {"units": "GeV"}),
            "dm_to_baryon": xr.Variable((), float(self.dm_to_baryon), {"units": "1", "long_name": "Omega_DM/Omega_b"}),
            "status": xr.Variable((), int(self.status), {"units": "1", "description": "0 = ok"}),
        }
        attrs = {
            "title": "jaxgen SLHA prediction",
            "source": self.source,
            "generator": self.generator,
            "method": "jaxgen.slha.predict_spectrum (Hall et al. 2010 Sec. 3, eqs. (3.1)-(3.3))",
            "notes": json.dumps(list(self.notes)),
            "ignored_pdg_codes": json.dumps(list(self.ignored)),
            "settings": json.dumps(dict(self.settings), default=str),
            "versions": json.dumps(package_versions()),
        }
        return xr.Dataset(data, coords={"species": np.asarray(self.species, dtype=str)}, attrs=attrs)


@functools.lru_cache(maxsize=2)
def _model():
    return _models.with_hidden_sector(_models.mssm())


def predict_spectrum(
    spectrum: SlhaSpectrum | str | pathlib.Path, settings: SlhaSettings | None = None, **overrides
) -> SpectrumPrediction:
    """B/(B-L) at sphaleron freeze-out and the asymmetric-DM mass m_X for an SLHA spectrum.

    Args:
        spectrum: an :class:`SlhaSpectrum`, a path to an SLHA file, or SLHA text.
        settings: :class:`SlhaSettings` (default: T = 131.7 GeV, Planck 2018 Omega_DM/Omega_b, Higgs sector from
            the spectrum, lepton-flavour equilibrium).
        **overrides: fields of :class:`SlhaSettings` to change (e.g. ``dm_to_baryon="hall2010"``).

    Returns:
        :class:`SpectrumPrediction` (GeV units). Equilibrium: B - L + X = 0, X = -1 (Hall et al. Sec. 3).

    Raises:
        ValueError: see :func:`read_slha` and :func:`species_weights`.
    """
    settings = SlhaSettings() if settings is None else settings
    if overrides:
        unknown = set(overrides) - {f.name for f in dataclasses.fields(SlhaSettings)}
        if unknown:
            raise TypeError(f"unknown SlhaSettings field(s) {sorted(unknown)}")
        settings = dataclasses.replace(settings, **overrides)
    spec = spectrum if isinstance(spectrum, SlhaSpectrum) else read_slha(spectrum, strict=settings.strict)
    T = float(settings.temperature)
    k, m_eff, notes = species_weights(spec, T, settings.higgs_sector, settings.higgsino_mass)
    ratio = dm_to_baryon_value(settings.dm_to_baryon)
    model = _model()
    mask = None if settings.lepton_flavour_equilibrium else model.mask(off=["lepton_mixing*"])
    # the species weights go in as susceptibilities k: no k -> effective mass -> k round trip
    res = _eq.solve(
        model,
        {"B-L+X": 0.0, "X": -1.0},
        temperature=T,
        k={s: k[s] for s in _ENGINE_SPECIES},
        mask=mask,
        outputs=("B", "B-L", "X"),
    )
    b, bl, x = (res.outputs[..., i] for i in range(3))
    c_ratio = b / bl
    m_x = _eq.dark_matter_mass(b / x, ratio, c.M_PROTON)
    species = _REPORT_SPECIES
    kk = np.array([k[s] for s in species])
    supp = kk / np.array([_k0(_STATISTICS[s]) for s in species])
    return SpectrumPrediction(
        species=species,
        statistics=tuple(_STATISTICS[s] for s in species),
        mass=jnp.asarray([m_eff[s] for s in species]),
        k=jnp.asarray(kk),
        suppression=jnp.asarray(supp),
        light=jnp.asarray(supp >= settings.light_threshold),
        b_over_b_minus_l=c_ratio,
        baryon_to_x=b / x,
        m_x=m_x,
        temperature=jnp.asarray(T),
        dm_to_baryon=jnp.asarray(ratio),
        status=res.status,
        source=spec.source,
        generator=spec.generator,
        notes=tuple(notes),
        ignored=spec.ignored,
        settings=tuple((f.name, getattr(settings, f.name)) for f in dataclasses.fields(SlhaSettings)),
    )
