"""The point function and the analysis of the eq. (4.2) sweep (jaxgen.reproduce.hall_sweep); one tiny compile."""

import math

import numpy as np
import pytest

pytest.importorskip("xarray")

from jaxgen import constants as c
from jaxgen import signatures as sg
from jaxgen.reproduce import hall_sweep as hs
from jaxgen.scenarios import hall as sh
from jaxgen.sweep import run_sweep

N = 256


@pytest.fixture(scope="module")
def ds():
    run = run_sweep(hs.make_point_fn(hs.make_settings()), hs.make_design(N), chunk_size=N, quiet=True)
    return run.dataset


def test_m_x_is_required_and_relic_length_is_derived_eq_4_2(ds):
    # Hall et al. 2010 eq. (3.2): m_X = |c| m_p Omega_DM/Omega_b; eq. (4.2) derived (jaxgen.signatures), g_* = 100.
    g = {k: np.asarray(ds[k]) for k in ds.data_vars}
    m_x = np.abs(g["b_over_bml"]) * c.M_PROTON * c.PLANCK_2018.dm_to_baryon
    # lambda up to 1e-6 overproduces X (Y_FI >= Y_X^eq: freeze-in does not apply): those points, and only those, carry
    # the error bit STATUS_OVERPRODUCED; every other point is valid
    st = g["status"]
    over = st == sh.STATUS_OVERPRODUCED
    assert np.all((st == 0) | over) and 0 < over.sum() < N
    assert np.all(g["yield_fi"][over] > g["yield_fi"][~over].max())  # the largest freeze-in yields, nothing else
    np.testing.assert_allclose(g["m_x_required"], m_x, rtol=1e-14)
    np.testing.assert_allclose(g["dm_to_baryon"], c.PLANCK_2018.dm_to_baryon, rtol=1e-13)
    eps = np.abs(g["epsilon"][:, 0])
    m_a = g["m_losp"] * g["mass_ratio"]
    np.testing.assert_allclose(
        g["decay_length_relic"], np.asarray(sg.losp_decay_length(eps, m_x, m_a, g["m_losp"])), rtol=1e-9
    )
    # the swept ranges are respected
    for path, lo, hi, _, _ in hs.AXES:
        assert np.all((g[path] >= lo) & (g[path] <= hi)), path


def test_analyse_allowed_mask_and_nan_count(ds):
    res = hs.analyse(ds)
    n_over = int((np.asarray(ds["status"]) == sh.STATUS_OVERPRODUCED).sum())
    assert res["n"] == N and res["n_nan"] == 0 and res["n_valid"] == N - n_over
    a = res["_arrays"]
    eta_b = np.asarray(ds["eta_b"])
    # allowed points: eta_B within 5 % of Y_B, so the LHC decay length is the relic one within 1/0.95 - 1
    assert np.all(np.abs(eta_b[a["allowed"]] / c.PLANCK_2018.baryon_yield - 1) < hs.ETA_B_TOL)
    assert res["n_allowed"] <= res["n_eta_b_within_tol"] <= N - res["n_eta_b_wrong_sign"]
    # force one point onto Y_B with good flags -> it must be counted allowed; a NaN must be counted
    bad = sh.STATUS_THERMALIZED | sh.STATUS_SYMMETRIC_SURVIVES | sh.STATUS_NO_ASYMMETRY | sh.STATUS_SPECTRUM
    ok_flags = np.flatnonzero((np.asarray(ds["flags"]) & bad) == 0)
    assert ok_flags.size
    d2 = ds.copy(deep=True)
    i = int(ok_flags[0])
    d2["eta_b"].values[i] = c.PLANCK_2018.baryon_yield * 1.01
    d2["eta_b"].values[(i + 1) % N] = -c.PLANCK_2018.baryon_yield  # wrong sign: never allowed
    d2["t_x_fo"].values[(i + 2) % N] = math.nan
    res2 = hs.analyse(d2)
    assert res2["_arrays"]["allowed"][i] and not res2["_arrays"]["allowed"][(i + 1) % N]
    assert res2["n_nan"] == 1
