"""Vectorised conversion between the transformers' inner mtypes and the core's arrays.

The transformers take ``pd.DataFrame`` (one series), ``numpy3D`` (an equal-length panel,
passed through by sktime without conversion) or ``pd-multiindex`` (any panel, the mtype
sktime converts everything else to) and hand the core one 3D array or a list of 2D
``(channels, time)`` arrays, so that the core's errors name instance and channel. Frames
are split and built with whole-array operations: a loop over instances in pandas costs
about 0.5 ms per instance, 100 times the core's time on series of 1,000 points.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd

# pd-multiindex before numpy3D: sktime converts other panel mtypes to the first panel
# mtype listed, and only pd-multiindex holds unequal lengths
INNER_MTYPES = ["pd.DataFrame", "pd-multiindex", "numpy3D"]


class Panel(NamedTuple):
    """A panel as the core takes it, with what is needed to label the output.

    ``data`` is a 3D ``(instances, channels, time)`` array when all instances have the same
    length, else a list of 2D ``(channels, time)`` arrays; ``instances`` holds the instance
    labels (None for a single series, whose output has no instance level) and
    ``instance_name`` the name of that index level.
    """

    data: object
    instances: pd.Index
    instance_name: object
    columns: list

    @property
    def n_instances(self):
        return len(self.data)


class Rows(NamedTuple):
    """Rows of a frame grouped by instance (see :func:`split_rows`)."""

    order: np.ndarray
    starts: np.ndarray
    instances: pd.Index
    instance_name: object

    @property
    def counts(self):
        return np.diff(self.starts)


def _run_starts(codes):
    """Positions where a run of equal values of ``codes`` starts."""
    if codes.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))


def split_rows(X):
    """Group the rows of a frame by instance, in order of first appearance.

    ``order`` is None when each instance's rows are already contiguous (the usual case),
    else the row permutation that makes them so (stable: rows keep their order within an
    instance). Instance ``i`` then is rows ``starts[i]:starts[i + 1]``. A frame without a
    MultiIndex is one series: one instance, ``instances`` None.
    """
    n = X.shape[0]
    if not isinstance(X.index, pd.MultiIndex):
        return Rows(None, np.array([0, n], dtype=np.int64), None, None)
    codes = np.asarray(X.index.codes[0], dtype=np.int64)
    order = None
    starts = _run_starts(codes)
    if np.unique(codes[starts]).shape[0] != starts.shape[0]:
        # an instance's rows are split: sort by rank of first appearance
        uniq, first = np.unique(codes, return_index=True)
        rank = np.empty(X.index.levels[0].shape[0], dtype=np.int64)
        rank[uniq[np.argsort(first, kind="stable")]] = np.arange(uniq.shape[0])
        order = np.argsort(rank[codes], kind="stable")
        codes = codes[order]
        starts = _run_starts(codes)
    instances = X.index.levels[0][codes[starts]]
    return Rows(order, np.append(starts, n).astype(np.int64), instances, X.index.names[0])


def numeric_values(X):
    """All columns of a frame as one float64 array; ValueError naming non-numeric columns."""
    non_numeric = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if non_numeric:
        raise ValueError(f"columns {non_numeric} are not numeric")
    return X.to_numpy(dtype=np.float64)


def read_panel(X):
    """:class:`Panel` of an inner-mtype input (``pd.DataFrame``, ``pd-multiindex``, ``numpy3D``)."""
    if isinstance(X, np.ndarray):
        # sktime's own names for the columns and instances of a numpy3D panel
        return Panel(X, pd.RangeIndex(X.shape[0]), "instances", [f"var_{i}" for i in range(X.shape[1])])
    values = numeric_values(X)
    rows = split_rows(X)
    if rows.order is not None:
        values = values[rows.order]
    counts = rows.counts
    if counts.shape[0] and (counts == counts[0]).all():
        data = values.reshape(counts.shape[0], counts[0], values.shape[1]).transpose(0, 2, 1)
    else:
        data = [values[a:b].T for a, b in zip(rows.starts[:-1], rows.starts[1:])]
    return Panel(data, rows.instances, rows.instance_name, list(X.columns))


def _code_dtype(n_values):
    """The integer type pandas keeps the codes of a level of ``n_values`` values in: codes
    built in it are not converted again (2M codes: 3 ms)."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_values < np.iinfo(dtype).max:
            return dtype
    return np.int64


def build_frame(data, counts, panel, position_name, columns=None):
    """DataFrame of ``data`` (a dict of columns, or a 2D array with ``columns``) whose rows
    are grouped by instance, ``counts[i]`` rows each.

    The index is ``(instance, position_name)`` with positions ``0 .. counts[i] - 1`` per
    instance, or a RangeIndex named ``position_name`` for a single series.
    """
    n_rows = int(counts.sum())
    if panel.instances is None:
        return pd.DataFrame(data, index=pd.RangeIndex(n_rows, name=position_name), columns=columns)
    n_instances = counts.shape[0]
    n_positions = int(counts.max()) if n_rows else 0
    instance = np.repeat(np.arange(n_instances, dtype=_code_dtype(n_instances)), counts)
    if n_rows and (counts == counts[0]).all():
        position = np.tile(np.arange(n_positions, dtype=_code_dtype(n_positions)), n_instances)
    else:
        position = (np.arange(n_rows) - np.repeat(np.cumsum(counts) - counts, counts)).astype(_code_dtype(n_positions))
    index = pd.MultiIndex(
        levels=[panel.instances, pd.RangeIndex(n_positions)],
        codes=[instance, position],
        names=[panel.instance_name, position_name],
        verify_integrity=False,
    )
    return pd.DataFrame(data, index=index, columns=columns)


