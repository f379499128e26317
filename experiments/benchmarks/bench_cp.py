"""Benchmark: CP asymmetries computed from the spectrum, and the Hall chain that uses them, against their baselines.

Rows (all measured in the same run, float64, random spectra, seed 0):

* eps for a full spectrum: ``jax.vmap(jaxgen.cp.cp_asymmetries_from_spectrum)`` (every output: eps of the 2
  charginos and 4 neutralinos, the widths and rate differences of all visible channels, the sum rules): points/s and
  compile time (target of the CP issue: >= 1e5 points/s on 2 CPU cores), at N = n_eps and at a large batch
  N = n_big. Baselines in the same run: ``unitarity_check=True`` (both directions of every cut evaluated, the
  default before the pairwise antisymmetry was used), and the original numerical-Dirac-trace path (``_asymmetries_reference``:
  vmap of ``_tree_width`` / ``_pair``) at N = n_eps. Profile of the evaluated (closed-form) call: the mass basis +
  the 74 tree widths alone (``_tree_widths_closed``), and the mass basis + the unitarity cuts
  (``_cuts_closed``: 112 of the 224 evaluated, the rest by antisymmetry) alone.
* Hall chain (``asymmetric_freezein_batch``) with the computed eps (``HallSettings(epsilon="spectrum")``) vs the same
  points with eps0 as input
  (``HallSettings()``, the eq. 2.7 parameterization; the eps0 mode ignores the spectrum): points/s (target: the
  spectrum mode within 2x of the eps0 mode), and the gradient (one reverse pass with a cotangent on every output,
  ``bench_chains.all_outputs_scalar``) over the forward pass (target <= 2x).

The reference path costs ~15 ms per point on 2 cores, hence its small N. The heading records the 1-minute load
average at the start and the end (other processes may share the CPU). Usage: ``python experiments/benchmarks/bench_cp.py --out DIR``.
"""

from __future__ import annotations

import math
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import _common
import _timing

EPS_TARGET = 1e5  # points/s on 2 CPU cores (CP issue, performance)


def random_spectra(n: int, seed: int = 0):
    """n GauginoHiggsinoParams points: M1 in [100, 1000], M2, |mu| in [200, 2000] GeV (log-uniform), tan(beta) in
    [2, 40] (log-uniform), phases of M1 and mu uniform in [-pi, pi] (M2 real)."""
    import jax.numpy as jnp
    import numpy as np

    import jaxgen.cp as cp
    from jaxgen import constants as c

    rng = np.random.default_rng(seed)

    def lu(lo, hi):
        return jnp.asarray(10 ** rng.uniform(math.log10(lo), math.log10(hi), n))

    return cp.GauginoHiggsinoParams(
        M1=lu(100.0, 1000.0),
        M2=lu(200.0, 2000.0),
        mu=lu(200.0, 2000.0),
        tan_beta=lu(2.0, 40.0),
        phi_1=jnp.asarray(rng.uniform(-math.pi, math.pi, n)),
        phi_2=jnp.zeros(n),
        phi_mu=jnp.asarray(rng.uniform(-math.pi, math.pi, n)),
        m_W=jnp.full(n, c.M_W),
        m_Z=jnp.full(n, c.M_Z),
        sin2_theta_w=jnp.full(n, c.SIN2_THETA_W),
    )


def _log(msg: str) -> None:
    """A figure in the log as soon as it is measured (a process killed at its time limit still leaves it)."""
    print(f"[bench_cp] {msg}", flush=True)


