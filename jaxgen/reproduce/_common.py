"""Shared plumbing for experiment scripts: float64 set-up, output folders and provenance records.

Every experiment module exposes ``main(out: pathlib.Path) -> str``: it writes its outputs (figures, tables, JSON)
into ``out`` and returns a Markdown section for the report. Each is also runnable on its own:
``python experiments/<name>.py --out DIR``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import pathlib
import platform
import sys


def setup_jax() -> None:
    """Enable float64 (experiments are entry points; the library never does this itself)."""
    import jax

    jax.config.update("jax_enable_x64", True)


def versions() -> dict:
    """The exact versions, platform and devices an output was made with."""
    out = {"python": sys.version.split()[0], "platform": platform.platform(),
           "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    for pkg in ("jaxgen", "jax", "jaxlib", "diffrax", "equinox", "optax", "numpy", "scipy"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = None
    try:
        import jax

        out["devices"] = [str(d) for d in jax.devices()]
    except Exception as exc:  # pragma: no cover - informational only
        out["devices"] = repr(exc)
    out["cpu_count"] = os.cpu_count()
    return out


def write_record(out: pathlib.Path, name: str, parameters: dict, results: dict) -> pathlib.Path:
    """Write ``<name>.json`` with the parameters, the results and the versions used."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps({"name": name, "parameters": parameters, "results": results,
                                "versions": versions()}, indent=2, default=float))
    return path


def cli(main) -> None:
    """Run ``main(out)`` from the command line with ``--out``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("experiments/output"))
    args = parser.parse_args()
    setup_jax()
    args.out.mkdir(parents=True, exist_ok=True)
    print(main(args.out))
