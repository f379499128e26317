"""CP asymmetries computed from the gaugino-higgsino spectrum (Hall, March-Russell, West 2010, Sec. 2.1, eqs. 2.3-2.7).

eps of chi-_a -> l- phi_X (eq. 2.3) and chi0_a -> nu phi_X (eq. 2.4) from
:func:`jaxgen.cp.cp_asymmetries_from_spectrum` (one-loop absorptive parts of the W, Z, h vertex and self-energy
graphs; derivation in docs/derivations/cp_from_spectrum.md), compared with the parameterization
eps = eps0 alpha_w sin(phi_2) of eq. (2.7) and with the paper's "the maximal size of eps0 is typically O(0.1)".

Figures of this section (each a function ``_figure_<name>(out) -> (markdown lines, JSON-able results)``, called in
order from :func:`main`):

1. ``_figure_eps_vs_phi2``: eps against the rephasing invariant phi_2 = arg(mu M2 b^*) at the benchmark spectrum of
   :meth:`jaxgen.scenarios.hall.HallParams.benchmark_spectrum` (M1 = 250, M2 = 600, |mu| = 400 GeV, tan(beta) = 10,
   m_phi = m_X), with the mass-insertion line of eqs. (2.6)-(2.7) overlaid. The line is eq. (2.7) with the eps0 of
   the mass-insertion limit: eqs. (2.5)-(2.6) give eps(chi-_2) = K(|mu|/|M2|) Im[C0 C1^*]/(|C0|^2 |mu M2|)
   = -K (g_2/2) cot(beta) sin(phi_2), a loop ratio K that depends on |mu|/|M2| only (the scale cancels), so eps0 of
   the limit is computed from the loops at M1 = 1e7 GeV, (M2, |mu|) x 10 (same ratio, same tan(beta)), i.e. deep in
   the regime m1 -> inf, |M2|, |mu| >> m_Z of Sec. 2.1 (tests/jaxgen/test_cp_loops.py::test_mass_insertion_limit_sec21).
2. ``_figure_eps0_scan``: eps0 = eps/(alpha_w sin phi_2) of every decaying state over a scan of spectra (the scan of
   :func:`eps0_scan_rows`; ``experiments/cp_eps0_scan.py`` writes the same table to experiments/results/).
3. ``_figureedm_region``: the (phi_2, lam) region of the Hall chain (spectrum mode) that gives the Planck 2018
   densities and obeys the electron-EDM bound (JILA 2023, ACME II), at the benchmark and a compressed spectrum
   (:mod:`jaxgen.reproduce.edm_region`; ``experiments/fits/hall_edm_region.py`` writes the table and a fit).

Run: ``python -m jaxgen.reproduce.cp_spectrum --out DIR``.
"""

from __future__ import annotations

import functools
import itertools
import math
import pathlib
import time

from . import _common

#: phi_2 used in the eps0 scan (put into phi_mu; M1 real) [rad].
PHI2_SCAN = 0.5
#: Every evaluation is padded to a multiple of this many points, so that one compiled batch serves all figures.
CHUNK = 24
#: phi_2 grid of figure 1 (CHUNK - 1 points from -pi to pi, plus the benchmark phase -pi/30).
N_PHI = CHUNK - 1
#: Scale factor of (M2, |mu|) and M1 of the mass-insertion reference spectrum of figure 1.
MI_SCALE = 10.0
MI_M1 = 1e7

#: Columns of a spectrum point x: the GauginoHiggsinoParams fields, then the phi_X mass [GeV].
X_FIELDS = ("M1", "M2", "mu", "tan_beta", "phi_1", "phi_2", "phi_mu", "m_phi")


def eps0_scan_rows() -> list[tuple[str, list[float]]]:
    """(tag, x) of the eps0 scan: the mass-insertion limit (tag "MI", M1 -> inf) at four tan(beta), a grid of general
    spectra (M1 in {200, 600}, (M2, |mu|) in {(900, 400), (400, 900), (1500, 600), (700, 550)} GeV, tan(beta) in
    {2, 10}) and one point with m_phi = 150 GeV (tag "m_phi"). x follows :data:`X_FIELDS`; phi_2 = PHI2_SCAN in phi_mu.
    """
    rows: list[tuple[str, list[float]]] = []
    for tb in (2.0, 5.0, 10.0, 30.0):
        rows.append(("MI", [1e8, 3000.0, 1000.0, tb, 0.0, 0.0, PHI2_SCAN, 0.0]))
    for M1, (M2, mu), tb in itertools.product(
        (200.0, 600.0), ((900.0, 400.0), (400.0, 900.0), (1500.0, 600.0), (700.0, 550.0)), (2.0, 10.0)
    ):
        rows.append(("", [M1, M2, mu, tb, 0.0, 0.0, PHI2_SCAN, 0.0]))
    rows.append(("m_phi", [200.0, 900.0, 400.0, 2.0, 0.0, 0.0, PHI2_SCAN, 150.0]))
    return rows


