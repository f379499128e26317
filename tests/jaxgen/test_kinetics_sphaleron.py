"""jaxgen.kinetics.Sphaleron with its default rate (D'Onofrio, Rummukainen, Tranberg arXiv:1404.3565, through
jaxgen.sphaleron) in a Standard Model network: B follows the sphaleron relaxation of jaxgen.sphaleron.

Network: the SM (all Yukawa, mixing and QCD-sphaleron reactions in equilibrium, ``ew_sphaleron`` removed so that B
is a slow charge), a heavy Majorana N (m = 1 TeV, non-thermal initial yield, Gamma = H(140 GeV)) decaying to L1 H
with CP asymmetry eps (RIS-subtracted L1 H -> ~L1 ~H) as the B-L source across the crossover, and the kinetic
``Sphaleron()``. The same B-L history, fed to ``jaxgen.sphaleron.baryon_yield`` (``vev=False``: the network's
massless SM susceptibilities give chi = 28/79 and Gamma_B = (79/8) Gamma_sph/T^3), must give the network's B.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import kinetics as kin
from jaxgen import models
from jaxgen import sphaleron as sph
from jaxgen.cosmology import Cosmology
from jaxgen.models import Species

COSMO = Cosmology()
GRID = sph.SphaleronGrid(vev=False)  # 180 -> 100 GeV, 257 nodes (Richardson-extrapolated)
H140 = float(COSMO.hubble(140.0))
SM_N = models.standard_model().extend(
    "sm_plus_N", species=[Species("N", 2, "mb", mass=1000.0)], remove_reactions=["ew_sphaleron"]
)


def _width(T, p):
    return p["w"] * H140


def _eps(T, p):
    return p["eps"]


NET = kin.Network(
    SM_N,
    [
        kin.Decay("N_to_LH", "N", "L1 + H", width=_width, eps=_eps),
        kin.Scattering("LH_sub", "L1 + H", "~L1 + ~H", gamma=0.0, resonance=["N"]),
        kin.Sphaleron(),  # default rate: D'Onofrio-Rummukainen-Tranberg
    ],
    tracked=["N"],
    charges=["B", "L"],
    cosmology=COSMO,
)
# the saved grid of the solve is the sphaleron grid (both log-spaced from t_high to t_low)
SET = kin.KineticsSettings(solver="rosenbrock", n_steps=2 * (GRID.n_nodes - 1), n_save=GRID.n_nodes)


@eqx.filter_jit
def _solve(p, t_high, t_low):
    return kin.solve(NET, p, t_high, t_low, densities={"N": 1e-2}, settings=SET)


@jax.jit
def _sphaleron_side(bml):
    """jaxgen.sphaleron on the network's B-L history: (Y_B vev=False, history vev=False, Y_B vev=True)."""
    return (
        sph.baryon_yield(bml, COSMO, GRID),
        sph.baryon_history(bml, COSMO, GRID),
        sph.baryon_yield(bml, COSMO, sph.SphaleronGrid()),
    )


@pytest.fixture(scope="module")
def solved():
    res = _solve({"w": jnp.asarray(1.0), "eps": jnp.asarray(1e-8)}, jnp.asarray(GRID.t_high), jnp.asarray(GRID.t_low))
    assert int(res.status) == 0
    assert res.saved_temperatures is not None and res.saved_charges is not None
    np.testing.assert_allclose(np.asarray(res.saved_temperatures), GRID.temperatures(), rtol=1e-13)
    b, lep = np.asarray(res.saved_charges[:, 0]), np.asarray(res.saved_charges[:, 1])
    side = [np.asarray(v) for v in _sphaleron_side(jnp.asarray(b - lep))]
    return res, b, b - lep, side


def test_default_rate_is_half_the_drt_chern_simons_rate():
    r = kin.Sphaleron()
    for t in (100.0, 131.7, 150.0, 200.0):
        np.testing.assert_allclose(float(r.gamma(jnp.asarray(t), {})), 0.5 * float(sph.sphaleron_rate(t)), rtol=1e-14)
    # a user rate still wins, and the final state is 3 Q_g + L_g per generation
    assert kin.Sphaleron(gamma=2.0).gamma(1.0, {}) == 2.0
    assert sum(1 for n, _ in r.final if n.startswith("Q")) == 9 and sum(1 for n, _ in r.final if n[0] == "L") == 3
    with pytest.raises(ValueError, match="n_generations"):
        kin.Sphaleron(n_generations=0)


def test_network_baryon_number_follows_the_sphaleron_relaxation(solved):
    """B(100 GeV) of the network equals jaxgen.sphaleron.baryon_yield of the network's own B-L history (vev=False)
    to 2e-6: the sphaleron solver's grid error (module doc item 4 of jaxgen._sphaleron: 2.5e-7 at 257 nodes) plus
    the linear interpolation of B-L between nodes; the network's Rosenbrock grid is converged to 1e-9."""
    res, b, bml, (yb, _, _) = solved
    np.testing.assert_allclose(b[-1], yb, rtol=2e-6)
    np.testing.assert_allclose(float(res.charge("B")), b[-1], rtol=1e-12)
    # B-L is produced across the crossover: most of it below T* = 131.7 GeV, where sphalerons are off
    i_star = int(np.argmin(np.abs(GRID.temperatures() - sph.T_STAR_LATTICE)))
    assert 0.1 < bml[i_star] / bml[-1] < 0.9
    # so B/(B-L) today is well below the instantaneous 28/79
    assert b[-1] / bml[-1] < 0.5 * sph.CHI_SYMMETRIC


def test_symmetric_phase_ratio_and_history(solved):
    """Above the crossover (Gamma_B/H ~ 1e10) B = (28/79) (B-L) (Harvey-Turner); the whole history equals
    jaxgen.sphaleron.baryon_history (not extrapolated: 9e-5 relative grid error at 257 nodes) to 3e-4 of B(T_low)."""
    _, b, bml, (_, hist, with_vev) = solved
    temps = GRID.temperatures()
    hot = (temps > 165.0) & (temps < 175.0)
    np.testing.assert_allclose(b[hot] / bml[hot], 28.0 / 79.0, rtol=1e-6)
    assert np.max(np.abs(hist - b)) < 3e-4 * abs(b[-1])
    # with the Higgs condensate (vev=True) chi drops towards 12/37: the network (massless engine, no condensate) is
    # 2.2% above it here, within the 0 - 8.5% range of chi(T) (jaxgen._sphaleron, module doc item 3)
    assert 0.0 < b[-1] / with_vev - 1.0 < 1.0 - sph.CHI_BROKEN / sph.CHI_SYMMETRIC
