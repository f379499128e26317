"""The fit result of a runcard as a plain table (:func:`fit_table_text`), as an xarray Dataset
(:func:`fit_dataset`), and the reasons a fit is not usable (:func:`fit_problems`). Units of the fitted parameters
and the targets come from the field metadata of the scenario's Params and Prediction classes."""

from __future__ import annotations

import importlib
import math

import numpy as np

from .. import _io
from ._registry import NotAvailableError, get_scenario, status_names, status_text
from ._schema import Runcard

__all__ = ["fit_problems", "fit_table_text", "fit_dataset", "fit_param_units", "fit_target_units"]


def fit_param_units(res, card: Runcard) -> list[str]:
    """Units of the fitted parameters (``res.names``), from the Params class's field metadata."""
    try:
        params = get_scenario(card.scenario).params
    except (ValueError, NotAvailableError):
        params = None
    return [_io.param_units(str(n), params) for n in res.names]


def fit_target_units(res, card: Runcard) -> list[str]:
    """Units of the fit targets (``res.target_names``), from the Prediction class's field metadata."""
    names = [str(n) for n in res.target_names]
    pred = getattr(res, "prediction", None)
    if pred is None:
        try:
            pred = get_scenario(card.scenario).prediction
        except (ValueError, NotAvailableError):
            pred = None
    table = _io.units_for(pred, names)
    return [table.get(n, "") for n in names]


def fit_problems(res, card) -> list[str]:
    """Why a fit result is not usable, as messages naming the status (empty for a usable fit): the fit's own
    status bits (``FitResult.fit_status``, decoded with jaxgen._fit's names and messages), else not converged /
    the chain's status at the best fit."""
    fitmod = importlib.import_module("jaxgen._fit")
    fs = getattr(res, "fit_status", None)
    out = []
    if fs is not None and int(fs) != 0:
        messages = getattr(fitmod, "FIT_STATUS_MESSAGES", {}) or {}
        bits = getattr(fitmod, "FIT_STATUS_BITS", {}) or {}
        rest = int(fs)
        for bit in sorted(set(messages) | set(bits)):
            if int(fs) & bit:
                rest &= ~bit
                msg = messages.get(bit) or bits.get(bit, f"bit {bit}")
                name = bits.get(bit, "")
                out.append(msg if not name or msg.startswith(name) else f"{name}: {msg}")
        if rest:
            out.append(f"fit status bit(s) {rest} (unknown)")
        at = getattr(res, "at_bound", None)
        if at is not None and np.any(np.asarray(at, bool)):
            out.append("at a bound: " + ", ".join(n for n, a in zip(res.names, np.asarray(at, bool)) if a))
        names = [bits[b] for b in sorted(bits) if int(fs) & b] or [str(int(fs))]
        return [f"fit status {int(fs)} ({', '.join(names)}): the fit is not usable"] + [f"  - {m}" for m in out]
    if fs is None:  # a jaxgen.fit without its own status: derive the essentials
        if not bool(res.converged):
            out.append(
                "fit status: NOT CONVERGED (the best start did not converge; raise [fit].steps or check the targets)"
            )
        free = {f["path"]: f for f in card.fit["free"]}
        for j, nm in enumerate(res.names):
            lo, hi = free.get(nm, {}).get("lower"), free.get(nm, {}).get("upper")
            kind = str(res.transforms[j])
            if lo is None or hi is None or kind not in ("logit", "loglogit"):
                continue
            x = float(np.asarray(res.x)[j])
            t = (
                (math.log(x) - math.log(lo)) / (math.log(hi) - math.log(lo))
                if kind == "loglogit" and x > 0
                else (x - lo) / (hi - lo)
            )
            if not 1e-3 < t < 1 - 1e-3:
                out.append(
                    f"fit status: AT BOUND: {nm} = {x:.6g} ended at a bound of [{lo:.4g}, {hi:.4g}]; widen "
                    "the bounds in [fit].free"
                )
        if int(res.status) != 0:
            out.append(
                f"fit status: the best fit is not a valid chain point (chain status {int(res.status)}: "
                f"{', '.join(status_names(card.scenario, int(res.status))) or '?'})"
            )
    return out


