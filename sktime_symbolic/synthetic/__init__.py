"""Synthetic pretraining data: KernelSynth, CauKer, series-symbol (S2) and calendar-season generators.

Framework-free (numpy/scipy); torch is imported only when
:class:`SyntheticIterableDataset` is first used.  Every generator maps ``(seed, index)`` to
one series, independent of batching, so any sample can be regenerated on its own.
"""

from .calendar import CalendarSeasonal, ShortHistories
from .cauker import CauKer
from .kernelsynth import BaseKernel, KernelSynth, default_kernel_bank
from .mixing import SyntheticMixture
from .s2 import S2Generator, S2Sample, evaluate_infix, evaluate_tokens
from .shards import GENERATORS, make_generator, read_shards, write_shards
from .stats import lag1_autocorrelation, spectral_entropy, trend_strength

__all__ = [
    "BaseKernel", "CalendarSeasonal", "CauKer", "GENERATORS", "KernelSynth", "S2Generator", "S2Sample",
    "ShortHistories", "SyntheticIterableDataset", "SyntheticMixture", "default_kernel_bank", "evaluate_infix",
    "evaluate_tokens", "lag1_autocorrelation", "make_generator", "read_shards",
    "spectral_entropy", "trend_strength", "write_shards",
]


def __getattr__(name):
    # torch is heavy and optional for the generators: import it only on demand
    if name == "SyntheticIterableDataset":
        from .torch_dataset import SyntheticIterableDataset

        return SyntheticIterableDataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
