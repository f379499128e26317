"""jaxgen.kinetics: the declarative Boltzmann network against an independent scipy solve, the fast-reaction
reduction, the build-time errors, gradients, batching and the failure status.

The toy network is the classic leptogenesis pair (Buchmuller, Di Bari, Plumacher hep-ph/0401240, Sec. 3): a heavy
Majorana N decaying to a lepton l and a Higgs H with CP asymmetry eps, its inverse decays, and the Delta L = 2
scattering l H -> ~l ~H with the on-shell N subtracted. With Maxwell-Boltzmann statistics and mu_H = 0 the network
equations reduce exactly to BDP's eqs. (dN_N/dz = -D (N_N - N_eq), washout W_ID = K z^3 K1(z)/4).
"""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.integrate
import scipy.special

from jaxgen import kinetics as kin
from jaxgen import models
from jaxgen.cosmology import Cosmology
from jaxgen.models import Reaction, Species

M_PL = 1.220890e19
G_STAR = 106.75
M = 1e10
T0, T1 = 10.0 * M, M / 300.0


def hubble(T):
    return math.sqrt(4 * math.pi**3 * G_STAR / 45) * T**2 / M_PL


def width(T, p):
    return p["K"] * hubble(M)  # decay parameter K = Gamma / H(T = M)


def eps(T, p):
    return p["eps"]


def gamma_sub(T, p):
    return p["c"] * T**4  # toy CP-even rate of the subtracted Delta L = 2 scattering (GeV^4)


TOY = models.Model(
    "bdp_toy",
    species=[Species("N", 2, "mb", mass=M), Species("l", 2, "mb", {"L": 1.0}), Species("H", 2, "mb")],
    reactions=[Reaction("higgs_mu0", {"H": 1})],  # mu_H = 0: the Higgs asymmetry is ignored, as in BDP
    defaults={},
)
COSMO = Cosmology(table="constant", g_constant=G_STAR)
NET = kin.Network(
    TOY,
    [
        kin.Decay("N_to_lH", "N", "l + H", width=width, eps=eps),
        kin.Scattering("lH_to_lbarHbar", "l + H", "~l + ~H", gamma=gamma_sub, resonance=["N"]),
    ],
    tracked=["N"],
    charges=["L"],
    cosmology=COSMO,
)
P0 = {"K": jnp.asarray(3.0), "eps": jnp.asarray(1e-6), "c": jnp.asarray(1e-12)}
SET = kin.KineticsSettings(rtol=1e-10, atol=1e-10)


@eqx.filter_jit
def _solve_between(p, t_initial, t_final):
    return kin.solve(NET, p, t_initial, t_final, settings=SET)


def _solve(p):
    return _solve_between(p, jnp.asarray(T0), jnp.asarray(T1))


def _final(p):
    r = _solve(p)
    return np.array([float(r.densities[0]), float(r.charges[0])]), int(r.status)


def _scipy_reference(K, e, c):
    """The same equations written by hand (docs/derivations/kinetics.md, eqs. (K.3)-(K.7) for this network) and
    integrated with scipy's Radau."""
    Gam = K * hubble(M)

    def s_(T):
        return 2 * math.pi**2 / 45 * G_STAR * T**3

    def yeq(T):
        z = M / T
        return 2 * z**2 * scipy.special.kn(2, z) / (2 * math.pi**2) * T**3 / s_(T)

    def f(u, y):
        T = T0 * math.exp(-u)
        z = M / T
        s, H = s_(T), hubble(T)
        gD = 2 * M**2 * T * Gam * scipy.special.kn(1, z) / (2 * math.pi**2)
        r = y[0] / yeq(T)
        # mu_l in yield units: L = g k mu with k_MB = 12/pi^2; a_l = 6 s mu_l / T^3, a_H = 0
        a = 6 * s * (y[1] / (2 * 12 / math.pi**2)) / T**3
        gs = c * T**4
        dN = -(gD * (r - 1) + e * gD * a) / (s * H)
        dL = (e * gD * (r - 1) - (gD + 2 * gs) * a) / (s * H)
        return [dN, dL]

    sol = scipy.integrate.solve_ivp(
        f, (0.0, math.log(T0 / T1)), [yeq(T0), 0.0], method="Radau", rtol=1e-11, atol=[1e-16, 1e-22]
    )
    assert sol.success
    return sol.y[:, -1], yeq(T0)


