"""Freeze-in yields from decays, symmetric and asymmetric: closed form, quadrature and diffrax Boltzmann ODE.

See :mod:`jaxgen._freezein` for the physics (Hall, March-Russell, West 2010, eqs. (1.1), (1.2), (1.4), (4.1)),
derivations and the documented discrepancies with the paper.
"""

from ._freezein import (
    N_QUANTUM_TERMS,
    STATUS_OK,
    FreezeInGradients,
    FreezeInParams,
    FreezeInResult,
    FreezeInSettings,
    equilibrium_yield,
    freezein_closed_form,
    freezein_quadrature,
    freezein_table,
    hall_c_fi,
    production_rate_density,
    solve_freezein,
    solve_freezein_batch,
    solve_freezein_fwd,
    solve_freezein_with_gradients,
    stiffness_key,
)

__all__ = [
    "N_QUANTUM_TERMS",
    "STATUS_OK",
    "FreezeInGradients",
    "FreezeInParams",
    "FreezeInResult",
    "FreezeInSettings",
    "equilibrium_yield",
    "freezein_closed_form",
    "freezein_quadrature",
    "freezein_table",
    "hall_c_fi",
    "production_rate_density",
    "solve_freezein",
    "solve_freezein_batch",
    "solve_freezein_fwd",
    "solve_freezein_with_gradients",
    "stiffness_key",
]
