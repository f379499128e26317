"""NetCDF (xarray) output of sweep results: one file per chunk with a checksummed sidecar, plus a JSON manifest.

Layout of a sweep directory::

    out/
      manifest.json            design, seed, ranges, chunk size, units, versions (created once, never rewritten)
      chunk_00000000.nc        points [0, chunk_size)            (written via a temp file + os.replace)
      chunk_00000000.json      its record: SHA-256, size in bytes, point range and count (written last)
      chunk_00000001.nc        points [chunk_size, 2 chunk_size)
      chunk_00000001.json
      ...

Why one file per chunk (and not one file with append): a NetCDF4/HDF5 file that is killed in the middle of an
append can be left unreadable as a whole, while a chunk file only ever appears under its final name after it was
completely written and flushed (``os.replace`` is atomic on POSIX), so a crash loses at most the chunk in flight and
never corrupts finished ones.  Chunk files are also independent, so several processes (``jax.distributed``, one per
host) write their disjoint chunks without any file locking (HDF5 locking on network filesystems is unreliable).

Integrity.  A chunk counts as finished only when its record ``chunk_<i>.json`` exists, and the record is written
(atomically) only after the chunk file is in place.  The record holds the SHA-256 digest and size of the chunk file
and the point range it covers.  :func:`verify_chunk` checks all of them; resuming (:func:`jaxgen.sweep.run_sweep`)
verifies every finished chunk of the calling process and recomputes the ones that fail (a truncated file, bytes
overwritten on disk, a chunk file without its record), and :func:`load_sweep` refuses a bad chunk with an error that
names it.  So a corrupted chunk is never served as valid data.  The set of verified chunks IS the checkpoint:
resuming recomputes exactly the missing or bad chunk indices, so no point is lost or duplicated.

Concurrency.  Temporary files are named ``.<final name>.tmp.<host>.<pid>.<random>``, so their owner is known.  At
start-up a process removes only temporaries that this host's dead processes left behind (the pid no longer runs);
files of live writers and of other hosts are never touched, so hosts that start seconds apart on a shared filesystem
do not delete each other's work in flight.  The manifest is created once, create-exclusive (a hard link of a fully
written temp file, so no reader ever sees a partial manifest): the first process creates it, every later process
checks that the existing one describes the same sweep.

Each chunk file holds, along the dimension ``point`` (coordinate = global point index, int64):
    - one variable per design parameter (named by its field path, e.g. ``"gh.M2"``), with ``units`` and ``log``
      attributes;
    - one variable per result leaf (named by its field path, e.g. ``"epsilon"``), extra trailing axes get dimensions
      ``<name>_dim<k>``; ``units`` attribute where given, and for integer status fields the names of their bits
      (attributes ``flag_masks`` and ``flag_meanings``, CF conventions) where the caller passes them;
    - ``ok`` (int8): 1 where ``status == 0`` and every floating output is finite (the status mask of the sweep);
and global attributes: design kind, seed, parameter names, chunk index, versions (JSON strings).

Single results (a prediction, a fit, a sensitivity table) are written by :func:`write_dataset` as ``<stem>.nc`` and
``<stem>.csv`` inside an output directory (:func:`inside` refuses any path outside it); :func:`prediction_dataset`
turns a prediction PyTree into a Dataset whose ``units`` attributes come from the field metadata of its class
(:func:`units_for`, :mod:`jaxgen._units`), with the provenance attributes of :func:`provenance`.
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import importlib.metadata
import json
import os
import pathlib
import platform
import re
import secrets
import socket
import sys
from typing import Any

import numpy as np

__all__ = [
    "MANIFEST_NAME",
    "ChunkError",
    "atomic_write_text",
    "chunk_dataset",
    "chunk_path",
    "chunk_record_path",
    "completed_chunks",
    "create_manifest",
    "csv_rows",
    "inside",
    "iter_chunks",
    "load_sweep",
    "package_versions",
    "param_units",
    "prediction_dataset",
    "present_chunks",
    "provenance",
    "read_manifest",
    "remove_chunk",
    "remove_stale_temporaries",
    "run_versions",
    "units_for",
    "verify_chunk",
    "write_chunk",
    "write_dataset",
    "write_manifest",
    "write_record",
]

MANIFEST_NAME = "manifest.json"
_CHUNK_RE = re.compile(r"^chunk_(\d{8})\.nc$")
_HOST = socket.gethostname().replace(".", "_") or "host"
# .<final name>.tmp.<host>.<pid>.<hex>; the legacy form .<final name>.tmp.<pid> is recognised too
_TMP_RE = re.compile(r"^\.(?P<final>.+)\.tmp\.(?:(?P<host>[^.]+)\.)?(?P<pid>\d+)(?:\.(?P<tag>[0-9a-f]+))?$")


# ----------------------------------------------------------------------------------------------------------------
# provenance: package versions recorded in outputs
# ----------------------------------------------------------------------------------------------------------------
def package_versions() -> dict:
    """Versions of jaxgen and the packages its outputs depend on (None where not installed), as recorded in sweep
    manifests and in the ``versions`` attribute of datasets written by the SLHA and runcard tools."""
    out = {}
    for pkg in ("jaxgen", "jax", "jaxlib", "equinox", "numpy", "scipy", "xarray", "netCDF4"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def run_versions() -> dict:
    """The exact versions, platform and devices an output (a report record) was made with."""
    out: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    for pkg in ("jaxgen", "jax", "jaxlib", "diffrax", "equinox", "optax", "numpy", "scipy"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = None
    try:
        import jax

        out["devices"] = [str(d) for d in jax.devices()]
    except Exception as exc:  # pragma: no cover - informational only
        out["devices"] = repr(exc)
    out["cpu_count"] = os.cpu_count()
    return out


def write_record(out: pathlib.Path, name: str, parameters: dict, results: dict) -> pathlib.Path:
    """Write ``<name>.json`` with the parameters, the results and the versions used (:func:`run_versions`)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(
        json.dumps(
            {"name": name, "parameters": parameters, "results": results, "versions": run_versions()},
            indent=2,
            default=float,
        )
    )
    return path


