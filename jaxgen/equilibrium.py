"""Chemical equilibrium: reactions + conserved charges -> chemical potentials -> asymmetries and charge ratios.

See ``jaxgen._equilibrium`` for the physics conventions, the algorithm and the status codes (``solve``, ``prepare``,
``evaluate``: any ``jaxgen.models.Model``, masses or susceptibilities k as inputs), and ``jaxgen._equilibrium_stages``
for the staged solve (``build_stage``, ``solve_stage``, ``stage_weights``) of the two-stage R-symmetric MSSM.
"""

from . import _equilibrium, _equilibrium_stages
from ._equilibrium import *
from ._equilibrium_stages import *

__all__ = [*_equilibrium.__all__, *_equilibrium_stages.__all__]
