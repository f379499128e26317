"""Benchmark: throughput, time per call and memory against the batch size N (issue 8, item 2).

For each batched entry point, at N = 1e2 .. 1e6 (``n_max``; 1e7 when a GPU is the default device), in one run:

* ``freezein_quadrature``: ``jit(vmap(freezein_quadrature))`` (48-node fast path, constant g_* = 106.75, no x_half),
  float64, and float32 (where the yield tolerates it: ~1e-6 relative);
* ``equilibrium``: the MSSM chemical equilibrium of bench_equilibrium (six mass parameters + T per point, output
  B/(B-L)), ``evaluate_batch`` flat (``chunk_size=None``: one vmap) and chunked (``chunk_size=2048``:
  ``lax.map`` over vmapped chunks);
* ``freezein_ode``: ``solve_freezein_batch`` (diffrax Tsit5, rtol 1e-8, no inverse decays), N <= ``n_max_ode``;
* ``hall_chain``: ``jaxgen.scenarios.hall.asymmetric_freezein`` (quadrature method, constant g_* = 106.75), vmapped,
  if the module imports and traces (see bench_chains.py; the default g_*(T)-table chain is ~100x slower on CPU and
  is measured there at N <= 1e4);
* ``quadrature_run_sweep``: ``jaxgen.sweep.run_sweep`` of the freeze-in quadrature in chunks of ``chunk`` points;
* issue 16 (every default ODE workload, N = 1e3 .. 1e6 on CPU, 1e7 on a GPU): ``freezeout``,
  ``solve_freezeout_batch`` (chunked; ``freezeout_vmap``: one flat vmap of ``solve_freezeout``, its same-run
  baseline) with its default settings and the Drees-Hajkarim-Schmitz g_* table, m log-uniform in
  [1 GeV, 10 TeV], s-wave a in [1e-11, 1e-7] GeV^-2 plus a p-wave b in 30 % of the points; ``hall_table`` (the Hall
  chain with its default g_*(T) table), ``hall_inverse_decays`` (the Hall chain with inverse decays,
  ``method="ode"``, constant g_*) and ``ardu_boltzmann`` (the Ardu chain, Boltzmann washout), the random points of
  bench_chains.py, through the batch entry points ``asymmetric_freezein_batch`` / ``rsymmetric_adm_batch`` (chunked
  where that pays: the inverse-decay collocation and the Boltzmann washout); for each, the peak RSS of a fresh
  process that evaluates N_max points (and the device's peak bytes on a GPU). ``series`` selects which series run
  (default: all).

Each point: compile (``lower().compile()``) timed apart, median of 5 runs (``block_until_ready``), XLA's
``memory_analysis()`` (argument + output + temp bytes of one call) and the process RSS. A fit t(N) = t0 + N/r_inf per
series gives the per-call overhead t0 (dispatch, launch, host transfer), the asymptotic rate r_inf and the crossover
N* = t0 r_inf above which the overhead is less than half the time; the exponent of t(N) over the largest three N
checks that the cost grows linearly. Memory bounded by the chunk size: the temp bytes of the chunked forms stay flat
in N while the flat vmap's grow as N; and the peak RSS of fresh processes that evaluate N_max points flat vs through
run_sweep. Figure ``scaling.png``.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import subprocess
import sys
import time
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import _common
import _timing

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
G_STAR = 106.75


# ---------------------------------------------------------------------------------------------------------------
# problem set-ups: each returns (fn, args) for a batch of n points; fn is jitted by the timing helper
# ---------------------------------------------------------------------------------------------------------------
def _freezein_params(n, dtype="float64", seed=0):
    import jax.numpy as jnp
    import numpy as np

    from jaxgen import freezein as fi

    rng = np.random.default_rng(seed)
    w = 10 ** rng.uniform(-25, -12, n)
    m = 10 ** rng.uniform(1, 4, n)

    def a(x):
        return jnp.asarray(x, dtype=dtype)

    return fi.FreezeInParams(
        mass=a(m[:, None]),
        width=a(w[:, None]),
        dof=a(np.full((n, 1), 2.0)),
        eps=a(np.full((n, 1), 1e-2)),
        y0=a(np.zeros(n)),
        m_x=a(np.zeros(n)),
        g_x=a(np.full(n, 2.0)),
        temperature_ratio=a(np.ones(n)),
    )


def quadrature_setup(dtype="float64"):
    import jax

    from jaxgen import freezein as fi
    from jaxgen.cosmology import Cosmology

    cos = Cosmology(table="constant")
    settings = fi.FreezeInSettings(compute_x_half=False)

    def fn(p):
        r = jax.vmap(lambda q: fi.freezein_quadrature(q, cos, settings))(p)
        return r.yield_x, r.eta_x, r.status

    return lambda n: (fn, (_freezein_params(n, dtype),))


def ode_setup():
    from jaxgen import freezein as fi
    from jaxgen.cosmology import Cosmology

    cos = Cosmology(table="constant")
    settings = fi.FreezeInSettings(rtol=1e-8, atol_rel=1e-8, compute_x_half=False)

    def fn(p):
        r = fi.solve_freezein_batch(p, cos, settings)
        return r.yield_x, r.eta_x, r.status

    return lambda n: (fn, (_freezein_params(n),))


_EQ_SYSTEM = {}


def equilibrium_system():
    """The MSSM system of bench_equilibrium: B-L conserved, 6 mass parameters, output B."""
    if "s" not in _EQ_SYSTEM:
        from jaxgen import equilibrium as eq
        from jaxgen import models

        model = models.mssm()
        groups = {f"m_s{t}": models.mssm_superpartners(model, types=[t]) for t in models.MSSM_SFERMION_TYPES}
        groups["m_higgsino"] = ["h_u", "h_d"]
        _EQ_SYSTEM["s"] = eq.prepare(model, {"B-L": 1.0}, mass_parameters=groups, outputs=["B"])
    return _EQ_SYSTEM["s"]


def equilibrium_setup(chunk_size):
    import jax.numpy as jnp
    import numpy as np

    from jaxgen import equilibrium as eq

    system = equilibrium_system()
    pnames = system.mass_parameter_names

    def fn(masses, temps):
        p = system.params(masses={k: masses[:, i] for i, k in enumerate(pnames)}, temperature=temps)
        r = eq.evaluate_batch(system, p, chunk_size=chunk_size)
        return r.outputs[:, 0], r.status

    def make(n):
        rng = np.random.default_rng(0)
        return fn, (
            jnp.asarray(rng.uniform(0.0, 3000.0, size=(n, len(pnames)))),
            jnp.asarray(rng.uniform(100.0, 1000.0, size=n)),
        )

    return make


def hall_setup():
    """(make(n) -> (fn, args)) for the Hall chain, or (None, reason) if it does not import/run."""
    try:
        import bench_chains
    except Exception as exc:  # pragma: no cover
        return None, f"bench_chains import failed: {exc!r}"
    return bench_chains.hall_scaling_setup()


#: the issue-16 workloads: name -> (bench_chains config or "freezeout" / "ardu")
ISSUE16_SERIES = ("freezeout", "freezeout_vmap", "hall_table", "hall_inverse_decays", "ardu_boltzmann")
_HALL_SERIES = {"hall_table": "quadrature", "hall_inverse_decays": "ode_const"}


def freezeout_points(n, seed=0):
    """Random freeze-out points: m log-uniform in [1 GeV, 10 TeV], a in [1e-11, 1e-7] GeV^-2, b in [1e-10, 1e-7]
    GeV^-2 in 30 % of the points (else 0), g = 2."""
    import jax.numpy as jnp
    import numpy as np

    from jaxgen import freezeout as fo

    rng = np.random.default_rng(seed)
    m = 10 ** rng.uniform(0, 4, n)
    a = 10 ** rng.uniform(-11, -7, n)
    b = np.where(rng.uniform(size=n) < 0.3, 10 ** rng.uniform(-10, -7, n), 0.0)
    return fo.FreezeOutParams(
        m=jnp.asarray(m), a=jnp.asarray(a), b=jnp.asarray(b), g=jnp.full(n, 2.0), eta=jnp.zeros(n), y0_ratio=jnp.ones(n)
    )


def freezeout_setup(chunked: bool = True):
    """``jit(solve_freezeout_batch)`` (chunks of 16384 above 32768 points on a CPU, of 2**20 on a GPU) with the
    default settings and the Drees-Hajkarim-Schmitz table; ``chunked=False``: one flat
    ``jit(vmap(solve_freezeout))`` (the baseline of the same run, series ``freezeout_vmap``)."""
    import jax

    from jaxgen import freezeout as fo
    from jaxgen.cosmology import Cosmology

    cos = Cosmology(table="drees_hajkarim_schmitz")

    def fn(p):
        if chunked:
            r = fo.solve_freezeout_batch(p, cos)
        else:
            r = jax.vmap(lambda q: fo.solve_freezeout(q, cos))(p)
        return r.y_inf, r.status

    return lambda n: (fn, (freezeout_points(n),))


def chain_setup(name):
    """(make(n) -> (fn, args), None) for an issue-16 chain series (bench_chains' points and settings), or
    (None, reason). ``fn`` returns (prediction, status); failures are the status bits that make a point invalid."""
    try:
        import bench_chains
    except Exception as exc:  # pragma: no cover
        return None, f"bench_chains import failed: {exc!r}"
    try:
        if name in _HALL_SERIES:
            from jaxgen.scenarios import hall as mod

            hall_settings = mod.HallSettings(**bench_chains.HALL_CONFIGS[_HALL_SERIES[name]][0])

            def fwd(p):  # the batch entry point (chunked where that pays: the collocation of inverse decays)
                return mod.asymmetric_freezein_batch(p, hall_settings)

            points = bench_chains.hall_params
            mask = (
                mod.STATUS_BAD_INPUT | mod.STATUS_FREEZEIN_FAILED | mod.STATUS_FREEZEOUT_FAILED | mod.STATUS_NONFINITE
            )
        else:
            from jaxgen.scenarios import ardu as mod

            def fwd(p):  # the batch entry point (chunks of ARDU_CHUNK with the Boltzmann washout)
                return mod.rsymmetric_adm_batch(p, mod.ArduSettings(washout="boltzmann"))

            points = bench_chains.ardu_params
            mask = mod.STATUS_BAD_INPUT | mod.STATUS_EQUILIBRIUM_FAILED | mod.STATUS_WASHOUT_FAILED
    except Exception as exc:
        return None, f"{name} does not import ({type(exc).__name__}: {exc})"

    def fn(p):
        r = fwd(p)
        return r, r.status

    def make(n):
        return fn, (points(n),)

    make.invalid_mask = mask
    return make, None


def issue16_make(name):
    """(make, reason) of an issue-16 series."""
    if name == "freezeout":
        return freezeout_setup(), None
    if name == "freezeout_vmap":
        return freezeout_setup(chunked=False), None
    return chain_setup(name)


def _sweep_problem(n):
    """(f, design) for run_sweep: the freeze-in quadrature over (width, mass), log-uniform."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    from jaxgen import freezein as fi
    from jaxgen.cosmology import Cosmology
    from jaxgen.sweep import Axis, random_design

    cos = Cosmology(table="constant")
    settings = fi.FreezeInSettings(compute_x_half=False)

    class Point(eqx.Module):
        width: jax.Array
        mass: jax.Array

    class Out(eqx.Module):
        yield_x: jax.Array
        eta_x: jax.Array
        status: jax.Array

    def f(p):
        q = fi.FreezeInParams(mass=p.mass[None], width=p.width[None], dof=jnp.full((1,), 2.0), eps=jnp.full((1,), 1e-2))
        r = fi.freezein_quadrature(q, cos, settings)
        return Out(r.yield_x, r.eta_x, r.status)

    design = random_design(
        Point(jnp.asarray(1e-20), jnp.asarray(100.0)),
        [Axis("width", 1e-25, 1e-12, log=True), Axis("mass", 10.0, 1e4, log=True)],
        n=n,
        seed=0,
    )
    return f, design


# ---------------------------------------------------------------------------------------------------------------
# measurement
# ---------------------------------------------------------------------------------------------------------------
def _measure(make, n):
    """One series point. ``failures``: points whose status has a bit of ``make.invalid_mask`` (default: any bit)."""
    import jax
    import numpy as np

    fn, args = make(n)
    t = _timing.time_jax(fn, *args, memory=True)
    out = t["out"]
    status = np.asarray(jax.tree_util.tree_leaves(out)[-1])
    del out, args, t["out"]
    mask = getattr(make, "invalid_mask", None)
    bad = (status & mask) != 0 if mask else status != 0
    return {
        "n": n,
        "compile_s": t["compile_s"],
        "run_s": t["run_s"],
        "points_per_s": n / t["run_s"],
        "memory": t["memory"],
        "rss_mb": _timing.current_rss_mb(),
        "failures": int(np.sum(bad)),
    }


def _measure_sweep(n, chunk):
    import jax

    from jaxgen import _sweep
    from jaxgen.sweep import run_sweep

    f, design = _sweep_problem(n)
    runs = [run_sweep(f, design, chunk_size=chunk, quiet=True) for _ in range(_timing.REPEATS)]
    fn = (
        _sweep._make_chunk_fn(f, design, None)
        .lower(jax.ShapeDtypeStruct((chunk, len(design.axes)), _sweep._float_dtype()))
        .compile()
    )
    rate = _timing.median([r.points_per_s for r in runs])
    return {
        "n": n,
        "chunk": chunk,
        "compile_s": _timing.median([r.compile_s for r in runs]),
        "run_s": n / rate,
        "points_per_s": rate,
        "memory": _timing.memory_analysis(fn),
        "rss_mb": _timing.current_rss_mb(),
        "failures": int(sum(r.n_points - r.n_ok for r in runs[:1])),
    }


def _fit(points):
    """Weighted fit t = t0 + n/r (relative residuals); exponent of t(n) over the largest three n."""
    import numpy as np

    n = np.array([p["n"] for p in points], float)
    t = np.array([p["run_s"] for p in points], float)
    a = np.stack([1 / t, n / t], axis=1)
    (t0, inv_r), *_ = np.linalg.lstsq(a, np.ones_like(t), rcond=None)
    t0 = max(float(t0), 0.0)
    r_inf = 1 / inv_r if inv_r > 0 else float("nan")
    k = min(3, len(n))
    expo = float(np.polyfit(np.log(n[-k:]), np.log(t[-k:]), 1)[0]) if k >= 2 else float("nan")
    rates = np.array([p["points_per_s"] for p in points])
    above = n[rates >= 0.5 * rates.max()]
    return {
        "overhead_s": t0,
        "rate_inf_per_s": r_inf,
        "n_crossover": t0 * r_inf if math.isfinite(r_inf) else None,
        "n_half_max_rate": float(above.min()) if above.size else None,
        "time_exponent_largest3": expo,
        "max_points_per_s": float(rates.max()),
    }


_RSS_CODE = """
import json, sys
sys.path.insert(0, {bench!r})
import jax
jax.config.update("jax_enable_x64", True)
import numpy as np
import bench_scaling as b
mode, n, chunk = {mode!r}, {n}, {chunk}
if mode == "import":
    b.quadrature_setup()  # imports only
elif mode == "flat":
    fn, args = b.quadrature_setup()(n)
    out = jax.block_until_ready(jax.jit(fn)(*args))
    assert int(np.sum(np.asarray(out[-1]) != 0)) == 0
elif mode in b.ISSUE16_SERIES:
    make, reason = b.issue16_make(mode)
    fn, args = make(n)
    out = jax.block_until_ready(jax.jit(fn)(*args))
else:
    from jaxgen.sweep import run_sweep
    f, design = b._sweep_problem(n)
    r = run_sweep(f, design, chunk_size=chunk, quiet=True)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")]  # ru_maxrss survives exec: use VmHWM
res = {{"peak_rss_mb": int(hwm[0].split()[1]) / 1024 if hwm else None}}
stats = getattr(jax.devices()[0], "memory_stats", lambda: None)() or {{}}
if "peak_bytes_in_use" in stats:
    res["device_peak_mb"] = stats["peak_bytes_in_use"] / 2**20
print(json.dumps(res))
"""


def _subprocess_rss(mode, n, chunk) -> dict[str, Any]:
    """Peak RSS [MB] (VmHWM) of a fresh process evaluating n quadrature points flat ("flat"), via run_sweep
    ("sweep"), n points of an issue-16 series (its name), or only importing ("import"); on a GPU also the device's
    peak bytes in use."""
    code = _RSS_CODE.format(bench=str(HERE), mode=mode, n=n, chunk=chunk)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"rc {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _grid(lo, hi, half_decades):
    e = [x / 2 for x in range(int(2 * math.log10(lo)), int(round(2 * math.log10(hi))) + 1)]
    if not half_decades:
        e = [x for x in e if x == int(x)]
    return [int(round(10**x, -int(math.floor(x)) + 1)) if x != int(x) else int(10**x) for x in e]


# ---------------------------------------------------------------------------------------------------------------
# figure
# ---------------------------------------------------------------------------------------------------------------
def _figure(series, fits, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {
        "freezein_quadrature": "C0",
        "freezein_quadrature_f32": "C9",
        "equilibrium_flat": "C1",
        "equilibrium_chunked": "C1",
        "freezein_ode": "C2",
        "hall_chain": "C3",
        "quadrature_run_sweep": "C0",
    }
    dashed = {"equilibrium_chunked", "quadrature_run_sweep"}
    labels = {
        "freezein_quadrature": "freeze-in quadrature (f64)",
        "freezein_quadrature_f32": "freeze-in quadrature (f32)",
        "equilibrium_flat": "MSSM equilibrium, flat vmap",
        "equilibrium_chunked": "MSSM equilibrium, chunked 2048",
        "freezein_ode": "freeze-in ODE (diffrax)",
        "hall_chain": "Hall asym. freeze-in chain (const g_*)",
        "quadrature_run_sweep": "quadrature via run_sweep (chunked)",
    }
    fig, axes = plt.subplots(1, 3, figsize=(16, 6))
    for name, pts in series.items():
        if not pts:
            continue
        n = [p["n"] for p in pts]
        kw = dict(
            color=colors.get(name, "k"),
            ls="--" if name in dashed else ("-." if "f32" in name else "-"),
            marker="s" if name in dashed else "o",
            ms=4,
            label=labels.get(name, name),
        )
        axes[0].loglog(n, [p["points_per_s"] for p in pts], **kw)
        axes[1].loglog(n, [p["run_s"] for p in pts], **kw)
        mem = [p["memory"]["total_bytes"] for p in pts]
        if all(m is not None and m > 0 for m in mem):
            axes[2].loglog(n, [m / 2**20 for m in mem], **kw)
        nx = (fits.get(name) or {}).get("n_crossover")
        if nx and min(n) / 10 < nx < max(n) * 10:
            axes[0].axvline(nx, color=kw["color"], ls=":", lw=1)
    nn = [min(p["n"] for s in series.values() for p in s), max(p["n"] for s in series.values() for p in s)]
    t_ref = min(p["run_s"] for s in series.values() for p in s if p["n"] == nn[1])
    axes[1].loglog(nn, [t_ref * nn[0] / nn[1], t_ref], color="gray", lw=6, alpha=0.25, label="linear: t ∝ N")
    axes[0].set(
        xlabel="batch size N [points]",
        ylabel="throughput [points/s]",
        title="throughput (dotted: N* = overhead x rate)",
    )
    axes[1].set(
        xlabel="batch size N [points]",
        ylabel="time per call [s] (median of 5)",
        title="time per call: flat = overhead, slope 1 = linear",
    )
    axes[2].set(
        xlabel="batch size N [points]",
        ylabel="XLA argument+output+temp [MiB]",
        title="XLA memory per call (dashed: chunked)",
    )
    for ax in axes:
        ax.grid(True, which="major", alpha=0.3)
    handles, labs = axes[1].get_legend_handles_labels()
    fig.legend(handles, labs, loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path, dpi=130)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
def main(
    out: pathlib.Path,
    n_max: int | None = None,
    n_max_ode: int = 100_000,
    n_min: int = 100,
    half_decades: bool = True,
    chunk: int = 16_384,
    rss: bool = True,
    series_names: tuple[str, ...] | None = None,
    n_max_issue16: int | None = None,
    n_min_issue16: int = 1_000,
    time_budget_s: float | None = None,
) -> str:
    """``series_names``: the series to run (default: all; ``quadrature_run_sweep`` and ``ISSUE16_SERIES`` names
    included); ``n_max_issue16``: the largest N of the issue-16 series (default ``n_max``); ``time_budget_s``: stop
    growing N in a series once this much wall time has been spent in the whole benchmark (a GPU run's budget)."""
    _common.setup_jax()
    import jax

    out.mkdir(parents=True, exist_ok=True)
    gpu = jax.default_backend() == "gpu"
    if n_max is None:
        n_max = 10_000_000 if gpu else 1_000_000
    grid = _grid(n_min, n_max, half_decades)
    grid_ode = [n for n in grid if n <= n_max_ode]
    grid16 = _grid(n_min_issue16, n_max_issue16 or n_max, half_decades)
    t_start = time.perf_counter()
    wanted = set(series_names) if series_names is not None else None

    def want(name):
        return wanted is None or name in wanted

    setups = {
        "freezein_quadrature": (quadrature_setup("float64"), grid),
        "freezein_quadrature_f32": (quadrature_setup("float32"), grid),
        "equilibrium_flat": (equilibrium_setup(None), grid),
        "equilibrium_chunked": (equilibrium_setup(2048), grid),
        "freezein_ode": (ode_setup(), grid_ode),
    }
    setups = {k: v for k, v in setups.items() if want(k)}
    hall_make, hall_reason = hall_setup() if want("hall_chain") else (None, "not run (series_names)")
    if hall_make is not None:
        setups["hall_chain"] = (hall_make, grid)
    skipped16 = {}
    for name in ISSUE16_SERIES:
        if want(name):
            make, reason = issue16_make(name)
            if make is None:
                skipped16[name] = reason
            else:
                setups[name] = (make, grid16)
    series: dict[str, list] = {}
    errors: dict[str, str] = {}
    for name, (make, ns) in setups.items():
        series[name] = []
        for n in ns:
            if time_budget_s is not None and series[name] and time.perf_counter() - t_start > time_budget_s:
                errors[f"{name}@{n}"] = f"not run: time budget {time_budget_s:.0f} s spent"
                break
            print(f"[bench_scaling] {name} N={n}", flush=True)
            try:
                series[name].append(_measure(make, n))
                m = series[name][-1]  # in the log too: a process killed at its time limit still leaves the figures
                print(
                    f"[bench_scaling] {name} N={n}: {m['points_per_s']:.4g} points/s (run {m['run_s']:.4g} s, "
                    f"compile {m['compile_s']:.3g} s, failures {m['failures']})",
                    flush=True,
                )
            except Exception as exc:  # record and go on (e.g. out of memory at the largest N)
                errors[f"{name}@{n}"] = repr(exc)[:300]
                break
    series["quadrature_run_sweep"] = []
    for n in [x for x in grid if x >= chunk // 16] if want("quadrature_run_sweep") else []:
        print(f"[bench_scaling] quadrature_run_sweep N={n}", flush=True)
        try:
            series["quadrature_run_sweep"].append(_measure_sweep(n, chunk))
        except Exception as exc:
            errors[f"quadrature_run_sweep@{n}"] = repr(exc)[:300]
            break

    fits = {k: _fit(v) for k, v in series.items() if len(v) >= 2}

    def temp_growth(name):
        """XLA temp bytes of one call from a reference N (the smallest N >= 2048, the evaluate_batch chunk, or the
        first N of a run_sweep series, whose chunk function is compiled once for the chunk size) to N_max."""
        pts = series.get(name) or []
        if len(pts) < 2 or not pts[0]["memory"]["temp_bytes"]:
            return None
        cands = pts[:1] if name == "quadrature_run_sweep" else [p for p in pts[:-1] if p["n"] >= 2048] or pts[:1]
        ref, big = cands[0], pts[-1]
        return {
            "n_ref": ref["n"],
            "n_max": big["n"],
            "temp_bytes_ref": ref["memory"]["temp_bytes"],
            "temp_bytes_max": big["memory"]["temp_bytes"],
            "ratio": big["memory"]["temp_bytes"] / max(ref["memory"]["temp_bytes"], 1),
            "n_ratio": big["n"] / ref["n"],
        }

    memory = {
        "equilibrium_flat": temp_growth("equilibrium_flat"),
        "equilibrium_chunked": temp_growth("equilibrium_chunked"),
        "quadrature_run_sweep": temp_growth("quadrature_run_sweep"),
        "freezein_quadrature": temp_growth("freezein_quadrature"),
        "freezein_ode": temp_growth("freezein_ode"),
    }
    # the headline memory figure: XLA bytes of one call of run_sweep's chunk function from N = chunk to N_max
    # (1 = bounded by the chunk size) against the flat jit(vmap) of the same function (grows as N)
    sweep_m = memory["quadrature_run_sweep"] or {}
    flat_m = memory["freezein_quadrature"] or {}
    results = {
        "device": str(jax.devices()[0]),
        "backend": jax.default_backend(),
        "grid": grid,
        "grid_ode": grid_ode,
        "chunk": chunk,
        "series": series,
        "fits": fits,
        "memory_growth": memory,
        "chunked_temp_growth": sweep_m.get("ratio"),
        "flat_temp_growth": flat_m.get("ratio"),
        "chunked_n_ratio": sweep_m.get("n_ratio"),
        "hall_chain": "measured" if hall_make else hall_reason,
        "issue16": {
            name: {"n_max": pts[-1]["n"], "points_per_s_at_n_max": pts[-1]["points_per_s"]}
            for name in ISSUE16_SERIES
            if (pts := series.get(name))
        },
        "issue16_skipped": skipped16,
        "grid_issue16": grid16,
        "errors": errors,
        "peak_rss_mb": _timing.peak_rss_mb(),
    }
    quad_rss = want("freezein_quadrature") or want("quadrature_run_sweep")
    if rss and quad_rss:  # at N >= 1e6 (1e7 on GPU) even in the reduced suite: one call each, cheap, informative
        n_rss = max(grid[-1], 10_000_000 if gpu else 1_000_000)
        rr = {m: _subprocess_rss(m, n_rss, chunk) for m in ("import", "flat", "sweep")}
        results["subprocess_peak_rss"] = {"n": n_rss, "chunk": chunk, **rr}
        try:
            base = rr["import"]["peak_rss_mb"]
            results["rss_flat_above_import_mb"] = rr["flat"]["peak_rss_mb"] - base
            results["rss_sweep_above_import_mb"] = rr["sweep"]["peak_rss_mb"] - base
        except (KeyError, TypeError):
            pass
    if rss:  # issue 16: peak memory of a fresh process at the largest N each series reached
        base16 = (results.get("subprocess_peak_rss") or {}).get("import") or _subprocess_rss("import", 1, chunk)
        for name in ISSUE16_SERIES:
            pts = series.get(name)
            if not pts:
                continue
            if time_budget_s is not None and time.perf_counter() - t_start > time_budget_s:
                results["issue16"][name]["rss"] = {"error": "not run: time budget spent"}
                continue
            print(f"[bench_scaling] peak RSS {name} N={pts[-1]['n']}", flush=True)
            r = _subprocess_rss(name, pts[-1]["n"], chunk)
            if r.get("peak_rss_mb") is not None and base16.get("peak_rss_mb") is not None:
                r["above_import_mb"] = r["peak_rss_mb"] - base16["peak_rss_mb"]
            results["issue16"][name]["rss"] = r
    results["wall_s"] = time.perf_counter() - t_start
    _figure(
        {k: v for k, v in series.items() if v},
        fits,
        out / "scaling.png",
        f"jaxgen scaling on {jax.devices()[0].device_kind} ({jax.default_backend()}), float64 unless marked",
    )
    _common.write_record(
        out,
        "bench_scaling",
        {
            "n_min": n_min,
            "n_max": n_max,
            "n_max_ode": n_max_ode,
            "half_decades": half_decades,
            "chunk": chunk,
            "repeats": _timing.REPEATS,
            "g_star": G_STAR,
        },
        results,
    )

    lines = [
        "## Scaling with the batch size N",
        "",
        f"Device {results['device']}; N = {grid[0]:.0e} .. {grid[-1]:.0e} (ODE to {grid_ode[-1]:.0e}); median of "
        f"{_timing.REPEATS} runs per N, compile timed apart. Figure: `scaling.png`. Fit t(N) = t0 + N/r_inf: "
        "t0 = per-call overhead, N* = t0 r_inf = the N above which the overhead is under half the time; "
        "exponent = d ln t/d ln N over the three largest N (1 = linear).",
        "",
        "| series | N range | max points/s | r_inf [points/s] | t0 [ms] | N* | exponent | compile at N_max [s] "
        "| XLA MiB at N_max | failures |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, pts in series.items():
        if not pts:
            continue
        f = fits.get(name, {})
        last = pts[-1]
        mem = last["memory"]["total_bytes"]
        nx = f.get("n_crossover")
        lines.append(
            f"| {name} | {pts[0]['n']:.0e} .. {last['n']:.0e} | {f.get('max_points_per_s', last['points_per_s']):.3g} "
            f"| {f.get('rate_inf_per_s', float('nan')):.3g} | {1e3 * f.get('overhead_s', float('nan')):.3g} | "
            f"{'-' if nx is None else format(nx, '.2g')} | {f.get('time_exponent_largest3', float('nan')):.2f} | "
            f"{last['compile_s']:.2f} | {'-' if mem is None else format(mem / 2**20, '.3g')} | "
            f"{sum(p['failures'] for p in pts)} |"
        )
    lines += ["", "Memory bounded by the chunk size (XLA temp bytes of one call, N_ref -> N_max):", ""]
    for k, m in memory.items():
        if m:
            lines.append(
                f"- {k}: {m['temp_bytes_ref'] / 2**20:.3g} MiB at N = {m['n_ref']:.0e} -> "
                f"{m['temp_bytes_max'] / 2**20:.3g} MiB at N = {m['n_max']:.0e} "
                f"(x{m['ratio']:.3g} for x{m['n_ratio']:.3g} points)"
            )
    if "subprocess_peak_rss" in results:
        r = results["subprocess_peak_rss"]

        def mb(d, k="peak_rss_mb"):
            v = d.get(k)
            return "n/a" if v is None else f"{v:.0f} MB"

        lines += [
            "",
            f"Peak RSS (VmHWM) of a fresh process (quadrature, N = {r['n']:.0e}): imports only "
            f"{mb(r['import'])}, one flat jit(vmap) {mb(r['flat'])}, run_sweep in chunks of {chunk} "
            f"{mb(r['sweep'])}"
            + (
                f"; device peak: flat {mb(r['flat'], 'device_peak_mb')}, run_sweep {mb(r['sweep'], 'device_peak_mb')}"
                if "device_peak_mb" in r["flat"]
                else ""
            )
            + ".",
        ]
    if results["issue16"]:
        lines += [
            "",
            "Issue 16 workloads (default settings; points/s at the largest N; peak memory of a fresh process "
            "evaluating that N: RSS above the imports, and the device's peak bytes on a GPU):",
            "",
            "| series | N range | points/s at N_max | compile at N_max [s] | XLA MiB at N_max | peak RSS above "
            "imports [MB] | device peak [MB] | failures |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, rec in results["issue16"].items():
            pts = series[name]
            r = rec.get("rss") or {}
            mem = pts[-1]["memory"]["total_bytes"]

            def num(v, fmt=".0f"):
                return "n/a" if v is None else format(v, fmt)

            lines.append(
                f"| {name} | {pts[0]['n']:.0e} .. {pts[-1]['n']:.0e} | {rec['points_per_s_at_n_max']:.3g} | "
                f"{pts[-1]['compile_s']:.2f} | {num(None if mem is None else mem / 2**20, '.3g')} | "
                f"{num(r.get('above_import_mb'))} | {num(r.get('device_peak_mb'))} | "
                f"{sum(p['failures'] for p in pts)} |"
            )
        for name, reason in skipped16.items():
            lines.append(f"| {name} | skipped: {reason} | | | | | | |")
    lines += ["", f"Hall chain: {results['hall_chain']}."]
    if errors:
        lines += ["", "Errors (series stopped at that N): " + "; ".join(f"{k}: {v}" for k, v in errors.items())]
    lines.append(f"\nPeak RSS of this process: {results['peak_rss_mb']:.0f} MB; wall {results['wall_s']:.0f} s.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    _common.cli(main)
