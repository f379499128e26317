#!/usr/bin/env bash
# Core-only install smoke test: a fresh virtual environment in a temporary directory, `pip install .` (the core
# dependencies, no extras), then the README's Python quick start, checked by .ci/quickstart_check.py (values, and
# that the core import needs none of matplotlib/xarray/netCDF4/pyslha/tqdm).
# Usage: .ci/smoke_install.sh [PYTHON]   (default python3 >= 3.11)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-${PYTHON:-python3}}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m venv "$tmp/venv"
pip_quiet() {  # pip's (and the build backend's) output only when it fails
    "$tmp/venv/bin/python" -m pip "$@" >"$tmp/pip.log" 2>&1 || { tail -n 60 "$tmp/pip.log"; return 1; }
}
pip_quiet install --upgrade pip
# build from a copy of the source tree (pip builds in place: the checkout's build/, *.egg-info and the .venv stay out)
mkdir "$tmp/src"
tar --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./report --exclude='*.egg-info' \
    --exclude=__pycache__ -cf - . | tar -xf - -C "$tmp/src"
pip_quiet install "$tmp/src"
"$tmp/venv/bin/python" -m pip list --format=freeze | grep -i -E '^(jax|jaxlib|jaxgen|numpy|scipy)=' | tr '\n' ' '
echo
"$tmp/venv/bin/python" .ci/quickstart_check.py "$tmp/venv/bin/python"
