"""``jaxgen sweep`` for a runcard: the design over the scenario chain as resumable NetCDF chunks, streamed into
``sweep.csv`` and an optional heat map, with size estimates and the names of the status bits."""

from __future__ import annotations

import os
import pathlib

import numpy as np

from .. import _io
from .._paths import explode_arrays as _explode_arrays
from .._paths import get_indexed as _get_path
from .._paths import leaf_names as _leaf_paths
from .._paths import suggest as _suggest
from ._build import _valid_paths, build_params, chain_of, validate
from ._registry import NotAvailableError, get_scenario
from ._runners import write_runcard_copy
from ._schema import Runcard

__all__ = [
    "run_sweep_card",
    "CSV_MAX_POINTS",
    "LARGE_SWEEP_POINTS",
    "sweep_size_estimate",
    "sweep_points",
    "sweep_warnings",
    "status_attributes",
]


def run_sweep_card(
    card: Runcard,
    out: pathlib.Path | None = None,
    quiet: bool = False,
    *,
    force_csv: bool = False,
    allow_large: bool = False,
) -> dict:
    """``jaxgen sweep``: the runcard's design over the scenario chain, resumable NetCDF chunks in ``<out>/sweep``,
    a CSV of all points and an optional heat map (``[sweep].plot``).

    The outputs are streamed from the verified chunk files one chunk at a time, so memory stays bounded by the chunk
    size: ``sweep.csv`` is written atomically and only up to :data:`CSV_MAX_POINTS` points unless ``force_csv``;
    the returned ``"dataset"`` is the whole sweep only up to that size (else None: read it with
    ``jaxgen.sweep.load_sweep`` / ``iter_chunks``).  Sweeps above :data:`LARGE_SWEEP_POINTS` points raise a
    ValueError with the estimated disk use and run time unless ``allow_large``.  The NetCDF ``status`` and
    ``flags`` variables carry the names of their bits (:func:`status_attributes`)."""
    from .. import _sweep

    if card.sweep is None:
        raise ValueError(f"{card.source}: no [sweep] section; add one (see docs/cli.md)")
    validate(card)
    out = card.output_dir(out)
    sw = card.sweep
    chain0, _ = chain_of(card)
    base0 = build_params(card)
    axes = []
    for i, a in enumerate(sw["axes"]):
        try:
            _get_path(base0, a["path"])
        except ValueError:
            raise ValueError(
                f"{card.source}: [sweep.axes[{i}]].path = {a['path']!r} is not a parameter."
                f"{_suggest(a['path'], _valid_paths(base0))}"
            ) from None
        axes.append(_sweep.Axis(a["path"], a["low"], a["high"], log=a["log"], n=a["n"], units=a["units"]))
    base, restore = _explode_arrays(base0, [a.path for a in axes])
    import jax

    pred_shape = jax.eval_shape(chain0, base0)
    names0 = _leaf_paths(pred_shape)
    swept = {a.path for a in axes}
    # result fields named like a swept parameter (e.g. ArduPrediction.m_majorana) get the suffix "_out"
    names = [f"{n}_out" if n in swept or n in ("ok", "point") else n for n in names0]
    rename = dict(zip(names0, names))

    def chain(params):
        return dict(zip(names, jax.tree_util.tree_leaves(chain0(restore(params)))))

    chain.__qualname__ = chain0.__qualname__
    if sw["design"] == "grid":
        design = _sweep.grid_design(base, axes)
    elif sw["design"] == "random":
        design = _sweep.random_design(base, axes, n=sw["n"], seed=sw["seed"])
    else:
        design = _sweep.sobol_design(base, axes, n=sw["n"], seed=sw["seed"])
    units = {rename[k]: v for k, v in _io.units_for(pred_shape, names0).items()}
    for k, v in sw["units"].items():
        if k not in rename and k not in names:
            raise ValueError(f"{card.source}: [sweep].units names {k!r}, not a result field.{_suggest(k, names)}")
        units[str(rename.get(k, k))] = v
    if sw["plot"] is not None and rename.get(sw["plot"]["z"], sw["plot"]["z"]) not in names:
        raise ValueError(
            f"{card.source}: [sweep.plot].z = {sw['plot']['z']!r} is not a result field."
            f"{_suggest(sw['plot']['z'], names0)}"
        )
    n_points = design.n_points
    size = sweep_size_estimate(card, pred_shape, n_points, len(axes))
    if n_points > LARGE_SWEEP_POINTS and not allow_large:
        raise ValueError(
            f"{card.source}: the sweep has {n_points:.3g} points, more than {LARGE_SWEEP_POINTS:.0e}: "
            f"{size['text']}. Check the design ([sweep].n, or the product of the grid's n), or "
            "confirm with `jaxgen sweep --allow-large` (Python: allow_large=True)"
        )
    status_attrs = status_attributes(card.scenario)
    res = _sweep.run_sweep(
        chain,
        design,
        chunk_size=sw["chunk_size"],
        out=None if out is None else out / "sweep",
        units=units,
        quiet=quiet,
        description=card.title or f"{card.scenario} sweep",
        result_attrs={k: v for k, v in status_attrs.items() if k in names},
    )
    written = []
    title = card.title or card.scenario + " sweep"
    if out is None:
        ds = res.dataset
        ds.attrs.update(_io.provenance(card))
        n_ok = int(np.asarray(ds["ok"]).sum())
    else:
        ds, n_ok, written = _sweep_outputs(card, out, res, rename, quiet=quiet, force_csv=force_csv)
    text = (
        f"{title}: {res.n_points} points ({sw['design']}), "
        f"{res.chunks_computed} chunk(s) computed, {res.chunks_skipped} skipped (resume)"
        + (f", {len(res.chunks_recomputed)} failed verification and recomputed" if res.chunks_recomputed else "")
        + f", ok: {n_ok}/{res.n_points}; compile {res.compile_s:.2f} s, {res.points_per_s:.3g} points/s"
    )
    if ds is None:
        text += (
            f"\n(more than {CSV_MAX_POINTS} points: not loaded into memory; jaxgen.sweep.load_sweep or "
            "iter_chunks reads the NetCDF chunks)"
        )
    return {"text": text, "dataset": ds, "written": written, "run": res}


