"""Run the jaxgen benchmark suite (issue 8) and write ``benchmarks.json`` and ``benchmarks.md``.

    python experiments/run_benchmarks.py [--out DIR | --results] [--reduced] [--only bench_freezein ...]

``make bench`` runs the full suite into report/benchmarks; ``make bench-reduced`` the reduced one (every benchmark at
smaller N; the whole suite in under 10 minutes on 2 idle CPU cores, compiles included). ``--results`` writes into
experiments/benchmarks/results/<device>[-reduced]/ (the committed results; one folder per device).

Each benchmark (experiments/benchmarks/bench_*.py, ``main(out, **sizes) -> markdown``) measures its figures and
their baselines in the same run and writes a JSON record (``_common.write_record``). The summary table below is
computed from those records by the TARGETS spec: every ratio is a ratio of two numbers of this run. Timing rules
(experiments/benchmarks/_timing.py): compile (``lower().compile()``) timed apart from run; medians of >= 5 runs;
``block_until_ready`` around every timed JAX call.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import pathlib
import platform
import re
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
BENCH_DIR = HERE / "benchmarks"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(BENCH_DIR))

import _common  # noqa: E402

BENCHMARKS = [
    "bench_bessel",
    "bench_thermal",
    "bench_equilibrium",
    "bench_freezein",
    "bench_freezeout",
    "bench_sweep",
    "bench_scaling",
    "bench_chains",
    "bench_fast_solvers",
    "bench_cp",
    "bench_networks",
]

# --reduced: smaller N for every benchmark (keyword arguments of its main)
REDUCED = {
    "bench_bessel": dict(n_points=100_000, n_loop=2_000, n_scalar_steps=20_000),
    "bench_thermal": dict(n_points=100_000, n_quad=10_000, n_loop=100, n_param_points=25_000),
    "bench_equilibrium": dict(n_points=200_000, n_numpy=1_000, n_sympy=5),
    "bench_freezein": dict(n_points=2_000, n_lsoda=100, n_stiff=256, extras=False),
    "bench_freezeout": dict(n=512, n_scipy=10),
    "bench_sweep": dict(n_cp=2**13, n_h=2**17, chunk_cp=2**11, chunk_h=2**14),
    "bench_scaling": dict(n_max=100_000, n_max_ode=10_000, half_decades=False),
    "bench_chains": dict(reduced=True),
    "bench_fast_solvers": dict(n_list=(1_000, 10_000), n_max_ode=1_000, n_max_grid=10_000, n_grad=1_000),
    "bench_cp": dict(n_eps=64, n_big=2048, n_chain=2048, n_grad=4),
    "bench_networks": dict(ns=(1_000,)),
}


# ---------------------------------------------------------------------------------------------------------------
# the summary table: one row per target of issue 8, computed from the JSON records of this run
# ---------------------------------------------------------------------------------------------------------------
def get(recs: dict, bench: str, path: str, default=None):
    """Value at dotted ``path`` (e.g. "results.ode_points_per_s") of benchmark ``bench``'s record, or default."""
    node: Any = recs.get(bench)
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
            node = node[int(part)]
        else:
            return default
    return default if node is None else node


def _min_rate(bench: str, series: str, n_lo: float):
    """Lowest points/s over N >= n_lo of a bench_scaling series (the figure that must hold at every N)."""

    def f(recs):
        pts = [p for p in get(recs, bench, f"results.series.{series}", []) if p["n"] >= n_lo]
        return min(p["points_per_s"] for p in pts) if pts else None

    f.bench = bench
    return f


def _issue16(series: str, path: str):
    """A value of bench_scaling's issue-16 record of one series (e.g. "points_per_s_at_n_max", "n_max",
    "rss.above_import_mb")."""

    def f(recs):
        return get(recs, SC, f"results.issue16.{series}.{path}")

    f.bench = SC
    return f


