"""Table of the constants and observed-density presets jaxgen uses, with their sources."""

from __future__ import annotations

import pathlib

from . import _common


def main(out: pathlib.Path) -> str:
    from jaxgen import constants as c

    out.mkdir(parents=True, exist_ok=True)
    rows = [
        ("M_Pl [GeV]", c.M_PLANCK, "PDG 2024"),
        ("reduced M_Pl [GeV]", c.M_PLANCK_REDUCED, "M_Pl/sqrt(8 pi)"),
        ("m_p [GeV]", c.M_PROTON, "CODATA 2018"),
        ("v [GeV]", c.V_HIGGS, "(sqrt2 G_F)^-1/2"),
        ("alpha_w(m_Z)", c.ALPHA_W, "alpha/sin^2 theta_W"),
        ("s0 [cm^-3]", c.ENTROPY_DENSITY_TODAY_CM3, "2pi^2/45 g_s0 T0^3, N_eff=3.044"),
        ("rho_c/h^2 [GeV cm^-3]", c.RHO_CRIT_OVER_H2_CM3, "3 H100^2 M_Pl^2/(8 pi)"),
    ]
    lines = ["## Constants and observed densities", "", "| quantity | value | source |", "|---|---|---|"]
    lines += [f"| {n} | {v:.7g} | {s} |" for n, v, s in rows]
    lines += [
        "",
        "| preset | Omega_DM h^2 | Omega_b h^2 | Omega_DM/Omega_b | Y_B | eta_B | source |",
        "|---|---|---|---|---|---|---|",
    ]
    results = {}
    for p in (c.PLANCK_2018, c.HALL_2010, c.ARDU_2025):
        lines.append(
            f"| {p.name} | {p.omega_dm_h2:.5g} | {p.omega_b_h2:.5g} | {p.dm_to_baryon:.4f} | "
            f"{p.baryon_yield:.4e} | {p.eta_b:.4e} | {p.source} |"
        )
        results[p.name] = {"dm_to_baryon": p.dm_to_baryon, "baryon_yield": p.baryon_yield, "eta_b": p.eta_b}
    _common.write_record(out, "constants_table", {}, results)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    _common.cli(main)
