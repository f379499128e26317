"""Compiled runcard chains kept between ``jaxgen predict`` runs: the command line's second call.

JAX's persistent compilation cache (:func:`jaxgen.cli.enable_compile_cache`) skips the XLA compilation of a second
``jaxgen predict card.toml``, but not what precedes it. Measured on the 2-core machine (docs/cli.md), the second call
of ``hall_predict.toml`` spent about 1.5 s importing JAX, 0.9 s importing the physics (equinox modules, diffrax,
scipy, the scenario), 1 s tracing and lowering the chain, 0.8 s importing xarray for the printed table, and 0.3 s
loading and running the cached executable. This module removes all but the first and the last:

* the first run exports the card's chain with :func:`jax.export.export`: the StableHLO program
  ``leaves of the Params point -> leaves of the prediction`` (the same jaxpr as ``jax.jit(chain)(params)``, hence
  the same numbers, bit for bit), stored under ``<cache>/chains/<kind>/`` with the output names and units;
* a later run of the same *kind* of card (:func:`kind_key`: scenario, base, settings, the parameter paths and
  shapes, the jaxgen/jax/jaxlib versions, the backend and x64; the entry also records a digest of every jaxgen
  source and data file its tracing used, :func:`code_files`, and is remade when one of them changed) calls the
  stored program (``Exported.call``, whose XLA executable comes from the
  persistent cache) without tracing the Python chain;
* the parameter values are checked by the scenario's Params class (:func:`jaxgen.runcard.build_params`), which
  needs the scenario module and so the physics imports. A point that passed is stored with its leaves
  (``points/<digest>.npz``, :func:`point_digest`), so that rerunning the same card imports no physics at all; a
  card of the same kind with new values is checked (scenario imported) and then runs the stored program untraced;
* the printed table is made from the output leaves directly (:func:`table_rows`, the rows that
  :func:`jaxgen.io.csv_rows` gives for the dataset), so that xarray is imported only when files are written.

The stored program is a pickle of the ``Exported`` object (without its VJP closure; ``Exported.serialize`` would need
the optional flatbuffers package). Like the XLA cache next to it, the folder must be the user's own: it is created per
user (``$JAXGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/jaxgen``, else ``~/.cache/jaxgen``). An entry that cannot be read
is ignored and rewritten; nothing here ever makes ``jaxgen predict`` fail where the uncached path would not.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib
import pickle
from typing import Any

import numpy as np

__all__ = ["kind_key", "point_digest", "code_files", "source_digest", "table_rows", "table_text", "predict_cached"]

#: bump when the layout of an entry changes (old entries are then ignored)
FORMAT = 1


def _package_roots() -> dict[str, pathlib.Path]:
    """{package: folder} of jaxgen and jaxgen_kernels, found without importing jaxgen_kernels (it imports diffrax)."""
    import importlib.util

    roots = {}
    for name in ("jaxgen", "jaxgen_kernels"):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        roots[name] = pathlib.Path(spec.origin).resolve().parent
    return roots


def code_files() -> list[str]:
    """The files a traced chain may depend on: every ``jaxgen``/``jaxgen_kernels`` module imported so far (call it
    after tracing) and every file of ``jaxgen/data`` (the g* tables), as ``package/relative/path``."""
    import sys

    roots = _package_roots()
    files = set()
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None)
        if not f:
            continue
        p = pathlib.Path(f).resolve()
        for name, root in roots.items():
            if root in p.parents:
                files.add(f"{name}/{p.relative_to(root)}")
    data = roots["jaxgen"] / "data"
    for dirpath, dirnames, filenames in os.walk(data):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        files.update(f"jaxgen/{(pathlib.Path(dirpath) / n).relative_to(roots['jaxgen'])}" for n in filenames)
    return sorted(files)


def source_digest(files) -> str:
    """SHA-256 of the named files (names and contents; a missing file counts as changed)."""
    roots = _package_roots()
    h = hashlib.sha256()
    for f in files:
        pkg, _, rel = f.partition("/")
        h.update(f.encode() + b"\0")
        try:
            h.update((roots[pkg] / rel).read_bytes())
        except (KeyError, OSError):
            h.update(b"<missing>")
    return h.hexdigest()


def kind_key(card) -> str:
    """The key of a card's compiled chain: what changes the traced program (scenario, base, settings, the
    ``[parameters]`` paths and shapes, jaxgen, jax and jaxlib versions, backend, x64), not the values. The sources
    are checked separately: an entry records the digest of the files its tracing used (:func:`code_files`) and is
    remade when any of them changed."""
    import jax
    import jaxlib.version

    import jaxgen

    shapes = [[path, list(np.shape(np.asarray(v, dtype=float)))] for path, v in card.parameters.items()]
    spec = {
        "format": FORMAT,
        "scenario": card.scenario,
        "base": card.base,
        "settings": card.settings,
        "parameters": shapes,
        "jax": jax.__version__,
        "jaxlib": jaxlib.version.__version__,
        "backend": jax.default_backend(),
        "x64": bool(jax.config.read("jax_enable_x64")),
        "jaxgen": jaxgen.__version__,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:32]


def point_digest(card) -> str:
    """The key of a card's parameter values within its kind (exact: the float64 bytes of every value)."""
    h = hashlib.sha256()
    for path, v in card.parameters.items():
        a = np.ascontiguousarray(np.asarray(v, dtype=np.float64))
        h.update(path.encode() + b"\0" + str(a.shape).encode() + a.tobytes())
    return h.hexdigest()[:32]


