"""Electroweak sphalerons across the Standard Model crossover: the lattice rate, B/(B-L) at finite v/T and the
relaxation of the baryon number on a fixed ln T grid.

See :mod:`jaxgen._sphaleron` for the physics (D'Onofrio, Rummukainen, Tranberg arXiv:1404.3565; the derived
B/(B-L) and Gamma_B of Laine-Shaposhnikov hep-ph/9911473, Eijima-Shaposhnikov-Timiryasov arXiv:1709.07834) and
the solver.
"""

from ._sphaleron import (
    CHI_BROKEN,
    CHI_SYMMETRIC,
    RATE_BROKEN_OFFSET,
    RATE_BROKEN_SLOPE,
    RATE_SYMMETRIC_COEFF,
    T_C_LATTICE,
    T_STAR_LATTICE,
    SphaleronGrid,
    TimedBaryons,
    baryon_history,
    baryon_relaxation_rate,
    baryon_yield,
    equilibrium_ratio,
    freeze_out_temperature,
    freezein_above,
    freezein_density,
    higgs_vev,
    log_sphaleron_rate,
    relaxation_coefficient,
    relaxation_per_lnT,
    sphaleron_rate,
    sphaleron_response,
    sphaleron_timing,
    timed_baryon_asymmetry,
)

__all__ = [
    "CHI_BROKEN",
    "CHI_SYMMETRIC",
    "RATE_BROKEN_OFFSET",
    "RATE_BROKEN_SLOPE",
    "RATE_SYMMETRIC_COEFF",
    "T_C_LATTICE",
    "T_STAR_LATTICE",
    "SphaleronGrid",
    "TimedBaryons",
    "baryon_history",
    "baryon_relaxation_rate",
    "baryon_yield",
    "equilibrium_ratio",
    "freeze_out_temperature",
    "freezein_above",
    "freezein_density",
    "higgs_vev",
    "log_sphaleron_rate",
    "relaxation_coefficient",
    "relaxation_per_lnT",
    "sphaleron_rate",
    "sphaleron_response",
    "sphaleron_timing",
    "timed_baryon_asymmetry",
]
