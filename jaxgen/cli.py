"""The ``jaxgen`` command (also ``python -m jaxgen``).

Subcommands: ``reproduce`` (the main job: the report), ``predict`` (from SLHA spectra or a runcard), ``sweep``,
``fit``, ``sensitivity`` (from a runcard) and ``check`` (validate a runcard). Runcards are TOML (docs/cli.md has the
reference; examples in ``jaxgen/data/runcards``). The command enables float64 in JAX (it is an entry point; the
library itself never changes the JAX configuration). Results: tables on stdout, NetCDF/CSV/PNG files only inside the
output directory (``--out`` or the runcard's ``[output].directory``); without one nothing is written.

Exit codes: 0 ok, 1 a failed computation (e.g. a failing report section), 2 bad input (runcard, SLHA file, option).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import textwrap

__all__ = ["main", "build_parser"]

_EPILOG_MAIN = """\
examples:
  jaxgen reproduce --out report                 # the main job: report/report.md with figures and data
  jaxgen predict --example all                  # B/(B-L) and m_X for the shipped SLHA spectra
  jaxgen predict spectrum.slha --out results    # one SLHA file, NetCDF + CSV + PNG into results/
  jaxgen predict hall_predict.toml              # a scenario point from a runcard
  jaxgen sweep hall_sweep.toml --out sweep_out  # a parameter sweep (resumable: run again to resume)
  jaxgen fit hall_fit.toml
  jaxgen sensitivity hall_sensitivity.toml
  jaxgen check my_runcard.toml                  # validate a runcard only

Example runcards: jaxgen/data/runcards/ (jaxgen check --list-examples). Reference: docs/cli.md.
"""


def _examples_text(kind: str) -> str:
    return {
        "reproduce": """\
examples:
  jaxgen reproduce --out report
  jaxgen reproduce --out report --only equilibrium_scan hall_figure1
  jaxgen reproduce --list
Writes <out>/report.md with a table of contents, PNG figures, CSV/JSON data and the versions used; one folder per
section. Exit code 1 if a section failed (the others still run). Needs the 'report' extra (matplotlib, scipy).""",
        "predict": """\
examples:
  jaxgen predict --example all                      # the three shipped spectra
  jaxgen predict --example light_rh --higgs-sector light
  jaxgen predict my_spectrum.slha --temperature 140 --dm-to-baryon hall2010 --out out
  jaxgen predict a.slha b.slha --out out --format csv png
  jaxgen predict hall_predict.toml --out out        # a runcard: scenario "hall", "ardu" or "slha"
