#!/usr/bin/env bash
# The jaxgen benchmark suite on one GPU within a time budget (issue 16, deliverable 5): the default 450 s (under 8
# minutes) runs the issue-16 GPU targets first and then as many of the others as fit; --budget 1000 runs them all.
#
#   experiments/benchmarks/run_gpu.sh [--dry-run] [--out DIR] [--budget SECONDS] [--only BENCH ...]
#
# Results: experiments/benchmarks/results/<device>/ (benchmarks.md with the summary table, benchmarks.json, one
# folder per benchmark with its record, figures and log.txt). Works from a plain checkout on a machine without
# network: jaxgen is not installed, it is put on PYTHONPATH, with a temporary folder holding the symbolic link
# jaxgen_kernels -> kernels (the kernels/ folder installs as the package jaxgen_kernels). Needs python3 with jax
# (CUDA plugin), diffrax, equinox, optax, scipy, numpy; matplotlib, xarray, sympy, tqdm, netCDF4 and pyslha are
# optional: a benchmark that needs a missing one fails alone and the others still run.
#
# --dry-run (or JAXGEN_BENCH_DRY_RUN=1): the same logic at tiny N on whatever device there is (e.g. the CPU of a
# development machine) into a temporary folder, in under a minute: a check of the script, not a measurement.
# PYTHON=/path/to/python overrides the interpreter (default: python3).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${PYTHON:-python3}"

SHIM="$(mktemp -d "${TMPDIR:-/tmp}/jaxgen-shim.XXXXXX")"
trap 'rm -rf "$SHIM"' EXIT
ln -s "$REPO/kernels" "$SHIM/jaxgen_kernels"
export PYTHONPATH="$REPO:$SHIM${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
export MPLBACKEND=Agg

# what is there (a missing optional package is reported, never fatal)
"$PY" - <<'EOF'
import importlib, importlib.util, sys
required = ["jax", "jaxlib", "diffrax", "equinox", "optax", "numpy", "scipy"]
optional = ["matplotlib", "xarray", "sympy", "tqdm", "netCDF4", "pyslha", "mpmath"]
missing = [m for m in required if importlib.util.find_spec(m) is None]
if missing:
    sys.exit(f"run_gpu.sh: required packages missing: {missing}")
opt = [m for m in optional if importlib.util.find_spec(m) is None]
import jax, jaxgen, jaxgen_kernels
print(f"run_gpu.sh: python {sys.version.split()[0]}, jax {jax.__version__}, devices {jax.devices()}")
print(f"run_gpu.sh: jaxgen from {jaxgen.__file__}, jaxgen_kernels from {jaxgen_kernels.__file__}")
if opt:
    print(f"run_gpu.sh: optional packages missing (the benchmarks that need them will fail alone): {opt}")
EOF

if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
fi

ARGS=("$@")
if [[ "${JAXGEN_BENCH_DRY_RUN:-0}" != "0" && ! " ${ARGS[*]-} " =~ " --dry-run " ]]; then
  ARGS+=("--dry-run")
fi
cd "$REPO"
"$PY" "$REPO/experiments/benchmarks/gpu_suite.py" "${ARGS[@]+"${ARGS[@]}"}"
