"""Synthetic pretraining data: KernelSynth, CauKer and series-symbol (S2) generators.

Framework-free (numpy/scipy); torch is imported only by :mod:`.mixing` for the
``IterableDataset``.  Every generator maps ``(seed, index)`` to one series, independent of
batching, so any sample can be regenerated on its own.
"""

from .cauker import CauKer
from .kernelsynth import BaseKernel, KernelSynth, default_kernel_bank

__all__ = ["BaseKernel", "CauKer", "KernelSynth", "default_kernel_bank"]
