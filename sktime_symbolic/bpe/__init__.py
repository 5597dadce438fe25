"""BPE motif tokenizer for time series; framework-free (numba, numpy, scipy)."""

from sktime_symbolic.bpe.plotting import plot_tokens
from sktime_symbolic.bpe.quantizer import Quantizer
from sktime_symbolic.bpe.tokenizer import EOS, FORMAT_VERSION, MASK, PAD, Encoded, MotifTokenizer

__all__ = ["EOS", "FORMAT_VERSION", "MASK", "PAD", "Encoded", "MotifTokenizer", "Quantizer", "plot_tokens"]
