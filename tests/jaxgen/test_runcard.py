"""Tests of jaxgen.runcard: TOML schema validation (errors name the key, the expected form and the fix), parameter
building, and the predict / sweep / fit / sensitivity runners on a small analytic toy scenario (cheap to compile)
that stands in for the real chains (registered under the name "hall" for the duration of a test). The scenario
registry and the units read from field metadata: tests/jaxgen/test_runcard_registry.py."""

import pathlib
import sys
import tomllib
import types
from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgen
from jaxgen import _io
from jaxgen import runcard as rc
from jaxgen._units import units_field
from jaxgen.runcard import _registry, _sweep_card

PACKAGE = pathlib.Path(jaxgen.__file__).parent
RUNCARDS = sorted((PACKAGE / "data" / "runcards").glob("*.toml"))
DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "cli.md"


# ---------------------------------------------------------------- a toy scenario with the chains' structure
def _arr(x):
    return jnp.asarray(x, dtype=float)


class ToyParams(eqx.Module):
    lam: Any = units_field("1", default=1e-9, converter=_arr)
    phase: Any = units_field("rad", default=(-0.3, 0.2), converter=_arr)
    m_x: Any = units_field("GeV", default=1.5, converter=_arr)

    @classmethod
    def benchmark(cls, **kw):
        return cls(lam=2e-9, **kw)


class ToySettings(eqx.Module):
    scale: float = eqx.field(static=True, default=1e8)

    def __check_init__(self):
        if not self.scale > 0:
            raise ValueError(f"ToySettings.scale must be > 0, got {self.scale}")


class ToyPrediction(eqx.Module):
    eta_b: Any = units_field("1")
    omega_x_h2: Any = units_field("1")
    m_x: Any = units_field("GeV")
    m_x_required: Any = units_field("GeV")
    decay_length: Any = units_field("m")
    epsilon: Any = units_field("1")
    status: Any = units_field("1")


def toy_chain(p, s=ToySettings()):
    """eta_b = scale lam^2 sin(-phase_0); omega ~ m_x eta_b; decay length 1e-17/lam^2 m; status 1 if lam <= 0."""
    eta_b = s.scale * p.lam**2 * jnp.sin(-p.phase[0])
    bad = ~(p.lam > 0)
    return ToyPrediction(
        eta_b=jnp.where(bad, 0.0, eta_b),
        omega_x_h2=p.m_x * eta_b * 3.6e8,
        m_x=p.m_x,
        m_x_required=1.784 * jnp.ones_like(p.m_x),
        decay_length=1e-17 / jnp.where(bad, 1.0, p.lam) ** 2,
        epsilon=jnp.sin(p.phase),
        status=jnp.where(bad, 1, 0).astype(jnp.int32),
    )


@pytest.fixture
def toy(monkeypatch):
    mod = types.ModuleType("jaxgen_toy_scenario")
    mod.ToyParams, mod.ToySettings, mod.toy_chain, mod.ToyPrediction = ToyParams, ToySettings, toy_chain, ToyPrediction
    monkeypatch.setitem(sys.modules, "jaxgen_toy_scenario", mod)
    monkeypatch.setitem(_registry._ENTRIES, "hall", _registry._ENTRIES["hall"])  # restored after the test
    rc.register_scenario(
        "hall",
        params=ToyParams,
        settings=ToySettings,
        chain=toy_chain,
        prediction=ToyPrediction,
        description="analytic toy chain",
        status_module=mod,
        replace=True,
    )
    return mod


def card(text: str, tmp_path=None, name="card.toml"):
    if tmp_path is None:
        return rc.parse_runcard(tomllib.loads(text))
    p = tmp_path / name
    p.write_text(text)
    return rc.load_runcard(p)


BASE = '[scenario]\nname = "hall"\n'


