"""Staged linear chemical equilibrium: a species list, the reactions in equilibrium and the conserved charges of one
stage, solved as a small Gram system in the conserved charges (the engine of the two-stage R-symmetric MSSM solve
of Ardu, Queiroz Correa, Vives 2025, whose model data, the stage definitions, live in ``jaxgen.models``).

Method: the equilibrium chemical potentials lie in the span of the conserved charges Q (the reactions only fix which
charges are conserved; :func:`build_stage` checks at build time that the given charges are conserved, independent
and complete), mu = Q^T lambda, so each point is one small symmetric solve ``(Q diag(g k) Q^T) lambda = c``:
jit/vmap/grad-able in the susceptibilities k (masses over temperature), the charge values and the offsets of frozen
spectators. Yields: mu is measured in yield units, mu T^2/(6 s), so Y_Delta_i = g_i k_i mu_i (Ardu et al. eq. (1)).

``jaxgen.equilibrium`` exposes the same names; ``jaxgen.equilibrium.solve`` is the general engine (any
``jaxgen.models.Model``, reaction masks, exact diagnostics), this module the light two-stage form used by the
gravitino chain.
"""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax.numpy as jnp
import numpy as np

import jaxgen_kernels as kernels

__all__ = [
    "StageSpecies",
    "EquilibriumStage",
    "StageSolution",
    "build_stage",
    "stage_weights",
    "solve_stage",
]

_FLAVOURS = ("e", "mu", "tau")


@dataclasses.dataclass(frozen=True)
class StageSpecies:
    """One species of a stage: name, internal dof g (summed over generations where they share mu), boson or
    fermion, and its charges {charge name: value (Fraction or float)}."""

    name: str
    dof: float
    boson: bool
    charges: dict


class EquilibriumStage(eqx.Module):
    """A linear chemical-equilibrium system: species, the reactions in equilibrium and the conserved charges.

    Built by :func:`build_stage` (for the R-symmetric MSSM: ``jaxgen.models.high_temperature_stage`` and
    ``jaxgen.models.low_temperature_model``); solved by :func:`solve_stage`.  The construction checks (at build
    time) that the reactions conserve precisely the charges in ``conserved`` (no more, no fewer), so the run-time
    solve is a small positive-definite system in those charges.

    Attributes:
        species: species names (see the module docstring for the naming convention).
        dof: internal degrees of freedom g_i (dimensionless).
        boson: True for bosons (massless susceptibility k = 2), False for fermions (k = 1).
        charge_names: names of the charges tabulated in ``charge_table`` (rows).
        charge_table: (n_charges, n_species) charges of each species (numpy float64).
        conserved: names of the conserved charges whose values are inputs (rows of ``basis``).
        basis: (n_conserved, n_species) charge vectors spanning the equilibrium chemical potentials.
        reactions: names of the reaction groups in equilibrium.
        reaction_matrix: (n_reactions, n_species) integer coefficients, sum_i A_ri mu_i = 0 for each reaction row.
        reaction_labels: the group name of each row of ``reaction_matrix``.
        spectators: name -> (Y, L_e, L_mu, L_tau) of frozen species whose asymmetry enters the charge balance
            (the NLSP below m_SUSY), static.
    """

    species: tuple = eqx.field(static=True)
    dof: tuple = eqx.field(static=True)
    boson: tuple = eqx.field(static=True)
    charge_names: tuple = eqx.field(static=True)
    charge_rows: tuple = eqx.field(static=True)
    conserved: tuple = eqx.field(static=True)
    basis_rows: tuple = eqx.field(static=True)
    reactions: tuple = eqx.field(static=True)
    reaction_rows: tuple = eqx.field(static=True)
    reaction_labels: tuple = eqx.field(static=True)

    # matrices are stored as nested tuples so that the stage is hashable (a static argument of jit)
    @property
    def charge_table(self) -> np.ndarray:
        return np.array(self.charge_rows, dtype=np.float64)

    @property
    def basis(self) -> np.ndarray:
        return np.array(self.basis_rows, dtype=np.float64)

    @property
    def reaction_matrix(self) -> np.ndarray:
        return np.array(self.reaction_rows, dtype=np.float64).reshape(-1, len(self.species))

    def index(self, name: str) -> int:
        """Position of species ``name`` (ValueError listing the species if unknown)."""
        try:
            return self.species.index(name)
        except ValueError:
            raise ValueError(f"unknown species {name!r}; this model has {list(self.species)}") from None

    def charge_vector(self, name: str) -> np.ndarray:
        """Per-species charge ``name`` ("Y", "B", "L_e", "R", "B-L", "B/3-L_tau", ...), a numpy vector."""
        return _charge_vector(self.charge_names, self.charge_table, name)

    def default_weights(self) -> np.ndarray:
        """g_i k_i for massless species: g (fermions), 2 g (bosons) (Ardu et al. eq. (1))."""
        return np.array([g * (2.0 if b else 1.0) for g, b in zip(self.dof, self.boson)])


