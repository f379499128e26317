"""Benchmark: mass-dependent MSSM chemical-equilibrium evaluations per second (issue 3, Performance).

Compared in the same run:
* jaxgen: ``prepare`` once (exact nullspace on the host), then ``jit(vmap(evaluate))`` over random spectra: six mass
  parameters (m_sQ, m_su, m_sd, m_sL, m_se flavour-universal, m_higgsino) and the temperature vary per point; output
  B/(B-L). Includes the k(m/T) kernel evaluations in the timed region.
* numpy loop: the baseline a physicist writes: per point assemble the full n x n system (independent reaction rows +
  hypercharge and B-L rows weighted by g k(m/T)) and call ``numpy.linalg.solve``. The k(m/T) values are precomputed
  outside the timed loop (favouring the baseline).
* sympy: exact solve of the same full system with rational k values (a few points).
Compile and run are timed separately with ``block_until_ready``; the ratio is throughput / numpy-loop throughput.
"""

from __future__ import annotations

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import _common
import _timing


def main(out: pathlib.Path, n_points: int = 2_000_000, n_numpy: int = 3000, n_sympy: int = 5) -> str:
    _common.setup_jax()
    import jax
    import jax.numpy as jnp
    import numpy as np
    import sympy as sp

    import jaxgen_kernels as kernels
    from jaxgen import equilibrium as eq
    from jaxgen import models

    model = models.mssm()
    groups = {f"m_s{t}": models.mssm_superpartners(model, types=[t]) for t in models.MSSM_SFERMION_TYPES}
    groups["m_higgsino"] = ["h_u", "h_d"]
    t0 = time.perf_counter()
    system = eq.prepare(model, {"B-L": 1.0}, mass_parameters=groups, outputs=["B"])
    t_prepare = time.perf_counter() - t0

    rng = np.random.default_rng(0)
    masses = jnp.asarray(rng.uniform(0.0, 3000.0, size=(n_points, len(groups))))
    temps = jnp.asarray(rng.uniform(100.0, 1000.0, size=n_points))
    pnames = system.mass_parameter_names

    @jax.jit
    def run(masses, temps):
        p = system.params(masses={k: masses[:, i] for i, k in enumerate(pnames)}, temperature=temps)
        r = jax.vmap(eq.evaluate, in_axes=(None, 0))(system, p)
        return r.outputs[:, 0], r.status

    @jax.jit
    def run_grad(masses, temps):
        def f(m, t):
            p = system.params(masses={k: m[i] for i, k in enumerate(pnames)}, temperature=t)
            return eq.evaluate(system, p).outputs[0]

        return jax.vmap(jax.grad(f))(masses, temps)

    tj = _timing.time_jax(run, masses, temps, memory=True)
    t_compile, best = tj["compile_s"], tj["run_s"]  # best: the median run time (record key kept)
    b, status = tj["out"]
    rate_jax = n_points / best

    @jax.jit
    def run_chunked(masses, temps):
        p = system.params(masses={k: masses[:, i] for i, k in enumerate(pnames)}, temperature=temps)
        r = eq.evaluate_batch(system, p, chunk_size=2048)
        return r.outputs[:, 0], r.status

    tc = _timing.time_jax(run_chunked, masses, temps, memory=True)
    best_chunked = tc["run_s"]
    bc, _ = tc["out"]
    rate_chunked = n_points / best_chunked
    assert float(jnp.max(jnp.abs(bc - b))) < 1e-13
    # the k(m/T) kernel alone (6 evaluations per point): the floor of any implementation using it
    kfun = jax.jit(
        lambda m, t: (
            kernels.asymmetry_factor(m[:, :5] / t[:, None], "boson"),
            kernels.asymmetry_factor(m[:, 5] / t, "fermion"),
        )
    )
    rate_k_only = n_points / _timing.time_jax(kfun, masses, temps)["run_s"]
    tg = _timing.time_jax(run_grad, masses, temps)
    t_grad, t_compile_grad = tg["run_s"], tg["compile_s"]

    # ---------------- numpy baseline: full n x n system per point
    n = model.n_species
    rmat = model.reaction_matrix()
    # independent reaction rows (greedy, exact rank via QR on the host once)
    rows = []
    for row in rmat:
        cand = np.array(rows + [row])
        if np.linalg.matrix_rank(cand) == len(rows) + 1:
            rows.append(row)
    rind = np.array(rows)
    qy, qbl = model.charge_vector("Y"), model.charge_vector("B-L")
    qb = model.charge_vector("B")
    dof = model.dofs
    sg = np.array(system.species_group)
    k0 = np.asarray(system.k_massless)
    stats = system.group_statistics
    gpar = system.group_param
    mnp, tnp = np.asarray(masses[:n_numpy]), np.asarray(temps[:n_numpy])
    kg = np.stack(
        [np.asarray(kernels.asymmetry_factor(jnp.asarray(mnp[:, gpar[g]] / tnp), stats[g])) for g in range(len(gpar))],
        axis=1,
    )
    ksp = np.where(sg >= 0, kg[:, np.maximum(sg, 0)], k0)
    rhs = np.zeros(n)
    rhs[-1] = 1.0

    def numpy_loop():
        b_np = np.empty(n_numpy)
        for i in range(n_numpy):
            w = dof * ksp[i]
            a = np.vstack([rind, qy * w, qbl * w])
            mu = np.linalg.solve(a, rhs)
            b_np[i] = (qb * w) @ mu
        return b_np

    tn = _timing.time_host(numpy_loop)
    b_np, t_np = tn["out"], tn["run_s"]
    rate_np = n_numpy / t_np
    err_np = float(np.max(np.abs(b_np - np.asarray(b[:n_numpy]))))

    # ---------------- sympy exact solve
    err_sp = 0.0
    t_sympy_points = []  # one exact solve per point; the rate is 1 / median per-point time
    for i in range(n_sympy):
        t0 = time.perf_counter()
        w = [sp.Rational(int(dof[j])) * sp.Rational(float(ksp[i, j])) for j in range(n)]
        a = sp.Matrix(
            [[sp.Rational(int(x)) for x in r] for r in rind]
            + [[sp.Rational(qy[j]).limit_denominator(6) * w[j] for j in range(n)]]
            + [[sp.Rational(qbl[j]).limit_denominator(6) * w[j] for j in range(n)]]
        )
        mu = a.LUsolve(sp.Matrix(list(rhs.astype(int))))
        bval = sum(sp.Rational(qb[j]).limit_denominator(6) * w[j] * mu[j] for j in range(n))
        t_sympy_points.append(time.perf_counter() - t0)
        err_sp = max(err_sp, abs(float(bval) - float(b[i])))
    rate_sp = 1.0 / _timing.median(t_sympy_points)
    peak_mb = _timing.peak_rss_mb()

    results = dict(
        n_species=n,
        reduced_dim=int(max(system.dims)),
        mass_parameters=list(pnames),
        n_points=n_points,
        device=str(jax.devices()[0]),
        t_prepare_s=t_prepare,
        t_compile_s=t_compile,
        t_run_s=best,
        t_compile_grad_s=t_compile_grad,
        t_compile_chunked_s=tc["compile_s"],
        memory_flat=tj["memory"],
        memory_chunked=tc["memory"],
        rate_jax_per_s=rate_jax,
        rate_jax_chunked_per_s=rate_chunked,
        rate_k_kernel_only_per_s=rate_k_only,
        ratio_chunked_vs_numpy=rate_chunked / rate_np,
        rate_numpy_loop_per_s=rate_np,
        rate_sympy_per_s=rate_sp,
        ratio_vs_numpy=rate_jax / rate_np,
        ratio_vs_sympy=rate_jax / rate_sp,
        grad_over_forward=t_grad / best,
        max_abs_diff_vs_numpy=err_np,
        max_abs_diff_vs_sympy=err_sp,
        status_nonzero=int(np.sum(np.asarray(status) != 0)),
        peak_rss_mb=peak_mb,
        b_over_bl_range=[float(jnp.min(b)), float(jnp.max(b))],
    )
    _common.write_record(
        out,
        "bench_equilibrium",
        dict(
            n_points=n_points,
            n_numpy=n_numpy,
            n_sympy=n_sympy,
            seed=0,
            mass_range_gev=[0, 3000],
            t_range_gev=[100, 1000],
        ),
        results,
    )
    return (
        "## Benchmark: MSSM chemical equilibrium\n\n"
        f"MSSM, {n} species, reduced system d = {results['reduced_dim']}, six mass parameters + T per point, "
        f"device {results['device']}.\n\n"
        "| method | evaluations/s | ratio |\n|---|---|---|\n"
        f"| jaxgen jit+vmap ({n_points} points) | {rate_jax:.3g} | 1 |\n"
        f"| jaxgen evaluate_batch(chunk_size=2048) | {rate_chunked:.3g} | {rate_chunked / rate_np:.3g}x vs numpy |\n"
        f"| k(m/T) kernel alone, 6 per point (floor) | {rate_k_only:.3g} | |\n"
        f"| numpy.linalg.solve loop (n = {n}, k precomputed) | {rate_np:.3g} | {rate_jax / rate_np:.3g}x |\n"
        f"| sympy exact solve | {rate_sp:.3g} | {rate_jax / rate_sp:.3g}x |\n\n"
        f"Median of {_timing.REPEATS} runs (sympy: median per-point time of {n_sympy} points). "
        f"Set-up (exact nullspace) {t_prepare:.2f} s, compile {t_compile:.2f} s (gradient {t_compile_grad:.2f} s), "
        f"run {best:.3f} s; gradient "
        f"(6 masses + T) / forward = {t_grad / best:.2f}; peak RSS {peak_mb:.0f} MB. Max |diff| vs numpy "
        f"{err_np:.1e}, vs sympy {err_sp:.1e}.\n"
    )


if __name__ == "__main__":
    _common.cli(main)
