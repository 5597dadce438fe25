"""Readers for the on-disk formats of the benchmark data sets.

Every reader returns a list of *entries*: dicts with ``item_id`` (str), ``start``
(``pd.Period`` carrying the frequency) and ``target`` (1-D ``float32`` array), the
layout GluonTS datasets use.
"""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

# Start used when a format has no time stamps (M4 CSVs); GluonTS' own M4 copy uses it too.
DEFAULT_START = "1750-01-01 00:00:00"

# Monash .tsf frequency names -> pandas frequency strings.
TSF_FREQUENCIES = {
    "yearly": "Y",
    "quarterly": "Q",
    "monthly": "M",
    "weekly": "W",
    "daily": "D",
    "hourly": "h",
    "half_hourly": "30min",
    "minutely": "min",
    "10_minutes": "10min",
    "4_seconds": "4s",
}


def business_day_safe_period(start, freq) -> pd.Period:
    """``pd.Period`` without pandas' deprecation warning for business-day periods (GluonTS uses them)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*BDay.*", category=FutureWarning)
        return pd.Period(start, freq=freq)


def _require_file(path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file not found: {path}")
    return path


def _make_entry(item_id, start, freq, values, source) -> dict:
    target = np.asarray(values, dtype=np.float32)
    if target.ndim != 1 or target.size == 0:
        raise ValueError(f"{source}: series {item_id!r} is empty")
    if np.isinf(target).any():
        raise ValueError(f"{source}: series {item_id!r} contains inf values")
    return {"item_id": str(item_id), "start": business_day_safe_period(start, freq), "target": target}


def _strip_trailing_nan(values: np.ndarray) -> np.ndarray:
    # M4 CSV rows are padded with empty cells up to the longest series.
    finite = np.flatnonzero(~np.isnan(values))
    return values[: finite[-1] + 1] if finite.size else values[:0]


def read_m4(train_path, test_path=None, freq="h", start=DEFAULT_START) -> list[dict]:
    """Read M4 competition CSVs (one row per series, first column the id).

    Parameters
    ----------
    train_path : str or Path
        ``<Group>-train.csv``; rows are right-padded with empty cells.
    test_path : str or Path, optional
        ``<Group>-test.csv`` with the next h values of each series; appended to the
        train values so every entry is the whole series.
    freq : str
        pandas frequency of the group (``"h"`` for Hourly, ``"W"`` for Weekly).
    start : str
        Start time stamp given to every series (the CSVs carry none).

    Returns
    -------
    list of dict
        Entries with ``item_id``, ``start`` and float32 ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "train.csv").write_text('"V1","V2","V3","V4"\\n"H1",1,2,3\\n"H2",4,5,\\n')
    >>> _ = (d / "test.csv").write_text('"V1","V2"\\n"H1",9\\n"H2",8\\n')
    >>> [e["target"].tolist() for e in read_m4(d / "train.csv", d / "test.csv")]
    [[1.0, 2.0, 3.0, 9.0], [4.0, 5.0, 8.0]]
    """
    train = pd.read_csv(_require_file(train_path), index_col=0)
    test = None
    if test_path is not None:
        test = pd.read_csv(_require_file(test_path), index_col=0)
        missing = train.index.difference(test.index)
        if len(missing):
            raise ValueError(f"{test_path}: no test values for series {list(missing[:5])}")
    entries = []
    for item_id, row in train.iterrows():
        values = _strip_trailing_nan(row.to_numpy(dtype=np.float64))
        if test is not None:
            values = np.concatenate([values, _strip_trailing_nan(test.loc[item_id].to_numpy(np.float64))])
        if np.isnan(values).any():
            raise ValueError(f"{train_path}: series {item_id!r} has missing values inside the series")
        entries.append(_make_entry(item_id, start, freq, values, train_path))
    return entries


def read_ett(path, columns=None, freq="h") -> list[dict]:
    """Read an ETT CSV (``date`` column then one column per variable), one entry per column.

    Parameters
    ----------
    path : str or Path
        e.g. ``ETTh1.csv``.
    columns : list of str, optional
        Variables to keep; default all columns except ``date``.
    freq : str
        pandas frequency of the rows.

    Returns
    -------
    list of dict
        Entries with ``item_id`` ``"<file stem>/<column>"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ETTh1.csv"
    >>> _ = p.write_text("date,HUFL,OT\\n2016-07-01 00:00:00,1.0,2.0\\n2016-07-01 01:00:00,3.0,4.0\\n")
    >>> [(e["item_id"], e["target"].tolist()) for e in read_ett(p)]
    [('ETTh1/HUFL', [1.0, 3.0]), ('ETTh1/OT', [2.0, 4.0])]
    """
    path = _require_file(path)
    frame = pd.read_csv(path)
    if "date" not in frame.columns:
        raise ValueError(f"{path}: no 'date' column; columns are {list(frame.columns)}")
    columns = [c for c in frame.columns if c != "date"] if columns is None else list(columns)
    unknown = set(columns) - set(frame.columns)
    if unknown:
        raise ValueError(f"{path}: unknown columns {sorted(unknown)}")
    start = pd.Timestamp(frame["date"].iloc[0])
    entries = []
    for column in columns:
        values = frame[column].to_numpy(dtype=np.float64)
        if np.isnan(values).any():
            raise ValueError(f"{path}: column {column!r} has missing values")
        entries.append(_make_entry(f"{path.stem}/{column}", start, freq, values, path))
    return entries


def read_exchange_rate(path, start="1990-01-01", freq="B") -> list[dict]:
    """Read the (optionally gzipped) comma-separated exchange-rate text file, one entry per column.

    Parameters
    ----------
    path : str or Path
        ``exchange_rate.txt`` or ``exchange_rate.txt.gz`` (no header).
    start : str
        Start date (the file carries none; GluonTS uses 1990-01-01).
    freq : str
        Business days (``"B"``) as in GluonTS' copy.

    Returns
    -------
    list of dict
        Entries with ``item_id`` ``"0"``, ``"1"``, ...

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "exchange_rate.txt"
    >>> _ = p.write_text("0.5,1.5\\n0.6,1.4\\n")
    >>> [e["target"].tolist() for e in read_exchange_rate(p)]
    [[0.5, 0.6000000238418579], [1.5, 1.399999976158142]]
    """
    path = _require_file(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        frame = pd.read_csv(handle, header=None)
    if frame.isna().any().any():
        raise ValueError(f"{path}: missing values")
    return [_make_entry(str(c), start, freq, frame[c].to_numpy(np.float64), path) for c in frame.columns]


def _parse_tsf_timestamp(text):
    # Monash files write times as "%Y-%m-%d %H-%M-%S" because ":" separates the fields.
    try:
        return pd.to_datetime(text, format="%Y-%m-%d %H-%M-%S")
    except ValueError:
        return pd.Timestamp(text)


def read_tsf(path, default_start=DEFAULT_START) -> tuple[list[dict], dict]:
    """Read a Monash forecasting repository ``.tsf`` file.

    Missing values (``?``) become NaN in the target (GluonTS metrics mask them).

    Parameters
    ----------
    path : str or Path
        The ``.tsf`` file.
    default_start : str
        Start used when the file has no ``start_timestamp`` attribute.

    Returns
    -------
    entries : list of dict
        Entries; the ``series_name`` attribute becomes ``item_id``.
    metadata : dict
        ``frequency`` (pandas string), ``horizon`` (int or None) and the raw header fields.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.tsf"
    >>> _ = p.write_text("@relation x\\n@attribute series_name string\\n"
    ...     "@attribute start_timestamp date\\n@frequency daily\\n@horizon 2\\n@data\\n"
    ...     "T1:2020-01-01 00-00-00:1,2,?,4\\n")
    >>> entries, meta = read_tsf(p)
    >>> entries[0]["item_id"], str(entries[0]["start"]), meta["horizon"]
    ('T1', '2020-01-01', 2)
    >>> entries[0]["target"].tolist()
    [1.0, 2.0, nan, 4.0]
    """
    path = _require_file(path)
    attributes, header, entries = [], {}, []
    in_data = False
    freq = None
    with open(path, encoding="latin-1") as handle:
        for line_no, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if line.lower() == "@data":
                    in_data = True
                    if "frequency" in header:
                        name = header["frequency"].lower()
                        if name not in TSF_FREQUENCIES:
                            raise ValueError(f"{path}: unknown @frequency {header['frequency']!r}")
                        freq = TSF_FREQUENCIES[name]
                    continue
                key, _, value = line[1:].partition(" ")
                if key.lower() == "attribute":
                    attr_name, _, attr_type = value.partition(" ")
                    attributes.append((attr_name, attr_type.strip()))
                else:
                    header[key.lower()] = value.strip()
                continue
            fields = line.split(":")
            if len(fields) != len(attributes) + 1:
                raise ValueError(f"{path}, line {line_no}: expected {len(attributes)} attributes and the values")
            attrs = dict(zip([a for a, _ in attributes], fields[:-1]))
            values = [np.nan if v == "?" else float(v) for v in fields[-1].split(",")]
            item_id = attrs.get("series_name", f"T{len(entries) + 1}")
            start = attrs.get("start_timestamp", default_start)
            start = _parse_tsf_timestamp(start)
            if freq is None:
                raise ValueError(f"{path}: no @frequency in the header")
            entries.append(_make_entry(item_id, start, freq, values, path))
    if not in_data:
        raise ValueError(f"{path}: no @data section")
    horizon = header.get("horizon")
    metadata = dict(header, frequency=freq, horizon=int(horizon) if horizon else None)
    return entries, metadata


def read_long_csv(path, id_col="id", timestamp_col="timestamp", value_col="value", freq=None) -> list[dict]:
    """Read a long-format CSV (one row per series and time stamp).

    Parameters
    ----------
    path : str or Path
        CSV with at least the three named columns.
    id_col, timestamp_col, value_col : str
        Column names.
    freq : str, optional
        pandas frequency; inferred from the first series when omitted.

    Returns
    -------
    list of dict
        One entry per id, sorted by time; time stamps must be regular (no gaps).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "long.csv"
    >>> _ = p.write_text("id,timestamp,value\\na,2020-01-01,1\\na,2020-01-02,2\\na,2020-01-03,3\\n")
    >>> e = read_long_csv(p)[0]
    >>> e["item_id"], str(e["start"]), e["target"].tolist()
    ('a', '2020-01-01', [1.0, 2.0, 3.0])
    """
    path = _require_file(path)
    frame = pd.read_csv(path)
    missing = {id_col, timestamp_col, value_col} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}; columns are {list(frame.columns)}")
    frame[timestamp_col] = pd.to_datetime(frame[timestamp_col])
    entries = []
    for item_id, group in frame.groupby(id_col, sort=False):
        group = group.sort_values(timestamp_col)
        stamps = pd.DatetimeIndex(group[timestamp_col])
        if freq is None:
            if len(stamps) < 3:
                raise ValueError(f"{path}: series {item_id!r} too short to infer freq; pass freq=")
            freq = pd.infer_freq(stamps)
            if freq is None:
                raise ValueError(f"{path}: cannot infer the frequency of series {item_id!r}; pass freq=")
        expected = pd.period_range(stamps[0], periods=len(stamps), freq=freq)
        if not (stamps.to_period(freq) == expected).all():
            raise ValueError(f"{path}: series {item_id!r} has irregular or duplicate time stamps for freq {freq!r}")
        values = group[value_col].to_numpy(dtype=np.float64)
        if np.isnan(values).any():
            raise ValueError(f"{path}: series {item_id!r} has missing values")
        entries.append(_make_entry(item_id, stamps[0], freq, values, path))
    if not entries:
        raise ValueError(f"{path}: no rows")
    return entries
