"""Tests of the sweep engine (issue 6, item 3): designs, chunked/sharded evaluation with one compile, status mask,
NetCDF output with metadata, kill-and-resume, multi-device identity and the multi-process chunk split."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import qmc

from jaxgen._gravitino import gravitino_prediction
from jaxgen.cosmology import Cosmology
from jaxgen.sweep import (
    Axis,
    completed_chunks,
    evaluate_points,
    grid_design,
    load_sweep,
    random_design,
    read_manifest,
    run_sweep,
    tree_get,
)

REPO = pathlib.Path(__file__).resolve().parents[2]

# Shared by this module and the subprocesses (exec'd in both): a nested parameter PyTree, the CP asymmetry of
# jaxgen.cp as the swept function, and a Sobol design over a nested field and a top-level field.
COMMON = textwrap.dedent("""
    import equinox as eqx
    from jaxgen import cp
    from jaxgen.sweep import Axis, sobol_design

    class Point(eqx.Module):
        gh: cp.GauginoHiggsinoParams
        eps0: float

    BASE = Point(gh=cp.GauginoHiggsinoParams(M1=300.0, M2=600.0, mu=900.0, tan_beta=10.0, phi_mu=0.3), eps0=0.05)

    def f_cp(p):
        return cp.epsilon_gaugino_higgsino(p.gh, p.eps0)

    DESIGN = sobol_design(BASE, [Axis("gh.M2", 100.0, 3000.0, log=True, units="GeV"),
                                 Axis("gh.phi_mu", 0.0, 6.283185307179586, units="rad"),
                                 Axis("eps0", -0.1, 0.1)], n=300, seed=7)
