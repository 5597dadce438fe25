"""Plot a probabilistic forecast: recent history, median and central intervals (matplotlib)."""

from __future__ import annotations

import numpy as np


def plot_forecast(history, quantiles, levels, history_index=None, forecast_index=None, actual=None, ax=None,
                  title=None):
    """Draw ``history``, the median forecast and its central intervals.

    Parameters
    ----------
    history : 1D array-like
        Values before the forecast origin.
    quantiles : 2D array-like of shape (len(levels), horizon)
        Forecast quantiles, one row per level.
    levels : sequence of float in (0, 1)
        Quantile levels of the rows; 0.5 must be one of them (the median line). Each pair of
        levels symmetric about 0.5 is shaded as an interval.
    history_index, forecast_index : array-like or None
        x positions (numbers or timestamps); default ``0..n-1`` and what follows.
    actual : 1D array-like or None
        Observed values over the horizon, drawn dashed.
    ax : matplotlib Axes or None
    title : str or None

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> q = np.array([[0.0, 0.5], [1.0, 1.5], [2.0, 2.5]])
    >>> ax = plot_forecast(np.arange(5.0), q, levels=[0.1, 0.5, 0.9])
    >>> len(ax.collections)  # one shaded 80% interval
    1
    """
    import matplotlib.pyplot as plt

    history = np.asarray(history, dtype=np.float64)
    quantiles = np.asarray(quantiles, dtype=np.float64)
    levels = [round(float(level), 10) for level in levels]
    if quantiles.ndim != 2 or quantiles.shape[0] != len(levels):
        raise ValueError(f"quantiles must have one row per level ({len(levels)}), got shape {quantiles.shape}")
    if 0.5 not in levels:
        raise ValueError(f"levels must include 0.5 (the median), got {levels}")
    horizon = quantiles.shape[1]
    if history_index is None:
        history_index = np.arange(len(history))
    if forecast_index is None:
        forecast_index = np.arange(len(history), len(history) + horizon)
    if len(history_index) != len(history) or len(forecast_index) != horizon:
        raise ValueError("history_index and forecast_index must match the lengths of history and quantiles")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(history_index, history, color="black", lw=1.2, label="history")
    row = {level: i for i, level in enumerate(levels)}
    # widest interval first, so narrower ones are drawn on top of it
    for low in sorted(level for level in levels if level < 0.5):
        high = round(1 - low, 10)
        if high in row:
            ax.fill_between(forecast_index, quantiles[row[low]], quantiles[row[high]], color="tab:blue",
                            alpha=0.18, lw=0, label=f"{high - low:.0%} interval")
    ax.plot(forecast_index, quantiles[row[0.5]], color="tab:blue", lw=1.5, label="median")
    if actual is not None:
        ax.plot(forecast_index, np.asarray(actual, dtype=np.float64), color="black", ls="--", lw=1.2,
                label="actual")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    return ax
