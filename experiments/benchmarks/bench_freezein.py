"""Benchmark: freeze-in yields from decays (issue 4), jaxgen vs a scipy LSODA loop vs off-the-shelf jit+vmap Tsit5.

Problem: N = 1e4 points, Gamma log-uniform in [1e-25, 1e-12] GeV, m_A log-uniform in [10, 1e4] GeV, g_A = 2,
constant g_* = 106.75, MB statistics, no inverse decays (the closed form is then exact, so every method's accuracy is
measured against it). Same run, same machine:

* baseline: scipy ``solve_ivp(method="LSODA", rtol=1e-8)`` per point (a subset is timed, points/s extrapolated);
* off-the-shelf: diffrax Tsit5, jit + vmap over the whole batch, rtol 1e-8, atol scaled to the closed form;
* jaxgen: ``freezein_quadrature`` (fast exact path: 48-node Gauss-Legendre in ln x, K1 tabulated), with and without
  x_half, and ``solve_freezein`` (diffrax) for reference.

Also: compile times, gradient/forward cost ratio (reverse mode, batched), and the stiff mixed batch with inverse
decays (Kvaerno5): failures vs LSODA and the lockstep waste factor with and without stiffness bucketing.
"""

from __future__ import annotations

import math
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import _common
import _timing


def _timed(fn, *args, repeat=_timing.REPEATS):
    """(output, compile seconds, median run seconds): lower().compile() timed apart, median of >= 5 runs."""
    t = _timing.time_jax(fn, *args, repeats=max(repeat, _timing.REPEATS))
    return t["out"], t["compile_s"], t["run_s"]


