"""Generic helpers around diffrax for stiff, batched Boltzmann-type ODEs (no physics here).

What lives here:

- :func:`make_solver` / :func:`make_controller`: named solver choice and a PID step-size controller whose absolute
  tolerance is scaled to the size of the solution (``atol = atol_rel * scale``). Boltzmann yields are ~1e-14 or
  smaller; a fixed absolute tolerance such as 1e-20 either wastes steps or costs accuracy. Integrate the state
  divided by its expected scale and use ``atol_rel`` ~ ``rtol``.
- :func:`status_from_result`: an int32 status code from a diffrax ``RESULTS`` (0 = ok), with non-finite states also
  flagged, so a failed point in a vmapped batch is marked instead of aborting the batch (use ``throw=False``) or
  showing up as a silent NaN.
- :func:`bucketed_vmap` and :func:`lockstep_waste`: sort a batch by a stiffness key and run it in fixed-size
  buckets (one compile, ``lax.map`` over buckets of a vmapped solve), so that the lockstep waste of a vmapped
  adaptive solver (every lane runs as many steps as the slowest lane of its vmap) stays small.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import diffrax
import jax
import jax.numpy as jnp
import numpy as np

from . import _status

__all__ = [
    "STATUS_OK",
    "STATUS_MAX_STEPS",
    "STATUS_DT_MIN",
    "STATUS_NONLINEAR",
    "STATUS_NONFINITE",
    "STATUS_OTHER",
    "STATUS_MESSAGES",
    "OdeStatus",
    "make_solver",
    "make_controller",
    "status_from_result",
    "bucketed_vmap",
    "lockstep_waste",
]

STATUS_OK = 0
"""Integration succeeded."""
STATUS_MAX_STEPS = 1
"""diffrax ran out of ``max_steps`` (or of rejected steps)."""
STATUS_DT_MIN = 2
"""The step size fell to the controller's ``dtmin``."""
STATUS_NONLINEAR = 3
"""An implicit stage's nonlinear/linear solve failed (divergence, max steps, singular Jacobian)."""
STATUS_NONFINITE = 4
"""The solver reported success but the final state is not finite."""
STATUS_OTHER = 9
"""Any other diffrax failure (internal error, event)."""

STATUS_MESSAGES = {
    STATUS_OK: "ok",
    STATUS_MAX_STEPS: "max_steps reached: raise max_steps or loosen rtol",
    STATUS_DT_MIN: "step size fell to dtmin",
    STATUS_NONLINEAR: "implicit-stage nonlinear solve failed",
    STATUS_NONFINITE: "non-finite state",
    STATUS_OTHER: "other diffrax failure",
}

#: The ODE codes as one enumeration (:mod:`jaxgen_kernels._status`): ``OdeStatus.decode(4) == ["nonfinite"]``,
#: ``OdeStatus.messages(code)`` the STATUS_MESSAGES sentence. Single-valued (a code is one of these, not bits).
OdeStatus = _status.enum_vocabulary(
    "OdeStatus",
    {
        "OK": (STATUS_OK, STATUS_MESSAGES[STATUS_OK]),
        "MAX_STEPS": (STATUS_MAX_STEPS, STATUS_MESSAGES[STATUS_MAX_STEPS]),
        "DT_MIN": (STATUS_DT_MIN, STATUS_MESSAGES[STATUS_DT_MIN]),
        "NONLINEAR": (STATUS_NONLINEAR, STATUS_MESSAGES[STATUS_NONLINEAR]),
        "NONFINITE": (STATUS_NONFINITE, STATUS_MESSAGES[STATUS_NONFINITE]),
        "OTHER": (STATUS_OTHER, STATUS_MESSAGES[STATUS_OTHER]),
    },
    module=__name__,
)

_SOLVERS = {
    "kvaerno5": diffrax.Kvaerno5,
    "kvaerno4": diffrax.Kvaerno4,
    "kvaerno3": diffrax.Kvaerno3,
    "tsit5": diffrax.Tsit5,
    "dopri5": diffrax.Dopri5,
    "dopri8": diffrax.Dopri8,
}


def make_solver(name: str) -> diffrax.AbstractSolver:
    """A diffrax solver by name.

    Args:
        name: ``"kvaerno5"`` (L-stable implicit ESDIRK, 5th order: the default for stiff Boltzmann equations),
            ``"kvaerno4"``, ``"kvaerno3"``, or explicit ``"tsit5"``, ``"dopri5"``, ``"dopri8"`` (non-stiff only).

    Raises:
        ValueError: unknown name (the message lists the valid ones).
    """
    try:
        return _SOLVERS[name]()
    except KeyError:
        raise ValueError(f"unknown solver {name!r}; choose one of {sorted(_SOLVERS)}") from None


def make_controller(
    rtol: float,
    atol_rel: float,
    scale: Any = 1.0,
    *,
    pcoeff: float = 0.0,
    icoeff: float = 1.0,
    dtmin: float | None = None,
    dtmax: float | None = None,
) -> diffrax.PIDController:
    """PID step-size controller with ``atol = atol_rel * scale``.

    Args:
        rtol: relative tolerance.
        atol_rel: absolute tolerance in units of ``scale``.
        scale: the size of the solution (same units as the state). Pass 1.0 when the state is already normalised.
        pcoeff, icoeff: PID coefficients (defaults: plain I controller; ``pcoeff=0.3, icoeff=0.4`` is smoother for
            stiff problems).
        dtmin, dtmax: step bounds in the units of the integration variable (``None``: unbounded).
    """
    if not rtol > 0 or not atol_rel > 0:
        raise ValueError(f"rtol and atol_rel must be > 0, got rtol={rtol!r}, atol_rel={atol_rel!r}")
    return diffrax.PIDController(
        rtol=rtol, atol=atol_rel * scale, pcoeff=pcoeff, icoeff=icoeff, dtmin=dtmin, dtmax=dtmax
    )


