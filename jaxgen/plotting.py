"""Figures for the ``jaxgen`` command and the report (matplotlib: the optional ``plot`` extra).

* :func:`plot_spectra` -- m_X and B/(B-L) across SLHA spectra, with each species' Boltzmann suppression k/k(0).
* :func:`plot_sweep_heatmap` -- a 2D binned statistic of a sweep result over two swept parameters.
* :func:`plot_sensitivity` -- elasticity bars of a sensitivity table (``SensitivityTable.plot`` when it exists).
* :func:`plot_fit_history` -- chi^2 against optimizer step for every start of a fit.
* :func:`plot_freezein_freezeout` -- Fig. 1 of Hall et al. 2010 (freeze-in against freeze-out), the figure of
  :mod:`jaxgen.reproduce.hall_figure1` (:func:`hall_figure1_report` draws it; this module never imports
  ``jaxgen.reproduce``).

Every function writes a PNG to the path given and returns that path. Axes carry units; log scales are used where the
physics spans decades (axes swept with ``log = true``, positive colour values spanning more than two decades).
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Sequence

import numpy as np

__all__ = ["plot_spectra", "plot_sweep_heatmap", "plot_sensitivity", "plot_fit_history", "plot_freezein_freezeout"]


def _plt():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("figures need matplotlib (the 'plot' extra): pip install 'jaxgen[plot]'") from exc
    return plt


def _save(fig, path) -> pathlib.Path:
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def plot_spectra(predictions: Sequence, path, labels: Sequence[str] | None = None) -> pathlib.Path:
    """m_X and B/(B-L) across SLHA spectra (:class:`jaxgen.slha.SpectrumPrediction` list).

    Left: the suppression k(m/T)/k(0) of every species at T (1 = massless, 0 = Boltzmann-suppressed), one marker
    row per spectrum. Right: m_X (GeV) per spectrum, with the all-heavy limits 8/23 (both Higgs doublets light,
    Hall et al. eq. (3.3)) and 28/79 (one light doublet, eq. (3.1) with N_H = 1) at the same Omega_DM/Omega_b.
    """
    plt = _plt()
    from . import _constants as c

    preds = list(predictions)
    if not preds:
        raise ValueError("plot_spectra needs at least one prediction")
    labels = list(labels) if labels is not None else [pathlib.Path(p.source).stem for p in preds]
    species = preds[0].species
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(12, 1.2 + 0.55 * len(preds) + 2.6), gridspec_kw={"width_ratios": [2.6, 1]}
    )
    supp = np.array([np.asarray(p.suppression, float) for p in preds])
    im = ax1.imshow(supp, vmin=0.0, vmax=1.0, cmap="magma", aspect="auto")
    thr = dict(preds[0].settings).get("light_threshold", 0.5)
    for i in range(supp.shape[0]):
        for j in range(supp.shape[1]):
            v = supp[i, j]
            ax1.text(
                j,
                i,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=6.5,
                color="black" if v > 0.55 else "white",
                fontweight="bold" if v >= thr else "normal",
            )
    ax1.set_xticks(np.arange(len(species)))
    ax1.set_xticklabels(species, rotation=60, fontsize=8)
    ax1.set_yticks(np.arange(len(preds)))
    ax1.set_yticklabels(labels, fontsize=8)
    ax1.set_title(
        f"Boltzmann suppression k(m/T)/k(0) at T = {float(preds[0].temperature):.4g} GeV (bold: light, >= {thr:g})",
        fontsize=9,
    )
    cb = fig.colorbar(im, ax=ax1, fraction=0.03, pad=0.01)
    cb.set_label("k(m/T) / k(0)  (1 = massless)", fontsize=8)
    mx = np.array([float(p.m_x) for p in preds])
    ratio = float(preds[0].dm_to_baryon)
    bars = ax2.bar(np.arange(len(preds)), mx, color="C0", alpha=0.8)
    for b, p in zip(bars, preds):
        ax2.text(
            b.get_x() + b.get_width() / 2,
            b.get_height(),
            f"{float(p.m_x):.3f} GeV\nB/(B-L)={float(p.b_over_b_minus_l):.3f}",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    for cval, lab, ls in ((8 / 23, "8/23", "--"), (28 / 79, "28/79", ":")):
        ax2.axhline(cval * ratio * c.M_PROTON, color="k", ls=ls, lw=1, label=f"B/(B-L) = {lab}")
    ax2.set_xticks(np.arange(len(preds)))
    ax2.set_xticklabels(labels, rotation=20, fontsize=8)
    ax2.set_ylabel("predicted DM mass m_X [GeV]")
    ax2.set_ylim(0, max(mx.max(), 28 / 79 * ratio * c.M_PROTON) * 1.45)
    ax2.set_title(f"m_X = (Omega_DM/Omega_b) m_p B/(B-L)\nOmega_DM/Omega_b = {ratio:.4g}", fontsize=9)
    ax2.legend(fontsize=7, loc="upper left", ncol=2)
    fig.tight_layout()
    return _save(fig, path)


def _binned(x, y, z, xedges, yedges, statistic):
    ix = np.clip(np.searchsorted(xedges, x, side="right") - 1, 0, len(xedges) - 2)
    iy = np.clip(np.searchsorted(yedges, y, side="right") - 1, 0, len(yedges) - 2)
    out = np.full((len(xedges) - 1, len(yedges) - 1), np.nan)
    flat = ix * (len(yedges) - 1) + iy
    if statistic == "count":
        cnt = np.bincount(flat, minlength=out.size).astype(float)
        return np.where(cnt > 0, cnt, np.nan).reshape(out.shape)
    if statistic == "mean":
        s = np.bincount(flat, weights=z, minlength=out.size)
        cnt = np.bincount(flat, minlength=out.size)
        return np.where(cnt > 0, s / np.maximum(cnt, 1), np.nan).reshape(out.shape)
    fn = {"median": np.median, "min": np.min, "max": np.max}[statistic]
    order = np.argsort(flat, kind="stable")
    fs, zs = flat[order], z[order]
    starts = np.flatnonzero(np.r_[True, fs[1:] != fs[:-1]])
    ends = np.r_[starts[1:], len(fs)]
    res = out.reshape(-1)
    for a, b in zip(starts, ends):
        res[fs[a]] = fn(zs[a:b])
    return res.reshape(out.shape)


def _tick_label(v: float, sci: bool = False) -> str:
    """Compact label of a log-axis tick (3 significant digits): 50, 200, 0.02, 43.5, or 2e-09 as 2x10^-9 (always
    so with ``sci``: the axes spanning many decades)."""
    if v == 0:
        return "0"
    v = float(f"{v:.3g}")
    if not sci and 1e-3 <= abs(v) < 1e5:
        return f"{v:g}"
    mant, exp = f"{v:.2e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    return f"$10^{{{int(exp)}}}$" if mant == "1" else f"${mant}\\times10^{{{int(exp)}}}$"


def log_tick_values(lo: float, hi: float, ends: bool = True) -> np.ndarray:
    """Major tick positions of a log axis or log colour scale over [lo, hi] (lo > 0).

    Up to 3 decades: 1, 2, 5 x 10^k; wider: the decades (thinned to at most ~8). ``ends``: the range's ends are
    ticks too (labelled with 3 significant digits) unless a tick already sits within 20 % of them, so that no end of
    a heat map's axis or colour bar is left without a number (on a wide axis an end close to a decade is left out:
    the labels would overlap).
    """
    lo, hi = float(min(lo, hi)), float(max(lo, hi))
    span = np.log10(hi / lo)
    subs = (1.0, 2.0, 5.0) if span <= 3.0 else (1.0,)
    ks = np.arange(np.floor(np.log10(lo)) - 1, np.ceil(np.log10(hi)) + 2)
    ticks = np.array([s * 10.0**k for k in ks for s in subs])
    ticks = ticks[(ticks >= lo * (1 - 1e-9)) & (ticks <= hi * (1 + 1e-9))]
    if span > 3.0 and ticks.size > 8:
        ticks = ticks[:: int(np.ceil(ticks.size / 8))]
    if ends:
        for e in (lo, hi):
            if not ticks.size or np.min(np.abs(np.log10(ticks / e))) > max(np.log10(1.2), 0.07 * span):
                ticks = np.append(ticks, e)
    return np.sort(ticks)


def _log_ticks(axis, lo: float, hi: float, ends: bool = True) -> None:
    """Every major tick of a log axis over [lo, hi] labelled (:func:`log_tick_values`); minor ticks unlabelled."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

    sci = np.log10(max(lo, hi) / min(lo, hi)) > 3.0
    axis.set_major_locator(FixedLocator(list(log_tick_values(lo, hi, ends))))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick_label(v, sci)))
    axis.set_minor_locator(LogLocator(base=10.0, subs=[float(s) for s in range(2, 10)]))
    axis.set_minor_formatter(NullFormatter())


