"""CP asymmetries from the gaugino-higgsino sector (Hall, March-Russell, West 2010, Sec. 2); see :mod:`jaxgen._cp`.

Chargino/neutralino mass matrices and differentiable mixing (SLHA conventions), tree couplings and widths of
chi -> l phi_X, the master formulae eqs. (1.4) and (2.5) (re-derived), the mass-insertion limit of Sec. 2.1 and the
parameterization eps = eps0 alpha_w sin(phi_2) (eq. 2.7) with the on-shell-cut condition.

eps computed from the spectrum and its phases (one-loop absorptive parts of the W, Z, h vertex and self-energy
graphs, CPT/unitarity sum rule, resonance regulator): :func:`cp_asymmetries_from_spectrum`, see
:mod:`jaxgen._cp_loops` and docs/derivations/cp_from_spectrum.md.

The electron EDM from the same spectrum and phases (one-loop chargino-sneutrino and neutralino-selectron graphs with
sleptons, the two-loop Barr-Zee graphs gamma-h, Z-h and W-W): :func:`electron_edm`, see :mod:`jaxgen._edm`
and docs/derivations/edm.md.
"""

from . import _cp, _cp_loops, _edm
from ._cp import *
from ._cp_loops import *
from ._edm import *

__all__ = list(_cp.__all__) + list(_cp_loops.__all__) + list(_edm.__all__)