# ---------------------------------------------------------------- schema errors
@pytest.mark.parametrize(
    "text, match",
    [
        (
            '[scenario]\nname = "hal"\n',
            r"\[scenario\]\.name = 'hal' is invalid: expected one of 'hall', 'ardu', 'slha' "
            r"\(did you mean 'hall'\?\)\. Fix: e\.g\. name = \"hall\"",
        ),
        ("[scenario]\n", r"missing key \[scenario\]\.name \(string: .*add e\.g\. name = \"hall\""),
        ('title = "x"\n', r"missing section \[scenario\]"),
        (BASE + "[sweeps]\nn = 1\n", r"unknown section \[sweeps\]\. Did you mean 'sweep'\?"),
        ('titel = "x"\n' + BASE, r"unknown top-level key 'titel'\. Did you mean 'title'\?"),
        (BASE + 'titel = "x"\n', r"unknown key \[scenario\]\.titel\. Valid keys: base, name, settings"),
        (BASE + '[sweep]\ndesing = "grid"\naxes = []\n', r"unknown key \[sweep\]\.desing\. Did you mean 'design'\?"),
        (
            BASE + '[sweep]\nn = "many"\naxes = []\n',
            r"\[sweep\]\.n = 'many' is invalid: expected an integer >= 1\. "
            r"Fix: e\.g\. n = 1024",
        ),
        (BASE + "[sweep]\nn = 0\naxes = []\n", r"\[sweep\]\.n = 0 is invalid: expected an integer >= 1"),
        (BASE + '[sweep]\ndesign = "sobel"\nn = 4\naxes = []\n', r"did you mean 'sobol'"),
        (
            BASE + '[sweep]\nn = 4\naxes = [{ path = "lam", low = 2.0, high = 1.0 }]\n',
            r"low = 2\.0 > high = 1\.0; swap",
        ),
        (
            BASE + '[sweep]\nn = 4\naxes = [{ path = "lam", low = 0.0, high = 1.0, log = true }]\n',
            r"log = true needs low > 0",
        ),
        (
            BASE + '[sweep]\ndesign = "grid"\naxes = [{ path = "lam", low = 0.0, high = 1.0 }]\n',
            r"design = \"grid\" needs n .* n = 16",
        ),
        (BASE + '[sweep]\naxes = [{ path = "lam", low = 0.0, high = 1.0 }]\n', r"\[sweep\]\.n is missing"),
        (
            BASE + '[sweep]\nn = 4\naxes = [{ path = "lam", lo = 0.0, high = 1.0 }]\n',
            r"unknown key \[sweep\.axes\[0\]\]\.lo\. Did you mean 'low'\?",
        ),
        (
            BASE + '[sweep]\nn = 4\naxes = [{ path = "lam", low = 0.0, high = 1.0 }]\nplot = { x = "lam", y = "m_x", '
            'z = "eta_b" }\n',
            r"\[sweep\.plot\]\.y = 'm_x' is not a swept axis",
        ),
        (
            BASE + '[fit]\nfree = [{ path = "lam" }]\ntargets = [{ path = "eta_b", value = 1.0, sigma = 0.0 }]\n',
            r"\[fit\.targets\[0\]\]\.sigma = 0\.0 is invalid: expected a positive finite number",
        ),
        (
            BASE
            + '[fit]\nfree = [{ path = "lam", lower = 2.0, upper = 1.0 }]\ntargets = [{ path = "eta_b", value = 1.0, '
            "sigma = 1.0 }]\n",
            r"lower = 2\.0 must be < upper = 1\.0",
        ),
        (
            BASE + '[fit]\nfree = [{ path = "lam", transform = "logarithmic" }]\ntargets = []\n',
            r"expected one of 'auto', 'log', 'periodic', 'identity', 'logit'",
        ),
        (
            BASE + '[parameters]\nlam = "big"\n',
            r"\[parameters\]\.lam = 'big' is invalid: expected a number or an array",
        ),
        (BASE + '[output]\nformats = ["hdf5"]\n', r"'hdf5' is not one"),
        (BASE + '[slha]\nfile = "heavy"\n', r"\[slha\] only goes with \[scenario\] name = \"slha\""),
        ('[scenario]\nname = "slha"\n', r"needs an \[slha\] section"),
        ('[scenario]\nname = "slha"\n[slha]\nfile = "nope.slha"\n', r"\[slha\]\.file = 'nope\.slha': no such file"),
        (
            '[scenario]\nname = "slha"\n[slha]\nfile = "heavy"\n[sweep]\nn = 2\naxes = [{path = "x", low = 0.0, '
            "high = 1.0}]\n",
            r"\[sweep\] is not available for the \"slha\" scenario",
        ),
        (
            '[scenario]\nname = "slha"\n[slha]\nfile = "heavy"\nlight_threshold = 1.5\n',
            r"\[slha\]: SlhaSettings\.light_threshold must be in \(0, 1\)",
        ),
        (
            '[scenario]\nname = "slha"\n[slha]\nfile = "heavy"\nhiggs_sector = "lite"\n',
            r"\[slha\]\.higgs_sector = 'lite' is invalid: expected one of 'spectrum', 'light' \(did you mean 'light'\?\)",
        ),
    ],
)
def test_schema_errors(text, match):
    with pytest.raises(ValueError, match=match):
        card(text)


def test_toml_syntax_error_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"not valid TOML: .*line 2"):
        card("[scenario]\nname = hall\n", tmp_path)
    with pytest.raises(FileNotFoundError, match="not found"):
        rc.load_runcard(tmp_path / "missing.toml")


