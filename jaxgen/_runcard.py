"""TOML runcards for the ``jaxgen`` command: schema, validation, and the runners behind ``predict``, ``sweep``,
``fit`` and ``sensitivity``.

A runcard is a TOML file (read with :mod:`tomllib`) with the sections below; the full reference (every key, type,
default and meaning) is generated from :data:`SCHEMA` by :func:`reference_markdown` and printed in docs/cli.md.
Example (``jaxgen/data/runcards/hall_sweep.toml``)::

    title = "Hall et al. 2010: eta_B over coupling and CP phase"
    [scenario]
    name = "hall"                 # "hall" | "ardu" | "slha"
    [parameters]                  # fields of HallParams (dotted paths for nested fields); others keep defaults
    m_x = 1.6
    [sweep]
    design = "sobol"
    n = 1024
    axes = [ { path = "lam", low = 1e-13, high = 1e-10, log = true },
             { path = "phase.0", low = 0.0, high = 3.14159 } ]
    [output]
    directory = "hall_sweep_out"

Validation: a bad key or value raises ``ValueError`` naming the key (``[sweep].axes[1].low``), the expected form and
the fix (the closest valid key, via :mod:`difflib`). Paths: input files (``[slha].file``) are relative to the
runcard's folder; the output directory is relative to the current working directory (or given on the command line
with ``--out``, which wins). Every file a runner writes lies inside the output directory; without one, nothing is
written. Units: GeV, seconds, metres as documented per field by each scenario.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import json
import math
import os
import pathlib
import re
import tomllib
from typing import Any, Callable

import numpy as np

from ._paths import explode_arrays as _explode_arrays
from ._paths import get_indexed as _get_path
from ._paths import leaf_names as _leaf_paths
from ._paths import set_path as _set_path
from ._paths import suggest as _suggest

__all__ = [
    "SCHEMA",
    "SCENARIOS",
    "Runcard",
    "load_runcard",
    "parse_runcard",
    "reference_markdown",
    "scenario_api",
    "build_params",
    "prediction_dataset",
    "write_dataset",
    "run_predict",
    "run_sweep_card",
    "run_fit_card",
    "run_sensitivity_card",
    "NotAvailableError",
    "validate",
]


class NotAvailableError(RuntimeError):
    """A subcommand needs a part of jaxgen that is not available (yet) in this installation."""


# ---------------------------------------------------------------------------------------------------------------
# schema
# ---------------------------------------------------------------------------------------------------------------
_REQUIRED = object()


@dataclasses.dataclass(frozen=True)
class Key:
    """One runcard key: name, expected form (for messages and docs), default, meaning, checker."""

    name: str
    form: str
    default: Any
    doc: str
    check: Callable[[Any], Any] | None = None  # returns the normalised value or raises _Bad(why)
    example: str = ""


class _Bad(Exception):
    pass


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _str(choices=None):
    def chk(v):
        if not isinstance(v, str):
            raise _Bad(f"a string{'' if not choices else ' (one of ' + ', '.join(map(repr, choices)) + ')'}")
        if choices and v not in choices:
            close = difflib.get_close_matches(v, choices, n=1)
            raise _Bad("one of " + ", ".join(map(repr, choices)) + (f" (did you mean {close[0]!r}?)" if close else ""))
        return v
    return chk


def _int(minimum=None):
    def chk(v):
        if not isinstance(v, int) or isinstance(v, bool) or (minimum is not None and v < minimum):
            raise _Bad(f"an integer >= {minimum}" if minimum is not None else "an integer")
        return v
    return chk


#: the largest |value| of a parameter, sweep range end or fit bound: beyond it products in the chains overflow
#: float64 (no physical input of the scenarios comes near: masses are below the Planck scale, 1.2e19 GeV)
MAX_ABS_PARAMETER = 1e30


def _float(positive=False, max_abs=None):
    def chk(v):
        if not _is_num(v) or not math.isfinite(v) or (positive and v <= 0):
            raise _Bad("a positive finite number" if positive else "a finite number")
        if max_abs is not None and abs(v) > max_abs:
            raise _Bad(f"a finite number with |value| <= {max_abs:.0e}")
        return float(v)
    return chk


def _bool(v):
    if not isinstance(v, bool):
        raise _Bad("true or false")
    return v


def _str_list(choices=None):
    def chk(v):
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise _Bad("a list of strings")
        if choices:
            for x in v:
                if x not in choices:
                    close = difflib.get_close_matches(x, choices, n=1)
                    raise _Bad("a list of " + ", ".join(map(repr, choices))
                               + f"; {x!r} is not one" + (f" (did you mean {close[0]!r}?)" if close else ""))
        return list(v)
    return chk


def _num_or_preset(v):
    if isinstance(v, str):
        from ._slha import dm_to_baryon_value

        try:
            dm_to_baryon_value(v)
        except ValueError:
            raise _Bad("a positive number or a preset name 'planck2018', 'hall2010', 'ardu2025'") from None
        return v
    return _float(positive=True)(v)


def _table(v):
    if not isinstance(v, dict):
        raise _Bad("a table")
    return v


def _str_table(v):
    """A table of strings ({ name = "unit" }); nested tables or non-strings are refused."""
    if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
        raise _Bad("a table of strings { result field = \"unit\" }")
    return dict(v)


AXIS_KEYS = {
    "path": Key("path", "string", _REQUIRED, "dotted field path of the scenario's parameters, e.g. \"lam\", "
                "\"phase.0\" (element 0 of an array field)", _str(), '"lam"'),
    "low": Key("low", "number", _REQUIRED, "lower end of the range (field units)", _float(max_abs=MAX_ABS_PARAMETER),
               "1e-13"),
    "high": Key("high", "number", _REQUIRED, "upper end (>= low; both > 0 with log)",
                _float(max_abs=MAX_ABS_PARAMETER), "1e-10"),
    "log": Key("log", "bool", False, "sample uniformly in ln x (and log-scale the plots)", _bool, "true"),
    "n": Key("n", "int >= 1", None, "grid nodes along this axis (design = \"grid\" only)", _int(1), "16"),
    "units": Key("units", "string", "", "unit recorded in the output, e.g. \"GeV\"", _str(), '"GeV"'),
}
FREE_KEYS = {
    "path": Key("path", "string", _REQUIRED, "dotted field path of the parameter to fit (\"phase.0\": element 0)",
                _str(), '"lam"'),
    "transform": Key("transform", "string", "auto", "what the optimizer sees (jaxgen.fit.FreeParameter): \"auto\" "
                     "(periodic for phase*/phi*, logit with both bounds, else log for positive values), \"log\", "
                     "\"periodic\", \"identity\", \"logit\"",
                     _str(["auto", "log", "periodic", "identity", "logit"]), '"log"'),
    "lower": Key("lower", "number", None, "bound in the parameter's units: logit needs both; log takes none or both "
                 "(then bounded in ln x); periodic: start of the period (default 0); identity: none",
                 _float(max_abs=MAX_ABS_PARAMETER), "1e-13"),
    "upper": Key("upper", "number", None, "upper bound (periodic: end of the period, default lower + 2 pi)",
                 _float(max_abs=MAX_ABS_PARAMETER), "1e-10"),
}
TARGET_KEYS = {
    "path": Key("path", "string", _REQUIRED, "dotted field path of the prediction to match, e.g. \"eta_b\"",
                _str(), '"eta_b"'),
    "value": Key("value", "number", _REQUIRED, "target value (prediction units)", _float(), "8.7e-11"),
    "sigma": Key("sigma", "number > 0", _REQUIRED, "1-sigma uncertainty (chi2 = sum ((pred - value)/sigma)^2)",
                 _float(positive=True), "1e-12"),
}
PLOT_KEYS = {
    "x": Key("x", "string", _REQUIRED, "swept parameter on the x axis (an axis path)", _str(), '"lam"'),
    "y": Key("y", "string", _REQUIRED, "swept parameter on the y axis", _str(), '"phase.0"'),
    "z": Key("z", "string", _REQUIRED, "result field shown in colour (binned statistic)", _str(), '"eta_b"'),
    "statistic": Key("statistic", "string", "mean", "\"mean\" | \"median\" | \"min\" | \"max\" | \"count\" per bin",
                     _str(["mean", "median", "min", "max", "count"]), '"mean"'),
    "bins": Key("bins", "int >= 2", 40, "bins per axis", _int(2), "40"),
}


def _array_of_tables(keys: dict, what: str):
    def chk(v):
        if isinstance(v, dict):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            needed = ", ".join(f"{k} = {s.example}" for k, s in keys.items() if s.default is _REQUIRED)
            raise _Bad(f"an array of tables ({what}), e.g. [{{ {needed} }}]")
        return v
    return chk


SCHEMA: dict[str, dict[str, Key]] = {
    "": {
        "title": Key("title", "string", "", "free text stored with the outputs", _str(), '"my run"'),
    },
    "scenario": {
        "name": Key("name", "string", _REQUIRED, "\"hall\" (Hall et al. 2010 asymmetric freeze-in), \"ardu\" "
                    "(Ardu et al. 2025 R-symmetric ADM) or \"slha\" (B/(B-L) and m_X from an SLHA spectrum)",
                    _str(["hall", "ardu", "slha"]), '"hall"'),
        "settings": Key("settings", "table", {}, "fields of HallSettings / ArduSettings (static switches), e.g. "
                        "{ method = \"quadrature\" }", _table, '{ method = "quadrature" }'),
        "base": Key("base", "string", "default", "starting parameter point: \"default\" (the Params class "
                    "defaults) or \"benchmark\" (Params.benchmark(), the paper's benchmark point)",
                    _str(["default", "benchmark"]), '"benchmark"'),
    },
    "parameters": {},  # free-form: the scenario's Params fields (validated against the class)
    "slha": {
        "file": Key("file", "string", _REQUIRED, "SLHA spectrum, relative to the runcard's folder, or the name "
                    "of a shipped example (\"heavy\", \"compressed\", \"light_rh\")", _str(), '"spectrum.slha"'),
        "temperature": Key("temperature", "number > 0", 131.7, "sphaleron freeze-out temperature T_sph in GeV "
                           "(D'Onofrio et al. 2014)", _float(positive=True), "131.7"),
        "dm_to_baryon": Key("dm_to_baryon", "number or preset", "planck2018", "Omega_DM/Omega_b: a number or "
                            "\"planck2018\" (5.364), \"hall2010\" (4.86), \"ardu2025\" (5.408)", _num_or_preset,
                            '"hall2010"'),
        "higgs_sector": Key("higgs_sector", "string", "spectrum", "\"spectrum\" (heavy doublet from m_H0, m_A0, "
                            "m_H+) or \"light\" (both doublets massless, Hall et al. eq. (3.3))",
                            _str(["spectrum", "light"]), '"light"'),
        "lepton_flavour_equilibrium": Key("lepton_flavour_equilibrium", "bool", True, "lepton-flavour-changing "
                                          "reactions in equilibrium", _bool, "false"),
        "light_threshold": Key("light_threshold", "number in (0, 1)", 0.5, "label a species light when "
                               "k(m/T)/k(0) >= this (label only; the physics uses the smooth k)",
                               _float(positive=True), "0.5"),
        "higgsino_mass": Key("higgsino_mass", "number", None, "override the Higgsino mass (GeV)", _float(), "300.0"),
        "strict": Key("strict", "bool", True, "unknown PDG codes in BLOCK MASS are errors (false: ignored)", _bool,
                      "false"),
    },
    "sweep": {
        "design": Key("design", "string", "sobol", "\"grid\" | \"random\" | \"sobol\"",
                      _str(["grid", "random", "sobol"]), '"sobol"'),
        "n": Key("n", "int >= 1", None, "number of points (random, sobol; a power of 2 for sobol); grid: the "
                 "product of the axes' n", _int(1), "1024"),
        "seed": Key("seed", "int >= 0", 0, "random seed (random, sobol)", _int(0), "1"),
        "chunk_size": Key("chunk_size", "int >= 1", 4096, "points per compiled chunk / NetCDF file", _int(1), "4096"),
        "axes": Key("axes", "array of tables", _REQUIRED, "the swept parameters: [{ path, low, high, log, n, "
                    "units }] (keys below)", _array_of_tables(AXIS_KEYS, "axes"),
                    '[{ path = "lam", low = 1e-13, high = 1e-10, log = true }]'),
        "units": Key("units", "table", {}, "{ result field = unit } recorded in the NetCDF attributes (defaults: "
                     "the scenario's units)", _str_table, '{ eta_b = "1" }'),
        "plot": Key("plot", "table", None, "heat map of a result over two axes: { x, y, z, statistic, bins } "
                    "(keys below)", _table, '{ x = "lam", y = "phase.0", z = "eta_b" }'),
    },
    "fit": {
        "free": Key("free", "array of tables", _REQUIRED, "parameters to fit: [{ path, transform, lower, upper }]",
                    _array_of_tables(FREE_KEYS, "free parameters"),
                    '[{ path = "lam", lower = 1e-13, upper = 1e-10 }]'),
        "targets": Key("targets", "array of tables", _REQUIRED, "predictions to match: [{ path, value, sigma }]",
                       _array_of_tables(TARGET_KEYS, "targets"), '[{ path = "eta_b", value = 8.7e-11, sigma = 1e-12 }]'),
        "n_starts": Key("n_starts", "int >= 1", 8, "random starts (vmapped, one compile)", _int(1), "8"),
        "steps": Key("steps", "int >= 1", None, "optimizer steps per start (default: jaxgen.fit's default)",
                     _int(1), "500"),
        "seed": Key("seed", "int >= 0", 0, "seed of the random starts", _int(0), "0"),
    },
    "sensitivity": {
        "inputs": Key("inputs", "list of strings", None, "parameter paths to differentiate by (default: every "
                      "float leaf)", _str_list(), '["lam", "m_x"]'),
        "outputs": Key("outputs", "list of strings", None, "prediction paths (default: every float leaf)",
                       _str_list(), '["eta_b", "omega_x_h2"]'),
    },
    "output": {
        "directory": Key("directory", "string", None, "output directory (relative to the current working "
                         "directory; --out on the command line wins). Without one nothing is written",
                         _str(), '"out/hall"'),
        "formats": Key("formats", "list of strings", ["netcdf", "csv", "png"], "what to write: \"netcdf\", "
                       "\"csv\", \"png\" (figures, needs matplotlib)", _str_list(["netcdf", "csv", "png"]),
                       '["netcdf", "csv"]'),
    },
}
_SUB_SCHEMAS = {("sweep", "axes"): AXIS_KEYS, ("fit", "free"): FREE_KEYS, ("fit", "targets"): TARGET_KEYS,
                ("sweep", "plot"): PLOT_KEYS}

#: scenario name -> (module, Params class, Settings class, chain function, Prediction class)
SCENARIOS = {
    "hall": ("jaxgen._scenario_hall", "HallParams", "HallSettings", "asymmetric_freezein", "HallPrediction"),
    "ardu": ("jaxgen._scenario_ardu", "ArduParams", "ArduSettings", "rsymmetric_adm", "ArduPrediction"),
}


def _where(section, key):
    return f"[{section}].{key}" if section else key


def _check_keys(table: dict, schema: dict[str, Key], section: str, src: str) -> dict:
    out = {}
    for k in table:
        if k not in schema:
            raise ValueError(f"{src}: unknown key {_where(section, k)}.{_suggest(k, schema)}")
    for name, spec in schema.items():
        if name not in table:
            if spec.default is _REQUIRED:
                raise ValueError(f"{src}: missing key {_where(section, name)} ({spec.form}: {spec.doc}); add e.g. "
                                 f"{name} = {spec.example}")
            out[name] = spec.default
            continue
        try:
            out[name] = spec.check(table[name]) if spec.check else table[name]
        except _Bad as why:
            raise ValueError(f"{src}: {_where(section, name)} = {table[name]!r} is invalid: expected {why}. Fix: e.g. "
                             f"{name} = {spec.example}") from None
    return out


# ---------------------------------------------------------------------------------------------------------------
# the parsed runcard
# ---------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Runcard:
    """A validated runcard (all defaults filled in).

    Attributes:
        source: the file it was read from (or "<string>"); base_dir: folder for relative input paths.
        title: free text. scenario: name. settings: {field: value} of the Settings class. base: "default" or
        "benchmark". parameters: {dotted path: value} (numbers or nested lists of numbers; presets resolved).
        slha, sweep, fit, sensitivity, output: the sections as dicts (None when absent; output always present).
        raw: the TOML as read (stored with the outputs as provenance).
    """

    source: str
    base_dir: pathlib.Path
    title: str
    scenario: str
    settings: dict
    base: str
    parameters: dict
    slha: dict | None
    sweep: dict | None
    fit: dict | None
    sensitivity: dict | None
    output: dict
    raw: dict

    def output_dir(self, override: str | pathlib.Path | None = None) -> pathlib.Path | None:
        """The output directory: ``override`` (CLI --out) or [output].directory (relative to the CWD), or None."""
        d = override if override is not None else self.output["directory"]
        return None if d is None else pathlib.Path(d).expanduser().resolve()


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
            raise ValueError(f"{src}: {where} = {v!r} is invalid: |value| > {MAX_ABS_PARAMETER:.0e} overflows the "
                             "chains' float64 arithmetic (no physical input comes near); give a value in the "
                             "parameter's units (GeV, s, ...), e.g. a mass below the Planck scale 1.2e19 GeV")
        return float(v)
    if isinstance(v, list) and v:
        out = [_check_number_tree(x, where, src, _top=False) for x in v]
        if _top:
            try:
                np.asarray(out, dtype=float)
            except ValueError:
                raise ValueError(f"{src}: {where} = {v!r} is invalid: a ragged array (rows of different lengths); "
                                 f"give a number or a flat list of numbers, e.g. {where.split('.')[-1]} = "
                                 "[1.0, 2.0]") from None
        return out
    raise ValueError(f"{src}: {where} = {v!r} is invalid: expected a number or an array of numbers, e.g. "
                     f"{where.split('.')[-1]} = 1.5 or [1.0, 2.0]")


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
        raise ValueError(f"{src}: missing section [scenario]; add\n[scenario]\nname = \"hall\"   # or \"ardu\", "
                         "\"slha\"")
    scen = _check_keys(data["scenario"], SCHEMA["scenario"], "scenario", src)
    name = scen["name"]
    params = {}
    for path, v in _flatten(data.get("parameters", {})).items():
        if path.split(".")[-1] == "dm_to_baryon" and isinstance(v, str):
            from ._slha import dm_to_baryon_value

            try:
                params[path] = dm_to_baryon_value(v)
            except ValueError as e:
                raise ValueError(f"{src}: [parameters].{path}: {e}") from None
            continue
        params[path] = _check_number_tree(v, f"[parameters].{path}", src)
    sections = {}
    for sec in ("slha", "sweep", "fit", "sensitivity"):
        sections[sec] = _check_keys(data[sec], SCHEMA[sec], sec, src) if sec in data else None
    output = _check_keys(data.get("output", {}), SCHEMA["output"], "output", src)
    # scenario-specific structure
    if name == "slha":
        if sections["slha"] is None:
            raise ValueError(f"{src}: scenario name = \"slha\" needs an [slha] section with file = \"spectrum.slha\"")
        if params or scen["settings"]:
            bad = "[parameters]" if params else "[scenario].settings"
            raise ValueError(f"{src}: {bad} is not used by the \"slha\" scenario; put its options in [slha] (keys: "
                             f"{', '.join(SCHEMA['slha'])})")
        for sec in ("sweep", "fit", "sensitivity"):
            if sections[sec] is not None:
                raise ValueError(f"{src}: [{sec}] is not available for the \"slha\" scenario (only `jaxgen predict`); "
                                 "use scenario \"hall\" or \"ardu\"")
        f = sections["slha"]["file"]
        p = pathlib.Path(f).expanduser()
        if not p.is_absolute():
            p = pathlib.Path(base_dir) / p
        if p.is_file():
            f = str(p.resolve())
        else:
            from ._slha import example_spectra

            if f not in example_spectra():
                raise ValueError(f"{src}: [slha].file = {f!r}: no such file ({p}); give a path relative to the "
                                 f"runcard's folder or a shipped example: {sorted(example_spectra())}")
        sections["slha"] = {**sections["slha"], "file": f}
        from ._slha import SlhaSettings

        try:
            SlhaSettings(**{k: v for k, v in sections["slha"].items() if k != "file"})
        except ValueError as e:
            raise ValueError(f"{src}: [slha]: {e}") from None
    elif sections["slha"] is not None:
        raise ValueError(f"{src}: [slha] only goes with [scenario] name = \"slha\" (here name = {name!r})")
    if sections["sweep"] is not None:
        sw = sections["sweep"]
        axes = []
        for i, ax in enumerate(sw["axes"]):
            a = _check_keys(ax, AXIS_KEYS, f"sweep.axes[{i}]", src)
            if a["low"] > a["high"]:
                raise ValueError(f"{src}: [sweep.axes[{i}]] (path {a['path']!r}): low = {a['low']} > high = "
                                 f"{a['high']}; swap them")
            if a["log"] and a["low"] <= 0:
                raise ValueError(f"{src}: [sweep.axes[{i}]] (path {a['path']!r}): log = true needs low > 0, got "
                                 f"{a['low']}; use a positive lower end or log = false")
            if sw["design"] == "grid" and a["n"] is None:
                raise ValueError(f"{src}: [sweep.axes[{i}]] (path {a['path']!r}): design = \"grid\" needs n (grid "
                                 "nodes) on every axis, e.g. n = 16")
            axes.append(a)
        if not axes:
            raise ValueError(f"{src}: [sweep].axes is empty; give at least one axis")
        paths = [a["path"] for a in axes]
        if len(set(paths)) != len(paths):
            raise ValueError(f"{src}: [sweep].axes has duplicate paths {paths}")
        if sw["design"] != "grid" and sw["n"] is None:
            raise ValueError(f"{src}: [sweep].n is missing: design = {sw['design']!r} needs the number of points, "
                             "e.g. n = 1024")
        plot = None
        if sw["plot"] is not None:
            plot = _check_keys(sw["plot"], PLOT_KEYS, "sweep.plot", src)
            for ax in ("x", "y"):
                if plot[ax] not in paths:
                    raise ValueError(f"{src}: [sweep.plot].{ax} = {plot[ax]!r} is not a swept axis; choose one of "
                                     f"{paths}.{_suggest(plot[ax], paths)}")
        sections["sweep"] = {**sw, "axes": axes, "plot": plot}
    if sections["fit"] is not None:
        ft = sections["fit"]
        free = [_check_keys(x, FREE_KEYS, f"fit.free[{i}]", src) for i, x in enumerate(ft["free"])]
        targets = [_check_keys(x, TARGET_KEYS, f"fit.targets[{i}]", src) for i, x in enumerate(ft["targets"])]
        if not free or not targets:
            raise ValueError(f"{src}: [fit] needs at least one free parameter and one target")
        for i, fp in enumerate(free):
            if fp["lower"] is not None and fp["upper"] is not None and fp["lower"] >= fp["upper"]:
                raise ValueError(f"{src}: [fit.free[{i}]] (path {fp['path']!r}): lower = {fp['lower']} must be < "
                                 f"upper = {fp['upper']}")
        sections["fit"] = {**ft, "free": free, "targets": targets}
    return Runcard(source=src, base_dir=pathlib.Path(base_dir).resolve(), title=top["title"], scenario=name,
                   settings=dict(scen["settings"]), base=scen["base"], parameters=params, slha=sections["slha"],
                   sweep=sections["sweep"], fit=sections["fit"], sensitivity=sections["sensitivity"], output=output,
                   raw=data)


def load_runcard(path: str | pathlib.Path) -> Runcard:
    """Read and validate a TOML runcard (``ValueError`` with the key, the expected form and the fix)."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"runcard {str(path)!r} not found")
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark is harmless
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not a UTF-8 text file (byte {e.start}: {e.reason}); TOML runcards must be "
                         "UTF-8: re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)") from None
    except OSError as e:
        raise ValueError(f"{path}: cannot be read ({e.strerror or e}); give a readable runcard file") from None
    last = text.rsplit("\n", 1)[-1]
    m = re.match(r"^\s*([\w\"'.-]+)\s*=\s*[-+]?(\d|\.\d|inf|nan)", last)
    if m:
        raise ValueError(f"{path}: line {text.count(chr(10)) + 1} ({m.group(1)} = ...), the last line "
                         f"{last.strip()!r}, has no line end: the file looks truncated, and a cut number would be "
                         "read silently. Fix: complete the file (end it with a newline)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: not valid TOML: {e}. Check quotes around strings, '=' between key and value, "
                         "and [section] headers") from None
    return parse_runcard(data, source=str(path), base_dir=path.parent)


