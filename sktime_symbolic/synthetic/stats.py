"""Small summary statistics used to compare synthetic and real series."""

from __future__ import annotations

import numpy as np

__all__ = ["spectral_entropy", "trend_strength", "lag1_autocorrelation"]


def _check(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"expected a 1-d series, got shape {x.shape}")
    if x.size < 8:
        raise ValueError(f"series too short for summary statistics ({x.size} < 8)")
    if not np.isfinite(x).all():
        raise ValueError("series contains NaN or inf")
    return x


def spectral_entropy(x) -> float:
    """Normalised Shannon entropy of the periodogram (0: one frequency, 1: white noise).

    Examples
    --------
    >>> t = np.arange(512)
    >>> spectral_entropy(np.sin(2 * np.pi * t / 32)) < 0.1
    True
    """
    x = _check(x)
    power = np.abs(np.fft.rfft(x - x.mean()))[1:] ** 2
    total = power.sum()
    if total <= 0:
        return 0.0
    p = power / total
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / np.log(len(power)))


def trend_strength(x, window: int | None = None) -> float:
    """Trend strength ``max(0, 1 - var(remainder) / var(x))`` (Wang, Smith & Hyndman, 2006,
    without the seasonal part).

    The trend is a centred moving average of ``window`` points (default ``len(x) // 10``,
    at least 3); the remainder is the series minus the trend.

    Examples
    --------
    >>> round(trend_strength(np.linspace(0, 10, 200)), 3)
    1.0
    """
    x = _check(x)
    w = window or max(3, len(x) // 10)
    kernel = np.ones(w) / w
    pad = np.pad(x, (w // 2, w - 1 - w // 2), mode="edge")
    trend = np.convolve(pad, kernel, mode="valid")
    remainder = x - trend
    if np.var(x) <= 0:
        return 0.0
    return float(max(0.0, 1.0 - np.var(remainder) / np.var(x)))


def lag1_autocorrelation(x) -> float:
    """Sample autocorrelation at lag 1 (0 for a constant series).

    Examples
    --------
    >>> round(lag1_autocorrelation(np.tile([1.0, -1.0], 50)), 2)
    -0.99
    """
    x = _check(x) - np.mean(x)
    denom = (x * x).sum()
    return float((x[1:] * x[:-1]).sum() / denom) if denom > 0 else 0.0
