"""The asymmetric freeze-in toy (jaxgen._unitarity_rates) as a jaxgen.kinetics network: the build-time unitarity check
accepts the consistent reaction set and rejects the decay-only one; the network's solve equals the direct solve."""

import equinox as eqx
import numpy as np
import pytest

from jaxgen import _unitarity_rates as u
from jaxgen import kinetics as kin

M_B = 1000.0
H_MB = float(u._DEFAULT_COSMO.hubble(M_B))
P = u.ToyParams(m_b=M_B, width=10.0 * H_MB, br_x=1e-6, eps=1e-8, m_x=1.0)  # K = 10: B in equilibrium (Hook)


def test_build_time_unitarity_check():
    params = u.toy_network_params(P)
    net = u.toy_network("consistent", check_params=params)  # numerical sum rule at T = m_B, 10 m_B: accepted
    assert set(net.reaction_names) >= {"B_to_Xl", "B_to_ah", "ah_to_Xl", "Xl_to_XlBar"}
    with pytest.raises(ValueError, match=r"unitarity/CPT violated for the state X \+ l.*B_to_Xl"):
        u.toy_network("decay_only")
    with pytest.raises(ValueError, match="processes"):
        u.toy_network("unsubtracted")


def test_network_solve_equals_direct_solve():
    """Same equations, independent code (the network's rates, RIS subtraction and bath chemical potentials vs the
    hand-written system of doc sec. 5): Y_DeltaX = eps Y_B(x_min) (the net decays of B, Hook limit) in both."""
    net = u.toy_network("consistent")
    params = u.toy_network_params(P)
    settings = kin.KineticsSettings(solver="rosenbrock", n_steps=600)

    # both solves in one compiled function (no eager post-processing of the direct solve);
    # x = m_B/T from 0.05 to 200 (B has decayed by then; the network's yields of B underflow near x ~ 1e4)
    @eqx.filter_jit
    def both(q, p):
        return kin.solve(net, q, M_B / 0.05, M_B / 200.0, densities={"X": 0.0}, settings=settings), u.solve_toy(p)

    res, direct = both(params, P)
    assert int(res.status) == 0 and int(direct.status) == 0
    np.testing.assert_allclose(float(res.asymmetry("X")), float(direct.y_delta_x), rtol=1e-5)
    # the network's densities are per particle (n_X = n_Xbar at this order): Y_X + Y_Xbar = 2 Y_X
    np.testing.assert_allclose(2.0 * float(res.densities[1]), float(direct.y_x), rtol=1e-5)
    # and both are the Hook-limit number eps Y_B^eq(x_min), not HMW's decay-only eps_HMW Y_X (~K larger)
    np.testing.assert_allclose(float(direct.y_delta_x), 1e-8 * float(direct.y_b_grid[0]), rtol=1e-2)
    assert float(direct.y_delta_x_hmw) > 10.0 * float(direct.y_delta_x)
