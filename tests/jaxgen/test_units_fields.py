"""Every field of every public Params / Prediction / Result class declares its unit as field metadata."""

import dataclasses

import pytest

from jaxgen import freezein, freezeout, scenarios, unitarity, washout
from jaxgen._units import field_units

_MODULES = (freezein, freezeout, washout, scenarios, unitarity)
_SUFFIXES = ("Params", "Prediction", "Result")
# classes defined by the freeze-in, freeze-out, washout engines and the two chains (jaxgen.freezeout also
# re-exports the hidden-sector classes of jaxgen._hidden_sector, whose units are declared there)
_OWN = (
    "jaxgen._freezein",
    "jaxgen._freezeout",
    "jaxgen._washout",
    "jaxgen.scenarios",
    "jaxgen._scenario",
    "jaxgen._unitarity_rates",
)
_CLASSES = sorted(
    {
        getattr(m, n)
        for m in _MODULES
        for n in getattr(m, "__all__", dir(m))
        if n.endswith(_SUFFIXES) and isinstance(getattr(m, n), type) and getattr(m, n).__module__.startswith(_OWN)
    },
    key=lambda c: c.__name__,
)


def test_the_public_classes_are_found():
    names = {c.__name__ for c in _CLASSES}
    assert {
        "HallParams",
        "HallPrediction",
        "ArduParams",
        "ArduPrediction",
        "FreezeInParams",
        "FreezeInResult",
        "FreezeOutParams",
        "FreezeOutResult",
        "AsymmetricFreezeOutResult",
        "WashoutParams",
        "WashoutResult",
    } <= names


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda c: c.__name__)
def test_every_field_declares_a_unit(cls):
    units = field_units(cls)
    # static fields are settings-like switches (strings), not quantities
    fields = [f.name for f in dataclasses.fields(cls) if not f.metadata.get("static", False)]
    missing = [f for f in fields if f not in units]
    assert not missing, f"{cls.__name__}: fields without a unit: {missing}"
    assert all(isinstance(u, str) and u for u in units.values())


def test_some_units():
    assert field_units(scenarios.HallParams)["m_a"] == "GeV"
    assert field_units(scenarios.HallParams)["phase"] == "rad"
    assert field_units(scenarios.HallParams)["sigma_v_x"] == "GeV^-2"
    assert field_units(scenarios.HallPrediction)["decay_length"] == "m"
    assert field_units(scenarios.HallPrediction)["losp_lifetime"] == "s"
    assert field_units(scenarios.ArduParams)["m_nlsp"] == "GeV"
    assert field_units(scenarios.ArduPrediction)["tau_nlsp"] == "s"
    assert field_units(scenarios.ArduPrediction)["m_gravitino"] == "GeV"
    assert field_units(freezeout.FreezeOutParams)["a"] == "GeV^-2"
    assert field_units(washout.WashoutParams)["m_dirac"] == "GeV"
    assert field_units(freezein.FreezeInParams)["width"] == "GeV"
