"""Allowed LOSP decay length against eps: a Sobol sweep of the asymmetric freeze-in chain (Hall, March-Russell,
West 2010, Sec. 4.1, eq. 4.2 and the discussion after it), with its performance measurements.

Chain: :func:`jaxgen.scenarios.hall.asymmetric_freezein` with ``HallSettings(table="constant", g_star=100.0,
sphalerons="instantaneous")`` (eta_B = -c eta_X, HMW eqs. 1.3, 3.1)
(constant g_* = 100 is HMW's own convention in eqs. 4.1-4.2), one decaying state a (g_a = 2, r = 1, MB
statistics, the LOSP's own eps = 0 freeze-in included), evaluated by :func:`jaxgen.sweep.run_sweep`.

Swept (scrambled Sobol, seed 2010), all other fields at ``HallParams`` defaults:

=============  ==========================  ======  ===============================================================
axis           range                       scale   meaning
=============  ==========================  ======  ===============================================================
lam            [1e-11, 1e-6]               log     inter-sector coupling, Gamma_LOSP = lam^2 m_LOSP/(8 pi)
eps0           [1e-6, 0.1]                 log     eps0_a of HMW eq. (2.7) (0.1 = the paper's maximal value)
phase          [-pi, pi] rad               linear  phi_a, eps_a = eps0 alpha_w sin(phi_a) (eq. 2.7)
m_losp         [50, 2000] GeV              log     LOSP mass
mass_ratio     [1.1, 10]                   log     m_a/m_LOSP (the decaying state is heavier than the LOSP)
b_over_bml     [0.079, 0.606]              linear  c in B = c (B - L), HMW Sec. 3 range (eqs. 3.1-3.4)
=============  ==========================  ======  ===============================================================

m_X: Omega_X/Omega_b = m_X/(|c| m_p) is independent of the freeze-in details (item 5 of the :mod:`jaxgen.scenarios.hall` docstring), so the
m_X that gives the observed Omega_DM/Omega_b (Planck 2018) is known before the chain runs:
m_X = m_x_required = |c| m_p (Omega_DM/Omega_b). The point function sets it so (one pass, by construction; no
second pass is needed, and m_x_required == m_x is checked on every valid point). Then Omega_X h^2 = Omega_DM h^2
exactly when eta_B = Y_B, and the decay length of a point whose eta_B matches is its ``decay_length_relic``.

"Allowed" points: ``status == 0`` (valid evaluation), eta_B within +-5 % of the Planck 2018 baryon yield
(:attr:`jaxgen.constants.PLANCK_2018.baryon_yield`, signed: the wrong sign is excluded), not thermalised and
symmetric part annihilated (``flags`` without STATUS_THERMALIZED, STATUS_SYMMETRIC_SURVIVES, STATUS_NO_ASYMMETRY,
STATUS_SPECTRUM). STATUS_FREEZEOUT_BEFORE_DECAY (HMW Sec. 5.3) is counted but not required.

The figure: lab decay length at beta gamma = 1 (proper c tau [m]) against |eps_a|; all valid points as a grey 2D
histogram, allowed points coloured by m_LOSP, the derived eq. (4.2) (:func:`jaxgen.signatures.losp_decay_length`)
and the printed one (:func:`jaxgen.signatures.hall_eq_4_2` at gamma = 1) overlaid, and LHC decay-length bands. A
second panel rescales L by (m_LOSP m_a/(100 GeV)^2)(1 GeV/m_X), which collapses the allowed points onto eq. (4.2).

Measured (written into the Markdown and the JSON record): points/s of ``run_sweep`` in memory and with NetCDF
output, compile time, peak resident memory (VmHWM of /proc/self/status, in a fresh subprocess per chunk size, NetCDF
output: memory bounded by the chunk size; not ``ru_maxrss``, which Linux carries over from the parent process across
fork + exec, so a child of the report process would report the report's peak), a plain ``jit(vmap)`` over the same chunks (the sharding/engine
overhead), status/flag counts, the NaN count, and the default tabulated-g_* settings on a 1e4 subset (throughput and
agreement with constant g_* = 100).

The report runs N = 2^17 points (< 60 s on 2 CPU cores); ``experiments/sweeps/hall_decay_length.py`` runs the same
code with N = 2^20 (~1e6). Run alone: ``python -m jaxgen.reproduce.hall_sweep --out DIR [--n N]``.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from . import _common

N_REPORT = 2**17
N_FULL = 2**20
SEED = 2010
ETA_B_TOL = 0.05
N_GSTAR_SUBSET = 10_000
CHUNK = 65_536
MEM_CHUNKS = (8_192, 131_072)

#: (path, low, high, log, units) of the swept axes.
AXES = (
    ("lam", 1e-11, 1e-6, True, "1"),
    ("eps0", 1e-6, 0.1, True, "1"),
    ("phase", -math.pi, math.pi, False, "rad"),
    ("m_losp", 50.0, 2000.0, True, "GeV"),
    ("mass_ratio", 1.1, 10.0, True, "1"),
    ("b_over_bml", 0.079, 0.606, False, "1"),
)

UNITS = {
    "yield_fi": "1",
    "eta_x": "1",
    "eta_b": "1",
    "epsilon": "1",
    "omega_x_h2": "1",
    "omega_b_h2": "1",
    "dm_to_baryon": "1",
    "m_x_required": "GeV",
    "decay_length": "m",
    "losp_lifetime": "s",
    "decay_length_relic": "m",
    "tau_psi_lhu": "s",
    "tau_psi_xudd": "s",
    "t_ratio_fi": "1",
    "t_vis_decay": "GeV",
    "t_x_decay": "GeV",
    "t_x_fo": "GeV",
    "hidden_freezeout_running": "1",
    "thermalization_ratio": "1",
    "symmetric_fraction": "1",
}


def _point_class():
    import equinox as eqx
    import jax

    class HallSweepPoint(eqx.Module):
        """One sweep point (scalars): lam, eps0, phase [rad], m_losp [GeV], mass_ratio = m_a/m_LOSP, b_over_bml."""

        lam: jax.Array
        eps0: jax.Array
        phase: jax.Array
        m_losp: jax.Array
        mass_ratio: jax.Array
        b_over_bml: jax.Array

    return HallSweepPoint


def make_design(n: int, seed: int = SEED):
    """The Sobol design over :data:`AXES` (base point: the chain's benchmark values)."""
    import jax.numpy as jnp

    from jaxgen.sweep import Axis, sobol_design

    base = _point_class()(
        lam=jnp.asarray(2.489e-9),
        eps0=jnp.asarray(0.01),
        phase=jnp.asarray(-math.pi / 30),
        m_losp=jnp.asarray(100.0),
        mass_ratio=jnp.asarray(3.0),
        b_over_bml=jnp.asarray(28 / 79),
    )
    axes = [Axis(p, lo, hi, log=lg, units=u) for p, lo, hi, lg, u in AXES]
    return sobol_design(base, axes, n=int(n), seed=seed)


def make_settings(tabulated: bool = False):
    """Constant g_* = 100 (HMW's convention; the sweep), or the default tabulated Saikawa-Shirai g_*(T). Both with
    the paper's instantaneous sphalerons (HMW eqs. 1.3, 3.1: eta_B = -c eta_X; the library default is "timed"), so
    that m_X = m_x_required = |c| m_p Omega_DM/Omega_b and the g_* comparison isolates g_*."""
    from jaxgen.scenarios.hall import HallSettings

    if tabulated:
        return HallSettings(sphalerons="instantaneous")
    return HallSettings(table="constant", g_star=100.0, sphalerons="instantaneous")


def make_point_fn(settings):
    """f(point) -> HallPrediction with m_a = mass_ratio m_LOSP and m_X = |c| m_p Omega_DM/Omega_b (m_x_required)."""
    import jax.numpy as jnp

    from jaxgen import constants as c
    from jaxgen.scenarios.hall import HallParams, asymmetric_freezein

    ratio = c.observed(settings.observed).dm_to_baryon

    def f(q):
        m_x = jnp.abs(q.b_over_bml) * c.M_PROTON * ratio
        p = HallParams(
            m_a=q.mass_ratio * q.m_losp,
            lam=q.lam,
            eps0=q.eps0,
            phase=q.phase,
            m_losp=q.m_losp,
            m_x=m_x,
            b_over_bml=q.b_over_bml,
        )
        return asymmetric_freezein(p, settings)

    return f


def _warm_imports() -> None:
    """Import what the timed loops use lazily (xarray + netCDF4 for the chunk files, scipy.stats.qmc for the Sobol
    design), so that one-off import costs (seconds) are not charged to a throughput."""
    import netCDF4  # noqa: F401
    import xarray  # noqa: F401
    from scipy.stats import qmc  # noqa: F401


def _ru_maxrss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)


