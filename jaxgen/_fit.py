"""Gradient fits of any chain's parameters to targets with uncertainties: multi-start optax + Levenberg-Marquardt.

A *chain* is any pure function ``chain(params) -> prediction`` where ``params`` is a PyTree (an ``equinox.Module``)
and ``prediction`` a PyTree of arrays with an integer ``status`` leaf (0 = ok; a prediction without one counts as
always ok), e.g. the end-to-end scenarios ``jaxgen._scenario_hall.asymmetric_freezein`` (Hall, March-Russell, West
2010) and ``jaxgen._scenario_ardu.rsymmetric_adm`` (Ardu, Queiroz Correa, Vives 2025).

The fit minimizes

    chi^2(theta) = sum_t sum_k ((y_tk(theta) - value_tk) / sigma_tk)^2,   y_t = the prediction's leaf ``Target.path``

(for an upper limit, :meth:`Target.upper_bound`, the term is max(|y| - value, 0)^2 / sigma^2 instead)

over the free parameters theta (:class:`FreeParameter`: leaves of ``params`` named by dotted paths like ``"lam"``,
``"gh.M2"``, ``"phase.0"`` for an element of an array field, ``"m_a.1"``; every other field keeps its base value).

Reparametrization: the optimizer sees an unconstrained vector u with theta = T(u), per parameter:

============  =======================================================  ==============================================
transform     theta(u)                                                 use
============  =======================================================  ==============================================
``log``       exp(u); with both bounds exp(ln a + ln(b/a) sigmoid(u))  positive masses, couplings, widths (> 0)
``periodic``  u (an unconstrained angle), reported as lower + (u -      CP phases (period = upper - lower, default
              lower) mod period, and through (sin, cos)                 2 pi, lower default 0)
``logit``     a + (b - a) sigmoid(u)                                   a bounded interval (a, b), e.g. sin(phi)
``identity``  s u with s = |base value| (1 if 0): a scaled copy        unbounded real numbers
``auto``      ``logit`` if both bounds are given, else ``periodic``    the default
              for a path with a part named ``phase*`` or ``phi*``,
              else ``log`` for a positive base value, else ``identity``
============  =======================================================  ==============================================

Algorithm (:func:`fit`): ``n_starts`` random starts in u (uniform within the start ranges) are optimized together in
ONE jitted, vmapped program (one XLA compilation for all starts; and for later calls with the same chain, free
parameters, target paths and settings but other target values, sigmas, bounds, base point or starts: no
recompilation). It is a single ``lax.scan`` whose body evaluates the chain once per step, giving the residual
vector r = (y - value)/sigma, its Jacobian J = dr/du (forward or reverse mode) and the prediction together:
``steps`` steps of optax Adam (gradient 2 J^T r, cosine-decaying learning rate; or any first-order ``optimizer``),
then ``polish`` Levenberg-Marquardt steps (J^T J + lam diag J^T J) d = -J^T r from the best point so far, accepted
when the next evaluation lowers chi^2. They converge quadratically at small residuals (1e-6 relative recovery and
far better). The best start (lowest chi^2) gives the Laplace approximation: the covariance of u is the inverse
Hessian of chi^2/2 at the best fit, H = J^T J + sum_k r_k d^2 r_k/du^2 (``hessian="exact"``, automatic second
derivatives; or the Gauss-Newton/Fisher part J^T J alone), and that of theta is D C_u D with D = dtheta/du (the
transforms act element by element).

Bad points: where the chain's status != 0 (or, with ``bad_status``, has one of the bits of that mask set) or a
residual is not finite, chi^2 = :data:`BAD_CHI2` (1e30) and the
gradient is zero (never NaN); an Adam step that lands on a bad point is bisected back toward the best point of that
start, a Levenberg-Marquardt step that does is rejected. Inside a chain report bad points through ``status``, never
with ``equinox.error_if`` (that aborts all starts). Precision: the fit works in the chain's dtype; 1e-6 relative
recovery of parameters needs float64 (``jax.config.update("jax_enable_x64", True)``; jaxgen never sets it).
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable, Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxgen_kernels as kernels
from jaxgen_kernels import _status as _kstatus

from . import _constants
from ._edm import ACME_2018_BOUND, JILA_2023_BOUND
from ._paths import Loc as _Loc
from ._paths import describe as _describe
from ._paths import floats_to_arrays as _floats_to_arrays
from ._paths import get_status as _get_status
from ._paths import get_values, resolve_path, scalar_paths, set_values, tree_get  # re-exported by jaxgen.fit
from ._paths import status_value as _status_value

__all__ = [
    "BAD_CHI2",
    "FIT_OK",
    "FIT_NOT_CONVERGED",
    "FIT_AT_BOUND",
    "FIT_COVARIANCE_SINGULAR",
    "FIT_CHAIN_INVALID",
    "FIT_STATUS_MESSAGES",
    "FIT_STATUS_BITS",
    "AT_BOUND_TOL",
    "fit_status_names",
    "TRANSFORMS",
    "FreeParameter",
    "Target",
    "EDM_BOUNDS",
    "edm_bound_target",
    "FitResult",
    "fit",
    "chi2_function",
    "baryon_yield_target",
    "dm_density_target",
    "observed_density_targets",
    "resolve_path",
    "get_values",
    "set_values",
    "scalar_paths",
]

#: chi^2 assigned to points where the chain's status != 0 or a residual is not finite.
BAD_CHI2 = 1e30

# fit status bits (FitResult.fit_status; 0 = a usable fit; decode with fit_status_names / FitResult.status_names)
FIT_OK = 0
#: the best start did not converge (chi^2 still changing over the last steps, or a large Gauss-Newton decrement).
FIT_NOT_CONVERGED = 1
#: a bounded parameter (logit, or log with bounds) ended at a bound: within AT_BOUND_TOL of the interval's width
#: (in the transformed coordinate: ln theta for bounded log) from lower or upper, or a Gauss-Newton step from the
#: best fit would cross the bound (the optimum lies outside the range). Its error is reported as inf.
FIT_AT_BOUND = 2
#: the Laplace Hessian is not positive definite: the covariance is a pseudo-inverse; the errors of the parameters
#: in its null directions are reported as inf.
FIT_COVARIANCE_SINGULAR = 4
#: the best fit is not a valid point of the chain (its status != 0, or no start reached a valid point:
#: chi^2 = BAD_CHI2); all errors are reported as inf. FitResult.status holds the chain's own status bits.
FIT_CHAIN_INVALID = 8

FIT_STATUS_MESSAGES = {
    FIT_NOT_CONVERGED: "FIT_NOT_CONVERGED: the best start did not converge (raise steps/polish, or check the targets)",
    FIT_AT_BOUND: "FIT_AT_BOUND: a parameter ended at a bound of its range (widen the bounds); its error is inf",
    FIT_COVARIANCE_SINGULAR: "FIT_COVARIANCE_SINGULAR: the Laplace Hessian is singular (a direction unconstrained "
    "by the targets); affected errors are inf",
    FIT_CHAIN_INVALID: "FIT_CHAIN_INVALID: the best fit is not a valid chain point (chain status != 0 or no valid "
    "start); the result is not a fit",
}
#: The vocabulary of FitResult.fit_status (bit flags, :mod:`jaxgen_kernels._status`): snake_case names
#: (``FitStatus.decode(3) == ["not_converged", "at_bound"]``) and the FIT_STATUS_MESSAGES sentences.
FitStatus = _kstatus.flag_vocabulary(
    "FitStatus",
    {
        "NOT_CONVERGED": (FIT_NOT_CONVERGED, FIT_STATUS_MESSAGES[FIT_NOT_CONVERGED]),
        "AT_BOUND": (FIT_AT_BOUND, FIT_STATUS_MESSAGES[FIT_AT_BOUND]),
        "COVARIANCE_SINGULAR": (FIT_COVARIANCE_SINGULAR, FIT_STATUS_MESSAGES[FIT_COVARIANCE_SINGULAR]),
        "CHAIN_INVALID": (FIT_CHAIN_INVALID, FIT_STATUS_MESSAGES[FIT_CHAIN_INVALID]),
    },
    module=__name__,
)
#: name of each fit status bit ("FIT_" + the upper-case vocabulary name).
FIT_STATUS_BITS = {int(m): "FIT_" + m.name for m in FitStatus._ordered_}
#: a bounded parameter is "at a bound" when its position in the (transformed) interval is < AT_BOUND_TOL or
#: > 1 - AT_BOUND_TOL.
AT_BOUND_TOL = 1e-3


def fit_status_names(code: int) -> list[str]:
    """Names (``"FIT_NOT_CONVERGED"``, ...) of the bits set in a fit status; ``[]`` for FIT_OK (decoded by
    ``jaxgen_kernels._status.decode`` with :data:`FitStatus`, as every status of jaxgen)."""
    return ["FIT_" + name.upper() for name in _kstatus.decode(FitStatus, code)]


#: Valid ``FreeParameter.transform`` names.
TRANSFORMS = ("auto", "log", "periodic", "identity", "logit")

_TWO_PI = 2.0 * math.pi


#: how each internal transform of a free parameter reads in tables (the internal names are not for users)
TRANSFORM_LABELS = {
    "log": "log",
    "loglogit": "log, bounded",
    "logit": "bounded",
    "periodic": "periodic",
    "identity": "linear",
}


# ----------------------------------------------------------------------------------------------------------------
# user-facing specifications
# ----------------------------------------------------------------------------------------------------------------
class FreeParameter(eqx.Module):
    """A parameter of the chain that the fit varies.

    Attributes:
        path: dotted path of a floating scalar in the parameter PyTree (``"lam"``, ``"phase.0"``, ``"m_a.1"``).
        transform: ``"auto"`` (default), ``"log"``, ``"periodic"``, ``"identity"`` or ``"logit"`` (module docstring).
        lower, upper: bounds in the parameter's units. ``logit`` needs both (lower < upper); ``log`` takes none or
            both (0 < lower < upper: bounded in ln theta); ``periodic`` takes the period's start ``lower`` (default 0)
            and end ``upper`` (default lower + 2 pi); ``identity`` takes none.
    """

    path: str = eqx.field(static=True)
    transform: str = eqx.field(static=True, default="auto")
    lower: float | None = eqx.field(static=True, default=None)
    upper: float | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        if not isinstance(self.path, str) or not self.path:
            raise ValueError(f"FreeParameter path must be a dotted string like 'lam' or 'phase.0', got {self.path!r}")
        if self.transform not in TRANSFORMS:
            raise ValueError(
                f"FreeParameter {self.path!r}: unknown transform {self.transform!r}; choose one of {TRANSFORMS}"
            )
        lo, hi = self.lower, self.upper
        for nm, v in (("lower", lo), ("upper", hi)):
            if v is not None and not math.isfinite(float(v)):
                raise ValueError(f"FreeParameter {self.path!r}: {nm} must be finite, got {v}")
        if lo is not None and hi is not None and not float(lo) < float(hi):
            raise ValueError(f"FreeParameter {self.path!r}: need lower < upper, got lower={lo}, upper={hi}")
        if self.transform == "logit" and (lo is None or hi is None):
            raise ValueError(f"FreeParameter {self.path!r}: transform 'logit' needs both lower and upper bounds")
        if self.transform == "identity" and (lo is not None or hi is not None):
            raise ValueError(
                f"FreeParameter {self.path!r}: transform 'identity' cannot enforce bounds; use "
                "transform='logit' (both bounds) or 'log' (positive)"
            )
        if self.transform == "log":
            if (lo is None) != (hi is None):
                raise ValueError(f"FreeParameter {self.path!r}: transform 'log' takes both bounds or none")
            if lo is not None and float(lo) <= 0:
                raise ValueError(f"FreeParameter {self.path!r}: a 'log' parameter needs lower > 0, got {lo}")

    def resolved(self, base_value: float) -> tuple[str, float, float, float]:
        """(kind, a, b, scale) for a base value: kind in {'log', 'loglogit', 'logit', 'periodic', 'identity'}."""
        kind = self.transform
        lo, hi = self.lower, self.upper
        if kind == "auto":
            names = [p.lower() for p in self.path.split(".") if not p.isdigit()]
            if lo is not None and hi is not None:
                kind = "logit"
            elif any(n.startswith(("phase", "phi")) for n in names[-1:]):
                kind = "periodic"
            elif lo is None and hi is None and base_value > 0:
                kind = "log"
            elif lo is None and hi is None:
                kind = "identity"
            else:
                raise ValueError(
                    f"FreeParameter {self.path!r}: transform 'auto' with a single bound is ambiguous; "
                    "give both bounds (logit) or choose a transform"
                )
        if kind == "logit" or (kind == "log" and (lo is not None or hi is not None)):
            if lo is None or hi is None:  # __check_init__ rejects this already; checked again for a clear message
                raise ValueError(
                    f"FreeParameter {self.path!r}: a bounded {kind!r} transform needs both lower and upper bounds, "
                    f"got lower={lo}, upper={hi}"
                )
            if kind == "log":
                return "loglogit", math.log(float(lo)), math.log(float(hi)), 1.0
            return "logit", float(lo), float(hi), 1.0
        if kind == "log":
            return "log", 0.0, 0.0, 1.0
        if kind == "periodic":
            a = 0.0 if lo is None else float(lo)
            b = a + _TWO_PI if hi is None else float(hi)
            return "periodic", a, b, 1.0
        return "identity", 0.0, 0.0, (abs(base_value) if base_value != 0 and math.isfinite(base_value) else 1.0)


class Target(eqx.Module):
    """One term of the chi^2: ((prediction at ``path``) - value) / sigma, summed in quadrature.

    Attributes:
        path: dotted path of a leaf (or an element ``"eta.0"``) of the chain's prediction; an array leaf adds one
            term per element (``value``/``sigma`` broadcast to its shape).
        value: the measured value, in the prediction's units.
        sigma: its 1-sigma uncertainty (> 0), same units.
        kind: ``"value"`` (default, a measurement: residual (y - value)/sigma), ``"upper"`` (a one-sided upper
            limit on y: max(y - value, 0)/sigma, zero below ``value``) or ``"abs_upper"`` (the same on |y|:
            max(|y| - value, 0)/sigma). Build limits with :meth:`Target.upper_bound`.
    """

    path: str = eqx.field(static=True)
    value: Any
    sigma: Any
    kind: str = eqx.field(static=True, default="value")

    def __check_init__(self):
        if not isinstance(self.path, str) or not self.path:
            raise ValueError(f"Target path must be a dotted string like 'eta_b', got {self.path!r}")
        if self.kind not in _TARGET_KINDS:
            raise ValueError(f"Target {self.path!r}: kind must be one of {_TARGET_KINDS}, got {self.kind!r}")
        v, s = np.asarray(self.value, dtype=float), np.asarray(self.sigma, dtype=float)
        if not np.all(np.isfinite(v)):
            raise ValueError(f"Target {self.path!r}: value must be finite, got {self.value}")
        if not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise ValueError(
                f"Target {self.path!r}: sigma must be finite and > 0, got {self.sigma} (use a small "
                "relative uncertainty, e.g. 1e-3 * |value|, for a quantity quoted without one)"
            )

    @classmethod
    def upper_bound(cls, path: str, limit: float, cl: float = 0.9, absolute: bool = True) -> Target:
        """An experimental upper limit |y| < limit (``absolute``; else y < limit) at confidence level ``cl``.

        Likelihood: a Gaussian centred at zero, cut to the physical side, whose width makes the limit the
        chi^2 = chi2_1(cl) contour of one degree of freedom: sigma = limit / z, z = Phi^-1((1 + cl)/2)
        (1.6449 for 90 % CL, the convention of a null measurement quoted as a two-sided bound on |y|). The term is
        (|y|/sigma)^2 (kind ``"abs_upper"``, value 0), or max(y, 0)^2/sigma^2 (``"upper"``); so chi^2 = 2.706 at
        |y| = limit for cl = 0.9, and the region chi^2 < chi2_1(cl) is exactly |y| < limit. E.g. the electron
        EDM: ``Target.upper_bound("d_e", 4.1e-30)`` (JILA 2023, e cm, 90 % CL; :func:`edm_bound_target`).
        """
        limit = float(limit)
        if not (math.isfinite(limit) and limit > 0):
            raise ValueError(f"Target.upper_bound {path!r}: limit must be finite and > 0, got {limit}")
        if not 0.0 < cl < 1.0:
            raise ValueError(f"Target.upper_bound {path!r}: cl must lie in (0, 1), got {cl}")
        z = statistics.NormalDist().inv_cdf(0.5 * (1.0 + cl))
        return cls(path, 0.0, limit / z, kind="abs_upper" if absolute else "upper")


_TARGET_KINDS = ("value", "upper", "abs_upper")


def _residual(kind: str, y, value, sigma):
    """(y - value)/sigma for a measurement, the one-sided forms for limits (:class:`Target` ``kind``)."""
    if kind == "upper":
        return jnp.maximum(y - value, 0.0) / sigma
    if kind == "abs_upper":
        return jnp.maximum(jnp.abs(y) - value, 0.0) / sigma
    return (y - value) / sigma


#: Experimental electron-EDM limits |d_e| < limit [e cm], 90 % CL.
EDM_BOUNDS = {
    "jila2023": JILA_2023_BOUND,  # Roussy et al. (JILA), Science 381 (2023) 46, arXiv:2212.11841
    "acme2018": ACME_2018_BOUND,  # ACME Collaboration (ACME II), Nature 562 (2018) 355
}


def edm_bound_target(path: str = "d_e", experiment: str = "jila2023") -> Target:
    """The electron-EDM limit as a fit target: :meth:`Target.upper_bound` of the 90 % CL limit of
    :data:`EDM_BOUNDS` [e cm]: ``"jila2023"`` |d_e| < 4.1e-30 (Roussy et al., Science 381 (2023) 46) or
    ``"acme2018"`` |d_e| < 1.1e-29 (ACME II, Nature 562 (2018) 355); sigma = limit/1.6449."""
    if experiment not in EDM_BOUNDS:
        raise ValueError(f"unknown EDM experiment {experiment!r}; choose one of {sorted(EDM_BOUNDS)}")
    return Target.upper_bound(path, EDM_BOUNDS[experiment], cl=0.9)


def baryon_yield_target(path: str = "eta_b", preset: str = "planck2018", sigma: float | None = None) -> Target:
    """Target for the baryon yield Y_B = n_B/s today from an observed-density preset of :mod:`jaxgen.constants`.

    Planck 2018 (Paper VI, Table 2): Omega_b h^2 = 0.02237(15) -> Y_B = 8.63e-11 with a 0.67 % uncertainty.
    ``sigma`` overrides the preset's uncertainty (needed for presets quoted without one)."""
    obs = _constants.observed(preset)
    s = obs.baryon_yield_err if sigma is None else sigma
    if s <= 0:
        raise ValueError(f"preset {preset!r} quotes no uncertainty for Omega_b h^2; pass sigma=")
    return Target(path, obs.baryon_yield, s)