def main(out: pathlib.Path, n_points: int = 10_000, n_lsoda: int = 100, n_stiff: int = 256, extras: bool = True) -> str:
    """``extras=False`` (the reduced suite) skips the reverse-mode and jacfwd comparisons through diffrax (the
    library's gradient path, forward sensitivities under a custom JVP, is always measured): ~60 s of compile."""
    import diffrax
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import numpy as np
    import scipy.integrate as si
    import scipy.special as sp

    import jaxgen_kernels as kernels
    from jaxgen import constants as c
    from jaxgen import freezein as fi
    from jaxgen.cosmology import Cosmology

    cos = Cosmology(table="constant")
    G = 106.75
    rng = np.random.default_rng(0)
    widths = 10 ** rng.uniform(-25, -12, n_points)
    masses = 10 ** rng.uniform(1, 4, n_points)
    params = fi.FreezeInParams(
        mass=masses[:, None],
        width=widths[:, None],
        dof=np.full((n_points, 1), 2.0),
        eps=np.full((n_points, 1), 1e-2),
        y0=np.zeros(n_points),
        m_x=np.zeros(n_points),
        g_x=np.full(n_points, 2.0),
        temperature_ratio=np.ones(n_points),
    )
    exact = np.asarray(fi.freezein_closed_form(masses, widths, 2.0, G))
    pref = 45 / (4 * math.pi**4) * c.M_PLANCK * 2.0 / (G * math.sqrt(4 * math.pi**3 / 45 * G))
    t0, t1 = -8.0, 4.2
    res: dict = {}

    # --- baseline: scipy LSODA loop ---------------------------------------------------------------------------
    def lsoda(w, m):
        a = pref * w / m**2
        sol = si.solve_ivp(
            lambda t, y: [a * math.exp(4 * t) * sp.k1(math.exp(t))],
            (t0, t1),
            [0.0],
            method="LSODA",
            rtol=1e-8,
            atol=1e-8 * a,
        )
        return sol.y[0, -1]

    tl = _timing.time_host(lambda: np.array([lsoda(widths[i], masses[i]) for i in range(n_lsoda)]))
    y_ls, dt_ls = tl["out"], tl["run_s"]
    res["lsoda_points_per_s"] = n_lsoda / dt_ls
    res["lsoda_max_rel_err"] = float(np.max(np.abs(y_ls / exact[:n_lsoda] - 1)))

    # --- off-the-shelf jit + vmap Tsit5 ------------------------------------------------------------------------
    def tsit5_one(w, m):
        a = pref * w / m**2
        term = diffrax.ODETerm(lambda t, y, args: a * jnp.exp(4 * t) * kernels.k1(jnp.exp(t)))
        sol = diffrax.diffeqsolve(
            term,
            diffrax.Tsit5(),
            t0,
            t1,
            1e-2,
            jnp.zeros(()),
            stepsize_controller=diffrax.PIDController(rtol=1e-8, atol=1e-8 * a * 4.7),
            max_steps=4096,
            throw=False,
        )
        return sol.ys[-1]

    f_ts = jax.jit(jax.vmap(tsit5_one))
    y_ts, comp_ts, run_ts = _timed(f_ts, jnp.asarray(widths), jnp.asarray(masses))
    res.update(
        tsit5_points_per_s=n_points / run_ts,
        tsit5_compile_s=comp_ts,
        tsit5_max_rel_err=float(np.max(np.abs(np.asarray(y_ts) / exact - 1))),
    )

    # --- jaxgen quadrature (fast exact path) -----------------------------------------------------------------
    for label, s in (("quad", fi.FreezeInSettings(compute_x_half=False)), ("quad_xhalf", fi.FreezeInSettings())):
        f = jax.jit(jax.vmap(lambda p, s=s: fi.freezein_quadrature(p, cos, s)))
        r, comp, run = _timed(f, params)
        res[f"{label}_points_per_s"] = n_points / run
        res[f"{label}_compile_s"] = comp
        res[f"{label}_max_rel_err"] = float(np.max(np.abs(np.asarray(r.yield_x) / exact - 1)))
        res[f"{label}_ratio_vs_lsoda"] = res[f"{label}_points_per_s"] / res["lsoda_points_per_s"]
    # gradient of the yields wrt (width, mass, eps), batched, reverse mode; cost relative to the forward pass
    sq = fi.FreezeInSettings(compute_x_half=False)
    fwd = jax.jit(jax.vmap(lambda p: fi.freezein_quadrature(p, cos, sq).yield_x))

    def y_plus_eta(p):
        r = fi.freezein_quadrature(p, cos, sq)
        return r.yield_x + r.eta_x

    grad = jax.jit(jax.vmap(jax.grad(y_plus_eta)))
    _, comp_f, run_f = _timed(fwd, params)
    _, comp_g, run_g = _timed(grad, params)
    res.update(quad_grad_over_fwd=run_g / run_f, quad_grad_compile_s=comp_g, quad_fwd_compile_s=comp_f)
    # same with the tabulated default cosmology (Saikawa-Shirai g_*(T), 384 nodes)
    f_tab = jax.jit(jax.vmap(lambda p: fi.freezein_quadrature(p, None, sq)))
    _, comp_tab, run_tab = _timed(f_tab, params)
    res.update(quad_tabulated_points_per_s=n_points / run_tab, quad_tabulated_compile_s=comp_tab)

    # --- jaxgen diffrax path (no inverse decays: tsit5 on the normalised state) -------------------------------
    so = fi.FreezeInSettings(rtol=1e-8, atol_rel=1e-8, compute_x_half=False)
    f_ode = jax.jit(jax.vmap(lambda p: fi.solve_freezein(p, cos, so)))
    r_ode, comp_ode, run_ode = _timed(f_ode, params)
    res.update(
        ode_points_per_s=n_points / run_ode,
        ode_compile_s=comp_ode,
        ode_max_rel_err=float(np.max(np.abs(np.asarray(r_ode.yield_x) / exact - 1))),
        ode_failures=int(np.sum(np.asarray(r_ode.status) != 0)),
    )
    g_ode = jax.jit(jax.vmap(jax.grad(lambda p: fi.solve_freezein(p, cos, so).yield_x)))
    sub = jax.tree_util.tree_map(lambda a: a[:1000], params)
    # forward mode (diffrax.ForwardMode + jax.jacfwd) for the two physical parameters (width, mass)
    sf = fi.FreezeInSettings(rtol=1e-8, atol_rel=1e-8, compute_x_half=False, adjoint="forward")

    def y_wm(p, wm):
        return fi.solve_freezein(eqx.tree_at(lambda q: (q.width, q.mass), p, (wm[:1], wm[1:])), cos, sf).yield_x

    if extras:
        _, _, run_ode_sub = _timed(f_ode, sub)
        _, comp_gode, run_gode = _timed(g_ode, sub)
        res.update(ode_grad_over_fwd=run_gode / run_ode_sub, ode_grad_compile_s=comp_gode)
        jf = jax.jit(jax.vmap(jax.jacfwd(y_wm, argnums=1)))
        wm = jnp.concatenate([sub.width, sub.mass], axis=1)
        _, comp_jf, run_jf = _timed(jf, sub, wm)
        res.update(ode_jacfwd_over_fwd=run_jf / run_ode_sub, ode_jacfwd_compile_s=comp_jf)
    else:
        res.update(ode_grad_over_fwd=None, ode_grad_compile_s=None, ode_jacfwd_over_fwd=None, ode_jacfwd_compile_s=None)
    # forward sensitivities carried in ONE augmented solve (jaxgen._freezein.solve_freezein_with_gradients), the
    # whole 1e4 batch: every field (P = 8 scalars), a restricted set, and jax.grad through its custom_jvp
    from jaxgen import _freezein as fi_impl

    f_sens = jax.jit(jax.vmap(lambda p: fi_impl.solve_freezein_with_gradients(p, cos, so)))
    r_sens, comp_sens, run_sens = _timed(f_sens, params)
    f_sens3 = jax.jit(
        jax.vmap(lambda p: fi_impl.solve_freezein_with_gradients(p, cos, so, wrt=("mass", "width", "eps")))
    )
    _, comp_sens3, run_sens3 = _timed(f_sens3, params)
    g_cj = jax.jit(jax.vmap(jax.grad(lambda p: fi_impl.solve_freezein_fwd(p, cos, so).yield_x)))
    _, comp_cj, run_cj = _timed(g_cj, params)
    res.update(
        sens_over_fwd=run_sens / run_ode,
        sens_compile_s=comp_sens,
        sens3_over_fwd=run_sens3 / run_ode,
        sens3_compile_s=comp_sens3,
        sens_customjvp_grad_over_fwd=run_cj / run_ode,
        sens_customjvp_grad_compile_s=comp_cj,
    )
    if extras:
        g_rev_full = jax.jit(jax.vmap(jax.grad(lambda p: fi.solve_freezein(p, cos, so).yield_x)))
        g_rev, comp_rev, run_rev = _timed(g_rev_full, params)
        res.update(
            rev_full_over_fwd=run_rev / run_ode,
            rev_full_compile_s=comp_rev,
            sens_vs_rev_max_rel=float(
                np.max(np.abs(np.asarray(r_sens[1].yield_x.width) / np.asarray(g_rev.width) - 1))
            ),
        )
    else:
        res.update(rev_full_over_fwd=None, rev_full_compile_s=None, sens_vs_rev_max_rel=None)

    # --- stiff mixed batch with inverse decays ------------------------------------------------------------------
    si_set = fi.FreezeInSettings(inverse_decays=True, rtol=1e-8, atol_rel=1e-8, compute_x_half=False)
    yeq0 = float(fi.equilibrium_yield(1000.0 / math.exp(t0), 1.0, 2.0, 1.0, cos))
    w_st = 10 ** rng.uniform(-22, -10, n_stiff)
    r0 = 10 ** rng.uniform(-6, 6, n_stiff)
    ps = fi.FreezeInParams(
        mass=np.full((n_stiff, 1), 1000.0),
        width=w_st[:, None],
        dof=np.full((n_stiff, 1), 2.0),
        eps=np.zeros((n_stiff, 1)),
        y0=r0 * yeq0,
        m_x=np.ones(n_stiff),
        g_x=np.full(n_stiff, 2.0),
        temperature_ratio=np.ones(n_stiff),
    )
    bucket = 16
    f_b = jax.jit(lambda p: fi.solve_freezein_batch(p, cos, si_set, bucket_size=bucket))
    f_v = jax.jit(jax.vmap(lambda p: fi.solve_freezein(p, cos, si_set)))
    r_b, comp_b, run_b = _timed(f_b, ps)
    r_v, comp_v, run_v = _timed(f_v, ps)
    key = np.asarray(jax.vmap(lambda p: fi.stiffness_key(p, cos, si_set))(ps))
    steps = np.asarray(r_b.num_steps)
    res.update(
        stiff_failures=int(np.sum(np.asarray(r_b.status) != 0)),
        stiff_waste_bucketed=kernels.lockstep_waste(steps, key, bucket),
        stiff_waste_whole_vmap=kernels.lockstep_waste(steps),
        stiff_waste_oracle_sorted=kernels.lockstep_waste(steps, steps, bucket),
        stiff_bucketed_s=run_b,
        stiff_whole_vmap_s=run_v,
        stiff_compile_s=comp_b,
        stiff_bucketed_equals_vmap=float(np.max(np.abs(np.asarray(r_b.yield_x) / np.asarray(r_v.yield_x) - 1))),
    )
    # LSODA on a subset of the stiff batch: failures and agreement
    pref_inv = pref / 1000.0**2

    def lsoda_inv(w, y0):
        def rhs(t, y):
            x = math.exp(t)
            z = x / 1000.0
            yeq = 2 * z**2 * sp.kn(2, z) / (2 * math.pi**2) * 45 / (2 * math.pi**2 * G)
            return [pref_inv * w * x**4 * sp.k1(x) * (1 - y[0] / yeq)]

        sol = si.solve_ivp(rhs, (t0, t1), [y0], method="LSODA", rtol=1e-10, atol=1e-30)
        return sol.y[0, -1], sol.success

    sub_idx = np.arange(0, n_stiff, 8)
    refs = [lsoda_inv(w_st[i], r0[i] * yeq0) for i in sub_idx]
    ok = np.array([s for _, s in refs])
    res.update(
        stiff_lsoda_failures=int(np.sum(~ok)),
        stiff_fail_where_lsoda_ok=int(np.sum((np.asarray(r_b.status)[sub_idx] != 0) & ok)),
        stiff_max_rel_diff_vs_lsoda=float(
            np.max(np.abs(np.asarray(r_b.yield_x)[sub_idx] / np.array([y for y, _ in refs]) - 1))
        ),
    )

    _common.write_record(
        out,
        "bench_freezein",
        {
            "n_points": n_points,
            "n_lsoda": n_lsoda,
            "n_stiff": n_stiff,
            "bucket_size": bucket,
            "g_star": G,
            "extras": extras,
            "repeats": _timing.REPEATS,
        },
        res,
    )

    def fx(key, fmt, unit=""):  # a value or "skipped" (reduced suite)
        return "skipped" if res.get(key) is None else format(res[key], fmt) + unit

    lines = [
        "## Freeze-in benchmark (issue 4)",
        "",
        f"N = {n_points} points (Gamma in [1e-25, 1e-12] GeV, m in [10, 1e4] GeV, constant g_*, MB). "
        f"Median of >= {_timing.REPEATS} runs after a warm-up call; compile (lower().compile()) timed apart.",
        "",
        "| method | points/s | ratio vs LSODA | compile [s] | max rel err vs closed form |",
        "|---|---|---|---|---|",
        f"| scipy LSODA loop (rtol 1e-8) | {res['lsoda_points_per_s']:.3g} | 1 | - | {res['lsoda_max_rel_err']:.1e} |",
        f"| jit+vmap Tsit5 (off the shelf) | {res['tsit5_points_per_s']:.3g} | "
        f"{res['tsit5_points_per_s'] / res['lsoda_points_per_s']:.0f} | {res['tsit5_compile_s']:.2f} | "
        f"{res['tsit5_max_rel_err']:.1e} |",
        f"| jaxgen solve_freezein (diffrax) | {res['ode_points_per_s']:.3g} | "
        f"{res['ode_points_per_s'] / res['lsoda_points_per_s']:.0f} | {res['ode_compile_s']:.2f} | "
        f"{res['ode_max_rel_err']:.1e} |",
        f"| jaxgen freezein_quadrature | {res['quad_points_per_s']:.3g} | {res['quad_ratio_vs_lsoda']:.0f} | "
        f"{res['quad_compile_s']:.2f} | {res['quad_max_rel_err']:.1e} |",
        f"| jaxgen freezein_quadrature + x_half | {res['quad_xhalf_points_per_s']:.3g} | "
        f"{res['quad_xhalf_ratio_vs_lsoda']:.0f} | {res['quad_xhalf_compile_s']:.2f} | "
        f"{res['quad_xhalf_max_rel_err']:.1e} |",
        "",
        f"Quadrature with tabulated g_*(T) (384 nodes): {res['quad_tabulated_points_per_s']:.3g} points/s.",
        f"Gradient/forward (batched reverse mode, d(Y+eta)/d(width, mass, eps, ...)): quadrature "
        f"{res['quad_grad_over_fwd']:.2f}x (compile {res['quad_grad_compile_s']:.2f} s); diffrax path "
        f"{fx('ode_grad_over_fwd', '.2f', 'x')} (compile {fx('ode_grad_compile_s', '.2f', ' s')}); diffrax path "
        "forward mode "
        f"(ForwardMode + jacfwd wrt width and mass) {fx('ode_jacfwd_over_fwd', '.2f', 'x')} "
        f"(compile {fx('ode_jacfwd_compile_s', '.2f', ' s')}).",
        "",
        f"Forward sensitivities in one augmented solve (N = {n_points}, Tsit5, rtol 1e-8), time over the forward "
        f"solve_freezein of the same batch: all 8 fields {res['sens_over_fwd']:.2f}x (compile "
        f"{res['sens_compile_s']:.2f} s); wrt (mass, width, eps) {res['sens3_over_fwd']:.2f}x (compile "
        f"{res['sens3_compile_s']:.2f} s); jax.grad through its custom_jvp {res['sens_customjvp_grad_over_fwd']:.2f}x "
        f"(compile {res['sens_customjvp_grad_compile_s']:.2f} s); reverse mode through diffrax, same batch "
        f"{fx('rev_full_over_fwd', '.2f', 'x')} (compile {fx('rev_full_compile_s', '.2f', ' s')}); "
        "d Y/d Gamma agreement "
        f"{fx('sens_vs_rev_max_rel', '.1e')}.",
        "",
        f"Stiff mixed batch with inverse decays ({n_stiff} points, Y0/Y_eq in [1e-6, 1e6], Gamma in "
        f"[1e-22, 1e-10] GeV, Kvaerno5): failures {res['stiff_failures']} (LSODA subset failures "
        f"{res['stiff_lsoda_failures']}, failures where LSODA succeeds {res['stiff_fail_where_lsoda_ok']}); "
        f"max rel diff vs LSODA {res['stiff_max_rel_diff_vs_lsoda']:.1e}; lockstep waste: whole vmap "
        f"{res['stiff_waste_whole_vmap']:.2f}x, stiffness-bucketed ({bucket}) {res['stiff_waste_bucketed']:.2f}x "
        f"(oracle sort {res['stiff_waste_oracle_sorted']:.2f}x); wall {res['stiff_whole_vmap_s']:.2f} s -> "
        f"{res['stiff_bucketed_s']:.2f} s; compile {res['stiff_compile_s']:.1f} s.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    _common.cli(main)
