"""Checks of parameters and input series, with errors that name the problem."""

import numbers

import numpy as np


def check_real(value, name, *, low=None, low_inclusive=True, allow=()):
    """Return ``value`` as float if it is a real number (numpy scalars too) in range."""
    if isinstance(value, str) and value in allow:
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        extra = f" or one of {allow}" if allow else ""
        raise ValueError(f"{name} must be a real number{extra}, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    return value


def check_int(value, name, *, low=None, allow_none=False):
    """Return ``value`` as int if it is an integer (numpy integers too) >= ``low``."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return value


def as_float_series(x, where):
    """A finite 1D float64 array of at least two values, or a ValueError naming ``where``."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{where} must hold numbers, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{where} must be one-dimensional, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{where} is empty")
    if arr.shape[0] < 2:
        raise ValueError(f"{where} has length 1; ABBA needs at least 2 values")
    if np.isnan(arr).any():
        raise ValueError(f"{where} contains NaN at position {int(np.flatnonzero(np.isnan(arr))[0])}")
    if np.isinf(arr).any():
        raise ValueError(f"{where} contains inf at position {int(np.flatnonzero(np.isinf(arr))[0])}")
    return arr
