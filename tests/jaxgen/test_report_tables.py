"""The report's Markdown tables and headings, rendered on the cheap sections of ``jaxgen reproduce``.

Fails on a NaN (or inf) cell, on a malformed row (a row with another number of cells than its header, or a broken
separator), and on internal labels ("issue 3", "item 7", "the brief") in headings or anywhere in the text. The
checker :func:`check_report` is also meant for a full report (``python tests/jaxgen/test_report_tables.py
report/report.md``).
"""

from __future__ import annotations

import pathlib
import re
import sys

import numpy as np
import pytest

#: Sections cheap enough for the test suite (about 1-2 minutes together on 2 shared CPU cores).
CHEAP_SECTIONS = [
    "constants_table",
    "gstar_tables",
    "equilibrium_scan",
    "ardu_table2",
    "ardu_washout",
    "hall_signatures",
    "slha_spectra",
]

_ISSUE = re.compile(r"\bissue\s*#?\d+", re.I)
#: a nan/inf number as Python and numpy print it (lower case), not a word containing it nor the prose word "NaN"
_NAN = re.compile(r"(?<![\w.-])[+-]?(nan|inf)(?![\w-])")


def split_row(line: str) -> list[str]:
    """Cells of a Markdown table row (``\\|`` is an escaped pipe inside a cell)."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", s)]


def tables(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of every Markdown table (consecutive lines starting with '|'), outside code."""
    out, cur, start, in_code = [], [], 0, False
    for i, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if not in_code and line.lstrip().startswith("|"):
            if not cur:
                start = i
            cur.append(line)
        else:
            if cur:
                out.append((start, cur))
            cur = []
    if cur:
        out.append((start, cur))
    return out


def check_report(text: str) -> list[str]:
    """Every problem of a report's Markdown: malformed tables, NaN/inf cells, internal labels, failed sections."""
    problems = []
    for start, lines in tables(text):
        header = split_row(lines[0])
        if len(lines) < 2 or not all(re.fullmatch(r":?-{3,}:?", c) for c in split_row(lines[1])):
            problems.append(f"line {start}: table without a separator row: {lines[0]!r}")
            continue
        if len(split_row(lines[1])) != len(header):
            problems.append(f"line {start + 1}: separator has {len(split_row(lines[1]))} cells, header {len(header)}")
        for k, line in enumerate(lines[2:], start + 2):
            cells = split_row(line)
            if len(cells) != len(header):
                problems.append(f"line {k}: {len(cells)} cells in a {len(header)}-column table: {line!r}")
            for c in cells:
                if _NAN.search(c):
                    problems.append(f"line {k}: NaN/inf cell {c!r}")
    in_code = False
    for k, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        if line.startswith("#") and (_ISSUE.search(line) or re.search(r"\bitems? \d|\bthe brief\b", line, re.I)):
            problems.append(f"line {k}: internal label in a heading: {line!r}")
        elif _ISSUE.search(line) or re.search(r"\bthe brief\b", line, re.I):
            problems.append(f"line {k}: internal label in the text: {line!r}")
        if re.match(r"#+ .*: FAILED", line):
            problems.append(f"line {k}: failed section {line!r}")
    return problems


def test_checker_catches_the_defects():
    bad = "\n".join(
        [
            "## A section (issue 3 item 7)",
            "",
            "| a | b | c | d |",
            "|---|---|---|---|",
            "| 1 | 2 | 3 | 4 | 5 |",
            "| x | nan | y | NaN count |",
            "",
            "| q | v |",
            "|---|---|",
            "| escaped \\| pipe | 1.0 |",
            "| information | -inf |",
        ]
    )
    problems = check_report(bad)
    assert any("internal label in a heading" in p for p in problems)
    assert any("5 cells in a 4-column table" in p for p in problems)
    assert sum("NaN/inf cell" in p for p in problems) == 2  # "nan" and "-inf"; "information" is a word
    good = "## Fine\n\n| a | b |\n|---|---|\n| Planck nan-free \\| 1 | 2.5e-3 |\n\n```\nissue 3 in code\n```\n"
    assert check_report(good) == []


@pytest.fixture(scope="module")
def cheap_report(tmp_path_factory):
    pytest.importorskip("matplotlib")
    pytest.importorskip("scipy")
    from jaxgen.reproduce import run_report

    out = tmp_path_factory.mktemp("report")
    rc = run_report(out, only=CHEAP_SECTIONS, quiet=True)
    return rc, (out / "report.md").read_text()