def test_toy_network_matches_independent_scipy_radau():
    p = {"K": jnp.asarray(3.0), "eps": jnp.asarray(1e-6), "c": jnp.asarray(1e-12)}
    got, status = _final(p)
    ref, _ = _scipy_reference(3.0, 1e-6, 1e-12)
    assert status == 0
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-6)
    assert abs(got[0] - ref[0]) <= 1e-6 * 1e-3 + 1e-6 * abs(ref[0])


def test_efficiency_factor_limits_and_bdp_fit():
    """Vanilla thermal leptogenesis (N1 decays + inverse decays, RIS-subtracted Delta L = 2 scattering with CP-even
    off-shell part 0): kappa_f = L_final/(eps Y_N^eq(z << 1)) against the analytic fit of Buchmuller, Di Bari,
    Plumacher, Ann. Phys. 315 (2005) 305, hep-ph/0401240, eqs. (123)-(124), kappa_f = 2/(z_B K)(1 - exp(-z_B K/2)),
    z_B = 2 + 4 K^0.13 exp(-2.5/K), for decays + inverse decays with thermal initial abundance, to 10% (the level
    the fit is quoted at; its stated accuracy could not be checked against the paper's text here; the network's
    largest deviation over K = 1e-3 - 100 is 7.2%, experiments/results/kinetics_leptogenesis.md). Limits: K -> 0
    with thermal initial N1, kappa_f -> 1 (out-of-equilibrium decays, nothing washed out: the asymmetry survives);
    eps = 0, no asymmetry. One compiled solve (the module's _solve_between) for every point."""
    y0 = 2 / math.pi**2 / (2 * math.pi**2 / 45 * G_STAR)  # Y_N^eq at z -> 0 (MB, g = 2)

    def kappa(K, e=1e-6):
        got, status = _final({"K": jnp.asarray(K), "eps": jnp.asarray(e), "c": jnp.asarray(0.0)})
        assert status == 0
        return got[1] / (e * y0)

    for K in (1.0, 10.0, 100.0):
        zb = 2 + 4 * K**0.13 * math.exp(-2.5 / K)
        fit = 2 / (zb * K) * (1 - math.exp(-zb * K / 2))
        k = kappa(K)
        assert abs(k / fit - 1) < 0.10, (K, k, fit)
    # weak washout: every N1 that was there at the start (equilibrium at z = 0.1, z^2 K2(z)/2 = 0.9975 of Y_N^eq(0))
    # decays out of equilibrium, so kappa_f -> that fraction; the washout is O(K) (4e-6 here)
    z0 = M / T0
    start = z0**2 * float(scipy.special.kn(2, z0)) / 2
    assert abs(kappa(1e-3) / start - 1.0) < 1e-4
    got, _ = _final({"K": jnp.asarray(1.0), "eps": jnp.asarray(0.0), "c": jnp.asarray(0.0)})
    assert got[1] == 0.0


def test_cp_source_vanishes_for_a_bath_in_equilibrium():
    """With N at its equilibrium density and no asymmetry, the decays and the RIS-subtracted scattering cancel:
    dL/du = 0 (Kolb-Wolfram; Hook 1105.3728). Dropping the subtraction would leave 2 eps gamma_D/(s H)."""
    T = jnp.asarray(M / 2)
    s = COSMO.entropy_density(T)
    z = M / T
    yeq = 2 * z**2 * float(scipy.special.kn(2, float(z))) / (2 * math.pi**2) * T**3 / s
    d = jax.jit(lambda y: kin.rhs(NET, P0, T, y))(jnp.array([yeq, 0.0]))
    gD = 2 * M**2 * T * width(T, P0) * float(scipy.special.kn(1, float(z))) / (2 * math.pi**2)
    scale = 1e-6 * gD / (s * COSMO.hubble(T))
    assert abs(float(d[1])) < 1e-12 * float(scale)
    assert abs(float(d[0])) < 1e-12 * float(gD / (s * COSMO.hubble(T)))


ROS = kin.KineticsSettings(solver="rosenbrock", n_steps=400)
H_FD = {"eps": 1e-9, "K": 1e-4}


def _ros_l(p):
    return kin.solve(NET, p, T0, T1, settings=ROS).charges[0]


# one compiled function for values, gradients (jvp tangents) and the batched == looped check
_ros_jvp = jax.jit(jax.vmap(lambda p, dp: jax.jvp(_ros_l, (p,), (dp,))))