def dm_density_target(path: str = "omega_x_h2", preset: str = "planck2018", sigma: float | None = None) -> Target:
    """Target for Omega_DM h^2 from an observed-density preset (Planck 2018: Omega_c h^2 = 0.1200(12))."""
    obs = _constants.observed(preset)
    s = obs.omega_dm_h2_err if sigma is None else sigma
    if s <= 0:
        raise ValueError(f"preset {preset!r} quotes no uncertainty for Omega_DM h^2; pass sigma=")
    return Target(path, obs.omega_dm_h2, s)


def observed_density_targets(
    baryon_path: str = "eta_b", dm_path: str = "omega_x_h2", preset: str = "planck2018"
) -> tuple[Target, Target]:
    """(baryon yield, Omega_DM h^2) targets of an observed-density preset (default Planck 2018, Paper VI Table 2)."""
    return baryon_yield_target(baryon_path, preset), dm_density_target(dm_path, preset)


# ----------------------------------------------------------------------------------------------------------------
# transforms
# ----------------------------------------------------------------------------------------------------------------
def _to_phys(kinds, a, b, s, u):
    """theta(u) for each free parameter (unwrapped angles)."""
    out = []
    for j, k in enumerate(kinds):
        uj = u[j]
        if k == "log":
            out.append(jnp.exp(uj))
        elif k == "loglogit":
            out.append(jnp.exp(a[j] + (b[j] - a[j]) * jax.nn.sigmoid(uj)))
        elif k == "logit":
            out.append(a[j] + (b[j] - a[j]) * jax.nn.sigmoid(uj))
        elif k == "periodic":
            out.append(uj)
        else:
            out.append(s[j] * uj)
    return jnp.stack(out)


