"""Input checks shared by the model and its sktime and GluonTS adapters, so that the same bad
input gets the same message whichever way it comes in."""

from __future__ import annotations

import numpy as np


def check_positive_int(name: str, value) -> int:
    """``value`` as an int; ValueError naming ``name`` unless it is an integer >= 1 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_positive_number(name: str, value) -> float:
    """``value`` as a float; ValueError naming ``name`` unless it is a finite number > 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not (
            np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def check_series(values, name: str, dtype=np.float64) -> np.ndarray:
    """A one-dimensional numeric series as ``dtype``, NaN kept (missing values).

    Raises ValueError, naming ``name``, when it is not numeric, not one-dimensional, empty,
    contains inf (or values that overflow ``dtype``) or has no observed value.

    Examples
    --------
    >>> check_series([1, np.nan, 3], "y")
    array([ 1., nan,  3.])
    >>> check_series([np.nan, np.nan], "y")
    Traceback (most recent call last):
    ...
    ValueError: y has no observed value (all NaN)
    """
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains inf; only NaN (missing) is allowed")
    out = arr.astype(dtype)
    if np.isinf(out).any():
        raise ValueError(f"{name} has values too large for {np.dtype(dtype).name}")
    if np.isnan(out).all():
        raise ValueError(f"{name} has no observed value (all NaN)")
    return out
