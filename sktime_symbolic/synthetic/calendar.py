"""Series with calendar seasons: the shapes statistical forecasters are strong on.

KernelSynth, CauKer and S2 give periodic series whose periods are rarely the calendar ones and
whose trends are rarely damped or multiplied into the season. Real monthly, quarterly, daily
and hourly data have exactly those: a season of 4, 7, 12, 24, 52 or 168 steps (sometimes two,
as hourly data repeat daily and weekly), a trend that is linear, damped or wandering, a season
whose amplitude grows with the level (the airline shape), and noise. :class:`CalendarSeasonal`
draws them, each with the season length a forecaster would be told for it (the frequency's
calendar season), so pretraining passes the season as inference passes it.
"""

from __future__ import annotations

import numpy as np

from ._seeding import IndexedGenerator, check_indices, check_probability, check_seed, sample_rng, stream_id

#: (season a forecaster is told, weight): quarterly, daily, monthly, hourly, weekly, yearly (no season)
CALENDAR_SEASONS = ((4, 0.2), (7, 0.15), (12, 0.25), (24, 0.15), (52, 0.05), (1, 0.2))
#: the seasons of short histories (a few years of quarterly, monthly or yearly values)
SHORT_SEASONS = ((4, 0.35), (12, 0.3), (1, 0.35))
# a second, longer cycle riding on the first: the week of hourly data, the year of daily data
_SECOND_CYCLE = {24: 168, 7: 364 // 7 * 7, 4: 0, 12: 0, 52: 0, 1: 0}


class CalendarSeasonal(IndexedGenerator):
    """Trend x season + noise series with calendar season lengths; sample ``i`` depends on ``(seed, i)`` only.

    Each series draws its season length from :data:`CALENDAR_SEASONS` (1: none, as yearly data),
    a season shape (a few harmonics, or a random profile, drifting slowly), a trend (none,
    linear, damped, or a random walk), whether the season multiplies the level (positive series
    whose swings grow with it), and white or AR(1) noise.

    Parameters
    ----------
    length : int
        Values per series.
    seasons : tuple of (int, float), default=CALENDAR_SEASONS
        The season lengths drawn and their weights (seasons with a second, longer cycle: 24 and 7).
    trend_break_prob : float, default=0.0
        Share of series whose trend changes slope once or twice at random times, often after the
        point where a forecast would start: a trend that held over the history need not hold over
        the horizon, so a model trained on them learns how far to extrapolate one.
    smooth_prob : float, default=0.0
        Share of series that are smooth growth curves (linear, damped, exponential, logistic, or a
        slope that wanders slowly) with almost no noise (0.1-2% of the usual): the shape of
        yearly macro-economic and demographic series, whose forecast should follow the curve
        with narrow intervals rather than treat its bends as noise.

    Examples
    --------
    >>> gen = CalendarSeasonal(length=96)
    >>> series, seasons = gen.generate_with_seasons([0, 1, 2], seed=0)
    >>> series.shape, seasons.dtype.kind
    ((3, 96), 'i')
    >>> bool(np.array_equal(gen.generate_at([2], seed=0)[0], series[2]))
    True
    """

    _stream = stream_id("calendar")

    def __init__(self, length: int = 640, seasons=CALENDAR_SEASONS, trend_break_prob: float = 0.0,
                 smooth_prob: float = 0.0):
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 2:
            raise ValueError(f"length must be an integer >= 2, got {length!r}")
        self.length = int(length)
        unknown = [s for s, _ in seasons if s not in _SECOND_CYCLE]
        if unknown or not seasons or any(w < 0 for _, w in seasons) or sum(w for _, w in seasons) <= 0:
            raise ValueError(f"seasons must be (season, weight) pairs of {sorted(_SECOND_CYCLE)} with positive "
                             f"total weight, got {seasons!r}")
        self.seasons = tuple((int(s), float(w)) for s, w in seasons)
        self.trend_break_prob = check_probability(trend_break_prob, "trend_break_prob")
        self.smooth_prob = check_probability(smooth_prob, "smooth_prob")

    def generate_at(self, indices, seed: int = 0) -> np.ndarray:
        """Series of the given indices, shape ``(len(indices), length)``."""
        return self.generate_with_seasons(indices, seed)[0]

    def generate_with_seasons(self, indices, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(series (n, length), seasons (n,) int64)``: each series and the season it is told with."""
        seed, indices = check_seed(seed), check_indices(indices)
        out = np.empty((indices.size, self.length))
        seasons = np.empty(indices.size, dtype=np.int64)
        for k, i in enumerate(indices):
            seasons[k], out[k] = self._draw(sample_rng(seed, self._stream, int(i)))
        return out, seasons

    def _draw(self, rng: np.random.Generator) -> tuple[int, np.ndarray]:
        n = self.length
        t = np.arange(n, dtype=np.float64)
        periods, weights = zip(*self.seasons)
        season = int(rng.choice(periods, p=np.asarray(weights) / sum(weights)))
        pattern = np.zeros(n)
        if season > 1:
            pattern = self._cycle(rng, season, t)
            second = _SECOND_CYCLE[season]
            if second and rng.random() < 0.5:
                pattern += rng.uniform(0.2, 0.8) * self._cycle(rng, second, t)
        # drawn only when asked for, so that series without smooth ones stay as they were
        smooth = bool(self.smooth_prob) and rng.random() < self.smooth_prob
        trend = self._smooth_trend(rng, n) if smooth else self._trend(rng, n)
        if self.trend_break_prob and rng.random() < self.trend_break_prob:
            trend = trend + self._breaks(rng, n)
        noise_scale = rng.uniform(0.02, 0.4) * (10 ** rng.uniform(-3, -1.7) if smooth else 1.0)
        noise = rng.standard_normal(n)
        if rng.random() < 0.4:
            phi = rng.uniform(0.3, 0.9)
            for i in range(1, n):
                noise[i] += phi * noise[i - 1]
            noise *= np.sqrt(1 - phi ** 2)
        if rng.random() < 0.4:
            # multiplicative: a positive level whose season and noise scale with it (the airline shape)
            level = np.exp(0.6 * trend / max(np.abs(trend).max(), 1e-9) * rng.uniform(0.3, 1.5))
            series = level * (1 + 0.3 * pattern * rng.uniform(0.3, 1.0) + 0.1 * noise_scale * noise)
            return season, series * np.exp(rng.uniform(-3, 6))
        series = trend + pattern * rng.uniform(0.3, 3.0) + noise_scale * noise
        return season, series * np.exp(rng.uniform(-3, 6)) + rng.normal(0, 50)

    @staticmethod
    def _cycle(rng, period, t) -> np.ndarray:
        """A unit-spread seasonal cycle of ``period`` steps that drifts slowly over the series."""
        if rng.random() < 0.6:
            k = int(rng.integers(1, max(2, min(4, period // 2)) + 1))
            cycle = sum(rng.normal(0, 1 / j) * np.sin(2 * np.pi * j * t / period + rng.uniform(0, 2 * np.pi))
                        for j in range(1, k + 1))
        else:
            profile = rng.standard_normal(period)
            cycle = profile[t.astype(np.int64) % period]
        drift = np.cumsum(rng.normal(0, rng.uniform(0, 0.01), t.size))
        cycle = cycle * (1 + drift)
        spread = cycle.std()
        return cycle / spread if spread > 0 else cycle

    @staticmethod
    def _breaks(rng, n) -> np.ndarray:
        """One or two slope changes (on the trend's scale) at times in the last 70% of the series."""
        t = np.arange(n, dtype=np.float64) / n
        return sum(rng.normal(0, 3) * np.maximum(t - rng.uniform(0.3, 1.0), 0.0)
                   for _ in range(int(rng.integers(1, 3))))

    @staticmethod
    def _smooth_trend(rng, n) -> np.ndarray:
        """A growth curve on the trend's scale: linear, damped, exponential, logistic, or a slope
        that wanders slowly (a twice-integrated noise)."""
        kind = rng.choice(5)
        t = np.arange(n, dtype=np.float64) / n
        scale = rng.normal(0, 3)
        if kind == 0:
            return scale * t
        if kind == 1:
            phi = rng.uniform(0.85, 0.999)
            return scale * (1 - phi ** (t * n)) / (1 - phi) / n
        if kind == 2:
            rate = rng.uniform(-2, 3)
            return scale * np.expm1(rate * t) / rate if abs(rate) > 1e-3 else scale * t
        if kind == 3:
            return scale / (1 + np.exp(-rng.uniform(3, 12) * (t - rng.uniform(-0.2, 1.2))))
        slope = np.cumsum(rng.normal(0, 1, n))
        curve = np.cumsum(slope + rng.normal(0, 3) * np.sqrt(n))
        spread = np.abs(curve).max()
        return scale * curve / spread if spread > 0 else curve

    @staticmethod
    def _trend(rng, n) -> np.ndarray:
        kind = rng.choice(4, p=[0.2, 0.3, 0.25, 0.25])
        t = np.arange(n, dtype=np.float64) / n
        if kind == 0:
            return np.zeros(n)
        if kind == 1:
            return rng.normal(0, 3) * t
        if kind == 2:
            # damped: the slope decays geometrically, so the level flattens out
            phi = rng.uniform(0.9, 0.999)
            return rng.normal(0, 3) * (1 - phi ** (t * n)) / (1 - phi) / n
        return np.cumsum(rng.normal(rng.normal(0, 0.05), rng.uniform(0.02, 0.2), n))


class ShortHistories(IndexedGenerator):
    """Whole short histories with calendar seasons, each with its own horizon; sample ``i`` depends on ``(seed, i)``.

    A window of a few dozen values cut from a long series shows a sliver of its trend and mostly
    noise around a level, so a model trained on such windows learns to pull short histories back
    to their mean. Real short series (a yearly series of 16 values, a quarterly one of 30) are whole
    histories whose trend spans them. Each sample here is a :class:`CalendarSeasonal` series drawn
    at the length of its own context (``context_range``) plus a horizon of 20-60% of it (at least
    4 values, as yearly series are forecast 6 steps and quarterly ones 8), with the seasons of
    :data:`SHORT_SEASONS`.

    Parameters
    ----------
    context_range : (int, int), default=(10, 60)
        The shortest and longest context.
    max_horizon : int, default=64
        The longest horizon.
    trend_break_prob, smooth_prob : float, default=0.0
        See :class:`CalendarSeasonal`.

    Examples
    --------
    >>> series, n_context, seasons = ShortHistories().generate_histories([0, 1, 2], seed=0)
    >>> series.shape, bool((n_context >= 10).all() and (n_context <= 60).all())
    ((3, 124), True)
    >>> bool(np.isfinite(series[0, :n_context[0] + 4]).all())
    True
    """

    _stream = stream_id("short_histories")

    def __init__(self, context_range=(10, 60), max_horizon: int = 64, trend_break_prob: float = 0.0,
                 smooth_prob: float = 0.0):
        lo, hi = context_range
        if not (2 <= lo <= hi) or max_horizon < 1:
            raise ValueError(f"context_range must be (lo, hi) with 2 <= lo <= hi and max_horizon >= 1, got "
                             f"{context_range!r}, {max_horizon!r}")
        self.context_range, self.max_horizon = (int(lo), int(hi)), int(max_horizon)
        self.trend_break_prob = check_probability(trend_break_prob, "trend_break_prob")
        self.smooth_prob = check_probability(smooth_prob, "smooth_prob")

    def generate_at(self, indices, seed: int = 0) -> np.ndarray:
        """Series of the given indices, shape ``(len(indices), max context + max_horizon)``, NaN after each end."""
        return self.generate_histories(indices, seed)[0]

    def generate_histories(self, indices, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(series, n_context, seasons)``: each series (context then horizon, NaN-padded at the end),
        the length of its context and the season it is told with."""
        seed, indices = check_seed(seed), check_indices(indices)
        out = np.full((indices.size, self.context_range[1] + self.max_horizon), np.nan)
        n_context = np.empty(indices.size, dtype=np.int64)
        seasons = np.empty(indices.size, dtype=np.int64)
        for k, i in enumerate(indices):
            rng = sample_rng(seed, self._stream, int(i))
            n = int(rng.integers(self.context_range[0], self.context_range[1] + 1))
            h = int(np.clip(round(n * rng.uniform(0.2, 0.6)), 4, self.max_horizon))
            seasons[k], out[k, :n + h] = CalendarSeasonal(n + h, SHORT_SEASONS, self.trend_break_prob,
                                                          self.smooth_prob)._draw(rng)
            n_context[k] = n
        return out, n_context, seasons