def memory_probe(n: int, chunk_size: int, host_devices: int | None = None) -> dict:
    """In a FRESH subprocess: run_sweep of the first n points with NetCDF output (nothing kept in memory) at this
    chunk size; returns its points/s, compile time, resident memory after the imports and peak [MB] (the child's
    own VmRSS/VmHWM, :func:`jaxgen.reproduce._common.process_memory_mb`). ``host_devices``: run with
    ``XLA_FLAGS=--xla_force_host_platform_device_count=<k>`` (k virtual CPU devices: the sharded path)."""
    import os

    tmp = tempfile.mkdtemp(prefix="hall_sweep_mem_")
    env = dict(os.environ)
    if host_devices:
        env["XLA_FLAGS"] = env.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={host_devices}"
    try:
        cmd = [
            sys.executable,
            "-m",
            "jaxgen.reproduce.hall_sweep",
            "--memprobe",
            "--n",
            str(n),
            "--chunk",
            str(chunk_size),
            "--out",
            tmp,
        ]
        parent_ru = _ru_maxrss_mb()  # what the child's ru_maxrss starts from (inherited over fork + exec)
        res = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
        return {**json.loads(res.stdout.strip().splitlines()[-1]), "parent_ru_maxrss_mb_at_start": parent_ru}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _memprobe_main(n: int, chunk_size: int, out: pathlib.Path) -> None:
    from jaxgen.sweep import run_sweep

    _common.setup_jax()
    _warm_imports()
    m0 = _common.process_memory_mb()
    run = run_sweep(
        make_point_fn(make_settings()), make_design(n), chunk_size=chunk_size, out=out / "nc", quiet=True, units=UNITS
    )
    m1 = _common.process_memory_mb()
    print(
        json.dumps(
            {
                "chunk_size": chunk_size,
                "n": n,
                "n_devices": run.n_devices,
                "points_per_s": run.points_per_s,
                "compile_s": run.compile_s,
                "run_s": run.run_s,
                "rss_after_import_mb": m0["current"],
                "peak_rss_mb": m1["peak"],
                "memory_source": m1["source"],
                "ru_maxrss_mb_inherited": _ru_maxrss_mb(),
            }
        )
    )


