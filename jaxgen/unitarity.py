"""Unitarity- and CPT-consistent asymmetric freeze-in: the minimal toy model of Hook (arXiv:1105.3728) and Unwin
(arXiv:1406.3027). See :mod:`jaxgen._unitarity_rates` and ``docs/derivations/unitarity_freezein.md``.

Example::

    from jaxgen.unitarity import ToyParams, asymmetry_source, solve_toy
    p = ToyParams(m_b=1000.0, width=1e-3, br_x=1e-6, eps=3e-8)   # GeV; B in the bath, feeble channel into X
    asymmetry_source(300.0, p) / asymmetry_source(300.0, p, processes="decay_only")   # = Br_X: Hook's cancellation
    solve_toy(ToyParams(width=1e-15, br_x=1e-2, eps=1e-4)).efficiency             # ~1: out-of-equilibrium B
"""

from ._unitarity_rates import (
    PROCESS_SETS,
    STATUS_BAD_INPUT,
    STATUS_NOT_FINITE,
    STATUS_OK,
    ToyParams,
    ToyResult,
    ToyStatus,
    asymmetry_source,
    asymmetry_source_parts,
    decay_rate_density,
    process_table,
    ris_rate_density,
    solve_toy,
    toy_network,
    toy_network_params,
    unitarity_sums,
)

__all__ = [
    "PROCESS_SETS",
    "STATUS_BAD_INPUT",
    "STATUS_NOT_FINITE",
    "STATUS_OK",
    "ToyParams",
    "ToyResult",
    "ToyStatus",
    "asymmetry_source",
    "asymmetry_source_parts",
    "decay_rate_density",
    "process_table",
    "ris_rate_density",
    "solve_toy",
    "toy_network",
    "toy_network_params",
    "unitarity_sums",
]
