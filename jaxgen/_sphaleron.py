r"""Electroweak sphalerons across the Standard Model crossover: the rate, B/(B-L) at finite v/T, and the relaxation
of the baryon number on a fixed ln T grid (differentiable, vmappable, no adaptive stepping).

Units: GeV for temperatures, vevs and rates (Gamma_B); the lattice rate Gamma_sph is a rate per volume [GeV^4];
yields Y = n/s are dimensionless. Needs float64 for yields ~1e-10 (the functions follow the input dtype).

1. Sphaleron (Chern-Simons diffusion) rate, Gamma_sph = lim <(N_CS(t) - N_CS(0))^2>/(V t), from the lattice of
   D'Onofrio, Rummukainen, Tranberg, PRL 113 (2014) 141602, arXiv:1404.3565 (m_H = 125 GeV):

       symmetric phase (T > T_c):   Gamma_sph/T^4 = (18 +- 3) alpha_w^5,
       broken phase (130 GeV < T < T_c):   ln(Gamma_sph/T^4) = (0.83 +- 0.01) T/GeV - (147.7 +- 1.9).

   alpha_w = ``jaxgen.constants.ALPHA_W`` (= alpha_em(m_Z)/sin^2 theta_w = 0.0338; the paper quotes the rate in
   units of alpha_w^5 without a scale; 18 alpha_w^5 = 8.0e-7 here). The two branches meet at T = 161.0 GeV, just
   above the crossover temperature (the paper's abstract prints T_c = 159 +- 1 GeV; its companion lattice study
   D'Onofrio-Rummukainen arXiv:1508.07161 gives 159.5 +- 1.5 GeV, the value used for v(T) below). We join them by
   a smooth minimum in the logarithm, ln(Gamma/T^4) = -w ln(exp(-l_b/w) + exp(-l_s/w)) with w = 0.5 (infinitely
   differentiable; it departs from the lattice fit by more than 1% only within 2.5 GeV of the meeting point,
   where Gamma_B/H ~ 1e10 and B follows its equilibrium value whatever the rate). Below 130 GeV the fit is
   extrapolated (the rate there is < 1e-4 H: frozen out).

2. B/(B-L) and the relaxation rate at finite v/T (derived; the result of Laine-Shaposhnikov hep-ph/9911473 and
   the rate of Burnier-Laine-Shaposhnikov hep-ph/0511246 and Eijima-Shaposhnikov-Timiryasov arXiv:1709.07834).
   Small chemical potentials mu_i = Y_i mu_Y + T3_i mu_3 + B_i mu_B + L_i mu_L (all Yukawa and gauge reactions in
   equilibrium, flavour-universal), densities n_i = g_i mu_i T^2/6 (one Weyl fermion component g = 1, one complex
   boson g = 2). Species: the N_f = 3 generations of quarks and leptons, the Higgs doublet (H+, H0), and the W+-
   of SU(2) (T3 = +-1, two transverse polarisations: weight 4). The Higgs condensate <|H0|^2> = v^2/2 carries the
   charge density v^2 mu_0 of a condensed complex field, i.e. an extra weight 6 v^2/T^2 on H0 (mu_0 = mu_Y/2 -
   mu_3/2). Gauss's law: the hypercharge and T3 densities vanish. Sphalerons change B and each L_i by one unit of
   N_CS (Delta B = Delta L = N_f), so the free energy per transition is Delta F = N_f (mu_B + mu_L); equilibrium
   mu_B = -mu_L. Solving the linear system (sympy; tests/jaxgen/test_sphaleron.py re-derives it) gives, with
   x = v/T,

       chi(T) = B/(B-L) in equilibrium = 4 (77 + 27 x^2)/(869 + 333 x^2)   (28/79 at x = 0, 12/37 at x -> inf),

   the Harvey-Turner values at both ends (symmetric: 28/79; broken with Q = 0 and mu_0 = 0: 12/37). A random walk
   with bias Delta F has the mean drift dN_CS/(V dt) = -Gamma_sph Delta F/(2 T), so dn_B/dt = N_f dN_CS/(V dt):

       dn_B/dt = -Gamma_B (n_B - chi(T) n_{B-L}),   Gamma_B = 9 (869 + 333 x^2)/(792 + 306 x^2) Gamma_sph/T^3,

   (79/8 Gamma_sph/T^3 at x = 0), Eijima-Shaposhnikov-Timiryasov's Gamma_B. In yields Y = n/s the same equation
   holds (s a^3 conserved). Freeze-out T*: Gamma_B(T*) = H(T*) with jaxgen's H(T) and g_*(T) gives 131.6 GeV
   (:func:`freeze_out_temperature`; D'Onofrio et al. print T* = 131.7 +- 2.3 GeV; tested).

3. v(T) across the crossover: the mean-field form v^2(T) = v_0^2 (1 - T^2/T_c^2) below T_c (v_0 = 246.2 GeV,
   T_c = 159.5 GeV), smoothed at T_c by a softplus of width 1% in 1 - T^2/T_c^2 (v/T = 1.05 at T*). This is a
   model choice documented as such: chi changes only between 28/79 and 12/37 (by 8.5% at most), and at T* it is
   0.346 (2.3% below 28/79); Gamma_B changes by less than 1% (79/8 -> 333/34). ``vev=False`` sets v = 0
   everywhere (chi = 28/79, the instantaneous-conversion ratio), the limit the tests pin to 1e-6.

4. Solver (:func:`baryon_yield`, :func:`baryon_history`). With u = -ln T (time-like) and dt = du (1 + dln g_s/
   3 dln T)/H, dY_B/du = -k(u) (Y_B - S(u)), k = Gamma_B (1 + dln g_s/3dlnT)/H, S = chi Y_{B-L}. On a fixed grid
   u_0 < ... < u_{N-1} with S linear and k constant in each cell (kappa_i = \int_cell k du by Simpson's rule), the
   exact cell update is

       Y_{i+1} = a_i Y_i + (1 - phi_i) S_{i+1} + (phi_i - a_i) S_i,   a = e^{-kappa}, phi = (1 - e^{-kappa})/kappa,

   an integrating-factor (exponential) integrator: unconditionally stable (kappa ~ 1e8 per cell in the symmetric
   phase gives Y = S exactly), exact for constant k and linear S. Unrolled, Y_B(u_{N-1}) = a_tot Y_0 + sum_i b_i
   exp(-R_i) with R_i = sum_{j>i} kappa_j (a reverse cumulative sum, accumulated from the cold end so that the
   tiny kappa of the broken phase are never differences of huge numbers): one vectorised expression, linear in
   Y_{B-L}, jit/vmap/grad-able. The start Y_0 = S(u_0) (the grid starts where Gamma_B >> H). The scheme is second
   order in the cell width h (k varies by e^{0.83 T h} across a cell: the in-cell variation of k is the leading
   error, 9e-5 relative at 256 nodes), so the result is Richardson-extrapolated with the nested grid of every
   other node, (4 Y_h - Y_2h)/3: 2.5e-7 from the converged value at the default 257 nodes (tested).

5. Freeze-in history (:func:`freezein_above`, :func:`freezein_density`): the production of X by decays of a bath
   state A (HMW eqs. (1.1), (4.1); the engine ``jaxgen._freezein``), per unit ln T:
   dY_A/d(-ln T) = (45 g_A Gamma_A M_Pl/(4 pi^4 m_A^2)) x^4 K1(x) G(T), x = m_A/T (MB; quantum statistics by the
   K1 series), G(T) = (1 + dln g_s/3dlnT)/(g_s sqrt(4 pi^3 g_rho/45)); eta_X above T is sum_A eps_A times its
   integral above T, by Gauss-Legendre in t = ln x on [t_min, ln(m_A/T)] (the window of the freeze-in engine;
   the full window reproduces :func:`jaxgen.freezein.freezein_quadrature`). B - L + X = 0 (HMW eq. (1.3)) gives
   Y_{B-L}(T) = -eta_X(above T).

:func:`timed_baryon_asymmetry` puts 4 and 5 together for a set of decaying states (the direct path).

6. Response tables (:func:`sphaleron_response`, the Hall chain's fast path). Y_B is linear in Y_{B-L} and each
   state's history depends on its mass alone (for a given g_* table, statistics and grid; its width, dof and eps
   only scale it), so Y_B = -chi_scale sum_A eps_A Y_A R_B(m_A) and eta_X(above T*) = sum_A eps_A Y_A R_*(m_A),
   with Y_A the state's full freeze-in yield (``jaxgen._freezein_tables``). R_* and R_B are tabulated once per
   (table, statistics, grid) on a ln m grid of step 0.02 from a NumPy twin of the direct path (512 Gauss-Legendre
   nodes above t_high and T*; Y_A from the freeze-in convolution table) and interpolated by a clamped cubic spline; outside the grid they are exactly constant (0 below, where
   all production is below t_low, and their large-mass value above, where all of it is above t_high). Per point:
   one spline lookup per state (:func:`sphaleron_timing`). Build: NumPy, ~1 s, cached. At m = 300 GeV
   R_* = 0.2832 and R_B = 0.0920 (vs 28/79 = 0.354 if all were converted); R_B -> 0.3469 = chi(T_freeze) for
   heavy states (v/T ~ 1 at freeze-out). Tested against the direct path to 1e-6 over 20 GeV - 30 TeV.

The Hall chain's eta_B is this timed Y_B by default (``HallSettings(sphalerons="timed")``, issue 15); the paper's
instantaneous B = c (B - L) of all of eta_X (Hall et al. eqs. 1.3, 3.1) is ``sphalerons="instantaneous"``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import equinox as eqx
import jax
import jax.core  # jax.core.Tracer: pyright does not see the submodule through a plain `import jax`
import jax.numpy as jnp
import numpy as np

from . import _constants as c
from ._units import units_field

__all__ = [
    "T_STAR_LATTICE",
    "T_C_LATTICE",
    "RATE_SYMMETRIC_COEFF",
    "RATE_BROKEN_SLOPE",
    "RATE_BROKEN_OFFSET",
    "CHI_SYMMETRIC",
    "CHI_BROKEN",
    "log_sphaleron_rate",
    "sphaleron_rate",
    "higgs_vev",
    "equilibrium_ratio",
    "relaxation_coefficient",
    "baryon_relaxation_rate",
    "relaxation_per_lnT",
    "freeze_out_temperature",
    "SphaleronGrid",
    "baryon_yield",
    "baryon_history",
    "freezein_density",
    "freezein_above",
    "TimedBaryons",
    "timed_baryon_asymmetry",
    "sphaleron_response",
    "sphaleron_timing",
]

#: sphaleron freeze-out temperature printed by D'Onofrio, Rummukainen, Tranberg (arXiv:1404.3565): 131.7 +- 2.3 GeV
T_STAR_LATTICE = 131.7
#: crossover temperature of D'Onofrio-Rummukainen (arXiv:1508.07161): 159.5 +- 1.5 GeV (1404.3565: 159 +- 1)
T_C_LATTICE = 159.5
#: Gamma_sph/T^4 = 18 alpha_w^5 in the symmetric phase (arXiv:1404.3565; +- 3)
RATE_SYMMETRIC_COEFF = 18.0
#: ln(Gamma_sph/T^4) = 0.83 T/GeV - 147.7 in the broken phase (arXiv:1404.3565; +- 0.01, +- 1.9)
RATE_BROKEN_SLOPE = 0.83
RATE_BROKEN_OFFSET = 147.7
#: B/(B-L) in sphaleron equilibrium, symmetric (v = 0) and broken (v/T -> infinity) phases (module doc item 2)
CHI_SYMMETRIC = 28.0 / 79.0
CHI_BROKEN = 12.0 / 37.0

_JOIN_WIDTH = 0.5  # width of the smooth minimum joining the two rate branches (in ln Gamma)
_VEV_WIDTH = 0.01  # softplus width of v^2/v_0^2 at T_c
_SQRT_4PI3_45 = math.sqrt(4.0 * math.pi**3 / 45.0)
_PREF = 45.0 / (4.0 * math.pi**4)


def _t(temperature):
    if isinstance(temperature, np.ndarray) and temperature.dtype == np.float64:
        return temperature  # the NumPy path of the table builder (module doc item 6)
    t = jnp.asarray(temperature)
    return t if jnp.issubdtype(t.dtype, jnp.floating) else t.astype(float)


def _xp(a):
    """numpy for the float64 NumPy arrays of the table builder, jax.numpy otherwise."""
    return np if isinstance(a, np.ndarray) else jnp


def log_sphaleron_rate(temperature) -> Any:
    """ln(Gamma_sph/T^4) of D'Onofrio et al. (arXiv:1404.3565), both branches joined smoothly (module doc item 1)."""
    t = _t(temperature)
    broken = RATE_BROKEN_SLOPE * t - RATE_BROKEN_OFFSET
    sym = math.log(RATE_SYMMETRIC_COEFF * c.ALPHA_W**5)
    w = _JOIN_WIDTH
    return -w * _xp(t).logaddexp(-broken / w, -sym / w)


