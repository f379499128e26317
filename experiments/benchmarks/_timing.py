"""Shared timing helpers of the benchmark suite: compile timed apart from run, medians of repeated runs.

Every benchmark times JAX work the same way (issue 8):

* compile: ``jax.jit(f).lower(*args).compile()``, timed on its own (tracing + lowering + XLA compile);
* run: one warm-up call of the compiled executable, then the median of ``repeats`` (>= 5) calls, each wrapped in
  ``jax.block_until_ready`` so that asynchronous dispatch never hides work;
* host baselines (numpy/scipy/sympy loops): the median of ``repeats`` calls of the whole loop.

Memory: :func:`memory_analysis` reads XLA's ``compiled.memory_analysis()`` (argument, output and temporary buffer
bytes of one call; on CPU the process heap, on GPU device memory) and :func:`peak_rss_mb` the process high-water mark.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

REPEATS = 5  # the minimum number of timed runs behind every median (issue 8)


def median(xs) -> float:
    return float(statistics.median(xs))


def compile_jit(fn: Callable, *args, **jit_kwargs):
    """(compiled executable, compile seconds) of ``jax.jit(fn, **jit_kwargs)`` (or of ``fn`` if already jitted)."""
    import jax

    jitted = fn if (hasattr(fn, "lower") and not jit_kwargs) else jax.jit(fn, **jit_kwargs)
    t0 = time.perf_counter()
    compiled = jitted.lower(*args).compile()
    return compiled, time.perf_counter() - t0


def run_median(compiled: Callable, *args, repeats: int = REPEATS, warmup: int = 1):
    """(median seconds, list of run seconds, output of the first call) of ``compiled(*args)``, block_until_ready."""
    import jax

    out = None
    for _ in range(max(warmup, 0)):
        out = jax.block_until_ready(compiled(*args))
    runs = []
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        r = jax.block_until_ready(compiled(*args))
        runs.append(time.perf_counter() - t0)
        if out is None:
            out = r
    return median(runs), runs, out


def time_jax(
    fn: Callable, *args, repeats: int = REPEATS, warmup: int = 1, memory: bool = False, **jit_kwargs
) -> dict[str, Any]:
    """Compile ``jax.jit(fn)`` for ``args`` and time it.

    Returns a dict: ``compile_s``; ``run_s`` (median of ``repeats`` runs after ``warmup`` calls); ``runs``;
    ``out`` (the result of the first call, for accuracy checks); ``memory`` (:func:`memory_analysis`, if asked).
    """
    compiled, t_compile = compile_jit(fn, *args, **jit_kwargs)
    t_run, runs, out = run_median(compiled, *args, repeats=repeats, warmup=warmup)
    res = {"compile_s": t_compile, "run_s": t_run, "runs": runs, "out": out}
    if memory:
        res["memory"] = memory_analysis(compiled)
    return res


def time_host(fn: Callable, *args, repeats: int = REPEATS) -> dict[str, Any]:
    """Median wall time of ``fn(*args)`` (a host baseline: numpy/scipy/sympy); ``out`` is the first result."""
    runs, out = [], None
    for i in range(max(repeats, 1)):
        t0 = time.perf_counter()
        r = fn(*args)
        runs.append(time.perf_counter() - t0)
        if i == 0:
            out = r
    return {"run_s": median(runs), "runs": runs, "out": out}


def memory_analysis(compiled) -> dict[str, Any]:
    """XLA's buffer sizes of one call of a compiled executable, in bytes (None where the backend reports none)."""
    try:
        m = compiled.memory_analysis()
    except Exception:  # pragma: no cover - backend without memory stats
        m = None
    if m is None:
        return {"argument_bytes": None, "output_bytes": None, "temp_bytes": None, "total_bytes": None}
    arg, out, tmp = (int(getattr(m, f"{k}_size_in_bytes", 0) or 0) for k in ("argument", "output", "temp"))
    alias = int(getattr(m, "alias_size_in_bytes", 0) or 0)
    return {
        "argument_bytes": arg,
        "output_bytes": out,
        "temp_bytes": tmp,
        "alias_bytes": alias,
        "total_bytes": arg + out + tmp - alias,
        "peak_bytes": int(getattr(m, "peak_memory_in_bytes", 0) or 0) or None,
    }


def peak_rss_mb() -> float:
    """High-water mark of this process's resident memory [MB] (includes every earlier benchmark of the process)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 / 1024 if sys.platform == "darwin" else r / 1024


def current_rss_mb() -> float | None:
    """Current resident memory [MB] (Linux /proc; None elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except Exception:
        return None


def strip(d: dict) -> dict:
    """A timing dict without the bulky ``out``/``runs`` entries (for JSON records)."""
    return {k: v for k, v in d.items() if k not in ("out", "runs")}


def time_host_blocks(fn_point: Callable, items, blocks: int = REPEATS) -> dict[str, Any]:
    """A per-point host loop too slow to repeat whole: split ``items`` into ``blocks`` (>= 5) consecutive blocks,
    time each block, and report the median per-block rate.

    Returns ``points_per_s`` (median over blocks of points/seconds), ``run_s`` (len(items) / points_per_s, the
    equivalent loop time), ``block_rates`` and ``out`` (the list of every point's result, in order).
    """
    items = list(items)
    blocks = max(1, min(blocks, len(items)))
    bounds = [round(i * len(items) / blocks) for i in range(blocks + 1)]
    out, rates = [], []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        t0 = time.perf_counter()
        part = [fn_point(x) for x in items[lo:hi]]
        rates.append((hi - lo) / (time.perf_counter() - t0))
        out.extend(part)
    rate = median(rates)
    return {"points_per_s": rate, "run_s": len(items) / rate, "block_rates": rates, "out": out}
