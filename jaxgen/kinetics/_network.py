"""Build step of a kinetic network: validation, the fast/slow split through the equilibrium engine, static index
arrays, and the unitarity (CPT) check of the CP asymmetries.

Everything here runs once per model on the host (exact rational charge arithmetic where it matters); the result,
:class:`Network`, is an ``eqx.Module`` whose only array leaves are the precomputed equilibrium system, so that
``solve(network, params, ...)`` is a pure function of the parameters (jit, vmap, grad).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpy as np

import jaxgen_kernels as kernels

from .._cosmology import Cosmology
from .._equilibrium import EquilibriumSystem, prepare
from ..models._core import Model, Reaction
from ._reactions import Decay, _is_zero, _Reaction

__all__ = ["Network", "UNITARITY_RTOL"]

#: relative tolerance of the numerical unitarity check (sum of CP-odd rates per state / sum of their moduli)
UNITARITY_RTOL = 1e-8

State = tuple  # sorted tuple of (species, sign)


def _conj(state: State, self_conj: frozenset) -> State:
    return tuple(sorted((n, s if n in self_conj else -s) for n, s in state))


def _norm(state: State, self_conj: frozenset) -> State:
    return tuple(sorted((n, 1 if n in self_conj else s) for n, s in state))


def _fmt_state(state: State) -> str:
    return " + ".join(("~" if s < 0 else "") + n for n, s in state) or "(vacuum)"


def _signed_counts(state: State) -> dict[str, int]:
    out: dict[str, int] = {}
    for n, s in state:
        out[n] = out.get(n, 0) + s
    return out


def _abs_counts(state: State) -> dict[str, int]:
    out: dict[str, int] = {}
    for n, _ in state:
        out[n] = out.get(n, 0) + 1
    return out


class _Compiled(eqx.Module):
    """Static description of one slow reaction (host data; hashable)."""

    name: str = eqx.field(static=True)
    kind: str = eqx.field(static=True)
    initial: tuple = eqx.field(static=True)  # ((slot kind, index, sign), ...), slot kind 0 tracked, 1 bath
    final: tuple = eqx.field(static=True)
    symmetry: float = eqx.field(static=True)  # 1/2 when F = conj(I): processes counted twice otherwise
    gamma: Any = eqx.field(static=True)
    width: Any = eqx.field(static=True)
    eps: Any = eqx.field(static=True)
    parent: int = eqx.field(static=True)  # tracked/bath? index of the decaying species in the model (decays), -1
    # RIS: ((share of X in its CP-summed rates: 1 or 1/2, decay A index, decay B index, s_I, s_F, decays of X), ...)
    resonances: tuple = eqx.field(static=True)


class Network(eqx.Module):
    """A kinetic network built once per model: tracked out-of-equilibrium densities, evolved slow charges, and the
    slow reactions between them; fast reactions enter through the equilibrium engine (docs/derivations/kinetics.md).

    Build with ``Network(model, reactions, tracked=..., asymmetric=..., charges=...)``:

    Args:
        model: a ``jaxgen.models.Model``; its own reactions are in equilibrium (fast). Species masses are
            ``Species.mass`` unless ``params["masses"][name]`` overrides them at solve time.
        reactions: ``Decay``, ``Scattering`` and ``Sphaleron`` declarations. ``fast=True`` ones are imposed as
            equilibrium constraints (sum nu mu = 0) instead of being integrated.
        tracked: species whose number density Y = n/s is evolved out of equilibrium (e.g. a decaying N, a feebly
            coupled X). They are excluded from the equilibrium engine; no fast reaction may involve them.
        asymmetric: tracked species whose asymmetry Y_Delta = (n - nbar)/s is evolved too. The other tracked species
            are self-conjugate (Majorana fermions, real scalars).
        charges: the slow charges of the bath (species not tracked) that are evolved, e.g. ``["B-L"]``: charge
            expressions of ``jaxgen.models`` conserved by every fast reaction. Together with ``constants`` and the
            model defaults (hypercharge Y = 0) they must fix the bath chemical potentials (checked; a ValueError
            names the free combinations).
        constants: {charge: value} bath charges conserved by every reaction, held fixed (default: ``model.defaults``).
        mass_parameters: bath species whose mass is read from ``params["masses"]`` (default: those with a non-zero
            ``Species.mass``); tracked species masses are always read from there (default ``Species.mass``).
        cosmology: ``jaxgen.cosmology.Cosmology`` (s, H, g_*s); default ``Cosmology()``.
        check_params: optional params PyTree: evaluate the unitarity sum rule numerically at build time at
            ``check_temperatures`` (GeV; default: the masses of the decaying species and ten times them).

    Raises:
        ValueError: unknown species; a reaction changing a held-fixed charge (e.g. hypercharge) or a charge of
            ``constants``; a fast reaction involving a tracked species; a slow reaction that only relabels bath
            species in equilibrium; CP asymmetries that violate unitarity (the state and reactions are named, and
            the compensating channel suggested); an ill-posed charge set (from ``jaxgen.equilibrium.prepare``).
    """

    model: Model = eqx.field(static=True)
    tracked: tuple = eqx.field(static=True)
    asymmetric: tuple = eqx.field(static=True)
    bath: tuple = eqx.field(static=True)
    charges: tuple = eqx.field(static=True)
    constants: tuple = eqx.field(static=True)
    reactions: tuple = eqx.field(static=True)
    fast: tuple = eqx.field(static=True)
    # static index arrays (nested tuples, hashable): (n_tracked, R), (n_asym, R), (n_charges, R)
    density_change: tuple = eqx.field(static=True)
    asymmetry_change: tuple = eqx.field(static=True)
    charge_change: tuple = eqx.field(static=True)
    bath_charge_vectors: tuple = eqx.field(static=True)  # (n_charges, n_bath)
    system: EquilibriumSystem | None
    system_charge_slots: tuple = eqx.field(static=True)  # per engine charge: ("evolved", i) or ("const", value)
    cosmology: Cosmology

    def __init__(
        self,
        model: Model,
        reactions: Sequence[_Reaction],
        tracked: Sequence[str] = (),
        asymmetric: Sequence[str] = (),
        charges: Sequence[str] = (),
        constants: Mapping[str, float] | None = None,
        mass_parameters: Sequence[str] | None = None,
        cosmology: Cosmology | None = None,
        check_params: Any = None,
        check_temperatures: Sequence[float] | None = None,
    ):
        if not isinstance(model, Model):
            raise TypeError(f"model must be a jaxgen.models.Model, got {type(model).__name__}")
        names = model.species_names
        reactions = tuple(reactions)
        for r in reactions:
            if not isinstance(r, _Reaction):
                raise TypeError(f"reactions must be Decay, Scattering or Sphaleron, got {type(r).__name__}")
        rnames = [r.name for r in reactions]
        dup = sorted({n for n in rnames if rnames.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate reaction names {dup}")
        if isinstance(tracked, str) or isinstance(asymmetric, str) or isinstance(charges, str):
            raise TypeError("tracked, asymmetric and charges are sequences of names, not strings")
        tracked = tuple(tracked)
        asymmetric = tuple(asymmetric)
        for what, lst in (("tracked", tracked), ("asymmetric", asymmetric)):
            bad = [s for s in lst if s not in names]
            if bad:
                raise ValueError(f"{what} species {bad} are not in model {model.name!r}; species: {list(names)}")
        bad = [s for s in asymmetric if s not in tracked]
        if bad:
            raise ValueError(f"asymmetric species {bad} must also be tracked (the bath asymmetries follow charges)")
        for r in reactions:
            unknown = sorted({n for n in r.species if n not in names})
            if unknown:
                raise ValueError(
                    f"{r.kind} {r.name!r} uses unknown species {unknown}; model {model.name!r} has {list(names)}"
                )
        self_conj = frozenset(s for s in tracked if s not in asymmetric)
        bath = tuple(n for n in names if n not in tracked)

        # ---- model reactions touching tracked species contradict their being out of equilibrium
        for mr in model.reactions:
            hit = sorted({sp for sp, _ in mr.participants if sp in tracked})
            if hit:
                raise ValueError(
                    f"model reaction {mr.name!r} keeps the tracked species {hit} in equilibrium; remove it "
                    f"(model.extend(remove_reactions=[{mr.name!r}])) and declare the process as a kinetic reaction"
                )
        fast = [r for r in reactions if r.fast]
        slow = [r for r in reactions if not r.fast]
        for r in fast:
            hit = sorted({n for n in r.species if n in tracked})
            if hit:
                raise ValueError(
                    f"fast {r.kind} {r.name!r} involves the tracked species {hit}; a tracked species is out of "
                    "equilibrium by definition: make the reaction slow (fast=False) or do not track the species"
                )
            if not _is_zero(r.eps) or r.resonance:
                raise ValueError(f"fast {r.kind} {r.name!r}: a reaction in equilibrium cannot carry a CP asymmetry")

        # ---- charges held fixed: model defaults (+ constants) must be conserved by every kinetic reaction
        const = dict(model.defaults) if constants is None else {**dict(model.defaults), **dict(constants)}
        const = {k.replace(" ", ""): float(v) for k, v in const.items()}
        charges = tuple(c.replace(" ", "") for c in charges)
        clash = sorted(set(charges) & set(const))
        if clash:
            raise ValueError(f"charges {clash} are both evolved and held constant; list each in one place")
        for c in list(const) + list(charges):
            model.charge_vector_exact(c)  # validates the expression (ValueError names unknown symbols)
        for r in reactions:
            change = _signed_counts(r.final)
            for n, s in r.initial:
                change[n] = change.get(n, 0) - s
            for c in const:
                q = model.charge_vector_exact(c)
                dq = sum((Fraction(v) * q[names.index(n)] for n, v in change.items()), Fraction(0))
                if dq != 0:
                    raise ValueError(
                        f"{r.kind} {r.name!r} changes the charge {c!r} by {dq}, but {c!r} is conserved by every "
                        f"interaction (held at {const[c]}); check its initial and final states "
                        f"({_fmt_state(r.initial)} -> {_fmt_state(r.final)})"
                    )

        # ---- bath equilibrium system (fast = model reactions + fast kinetic reactions)
        system = None
        bath_error: ValueError | None = None
        slots: list[tuple] = []
        bath_vecs: list[tuple] = []
        if bath:
            bath_model = _bath_model(model, bath, fast)
            bconst = {}
            for c, v in const.items():
                try:
                    vec = bath_model.charge_vector_exact(c)
                except ValueError:
                    continue  # the charge involves only tracked species
                if any(vec):
                    bconst[c] = v
            for c in charges:
                try:
                    vec = bath_model.charge_vector_exact(c)
                except ValueError:
                    raise ValueError(
                        f"charge {c!r} is not a charge of the bath species {list(bath)} (tracked species' "
                        "asymmetries are evolved through asymmetric=, not charges=)"
                    ) from None
                bath_vecs.append(tuple(float(x) for x in vec))
            if mass_parameters is None:
                mpar = [s.name for s in bath_model.species if s.mass > 0]
            else:
                mpar = list(mass_parameters)
                bad = [s for s in mpar if s not in bath]
                if bad:
                    raise ValueError(f"mass_parameters {bad} are not bath species {list(bath)}")
            conserved: dict[str, object] = {c: None for c in charges}
            conserved.update(bconst)
            try:
                system = prepare(bath_model, conserved=conserved, mass_parameters=mpar)
            except ValueError as exc:
                # raised after the reactions and the structural unitarity check, whose messages are more specific
                bath_error = exc
            else:
                for c in system.charge_names:
                    if c in charges:
                        slots.append(("evolved", charges.index(c)))
                    else:
                        dflt = dict(zip(system.charge_names, system.charge_defaults))[c]
                        slots.append(("const", float(dflt if dflt is not None else 0.0)))
        elif charges:
            raise ValueError("charges given, but every species is tracked (no bath)")

        # ---- compile the slow reactions
        tracked_idx = {n: i for i, n in enumerate(tracked)}
        bath_idx = {n: i for i, n in enumerate(bath)}
        decays_of: dict[str, list[int]] = {}
        for j, r in enumerate(slow):
            if isinstance(r, Decay):
                decays_of.setdefault(r.parent, []).append(j)
        compiled = []
        n_t, n_a, n_c, R = len(tracked), len(asymmetric), len(charges), len(slow)
        dens = np.zeros((n_t, R))
        asym = np.zeros((n_a, R))
        dq = np.zeros((n_c, R))
        cvec = [model.charge_vector_exact(c) for c in charges]
        for j, r in enumerate(slow):
            ini = _norm(r.initial, self_conj)
            F = _norm(r.final, self_conj)
            sym = 0.5 if (F == _conj(ini, self_conj) and ini != F) else 1.0
            if ini == _conj(ini, self_conj) and F == _conj(F, self_conj) and not _is_zero(r.eps):
                raise ValueError(
                    f"{r.kind} {r.name!r}: initial and final states are both self-conjugate, so the reaction is its "
                    "own CP conjugate and cannot have a CP asymmetry"
                )
            if ini == F:
                raise ValueError(f"{r.kind} {r.name!r}: the initial and final states are equal (no effect)")

            def slot(entry):
                n, s = entry
                if n in tracked_idx:
                    return (0, tracked_idx[n], s)
                return (1, bath_idx[n], s)

            # change vectors
            ab_f, ab_i = _abs_counts(F), _abs_counts(ini)
            for n in set(ab_f) | set(ab_i):
                if n in tracked_idx:
                    u = ab_f.get(n, 0) - ab_i.get(n, 0)
                    dens[tracked_idx[n], j] = u if n in self_conj else 0.5 * u
            sg_f, sg_i = _signed_counts(F), _signed_counts(ini)
            nu = {n: sg_f.get(n, 0) - sg_i.get(n, 0) for n in set(sg_f) | set(sg_i)}
            for n, v in nu.items():
                if n in asymmetric:
                    asym[asymmetric.index(n), j] = v
            for a, q in enumerate(cvec):
                dq[a, j] = float(
                    sum((Fraction(v) * q[names.index(n)] for n, v in nu.items() if n in bath_idx), Fraction(0))
                )
            touches_tracked = any(n in tracked_idx for n in r.species)
            if not touches_tracked and not np.any(dq[:, j]):
                raise ValueError(
                    f"{r.kind} {r.name!r} involves only bath species in equilibrium and changes none of the evolved "
                    f"charges {list(charges)}: it is implied by the fast reactions. Remove it, or remove the "
                    "equilibrium reaction it duplicates (model.extend(remove_reactions=[...])) and evolve the charge "
                    "it changes (charges=[...])"
                )
            res = []
            for x in r.resonance:
                by_name = {rr.name: rr for rr in slow if isinstance(rr, Decay)}
                xname = by_name[x].parent if x in by_name else x
                if xname not in decays_of:
                    raise ValueError(
                        f"scattering {r.name!r}: resonance {x!r} has no Decay in the network; declare the decays of "
                        "the intermediate state (they define the on-shell part that is subtracted)"
                    )
                complex_x = xname not in self_conj
                found = {}
                for side, st in (("I", ini), ("F", F)):
                    for k in decays_of[xname]:
                        Fk = _norm(slow[k].final, self_conj)
                        if Fk == st:
                            found[side] = (k, 1)
                            break
                        if _conj(Fk, self_conj) == st:
                            found[side] = (k, -1)
                            break
                    else:
                        raise ValueError(
                            f"scattering {r.name!r}: no decay of the resonance {xname!r} into "
                            f"{_fmt_state(st)} (or its conjugate); its decays: "
                            f"{[slow[k].name for k in decays_of[xname]]}"
                        )
                (ka, s_i), (kb, s_f) = found["I"], found["F"]
                if complex_x and s_i != s_f:
                    raise ValueError(
                        f"scattering {r.name!r}: {xname!r} is not self-conjugate, so an s-channel {xname} connects "
                        f"its own decay channels (or both conjugates); {_fmt_state(ini)} -> {_fmt_state(F)} does not"
                    )
                # rate density of X alone: sum of its CP-summed channels (self-conjugate X), half of it otherwise
                res.append((0.5 if complex_x else 1.0, ka, kb, s_i, s_f, tuple(decays_of[xname])))
            parent = names.index(r.parent) if isinstance(r, Decay) else -1
            compiled.append(
                _Compiled(
                    name=r.name,
                    kind=r.kind,
                    initial=tuple(slot(e) for e in ini),
                    final=tuple(slot(e) for e in F),
                    symmetry=sym,
                    gamma=r.gamma,
                    width=getattr(r, "width", None),
                    eps=None if _is_zero(r.eps) else r.eps,
                    parent=parent,
                    resonances=tuple(res),
                )
            )
        # slow reactions identical to model (equilibrium) reactions are double counted
        self.model = model
        self.tracked = tracked
        self.asymmetric = asymmetric
        self.bath = bath
        self.charges = charges
        self.constants = tuple(const.items())
        self.reactions = tuple(compiled)
        self.fast = tuple(r.name for r in fast)
        self.density_change = tuple(tuple(float(x) for x in row) for row in dens)
        self.asymmetry_change = tuple(tuple(float(x) for x in row) for row in asym)
        self.charge_change = tuple(tuple(float(x) for x in row) for row in dq)
        self.bath_charge_vectors = tuple(bath_vecs)
        self.system = system
        self.system_charge_slots = tuple(slots)
        self.cosmology = Cosmology() if cosmology is None else cosmology
        _structural_unitarity(self, slow, self_conj)
        if bath_error is not None:
            raise bath_error
        if check_params is not None:
            temps = check_temperatures
            if temps is None:
                ms = [float(self.mass(check_params, model.species[c.parent].name)) for c in compiled if c.parent >= 0]
                temps = sorted({t for m in ms if m > 0 for t in (m, 10.0 * m)}) or [1.0]
            for t in temps:
                self.check_unitarity(check_params, float(t))

    # ------------------------------------------------------------------ helpers used by the solver
    @property
    def self_conjugate(self) -> tuple[str, ...]:
        return tuple(s for s in self.tracked if s not in self.asymmetric)

    @property
    def reaction_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.reactions)

    def species(self, name: str):
        return self.model.species[self.model.index(name)]

    def mass(self, params: Any, name: str):
        """Mass (GeV) of a species: ``params["masses"][name]`` if given, else ``Species.mass``."""
        masses = params.get("masses", {}) if isinstance(params, Mapping) else {}
        if name in masses:
            return jnp.asarray(masses[name])
        return jnp.asarray(self.species(name).mass)

    def rates(self, T, params):
        """(gamma_r, delta_gamma_r) for every slow reaction at temperature T (GeV): the CP-summed rate density and
        the CP-odd rate eps_r gamma_r, both in GeV^4 and both already multiplied by the symmetry factor of the
        reaction (1/2 when the final state is the conjugate of the initial one; derivation, eq. (K.5))."""
        gam = []
        for c in self.reactions:
            if c.width is not None:
                sp = self.model.species[c.parent]
                m = self.mass(params, sp.name)
                z = m / T
                # g m^2 T Gamma K1(z)/(2 pi^2) = g T^3 Gamma z^2 K1(z)/(2 pi^2)
                g = sp.dof * T**3 * c.width(T, params) * z * z * kernels.k1e(z) * jnp.exp(-z) / (2.0 * math.pi**2)
            else:
                g = c.gamma(T, params)
            gam.append(jnp.asarray(g, dtype=jnp.result_type(T, float)))
        eps = [None if c.eps is None else c.eps(T, params) for c in self.reactions]
        dgam = []
        for j, c in enumerate(self.reactions):
            d = jnp.zeros_like(gam[j]) if eps[j] is None else eps[j] * gam[j]
            for share, ka, kb, s_i, s_f, decs in c.resonances:
                gx = share * sum(gam[k] for k in decs)
                ea = 0.0 if eps[ka] is None else eps[ka]
                eb = 0.0 if eps[kb] is None else eps[kb]
                gx_safe = jnp.where(gx > 0, gx, 1.0)
                d = d + jnp.where(gx > 0, gam[ka] * gam[kb] / (2.0 * gx_safe), 0.0) * (s_i * ea - s_f * eb)
            dgam.append(d)
        sym = [c.symmetry for c in self.reactions]
        return [s * g for s, g in zip(sym, gam)], [s * d for s, d in zip(sym, dgam)]

    def check_unitarity(self, params: Any, temperature: float, rtol: float = UNITARITY_RTOL) -> None:
        """Numerical unitarity/CPT sum rule: for every state alpha, sum_beta [gamma(alpha -> beta) -
        gamma(alphabar -> betabar)] = 0 over the reactions (both directions) at equilibrium densities
        (docs/derivations/kinetics.md, eq. (K.8)). Raises ValueError naming the state and the reactions."""
        _, dgam = self.rates(jnp.asarray(float(temperature)), params)
        sums: dict[State, list] = {}
        self_conj = frozenset(self.self_conjugate)
        for c, d in zip(self.reactions, dgam):
            d = float(d)  # CP-odd rate of one of the four processes I->F, Ibar->Fbar, F->I, Fbar->Ibar (K.3)
            if d == 0.0:
                continue
            ini = self._state(c.initial)
            F = self._state(c.final)
            for st, sign in ((ini, 1), (_conj(ini, self_conj), -1), (F, -1), (_conj(F, self_conj), 1)):
                sums.setdefault(st, []).append((c.name, sign * d))
        _raise_unitarity(sums, rtol, f"at T = {temperature} GeV")

    def _state(self, entries) -> State:
        out = []
        for kind, i, s in entries:
            out.append((self.tracked[i] if kind == 0 else self.bath[i], s))
        return tuple(sorted(out))


def _bath_model(model: Model, bath: tuple, fast: list) -> Model:
    species = [s for s in model.species if s.name in bath]
    reactions = list(model.reactions)
    for r in fast:
        parts: dict[str, int] = {}
        for n, s in r.initial:
            parts[n] = parts.get(n, 0) + s
        for n, s in r.final:
            parts[n] = parts.get(n, 0) - s
        parts = {k: v for k, v in parts.items() if v}
        if not parts:
            raise ValueError(f"fast {r.kind} {r.name!r} imposes no chemical-potential relation")
        reactions.append(Reaction(r.name, parts))
    aliases = []
    for k, v in model.aliases:
        aliases.append((k, v))
    # aliases referring to tracked species are dropped (they cannot be bath charges)
    kept = []
    for k, v in aliases:
        try:
            Model("probe", species=species, aliases=dict(kept + [(k, v)]), defaults={})
        except ValueError:
            continue
        kept.append((k, v))
    return Model(f"{model.name} (bath)", species=species, reactions=reactions, aliases=dict(kept), defaults={})


def _structural_unitarity(net: Network, slow: list, self_conj: frozenset) -> None:
    """Exact structural check: a state whose CP-odd rates come from a single reaction cannot satisfy the sum rule
    (unless that asymmetry vanishes identically)."""
    contrib: dict[State, list] = {}
    for c in net.reactions:
        if c.eps is None and not any(
            any(net.reactions[k].eps is not None for k in (ka, kb)) for _, ka, kb, _, _, _ in c.resonances
        ):
            continue
        ini = net._state(c.initial)
        F = net._state(c.final)
        for st in (ini, _conj(ini, self_conj), F, _conj(F, self_conj)):
            contrib.setdefault(st, []).append(c.name)
    for st, rs in contrib.items():
        if st == _conj(st, self_conj):
            continue  # self-conjugate state: its two conjugate contributions cancel identically
        # a reaction listed twice for the same state (I = conj F) cancels against itself
        uniq = sorted(set(rs))
        if len(uniq) == 1 and rs.count(uniq[0]) == 1:
            hint = _hint(net, st, uniq[0])
            raise ValueError(
                f"unitarity/CPT violated for the state {_fmt_state(st)}: its only CP-violating reaction is "
                f"{uniq[0]!r}, so sum_f [gamma({_fmt_state(st)} -> f) - gamma(conjugate)] cannot vanish. {hint}"
            )


def _hint(net: Network, st: State, rname: str) -> str:
    c = [r for r in net.reactions if r.name == rname][0]
    if c.kind == "decay":
        parent = net.model.species[c.parent].name
        if net._state(c.initial) == st:
            return (
                f"{parent} is not self-conjugate: add its other decay channels with compensating asymmetries "
                f"(sum_f eps_f Gamma_f = 0), or declare it self-conjugate (tracked, not asymmetric)"
            )
        fs = _fmt_state(st)
        cf = _fmt_state(_conj(st, frozenset(net.self_conjugate)))
        return (
            f"add the compensating channel: the 2 <-> 2 scattering through the on-shell {parent} with the "
            f"real intermediate state subtracted, Scattering('...', '{fs}', '{cf}', gamma=..., resonance=['{parent}'])"
            f" (and one into every other decay channel of {parent})"
        )
    return "add the compensating channel (the reaction from the same state with the opposite CP-odd rate)"


def _raise_unitarity(sums: dict, rtol: float, where: str) -> None:
    done = set()
    for st, items in sums.items():
        if st in done:
            continue
        total = sum(v for _, v in items)
        scale = sum(abs(v) for _, v in items)
        if scale > 0 and abs(total) > rtol * scale:
            names = sorted({n for n, _ in items})
            raise ValueError(
                f"unitarity/CPT violated {where}: for the state {_fmt_state(st)} the CP-odd rates of the reactions "
                f"{names} sum to {total:.3e} GeV^4 (relative {abs(total) / scale:.2e}), not 0. Add the compensating "
                "channel (e.g. the RIS-subtracted scattering with resonance=...) or fix the asymmetries so that "
                "sum_f eps_f gamma_f = 0 for this initial state"
            )
        done.add(st)
