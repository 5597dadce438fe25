"""torch ``IterableDataset`` over a :class:`~.mixing.SyntheticMixture` (worker-safe)."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from .mixing import SyntheticMixture

__all__ = ["SyntheticIterableDataset"]


class SyntheticIterableDataset(torch.utils.data.IterableDataset):
    """Stream of mixture samples; chunk ``k`` of indices goes to worker ``k % num_workers``.

    Because every sample is a function of ``(seed, index)`` only, the union over workers is
    the same set of samples for any number of workers, and no two workers repeat a sample.

    Parameters
    ----------
    mixture : SyntheticMixture
    n_samples : int, optional
        Samples ``0 .. n_samples - 1``; endless when None.
    chunk_size : int
        Indices handed to a worker at a time (and generated in one batch).

    Examples
    --------
    >>> from sktime_symbolic.synthetic import KernelSynth, SyntheticMixture
    >>> ds = SyntheticIterableDataset(SyntheticMixture({"ks": KernelSynth(64)}), n_samples=5)
    >>> [s["index"] for s in ds]
    [0, 1, 2, 3, 4]
    """

    def __init__(self, mixture: SyntheticMixture, n_samples: int | None = None, chunk_size: int = 64):
        super().__init__()
        if not isinstance(mixture, SyntheticMixture):
            raise ValueError(f"mixture must be a SyntheticMixture, got {type(mixture).__name__}")
        if n_samples is not None and (not isinstance(n_samples, numbers.Integral) or n_samples < 0):
            raise ValueError(f"n_samples must be a non-negative integer or None, got {n_samples!r}")
        if not isinstance(chunk_size, numbers.Integral) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
        self.mixture = mixture
        self.n_samples = n_samples
        self.chunk_size = int(chunk_size)

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker, n_workers = (0, 1) if info is None else (info.id, info.num_workers)
        chunk = worker
        while True:
            start = chunk * self.chunk_size
            stop = start + self.chunk_size
            if self.n_samples is not None:
                if start >= self.n_samples:
                    return
                stop = min(stop, self.n_samples)
            yield from self.mixture.samples(np.arange(start, stop))
            chunk += n_workers
