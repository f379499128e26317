"""The common base of the two chains (jaxgen.scenarios._base, jaxgen._batching): one shape for Hall and Ardu.

Cheap: no chain is compiled here (predictions are built directly; the freeze-in/out checks use closed forms)."""

import dataclasses
import math
import tomllib
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import freezein, freezeout, runcard, scenarios
from jaxgen._batching import BatchedParams, broadcast_fields
from jaxgen.cosmology import Cosmology
from jaxgen.scenarios import ardu, hall
from jaxgen.scenarios._base import ScenarioParams, ScenarioPrediction, sanitize

jax.config.update("jax_enable_x64", True)

CHAINS = [
    (
        scenarios.HallParams,
        dict(m_a=300.0, lam=[1e-9, 2e-9, 3e-9]),
        "lam",
        dict(m_a=300.0, lam=[1e-9, 2e-9, 3e-9], m_x=[1.0, 2.0]),
    ),
    (
        scenarios.ArduParams,
        dict(m_nlsp=[2000.0, 2500.0, 3000.0]),
        "m_nlsp",
        dict(m_nlsp=[2000.0, 2500.0, 3000.0], m_dirac=[5e3, 6e3]),
    ),
]


def test_public_names():
    for name in (
        "HallParams",
        "HallPrediction",
        "HallSettings",
        "asymmetric_freezein",
        "asymmetric_freezein_batch",
        "broadcast_batch",
        "ArduParams",
        "ArduPrediction",
        "ArduSettings",
        "ARDU_BENCHMARKS",
        "rsymmetric_adm",
        "rsymmetric_adm_batch",
        "hall",
        "ardu",
        "HallStatus",
        "ArduStatus",
        "ScenarioParams",
        "ScenarioPrediction",
    ):
        assert name in scenarios.__all__ and hasattr(scenarios, name)
    assert scenarios.hall.__name__ == "jaxgen.scenarios.hall" and scenarios.ardu.__name__ == "jaxgen.scenarios.ardu"
    import jaxgen._scenario_ardu as old_ardu
    import jaxgen._scenario_hall as old_hall

    assert old_hall is hall and old_ardu is ardu  # the old private paths are the same modules


