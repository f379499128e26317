"""jaxgen._io for single results: prediction datasets with units from field metadata and provenance, CSV rows
(points and labelled arrays), writing only inside the output directory."""

import csv
import json
from typing import Any

import equinox as eqx
import numpy as np
import pytest
import xarray as xr

from jaxgen import _io
from jaxgen._units import units_field


class Pred(eqx.Module):
    m_x: Any = units_field("GeV")
    tau: Any = units_field("s")
    epsilon: Any = units_field("1")
    label_free: Any = None  # no declared unit
    status: Any = None


def _pred():
    return Pred(
        m_x=np.asarray(1.5),
        tau=np.asarray(2e-3),
        epsilon=np.asarray([0.1, -0.2]),
        label_free=np.asarray(3.0),
        status=np.asarray(0, np.int32),
    )


def test_prediction_dataset_units_and_provenance():
    card = type("Card", (), {"title": "t", "source": "c.toml", "scenario": "toy", "raw": {"a": 1}})()
    ds = _io.prediction_dataset(_pred(), _io.provenance(card, {"settings": {"n": 3}}), units={"tau": "ms"})
    assert ds["m_x"].attrs["units"] == "GeV" and ds["tau"].attrs["units"] == "ms"  # an explicit unit wins
    assert ds["epsilon"].shape == (2,) and ds["epsilon"].attrs["units"] == "1"
    assert ds["label_free"].attrs["units"] == "" and ds["status"].attrs["units"] == "1"
    assert ds.attrs["scenario"] == "toy" and json.loads(ds.attrs["runcard_toml"]) == {"a": 1}
    assert json.loads(ds.attrs["settings"]) == {"n": 3} and "jax" in json.loads(ds.attrs["versions"])


def test_csv_rows_of_a_point_and_of_labelled_arrays():
    rows = _io.csv_rows(_io.prediction_dataset(_pred()))
    assert rows[0] == ["quantity", "value", "units"] and ["m_x", 1.5, "GeV"] in rows
    assert ["epsilon[1]", -0.2, "1"] in rows
    names = np.asarray(["lam", "m_x"])
    ds = xr.Dataset(
        {
            "covariance": xr.Variable(
                ("parameter", "parameter_2"), np.eye(2), {"units_per": "parameter_units parameter_units"}
            )
        },
        coords={"parameter": names, "parameter_2": names, "parameter_units": ("parameter", np.asarray(["1", "GeV"]))},
    )
    by = {r[0]: r for r in _io.csv_rows(ds)[1:]}
    assert by["covariance[lam,m_x]"][2] == "GeV" and by["covariance[m_x,m_x]"][2] == "GeV*GeV"
    assert by["covariance[lam,lam]"][2] == "1"
    sweep = xr.Dataset(
        {"x": ("point", np.arange(3.0)), "v": (("point", "v_dim1"), np.ones((3, 2)))}, coords={"point": np.arange(3)}
    )
    rows = _io.csv_rows(sweep)
    assert rows[0] == ["point", "x", "v[0]", "v[1]"] and len(rows) == 4


def test_write_dataset_only_inside_the_output_directory(tmp_path):
    out = tmp_path / "out"
    written = _io.write_dataset(_io.prediction_dataset(_pred()), out, "p", ["netcdf", "csv", "png"])
    assert [p.name for p in written] == ["p.nc", "p.csv"]  # png is not a dataset format
    assert list(csv.reader((out / "p.csv").open()))[1][0] == "m_x"
    with pytest.raises(ValueError, match="outside the output directory"):
        _io.inside(out, out / ".." / "escape.txt")
    with pytest.raises(ValueError, match="outside the output directory"):
        _io.write_dataset(_io.prediction_dataset(_pred()), out, "../escape", ["csv"])
    assert not (tmp_path / "escape.csv").exists()