def _issue16_rows() -> list:
    """Issue 16: points/s at the largest N (1e3 .. 1e6 on CPU, to 1e7 on a GPU) of the freeze-out and of every
    default chain, and the peak memory of a fresh process at that N."""
    rows = [
        Target(
            "issue 16 throughput",
            "solve_freezeout_batch (default settings, DHS g_*, m 1 GeV-10 TeV; chunks of 16384 on a CPU, 2**20 on a GPU), at N_max "
            "(bench_scaling; the flat vmap of solve_freezeout: series freezeout_vmap there)",
            _issue16("freezeout", "points_per_s_at_n_max"),
            "points/s",
            ">= 6.7e5 pts/s (2 CPU cores), >= 1e8 GPU",
            lambda v, r, gpu: v >= (1e8 if gpu else 6.7e5),
            baseline=_key(FO, "results.points_per_s_scipy_radau"),
            baseline_label="per-point scipy Radau loop (micrOMEGAs: ~6.7e3 pts/s on 2 cores, external)",
            ratio="fig/base",
            n=_issue16("freezeout", "n_max"),
            target_n=1e6,
        )
    ]
    for series, label, baseline, base_label in (
        (
            "hall_table",
            "Hall chain, default g_*(T) table (asymmetric_freezein_batch)",
            "results.hall.quadrature_const.points_per_s",
            None,
        ),
        (
            "hall_inverse_decays",
            "Hall chain with inverse decays (method ode; asymmetric_freezein_batch, chunked)",
            "results.hall.ode_const.baseline_points_per_s",
            "per-point solve_ivp LSODA chain (bench_chains)",
        ),
        ("ardu_boltzmann", "Ardu chain, Boltzmann washout (default; rsymmetric_adm_batch, chunked)", None, None),
    ):
        rows.append(
            Target(
                "issue 16 throughput",
                f"{label}, at N_max (bench_scaling; until 2026-12-04 a flat vmap)",
                _issue16(series, "points_per_s_at_n_max"),
                "points/s",
                ">= 5e5 pts/s (2 CPU cores), >= 1e7 GPU",
                lambda v, r, gpu: v >= (1e7 if gpu else 5e5),
                baseline=_key(CH, baseline) if baseline else None,
                baseline_label=base_label or ("Hall chain, constant g_* (bench_chains, largest N)" if baseline else ""),
                ratio="fig/base" if baseline else None,
                n=_issue16(series, "n_max"),
                target_n=1e6,
            )
        )
    for table in ("saikawa_shirai", "drees_hajkarim_schmitz", "gondolo_gelmini", "constant"):
        rows.append(
            Target(
                "issue 16 accuracy",
                f"solve_freezeout default vs the adaptive reference, {table} g_*: max rel. error, s- and p-wave, "
                "m = 1 GeV-10 TeV, a or b = 1e-10-1e-7 GeV^-2 (72 points)",
                _max_err(table),
                "relative",
                "<= 1e-4",
                lambda v, r, g: v <= 1e-4,
                fmt=".1e",
                note=_err_note(table),
            )
        )
    for series, label in (
        ("freezeout", "solve_freezeout"),
        ("hall_table", "Hall chain, g_*(T) table"),
        ("hall_inverse_decays", "Hall chain, inverse decays"),
        ("ardu_boltzmann", "Ardu chain, Boltzmann washout"),
    ):
        rows.append(
            Target(
                "issue 16 peak memory",
                f"{label}: peak RSS above imports of a fresh process at N_max",
                _issue16(series, "rss.above_import_mb"),
                "MB",
                "reported",
                lambda v, r, g: True,
                n=_issue16(series, "n_max"),
                fmt=".0f",
                note=_note("device peak MB", SC, f"results.issue16.{series}.rss.device_peak_mb", ".0f"),
            )
        )
    return rows


def _max_err(table: str):
    """Worst of the s- and p-wave relative errors of the default freeze-out against the adaptive reference."""

    def f(recs):
        v = get(recs, FO, f"results.rosenbrock.max_rel_err_vs_adaptive.{table}")
        return None if v is None else max(v["s"], v["p"])

    f.bench = FO
    return f


def _err_note(table: str):
    def f(recs):
        v = get(recs, FO, f"results.rosenbrock.max_rel_err_vs_adaptive.{table}")
        return "" if v is None else f"s {v['s']:.1e}, p {v['p']:.1e}; {v['rosenbrock_failed']} flagged (x_f < 3)"

    return f


def _n_range(bench: str, series: str, n_lo: float):
    def f(recs):
        pts = [p["n"] for p in get(recs, bench, f"results.series.{series}", []) if p["n"] >= n_lo]
        return (min(pts), max(pts)) if pts else None

    return f


def _key(bench: str, path: str):
    def f(recs):
        return get(recs, bench, path)

    f.bench = bench
    return f


@dataclasses.dataclass
class Target:
    """One summary row. ``figure``/``baseline``/``n``: functions of the records dict; ``ratio``: "fig/base" or
    "base/fig" (a speed-up) or None; ``check(fig, ratio, gpu) -> bool``; ``n`` gives the measured N (a number or a
    (lo, hi) range) and ``target_n`` the N the issue asks for (the row says "reduced" where smaller)."""

    group: str
    label: str
    figure: Callable
    unit: str
    target: str
    check: Callable
    baseline: Callable | None = None
    baseline_label: str = ""
    ratio: str | None = None
    n: Callable | None = None
    target_n: float | None = None
    note: Callable | None = None
    fmt: str = ".3g"
    bench: str = ""  # the record the figure comes from (for "not measured" rows); default: figure.bench

    def __post_init__(self):
        self.bench = self.bench or getattr(self.figure, "bench", "")


