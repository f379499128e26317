"""Unitarity-consistent asymmetric freeze-in (jaxgen._unitarity_rates; docs/derivations/unitarity_freezein.md).

Hook 2011 (arXiv:1105.3728, abstract): for a bath in equilibrium "the transfer of baryon number cancels completely
at leading order". Unwin 2014 (arXiv:1406.3027, abstract): with an out-of-equilibrium mediator "sizeable asymmetries
may be generated". Rate-level tests are eager (no solve); the Boltzmann solves share one compiled, batched jvp.
"""

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import _unitarity_rates as u
from jaxgen._cosmology import Cosmology
from jaxgen._freezein import production_rate_density

P = u.ToyParams(m_b=1000.0, width=1e-3, br_x=1e-6, eps=3e-8, g_b=2.0)
ZS = np.array([0.3, 1.0, 3.0, 10.0, 30.0])


def _ratio(processes, **occ):
    t = P.m_b / ZS
    return np.asarray(u.asymmetry_source(t, P, processes=processes, **occ)) / np.asarray(
        u.asymmetry_source(t, P, processes="decay_only", **occ)
    )


# ------------------------------------------------------------------------------------------------ rates, sum rule
def test_decay_density_matches_the_freezein_engine():
    """gamma_D = g m^2 T K1 Gamma/(2 pi^2), against jaxgen._freezein's independent implementation."""
    t = P.m_b / ZS
    ours = u.decay_rate_density(t, P)
    ref = production_rate_density(t, P.m_b, P.width, P.g_b, statistics="mb")
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    # closed form at z = 1 with scipy's K1
    import scipy.special as sp

    want = 2.0 * 1000.0**2 * 1000.0 * sp.k1(1.0) * 1e-3 / (2 * math.pi**2)
    np.testing.assert_allclose(u.decay_rate_density(1000.0, P), want, rtol=1e-12)


def test_hook_leading_order_cancellation():
    """Hook (arXiv:1105.3728, abstract): bath in equilibrium, cold hidden sector -> no X transfer at leading order.

    The consistent source (decays + inverse decays + RIS-subtracted scatterings) is Br_X = O(lambda^2) times the
    decay-only rate (the neglected order); the decay-only and unsubtracted sets do not cancel (ratio 1)."""
    cons = _ratio("consistent", r_b=1.0, rbar_x=0.0)
    np.testing.assert_allclose(cons, P.br_x, rtol=1e-9)  # exactly the O(lambda^4) residual of doc sec. 4
    assert np.all(np.abs(cons) <= 2 * P.br_x)  # cancels to the level of the neglected order
    np.testing.assert_allclose(_ratio("decay_only", r_b=1.0), 1.0, rtol=1e-14)
    np.testing.assert_allclose(_ratio("unsubtracted", r_b=1.0, rbar_x=0.0), 1.0, rtol=1e-14)
    # the residual scales like Br_X: the neglected order, not a numerical floor
    q = u.ToyParams(m_b=1000.0, width=1e-3, br_x=1e-8, eps=3e-10)
    t = 300.0
    r = u.asymmetry_source(t, q, processes="consistent") / u.asymmetry_source(t, q, processes="decay_only")
    np.testing.assert_allclose(r, 1e-8, rtol=1e-6)


def test_breakdown_of_the_cancellation():
    parts = u.asymmetry_source_parts(300.0, P)
    total = u.asymmetry_source(300.0, P)
    gd = u.decay_rate_density(300.0, P)
    np.testing.assert_allclose(parts["decays"], P.eps * gd, rtol=1e-14)
    np.testing.assert_allclose(parts["scatterings_from_v"], -P.eps * gd * (1 - P.br_x), rtol=1e-14)
    assert parts["inverse_decays"] == 0 and parts["scatterings_from_x"] == 0
    np.testing.assert_allclose(total, sum(parts.values()), rtol=1e-14)


def test_no_asymmetry_in_full_equilibrium():
    """rbar_X = 1: every process balanced; the unsubtracted set gives 2 eps gamma_D (Kolb-Wolfram)."""
    t = P.m_b / ZS
    gd = np.asarray(u.decay_rate_density(t, P))
    s = np.asarray(u.asymmetry_source(t, P, r_b=1.0, rbar_x=1.0))
    assert np.all(np.abs(s) <= 1e-12 * P.eps * gd)
    np.testing.assert_allclose(u.asymmetry_source(t, P, rbar_x=1.0, processes="unsubtracted"), 2 * P.eps * gd)


