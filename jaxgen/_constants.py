"""Physical constants and observed densities.

Units: GeV for every dimensionful quantity (natural units hbar = c = k_B = 1), unless a name says otherwise
(``_CM3`` for per cubic centimetre, ``_K`` for kelvin, ``_S`` for seconds).

Every value is a plain Python ``float`` so that it keeps full double precision whatever the JAX x64 setting was at
import time (a ``jnp`` array created at import before ``jax_enable_x64`` silently becomes float32). Each value cites
its source; derived values show the derivation as code, so they can be re-checked by reading this file.
"""

from __future__ import annotations

import dataclasses
import math

# ---------------------------------------------------------------------------------------------------------------
# Unit conversions (CODATA 2018, exact or recommended values)
# ---------------------------------------------------------------------------------------------------------------
#: hbar in GeV s.  CODATA 2018: hbar = 6.582119569e-16 eV s (exact, from h and e).
HBAR_GEV_S: float = 6.582119569e-25
#: hbar c in GeV cm.  CODATA 2018: hbar c = 197.3269804 MeV fm (exact).
HBARC_GEV_CM: float = 1.973269804e-14
#: Boltzmann constant in GeV/K.  CODATA 2018: 8.617333262e-5 eV/K (exact).
K_BOLTZMANN_GEV_PER_K: float = 8.617333262e-14
#: One megaparsec in km.  IAU 2015 B2: 1 pc = 648000/pi au, au = 149597870.7 km.
MPC_KM: float = 648000.0 / math.pi * 149597870.7 * 1.0e6
#: Speed of light in cm/s (exact SI).
C_CM_S: float = 2.99792458e10
#: Conversion of a length in GeV^-1 to metres: L[m] = L[GeV^-1] * GEV_INV_TO_M.
GEV_INV_TO_M: float = HBARC_GEV_CM * 1.0e-2
#: Conversion of a time in GeV^-1 to seconds: t[s] = t[GeV^-1] * GEV_INV_TO_S.
GEV_INV_TO_S: float = HBAR_GEV_S

# ---------------------------------------------------------------------------------------------------------------
# Gravity
# ---------------------------------------------------------------------------------------------------------------
#: Planck mass M_Pl = sqrt(hbar c / G_N) in GeV.  PDG 2024, "Physical constants": 1.220890(14)e19 GeV.
M_PLANCK: float = 1.220890e19
#: Reduced Planck mass M_Pl / sqrt(8 pi) in GeV (= 2.435323e18 GeV, consistent with PDG's 2.435 323(27)e18).
M_PLANCK_REDUCED: float = M_PLANCK / math.sqrt(8.0 * math.pi)

# ---------------------------------------------------------------------------------------------------------------
# Particle masses and electroweak inputs (PDG 2024 unless stated)
# ---------------------------------------------------------------------------------------------------------------
#: Proton mass in GeV.  CODATA 2018: 0.93827208816(29) GeV.
M_PROTON: float = 0.93827208816
#: W boson mass in GeV.  PDG 2024 average: 80.3692(133) GeV.
M_W: float = 80.3692
#: Z boson mass in GeV.  PDG 2024: 91.1880(20) GeV.
M_Z: float = 91.1880
#: Higgs boson mass in GeV.  PDG 2024: 125.20(11) GeV.
M_HIGGS: float = 125.20
#: Top quark mass in GeV (direct measurements).  PDG 2024: 172.57(29) GeV.
M_TOP: float = 172.57
#: Fermi constant in GeV^-2.  PDG 2024: 1.1663788(6)e-5 GeV^-2.
G_FERMI: float = 1.1663788e-5
#: Higgs vacuum expectation value v = (sqrt(2) G_F)^(-1/2) = 246.22 GeV.
V_HIGGS: float = (math.sqrt(2.0) * G_FERMI) ** -0.5
#: Electromagnetic coupling at m_Z (MS-bar).  PDG 2024: 1/alpha(m_Z) = 127.930(8).
ALPHA_EM_MZ: float = 1.0 / 127.930
#: Weak mixing angle sin^2 theta_W(m_Z) (MS-bar).  PDG 2024: 0.23129(4).
SIN2_THETA_W: float = 0.23129
#: SU(2)_L coupling alpha_w = g^2/(4 pi) = alpha(m_Z)/sin^2 theta_W at m_Z (= 0.03380).
ALPHA_W: float = ALPHA_EM_MZ / SIN2_THETA_W
#: Strong coupling at m_Z.  PDG 2024: 0.1180(9).
ALPHA_S_MZ: float = 0.1180

