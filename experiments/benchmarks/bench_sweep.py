"""Benchmark: the sweep engine (issue 6, item 3) against a plain ``jit(vmap(f))`` on one batch, and its sharding
overhead.

Functions swept (the scenario chains of issue 5 do not exist yet; these are existing physics entry points):

* ``cp``: ``jaxgen.cp.epsilon_gaugino_higgsino`` (chargino + neutralino spectra: 2x2 SVD and 4x4 Takagi per point,
  Hall et al. 2010 eq. 2.7), Sobol design over (M2, phi_mu, eps0);
* ``hubble``: ``Cosmology().hubble`` (Saikawa-Shirai g* spline), random log-uniform design in T -- a very cheap
  function, where the per-chunk overhead of the engine (host design generation, transfer, bookkeeping) shows most.

Timings (same run, same machine; compile and run separately, ``block_until_ready``):

* baseline a physicist would write: a Python loop calling a jitted single-point ``f`` (a subset, extrapolated), and
  the plain ``jit(vmap(f))`` over the whole batch at once (values pre-generated on the device: the upper bound);
* ``run_sweep`` in memory (chunked, one compile, NamedSharding over the local devices, design generated lazily on
  the host per chunk), and with resumable NetCDF output (one atomic file per chunk);
* sharding overhead: the same jitted chunk function with and without ``in_shardings``/``out_shardings`` on a 1-device
  mesh, and ``run_sweep`` in a subprocess with ``--xla_force_host_platform_device_count=2`` (2 virtual CPU devices
  on the 2 physical cores) vs 1 device.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import _common
import _timing

REPO = pathlib.Path(__file__).resolve().parents[2]


def _problems():
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    from jaxgen import cp
    from jaxgen.cosmology import Cosmology
    from jaxgen.sweep import Axis, random_design, sobol_design

    class Point(eqx.Module):
        gh: cp.GauginoHiggsinoParams
        eps0: jax.Array

    def f_cp(p):
        return cp.epsilon_gaugino_higgsino(p.gh, p.eps0)

    base = Point(
        gh=cp.GauginoHiggsinoParams(M1=300.0, M2=600.0, mu=900.0, tan_beta=10.0, phi_mu=0.3), eps0=jnp.asarray(0.05)
    )
    axes_cp = [
        Axis("gh.M2", 100.0, 3000.0, log=True, units="GeV"),
        Axis("gh.phi_mu", 0.0, 2 * math.pi),
        Axis("eps0", -0.1, 0.1),
    ]

    class TPoint(eqx.Module):
        T: jax.Array

    class H(eqx.Module):
        hubble: jax.Array
        status: jax.Array

    cosmo = Cosmology()

    def f_h(p):
        return H(hubble=cosmo.hubble(p.T), status=jnp.int32(0))

    return {
        "cp": (f_cp, lambda n: sobol_design(base, axes_cp, n=n, seed=1)),
        "hubble": (
            f_h,
            lambda n: random_design(TPoint(jnp.asarray(1.0)), [Axis("T", 1e-3, 1e6, log=True)], n=n, seed=1),
        ),
    }


def _measure(name: str, n: int, chunk: int, n_loop: int, out_dir: pathlib.Path) -> dict:
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    from jaxgen import _sweep
    from jaxgen.sweep import run_sweep

    f, make = _problems()[name]
    design = make(n)
    res: dict = {"n_points": n, "chunk_size": chunk, "n_devices": len(jax.local_devices())}

    # --- baseline 1: per-point loop over a jitted single-point f --------------------------------------------------
    build = _sweep._point_builder(design)
    one = jax.jit(lambda v: f(build(v)))
    vals = design.values(0, n_loop)
    jax.block_until_ready(one(jnp.asarray(vals[0])))

    def loop():
        for v in vals:
            jax.block_until_ready(one(jnp.asarray(v)))

    res["loop_points_per_s"] = n_loop / _timing.time_host(loop)["run_s"]

    # --- baseline 2: plain jit(vmap(f)) on the whole batch ----------------------------------------------------------
    plain = jax.jit(jax.vmap(lambda v: f(build(v))))
    all_vals = jnp.asarray(design.values())
    tv = _timing.time_jax(plain, all_vals, memory=True)
    res["vmap_compile_s"] = tv["compile_s"]
    res["vmap_points_per_s"] = n / tv["run_s"]
    res["vmap_memory"] = tv["memory"]

    # --- sharding overhead of the chunk function itself (1-device mesh, same chunk) --------------------------------
    mesh = Mesh(np.array(jax.local_devices()[:1]), ("batch",))
    sh = NamedSharding(mesh, PartitionSpec("batch"))
    cv = jnp.asarray(design.values(0, chunk))
    fn_plain = _sweep._make_chunk_fn(f, design, None).lower(cv).compile()
    cvs = jax.device_put(cv, sh)
    fn_sh = _sweep._make_chunk_fn(f, design, sh).lower(cvs).compile()
    jax.block_until_ready(fn_plain(cv))
    jax.block_until_ready(fn_sh(cvs))
    tps, tss = [], []
    for _ in range(max(_timing.REPEATS, 7)):  # alternate the two, median of each
        t = time.perf_counter()
        jax.block_until_ready(fn_plain(cv))
        tps.append(time.perf_counter() - t)
        t = time.perf_counter()
        jax.block_until_ready(fn_sh(cvs))
        tss.append(time.perf_counter() - t)
    tp, ts = _timing.median(tps), _timing.median(tss)
    res["chunk_plain_s"], res["chunk_sharded_1dev_s"] = tp, ts
    res["chunk_memory"] = _timing.memory_analysis(fn_plain)
    res["sharding_overhead_1dev"] = ts / tp

    # --- the engine: in memory and to NetCDF --------------------------------------------------------------------
    # run_sweep compiles its chunk function on every call (its compile_s) and times its run itself (run_s): the
    # median over REPEATS calls of each
    runs = [run_sweep(f, design, chunk_size=chunk, quiet=True) for _ in range(_timing.REPEATS)]
    res["sweep_compile_s"] = _timing.median([r.compile_s for r in runs])
    res["sweep_points_per_s"] = _timing.median([r.points_per_s for r in runs])
    res["sweep_over_vmap"] = res["sweep_points_per_s"] / res["vmap_points_per_s"]
    rates = []
    for i in range(_timing.REPEATS):
        with tempfile.TemporaryDirectory(dir=out_dir) as td:
            run = run_sweep(f, design, chunk_size=chunk, quiet=True, out=pathlib.Path(td) / "s")
            rates.append(run.points_per_s)
            if i == 0:
                res["netcdf_bytes_per_point"] = sum(p.stat().st_size for p in (pathlib.Path(td) / "s").glob("*.nc")) / n
    res["sweep_netcdf_points_per_s"] = _timing.median(rates)
    res["sweep_netcdf_over_vmap"] = res["sweep_netcdf_points_per_s"] / res["vmap_points_per_s"]
    res["sweep_over_loop"] = res["sweep_points_per_s"] / res["loop_points_per_s"]
    return res


def _devices_subprocess(name, n, chunk, n_dev) -> dict:
    """run_sweep in memory in a fresh process with n_dev virtual CPU devices."""
    code = (
        f"import sys, json; sys.path.insert(0, {str(REPO / 'experiments' / 'benchmarks')!r}); "
        "import jax; jax.config.update('jax_enable_x64', True); import bench_sweep as b; "
        "from jaxgen.sweep import run_sweep; "
        f"f, make = b._problems()[{name!r}]; d = make({n}); "
        f"run_sweep(f, make({chunk}), chunk_size={chunk}, quiet=True); "
        f"rs = [run_sweep(f, d, chunk_size={chunk}, quiet=True) for _ in range({_timing.REPEATS})]; "
        "import statistics as st; "
        "print(json.dumps({'n_devices': rs[0].n_devices, 'points_per_s': st.median(r.points_per_s for r in rs), "
        "'compile_s': st.median(r.compile_s for r in rs)}))"
    )
    env = dict(
        os.environ,
        JAX_PLATFORMS="cpu",
        PYTHONPATH=str(REPO),
        XLA_FLAGS=f"--xla_force_host_platform_device_count={n_dev}",
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(out: pathlib.Path, n_cp: int = 2**16, n_h: int = 2**20, chunk_cp: int = 2**13, chunk_h: int = 2**16) -> str:
    import jax

    out.mkdir(parents=True, exist_ok=True)
    results = {"cp": _measure("cp", n_cp, chunk_cp, 200, out), "hubble": _measure("hubble", n_h, chunk_h, 200, out)}
    for name, n, chunk in (("cp", n_cp, chunk_cp), ("hubble", n_h, chunk_h)):
        d1 = _devices_subprocess(name, n, chunk, 1)
        d2 = _devices_subprocess(name, n, chunk, 2)
        results[name]["subprocess_1dev_points_per_s"] = d1["points_per_s"]
        results[name]["subprocess_2dev_points_per_s"] = d2["points_per_s"]
        results[name]["two_devices_over_one"] = d2["points_per_s"] / d1["points_per_s"]
    _common.write_record(
        out,
        "bench_sweep",
        {
            "n_cp": n_cp,
            "n_h": n_h,
            "chunk_cp": chunk_cp,
            "chunk_h": chunk_h,
            "backend": jax.default_backend(),
            "repeats": _timing.REPEATS,
        },
        results,
    )
    lines = [
        "## Sweep engine benchmark (issue 6, item 3)",
        "",
        f"Backend {jax.default_backend()}, {os.cpu_count()} CPU cores. Points/s (higher is better); ratios are "
        f"engine / baseline. Medians of {_timing.REPEATS} runs.",
        "",
        "| function | N | chunk | loop of jit(f) | jit(vmap) one batch | run_sweep (memory) | run_sweep (NetCDF) "
        "| sweep/vmap | NetCDF sweep/vmap | sweep/loop | sharded/plain chunk fn (1 dev) | 2 dev/1 dev |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['n_points']} | {r['chunk_size']} | {r['loop_points_per_s']:.3g} | "
            f"{r['vmap_points_per_s']:.3g} | {r['sweep_points_per_s']:.3g} | {r['sweep_netcdf_points_per_s']:.3g} | "
            f"{r['sweep_over_vmap']:.2f} | {r['sweep_netcdf_over_vmap']:.2f} | {r['sweep_over_loop']:.0f} | "
            f"{r['sharding_overhead_1dev']:.3f} | {r['two_devices_over_one']:.2f} |"
        )
    lines += [
        "",
        "Compile times [s]: "
        + ", ".join(
            f"{k}: vmap {r['vmap_compile_s']:.2f}, sweep {r['sweep_compile_s']:.2f}" for k, r in results.items()
        ),
        "",
        "NetCDF bytes/point: " + ", ".join(f"{k}: {r['netcdf_bytes_per_point']:.0f}" for k, r in results.items()),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    _common.cli(main)
