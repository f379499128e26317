"""Benchmark of the two scenario chains of issue 5, end to end, batched (jit + vmap) on the default device.

For each chain and method, in one run:

* throughput: ``jit(vmap(chain))`` over N random points (the whole prediction PyTree), compile
  (``lower().compile()``) timed apart, median of 5 runs (``block_until_ready``);
* gradient: ``jit(vmap(grad(all_outputs_scalar(chain))))`` with respect to every field of the parameter PyTree (a
  cotangent on every output, so the reverse pass covers the whole chain), compile time and run time relative to the
  forward pass at the same N;
* Hall chain (asymmetric freeze-in, Hall, March-Russell, West 2010) only: the baseline "per-point scipy/numpy version of
  the same chain" -- per point, ``scipy.integrate.quad`` of the freeze-in integrand with ``scipy.special.k1`` (method
  "quadrature") or ``scipy.integrate.solve_ivp(method="LSODA")`` of the same Boltzmann equation (method "ode"), then
  the same algebra in numpy -- on a subset, with its agreement with jaxgen.

Chains: ``jaxgen.scenarios.hall`` (HallParams, HallSettings(method="quadrature" | "ode"), asymmetric_freezein) and
``jaxgen.scenarios.ardu`` (ArduParams, ArduSettings(washout=...), rsymmetric_adm). A chain that does not import or run
is reported as SKIPPED with the reason (never a silent pass).
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import pathlib
import sys
import traceback

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import _common
import _timing

HALL_API = ("HallParams", "HallSettings", "asymmetric_freezein")
ARDU_API = ("ArduParams", "ArduSettings", "rsymmetric_adm")


def _chain_status(module: str, names: tuple[str, ...]):
    """(module, None) if it imports and has the API, else (None, reason)."""
    try:
        mod = importlib.import_module(module)
    except Exception as exc:
        return None, f"{module} does not import ({type(exc).__name__}: {exc})"
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        return None, f"{module} lacks {missing}"
    return mod, None


def all_outputs_scalar(pred, exclude: tuple[str, ...] = ()):
    """sum_i v_i / stopgrad(v_i) over every float output of a prediction PyTree (0 where |v_i| < 1e-150), except the
    fields in ``exclude``: its gradient is one reverse pass with a cotangent on every output (sum_i dv_i/v_i), so
    grad/forward measures the whole chain, not only the part one output depends on (XLA would drop the rest).
    The cut-off: a cotangent 1/v_i of an output near the float64 floor (symmetric_fraction reaches 3e-297 at valid
    points) overflows in the reverse pass; 1e-150 keeps every weight finite with room to spare."""
    import dataclasses

    import jax
    import jax.numpy as jnp

    tot = 0.0
    for f in dataclasses.fields(pred):
        v = getattr(pred, f.name)
        if f.name not in exclude and jnp.issubdtype(jnp.asarray(v).dtype, jnp.floating):
            nz = jnp.abs(v) > 1e-150
            ref = jax.lax.stop_gradient(jnp.where(nz, v, 1.0))
            tot = tot + jnp.sum(jnp.where(nz, v / ref, 0.0))
    return tot


def _batch(module_cls, n: int, arrays: dict):
    """A batched params Module: the given (n,) arrays, every other field its default broadcast to (n, ...)."""
    import dataclasses

    import jax.numpy as jnp

    default = module_cls()
    kw = {}
    for f in dataclasses.fields(default):
        if f.name in arrays:
            kw[f.name] = jnp.asarray(arrays[f.name], jnp.float64)
        else:
            v = jnp.asarray(getattr(default, f.name), jnp.float64)
            kw[f.name] = jnp.broadcast_to(v, (n,) + v.shape)
    return module_cls(**kw)


# ---------------------------------------------------------------------------------------------------------------
# Ardu et al. 2025: R-symmetric ADM
# ---------------------------------------------------------------------------------------------------------------
def ardu_params(n: int, seed: int = 0):
    """Random Ardu points: m_NLSP in [0.5, 5] TeV, M_D in [1, 10] TeV, lambda_1 in [1e-4, 1e-2], kappa in
    [1e-7, 1e-5], B_kappa in [0.5, 5] TeV, explicit Majorana mass in [1e-10, 1e3] GeV (log-uniform): from no washout
    to strong washout (of 2000 points: epsilon 10/25/50 % quantiles 0.16 / 0.99 / 0.9994, minimum 2e-3; 15 % flagged
    HEAVY_GRAVITINO, m_3/2 >= m_NLSP). The earlier range [1e-14, 1e-8] GeV left every point unwashed (epsilon =
    0.99938), so the Boltzmann washout was never exercised away from its no-washout limit."""
    import jax.numpy as jnp
    import numpy as np

    from jaxgen.scenarios import ardu as A

    rng = np.random.default_rng(seed)

    def lu(lo, hi):
        return jnp.asarray(10 ** rng.uniform(math.log10(lo), math.log10(hi), n))

    return _batch(
        A.ArduParams,
        n,
        dict(
            m_nlsp=lu(500, 5000),
            m_dirac=lu(1e3, 1e4),
            lambda1=lu(1e-4, 1e-2),
            kappa=lu(1e-7, 1e-5),
            b_kappa=lu(500, 5000),
            m_majorana=lu(1e-10, 1e3),
        ),
    )


def _ardu_fns(washout: str):
    import jax

    from jaxgen.scenarios import ardu as A

    s = A.ArduSettings(washout=washout)

    def fwd(p):
        return jax.vmap(lambda q: A.rsymmetric_adm(q, s))(p)

    def grad(p):  # cotangent on every output (all_outputs_scalar)
        return jax.vmap(jax.grad(lambda q: all_outputs_scalar(A.rsymmetric_adm(q, s))))(p)

    return fwd, grad


# ---------------------------------------------------------------------------------------------------------------
# Hall et al. 2010: asymmetric freeze-in (filled in against jaxgen.scenarios.hall)
# ---------------------------------------------------------------------------------------------------------------
HALL_CONFIGS = {
    # name: (HallSettings kwargs, baseline kind or None)
    # the defaults: Saikawa-Shirai g_*(T) with the precomputed freeze-in tables, sphaleron-timed eta_B
    "quadrature": (dict(method="quadrature"), None),
    # constant g_* = 106.75, 48 nodes; inverse decays (ode_solver="auto": the fixed-grid collocation for a constant
    # g_*), constant g_*. Both are compared point by point with
    # the per-point scipy/numpy chain (hall_point_scipy), which implements the paper's eta_B = -c eta_X (HMW eqs. 1.3,
    # 3.1), so they run with sphalerons="instantaneous"
    "quadrature_const": (dict(method="quadrature", table="constant", sphalerons="instantaneous"), "quad"),
    "ode_const": (dict(method="ode", table="constant", sphalerons="instantaneous"), "lsoda"),
    # the defaults with the paper's instantaneous B = c (B - L) (HMW eqs. 1.3, 3.1): the baseline of the timed default
    "quadrature_instant": (dict(method="quadrature", sphalerons="instantaneous"), None),
}


# Outputs left out of the gradient scalar: none. symmetric_fraction = 2 Ybar/|eta_X| used to be: its gradient was
# NaN where Ybar underflowed (expm1(eta I) = inf; fixed in jaxgen.scenarios.hall by Ybar = e^-z/(I exprel(-z)),
# commit 6bd47a7), and its values near the float64 floor (3e-297) made the cotangent 1/v of all_outputs_scalar
# overflow, which aborted the ODE method's diffrax reverse pass (lineax: non-finite input). all_outputs_scalar now
# gives outputs below 1e-150 no weight. hall_symfrac_grad_check still counts non-finite gradients.
HALL_GRAD_EXCLUDE: tuple[str, ...] = ()


def hall_params(n: int, seed: int = 0):
    """Random Hall points (one decaying state a + the LOSP): m_a in [150, 3000] GeV, m_LOSP in [100, 140] GeV,
    lam in [1e-11, 1e-8], m_X in [1, 10] GeV, <sigma v>_X in [1e-8, 1e-4] GeV^-2 (log-uniform), eps0 in
    [0.01, 0.1], phase in [0.01, 0.3]; other fields default. Every field has the batch axis."""
    import jax.numpy as jnp
    import numpy as np

    from jaxgen.scenarios import hall as H

    rng = np.random.default_rng(seed)

    def lu(lo, hi, shape=(n,)):
        return jnp.asarray(10 ** rng.uniform(math.log10(lo), math.log10(hi), shape))

    p = H.HallParams(
        m_a=lu(150.0, 3000.0, (n, 1)),
        lam=lu(1e-11, 1e-8),
        m_losp=lu(100.0, 140.0),
        m_x=lu(1.0, 10.0),
        sigma_v_x=lu(1e-8, 1e-4),
        eps0=jnp.asarray(rng.uniform(0.01, 0.1, (n, 1))),
        phase=jnp.asarray(rng.uniform(0.01, 0.3, (n, 1))),
    )
    return H.broadcast_batch(p)


def _hall_fns(config: str):
    import jax

    from jaxgen.scenarios import hall as H

    s = H.HallSettings(**HALL_CONFIGS[config][0])

    def fwd(p):
        return jax.vmap(lambda q: H.asymmetric_freezein(q, s))(p)

    def grad(p):  # cotangent on every output (but HALL_GRAD_EXCLUDE), wrt every field, per point
        return jax.vmap(jax.grad(lambda q: all_outputs_scalar(H.asymmetric_freezein(q, s), HALL_GRAD_EXCLUDE)))(p)

    return fwd, grad


_HALL_FIELDS = (
    "yield_fi",
    "eta_x",
    "eta_b",
    "omega_x_h2",
    "omega_b_h2",
    "dm_to_baryon",
    "m_x_required",
    "decay_length",
    "losp_lifetime",
    "decay_length_relic",
    "tau_psi_lhu",
    "tau_psi_xudd",
    "t_ratio_fi",
    "t_vis_decay",
    "t_x_decay",
    "t_x_fo",
    "hidden_freezeout_running",
    "thermalization_ratio",
    "symmetric_fraction",
)


def _tau_psi_lhu(lam, m_psi, c):
    """psi_X lifetime through psi_X - nu mixing (derived Hall eq. 4.9, sin beta = 1), in plain Python: sin^2 theta =
    (lam v_u)^2/(m^2 + (lam v_u)^2), Gamma = sin^2 theta G_F^2 m^5 N/(192 pi^3), N = 7.253 partonic channels."""
    s = c.SIN2_THETA_W
    n = (
        4.0
        + (0.5 + s) ** 2
        + s**2
        + (0.5 - s) ** 2
        + s**2
        + 1.0
        + 3.0 * ((0.5 - 2 * s / 3) ** 2 + (2 * s / 3) ** 2)
        + 6.0 * ((0.5 - s / 3) ** 2 + (s / 3) ** 2)
    )
    mix = lam * c.V_HIGGS / math.sqrt(2.0)
    width = mix**2 / (m_psi**2 + mix**2) * c.G_FERMI**2 * m_psi**5 * n / (192.0 * math.pi**3)
    return c.GEV_INV_TO_S / width


def hall_point_scipy(q: dict, kind: str, settings) -> dict:
    """The Hall chain for ONE point in plain Python/numpy/scipy, for a constant g_* (the baseline a physicist would
    write): scipy.integrate.quad of the freeze-in integrand x^3 K1(x) (scipy.special.k1) and of the heating
    integrand x^4 K2(x) per decaying state, or (kind="lsoda") scipy solve_ivp LSODA of the freeze-in Boltzmann
    equation with inverse decays; then the same algebra as jaxgen.scenarios.hall (module docstring items 1-11) in
    numpy. ``q``: the point's fields as floats / 1-d arrays. MB statistics, include_losp=True."""
    import numpy as np
    import scipy.integrate as si
    import scipy.special as sp

    from jaxgen import _constants as c

    g = float(settings.g_star)
    hc = math.sqrt(4 * math.pi**3 / 45)
    t_lo, t_hi = math.exp(-8.0), math.exp(4.2)  # the x range of jaxgen's quadratures (t = ln x in [-8, 4.2])
    eps = q["eps0"] * c.ALPHA_W * np.sin(q["phase"])
    gl = q["lam"] ** 2 * q["m_losp"] / (8 * math.pi)
    ga = q["width_factor"] * q["lam"] ** 2 * q["m_a"] / (8 * math.pi)
    mass = np.append(q["m_a"], q["m_losp"])
    width = np.append(ga, gl)
    dof = np.append(q["g_a"], q["g_losp"])
    eps_all = np.append(eps, 0.0)
    big_g = 1.0 / (g * hc * math.sqrt(g))  # (1 + dln g/3dlnT)/(g_s sqrt(4 pi^3 g_rho/45)), constant g_*
    quad = dict(epsabs=0.0, epsrel=1e-12, limit=200)
    pref = 45 / (4 * math.pi**4) * c.M_PLANCK * dof * width / mass**2
    # freeze-in yields (HMW eqs. 1.1, 4.1): dY_A/dln x = pref_A G x^4 K1(x); one quad per state
    y_a = np.array([pa * big_g * si.quad(lambda x: x**3 * sp.k1(x), t_lo, t_hi, **quad)[0] for pa in pref])
    # hidden-sector heating (item 7): R = sum_A f Gamma g M_Pl/(2 pi^2 hc m^2) (45/2pi^2)^(4/3) int x^4 K2 dx/(...)
    heat = (
        settings.energy_fraction
        * width
        * dof
        * c.M_PLANCK
        / (2 * math.pi**2 * hc * mass**2)
        * (45 / (2 * math.pi**2)) ** (4 / 3)
        / (math.sqrt(g) * g ** (4 / 3))
    )
    r_com = sum(h * si.quad(lambda x: x**4 * sp.kv(2, x), t_lo, t_hi, **quad)[0] for h in heat)
    xi = (30 * r_com * (2 * math.pi**2 * g / 45) ** (4 / 3) / (math.pi**2 * q["g_x"])) ** 0.25  # T-independent
    if kind == "quad":
        y_fi, eta_x = float(np.sum(y_a)), float(np.sum(eps_all * y_a))
    else:  # LSODA of dY/dt, deta/dt in t = ln(m_0/T) with inverse decays (jaxgen._freezein._boltzmann_rhs)
        m0 = mass[0]
        t0 = -8.0 + math.log(m0) - math.log(mass.max())
        t1 = 4.2 + math.log(m0) - math.log(mass.min())
        gx, rr = 2.0 * q["g_dm"], q["temperature_ratio"]

        def rhs(t, state):
            y, e = state
            temp = m0 * math.exp(-t)
            xa = mass / temp
            src = pref * big_g * xa**4 * sp.k1(xa)
            z = max(q["m_x"] / (rr * temp), 1e-30)
            yeq = gx * rr**3 * z**2 * sp.kn(2, z) * 45 / (4 * math.pi**4 * g) if z < 700 else 0.0
            lam = np.sum(src) / yeq if yeq > 0 else 0.0
            lam_e = np.sum(eps_all * src) / yeq if yeq > 0 else 0.0
            return [np.sum(src) - lam * y, np.sum(eps_all * src) - lam_e * y - lam * e]

        scale = float(np.sum(y_a))
        escale = float(np.sum(np.abs(eps_all) * y_a)) or scale
        sol = si.solve_ivp(rhs, (t0, t1), [0.0, 0.0], method="LSODA", rtol=1e-10, atol=[1e-12 * scale, 1e-12 * escale])
        y_fi, eta_x = float(sol.y[0, -1]), float(sol.y[1, -1])
    obs = c.observed(settings.observed)
    s0_rho = c.ENTROPY_DENSITY_TODAY / c.RHO_CRIT_OVER_H2
    cc = q["b_over_bml"]
    eta_b = -cc * eta_x
    length = q["beta_gamma"] * c.GEV_INV_TO_M / gl
    eta_obs = obs.omega_dm_h2 / q["m_x"] / s0_rho
    t_dec = math.sqrt(gl * c.M_PLANCK / (hc * math.sqrt(g)))  # Gamma = H(T), constant g_*: closed form
    # hidden freeze-out (item 10; constant g_*: xi constant), Kolb-Turner x_f by 30 fixed-point steps from 20
    m_eff, g_eff, a = q["m_x"] / xi, q["g_dm"] * xi**3, q["sigma_v_x"]
    kt = 0.5 * 2.5 * math.sqrt(45 / 8) / (2 * math.pi**3) * g_eff * m_eff * c.M_PLANCK
    x_f = 20.0
    for _ in range(30):
        x_f = max(math.log(kt * a / math.sqrt(g * x_f)), 1.0)
    lam0 = 2 * math.pi**2 / 45 * g * m_eff * c.M_PLANCK / (hc * math.sqrt(g))
    integral = lam0 * a / x_f
    z = abs(eta_x) * integral
    with np.errstate(over="ignore"):  # expm1 -> inf for a large asymmetry: Ybar = 0, as in jaxgen
        ybar = float(1.0 / (integral * (np.expm1(z) / z if abs(z) >= 1e-8 else 1 + 0.5 * z)))
    t_x_dec = xi * t_dec
    t_x_fo = q["m_x"] / x_f
    return dict(
        yield_fi=y_fi,
        eta_x=eta_x,
        eta_b=eta_b,
        omega_x_h2=q["m_x"] * abs(eta_x) * s0_rho,
        omega_b_h2=c.M_PROTON * abs(eta_b) * s0_rho,
        dm_to_baryon=q["m_x"] / (abs(cc) * c.M_PROTON),
        m_x_required=abs(cc) * c.M_PROTON * obs.dm_to_baryon,
        decay_length=length,
        losp_lifetime=c.GEV_INV_TO_S / gl,
        decay_length_relic=length * abs(eta_x) / eta_obs,
        tau_psi_lhu=_tau_psi_lhu(q["lam"], q["m_psi"], c),
        # derived Hall eq. 4.8, all sparticles at m_susy: bino dressing G = alpha_1/(12 pi M_* M_susy),
        # Gamma = G^2 C^2 m_psi^5/(32 pi) (the gluino dressing cancels for degenerate squarks)
        tau_psi_xudd=c.GEV_INV_TO_S
        * 32
        * math.pi
        / (
            (c.ALPHA_EM_MZ / (1 - c.SIN2_THETA_W) / (12 * math.pi * q["m_star"] * q["m_susy"])) ** 2
            * q["c_had"] ** 2
            * q["m_psi"] ** 5
        ),
        t_ratio_fi=xi,
        t_vis_decay=t_dec,
        t_x_decay=t_x_dec,
        t_x_fo=t_x_fo,
        hidden_freezeout_running=t_x_dec / t_x_fo,
        thermalization_ratio=xi**2,
        symmetric_fraction=min(2 * ybar / max(abs(eta_x), 2.2250738585072014e-308), 1e30),
    )


