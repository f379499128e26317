"""Sensitivity of a chain's predictions to its inputs: Jacobians and log-elasticities, finite-difference checks,
tables, figures, and comparisons over discrete choices (such as the g_* table).

A *chain* is any pure function ``chain(params) -> prediction`` (PyTrees; an integer ``status`` leaf, 0 = ok), e.g.
``jaxgen._scenario_hall.asymmetric_freezein`` (Hall, March-Russell, West 2010) or
``jaxgen._scenario_ardu.rsymmetric_adm`` (Ardu, Queiroz Correa, Vives 2025). Inputs and outputs are named by dotted
paths (``"lam"``, ``"phase.0"`` for an array element, ``"m_a.1"``; the conventions of :mod:`jaxgen.sweep`); by
default every floating-point scalar of the parameters (array fields element by element) and of the prediction
(except ``status``).

Definitions (units: those of the chain's fields; elasticities are dimensionless):

    J_ij = d y_i / d x_j,        E_ij = d ln|y_i| / d ln|x_j| = J_ij x_j / y_i.

E_ij is the percentage change of y_i per percent change of x_j (a power law y ~ x^p has E = p). It is undefined
where y_i = 0 or x_j = 0 (e.g. a CP phase at 0): such entries are set to 0 and flagged in ``elasticity_ok``,
together with entries whose Jacobian is not finite or whose point has an invalid status -- the tables never hold NaN.

The Jacobian comes from automatic differentiation: ``jax.jacfwd`` of every floating output in one trace (forward
mode: one tangent per input), or ``jax.jacrev`` of the requested outputs when fewer outputs than inputs are
requested (one cotangent per output); ``mode`` overrides. :meth:`SensitivityTable.finite_difference_check`
compares it with central differences (5-point stencil).
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._paths import Loc as _Loc
from ._paths import expand_path as _expand_one
from ._paths import floats_to_arrays as _floats_to_arrays
from ._paths import get_values, leaf_names, scalar_paths, set_values, tree_get
from ._paths import is_float_like as _is_float_like
from ._paths import status_value as _status_value

__all__ = [
    "SensitivityTable",
    "ChoiceComparison",
    "jacobian",
    "finite_difference_jacobian",
    "compare_choices",
    "compare_tables",
    "gstar_table_names",
]


# ----------------------------------------------------------------------------------------------------------------
# names
# ----------------------------------------------------------------------------------------------------------------
def _expand_inputs(params, inputs) -> list[_Loc]:
    if inputs is None:
        inputs = scalar_paths(params)
        if not inputs:
            raise ValueError("the parameters have no floating-point leaves to differentiate with respect to")
    if isinstance(inputs, str):
        inputs = [inputs]
    locs: list[_Loc] = []
    for p in inputs:
        locs += _expand_one(params, p, "input")
    names = [loc.path for loc in locs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"duplicate inputs: {dup}")
    return locs


def _expand_outputs(pred_shape, outputs) -> list[_Loc]:
    if outputs is None:
        outputs = scalar_paths(pred_shape)
        if not outputs:
            raise ValueError("the chain's prediction has no floating-point outputs")
    if isinstance(outputs, str):
        outputs = [outputs]
    locs = []
    for p in outputs:
        locs += _expand_one(pred_shape, p, "output", require_float=False)  # checked by the caller
    return locs


def _checked_outputs(pred, outputs) -> tuple[_Loc, ...]:
    out_locs = tuple(_expand_outputs(pred, outputs))
    for loc in out_locs:
        leaf = tree_get(pred, loc.leaf)
        if not _is_float_like(leaf):
            raise ValueError(
                f"output {loc.path!r} has dtype {leaf.dtype}; only floating-point outputs have derivatives"
            )
    return out_locs


def _float_leaf_names(pred) -> list[str]:
    return [n for n, leaf in zip(leaf_names(pred), jax.tree_util.tree_leaves(pred)) if _is_float_like(leaf)]


def _make_f(chain, params, in_locs, out_locs):
    def f(x):
        pred = chain(set_values(params, in_locs, x))
        return get_values(pred, out_locs, allow_empty=False), _status_value(pred)

    return f


@eqx.filter_jit
def _jac_all_fwd(chain, params, in_locs, x0):
    """(prediction, forward-mode Jacobians of every floating leaf of the prediction) in one trace."""

    def f(x):
        pred = chain(set_values(params, in_locs, x))
        return tuple(jnp.asarray(v) for v in jax.tree_util.tree_leaves(pred) if _is_float_like(v)), pred

    J, pred = jax.jacfwd(f, has_aux=True)(x0)
    return pred, J


@eqx.filter_jit
def _jac_jit(chain, params, in_locs, out_locs, x0, mode):
    f = _make_f(chain, params, in_locs, out_locs)
    y, status = f(x0)
    jf = jax.jacfwd if mode == "fwd" else jax.jacrev
    J, _ = jf(f, has_aux=True)(x0)
    return y, status, J


@eqx.filter_jit
def _eval_many(chain, params, in_locs, out_locs, xs):
    f = _make_f(chain, params, in_locs, out_locs)
    return jax.vmap(f)(xs)


def _status_ok(status, bad_status):
    status = np.asarray(status)
    return (status == 0) if bad_status is None else ((status.astype(np.int64) & int(bad_status)) == 0)


def _elasticity(J, x, y, status_ok):
    """E = J x / y with the undefined entries (y = 0, x = 0, non-finite J, invalid status) set to 0 and flagged."""
    zero_in = (x == 0) | ~np.isfinite(x)
    zero_out = (y == 0) | ~np.isfinite(y)
    finite = np.isfinite(J)
    ok = finite & ~zero_out[:, None] & ~zero_in[None, :] & bool(status_ok)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        E = np.where(ok, J * x[None, :] / np.where(zero_out, 1.0, y)[:, None], 0.0)
    ok &= np.isfinite(E)
    return np.where(ok, E, 0.0), ok, zero_in, zero_out


# ----------------------------------------------------------------------------------------------------------------
# the table
# ----------------------------------------------------------------------------------------------------------------
class SensitivityTable(eqx.Module):
    """Jacobian and log-elasticities of a chain's outputs with respect to its inputs at one point.

    Attributes:
        inputs, outputs: names (dotted paths) of the n_in inputs and the n_out outputs.
        input_values: (n_in,) x; ``output_values``: (n_out,) y (the chain's units).
        jacobian: (n_out, n_in) dy_i/dx_j (0 where not finite; see ``jacobian_ok``).
        jacobian_ok: (n_out, n_in) finite and a valid status (0, or no bit of ``bad_status`` set).
        elasticity: (n_out, n_in) d ln|y_i| / d ln|x_j| (dimensionless; 0 where undefined).
        elasticity_ok: (n_out, n_in) the elasticity is defined (y_i != 0, x_j != 0, finite, valid status).
        zero_input, zero_output: (n_in,), (n_out,) flags of zero (or non-finite) values.
        status: the chain's status at the point (0 = ok).
        mode: 'fwd' or 'rev', how the Jacobian was computed.
        bad_status: None (any nonzero status is invalid) or the bit mask of invalidating status bits.
        chain, params: what was differentiated (for :meth:`finite_difference_check`).
    """

    inputs: tuple = eqx.field(static=True)
    outputs: tuple = eqx.field(static=True)
    input_values: np.ndarray
    output_values: np.ndarray
    jacobian: np.ndarray
    jacobian_ok: np.ndarray
    elasticity: np.ndarray
    elasticity_ok: np.ndarray
    zero_input: np.ndarray
    zero_output: np.ndarray
    status: int
    mode: str = eqx.field(static=True)
    bad_status: int | None = eqx.field(static=True)
    chain: Callable = eqx.field(static=True)
    params: Any
    in_locs: tuple = eqx.field(static=True)
    out_locs: tuple = eqx.field(static=True)

    # ------------------------------------------------------------------ lookups
    def _i(self, name: str, which: str) -> int:
        names = self.outputs if which == "output" else self.inputs
        try:
            return names.index(name)
        except ValueError:
            raise ValueError(f"{name!r} is not an {which} of this table; {which}s: {names}") from None

    def get(self, output: str, input: str, kind: str = "elasticity") -> float:
        """One entry: ``kind`` = 'elasticity' (NaN if undefined) or 'jacobian'."""
        i, j = self._i(output, "output"), self._i(input, "input")
        if kind == "jacobian":
            return float(self.jacobian[i, j]) if self.jacobian_ok[i, j] else float("nan")
        return float(self.elasticity[i, j]) if self.elasticity_ok[i, j] else float("nan")

    def ranked(self, output: str, n: int | None = None) -> list[tuple[str, float]]:
        """Inputs ranked by |elasticity| of one output (defined entries only), largest first."""
        i = self._i(output, "output")
        items = [
            (self.inputs[j], float(self.elasticity[i, j])) for j in range(len(self.inputs)) if self.elasticity_ok[i, j]
        ]
        items.sort(key=lambda t: -abs(t[1]))
        return items[:n] if n else items

    # ------------------------------------------------------------------ finite differences
    def finite_difference_jacobian(self, rel_step: float = 1e-3, order: int = 4) -> np.ndarray:
        """(n_out, n_in) finite-difference Jacobian (:func:`finite_difference_jacobian`: central 5-point stencil,
        steps h_j = rel_step |x_j|, one-sided where one side has an invalid status; NaN where both sides do)."""
        jac = finite_difference_jacobian(
            self.chain, self.params, self.in_locs, self.out_locs, rel_step, order, bad_status=self.bad_status
        )
        return cast(np.ndarray, jac)  # return_ok=False: the Jacobian alone

    def finite_difference_errors(
        self, rel_step: float = 1e-3, atol: float = 1e-6, order: int = 4, include_zero_inputs: bool = False
    ) -> np.ndarray:
        """(n_out, n_in) |E_ad - E_fd| / (|E_ad| + atol) in elasticity units E = J s_x / s_y, s = |value| (1 where
        the value is 0): scale-free, and entries below ``atol`` (default 1e-6, well above the rounding floor
        eps/rel_step) are compared absolutely. Entries without a usable difference (see ``jacobian_ok`` and the
        one-sided fallback) are 0. Inputs whose value is 0 are skipped (0) unless ``include_zero_inputs``: their
        step is the absolute ``rel_step``, which need not match the input's natural scale (e.g. a Majorana mass
        whose effects start at 1e-4 GeV)."""
        Jfd = self.finite_difference_jacobian(rel_step, order)
        sx = np.where(self.zero_input, 1.0, np.abs(self.input_values))
        sy = np.where(self.zero_output, 1.0, np.abs(self.output_values))
        Ead = self.jacobian * sx[None, :] / sy[:, None]
        Efd = Jfd * sx[None, :] / sy[:, None]
        with np.errstate(invalid="ignore"):
            err = np.abs(Ead - Efd) / (np.abs(Ead) + atol)
        use = self.jacobian_ok & np.isfinite(Efd)
        if not include_zero_inputs:
            use &= ~self.zero_input[None, :]
        return np.where(use, err, 0.0)

    def finite_difference_check(
        self, rel_step: float = 1e-3, atol: float = 1e-6, order: int = 4, include_zero_inputs: bool = False
    ) -> float:
        """Max relative error of the AD Jacobian against finite differences (see ``finite_difference_errors``)."""
        if not _status_ok(self.status, self.bad_status):
            raise ValueError(f"the chain's status is {self.status} at this point; finite differences are meaningless")
        return float(np.max(self.finite_difference_errors(rel_step, atol, order, include_zero_inputs), initial=0.0))

    # ------------------------------------------------------------------ output
    def to_markdown(
        self,
        kind: str = "elasticity",
        digits: int = 3,
        outputs: Sequence[str] | None = None,
        inputs: Sequence[str] | None = None,
        units: Mapping[str, str] | None = None,
    ) -> str:
        """Markdown table: one row per output (with its value), one column per input (with its value);
        entries are elasticities (default) or Jacobian entries; undefined entries print as '--'."""
        if kind not in ("elasticity", "jacobian"):
            raise ValueError(f"kind must be 'elasticity' or 'jacobian', got {kind!r}")
        units = dict(units or {})
        oi = [self._i(o, "output") for o in (outputs or self.outputs)]
        ii = [self._i(x, "input") for x in (inputs or self.inputs)]
        M = self.elasticity if kind == "elasticity" else self.jacobian
        ok = self.elasticity_ok if kind == "elasticity" else self.jacobian_ok

        def u(n):
            return f" [{units[n]}]" if units.get(n) else ""

        head = ["output", "value"] + [f"`{self.inputs[j]}`{u(self.inputs[j])} = {self.input_values[j]:.4g}" for j in ii]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for i in oi:
            cells = [f"`{self.outputs[i]}`{u(self.outputs[i])}", f"{self.output_values[i]:.4g}"]
            cells += [f"{M[i, j] + 0.0:.{digits}g}" if ok[i, j] else "--" for j in ii]  # + 0.0: no "-0"
            lines.append("| " + " | ".join(cells) + " |")
        what = "d ln|y| / d ln|x|" if kind == "elasticity" else "dy/dx (units of y per unit of x)"
        lines += [
            "",
            f"Entries: {what}; '--' = undefined (zero input or output, or invalid status). "
            f"Chain status {self.status}; Jacobian by {self.mode}-mode AD.",
        ]
        return "\n".join(lines)

    def to_dataset(self):
        """xarray.Dataset over (output, input): jacobian, elasticity and their masks; input/output values."""
        try:
            import xarray as xr
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("to_dataset needs xarray (pip install 'jaxgen[io]')") from exc
        return xr.Dataset(
            {
                "jacobian": (("output", "input"), self.jacobian, {"long_name": "dy/dx", "units": "y per unit x"}),
                "jacobian_ok": (("output", "input"), self.jacobian_ok),
                "elasticity": (("output", "input"), self.elasticity, {"long_name": "d ln|y| / d ln|x|", "units": "1"}),
                "elasticity_ok": (("output", "input"), self.elasticity_ok),
                "input_value": (("input",), self.input_values),
                "output_value": (("output",), self.output_values),
            },
            coords={"output": list(self.outputs), "input": list(self.inputs)},
            attrs={"status": int(self.status), "mode": self.mode, "producer": "jaxgen.sensitivity.jacobian"},
        )

    def plot(
        self,
        path: str | pathlib.Path | None = None,
        outputs: Sequence[str] | None = None,
        inputs: Sequence[str] | None = None,
        labels: Mapping[str, str] | None = None,
        ncols: int = 3,
        title: str | None = None,
        min_abs: float = 0.0,
    ):
        """Horizontal bar chart of the elasticities, one panel per output (inputs on the vertical axis).

        Undefined entries are marked 'n/a'; inputs with |E| < ``min_abs`` for every shown output are dropped.
        ``labels`` maps names to display labels (e.g. with units). Saves to ``path`` if given; returns the figure.
        Needs matplotlib (``pip install 'jaxgen[plot]'``)."""
        try:
            import matplotlib

            if path is not None:
                matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("plot needs matplotlib (pip install 'jaxgen[plot]')") from exc
        labels = dict(labels or {})
        oi = [self._i(o, "output") for o in (outputs or self.outputs)]
        ii = [self._i(x, "input") for x in (inputs or self.inputs)]
        if min_abs > 0:
            ii = [
                j for j in ii if any(self.elasticity_ok[i, j] and abs(self.elasticity[i, j]) >= min_abs for i in oi)
            ] or ii
        ncols = max(1, min(ncols, len(oi)))
        nrows = math.ceil(len(oi) / ncols)
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(3.6 * ncols + 1.2, 0.28 * len(ii) * nrows + 1.4 * nrows),
            squeeze=False,
            sharey=True,
            layout="constrained",
        )  # no empty band under a title
        ypos = np.arange(len(ii))
        for k, i in enumerate(oi):
            ax = axes[k // ncols][k % ncols]
            vals = np.array([self.elasticity[i, j] if self.elasticity_ok[i, j] else 0.0 for j in ii])
            colors = ["tab:blue" if v >= 0 else "tab:red" for v in vals]
            ax.barh(ypos, vals, color=colors)
            for y, j in zip(ypos, ii):
                if not self.elasticity_ok[i, j]:
                    ax.text(0, y, " n/a", va="center", fontsize=7, color="0.4")
            ax.axvline(0, color="k", lw=0.6)
            lim = 1.15 * max(float(np.max(np.abs(vals), initial=0.0)), 1e-3)
            ax.set_xlim(-lim, lim)
            ax.set_yticks(ypos)
            ax.set_yticklabels([labels.get(self.inputs[j], self.inputs[j]) for j in ii], fontsize=8)
            ax.invert_yaxis()
            name = labels.get(self.outputs[i], self.outputs[i])
            ax.set_title(f"{name} = {self.output_values[i]:.3g}", fontsize=9)
            ax.set_xlabel(r"elasticity $\partial\ln|y|/\partial\ln|x|$", fontsize=8)
            ax.grid(True, axis="x", alpha=0.3)
        for k in range(len(oi), nrows * ncols):
            axes[k // ncols][k % ncols].axis("off")
        if title:
            fig.suptitle(title, fontsize=10)
        if path is not None:
            fig.savefig(path, dpi=130)
            plt.close(fig)
        return fig


def jacobian(
    chain: Callable,
    params,
    inputs: Sequence[str] | str | None = None,
    outputs: Sequence[str] | str | None = None,
    *,
    mode: str = "auto",
    bad_status: int | None = None,
) -> SensitivityTable:
    """Jacobian and log-elasticities of ``chain``'s outputs with respect to its inputs at ``params``.

    Args:
        chain: pure function ``params -> prediction`` (PyTree with an optional integer ``status`` leaf).
        params: the point (a parameter PyTree).
        inputs: paths of floating scalars of ``params`` (an array leaf's name expands into its elements);
            default: all of them.
        outputs: paths into the prediction (likewise); default: every floating leaf except ``status``.
        mode: 'fwd' (one trace: forward-mode derivatives of every floating output, then the requested rows),
            'rev' (``jax.jacrev`` of the requested outputs; cheaper for many inputs and few outputs) or 'auto'
            (default: 'rev' if fewer outputs are requested than there are inputs, else 'fwd').
        bad_status: None (default: any status != 0 invalidates the point) or a bit mask of the invalidating bits
            (for chains whose status also carries diagnostic bits).

    Returns:
        :class:`SensitivityTable` (NaN-free: undefined entries are 0 and flagged).

    Raises:
        ValueError: unknown paths, non-float leaves, duplicate inputs, an unknown mode.
    """
    if mode not in ("auto", "fwd", "rev"):
        raise ValueError(f"mode must be 'auto', 'fwd' or 'rev', got {mode!r}")
    params = _floats_to_arrays(params)
    in_locs = tuple(_expand_inputs(params, inputs))
    x0 = get_values(params, in_locs, allow_empty=False)
    if isinstance(outputs, str):
        outputs = [outputs]
    if mode == "auto":
        mode = "rev" if outputs is not None and len(outputs) < len(in_locs) else "fwd"
    if mode == "fwd":
        # one trace of the chain: forward-mode Jacobian of EVERY floating output (the cost of forward mode does not
        # depend on the number of outputs), then the requested rows are selected on the host
        try:
            pred, J_leaves = _jac_all_fwd(chain, params, in_locs, x0)
        except ValueError:
            raise
        except Exception as exc:
            raise ValueError(f"the chain failed on these parameters: {type(exc).__name__}: {exc}") from exc
        out_locs = _checked_outputs(pred, outputs)
        rows = dict(zip(_float_leaf_names(pred), J_leaves))
        y = get_values(pred, out_locs, allow_empty=False)
        J = jnp.stack([rows[loc.leaf][loc.index] if loc.index else rows[loc.leaf] for loc in out_locs])
        status = _status_value(pred)
    else:
        try:
            pred_shape = jax.eval_shape(chain, params)
        except Exception as exc:
            raise ValueError(f"the chain failed on these parameters: {type(exc).__name__}: {exc}") from exc
        out_locs = _checked_outputs(pred_shape, outputs)
        y, status, J = _jac_jit(chain, params, in_locs, out_locs, x0, mode)
    x, y, J, status = np.asarray(x0, float), np.asarray(y, float), np.asarray(J, float), int(status)
    st_ok = bool(_status_ok(status, bad_status))
    J_ok = np.isfinite(J) & st_ok
    E, E_ok, zin, zout = _elasticity(J, x, y, st_ok)
    return SensitivityTable(
        inputs=tuple(loc.path for loc in in_locs),
        outputs=tuple(loc.path for loc in out_locs),
        input_values=x,
        output_values=y,
        jacobian=np.where(np.isfinite(J), J, 0.0),
        jacobian_ok=J_ok,
        elasticity=E,
        elasticity_ok=E_ok,
        zero_input=zin,
        zero_output=zout,
        status=status,
        mode=mode,
        bad_status=bad_status,
        chain=chain,
        params=params,
        in_locs=in_locs,
        out_locs=out_locs,
    )


def finite_difference_jacobian(
    chain: Callable,
    params,
    inputs=None,
    outputs=None,
    rel_step: float = 1e-3,
    order: int = 4,
    return_ok: bool = False,
    bad_status: int | None = None,
):
    """(n_out, n_in) finite-difference Jacobian with steps h_j = rel_step |x_j| (rel_step where x_j = 0).

    ``order=4`` (default): the central 5-point stencil [8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))] / (12 h),
    truncation error O(h^4) (~1e-12 relative for rel_step = 1e-3) and rounding ~ eps/rel_step; ``order=2``: the
    3-point central difference (f(x+h) - f(x-h)) / (2 h). Where the points on one side have an invalid status (e.g.
    an input at the edge of its domain, like a mass at 0) the one-sided second-order stencil of the other side is used
    (+-(-3 f(x) + 4 f(x+-h) - f(x+-2h)) / (2 h)); where both sides are bad the column is NaN and flagged.
    All 4 n_in + 1 evaluations run as one vmapped, jitted call. ``inputs``/``outputs`` as in :func:`jacobian`.
    With ``return_ok`` also returns the (n_in,) mask of usable columns."""
    if not rel_step > 0:
        raise ValueError(f"rel_step must be > 0, got {rel_step}")
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order}")
    params = _floats_to_arrays(params)
    in_locs = tuple(inputs) if inputs and isinstance(inputs[0], _Loc) else tuple(_expand_inputs(params, inputs))
    if outputs and not isinstance(outputs, str) and isinstance(outputs[0], _Loc):
        out_locs = tuple(outputs)
    else:
        out_locs = _checked_outputs(jax.eval_shape(chain, params), outputs)
    x0 = np.asarray(get_values(params, in_locs, allow_empty=False), float)
    h = rel_step * np.where(x0 == 0, 1.0, np.abs(x0))
    n = len(x0)
    E = np.eye(n) * h[None, :]
    xs = np.concatenate([x0[None, :], x0 + E, x0 - E, x0 + 2 * E, x0 - 2 * E])
    ys, st = _eval_many(chain, params, in_locs, out_locs, jnp.asarray(xs))
    ys, st = np.asarray(ys, float), np.asarray(st)
    ok = _status_ok(st, bad_status) & np.all(np.isfinite(ys), axis=1)
    y0 = ys[0]
    yp, ym, yp2, ym2 = (ys[1 + k * n : 1 + (k + 1) * n] for k in range(4))
    okp, okm, okp2, okm2 = (ok[1 + k * n : 1 + (k + 1) * n] for k in range(4))
    hh = h[:, None]
    with np.errstate(invalid="ignore", over="ignore"):
        central2 = (yp - ym) / (2 * hh)
        central4 = (8 * (yp - ym) - (yp2 - ym2)) / (12 * hh)
        forward = (-3 * y0 + 4 * yp - yp2) / (2 * hh)
        backward = (3 * y0 - 4 * ym + ym2) / (2 * hh)
    plus, minus = okp & okp2 & ok[0], okm & okm2 & ok[0]
    if order == 4:
        central, both = central4, plus & minus
    else:
        central, both = central2, okp & okm & ok[0]
    J = np.where(both[:, None], central, np.where(plus[:, None], forward, np.where(minus[:, None], backward, np.nan)))
    usable = both | plus | minus
    return (J.T, usable) if return_ok else J.T


# ----------------------------------------------------------------------------------------------------------------
# discrete choices
# ----------------------------------------------------------------------------------------------------------------
class ChoiceComparison(eqx.Module):
    """Predictions of one point under several discrete choices (e.g. the g_* table).

    Attributes:
        choices: names of the choices; ``outputs``: output names.
        values: (n_choice, n_out) predictions (0 where not ``valid``).
        valid: (n_choice, n_out) the chain's status is 0 (or passes ``bad_status``) and the value is finite.
        status: (n_choice,) the chain's status per choice.
        reference: index of the reference choice.
        relative_deviation: (n_choice, n_out) y / y_ref - 1 (0 where y_ref = 0 or an entry is not valid).
        spread: (n_out,) (max - min) / |mean| over the valid choices (0 where the mean is 0).
    """

    choices: tuple = eqx.field(static=True)
    outputs: tuple = eqx.field(static=True)
    values: np.ndarray
    valid: np.ndarray
    status: np.ndarray
    reference: int
    relative_deviation: np.ndarray
    spread: np.ndarray

    def to_markdown(self, digits: int = 5, units: Mapping[str, str] | None = None) -> str:
        """One row per output: its value under each choice, the relative deviation from the reference, the spread."""
        units = dict(units or {})
        ref = self.choices[self.reference]
        head = ["output"] + [f"{c}" + (" (ref.)" if k == self.reference else "") for k, c in enumerate(self.choices)]
        head += ["max rel. deviation from ref.", "spread (max-min)/mean"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for i, o in enumerate(self.outputs):
            u = f" [{units[o]}]" if units.get(o) else ""
            cells = [f"`{o}`{u}"]
            cells += [
                f"{self.values[k, i]:.{digits}g}" if self.valid[k, i] else f"-- (status {self.status[k]})"
                for k in range(len(self.choices))
            ]
            cells += [f"{np.max(np.abs(self.relative_deviation[:, i])):.3g}", f"{self.spread[i]:.3g}"]
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", f"Reference: {ref}."]
        return "\n".join(lines)

    def to_dataset(self):
        """xarray.Dataset over (choice, output)."""
        try:
            import xarray as xr
        except ImportError as exc:  # pragma: no cover
            raise ImportError("to_dataset needs xarray (pip install 'jaxgen[io]')") from exc
        return xr.Dataset(
            {
                "value": (("choice", "output"), self.values),
                "valid": (("choice", "output"), self.valid),
                "status": (("choice",), self.status),
                "relative_deviation": (("choice", "output"), self.relative_deviation),
                "spread": (("output",), self.spread),
            },
            coords={"choice": list(self.choices), "output": list(self.outputs)},
            attrs={"reference": self.choices[self.reference]},
        )


def compare_choices(
    chains: Mapping[str, Callable],
    params,
    outputs: Sequence[str] | str | None = None,
    reference: str | None = None,
    bad_status: int | None = None,
) -> ChoiceComparison:
    """Evaluate ``chains[name](params)`` for each discrete choice and compare the outputs (one jit per choice).

    ``reference`` (default: the first choice) is the denominator of ``relative_deviation``. ``bad_status``: None
    (any status != 0 invalidates a choice) or a bit mask of the status bits that do. NaN-free: invalid entries
    are 0 and flagged in ``valid``."""
    if not chains:
        raise ValueError("compare_choices needs at least one choice")
    names = list(chains)
    ref = 0 if reference is None else names.index(reference) if reference in names else None
    if ref is None:
        raise ValueError(f"reference {reference!r} is not one of the choices {names}")
    params = _floats_to_arrays(params)
    vals, stats = [], []
    out_names = None
    for nm in names:
        pred = eqx.filter_jit(chains[nm])(params)
        locs = _checked_outputs(pred, outputs)
        if out_names is None:
            out_names = tuple(loc.path for loc in locs)
        vals.append(np.asarray(get_values(pred, locs, allow_empty=False), float))
        stats.append(int(_status_value(pred)))
    assert out_names is not None  # set by the first choice (there is at least one)
    V = np.stack(vals)
    S = np.asarray(stats, np.int32)
    st_ok = _status_ok(S, bad_status)
    good = st_ok[:, None] & np.isfinite(V)
    V = np.where(good, V, 0.0)
    yref = V[ref]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(good & good[ref][None, :] & (yref != 0)[None, :], V / yref[None, :] - 1.0, 0.0)
        any_good = good.any(axis=0)
        mx = np.where(any_good, np.max(np.where(good, V, -np.inf), axis=0), 0.0)
        mn = np.where(any_good, np.min(np.where(good, V, np.inf), axis=0), 0.0)
        mean = np.sum(np.where(good, V, 0.0), axis=0) / np.maximum(good.sum(axis=0), 1)
        spread = np.where(mean != 0, (mx - mn) / np.abs(np.where(mean != 0, mean, 1.0)), 0.0)
    return ChoiceComparison(
        choices=tuple(names),
        outputs=out_names,
        values=V,
        valid=good,
        status=S,
        reference=ref,
        relative_deviation=rel,
        spread=spread,
    )


def gstar_table_names(include_constant: bool = False) -> tuple[str, ...]:
    """The g_* tabulations of :class:`jaxgen.cosmology.Cosmology` (without 'constant' unless asked)."""
    from ._cosmology import TABLES

    return tuple(t for t in TABLES if include_constant or t != "constant")


def compare_tables(
    chain: Callable,
    params,
    tables: Sequence[str] | None = None,
    outputs: Sequence[str] | str | None = None,
    *,
    keyword: str = "cosmology",
    reference: str | None = None,
    bad_status: int | None = None,
    **cosmology_kwargs,
) -> ChoiceComparison:
    """Compare a chain's predictions for each g_* table: ``chain(params, cosmology=Cosmology(table=t))``.

    ``tables`` default: every tabulation (Saikawa-Shirai, Drees-Hajkarim-Schmitz, Gondolo-Gelmini; see
    :mod:`jaxgen.cosmology`); ``keyword`` is the chain's cosmology argument; extra keyword arguments go to
    ``Cosmology`` (e.g. ``extra=``). The tables differ by 2-3 % above the electroweak scale."""
    from ._cosmology import Cosmology

    tables = tuple(tables) if tables is not None else gstar_table_names()
    chains = {t: (lambda p, t=t: chain(p, **{keyword: Cosmology(table=t, **cosmology_kwargs)})) for t in tables}
    return compare_choices(chains, params, outputs, reference, bad_status)
