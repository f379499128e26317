"""Signatures of both papers: paper value / jaxgen / note table, and the LOSP decay length vs eps figure.

Hall, March-Russell, West 2010, eqs. (4.2), (4.8), (4.9), (5.2)-(5.4) and the non-thermalization bound (p. 4);
Ardu, Queiroz Correa, Vives 2025, eq. (27) and the BBN check after it. Derivations: docs/derivations/signatures.md.

Run: ``.venv/bin/python experiments/hall_signatures.py --out experiments/output``.
"""

from __future__ import annotations

import math
import pathlib

from . import _common


def _rows():

    from jaxgen import constants as c
    from jaxgen import signatures as sg

    eta_ref = 2.45e-10  # eta_X for m_X = 1.62 GeV (Hall eq. 3.2) with Y_B = 8.7e-11
    ref42 = dict(eps_a=1e-5, m_x=1.0, m_a=100.0, m_losp=100.0)
    y_lr = float(sg.asymmetric_nlsp_yield(8.3, dm_to_baryon=5.0))
    chk = sg.bbn_check(2000.0, y_lr, 8.3)
    m1 = 2000.0 * float(chk.lifetime) ** 0.2
    chk1 = sg.bbn_check(m1, y_lr, 8.3)
    y_ll = float(sg.asymmetric_nlsp_yield(5.3, dm_to_baryon=5.0))
    chk_ll = sg.bbn_check(2000.0, y_ll, 5.3)
    f = float
    rows = [
        (
            "Hall (1.1) C_FI",
            "1.64",
            f"{sg.C_FREEZE_IN:.4f} (M_Pl full) = {sg.C_FREEZE_IN * c.M_PLANCK / c.M_PLANCK_REDUCED:.3f} (reduced)",
            "1.64 holds with the reduced Planck mass",
        ),
        (
            "Hall (4.2) L at ref. point, gamma=2",
            "10 m",
            f"{f(sg.losp_decay_length(**ref42, beta_gamma=math.sqrt(3))):.2f} m (beta gamma=sqrt 3); "
            f"{f(sg.losp_decay_length(**ref42, beta_gamma=2.0)):.2f} m (beta gamma=2); c tau = "
            f"{f(sg.losp_decay_length(**ref42)):.2f} m",
            "derived from eq. (4.1) + Omega_DM h^2 = 0.120; printed prefactor "
            f"{10.0 / f(sg.losp_decay_length(**ref42, beta_gamma=math.sqrt(3))):.2f}x larger (vs beta gamma = sqrt 3); "
            "lab length uses beta*gamma",
        ),
        (
            "Hall p.4/Sec 4.1: tau at lambda=1e-6, m=100 GeV",
            "~1e-13 s",
            f"{c.GEV_INV_TO_S / f(sg.losp_width_from_coupling(1e-6, 100.0)):.3g} s",
            "fixes the convention Gamma = lambda^2 m/(8 pi)",
        ),
        (
            "Hall p.4: non-thermalization bound on lambda (m_B=100 GeV)",
            "1e-6",
            f"{f(sg.thermalization_coupling_bound(100.0)):.3g}",
            "derived from T_X/T < 1 (g_X=10, g_*=100, g_B=2); same sqrt(m_B) scaling, prefactor "
            f"{1e-6 / f(sg.thermalization_coupling_bound(100.0)):.1f}x smaller",
        ),
        (
            "Hall (4.8) tau_psiX (XUDD) at ref.",
            "1e4 s",
            f"{f(sg.psi_x_lifetime_xudd(2.0)):.3g} s (derived); {f(sg.hall_eq_4_8(2.0)):.3g} s (as printed)",
            "derived: gaugino-dressed X U D S/M_* (the gluino part cancels for degenerate squarks, the bino survives: "
            "no alpha_s dependence), C defined by the matrix element of u(ds) between the vacuum and B M, = C m_psi^2 (jaxgen.signatures.psi_x_lifetime_xudd); "
            f"{f(sg.psi_x_lifetime_xudd(2.0)) / f(sg.hall_eq_4_8(2.0)):.3g}x the printed value",
        ),
        (
            "Hall (4.9) tau_psiX (XLHu) at ref.",
            "10 s",
            f"{f(sg.psi_x_lifetime_lhu(1e-10, 2.0)):.3g} s (derived); {f(sg.hall_eq_4_9(1e-10, 2.0)):.3g} s (as printed)",
            "derived: psi_X-nu mixing lambda v_u/m_psi, three-body W/Z channels (jaxgen.signatures.psi_x_lifetime_lhu); "
            f"{f(sg.psi_x_lifetime_lhu(1e-10, 2.0)) / f(sg.hall_eq_4_9(1e-10, 2.0)):.3g}x the printed value",
        ),
        (
            "Hall (5.2) T_X,i/T_vis",
            "0.05",
            f"{f(sg.hidden_temperature_ratio(1e-3, eta_ref)):.4f}",
            "derived (T_X/T)^4 = (10/3)(g_*/g_X) eta_X/eps, eta_X = 2.45e-10 (m_X = 1.62 GeV); agrees to 1 digit",
        ),
        (
            "Hall (5.3) T_vis at LOSP decay",
            "15.5 GeV (g_*/100)^(+1/4)",
            f"{f(sg.losp_decay_temperature(1e-8, 100.0)):.2f} GeV (g_*/100)^(-1/4)",
            f"15.5 reproduced ({f(sg.losp_decay_temperature(1e-8, 100.0, planck_mass=1e19)):.2f}) with M_Pl = 1e19 GeV;"
            " g_* exponent is -1/4 (Gamma = H)",
        ),
        (
            "Hall (5.4) T_X at LOSP decay",
            "770 MeV (g_X/10)^(+1/4)",
            f"{1e3 * f(sg.hidden_temperature_at_losp_decay(1e-8, 100.0, 1e-3, eta_ref)):.0f} MeV (10/g_X)^(1/4)",
            "= (5.2) x (5.3); printed 770 = 15.5 x 0.05 (775); g_X exponent sign flipped in print; g_* cancels",
        ),
        (
            "Hall Sec 5.3: T_X,fo (m_X = 1.62 GeV, x_fo = 20)",
            "few 10 MeV",
            f"{1e3 * f(sg.hidden_freezeout_temperature(1.62)):.0f} MeV; T_X,dec/T_X,fo = "
            f"{f(sg.hidden_temperature_at_losp_decay(1e-8, 100.0, 1e-3, eta_ref) / sg.hidden_freezeout_temperature(1.62)):.1f}",
            "closed-form estimate: T_X,dec = derived eq. (5.4) above over T_X,fo = m_X/x_fo with a FIXED x_fo = 20 "
            "(the paper's 'few 10 MeV'); > 1: freeze-out still running at LOSP decay, as the paper concludes. The "
            "chain section recomputes the ratio with x_f from the hidden freeze-out itself (a different number)",
        ),
        (
            "Ardu (27) t_NLSP (2 TeV, m_3/2 = 10 GeV)",
            "1.6 s",
            f"{f(sg.nlsp_lifetime(2000.0, 10.0)):.3f} s (reduced M_Pl); {f(sg.nlsp_lifetime(2000.0, 10.0, c.M_PLANCK)):.1f} s (full)",
            f"reduced Planck mass confirmed; printed value {100 * (1 - 1.6 / f(sg.nlsp_lifetime(2000.0, 10.0))):.0f} % low",
        ),
        (
            "Ardu Sec 4: Y bound at m = 2 TeV",
            "2e-10 - 1e-11",
            f"{1e-7 / 2000:.0e} - {1e-8 / 2000:.0e}",
            "m Y <= 1e-7 - 1e-8 GeV divided by 2 TeV; printed numbers inconsistent",
        ),
        (
            "Ardu Sec 4: Delta Y_NLSP ~ 1/2 Delta Y_B",
            "4e-11",
            f"{0.5 * c.PLANCK_2018.baryon_yield:.2g} (1/2 Y_B); {y_lr:.2g} (eq. 25, m_3/2 = 8.3 GeV)",
            "ok at 1 digit",
        ),
        (
            "Ardu Table 2: BBN bound, l_R NLSP",
            ">~ 2 TeV",
            f"m Y/bound = {f(chk.margin):.2f} at 2 TeV (tau {f(chk.lifetime):.2f} s); {f(chk1.margin):.2f} at "
            f"{m1 / 1e3:.2f} TeV (tau = 1 s)",
            f"marginal at the bound's 1-digit precision: m_min ~ {m1 / 1e3:.1f} TeV",
        ),
        (
            "Ardu Table 2: BBN bound, l_L / sneutrino",
            ">~ 2 TeV",
            f"tau = {f(chk_ll.lifetime):.2f} s < 1 s; m Y/(1 s bound) = {f(chk_ll.margin):.2f}",
            "needs the (unquoted) weaker bound below 1 s; not checkable from the paper's numbers",
        ),
    ]
    return rows


