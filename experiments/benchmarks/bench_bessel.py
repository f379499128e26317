"""Benchmark of kernels.k1 (and the Bessel kernel design) against scipy.special.

Measures, in one run on the current default device:
1. throughput of ``jax.jit(kernels.k1)`` on 1e6 log-spaced points in [1e-8, 700] (float64 and float32), compile and
   run timed separately (``block_until_ready``), against the vectorized ``scipy.special.k1`` ufunc and against the
   per-point Python loop a physicist would otherwise write (``[scipy.special.k1(x) for x in xs]``, on 1e4 points);
2. the cost of a gradient: ``jit(vmap(grad(k1)))`` relative to the forward pass;
3. the cost of the branch design: both pieces on clamped inputs + select (what ``kernels`` does) vs. one piece only
   (the lower bound "evaluate one branch"), and, for scalar calls inside a compiled loop (an ODE right-hand side),
   ``jnp.where`` vs. ``lax.cond``.

``python experiments/benchmarks/bench_bessel.py --out DIR``; ``main(out) -> str`` as in experiments/_common.py.
"""

from __future__ import annotations

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import _common
import _timing

N_POINTS = 1_000_000
N_LOOP = 10_000
N_SCALAR_STEPS = 100_000
REPEATS = 7


def _time_jit(fn, *args, repeats=REPEATS):
    """(compile seconds, median run seconds) for jax.jit(fn)(*args), compile and run timed separately."""
    t = _timing.time_jax(fn, *args, repeats=repeats)
    return t["compile_s"], t["run_s"]


def _time_numpy(fn, *args, repeats=REPEATS):
    return _timing.time_host(fn, *args, repeats=repeats)["run_s"]