def _charge_vector(names, table, name):
    """Row ``name`` of the charge table, or a derived lepton/baryon charge (L, B-L, B/3-L_alpha)."""
    name = name.replace(" ", "")
    if name in names:
        return table[names.index(name)]
    if not all(c in names for c in ("B", *(f"L_{a}" for a in _FLAVOURS))):
        raise ValueError(f"unknown charge {name!r}; choose one of {list(names)}")
    lt = {f"L_{a}": table[names.index(f"L_{a}")] for a in _FLAVOURS}
    L = sum(lt.values())
    B = table[names.index("B")]
    derived = {"L": L, "B-L": B - L}
    for a in _FLAVOURS:
        derived[f"B/3-L_{a}"] = B / 3.0 - lt[f"L_{a}"]
    if name in derived:
        return derived[name]
    raise ValueError(f"unknown charge {name!r}; choose one of {list(names) + list(derived)}")


class StageSolution(eqx.Module):
    """Equilibrium of one stage.  Yields are asymmetries per entropy, Y_Delta = (n - nbar)/s (dimensionless).

    Attributes:
        mu: (..., n_species) chemical potentials in yield units, mu T^2/(6 s) (Ardu et al. eq. (1)).
        asymmetry: (..., n_species) Y_Delta_i = g_i k_i mu_i.
        status: int, 0 = ok, 1 = singular or non-finite system (e.g. all weights of a charge zero), 2 = negative
            susceptibility given.  Results at a bad point are set to 0, never NaN.
    """

    mu: jnp.ndarray
    asymmetry: jnp.ndarray
    status: jnp.ndarray
    stage: EquilibriumStage = eqx.field(static=True)

    def charge(self, name: str) -> jnp.ndarray:
        """Total yield of charge ``name`` ("B", "L", "B-L", "Y", "R", "L_tau", "B/3-L_e", ...), frozen species
        excluded."""
        return self.asymmetry @ jnp.asarray(self.stage.charge_vector(name), dtype=self.asymmetry.dtype)

    def asymmetry_of(self, species: str) -> jnp.ndarray:
        """Y_Delta of one species."""
        return self.asymmetry[..., self.stage.index(species)]


def _rank(M, tol=1e-9):
    if M.size == 0:
        return 0
    s = np.linalg.svd(M, compute_uv=False)
    return int(np.sum(s > tol * max(1.0, s[0])))


