"""Pure numerical kernels for jaxgen: arrays in, arrays out.

No physics constants, no I/O, and never an import of jaxgen. Each private module defines ``__all__`` and is
re-exported here:

- ``_bessel``: modified Bessel functions K0, K1, K2 and their exponentially scaled forms, with exact derivatives;
- ``_thermal``: equilibrium thermal integrals for FD/BE/MB statistics and the asymmetry susceptibility k(z);
- ``_linalg``: batched constrained linear solves with rank diagnostics;
- ``_lapack``: LAPACK eigh/svd/solve that cannot deadlock XLA:CPU under vmap (one matrix per call on the CPU);
- ``_ode``: helpers around diffrax for stiff, batched Boltzmann equations;
- ``_rosenbrock``: fixed-grid linearly implicit Rosenbrock integration (Rodas4, Rodas4P2, ROS3P) of small stiff
  systems;
- ``_takagi``: differentiable Takagi factorization and ordered SVD (mass matrices with complex phases);
- ``_svd2``: the closed-form SVD of a 2 x 2 complex matrix (the chargino mass matrix; no LAPACK call);
- ``_status``: status vocabularies (bit flags or enumerations, a name and a message per value) and their one
  decoder, used by every jaxgen result type.
"""

from . import _bessel, _lapack, _linalg, _ode, _rosenbrock, _status, _svd2, _takagi, _thermal
from ._bessel import *
from ._lapack import *
from ._linalg import *
from ._ode import *
from ._rosenbrock import *
from ._status import *
from ._svd2 import *
from ._takagi import *
from ._thermal import *

__all__ = [
    *_bessel.__all__,
    *_thermal.__all__,
    *_linalg.__all__,
    *_lapack.__all__,
    *_ode.__all__,
    *_rosenbrock.__all__,
    *_status.__all__,
    *_takagi.__all__,
    *_svd2.__all__,
]