def main(
    out: pathlib.Path,
    n_points: int = N_POINTS,
    n_loop: int = N_LOOP,
    n_scalar_steps: int = N_SCALAR_STEPS,
    repeats: int = REPEATS,
) -> str:
    N_POINTS, N_LOOP, N_SCALAR_STEPS, REPEATS = n_points, n_loop, n_scalar_steps, max(repeats, _timing.REPEATS)
    import jax
    import jax.numpy as jnp
    import numpy as np
    import scipy.special as sp

    import jaxgen_kernels as kernels
    from jaxgen_kernels import _bessel

    out.mkdir(parents=True, exist_ok=True)
    device = str(jax.devices()[0])
    xs = np.logspace(-8, np.log10(700.0), N_POINTS)
    res: dict = {"device": device, "n_points": N_POINTS}

    # 1. Forward throughput, float64 and float32, vs scipy.
    for dtype in ("float64", "float32"):
        x = jnp.asarray(xs, dtype=dtype)
        t_c, t_r = _time_jit(kernels.k1, x)
        res[f"k1_{dtype}"] = {"compile_s": t_c, "run_s": t_r, "evals_per_s": N_POINTS / t_r}
    t_scipy = _time_numpy(sp.k1, xs)
    res["scipy_k1_ufunc"] = {"run_s": t_scipy, "evals_per_s": N_POINTS / t_scipy}
    t_loop = _time_numpy(lambda a: [sp.k1(float(v)) for v in a], xs[:: N_POINTS // N_LOOP], repeats=REPEATS)
    res["scipy_k1_python_loop"] = {"n": N_LOOP, "run_s": t_loop, "evals_per_s": N_LOOP / t_loop}
    err = np.max(np.abs(np.asarray(jax.jit(kernels.k1)(jnp.asarray(xs))) / sp.k1(xs) - 1))
    res["max_rel_err_vs_scipy_float64"] = float(err)

    # 2. Gradient cost.
    x64 = jnp.asarray(xs)
    t_c, t_r = _time_jit(jax.vmap(jax.grad(kernels.k1)), x64)
    res["grad_k1_float64"] = {
        "compile_s": t_c,
        "run_s": t_r,
        "evals_per_s": N_POINTS / t_r,
        "ratio_to_forward": t_r / res["k1_float64"]["run_s"],
    }
    t_c, t_r = _time_jit(jax.vmap(jax.grad(jax.grad(kernels.k1))), x64)
    res["grad2_k1_float64"] = {"compile_s": t_c, "run_s": t_r, "ratio_to_forward": t_r / res["k1_float64"]["run_s"]}

    # 3a. Branch design on arrays: select of both pieces (library) vs one piece alone (lower bound).
    def large_only(x):  # Chebyshev piece only (what a single-branch evaluation of x > 2 would cost)
        u = 4 / x - 1
        return _bessel._clenshaw(u, _bessel._CHEB_K1) * jax.lax.rsqrt(x) * jnp.exp(-x)

    def small_only(x):  # series piece only (x <= 2)
        t = 0.25 * x * x
        lg = jnp.log(0.5 * x)
        s = _bessel._SERIES
        return (1 + t * (2 * lg * _bessel._horner(t, s["S1"]) - _bessel._horner(t, s["Q1"]))) / x

    x_large = jnp.asarray(np.linspace(2.0, 700.0, N_POINTS))
    x_small = jnp.asarray(np.linspace(1e-8, 2.0, N_POINTS))
    res["branch_cost"] = {
        "library_select_s": _time_jit(kernels.k1, x64)[1],
        "large_piece_only_s": _time_jit(large_only, x_large)[1],
        "small_piece_only_s": _time_jit(small_only, x_small)[1],
    }
    bc = res["branch_cost"]
    bc["ratio_select_to_max_single_piece"] = bc["library_select_s"] / max(
        bc["large_piece_only_s"], bc["small_piece_only_s"]
    )

    # 3b. Scalar calls inside a compiled loop (ODE right-hand side): jnp.where (library) vs lax.cond choosing between
    # the same full computation restricted to one piece (fair: both include the special-value handling).
    def piece(lo, hi):
        return lambda x: _bessel._k012_values(jnp.clip(x, lo, hi), False)[1]

    def k1_cond(x):
        return jax.lax.cond(x > 2.0, piece(2.0 + 1e-12, jnp.inf), piece(0.0, 2.0), x)

    def loop(f):
        def body(i, acc):
            x = 1e-3 + (i % 1000) * 0.01  # crosses the split point x = 2 regularly
            return acc + f(x.astype(jnp.float64))

        return jax.jit(lambda acc0: jax.lax.fori_loop(0, N_SCALAR_STEPS, body, acc0))

    acc0 = jnp.zeros((), jnp.float64)
    loops = {"where": loop(kernels.k1), "cond": loop(k1_cond)}
    runs = {name: [] for name in loops}
    for f in loops.values():
        jax.block_until_ready(f(acc0))
    for _ in range(REPEATS):  # alternate the two, median of each (the machine may be shared)
        for name, f in loops.items():
            t0 = time.perf_counter()
            jax.block_until_ready(f(acc0))
            runs[name].append(time.perf_counter() - t0)
    t_where, t_cond = _timing.median(runs["where"]), _timing.median(runs["cond"])
    res["scalar_loop"] = {
        "steps": N_SCALAR_STEPS,
        "where_s": t_where,
        "cond_s": t_cond,
        "ns_per_call_where": 1e9 * t_where / N_SCALAR_STEPS,
        "ns_per_call_cond": 1e9 * t_cond / N_SCALAR_STEPS,
    }

    _common.write_record(
        out, "bench_bessel", {"n_points": N_POINTS, "n_loop": N_LOOP, "repeats": REPEATS, "range": [1e-8, 700.0]}, res
    )

    f64, f32, g1 = res["k1_float64"], res["k1_float32"], res["grad_k1_float64"]
    sl = res["scalar_loop"]
    lines = [
        "## Benchmark: Bessel K1 kernel",
        "",
        f"Device: {device}; {N_POINTS:.0e} log-spaced points in [1e-8, 700]; median of {REPEATS} runs.",
        "",
        "| what | compile [s] | run [s] | evaluations/s | ratio |",
        "|---|---|---|---|---|",
        f"| jit(kernels.k1) float64 | {f64['compile_s']:.2f} | {f64['run_s']:.4f} | {f64['evals_per_s']:.3g} | "
        f"{t_scipy / f64['run_s']:.2f}x vs scipy ufunc |",
        f"| jit(kernels.k1) float32 | {f32['compile_s']:.2f} | {f32['run_s']:.4f} | {f32['evals_per_s']:.3g} | "
        f"{t_scipy / f32['run_s']:.2f}x vs scipy ufunc |",
        f"| scipy.special.k1 ufunc | - | {t_scipy:.4f} | {N_POINTS / t_scipy:.3g} | 1 |",
        f"| Python loop over scipy.special.k1 ({N_LOOP} pts) | - | {t_loop:.4f} | {N_LOOP / t_loop:.3g} | "
        f"{(N_POINTS / f64['run_s']) / (N_LOOP / t_loop):.0f}x slower than jit |",
        f"| jit(vmap(grad(k1))) float64 | {g1['compile_s']:.2f} | {g1['run_s']:.4f} | {g1['evals_per_s']:.3g} | "
        f"{g1['ratio_to_forward']:.2f}x forward |",
        f"| jit(vmap(grad(grad(k1)))) float64 | {res['grad2_k1_float64']['compile_s']:.2f} | "
        f"{res['grad2_k1_float64']['run_s']:.4f} | - | {res['grad2_k1_float64']['ratio_to_forward']:.2f}x forward |",
        "",
        f"Max relative error vs scipy (float64, {N_POINTS:.0e} points): {err:.2e}.",
        "",
        f"Branch design (arrays): both pieces + select {bc['library_select_s']:.4f} s vs series piece alone "
        f"{bc['small_piece_only_s']:.4f} s and Chebyshev piece alone {bc['large_piece_only_s']:.4f} s "
        f"(ratio to the larger single piece: {bc['ratio_select_to_max_single_piece']:.2f}).",
        "",
        f"Scalar calls in a compiled loop ({N_SCALAR_STEPS} steps): jnp.where {sl['ns_per_call_where']:.1f} ns/call, "
        f"lax.cond {sl['ns_per_call_cond']:.1f} ns/call (median of {REPEATS}, alternating).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    _common.cli(main)
