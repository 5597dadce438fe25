"""The season of a context and statistical experts computed from it (numba, fixed grids, no optimiser).

Statistical methods take the season from the frequency and are strong exactly where a model
that never sees it is weak (monthly, quarterly and yearly series, short histories). The codec
therefore hands the model, next to the symbols' own copy paths, the forecasts of a few classic
methods fitted inside the context, each with the skill it showed on the context's last window:

0. seasonal naive at the season;
1. seasonal naive with drift (the random walk with drift when there is no season);
2. simple exponential smoothing (SES) of the seasonally adjusted context;
3. Holt's damped trend of the seasonally adjusted context;
4. the Theta method (SES plus half the linear trend) of the seasonally adjusted context;
5. seasonal naive at the season detected in the context (hourly data often repeat weekly, not daily).

Seasonal adjustment is the classical decomposition (centred moving average, seasonal indices per
phase), multiplicative when the values are positive and swing by 10% of their level or more (so a
shift ``y + c`` far from zero leaves the forecast that of ``y``), applied only when the season passes the
autocorrelation test that Theta and statsforecast use. Every smoothing parameter is picked from a
fixed grid by the one-step in-sample error, so a batch costs milliseconds and no per-series fit.

The season is an integer per series: given (from the data's frequency, :func:`season_length`), or
0 for unknown, in which case the detected one is used.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: statistical expert paths the codec computes per series
N_EXPERTS = 6
#: season features per series: log season, its autocorrelation, log detected season, its
#: autocorrelation, multiplicative adjustment, seasonal adjustment applied
N_SEASON_FEATURES = 6
#: the longest season the model is told about (the context length)
MAX_SEASON = 512
#: the smallest swing, relative to the level, of data adjusted multiplicatively
MIN_RELATIVE_SWING = 0.1
#: the weakest autocorrelation a detected season may have: with many candidate lags, the
#: Bartlett test alone passes one of them on white noise
MIN_DETECTED_ACF = 0.25

_SES_ALPHAS = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0])
_HOLT_ALPHAS = np.array([0.1, 0.3, 0.5, 0.8])
_HOLT_BETAS = np.array([0.02, 0.1, 0.3])
_HOLT_PHIS = np.array([0.8, 0.9, 0.98])

# calendar cycles by pandas offset name, longest first: the weekly cycle of daily data, the yearly one of
# weekly, monthly and quarterly data, the daily one of hourly and sub-hourly data (as
# gluonts.time_feature.get_seasonality), then the hour and the minute for steps of seconds or minutes
# whose day would not fit the context
_CALENDAR_CYCLES = {"S": (86400, 3600, 60), "T": (1440, 60), "MIN": (1440, 60), "H": (24,), "D": (7,), "B": (5,),
                    "W": (52,), "M": (12,), "MS": (12,), "ME": (12,), "SM": (24,), "SMS": (24,), "BM": (12,),
                    "BMS": (12,), "BME": (12,), "Q": (4,), "QS": (4,), "QE": (4,), "BQ": (4,), "BQS": (4,),
                    "BQE": (4,), "A": (1,), "AS": (1,), "Y": (1,), "YS": (1,), "YE": (1,), "BA": (1,), "BY": (1,),
                    "BYS": (1,), "BYE": (1,)}


def season_length(freq) -> int:
    """The calendar season of a pandas frequency (``"H"`` -> 24, ``"D"`` -> 7, ``"M"`` -> 12, ``"Q"`` -> 4,
    ``"W"`` -> 52, yearly -> 1); a multiple divides it (``"6H"`` -> 4) and leaves 1 when it does not
    divide. Steps of minutes or seconds take the day, as ``gluonts.time_feature.get_seasonality`` does
    (``"15min"`` -> 96), or the hour (then the minute) when the day is longer than :data:`MAX_SEASON`
    steps. None or an unknown frequency gives 0: unknown, so the codec detects the season.

    Examples
    --------
    >>> season_length("M"), season_length("h"), season_length("W-SUN"), season_length("6H"), season_length(None)
    (12, 24, 52, 4, 0)
    >>> season_length("30min"), season_length("5min"), season_length("min"), season_length("10s")
    (48, 288, 60, 360)
    """
    if freq is None:
        return 0
    import warnings

    import pandas as pd

    try:
        with warnings.catch_warnings():
            # pandas deprecates some aliases ("Q-DEC", "H") that GluonTS periods still carry
            warnings.simplefilter("ignore", FutureWarning)
            offset = pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError):
        return 0
    name = offset.name.split("-")[0].upper()
    cycles = _CALENDAR_CYCLES.get(name)
    if cycles is None:
        return 0
    n = max(1, abs(int(offset.n)))
    for cycle in cycles:
        if cycle // n <= MAX_SEASON:
            return cycle // n if cycle % n == 0 else 1
    return 1


def check_seasons(season, n_series: int) -> np.ndarray:
    """Seasons of ``n_series`` series as an int64 array (one int or None for all, or one each);
    0 or None means unknown (detected from the context); anything else must be a positive integer."""
    if season is None:
        return np.zeros(n_series, dtype=np.int64)
    values = np.atleast_1d(np.asarray([0 if s is None else s for s in np.atleast_1d(np.asarray(season, dtype=object))],
                                      dtype=object))
    if values.size == 1:
        values = np.repeat(values, n_series)
    if values.size != n_series:
        raise ValueError(f"season has {values.size} values for {n_series} series")
    out = np.empty(n_series, dtype=np.int64)
    for i, s in enumerate(values):
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"season must be None or a non-negative integer (0: detect it), got {s!r}")
        out[i] = int(s)
    return out


@njit(cache=True)
def _autocorrelation(x, max_lag, detrend):
    """Autocorrelations ``0 .. max_lag`` of ``x`` less its mean, and with ``detrend`` less its
    least-squares line."""
    n = x.size
    t_mean = (n - 1) / 2.0
    x_mean = x.mean()
    cov, var_t = 0.0, 0.0
    for t in range(n):
        cov += (t - t_mean) * (x[t] - x_mean)
        var_t += (t - t_mean) ** 2
    slope = cov / var_t if var_t > 0 and detrend else 0.0
    r = np.empty(n)
    for t in range(n):
        r[t] = x[t] - x_mean - slope * (t - t_mean)
    acf = np.zeros(max_lag + 1)
    denom = 0.0
    for t in range(n):
        denom += r[t] * r[t]
    if denom <= 0.0:
        return acf
    for k in range(max_lag + 1):
        s = 0.0
        for t in range(k, n):
            s += r[t] * r[t - k]
        acf[k] = s / denom
    return acf


@njit(cache=True)
def _passes_seasonality_test(acf, lag, n):
    """The 90% one-sided test of Theta / statsforecast: ``acf[lag]`` beyond its Bartlett band."""
    if lag < 2 or lag >= acf.size or n < 2 * lag:
        return False
    s = 1.0
    for k in range(1, lag):
        s += 2.0 * acf[k] ** 2
    return acf[lag] > 1.645 * np.sqrt(s / n)


@njit(cache=True)
def detect_season(x):
    """The lag, among the local maxima of the detrended autocorrelation up to ``n // 3`` (three
    cycles at least), with the largest autocorrelation that passes the seasonality test and
    :data:`MIN_DETECTED_ACF`; 1 when none does."""
    n = x.size
    max_lag = min(n // 3, MAX_SEASON)
    if max_lag < 3:
        return 1
    acf = _autocorrelation(x, max_lag, True)
    best, best_acf = 1, 0.0
    for k in range(2, max_lag):
        if acf[k] >= acf[k - 1] and acf[k] >= acf[k + 1] and acf[k] > max(best_acf, MIN_DETECTED_ACF) \
                and _passes_seasonality_test(acf, k, n):
            best, best_acf = k, acf[k]
    return best


@njit(cache=True)
def _seasonal_indices(y, s, multiplicative):
    """Classical decomposition: the mean ratio (or difference) of ``y`` to its centred moving
    average at each phase ``t % s``, normalised to mean 1 (or 0)."""
    n = y.size
    total = np.zeros(s)
    count = np.zeros(s)
    half = s // 2
    for t in range(half, n - half):
        if s % 2 == 1:
            ma = y[t - half:t + half + 1].mean()
        else:
            ma = (0.5 * y[t - half] + y[t - half + 1:t + half].sum() + 0.5 * y[t + half]) / s
        total[t % s] += y[t] / ma if multiplicative else y[t] - ma
        count[t % s] += 1
    idx = np.empty(s)
    for k in range(s):
        idx[k] = total[k] / count[k] if count[k] > 0 else (1.0 if multiplicative else 0.0)
    if multiplicative:
        return idx / idx.mean()
    return idx - idx.mean()


@njit(cache=True)
def _swings_multiplicatively(x, offset):
    """Whether ``x + offset`` is positive data whose swing is a real share of its level: then a
    season is taken out by ratios, else by differences. Far from zero (a swing under 10% of the
    level) the two coincide, and differences keep the forecast of ``y + c`` that of ``y``."""
    low, high, mean = np.inf, -np.inf, 0.0
    for t in range(x.size):
        v = x[t] + offset
        low, high = min(low, v), max(high, v)
        mean += v / x.size
    return low > 0 and low > 0.05 * mean and high - low > MIN_RELATIVE_SWING * mean


@njit(cache=True)
def seasonal_adjustment(x, season, horizon):
    """The context without its season, and the season to put back over the forecast horizon.

    Classical decomposition as the experts and Theta use it: applied when ``x`` holds three seasons
    or more (the centred moving average takes one, so that each phase's index averages two cycles at
    least) and ``season`` passes Theta's autocorrelation test on ``x`` itself (not detrended, unlike
    the experts' test), by ratios (:func:`_swings_multiplicatively`) or differences.

    Parameters
    ----------
    x : float64 array
        The context in its own units, gaps filled.
    season : int
    horizon : int

    Returns
    -------
    adjusted : float64 array
        ``x`` divided by (or less) its seasonal index at each step; ``x`` itself when not applied.
    future : (horizon,) float64
        The index of each forecast step: factors when ``multiplicative``, else values to add
        (zeros when not applied).
    multiplicative, applied : bool

    Examples
    --------
    >>> import numpy as np
    >>> x = 10 + np.tile([1.0, -1.0, 2.0, -2.0], 6)
    >>> adjusted, future, multiplicative, applied = seasonal_adjustment(x, 4, 3)
    >>> bool(applied), bool(multiplicative), np.round(adjusted[:4], 6), np.round(future, 6)
    (True, True, array([10., 10., 10., 10.]), array([1.1, 0.9, 1.2]))
    """
    n = x.size
    season = max(1, min(season, MAX_SEASON))
    # the test on the autocorrelation of the data as they are (Theta's, as in the M4 benchmarks): a
    # trend keeps every lag's autocorrelation high, so that a weak season beside a strong trend stays in
    if season < 2 or n < 3 * season or not _passes_seasonality_test(_autocorrelation(x, season, False), season, n):
        return x.copy(), np.zeros(horizon), False, False
    future = np.empty(horizon)
    multiplicative = _swings_multiplicatively(x, 0.0)
    idx = _seasonal_indices(x, season, multiplicative)
    adjusted = np.empty(n)
    for t in range(n):
        adjusted[t] = x[t] / idx[t % season] if multiplicative else x[t] - idx[t % season]
    for h in range(horizon):
        future[h] = idx[(n + h) % season]
    return adjusted, future, multiplicative, True


@njit(cache=True)
def _ses(d, alpha):
    """``(level after d, one-step squared error)`` of simple exponential smoothing."""
    level = d[0]
    sse = 0.0
    for t in range(1, d.size):
        e = d[t] - level
        sse += e * e
        level += alpha * e
    return level, sse


@njit(cache=True)
def _holt_damped(d, alpha, beta, phi):
    """``(level, trend, one-step squared error)`` of Holt's damped trend."""
    n = d.size
    k = min(n - 1, 4)
    level = d[0]
    trend = (d[k] - d[0]) / k if k > 0 else 0.0
    sse = 0.0
    for t in range(1, n):
        forecast = level + phi * trend
        e = d[t] - forecast
        sse += e * e
        new_level = forecast + alpha * e
        trend = phi * trend + beta * (new_level - level - phi * trend)
        level = new_level
    return level, trend, sse