""")
_ns: dict = {}
exec(COMMON, _ns)
Point, BASE, f_cp, DESIGN = _ns["Point"], _ns["BASE"], _ns["f_cp"], _ns["DESIGN"]
CHUNK = 64  # 300 points -> 5 chunks, the last one padded (44 real points)


def _env(n_devices=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("XLA_FLAGS", None)
    if n_devices:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={n_devices}"
    env["JAX_PLATFORMS"] = "cpu"
    return env


@pytest.fixture(scope="module")
def reference():
    """The uninterrupted in-memory sweep of DESIGN (one device, chunked)."""
    run = run_sweep(f_cp, DESIGN, chunk_size=CHUNK, quiet=True)
    return run


# ------------------------------------------------------------------------------------------------------ designs
def test_grid_design_nodes_and_order():
    d = grid_design(BASE, [Axis("gh.M2", 100.0, 10000.0, log=True, n=3), Axis("eps0", -0.1, 0.1, n=5)])
    assert d.n_points == 15
    v = d.values()
    # C order: last axis fastest; log axis = geometric nodes, linear axis = linspace (exact nodes)
    np.testing.assert_allclose(v[:5, 0], 100.0, rtol=1e-15)
    np.testing.assert_allclose(v[5:10, 0], 1000.0, rtol=1e-14)
    np.testing.assert_allclose(v[10:, 0], 10000.0, rtol=1e-15)
    np.testing.assert_array_equal(v[:5, 1], np.linspace(-0.1, 0.1, 5))
    np.testing.assert_array_equal(d.values(4, 11), v[4:11])


def test_random_design_seeded_split_invariant_and_log_uniform():
    axes = [Axis("gh.M2", 10.0, 1e4, log=True), Axis("eps0", -0.1, 0.1)]
    d = random_design(BASE, axes, n=10000, seed=3)
    v = d.values()
    np.testing.assert_array_equal(v, random_design(BASE, axes, n=10000, seed=3).values())
    assert not np.array_equal(v, random_design(BASE, axes, n=10000, seed=4).values())
    # lazily generated ranges (crossing the internal 4096-point block boundary) equal the full draw
    np.testing.assert_array_equal(np.concatenate([d.values(0, 4000), d.values(4000, 4100), d.values(4100, 10000)]), v)
    assert v[:, 0].min() >= 10.0 and v[:, 0].max() <= 1e4 and abs(v[:, 1]).max() <= 0.1
    # log-uniform: ln(M2) uniform on [ln 10, ln 1e4] -> mean of log10 = 2.5, sd = 3/sqrt(12) (5 sigma bound)
    lg = np.log10(v[:, 0])
    assert abs(lg.mean() - 2.5) < 5 * (3 / np.sqrt(12)) / np.sqrt(len(lg))
    assert abs(v[:, 1].mean()) < 5 * (0.2 / np.sqrt(12)) / np.sqrt(len(lg))


def test_sobol_design_matches_scipy_and_fast_forward():
    d = DESIGN
    with pytest.warns(UserWarning, match="power of 2"):  # scipy warns for n = 300; the engine silences it
        u_ref = qmc.Sobol(d=3, scramble=True, rng=np.random.default_rng(7)).random(d.n_points)
    np.testing.assert_array_equal(d.unit_values(0, d.n_points), u_ref)
    v = d.values()
    np.testing.assert_allclose(v[:, 0], np.exp(np.log(100.0) + u_ref[:, 0] * np.log(30.0)), rtol=1e-14)
    np.testing.assert_allclose(v[:, 2], -0.1 + 0.2 * u_ref[:, 2], rtol=1e-14, atol=1e-17)
    np.testing.assert_array_equal(np.concatenate([d.values(0, 64), d.values(64, 300)]), v)


def test_design_setup_errors():
    with pytest.raises(ValueError, match="no field 'M3'"):
        random_design(BASE, [Axis("gh.M3", 1.0, 2.0)], n=4)
    with pytest.raises(ValueError, match="low > 0"):
        Axis("gh.M2", 0.0, 1.0, log=True)
    with pytest.raises(ValueError, match="low <= high"):
        Axis("gh.M2", 2.0, 1.0)
    with pytest.raises(ValueError, match="needs n"):
        grid_design(BASE, [Axis("gh.M2", 1.0, 2.0)])
    with pytest.raises(ValueError, match="duplicate"):
        random_design(BASE, [Axis("eps0", 1.0, 2.0), Axis("eps0", 1.0, 2.0)], n=4)
    with pytest.raises(ValueError, match="only scalar"):
        random_design({"x": jnp.zeros(3)}, [Axis("x", 0.0, 1.0)], n=4)
    assert tree_get(BASE, "gh.tan_beta") == 10.0
    # f without a status field is refused at setup with an actionable message
    with pytest.raises(ValueError, match="status"):
        run_sweep(lambda p: {"eps": p.eps0 * 2}, random_design(BASE, [Axis("eps0", 0.0, 1.0)], n=4), quiet=True)
    with pytest.raises(ValueError, match="unknown result field"):
        run_sweep(f_cp, DESIGN, quiet=True, units={"nope": "GeV"})


def test_array_element_axes():
    """An axis on one element of an array field ("x.1") sweeps that element only; the others stay at the base."""
    base = {"x": jnp.asarray([1.0, 2.0, 3.0]), "y": 0.5}
    d = grid_design(base, [Axis("x.1", 10.0, 20.0, n=3), Axis("y", 0.0, 1.0, n=2)])
    f = lambda p: {"v": p["x"] @ jnp.asarray([1.0, 100.0, 1e4]) + 1e6 * p["y"], "status": jnp.int32(0)}  # noqa: E731
    out = evaluate_points(f, d)
    got = np.sort(np.asarray(out["v"]))
    want = np.sort([1.0 + 100 * a + 3e4 + 1e6 * b for a in (10.0, 15.0, 20.0) for b in (0.0, 1.0)])
    np.testing.assert_allclose(got, want, rtol=1e-14)
    with pytest.raises(ValueError, match="not a valid index"):
        random_design(base, [Axis("x.3", 0.0, 1.0)], n=4)


# ------------------------------------------------------------------------------------------- chunked evaluation
def test_chunked_equals_looped_and_one_compile(reference):
    ds = reference.dataset
    assert reference.n_chunks == 5 and reference.chunks_computed == 5 and reference.n_devices == 1
    np.testing.assert_array_equal(ds["point"].values, np.arange(300))  # padding dropped, order kept
    # batched == looped: each point evaluated on its own (jit of the unbatched f)
    one = jax.jit(f_cp)
    v = DESIGN.values()
    for j in range(0, 300, 7):
        p = eqx.tree_at(lambda t: (t.gh.M2, t.gh.phi_mu, t.eps0), BASE, tuple(jnp.asarray(x) for x in v[j]))
        r = one(p)
        np.testing.assert_allclose(ds["epsilon"].values[j], r.epsilon, rtol=1e-14, atol=1e-300)
        assert ds["status"].values[j] == r.status and ds["n_open_cuts"].values[j] == r.n_open_cuts
    # == one plain jit(vmap) batch over all points
    ref = evaluate_points(f_cp, DESIGN)
    for k in ref:
        np.testing.assert_allclose(ds[k].values, ref[k], rtol=1e-14, atol=0)
    # ONE compile: f is traced once by the setup check (eval_shape) and once by the single jit, whatever the
    # number of chunks (here 5, the last one padded)
    traces = []

    def counted(p):
        traces.append(1)
        return f_cp(p)

    run = run_sweep(counted, DESIGN, chunk_size=CHUNK, quiet=True)
    assert run.chunks_computed == 5 and len(traces) == 2


def test_status_mask_flags_invalid_points_without_aborting():
    # gravitino chain (Ardu et al. 2025 eq. (26)): washout outside (0, 1] -> status 3, m_3/2 = 0; batch continues
    class W(eqx.Module):
        washout: float
        dm_to_baryon: float

    def f(p):
        return gravitino_prediction("slepton_R", p.dm_to_baryon, p.washout)

    d = grid_design(W(1.0, 5.4), [Axis("washout", 0.25, 1.5, n=6)])
    ds = run_sweep(f, d, chunk_size=4, quiet=True).dataset
    w = ds["washout"].values
    np.testing.assert_array_equal(ds["status"].values, np.where(w > 1, 3, 0))
    np.testing.assert_array_equal(ds["ok"].values, (w <= 1).astype(np.int8))
    good = w <= 1
    # m_3/2 proportional to 1/epsilon (eq. (26))
    np.testing.assert_allclose(ds["m_gravitino"].values[good] * w[good], ds["m_gravitino"].values[0] * w[0], rtol=1e-12)
    assert np.all(ds["m_gravitino"].values[~good] == 0)

    # a non-finite output with status 0 is flagged too (ok = 0), neighbours unaffected
    class R(eqx.Module):
        y: jax.Array
        status: jax.Array

    def g(p):
        return R(y=jnp.log(p.eps0), status=jnp.int32(0))

    ds = run_sweep(g, grid_design(BASE, [Axis("eps0", -1.0, 1.0, n=5)]), chunk_size=8, quiet=True).dataset
    np.testing.assert_array_equal(ds["ok"].values, [0, 0, 0, 1, 1])


def test_float32_base_point_and_cosmology():
    cosmo = Cosmology(table="constant")

    class T(eqx.Module):
        T: jax.Array

    class H(eqx.Module):
        hubble: jax.Array
        status: jax.Array

    def f(p):
        return H(hubble=cosmo.hubble(p.T), status=jnp.int32(0))

    d = random_design(T(jnp.float32(1.0)), [Axis("T", 1.0, 1e6, log=True, units="GeV")], n=37, seed=1)
    ds = run_sweep(f, d, chunk_size=16, quiet=True, units={"hubble": "GeV"}).dataset
    assert ds["hubble"].dtype == np.float32
    t32 = d.values()[:, 0].astype(np.float32)
    np.testing.assert_allclose(ds["hubble"].values, np.asarray(jax.jit(jax.vmap(cosmo.hubble))(t32)), rtol=1e-6)
    # H = sqrt(4 pi^3 g/45) T^2 / M_Pl with g = 106.75 (float32 precision)
    h64 = np.sqrt(4 * np.pi**3 * 106.75 / 45) * d.values()[:, 0] ** 2 / 1.22089e19
    np.testing.assert_allclose(ds["hubble"].values, h64, rtol=3e-6)
    assert ds["hubble"].attrs["units"] == "GeV" and ds["T"].attrs["units"] == "GeV"


def test_progress_bar_lines_and_quiet(capfd):
    """Default progress: plain lines when stderr is not a terminal (logs of batch jobs), a tqdm bar on request (and on
    a terminal), nothing with quiet=True."""
    import re

    class R(eqx.Module):
        y: jax.Array
        status: jax.Array

    def g(p):
        return R(y=2.0 * p.eps0, status=jnp.int32(0))

    d = grid_design(BASE, [Axis("eps0", 0.0, 1.0, n=40)])
    run_sweep(g, d, chunk_size=16, description="line-test")  # capfd: stderr is not a terminal -> lines, no bar
    err = capfd.readouterr().err
    assert "line-test: 0/40 points (0.0%), starting" in err, err
    assert re.search(r"line-test: 40/40 points \(100\.0%\), [\d.e+]+ points/s, done in [\d.]+ s", err), err
    assert "\r" not in err and "|" not in err  # no bar control characters in a log
    run_sweep(g, d, chunk_size=16, description="bar-test", progress="bar")
    err = capfd.readouterr().err
    # description, count, elapsed<ETA and measured rate, e.g. "bar-test: 100%|###| 40.0/40.0 [00:00<00:00, 10.6kpt/s]"
    assert re.search(r"bar-test: 100%.*40\.0/40\.0 \[\d\d:\d\d<\d\d:\d\d, [\d.]+k?pt/s\]", err), err
    run = run_sweep(g, d, chunk_size=16, quiet=True)
    assert capfd.readouterr().err == ""
    np.testing.assert_array_equal(run.dataset["y"].values, 2.0 * np.linspace(0.0, 1.0, 40))
    with pytest.raises(ValueError, match="progress must be one of"):
        run_sweep(g, d, chunk_size=16, progress="fancy")


# ------------------------------------------------------------------------------------------- NetCDF output
def test_netcdf_output_metadata_resume_and_mismatch(tmp_path, reference):
    out = tmp_path / "sweep"
    done = []
    run = run_sweep(
        f_cp,
        DESIGN,
        chunk_size=CHUNK,
        out=out,
        quiet=True,
        units={"epsilon": "1", "phi_2": "rad"},
        on_chunk=lambda i, n: done.append(i),
        description="cp test",
    )
    assert run.dataset is None and done == [0, 1, 2, 3, 4] and completed_chunks(out) == set(range(5))
    ds = load_sweep(out)
    for k in ("epsilon", "status", "ok", "gh.M2", "eps0"):
        np.testing.assert_array_equal(ds[k].values, reference.dataset[k].values)
    assert ds["gh.M2"].attrs["units"] == "GeV" and ds["gh.M2"].attrs["log"] == 1
    assert ds["phi_2"].attrs["units"] == "rad"
    assert ds.attrs["design_kind"] == "sobol" and ds.attrs["seed"] == 7
    assert json.loads(ds.attrs["parameters"]) == ["gh.M2", "gh.phi_mu", "eps0"]
    man = read_manifest(out)
    assert man["n_chunks"] == 5 and man["design"]["base"]["gh.tan_beta"] == 10.0 and man["versions"]["jax"]
    # re-running resumes: nothing to compute
    again = run_sweep(f_cp, DESIGN, chunk_size=CHUNK, out=out, quiet=True, units={"epsilon": "1", "phi_2": "rad"})
    assert again.chunks_computed == 0 and again.chunks_skipped == 5
    assert again.compile_s < 0.05  # nothing left to compute: no compilation
    # a different sweep in the same directory is refused
    with pytest.raises(ValueError, match="different sweep"):
        run_sweep(f_cp, DESIGN, chunk_size=32, out=out, quiet=True)
    # an incomplete directory cannot be loaded by accident
    os.remove(out / "chunk_00000002.nc")
    with pytest.raises(ValueError, match="incomplete"):
        load_sweep(out)
    assert load_sweep(out, require_complete=False).sizes["point"] == 300 - 64


def test_multiprocess_chunk_split(tmp_path, reference):
    """Two processes (process_index 0 and 1 of 2) share a directory: disjoint chunks, together complete."""
    out = tmp_path / "mp"
    r0 = run_sweep(f_cp, DESIGN, chunk_size=CHUNK, out=out, quiet=True, process_index=0, process_count=2)
    assert completed_chunks(out) == {0, 2, 4}
    r1 = run_sweep(f_cp, DESIGN, chunk_size=CHUNK, out=out, quiet=True, process_index=1, process_count=2)
    assert (r0.chunks_computed, r1.chunks_computed) == (3, 2)
    ds = load_sweep(out)
    np.testing.assert_array_equal(ds["point"].values, np.arange(300))
    np.testing.assert_array_equal(ds["epsilon"].values, reference.dataset["epsilon"].values)


# ------------------------------------------------------------------------------------------- subprocess tests
_SCRIPT = COMMON + textwrap.dedent("""
    import sys, time
    import numpy as np
    import jax
    jax.config.update("jax_enable_x64", True)
    from jaxgen.sweep import run_sweep

    mode, target = sys.argv[1], sys.argv[2]
    if mode == "devices":
        run = run_sweep(f_cp, DESIGN, chunk_size=64, quiet=True)
        ds = run.dataset
        np.savez(target, n_devices=run.n_devices, n_local=len(jax.local_devices()),
                 **{k: ds[k].values for k in ("epsilon", "phi_2", "n_open_cuts", "status", "ok", "point")})
    else:  # slow sweep to be killed: sleep after each stored chunk
        run_sweep(f_cp, DESIGN, chunk_size=16, out=target, quiet=True,
                  on_chunk=lambda i, n: time.sleep(0.25))
