"""The default chains and engines against their previous defaults, in one run: points/s, compile, gradient/forward.

Rows (each pair measured in the same process, same random points, same N):

* ``solve_freezeout`` (standard freeze-out, tabulated g_*): ``method="auto"`` (fixed-grid Rosenbrock + exact tail)
  vs ``method="adaptive"`` (the diffrax reference, the previous default); external baseline micrOMEGAs 6,
  0.2-0.8 ms per point = 6.7e3 points/s on 2 cores (figure quoted, not run here).
* Hall chain, default settings (tabulated g_*): the precomputed freeze-in/heating tables vs ``n_nodes=384`` (the
  previous default) and vs constant g_*.
* Ardu chain, default settings (Boltzmann washout): ``solver="collocation"`` vs ``solver="kvaerno5"`` (previous).

Usage: ``python experiments/benchmarks/bench_defaults.py [--n 4096] [--out DIR]``; writes ``bench_defaults.json``
and ``bench_defaults.md`` to DIR (default: experiments/benchmarks/results/<host>/bench_defaults/). Timings are
medians (``_timing.py``); on a machine shared with other work they are marked "under load" by the caller.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import platform
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

MICROMEGAS_POINTS_PER_S = 6.7e3  # micrOMEGAs 6 darkOmegaExt, 0.2-0.8 ms per point, 2 cores (quoted)


def _time(fn, *args, repeats: int = 5):
    t0 = time.perf_counter()
    compiled = jax.jit(fn).lower(*args).compile()
    t_compile = time.perf_counter() - t0
    jax.block_until_ready(compiled(*args))
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(compiled(*args))
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), t_compile


def _row(name, fwd, grad, args, n):
    t_f, c_f = _time(fwd, *args)
    row = {"name": name, "n": n, "points_per_s": n / t_f, "compile_s": c_f}
    if grad is not None:
        t_g, c_g = _time(grad, *args)
        row.update(grad_over_fwd=t_g / t_f, grad_compile_s=c_g)
    print(json.dumps(row), flush=True)
    return row


def freezeout_rows(n):
    from jaxgen import freezeout as fo

    rng = np.random.default_rng(0)
    m = jnp.asarray(10 ** rng.uniform(0, 4, n))
    a = jnp.asarray(10 ** rng.uniform(-10, -8, n))
    p = fo.FreezeOutParams.batch(m=m, a=a, b=0.0, g=2.0)
    rows = []
    for method in ("auto", "adaptive"):
        s = fo.FreezeOutSettings(method=method)

        def fwd(q, s=s):
            return jax.vmap(lambda r: fo.solve_freezeout(r, settings=s))(q)

        def grad(q, s=s):
            return jax.vmap(jax.grad(lambda r: jnp.log(fo.solve_freezeout(r, settings=s).y_inf)))(q)

        rows.append(_row(f"solve_freezeout method={method}", fwd, grad, (p,), n))
    return rows


def hall_rows(n):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from bench_chains import HALL_GRAD_EXCLUDE, all_outputs_scalar, hall_params

    from jaxgen.scenarios import hall as H

    p = hall_params(n)
    rows = []
    for label, kw in (
        ("tables (default)", {}),
        ("n_nodes=384 (previous default)", {"n_nodes": 384}),
        ("constant g_*", {"table": "constant"}),
    ):
        s = H.HallSettings(**kw)

        def fwd(q, s=s):
            return jax.vmap(lambda r: H.asymmetric_freezein(r, s))(q)  # every output (no dead code)

        def grad(q, s=s):
            return jax.vmap(jax.grad(lambda r: all_outputs_scalar(H.asymmetric_freezein(r, s), HALL_GRAD_EXCLUDE)))(q)

        rows.append(_row(f"Hall chain, {label}", fwd, grad, (p,), n))
    return rows


def ardu_rows(n):
    from bench_chains import all_outputs_scalar, ardu_params

    from jaxgen.scenarios import ardu as A

    p = ardu_params(n)
    rows = []
    for solver in ("collocation", "kvaerno5"):
        s = A.ArduSettings(solver=solver)

        def fwd(q, s=s):
            return jax.vmap(lambda r: A.rsymmetric_adm(r, s))(q)  # every output

        def grad(q, s=s):
            return jax.vmap(jax.grad(lambda r: all_outputs_scalar(A.rsymmetric_adm(r, s))))(q)

        rows.append(_row(f"Ardu chain, solver={solver}", fwd, grad, (p,), n))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--n-ardu", type=int, default=1024, help="N of the Ardu rows (the kvaerno5 reference is slow)")
    ap.add_argument("--out", type=pathlib.Path, default=None)
    ap.add_argument("--note", default="", help="e.g. 'under load'")
    args = ap.parse_args(argv)
    rows = freezeout_rows(args.n) + hall_rows(args.n) + ardu_rows(args.n_ardu)
    out = args.out or pathlib.Path(__file__).parent / "results" / platform.node() / "bench_defaults"
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "machine": platform.platform(),
        "cpus": __import__("os").cpu_count(),
        "jax": jax.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "note": args.note,
    }
    (out / "bench_defaults.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    lines = [
        f"# Default chains vs previous defaults ({meta['date']}, {meta['cpus']} CPUs, jax {meta['jax']}"
        + (f", {args.note}" if args.note else "")
        + ")",
        "",
        "| row | N | points/s | compile [s] | gradient/forward | gradient compile [s] |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['n']} | {r['points_per_s']:.3g} | {r['compile_s']:.2f} | "
            f"{r.get('grad_over_fwd', math.nan):.2f} | {r.get('grad_compile_s', math.nan):.2f} |"
        )
    fo_auto = rows[0]["points_per_s"]
    lines += [
        "",
        f"solve_freezeout default / adaptive: {fo_auto / rows[1]['points_per_s']:.1f}x; "
        f"/ micrOMEGAs 6 (6.7e3 points/s, quoted): {fo_auto / MICROMEGAS_POINTS_PER_S:.1f}x",
        f"Hall default / previous default: {rows[2]['points_per_s'] / rows[3]['points_per_s']:.1f}x",
        f"Ardu default / previous default: {rows[5]['points_per_s'] / rows[6]['points_per_s']:.1f}x",
    ]
    (out / "bench_defaults.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
