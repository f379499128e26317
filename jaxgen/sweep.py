"""Parameter sweeps at scale: grid / random / Sobol designs over any fields of a parameter PyTree, chunked
evaluation with one compile, sharded over all local devices, resumable NetCDF output (one atomic file per chunk,
verified by its SHA-256 record on resume and on load).
See :mod:`jaxgen._sweep` and docs/distributed.md.

Example::

    import jax.numpy as jnp
    from jaxgen import cp
    from jaxgen.sweep import Axis, sobol_design, run_sweep, load_sweep

    base = Point(gh=cp.GauginoHiggsinoParams(M1=300., M2=600., mu=900., tan_beta=10., phi_mu=0.3), eps0=0.05)
    f = lambda p: cp.epsilon_gaugino_higgsino(p.gh, p.eps0)
    design = sobol_design(base, [Axis("gh.M2", 100., 3000., log=True, units="GeV"),
                                 Axis("gh.phi_mu", 0., 6.283)], n=2**16, seed=1)
    run_sweep(f, design, chunk_size=8192, out="sweeps/eps", units={"epsilon": "1"})   # re-run to resume
    ds = load_sweep("sweeps/eps")          # xarray.Dataset over `point`; ds.ok is the status mask
"""

from ._io import ChunkError, chunk_path, completed_chunks, iter_chunks, read_manifest, verify_chunk
from ._sweep import (
    DESIGN_KINDS,
    Axis,
    Design,
    SweepRun,
    evaluate_points,
    grid_design,
    leaf_names,
    load_sweep,
    random_design,
    run_sweep,
    sobol_design,
    tree_get,
)

__all__ = [
    "DESIGN_KINDS",
    "Axis",
    "ChunkError",
    "Design",
    "SweepRun",
    "chunk_path",
    "completed_chunks",
    "evaluate_points",
    "grid_design",
    "iter_chunks",
    "leaf_names",
    "load_sweep",
    "random_design",
    "read_manifest",
    "run_sweep",
    "sobol_design",
    "tree_get",
    "verify_chunk",
]
