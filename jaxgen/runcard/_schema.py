"""The runcard schema: :class:`Key` and the value checkers, the section tables (:data:`SCHEMA`), the parsed
:class:`Runcard`, :func:`parse_runcard` / :func:`load_runcard` (a bad key or value -> ValueError naming the key, the
expected form and the fix) and :func:`reference_markdown` (the reference printed in docs/cli.md)."""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import pathlib
import re
import tomllib
from collections.abc import Callable
from typing import Any

import numpy as np

from .._paths import suggest as _suggest
from ._registry import is_predict_only, scenario_names

__all__ = ["SCHEMA", "MAX_ABS_PARAMETER", "Key", "Runcard", "parse_runcard", "load_runcard", "reference_markdown"]


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


def _scenario_name(v):
    """A registered scenario name (jaxgen.runcard.scenario_names(), read when the card is checked)."""
    return _str(list(scenario_names()))(v)


def _num_or_preset(v):
    if isinstance(v, str):
        from ..slha import dm_to_baryon_value

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
                    _scenario_name, '"hall"'),
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
            from ..slha import dm_to_baryon_value

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
    elif sections["slha"] is not None:
        raise ValueError(f"{src}: [slha] only goes with [scenario] name = \"slha\" (here name = {name!r})")
    if is_predict_only(name):
        with_params = [n for n in scenario_names() if not is_predict_only(n)]
        for sec in ("sweep", "fit", "sensitivity"):
            if sections[sec] is not None:
                raise ValueError(f"{src}: [{sec}] is not available for the \"{name}\" scenario (only `jaxgen "
                                 "predict`): it has no parameter PyTree to sweep, fit or differentiate; use scenario "
                                 + " or ".join(f'"{n}"' for n in with_params))
    if name == "slha":
        f = sections["slha"]["file"]
        p = pathlib.Path(f).expanduser()
        if not p.is_absolute():
            p = pathlib.Path(base_dir) / p
        if p.is_file():
            f = str(p.resolve())
        else:
            from ..slha import example_spectra

            if f not in example_spectra():
                raise ValueError(f"{src}: [slha].file = {f!r}: no such file ({p}); give a path relative to the "
                                 f"runcard's folder or a shipped example: {sorted(example_spectra())}")
        sections["slha"] = {**sections["slha"], "file": f}
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


