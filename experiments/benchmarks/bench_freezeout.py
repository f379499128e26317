"""Benchmark: vmapped freeze-out (jaxgen.freezeout.solve_freezeout) vs a per-point scipy Radau loop, same run.

Both solve dY/dx = -(lambda0 (a + 6b/x)/x^2)(Y^2 - Y_eq^2) (MB, constant g* = 106.75) from x = 1 to 1000 plus the
same analytic tail; scipy in ln Y at rtol = atol = 1e-10 (about the accuracy of the jaxgen default, ~3.5e-9 relative
vs a tight solution). Compile and run are timed separately with block_until_ready; the gradient cost is jax.grad of
sum(ln Y_inf) with respect to (m, a) over the batch (forward sensitivities under a custom VJP), relative to the
forward pass.

Measured (2-core CPU, loaded machine, same session, 2026-11-22), before -> after the one-solve / forward-sensitivity
rewrite of jaxgen._freezeout: compile forward 8.0 s -> 3.8-4.3 s, compile gradient 23.5 s -> 6.8-7.9 s,
gradient/forward 6.7x -> 2.7-2.8x, steps mean 436 -> 374, max rel. diff vs scipy 4.7e-9 -> 3.4e-9, throughput
3.3e3 -> 2.7-2.9e3 points/s (a step costs ~17% more; timings on this shared machine vary by +-30%).

LSODA (the baseline named in issue 4) was tried first: in ln Y at rtol = atol = 1e-10 it reported repeated
convergence failures and returned wrong yields (off by O(1)) for all 48 points, so the stiff implicit Radau method
is the per-point baseline here.
"""

from __future__ import annotations

import math
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import _common  # noqa: E402
import _timing  # noqa: E402


def _scipy_point(m, a, b, g=2.0, gs=106.75, m_pl=1.220890e19):
    from scipy.integrate import solve_ivp
    from scipy.special import kve

    lam0 = (2 * math.pi**2 / 45) / math.sqrt(4 * math.pi**3 / 45) * math.sqrt(gs) * m_pl * m
    c0 = math.log(45 * g / (4 * math.pi**4 * gs))

    def rhs(x, w):
        lny = c0 + 2 * math.log(x) + math.log(kve(2, x)) - x
        return [-lam0 * (a + 6 * b / x) / x**2 * (math.exp(min(w[0], 700.0)) - math.exp(min(2 * lny - w[0], 700.0)))]

    w0 = c0 + math.log(kve(2, 1.0)) - 1.0
    sol = solve_ivp(rhs, (1.0, 1000.0), [w0], method="Radau", rtol=1e-10, atol=1e-10)
    y = math.exp(sol.y[0, -1])
    return 1 / (1 / y + lam0 * (a / 1000 + 3 * b / 1e6)), sol.success


def main(out: pathlib.Path, n: int = 4096, n_scipy: int = 48) -> str:
    _common.setup_jax()
    import jax
    import jax.numpy as jnp

    from jaxgen import freezeout as fo

    rng = np.random.default_rng(0)
    m = 10 ** rng.uniform(1, 3, n)
    a = 10 ** rng.uniform(-11, -7, n)
    b = np.where(rng.uniform(size=n) < 0.3, 10 ** rng.uniform(-10, -7, n), 0.0)
    params = fo.FreezeOutParams(m=jnp.asarray(m), a=jnp.asarray(a), b=jnp.asarray(b), g=jnp.full(n, 2.0),
                                eta=jnp.zeros(n), y0_ratio=jnp.ones(n))
    f = jax.jit(jax.vmap(fo.solve_freezeout))

    tf = _timing.time_jax(f, params)
    compile_fwd, run_fwd, res = tf["compile_s"], tf["run_s"], tf["out"]
    rate_jax = n / run_fwd

    def loss(mv, av):
        q = fo.FreezeOutParams(m=mv, a=av, b=jnp.asarray(b), g=jnp.full(n, 2.0), eta=jnp.zeros(n),
                               y0_ratio=jnp.ones(n))
        return jnp.sum(jnp.log(jax.vmap(fo.solve_freezeout)(q).y_inf))

    g = jax.jit(jax.grad(loss, argnums=(0, 1)))
    tg = _timing.time_jax(g, jnp.asarray(m), jnp.asarray(a))
    compile_grad, run_grad = tg["compile_s"], tg["run_s"]

    # per point ~0.1-0.3 s: the loop is timed once, in 5 blocks, median block rate (_timing.time_host_blocks)
    ts = _timing.time_host_blocks(lambda i: _scipy_point(float(m[i]), float(a[i]), float(b[i])), range(n_scipy))
    ref, run_scipy = ts["out"], ts["run_s"]
    rate_scipy = ts["points_per_s"]
    y_ref = np.array([r[0] for r in ref])
    err = np.abs(np.asarray(res.y_inf)[:n_scipy] / y_ref - 1)
    steps = np.asarray(res.num_steps)
    wasted = float(steps.max() / steps.mean())  # lockstep work of the vmapped while loop over useful work

    results = {
        "n": n, "n_scipy": n_scipy, "device": str(jax.devices()[0]),
        "points_per_s_jax": rate_jax, "points_per_s_scipy_radau": rate_scipy, "ratio": rate_jax / rate_scipy,
        "compile_forward_s": compile_fwd, "compile_grad_s": compile_grad, "run_forward_s": run_fwd,
        "run_grad_s": run_grad, "grad_over_forward": run_grad / run_fwd,
        "max_rel_diff_vs_scipy": float(err.max()), "median_rel_diff_vs_scipy": float(np.median(err)),
        "n_scipy_disagree_1e-6": int(np.sum(err > 1e-6)), "failures": int(np.sum(np.asarray(res.status) != 0)),
        "scipy_failures": int(sum(not r[1] for r in ref)),
        "steps_mean": float(steps.mean()), "steps_max": int(steps.max()), "wasted_work_factor": wasted,
    }
    _common.write_record(out, "bench_freezeout", {"n": n, "n_scipy": n_scipy, "rtol_scipy": 1e-10,
                                                  "repeats": _timing.REPEATS}, results)
    return (
        "## Benchmark: freeze-out\n\n"
        f"jaxgen: median of {_timing.REPEATS} runs after a warm-up call, compile timed apart (lower().compile()); "
        f"scipy: median rate of {_timing.REPEATS} blocks of the per-point loop.\n\n"
        f"| | value |\n|---|---|\n"
        f"| jaxgen vmapped (N={n}) | {rate_jax:.3g} points/s |\n"
        f"| scipy Radau loop (N={n_scipy}) | {rate_scipy:.3g} points/s |\n"
        f"| ratio | {rate_jax / rate_scipy:.1f}x |\n"
        f"| compile forward / gradient | {compile_fwd:.1f} s / {compile_grad:.1f} s |\n"
        f"| gradient / forward (run) | {run_grad / run_fwd:.2f} |\n"
        f"| steps mean / max (wasted-work factor) | {steps.mean():.0f} / {steps.max()} ({wasted:.2f}) |\n"
        f"| rel. diff vs scipy: median / max | {np.median(err):.2e} / {err.max():.2e} |\n"
        f"| scipy points off by > 1e-6 (stiff Radau baseline) "
        f"| {results['n_scipy_disagree_1e-6']} of {n_scipy} |\n"
        f"| failed points | {results['failures']} |\n"
    )


if __name__ == "__main__":
    _common.cli(main)
