"""The MSSM with every superpartner (and both Higgs doublets and both Higgsinos) its own species.

Species (one chemical potential per multiplet; fermion dof count Weyl states, scalar dof complex fields):
* SM fermions as in ``standard_model``: ``Q{i}, u{i}, d{i}, L{i}, e{i}`` (right-handed fields u, d, e described by
  their own chemical potential, Ardu et al. 2025 footnote 1).
* sfermions ``sQ{i}`` (dof 6), ``su{i}`` (3), ``sd{i}`` (3), ``sL{i}`` (2), ``se{i}`` (1): bosons, same charges.
* Higgs doublets ``H_u`` (Y = +1/2) and ``H_d`` (Y = -1/2), bosons dof 2; Higgsinos ``h_u``, ``h_d``, fermions dof 2.
* gauginos ``bino`` (dof 2), ``wino`` (6), ``gluino`` (16): fermions without charges (they never carry an
  asymmetry when Majorana; they enter only through reactions).

Reactions (Ardu et al. 2025, Sec. 2 and eqs. (2)-(3), derived here from the charges):
* gaugino vertices ``bino_{f}``, ``wino_{f}`` (SU(2) doublets), ``gluino_{f}`` (coloured):
  mu_sf - mu_f - mu_gaugino = 0 for every chiral multiplet (f = Q{i}, u{i}, ..., and H_u/h_u, H_d/h_d).
* Majorana gaugino masses ``majorana_bino``, ``majorana_wino``, ``majorana_gluino``: mu_gaugino = 0. With the
  vertices this is superequilibrium mu_sf = mu_f (Ardu et al. Sec. 2).
* Yukawas (superpotential y_u Q H_u u^c + y_d Q H_d d^c + y_e L H_d e^c), all three component vertices:
  ``yukawa_u{i}``: Q + H_u - u, ``yukawa_u{i}_h``: sQ + h_u - u, ``yukawa_u{i}_s``: Q + h_u - su (likewise d, e with
  H_d/h_d). ``yukawa_e{i}`` carries ``off_charge = "e{i}+se{i}"`` (the e_R superfield number, default 0): switch
  the three off together (``model.mask(off=["yukawa_e1*"])``).
* ``mu_term``: h_u + h_d = 0 (Higgsino Dirac mass) and ``b_mu_term``: H_u + H_d = 0 (soft B_mu); omitted with
  ``mu_term=False``. Without them no new charge is conserved as long as ``qcd_sphaleron`` is on: the
  Peccei-Quinn charge of the Yukawas is QCD-anomalous (checked in tests/jaxgen/test_models.py).
* quark mixing ``quark_mixing{i}``, lepton-flavour mixing ``lepton_mixing{i}`` as in the SM (switchable).
* ``ew_sphaleron``: sum_i (3 mu_Q{i} + mu_L{i}) + mu_h_u + mu_h_d + 4 mu_wino = 0 (one zero mode per fermion
  doublet, 2 T(adj) = 4 for the wino); ``qcd_sphaleron``: sum_i (2 mu_Q{i} - mu_u{i} - mu_d{i}) + 6 mu_gluino = 0.

With all superpartners heavy (m/T -> infinity) and H_u, H_d light this gives B = 8/23 (B - L)
(Hall et al. 2010, eq. (3.3): eq. (3.1) with N_H = 2).
"""

from __future__ import annotations

from ._core import Model, Reaction, Species
from ._sm import _aliases, _check_int, _fermions, _mixing

__all__ = ["mssm", "MSSM_SFERMION_TYPES"]

#: sfermion types of one generation (prefix ``s``), used for spectrum scans
MSSM_SFERMION_TYPES = ("Q", "u", "d", "L", "e")


