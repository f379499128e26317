"""Benchmark of the thermal kernels (kernels._thermal): the fast path vs. the reference quadrature vs. baselines.

Measures, in one run on the current default device (float64, ``jax.jit``, compile and run timed separately with
``block_until_ready``; run time = median of REPEATS):

1. ``asymmetry_factor`` and ``number_density`` (fermion, boson) on 1e6 log-uniform points z in [1e-3, 100]:
   ``method="fast"`` (default, piecewise polynomials) and ``method="quadrature"`` (253-node trapezoid, 1e5 points);
2. the equilibrium-engine workload: k(z) for 40 species (20 fermions + 20 bosons) at 2.5e5 parameter points
   (1e7 evaluations), as parameter points per second;
3. the cost of a gradient: ``jit(vmap(grad(asymmetry_factor)))`` relative to the forward pass;
4. the baselines a physicist would otherwise write, with their accuracy against the fast path:
   a per-point ``scipy.integrate.quad`` loop (400 points), and a vectorized NumPy/SciPy Bessel series
   k = 6/pi^2 sum_{n<=50} (+-1)^(n+1) z^2 K2(n z) (``scipy.special.kn``; converges slowly at small z).

``python experiments/benchmarks/bench_thermal.py --out DIR``; ``main(out) -> str`` as in experiments/_common.py.
"""

from __future__ import annotations

import math
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import _common
import _timing

N_POINTS = 1_000_000
N_QUAD = 100_000
N_LOOP = 400
N_SERIES_TERMS = 50
N_SPECIES = 40
N_PARAM_POINTS = 250_000
REPEATS = 7


def _time_jit(fn, *args, repeats=REPEATS):
    """(compile seconds, median run seconds) for jax.jit(fn)(*args) (experiments/benchmarks/_timing.py)."""
    t = _timing.time_jax(fn, *args, repeats=max(repeats, _timing.REPEATS))
    return t["compile_s"], t["run_s"]


def _scipy_k(z, stat):
    import scipy.integrate

    def integrand(p):
        energy = math.sqrt(p * p + z * z)
        ex = math.exp(-energy)
        den = (1 + ex) if stat == "fermion" else (-math.expm1(-energy))
        return 6 / math.pi**2 * p * p * ex / (den * den)

    return scipy.integrate.quad(integrand, 0, 60 + 3 * z, epsabs=0, epsrel=1e-10, limit=200)[0]


def _bessel_series_k(z, stat):
    import numpy as np
    import scipy.special

    n = np.arange(1, N_SERIES_TERMS + 1)[:, None]
    sign = (-1.0) ** (n + 1) if stat == "fermion" else np.ones_like(n, dtype=float)
    return 6 / np.pi**2 * np.sum(sign * z[None, :] ** 2 * scipy.special.kn(2, n * z[None, :]), axis=0)