def _dphys_du(kinds, a, b, s, u):
    out = []
    for j, k in enumerate(kinds):
        uj = u[j]
        sig = jax.nn.sigmoid(uj)
        if k == "log":
            out.append(jnp.exp(uj))
        elif k == "loglogit":
            out.append(jnp.exp(a[j] + (b[j] - a[j]) * sig) * (b[j] - a[j]) * sig * (1 - sig))
        elif k == "logit":
            out.append((b[j] - a[j]) * sig * (1 - sig))
        elif k == "periodic":
            out.append(jnp.ones_like(uj))
        else:
            out.append(s[j] * jnp.ones_like(uj))
    return jnp.stack(out)


def _to_u_np(kinds, a, b, s, x: np.ndarray, names) -> np.ndarray:
    """Inverse transform on the host (x: (..., n)); raises ValueError for values outside a parameter's domain."""
    x = np.asarray(x, dtype=float)
    u = np.empty_like(x)
    for j, k in enumerate(kinds):
        xj = x[..., j]
        if k in ("log", "loglogit") and np.any(xj <= 0):
            raise ValueError(
                f"free parameter {names[j]!r} is log-transformed but a start value is <= 0 "
                f"({xj.min()}); give positive values or another transform"
            )
        if k == "log":
            u[..., j] = np.log(xj)
        elif k in ("loglogit", "logit"):
            z = np.log(xj) if k == "loglogit" else xj
            f = (z - a[j]) / (b[j] - a[j])
            if np.any((f <= 0) | (f >= 1)):
                lo, hi = (math.exp(a[j]), math.exp(b[j])) if k == "loglogit" else (a[j], b[j])
                raise ValueError(
                    f"free parameter {names[j]!r}: a start value lies outside its bounds ({lo}, {hi}); bounds are open"
                )
            u[..., j] = np.log(f) - np.log1p(-f)
        elif k == "periodic":
            u[..., j] = xj
        else:
            u[..., j] = xj / s[j]
    return u