@functools.lru_cache(maxsize=1)
def _batched():
    """jit(vmap) of one spectrum point x -> eps, eps0, masses, sum rules, phi_2 (compiled once per batch shape)."""
    import jax

    import jaxgen.cp as cp

    def one(x):
        p = cp.GauginoHiggsinoParams(M1=x[0], M2=x[1], mu=x[2], tan_beta=x[3], phi_1=x[4], phi_2=x[5], phi_mu=x[6])
        # unitarity_check: both directions of every cut evaluated, so the reported sum rule is a real check
        r = cp.cp_asymmetries_from_spectrum(p, lam=1e-10, m_phi=x[7], unitarity_check=True)
        return dict(
            eps_chargino=r.eps_chargino,
            eps_neutralino=r.eps_neutralino,
            eps0_chargino=r.eps0_chargino,
            eps0_neutralino=r.eps0_neutralino,
            phi_2=r.phi_2,
            m_chargino=cp.chargino_spectrum(p).masses,
            m_neutralino=cp.neutralino_spectrum(p).masses,
            sum_rule_rel=_sum_rule_rel(r),
        )

    return jax.jit(jax.vmap(one))


def _sum_rule_rel(r):
    """max over decaying states of |sum of Delta Gamma over final states| / sum of |Delta Gamma| (0 where none)."""
    import jax.numpy as jnp

    scale_c = jnp.abs(r.delta_lambda_chargino) + jnp.sum(jnp.abs(r.delta_visible_chargino), axis=-1)
    scale_n = jnp.sum(jnp.abs(r.delta_lambda_neutralino), axis=-1) + jnp.sum(jnp.abs(r.delta_visible_neutralino), -1)
    rel_c = jnp.where(scale_c > 0, jnp.abs(r.sum_rule_chargino) / jnp.where(scale_c > 0, scale_c, 1.0), 0.0)
    rel_n = jnp.where(scale_n > 0, jnp.abs(r.sum_rule_neutralino) / jnp.where(scale_n > 0, scale_n, 1.0), 0.0)
    return jnp.maximum(jnp.max(rel_c), jnp.max(rel_n))


def spectrum_eps(xs) -> dict:
    """eps, eps0 and masses of the points ``xs`` (n, len(X_FIELDS)) as numpy arrays (leading axis n).

    Evaluated in chunks of :data:`CHUNK` points (the last one padded by repeating its final row), so that every call
    reuses one compiled function.
    """
    import jax
    import jax.numpy as jnp
    import numpy as np

    xs = np.asarray(xs, dtype=float)
    if xs.ndim != 2 or xs.shape[1] != len(X_FIELDS):
        raise ValueError(f"spectrum_eps: xs must have shape (n, {len(X_FIELDS)}) with columns {X_FIELDS}")
    n = xs.shape[0]
    pad = (-n) % CHUNK
    xp = np.concatenate([xs, np.repeat(xs[-1:], pad, axis=0)]) if pad else xs
    fn = _batched()
    parts = [jax.device_get(fn(jnp.asarray(xp[i : i + CHUNK]))) for i in range(0, xp.shape[0], CHUNK)]
    return {k: np.concatenate([np.asarray(p[k]) for p in parts])[:n] for k in parts[0]}


def _benchmark():
    """(spectrum point x of the benchmark, its phi_2) from HallParams.benchmark_spectrum (m_phi = m_X)."""
    import numpy as np

    from jaxgen.scenarios.hall import HallParams

    b = HallParams.benchmark_spectrum()
    s = b.spectrum
    assert s is not None
    x = [float(np.asarray(getattr(s, k))) for k in X_FIELDS[:-1]] + [float(np.asarray(b.m_x))]
    return x, float(np.asarray(s.phi_mu) + np.asarray(s.phi_2))