#: sweeps above this many points are written as NetCDF only, unless the CSV is asked for (``--csv``): at about
#: 40 bytes per value a CSV of 1e5 points of a chain with 60 outputs is ~250 MB, and NetCDF is the format that
#: tools read in pieces.  The result of ``run_sweep_card`` carries the in-memory dataset only up to this size.
CSV_MAX_POINTS = 100_000
#: sweeps above this many points need an explicit confirmation (``jaxgen sweep --allow-large``): 1e8 points of the
#: Hall chain are ~40 GB of NetCDF and ~10 min to hours of compute on 2 CPU cores, depending on the settings.
LARGE_SWEEP_POINTS = 100_000_000
#: nominal evaluation rate used only for the run-time estimate of a sweep (points/s on 2 CPU cores; the default
#: chains run at 4e4-8e5 points/s there, see experiments/benchmarks): an order of magnitude, not a promise.
_NOMINAL_POINTS_PER_S = 1e5


def sweep_size_estimate(card: Runcard, pred_shape, n_points: int, n_axes: int) -> dict:
    """Estimated disk use and run time of a sweep: bytes per point from the result leaves' shapes and dtypes plus the
    swept parameters and the ok mask; time at a nominal 1e5 points/s (2 CPU cores)."""
    import jax

    per_point = n_axes * 8 + 1
    for leaf in jax.tree_util.tree_leaves(pred_shape):
        per_point += int(np.prod(leaf.shape, dtype=np.int64)) * np.dtype(leaf.dtype).itemsize
    nbytes = per_point * n_points
    seconds = n_points / _NOMINAL_POINTS_PER_S
    return {
        "bytes_per_point": per_point,
        "bytes": nbytes,
        "seconds": seconds,
        "text": f"about {nbytes / 1e9:.3g} GB of NetCDF ({per_point} bytes per point) and of order "
        f"{seconds / 3600:.3g} h of compute on 2 CPU cores at {_NOMINAL_POINTS_PER_S:.0e} points/s",
    }


