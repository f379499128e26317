"""Benchmark: the structure-exploiting fast paths against the paths they replace, in the SAME run (ratios).

Pairs (old -> new), tabulated Saikawa-Shirai g_*(T), MB statistics, float64:

* freeze-in without inverse decays: ``freezein_quadrature`` (384 Gauss-Legendre nodes, g_* at every node) ->
  ``freezein_table`` (precomputed ln-m convolution, one spline lookup per species);
* hidden-sector heating integral of the Hall chain: 384-node sum -> ``hidden_energy_integral`` (table);
* freeze-in with inverse decays: ``solve_freezein`` Kvaerno5 (rtol = atol_rel = 1e-8, the Hall chain's settings) ->
  ``solve_freezein(solver="collocation")`` (fixed-grid Radau IIA, 320 nodes);
* Ardu washout: ``washout_factor`` Kvaerno5 (rtol 1e-7, atol 1e-9, the Ardu chain's settings) ->
  ``washout_factor(solver="collocation")`` (56 Radau IIA panels on a grid adapted to the freeze-out).

For each: points/s at N = 1e3..1e5 (the diffrax paths up to ``n_max_ode``), compile time (lower().compile(), timed
apart), gradient/forward (batched reverse mode, jax.grad of the sum of the outputs, compile and run), and the max
relative difference new vs old. Other processes may share the CPU: the results are marked "under load".
"""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import _common
import _timing


def _rate(fn, args, n):
    t = _timing.time_jax(fn, *args)
    return t, n / t["run_s"]


