"""Fuzzer of jaxgen's Python API: bad inputs to every Params constructor and every chain/engine entry point.

Usage::

    .venv/bin/python experiments/fuzz/fuzz_api.py            # the full run (>= 1e4 bad inputs): results/api.md
    .venv/bin/python experiments/fuzz/fuzz_api.py --quick    # a small sample

Reusable: :func:`run_fuzz` (targets, seed, sizes) returns a :class:`FuzzReport` with the outcome counts per target;
``tests/jaxgen/test_fuzz_api.py`` runs a small seeded sample of it.

Generated bad inputs (for each field of each Params class):

* construction of one point with one bad field: nan, +-inf, negative, zero, huge (+-1e300), tiny (1e-300, 5e-324),
  wrong types (a string, None, complex, a dict), wrong shapes (a (2,) vector for a scalar, (2, 2) for a vector);
* batches (the cheap way: MANY bad points in ONE jitted, vmapped call; one compile per target for the whole run):
  every point gets 1-3 random fields set to random bad values (the list above and random +-10^U(-300, 300));
* mismatched batch shapes (fields with different leading sizes) through ``Params.batch`` and the batch entry points.

Outcome of each bad input:

* ``a``: a clear error (ValueError/TypeError) whose message names the field (construction, ``batch`` or entry);
* ``b``: flagged in the prediction's ``status`` (error bits) inside a batch, with finite outputs;
* ``c``: a raw error from deep inside (any other exception, or an error that does not name the field);
* ``d``: silent: status 0 but a non-finite or physically absurd output (the ``absurd`` rule of each target);
* ``ok``: accepted as a valid point (status 0, finite, physically sane): the bad-looking value is in the domain
  (e.g. m_star = 1e300 only lengthens a lifetime) — not a failure, counted separately.

Goal: 0 of (c) and (d).

"Absurd" is judged where the physics lives: the chains (Hall, Ardu) must flag physically impossible results
(|eps| > 1, |eta_X| > Y_FI, Y_FI > 1, |eta_B| > 1, negative yields/lengths/lifetimes/temperatures, epsilon outside
[0, 1], ...); the engines are formulas of their inputs and are held to internal consistency (non-negative yields,
|eta_X| <= Y_X, epsilon in [0, 1], z_b >= 0) and finiteness: a huge but finite yield from a width of 1e250 GeV is
the correct quadrature of that width (the Hall chain flags it as STATUS_OVERPRODUCED).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import equinox as eqx  # noqa: E402
import jax.numpy as jnp  # noqa: E402

BAD_NUMBERS = (math.nan, math.inf, -math.inf, -1.0, 0.0, 1e300, -1e300, 1e-300, 5e-324, -1e-300)
BAD_TYPES = ("abc", None, 1j, {"x": 1.0})
OUTCOMES = ("a", "b", "c", "d", "ok")


# --------------------------------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Target:
    """One Params class with its batch entry point.

    name: label; cls: the Params class; base: dict of the single-point field values; fields: field -> event ndim
    (0 scalar, 1 vector) ; event_size: field -> length of its vector axis; run: jitted batch function
    (Params of batch N -> prediction with ``status``); absurd: (prediction as dict of numpy arrays) -> bool (N,)
    mask of points with an absurd output (besides non-finite ones); skip: fields not fuzzed (static).
    """

    name: str
    cls: Any
    base: dict
    fields: dict
    event_size: dict
    run: Callable
    absurd: Callable
    status_key: str = "status"


def _finite_tree(pred, n):
    ok = np.ones(n, bool)
    for leaf in jax.tree_util.tree_leaves(pred):
        a = np.asarray(leaf)
        if a.dtype.kind == "f" and a.ndim >= 1 and a.shape[0] == n:
            ok &= np.all(np.isfinite(a.reshape(n, -1)), axis=1)
    return ok


def _hall_target(settings=None):
    from jaxgen.scenarios import hall as sh

    settings = settings or sh.HallSettings(table="constant")
    base = {k: v for k, v in sh._BENCH.items()}
    fields = {k: 1 for k in sh._SPECIES_FIELDS} | {k: 0 for k in sh._SCALAR_FIELDS}

    @jax.jit
    def run(p):
        return sh.asymmetric_freezein_batch(p, settings)

    def absurd(r):
        eps = np.abs(r["epsilon"]).max(axis=-1)
        y, ex = r["yield_fi"], np.abs(r["eta_x"])
        neg = np.zeros_like(y, bool)
        for k in (
            "yield_fi",
            "omega_x_h2",
            "omega_b_h2",
            "decay_length",
            "losp_lifetime",
            "t_vis_decay",
            "t_x_decay",
            "t_x_fo",
            "thermalization_ratio",
            "symmetric_fraction",
            "tau_psi_lhu",
            "tau_psi_xudd",
            "m_x_required",
            "dm_to_baryon",
        ):
            neg |= r[k] < 0
        return (eps > 1) | (ex > y * (1 + 1e-9)) | (y > 1) | (np.abs(r["eta_b"]) > 1) | neg

    label = f"{settings.method}, freeze-out {settings.freezeout}"
    return Target(
        f"HallParams -> asymmetric_freezein_batch ({label})",
        sh.HallParams,
        base,
        fields,
        {k: 1 for k in fields},
        run,
        absurd,
    )


def _ardu_target(settings=None):
    from jaxgen.scenarios import ardu as sa

    settings = settings or sa.ArduSettings(washout="instant")
    d = sa.ArduParams()
    base = {k: getattr(d, k) for k in sa._ARDU_EVENT}
    base["b_minus_l_alpha"] = tuple(np.asarray(d.b_minus_l_alpha))

    @jax.jit
    def run(p):
        return sa.rsymmetric_adm_batch(p, settings)

    def absurd(r):
        bad = (r["epsilon"] < 0) | (r["epsilon"] > 1) | (r["m_gravitino"] < 0) | (r["y_nlsp"] < 0)
        bad |= (r["tau_nlsp"] < 0) | (r["bbn_ratio"] < 0) | (r["bbn_bound"] < 0) | (r["m_majorana"] < 0)
        return bad

    return Target(
        f"ArduParams -> rsymmetric_adm_batch ({settings.washout})",
        sa.ArduParams,
        base,
        dict(sa._ARDU_EVENT),
        {"b_minus_l_alpha": 3},
        run,
        absurd,
    )


def _freezein_target():
    from jaxgen import _freezein as fi
    from jaxgen.cosmology import Cosmology

    cos = Cosmology(table="constant")
    base = dict(mass=(300.0,), width=(1e-20,), dof=(2.0,), eps=(1e-3,), y0=0.0, m_x=0.0, g_x=2.0, temperature_ratio=1.0)

    @jax.jit
    def run(p):
        return jax.vmap(lambda q: fi.freezein_quadrature(q, cos))(p)

    def absurd(r):  # an engine: internal consistency (the chain owns the physical bounds, e.g. overproduction)
        return (r["yield_x"] < 0) | (np.abs(r["eta_x"]) > np.abs(r["yield_x"]) * (1 + 1e-9))

    return Target(
        "FreezeInParams -> vmap(freezein_quadrature)",
        fi.FreezeInParams,
        base,
        dict(fi._FI_EVENT),
        {k: 1 for k in fi._FI_EVENT},
        run,
        absurd,
    )


def _freezeout_target(ode=False):
    from jaxgen import _freezeout as fo

    base = dict(m=100.0, a=1e-9, b=0.0, g=2.0, eta=0.0, y0_ratio=1.0)
    if ode:

        @jax.jit
        def run(p):
            r = jax.vmap(fo.solve_freezeout)(p)
            return dict(y_inf=r.y_inf, omega_h2=r.omega_h2, status=r.status)
    else:

        @jax.jit
        def run(p):
            r = jax.vmap(fo.freezeout_estimate)(p)
            return dict(x_f=r.x_f, y_inf=r.y_inf, omega_h2=r.omega_h2, status=r.status)

    def absurd(r):
        return (r["y_inf"] < 0) | (r["omega_h2"] < 0)

    label = "vmap(solve_freezeout)" if ode else "vmap(freezeout_estimate)"
    return Target(f"FreezeOutParams -> {label}", fo.FreezeOutParams, base, dict(fo._FO_EVENT), {}, run, absurd)


def _washout_target(ode=False):
    from jaxgen import _washout as wo
    from jaxgen.cosmology import Cosmology

    cos = Cosmology(table="constant", g_constant=100.0)
    base = dict(
        m_nlsp=2000.0,
        m_majorana=1.0,
        m_dirac=5000.0,
        alpha_em=wo.c.ALPHA_EM_MZ,
        sin2_theta_w=wo.c.SIN2_THETA_W,
        g_nlsp=1.0,
    )
    if ode:

        @jax.jit
        def run(p):
            return wo.washout_factor_batch(p, cos, solver="kvaerno3", rtol=1e-7, atol=1e-9)
    else:

        @jax.jit
        def run(p):
            return jax.vmap(lambda q: wo.decoupling(q, cos))(p)

    def absurd(r):
        bad = np.zeros(np.shape(r["status"]), bool)
        if "epsilon" in r:
            bad |= (r["epsilon"] < 0) | (r["epsilon"] > 1)
        return bad | (r["z_b"] < 0)

    label = "washout_factor_batch" if ode else "vmap(decoupling)"
    return Target(f"WashoutParams -> {label}", wo.WashoutParams, base, dict(wo._WO_EVENT), {}, run, absurd)


def default_targets(full: bool = False) -> list[Target]:
    """The cheap targets (CI); ``full`` adds the ODE paths (Boltzmann washout, freeze-out ODE, Hall ODE)."""
    ts = [_hall_target(), _ardu_target(), _freezein_target(), _freezeout_target(), _washout_target()]
    if full:
        from jaxgen.scenarios import ardu as sa
        from jaxgen.scenarios import hall as sh

        ts += [
            _freezeout_target(ode=True),
            _washout_target(ode=True),
            _ardu_target(sa.ArduSettings(solver="kvaerno3")),
            _hall_target(sh.HallSettings(table="constant", method="ode", ode_solver="tsit5", freezeout="ode")),
        ]
    return ts


# --------------------------------------------------------------------------------------------------------------
# the fuzzer
# --------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class FuzzReport:
    counts: dict  # target name -> {outcome: count}
    examples: dict  # target name -> {outcome: [description, ...]} (first few of c and d)
    n_inputs: int
    seconds: float

    def totals(self) -> dict:
        return {o: sum(c[o] for c in self.counts.values()) for o in OUTCOMES}

    def to_markdown(self) -> str:
        lines = [
            "| target | (a) clear error | (b) flagged status | (c) raw error | (d) silent NaN/absurd | "
            "accepted valid | total |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, c in self.counts.items():
            lines.append(f"| {name} | " + " | ".join(str(c[o]) for o in OUTCOMES) + f" | {sum(c.values())} |")
        t = self.totals()
        lines.append("| **all** | " + " | ".join(f"**{t[o]}**" for o in OUTCOMES) + f" | **{sum(t.values())}** |")
        return "\n".join(lines)


def _value_for(target: Target, field: str, v):
    """A single-point field value: scalars as given; vector fields broadcast to their length."""
    if target.fields[field] == 1 and isinstance(v, float):
        return tuple([v] * target.event_size.get(field, 1))
    return v


def _names_field(exc: BaseException, field: str) -> bool:
    return isinstance(exc, (ValueError, TypeError)) and field in str(exc)


def _stack_points(target: Target, points: list[dict]):
    """One batched Params from single-point field dicts (bypassing the constructor: a batch is never checked at
    construction, as the documented convention says; bad points must be flagged by the chain)."""
    cols = {}
    for f in target.fields:
        ev = (target.event_size.get(f, 1),) if target.fields[f] == 1 else ()
        cols[f] = jnp.asarray(
            np.stack([np.broadcast_to(np.asarray(p[f], dtype=float), ev) for p in points]), jnp.float64
        )
    good = target.cls(**{f: jnp.asarray(np.asarray(target.base[f], float)) for f in target.fields})
    return eqx.tree_at(
        lambda q: tuple(getattr(q, f) for f in target.fields), good, tuple(cols[f] for f in target.fields)
    )


def _classify_all(target: Target, pred, examples, what: str) -> str:
    """One outcome for a whole (small) batch: 'b' if every point is flagged, 'ok' if every point is flagged or a
    sane valid point, else 'd'."""
    d = pred if isinstance(pred, dict) else {k: getattr(pred, k) for k in pred.__dataclass_fields__}
    d = {k: np.asarray(x) for k, x in d.items() if x is not None}
    nd = np.ndim(d[target.status_key])
    st = d[target.status_key].reshape(-1)
    flat = {k: x.reshape((st.size,) + x.shape[nd:]) for k, x in d.items()}
    fin = _finite_tree(flat, st.size)
    absurd = target.absurd(flat)
    if np.all((st != 0) & fin):
        return "b"
    if np.all(((st != 0) & fin) | ((st == 0) & fin & ~absurd)):
        return "ok"
    if len(examples["d"]) < 8:
        examples["d"].append(what + " accepted; a point evaluated silently wrong")
    return "d"


def _classify_batch(target: Target, batch, n_bad: int, desc: list[str], counts, examples):
    pred = target.run(batch)
    d = pred if isinstance(pred, dict) else {k: getattr(pred, k) for k in pred.__dataclass_fields__}
    d = {k: np.asarray(v) for k, v in d.items() if v is not None}
    st = d[target.status_key]
    fin = _finite_tree(d, st.shape[0])
    absurd = target.absurd(d)
    for i in range(n_bad):
        if st[i] != 0:
            out = "b" if fin[i] else "d"
        elif not fin[i] or absurd[i]:
            out = "d"
        else:
            out = "ok"
        counts[out] += 1
        if out in ("d",) and len(examples[out]) < 8:
            examples[out].append(desc[i])


def fuzz_target(
    target: Target,
    rng: np.random.Generator,
    n_batch: int = 256,
    n_batches: int = 4,
    construct: bool = True,
    shapes: bool = True,
):
    """All bad inputs of one target; returns (counts, examples)."""
    counts = {o: 0 for o in OUTCOMES}
    examples = {o: [] for o in OUTCOMES}

    def record_exc(exc, field, what):
        out = "a" if _names_field(exc, field) else "c"
        counts[out] += 1
        if out == "c" and len(examples["c"]) < 8:
            examples["c"].append(f"{what}: {type(exc).__name__}: {str(exc)[:200]}")

    pool, pool_desc = [], []
    # 1. construction of one point with one bad field (numbers, types, shapes)
    if construct:
        for f in target.fields:
            values = [*BAD_NUMBERS, *BAD_TYPES]
            if shapes:
                values += ["shape2", "shape22"]
            for v in values:
                if v == "shape2":
                    val = (1.0, 2.0) if target.fields[f] == 0 else ((1.0, 2.0), (3.0, 4.0))
                elif v == "shape22":
                    val = ((1.0,),) if target.fields[f] == 0 else tuple([1.0] * (target.event_size.get(f, 1) + 1))
                else:
                    val = _value_for(target, f, v)
                kw = dict(target.base, **{f: val})
                what = f"{target.cls.__name__}({f}={val!r})"
                try:
                    p = target.cls(**kw)
                except Exception as exc:  # classifying every exception is the point
                    record_exc(exc, f, what)
                    continue
                if isinstance(v, str) and v.startswith("shape") or not isinstance(v, float):
                    # accepted another shape (a list is a batch): the documented batch path (Params.broadcast, then
                    # the batch entry point) must fail clearly or evaluate it like any batch
                    try:
                        try:
                            b = p.broadcast()
                        except ValueError as exc:
                            if "no batch axis" not in str(exc):
                                raise
                            b = jax.tree_util.tree_map(lambda a: jnp.asarray(a)[None], p)  # one valid point
                        counts[_classify_all(target, target.run(b), examples, what)] += 1
                    except Exception as exc:
                        record_exc(exc, f, what + " via broadcast() and the batch entry point")
                    continue
                pool.append(kw)
                pool_desc.append(what + " (constructed; evaluated in the batch)")

    # 2. batches of random bad points (1-3 bad fields each)
    names = list(target.fields)
    bad_vals = list(BAD_NUMBERS)
    n_total = n_batch * n_batches
    for _ in range(n_total):
        kw = dict(target.base)
        k = int(rng.integers(1, 4))
        parts = []
        for f in rng.choice(names, size=min(k, len(names)), replace=False):
            if rng.random() < 0.5:
                v = float(bad_vals[int(rng.integers(len(bad_vals)))])
            else:
                v = float(rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-300, 300))
            if target.fields[f] == 1:
                arr = np.array(np.broadcast_to(np.asarray(target.base[f], float), (target.event_size.get(f, 1),)))
                arr[int(rng.integers(arr.size))] = v
                v = tuple(arr)
            kw[f] = v
            parts.append(f"{f}={v}")
        pool.append(kw)
        pool_desc.append("batch point " + ", ".join(parts))

    # evaluate the pool in fixed-size batches (one compile per target); pad with the base point
    for s in range(0, len(pool), n_batch):
        chunk, desc = pool[s : s + n_batch], pool_desc[s : s + n_batch]
        n_bad = len(chunk)
        chunk = chunk + [dict(target.base)] * (n_batch - n_bad)
        try:
            batch = _stack_points(target, chunk)
            _classify_batch(target, batch, n_bad, desc, counts, examples)
        except Exception as exc:
            counts["c"] += n_bad
            examples["c"].append(
                f"batch evaluation raised {type(exc).__name__}: {str(exc)[:300]}\n" + traceback.format_exc()[-800:]
            )

    # 3. mismatched batch shapes: Params.batch and the batch entry point must name the fields
    for f in names:
        other = next(g for g in names if g != f)

        def ev(g):
            return (target.event_size.get(g, 1),) if target.fields[g] == 1 else ()

        kw = {g: np.broadcast_to(np.asarray(target.base[g], float), (3,) + ev(g)) for g in names}
        kw[f] = np.broadcast_to(np.asarray(target.base[f], float), (2,) + ev(f))
        try:
            target.cls.batch(**kw)
            counts["d"] += 1
            examples["d"].append(f"{target.cls.__name__}.batch accepted {f} (2,...) vs {other} (3,...)")
        except Exception as exc:
            record_exc(exc, f, f"{target.cls.__name__}.batch with {f} of batch size 2, others 3")
        try:
            good = target.cls(**{g: jnp.asarray(np.asarray(target.base[g], float)) for g in names})
            p = eqx.tree_at(
                lambda q: tuple(getattr(q, g) for g in names), good, tuple(jnp.asarray(kw[g]) for g in names)
            )
            target.run(p)
            counts["d"] += 1
            examples["d"].append(f"{target.name} accepted mismatched batch sizes ({f}: 2, others: 3)")
        except Exception as exc:
            record_exc(exc, f, f"{target.name} with {f} of batch size 2, others 3")
    return counts, examples


def run_fuzz(
    targets: list[Target] | None = None,
    seed: int = 0,
    n_batch: int = 256,
    n_batches: int = 4,
    construct: bool = True,
    shapes: bool = True,
) -> FuzzReport:
    """Fuzz every target; ``n_batch * n_batches`` random bad batch points per target plus the construction and
    mismatched-shape cases. One compile per target (batches of ``n_batch`` points)."""
    targets = default_targets() if targets is None else targets
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    counts, examples = {}, {}
    for t in targets:
        if t.name in counts:
            raise ValueError(f"duplicate target name {t.name!r}")
        counts[t.name], examples[t.name] = fuzz_target(t, rng, n_batch, n_batches, construct, shapes)
    n = sum(sum(c.values()) for c in counts.values())
    return FuzzReport(counts, examples, n, time.perf_counter() - t0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="markdown output (default: results/api.md for the full run)")
    args = ap.parse_args(argv)
    if args.out is None and not args.quick:
        args.out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "api.md")
    if args.quick:
        rep = run_fuzz(default_targets(), seed=args.seed, n_batch=64, n_batches=1)
    else:
        # the cheap targets with many points; the ODE paths (stiff solves, lockstep lanes) with fewer
        cheap = default_targets()
        ode = default_targets(full=True)[len(cheap) :]
        rep = run_fuzz(cheap, seed=args.seed, n_batch=512, n_batches=4)
        rep2 = run_fuzz(ode, seed=args.seed + 1, n_batch=128, n_batches=2)
        assert not set(rep.counts) & set(rep2.counts)
        rep = FuzzReport(
            {**rep.counts, **rep2.counts},
            {**rep.examples, **rep2.examples},
            rep.n_inputs + rep2.n_inputs,
            rep.seconds + rep2.seconds,
        )
    md = [
        f"# API fuzz ({'quick' if args.quick else 'full'} run)",
        "",
        f"{rep.n_inputs} bad inputs, seed {args.seed}, {rep.seconds:.0f} s on {jax.devices()[0].platform} "
        f"(`experiments/fuzz/fuzz_api.py{' --quick' if args.quick else ''}`). Outcomes: (a) a ValueError/"
        "TypeError naming the field; (b) flagged in `status` inside a batch with finite outputs; (c) a raw "
        "error from deep inside (or not naming the field); (d) silent: status 0 with a non-finite or physically "
        "absurd output; accepted valid: status 0, finite and sane (the value is in the domain). Goal: 0 of (c) "
        "and (d).",
        "",
        rep.to_markdown(),
        "",
    ]
    for name, ex in rep.examples.items():
        for o in ("c", "d"):
            for e in ex[o]:
                md.append(f"- {name} ({o}): `{e.splitlines()[0][:300]}`")
    text = "\n".join(md) + "\n"
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        with open(args.out, "w") as fh:
            fh.write(text)
    return rep


if __name__ == "__main__":
    main()
