"""Particle models as data: species (dof, statistics, charges, mass) and reactions in chemical equilibrium.

Built in: ``standard_model`` (N_G generations, N_H Higgs doublets), ``two_higgs_doublet_model``, ``mssm``, the R-symmetric MSSM of Ardu et al. 2025
(``r_symmetric_mssm``, ``r_symmetric_mssm_low_t`` and the two-stage helpers) and a hidden X sector (``hidden_sector``, ``with_hidden_sector``). Define your own with ``Species``, ``Reaction`` and
``Model`` (worked example in ``jaxgen.models._core``'s docstring and ``help(jaxgen.models.Model)``).
"""

from . import _core, _hidden, _mssm, _rsymmetric, _sm
from ._core import *
from ._hidden import *
from ._mssm import *
from ._rsymmetric import *
from ._sm import *

__all__ = [*_core.__all__, *_sm.__all__, *_mssm.__all__, *_hidden.__all__, *_rsymmetric.__all__]