def main(out: pathlib.Path) -> str:
    import jax
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from jaxgen import constants as c
    from jaxgen import signatures as sg

    out.mkdir(parents=True, exist_ok=True)
    rows = _rows()
    lines = [
        "## Signatures (Hall et al. 2010 Sec. 4-5; Ardu et al. 2025 eq. 27 + BBN)",
        "",
        "| quantity | paper value | jaxgen | note |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {d} | {e} |" for a, b, d, e in rows]

    # LOSP decay length vs eps for a few m_LOSP (m_a = m_LOSP, r = 1, f = 0, g_a = 2, g_* = 100).
    # m_X from the observed ratio for an SM-like B/(B-L): eta_X = eta_B = Y_B -> m_X = (Omega_DM/Omega_b) m_p.
    m_x = c.PLANCK_2018.dm_to_baryon * c.M_PROTON
    eps = np.logspace(-10, -1, 181)
    fn = jax.jit(jax.vmap(lambda e, m: sg.losp_decay_length(e, m_x, m, m, beta_gamma=1.0), in_axes=(0, None)))
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    masses = (100.0, 300.0, 1000.0, 3000.0)
    data = {}
    for m in masses:
        L = np.asarray(fn(jax.numpy.asarray(eps), m))
        data[m] = L
        ax.loglog(eps, L, label=f"$m_{{LOSP}} = m_a = {m:g}$ GeV")
    ax.loglog(
        eps,
        np.asarray(sg.hall_eq_4_2(eps, m_x, 100.0, 100.0, gamma=2.0)) / 2.0 * 1.0,
        "k:",
        label="eq. (4.2) as printed, 100 GeV, with (gamma/2) -> 1/2",
    )
    ax.axhspan(1e-3, 10.0, color="0.85", zorder=0, label="1 mm - 10 m (inside ATLAS/CMS)")
    ax.axhline(c.C_CM_S * 1e-2 * 1e2, color="r", ls="--", lw=0.8, label="c x 100 s (BBN)")
    ax.set_xlabel(r"$\epsilon_a$")
    ax.set_ylabel(r"proper decay length $c\tau_{LOSP}$ [m]")
    ax.set_title(f"Hall et al. (4.2) derived; $m_X$ = {m_x:.2f} GeV, $g_*$ = 100, r = 1, f = 0")
    ax.legend(fontsize=7)
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "hall_signatures_decay_length.png", dpi=130)
    plt.close(fig)
    lines += [
        "",
        f"![LOSP decay length](hall_signatures_decay_length.png)\n\n(c tau vs eps_a; multiply by beta*gamma for the lab). "
        f"At eps_a = 1e-5, m = 100 GeV: c tau = {float(data[100.0][np.argmin(abs(eps - 1e-5))]):.1f} m "
        f"(m_X = {m_x:.2f} GeV).",
    ]
    _common.write_record(
        out,
        "hall_signatures",
        {"m_x": m_x, "eta_x_ref": 2.45e-10, "masses": masses},
        {"table": [list(r) for r in rows]},
    )
    return "\n".join(lines)


if __name__ == "__main__":
    _common.cli(main)
