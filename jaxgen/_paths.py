"""Dotted field paths into parameter and prediction PyTrees: the one implementation used by sweep, fit,
sensitivity and runcard.

A path names a node of a PyTree (typically an ``equinox.Module``) by its parts joined with ``"."``:

- attributes (``"lam"``, ``"gh.M2"``), dict keys (``"couplings.key"``), tuple/list indices (``"masses.0"``);
- integer indices into array leaves (``"phase.0"`` = element 0 of the array field ``phase``; ``"m.1.2"`` in C
  order for a 2-d field).  Array elements are resolved only where asked for (``index_arrays=True`` in
  :func:`tree_get`; :func:`resolve_path`, :func:`get_indexed`, :func:`set_path`).

Functions:

- :func:`split_path` validates a path and splits it; :func:`tree_get` gets the node at a path;
- :func:`leaf_names` gives the paths of the leaves of a PyTree (the convention of sweep outputs and designs);
- :func:`resolve_path` resolves a path to one scalar (a :class:`Loc`: leaf path + index), :func:`expand_path`
  also expands a whole array field into its elements, :func:`scalar_paths` lists every floating scalar;
- :func:`get_values` / :func:`set_values` read / replace the scalars at locations (immutably, with
  ``equinox.tree_at``; they work under jit, vmap and grad); :func:`get_indexed` / :func:`set_path` do the same for
  one path that may name a whole field or an element of a 1-d array field (runcard ``[parameters]``);
- :func:`suggest` gives the "Did you mean ...?" hint for a misspelled name.

Errors are ``ValueError`` naming the path and, where it helps, the valid fields or keys.
Nothing here depends on units or physics.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "split_path",
    "tree_get",
    "key_name",
    "leaf_names",
    "array_element",
    "Loc",
    "is_float_like",
    "describe",
    "resolve_path",
    "expand_path",
    "scalar_paths",
    "get_values",
    "set_values",
    "get_indexed",
    "set_path",
    "explode_arrays",
    "floats_to_arrays",
    "get_status",
    "status_value",
    "suggest",
]


# ----------------------------------------------------------------------------------------------------------------
# nodes
# ----------------------------------------------------------------------------------------------------------------
def split_path(path: str) -> tuple[str, ...]:
    """The parts of a dotted path; ValueError unless it is a non-empty string without empty parts."""
    if not isinstance(path, str) or not path or any(p == "" for p in path.split(".")):
        raise ValueError(f"a parameter path must be a non-empty dotted string like 'lam' or 'gh.M2', got {path!r}")
    return tuple(path.split("."))


def _step(node, part: str, path: str, index_arrays: bool = False):
    if isinstance(node, dict):
        if part in node:
            return node[part]
        raise ValueError(f"parameter path {path!r}: no key {part!r} in dict (keys: {sorted(map(str, node))})")
    if isinstance(node, (tuple, list)) and not hasattr(node, "_fields"):
        try:
            return node[int(part)]
        except (ValueError, IndexError):
            raise ValueError(
                f"parameter path {path!r}: {part!r} is not a valid index of a sequence of length {len(node)}"
            ) from None
    if index_arrays and hasattr(node, "shape") and np.ndim(node) > 0:  # an element of an array field, "phase.0"
        try:
            i = int(part)
        except ValueError:
            i = None
        if i is None or not 0 <= i < np.shape(node)[0]:
            raise ValueError(
                f"parameter path {path!r}: {part!r} is not a valid index of an array of shape {np.shape(node)}"
            )
        return node[i]
    if hasattr(node, part):
        return getattr(node, part)
    fields = [f.name for f in dataclasses.fields(node)] if dataclasses.is_dataclass(node) else []
    raise ValueError(
        f"parameter path {path!r}: {type(node).__name__} has no field {part!r}"
        + (f" (fields: {fields})" if fields else "")
    )


def tree_get(tree, path: str, index_arrays: bool = False):
    """The node of ``tree`` at dotted field path ``path`` (attributes, dict keys, sequence indices; with
    ``index_arrays`` also integer indices into array leaves, e.g. ``"phase.0"``)."""
    node = tree
    for part in split_path(path):
        node = _step(node, part, path, index_arrays)
    return node


def key_name(k) -> str:
    """The path part of one ``jax.tree_util`` key (attribute name, dict key, sequence index)."""
    if isinstance(k, jax.tree_util.GetAttrKey):
        return k.name
    if isinstance(k, jax.tree_util.DictKey):
        return str(k.key)
    if isinstance(k, jax.tree_util.SequenceKey):
        return str(k.idx)
    if isinstance(k, jax.tree_util.FlattenedIndexKey):
        return str(k.key)
    return str(k)


def leaf_names(tree) -> list[str]:
    """Dotted field paths of the leaves of ``tree`` (the same convention as design paths)."""
    leaves = jax.tree_util.tree_flatten_with_path(tree)[0]
    return [".".join(key_name(k) for k in kp) or "value" for kp, _ in leaves]


def array_element(tree, path: str):
    """(path of the array field, index tuple) if ``path`` names an element of an array field, else (path, None)."""
    parts = split_path(path)
    node = tree
    for i, part in enumerate(parts):
        if hasattr(node, "shape") and np.ndim(node) > 0:
            return ".".join(parts[:i]), tuple(int(q) for q in parts[i:])
        node = _step(node, part, path, True)
    return path, None


# ----------------------------------------------------------------------------------------------------------------
# scalars: locations of scalar leaves and array elements
# ----------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Loc:
    """Where a scalar lives: the leaf at ``leaf`` (a tree_get path) and an index into it (``()`` for a scalar)."""

    path: str
    leaf: str
    index: tuple[int, ...]


def is_float_like(x) -> bool:
    """A Python float, a NumPy floating scalar, or an array (or ShapeDtypeStruct) of a floating dtype."""
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (float, np.floating)):
        return True
    dt = getattr(x, "dtype", None)
    return dt is not None and jnp.issubdtype(dt, jnp.floating)


def describe(x) -> str:
    """``"ndarray of dtype int64"`` / ``"int"``: the type of a leaf, for error messages."""
    dt = getattr(x, "dtype", None)
    return f"{type(x).__name__} of dtype {dt}" if dt is not None else type(x).__name__


def resolve_path(tree, path: str, *, what: str = "parameter", require_float: bool = True) -> Loc:
    """Resolve a dotted path to one scalar: a scalar leaf (``"lam"``, ``"gh.M2"``) or an array element
    (``"phase.0"``, ``"m.1.2"``, C order). Raises ValueError naming the problem and the fix."""
    if not isinstance(path, str) or not path:
        raise ValueError(f"a {what} path must be a non-empty dotted string like 'lam' or 'phase.0', got {path!r}")
    parts = path.split(".")
    last_err = None
    for cut in range(len(parts), 0, -1):  # longest field path first, then trailing integer indices
        head, tail = ".".join(parts[:cut]), parts[cut:]
        if tail and not all(t.lstrip("-").isdigit() for t in tail):
            continue
        try:
            node = tree_get(tree, head)
        except ValueError as exc:
            last_err = exc
            continue
        shape = np.shape(node) if hasattr(node, "shape") else ()
        index = tuple(int(t) for t in tail)
        if len(index) != len(shape):
            if not tail and len(shape) > 0:
                raise ValueError(
                    f"{what} {path!r} is an array of shape {shape}; name one element, e.g. "
                    f"{path + '.' + '.'.join('0' * len(shape))!r}"
                )
            if tail and hasattr(node, "shape"):
                raise ValueError(f"{what} {path!r}: {len(index)} index(es) for an array of shape {shape}")
            continue
        for i, n in zip(index, shape):
            if not 0 <= i < n:
                raise ValueError(f"{what} {path!r}: index {i} out of range for an array of shape {shape}")
        if require_float and not is_float_like(node):
            raise ValueError(
                f"{what} {path!r} is a {describe(node)}; only floating-point leaves can be varied "
                "(give the field a float value, e.g. 2.0 instead of 2, or make it a static field)"
            )
        return Loc(path=path, leaf=head, index=index)
    fields = ""
    try:
        fields = f" (leaves: {leaf_names(tree)})"
    except Exception:  # pragma: no cover - informational only
        pass
    raise ValueError(f"unknown {what} path {path!r}: {last_err}{fields}")


def expand_path(tree, path: str, what: str, require_float: bool = True) -> list[Loc]:
    """A path naming a scalar, an array element, or a whole array leaf (expanded into its elements, C order)."""
    try:
        node = tree_get(tree, path)
    except ValueError:
        node = None
    if node is not None and hasattr(node, "shape") and len(node.shape) > 0:
        if require_float and not is_float_like(node):
            raise ValueError(
                f"{what} {path!r} is an array of dtype {node.dtype}; only floating-point leaves have derivatives"
            )
        return [
            Loc(path=path + "." + ".".join(map(str, i)), leaf=path, index=tuple(i)) for i in np.ndindex(*node.shape)
        ]
    return [resolve_path(tree, path, what=what, require_float=require_float)]


def scalar_paths(tree, *, exclude: Sequence[str] = ("status",)) -> list[str]:
    """Paths of every floating-point scalar in ``tree``: scalar leaves by name, array leaves element by element
    (``"phase.0"``, ``"phase.1"``). Leaves whose last name part is in ``exclude`` are skipped."""
    out = []
    leaves = jax.tree_util.tree_leaves(tree)
    for name, leaf in zip(leaf_names(tree), leaves):
        if name.split(".")[-1] in exclude or not is_float_like(leaf):
            continue
        shape = np.shape(leaf) if hasattr(leaf, "shape") else ()
        if shape == ():
            out.append(name)
        else:
            out += [name + "." + ".".join(map(str, idx)) for idx in np.ndindex(*shape)]
    return out


def get_values(tree, locs: Sequence[Loc], *, allow_empty: bool = True) -> jax.Array:
    """The scalars at ``locs`` stacked into a 1-D array (``(0,)`` for no locations; with ``allow_empty=False`` no
    locations raise ValueError, as jnp.stack does)."""
    vals = []
    for loc in locs:
        node = jnp.asarray(tree_get(tree, loc.leaf))
        vals.append(node[loc.index] if loc.index else node)
    return jnp.stack(vals) if vals or not allow_empty else jnp.zeros((0,))


def set_values(tree, locs: Sequence[Loc], values) -> Any:
    """``tree`` with the scalars at ``locs`` replaced by ``values`` (1-D, same order); works under jit/vmap/grad.

    Several elements of one array leaf are set together; every other leaf is unchanged (``equinox.tree_at``)."""
    groups: dict[str, list[tuple[tuple[int, ...], Any]]] = {}
    for j, loc in enumerate(locs):
        groups.setdefault(loc.leaf, []).append((loc.index, values[j]))
    leaves, new = [], []
    for leaf, items in groups.items():
        old = tree_get(tree, leaf)
        if items[0][0] == ():
            v = items[-1][1]
            dtype = getattr(old, "dtype", None)
            new.append(jnp.asarray(v, dtype=dtype) if dtype is not None else v)
        else:
            arr = jnp.asarray(old)
            for idx, v in items:
                arr = arr.at[idx].set(jnp.asarray(v, dtype=arr.dtype))
            new.append(arr)
        leaves.append(leaf)
    if not leaves:
        return tree
    return eqx.tree_at(lambda t: [tree_get(t, p) for p in leaves], tree, new, is_leaf=lambda x: x is None)


# ----------------------------------------------------------------------------------------------------------------
# one path: a whole field or an element of a 1-d array field (runcard [parameters])
# ----------------------------------------------------------------------------------------------------------------
def get_indexed(tree, path: str):
    """tree_get that also indexes 1-d array leaves: ``"phase.0"`` is element 0 of the array field ``phase``."""
    try:
        return tree_get(tree, path)
    except ValueError:
        parent, _, last = path.rpartition(".")
        if parent and last.isdigit():
            node = tree_get(tree, parent)
            if hasattr(node, "shape") and np.ndim(node) == 1:
                if int(last) >= np.shape(node)[0]:
                    raise ValueError(
                        f"parameter path {path!r}: index {last} out of range for {parent!r} of "
                        f"length {np.shape(node)[0]}"
                    ) from None
                return node[int(last)]
        raise


def set_path(tree, path: str, value):
    """``tree`` with the node at ``path`` (a field, or an element ``"phase.0"`` of a 1-d array field, which becomes
    an array of the default float dtype) replaced by ``value``, immutably (``equinox.tree_at``)."""
    try:
        tree_get(tree, path)
        return eqx.tree_at(lambda t: tree_get(t, path), tree, value, is_leaf=lambda x: x is None)
    except ValueError:
        parent, _, last = path.rpartition(".")
        node = tree_get(tree, parent)
        new = jnp.asarray(node, dtype=jnp.result_type(float)).at[int(last)].set(value)
        return eqx.tree_at(lambda t: tree_get(t, parent), tree, new)


def explode_arrays(base, paths):
    """For sweeps over array elements (``"phase.0"``): the base point with those 1-d array fields as tuples of
    scalars, and ``restore(params)`` that stacks them back.  (The sweep engine can vary array elements directly;
    runcard sweeps keep this form because it fixes the recorded base point, its hash and so the resumability of
    existing sweep outputs.)"""
    parents = []
    for p in paths:
        parent, _, last = p.rpartition(".")
        if not (parent and last.isdigit()):
            continue
        try:
            tree_get(base, p)
            continue
        except ValueError:
            pass
        node = tree_get(base, parent)
        if hasattr(node, "shape") and np.ndim(node) == 1 and parent not in parents:
            parents.append(parent)
    new = base
    for parent in parents:
        arr = jnp.asarray(tree_get(base, parent), dtype=jnp.result_type(float))
        new = eqx.tree_at(lambda t, q=parent: tree_get(t, q), new, tuple(arr[i] for i in range(arr.shape[0])))

    def restore(params):
        for parent in parents:
            params = eqx.tree_at(lambda t, q=parent: tree_get(t, q), params, jnp.stack(tree_get(params, parent)))
        return params

    return new, restore


# ----------------------------------------------------------------------------------------------------------------
# small helpers shared by fit and sensitivity
# ----------------------------------------------------------------------------------------------------------------
def floats_to_arrays(tree):
    """Python floats -> 0-d arrays (default float dtype), so that they are traced, not static, under filter_jit."""
    return jax.tree_util.tree_map(lambda x: jnp.asarray(x) if isinstance(x, float) else x, tree)


def get_status(pred):
    """The ``status`` leaf of a prediction (attribute or mapping key), or None."""
    st = getattr(pred, "status", None)
    if st is None and isinstance(pred, Mapping):
        st = pred.get("status")
    return st


def status_value(pred) -> jax.Array:
    """The prediction's status as one int32 (the largest |status| of an array status; 0 without a status)."""
    st = get_status(pred)
    if st is None:
        return jnp.asarray(0, dtype=jnp.int32)
    st = jnp.asarray(st)
    return jnp.max(jnp.abs(st)).astype(jnp.int32) if st.ndim else st.astype(jnp.int32)


def suggest(key, valid):
    """`` Did you mean 'x'?`` for the closest valid name, else `` Valid keys: a, b.``"""
    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else f" Valid keys: {', '.join(sorted(valid)) or '(none)'}."