def reference_markdown() -> str:
    """The runcard reference (every section and key: form, default, meaning) as Markdown tables, from SCHEMA."""
    def fmt_default(v):
        if v is _REQUIRED:
            return "**required**"
        if v is None:
            return "(none)"
        return "`" + json.dumps(v) + "`"

    def cell(text):
        return str(text).replace("|", "\\|")

    lines = []
    titles = {"": "top level", "parameters": "[parameters]"}
    for sec, keys in SCHEMA.items():
        lines.append(f"### {titles.get(sec, f'[{sec}]')}\n")
        if sec == "parameters":
            lines.append("Free-form: `path = value` for the fields of the scenario's Params class (`HallParams`, "
                         "`ArduParams`); numbers or arrays of numbers, nested tables or dotted keys for nested "
                         "fields (`gh.M2 = 600.0`); a field `dm_to_baryon` also takes a preset name. Fields not "
                         "given keep the `[scenario].base` point. Unknown fields are errors (with the closest "
                         "field suggested).\n")
            continue
        lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
        for k in keys.values():
            lines.append(f"| `{k.name}` | {cell(k.form)} | {cell(fmt_default(k.default))} | {cell(k.doc)} |")
        lines.append("")
        for (s, sub), subkeys in _SUB_SCHEMAS.items():
            if s == sec:
                intro = f"Keys of `[{sec}].{sub}`:\n" if sub == "plot" else f"Keys of each entry of `[{sec}].{sub}`:\n"
                lines += [intro, "| key | type | default | meaning |", "|---|---|---|---|"]
                for k in subkeys.values():
                    lines.append(f"| `{k.name}` | {cell(k.form)} | {cell(fmt_default(k.default))} | {cell(k.doc)} |")
                lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------------------------------------------