def plain_vmap_rate(f, design, chunk_size: int) -> dict:
    """A plain ``jit(vmap(f))`` (no sharding, no engine) over the same chunks, host values pre-generated: points/s
    of the compute alone, plus the time to generate the Sobol values on the host."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    names = [a.path for a in design.axes]
    cls = type(design.base)

    @jax.jit
    def chunk(v):
        return jax.vmap(lambda row: f(cls(**{k: row[j] for j, k in enumerate(names)})))(v)

    n = design.n_points
    t0 = time.perf_counter()
    vals = design.values(0, n)
    t_design = time.perf_counter() - t0
    n_chunks = -(-n // chunk_size)
    pad = np.concatenate([vals, np.repeat(vals[-1:], n_chunks * chunk_size - n, axis=0)])
    t0 = time.perf_counter()
    compiled = chunk.lower(jnp.asarray(pad[:chunk_size])).compile()
    t_compile = time.perf_counter() - t0
    jax.block_until_ready(compiled(jnp.asarray(pad[:chunk_size])))  # warm-up (first execution), not timed
    t0 = time.perf_counter()
    outs = [compiled(jnp.asarray(pad[i * chunk_size : (i + 1) * chunk_size])) for i in range(n_chunks)]
    jax.block_until_ready(outs)
    t_run = time.perf_counter() - t0
    eta_b = np.concatenate([np.asarray(o.eta_b) for o in outs])[:n]
    return {
        "points_per_s": n / t_run,
        "run_s": t_run,
        "compile_s": t_compile,
        "design_s": t_design,
        "design_points_per_s": n / t_design,
        "eta_b": eta_b,
    }


def analyse(ds) -> dict:
    """Allowed mask, status/flag counts, NaN count and the eq. (4.2) consistency checks of a sweep Dataset."""
    import numpy as np

    from jaxgen import constants as c
    from jaxgen import signatures as sg
    from jaxgen.scenarios import hall as sh

    g = {k: np.asarray(ds[k].values) for k in ds.data_vars}
    status, flags, ok = g["status"], g["flags"], g["ok"].astype(bool)
    valid = (status == 0) & ok
    floats = [v for v in g.values() if np.issubdtype(v.dtype, np.floating)]
    n_nan = int(sum(np.isnan(v).sum() for v in floats))
    n_nonfinite = int(sum((~np.isfinite(v)).sum() for v in floats))
    y_b = c.PLANCK_2018.baryon_yield
    eta_ok = np.abs(g["eta_b"] / y_b - 1.0) < ETA_B_TOL
    bad_flags = sh.STATUS_THERMALIZED | sh.STATUS_SYMMETRIC_SURVIVES | sh.STATUS_NO_ASYMMETRY | sh.STATUS_SPECTRUM
    allowed = valid & eta_ok & ((flags & bad_flags) == 0)
    eps = np.abs(g["epsilon"].reshape(len(status), -1)[:, 0])
    m_losp, m_a = g["m_losp"], g["m_losp"] * g["mass_ratio"]
    m_x = np.abs(g["b_over_bml"]) * c.M_PROTON * c.PLANCK_2018.dm_to_baryon
    # derived eq. (4.2) for each point (one state, g_a = 2, r = 1, f = 0, g_* = 100, c tau)
    derived = np.asarray(sg.losp_decay_length(np.where(eps > 0, eps, 1.0), m_x, m_a, m_losp))
    sel = valid & (eps > 0)
    rel42 = g["decay_length_relic"][sel] / derived[sel] - 1.0
    rel_allowed = g["decay_length"][allowed] / g["decay_length_relic"][allowed] - 1.0
    mx_check = float(np.max(np.abs(g["m_x_required"][valid] / m_x[valid] - 1.0))) if valid.any() else float("nan")
    # every bit the chain defines (read from the module: new bits are counted too), errors from status, diagnostics
    # from flags
    bits = {
        name: int(((status if bit & sh.STATUS_ERROR_MASK else flags) & bit != 0).sum())
        for name, bit in _common.status_bits(sh)
    }
    error_bits = [name for name, bit in _common.status_bits(sh) if bit & sh.STATUS_ERROR_MASK]
    diagnostic_bits = [name for name, bit in _common.status_bits(sh) if bit & sh.STATUS_DIAGNOSTIC_MASK]
    L = g["decay_length"][allowed]
    return {
        "n": int(len(status)),
        "n_valid": int(valid.sum()),
        "n_ok_mask": int(ok.sum()),
        "n_nan": n_nan,
        "n_nonfinite": n_nonfinite,
        "n_eta_b_within_tol": int((valid & eta_ok).sum()),
        "n_eta_b_wrong_sign": int((valid & (g["eta_b"] < 0)).sum()),
        "n_valid_sin_phase_positive": int((valid & (np.sin(g["phase"]) > 0)).sum()),
        "n_sin_phase_positive": int((np.sin(g["phase"]) > 0).sum()),
        "n_valid_eta_b_positive": int((valid & (g["eta_b"] > 0)).sum()),
        "n_allowed": int(allowed.sum()),
        "n_allowed_freezeout_before_decay": int((allowed & ((flags & sh.STATUS_FREEZEOUT_BEFORE_DECAY) != 0)).sum()),
        "bit_counts": bits,
        "error_bits": error_bits,
        "diagnostic_bits": diagnostic_bits,
        "max_rel_m_x_required_vs_m_x": mx_check,
        "eq42_relic_vs_derived_rel": [float(np.median(np.abs(rel42))), float(np.max(np.abs(rel42)))]
        if rel42.size
        else [float("nan")] * 2,
        "allowed_L_vs_relic_rel_max": float(np.max(np.abs(rel_allowed))) if rel_allowed.size else float("nan"),
        "allowed_eps_range": [float(eps[allowed].min()), float(eps[allowed].max())] if allowed.any() else None,
        "allowed_L_range_m": [float(L.min()), float(L.max())] if L.size else None,
        "allowed_L_fractions": {
            "<1mm": float(np.mean(L < 1e-3)) if L.size else 0.0,
            "1mm-1m": float(np.mean((L >= 1e-3) & (L < 1.0))) if L.size else 0.0,
            "1m-10m": float(np.mean((L >= 1.0) & (L < 10.0))) if L.size else 0.0,
            ">10m": float(np.mean(L >= 10.0)) if L.size else 0.0,
        },
        "_arrays": {
            "eps": eps,
            "L": g["decay_length"],
            "valid": valid,
            "allowed": allowed,
            "m_losp": m_losp,
            "m_a": m_a,
            "m_x": m_x,
        },
    }


def make_figure(res: dict, path: pathlib.Path, n: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import LogNorm

    from jaxgen import constants as c
    from jaxgen import signatures as sg
    from jaxgen.plotting import label_log_colorbar

    a = res["_arrays"]
    eps, L, valid, allowed = a["eps"], a["L"], a["valid"], a["allowed"]
    sel = valid & (eps > 0) & (L > 0)
    m_x_sm = 28 / 79 * c.M_PROTON * c.PLANCK_2018.dm_to_baryon
    e_line = np.logspace(-12, -2, 100)
    fig, axs = plt.subplots(1, 2, figsize=(13, 5.2))
    bands = [(1e-3, "1 mm"), (1.0, "1 m"), (10.0, "10 m")]
    for k, ax in enumerate(axs):
        if k == 0:
            xe, ye = np.logspace(-12, -2, 101), np.logspace(-8, 8, 101)
            h = ax.hist2d(eps[sel], L[sel], bins=[xe, ye], cmap="Greys", norm=LogNorm(), alpha=0.55)
            cb = fig.colorbar(h[3], ax=ax, pad=0.01)
            cb.set_label("valid points per bin (status 0)")
            counts = h[0][np.isfinite(h[0]) & (h[0] > 0)]
            if counts.size:
                label_log_colorbar(cb, counts.min(), counts.max())
            y_al = L[allowed]
            ylabel = r"LOSP proper decay length $c\tau$ [m]  ($\beta\gamma$ = 1)"
            for mm, ls in ((100.0, "-"), (2000.0, "--")):
                ax.loglog(
                    e_line,
                    np.asarray(sg.losp_decay_length(e_line, m_x_sm, 1.1 * mm, mm)),
                    "b" + ls,
                    lw=1.2,
                    label=rf"eq. (4.2) derived, $m_{{LOSP}}$ = {mm:g} GeV, $m_a$ = 1.1 $m_{{LOSP}}$, c = 28/79",
                )
        else:
            scale = (a["m_losp"] * a["m_a"] / 1e4) / a["m_x"]
            y_al = (L * scale)[allowed]
            ylabel = r"$c\tau\,(m_{LOSP} m_a/(100\,\mathrm{GeV})^2)\,(1\,\mathrm{GeV}/m_X)$ [m]"
            ax.loglog(
                e_line,
                np.asarray(sg.losp_decay_length(e_line, 1.0, 100.0, 100.0)),
                "b-",
                lw=1.5,
                label=r"eq. (4.2) derived: 3.64 m $(\epsilon_a/10^{-5})$",
            )
            ax.loglog(
                e_line,
                np.asarray(sg.hall_eq_4_2(e_line, 1.0, 100.0, 100.0, gamma=1.0)),
                "k:",
                lw=1.5,
                label=r"eq. (4.2) as printed, $\gamma$ = 1: 5 m $(\epsilon_a/10^{-5})$",
            )
        s = ax.scatter(
            eps[allowed],
            y_al,
            c=a["m_losp"][allowed],
            s=3,
            cmap="viridis",
            norm=LogNorm(50, 2000),
            zorder=3,
            label=f"allowed ({int(allowed.sum())} points)",
        )
        for y, lab in bands:
            ax.axhline(y, color="r", lw=0.7, ls="-.", zorder=2)
            ax.text(1.5e-12, y * 1.25, lab, color="r", fontsize=8)
        ax.axhspan(1e-3, 10.0, color="orange", alpha=0.08, zorder=0)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(1e-12, 1e-2)
        ax.set_ylim(1e-8, 1e8)
        ax.set_xlabel(r"$|\epsilon_a| = \epsilon_{0}\,\alpha_w\,|\sin\phi_a|$ (HMW eq. 2.7)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="major", alpha=0.25)
        ax.legend(fontsize=7, loc="upper left")
        if k == 1:
            cb = fig.colorbar(s, ax=ax, pad=0.01)
            cb.set_label(r"$m_{LOSP}$ [GeV] (allowed points)")
            label_log_colorbar(cb)
    axs[0].set_title(
        f"Hall et al. asym. freeze-in, {n} Sobol points, $g_*$ = 100: allowed = "
        rf"$\eta_B$ within {100 * ETA_B_TOL:.0f}%, $m_X$ = $m_X^{{req}}$",
        fontsize=9,
    )
    axs[1].set_title(
        "allowed points rescaled: collapse onto eq. (4.2); orange: 1 mm - 10 m (LHC displaced/in detector)", fontsize=9
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def gstar_comparison(n_sub: int, ds_const) -> dict:
    """Default tabulated-g_* settings on the first n_sub points: throughput of a jit(vmap) over them (compiled,
    one untimed warm-up call, best of two timed calls) and agreement with constant g_* = 100."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    design = make_design(n_sub)
    f = make_point_fn(make_settings(tabulated=True))
    cls, names = type(design.base), [a.path for a in design.axes]
    fn = jax.jit(jax.vmap(lambda row: f(cls(**{k: row[j] for j, k in enumerate(names)}))))
    v = jnp.asarray(design.values())
    t0 = time.perf_counter()
    compiled = fn.lower(v).compile()
    compile_s = time.perf_counter() - t0
    t = jax.block_until_ready(compiled(v))
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        t = jax.block_until_ready(compiled(v))
        times.append(time.perf_counter() - t0)
    t = jax.device_get(t)
    cst = {k: np.asarray(ds_const[k])[:n_sub] for k in ("status", "eta_b", "decay_length_relic", "flags")}
    both = (np.asarray(t.status) == 0) & (cst["status"] == 0) & (cst["eta_b"] != 0)
    r_eta = np.asarray(t.eta_b)[both] / cst["eta_b"][both]
    r_len = np.asarray(t.decay_length_relic)[both] / cst["decay_length_relic"][both]
    return {
        "n": n_sub,
        "points_per_s": n_sub / min(times),
        "compile_s": compile_s,
        "n_both_valid": int(both.sum()),
        "eta_b_ratio_tab_over_const": [float(np.min(r_eta)), float(np.median(r_eta)), float(np.max(r_eta))],
        "decay_length_relic_ratio": [float(np.min(r_len)), float(np.median(r_len)), float(np.max(r_len))],
        "flags_agree_fraction": float(np.mean(np.asarray(t.flags) == cst["flags"])),
    }