def _rows():
    """P0 with tangents e_eps and e_K, then P0 +- h along eps and K (zero tangents)."""
    unit = {k: jnp.zeros(()) for k in P0}
    pts = [(P0, dict(unit, eps=jnp.ones(()))), (P0, dict(unit, K=jnp.ones(())))]
    for key, step in H_FD.items():
        pts += [(dict(P0, **{key: P0[key] + step}), unit), (dict(P0, **{key: P0[key] - step}), unit)]
    return tuple({k: jnp.stack([q[j][k] for q in pts]) for k in P0} for j in (0, 1))


def test_rosenbrock_gradient_matches_finite_differences_and_batched_equals_looped():
    batch, tangents = _rows()
    vals, tans = (np.asarray(v) for v in _ros_jvp(batch, tangents))
    n = vals.shape[0]
    for i in range(1, n):  # each point solved alone (a batch filled with it, the same compiled function)
        alone = {k: jnp.full((n,), v[i]) for k, v in batch.items()}
        np.testing.assert_allclose(float(_ros_jvp(alone, tangents)[0][0]), vals[i], rtol=1e-12)
    np.testing.assert_allclose(vals[1], vals[0], rtol=1e-12)
    g = {"eps": tans[0], "K": tans[1]}
    for j, key in enumerate(H_FD):
        fd = (vals[2 + 2 * j] - vals[3 + 2 * j]) / (2 * H_FD[key])
        np.testing.assert_allclose(g[key], fd, rtol=1e-5)
    # eps enters linearly at this order: d L / d eps = L / eps
    np.testing.assert_allclose(g["eps"], vals[0] / 1e-6, rtol=1e-6)
    # the fixed-grid Rosenbrock option agrees with the adaptive Kvaerno5 solve
    np.testing.assert_allclose(vals[0], float(_solve(P0).charges[0]), rtol=1e-4)


def test_stiff_beyond_the_solver_is_flagged_and_finite():
    """K = 1e7: N tracks equilibrium with rate K z^2 up to 1e12 H; at rtol 1e-10 Kvaerno5 runs out of max_steps."""
    bad = _solve(dict(P0, K=jnp.asarray(1e7)))
    assert kin.status_names(int(bad.status)) == ["max_steps"]
    for leaf in (bad.densities, bad.charges, bad.bath_asymmetries):
        assert np.all(np.isfinite(np.asarray(leaf)))
    wrong = _solve_between(P0, jnp.asarray(T1), jnp.asarray(T0))  # T_final > T_initial
    assert kin.status_names(int(wrong.status)) == ["bad_input"]
    assert np.all(np.isfinite(np.asarray(wrong.charges)))


# ------------------------------------------------------------------ fast reactions
TWO = models.Model(
    "two_flavours",
    species=[
        Species("N", 2, "mb", mass=M),
        Species("a", 2, "mb", {"A": 1.0}),
        Species("b", 2, "mb", {"Bf": 1.0}),
        Species("H", 2, "mb"),
    ],
    reactions=[Reaction("higgs_mu0", {"H": 1})],
    defaults={},
)
_TWO_REACTIONS = [
    kin.Decay("N_to_aH", "N", "a + H", width=width, eps=eps),
    kin.Scattering("aH_sub", "a + H", "~a + ~H", gamma=gamma_sub, resonance=["N"]),
]


def test_fast_reaction_reduction_equals_a_very_fast_slow_reaction():
    """a <-> b in equilibrium (fast=True, one slow charge A + Bf) equals the same conversion integrated with a rate
    1e6 times the expansion rate (two charges A, Bf)."""

    def g_conv(T, p):
        return 1e6 * T**3 * hubble(T)  # gamma / (n H) ~ 1e6

    fast = kin.Network(TWO, _TWO_REACTIONS + [kin.Scattering("a_to_b", "a", "b", gamma=g_conv, fast=True)],
                       tracked=["N"], charges=["A+Bf"], cosmology=COSMO)  # fmt: skip
    slow = kin.Network(TWO, _TWO_REACTIONS + [kin.Scattering("a_to_b", "a", "b", gamma=g_conv)],
                       tracked=["N"], charges=["A", "Bf"], cosmology=COSMO)  # fmt: skip
    st = kin.KineticsSettings(solver="rosenbrock", n_steps=300)
    rf, rs = eqx.filter_jit(
        lambda p: (kin.solve(fast, p, T0, T1, settings=st), kin.solve(slow, p, T0, T1, settings=st))
    )(P0)
    assert int(rf.status) == 0 and int(rs.status) == 0
    total_fast = float(rf.charge("A+Bf"))
    total_slow = float(rs.charges[0] + rs.charges[1])
    np.testing.assert_allclose(total_slow, total_fast, rtol=1e-4)
    # in the reduced network the asymmetry is shared equally (equal weights g k)
    np.testing.assert_allclose(float(rf.asymmetry("a")), 0.5 * total_fast, rtol=1e-12)
    # the fast network evolves one charge less
    assert fast.charges == ("A+Bf",) and len(slow.charges) == 2