def sweep_points(card: Runcard) -> int:
    """Number of points of the runcard's sweep design (the grid's product of ``n``, else ``[sweep].n``)."""
    sw = card.sweep
    if sw is None:
        return 0
    if sw["design"] == "grid":
        return int(np.prod([int(a["n"]) for a in sw["axes"]], dtype=object))
    return int(sw["n"])


def sweep_warnings(card: Runcard) -> list[str]:
    """What ``jaxgen check`` says about a sweep's size: the estimate above CSV_MAX_POINTS, a warning above
    LARGE_SWEEP_POINTS (``jaxgen sweep`` then needs ``--allow-large``)."""
    import jax

    n = sweep_points(card)
    if n <= CSV_MAX_POINTS or card.sweep is None:
        return []
    chain, _ = chain_of(card)
    size = sweep_size_estimate(card, jax.eval_shape(chain, build_params(card)), n, len(card.sweep["axes"]))
    msg = [f"sweep of {n:.3g} points: {size['text']}; sweep.csv is written only with --csv above {CSV_MAX_POINTS}"]
    if n > LARGE_SWEEP_POINTS:
        msg.append(
            f"warning: more than {LARGE_SWEEP_POINTS:.0e} points; `jaxgen sweep` refuses to start without --allow-large"
        )
    return msg


def status_attributes(scenario: str) -> dict[str, dict]:
    """NetCDF attributes naming the bits of a scenario's ``status`` and ``flags`` fields (CF ``flag_masks`` /
    ``flag_meanings``, plus ``flag_descriptions``), from the ``STATUS_*`` constants and ``STATUS_MESSAGES`` of the
    scenario module; {} when the module defines none."""
    try:
        mod = get_scenario(scenario).status_module
    except (ValueError, NotAvailableError):
        return {}
    if mod is None:
        return {}
    messages = getattr(mod, "STATUS_MESSAGES", {}) or {}
    bits = {}
    for name in dir(mod):
        v = getattr(mod, name)
        if (
            name.startswith("STATUS_")
            and isinstance(v, int)
            and not isinstance(v, bool)
            and v > 0
            and v & (v - 1) == 0
            and not name.endswith("_MASK")
        ):
            bits.setdefault(v, name[len("STATUS_") :].lower())
    if not bits:
        return {}
    error_mask = getattr(mod, "STATUS_ERROR_MASK", getattr(mod, "STATUS_INVALID", None))

    def attrs(select):
        sel = sorted(b for b in bits if select(b))
        if not sel:
            return None
        return {
            "flag_masks": np.asarray(sel, np.int32),
            "flag_meanings": " ".join(bits[b] for b in sel),
            "flag_descriptions": "; ".join(f"{b}: {messages.get(b, bits[b])}" for b in sel),
        }

    out = {}
    if error_mask is None:
        st = attrs(lambda b: True)
        if st:
            out["status"] = st
        return out
    st, fl = attrs(lambda b: b & int(error_mask)), attrs(lambda b: not b & int(error_mask))
    if st:
        out["status"] = st
    if fl:
        out["flags"] = fl
    return out