def test_unwin_out_of_equilibrium_survives():
    """r_B = 1 + delta: the source is eps gamma_D (delta + Br_X) (doc sec. 3, (3.1)): not cancelled."""
    t = P.m_b / ZS
    gd = np.asarray(u.decay_rate_density(t, P))
    for delta in (0.5, -0.3, 10.0):
        s = u.asymmetry_source(t, P, r_b=1.0 + delta)
        np.testing.assert_allclose(s, P.eps * gd * (delta + P.br_x), rtol=1e-12)


def test_unitarity_sum_rule():
    """sum_f [gamma(i -> f) - gamma(ibar -> fbar)] = 0 per initial state for the consistent set; the decay-only set
    violates it for V and X l by +-eps (doc sec. 2)."""
    for p in (P, u.ToyParams(br_x=0.3, eps=-0.05)):
        sums = u.unitarity_sums(p)
        assert all(abs(float(v)) < 1e-15 for v in sums.values()), sums
        bad = u.unitarity_sums(p, "decay_only")
        np.testing.assert_allclose([bad["V"], bad["Xl"]], [p.eps, -p.eps], rtol=1e-12, atol=1e-15)  # rounding of Br_V
    table = u.process_table(P)
    np.testing.assert_allclose(table["B"]["Xl"], P.eps, rtol=1e-14)
    np.testing.assert_allclose(table["B"]["V"], -P.eps, rtol=0, atol=1e-15)


def test_rate_gradient_vs_finite_differences():
    def f(e, rb):
        return u.asymmetry_source(200.0, u.ToyParams(m_b=1000.0, width=1e-3, br_x=1e-3, eps=e), r_b=rb)

    e, rb, h = 1e-4, 1.3, 1e-6
    g = jax.grad(f, argnums=(0, 1))(e, rb)
    fd_e = (f(e * (1 + h), rb) - f(e * (1 - h), rb)) / (2 * h * e)
    fd_r = (f(e, rb + h) - f(e, rb - h)) / (2 * h)
    np.testing.assert_allclose(g[0], fd_e, rtol=1e-7)
    np.testing.assert_allclose(g[1], fd_r, rtol=1e-7)


def test_bad_input_errors():
    with pytest.raises(ValueError, match="processes"):
        u.asymmetry_source(100.0, P, processes="decays")
    with pytest.raises(ValueError, match="m_b"):
        u.solve_toy(u.ToyParams(m_b=-1.0))
    with pytest.raises(ValueError, match="x_min"):
        u.solve_toy(P, x_min=10.0, x_max=1.0)


# ------------------------------------------------------------------------------------------------ Boltzmann solves
_COSMO = Cosmology(table="constant", g_constant=106.75)
_H = float(_COSMO.hubble(1000.0))  # H(T = m_B) [GeV]
# (K = Gamma_B/H(m_B), <sigma v> [GeV^-2], r_B0, Br_X, eps)
_CASES = {
    "hook_k1e3": (1e3, 0.0, 1.0, 1e-6, 1e-8),
    "hook_k10": (10.0, 0.0, 1.0, 1e-6, 1e-8),
    "hook_annihilating": (1e3, 1e-6, 1.0, 1e-6, 1e-8),
    "unwin_weak": (1e-3, 0.0, 1.0, 1e-2, 1e-4),
    "unwin_nonthermal": (1e-3, 0.0, 10.0, 1e-2, 1e-4),
    "unwin_freezeout": (1e-6, 1e-14, 1.0, 1e-2, 1e-4),
    "bad_eps": (1.0, 0.0, 1.0, 1e-3, 1e-2),
}
_NAMES = list(_CASES)


def _batch_params(rows):
    k, sv, rb0, brx, eps = (jnp.asarray(c, dtype=float) for c in zip(*rows))
    return u.ToyParams(
        m_b=jnp.full_like(k, 1000.0),
        width=k * _H,
        br_x=brx,
        eps=eps,
        sigma_v=sv,
        r_b0=rb0,
        g_b=jnp.full_like(k, 2.0),
        m_x=jnp.full_like(k, 1.0),
        g_x=jnp.full_like(k, 2.0),
    )


def _outputs(p):
    r = u.solve_toy(p, "consistent")
    return {"dy": r.y_delta_x, "yx": r.y_x, "eff": r.efficiency, "y0": r.y_b_grid[0], "status": r.status * 1.0}


