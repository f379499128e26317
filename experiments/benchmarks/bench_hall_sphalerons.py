"""Throughput of the Hall chain with the default sphaleron-timed eta_B against the paper's instantaneous conversion
(issue 15 performance target: >= 1e5 points/s on 2 cores, compile <= 5 s, gradient/forward <= 2.5x).

Configs (``experiments/benchmarks/bench_chains.py``'s random points, forward = every output, gradient = reverse mode
of the sum of every output but symmetric_fraction wrt every field, per point, vmapped):
``default_timed`` (HallSettings()), ``instantaneous`` (HallSettings(sphalerons="instantaneous")) and
``timed_stub`` (the default with ``sphaleron_timing`` replaced by a trivial function: what the chain costs without
the sphaleron path). The compiled functions are timed interleaved (best of 5 rounds) so that a shared machine's load
affects all three alike; report ``uptime`` with the numbers.

Usage: python experiments/benchmarks/bench_hall_sphalerons.py [N ...]   (default N = 1000 10000)
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import bench_chains as bc  # noqa: E402
import jax.numpy as jnp  # noqa: E402

from jaxgen.scenarios import hall as hall_module  # noqa: E402

bc.HALL_CONFIGS["default_timed"] = (dict(), None)
bc.HALL_CONFIGS["instantaneous"] = (dict(sphalerons="instantaneous"), None)


def _stub(mass, width, dof, eps, *args, **kwargs):
    return jnp.sum(eps * width), jnp.sum(eps * width)


def measure(n: int) -> list[dict]:
    p = bc.hall_params(n)
    comps = {}
    real = hall_module.sphaleron_timing
    for cfg, name in (
        ("default_timed", "default_timed"),
        ("instantaneous", "instantaneous"),
        ("default_timed", "timed_stub"),
    ):
        if name == "timed_stub":
            hall_module.sphaleron_timing = _stub  # the chain module's reference, restored below
        try:
            fwd, grad = bc._hall_fns(cfg)
            for kind, f in (("fwd", fwd), ("grad", grad)):
                t0 = time.perf_counter()
                c = jax.jit(f).lower(p).compile()
                comps[(name, kind)] = (c, time.perf_counter() - t0)
                jax.block_until_ready(c(p))
        finally:
            hall_module.sphaleron_timing = real
    best = dict.fromkeys(comps, float("inf"))
    for _ in range(5):
        for k, (c, _) in comps.items():
            t0 = time.perf_counter()
            jax.block_until_ready(c(p))
            best[k] = min(best[k], time.perf_counter() - t0)
    rows = []
    for name in ("default_timed", "instantaneous", "timed_stub"):
        f, g = best[(name, "fwd")], best[(name, "grad")]
        rows.append(
            dict(
                config=name,
                n=n,
                forward_points_per_s=round(n / f),
                grad_points_per_s=round(n / g),
                grad_over_forward=round(g / f, 2),
                compile_forward_s=round(comps[(name, "fwd")][1], 1),
                compile_grad_s=round(comps[(name, "grad")][1], 1),
                load_1min=round(os.getloadavg()[0], 2),
            )
        )
    return rows


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [1000, 10000]:
        for row in measure(n):
            print(row, flush=True)
