"""The main job (``make report``): a thin wrapper around ``jaxgen reproduce`` (see :mod:`jaxgen.reproduce`)."""

from __future__ import annotations

import argparse
import pathlib
import sys

from jaxgen.reproduce import EXPERIMENTS, run_report

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("report"))
    parser.add_argument("--only", nargs="*", choices=EXPERIMENTS, help="run only these experiments")
    args = parser.parse_args()
    sys.exit(run_report(args.out, args.only))
