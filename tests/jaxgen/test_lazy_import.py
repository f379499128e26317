"""``import jaxgen`` is light and the heavier submodules are lazy attributes (PEP 562): ``jaxgen.fit`` works after a
plain ``import jaxgen`` (it raised AttributeError before). Each check runs in a fresh interpreter."""

import subprocess
import sys

import pytest

LAZY = ("fit", "sensitivity", "sweep", "slha", "runcard", "plotting", "reproduce", "cli")


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_core_import_is_light_and_submodules_are_lazy():
    code = f"""
import sys
import jaxgen
lazy = {LAZY!r}
eager = [m for m in lazy if "jaxgen." + m in sys.modules]
assert not eager, f"imported eagerly: {{eager}}"
for heavy in ("optax", "xarray", "matplotlib", "pyslha"):
    assert heavy not in sys.modules, heavy + " imported by 'import jaxgen'"
assert set(lazy) <= set(dir(jaxgen))
import jaxgen.scenarios  # eager, unchanged
print("ok")
"""
    assert _run(code).strip() == "ok"


@pytest.mark.parametrize(
    "group", [("fit", "sensitivity", "sweep"), ("slha", "runcard", "plotting", "reproduce", "cli")]
)
def test_lazy_attributes_import_on_first_use(group):
    code = f"""
import sys, importlib
import jaxgen
for name in {group!r}:
    mod = getattr(jaxgen, name)
    assert mod is importlib.import_module("jaxgen." + name), name
    assert "jaxgen." + name in sys.modules
assert callable(jaxgen.fit.fit) if "fit" in {group!r} else True
try:
    jaxgen.no_such_module
except AttributeError as exc:
    assert "no_such_module" in str(exc) and "fit" in str(exc)
else:
    raise SystemExit("no AttributeError")
print("ok")
"""
    assert _run(code).strip() == "ok"
