"""docs/equations.md, the index paper equation -> public function -> test, is kept in sync with the code.

The index has one table per paper (a ``## `` heading naming Hall or Ardu), five columns per row:

    | eq. | what it says | implemented by | derived vs printed | tests |

* ``eq.``: ``(x.y)`` for Hall, March-Russell & West 2010 (HMW), ``(n)`` for Ardu, Queiroz Correa & Vives 2025; any
  other first cell (``Table 2``, ``text after (1.2)``) is an unnumbered result, checked like the others.
* ``implemented by``: public dotted names in backticks (``jaxgen.freezein.freezein_quadrature``), resolved here by
  import and getattr, never a private (``_name``) module; or ``not implemented: <reason>``.
* ``tests``: ``tests/<path>.py::test_name`` in backticks; each must be a test function of that file (read with ast,
  not imported). Every implemented row names at least one.

Checked here: every numbered equation of both papers has exactly one row; every function resolves; every test
exists; every equation number the package cites (regex over jaxgen/**/*.py) is in the index. Cells contain no ``|``.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "docs" / "equations.md"

#: Every numbered equation of the two papers (/work/shared/papers/: 000_* is HMW, 004_* is Ardu).
PAPER_EQUATIONS = {
    "HMW": tuple(f"{s}.{i}" for s, n in ((1, 5), (2, 9), (3, 4), (4, 9), (5, 4)) for i in range(1, n + 1)),
    "Ardu": tuple(str(i) for i in range(1, 52)),
}
PAPER_NAMES = {"HMW": "Hall, March-Russell & West 2010", "Ardu": "Ardu, Queiroz Correa & Vives 2025"}
PUBLIC_ROOTS = ("jaxgen", "jaxgen_kernels")


# ----------------------------------------------------------------------------------------------------------------
# the index parser


@dataclasses.dataclass
class Row:
    paper: str
    label: str  # first cell as written
    eq: str | None  # "4.2" / "19" for numbered equations, None for unnumbered results
    functions: list
    tests: list
    implemented: str  # the "implemented by" cell
    line: int
    refs: list = dataclasses.field(default_factory=list)  # public names cited in the other cells
    docs: list = dataclasses.field(default_factory=list)  # (file, section or None) of docs/derivations pointers


_EQ_CELL = re.compile(r"^\((\d+(?:\.\d+)?)\)$")
_NAME = re.compile(r"`([A-Za-z_][\w.]*)`")
_TEST = re.compile(r"`(tests/[\w/]+\.py)::([\w:]+)`")
_DOC = re.compile(r"docs/derivations/([\w-]+\.md)(?: sec\. (\d+(?:\.\d+)?))?")


def _paper_of_heading(heading: str) -> str | None:
    if "Hall" in heading or "HMW" in heading:
        return "HMW"
    if "Ardu" in heading:
        return "Ardu"
    return None


def parse_index(text: str) -> tuple[list[Row], list[str]]:
    """Rows of every table under a ``## `` paper heading, and the format problems found (as messages)."""
    rows, problems = [], []
    paper = None
    lines = text.splitlines()
    for i, line in enumerate(lines, 1):
        if line.startswith("## "):
            paper = _paper_of_heading(line)
            continue
        if not line.startswith("|") or paper is None:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if set("".join(cells)) <= set("-: "):
            continue  # the |---| separator
        nxt = lines[i] if i < len(lines) else ""
        if nxt.startswith("|") and set(nxt.replace("|", "").strip()) <= set("-: ") and nxt.strip():
            continue  # the header row (followed by the separator)
        where = f"docs/equations.md:{i}"
        if len(cells) != 5:
            problems.append(
                f"{where}: {len(cells)} cells, expected 5 (eq. | what it says | implemented by | "
                f"derived vs printed | tests); a '|' inside a cell splits it: write 'abs' or '/' instead"
            )
            continue
        label, what, implemented, derived, tests_cell = cells
        m = _EQ_CELL.match(label)
        eq = m.group(1) if m else None
        if label.startswith("(") and eq is None:
            problems.append(f"{where}: first cell {label!r} is not an equation number like (4.2) or (19)")
        if eq is not None:
            if paper == "HMW" and not re.fullmatch(r"\d\.\d+", eq):
                problems.append(
                    f"{where}: {label} is not an HMW equation number (x.y); Ardu rows go under the Ardu heading"
                )
            if paper == "Ardu" and "." in eq:
                problems.append(
                    f"{where}: {label} is not an Ardu equation number (an integer); HMW rows go under the Hall heading"
                )
        functions = [n for n in _NAME.findall(implemented) if n.split(".")[0] in PUBLIC_ROOTS]
        tests = [f"{p}::{t}" for p, t in _TEST.findall(tests_cell)]
        not_implemented = implemented.lower().startswith("not implemented")
        if not_implemented:
            reason = implemented.split(":", 1)[1].strip() if ":" in implemented else ""
            if len(reason.split()) < 2:
                problems.append(f"{where} {label}: 'not implemented' needs its reason: 'not implemented: <why>'")
        elif not functions:
            problems.append(
                f"{where} {label}: 'implemented by' names no public function (`jaxgen.x.y` in "
                f"backticks) and does not say 'not implemented: <reason>'"
            )
        elif not tests:
            problems.append(
                f"{where} {label}: implemented by {functions} but names no test: add "
                f"`tests/jaxgen/test_x.py::test_name` to its tests cell"
            )
        for item in re.findall(r"`([^`]*)`", tests_cell):
            if not re.fullmatch(r"tests/[\w/]+\.py::[\w:]+", item):
                problems.append(f"{where} {label}: {item!r} in the tests cell is not `tests/<file>.py::test_name`")
        refs = [n for n in _NAME.findall(what + " " + derived) if n.split(".")[0] in PUBLIC_ROOTS]
        docs = [(f, sec or None) for f, sec in _DOC.findall(" ".join(cells))]
        rows.append(Row(paper, label, eq, functions, tests, implemented, i, refs, docs))
    return rows, problems


