"""sktime classifiers of sktime-symbolic."""

from sktime_symbolic.classification.symbolic_fm import SymbolicFMClassifier

__all__ = ["SymbolicFMClassifier"]