class ChunkError(ValueError):
    """A chunk file of a sweep directory is missing its record, truncated or corrupted."""


def _xr():
    try:
        import xarray as xr
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "NetCDF sweep output needs the 'io' extra: pip install 'jaxgen[io]' (xarray, netCDF4, tqdm)"
        ) from exc
    return xr


def chunk_path(out: pathlib.Path, chunk_index: int) -> pathlib.Path:
    """Final path of chunk ``chunk_index`` in sweep directory ``out``."""
    return pathlib.Path(out) / f"chunk_{int(chunk_index):08d}.nc"


def chunk_record_path(out: pathlib.Path, chunk_index: int) -> pathlib.Path:
    """Path of the record (checksum, size, point range) of chunk ``chunk_index``."""
    return pathlib.Path(out) / f"chunk_{int(chunk_index):08d}.json"


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


def _tmp_name(path: pathlib.Path) -> pathlib.Path:
    """A temp path next to ``path`` whose name says who writes it: host, pid and a random tag."""
    return path.with_name(f".{path.name}.tmp.{_HOST}.{os.getpid()}.{secrets.token_hex(4)}")


def _write_tmp(path: pathlib.Path, data: bytes) -> pathlib.Path:
    tmp = _tmp_name(path)
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def _atomic_write_bytes(path: pathlib.Path, data: bytes) -> None:
    tmp = _write_tmp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    _fsync_dir(path.parent)


