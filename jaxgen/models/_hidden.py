"""A hidden sector carrying a conserved X number (Hall et al. 2010, Secs. 1 and 3).

The hidden sector is feebly coupled (freeze-in): no reaction links it to the visible bath, so X is conserved on its
own and the mediating operator fixes B - L + X (conserved; its value 0 if the asymmetries are generated together).
"""

from __future__ import annotations

from collections.abc import Sequence

from ._core import Model, Reaction, Species

__all__ = ["hidden_sector", "with_hidden_sector"]


def hidden_sector(
    name: str = "x", dof: float = 2, statistics: str = "fermion", x_charge: float = 1.0, mass: float = 0.0
) -> list[Species]:
    """The species of a minimal hidden sector: one particle ``name`` with X charge ``x_charge``.

    Args:
        name: species name (default ``"x"``; it must differ from the charge name ``"X"``).
        dof: internal degrees of freedom (2 for a Dirac fermion's particle states).
        statistics: ``"fermion"``, ``"boson"`` or ``"mb"``.
        x_charge: charge under the hidden U(1) named ``"X"``.
        mass: default mass in GeV.
    """
    return [Species(name, dof, statistics, {"X": x_charge}, mass=mass)]


def with_hidden_sector(
    model: Model, species: Sequence[Species] | None = None, reactions: Sequence[Reaction] = (), name: str | None = None
) -> Model:
    """``model`` plus a hidden sector (default: ``hidden_sector()``), with no reactions to the visible sector.

    Solve it with e.g. ``conserved={"B-L+X": 0.0, "X": -1.0}`` (Hall et al. Sec. 3): then X = -(B - L) and
    ``result.ratio("B", "X") = -B/(B-L)``.
    """
    species = hidden_sector() if species is None else list(species)
    return model.extend(name or f"{model.name} + hidden X", species=species, reactions=reactions)
