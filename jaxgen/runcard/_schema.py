"""The runcard schema: :class:`Key` and the value checkers, the section tables (:data:`SCHEMA`), the parsed
:class:`Runcard` and :func:`reference_markdown` (the reference printed in docs/cli.md). Reading and validating a
card against it: :mod:`._parse` (:func:`parse_runcard`, :func:`load_runcard`)."""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import pathlib
from collections.abc import Callable
from typing import Any

from .._paths import suggest as _suggest
from ._registry import scenario_names

__all__ = ["SCHEMA", "MAX_ABS_PARAMETER", "Key", "Runcard", "reference_markdown"]


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
                    raise _Bad(
                        "a list of "
                        + ", ".join(map(repr, choices))
                        + f"; {x!r} is not one"
                        + (f" (did you mean {close[0]!r}?)" if close else "")
                    )
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
        raise _Bad('a table of strings { result field = "unit" }')
    return dict(v)


AXIS_KEYS = {
    "path": Key(
        "path",
        "string",
        _REQUIRED,
        'dotted field path of the scenario\'s parameters, e.g. "lam", "phase.0" (element 0 of an array field)',
        _str(),
        '"lam"',
    ),
    "low": Key(
        "low", "number", _REQUIRED, "lower end of the range (field units)", _float(max_abs=MAX_ABS_PARAMETER), "1e-13"
    ),
    "high": Key(
        "high", "number", _REQUIRED, "upper end (>= low; both > 0 with log)", _float(max_abs=MAX_ABS_PARAMETER), "1e-10"
    ),
    "log": Key("log", "bool", False, "sample uniformly in ln x (and log-scale the plots)", _bool, "true"),
    "n": Key("n", "int >= 1", None, 'grid nodes along this axis (design = "grid" only)', _int(1), "16"),
    "units": Key("units", "string", "", 'unit recorded in the output, e.g. "GeV"', _str(), '"GeV"'),
}
FREE_KEYS = {
    "path": Key(
        "path", "string", _REQUIRED, 'dotted field path of the parameter to fit ("phase.0": element 0)', _str(), '"lam"'
    ),
    "transform": Key(
        "transform",
        "string",
        "auto",
        'what the optimizer sees (jaxgen.fit.FreeParameter): "auto" '
        '(periodic for phase*/phi*, logit with both bounds, else log for positive values), "log", '
        '"periodic", "identity", "logit"',
        _str(["auto", "log", "periodic", "identity", "logit"]),
        '"log"',
    ),
    "lower": Key(
        "lower",
        "number",
        None,
        "bound in the parameter's units: logit needs both; log takes none or both "
        "(then bounded in ln x); periodic: start of the period (default 0); identity: none",
        _float(max_abs=MAX_ABS_PARAMETER),
        "1e-13",
    ),
    "upper": Key(
        "upper",
        "number",
        None,
        "upper bound (periodic: end of the period, default lower + 2 pi)",
        _float(max_abs=MAX_ABS_PARAMETER),
        "1e-10",
    ),
}
TARGET_KEYS = {
    "path": Key(
        "path", "string", _REQUIRED, 'dotted field path of the prediction to match, e.g. "eta_b"', _str(), '"eta_b"'
    ),
    "value": Key("value", "number", _REQUIRED, "target value (prediction units)", _float(), "8.7e-11"),
    "sigma": Key(
        "sigma",
        "number > 0",
        _REQUIRED,
        "1-sigma uncertainty (chi2 = sum ((pred - value)/sigma)^2)",
        _float(positive=True),
        "1e-12",
    ),
}
PLOT_KEYS = {
    "x": Key("x", "string", _REQUIRED, "swept parameter on the x axis (an axis path)", _str(), '"lam"'),
    "y": Key("y", "string", _REQUIRED, "swept parameter on the y axis", _str(), '"phase.0"'),
    "z": Key("z", "string", _REQUIRED, "result field shown in colour (binned statistic)", _str(), '"eta_b"'),
    "statistic": Key(
        "statistic",
        "string",
        "mean",
        '"mean" | "median" | "min" | "max" | "count" per bin',
        _str(["mean", "median", "min", "max", "count"]),
        '"mean"',
    ),
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
        "name": Key(
            "name",
            "string",
            _REQUIRED,
            '"hall" (Hall et al. 2010 asymmetric freeze-in), "ardu" '
            '(Ardu et al. 2025 R-symmetric ADM) or "slha" (B/(B-L) and m_X from an SLHA spectrum)',
            _scenario_name,
            '"hall"',
        ),
        "settings": Key(
            "settings",
            "table",
            {},
            'fields of HallSettings / ArduSettings (static switches), e.g. { method = "quadrature" }; '
            '{ epsilon = "spectrum" }: the Hall chain with eps from the spectrum in [parameters.spectrum] '
            "(M1, M2, mu, tan_beta, phi_mu, ...; see Runcards above); "
            '{ sphalerons = "instantaneous" }: the Hall chain with the paper\'s eta_B = -c eta_X at any T (Hall '
            'eqs. 1.3, 3.1) instead of the default sphaleron-timed eta_B (sphalerons = "timed")',
            _table,
            '{ method = "quadrature" }',
        ),
        "base": Key(
            "base",
            "string",
            "default",
            'starting parameter point: "default" (the Params class '
            'defaults) or "benchmark" (Params.benchmark(), the paper\'s benchmark point)',
            _str(["default", "benchmark"]),
            '"benchmark"',
        ),
    },
    "parameters": {},  # free-form: the scenario's Params fields (validated against the class)
    "slha": {
        "file": Key(
            "file",
            "string",
            _REQUIRED,
            "SLHA spectrum, relative to the runcard's folder, or the name "
            'of a shipped example ("heavy", "compressed", "light_rh")',
            _str(),
            '"spectrum.slha"',
        ),
        "temperature": Key(
            "temperature",
            "number > 0",
            131.7,
            "sphaleron freeze-out temperature T_sph in GeV (D'Onofrio et al. 2014)",
            _float(positive=True),
            "131.7",
        ),
        "dm_to_baryon": Key(
            "dm_to_baryon",
            "number or preset",
            "planck2018",
            'Omega_DM/Omega_b: a number or "planck2018" (5.364), "hall2010" (4.86), "ardu2025" (5.408)',
            _num_or_preset,
            '"hall2010"',
        ),
        "higgs_sector": Key(
            "higgs_sector",
            "string",
            "spectrum",
            '"spectrum" (heavy doublet from m_H0, m_A0, '
            'm_H+) or "light" (both doublets massless, Hall et al. eq. (3.3))',
            _str(["spectrum", "light"]),
            '"light"',
        ),
        "lepton_flavour_equilibrium": Key(
            "lepton_flavour_equilibrium",
            "bool",
            True,
            "lepton-flavour-changing reactions in equilibrium",
            _bool,
            "false",
        ),
        "light_threshold": Key(
            "light_threshold",
            "number in (0, 1)",
            0.5,
            "label a species light when k(m/T)/k(0) >= this (label only; the physics uses the smooth k)",
            _float(positive=True),
            "0.5",
        ),
        "higgsino_mass": Key("higgsino_mass", "number", None, "override the Higgsino mass (GeV)", _float(), "300.0"),
        "strict": Key(
            "strict", "bool", True, "unknown PDG codes in BLOCK MASS are errors (false: ignored)", _bool, "false"
        ),
    },
    "sweep": {
        "design": Key(
            "design", "string", "sobol", '"grid" | "random" | "sobol"', _str(["grid", "random", "sobol"]), '"sobol"'
        ),
        "n": Key(
            "n",
            "int >= 1",
            None,
            "number of points (random, sobol; a power of 2 for sobol); grid: the product of the axes' n",
            _int(1),
            "1024",
        ),
        "seed": Key("seed", "int >= 0", 0, "random seed (random, sobol)", _int(0), "1"),
        "chunk_size": Key("chunk_size", "int >= 1", 4096, "points per compiled chunk / NetCDF file", _int(1), "4096"),
        "axes": Key(
            "axes",
            "array of tables",
            _REQUIRED,
            "the swept parameters: [{ path, low, high, log, n, units }] (keys below)",
            _array_of_tables(AXIS_KEYS, "axes"),
            '[{ path = "lam", low = 1e-13, high = 1e-10, log = true }]',
        ),
        "units": Key(
            "units",
            "table",
            {},
            "{ result field = unit } recorded in the NetCDF attributes (defaults: the scenario's units)",
            _str_table,
            '{ eta_b = "1" }',
        ),
        "plot": Key(
            "plot",
            "table",
            None,
            "heat map of a result over two axes: { x, y, z, statistic, bins } (keys below)",
            _table,
            '{ x = "lam", y = "phase.0", z = "eta_b" }',
        ),
    },
    "fit": {
        "free": Key(
            "free",
            "array of tables",
            _REQUIRED,
            "parameters to fit: [{ path, transform, lower, upper }]",
            _array_of_tables(FREE_KEYS, "free parameters"),
            '[{ path = "lam", lower = 1e-13, upper = 1e-10 }]',
        ),
        "targets": Key(
            "targets",
            "array of tables",
            _REQUIRED,
            "predictions to match: [{ path, value, sigma }]",
            _array_of_tables(TARGET_KEYS, "targets"),
            '[{ path = "eta_b", value = 8.7e-11, sigma = 1e-12 }]',
        ),
        "n_starts": Key("n_starts", "int >= 1", 8, "random starts (vmapped, one compile)", _int(1), "8"),
        "steps": Key(
            "steps", "int >= 1", None, "optimizer steps per start (default: jaxgen.fit's default)", _int(1), "500"
        ),
        "seed": Key("seed", "int >= 0", 0, "seed of the random starts", _int(0), "0"),
    },
    "sensitivity": {
        "inputs": Key(
            "inputs",
            "list of strings",
            None,
            "parameter paths to differentiate by (default: every float leaf)",
            _str_list(),
            '["lam", "m_x"]',
        ),
        "outputs": Key(
            "outputs",
            "list of strings",
            None,
            "prediction paths (default: every float leaf)",
            _str_list(),
            '["eta_b", "omega_x_h2"]',
        ),
    },
    "output": {
        "directory": Key(
            "directory",
            "string",
            None,
            "output directory (relative to the current working "
            "directory; --out on the command line wins). Without one nothing is written",
            _str(),
            '"out/hall"',
        ),
        "formats": Key(
            "formats",
            "list of strings",
            ["netcdf", "csv", "png"],
            'what to write: "netcdf", "csv", "png" (figures, needs matplotlib)',
            _str_list(["netcdf", "csv", "png"]),
            '["netcdf", "csv"]',
        ),
    },
}
_SUB_SCHEMAS = {
    ("sweep", "axes"): AXIS_KEYS,
    ("fit", "free"): FREE_KEYS,
    ("fit", "targets"): TARGET_KEYS,
    ("sweep", "plot"): PLOT_KEYS,
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
                raise ValueError(
                    f"{src}: missing key {_where(section, name)} ({spec.form}: {spec.doc}); add e.g. "
                    f"{name} = {spec.example}"
                )
            out[name] = spec.default
            continue
        try:
            out[name] = spec.check(table[name]) if spec.check else table[name]
        except _Bad as why:
            raise ValueError(
                f"{src}: {_where(section, name)} = {table[name]!r} is invalid: expected {why}. Fix: e.g. "
                f"{name} = {spec.example}"
            ) from None
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
            lines.append(
                "Free-form: `path = value` for the fields of the scenario's Params class (`HallParams`, "
                "`ArduParams`); numbers or arrays of numbers, nested tables or dotted keys for nested "
                "fields (`gh.M2 = 600.0`); a field `dm_to_baryon` also takes a preset name. Fields not "
                "given keep the `[scenario].base` point. Unknown fields are errors (with the closest "
                "field suggested).\n"
            )
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