@njit(cache=True)
def _smoothing_paths(d, horizon, out):
    """SES, damped trend and Theta forecasts of the adjusted context ``d`` into ``out[2:5]``."""
    n = d.size
    best_a, best_sse, level = 1.0, np.inf, d[n - 1]
    for a in _SES_ALPHAS:
        lv, sse = _ses(d, a)
        if sse < best_sse:
            best_a, best_sse, level = a, sse, lv
    for h in range(horizon):
        out[2, h] = level
    best_sse, hl, ht, hphi = np.inf, d[n - 1], 0.0, 1.0
    for a in _HOLT_ALPHAS:
        for b in _HOLT_BETAS:
            for phi in _HOLT_PHIS:
                lv, tr, sse = _holt_damped(d, a, b, phi)
                if sse < best_sse:
                    best_sse, hl, ht, hphi = sse, lv, tr, phi
    damp = 0.0
    for h in range(horizon):
        damp += hphi ** (h + 1)
        out[3, h] = hl + ht * damp
    # Theta(2): the SES level plus half the least-squares slope (Hyndman and Billah's form)
    t_mean = (n - 1) / 2.0
    cov, var_t = 0.0, 0.0
    d_mean = d.mean()
    for t in range(n):
        cov += (t - t_mean) * (d[t] - d_mean)
        var_t += (t - t_mean) ** 2
    slope = cov / var_t if var_t > 0 else 0.0
    correction = 1.0 / best_a - (1.0 - best_a) ** n / best_a
    for h in range(horizon):
        out[4, h] = level + 0.5 * slope * (h + correction)


