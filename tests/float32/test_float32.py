"""Single precision (JAX's default, ``jax_enable_x64`` off): every function whose docstring claims float32 support
takes float32 in, gives float32 out, and meets the claimed accuracy against float64 references.

The references are the same functions evaluated in float64 (with x64 on) at the float32-rounded inputs, stored in
references.json next to this file (regenerate: ``JAX_ENABLE_X64=1 python tests/float32/test_float32.py
--write-references``), so the
comparison measures the float32 arithmetic, not the rounding of the inputs. The Bessel functions are compared with
scipy.special directly. Only public names are imported.

Run: ``JAXGEN_TEST_FLOAT32=1 python -m pytest tests/float32`` (a separate invocation; see conftest.py).
"""

import json
import pathlib
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sps

import jaxgen_kernels as kernels
from jaxgen import cosmology, equilibrium, freezein, gravitino_mass, gravitino_prediction, models, signatures, slha
from jaxgen import washout as wo

REFERENCES = pathlib.Path(__file__).with_name("references.json")


def _arr(v, dtype):
    """Python/NumPy numbers as an array of ``dtype``, rounded through float32 first (the same inputs for both runs)."""
    return jnp.asarray(np.asarray(v, np.float32), dtype)


def _cast_floats(tree, dtype):
    return jax.tree_util.tree_map(
        lambda a: _arr(a, dtype) if jnp.issubdtype(jnp.asarray(a).dtype, jnp.floating) else a, tree
    )


def _float_leaves(prefix, tree):
    """{name: array} of the floating leaves of a result PyTree (names from the PyTree paths)."""
    out = {}
    for path, leaf in jax.tree_util.tree_leaves_with_path(tree):
        a = jnp.asarray(leaf)
        if jnp.issubdtype(a.dtype, jnp.floating):
            out[prefix + jax.tree_util.keystr(path)] = a
    return out


# ------------------------------------------------------------------ the cases: (dtype) -> {name: array}
# Each case returns its floating outputs; ``TOL[case]`` is the relative tolerance (the docstring's claim).
Z_THERMAL = np.geomspace(1e-3, 60.0, 9)  # the documented float32 range of the thermal integrals: z <= 60
T_COSMO = np.geomspace(1e-4, 1e5, 11)  # GeV, across the QCD and electroweak steps of g_*


def case_thermal(dtype):
    z = _arr(Z_THERMAL, dtype)
    out = {}
    for name in ("number_density", "energy_density", "pressure", "entropy_density", "asymmetry_factor"):
        fn = getattr(kernels, name)
        for stat in ("fermion", "boson"):
            out[f"{name}[{stat}]"] = jax.jit(fn, static_argnums=1)(z, stat)
    return out


def case_solve_small(dtype):
    a = _arr([[4.0, 1.0, 0.5, 0.0], [1.0, 3.0, 0.2, 0.1], [0.5, 0.2, 2.0, 0.3], [0.0, 0.1, 0.3, 1.5]], dtype)
    b = _arr([1.0, -2.0, 0.5, 3.0], dtype)
    x, rcond = kernels.solve_small(a, b)
    return {"x": x, "rcond": rcond}


def case_cosmology(dtype):
    t = _arr(T_COSMO, dtype)
    cosmo = cosmology.Cosmology()
    out = {m: jax.jit(getattr(cosmo, m))(t) for m in ("g_rho", "g_s", "hubble", "entropy_density")}
    out["dlng_s_dlnT"] = jax.jit(cosmo.dlng_s_dlnT)(t)
    out["yield_to_eta"] = cosmology.yield_to_eta(_arr(1e-10, dtype))
    out["yield_to_omega_h2"] = cosmology.yield_to_omega_h2(_arr(1e-10, dtype), _arr(1.0, dtype))
    return out


_SM = models.standard_model()
_EQ_SYSTEM = equilibrium.prepare(
    models.with_hidden_sector(_SM),
    {"B-L+X": 0.0, "X": -1.0},
    masks=[None, _SM.mask(off=["yukawa_e1", "lepton_mixing*"]), _SM.mask(off=["yukawa_e1"])],
    mass_parameters=["Q3", "x"],
    outputs=["B", "X"],
)


def case_equilibrium(dtype):
    out = {}
    for cfg in (0, 1, 2):
        p = _cast_floats(_EQ_SYSTEM.params(masses={"Q3": 150.0, "x": 20.0}, temperature=100.0, config=cfg), dtype)
        r = equilibrium.evaluate_batch(_EQ_SYSTEM, p)
        assert int(r.status) == 0
        out[f"outputs[config={cfg}]"] = r.outputs
    return out