def build_stage(species, reactions, conserved, charges, what: str = "build_stage", hint=None) -> EquilibriumStage:
    """Build and check an :class:`EquilibriumStage` (host, once per stage definition).

    Args:
        species: sequence of :class:`StageSpecies`.
        reactions: {group name: [ {species: coefficient}, ... ]}: each row means sum_i coefficient_i mu_i = 0.
        conserved: names of the conserved charges whose values are inputs (rows of the basis; charge names of
            ``charges`` or the derived L, B-L, B/3-L_alpha).
        charges: names of the charges tabulated for every species (keys of ``StageSpecies.charges``).
        what: the name used in error messages.
        hint: optional ``hint(A, charge_names, table, conserved) -> str`` appended to the under-determined error
            (a model-specific fix, e.g. which charge to fix).

    Raises:
        ValueError: a fixed charge that the reactions violate (naming the reactions), linearly dependent fixed
            charges, an under-determined system (naming the free combinations of chemical potentials).
    """
    names = tuple(s.name for s in species)
    idx = {n: i for i, n in enumerate(names)}
    charges = tuple(charges)
    table = np.array([[float(s.charges[c]) for s in species] for c in charges])
    rows, labels = [], []
    for label, rs in reactions.items():
        for r in rs:
            v = np.zeros(len(names))
            for k, c in r.items():
                v[idx[k]] += c
            rows.append(v)
            labels.append(label)
    A = np.array(rows) if rows else np.zeros((0, len(names)))
    basis = np.array([_charge_vector(charges, table, c) for c in conserved])
    # each requested charge must be conserved by every reaction: A q = 0
    for c, q in zip(conserved, basis):
        bad = sorted({labels[r] for r in np.nonzero(np.abs(A @ q) > 1e-9)[0]})
        if bad:
            raise ValueError(
                f"{what}: charge {c!r} is not conserved by the reactions {bad}; do not fix its value "
                "(remove it from `conserved`) or switch those reactions off"
            )
    if _rank(basis) < len(conserved):
        raise ValueError(f"{what}: the conserved charges {conserved} are linearly dependent")
    n_free = len(names) - _rank(A)
    if n_free > len(conserved):
        # free directions: null(A) not spanned by the given charges
        _, s, vt = np.linalg.svd(np.vstack([A, np.zeros((1, len(names)))]))
        null = vt[np.sum(s > 1e-9) :]
        P = basis.T @ np.linalg.pinv(basis.T)
        resid = null - null @ P.T
        _, s2, vt2 = np.linalg.svd(resid)
        free = vt2[: int(np.sum(s2 > 1e-9))]
        desc = []
        for v in free:
            v = v / v[np.argmax(np.abs(v))]
            desc.append(" + ".join(f"{x:.3g}*mu[{names[i]}]" for i, x in enumerate(v) if abs(x) > 1e-9))
        extra = hint(A, charges, table, conserved) if hint is not None else ""
        raise ValueError(
            f"{what}: under-determined equilibrium, {n_free - len(conserved)} free combination(s) of chemical "
            f"potentials not fixed by the conserved charges {conserved}.{extra} Free combination(s): {desc}"
        )
    return EquilibriumStage(
        species=names,
        dof=tuple(float(s.dof) for s in species),
        boson=tuple(bool(s.boson) for s in species),
        charge_names=charges,
        charge_rows=tuple(tuple(float(x) for x in r) for r in table),
        conserved=tuple(conserved),
        basis_rows=tuple(tuple(float(x) for x in r) for r in basis),
        reactions=tuple(reactions),
        reaction_rows=tuple(tuple(float(x) for x in r) for r in A),
        reaction_labels=tuple(labels),
    )


def stage_weights(stage: EquilibriumStage, k=None, masses: dict | None = None, temperature=None):
    """Per-species weights g_i k_i (dimensionless) of a stage.

    Args:
        k: optional (..., n_species) susceptibilities k_i (1 fermion / 2 boson when massless).
        masses: optional {species: mass in GeV}; those species get k(m/T) from ``kernels.asymmetry_factor``
            (needs ``temperature`` in GeV).  Differentiable in masses and temperature.
    """
    base = jnp.asarray(stage.default_weights())
    if k is not None:
        w = jnp.asarray(k) * jnp.asarray(stage.dof, dtype=jnp.asarray(k).dtype)
    else:
        w = base
    if masses:
        if temperature is None:
            raise ValueError("masses given without temperature (GeV)")
        for name, m in masses.items():
            i = stage.index(name)
            stat = "boson" if stage.boson[i] else "fermion"
            kz = kernels.asymmetry_factor(jnp.asarray(m) / jnp.asarray(temperature), stat)
            w = w.at[..., i].set(stage.dof[i] * kz)
    return w