def _compile_pair(bench, fwd, grad):
    """(forward, gradient) compile seconds of a record, or None when neither was measured."""

    def fig(recs):
        a, b = get(recs, bench, fwd), (get(recs, bench, grad) if grad else None)
        return None if a is None and b is None else (a, b)

    fig.bench = bench
    return fig


def _compile_row(group, label, bench, fwd, grad, n=None, target_n=None):
    fig = _compile_pair(bench, fwd, grad)

    def check(v, _r, _gpu):
        a, b = v
        return (a is None or a <= 2.0) and (b is None or b <= 5.0)

    return Target(
        group, label, fig, "s", "<= 2 s forward, <= 5 s gradient", check, n=n, target_n=target_n, fmt="compile"
    )


def _issue15_rows(label, bench, rec, base, base_label):
    """Issue 15's three targets of one chain record ``rec`` (points/s >= 1e5 at its largest N, gradient/forward
    <= 2.5x, compile <= 5 s), each against the baseline record ``base`` of the same run."""
    return [
        Target(
            "issue 15 chains",
            f"{label}, largest N",
            _key(bench, f"{rec}.points_per_s"),
            "points/s",
            ">= 1e5 pts/s (2 CPU cores)",
            lambda v, r, gpu: v >= 1e5,
            baseline=_key(bench, f"{base}.points_per_s"),
            baseline_label=base_label,
            ratio="fig/base",
            n=_key(bench, f"{rec}.n"),
        ),
        Target(
            "issue 15 chains",
            f"{label}: gradient / forward",
            _key(bench, f"{rec}.grad_over_forward"),
            "x forward",
            "<= 2.5x",
            lambda v, _r, _g: v <= 2.5,
            baseline=_key(bench, f"{base}.grad_over_forward"),
            baseline_label=base_label,
            fmt=".2f",
        ),
        Target(
            "issue 15 chains",
            f"{label}: compile",
            _compile_pair(bench, f"{rec}.compile_forward_s", f"{rec}.compile_grad_s"),
            "s",
            "<= 5 s (forward and gradient)",
            lambda v, _r, _g: all(x is None or x <= 5.0 for x in v),
            fmt="compile",
        ),
    ]


def _grad_row(label, bench, key, n=None, target_n=None):
    return Target(
        "gradient / forward",
        label,
        _key(bench, key),
        "x forward",
        "<= 2x",
        lambda v, _r, _g: v <= 2.0,
        n=n,
        target_n=target_n,
        fmt=".2f",
    )


FI, EQ, FO, SC, CH = "bench_freezein", "bench_equilibrium", "bench_freezeout", "bench_scaling", "bench_chains"
CPB = "bench_cp"
NW = "bench_networks"


def _note(prefix: str, bench: str, path: str, fmt: str = ".0e"):
    """A note "prefix <value>" from a record value (empty if missing)."""

    def f(recs):
        v = get(recs, bench, path)
        return "" if v is None else f"{prefix} {v:{fmt}}"

    return f


_fi_n = _key(FI, "parameters.n_points")


def _fi_err(recs):
    return (
        f"err {get(recs, FI, 'results.ode_max_rel_err', float('nan')):.0e} vs LSODA "
        f"{get(recs, FI, 'results.lsoda_max_rel_err', float('nan')):.0e}"
    )


