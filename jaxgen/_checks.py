"""Type and range checks of static settings fields, shared by the Settings classes of the chains.

Settings are static (hashable Python values that select compiled code), so they can be checked eagerly: a wrong type
is reported with the field's name and the fix, instead of surfacing later as ``'<' not supported between ...`` or
``deg must be a positive integer`` from deep inside numpy or JAX.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["check_int_setting", "check_real_setting", "concrete_real"]


def check_int_setting(owner: str, name: str, value, *, minimum: int = 1, allow_none: bool = False) -> None:
    """``value`` must be an int (not a bool, not a float such as 10.5) >= ``minimum`` (or None if allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{owner}.{name} must be an integer >= {minimum}"
            + (" or None" if allow_none else "")
            + f", got {value!r} ({type(value).__name__})"
        )
    if value < minimum:
        raise ValueError(f"{owner}.{name} must be an integer >= {minimum}, got {value}")


def check_real_setting(owner: str, name: str, value, *, positive: bool = True) -> None:
    """``value`` must be a finite real number (not a string or bool), > 0 if ``positive``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}.{name} must be a real number, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value) or (positive and not float(value) > 0):
        raise ValueError(f"{owner}.{name} must be a finite number" + (" > 0" if positive else "") + f", got {value}")


def concrete_real(owner: str, name: str, value, hint: str = ""):
    """A concrete (non-traced) Params field as a float numpy array, or a TypeError naming the field: strings, None,
    booleans, complex numbers, dicts and ragged lists are refused.  ``hint`` is appended to the message (units)."""
    import numpy as np

    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and other unconvertible objects
        raise TypeError(f"{owner}.{name} must be a real number or array, got {value!r} ({exc})") from None
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{owner}.{name} must be a real number or array{hint}, got {type(value).__name__} {value!r}")
    return arr.astype(float)
