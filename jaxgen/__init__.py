"""jaxgen: differentiable, vectorized genesis of the baryon asymmetry and dark matter in JAX.

Units are GeV throughout (natural units), with dimensionless x = m/T. jaxgen never changes the global JAX
configuration: enable float64 yourself (``jax.config.update("jax_enable_x64", True)``) before using the physics.

Submodules: ``constants``, ``cosmology``, ``models``, ``equilibrium``, ``freezein``, ``freezeout``, ``cp``,
``washout``, ``signatures``, ``scenarios``, ``fit``, ``sensitivity``, ``sweep`` (needs the ``io`` extra for NetCDF
output), ``slha`` (pyslha), ``runcard``, ``plotting`` (matplotlib), ``reproduce`` and ``cli``.
Top level: ``gravitino_mass`` and ``gravitino_prediction`` (Ardu et al. 2025, eqs. 21-26).

Every submodule and top-level name is imported on first attribute access (PEP 562): ``import jaxgen`` itself
imports neither JAX nor diffrax, so that the ``jaxgen`` command (whose module :mod:`jaxgen.cli` lives in this
package) starts without loading the physics it does not need (a cached ``jaxgen predict`` needs none of it, see
docs/cli.md). ``jaxgen.cosmology``, ``from jaxgen import scenarios`` and ``jaxgen.gravitino_mass`` work as before.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the static view: every lazy name below, as if imported here
    from . import constants, cosmology, cp, equilibrium, freezein, freezeout, models, scenarios, signatures, washout
    from ._gravitino import NLSP_CHOICES, GravitinoPrediction, gravitino_mass, gravitino_prediction
    from ._precision import require_x64, x64_enabled

__version__ = "0.1.0"

#: the physics submodules (``jaxgen.cosmology``, ...), imported on first access.
_CORE_SUBMODULES = (
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
)
#: the heavier submodules with optional dependencies, imported on first access (``jaxgen.fit``).
_LAZY_SUBMODULES = ("fit", "sensitivity", "sweep", "slha", "runcard", "plotting", "reproduce", "cli")
#: top-level names and the private module that defines each.
_LAZY_NAMES = {
    "NLSP_CHOICES": "_gravitino",
    "GravitinoPrediction": "_gravitino",
    "gravitino_mass": "_gravitino",
    "gravitino_prediction": "_gravitino",
    "require_x64": "_precision",
    "x64_enabled": "_precision",
}


def __getattr__(name: str):
    """PEP 562: import submodules and top-level names on first use (``jaxgen.cosmology``, ``jaxgen.fit``, ...)."""
    import importlib

    if name in _CORE_SUBMODULES or name in _LAZY_SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(
        f"module 'jaxgen' has no attribute {name!r}; submodules: {sorted(set(__all__) | set(_LAZY_SUBMODULES))}"
    )


def __dir__():
    return sorted(set(globals()) | set(_CORE_SUBMODULES) | set(_LAZY_SUBMODULES) | set(_LAZY_NAMES))


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
