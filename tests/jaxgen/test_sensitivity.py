"""Tests of jaxgen.sensitivity (issue 6, item 2): Jacobians and log-elasticities against analytic values and finite
differences, undefined entries flagged (never NaN), tables and figures, comparisons over the g_* tables, and the
real chains of both papers at their benchmark points against the power laws they are built from."""

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.cosmology import TABLES, Cosmology
from jaxgen.sensitivity import compare_choices, compare_tables, finite_difference_jacobian, gstar_table_names, jacobian


class P(eqx.Module):
    a: jax.Array
    b: jax.Array
    phase: jax.Array  # (2,)
    k: jax.Array  # an integer leaf


class Out(eqx.Module):
    y1: jax.Array
    y2: jax.Array
    y3: jax.Array
    y4: jax.Array
    status: jax.Array


def chain(p: P) -> Out:
    # y1 = 3 a^2 b^-1/2, y2 = a sin(phi_0), y3 = exp(-b/a), y4 = a phi_1 (= 0 at phi_1 = 0); status 1 for a < 0
    bad = p.a < 0
    nan = jnp.where(bad, jnp.nan, 1.0)
    return Out(
        3 * p.a**2 / jnp.sqrt(p.b) * nan,
        p.a * jnp.sin(p.phase[0]),
        jnp.exp(-p.b / p.a) * nan,
        p.a * p.phase[1],
        jnp.where(bad, 1, 0).astype(jnp.int32),
    )


PT = P(a=jnp.asarray(1.7), b=jnp.asarray(2.5), phase=jnp.array([0.4, 0.0]), k=jnp.asarray(3))
INPUTS = ("a", "b", "phase.0", "phase.1")
OUTPUTS = ("y1", "y2", "y3", "y4")


def _analytic():
    a, b, ph = 1.7, 2.5, 0.4
    y = np.array([3 * a**2 / math.sqrt(b), a * math.sin(ph), math.exp(-b / a), 0.0])
    J = np.array(
        [
            [6 * a / math.sqrt(b), -1.5 * a**2 * b**-1.5, 0, 0],
            [math.sin(ph), 0, a * math.cos(ph), 0],
            [b / a**2 * y[2], -y[2] / a, 0, 0],
            [0, 0, 0, a],
        ]
    )
    E = np.array([[2, -0.5, 0, 0], [1, 0, ph / math.tan(ph), 0], [b / a, -b / a, 0, 0], [0, 0, 0, 0]], float)
    return y, J, E


@pytest.fixture(scope="module", params=["fwd", "rev"])
def table(request):
    return jacobian(chain, PT, mode=request.param)


def test_names_and_values(table):
    # default inputs: every float scalar (arrays element by element; the int leaf k is skipped); outputs: every
    # float leaf except status
    assert table.inputs == INPUTS and table.outputs == OUTPUTS
    y, _, _ = _analytic()
    np.testing.assert_allclose(table.input_values, [1.7, 2.5, 0.4, 0.0])
    np.testing.assert_allclose(table.output_values, y, rtol=1e-14)
    assert table.status == 0


def test_jacobian_and_elasticity_vs_analytic(table):
    _, J, E = _analytic()
    np.testing.assert_allclose(table.jacobian, J, rtol=1e-13, atol=1e-15)
    ok = table.elasticity_ok
    # undefined: everything in the column of phase.1 (= 0) and the row of y4 (= 0); never NaN
    expected_ok = np.ones((4, 4), bool)
    expected_ok[:, 3] = False
    expected_ok[3, :] = False
    np.testing.assert_array_equal(ok, expected_ok)
    np.testing.assert_array_equal(table.zero_input, [False, False, False, True])
    np.testing.assert_array_equal(table.zero_output, [False, False, False, True])
    assert np.all(np.isfinite(table.elasticity)) and np.all(table.elasticity[~ok] == 0)
    np.testing.assert_allclose(table.elasticity[ok], E[ok], rtol=1e-13, atol=1e-15)
    # the Jacobian itself is defined there: dy4/dphase1 = a
    assert table.jacobian_ok[3, 3] and table.get("y4", "phase.1", "jacobian") == pytest.approx(1.7)
    assert math.isnan(table.get("y4", "phase.1"))
    assert table.get("y1", "a") == pytest.approx(2.0, rel=1e-14)
    assert table.ranked("y1") == [("a", pytest.approx(2.0)), ("b", pytest.approx(-0.5)), ("phase.0", 0.0)]


