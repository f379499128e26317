"""Thermal history of the Standard Model plasma: g_*rho(T), g_*s(T), H(T), s(T) and density conversions.

Units: GeV for temperatures, masses and rates; GeV^3 for number and entropy densities; GeV^4 for energy densities.

Effective degrees of freedom
----------------------------
The energy and entropy densities of the plasma are written (Kolb & Turner, *The Early Universe*, 1990, sec. 3.4)

    rho(T) = (pi^2/30) g_*rho(T) T^4,        s(T) = (2 pi^2/45) g_*s(T) T^3.

g_*rho and g_*s of the Standard Model are read from the tables shipped in ``jaxgen/data/gstar`` (provenance in the
README there):

- ``"saikawa_shirai"`` (default): K. Saikawa, S. Shirai, JCAP 05 (2018) 035, 1e-5 to 1.47e6 GeV;
- ``"drees_hajkarim_schmitz"``: M. Drees, F. Hajkarim, E. R. Schmitz, JCAP 06 (2015) 025, 2e-5 to 1.26e4 GeV;
- ``"gondolo_gelmini"``: P. Gondolo, G. Gelmini, Nucl. Phys. B360 (1991) 145 (T_QCD = 150 MeV), 2e-5 to 1.26e4 GeV;
- ``"constant"``: g_*rho = g_*s = ``g_constant`` (106.75 by default: the ideal-gas SM above the electroweak scale).

Interpolation: a cubic spline in u = ln T through every tabulated point, C2 inside the table, with *clamped* end
conditions dg/du = 0 at the first and last tabulated temperature. Outside the table g is continued as a constant
(the value at the nearest end): above the table every SM species is relativistic and g no longer changes (up to the
slow running of the couplings), below it only photons and the decoupled neutrinos remain. The clamped end conditions
make the first derivative continuous across the table edges (it goes to 0 there), so g(T) is C1 everywhere and C2
inside the table. The rows at T = 0 of the micrOMEGAs tables (DHS, GG) are dropped (ln T is undefined there; they
repeat the value of the next row). T <= 0 is treated as the T -> 0 limit.

The tables differ by 2-3 % above the electroweak scale (Saikawa-Shirai includes interaction corrections and saturates
at 104.4, not the ideal-gas 106.75), by up to ~10 % between 1 and 100 GeV and ~13 % across the QCD transition
(``experiments/gstar_tables.py``). The Saikawa-Shirai table has small kinks of its own where its patches are joined
(steps in d ln g_*s/d ln T near 0.12, 10, 50, 130 and 160 GeV; between 10 and 12 GeV its g_*s decreases slightly
with T); the spline passes through every tabulated point, so they show up as rapid but continuous changes of slope.

Extra species of a model (for example superpartners or a hidden sector in equilibrium with the plasma) are added
with their exact equilibrium thermodynamics (:class:`ExtraSpecies`, through :mod:`kernels`):

    g_*rho += dof * rho_1(m/T) / (pi^2 T^4/30),        g_*s += dof * s_1(m/T) / (2 pi^2 T^3/45),

with rho_1, s_1 the energy and entropy densities of one degree of freedom (``kernels.energy_density``,
``kernels.entropy_density``): a massless fermion (boson) adds 7/8 (1) per degree of freedom to both, a heavy one
decouples smoothly as exp(-m/T).
"""

from __future__ import annotations

import functools
import importlib.resources
import math
from typing import Any

import equinox as eqx
import jax
import jax.core  # jax.core.Tracer: pyright does not see the submodule through a plain `import jax`
import jax.numpy as jnp
import numpy as np

import jaxgen_kernels as kernels

from . import _constants as c

__all__ = [
    "TABLES",
    "STATISTICS",
    "ExtraSpecies",
    "Cosmology",
    "table_range",
    "photon_number_density",
    "yield_to_omega_h2",
    "omega_h2_to_yield",
    "yield_to_eta",
    "eta_to_yield",
]

