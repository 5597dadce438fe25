"""GluonTS predictors and estimators over the sktime-symbolic core.

Examples
--------
>>> from gluonts_symbolic import SymbolicFMEstimator, SymbolicFMPredictor
>>> SymbolicFMPredictor(prediction_length=12).prediction_length
12
"""

from gluonts_symbolic.estimator import SymbolicFMEstimator
from gluonts_symbolic.predictor import SymbolicFMPredictor

__version__ = "0.1.0"

__all__ = ["SymbolicFMEstimator", "SymbolicFMPredictor"]