TARGETS: list[Target] = [
    # --- freeze-in ODE vs LSODA at equal accuracy (rtol 1e-8 both; errors vs the exact closed form in the note)
    Target(
        "freeze-in ODE vs LSODA",
        "solve_freezein (diffrax Tsit5, rtol 1e-8), jit+vmap",
        _key(FI, "results.ode_points_per_s"),
        "points/s",
        ">= 200x",
        lambda v, r, g: r >= 200,
        baseline=_key(FI, "results.lsoda_points_per_s"),
        baseline_label="scipy LSODA loop, rtol 1e-8",
        ratio="fig/base",
        n=_fi_n,
        target_n=1e6,
        note=_fi_err,
    ),
    Target(
        "freeze-in ODE vs LSODA",
        "solve_freezein_batch, slowest N in 1e3..N_max (bench_scaling)",
        _min_rate(SC, "freezein_ode", 1e3),
        "points/s",
        ">= 200x",
        lambda v, r, g: r >= 200,
        baseline=_key(FI, "results.lsoda_points_per_s"),
        baseline_label="scipy LSODA loop, rtol 1e-8",
        ratio="fig/base",
        n=_n_range(SC, "freezein_ode", 1e3),
        target_n=1e6,
    ),
    Target(
        "freeze-in ODE vs LSODA",
        "same yields by freezein_quadrature (exact fast path), jit+vmap",
        _key(FI, "results.quad_points_per_s"),
        "points/s",
        ">= 200x",
        lambda v, r, g: r >= 200,
        baseline=_key(FI, "results.lsoda_points_per_s"),
        baseline_label="scipy LSODA loop, rtol 1e-8",
        ratio="fig/base",
        n=_fi_n,
        target_n=1e6,
        note=_note("err", FI, "results.quad_max_rel_err"),
    ),
    Target(
        "freeze-in ODE vs LSODA",
        "freezein_quadrature, slowest N in 1e3..N_max (bench_scaling)",
        _min_rate(SC, "freezein_quadrature", 1e3),
        "points/s",
        ">= 200x",
        lambda v, r, g: r >= 200,
        baseline=_key(FI, "results.lsoda_points_per_s"),
        baseline_label="scipy LSODA loop, rtol 1e-8",
        ratio="fig/base",
        n=_n_range(SC, "freezein_quadrature", 1e3),
        target_n=1e6,
    ),
    # --- stiff mixed batch
    Target(
        "stiff mixed batch",
        "inverse decays, Kvaerno5, stiffness-bucketed: failures",
        _key(FI, "results.stiff_failures"),
        "failures",
        "0 failures",
        lambda v, r, g: v == 0,
        baseline=_key(FI, "results.stiff_lsoda_failures"),
        baseline_label="LSODA failures (every 8th point)",
        n=_key(FI, "parameters.n_stiff"),
        target_n=256,
        fmt="d",
        note=_note("max rel diff vs LSODA", FI, "results.stiff_max_rel_diff_vs_lsoda"),
    ),
    Target(
        "stiff mixed batch",
        "wasted lockstep work, stiffness-bucketed (16 lanes)",
        _key(FI, "results.stiff_waste_bucketed"),
        "x useful steps",
        "<= 1.5x",
        lambda v, r, g: v <= 1.5,
        baseline=_key(FI, "results.stiff_waste_whole_vmap"),
        baseline_label="one whole-batch vmap",
        n=_key(FI, "parameters.n_stiff"),
        target_n=256,
        fmt=".2f",
    ),
    # --- MSSM equilibrium
    Target(
        "MSSM equilibrium",
        "evaluate_batch (chunked), mass-dependent k(m/T), evals/s",
        _key(EQ, "results.rate_jax_chunked_per_s"),
        "evals/s",
        ">= 1e7 evals/s",
        lambda v, r, g: v >= 1e7,
        n=_key(EQ, "parameters.n_points"),
        target_n=1e6,
    ),
    Target(
        "MSSM equilibrium",
        "evaluate_batch (chunked) vs numpy.linalg.solve loop",
        _key(EQ, "results.rate_jax_chunked_per_s"),
        "evals/s",
        ">= 100x",
        lambda v, r, g: r >= 100,
        baseline=_key(EQ, "results.rate_numpy_loop_per_s"),
        baseline_label="numpy.linalg.solve loop",
        ratio="fig/base",
        n=_key(EQ, "parameters.n_points"),
        target_n=1e6,
    ),
    Target(
        "MSSM equilibrium",
        "evaluate_batch (chunked) vs sympy exact solve",
        _key(EQ, "results.rate_jax_chunked_per_s"),
        "evals/s",
        ">= 100x",
        lambda v, r, g: r >= 100,
        baseline=_key(EQ, "results.rate_sympy_per_s"),
        baseline_label="sympy exact LUsolve",
        ratio="fig/base",
        n=_key(EQ, "parameters.n_points"),
        target_n=1e6,
    ),
    # --- gradient of each chain vs its forward pass
    _grad_row("Hall chain, quadrature, default g_*(T) table", CH, "results.hall.quadrature.grad_over_forward"),
    _grad_row("Hall chain, quadrature, constant g_*", CH, "results.hall.quadrature_const.grad_over_forward"),
    _grad_row("Hall chain, ODE with inverse decays", CH, "results.hall.ode_const.grad_over_forward"),
    _grad_row("Ardu chain, Boltzmann washout (default)", CH, "results.ardu.boltzmann.grad_over_forward"),
    _grad_row("Ardu chain, instant washout", CH, "results.ardu.instant.grad_over_forward"),
    _grad_row("freezein_quadrature", FI, "results.quad_grad_over_fwd"),
    _grad_row("solve_freezein (forward sensitivities, custom JVP)", FI, "results.sens_customjvp_grad_over_fwd"),
    _grad_row("solve_freezeout, default (fixed-grid Rodas4P2, custom VJP)", FO, "results.rosenbrock.grad_over_forward"),
    _grad_row("solve_freezeout method='adaptive' (the reference)", FO, "results.grad_over_forward"),
    _grad_row("MSSM equilibrium evaluate", EQ, "results.grad_over_forward"),
    _grad_row("kernels.k1", "bench_bessel", "results.grad_k1_float64.ratio_to_forward"),
    # --- compile per entry point
    _compile_row("compile", "freezein_quadrature", FI, "results.quad_fwd_compile_s", "results.quad_grad_compile_s"),
    _compile_row(
        "compile", "solve_freezein (Tsit5)", FI, "results.ode_compile_s", "results.sens_customjvp_grad_compile_s"
    ),
    _compile_row("compile", "solve_freezein_batch (stiff, Kvaerno5)", FI, "results.stiff_compile_s", None),
    _compile_row(
        "compile",
        "solve_freezeout, default (fixed-grid Rodas4P2)",
        FO,
        "results.rosenbrock.compile_forward_s",
        "results.rosenbrock.compile_grad_s",
    ),
    _compile_row(
        "compile",
        "solve_freezeout method='adaptive' (the reference)",
        FO,
        "results.compile_forward_s",
        "results.compile_grad_s",
    ),
    _compile_row("compile", "MSSM equilibrium evaluate", EQ, "results.t_compile_s", "results.t_compile_grad_s"),
    *(
        _compile_row("compile", label, CH, f"results.{k}.compile_forward_s", f"results.{k}.compile_grad_s")
        for label, k in (
            ("Hall chain, quadrature, g_*(T) table", "hall.quadrature"),
            ("Hall chain, quadrature, constant g_*", "hall.quadrature_const"),
            ("Hall chain, ODE with inverse decays", "hall.ode_const"),
            ("Ardu chain, Boltzmann washout", "ardu.boltzmann"),
            ("Ardu chain, instant washout", "ardu.instant"),
        )
    ),
    # --- the full asymmetric freeze-in chain
    Target(
        "full asymmetric freeze-in chain",
        "Hall chain, default settings (g_*(T) tables, sphaleron-timed eta_B), largest N",
        _key(CH, "results.hall.quadrature.points_per_s"),
        "points/s",
        ">= 1e5 pts/s CPU, >= 1e7 GPU",
        lambda v, r, gpu: v >= (1e7 if gpu else 1e5),
        n=_key(CH, "results.hall.quadrature.n"),
        target_n=1e6,
    ),
    # --- issue 15: the Ardu R-charge network (rate-computed R-breaking decoupling, massive weights) vs the
    # instantaneous chain, and the sphaleron-timed Hall chain (the default) vs the paper's B = c (B - L)
    *_issue15_rows(
        "Ardu R-charge network (r_charge_network_batch, default settings)",
        NW,
        "results.network",
        "results.instant",
        "rsymmetric_adm (instantaneous stages), same run",
    ),
    *_issue15_rows(
        "Hall chain, default (sphaleron-timed eta_B)",
        CH,
        "results.hall.quadrature",
        "results.hall.quadrature_instant",
        'same chain, sphalerons="instantaneous"',
    ),
    Target(
        "full asymmetric freeze-in chain",
        "Hall chain, constant g_* (48 nodes), largest N",
        _key(CH, "results.hall.quadrature_const.points_per_s"),
        "points/s",
        ">= 1e5 pts/s CPU, >= 1e7 GPU",
        lambda v, r, gpu: v >= (1e7 if gpu else 1e5),
        baseline=_key(CH, "results.hall.quadrature_const.baseline_points_per_s"),
        baseline_label="per-point scipy quad + numpy chain",
        ratio="fig/base",
        n=_key(CH, "results.hall.quadrature_const.n"),
        target_n=1e6,
        note=_note("all fields agree to", CH, "results.hall.quadrature_const.baseline_max_rel_diff"),
    ),
    Target(
        "full asymmetric freeze-in chain",
        "Hall chain, ODE with inverse decays (auto: collocation), constant g_*",
        _key(CH, "results.hall.ode_const.points_per_s"),
        "points/s",
        "reported (vs the LSODA chain)",
        lambda v, r, gpu: True,
        baseline=_key(CH, "results.hall.ode_const.baseline_points_per_s"),
        baseline_label="per-point solve_ivp LSODA + numpy chain",
        ratio="fig/base",
        n=_key(CH, "results.hall.ode_const.n"),
        note=_note("all fields agree to", CH, "results.hall.ode_const.baseline_max_rel_diff"),
    ),
    # --- CP asymmetries from the spectrum (bench_cp) and the Hall chain that uses them
    Target(
        "CP asymmetry from the spectrum",
        "eps for a full spectrum, vmap(cp_asymmetries_from_spectrum)",
        _key(CPB, "results.eps.points_per_s"),
        "points/s",
        ">= 1e5 pts/s (2 CPU cores)",
        lambda v, r, g: v >= 1e5,
        n=_key(CPB, "results.eps.n"),
    ),
    Target(
        "CP asymmetry from the spectrum",
        "Hall chain, computed eps (epsilon='spectrum')",
        _key(CPB, "results.hall.spectrum.points_per_s"),
        "points/s",
        "within 2x of eps0 as input",
        lambda v, r, g: r >= 0.5,
        baseline=_key(CPB, "results.hall.eps0.points_per_s"),
        baseline_label="same points, eps0 as input",
        ratio="fig/base",
        n=_key(CPB, "results.hall.spectrum.n"),
    ),
    _grad_row("Hall chain, computed eps (epsilon='spectrum')", CPB, "results.hall.spectrum.grad_over_forward"),
    _compile_row("compile", "cp_asymmetries_from_spectrum (vmap)", CPB, "results.eps.compile_s", None),
    _compile_row(
        "compile",
        "Hall chain, computed eps (epsilon='spectrum')",
        CPB,
        "results.hall.spectrum.compile_forward_s",
        "results.hall.spectrum.compile_grad_s",
    ),
    # --- issue 16: the default ODE workloads against N, and their peak memory
    *_issue16_rows(),
    # --- memory
    Target(
        "peak memory",
        "run_sweep chunk (16384): XLA bytes of one call, N_ref -> N_max",
        _key(SC, "results.chunked_temp_growth"),
        "x growth",
        "bounded by the chunk size (<= 1.5x)",
        lambda v, r, g: v <= 1.5,
        baseline=_key(SC, "results.flat_temp_growth"),
        baseline_label="flat jit(vmap), same N range",
        fmt=".3g",
        note=_note("N grows x", SC, "results.chunked_n_ratio", ".3g"),
    ),
    Target(
        "peak memory",
        "peak RSS above imports, run_sweep (fresh process, N >= 1e6)",
        _key(SC, "results.rss_sweep_above_import_mb"),
        "MB",
        "reported",
        lambda v, r, g: True,
        baseline=_key(SC, "results.rss_flat_above_import_mb"),
        baseline_label="flat jit(vmap), same N",
        n=_key(SC, "results.subprocess_peak_rss.n"),
        fmt=".0f",
    ),
]