def sphaleron_rate(temperature) -> Any:
    """Gamma_sph(T) [GeV^4], the Chern-Simons diffusion rate per volume (module doc item 1)."""
    t = _t(temperature)
    return _xp(t).exp(log_sphaleron_rate(t)) * t**4


def _softplus(z):
    return _xp(z).logaddexp(z, 0.0)


def higgs_vev(temperature, vev: bool = True) -> Any:
    """v(T) [GeV]: v_0 sqrt(1 - T^2/T_c^2) below T_c, smoothed at T_c (module doc item 3); 0 for ``vev=False``."""
    t = _t(temperature)
    xp = _xp(t)
    if not vev:
        return xp.zeros_like(t)
    z = 1.0 - (t / T_C_LATTICE) ** 2
    frac = _VEV_WIDTH * _softplus(z / _VEV_WIDTH)
    return c.V_HIGGS * xp.sqrt(frac)


def _x2(temperature, vev: bool):
    t = _t(temperature)
    return (higgs_vev(t, vev) / t) ** 2


def equilibrium_ratio(temperature, vev: bool = True) -> Any:
    """chi(T) = B/(B-L) in sphaleron equilibrium, 4 (77 + 27 x^2)/(869 + 333 x^2), x = v/T (module doc item 2)."""
    x2 = _x2(temperature, vev)
    return 4.0 * (77.0 + 27.0 * x2) / (869.0 + 333.0 * x2)