def scenario_api(name: str):
    """(Params, Settings, chain, Prediction, module) of a scenario; ``NotAvailableError`` if it cannot be imported."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose one of {sorted(SCENARIOS)}")
    modname, p, s, f, r = SCENARIOS[name]
    try:
        mod = importlib.import_module(modname)
        return getattr(mod, p), getattr(mod, s), getattr(mod, f), getattr(mod, r), mod
    except (ImportError, AttributeError) as exc:
        raise NotAvailableError(f"the {name!r} scenario chain ({modname}.{f}) is not available yet in this jaxgen "
                                f"installation ({type(exc).__name__}: {exc})") from None


def _field_names(obj) -> list[str]:
    if dataclasses.is_dataclass(obj):
        return [f.name for f in dataclasses.fields(obj)]
    return []


#: the largest integer setting accepted (step and node counts are int32 inside the compiled chains)
_MAX_INT_SETTING = 10**8


def _setting_kinds(field) -> set[str]:
    """The accepted value kinds of a Settings field ({"int", "float", "str", "bool"}), from its annotation (or the
    type of its default); an empty set means "not checked here" (the class checks it)."""
    ann = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", str(field.type))
    kinds = {t.strip() for t in str(ann).split("|")} & {"int", "float", "str", "bool"}
    if not kinds and field.default is not dataclasses.MISSING and field.default is not None:
        kinds = {type(field.default).__name__} & {"int", "float", "str", "bool"}
    return kinds


def _check_setting(field, v, where: str, src: str):
    """Type and range of one ``[scenario].settings`` value (ints in [1, 1e8], floats finite and > 0, strings,
    bools), before the Settings class sees it (which checks the choices)."""
    kinds = _setting_kinds(field)
    if not kinds:
        return v
    default = field.default if field.default is not dataclasses.MISSING else None
    example = default if default is not None else {"int": 48, "float": 1.0, "str": '"..."', "bool": True}[
        sorted(kinds)[0]]
    example = json.dumps(example) if not isinstance(example, str) or not example.startswith('"') else example
    if isinstance(v, bool):
        ok = "bool" in kinds
    elif isinstance(v, int):
        ok = "int" in kinds or "float" in kinds
    elif isinstance(v, float):
        ok = "float" in kinds
    else:
        ok = isinstance(v, str) and "str" in kinds
    form = {"int": f"an integer in [1, {_MAX_INT_SETTING:.0e}]", "float": "a positive finite number",
            "str": "a string", "bool": "true or false"}
    expected = " or ".join(form[k] for k in sorted(kinds))
    if ok and isinstance(v, (int, float)) and not isinstance(v, bool):
        if "int" in kinds and "float" not in kinds:
            ok = 1 <= v <= _MAX_INT_SETTING
        else:
            ok = math.isfinite(v) and v > 0
    if not ok:
        raise ValueError(f"{src}: {where} = {v!r} is invalid: expected {expected}. Fix: e.g. "
                         f"{field.name} = {example}")
    return float(v) if kinds == {"float"} else v


def build_settings(card: Runcard):
    """The scenario's Settings object from ``[scenario].settings``: unknown fields -> ValueError with a suggestion;
    each value's type and range are checked against the field (ints >= 1, floats finite and > 0, strings, bools)
    before the class checks the choices; every error names the key ``[scenario].settings.<field>`` and the fix."""
    _, Settings, _, _, _ = scenario_api(card.scenario)
    valid = _field_names(Settings)
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    kwargs = {}
    for k, v in card.settings.items():
        if k not in valid:
            raise ValueError(f"{card.source}: unknown key [scenario].settings.{k} for {Settings.__name__}."
                             f"{_suggest(k, valid)}")
        where = f"[scenario].settings.{k}"
        if isinstance(v, (dict, list)):
            raise ValueError(f"{card.source}: {where} = {v!r} is invalid: expected a single value (a string, "
                             f"number or true/false), not a {'table' if isinstance(v, dict) else 'list'}. Fix: "
                             f"e.g. {k} = {json.dumps(fields[k].default) if fields[k].default is not None else 1}")
        kwargs[k] = _check_setting(fields[k], v, where, card.source)
    try:
        return Settings(**kwargs)
    except (TypeError, ValueError) as e:
        named = _named_keys(str(e), kwargs)
        where = f"[scenario].settings.{named[0]} = {kwargs[named[0]]!r}" if named else "[scenario].settings"
        raise ValueError(f"{card.source}: {where} is invalid: {e}. Fix the value in the runcard (or remove it to "
                         "use the default)") from None


def _names_word(text: str, name: str) -> bool:
    import re

    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None


def _named_keys(text: str, keys) -> list[str]:
    """The keys (dotted paths: their first part) named in an error message, the one the message is about first
    (quoted, ``Class.name`` or ``name must``), then in order of appearance."""
    import re

    hits = []
    for k in keys:
        name = k.split(".")[0]
        if not _names_word(text, name):
            continue
        pat = rf"['.]{re.escape(name)}(?![\w])|(?<![\w]){re.escape(name)} must"
        hits.append((0 if re.search(pat, text) else 1, text.find(name), k))
    return [k for _, _, k in sorted(hits)]


def _valid_paths(tree) -> list[str]:
    import jax

    out = set(_field_names(tree)) | set(_leaf_paths(tree))
    names = _leaf_paths(tree)
    for n, leaf in zip(names, jax.tree_util.tree_leaves(tree)):
        if np.ndim(leaf) == 1:
            out |= {f"{n}.{i}" for i in range(np.shape(leaf)[0])}
    return sorted(out)


def build_params(card: Runcard):
    """The scenario's Params point: the ``[scenario].base`` point with every ``[parameters]`` path replaced
    (``"phase.0"`` sets element 0 of an array field)."""
    import inspect

    import jax.numpy as jnp

    Params, _, _, _, _ = scenario_api(card.scenario)
    if card.base == "benchmark":
        if not hasattr(Params, "benchmark"):
            raise ValueError(f"{card.source}: [scenario].base = \"benchmark\" but {Params.__name__} has no "
                             "benchmark(); use base = \"default\"")
        kwargs = {k: card.settings[k] for k in inspect.signature(Params.benchmark).parameters if k in card.settings}
        base = Params.benchmark(**kwargs)  # e.g. ArduParams.benchmark(nlsp=...) takes nlsp from the settings
    else:
        required = [f.name for f in dataclasses.fields(Params)
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
        missing = [k for k in required if k not in card.parameters]
        if missing:
            raise ValueError(f"{card.source}: {Params.__name__} has no default for {missing}: give them in "
                             f"[parameters] (e.g. {missing[0]} = ...), or start from [scenario] base = \"benchmark\"")
        try:
            base = Params(**{k: jnp.asarray(card.parameters[k], dtype=jnp.result_type(float)) for k in required})
        except (TypeError, ValueError) as e:
            raise ValueError(f"{card.source}: [parameters]: {e}") from None
    for path, v in card.parameters.items():
        try:
            old = _get_path(base, path)
        except ValueError:
            raise ValueError(f"{card.source}: unknown parameter [parameters].{path} for {Params.__name__}."
                             f"{_suggest(path, _valid_paths(base))}") from None
        new = jnp.asarray(v, dtype=jnp.result_type(float))
        if old is not None and np.shape(old) != new.shape and (np.ndim(old) == 0 or new.ndim != np.ndim(old)):
            raise ValueError(f"{card.source}: [parameters].{path} = {v!r} has shape {list(new.shape)} but "
                             f"{Params.__name__}.{path} has shape {list(np.shape(old))}; give "
                             + ("a single number" if np.ndim(old) == 0 else
                                f"a flat list of numbers, e.g. {path} = {np.asarray(old).tolist()}"))
        base = _set_path(base, path, new)
    _check_params(card, base)
    return base


def _check_params(card: Runcard, params) -> None:
    """Run the Params class's own checks on the final single point (values, ranges, array lengths): the point is
    rebuilt from Python numbers / NumPy arrays, so that checks the class does only on concrete inputs run. A failure
    becomes ``ValueError`` naming the ``[parameters]`` key and the fix."""
    cls = type(params)
    if not dataclasses.is_dataclass(cls):
        return
    kwargs = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        v = getattr(params, f.name)
        if hasattr(v, "shape") and hasattr(v, "dtype"):
            a = np.asarray(v)
            v = a.item() if a.ndim == 0 else a
        kwargs[f.name] = v
    try:
        cls(**kwargs)
    except (TypeError, ValueError) as e:
        named = _named_keys(str(e), card.parameters)
        if named:
            k = named[0]
            raise ValueError(f"{card.source}: [parameters].{k} = {card.parameters[k]!r} is invalid: {e}. Fix "
                             f"[parameters].{k} in the runcard (or remove it to keep the [scenario].base = "
                             f"{card.base!r} value)") from None
        raise ValueError(f"{card.source}: [parameters] do not make a valid {cls.__name__} point: {e}") from None


def validate(card: Runcard) -> list[str]:
    """Check every path of the runcard against the scenario's classes without running anything (no tracing):
    [parameters], [scenario].settings, [sweep].axes paths, [fit].free paths and [sensitivity].inputs against the
    Params point; [fit].targets, [sensitivity].outputs and [sweep.plot].z against the Prediction class fields (an
    element ``"field.N"`` of an array field is accepted). Returns the list of checks done; raises ``ValueError``
    (with the closest valid name) or ``NotAvailableError``."""
    done = []
    if card.scenario == "slha":
        return ["[slha] validated at load time"]
    _, _, _, Prediction, _ = scenario_api(card.scenario)
    build_settings(card)
    base = build_params(card)
    done.append("[parameters] and [scenario].settings")
    valid_in = _valid_paths(base)
    pred_fields = _field_names(Prediction)

    def check_in(path, where):
        try:
            _get_path(base, path)
        except ValueError:
            raise ValueError(f"{card.source}: {where} = {path!r} is not a parameter of the {card.scenario!r} "
                             f"scenario.{_suggest(path, valid_in)}") from None

    float_fields = [f for f in pred_fields if f not in _INTEGER_OUTPUTS]

    def check_out(path, where, numeric=True):
        top, _, rest = path.partition(".")
        if pred_fields and (top not in pred_fields or (rest and not rest.isdigit())):
            raise ValueError(f"{card.source}: {where} = {path!r} is not a prediction field of the "
                             f"{card.scenario!r} scenario.{_suggest(path, pred_fields)}")
        if numeric and top in _INTEGER_OUTPUTS:
            raise ValueError(f"{card.source}: {where} = {path!r} is an integer bit field (decoded by the scenario's "
                             "status_names), not a physical output: it has no derivative and cannot be fitted. Fix: "
                             f"use a float field, e.g. one of {float_fields[:6]}")

    if card.sweep is not None:
        for i, a in enumerate(card.sweep["axes"]):
            check_in(a["path"], f"[sweep.axes[{i}]].path")
        if card.sweep["plot"] is not None:
            z = card.sweep["plot"]["z"]
            check_out(z[:-4] if z.endswith("_out") else z, "[sweep.plot].z", numeric=False)
        for k in card.sweep["units"]:
            base_k = k[:-4] if k.endswith("_out") else k
            if pred_fields and base_k.split(".")[0] not in pred_fields:
                raise ValueError(f"{card.source}: [sweep].units names {k!r}, not a result field of the "
                                 f"{card.scenario!r} scenario.{_suggest(k, pred_fields)} Fix: remove it or use a "
                                 "result field name")
        done.append("[sweep] paths")
    if card.fit is not None:
        for i, f in enumerate(card.fit["free"]):
            check_in(f["path"], f"[fit.free[{i}]].path")
            _check_free(card, base, f, i)
        for i, t in enumerate(card.fit["targets"]):
            check_out(t["path"], f"[fit.targets[{i}]].path")
        done.append("[fit] paths")
    if card.sensitivity is not None:
        for p in card.sensitivity["inputs"] or []:
            check_in(p, "[sensitivity].inputs")
        for p in card.sensitivity["outputs"] or []:
            check_out(p, "[sensitivity].outputs")
        done.append("[sensitivity] paths")
    return done


#: prediction fields that are integer bit fields (no derivative; not fit targets or sensitivity outputs)
_INTEGER_OUTPUTS = ("status", "flags")


def _check_free(card: Runcard, base, f: dict, i: int) -> None:
    """A ``[fit].free`` entry: transform and bounds consistent (jaxgen.fit.FreeParameter's own checks) and a log
    transform only for a positive starting value."""
    where = f"[fit.free[{i}]] (path {f['path']!r})"
    try:
        fitmod = importlib.import_module("jaxgen._fit")
    except ImportError:
        return
    try:
        fp = fitmod.FreeParameter(f["path"], transform=f["transform"], lower=f["lower"], upper=f["upper"])
        value = float(np.asarray(_get_path(base, f["path"])))
        kind = fp.resolved(value)[0]
    except (TypeError, ValueError) as e:
        raise ValueError(f"{card.source}: {where}: {e}. Fix the transform/lower/upper of this entry (see the "
                         "[fit].free keys in docs/cli.md)") from None
    if kind == "log" and not value > 0:
        raise ValueError(f"{card.source}: {where}: a log transform needs a positive starting value, but the point "
                         f"has {f['path']} = {value}; set it > 0 in [parameters] or use transform = \"identity\"")


def _chain(card: Runcard):
    _, _, f, _, _ = scenario_api(card.scenario)
    settings = build_settings(card)

    def chain(params):
        return f(params, settings)

    chain.__qualname__ = f"{f.__module__}.{f.__name__}"
    return chain, settings


# ---------------------------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------------------------
_UNIT_HINTS = [  # (prefix or name, unit): fallback when the prediction class documents no UNITS mapping
    ("t_ratio", "1"), ("m_", "GeV"), ("mu_", "GeV"), ("mass", "GeV"), ("t_", "GeV"), ("temperature", "GeV"),
    ("tau_", "s"), ("lifetime", "s"), ("decay_length", "m"), ("sigma_v", "GeV^-2"), ("width", "GeV"),
    ("bbn_bound", "GeV"), ("losp_lifetime", "s"),
]


def units_for(pred, names) -> dict:
    """Units of prediction fields: a ``UNITS`` mapping on the prediction (class or module) if present, else hints
    from the field names (m_* GeV, tau_* s, decay_length m, otherwise "1")."""
    table = dict(getattr(pred, "UNITS", None) or getattr(importlib.import_module(type(pred).__module__), "UNITS", None)
                 or {})
    out = {}
    for n in names:
        top = n.split(".")[0]
        if n in table or top in table:
            out[n] = table.get(n, table.get(top))
            continue
        if n == "status" or top == "status":
            out[n] = "1"
            continue
        u = "1"
        for pre, unit in _UNIT_HINTS:
            if top.startswith(pre) or top == pre:
                u = unit
                break
        out[n] = u
    return out


def _provenance(card: Runcard | None, extra: dict | None = None) -> dict:
    from ._io import package_versions

    attrs = {"software": "jaxgen", "versions": json.dumps(package_versions())}
    if card is not None:
        attrs.update({"title": card.title, "runcard": card.source, "scenario": card.scenario,
                      "runcard_toml": json.dumps(card.raw, default=str)})
    for k, v in (extra or {}).items():
        attrs[k] = v if isinstance(v, (str, int, float)) else json.dumps(v, default=str)
    return attrs


def prediction_dataset(pred, attrs: dict | None = None, units: dict | None = None):
    """A prediction PyTree (one point, or a batch along a leading axis ``point`` if ``batched``) as an
    ``xarray.Dataset``: one variable per leaf (dotted field path), ``units`` attributes, provenance ``attrs``."""
    import jax

    try:
        import xarray as xr
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Datasets need xarray (the 'io' extra): pip install 'jaxgen[io]'") from exc
    names = _leaf_paths(pred)
    leaves = jax.tree_util.tree_leaves(pred)
    units = {**units_for(pred, names), **(units or {})}
    data = {}
    for n, leaf in zip(names, leaves):
        v = np.asarray(leaf)
        if v.dtype == np.bool_:
            v = v.astype(np.int8)
        dims = tuple(f"{n}_dim{k}" for k in range(v.ndim))
        data[n] = xr.Variable(dims, v, {"units": units.get(n, "1")})
    return xr.Dataset(data, attrs=dict(attrs or {}))


def _csv_rows(ds):
    """Rows for CSV: a single point -> (quantity, value, units); a sweep (dim 'point') -> one row per point."""
    if "point" in ds.dims:
        cols, arrays = ["point"], [ds["point"].values]
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
    rows = [["quantity", "value", "units"]]
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
        for k, d in enumerate(v.dims):
            c = per[k] if k < len(per) else "-"
            per_units.append([str(x) for x in ds.coords[c].values] if c in ds.coords else None)
        for idx in np.ndindex(*a.shape):
            x = a[idx]
            if per_units and any(pu is not None for pu in per_units):
                parts = [pu[i] for pu, i in zip(per_units, idx) if pu is not None and pu[i] not in ("", "1")]
                uu = "*".join(parts) if parts else "1"
            else:
                uu = u
            rows.append([f"{n}[{','.join(lab[i] for lab, i in zip(labels, idx))}]",
                         x.item() if hasattr(x, "item") else x, uu])
    return rows


def _inside(out: pathlib.Path, path: pathlib.Path) -> pathlib.Path:
    path = pathlib.Path(path).resolve()
    if out.resolve() not in (path, *path.parents):
        raise ValueError(f"refusing to write {path}: outside the output directory {out}")
    return path


def write_dataset(ds, out: pathlib.Path, stem: str, formats) -> list[pathlib.Path]:
    """Write ``ds`` as ``<out>/<stem>.nc`` (NetCDF) and/or ``<out>/<stem>.csv``; returns the paths written."""
    import csv

    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "netcdf" in formats:
        p = _inside(out, out / f"{stem}.nc")
        ds.to_netcdf(p, engine="netcdf4")
        written.append(p)
    if "csv" in formats:
        p = _inside(out, out / f"{stem}.csv")
        with open(p, "w", newline="") as fh:
            w = csv.writer(fh)
            for row in _csv_rows(ds):
                w.writerow([repr(float(x)) if isinstance(x, float) else x for x in row])
        written.append(p)
    return written


# ---------------------------------------------------------------------------------------------------------------
# runners
# ---------------------------------------------------------------------------------------------------------------
def _write_runcard_copy(card: Runcard, out: pathlib.Path) -> list[pathlib.Path]:
    """Copy the runcard into the output directory (provenance); returns [path] or []."""
    if card.source != "<string>" and pathlib.Path(card.source).is_file():
        p = _inside(out, out / "runcard.toml")
        p.write_text(pathlib.Path(card.source).read_text())
        return [p]
    return []


def _table_text(ds) -> str:
    rows = _csv_rows(ds)
    w = max(len(str(r[0])) for r in rows)
    lines = []
    for r in rows[1:]:
        val = r[1]
        sval = f"{val:.6g}" if isinstance(val, float) else str(val)
        lines.append(f"  {str(r[0]):<{w}}  {sval:>14}  {r[2] if r[2] not in ('1', '') else ''}".rstrip())
    return "\n".join(lines)


def run_predict(card: Runcard, out: pathlib.Path | None = None, quiet: bool = False) -> dict:
    """``jaxgen predict`` for a runcard: evaluate the scenario at the runcard's point (or the SLHA spectrum).

    Returns {"text": printable table, "dataset": xarray.Dataset, "written": [paths], "prediction": the PyTree}.
    """
    out = card.output_dir(out)
    formats = card.output["formats"]
    if card.scenario == "slha":
        from ._slha import SlhaSettings, example_spectra, predict_spectrum

        opts = dict(card.slha)
        f = opts.pop("file")
        if not pathlib.Path(f).exists() and f in example_spectra():
            f = example_spectra()[f]
        from ._slha import read_slha

        spec = read_slha(f, strict=opts.get("strict", True))
        pred = predict_spectrum(spec, SlhaSettings(**opts))
        ds = pred.to_dataset()
        ds.attrs.update(_provenance(card))
        text = pred.table()
        stem = pathlib.Path(str(f)).stem
        written = []
        if out is not None:
            written = write_dataset(ds, out, stem, formats)
            if "png" in formats:
                from . import plotting

                written.append(plotting.plot_spectra(
                    [pred], _inside(out, out / f"{stem}_mx.png"), labels=[stem]))
            written += _write_runcard_copy(card, out)
        return {"text": text, "dataset": ds, "written": written, "prediction": pred, "skipped": spec.skipped}
    import jax

    chain, settings = _chain(card)
    params = build_params(card)
    pred = jax.jit(chain)(params)
    ds = prediction_dataset(pred, _provenance(card, {"settings": repr(settings)}))
    text = f"{card.title or card.scenario} ({card.scenario}; {type(pred).__name__})\n" + _table_text(ds)
    for field in ("status", "flags"):
        if field in ds:
            code = int(np.asarray(ds[field].values).reshape(-1)[0])
            text += f"\n  {field}: {code} ({_status_text(card, code)})"
    written = []
    if out is not None:
        written = write_dataset(ds, out, "predict", formats)
        written += _write_runcard_copy(card, out)
    return {"text": text, "dataset": ds, "written": written, "prediction": pred}


def run_sweep_card(card: Runcard, out: pathlib.Path | None = None, quiet: bool = False, *,
                   force_csv: bool = False, allow_large: bool = False) -> dict:
    """``jaxgen sweep``: the runcard's design over the scenario chain, resumable NetCDF chunks in ``<out>/sweep``,
    a CSV of all points and an optional heat map (``[sweep].plot``).

    The outputs are streamed from the verified chunk files one chunk at a time, so memory stays bounded by the chunk
    size: ``sweep.csv`` is written atomically and only up to :data:`CSV_MAX_POINTS` points unless ``force_csv``;
    the returned ``"dataset"`` is the whole sweep only up to that size (else None: read it with
    ``jaxgen.sweep.load_sweep`` / ``iter_chunks``).  Sweeps above :data:`LARGE_SWEEP_POINTS` points raise a
    ValueError with the estimated disk use and run time unless ``allow_large``.  The NetCDF ``status`` and
    ``flags`` variables carry the names of their bits (:func:`status_attributes`)."""
    from . import _sweep

    if card.sweep is None:
        raise ValueError(f"{card.source}: no [sweep] section; add one (see docs/cli.md)")
    validate(card)
    out = card.output_dir(out)
    sw = card.sweep
    chain0, _ = _chain(card)
    base0 = build_params(card)
    axes = []
    for i, a in enumerate(sw["axes"]):
        try:
            _get_path(base0, a["path"])
        except ValueError:
            raise ValueError(f"{card.source}: [sweep.axes[{i}]].path = {a['path']!r} is not a parameter."
                             f"{_suggest(a['path'], _valid_paths(base0))}") from None
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
    units = {rename[k]: v for k, v in units_for(pred_shape, names0).items()}
    for k, v in sw["units"].items():
        if k not in rename and k not in names:
            raise ValueError(f"{card.source}: [sweep].units names {k!r}, not a result field.{_suggest(k, names)}")
        units[rename.get(k, k)] = v
    if sw["plot"] is not None and rename.get(sw["plot"]["z"], sw["plot"]["z"]) not in names:
        raise ValueError(f"{card.source}: [sweep.plot].z = {sw['plot']['z']!r} is not a result field."
                         f"{_suggest(sw['plot']['z'], names0)}")
    n_points = design.n_points
    size = sweep_size_estimate(card, pred_shape, n_points, len(axes))
    if n_points > LARGE_SWEEP_POINTS and not allow_large:
        raise ValueError(f"{card.source}: the sweep has {n_points:.3g} points, more than {LARGE_SWEEP_POINTS:.0e}: "
                         f"{size['text']}. Check the design ([sweep].n, or the product of the grid's n), or "
                         "confirm with `jaxgen sweep --allow-large` (Python: allow_large=True)")
    status_attrs = status_attributes(card.scenario)
    res = _sweep.run_sweep(chain, design, chunk_size=sw["chunk_size"], out=None if out is None else out / "sweep",
                           units=units, quiet=quiet, description=card.title or f"{card.scenario} sweep",
                           result_attrs={k: v for k, v in status_attrs.items() if k in names})
    written = []
    title = card.title or card.scenario + " sweep"
    if out is None:
        ds = res.dataset
        ds.attrs.update(_provenance(card))
        n_ok = int(np.asarray(ds["ok"]).sum())
    else:
        ds, n_ok, written = _sweep_outputs(card, out, res, rename, quiet=quiet, force_csv=force_csv)
    text = (f"{title}: {res.n_points} points ({sw['design']}), "
            f"{res.chunks_computed} chunk(s) computed, {res.chunks_skipped} skipped (resume)"
            + (f", {len(res.chunks_recomputed)} failed verification and recomputed" if res.chunks_recomputed else "")
            + f", ok: {n_ok}/{res.n_points}; compile {res.compile_s:.2f} s, {res.points_per_s:.3g} points/s")
    if ds is None:
        text += f"\n(more than {CSV_MAX_POINTS} points: not loaded into memory; jaxgen.sweep.load_sweep or " \
                "iter_chunks reads the NetCDF chunks)"
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
    return {"bytes_per_point": per_point, "bytes": nbytes, "seconds": seconds,
            "text": f"about {nbytes / 1e9:.3g} GB of NetCDF ({per_point} bytes per point) and of order "
                    f"{seconds / 3600:.3g} h of compute on 2 CPU cores at {_NOMINAL_POINTS_PER_S:.0e} points/s"}


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
    if n <= CSV_MAX_POINTS:
        return []
    chain, _ = _chain(card)
    size = sweep_size_estimate(card, jax.eval_shape(chain, build_params(card)), n, len(card.sweep["axes"]))
    msg = [f"sweep of {n:.3g} points: {size['text']}; sweep.csv is written only with --csv above {CSV_MAX_POINTS}"]
    if n > LARGE_SWEEP_POINTS:
        msg.append(f"warning: more than {LARGE_SWEEP_POINTS:.0e} points; `jaxgen sweep` refuses to start without "
                   "--allow-large")
    return msg


def status_attributes(scenario: str) -> dict[str, dict]:
    """NetCDF attributes naming the bits of a scenario's ``status`` and ``flags`` fields (CF ``flag_masks`` /
    ``flag_meanings``, plus ``flag_descriptions``), from the ``STATUS_*`` constants and ``STATUS_MESSAGES`` of the
    scenario module; {} when the module defines none."""
    try:
        mod = scenario_api(scenario)[4]
    except (ValueError, NotAvailableError):
        return {}
    messages = getattr(mod, "STATUS_MESSAGES", {}) or {}
    bits = {}
    for name in dir(mod):
        v = getattr(mod, name)
        if (name.startswith("STATUS_") and isinstance(v, int) and not isinstance(v, bool) and v > 0
                and v & (v - 1) == 0 and not name.endswith("_MASK")):
            bits.setdefault(v, name[len("STATUS_"):].lower())
    if not bits:
        return {}
    error_mask = getattr(mod, "STATUS_ERROR_MASK", getattr(mod, "STATUS_INVALID", None))

    def attrs(select):
        sel = sorted(b for b in bits if select(b))
        if not sel:
            return None
        return {"flag_masks": np.asarray(sel, np.int32), "flag_meanings": " ".join(bits[b] for b in sel),
                "flag_descriptions": "; ".join(f"{b}: {messages.get(b, bits[b])}" for b in sel)}

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

    from . import _io

    sw = card.sweep
    formats = card.output["formats"]
    n = res.n_points
    want_csv = "csv" in formats and (n <= CSV_MAX_POINTS or force_csv)
    pl = sw["plot"] if (sw["plot"] is not None and "png" in formats) else None
    keep = n <= CSV_MAX_POINTS
    say = (lambda msg: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    written = [out / "sweep"]
    if "csv" in formats and not want_csv:
        say(f"{card.source}: {n} points > {CSV_MAX_POINTS}: sweep.csv not written (NetCDF in {out / 'sweep'}); "
            "pass --csv to write it anyway")
    if want_csv or pl is not None or keep:
        say(f"reading the {res.n_chunks} verified chunk(s) of {out / 'sweep'}"
            + (" and writing sweep.csv" if want_csv else "") + (" and the heat map" if pl is not None else ""))
    n_ok = 0
    parts, cols = [], {"x": [], "y": [], "z": [], "valid": []}
    _io.remove_stale_temporaries(out)  # e.g. the sweep.csv temp file of a run killed while writing it
    csv_path = _inside(out, out / "sweep.csv")
    tmp = _io._tmp_name(csv_path)  # owner-named, like every temp file of a sweep directory
    fh = open(tmp, "w", newline="") if want_csv else None
    try:
        header = None
        for _, chunk in _io.iter_chunks(out / "sweep"):
            n_ok += int(np.asarray(chunk["ok"].values).sum())
            if fh is not None:
                rows = _csv_rows(chunk)
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
        ds.attrs.update(_provenance(card))
    if pl is not None:
        import xarray as xr

        from . import plotting

        z = rename.get(pl["z"], pl["z"])
        small = xr.Dataset({pl["x"]: xr.concat(cols["x"], "point"), pl["y"]: xr.concat(cols["y"], "point"),
                            z: xr.concat(cols["z"], "point")})
        written.append(plotting.plot_sweep_heatmap(small, pl["x"], pl["y"], z, _inside(out, out / "sweep_heatmap.png"),
                                                   statistic=pl["statistic"], bins=pl["bins"],
                                                   valid=np.concatenate(cols["valid"])))
    written += _write_runcard_copy(card, out)
    return ds, n_ok, written


def _valid_mask(card: Runcard, ds):
    """Points whose predictions are usable: ``status & STATUS_INVALID == 0`` when the scenario module defines that
    mask (its other status bits are informational), else ``ok`` (status == 0 and finite)."""
    _, _, _, _, mod = scenario_api(card.scenario)
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


def _fit_api():
    try:
        fitmod = importlib.import_module("jaxgen.fit")
        return fitmod.FreeParameter, fitmod.Target, fitmod.fit
    except (ImportError, AttributeError) as exc:
        raise NotAvailableError(f"`jaxgen fit` needs jaxgen.fit (FreeParameter, Target, fit), which is not "
                                f"available yet in this installation ({type(exc).__name__}: {exc})") from None


def run_fit_card(card: Runcard, out: pathlib.Path | None = None, quiet: bool = False) -> dict:
    """``jaxgen fit``: fit the ``[fit].free`` parameters to the ``[fit].targets`` (multi-start, jaxgen.fit)."""
    if card.fit is None:
        raise ValueError(f"{card.source}: no [fit] section; add one (see docs/cli.md)")
    FreeParameter, Target, fit = _fit_api()
    validate(card)
    out = card.output_dir(out)
    chain, _ = _chain(card)
    base = build_params(card)
    ft = card.fit
    free = [FreeParameter(f["path"], transform=f["transform"], lower=f["lower"], upper=f["upper"])
            for f in ft["free"]]
    targets = [Target(t["path"], t["value"], t["sigma"]) for t in ft["targets"]]
    kw = dict(n_starts=ft["n_starts"], seed=ft["seed"])
    if ft["steps"] is not None:
        kw["steps"] = ft["steps"]
    res = fit(chain, base, free, targets, **kw)
    ds = _fit_dataset(res, card)
    problems = fit_problems(res, card)
    text = f"{card.title or card.scenario + ' fit'}\n" + fit_table_text(res, card, problems)
    written = []
    if out is not None:
        written = write_dataset(ds, out, "fit", [f for f in card.output["formats"] if f != "png"])
        if "png" in card.output["formats"]:
            from . import plotting

            import inspect

            steps = kw.get("steps", inspect.signature(fit).parameters["steps"].default)
            bad = getattr(importlib.import_module("jaxgen._fit"), "BAD_CHI2", 1e29)
            written.append(plotting.plot_fit_history(res.history, _inside(out, out / "fit_history.png"),
                                                     adam_steps=steps if isinstance(steps, int) else None,
                                                     bad_chi2=0.1 * float(bad)))
        written += _write_runcard_copy(card, out)
    return {"text": text, "dataset": ds, "written": written, "result": res, "problems": problems}


_PARAM_UNIT_HINTS = [("phase", "rad"), ("phi", "rad"), ("lam", "1"), ("lambda", "1"), ("kappa", "1"),
                     ("b_kappa", "GeV"), ("sigma_v", "GeV^-2"), ("m_", "GeV"), ("mass", "GeV")]
#: what the fit's internal transforms are called in tables (the optimizer's coordinate)


def param_units(path: str) -> str:
    """Units of a Params field from its name (masses GeV, phases rad, couplings 1; ``"1"`` when unknown)."""
    top = path.split(".")[0]
    for pre, unit in _PARAM_UNIT_HINTS:
        if top == pre or top.startswith(pre):
            return unit
    return "1"


def _fit_target_units(res, card) -> list[str]:
    names = [str(n) for n in res.target_names]
    try:
        table = units_for(res.prediction, names)
    except (ImportError, TypeError, ValueError):  # no units table: hints from the names
        table = units_for(None, names)
    return [table.get(n, "1") for n in names]


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
            out.append("fit status: NOT CONVERGED (the best start did not converge; raise [fit].steps or check "
                       "the targets)")
        free = {f["path"]: f for f in card.fit["free"]}
        for j, nm in enumerate(res.names):
            lo, hi = free.get(nm, {}).get("lower"), free.get(nm, {}).get("upper")
            kind = str(res.transforms[j])
            if lo is None or hi is None or kind not in ("logit", "loglogit"):
                continue
            x = float(np.asarray(res.x)[j])
            t = ((math.log(x) - math.log(lo)) / (math.log(hi) - math.log(lo)) if kind == "loglogit" and x > 0
                 else (x - lo) / (hi - lo))
            if not 1e-3 < t < 1 - 1e-3:
                out.append(f"fit status: AT BOUND: {nm} = {x:.6g} ended at a bound of [{lo:.4g}, {hi:.4g}]; widen "
                           "the bounds in [fit].free")
        if int(res.status) != 0:
            out.append(f"fit status: the best fit is not a valid chain point (chain status {int(res.status)}: "
                       f"{', '.join(_status_names(card, int(res.status))) or '?'})")
    return out


def _status_names(card, code: int) -> list[str]:
    try:
        mod = scenario_api(card.scenario)[4]
    except (ValueError, NotAvailableError):
        return []
    fn = getattr(mod, "status_names", None)
    if fn is not None:
        return list(fn(int(code)))
    messages = getattr(mod, "STATUS_MESSAGES", None) or {}
    return [m for bit, m in messages.items() if int(code) & int(bit)]


def _status_text(card, code: int) -> str:
    """``"ok"`` or the names of the bits set in a scenario status code."""
    if int(code) == 0:
        return "ok"
    return ", ".join(_status_names(card, int(code))) or f"unknown bits {int(code)}"


def fit_table_text(res, card, problems=()) -> str:
    """The fit result as a plain table: parameter, best fit, 1-sigma error, units, range (no internal transform
    names), then chi^2, the starts and the fit status by name."""
    from ._fit import TRANSFORM_LABELS

    rows = [("parameter", "best fit", "1-sigma", "units", "fitted as")]
    free = {f["path"]: f for f in card.fit["free"]}
    for j, nm in enumerate(res.names):
        f = free.get(nm, {})
        kind = TRANSFORM_LABELS.get(str(res.transforms[j]), str(res.transforms[j]))
        if f.get("lower") is not None and f.get("upper") is not None:
            kind += f" in [{f['lower']:.4g}, {f['upper']:.4g}]"
        err = float(np.asarray(res.errors)[j])
        rows.append((nm, f"{float(np.asarray(res.x)[j]):.6g}", f"{err:.3g}", param_units(nm), kind))
    tunits = _fit_target_units(res, card)
    width = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  " + "  ".join(c.ljust(width[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  " + "  ".join("-" * w for w in width))
    lines += ["", "  target residuals (prediction - value)/sigma:"]
    for n, r, u in zip(res.target_names, np.asarray(res.residuals, float), tunits):
        lines.append(f"    {str(n):<20} {r:+.3g}   ({u})" if u not in ("", "1") else f"    {str(n):<20} {r:+.3g}")
    n_ok = int(np.sum(np.asarray(res.chi2_starts) < float(getattr(importlib.import_module("jaxgen._fit"),
                                                                   "BAD_CHI2", 1e30))))
    lines += ["", f"  chi^2 = {float(res.chi2):.4g} for {int(res.n_dof)} degrees of freedom; best of "
                  f"{len(np.asarray(res.chi2_starts))} starts ({n_ok} valid, "
                  f"{int(np.sum(np.asarray(res.converged_starts)))} converged)",
              f"  chain status at the best fit: {int(res.status)} ({_status_text(card, int(res.status))})"]
    if problems:
        lines += [f"  {m}" for m in problems]
    else:
        lines.append("  fit status 0 (ok)")
    return "\n".join(lines)


def _fit_dataset(res, card):
    """A FitResult (jaxgen.fit) as an xarray.Dataset: best fit, errors, covariance, per-start results, history."""
    import xarray as xr

    from ._fit import TRANSFORM_LABELS

    names = np.asarray(res.names, dtype=str)
    data = {
        "best": xr.Variable(("parameter",), np.asarray(res.x, float), {"long_name": "best-fit physical value"}),
        "error": xr.Variable(("parameter",), np.asarray(res.errors, float),
                             {"long_name": "Laplace 1-sigma error (physical units)"}),
        "covariance": xr.Variable(("parameter", "parameter_2"), np.asarray(res.cov, float)),
        "transform": xr.Variable(("parameter",), np.asarray([TRANSFORM_LABELS.get(str(t), str(t))
                                                             for t in res.transforms], dtype=str)),
        "chi2": xr.Variable((), float(res.chi2), {"units": "1"}),
        "n_dof": xr.Variable((), int(res.n_dof)),
        "converged": xr.Variable((), int(bool(res.converged))),
        "laplace_ok": xr.Variable((), int(bool(res.laplace_ok))),
        "status": xr.Variable((), int(res.status), {"description": "the chain's status at the best fit (0 = ok)"}),
        **({"fit_status": xr.Variable((), int(res.fit_status), {
            "description": "the fit's own status bits (0 = ok): " + "; ".join(
                f"{b} = {n}" for b, n in getattr(importlib.import_module("jaxgen._fit"), "FIT_STATUS_BITS",
                                                 {}).items())})} if getattr(res, "fit_status", None) is not None
           else {}),
        "residual": xr.Variable(("target",), np.asarray(res.residuals, float), {"long_name": "(pred - value)/sigma"}),
        "chi2_start": xr.Variable(("start",), np.asarray(res.chi2_starts, float)),
        "x_start": xr.Variable(("start", "parameter"), np.asarray(res.x_starts, float),
                               {"long_name": "final point of each start"}),
        "x_init": xr.Variable(("start", "parameter"), np.asarray(res.x_init, float)),
        "history": xr.Variable(("start", "step"), np.asarray(res.history, float), {"long_name": "chi2 per step"}),
    }
    punits = [param_units(str(n)) for n in res.names]
    for k in ("best", "error"):
        data[k].attrs["units_per"] = "parameter_units"
    data["covariance"].attrs["units_per"] = "parameter_units parameter_units"
    for k in ("x_start", "x_init"):
        data[k].attrs["units_per"] = "- parameter_units"
    data["chi2_start"].attrs["units"] = "1"
    data["history"].attrs["units"] = "1"
    return xr.Dataset(data, coords={"parameter": names, "parameter_2": names,
                                    "parameter_units": ("parameter", np.asarray(punits, dtype=str)),
                                    "target": np.asarray(res.target_names, dtype=str),
                                    "target_units": ("target", np.asarray(_fit_target_units(res, card), dtype=str))},
                      attrs=_provenance(card, {"free": card.fit["free"], "targets": card.fit["targets"]}))


def _sensitivity_api():
    try:
        mod = importlib.import_module("jaxgen.sensitivity")
        return mod.jacobian
    except (ImportError, AttributeError) as exc:
        raise NotAvailableError(f"`jaxgen sensitivity` needs jaxgen.sensitivity.jacobian, which is not available "
                                f"yet in this installation ({type(exc).__name__}: {exc})") from None


def run_sensitivity_card(card: Runcard, out: pathlib.Path | None = None, quiet: bool = False) -> dict:
    """``jaxgen sensitivity``: Jacobian and elasticities of the outputs w.r.t. the inputs at the runcard's point."""
    jacobian = _sensitivity_api()
    validate(card)
    out = card.output_dir(out)
    chain, _ = _chain(card)
    base = build_params(card)
    sens = card.sensitivity or {"inputs": None, "outputs": None}
    table = jacobian(chain, base, inputs=sens["inputs"], outputs=sens["outputs"])
    text = table.to_markdown()
    st = int(getattr(table, "status", 0))
    problems = [] if st == 0 else [f"the chain's status at the point is {st} ({_status_text(card, st)}): the "
                                   "Jacobian and elasticities there are not valid (flagged entries are 0)"]
    text += f"\n\nchain status at the point: {st} ({_status_text(card, st)})"
    ds = table.to_dataset()
    ds.attrs.update(_provenance(card))
    written = []
    if out is not None:
        written = write_dataset(ds, out, "sensitivity", [f for f in card.output["formats"] if f != "png"])
        p = _inside(out, out / "sensitivity.md")
        p.write_text(text + "\n")
        written.append(p)
        if "png" in card.output["formats"]:
            from . import plotting

            written.append(plotting.plot_sensitivity(table, _inside(out, out / "sensitivity.png")))
        written += _write_runcard_copy(card, out)
    return {"text": text, "dataset": ds, "written": written, "table": table, "problems": problems}