""")


def test_four_devices_identical_to_one(tmp_path, reference):
    script = tmp_path / "run.py"
    script.write_text(_SCRIPT)
    res = tmp_path / "four.npz"
    subprocess.run([sys.executable, str(script), "devices", str(res)], env=_env(4), check=True, timeout=120, cwd=REPO)
    four = np.load(res)
    assert int(four["n_local"]) == 4 and int(four["n_devices"]) == 4
    ds = reference.dataset
    assert reference.n_devices == len(jax.local_devices())
    for k in ("epsilon", "phi_2", "n_open_cuts", "status", "ok", "point"):
        np.testing.assert_array_equal(four[k], ds[k].values)  # bitwise identical


def test_kill_and_resume_loses_or_duplicates_nothing(tmp_path, reference):
    script = tmp_path / "run.py"
    script.write_text(_SCRIPT)
    out = tmp_path / "killed"
    n_chunks = -(-300 // 16)  # 19
    proc = subprocess.Popen(
        [sys.executable, str(script), "kill", str(out)],
        env=_env(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        t0 = time.time()
        while len(completed_chunks(out)) < 4:
            assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
            assert time.time() - t0 < 90, "sweep subprocess too slow to start"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    before = completed_chunks(out)
    assert 4 <= len(before) < n_chunks
    # restart (here in this process): only the missing chunks are computed
    computed = []
    run = run_sweep(f_cp, DESIGN, chunk_size=16, out=out, quiet=True, on_chunk=lambda i, n: computed.append(i))
    assert sorted(computed) == sorted(set(range(n_chunks)) - before)
    assert run.chunks_skipped == len(before)
    assert completed_chunks(out) == set(range(n_chunks))
    assert not [e for e in os.listdir(out) if ".tmp." in e]  # stale temp files of the killed writer removed
    ds = load_sweep(out)
    idx = ds["point"].values
    assert idx.size == 300 and np.array_equal(np.sort(idx), np.arange(300))  # every point exactly once
    for k in ("epsilon", "phi_2", "n_open_cuts", "status", "ok", "gh.M2", "gh.phi_mu", "eps0"):
        np.testing.assert_array_equal(ds[k].values, reference.dataset[k].values)


_DISTRIBUTED = (
    textwrap.dedent("""
    import sys
    import jax
    pid, port, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    # must come before anything touches the XLA backend (importing jaxgen creates arrays)
    jax.distributed.initialize(coordinator_address=f"localhost:{port}", num_processes=2, process_id=pid)
    jax.config.update("jax_enable_x64", True)