def main(
    out: pathlib.Path,
    n_list=(1_000, 10_000, 100_000),
    n_max_ode: int = 1_000,
    n_max_grid: int = 10_000,
    n_grad: int = 1_000,
    under_load: bool = True,
) -> str:
    """``n_max_ode``: largest N of the diffrax paths (old inverse decays, old washout); ``n_max_grid``: largest N of
    their collocation replacements; the table paths run at every N of ``n_list``."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from jaxgen import _freezein_tables as ft
    from jaxgen import freezein as fi
    from jaxgen import washout as wo
    from jaxgen.cosmology import Cosmology

    cos = Cosmology()
    rng = np.random.default_rng(0)
    n_big = max(n_list)
    masses = 10 ** rng.uniform(1, 4, n_big)
    widths = 10 ** rng.uniform(-22, -12, n_big)
    m_x = masses * 10 ** rng.uniform(-3, -1, n_big)
    s_q = fi.FreezeInSettings(compute_x_half=False, n_nodes=384)
    s_id_old = fi.FreezeInSettings(inverse_decays=True, compute_x_half=False, rtol=1e-8, atol_rel=1e-8)
    s_id_new = fi.FreezeInSettings(inverse_decays=True, compute_x_half=False, solver="collocation")

    def params(n):
        return fi.FreezeInParams.batch(
            mass=masses[:n, None],
            width=widths[:n, None],
            dof=2.0,
            eps=1e-2,
            m_x=m_x[:n],
            g_x=2.0,
            temperature_ratio=1.0,
        )

    def wparams(n):
        return wo.WashoutParams.batch(m_nlsp=masses[:n] * 10, m_majorana=10 ** rng.uniform(-12, 4, n))

    def fq(p):
        r = jax.vmap(lambda q: fi.freezein_quadrature(q, cos, s_q))(p)
        return r.yield_x, r.eta_x

    def ft_(p):
        r = jax.vmap(lambda q: fi.freezein_table(q, cos, s_q))(p)
        return r.yield_x, r.eta_x

    t_nodes, w_nodes, k_nodes = (jnp.asarray(a) for a in ft._node_rule("energy", "mb", 384, -8.0, 4.2))

    def he_old(m):
        temps = m[:, None] * jnp.exp(-t_nodes)
        return (k_nodes * ft._factor_jax("energy", cos, temps)) @ w_nodes

    def he_new(m):
        return ft.hidden_energy_integral(m, cos)

    def id_old(p):
        r = jax.vmap(lambda q: fi.solve_freezein(q, cos, s_id_old))(p)
        return r.yield_x, r.eta_x

    def id_new(p):
        r = jax.vmap(lambda q: fi.solve_freezein(q, cos, s_id_new))(p)
        return r.yield_x, r.eta_x

    def wo_old(p):
        return jax.vmap(lambda q: wo.washout_factor(q, cos))(p).epsilon

    def wo_new(p):
        return jax.vmap(lambda q: wo.washout_factor(q, cos, solver="collocation"))(p).epsilon

    def grad_of(fn, arg_of):
        def total(x):
            return sum(jnp.sum(o) for o in jax.tree_util.tree_leaves(fn(arg_of(x))))

        return jax.grad(total)

    pairs = {
        "freezein": (fq, ft_, params, lambda n: n_big),
        "heating": (he_old, he_new, lambda n: jnp.asarray(masses[:n]), lambda n: n_big),
        "inverse_decays": (id_old, id_new, params, lambda n: n_max_ode),
        "washout": (wo_old, wo_new, wparams, lambda n: n_max_ode),
    }
    res: dict = {"under_load": under_load}
    rows = []
    for name, (old, new, mk, nmax) in pairs.items():
        for n in n_list:
            if name in ("inverse_decays", "washout") and n > n_max_grid:
                continue
            entry = {}
            arg = mk(n)
            t_new, r_new = _rate(new, (arg,), n)
            entry.update(new_points_per_s=r_new, new_compile_s=t_new["compile_s"])
            if n <= nmax(n):
                t_old, r_old = _rate(old, (arg,), n)
                o_new = np.concatenate([np.ravel(a) for a in jax.tree_util.tree_leaves(t_new["out"])])
                o_old = np.concatenate([np.ravel(a) for a in jax.tree_util.tree_leaves(t_old["out"])])
                okm = (o_old != 0) & np.isfinite(o_old)
                entry.update(
                    old_points_per_s=r_old,
                    old_compile_s=t_old["compile_s"],
                    speedup=r_new / r_old,
                    max_rel_diff=float(np.max(np.abs(o_new[okm] / o_old[okm] - 1))),
                )
            res[f"{name}_n{n}"] = entry
            rows.append((name, n, entry))
        # gradient / forward at n_grad (reverse mode of the sum of the outputs, w.r.t. the batched inputs)
        arg = mk(n_grad)
        for which, fn in (("old", old), ("new", new)):
            fwd = _timing.time_jax(fn, arg)
            grd = _timing.time_jax(grad_of(fn, lambda x: x), arg)
            res[f"{name}_{which}_grad_over_fwd"] = grd["run_s"] / fwd["run_s"]
            res[f"{name}_{which}_grad_compile_s"] = grd["compile_s"]

    _common.write_record(
        out,
        "bench_fast_solvers",
        {
            "n_list": list(n_list),
            "n_max_ode": n_max_ode,
            "n_max_grid": n_max_grid,
            "n_grad": n_grad,
            "under_load": under_load,
            "repeats": _timing.REPEATS,
        },
        res,
    )
    load = " (under load: other processes shared the CPU)" if under_load else ""
    lines = [
        "## Fast solvers: precomputed convolutions and fixed-grid collocation vs the adaptive/node paths" + load,
        "",
        f"Saikawa-Shirai g_*(T), MB, float64. Median of >= {_timing.REPEATS} runs after a warm-up call; compile "
        "(lower().compile()) timed apart. Old and new measured in the same run.",
        "",
        "| path | N | old points/s | new points/s | speed-up | old compile [s] | new compile [s] | max rel diff |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, n, e in rows:
        if "old_points_per_s" in e:
            lines.append(
                f"| {name} | {n} | {e['old_points_per_s']:.3g} | {e['new_points_per_s']:.3g} | "
                f"{e['speedup']:.1f} | {e['old_compile_s']:.2f} | {e['new_compile_s']:.2f} | "
                f"{e['max_rel_diff']:.1e} |"
            )
        else:
            lines.append(f"| {name} | {n} | - | {e['new_points_per_s']:.3g} | - | - | {e['new_compile_s']:.2f} | - |")
    lines += ["", f"Gradient/forward (reverse mode, N = {n_grad}):"]
    for name in pairs:
        lines.append(
            f"- {name}: old {res[f'{name}_old_grad_over_fwd']:.2f}x (compile "
            f"{res[f'{name}_old_grad_compile_s']:.2f} s), new {res[f'{name}_new_grad_over_fwd']:.2f}x "
            f"(compile {res[f'{name}_new_grad_compile_s']:.2f} s)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    _common.cli(main)
