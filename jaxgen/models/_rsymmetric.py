"""The R-symmetric MSSM with Dirac gauginos and an R-breaking singlet sector (Ardu, Queiroz Correa, Vives 2025).

Chemical equilibrium in two stages (Ardu et al. 2025, Sections 3 and 4, Appendix B; the derivation of every condition
and every choice is in ``docs/derivations/r_symmetric_equilibrium.md``):

1. ``T >~ m_SUSY`` (:func:`high_temperature_stage` + :func:`solve_stage`; the same content as a generic
   ``jaxgen.models.Model``: :func:`r_symmetric_mssm`): all fields of Table 1 (both components of each
   chiral superfield, the Dirac gauginos and their adjoint partners S, T, O, the Higgs-like R_u, R_d and the R-breaking
   singlets S1, S2) in chemical equilibrium through the superpotential (8), the gaugino vertices and Dirac masses (12),
   the R-breaking soft term B_kappa S1^3 (10) and both sphalerons.  Conserved: hypercharge (= 0) and the three
   B/3 - L_alpha.  The R charge is *not* conserved (kappa S1^3 and B_kappa S1^3 break it) and comes out as
   R = -6/23 (B - L) for massless species.
2. ``T <~ m_SUSY`` (:func:`low_temperature_model`; as a ``Model``: :func:`r_symmetric_mssm_low_t`): Standard-Model
   fields only (one Higgs doublet by default), the NLSP a spectator with a frozen asymmetry that carries hypercharge and lepton number (Ardu et al. eqs. (22)-(24)).

Conventions (differ from the paper's, which uses right-handed SU(2) singlets, paper footnote 1):
    every field is a *left-handed* chiral superfield of Table 1 (``u_c``, ``d_c``, ``e_c_<alpha>`` are the conjugate
    singlets, Y = -2/3, +1/3, +1).  A species is one component: ``<superfield>_s`` (the scalar, R = R_superfield) or
    ``<superfield>_f`` (the Weyl fermion, R = R_superfield - 1); gauginos ``bino``, ``wino``, ``gluino`` have R = +1.
    Chemical potentials are measured in yield units, mu_hat = mu T^2 / (6 s), so that the asymmetry of species i is
    Y_Delta_i = g_i k_i mu_hat_i, with k = 1 (fermion), 2 (boson) for massless species (paper eq. (1)) or the thermal
    susceptibility k(m/T) for massive ones.  Quark dof are summed over the three generations (flavour mixing fast,
    paper Section 2), lepton flavours are kept separate.

This module holds the model data only (species content, charges, reactions, NLSP types and the functions that return
the stage definitions). The stages are built and solved by the equilibrium layer, :mod:`jaxgen._equilibrium_stages`
(public as ``jaxgen.equilibrium.build_stage``, ``solve_stage``, ``stage_weights``): at run time one small symmetric
linear solve, ``(Q diag(g k) Q^T) lambda = c``, in the conserved charges Q, jit/vmap/grad-able in the
susceptibilities k (masses over temperature) and in the charge values.
"""

from __future__ import annotations

from fractions import Fraction as Fr
from typing import Any

import numpy as np

# The stage engine lives in the equilibrium layer (jaxgen._equilibrium_stages, public as jaxgen.equilibrium);
# EquilibriumStage, StageSolution, stage_weights and solve_stage stay importable from here and from jaxgen.models
# as aliases for one release.
from .._equilibrium_stages import EquilibriumStage, StageSolution, build_stage, solve_stage, stage_weights
from .._equilibrium_stages import StageSpecies as _Species

__all__ = [
    "EquilibriumStage",
    "StageSolution",
    "r_symmetric_mssm",
    "r_symmetric_mssm_low_t",
    "high_temperature_stage",
    "low_temperature_model",
    "solve_stage",
    "stage_weights",
    "R_BREAKING_REACTIONS",
    "HIGH_T_REACTION_GROUPS",
    "NLSP_TYPES",
]

_CHARGES = ("Y", "B", "L_e", "L_mu", "L_tau", "R")
_FLAVOURS = ("e", "mu", "tau")

#: Reaction groups of the high-temperature stage that break U(1)_R (Ardu et al. Section 3: kappa S1^3 changes R by 4,
#: B_kappa S1^3 by 6).  All other couplings of eq. (8)-(12) conserve R.
R_BREAKING_REACTIONS = ("kappa", "B_kappa")