""")
    + COMMON
    + textwrap.dedent("""
    from jaxgen.sweep import run_sweep
    run = run_sweep(f_cp, DESIGN, chunk_size=64, out=out, quiet=True)
    print("RESULT", jax.process_index(), jax.process_count(), len(jax.local_devices()), run.n_devices,
          run.chunks_computed)
""")
)


def test_jax_distributed_two_processes(tmp_path, reference):
    """Two processes under jax.distributed (2 virtual CPU devices each, as in docs/distributed.md): each shards its
    own chunks (i % 2 == process_index) over its local devices; together the directory equals the 1-device run."""
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    script = tmp_path / "dist.py"
    script.write_text(_DISTRIBUTED)
    out = tmp_path / "dist"
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(i), str(port), str(out)],
            env=_env(2),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    logs = [p.communicate(timeout=120) for p in procs]
    for p, (_so, se) in zip(procs, logs):
        assert p.returncode == 0, se[-3000:]
    lines = sorted(next(ln for ln in so.splitlines() if ln.startswith("RESULT")) for so, _ in logs)
    # process index, count, local devices, devices sharded over, chunks computed (5 chunks: 0,2,4 and 1,3)
    assert lines == ["RESULT 0 2 2 2 3", "RESULT 1 2 2 2 2"]
    ds = load_sweep(out)
    np.testing.assert_array_equal(ds["point"].values, np.arange(300))
    for k in ("epsilon", "phi_2", "n_open_cuts", "status", "ok"):
        np.testing.assert_array_equal(ds[k].values, reference.dataset[k].values)


# ------------------------------------------------------------------------------------- integrity of chunk files
def _finished_sweep(tmp_path, name="s"):
    out = tmp_path / name
    run_sweep(f_cp, DESIGN, chunk_size=CHUNK, out=out, quiet=True)
    return out


def test_truncated_chunk_is_recomputed_on_resume_and_named_on_load(tmp_path, reference):
    from jaxgen.sweep import ChunkError, chunk_path

    out = _finished_sweep(tmp_path)
    p = chunk_path(out, 2)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])  # a copy cut short
    with pytest.raises(ChunkError, match=r"chunk_00000002\.nc: \d+ bytes on disk, \d+ written") as exc:
        load_sweep(out)
    assert "Run the same sweep again" in str(exc.value)
    assert completed_chunks(out, verify=True) == {0, 1, 3, 4}
    with pytest.warns(UserWarning, match="1 chunk\\(s\\) failed verification"):
        run = run_sweep(f_cp, DESIGN, chunk_size=CHUNK, out=out, quiet=True)
    assert run.chunks_recomputed == (2,) and run.chunks_computed == 1
    ds = load_sweep(out)
    for k in ("epsilon", "status", "ok", "gh.M2"):
        np.testing.assert_array_equal(ds[k].values, reference.dataset[k].values)


def test_overwritten_bytes_are_detected_and_recomputed(tmp_path, reference):
    """Random bytes written into the middle of a chunk (same size) fail the SHA-256 check: never served as data."""
    from jaxgen.sweep import ChunkError, chunk_path, verify_chunk

    out = _finished_sweep(tmp_path)
    p = chunk_path(out, 1)
    data = bytearray(p.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 400] = np.random.default_rng(3).integers(0, 256, 400, dtype=np.uint8).tobytes()
    p.write_bytes(bytes(data))
    with pytest.raises(ChunkError, match="SHA-256"):
        verify_chunk(out, 1)
    with pytest.raises(ChunkError, match=r"chunk_00000001\.nc: SHA-256"):
        load_sweep(out)
    with pytest.warns(UserWarning, match="failed verification"):
        run = run_sweep(f_cp, DESIGN, chunk_size=CHUNK, out=out, quiet=True)
    assert run.chunks_recomputed == (1,)
    np.testing.assert_array_equal(load_sweep(out)["epsilon"].values, reference.dataset["epsilon"].values)


def test_chunk_without_record_and_bad_record_are_not_finished(tmp_path):
    from jaxgen._io import chunk_record_path
    from jaxgen.sweep import ChunkError, verify_chunk

    out = _finished_sweep(tmp_path)
    os.remove(chunk_record_path(out, 0))  # writer killed between the rename and the record
    chunk_record_path(out, 3).write_text("{trunc")
    assert completed_chunks(out) == {1, 2, 3, 4} and completed_chunks(out, verify=True) == {1, 2, 4}
    with pytest.raises(ChunkError, match="no record"):
        verify_chunk(out, 0)
    with pytest.raises(ChunkError, match="record chunk_00000003.json is corrupted"):
        verify_chunk(out, 3)
    with pytest.raises(ValueError, match="incomplete: 1 of 5"):
        load_sweep(out)
    with pytest.warns(UserWarning, match="2 chunk\\(s\\) failed"):
        run = run_sweep(f_cp, DESIGN, chunk_size=CHUNK, out=out, quiet=True)
    assert run.chunks_recomputed == (0, 3)
    assert completed_chunks(out, verify=True) == set(range(5))


def test_truncated_manifest_gives_a_clear_error(tmp_path):
    out = _finished_sweep(tmp_path)
    m = out / "manifest.json"
    m.write_text(m.read_text()[:40])
    with pytest.raises(ValueError, match=r"manifest.json is not a valid sweep manifest .*truncated or corrupted"):
        load_sweep(out)
    with pytest.raises(ValueError, match="truncated or corrupted"):
        run_sweep(f_cp, DESIGN, chunk_size=CHUNK, out=out, quiet=True)


def test_stale_temporaries_only_of_dead_writers_on_this_host(tmp_path):
    """Start-up cleanup removes the temp files of this host's dead processes, and nothing else: not those of a live
    writer (another process writing the manifest or a chunk right now) and not those of other hosts."""
    from jaxgen import _io

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        tmp_path.mkdir(exist_ok=True)
        names = {
            "dead": f".chunk_00000001.nc.tmp.{_io._HOST}.{dead.pid}.ab12",
            "legacy_dead": f".chunk_00000002.nc.tmp.{dead.pid}",
            "live": f".manifest.json.tmp.{_io._HOST}.{live.pid}.cd34",
            "other_host": f".chunk_00000003.nc.tmp.otherhost.{dead.pid}.ef56",
            "mine": _io._tmp_name(tmp_path / "chunk_00000004.nc").name,
        }
        for n in names.values():
            (tmp_path / n).write_bytes(b"x")
        assert _io.remove_stale_temporaries(tmp_path) == 2
        left = set(os.listdir(tmp_path))
        assert left == {names["live"], names["other_host"], names["mine"]}
    finally:
        live.kill()
        live.wait()


def test_create_manifest_once(tmp_path):
    from jaxgen import _io

    assert _io.create_manifest(tmp_path, {"n_chunks": 1, "a": 1}) is True
    assert _io.create_manifest(tmp_path, {"n_chunks": 1, "a": 2}) is False  # never replaced
    assert _io.read_manifest(tmp_path) == {"n_chunks": 1, "a": 1}
    assert not [e for e in os.listdir(tmp_path) if ".tmp." in e]


_PAUSED_WRITER = COMMON + textwrap.dedent("""
    import os, pathlib, sys, time
    import jax
    jax.config.update("jax_enable_x64", True)
    from jaxgen import _io
    from jaxgen.sweep import run_sweep

    out, flags = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    real_link = os.link

    def paused_link(src, dst):  # the manifest temp file is complete on disk; wait here until told to go on
        (flags / "ready").write_text(str(src))
        t0 = time.time()
        while not (flags / "go").exists():
            assert time.time() - t0 < 100
            time.sleep(0.02)
        return real_link(src, dst)

    _io.os.link = paused_link
    run = run_sweep(f_cp, DESIGN, chunk_size=64, out=out, quiet=True, process_index=0, process_count=2)
    print("RESULT", run.chunks_computed)