SLHA input: B/(B-L) at the sphaleron freeze-out temperature (default 131.7 GeV, D'Onofrio et al. 2014) with every
superpartner weighted by its smooth Boltzmann suppression k(m/T), and m_X = (Omega_DM/Omega_b) m_p B/(B-L)
(Hall et al. 2010 eqs. (3.1)-(3.3)). Files written into --out: <name>.nc, <name>.csv per spectrum, spectra.csv
(one row per spectrum) and spectra_mx.png.""",
        "sweep": """\
examples:
  jaxgen sweep hall_sweep.toml --out sweep_out
  jaxgen sweep hall_sweep.toml --out sweep_out      # again: resumes, finished chunks are skipped
Writes <out>/sweep/ (manifest.json + one NetCDF file per chunk with its SHA-256 record; a resume verifies every
chunk and recomputes bad ones), <out>/sweep.csv (streamed, atomic; above 100000 points only with --csv) and, with
[sweep].plot, <out>/sweep_heatmap.png. Progress: a bar on a terminal, a plain line every 10 s otherwise. More than
1e8 points need --allow-large.""",
        "fit": """\
examples:
  jaxgen fit hall_fit.toml --out fit_out
Multi-start gradient fit of [fit].free to [fit].targets (jaxgen.fit). Writes <out>/fit.nc, fit.csv, fit_history.png.""",
        "sensitivity": """\
examples:
  jaxgen sensitivity hall_sensitivity.toml --out sens_out
Jacobian and elasticities d ln|output| / d ln|input| at the runcard's point (jaxgen.sensitivity). Writes
<out>/sensitivity.nc, .csv, .md and sensitivity.png.""",
        "check": """\
examples:
  jaxgen check my_runcard.toml
  jaxgen check --list-examples
Validates a runcard (keys, types, ranges, and the scenario's parameter names when the scenario is available) without
running it.""",
    }[kind]


def compile_cache_dir() -> pathlib.Path:
    """Where the ``jaxgen`` command keeps compiled code: ``$JAXGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/jaxgen``, else
    ``~/.cache/jaxgen``, in a subfolder per jax/jaxlib version (XLA executables are not portable across them)."""
    import os

    import jax
    import jaxlib.version

    root = os.environ.get("JAXGEN_CACHE_DIR")
    if not root:
        root = os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "jaxgen"
        )
    return pathlib.Path(root) / f"xla-jax{jax.__version__}-jaxlib{jaxlib.version.__version__}"


def enable_compile_cache() -> pathlib.Path | None:
    """Turn on JAX's persistent compilation cache for this process (the command line only: the library itself never
    changes the global JAX configuration).  Every compiled executable is stored, so a second ``jaxgen predict``,
    ``sweep`` or ``fit`` of the same kind loads it instead of compiling again (tracing and lowering still run).
    ``JAXGEN_COMPILE_CACHE=0`` or ``--no-compile-cache`` turns it off; an unusable directory is skipped with a
    message, never an error.  Returns the directory, or None when off."""
    import os

    import jax

    if os.environ.get("JAXGEN_COMPILE_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    path = compile_cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"jaxgen: compilation cache off ({path}: {exc.strerror or exc})", file=sys.stderr)
        return None
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``jaxgen`` command."""
    from . import __version__

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no progress bars or status lines (results are still printed); progress bars are also "
        "off when stderr is not a terminal",
    )
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show the Python traceback on errors"
    )
    common.add_argument(
        "--no-compile-cache",
        action="store_true",
        default=argparse.SUPPRESS,
        help="do not use the persistent compilation cache (default: compiled code is kept in "
        "$JAXGEN_CACHE_DIR, else $XDG_CACHE_HOME/jaxgen or ~/.cache/jaxgen, so that a second "
        "run of the same kind compiles less; JAXGEN_COMPILE_CACHE=0 also turns it off)",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="more detail on stderr (e.g. the SLHA blocks, DECAY and XSECTION sections skipped "
        "because jaxgen does not use them)",
    )
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="jaxgen",
        parents=[common],
        formatter_class=fmt,
        description="jaxgen: differentiable joint genesis of the baryon asymmetry and dark matter (Hall et al. 2010 "
        "asymmetric freeze-in; Ardu et al. 2025 R-symmetric ADM). Units: GeV.",
        epilog=_EPILOG_MAIN,
    )
    p.add_argument("--version", action="version", version=f"jaxgen {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser(
        "reproduce",
        parents=[common],
        formatter_class=fmt,
        epilog=_examples_text("reproduce"),
        help="the main job: reproduce both papers' headline results into a report directory",
        description="Reproduce the headline results of Hall et al. 2010 and Ardu et al. 2025 and "
        "write a Markdown report with tables, figures, CSV/NetCDF data and versions.",
    )
    r.add_argument("--out", type=pathlib.Path, default=None, help="report directory (required unless --list)")
    r.add_argument("--only", nargs="+", metavar="SECTION", help="run only these sections (see --list)")
    r.add_argument("--list", action="store_true", help="list the report sections and exit")

    pr = sub.add_parser(
        "predict",
        parents=[common],
        formatter_class=fmt,
        epilog=_examples_text("predict"),
        help="a prediction from SLHA spectra or a runcard",
        description="Predict B/(B-L) and the asymmetric-DM mass m_X from SLHA spectra, or evaluate "
        "a scenario point from a TOML runcard.",
    )
    pr.add_argument(
        "inputs", nargs="*", metavar="FILE", help="SLHA spectra (*.slha, *.spc, ...) or one runcard (*.toml)"
    )
    pr.add_argument(
        "--example",
        action="append",
        metavar="NAME",
        default=[],
        help="a shipped SLHA example (heavy, compressed, light_rh) or 'all'; repeatable",
    )
    pr.add_argument("--list-examples", action="store_true", help="list the shipped SLHA examples and exit")
    pr.add_argument("--out", type=pathlib.Path, default=None, help="output directory (nothing is written without it)")
    pr.add_argument(
        "--format",
        nargs="+",
        choices=["netcdf", "csv", "png"],
        default=None,
        help="what to write into --out (default: netcdf csv png; a runcard's [output].formats)",
    )
    g = pr.add_argument_group("SLHA options (ignored for runcards; the runcard's [slha] section sets them)")
    g.add_argument(
        "--temperature",
        type=float,
        default=131.7,
        metavar="GEV",
        help="sphaleron freeze-out temperature in GeV (default 131.7, D'Onofrio et al. 2014)",
    )
    g.add_argument(
        "--dm-to-baryon",
        default="planck2018",
        metavar="X",
        help="Omega_DM/Omega_b: planck2018 (5.364, default), hall2010 (4.86), ardu2025 (5.408) or a number",
    )
    g.add_argument(
        "--higgs-sector",
        choices=["spectrum", "light"],
        default="spectrum",
        help="heavy Higgs doublet from the spectrum (default) or both doublets massless (Hall eq. (3.3))",
    )
    g.add_argument(
        "--no-lfv",
        action="store_true",
        help="lepton-flavour-changing reactions out of equilibrium (flavour-universal B/3 - L_alpha)",
    )
    g.add_argument(
        "--higgsino-mass",
        type=float,
        default=None,
        metavar="GEV",
        help="override the Higgsino mass (default: NMIX/UMIX/VMIX or |mu| from HMIX)",
    )
    g.add_argument("--lenient", action="store_true", help="ignore unknown PDG codes in BLOCK MASS instead of failing")

    for name, helptext in (
        ("sweep", "a parameter sweep from a runcard ([sweep] section)"),
        ("fit", "a gradient fit from a runcard ([fit] section)"),
        ("sensitivity", "Jacobians and elasticities from a runcard ([sensitivity] section)"),
    ):
        s = sub.add_parser(
            name,
            parents=[common],
            formatter_class=fmt,
            epilog=_examples_text(name),
            help=helptext,
            description=helptext[0].upper() + helptext[1:] + ". Runcard reference: docs/cli.md.",
        )
        s.add_argument("runcard", type=pathlib.Path, help="TOML runcard")
        s.add_argument(
            "--out",
            type=pathlib.Path,
            default=None,
            help="output directory (overrides [output].directory; nothing is written without one)",
        )
        s.add_argument(
            "--format", nargs="+", choices=["netcdf", "csv", "png"], default=None, help="override [output].formats"
        )
        if name == "sweep":
            s.add_argument(
                "--csv",
                action="store_true",
                dest="force_csv",
                help="write sweep.csv even above 100000 points (default: NetCDF only there)",
            )
            s.add_argument(
                "--allow-large",
                action="store_true",
                help="run a sweep of more than 1e8 points (refused without it, with its estimated disk "
                "use and run time)",
            )

    c = sub.add_parser(
        "check",
        parents=[common],
        formatter_class=fmt,
        epilog=_examples_text("check"),
        help="validate a runcard without running it",
        description="Validate a TOML runcard.",
    )
    c.add_argument("runcard", type=pathlib.Path, nargs="?", help="TOML runcard")
    c.add_argument("--list-examples", action="store_true", help="list the shipped example runcards and exit")
    return p