def coverage_problems(rows: list[Row]) -> list[str]:
    """Every paper equation exactly once; nothing that is not an equation of the paper."""
    problems = []
    for paper, expected in PAPER_EQUATIONS.items():
        seen = {}
        for r in rows:
            if r.paper == paper and r.eq is not None:
                if r.eq in seen:
                    problems.append(
                        f"docs/equations.md:{r.line}: {paper} eq. ({r.eq}) is listed twice (also line "
                        f"{seen[r.eq]}): merge the rows"
                    )
                seen.setdefault(r.eq, r.line)
        for eq in expected:
            if eq not in seen:
                problems.append(
                    f"docs/equations.md: {PAPER_NAMES[paper]} eq. ({eq}) has no row: add "
                    f"'| ({eq}) | ... |' to the {paper} table (implemented by, or 'not implemented: why')"
                )
        for eq, line in seen.items():
            if eq not in expected:
                problems.append(
                    f"docs/equations.md:{line}: {paper} has no eq. ({eq}) (numbered equations: "
                    f"{expected[0]} ... {expected[-1]}): fix the number or remove the row"
                )
    return problems


def resolve(dotted: str):
    """The object a public dotted name points to: import the package, then getattr (importing submodules)."""
    parts = dotted.split(".")
    private = [p for p in parts if p.startswith("_")]
    if private:
        raise LookupError(
            f"`{dotted}` goes through the private name {private[0]!r}: name the public re-export "
            f"(e.g. jaxgen.<module>.<function>) instead; private modules are being moved"
        )
    if parts[0] not in PUBLIC_ROOTS:
        raise LookupError(f"`{dotted}` is not under {PUBLIC_ROOTS}")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], 1):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            try:
                obj = importlib.import_module(".".join(parts[: i + 1]))
            except ImportError:
                raise LookupError(f"`{dotted}`: {'.'.join(parts[:i])} has no attribute {part!r}") from None
    return obj