# ---------------------------------------------------------------------------------------------------------------
# Cosmology today
# ---------------------------------------------------------------------------------------------------------------
#: CMB temperature today in K.  Fixsen, ApJ 707 (2009) 916: 2.7255(6) K.
T_CMB_K: float = 2.7255
#: CMB temperature today in GeV (= 2.3487e-13 GeV).
T_CMB: float = T_CMB_K * K_BOLTZMANN_GEV_PER_K
#: Effective number of neutrino species in the standard cosmology (Akita & Yamaguchi 2020; Froustey et al. 2020).
N_EFF: float = 3.044
#: Entropy degrees of freedom today, g_*s0 = 2 + (7/8) 2 N_eff (4/11) = 3.93709 with N_eff = 3.044.
#: (The instantaneous-decoupling value 43/11 = 3.909 corresponds to N_eff = 3.)
G_S_TODAY: float = 2.0 + 7.0 / 8.0 * 2.0 * N_EFF * 4.0 / 11.0
#: Entropy density today s0 = (2 pi^2/45) g_*s0 T0^3 in GeV^3.
ENTROPY_DENSITY_TODAY: float = 2.0 * math.pi**2 / 45.0 * G_S_TODAY * T_CMB**3
#: Entropy density today in cm^-3 (= 2.91e3 cm^-3; PDG 2024 "Astrophysical constants": 2891.2 (T0/2.7255)^3 cm^-3
#: uses g_*s0 = 43/11; the difference, 0.7 %, is the N_eff = 3.044 neutrino heating).
ENTROPY_DENSITY_TODAY_CM3: float = ENTROPY_DENSITY_TODAY / HBARC_GEV_CM**3
#: Photon number density today n_gamma = 2 zeta(3) T0^3/pi^2 in GeV^3 (= 410.7 cm^-3).
ZETA3: float = 1.2020569031595942
PHOTON_DENSITY_TODAY: float = 2.0 * ZETA3 / math.pi**2 * T_CMB**3
#: Hubble constant unit: 100 km/s/Mpc in GeV, i.e. H0 = h * H100 (= 2.1331e-42 GeV).
H100: float = 100.0 / MPC_KM * HBAR_GEV_S
#: Critical density over h^2, rho_c/h^2 = 3 H100^2 M_Pl^2/(8 pi), in GeV^4.
RHO_CRIT_OVER_H2: float = 3.0 * H100**2 * M_PLANCK**2 / (8.0 * math.pi)
#: Critical density over h^2 in GeV cm^-3 (= 1.05367e-5; PDG 2024: 1.053 672 55(24)e-5 h^2 GeV cm^-3).
RHO_CRIT_OVER_H2_CM3: float = RHO_CRIT_OVER_H2 / HBARC_GEV_CM**3


