"""The runners behind ``jaxgen predict``, ``fit`` and ``sensitivity`` for a runcard (``sweep``: :mod:`._sweep_card`),
and the SLHA spectrum predictions that ``jaxgen predict file.slha`` and an ``"slha"`` runcard share.

Every runner validates the card first, computes, and writes only inside the output directory (none: nothing is
written). Each returns a dict with at least ``"text"`` (printable), ``"dataset"`` (xarray) and ``"written"``.
"""

from __future__ import annotations

import csv
import importlib
import pathlib

import numpy as np

from .. import _io
from ._build import build_params, chain_of, validate
from ._fit_tables import fit_dataset, fit_problems, fit_table_text
from ._registry import NotAvailableError, get_scenario, status_text
from ._schema import Runcard

__all__ = [
    "run_predict",
    "run_fit_card",
    "run_sensitivity_card",
    "predict_spectrum_file",
    "spectra_summary",
    "write_spectra_summary",
    "dataset_ok",
]


def _status_text(card: Runcard, code: int) -> str:
    """``"ok"`` or the names of the bits set in a status code of the card's scenario."""
    return status_text(card.scenario, code)


def write_runcard_copy(card: Runcard, out: pathlib.Path) -> list[pathlib.Path]:
    """Copy the runcard into the output directory (provenance); returns [path] or []."""
    if card.source != "<string>" and pathlib.Path(card.source).is_file():
        p = _io.inside(out, out / "runcard.toml")
        p.write_text(pathlib.Path(card.source).read_text())
        return [p]
    return []


def _table_text(ds) -> str:
    rows = _io.csv_rows(ds)
    w = max(len(str(r[0])) for r in rows)
    lines = []
    for r in rows[1:]:
        val = r[1]
        sval = f"{val:.6g}" if isinstance(val, float) else str(val)
        lines.append(f"  {str(r[0]):<{w}}  {sval:>14}  {r[2] if r[2] not in ('1', '') else ''}".rstrip())
    return "\n".join(lines)


def dataset_ok(ds) -> bool:
    """True when the dataset's ``status`` (if any) is 0 everywhere: the exit code of ``jaxgen predict``."""
    if "status" in ds:
        return bool(np.all(np.asarray(ds["status"].values) == 0))
    return True


# ---------------------------------------------------------------------------------------------------------------
# SLHA spectra (the predict-only "slha" scenario)
# ---------------------------------------------------------------------------------------------------------------
def predict_spectrum_file(
    file, settings=None, *, out: pathlib.Path | None = None, formats=("netcdf", "csv"), attrs: dict | None = None
) -> dict:
    """B/(B-L) and m_X of one SLHA file through the registry's ``"slha"`` entry (``jaxgen.slha.read_slha`` and
    ``predict_spectrum`` with ``settings``, a SlhaSettings; default: its defaults). With ``out``: writes
    ``<out>/<stem>.nc`` / ``.csv`` (``formats``). Returns {"text": the table, "dataset", "written", "prediction",
    "skipped": the SLHA blocks not used, "stem", "ok"}."""
    entry = get_scenario("slha")
    settings = entry.settings() if settings is None else settings
    reader = entry.reader
    if reader is None:
        raise ValueError(f"the {entry.name!r} scenario has no input reader: it does not predict from a file")
    spec = reader(file, strict=settings.strict)
    pred = entry.chain(spec, settings)
    ds = pred.to_dataset()
    ds.attrs.update(attrs or {})
    stem = pathlib.Path(str(file)).stem
    written = [] if out is None else _io.write_dataset(ds, out, stem, formats)
    return {
        "text": pred.table(),
        "dataset": ds,
        "written": written,
        "prediction": pred,
        "skipped": tuple(spec.skipped),
        "stem": stem,
        "ok": int(pred.status) == 0,
    }


