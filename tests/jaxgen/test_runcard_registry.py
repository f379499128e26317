"""The scenario registry of jaxgen.runcard (known names, the unknown-name error, the predict-only "slha" entry, a toy
scenario registered and run from a dict card) and the units that datasets and tables read from field metadata."""

import ast
import dataclasses
import pathlib
from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import _io, scenarios, slha
from jaxgen import runcard as rc
from jaxgen._units import field_units, units_field
from jaxgen.runcard import _registry

PACKAGE_DIR = pathlib.Path(rc.__file__).parent


def _arr(x):
    return jnp.asarray(x, dtype=float)


class ToyParams(eqx.Module):
    lam: Any = units_field("1", default=1e-9, converter=_arr)
    phase: Any = units_field("rad", default=(-0.3, 0.2), converter=_arr)
    m_x: Any = units_field("GeV", default=1.5, converter=_arr)


class ToySettings(eqx.Module):
    scale: float = eqx.field(static=True, default=1e8)


class ToyPrediction(eqx.Module):
    eta_b: Any = units_field("1")
    m_x_required: Any = units_field("GeV")
    decay_length: Any = units_field("m")
    epsilon: Any = units_field("1")
    status: Any = units_field("1")


class Unlabelled(eqx.Module):
    m_y: Any  # no declared unit: nothing is guessed from the name
    status: Any


def toy_chain(p, s=None):
    s = ToySettings() if s is None else s
    bad = ~(p.lam > 0)
    return ToyPrediction(
        eta_b=s.scale * p.lam**2 * jnp.sin(-p.phase[0]),
        m_x_required=1.784 * jnp.ones_like(p.m_x),
        decay_length=1e-17 / jnp.where(bad, 1.0, p.lam) ** 2,
        epsilon=jnp.sin(p.phase),
        status=jnp.where(bad, 1, 0).astype(jnp.int32),
    )


@pytest.fixture
def registry(monkeypatch):
    """A private copy of the registry for the test (registrations vanish afterwards)."""
    monkeypatch.setattr(_registry, "_ENTRIES", dict(_registry._ENTRIES))
    return _registry


# ---------------------------------------------------------------- the shipped entries
def test_known_scenarios():
    assert rc.scenario_names()[:3] == ("hall", "ardu", "slha")
    # SCENARIOS: the chain scenarios (with a Params PyTree), as the table it replaces; "slha" is predict-only
    assert list(rc.SCENARIOS)[:2] == ["hall", "ardu"] and "hall" in rc.SCENARIOS
    assert "slha" not in rc.SCENARIOS and "nope" not in rc.SCENARIOS
    hall, ardu = rc.get_scenario("hall"), rc.get_scenario("ardu")
    assert (hall.params, hall.settings, hall.chain, hall.prediction) == (
        scenarios.HallParams,
        scenarios.HallSettings,
        scenarios.asymmetric_freezein,
        scenarios.HallPrediction,
    )
    assert (ardu.params, ardu.settings, ardu.chain, ardu.prediction) == (
        scenarios.ArduParams,
        scenarios.ArduSettings,
        scenarios.rsymmetric_adm,
        scenarios.ArduPrediction,
    )
    for e in (hall, ardu):
        assert isinstance(e, rc.Scenario) and not e.predict_only and "\n" not in e.description
        assert dict(e.units) == field_units(e.prediction) and dict(e.param_units) == field_units(e.params)
        assert hasattr(e.status_module, "STATUS_MESSAGES") or hasattr(e.status_module, "status_names")
        assert e.status_text(0) == "ok"
        with pytest.raises(dataclasses.FrozenInstanceError):
            e.name = "other"
    assert rc.SCENARIOS["hall"] is hall and rc.scenario_api("hall")[:4] == (
        hall.params,
        hall.settings,
        hall.chain,
        hall.prediction,
    )


