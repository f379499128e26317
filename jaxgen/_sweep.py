"""Parameter sweeps: designs (grid, random, Sobol), chunked and sharded evaluation, resumable NetCDF output.

The engine works for ANY pure function ``f(params) -> result`` where ``params`` is a PyTree (typically an
``equinox.Module``) with named fields, and ``result`` is a PyTree of arrays with an integer ``status`` field
(0 = ok), e.g. :class:`jaxgen.cp.CPAsymmetry` or :class:`jaxgen._gravitino.GravitinoPrediction`.

- A design varies a subset of the scalar fields of a fixed *base point*, named by field paths (``"lam"``,
  ``"gh.M2"``, ``"masses.0"`` for a tuple element, ``"couplings.key"`` for a dict entry); every other field keeps
  its base value.  Values are generated lazily per index range on the host, so a 1e7-point design costs no memory.
- :func:`run_sweep` evaluates the design in chunks of a FIXED size (the last chunk is padded by repeating its last
  point, and the padding is dropped), so there is exactly one XLA compilation per sweep.  Each chunk is sharded over
  all local devices with a ``NamedSharding`` over a 1-D mesh (axis ``"batch"``).  Host and device memory are
  bounded by the chunk size (two chunks in flight: the next one is dispatched before the current one is written).
- With ``out=DIR`` each chunk is written to its own NetCDF file atomically (see :mod:`jaxgen._io`); re-running the
  same call resumes: finished chunk files are skipped, so no point is lost or computed twice.  Under
  ``jax.distributed`` each process takes chunks ``i`` with ``i % process_count == process_index``
  (docs/distributed.md).
- Invalid points never abort the batch: the per-point mask ``ok`` is ``status == 0`` AND every floating output
  finite (a NaN with status 0 is flagged too).  Inside ``f`` do not use ``equinox.error_if`` (it would abort the
  whole chunk): report bad points through ``status``.

Units: the engine is unit-agnostic; give ``Axis(..., units="GeV")`` and ``run_sweep(..., units={"m": "GeV"})`` to
record them in the output.
"""

from __future__ import annotations

import hashlib
import json
import math
import pathlib
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from . import _io
from ._io import package_versions
from ._paths import array_element as _array_element
from ._paths import leaf_names, tree_get
from ._paths import split_path as _split

__all__ = [
    "Axis",
    "Design",
    "SweepRun",
    "DESIGN_KINDS",
    "grid_design",
    "random_design",
    "sobol_design",
    "run_sweep",
    "load_sweep",
    "evaluate_points",
    "tree_get",
    "leaf_names",
]

DESIGN_KINDS = ("grid", "random", "sobol")
FORMAT = "jaxgen-sweep/2"  # /2: every chunk has a checksummed record (chunk_<i>.json)
_RANDOM_BLOCK = 4096  # random designs draw blocks of this many points from np.random.default_rng([seed, block])


# ----------------------------------------------------------------------------------------------------------------
# designs
# ----------------------------------------------------------------------------------------------------------------
class Axis(eqx.Module):
    """One swept parameter.

    Attributes:
        path: dotted field path into the base point (e.g. ``"gh.M2"``); the field must be a scalar.
        low, high: range (``low <= high``; both > 0 if ``log``), in the field's units.
        log: sample uniformly in ln(x) (log-uniform / geometric grid).
        n: number of grid points (grid designs only; ignored by random and Sobol designs).
        units: unit string recorded in the output (e.g. ``"GeV"``; ``""`` = dimensionless / unspecified).
    """

    path: str = eqx.field(static=True)
    low: float = eqx.field(static=True)
    high: float = eqx.field(static=True)
    log: bool = eqx.field(static=True, default=False)
    n: int | None = eqx.field(static=True, default=None)
    units: str = eqx.field(static=True, default="")

    def __check_init__(self):
        _split(self.path)
        lo, hi = float(self.low), float(self.high)
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
            raise ValueError(f"Axis {self.path!r}: need finite low <= high, got low={self.low}, high={self.high}")
        if self.log and lo <= 0:
            raise ValueError(f"Axis {self.path!r}: a log axis needs low > 0, got low={self.low}")
        if self.n is not None and (not isinstance(self.n, int) or self.n < 1):
            raise ValueError(f"Axis {self.path!r}: n must be a positive int, got {self.n!r}")

    def transform(self, u: np.ndarray) -> np.ndarray:
        """Map u in [0, 1] to the axis range (linearly, or linearly in ln x if ``log``)."""
        lo, hi = float(self.low), float(self.high)
        if self.log:
            a, b = math.log(lo), math.log(hi)
            return np.exp(a + u * (b - a))
        return lo + u * (hi - lo)


