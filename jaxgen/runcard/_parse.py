"""Reading a runcard: :func:`parse_runcard` validates a dict (as from ``tomllib.loads``) against the schema
(:mod:`._schema`) and :func:`load_runcard` reads a TOML file; a bad key or value raises ValueError naming the key,
the expected form and the fix."""

from __future__ import annotations

import math
import pathlib
import re
import tomllib
from typing import Any

import numpy as np

from .._paths import suggest as _suggest
from ._registry import is_predict_only, scenario_names
from ._schema import (
    AXIS_KEYS,
    FREE_KEYS,
    MAX_ABS_PARAMETER,
    PLOT_KEYS,
    SCHEMA,
    TARGET_KEYS,
    Runcard,
    _check_keys,
    _is_num,
)

__all__ = ["parse_runcard", "load_runcard"]


def _flatten(table: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in table.items():
        p = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, p + "."))
        else:
            out[p] = v
    return out


def _check_number_tree(v, where, src, _top=True):
    if _is_num(v):
        if not math.isfinite(v):
            raise ValueError(f"{src}: {where} = {v!r} is not finite; give a finite number")
        if abs(v) > MAX_ABS_PARAMETER:
            raise ValueError(
                f"{src}: {where} = {v!r} is invalid: |value| > {MAX_ABS_PARAMETER:.0e} overflows the "
                "chains' float64 arithmetic (no physical input comes near); give a value in the "
                "parameter's units (GeV, s, ...), e.g. a mass below the Planck scale 1.2e19 GeV"
            )
        return float(v)
    if isinstance(v, list) and v:
        out = [_check_number_tree(x, where, src, _top=False) for x in v]
        if _top:
            try:
                np.asarray(out, dtype=float)
            except ValueError:
                raise ValueError(
                    f"{src}: {where} = {v!r} is invalid: a ragged array (rows of different lengths); "
                    f"give a number or a flat list of numbers, e.g. {where.split('.')[-1]} = "
                    "[1.0, 2.0]"
                ) from None
        return out
    raise ValueError(
        f"{src}: {where} = {v!r} is invalid: expected a number or an array of numbers, e.g. "
        f"{where.split('.')[-1]} = 1.5 or [1.0, 2.0]"
    )


