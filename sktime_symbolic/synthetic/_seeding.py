"""Per-sample seeding: every synthetic series is a pure function of ``(seed, index)``.

Each sample gets its own :class:`numpy.random.Generator` built from a
:class:`numpy.random.SeedSequence` keyed on ``(seed, stream, index)``.  Batching, worker
splits and iteration order therefore never change what sample ``index`` looks like.
"""

from __future__ import annotations

import numbers
import zlib

import numpy as np

__all__ = ["sample_rng", "stream_id", "check_seed", "check_indices", "check_count", "IndexedGenerator"]


def stream_id(name: str) -> int:
    """Stable 32-bit id of a named random stream (independent of ``PYTHONHASHSEED``)."""
    return zlib.crc32(name.encode("utf8"))


def check_seed(seed) -> int:
    """Validate a seed: a non-negative Python or numpy integer."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return int(seed)


def check_indices(indices) -> np.ndarray:
    """Validate sample indices: a 1-d array of non-negative integers."""
    arr = np.atleast_1d(np.asarray(indices))
    if arr.ndim != 1:
        raise ValueError(f"indices must be one-dimensional, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"indices must be integers, got dtype {arr.dtype}")
    if arr.size and arr.min() < 0:
        raise ValueError("indices must be non-negative")
    return arr.astype(np.int64)


def sample_rng(seed: int, stream: int, index: int) -> np.random.Generator:
    """Generator for sample ``index`` of stream ``stream`` under ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, stream, int(index)])))


def check_count(n, name="n") -> int:
    """Validate a number of samples: a non-negative Python or numpy integer."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {n!r}")
    return int(n)


class IndexedGenerator:
    """Base of the generators: sample ``i`` is a function of ``(seed, i)`` alone.

    Subclasses implement ``generate_at(indices, seed)``; ``generate`` draws a contiguous
    range of indices.
    """

    def generate(self, n: int, seed: int = 0, start: int = 0) -> np.ndarray:
        """Series with indices ``start .. start + n - 1``, shape ``(n, length)``."""
        return self.generate_at(np.arange(start, start + check_count(n)), seed=seed)


def check_probability(value, name: str) -> float:
    """``value`` as a float in [0, 1], else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
    return float(value)