def test_defaults_filled_and_paths(tmp_path):
    (tmp_path / "spec").mkdir()
    spec = (PACKAGE / "data" / "slha" / "heavy.slha").read_text()
    (tmp_path / "spec" / "s.slha").write_text(spec)
    c = card('[scenario]\nname = "slha"\n[slha]\nfile = "spec/s.slha"\n', tmp_path)
    assert c.slha["file"] == str((tmp_path / "spec" / "s.slha").resolve())  # relative to the runcard's folder
    assert c.slha["temperature"] == 131.7 and c.slha["dm_to_baryon"] == "planck2018"
    assert c.output == {"directory": None, "formats": ["netcdf", "csv", "png"]} and c.output_dir() is None
    assert c.output_dir(tmp_path / "o") == (tmp_path / "o").resolve()
    c2 = card(BASE + '[sweep]\nn = 8\naxes = { path = "lam", low = 1.0, high = 2.0 }\n[output]\ndirectory = "d"\n')
    assert c2.sweep["design"] == "sobol" and c2.sweep["chunk_size"] == 4096 and c2.sweep["axes"][0]["log"] is False
    assert c2.output_dir() == (pathlib.Path.cwd() / "d").resolve()  # output: relative to the working directory
    c3 = card(BASE + '[parameters]\ndm_to_baryon = "hall2010"\nnested.x = 1\nphase = [1, 2]\n')
    assert c3.parameters == {"dm_to_baryon": 4.86, "nested.x": 1.0, "phase": [1.0, 2.0]}


@pytest.mark.parametrize("path", RUNCARDS, ids=lambda p: p.name)
def test_shipped_runcards_validate(path):
    """Every example runcard parses; if its scenario is importable its names match the classes (no tracing)."""
    c = rc.load_runcard(path)
    assert c.output["directory"] is None  # examples write only where --out says
    try:
        done = rc.validate(c)
    except rc.NotAvailableError:
        pytest.skip(f"scenario {c.scenario!r} not available")
    assert done


def test_reference_docs_are_complete():
    """docs/cli.md contains the generated runcard reference (every section and key)."""
    ref = rc.reference_markdown()
    for keys in rc.SCHEMA.values():
        for k in keys:
            assert f"| `{k}` |" in ref
    assert DOCS.exists() and ref in DOCS.read_text(), "regenerate the reference section of docs/cli.md"


# ---------------------------------------------------------------- parameters and settings (toy scenario)
def test_build_params_and_settings(toy):
    c = card(BASE + 'base = "benchmark"\nsettings = { scale = 2e8 }\n[parameters]\nm_x = 2.5\n"phase.1" = 0.7\n')
    p = rc.build_params(c)
    assert float(p.lam) == 2e-9 and float(p.m_x) == 2.5 and np.allclose(p.phase, [-0.3, 0.7])
    assert rc.build_settings(c).scale == 2e8
    with pytest.raises(ValueError, match=r"unknown parameter \[parameters\]\.lamb for ToyParams\. Did you mean 'lam'"):
        rc.build_params(card(BASE + "[parameters]\nlamb = 1e-9\n"))
    with pytest.raises(
        ValueError, match=r"\[parameters\]\.phase = 1.0 has shape \[\] but ToyParams\.phase has shape \[2\]"
    ):
        rc.build_params(card(BASE + "[parameters]\nphase = 1.0\n"))
    with pytest.raises(
        ValueError,
        match=r"unknown key \[scenario\]\.settings\.scal for ToySettings\. Did you mean "
        r"'scale'",
    ):
        rc.build_settings(card(BASE + "settings = { scal = 1.0 }\n"))
    with pytest.raises(
        ValueError,
        match=r"\[scenario\]\.settings\.scale = -1\.0 is invalid: expected a positive "
        r"finite number\. Fix: e\.g\. scale = 1",
    ):
        rc.build_settings(card(BASE + "settings = { scale = -1.0 }\n"))
    with pytest.raises(ValueError, match=r"\[sensitivity\]\.outputs = 'eta' is not a prediction field.*'eta_b'"):
        rc.validate(card(BASE + '[sensitivity]\noutputs = ["eta"]\n'))
    with pytest.raises(ValueError, match=r"\[fit\.free\[0\]\]\.path = 'phase\.5' is not a parameter"):
        rc.validate(
            card(BASE + '[fit]\nfree = [{path = "phase.5"}]\ntargets = [{path = "eta_b", value = 1.0, sigma = 1.0}]\n')
        )


def test_not_available_scenario(monkeypatch):
    import importlib

    monkeypatch.setitem(
        _registry._ENTRIES,
        "ardu",
        _registry._Lazy(
            "ardu", "missing", "jaxgen._no_such_module.c", lambda: importlib.import_module("jaxgen._no_such_module")
        ),
    )
    with pytest.raises(rc.NotAvailableError, match=r"'ardu' scenario chain .* is not available yet"):
        rc.run_predict(card('[scenario]\nname = "ardu"\n'))