class Design(eqx.Module):
    """A set of points: ``values(start, stop)`` gives the (stop - start, n_axes) swept values on the host.

    Build with :func:`grid_design`, :func:`random_design` or :func:`sobol_design`.  Points are generated lazily and
    deterministically from (kind, axes, seed, index), independent of the chunk size.
    """

    kind: str = eqx.field(static=True)
    base: Any
    axes: tuple[Axis, ...] = eqx.field(static=True)
    n_points: int = eqx.field(static=True)
    seed: int | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        if self.kind not in DESIGN_KINDS:
            raise ValueError(f"design kind must be one of {DESIGN_KINDS}, got {self.kind!r}")
        if not self.axes:
            raise ValueError("a design needs at least one Axis")
        paths = [a.path for a in self.axes]
        if len(set(paths)) != len(paths):
            raise ValueError(f"duplicate parameter paths in design: {paths}")
        for a in self.axes:
            leaf = tree_get(self.base, a.path, index_arrays=True)
            if isinstance(leaf, (bool, np.bool_)) or not (
                isinstance(leaf, (int, float, np.number)) or hasattr(leaf, "shape")
            ):
                raise TypeError(
                    f"parameter {a.path!r} of the base point is {type(leaf).__name__}; a swept field "
                    "must be a numeric scalar (Python float or 0-d array)"
                )
            if np.ndim(leaf) != 0:
                raise ValueError(
                    f"parameter {a.path!r} of the base point has shape {np.shape(leaf)}; only scalar "
                    "fields can be swept (sweep an element with a path like 'field.0')"
                )
        if self.n_points < 1:
            raise ValueError(f"a design needs n_points >= 1, got {self.n_points}")

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(a.path for a in self.axes)

    def _grid_shape(self) -> tuple[int, ...]:
        """Nodes per axis of a grid design (every axis needs ``n``)."""
        shape = tuple(a.n for a in self.axes if a.n is not None)
        if len(shape) != len(self.axes):
            missing = [a.path for a in self.axes if a.n is None]
            raise ValueError(f"a grid design needs n (the number of grid nodes) on every Axis; missing on {missing}")
        return shape

    def _seed(self) -> int:
        """The seed of a random or Sobol design."""
        if self.seed is None:
            raise ValueError(f"a {self.kind} design needs an int seed, got None")
        return int(self.seed)

    def unit_values(self, start: int, stop: int) -> np.ndarray:
        """Points ``start..stop-1`` in the unit cube (grid: node positions in [0, 1])."""
        start, stop = int(start), int(stop)
        if not 0 <= start <= stop <= self.n_points:
            raise ValueError(f"index range [{start}, {stop}) outside the design's {self.n_points} points")
        k = len(self.axes)
        if self.kind == "grid":
            shape = self._grid_shape()
            idx = np.unravel_index(np.arange(start, stop), shape)  # C order: the last axis varies fastest
            return np.stack([i / max(n - 1, 1) for i, n in zip(idx, shape)], axis=-1).astype(np.float64)
        if self.kind == "random":
            b0, b1 = start // _RANDOM_BLOCK, (stop - 1) // _RANDOM_BLOCK if stop > start else start // _RANDOM_BLOCK
            seed = self._seed()
            blocks = [np.random.default_rng([seed, b]).random((_RANDOM_BLOCK, k)) for b in range(b0, b1 + 1)]
            u = np.concatenate(blocks, axis=0)
            off = start - b0 * _RANDOM_BLOCK
            return u[off : off + (stop - start)]
        from scipy.stats import qmc  # sobol: scrambled, seeded, fast-forwarded to `start`

        eng = qmc.Sobol(d=k, scramble=True, rng=np.random.default_rng(self._seed()))
        if start:
            eng.fast_forward(start)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance properties need powers of 2; harmless here
            return eng.random(stop - start)

    def values(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Swept values of points ``start..stop-1``, shape (stop - start, n_axes), float64, in the axis units."""
        stop = self.n_points if stop is None else stop
        u = self.unit_values(start, stop)
        if self.kind == "grid":
            cols = []
            for j, (a, n) in enumerate(zip(self.axes, self._grid_shape())):
                nodes = np.geomspace(a.low, a.high, n) if a.log else np.linspace(a.low, a.high, n)
                cols.append(nodes[np.rint(u[:, j] * max(n - 1, 1)).astype(np.int64)])
            return np.stack(cols, axis=-1)
        return np.stack([a.transform(u[:, j]) for j, a in enumerate(self.axes)], axis=-1)

    def metadata(self) -> dict:
        """JSON-able description: kind, seed, n_points, axes, base point values and a hash of the base point."""
        leaves = jax.tree_util.tree_leaves(self.base)
        h = hashlib.sha256()
        base_values = {}
        for name, leaf in zip(leaf_names(self.base), leaves):
            arr = np.asarray(leaf)
            h.update(name.encode())
            h.update(str(arr.dtype).encode())
            h.update(np.ascontiguousarray(arr).tobytes())
            base_values[name] = arr.tolist() if arr.size <= 64 else f"<array {arr.shape} {arr.dtype}>"
        h.update(str(jax.tree_util.tree_structure(self.base)).encode())
        return {
            "kind": self.kind,
            "seed": self.seed,
            "n_points": self.n_points,
            "axes": [
                {
                    "path": a.path,
                    "low": float(a.low),
                    "high": float(a.high),
                    "log": bool(a.log),
                    "n": a.n,
                    "units": a.units,
                }
                for a in self.axes
            ],
            "base_type": type(self.base).__name__,
            "base": base_values,
            "base_sha256": h.hexdigest(),
        }


def _check_axes(axes) -> tuple[Axis, ...]:
    if isinstance(axes, Axis):
        axes = (axes,)
    axes = tuple(axes)
    for a in axes:
        if not isinstance(a, Axis):
            raise TypeError(f"axes must be Axis objects, got {type(a).__name__}")
    return axes


def _check_n_seed(n, seed):
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")


def grid_design(base, axes) -> Design:
    """Tensor-product grid: each axis needs ``n`` nodes (linspace, or geomspace if ``log``); C order (last axis
    fastest).  ``base`` supplies all other fields."""
    axes = _check_axes(axes)
    for a in axes:
        if a.n is None:
            raise ValueError(f"grid_design: Axis {a.path!r} needs n (the number of grid nodes)")
    return Design("grid", base, axes, int(np.prod([a.n for a in axes if a.n is not None])), None)


def random_design(base, axes, n: int, seed: int = 0) -> Design:
    """``n`` independent uniform (or log-uniform for ``log`` axes) points, reproducible from ``seed``."""
    axes = _check_axes(axes)
    _check_n_seed(n, seed)
    return Design("random", base, axes, int(n), int(seed))


def sobol_design(base, axes, n: int, seed: int = 0) -> Design:
    """``n`` points of a scrambled Sobol sequence (scipy.stats.qmc, scrambling seeded by ``seed``), mapped to the
    axis ranges (log axes: uniform in ln x).  Powers of two keep the balance properties."""
    axes = _check_axes(axes)
    _check_n_seed(n, seed)
    if len(axes) > 21201:  # pragma: no cover - scipy's limit
        raise ValueError("Sobol designs support at most 21201 dimensions")
    return Design("sobol", base, axes, int(n), int(seed))


# ----------------------------------------------------------------------------------------------------------------
# evaluation
# ----------------------------------------------------------------------------------------------------------------
def _float_dtype():
    return jnp.zeros((), dtype=float).dtype  # float64 iff jax_enable_x64


def _point_builder(design: Design):
    """Return build(v): the base point with the swept fields replaced by v[j] (v: (n_axes,) traced)."""
    base = design.base
    paths = design.paths
    dtypes = []
    for p in paths:
        leaf = tree_get(base, p, index_arrays=True)
        dt = getattr(leaf, "dtype", None)
        dtypes.append(dt if dt is not None and jnp.issubdtype(dt, jnp.floating) else None)

    split = [_array_element(base, p) for p in paths]

    def build(v):
        new = [v[j] if dt is None else v[j].astype(dt) for j, dt in enumerate(dtypes)]
        tree = base
        for (arr_path, idx), val in zip(split, new):  # elements of array fields, e.g. "phase.0"
            if idx is not None:
                arr = jnp.asarray(tree_get(tree, arr_path))
                tree = eqx.tree_at(lambda t, ap=arr_path: tree_get(t, ap), tree, arr.at[idx].set(val.astype(arr.dtype)))
        plain = [(p, val) for p, (_, idx), val in zip(paths, split, new) if idx is None]
        if not plain:
            return tree
        return eqx.tree_at(
            lambda t: [tree_get(t, p) for p, _ in plain], tree, [val for _, val in plain], is_leaf=lambda x: x is None
        )

    return build


def _result_spec(f, design: Design):
    build = _point_builder(design)
    spec = jax.ShapeDtypeStruct((len(design.axes),), _float_dtype())
    try:
        out = jax.eval_shape(lambda v: f(build(v)), spec)
    except Exception as exc:
        raise type(exc)(f"evaluating f on one point of the design failed at trace time: {exc}") from exc
    names = leaf_names(out)
    leaves = jax.tree_util.tree_leaves(out)
    if "status" not in names:
        raise ValueError(
            f"f must return a PyTree with an integer `status` field (0 = ok); got leaves {names}. "
            "Wrap f, e.g. lambda p: MyResult(value=g(p), status=jnp.int32(0))."
        )
    st = leaves[names.index("status")]
    if st.shape != () or not jnp.issubdtype(st.dtype, jnp.integer):
        raise ValueError(f"`status` must be a scalar integer per point, got shape {st.shape} dtype {st.dtype}")
    for n in names:
        if n in design.paths or n in ("ok", "point"):
            raise ValueError(f"result field {n!r} clashes with a parameter name or with 'ok'/'point'; rename it")
    return names, leaves


def _make_chunk_fn(f, design: Design, sharding):
    build = _point_builder(design)

    def point(v):
        return f(build(v))

    def chunk(values):
        res = jax.vmap(point)(values)
        leaves = jax.tree_util.tree_leaves(res)
        names = leaf_names(res)
        status = leaves[names.index("status")]
        ok = status == 0
        for x in leaves:
            if jnp.issubdtype(x.dtype, jnp.inexact):
                ok = ok & jnp.all(jnp.isfinite(x).reshape(x.shape[0], -1), axis=-1)
        return tuple(leaves), ok

    if sharding is None:
        return jax.jit(chunk)
    return jax.jit(chunk, in_shardings=sharding, out_shardings=sharding)


def evaluate_points(f, design: Design, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
    """Evaluate points ``start..stop-1`` of ``design`` in one plain ``jit(vmap(f))`` batch (no chunking, no
    sharding): the reference the chunked engine is tested and benchmarked against.  Returns {name: array} with the
    parameters, the result leaves and ``ok``."""
    stop = design.n_points if stop is None else stop
    names, _ = _result_spec(f, design)
    fn = _make_chunk_fn(f, design, None)
    vals = design.values(start, stop)
    leaves, ok = jax.device_get(fn(jnp.asarray(vals, _float_dtype())))
    out = {p: vals[:, j] for j, p in enumerate(design.paths)}
    out.update(dict(zip(names, leaves)))
    out["ok"] = ok
    return out


class SweepRun(eqx.Module):
    """What :func:`run_sweep` did.

    Attributes:
        n_points, n_chunks, chunk_size: the sweep (chunk_size as requested; the compiled batch is chunk_size rounded
            up to a multiple of the device count).
        chunks_computed: chunks computed (and written) by this call; chunks_skipped: already on disk (resume) or
            belonging to other processes.
        n_ok: points of this call with ok == 1.
        compile_s, run_s: compile time and wall time of the chunk loop [s]; points_per_s: computed points / run_s.
        n_devices: devices the chunks were sharded over.
        out: the sweep directory, or None.
        dataset: the results as an ``xarray.Dataset`` when ``out`` is None, else None (use :func:`load_sweep`).
        chunks_recomputed: indices of this process's chunks that were on disk but failed verification (truncated,
            corrupted, or without their record) and were therefore recomputed.
    """

    n_points: int
    n_chunks: int
    chunk_size: int
    chunks_computed: int
    chunks_skipped: int
    n_ok: int
    compile_s: float
    run_s: float
    points_per_s: float
    n_devices: int
    out: pathlib.Path | None
    dataset: Any
    chunks_recomputed: tuple[int, ...] = ()


def _fingerprint(m: dict) -> dict:
    d = dict(m["design"])
    return {
        "format": m["format"],
        "design": d,
        "chunk_size": m["chunk_size"],
        "n_points": m["n_points"],
        "result_names": m["result_names"],
        "result_dtypes": m["result_dtypes"],
        "float_dtype": m["float_dtype"],
    }


class _Progress:
    """Progress of a sweep on stderr: a tqdm bar on a terminal, plain periodic lines elsewhere (logs, pipes)."""

    MODES = ("auto", "bar", "lines", "none")
    LINE_EVERY_S = 10.0

    def __init__(self, mode, total, initial, desc):
        self.mode, self.total, self.done, self.desc = mode, total, initial, desc
        self.bar = None
        self.t0 = self.t_last = time.perf_counter()
        self.n0 = initial
        if mode == "bar":
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=initial, unit="pt", unit_scale=True, desc=desc, smoothing=0.1)
        elif mode == "lines":
            self._line("start")

    @classmethod
    def start(cls, mode, total, initial, desc):
        if mode == "auto":
            mode = "bar" if sys.stderr is not None and sys.stderr.isatty() else "lines"
        if mode == "bar":
            try:
                import tqdm  # noqa: F401
            except ImportError:  # pragma: no cover - depends on the environment
                warnings.warn(
                    "no progress bar: tqdm is not installed (pip install 'jaxgen[io]'); printing lines instead",
                    stacklevel=3,
                )
                mode = "lines"
        return cls(mode, total, initial, desc)

    def _line(self, what):
        dt = time.perf_counter() - self.t0
        rate = (self.done - self.n0) / dt if dt > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        pct = 100.0 * self.done / self.total if self.total else 100.0
        msg = f"{self.desc}: {self.done:.3g}/{self.total:.3g} points ({pct:.1f}%)"
        if what == "start":
            msg += ", starting" if self.done == 0 else ", resuming"
        else:
            msg += (
                f", {rate:.3g} points/s, "
                + ("done in" if what == "end" else "ETA")
                + (f" {dt:.1f} s" if what == "end" else f" {eta:.1f} s")
            )
        print(msg, file=sys.stderr, flush=True)

    def update(self, m):
        self.done += m
        if self.bar is not None:
            self.bar.update(m)
        elif self.mode == "lines":
            now = time.perf_counter()
            if now - self.t_last >= self.LINE_EVERY_S and self.done < self.total:
                self.t_last = now
                self._line("progress")

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.mode == "lines":
            self._line("end")


def run_sweep(
    f: Callable,
    design: Design,
    *,
    chunk_size: int = 4096,
    out: str | pathlib.Path | None = None,
    units: dict[str, str] | None = None,
    quiet: bool = False,
    progress: str = "auto",
    result_attrs: dict[str, dict] | None = None,
    devices=None,
    process_index: int | None = None,
    process_count: int | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
    description: str = "",
) -> SweepRun:
    """Evaluate ``f`` at every point of ``design`` in fixed-size chunks sharded over the local devices.

    Args:
        f: pure function ``params -> result``; ``params`` has the structure of ``design.base``; ``result`` is a
            PyTree of arrays with a scalar integer ``status`` leaf (0 = ok).  Static options: close over them
            (``functools.partial``).
        design: from :func:`grid_design`, :func:`random_design` or :func:`sobol_design`.
        chunk_size: points per chunk (the unit of compilation, memory and checkpointing).  Device batch =
            chunk_size rounded up to a multiple of the number of devices.
        out: sweep directory for resumable NetCDF output (one file per chunk + manifest.json).  Re-running the same
            call resumes it; a directory holding a different sweep raises ValueError.  None: keep results in memory
            and return them as ``SweepRun.dataset``.
        units: {result field path: unit string} recorded as NetCDF ``units`` attributes.
        quiet: no progress output at all (same as ``progress="none"``).
        progress: ``"auto"`` (default): a tqdm bar when stderr is a terminal, otherwise one plain line per 10 s
            (``sweep: 1.2e+05/5.2e+05 points (23.1%), 8.4e+04 points/s, ETA 4.8 s``) so that logs of batch jobs show
            progress; ``"bar"``, ``"lines"``: force either; ``"none"``: nothing.
        result_attrs: {result field path: extra NetCDF attributes}, e.g. the bit names of a status field as CF
            ``flag_masks`` / ``flag_meanings``.
        devices: devices to shard over (default ``jax.local_devices()``).
        process_index, process_count: this process's share of the chunks (default ``jax.process_index()`` and
            ``jax.process_count()``): chunk i is computed by process ``i % process_count``.
        on_chunk: optional callback ``on_chunk(chunk_index, n_chunks_done_by_this_call)`` after each chunk is
            stored (logging, external monitoring).
        description: free text stored in the metadata.

    Returns: a :class:`SweepRun`.
    """
    if not isinstance(design, Design):
        raise TypeError(f"design must be a Design (grid_design/random_design/sobol_design), got {type(design)}")
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
    units = dict(units or {})
    result_attrs = {k: dict(v) for k, v in (result_attrs or {}).items()}
    progress_mode = "none" if quiet else progress
    if progress_mode not in _Progress.MODES:
        raise ValueError(f"progress must be one of {_Progress.MODES}, got {progress!r}")
    devices = list(jax.local_devices() if devices is None else devices)
    if not devices:
        raise ValueError("no devices to run on")
    pi = jax.process_index() if process_index is None else int(process_index)
    pc = jax.process_count() if process_count is None else int(process_count)
    if not 0 <= pi < pc:
        raise ValueError(f"need 0 <= process_index < process_count, got {pi}, {pc}")
    names, spec_leaves = _result_spec(f, design)
    for k in units:
        if k not in names:
            raise ValueError(f"units given for unknown result field {k!r}; result fields: {names}")
    for k in result_attrs:
        if k not in names:
            raise ValueError(f"result_attrs given for unknown result field {k!r}; result fields: {names}")

    chunk_size = int(chunk_size)
    n_points = design.n_points
    n_chunks = -(-n_points // chunk_size)
    manifest = {
        "format": FORMAT,
        "design": design.metadata(),
        "chunk_size": chunk_size,
        "n_points": n_points,
        "n_chunks": n_chunks,
        "result_names": names,
        "result_dtypes": [str(x.dtype) for x in spec_leaves],
        "units": units,
        "function": getattr(f, "__qualname__", repr(f)),
        "description": description,
        "float_dtype": str(_float_dtype()),
        "versions": package_versions(),
    }

    mine = [i for i in range(n_chunks) if i % pc == pi]
    done: set[int] = set()
    recomputed: dict[int, str] = {}
    if out is not None:
        out = pathlib.Path(out)
        out.mkdir(parents=True, exist_ok=True)
        _io.remove_stale_temporaries(out)  # only this host's dead writers' temp files
        old = _io.read_manifest(out)
        if old is None:
            if _io.present_chunks(out):
                raise ValueError(f"{out} has chunk files but no manifest; use a new directory")
            if not _io.create_manifest(out, manifest):  # another process created it first: it must be the same
                old = _io.read_manifest(out)
        if old is not None and _fingerprint(old) != _fingerprint(manifest):
            raise ValueError(
                f"{out} holds a different sweep (design, chunk size or result fields differ); "
                "use a new directory, or the same arguments to resume"
            )
        # resume: every chunk of this process that is on disk is verified (record, size, SHA-256, point range);
        # a bad one (truncated, overwritten, or a file whose record was never written) is removed and recomputed
        for i in sorted(_io.present_chunks(out) & set(mine)):
            try:
                _io.verify_chunk(out, i, manifest)
            except _io.ChunkError as err:
                recomputed[i] = str(err)
                _io.remove_chunk(out, i)
                continue
            done.add(i)
        if recomputed:
            warnings.warn(
                f"{out}: {len(recomputed)} chunk(s) failed verification and are recomputed: "
                + "; ".join(list(recomputed.values())[:3])
                + (" ..." if len(recomputed) > 3 else ""),
                stacklevel=2,
            )
    todo = [i for i in mine if i not in done]

    n_dev = len(devices)
    batch = -(-chunk_size // n_dev) * n_dev
    mesh = Mesh(np.array(devices), ("batch",))
    sharding = NamedSharding(mesh, PartitionSpec("batch"))
    fdt = _float_dtype()
    t0 = time.perf_counter()
    compiled = None
    if todo or out is None:  # a resume with nothing left to compute does not compile
        compiled = (
            _make_chunk_fn(f, design, sharding)
            .lower(jax.ShapeDtypeStruct((batch, len(design.axes)), fdt, sharding=sharding))
            .compile()
        )
    compile_s = time.perf_counter() - t0

    axis_attrs = {
        a.path: {"units": a.units, "log": int(a.log), "low": float(a.low), "high": float(a.high)} for a in design.axes
    }
    attrs = {
        "format": FORMAT,
        "design_kind": design.kind,
        "seed": -1 if design.seed is None else design.seed,
        "parameters": list(design.paths),
        "n_points": n_points,
        "chunk_size": chunk_size,
        "description": description,
        "versions": manifest["versions"],
        "float_dtype": str(fdt),
    }

    def host_values(i):
        start, stop = i * chunk_size, min((i + 1) * chunk_size, n_points)
        vals = design.values(start, stop)
        pad = np.concatenate([vals, np.repeat(vals[-1:], batch - len(vals), axis=0)]) if len(vals) < batch else vals
        return start, stop, vals, pad

    def dispatch(i):
        start, stop, vals, pad = host_values(i)
        assert compiled is not None  # compiled whenever there is a chunk to dispatch
        return i, start, stop, vals, compiled(jax.device_put(np.asarray(pad, fdt), sharding))

    sizes = {i: min((i + 1) * chunk_size, n_points) - i * chunk_size for i in mine}
    prog = _Progress.start(
        progress_mode,
        total=sum(sizes.values()),
        initial=sum(sizes.values()) - sum(sizes[i] for i in todo),
        desc=description or "sweep",
    )
    kept: list = []
    n_ok = 0
    n_done = 0
    # Pipeline (memory: at most 3 chunks alive): chunk k+1 is dispatched to the devices before chunk k is fetched,
    # and chunk k is written to NetCDF by one background thread while chunk k+1 computes; the write of chunk k-1 is
    # awaited first, so files appear in order and on_chunk / the progress bar only count stored chunks.
    writer = ThreadPoolExecutor(max_workers=1) if out is not None else None
    in_write = None

    def finish(job):
        nonlocal n_done
        future, i, m = job
        future.result()  # re-raises a failed write
        n_done += 1
        prog.update(m)
        if on_chunk is not None:
            on_chunk(i, n_done)

    t1 = time.perf_counter()
    try:
        pending = dispatch(todo[0]) if todo else None
        for k in range(len(todo)):
            assert pending is not None
            i, start, stop, vals, result = pending
            pending = dispatch(todo[k + 1]) if k + 1 < len(todo) else None  # overlap next chunk with this one
            leaves, ok = jax.device_get(result)
            m = stop - start
            leaves = [np.asarray(x)[:m] for x in leaves]
            ok = np.asarray(ok)[:m]
            n_ok += int(ok.sum())
            params = {p: vals[:, j].astype(fdt) for j, p in enumerate(design.paths)}
            res = dict(zip(names, leaves))
            if out is not None:
                ds = _io.chunk_dataset(
                    np.arange(start, stop),
                    params,
                    res,
                    ok,
                    param_attrs=axis_attrs,
                    result_units=units,
                    attrs={**attrs, "chunk_index": i},
                    result_attrs=result_attrs,
                )
                if in_write is not None:
                    finish(in_write)
                assert writer is not None  # created whenever out is given
                in_write = (writer.submit(_io.write_chunk, out, i, ds), i, m)
            else:
                kept.append((np.arange(start, stop), params, res, ok))
                n_done += 1
                prog.update(m)
                if on_chunk is not None:
                    on_chunk(i, n_done)
        if in_write is not None:
            finish(in_write)
            in_write = None
    finally:
        if writer is not None:
            writer.shutdown(wait=True)
    run_s = time.perf_counter() - t1
    prog.close()
    n_computed = sum(min((i + 1) * chunk_size, n_points) - i * chunk_size for i in todo)

    dataset = None
    if out is None and kept:
        cat = lambda parts: np.concatenate(parts, axis=0)  # noqa: E731
        dataset = _io.chunk_dataset(
            cat([k[0] for k in kept]),
            {p: cat([k[1][p] for k in kept]) for p in design.paths},
            {n: cat([k[2][n] for k in kept]) for n in names},
            cat([k[3] for k in kept]),
            param_attrs=axis_attrs,
            result_units=units,
            attrs={**attrs, "manifest": json.dumps(manifest, sort_keys=True)},
            result_attrs=result_attrs,
        )
    return SweepRun(
        n_points=n_points,
        n_chunks=n_chunks,
        chunk_size=chunk_size,
        chunks_computed=len(todo),
        chunks_skipped=n_chunks - len(todo),
        n_ok=n_ok,
        compile_s=compile_s,
        run_s=run_s,
        points_per_s=n_computed / run_s if run_s > 0 else float("nan"),
        n_devices=n_dev,
        out=out,
        dataset=dataset,
        chunks_recomputed=tuple(sorted(recomputed)),
    )


def load_sweep(out, *, require_complete: bool = True):
    """Load a finished sweep directory as one ``xarray.Dataset`` (see :func:`jaxgen._io.load_sweep`)."""
    return _io.load_sweep(out, require_complete=require_complete)
