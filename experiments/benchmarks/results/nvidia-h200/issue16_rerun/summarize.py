"""The summary table of the targeted H200 rerun (2026-12-04): bench_scaling's two records (scaling_a: freeze-out,
Hall g*(T) table, Ardu Boltzmann at N = 1e5..1e7; scaling_b: Hall inverse decays and the constant-g* Hall chain at
N = 1e5..1e6) merged into one record and rendered by run_benchmarks.summary_rows / render, the code of the suite.

    PYTHONPATH=.:experiments:experiments/benchmarks python experiments/benchmarks/results/nvidia-h200/issue16_rerun/summarize.py
"""

import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[2]), str(HERE.parents[3])]
import run_benchmarks as rb  # noqa: E402

a, b = (json.loads((HERE / s / "bench_scaling.json").read_text()) for s in ("scaling_a", "scaling_b"))
rec = dict(a)
res = rec["results"] = dict(a["results"])
for key in ("series", "fits", "issue16", "errors"):
    res[key] = {**a["results"][key], **b["results"][key]}
rec.update(status="ok", markdown="")
suite = json.loads((HERE.parent / "benchmarks.json").read_text())  # the machine and versions (same image)
doc = {
    "suite": "jaxgen benchmarks, H200 rerun of bench_scaling's issue-16 series (see README.md)",
    "machine": suite["machine"],
    "versions": suite["versions"],
    "date_utc": "2026-12-04T18:23:00+00:00",
    "reduced": False,
    "only": ["bench_scaling"],
    "argv": ["issue16_rerun"],
    "wall_s": a["results"]["wall_s"] + b["results"]["wall_s"],
    "budget_s": None,
    "status": {"bench_scaling": "ok"},
    "benchmarks": {"bench_scaling": rec},
}
doc["summary"] = rb.summary_rows(doc["benchmarks"], False, True)
(HERE / "benchmarks.md").write_text(rb.render(doc))
print((HERE / "benchmarks.md").read_text())
