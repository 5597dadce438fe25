"""Symbolic foundation model: a decoder-only transformer over BPE motif tokens (framework-free torch).

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
