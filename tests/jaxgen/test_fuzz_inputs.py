"""A small seeded sample of the input fuzzer (experiments/fuzz/fuzz_inputs.py; the full run is
experiments/fuzz/run_fuzz_inputs.py): mutated runcards and SLHA files must give clear errors (a) or flagged statuses
(b), never raw tracebacks (c) or silent NaN / wrong values (d). The classifier itself is checked on planted bugs."""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from experiments.fuzz import fuzz_inputs as fz


def test_seeded_sample_has_no_raw_errors_and_no_silent_nans():
    # runcards: jaxgen check only (compiling a chain costs ~10 s; the full run evaluates the accepted ones);
    # SLHA files: read + predict (one compile), every 10th through `jaxgen predict`
    res = fz.run_fuzz(n_runcards=150, n_slha=150, seed=1234, max_compiles=0, cli_every=10, physics_scenarios=())
    bad = {o: res.examples.get(o, []) for o in ("c", "d")}
    assert sum(n for (k, o), n in res.counts.items() if o in ("c", "d")) == 0, bad
    n = {o: sum(v for (k, oo), v in res.counts.items() if oo == o) for o in fz.OUTCOMES}
    assert (
        n["a"] > 150 and n["ok"] > 20 and n["ok*"] > 10 and res.n_cases == 300
    )  # mostly errors, and some accepted & evaluated
    assert "| **all** | **300** |" in fz.markdown_table(res)


def test_generator_is_seeded_and_covers_the_mutation_kinds():
    a = fz.generate_cases(200, 200, seed=7)
    b = fz.generate_cases(200, 200, seed=7)
    assert [c.data for c in a] == [c.data for c in b]
    muts = " ".join(c.mutation for c in a)
    for word in (
        "value",
        "setting",
        "parameter",
        "delete",
        "unknown key",
        "text: ",
        "invariant",
        "MASS",
        "NMIX",
        "truncate",
        "encoding",
        "duplicated entry",
        "extra token",
    ):
        assert word in muts, word


def test_classifier_catches_raw_errors_silent_nans_and_unclear_messages(tmp_path, monkeypatch):
    from jaxgen import runcard as _runcard
    from jaxgen import slha as _slha

    card = fz.RUNCARDS[0]
    case = fz.Case("runcard", card.name, "planted", card.read_bytes())
    monkeypatch.setattr(_runcard, "validate", lambda c: {}["boom"])  # a raw KeyError deep inside
    assert fz.classify_case(case, tmp_path, None, False, {})[0] == "c"
    monkeypatch.undo()
    spec = fz.SPECTRA[0]
    case = fz.Case("slha", spec.name, "planted", spec.read_bytes())
    real = _slha.predict_spectrum

    def nan_prediction(*a, **k):
        p = real(*a, **k)
        return type(p)(**{**{f: getattr(p, f) for f in p.__dataclass_fields__}, "m_x": np.nan})

    monkeypatch.setattr(_slha, "predict_spectrum", nan_prediction)
    assert fz.classify_case(case, tmp_path, None, False, {})[0] == "d"
    monkeypatch.undo()
    assert not fz._clear("error: something went wrong", tmp_path / "case.slha", "", "slha")
    assert fz._clear(
        f"BLOCK MASS of {tmp_path / 'case.slha'}: PDG code 6 is given twice; keep one line",
        tmp_path / "case.slha",
        "",
        "slha",
    )