def main(
    out: pathlib.Path,
    n: int = N_REPORT,
    chunk: int = CHUNK,
    mem_chunks=MEM_CHUNKS,
    n_gstar: int = N_GSTAR_SUBSET,
    keep_netcdf: bool = False,
    sharded_probe: bool = False,
) -> str:
    """Run the sweep (n points), the measurements and the figure; write into ``out``; return the Markdown section.

    ``keep_netcdf``: keep the NetCDF sweep directory ``out/sweep_nc`` (the full experiment); otherwise it is
    written to a temporary directory (timed) and removed. ``sharded_probe``: also run the NetCDF sweep in a fresh
    process over 2 virtual CPU devices (``--xla_force_host_platform_device_count=2``) and 1 device, same chunk.
    """
    import numpy as np

    from jaxgen.sweep import load_sweep, run_sweep

    _common.setup_jax()
    _warm_imports()
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    settings = make_settings()
    f = make_point_fn(settings)
    design = make_design(n)
    chunk = int(chunk)

    # 1. peak memory per chunk size: fresh subprocesses (NetCDF output, nothing kept in memory)
    mem = [memory_probe(n, int(cs)) for cs in mem_chunks]
    shard = (
        {"1_device": memory_probe(n, chunk), "2_virtual_devices": memory_probe(n, chunk, host_devices=2)}
        if sharded_probe
        else None
    )

    # 2. plain jit(vmap) over the same chunks (the reference for the engine + sharding overhead); it runs first, so
    #    the one-off warm-up of the process (thread pools, first allocations) is not charged to run_sweep
    plain = plain_vmap_rate(f, design, chunk)

    # 3. run_sweep in memory
    run_mem = run_sweep(f, design, chunk_size=chunk, quiet=True, units=UNITS, description="hall_sweep")
    ds = run_mem.dataset
    plain_identical = bool(np.array_equal(plain.pop("eta_b"), np.asarray(ds["eta_b"])))

    # 4. run_sweep with NetCDF output (resumable); the loaded data must equal the in-memory data
    tmp = None
    if keep_netcdf:
        nc_dir = out / "sweep_nc"
        shutil.rmtree(nc_dir, ignore_errors=True)
    else:
        tmp = tempfile.mkdtemp(prefix="hall_sweep_nc_")
        nc_dir = pathlib.Path(tmp) / "sweep_nc"
    try:
        run_nc = run_sweep(f, design, chunk_size=chunk, out=nc_dir, quiet=True, units=UNITS, description="hall_sweep")
        ds_nc = load_sweep(nc_dir)
        nc_identical = all(np.array_equal(np.asarray(ds_nc[k]), np.asarray(ds[k])) for k in ds.data_vars)
        nc_bytes = sum(p.stat().st_size for p in nc_dir.iterdir())
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    # 5. analysis + figure
    res = analyse(ds)
    make_figure(res, out / "hall_sweep_decay_length.png", n)

    # 6. default tabulated g_* on a subset
    gst = gstar_comparison(min(n_gstar, n), ds)
    wall = time.perf_counter() - t_start

    import jax

    timing = {
        "n_devices": run_mem.n_devices,
        "devices": [str(d) for d in jax.local_devices()],
        "chunk_size": chunk,
        "in_memory": {"points_per_s": run_mem.points_per_s, "run_s": run_mem.run_s, "compile_s": run_mem.compile_s},
        "netcdf": {
            "points_per_s": run_nc.points_per_s,
            "run_s": run_nc.run_s,
            "compile_s": run_nc.compile_s,
            "bytes": nc_bytes,
            "identical_to_in_memory": nc_identical,
        },
        "plain_jit_vmap": {**plain, "identical_eta_b": plain_identical},
        "engine_overhead_vs_plain": plain["points_per_s"] / run_mem.points_per_s - 1.0,
        "memory": mem,
        "sharded_probe": shard,
        "wall_s": wall,
    }
    record = {k: v for k, v in res.items() if not k.startswith("_")}
    _common.write_record(
        out,
        "hall_sweep",
        {
            "n": n,
            "seed": SEED,
            "axes": AXES,
            "eta_b_tolerance": ETA_B_TOL,
            "settings": "HallSettings(table='constant', g_star=100.0, sphalerons='instantaneous')",
            "y_b_planck2018": _y_b(),
        },
        {"analysis": record, "timing": timing, "gstar_tabulated_subset": gst},
    )
    return _markdown(n, res, timing, gst)


