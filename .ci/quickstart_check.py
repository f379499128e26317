"""Run the README's "Quick start" Python block with the given interpreter and check what it prints.

Usage: python .ci/quickstart_check.py PYTHON  (PYTHON: the interpreter of a fresh core-only install; run from any
directory: the block runs in a temporary directory, so it imports the installed jaxgen, not the source tree).
Checks: B/(B-L) = 28/79 (Harvey-Turner), a positive finite freeze-in yield with status 0, m_3/2 = 8.3 GeV (Ardu et
al. 2025, Table 2), and that the core install imported none of the optional packages (matplotlib, xarray,
netCDF4, pyslha, tqdm), which must not even be installed.
"""

import math
import pathlib
import re
import subprocess
import sys
import tempfile

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
OPTIONAL = ("matplotlib", "xarray", "netCDF4", "pyslha", "tqdm")


def quickstart_block(text: str) -> str:
    """The first ```python block after the '## Quick start' heading."""
    head = text.index("\n## Quick start")
    m = re.compile(r"^```python\n(.*?)^```", re.S | re.M).search(text, head)
    if m is None:
        raise SystemExit("README.md: no ```python block after '## Quick start'")
    return m.group(1)


def numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?", line)]


def main() -> None:
    python = sys.argv[1]
    code = quickstart_block(README.read_text())
    probe = f"\nimport sys\nprint('OPTIONAL', sorted(m for m in {OPTIONAL!r} if m in sys.modules))\n"
    with tempfile.TemporaryDirectory() as tmp:
        (pathlib.Path(tmp) / "quickstart.py").write_text(code + probe)
        run = subprocess.run([python, "quickstart.py"], cwd=tmp, capture_output=True, text=True, timeout=600)
        where = subprocess.run([python, "-c", "import jaxgen; print(jaxgen.__file__)"], cwd=tmp,
                               capture_output=True, text=True, timeout=120)  # fmt: skip
        missing = subprocess.run(
            [python, "-c", f"import importlib.util as u; print([m for m in {OPTIONAL!r} if u.find_spec(m)])"],
            cwd=tmp, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    print(run.stdout, end="")
    if run.returncode != 0:
        raise SystemExit(f"the README quick start failed:\n{run.stderr[-4000:]}")
    lines = run.stdout.strip().splitlines()
    errors = []
    if len(lines) != 4:
        raise SystemExit(f"expected 3 printed lines (+ the probe), got {len(lines)}:\n{run.stdout}")
    b = numbers(lines[0])
    if not (len(b) == 1 and math.isclose(b[0], 28 / 79, rel_tol=1e-9)):
        errors.append(f"B/(B-L) = {lines[0]!r}, expected 28/79 = {28 / 79:.6f}")
    fi = numbers(lines[1])
    if not (len(fi) >= 3 and 0 < fi[0] < 1 and math.isfinite(fi[1]) and fi[1] != 0 and fi[-1] == 0):
        errors.append(f"freeze-in (yield_x, eta_x, status) = {lines[1]!r}: expected 0 < Y < 1, eta != 0, status 0")
    m32 = numbers(lines[2])
    if not (len(m32) == 1 and math.isclose(m32[0], 8.307, rel_tol=1e-3)):
        errors.append(f"gravitino mass = {lines[2]!r}, expected 8.307 GeV (Ardu et al. 2025, Table 2: 8.3)")
    if lines[3] != "OPTIONAL []":
        errors.append(f"the quick start imported optional packages: {lines[3]}")
    if "site-packages" not in where.stdout:
        errors.append(f"jaxgen was not imported from the installed package: {where.stdout.strip()} {where.stderr}")
    if missing.returncode != 0 or missing.stdout.strip() != "[]":
        errors.append(f"optional packages installed by the core install: {missing.stdout.strip()} {missing.stderr}")
    if errors:
        raise SystemExit("quick start check failed:\n  " + "\n  ".join(errors))
    print("quick start OK: B/(B-L) = 28/79, freeze-in yield with status 0, m_3/2 = 8.3 GeV; no optional imports")


if __name__ == "__main__":
    main()