def case_freezein(dtype):
    p = _cast_floats(freezein.FreezeInParams(mass=[300.0, 900.0], width=[1e-18, 3e-17], dof=[2.0, 4.0],
                                             eps=[0.01, -0.002]), dtype)  # fmt: skip
    out = _float_leaves("constant", freezein.freezein_quadrature(p, cosmology.Cosmology(table="constant")))
    out.update(_float_leaves("tabulated", freezein.freezein_quadrature(p, cosmology.Cosmology())))
    return out


def case_washout(dtype):
    cosmo = cosmology.Cosmology(table="constant", g_constant=100.0)
    out = {}
    for m_nlsp, m_maj in ((1e3, 1e-1), (500.0, 1e4)):
        p = _cast_floats(wo.WashoutParams(m_nlsp=m_nlsp, m_majorana=m_maj), dtype)
        out[f"z_b[{m_nlsp:g},{m_maj:g}]"] = jax.jit(wo.decoupling)(p, cosmo).z_b
    return out


def case_signatures(dtype):
    rng = np.random.default_rng(3)
    n = 4
    p = signatures.HallSignatureParams(
        lam=10 ** rng.uniform(-10, -7, n), m_losp=rng.uniform(100, 1e3, n), m_a=rng.uniform(100, 2e3, n),
        m_x=rng.uniform(0.5, 5, n), eps_a=10 ** rng.uniform(-8, -2, n), eta_x=10 ** rng.uniform(-10.5, -9.5, n),
        g_a=rng.choice([2.0, 4.0], n), r=rng.uniform(0.5, 2, n), f=rng.uniform(0, 1, n),
        g_x=rng.uniform(2, 20, n), g_star=rng.uniform(80, 110, n), beta_gamma=rng.uniform(0.5, 3, n),
        x_fo=rng.uniform(15, 30, n),
    )  # fmt: skip
    out = _float_leaves("hall", jax.jit(jax.vmap(signatures.hall_signatures))(_cast_floats(p, dtype)))
    out["nlsp_lifetime"] = signatures.nlsp_lifetime(_arr(2000.0, dtype), _arr(10.0, dtype))
    out["psi_x_lifetime_lhu"] = signatures.psi_x_lifetime_lhu(_arr(2.489e-9, dtype), _arr(2.0, dtype))
    out["psi_x_lifetime_xudd"] = signatures.psi_x_lifetime_xudd(_arr(2.0, dtype))
    return out


def case_gravitino(dtype):
    out = {}
    for nlsp in ("slepton_R", "sneutrino"):
        pred = gravitino_prediction(nlsp, _arr(26.5 / 4.9, dtype), _arr(0.5, dtype))
        assert int(pred.status) == 0
        out.update(_float_leaves(nlsp, pred))
        out[f"gravitino_mass[{nlsp}]"] = gravitino_mass(nlsp, _arr(26.5 / 4.9, dtype), _arr(1.0, dtype))
    return out


def case_slha(dtype):
    out = {}
    for name in ("heavy", "compressed"):
        pred = slha.predict_spectrum(slha.example_spectrum(name))
        assert int(pred.status) == 0
        for field in ("mass", "k", "b_over_b_minus_l", "baryon_to_x", "m_x"):
            out[f"{name}.{field}"] = jnp.asarray(getattr(pred, field))
    return out


CASES = {
    "thermal": case_thermal,
    "solve_small": case_solve_small,
    "cosmology": case_cosmology,
    "equilibrium": case_equilibrium,
    "freezein": case_freezein,
    "washout": case_washout,
    "signatures": case_signatures,
    "gravitino": case_gravitino,
    "slha": case_slha,
}
#: relative tolerances: the float32 accuracy each docstring states (or, where it states none, 1e-5)
TOL = {
    "thermal": 1e-5,  # kernels._thermal: <= 4e-6 for z <= 60, "tested at 1e-5" (measured 1.3e-6)
    "solve_small": 2e-6,  # a well-conditioned 4x4 system (measured 7e-7)
    "cosmology": 2e-6,  # g_* splines evaluated in the dtype of T (measured 6e-7)
    "equilibrium": 2e-6,  # "~1e-6 relative accuracy" (measured 2e-7)
    "freezein": 2e-6,  # freezein_quadrature: "relative accuracy ~1e-6" (measured 6e-7)
    "washout": 1e-6,  # decoupling: Newton iterations in float32 (measured 5e-8)
    "signatures": 2e-6,  # lifetimes and yields without under/overflow (measured 2e-7)
    "gravitino": 1e-6,  # linear chain (measured 2.4e-7)
    "slha": 2e-6,  # "float32 gives ~1e-6 relative accuracy" (measured 8e-7)
}


def _np(tree):
    return {k: np.asarray(v, np.float64).tolist() for k, v in tree.items()}


