"""Symbolic foundation models (torch; Lightning for training; no sktime or gluonts imports).

Two model families load through :func:`load_pretrained`:

- ``symbolic-piece`` (the default, :mod:`~sktime_symbolic.model.quantile_pipeline`): a
  transformer encoder over ABBA pieces (:mod:`~sktime_symbolic.model.piece_codec`) with a
  motif-copy prior and a direct multi-horizon quantile head
  (:mod:`~sktime_symbolic.model.quantile_model`), pretrained by
  :mod:`~sktime_symbolic.model.quantile_pretrain`;
- ``symbolic-nano``: a decoder-only transformer over BPE motif tokens that samples token
  paths (:class:`SymbolicTransformer`, :class:`SymbolicPipeline`, pretrained by
  :mod:`~sktime_symbolic.model.pretrain`).

:func:`~sktime_symbolic.model.finetune.fine_tune` adapts either to the user's series.

Examples
--------
>>> from sktime_symbolic.model import CONFIGS, SymbolicTransformer
>>> SymbolicTransformer(CONFIGS["nano"].replace(vocab_size=1025)).num_parameters() > 500_000
True
"""

from sktime_symbolic.model.config import CONFIGS, SymbolicConfig
from sktime_symbolic.model.pipeline import (
    DEFAULT_MODEL,
    QUANTILE_LEVELS,
    SymbolicPipeline,
    available_models,
    load_pretrained,
    resolve_device,
    shared_pipeline,
)
from sktime_symbolic.model.transformer import KVCache, SymbolicTransformer

__all__ = [
    "CONFIGS", "DEFAULT_MODEL", "KVCache", "QUANTILE_LEVELS", "SymbolicConfig", "SymbolicPipeline", "SymbolicTransformer",
    "available_models", "load_pretrained", "resolve_device", "shared_pipeline",
]