def _fmt_num(v, fmt):
    if v is None:
        return "n/a"
    if fmt == "d":
        return str(int(v))
    if fmt == "compile":
        a, b = v
        return ("fwd n/a" if a is None else f"fwd {a:.2f} s") + " / " + ("grad n/a" if b is None else f"grad {b:.2f} s")
    return format(v, fmt)


def _fmt_n(n):
    if n is None:
        return None
    if isinstance(n, (tuple, list)):
        return f"N={n[0]:.0e}..{n[1]:.0e}".replace("e+0", "e")
    return f"N={n:.0e}".replace("e+0", "e")


def summary_rows(recs: dict, reduced: bool, gpu: bool) -> list[dict]:
    rows = []
    for t in TARGETS:
        row = {"group": t.group, "benchmark": t.label, "target": t.target, "unit": t.unit}
        try:
            fig = t.figure(recs)
            base = t.baseline(recs) if t.baseline else None
            n = t.n(recs) if t.n else None
            note = t.note(recs) if t.note else ""
        except Exception as exc:  # a record lacks a key: say so, never crash the table
            fig, base, n, note = None, None, None, f"error: {exc!r}"
        ratio = None
        if t.ratio and fig is not None and base not in (None, 0):
            ratio = fig / base if t.ratio == "fig/base" else base / fig
        if fig is None:
            met = None
        else:
            try:
                met = bool(t.check(fig, ratio, gpu))
            except TypeError:
                met = None
        n_hi = n[1] if isinstance(n, (tuple, list)) else n
        small = t.target_n is not None and n_hi is not None and n_hi < t.target_n
        bench = t.bench
        if fig is None:
            note = ""
        row.update(
            bench=bench,
            bench_status=recs.get(bench, {}).get("status", "not run"),
            figure=fig,
            baseline=base,
            baseline_label=t.baseline_label,
            ratio=ratio,
            met=met,
            n=n,
            target_n=t.target_n,
            reduced=bool(small and reduced),
            n_below_target=bool(small),
            note=note,
            fmt=t.fmt,
        )
        rows.append(row)
    return rows


