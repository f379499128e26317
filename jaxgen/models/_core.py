"""Declarative particle models for chemical equilibrium: species, reactions, conserved charges.

Conventions (Harvey & Turner 1990; Hall et al. 2010, Sec. 3; Ardu et al. 2025, eqs. (1)-(3))
-----------------------------------------------------------------------------------------------
* A **species** is a full gauge multiplet with ONE chemical potential: e.g. the quark doublet ``Q1`` of generation 1
  has ``dof = 6`` (3 colours x 2 SU(2) components), the right-handed up quark ``u1`` has ``dof = 3``, a Higgs doublet
  ``dof = 2``. ``dof`` counts the internal states of the particle (not particle + antiparticle). Its asymmetry is
  (Ardu et al. eq. (1), with the mass dependence of Hall et al. / Harvey-Turner):

      n_i - nbar_i = dof_i * k_i(m_i/T) * mu_i * T^2 / 6,      k_F(0) = 1,  k_B(0) = 2,  k -> 0 for m >> T,

  where k is ``kernels.asymmetry_factor(m/T, statistics)``. Right-handed SU(2) singlets are described by their own
  chemical potential (not by f_R^c), as in Ardu et al. footnote 1.
* **Charges** are named U(1)s given per species (``{"Y": 1/6, "B": 1/3}``). Any linear combination can be used by
  name with a small expression language: ``"B-L"``, ``"B/3-L_e"``, ``"B - L + X"``, ``"2*B - 3 L_tau"``. Model
  ``aliases`` define composite names (the SM defines ``L = L_e + L_mu + L_tau``). Every species name is also a charge:
  the number of that species (``"e1"`` is the e_R(1) number). The value of a charge is
  Q_a = sum_i q_ai dof_i k_i mu_i  (in the same units as the chemical potentials times T^2/6).
* A **reaction** is a multiset of species in chemical equilibrium, written with signed integer multiplicities
  ``{"Q1": 1, "H": 1, "u1": -1}`` or as a string ``"Q1 + H - u1"``: it imposes sum_i nu_i mu_i = 0. Examples:
  Yukawa and gauge/gaugino vertices, Dirac masses (mu_a + mu_b = 0), Majorana masses (``{"bino": 1}``: mu = 0),
  sphalerons. A reaction that is switched off (a species decoupled, a Yukawa out of equilibrium) makes a new charge
  conserved; ``Reaction(..., off_charge="e1", off_value=0.0)`` names it and gives its default value (documented per
  built-in model; the user can override it by giving that charge explicitly). With ``off_charge=None`` the user must
  supply the missing charge; the solver's diagnostic then names the free combination.
* **Conserved charges** that must always hold are given in ``Model.defaults`` (every built-in model has
  ``{"Y": 0.0}``: hypercharge neutrality); the rest (``B-L``, ``B/3-L_alpha``, ``X``, ...) are given at solve time.

Worked example: the visible sector plus a hidden X sector with B - L + X conserved (Hall et al. 2010, Sec. 3)
----------------------------------------------------------------------------------------------------------
>>> import jax; jax.config.update("jax_enable_x64", True)
>>> from jaxgen import models, equilibrium
>>> from jaxgen.models import Species, Reaction
>>> sm = models.standard_model(n_generations=3, n_higgs=1)
>>> x = Species("x", dof=2, statistics="fermion", charges={"X": 1.0})   # DM particle x carries X number
>>> model = sm.extend("SM + X", species=[x])                             # no reaction links X to the SM bath
>>> res = equilibrium.solve(model, conserved={"B-L+X": 0.0, "X": -1.0}, temperature=100.0)
>>> round(float(res.ratio("B", "B-L")), 6), round(float(res.ratio("B", "X")), 6)   # 28/79, -28/79
(0.35443, -0.35443)

A brand-new model in a few lines:

>>> toy = models.Model("toy", species=[
...     Species("a", 1, "fermion", {"Q": 1.0}), Species("b", 1, "boson", {"Q": 1.0, "Y": 1.0}),
...     Species("c", 1, "fermion", {"Y": -1.0})],
...     reactions=[Reaction("decay", "a - b - c")], defaults={"Y": 0.0})
>>> float(equilibrium.solve(toy, conserved={"Q": 1.0}, temperature=1.0).asymmetry("b"))
0.4

Masses (GeV) are given per species (``Species.mass`` is the default, normally 0); temperature in GeV.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

import equinox as eqx
import numpy as np

from jaxgen_kernels import exact_nullspace

__all__ = ["Species", "Reaction", "Model", "parse_charge", "STATISTICS"]

STATISTICS = ("fermion", "boson", "mb")

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_~']*$")


def _frac(x) -> Fraction:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    return Fraction(float(x)).limit_denominator(10**6)


_TERM_RE = re.compile(
    r"\s*([+-])?\s*(?:(\d+(?:\.\d*)?(?:/\d+)?)\s*\*?\s*)?([A-Za-z_][A-Za-z0-9_~']*)\s*(?:/\s*(\d+(?:\.\d*)?))?\s*"
)


def parse_charge(expr: str) -> dict[str, Fraction]:
    """Parse a linear charge expression like ``"B/3 - L_e"`` or ``"B-L+2*X"`` into ``{symbol: coefficient}``.

    Grammar: terms ``[+|-] [number[*]] symbol [/ number]`` where number may be ``2``, ``0.5`` or ``1/3``.
    Raises ValueError on anything else.
    """
    if not isinstance(expr, str) or not expr.strip():
        raise ValueError(f"charge expression must be a non-empty string, got {expr!r}")
    out: dict[str, Fraction] = {}
    pos = 0
    s = expr.strip()
    first = True
    while pos < len(s):
        m = _TERM_RE.match(s, pos)
        if not m or m.end() == pos:
            raise ValueError(
                f"cannot parse charge expression {expr!r} at {s[pos:]!r}; use e.g. 'B-L', 'B/3-L_e', 'B-L+X', '2*B-L'"
            )
        sign, num, sym, den = m.groups()
        if sign is None and not first:
            raise ValueError(f"cannot parse charge expression {expr!r}: missing + or - before {sym!r}")
        c = Fraction(num) if num else Fraction(1)
        if den:
            c /= Fraction(den)
        if sign == "-":
            c = -c
        out[sym] = out.get(sym, Fraction(0)) + c
        pos = m.end()
        first = False
    return {k: v for k, v in out.items() if v != 0}


class Species(eqx.Module):
    """One species (a full gauge multiplet with one chemical potential).

    Attributes:
        name: identifier (letters, digits, ``_``, ``~``, ``'``).
        dof: internal degrees of freedom g_i of the particle (colour x SU(2) x spin states), e.g. 6 for a quark
            doublet (Weyl fermion per component counts 1), 2 for a Higgs doublet.
        statistics: ``"fermion"``, ``"boson"`` or ``"mb"``.
        charges: tuple of ``(charge_name, value)`` pairs (a mapping is accepted and converted).
        mass: default mass in GeV (0 = massless); overridden by ``masses=`` at solve time.
    """

    name: str = eqx.field(static=True)
    dof: float = eqx.field(static=True)
    statistics: str = eqx.field(static=True)
    charges: tuple = eqx.field(static=True, default=())
    mass: float = eqx.field(static=True, default=0.0)

    def __init__(
        self, name: str, dof: float, statistics: str, charges: Mapping[str, float] | Iterable = (), mass: float = 0.0
    ):
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(f"species name {name!r} must be an identifier (letters, digits, _, ~, ')")
        if statistics not in STATISTICS:
            raise ValueError(f"species {name!r}: statistics must be one of {STATISTICS}, got {statistics!r}")
        if not (float(dof) > 0):
            raise ValueError(f"species {name!r}: dof must be > 0, got {dof!r}")
        if not (float(mass) >= 0):
            raise ValueError(f"species {name!r}: mass must be >= 0 GeV, got {mass!r}")
        items = charges.items() if isinstance(charges, Mapping) else charges
        ch = []
        for k, v in items:
            if not isinstance(k, str) or not _NAME_RE.match(k):
                raise ValueError(f"species {name!r}: charge name {k!r} must be an identifier")
            ch.append((k, float(v)))
        self.name = name
        self.dof = float(dof)
        self.statistics = statistics
        self.charges = tuple(sorted(ch))
        self.mass = float(mass)

    def charge(self, name: str) -> float:
        """Charge of this species under the named U(1) (0 if absent)."""
        return dict(self.charges).get(name, 0.0)


class Reaction(eqx.Module):
    """A reaction assumed in chemical equilibrium: sum_i nu_i mu_i = 0.

    Attributes:
        name: identifier used in masks, e.g. ``"yukawa_e1"``, ``"ew_sphaleron"``.
        participants: tuple of ``(species, nu)`` with integer (or rational) nu; built from a mapping or a string
            ``"Q1 + H - u1"`` / ``"3 Q1 + 3 Q2 + L1"``.
        off_charge: charge expression that becomes conserved when this reaction is switched off (or None: then the
            user must give the new conserved charge explicitly).
        off_value: default value of ``off_charge`` when switched off (default 0).
    """

    name: str = eqx.field(static=True)
    participants: tuple = eqx.field(static=True)
    off_charge: str | None = eqx.field(static=True, default=None)
    off_value: float = eqx.field(static=True, default=0.0)

    def __init__(
        self,
        name: str,
        participants: Mapping[str, float] | str | Iterable,
        off_charge: str | None = None,
        off_value: float = 0.0,
    ):
        if not isinstance(name, str) or not name:
            raise ValueError(f"reaction name must be a non-empty string, got {name!r}")
        if isinstance(participants, str):
            try:
                parsed = parse_charge(participants)
            except ValueError as e:
                raise ValueError(f"reaction {name!r}: {e}") from None
            items = parsed.items()
        elif isinstance(participants, Mapping):
            items = participants.items()
        else:
            items = participants
        parts = tuple((str(k), _frac(v)) for k, v in items if _frac(v) != 0)
        if not parts:
            raise ValueError(f"reaction {name!r} has no participants")
        if off_charge is not None:
            parse_charge(off_charge)
        self.name = name
        self.participants = parts
        self.off_charge = off_charge
        self.off_value = float(off_value)


class Model(eqx.Module):
    """A particle model: species, reactions in equilibrium, charge aliases and always-conserved charges.

    Attributes:
        name: human-readable name.
        species: tuple of ``Species``.
        reactions: tuple of ``Reaction`` (all on by default; switch off with a mask at solve time).
        aliases: tuple of ``(name, expression)``: composite charges, e.g. ``("L", "L_e+L_mu+L_tau")``.
        defaults: tuple of ``(charge_expression, value)`` always imposed unless overridden, e.g. ``(("Y", 0.0),)``.

    Build with lists/mappings: ``Model("toy", species=[...], reactions=[...], aliases={...}, defaults={...})``.
    """

    name: str = eqx.field(static=True)
    species: tuple = eqx.field(static=True)
    reactions: tuple = eqx.field(static=True)
    aliases: tuple = eqx.field(static=True, default=())
    defaults: tuple = eqx.field(static=True, default=())

    def __init__(
        self,
        name: str,
        species: Sequence[Species],
        reactions: Sequence[Reaction] = (),
        aliases: Mapping[str, str] | Iterable = (),
        defaults: Mapping[str, float] | Iterable = (("Y", 0.0),),
    ):
        species = tuple(species)
        reactions = tuple(reactions)
        for s in species:
            if not isinstance(s, Species):
                raise TypeError(f"model {name!r}: species must be Species, got {type(s).__name__}")
        for r in reactions:
            if not isinstance(r, Reaction):
                raise TypeError(f"model {name!r}: reactions must be Reaction, got {type(r).__name__}")
        names = [s.name for s in species]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"model {name!r}: duplicate species names {dup}")
        rnames = [r.name for r in reactions]
        rdup = sorted({n for n in rnames if rnames.count(n) > 1})
        if rdup:
            raise ValueError(f"model {name!r}: duplicate reaction names {rdup}")
        base = {k for s in species for k, _ in s.charges}
        clash = sorted(base & set(names))
        if clash:
            raise ValueError(f"model {name!r}: names used both as species and as charges: {clash}")
        for r in reactions:
            unknown = [k for k, _ in r.participants if k not in names]
            if unknown:
                raise ValueError(
                    f"model {name!r}: reaction {r.name!r} uses unknown species {unknown}; known species: {names}"
                )
        al = tuple((str(k), str(v)) for k, v in (aliases.items() if isinstance(aliases, Mapping) else aliases))
        df = tuple((str(k), float(v)) for k, v in (defaults.items() if isinstance(defaults, Mapping) else defaults))
        self.name = name
        self.species = species
        self.reactions = reactions
        self.aliases = al
        self.defaults = df
        for k, _ in al:
            if k in names or k in base:
                raise ValueError(f"model {name!r}: alias {k!r} clashes with a species or base charge")
        for _, v in al:
            self.charge_vector(v)  # validates the alias
        for k, _ in df:
            self.charge_vector(k)

    # ---------------------------------------------------------------- introspection
    @property
    def species_names(self) -> tuple[str, ...]:
        """Names of the species, in the order of every per-species array."""
        return tuple(s.name for s in self.species)

    @property
    def reaction_names(self) -> tuple[str, ...]:
        """Names of the reactions, in the order of a reaction mask."""
        return tuple(r.name for r in self.reactions)

    @property
    def charge_names(self) -> tuple[str, ...]:
        """Base U(1) charge names carried by the species, plus the aliases."""
        base = sorted({k for s in self.species for k, _ in s.charges})
        return tuple(base) + tuple(k for k, _ in self.aliases)

    @property
    def n_species(self) -> int:
        return len(self.species)

    @property
    def dofs(self) -> np.ndarray:
        """Internal degrees of freedom per species."""
        return np.array([s.dof for s in self.species])

    @property
    def statistics(self) -> tuple[str, ...]:
        return tuple(s.statistics for s in self.species)

    @property
    def default_masses(self) -> np.ndarray:
        """Default masses (GeV) per species."""
        return np.array([s.mass for s in self.species])

    def index(self, species: str) -> int:
        """Position of a species in per-species arrays."""
        try:
            return self.species_names.index(species)
        except ValueError:
            raise KeyError(f"model {self.name!r} has no species {species!r}; species: {self.species_names}") from None

    def __repr__(self) -> str:  # short, the dataclass repr is huge
        return f"Model({self.name!r}, {len(self.species)} species, {len(self.reactions)} reactions)"

    # ---------------------------------------------------------------- charges
    def charge_vector_exact(self, expr: str, _depth: int = 0) -> list[Fraction]:
        """Exact charge vector q_i (per species, rational) of a charge expression."""
        if _depth > 10:
            raise ValueError(f"model {self.name!r}: alias recursion too deep in {expr!r}")
        terms = parse_charge(expr)
        names = self.species_names
        alias = dict(self.aliases)
        base = {k for s in self.species for k, _ in s.charges}
        vec = [Fraction(0)] * len(names)
        for sym, c in terms.items():
            if sym in alias:
                sub = self.charge_vector_exact(alias[sym], _depth + 1)
            elif sym in base:
                sub = [_frac(s.charge(sym)) for s in self.species]
            elif sym in names:
                sub = [Fraction(int(n == sym)) for n in names]
            else:
                raise ValueError(
                    f"model {self.name!r}: unknown charge or species {sym!r} in {expr!r}; "
                    f"charges: {self.charge_names}; species numbers: {names}"
                )
            vec = [a + c * b for a, b in zip(vec, sub)]
        return vec

    def charge_vector(self, expr: str) -> np.ndarray:
        """Charge vector q_i (float, per species) of a charge expression such as ``"B-L"``."""
        return np.array([float(x) for x in self.charge_vector_exact(expr)])

    # ---------------------------------------------------------------- reactions
    def reaction_matrix_exact(self, mask: Sequence[bool] | None = None) -> list[list[Fraction]]:
        """Rows nu_r (exact) of the reactions switched on by ``mask`` (default: all)."""
        names = self.species_names
        mask = self._mask(mask)
        rows = []
        for r, on in zip(self.reactions, mask):
            if on:
                row = [Fraction(0)] * len(names)
                for sp, nu in r.participants:
                    row[names.index(sp)] += nu
                rows.append(row)
        return rows

    def reaction_matrix(self, mask: Sequence[bool] | None = None) -> np.ndarray:
        rows = self.reaction_matrix_exact(mask)
        return np.array([[float(x) for x in r] for r in rows]).reshape(len(rows), self.n_species)

    def mask(self, off: Iterable[str] = (), on_only: Iterable[str] | None = None) -> tuple[bool, ...]:
        """Reaction mask (tuple of bool in ``reaction_names`` order) with the named reactions switched off.

        ``off`` entries may end with ``*`` to match a prefix (``"yukawa_e*"``).
        """
        off = list(off)
        names = self.reaction_names

        def match(pat, n):
            return n.startswith(pat[:-1]) if pat.endswith("*") else n == pat

        for pat in off:
            if not any(match(pat, n) for n in names):
                raise ValueError(f"model {self.name!r}: no reaction matches {pat!r}; reactions: {names}")
        m = [not any(match(p, n) for p in off) for n in names]
        if on_only is not None:
            keep = list(on_only)
            m = [a and any(match(p, n) for p in keep) for a, n in zip(m, names)]
        return tuple(m)

    def _mask(self, mask) -> tuple[bool, ...]:
        if mask is None:
            return (True,) * len(self.reactions)
        if isinstance(mask, Mapping):
            unknown = [k for k in mask if k not in self.reaction_names]
            if unknown:
                raise ValueError(f"model {self.name!r}: unknown reactions in mask {unknown}")
            return tuple(bool(mask.get(n, True)) for n in self.reaction_names)
        m = tuple(bool(x) for x in np.asarray(mask).reshape(-1))
        if len(m) != len(self.reactions):
            raise ValueError(
                f"model {self.name!r}: mask has {len(m)} entries, expected {len(self.reactions)} "
                f"(reactions: {self.reaction_names})"
            )
        return m

    def conserved_basis_exact(self, mask=None) -> list[list[Fraction]]:
        """Exact basis of null(R_mask): both the space of equilibrium chemical potentials and of conserved charges."""
        rows = self.reaction_matrix_exact(mask)
        return exact_nullspace(rows, n_columns=self.n_species)

    def describe_vector(self, vec: Sequence, symbol: str = "mu") -> str:
        """Human-readable combination, e.g. ``mu[e1] - mu[H]`` (exact rationals)."""
        parts = []
        for n, c in zip(self.species_names, vec):
            c = _frac(c)
            if c == 0:
                continue
            sgn = "-" if c < 0 else "+"
            a = abs(c)
            coef = "" if a == 1 else f"{a}*"
            parts.append(f"{sgn} {coef}{symbol}[{n}]")
        s = " ".join(parts)
        if s.startswith("+ "):
            s = s[2:]
        elif s.startswith("- "):
            s = "-" + s[2:]
        return s or "0"

    def is_conserved(self, expr: str, mask=None) -> tuple[bool, list[str]]:
        """Whether a charge is conserved by the reactions switched on; also the names of reactions violating it."""
        q = self.charge_vector_exact(expr)
        names = self.species_names
        viol = []
        for r, on in zip(self.reactions, self._mask(mask)):
            if on:
                dq = sum((nu * q[names.index(sp)] for sp, nu in r.participants), Fraction(0))
                if dq != 0:
                    viol.append(f"{r.name} (changes it by {dq})")
        return (not viol), viol

    # ---------------------------------------------------------------- building new models
    def extend(
        self,
        name: str | None = None,
        species: Sequence[Species] = (),
        reactions: Sequence[Reaction] = (),
        aliases: Mapping[str, str] | None = None,
        defaults: Mapping[str, float] | None = None,
        remove_reactions: Iterable[str] = (),
    ) -> Model:
        """New model with extra species/reactions/aliases/defaults (and optionally some reactions removed)."""
        rm = set(remove_reactions)
        unknown = rm - set(self.reaction_names)
        if unknown:
            raise ValueError(f"model {self.name!r}: cannot remove unknown reactions {sorted(unknown)}")
        al = dict(self.aliases)
        al.update(aliases or {})
        df = dict(self.defaults)
        df.update(defaults or {})
        return Model(
            name or self.name,
            species=list(self.species) + list(species),
            reactions=[r for r in self.reactions if r.name not in rm] + list(reactions),
            aliases=al,
            defaults=df,
        )
