"""NetCDF (xarray) output of sweep results: one file per chunk, written atomically, plus a JSON manifest.

Layout of a sweep directory::

    out/
      manifest.json            design, seed, ranges, chunk size, units, versions (written once, atomically)
      chunk_00000000.nc        points [0, chunk_size)            (written via a temp file + os.replace)
      chunk_00000001.nc        points [chunk_size, 2 chunk_size)
      ...

Why one file per chunk (and not one file with append): a NetCDF4/HDF5 file that is killed in the middle of an
append can be left unreadable as a whole, while a chunk file only ever appears under its final name after it was
completely written and flushed (``os.replace`` is atomic on POSIX), so a crash loses at most the chunk in flight and
never corrupts finished ones.  Chunk files are also independent, so several processes (``jax.distributed``, one per
host) write their disjoint chunks without any file locking (HDF5 locking on network filesystems is unreliable).
The set of chunk files present IS the checkpoint: resuming recomputes exactly the missing chunk indices, so no point
is lost or duplicated.

Each chunk file holds, along the dimension ``point`` (coordinate = global point index, int64):
    - one variable per design parameter (named by its field path, e.g. ``"gh.M2"``), with ``units`` and ``log``
      attributes;
    - one variable per result leaf (named by its field path, e.g. ``"epsilon"``), extra trailing axes get dimensions
      ``<name>_dim<k>``; ``units`` attribute where given;
    - ``ok`` (int8): 1 where ``status == 0`` and every floating output is finite (the status mask of the sweep);
and global attributes: design kind, seed, parameter names, chunk index, versions (JSON strings).
"""

from __future__ import annotations

import json
import os
import pathlib
import re
from typing import Any

import numpy as np

__all__ = ["MANIFEST_NAME", "chunk_dataset", "chunk_path", "completed_chunks", "load_sweep", "read_manifest",
           "remove_stale_temporaries", "write_chunk", "write_manifest"]

MANIFEST_NAME = "manifest.json"
_CHUNK_RE = re.compile(r"^chunk_(\d{8})\.nc$")


def _xr():
    try:
        import xarray as xr
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("NetCDF sweep output needs the 'io' extra: pip install 'jaxgen[io]' "
                          "(xarray, netCDF4, tqdm)") from exc
    return xr


def chunk_path(out: pathlib.Path, chunk_index: int) -> pathlib.Path:
    """Final path of chunk ``chunk_index`` in sweep directory ``out``."""
    return pathlib.Path(out) / f"chunk_{int(chunk_index):08d}.nc"


def _fsync_dir(path: pathlib.Path) -> None:
    try:
        fd = os.open(str(path), os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _atomic_write_bytes(path: pathlib.Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp.{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def write_manifest(out: pathlib.Path, manifest: dict) -> None:
    """Write ``manifest.json`` atomically (temp file + rename)."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(out / MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True).encode())


def read_manifest(out: pathlib.Path) -> dict | None:
    """The manifest of sweep directory ``out``, or None if there is none yet."""
    path = pathlib.Path(out) / MANIFEST_NAME
    if not path.exists():
        return None
    return json.loads(path.read_text())


def completed_chunks(out: pathlib.Path) -> set[int]:
    """Indices of the chunks whose files exist under their final name (i.e. were completely written)."""
    out = pathlib.Path(out)
    if not out.exists():
        return set()
    done = set()
    for entry in os.listdir(out):
        m = _CHUNK_RE.match(entry)
        if m:
            done.add(int(m.group(1)))
    return done


def remove_stale_temporaries(out: pathlib.Path) -> int:
    """Delete leftover temp files of killed writers (``.chunk_*.nc.tmp.<pid>``); returns how many."""
    out = pathlib.Path(out)
    n = 0
    if out.exists():
        for entry in os.listdir(out):
            if entry.startswith(".") and ".tmp." in entry:
                try:
                    os.remove(out / entry)
                    n += 1
                except FileNotFoundError:  # another process removed it
                    pass
    return n


def chunk_dataset(point_index: np.ndarray, params: dict[str, np.ndarray], results: dict[str, np.ndarray],
                  ok: np.ndarray, *, param_attrs: dict[str, dict], result_units: dict[str, str],
                  attrs: dict[str, Any]):
    """Build the xarray Dataset of one chunk (see the module docstring for the layout)."""
    xr = _xr()
    data_vars = {}
    for name, v in params.items():
        data_vars[name] = xr.Variable(("point",), np.asarray(v), attrs=dict(param_attrs.get(name, {})))
    for name, v in results.items():
        v = np.asarray(v)
        if v.dtype == np.bool_:
            v = v.astype(np.int8)
        dims = ("point",) + tuple(f"{name}_dim{k}" for k in range(1, v.ndim))
        var_attrs = {}
        if name in result_units:
            var_attrs["units"] = result_units[name]
        data_vars[name] = xr.Variable(dims, v, attrs=var_attrs)
    data_vars["ok"] = xr.Variable(("point",), np.asarray(ok, np.int8),
                                  attrs={"description": "1 where status == 0 and all floating outputs are finite"})
    clean = {}
    for k, v in attrs.items():
        clean[k] = v if isinstance(v, (str, int, float)) else json.dumps(v, default=str)
    return xr.Dataset(data_vars, coords={"point": ("point", np.asarray(point_index, np.int64))}, attrs=clean)


def write_chunk(out: pathlib.Path, chunk_index: int, ds) -> pathlib.Path:
    """Write one chunk Dataset to NetCDF atomically: a temp file in the same directory, fsync, then os.replace."""
    path = chunk_path(out, chunk_index)
    tmp = path.with_name(f".{path.name}.tmp.{os.getpid()}")
    ds.to_netcdf(tmp, engine="netcdf4")
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    return path


def load_sweep(out: pathlib.Path, *, require_complete: bool = True):
    """Load every chunk of sweep directory ``out`` into one in-memory ``xarray.Dataset`` sorted by point index.

    Raises ValueError if chunks are missing and ``require_complete`` (the sweep has not finished: run it again with
    the same arguments to resume), or if a point index appears twice.
    """
    xr = _xr()
    out = pathlib.Path(out)
    manifest = read_manifest(out)
    if manifest is None:
        raise ValueError(f"{out} is not a sweep directory (no {MANIFEST_NAME})")
    done = sorted(completed_chunks(out))
    missing = sorted(set(range(manifest["n_chunks"])) - set(done))
    if missing and require_complete:
        raise ValueError(f"sweep in {out} is incomplete: {len(missing)} of {manifest['n_chunks']} chunks missing "
                         f"(first: {missing[:5]}); run the same sweep again to resume it, or pass "
                         "require_complete=False")
    if not done:
        raise ValueError(f"sweep in {out} has no finished chunk yet")
    parts = []
    for i in done:
        with xr.open_dataset(chunk_path(out, i), engine="netcdf4") as ds:
            parts.append(ds.load())
    ds = xr.concat(parts, dim="point", combine_attrs="drop_conflicts") if len(parts) > 1 else parts[0]
    ds = ds.sortby("point")
    idx = ds["point"].values
    if np.unique(idx).size != idx.size:
        raise ValueError(f"sweep in {out} has duplicated point indices")
    ds.attrs.pop("chunk_index", None)
    ds.attrs["manifest"] = json.dumps(manifest, sort_keys=True)
    return ds