def fit_table_text(res, card, problems=()) -> str:
    """The fit result as a plain table: parameter, best fit, 1-sigma error, units, range (no internal transform
    names), then chi^2, the starts and the fit status by name."""
    from .._fit import TRANSFORM_LABELS

    rows = [("parameter", "best fit", "1-sigma", "units", "fitted as")]
    free = {f["path"]: f for f in card.fit["free"]}
    punits = fit_param_units(res, card)
    for j, nm in enumerate(res.names):
        f = free.get(nm, {})
        kind = TRANSFORM_LABELS.get(str(res.transforms[j]), str(res.transforms[j]))
        if f.get("lower") is not None and f.get("upper") is not None:
            kind += f" in [{f['lower']:.4g}, {f['upper']:.4g}]"
        err = float(np.asarray(res.errors)[j])
        rows.append((nm, f"{float(np.asarray(res.x)[j]):.6g}", f"{err:.3g}", punits[j], kind))
    tunits = fit_target_units(res, card)
    width = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  " + "  ".join(c.ljust(width[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  " + "  ".join("-" * w for w in width))
    lines += ["", "  target residuals (prediction - value)/sigma:"]
    for n, r, u in zip(res.target_names, np.asarray(res.residuals, float), tunits):
        lines.append(f"    {str(n):<20} {r:+.3g}   ({u})" if u not in ("", "1") else f"    {str(n):<20} {r:+.3g}")
    n_ok = int(
        np.sum(np.asarray(res.chi2_starts) < float(getattr(importlib.import_module("jaxgen._fit"), "BAD_CHI2", 1e30)))
    )
    lines += [
        "",
        f"  chi^2 = {float(res.chi2):.4g} for {int(res.n_dof)} degrees of freedom; best of "
        f"{len(np.asarray(res.chi2_starts))} starts ({n_ok} valid, "
        f"{int(np.sum(np.asarray(res.converged_starts)))} converged)",
        f"  chain status at the best fit: {int(res.status)} ({status_text(card.scenario, int(res.status))})",
    ]
    if problems:
        lines += [f"  {m}" for m in problems]
    else:
        lines.append("  fit status 0 (ok)")
    return "\n".join(lines)


def fit_dataset(res, card: Runcard):
    """A FitResult (jaxgen.fit) as an xarray.Dataset: best fit, errors, covariance, per-start results, history."""
    import xarray as xr

    from .._fit import TRANSFORM_LABELS

    names = np.asarray(res.names, dtype=str)
    data = {
        "best": xr.Variable(("parameter",), np.asarray(res.x, float), {"long_name": "best-fit physical value"}),
        "error": xr.Variable(
            ("parameter",), np.asarray(res.errors, float), {"long_name": "Laplace 1-sigma error (physical units)"}
        ),
        "covariance": xr.Variable(("parameter", "parameter_2"), np.asarray(res.cov, float)),
        "transform": xr.Variable(
            ("parameter",), np.asarray([TRANSFORM_LABELS.get(str(t), str(t)) for t in res.transforms], dtype=str)
        ),
        "chi2": xr.Variable((), float(res.chi2), {"units": "1"}),
        "n_dof": xr.Variable((), int(res.n_dof)),
        "converged": xr.Variable((), int(bool(res.converged))),
        "laplace_ok": xr.Variable((), int(bool(res.laplace_ok))),
        "status": xr.Variable((), int(res.status), {"description": "the chain's status at the best fit (0 = ok)"}),
        **(
            {
                "fit_status": xr.Variable(
                    (),
                    int(res.fit_status),
                    {
                        "description": "the fit's own status bits (0 = ok): "
                        + "; ".join(
                            f"{b} = {n}"
                            for b, n in getattr(importlib.import_module("jaxgen._fit"), "FIT_STATUS_BITS", {}).items()
                        )
                    },
                )
            }
            if getattr(res, "fit_status", None) is not None
            else {}
        ),
        "residual": xr.Variable(("target",), np.asarray(res.residuals, float), {"long_name": "(pred - value)/sigma"}),
        "chi2_start": xr.Variable(("start",), np.asarray(res.chi2_starts, float)),
        "x_start": xr.Variable(
            ("start", "parameter"), np.asarray(res.x_starts, float), {"long_name": "final point of each start"}
        ),
        "x_init": xr.Variable(("start", "parameter"), np.asarray(res.x_init, float)),
        "history": xr.Variable(("start", "step"), np.asarray(res.history, float), {"long_name": "chi2 per step"}),
    }
    punits = fit_param_units(res, card)
    for k in ("best", "error"):
        data[k].attrs["units_per"] = "parameter_units"
    data["covariance"].attrs["units_per"] = "parameter_units parameter_units"
    for k in ("x_start", "x_init"):
        data[k].attrs["units_per"] = "- parameter_units"
    data["chi2_start"].attrs["units"] = "1"
    data["history"].attrs["units"] = "1"
    return xr.Dataset(
        data,
        coords={
            "parameter": names,
            "parameter_2": names,
            "parameter_units": ("parameter", np.asarray(punits, dtype=str)),
            "target": np.asarray(res.target_names, dtype=str),
            "target_units": ("target", np.asarray(fit_target_units(res, card), dtype=str)),
        },
        attrs=_io.provenance(card, {"free": (card.fit or {}).get("free"), "targets": (card.fit or {}).get("targets")}),
    )
