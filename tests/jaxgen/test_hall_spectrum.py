"""Spectrum mode of the Hall chain (HallSettings(epsilon="spectrum")): eps, masses and widths from the gaugino-higgsino
spectrum inside the traced chain (jaxgen/scenarios/hall.py, module docstring item 12). One jitted chain is shared."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import fit as jfit
from jaxgen._units import field_units
from jaxgen.cp import GauginoHiggsinoParams, cp_asymmetries_from_spectrum
from jaxgen.scenarios.hall import (
    STATUS_BAD_INPUT,
    STATUS_NO_ASYMMETRY,
    STATUS_SPECTRUM,
    HallParams,
    HallSettings,
    HallSpectrumParams,
    asymmetric_freezein,
    asymmetric_freezein_batch,
)

jax.config.update("jax_enable_x64", True)

# the benchmark spectrum's lam is tuned with the paper's eta_B = -c eta_X (HMW eqs. 1.3, 3.1); one compile of the
# (expensive) spectrum mode is shared by every test, so all of them use that treatment
SPEC = HallSettings(epsilon="spectrum", sphalerons="instantaneous")
_CHAIN = jax.jit(lambda q: asymmetric_freezein(q, SPEC))
_X_NAMES = ("M1", "M2", "mu", "tan_beta", "phi_mu")


def _with(p: HallParams, **spec_fields) -> HallParams:
    """p with some spectrum leaves replaced (float64 scalars)."""
    new = p.spectrum
    for k, v in spec_fields.items():
        new = eqx.tree_at(lambda s, k=k: getattr(s, k), new, jnp.asarray(v, float))
    return eqx.tree_at(lambda q: q.spectrum, p, new)


@pytest.fixture(scope="module")
def bench():
    return HallParams.benchmark_spectrum()


@pytest.fixture(scope="module")
def bench_pred(bench):
    return _CHAIN(bench)


def test_eps0_mode_bit_identical():
    """The eps0 path with the 384-node quadrature gives exactly the numbers of the chain before the spectrum mode
    existed; the default (the precomputed freeze-in and heating tables) agrees with them to the quadrature's own
    error (3e-6 relative for the tabulated g_*)."""
    # the reference eta_b was recorded with the paper's instantaneous sphalerons, eta_B = -c eta_X (HMW eqs. 1.3,
    # 3.1); the default is sphaleron-timed
    inst = HallSettings(sphalerons="instantaneous")
    single = jax.jit(asymmetric_freezein, static_argnums=1)
    default = single(HallParams.benchmark(), inst)
    o = single(HallParams.benchmark(), HallSettings(n_nodes=384, sphalerons="instantaneous"))
    ref = {  # HallParams.benchmark(), 384 nodes, computed with the chain before this mode was added
        "eta_b": 8.626742676260464e-11,
        "yield_fi": 3.193001007607274e-05,
        "decay_length": 8.005280180706036,
        "t_vis_decay": 4.502489772349789,
        "symmetric_fraction": 0.00017663649986242094,
        "t_ratio_fi": 0.170658948250585,
    }
    for k, v in ref.items():
        assert float(getattr(o, k)) == pytest.approx(v, rel=1e-14, abs=0), k
        # symmetric_fraction ~ exp(-m_X/T_X ...) amplifies the 3e-6 of T_X/T tenfold
        tol = 1e-4 if k == "symmetric_fraction" else 1e-5
        assert float(getattr(default, k)) == pytest.approx(v, rel=tol, abs=0), k
    assert float(o.epsilon[0]) == pytest.approx(-3.53268821574352e-05, rel=1e-14)
    assert float(default.d_e) == 0.0 and float(o.d_e) == 0.0  # the eps0 mode has no spectrum: no EDM
    assert int(o.status) == 0 and int(o.flags) == 0
    with pytest.raises(ValueError, match="epsilon"):
        HallSettings(epsilon="loops")
    # HallParams keeps its fields (spectrum is None); the spectrum points are HallSpectrumParams with a unit
    assert HallParams.benchmark().spectrum is None and "spectrum" not in HallParams.__dataclass_fields__
    p = HallParams.benchmark_spectrum()
    assert isinstance(p, HallSpectrumParams) and isinstance(p, HallParams)
    assert field_units(HallSpectrumParams)["spectrum"] == "various" and field_units(HallSpectrumParams)["m_a"] == "GeV"
    with pytest.raises(TypeError, match="GauginoHiggsinoParams"):
        HallSpectrumParams(m_a=300.0, lam=1e-9)


def test_spectrum_mode_eps_masses_widths(bench, bench_pred):
    o = bench_pred
    assert int(o.status) == 0 and int(o.flags) == 0
    assert float(o.eta_b) == pytest.approx(8.63e-11, rel=2e-3)  # tuned benchmark: Y_B(Planck 2018)
    assert float(o.omega_x_h2) == pytest.approx(0.120, rel=2e-3)
    r = cp_asymmetries_from_spectrum(bench.spectrum, lam=bench.lam, m_phi=bench.m_x)
    want = np.concatenate([np.asarray(r.eps_chargino), np.asarray(r.eps_neutralino)[1:]])
    np.testing.assert_allclose(np.asarray(o.epsilon), want, rtol=1e-10, atol=0)
    # stored fields from from_spectrum: consistent with the same computation
    assert bench.m_a.shape == (5,) and float(bench.m_losp) == pytest.approx(243.4725524, rel=1e-8)
    np.testing.assert_allclose(np.asarray(bench.g_a), [4, 4, 2, 2, 2])
    lam = float(bench.lam)
    gam = np.concatenate([np.asarray(r.gamma_lambda_chargino), np.asarray(r.gamma_lambda_neutralino).sum(-1)[1:]])
    np.testing.assert_allclose(np.asarray(bench.width_factor), gam / (lam**2 * np.asarray(bench.m_a) / (8 * math.pi)))
    # the stored eps0, phase reproduce these eps through eq. (2.7) (what the eps0 mode of this point would use)
    from jaxgen._cp import epsilon_eq27

    np.testing.assert_allclose(np.asarray(epsilon_eq27(bench.eps0, bench.phase)), want, rtol=1e-10)
    assert np.all(np.asarray(bench.phase) == pytest.approx(-math.pi / 30, rel=1e-12))
    # LOSP width from the spectrum: decay length = c/Gamma_LOSP with Gamma_LOSP = Gamma(chi0_1 -> nu phi, nubar phi*)
    g_losp = float(np.asarray(r.gamma_lambda_neutralino)[0].sum())
    from jaxgen import constants as c

    assert float(o.decay_length) == pytest.approx(c.GEV_INV_TO_M / g_losp, rel=1e-10)


def test_phase_sign_and_zero(bench, bench_pred):
    ph = float(bench.spectrum.phi_mu)
    o_flip = _CHAIN(_with(bench, phi_mu=-ph))
    assert float(bench_pred.eta_b) > 0 > float(o_flip.eta_b)
    assert float(o_flip.eta_b) == pytest.approx(-float(bench_pred.eta_b), rel=1e-8)
    o0 = _CHAIN(_with(bench, phi_mu=0.0))
    assert float(o0.eta_b) == 0.0 and int(o0.status) == 0
    assert int(o0.flags) & STATUS_NO_ASYMMETRY


def test_electron_edm_prediction(bench, bench_pred):
    """HallPrediction.d_e [e cm] is jaxgen.cp.electron_edm of the point's spectrum (sleptons decoupled), odd in
    phi_2 and 0 at phi_2 = 0; at the benchmark it exceeds the JILA 2023 bound (docs/derivations/edm.md)."""
    from jaxgen.cp import electron_edm
    from jaxgen.scenarios.hall import HallPrediction

    # jitted: one compile (~2 s) instead of the op-by-op first call (~10 s); the same library function
    want = float(jax.jit(electron_edm)(bench.spectrum).d_e)
    assert float(bench_pred.d_e) == pytest.approx(want, rel=1e-12)
    assert want == pytest.approx(1.1043e-29, rel=1e-3) and abs(want) > jfit.EDM_BOUNDS["jila2023"]
    assert float(_CHAIN(_with(bench, phi_mu=0.0)).d_e) == 0.0
    assert field_units(HallPrediction)["d_e"] == "e cm"
    t = jfit.edm_bound_target()
    assert (float(bench_pred.d_e) / t.sigma) ** 2 > 2.706  # outside the 90 % CL region


def test_gradients_against_finite_differences(bench):
    def point(x):
        q = _with(bench, **dict(zip(_X_NAMES, x[:5], strict=True)))
        return eqx.tree_at(lambda t: t.lam, q, x[5])

    def f(x):
        return asymmetric_freezein(point(x), SPEC).eta_b

    x0 = jnp.array([250.0, 600.0, 400.0, 10.0, -math.pi / 30, float(bench.lam)])
    g = np.asarray(jax.jit(jax.grad(f))(x0))  # reverse mode (the fit below differentiates in forward mode)

    def fj(x):
        # the finite differences go through the module's compiled _CHAIN (the same chain, the same point built
        # outside the trace): a jax.jit(f) of their own would compile the spectrum chain a second time (~10 s)
        return _CHAIN(point(x)).eta_b

    for i in range(6):
        h = 1e-4 * abs(float(x0[i]))
        e = np.zeros(6)
        e[i] = h
        fd = (float(fj(x0 + e)) - float(fj(x0 - e))) / (2 * h)
        assert g[i] != 0.0
        assert g[i] == pytest.approx(fd, rel=2e-4), (_X_NAMES + ("lam",))[i]
    # lam: eta ~ lam^2 (no inverse decays)
    assert g[5] * float(x0[5]) / float(fj(x0)) == pytest.approx(2.0, rel=1e-5)


def test_batch_equals_loop_and_bad_point_flagged(bench):
    pts = [
        dict(M1=250.0, M2=600.0, mu=400.0, tan_beta=10.0, phi_1=0.0, phi_mu=-math.pi / 30),
        dict(M1=250.0, M2=600.0, mu=400.0, tan_beta=float("nan"), phi_1=0.0, phi_mu=0.2),  # bad spectrum
        # chi-_1 (about 10 GeV) lighter than chi0_1: a decaying state below the LOSP (STATUS_SPECTRUM)
        dict(M1=100.0, M2=400.0, mu=100.0, tan_beta=1.0, phi_1=math.pi, phi_mu=-0.1),
    ]
    spec = GauginoHiggsinoParams(**{k: jnp.asarray([q[k] for q in pts]) for k in pts[0]})
    pb = HallParams.batch(base=bench, spectrum=spec)
    ob = asymmetric_freezein_batch(pb, SPEC, chunk_size=2)  # the chunked path (as "auto" for large batches)
    assert int(ob.status[1]) == STATUS_BAD_INPUT and float(ob.eta_b[1]) == 0.0
    assert all(np.all(np.isfinite(np.asarray(v))) for v in jax.tree_util.tree_leaves(ob))
    assert int(ob.status[0]) == 0 and int(ob.flags[0]) == 0
    assert int(ob.flags[2]) & STATUS_SPECTRUM
    for i in (0, 2):
        oi = _CHAIN(_with(bench, **pts[i]))
        for k in ("eta_b", "yield_fi", "decay_length", "t_x_decay"):
            assert float(getattr(ob, k)[i]) == pytest.approx(float(getattr(oi, k)), rel=1e-10), (i, k)
        np.testing.assert_allclose(np.asarray(ob.epsilon[i]), np.asarray(oi.epsilon), rtol=1e-10)
        assert int(ob.flags[i]) == int(oi.flags) and int(ob.status[i]) == int(oi.status)
    assert float(ob.eta_b[0]) == pytest.approx(float(_CHAIN(bench).eta_b), rel=1e-10)
    # a single bad point: flagged, finite, zero outputs (not raised: the chain is traced)
    ob1 = _CHAIN(_with(bench, M2=-600.0))
    assert int(ob1.status) == STATUS_BAD_INPUT and float(ob1.eta_b) == 0.0
    with pytest.raises(ValueError, match="spectrum"):
        asymmetric_freezein(HallParams.benchmark(), SPEC)


def test_fit_recovers_phase_and_lam(bench):
    """Synthetic targets from a known point (eta_B, Omega_X h^2 and the LOSP decay length, which separates lam from
    the phase: eta_B and Omega_X h^2 both scale as lam^2 f(phi)); start nearby, few steps."""
    truth_phi, truth_lam = -0.09, 6.3e-9
    truth = _CHAIN(_with(eqx.tree_at(lambda q: q.lam, bench, jnp.asarray(truth_lam)), phi_mu=truth_phi))
    assert int(truth.status) == 0
    targets = [
        jfit.Target("eta_b", float(truth.eta_b), 1e-3 * float(truth.eta_b)),
        jfit.Target("omega_x_h2", float(truth.omega_x_h2), 1e-3 * float(truth.omega_x_h2)),
        jfit.Target("decay_length", float(truth.decay_length), 1e-3 * float(truth.decay_length)),
    ]
    free = [jfit.FreeParameter("spectrum.phi_mu", "periodic", -math.pi, math.pi), jfit.FreeParameter("lam")]
    res = jfit.fit(
        lambda q: asymmetric_freezein(q, SPEC),
        bench,
        free,
        targets,
        n_starts=1,
        steps=0,
        polish=12,
        start=np.array([[-math.pi / 30, 5.8e-9]]),
        hessian="gauss-newton",
    )
    assert res.value("spectrum.phi_mu") == pytest.approx(truth_phi, rel=1e-5)
    assert res.value("lam") == pytest.approx(truth_lam, rel=1e-5)
    assert res.error("lam") > 0 and res.error("spectrum.phi_mu") > 0