def label_log_colorbar(cb, lo: float | None = None, hi: float | None = None) -> None:
    """Label a colour bar with a logarithmic norm at :func:`log_tick_values` (its ends included)."""
    lo = float(cb.norm.vmin if lo is None else lo)
    hi = float(cb.norm.vmax if hi is None else hi)
    ticks = log_tick_values(lo, hi)
    sci = np.log10(max(lo, hi) / min(lo, hi)) > 3.0
    cb.set_ticks(ticks, labels=[_tick_label(t, sci) for t in ticks])
    from matplotlib.ticker import NullFormatter

    cb.ax.yaxis.set_minor_formatter(NullFormatter())


def plot_sweep_heatmap(
    ds,
    x: str,
    y: str,
    z: str,
    path,
    statistic: str = "mean",
    bins: int = 40,
    log_x: bool | None = None,
    log_y: bool | None = None,
    log_z: bool | None = None,
    title: str | None = None,
    valid=None,
) -> pathlib.Path:
    """Heat map of result ``z`` over swept parameters ``x``, ``y`` of a sweep Dataset (``jaxgen.sweep``).

    Points with ``ok == 0`` are dropped (their count is given in the title), or, if ``valid`` (a boolean array
    per point) is given, the points where it is False (e.g. ``status & STATUS_INVALID == 0`` for a chain whose
    status has informational bits). The statistic per bin is ``"mean"``,
    ``"median"``, ``"min"``, ``"max"`` or ``"count"``. Axes are log-scaled when the sweep axis was log (its ``log``
    attribute) unless given; the colour scale is logarithmic when z > 0 spans more than two decades. For a signed z
    spanning decades, the colour shows sign(z) log10|z| (labelled so). Units come from the ``units`` attributes.
    """
    plt = _plt()
    from matplotlib.colors import LogNorm

    for v in (x, y, z):
        if v not in ds:
            raise ValueError(f"plot_sweep_heatmap: {v!r} is not in the dataset; variables: {sorted(ds.data_vars)}")
    if statistic not in ("mean", "median", "min", "max", "count"):
        raise ValueError(f"statistic must be mean, median, min, max or count, got {statistic!r}")
    xv, yv, zv = (np.asarray(ds[v].values, float) for v in (x, y, z))
    if zv.ndim != 1:
        raise ValueError(
            f"plot_sweep_heatmap: {z!r} must be one value per point, has shape {zv.shape}; pick an element variable"
        )
    if valid is not None:
        ok = np.asarray(valid, bool).copy()
    else:
        ok = np.asarray(ds["ok"].values, bool) if "ok" in ds else np.ones(len(xv), bool)
    ok &= np.isfinite(xv) & np.isfinite(yv) & np.isfinite(zv)
    n_bad = int((~ok).sum())
    xv, yv, zv = xv[ok], yv[ok], zv[ok]
    if xv.size == 0:
        raise ValueError("plot_sweep_heatmap: no valid point to plot (every point has ok == 0)")
    lx = bool(ds[x].attrs.get("log", 0)) if log_x is None else log_x
    ly = bool(ds[y].attrs.get("log", 0)) if log_y is None else log_y

    def edges(v, lg):
        lo, hi = float(v.min()), float(v.max())
        if hi <= lo:
            hi = lo + (abs(lo) if lo else 1.0) * 1e-6
        return np.geomspace(lo, hi, bins + 1) if lg and lo > 0 else np.linspace(lo, hi, bins + 1)

    xe, ye = edges(xv, lx), edges(yv, ly)
    zunit = ds[z].attrs.get("units", "")
    zlabel = f"{z}" + (f" [{zunit}]" if zunit not in ("", "1") else "")
    H = _binned(xv, yv, zv, xe, ye, statistic)
    finite = H[np.isfinite(H)]
    norm = None
    if log_z is None:
        pos = finite[finite > 0]
        log_z = bool(finite.size and np.all(finite > 0) and pos.max() / pos.min() > 100)
        signed_log = bool(
            finite.size
            and np.any(finite < 0)
            and np.any(finite > 0)
            and np.nanmax(np.abs(finite)) / max(np.nanmin(np.abs(finite[finite != 0])), 1e-300) > 1e3
        )
    else:
        signed_log = False
    if log_z:
        norm = LogNorm(vmin=finite[finite > 0].min(), vmax=finite.max())
    elif signed_log:
        H = np.sign(H) * np.log10(np.abs(H) / np.nanmin(np.abs(finite[finite != 0])) + 1.0)
        zlabel = f"sign({z}) log10(1 + |{z}|/min|{z}|)" + (f"  ({zunit})" if zunit not in ("", "1") else "")
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    mesh = ax.pcolormesh(xe, ye, H.T, norm=norm, cmap="viridis" if not signed_log else "RdBu_r", shading="flat")
    cb = fig.colorbar(mesh, ax=ax)
    cb.set_label(f"{statistic} of {zlabel}" if statistic != "count" else "points per bin")
    if norm is not None:
        label_log_colorbar(cb)

    def axlabel(v):
        u = ds[v].attrs.get("units", "")
        return v + (f" [{u}]" if u not in ("", "1") else "")

    ax.set_xlabel(axlabel(x))
    ax.set_ylabel(axlabel(y))
    for lg, axis, setter, e in ((lx, ax.xaxis, ax.set_xscale, xe), (ly, ax.yaxis, ax.set_yscale, ye)):
        if lg and e[0] > 0:
            setter("log")
            _log_ticks(axis, float(e[0]), float(e[-1]))
    ax.set_title(
        title or f"{z} over {x}, {y}: {xv.size} points" + (f" ({n_bad} invalid, dropped)" if n_bad else ""), fontsize=9
    )
    fig.tight_layout()
    return _save(fig, path)