def atomic_write_text(path: pathlib.Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: readers see the old file or the whole new one, never a part."""
    path = pathlib.Path(path)
    _atomic_write_bytes(path, text.encode())


def _unlink(path: pathlib.Path) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def write_manifest(out: pathlib.Path, manifest: dict) -> None:
    """Write ``manifest.json`` atomically (temp file + rename), replacing any existing one.

    Sweeps create their manifest with :func:`create_manifest`, which never replaces one."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(out / MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True).encode())


def create_manifest(out: pathlib.Path, manifest: dict) -> bool:
    """Create ``manifest.json`` once, create-exclusive; returns True if this call created it.

    The file is written completely under a temp name and then hard-linked to its final name, which fails if the
    name exists: of several processes that start together exactly one creates the manifest, and nobody ever reads a
    partial one.  Where the filesystem has no hard links, an ``O_EXCL`` create is used instead.  When the manifest
    exists already, nothing is written and False is returned: the caller compares it with its own."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / MANIFEST_NAME
    data = json.dumps(manifest, indent=2, sort_keys=True).encode()
    tmp = _write_tmp(path, data)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:  # pragma: no cover - filesystems without hard links
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                return False
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
    finally:
        _unlink(tmp)
    _fsync_dir(out)
    return True


def read_manifest(out: pathlib.Path) -> dict | None:
    """The manifest of sweep directory ``out``, or None if there is none yet.

    Raises ValueError naming the file if it is not valid JSON (e.g. truncated by a copy that was cut short)."""
    path = pathlib.Path(out) / MANIFEST_NAME
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        man = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"{path} is not a valid sweep manifest ({exc}); the file is truncated or corrupted. If "
            "the chunk files are intact, restore manifest.json from a copy; otherwise start the sweep "
            "in a new directory"
        ) from None
    if not isinstance(man, dict) or "n_chunks" not in man:
        raise ValueError(f"{path} is not a jaxgen sweep manifest (no 'n_chunks' entry); use a new directory")
    return man


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(out: pathlib.Path) -> int:
    """Delete temp files left by dead writers on this host; returns how many.

    Only files whose name says they belong to this host and to a pid that no longer runs are removed.  Temp files of
    live processes (another process writing the manifest or a chunk at this moment) and of other hosts are kept:
    on a shared filesystem each host cleans up after its own dead processes."""
    out = pathlib.Path(out)
    n = 0
    if not out.exists():
        return 0
    for entry in os.listdir(out):
        m = _TMP_RE.match(entry)
        if m is None:
            continue
        host, pid = m.group("host"), int(m.group("pid"))
        if host is not None and host != _HOST:
            continue
        if pid == os.getpid() or _pid_alive(pid):
            continue
        try:
            os.remove(out / entry)
            n += 1
        except FileNotFoundError:  # another process removed it
            pass
    return n


def chunk_dataset(
    point_index: np.ndarray,
    params: dict[str, np.ndarray],
    results: dict[str, np.ndarray],
    ok: np.ndarray,
    *,
    param_attrs: dict[str, dict],
    result_units: dict[str, str],
    attrs: dict[str, Any],
    result_attrs: dict[str, dict] | None = None,
):
    """Build the xarray Dataset of one chunk (see the module docstring for the layout).

    ``result_attrs``: extra attributes per result variable, e.g. the bit names of a status field
    (``{"status": {"flag_masks": [1, 2], "flag_meanings": "bad_input ode_failed"}}``)."""
    xr = _xr()
    result_attrs = result_attrs or {}
    data_vars = {}
    for name, v in params.items():
        data_vars[name] = xr.Variable(("point",), np.asarray(v), attrs=dict(param_attrs.get(name, {})))
    for name, v in results.items():
        v = np.asarray(v)
        if v.dtype == np.bool_:
            v = v.astype(np.int8)
        dims = ("point",) + tuple(f"{name}_dim{k}" for k in range(1, v.ndim))
        var_attrs = dict(result_attrs.get(name, {}))
        if name in result_units:
            var_attrs["units"] = result_units[name]
        data_vars[name] = xr.Variable(dims, v, attrs=var_attrs)
    data_vars["ok"] = xr.Variable(
        ("point",),
        np.asarray(ok, np.int8),
        attrs={"description": "1 where status == 0 and all floating outputs are finite"},
    )
    clean: dict[str, Any] = {}
    for k, v in attrs.items():
        clean[k] = v if isinstance(v, (str, int, float)) else json.dumps(v, default=str)
    return xr.Dataset(data_vars, coords={"point": ("point", np.asarray(point_index, np.int64))}, attrs=clean)


def _file_digest(path: pathlib.Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 20)
            if not block:
                break
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def write_chunk(out: pathlib.Path, chunk_index: int, ds) -> pathlib.Path:
    """Write one chunk Dataset to NetCDF atomically, then its record (SHA-256, size, point range).

    Order: the old record (if the chunk is being recomputed) is removed first, the file is written under a temp name,
    fsynced, digested and renamed into place, and only then is the record written (atomically).  A crash at any
    point leaves either no record (the chunk is recomputed on resume) or a record that matches the file."""
    out = pathlib.Path(out)
    path, rec = chunk_path(out, chunk_index), chunk_record_path(out, chunk_index)
    tmp = _tmp_name(path)
    try:
        ds.to_netcdf(tmp, engine="netcdf4")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        digest, size = _file_digest(tmp)
        points = np.asarray(ds["point"].values)
        record = {
            "chunk_index": int(chunk_index),
            "file": path.name,
            "sha256": digest,
            "size": size,
            "n_points": int(points.size),
            "first_point": int(points[0]) if points.size else -1,
            "last_point": int(points[-1]) if points.size else -1,
        }
        _unlink(rec)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    _fsync_dir(out)
    _atomic_write_bytes(rec, json.dumps(record, indent=1, sort_keys=True).encode())
    return path


def _expected_range(manifest: dict | None, chunk_index: int) -> tuple[int, int] | None:
    if not manifest or "chunk_size" not in manifest or "n_points" not in manifest:
        return None
    cs, n = int(manifest["chunk_size"]), int(manifest["n_points"])
    start = chunk_index * cs
    return start, min(start + cs, n)


def verify_chunk(out: pathlib.Path, chunk_index: int, manifest: dict | None = None) -> dict:
    """Check chunk ``chunk_index`` of ``out`` against its record; returns the record or raises :class:`ChunkError`.

    Checked: the record exists and parses; the chunk file exists and has the recorded size and SHA-256 digest; the
    recorded point range is the one the manifest's chunk size and point count assign to this chunk (when
    ``manifest`` is given)."""
    out = pathlib.Path(out)
    path, rec = chunk_path(out, chunk_index), chunk_record_path(out, chunk_index)
    if not path.exists():
        raise ChunkError(f"{path.name}: the chunk file is missing")
    try:
        record = json.loads(rec.read_text())
    except FileNotFoundError:
        raise ChunkError(f"{path.name}: no record {rec.name} (the writer stopped before finishing the chunk)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChunkError(f"{path.name}: its record {rec.name} is corrupted ({exc})") from None
    if not isinstance(record, dict) or not {"sha256", "size", "n_points"} <= set(record):
        raise ChunkError(f"{path.name}: its record {rec.name} lacks sha256/size/n_points")
    size = path.stat().st_size
    if size != record["size"]:
        raise ChunkError(f"{path.name}: {size} bytes on disk, {record['size']} written (truncated or overwritten)")
    digest, _ = _file_digest(path)
    if digest != record["sha256"]:
        raise ChunkError(
            f"{path.name}: SHA-256 {digest[:12]}... differs from the recorded {record['sha256'][:12]}... "
            "(the file was modified or corrupted after it was written)"
        )
    want = _expected_range(manifest, chunk_index)
    if want is not None:
        start, stop = want
        got = (record.get("first_point"), record.get("last_point"), record["n_points"])
        if got != (start, stop - 1, stop - start):
            raise ChunkError(
                f"{path.name}: holds points {got[0]}..{got[1]} ({got[2]}), the manifest assigns "
                f"{start}..{stop - 1} ({stop - start})"
            )
    return record


def remove_chunk(out: pathlib.Path, chunk_index: int) -> None:
    """Delete chunk ``chunk_index`` and its record (record first, so a half-removed chunk never looks finished)."""
    _unlink(chunk_record_path(out, chunk_index))
    _unlink(chunk_path(out, chunk_index))


def present_chunks(out: pathlib.Path) -> set[int]:
    """Indices of the chunks whose file exists under its final name (finished or not: see :func:`verify_chunk`)."""
    out = pathlib.Path(out)
    if not out.exists():
        return set()
    return {int(m.group(1)) for m in map(_CHUNK_RE.match, os.listdir(out)) if m}


def completed_chunks(out: pathlib.Path, *, verify: bool = False) -> set[int]:
    """Indices of the finished chunks: file under its final name and its record present.

    ``verify=True`` also checks size, checksum and point range of each (:func:`verify_chunk`); without it the check
    is only that both files exist (cheap enough to poll)."""
    out = pathlib.Path(out)
    done = {i for i in present_chunks(out) if chunk_record_path(out, i).exists()}
    if verify:
        manifest = read_manifest(out)
        good = set()
        for i in done:
            try:
                verify_chunk(out, i, manifest)
            except ChunkError:
                continue
            good.add(i)
        done = good
    return done


def _open_chunk(xr, out: pathlib.Path, i: int, manifest: dict, variables=None):
    path = chunk_path(out, i)
    record = verify_chunk(out, i, manifest)
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            if variables is not None:
                ds = ds[[v for v in variables if v in ds.variables and v != "point"]]
            ds = ds.load()
    except (OSError, ValueError, KeyError, RuntimeError) as exc:  # pragma: no cover - digest matched, reader failed
        raise ChunkError(f"{path.name}: cannot be read as NetCDF ({type(exc).__name__}: {exc})") from None
    if ds.sizes.get("point", 0) != record["n_points"]:  # pragma: no cover - digest matched, content inconsistent
        raise ChunkError(f"{path.name}: {ds.sizes.get('point', 0)} points, the record says {record['n_points']}")
    return ds


def _bad_chunk_message(out: pathlib.Path, err: ChunkError) -> str:
    return (
        f"sweep in {out}: {err}. Run the same sweep again: it verifies every chunk and recomputes the bad ones "
        "(or delete that chunk's .nc and .json files and resume)"
    )


def iter_chunks(out: pathlib.Path, variables=None, *, require_complete: bool = True):
    """Yield ``(chunk_index, xarray.Dataset)`` for the finished chunks of ``out`` in order, each verified first.

    For output that does not fit in memory (CSV, summaries): one chunk is alive at a time.  ``variables``: load only
    these (plus the ``point`` coordinate).  Raises like :func:`load_sweep`."""
    xr = _xr()
    out = pathlib.Path(out)
    manifest = read_manifest(out)
    if manifest is None:
        raise ValueError(f"{out} is not a sweep directory (no {MANIFEST_NAME})")
    done = sorted(completed_chunks(out))
    missing = sorted(set(range(manifest["n_chunks"])) - set(done))
    if missing and require_complete:
        raise ValueError(
            f"sweep in {out} is incomplete: {len(missing)} of {manifest['n_chunks']} chunks missing "
            f"(first: {missing[:5]}); run the same sweep again to resume it, or pass "
            "require_complete=False"
        )
    if not done:
        raise ValueError(f"sweep in {out} has no finished chunk yet")
    for i in done:
        try:
            ds = _open_chunk(xr, out, i, manifest, variables)
        except ChunkError as err:
            raise ChunkError(_bad_chunk_message(out, err)) from None
        yield i, ds


def load_sweep(out: pathlib.Path, *, require_complete: bool = True):
    """Load every chunk of sweep directory ``out`` into one in-memory ``xarray.Dataset`` sorted by point index.

    Every chunk is verified against its record first (size, SHA-256, point range).  Raises :class:`ChunkError`
    (a ValueError) naming the chunk if one is truncated or corrupted, ValueError if chunks are missing and
    ``require_complete`` (the sweep has not finished: run it again with the same arguments to resume), or if a point
    index appears twice.
    """
    xr = _xr()
    out = pathlib.Path(out)
    manifest = read_manifest(out)
    parts = [ds for _, ds in iter_chunks(out, require_complete=require_complete)]
    ds = xr.concat(parts, dim="point", combine_attrs="drop_conflicts") if len(parts) > 1 else parts[0]
    ds = ds.sortby("point")
    idx = ds["point"].values
    if np.unique(idx).size != idx.size:
        raise ValueError(f"sweep in {out} has duplicated point indices")
    ds.attrs.pop("chunk_index", None)
    ds.attrs["manifest"] = json.dumps(manifest, sort_keys=True)
    return ds


# ----------------------------------------------------------------------------------------------------------------
# datasets of single results: units from field metadata, provenance, CSV rows, writing into an output directory
# ----------------------------------------------------------------------------------------------------------------
#: integer bit fields of the predictions: dimensionless ("1") whether or not their class declares it
INTEGER_FIELDS = ("status", "flags")


def _unit_at(obj: Any, path: str) -> str | None:
    """The declared unit of a dotted leaf path of a dataclass (instance or class): ``"m_a.0"`` takes the unit of
    field ``m_a``; a path through a nested dataclass field (``"gh.M2"``) takes the unit of the inner field."""
    from ._units import field_units

    cur = obj
    parts = path.split(".")
    for i, part in enumerate(parts):
        if part.isdigit():
            continue
        units = field_units(cur) if cur is not None else {}
        rest = parts[i + 1 :]
        if part in units and all(r.isdigit() for r in rest):
            return units[part]
        if not rest or isinstance(cur, type):
            return None
        cur = getattr(cur, part, None)
    return None


def units_for(pred: Any, names) -> dict[str, str]:
    """{name: unit} of the dotted leaf paths ``names`` of a prediction (instance or class), read from the field
    metadata of its class (:func:`jaxgen._units.field_units`): ``"m_a.0"`` takes the unit of field ``m_a``;
    ``status`` and ``flags`` are ``"1"``. A field without a declared unit gets ``""`` (unknown), never a guess."""
    out = {}
    for n in names:
        u = _unit_at(pred, str(n))
        if u is None and str(n).split(".")[0] in INTEGER_FIELDS:
            u = "1"
        out[n] = "" if u is None else u
    return out


def param_units(path: str, params: Any) -> str:
    """Unit of a dotted parameter path (``"phase.0"``) of a Params object or class, from its field metadata
    (``""`` when the field declares none)."""
    u = _unit_at(params, str(path))
    return "" if u is None else u


def provenance(card: Any = None, extra: dict | None = None) -> dict:
    """Provenance attributes of an output: software and versions; with a runcard (anything with ``title``,
    ``source``, ``scenario`` and ``raw``) its title, file, scenario and TOML; plus ``extra`` (non-scalars as JSON)."""
    attrs: dict[str, Any] = {"software": "jaxgen", "versions": json.dumps(package_versions())}
    if card is not None:
        attrs.update(
            {
                "title": card.title,
                "runcard": card.source,
                "scenario": card.scenario,
                "runcard_toml": json.dumps(card.raw, default=str),
            }
        )
    for k, v in (extra or {}).items():
        attrs[k] = v if isinstance(v, (str, int, float)) else json.dumps(v, default=str)
    return attrs


def prediction_dataset(pred: Any, attrs: dict | None = None, units: dict | None = None):
    """A prediction PyTree (one point, or a batch along a leading axis) as an ``xarray.Dataset``: one variable per
    leaf (dotted field path), ``units`` attributes from the class's field metadata (overridden by ``units``),
    provenance ``attrs``."""
    import jax

    from ._paths import leaf_names

    try:
        import xarray as xr
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Datasets need xarray (the 'io' extra): pip install 'jaxgen[io]'") from exc
    names = leaf_names(pred)
    leaves = jax.tree_util.tree_leaves(pred)
    units = {**units_for(pred, names), **(units or {})}
    data = {}
    for n, leaf in zip(names, leaves):
        v = np.asarray(leaf)
        if v.dtype == np.bool_:
            v = v.astype(np.int8)
        dims = tuple(f"{n}_dim{k}" for k in range(v.ndim))
        data[n] = xr.Variable(dims, v, {"units": units.get(n, "")})
    return xr.Dataset(data, attrs=dict(attrs or {}))


def csv_rows(ds) -> list[list]:
    """Rows for CSV: a single point -> (quantity, value, units); a sweep (dim 'point') -> one row per point."""
    if "point" in ds.dims:
        cols: list = ["point"]
        arrays = [ds["point"].values]
        for n, v in ds.data_vars.items():
            a = np.asarray(v.values)
            if a.ndim == 1:
                cols.append(n)
                arrays.append(a)
            else:
                flat = a.reshape(a.shape[0], -1)
                for j in range(flat.shape[1]):
                    cols.append(f"{n}[{j}]")
                    arrays.append(flat[:, j])
        rows = [cols] + [[arr[i] for arr in arrays] for i in range(len(arrays[0]))]
        return rows
    rows: list[list] = [["quantity", "value", "units"]]
    for n, v in ds.data_vars.items():
        a = np.asarray(v.values)
        u = v.attrs.get("units", "")
        if a.ndim == 0:
            rows.append([n, a.item(), u])
            continue
        # label every axis by its coordinate (e.g. covariance[lam,m_x], jacobian[eta_b,lam]), else the index
        labels = []
        for d, size in zip(v.dims, a.shape):
            c = ds.coords[d].values if d in ds.coords and ds.coords[d].ndim == 1 else None
            labels.append([str(x) for x in c] if c is not None and len(c) == size else [str(i) for i in range(size)])
        per = str(v.attrs.get("units_per", "")).split()
        per_units = []
        for k in range(len(v.dims)):
            c = per[k] if k < len(per) else "-"
            per_units.append([str(x) for x in ds.coords[c].values] if c in ds.coords else None)
        for idx in np.ndindex(*a.shape):
            x = a[idx]
            if per_units and any(pu is not None for pu in per_units):
                parts = [pu[i] for pu, i in zip(per_units, idx) if pu is not None and pu[i] not in ("", "1")]
                uu = "*".join(parts) if parts else "1"
            else:
                uu = u
            rows.append(
                [f"{n}[{','.join(lab[i] for lab, i in zip(labels, idx))}]", x.item() if hasattr(x, "item") else x, uu]
            )
    return rows


def inside(out: pathlib.Path, path: pathlib.Path) -> pathlib.Path:
    """``path`` resolved, if it lies inside the output directory ``out``; else ValueError (nothing is written
    outside the output directory)."""
    path = pathlib.Path(path).resolve()
    if pathlib.Path(out).resolve() not in (path, *path.parents):
        raise ValueError(f"refusing to write {path}: outside the output directory {out}")
    return path


def write_dataset(ds, out: pathlib.Path, stem: str, formats) -> list[pathlib.Path]:
    """Write ``ds`` as ``<out>/<stem>.nc`` (NetCDF) and/or ``<out>/<stem>.csv``; returns the paths written."""
    import csv

    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "netcdf" in formats:
        p = inside(out, out / f"{stem}.nc")
        ds.to_netcdf(p, engine="netcdf4")
        written.append(p)
    if "csv" in formats:
        p = inside(out, out / f"{stem}.csv")
        with open(p, "w", newline="") as fh:
            w = csv.writer(fh)
            for row in csv_rows(ds):
                w.writerow([repr(float(x)) if isinstance(x, float) else x for x in row])
        written.append(p)
    return written