def test_finite_difference_check(table):
    # central 5-point stencil: truncation O(h^4) ~ 1e-12, rounding ~ eps/rel_step ~ 2e-13
    assert table.finite_difference_check() < 1e-9
    _, J, _ = _analytic()
    np.testing.assert_allclose(table.finite_difference_jacobian(), J, rtol=1e-9, atol=1e-12)
    # 3-point stencil: error O(h^2) ~ 1e-6 at rel_step 1e-3
    err2 = table.finite_difference_check(order=2)
    assert 1e-9 < err2 < 1e-5
    # and the check really detects a wrong Jacobian
    broken = eqx.tree_at(lambda t: t.jacobian, table, table.jacobian * (1 + 1e-4))
    assert broken.finite_difference_check() == pytest.approx(1e-4, rel=1e-3)


def test_one_sided_differences_at_a_domain_edge():
    # f(x) = x^(3/2) for x >= 0 (status 1 below): at x = 0 only the forward side is valid
    class Q(eqx.Module):
        x: jax.Array

    class R(eqx.Module):
        f: jax.Array
        status: jax.Array

    def edge(q):
        return R(jnp.where(q.x >= 0, (jnp.abs(q.x) + 1.0) ** 1.5, jnp.nan), jnp.where(q.x >= 0, 0, 1))

    J, ok = finite_difference_jacobian(edge, Q(jnp.asarray(0.0)), rel_step=1e-4, return_ok=True)
    assert ok.all() and J[0, 0] == pytest.approx(1.5, rel=1e-7)  # second-order forward difference
    tab = jacobian(edge, Q(jnp.asarray(0.0)))
    assert tab.zero_input[0] and not tab.elasticity_ok[0, 0] and tab.jacobian[0, 0] == pytest.approx(1.5)
    assert tab.finite_difference_check(rel_step=1e-4, include_zero_inputs=True) < 1e-7
    assert tab.finite_difference_errors(include_zero_inputs=False)[0, 0] == 0.0  # skipped by default


def test_status_point_gives_flags_not_nan():
    bad = eqx.tree_at(lambda p: p.a, PT, jnp.asarray(-1.0))
    tab = jacobian(chain, bad, inputs=["a", "b"], outputs=["y1", "y3"])
    assert tab.status == 1
    assert not tab.jacobian_ok.any() and not tab.elasticity_ok.any()
    assert np.all(np.isfinite(tab.jacobian)) and np.all(np.isfinite(tab.elasticity))
    assert np.all(np.isfinite(tab.output_values)) is np.False_  # the chain's own NaN outputs are reported as is
    with pytest.raises(ValueError, match="status is 1"):
        tab.finite_difference_check()
    # with a bit mask that does not include bit 1 the point counts as valid (its outputs are NaN: still flagged)
    tab2 = jacobian(chain, bad, inputs=["a"], outputs=["y2"], bad_status=2)
    assert tab2.jacobian_ok.all() and tab2.get("y2", "a") == pytest.approx(1.0)


def test_selection_and_array_expansion():
    tab = jacobian(chain, PT, inputs=["phase"], outputs="y2")
    assert tab.inputs == ("phase.0", "phase.1") and tab.outputs == ("y2",)
    assert tab.get("y2", "phase.0") == pytest.approx(0.4 / math.tan(0.4), rel=1e-13)


def test_markdown_dataset_plot(table, tmp_path):
    md = table.to_markdown()
    assert "| `y1` | 5.483 | 2 | -0.5 | 0 | -- |" in md
    assert "`phase.0` = 0.4" in md and "d ln|y| / d ln|x|" in md
    md_j = table.to_markdown(kind="jacobian", outputs=["y4"], units={"a": "GeV"})
    assert "`a` [GeV] = 1.7" in md_j and "| `y4` | 0 | 0 | 0 | 0 | 1.7 |" in md_j
    ds = table.to_dataset()
    assert ds.elasticity.dims == ("output", "input") and list(ds.input.values) == list(INPUTS)
    np.testing.assert_array_equal(ds.elasticity_ok.values, table.elasticity_ok)
    path = tmp_path / "el.png"
    table.plot(path, labels={"a": "a [GeV]"}, title="toy")
    assert path.stat().st_size > 10_000
    with pytest.raises(ValueError, match="kind must be"):
        table.to_markdown(kind="hessian")