# ---------------------------------------------------------------------------------------------------------------
# Model construction
# ---------------------------------------------------------------------------------------------------------------
def _sf(table, name, g, R, Y, B: int | Fr = 0, L=(0, 0, 0), gauge=()):
    ch = {"Y": Fr(Y), "B": Fr(B), "L_e": Fr(L[0]), "L_mu": Fr(L[1]), "L_tau": Fr(L[2])}
    table.append(_Species(name + "_s", g, True, {**ch, "R": Fr(R)}))
    table.append(_Species(name + "_f", g, False, {**ch, "R": Fr(R) - 1}))
    return gauge


def _high_t_content():
    """Species of Ardu et al. Table 1 (left-handed superfields) and their gauge groups."""
    sp = []
    gauge = {}
    t = Fr(1, 3)
    gauge["q"] = _sf(sp, "q", 18, 1, Fr(1, 6), t, gauge=("bino", "wino", "gluino"))
    gauge["u_c"] = _sf(sp, "u_c", 9, 1, Fr(-2, 3), -t, gauge=("bino", "gluino"))
    gauge["d_c"] = _sf(sp, "d_c", 9, 1, Fr(1, 3), -t, gauge=("bino", "gluino"))
    for i, a in enumerate(_FLAVOURS):
        L = [0, 0, 0]
        L[i] = 1
        gauge[f"l_{a}"] = _sf(sp, f"l_{a}", 2, 1, Fr(-1, 2), 0, L, gauge=("bino", "wino"))
        gauge[f"e_c_{a}"] = _sf(sp, f"e_c_{a}", 1, 1, 1, 0, [-x for x in L], gauge=("bino",))
    gauge["H_u"] = _sf(sp, "H_u", 2, 0, Fr(1, 2), gauge=("bino", "wino"))
    gauge["H_d"] = _sf(sp, "H_d", 2, 0, Fr(-1, 2), gauge=("bino", "wino"))
    gauge["R_u"] = _sf(sp, "R_u", 2, 2, Fr(-1, 2), gauge=("bino", "wino"))
    gauge["R_d"] = _sf(sp, "R_d", 2, 2, Fr(1, 2), gauge=("bino", "wino"))
    _sf(sp, "S", 1, 0, 0)
    gauge["T"] = _sf(sp, "T", 3, 0, 0, gauge=("wino",))
    gauge["O"] = _sf(sp, "O", 8, 0, 0, gauge=("gluino",))
    _sf(sp, "S1", 1, 2, 0)
    _sf(sp, "S2", 1, 0, 0)
    zero = {"Y": Fr(0), "B": Fr(0), "L_e": Fr(0), "L_mu": Fr(0), "L_tau": Fr(0), "R": Fr(1)}
    for n, g in (("bino", 1), ("wino", 3), ("gluino", 8)):
        sp.append(_Species(n, g, False, dict(zero)))
    return sp, gauge


def _yukawa(*fields):
    """W ⊃ A B C gives the vertices psi psi phi for each choice of the scalar: mu_s(C) + mu_f(A) + mu_f(B) = 0."""
    rows = []
    for i, c in enumerate(fields):
        r = {c + "_s": 1}
        for j, f in enumerate(fields):
            if j != i:
                r[f + "_f"] = r.get(f + "_f", 0) + 1
        rows.append(r)
    return rows


