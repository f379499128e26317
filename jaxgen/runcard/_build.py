"""Building a runcard's Settings and Params objects from the card, checked against the scenario's classes, and
:func:`validate` (every path of the card against the classes, without running anything)."""

from __future__ import annotations

import dataclasses
import importlib
import json
import math

import numpy as np

from .._paths import get_indexed as _get_path
from .._paths import leaf_names as _leaf_paths
from .._paths import set_path as _set_path
from .._paths import suggest as _suggest
from ._registry import get_scenario, is_predict_only, scenario_names
from ._schema import Runcard

__all__ = ["build_settings", "build_params", "validate", "chain_of"]


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
    example = (
        default if default is not None else {"int": 48, "float": 1.0, "str": '"..."', "bool": True}[sorted(kinds)[0]]
    )
    example = json.dumps(example) if not isinstance(example, str) or not example.startswith('"') else example
    if isinstance(v, bool):
        ok = "bool" in kinds
    elif isinstance(v, int):
        ok = "int" in kinds or "float" in kinds
    elif isinstance(v, float):
        ok = "float" in kinds
    else:
        ok = isinstance(v, str) and "str" in kinds
    form = {
        "int": f"an integer in [1, {_MAX_INT_SETTING:.0e}]",
        "float": "a positive finite number",
        "str": "a string",
        "bool": "true or false",
    }
    expected = " or ".join(form[k] for k in sorted(kinds))
    if ok and isinstance(v, (int, float)) and not isinstance(v, bool):
        if "int" in kinds and "float" not in kinds:
            ok = 1 <= v <= _MAX_INT_SETTING
        else:
            ok = math.isfinite(v) and v > 0
    if not ok:
        raise ValueError(f"{src}: {where} = {v!r} is invalid: expected {expected}. Fix: e.g. {field.name} = {example}")
    return float(v) if kinds == {"float"} else v


