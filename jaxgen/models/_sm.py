"""The Standard Model with N_G generations and N_H Higgs doublets, and the two-Higgs-doublet model.

Species (one chemical potential per gauge multiplet, generation i = 1..N_G; see ``jaxgen.models._core``):
``Q{i}`` (dof 6, Y = 1/6, B = 1/3), ``u{i}`` (3, Y = 2/3, B = 1/3), ``d{i}`` (3, Y = -1/3, B = 1/3),
``L{i}`` (2, Y = -1/2, L_alpha = 1), ``e{i}`` (1, Y = -1, L_alpha = 1), all fermions; Higgs doublets ``H`` (or
``H1..H{N_H}``), bosons with dof 2, Y = 1/2. Lepton flavours are ``L_e, L_mu, L_tau`` (then ``L_4, ...``) and the
alias ``L`` is their sum.

Reactions (Harvey & Turner 1990; Ardu et al. 2025, eq. (3)):
* ``yukawa_u{i}``: Q + H - u = 0, ``yukawa_d{i}``: Q - H - d = 0, ``yukawa_e{i}``: L - H - e = 0 (Higgs ``H``/
  ``H1``). ``yukawa_e{i}`` switched off conserves the e_R(i) number: ``off_charge = "e{i}"``, default 0.
* ``quark_mixing{i}`` (i >= 2): Q1 - Q{i} = 0 (fast CKM mixing; with the Yukawas this equalises u and d too).
* ``lepton_mixing{i}`` (i >= 2, only with ``lepton_flavour_equilibrium=True``): L{i-1} - L{i} = 0. Switched off,
  ``L_{a}-L_{b}`` of the two flavours becomes conserved with default 0, i.e. flavour-universal B/3 - L_alpha. Switch
  off all of them together (``model.mask(off=["lepton_mixing*"])``); with the reactions absent from the model
  (``lepton_flavour_equilibrium=False``) give the B/3 - L_alpha charges yourself.
* ``higgs_mixing{a}`` (a >= 2): H1 - H{a} = 0 (Higgs mass mixing; all doublets share mu_H, as in eq. (3.1)).
  Switched off, H{a} (which has no Yukawa) decouples: its number is conserved, ``off_charge = "H{a}"``, default 0.
* ``ew_sphaleron``: sum_i (3 mu_Q{i} + mu_L{i}) = 0 (per generation one SU(2) doublet of each colour of quarks and
  one of leptons). Switched off, B is conserved: give ``"B"`` (no default).
* ``qcd_sphaleron``: sum_i (2 mu_Q{i} - mu_u{i} - mu_d{i}) = 0.

With all reactions on, B = (8 N_G + 4 N_H)/(22 N_G + 13 N_H) (B - L) (Hall et al. 2010 eq. (3.1)).
"""

from __future__ import annotations

from ._core import Model, Reaction, Species

__all__ = ["standard_model", "two_higgs_doublet_model", "lepton_flavour_names"]


def lepton_flavour_names(n_generations: int) -> list[str]:
    """Names of the lepton-flavour charges: L_e, L_mu, L_tau, then L_4, L_5, ..."""
    base = ["L_e", "L_mu", "L_tau"]
    return [base[i] if i < 3 else f"L_{i + 1}" for i in range(n_generations)]


def _check_int(name, v, lo=1, hi=12):
    if isinstance(v, bool) or not isinstance(v, int) or not (lo <= v <= hi):
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {v!r}")


def _fermions(n_generations: int, prefix: str = "", boson: bool = False, masses=None):
    stat = "boson" if boson else "fermion"
    lf = lepton_flavour_names(n_generations)
    out = []
    for i in range(1, n_generations + 1):
        lam = lf[i - 1]
        out += [
            Species(f"{prefix}Q{i}", 6, stat, {"Y": 1 / 6, "B": 1 / 3}),
            Species(f"{prefix}u{i}", 3, stat, {"Y": 2 / 3, "B": 1 / 3}),
            Species(f"{prefix}d{i}", 3, stat, {"Y": -1 / 3, "B": 1 / 3}),
            Species(f"{prefix}L{i}", 2, stat, {"Y": -1 / 2, lam: 1.0}),
            Species(f"{prefix}e{i}", 1, stat, {"Y": -1.0, lam: 1.0}),
        ]
    return out


def _mixing(n_generations: int, lepton_flavour_equilibrium: bool):
    lf = lepton_flavour_names(n_generations)
    out = [Reaction(f"quark_mixing{i}", {"Q1": 1, f"Q{i}": -1}) for i in range(2, n_generations + 1)]
    if lepton_flavour_equilibrium:
        out += [
            Reaction(f"lepton_mixing{i}", {f"L{i - 1}": 1, f"L{i}": -1}, off_charge=f"{lf[i - 2]}-{lf[i - 1]}")
            for i in range(2, n_generations + 1)
        ]
    return out


def _sphalerons(n_generations: int):
    ew = {}
    qcd = {}
    for i in range(1, n_generations + 1):
        ew[f"Q{i}"] = 3
        ew[f"L{i}"] = 1
        qcd[f"Q{i}"] = 2
        qcd[f"u{i}"] = -1
        qcd[f"d{i}"] = -1
    return [Reaction("ew_sphaleron", ew), Reaction("qcd_sphaleron", qcd)]