def table_rows(names, units, arrays) -> list[list]:
    """(quantity, value, units) rows of one prediction from its leaves: exactly :func:`jaxgen.io.csv_rows` of
    :func:`jaxgen.io.prediction_dataset` (bools as int8; an array leaf gives one row per element, ``name[i,j]``)."""
    rows: list[list] = [["quantity", "value", "units"]]
    for n, u, a in zip(names, units, arrays):
        a = np.asarray(a)
        if a.dtype == np.bool_:
            a = a.astype(np.int8)
        if a.ndim == 0:
            rows.append([n, a.item(), u])
            continue
        for idx in np.ndindex(*a.shape):
            rows.append([f"{n}[{','.join(str(i) for i in idx)}]", a[idx].item(), u])
    return rows


def table_text(rows) -> str:
    """The table that ``jaxgen predict`` prints for a card (``_runners._table_text`` of the same rows)."""
    w = max(len(str(r[0])) for r in rows)
    lines = []
    for r in rows[1:]:
        val = r[1]
        sval = f"{val:.6g}" if isinstance(val, float) else str(val)
        lines.append(f"  {str(r[0]):<{w}}  {sval:>14}  {r[2] if r[2] not in ('1', '') else ''}".rstrip())
    return "\n".join(lines)


def _entry_dir(cache_dir, card) -> pathlib.Path:
    return pathlib.Path(cache_dir) / "chains" / kind_key(card)


def _load_entry(d: pathlib.Path):
    try:
        meta = json.loads((d / "meta.json").read_text())
        if meta.get("format") != FORMAT or source_digest(meta["code_files"]) != meta["code_digest"]:
            return None, None
        exported = pickle.loads((d / "program.pkl").read_bytes())
        return meta, exported
    except Exception:  # a missing, partial or foreign entry: ignored (and rewritten)
        return None, None


def _atomic_write(path: pathlib.Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _export(card, params):
    """Trace and export the card's chain for ``params``'s leaves; returns (Exported, meta)."""
    import jax

    from .._io import units_for
    from .._paths import leaf_names
    from ._build import chain_of

    chain, settings = chain_of(card)
    leaves, treedef = jax.tree_util.tree_flatten(params)
    info: dict[str, Any] = {}

    def flat_chain(*xs):
        pred = chain(jax.tree_util.tree_unflatten(treedef, xs))
        names = leaf_names(pred)
        units = units_for(pred, names)
        info.update(names=names, units=[units.get(n, "") for n in names], prediction=type(pred).__name__)
        return tuple(jax.tree_util.tree_leaves(pred))

    avals = []
    for x in leaves:
        a = jax.typeof(x)
        avals.append(jax.ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type))
    exported = jax.export.export(jax.jit(flat_chain))(*avals)
    files = code_files()
    meta = {
        "code_files": files,
        "code_digest": source_digest(files),
        "format": FORMAT,
        "scenario": card.scenario,
        "n_inputs": len(leaves),
        "settings_repr": repr(settings),
        **info,
    }
    return exported, meta


