"""Figure 1 of Hall, March-Russell & West 2010 (from Hall, Jedamzik, March-Russell & West 2010, ref. [6]).

Log-log evolution of the relic yield Y = n/s against x = m/T: freeze-in (dashed, rising; a bath particle B of mass m
decaying to X with width Gamma, inverse decays included so that the largest coupling reaches equilibrium) and
conventional freeze-out (solid, falling; <sigma v> = a), for several couplings, with the equilibrium yield (black).

Freeze-out: :func:`jaxgen.freezeout.solve_freezeout` (diffrax Kvaerno5, trajectory via ``save_x``).
Freeze-in: :func:`jaxgen.freezein.solve_freezein` with inverse decays (diffrax Kvaerno5, one vmapped call), checked
against a small Boltzmann equation solved here with scipy (Radau), independent of jaxgen.freezein:
    dY/dx = (Gamma / (x H)) (K_1(x)/K_2(x)) Y_B,eq(x) (1 - Y/Y_X,eq)   (MB B with g = 2, constant g* = 106.75,
x = m_B/T, light X with its relativistic equilibrium yield Y_X,eq = 45 zeta(3) g_X/(2 pi^4 g*), Y(x0) = 0),
the decay/inverse-decay term with the thermal time-dilation factor K_1/K_2 (Hall et al. eq. (4.1) without the
asymmetry); the largest coupling reaches Y_X,eq. Couplings increase along the arrows as in the paper's figure.
"""

from __future__ import annotations

import pathlib

from . import _common


def main(out: pathlib.Path) -> str:
    _common.setup_jax()
    from jaxgen.plotting import hall_figure1_report

    return hall_figure1_report(out)


if __name__ == "__main__":
    _common.cli(main)
