"""CP asymmetries of chargino/neutralino decays to (lepton, phi_X) computed from the spectrum and its phases.

Hall, March-Russell, West 2010 (HMW), Sec. 2.1, eqs. (2.3)-(2.5): eps = tree x one-loop interference, with the
absorptive parts of the one-loop amplitudes obtained by Cutkosky / unitarity as two-body phase-space integrals of
tree amplitudes. Derivation: docs/derivations/cp_from_spectrum.md. Units: GeV, radians.

Method (all at O(lambda^2 g^2) in the rates, i.e. leading order in the asymmetry):

- Every fermion is a left-handed Weyl field of the mass basis (chi0_1..4, chi+_1,2, chi-_1,2, nu, e); couplings are
  rotated from ONE gauge-basis Lagrangian (SU(2) x U(1) currents, Higgs-higgsino-gaugino Yukawas, W = mu H_u H_d +
  lambda L H_u X) with the SLHA mixing matrices of :mod:`jaxgen._cp` (N^* M_N N^dagger, U^* X V^dagger diagonal).
- Unitarity: Gamma(i -> f) - Gamma(ibar -> fbar) = -(1/2 m_i) sum_spins sum_n Int dPi_f dPi_n
  Im[M(i->f)^* M(n->f) M(i->n)], all three amplitudes at tree level; n runs over the open two-body states. For
  f = (l phi_X) the cuts n are chi_j W, chi_j Z, chi_j h (vertex graphs = t-channel lepton exchange in n -> f;
  self-energy/mixing graphs = s-channel chi_k, k != i); for the visible channels f = chi_j V the cut is l phi_X.
  Spin sums in closed form (the evaluated path, :func:`_cuts_closed`, :func:`_tree_widths_closed`): every vertex is
  c_L P_L + c_R P_R and all momenta lie in one (t, x, z) subspace, so each spin-summed trace is a sum over the vertex
  chiralities of (coupling product) x (a real polynomial in the masses, energies and c = cos theta); the massive
  vector polarisation sum is -g + k k/m^2. The polynomials are derived once with sympy (tools/gen_cp_traces.py) and
  stored as plain jnp code (jaxgen/_cp_traces.py); the coupling products are built in 4 blocks (species, direction)
  by broadcasting over (decaying state, X channel, Y channel), couplings gathered per channel, and the cuts of each
  boson kind (vector flags of S, V) are concatenated and evaluated by ONE copy of the generated polynomials.
- Cost (issue 14; measured on 2 shared CPU cores under heavy load, old and new in the same run): the evaluated path
  keeps the mass basis as the nonzero blocks of 7 rotated 11 x 11 matrices (block-diagonal rotation done block by
  block; since 2026-12-05 stored as one compact vector of 140 entries, not the dense 847) and gathers the
  couplings from static tables (_LazyVertex) instead of materialising the (6, 12, 12, 2) vertex tensors (two
  28 MB c128 arrays at N = 1024, the largest single XLA ops of the old program); the s-channel chi_k sum runs over
  the states of the decaying state's charge only (the other couplings vanish by charge conservation, to ~1e-18
  round-off of the wino generators); 3 instead of 8 copies of the polynomials. jaxpr 6921 -> 3756 equations;
  compile 29.6 -> 18.9 s (N = 8) and 26.0 -> 15.0 s (N = 1024) under load (~0.6x); forward 1.25x faster at N = 8,
  unchanged within the noise at N = 1024; gradient (N = 8) 1.5x faster, its compile 0.67x. Per-cut gathers (a flat
  list of all 224 cuts) were tried and are ~2.5x slower: gathers cost ~4 ns per element under vmap on XLA:CPU. The original numerical 4x4
  Dirac traces with explicit (unitary-gauge) polarisations and 8 angular nodes (:func:`_pair`, :func:`_tree_width`,
  ``_asymmetries_reference``) are kept as the reference; the two agree to ~1e-13 relative (tested to 1e-10).
- One direction of each cut (default): Delta Gamma_f^(n) = -Delta Gamma_n^(f) cut by cut (docs/derivations/
  cp_from_spectrum.md sec. 3), so only the 112 cuts with f = (l phi_X) are evaluated and the visible channels' rate
  differences are their negatives; ``unitarity_check=True`` evaluates the other 112 from their own Feynman rules
  (the sum rule is then a real check). Measured on 2 idle CPU cores, same run: 1.65e4 -> 2.7e4 points/s at
  N = 256 (1.7-1.8x at N = 32-1024), compile 5.2 -> 3.4 s.
- Angular integral over the relative direction of f and n: exact for the polynomial s-channel part (moments of c;
  Gauss-Legendre in the reference) and, for the t-channel lepton propagator, the closed form
  Int P_n(c)/(z - c) dc = 2 Q_n(z) (Legendre functions of the second kind) when the pole z is near the physical
  region (else 8-node Gauss-Legendre of the quadratic numerator over -q^2).
- Resonance regulator for nearly degenerate states (Pilaftsis & Underwood 2004, hep-ph/0309342): the s-channel
  factor 1/(m_k^2 - m_i^2) -> (m_k^2 - m_i^2)/((m_k^2 - m_i^2)^2 + m_i^2 Gamma_k^2), Gamma_k the total tree width.
- Sleptons and the heavy Higgs states (H, A, H+-) are taken heavy and decoupled; h has the couplings of the
  decoupling limit (alpha = beta - pi/2). The X fermion only couples through sleptons and is dropped.

Flavour: the W/Z/h loops are flavour-blind, so eps does not depend on lambda_k (nor on its phases) at this order;
the partial widths scale with sum_k |lambda_k|^2.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from . import _constants as c
from . import _cp_traces as _tr
from ._batching import check_chunk_size, chunked_vmap, per_backend
from ._cp import (
    _G2_DEFAULT,
    STATUS_BAD_SPECTRUM,
    STATUS_NO_OPEN_CUT,
    STATUS_OK,
    CPAsymmetry,
    GauginoHiggsinoParams,
    _check_species,
    _is_concrete,
    chargino_mass_matrix,
    chargino_spectrum,
    neutralino_mass_matrix,
    neutralino_spectrum,
    open_cuts,
    physical_phases,
)

__all__ = [
    "SpectrumCPAsymmetries",
    "cp_asymmetries_from_spectrum",
    "cp_asymmetries_from_spectrum_batch",
    "epsilon_from_spectrum",
    "CHARGINO_VISIBLE_CHANNELS",
    "NEUTRALINO_VISIBLE_CHANNELS",
    "NEUTRALINO_LAMBDA_CHANNELS",
]

_R2 = math.sqrt(2.0)

# ------------------------------------------------------------------------------------------------- Dirac algebra
_S1 = np.array([[0, 1], [1, 0]], complex)
_S2 = np.array([[0, -1j], [1j, 0]], complex)
_S3 = np.array([[1, 0], [0, -1]], complex)
_I2 = np.eye(2, dtype=complex)
_Z2 = np.zeros((2, 2), complex)
# Weyl (chiral) basis, metric (+,-,-,-): gamma^0 = [[0,1],[1,0]], gamma^i = [[0, s_i], [-s_i, 0]], P_L = diag(1,1,0,0)
_GAM = np.stack([np.block([[_Z2, _I2], [_I2, _Z2]])] + [np.block([[_Z2, s], [-s, _Z2]]) for s in (_S1, _S2, _S3)])
_PL = np.diag([1.0, 1.0, 0.0, 0.0]).astype(complex)
_PR = np.diag([0.0, 0.0, 1.0, 1.0]).astype(complex)
_ETA = np.array([1.0, -1.0, -1.0, -1.0])
_CHIRALITY = np.array([0, 0, 1, 1])  # Dirac index -> 0 (L: P_L = diag(1, 1, 0, 0)) or 1 (R), as in _chiral
_CHIRAL_ONEHOT = np.eye(2)[_CHIRALITY]  # (4, 2): P_X = diag(_CHIRAL_ONEHOT[:, X])
_ID4 = np.eye(4, dtype=complex)


def _slash(p):
    """gamma^mu p_mu for contravariant p (..., 4)."""
    return jnp.einsum("...m,mab->...ab", (p * _ETA).astype(complex), _GAM)


def _chiral(cpl):
    """c_L P_L + c_R P_R from (..., 2) complex couplings."""
    return cpl[..., 0, None, None] * _PL + cpl[..., 1, None, None] * _PR


def _bar(m):
    """Dirac adjoint of a matrix: gamma^0 m^dagger gamma^0."""
    return _GAM[0] @ jnp.conj(jnp.swapaxes(m, -1, -2)) @ _GAM[0]


# ------------------------------------------------------------------------------------- fields and flow states
# Left-handed Weyl fields (mass basis): 0-3 chi0_1..4, 4-5 chi+_1,2, 6-7 chi-_1,2, 8 nu, 9 e, 10 null (no field).
# Gauge basis in the same slots: 0-3 (B~, W~3, H~d0, H~u0), 4-5 (W~+, H~u+), 6-7 (W~-, H~d-), 8 nu, 9 e.
_NW = 11
_NULL = 10
# Four-component "flow states" (particle moving along the fermion line): xi = the LH field that annihilates it,
# eta = the LH field whose conjugate annihilates it (Psi = (xi, eta^dagger)).
#   0-3 chi0_j (Majorana), 4-5 chi-_a, 6-7 chi+_a, 8 nu, 9 nubar, 10 e-, 11 e+.
_XI = np.array([0, 1, 2, 3, 6, 7, 4, 5, 8, _NULL, 9, _NULL])
_ETAW = np.array([0, 1, 2, 3, 4, 5, 6, 7, _NULL, 8, _NULL, 9])
_FIELD = np.array([0, 1, 2, 3, 4, 5, 4, 5, 6, 6, 7, 7])  # physical field (6 = nu, 7 = e) of each flow state
_CHARGE = np.array([0, 0, 0, 0, -1, -1, 1, 1, 0, 0, -1, 1])  # electric charge of each flow state
_CHI_FLOWS = np.arange(8)
_LEPTON_FLOWS = np.arange(8, 12)
# bosons: 0 W+, 1 W-, 2 Z, 3 h, 4 phi_X, 5 phi_X^*
_IS_VECTOR = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])

CHARGINO_VISIBLE_CHANNELS = tuple(
    [f"chi0_{j + 1} W-" for j in range(4)]
    + [f"chi-_{j + 1} Z" for j in range(2)]
    + [f"chi-_{j + 1} h" for j in range(2)]
)
NEUTRALINO_VISIBLE_CHANNELS = tuple(
    [f"chi-_{j + 1} W+" for j in range(2)]
    + [f"chi+_{j + 1} W-" for j in range(2)]
    + [f"chi0_{j + 1} Z" for j in range(4)]
    + [f"chi0_{j + 1} h" for j in range(4)]
)
NEUTRALINO_LAMBDA_CHANNELS = ("nu phi_X", "nubar phi_X^*")

_CH_LAM = [(10, 4)]
_CH_VIS = [(j, 1) for j in range(4)] + [(4 + j, 2) for j in range(2)] + [(4 + j, 3) for j in range(2)]
_NE_LAM = [(8, 4), (9, 5)]
_NE_VIS = (
    [(4 + j, 0) for j in range(2)]
    + [(6 + j, 1) for j in range(2)]
    + [(j, 2) for j in range(4)]
    + [(j, 3) for j in range(4)]
)


def _generators():
    """SU(2) generators G^a and hypercharge Y on the 11 gauge-basis Weyl slots (L = -g W^a psi^dag sbar G^a psi)."""
    tau = np.stack([_S1, _S2, _S3]) / 2.0
    G = np.zeros((3, _NW, _NW), complex)
    Y = np.zeros((_NW, _NW), complex)
    for (up, lo), y in (((5, 3), 0.5), ((2, 7), -0.5), ((8, 9), -0.5)):  # H~u=(H~u+,H~u0), H~d=(H~d0,H~d-), L=(nu,e)
        idx = np.ix_([up, lo], [up, lo])
        for a in range(3):
            G[a][idx] = tau[a]
        Y[up, up] = Y[lo, lo] = y
    eps = np.zeros((3, 3, 3))
    for (i, j, k), s in (
        ((0, 1, 2), 1),
        ((1, 2, 0), 1),
        ((2, 0, 1), 1),
        ((0, 2, 1), -1),
        ((2, 1, 0), -1),
        ((1, 0, 2), -1),
    ):
        eps[i, j, k] = s
    # wino adjoint (T^b)_{ac} = -i eps_{bac} in the basis (W~1, W~2, W~3) = S (W~+, W~-, W~3)
    S = np.array([[1 / _R2, 1 / _R2, 0], [1j / _R2, -1j / _R2, 0], [0, 0, 1]])
    w = [4, 6, 1]
    for b in range(3):
        G[b][np.ix_(w, w)] = S.conj().T @ (-1j * eps[b]) @ S
    return G, Y, S


_GEN, _HYP, _WINO_S = _generators()
_Q = _GEN[2] + _HYP


def _kallen_p(m, m1, m2):
    """Two-body momentum sqrt(lambda(m^2, m1^2, m2^2))/(2m); 0 (and zero gradient) where the channel is closed."""
    lam = (m**2 - (m1 + m2) ** 2) * (m**2 - (m1 - m2) ** 2)
    ok = (m > m1 + m2) & (lam > 0)
    return jnp.where(ok, jnp.sqrt(jnp.where(ok, lam, 1.0)), 0.0) / (2.0 * m)


# ------------------------------------------------------------------------------------------------ couplings
def _lambda_norm(lam):
    """sqrt(sum_k |lambda_k|^2) of a scalar or per-flavour (complex) lambda; the loops are flavour-blind."""
    return jnp.sqrt(jnp.sum(jnp.abs(jnp.asarray(lam, dtype=complex)) ** 2))


def _lambda_yukawa_gauge(lam):
    """Gauge-basis Yphi of -lambda phi_X (nu H~u0 - e H~u+) + h.c. = -(1/2) phi_X psi^T Yphi psi + h.c. (W = lambda L H_u X)."""
    Yp = jnp.zeros((_NW, _NW), complex)
    return Yp.at[8, 3].set(lam).at[3, 8].set(lam).at[9, 5].set(-lam).at[5, 9].set(-lam)


def _vector_vertex(C):
    """(12, 12, 2) couplings (a_L, a_R)[A, B] of Abar gamma^mu (a_L P_L + a_R P_R) B from L = -V psi^dag sbar C psi."""
    xa, xb = _XI[:, None], _XI[None, :]
    ea, eb = _ETAW[:, None], _ETAW[None, :]
    return jnp.stack([-C[xa, xb], C[eb, ea]], axis=-1)


def _scalar_vertex(Yc):
    """(12, 12, 2) couplings (s_L, s_R)[A, B] of Abar (s_L P_L + s_R P_R) B from L = -(1/2) h psi^T Y psi + h.c."""
    xa, xb = _XI[:, None], _XI[None, :]
    ea, eb = _ETAW[:, None], _ETAW[None, :]
    return jnp.stack([-Yc[ea, xb], -jnp.conj(Yc)[xa, eb]], axis=-1)


def _vev_mass_matrix(p: GauginoHiggsinoParams):
    """The vev part of the 8 x 8 Weyl mass matrix (neutralino block, chargino X and X^T blocks; the gaugino masses
    and mu removed): Y_h = its rotation over sqrt2 v (H^0 -> v_i (1 + h/(sqrt2 v)), decoupling limit)."""
    X = chargino_mass_matrix(p)
    MN = neutralino_mass_matrix(p)
    Xv = X.at[0, 0].set(0.0).at[1, 1].set(0.0)
    MNv = MN.at[0, 0].set(0.0).at[1, 1].set(0.0).at[2, 3].set(0.0).at[3, 2].set(0.0)
    Mv = jnp.zeros((_NW, _NW), complex)
    return Mv.at[0:4, 0:4].set(MNv).at[6:8, 4:6].set(Xv).at[4:6, 6:8].set(Xv.T)


def _mass_basis(p: GauginoHiggsinoParams, g2, lam_abs):
    """Vertex tensors OUT, IN (6 bosons, 12, 12, 2) for flow B -> A, flow-state masses, boson masses."""
    ch = chargino_spectrum(p)
    ne = neutralino_spectrum(p)
    sw2 = jnp.asarray(p.sin2_theta_w)
    cw = jnp.sqrt(1.0 - sw2)
    R = jnp.zeros((_NW, _NW), complex)
    R = R.at[0:4, 0:4].set(ne.N).at[4:6, 4:6].set(ch.V).at[6:8, 6:8].set(ch.U).at[8, 8].set(1.0).at[9, 9].set(1.0)
    Rh = jnp.conj(R.T)

    cwp = g2 * (_GEN[0] + 1j * _GEN[1]) / _R2  # coefficient matrix of the W+ field
    cz = (g2 / cw) * (_GEN[2] - sw2 * _Q)
    Cwp = R @ cwp @ Rh
    Cwm = jnp.conj(Cwp.T)
    Cz = R @ cz @ Rh

    # Higgs h (decoupling limit): H^0 -> v_i (1 + h/(sqrt2 v)), so Y_h = (vev part of the mass matrix)/(sqrt2 v)
    Mv = _vev_mass_matrix(p)
    v = _R2 * jnp.asarray(p.m_W) / g2
    Yh = jnp.conj(R) @ (Mv / (_R2 * v)) @ Rh
    Yp = jnp.conj(R) @ _lambda_yukawa_gauge(lam_abs) @ Rh

    xa, xb = _XI[:, None], _XI[None, :]
    ea, eb = _ETAW[:, None], _ETAW[None, :]
    vec, sca = _vector_vertex, _scalar_vertex
    zero = jnp.zeros((12, 12), complex)
    phi_term = jnp.stack([-Yp[ea, xb], zero], axis=-1)  # the phi_X field: annihilates phi_X, creates phi_X^*
    phis_term = jnp.stack([zero, -jnp.conj(Yp)[xa, eb]], axis=-1)  # the phi_X^* field
    OUT = jnp.stack([vec(Cwm), vec(Cwp), vec(Cz), sca(Yh), phis_term, phi_term])
    IN = jnp.stack([vec(Cwp), vec(Cwm), vec(Cz), sca(Yh), phi_term, phis_term])
    mn, mc = ne.masses, ch.masses
    mf = jnp.concatenate([mn, mc, mc, jnp.zeros(4)])
    return OUT, IN, mf


# Block structure of the rotation R = diag(N, V, U, 1, 1, 0) on the 11 Weyl slots: (first slot, size) of each block
_BLOCKS = ((0, 4), (4, 2), (6, 2), (8, 1), (9, 1))


def _block_mask(M):
    """Static (5, 5) mask of the nonzero blocks of a static (11, 11) matrix on the slots of _BLOCKS."""
    return np.array([[np.any(M[a : a + n, b : b + m] != 0) for (b, m) in _BLOCKS] for (a, n) in _BLOCKS])


def _rotate_blocks(Rl, M, Rr, mask):
    """The blocks (row block, column block) -> Rl_P M_PQ Rr_Q^T of the nonzero blocks (static ``mask``) of
    Rl M Rr^T, for an (11, 11) matrix M (static numpy or traced) and block-diagonal Rl, Rr (lists of the 5 blocks).

    Each block by broadcasting (two small contractions, p^2 q + p q^2 products for a p x q block): 8 dense 11 x 11
    complex products per point cost ~4x more than the rest of the mass basis together on XLA:CPU (small batched dots
    become loops of tiny matrix products). The other blocks and row/column 10 (the null slot) are 0.
    """
    out = {}
    for bi, (a, n) in enumerate(_BLOCKS):
        for bj, (b, m) in enumerate(_BLOCKS):
            if mask[bi, bj]:
                blk = M[a : a + n, b : b + m]
                t = jnp.sum(Rl[bi][:, :, None] * blk[None, :, :], axis=1)  # (n, m): Rl_P M_PQ
                out[(bi, bj)] = jnp.sum(t[:, None, :] * Rr[bj][None, :, :], axis=2)  # (Rl_P M_PQ) Rr_Q^T
    return out


# The vertex tensors OUT, IN (6, 12, 12, 2) of _mass_basis hold ~7000 complex numbers per point, nearly all zero or
# repeated: built and stacked under vmap they cost more than the whole spin-sum evaluation (two ~28 MB c128 arrays at
# N = 1024). The evaluated path keeps only the nonzero blocks of the 7 rotated (11, 11) matrices below (one compact
# vector, _compact_layout) and a static table that says, for each entry [boson, A, B, chirality] of OUT / IN, which
# matrix entry it is and with which sign (0 for the null slot or a missing chirality); the entries the cuts need are
# gathered from them directly (_LazyVertex).
_MAT_CWP, _MAT_CWPC, _MAT_CZ, _MAT_YH, _MAT_YHC, _MAT_YP, _MAT_YPC = range(7)


def _vertex_tables():
    """Static (flat index into the (7, 11, 11) matrices, sign) tables of OUT and IN, each (6, 12, 12, 2)."""
    A = np.arange(12)[:, None]
    B = np.arange(12)[None, :]
    xa, xb, ea, eb = _XI[A], _XI[B], _ETAW[A], _ETAW[B]
    shape = (12, 12)

    def ent(mat, r, c_, sign):
        r, c_ = np.broadcast_to(r, shape), np.broadcast_to(c_, shape)
        null = (r == _NULL) | (c_ == _NULL)
        return np.where(null, 0, mat * _NW * _NW + r * _NW + c_), np.where(null, 0.0, float(sign))

    def zero():
        return np.zeros(shape, int), np.zeros(shape)

    def vec(mat, dag):
        """_vector_vertex of the matrix (dag: of its conjugate transpose, read from the conjugate matrix)."""
        if dag:
            return ent(mat, xb, xa, -1), ent(mat, ea, eb, 1)
        return ent(mat, xa, xb, -1), ent(mat, eb, ea, 1)

    def sca(mat, matc):
        return ent(mat, ea, xb, -1), ent(matc, xa, eb, -1)

    wm = vec(_MAT_CWPC, True)  # Cwm = Cwp^dagger: Cwm[a, b] = conj(Cwp)[b, a]
    wp = vec(_MAT_CWP, False)
    z = vec(_MAT_CZ, False)
    h = sca(_MAT_YH, _MAT_YHC)
    phi = (ent(_MAT_YP, ea, xb, -1), zero())  # the phi_X field
    phis = (zero(), ent(_MAT_YPC, xa, eb, -1))  # the phi_X^* field

    def pack(rows):
        idx = np.stack([np.stack([rows[k][x][0] for x in (0, 1)], axis=-1) for k in range(6)])
        sgn = np.stack([np.stack([rows[k][x][1] for x in (0, 1)], axis=-1) for k in range(6)])
        return idx, sgn

    return pack([wm, wp, z, h, phis, phi]), pack([wp, wm, z, h, phi, phis])


(_OUT_IDX, _OUT_SGN), (_IN_IDX, _IN_SGN) = _vertex_tables()


class _LazyVertex:
    """OUT or IN of _mass_basis without materialising it: ``v[S, A, B]`` (static numpy index arrays, broadcast
    together) = the (..., 2) couplings, gathered from the flattened rotated matrices."""

    def __init__(self, flat, idx, sgn):
        self.flat, self.idx, self.sgn = flat, idx, sgn

    def __getitem__(self, key):
        return jnp.take(self.flat, jnp.asarray(self.idx[key])) * self.sgn[key]

    def dense(self):
        """The full (6, 12, 12, 2) tensor (tests)."""
        return jnp.take(self.flat, jnp.asarray(self.idx)) * self.sgn


_CWP_GAUGE = (_GEN[0] + 1j * _GEN[1]) / _R2  # / g2: coefficient matrix of the W+ field
_MASK_W = _block_mask(_CWP_GAUGE)
_MASK_Z = _block_mask(_GEN[2]) | _block_mask(_Q)
_MASK_HV = np.zeros((5, 5), bool)
_MASK_HV[0, 0] = _MASK_HV[2, 1] = _MASK_HV[1, 2] = True  # the vev part of the mass matrices: N-N, U-V, V-U blocks
_YPHI_GAUGE = np.zeros((_NW, _NW), complex)  # = _lambda_yukawa_gauge(1.0)
_YPHI_GAUGE[8, 3] = _YPHI_GAUGE[3, 8] = 1.0
_YPHI_GAUGE[9, 5] = _YPHI_GAUGE[5, 9] = -1.0
_MASK_PHI = _block_mask(_YPHI_GAUGE)


_MASKS = (_MASK_W, _MASK_W, _MASK_Z, _MASK_HV, _MASK_HV, _MASK_PHI, _MASK_PHI)  # of the 7 matrices (_MAT_*)


def _compact_layout():
    """The compact coupling vector of _mass_basis_fast: position 0 holds a zero, then the nonzero blocks (static
    masks) of the 7 rotated matrices, each flattened. Returns the block order [(matrix, row block, column block)]
    and the (7 * 11 * 11,) map from an entry of the dense stacked matrices (the index of _vertex_tables) to its
    position (0 for an entry outside the nonzero blocks, which is exactly 0)."""
    order, remap, pos = [], np.zeros(7 * _NW * _NW, int), 1
    for m, mask in enumerate(_MASKS):
        for bi, (a, n) in enumerate(_BLOCKS):
            for bj, (b, w) in enumerate(_BLOCKS):
                if mask[bi, bj]:
                    order.append((m, bi, bj))
                    rows, cols = np.meshgrid(np.arange(a, a + n), np.arange(b, b + w), indexing="ij")
                    remap[m * _NW * _NW + rows * _NW + cols] = pos + np.arange(n * w).reshape(n, w)
                    pos += n * w
    return order, remap


_COMPACT_ORDER, _COMPACT_REMAP = _compact_layout()


def _mass_basis_fast(p: GauginoHiggsinoParams, g2, lam_abs, spectra=None):
    """= _mass_basis (the evaluated path), with OUT, IN as _LazyVertex: the rotations to the mass basis block by block
    (see _rotate_blocks), the couplings gathered on demand. The same numbers to round-off (tested).

    Only the nonzero blocks are stored, in one compact vector (_compact_layout: 140 complex numbers per point
    instead of the 7 dense 11 x 11 matrices): building the dense stack was one concatenate fusion of 8.7 us per point
    on XLA:CPU (N = 1024, XLA profiler), a fifth of the whole evaluation.

    ``spectra``: (chargino_spectrum(p), neutralino_spectrum(p)) when the caller has them already (the Hall chain:
    XLA does not merge repeated decompositions, and the neutralino one costs ~6 us per point on the CPU).
    """
    ch, ne = (chargino_spectrum(p), neutralino_spectrum(p)) if spectra is None else spectra
    sw2 = jnp.asarray(p.sin2_theta_w)
    cw = jnp.sqrt(1.0 - sw2)
    one = jnp.ones((1, 1), complex)
    Rb = [ne.N, ch.V, ch.U, one, one]
    Rc = [jnp.conj(b) for b in Rb]  # blocks of conj(R) (= the right factor of R M R^dagger, transposed)
    Mv = _vev_mass_matrix(p)
    v = _R2 * jnp.asarray(p.m_W) / g2
    Cwp = _rotate_blocks(Rb, _CWP_GAUGE, Rc, _MASK_W)
    Cz = _rotate_blocks(Rb, _GEN[2] - sw2 * _Q, Rc, _MASK_Z)
    Yh = _rotate_blocks(Rc, Mv, Rc, _MASK_HV)
    Yp = _rotate_blocks(Rc, _YPHI_GAUGE, Rc, _MASK_PHI)
    scale = (g2, g2, g2 / cw, 1.0 / (_R2 * v), 1.0 / (_R2 * v), lam_abs, lam_abs)
    mats = (Cwp, Cwp, Cz, Yh, Yh, Yp, Yp)
    conj = (False, True, False, False, True, False, True)  # the _MAT_* order: Cwp, Cwp^*, Cz, Yh, Yh^*, Yp, Yp^*
    pieces = [jnp.zeros(1, complex)]
    for m, bi, bj in _COMPACT_ORDER:
        blk = scale[m] * mats[m][(bi, bj)]
        pieces.append((jnp.conj(blk) if conj[m] else blk).reshape(-1))
    flat = jnp.concatenate(pieces)
    OUT = _LazyVertex(flat, _COMPACT_REMAP[_OUT_IDX], _OUT_SGN)
    IN = _LazyVertex(flat, _COMPACT_REMAP[_IN_IDX], _IN_SGN)
    mn, mc = ne.masses, ch.masses
    mf = jnp.concatenate([mn, mc, mc, jnp.zeros(4)])
    return OUT, IN, mf


def _pols(E, k, nhat, m, is_vec):
    """Real polarisation matrices (3, 4, 4): slashed eps for a vector of momentum k nhat, or (1, 0, 0) for a scalar.

    nhat = (sin t, 0, cos t); transverse (0, cos t, 0, -sin t), (0, 0, 1, 0); longitudinal (k, E nhat)/m.
    """
    st, ct = nhat[0], nhat[2]
    msafe = jnp.where(m > 0, m, 1.0)
    e1 = jnp.array([0.0, ct, 0.0, -st])
    e2 = jnp.array([0.0, 0.0, 1.0, 0.0])
    eL = jnp.concatenate([jnp.atleast_1d(k), E * nhat]) / msafe
    vmats = _slash(jnp.stack([e1, e2, eL]))
    smats = jnp.stack([_ID4, 0 * _ID4, 0 * _ID4])
    return is_vec * vmats + (1.0 - is_vec) * smats


_K = 8
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_K)
_LEG_P = np.stack([np.polynomial.legendre.legval(_GL_X, np.eye(_K)[n]) for n in range(_K)])  # (n, node)


def _legendre_q(z):
    """Q_0..Q_{K-1}(z), real |z| > 1 (Legendre functions of the second kind), by upward recurrence."""
    q0 = jnp.arctanh(1.0 / z)
    qs = [q0, z * q0 - 1.0]
    for n in range(1, _K - 1):
        qs.append(((2 * n + 1) * z * qs[n] - n * qs[n - 1]) / (n + 1))
    return jnp.stack(qs)


def _regulated_propagator(dm2, s, width):
    """Real s-channel factor 1/(m_k^2 - s) with the resonance regulator of Pilaftsis & Underwood (hep-ph/0309342).

    (m_k^2 - s) / ((m_k^2 - s)^2 + s Gamma_k^2): equal to 1/(m_k^2 - s) for |m_k^2 - s| >> m Gamma_k, bounded by
    1/(2 m Gamma_k) at the resonance, and odd in m_k^2 - s (so it vanishes, rather than diverges, at degeneracy).
    """
    return dm2 / (dm2**2 + s * width**2 + 1e-300)


def _pair(OUT, IN, mf, mb, width, d, A, S, B, V):
    """Delta Gamma_X^(Y) = -(1/2 m_i) sum_spins Int dPi_X dPi_Y Im[M(i->X)^* M(Y->X) M(i->Y)] (GeV).

    Decaying flow state d (at rest), X = (A, S out), cut Y = (B, V). X along +z, Y at angle acos(c).
    """
    mi, mA, mB = mf[d], mf[A], mf[B]
    mS, mV = mb[S], mb[V]
    pX = _kallen_p(mi, mA, mS)
    pY = _kallen_p(mi, mB, mV)
    is_open = (pX > 0) & (pY > 0)
    EA = (mi**2 + mA**2 - mS**2) / (2 * mi)
    ES = mi - EA
    EB = (mi**2 + mB**2 - mV**2) / (2 * mi)
    EV = mi - EB
    zhat = jnp.array([0.0, 0.0, 1.0])
    cth = jnp.asarray(_GL_X)
    sth = jnp.sqrt(1.0 - cth**2)
    nh = jnp.stack([sth, jnp.zeros_like(cth), cth], axis=-1)  # (K, 3)
    pi4 = jnp.array([1.0, 0.0, 0.0, 0.0]) * mi
    pA4 = jnp.concatenate([jnp.atleast_1d(EA), pX * zhat])
    pS4 = jnp.concatenate([jnp.atleast_1d(ES), -pX * zhat])
    pB4 = jnp.concatenate([jnp.full((_K, 1), EB), pY * nh], axis=-1)
    q4 = pB4 - pS4  # t-channel momentum, (K, 4)
    qsq = q4[:, 0] ** 2 - jnp.sum(q4[:, 1:] ** 2, axis=-1)

    ESm = _pols(ES, pX, -zhat, mS, jnp.asarray(_IS_VECTOR)[S])
    isv = jnp.asarray(_IS_VECTOR)[V]
    EVm = jax.vmap(lambda n: _pols(EV, pY, -n, mV, isv))(nh)  # (K, 3, 4, 4)

    GX = ESm @ _chiral(OUT[S, A, d])  # (3, 4, 4): i -> A + S
    GY = EVm @ _chiral(OUT[V, B, d])  # (K, 3, 4, 4): i -> B + V
    # s-channel chi_k, k not the decaying field; resonance-regulated real propagator factor
    s = mi**2
    mk = mf[_CHI_FLOWS]
    gk = width[jnp.asarray(_FIELD)[_CHI_FLOWS]]
    excl = jnp.asarray(_FIELD)[_CHI_FLOWS] == jnp.asarray(_FIELD)[d]  # the decaying state: external-leg graph
    Dk = jnp.where(excl, 0.0, _regulated_propagator(jnp.where(excl, 1.0, mk**2 - s), s, gk))
    Pk = _slash(pi4) + mk[:, None, None] * _ID4  # (8, 4, 4)
    # t-channel lepton (massless): numerator only, the denominator -q^2 is integrated in closed form
    # sum_l chi(vin_l) qslash ESm chi(vout_l) with chi = c_L P_L + c_R P_R and diagonal projectors: the product
    # qslash ESm masked entrywise by C[X(a), Y(b)] = sum_l vin_l[X] vout_l[Y] (X(a) the chirality of Dirac index a)
    c_t = jnp.einsum("lx,ly->xy", IN[V, A, _LEPTON_FLOWS], OUT[S, _LEPTON_FLOWS, B])  # (2, 2)
    mid = jnp.einsum("nbc,pcd->npbd", _slash(q4), ESm) * c_t[_CHIRALITY][:, _CHIRALITY]  # (K, p, 4, 4)

    Lm = (_slash(pi4) + mi * _ID4) @ _bar(GX) @ (_slash(pA4) + mA * _ID4)  # (p, 4, 4)
    Rm = (_slash(pB4) + mB[..., None, None] * _ID4)[:, None] @ GY  # (K, q, 4, 4)
    # s-channel: Ts[n] = Im sum_{p,q,k} Tr(Lm[p] ESm[p] chi_k^out Pk D_k EVm[n,q] chi_k^in Rm[n,q]), with the chiral
    # couplings chi = c_L P_L + c_R P_R linear in (c_L, c_R): the p sum, the k sum (per chirality of the second
    # vertex) and the q sum (per chirality) factorise, leaving one trace per chirality and angular node
    G = jnp.einsum("pab,pbc->ac", Lm, ESm)  # sum_p Lm[p] ESm[p]
    Gk = G[None] @ _chiral(OUT[S, A, _CHI_FLOWS]) @ (Pk * Dk[:, None, None])  # (k, 4, 4)
    c_in = IN[V, _CHI_FLOWS, B]  # (k, 2): (c_L, c_R) of chi_k -> B + V
    M_lr = jnp.einsum("kx,kab->xab", c_in, Gk)  # (2, 4, 4)
    R_lr = jnp.einsum("nqab,bx,nqbd->nxad", EVm, _CHIRAL_ONEHOT, Rm)  # (K, 2, 4, 4): EVm P_X Rm summed over q
    Ts = jnp.imag(jnp.einsum("xab,nxba->n", M_lr, R_lr))
    Nt = jnp.imag(jnp.einsum("pab,nqbc,npcd,nqda->n", Lm, EVm, mid, Rm))

    w = jnp.asarray(_GL_W)
    Is = jnp.sum(w * Ts)
    # -q^2 = alpha + beta c
    alpha = 2 * EB * ES - mB**2 - mS**2
    beta = 2 * pX * pY
    Dn = -qsq
    use_leg = is_open & (beta > 1e-12 * mi**2) & (jnp.abs(alpha) < 3.0 * beta)
    z = jnp.where(use_leg, -alpha / jnp.where(use_leg, beta, 1.0), 3.0)
    z = jnp.sign(z) * jnp.maximum(jnp.abs(z), 1.0 + 1e-12)
    a_n = (2 * jnp.arange(_K) + 1) / 2.0 * (jnp.asarray(_LEG_P) @ (w * Nt))
    It_leg = -2.0 / jnp.where(use_leg, beta, 1.0) * jnp.sum(a_n * _legendre_q(z))
    Dsafe = jnp.where(is_open & (jnp.abs(Dn) > 0), Dn, 1.0)
    It_gl = jnp.sum(w * Nt / Dsafe)
    It = jnp.where(use_leg, It_leg, It_gl)
    phi = (pX / (4 * math.pi * mi)) * (pY / (4 * math.pi * mi))
    return jnp.where(is_open, -(1.0 / (2 * mi)) * phi * 0.5 * (Is + It), 0.0)


def _tree_width(OUT, mf, mb, d, A, S):
    """Gamma(i -> A S) at tree level, spin-averaged (GeV)."""
    mi, mA, mS = mf[d], mf[A], mb[S]
    pX = _kallen_p(mi, mA, mS)
    EA = (mi**2 + mA**2 - mS**2) / (2 * mi)
    ES = mi - EA
    zhat = jnp.array([0.0, 0.0, 1.0])
    pi4 = jnp.array([1.0, 0.0, 0.0, 0.0]) * mi
    pA4 = jnp.concatenate([jnp.atleast_1d(EA), pX * zhat])
    ESm = _pols(ES, pX, -zhat, mS, jnp.asarray(_IS_VECTOR)[S])
    GX = ESm @ _chiral(OUT[S, A, d])
    tr = jnp.real(jnp.einsum("ab,pbc,cd,pda->", _slash(pi4) + mi * _ID4, _bar(GX), _slash(pA4) + mA * _ID4, GX))
    return jnp.where(pX > 0, tr * pX / (4 * math.pi * mi) / (4 * mi), 0.0)


# ------------------------------------------------------------------------ closed-form spin sums (the fast path)
# The spin sums of _pair / _tree_width in closed form (tools/gen_cp_traces.py -> jaxgen/_cp_traces.py): every vertex is
# c_L P_L + c_R P_R, so each trace is sum over the vertex chiralities of (coupling product) x (real kinematic trace),
# and the kinematic traces are low-order polynomials in c = cos(theta) (s-channel degree 1, t-channel numerator
# degree 2). The s-channel angular integral is then exact (moments of c), the t-channel log integral is the same
# Legendre-Q closed form (exact Legendre coefficients of the numerator polynomial) or the same 8-node Gauss-Legendre
# sum as _pair. All cuts of one kind (vector flags of S, V) are evaluated as one vectorised expression.
_KS = {(0, 0): _tr.s_int_00, (1, 0): _tr.s_int_10, (0, 1): _tr.s_int_01}
_KT = {(0, 0): _tr.t_poly_00, (1, 0): _tr.t_poly_10, (0, 1): _tr.t_poly_01}
_KW = {0: _tr.w_0, 1: _tr.w_1}


def _bsum(subscripts: str, *ops):
    """einsum by broadcasting and summing: XLA:CPU turns tiny batched contractions (dims 2..8, a batch of cuts and
    points) into slow loops of small matrix products; elementwise products fuse into one loop."""
    ins, out = subscripts.split("->")
    ins = ins.split(",")
    letters = list(dict.fromkeys("".join(ins)))
    sizes = {}
    for s, o in zip(ins, ops):
        for ch, n in zip(s, o.shape):
            sizes[ch] = max(sizes.get(ch, 1), n)
    prod = None
    for s, o in zip(ins, ops):
        perm = sorted(range(len(s)), key=lambda i: letters.index(s[i]))
        o = jnp.transpose(o, perm)
        present = sorted(s, key=letters.index)
        shape = [sizes[ch] if ch in present else 1 for ch in letters]
        o = o.reshape([o.shape[present.index(ch)] if ch in present else 1 for ch in letters])
        del shape
        prod = o if prod is None else prod * o
    assert prod is not None
    red = tuple(i for i, ch in enumerate(letters) if ch not in out)
    res = jnp.sum(prod, axis=red) if red else prod
    kept = [ch for ch in letters if ch in out]
    return jnp.transpose(res, [kept.index(ch) for ch in out])


def _poly2leg(ndeg):
    """(ndeg, ndeg) matrix: Legendre coefficients a_n = sum_m M[n, m] b_m of sum_m b_m c^m."""
    cols = [np.polynomial.legendre.poly2leg(np.eye(ndeg)[m]) for m in range(ndeg)]
    return np.stack([np.pad(col, (0, ndeg - len(col))) for col in cols], axis=1)


def _tree_widths_closed(OUT, mf, mb):
    """Gamma(i -> A S) of every row of _WIDTHS at once (GeV), closed-form spin sums; = vmap(_tree_width)."""
    out = jnp.zeros(len(_WIDTHS))
    for vs in (0, 1):
        idx = np.nonzero(_IS_VECTOR[_WIDTHS[:, 2]] == vs)[0]
        d, A, S = _WIDTHS[idx].T
        mi, mA, mS = mf[d], mf[A], mb[S]
        pX = _kallen_p(mi, mA, mS)
        EA = (mi**2 + mA**2 - mS**2) / (2 * mi)
        ES = mi - EA
        z = jnp.zeros_like(mi)
        cpl = OUT[S, A, d]  # (n, 2)
        cr = jnp.real(jnp.conj(cpl)[:, :, None] * cpl[:, None, :])
        tr = _KW[vs](mi, mA, z, mS, z, EA, ES, z, z, pX, z, cr)[..., 0]
        out = out.at[idx].set(jnp.where(pX > 0, tr * pX / (4 * math.pi * mi) / (4 * mi), 0.0))
    return out


def _cut_block_inputs(OUT, IN, mf, mb, width, ds, xch, ych):
    """Kinematics and coupling products of the cuts d -> X, cut Y for every d in ds, X = (A, S) in xch, Y = (B, V)
    in ych, each (nd, nx, ny, ...): the 11 kinematic arrays of _cp_traces, xy, ok0, ok1, c_t (see :func:`_cut_eval`).

    The couplings are gathered per channel and combined by broadcasting over (d, X, Y): gathers cost ~4 ns per
    element on XLA:CPU under vmap, so per-cut gathers (~20000 elements per point) would cost more than the spin sums.
    """
    ds, xch, ych = np.asarray(ds), np.asarray(xch), np.asarray(ych)
    XA, XS, YB, YV = xch[:, 0], xch[:, 1], ych[:, 0], ych[:, 1]
    mi = mf[ds][:, None, None]
    mA, mS = mf[XA][None, :, None], mb[XS][None, :, None]
    mB, mV = mf[YB][None, None, :], mb[YV][None, None, :]
    pX = _kallen_p(mi, mA, mS)
    pY = _kallen_p(mi, mB, mV)
    EA = (mi**2 + mA**2 - mS**2) / (2 * mi)
    ES = mi - EA
    EB = (mi**2 + mB**2 - mV**2) / (2 * mi)
    EV = mi - EB
    mi, mA, mB, mS, mV, EA, ES, EB, EV, pX, pY = jnp.broadcast_arrays(mi, mA, mB, mS, mV, EA, ES, EB, EV, pX, pY)
    kin = (mi, mA, mB, mS, mV, EA, ES, EB, EV, pX, pY)
    # couplings: decaying vertices xy[x1, x4] = conj(cX[x1]) cY[x4], s-channel sums ok_j[x2, x3] =
    # sum_k m_k^j D_k o_k[x2] i_k[x3], t-channel lepton sum c_t[x, y]
    cX = jnp.conj(OUT[XS[None, :], XA[None, :], ds[:, None]])  # (d, X, 2)
    cY = OUT[YV[None, :], YB[None, :], ds[:, None]]  # (d, Y, 2)
    xy = cX[:, :, None, :, None] * cY[:, None, :, None, :]  # (d, X, Y, 2, 2)
    # s-channel chi_k: only the flows of the decaying state's charge couple (charge conservation; the couplings of the
    # others vanish identically): neutralinos 0-3 for a neutralino, chi-_1,2 (4, 5) for a chi-
    ks = _CHI_FLOWS[_CHARGE[_CHI_FLOWS] == _CHARGE[ds[0]]]
    assert np.all(_CHARGE[ds] == _CHARGE[ds[0]])
    o_k = OUT[XS[:, None], XA[:, None], ks[None]]  # (X, k, 2)
    i_k = IN[YV[:, None], ks[None], YB[:, None]]  # (Y, k, 2)
    # t-channel lepton: the one flow with the charge of A (and of B), so that charge is conserved at both vertices
    ls = _LEPTON_FLOWS[None, None, :]
    c_t = _bsum(
        "xylb,xylc->xybc",
        IN[YV[None, :, None], XA[:, None, None], ls],
        OUT[XS[:, None, None], ls, YB[None, :, None]],
    )[None]  # (1, X, Y, 2, 2)
    s = mf[ds] ** 2  # (d,)
    mk = mf[ks]
    excl = _FIELD[ks][None, :] == _FIELD[ds][:, None]  # (d, k), static: the external-leg graph
    prop = _regulated_propagator(jnp.where(excl, 1.0, mk**2 - s[:, None]), s[:, None], width[_FIELD[ks]])
    Dk = jnp.where(excl, 0.0, prop)  # (d, k)
    ok = _bsum("xkb,jdk,ykc->jdxybc", o_k, jnp.stack([Dk, Dk * mk]), i_k)
    ok0, ok1 = ok[0], ok[1]
    c_t = jnp.broadcast_to(c_t, xy.shape)
    return (*kin, xy, ok0, ok1, c_t)


def _cut_eval(kin, xy, ok0, ok1, c_t, kind):
    """Delta Gamma (GeV) of a flat list of cuts of one kind (vector flags of S, V) from _cut_block_inputs: (n,).

    Closed-form spin sums; = _pair(..., d, A, S, B, V) to round-off. All cuts of one kind are evaluated in one call
    (one copy of the generated polynomials per kind: 3 instead of 8, which sets the compile time).
    """
    mi, mA, mB, mS, mV, EA, ES, EB, EV, pX, pY = kin
    is_open = (pX > 0) & (pY > 0)
    re, im = jnp.real, jnp.imag
    # s-channel: Int dc Im sum_chi C_chi K_chi(c) (K real, polynomial in c: exact moments)
    k11 = (mi, mA, mB, mS, mV, EA, ES, EB, EV, pX, pY)
    Is = _KS[kind](*k11, re(xy), im(xy), re(ok0), im(ok0), re(ok1), im(ok1))[..., 0]  # pyright: ignore[reportCallIssue]
    # t-channel numerator polynomial Nt(c) = sum_m b_m c^m
    b = _KT[kind](*k11, re(xy), im(xy), re(c_t), im(c_t))  # (n, deg)  # pyright: ignore[reportCallIssue]
    ndeg = b.shape[-1]
    alpha = 2 * EB * ES - mB**2 - mS**2
    beta = 2 * pX * pY
    use_leg = is_open & (beta > 1e-12 * mi**2) & (jnp.abs(alpha) < 3.0 * beta)
    z = jnp.where(use_leg, -alpha / jnp.where(use_leg, beta, 1.0), 3.0)
    z = jnp.sign(z) * jnp.maximum(jnp.abs(z), 1.0 + 1e-12)
    a_n = _bsum("nm,km->nk", b, jnp.asarray(_poly2leg(ndeg)))  # Legendre coefficients of Nt
    It_leg = -2.0 / jnp.where(use_leg, beta, 1.0) * jnp.sum(a_n * jnp.moveaxis(_legendre_q(z)[:ndeg], 0, -1), axis=-1)
    cth = jnp.asarray(_GL_X)
    Nt = _bsum("nm,jm->nj", b, jnp.asarray(np.vander(_GL_X, ndeg, increasing=True)))  # at the GL nodes
    qsq = (EB - ES)[..., None] ** 2 - (pY**2 + pX**2)[..., None] - 2 * (pX * pY)[..., None] * cth
    Dn = -qsq
    Dsafe = jnp.where(is_open[..., None] & (jnp.abs(Dn) > 0), Dn, 1.0)
    It_gl = jnp.sum(jnp.asarray(_GL_W) * Nt / Dsafe, axis=-1)
    It = jnp.where(use_leg, It_leg, It_gl)
    phi = (pX / (4 * math.pi * mi)) * (pY / (4 * math.pi * mi))
    return jnp.where(is_open, -(1.0 / (2 * mi)) * phi * 0.5 * (Is + It), 0.0)


def _split_by_vector(vis):
    """(vector channels, scalar channels) of a visible-channel list; vectors first (asserted: order preserved)."""
    vis = np.asarray(vis)
    isv = _IS_VECTOR[vis[:, 1]] == 1
    assert np.all(np.diff(~isv) >= 0), "visible channels must list the vector bosons first"
    return vis[isv], vis[~isv]


def _cuts_closed(OUT, IN, mf, mb, width, both_directions: bool = False):
    """Delta Gamma of every row of _PAIRS (GeV), in that order, closed-form spin sums; = vmap(_pair) to round-off.

    The blocks (species, direction, boson kind) are built by broadcasting (_cut_block_inputs), the cuts of each kind
    concatenated and evaluated together (_cut_eval), and the results put back in the order of _PAIRS.

    Default: only the direction X = (l phi_X), Y visible is evaluated (112 of the 224 cuts); the other is
    Delta_{YX} = -Delta_{XY}, the pairwise antisymmetry of the unitarity cuts (docs/derivations/cp_from_spectrum.md
    sec. 3, "Sum rule" and "Evaluated path": T_{YX} = T_{XY}^* at this order, so Im[A_X^* A_Y T_{XY}] changes sign
    under X <-> Y), which is also what makes the CPT/unitarity sum rule hold. ``both_directions=True`` (static) evaluates
    the two directions independently (twice the cost): the sum rule is then a real check of the spin sums, and the
    antisymmetry is tested against it (tests/jaxgen/test_cp_loops.py).
    """
    blocks = []  # (species index, kind, (nd, nx, ny), inputs)
    directions = ((2, "lam", "vis", ((0, 1), (0, 0))), (1, "vis", "lam", ((1, 0), (0, 0))))
    for sp_i, (ds, lam, vis) in enumerate((([4, 5], _CH_LAM, _CH_VIS), ([0, 1, 2, 3], _NE_LAM, _NE_VIS))):
        nv = len(_split_by_vector(vis)[0])
        chans = {"lam": lam, "vis": vis}
        # X = (lepton, phi_X) [S scalar], Y visible: kind (0, vector flag of V); then X visible, Y = (lepton, phi_X):
        # kind (vector flag of S, 0). One broadcast block per direction, split into its vector and scalar bosons.
        for axis, xn, yn, kinds in directions if both_directions else directions[:1]:
            xch, ych = chans[xn], chans[yn]
            full = _cut_block_inputs(OUT, IN, mf, mb, width, ds, xch, ych)
            for sl, kind in ((slice(0, nv), kinds[0]), (slice(nv, None), kinds[1])):
                part = [a[(slice(None),) * axis + (sl,)] for a in full]
                shape = part[0].shape
                n = math.prod(shape)
                blocks.append((sp_i, kind, shape, [a.reshape((n,) + a.shape[3:]) for a in part]))
    results: dict[int, jax.Array] = {}
    for kind in ((0, 0), (1, 0), (0, 1)):
        members = [i for i, b in enumerate(blocks) if b[1] == kind]
        if not members:
            continue
        cat = [jnp.concatenate([blocks[i][3][j] for i in members]) for j in range(15)]
        out = _cut_eval(tuple(cat[:11]), cat[11], cat[12], cat[13], cat[14], kind)
        start = 0
        for i in members:
            n = math.prod(blocks[i][2])
            results[i] = out[start : start + n].reshape(blocks[i][2])
            start += n
    parts = []
    for sp_i in (0, 1):
        r = [results[i] for i, b in enumerate(blocks) if b[0] == sp_i]
        d0 = jnp.concatenate([r[0], r[1]], axis=2)  # (d, lam channel, visible channel)
        # (d, visible channel, lam channel): evaluated, or the antisymmetric partner of d0
        d1 = jnp.concatenate([r[2], r[3]], axis=1) if both_directions else -jnp.swapaxes(d0, 1, 2)
        nd = d0.shape[0]
        parts.append(jnp.concatenate([d0.reshape(nd, -1), d1.reshape(nd, -1)], axis=1).reshape(-1))
    return jnp.concatenate(parts)


def _tables():
    ch_d, ne_d = [4, 5], [0, 1, 2, 3]
    widths = [(d, a, s) for d in ch_d for (a, s) in _CH_LAM + _CH_VIS] + [
        (d, a, s) for d in ne_d for (a, s) in _NE_LAM + _NE_VIS
    ]
    pairs = []
    for ds, lam, vis in ((ch_d, _CH_LAM, _CH_VIS), (ne_d, _NE_LAM, _NE_VIS)):
        for d in ds:
            pairs += [(d, a, s, b, v) for (a, s) in lam for (b, v) in vis]
            pairs += [(d, b, v, a, s) for (b, v) in vis for (a, s) in lam]
    return np.array(widths), np.array(pairs)


_WIDTHS, _PAIRS = _tables()


class SpectrumCPAsymmetries(eqx.Module):
    """CP asymmetries and widths of chargino / neutralino decays from the spectrum (:func:`cp_asymmetries_from_spectrum`).

    Asymmetries (dimensionless), HMW eqs. (2.3), (2.4):
        eps_chargino (2,): [Gamma(chi-_a -> l- phi_X) - Gamma(chi+_a -> l+ phi_X^*)] / sum, a ascending in mass.
        eps_neutralino (4,): [Gamma(chi0_a -> nu phi_X) - Gamma(chi0_a -> nubar phi_X^*)] / sum.
        eps0_chargino, eps0_neutralino: eps / (alpha_w sin phi_2) (eq. 2.7); 0 where sin(phi_2) = 0.
        phi_2: arg(mu M2 b^*) [rad].
    Widths [GeV] (summed over lepton flavours, |lambda|^2 = sum_k |lambda_k|^2) and rate differences
    Delta Gamma = Gamma(i -> f) - Gamma(ibar -> fbar) [GeV] at O(lambda^2 g^2):
        gamma_lambda_chargino (2,), delta_lambda_chargino (2,): channel chi-_a -> l- phi_X.
        gamma_lambda_neutralino (4, 2), delta_lambda_neutralino (4, 2): channels NEUTRALINO_LAMBDA_CHANNELS.
        gamma_visible_chargino (2, 8), delta_visible_chargino (2, 8): CHARGINO_VISIBLE_CHANNELS (cut l phi_X).
        gamma_visible_neutralino (4, 12), delta_visible_neutralino (4, 12): NEUTRALINO_VISIBLE_CHANNELS.
        width_total (6,): total two-body tree widths of (chi0_1..4, chi-_1, chi-_2), the resonance regulator.
        status: STATUS_OK (0), or STATUS_BAD_SPECTRUM (a non-finite or out-of-domain input: M1, M2, |mu|, tan(beta),
            m_W, m_Z <= 0, sin^2(theta_W) outside (0, 1), m_phi < 0, or a non-finite result); then every other field
            is 0 (evaluated at a valid stand-in point, so gradients stay finite).
        sum_rule_chargino (2,), sum_rule_neutralino (4,): sum of Delta Gamma over all computed final states of
            each decaying state (CPT + unitarity: zero to round-off; zero by construction unless the function ran
            with ``unitarity_check=True``, which evaluates the visible channels' cuts independently).
    """

    eps_chargino: jax.Array = eqx.field(metadata={"units": "1"})
    eps_neutralino: jax.Array = eqx.field(metadata={"units": "1"})
    eps0_chargino: jax.Array = eqx.field(metadata={"units": "1"})
    eps0_neutralino: jax.Array = eqx.field(metadata={"units": "1"})
    phi_2: jax.Array = eqx.field(metadata={"units": "rad"})
    gamma_lambda_chargino: jax.Array = eqx.field(metadata={"units": "GeV"})
    delta_lambda_chargino: jax.Array = eqx.field(metadata={"units": "GeV"})
    gamma_lambda_neutralino: jax.Array = eqx.field(metadata={"units": "GeV"})
    delta_lambda_neutralino: jax.Array = eqx.field(metadata={"units": "GeV"})
    gamma_visible_chargino: jax.Array = eqx.field(metadata={"units": "GeV"})
    delta_visible_chargino: jax.Array = eqx.field(metadata={"units": "GeV"})
    gamma_visible_neutralino: jax.Array = eqx.field(metadata={"units": "GeV"})
    delta_visible_neutralino: jax.Array = eqx.field(metadata={"units": "GeV"})
    width_total: jax.Array = eqx.field(metadata={"units": "GeV"})
    sum_rule_chargino: jax.Array = eqx.field(metadata={"units": "GeV"})
    sum_rule_neutralino: jax.Array = eqx.field(metadata={"units": "GeV"})
    status: jax.Array = eqx.field(metadata={"units": "1"})

    def eps_visible_chargino(self):
        """Asymmetries Delta Gamma / (2 Gamma) of the visible channels chi-_a -> chi_j V (0 where closed)."""
        return _ratio(self.delta_visible_chargino, self.gamma_visible_chargino)

    def eps_visible_neutralino(self):
        return _ratio(self.delta_visible_neutralino, self.gamma_visible_neutralino)


def _ratio(num, den):
    ok = den > 0
    return jnp.where(ok, num / (2.0 * jnp.where(ok, den, 1.0)), 0.0)


def cp_asymmetries_from_spectrum(
    p: GauginoHiggsinoParams,
    lam=1.0,
    m_phi=0.0,
    *,
    m_h=c.M_HIGGS,
    g2=_G2_DEFAULT,
    alpha_w=c.ALPHA_W,
    unitarity_check: bool = False,
) -> SpectrumCPAsymmetries:
    """CP asymmetries eps of chi -> l phi_X from the gaugino-higgsino spectrum and phases (HMW eqs. 2.3-2.5).

    Args:
        p: :class:`jaxgen.cp.GauginoHiggsinoParams` (complex M1, M2, mu as moduli + phases, tan(beta); one point:
            use ``jax.vmap`` for batches).
        lam: lambda_k of lambda L_k H_u X, scalar or per-flavour array (complex allowed); only sum_k |lambda_k|^2
            enters (the widths), eps is independent of it at this order.
        m_phi: phi_X mass [GeV].
        m_h: light Higgs mass [GeV]; g2: SU(2) coupling; alpha_w: for eps0 = eps/(alpha_w sin phi_2).
        unitarity_check: static. False (default): the cuts of the visible channels (X visible, cut l phi_X) are
            the negatives of those of the l phi_X channels (pairwise antisymmetry, see :func:`_cuts_closed`), so
            only half of the 224 cuts are evaluated and ``sum_rule_*`` vanish by construction (to round-off).
            True: both halves are evaluated independently (about 1.7x the cost), and ``sum_rule_*`` are a genuine
            CPT/unitarity check of the computed spin sums.
    Sleptons and the heavy Higgs bosons are decoupled (see the module docstring). Differentiable in every input
    (zero gradient exactly at a two-body threshold), jit- and vmap-compatible. Closed channels give exactly 0.
    """
    if _is_concrete(m_phi) and jnp.ndim(m_phi) == 0 and not float(m_phi) >= 0:
        raise ValueError(f"m_phi (the phi_X mass, GeV) must be >= 0; got {m_phi!r}.")
    return _cp_asymmetries(p, lam, m_phi, m_h=m_h, g2=g2, alpha_w=alpha_w, unitarity_check=unitarity_check)


def _cp_asymmetries(
    p, lam, m_phi, *, m_h=c.M_HIGGS, g2=_G2_DEFAULT, alpha_w=c.ALPHA_W, unitarity_check=False, spectra=None
):
    """:func:`cp_asymmetries_from_spectrum` without its input check, and with ``spectra`` = (chargino_spectrum(p),
    neutralino_spectrum(p)) when the caller has them (the spectrum-mode Hall chain; see _mass_basis_fast)."""
    return _asymmetries(
        p,
        _lambda_norm(lam),
        jnp.asarray(m_phi, dtype=float),
        m_h,
        g2,
        alpha_w,
        both_directions=bool(unitarity_check),
        spectra=spectra,
    )


#: chunk of :func:`cp_asymmetries_from_spectrum_batch` with ``chunk_size="auto"`` (batches above two chunks), CPU
CP_SPECTRUM_CHUNK = 512
#: the same on a GPU/TPU (a chunk must hold enough points to keep its cores busy). Measured on one H200 (2026-12-04,
#: bench_cp): N = 2**18 spectra in chunks of 2**16 2.00e6 points/s, one flat vmap 1.98e6
CP_SPECTRUM_CHUNK_ACCELERATOR = 2**16


def cp_asymmetries_from_spectrum_batch(
    p: GauginoHiggsinoParams,
    lam=1.0,
    m_phi=0.0,
    *,
    m_h=c.M_HIGGS,
    g2=_G2_DEFAULT,
    alpha_w=c.ALPHA_W,
    unitarity_check: bool = False,
    chunk_size: int | None | str = "auto",
) -> SpectrumCPAsymmetries:
    """:func:`cp_asymmetries_from_spectrum` over a batch of spectra: every leaf of ``p`` (and ``lam``, ``m_phi``)
    broadcast to one batch shape; result fields have that shape in front. ``lam`` is |lambda| per point (scalar or
    batched; for per-flavour couplings pass sqrt(sum_k |lambda_k|^2), the only combination that enters). Invalid
    points are flagged in ``status`` (STATUS_BAD_SPECTRUM, outputs 0) and never affect the others.

    Evaluated as ``jax.lax.map`` over vmapped chunks of ``chunk_size`` points (padded by repeating the last point):
    a flat vmap keeps every intermediate of all points alive at once. Measured on 2 CPU cores, timed interleaved
    (median of 5), N = 8192 random spectra: flat vmap 1.8e4 points/s, chunks of 128 2.8e4, of 512 2.9e4 (1.6x).
    ``"auto"`` (default): chunks of :data:`CP_SPECTRUM_CHUNK` (GPU/TPU: :data:`CP_SPECTRUM_CHUNK_ACCELERATOR`)
    above two chunks, a flat vmap below; ``None``: a flat vmap; an int: that chunk (static). Traceable and
    differentiable (call it inside ``jax.jit``).
    """
    if not isinstance(p, GauginoHiggsinoParams):
        raise TypeError(
            "cp_asymmetries_from_spectrum_batch: p must be a jaxgen.cp.GauginoHiggsinoParams with batched fields, "
            f"got {type(p).__name__}"
        )
    check_chunk_size("cp_asymmetries_from_spectrum_batch", chunk_size)
    names = [f.name for f in dataclasses.fields(p)]
    leaves = [jnp.asarray(getattr(p, k), float) for k in names]
    lam_abs = jnp.abs(jnp.asarray(lam))  # |lambda| per point (per-flavour couplings: pass sqrt(sum_k |lambda_k|^2))
    shape = jnp.broadcast_shapes(*(jnp.shape(v) for v in leaves), jnp.shape(m_phi), jnp.shape(lam_abs))
    if len(shape) == 0:
        raise ValueError(
            "cp_asymmetries_from_spectrum_batch needs batched fields (a leading batch axis); for one point call "
            "cp_asymmetries_from_spectrum"
        )
    n = math.prod(shape)
    flat = [jnp.broadcast_to(v, shape).reshape(n) for v in (*leaves, jnp.asarray(m_phi, float))]
    lam_flat = jnp.broadcast_to(jnp.asarray(lam_abs, float), shape).reshape(n)

    def one(args):
        *vals, mp, la = args
        q = GauginoHiggsinoParams(**dict(zip(names, vals)))
        return _asymmetries_body(q, la, mp, m_h, g2, alpha_w, both_directions=bool(unitarity_check))

    auto = per_backend(CP_SPECTRUM_CHUNK, CP_SPECTRUM_CHUNK_ACCELERATOR)
    res = chunked_vmap(one, (*flat, lam_flat), n, chunk_size, auto)
    return jax.tree_util.tree_map(lambda v: v.reshape(tuple(shape) + v.shape[1:]), res)


def _asymmetries_body(
    p: GauginoHiggsinoParams,
    lam_abs,
    m_phi,
    m_h,
    g2,
    alpha_w,
    reference: bool = False,
    both_directions: bool = False,
    spectra=None,
) -> SpectrumCPAsymmetries:
    """The body of :func:`cp_asymmetries_from_spectrum` (one point). ``reference=True``: the original numerical
    Dirac traces (vmap of _tree_width / _pair over all 224 cuts, kept as the reference of the closed forms);
    default: the closed-form spin sums (_tree_widths_closed / _cuts_closed, one direction of the cuts unless
    ``both_directions``), the same numbers to round-off. ``spectra``: the (chargino, neutralino) spectra of ``p``
    if the caller has them (a ``p`` that passes the domain check of _safe_point; see _mass_basis_fast)."""
    p, m_phi, good = _safe_point(p, m_phi)
    if reference:
        OUT, IN, mf = _mass_basis(p, g2, lam_abs)
    else:
        OUT, IN, mf = _mass_basis_fast(p, g2, lam_abs, spectra)
    mb = jnp.stack(
        [
            jnp.asarray(p.m_W, float),
            jnp.asarray(p.m_W, float),
            jnp.asarray(p.m_Z, float),
            jnp.asarray(m_h, float),
            m_phi,
            m_phi,
        ]
    )
    if reference:
        gam = jax.vmap(lambda t: _tree_width(OUT, mf, mb, t[0], t[1], t[2]))(jnp.asarray(_WIDTHS))
    else:
        gam = _tree_widths_closed(OUT, mf, mb)
    nch = 2 * (1 + len(_CH_VIS))
    g_ch = gam[:nch].reshape(2, 1 + len(_CH_VIS))
    g_ne = gam[nch:].reshape(4, 2 + len(_NE_VIS))
    width = jnp.concatenate([jnp.sum(g_ne, axis=-1), jnp.sum(g_ch, axis=-1)])  # fields chi0_1..4, chi-_1,2
    width = jnp.concatenate([width, jnp.zeros(2)])  # leptons (never s-channel)
    if reference:
        P = jnp.asarray(_PAIRS)
        dg = jax.vmap(lambda t: _pair(OUT, IN, mf, mb, width, t[0], t[1], t[2], t[3], t[4]))(P)
    else:
        dg = _cuts_closed(OUT, IN, mf, mb, width, both_directions)
    nv_c, nv_n = len(_CH_VIS), len(_NE_VIS)
    n1 = 2 * 2 * nv_c
    dch = dg[:n1].reshape(2, 2, nv_c)  # (a, [lam-vis, vis-lam], j)
    dne = dg[n1:].reshape(4, 2, 2 * nv_n)
    d_lam_c = jnp.sum(dch[:, 0], axis=-1)
    d_vis_c = dch[:, 1]
    d_lam_n = jnp.sum(dne[:, 0].reshape(4, 2, nv_n), axis=-1)
    d_vis_n = jnp.sum(dne[:, 1].reshape(4, nv_n, 2), axis=-1)
    g_lam_c = g_ch[:, 0]
    g_lam_n = g_ne[:, :2]
    eps_c = _ratio(d_lam_c, g_lam_c)
    eps_n = _ratio(d_lam_n[:, 0], g_lam_n[:, 0])
    _, phi2 = physical_phases(p)
    s2 = jnp.sin(phi2)
    okp = jnp.abs(s2) > 1e-300
    inv = jnp.where(okp, 1.0 / (alpha_w * jnp.where(okp, s2, 1.0)), 0.0)
    res = SpectrumCPAsymmetries(
        eps_chargino=eps_c,
        eps_neutralino=eps_n,
        eps0_chargino=eps_c * inv,
        eps0_neutralino=eps_n * inv,
        phi_2=phi2,
        gamma_lambda_chargino=g_lam_c,
        delta_lambda_chargino=d_lam_c,
        gamma_lambda_neutralino=g_lam_n,
        delta_lambda_neutralino=d_lam_n,
        gamma_visible_chargino=g_ch[:, 1:],
        delta_visible_chargino=d_vis_c,
        gamma_visible_neutralino=g_ne[:, 2:],
        delta_visible_neutralino=d_vis_n,
        width_total=width[:6],
        sum_rule_chargino=d_lam_c + jnp.sum(d_vis_c, axis=-1),
        sum_rule_neutralino=jnp.sum(d_lam_n, axis=-1) + jnp.sum(d_vis_n, axis=-1),
        status=jnp.asarray(STATUS_OK, jnp.int32),
    )
    leaves = [getattr(res, f.name) for f in dataclasses.fields(res) if f.name != "status"]
    good = good & functools.reduce(jnp.logical_and, [jnp.all(jnp.isfinite(v)) for v in leaves])
    out = jax.tree_util.tree_map(lambda v: jnp.where(good, v, jnp.zeros_like(v)), res)
    return eqx.tree_at(lambda r: r.status, out, jnp.where(good, STATUS_OK, STATUS_BAD_SPECTRUM).astype(jnp.int32))


#: the stand-in point of an invalid spectrum (HMW's benchmark moduli, no phases)
_SAFE_SPECTRUM = dict(M1=250.0, M2=600.0, mu=400.0, tan_beta=10.0, phi_1=0.0, phi_2=0.0, phi_mu=0.0)
_SAFE_SPECTRUM.update(m_W=c.M_W, m_Z=c.M_Z, sin2_theta_w=c.SIN2_THETA_W)
_POSITIVE_SPECTRUM = ("M1", "M2", "mu", "tan_beta", "m_W", "m_Z")


def _safe_point(p: GauginoHiggsinoParams, m_phi, stand_in: dict | None = None, valid=True):
    """(p, m_phi, good): a point with a non-finite or out-of-domain leaf (or ``valid`` False) is replaced by
    ``stand_in`` (default :data:`_SAFE_SPECTRUM`; m_phi by 0), so that its (discarded) evaluation and its gradient
    stay finite; ``good`` says which. Also the Hall chain's spectrum-mode input check."""
    stand_in = _SAFE_SPECTRUM if stand_in is None else stand_in
    vals = {k: jnp.asarray(getattr(p, k), float) for k in _SAFE_SPECTRUM}
    good = jnp.asarray(valid) & jnp.isfinite(m_phi) & (m_phi >= 0)
    for k, v in vals.items():
        ok = jnp.isfinite(v)
        if k in _POSITIVE_SPECTRUM:
            ok = ok & (v > 0)
        if k == "sin2_theta_w":
            ok = ok & (v > 0) & (v < 1)
        good = good & ok
    safe = GauginoHiggsinoParams(**{k: jnp.where(good, v, jnp.asarray(stand_in[k], v.dtype)) for k, v in vals.items()})
    return safe, jnp.where(good, m_phi, 0.0), good


# Jitted: called outside a trace (e.g. by ``HallParams.from_spectrum``) the body runs as one compiled program instead
# of op by op; inside a trace it is inlined.
_asymmetries = jax.jit(_asymmetries_body, static_argnames=("reference", "both_directions"))
_asymmetries_reference = jax.jit(
    lambda p, lam_abs, m_phi, m_h, g2, alpha_w: _asymmetries_body(p, lam_abs, m_phi, m_h, g2, alpha_w, True)
)


def epsilon_from_spectrum(
    p: GauginoHiggsinoParams,
    species: str = "chargino",
    index: int = -1,
    lam=1e-10,
    m_phi=0.0,
    m_h: float = c.M_HIGGS,
    alpha_w: float = c.ALPHA_W,
) -> CPAsymmetry:
    """eps of one decaying state computed from the spectrum, in the result type of ``epsilon_gaugino_higgsino``.

    Drop-in replacement of :func:`jaxgen.cp.epsilon_gaugino_higgsino` (``p, eps0, species, index``) without eps0:
    epsilon = eps of HMW eq. (2.3) (species "chargino", chi-_index -> l- phi_X) or (2.4) ("neutralino",
    chi0_index -> nu phi_X) from :func:`cp_asymmetries_from_spectrum`; phi_2, n_open_cuts (the W/Z/h cuts of
    :func:`jaxgen.cp.open_cuts`) and status as there (STATUS_BAD_SPECTRUM: non-finite or non-positive input, eps = 0).
    ``species`` and ``index`` are static; lam (default a freeze-in size) and m_phi [GeV] as in
    :func:`cp_asymmetries_from_spectrum`. Differentiable in every field of ``p``, vmap-compatible.
    """
    _check_species(species)
    nmax = 2 if species == "chargino" else 4
    if not -nmax <= index < nmax:
        raise ValueError(f"index {index} out of range for {nmax} {species}s.")
    index = index % nmax
    positive = (
        (jnp.asarray(p.M1) > 0) & (jnp.asarray(p.M2) > 0) & (jnp.asarray(p.mu) > 0) & (jnp.asarray(p.tan_beta) > 0)
    )
    r = cp_asymmetries_from_spectrum(p, lam=lam, m_phi=m_phi, m_h=m_h, alpha_w=alpha_w)
    eps = (r.eps_chargino if species == "chargino" else r.eps_neutralino)[..., index]
    cuts = open_cuts(p, species, index, m_h)
    finite = jnp.isfinite(eps) & jnp.isfinite(r.phi_2) & positive
    status = jnp.where(~finite, STATUS_BAD_SPECTRUM, jnp.where(cuts.any(), STATUS_OK, STATUS_NO_OPEN_CUT))
    return CPAsymmetry(
        epsilon=jnp.where(finite, eps, 0.0), phi_2=r.phi_2, n_open_cuts=cuts.count(), status=status.astype(jnp.int32)
    )