def eps0_summary(rows, res) -> dict:
    """Numbers the text of figure 2 quotes, from the scan ``rows`` (:func:`eps0_scan_rows`) and its results."""
    import numpy as np

    e0 = np.concatenate([res["eps0_chargino"], res["eps0_neutralino"]], axis=1)  # (n, 6): chi-_1,2, chi0_1..4
    names = ["chi-_1", "chi-_2", "chi0_1", "chi0_2", "chi0_3", "chi0_4"]
    a = np.abs(e0)
    k, j = np.unravel_index(int(np.argmax(a)), a.shape)
    nz = a[a > 0]
    mi = [(r[1][3], float(e0[i, 1])) for i, r in enumerate(rows) if r[0] == "MI"]
    charg = np.abs(e0[:, :2])
    return {
        "max_abs_eps0": float(a[k, j]),
        "max_state": names[j],
        "max_spectrum": {f: rows[k][1][i] for i, f in enumerate(X_FIELDS)},
        "median_nonzero_abs_eps0": float(np.median(nz)) if nz.size else 0.0,
        "fraction_above_0p01": float(np.mean(nz > 0.01)) if nz.size else 0.0,
        "n_nonzero": int(nz.size),
        "max_abs_eps0_chargino": float(charg.max()),
        "mi_tan_beta_eps0_chi2": mi,
        "mi_eps0_times_tan_beta": [tb * e for tb, e in mi],
        "max_sum_rule_rel": float(np.max(res["sum_rule_rel"])),
    }