def relaxation_coefficient(temperature, vev: bool = True) -> Any:
    """Gamma_B T^3/Gamma_sph = 9 (869 + 333 x^2)/(792 + 306 x^2) (79/8 at v = 0; module doc item 2)."""
    x2 = _x2(temperature, vev)
    return 9.0 * (869.0 + 333.0 * x2) / (792.0 + 306.0 * x2)


def baryon_relaxation_rate(temperature, vev: bool = True) -> Any:
    """Gamma_B(T) [GeV] of dn_B/dt = -Gamma_B (n_B - chi n_{B-L}) (module doc item 2)."""
    t = _t(temperature)
    return relaxation_coefficient(t, vev) * _xp(t).exp(log_sphaleron_rate(t)) * t


def _log_relaxation_per_lnT(temperature, cosmology, vev: bool):
    t = _t(temperature)
    xp = _xp(t)
    if xp is np:  # the table builder: the NumPy twin of the cosmology (same spline)
        gs, gr, dlngs = _gstar_np(cosmology, t)
        h, f = _SQRT_4PI3_45 * np.sqrt(gr) * t * t / c.M_PLANCK, 1.0 + dlngs / 3.0
    else:
        h, f = cosmology.hubble(t), 1.0 + cosmology.dlng_s_dlnT(t) / 3.0
    return xp.log(relaxation_coefficient(t, vev)) + log_sphaleron_rate(t) + xp.log(t * f / h)


