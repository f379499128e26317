"""Public I/O helpers: prediction datasets (xarray), CSV/NetCDF writing, units from field metadata, provenance.

Implementation in :mod:`jaxgen._io` (which also holds the sweep chunk format used by :mod:`jaxgen.sweep`).

Example::

    from jaxgen import io, scenarios
    ds = io.prediction_dataset(pred)                 # one variable per leaf, "units" attributes from field metadata
    io.write_dataset(ds, out, "hall", ["netcdf", "csv"])
    io.write_record(out, "my_run", {"lam": 2.5e-9}, {"eta_b": 8.6e-11})   # JSON with the exact versions
"""

from ._io import (
    package_versions,
    param_units,
    prediction_dataset,
    provenance,
    run_versions,
    units_for,
    write_dataset,
    write_record,
)

__all__ = [
    "package_versions",
    "param_units",
    "prediction_dataset",
    "provenance",
    "run_versions",
    "units_for",
    "write_dataset",
    "write_record",
]