def _sweep_outputs(card: Runcard, out: pathlib.Path, res, rename: dict, *, quiet: bool, force_csv: bool):
    """Stream the finished sweep directory chunk by chunk (one chunk in memory at a time): count ok points, write
    ``sweep.csv`` (atomically; only up to CSV_MAX_POINTS unless forced), collect the heat map's three columns, and
    keep the whole dataset only when it is small.  Returns (dataset or None, n_ok, written paths)."""
    import csv
    import io
    import sys

    sw = card.sweep or {}
    formats = card.output["formats"]
    n = res.n_points
    want_csv = "csv" in formats and (n <= CSV_MAX_POINTS or force_csv)
    pl = sw["plot"] if (sw["plot"] is not None and "png" in formats) else None
    keep = n <= CSV_MAX_POINTS
    say = (lambda msg: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    written = [out / "sweep"]
    if "csv" in formats and not want_csv:
        say(
            f"{card.source}: {n} points > {CSV_MAX_POINTS}: sweep.csv not written (NetCDF in {out / 'sweep'}); "
            "pass --csv to write it anyway"
        )
    if want_csv or pl is not None or keep:
        say(
            f"reading the {res.n_chunks} verified chunk(s) of {out / 'sweep'}"
            + (" and writing sweep.csv" if want_csv else "")
            + (" and the heat map" if pl is not None else "")
        )
    n_ok = 0
    parts, cols = [], {"x": [], "y": [], "z": [], "valid": []}
    _io.remove_stale_temporaries(out)  # e.g. the sweep.csv temp file of a run killed while writing it
    csv_path = _io.inside(out, out / "sweep.csv")
    tmp = _io._tmp_name(csv_path)  # owner-named, like every temp file of a sweep directory
    fh = open(tmp, "w", newline="") if want_csv else None
    try:
        header = None
        for _, chunk in _io.iter_chunks(out / "sweep"):
            n_ok += int(np.asarray(chunk["ok"].values).sum())
            if fh is not None:
                rows = _io.csv_rows(chunk)
                if header is None:
                    header = rows[0]
                    csv.writer(fh).writerow(header)
                buf = io.StringIO()
                w = csv.writer(buf)
                for row in rows[1:]:
                    w.writerow([repr(float(x)) if isinstance(x, float) else x for x in row])
                fh.write(buf.getvalue())
            if pl is not None:
                z = rename.get(pl["z"], pl["z"])
                cols["x"].append(chunk[pl["x"]])
                cols["y"].append(chunk[pl["y"]])
                cols["z"].append(chunk[z])
                cols["valid"].append(_valid_mask(card, chunk))
            if keep:
                parts.append(chunk)
        if fh is not None:
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            fh = None
            os.replace(tmp, csv_path)
            written.append(csv_path)
    finally:
        if fh is not None:
            fh.close()
        if tmp.exists():
            tmp.unlink()
    ds = None
    if keep:
        import xarray as xr

        ds = xr.concat(parts, dim="point", combine_attrs="drop_conflicts") if len(parts) > 1 else parts[0]
        ds.attrs.pop("chunk_index", None)
        ds.attrs.update(_io.provenance(card))
    if pl is not None:
        import xarray as xr

        from .. import plotting

        z = rename.get(pl["z"], pl["z"])
        small = xr.Dataset(
            {
                pl["x"]: xr.concat(cols["x"], "point"),
                pl["y"]: xr.concat(cols["y"], "point"),
                z: xr.concat(cols["z"], "point"),
            }
        )
        written.append(
            plotting.plot_sweep_heatmap(
                small,
                pl["x"],
                pl["y"],
                z,
                _io.inside(out, out / "sweep_heatmap.png"),
                statistic=pl["statistic"],
                bins=pl["bins"],
                valid=np.concatenate(cols["valid"]),
            )
        )
    written += write_runcard_copy(card, out)
    return ds, n_ok, written


def _valid_mask(card: Runcard, ds):
    """Points whose predictions are usable: ``status & STATUS_INVALID == 0`` when the scenario module defines that
    mask (its other status bits are informational), else ``ok`` (status == 0 and finite)."""
    mod = get_scenario(card.scenario).status_module
    mask = getattr(mod, "STATUS_INVALID", None)
    if mask is None or "status" not in ds:
        return np.asarray(ds["ok"].values, bool)
    st = np.asarray(ds["status"].values).astype(np.int64)
    finite = np.ones(st.shape, bool)
    for v in ds.data_vars.values():
        a = np.asarray(v.values)
        if a.dtype.kind == "f" and a.ndim >= 1 and a.shape[0] == st.shape[0]:
            finite &= np.all(np.isfinite(a.reshape(a.shape[0], -1)), axis=1)
    return ((st & int(mask)) == 0) & finite
