"""Reaction declarations of a kinetic (Boltzmann) network: decays, 2 <-> 2 scatterings and the electroweak sphaleron.

A reaction is a class of processes ``I -> F`` together with its CP conjugate ``Ibar -> Fbar`` and the two inverse
processes (by CPT, gamma(F -> I) = gamma(Ibar -> Fbar)). It carries

* ``gamma(T, params)``: the thermally averaged rate density in GeV^4 of its distinct forward processes at
  equilibrium, CP-summed, gamma = gamma(I -> F) + gamma(Ibar -> Fbar) (for a reaction whose final state is the CP
  conjugate of its initial state, ``l H -> ~l ~H``, gamma = gamma(I -> Ibar) + gamma(Ibar -> I));
* its CP asymmetry eps = [gamma(I -> F) - gamma(Ibar -> Fbar)] / gamma.

States are written as strings ``"l + H"`` (``"2 X"`` for two X) or sequences of names; ``"~l"`` is the antiparticle
of ``l``. The derivation of the Boltzmann equations, of the detailed-balance inverse processes and of the
real-intermediate-state subtraction is in docs/derivations/kinetics.md; ``jaxgen.kinetics`` documents the API.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Decay", "Scattering", "Sphaleron", "drt_sphaleron_rate_density", "parse_state"]

_TOKEN_RE = re.compile(r"^\s*(?:(\d+)\s*\*?\s*)?(~?)([A-Za-z_][A-Za-z0-9_~']*)\s*$")

RateLike = float | Callable[..., Any]


def parse_state(state: str | Sequence[str], what: str = "state") -> tuple[tuple[str, int], ...]:
    """Parse a state (``"l + H"``, ``"2 X + ~Y"``, ``["l", "H"]``, ``""`` for the empty state) into a sorted tuple
    of ``(species, sign)`` entries (sign +1 particle, -1 antiparticle), one entry per particle."""
    if isinstance(state, str):
        tokens = [t for t in state.split("+")] if state.strip() else []
    else:
        tokens = list(state)
    out: list[tuple[str, int]] = []
    for tok in tokens:
        if not isinstance(tok, str):
            raise ValueError(f"{what}: entries must be species names, got {tok!r}")
        m = _TOKEN_RE.match(tok)
        if not m:
            raise ValueError(
                f"{what}: cannot parse {tok!r}; write e.g. 'l + H', '2 X', '~l + ~H' (~ marks an antiparticle)"
            )
        n, bar, name = m.groups()
        out += [(name, -1 if bar else 1)] * (int(n) if n else 1)
    return tuple(sorted(out))


def _rate(x: RateLike | None, what: str) -> Callable[..., Any] | None:
    if x is None:
        return None
    if callable(x):
        return x
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number or a callable f(T, params), got {x!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{what} must be finite, got {v!r}")
    return _Constant(v)


class _Constant:
    """A constant rate or asymmetry (hashable, so it can live in a static field)."""

    def __init__(self, value: float):
        self.value = float(value)

    def __call__(self, T, params):
        return self.value

    def __eq__(self, other):
        return isinstance(other, _Constant) and other.value == self.value

    def __hash__(self):
        return hash(("_Constant", self.value))

    def __repr__(self):
        return repr(self.value)


def _is_zero(f) -> bool:
    return f is None or (isinstance(f, _Constant) and f.value == 0.0)


class _Reaction:
    """Common part of every kinetic reaction (host-side declaration; see the module docstring)."""

    kind = "reaction"

    def __init__(self, name: str, initial, final, gamma, eps, fast: bool, resonance=()):
        if not isinstance(name, str) or not name:
            raise ValueError(f"a reaction needs a non-empty name, got {name!r}")
        self.name = name
        self.initial = parse_state(initial, f"{self.kind} {name!r} initial state")
        self.final = parse_state(final, f"{self.kind} {name!r} final state")
        if not self.initial and not self.final:
            raise ValueError(f"{self.kind} {name!r} has neither initial nor final particles")
        self.gamma = gamma
        self.eps = _rate(eps, f"{self.kind} {name!r}: eps")
        self.fast = bool(fast)
        if isinstance(resonance, str):
            resonance = (resonance,)
        self.resonance = tuple(str(r) for r in resonance)

    @property
    def species(self) -> tuple[str, ...]:
        return tuple(sorted({n for n, _ in self.initial + self.final}))

    def __repr__(self):
        def fmt(st):
            return " + ".join(("~" if s < 0 else "") + n for n, s in st) or "0"

        return f"{type(self).__name__}({self.name!r}: {fmt(self.initial)} -> {fmt(self.final)})"


class Decay(_Reaction):
    """A decay ``initial -> finals`` with its inverse decay (detailed balance) and CP conjugate.

    Args:
        name: reaction name (unique in the network).
        initial: the decaying species (a particle name; its CP conjugate decays to the conjugate final state).
        finals: the final state, ``"l + H"`` or ``["l", "H"]`` (``~`` marks antiparticles).
        width: the CP-summed partial width Gamma(X -> F) + Gamma(Xbar -> Fbar) in GeV, a number or
            ``f(T, params)``: for a self-conjugate X (Majorana N) the width into F and its conjugate, Gamma_D of BDP;
            for a complex X twice its (CP-averaged) partial width, as the network adds the Xbar decays; the rate density is the Maxwell-Boltzmann thermal average
            gamma_D = g m^2 T Gamma K1(m/T) / (2 pi^2) (Kolb-Wolfram 1980; Buchmuller, Di Bari, Plumacher
            hep-ph/0401240, eq. (24)), with g the dof and m the mass of ``initial``.
        gamma: alternatively the rate density gamma_D(T, params) in GeV^4 itself (give exactly one of width/gamma).
        eps: CP asymmetry [Gamma(X -> f) - Gamma(Xbar -> fbar)] / [Gamma(X -> f) + Gamma(Xbar -> fbar)], a number
            or ``f(T, params)`` (default 0).
        fast: the decay is in equilibrium (not integrated; its chemical-potential relation is imposed through the
            equilibrium engine). A fast decay may not involve a tracked species.
    """

    kind = "decay"

    def __init__(
        self,
        name: str,
        initial: str,
        finals,
        width: RateLike | None = None,
        gamma: RateLike | None = None,
        eps: RateLike = 0.0,
        fast: bool = False,
    ):
        if (width is None) == (gamma is None):
            raise ValueError(f"decay {name!r}: give exactly one of width= (GeV) and gamma= (GeV^4)")
        super().__init__(name, initial, finals, _rate(gamma, f"decay {name!r}: gamma"), eps, fast)
        if len(self.initial) != 1 or self.initial[0][1] != 1:
            raise ValueError(f"decay {name!r}: the initial state must be one particle (no ~), got {initial!r}")
        if not self.final:
            raise ValueError(f"decay {name!r}: empty final state")
        self.width = _rate(width, f"decay {name!r}: width")

    @property
    def parent(self) -> str:
        return self.initial[0][0]


class Scattering(_Reaction):
    """A 2 <-> 2 (or any n <-> m) scattering ``initial -> final`` with its inverse and CP conjugate.

    Args:
        name: reaction name.
        initial, final: states, e.g. ``"l + H"``, ``"~l + ~H"``.
        gamma: rate density in GeV^4, a number or ``f(T, params)`` (for ``resonance=``: the rate with the on-shell
            intermediate state subtracted, as in Giudice et al. hep-ph/0310123, Sec. 4 and App. A).
        eps: CP asymmetry of the scattering (number or callable; default 0). Not allowed with ``resonance=``.
        resonance: names of species that appear as real intermediate states in the s channel (each must have
            ``Decay`` channels in the network into the initial and the final state). The on-shell part
            initial -> X -> final is already counted by the decays and inverse decays of X, so it is subtracted
            (Kolb & Wolfram 1980, Nucl. Phys. B172, 224): the CP-odd rate of the subtracted scattering is minus the
            CP-odd on-shell rate, gamma_A gamma_B / (2 gamma_X) (eps_I - eps_F) per intermediate state X
            (docs/derivations/kinetics.md, eq. (K.7)), so that the CP source vanishes in equilibrium.
        fast: in equilibrium (not integrated).
    """

    kind = "scattering"

    def __init__(
        self,
        name: str,
        initial,
        final,
        gamma: RateLike,
        eps: RateLike | None = None,
        resonance: str | Sequence[str] = (),
        fast: bool = False,
    ):
        if resonance and eps is not None:
            raise ValueError(
                f"scattering {name!r}: with resonance= the CP asymmetry is fixed by the decays of the intermediate "
                "state (real-intermediate-state subtraction); do not pass eps"
            )
        super().__init__(
            name,
            initial,
            final,
            _rate(gamma, f"scattering {name!r}: gamma"),
            0.0 if eps is None else eps,
            fast,
            resonance,
        )
        if self.gamma is None:
            raise ValueError(f"scattering {name!r}: gamma= (GeV^4) is required")


def drt_sphaleron_rate_density(T, params=None):
    """Default rate density of :class:`Sphaleron`: gamma_sph(T) = Gamma_sph(T)/2 in GeV^4, with Gamma_sph the
    Chern-Simons diffusion rate of D'Onofrio, Rummukainen, Tranberg, PRL 113 (2014) 141602, arXiv:1404.3565
    (``jaxgen.sphaleron.sphaleron_rate``: 18 alpha_w^5 T^4 in the symmetric phase, ln(Gamma/T^4) = 0.83 T/GeV - 147.7
    in the broken phase, joined smoothly; freeze-out T* = 131.7 GeV). The factor 1/2 is the convention of eq. (K.9)
    of docs/derivations/kinetics.md. ``params`` is unused (the lattice rate depends on T only)."""
    from .._sphaleron import sphaleron_rate

    return 0.5 * sphaleron_rate(T)


class Sphaleron(_Reaction):
    """The electroweak sphaleron ``0 -> sum_g (3 Q_g + L_g)`` (one quark doublet per colour, one lepton doublet per
    generation: Delta B = Delta L = n_generations).

    With the linearised Boltzmann equations of the network, the reaction gives
    dn_B/dt = -n_g gamma_sph sum_g (3 mu_Q_g + mu_L_g)/T (docs/derivations/kinetics.md, eq. (K.9)), so
    gamma_sph = Gamma_sph / 2 in terms of the Chern-Simons diffusion rate Gamma_sph (rate per volume; Khlebnikov &
    Shaposhnikov 1988; the drift dN_CS/(V dt) = -Gamma_sph Delta F/(2T) of ``jaxgen.sphaleron``, module doc item 2).

    Args:
        gamma: the rate density gamma_sph(T, params) in GeV^4 (number or callable). Default (None): the lattice rate
            of D'Onofrio, Rummukainen, Tranberg (arXiv:1404.3565), :func:`drt_sphaleron_rate_density`
            = ``jaxgen.sphaleron.sphaleron_rate(T)/2`` (T* = 131.7 GeV). With the Standard Model's massless
            susceptibilities this gives the relaxation dn_B/dt = -Gamma_B (n_B - (28/79) n_{B-L}),
            Gamma_B = (79/8) Gamma_sph/T^3, i.e. ``jaxgen.sphaleron`` with ``vev=False`` (tested); the Higgs
            condensate weight of the broken phase (chi(T) from 28/79 to 12/37) is not part of the network's
            equilibrium engine (docs/derivations/kinetics.md, (K.9)).
        name: reaction name (default ``"ew_sphaleron_rate"``; remove the model's equilibrium sphaleron reaction,
            ``model.extend(remove_reactions=["ew_sphaleron"])``, so that B is a slow charge).
        n_generations: number of generations; quark doublets ``{quark}1..n``, lepton doublets ``{lepton}1..n``.
    """

    kind = "sphaleron"

    def __init__(
        self,
        gamma: RateLike | None = None,
        name: str = "ew_sphaleron_rate",
        n_generations: int = 3,
        quark: str = "Q",
        lepton: str = "L",
        fast: bool = False,
    ):
        if isinstance(n_generations, bool) or not isinstance(n_generations, int) or n_generations < 1:
            raise ValueError(f"Sphaleron: n_generations must be a positive int, got {n_generations!r}")
        final = []
        for g in range(1, n_generations + 1):
            final += [f"{quark}{g}"] * 3 + [f"{lepton}{g}"]
        rate = drt_sphaleron_rate_density if gamma is None else _rate(gamma, "sphaleron gamma")
        super().__init__(name, (), final, rate, 0.0, fast)
