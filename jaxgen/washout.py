"""R-breaking / Majorana-mass washout of the NLSP asymmetry (Ardu, Queiroz Correa, Vives 2025, eqs. (4)-(7),
(18)-(20), (26)): loop-induced and thermal R-breaking masses, decoupling z_b, surviving asymmetry, and the washout
factor epsilon from a Boltzmann equation.  See :mod:`jaxgen._washout` and ``docs/derivations/washout.md``.

Example::

    import jax
    from jaxgen.washout import WashoutParams, decoupling, washout_factor
    p = WashoutParams(m_nlsp=1e3, m_majorana=1e4)          # GeV; pure Majorana bino (eq. (4))
    decoupling(p).z_b                                       # ~ 24 (eq. (5): "~ 23")
    jax.jit(washout_factor)(p).epsilon                      # Boltzmann-equation epsilon of eq. (26)
"""

from ._washout import (
    G_HYPERCHARGE,
    STATUS_BAD_INPUT,
    STATUS_NO_DECOUPLING,
    STATUS_NO_EQUILIBRIUM,
    STATUS_ODE_FAILED,
    STATUS_OK,
    Decoupling,
    ThermalMasses,
    WashoutParams,
    WashoutResult,
    __all__,
    bino_majorana_mass_loop,
    bino_propagator_factor,
    decoupling,
    decoupling_z_paper,
    equilibrium_density,
    hierarchy_suppression,
    higgsino_mu_loop,
    instant_washout_factor,
    interaction_rate,
    s1_suppression,
    sigma_v,
    surviving_ratio,
    surviving_ratio_eq6,
    thermal_r_breaking_masses,
    washout_factor,
    washout_factor_batch,
    washout_rate,
)
