"""Checks of parameters and input series shared by all packages of sktime-symbolic.

One place for the checks, so that the same bad input gets the same message whichever
estimator it reaches (ABBA / JABBA, the BPE tokenizer, their sktime transformers, the model
and its adapters). A series is named the way the caller laid it out:

- ``"the series"``: a single 1D series;
- ``"series i"``: row ``i`` of a 2D array or item ``i`` of a list of 1D series;
- ``"instance i, channel c"``: a 3D ``(instances, channels, time)`` array or a list of 2D
  ``(channels, time)`` arrays, each channel a series (instance-major).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "SeriesBatch",
    "check_finite",
    "check_int",
    "check_positive_int",
    "check_positive_number",
    "check_real",
    "check_series",
    "check_time_index",
    "series_name",
    "split_series",
]


# ---------------------------------------------------------------- parameters


def check_real(value, name, *, low=None, low_inclusive=True, allow=()):
    """``value`` as float if it is a finite real number (numpy scalars too) >= ``low``.

    Strings in ``allow`` (e.g. ``"auto"``) are returned unchanged; bools are rejected.

    Examples
    --------
    >>> check_real(np.float32(0.5), "tol", low=0, low_inclusive=False)
    0.5
    >>> check_real(0, "tol", low=0, low_inclusive=False)
    Traceback (most recent call last):
    ...
    ValueError: tol must be > 0, got 0.0
    """
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
    """``value`` as int if it is an integer (numpy integers too, not bools) >= ``low``."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return value