def hall_symfrac_grad_check(n: int) -> dict:
    """Points (of n) with a non-finite gradient of symmetric_fraction, among those with status 0 (quadrature,
    constant g_*): 0 since Ybar is written without the overflowing expm1; see HALL_GRAD_EXCLUDE."""
    import jax
    import numpy as np

    from jaxgen.scenarios import hall as H

    s = H.HallSettings(table="constant")
    p = hall_params(n)
    st = np.asarray(jax.jit(jax.vmap(lambda q: H.asymmetric_freezein(q, s).status))(p))
    g = jax.jit(jax.vmap(jax.grad(lambda q: H.asymmetric_freezein(q, s).symmetric_fraction)))(p)
    bad = np.zeros(n, bool)
    for leaf in jax.tree_util.tree_leaves(g):
        bad |= ~np.all(np.isfinite(np.asarray(leaf).reshape(n, -1)), axis=1)
    return {
        "n": n,
        "nonfinite_grad_points": int(bad.sum()),
        "nonfinite_grad_points_status0": int((bad & (st == 0)).sum()),
    }


def hall_baseline(params, config: str, n: int) -> dict:
    """Time the per-point scipy/numpy chain on the first n points of ``params`` (median block rate, 5 blocks) and
    compare every prediction field with jaxgen's (max relative difference over fields and points)."""
    import jax
    import numpy as np

    from jaxgen.scenarios import hall as H

    kw, kind = HALL_CONFIGS[config]
    settings = H.HallSettings(**kw)
    sub = jax.tree_util.tree_map(lambda a: np.asarray(a[:n]), params)
    names = [f.name for f in dataclasses.fields(H.HallParams)]  # every input field of the chain
    points = [
        {k: (getattr(sub, k)[i] if np.ndim(getattr(sub, k)[i]) else float(getattr(sub, k)[i])) for k in names}
        for i in range(n)
    ]
    tb = _timing.time_host_blocks(lambda q: hall_point_scipy(q, kind, settings), points)
    fwd, _ = _hall_fns(config)
    ref = jax.jit(fwd)(jax.tree_util.tree_map(lambda a: a[:n], params))
    worst, worst_field, by_field = 0.0, None, {}
    for f in _HALL_FIELDS:
        a = np.asarray(getattr(ref, f))
        b = np.array([r[f] for r in tb["out"]])
        d = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))
        by_field[f] = d
        if d > worst:
            worst, worst_field = d, f
    return {
        "baseline": "scipy quad + numpy" if kind == "quad" else "scipy solve_ivp LSODA (rtol 1e-10) + numpy",
        "baseline_n": n,
        "baseline_points_per_s": tb["points_per_s"],
        "baseline_max_rel_diff": worst,
        "baseline_worst_field": worst_field,
        "baseline_rel_diff_by_field": by_field,
    }


