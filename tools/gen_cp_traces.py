"""Generate the closed-form spin sums of jaxgen._cp_loops (writes jaxgen/_cp_traces.py). Development-time only.

Usage: ``.venv/bin/python tools/gen_cp_traces.py`` (sympy; ~1 min). Derivation: docs/derivations/cp_from_spectrum.md,
section "Closed-form spin sums".

Every vertex is c_L P_L + c_R P_R, so the spin-summed traces of a unitarity cut are sums over the chiralities of
the four vertices of (coupling product) x (real kinematic trace with projectors). The traces are evaluated here once,
symbolically, with the same explicit Weyl-basis Dirac matrices, momenta and polarisation sums as the numerical code:

* decaying state at rest, p_i = (m_i, 0); X = (A, S) with p_A = (E_A, 0, 0, p_X), p_S = (E_S, 0, 0, -p_X);
  cut Y = (B, V) with p_B = (E_B, p_Y s, 0, p_Y c), p_V = p_i - p_B; t-channel momentum q = p_B - p_S; c = cos(theta).
* a massive vector's polarisation sum: sum_pol eps^mu eps^nu = -g^{mu nu} + k^mu k^nu / m^2 (the 3 physical
  polarisations of the old code); a scalar's "polarisation" is the identity.
* gamma5 traces vanish: every momentum lies in the (t, x, z) subspace, so no Levi-Civita term survives; the
  kinematic traces are real (checked: their imaginary parts are exactly 0) and, being Lorentz scalars, contain
  sin(theta) only as s^2 = 1 - c^2 (checked: odd powers of s cancel).

Output per kind (vector flags of S and V: (0, 0), (1, 0), (0, 1); at most one of S, V is a vector in the cuts):
* s-channel K_s[j, x1, x2, x3, x4, n]: the coefficient of m_k^j c^n in
  Tr[(pslash_i + m_i) P_{1-x1} Sum_S[eps_S (pslash_A + m_A) eps_S] P_x2 (pslash_i + m_k) Sum_V[eps_V P_x3
  (pslash_B + m_B) eps_V] P_x4], multiplying conj(cX[x1]) o_k[x2] in_k[x3] cY[x4];
* t-channel K_t[x1, x, y, x4, n]: the coefficient of c^n in
  Tr[(pslash_i + m_i) P_{1-x1} eps_S (pslash_A + m_A) eps_V P_x qslash eps_S P_y (pslash_B + m_B) eps_V P_x4],
  multiplying conj(cX[x1]) c_t[x, y] cY[x4];
* tree width K_w[x1, x2]: Tr[(pslash_i + m_i) P_{1-x1} Sum_S[eps_S (pslash_A + m_A) eps_S] P_x2] (no angle),
  multiplying conj(c[x1]) c[x2].
"""

from __future__ import annotations

import itertools
import pathlib
import subprocess
import sys

import sympy as sp

mi, mA, mB, mS, mV, mk = sp.symbols("mi mA mB mS mV mk", real=True)
EA, ES, EB, EV, pX, pY, c, s = sp.symbols("EA ES EB EV pX pY c s", real=True)

I2 = sp.eye(2)
Z2 = sp.zeros(2)
SIG = [sp.Matrix([[0, 1], [1, 0]]), sp.Matrix([[0, -sp.I], [sp.I, 0]]), sp.Matrix([[1, 0], [0, -1]])]
GAM = [sp.BlockMatrix([[Z2, I2], [I2, Z2]]).as_explicit()] + [
    sp.BlockMatrix([[Z2, sg], [-sg, Z2]]).as_explicit() for sg in SIG
]
ETA = [1, -1, -1, -1]
I4 = sp.eye(4)
PROJ = [sp.diag(1, 1, 0, 0), sp.diag(0, 0, 1, 1)]


def slash(p):
    return sum((GAM[m] * (ETA[m] * p[m]) for m in range(4)), sp.zeros(4))


def ex(m):
    return m.applyfunc(sp.expand)


p_i = (mi, 0, 0, 0)
p_A = (EA, 0, 0, pX)
p_S = (ES, 0, 0, -pX)
p_B = (EB, pY * s, 0, pY * c)
p_V = (EV, -pY * s, 0, -pY * c)
q = tuple(b - a for b, a in zip(p_B, p_S))


