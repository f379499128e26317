"""End-to-end chains of both papers: a parameter PyTree in, a prediction PyTree out, differentiable and vmappable.

* :func:`asymmetric_freezein` (Hall, March-Russell, West 2010): visible spectrum, coupling lambda, CP phases ->
  Y_FI, eta_X, eta_B, Omega_X h^2, the m_X that gives the observed ratio, LOSP decay length, psi_X lifetimes,
  hidden-sector temperatures, thermalization and symmetric-annihilation diagnostics. See :mod:`jaxgen.scenarios.hall`.
* :func:`rsymmetric_adm` (Ardu, Queiroz Correa, Vives 2025): initial B/3 - L_alpha and the R-breaking masses ->
  NLSP asymmetry, washout factor (Boltzmann or instant), gravitino mass, NLSP lifetime, BBN ratio. See
  :mod:`jaxgen.scenarios.ardu`.

Package layout: ``_base`` (the common shape of both chains, below), ``hall`` and ``ardu`` (the chains; the old
private paths ``jaxgen._scenario_hall`` / ``jaxgen._scenario_ardu`` are aliases of these modules for one release).

One shape for both chains (:mod:`jaxgen.scenarios._base`):

* Params: array fields with converters (float arrays, dtype ``jnp.result_type(float)``; TypeError naming a
  non-numeric field), units as field metadata (``jaxgen._units.field_units``), jaxtyping shape annotations
  (``Float[Array, "*batch n_a"]``; not checked at run time), and ``.batch(base=None, **fields)`` /
  ``.broadcast()`` from scalars or lists (ValueError naming the fields whose lengths disagree).
* Predictions: ``status`` (int32 error bits: 0 = a valid prediction; bad points get finite dummy values, never NaN)
  and ``flags`` (int32 physics-diagnostic bits); the error mask is ``STATUS_ERROR_MASK`` in both submodules (Ardu's
  old name ``STATUS_INVALID`` is an alias), ``pred.valid`` is ``status & STATUS_ERROR_MASK == 0`` and
  ``pred.status_names()`` gives the snake_case names of status | flags (``["bad_input"]``). The vocabularies
  (``HallStatus``, ``ArduStatus``; :mod:`jaxgen_kernels._status`) give each bit a snake_case name and a sentence:
  ``hall.decode_status`` / ``ardu.decode_status`` (names) and ``hall.status_messages`` / ``ardu.status_messages``
  (sentences). The module functions ``status_names`` keep their earlier output: sentences for Hall
  (``hall.STATUS_MESSAGES``), names for Ardu.
* Settings: the g_*(T) table is ``table`` in both (``ArduSettings(cosmology=...)``, and the runcard key
  ``[scenario].settings.cosmology``, still work for one release with a DeprecationWarning). The line
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

from . import ardu, ardu_network, hall
from ._base import ScenarioParams, ScenarioPrediction
from .ardu import (
    ARDU_BENCHMARKS,
    ArduParams,
    ArduPrediction,
    ArduSettings,
    ArduStatus,
    rsymmetric_adm,
    rsymmetric_adm_batch,
)
from .ardu_network import (
    ArduNetworkParams,
    ArduNetworkPrediction,
    ArduNetworkSettings,
    r_charge_network,
    r_charge_network_batch,
)
from .hall import (
    HallParams,
    HallPrediction,
    HallSettings,
    HallSpectrumParams,
    HallStatus,
    asymmetric_freezein,
    asymmetric_freezein_batch,
    broadcast_batch,
)

__all__ = [
    "ardu",
    "ardu_network",
    "hall",
    "ARDU_BENCHMARKS",
    "ArduParams",
    "ArduPrediction",
    "ArduSettings",
    "ArduStatus",
    "rsymmetric_adm",
    "rsymmetric_adm_batch",
    "ArduNetworkParams",
    "ArduNetworkPrediction",
    "ArduNetworkSettings",
    "r_charge_network",
    "r_charge_network_batch",
    "HallParams",
    "HallPrediction",
    "HallSettings",
    "HallSpectrumParams",
    "HallStatus",
    "asymmetric_freezein",
    "asymmetric_freezein_batch",
    "broadcast_batch",
    "ScenarioParams",
    "ScenarioPrediction",
]
