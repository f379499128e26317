"""The scenarios a runcard (``[scenario].name``) and the ``jaxgen`` command can run: a registry of frozen records.

Each :class:`Scenario` names its Params class (None for a predict-only scenario), Settings class, chain function,
Prediction class, a one-line description and the units of its fields (read from the classes' field metadata,
:func:`jaxgen._units.field_units`). The shipped entries are imported lazily, through the public modules only
(``jaxgen.scenarios``, ``jaxgen.slha``), the first time a card needs them:

* ``"hall"``: :func:`jaxgen.scenarios.asymmetric_freezein` (HallParams, HallSettings, HallPrediction);
* ``"ardu"``: :func:`jaxgen.scenarios.rsymmetric_adm` (ArduParams, ArduSettings, ArduPrediction);
* ``"slha"``: :func:`jaxgen.slha.predict_spectrum` (SlhaSettings, SpectrumPrediction), predict only: an SLHA file
  is its input, it has no Params PyTree to sweep, fit or differentiate.

More can be added::

    from jaxgen.runcard import register_scenario, run_predict, parse_runcard
    register_scenario("toy", params=ToyParams, settings=ToySettings, chain=toy_chain, prediction=ToyPrediction,
                      description="an analytic toy chain")
    run_predict(parse_runcard({"scenario": {"name": "toy"}, "parameters": {"lam": 1e-9}}))
"""

from __future__ import annotations

import dataclasses
import importlib
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .._units import field_units

__all__ = [
    "NotAvailableError",
    "Scenario",
    "SCENARIOS",
    "register_scenario",
    "get_scenario",
    "scenario_names",
    "scenario_api",
    "status_names",
    "status_text",
]


class NotAvailableError(RuntimeError):
    """A subcommand needs a part of jaxgen that is not available (yet) in this installation."""


def _default_status_names(module) -> Callable[[int], list[str]] | None:
    if module is None:
        return None
    fn = getattr(module, "status_names", None)
    if fn is not None:
        return lambda code: list(fn(int(code)))

    def names(code: int) -> list[str]:
        messages = getattr(module, "STATUS_MESSAGES", None) or {}
        return [m for bit, m in messages.items() if int(code) & int(bit)]

    return names


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One registered scenario.

    Attributes:
        name: the ``[scenario].name`` of runcards. params: the Params class (an equinox Module; None for a
        predict-only scenario such as "slha"). settings: the Settings class (static switches). chain: the function
        ``chain(params, settings) -> prediction`` (for "slha": ``predict_spectrum(spectrum, settings)``).
        prediction: the Prediction class. description: one line. units: {Prediction field: unit} and param_units:
        {Params field: unit}, from the field metadata. status_module: the module with the ``STATUS_*`` constants
        (and ``status_names``) of the prediction's status bits, or None. reader: for predict-only scenarios, the
        function reading the input file (``jaxgen.slha.read_slha``).
    """

    name: str
    params: type | None
    settings: type
    chain: Callable
    prediction: type
    description: str
    units: Mapping[str, str]
    param_units: Mapping[str, str]
    status_module: types.ModuleType | None = None
    status_names: Callable[[int], list[str]] | None = None
    reader: Callable | None = None

    @property
    def predict_only(self) -> bool:
        """True when the scenario has no Params PyTree (no sweep, fit or sensitivity)."""
        return self.params is None

    def status_text(self, code: int) -> str:
        """``"ok"`` or the names of the bits set in a status code of this scenario's predictions."""
        if int(code) == 0:
            return "ok"
        names = list(self.status_names(int(code))) if self.status_names is not None else []
        return ", ".join(names) or f"unknown bits {int(code)}"