def _label(value):
    """An index label as written in error messages (numpy scalars as plain Python values)."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_label(v) for v in value) + ")"
    return repr(value.item() if isinstance(value, np.generic) else value)


def instance_name(rows, i):
    """Name of instance ``i`` of ``rows`` in error messages."""
    return "the series" if rows.instances is None else f"instance {_label(rows.instances[i])}"


def row_name(X, rows, r):
    """Label of row ``r`` of the grouped rows (after ``rows.order``), for error messages."""
    return f"row {_label(X.index[r if rows.order is None else rows.order[r]])}"


def grouped_column(X, rows, name):
    """Column ``name`` of ``X`` as an array, rows grouped by instance like ``rows``."""
    values = X[name].to_numpy()
    return values if rows.order is None else values[rows.order]


def integer_column(X, rows, name, *, low=None):
    """Column ``name`` (grouped like ``rows``) as int64: whole, finite numbers >= ``low``;
    else a ValueError naming the column, the bad value and its row."""
    values = grouped_column(X, rows, name)
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            r = int(np.argmax(bad))
            raise ValueError(f"column {name!r} must hold integers, found {values[r]} at {row_name(X, rows, r)}")
    elif values.dtype.kind not in "iu":
        raise ValueError(f"column {name!r} must hold integers, got dtype {values.dtype}")
    out = values.astype(np.int64, copy=False)
    if low is not None and (out < low).any():
        r = int(np.argmax(out < low))
        raise ValueError(f"column {name!r} must be >= {low}, found {out[r]} at {row_name(X, rows, r)}")
    return out


def channel_column(X, rows, n_channels):
    """The ``channel`` column (grouped like ``rows``) as int64; ValueError for a non-integer
    or a channel the transformer was not fitted on."""
    channel = integer_column(X, rows, "channel")
    bad = (channel < 0) | (channel >= n_channels)
    if bad.any():
        r = int(np.argmax(bad))
        raise ValueError(
            f"channel {channel[r]} at {row_name(X, rows, r)} does not exist: the transformer was fitted on "
            f"{n_channels} channel(s), 0 .. {n_channels - 1}"
        )
    return channel


def real_column(X, rows, name, *, positive=False):
    """Column ``name`` (grouped like ``rows``) as float64: finite numbers (> 0 if
    ``positive``), else a ValueError naming the column, the bad value and its row."""
    values = grouped_column(X, rows, name)
    if values.dtype.kind not in "biuf":
        raise ValueError(f"column {name!r} must hold numbers, got dtype {values.dtype}")
    values = values.astype(np.float64, copy=False)
    bad = ~np.isfinite(values)
    if positive:
        bad |= ~(values > 0)
    if bad.any():
        r = int(np.argmax(bad))
        what = "finite numbers > 0" if positive else "finite numbers"
        raise ValueError(f"column {name!r} must hold {what}, found {values[r]} at {row_name(X, rows, r)}")
    return values


def series_rows(X, rows, channel, n_channels, unit):
    """Group the rows of every instance by channel: ``(order, series starts)``.

    ``channel`` holds the (checked) channel of each grouped row. Series ``i * n_channels + c``
    (instance ``i``, channel ``c``) is rows ``order[starts[s]:starts[s + 1]]``; every
    series needs at least one row (``unit`` names what a row is, e.g. "symbols").
    """
    instance = np.repeat(np.arange(rows.counts.shape[0]), rows.counts)
    key = instance * n_channels + channel
    order = None if (np.diff(key) >= 0).all() else np.argsort(key, kind="stable")
    counts = np.bincount(key, minlength=rows.counts.shape[0] * n_channels)
    if (counts == 0).any():
        s = int(np.argmax(counts == 0))
        raise ValueError(
            f"{instance_name(rows, s // n_channels)}, channel {s % n_channels} has no {unit}; "
            "every channel needs at least one"
        )
    starts = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return order, starts


def values_frame(flat, lengths, n_channels, rows, columns):
    """Frame of reconstructed series: ``flat`` holds them one after another (instance-major,
    ``lengths`` each), an instance's channels side by side as columns; the index is
    ``(instance, "timepoints")``, or an unnamed RangeIndex for a single series."""
    per_instance = lengths.reshape(-1, n_channels)
    if (per_instance != per_instance[:, :1]).any():
        i = int(np.argmax((per_instance != per_instance[:, :1]).any(axis=1)))
        raise ValueError(
            f"{instance_name(rows, i)}: its channels reconstruct to lengths {per_instance[i].tolist()}; "
            "they must agree"
        )
    n_time = per_instance[:, 0]
    if n_channels == 1:
        values = flat[:, None]
    else:
        # value of channel c at time t of instance i sits at start_i + c * n_time_i + t
        instance = np.repeat(np.arange(n_time.shape[0]), n_time)
        starts = np.cumsum(n_time * n_channels) - n_time * n_channels
        t = np.arange(instance.shape[0]) - np.repeat(np.cumsum(n_time) - n_time, n_time)
        base = starts[instance] + t
        values = np.column_stack([flat[base + c * n_time[instance]] for c in range(n_channels)])
    panel = Panel(None, rows.instances, rows.instance_name, columns)
    position_name = None if rows.instances is None else "timepoints"
    return build_frame(values, n_time, panel, position_name, columns=columns)