def hall_scaling_setup(config: str = "quadrature_const"):
    """For bench_scaling: (make(n) -> (fn, args), None) for the Hall chain (default: quadrature with constant g_*;
    with the tabulated g_*(T) the chain runs at ~4e3 points/s on 2 CPU cores, too slow for N = 1e6), or
    (None, reason)."""
    mod, reason = _chain_status("jaxgen.scenarios.hall", HALL_API)
    if mod is None:
        return None, reason
    try:
        fwd, _ = _hall_fns(config)
        import jax

        jax.eval_shape(fwd, hall_params(2))  # traces?
    except Exception as exc:
        return None, f"jaxgen.scenarios.hall does not run ({type(exc).__name__}: {exc})"

    def make(n):
        return fwd, (hall_params(n),)

    # failures = invalid points (the other status bits are physics diagnostics of valid points)
    make.invalid_mask = (
        mod.STATUS_BAD_INPUT | mod.STATUS_FREEZEIN_FAILED | mod.STATUS_FREEZEOUT_FAILED | mod.STATUS_NONFINITE
    )
    return make, None


# ---------------------------------------------------------------------------------------------------------------
def _measure(fwd, grad, make, ns, n_grad, invalid_mask=None):
    """Throughput over ns (ascending), gradient at n_grad (the forward time at n_grad re-used for the ratio).
    ``invalid_mask``: status bits after which a point's predictions are dummies (counted as ``status_invalid``)."""
    import jax
    import numpy as np

    res = {"by_n": []}
    fwd_at = {}
    for n in ns:
        t = _timing.time_jax(fwd, make(n))
        st = np.asarray(t["out"].status)
        res["by_n"].append(
            {
                "n": n,
                "compile_s": t["compile_s"],
                "run_s": t["run_s"],
                "points_per_s": n / t["run_s"],
                "status_nonzero": int(np.sum(st != 0)),
                "status_invalid": int(np.sum((st & invalid_mask) != 0)) if invalid_mask else None,
            }
        )
        res.setdefault("compile_forward_s", t["compile_s"])  # the first (smallest) N's compile
        fwd_at[n] = t["run_s"]
    last = res["by_n"][-1]
    res.update(n=last["n"], points_per_s=last["points_per_s"], run_s=last["run_s"])
    p = make(n_grad)
    if n_grad not in fwd_at:
        fwd_at[n_grad] = _timing.time_jax(fwd, p)["run_s"]
    tf = {"run_s": fwd_at[n_grad]}
    tg = _timing.time_jax(grad, p)
    g_leaves = [np.asarray(x) for x in jax.tree_util.tree_leaves(tg["out"])]
    res.update(
        n_grad=n_grad,
        compile_grad_s=tg["compile_s"],
        grad_run_s=tg["run_s"],
        fwd_run_s_at_n_grad=tf["run_s"],
        grad_over_forward=tg["run_s"] / tf["run_s"],
        grad_nonfinite=int(sum(np.sum(~np.isfinite(g)) for g in g_leaves)),
    )
    return res


