"""The main job: reproduce the papers' headline results and write ``<out>/report.md`` with figures and data.

Run it as ``jaxgen reproduce --out report`` (or ``make report``). Each entry of :data:`EXPERIMENTS` is a module of
this package with ``main(out: pathlib.Path) -> str``: it writes its figures, tables and JSON records (with versions
and parameters) into ``out`` and returns a Markdown section. Each also runs on its own:
``python -m jaxgen.reproduce.<name> --out DIR``.

A failing experiment is reported in the report and makes the job exit non-zero, but does not stop the others.
Needs the ``report`` extra (matplotlib, scipy for the independent cross-checks). Not imported by ``import jaxgen``.
"""

from __future__ import annotations

import importlib
import pathlib
import time
import traceback

__all__ = ["EXPERIMENTS", "run_report"]

#: Experiment modules, in report order.
EXPERIMENTS = [
    "constants_table",
    "gstar_tables",
    "equilibrium_scan",
    "ardu_table2",
    "ardu_washout",
    "hall_figure1",
    "hall_signatures",
    "hall_chain",
    "hall_sphaleron",
    "cp_spectrum",
    "ardu_chain",
    "ardu_network",
    "hall_sweep",
    "unitarity_freezein",
    "slha_spectra",
    "fit_sensitivity",
]


def run_report(out: str | pathlib.Path = "report", only: list[str] | None = None, quiet: bool = False) -> int:
    """Run the experiments (all, or those named in ``only``) and write ``out/report.md``; returns an exit code.

    Enables float64 (this is an entry point; the library itself never changes the JAX config).
    """
    from . import _common

    unknown = sorted(set(only or ()) - set(EXPERIMENTS))
    if unknown:
        raise ValueError(f"unknown experiment(s) {unknown}; choose from {EXPERIMENTS}")
    _common.setup_jax()
    out = pathlib.Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    sections, failures, toc = [], [], []
    for name in EXPERIMENTS:
        if only and name not in only:
            continue
        t0 = time.perf_counter()
        say(f"[jaxgen reproduce] {name} ...")
        try:
            module = importlib.import_module(f"{__name__}.{name}")
            (out / name).mkdir(parents=True, exist_ok=True)
            text = module.main(out / name)
            for f in sorted((out / name).iterdir()):  # links relative to report.md
                text = text.replace(f"]({f.name})", f"]({name}/{f.name})")
            sections.append(text.rstrip() + f"\n\n_({name}: {time.perf_counter() - t0:.1f} s)_\n")
            title = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), name)
            toc.append(title)
        except Exception:
            failures.append(name)
            sections.append(f"## {name}: FAILED\n\n```\n{traceback.format_exc()}\n```\n")
            traceback.print_exc()
        say(f"[jaxgen reproduce] {name} done in {time.perf_counter() - t0:.1f} s")
    v = _common.versions()
    header = [
        "# jaxgen report",
        "",
        "Reproduction of Hall, March-Russell, West 2010 (asymmetric freeze-in) and "
        "Ardu, Queiroz Correa, Vives 2025 (ADM with approximate R-symmetry).",
        "",
        "Versions: " + ", ".join(f"{k} {v[k]}" for k in ("jaxgen", "jax", "diffrax", "equinox", "numpy")),
        f"Platform: {v['platform']}; devices: {v['devices']}; generated {v['date_utc']}.",
        "",
    ]
    if failures:
        header.append(f"**Failed experiments: {', '.join(failures)}**\n")
    header += ["## Contents", ""] + [f"{i + 1}. {t}" for i, t in enumerate(toc)] + [""]
    (out / "report.md").write_text("\n".join(header) + "\n" + "\n".join(sections))
    say(f"[jaxgen reproduce] wrote {out / 'report.md'}")
    return 1 if failures else 0
