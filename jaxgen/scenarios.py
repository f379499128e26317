"""End-to-end chains of both papers: a parameter PyTree in, a prediction PyTree out, differentiable and vmappable.

* :func:`asymmetric_freezein` (Hall, March-Russell, West 2010): visible spectrum, coupling lambda, CP phases ->
  Y_FI, eta_X, eta_B, Omega_X h^2, the m_X that gives the observed ratio, LOSP decay length, psi_X lifetimes,
  hidden-sector temperatures, thermalization and symmetric-annihilation diagnostics. See :mod:`jaxgen._scenario_hall`.
* :func:`rsymmetric_adm` (Ardu, Queiroz Correa, Vives 2025): initial B/3 - L_alpha and the R-breaking masses ->
  NLSP asymmetry, washout factor (Boltzmann or instant), gravitino mass, NLSP lifetime, BBN ratio. See
  :mod:`jaxgen._scenario_ardu`.

Both predictions carry ``status`` (int32 error bits: 0 = a valid prediction; bad points get finite dummy values,
never NaN) and ``flags`` (int32 physics-diagnostic bits). Decode with ``hall.status_names`` / ``ardu.status_names``;
the STATUS_* constants live in the submodules ``jaxgen.scenarios.hall`` and ``jaxgen.scenarios.ardu``. The line
between errors and flags is drawn in each module docstring: an error is a point where the chain's own premises fail
(bad input, a failed solve, |eps| > 1, a closed decay channel, freeze-in overproduction, complete washout, a heavy
gravitino...), a flag a physical statement about a valid prediction (thermalization, surviving symmetric part,
BBN exclusion, ...). Batches: ``HallParams.batch(...)`` / ``ArduParams.batch(...)`` build one from scalars and
lists (``.broadcast()`` gives every field the batch axis, for ``jax.vmap``).

Example::

    import jax
    jax.config.update("jax_enable_x64", True)
    from jaxgen import scenarios
    p = scenarios.HallParams.benchmark()
    pred = jax.jit(scenarios.asymmetric_freezein)(p)
    pred.eta_b, pred.omega_x_h2, pred.decay_length           # 8.63e-11, 0.120, 8.0 m
    jax.grad(lambda q: scenarios.asymmetric_freezein(q).eta_b)(p).lam
"""

from . import _scenario_ardu as ardu
from . import _scenario_hall as hall
from ._scenario_ardu import (
    ARDU_BENCHMARKS,
    ArduParams,
    ArduPrediction,
    ArduSettings,
    rsymmetric_adm,
    rsymmetric_adm_batch,
)
from ._scenario_hall import (
    HallParams,
    HallPrediction,
    HallSettings,
    asymmetric_freezein,
    asymmetric_freezein_batch,
    broadcast_batch,
)

__all__ = [
    "ardu",
    "hall",
    "ARDU_BENCHMARKS",
    "ArduParams",
    "ArduPrediction",
    "ArduSettings",
    "rsymmetric_adm",
    "rsymmetric_adm_batch",
    "HallParams",
    "HallPrediction",
    "HallSettings",
    "asymmetric_freezein",
    "asymmetric_freezein_batch",
    "broadcast_batch",
]
