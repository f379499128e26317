"""Tests of the `jaxgen` command (jaxgen.cli): --help of every subcommand, `jaxgen predict` on each shipped SLHA file
(in-process through cli.main), error messages and exit codes, and one subprocess smoke test of the console script.
Everything is written into tmp_path."""

import csv
import os
import pathlib
import subprocess
import sys

import pytest

import jaxgen
from jaxgen import cli, slha
from jaxgen.runcard import _registry

EXAMPLES = slha.example_spectra()
RUNCARDS = pathlib.Path(jaxgen.__file__).parent / "data" / "runcards"
SUBCOMMANDS = ["reproduce", "predict", "sweep", "fit", "sensitivity", "check"]


@pytest.mark.parametrize("argv", [[]] + [[s] for s in SUBCOMMANDS])
def test_help_is_complete(argv, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv + ["--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and "--quiet" in text
    if argv:
        assert f"jaxgen {argv[0]}" in text
    else:
        for s in SUBCOMMANDS:
            assert s in text
    if argv == ["predict"]:
        for opt in ("--temperature", "--dm-to-baryon", "--higgs-sector", "--example", "--out", "--format", "131.7"):
            assert opt in text


@pytest.mark.parametrize("name", ["heavy", "compressed", "light_rh"])
def test_predict_each_shipped_spectrum(name, tmp_path, capsys):
    out = tmp_path / "out"
    rc = cli.main(["predict", str(EXAMPLES[name]), "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0
    pred = slha.predict_spectrum(EXAMPLES[name])
    assert f"B/(B-L) = {float(pred.b_over_b_minus_l):.6f}" in text
    assert f"m_X     = {float(pred.m_x):.4f} GeV" in text and "status  = 0 (ok)" in text
    assert {p.name for p in out.iterdir()} == {f"{name}.nc", f"{name}.csv", "spectra.csv", "spectra_mx.png"}
    rows = list(csv.reader(open(out / "spectra.csv")))
    assert rows[0][:3] == ["file", "B_over_B_minus_L", "m_X_GeV"] and abs(float(rows[1][2]) - float(pred.m_x)) < 1e-12


def test_predict_all_examples_options_and_summary(tmp_path, capsys):
    rc = cli.main(
        [
            "-q",
            "predict",
            "--example",
            "all",
            "--dm-to-baryon",
            "hall2010",
            "--higgs-sector",
            "light",
            "--out",
            str(tmp_path),
            "--format",
            "csv",
        ]
    )
    text = capsys.readouterr().out
    assert rc == 0 and "summary:" in text and "Omega_DM/Omega_b = 4.86" in text
    rows = list(csv.reader(open(tmp_path / "spectra.csv")))[1:]
    assert len(rows) == 3 and not (tmp_path / "spectra_mx.png").exists()
    heavy = [r for r in rows if r[0].endswith("heavy.slha")][0]
    assert abs(float(heavy[1]) - 8 / 23) < 1e-3  # both Higgs doublets light: Hall et al. eq. (3.3)


def test_predict_slha_runcard(tmp_path, capsys):
    rc = cli.main(["predict", str(RUNCARDS / "slha_predict.toml"), "--out", str(tmp_path), "--format", "netcdf"])
    assert rc == 0 and "B/(B-L) = 0.2205" in capsys.readouterr().out
    assert {p.name for p in tmp_path.iterdir()} == {"compressed.nc", "runcard.toml"}


@pytest.mark.parametrize(
    "argv, match",
    [
        (["predict", "no_such_file.slha"], "no such file: 'no_such_file.slha'"),
        (["predict"], "nothing to predict"),
        (["predict", "--example", "nope"], "unknown example 'nope'"),
        (["predict", "--example", "heavy", "--temperature", "-5"], "temperature must be a positive number"),
        (["predict", "--example", "heavy", "--dm-to-baryon", "wmap"], "unknown observed-density preset 'wmap'"),
        (["reproduce"], "needs --out DIR"),
        (["reproduce", "--out", "{tmp}/r", "--only", "nonsense"], "unknown experiment"),
        (["sweep", "{tmp}/missing.toml"], "runcard '.*missing.toml' not found"),
        (["sweep", "{tmp}/bad.toml"], r"unknown key \[sweep\]\.desing\. Did you mean 'design'\?"),
        (["check", "{tmp}/bad.toml"], r"unknown key \[sweep\]\.desing"),
    ],
)
def test_errors_exit_2_with_message(argv, match, tmp_path, capsys):
    (tmp_path / "bad.toml").write_text('[scenario]\nname = "hall"\n[sweep]\ndesing = "grid"\naxes = []\n')
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"jaxgen {argv[0]}: error: ")
    import re

    assert re.search(match, err), err


def test_bad_slha_file_message(tmp_path, capsys):
    bad = tmp_path / "bad.slha"
    bad.write_text(
        EXAMPLES["heavy"]
        .read_text()
        .replace("Block MASS  # Mass spectrum\n", "Block MASS  # Mass spectrum\n   2000012  1.0E+02\n")
    )
    assert cli.main(["predict", str(bad)]) == 2
    assert "unknown PDG code 2000012 in BLOCK MASS" in capsys.readouterr().err
    assert cli.main(["-q", "predict", str(bad), "--lenient"]) == 0


def test_not_available_subcommand_is_clear(monkeypatch, tmp_path, capsys):
    import importlib

    monkeypatch.setitem(
        _registry._ENTRIES,
        "hall",
        _registry._Lazy(
            "hall", "missing", "jaxgen._no_such_chain.f", lambda: importlib.import_module("jaxgen._no_such_chain")
        ),
    )
    card = tmp_path / "c.toml"
    card.write_text('[scenario]\nname = "hall"\n[sensitivity]\ninputs = ["lam"]\n')
    assert cli.main(["sensitivity", str(card)]) == 2
    assert "not available yet" in capsys.readouterr().err
    assert cli.main(["check", str(card)]) == 0
    assert "not checked" in capsys.readouterr().out


def test_check_and_list(capsys):
    assert cli.main(["check", "--list-examples"]) == 0
    listed = capsys.readouterr().out
    for name in ("hall_sweep.toml", "ardu_predict.toml", "slha_predict.toml", "hall_fit.toml"):
        assert name in listed
    assert cli.main(["check", str(RUNCARDS / "slha_predict.toml")]) == 0
    assert "valid runcard for scenario 'slha'" in capsys.readouterr().out
    assert cli.main(["reproduce", "--list"]) == 0
    assert "equilibrium_scan" in capsys.readouterr().out
    assert cli.main(["predict", "--list-examples"]) == 0
    assert "light_rh" in capsys.readouterr().out


def test_console_script_subprocess(tmp_path):
    """ONE subprocess smoke test of the installed console script (python -m jaxgen if it is not on PATH)."""
    exe = pathlib.Path(sys.executable).parent / "jaxgen"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "jaxgen"]
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    r = subprocess.run(
        cmd + ["-q", "predict", "--example", "light_rh", "--out", str(tmp_path / "o"), "--format", "csv"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "B/(B-L) = 0.122351" in r.stdout and "m_X     = 0.6158 GeV" in r.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # nothing outside the output directory


def test_persistent_compile_cache(tmp_path, monkeypatch):
    """`jaxgen` keeps compiled code in $JAXGEN_CACHE_DIR (per jax/jaxlib version) and a second run loads it;
    JAXGEN_COMPILE_CACHE=0 (as in this test session, see conftest.py) turns it off."""
    import jax
    import jaxlib

    env = dict(os.environ, JAXGEN_COMPILE_CACHE="1", JAXGEN_CACHE_DIR=str(tmp_path / "cache"), JAX_PLATFORMS="cpu")
    r = subprocess.run(
        [sys.executable, "-m", "jaxgen", "predict", "--example", "heavy", "-q"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    sub = tmp_path / "cache" / f"xla-jax{jax.__version__}-jaxlib{jaxlib.__version__}"
    entries = list(sub.iterdir())
    assert len(entries) >= 3 and any(e.name.endswith("-cache") for e in entries)
    monkeypatch.setenv("JAXGEN_CACHE_DIR", str(tmp_path / "c2"))
    assert cli.compile_cache_dir() == tmp_path / "c2" / sub.name
    assert cli.enable_compile_cache() is None and not (tmp_path / "c2").exists()  # JAXGEN_COMPILE_CACHE=0 here
    monkeypatch.delenv("JAXGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cli.compile_cache_dir() == tmp_path / "xdg" / "jaxgen" / sub.name
