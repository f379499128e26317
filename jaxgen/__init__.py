"""jaxgen: differentiable, vectorized genesis of the baryon asymmetry and dark matter in JAX.

Units are GeV throughout (natural units), with dimensionless x = m/T. jaxgen never changes the global JAX
configuration: enable float64 yourself (``jax.config.update("jax_enable_x64", True)``) before using the physics.

Submodules: ``constants``, ``cosmology``, ``models``, ``equilibrium``, ``freezein``, ``freezeout``, ``cp``,
``washout``, ``signatures`` and ``sweep`` (imported on first use: ``import jaxgen.sweep``; it needs the ``io``
extra for NetCDF output).
Top level: ``gravitino_mass`` and ``gravitino_prediction`` (Ardu et al. 2025, eqs. 21-26).
"""

from . import constants, cosmology, cp, equilibrium, freezein, freezeout, models, scenarios, signatures, washout
from ._gravitino import NLSP_CHOICES, GravitinoPrediction, gravitino_mass, gravitino_prediction
from ._precision import require_x64, x64_enabled

__version__ = "0.1.0"

__all__ = [
    "constants", "cosmology", "cp", "equilibrium", "freezein", "freezeout", "models", "signatures", "washout",
    "NLSP_CHOICES", "GravitinoPrediction", "gravitino_mass", "gravitino_prediction",
    "require_x64", "x64_enabled", "__version__",
]