# ---------------------------------------------------------------------------------------------------------------
# Observed densities: named presets
# ---------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ObservedDensities:
    """Observed dark-matter and baryon densities, with their uncertainties and source.

    Attributes:
        name: short identifier of the preset.
        omega_dm_h2: Omega_DM h^2 (dimensionless).
        omega_dm_h2_err: 1-sigma uncertainty of ``omega_dm_h2`` (0 where the source quotes a ratio only).
        omega_b_h2: Omega_b h^2 (dimensionless).
        omega_b_h2_err: 1-sigma uncertainty of ``omega_b_h2``.
        source: the citation.
    """

    name: str
    omega_dm_h2: float
    omega_dm_h2_err: float
    omega_b_h2: float
    omega_b_h2_err: float
    source: str

    @property
    def dm_to_baryon(self) -> float:
        """Omega_DM / Omega_b."""
        return self.omega_dm_h2 / self.omega_b_h2

    @property
    def baryon_yield(self) -> float:
        """Y_B = n_B / s today, from Omega_b h^2 rho_c/h^2 / (m_p s0) (dimensionless, 8.63e-11 for Planck 2018)."""
        return self.omega_b_h2 * RHO_CRIT_OVER_H2 / (M_PROTON * ENTROPY_DENSITY_TODAY)

    @property
    def baryon_yield_err(self) -> float:
        """1-sigma uncertainty of :attr:`baryon_yield` from that of Omega_b h^2."""
        return self.baryon_yield * self.omega_b_h2_err / self.omega_b_h2

    @property
    def eta_b(self) -> float:
        """Baryon-to-photon ratio eta = n_B / n_gamma today (about 6.1e-10)."""
        return self.baryon_yield * ENTROPY_DENSITY_TODAY / PHOTON_DENSITY_TODAY


#: Planck 2018, Paper VI (A&A 641 (2020) A6), Table 2, TT,TE,EE+lowE+lensing: Omega_c h^2 = 0.1200(12),
#: Omega_b h^2 = 0.02237(15).  Omega_DM/Omega_b = 5.364.
PLANCK_2018 = ObservedDensities(
    name="planck2018",
    omega_dm_h2=0.1200,
    omega_dm_h2_err=0.0012,
    omega_b_h2=0.02237,
    omega_b_h2_err=0.00015,
    source="Planck 2018 VI, A&A 641 (2020) A6, Table 2 (TT,TE,EE+lowE+lensing)",
)

#: The ratio used by Hall, March-Russell, West 2010 (their ref. [2], WMAP5): Omega_d/Omega_b = 4.86 (their p. 2).
#: Only the ratio is used by the paper; Omega_b h^2 is set to the Planck 2018 value so that the preset is complete.
HALL_2010 = ObservedDensities(
    name="hall2010",
    omega_dm_h2=4.86 * 0.02237,
    omega_dm_h2_err=0.0,
    omega_b_h2=0.02237,
    omega_b_h2_err=0.00015,
    source="Hall, March-Russell, West 2010, introduction: Omega_d/Omega_b = 4.86",
)

#: The ratio quoted by Ardu, Queiroz Correa, Vives 2025 (Section 4): Omega_DM/Omega_B = 26.5/4.9 = 5.408 (percent
#: densities Omega_DM = 26.5 %, Omega_B = 4.9 %, PDG).  Converted to Omega h^2 with h = 0.674 for completeness.
ARDU_2025 = ObservedDensities(
    name="ardu2025",
    omega_dm_h2=0.265 * 0.674**2,
    omega_dm_h2_err=0.0,
    omega_b_h2=0.049 * 0.674**2,
    omega_b_h2_err=0.0,
    source="Ardu, Queiroz Correa, Vives 2025, Section 4: Omega_DM = 26.5 %, Omega_B = 4.9 %",
)

_PRESETS = {p.name: p for p in (PLANCK_2018, HALL_2010, ARDU_2025)}


def observed(name: str = "planck2018") -> ObservedDensities:
    """Return a named preset of observed densities: ``"planck2018"``, ``"hall2010"`` or ``"ardu2025"``."""
    try:
        return _PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown observed-density preset {name!r}; choose one of {sorted(_PRESETS)}") from None


#: DM-to-baryon ratio presets (dimensionless).
DM_TO_BARYON_PLANCK_2018: float = PLANCK_2018.dm_to_baryon
DM_TO_BARYON_HALL_2010: float = 4.86
DM_TO_BARYON_ARDU_2025: float = 26.5 / 4.9
