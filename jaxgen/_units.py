"""Units of the fields of public parameter and result classes, declared once as field metadata.

A field declares its unit where it is defined::

    m_x: Float[Array, "*batch"] = eqx.field(default=1.0, metadata={"units": "GeV"})   # or units_field("GeV", ...)

and everything that labels a value (datasets, CSV headers, fit and sensitivity tables, the runcard reference)
reads it back with :func:`field_units`. Dimensionless fields declare ``"1"``. Nothing guesses a unit from a name.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import equinox as eqx

__all__ = ["units_field", "field_units", "unit_of"]


def units_field(units: str, **kwargs: Any) -> Any:
    """``eqx.field(..., metadata={"units": units})``; other keywords (default, converter, static) pass through."""
    if not isinstance(units, str) or not units:
        raise ValueError(f"units_field: units must be a non-empty string such as 'GeV' or '1', got {units!r}")
    metadata = dict(kwargs.pop("metadata", None) or {})
    metadata["units"] = units
    return eqx.field(metadata=metadata, **kwargs)


def field_units(obj_or_cls: Any) -> dict[str, str]:
    """{field name: unit} of every field of a dataclass (an ``eqx.Module`` instance or class) that declares one."""
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    if not dataclasses.is_dataclass(cls):
        return {}
    return {f.name: f.metadata["units"] for f in dataclasses.fields(cls) if "units" in f.metadata}


def unit_of(obj_or_cls: Any, path: str) -> str | None:
    """Unit of a dotted leaf path (``"m_a.0"``, ``"eta_b"``): the unit of its top-level field, or None if the
    field declares none. Indices and sub-paths share their field's unit."""
    return field_units(obj_or_cls).get(path.split(".")[0])