def spectra_summary(files, preds) -> tuple[list[list], str]:
    """(rows of spectra.csv, the printed summary) of several spectrum predictions (the summary only for > 1)."""
    rows: list[list] = [["file", "B_over_B_minus_L", "m_X_GeV", "status", "light_species"]]
    for f, pred in zip(files, preds):
        light = " ".join(s for s, lt in zip(pred.species, pred.light) if bool(lt))
        rows.append([str(f), repr(float(pred.b_over_b_minus_l)), repr(float(pred.m_x)), int(pred.status), light])
    text = ""
    if len(preds) > 1:
        entry = get_scenario("slha")
        lines = ["summary:"]
        for r in rows[1:]:
            lines.append(
                f"  {pathlib.Path(r[0]).name:<24} B/(B-L) = {float(r[1]):.6f}   m_X = {float(r[2]):.4f} GeV"
                f"   status {r[3]} ({entry.status_text(int(r[3]))})"
            )
        text = "\n".join(lines)
    return rows, text


def write_spectra_summary(out: pathlib.Path, rows, preds, stems, formats) -> list[pathlib.Path]:
    """``<out>/spectra.csv`` (one row per spectrum) and ``<out>/spectra_mx.png``, as ``formats`` say."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "csv" in formats:
        p = _io.inside(out, out / "spectra.csv")
        with open(p, "w", newline="") as fh:
            csv.writer(fh).writerows(rows)
        written.append(p)
    if "png" in formats:
        from .. import plotting

        written.append(plotting.plot_spectra(preds, _io.inside(out, out / "spectra_mx.png"), labels=stems))
    return written


def _predict_slha_card(card: Runcard, out: pathlib.Path | None) -> dict:
    from ..slha import example_spectra

    formats = card.output["formats"]
    opts = dict(card.slha or {})
    f = str(opts.pop("file"))
    if not pathlib.Path(f).exists() and f in example_spectra():
        f = example_spectra()[f]
    entry = get_scenario("slha")
    res = predict_spectrum_file(f, entry.settings(**opts), out=out, formats=formats, attrs=_io.provenance(card))
    if out is not None:
        if "png" in formats:
            from .. import plotting

            res["written"].append(
                plotting.plot_spectra(
                    [res["prediction"]], _io.inside(out, out / f"{res['stem']}_mx.png"), labels=[res["stem"]]
                )
            )
        res["written"] += write_runcard_copy(card, out)
    return res


# ---------------------------------------------------------------------------------------------------------------
# predict, fit, sensitivity
# ---------------------------------------------------------------------------------------------------------------
def run_predict(card: Runcard, out: pathlib.Path | None = None, quiet: bool = False) -> dict:
    """``jaxgen predict`` for a runcard: evaluate the scenario at the runcard's point (or the SLHA spectrum).

    Returns {"text": printable table, "dataset": xarray.Dataset, "written": [paths], "prediction": the PyTree,
    "ok": status 0}; an ``"slha"`` card also gives "skipped" (the SLHA blocks not used).
    """
    out = card.output_dir(out)
    formats = card.output["formats"]
    if get_scenario(card.scenario).predict_only:
        if card.scenario != "slha":
            raise ValueError(
                f"{card.source}: the predict-only scenario {card.scenario!r} has no runcard runner; "
                "register it with params to run it from a runcard"
            )
        return _predict_slha_card(card, out)
    import jax

    chain, settings = chain_of(card)
    params = build_params(card)
    pred = jax.jit(chain)(params)
    ds = _io.prediction_dataset(pred, _io.provenance(card, {"settings": repr(settings)}))
    text = f"{card.title or card.scenario} ({card.scenario}; {type(pred).__name__})\n" + _table_text(ds)
    for field in ("status", "flags"):
        if field in ds:
            code = int(np.asarray(ds[field].values).reshape(-1)[0])
            text += f"\n  {field}: {code} ({_status_text(card, code)})"
    written = []
    if out is not None:
        written = _io.write_dataset(ds, out, "predict", formats)
        written += write_runcard_copy(card, out)
    return {"text": text, "dataset": ds, "written": written, "prediction": pred, "ok": dataset_ok(ds)}


def _fit_api():
    try:
        fitmod = importlib.import_module("jaxgen.fit")
        return fitmod.FreeParameter, fitmod.Target, fitmod.fit
    except (ImportError, AttributeError) as exc:
        raise NotAvailableError(
            f"`jaxgen fit` needs jaxgen.fit (FreeParameter, Target, fit), which is not "
            f"available yet in this installation ({type(exc).__name__}: {exc})"
        ) from None


def run_fit_card(card: Runcard, out: pathlib.Path | None = None, quiet: bool = False) -> dict:
    """``jaxgen fit``: fit the ``[fit].free`` parameters to the ``[fit].targets`` (multi-start, jaxgen.fit)."""
    if card.fit is None:
        raise ValueError(f"{card.source}: no [fit] section; add one (see docs/cli.md)")
    FreeParameter, Target, fit = _fit_api()
    validate(card)
    out = card.output_dir(out)
    chain, _ = chain_of(card)
    base = build_params(card)
    ft = card.fit
    free = [FreeParameter(f["path"], transform=f["transform"], lower=f["lower"], upper=f["upper"]) for f in ft["free"]]
    targets = [Target(t["path"], t["value"], t["sigma"]) for t in ft["targets"]]
    kw = dict(n_starts=ft["n_starts"], seed=ft["seed"])
    if ft["steps"] is not None:
        kw["steps"] = ft["steps"]
    res = fit(chain, base, free, targets, **kw)
    ds = fit_dataset(res, card)
    problems = fit_problems(res, card)
    text = f"{card.title or card.scenario + ' fit'}\n" + fit_table_text(res, card, problems)
    written = []
    if out is not None:
        written = _io.write_dataset(ds, out, "fit", [f for f in card.output["formats"] if f != "png"])
        if "png" in card.output["formats"]:
            import inspect

            from .. import plotting

            steps = kw.get("steps", inspect.signature(fit).parameters["steps"].default)
            bad = getattr(importlib.import_module("jaxgen._fit"), "BAD_CHI2", 1e29)
            written.append(
                plotting.plot_fit_history(
                    res.history,
                    _io.inside(out, out / "fit_history.png"),
                    adam_steps=steps if isinstance(steps, int) else None,
                    bad_chi2=0.1 * float(bad),
                )
            )
        written += write_runcard_copy(card, out)
    return {"text": text, "dataset": ds, "written": written, "result": res, "problems": problems}


def _sensitivity_api():
    try:
        mod = importlib.import_module("jaxgen.sensitivity")
        return mod.jacobian
    except (ImportError, AttributeError) as exc:
        raise NotAvailableError(
            f"`jaxgen sensitivity` needs jaxgen.sensitivity.jacobian, which is not available "
            f"yet in this installation ({type(exc).__name__}: {exc})"
        ) from None


def run_sensitivity_card(card: Runcard, out: pathlib.Path | None = None, quiet: bool = False) -> dict:
    """``jaxgen sensitivity``: Jacobian and elasticities of the outputs w.r.t. the inputs at the runcard's point."""
    jacobian = _sensitivity_api()
    validate(card)
    out = card.output_dir(out)
    chain, _ = chain_of(card)
    base = build_params(card)
    sens = card.sensitivity or {"inputs": None, "outputs": None}
    table = jacobian(chain, base, inputs=sens["inputs"], outputs=sens["outputs"])
    text = table.to_markdown()
    st = int(getattr(table, "status", 0))
    problems = (
        []
        if st == 0
        else [
            f"the chain's status at the point is {st} ({_status_text(card, st)}): the "
            "Jacobian and elasticities there are not valid (flagged entries are 0)"
        ]
    )
    text += f"\n\nchain status at the point: {st} ({_status_text(card, st)})"
    ds = table.to_dataset()
    ds.attrs.update(_io.provenance(card))
    written = []
    if out is not None:
        written = _io.write_dataset(ds, out, "sensitivity", [f for f in card.output["formats"] if f != "png"])
        p = _io.inside(out, out / "sensitivity.md")
        p.write_text(text + "\n")
        written.append(p)
        if "png" in card.output["formats"]:
            from .. import plotting

            written.append(plotting.plot_sensitivity(table, _io.inside(out, out / "sensitivity.png")))
        written += write_runcard_copy(card, out)
    return {"text": text, "dataset": ds, "written": written, "table": table, "problems": problems}
