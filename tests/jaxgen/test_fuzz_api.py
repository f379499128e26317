"""A small seeded sample of the API fuzzer (experiments/fuzz/fuzz_api.py; the full run writes
experiments/fuzz/results/api.md): bad inputs to every Params constructor and chain/engine entry point must give
a clear error naming the field (a) or a flagged status inside a batch (b), never a raw error from deep inside (c)
nor a silent NaN / absurd value with status 0 (d). One compile per target, small batches."""

import importlib.util
import os
import sys

import numpy as np
import pytest

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "experiments", "fuzz", "fuzz_api.py")


@pytest.fixture(scope="module")
def fuzz():
    spec = importlib.util.spec_from_file_location("fuzz_api", _PATH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_api"] = mod  # dataclasses resolve their module
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def report(fuzz):
    return fuzz.run_fuzz(fuzz.default_targets(), seed=1234, n_batch=32, n_batches=1, shapes=False)


def test_no_raw_errors_and_no_silent_values(report):
    t = report.totals()
    assert t["c"] == 0 and t["d"] == 0, (
        report.to_markdown()
        + "\n"
        + repr({k: {o: v[o] for o in ("c", "d") if v[o]} for k, v in report.examples.items()})
    )
    assert len(report.counts) == 5


def test_every_outcome_class_is_exercised(report):
    """The sample really contains clear errors, flagged batch points and valid points for every target (so the
    classifier can fail), and the markdown table has one row per target plus the total."""
    for name, c in report.counts.items():
        assert c["a"] > 0 and c["b"] > 0, name
        assert sum(c.values()) > 50, name
    md = report.to_markdown()
    assert md.count("\n") == len(report.counts) + 2 and "**all**" in md


def test_classifier_catches_silent_nan_and_raw_errors(fuzz):
    """The classifier itself: a chain that returns NaN with status 0 is counted as (d); an exception that does not
    name the field as (c)."""
    import jax.numpy as jnp

    t = fuzz._freezeout_target()
    counts = {o: 0 for o in fuzz.OUTCOMES}
    examples = {o: [] for o in fuzz.OUTCOMES}
    silent = fuzz.Target(
        "silent",
        t.cls,
        t.base,
        t.fields,
        t.event_size,
        lambda p: dict(y_inf=p.m * jnp.nan, omega_h2=p.m, status=jnp.zeros(p.m.shape, int)),
        t.absurd,
    )
    batch = fuzz._stack_points(silent, [dict(t.base)] * 4)
    fuzz._classify_batch(silent, batch, 4, ["x"] * 4, counts, examples)
    assert counts["d"] == 4
    assert fuzz._names_field(ValueError("FreezeOutParams.m must be > 0"), "m")
    assert not fuzz._names_field(KeyError("m"), "m") and not fuzz._names_field(ValueError("bad shape"), "eta")
    assert np.isfinite(fuzz.BAD_NUMBERS[3])