def main(out: pathlib.Path, n_eps: int = 32, n_big: int = 1024, n_chain: int = 2048, n_grad: int = 8) -> str:
    import os

    load_start = os.getloadavg()[0]
    import jax
    import jax.numpy as jnp
    import numpy as np
    from bench_chains import HALL_GRAD_EXCLUDE, all_outputs_scalar

    import jaxgen.cp as cp
    from jaxgen import _cp_loops as L
    from jaxgen import constants as c
    from jaxgen.scenarios import hall as H

    _common.setup_jax()
    spec = random_spectra(n_eps)
    m_phi = 1.784

    # --- eps for a full spectrum
    def eps_all(p):
        return jax.vmap(lambda q: cp.cp_asymmetries_from_spectrum(q, lam=1e-10, m_phi=m_phi))(p)

    t_eps = _timing.time_jax(eps_all, spec)
    eps_rate = n_eps / t_eps["run_s"]
    _log(f"eps N={n_eps}: {eps_rate:.4g} points/s, compile {t_eps['compile_s']:.3g} s")
    r = t_eps["out"]
    sr = float(
        np.max(np.abs(np.asarray(r.sum_rule_neutralino)))
        / max(float(np.max(np.abs(r.delta_lambda_neutralino))), 1e-300)
    )

    # both directions of every cut evaluated (unitarity_check=True: the default before the pairwise antisymmetry
    # was used), same points
    def eps_check(p):
        return jax.vmap(lambda q: cp.cp_asymmetries_from_spectrum(q, lam=1e-10, m_phi=m_phi, unitarity_check=True))(p)

    t_chk = _timing.time_jax(eps_check, spec)
    chk_rate = n_eps / t_chk["run_s"]
    spec_big = random_spectra(n_big, seed=1)
    t_big = _timing.time_jax(eps_all, spec_big)
    big_rate = n_big / t_big["run_s"]
    # the batch entry point (lax.map over vmapped chunks of 512 above 1024 points), same large batch
    t_bb = _timing.time_jax(lambda p: cp.cp_asymmetries_from_spectrum_batch(p, 1e-10, m_phi), spec_big)
    batch_rate = n_big / t_bb["run_s"]
    _log(f"eps N={n_big}: flat vmap {big_rate:.4g}, batch entry point {batch_rate:.4g} points/s")

    # before: the numerical Dirac traces (the original implementation, kept as the reference), same points
    def eps_ref(p):
        lam = L._lambda_norm(1e-10)
        mp = jnp.asarray(m_phi)
        return jax.vmap(lambda q: L._asymmetries_reference(q, lam, mp, c.M_HIGGS, L._G2_DEFAULT, c.ALPHA_W))(p)

    t_ref = _timing.time_jax(eps_ref, spec)
    ref_rate = n_eps / t_ref["run_s"]
    rr = t_ref["out"]
    dev = max(
        float(np.max(np.abs(np.asarray(getattr(r, k)) - np.asarray(getattr(rr, k)))))
        / max(float(np.max(np.abs(np.asarray(getattr(rr, k))))), 1e-300)
        for k in ("eps_chargino", "eps_neutralino", "delta_visible_neutralino", "width_total")
    )

    # profile: the mass basis + tree widths, and the unitarity cuts, apart
    def _basis_widths(q):
        OUT, IN, mf = L._mass_basis_fast(q, L._G2_DEFAULT, 1e-10)  # the evaluated path's mass basis
        mb = jnp.stack([q.m_W, q.m_W, q.m_Z, jnp.asarray(c.M_HIGGS), jnp.asarray(m_phi), jnp.asarray(m_phi)])
        gam = L._tree_widths_closed(OUT, mf, mb)
        return OUT, IN, mf, mb, gam

    def widths_only(p):
        return jax.vmap(lambda q: _basis_widths(q)[-1])(p)

    def pairs_only(p):
        def one(q):
            OUT, IN, mf, mb, _ = _basis_widths(q)
            width = jnp.full(8, 1e-3)  # fixed regulator widths: the cost of the cuts without the width sums
            return L._cuts_closed(OUT, IN, mf, mb, width)

        return jax.vmap(one)(p)

    t_w = _timing.time_jax(widths_only, spec)
    t_p = _timing.time_jax(pairs_only, spec)

    # --- Hall chain: computed eps vs eps0 as input, same points
    base = H.HallParams.benchmark_spectrum()
    sub = random_spectra(n_chain, seed=2)  # n_chain distinct spectra (not a slice of the n_eps above)
    pts = H.HallParams.batch(base=base, spectrum=sub)
    s_spec = H.HallSettings(epsilon="spectrum")
    s_eps0 = H.HallSettings()

    def fwd(s):  # the batch entry point (chunks of HALL_SPECTRUM_CHUNK in spectrum mode; eps0: one flat vmap)
        return lambda q: H.asymmetric_freezein_batch(q, s)

    def grad(s):
        return lambda q: jax.vmap(
            jax.grad(lambda x: all_outputs_scalar(H.asymmetric_freezein(x, s), HALL_GRAD_EXCLUDE))
        )(q)

    chain = {}
    for name, s in (("spectrum", s_spec), ("eps0", s_eps0)):
        tf = _timing.time_jax(fwd(s), pts)
        ok = np.asarray(tf["out"].status) == 0
        pg = jax.tree.map(lambda v: v[:n_grad], pts)
        tf_g = _timing.time_jax(fwd(s), pg)
        tg = _timing.time_jax(grad(s), pg)
        _log(f"Hall chain epsilon={name!r} N={n_chain}: {n_chain / tf['run_s']:.4g} points/s")
        chain[name] = {
            "n": n_chain,
            "points_per_s": n_chain / tf["run_s"],
            "compile_forward_s": tf["compile_s"],
            "n_valid": int(ok.sum()),
            "n_grad": n_grad,
            "grad_over_forward": tg["run_s"] / tf_g["run_s"],
            "compile_grad_s": tg["compile_s"],
        }
    ratio = chain["eps0"]["points_per_s"] / chain["spectrum"]["points_per_s"]

    res = {
        "load_average_start": load_start,
        "load_average_end": os.getloadavg()[0],
        "eps": {
            "n": n_eps,
            "points_per_s": eps_rate,
            "compile_s": t_eps["compile_s"],
            "run_s": t_eps["run_s"],
            "target_points_per_s": EPS_TARGET,
            "meets_target": eps_rate >= EPS_TARGET,
            "sum_rule_rel_max": sr,
            "n_big": n_big,
            "points_per_s_big": big_rate,
            "compile_big_s": t_big["compile_s"],
            "points_per_s_batch_big": batch_rate,
            "compile_batch_big_s": t_bb["compile_s"],
            "unitarity_check_points_per_s": chk_rate,
            "unitarity_check_compile_s": t_chk["compile_s"],
            "reference_points_per_s": ref_rate,
            "reference_compile_s": t_ref["compile_s"],
            "speedup_vs_reference": eps_rate / ref_rate,
            "max_rel_deviation_vs_reference": dev,
            "profile": {
                "basis_and_widths_run_s": t_w["run_s"],
                "basis_and_widths_compile_s": t_w["compile_s"],
                "cuts_run_s": t_p["run_s"],
                "cuts_compile_s": t_p["compile_s"],
                "n_cuts": int(len(L._PAIRS)),
                "n_cuts_evaluated": int(len(L._PAIRS)) // 2,
                "n_widths": int(len(L._WIDTHS)),
            },
        },
        "hall": chain,
        "eps0_over_spectrum_throughput": ratio,
    }
    _common.write_record(
        out,
        "bench_cp",
        {
            "n_eps": n_eps,
            "n_big": n_big,
            "n_chain": n_chain,
            "n_grad": n_grad,
            "repeats": _timing.REPEATS,
            "m_phi": m_phi,
        },
        res,
    )
    load = (
        f" (1-min load average {res['load_average_start']:.1f} at the start, {res['load_average_end']:.1f} at the end,"
        f" on {os.cpu_count()} cores)"
    )
    pr = res["eps"]["profile"]
    lines = [
        "## CP asymmetries from the spectrum and the Hall chain with them" + load,
        "",
        f"float64, median of >= {_timing.REPEATS} runs after a warm-up call; compile (lower().compile()) timed apart; "
        "baselines in the same run.",
        "",
        "| row | N | points/s | compile [s] | target | met |",
        "|---|---|---|---|---|---|",
        f"| eps for a full spectrum, vmap(cp_asymmetries_from_spectrum) | {n_eps} | {eps_rate:.3g} | "
        f"{t_eps['compile_s']:.1f} | >= {EPS_TARGET:.0e} points/s | {'yes' if eps_rate >= EPS_TARGET else 'no'} |",
        f"| eps, same call, large batch | {n_big} | {big_rate:.3g} | {t_big['compile_s']:.1f} | "
        f">= {EPS_TARGET:.0e} points/s | {'yes' if big_rate >= EPS_TARGET else 'no'} |",
        f"| eps, cp_asymmetries_from_spectrum_batch (chunks of 512 above 1024 points), same large batch | {n_big} | "
        f"{batch_rate:.3g} | {t_bb['compile_s']:.1f} | >= {EPS_TARGET:.0e} points/s | "
        f"{'yes' if batch_rate >= EPS_TARGET else 'no'} |",
        f"| eps, unitarity_check=True (both directions of the 224 cuts; the default before stop 18) | {n_eps} | "
        f"{chk_rate:.3g} | {t_chk['compile_s']:.1f} | baseline | - |",
        f"| eps, numerical Dirac traces (before: _asymmetries_reference) | {n_eps} | {ref_rate:.3g} | "
        f"{t_ref['compile_s']:.1f} | reference | - |",
    ]
    for name, label in (
        ("spectrum", "computed eps (epsilon='spectrum'; asymmetric_freezein_batch)"),
        ("eps0", "eps0 as input (default)"),
    ):
        e = chain[name]
        lines.append(
            f"| Hall chain, {label} | {n_chain} | {e['points_per_s']:.3g} | {e['compile_forward_s']:.1f} | "
            f"{'spectrum within 2x of eps0' if name == 'spectrum' else 'baseline'} | "
            f"{('yes' if ratio <= 2 else 'no') if name == 'spectrum' else '-'} |"
        )
    lines += [
        "",
        f"- eps0 mode / spectrum mode throughput: **{ratio:.3g}x** (target <= 2x).",
        f"- gradient/forward (N = {n_grad}, every output): spectrum mode **{chain['spectrum']['grad_over_forward']:.2f}x** "
        f"(compile {chain['spectrum']['compile_grad_s']:.1f} s; target <= 2x), eps0 mode "
        f"{chain['eps0']['grad_over_forward']:.2f}x (compile {chain['eps0']['compile_grad_s']:.1f} s).",
        f"- profile of the eps call (N = {n_eps}): mass basis + {pr['n_widths']} tree widths "
        f"{pr['basis_and_widths_run_s']:.3g} s, mass basis + {pr['n_cuts']} unitarity cuts "
        f"({pr['n_cuts_evaluated']} evaluated, the rest by antisymmetry) {pr['cuts_run_s']:.3g} s, "
        f"whole call {t_eps['run_s']:.3g} s (closed-form spin sums).",
        f"- closed form vs numerical traces (same {n_eps} points): speed-up **{eps_rate / ref_rate:.3g}x**, max "
        f"relative deviation {dev:.1e} (eps, visible Delta Gamma, widths; relative to each field's max).",
        f"- CPT/unitarity residual over the points: max |sum rule| / max |Delta Gamma(nu phi_X)| = {sr:.1e}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    _common.cli(main)