def main(
    out: pathlib.Path,
    n_points: int = N_POINTS,
    n_quad: int = N_QUAD,
    n_loop: int = N_LOOP,
    n_param_points: int = N_PARAM_POINTS,
) -> str:
    N_POINTS, N_QUAD, N_LOOP, N_PARAM_POINTS = n_points, n_quad, n_loop, n_param_points
    import jax
    import jax.numpy as jnp
    import numpy as np

    import jaxgen_kernels as kernels

    rng = np.random.default_rng(0)
    z_np = np.exp(rng.uniform(math.log(1e-3), math.log(100.0), N_POINTS))
    z = jnp.asarray(z_np)
    zq = z[:N_QUAD]
    rows, results = [], {}

    for name, fn in (("asymmetry_factor", kernels.asymmetry_factor), ("number_density", kernels.number_density)):
        for stat in ("fermion", "boson"):
            c_fast, r_fast = _time_jit(lambda x, fn=fn, stat=stat: fn(x, stat), z)
            c_quad, r_quad = _time_jit(
                lambda x, fn=fn, stat=stat: fn(x, stat, method="quadrature"), zq, repeats=_timing.REPEATS
            )
            rate_fast, rate_quad = N_POINTS / r_fast, N_QUAD / r_quad
            key = f"{name}_{stat}"
            results[key] = {
                "fast_compile_s": c_fast,
                "fast_evals_per_s": rate_fast,
                "quadrature_compile_s": c_quad,
                "quadrature_evals_per_s": rate_quad,
                "speedup_fast_vs_quadrature": rate_fast / rate_quad,
            }
            rows.append(
                f"| {name}({stat}) | {rate_fast:.3g} | {c_fast:.2f} | {rate_quad:.3g} | {c_quad:.2f} | "
                f"{rate_fast / rate_quad:.0f} |"
            )

    # gradient cost (fast path)
    kf = lambda x: kernels.asymmetry_factor(x, "boson")  # noqa: E731
    _, r_fwd = _time_jit(kf, z)
    c_grad, r_grad = _time_jit(jax.vmap(jax.grad(kf)), z)
    results["gradient"] = {"forward_s": r_fwd, "grad_s": r_grad, "ratio": r_grad / r_fwd, "grad_compile_s": c_grad}

    # equilibrium-engine workload: 40 species x 2.5e5 points
    zs = jnp.asarray(np.exp(rng.uniform(math.log(1e-2), math.log(50.0), (N_PARAM_POINTS, N_SPECIES))))
    half = N_SPECIES // 2

    def workload(x):
        return jnp.concatenate(
            [kernels.asymmetry_factor(x[:, :half], "fermion"), kernels.asymmetry_factor(x[:, half:], "boson")], axis=1
        )

    c_work, r_work = _time_jit(workload, zs)
    results["workload_40_species"] = {
        "param_points_per_s": N_PARAM_POINTS / r_work,
        "k_evals_per_s": N_PARAM_POINTS * N_SPECIES / r_work,
        "compile_s": c_work,
    }

    # baselines: per-point scipy quad loop; vectorized Bessel series
    fast_k = {s: np.asarray(jax.jit(lambda x, s=s: kernels.asymmetry_factor(x, s))(z)) for s in ("fermion", "boson")}
    base = {}
    for stat in ("fermion", "boson"):
        tl = _timing.time_host(lambda stat=stat: np.array([_scipy_k(x, stat) for x in z_np[:N_LOOP]]))
        ref, t_loop = tl["out"], tl["run_s"]
        ts = _timing.time_host(_bessel_series_k, z_np, stat)
        series, t_series = ts["out"], ts["run_s"]
        base[stat] = {
            "scipy_quad_loop_evals_per_s": N_LOOP / t_loop,
            "fast_vs_scipy_quad_max_rel": float(np.max(np.abs(fast_k[stat][:N_LOOP] / ref - 1))),
            "bessel_series_evals_per_s": N_POINTS / t_series,
            "bessel_series_max_rel_error": float(np.max(np.abs(series / fast_k[stat] - 1))),
            "speedup_fast_vs_scipy_loop": results[f"asymmetry_factor_{stat}"]["fast_evals_per_s"] * t_loop / N_LOOP,
            "speedup_fast_vs_bessel_series": results[f"asymmetry_factor_{stat}"]["fast_evals_per_s"]
            * t_series
            / N_POINTS,
        }
    results["baselines_asymmetry_factor"] = base

    params = {
        "n_points": N_POINTS,
        "n_quadrature_points": N_QUAD,
        "z_range": [1e-3, 100.0],
        "dtype": "float64",
        "repeats": REPEATS,
        "n_loop": N_LOOP,
        "series_terms": N_SERIES_TERMS,
        "workload": f"{N_SPECIES} species x {N_PARAM_POINTS} points",
        "n_param_points": N_PARAM_POINTS,
    }
    _common.write_record(out, "bench_thermal", params, results)

    g, w = results["gradient"], results["workload_40_species"]
    lines = [
        "## Benchmark: thermal kernels (kernels._thermal)",
        "",
        f"Device: {jax.devices()[0]}; float64; z log-uniform in [1e-3, 100]; jit; median of {REPEATS} runs.",
        "",
        "| function | fast [evals/s] | fast compile [s] | quadrature [evals/s] | quadrature compile [s] | "
        "fast/quadrature |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"- Gradient (`jit(vmap(grad(asymmetry_factor)))`, boson, {N_POINTS:.0e} points): {g['ratio']:.2f} x the "
        "forward pass.",
        f"- Equilibrium workload, k(z) of {N_SPECIES} species: {w['param_points_per_s']:.3g} parameter points/s "
        f"({w['k_evals_per_s']:.3g} k evaluations/s).",
    ]
    for stat, b in base.items():
        lines.append(
            f"- Baselines, k {stat}: per-point scipy.quad loop {b['scipy_quad_loop_evals_per_s']:.3g} evals/s "
            f"(fast path is {b['speedup_fast_vs_scipy_loop']:.3g} x faster; they agree to "
            f"{b['fast_vs_scipy_quad_max_rel']:.1e}); vectorized {N_SERIES_TERMS}-term Bessel series "
            f"{b['bessel_series_evals_per_s']:.3g} evals/s (fast path {b['speedup_fast_vs_bessel_series']:.3g} x "
            f"faster; series max relative error {b['bessel_series_max_rel_error']:.1e})."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    _common.cli(main)