# ---------------------------------------------------------------- runners (toy scenario), files only in out/
def test_predict_runner_writes_only_into_out(toy, tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    c = card('title = "toy"\n' + BASE + "[parameters]\nlam = 1e-9\n", tmp_path)
    res = rc.run_predict(c)  # no output directory: nothing written
    assert res["written"] == [] and not any(cwd.iterdir())
    eta = 1e8 * 1e-18 * np.sin(0.3)
    assert abs(float(res["dataset"]["eta_b"]) - eta) < 1e-20
    assert "eta_b" in res["text"] and "m_x_required" in res["text"]
    out = tmp_path / "out"
    res = rc.run_predict(c, out=out)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["predict.csv", "predict.nc", "runcard.toml"] and not any(cwd.iterdir())
    import xarray as xr

    with xr.open_dataset(out / "predict.nc") as ds:
        assert ds["m_x_required"].attrs["units"] == "GeV" and ds["decay_length"].attrs["units"] == "m"
        assert ds["eta_b"].attrs["units"] == "1" and ds.attrs["scenario"] == "hall" and "versions" in ds.attrs
        assert ds["epsilon"].shape == (2,)
    rows = (out / "predict.csv").read_text().splitlines()
    assert rows[0] == "quantity,value,units" and any(r.startswith("epsilon[1],") for r in rows)
    with pytest.raises(ValueError, match="outside the output directory"):
        _io.inside(out, out / ".." / "escape.txt")


def test_sweep_runner_array_elements_rename_and_resume(toy, tmp_path):
    text = (
        BASE + '[sweep]\ndesign = "grid"\nchunk_size = 6\naxes = [\n'
        '  { path = "lam", low = 1e-10, high = 1e-8, log = true, n = 4 },\n'
        '  { path = "phase.0", low = -1.5, high = -0.1, n = 3, units = "rad" },\n'
        '  { path = "m_x", low = 1.0, high = 2.0, n = 2, units = "GeV" } ]\n'
        'plot = { x = "lam", y = "phase.0", z = "eta_b", bins = 3 }\n'
    )
    c = card(text, tmp_path)
    out = tmp_path / "out"
    res = rc.run_sweep_card(c, out=out, quiet=True)
    ds = res["dataset"]
    assert ds.sizes["point"] == 24 and int(ds["ok"].sum()) == 24
    # the result field m_x clashes with the swept parameter m_x: stored as m_x_out
    assert np.allclose(ds["m_x_out"].values, ds["m_x"].values)
    lam, ph = ds["lam"].values, ds["phase.0"].values
    assert np.allclose(ds["eta_b"].values, 1e8 * lam**2 * np.sin(-ph), rtol=1e-12)  # batched == the formula
    assert ds["phase.0"].attrs["units"] == "rad" and ds["decay_length"].attrs["units"] == "m"
    assert (out / "sweep_heatmap.png").stat().st_size > 1000 and (out / "sweep.csv").exists()
    assert res["run"].chunks_computed == 4
    import dataclasses

    c_nc = dataclasses.replace(c, output={**c.output, "formats": ["netcdf"]})
    again = rc.run_sweep_card(c_nc, out=out, quiet=True)  # resume: every chunk already on disk
    assert again["run"].chunks_computed == 0 and again["run"].chunks_skipped == 4
    with pytest.raises(ValueError, match=r"\[sweep\.plot\]\.z = 'etab' is not a prediction field"):
        rc.run_sweep_card(card(text.replace('z = "eta_b"', 'z = "etab"'), tmp_path, "c2.toml"), out=tmp_path / "o2")
    assert not (tmp_path / "o2").exists()  # validated before anything is computed or written


def test_fit_runner_recovers_truth(toy, tmp_path):
    """Data made from known (lam, m_x) at phase_0 = -0.3 are fitted back from random starts (jaxgen.fit)."""
    lam, m_x = 3e-9, 2.2
    truth = toy_chain(ToyParams(lam=lam, m_x=m_x))
    text = (
        BASE + "[fit]\nn_starts = 3\nsteps = 60\nfree = [\n"
        '  { path = "lam", transform = "log", lower = 1e-10, upper = 1e-8 },\n'
        '  { path = "m_x", transform = "log", lower = 0.5, upper = 5.0 } ]\n'
        f'targets = [ {{ path = "eta_b", value = {float(truth.eta_b)!r}, sigma = 1e-13 }},\n'
        f'  {{ path = "omega_x_h2", value = {float(truth.omega_x_h2)!r}, sigma = 1e-4 }} ]\n'
    )
    out = tmp_path / "out"
    res = rc.run_fit_card(card(text, tmp_path), out=out)
    ds = res["dataset"]
    best = dict(zip(ds["parameter"].values, ds["best"].values))
    assert abs(best["lam"] / lam - 1) < 1e-6 and abs(best["m_x"] / m_x - 1) < 1e-6
    assert float(ds["chi2"]) < 1e-8 and ds["history"].dims == ("start", "step")
    assert {p.name for p in out.iterdir()} == {"fit.nc", "fit.csv", "fit_history.png", "runcard.toml"}


def test_sensitivity_runner(toy, tmp_path):
    text = BASE + '[sensitivity]\ninputs = ["lam", "m_x", "phase.0"]\noutputs = ["eta_b", "omega_x_h2"]\n'
    res = rc.run_sensitivity_card(card(text, tmp_path), out=tmp_path / "out")
    t = res["table"]
    assert abs(t.get("eta_b", "lam") - 2.0) < 1e-10 and abs(t.get("omega_x_h2", "m_x") - 1.0) < 1e-10
    assert abs(t.get("eta_b", "m_x")) < 1e-12
    ph = -0.3  # d ln sin(-ph) / d ln|ph| = ph cos(ph)/sin(ph)
    assert abs(t.get("eta_b", "phase.0") - ph * np.cos(ph) / np.sin(ph)) < 1e-9
    assert (tmp_path / "out" / "sensitivity.md").read_text().startswith("|")
    assert (tmp_path / "out" / "sensitivity.png").exists()


# ---------------------------------------------------------------- values, not only keys (the real scenarios)
SHIPPED = PACKAGE / "data" / "runcards"
_HALL_SETTINGS = 'settings = { method = "quadrature", observed = "planck2018" }'
_ARDU_SETTINGS = 'settings = { nlsp = "slepton_R", washout = "boltzmann" }'
_BML = "b_minus_l_alpha = [0.3333333333333333, 0.3333333333333333, 0.3333333333333333]"

BAD_VALUES = [  # (shipped runcard, text replaced, replacement, regex of the message: key named, fix said)
    (
        "hall_predict.toml",
        "lam = 2.489e-9",
        "lam = -1.0",
        r"\[parameters\]\.lam = -1\.0 is invalid: .*lam must be > 0.*Fix",
    ),
    ("hall_predict.toml", "m_losp = 100.0", "m_losp = -100.0", r"\[parameters\]\.m_losp = -100\.0 is invalid.*Fix"),
    # the fuzz: m_nlsp = 1e308 gave NaN outputs with status 0 in the Ardu chain
    (
        "ardu_predict.toml",
        "m_nlsp = 2090.0",
        "m_nlsp = 1e308",
        r"\[parameters\]\.m_nlsp = 1e\+308 is invalid: \|value\| > 1e\+30 overflows",
    ),
    (
        "ardu_sweep.toml",
        "low = 500.0, high = 5000.0",
        "low = 500.0, high = 1e300",
        r"\[sweep\.axes\[0\]\]\.high = 1e\+300 is invalid: expected a finite number with \|value\| <= 1e\+30",
    ),
    (
        "ardu_predict.toml",
        "m_dirac = 5000.0",
        "m_dirac = -5.0",
        r"\[parameters\]\.m_dirac = -5\.0 is invalid: .*>= 0.*Fix",
    ),
    (
        "hall_predict.toml",
        _HALL_SETTINGS,
        "settings = { n_nodes = 0 }",
        r"\[scenario\]\.settings\.n_nodes = 0 is invalid: expected an integer in \[1, .*Fix: e\.g\. n_nodes = 48",
    ),
    ("hall_predict.toml", _HALL_SETTINGS, "settings = { n_nodes = -4 }", r"settings\.n_nodes = -4 is invalid"),
    ("hall_predict.toml", _HALL_SETTINGS, 'settings = { n_nodes = "many" }', r"settings\.n_nodes = 'many' is invalid"),
    (
        "hall_predict.toml",
        _HALL_SETTINGS,
        "settings = { observed = {} }",
        r"\[scenario\]\.settings\.observed = \{\} is invalid: expected a single value.*Fix: e\.g\. observed = \"planck2018\"",
    ),
    (
        "hall_predict.toml",
        _HALL_SETTINGS,
        'settings = { observed = "planck2019" }',
        r"\[scenario\]\.settings\.observed = 'planck2019' is invalid: .*Fix",
    ),
    (
        "ardu_predict.toml",
        _ARDU_SETTINGS,
        'settings = { z_end = "x" }',
        r"\[scenario\]\.settings\.z_end = 'x' is invalid: expected a positive finite number\. Fix: e\.g\. z_end = 300\.0",
    ),
    (
        "ardu_predict.toml",
        _ARDU_SETTINGS,
        "settings = { max_steps = 10.5 }",
        r"\[scenario\]\.settings\.max_steps = 10\.5 is invalid: expected an integer",
    ),
    (
        "ardu_predict.toml",
        _ARDU_SETTINGS,
        "settings = { z_start = 400.0 }",
        r"settings\.z_start = 400\.0 is invalid.*z_end",
    ),
    (
        "hall_predict.toml",
        "phase = [-0.10471975511965977]",
        "phase = [-0.1, 0.2, 0.3]",
        r"\[parameters\]\.phase = \[-0\.1, 0\.2, 0\.3\] is invalid: .*per-state fields",
    ),
    (
        "hall_predict.toml",
        "m_a = [300.0]",
        "m_a = [[300.0]]",
        r"\[parameters\]\.m_a = \[\[300\.0\]\] has shape \[1, 1\] but HallParams\.m_a has shape \[1\]; give a flat list",
    ),
    ("hall_predict.toml", "m_a = [300.0]", "m_a = [[300.0], [1.0, 2.0]]", r"\[parameters\]\.m_a = .* ragged array"),
    (
        "ardu_predict.toml",
        _BML,
        "b_minus_l_alpha = [0.5, 0.5]",
        r"\[parameters\]\.b_minus_l_alpha = \[0\.5, 0\.5\] is invalid: .*length 3",
    ),
    (
        "hall_sensitivity.toml",
        '"symmetric_fraction"]',
        '"status"]',
        r"\[sensitivity\]\.outputs = 'status' is an integer bit field.*Fix: use a float field",
    ),
    (
        "hall_fit.toml",
        'path = "decay_length"',
        'path = "flags"',
        r"\[fit\.targets\[2\]\]\.path = 'flags' is an integer",
    ),
    (
        "hall_fit.toml",
        'transform = "log", lower = 1e-10, upper = 1e-8',
        'transform = "logit", lower = 1e-10',
        r"\[fit\.free\[0\]\] \(path 'lam'\): .*logit.*needs both.*Fix",
    ),
    (
        "hall_fit.toml",
        'transform = "log", lower = 1e-10, upper = 1e-8',
        'transform = "log", lower = -1.0, upper = 1e-8',
        r"\[fit\.free\[0\]\] \(path 'lam'\): .*lower > 0",
    ),
    (
        "hall_sweep.toml",
        "chunk_size = 2048",
        'chunk_size = 2048\nunits = { nonsense = "GeV" }',
        r"\[sweep\]\.units names 'nonsense', not a result field.*Fix",
    ),
    (
        "hall_sweep.toml",
        "chunk_size = 2048",
        "chunk_size = 2048\nunits = { eta_b = 1 }",
        r"\[sweep\]\.units = \{'eta_b': 1\} is invalid: expected a table of strings",
    ),
]


@pytest.mark.parametrize("name,old,new,match", BAD_VALUES, ids=[f"{b[0]}:{b[2][:30]}" for b in BAD_VALUES])
def test_check_rejects_bad_values_naming_the_key(name, old, new, match, tmp_path, capsys):
    from jaxgen import cli

    text = (SHIPPED / name).read_text()
    assert old in text
    p = tmp_path / name
    p.write_text(text.replace(old, new))
    with pytest.raises(ValueError, match=match):
        rc.validate(rc.load_runcard(p))
    assert cli.main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert "jaxgen check: error:" in err and str(p) in err and "Traceback" not in err


@pytest.mark.parametrize(
    "runner,name,old,new,match",
    [
        ("run_predict", "hall_predict.toml", "lam = 2.489e-9", "lam = -1.0", r"\[parameters\]\.lam = -1\.0"),
        ("run_predict", "ardu_predict.toml", _ARDU_SETTINGS, "settings = { max_steps = 10.5 }", r"settings\.max_steps"),
        ("run_sensitivity_card", "hall_sensitivity.toml", '"symmetric_fraction"]', '"status"]', r"outputs = 'status'"),
        (
            "run_sweep_card",
            "hall_sweep.toml",
            "chunk_size = 2048",
            'chunk_size = 2048\nunits = { nonsense = "GeV" }',
            r"\[sweep\]\.units names 'nonsense'",
        ),
        (
            "run_fit_card",
            "hall_fit.toml",
            'settings = { method = "quadrature" }',
            "settings = { n_nodes = 0 }",
            r"settings\.n_nodes = 0",
        ),
    ],
)
def test_every_runner_rejects_bad_values_before_running(runner, name, old, new, match, tmp_path):
    p = tmp_path / name
    p.write_text((SHIPPED / name).read_text().replace(old, new))
    card = rc.load_runcard(p)
    with pytest.raises(ValueError, match=match):
        getattr(rc, runner)(card, out=tmp_path / "out", quiet=True)
    assert not (tmp_path / "out").exists()


def test_non_utf8_runcard_names_the_file(tmp_path):
    p = tmp_path / "latin1.toml"
    p.write_bytes('title = "Ardu et al. \u2014 caf\xe9"\n[scenario]\nname = "hall"\n'.encode("latin-1", "replace"))
    with pytest.raises(ValueError, match=r"latin1\.toml: not a UTF-8 text file .*re-save the file as UTF-8"):
        rc.load_runcard(p)


# ------------------------------------------------------------------ sweep runner at scale (streamed outputs)
_SWEEP12 = (
    BASE + '[sweep]\ndesign = "grid"\nchunk_size = 4\naxes = [\n'
    '  { path = "lam", low = -1e-9, high = 1e-8, n = 4 },\n'
    '  { path = "m_x", low = 1.0, high = 2.0, n = 3, units = "GeV" } ]\n'
    'plot = { x = "lam", y = "m_x", z = "eta_b", bins = 3 }\n'
)


@pytest.fixture
def toy_status(toy, monkeypatch):
    monkeypatch.setattr(toy, "STATUS_BAD_INPUT", 1, raising=False)
    monkeypatch.setattr(toy, "STATUS_ERROR_MASK", 1, raising=False)
    monkeypatch.setattr(toy, "STATUS_MESSAGES", {1: "bad input (lam <= 0)"}, raising=False)
    return toy


def test_sweep_runner_streams_csv_atomically_with_status_names(toy_status, tmp_path, monkeypatch, capfd):
    import csv
    import os

    import xarray as xr

    from jaxgen.sweep import load_sweep

    c = card(_SWEEP12, tmp_path)
    out = tmp_path / "out"
    res = rc.run_sweep_card(c, out=out)  # not quiet: progress goes to stderr as plain lines (no terminal here)
    err = capfd.readouterr().err
    assert "12/12 points (100.0%)" in err and "reading the 3 verified chunk(s)" in err
    ds = load_sweep(out / "sweep")
    rows = list(csv.reader((out / "sweep.csv").open()))
    assert len(rows) == 13 and rows[0][0] == "point"
    col = rows[0].index("eta_b")
    np.testing.assert_array_equal([float(r[col]) for r in rows[1:]], ds["eta_b"].values)
    assert res["dataset"].sizes["point"] == 12 and int(ds["ok"].sum()) == 9  # lam = -1e-9: status 1 on 3 points
    with xr.open_dataset(out / "sweep" / "chunk_00000000.nc") as c0:  # the status bits are named in the file
        assert c0["status"].attrs["flag_meanings"] == "bad_input"
        assert np.atleast_1d(c0["status"].attrs["flag_masks"]).tolist() == [1]  # netCDF stores a 1-list as a scalar
        assert "lam <= 0" in c0["status"].attrs["flag_descriptions"]
    # a failure while writing leaves the previous sweep.csv intact and no temp file: the CSV is atomic
    before = (out / "sweep.csv").read_bytes()
    calls = {"n": 0}
    real = _io.csv_rows

    def failing(ds_):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full (simulated)")
        return real(ds_)

    monkeypatch.setattr(_io, "csv_rows", failing)
    with pytest.raises(OSError, match="disk full"):
        rc.run_sweep_card(c, out=out, quiet=True)
    assert (out / "sweep.csv").read_bytes() == before
    assert not [e for e in os.listdir(out) if ".tmp." in e]
    # the temp file of a run killed (SIGKILL) while writing sweep.csv is removed by the next run
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / f".sweep.csv.tmp.{_io._HOST}.{dead.pid}").write_text("")
    monkeypatch.setattr(_io, "csv_rows", real)
    rc.run_sweep_card(c, out=out, quiet=True)
    assert not [e for e in os.listdir(out) if ".tmp." in e] and (out / "sweep.csv").read_bytes() == before