def _store_entry(d: pathlib.Path, exported, meta) -> bool:
    try:
        d.mkdir(parents=True, exist_ok=True)
        _atomic_write(d / "program.pkl", pickle.dumps(dataclasses.replace(exported, _get_vjp=None)))
        _atomic_write(d / "meta.json", json.dumps(meta).encode())
        return True
    except Exception:  # an unwritable cache or an unpicklable program: run uncached next time too
        return False


def _load_point(d: pathlib.Path, digest: str, n_inputs: int):
    try:
        with np.load(d / "points" / f"{digest}.npz") as z:
            leaves = [z[f"arr_{i}"] for i in range(len(z.files))]
        return leaves if len(leaves) == n_inputs else None
    except Exception:
        return None


def _store_point(d: pathlib.Path, digest: str, leaves) -> None:
    try:
        (d / "points").mkdir(parents=True, exist_ok=True)
        tmp = d / "points" / f".{digest}.{os.getpid()}.tmp.npz"
        np.savez(tmp, *[np.asarray(x) for x in leaves])
        os.replace(tmp, d / "points" / f"{digest}.npz")
    except Exception:
        pass


def predict_cached(card, cache_dir, out: pathlib.Path | None = None) -> dict:
    """``jaxgen predict card.toml`` through the stored program of its kind (made on the first call).

    Returns what :func:`jaxgen.runcard.run_predict` returns for the command line ({"text", "written", "ok"}, plus
    "dataset" when files are written) and "cache": ``"hit"`` (program and checked point stored: no scenario import,
    no tracing), ``"program"`` (program stored, new values: checked, then run untraced) or ``"stored"`` (first call:
    traced, exported and stored) or ``"uncached"`` (the cache could not be written)."""
    from .. import _io
    from ._runners import write_runcard_copy

    out = card.output_dir(out)
    d = _entry_dir(cache_dir, card)
    meta, exported = _load_entry(d)
    digest = point_digest(card)
    leaves = _load_point(d, digest, meta["n_inputs"]) if meta is not None else None
    how = "hit"
    if leaves is None:
        import jax

        from ._build import build_params

        params = build_params(card)  # the Params class checks the values (imports the scenario)
        leaves = jax.tree_util.tree_leaves(params)
        how = "program"
        if meta is None or meta.get("n_inputs") != len(leaves):
            exported, meta = _export(card, params)
            how = "stored" if _store_entry(d, exported, meta) else "uncached"
        if how != "uncached":
            _store_point(d, digest, leaves)
    assert meta is not None and exported is not None
    arrays = [np.asarray(a) for a in exported.call(*leaves)]
    names, units = meta["names"], meta["units"]
    text = f"{card.title or card.scenario} ({card.scenario}; {meta['prediction']})\n"
    text += table_text(table_rows(names, units, arrays))
    ok = True
    for field in ("status", "flags"):
        if field in names:
            a = arrays[names.index(field)]
            code = int(np.asarray(a).reshape(-1)[0])
            if field == "status":
                ok = bool(np.all(np.asarray(a) == 0))
            if code == 0:
                desc = "ok"
            else:
                from ._registry import status_text

                desc = status_text(card.scenario, code)
            text += f"\n  {field}: {code} ({desc})"
    res: dict[str, Any] = {"text": text, "written": [], "ok": ok, "cache": how, "entry": d}
    if out is not None:
        try:
            import xarray as xr
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("Datasets need xarray (the 'io' extra): pip install 'jaxgen[io]'") from exc
        data = {}
        for n, u, a in zip(names, units, arrays):
            v = a.astype(np.int8) if a.dtype == np.bool_ else a
            data[n] = xr.Variable(tuple(f"{n}_dim{k}" for k in range(v.ndim)), v, {"units": u})
        attrs = _io.provenance(card, {"settings": meta["settings_repr"]})
        ds = xr.Dataset(data, attrs=attrs)
        res["dataset"] = ds
        res["written"] = _io.write_dataset(ds, out, "predict", card.output["formats"]) + write_runcard_copy(card, out)
    return res