def _wrap_np(kinds, a, b, x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=float, copy=True)
    for j, k in enumerate(kinds):
        if k == "periodic":
            x[..., j] = a[j] + np.mod(x[..., j] - a[j], b[j] - a[j])
    return x


# ----------------------------------------------------------------------------------------------------------------
# the jitted multi-start program
# ----------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Spec:
    """Everything static about a fit (hashable: the jit cache key)."""

    chain: Callable
    locs: tuple
    kinds: tuple
    target_locs: tuple  # (leaf path, index tuple) per target
    target_kinds: tuple  # Target.kind per target
    steps: int
    polish: int
    optimizer: Any
    learning_rate: float
    ad: str
    hessian: str
    bad_status: int | None


def _status_bad(pred, bad_status: int | None = None) -> jax.Array:
    """True where the chain's status marks the point as invalid: any nonzero status (``bad_status=None``), or any of
    the bits in the mask ``bad_status``."""
    st = _get_status(pred)
    if st is None:
        return jnp.asarray(False)
    st = jnp.asarray(st)
    if bad_status is None:
        return jnp.any(st != 0)
    return jnp.any((st.astype(jnp.int32) & jnp.int32(bad_status)) != 0)


def _make_fns(spec: _Spec, base, tvals, tsig, a, b, s):
    def build(u):
        return set_values(base, spec.locs, _to_phys(spec.kinds, a, b, s, u))

    def residuals(u):
        """(r, (r, bad, status, prediction)); r = 0 at bad points (so that no NaN reaches a derivative)."""
        pred = spec.chain(build(u))
        rs = []
        for (leaf, idx), kind, v, sg in zip(spec.target_locs, spec.target_kinds, tvals, tsig):
            y = jnp.asarray(tree_get(pred, leaf))
            y = y[idx] if idx else y
            rs.append(jnp.ravel(_residual(kind, y, v, sg)))
        r = jnp.concatenate(rs)
        bad = _status_bad(pred, spec.bad_status) | ~jnp.all(jnp.isfinite(r))
        r = jnp.where(bad, 0.0, r)
        return r, (r, bad, _status_value(pred), pred)

    return build, residuals


def _clean(x):
    return jnp.where(jnp.isfinite(x), x, 0.0)


def _where_tree(cond, new, old):
    return jax.tree_util.tree_map(lambda x, y: jnp.where(cond, x, y), new, old)