@pytest.fixture(scope="module")
def references():
    if not REFERENCES.exists():
        pytest.fail(f"{REFERENCES} is missing; write it with: JAX_ENABLE_X64=1 python {__file__} --write-references")
    return json.loads(REFERENCES.read_text())


def test_x64_is_off():
    assert not jax.config.read("jax_enable_x64")
    assert jnp.asarray(1.0).dtype == jnp.float32


@pytest.mark.parametrize("case", sorted(CASES))
def test_float32_matches_float64(case, references):
    out = CASES[case](jnp.float32)
    ref = references[case]
    assert sorted(out) == sorted(ref), "outputs differ from references.json (regenerate it)"
    bad = []
    for name, value in out.items():
        assert value.dtype == jnp.float32, f"{case}: {name} is {value.dtype}, not float32"
        got, want = np.asarray(value, np.float64), np.asarray(ref[name], np.float64)
        assert got.shape == want.shape, name
        if name.endswith("dlng_s_dlnT"):  # crosses 0 between the steps of g_*: relative to its largest value
            err = np.abs(got - want) / np.max(np.abs(want))
        else:
            err = np.abs(got - want) / np.where(want == 0, 1.0, np.abs(want))
        if not (np.all(np.isfinite(got)) and np.max(err, initial=0.0) <= TOL[case]):
            bad.append(f"{name}: max rel err {np.max(err, initial=0.0):.2e}")
    assert not bad, f"{case} (tolerance {TOL[case]:g}): " + "; ".join(bad)


def test_takagi_float32_reconstruction():
    """kernels.takagi / svd_ascending in complex64 (docs/derivations/cp_asymmetry.md: reconstruction to 2e-5)."""
    rng = np.random.default_rng(5)
    g = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    a = ((g + g.T) / 2).astype(np.complex64)  # complex symmetric
    s, n = kernels.takagi(jnp.asarray(a))
    assert s.dtype == jnp.float32 and n.dtype == jnp.complex64
    np.testing.assert_allclose(np.conj(n) @ a @ n.conj().T, np.diag(s), atol=2e-5 * float(s.max()))
    b = (rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))).astype(np.complex64)
    s, u, v = kernels.svd_ascending(jnp.asarray(b))
    assert s.dtype == jnp.float32 and np.all(np.diff(np.asarray(s)) >= 0)
    np.testing.assert_allclose(np.conj(u) @ b @ v.conj().T, np.diag(s), atol=2e-5 * float(s.max()))


def test_float64_only_entry_points_refuse_float32():
    """The solvers documented as float64-only raise RuntimeError (naming the function and the fix) with x64 off."""
    from jaxgen import freezeout, scenarios

    for fn, name in [
        (freezeout.solve_freezeout, "jaxgen.freezeout.solve_freezeout"),
        (freezeout.solve_asymmetric_freezeout, "jaxgen.freezeout.solve_asymmetric_freezeout"),
        (scenarios.rsymmetric_adm, "jaxgen.scenarios.rsymmetric_adm"),
        (scenarios.asymmetric_freezein, "jaxgen.scenarios.asymmetric_freezein"),
    ]:
        with pytest.raises(RuntimeError, match="jax_enable_x64") as info:
            fn(None)
        assert name in str(info.value)


@pytest.mark.parametrize("name", ["k0", "k1", "k2", "k0e", "k1e", "k2e"])
def test_bessel_float32_vs_scipy(name):
    """kernels._bessel: <= 1e-6 relative to scipy.special in float32 wherever the result is a normal number."""
    x32 = np.concatenate([np.geomspace(1e-6, 2.0, 40), np.geomspace(2.0, 80.0, 40)]).astype(np.float32)
    got = jax.jit(getattr(kernels, name))(jnp.asarray(x32))
    assert got.dtype == jnp.float32
    x = x32.astype(np.float64)  # the reference at the float32 inputs themselves
    order = int(name[1])
    ref = sps.kve(order, x) if name.endswith("e") else sps.kv(order, x)
    normal = np.abs(ref) > np.finfo(np.float32).tiny
    err = np.abs(np.asarray(got, np.float64) - ref) / np.abs(ref)
    assert normal.sum() > 60 and np.max(err[normal]) <= 1e-6, (name, float(np.max(err[normal])))


def _write_references():
    if not jax.config.read("jax_enable_x64"):
        sys.exit("the references are float64: run with JAX_ENABLE_X64=1")
    refs = {case: _np(fn(jnp.float64)) for case, fn in sorted(CASES.items())}
    REFERENCES.write_text(json.dumps(refs, indent=1, sort_keys=True) + "\n")
    print(f"wrote {REFERENCES} ({sum(len(v) for v in refs.values())} arrays)")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-references"]:
        sys.exit(f"usage: JAX_ENABLE_X64=1 python {sys.argv[0]} --write-references")
    _write_references()