def _aliases(n_generations: int):
    return {"L": "+".join(lepton_flavour_names(n_generations))}


def standard_model(
    n_generations: int = 3, n_higgs: int = 1, lepton_flavour_equilibrium: bool = True, top_mass: float = 0.0
) -> Model:
    """The Standard Model with ``n_generations`` generations and ``n_higgs`` Higgs doublets.

    Args:
        n_generations: N_G >= 1.
        n_higgs: N_H >= 1 (all doublets couple through ``higgs_mixing`` reactions; Yukawas use ``H``/``H1``).
        lepton_flavour_equilibrium: include the ``lepton_mixing`` reactions (Hall et al. eq. (3.1) assumes them);
            without them give ``B/3-L_e``, ``B/3-L_mu``, ... (or ``B-L`` plus ``L_e-L_mu``, ...) when solving.
        top_mass: default mass (GeV) of the third-generation quarks Q3 and u3 (0: massless, as in eq. (3.1)).

    Returns:
        ``Model`` with defaults ``{"Y": 0}``.
    """
    _check_int("n_generations", n_generations)
    _check_int("n_higgs", n_higgs)
    if not top_mass >= 0:
        raise ValueError(f"top_mass must be >= 0 GeV, got {top_mass!r}")
    species = _fermions(n_generations)
    if top_mass > 0 and n_generations >= 3:
        species = [
            Species(s.name, s.dof, s.statistics, dict(s.charges), mass=top_mass) if s.name in ("Q3", "u3") else s
            for s in species
        ]
    hn = ["H"] if n_higgs == 1 else [f"H{a}" for a in range(1, n_higgs + 1)]
    species += [Species(h, 2, "boson", {"Y": 0.5}) for h in hn]
    h = hn[0]
    reactions = []
    for i in range(1, n_generations + 1):
        reactions += [
            Reaction(f"yukawa_u{i}", {f"Q{i}": 1, h: 1, f"u{i}": -1}),
            Reaction(f"yukawa_d{i}", {f"Q{i}": 1, h: -1, f"d{i}": -1}),
            Reaction(f"yukawa_e{i}", {f"L{i}": 1, h: -1, f"e{i}": -1}, off_charge=f"e{i}", off_value=0.0),
        ]
    reactions += _mixing(n_generations, lepton_flavour_equilibrium)
    reactions += [
        Reaction(f"higgs_mixing{a}", {hn[0]: 1, hn[a - 1]: -1}, off_charge=hn[a - 1]) for a in range(2, n_higgs + 1)
    ]
    reactions += _sphalerons(n_generations)
    name = f"SM(N_G={n_generations}, N_H={n_higgs}{'' if lepton_flavour_equilibrium else ', no LFV'})"
    return Model(name, species, reactions, aliases=_aliases(n_generations), defaults={"Y": 0.0})


def two_higgs_doublet_model(type: str = "II", n_generations: int = 3, lepton_flavour_equilibrium: bool = True) -> Model:
    """Two-Higgs-doublet model: doublets ``H1``, ``H2`` (both Y = +1/2, dof 2).

    Type I: every Yukawa uses H1. Type II: up quarks couple to H1 (Q + H1 - u), down quarks and leptons to H2
    (Q - H2 - d, L - H2 - e). ``higgs_mixing2`` (H1 - H2 = 0, from m_12^2 H1^dagger H2 / lambda_5) is switchable;
    switched off, type II has a Peccei-Quinn charge, but it is QCD-anomalous, so with ``qcd_sphaleron`` on no new
    charge is conserved (B/(B-L) stays 8/23); in type I H2 then decouples and its number is conserved
    (``off_charge = "H2"``, default 0, giving B/(B-L) = 28/79). With the mixing on,
    both types reduce to eq. (3.1) with N_H = 2.
    """
    if type not in ("I", "II"):
        raise ValueError(f"type must be 'I' or 'II', got {type!r}")
    _check_int("n_generations", n_generations)
    species = _fermions(n_generations) + [Species("H1", 2, "boson", {"Y": 0.5}), Species("H2", 2, "boson", {"Y": 0.5})]
    hd = "H1" if type == "I" else "H2"
    reactions = []
    for i in range(1, n_generations + 1):
        reactions += [
            Reaction(f"yukawa_u{i}", {f"Q{i}": 1, "H1": 1, f"u{i}": -1}),
            Reaction(f"yukawa_d{i}", {f"Q{i}": 1, hd: -1, f"d{i}": -1}),
            Reaction(f"yukawa_e{i}", {f"L{i}": 1, hd: -1, f"e{i}": -1}, off_charge=f"e{i}", off_value=0.0),
        ]
    reactions += _mixing(n_generations, lepton_flavour_equilibrium)
    reactions += [Reaction("higgs_mixing2", {"H1": 1, "H2": -1}, off_charge="H2" if type == "I" else None)]
    reactions += _sphalerons(n_generations)
    return Model(f"2HDM type {type}", species, reactions, aliases=_aliases(n_generations), defaults={"Y": 0.0})
