"""Sensitivity analysis: Jacobians and log-elasticities d ln|y| / d ln|x| of every prediction of a chain with
respect to every input (automatic differentiation, checked against central differences), as tables
(Markdown, xarray) and bar charts; and comparisons over discrete choices such as the g_* table.
See :mod:`jaxgen._sensitivity`.

Example::

    from jaxgen.sensitivity import jacobian, compare_tables
    tab = jacobian(chain, params)                  # all float inputs x all float outputs
    print(tab.to_markdown()); tab.plot("elasticities.png")
    assert tab.finite_difference_check() < 1e-6
    print(compare_tables(chain, params, outputs=["m_x_required"]).to_markdown())
"""

from ._sensitivity import (
    ChoiceComparison,
    SensitivityTable,
    compare_choices,
    compare_tables,
    finite_difference_jacobian,
    gstar_table_names,
    jacobian,
)

__all__ = [
    "ChoiceComparison",
    "SensitivityTable",
    "compare_choices",
    "compare_tables",
    "finite_difference_jacobian",
    "gstar_table_names",
    "jacobian",
]
