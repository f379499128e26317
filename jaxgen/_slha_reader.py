"""SLHA spectra in: the reader (SLHA 1/2 files -> :class:`SlhaSpectrum`, host data).

Reads an SLHA 1/2 spectrum (Skands et al., JHEP 0407:036 (2004); Allanach et al., CPC 180 (2009) 8) with
``pyslha`` (the ``io`` extra) after a strict structural check of its own (:func:`_prevalidate`: pyslha silently
skips or mangles what it does not understand): BLOCK MASS, the mixing blocks (NMIX, UMIX, VMIX, STOPMIX, SBOTMIX,
STAUMIX, USQMIX, DSQMIX, SELMIX, SNUMIX and their IM parts), HMIX, MINPAR, SPINFO; other blocks, DECAY and XSECTION
sections are skipped and listed. The physics (species weights, B/(B-L), m_X) is :mod:`jaxgen._spectrum`; both are
public as :mod:`jaxgen.slha`.

Errors: malformed files, a missing BLOCK MASS, unknown PDG codes, negative scalar masses and non-finite masses raise
``ValueError`` naming the file, the line, the block, the code and the fix.
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import re

import numpy as np

__all__ = [
    "PDG_NAMES",
    "SlhaSpectrum",
    "read_slha",
    "example_spectra",
    "example_spectrum",
]

# ---------------------------------------------------------------------------------------------------------------
# PDG codes (SLHA 1 numbering; in SLHA 2 the same codes label mass-ordered eigenstates, see jaxgen._spectrum)
# ---------------------------------------------------------------------------------------------------------------
PDG_NAMES: dict[int, str] = {
    1000001: "~d_L",
    1000002: "~u_L",
    1000003: "~s_L",
    1000004: "~c_L",
    1000005: "~b_1",
    1000006: "~t_1",
    2000001: "~d_R",
    2000002: "~u_R",
    2000003: "~s_R",
    2000004: "~c_R",
    2000005: "~b_2",
    2000006: "~t_2",
    1000011: "~e_L",
    1000012: "~nu_eL",
    1000013: "~mu_L",
    1000014: "~nu_muL",
    1000015: "~tau_1",
    1000016: "~nu_tauL",
    2000011: "~e_R",
    2000013: "~mu_R",
    2000015: "~tau_2",
    1000021: "~g",
    1000022: "~chi_10",
    1000023: "~chi_20",
    1000025: "~chi_30",
    1000035: "~chi_40",
    1000024: "~chi_1+",
    1000037: "~chi_2+",
    1000039: "~gravitino",
    25: "h0",
    35: "H0",
    36: "A0",
    37: "H+",
    1: "d",
    2: "u",
    3: "s",
    4: "c",
    5: "b",
    6: "t",
    11: "e",
    12: "nu_e",
    13: "mu",
    14: "nu_mu",
    15: "tau",
    16: "nu_tau",
    21: "g",
    22: "gamma",
    23: "Z",
    24: "W+",
}
_FERMION_CODES = {1000021, 1000022, 1000023, 1000025, 1000035, 1000024, 1000037, 1000039}  # sign = Majorana phase
_IGNORED_CODES = {1000039, 25, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16, 21, 22, 23, 24}
_UNKNOWN_HINTS = {
    1000045: "the NMSSM singlino",
    45: "an NMSSM CP-even singlet",
    46: "an NMSSM CP-odd singlet",
    2000012: "a right-handed sneutrino",
    2000014: "a right-handed sneutrino",
    2000016: "a right-handed sneutrino",
    1000017: "a fourth-generation state",
    1000018: "a fourth-generation state",
}


# ---------------------------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class SlhaSpectrum:
    """An SLHA spectrum as read from a file (host data; masses in GeV).

    Attributes:
        source: the path, or ``"<text>"``.
        masses: {PDG code: |mass|} from BLOCK MASS (pole masses, GeV; the sign of Majorana fermion masses, an SLHA
            phase convention, is dropped).
        signs: {PDG code: sign} of the MASS entries (-1 for negative Majorana masses).
        mixing: {block name: (n, m) array} of the mixing blocks found (NMIX, UMIX, VMIX, STOPMIX, SBOTMIX,
            STAUMIX, USQMIX, DSQMIX, SELMIX, SNUMIX; |R|^2 includes the IM<block> parts where given).
        mu: the mu parameter (GeV) from BLOCK HMIX entry 1, or None.
        tan_beta: tan(beta) from HMIX entry 2, else MINPAR entry 3, else None.
        generator: spectrum generator name and version from SPINFO entries 1, 2 (or "").
        ignored: PDG codes of BLOCK MASS that are known but not used (SM particles, h0, the gravitino) or unknown
            (only with ``strict=False``).
        blocks: names of the blocks read (those jaxgen uses).
        skipped: headers of the sections skipped because jaxgen does not use them (``"BLOCK MSOFT"``,
            ``"DECAY 1000006"``, ``"XSECTION"``, ...).
    """

    source: str
    masses: dict
    signs: dict
    mixing: dict
    mu: float | None
    tan_beta: float | None
    generator: str
    ignored: tuple
    blocks: tuple
    skipped: tuple = ()

    def name(self, code: int) -> str:
        """Conventional name of a PDG code (e.g. ``"~t_1"``)."""
        return PDG_NAMES.get(code, f"PDG {code}")


_BLOCK_RE = re.compile(r"^block\s+(\S+)", re.I)
_DECAY_RE = re.compile(r"^decay\s", re.I)
_MIX_BLOCKS = ("NMIX", "UMIX", "VMIX", "STOPMIX", "SBOTMIX", "STAUMIX", "USQMIX", "DSQMIX", "SELMIX", "SNUMIX")
_MIX_SHAPES = {
    "NMIX": (4, 4),
    "UMIX": (2, 2),
    "VMIX": (2, 2),
    "STOPMIX": (2, 2),
    "SBOTMIX": (2, 2),
    "STAUMIX": (2, 2),
    "USQMIX": (6, 6),
    "DSQMIX": (6, 6),
    "SELMIX": (6, 6),
    "SNUMIX": (3, 3),
}


def _pyslha():
    try:
        import pyslha
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("reading SLHA files needs pyslha (the 'io' extra): pip install 'jaxgen[io]'") from exc
    return pyslha


_FORTRAN_NUM = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))[dD]([+-]?\d+)$")
#: blocks jaxgen reads; every other block (and DECAY / XSECTION sections) is skipped (listed in
#: ``SlhaSpectrum.skipped``)
_USED_BLOCKS = ("MASS", *_MIX_BLOCKS, *("IM" + b for b in _MIX_BLOCKS), "HMIX", "MINPAR", "SPINFO")
#: entries per data line of the numeric blocks jaxgen reads: (number of integer indices, then one value)
_BLOCK_INDICES = {
    "MASS": 1,
    "HMIX": 1,
    "MINPAR": 1,
    **{b: 2 for b in _MIX_BLOCKS},
    **{"IM" + b: 2 for b in _MIX_BLOCKS},
}


def _num(tok: str) -> float:
    """A number token of an SLHA file; Fortran exponents (``2.0D+02``, as spectrum generators write them) too."""
    m = _FORTRAN_NUM.match(tok)
    return float(f"{m.group(1)}E{m.group(2)}" if m else tok)


def _int(tok: str) -> int:
    v = int(tok)  # ValueError for a non-integer token
    return v


def _prevalidate(text: str, src: str) -> tuple[str, tuple[str, ...]]:
    """Structure and content check of the SLHA text (pyslha silently skips or mangles what it does not understand).

    Returns ``(text, skipped)``: the text of the blocks jaxgen reads (``_USED_BLOCKS``; Fortran D exponents rewritten
    as E) and the headers of the sections skipped (other blocks, DECAY, XSECTION). Raises ``ValueError`` naming the
    file, the line, the block and the fix for: a header without a name, a line that is neither a header nor data,
    data outside a block, a data line of a used block with the wrong number of entries or a non-number, a
    non-finite entry, a used block given twice, an entry given twice (e.g. a PDG code in BLOCK MASS)."""
    block = None  # the used block being read, or None (skipping / before the first header)
    in_section = False
    seen_blocks, seen_keys = {}, {}
    kept, skipped = [], []
    all_lines = text.splitlines()
    unterminated = bool(text) and not text.endswith(("\n", "\r"))
    for lineno, raw in enumerate(all_lines, 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        head = line.lstrip()
        toks = head.split()
        word = toks[0].lower()
        if word == "block":
            m = _BLOCK_RE.match(head)
            if not m:
                raise ValueError(
                    f"malformed SLHA file {src}, line {lineno}: 'BLOCK' without a block name "
                    f"({raw.strip()!r}); write e.g. 'BLOCK MASS  # pole masses'"
                )
            name = m.group(1).upper()
            in_section = True
            if name not in _USED_BLOCKS:
                block = None
                skipped.append(f"BLOCK {name}")
                continue
            if name in seen_blocks:
                raise ValueError(
                    f"malformed SLHA file {src}, line {lineno}: BLOCK {name} appears twice (first at "
                    f"line {seen_blocks[name]}); merge them into one block"
                )
            seen_blocks[name] = lineno
            block = name
            rest = " ".join(str(_num(t)) if _FORTRAN_NUM.match(t) else t for t in toks[2:])
            kept.append(f"BLOCK {name}" + (f"  {rest}" if rest else ""))
            continue
        if word in ("decay", "xsection"):
            if word == "decay":
                try:
                    _ = _int(toks[1]), _num(toks[2])  # validates: a PDG code and a width
                except (IndexError, ValueError):
                    raise ValueError(
                        f"malformed SLHA file {src}, line {lineno}: a DECAY line needs a PDG code and "
                        f"a width ('DECAY 1000006 1.2E+00'), got {raw.strip()!r}"
                    ) from None
            skipped.append(" ".join(toks[:2]).upper() if word == "decay" else "XSECTION")
            block, in_section = None, True
            continue
        if not (line[:1].isspace() or re.match(r"^[+-]?[\d.]", toks[0])):
            raise ValueError(
                f"malformed SLHA file {src}, line {lineno}: {raw.strip()!r} is neither a BLOCK/DECAY/"
                "XSECTION header nor a data line. Fix the line: headers are 'BLOCK NAME', data lines "
                "start with a space and a number, comments with #"
            )
        if not in_section:
            raise ValueError(
                f"malformed SLHA file {src}, line {lineno}: data line {raw.strip()!r} outside any "
                "BLOCK; put it under a header such as 'BLOCK MASS'"
            )
        if block is None:
            continue  # a line of a skipped block
        if block == "SPINFO":
            try:
                _ = _int(toks[0]), toks[1]  # validates: an integer index and a text
            except (IndexError, ValueError):
                raise ValueError(
                    f"malformed SLHA file {src}, line {lineno}: BLOCK SPINFO lines are 'index text' "
                    f"(e.g. '1  SOFTSUSY'), got {raw.strip()!r}; fix the line"
                ) from None
            kept.append(raw.split("#", 1)[0])
            continue
        n_idx = _BLOCK_INDICES[block]
        form = {"MASS": "'PDG-code mass'", "HMIX": "'index value'", "MINPAR": "'index value'"}.get(block, "'i j value'")
        if len(toks) != n_idx + 1:
            what = "an extra entry" if len(toks) > n_idx + 1 else "too few entries"
            raise ValueError(
                f"malformed SLHA file {src}, line {lineno}: BLOCK {block} lines are {form}, got "
                f"{raw.strip()!r} ({what}); fix the line (comments go after '#')"
            )
        try:
            idx = tuple(_int(t) for t in toks[:n_idx])
        except ValueError:
            what = "an integer PDG code" if block == "MASS" else "integer indices"
            raise ValueError(
                f"malformed SLHA file {src}, line {lineno}: BLOCK {block} needs {what} first, got {raw.strip()!r}"
            ) from None
        key: int | tuple[int, ...]
        if n_idx == 1:
            key = idx[0]
            entry = f"PDG code {key} ({PDG_NAMES.get(key, 'unknown')})" if block == "MASS" else f"entry {key}"
        else:
            key = idx
            entry = f"entry ({idx[0]}, {idx[1]})"
        try:
            val = _num(toks[-1])
        except ValueError:
            if block == "MASS":
                raise ValueError(
                    f"malformed SLHA file {src}, line {lineno}: the mass of {entry} in BLOCK MASS is "
                    f"not a number: {toks[-1]!r}; give the mass in GeV, e.g. '{key}  5.0E+02'"
                ) from None
            raise ValueError(
                f"malformed SLHA file {src}, line {lineno}: BLOCK {block} holds numbers only, got "
                f"{raw.strip()!r}; fix the value of {entry} (e.g. '-3.0E-01')"
            ) from None
        if block != "MASS" and not math.isfinite(val):
            raise ValueError(
                f"BLOCK {block} of {src}, line {lineno}: {entry} is {toks[-1]!r}, not a finite number; "
                "fix the spectrum (a mixing matrix or parameter must be finite)"
            )
        if unterminated and lineno == len(all_lines):
            raise ValueError(
                f"SLHA file {src}, line {lineno}: the last line {raw.strip()!r} (BLOCK {block}) has no "
                "line end: the file looks truncated, and a cut number would be read silently. Fix: "
                "complete the file (spectrum generators end every line with a newline)"
            )
        prev = seen_keys.setdefault(block, {})
        if key in prev:
            raise ValueError(
                f"BLOCK {block} of {src}: {entry} is given twice (lines {prev[key]} and {lineno}); keep one line"
            )
        prev[key] = lineno
        kept.append("   " + "   ".join([*map(str, idx), repr(val)]))
    return "\n".join(kept) + "\n", tuple(skipped)


def _read_matrix(blocks, name: str, src: str):
    shape = _MIX_SHAPES[name]
    out = np.zeros(shape)
    for label, part in ((name, 1.0), ("IM" + name, 1j)):
        if label not in blocks:
            continue
        for key, val in blocks[label].items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise ValueError(f"BLOCK {label} of {src}: entries are 'i j value', got key {key!r}")
            i, j = key
            if not (1 <= i <= shape[0] and 1 <= j <= shape[1]):
                raise ValueError(
                    f"BLOCK {label} of {src}: index ({i}, {j}) outside the {shape[0]}x{shape[1]} "
                    f"mixing matrix; indices run from 1 to {shape[0]} (rows) and {shape[1]} (columns): "
                    "fix the line"
                )
            out = out.astype(complex)
            out[i - 1, j - 1] += part * float(val)
    prob = np.abs(out) ** 2
    cols = prob.sum(axis=0)
    if np.max(np.abs(cols - 1.0)) > 1e-2:
        raise ValueError(
            f"BLOCK {name} of {src} is not unitary: the squared entries of column(s) "
            f"{[int(j) + 1 for j in np.where(np.abs(cols - 1.0) > 1e-2)[0]]} sum to "
            f"{np.round(cols, 4).tolist()}, not 1; check the block for typos or missing entries"
        )
    return prob


def read_slha(source: str | pathlib.Path, strict: bool = True) -> SlhaSpectrum:
    """Read an SLHA spectrum (path, or the SLHA text itself if it contains a newline).

    Args:
        source: file path (str or Path) or SLHA text.
        strict: raise on PDG codes of BLOCK MASS that are not MSSM particles (default); ``False`` ignores them and
            lists them in ``SlhaSpectrum.ignored``.

    Returns:
        :class:`SlhaSpectrum` (masses in GeV).

    Raises:
        ValueError: malformed file, no BLOCK MASS, unknown PDG code (naming the code and the block), non-finite or
            negative scalar masses, non-unitary mixing blocks. FileNotFoundError if the path does not exist.
    """
    pyslha = _pyslha()
    if isinstance(source, str) and "\n" in source:
        text, src = source, "<text>"
    else:
        path = pathlib.Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"SLHA file {str(path)!r} not found")
        try:
            text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark is harmless
        except UnicodeDecodeError as e:
            raise ValueError(
                f"malformed SLHA file {path}: not a UTF-8/ASCII text file (byte {e.start}: {e.reason}); "
                "SLHA files are plain ASCII: re-save it as text"
            ) from None
        src = str(path)
    text, skipped = _prevalidate(text, src)
    try:
        doc = pyslha.readSLHA(text, ignorenomass=True, ignorenobr=True)
    except Exception as exc:  # pyslha.ParseError and friends
        raise ValueError(f"malformed SLHA file {src}: {exc}") from None
    blocks = {k.upper(): v for k, v in doc.blocks.items()}
    if "MASS" not in blocks or len(blocks["MASS"]) == 0:
        raise ValueError(
            f"SLHA file {src} has no (or an empty) BLOCK MASS: the spectrum's pole masses are needed. "
            "Add 'BLOCK MASS' with lines 'PDG-code mass-in-GeV' (e.g. '   1000006   5.0E+02   # ~t_1')"
        )
    masses, signs, ignored = {}, {}, []
    for code, val in blocks["MASS"].items():
        code = int(code)
        val = float(val)
        if code not in PDG_NAMES:
            if strict:
                hint = _UNKNOWN_HINTS.get(code, "not a particle of the MSSM")
                raise ValueError(
                    f"unknown PDG code {code} in BLOCK MASS of {src} ({hint}): jaxgen maps MSSM spectra "
                    "only. Remove the line, or pass strict=False (CLI: --lenient) to ignore it"
                )
            ignored.append(code)
            continue
        if not math.isfinite(val):
            raise ValueError(
                f"mass of PDG code {code} ({PDG_NAMES[code]}) in BLOCK MASS of {src} is {val}; "
                "give a finite mass in GeV"
            )
        if val < 0 and code not in _FERMION_CODES:
            raise ValueError(
                f"negative mass {val} GeV for PDG code {code} ({PDG_NAMES[code]}, a scalar) in BLOCK "
                f"MASS of {src}: scalar masses must be >= 0 (a negative value usually signals a "
                "tachyonic spectrum); fix the spectrum"
            )
        masses[code] = abs(val)
        signs[code] = -1.0 if val < 0 else 1.0
        if code in _IGNORED_CODES:
            ignored.append(code)
    mixing = {name: _read_matrix(blocks, name, src) for name in _MIX_BLOCKS if name in blocks}
    for group, what in ((("NMIX", "UMIX", "VMIX"), "the neutralino/chargino mixing (Higgsino and gaugino content)"),):
        have = [b for b in group if b in mixing]
        if have and len(have) < len(group):
            missing = [b for b in group if b not in mixing]
            raise ValueError(
                f"SLHA file {src} gives BLOCK {', '.join(have)} but not {', '.join(missing)}: jaxgen "
                f"reads {what} from all of {', '.join(group)} together (a missing block often means a "
                f"truncated file). Fix: add BLOCK {', '.join(missing)}, or remove {', '.join(have)}"
            )
    mu = tan_beta = None
    if "HMIX" in blocks:
        hm = blocks["HMIX"]
        if 1 in hm:
            mu = float(hm[1])
        if 2 in hm:
            tan_beta = float(hm[2])
    if tan_beta is None and "MINPAR" in blocks and 3 in blocks["MINPAR"]:
        tan_beta = float(blocks["MINPAR"][3])
    generator = ""
    if "SPINFO" in blocks:
        sp = blocks["SPINFO"]
        generator = " ".join(str(sp[k]) for k in (1, 2) if k in sp)
    return SlhaSpectrum(
        source=src,
        masses=masses,
        signs=signs,
        mixing=mixing,
        mu=mu,
        tan_beta=tan_beta,
        generator=generator,
        ignored=tuple(sorted(set(ignored))),
        blocks=tuple(blocks),
        skipped=skipped,
    )


# ---------------------------------------------------------------------------------------------------------------
# shipped examples
# ---------------------------------------------------------------------------------------------------------------
def example_spectra() -> dict[str, pathlib.Path]:
    """{name: path} of the example SLHA spectra shipped in ``jaxgen/data/slha`` (written for this project)."""
    import importlib.resources

    root = importlib.resources.files("jaxgen") / "data" / "slha"
    return {
        p.name[:-5]: pathlib.Path(str(p))
        for p in sorted(root.iterdir(), key=lambda q: q.name)
        if p.name.endswith(".slha")
    }


def example_spectrum(name: str) -> pathlib.Path:
    """Path of a shipped example spectrum by name (``"heavy"``, ``"compressed"``, ``"light_rh"``)."""
    ex = example_spectra()
    if name not in ex:
        raise ValueError(f"unknown example spectrum {name!r}; choose one of {sorted(ex)}")
    return ex[name]
