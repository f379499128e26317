"""The helpers of the report section cp_spectrum (jaxgen.reproduce.cp_spectrum): the chunked evaluation against the
direct call, the scan's table and summary. One compile of the eps kernel (a chunk of CHUNK points)."""

import importlib.util
import math
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgen.cp as cp
from jaxgen import constants as c
from jaxgen.reproduce import cp_spectrum as cs

# the report's Markdown checker (tests/jaxgen/test_report_tables.py; --import-mode=importlib puts no test dir on the path)
_spec = importlib.util.spec_from_file_location(
    "_report_tables", pathlib.Path(__file__).with_name("test_report_tables.py")
)
assert _spec is not None and _spec.loader is not None
_tables = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tables)
check_report = _tables.check_report

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def scan():
    rows = cs.eps0_scan_rows()
    picks = [rows[0], rows[4], rows[-1]]  # MI, a light-bino spectrum, the m_phi = 150 GeV point
    return picks, cs.spectrum_eps(np.array([r[1] for r in picks]))


def test_chunked_evaluation_equals_the_direct_call(scan):
    picks, res = scan
    assert res["eps_chargino"].shape == (3, 2) and res["eps_neutralino"].shape == (3, 4)
    direct = jax.jit(lambda p, m_phi: cp.cp_asymmetries_from_spectrum(p, lam=1e-10, m_phi=m_phi))
    for k, (_, x) in enumerate(picks):
        p = cp.GauginoHiggsinoParams(M1=x[0], M2=x[1], mu=x[2], tan_beta=x[3], phi_1=x[4], phi_2=x[5], phi_mu=x[6])
        r = direct(p, x[7])
        # another XLA fusion of the same float64 arithmetic: equal to round-off amplified by the loop cancellations
        np.testing.assert_allclose(res["eps_chargino"][k], np.asarray(r.eps_chargino), rtol=1e-8, atol=1e-300)
        en, en_direct = res["eps_neutralino"][k], np.asarray(r.eps_neutralino)
        if x[0] > 1e6:
            # the decoupled bino chi0_4 of the MI rows (1e8 GeV, 1e6 m_W) decays with kinematics conditioned at the
            # 1e-4 level: its eps changes by a few % between XLA fusions. Its value is not used (the MI limit is
            # about chi-_2); the other states are checked tightly.
            np.testing.assert_allclose(en[3], en_direct[3], rtol=0.1)
            en, en_direct = en[:3], en_direct[:3]
        np.testing.assert_allclose(en, en_direct, rtol=1e-8, atol=1e-300)
        np.testing.assert_allclose(res["phi_2"][k], cs.PHI2_SCAN, rtol=1e-12)
        # eps0 = eps/(alpha_w sin phi_2), eq. (2.7)
        np.testing.assert_allclose(
            res["eps0_chargino"][k], res["eps_chargino"][k] / (c.ALPHA_W * math.sin(cs.PHI2_SCAN)), rtol=1e-12
        )
    # the padding rows never leak: the LOSP chi0_1 has no open cut, and the MI point has a decoupled bino
    assert np.all(res["eps_neutralino"][:, 0] == 0.0)
    assert res["m_neutralino"][0, -1] == pytest.approx(1e8, rel=1e-6)
    assert np.all(res["sum_rule_rel"] < 1e-6)  # CPT + unitarity


def test_table_and_summary_render_clean(scan):
    picks, res = scan
    lines = cs.eps0_table_lines(picks, res)
    assert len(lines) == 2 + len(picks)
    assert check_report("## t\n\n" + "\n".join(lines) + "\n") == []
    s = cs.eps0_summary(picks, res)
    e0 = np.abs(np.concatenate([res["eps0_chargino"], res["eps0_neutralino"]], axis=1))
    assert s["max_abs_eps0"] == pytest.approx(e0.max()) and s["max_abs_eps0"] > 0
    assert s["n_nonzero"] == int(np.sum(e0 > 0))
    assert [tb for tb, _ in s["mi_tan_beta_eps0_chi2"]] == [2.0]  # one MI row among the picks


def test_scan_rows_and_bad_shape():
    rows = cs.eps0_scan_rows()
    assert len(rows) == 21 and all(len(x) == len(cs.X_FIELDS) for _, x in rows)
    assert sum(t == "MI" for t, _ in rows) == 4
    with pytest.raises(ValueError, match="shape"):
        cs.spectrum_eps(jnp.zeros((2, 3)))