def _core(spec: _Spec, base, tvals, tsig, u0s, a, b, s, pred0):
    """All starts: ``steps`` Adam iterations then ``polish`` Levenberg-Marquardt iterations in ONE scan whose body
    evaluates the chain once (residuals r and their Jacobian J in one forward- or reverse-mode pass, with the
    prediction as auxiliary output): Adam uses grad chi^2 = 2 J^T r, LM steps from the best point so far with
    (J^T J + lam diag(J^T J)) d = -J^T r, accepted when the next evaluation lowers chi^2 (else lam x 10)."""
    build, residuals = _make_fns(spec, base, tvals, tsig, a, b, s)
    dtype = u0s.dtype
    n = u0s.shape[1]
    if spec.optimizer is None:
        sched = optax.cosine_decay_schedule(spec.learning_rate, max(spec.steps, 1), alpha=1e-2)
        opt = optax.adam(sched)
    else:
        opt = spec.optimizer
    jac = jax.jacfwd if spec.ad == "fwd" else jax.jacrev
    evaluate = jac(residuals, has_aux=True)
    big = jnp.asarray(BAD_CHI2, dtype)
    eye = jnp.eye(n, dtype=dtype)
    tiny = jnp.finfo(dtype).tiny
    eps = jnp.finfo(dtype).eps
    n_res = sum(int(np.prod(np.shape(v))) for v in tvals)

    def lm_direction(J, r, lam):
        A = J.T @ J
        g = J.T @ r
        diag = jnp.diag(A)
        floor = eps * jnp.maximum(jnp.max(diag), tiny)
        M = A + lam * jnp.diag(diag + floor) + eye * tiny
        return _clean(kernels.lapack_solve(M, -g))  # one matrix per LAPACK call on the CPU (kernels._lapack)

    def one_start(u0):
        def body(carry, i):
            u, state, lam, best = carry
            J, (r, bad, status, pred) = evaluate(u)
            c = jnp.sum(r * r)
            bad = bad | ~(c < big)  # overflow (e.g. a wild trial step) counts as a bad point
            J = jnp.where(bad, 0.0, _clean(J))
            r = jnp.where(bad, 0.0, r)
            c = jnp.where(bad, big, c)
            better = ((c < best["c"]) & ~bad) | (i == 0)
            best = _where_tree(better, dict(u=u, c=c, r=r, J=J, status=status, pred=pred, bad=bad), best)
            # Adam phase: gradient 2 J^T r; a bad point is bisected back toward the best point
            g = 2.0 * (J.T @ r)
            upd, new_state = opt.update(g, state, u)
            u_adam = jnp.where(bad, best["u"] + 0.5 * (u - best["u"]), jnp.asarray(optax.apply_updates(u, upd)))
            # LM phase: this evaluation was the trial of the previous LM step; adapt lam, step from the best point
            in_lm = i >= spec.steps
            lam = jnp.where(
                in_lm & (i > spec.steps), jnp.clip(jnp.where(better, lam * 0.3, lam * 10.0), 1e-12, 1e12), lam
            )
            u_lm = best["u"] + lm_direction(best["J"], best["r"], lam)
            u_next = jnp.where(in_lm, u_lm, u_adam)
            state = _where_tree(in_lm, state, new_state)
            return (u_next, state, lam, best), (c, best["c"])

        best0 = dict(
            u=u0,
            c=big,
            r=jnp.zeros((n_res,), dtype),
            J=jnp.zeros((n_res, n), dtype),
            status=jnp.zeros((), jnp.int32),
            pred=pred0,
            bad=jnp.asarray(True),
        )
        carry = (u0, opt.init(u0), jnp.asarray(1e-3, dtype), best0)
        (_, _, _, best), (hist, hist_best) = jax.lax.scan(body, carry, jnp.arange(spec.steps + spec.polish))
        # Gauss-Newton decrement g^T A^-1 g at the best point: the chi^2 decrease a full step would still give
        A = best["J"].T @ best["J"]
        g = best["J"].T @ best["r"]
        floor = eps * jnp.maximum(jnp.max(jnp.diag(A)), tiny)
        dec = jnp.abs(jnp.dot(g, _clean(kernels.lapack_solve(A + eye * (floor + tiny), g))))
        return best, hist, hist_best, dec

    best, hist, hist_best, dec = jax.vmap(one_start)(u0s)
    i = jnp.argmin(best["c"])
    u_best = best["u"][i]
    J_best = best["J"][i]
    r_best = best["r"][i]
    H = J_best.T @ J_best  # Gauss-Newton part of the Hessian of chi^2/2
    if spec.hessian == "exact":  # + sum_k r_k d^2 r_k / du du
        second = jac(jac(lambda v: residuals(v)[0]))(u_best)
        H = H + jnp.where(best["bad"][i], 0.0, jnp.einsum("k,kab->ab", r_best, _clean(second)))
    D = _dphys_du(spec.kinds, a, b, s, u_best)
    return dict(
        u=best["u"],
        chi2=best["c"],
        history=hist,
        history_best=hist_best,
        status=best["status"],
        bad=best["bad"],
        decrement=dec,
        best=i,
        hessian=H,
        jac=J_best,
        residuals=r_best,
        dtheta_du=D,
        prediction=jax.tree_util.tree_map(lambda z: z[i], best["pred"]),
        x=jax.vmap(lambda v: _to_phys(spec.kinds, a, b, s, v))(best["u"]),
    )


_core_jit = eqx.filter_jit(_core)