def _test_names(path: Path) -> set:
    """'test_x' and 'TestClass::test_x' names defined in a test file (ast, no import)."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(f"{node.name}::{sub.name}")
    return names


def test_reference_problems(rows: list[Row], root: Path = ROOT) -> list[str]:
    problems, cache = [], {}
    for r in rows:
        for ref in r.tests:
            file, name = ref.split("::", 1)
            path = root / file
            if not path.is_file():
                problems.append(
                    f"docs/equations.md:{r.line} {r.label}: test file {file} does not exist: fix the "
                    f"path in the tests cell"
                )
                continue
            if file not in cache:
                cache[file] = _test_names(path)
            if name not in cache[file] or not name.split("::")[-1].startswith("test"):
                problems.append(
                    f"docs/equations.md:{r.line} {r.label}: {file} has no test function {name!r}: "
                    f"fix the name in the tests cell (renamed or removed?)"
                )
    return problems


test_reference_problems.__test__ = False  # a helper, not a pytest test


def function_problems(rows: list[Row]) -> list[str]:
    problems = []
    for r in rows:
        for name in r.functions + r.refs:
            try:
                obj = resolve(name)
            except Exception as exc:
                problems.append(f"docs/equations.md:{r.line} {r.label}: {exc}")
                continue
            if obj is None:
                problems.append(f"docs/equations.md:{r.line} {r.label}: `{name}` resolves to None")
    return problems


def derivation_problems(rows: list[Row], root: Path = ROOT) -> list[str]:
    """Every ``docs/derivations/<file>.md sec. N`` pointer names an existing file with a section N heading."""
    problems = []
    for r in rows:
        for file, sec in r.docs:
            path = root / "docs" / "derivations" / file
            if not path.is_file():
                problems.append(
                    f"docs/equations.md:{r.line} {r.label}: docs/derivations/{file} does not exist: fix the pointer"
                )
            elif sec is not None and not re.search(r"^#{2,4} " + re.escape(sec) + r"[. ]", path.read_text(), re.M):
                problems.append(
                    f"docs/equations.md:{r.line} {r.label}: docs/derivations/{file} has no section "
                    f"{sec} (a heading '## {sec}. ...'): fix the section number"
                )
    return problems


# ----------------------------------------------------------------------------------------------------------------
# equation numbers cited by the package

_NUM = r"\(?\d+(?:\.\d+)?\)?"
_SEP = r"\s*(?:-|–|,|/|and|or|to|through)\s*"
_CITE = re.compile(r"\b(?:[Ee]qs?|[Ee]qns?|[Ee]quations?)(?:\.\s*|\s+)(" + _NUM + r"(?:" + _SEP + _NUM + r")*)")
#: a citation whose nearest preceding source name (same line) is one of these cites another paper or book
_FOREIGN = re.compile(
    r"Kolb|Turner|IDC|Iminniyaz|Gondolo|Saikawa|Drees|Chung|Garbrecht|Tulin|Kawasaki|Moroi|Feng|"
    r"Harvey|Ref\.|ref\.|\[\d+\]"
)
_OURS = re.compile(r"Hall|HMW|March-Russell|Ardu|paper")


def _expand(body: str) -> list[str]:
    """'(3.1)-(3.3)' -> 3.1, 3.2, 3.3; '(18)-(20)' -> 18, 19, 20; '(5), (7)' -> 5, 7."""
    out, prev, in_range = [], None, False
    for tok in re.findall(r"\d+(?:\.\d+)?|-|–|to|through", body):
        if tok in ("-", "–", "to", "through"):
            in_range = True
            continue
        if in_range and prev is not None:
            a, b = prev, tok
            if (
                "." in a
                and "." in b
                and a.split(".")[0] == b.split(".")[0]
                and int(b.split(".")[1]) > int(a.split(".")[1])
            ):
                sec = a.split(".")[0]
                out += [f"{sec}.{i}" for i in range(int(a.split(".")[1]) + 1, int(b.split(".")[1]) + 1)]
            elif "." not in a and "." not in b and 0 < int(b) - int(a) < 30:
                out += [str(i) for i in range(int(a) + 1, int(b) + 1)]
            else:
                out.append(tok)
        else:
            out.append(tok)
        prev, in_range = tok, False
    return out


def cited_equations(text: str, ardu_module: bool) -> list[tuple[str, str, int, str]]:
    """(paper, number, line, citation) for every equation citation in a source text.

    HMW numbers are x.y; Ardu numbers are integers and count in a module whose docstring names Ardu, or on a line
    that names Ardu. Citations of other sources (Kolb & Turner eq. 5.46, IDC eq. (2.19), eqs. 33-40 of a ref.) are
    skipped: the nearest source name before the citation on its line decides.
    """
    found = []
    for m in _CITE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        before = text[max(line_start, m.start() - 80) : m.start()]
        after = text[m.end() : m.end() + 25]
        foreign = list(_FOREIGN.finditer(before))
        ours = list(_OURS.finditer(before))
        if foreign and (not ours or foreign[-1].start() > ours[-1].start()):
            continue
        if re.match(r"\)?\s*of (their )?[Rr]ef", after):
            continue
        nums = _expand(m.group(1))
        line = text.count("\n", 0, m.start()) + 1
        if "." in nums[0]:
            found += [("HMW", n, line, m.group(0)) for n in nums if "." in n]
        elif ardu_module or "Ardu" in text[line_start : line_end if line_end >= 0 else None]:
            found += [("Ardu", n, line, m.group(0)) for n in nums if "." not in n]
    return found


def package_citations(root: Path = ROOT) -> list[tuple[str, str, str, str]]:
    """(paper, number, 'file:line', citation) over jaxgen/**/*.py."""
    out = []
    for path in sorted((root / "jaxgen").rglob("*.py")):
        text = path.read_text()
        try:
            doc = ast.get_docstring(ast.parse(text)) or ""
        except SyntaxError:
            doc = ""
        for paper, n, line, cite in cited_equations(text, "Ardu" in doc):
            out.append((paper, n, f"{path.relative_to(root)}:{line}", cite))
    return out


def citation_problems(rows: list[Row], citations) -> list[str]:
    indexed = {(r.paper, r.eq) for r in rows if r.eq is not None}
    problems, reported = [], set()
    for paper, n, where, cite in citations:
        if (paper, n) not in indexed and (paper, n) not in reported:
            reported.add((paper, n))
            others = sum(1 for c in citations if c[:2] == (paper, n)) - 1
            more = f" (and {others} more)" if others else ""
            problems.append(
                f"{where} cites {PAPER_NAMES[paper]} eq. ({n}) ({cite!r}){more}, which docs/equations.md "
                f"does not list: add a '| ({n}) | ... |' row to the {paper} table, or fix the citation if "
                f"the paper has no such equation"
            )
    return problems


# ----------------------------------------------------------------------------------------------------------------
# the tests


@pytest.fixture(scope="module")
def index_rows():
    assert INDEX.is_file(), "docs/equations.md is missing (the equation index)"
    rows, problems = parse_index(INDEX.read_text())
    assert not problems, "docs/equations.md format:\n" + "\n".join(problems)
    return rows


def test_index_lists_every_paper_equation_once(index_rows):
    problems = coverage_problems(index_rows)
    assert not problems, "\n".join(problems)


def test_every_function_resolves_by_public_import(index_rows):
    assert sum(len(r.functions) for r in index_rows) > 50
    problems = function_problems(index_rows)
    assert not problems, "docs/equations.md names functions that do not resolve:\n" + "\n".join(problems)


def test_every_test_reference_names_an_existing_test(index_rows):
    assert sum(len(r.tests) for r in index_rows) > 50
    problems = test_reference_problems(index_rows)
    assert not problems, "docs/equations.md names tests that do not exist:\n" + "\n".join(problems)


def test_every_derivation_pointer_names_an_existing_section(index_rows):
    assert sum(len(r.docs) for r in index_rows) > 20
    problems = derivation_problems(index_rows)
    assert not problems, "\n".join(problems)


def test_every_equation_cited_by_the_package_is_indexed(index_rows):
    cites = package_citations()
    assert {p for p, *_ in cites} == {"HMW", "Ardu"}, "the citation scan found no citations of one paper"
    problems = citation_problems(index_rows, cites)
    assert not problems, "\n".join(problems)


_BAD_TABLE = """\
## Hall, March-Russell & West 2010

