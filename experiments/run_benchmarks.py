"""Run every benchmark in experiments/benchmarks/ and write ``benchmarks.md`` plus one JSON record per benchmark.

``make bench`` (or ``python experiments/run_benchmarks.py --out report/benchmarks [--only bench_freezein ...]``).
Benchmarks time compile and run separately and compare with the baseline in the same run; see each module.
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import sys
import time
import traceback

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common  # noqa: E402

BENCHMARKS = ["bench_bessel", "bench_thermal", "bench_equilibrium", "bench_freezein", "bench_freezeout",
              "bench_sweep"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("report/benchmarks"))
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    _common.setup_jax()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sections, failed = [], []
    for name in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        print(f"[jaxgen bench] {name} ...", flush=True)
        try:
            spec = importlib.util.spec_from_file_location(name, HERE / "benchmarks" / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            (out / name).mkdir(parents=True, exist_ok=True)
            sections.append(module.main(out / name).rstrip() + f"\n\n_({name}: {time.perf_counter() - t0:.0f} s)_\n")
        except Exception:
            failed.append(name)
            sections.append(f"## {name}: FAILED\n\n```\n{traceback.format_exc()}\n```\n")
            traceback.print_exc()
    v = _common.versions()
    head = f"# jaxgen benchmarks\n\nPlatform: {v['platform']}; devices: {v['devices']}; cpus: {v['cpu_count']}; {v['date_utc']}\n\n"
    (out / "benchmarks.md").write_text(head + "\n".join(sections))
    print(f"[jaxgen bench] wrote {out / 'benchmarks.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