def _gstar_np(cosmology, t):
    """(g_*s, g_*rho, dln g_*s/dln T) at T [GeV] in NumPy (``jaxgen._freezein_tables``' twin of Cosmology)."""
    if cosmology.table == "constant":
        g = float(cosmology.g_constant) * np.ones_like(t)
        return g, g, np.zeros_like(t)
    from ._freezein_tables import _gstar_np as gstar

    return gstar(cosmology.table, np.log(t))


def relaxation_per_lnT(temperature, cosmology, vev: bool = True) -> Any:
    """k(T) = Gamma_B (1 + dln g_s/3dlnT)/H: the relaxation rate per unit -ln T (module doc item 4)."""
    t = _t(temperature)
    return _xp(t).exp(_log_relaxation_per_lnT(t, cosmology, vev))


def freeze_out_temperature(cosmology, vev: bool = True, criterion: str = "hubble") -> jax.Array:
    """T* [GeV] with Gamma_B(T*) = H(T*) (``criterion="hubble"``, the definition of arXiv:1404.3565) or with
    k(T*) = 1 (``"per_lnT"``, including the entropy factor). Bisection in T on [100, 159] GeV (60 halvings)."""
    if criterion not in ("hubble", "per_lnT"):
        raise ValueError(f"freeze_out_temperature: criterion must be 'hubble' or 'per_lnT', got {criterion!r}")

    def resid(t):
        if criterion == "hubble":
            return jnp.log(baryon_relaxation_rate(t, vev)) - jnp.log(cosmology.hubble(t))
        return _log_relaxation_per_lnT(t, cosmology, vev)

    def body(_, b):
        lo, hi = b
        mid = 0.5 * (lo + hi)
        up = resid(mid) > 0.0  # rate above H at mid: T* below mid
        return jnp.where(up, lo, mid), jnp.where(up, mid, hi)

    lo, hi = jax.lax.fori_loop(0, 60, body, (jnp.asarray(100.0), jnp.asarray(159.0)))
    return 0.5 * (lo + hi)


# ---------------------------------------------------------------------------------------------------------------
# The relaxation solver on a fixed grid
# ---------------------------------------------------------------------------------------------------------------
class SphaleronGrid(eqx.Module):
    """The fixed ln T grid of the baryon relaxation (static; hashable).

    Attributes:
        t_high: first node [GeV], where Gamma_B >> H (default 180 GeV: Gamma_B/H ~ 3e10; B = chi B-L there).
        t_low: last node [GeV], where sphalerons are off (default 100 GeV: k ~ 1e-11; B frozen).
        n_nodes: grid nodes, uniform in ln T (default 257: cell width 2.3e-3 in ln T, the rate changes by < 35% per
            cell; with ``richardson`` Y_B is within ~3e-7 of the converged value, tested against 4097 nodes).
        vev: the Higgs vev of module doc item 3 (default True); False: v = 0 (chi = 28/79, Gamma_B = 79/8 Gamma/T^3).
        richardson: Richardson extrapolation with the nested half grid (default True; needs an odd n_nodes).
    """

    t_high: float = eqx.field(static=True, default=180.0)
    t_low: float = eqx.field(static=True, default=100.0)
    n_nodes: int = eqx.field(static=True, default=257)
    vev: bool = eqx.field(static=True, default=True)
    richardson: bool = eqx.field(static=True, default=True)

    def __check_init__(self):
        if not (isinstance(self.n_nodes, int) and self.n_nodes >= 3):
            raise ValueError(f"SphaleronGrid.n_nodes must be an int >= 3, got {self.n_nodes!r}")
        if self.richardson and self.n_nodes % 2 == 0:
            raise ValueError(
                f"SphaleronGrid(richardson=True) needs an odd n_nodes (the nested half grid), got {self.n_nodes}"
            )
        if not (0.0 < self.t_low < self.t_high):
            raise ValueError(
                f"SphaleronGrid needs 0 < t_low < t_high (GeV), got t_low={self.t_low}, t_high={self.t_high}"
            )

    def temperatures(self) -> np.ndarray:
        """The nodes [GeV], decreasing (float64 NumPy array)."""
        return np.exp(np.linspace(math.log(self.t_high), math.log(self.t_low), self.n_nodes))


#: the default grid (``grid=None``)
_DEFAULT_GRID = SphaleronGrid()


