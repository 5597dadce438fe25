"""GluonTS predictors and estimators over the sktime-symbolic core."""

__version__ = "0.1.0"