def plot_sensitivity(table, path, output: str | None = None) -> pathlib.Path:
    """Horizontal bars of the elasticities d ln|out| / d ln|in| of a sensitivity table.

    Uses ``table.plot(path)`` when the table provides it (``jaxgen.sensitivity.SensitivityTable``); otherwise draws
    one panel per output from ``table.inputs``, ``table.outputs`` and ``table.elasticity`` (n_out, n_in).
    """
    if output is None and hasattr(table, "plot"):
        res = table.plot(path)
        return pathlib.Path(path) if res is None or not isinstance(res, (str, pathlib.Path)) else pathlib.Path(res)
    plt = _plt()
    ins, outs = list(table.inputs), list(table.outputs)
    el = np.asarray(table.elasticity, float).reshape(len(outs), len(ins))
    rows = [outs.index(output)] if output is not None else list(range(len(outs)))
    fig, axes = plt.subplots(1, len(rows), figsize=(3.2 * len(rows) + 1.5, 0.35 * len(ins) + 1.8), squeeze=False)
    for ax, r in zip(axes[0], rows):
        vals = np.nan_to_num(el[r])
        ax.barh(np.arange(len(ins)), vals, color=np.where(vals >= 0, "C0", "C3"))
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(np.arange(len(ins)))
        ax.set_yticklabels(ins if ax is axes[0][0] else [""] * len(ins), fontsize=8)
        ax.set_xlabel(f"d ln|{outs[r]}| / d ln|input|")
        ax.set_title(outs[r], fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def plot_fit_history(history, path, adam_steps: int | None = None, bad_chi2: float = 1e29) -> pathlib.Path:
    """chi^2 against optimizer step, one line per start (``history``: (starts, steps)), log y.

    Values >= ``bad_chi2`` (the penalty jaxgen.fit gives points where the chain's status != 0) are left out (gaps,
    counted in the title). ``adam_steps``: mark where the Levenberg-Marquardt polish starts.
    """
    plt = _plt()
    h = np.array(history, float)
    if h.ndim == 1:
        h = h[None, :]
    n_bad = int(np.sum(h >= bad_chi2))
    h[h >= bad_chi2] = np.nan
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    steps = np.arange(1, h.shape[1] + 1)
    for j in range(h.shape[0]):
        ax.plot(steps, np.clip(h[j], 1e-300, None), lw=1.1, alpha=0.85, label=f"start {j}" if h.shape[0] <= 8 else None)
    if adam_steps is not None and 0 < adam_steps < h.shape[1]:
        ax.axvline(adam_steps + 0.5, color="grey", ls="--", lw=1)
        ax.text(
            adam_steps,
            np.nanmax(h) if np.any(np.isfinite(h)) else 1.0,
            "Adam | LM ",
            fontsize=8,
            color="grey",
            va="top",
            ha="right",
        )
    ax.set_yscale("log")
    ax.set_xlabel("optimizer step (Adam, then Levenberg-Marquardt polish)")
    ax.set_ylabel("chi^2 (dimensionless)")
    best = np.nanmin(h[:, -1]) if np.any(np.isfinite(h[:, -1])) else float("nan")
    ax.set_title(
        f"fit history: {h.shape[0]} start(s), best final chi^2 = {best:.3g}"
        + (f"\n({n_bad} steps with chain status != 0 not shown)" if n_bad else ""),
        fontsize=9,
    )
    if h.shape[0] <= 8:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return _save(fig, path)


def plot_freezein_freezeout(out_dir) -> pathlib.Path:
    """Fig. 1 of Hall et al. 2010 (freeze-in against freeze-out yields vs x = m/T), as in the report
    (:mod:`jaxgen.reproduce.hall_figure1`, via :func:`hall_figure1_report`; needs the ``report`` extra); returns the
    PNG's path in ``out_dir``."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    hall_figure1_report(out_dir)
    pngs = sorted(out_dir.glob("*.png"))
    if not pngs:  # pragma: no cover - hall_figure1_report always writes one
        raise RuntimeError("hall_figure1 wrote no PNG")
    return pngs[0]


def hall_figure1_report(out: pathlib.Path) -> str:
    """Fig. 1 of Hall et al. 2010 (freeze-in against freeze-out yields vs x = m/T): writes ``hall_figure1.png`` and
    the record ``hall_figure1.json`` into ``out`` and returns the report's Markdown section. Enables float64 (an
    entry point of the report, like every ``jaxgen.reproduce`` module). The computation is described in
    :mod:`jaxgen.reproduce.hall_figure1`, which calls this function."""
    import jax

    jax.config.update("jax_enable_x64", True)  # as the report's setup_jax
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.integrate import solve_ivp
    from scipy.special import kve

    from . import _io
    from . import constants as c
    from . import freezeout as fo

    g_star, g, m = 106.75, 2.0, 100.0
    xs = np.geomspace(0.1, 100.0, 200)

    def lnyeq(x):
        return math.log(45 * g / (4 * math.pi**4 * g_star)) + 2 * math.log(x) + math.log(kve(2, x)) - x

    yeq = np.array([math.exp(lnyeq(x)) for x in xs])

    # freeze-out trajectories (start at x = 1: Y = Y_eq before; relativistic equilibrium at x < 1 is plotted from Y_eq)
    a_values = [1e-11, 1e-9, 1e-7]
    save = tuple(float(x) for x in xs[xs >= 1.0])
    settings = fo.FreezeOutSettings(x_start=1.0, x_end=1000.0, save_x=save)
    batch = fo.FreezeOutParams(
        m=jax.numpy.full(3, m),
        a=jax.numpy.asarray(a_values),
        b=jax.numpy.zeros(3),
        g=jax.numpy.full(3, g),
        eta=jax.numpy.zeros(3),
        y0_ratio=jax.numpy.ones(3),
    )
    res = jax.jit(jax.vmap(lambda p: fo.solve_freezeout(p, None, settings)))(batch)
    fo_traj = np.asarray(res.ys)
    status_fo = np.asarray(res.status).tolist()

    # freeze-in trajectories
    hc = math.sqrt(4 * math.pi**3 / 45)
    y_x_eq = 45 * c.ZETA3 * g / (2 * math.pi**4 * g_star)  # light X (m_X << m_B), relativistic boson equilibrium

    def fi(width):
        def rhs(x, y):
            h = hc * math.sqrt(g_star) * (m / x) ** 2 / c.M_PLANCK
            return [width / (x * h) * kve(1, x) / kve(2, x) * math.exp(lnyeq(x)) * (1.0 - y[0] / y_x_eq)]

        sol = solve_ivp(rhs, (xs[0], xs[-1]), [0.0], method="Radau", t_eval=xs, rtol=1e-8, atol=1e-30)
        return sol.y[0]

    widths = [1e-17, 1e-16, 1e-15, 1e-12]
    fi_scipy = [fi(w) for w in widths]

    # jaxgen: one compiled, vmapped diffrax solve over the four couplings (light X, MB equilibrium at T' = T)
    from . import cosmology as cosmo_mod
    from . import freezein

    jnp = jax.numpy
    n = len(widths)
    fi_params = freezein.FreezeInParams(
        mass=jnp.full((n, 1), m),
        width=jnp.asarray(widths)[:, None],
        dof=jnp.full((n, 1), g),
        eps=jnp.zeros((n, 1)),
        y0=jnp.zeros(n),
        m_x=jnp.zeros(n),
        g_x=jnp.full(n, g),
        temperature_ratio=jnp.ones(n),
    )
    fi_settings = freezein.FreezeInSettings(
        inverse_decays=True, t_min=math.log(xs[0]), t_max=math.log(xs[-1]), n_save=len(xs), compute_x_half=True
    )
    const = cosmo_mod.Cosmology(table="constant", g_constant=g_star)
    fi_res = jax.jit(jax.vmap(lambda p: freezein.solve_freezein(p, const, fi_settings)))(fi_params)
    fi_x = np.asarray(fi_res.x)
    fi_traj = [np.interp(np.log(xs), np.log(fi_x[i]), np.asarray(fi_res.y)[i]) for i in range(n)]
    fi_status = np.asarray(fi_res.status).tolist()
    # agreement with the independent scipy solution where the back-reaction is negligible (feeble couplings);
    # the strongest coupling saturates at the MB equilibrium yield in jaxgen vs Bose-Einstein in the scipy check
    fi_rel = [float(abs(fi_traj[i][-1] / fi_scipy[i][-1] - 1.0)) for i in range(n)]

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.loglog(xs, yeq, "k-", lw=2, label=r"equilibrium $Y_{\rm eq}$")
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
    xfo = np.concatenate([xs[xs < 1.0], np.asarray(save)])
    for i, a in enumerate(a_values):
        y = np.concatenate([yeq[xs < 1.0], fo_traj[i]])
        ax.loglog(xfo, y, "-", color=colors[i], label=rf"freeze-out $\langle\sigma v\rangle$={a:.0e} GeV$^{{-2}}$")
    for i, w in enumerate(widths):
        ax.loglog(xs, fi_traj[i], "--", color=colors[i], label=rf"freeze-in $\Gamma$={w:.0e} GeV")
    ax.annotate("", xy=(40, 3e-15), xytext=(40, 3e-11), arrowprops=dict(arrowstyle="->"))
    ax.text(45, 1e-12, "freeze-out:\nincreasing\ncoupling", fontsize=8)
    ax.annotate("", xy=(20, 1e-3), xytext=(20, 1e-6), arrowprops=dict(arrowstyle="->"))
    ax.text(22, 1e-5, "freeze-in:\nincreasing\ncoupling", fontsize=8)
    ax.set_xlabel(r"$x = m/T$")
    ax.set_ylabel(r"$Y = n/s$")
    ax.set_ylim(1e-16, 1e-1)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_title("Freeze-in vs freeze-out (Hall et al. 2010, Fig. 1)", fontsize=10)
    ax.legend(fontsize=6.5, loc="lower left", ncol=2)
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    png = out / "hall_figure1.png"
    fig.savefig(png, dpi=130)
    plt.close(fig)

    # x at which half of the freeze-in yield has been produced (paper: dominated by x ~ 2-5)
    half_x = [float(v) for v in np.asarray(fi_res.x_half)[:3]]
    results = {
        "freezeout_y_inf": np.asarray(res.y_inf).tolist(),
        "freezeout_status": status_fo,
        "freezein_y_final": [float(t[-1]) for t in fi_traj],
        "freezein_half_yield_x": half_x,
        "freezein_status": fi_status,
        "freezein_rel_diff_vs_scipy": fi_rel,
    }
    _io.write_record(out, "hall_figure1", {"m": m, "g": g, "g_star": g_star, "a": a_values, "widths": widths}, results)
    return (
        "## Hall et al. 2010, Figure 1\n\n"
        f"![Figure 1]({png.name})\n\n"
        f"Freeze-out (m = {m} GeV, <sigma v> = {a_values} GeV^-2): Y_inf = "
        f"{', '.join(f'{v:.3g}' for v in results['freezeout_y_inf'])} (status {status_fo}). "
        f"Freeze-in (Gamma = {widths} GeV): half of the yield is produced by x = "
        f"{', '.join(f'{v:.2f}' for v in half_x)} for the feeble couplings (paper: x ~ 2-5); status {fi_status}. "
        f"Final yields vs an independent scipy Radau solution: relative differences "
        f"{', '.join(f'{v:.1e}' for v in fi_rel)} (the last, equilibrated coupling saturates at the MB equilibrium "
        f"yield in jaxgen and at the Bose-Einstein one in the scipy check, a factor zeta(3)).\n"
    )
