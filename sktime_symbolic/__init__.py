"""sktime-symbolic: symbolic time-series representations and a symbolic foundation model."""

__version__ = "0.1.0"