def eps0_table_lines(rows, res) -> list[str]:
    """The Markdown table of the eps0 scan (one row per spectrum)."""
    import numpy as np

    lines = [
        "| tag | M1 | M2 | mu | tan b | m_phi | m(chi+_1,2) | m(chi0_1..4) | eps0(chi-_1) | eps0(chi-_2) "
        "| eps0(chi0_1..4) | max abs eps |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k, (tag, x) in enumerate(rows):
        ec, en = res["eps_chargino"][k], res["eps_neutralino"][k]
        e0c, e0n = res["eps0_chargino"][k], res["eps0_neutralino"][k]
        mc, mn = res["m_chargino"][k], res["m_neutralino"][k]
        emax = max(np.max(np.abs(ec)), np.max(np.abs(en)))
        lines.append(
            f"| {tag} | {x[0]:.3g} | {x[1]:.0f} | {x[2]:.0f} | {x[3]:.0f} | {x[7]:.0f} | "
            f"{mc[0]:.0f}, {mc[1]:.0f} | {', '.join(f'{m:.0f}' for m in mn)} | {e0c[0]:+.3g} | "
            f"{e0c[1]:+.3g} | {', '.join(f'{e:+.2g}' for e in e0n)} | {emax:.2g} |"
        )
    return lines


def _figure_eps_vs_phi2(out: pathlib.Path) -> tuple[list[str], dict]:
    """Figure 1: eps against phi_2 at the benchmark spectrum, with the mass-insertion line of eqs. (2.6)-(2.7)."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jaxgen import constants as c

    xb, phi_b = _benchmark()
    phis = np.sort(np.append(np.linspace(-math.pi, math.pi, N_PHI), phi_b))
    # phi_2 = arg(mu M2 b^*) = phi_mu + phi_2(M2): the grid goes into phi_mu, the M2 phase kept as in the benchmark
    grid = np.array([xb[:6] + [ph - xb[5]] + xb[7:] for ph in phis])
    xmi = [MI_M1, MI_SCALE * xb[1], MI_SCALE * xb[2]] + xb[3:]
    grid_mi = np.array([xmi[:6] + [ph - xb[5]] + xmi[7:] for ph in phis])
    t0 = time.perf_counter()
    rb = spectrum_eps(grid)
    t_b = time.perf_counter() - t0
    rmi = spectrum_eps(grid_mi)
    aw = c.ALPHA_W
    s = np.sin(phis)
    ib = int(np.flatnonzero(phis == phi_b)[0])
    # eps0 of the MI limit at the small benchmark phase (eq. 2.7 is the leading term in sin(phi_2)); its spread over
    # the grid away from sin(phi_2) = 0 measures the O(cot beta) departure of the MI spectrum from a pure sin(phi_2)
    eps0_mi = float(rmi["eps_chargino"][ib, 1] / (aw * s[ib]))
    use = np.abs(s) > 0.2
    eps0_mi_pts = rmi["eps_chargino"][use, 1] / (aw * s[use])
    eps0_mi_spread = float(np.ptp(eps0_mi_pts) / abs(eps0_mi)) if eps0_mi != 0 else 0.0
    line_mi = eps0_mi * aw * s
    eb = rb["eps_chargino"][:, 1]
    eps0_b = float(eb[ib] / (aw * math.sin(phi_b)))
    states = ["chi-_1", "chi-_2", "chi0_2", "chi0_3", "chi0_4"]
    eps_all = np.concatenate([rb["eps_chargino"], rb["eps_neutralino"][:, 1:]], axis=1)  # (n_phi, 5)
    # shape of eps(phi_2): departure from a pure sin(phi_2) (eq. 2.7) for each state, relative to its maximum
    shape_dev = []
    for j in range(5):
        e = eps_all[:, j]
        amp = float(np.sum(e * s) / np.sum(s * s))
        shape_dev.append(float(np.max(np.abs(e - amp * s)) / max(np.max(np.abs(e)), 1e-300)))
    sym = np.delete(eps_all, ib, axis=0)  # the symmetric grid linspace(-pi, pi, N_PHI)
    odd = float(np.max(np.abs(sym + sym[::-1])) / max(np.max(np.abs(sym)), 1e-300))

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11.5, 4.4))
    ax1.plot(phis, eb, "o-", ms=3, label=r"loops, benchmark: $\tilde\chi^-_2 \to l^- \phi_X$")
    ax1.plot(phis, rmi["eps_chargino"][:, 1], "s", ms=3, mfc="none", label="loops, mass-insertion spectrum")
    ax1.plot(phis, line_mi, "k--", lw=1, label=rf"eq. (2.7), $\epsilon_0$ = {eps0_mi:.3g} (MI limit)")
    ax1.axvline(phi_b, color="0.5", ls=":", lw=0.8)
    ax1.set_xlabel(r"$\phi_2 = \arg(\mu M_2 b^*)$ [rad]")
    ax1.set_ylabel(r"$\epsilon$")
    ax1.set_title(
        f"M1 = {xb[0]:.0f}, M2 = {xb[1]:.0f}, |mu| = {xb[2]:.0f} GeV, tan b = {xb[3]:.0f}; MI: M1 = 1e7, x{MI_SCALE:.0f}",
        fontsize=8,
    )
    ax1.legend(fontsize=7)
    ax1.grid(alpha=0.3)
    for j, nm in enumerate(states):
        ax2.plot(phis, eps_all[:, j] / aw, label=nm)
    ax2.axvline(phi_b, color="0.5", ls=":", lw=0.8, label=r"benchmark $\phi_2 = -\pi/30$")
    ax2.set_xlabel(r"$\phi_2$ [rad]")
    ax2.set_ylabel(r"$\epsilon / \alpha_w$ (= $\epsilon_0 \sin\phi_2$ in eq. 2.7)")
    ax2.set_title("all decaying states at the benchmark spectrum (LOSP chi0_1: eps = 0)", fontsize=8)
    ax2.legend(fontsize=7)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "cp_eps_vs_phi2.png", dpi=130)
    plt.close(fig)

    lines = [
        "### eps against phi_2 at the benchmark spectrum",
        "",
        f"Benchmark spectrum of `HallParams.benchmark_spectrum()` (M1 = {xb[0]:.0f}, M2 = {xb[1]:.0f}, |mu| = "
        f"{xb[2]:.0f} GeV, tan(beta) = {xb[3]:.0f}, m_phi = m_X = {xb[7]:.4g} GeV), phi_2 = arg(mu M2 b^*) varied "
        f"through phi_mu ({phis.size} values; the first compiled chunk of {CHUNK} points took {t_b:.1f} s with "
        "compilation). The mass-insertion (MI) line is eq. (2.7) with the eps0 of the MI limit of Sec. 2.1 "
        f"(eqs. 2.5-2.6: a loop ratio that depends on |mu|/|M2| only), computed from the loops at M1 = {MI_M1:.0e} "
        f"GeV and (M2, |mu|) x {MI_SCALE:.0f} at the same tan(beta).",
        "",
        "![eps vs phi_2 at the benchmark spectrum, with the mass-insertion line](cp_eps_vs_phi2.png)",
        "",
        "| quantity | value |",
        "|---|---|",
        f"| eps0 of the MI limit (chi-_2) at phi_2 = -pi/30 | {eps0_mi:.4g} |",
        f"| MI spectrum: (max - min) of eps/(alpha_w sin phi_2) over abs(sin phi_2) > 0.2, / that eps0 | "
        f"{eps0_mi_spread:.2g} |",
        f"| eps0 = eps/(alpha_w sin phi_2) of chi-_2 at the benchmark (phi_2 = -pi/30) | {eps0_b:.4g} |",
        f"| benchmark / MI-limit eps0 (chi-_2) | {eps0_b / eps0_mi:.3g} |",
        f"| eps at the benchmark phase: chi-_1, chi-_2, chi0_2..4 | {', '.join(f'{e:.3g}' for e in eps_all[ib])} |",
        f"| max relative departure of eps(phi_2) from its best sin(phi_2) fit: chi-_1, chi-_2, chi0_2..4 | "
        f"{', '.join(f'{d:.2g}' for d in shape_dev)} |",
        f"| max abs(eps(phi_2) + eps(-phi_2)) / max abs(eps) (eps odd in phi_2) | {odd:.2g} |",
        "",
        "eps vanishes at phi_2 = 0 and pi and is odd in phi_2, as the rephasing invariant of eq. (2.7) requires. "
        "eq. (2.7) is the leading term: at large phi_2 the shape departs from a pure sin(phi_2), already in the MI "
        "spectrum (the O(cot beta) mu cos(beta) piece of the tree chain interferes with C0, so |C0|^2 depends on "
        "cos(phi_2); second row) and more at the benchmark, where the phase also moves the masses and mixings "
        "(last-but-one row).",
        "",
    ]
    results = {
        "phi_2": phis.tolist(),
        "eps_benchmark": eps_all.tolist(),
        "eps_chi2_mi_spectrum": rmi["eps_chargino"][:, 1].tolist(),
        "eps0_mi": eps0_mi,
        "eps0_mi_spread": eps0_mi_spread,
        "eps0_benchmark_chi2": eps0_b,
        "shape_departure": shape_dev,
        "odd_residual": odd,
        "benchmark_x": dict(zip(X_FIELDS, xb, strict=True)),
        "mi_x": dict(zip(X_FIELDS, xmi, strict=True)),
    }
    return lines, results


def _figure_eps0_scan(out: pathlib.Path) -> tuple[list[str], dict]:
    """Figure 2: eps0 = eps/(alpha_w sin phi_2) across spectra, against HMW's "O(0.1)"."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jaxgen import constants as c

    rows = eps0_scan_rows()
    t0 = time.perf_counter()
    res = spectrum_eps(np.array([r[1] for r in rows]))
    dt = time.perf_counter() - t0
    summ = eps0_summary(rows, res)
    e0 = np.concatenate([res["eps0_chargino"], res["eps0_neutralino"][:, 1:]], axis=1)  # chi0_1 (LOSP) has eps = 0
    names = ["chi-_1", "chi-_2", "chi0_2", "chi0_3", "chi0_4"]
    markers = ["o", "s", "^", "v", "D"]

    fig, ax = plt.subplots(figsize=(11.5, 4.2))
    idx = np.arange(len(rows))
    for j, nm in enumerate(names):
        v = np.abs(e0[:, j])
        ok = v > 0
        ax.semilogy(idx[ok] + 0.1 * (j - 2), v[ok], markers[j], ms=4, mfc="none", label=nm)
    ax.axhline(0.1, color="k", ls="--", lw=1, label='HMW: "maximal size of eps0 typically O(0.1)"')
    ax.set_xticks(idx)
    ax.set_xticklabels(
        [f"{t + ' ' if t else ''}{x[0]:.3g}/{x[1]:.0f}/{x[2]:.0f}, {x[3]:.0f}" for t, x in rows],
        fontsize=6,
        rotation=40,
        ha="right",
    )
    ax.set_xlabel("spectrum: [tag] M1/M2/|mu| [GeV], tan(beta)")
    ax.set_ylabel(r"$|\epsilon_0| = |\epsilon| / (\alpha_w \sin\phi_2)$")
    ax.set_title(rf"$\phi_2$ = {PHI2_SCAN} rad; sleptons and H, A, H$^\pm$ decoupled", fontsize=8)
    ax.legend(fontsize=7, ncol=3)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(out / "cp_eps0_scan.png", dpi=130)
    plt.close(fig)

    ms = summ["max_spectrum"]
    mi = summ["mi_tan_beta_eps0_chi2"]
    lines = [
        "### eps0 across spectra",
        "",
        f"{len(rows)} spectra, phi_2 = {PHI2_SCAN} rad (in phi_mu), M1 real, alpha_w = {c.ALPHA_W:.4f}, m_h = "
        f"{c.M_HIGGS} GeV ({dt:.1f} s). eps0 = eps/(alpha_w sin phi_2) for chi-_a -> l- phi_X (eq. 2.3) and "
        "chi0_a -> nu phi_X (eq. 2.4), a ascending in mass; 0 for a state with no open W/Z/h cut (the LOSP). In the "
        "MI rows chi0_4 is the decoupled 1e8 GeV bino: its eps is limited by round-off at the few-% level.",
        "",
        "![eps0 across spectra](cp_eps0_scan.png)",
        "",
        *eps0_table_lines(rows, res),
        "",
        f"- max |eps0| = **{summ['max_abs_eps0']:.2g}** ({summ['max_state']} at M1 = {ms['M1']:.3g}, M2 = "
        f"{ms['M2']:.0f}, |mu| = {ms['mu']:.0f} GeV, tan(beta) = {ms['tan_beta']:.0f}); median of the "
        f"{summ['n_nonzero']} non-zero |eps0| {summ['median_nonzero_abs_eps0']:.2g}, "
        f"{100 * summ['fraction_above_0p01']:.0f} % of them above 0.01; charginos at most "
        f'{summ["max_abs_eps0_chargino"]:.2g}. HMW\'s "maximal size of eps0 is typically O(0.1)" holds as the '
        "maximal order of magnitude; typical values are smaller.",
        "- MI limit (M1 = 1e8, M2 = 3000, |mu| = 1000 GeV): eps0(chi-_2) = "
        + ", ".join(f"{e:.3g} (tan b = {tb:.0f})" for tb, e in mi)
        + "; eps0 x tan(beta) = "
        + ", ".join(f"{v:.3g}" for v in summ["mi_eps0_times_tan_beta"])
        + ", i.e. eps0 ~ cot(beta) at large tan(beta), as Im[C0 C1^*]/|C0|^2 ~ cot(beta) of eqs. (2.5)-(2.6).",
        f"- CPT/unitarity: over all spectra the largest |sum of Delta Gamma over the final states| / sum of "
        f"|Delta Gamma| of a decaying state is {summ['max_sum_rule_rel']:.1e}.",
        "",
    ]
    results = {
        "rows": [[t, x] for t, x in rows],
        "eps0_chargino": res["eps0_chargino"].tolist(),
        "eps0_neutralino": res["eps0_neutralino"].tolist(),
        "summary": summ,
        "seconds": dt,
    }
    return lines, results


def _figureedm_region(out: pathlib.Path) -> tuple[list[str], dict]:
    """Figure 3: the density curve lam*(phi_2) with the EDM-excluded phases, d_e(phi_2) against the bounds."""
    from . import edm_region

    return edm_region.figure(out)


def main(out: pathlib.Path) -> str:
    _common.setup_jax()
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "## CP asymmetries from the spectrum (Hall et al. 2010, Sec. 2.1)",
        "",
        "eps of the chargino and neutralino decays to (lepton, phi_X) computed from complex M1, M2, mu and tan(beta) "
        "by `jaxgen.cp.cp_asymmetries_from_spectrum`: tree x one-loop interference (eq. 2.5) with the absorptive "
        "parts of the W, Z, h vertex and self-energy graphs by unitarity (docs/derivations/cp_from_spectrum.md), "
        'sleptons and the heavy Higgs bosons decoupled. The Hall chain uses it with `HallSettings(epsilon="spectrum")`.',
        "",
    ]
    results: dict = {}

    def add(name: str, figure: tuple[list[str], dict]) -> None:
        lines.extend(figure[0])
        results[name] = figure[1]

    add("eps_vs_phi2", _figure_eps_vs_phi2(out))
    add("eps0_scan", _figure_eps0_scan(out))
    add("edm_region", _figureedm_region(out))
    # Further figures of this section: define `_figure_<name>(out) -> (markdown lines, JSON-able results)` above and
    # append one line `add("<name>", _figure_<name>(out))` here (their order is the order in the report).

    _common.write_record(
        out,
        "cp_spectrum",
        {"phi2_scan": PHI2_SCAN, "chunk": CHUNK, "n_phi": N_PHI, "mi_scale": MI_SCALE, "mi_m1": MI_M1},
        results,
    )
    return "\n".join(lines)


if __name__ == "__main__":
    _common.cli(main)