def test_sweep_runner_csv_opt_in_above_size_and_large_sweep_confirmation(toy_status, tmp_path, monkeypatch, capsys):
    from jaxgen import cli

    c = card(_SWEEP12, tmp_path)
    monkeypatch.setattr(_sweep_card, "CSV_MAX_POINTS", 5)
    res = rc.run_sweep_card(c, out=tmp_path / "a", quiet=True)
    assert res["dataset"] is None and not (tmp_path / "a" / "sweep.csv").exists()
    assert "not loaded into memory" in res["text"] and (tmp_path / "a" / "sweep_heatmap.png").exists()
    res = rc.run_sweep_card(c, out=tmp_path / "a", quiet=True, force_csv=True)  # resumes, then writes the CSV
    assert res["run"].chunks_computed == 0 and len((tmp_path / "a" / "sweep.csv").read_text().splitlines()) == 13
    monkeypatch.setattr(_sweep_card, "LARGE_SWEEP_POINTS", 10)
    with pytest.raises(
        ValueError,
        match=r"12 points, more than 1e\+01: about .* GB of NetCDF \(\d+ bytes per point\)"
        r".*--allow-large",
    ):
        rc.run_sweep_card(c, out=tmp_path / "b", quiet=True)
    assert not (tmp_path / "b").exists()  # refused before anything is written
    assert cli.main(["check", str(tmp_path / "card.toml")]) == 0
    said = capsys.readouterr().out
    assert "sweep of 12 points" in said and "refuses to start without --allow-large" in said
    assert cli.main(["sweep", str(tmp_path / "card.toml"), "--out", str(tmp_path / "b"), "-q"]) == 2
    assert "--allow-large" in capsys.readouterr().err
    assert cli.main(["sweep", str(tmp_path / "card.toml"), "--out", str(tmp_path / "b"), "-q", "--allow-large"]) == 0


