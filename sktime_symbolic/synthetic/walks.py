"""Random walks with independent steps: series whose best forecast is the last value.

The other generators' series are smooth (Gaussian-process samples, expressions, calendar
cycles), and integrating them (``integrate_prob`` in pretraining) gives smooth trends that
a forecast may rightly extend. A random walk with independent steps has no such trend to
extend: its best median is the last value (plus the drift, when there is one), and its
quantiles widen as the square root of the horizon. Exchange rates and prices are of this kind,
and a model that has only seen smooth series extrapolates the last few steps of a walk as if
they were a trend. A random walk observed with noise (the local-level model) has simple
exponential smoothing as its best forecast.
"""

from __future__ import annotations

import numpy as np

from ._seeding import IndexedGenerator, check_indices, check_seed, sample_rng, stream_id


class RandomWalks(IndexedGenerator):
    """Random walks with Gaussian or heavy-tailed steps, some with a drift or observation noise.

    Sample ``i`` depends on ``(seed, i)`` only. A step is Gaussian or Student-t (3-8 degrees of
    freedom, heavy tails as in returns); half the walks drift by up to a fifth of a step's spread
    per step; a third are observed with white noise of up to twice a step's spread; each walk is
    scaled and shifted at random, as the calendar series are.

    Parameters
    ----------
    length : int
        Values per series.

    Examples
    --------
    >>> walks = RandomWalks(length=64).generate(3, seed=0)
    >>> walks.shape
    (3, 64)
    >>> bool(np.array_equal(RandomWalks(length=64).generate_at([2], seed=0)[0], walks[2]))
    True
    """

    _stream = stream_id("random_walks")

    def __init__(self, length: int):
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 2:
            raise ValueError(f"length must be an integer >= 2, got {length!r}")
        self.length = int(length)

    def generate_at(self, indices, seed: int = 0) -> np.ndarray:
        """Series of the given indices, shape ``(len(indices), length)``."""
        seed, indices = check_seed(seed), check_indices(indices)
        out = np.empty((indices.size, self.length))
        for k, i in enumerate(indices):
            out[k] = self.draw(sample_rng(seed, self._stream, int(i)))
        return out

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One walk from ``rng`` (what sample ``i`` is, given its own generator)."""
        n = self.length
        if rng.random() < 0.5:
            steps = rng.standard_normal(n)
        else:
            df = rng.uniform(3.0, 8.0)
            steps = rng.standard_t(df, n) / np.sqrt(df / (df - 2.0))
        if rng.random() < 0.5:
            steps = steps + rng.uniform(-0.2, 0.2)
        walk = np.cumsum(steps)
        if rng.random() < 1 / 3:
            walk = walk + rng.uniform(0.0, 2.0) * rng.standard_normal(n)
        return walk * np.exp(rng.uniform(-3, 6)) + rng.normal(0, 50)
