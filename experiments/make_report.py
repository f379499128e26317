"""The main job: reproduce the papers' headline results and write ``report/report.md`` with its figures.

Run with ``make report`` (or ``python experiments/make_report.py --out report``). Each entry of ``EXPERIMENTS`` is a
module in this folder with ``main(out) -> markdown``; a failing experiment is reported in the report and makes the
job exit non-zero, but does not stop the others.
"""

from __future__ import annotations

import argparse
import importlib
import pathlib
import sys
import time
import traceback

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common  # noqa: E402

#: Experiment modules, in report order.
EXPERIMENTS = [
    "constants_table",
    "gstar_tables",
    "equilibrium_scan",
    "ardu_table2",
    "ardu_washout",
    "hall_figure1",
    "hall_signatures",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("report"))
    parser.add_argument("--only", nargs="*", help="run only these experiments")
    args = parser.parse_args()
    _common.setup_jax()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sections, failures = [], []
    for name in EXPERIMENTS:
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        print(f"[jaxgen report] {name} ...", flush=True)
        try:
            module = importlib.import_module(name)
            (out / name).mkdir(parents=True, exist_ok=True)
            text = module.main(out / name)
            for f in sorted((out / name).iterdir()):  # links relative to report.md
                text = text.replace(f"]({f.name})", f"]({name}/{f.name})")
            sections.append(text.rstrip() + f"\n\n_({name}: {time.perf_counter() - t0:.1f} s)_\n")
        except Exception:
            failures.append(name)
            sections.append(f"## {name}: FAILED\n\n```\n{traceback.format_exc()}\n```\n")
            traceback.print_exc()
        print(f"[jaxgen report] {name} done in {time.perf_counter() - t0:.1f} s", flush=True)
    v = _common.versions()
    header = ["# jaxgen report", "",
              "Reproduction of Hall, March-Russell, West 2010 (asymmetric freeze-in) and "
              "Ardu, Queiroz Correa, Vives 2025 (ADM with approximate R-symmetry).", "",
              "Versions: " + ", ".join(f"{k} {v[k]}" for k in ("jaxgen", "jax", "diffrax", "equinox", "numpy")),
              f"Platform: {v['platform']}; devices: {v['devices']}; generated {v['date_utc']}.", ""]
    if failures:
        header.append(f"**Failed experiments: {', '.join(failures)}**\n")
    (out / "report.md").write_text("\n".join(header) + "\n" + "\n".join(sections))
    print(f"[jaxgen report] wrote {out / 'report.md'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