def _make(
    name, params, settings, chain, prediction, description, status_module=None, status_names=None, reader=None
) -> Scenario:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"register_scenario: name must be an identifier-like string such as 'toy', got {name!r}")
    if not isinstance(description, str) or not description.strip() or "\n" in description.strip():
        raise ValueError(f"register_scenario({name!r}): description must be one non-empty line, got {description!r}")
    for what, cls in (("settings", settings), ("prediction", prediction)) + (
        (("params", params),) if params is not None else ()
    ):
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise ValueError(
                f"register_scenario({name!r}): {what} must be a dataclass (equinox Module) class, got {cls!r}"
            )
    if not callable(chain):
        raise ValueError(
            f"register_scenario({name!r}): chain must be callable (chain(params, settings)), got {chain!r}"
        )
    return Scenario(
        name=name,
        params=params,
        settings=settings,
        chain=chain,
        prediction=prediction,
        description=description.strip(),
        units=types.MappingProxyType(field_units(prediction)),
        param_units=types.MappingProxyType(field_units(params) if params is not None else {}),
        status_module=status_module,
        status_names=status_names if status_names is not None else _default_status_names(status_module),
        reader=reader,
    )


@dataclasses.dataclass(frozen=True)
class _Lazy:
    """A registry entry imported on first use: ``loader()`` returns the keywords of :func:`register_scenario`."""

    name: str
    description: str
    target: str  # what is imported, for messages
    loader: Callable[[], dict]
    predict_only: bool = False
    _cache: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def load(self) -> Scenario:
        if "entry" not in self._cache:
            try:
                kw = self.loader()
            except (ImportError, AttributeError) as exc:
                raise NotAvailableError(
                    f"the {self.name!r} scenario chain ({self.target}) is not available yet in "
                    f"this jaxgen installation ({type(exc).__name__}: {exc})"
                ) from None
            self._cache["entry"] = _make(self.name, description=self.description, **kw)
        return self._cache["entry"]


def _submodule(package, name: str):
    """``package.name`` as an attribute (``jaxgen.scenarios.hall``), else imported as a submodule."""
    mod = getattr(package, name, None)
    return mod if isinstance(mod, types.ModuleType) else importlib.import_module(f"{package.__name__}.{name}")


def _hall() -> dict:
    sc = importlib.import_module("jaxgen.scenarios")
    return dict(
        params=sc.HallParams,
        settings=sc.HallSettings,
        chain=sc.asymmetric_freezein,
        prediction=sc.HallPrediction,
        status_module=_submodule(sc, "hall"),
    )


def _ardu() -> dict:
    sc = importlib.import_module("jaxgen.scenarios")
    return dict(
        params=sc.ArduParams,
        settings=sc.ArduSettings,
        chain=sc.rsymmetric_adm,
        prediction=sc.ArduPrediction,
        status_module=_submodule(sc, "ardu"),
    )


def _slha() -> dict:
    slha = importlib.import_module("jaxgen.slha")
    equilibrium = importlib.import_module("jaxgen.equilibrium")

    def status_names(code: int) -> list[str]:
        return [] if int(code) == 0 else [str(equilibrium.STATUS.get(int(code), f"unknown status {int(code)}"))]

    return dict(
        params=None,
        settings=slha.SlhaSettings,
        chain=slha.predict_spectrum,
        prediction=slha.SpectrumPrediction,
        status_names=status_names,
        reader=slha.read_slha,
    )


#: name -> Scenario, or a lazy entry resolved (and cached) on first use; in registration order
_ENTRIES: dict[str, Scenario | _Lazy] = {
    "hall": _Lazy(
        "hall",
        "Hall, March-Russell & West 2010: asymmetric freeze-in (eta_B, Omega_X h^2, LOSP decays)",
        "jaxgen.scenarios.asymmetric_freezein",
        _hall,
    ),
    "ardu": _Lazy(
        "ardu",
        "Ardu, Queiroz Correa & Vives 2025: R-symmetric asymmetric dark matter",
        "jaxgen.scenarios.rsymmetric_adm",
        _ardu,
    ),
    "slha": _Lazy(
        "slha",
        "B/(B-L) at sphaleron freeze-out and the asymmetric-DM mass m_X from an SLHA spectrum",
        "jaxgen.slha.predict_spectrum",
        _slha,
        predict_only=True,
    ),
}