def build_settings(card: Runcard):
    """The scenario's Settings object from ``[scenario].settings``: unknown fields -> ValueError with a suggestion;
    each value's type and range are checked against the field (ints >= 1, floats finite and > 0, strings, bools)
    before the class checks the choices; every error names the key ``[scenario].settings.<field>`` and the fix."""
    Settings = get_scenario(card.scenario).settings
    valid = _field_names(Settings)
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    kwargs = {}
    for k, v in card.settings.items():
        if k not in valid:
            raise ValueError(
                f"{card.source}: unknown key [scenario].settings.{k} for {Settings.__name__}.{_suggest(k, valid)}"
            )
        where = f"[scenario].settings.{k}"
        if isinstance(v, (dict, list)):
            raise ValueError(
                f"{card.source}: {where} = {v!r} is invalid: expected a single value (a string, "
                f"number or true/false), not a {'table' if isinstance(v, dict) else 'list'}. Fix: "
                f"e.g. {k} = {json.dumps(fields[k].default) if fields[k].default is not None else 1}"
            )
        kwargs[k] = _check_setting(fields[k], v, where, card.source)
    try:
        return Settings(**kwargs)
    except (TypeError, ValueError) as e:
        named = _named_keys(str(e), kwargs)
        where = f"[scenario].settings.{named[0]} = {kwargs[named[0]]!r}" if named else "[scenario].settings"
        raise ValueError(
            f"{card.source}: {where} is invalid: {e}. Fix the value in the runcard (or remove it to use the default)"
        ) from None


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

    Params = _params_class(card)
    if _spectrum_mode(card, Params):
        base = _spectrum_base(card, Params)
    elif card.base == "benchmark":
        if not hasattr(Params, "benchmark"):
            raise ValueError(
                f'{card.source}: [scenario].base = "benchmark" but {Params.__name__} has no '
                'benchmark(); use base = "default"'
            )
        kwargs = {k: card.settings[k] for k in inspect.signature(Params.benchmark).parameters if k in card.settings}
        base = Params.benchmark(**kwargs)  # e.g. ArduParams.benchmark(nlsp=...) takes nlsp from the settings
    else:
        required = [
            f.name
            for f in dataclasses.fields(Params)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        missing = [k for k in required if k not in card.parameters]
        if missing:
            raise ValueError(
                f"{card.source}: {Params.__name__} has no default for {missing}: give them in "
                f'[parameters] (e.g. {missing[0]} = ...), or start from [scenario] base = "benchmark"'
            )
        try:
            base = Params(**{k: jnp.asarray(card.parameters[k], dtype=jnp.result_type(float)) for k in required})
        except (TypeError, ValueError) as e:
            raise ValueError(f"{card.source}: [parameters]: {e}") from None
    for path, v in card.parameters.items():
        try:
            old = _get_path(base, path)
        except ValueError:
            raise ValueError(
                f"{card.source}: unknown parameter [parameters].{path} for {Params.__name__}."
                f"{_suggest(path, _valid_paths(base))}"
            ) from None
        new = jnp.asarray(v, dtype=jnp.result_type(float))
        if old is not None and np.shape(old) != new.shape and (np.ndim(old) == 0 or new.ndim != np.ndim(old)):
            raise ValueError(
                f"{card.source}: [parameters].{path} = {v!r} has shape {list(new.shape)} but "
                f"{Params.__name__}.{path} has shape {list(np.shape(old))}; give "
                + (
                    "a single number"
                    if np.ndim(old) == 0
                    else f"a flat list of numbers, e.g. {path} = {np.asarray(old).tolist()}"
                )
            )
        base = _set_path(base, path, new)
    _check_params(card, base)
    return base


def _spectrum_mode(card: Runcard, Params) -> bool:
    """A card of the Hall chain's spectrum mode: ``[scenario].settings.epsilon = "spectrum"`` with a Params class that
    builds spectrum points (``from_spectrum`` / ``benchmark_spectrum``, :class:`jaxgen.scenarios.HallSpectrumParams`).
    """
    return card.settings.get("epsilon") == "spectrum" and hasattr(Params, "from_spectrum")


#: the spectrum moduli a spectrum-mode card with base = "default" must give ([parameters.spectrum])
_SPECTRUM_REQUIRED = ("M1", "M2", "mu", "tan_beta")


def _spectrum_base(card: Runcard, Params):
    """The starting point of a spectrum-mode card (its ``[parameters]`` paths are applied to it afterwards):
    ``base = "benchmark"``: ``Params.benchmark_spectrum()``; ``base = "default"``: ``Params.from_spectrum`` of the
    spectrum given by ``[parameters.spectrum]`` (M1, M2, mu = |mu|, tan_beta required; the phases phi_1, phi_2,
    phi_mu and m_W, m_Z, sin2_theta_w default as in jaxgen.cp.GauginoHiggsinoParams) with ``[parameters].lam``, the
    other fields at the class defaults (m_x is also the phi_X mass of the widths and eps)."""
    if card.base == "benchmark":
        try:
            return Params.benchmark_spectrum()
        except (TypeError, ValueError) as e:
            raise ValueError(f"{card.source}: the spectrum-mode benchmark point could not be built: {e}") from None
    missing = [f"spectrum.{k}" for k in _SPECTRUM_REQUIRED if f"spectrum.{k}" not in card.parameters]
    missing += [] if "lam" in card.parameters else ["lam"]
    if missing:
        raise ValueError(
            f'{card.source}: [scenario].settings.epsilon = "spectrum" with base = "default" needs the spectrum and '
            f"the coupling in [parameters]: missing {missing}. Fix: add e.g. [parameters.spectrum] M1 = 250.0, "
            "M2 = 600.0, mu = 400.0, tan_beta = 10.0, phi_mu = -0.1047 and [parameters] lam = 5.8e-9, or start from "
            '[scenario] base = "benchmark" (HallParams.benchmark_spectrum())'
        )
    spec_cls = _spectrum_class(Params)
    names = {f.name for f in dataclasses.fields(spec_cls)}
    given = {p.split(".", 1)[1]: v for p, v in card.parameters.items() if p.startswith("spectrum.")}
    unknown = [k for k in given if k not in names]
    if unknown:
        raise ValueError(
            f"{card.source}: unknown parameter [parameters].spectrum.{unknown[0]} for {spec_cls.__name__}."
            f"{_suggest(unknown[0], sorted(names))}"
        )
    try:
        spec = spec_cls(**{k: float(v) for k, v in given.items()})
        m_x = {"m_x": float(card.parameters["m_x"])} if "m_x" in card.parameters else {}
        return Params.from_spectrum(spec, float(card.parameters["lam"]), **m_x)
    except (TypeError, ValueError) as e:
        named = [k for k in given if f"{spec_cls.__name__}.{k} " in str(e)]
        key = f"[parameters].spectrum.{named[0]}" if named else "[parameters.spectrum]"
        raise ValueError(f"{card.source}: {key} is invalid: {e}. Fix the value in the runcard") from None


def _spectrum_class(Params) -> type:
    """The spectrum class of a spectrum-mode Params class (the annotation of ``from_spectrum``'s ``spectrum``)."""
    import typing

    cls = typing.get_type_hints(Params.from_spectrum).get("spectrum")
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ValueError(f"{Params.__name__}.from_spectrum has no dataclass annotation for its spectrum argument")
    return cls


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
            raise ValueError(
                f"{card.source}: [parameters].{k} = {card.parameters[k]!r} is invalid: {e}. Fix "
                f"[parameters].{k} in the runcard (or remove it to keep the [scenario].base = "
                f"{card.base!r} value)"
            ) from None
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
    entry = get_scenario(card.scenario)
    if entry.predict_only:
        return [f"[{card.scenario}] validated at load time"]
    Prediction = entry.prediction
    build_settings(card)
    base = build_params(card)
    done.append("[parameters] and [scenario].settings")
    valid_in = _valid_paths(base)
    pred_fields = _field_names(Prediction)

    def check_in(path, where):
        try:
            _get_path(base, path)
        except ValueError:
            raise ValueError(
                f"{card.source}: {where} = {path!r} is not a parameter of the {card.scenario!r} "
                f"scenario.{_suggest(path, valid_in)}"
            ) from None

    float_fields = [f for f in pred_fields if f not in _INTEGER_OUTPUTS]

    def check_out(path, where, numeric=True):
        top, _, rest = path.partition(".")
        if pred_fields and (top not in pred_fields or (rest and not rest.isdigit())):
            raise ValueError(
                f"{card.source}: {where} = {path!r} is not a prediction field of the "
                f"{card.scenario!r} scenario.{_suggest(path, pred_fields)}"
            )
        if numeric and top in _INTEGER_OUTPUTS:
            raise ValueError(
                f"{card.source}: {where} = {path!r} is an integer bit field (decoded by the scenario's "
                "status_names), not a physical output: it has no derivative and cannot be fitted. Fix: "
                f"use a float field, e.g. one of {float_fields[:6]}"
            )

    if card.sweep is not None:
        for i, a in enumerate(card.sweep["axes"]):
            check_in(a["path"], f"[sweep.axes[{i}]].path")
        if card.sweep["plot"] is not None:
            z = card.sweep["plot"]["z"]
            check_out(z[:-4] if z.endswith("_out") else z, "[sweep.plot].z", numeric=False)
        for k in card.sweep["units"]:
            base_k = k[:-4] if k.endswith("_out") else k
            if pred_fields and base_k.split(".")[0] not in pred_fields:
                raise ValueError(
                    f"{card.source}: [sweep].units names {k!r}, not a result field of the "
                    f"{card.scenario!r} scenario.{_suggest(k, pred_fields)} Fix: remove it or use a "
                    "result field name"
                )
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
        raise ValueError(
            f"{card.source}: {where}: {e}. Fix the transform/lower/upper of this entry (see the "
            "[fit].free keys in docs/cli.md)"
        ) from None
    if kind == "log" and not value > 0:
        raise ValueError(
            f"{card.source}: {where}: a log transform needs a positive starting value, but the point "
            f'has {f["path"]} = {value}; set it > 0 in [parameters] or use transform = "identity"'
        )


def _params_class(card: Runcard) -> type:
    """The Params class of the card's scenario; a clear ValueError for a predict-only scenario (no Params)."""
    entry = get_scenario(card.scenario)
    params = entry.params
    if params is None:
        with_params = [n for n in scenario_names() if not is_predict_only(n)]
        raise ValueError(
            f"{card.source}: the {entry.name!r} scenario ({entry.description}) is predict-only: it has "
            "no parameter PyTree to build, sweep, fit or differentiate. Fix: use `jaxgen predict` "
            f"with it, or another scenario ({', '.join(map(repr, with_params))})"
        )
    return params


def chain_of(card: Runcard):
    """``(chain, settings)``: the card's scenario chain with its Settings bound, ``chain(params) -> prediction``."""
    _params_class(card)
    f = get_scenario(card.scenario).chain
    settings = build_settings(card)

    def chain(params):
        return f(params, settings)

    chain.__qualname__ = f"{f.__module__}.{f.__name__}"
    return chain, settings
