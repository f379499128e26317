"""Report smoke run: a few cheap sections of ``make report`` into a temporary directory, then checks.

Usage: python .ci/smoke_report.py [SECTION ...]   (default: constants_table gstar_tables equilibrium_scan)
Checks: experiments/make_report.py exits 0; report.md exists, has one section per experiment and no FAILED
section; every figure it links exists and is a non-empty PNG; each experiment wrote its JSON record(s).
"""

import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT = ["constants_table", "gstar_tables", "equilibrium_scan"]
FIGURES = {"gstar_tables": ["gstar_tables.png"], "equilibrium_scan": ["equilibrium_scan_hist.png"]}


def main() -> None:
    sections = sys.argv[1:] or DEFAULT
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "report"
        t0 = time.perf_counter()
        cmd = [sys.executable, str(ROOT / "experiments" / "make_report.py"), "--out", str(out), "--only", *sections]
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
        print(run.stdout, end="")
        print(f"[smoke report] {' '.join(sections)}: {time.perf_counter() - t0:.1f} s")
        if run.returncode != 0:
            raise SystemExit(f"make_report.py exited {run.returncode}:\n{run.stderr[-4000:]}")
        errors = []
        report = out / "report.md"
        text = report.read_text() if report.exists() else ""
        if not text:
            errors.append("report.md is missing or empty")
        if "FAILED" in text:
            errors.append("report.md has a FAILED section")
        for name in sections:
            if f"_({name}: " not in text:
                errors.append(f"report.md has no section of {name}")
            if not list((out / name).glob("*.json")):
                errors.append(f"{name}: no JSON record in {name}/")
            for fig in FIGURES.get(name, []):
                if not (out / name / fig).is_file():
                    errors.append(f"{name}: figure {fig} missing")
        for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
            f = out / link
            if not f.is_file() or f.stat().st_size == 0:
                errors.append(f"linked figure {link} missing or empty")
            elif f.suffix == ".png" and f.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
                errors.append(f"linked figure {link} is not a PNG")
        if errors:
            raise SystemExit("report smoke run failed:\n  " + "\n  ".join(errors))
        n_fig = len(re.findall(r"!\[", text))
        print(f"[smoke report] OK: report.md ({len(text.splitlines())} lines, {n_fig} linked figures)")


if __name__ == "__main__":
    main()
