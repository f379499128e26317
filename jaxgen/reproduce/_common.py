"""Shared plumbing for experiment scripts: float64 set-up, output folders and provenance records.

Every experiment module exposes ``main(out: pathlib.Path) -> str``: it writes its outputs (figures, tables, JSON)
into ``out`` and returns a Markdown section for the report. Each is also runnable on its own:
``python experiments/<name>.py --out DIR``.
"""

from __future__ import annotations

import argparse
import pathlib
import sys


# The provenance helpers live in jaxgen.io; they are imported when called, so that this module has no module-level
# package import and the memory probe (process_memory_mb) can run in a bare interpreter (runpy.run_path).
def versions() -> dict:
    """The exact versions, platform and devices a report record was made with (:func:`jaxgen.io.run_versions`)."""
    from ..io import run_versions

    return run_versions()


def write_record(out: pathlib.Path, name: str, parameters: dict, results: dict) -> pathlib.Path:
    """Write ``<name>.json`` with parameters, results and versions (:func:`jaxgen.io.write_record`)."""
    from ..io import write_record as _write

    return _write(out, name, parameters, results)


def setup_jax() -> None:
    """Enable float64 (experiments are entry points; the library never does this itself)."""
    import jax

    jax.config.update("jax_enable_x64", True)


def cli(main) -> None:
    """Run ``main(out)`` from the command line with ``--out``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("experiments/output"))
    args = parser.parse_args()
    setup_jax()
    args.out.mkdir(parents=True, exist_ok=True)
    print(main(args.out))


def md_cell(value) -> str:
    """A value as one Markdown table cell: ``|`` escaped (status messages such as "|eps_a| > 1" contain pipes)."""
    return str(value).replace("\\|", "|").replace("|", "\\|")


def status_bits(module) -> list[tuple[str, int]]:
    """(NAME, bit) of every single-bit ``STATUS_*`` constant of a chain module, in bit order.

    Read from the module at run time, so that a table of status counts follows the chain's bits as they are (new
    error bits or flags included) instead of a list fixed in the report.
    """
    bits = {}
    for name in dir(module):
        v = getattr(module, name)
        if name.startswith("STATUS_") and isinstance(v, int) and not isinstance(v, bool) and v > 0 and v & (v - 1) == 0:
            bits.setdefault(v, name[len("STATUS_") :])
    return [(bits[b], b) for b in sorted(bits)]


def process_memory_mb() -> dict:
    """Resident memory of THIS process [MB]: ``current`` (VmRSS) and ``peak`` (VmHWM) from /proc/self/status.

    ``ru_maxrss`` is not used on Linux: the kernel carries the parent's high-water mark over fork + exec, so a child
    started by a large process reports the parent's peak. VmHWM belongs to the child's own address space. Where
    /proc is missing (macOS), ``ru_maxrss`` is the fallback (``source`` says which was used).
    """
    import resource

    try:
        fields = {}
        with open("/proc/self/status") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = float(rest.split()[0]) / 1024.0  # kB -> MB
        return {"current": fields["VmRSS"], "peak": fields["VmHWM"], "source": "VmRSS/VmHWM (/proc/self/status)"}
    except (OSError, KeyError, ValueError, IndexError):
        r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        mb = r / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)
        return {"current": float("nan"), "peak": mb, "source": "ru_maxrss"}