#: solve_stage: a Gram system with a smaller reciprocal condition estimate (kernels.solve_small) is singular
_RCOND_SINGULAR = 1e-12


def solve_stage(stage: EquilibriumStage, values, weights=None, offsets=None) -> StageSolution:
    """Solve one equilibrium stage.

    Args:
        stage: from :func:`build_stage` (e.g. ``jaxgen.models.high_temperature_stage`` or
            ``jaxgen.models.low_temperature_model``).
        values: (..., n_conserved) yields of the conserved charges, in the order ``stage.conserved``
            (e.g. (Y, B/3-L_e, B/3-L_mu, B/3-L_tau)).  Y must normally be 0 (hypercharge neutrality).
        weights: (..., n_species) g_i k_i (default: massless, :meth:`EquilibriumStage.default_weights`).
        offsets: (..., n_conserved) yields of the conserved charges already carried by frozen spectators
            (e.g. the NLSP below m_SUSY); the equilibrium species carry ``values - offsets``.

    Returns:
        :class:`StageSolution`.  Pure and jit/vmap/grad-able in ``values``, ``weights`` and ``offsets``.

    Method: the equilibrium chemical potentials lie in the span of the conserved charges, mu = Q^T lambda (checked
    exactly at build), so lambda solves the n_conserved x n_conserved Gram system (Q W Q^T) lambda = values - offsets,
    with the unrolled elimination :func:`jaxgen_kernels.solve_small` (no LAPACK call: batched LAPACK calls can
    deadlock XLA:CPU, see ``jaxgen_kernels._lapack``; for these small systems, 4 x 4 or 5 x 5 in the R-symmetric
    model, it is also cheaper). A system whose reciprocal condition estimate is below ``_RCOND_SINGULAR`` (a weight
    pattern that leaves a charge unsupported) gets status 1 and zero outputs.
    """
    values = jnp.asarray(values)
    dtype = jnp.result_type(values.dtype, jnp.float32)
    w = jnp.asarray(stage.default_weights(), dtype=dtype) if weights is None else jnp.asarray(weights, dtype=dtype)
    rhs = values.astype(dtype) - (0.0 if offsets is None else jnp.asarray(offsets, dtype=dtype))
    Q = jnp.asarray(stage.basis, dtype=dtype)
    batch = jnp.broadcast_shapes(w.shape[:-1], rhs.shape[:-1])
    w = jnp.broadcast_to(w, batch + w.shape[-1:])
    rhs = jnp.broadcast_to(rhs, batch + rhs.shape[-1:])
    M = jnp.einsum("ai,...i,bi->...ab", Q, w, Q)
    bad_w = jnp.any(w < 0, axis=-1)
    # guard singular systems: solve_small never divides by zero; flag them by its rcond and zero the output
    lam, rcond = jnp.vectorize(kernels.solve_small, signature="(d,d),(d)->(d),()")(M, rhs)
    det_ok = rcond > _RCOND_SINGULAR
    mu = lam @ Q
    asym = w * mu
    finite = jnp.all(jnp.isfinite(asym), axis=-1)
    ok = det_ok & finite & ~bad_w
    status = jnp.where(bad_w, 2, jnp.where(ok, 0, 1)).astype(jnp.int32)
    mu = jnp.where(ok[..., None], mu, 0.0)
    asym = jnp.where(ok[..., None], asym, 0.0)
    return StageSolution(mu=mu, asymmetry=asym, status=status, stage=stage)
