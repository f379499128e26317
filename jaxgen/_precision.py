"""Precision checks for entry points (jaxgen never changes the global JAX configuration)."""

from __future__ import annotations

import jax


def x64_enabled() -> bool:
    """True if JAX was configured with ``jax_enable_x64``."""
    return bool(jax.config.read("jax_enable_x64"))


def require_x64(where: str) -> None:
    """Raise a clear error if float64 is not enabled.

    Asymmetries are about 1e-10 and cancellations in the equilibrium and Boltzmann solvers need double precision.
    """
    if not x64_enabled():
        raise RuntimeError(
            f"{where} needs float64: asymmetries are ~1e-10. Enable it before any JAX computation with\n"
            "    import jax; jax.config.update('jax_enable_x64', True)\n"
            "(jaxgen never changes the global JAX configuration itself)."
        )