def _high_t_reactions(gauge):
    """Reaction groups above m_SUSY, each a list of {species: coefficient} rows meaning sum coeff*mu = 0."""
    R = {}
    # gaugino vertices  phi -> psi + lambda  (Ardu et al. eq. (37)): mu_s - mu_f - mu_lambda = 0
    R["gaugino_vertices"] = [{f + "_s": 1, f + "_f": -1, lam: -1} for f, gs in gauge.items() for lam in gs]
    # Dirac gaugino masses, eq. (12): bino-S~, bino-S2~, wino-T~, gluino-O~  (eq. (41))
    R["M_D_B"] = [{"bino": 1, "S_f": 1}]
    R["M_D_S2"] = [{"bino": 1, "S2_f": 1}]
    R["M_D_W"] = [{"wino": 1, "T_f": 1}]
    R["M_D_O"] = [{"gluino": 1, "O_f": 1}]
    # superpotential, eq. (8)
    R["y_u"] = _yukawa("u_c", "q", "H_u")
    R["y_d"] = _yukawa("d_c", "q", "H_d")
    for a in _FLAVOURS:
        R[f"y_e_{a}"] = _yukawa(f"e_c_{a}", f"l_{a}", "H_d")
    R["mu_U"] = [{"R_u_f": 1, "H_u_f": 1}]  # eq. (40)
    R["mu_D"] = [{"R_d_f": 1, "H_d_f": 1}]
    R["lambda_u"] = _yukawa("S", "R_u", "H_u")
    R["lambda_d"] = _yukawa("S", "R_d", "H_d")
    R["Lambda_u"] = _yukawa("R_u", "T", "H_u")
    R["Lambda_d"] = _yukawa("R_d", "T", "H_d")
    R["lambda_tilde_u"] = _yukawa("S2", "R_u", "H_u")
    R["lambda_tilde_d"] = _yukawa("S2", "R_d", "H_d")
    R["mu_S2"] = [{"S1_f": 1, "S2_f": 1}]
    R["mu_S"] = [{"S1_f": 1, "S_f": 1}]
    R["kappa"] = [{"S1_s": 1, "S1_f": 2}]  # kappa S1^3: psi_S1 psi_S1 S1  (R-breaking)
    R["lambda_1"] = _yukawa("H_u", "H_d", "S1")  # eqs. (46)-(47)
    # soft terms, eqs. (9)-(11)
    R["B_kappa"] = [{"S1_s": 3}]  # B_kappa S1^3 (R-breaking): mu_S1 = 0
    R["B_mu"] = [{"H_u_s": 1, "H_d_s": 1}]
    R["B_O"] = [{"O_s": 2}]
    R["B_SS2"] = [{"S_s": 1, "S2_s": 1}]
    # supersoft D-term couplings that come with Dirac gaugino masses, sqrt2 M_D (S + S*) D: S phi* phi etc.
    R["supersoft_S"] = [{"S_s": 1}]
    R["supersoft_T"] = [{"T_s": 1}]
    R["supersoft_O"] = [{"O_s": 1}]
    # sphalerons (left-handed Weyl fermions; quark dof summed over generations), eqs. (43) and (50)
    R["sphaleron_qcd"] = [{"q_f": 2, "u_c_f": 1, "d_c_f": 1}]  # per generation 2 q + u^c + d^c; gluino+octet cancel
    R["sphaleron_ew"] = [{"q_f": 9, "l_e_f": 1, "l_mu_f": 1, "l_tau_f": 1}]
    return R


_HIGH_T_SPECIES, _HIGH_T_GAUGE = _high_t_content()
_HIGH_T_REACTIONS = _high_t_reactions(_HIGH_T_GAUGE)
#: All reaction groups of the high-temperature stage (names usable in ``reactions_off``).
HIGH_T_REACTION_GROUPS = tuple(_HIGH_T_REACTIONS)


def _r_hint(A, charges, table, conserved) -> str:
    """The fix for an under-determined high-temperature stage whose reactions conserve R."""
    rq = table[list(charges).index("R")]
    if np.linalg.norm(A @ rq) < 1e-9 and "R" not in conserved:
        return (
            " The R charge is conserved by the reactions left on (the R-breaking groups "
            f"{R_BREAKING_REACTIONS} are off): fix it with high_temperature_stage(..., conserve_r=True) and "
            "give its value as the last entry of `values` in solve_stage."
        )
    return ""


def _build(species, reactions, conserved, what):
    return build_stage(species, reactions, conserved, _CHARGES, what, hint=_r_hint)


def high_temperature_stage(reactions_off=(), conserve_r: bool = False) -> EquilibriumStage:
    """The R-symmetric MSSM of Ardu et al. 2025 above m_SUSY (Section 3, Table 1, eq. (8)-(12), Appendix B), as a
    self-contained :class:`EquilibriumStage` (used by the gravitino chain; :func:`r_symmetric_mssm` gives the same
    content as a ``jaxgen.models.Model`` for the generic engine).

    Args:
        reactions_off: names of reaction groups to switch off (see :data:`HIGH_T_REACTION_GROUPS`), e.g.
            ``("kappa", "B_kappa")`` for an exactly R-symmetric plasma, or ``("y_e_e",)`` for a slow electron
            Yukawa.  Static (the conserved charges depend on them).
        conserve_r: also fix the R charge as an input (needed, and only allowed, when the R-breaking groups
            :data:`R_BREAKING_REACTIONS` are both off).

    Returns:
        An :class:`EquilibriumStage` with conserved charges ("Y", "B/3-L_e", "B/3-L_mu", "B/3-L_tau"[, "R"]).

    Raises:
        ValueError: unknown reaction names; an under-determined system (message names the free combinations and,
            if R is conserved, says to fix it); a fixed charge that the reactions violate.
    """
    reactions_off = tuple(reactions_off)
    unknown = [r for r in reactions_off if r not in _HIGH_T_REACTIONS]
    if unknown:
        raise ValueError(f"unknown reaction group(s) {unknown}; choose from {list(HIGH_T_REACTION_GROUPS)}")
    reactions = {k: v for k, v in _HIGH_T_REACTIONS.items() if k not in reactions_off}
    conserved = ["Y", "B/3-L_e", "B/3-L_mu", "B/3-L_tau"] + (["R"] if conserve_r else [])
    return _build(_HIGH_T_SPECIES, reactions, conserved, "high_temperature_stage")