def register_scenario(
    name: str,
    *,
    params: type | None,
    settings: type,
    chain: Callable,
    prediction: type,
    description: str,
    status_module: types.ModuleType | None = None,
    status_names: Callable[[int], list[str]] | None = None,
    reader: Callable | None = None,
    replace: bool = False,
) -> Scenario:
    """Register a scenario under ``name`` (then ``[scenario] name = "<name>"`` in a runcard runs it) and return its
    record. ``chain(params, settings)`` maps a Params PyTree to a Prediction PyTree; the units of both classes are
    read from their field metadata. ``params=None`` makes a predict-only scenario. An existing name is an error
    unless ``replace=True``."""
    if name in _ENTRIES and not replace:
        raise ValueError(
            f"register_scenario: a scenario {name!r} is registered already; pass replace=True to "
            "replace it, or choose another name"
        )
    entry = _make(name, params, settings, chain, prediction, description, status_module, status_names, reader)
    _ENTRIES[name] = entry
    return entry


def scenario_names() -> tuple[str, ...]:
    """The registered scenario names, in registration order (``("hall", "ardu", "slha", ...)``)."""
    return tuple(_ENTRIES)


def is_predict_only(name: str) -> bool:
    """Whether scenario ``name`` is predict-only (known without importing it); False for unknown names."""
    e = _ENTRIES.get(name)
    return bool(e is not None and e.predict_only)


def get_scenario(name: str) -> Scenario:
    """The record of scenario ``name``: ValueError naming the known scenarios for an unknown name,
    :class:`NotAvailableError` if its modules cannot be imported."""
    try:
        e = _ENTRIES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown scenario {name!r}; choose one of {list(_ENTRIES)} (or register one with "
            "jaxgen.runcard.register_scenario)"
        ) from None
    return e.load() if isinstance(e, _Lazy) else e


def scenario_api(name: str):
    """(Params, Settings, chain, Prediction, status module) of a scenario (a thin view of :func:`get_scenario`);
    ``NotAvailableError`` if it cannot be imported."""
    e = get_scenario(name)
    return e.params, e.settings, e.chain, e.prediction, e.status_module


class _ScenarioTable(Mapping):
    """Read-only live view of the registered chain scenarios (those with a Params PyTree, as the table it replaces:
    "slha" and other predict-only entries are not in it): ``name in SCENARIOS``, ``list(SCENARIOS)``,
    ``SCENARIOS[name]`` (the :class:`Scenario` record, imported on first access). Register with
    :func:`register_scenario`; every name, predict-only ones included: :func:`scenario_names`."""

    def _names(self) -> list[str]:
        return [n for n in _ENTRIES if not is_predict_only(n)]

    def __getitem__(self, name: str) -> Scenario:
        if name not in self:
            raise KeyError(name)
        return get_scenario(name)

    def __contains__(self, name: Any) -> bool:
        return isinstance(name, str) and name in _ENTRIES and not is_predict_only(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return f"SCENARIOS({self._names()})"


#: the registered chain scenarios (a read-only view of the registry, without the predict-only "slha"; was a table
#: of module and class names)
SCENARIOS: Mapping[str, Scenario] = _ScenarioTable()


def status_text(scenario: str, code: int) -> str:
    """``"ok"`` or the names of the bits set in a status code of scenario ``scenario`` (``"unknown bits N"`` when
    the scenario names none or cannot be imported)."""
    if int(code) == 0:
        return "ok"
    try:
        return get_scenario(scenario).status_text(int(code))
    except (ValueError, NotAvailableError):
        return f"unknown bits {int(code)}"


def status_names(scenario: str, code: int) -> list[str]:
    """The names of the bits set in a status code of scenario ``scenario`` ([] when it names none)."""
    try:
        e = get_scenario(scenario)
    except (ValueError, NotAvailableError):
        return []
    return list(e.status_names(int(code))) if e.status_names is not None else []