# ------------------------------------------------------------------ build-time errors
def test_unitarity_violation_names_the_state_and_the_fix():
    with pytest.raises(ValueError, match=r"unitarity/CPT violated for the state H \+ l.*N_to_lH.*resonance=\['N'\]"):
        kin.Network(TOY, [kin.Decay("N_to_lH", "N", "l + H", width=width, eps=eps)], tracked=["N"], charges=["L"])


def test_unitarity_of_a_complex_decaying_state():
    """A non-self-conjugate X must have sum_f eps_f Gamma_f = 0 (CPT: equal total widths of X and Xbar)."""
    mod = models.Model(
        "complex_x",
        species=[
            Species("X", 1, "mb", {"Q": 1.0}, mass=100.0),
            Species("f", 1, "mb", {"Q": 1.0, "F": 1.0}),  # F: the f number, evolved (changed by f -> g + h)
            Species("g", 1, "mb", {"Q": 1.0, "P": 1.0}),
            Species("h", 1, "mb", {"P": -1.0}),
        ],
        defaults={"Q": 0.0},
    )
    one = [kin.Decay("X_to_f", "X", "f", width=1e-10, eps=1e-3)]
    with pytest.raises(ValueError, match="state X: its only CP-violating reaction is 'X_to_f'.*other decay channels"):
        kin.Network(mod, one, tracked=["X"], asymmetric=["X"], charges=["P", "F"])

    def build(eps2):
        return kin.Network(
            mod,
            [
                kin.Decay("X_to_f", "X", "f", width=1e-10, eps=1e-3),
                kin.Decay("X_to_gh", "X", "g + h", width=2e-10, eps=eps2),
                kin.Scattering("f_to_gh", "f", "g + h", gamma=0.0, resonance=["X"]),
            ],
            tracked=["X"],
            asymmetric=["X"],
            charges=["P", "F"],
            check_params={},
        )

    build(-0.5e-3)  # eps_1 Gamma_1 + eps_2 Gamma_2 = 0: accepted
    with pytest.raises(
        ValueError,
        match=r"unitarity/CPT violated at T = .* for the state X the CP-odd rates of the reactions \['X_to_f', 'X_to_gh'\]",
    ):
        build(-1e-3)


def test_build_errors_unknown_species_charge_not_conserved_and_others():
    with pytest.raises(ValueError, match=r"unknown species \['nu'\]"):
        kin.Network(TOY, [kin.Decay("d", "N", "nu + H", width=1.0)], tracked=["N"], charges=["L"])
    sm_like = models.Model(
        "hyper",
        species=[
            Species("N", 2, "mb", mass=M),
            Species("l", 2, "mb", {"L": 1.0, "Y": -0.5}),
            Species("H", 2, "mb", {"Y": 0.5}),
        ],  # fmt: skip
        defaults={"Y": 0.0},
    )
    with pytest.raises(ValueError, match=r"changes the charge 'Y' by -1.*conserved by every interaction"):
        kin.Network(sm_like, [kin.Decay("d", "N", "l + ~H", width=1.0)], tracked=["N"], charges=["L"])
    with pytest.raises(ValueError, match="fast decay 'd' involves the tracked species"):
        kin.Network(TOY, [kin.Decay("d", "N", "l + H", width=1.0, fast=True)], tracked=["N"], charges=["L"])
    with pytest.raises(ValueError, match="resonance 'N' has no Decay"):
        kin.Network(TOY, [kin.Scattering("s", "l + H", "~l + ~H", gamma=1.0, resonance="N")], charges=["L"])
    with pytest.raises(ValueError, match="must also be tracked"):
        kin.Network(TOY, [], asymmetric=["N"])
    with pytest.raises(ValueError, match="only bath species in equilibrium and changes none"):
        kin.Network(TOY, [kin.Scattering("s", "l + H", "l + H + H", gamma=1.0)], tracked=["N"], charges=["L"])
    with pytest.raises(ValueError, match="do not pass eps"):
        kin.Scattering("s", "l + H", "~l + ~H", gamma=1.0, eps=0.1, resonance="N")
    with pytest.raises(ValueError, match="exactly one of width"):
        kin.Decay("d", "N", "l + H")
    with pytest.raises(ValueError, match="cannot parse"):
        kin.Decay("d", "N", "l + 2x y", width=1.0)