def mssm(n_generations: int = 3, lepton_flavour_equilibrium: bool = True, mu_term: bool = True) -> Model:
    """The MSSM (see module docstring for species and reactions).

    Args:
        n_generations: number of generations.
        lepton_flavour_equilibrium: include the ``lepton_mixing`` reactions.
        mu_term: include ``mu_term`` and ``b_mu_term``.
    """
    _check_int("n_generations", n_generations)
    species = _fermions(n_generations) + _fermions(n_generations, prefix="s", boson=True)
    species += [
        Species("H_u", 2, "boson", {"Y": 0.5}),
        Species("H_d", 2, "boson", {"Y": -0.5}),
        Species("h_u", 2, "fermion", {"Y": 0.5}),
        Species("h_d", 2, "fermion", {"Y": -0.5}),
        Species("bino", 2, "fermion", {}),
        Species("wino", 6, "fermion", {}),
        Species("gluino", 16, "fermion", {}),
    ]
    reactions = []
    # gaugino vertices: (scalar, fermion, is_doublet, is_coloured)
    chiral = []
    for i in range(1, n_generations + 1):
        chiral += [
            (f"sQ{i}", f"Q{i}", True, True),
            (f"su{i}", f"u{i}", False, True),
            (f"sd{i}", f"d{i}", False, True),
            (f"sL{i}", f"L{i}", True, False),
            (f"se{i}", f"e{i}", False, False),
        ]
    chiral += [("H_u", "h_u", True, False), ("H_d", "h_d", True, False)]
    for sc, fe, dbl, col in chiral:
        reactions.append(Reaction(f"bino_{fe}", {sc: 1, fe: -1, "bino": -1}))
        if dbl:
            reactions.append(Reaction(f"wino_{fe}", {sc: 1, fe: -1, "wino": -1}))
        if col:
            reactions.append(Reaction(f"gluino_{fe}", {sc: 1, fe: -1, "gluino": -1}))
    reactions += [Reaction(f"majorana_{g}", {g: 1}) for g in ("bino", "wino", "gluino")]
    for i in range(1, n_generations + 1):
        for f, h in (("u", "u"), ("d", "d"), ("e", "d")):
            left = f"Q{i}" if f in "ud" else f"L{i}"
            H, hh = f"H_{h}", f"h_{h}"
            off_charge = f"e{i}+se{i}" if f == "e" else None
            reactions += [
                Reaction(f"yukawa_{f}{i}", {left: 1, H: 1, f"{f}{i}": -1}, off_charge=off_charge, off_value=0.0),
                Reaction(f"yukawa_{f}{i}_h", {f"s{left}": 1, hh: 1, f"{f}{i}": -1}),
                Reaction(f"yukawa_{f}{i}_s", {left: 1, hh: 1, f"s{f}{i}": -1}),
            ]
    if mu_term:
        reactions += [Reaction("mu_term", {"h_u": 1, "h_d": 1}), Reaction("b_mu_term", {"H_u": 1, "H_d": 1})]
    reactions += _mixing(n_generations, lepton_flavour_equilibrium)
    ew = {"h_u": 1, "h_d": 1, "wino": 4}
    qcd = {"gluino": 6}
    for i in range(1, n_generations + 1):
        ew[f"Q{i}"] = 3
        ew[f"L{i}"] = 1
        qcd[f"Q{i}"] = 2
        qcd[f"u{i}"] = -1
        qcd[f"d{i}"] = -1
    reactions += [Reaction("ew_sphaleron", ew), Reaction("qcd_sphaleron", qcd)]
    name = f"MSSM(N_G={n_generations}{'' if lepton_flavour_equilibrium else ', no LFV'}{'' if mu_term else ', no mu'})"
    return Model(name, species, reactions, aliases=_aliases(n_generations), defaults={"Y": 0.0})


def mssm_superpartners(model: Model, types=None, generations=None, higgsinos: bool = False) -> list[str]:
    """Names of MSSM superpartner species: sfermions of the given ``types`` (default all of
    ``MSSM_SFERMION_TYPES``) and generations (default all), plus ``h_u``, ``h_d`` if ``higgsinos``."""
    types = MSSM_SFERMION_TYPES if types is None else tuple(types)
    out = []
    for s in model.species_names:
        if s.startswith("s") and s[1:2] in types and (generations is None or int(s[2:]) in generations):
            out.append(s)
    if higgsinos:
        out += ["h_u", "h_d"]
    return out


__all__ += ["mssm_superpartners"]
