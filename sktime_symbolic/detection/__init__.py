"""sktime detectors of sktime-symbolic."""

from sktime_symbolic.detection.symbolic_fm_anomaly import SymbolicFMAnomalyDetector

__all__ = ["SymbolicFMAnomalyDetector"]
