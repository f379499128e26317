"""Gradient fits of chain parameters to targets with uncertainties (optax multi-start + Levenberg-Marquardt,
Laplace covariance). See :mod:`jaxgen._fit` for the transforms, the algorithm and the handling of bad points.

Example::

    import jax; jax.config.update("jax_enable_x64", True)
    from jaxgen.fit import FreeParameter, fit, observed_density_targets

    res = fit(chain, base_params,
              free=[FreeParameter("phase.0"), FreeParameter("lam"), FreeParameter("m_x")],   # periodic, log, log
              targets=observed_density_targets("eta_b", "omega_x_h2"),                        # Planck 2018
              n_starts=8, seed=0)
    print(res.to_markdown()); res.params; res.cov; res.history   # (n_starts, steps + polish)
    if not res.ok:                       # fit_status != FIT_OK: not converged, at a bound, singular, invalid
        print(res.message, res.status_names())   # e.g. ['FIT_NOT_CONVERGED', 'FIT_AT_BOUND']; errors there are inf

``res.status`` is the chain's status at the best fit; ``res.fit_status`` the fit's own bits (``FIT_*``).
"""

from ._fit import (
    AT_BOUND_TOL,
    BAD_CHI2,
    EDM_BOUNDS,
    FIT_AT_BOUND,
    FIT_CHAIN_INVALID,
    FIT_COVARIANCE_SINGULAR,
    FIT_NOT_CONVERGED,
    FIT_OK,
    FIT_STATUS_BITS,
    FIT_STATUS_MESSAGES,
    TRANSFORMS,
    FitResult,
    FreeParameter,
    Target,
    baryon_yield_target,
    chi2_function,
    dm_density_target,
    edm_bound_target,
    fit,
    fit_status_names,
    get_values,
    observed_density_targets,
    resolve_path,
    scalar_paths,
    set_values,
)

__all__ = [
    "AT_BOUND_TOL",
    "BAD_CHI2",
    "EDM_BOUNDS",
    "FIT_AT_BOUND",
    "FIT_CHAIN_INVALID",
    "FIT_COVARIANCE_SINGULAR",
    "FIT_NOT_CONVERGED",
    "FIT_OK",
    "FIT_STATUS_BITS",
    "FIT_STATUS_MESSAGES",
    "fit_status_names",
    "TRANSFORMS",
    "FitResult",
    "FreeParameter",
    "Target",
    "baryon_yield_target",
    "chi2_function",
    "dm_density_target",
    "edm_bound_target",
    "fit",
    "get_values",
    "observed_density_targets",
    "resolve_path",
    "scalar_paths",
    "set_values",
]
