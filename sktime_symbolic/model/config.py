"""Model configurations (architecture + tokenization + training window) as dataclasses."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class SymbolicConfig:
    """Architecture and tokenization of a symbolic forecasting model.

    Parameters
    ----------
    d_model, n_layers, n_heads, d_ff : int
        Transformer width, depth, attention heads and SwiGLU hidden width.
    max_seq_len : int
        Longest token sequence seen in training; generation beyond it slides a window
        over the KV cache (RoPE only sees relative positions).
    n_bins, max_vocab, p_min : int
        BPE motif tokenizer: quantization bins, largest vocabulary, minimum pair count.
    clip : float
        Scaled values are clipped to ``[-clip, clip]`` context standard deviations (the
        quantizer's range).
    scale_floor : float
        Lower bound of a context's standard deviation, relative to ``max(1, |mean|)``.
    context_length, prediction_length : int
        Longest context and the horizon (in samples) used in pretraining.
    rope_theta, norm_eps : float
    vocab_size : int or None
        Model vocabulary (tokenizer vocabulary + the ORIGIN token); set once a tokenizer
        is fitted.

    Examples
    --------
    >>> from sktime_symbolic.model import CONFIGS
    >>> CONFIGS["nano"].d_model
    128
    """

    d_model: int = 128
    n_layers: int = 4
    n_heads: int = 4
    d_ff: int = 384
    max_seq_len: int = 256
    n_bins: int = 64
    max_vocab: int = 1024
    p_min: int = 50
    clip: float = 5.0
    scale_floor: float = 1e-5
    context_length: int = 512
    prediction_length: int = 64
    rope_theta: float = 10000.0
    norm_eps: float = 1e-6
    vocab_size: int | None = None

    def __post_init__(self):
        for name in ("d_model", "n_layers", "n_heads", "d_ff", "max_seq_len", "n_bins", "max_vocab", "p_min",
                     "context_length", "prediction_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.d_model % self.n_heads or (self.d_model // self.n_heads) % 2:
            raise ValueError(f"d_model ({self.d_model}) / n_heads ({self.n_heads}) must be an even integer (RoPE)")
        if not self.clip > 0 or not self.scale_floor > 0:
            raise ValueError(f"clip and scale_floor must be positive, got {self.clip}, {self.scale_floor}")
        if self.vocab_size is not None and (not isinstance(self.vocab_size, int) or self.vocab_size < 5):
            raise ValueError(f"vocab_size must be an integer >= 5 or None, got {self.vocab_size!r}")

    def replace(self, **changes) -> "SymbolicConfig":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SymbolicConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown config fields {sorted(unknown)}")
        return cls(**data)


#: ``tiny`` is for tests, ``nano`` (~1M parameters) for CPU, ``small`` (~5-10M) for a GPU.
CONFIGS = {
    "tiny": SymbolicConfig(d_model=32, n_layers=2, n_heads=2, d_ff=64, max_seq_len=96, n_bins=16, max_vocab=64,
                           p_min=5, context_length=128, prediction_length=16),
    "nano": SymbolicConfig(),
    "small": SymbolicConfig(d_model=256, n_layers=6, n_heads=8, d_ff=768, max_seq_len=384, max_vocab=2048,
                            context_length=1024, prediction_length=64),
}
