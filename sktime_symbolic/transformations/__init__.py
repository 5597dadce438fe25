"""sktime transformers of sktime-symbolic."""

from sktime_symbolic.transformations.abba import ABBATransformer
from sktime_symbolic.transformations.jabba import JABBATransformer

__all__ = ["ABBATransformer", "JABBATransformer"]