#: NLSP types (Ardu et al. Table 2) -> (superfield whose scalar is the NLSP, description).  The NLSP state counted
#: is the one with lepton number +1 (stau_R^-, stau_L^-, sneutrino); its hypercharge Y and R charge:
NLSP_TYPES: dict[str, dict[str, Any]] = {
    "slepton_R": dict(Y=Fr(-1), L=1, R=-1, text="right-handed charged slepton (stau_R^-, Y = -1, R = -1)"),
    "slepton_L": dict(Y=Fr(-1, 2), L=1, R=1, text="left-handed charged slepton (stau_L^-, Y = -1/2, R = +1)"),
    "sneutrino": dict(Y=Fr(-1, 2), L=1, R=1, text="sneutrino (Y = -1/2, R = +1)"),
}


def low_temperature_model(n_higgs: int = 1) -> EquilibriumStage:
    """Standard-Model equilibrium below m_SUSY, before the EW sphalerons decouple (Ardu et al. eqs. (22)-(24)).

    Species: q, u_c, d_c (Weyl fermions, dof summed over 3 generations), l_alpha, e_c_alpha, and the Higgs doublet
    ``H`` (Y = +1/2) or, with ``n_higgs=2``, both ``H_u`` and ``H_d`` light (with H_u H_d mixing in equilibrium).
    Reactions: the Yukawas (22), EW sphalerons (23) and QCD sphalerons; conserved: Y and B/3 - L_alpha, to which a
    frozen NLSP asymmetry contributes through its hypercharge and lepton number (eq. (24); see :func:`solve_stage`'s
    ``offsets``).

    ``n_higgs=1`` (the SM) reproduces Ardu et al. Table 2; ``n_higgs=2`` is the printed "4 mu_H" of eq. (24) read as
    two light doublets (documented in the derivation note; it gives 8.2/5.2 GeV instead of 8.3/5.3 GeV).
    """
    if n_higgs not in (1, 2):
        raise ValueError(f"n_higgs must be 1 (SM Higgs doublet) or 2 (H_u and H_d light), got {n_higgs!r}")
    sp = []

    def f(name, g, Y, B: int | Fr = 0, L=(0, 0, 0), boson=False):
        sp.append(
            _Species(
                name,
                g,
                boson,
                {"Y": Fr(Y), "B": Fr(B), "L_e": Fr(L[0]), "L_mu": Fr(L[1]), "L_tau": Fr(L[2]), "R": Fr(0)},
            )
        )

    t = Fr(1, 3)
    f("q", 18, Fr(1, 6), t)
    f("u_c", 9, Fr(-2, 3), -t)
    f("d_c", 9, Fr(1, 3), -t)
    for i, a in enumerate(_FLAVOURS):
        L = [0, 0, 0]
        L[i] = 1
        f(f"l_{a}", 2, Fr(-1, 2), 0, L)
        f(f"e_c_{a}", 1, 1, 0, [-x for x in L])
    R = {}
    if n_higgs == 1:
        f("H", 2, Fr(1, 2), boson=True)
        hu, hd = {"H": 1}, {"H": -1}  # H_d = i sigma2 H^*
    else:
        f("H_u", 2, Fr(1, 2), boson=True)
        f("H_d", 2, Fr(-1, 2), boson=True)
        hu, hd = {"H_u": 1}, {"H_d": 1}
        R["higgs_mixing"] = [{"H_u": 1, "H_d": 1}]
    R["y_u"] = [{"q": 1, "u_c": 1, **hu}]
    R["y_d"] = [{"q": 1, "d_c": 1, **hd}]
    for a in _FLAVOURS:
        R[f"y_e_{a}"] = [{f"l_{a}": 1, f"e_c_{a}": 1, **hd}]
    R["sphaleron_qcd"] = [{"q": 2, "u_c": 1, "d_c": 1}]
    R["sphaleron_ew"] = [{"q": 9, "l_e": 1, "l_mu": 1, "l_tau": 1}]
    return _build(sp, R, ["Y", "B/3-L_e", "B/3-L_mu", "B/3-L_tau"], "low_temperature_model")