def _cell_coefficients(kappa):
    """(a, 1 - phi, phi - a) of the exponential cell update (module doc item 4), stable for all kappa >= 0."""
    xp = _xp(kappa)
    small = kappa < 1e-3
    ks = xp.where(small, 1.0, kappa)
    a = xp.exp(-kappa)
    phi = xp.where(small, 1.0, -xp.expm1(-ks) / ks)
    one_m_phi = xp.where(small, kappa / 2 - kappa**2 / 6 + kappa**3 / 24, 1.0 - phi)
    phi_m_a = xp.where(small, kappa / 2 - kappa**2 / 3 + kappa**3 / 8, phi - a)
    return a, one_m_phi, phi_m_a


def _kappas(temps, cosmology, vev):
    r"""kappa_i = \int_cell k du by Simpson's rule (k at the ends and at the geometric-mean temperature)."""
    xp = _xp(temps)
    lt = xp.log(temps)
    k = relaxation_per_lnT(temps, cosmology, vev)
    k_mid = relaxation_per_lnT(xp.exp(0.5 * (lt[:-1] + lt[1:])), cosmology, vev)
    h = xp.abs(xp.diff(lt))
    return h * (k[:-1] + 4.0 * k_mid + k[1:]) / 6.0


def baryon_yield(y_bml, cosmology, grid: SphaleronGrid | None = None, chi_scale=1.0) -> Any:
    """Y_B at ``grid.t_low`` from Y_{B-L} at the grid's nodes (module doc item 4).

    Args:
        y_bml: Y_{B-L} at ``grid.temperatures()``, shape (..., n_nodes) (any leading axes: independent histories).
        cosmology: a :class:`jaxgen.cosmology.Cosmology` (H, dln g_s/dln T).
        grid: :class:`SphaleronGrid` (None: the default grid).
        chi_scale: multiplies chi(T) (e.g. c/(28/79) for another symmetric-phase ratio c); default 1.
    Returns:
        Y_B at the last node (leading axes of ``y_bml``). Linear in ``y_bml``; jit/vmap/grad-able.
    """
    grid = _DEFAULT_GRID if grid is None else grid
    if not (isinstance(y_bml, np.ndarray) and y_bml.dtype == np.float64):  # else: the NumPy table builder
        y_bml = jnp.asarray(y_bml)
    if y_bml.shape[-1] != grid.n_nodes:
        raise ValueError(f"baryon_yield: y_bml needs a last axis of grid.n_nodes = {grid.n_nodes}, got {y_bml.shape}")
    temps = grid.temperatures()
    if _xp(y_bml) is jnp:
        temps = jnp.asarray(temps, dtype=jnp.result_type(y_bml.dtype, float))
    s = chi_scale * equilibrium_ratio(temps, grid.vev) * y_bml
    fine = _unrolled(s, temps, cosmology, grid.vev)
    if not grid.richardson:
        return fine
    coarse = _unrolled(s[..., ::2], temps[::2], cosmology, grid.vev)  # the nested grid of every other node
    return (4.0 * fine - coarse) / 3.0


def _unrolled(s, temps, cosmology, vev):
    """Y_B at the last node: a_tot S_0 + sum_i b_i exp(-R_i) (module doc item 4)."""
    xp = _xp(s)
    kappa = _kappas(temps, cosmology, vev)  # (N-1,)
    a, w1, w0 = _cell_coefficients(kappa)
    rev = xp.cumsum(kappa[::-1])[::-1]  # sum_{j >= i} kappa_j, accumulated from the cold end
    after = rev - kappa  # R_i = sum_{j > i} kappa_j
    damp = xp.exp(-after)
    b = w1 * s[..., 1:] + w0 * s[..., :-1]
    return xp.exp(-rev[0]) * s[..., 0] + xp.sum(b * damp, axis=-1)


def baryon_history(y_bml, cosmology, grid: SphaleronGrid | None = None, chi_scale=1.0) -> jax.Array:
    """Y_B at every node of the grid (same arguments as :func:`baryon_yield`; the sequential form, lax.scan)."""
    grid = _DEFAULT_GRID if grid is None else grid
    y_bml = jnp.asarray(y_bml)
    if y_bml.shape[-1] != grid.n_nodes:
        raise ValueError(f"baryon_history: y_bml needs a last axis of grid.n_nodes = {grid.n_nodes}")
    temps = jnp.asarray(grid.temperatures(), dtype=jnp.result_type(y_bml.dtype, float))
    s = chi_scale * equilibrium_ratio(temps, grid.vev) * y_bml
    a, w1, w0 = _cell_coefficients(_kappas(temps, cosmology, grid.vev))
    s_t = jnp.moveaxis(s, -1, 0)

    def step(y, inp):
        ai, w1i, w0i, s0, s1 = inp
        y = ai * y + w1i * s1 + w0i * s0
        return y, y

    _, ys = jax.lax.scan(step, s_t[0], (a, w1, w0, s_t[:-1], s_t[1:]))
    return jnp.moveaxis(jnp.concatenate([s_t[:1], ys], axis=0), 0, -1)


# ---------------------------------------------------------------------------------------------------------------
# Freeze-in history
# ---------------------------------------------------------------------------------------------------------------
_GL_CACHE: dict = {}