""")


def test_second_process_starting_mid_manifest_write(tmp_path, reference):
    """The interleaving that broke two-process sweeps, forced: process 0 has written its manifest temp file and is
    about to publish it when process 1 starts.  Process 1 must not delete the live temp file; one manifest is
    created; both processes finish and the directory equals the one-process sweep."""
    script, out, flags = tmp_path / "w.py", tmp_path / "race", tmp_path / "flags"
    flags.mkdir()
    script.write_text(_PAUSED_WRITER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(out), str(flags)],
        env=_env(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        t0 = time.time()
        while not (flags / "ready").exists():
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.time() - t0 < 100, "writer subprocess too slow to start"
            time.sleep(0.02)
        live_tmp = pathlib.Path((flags / "ready").read_text())
        assert live_tmp.exists()
        r1 = run_sweep(f_cp, DESIGN, chunk_size=CHUNK, out=out, quiet=True, process_index=1, process_count=2)
        assert live_tmp.exists(), "process 1 deleted the live temp file of process 0"
        assert r1.chunks_computed == 2
        (flags / "go").write_text("")
        so, se = proc.communicate(timeout=100)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, se[-3000:]
    assert "RESULT 3" in so
    assert not [e for e in os.listdir(out) if ".tmp." in e]
    ds = load_sweep(out)
    for k in ("epsilon", "phi_2", "status", "ok"):
        np.testing.assert_array_equal(ds[k].values, reference.dataset[k].values)