def parse_runcard(data: dict, source: str = "<string>", base_dir: str | pathlib.Path = ".") -> Runcard:
    """Validate a runcard given as a dict (as from ``tomllib.loads``); see :data:`SCHEMA`."""
    src = source
    sections_valid = [s for s in SCHEMA if s]
    for k, v in data.items():
        if k in SCHEMA[""]:
            continue
        if k in sections_valid:
            if not isinstance(v, dict):
                raise ValueError(f"{src}: {k} must be a section ([{k}] header), got {type(v).__name__} {v!r}")
            continue
        if isinstance(v, dict):
            raise ValueError(f"{src}: unknown section [{k}].{_suggest(k, sections_valid)}")
        raise ValueError(f"{src}: unknown top-level key {k!r}.{_suggest(k, list(SCHEMA['']) + sections_valid)}")
    top = _check_keys({k: v for k, v in data.items() if k in SCHEMA[""]}, SCHEMA[""], "", src)
    if "scenario" not in data:
        raise ValueError(f'{src}: missing section [scenario]; add\n[scenario]\nname = "hall"   # or "ardu", "slha"')
    scen = _check_keys(data["scenario"], SCHEMA["scenario"], "scenario", src)
    name = scen["name"]
    params = {}
    for path, v in _flatten(data.get("parameters", {})).items():
        if path.split(".")[-1] == "dm_to_baryon" and isinstance(v, str):
            from ..slha import dm_to_baryon_value

            try:
                params[path] = dm_to_baryon_value(v)
            except ValueError as e:
                raise ValueError(f"{src}: [parameters].{path}: {e}") from None
            continue
        params[path] = _check_number_tree(v, f"[parameters].{path}", src)
    sections: dict[str, Any] = {}
    for sec in ("slha", "sweep", "fit", "sensitivity"):
        sections[sec] = _check_keys(data[sec], SCHEMA[sec], sec, src) if sec in data else None
    output = _check_keys(data.get("output", {}), SCHEMA["output"], "output", src)
    # scenario-specific structure
    if name == "slha":
        if sections["slha"] is None:
            raise ValueError(f'{src}: scenario name = "slha" needs an [slha] section with file = "spectrum.slha"')
        if params or scen["settings"]:
            bad = "[parameters]" if params else "[scenario].settings"
            raise ValueError(
                f'{src}: {bad} is not used by the "slha" scenario; put its options in [slha] (keys: '
                f"{', '.join(SCHEMA['slha'])})"
            )
    elif sections["slha"] is not None:
        raise ValueError(f'{src}: [slha] only goes with [scenario] name = "slha" (here name = {name!r})')
    if is_predict_only(name):
        with_params = [n for n in scenario_names() if not is_predict_only(n)]
        for sec in ("sweep", "fit", "sensitivity"):
            if sections[sec] is not None:
                raise ValueError(
                    f'{src}: [{sec}] is not available for the "{name}" scenario (only `jaxgen '
                    "predict`): it has no parameter PyTree to sweep, fit or differentiate; use scenario "
                    + " or ".join(f'"{n}"' for n in with_params)
                )
    if name == "slha":
        slha_section: dict = sections["slha"] or {}  # present: checked above
        f = slha_section["file"]
        p = pathlib.Path(f).expanduser()
        if not p.is_absolute():
            p = pathlib.Path(base_dir) / p
        if p.is_file():
            f = str(p.resolve())
        else:
            from ..slha import example_spectra

            if f not in example_spectra():
                raise ValueError(
                    f"{src}: [slha].file = {f!r}: no such file ({p}); give a path relative to the "
                    f"runcard's folder or a shipped example: {sorted(example_spectra())}"
                )
        sections["slha"] = {**slha_section, "file": f}
        from ..slha import SlhaSettings

        try:
            SlhaSettings(**{k: v for k, v in sections["slha"].items() if k != "file"})
        except ValueError as e:
            raise ValueError(f"{src}: [slha]: {e}") from None
    if sections["sweep"] is not None:
        sw = sections["sweep"]
        axes = []
        for i, ax in enumerate(sw["axes"]):
            a = _check_keys(ax, AXIS_KEYS, f"sweep.axes[{i}]", src)
            if a["low"] > a["high"]:
                raise ValueError(
                    f"{src}: [sweep.axes[{i}]] (path {a['path']!r}): low = {a['low']} > high = {a['high']}; swap them"
                )
            if a["log"] and a["low"] <= 0:
                raise ValueError(
                    f"{src}: [sweep.axes[{i}]] (path {a['path']!r}): log = true needs low > 0, got "
                    f"{a['low']}; use a positive lower end or log = false"
                )
            if sw["design"] == "grid" and a["n"] is None:
                raise ValueError(
                    f'{src}: [sweep.axes[{i}]] (path {a["path"]!r}): design = "grid" needs n (grid '
                    "nodes) on every axis, e.g. n = 16"
                )
            axes.append(a)
        if not axes:
            raise ValueError(f"{src}: [sweep].axes is empty; give at least one axis")
        paths = [a["path"] for a in axes]
        if len(set(paths)) != len(paths):
            raise ValueError(f"{src}: [sweep].axes has duplicate paths {paths}")
        if sw["design"] != "grid" and sw["n"] is None:
            raise ValueError(
                f"{src}: [sweep].n is missing: design = {sw['design']!r} needs the number of points, e.g. n = 1024"
            )
        plot = None
        if sw["plot"] is not None:
            plot = _check_keys(sw["plot"], PLOT_KEYS, "sweep.plot", src)
            for ax in ("x", "y"):
                if plot[ax] not in paths:
                    raise ValueError(
                        f"{src}: [sweep.plot].{ax} = {plot[ax]!r} is not a swept axis; choose one of "
                        f"{paths}.{_suggest(plot[ax], paths)}"
                    )
        sections["sweep"] = {**sw, "axes": axes, "plot": plot}
    if sections["fit"] is not None:
        ft = sections["fit"]
        free = [_check_keys(x, FREE_KEYS, f"fit.free[{i}]", src) for i, x in enumerate(ft["free"])]
        targets = [_check_keys(x, TARGET_KEYS, f"fit.targets[{i}]", src) for i, x in enumerate(ft["targets"])]
        if not free or not targets:
            raise ValueError(f"{src}: [fit] needs at least one free parameter and one target")
        for i, fp in enumerate(free):
            if fp["lower"] is not None and fp["upper"] is not None and fp["lower"] >= fp["upper"]:
                raise ValueError(
                    f"{src}: [fit.free[{i}]] (path {fp['path']!r}): lower = {fp['lower']} must be < "
                    f"upper = {fp['upper']}"
                )
        sections["fit"] = {**ft, "free": free, "targets": targets}
    return Runcard(
        source=src,
        base_dir=pathlib.Path(base_dir).resolve(),
        title=top["title"],
        scenario=name,
        settings=dict(scen["settings"]),
        base=scen["base"],
        parameters=params,
        slha=sections["slha"],
        sweep=sections["sweep"],
        fit=sections["fit"],
        sensitivity=sections["sensitivity"],
        output=output,
        raw=data,
    )


def load_runcard(path: str | pathlib.Path) -> Runcard:
    """Read and validate a TOML runcard (``ValueError`` with the key, the expected form and the fix)."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"runcard {str(path)!r} not found")
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark is harmless
    except UnicodeDecodeError as e:
        raise ValueError(
            f"{path}: not a UTF-8 text file (byte {e.start}: {e.reason}); TOML runcards must be "
            "UTF-8: re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)"
        ) from None
    except OSError as e:
        raise ValueError(f"{path}: cannot be read ({e.strerror or e}); give a readable runcard file") from None
    last = text.rsplit("\n", 1)[-1]
    m = re.match(r"^\s*([\w\"'.-]+)\s*=\s*[-+]?(\d|\.\d|inf|nan)", last)
    if m:
        raise ValueError(
            f"{path}: line {text.count(chr(10)) + 1} ({m.group(1)} = ...), the last line "
            f"{last.strip()!r}, has no line end: the file looks truncated, and a cut number would be "
            "read silently. Fix: complete the file (end it with a newline)"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(
            f"{path}: not valid TOML: {e}. Check quotes around strings, '=' between key and value, "
            "and [section] headers"
        ) from None
    return parse_runcard(data, source=str(path), base_dir=path.parent)
