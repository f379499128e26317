"""The common shape of the two end-to-end chains (:mod:`jaxgen.scenarios.hall`, :mod:`jaxgen.scenarios.ardu`).

Both chains are built from the same pieces, defined once here:

* **Parameters** (:class:`ScenarioParams`): array fields converted at construction by :func:`float_converter`
  (a float array of dtype ``jnp.result_type(float)`` for integer input, a TypeError naming the field for strings,
  None, complex or ragged input; the Ardu chain keeps Python numbers as Python floats, as before), with the unit
  of each field as metadata (``jaxgen._units.units_field``) and a jaxtyping shape annotation (annotations only,
  never checked at run time). A class declares its per-point axes
  in ``_event_ndim_`` and gets ``.broadcast()`` and ``.batch(base=None, **fields)`` from
  :class:`jaxgen._batching.BatchedParams`: a batch from scalars or lists, ValueError naming the fields whose
  lengths disagree.
* **Sanitizing** (:func:`sanitize`): a traced point with an out-of-domain input is evaluated at a safe dummy point
  and flagged; the function returns ``(safe values, ok)`` in both chains.
* **Predictions** (:class:`ScenarioPrediction`): ``status`` (int32 error bits, the class's ``STATUS_ERROR_MASK``;
  0 = a valid prediction) and ``flags`` (int32 physics diagnostics) on every Prediction, ``.valid`` (status has no
  error bit) and ``.status_names()`` (snake_case names of the bits set in status | flags, decoded by
  :func:`jaxgen_kernels._status.decode`).
* **Settings**: the g_*(T) table of :class:`jaxgen.cosmology.Cosmology` is the setting ``table`` in both chains
  (:func:`deprecated_setting` keeps a renamed setting keyword working for one release, with a
  DeprecationWarning).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from jaxgen_kernels import _status

from .._batching import BatchedParams, batch_shape, broadcast_fields
from .._checks import concrete_real

__all__ = [
    "ScenarioParams",
    "ScenarioPrediction",
    "float_converter",
    "sanitize",
    "check_single_point",
    "deprecated_setting",
    "broadcast_fields",
    "batch_shape",
]


def _as_float(owner: str, name: str, hint: str, x: Any, event_ndim: int, keep_python_floats: bool = False) -> Any:
    """A float array with a definite (non-weak) dtype, so that replacing a leaf never changes a jit signature; a
    scalar given for a per-point vector field (event_ndim 1) becomes a length-1 vector (broadcast later). With
    ``keep_python_floats`` a Python number stays a Python float (checked, ints become floats)."""
    if keep_python_floats and isinstance(x, (int, float)) and not isinstance(x, bool) and event_ndim == 0:
        return float(x)
    if isinstance(x, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
        t: Any = x
        if not (jnp.issubdtype(t.dtype, jnp.floating) or jnp.issubdtype(t.dtype, jnp.integer)):
            raise TypeError(f"{owner}.{name} must be real, got a traced {t.dtype} value")
        a = t if jnp.issubdtype(t.dtype, jnp.floating) else t.astype(jnp.result_type(float))
    else:
        if not isinstance(x, jax.Array):
            concrete_real(owner, name, x, hint)
        elif not (jnp.issubdtype(x.dtype, jnp.floating) or jnp.issubdtype(x.dtype, jnp.integer)):
            raise TypeError(f"{owner}.{name} must be real, got an array of dtype {x.dtype}")
        a = jnp.asarray(x)
        a = jnp.asarray(a, dtype=a.dtype if jnp.issubdtype(a.dtype, jnp.floating) else jnp.result_type(float))
    return a[None] if event_ndim == 1 and a.ndim == 0 else a


def float_converter(
    owner: str, name: str, event_ndim: int = 0, hint: str = "", keep_python_floats: bool = False
) -> Callable[[Any], Any]:
    """The converter of one array field of a scenario Params class (names the field in its TypeError).
    ``keep_python_floats``: Python numbers stay Python floats (the Ardu chain, whose fields were plain floats)."""
    return lambda x: _as_float(owner, name, hint, x, event_ndim, keep_python_floats)


def sanitize(
    values: dict[str, Any], dummy: dict[str, Any], *, positive=(), non_negative=(), unit_nonzero=()
) -> tuple[dict[str, Any], Any]:
    """``(safe, ok)``: ``ok`` is True when every value is finite and in its domain (``positive``: > 0,
    ``non_negative``: >= 0, ``unit_nonzero``: 0 < |v| <= 1; other fields: finite); ``safe`` holds the values, or the
    ``dummy`` point everywhere when not ok (so that a bad point never produces NaN, nor NaN gradients)."""
    ok = jnp.asarray(True)
    for k, v in values.items():
        good = jnp.isfinite(v)
        if k in positive:
            good = good & (v > 0)
        if k in non_negative:
            good = good & (v >= 0)
        if k in unit_nonzero:
            good = good & (v != 0) & (jnp.abs(v) <= 1.0)
        ok = ok & jnp.all(good)
    safe = {k: jnp.where(ok, v, jnp.asarray(dummy[k], jnp.result_type(v))) for k, v in values.items()}
    return safe, ok


def check_single_point(params: Any, scalar_fields, vector_fields: dict, func: str, batch_func: str) -> None:
    """ValueError unless ``params`` is one point: every name in ``scalar_fields`` 0-d and every ``vector_fields``
    entry (name -> shape) of exactly that shape. The message names the field, its shape and the batch function."""
    cls = type(params).__name__
    for name in scalar_fields:
        if np.ndim(getattr(params, name)) != 0:
            raise ValueError(
                f"{func} takes one point: {cls}.{name} has shape {np.shape(getattr(params, name))}; use "
                f"{batch_func} (or jax.vmap) for batches"
            )
    for name, shape in vector_fields.items():
        if np.shape(getattr(params, name)) != tuple(shape):
            raise ValueError(
                f"{func} takes one point: {name} must have shape {tuple(shape)}, got "
                f"{np.shape(getattr(params, name))}; use {batch_func} for batches"
            )


def deprecated_setting(owner: str, old: str, new: str, old_value: Any, new_value: Any, default: Any) -> Any:
    """The value of a renamed setting: ``old_value`` (not None) is accepted with a DeprecationWarning (for one
    release) unless ``new`` was given a different value as well (ValueError)."""
    if old_value is None:
        return new_value
    if new_value != default and new_value != old_value:
        raise ValueError(
            f"{owner}: {old}={old_value!r} and {new}={new_value!r} disagree; {old!r} is the old name "
            f"of {new!r}: give only {new}={old_value!r}"
        )
    warnings.warn(
        f"{owner}({old}=...) is deprecated, use {owner}({new}={old_value!r}) (the same g_*(T) table "
        f"setting in both chains; runcards: [scenario].settings.{new})",
        DeprecationWarning,
        stacklevel=4,
    )
    return old_value


class ScenarioParams(BatchedParams):
    """Base of the chain parameter PyTrees: ``.broadcast()`` / ``.batch(base=None, **fields)`` (from
    :class:`jaxgen._batching.BatchedParams`; ``_event_ndim_`` declares the per-point axes of each field)."""


class ScenarioPrediction(eqx.Module):
    """Base of the chain predictions: ``status`` (error bits) and ``flags`` (physics diagnostics) fields, declared
    by each subclass (last), decoded through the class's status vocabulary ``_vocabulary_``."""

    _vocabulary_ = None
    _error_mask_ = 0
    if TYPE_CHECKING:  # fields of every subclass (declared there, last, so that the field order is the chain's)
        status: Any
        flags: Any

    @property
    def valid(self):
        """Boolean array (the batch shape): no error bit (``STATUS_ERROR_MASK``) set in ``status``."""
        return (jnp.asarray(self.status) & self._error_mask_) == 0

    def status_names(self) -> list:
        """snake_case names of the bits set in ``status | flags`` (``[]`` for a clean point); for a batch, a nested
        list with the batch shape. Messages: ``type(pred)._vocabulary_.messages(code)``."""
        vocab: Any = self._vocabulary_
        status, flags = self.status, self.flags
        codes = np.asarray(status).astype(np.int64) | np.asarray(flags).astype(np.int64)
        if codes.ndim == 0:
            return _status.decode(vocab, int(codes))
        decoded: Any = np.frompyfunc(lambda c: _status.decode(vocab, int(c)), 1, 1)(codes)
        return decoded.tolist()