# ----------------------------------------------------------------------------------------------------------------
# result
# ----------------------------------------------------------------------------------------------------------------
class FitResult(eqx.Module):
    """Result of :func:`fit` (host NumPy arrays; physical values in the parameters' own units).

    Attributes:
        names: free-parameter paths; ``transforms``: their resolved transforms ('log', 'loglogit', 'logit',
            'periodic', 'identity'); ``target_names``: one name per residual (``"eta_b"`` or ``"x.0"``...).
        params: the best-fit parameter PyTree (periodic parameters wrapped into their period).
        prediction: the chain's prediction at the best fit.
        x, u: (n,) best fit, physical (periodic wrapped) and unconstrained.
        chi2: best chi^2; ``chi2_starts``: (S,) final chi^2 of every start.
        x_starts, u_starts: (S, n) final points of every start; ``x_init``: (S, n) their starting points.
        history: (S, steps + polish) chi^2 at the point evaluated at every step of every start (Adam steps, then
            Levenberg-Marquardt trial points, which may be rejected); ``history_best``: its running minimum.
        hessian_u: (n, n) Hessian of chi^2/2 in u at the best fit; ``fisher_u``: its Gauss-Newton part J^T J.
        cov_u, cov: (n, n) Laplace covariance in u and in the physical parameters (D cov_u D, D = dtheta/du).
        errors_u, errors: (n,) 1-sigma errors (sqrt of the diagonals); inf (never a tiny number or NaN) for a
            parameter at a bound, in a null direction of a singular Hessian, or when the fit is FIT_CHAIN_INVALID.
        laplace_ok: the Hessian is positive definite (else ``cov`` uses its pseudo-inverse and is unreliable).
        residuals: (m,) (prediction - value)/sigma at the best fit.
        status, status_starts: the CHAIN's status at the best fit / at every start's final point (0 = valid).
        fit_status: the FIT's own status bits (0 = FIT_OK, a usable fit): FIT_NOT_CONVERGED, FIT_AT_BOUND,
            FIT_COVARIANCE_SINGULAR, FIT_CHAIN_INVALID (see the constants); decode with :meth:`status_names`, read
            :attr:`message`, test :attr:`ok`. A command line should print ``message`` and exit non-zero when not
            ``ok``.
        at_bound: (n,) bool, the parameters that ended at a bound of their range (their ``errors`` are inf).
        converged, converged_starts: a valid point, the best chi^2 stable over the last 5 steps and the
            Gauss-Newton decrement (J^T r)^T (J^T J)^-1 (J^T r) (the chi^2 decrease a further full step would give)
            below ftol (1 + chi^2). A start stuck at a local minimum also counts as converged: compare
            ``chi2_starts``.
        best_index: index of the best start; ``n_dof``: m - n.
    """

    names: tuple = eqx.field(static=True)
    transforms: tuple = eqx.field(static=True)
    target_names: tuple = eqx.field(static=True)
    params: Any
    prediction: Any
    x: np.ndarray
    u: np.ndarray
    chi2: float
    chi2_starts: np.ndarray
    x_starts: np.ndarray
    u_starts: np.ndarray
    x_init: np.ndarray
    history: np.ndarray
    history_best: np.ndarray
    hessian_u: np.ndarray
    fisher_u: np.ndarray
    cov_u: np.ndarray
    cov: np.ndarray
    errors_u: np.ndarray
    errors: np.ndarray
    laplace_ok: bool
    residuals: np.ndarray
    status: int
    status_starts: np.ndarray
    converged: bool
    converged_starts: np.ndarray
    best_index: int
    n_dof: int
    fit_status: int = 0
    at_bound: np.ndarray | None = None

    @property
    def ok(self) -> bool:
        """True for a usable fit: ``fit_status == FIT_OK``."""
        return int(self.fit_status) == FIT_OK

    def status_names(self) -> list[str]:
        """Names of the fit status bits set (``[]`` for a usable fit), e.g. ``["FIT_NOT_CONVERGED", "FIT_AT_BOUND"]``."""
        return fit_status_names(self.fit_status)

    @property
    def message(self) -> str:
        """One line for humans: ``"fit ok"`` or the fit status names with explanations (and the chain status and
        the parameters at a bound)."""
        if self.ok:
            return "fit ok"
        parts = [FIT_STATUS_MESSAGES[bit] for bit in FIT_STATUS_BITS if int(self.fit_status) & bit]
        if self.at_bound is not None and np.any(self.at_bound):
            parts.append("at a bound: " + ", ".join(n for n, b in zip(self.names, self.at_bound) if b))
        if int(self.status) != 0:
            parts.append(f"chain status {int(self.status)}")
        return f"fit status {int(self.fit_status)}: " + "; ".join(parts)

    def index(self, path: str) -> int:
        try:
            return self.names.index(path)
        except ValueError:
            raise ValueError(f"{path!r} is not a free parameter of this fit; free: {self.names}") from None

    def value(self, path: str) -> float:
        """Best-fit physical value of a free parameter."""
        return float(self.x[self.index(path)])

    def error(self, path: str) -> float:
        """Laplace 1-sigma error of a free parameter (physical units)."""
        return float(self.errors[self.index(path)])

    def sincos(self, path: str) -> tuple[float, float]:
        """(sin, cos) of a periodic parameter (2 pi / period times its offset from ``lower``)."""
        j = self.index(path)
        if self.transforms[j] != "periodic":
            raise ValueError(f"{path!r} is not periodic (transform {self.transforms[j]!r})")
        return float(np.sin(self.u[j])), float(np.cos(self.u[j]))

    @property
    def correlation(self) -> np.ndarray:
        d = np.sqrt(np.clip(np.diag(self.cov), 1e-300, None))
        return self.cov / np.outer(d, d)

    def to_markdown(self, units: Mapping[str, str] | None = None, digits: int = 6) -> str:
        """Best fit +- 1 sigma per parameter, then chi^2, dof, convergence."""
        units = dict(units or {})
        lines = ["| parameter | fitted as | best fit | 1-sigma (Laplace) | units |", "|---|---|---|---|---|"]
        for j, nm in enumerate(self.names):
            kind = TRANSFORM_LABELS.get(str(self.transforms[j]), str(self.transforms[j]))
            lines.append(f"| `{nm}` | {kind} | {self.x[j]:.{digits}g} | {self.errors[j]:.3g} | {units.get(nm, '')} |")
        n_ok = int(np.sum(self.chi2_starts < BAD_CHI2))
        lines += [
            "",
            f"chi^2 = {self.chi2:.4g} for {self.n_dof} degrees of freedom; best of {len(self.chi2_starts)} "
            f"starts ({n_ok} valid, {int(np.sum(self.converged_starts))} converged); chain status "
            f"{self.status}; Laplace covariance {'ok' if self.laplace_ok else 'SINGULAR (pseudo-inverse)'}.",
            "",
            f"**{self.message}**" if not self.ok else "fit status 0 (ok).",
        ]
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------------
# the entry point
# ----------------------------------------------------------------------------------------------------------------
def _default_start_range(kind, a, b, s, x0):
    """Default start range in u for one parameter."""
    if kind == "log":
        if not x0 > 0:
            raise ValueError("log")
        return math.log(x0) - math.log(10.0), math.log(x0) + math.log(10.0)
    if kind in ("logit", "loglogit"):
        return -2.0, 2.0
    if kind == "periodic":
        return a, b
    return x0 / s - 0.5, x0 / s + 0.5


def _as_list(x, cls, what):
    if isinstance(x, (cls, str)):
        x = [x]
    out = []
    for item in x:
        if isinstance(item, str) and cls is FreeParameter:
            item = FreeParameter(item)
        if not isinstance(item, cls):
            raise TypeError(f"{what} must be {cls.__name__} objects (or path strings), got {type(item).__name__}")
        out.append(item)
    if not out:
        raise ValueError(f"fit needs at least one {cls.__name__}")
    return out


