"""The full ~1e6-point (2^20) Sobol sweep of the asymmetric freeze-in chain: allowed LOSP decay length against eps
(Hall, March-Russell, West 2010, Sec. 4.1, eq. 4.2; issue 6 item 4 and its performance bullet).

The code is :mod:`jaxgen.reproduce.hall_sweep` (its report section runs the same code at N = 2^17); this script
calls it with N = 2^20, keeps the resumable NetCDF sweep directory ``<out>/sweep_nc`` and writes
``hall_sweep_decay_length.png``, ``hall_sweep.json`` and ``hall_sweep.md`` into ``--out``.

Run on a quiet machine (the numbers are throughputs): ``.venv/bin/python experiments/sweeps/hall_decay_length.py
[--out experiments/output/hall_decay_length] [--n 1048576]``.
"""

from __future__ import annotations

import argparse
import pathlib

from jaxgen.reproduce import _common, hall_sweep


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, default=pathlib.Path("experiments/output/hall_decay_length"))
    ap.add_argument("--n", type=int, default=hall_sweep.N_FULL, help="number of Sobol points (default 2^20)")
    ap.add_argument("--chunk", type=int, default=hall_sweep.CHUNK, help="points per chunk")
    ap.add_argument(
        "--mem-chunks",
        type=int,
        nargs="+",
        default=[16_384, 262_144],
        help="chunk sizes of the peak-memory probes (fresh subprocesses)",
    )
    args = ap.parse_args()
    _common.setup_jax()
    args.out.mkdir(parents=True, exist_ok=True)
    text = hall_sweep.main(
        args.out, n=args.n, chunk=args.chunk, mem_chunks=tuple(args.mem_chunks), keep_netcdf=True, sharded_probe=True
    )
    (args.out / "hall_sweep.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
