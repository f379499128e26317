"""The import layering of jaxgen and kernels, checked from the source (ast; imports inside functions count too).

Layers, lower never importing higher:

    0 kernels    special functions, thermal integrals, linear solves, ODE helpers (never imports jaxgen)
    1 physics    constants, cosmology, models, equilibrium, freeze-in/out, washout, CP, signatures, hidden sector,
                 gravitino, and the shared helpers (_checks, _precision, _paths, _io)
    2 scenarios  the two end-to-end chains
    3 analysis   fit, sensitivity, sweep: peers that never import one another (what they share lives in layer 1,
                 e.g. jaxgen._paths)
    4 top        ordered within: 4.0 output helpers (slha, plotting) < 4.1 drivers (runcard, reproduce) <
                 4.2 entry points (cli, __main__, the package jaxgen itself)

A private name (``_x``) may only be imported from a module of the same layer (4.x counting as one) or of layers
0-1 (so nothing reaches into the internals of the analysis engines, e.g. a sweep helper, from above). Every
module must be listed in LAYERS: a new module has to be classified here.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

KERNELS, PHYSICS, SCENARIOS, ANALYSIS, OUTPUT, DRIVERS, ENTRY = 0, 1, 2, 3, 4.0, 4.1, 4.2

LAYERS = {
    # 0 kernels
    "jaxgen_kernels": KERNELS,
    "jaxgen_kernels._bessel": KERNELS,
    "jaxgen_kernels._linalg": KERNELS,
    "jaxgen_kernels._ode": KERNELS,
    "jaxgen_kernels._takagi": KERNELS,
    "jaxgen_kernels._thermal": KERNELS,
    "jaxgen_kernels._status": KERNELS,
    "jaxgen_kernels._rosenbrock": KERNELS,
    # 1 physics (and the shared helpers)
    "jaxgen._constants": PHYSICS,
    "jaxgen.constants": PHYSICS,
    "jaxgen._cosmology": PHYSICS,
    "jaxgen.cosmology": PHYSICS,
    "jaxgen.models": PHYSICS,
    "jaxgen.models._core": PHYSICS,
    "jaxgen.models._hidden": PHYSICS,
    "jaxgen.models._mssm": PHYSICS,
    "jaxgen.models._rsymmetric": PHYSICS,
    "jaxgen.models._sm": PHYSICS,
    "jaxgen._equilibrium": PHYSICS,
    "jaxgen.equilibrium": PHYSICS,
    "jaxgen._equilibrium_stages": PHYSICS,
    "jaxgen._freezein": PHYSICS,
    "jaxgen.freezein": PHYSICS,
    "jaxgen._freezein_tables": PHYSICS,
    "jaxgen._sphaleron": PHYSICS,
    "jaxgen.sphaleron": PHYSICS,
    "jaxgen._freezeout": PHYSICS,
    "jaxgen.freezeout": PHYSICS,
    "jaxgen._washout": PHYSICS,
    "jaxgen.washout": PHYSICS,
    "jaxgen._cp": PHYSICS,
    "jaxgen.cp": PHYSICS,
    "jaxgen._cp_loops": PHYSICS,
    "jaxgen._edm": PHYSICS,
    "jaxgen._signatures": PHYSICS,
    "jaxgen.signatures": PHYSICS,
    "jaxgen._hidden_sector": PHYSICS,
    "jaxgen._gravitino": PHYSICS,
    "jaxgen._checks": PHYSICS,
    "jaxgen._precision": PHYSICS,
    "jaxgen._paths": PHYSICS,
    "jaxgen._io": PHYSICS,
    "jaxgen.io": PHYSICS,
    "jaxgen._units": PHYSICS,
    "jaxgen._batching": PHYSICS,
    "jaxgen._unitarity_rates": PHYSICS,
    "jaxgen.unitarity": PHYSICS,
    "jaxgen.reproduce.unitarity_freezein": DRIVERS,
    "jaxgen.kinetics": PHYSICS,
    "jaxgen.kinetics._network": PHYSICS,
    "jaxgen.kinetics._reactions": PHYSICS,
    "jaxgen.kinetics._solve": PHYSICS,
    # 2 scenarios
    "jaxgen._scenario_hall": SCENARIOS,
    "jaxgen._scenario_ardu": SCENARIOS,
    "jaxgen.scenarios": SCENARIOS,
    "jaxgen.scenarios._base": SCENARIOS,
    "jaxgen.scenarios.hall": SCENARIOS,
    "jaxgen.scenarios.ardu": SCENARIOS,
    "jaxgen.scenarios.ardu_network": SCENARIOS,
    "jaxgen.reproduce.ardu_network": DRIVERS,
    # 3 analysis (peers)
    "jaxgen._fit": ANALYSIS,
    "jaxgen.fit": ANALYSIS,
    "jaxgen._sensitivity": ANALYSIS,
    "jaxgen.sensitivity": ANALYSIS,
    "jaxgen._sweep": ANALYSIS,
    "jaxgen.sweep": ANALYSIS,
    # 4 top
    "jaxgen._slha_reader": OUTPUT,
    "jaxgen._spectrum": OUTPUT,
    "jaxgen.slha": OUTPUT,
    "jaxgen.plotting": OUTPUT,
    "jaxgen.runcard": DRIVERS,
    "jaxgen.runcard._schema": DRIVERS,
    "jaxgen.runcard._build": DRIVERS,
    "jaxgen.runcard._registry": DRIVERS,
    "jaxgen.runcard._runners": DRIVERS,
    "jaxgen.runcard._sweep_card": DRIVERS,
    "jaxgen.runcard._fit_tables": DRIVERS,
    "jaxgen.runcard._parse": DRIVERS,
    "jaxgen.runcard._compiled": DRIVERS,
    "jaxgen.reproduce": DRIVERS,
    "jaxgen.reproduce._common": DRIVERS,
    "jaxgen.reproduce.ardu_chain": DRIVERS,
    "jaxgen.reproduce.ardu_table2": DRIVERS,
    "jaxgen.reproduce.ardu_washout": DRIVERS,
    "jaxgen.reproduce.constants_table": DRIVERS,
    "jaxgen.reproduce.cp_spectrum": DRIVERS,
    "jaxgen.reproduce.edm_region": DRIVERS,
    "jaxgen.reproduce.equilibrium_scan": DRIVERS,
    "jaxgen.reproduce.fit_sensitivity": DRIVERS,
    "jaxgen.reproduce.gstar_tables": DRIVERS,
    "jaxgen.reproduce.hall_chain": DRIVERS,
    "jaxgen.reproduce.hall_sphaleron": DRIVERS,
    "jaxgen.reproduce.hall_figure1": DRIVERS,
    "jaxgen.reproduce.hall_signatures": DRIVERS,
    "jaxgen.reproduce.hall_sweep": DRIVERS,
    "jaxgen.reproduce.slha_spectra": DRIVERS,
    "jaxgen.cli": ENTRY,
    "jaxgen.__main__": ENTRY,
    "jaxgen": ENTRY,
}

#: the peers of layer 3: a module of one never imports a module of another
COMPONENTS = {
    "jaxgen._fit": "fit",
    "jaxgen.fit": "fit",
    "jaxgen._sensitivity": "sensitivity",
    "jaxgen.sensitivity": "sensitivity",
    "jaxgen._sweep": "sweep",
    "jaxgen.sweep": "sweep",
}


def modules() -> dict[str, tuple[pathlib.Path, bool]]:
    """Every module under jaxgen/ and kernels/ (import package jaxgen_kernels): dotted name -> (file, is a package
    __init__)."""
    out = {}
    for top, package in (("jaxgen", "jaxgen"), ("kernels", "jaxgen_kernels")):
        for f in sorted((ROOT / top).rglob("*.py")):
            parts = [package] + list(f.relative_to(ROOT / top).with_suffix("").parts)
            is_pkg = parts[-1] == "__init__"
            out[".".join(parts[:-1] if is_pkg else parts)] = (f, is_pkg)
    return out


MODULES = modules()


def imports(name: str) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) of every import of jaxgen/kernels in module ``name``,
    at any depth (inside functions too); ``from pkg import sub`` of a submodule counts as importing ``pkg.sub``."""
    f, is_pkg = MODULES[name]
    pkg = name if is_pkg else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(f.read_text(), str(f))):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            for a in node.names:
                sub = f"{mod}.{a.name}"
                out.append((sub, None, node.lineno) if sub in MODULES else (mod, a.name, node.lineno))
    return [(m, n, line) for m, n, line in out if m.split(".")[0] in ("jaxgen", "jaxgen_kernels", "kernels")]


