"""sktime forecasters of sktime-symbolic."""

from sktime_symbolic.forecasting.symbolic_fm import SymbolicFMForecaster

__all__ = ["SymbolicFMForecaster"]
