"""Chemical equilibrium: reactions + conserved charges -> chemical potentials -> asymmetries and charge ratios.

See ``jaxgen._equilibrium`` for the physics conventions, the algorithm and the status codes.
"""

from . import _equilibrium
from ._equilibrium import *  # noqa: F401,F403

__all__ = list(_equilibrium.__all__)
