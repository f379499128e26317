"""SLHA spectra in: B/(B-L) at sphaleron freeze-out and the asymmetric-DM mass for an MSSM spectrum.

See :mod:`jaxgen._slha` for the PDG-code mapping, the approximations and the physics (Hall et al. 2010, Sec. 3).
Needs the ``io`` extra (pyslha). Example::

    import jax; jax.config.update("jax_enable_x64", True)
    from jaxgen import slha
    pred = slha.predict_spectrum(slha.example_spectrum("compressed"))
    print(pred.table())          # per-species k(m/T), light/heavy, B/(B-L), m_X
"""

from . import _slha
from ._slha import *  # noqa: F401,F403

__all__ = [*_slha.__all__]