def _status_text(r):
    nz = sum(x["status_nonzero"] for x in r["by_n"])
    inv = [x["status_invalid"] for x in r["by_n"] if x.get("status_invalid") is not None]
    return f"{nz} ({sum(inv)})" if inv else str(nz)


def main(
    out: pathlib.Path,
    reduced: bool = False,
    hall_ns: dict | None = None,
    ardu_ns: dict | None = None,
    n_baseline: int | None = None,
) -> str:
    """``hall_ns``/``ardu_ns``: {config: [N, ...]} (ascending; the gradient is measured at the first N)."""
    _common.setup_jax()
    import jax

    out.mkdir(parents=True, exist_ok=True)
    gpu = jax.default_backend() == "gpu"
    if hall_ns is None:  # the g_*(T)-table chain runs at ~4e3 points/s on 2 CPU cores: smaller N
        hall_ns = (
            {
                "quadrature": [1_000],
                "quadrature_instant": [1_000],
                "quadrature_const": [10_000, 100_000],
                "ode_const": [300],
            }
            if reduced
            else {
                "quadrature": [1_000, 10_000] + ([100_000, 1_000_000] if gpu else []),
                "quadrature_instant": [1_000, 10_000] + ([100_000, 1_000_000] if gpu else []),
                "quadrature_const": [10_000, 100_000, 1_000_000] + ([10_000_000] if gpu else []),
                "ode_const": [1_000, 10_000] + ([100_000] if gpu else []),
            }
        )
    hall_runs = hall_ns
    if ardu_ns is None:
        ardu_ns = (
            {"boltzmann": [100], "instant": [1_000]}
            if reduced
            else {"boltzmann": [100, 1_000, 10_000], "instant": [1_000, 10_000, 100_000]}
        )
    if n_baseline is None:
        n_baseline = 20 if reduced else 100
    results: dict = {"device": str(jax.devices()[0]), "hall": {}, "ardu": {}, "skipped": False}
    notes = []

    # --- Hall chain
    hall, hall_reason = _chain_status("jaxgen.scenarios.hall", HALL_API)
    if hall is not None:
        for method, ns in hall_runs.items():
            print(f"[bench_chains] Hall {method} N={ns}", flush=True)
            try:
                fwd, grad = _hall_fns(method)
                r = _measure(
                    fwd,
                    grad,
                    hall_params,
                    ns,
                    n_grad=min(ns),
                    invalid_mask=(
                        hall.STATUS_BAD_INPUT
                        | hall.STATUS_FREEZEIN_FAILED
                        | hall.STATUS_FREEZEOUT_FAILED
                        | hall.STATUS_NONFINITE
                    ),
                )
                if HALL_CONFIGS[method][1]:
                    r.update(hall_baseline(hall_params(max(n_baseline, 8)), method, n_baseline))
                    r["baseline_ratio"] = r["points_per_s"] / r["baseline_points_per_s"]
                results["hall"][method] = r
            except Exception as exc:
                results["hall"][method] = {"error": f"{type(exc).__name__}: {exc}"}
                notes.append(f"Hall chain ({method}) FAILED: {type(exc).__name__}: {exc}")
                traceback.print_exc()
        try:
            chk = hall_symfrac_grad_check(1000)
            results["hall_symmetric_fraction_grad"] = chk
            if chk["nonfinite_grad_points"]:
                notes.append(
                    f"Hall chain: d symmetric_fraction/d params is non-finite at "
                    f"{chk['nonfinite_grad_points']} of {chk['n']} random points "
                    f"({chk['nonfinite_grad_points_status0']} with status 0): a regression of the finite Ybar "
                    "gradient (see HALL_GRAD_EXCLUDE)."
                )
        except Exception as exc:
            notes.append(f"Hall symmetric_fraction gradient check failed: {type(exc).__name__}: {exc}")
    else:
        results["hall"] = {"skipped": hall_reason}
        notes.append(f"Hall chain SKIPPED: {hall_reason}.")

    # --- Ardu chain
    ardu, ardu_reason = _chain_status("jaxgen.scenarios.ardu", ARDU_API)
    if ardu is not None:
        for washout, ns in ardu_ns.items():
            print(f"[bench_chains] Ardu {washout} N={ns}", flush=True)
            try:
                fwd, grad = _ardu_fns(washout)
                results["ardu"][washout] = _measure(
                    fwd, grad, ardu_params, ns, n_grad=min(ns), invalid_mask=getattr(ardu, "STATUS_INVALID", None)
                )
            except Exception as exc:
                results["ardu"][washout] = {"error": f"{type(exc).__name__}: {exc}"}
                notes.append(f"Ardu chain (washout={washout}) FAILED: {type(exc).__name__}: {exc}")
                traceback.print_exc()
    else:
        results["ardu"] = {"skipped": ardu_reason}
        notes.append(f"Ardu chain SKIPPED: {ardu_reason}.")
    results["skipped"] = hall is None and ardu is None
    results["notes"] = notes
    _common.write_record(
        out,
        "bench_chains",
        {
            "reduced": reduced,
            "hall_ns": hall_ns,
            "ardu_ns": ardu_ns,
            "hall_configs": {k: v[0] for k, v in HALL_CONFIGS.items()},
            "n_baseline": n_baseline,
            "repeats": _timing.REPEATS,
        },
        results,
    )

    lines = [
        "## Scenario chains (issue 5), end to end",
        "",
        f"Device {results['device']}; jit(vmap(chain)) over random points, float64; median of {_timing.REPEATS} "
        "runs, compile timed apart; gradient = jit(vmap(grad(scalar))) wrt every parameter field, at the "
        "smallest N; the scalar is sum_i v_i/stopgrad(v_i) over every float output v_i (one reverse pass with a "
        "cotangent on every output: the whole chain, not only what one output depends on).",
        "",
        "Hall configurations: `quadrature` = the defaults (Saikawa-Shirai g_*(T) tables, sphaleron-timed eta_B); "
        '`quadrature_instant` = the defaults with sphalerons="instantaneous" (the paper B = c (B - L)); '
        '`quadrature_const` = table="constant" (g_* = 106.75, 48 nodes); `ode_const` = method="ode" '
        '(inverse decays; ode_solver="auto" = the fixed-grid Radau IIA collocation with a constant g_*; Kvaerno5 '
        "before 2026-12-03), constant g_*. Ardu: `boltzmann` = the default Boltzmann washout (its exact one-integral "
        "solution, `solver='quadrature'`), `instant` = the "
        "instant-decoupling estimate. "
        "Random points: see hall_params / ardu_params. Status counts: points with any flag (mostly diagnostics) "
        "and, in parentheses, invalid points.",
        "",
    ]
    if notes:
        lines += [f"**{x}**" if ("SKIPPED" in x or "FAILED" in x) else f"Note: {x}" for x in notes] + [""]
    rows = []
    for chain, key in (("Hall", "hall"), ("Ardu", "ardu")):
        for method, r in results[key].items():
            if not isinstance(r, dict) or "points_per_s" not in r:
                continue
            base = (
                f"{r['baseline_points_per_s']:.3g} ({r['baseline_ratio']:.3g}x; agree {r['baseline_max_rel_diff']:.1e})"
                if "baseline_points_per_s" in r
                else "—"
            )
            rows.append(
                f"| {chain} ({method}) | {r['n']:.0e} | {r['points_per_s']:.3g} | {r['compile_forward_s']:.2f} "
                f"| {r['compile_grad_s']:.2f} | {r['grad_over_forward']:.2f} (N={r['n_grad']}) | "
                f"{_status_text(r)} | {base} |"
            )
    if rows:
        lines += [
            "| chain (method) | N (largest) | points/s | compile fwd [s] | compile grad [s] | grad/fwd | "
            "status != 0 (invalid) | per-point scipy/numpy baseline [points/s] |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
        for chain, key in (("Hall", "hall"), ("Ardu", "ardu")):
            for method, r in results[key].items():
                if isinstance(r, dict) and "by_n" in r:
                    lines.append(
                        f"- {chain} ({method}) points/s by N: "
                        + ", ".join(f"{x['n']:.0e}: {x['points_per_s']:.3g}" for x in r["by_n"])
                    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    _common.cli(main)
