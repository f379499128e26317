"""The command line's input layer: --out checks, named CSV rows of fits and sensitivities, fit tables with units and
the fit status by name (exit code 1 for an unusable fit), status names of predictions. A cheap analytic toy scenario
stands in for the chains (registered as "hall" for the duration of a test)."""

import csv
import sys
import types
from typing import Any

import equinox as eqx
import jax.numpy as jnp
import pytest

from jaxgen import cli
from jaxgen import runcard as rc
from jaxgen._units import units_field
from jaxgen.runcard import _registry


def _arr(x):
    return jnp.asarray(x, dtype=float)


class ToyParams(eqx.Module):
    lam: Any = units_field("1", default=2e-9, converter=_arr)
    phase: Any = units_field("rad", default=(-0.3, 0.2), converter=_arr)
    m_x: Any = units_field("GeV", default=1.5, converter=_arr)


class ToySettings(eqx.Module):
    scale: float = eqx.field(static=True, default=1e8)


class ToyPrediction(eqx.Module):
    eta_b: Any = units_field("1")
    omega_x_h2: Any = units_field("1")
    m_x_required: Any = units_field("GeV")
    status: Any = units_field("1")


def toy_chain(p, s=ToySettings()):
    eta_b = s.scale * p.lam**2 * jnp.sin(-p.phase[0])
    bad = ~(p.lam > 0)
    return ToyPrediction(
        eta_b=jnp.where(bad, 0.0, eta_b),
        omega_x_h2=p.m_x * eta_b * 3.6e8,
        m_x_required=1.784 * jnp.ones_like(p.m_x),
        status=jnp.where(bad, 1, 0).astype(jnp.int32),
    )


@pytest.fixture
def toy(monkeypatch):
    mod = types.ModuleType("jaxgen_toy_cli_scenario")
    mod.ToyParams, mod.ToySettings, mod.toy_chain, mod.ToyPrediction = ToyParams, ToySettings, toy_chain, ToyPrediction
    mod.status_names = lambda code: ["bad input (lam <= 0)"] if int(code) & 1 else []
    monkeypatch.setitem(sys.modules, "jaxgen_toy_cli_scenario", mod)
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


def _fit_card(tmp_path, lower=1e-10, upper=1e-8):
    truth = toy_chain(ToyParams(lam=3e-9, m_x=2.2))
    p = tmp_path / "fit.toml"
    p.write_text(
        '[scenario]\nname = "hall"\n[fit]\nn_starts = 3\nsteps = 60\nfree = [\n'
        f'  {{ path = "lam", transform = "log", lower = {lower!r}, upper = {upper!r} }},\n'
        '  { path = "m_x", transform = "log", lower = 0.5, upper = 5.0 } ]\n'
        f'targets = [ {{ path = "eta_b", value = {float(truth.eta_b)!r}, sigma = 1e-13 }},\n'
        f'  {{ path = "omega_x_h2", value = {float(truth.omega_x_h2)!r}, sigma = 1e-4 }} ]\n'
    )
    return p


def test_out_naming_an_existing_file_is_refused_up_front(tmp_path, capsys):
    f = tmp_path / "results"
    f.write_text("not a directory")
    assert cli.main(["predict", "--example", "heavy", "--out", str(f)]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""  # nothing computed or printed before the check
    assert "--out" in cap.err and "is an existing file, not a directory" in cap.err and "Fix:" in cap.err
    assert "Traceback" not in cap.err and f.read_text() == "not a directory"
    card = tmp_path / "c.toml"
    card.write_text(f'[scenario]\nname = "slha"\n[slha]\nfile = "heavy"\n[output]\ndirectory = "{f / "sub"}"\n')
    assert cli.main(["predict", str(card)]) == 2
    assert "[output].directory" in capsys.readouterr().err
    assert cli.main(["reproduce", "--out", str(f), "--only", "equilibrium_scan"]) == 2
    assert "is an existing file, not a directory" in capsys.readouterr().err


def test_fit_table_units_no_internal_transform_names_and_named_csv(toy, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["fit", str(_fit_card(tmp_path)), "--out", str(out), "--format", "csv", "-q"]) == 0
    text = capsys.readouterr().out
    assert "loglogit" not in text and "log, bounded in [1e-10, 1e-08]" in text
    assert "units" in text and "GeV" in text.split("m_x", 1)[1].splitlines()[0]  # m_x's row carries its unit
    assert "fit status 0 (ok)" in text
    rows = {r[0]: r for r in csv.reader((out / "fit.csv").open())}
    assert {"covariance[lam,m_x]", "covariance[m_x,lam]", "best[lam]", "best[m_x]", "x_start[0,m_x]"} <= set(rows)
    assert rows["best[m_x]"][2] == "GeV" and rows["best[lam]"][2] == "1" and rows["covariance[lam,m_x]"][2] == "GeV"
    assert rows["transform[lam]"][1] == "log, bounded"
    assert not any(k.startswith("covariance[") and k[11:-1].isdigit() for k in rows)  # no bare flat indices


def test_fit_at_a_bound_prints_the_status_by_name_and_exits_1(toy, tmp_path, capsys):
    # the data want lam = 3e-9, above the range [1e-10, 1e-9]: the fit ends at the upper bound
    assert cli.main(["fit", str(_fit_card(tmp_path, upper=1e-9)), "-q"]) == 1
    cap = capsys.readouterr()
    assert "fit status" in cap.out and "fit status 0 (ok)" not in cap.out
    assert "AT_BOUND" in cap.err.replace(" ", "_") and "lam" in cap.err


def test_sensitivity_csv_names_rows_and_columns(toy, tmp_path, capsys):
    p = tmp_path / "s.toml"
    p.write_text(
        '[scenario]\nname = "hall"\n[sensitivity]\ninputs = ["lam", "m_x"]\noutputs = ["eta_b", "omega_x_h2"]\n'
    )
    out = tmp_path / "out"
    assert cli.main(["sensitivity", str(p), "--out", str(out), "--format", "csv", "-q"]) == 0
    names = [r[0] for r in csv.reader((out / "sensitivity.csv").open())]
    assert {"jacobian[eta_b,lam]", "elasticity[omega_x_h2,m_x]", "elasticity_ok[eta_b,m_x]"} <= set(names)
    assert not any(n.startswith(("jacobian[", "elasticity[")) and n.split("[")[1][0].isdigit() for n in names)


def test_predict_prints_status_names(toy, tmp_path, capsys):
    p = tmp_path / "p.toml"
    p.write_text('[scenario]\nname = "hall"\n[parameters]\nlam = 3e-9\n')
    assert cli.main(["predict", str(p), "-q"]) == 0
    assert "status: 0 (ok)" in capsys.readouterr().out
    res = rc.run_predict(rc.load_runcard(p))
    assert res["text"].splitlines()[-1] == "  status: 0 (ok)"
    assert rc.get_scenario("hall").status_text(1) == "bad input (lam <= 0)"


def test_sensitivity_at_a_bad_point_names_the_status_and_exits_1(toy, tmp_path, capsys):
    p = tmp_path / "s.toml"
    p.write_text(
        '[scenario]\nname = "hall"\n[parameters]\nlam = -1e-9\n[sensitivity]\ninputs = ["m_x"]\n'
        'outputs = ["omega_x_h2"]\n'
    )
    assert cli.main(["sensitivity", str(p), "-q"]) == 1
    cap = capsys.readouterr()
    assert "chain status at the point: 1 (bad input (lam <= 0))" in cap.out
    assert "status at the point is 1 (bad input (lam <= 0))" in cap.err