#: Valid table names of :class:`Cosmology`.
TABLES: tuple[str, ...] = ("saikawa_shirai", "drees_hajkarim_schmitz", "gondolo_gelmini", "constant")
#: Valid statistics of :class:`ExtraSpecies`: Fermi-Dirac, Bose-Einstein, Maxwell-Boltzmann.
STATISTICS: tuple[str, ...] = ("fermion", "boson", "mb")

# file name, column of T, column of g_*s, column of g_*rho (see jaxgen/data/gstar/README.md)
_TABLE_FILES: dict[str, tuple[str, int, int, int]] = {
    "saikawa_shirai": ("saikawa_shirai_2020.dat", 0, 2, 3),
    "drees_hajkarim_schmitz": ("drees_hajkarim_schmitz_2015.thg", 0, 1, 2),
    "gondolo_gelmini": ("gondolo_gelmini_1991.thg", 0, 1, 2),
}


# ---------------------------------------------------------------------------------------------------------------
# Table loading and spline coefficients (NumPy, float64, computed lazily at first use and cached)
# ---------------------------------------------------------------------------------------------------------------
def _solve_tridiagonal(lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Thomas algorithm (no pivoting: the spline system is strictly diagonally dominant), O(n); a dense
    np.linalg.solve of the same system took ~1 s of the first compile on a loaded machine (threaded BLAS)."""
    n = diag.size
    c, d = np.zeros(n), np.zeros(n)
    c[0], d[0] = upper[0] / diag[0], rhs[0] / diag[0]
    for i in range(1, n):
        den = diag[i] - lower[i] * c[i - 1]
        c[i] = upper[i] / den
        d[i] = (rhs[i] - lower[i] * d[i - 1]) / den
    out = np.zeros(n)
    out[-1] = d[-1]
    for i in range(n - 2, -1, -1):
        out[i] = d[i] - c[i] * out[i + 1]
    return out


def _clamped_spline_coefficients(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cubic-spline coefficients through (x_i, y_i) with clamped end slopes y'(x_0) = y'(x_{n-1}) = 0.

    Returns an array of shape (n-1, 4): on [x_i, x_{i+1}], y = a + b t + c t^2 + d t^3 with t = x - x_i.
    Standard second-derivative formulation (e.g. Press et al., Numerical Recipes, sec. 3.3): the moments M_i = y''(x_i)
    solve a tridiagonal system with rows h_{i-1} M_{i-1} + 2 (h_{i-1} + h_i) M_i + h_i M_{i+1} = 6 (s_i - s_{i-1}),
    s_i = (y_{i+1} - y_i)/h_i, closed by 2 h_0 M_0 + h_0 M_1 = 6 s_0 and h_{n-2} M_{n-2} + 2 h_{n-2} M_{n-1} =
    -6 s_{n-2} (zero end slopes).
    """
    n = x.size
    h = np.diff(x)
    s = np.diff(y) / h
    lower, diag, upper, rhs = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    diag[0], upper[0], rhs[0] = 2.0 * h[0], h[0], 6.0 * s[0]
    lower[-1], diag[-1], rhs[-1] = h[-1], 2.0 * h[-1], -6.0 * s[-1]
    lower[1:-1], diag[1:-1], upper[1:-1] = h[:-1], 2.0 * (h[:-1] + h[1:]), h[1:]
    rhs[1:-1] = 6.0 * (s[1:] - s[:-1])
    m = _solve_tridiagonal(lower, diag, upper, rhs)
    coef = np.empty((n - 1, 4))
    coef[:, 0] = y[:-1]
    coef[:, 1] = s - h * (2.0 * m[:-1] + m[1:]) / 6.0
    coef[:, 2] = m[:-1] / 2.0
    coef[:, 3] = (m[1:] - m[:-1]) / (6.0 * h)
    return coef


@functools.cache
def _load_table(table: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tabulated (T [GeV], g_*s, g_*rho) of ``table`` as float64 NumPy arrays, ascending in T, T > 0 only."""
    fname, it, igs, igr = _TABLE_FILES[table]
    ref = importlib.resources.files("jaxgen").joinpath("data", "gstar", fname)
    with ref.open("r") as fh:
        data = np.loadtxt(fh, comments="#", dtype=np.float64)
    temp, g_s, g_rho = data[:, it], data[:, igs], data[:, igr]
    keep = temp > 0.0  # DHS and GG carry a T = 0 row: drop it (ln T undefined)
    order = np.argsort(temp[keep])  # DHS is in descending T
    temp, g_s, g_rho = temp[keep][order], g_s[keep][order], g_rho[keep][order]
    if np.any(np.diff(temp) <= 0.0):
        raise ValueError(f"g* table {fname!r} has repeated temperatures")
    for arr in (temp, g_s, g_rho):
        arr.setflags(write=False)
    return temp, g_s, g_rho


@functools.cache
def _spline(table: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(knots u_i = ln T_i, coefficients of g_*s, coefficients of g_*rho), float64 NumPy arrays."""
    temp, g_s, g_rho = _load_table(table)
    u = np.log(temp)
    out = (u, _clamped_spline_coefficients(u, g_s), _clamped_spline_coefficients(u, g_rho))
    for arr in out:
        arr.setflags(write=False)
    return out


def table_range(table: str) -> tuple[float, float]:
    """(T_min, T_max) in GeV of a tabulated ``table``; outside this range g is continued as a constant."""
    _check_table(table, allow_constant=False)
    temp = _load_table(table)[0]
    return float(temp[0]), float(temp[-1])


def _check_table(table: Any, allow_constant: bool = True) -> None:
    valid = TABLES if allow_constant else tuple(_TABLE_FILES)
    if not isinstance(table, str) or table not in valid:
        raise ValueError(f"unknown g* table {table!r}; valid names are: {', '.join(repr(t) for t in valid)}")


# ---------------------------------------------------------------------------------------------------------------
# JAX evaluation helpers
# ---------------------------------------------------------------------------------------------------------------
def _float_dtype(x: jax.Array) -> Any:
    """Floating dtype of the output: that of ``x`` if it is floating, else JAX's default float."""
    if jnp.issubdtype(x.dtype, jnp.floating):
        return x.dtype
    return jnp.result_type(float)


def _as_temperature(temperature: Any) -> jax.Array:
    t = jnp.asarray(temperature)
    return t.astype(_float_dtype(t))


@functools.cache
def _cell_index(table: str) -> tuple[np.ndarray, float, float]:
    """O(1) knot lookup for ``table``: (lut, u_0, 1/h) with cells of width h = (smallest knot spacing)/2 in u = ln T.

    ``lut[j]`` is the index of the last knot <= u_0 + j h. A cell is narrower than any knot interval, so it holds at
    most one knot: the interval of u is ``lut[j]`` or ``lut[j] + 1`` (one comparison decides; a second guards the
    rounding of floor at a cell edge). This replaces a binary search (~7e6 lookups/s on one CPU core) in the inner
    loop of freeze-in quadratures and ODE right-hand sides.
    """
    u = _spline(table)[0]
    h = float(np.min(np.diff(u))) / 2.0
    n_cells = int(np.ceil((u[-1] - u[0]) / h)) + 2
    grid = u[0] + h * np.arange(n_cells)
    lut = np.clip(np.searchsorted(u, grid, side="right") - 1, 0, u.size - 2).astype(np.int32)
    lut.setflags(write=False)
    return lut, float(u[0]), 1.0 / h


@jax.jit
def _spline_eval_core(
    knots: jax.Array, coef: jax.Array, lut: jax.Array, u0: jax.Array, inv_h: jax.Array, u: jax.Array
) -> tuple[jax.Array, jax.Array]:
    n = knots.shape[0]
    uc = jnp.clip(u, knots[0], knots[-1])
    j = jnp.clip(jnp.floor((uc - u0) * inv_h).astype(jnp.int32), 0, lut.shape[0] - 1)
    idx = lut[j]
    idx = idx + (uc >= knots[jnp.minimum(idx + 1, n - 1)]).astype(jnp.int32)
    idx = jnp.clip(idx - (uc < knots[idx]).astype(jnp.int32), 0, n - 2)
    t = uc - knots[idx]
    a, b, c2, d = coef[idx, 0], coef[idx, 1], coef[idx, 2], coef[idx, 3]
    value = a + t * (b + t * (c2 + t * d))
    slope = b + t * (2.0 * c2 + 3.0 * t * d)
    inside = (u > knots[0]) & (u < knots[-1])
    return value, jnp.where(inside, slope, jnp.zeros_like(slope))


def _spline_eval(table: str, which: int, u: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Spline value and derivative d/du at u (u clamped to the knot range: constant continuation outside).

    The knot index comes from an O(1) cell lookup (:func:`_cell_index`), so one evaluation costs the same for any
    table. The coefficients are cast to the dtype of ``u`` (float32 in, float32 out) and passed as arguments of a
    jitted kernel, so op-by-op (un-jitted) use is also fast.
    """
    knots, *coefs = _spline(table)
    lut, u0, inv_h = _cell_index(table)
    dtype = np.dtype(u.dtype)
    return _spline_eval_core(
        knots.astype(dtype), coefs[which - 1].astype(dtype), lut, np.asarray(u0, dtype), np.asarray(inv_h, dtype), u
    )


def _safe_log_temperature(t: jax.Array) -> jax.Array:
    """ln T, with T <= 0 mapped to the smallest positive normal number (the T -> 0 limit of the tables)."""
    tiny = jnp.finfo(t.dtype).tiny
    return jnp.log(jnp.where(t > tiny, t, tiny))


# ---------------------------------------------------------------------------------------------------------------
# Public classes
# ---------------------------------------------------------------------------------------------------------------
class ExtraSpecies(eqx.Module):
    """A species beyond the Standard Model tables, in kinetic and chemical equilibrium with the plasma.

    Attributes:
        mass: mass in GeV (scalar or array; differentiable).
        dof: number of internal degrees of freedom g (spin x colour x particle/antiparticle; differentiable).
        statistics: ``"fermion"``, ``"boson"`` or ``"mb"`` (Maxwell-Boltzmann); static.
    """

    mass: Any
    dof: Any
    statistics: str = eqx.field(static=True, default="fermion")

    def __check_init__(self):
        if self.statistics not in STATISTICS:
            raise ValueError(
                f"unknown statistics {self.statistics!r} for ExtraSpecies; valid: {', '.join(map(repr, STATISTICS))}"
            )
        for name in ("mass", "dof"):
            value = getattr(self, name)
            if isinstance(value, jax.core.Tracer):
                continue
            arr = np.asarray(value)
            if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
                raise TypeError(f"ExtraSpecies.{name} must be a real number or array, got {value!r}")
            if np.any(~np.isfinite(arr)) or np.any(arr < 0):
                raise ValueError(f"ExtraSpecies.{name} must be finite and >= 0, got {value!r}")

    def g_rho(self, temperature: Any) -> jax.Array:
        """Contribution dof * rho_1(m/T) / (pi^2 T^4/30) to g_*rho at T [GeV]."""
        z = _mass_over_t(self.mass, _as_temperature(temperature))
        return self.dof * kernels.energy_density(z, self.statistics) * (30.0 / math.pi**2)

    def g_s(self, temperature: Any) -> jax.Array:
        """Contribution dof * s_1(m/T) / (2 pi^2 T^3/45) to g_*s at T [GeV]."""
        z = _mass_over_t(self.mass, _as_temperature(temperature))
        return self.dof * kernels.entropy_density(z, self.statistics) * (45.0 / (2.0 * math.pi**2))

    def dg_s_dlnT(self, temperature: Any) -> jax.Array:
        """d g_s / d ln T of this species' contribution (= -z d g_s/dz, z = m/T), exact through the kernel's JVP."""
        z = _mass_over_t(self.mass, _as_temperature(temperature))
        _, ds = jax.jvp(lambda zz: kernels.entropy_density(zz, self.statistics), (z,), (-z,))
        return self.dof * ds * (45.0 / (2.0 * math.pi**2))


def _mass_over_t(mass: Any, t: jax.Array) -> jax.Array:
    tiny = jnp.finfo(t.dtype).tiny
    mass = jnp.asarray(mass, dtype=t.dtype) if not isinstance(mass, jax.Array) else mass
    return mass / jnp.where(t > tiny, t, tiny)


def _as_species_tuple(extra: Any) -> tuple[ExtraSpecies, ...]:
    if extra is None:
        return ()
    if isinstance(extra, ExtraSpecies):
        return (extra,)
    try:
        out = tuple(extra)
    except TypeError:
        raise TypeError(f"Cosmology.extra must be an ExtraSpecies or a sequence of them, got {extra!r}") from None
    for e in out:
        if not isinstance(e, ExtraSpecies):
            raise TypeError(f"Cosmology.extra must contain ExtraSpecies(mass, dof, statistics) objects, got {e!r}")
    return out


class Cosmology(eqx.Module):
    """Radiation-dominated thermal history: g_*rho(T), g_*s(T), H(T) and s(T).

    Attributes:
        table: which g* tabulation (static): ``"saikawa_shirai"`` (default), ``"drees_hajkarim_schmitz"``,
            ``"gondolo_gelmini"`` or ``"constant"``. See the module docstring for sources, interpolation and the
            behaviour outside the tabulated range (constant continuation, C1).
        g_constant: g_*rho = g_*s used by ``table="constant"`` (ignored otherwise); differentiable.
        extra: extra species in equilibrium (an :class:`ExtraSpecies` or a tuple of them), added to any table.

    All methods take T in GeV (scalar or array; any shape), return arrays of the same shape, and work under jit,
    vmap and grad. The output dtype follows a floating T (float32 in, float32 out).
    """

    table: str = eqx.field(static=True, default="saikawa_shirai")
    g_constant: Any = 106.75
    extra: tuple[ExtraSpecies, ...] = eqx.field(default=(), converter=_as_species_tuple)

    def __check_init__(self):
        _check_table(self.table)
        g = self.g_constant
        if not isinstance(g, jax.core.Tracer):
            arr = np.asarray(g)
            if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
                raise TypeError(f"Cosmology.g_constant must be a real number, got {g!r}")
            if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
                raise ValueError(f"Cosmology.g_constant must be finite and > 0, got {g!r}")

    # -- g_* and its logarithmic slope -------------------------------------------------------------------------
    def _sm(self, temperature: Any, which: int) -> tuple[jax.Array, jax.Array]:
        """SM table value of g_*s (which=1) or g_*rho (which=2) and its derivative d/d ln T."""
        t = _as_temperature(temperature)
        if self.table == "constant":
            g = jnp.zeros_like(t) + jnp.asarray(self.g_constant).astype(t.dtype)
            return g, jnp.zeros_like(g)
        return _spline_eval(self.table, which, _safe_log_temperature(t))

    def g_rho(self, temperature: Any) -> jax.Array:
        """Energy-density degrees of freedom g_*rho(T), rho = (pi^2/30) g_*rho T^4 (Kolb & Turner 1990, sec. 3.4)."""
        g = self._sm(temperature, 2)[0]
        for sp in self.extra:
            g = g + sp.g_rho(temperature)
        return g

    def g_s(self, temperature: Any) -> jax.Array:
        """Entropy degrees of freedom g_*s(T), s = (2 pi^2/45) g_*s T^3 (Kolb & Turner 1990, sec. 3.4)."""
        g = self._sm(temperature, 1)[0]
        for sp in self.extra:
            g = g + sp.g_s(temperature)
        return g

    def dlng_s_dlnT(self, temperature: Any) -> jax.Array:
        """d ln g_*s / d ln T (dimensionless), analytic from the spline (0 outside the table) plus extra species.

        Enters the Boltzmann equation in x = m/T through dT/dt = -H T / (1 + (1/3) d ln g_*s/d ln T).
        """
        g, dg = self._sm(temperature, 1)
        for sp in self.extra:
            g = g + sp.g_s(temperature)
            dg = dg + sp.dg_s_dlnT(temperature)
        return dg / g

    # -- densities and expansion rate -------------------------------------------------------------------------
    def hubble(self, temperature: Any) -> jax.Array:
        """Hubble rate in GeV, H = sqrt(4 pi^3 g_*rho / 45) T^2 / M_Pl = 1.66 g_*rho^(1/2) T^2 / M_Pl.

        From the Friedmann equation (Kolb & Turner 1990, sec. 3.4) H^2 = 8 pi rho / (3 M_Pl^2) with
        rho = (pi^2/30) g_*rho T^4 and
        M_Pl = 1.220890e19 GeV (:data:`jaxgen.constants.M_PLANCK`).
        """
        t = _as_temperature(temperature)
        return jnp.sqrt(4.0 * math.pi**3 / 45.0 * self.g_rho(t)) * (t * t) / c.M_PLANCK

    def energy_density(self, temperature: Any) -> jax.Array:
        """Radiation energy density rho = (pi^2/30) g_*rho T^4 in GeV^4."""
        t = _as_temperature(temperature)
        return (math.pi**2 / 30.0) * self.g_rho(t) * t**4

    def entropy_density(self, temperature: Any) -> jax.Array:
        """Entropy density s = (2 pi^2/45) g_*s T^3 in GeV^3."""
        t = _as_temperature(temperature)
        return (2.0 * math.pi**2 / 45.0) * self.g_s(t) * t**3


# ---------------------------------------------------------------------------------------------------------------
# Densities today and conversions
# ---------------------------------------------------------------------------------------------------------------
def photon_number_density(temperature: Any) -> jax.Array:
    """Photon number density n_gamma = 2 zeta(3) T^3 / pi^2 in GeV^3 (two helicities, Bose-Einstein; T in GeV)."""
    t = _as_temperature(temperature)
    return (2.0 * c.ZETA3 / math.pi**2) * t**3


def yield_to_omega_h2(yield_: Any, mass: Any) -> jax.Array:
    """Omega h^2 of a relic with yield Y = n/s and mass m [GeV]: Omega h^2 = m Y s0 / (rho_c/h^2).

    s0 = :data:`jaxgen.constants.ENTROPY_DENSITY_TODAY` (g_*s0 = 3.937 from N_eff = 3.044, T0 = 2.7255 K) and
    rho_c/h^2 = :data:`jaxgen.constants.RHO_CRIT_OVER_H2` (PDG 2024, "Astrophysical constants"). For a particle and
    its antiparticle, Y is the sum of both yields.
    """
    return jnp.asarray(mass) * jnp.asarray(yield_) * (c.ENTROPY_DENSITY_TODAY / c.RHO_CRIT_OVER_H2)


def omega_h2_to_yield(omega_h2: Any, mass: Any) -> jax.Array:
    """Yield Y = n/s of a relic of mass m [GeV] with density Omega h^2: Y = Omega h^2 (rho_c/h^2) / (m s0)."""
    return jnp.asarray(omega_h2) / jnp.asarray(mass) * (c.RHO_CRIT_OVER_H2 / c.ENTROPY_DENSITY_TODAY)


def yield_to_eta(yield_: Any) -> jax.Array:
    """eta = n/n_gamma today from Y = n/s: eta = Y s0 / n_gamma0 (s0/n_gamma0 = 7.09 for g_*s0 = 3.937)."""
    return jnp.asarray(yield_) * (c.ENTROPY_DENSITY_TODAY / c.PHOTON_DENSITY_TODAY)


def eta_to_yield(eta: Any) -> jax.Array:
    """Y = n/s from eta = n/n_gamma today: Y = eta n_gamma0 / s0."""
    return jnp.asarray(eta) * (c.PHOTON_DENSITY_TODAY / c.ENTROPY_DENSITY_TODAY)