def _jvp_one(p, dp):
    return jax.jvp(_outputs, (p,), (dp,))


_BATCH = jax.jit(jax.vmap(_jvp_one))


def _tangent(p, scale):
    """direction: relative change of eps and Gamma_B by `scale` (the other fields fixed)."""
    z = jax.tree_util.tree_map(jnp.zeros_like, p)
    return dataclasses.replace(z, eps=p.eps * scale, width=p.width * scale)


@pytest.fixture(scope="module")
def solved():
    p = _batch_params([_CASES[n] for n in _NAMES])
    out, tan = _BATCH(p, _tangent(p, 1.0))
    return p, {k: np.asarray(v) for k, v in out.items()}, {k: np.asarray(v) for k, v in tan.items()}


def _i(name):
    return _NAMES.index(name)


def test_solve_hook_limit(solved):
    """B in equilibrium through its decays: Y_DeltaX = eps x (net B decays) = eps Y_B(x_min) (doc (3.2)), a factor
    ~1/K below HMW's eps_HMW Y_X; with annihilations keeping B in equilibrium the efficiency drops to ~Br_X."""
    _, out, _ = solved
    for name in ("hook_k1e3", "hook_k10"):
        i = _i(name)
        k, _, _, brx, eps = _CASES[name]
        assert out["status"][i] == 0
        np.testing.assert_allclose(out["dy"][i], eps * out["y0"][i], rtol=1e-2)
        assert 0.1 / k < out["eff"][i] < 1.0 / k  # HMW's decay-only number overestimates it by ~K
    i = _i("hook_annihilating")
    assert 0.3 * 1e-6 < out["eff"][i] < 3 * 1e-6  # the O(Br_X) residual of doc sec. 4


def test_solve_unwin_loophole(solved):
    """Out-of-equilibrium decays: the asymmetry survives at leading order (Unwin, arXiv:1406.3027, abstract)."""
    _, out, _ = solved
    assert out["eff"][_i("unwin_weak")] > 0.99
    i = _i("unwin_nonthermal")
    assert out["eff"][i] > 0.99
    np.testing.assert_allclose(out["dy"][i], 1e-4 * out["y0"][i], rtol=1e-2)  # eps x every B that decays
    np.testing.assert_allclose(out["dy"][i], 10.0 * out["dy"][_i("unwin_weak")], rtol=1e-3)
    assert out["eff"][_i("unwin_freezeout")] > 0.5  # frozen out, then decays: most of the asymmetry survives


def test_solve_bad_point_flagged(solved):
    _, out, tan = solved
    i = _i("bad_eps")
    assert int(out["status"][i]) == u.STATUS_BAD_INPUT
    assert out["dy"][i] == 0 and out["yx"][i] == 0 and tan["dy"][i] == 0
    ok = [j for j in range(len(_NAMES)) if j != i]
    assert np.all(out["status"][ok] == 0) and np.all(np.isfinite(out["dy"]))


def test_solve_gradient_vs_finite_differences(solved):
    """d Y_DeltaX along (d eps/eps, d Gamma/Gamma) from the jvp, against central differences (same compiled fn)."""
    p, out, tan = solved
    h = 1e-4
    zero = jax.tree_util.tree_map(jnp.zeros_like, p)
    fp, _ = _BATCH(dataclasses.replace(p, eps=p.eps * (1 + h), width=p.width * (1 + h)), zero)
    fm, _ = _BATCH(dataclasses.replace(p, eps=p.eps * (1 - h), width=p.width * (1 - h)), zero)
    fd = (np.asarray(fp["dy"]) - np.asarray(fm["dy"])) / (2 * h)
    ok = out["status"] == 0
    np.testing.assert_allclose(tan["dy"][ok], fd[ok], rtol=1e-5, atol=1e-12 * np.max(np.abs(fd)))


def test_solve_batched_equals_looped(solved):
    """Each point solved alone (a batch filled with that point, the same compiled function) equals the batch."""
    p, out, _ = solved
    zero = jax.tree_util.tree_map(jnp.zeros_like, p)
    for name in ("hook_k10", "unwin_freezeout"):
        i = _i(name)
        alone = jax.tree_util.tree_map(lambda v, i=i: jnp.full_like(v, v[i]), p)
        res, _ = _BATCH(alone, zero)
        for key in ("dy", "yx", "eff"):
            np.testing.assert_allclose(res[key][0], out[key][i], rtol=1e-13, atol=0)