def pol_terms(k, m, vec):
    """[(weight, left, right)]: sum_pol eps_slash ... eps_slash = sum weight * left ... right."""
    if not vec:
        return [(sp.Integer(1), I4, I4)]
    out = []
    for mu in range(4):
        for nu in range(4):
            w = ETA[mu] * ETA[nu] * ((-ETA[mu] if mu == nu else 0) + k[mu] * k[nu] / m**2)
            if w != 0:
                out.append((w, GAM[mu], GAM[nu]))
    return out


def finish(expr):
    """Real polynomial in c: drop s^odd (asserted zero), s^2 -> 1 - c^2; returns list of c^n coefficients."""
    expr = sp.expand(expr)
    assert sp.expand(sp.im(expr)) == 0 if expr.has(sp.I) else True
    expr = sp.expand(sp.re(expr)) if expr.has(sp.I) else expr
    ps = sp.Poly(expr, s)
    tot = sp.Integer(0)
    for (n,), co in ps.terms():
        if n % 2:
            assert sp.expand(co) == 0, "odd power of sin(theta) survived"
            continue
        tot += co * (1 - c**2) ** (n // 2)
    pc = sp.Poly(sp.expand(tot), c)
    deg = int(pc.degree()) if tot != 0 else 0  # pyright: ignore[reportArgumentType]
    return [sp.expand(pc.coeff_monomial(c**n)) for n in range(deg + 1)]


def kind_traces(vs, vv):
    PI = ex(slash(p_i) + mi * I4)
    PA = ex(slash(p_A) + mA * I4)
    PB = ex(slash(p_B) + mB * I4)
    PK = ex(slash(p_i) + mk * I4)
    QS = ex(slash(q))
    tS = pol_terms(p_S, mS, vs)
    tV = pol_terms(p_V, mV, vv)
    sandS = ex(sum((w * L * PA * R for w, L, R in tS), sp.zeros(4)))
    res_s, res_t = {}, {}
    for x1, x2, x3, x4 in itertools.product((0, 1), repeat=4):
        sandV = ex(sum((w * L * PROJ[x3] * PB * R for w, L, R in tV), sp.zeros(4)))
        m = ex(PI * PROJ[1 - x1] * sandS * PROJ[x2] * PK * sandV * PROJ[x4])
        tr = sp.expand(m.trace())
        for j in (0, 1):
            res_s[(j, x1, x2, x3, x4)] = finish(sp.expand(tr).coeff(mk, j))
    for x1, x, y, x4 in itertools.product((0, 1), repeat=4):
        tot = sp.Integer(0)
        for wS, LS, RS in tS:
            for wV, LV, RV in tV:
                m = PI * PROJ[1 - x1] * LS * PA * LV * PROJ[x] * QS * RS * PROJ[y] * PB * RV * PROJ[x4]
                tot += wS * wV * m.trace()
        res_t[(x1, x, y, x4)] = finish(tot)
    return res_s, res_t


def width_traces(vs):
    PI = ex(slash(p_i) + mi * I4)
    PA = ex(slash(p_A) + mA * I4)
    sandS = ex(sum((w * L * PA * R for w, L, R in pol_terms(p_S, mS, vs)), sp.zeros(4)))
    return {
        (x1, x2): finish((PI * PROJ[1 - x1] * sandS * PROJ[x2]).trace())
        for x1, x2 in itertools.product((0, 1), repeat=2)
    }


ARGS = "mi, mA, mB, mS, mV, EA, ES, EB, EV, pX, pY"


def cmat(name):
    """2x2 real symbols name{a}{b} and the code that unpacks them from an array (..., 2, 2)."""
    syms = [[sp.Symbol(f"{name}{a}{b}", real=True) for b in (0, 1)] for a in (0, 1)]
    code = [f"    {name}{a}{b} = {name}[..., {a}, {b}]" for a in (0, 1) for b in (0, 1)]
    return syms, code


def emit(name, exprs, extra, unpack, doc):
    """A jnp function of the kinematics (and coupling arrays `extra`) returning the list `exprs` stacked on -1."""
    repl, red = sp.cse(exprs, symbols=sp.numbered_symbols("t"), optimizations="basic")
    used = {str(x) for e in exprs for x in e.free_symbols}
    unpack = [ln for ln in unpack if ln.split("=")[0].strip() in used]
    lines = [f"def {name}({ARGS}, {', '.join(extra)}):", f'    """{doc}"""'] + unpack
    for sym, e in repl:
        lines.append(f"    {sym} = {sp.pycode(e)}")
    lines.append("    z = jnp.zeros_like(mi)")
    lines.append(f"    return jnp.stack([{', '.join(f'({sp.pycode(e)}) + z' for e in red)}], axis=-1)")
    return "\n".join(lines) + "\n"


def main():
    kinds = [(0, 0), (1, 0), (0, 1)]
    parts = []
    degs = {}
    xr, ux = cmat("xr")
    xi, uxi = cmat("xi")
    o0r, u0r = cmat("o0r")
    o0i, u0i = cmat("o0i")
    o1r, u1r = cmat("o1r")
    o1i, u1i = cmat("o1i")
    ctr, utr = cmat("ctr")
    cti, uti = cmat("cti")
    orr, oii = (o0r, o1r), (o0i, o1i)
    for vs, vv in kinds:
        rs, rt = kind_traces(vs, vv)
        # s-channel, integrated over c in [-1, 1]: sum_{j,x} Int K_s dc * Im(xy[x1, x4] ok_j[x2, x3])
        tot = sp.Integer(0)
        for (j, x1, x2, x3, x4), co in rs.items():
            kint = sum((cf * sp.Rational(2, n + 1) for n, cf in enumerate(co) if n % 2 == 0), sp.Integer(0))
            tot += kint * (xr[x1][x4] * oii[j][x2][x3] + xi[x1][x4] * orr[j][x2][x3])
        parts.append(
            emit(
                f"s_int_{vs}{vv}",
                [tot],
                ["xr", "xi", "o0r", "o0i", "o1r", "o1i"],
                ux + uxi + u0r + u0i + u1r + u1i,
                f"s-channel Int_{{-1}}^{{1}} dc Im[sum_chi C_chi K_chi(c)], vector flags S={vs}, V={vv}; shape (..., 1).",
            )
        )
        ndeg = max(len(v) for v in rt.values())
        bs = [sp.Integer(0)] * ndeg
        for (x1, x, y, x4), co in rt.items():
            imc = xr[x1][x4] * cti[x][y] + xi[x1][x4] * ctr[x][y]
            for n, cf in enumerate(co):
                bs[n] += cf * imc
        degs[f"t_poly_{vs}{vv}"] = ndeg
        parts.append(
            emit(
                f"t_poly_{vs}{vv}",
                bs,
                ["xr", "xi", "ctr", "cti"],
                ux + uxi + utr + uti,
                f"t-channel numerator Im[sum_chi C_chi K_chi(c)] = sum_m b_m c^m: (..., {ndeg}), vector flags S={vs}, V={vv}.",
            )
        )
    cr, ucr = cmat("cr")
    for vs in (0, 1):
        tw = width_traces(vs)
        tot = sum((co[0] * cr[x1][x2] for (x1, x2), co in tw.items() if co), sp.Integer(0))
        parts.append(
            emit(
                f"w_{vs}",
                [tot],
                ["cr"],
                ucr,
                f"tree-width spin sum sum_x Re(conj(c[x1]) c[x2]) K_w[x1, x2] (cr = the real part), vector flag S={vs}.",
            )
        )
    head = (
        '"""GENERATED by tools/gen_cp_traces.py -- do not edit. Closed-form spin sums of the unitarity cuts of\n'
        "jaxgen._cp_loops (real kinematic traces per vertex chirality, contracted with the coupling products); see the\n"
        'generator and docs/derivations/cp_from_spectrum.md. Arguments: masses and CM energies/momenta [GeV]."""\n\n'
        "import jax.numpy as jnp\n\n\n"
    )
    path = pathlib.Path(__file__).resolve().parents[1] / "jaxgen" / "_cp_traces.py"
    path.write_text(head + "\n\n".join(parts))
    ruff = pathlib.Path(sys.executable).with_name("ruff")
    subprocess.run([str(ruff), "format", str(path)], check=True)
    print(path, degs)


if __name__ == "__main__":
    main()