def status_from_result(result: Any, final_state: Any = None) -> jax.Array:
    """int32 status code (0 = ok) from a diffrax ``Solution.result``; works under vmap.

    Args:
        result: ``sol.result`` (a diffrax ``RESULTS`` item, possibly batched).
        final_state: optional PyTree of final states (same batch shape as ``result``); a successful solve whose
            state is not finite gets :data:`STATUS_NONFINITE`.

    Codes: :data:`STATUS_OK`, :data:`STATUS_MAX_STEPS`, :data:`STATUS_DT_MIN`, :data:`STATUS_NONLINEAR`,
    :data:`STATUS_NONFINITE`, :data:`STATUS_OTHER`.
    """
    R = diffrax.RESULTS
    code = jnp.full(jnp.shape(result._value), STATUS_OTHER, dtype=jnp.int32)
    code = jnp.where(result == R.successful, STATUS_OK, code)
    code = jnp.where((result == R.max_steps_reached) | (result == R.max_steps_rejected), STATUS_MAX_STEPS, code)
    code = jnp.where(result == R.dt_min_reached, STATUS_DT_MIN, code)
    nonlin = (result == R.nonlinear_max_steps_reached) | (result == R.nonlinear_divergence) | (result == R.singular)
    code = jnp.where(nonlin, STATUS_NONLINEAR, code)
    if final_state is not None:
        finite = jnp.ones(jnp.shape(code), dtype=bool)
        for leaf in jax.tree_util.tree_leaves(final_state):
            leaf = jnp.asarray(leaf)
            extra = tuple(range(code.ndim, leaf.ndim))
            finite = finite & jnp.all(jnp.isfinite(leaf), axis=extra)
        code = jnp.where((code == STATUS_OK) & ~finite, STATUS_NONFINITE, code)
    return code


def bucketed_vmap(fn: Callable, batch: Any, key: Any, bucket_size: int) -> Any:
    """Apply ``fn`` to every element of ``batch`` in stiffness-sorted buckets of ``bucket_size``.

    The batch is sorted by ``key`` (a float per point: anything that orders points by expected step count),
    padded to a multiple of ``bucket_size`` by repeating the last sorted point, and run as
    ``lax.map(vmap(fn))`` over buckets, so each bucket's adaptive while-loop runs only as long as its own slowest
    lane. Results come back in the original order. Traceable: call it inside one ``jax.jit`` and every batch of
    the same size reuses one compile.

    Args:
        fn: function of one (unbatched) element of ``batch`` returning a PyTree.
        batch: PyTree of arrays with a leading batch axis of size N.
        key: shape (N,) sort key.
        bucket_size: lanes per vmapped bucket (static int >= 1).
    """
    if not isinstance(bucket_size, (int, np.integer)) or bucket_size < 1:
        raise ValueError(f"bucket_size must be a positive int, got {bucket_size!r}")
    key = jnp.asarray(key)
    n = key.shape[0]
    nb = -(-n // bucket_size)
    pad = nb * bucket_size - n
    order = jnp.argsort(key)
    if pad:
        order = jnp.concatenate([order, jnp.full((pad,), order[-1], dtype=order.dtype)])
    sorted_batch = jax.tree_util.tree_map(
        lambda a: jnp.asarray(a)[order].reshape((nb, bucket_size) + a.shape[1:]), batch
    )
    out = jax.lax.map(jax.vmap(fn), sorted_batch)
    out = jax.tree_util.tree_map(lambda a: a.reshape((nb * bucket_size,) + a.shape[2:]), out)
    inverse = jnp.zeros((n,), dtype=order.dtype).at[order[:n]].set(jnp.arange(n, dtype=order.dtype))
    return jax.tree_util.tree_map(lambda a: a[inverse], out)


def lockstep_waste(steps: Any, key: Any = None, bucket_size: int | None = None) -> float:
    """Wasted-work factor of a vmapped adaptive solve: (steps actually run by all lanes) / (sum of own steps).

    Args:
        steps: per-point step counts (N,), e.g. ``sol.stats["num_steps"]`` of each point.
        key: the bucketing sort key used (``None``: points in the given order).
        bucket_size: lanes per bucket (``None``: the whole batch is one vmap).

    Returns 1.0 for perfect lockstep; the whole-batch vmap of a mixed batch is ``N * max(steps) / sum(steps)``.
    """
    steps = np.asarray(steps, dtype=float)
    n = steps.size
    if key is not None:
        steps = steps[np.argsort(np.asarray(key), kind="stable")]
    b = n if bucket_size is None else int(bucket_size)
    nb = -(-n // b)
    padded = np.concatenate([steps, np.full(nb * b - n, steps[-1])])
    run = padded.reshape(nb, b).max(axis=1).sum() * b
    return float(run / max(steps.sum(), 1.0))