def _gauss_legendre(n: int):
    if n not in _GL_CACHE:
        if n <= 1024:
            _GL_CACHE[n] = np.polynomial.legendre.leggauss(n)
        else:  # numpy's rule is O(n^3); scipy's agrees to ~1e-9 in the weights (as jaxgen._freezein_tables)
            import scipy.special as sp

            _GL_CACHE[n] = sp.roots_legendre(n)
    return _GL_CACHE[n]


def _shape(x, statistics: str):
    """x^4 sum_k (-+1)^{k+1} K1(k x)/k (MB: x^4 K1(x)), the freeze-in integrand in t = ln x."""
    from ._freezein import _check_statistics, _shape_scaled

    _check_statistics(statistics)
    return _shape_scaled(x, statistics) * jnp.exp(-x)


def _g_factor(temperature, cosmology):
    gs = cosmology.g_s(temperature)
    return (1.0 + cosmology.dlng_s_dlnT(temperature) / 3.0) / (
        gs * _SQRT_4PI3_45 * jnp.sqrt(cosmology.g_rho(temperature))
    )


def freezein_density(temperature, mass, width, dof, cosmology, statistics: str = "mb") -> jax.Array:
    """dY_A/d(-ln T) of each decaying state at T (module doc item 5): shape broadcast(temperature, mass)."""
    t = _t(temperature)
    x = mass / t
    return _PREF * c.M_PLANCK * dof * width / mass**2 * _shape(x, statistics) * _g_factor(t, cosmology)


def freezein_above(
    temperature,
    mass,
    width,
    dof,
    cosmology,
    statistics: str = "mb",
    n_nodes: int = 96,
    t_min: float = -8.0,
    t_max: float = 4.2,
) -> jax.Array:
    """Y_A produced above T by each state, (n_A,) (module doc item 5): Gauss-Legendre with ``n_nodes`` in
    t = ln(m_A/T') on [t_min, clip(ln(m_A/T), t_min, t_max)] (the window of ``jaxgen._freezein``; T below
    m_A e^{-t_max} gives the full freeze-in yield). ``temperature`` is a scalar [GeV]."""
    mass = jnp.asarray(mass)
    xg, wg = (jnp.asarray(v, dtype=mass.dtype) for v in _gauss_legendre(n_nodes))
    upper = jnp.clip(jnp.log(mass) - jnp.log(_t(temperature)), t_min, t_max)  # (n_A,)
    half = 0.5 * (upper - t_min)
    tq = t_min + half[:, None] * (xg + 1.0)  # (n_A, n)
    temps = mass[:, None] * jnp.exp(-tq)
    f = freezein_density(temps, mass[:, None], width[:, None], dof[:, None], cosmology, statistics)
    return half * (f @ wg)


def _history_on_grid(mass, width, dof, y_high, cosmology, statistics, grid, t_min, t_max):
    """Y_A produced above each grid node, (n_A, N): y_high (above the first node) plus the cumulative trapezoid of
    :func:`freezein_density` at the nodes (masked to the freeze-in window [t_min, t_max])."""
    temps = jnp.asarray(grid.temperatures(), dtype=mass.dtype)
    dens = freezein_density(temps[:, None], mass, width, dof, cosmology, statistics)  # (N, n_A)
    tt = jnp.log(mass) - jnp.log(temps)[:, None]
    dens = jnp.where((tt >= t_min) & (tt <= t_max), dens, 0.0)
    h = jnp.abs(jnp.diff(jnp.log(temps)))[:, None]
    cum = jnp.cumsum(0.5 * h * (dens[1:] + dens[:-1]), axis=0)
    cum = jnp.concatenate([jnp.zeros_like(dens[:1]), cum], axis=0)
    return (y_high[None, :] + cum).T


class TimedBaryons(eqx.Module):
    """Result of :func:`timed_baryon_asymmetry` (one point; float scalars).

    Attributes:
        eta_b: Y_B today with sphaleron timing (the relaxation of module doc item 4; signed).
        eta_x_above_high: eta_X produced above the grid's first node (converted with chi(t_high)).
        eta_x_above_star: eta_X produced above T* (:data:`T_STAR_LATTICE`).
        eta_x_grid: eta_X produced above each grid node, shape (n_nodes,).
    """

    eta_b: jax.Array = units_field("1")
    eta_x_above_high: jax.Array = units_field("1")
    eta_x_above_star: jax.Array = units_field("1")
    eta_x_grid: jax.Array = units_field("1")