def fit(
    chain: Callable,
    base_params,
    free,
    targets,
    *,
    n_starts: int = 8,
    seed: int = 0,
    steps: int = 300,
    polish: int = 30,
    learning_rate: float = 0.05,
    optimizer=None,
    start=None,
    ad: str = "auto",
    hessian: str = "exact",
    bad_status: int | None = None,
    ftol: float = 1e-8,
) -> FitResult:
    """Fit free parameters of ``chain`` to targets: vmapped multi-start Adam + Levenberg-Marquardt, Laplace errors.

    Args:
        chain: pure function ``params -> prediction`` (PyTree with an integer ``status`` leaf, 0 = ok).
        base_params: the parameter PyTree; the free parameters start from / vary around it, the rest stay fixed.
        free: :class:`FreeParameter` objects (or path strings, transform 'auto').
        targets: :class:`Target` objects (see :func:`observed_density_targets` for Planck 2018 densities).
        n_starts: number of random starts, optimized together in one vmapped program.
        seed: seed of the host RNG that draws the starts (numpy ``default_rng(seed)``).
        steps: Adam steps (learning rate ``learning_rate`` in u, cosine-decayed to 1 % of it).
        polish: Levenberg-Marquardt steps after Adam (0 = none).
        optimizer: a first-order ``optax.GradientTransformation`` replacing the default Adam (reuse the same
            object across calls to reuse the compilation).
        start: None (defaults below), a mapping ``path -> (low, high)`` of physical start ranges (uniform in u
            between the transformed ends; unnamed parameters keep the default), or an (n_starts, n) array of
            physical start values. Defaults: log: base/10 .. base*10; logit and bounded log: sigmoid(u) in
            0.12 .. 0.88 of the interval; periodic: the whole period; identity: base +- 50 % (+- 0.5 if base = 0).
        ad: how the residual Jacobian J (n_res x n) is computed at every step: 'fwd' (``jax.jacfwd``, n tangents),
            'rev' (``jax.jacrev``, n_res cotangents; needed for chains with ``jax.custom_vjp``) or 'auto' (default:
            'fwd' if n <= n_res). The chain is evaluated ONCE per step (residuals, J and prediction together).
        hessian: 'exact' (default: J^T J + sum_k r_k d^2 r_k/du^2, second derivatives by the same mode twice) or
            'gauss-newton' (J^T J only: the Fisher matrix, exact at zero residuals and for linear chains; saves the
            compilation of the second derivatives).
        bad_status: None (default: any status != 0 is a bad point) or a bit mask (status & mask != 0 is bad), for
            chains whose status also carries diagnostic bits.
        ftol: convergence tolerance on chi^2 changes and the Newton decrement (relative to 1 + chi^2).

    Returns:
        :class:`FitResult`.

    Raises:
        ValueError: unknown or duplicate paths, non-float or array leaves, sigma <= 0, start values outside the
            domain of a transform, a bad ``start`` shape, n_starts < 1.
    """
    free = _as_list(free, FreeParameter, "free")
    targets = _as_list(targets, Target, "targets")
    if not isinstance(n_starts, int) or n_starts < 1:
        raise ValueError(f"n_starts must be a positive int, got {n_starts!r}")
    if not isinstance(steps, int) or steps < 0 or not isinstance(polish, int) or polish < 0 or steps + polish < 1:
        raise ValueError(f"need integer steps >= 0 and polish >= 0 with steps + polish >= 1, got {steps}, {polish}")
    if ad not in ("auto", "rev", "fwd"):
        raise ValueError(f"ad must be 'auto', 'rev' or 'fwd', got {ad!r}")
    if hessian not in ("exact", "gauss-newton"):
        raise ValueError(f"hessian must be 'exact' or 'gauss-newton', got {hessian!r}")
    if bad_status is not None and (not isinstance(bad_status, (int, np.integer)) or isinstance(bad_status, bool)):
        raise ValueError(f"bad_status must be None or an int bit mask, got {bad_status!r}")
    paths = [f.path for f in free]
    if len(set(paths)) != len(paths):
        raise ValueError(f"duplicate free parameters: {paths}")
    base = _floats_to_arrays(base_params)
    locs = tuple(resolve_path(base, p, what="free parameter") for p in paths)
    x0 = np.asarray(get_values(base, locs), dtype=float)
    specs = [f.resolved(float(v)) for f, v in zip(free, x0)]
    kinds = tuple(k for k, *_ in specs)
    a = tuple(v[1] for v in specs)
    b = tuple(v[2] for v in specs)
    s = tuple(v[3] for v in specs)

    # targets against the prediction's structure (traced once, not compiled)
    try:
        pred_shape = jax.eval_shape(chain, base)
    except Exception as exc:
        raise ValueError(f"the chain failed on the base parameters: {type(exc).__name__}: {exc}") from exc
    tlocs, tvals, tsig, tnames = [], [], [], []
    for t in targets:
        loc = _target_loc(pred_shape, t.path)
        leaf = tree_get(pred_shape, loc.leaf)
        shape = tuple(np.shape(leaf))[len(loc.index) :]
        tlocs.append((loc.leaf, loc.index))
        try:
            v = np.broadcast_to(np.asarray(t.value, float), shape)
            sg = np.broadcast_to(np.asarray(t.sigma, float), shape)
        except ValueError:
            raise ValueError(
                f"Target {t.path!r}: value/sigma of shape {np.shape(t.value)}/{np.shape(t.sigma)} do "
                f"not broadcast to the prediction's shape {shape}"
            ) from None
        tvals.append(jnp.asarray(v))
        tsig.append(jnp.asarray(sg))
        tnames += [t.path] if shape == () else [t.path + "." + ".".join(map(str, i)) for i in np.ndindex(*shape)]

    # starts
    dtype = jnp.result_type(float)
    rng = np.random.default_rng(seed)
    if start is None or isinstance(start, Mapping):
        ranges = dict(start or {})
        unknown = sorted(set(ranges) - set(paths))
        if unknown:
            raise ValueError(f"start ranges for {unknown}, which are not free parameters ({paths})")
        lo_u, hi_u = np.empty(len(paths)), np.empty(len(paths))
        for j, p in enumerate(paths):
            if p in ranges:
                lo, hi = map(float, ranges[p])
                if not lo <= hi:
                    raise ValueError(f"start range of {p!r}: need low <= high, got {ranges[p]}")
                ends = _to_u_np(kinds[j : j + 1], a[j : j + 1], b[j : j + 1], s[j : j + 1], np.array([[lo], [hi]]), [p])
                lo_u[j], hi_u[j] = ends[0, 0], ends[1, 0]
            else:
                try:
                    lo_u[j], hi_u[j] = _default_start_range(kinds[j], a[j], b[j], s[j], x0[j])
                except ValueError:
                    raise ValueError(
                        f"free parameter {p!r} is log-transformed but its base value is {x0[j]} "
                        "<= 0; give a positive base value, a start range, or another transform"
                    ) from None
        u0 = lo_u + (hi_u - lo_u) * rng.random((n_starts, len(paths)))
    else:
        xs = np.asarray(start, dtype=float)
        if xs.shape != (n_starts, len(paths)):
            raise ValueError(
                f"start array must have shape (n_starts, n_free) = {(n_starts, len(paths))}, got {xs.shape}"
            )
        u0 = _to_u_np(kinds, a, b, s, xs, paths)
    x_init = _wrap_np(kinds, a, b, np.stack([_to_phys_np(kinds, a, b, s, u) for u in u0]))

    if ad == "auto":
        ad = "fwd" if len(paths) <= len(tnames) else "rev"
    spec = _Spec(
        chain=chain,
        locs=locs,
        kinds=kinds,
        target_locs=tuple(tlocs),
        target_kinds=tuple(t.kind for t in targets),
        steps=steps,
        polish=polish,
        optimizer=optimizer,
        learning_rate=float(learning_rate),
        ad=ad,
        hessian=hessian,
        bad_status=None if bad_status is None else int(bad_status),
    )
    tr = [jnp.asarray(np.asarray(v, float), dtype=dtype) for v in (a, b, s)]  # traced: new bounds, no recompile
    # a zero prediction with the chain's structure (the scan carries the best point's prediction): passed in, so
    # that the program does not trace the chain once more just for its shape
    pred0 = jax.tree_util.tree_map(lambda z: jnp.zeros(z.shape, z.dtype), pred_shape)
    out = _core_jit(spec, base, tuple(tvals), tuple(tsig), jnp.asarray(u0, dtype=dtype), tr[0], tr[1], tr[2], pred0)
    out = jax.tree_util.tree_map(lambda z: np.asarray(z) if isinstance(z, jax.Array) else z, out)

    i = int(out["best"])
    u_starts = out["u"]
    x_starts = _wrap_np(kinds, a, b, out["x"])
    chi2_starts = out["chi2"]
    hist, hbest = out["history"], out["history_best"]
    # convergence: best chi^2 stable over the last few steps and a small Gauss-Newton decrement
    k = min(5, hbest.shape[1] - 1)
    tail_ok = (
        (np.abs(hbest[:, -1] - hbest[:, -1 - k]) <= ftol * (1 + np.abs(hbest[:, -1])))
        if k > 0
        else np.ones(n_starts, bool)
    )
    dec_ok = np.abs(out["decrement"]) <= ftol * (1 + chi2_starts)
    converged_starts = tail_ok & dec_ok & ~out["bad"]

    H = out["hessian"]
    H = 0.5 * (H + H.T)
    J = out["jac"]
    cov_u, laplace_ok, null = _inverse_psd(H)
    D = out["dtheta_du"]
    cov = D[:, None] * cov_u * D[None, :]
    x_best = x_starts[i]
    errors_u = np.sqrt(np.clip(np.diag(cov_u), 0, None))
    errors = np.sqrt(np.clip(np.diag(cov), 0, None))
    # the fit's own status (module constants FIT_*): never report a failed fit as a fit
    at_bound = _at_bound(kinds, u_starts[i], J, out["residuals"])
    chain_invalid = bool(out["bad"][i]) or not chi2_starts[i] < BAD_CHI2 or int(out["status"][i]) != 0
    fit_status = (
        (0 if converged_starts[i] else FIT_NOT_CONVERGED)
        | (FIT_AT_BOUND if at_bound.any() else 0)
        | (0 if laplace_ok else FIT_COVARIANCE_SINGULAR)
        | (FIT_CHAIN_INVALID if chain_invalid else 0)
    )
    unknown = at_bound | null | ~np.isfinite(errors) | ~np.isfinite(errors_u)
    if chain_invalid:
        unknown = np.ones_like(unknown)
    errors = np.where(unknown, np.inf, errors)
    errors_u = np.where(unknown, np.inf, errors_u)
    params = set_values(base, locs, jnp.asarray(x_best, dtype=dtype))
    return FitResult(
        names=tuple(paths),
        transforms=kinds,
        target_names=tuple(tnames),
        params=params,
        prediction=out["prediction"],
        x=x_best,
        u=u_starts[i],
        chi2=float(chi2_starts[i]),
        chi2_starts=chi2_starts,
        x_starts=x_starts,
        u_starts=u_starts,
        x_init=x_init,
        history=hist,
        history_best=hbest,
        hessian_u=H,
        fisher_u=J.T @ J,
        cov_u=cov_u,
        cov=cov,
        errors_u=errors_u,
        errors=errors,
        laplace_ok=bool(laplace_ok),
        residuals=out["residuals"],
        status=int(out["status"][i]),
        status_starts=out["status"],
        converged=bool(converged_starts[i]),
        converged_starts=converged_starts,
        best_index=i,
        n_dof=len(tnames) - len(paths),
        fit_status=int(fit_status),
        at_bound=at_bound,
    )