def _say(args, *msg):
    if not args.quiet:
        print(*msg, file=sys.stderr, flush=True)


def _with_formats(card, fmts):
    import dataclasses

    if fmts is None:
        return card
    return dataclasses.replace(card, output={**card.output, "formats": list(fmts)})


def _cmd_reproduce(args) -> int:
    from .reproduce import EXPERIMENTS, run_report

    if args.list:
        print("\n".join(EXPERIMENTS))
        return 0
    if args.out is None:
        raise ValueError("jaxgen reproduce needs --out DIR (the report directory), e.g. --out report")
    _check_out_dir(args.out)
    return run_report(args.out, only=args.only, quiet=args.quiet)


def _slha_inputs(args) -> list:
    from .slha import example_spectra

    ex = example_spectra()
    files = []
    for name in args.example:
        if name == "all":
            files += list(ex.values())
        elif name in ex:
            files.append(ex[name])
        else:
            raise ValueError(f"unknown example {name!r}; choose from {sorted(ex)} or 'all'")
    for f in args.inputs:
        p = pathlib.Path(f)
        if not p.exists():
            if f in ex:
                files.append(ex[f])
                continue
            raise FileNotFoundError(f"no such file: {f!r} (shipped examples: {sorted(ex)}; use --example NAME)")
        files.append(p)
    return files


