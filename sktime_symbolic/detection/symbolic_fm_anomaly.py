"""Point anomaly detection with the symbolic foundation model: how far each value falls outside its forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sktime.datatypes import check_is_scitype
from sktime.detection.base import BaseDetector

from sktime_symbolic._sktime_adapters import frame_series
from sktime_symbolic._validation import check_int, check_positive_int, check_real
from sktime_symbolic.model._adapters import INTERVAL_LEVELS, forecast_quantiles, load_shared_model
from sktime_symbolic.model.pipeline import DEFAULT_MODEL

# a constant context gets a forecast of zero spread; a floor of this fraction of the column's
# range keeps its scores finite, and scales with the column so that scores do not depend on units
_SPREAD_FLOOR = 1e-8


class SymbolicFMAnomalyDetector(BaseDetector):
    """Point anomalies: values far outside the zero-shot forecast of the symbolic foundation model.

    The score of value ``y_t`` is its distance from the forecast median in units of the
    forecast's central 80% band, ``|y_t - q50| / (q90 - q10)``, the quantiles forecast from
    the values before ``t``. The forecasts come in one batched pipeline call: contexts end at
    ``t = min_context, min_context + stride, ...`` (each the last ``context_length`` values,
    512 for the shipped models) and each forecasts the next ``stride`` values, so a value is
    scored 1 to ``stride`` steps ahead of its context.

    The first ``min_context`` values have too short a history; they are scored by a backward
    pass in the same call: the time-reversed series is scored the same way, so these values
    are forecast from the values after them. Only a series shorter than ``2 * min_context``
    has values with fewer than ``min_context`` neighbours on both sides; those score 0.

    The band is at least ``1e-8`` times the range of the column (a constant context forecasts
    a band of zero width), and a constant column scores 0 throughout: scores do not change when
    a column is replaced by ``a * y + c`` (``a > 0``), up to the model's own rounding (float32,
    and piece boundaries that float64 rounding of the normalised context may move).

    Columns of a multivariate series are scored on their own; a time point's score is the
    largest over its columns. ``predict`` returns the time points (ilocs) scoring above the
    threshold: with ``threshold="auto"`` the ``threshold_quantile`` quantile of the scores of
    the series given to ``fit`` (over its scored values), else the given number; a quantile
    of 0 (a constant series) is a ValueError, as every change would then be an anomaly.
    Missing values are not allowed (impute first, e.g. with
    :class:`~sktime_symbolic.transformations.SymbolicFMImputer`); ``X`` is scored on its
    own, without the series seen in ``fit``. ``X`` is one series: a panel is a ValueError
    (score its instances one by one), and so are a repeated time point and a DatetimeIndex
    without a regular frequency (the forecaster's rule, as the model reads regular steps).

    Parameters
    ----------
    model_name : str or path-like, default="symbolic-piece"
        Name of shipped weights or a directory written by a pipeline's ``save``.
    stride : int, default=1
        Values forecast from each context (and the step between contexts). The default scores
        every value one step ahead, the sharpest forecast, with one context per value; a stride
        ``s`` needs ``s`` times fewer contexts but scores values up to ``s`` steps ahead, from
        wider and, for seasonal series, often phase-shifted forecasts, so that small anomalies
        are missed more often.
    min_context : int, default=32
        Shortest context a forecast starts from.
    threshold : "auto" or float >= 0, default="auto"
        Score above which a value is an anomaly; ``"auto"`` derives it from ``fit``'s series.
    threshold_quantile : float in (0, 1), default=0.99
        Quantile of the training scores that is the threshold with ``threshold="auto"``.
    batch_size : int, default=256
        Contexts per forward pass.
    device : str, default="auto"
        ``"auto"``: CUDA when present, else CPU; or any torch device string.

    Attributes
    ----------
    threshold_ : float
        The threshold ``predict`` applies.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sktime_symbolic.detection import SymbolicFMAnomalyDetector
    >>> y = pd.Series(np.sin(np.arange(300) * 2 * np.pi / 24))
    >>> y[200] += 3
    >>> detector = SymbolicFMAnomalyDetector(device="cpu").fit(y)
    >>> int(detector.predict_scores(y).to_numpy().argmax())
    200
    >>> 200 in detector.predict(y)["ilocs"].tolist()
    True
    """

    _tags = {
        "authors": ["sktime-symbolic developers"],
        "maintainers": ["sktime-symbolic developers"],
        "python_dependencies": ["torch", "lightning"],
        "task": "anomaly_detection",
        "learning_type": "unsupervised",
        "capability:multivariate": True,
        "capability:missing_values": False,
        "X_inner_mtype": "pd.DataFrame",
        "fit_is_empty": False,
    }

    def __init__(
        self,
        model_name=DEFAULT_MODEL,
        stride=1,
        min_context=32,
        threshold="auto",
        threshold_quantile=0.99,
        batch_size=256,
        device="auto",
    ):
        self.model_name = model_name
        self.stride = stride
        self.min_context = min_context
        self.threshold = threshold
        self.threshold_quantile = threshold_quantile
        self.batch_size = batch_size
        self.device = device
        super().__init__()

    def _checked_pipeline(self):
        """The shared pipeline, once every parameter is checked."""
        check_positive_int("stride", self.stride)
        check_int(self.min_context, "min_context", low=1)
        check_real(self.threshold, "threshold", low=0, allow=("auto",))
        quantile = check_real(self.threshold_quantile, "threshold_quantile", low=0, low_inclusive=False)
        if quantile >= 1:
            raise ValueError(f"threshold_quantile must be in (0, 1), got {quantile}")
        check_positive_int("batch_size", self.batch_size)
        return load_shared_model(self.model_name, self.device)

    def _check_X(self, X):
        """sktime's input check and conversion; a panel is refused by name first (sktime's
        conversion to the inner single-series frame fails with a message that does not say why)."""
        if check_is_scitype(X, scitype="Panel"):
            raise ValueError(f"X is a panel (several instances); {type(self).__name__} scores one series, "
                             "univariate or multivariate: score each instance on its own")
        return super()._check_X(X)

    def _scores(self, X):
        """``(scores, scored)`` of the time points of ``X``: the score and whether a forecast gave it."""
        # predict_points and predict_segments pass X on unconverted
        if not isinstance(X, pd.DataFrame):
            X = self._check_X(X)
        pipe = self._checked_pipeline()
        names, _, arrays = frame_series(X)
        for name, x in zip(names, arrays):
            missing = np.flatnonzero(np.isnan(x))
            if missing.size:
                raise ValueError(f"{name} has a missing value (NaN) at position {missing[0]}; the detector scores "
                                 "observed values: impute first, e.g. with SymbolicFMImputer")
        n, stride, width = len(X), int(self.stride), pipe.context_length
        m = int(self.min_context)
        # (column, backward, origin): backward windows run over the reversed series, from where
        # they reach the first min_context values without overlapping the forward ones
        windows = [(c, False, t) for c in range(len(arrays)) for t in range(m, n, stride)]
        windows += [(c, True, t) for c in range(len(arrays)) for t in range(max(m, n - m), n, stride)]
        scores = np.zeros((n, len(arrays)))
        scored = np.zeros(n, dtype=bool)
        if not windows:
            return scores.max(axis=1), scored
        series = {(c, backward): x[::-1] if backward else x for c, x in enumerate(arrays) for backward in (False, True)}
        contexts = [series[c, backward][max(0, t - width):t] for c, backward, t in windows]
        levels = (INTERVAL_LEVELS[0], 0.5, INTERVAL_LEVELS[1])
        quantiles, _ = forecast_quantiles(pipe, contexts, stride, levels, self.batch_size)
        floor = [_SPREAD_FLOOR * np.ptp(x) for x in arrays]
        for (c, backward, t), (low, median, high) in zip(windows, quantiles):
            target = series[c, backward][t:t + stride]
            k = len(target)
            where = n - 1 - np.arange(t, t + k) if backward else np.arange(t, t + k)
            scored[where] = True
            if floor[c] > 0:  # a constant column: no value deviates, its scores stay 0
                spread = np.maximum(high[:k] - low[:k], floor[c])
                scores[where, c] = np.abs(target - median[:k]) / spread
        return scores.max(axis=1), scored

    def _fit(self, X, y=None):
        """Set ``threshold_``: the given one, or the ``threshold_quantile`` of the scores of ``X``."""
        if self.threshold != "auto":
            self._checked_pipeline()
            frame_series(X)  # a given threshold needs no scores, but bad input is still an error
            self.threshold_ = float(self.threshold)
            return self
        scores, scored = self._scores(X)
        if not scored.any():
            raise ValueError(f"threshold='auto' takes a quantile of the training scores, but X has {len(X)} values: "
                             f"none is scored with min_context={self.min_context} (at least "
                             f"{int(self.min_context) + 1} values are needed); fit on a longer series or give a "
                             "threshold")
        self.threshold_ = float(np.quantile(scores[scored], float(self.threshold_quantile)))
        if self.threshold_ == 0:
            raise ValueError(f"threshold='auto' gives 0: the {self.threshold_quantile} quantile of the training "
                             "scores is 0 (X is constant where scored), so any change would be an anomaly; fit on "
                             "a series that varies or give a threshold")
        return self

    def _predict(self, X):
        """ilocs of the time points scoring above ``threshold_``."""
        scores, _ = self._scores(X)
        anomalies = np.flatnonzero(scores > self.threshold_)
        if anomalies.size == 0:
            return self._empty_sparse()
        return pd.Series(anomalies, dtype="int64")

    def _predict_scores(self, X):
        """The score of every time point of ``X`` (0 where no forecast reaches it)."""
        scores, _ = self._scores(X)
        return pd.Series(scores, index=X.index, name="scores")

    def _transform_scores(self, X):
        """The scores as a one-column frame ``"scores"`` with the index of ``X``."""
        return self._predict_scores(X).to_frame()

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Parameter sets of sktime's checks: short contexts, for their 10 to 50 value series.

        Parameters
        ----------
        parameter_set : str, default="default"

        Returns
        -------
        list of dict
        """
        return [
            {"device": "cpu", "stride": 4, "min_context": 4, "threshold_quantile": 0.9},
            {"device": "cpu", "stride": 8, "min_context": 8, "threshold": 2.5},
        ]