@pytest.mark.parametrize("cls,good,field,bad", CHAINS, ids=lambda v: getattr(v, "__name__", ""))
def test_batch_from_lists_and_mismatched_lengths(cls, good, field, bad):
    assert issubclass(cls, ScenarioParams) and issubclass(cls, BatchedParams)
    p = cls.batch(**good)
    assert getattr(p, field).shape == (3,)
    for f in dataclasses.fields(cls):  # every field has the batch axis (defaults included), float64
        v = getattr(p, f.name)
        assert v.shape[0] == 3 and v.dtype == jnp.result_type(float), f.name
    q = cls.batch(base=p, **{field: [1.0, 2.0, 3.0]})
    assert np.all(np.asarray(getattr(q, field)) == [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="disagree|do not broadcast together") as e:
        cls.batch(**bad)
    assert all(f"{k} ({len(v)},)" in str(e.value) for k, v in bad.items() if isinstance(v, list)), str(e.value)


@pytest.mark.parametrize("cls", [scenarios.HallParams, scenarios.ArduParams], ids=lambda c: c.__name__)
def test_converters_and_dtype_in_both_chains(cls):
    p = cls.benchmark()
    for f in dataclasses.fields(cls):
        v = getattr(p, f.name)
        if cls is scenarios.ArduParams and f.name != "b_minus_l_alpha":
            assert type(v) is float, f.name  # Python numbers stay Python floats in the Ardu chain (as before)
        else:
            assert isinstance(v, jax.Array) and v.dtype == jnp.result_type(float), f.name
    name = "m_x" if cls is scenarios.HallParams else "m_nlsp"
    with pytest.raises(TypeError, match=f"{cls.__name__}.{name}"):
        cls.benchmark(**{name: "heavy"})
    assert jnp.result_type(getattr(cls.benchmark(**{name: 3}), name)) == jnp.result_type(float)  # ints: floats
    assert getattr(cls.benchmark(**{name: np.arange(1, 3)}), name).dtype == jnp.result_type(float)


def _prediction(cls, status, flags):
    vals = {f.name: jnp.zeros(np.shape(status)) for f in dataclasses.fields(cls)}
    vals["status"] = jnp.asarray(status, jnp.int32)
    vals["flags"] = jnp.asarray(flags, jnp.int32)
    return cls(**vals)


def test_valid_and_status_names_on_both_predictions():
    for cls, mod in ((scenarios.HallPrediction, hall), (scenarios.ArduPrediction, ardu)):
        assert issubclass(cls, ScenarioPrediction) and cls._error_mask_ == mod.STATUS_ERROR_MASK
        ok = _prediction(cls, 0, 0)
        assert bool(ok.valid) and ok.status_names() == []
        bad = _prediction(cls, mod.STATUS_BAD_INPUT, 0)
        assert not bool(bad.valid) and bad.status_names() == ["bad_input"]
        batch = _prediction(
            cls, [0, mod.STATUS_NONFINITE], [mod.STATUS_NO_ASYMMETRY if mod is hall else mod.STATUS_BBN_EXCLUDED, 0]
        )
        assert np.array_equal(np.asarray(batch.valid), [True, False])
        names = batch.status_names()
        assert names[1] == ["nonfinite_output"] and len(names[0]) == 1
    assert _prediction(scenarios.HallPrediction, 0, hall.STATUS_THERMALIZED).status_names() == ["thermalized"]
    assert bool(_prediction(scenarios.HallPrediction, 0, hall.STATUS_THERMALIZED).valid)  # a flag is not an error


def test_error_mask_one_name_with_the_old_alias():
    assert ardu.STATUS_INVALID == ardu.STATUS_ERROR_MASK
    assert hall.STATUS_ERROR_MASK & hall.STATUS_DIAGNOSTIC_MASK == 0
    assert ardu.STATUS_ERROR_MASK & ardu.STATUS_DIAGNOSTIC_MASK == 0


def test_sanitize_returns_ok_in_both_chains():
    vals = {"m": jnp.asarray(-1.0), "c": jnp.asarray(0.5)}
    safe, ok = sanitize(vals, {"m": 2.0, "c": 0.3}, positive=("m",), unit_nonzero=("c",))
    assert not bool(ok) and float(safe["m"]) == 2.0 and float(safe["c"]) == 0.3
    safe, ok = sanitize({"m": jnp.asarray(1.0)}, {"m": 2.0}, positive=("m",))
    assert bool(ok) and float(safe["m"]) == 1.0
    _, ok = hall._sanitize(scenarios.HallParams.benchmark())
    assert bool(ok)
    _, ok = ardu._sanitize(scenarios.ArduParams.benchmark(), jnp.result_type(float))
    assert bool(ok)


def test_table_setting_in_both_chains_and_the_cosmology_deprecation():
    assert scenarios.HallSettings(table="constant").table == "constant"
    assert scenarios.ArduSettings(table="constant").table == "constant"
    with pytest.warns(DeprecationWarning, match=r"ArduSettings\(table='constant'\)"):
        old = scenarios.ArduSettings(cosmology="constant")
    assert old.table == "constant" and old.cosmology is None and old == scenarios.ArduSettings(table="constant")
    assert hash(old) == hash(scenarios.ArduSettings(table="constant"))
    with pytest.raises(ValueError, match="disagree"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            scenarios.ArduSettings(cosmology="constant", table="gondolo_gelmini")
    with pytest.raises(ValueError, match="table must be one of"):
        scenarios.ArduSettings(table="nope")
    assert dataclasses.replace(old, washout="instant").table == "constant"  # no warning: cosmology is None


def test_runcards_with_the_old_cosmology_key_still_work():
    card = runcard.parse_runcard(
        tomllib.loads('[scenario]\nname = "ardu"\nsettings = { cosmology = "constant" }\n'), "old.toml"
    )
    with pytest.warns(DeprecationWarning):
        s = runcard.build_settings(card)
    assert s.table == "constant"
    card = runcard.parse_runcard(
        tomllib.loads('[scenario]\nname = "ardu"\nsettings = { table = "constant" }\n'), "new.toml"
    )
    assert runcard.build_settings(card).table == "constant"


def test_broadcast_fields_generic():
    p = freezeout.FreezeOutParams(m=[10.0, 100.0], a=1e-9)
    q, batch = broadcast_fields(p, "FreezeOutParams", dict(m=0, a=0, b=0, g=0, eta=0, y0_ratio=0))
    assert batch == (2,) and q.a.shape == (2,) and q.g.shape == (2,)
    with pytest.raises(ValueError, match=r"m \(3,\), a \(2,\)"):
        broadcast_fields(
            freezeout.FreezeOutParams(m=[1.0, 2.0, 3.0], a=[1e-9, 2e-9]), "FreezeOutParams", dict(m=0, a=0)
        )


# ---------------------------------------------------------------------------------------------------------------
# .batch on the engine Params: batched == looped (closed forms: no ODE compile)
# ---------------------------------------------------------------------------------------------------------------
def test_freezeout_params_batch_batched_equals_looped():
    cosmo = Cosmology(table="constant", g_constant=100.0)
    p = freezeout.FreezeOutParams.batch(m=[10.0, 100.0, 1000.0], a=[1e-9, 3e-9, 1e-8], eta=1e-10)
    assert p.b.shape == p.g.shape == p.eta.shape == (3,)
    got = jax.vmap(lambda q: freezeout.freezeout_estimate(q, cosmo))(p)
    for i in range(3):
        one = freezeout.freezeout_estimate(freezeout.FreezeOutParams(m=p.m[i], a=p.a[i], eta=p.eta[i]), cosmo)
        np.testing.assert_allclose(got.x_f[i], one.x_f, rtol=1e-12)
        np.testing.assert_allclose(got.y_inf[i], one.y_inf, rtol=1e-12)
    with pytest.raises(ValueError, match="m"):
        freezeout.FreezeOutParams.batch(m=[1.0, 2.0, 3.0], a=[1e-9, 2e-9])


def test_freezein_params_batch_batched_equals_looped():
    cosmo = Cosmology(table="constant", g_constant=106.75)
    p = freezein.FreezeInParams.batch(
        mass=[[300.0], [500.0], [1000.0]], width=[[1e-20], [3e-20], [1e-19]], dof=2.0, eps=1e-3
    )
    assert p.dof.shape == (3, 1) and p.m_x.shape == (3,)
    settings = freezein.FreezeInSettings(compute_x_half=False, n_nodes=48)
    got = jax.vmap(lambda q: freezein.freezein_quadrature(q, cosmo, settings))(p)
    for i in range(3):
        one = freezein.freezein_quadrature(
            freezein.FreezeInParams(mass=p.mass[i], width=p.width[i], dof=p.dof[i], eps=p.eps[i]), cosmo, settings
        )
        np.testing.assert_allclose(got.yield_x[i], one.yield_x, rtol=1e-12)
        np.testing.assert_allclose(got.eta_x[i], one.eta_x, rtol=1e-12)
    assert math.isfinite(float(got.yield_x[0]))


def test_chunked_vmap_auto_chunk_per_backend():
    """chunked_vmap with "auto": the chunk of JAX's default backend from a {backend: chunk} mapping ("cpu" for one
    not listed), padding dropped, equal to a flat vmap; an explicit int chunk gives the same values."""
    from jaxgen._batching import _auto_chunk, chunked_vmap

    backend = jax.default_backend()
    assert _auto_chunk({"cpu": 3, backend: 5}) == 5
    assert _auto_chunk({"cpu": 3, "no-such-backend": 5}) == 3
    assert _auto_chunk(7) == 7
    x = jnp.arange(11.0)
    flat = jax.vmap(jnp.sin)(x)
    for chunk_size, auto in (("auto", {"cpu": 3, backend: 3}), (4, 99), ("auto", {"cpu": 99})):
        got = chunked_vmap(jnp.sin, x, 11, chunk_size, auto)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(flat))
