"""Sphaleron-timed baryon number in the Hall chain: the X production history against the
sphaleron freeze-out, eta_B timed vs instantaneous, the fraction of eta_X made above T* and the resulting m_X vs m_a.

Chain: ``jaxgen.scenarios.hall.asymmetric_freezein`` with ``HallSettings(sphalerons="timed")`` (the default; module
docstring item 4b) against ``sphalerons="instantaneous"`` (the paper's eqs. 1.3, 3.1); physics and solver: ``jaxgen._sphaleron``. Run: ``python -m jaxgen.reproduce.hall_sphaleron --out DIR``.
"""

from __future__ import annotations

import math
import pathlib
import time

from . import _common

N_MASS = 40


def main(out: pathlib.Path) -> str:
    import jax
    import jax.numpy as jnp
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jaxgen import sphaleron as sph
    from jaxgen.cosmology import Cosmology
    from jaxgen.scenarios import hall as sh

    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    cos = Cosmology()
    # timed (the default) vs the paper's instantaneous conversion, eta_B = -c eta_X at any T (HMW eqs. 1.3, 3.1)
    timed_s, inst_s = sh.HallSettings(sphalerons="timed"), sh.HallSettings(sphalerons="instantaneous")
    bench = sh.HallParams.benchmark()
    single = jax.jit(sh.asymmetric_freezein, static_argnums=(1,))
    p_t, p_i = single(bench, timed_s), single(bench, inst_s)

    # (a) history at the benchmark: eta_X made above T, Y_B timed (grid), -c eta_X(above T) (instantaneous)
    lam = float(np.asarray(bench.lam))
    mass = jnp.array([float(np.asarray(bench.m_a)[0]), float(np.asarray(bench.m_losp))])
    width = lam**2 * mass / (8 * math.pi)
    dof = jnp.array([2.0, 2.0])
    eps = jnp.array([float(p_t.epsilon[0]), 0.0])
    temps = np.geomspace(20.0, 3000.0, 200)
    above = jax.jit(jax.vmap(lambda t: jnp.sum(eps * sph.freezein_above(t, mass, width, dof, cos, n_nodes=192))))
    eta_above = np.asarray(above(jnp.asarray(temps)))
    grid = sph.SphaleronGrid()
    r = sph.timed_baryon_asymmetry(mass, width, dof, eps, cos, grid=grid)
    y_b_hist = np.asarray(sph.baryon_history(-r.eta_x_grid, cos, grid))
    eta_x = float(p_t.eta_x)

    # (b) fraction above T* and m_X vs m_a (100 GeV - 2 TeV; LOSP at m_a/3)
    m_a = np.geomspace(100.0, 2000.0, N_MASS)
    batch = sh.HallParams.batch(base=bench, m_a=m_a[:, None], m_losp=m_a / 3.0)
    b_t = sh.asymmetric_freezein_batch(batch, timed_s)
    b_i = sh.asymmetric_freezein_batch(batch, inst_s)
    frac = np.asarray(b_t.fraction_above_sphaleron)
    mx_t, mx_i = np.asarray(b_t.m_x_required), np.asarray(b_i.m_x_required)

    fig, ax = plt.subplots(1, 3, figsize=(15, 4.3))
    ax[0].semilogx(temps, eta_above / eta_x, label=r"$\eta_X$(made above T)/$\eta_X$")
    ax[0].semilogx(temps, (28 / 79) * eta_above / eta_x, "--", label=r"instantaneous $Y_B(T)/(-\eta_X)$")
    ax[0].semilogx(grid.temperatures(), y_b_hist / (-eta_x), label=r"timed $Y_B(T)/(-\eta_X)$")
    ax[0].axvline(sph.T_STAR_LATTICE, color="k", lw=0.8, ls=":", label="T* = 131.7 GeV")
    ax[0].set_xlabel("T [GeV]")
    ax[0].set_title("benchmark: m_a = 300, m_LOSP = 100 GeV")
    ax[0].legend(fontsize=8)
    ax[1].semilogx(m_a, frac, label="fraction of $\\eta_X$ above T*")
    ax[1].semilogx(m_a, np.asarray(b_t.baryon_to_x_ratio) / (28 / 79), label="B/(-X) timed / (28/79)")
    ax[1].set_xlabel("m_a [GeV] (m_LOSP = m_a/3)")
    ax[1].legend(fontsize=8)
    ax[2].loglog(m_a, mx_t, label="timed")
    ax[2].loglog(m_a, mx_i, "--", label="instantaneous (28/79)")
    ax[2].set_xlabel("m_a [GeV] (m_LOSP = m_a/3)")
    ax[2].set_ylabel("m_X for Planck Omega_DM/Omega_b [GeV]")
    ax[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "hall_sphaleron.png", dpi=130)
    plt.close(fig)

    i300 = int(np.argmin(np.abs(m_a - 300.0)))
    lines = [
        "## Sphaleron-timed baryon number in the Hall chain",
        "",
        "B relaxes at the lattice sphaleron rate (D'Onofrio, Rummukainen, Tranberg arXiv:1404.3565) towards "
        "chi(T)(B-L), chi = 4(77 + 27 v^2/T^2)/(869 + 333 v^2/T^2), while X is frozen in "
        '(`HallSettings(sphalerons="timed")`, jaxgen/_sphaleron.py). T* from Gamma_B = H: '
        f"{float(sph.freeze_out_temperature(cos)):.2f} GeV (printed 131.7 +- 2.3).",
        "",
        "| benchmark (m_a = 300, m_LOSP = 100 GeV) | instantaneous | timed |",
        "|---|---|---|",
        f"| fraction of eta_X made above T* | {float(p_i.fraction_above_sphaleron):.4f} | "
        f"{float(p_t.fraction_above_sphaleron):.4f} |",
        f"| eta_B | {float(p_i.eta_b):.4g} | {float(p_t.eta_b):.4g} |",
        f"| B/(-X) | {float(p_i.baryon_to_x_ratio):.4f} | {float(p_t.baryon_to_x_ratio):.4f} |",
        f"| m_X required [GeV] | {float(p_i.m_x_required):.4f} | {float(p_t.m_x_required):.4f} |",
        "",
        f"Scan m_a = 100 GeV - 2 TeV (m_LOSP = m_a/3, {N_MASS} points): fraction above T* from {frac[0]:.3g} to "
        f"{frac[-1]:.4f}; m_X (timed) from {mx_t[0]:.3g} to {mx_t[-1]:.4g} GeV (instantaneous {mx_i[0]:.4g}); at "
        f"m_a = {m_a[i300]:.0f} GeV the fraction is {frac[i300]:.3f}. Re-fit of the benchmark: "
        "experiments/results/hall_sphaleron_fit.md (lambda = 4.886e-9, m_X = 0.463 GeV).",
        "",
        "![sphaleron timing](hall_sphaleron.png)",
        "",
        f"({time.perf_counter() - t0:.0f} s)",
        "",
    ]
    _common.write_record(
        out,
        "hall_sphaleron",
        {"m_a": m_a.tolist(), "benchmark": "HallParams.benchmark()"},
        {
            "fraction_above_sphaleron": frac.tolist(),
            "m_x_timed": mx_t.tolist(),
            "m_x_instantaneous": mx_i.tolist(),
            "benchmark_fraction": float(p_t.fraction_above_sphaleron),
            "benchmark_ratio": float(p_t.baryon_to_x_ratio),
            "benchmark_m_x": float(p_t.m_x_required),
        },
    )
    return "\n".join(lines)


if __name__ == "__main__":
    _common.cli(main)