def timed_baryon_asymmetry(
    mass,
    width,
    dof,
    eps,
    cosmology,
    statistics: str = "mb",
    grid: SphaleronGrid | None = None,
    chi_scale=1.0,
    n_nodes_above: int = 96,
    t_min: float = -8.0,
    t_max: float = 4.2,
) -> TimedBaryons:
    """Sphaleron-timed Y_B from the freeze-in of decaying states (module doc items 4, 5; HMW eqs. (1.3), (4.1)).

    eta_X(above T) = sum_A eps_A Y_A(above T): at t_high by :func:`freezein_above`, then cumulatively on the
    grid (trapezoid of :func:`freezein_density` at the nodes, masked to the freeze-in window); Y_{B-L} = -eta_X
    (above T); Y_B from :func:`baryon_yield`. Arguments are (n_A,) arrays of one point (vmap for batches).
    """
    grid = _DEFAULT_GRID if grid is None else grid
    mass, width, dof, eps = (jnp.asarray(v) for v in (mass, width, dof, eps))
    y_high = freezein_above(grid.t_high, mass, width, dof, cosmology, statistics, n_nodes_above, t_min, t_max)
    y_star = freezein_above(T_STAR_LATTICE, mass, width, dof, cosmology, statistics, n_nodes_above, t_min, t_max)
    y_grid = _history_on_grid(mass, width, dof, y_high, cosmology, statistics, grid, t_min, t_max)  # (n_A, N)
    eta_grid = eps @ y_grid
    y_b = baryon_yield(-eta_grid, cosmology, grid, chi_scale)
    return TimedBaryons(
        eta_b=y_b,
        eta_x_above_high=jnp.sum(eps * y_high),
        eta_x_above_star=jnp.sum(eps * y_star),
        eta_x_grid=eta_grid,
    )


# ---------------------------------------------------------------------------------------------------------------
# Response tables: the chain's fast path (one spline lookup per state)
# ---------------------------------------------------------------------------------------------------------------
_TABLE_STEP = 0.02  # ln m step of the response tables
_TABLE_NODES_ABOVE = 512  # Gauss-Legendre nodes of the history above t_high and T* (build time only)


def _tabulable(cosmology) -> bool:
    from ._cosmology import Cosmology

    if not isinstance(cosmology, Cosmology) or cosmology.extra:
        return False
    return not isinstance(cosmology.g_constant, jax.core.Tracer)


def _table_key(cosmology):
    g = float(cosmology.g_constant) if cosmology.table == "constant" else None
    return cosmology.table, g


@functools.cache
def _response_table(table: str, g_constant, statistics: str, grid: SphaleronGrid, t_min: float, t_max: float):
    """(u_0, delta, u grid, coefficients (2, n-1, 4)) of R_*(m) and R_B(m) (module doc item 6), float64 NumPy."""
    from scipy.interpolate import CubicSpline

    from ._cosmology import Cosmology

    cos = Cosmology(table=table) if g_constant is None else Cosmology(table=table, g_constant=g_constant)
    u_lo = math.log(grid.t_low) + t_min - 0.5  # all production below t_low: R = 0
    u_hi = math.log(grid.t_high) + t_max + 0.5  # all production above t_high: R constant
    n = int(math.ceil((u_hi - u_lo) / _TABLE_STEP)) + 1
    u = u_lo + _TABLE_STEP * np.arange(n)

    m = np.exp(u)
    kw = dict(n_nodes=_TABLE_NODES_ABOVE, t_min=t_min, t_max=t_max)
    full = _full_np(m, cos, statistics, t_min, t_max)  # the chain's own freeze-in integral (its table)
    star = _above_np(T_STAR_LATTICE, m, cos, statistics, **kw)
    high = _above_np(grid.t_high, m, cos, statistics, **kw)
    temps = grid.temperatures()
    dens = _shape_np(m[None, :] / temps[:, None], statistics) * _g_factor_np(temps, cos)[:, None]  # (N, n)
    tt = np.log(m)[None, :] - np.log(temps)[:, None]
    dens = np.where((tt >= t_min) & (tt <= t_max), dens, 0.0)
    h = np.abs(np.diff(np.log(temps)))[:, None]
    cum = np.concatenate([np.zeros_like(dens[:1]), np.cumsum(0.5 * h * (dens[1:] + dens[:-1]), axis=0)], axis=0)
    y_grid = (high[None, :] + cum).T  # (n, N): produced above each node, per unit prefactor
    y_b = baryon_yield(-y_grid, cos, grid)
    vals = np.stack([star / full, -y_b / full], axis=1)
    coefs = []
    for k in range(2):
        spl = CubicSpline(u, vals[:, k], bc_type="clamped")
        coefs.append(np.ascontiguousarray(spl.c[::-1].T))
    coef = np.stack(coefs)
    coef.setflags(write=False)
    return u_lo, _TABLE_STEP, u, vals, coef


def _shape_np(x, statistics):
    from ._freezein import _shape_scaled_np

    return _shape_scaled_np(x, statistics) * np.exp(-x)


def _g_factor_np(t, cosmology):
    gs, gr, dlngs = _gstar_np(cosmology, t)
    return (1.0 + dlngs / 3.0) / (gs * _SQRT_4PI3_45 * np.sqrt(gr))


def _above_np(temperature, mass, cosmology, statistics, n_nodes, t_min, t_max):
    """NumPy twin of :func:`freezein_above` without the prefactor (g = Gamma = 1, 45 M_Pl/(4 pi^4 m^2) left out)."""
    xg, wg = _gauss_legendre(n_nodes)
    upper = np.clip(np.log(mass) - math.log(temperature), t_min, t_max)
    half = 0.5 * (upper - t_min)
    tq = t_min + half[:, None] * (xg + 1.0)
    temps = mass[:, None] * np.exp(-tq)
    return half * ((_shape_np(np.exp(tq), statistics) * _g_factor_np(temps, cosmology)) @ wg)


