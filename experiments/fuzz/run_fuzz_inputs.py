"""Full input-fuzz run: >= 1e4 mutated runcards and SLHA files through the jaxgen command (in process), classified
into (a) clear errors, (b) flagged statuses, (c) raw tracebacks / unclear errors, (d) silent NaN / wrong values.

    .venv/bin/python experiments/fuzz/run_fuzz_inputs.py [--runcards 6000] [--slha 6000] [--seed 0]

Writes experiments/fuzz/results/inputs.md (the table, per mutation class, examples of every outcome) and
inputs.json. The generator and classifier are experiments/fuzz/fuzz_inputs.py (a sample runs in CI:
tests/jaxgen/test_fuzz_inputs.py).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from experiments.fuzz import fuzz_inputs as fz


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runcards", type=int, default=6000)
    ap.add_argument("--slha", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-compiles", type=int, default=16, help="chain compiles for evaluating accepted runcards")
    ap.add_argument("--out", type=pathlib.Path, default=pathlib.Path(__file__).parent / "results")
    a = ap.parse_args(argv)
    res = fz.run_fuzz(
        n_runcards=a.runcards, n_slha=a.slha, seed=a.seed, max_compiles=a.max_compiles, cli_every=25, progress=1000
    )
    import jax

    import jaxgen

    n_bad = sum(n for (k, o), n in res.counts.items() if o in ("c", "d"))
    lines = [
        "# Input fuzz: runcards and SLHA spectra through the `jaxgen` command",
        "",
        f"{res.n_cases} generated bad (and some deliberately harmless) inputs, seed {res.seed}: mutations of the "
        "shipped runcards (`jaxgen/data/runcards`) and SLHA spectra (`jaxgen/data/slha`). Generator and classifier: "
        "`experiments/fuzz/fuzz_inputs.py`; this run: `experiments/fuzz/run_fuzz_inputs.py`. Runcards go through "
        "`jaxgen.cli.main(['check', FILE])`; an accepted runcard is evaluated at its point (and at the ends of its "
        f"sweep axes / fit ranges) with the scenario chain jitted once per settings ({res.compiles} compiles). SLHA "
        "files go through `read_slha` + `predict_spectrum`, every 25th also through `jaxgen predict FILE`. "
        "Invariant edits (comments, whitespace, CRLF, key order, Fortran D exponents, lower-case block names, "
        "added XSECTION/DECAY/unused blocks) must give the unchanged result.",
        "",
        f"**(c) + (d) = {n_bad}** (goal 0). Run time {res.seconds:.0f} s on {os.cpu_count()} CPU cores "
        f"(jaxgen {jaxgen.__version__}, jax {jax.__version__}, Python {platform.python_version()}).",
        "",
        fz.markdown_table(res, per_mutation=False),
        "",
        "Outcome (a) means exit code 2 with a message that names the file, the field (`[section].key`, a BLOCK, a "
        "line or a PDG code) and the fix; an error message without those counts as (c).",
        "",
        "## Per mutation class",
        "",
        fz.markdown_table(res, per_mutation=True).split("\n\n", 1)[1],
        "",
        "## Examples",
        "",
    ]
    for o in fz.OUTCOMES:
        ex = res.examples.get(o, [])
        if not ex:
            continue
        lines += [f"### {fz.OUTCOME_LABELS[o]}", ""]
        for kind, base, mutation, detail in ex[:6]:
            d = detail.replace("|", "/").replace("\n", " ")[:160]
            lines.append(f"- {kind} `{base}`: {mutation}" + (f" -> {d}" if d else ""))
        lines.append("")
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "inputs.md").write_text("\n".join(lines))
    (a.out / "inputs.json").write_text(
        json.dumps(
            {
                "n_cases": res.n_cases,
                "seed": res.seed,
                "seconds": res.seconds,
                "compiles": res.compiles,
                "counts": {f"{k}:{o}": n for (k, o), n in sorted(res.counts.items())},
                "by_mutation": {f"{k}:{m}": c for (k, m), c in sorted(res.by_mutation.items())},
                "examples": res.examples,
            },
            indent=1,
        )
    )
    print("\n".join(lines[:14]))
    return 0 if n_bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