def _cmd_predict(args) -> int:
    from . import io, runcard

    if args.list_examples:
        from .slha import example_spectra

        for name, path in example_spectra().items():
            print(f"{name:<12} {path}")
        return 0
    toml = [f for f in args.inputs if str(f).endswith(".toml")]
    if toml:
        if len(args.inputs) > 1 or args.example:
            raise ValueError("give either one runcard (*.toml) or SLHA files, not both")
        card = _with_formats(runcard.load_runcard(toml[0]), args.format)
        _check_out_dir(card.output_dir(args.out), "--out" if args.out is not None else "[output].directory")
        res = None
        if args.compile_cache is not None and not runcard.is_predict_only(card.scenario):
            res = _predict_cached(args, card)
        if res is None:
            res = runcard.run_predict(card, out=args.out, quiet=not args.progress)
        print(res["text"])
        for p in res["written"]:
            _say(args, f"wrote {p}")
        if args.verbose and res.get("skipped"):
            _say(args, f"{(card.slha or {}).get('file')}: skipped (not used by jaxgen): {', '.join(res['skipped'])}")
        return 0 if res["ok"] else 1
    files = _slha_inputs(args)
    if not files:
        raise ValueError(
            "nothing to predict: give SLHA files, a runcard (*.toml) or --example NAME|all (see jaxgen predict --help)"
        )
    entry = runcard.get_scenario("slha")  # the registry's SLHA entry: the same code as an "slha" runcard
    settings = entry.settings(
        temperature=args.temperature,
        dm_to_baryon=_preset_or_number(args.dm_to_baryon),
        higgs_sector=args.higgs_sector,
        lepton_flavour_equilibrium=not args.no_lfv,
        higgsino_mass=args.higgsino_mass,
        strict=not args.lenient,
    )
    formats = args.format or ["netcdf", "csv", "png"]
    _check_out_dir(args.out)
    out = None if args.out is None else args.out.expanduser().resolve()
    attrs = io.provenance(None, {"command": "jaxgen predict " + " ".join(sys.argv[1:])})
    preds, stems, ok = [], [], True
    for f in files:
        res = runcard.predict_spectrum_file(f, settings, out=out, formats=formats, attrs=attrs)
        if args.verbose and res["skipped"]:
            _say(args, f"{f}: skipped (not used by jaxgen): {', '.join(res['skipped'])}")
        preds.append(res["prediction"])
        stems.append(res["stem"])
        ok = ok and res["ok"]
        print(res["text"])
        print()
        for p in res["written"]:
            _say(args, f"wrote {p}")
    rows, summary = runcard.spectra_summary(files, preds)
    if summary:
        print(summary)
    if out is not None:
        for p in runcard.write_spectra_summary(out, rows, preds, stems, formats):
            _say(args, f"wrote {p}")
    return 0 if ok else 1


def _predict_cached(args, card) -> dict | None:
    """A runcard prediction through the stored compiled chain of its kind (jaxgen/runcard/_compiled.py: no tracing,
    and no physics imports when the same point ran before); None (the uncached path) if the cache fails."""
    from .runcard import predict_cached

    try:
        res = predict_cached(card, args.compile_cache, out=args.out)
    except (ValueError, FileNotFoundError, ImportError):
        raise
    except Exception as exc:  # a broken cache entry must never fail a prediction: run it uncached
        if args.verbose:
            _say(args, f"compiled chain: cache not used ({type(exc).__name__}: {exc})")
        return None
    if args.verbose:
        what = {
            "hit": "loaded (program and checked point from the cache: no tracing, no physics imports)",
            "program": "loaded (program from the cache, new parameter values checked: no tracing)",
            "stored": "traced and stored",
            "uncached": "traced (the cache could not be written)",
        }[res["cache"]]
        _say(args, f"compiled chain: {what}: {res['entry']}")
    return res


