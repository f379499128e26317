"""Tests of jaxgen._paths, the one implementation of dotted parameter paths ("lam", "gh.M2", "phase.0") used by
sweep, fit, sensitivity and runcard: node access, leaf names, scalar locations, immutable get/set (also under
jit, vmap and grad, and on batched leaves), array-field expansion, and error messages that name the path and the
valid fields."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import _paths
from jaxgen._paths import (
    Loc,
    array_element,
    expand_path,
    explode_arrays,
    floats_to_arrays,
    get_indexed,
    get_status,
    get_values,
    is_float_like,
    leaf_names,
    resolve_path,
    scalar_paths,
    set_path,
    set_values,
    split_path,
    status_value,
    suggest,
    tree_get,
)


class Inner(eqx.Module):
    M2: jax.Array
    mu: float


class P(eqx.Module):
    lam: jax.Array
    phase: jax.Array
    m: jax.Array
    gh: Inner
    n: int
    masses: tuple
    couplings: dict


def point():
    return P(
        lam=jnp.asarray(0.5),
        phase=jnp.asarray([0.1, 0.2, 0.3]),
        m=jnp.arange(6.0).reshape(2, 3),
        gh=Inner(M2=jnp.asarray(600.0), mu=900.0),
        n=3,
        masses=(jnp.asarray(1.0), jnp.asarray(2.0)),
        couplings={"y": jnp.asarray(0.7)},
    )


def test_public_names_are_one_implementation():
    import jaxgen.fit
    import jaxgen.sweep
    from jaxgen import _fit, _sensitivity, _sweep
    from jaxgen.runcard import _build as _runcard

    assert jaxgen.sweep.tree_get is tree_get and jaxgen.sweep.leaf_names is leaf_names
    assert jaxgen.fit.resolve_path is resolve_path and jaxgen.fit.set_values is set_values
    assert jaxgen.fit.get_values is get_values and jaxgen.fit.scalar_paths is scalar_paths
    assert _fit._Loc is Loc and _sensitivity._Loc is Loc and _sweep.tree_get is tree_get
    assert _runcard._suggest is suggest and _runcard._get_path is get_indexed and _runcard._set_path is set_path
    # the old copies are gone: whatever of these names a module still has is the _paths object
    for mod, names in (
        (_sweep, ("_split", "_step", "_array_element", "_key_name")),
        (_fit, ("_Loc", "_is_float_like", "_floats_to_arrays", "_get_status", "_status_value")),
        (_sensitivity, ("_expand_one", "_values", "_status_value")),
        (_runcard, ("_get_path", "_set_path", "_explode_arrays", "_leaf_paths", "_suggest")),
    ):
        for n in names:
            obj = getattr(mod, n, None)
            assert obj is None or obj.__module__ == "jaxgen._paths", (mod.__name__, n)


def test_split_path():
    assert split_path("gh.M2") == ("gh", "M2")
    for bad in ("", "a..b", ".a", "a.", 3, None):
        with pytest.raises(ValueError, match="non-empty dotted string like 'lam' or 'gh.M2'"):
            split_path(bad)


def test_tree_get_nodes_and_errors():
    p = point()
    assert float(tree_get(p, "gh.M2")) == 600.0 and tree_get(p, "gh.mu") == 900.0
    assert float(tree_get(p, "masses.1")) == 2.0 and float(tree_get(p, "couplings.y")) == 0.7
    assert tree_get(p, "phase").shape == (3,)
    assert float(tree_get(p, "phase.2", index_arrays=True)) == 0.3
    assert float(tree_get(p, "m.1.2", index_arrays=True)) == 5.0
    with pytest.raises(ValueError, match=r"'gh.M3': Inner has no field 'M3' \(fields: \['M2', 'mu'\]\)"):
        tree_get(p, "gh.M3")
    with pytest.raises(ValueError, match=r"'lamda': P has no field 'lamda' \(fields: \['lam', 'phase', 'm', 'gh'"):
        tree_get(p, "lamda")
    with pytest.raises(ValueError, match=r"'couplings.z': no key 'z' in dict \(keys: \['y'\]\)"):
        tree_get(p, "couplings.z")
    with pytest.raises(ValueError, match=r"'masses.2': '2' is not a valid index of a sequence of length 2"):
        tree_get(p, "masses.2")
    with pytest.raises(ValueError, match=r"'phase.3': '3' is not a valid index of an array of shape \(3,\)"):
        tree_get(p, "phase.3", index_arrays=True)
    with pytest.raises(ValueError, match="'phase.0'"):  # array elements only where asked for
        tree_get(p, "phase.0")


def test_leaf_names_and_array_element():
    p = point()
    assert leaf_names(p) == ["lam", "phase", "m", "gh.M2", "gh.mu", "n", "masses.0", "masses.1", "couplings.y"]
    assert leaf_names(jnp.zeros(2)) == ["value"]
    assert array_element(p, "phase.1") == ("phase", (1,))
    assert array_element(p, "m.1.0") == ("m", (1, 0))
    assert array_element(p, "gh.M2") == ("gh.M2", None)
    assert array_element(p, "masses.0") == ("masses.0", None)


def test_resolve_path_and_its_errors():
    p = point()
    assert resolve_path(p, "lam") == Loc("lam", "lam", ())
    assert resolve_path(p, "phase.2") == Loc("phase.2", "phase", (2,))
    assert resolve_path(p, "m.1.2") == Loc("m.1.2", "m", (1, 2))
    assert resolve_path(p, "masses.1") == Loc("masses.1", "masses.1", ())
    with pytest.raises(
        ValueError,
        match=r"unknown free parameter path 'lamda': .*no field 'lamda'.*\(leaves: \["
        r"'lam', 'phase'",
    ):
        resolve_path(p, "lamda", what="free parameter")
    with pytest.raises(
        ValueError, match="parameter 'phase' is an array of shape \\(3,\\); name one element, e.g. 'phase.0'"
    ):
        resolve_path(p, "phase")
    with pytest.raises(ValueError, match="'m' is an array of shape \\(2, 3\\); name one element, e.g. 'm.0.0'"):
        resolve_path(p, "m")
    with pytest.raises(ValueError, match=r"'phase.5': index 5 out of range for an array of shape \(3,\)"):
        resolve_path(p, "phase.5")
    with pytest.raises(ValueError, match=r"'m.1': 1 index\(es\) for an array of shape \(2, 3\)"):
        resolve_path(p, "m.1")
    with pytest.raises(ValueError, match="'n' is a int; only floating-point leaves can be varied"):
        resolve_path(p, "n")
    assert resolve_path(p, "n", require_float=False) == Loc("n", "n", ())
    with pytest.raises(ValueError, match="a target path must be a non-empty dotted string"):
        resolve_path(p, "", what="target")


def test_expand_and_scalar_paths():
    p = point()
    assert [loc.path for loc in expand_path(p, "phase", "input")] == ["phase.0", "phase.1", "phase.2"]
    assert [loc.index for loc in expand_path(p, "m", "input")] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert expand_path(p, "phase.1", "input") == [Loc("phase.1", "phase", (1,))]
    q = eqx.tree_at(lambda t: t.phase, p, jnp.arange(3))
    with pytest.raises(ValueError, match="input 'phase' is an array of dtype int.*only floating-point leaves have"):
        expand_path(q, "phase", "input")
    with pytest.raises(ValueError, match="unknown output path 'y9'"):
        expand_path(p, "y9", "output")
    assert scalar_paths(p) == [
        "lam",
        "phase.0",
        "phase.1",
        "phase.2",
        "m.0.0",
        "m.0.1",
        "m.0.2",
        "m.1.0",
        "m.1.1",
        "m.1.2",
        "gh.M2",
        "gh.mu",
        "masses.0",
        "masses.1",
        "couplings.y",
    ]
    assert "gh.mu" not in scalar_paths(p, exclude=("mu",))


def test_get_set_values_immutable():
    p = point()
    locs = [resolve_path(p, s) for s in ("lam", "phase.1", "m.1.0", "gh.M2", "phase.2", "couplings.y")]
    np.testing.assert_array_equal(get_values(p, locs), [0.5, 0.2, 3.0, 600.0, 0.3, 0.7])
    new = set_values(p, locs, jnp.asarray([1.0, 2.0, 3.5, 4.0, 5.0, 6.0]))
    np.testing.assert_array_equal(get_values(new, locs), [1.0, 2.0, 3.5, 4.0, 5.0, 6.0])
    np.testing.assert_array_equal(new.phase, [0.1, 2.0, 5.0])
    np.testing.assert_array_equal(p.phase, [0.1, 0.2, 0.3])  # the original is untouched
    assert float(p.lam) == 0.5 and new.gh.mu == 900.0 and new.phase.dtype == p.phase.dtype
    assert set_values(p, [], jnp.zeros(0)) is p
    assert get_values(p, []).shape == (0,)
    with pytest.raises(ValueError):
        get_values(p, [], allow_empty=False)


def test_set_values_under_jit_vmap_grad_and_batched_leaves():
    p = point()
    locs = [resolve_path(p, "phase.1"), resolve_path(p, "lam")]

    def f(x):
        q = set_values(p, locs, x)
        return jnp.sum(q.phase**2) * q.lam

    x = jnp.asarray([2.0, 3.0])
    np.testing.assert_allclose(jax.jit(f)(x), (0.01 + 4.0 + 0.09) * 3.0, rtol=1e-15)
    np.testing.assert_allclose(jax.grad(f)(x), [2 * 2.0 * 3.0, 0.01 + 4.0 + 0.09], rtol=1e-15)
    xs = jnp.asarray([[1.0, 1.0], [2.0, 3.0]])
    np.testing.assert_allclose(jax.vmap(f)(xs), [0.01 + 1.0 + 0.09, (0.01 + 4.0 + 0.09) * 3.0], rtol=1e-15)
    # a batched point (leading batch axis on every leaf): vmap over the tree, the same paths per point
    batch = jax.vmap(lambda v: eqx.tree_at(lambda t: t.phase, p, p.phase * v))(jnp.asarray([1.0, 10.0]))
    got = jax.vmap(lambda t: get_values(t, locs))(batch)
    np.testing.assert_allclose(got, [[0.2, 0.5], [2.0, 0.5]], rtol=1e-15)
    moved = jax.vmap(lambda t, v: set_values(t, locs[:1], v))(batch, jnp.asarray([[7.0], [8.0]]))
    np.testing.assert_allclose(moved.phase, [[0.1, 7.0, 0.3], [1.0, 8.0, 3.0]], rtol=1e-15)
    assert float(tree_get(batch, "phase.1.2", index_arrays=True)) == pytest.approx(3.0)


def test_get_indexed_set_path_explode():
    p = point()
    assert float(get_indexed(p, "phase.1")) == 0.2 and float(get_indexed(p, "gh.M2")) == 600.0
    with pytest.raises(ValueError, match=r"'phase.7': index 7 out of range for 'phase' of length 3"):
        get_indexed(p, "phase.7")
    with pytest.raises(ValueError, match="no field 'nope'"):
        get_indexed(p, "nope.0")
    q = set_path(p, "phase.1", jnp.asarray(9.0))
    np.testing.assert_array_equal(q.phase, [0.1, 9.0, 0.3])
    np.testing.assert_array_equal(p.phase, [0.1, 0.2, 0.3])
    q = set_path(q, "phase", jnp.asarray([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(q.phase, [1.0, 2.0, 3.0])
    assert float(set_path(p, "gh.M2", jnp.asarray(7.0)).gh.M2) == 7.0
    e, restore = explode_arrays(p, ["phase.1", "lam"])
    assert isinstance(e.phase, tuple) and len(e.phase) == 3 and leaf_names(e)[1:4] == ["phase.0", "phase.1", "phase.2"]
    np.testing.assert_array_equal(restore(e).phase, p.phase)
    same, _ = explode_arrays(p, ["lam", "masses.1"])
    assert same is p


def test_small_helpers():
    assert is_float_like(1.0) and is_float_like(np.float32(1)) and is_float_like(jnp.zeros(2))
    assert not is_float_like(True) and not is_float_like(2) and not is_float_like(jnp.zeros(2, int))
    assert is_float_like(jax.ShapeDtypeStruct((), jnp.float64))
    t = floats_to_arrays({"a": 1.0, "b": 2, "c": "s"})
    assert hasattr(t["a"], "shape") and t["b"] == 2 and t["c"] == "s"
    assert get_status({"status": 3}) == 3 and get_status(point()) is None
    assert int(status_value({"status": jnp.asarray([0, -5, 2])})) == 5 and int(status_value(point())) == 0
    assert suggest("lamb", ["lam", "phase"]) == " Did you mean 'lam'?"
    assert suggest("zzz", ["lam", "phase"]) == " Valid keys: lam, phase."
    assert suggest("zzz", []) == " Valid keys: (none)."
    assert _paths.__doc__ and "phase.0" in _paths.__doc__