def check_positive_int(name: str, value) -> int:
    """``value`` as an int; ValueError naming ``name`` unless it is an integer >= 1 (not a bool).

    Same contract and message as ``sktime_symbolic.model._checks.check_positive_int``
    (note the argument order: name first).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_positive_number(name: str, value) -> float:
    """``value`` as a float; ValueError naming ``name`` unless it is a finite number > 0 (not a bool)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not (
            np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


# ---------------------------------------------------------------- one series


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
    with np.errstate(over="ignore"):  # overflow is reported below
        out = arr.astype(dtype)
    if np.isinf(out).any():
        raise ValueError(f"{name} has values too large for {np.dtype(dtype).name}")
    if np.isnan(out).all():
        raise ValueError(f"{name} has no observed value (all NaN)")
    return out


def check_time_index(times: pd.Index, where: str) -> pd.Index:
    """``times`` if the models may read it as regular steps; a ValueError naming ``where`` if not.

    The models see a series as values at equal steps. A time point that repeats is an error
    for any index; a DatetimeIndex must have a frequency, set or inferred from its values
    (``pd.infer_freq``; an index of fewer than three points is not checked). A PeriodIndex
    or an integer index counts its steps itself.

    Examples
    --------
    >>> times = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-04"])
    >>> check_time_index(times, "y")
    Traceback (most recent call last):
    ...
    ValueError: the time index of y has no regular frequency (none set and none can be inferred): its first step is 1 days 00:00:00, the step at 2020-01-02 00:00:00 is 2 days 00:00:00; the model reads regular steps: use a PeriodIndex, an integer index or a DatetimeIndex with a freq
    """
    if times.has_duplicates:
        raise ValueError(f"the time index of {where} repeats {times[times.duplicated()][0]}: each time point "
                         "must appear once")
    if isinstance(times, pd.DatetimeIndex) and times.freq is None and len(times) >= 3 and pd.infer_freq(times) is None:
        steps = times[1:] - times[:-1]
        k = int(np.argmax(steps != steps[0]))  # unsorted or calendar-irregular: some step differs
        raise ValueError(f"the time index of {where} has no regular frequency (none set and none can be inferred): its "
                         f"first step is {steps[0]}, the step at {times[k]} is {steps[k]}; the model reads regular "
                         "steps: use a PeriodIndex, an integer index or a DatetimeIndex with a freq")
    return times


def _one_series(x, name, min_length):
    """``x`` as a contiguous 1D float64 array of at least ``min_length`` values (NaN, inf kept)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    if arr.shape[0] < min_length:
        raise ValueError(f"{name} has length {arr.shape[0]}; at least {min_length} values are needed")
    return np.ascontiguousarray(arr, dtype=np.float64)


# ---------------------------------------------------------------- batches of series


def series_name(i, layout, n_channels=1):
    """How series ``i`` of a batch of layout ``layout`` is named in error messages.

    Examples
    --------
    >>> series_name(11, "3d", n_channels=3)
    'instance 3, channel 2'
    >>> series_name(2, "list")
    'series 2'
    """
    if layout == "1d":
        return "the series"
    if layout in ("3d", "list2d"):
        return f"instance {i // n_channels}, channel {i % n_channels}"
    return f"series {i}"


class SeriesBatch(NamedTuple):
    """Series laid out one after another: series ``i`` is ``flat[offsets[i]:offsets[i + 1]]``.

    ``layout`` is how the caller gave them (``"1d"``, ``"2d"``, ``"3d"``, ``"list"``,
    ``"list2d"``), so that results can be returned in the same shape and errors can name
    the series (see :func:`series_name`); ``n_channels`` is the number of channels per
    instance (1 unless ``layout`` is ``"3d"`` or ``"list2d"``).
    """

    flat: np.ndarray
    offsets: np.ndarray
    layout: str
    n_channels: int

    def name(self, i):
        """Name of series ``i`` in error messages."""
        return series_name(i, self.layout, self.n_channels)

    def locate(self, position):
        """``(series, position within it)`` of a position of ``flat``."""
        s = int(np.searchsorted(self.offsets, position, side="right") - 1)
        return s, int(position - self.offsets[s])


def split_series(X, *, min_length=1, where="X"):
    """Flatten a series, a panel or a list of series into a :class:`SeriesBatch`.

    Accepted: a 1D array (one series), a 2D array (rows are series), a 3D array
    ``(instances, channels, time)``, a list of 1D series (unequal lengths allowed) or a list
    of 2D ``(channels, time)`` arrays (unequal lengths, equal channels). Checks the structure
    (numbers, dimensions, no empty input, every series at least ``min_length`` values);
    NaN and inf are kept, for :func:`check_finite` or a kernel that reads every value anyway.

    Examples
    --------
    >>> batch = split_series([np.zeros(3), np.ones(2)])
    >>> batch.offsets.tolist(), batch.layout
    ([0, 3, 5], 'list')
    >>> split_series([np.zeros(3), np.ones(1)], min_length=2)
    Traceback (most recent call last):
    ...
    ValueError: series 1 has length 1; at least 2 values are needed
    """
    if isinstance(X, (list, tuple)):
        if len(X) == 0:
            raise ValueError(f"{where} is empty: no series given")
        if np.ndim(X[0]) == 2:
            layout, n_channels = "list2d", np.shape(X[0])[0]
            series = []
            for i, inst in enumerate(X):
                inst = np.asarray(inst)
                if inst.ndim != 2 or inst.shape[0] != n_channels:
                    raise ValueError(
                        f"instance {i} has shape {inst.shape}; every instance needs {n_channels} channels"
                    )
                series += [_one_series(inst[c], series_name(len(series), layout, n_channels), min_length)
                           for c in range(n_channels)]
        else:
            layout, n_channels = "list", 1
            series = [_one_series(x, series_name(i, layout), min_length) for i, x in enumerate(X)]
        offsets = np.zeros(len(series) + 1, dtype=np.int64)
        np.cumsum([x.shape[0] for x in series], out=offsets[1:])
        return SeriesBatch(np.concatenate(series), offsets, layout, n_channels)
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{where} must hold numbers, got dtype {arr.dtype}; give a list of series for unequal lengths")
    if arr.ndim == 1:
        flat = _one_series(arr, series_name(0, "1d"), min_length)
        return SeriesBatch(flat, np.array([0, flat.shape[0]], dtype=np.int64), "1d", 1)
    if arr.ndim not in (2, 3):
        raise ValueError(f"{where} must be 1D, 2D, 3D or a list of series, got {arr.ndim} dimensions")
    if arr.size == 0:
        raise ValueError(f"{where} is empty: shape {arr.shape}")
    if arr.shape[-1] < min_length:
        raise ValueError(f"every series has length {arr.shape[-1]}; at least {min_length} values are needed")
    layout, n_channels = ("2d", 1) if arr.ndim == 2 else ("3d", arr.shape[1])
    n_series = arr.size // arr.shape[-1]
    offsets = np.arange(n_series + 1, dtype=np.int64) * arr.shape[-1]
    return SeriesBatch(np.ascontiguousarray(arr, dtype=np.float64).reshape(-1), offsets, layout, n_channels)


def check_finite(batch, *, allow_nan=False):
    """Raise a ValueError naming the series and position of the first NaN or inf of ``batch``.

    With ``allow_nan`` only inf is an error (NaN is a missing value).

    Examples
    --------
    >>> check_finite(split_series(np.array([[0.0, 1.0], [2.0, np.inf]])))
    Traceback (most recent call last):
    ...
    ValueError: series 1 contains inf at position 1
    """
    bad = np.isinf(batch.flat) if allow_nan else ~np.isfinite(batch.flat)
    if not bad.any():
        return
    s, pos = batch.locate(int(np.argmax(bad)))
    value = batch.flat[batch.offsets[s] + pos]
    kind = "NaN" if np.isnan(value) else "inf"
    extra = "; only NaN (missing) is allowed" if allow_nan else ""
    raise ValueError(f"{batch.name(s)} contains {kind} at position {pos}{extra}")