def test_bad_inputs():
    with pytest.raises(ValueError, match="unknown input path 'c'"):
        jacobian(chain, PT, inputs=["c"])
    with pytest.raises(ValueError, match="only floating-point"):
        jacobian(chain, PT, inputs=["k"])
    with pytest.raises(ValueError, match="unknown output path 'y9'"):
        jacobian(chain, PT, outputs=["y9"])
    with pytest.raises(ValueError, match="only floating-point outputs"):
        jacobian(chain, PT, outputs=["status"])
    with pytest.raises(ValueError, match="mode must be"):
        jacobian(chain, PT, mode="central")
    with pytest.raises(ValueError, match="duplicate inputs"):
        jacobian(chain, PT, inputs=["a", "a"])
    with pytest.raises(ValueError, match="rel_step must be > 0"):
        finite_difference_jacobian(chain, PT, rel_step=0.0)
    with pytest.raises(ValueError, match="is not an output"):
        jacobian(chain, PT, inputs="a", outputs="y1").get("y2", "a")


# ------------------------------------------------------------------------------------------------------------
# discrete choices: the g_* table
# ------------------------------------------------------------------------------------------------------------
class T(eqx.Module):
    temperature: jax.Array


class G(eqx.Module):
    g_s: jax.Array
    hubble: jax.Array
    status: jax.Array


def gstar_chain(p: T, cosmology=None) -> G:
    cosmo = cosmology or Cosmology()
    return G(cosmo.g_s(p.temperature), cosmo.hubble(p.temperature), jnp.asarray(0, jnp.int32))


def test_compare_tables():
    assert gstar_table_names() == tuple(t for t in TABLES if t != "constant")
    cmp = compare_tables(gstar_chain, T(jnp.asarray(500.0)), outputs=["g_s", "hubble"])
    assert cmp.choices == gstar_table_names() and cmp.reference == 0
    direct = np.array(
        [[float(Cosmology(table=t).g_s(500.0)), float(Cosmology(table=t).hubble(500.0))] for t in cmp.choices]
    )
    np.testing.assert_allclose(cmp.values, direct, rtol=1e-14)
    np.testing.assert_allclose(cmp.relative_deviation, direct / direct[0] - 1, rtol=1e-12, atol=1e-15)
    spread = (direct.max(0) - direct.min(0)) / direct.mean(0)
    np.testing.assert_allclose(cmp.spread, spread, rtol=1e-12)
    # H ~ sqrt(g_*rho): the tables differ by 2-3 % above the electroweak scale (jaxgen.cosmology docstring)
    assert 0.005 < cmp.spread[0] < 0.05 and cmp.spread[1] < cmp.spread[0]
    assert "| `g_s` |" in cmp.to_markdown() and "(ref.)" in cmp.to_markdown()
    assert cmp.to_dataset().value.dims == ("choice", "output")


def test_compare_choices_flags_bad_choice():
    good = lambda p: G(p.temperature, p.temperature, jnp.asarray(0, jnp.int32))  # noqa: E731
    bad = lambda p: G(jnp.nan * p.temperature, p.temperature, jnp.asarray(4, jnp.int32))  # noqa: E731
    cmp = compare_choices({"good": good, "bad": bad}, T(jnp.asarray(2.0)))
    assert cmp.valid.tolist() == [[True, True], [False, False]] and np.all(np.isfinite(cmp.values))
    assert cmp.spread.tolist() == [0.0, 0.0] and "status 4" in cmp.to_markdown()
    cmp2 = compare_choices({"good": good, "bad": bad}, T(jnp.asarray(2.0)), bad_status=1)
    assert cmp2.valid.tolist() == [[True, True], [False, True]]  # NaN output still flagged
    with pytest.raises(ValueError, match="reference 'x' is not one of"):
        compare_choices({"good": good}, T(jnp.asarray(2.0)), reference="x")


