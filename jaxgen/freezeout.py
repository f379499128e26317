"""Standard and asymmetric freeze-out, and the hidden-sector temperature after freeze-in.

See :mod:`jaxgen._freezeout` and :mod:`jaxgen._hidden_sector` for the derivations, units and paper references.
"""

from . import _freezeout, _hidden_sector
from ._freezeout import *
from ._hidden_sector import *

__all__ = [*_freezeout.__all__, *_hidden_sector.__all__]
