"""Thermal history of the SM plasma (+ extra species): g_*rho(T), g_*s(T), H(T), s(T), and conversions between the
yield Y = n/s, Omega h^2 and eta = n/n_gamma.  See :mod:`jaxgen._cosmology` for sources and conventions.

Example::

    from jaxgen.cosmology import Cosmology, ExtraSpecies
    cosmo = Cosmology()                                   # Saikawa-Shirai tables
    cosmo.hubble(1.0e3)                                   # H(T = 1 TeV) in GeV
    mssm_like = Cosmology(extra=(ExtraSpecies(500.0, 4.0, "boson"),))
"""

from ._cosmology import (
    STATISTICS,
    TABLES,
    Cosmology,
    ExtraSpecies,
    eta_to_yield,
    omega_h2_to_yield,
    photon_number_density,
    table_range,
    yield_to_eta,
    yield_to_omega_h2,
)

__all__ = [
    "STATISTICS",
    "TABLES",
    "Cosmology",
    "ExtraSpecies",
    "eta_to_yield",
    "omega_h2_to_yield",
    "photon_number_density",
    "table_range",
    "yield_to_eta",
    "yield_to_omega_h2",
]
