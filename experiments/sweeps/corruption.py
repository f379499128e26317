"""Corruption and kill experiments on a CLI sweep: what a resume and a load do with damaged sweep directories.

Run:  .venv/bin/python experiments/sweeps/corruption.py [--n 524288] [--out /tmp/jaxgen_corruption]

Steps, each through the ``jaxgen`` command as a user would run it (Hall chain, default settings, Sobol design over
lambda and the CP phase):
  1. a fresh sweep (NetCDF chunks with SHA-256 records);
  2. one chunk cut to half its size      -> ``load_sweep`` error naming the chunk; a resume recomputes it;
  3. 4000 random bytes written into the middle of a chunk (same size) -> detected by the checksum, recomputed;
  4. a chunk record deleted (writer killed between the chunk and its record) -> the chunk is recomputed;
  5. the run killed (SIGKILL) while it writes sweep.csv -> sweep.csv is absent or complete, never partial;
  6. manifest.json truncated             -> a clear error naming the file.
After every repair the data are compared bit for bit with the fresh sweep.  Writes
experiments/sweeps/results/corruption.md.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
CARD = """title = "corruption experiment"
[scenario]
name = "hall"
base = "benchmark"
[sweep]
design = "sobol"
n = {n}
seed = 0
chunk_size = {chunk}
axes = [
  {{ path = "lam", low = 1e-10, high = 1e-8, log = true }},
  {{ path = "phase.0", low = -1.5, high = -0.01 }},
]
[output]
formats = ["netcdf", "csv"]
"""


def jaxgen(*args, check=True):
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "jaxgen", *args], capture_output=True, text=True, cwd=ROOT)
    if check and p.returncode != 0:
        raise RuntimeError(f"jaxgen {' '.join(args)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p, time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=524288)
    ap.add_argument("--chunk", type=int, default=65536)
    ap.add_argument("--out", type=pathlib.Path, default=pathlib.Path("/tmp/jaxgen_corruption"))
    ap.add_argument("--report", type=pathlib.Path, default=ROOT / "experiments/sweeps/results/corruption.md")
    a = ap.parse_args(argv)
    if -(-a.n // a.chunk) < 6:
        ap.error(f"--n {a.n} / --chunk {a.chunk} gives fewer than 6 chunks; the damages use chunks 1, 3 and 5")
    import jax

    jax.config.update("jax_enable_x64", True)
    from jaxgen.sweep import ChunkError, chunk_path, load_sweep

    shutil.rmtree(a.out, ignore_errors=True)
    a.out.mkdir(parents=True)
    card = a.out / "card.toml"
    card.write_text(CARD.format(n=a.n, chunk=a.chunk))
    d = a.out / "run"
    sw = d / "sweep"
    rows = []

    def resume(label):
        p, dt = jaxgen("sweep", str(card), "--out", str(d), "-q", "--csv")
        line = p.stdout.strip().splitlines()[0]
        return line, dt

    p, dt = jaxgen("sweep", str(card), "--out", str(d), "-q")
    fresh = load_sweep(sw)
    ref = {k: fresh[k].values.copy() for k in ("eta_b", "omega_x_h2", "status", "ok", "lam")}
    rows.append(("fresh sweep", f"{p.stdout.strip().splitlines()[0]} ({dt:.1f} s wall incl. start-up)", "-"))

    def load_outcome():
        """What load_sweep says about the damaged directory: the error it raises (it must raise)."""
        try:
            load_sweep(sw)
        except ChunkError as e:  # a corrupted chunk, named
            return f"ChunkError: {str(e)[:160]}..."
        except ValueError as e:  # an incomplete sweep (a chunk without its record is not finished)
            return f"ValueError: {str(e)[:160]}..."
        return "LOADED (bad)"

    def same():
        ds = load_sweep(sw)
        return all(np.array_equal(ds[k].values, v) for k, v in ref.items())

    # 2: truncated chunk
    c = chunk_path(sw, 3)
    c.write_bytes(c.read_bytes()[: c.stat().st_size // 2])
    load_msg = load_outcome()
    line, dt = resume("truncated")
    rows.append(("chunk 3 cut to half its size", load_msg, f"{line}; identical to fresh: {same()}"))

    # 3: random bytes
    c = chunk_path(sw, 5)
    data = bytearray(c.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 4000] = np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    c.write_bytes(bytes(data))
    load_msg = load_outcome()
    line, dt = resume("bytes")
    rows.append(("4000 random bytes into the middle of chunk 5", load_msg, f"{line}; identical to fresh: {same()}"))

    # 4: record removed
    os.remove(sw / "chunk_00000001.json")
    load_msg = load_outcome()
    line, dt = resume("record")
    rows.append(("record of chunk 1 deleted", load_msg, f"{line}; identical to fresh: {same()}"))

    # 5: killed while writing sweep.csv
    csv = d / "sweep.csv"
    good_csv = csv.read_bytes()
    csv.unlink()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jaxgen", "sweep", str(card), "--out", str(d), "-q", "--csv"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    t0 = time.time()
    killed = False
    while proc.poll() is None and time.time() - t0 < 300:
        if any(e.startswith(".sweep.csv.tmp.") for e in os.listdir(d)):
            time.sleep(0.3)
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.01)
    proc.wait()
    state = "absent" if not csv.exists() else ("complete" if csv.read_bytes() == good_csv else "PARTIAL (bad)")
    line, dt = resume("csv")
    rows.append(
        (
            "SIGKILL while sweep.csv is being written" + ("" if killed else " (run ended before the kill)"),
            f"sweep.csv after the kill: {state}",
            f"{line}; sweep.csv after the rerun identical to the first: {csv.read_bytes() == good_csv}",
        )
    )

    # 6: truncated manifest
    m = sw / "manifest.json"
    m.write_text(m.read_text()[:60])
    p, _ = jaxgen("sweep", str(card), "--out", str(d), "-q", check=False)
    rows.append(("manifest.json truncated", f"exit {p.returncode}: {p.stderr.strip()[:220]}", "-"))

    lines = [
        "# Sweep corruption experiments",
        "",
        f"`python experiments/sweeps/corruption.py --n {a.n} --chunk {a.chunk}`: the Hall chain (default "
        f"settings) over lambda and the CP phase, {a.n} Sobol points in chunks of {a.chunk}, through the "
        "`jaxgen sweep` command. Each damage is applied to the finished directory; then the sweep is loaded "
        "(`jaxgen.sweep.load_sweep`) and resumed (`jaxgen sweep` again).",
        "",
        "| damage | load / state | resume |",
        "|---|---|---|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(str(x).replace("|", "\\|").replace("\n", " ") for x in r) + " |")
    a.report.parent.mkdir(parents=True, exist_ok=True)
    a.report.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
