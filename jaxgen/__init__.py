"""jaxgen: differentiable, vectorized genesis of the baryon asymmetry and dark matter in JAX.

Units are GeV throughout (natural units), with dimensionless x = m/T. jaxgen never changes the global JAX
configuration: enable float64 yourself (``jax.config.update("jax_enable_x64", True)``) before using the physics.

Submodules: ``constants``, ``cosmology``, ``models``, ``equilibrium``, ``freezein``, ``freezeout``, ``cp``,
``washout``, ``signatures``, ``scenarios`` (imported with jaxgen) and, imported lazily on first attribute access
(PEP 562; ``jaxgen.fit`` works after a plain ``import jaxgen``, and ``import jaxgen`` stays light): ``fit``,
``sensitivity``, ``sweep`` (needs the ``io`` extra for NetCDF output), ``slha`` (pyslha), ``runcard``,
``plotting`` (matplotlib), ``reproduce`` and ``cli``.
Top level: ``gravitino_mass`` and ``gravitino_prediction`` (Ardu et al. 2025, eqs. 21-26).
"""

from . import constants, cosmology, cp, equilibrium, freezein, freezeout, models, scenarios, signatures, washout
from ._gravitino import NLSP_CHOICES, GravitinoPrediction, gravitino_mass, gravitino_prediction
from ._precision import require_x64, x64_enabled

__version__ = "0.1.0"

#: submodules imported on first access (``jaxgen.fit``), not at ``import jaxgen``.
_LAZY_SUBMODULES = ("fit", "sensitivity", "sweep", "slha", "runcard", "plotting", "reproduce", "cli")


def __getattr__(name: str):
    """PEP 562: import the heavier submodules on first use (``jaxgen.fit``, ``jaxgen.sweep``, ...)."""
    if name in _LAZY_SUBMODULES:
        import importlib

        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(
        f"module 'jaxgen' has no attribute {name!r}; submodules: {sorted(set(__all__) | set(_LAZY_SUBMODULES))}"
    )


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))


__all__ = [
    "constants",
    "cosmology",
    "cp",
    "equilibrium",
    "freezein",
    "freezeout",
    "models",
    "scenarios",
    "signatures",
    "washout",
    "NLSP_CHOICES",
    "GravitinoPrediction",
    "gravitino_mass",
    "gravitino_prediction",
    "require_x64",
    "x64_enabled",
    "__version__",
]
