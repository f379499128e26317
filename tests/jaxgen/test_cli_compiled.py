"""The compiled-chain cache of ``jaxgen predict card.toml`` (jaxgen/runcard/_compiled.py): the second call of the
same kind loads the exported program instead of tracing, gives the same printed numbers (and files) as the uncached
path, checks new parameter values, and remakes an entry whose sources changed. No timing assertion: the cache state
is read from the ``--verbose`` line and the files of the entry."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import jaxgen
from jaxgen import runcard
from jaxgen.runcard import _compiled

RUNCARDS = pathlib.Path(jaxgen.__file__).parent / "data" / "runcards"


@pytest.fixture(scope="module")
def hall_card():
    return runcard.load_runcard(RUNCARDS / "hall_predict.toml")


@pytest.fixture(scope="module")
def hall_ref(hall_card):
    return runcard.run_predict(hall_card)  # the uncached path: jax.jit(chain)(params)


@pytest.fixture(scope="module")
def stored(hall_card, tmp_path_factory):
    """(cache folder, result) of the first cached call: the chain traced, exported and stored."""
    cache = tmp_path_factory.mktemp("cache")
    return cache, _compiled.predict_cached(hall_card, cache)


def _variant(tmp_path, old, new):
    text = (RUNCARDS / "hall_predict.toml").read_text()
    assert old in text
    p = tmp_path / f"variant{abs(hash(new))}.toml"
    p.write_text(text.replace(old, new))
    return runcard.load_runcard(p)


def test_second_cli_call_hits_the_cache(tmp_path):
    """Two `jaxgen -v predict hall_predict.toml` processes: the first traces and stores the program, the second
    loads it (no tracing, no physics imports); same output."""
    env = dict(os.environ, JAXGEN_COMPILE_CACHE="1", JAXGEN_CACHE_DIR=str(tmp_path / "cache"), JAX_PLATFORMS="cpu")
    runs = []
    for _ in range(2):
        r = subprocess.run(
            [sys.executable, "-m", "jaxgen", "-v", "predict", str(RUNCARDS / "hall_predict.toml")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr[-2000:]
        runs.append(r)
    assert "compiled chain: traced and stored" in runs[0].stderr
    assert "compiled chain: loaded (program and checked point from the cache" in runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and "eta_b" in runs[0].stdout
    entries = list((tmp_path / "cache").glob("xla-*/chains/*"))
    assert len(entries) == 1
    assert sorted(p.name for p in entries[0].iterdir()) == ["meta.json", "points", "program.pkl"]
    assert len(list((entries[0] / "points").iterdir())) == 1


def test_cached_equals_uncached_and_checks_new_values(hall_card, hall_ref, stored, tmp_path):
    """stored -> hit -> new values ("program"): every printed table equals run_predict's; a bad value is still
    refused by the Params class; files written with --out equal the uncached ones (CSV byte for byte)."""
    cache, r1 = stored
    assert r1["cache"] == "stored" and r1["text"] == hall_ref["text"] and r1["ok"] == hall_ref["ok"]
    r2 = _compiled.predict_cached(hall_card, cache)
    assert r2["cache"] == "hit" and r2["text"] == hall_ref["text"]

    card2 = _variant(tmp_path, "lam = 2.489e-9", "lam = 4.0e-9")
    r3 = _compiled.predict_cached(card2, cache)
    ref3 = runcard.run_predict(card2)
    assert r3["cache"] == "program" and r3["text"] == ref3["text"] and r3["text"] != hall_ref["text"]
    assert _compiled.predict_cached(card2, cache)["cache"] == "hit"

    bad = _variant(tmp_path, "m_losp = 100.0", "m_losp = -100.0")
    with pytest.raises(ValueError, match="m_losp"):
        _compiled.predict_cached(bad, cache)

    w1 = _compiled.predict_cached(hall_card, cache, out=tmp_path / "a")["written"]
    w2 = runcard.run_predict(hall_card, out=tmp_path / "b")["written"]
    assert [p.name for p in w1] == [p.name for p in w2]
    csv1, csv2 = (next(p for p in w if p.suffix == ".csv").read_text() for w in (w1, w2))
    assert csv1 == csv2


def test_stale_or_broken_entry_is_ignored(stored):
    """An entry whose recorded source digest no longer matches (an edited jaxgen file), or whose program cannot be
    read, is ignored (and so remade); the files it records include the scenario and the kernels."""
    d = stored[1]["entry"]
    meta, exported = _compiled._load_entry(d)
    assert meta is not None and exported is not None
    assert "jaxgen/scenarios/hall.py" in meta["code_files"] and any(
        f.startswith("jaxgen_kernels/") for f in meta["code_files"]
    )
    text = (d / "meta.json").read_text()
    (d / "meta.json").write_text(text.replace(meta["code_digest"], "0" * 64))
    assert _compiled._load_entry(d) == (None, None)
    (d / "meta.json").write_text(text)
    program = (d / "program.pkl").read_bytes()
    (d / "program.pkl").write_bytes(b"not a pickle")
    assert _compiled._load_entry(d) == (None, None)
    (d / "program.pkl").write_bytes(program)
    assert _compiled._load_entry(d)[0] == meta


def test_table_rows_match_csv_rows(hall_ref):
    """The rows printed on the cached path are jaxgen.io.csv_rows of the prediction dataset."""
    from jaxgen import _io

    ds = hall_ref["dataset"]
    names = list(ds.data_vars)
    rows = _compiled.table_rows(names, [ds[n].attrs["units"] for n in names], [np.asarray(ds[n].values) for n in names])
    assert rows == _io.csv_rows(ds)
