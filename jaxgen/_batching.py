"""Batches of parameter PyTrees built from scalars, lists or arrays: one broadcasting rule for every Params class.

A Params class (an ``eqx.Module`` of array fields) describes ONE point with per-point ("event") axes per field: 0
for a scalar field, 1 for a per-species vector (``FreezeInParams.mass``, ``HallParams.m_a``) or a fixed-length
vector (``ArduParams.b_minus_l_alpha``). A batch adds leading axes. :func:`broadcast_fields` gives every field the
common batch shape (NumPy broadcasting; scalars and size-1 axes broadcast) followed by its common event shape, so
that ``jax.vmap(solve)(params.broadcast())`` works with defaults left scalar; fields whose shapes disagree give a
ValueError that names them and says how to build the batch.

:class:`BatchedParams` is the mixin of the scenario Params classes: ``cls._event_ndim_`` declares the event axes,
and it gives ``.broadcast()`` and ``.batch(base=None, **fields)``. The engine Params classes
(``FreezeInParams``, ``FreezeOutParams``, ``WashoutParams``) have ``.broadcast``/``.batch`` with the same rule
(through ``jaxgen._freezein._broadcast_params``, an alias of :func:`broadcast_fields`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import equinox as eqx
import jax
import jax.core  # jax.core.Tracer: pyright does not see the submodule through a plain `import jax`
import jax.numpy as jnp
import numpy as np

__all__ = ["broadcast_fields", "batch_shape", "BatchedParams", "check_chunk_size", "chunked_vmap", "per_backend"]


def _shapes(obj, name: str, event_ndim: Mapping[str, int]):
    shapes = {}
    for f, ev in event_ndim.items():
        shape = tuple(np.shape(getattr(obj, f)))
        if len(shape) < ev:
            raise ValueError(f"{name}.{f} needs {ev} per-point axis (e.g. one entry per species), got shape {shape}")
        shapes[f] = shape
    lead = {f: s[: len(s) - event_ndim[f]] for f, s in shapes.items()}
    event = {f: s[len(s) - event_ndim[f] :] for f, s in shapes.items() if event_ndim[f]}
    return lead, event


def _common(name: str, parts: Mapping[str, tuple], what: str) -> tuple:
    try:
        return tuple(np.broadcast_shapes(*parts.values())) if parts else ()
    except ValueError:
        sizes = {f: v for f, v in parts.items() if any(d != 1 for d in v)}
        raise ValueError(
            f"{name}: the {what} of the fields do not broadcast together: "
            + ", ".join(f"{f} {v}" for f, v in sizes.items())
            + ". Give every batched field the same leading shape (N,) (scalars and size-1 axes "
            "are broadcast), e.g. build the batch with " + name + ".batch(...)"
        ) from None


def batch_shape(obj, name: str, event_ndim: Mapping[str, int]) -> tuple:
    """The common batch shape of the fields (ValueError naming the fields whose batch shapes disagree)."""
    lead, _ = _shapes(obj, name, event_ndim)
    return _common(name, lead, "batch shapes")


def broadcast_fields(obj, name: str, event_ndim: Mapping[str, int]):
    """Broadcast the array fields of a Params module to one common batch shape.

    ``event_ndim`` maps each field to its number of trailing per-point axes. The batch shapes (shape without the
    event axes) of all fields are broadcast together, and so are the event shapes of the vector fields. Every field
    then gets batch_shape + event_shape as a float array (dtype ``jnp.result_type(float)`` for non-float input).
    Returns ``(new_obj, batch_shape)``; the converters of the class are not re-run (``eqx.tree_at``).
    """
    lead, event = _shapes(obj, name, event_ndim)
    batch = _common(name, lead, "batch shapes")
    ev_common = _common(name, event, "per-point (species) shapes") if event else ()
    dtype = jnp.result_type(float)
    new = []
    for f, ev in event_ndim.items():
        v = getattr(obj, f)
        if isinstance(v, (jax.core.Tracer, jax.Array)):
            v = jnp.asarray(v)
        else:
            v = jnp.asarray(np.asarray(v, dtype=float))
        if not jnp.issubdtype(v.dtype, jnp.floating):
            v = v.astype(dtype)
        new.append(jnp.broadcast_to(v, batch + (ev_common if ev else ())))
    fields = tuple(event_ndim)
    return eqx.tree_at(lambda q: tuple(getattr(q, f) for f in fields), obj, tuple(new)), batch


class BatchedParams(eqx.Module):
    """Mixin of Params classes: ``.broadcast()`` and ``.batch(base=None, **fields)``.

    Subclasses set ``_event_ndim_`` ({field: per-point axes}); fields not listed there (static switches) are left
    alone. ``_batch_required_`` names the fields that :meth:`batch` needs when there is no ``base``.
    """

    _event_ndim_ = {}
    _batch_required_ = ()

    def broadcast(self):
        """Every field with the common batch shape (scalar fields (*batch,), vector fields (*batch, n)), so that
        ``jax.vmap(chain)(p.broadcast())`` works with defaults left scalar. ValueError naming the fields whose
        shapes disagree."""
        return broadcast_fields(self, type(self).__name__, self._event_ndim_)[0]

    @classmethod
    def batch(cls, base: Any = None, **fields):
        """A batch from scalars, lists or arrays, e.g. ``Params.batch(m=[1.0, 2.0], a=1e-9)`` (two points). Fields
        not given take ``base``'s values (default: the class defaults); everything is broadcast
        (:meth:`broadcast`; ValueError naming the fields whose lengths disagree)."""
        if base is not None:
            if not isinstance(base, cls):
                raise TypeError(f"{cls.__name__}.batch: base must be a {cls.__name__}, got {type(base).__name__}")
            vals = {k: getattr(base, k) for k in cls._event_ndim_}
            vals.update(fields)
            fields = vals
        missing = [k for k in cls._batch_required_ if k not in fields]
        if missing:
            raise ValueError(
                f"{cls.__name__}.batch needs {missing} (or a base point, e.g. base={cls.__name__}.benchmark())"
            )
        return cls(**fields).broadcast()


def check_chunk_size(fn: str, chunk_size) -> None:
    """ValueError unless ``chunk_size`` is "auto", None or a positive int (the chunk argument of the batch entry
    points)."""
    ok = chunk_size == "auto" or chunk_size is None
    ok = ok or (isinstance(chunk_size, (int, np.integer)) and not isinstance(chunk_size, bool) and chunk_size >= 1)
    if not ok:
        raise ValueError(f'{fn}: chunk_size must be a positive int, None or "auto", got {chunk_size!r}')


def per_backend(cpu: int, accelerator: int) -> dict[str, int]:
    """The ``auto_chunk`` mapping of :func:`chunked_vmap`: ``cpu`` points per chunk on a CPU, ``accelerator`` on a
    GPU or TPU."""
    return {"cpu": cpu, "gpu": accelerator, "tpu": accelerator}


def _auto_chunk(auto_chunk: int | Mapping[str, int]) -> int:
    """The "auto" chunk for JAX's default backend: ``auto_chunk`` itself (an int), or its entry for the backend
    ("cpu", "gpu", "tpu"; "cpu" for one not listed)."""
    if isinstance(auto_chunk, Mapping):
        return int(auto_chunk.get(jax.default_backend(), auto_chunk["cpu"]))
    return int(auto_chunk)


def chunked_vmap(fn, args: Any, n: int, chunk_size, auto_chunk: int | Mapping[str, int]) -> Any:
    """``vmap(fn)`` over the leading axis (size n) of the PyTree ``args``, or ``lax.map`` over vmapped chunks.

    ``chunk_size``: None (one flat vmap), an int (that chunk), or "auto" (chunks of ``auto_chunk`` when n exceeds
    two chunks, else a flat vmap; ``auto_chunk`` may map the backend name to its chunk, {"cpu": c1, "gpu": c2}: a
    GPU needs far more points per chunk than a CPU to fill its cores). The batch is padded to a whole number of
    chunks by repeating its last point (one compiled chunk shape) and the padding is dropped from the result. Keeping a chunk's intermediates small is what
    makes this faster than one flat vmap for large n on CPU (measured per entry point in its docstring).
    """
    if chunk_size == "auto":
        auto = _auto_chunk(auto_chunk)
        chunk_size = auto if n > 2 * auto else None
    if chunk_size is None or chunk_size >= n:
        return jax.vmap(fn)(args)
    chunk = int(chunk_size)
    nc = -(-n // chunk)
    pad = nc * chunk - n

    def padded(v):
        v = jnp.concatenate([v, jnp.broadcast_to(v[-1:], (pad,) + v.shape[1:])]) if pad else v
        return v.reshape((nc, chunk) + v.shape[1:])

    res = jax.lax.map(jax.vmap(fn), jax.tree_util.tree_map(padded, args))
    return jax.tree_util.tree_map(lambda v: v.reshape((nc * chunk,) + v.shape[2:])[:n], res)