def _private(name: str | None) -> bool:
    return bool(name) and name.startswith("_") and not name.startswith("__")


def violations() -> list[str]:
    out = []
    for mod in MODULES:
        here = LAYERS[mod]
        for target, name, line in imports(mod):
            where = f"{mod} (line {line}) imports {target}" + (f".{name}" if name else "")
            if target not in MODULES:
                out.append(f"{where}: no such module")
                continue
            if MODULES[mod][0] != MODULES[target][0] and mod.startswith(target + "."):
                continue  # a submodule naming its own package (e.g. for its __version__) is not a dependency
            there = LAYERS[target]
            if there > here:
                out.append(f"{where}: layer {there} is above the module's layer {here}")
            c1, c2 = COMPONENTS.get(mod), COMPONENTS.get(target)
            if c1 and c2 and c1 != c2:
                out.append(f"{where}: {c1} and {c2} are peers (layer 3); move what they share to a lower module")
            if _private(name) and int(there) != int(here) and there > PHYSICS:
                out.append(
                    f"{where}: the private name {name} of a layer-{there} module; make it public in a "
                    "lower module (layers 0-1) instead"
                )
    return out


def test_every_module_is_classified():
    missing = sorted(set(MODULES) - set(LAYERS))
    assert not missing, f"classify these new modules in tests/jaxgen/test_layers.py LAYERS: {missing}"
    stale = sorted(set(LAYERS) - set(MODULES))
    assert not stale, f"LAYERS lists modules that no longer exist: {stale}"