def test_cheap_sections_render_clean_tables(cheap_report):
    rc, text = cheap_report
    assert rc == 0, "a section failed:\n" + "\n".join(ln for ln in text.splitlines() if "FAILED" in ln)
    assert len(tables(text)) >= 6
    problems = check_report(text)
    assert not problems, "\n".join(problems)


def test_washout_symmetry_is_verified_in_the_report(cheap_report):
    """The M_M <-> m^2/M_M symmetry of the pure-Majorana washout is stated and checked with a computed number."""
    _, text = cheap_report
    m = re.search(r"M_M <-> m_NLSP\^2/M_M.*?max relative difference ([0-9.eE+-]+)", text, re.S)
    assert m, "the washout section does not state/verify the M_M <-> m^2/M_M symmetry"
    assert float(m.group(1)) < 1e-6


def test_no_internal_labels_in_reproduce_sources():
    """No "issue N" / "the brief" in the report modules' docstrings or strings."""
    import jaxgen.reproduce as rp

    root = pathlib.Path(rp.__file__).parent
    hits = [
        f"{p.name}:{k}: {ln.strip()}"
        for p in sorted(root.glob("*.py"))
        for k, ln in enumerate(p.read_text().splitlines(), 1)
        if _ISSUE.search(ln) or re.search(r"\bthe brief\b", ln, re.I)
    ]
    assert not hits, "\n".join(hits)


def test_log_heatmap_axes_label_every_major_tick():
    """The sweep heat map's log axes: no major tick without a label (the range's end ticks included)."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jaxgen.plotting import _log_ticks

    for lo, hi in ((50.0, 2000.0), (1e-11, 1e-6), (0.3, 0.9), (1e-12, 1e-2)):
        fig, ax = plt.subplots()
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        _log_ticks(ax.xaxis, lo, hi)
        fig.canvas.draw()
        ticks = [t for t in ax.xaxis.get_major_ticks() if lo <= t.get_loc() <= hi]
        assert ticks, (lo, hi)
        assert all(t.label1.get_text() for t in ticks), [(t.get_loc(), t.label1.get_text()) for t in ticks]
        plt.close(fig)
    # a log colour bar: both ends carry a number
    from matplotlib.colors import LogNorm

    from jaxgen.plotting import label_log_colorbar

    fig, ax = plt.subplots()
    mesh = ax.pcolormesh(np.array([[1.0, 43.0]]), norm=LogNorm(1.0, 43.0))
    cb = fig.colorbar(mesh, ax=ax)
    label_log_colorbar(cb)
    fig.canvas.draw()
    locs = cb.get_ticks()
    assert np.isclose(locs.min(), 1.0) and np.isclose(locs.max(), 43.0), locs
    assert all(t.get_text() for t in cb.ax.yaxis.get_ticklabels()), cb.ax.yaxis.get_ticklabels()
    plt.close(fig)


def test_memory_probe_reads_the_childs_own_peak():
    """A child started by a big process reports its own peak (VmHWM), not the parent's inherited ru_maxrss."""
    import resource
    import subprocess

    if not pathlib.Path("/proc/self/status").exists():
        pytest.skip("VmHWM needs /proc (Linux)")
    big = bytearray(400 * 1024 * 1024)
    big[::4096] = b"\x01" * len(big[::4096])  # touch every page: the parent's RSS is now > 400 MB
    parent_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    code = (
        "import json, resource, runpy; m = runpy.run_path(%r)['process_memory_mb'](); "
        "print(json.dumps([m['peak'], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0]))"
    )
    common = pathlib.Path(__file__).resolve().parents[2] / "jaxgen" / "reproduce" / "_common.py"
    out = subprocess.run([sys.executable, "-c", code % str(common)], capture_output=True, text=True, check=True)
    import json

    child_peak, child_ru = json.loads(out.stdout.strip().splitlines()[-1])
    del big
    assert child_ru >= 400  # the inherited value the report used to print
    assert child_peak < 200 < parent_peak, (child_peak, parent_peak)


if __name__ == "__main__":  # check a rendered report: python tests/jaxgen/test_report_tables.py report/report.md
    found = check_report(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "report/report.md").read_text())
    print("\n".join(found) or "no problems")
    sys.exit(1 if found else 0)