def _at_bound(kinds, u, J, r) -> np.ndarray:
    """(n,) bool: a bounded parameter (logit or bounded log; theta = a + (b - a) t, t = sigmoid(u), in ln theta for
    bounded log) that is at a bound: t within AT_BOUND_TOL of 0 or 1, or the Gauss-Newton step from the best fit,
    linearised in t (dt = t (1 - t) du, du = -J^+ r), would cross the bound (the unconstrained optimum lies
    outside the allowed range, so the fit is pinned there)."""
    u = np.asarray(u, float)
    t = 0.5 * (1.0 + np.tanh(0.5 * u))  # sigmoid without overflow
    bounded = np.array([k in ("logit", "loglogit") for k in kinds], bool)
    J, r = np.asarray(J, float), np.asarray(r, float)
    if J.size and np.all(np.isfinite(J)) and np.all(np.isfinite(r)) and np.any(J):
        du = np.linalg.lstsq(J, -r, rcond=None)[0]
    else:
        du = np.zeros_like(u)
    t_new = t + t * (1.0 - t) * du
    return bounded & ((t < AT_BOUND_TOL) | (t > 1.0 - AT_BOUND_TOL) | (t_new > 1.0) | (t_new < 0.0))


def _to_phys_np(kinds, a, b, s, u):
    return np.asarray(_to_phys(kinds, a, b, s, jnp.asarray(u)))


def _inverse_psd(H: np.ndarray) -> tuple[np.ndarray, bool, np.ndarray]:
    """Inverse of a symmetric matrix if positive definite (relative eigenvalue floor 1e-13), else pseudo-inverse;
    with the (n,) mask of the parameters that have a component (> 1e-6) along a dropped (null) eigenvector."""
    n = H.shape[0] if H.ndim == 2 else 0
    if H.size == 0 or not np.all(np.isfinite(H)):
        return (np.full_like(H, np.inf) if H.size else H), False, np.ones(n, bool)
    w, V = np.linalg.eigh(H)
    wmax = np.max(np.abs(w))
    ok = bool(wmax > 0 and np.min(w) > 1e-13 * wmax)
    keep = w > 1e-13 * wmax if wmax > 0 else np.zeros_like(w, bool)
    winv = np.where(keep, 1.0 / np.where(keep, w, 1.0), 0.0)
    null = np.any(np.abs(V[:, ~keep]) > 1e-6, axis=1) if np.any(~keep) else np.zeros(n, bool)
    return (V * winv) @ V.T, ok, null


def _target_loc(pred_shape, path: str) -> _Loc:
    """Resolve a target path in the prediction: a leaf (scalar or array) or an element of an array leaf."""
    try:
        node = tree_get(pred_shape, path)
        if hasattr(node, "shape"):
            if not jnp.issubdtype(node.dtype, jnp.floating):
                raise ValueError(f"target {path!r} is a {_describe(node)} output; targets must be floating-point")
            return _Loc(path=path, leaf=path, index=())
    except ValueError as exc:
        if "floating-point" in str(exc):
            raise
    return resolve_path(pred_shape, path, what="target")


def chi2_function(chain: Callable, base_params, free, targets, bad_status: int | None = None) -> Callable:
    """chi^2 as a function of the PHYSICAL free-parameter vector theta (1-D, ``free`` order): for plots, profiles
    and external optimizers. Bad points give :data:`BAD_CHI2`, never NaN. Not jitted (wrap it in ``jax.jit``)."""
    free = _as_list(free, FreeParameter, "free")
    targets = _as_list(targets, Target, "targets")
    base = _floats_to_arrays(base_params)
    locs = tuple(resolve_path(base, f.path, what="free parameter") for f in free)
    pred_shape = jax.eval_shape(chain, base)
    tl = [_target_loc(pred_shape, t.path) for t in targets]

    def f(theta):
        pred = chain(set_values(base, locs, theta))
        rs = []
        for loc, t in zip(tl, targets):
            y = jnp.asarray(tree_get(pred, loc.leaf))
            y = y[loc.index] if loc.index else y
            rs.append(jnp.ravel(_residual(t.kind, y, t.value, t.sigma)))
        r = jnp.concatenate(rs)
        c = jnp.sum(jnp.where(jnp.isfinite(r), r, 0.0) ** 2)
        bad = _status_bad(pred, bad_status) | ~jnp.all(jnp.isfinite(r)) | ~(c < BAD_CHI2)
        return jnp.where(bad, BAD_CHI2, c)

    return f