# ---------------------------------------------------------------------------------------------------------------
# The same content as a jaxgen.models.Model (generic engine of jaxgen.equilibrium)
# ---------------------------------------------------------------------------------------------------------------
def _core_model(name, species, reactions, masses, reactions_off, valid):
    from ._core import Model, Reaction, Species

    masses = dict(masses or {})
    names = [s.name for s in species]
    unknown = [m for m in masses if m not in names]
    if unknown:
        raise ValueError(f"{name}: masses given for unknown species {unknown}; species: {names}")
    bad = [r for r in reactions_off if r not in valid]
    if bad:
        raise ValueError(f"{name}: unknown reaction group(s) {bad}; choose from {list(valid)}")
    sp = [
        Species(
            s.name,
            s.dof,
            "boson" if s.boson else "fermion",
            {k: float(v) for k, v in s.charges.items() if v != 0},
            mass=float(masses.get(s.name, 0.0)),
        )
        for s in species
    ]
    rx = []
    for group, rows in reactions.items():
        if group in reactions_off:
            continue
        for j, row in enumerate(rows):
            rname = group if len(rows) == 1 else f"{group}:{j}"
            rx.append(Reaction(rname, {k: v for k, v in row.items()}))
    return Model(name, species=sp, reactions=rx, aliases={"L": "L_e + L_mu + L_tau"}, defaults={"Y": 0.0})


def r_symmetric_mssm(masses=None, reactions_off=()):
    """The R-symmetric MSSM of Ardu et al. 2025 above m_SUSY as a ``jaxgen.models.Model``.

    Content: Table 1 (both components of each chiral superfield, ``<name>_s`` scalar / ``<name>_f`` fermion, in the
    left-handed convention ``u_c``, ``d_c``, ``e_c_<alpha>``; Dirac gauginos ``bino``, ``wino``, ``gluino``); charges
    Y, B, L_e, L_mu, L_tau, R (alias L); reactions named by coupling (multi-vertex couplings ``<group>:<k>``, so mask
    them with ``"<group>:*"``): the superpotential (8), gaugino vertices (37), Dirac masses (12)/(41), soft terms
    B_kappa (R-breaking), B_mu, B_O, B_SS2, the supersoft D-term couplings of S, T, O, and both sphalerons (43), (50).
    R-breaking reactions: ``kappa`` and ``B_kappa`` (:data:`R_BREAKING_REACTIONS`); with both off R is conserved and
    must be given to the solver.  Conserved: Y = 0 by default; give ``B/3-L_alpha`` (or ``B-L``) at solve time.

    Args:
        masses: {species: mass in GeV} defaults (0 = massless), e.g. all ``*_s`` sfermions at m_SUSY.
        reactions_off: reaction groups left out of the model entirely (see :data:`HIGH_T_REACTION_GROUPS`).
    """
    return _core_model(
        "r_symmetric_mssm", _HIGH_T_SPECIES, _HIGH_T_REACTIONS, masses, tuple(reactions_off), HIGH_T_REACTION_GROUPS
    )


def r_symmetric_mssm_low_t(n_higgs: int = 1, nlsp: str | None = None, masses=None):
    """Below m_SUSY (Ardu et al. eqs. (22)-(24)) as a ``jaxgen.models.Model``: the SM species of
    :func:`low_temperature_model`, plus, if ``nlsp`` is given, a frozen NLSP species ``NLSP`` (no reactions; its
    number ``NLSP`` must be given to the solver as a conserved charge, = Delta Y_NLSP from eq. (21))."""
    st = low_temperature_model(n_higgs)
    sp = [
        _Species(n, g, b, {c: Fr(x).limit_denominator(1000) for c, x in zip(st.charge_names, col)})
        for n, g, b, col in zip(st.species, st.dof, st.boson, np.array(st.charge_rows).T)
    ]
    reactions = {}
    for label, row in zip(st.reaction_labels, st.reaction_rows):
        reactions.setdefault(label, []).append({n: int(v) for n, v in zip(st.species, row) if v != 0})
    if nlsp is not None:
        if nlsp not in NLSP_TYPES:
            raise ValueError(f"unknown NLSP {nlsp!r}; choose one of {list(NLSP_TYPES)}")
        info = NLSP_TYPES[nlsp]
        sp.append(
            _Species(
                "NLSP",
                1,
                True,
                {"Y": info["Y"], "B": Fr(0), "L_e": Fr(0), "L_mu": Fr(0), "L_tau": Fr(info["L"]), "R": Fr(info["R"])},
            )
        )
    return _core_model("r_symmetric_mssm_low_t", sp, reactions, masses, (), tuple(reactions))
