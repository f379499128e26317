"""Declarative Boltzmann networks: tracked out-of-equilibrium densities, slow charges and CP-violating reactions
on top of the chemical-equilibrium engine (``jaxgen.equilibrium``).

A network is built once per model (``Network``: validation, the fast/slow split, static index arrays, the unitarity
check of the CP asymmetries); ``solve(network, params, T_initial, T_final)`` is then a pure function of masses,
couplings and temperatures (jit, vmap, grad). Reactions: ``Decay`` (with its inverse decay by detailed balance),
``Scattering`` (``resonance=`` subtracts the real intermediate state, Kolb & Wolfram 1980) and ``Sphaleron``
(default rate: D'Onofrio-Rummukainen-Tranberg arXiv:1404.3565 via ``jaxgen.sphaleron``, T* = 131.7 GeV).
Physics and derivation: docs/derivations/kinetics.md (Buchmuller, Di Bari, Plumacher hep-ph/0401240; Giudice et al.
hep-ph/0310123); worked example: docs/kinetics.md.

``jaxgen.kinetics`` is not imported by ``import jaxgen``; import it explicitly.
"""

from . import _network, _reactions, _solve
from ._network import *
from ._reactions import *
from ._solve import *

__all__ = [*_reactions.__all__, *_network.__all__, *_solve.__all__]