def test_no_upward_or_peer_imports():
    found = violations()
    assert not found, "layer violations:\n" + "\n".join(found)


def test_kernels_never_import_jaxgen():
    for mod in (m for m in MODULES if m.split(".")[0] == "jaxgen_kernels"):
        assert not [t for t, _, _ in imports(mod) if t.split(".")[0] == "jaxgen"], mod


@pytest.mark.parametrize(
    "source, bad",
    [
        ("from ._sweep import _versions\n", "jaxgen._spectrum"),  # a private name of a higher layer
        ("from .reproduce import hall_figure1\n", "jaxgen.plotting"),  # upward (the old plotting -> reproduce cycle)
        ("def f():\n    from ._fit import resolve_path\n", "jaxgen._sensitivity"),  # a peer, inside a function
    ],
)
def test_the_checker_catches(source, bad, monkeypatch):
    """The checker itself: injected imports of each kind are reported."""
    f, is_pkg = MODULES[bad]
    text = f.read_text() + "\n" + source
    monkeypatch.setattr(
        pathlib.Path, "read_text", lambda self, *a, **k: text if self == f else pathlib.Path.read_bytes(self).decode()
    )
    assert any(v.startswith(bad + " ") for v in violations())


def test_reproduce_and_cli_use_public_names_only():
    """The report drivers and the command line are written against the public API: no private module of the
    package (``jaxgen._x``, ``jaxgen.scenarios._base``, ...) and no private name, except their own helpers
    (``jaxgen.reproduce._common``)."""
    found = []
    for mod in MODULES:
        if not (mod.startswith("jaxgen.reproduce") or mod in ("jaxgen.cli", "jaxgen.__main__")):
            continue
        for target, name, line in imports(mod):
            if target == "jaxgen.reproduce._common":
                continue
            private_module = any(_private(part) for part in target.split("."))
            if private_module or _private(name):
                found.append(f"{mod} (line {line}) imports {target}" + (f".{name}" if name else ""))
    assert not found, "use the public modules (jaxgen.io, jaxgen.scenarios, ...):\n" + "\n".join(found)