def summary_markdown(rows: list[dict], reduced: bool) -> str:
    out = ["| benchmark | figure | baseline (same run) | ratio | target | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        label = f"{r['group']}: {r['benchmark']}"
        tags = [_fmt_n(r["n"])] if r["n"] is not None else []
        if r["reduced"]:
            tags.append(f"**reduced** (target N={r['target_n']:.0e})".replace("e+0", "e"))
        elif r["n_below_target"]:
            tags.append(f"N below the target's {r['target_n']:.0e}".replace("e+0", "e"))
        if tags:
            label += " (" + "; ".join(tags) + ")"
        fig = _fmt_num(r["figure"], r["fmt"])
        if r["figure"] is not None and r["fmt"] not in ("compile",):
            fig += f" {r['unit']}"
        if r["note"]:
            fig += f" ({r['note']})"
        base = "—" if not r["baseline_label"] else (f"{_fmt_num(r['baseline'], r['fmt'])} ({r['baseline_label']})")
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.3g}x"
        if r["met"] is None:
            why = (
                f"not in this run's configuration or skipped: see the {r['bench']} section"
                if r["bench_status"] == "ok"
                else f"{r['bench']} {r['bench_status']}"
            )
            met = f"not measured ({why})"
        else:
            met = "yes" if r["met"] else "**no**"
        out.append(f"| {label} | {fig} | {base} | {ratio} | {r['target']} | {met} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# machine information
# ---------------------------------------------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def machine_info() -> dict:
    import jax

    v = _common.versions()
    dev = jax.devices()[0]
    info = {
        "platform": v["platform"],
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "backend": jax.default_backend(),
        "device_kind": dev.device_kind,
        "device_name": str(dev),
        "n_devices": len(jax.devices()),
        "x64": bool(jax.config.jax_enable_x64),
    }
    try:
        stats = dev.memory_stats() or {}
        if "bytes_limit" in stats:
            info["device_memory_gb"] = stats["bytes_limit"] / 2**30
    except Exception:
        pass
    versions = {
        k: v.get(k) for k in ("python", "jax", "jaxlib", "diffrax", "equinox", "optax", "numpy", "scipy", "jaxgen")
    }
    for pkg in ("sympy", "matplotlib"):
        try:
            import importlib.metadata as md

            versions[pkg] = md.version(pkg)
        except Exception:
            versions[pkg] = None
    return {"machine": info, "versions": versions, "date_utc": v["date_utc"]}


def device_slug() -> str:
    import jax

    dev = jax.devices()[0]
    kind = dev.device_kind if jax.default_backend() != "cpu" else f"cpu-{os.cpu_count()}core"
    return re.sub(r"[^A-Za-z0-9]+", "-", kind).strip("-").lower()


# ---------------------------------------------------------------------------------------------------------------
def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def render(doc: dict) -> str:
    """benchmarks.md from the benchmarks.json document (header, summary table, each benchmark's section)."""
    m, v, rows, status = doc["machine"], doc["versions"], doc["summary"], doc["status"]
    reduced = doc["reduced"]
    mem = f"{m['memory_gb']:.0f} GB RAM" if m.get("memory_gb") else "RAM unknown"
    dmem = f", {m['device_memory_gb']:.0f} GB device memory" if m.get("device_memory_gb") else ""
    n_met = sum(r["met"] is True for r in rows)
    n_missed = sum(r["met"] is False for r in rows)
    head = [
        f"# jaxgen benchmarks{' (REDUCED mode)' if reduced else ''}",
        "",
        f"- Date (UTC): {doc['date_utc']}; suite wall time {doc['wall_s']:.0f} s"
        + (" (reduced: smaller N everywhere)" if reduced else ""),
        f"- Machine: {m['platform']}; CPU {m['cpu_model']} x {m['cpu_count']} cores; {mem}",
        f"- Device: {m['device_kind']} ({m['device_name']}, backend {m['backend']}, {m['n_devices']} device(s)"
        f"{dmem}); float64 {'on' if m['x64'] else 'OFF'}",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val),
        "- Status: " + ", ".join(f"{k} {s}" for k, s in status.items()),
    ]
    kept = doc.get("merged_from_previous") or {}
    if kept:
        head.append(
            "- Merged run (--merge): rerun now: "
            + ", ".join(doc.get("only") or [])
            + "; kept from the previous results: "
            + ", ".join(f"{k} ({d})" for k, d in kept.items())
            + ". Ratios within one benchmark come from one run and one machine; rows that combine two benchmarks may "
            "mix dates and machines"
        )
    head += [
        "",
        "## Summary: every target of issues 8, 14, 15 and 16 (figure and baseline from this run)",
        "",
        f"{n_met} met, {n_missed} missed, {len(rows) - n_met - n_missed} not measured in this run. Timings: "
        "median of >= 5 runs after a warm-up call, compile timed apart, block_until_ready around every JAX call. "
        + ("Rows marked **reduced** ran at smaller N than the target's." if reduced else ""),
        "",
        summary_markdown(rows, reduced),
    ]
    sections = [rec.get("markdown", "") for rec in doc["benchmarks"].values()]
    return "\n".join(head) + "\n" + "\n".join(sections)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--out", type=pathlib.Path, default=None, help="output folder (default report/benchmarks; see --results)"
    )
    parser.add_argument(
        "--results",
        action="store_true",
        help="write into experiments/benchmarks/results/<device>[-reduced]/ (the committed results)",
    )
    parser.add_argument("--reduced", action="store_true", help="smaller N everywhere (< 10 min on 2 CPU cores)")
    parser.add_argument("--only", nargs="*", metavar="BENCH", help=f"subset of {BENCHMARKS}")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="with --only: keep the other benchmarks' records of the output folder's benchmarks.json and replace "
        "only those rerun (the summary is recomputed over all of them; each record keeps its own date in 'ran_at')",
    )
    parser.add_argument(
        "--summarize",
        type=pathlib.Path,
        metavar="DIR",
        help="run nothing: recompute the summary table of DIR/benchmarks.json (after editing "
        "TARGETS) and rewrite DIR/benchmarks.md and benchmarks.json",
    )
    args = parser.parse_args(argv)
    if args.summarize:
        path = args.summarize / "benchmarks.json"
        doc = json.loads(path.read_text())
        doc["summary"] = summary_rows(doc["benchmarks"], doc["reduced"], doc["machine"]["backend"] == "gpu")
        path.write_text(json.dumps(doc, indent=1, default=float))
        (args.summarize / "benchmarks.md").write_text(render(doc))
        print(f"[jaxgen bench] rewrote {args.summarize / 'benchmarks.md'}")
        return 0
    if args.only:
        unknown = [b for b in args.only if b not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark(s) {unknown}; choose from {BENCHMARKS}")
    _common.setup_jax()
    import jax

    if args.results:
        out = BENCH_DIR / "results" / (device_slug() + ("-reduced" if args.reduced else ""))
    else:
        out = args.out or pathlib.Path("report/benchmarks")
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    info = machine_info()
    t_suite = time.perf_counter()
    status, records = {}, {}
    previous = out / "benchmarks.json"
    if args.merge and args.only and previous.exists():
        old_doc = json.loads(previous.read_text())
        for name, rec in old_doc.get("benchmarks", {}).items():
            if name not in args.only and name in BENCHMARKS:
                rec.setdefault("ran_at", old_doc.get("date_utc"))
                rec.setdefault("ran_on", old_doc.get("machine", {}).get("cpu_model"))
                records[name] = rec
                status[name] = old_doc.get("status", {}).get(name, rec.get("status", "ok"))
    status_now = [b for b in BENCHMARKS if not args.only or b in args.only]
    for name in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        print(f"[jaxgen bench] {name} ...", flush=True)
        kwargs = REDUCED.get(name, {}) if args.reduced else {}
        try:
            module = _load(name)
            (out / name).mkdir(parents=True, exist_ok=True)
            md = module.main(out / name, **kwargs).rstrip()
            status[name] = "ok"
        except Exception:
            status[name] = "failed"
            md = f"## {name}: FAILED\n\n```\n{traceback.format_exc()}\n```"
            traceback.print_exc()
        dt = time.perf_counter() - t0
        rec_path = out / name / f"{name}.json"
        if rec_path.exists() and status[name] == "ok":
            records[name] = json.loads(rec_path.read_text())
            if name == "bench_chains" and records[name].get("results", {}).get("skipped"):
                status[name] = "skipped"
        rec = records.setdefault(name, {})
        rec.update(
            ran_at=info.get("date_utc"),
            ran_on=info["machine"].get("cpu_model"),
            wall_s=dt,
            status=status[name],
            kwargs=kwargs,
            markdown=md + f"\n\n_({name}: {dt:.0f} s, {status[name]}{', reduced' if args.reduced else ''})_\n",
        )
        print(f"[jaxgen bench] {name}: {status[name]} in {dt:.0f} s", flush=True)
    wall = time.perf_counter() - t_suite
    rows = summary_rows(records, args.reduced, jax.default_backend() == "gpu")
    doc = {
        "suite": "jaxgen benchmarks (issue 8)",
        **info,
        "reduced": args.reduced,
        "only": args.only,
        "merged_from_previous": {
            k: f"{records[k].get('ran_at') or 'earlier'} on {records[k].get('ran_on') or 'an unrecorded CPU'}"
            for k in records
            if k not in status_now
        },
        "argv": sys.argv,
        "wall_s": wall,
        "status": status,
        "summary": rows,
        "benchmarks": records,
    }
    (out / "benchmarks.json").write_text(json.dumps(doc, indent=1, default=float))
    (out / "benchmarks.md").write_text(render(doc))
    print(f"[jaxgen bench] wrote {out / 'benchmarks.md'} and benchmarks.json in {wall:.0f} s")
    return 1 if any(s == "failed" for s in status.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