def test_unknown_scenario_names_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown scenario 'hal'; choose one of \['hall', 'ardu', 'slha'"):
        rc.get_scenario("hal")
    with pytest.raises(ValueError, match=r"\[scenario\]\.name = 'hal' is invalid: .*did you mean 'hall'"):
        rc.parse_runcard({"scenario": {"name": "hal"}})
    with pytest.raises(KeyError):
        rc.SCENARIOS["hal"]


def test_slha_entry_is_predict_only():
    e = rc.get_scenario("slha")
    assert e.predict_only and e.params is None and e.param_units == {}
    assert (e.settings, e.chain, e.prediction, e.reader) == (
        slha.SlhaSettings,
        slha.predict_spectrum,
        slha.SpectrumPrediction,
        slha.read_slha,
    )
    assert e.status_text(0) == "ok" and e.status_text(2).startswith("invalid input")
    card = {"scenario": {"name": "slha"}, "slha": {"file": "heavy"}}
    for sec in (
        {"sweep": {"n": 2, "axes": [{"path": "x", "low": 0.0, "high": 1.0}]}},
        {"fit": {"free": [{"path": "x"}], "targets": [{"path": "m_x", "value": 1.0, "sigma": 1.0}]}},
        {"sensitivity": {}},
    ):
        with pytest.raises(
            ValueError,
            match=r"not available for the \"slha\" scenario \(only `jaxgen predict`\): "
            r"it has no parameter PyTree",
        ):
            rc.parse_runcard({**card, **sec})
    c = rc.parse_runcard(card)
    with pytest.raises(ValueError, match=r"'slha' scenario .* is predict-only: it has no parameter PyTree .*Fix"):
        rc.build_params(c)
    assert rc.validate(c) == ["[slha] validated at load time"]


def test_runcard_package_imports_scenarios_only_through_public_modules():
    """The private modules of the chains and of the SLHA tool move; the runcard package names only the public ones."""
    for f in sorted(PACKAGE_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(f.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("jaxgen."):
                names = [node.value]
            for n in names:
                assert "_scenario_" not in n and not n.split(".")[-1] == "_slha", (f.name, n)


# ---------------------------------------------------------------- registering a scenario
def test_register_a_toy_scenario_and_run_predict_from_a_dict_card(registry, tmp_path):
    entry = rc.register_scenario(
        "toy",
        params=ToyParams,
        settings=ToySettings,
        chain=toy_chain,
        prediction=ToyPrediction,
        description="an analytic toy chain",
    )
    assert rc.get_scenario("toy") is entry and "toy" in rc.scenario_names() and "toy" in rc.SCENARIOS
    assert entry.units["decay_length"] == "m" and entry.param_units["phase"] == "rad"
    with pytest.raises(ValueError, match=r"a scenario 'toy' is registered already; pass replace=True"):
        rc.register_scenario(
            "toy",
            params=ToyParams,
            settings=ToySettings,
            chain=toy_chain,
            prediction=ToyPrediction,
            description="again",
        )
    with pytest.raises(ValueError, match="description must be one non-empty line"):
        rc.register_scenario(
            "toy2", params=ToyParams, settings=ToySettings, chain=toy_chain, prediction=ToyPrediction, description=""
        )
    with pytest.raises(ValueError, match="prediction must be a dataclass"):
        rc.register_scenario(
            "toy2", params=ToyParams, settings=ToySettings, chain=toy_chain, prediction=dict, description="x"
        )
    card = rc.parse_runcard(
        {
            "title": "toy run",
            "scenario": {"name": "toy", "settings": {"scale": 2e8}},
            "parameters": {"lam": 1e-9, "phase": [-0.5, 0.1]},
        }
    )
    res = rc.run_predict(card, out=tmp_path / "out")
    ds = res["dataset"]
    assert res["ok"] and abs(float(ds["eta_b"]) - 2e8 * 1e-18 * np.sin(0.5)) < 1e-22
    assert ds["decay_length"].attrs["units"] == "m" and ds["m_x_required"].attrs["units"] == "GeV"
    assert ds["status"].attrs["units"] == "1" and ds.attrs["scenario"] == "toy"
    assert res["text"].startswith("toy run (toy; ToyPrediction)") and res["text"].endswith("status: 0 (ok)")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["predict.csv", "predict.nc"]  # no file: no copy


def test_a_predict_only_registration_refuses_sweeps(registry):
    rc.register_scenario(
        "spectrum_only",
        params=None,
        settings=ToySettings,
        chain=toy_chain,
        prediction=ToyPrediction,
        description="predict only",
    )
    with pytest.raises(
        ValueError,
        match=r"\[sweep\] is not available for the \"spectrum_only\" scenario.*use "
        r"scenario \"hall\" or \"ardu\"",
    ):
        rc.parse_runcard(
            {
                "scenario": {"name": "spectrum_only"},
                "sweep": {"n": 2, "axes": [{"path": "lam", "low": 0.0, "high": 1.0}]},
            }
        )


def test_a_scenario_that_cannot_be_imported_is_not_available(registry):
    def missing():
        raise ImportError("No module named 'jaxgen_missing'")

    registry._ENTRIES["gone"] = registry._Lazy("gone", "a missing chain", "jaxgen_missing.chain", missing)
    assert "gone" in rc.scenario_names()  # listed without importing it
    with pytest.raises(
        rc.NotAvailableError,
        match=r"'gone' scenario chain \(jaxgen_missing\.chain\) is not "
        r"available yet",
    ):
        rc.get_scenario("gone")


# ---------------------------------------------------------------- units from field metadata
def test_units_come_from_field_metadata_never_from_names():
    assert _io.units_for(ToyPrediction, ["decay_length", "epsilon.1", "m_x_required", "status", "flags"]) == {
        "decay_length": "m",
        "epsilon.1": "1",
        "m_x_required": "GeV",
        "status": "1",
        "flags": "1",
    }
    assert _io.units_for(Unlabelled, ["m_y", "status"]) == {"m_y": "", "status": "1"}  # m_* is not guessed as GeV
    assert _io.param_units("phase.0", ToyParams) == "rad" and _io.param_units("m_x", ToyParams()) == "GeV"
    assert _io.param_units("nope", ToyParams) == ""
    from jaxgen.runcard import _fit_tables, _runners, _sweep_card

    for mod in (_io, _runners, _sweep_card, _fit_tables):
        assert not hasattr(mod, "_UNIT_HINTS") and not hasattr(mod, "_PARAM_UNIT_HINTS")


def _unitless_fields(cls) -> list[str]:
    units = field_units(cls)
    return [f.name for f in dataclasses.fields(cls) if not f.metadata.get("static", False) and f.name not in units]


@pytest.mark.parametrize("name", ["hall", "ardu", "slha"])
def test_every_field_of_every_registered_scenario_declares_a_unit(name):
    """Loud, not a silent "1": a Params or Prediction field without a unit fails here."""
    e = rc.get_scenario(name)
    for cls in ([e.params] if e.params is not None else []) + [e.prediction]:
        assert not _unitless_fields(cls), f"{name}: {cls.__name__} fields without a unit: {_unitless_fields(cls)}"