def test_truncated_runcard_with_a_cut_number_is_refused(tmp_path):
    text = (SHIPPED / "hall_predict.toml").read_text()
    cut = text[: text.index("m_losp = 100.0") + len("m_losp = 10")]  # 100.0 -> 10: would be read silently
    p = tmp_path / "cut.toml"
    p.write_text(cut)
    with pytest.raises(
        ValueError,
        match=r"cut\.toml: line \d+ \(m_losp = \.\.\.\), the last line 'm_losp = 10', "
        r"has no line end: the file looks truncated.*Fix",
    ):
        rc.load_runcard(p)
    p.write_text(cut + "\n")  # a complete line is read as written
    assert rc.load_runcard(p).parameters["m_losp"] == 10.0


# ---------------------------------------------------------------- the Hall chain's spectrum mode (real classes)
SPECTRUM_CARD = """[scenario]
name = "hall"
settings = { epsilon = "spectrum" }

[parameters]
lam = 5.8e-9
m_x = 1.784

[parameters.spectrum]
M1 = 250.0
M2 = 600.0
mu = 400.0
phi_mu = -0.10471975511965977
tan_beta = 10.0
"""


def test_hall_spectrum_mode_card():
    """settings.epsilon = "spectrum": the point is a HallSpectrumParams built by HallParams.from_spectrum from
    [parameters.spectrum] (M1, M2, |mu| and its phase phi_mu, tan_beta), lam and m_x (the phi_X mass); the spectrum
    leaves are parameter paths for sweeps and fits; missing or bad spectrum keys are named."""
    from jaxgen.scenarios import HallSpectrumParams

    c = card(SPECTRUM_CARD)
    p = rc.build_params(c)
    assert isinstance(p, HallSpectrumParams) and p.spectrum is not None
    assert float(p.spectrum.M1) == 250.0 and float(p.spectrum.phi_mu) == pytest.approx(-np.pi / 30, rel=1e-15)
    assert float(p.lam) == 5.8e-9 and float(p.m_x) == 1.784 and p.m_a.shape == (5,)  # chi-_1,2, chi0_2..4
    # the stored eps0 and phase (from_spectrum) give the computed eps through eq. (2.7): phase = phi_2 = phi_mu
    assert np.allclose(p.phase, -np.pi / 30, rtol=1e-12) and np.all(np.asarray(p.eps0) != 0)
    assert rc.build_settings(c).epsilon == "spectrum"
    done = rc.validate(
        card(
            SPECTRUM_CARD + '\n[sensitivity]\ninputs = ["spectrum.M1", "spectrum.tan_beta", "lam"]\n'
            'outputs = ["eta_b"]\n'
        )
    )
    assert "[sensitivity] paths" in done
    with pytest.raises(ValueError, match=r"missing \['spectrum\.tan_beta'\].*base = \"benchmark\""):
        rc.build_params(card(SPECTRUM_CARD.replace("tan_beta = 10.0\n", "")))
    with pytest.raises(ValueError, match=r"unknown parameter \[parameters\]\.spectrum\.M3 .*Did you mean 'M2'"):
        rc.build_params(card(SPECTRUM_CARD + "M3 = 1.0\n"))
    with pytest.raises(ValueError, match=r"\[parameters\]\.spectrum\.mu is invalid: .*positive modulus"):
        rc.build_params(card(SPECTRUM_CARD.replace("mu = 400.0", "mu = -400.0")))
    # base = "benchmark": HallParams.benchmark_spectrum(), [parameters] applied on top
    b = rc.build_params(card(SPECTRUM_CARD.replace("[scenario]\n", '[scenario]\nbase = "benchmark"\n')))
    assert isinstance(b, HallSpectrumParams) and float(b.lam) == 5.8e-9 and float(b.spectrum.tan_beta) == 10.0
