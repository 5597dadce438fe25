"""Imputation of missing values with the symbolic foundation model: each gap is forecast from both sides."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sktime.transformations.base import BaseTransformer

from sktime_symbolic._sktime_adapters import frame_series
from sktime_symbolic._validation import check_int, check_positive_int
from sktime_symbolic.model._adapters import (
    INTERVAL_LEVELS,
    MIN_OBSERVED,
    check_seed,
    forecast_quantiles,
    load_shared_model,
)
from sktime_symbolic.model.pipeline import DEFAULT_MODEL

METHODS = ("median", "sample")


def _runs(missing: np.ndarray):
    """``(starts, stops)`` of the runs of True in ``missing`` (stops exclusive)."""
    edges = np.diff(np.concatenate(([0], missing.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _blend(forecast, forward_row, backward_row, length):
    """The fill of one gap of ``length`` values from rows of ``forecast`` (None: no forecast from that side).

    The backward forecast runs back in time from the gap's right edge, hence the reversal.
    """
    if backward_row is None:
        return forecast[forward_row, :length]
    backward = forecast[backward_row, :length][::-1]
    if forward_row is None:
        return backward
    weight = (length - np.arange(length)) / (length + 1)
    return weight * forecast[forward_row, :length] + (1 - weight) * backward


class SymbolicFMImputer(BaseTransformer):
    """Fill missing values with zero-shot forecasts of the symbolic foundation model.

    Each gap (run of NaN) of each series is forecast forwards from the values before it and
    backwards from the values after it (the time-reversed right context, forecast as a
    series of its own); the two forecasts are blended with weights linear in the distance to
    the gap's edges. At the ``k``-th of ``L`` missing values (``k = 0 .. L-1``) the forward
    forecast has weight ``(L - k) / (L + 1)`` and the backward one ``(k + 1) / (L + 1)``, so
    each forecast counts most next to the observations it starts from. A side whose context
    holds fewer than two observed values is not forecast from (from one value the forecast is
    flat with an interval of zero width, a false certainty the forecaster refuses too): a
    leading gap, or one after a single value, is the backward forecast alone, a trailing gap,
    or one before a single value, the forward one alone, and a gap with fewer than two
    observed values on both sides is a ValueError naming it.

    All gaps of all series and columns are forecast in one batched pipeline call (forward and
    backward contexts together; with ``method="sample"`` and ``return_intervals=True`` a
    second call gives the quantiles). Each context holds the last ``context_length`` values
    (512 for the shipped models) on its side of the gap; it may itself contain other gaps,
    which the model reads as missing. A gap longer than the model's horizon (64 steps for
    ``symbolic-piece``) is forecast by rolling forward, so long gaps are filled mostly from
    the model's own median forecasts.

    Observed values are returned unchanged. Columns are imputed independently; panels and
    hierarchies are imputed natively (one call for all instances), instances of unequal
    length allowed. The model reads regular steps: a repeated time point or a DatetimeIndex
    without a regular frequency is a ValueError (the forecaster's rule). ``fit`` learns nothing
    (zero-shot): ``transform`` works on any data.

    Parameters
    ----------
    model_name : str or path-like, default="symbolic-piece"
        Name of shipped weights or a directory written by a pipeline's ``save``.
    device : str, default="auto"
        ``"auto"``: CUDA when present, else CPU; or any torch device string.
    method : {"median", "sample"}, default="median"
        ``"median"``: the blended median forecasts. ``"sample"``: one blended sample path
        per gap and direction, seeded by ``random_state`` (for ``symbolic-piece`` each step is
        drawn on its own from the forecast distribution between its 0.1 and 0.9 quantiles).
    return_intervals : bool, default=False
        Add the columns ``<column>_lower`` and ``<column>_upper`` after the input columns:
        the blended 0.1 and 0.9 quantiles of the forecasts (linear blend of the two sides'
        quantiles, not the quantiles of a mixture) over the gaps, the value itself at
        observed points. The median fill and a sampled fill always lie in the band.
    max_gap : int or None, default=512
        Longest gap allowed; a longer one is a ValueError naming the series and the gap's
        positions. ``None``: no limit.
    random_state : int or None, default=None
        Seed of ``method="sample"`` (None means 0, so the output is reproducible either way).
    batch_size : int, default=256
        Contexts per forward pass.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sktime_symbolic.transformations import SymbolicFMImputer
    >>> y = pd.Series(np.sin(np.arange(200) * 2 * np.pi / 24))
    >>> y[100:112] = np.nan
    >>> filled = SymbolicFMImputer(device="cpu").fit_transform(y)
    >>> bool(filled.notna().all()), bool((filled[:100] == y[:100]).all())
    (True, True)
    >>> bands = SymbolicFMImputer(device="cpu", return_intervals=True).fit_transform(y.to_frame("y"))
    >>> list(bands.columns)
    ['y', 'y_lower', 'y_upper']
    """

    _tags = {
        "authors": ["sktime-symbolic developers"],
        "maintainers": ["sktime-symbolic developers"],
        "python_dependencies": ["torch", "lightning"],
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Series",
        "scitype:instancewise": True,
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "y_inner_mtype": "None",
        "fit_is_empty": True,
        "transform-returns-same-time-index": True,
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:missing_values": True,
        "capability:missing_values:removes": True,
        "capability:categorical_in_X": False,
        # as sktime's Imputer: in a TransformedTargetForecaster the forecasts pass through unchanged
        "capability:inverse_transform": True,
        "skip-inverse-transform": True,
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }

    def __init__(
        self,
        model_name=DEFAULT_MODEL,
        device="auto",
        method="median",
        return_intervals=False,
        max_gap=512,
        random_state=None,
        batch_size=256,
    ):
        self.model_name = model_name
        self.device = device
        self.method = method
        self.return_intervals = return_intervals
        self.max_gap = max_gap
        self.random_state = random_state
        self.batch_size = batch_size
        super().__init__()

    def _checked_pipeline(self):
        """The shared pipeline, once every parameter is checked."""
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if not isinstance(self.return_intervals, (bool, np.bool_)):
            raise ValueError(f"return_intervals must be True or False, got {self.return_intervals!r}")
        check_int(self.max_gap, "max_gap", low=1, allow_none=True)
        check_seed(self.random_state)
        check_positive_int("batch_size", self.batch_size)
        return load_shared_model(self.model_name, self.device)

    def _gaps(self, names, arrays, width):
        """``(series, start, stop, forward, backward)`` of every gap, ``forward`` and ``backward``
        whether the context of ``width`` values on that side holds :data:`MIN_OBSERVED` observed
        values; a gap longer than ``max_gap`` or with neither side is an error."""
        gaps = []
        for i, x in enumerate(arrays):
            missing = np.isnan(x)
            starts, stops = _runs(missing)
            for a, b in zip(starts.tolist(), stops.tolist()):
                if self.max_gap is not None and b - a > self.max_gap:
                    raise ValueError(f"{names[i]} has a gap of {b - a} missing values at positions {a} to {b - 1}; "
                                     f"max_gap is {self.max_gap}")
                before = int(np.count_nonzero(~missing[max(0, a - width):a]))
                after = int(np.count_nonzero(~missing[b:b + width]))
                if max(before, after) < MIN_OBSERVED:
                    raise ValueError(f"{names[i]} has a gap at positions {a} to {b - 1} with {before} observed "
                                     f"value(s) before it and {after} after it (within {width} values); imputing "
                                     f"needs at least {MIN_OBSERVED} observed values on one side (from one, the "
                                     "forecast is flat with an interval of zero width)")
                gaps.append((i, a, b, before >= MIN_OBSERVED, after >= MIN_OBSERVED))
        return gaps

    def _forecasts(self, pipe, contexts, horizon):
        """``(values, lower, upper)`` of all contexts, each (n, horizon); the bounds None if not needed."""
        seed = check_seed(self.random_state)
        if self.method == "median":
            q, _ = forecast_quantiles(pipe, contexts, horizon, (INTERVAL_LEVELS[0], 0.5, INTERVAL_LEVELS[1]),
                                      self.batch_size)
            return q[:, 1], q[:, 0], q[:, 2]
        paths = pipe.forecast(contexts, horizon, num_samples=1, seed=seed, batch_size=self.batch_size)
        if not self.return_intervals:
            return paths[:, 0], None, None
        q, _ = forecast_quantiles(pipe, contexts, horizon, INTERVAL_LEVELS, self.batch_size)
        return paths[:, 0], q[:, 0], q[:, 1]

    def _fill(self, pipe, arrays, gaps):
        """``(filled, lower, upper)``: copies of ``arrays`` with the gaps filled by blended forecasts."""
        filled, lower, upper = ([x.copy() for x in arrays] for _ in range(3))
        if not gaps:
            return filled, lower, upper
        width = pipe.context_length
        forward = [g for g in gaps if g[3]]
        backward = [g for g in gaps if g[4]]
        contexts = [arrays[i][max(0, a - width):a] for i, a, *_ in forward]
        contexts += [arrays[i][b:b + width][::-1] for i, _, b, *_ in backward]
        values, lo, hi = self._forecasts(pipe, contexts, max(b - a for _, a, b, *_ in gaps))
        forward_row = {g: r for r, g in enumerate(forward)}
        backward_row = {g: r for r, g in enumerate(backward, start=len(forward))}
        for g in gaps:
            i, a, b = g[:3]
            rows = forward_row.get(g), backward_row.get(g), b - a
            filled[i][a:b] = _blend(values, *rows)
            if self.return_intervals:
                lower[i][a:b], upper[i][a:b] = _blend(lo, *rows), _blend(hi, *rows)
        return filled, lower, upper

    def _transform(self, X, y=None):
        """``X`` with every gap filled (and the interval columns with ``return_intervals``)."""
        pipe = self._checked_pipeline()
        bounds = [f"{c}_{side}" for c in X.columns for side in ("lower", "upper")]
        clash = sorted(set(bounds) & set(map(str, X.columns)))
        if self.return_intervals and clash:
            raise ValueError(f"return_intervals adds the columns {bounds}, but X already has {clash}")
        names, positions, arrays = frame_series(X)
        filled, lower, upper = self._fill(pipe, arrays, self._gaps(names, arrays, pipe.context_length))
        values = np.empty(X.shape)
        bands = np.empty((len(X), 2 * X.shape[1]))
        for i, (rows, j) in enumerate(positions):
            values[rows, j] = filled[i]
            bands[rows, 2 * j], bands[rows, 2 * j + 1] = lower[i], upper[i]
        out = pd.DataFrame(values, index=X.index, columns=X.columns)
        if not self.return_intervals:
            return out
        return pd.concat([out, pd.DataFrame(bands, index=X.index, columns=bounds)], axis=1)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Parameter sets of sktime's checks: median, and sampled fills with intervals.

        Parameters
        ----------
        parameter_set : str, default="default"

        Returns
        -------
        list of dict
        """
        return [
            {"device": "cpu"},
            {"device": "cpu", "method": "sample", "random_state": 3, "return_intervals": True, "max_gap": 100},
        ]
