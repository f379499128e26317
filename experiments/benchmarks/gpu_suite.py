"""The whole benchmark suite on one GPU within a time budget (driver of ``run_gpu.sh``; issue 16, deliverable 5).

    python experiments/benchmarks/gpu_suite.py [--out DIR] [--budget SECONDS] [--dry-run] [--only BENCH ...]

Runs every benchmark of ``experiments/run_benchmarks.py`` (``BENCHMARKS``) with GPU-sized N (``GPU_SIZES``: N to
1e7 for the freeze-out and the chains in bench_scaling, 1e6-1e7 elsewhere), each in a fresh Python process with its
own time limit (``LIMITS_S``, cut to what is left of ``--budget``, default 450 s), so that one slow, failing or hanging
benchmark (a missing optional package, an out-of-memory compile) costs only its own share: the others still run
and the summary still comes out. The most important ones for issue 16 run first. The records, ``benchmarks.json`` and
``benchmarks.md`` (the summary table of run_benchmarks.TARGETS, GPU targets) go to ``--out``, by default
``experiments/benchmarks/results/<device>/`` (``run_benchmarks.device_slug``, e.g. ``nvidia-h200``).

``--dry-run``: the same logic at tiny N on whatever device there is (the CPU here), with only a few benchmarks run
(``DRY_RUN``; the others are loaded, to check that they import, and recorded as "skipped (dry run)"), into
``--out`` (default a temporary folder): a check of this script in under a minute, not a measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
EXPERIMENTS = HERE.parent
REPO = EXPERIMENTS.parent
sys.path.insert(0, str(EXPERIMENTS))
sys.path.insert(0, str(HERE))

#: the order of the run: issue 16's GPU targets first, then those of issues 14 and 15, so that the 450 s budget
#: loses the least important ones. The first H200 run (2026-12-04, results/nvidia-h200/README.md) showed what a
#: benchmark costs there: every one but bench_equilibrium ran past a 15-125 s limit, in compiles (a fresh process per
#: benchmark, 2-9 s per compiled shape and more for gradients), not in runs (0.7-110 ms per call at N = 1e5-1e7).
#: The whole suite does not fit 8 minutes on that machine: the default budget runs them in this order until it is
#: spent; ``--budget 1000`` leaves room for every limit (they sum to 905 s).
ORDER = [
    "bench_scaling",
    "bench_cp",
    "bench_equilibrium",
    "bench_networks",
    "bench_chains",
    "bench_freezeout",
    "bench_fast_solvers",
    "bench_freezein",
    "bench_bessel",
    "bench_thermal",
    "bench_sweep",
]

_ISSUE16 = ("freezeout", "freezeout_vmap", "hall_table", "hall_inverse_decays", "ardu_boltzmann", "hall_chain")

#: keyword arguments of each benchmark's main on a GPU (H100/H200): N to 1e7 for the freeze-out and the chains
GPU_SIZES: dict[str, dict] = {
    # the issue-16 series at N = 1e5, 1e6, 1e7 (3 compiles each): 86 s on the H200 for all but inverse decays at 1e7
    "bench_scaling": dict(
        n_max=10_000_000,
        n_max_ode=100_000,
        n_min=100_000,
        half_decades=False,
        series_names=_ISSUE16,
        n_max_issue16=10_000_000,
        n_min_issue16=100_000,
        rss=False,
        time_budget_s=110.0,
    ),
    "bench_chains": dict(
        hall_ns={"quadrature": [10_000, 1_000_000], "quadrature_const": [100_000, 10_000_000], "ode_const": [100_000]},
        ardu_ns={"boltzmann": [10_000, 1_000_000], "instant": [100_000, 1_000_000]},
        n_baseline=20,
    ),
    "bench_freezeout": dict(n=100_000, n_scipy=10),
    "bench_cp": dict(n_eps=4096, n_big=2**18, n_chain=256, n_grad=64),
    "bench_networks": dict(ns=(10_000, 1_000_000)),
    "bench_fast_solvers": dict(
        n_list=(10_000, 1_000_000), n_max_ode=10_000, n_max_grid=100_000, n_grad=10_000, under_load=False
    ),
    "bench_freezein": dict(n_points=100_000, n_lsoda=50, n_stiff=256, extras=False),
    "bench_equilibrium": dict(n_points=1_000_000, n_numpy=1_000, n_sympy=3),
    "bench_bessel": dict(n_points=10_000_000, n_loop=2_000, n_scalar_steps=20_000),
    "bench_thermal": dict(n_points=1_000_000, n_quad=2_000, n_loop=100, n_param_points=100_000),
    "bench_sweep": dict(n_cp=2**16, n_h=2**20, chunk_cp=2**13, chunk_h=2**16),
}

#: the time limit of each benchmark's process [s] on a GPU. bench_scaling and bench_equilibrium are sized from the
#: first H200 run (86 s and 20 s there); the others ran past 15-85 s limits in that run and get more
LIMITS_S: dict[str, float] = {
    "bench_scaling": 130,
    "bench_cp": 120,
    "bench_equilibrium": 30,
    "bench_networks": 70,
    "bench_chains": 150,
    "bench_freezeout": 90,
    "bench_fast_solvers": 90,
    "bench_freezein": 90,
    "bench_bessel": 45,
    "bench_thermal": 45,
    "bench_sweep": 45,
}
DEFAULT_LIMIT_S = 60.0  # a benchmark added to run_benchmarks.BENCHMARKS later: default sizes, this limit

#: --dry-run: the benchmarks that run (tiny N; the freeze-out series of bench_scaling exercises the issue-16 code)
DRY_RUN: dict[str, dict] = {
    "bench_scaling": dict(
        n_max=100,
        n_min=100,
        half_decades=False,
        series_names=("freezeout",),
        n_max_issue16=100,
        n_min_issue16=100,
        rss=False,
        time_budget_s=20.0,
    ),
    "bench_bessel": dict(n_points=1_000, n_loop=50, n_scalar_steps=100),
}
DRY_LIMIT_S = 45.0

_CHILD = """
import json, pathlib, sys, time, traceback
sys.path.insert(0, {experiments!r}); sys.path.insert(0, {bench_dir!r})
import run_benchmarks as rb
name, out, kwargs = {name!r}, pathlib.Path({out!r}), json.loads({kwargs!r})
for k in ("series_names", "n_list"):
    if k in kwargs:
        kwargs[k] = tuple(kwargs[k])
