"""TOML runcards for the ``jaxgen`` command: schema, validation, and the runners behind ``predict``, ``sweep``,
``fit`` and ``sensitivity``.

A runcard is a TOML file (read with :mod:`tomllib`) with the sections below; the full reference (every key, type,
default and meaning) is generated from :data:`SCHEMA` by :func:`reference_markdown` and printed in docs/cli.md.
Example (``jaxgen/data/runcards/hall_sweep.toml``)::

    title = "Hall et al. 2010: eta_B over coupling and CP phase"
    [scenario]
    name = "hall"                 # "hall" | "ardu" | "slha"
    [parameters]                  # fields of HallParams (dotted paths for nested fields); others keep defaults
    m_x = 1.6
    [sweep]
    design = "sobol"
    n = 1024
    axes = [ { path = "lam", low = 1e-13, high = 1e-10, log = true },
             { path = "phase.0", low = 0.0, high = 3.14159 } ]
    [output]
    directory = "hall_sweep_out"

Validation: a bad key or value raises ``ValueError`` naming the key (``[sweep].axes[1].low``), the expected form and
the fix (the closest valid key, via :mod:`difflib`). Paths: input files (``[slha].file``) are relative to the
runcard's folder; the output directory is relative to the current working directory (or given on the command line
with ``--out``, which wins). Every file a runner writes lies inside the output directory; without one, nothing is
written. Units: GeV, seconds, metres as declared per field (field metadata, :mod:`jaxgen._units`) by each scenario's
classes; datasets, CSV files and tables read them from there.

Scenarios come from a registry (:mod:`jaxgen.runcard._registry`): ``"hall"``, ``"ardu"`` and the predict-only
``"slha"``; :func:`register_scenario` adds one, :func:`get_scenario` returns its record, :func:`scenario_names`
lists them. Example::

    from jaxgen import runcard
    card = runcard.load_runcard("hall_predict.toml")   # ValueError naming the key, the expected form and the fix
    result = runcard.run_predict(card, out="out")       # {"text", "dataset", "written", "prediction", "ok"}

Layout of the package: ``_schema`` (keys, checkers, :class:`Runcard`, the reference), ``_parse`` (reading a card),
``_build`` (Settings and Params from a card, :func:`validate`), ``_registry`` (the scenarios), ``_runners``
(predict, fit, sensitivity, SLHA spectra), ``_sweep_card`` (sweep), ``_fit_tables`` (fit tables and datasets),
``_compiled`` (the exported chains that a second ``jaxgen predict`` of the same kind runs without tracing:
:func:`predict_cached`); datasets, units and provenance live in :mod:`jaxgen._io`.
"""

from .._io import prediction_dataset, write_dataset
from ._build import build_params, build_settings, validate
from ._compiled import predict_cached
from ._parse import load_runcard, parse_runcard
from ._registry import (
    SCENARIOS,
    NotAvailableError,
    Scenario,
    get_scenario,
    is_predict_only,
    register_scenario,
    scenario_api,
    scenario_names,
)
from ._runners import (
    predict_spectrum_file,
    run_fit_card,
    run_predict,
    run_sensitivity_card,
    spectra_summary,
    write_spectra_summary,
)
from ._schema import SCHEMA, Runcard, reference_markdown
from ._sweep_card import run_sweep_card, sweep_warnings

__all__ = [
    "SCHEMA",
    "SCENARIOS",
    "Runcard",
    "load_runcard",
    "parse_runcard",
    "reference_markdown",
    "scenario_api",
    "build_params",
    "prediction_dataset",
    "write_dataset",
    "run_predict",
    "run_sweep_card",
    "run_fit_card",
    "run_sensitivity_card",
    "NotAvailableError",
    "validate",
    # the registry and the pieces the command line shares
    "Scenario",
    "build_settings",
    "get_scenario",
    "is_predict_only",
    "register_scenario",
    "scenario_names",
    "predict_spectrum_file",
    "spectra_summary",
    "write_spectra_summary",
    "sweep_warnings",
    "predict_cached",
]
