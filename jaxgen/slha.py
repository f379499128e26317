"""SLHA spectra in: B/(B-L) at sphaleron freeze-out and the asymmetric-DM mass m_X for an MSSM spectrum.

The reader is :mod:`jaxgen._slha_reader` (SLHA 1/2 files, the strict structural checks, the shipped examples); the
physics is :mod:`jaxgen._spectrum` (the PDG-code mapping, the approximations, Hall et al. 2010, Sec. 3).
Needs the ``io`` extra (pyslha). Example::

    import jax; jax.config.update("jax_enable_x64", True)
    from jaxgen import slha
    pred = slha.predict_spectrum(slha.example_spectrum("compressed"))
    print(pred.table())          # per-species k(m/T), light/heavy, B/(B-L), m_X
"""

from . import _slha_reader, _spectrum
from ._slha_reader import *
from ._spectrum import *

__all__ = [*_slha_reader.__all__, *_spectrum.__all__]