# ------------------------------------------------------------------------------------------------------------
# the real chains at their benchmark points: elasticities of the power laws they are built from
# ------------------------------------------------------------------------------------------------------------
def test_hall_chain_elasticities():
    from jaxgen.scenarios import hall as hall

    p = hall.HallParams.benchmark()
    tab = jacobian(
        hall.asymmetric_freezein,
        p,
        inputs=["lam", "phase.0", "m_x", "b_over_bml", "m_losp"],
        outputs=["eta_b", "omega_x_h2", "decay_length", "m_x_required", "dm_to_baryon"],
    )
    assert tab.status == 0 and tab.mode == "fwd"
    phi = float(p.phase[0])
    expect = {  # Hall et al. 2010 eqs. (1.1), (2.7), (3.1)-(3.2), (4.1) via the chain's items 1-6
        ("eta_b", "lam"): 2.0,
        ("eta_b", "phase.0"): phi / math.tan(phi),
        ("eta_b", "b_over_bml"): 1.0,
        ("eta_b", "m_x"): 0.0,
        ("omega_x_h2", "m_x"): 1.0,
        ("omega_x_h2", "b_over_bml"): 0.0,
        ("omega_x_h2", "lam"): 2.0,
        ("decay_length", "lam"): -2.0,
        ("decay_length", "m_losp"): -1.0,
        ("decay_length", "m_x"): 0.0,
        ("m_x_required", "b_over_bml"): 1.0,
        ("m_x_required", "lam"): 0.0,
        ("dm_to_baryon", "m_x"): 1.0,
        ("dm_to_baryon", "b_over_bml"): -1.0,
        ("dm_to_baryon", "lam"): 0.0,
    }
    for (o, i), e in expect.items():
        assert tab.get(o, i) == pytest.approx(e, rel=1e-9, abs=1e-12), (o, i)


def test_ardu_chain_elasticities():
    from jaxgen.scenarios import ardu as ardu

    st = ardu.ArduSettings(washout="none")  # epsilon = 1 (Table 2); the cheapest compile
    ch = functools.partial(ardu.rsymmetric_adm, settings=st)
    tab = jacobian(
        ch,
        ardu.ArduParams.benchmark(),
        inputs=["m_nlsp", "dm_to_baryon", "proton_mass", "lambda1"],
        outputs=["m_gravitino", "tau_nlsp", "epsilon"],
    )
    assert tab.status == 0
    # Ardu et al. 2025 eq. (25): m_3/2 = (Omega_DM/Omega_B) m_p |Delta Y_B / Delta Y_NLSP| / epsilon;
    # eq. (27) with the phase-space factor of jaxgen.signatures.nlsp_width: Gamma = m^5 (1 - r^2)^4 /
    # (48 pi m_3/2^2 M^2), r = m_3/2/m -> d ln tau/d ln m = -5 - 8 r^2/(1 - r^2),
    # d ln tau/d ln m_3/2 = 2 + 8 r^2/(1 - r^2)
    r2 = (tab.output_values[0] / 2090.0) ** 2
    ps = 8 * r2 / (1 - r2)  # 1.26e-4
    expect = {
        ("m_gravitino", "dm_to_baryon"): 1.0,
        ("m_gravitino", "proton_mass"): 1.0,
        ("m_gravitino", "m_nlsp"): 0.0,
        ("m_gravitino", "lambda1"): 0.0,
        ("tau_nlsp", "m_nlsp"): -5.0 - ps,
        ("tau_nlsp", "dm_to_baryon"): 2.0 + ps,
        ("tau_nlsp", "proton_mass"): 2.0 + ps,
        ("epsilon", "m_nlsp"): 0.0,
    }
    for (o, i), e in expect.items():
        assert tab.get(o, i) == pytest.approx(e, rel=1e-9, abs=1e-12), (o, i)


def test_plot_title_leaves_no_empty_band(table):
    """The suptitle sits just above the panel titles (constrained layout): no empty band between them."""
    import matplotlib.pyplot as plt

    fig = table.plot(None, title="toy")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    sup = next(t for t in fig.texts if t.get_text() == "toy").get_window_extent(r)
    top = max(ax.title.get_window_extent(r).y1 for ax in fig.axes if ax.get_title())
    gap = (sup.y0 - top) / fig.bbox.height
    plt.close(fig)
    assert 0.0 <= gap < 0.05, gap