def _y_b() -> float:
    from jaxgen import constants as c

    return c.PLANCK_2018.baryon_yield


def _derived_prefactor() -> float:
    from jaxgen import signatures as sg

    return float(sg.losp_decay_length(1e-5, 1.0, 100.0, 100.0))


def _printed_over_derived() -> float:
    from jaxgen import signatures as sg

    return float(sg.hall_eq_4_2(1e-5, 1.0, 100.0, 100.0, gamma=1.0)) / _derived_prefactor()


def _markdown(n: int, res: dict, t: dict, gst: dict) -> str:
    b = res["bit_counts"]
    fr = res["allowed_L_fractions"]
    mem = (
        "; ".join(
            f"chunk {m['chunk_size']}: peak {m['peak_rss_mb']:.0f} MB ({m['points_per_s']:.3g} points/s)"
            for m in t["memory"]
        )
        + f" (resident after the imports: {t['memory'][0]['rss_after_import_mb']:.0f} MB; measured as the child's "
        f"own {t['memory'][0].get('memory_source', 'VmHWM')}, not ru_maxrss, which Linux carries over from the "
        "parent across fork + exec: report process at the start of the probes "
        f"{t['memory'][0].get('parent_ru_maxrss_mb_at_start', 0.0):.0f} MB, the children's ru_maxrss "
        + "/".join(f"{m.get('ru_maxrss_mb_inherited', 0.0):.0f}" for m in t["memory"])
        + " MB)"
    )
    lines = [
        "## Allowed LOSP decay length vs eps: Sobol sweep of the asymmetric freeze-in chain (Hall et al. eq. 4.2)",
        "",
        f"{n} scrambled-Sobol points over lam [1e-11, 1e-6] (log), eps0 [1e-6, 0.1] (log), phase [-pi, pi], "
        "m_LOSP [50, 2000] GeV (log), m_a/m_LOSP [1.1, 10] (log), c = B/(B-L) [0.079, 0.606]; "
        "`HallSettings(table='constant', g_star=100.0, sphalerons='instantaneous')` (HMW's g_* and eqs. 1.3, 3.1). m_X = m_x_required = |c| m_p Omega_DM/Omega_b "
        "is set inside the point function (Omega_X/Omega_b depends on c only, so Omega is matched by construction; "
        f"max |m_x_required/m_X - 1| = {res['max_rel_m_x_required_vs_m_x']:.1e}). Allowed: status 0, eta_B within "
        f"{100 * ETA_B_TOL:.0f}% of Y_B(Planck 2018) = {_y_b():.4g}, not thermalised, symmetric part annihilated.",
        "",
        "![allowed LOSP decay length vs eps](hall_sweep_decay_length.png)",
        "",
        "| quantity | value |",
        "|---|---|",
        f"| valid points (status 0) | {res['n_valid']} of {res['n']} (ok mask {res['n_ok_mask']}) |",
        f"| NaN / non-finite outputs | {res['n_nan']} / {res['n_nonfinite']} |",
        f"| valid points with eta_B > 0 / eta_B < 0 (wrong sign: excluded by the signed window) | "
        f"{res['n_valid_eta_b_positive']} / {res['n_eta_b_wrong_sign']} (eta_B = -c eta_X has the sign of "
        f"-sin phi_a: valid points with sin phi_a > 0: {res['n_valid_sin_phase_positive']}; all points with "
        f"sin phi_a > 0: {res['n_sin_phase_positive']} of {res['n']}, the phase axis being symmetric about 0) |",
        f"| eta_B within {100 * ETA_B_TOL:.0f}% of Y_B (signed) | {res['n_eta_b_within_tol']} |",
        f"| **allowed points** | **{res['n_allowed']}** (of which hidden freeze-out over before LOSP decay: "
        f"{res['n_allowed_freezeout_before_decay']}) |",
        "| error bits (status), points with each | " + ", ".join(f"{k} {b[k]}" for k in res["error_bits"]) + " |",
        "| diagnostic flags (flags), points with each | "
        + ", ".join(f"{k} {b[k]}" for k in res["diagnostic_bits"])
        + " |",
        f"| allowed \\|eps_a\\| range | {res['allowed_eps_range'][0]:.2e} - {res['allowed_eps_range'][1]:.2e} |"
        if res["allowed_eps_range"]
        else "| allowed eps range | none |",
        f"| allowed c tau range [m] | {res['allowed_L_range_m'][0]:.2e} - {res['allowed_L_range_m'][1]:.2e}; "
        f"<1 mm {100 * fr['<1mm']:.0f}%, 1 mm-1 m {100 * fr['1mm-1m']:.0f}%, 1-10 m {100 * fr['1m-10m']:.0f}%, "
        f">10 m {100 * fr['>10m']:.0f}% |"
        if res["allowed_L_range_m"]
        else "| allowed c tau | none |",
        f"| allowed points: max \\|c tau / decay_length_relic - 1\\| | {res['allowed_L_vs_relic_rel_max']:.3f} "
        f"(5% in eta_B allows 1/0.95 - 1 = 0.053) |",
        f"| chain decay_length_relic / derived eq. (4.2) - 1 (valid points) | median "
        f"{res['eq42_relic_vs_derived_rel'][0]:.1e}, max {res['eq42_relic_vs_derived_rel'][1]:.1e} |",
        f"| run_sweep in memory | {t['in_memory']['points_per_s']:.3g} points/s (chunk {t['chunk_size']}, "
        f"{t['n_devices']} device(s), compile {t['in_memory']['compile_s']:.1f} s) |",
        f"| run_sweep with NetCDF output | {t['netcdf']['points_per_s']:.3g} points/s "
        f"({t['netcdf']['bytes'] / 1e6:.0f} MB; identical to in-memory: {t['netcdf']['identical_to_in_memory']}) |",
        f"| plain jit(vmap), same chunks, values pre-generated | {t['plain_jit_vmap']['points_per_s']:.3g} points/s "
        f"(engine+sharding overhead {100 * t['engine_overhead_vs_plain']:+.0f}%; Sobol generation alone "
        f"{t['plain_jit_vmap']['design_points_per_s']:.3g} points/s; identical: "
        f"{t['plain_jit_vmap']['identical_eta_b']}) |",
        f"| peak memory (fresh process, NetCDF output) | {mem} |",
        *(
            [
                f"| fresh process, NetCDF, chunk {t['chunk_size']}: 1 CPU device vs 2 virtual CPU devices (sharded) | "
                f"{t['sharded_probe']['1_device']['points_per_s']:.3g} vs "
                f"{t['sharded_probe']['2_virtual_devices']['points_per_s']:.3g} points/s |"
            ]
            if t["sharded_probe"]
            else []
        ),
        f"| tabulated g_*(T) (default settings but instantaneous sphalerons, 384 nodes), first {gst['n']} points, jit(vmap) | "
        f"{gst['points_per_s']:.3g} points/s; "
        f"eta_B ratio tab/const min/median/max {'/'.join(f'{x:.3f}' for x in gst['eta_b_ratio_tab_over_const'])}; "
        f"decay_length_relic ratio {'/'.join(f'{x:.3f}' for x in gst['decay_length_relic_ratio'])}; "
        f"flags agree {100 * gst['flags_agree_fraction']:.1f}% (compile {gst['compile_s']:.1f} s) |",
        "",
        "Reading: for every eps the observed eta_B and Omega_DM fix the LOSP width, so the allowed points lie on "
        "eq. (4.2), c tau proportional to |eps_a| m_X/(m_LOSP m_a), the spread at fixed eps coming from the masses and "
        "c (right panel: the rescaled points collapse onto the derived line within the 5% eta_B window). The printed "
        f"eq. (4.2) prefactor (10 m (gamma/2), i.e. 5 m at rest) is {_printed_over_derived():.3f}x the derived "
        f"{_derived_prefactor():.3f} m (eps_a = 1e-5, m_X = 1 GeV, m_a = m_LOSP = 100 GeV, Omega_DM h^2 = 0.120). "
        "The tabulated g_*(T) changes eta_B by the ratio above (g_* is not 100 during freeze-in at these masses), "
        "i.e. it moves the allowed band, not its shape.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=pathlib.Path, default=pathlib.Path("experiments/output/hall_sweep"))
    ap.add_argument("--n", type=int, default=N_REPORT)
    ap.add_argument("--chunk", type=int, default=CHUNK)
    ap.add_argument("--memprobe", action="store_true", help="internal: one run_sweep, print timing + peak RSS")
    args = ap.parse_args()
    if args.memprobe:
        _memprobe_main(args.n, args.chunk, args.out)
    else:
        _common.setup_jax()
        args.out.mkdir(parents=True, exist_ok=True)
        print(main(args.out, n=args.n, chunk=args.chunk))