| eq. | what it says | implemented by | derived vs printed | tests |
|---|---|---|---|---|
| (1.1) | yield | `jaxgen._freezein.freezein_closed_form` | | `tests/jaxgen/test_freezein.py::test_closed_form_matches_derivation` |
| (1.1) | again | `jaxgen.freezein.no_such_function` | | `tests/jaxgen/test_freezein.py::test_no_such_test` |
| (1.2) | coefficient | `jaxgen.freezein.freezein_closed_form` | | |
| (19) | wrong paper | not implemented: | | |
| (9.9) | no such equation | not implemented: a made-up equation | | |
| (1.3) | a | b | c |
| (1.4) | no function | the master formula | | `tests/jaxgen/test_cp.py` |

## Ardu, Queiroz Correa & Vives 2025

| eq. | what it says | implemented by | derived vs printed | tests |
|---|---|---|---|---|
| (18) | bino mass | `jaxgen.washout.bino_majorana_mass_loop` | docs/derivations/washout.md sec. 1 | `tests/jaxgen/no_such_file.py::test_x` |
| (19) | mu | `jaxgen.washout.higgsino_mu_loop` | see `jaxgen.washout.no_such_name`, docs/derivations/washout.md sec. 9, docs/derivations/nothing.md | `tests/jaxgen/test_washout.py::test_loop_mu_term_eq19_paper_number` |
"""


def test_parser_and_checks_catch_a_bad_table():
    """Self-check: every kind of mistake in a small bad table is reported, with the fix named."""
    rows, problems = parse_index(_BAD_TABLE)
    text = "\n".join(problems)
    assert "4 cells, expected 5" in text  # the (1.3) row
    assert "(1.4): 'implemented by' names no public function" in text
    assert "(1.4): 'tests/jaxgen/test_cp.py' in the tests cell is not" in text
    assert "(1.2): implemented by" in text and "names no test" in text
    assert "(19) is not an HMW equation number" in text
    assert "(19): 'not implemented' needs its reason" in text
    cov = "\n".join(coverage_problems(rows))
    assert "HMW eq. (1.1) is listed twice" in cov
    assert "eq. (1.5) has no row" in cov and "eq. (2.1) has no row" in cov
    assert "HMW has no eq. (9.9)" in cov
    assert "Ardu, Queiroz Correa & Vives 2025 eq. (1) has no row" in cov
    funcs = "\n".join(function_problems(rows))
    assert "private name '_freezein'" in funcs
    assert "has no attribute 'no_such_function'" in funcs
    assert "jaxgen.washout.bino_majorana_mass_loop" not in funcs  # a good name passes
    assert "has no attribute 'no_such_name'" in funcs  # names in the other cells resolve too
    docs = "\n".join(derivation_problems(rows))
    assert "washout.md has no section 9" in docs and "nothing.md does not exist" in docs
    assert "section 1" not in docs  # a good pointer passes
    refs = "\n".join(test_reference_problems(rows))
    assert "has no test function 'test_no_such_test'" in refs
    assert "no_such_file.py does not exist" in refs
    assert "test_closed_form_matches_derivation" not in refs  # a good reference passes
    # a citation that is not indexed is reported with its place and the fix
    cites = cited_equations('"""Ardu et al. module."""\n# Hall eq. (4.2) and eqs. (3.1)-(3.3); eq. (18)-(20)\n', True)
    assert [(p, n) for p, n, *_ in cites] == [
        ("HMW", "4.2"),
        ("HMW", "3.1"),
        ("HMW", "3.2"),
        ("HMW", "3.3"),
        ("Ardu", "18"),
        ("Ardu", "19"),
        ("Ardu", "20"),
    ]
    missing = "\n".join(citation_problems(rows, [(p, n, f"x.py:{line}", c) for p, n, line, c in cites]))
    assert (
        "x.py:2 cites Hall, March-Russell & West 2010 eq. (4.2)" in missing and "add a '| (4.2) | ... |' row" in missing
    )
    assert "eq. (1.1)" not in missing and "Ardu, Queiroz Correa & Vives 2025 eq. (18)" not in missing


def test_citation_scan_skips_other_sources():
    text = (
        '"""Module."""\n'
        "# <sigma v> = a + 6 b / x (Kolb & Turner eq. 5.46 convention); IDC eqs. 2.6-2.8\n"
        "# Chung, Garbrecht, Tulin 2008 (eqs. 33-40 of their ref. [14])\n"
        "# Harvey & Turner 1990; Hall et al. 2010, Sec. 3 and eq. (3.1)\n"
        "# eq. (7) here cites no paper of the index: this module does not name the R-symmetric one\n"
    )
    assert [(p, n) for p, n, *_ in cited_equations(text, ardu_module=False)] == [("HMW", "3.1")]
    assert ("Ardu", "7") in [(p, n) for p, n, *_ in cited_equations(text, ardu_module=True)]
    # names such as eq42_relic or epsilon_eq27 are not citations
    assert cited_equations('x = res["eq42_relic"]; epsilon_eq27(1, 2)\n', ardu_module=True) == []