def _full_np(mass, cosmology, statistics, t_min, t_max):
    """I_Y(m) of ``jaxgen._freezein_tables`` in NumPy (its convolution table; exact form for constant g_*)."""
    from ._freezein_tables import _kernel_weights, convolution_table

    if cosmology.table == "constant":
        return float(np.sum(_kernel_weights("yield", statistics, t_min, t_max))) * _g_factor_np(mass, cosmology)
    u0, delta, u, _, coef = convolution_table(cosmology.table, "yield", statistics, t_min, t_max)
    uc = np.clip(np.log(mass), u[0], u[-1])
    j = np.clip(np.floor((uc - u0) / delta).astype(int), 0, coef.shape[0] - 1)
    d = uc - (u0 + delta * j)
    cf = coef[j]
    return cf[:, 0] + d * (cf[:, 1] + d * (cf[:, 2] + d * cf[:, 3]))


def _lookup(tab, lnm):
    """Both splines of a response table at ln m: (2, ...) values, exactly constant outside the grid.

    Differentiated by a custom JVP: one gather gives the cubic and its derivative together, so reverse mode stores
    one (2, ...) slope instead of differentiating through clip, floor and the gather (grad of the lookup was ~11x
    its forward; with the rule it is a multiply)."""
    u0, delta, u, _, coef = tab
    n = coef.shape[1]

    def cubic(x):
        dtype = x.dtype
        uc = jnp.clip(x, u[0], u[-1])
        j = jnp.clip(jnp.floor((uc - u0) / delta).astype(jnp.int32), 0, n - 1)
        d = uc - (u0 + delta * j.astype(dtype))
        cf = jnp.asarray(coef, dtype)[:, j]  # (2, ..., 4)
        val = cf[..., 0] + d * (cf[..., 1] + d * (cf[..., 2] + d * cf[..., 3]))
        slope = cf[..., 1] + d * (2.0 * cf[..., 2] + 3.0 * d * cf[..., 3])
        inside = (x > u[0]) & (x < u[-1])  # constant continuation outside: zero slope
        return val, jnp.where(inside, slope, 0.0)

    @jax.custom_jvp
    def f(x):
        return cubic(x)[0]

    @f.defjvp
    def _f_jvp(primals, tangents):
        val, slope = cubic(primals[0])
        return val, slope * tangents[0]

    return f(lnm)


def sphaleron_response(
    mass, cosmology, statistics: str = "mb", grid: SphaleronGrid | None = None, t_min: float = -8.0, t_max: float = 4.2
) -> tuple[jax.Array, jax.Array]:
    """(R_*(m), R_B(m)) of module doc item 6, elementwise in ``mass`` [GeV]: the fraction of a state's freeze-in
    yield made above T*, and its timed Y_B per unit yield and unit eps (chi_scale = 1). Tabulated cosmologies
    only (:func:`jaxgen._freezein_tables.is_tabulated`, concrete g_constant); ValueError otherwise."""
    grid = _DEFAULT_GRID if grid is None else grid
    if not _tabulable(cosmology):
        raise ValueError(
            "sphaleron_response needs a tabulated Cosmology (no extra species, concrete g_constant); use "
            "timed_baryon_asymmetry (the direct quadrature) for other cosmologies"
        )
    from ._freezein import _check_statistics

    _check_statistics(statistics)
    tab = _response_table(*_table_key(cosmology), statistics, grid, float(t_min), float(t_max))
    m = jnp.asarray(mass)
    r = _lookup(tab, jnp.log(m.astype(jnp.result_type(m.dtype, float))))
    return r[0], r[1]


def sphaleron_timing(
    mass,
    width,
    dof,
    eps,
    cosmology,
    statistics: str = "mb",
    chi_scale=1.0,
    grid: SphaleronGrid | None = None,
    use_tables: bool = True,
) -> tuple[jax.Array, jax.Array]:
    """(Y_B timed, eta_X made above T*) for decaying states (n_A,) of one point (module doc items 5, 6).

    Tabulated cosmologies with ``use_tables``: the response tables (one spline lookup per state, Y_A from
    ``jaxgen._freezein_tables``); otherwise the direct quadrature :func:`timed_baryon_asymmetry` (96 nodes above).
    jit/vmap/grad-able in every array argument.
    """
    grid = _DEFAULT_GRID if grid is None else grid
    mass, width, dof, eps = (jnp.asarray(v) for v in (mass, width, dof, eps))
    if use_tables and _tabulable(cosmology):
        from ._freezein_tables import freezein_integral

        r_star, r_b = sphaleron_response(mass, cosmology, statistics, grid)
        y_a = _PREF * c.M_PLANCK * dof * width / mass**2 * freezein_integral(mass, cosmology, statistics)
        return -chi_scale * jnp.sum(eps * y_a * r_b), jnp.sum(eps * y_a * r_star)
    r = timed_baryon_asymmetry(mass, width, dof, eps, cosmology, statistics, grid, chi_scale)
    return r.eta_b, r.eta_x_above_star