@njit(cache=True)
def _seasonal_naive(x, s, horizon, drift_per_step, out_row):
    n = x.size
    if s < 1 or s > n:
        s = 1
    for h in range(horizon):
        out_row[h] = x[n - s + h % s] + drift_per_step * s * (1 + h // s)


@njit(cache=True)
def _expert_paths(x, s, s_detected, adjust, multiplicative, offset, horizon):
    """The :data:`N_EXPERTS` paths of ``x`` (gap-filled, scale units) for the given seasons."""
    n = x.size
    out = np.empty((N_EXPERTS, horizon))
    drift = (x[n - 1] - x[0]) / (n - 1) if n > 1 else 0.0
    _seasonal_naive(x, s, horizon, 0.0, out[0])
    _seasonal_naive(x, s, horizon, drift, out[1])
    _seasonal_naive(x, s_detected, horizon, 0.0, out[5])
    if n < 2:
        for e in range(2, 5):
            out[e, :] = x[n - 1]
        return out
    y = x + offset if multiplicative else x.copy()
    adjust = adjust and n >= 2 * s
    idx = _seasonal_indices(y, s, multiplicative) if adjust else np.ones(1)
    if adjust:
        for t in range(n):
            y[t] = y[t] / idx[t % s] if multiplicative else y[t] - idx[t % s]
    _smoothing_paths(y, horizon, out)
    for e in range(2, 5):
        for h in range(horizon):
            v = out[e, h]
            if adjust:
                v = v * idx[(n + h) % s] if multiplicative else v + idx[(n + h) % s]
            out[e, h] = v - offset if multiplicative else v
    return out


@njit(cache=True)
def statistical_experts(x, season, horizon, offset):
    """Expert paths, their backtest skill and the season features of one context.

    Parameters
    ----------
    x : float64 array
        The context in scale units, gaps filled.
    season : int
        The given season (1: none); 0: unknown, the detected season is used.
    horizon : int
    offset : float
        ``loc / scale``: ``x + offset`` is the context in its own units over ``scale``, positive
        exactly when the data are, which decides a multiplicative adjustment.

    Returns
    -------
    paths : (N_EXPERTS, horizon) float64, in scale units
    skill : (N_EXPERTS,) float64
        ``-log(0.01 + MAE / d)`` of each expert refitted without the context's last window
        (``min(horizon, n // 5)`` values, at least 1) and scored on it, where ``d`` is the mean
        absolute step of the context: higher is better.
    features : (N_SEASON_FEATURES,) float64
    season : int
        The season used (the detected one when ``season`` is 0).
    """
    n = x.size
    s_detected = detect_season(x)
    s = s_detected if season == 0 else season
    s = max(1, min(s, MAX_SEASON))
    max_lag = min(max(s, s_detected) + 1, n - 1)
    acf = _autocorrelation(x, max(max_lag, 1), True)
    adjust = _passes_seasonality_test(acf, s, n)
    multiplicative = adjust and _swings_multiplicatively(x, offset)
    paths = _expert_paths(x, s, s_detected, adjust, multiplicative, offset, horizon)
    skill = np.full(N_EXPERTS, -np.log(0.01 + 1.0))
    hb = max(1, min(horizon, n // 5))
    if n - hb >= 2:
        past = x[:n - hb]
        back = _expert_paths(past, s, s_detected, adjust, multiplicative, offset, hb)
        step = 0.0
        for t in range(1, past.size):
            step += abs(past[t] - past[t - 1])
        step = step / (past.size - 1) + 1e-3
        for e in range(N_EXPERTS):
            mae = 0.0
            for h in range(hb):
                mae += abs(back[e, h] - x[n - hb + h])
            skill[e] = -np.log(0.01 + mae / hb / step)
    features = np.zeros(N_SEASON_FEATURES)
    if s > 1:
        features[0] = np.log(s) / np.log(MAX_SEASON)
        features[1] = acf[s] if s < acf.size else 0.0
    if s_detected > 1:
        features[2] = np.log(s_detected) / np.log(MAX_SEASON)
        features[3] = acf[s_detected] if s_detected < acf.size else 0.0
    features[4] = 1.0 if multiplicative else 0.0
    features[5] = 1.0 if adjust else 0.0
    return paths, skill, features, s


@njit(cache=True)
def batch_statistical_experts(values, offsets, seasons, horizon, shifts):
    """:func:`statistical_experts` of a batch of contexts stored end to end (``values[offsets[i]:
    offsets[i + 1]]``, with ``seasons[i]`` and ``shifts[i]`` its season and ``loc / scale``), in
    one compiled loop. Returns ``(paths (B, N_EXPERTS, horizon), skill (B, N_EXPERTS),
    features (B, N_SEASON_FEATURES), seasons used (B,))``."""
    n = offsets.size - 1
    paths = np.empty((n, N_EXPERTS, horizon))
    skill = np.empty((n, N_EXPERTS))
    features = np.empty((n, N_SEASON_FEATURES))
    used = np.empty(n, dtype=np.int64)
    for i in range(n):
        p, s, f, u = statistical_experts(values[offsets[i]:offsets[i + 1]], seasons[i], horizon, shifts[i])
        paths[i], skill[i], features[i], used[i] = p, s, f, u
    return paths, skill, features, used