rb._common.setup_jax()
t0 = time.perf_counter()
try:
    module = rb._load(name)
    (out / name).mkdir(parents=True, exist_ok=True)
    md, status = module.main(out / name, **kwargs).rstrip(), "ok"
except Exception:
    md, status = "## " + name + ": FAILED\\n\\n```\\n" + traceback.format_exc() + "\\n```", "failed"
    traceback.print_exc()
(out / name).mkdir(parents=True, exist_ok=True)
(out / name / "_section.json").write_text(json.dumps({{"markdown": md, "status": status,
                                                      "wall_s": time.perf_counter() - t0}}))
"""


def _run_child(name: str, out: pathlib.Path, kwargs: dict, limit_s: float, env: dict) -> tuple[str, str, float]:
    """(status, markdown, wall) of one benchmark run in a fresh process, killed after ``limit_s``."""
    code = _CHILD.format(
        experiments=str(EXPERIMENTS), bench_dir=str(HERE), name=name, out=str(out), kwargs=json.dumps(kwargs)
    )
    t0 = time.perf_counter()
    log = out / name / "log.txt"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=fh, stderr=subprocess.STDOUT, env=env)
        try:
            proc.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            dt = time.perf_counter() - t0
            tail = log.read_text()[-1500:]
            return "timeout", f"## {name}: TIMEOUT after {limit_s:.0f} s\n\n```\n{tail}\n```", dt
    dt = time.perf_counter() - t0
    sec = out / name / "_section.json"
    if sec.exists():
        d = json.loads(sec.read_text())
        sec.unlink()
        return d["status"], d["markdown"], dt
    tail = log.read_text()[-1500:]
    return "failed", f"## {name}: FAILED (exit code {proc.returncode})\n\n```\n{tail}\n```", dt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=pathlib.Path, default=None, help="results folder (default: see above)")
    parser.add_argument("--budget", type=float, default=450.0, help="wall-time budget of the whole suite [s]")
    parser.add_argument("--dry-run", action="store_true", help="tiny N, a few benchmarks: a check of the logic")
    parser.add_argument("--only", nargs="*", metavar="BENCH", help="run only these benchmarks")
    args = parser.parse_args(argv)
    dry = args.dry_run or os.environ.get("JAXGEN_BENCH_DRY_RUN", "") not in ("", "0")

    import run_benchmarks as rb

    rb._common.setup_jax()
    import jax

    t_suite = time.perf_counter()
    gpu = jax.default_backend() == "gpu"
    if args.out is not None:
        out = args.out
    elif dry:
        out = pathlib.Path(tempfile.mkdtemp(prefix="jaxgen-gpu-dry-run-"))
    else:
        out = HERE / "results" / rb.device_slug()
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    info = rb.machine_info()
    print(f"[gpu_suite] device {info['machine']['device_kind']} ({info['machine']['backend']}); out {out}", flush=True)
    if not gpu and not dry:
        print("[gpu_suite] WARNING: no GPU is JAX's default device; the GPU-sized run will be slow", flush=True)
    names = [b for b in ORDER if b in rb.BENCHMARKS] + [b for b in rb.BENCHMARKS if b not in ORDER]
    if args.only:
        unknown = [b for b in args.only if b not in names]
        if unknown:
            parser.error(f"unknown benchmark(s) {unknown}; choose from {names}")
        names = [b for b in names if b in args.only]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    status: dict[str, str] = {}
    records: dict[str, dict] = {}
    reserve_s = 10.0  # for the summary
    for name in names:
        if dry and name not in DRY_RUN:
            try:
                rb._load(name)  # it must at least import
                status[name], md = "skipped", f"## {name}: skipped (dry run; the module imports)"
            except Exception as exc:
                status[name], md = "failed", f"## {name}: FAILED to import ({type(exc).__name__}: {exc})"
            records[name] = {"status": status[name], "wall_s": 0.0, "kwargs": {}, "markdown": md + "\n"}
            continue
        kwargs = DRY_RUN[name] if dry else GPU_SIZES.get(name, {})
        limit = DRY_LIMIT_S if dry else LIMITS_S.get(name, DEFAULT_LIMIT_S)
        left = args.budget - (time.perf_counter() - t_suite) - reserve_s
        if left < 5:
            status[name] = "not run (budget)"
            records[name] = {
                "status": status[name],
                "wall_s": 0.0,
                "kwargs": kwargs,
                "markdown": f"## {name}: not run (the {args.budget:.0f} s budget was spent)\n",
            }
            print(f"[gpu_suite] {name}: not run (budget spent)", flush=True)
            continue
        limit = min(limit, left)
        print(f"[gpu_suite] {name} (limit {limit:.0f} s) ...", flush=True)
        st, md, dt = _run_child(name, out, kwargs, limit, env)
        status[name] = st
        rec_path = out / name / f"{name}.json"
        rec = json.loads(rec_path.read_text()) if st == "ok" and rec_path.exists() else {}
        rec.update(
            wall_s=dt,
            status=st,
            kwargs={k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
            markdown=md + f"\n\n_({name}: {dt:.0f} s, {st}{', dry run' if dry else ', GPU sizes'})_\n",
        )
        records[name] = rec
        print(f"[gpu_suite] {name}: {st} in {dt:.0f} s", flush=True)
    wall = time.perf_counter() - t_suite
    rows = rb.summary_rows(records, dry, gpu)
    doc = {
        "suite": "jaxgen benchmarks (issues 8 and 16), GPU suite" + (" DRY RUN" if dry else ""),
        **info,
        "reduced": dry,
        "only": args.only,
        "argv": sys.argv,
        "wall_s": wall,
        "budget_s": args.budget,
        "status": status,
        "summary": rows,
        "benchmarks": records,
    }
    (out / "benchmarks.json").write_text(json.dumps(doc, indent=1, default=float))
    (out / "benchmarks.md").write_text(rb.render(doc))
    print(f"[gpu_suite] wrote {out / 'benchmarks.md'} and benchmarks.json in {wall:.0f} s", flush=True)
    bad = [k for k, s in status.items() if s in ("failed", "timeout")]
    if bad:
        print(f"[gpu_suite] not ok: {', '.join(f'{k} ({status[k]})' for k in bad)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
