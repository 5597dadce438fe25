"""sktime transformers of sktime-symbolic."""

from sktime_symbolic.transformations.abba import ABBATransformer
from sktime_symbolic.transformations.bpe import BPETokenizer
from sktime_symbolic.transformations.jabba import JABBATransformer
from sktime_symbolic.transformations.symbolic_fm_imputer import SymbolicFMImputer

__all__ = ["ABBATransformer", "BPETokenizer", "JABBATransformer", "SymbolicFMImputer"]
