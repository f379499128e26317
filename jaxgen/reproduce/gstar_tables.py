"""g_*rho(T) and g_*s(T) of the three shipped Standard-Model tabulations, and how much they differ.

Writes ``gstar_tables.png`` (g*, d ln g_*s/d ln T and the relative difference to Saikawa-Shirai versus T) and
``gstar_tables.json`` (values at reference temperatures), and returns a Markdown section.
"""

from __future__ import annotations

import pathlib

from . import _common

TABLE_LABELS = {
    "saikawa_shirai": "Saikawa-Shirai 2018",
    "drees_hajkarim_schmitz": "Drees-Hajkarim-Schmitz 2015",
    "gondolo_gelmini": "Gondolo-Gelmini 1991",
}
T_REF = (1.0e3, 100.0, 10.0, 1.0, 0.2, 0.15, 0.1, 1.0e-3)


def main(out: pathlib.Path) -> str:
    import jax
    import jax.numpy as jnp
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from jaxgen.cosmology import Cosmology, table_range

    out.mkdir(parents=True, exist_ok=True)

    @jax.jit
    def evaluate(cosmo, t):
        return cosmo.g_rho(t), cosmo.g_s(t), cosmo.dlng_s_dlnT(t)

    temps = np.logspace(-5.5, 6.5, 3000)
    curves = {}
    for table in TABLE_LABELS:
        g_rho, g_s, dl = evaluate(Cosmology(table), jnp.asarray(temps))
        curves[table] = (np.asarray(g_rho), np.asarray(g_s), np.asarray(dl))

    fig, axes = plt.subplots(3, 1, figsize=(8, 10), sharex=True, gridspec_kw={"height_ratios": [3, 1.5, 1.5]})
    colors = {"saikawa_shirai": "C0", "drees_hajkarim_schmitz": "C1", "gondolo_gelmini": "C2"}
    for table, (g_rho, g_s, dl) in curves.items():
        col = colors[table]
        t_min, t_max = table_range(table)
        axes[0].plot(temps, g_rho, color=col, lw=1.6, label=f"{TABLE_LABELS[table]}: $g_{{*\\rho}}$")
        axes[0].plot(temps, g_s, color=col, lw=1.0, ls="--", label=f"{TABLE_LABELS[table]}: $g_{{*s}}$")
        for edge in (t_min, t_max):
            axes[0].axvline(edge, color=col, lw=0.6, ls=":")
        axes[1].plot(temps, dl, color=col, lw=1.2, label=TABLE_LABELS[table])
        if table != "saikawa_shirai":
            ref = curves["saikawa_shirai"]
            axes[2].plot(temps, g_rho / ref[0] - 1.0, color=col, lw=1.4, label=f"{TABLE_LABELS[table]}: $g_{{*\\rho}}$")
            axes[2].plot(
                temps, g_s / ref[1] - 1.0, color=col, lw=1.0, ls="--", label=f"{TABLE_LABELS[table]}: $g_{{*s}}$"
            )
    axes[0].axhline(106.75, color="k", lw=0.6, ls="-.", label="ideal-gas SM, 106.75")
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("$g_*(T)$")
    axes[0].legend(fontsize=7, ncol=1, loc="lower right")
    axes[0].set_title(
        "SM effective degrees of freedom (cubic spline in ln T; dotted: table edges, constant beyond)", fontsize=9
    )
    axes[1].set_ylabel(r"$d\ln g_{*s}/d\ln T$")
    axes[1].legend(fontsize=7)
    axes[2].set_ylabel("relative to Saikawa-Shirai")
    axes[2].axhline(0.0, color="k", lw=0.5)
    axes[2].legend(fontsize=7)
    axes[2].set_xlabel("T [GeV]")
    for ax in axes:
        ax.grid(alpha=0.3, which="both", lw=0.3)
    fig.tight_layout()
    fig.savefig(out / "gstar_tables.png", dpi=130)
    plt.close(fig)

    # values at reference temperatures
    results = {}
    rows = []
    t_ref = jnp.asarray(T_REF)
    for table in TABLE_LABELS:
        g_rho, g_s, _ = (np.asarray(a) for a in evaluate(Cosmology(table), t_ref))
        results[table] = {
            "T_GeV": list(T_REF),
            "g_rho": g_rho.tolist(),
            "g_s": g_s.tolist(),
            "range_GeV": list(table_range(table)),
        }
    for i, t in enumerate(T_REF):
        vals = [results[tb]["g_rho"][i] for tb in TABLE_LABELS]
        vals_s = [results[tb]["g_s"][i] for tb in TABLE_LABELS]
        spread = (max(vals) - min(vals)) / vals[0]
        rows.append(
            f"| {t:g} | "
            + " | ".join(f"{a:.3f} / {b:.3f}" for a, b in zip(vals, vals_s))
            + f" | {100 * spread:.1f} % |"
        )
    # largest disagreement over 1e-4..1e4 GeV (inside every table)
    inside = (temps > 1e-4) & (temps < 1e4)
    worst = {}
    for table in ("drees_hajkarim_schmitz", "gondolo_gelmini"):
        rel = curves[table][0][inside] / curves["saikawa_shirai"][0][inside] - 1.0
        k = int(np.argmax(np.abs(rel)))
        worst[table] = {"max_rel_diff_g_rho": float(rel[k]), "at_T_GeV": float(temps[inside][k])}
    results["max_difference_vs_saikawa_shirai"] = worst

    # the numbers quoted in the text below, from the same curves
    ss_rho, ss_s, ss_dl = curves["saikawa_shirai"]
    others = ("drees_hajkarim_schmitz", "gondolo_gelmini")
    t_hi = min(table_range(t)[1] for t in TABLE_LABELS)

    def rel_range(lo, hi, tables=others):
        sel = (temps > lo) & (temps < hi)
        r = np.concatenate([curves[t][0][sel] / ss_rho[sel] - 1.0 for t in tables])
        return float(r.min()), float(r.max())

    above_ew = rel_range(200.0, t_hi)
    mid = rel_range(1.0, 100.0)
    low = {t: float(np.max(np.abs(curves[t][0][temps < 1e-2] / ss_rho[temps < 1e-2] - 1.0))) for t in others}
    ss_top = float(ss_rho[temps <= table_range("saikawa_shirai")[1]][-1])
    sel = (temps > 10.0) & (temps < 12.0)
    slope_10_12 = float(ss_dl[sel].min())
    results["text_numbers"] = dict(
        above_ew_rel=above_ew,
        rel_1_100_GeV=mid,
        below_10MeV_max_abs=low,
        saikawa_shirai_top=ss_top,
        slope_10_12_GeV_min=slope_10_12,
    )
    _common.write_record(
        out, "gstar_tables", {"T_ref_GeV": list(T_REF), "interpolation": "clamped cubic in ln T"}, results
    )

    lines = [
        "## Effective degrees of freedom g*(T)",
        "",
        f"![g*(T)]({out.name}/gstar_tables.png)",  # relative to report.md (make_report writes into out/<name>/)
        "",
        "g_*rho / g_*s of the three SM tabulations (cubic spline in ln T through every tabulated point, clamped "
        "ends, constant continuation outside the tabulated range):",
        "",
        "| T [GeV] | " + " | ".join(TABLE_LABELS.values()) + " | spread of g_*rho |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Tabulated ranges: "
        + "; ".join(
            f"{TABLE_LABELS[t]} {results[t]['range_GeV'][0]:.3g}-{results[t]['range_GeV'][1]:.3g} GeV"
            for t in TABLE_LABELS
        )
        + ".",
        "",
        "Largest difference in g_*rho from Saikawa-Shirai for 1e-4 < T < 1e4 GeV: "
        + "; ".join(
            f"{TABLE_LABELS[t]} {100 * w['max_rel_diff_g_rho']:+.1f} % at T = {w['at_T_GeV']:.3g} GeV"
            for t, w in worst.items()
        )
        + f". Between 200 GeV and {t_hi:.3g} GeV the other two tables are {100 * above_ew[0]:+.1f} % to "
        f"{100 * above_ew[1]:+.1f} % off Saikawa-Shirai (which includes interaction corrections and reaches "
        f"{ss_top:.1f} at its top, not the ideal-gas 106.75); between 1 and 100 GeV they are {100 * mid[0]:+.1f} % "
        f"to {100 * mid[1]:+.1f} % off (Saikawa-Shirai is lower); the largest differences are across the QCD "
        "transition, where Gondolo-Gelmini models a sharp transition at T_QCD = 150 MeV and the other two follow "
        "lattice QCD. Below 10 MeV (e+e- annihilation, where Drees-Hajkarim-Schmitz is shifted to lower T) the "
        "largest differences are " + "; ".join(f"{TABLE_LABELS[t]} {100 * v:.1f} %" for t, v in low.items()) + ".",
        "",
        "The Saikawa-Shirai table has small kinks of its own (where its patches are joined), visible as steps in "
        "d ln g_*s/d ln T in the middle panel; between 10 and 12 GeV its smallest slope is "
        f"{slope_10_12:.3f}"
        + (" (g_*s decreases slightly with T there)" if slope_10_12 < 0 else "")
        + ". The spline reproduces the table exactly, so "
        "these features are the table's, not the interpolation's.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    _common.cli(main)