def _check_out_dir(out, where: str = "--out") -> None:
    """Up-front check of the output directory: an existing file (or a file among its parents) cannot be one."""
    if out is None:
        return
    p = pathlib.Path(out).expanduser()
    for q in (p, *p.parents):
        if q.exists() and not q.is_dir():
            what = "is an existing file" if q == p else f"lies below the existing file {q}"
            raise ValueError(
                f"{where} {str(p)!r} {what}, not a directory: results are written into a directory. "
                "Fix: give a new or existing directory (e.g. --out results), or remove the file"
            )
        if q.exists():
            break


def _preset_or_number(v: str):
    try:
        return float(v)
    except ValueError:
        return v


def _cmd_runcard(args, runner_name: str) -> int:
    from . import runcard

    card = _with_formats(runcard.load_runcard(args.runcard), args.format)
    _check_out_dir(card.output_dir(args.out), "--out" if args.out is not None else "[output].directory")
    runner = getattr(runcard, runner_name)
    if runner_name == "run_sweep_card":  # progress: a bar on a terminal, periodic plain lines in logs
        res = runner(card, out=args.out, quiet=args.quiet, force_csv=args.force_csv, allow_large=args.allow_large)
    else:
        res = runner(card, out=args.out, quiet=not args.progress)
    print(res["text"])
    for p in res["written"]:
        _say(args, f"wrote {p}")
    problems = res.get("problems") or []
    for msg in problems:
        print(f"jaxgen {args.command}: {msg}", file=sys.stderr)
    return 1 if problems else 0


def _cmd_check(args) -> int:
    import importlib.resources

    from . import runcard

    if args.list_examples:
        root = importlib.resources.files("jaxgen") / "data" / "runcards"
        for p in sorted(root.iterdir(), key=lambda q: q.name):
            if p.name.endswith(".toml"):
                print(p)
        return 0
    if args.runcard is None:
        raise ValueError("jaxgen check needs a runcard (or --list-examples)")
    card = runcard.load_runcard(args.runcard)
    msg = [f"{args.runcard}: valid runcard for scenario {card.scenario!r}"]
    if not runcard.is_predict_only(card.scenario):  # an "slha" card is checked completely when it is read
        try:
            done = runcard.validate(card)
            msg.append("checked against the scenario's classes: " + ", ".join(done))
        except runcard.NotAvailableError as e:
            msg.append(f"(parameter and output names not checked: {e})")
        if card.sweep is not None:
            try:
                msg += runcard.sweep_warnings(card)
            except runcard.NotAvailableError:
                pass
    sections = [s for s in ("slha", "sweep", "fit", "sensitivity") if getattr(card, s) is not None]
    msg.append(
        f"sections: {', '.join(['scenario'] + sections + ['output'])}; output directory: "
        f"{card.output['directory'] or '(none: nothing written without --out)'}"
    )
    print("\n".join(msg))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the ``jaxgen`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.quiet = getattr(args, "quiet", False)
    args.progress = not args.quiet and sys.stderr.isatty()  # progress bars only on a terminal
    args.debug = getattr(args, "debug", False)
    args.verbose = getattr(args, "verbose", False)
    if args.command is None:
        parser.print_help()
        return 2
    import jax

    jax.config.update("jax_enable_x64", True)  # entry point: physics in float64
    args.compile_cache = None if getattr(args, "no_compile_cache", False) else enable_compile_cache()
    from .runcard import NotAvailableError

    handlers = {
        "reproduce": _cmd_reproduce,
        "predict": _cmd_predict,
        "check": _cmd_check,
        "sweep": lambda a: _cmd_runcard(a, "run_sweep_card"),
        "fit": lambda a: _cmd_runcard(a, "run_fit_card"),
        "sensitivity": lambda a: _cmd_runcard(a, "run_sensitivity_card"),
    }
    try:
        return int(handlers[args.command](args) or 0)
    except (ValueError, FileNotFoundError, NotAvailableError, ImportError) as exc:
        if args.debug:
            raise
        msg = textwrap.indent(str(exc), "  ").lstrip()
        print(f"jaxgen {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # a bug: say so plainly instead of a bare traceback
        if args.debug:
            raise
        print(
            f"jaxgen {args.command}: internal error ({type(exc).__name__}: {exc}). This is a bug in jaxgen, not "
            "in your input: please report it with the input file; rerun with --debug for the traceback",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
