"""sktime interface of the symbolic foundation model (zero-shot, fine-tuned or pretrained)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sktime.datatypes import get_cutoff
from sktime.forecasting.base import BaseForecaster

from sktime_symbolic._distributed import SHARD_BATCHES, forecast_sharded, pipeline_payload, shard_bounds
from sktime_symbolic._sktime_adapters import PipelinePickling, warn_ragged_relative_fh
from sktime_symbolic._validation import check_time_index
from sktime_symbolic.model._adapters import (
    MIN_OBSERVED,
    check_device,
    check_fit_strategy,
    check_forecastable,
    check_model_name,
    check_seed,
    load_shared_model,
)
from sktime_symbolic.model._checks import check_positive_int, check_positive_number, check_series
from sktime_symbolic.model.experts import season_length
from sktime_symbolic.model.pipeline import DEFAULT_MODEL, QuantilePipeline


def _codes_dtype(n_categories: int):
    """The smallest signed integer type that holds codes of ``n_categories`` and -1, as pandas stores them."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(dtype).max:
            return dtype
    return np.int64


def _instance_levels(index: pd.MultiIndex):
    """Levels naming a series; a scalar for panels, so that their keys are scalars as in sktime."""
    return 0 if index.nlevels == 2 else list(range(index.nlevels - 1))


def _grouped_layout(y: pd.DataFrame, min_observed: int):
    """:meth:`SymbolicFMForecaster._layout` of a valid panel in whole-column numpy operations, or None.

    None when the panel is not two-level, not grouped by instance in sorted key order, has a
    DatetimeIndex time level (its frequency is inferred series by series), or has any problem
    (a repeated time point, a non-numeric column, inf, an instance with fewer than
    ``min_observed`` observed values): the caller's loop then checks it instance by instance
    and names the first bad one. A loop over a panel of 100,000 series costs about a minute
    of pandas work before any forecast; these checks cost a second.
    """
    index = y.index
    if index.nlevels != 2 or len(index) == 0:
        return None
    keys_level, times_level = index.levels
    codes, time_codes = (np.asarray(c) for c in index.codes)
    if isinstance(times_level, pd.DatetimeIndex) or (codes < 0).any() or (time_codes < 0).any():
        return None
    if not (keys_level.is_monotonic_increasing and times_level.is_monotonic_increasing):
        return None
    step = np.diff(codes)
    if (step < 0).any():
        return None
    starts = np.concatenate(([0], np.flatnonzero(step) + 1))
    stops = np.append(starts[1:], len(codes))
    # within an instance the time codes increase strictly: no time point repeats (check_time_index's rule)
    rising = np.diff(time_codes) > 0
    rising[starts[1:] - 1] = True  # the step from one instance to the next does not count
    if not rising.all():
        return None
    for j in range(y.shape[1]):
        values = y.iloc[:, j].to_numpy()
        if values.dtype.kind not in "biuf" or np.isinf(values).any():
            return None
        if values.dtype.kind == "f" and np.add.reduceat(~np.isnan(values), starts).min() < min_observed:
            return None
        if values.dtype.kind != "f" and (stops - starts).min() < min_observed:
            return None
    keys = keys_level[codes[starts]].tolist()
    lasts = list(times_level[time_codes[stops - 1]])
    return keys, [slice(a, b) for a, b in zip(starts.tolist(), stops.tolist())], lasts


class SymbolicFMForecaster(PipelinePickling, BaseForecaster):
    """Probabilistic forecaster of the symbolic foundation model.

    The model (default ``symbolic-piece``) forecasts quantiles directly from the ABBA pieces of
    the history: one forward pass covers its horizon (64 steps for ``symbolic-piece``; longer
    horizons roll the median forward), and levels between its nine trained ones are
    interpolated. The point forecast is the median, equal to ``predict_quantiles`` at 0.5;
    forecasts are deterministic (no sampling).

    Panels and hierarchical data are forecast by one global model in batches of
    ``batch_size`` series (no per-series fitting), streamed in contiguous shards of instances
    (:data:`~sktime_symbolic._distributed.SHARD_BATCHES` batches each). sktime's
    ``backend:parallel`` config (``"loky"``, ``"multiprocessing"``, ``"dask"``, ``"ray"``, with
    ``backend:parallel:params``; default None, one process) spreads the shards of
    ``predict`` / ``predict_quantiles`` over workers: a zero-shot worker loads the shared
    weights once per process, a fine-tuned forecaster sends its weights; a worker holds one
    shard at a time, and the forecasts equal those of one process to float32 rounding (about
    1e-6 relative). Series of a panel may start and end at different
    times: each series is forecast from its own last value up to the requested time points.
    A relative ``fh`` counts from sktime's cutoff of the panel, its latest time point, so a
    series that ends two steps earlier gets steps 3..h+2 of its own forecast (labelled with their
    time points): ``predict`` warns (UserWarning) when a relative fh meets instances that end at
    different times; pass an absolute fh, or fit the series that end together separately.
    Only the target is used: exogenous ``X`` is accepted and ignored
    (tag ``capability:exogenous=False``). Multivariate ``y`` is forecast column by column
    (sktime's vectorization). Only out-of-sample horizons are supported. Missing values (NaN)
    in the history are allowed; inf and series with fewer than two observed values are
    errors (from one value the forecast would be flat with an interval of zero width).

    Parameters
    ----------
    model_name : str or path-like, default="symbolic-piece"
        Name of shipped weights (``"symbolic-piece"``: the quantile encoder over ABBA pieces)
        or a directory written by ``QuantilePipeline.save``.
    fit_strategy : {"zero-shot", "fine-tune"}, default="zero-shot"
        ``"zero-shot"``: ``fit`` only stores the history; the weights are shared, loaded
        once per process and device. ``"fine-tune"``: ``fit`` fine-tunes a copy of the
        weights on the given series (all series of a panel), kept on this instance.
    batch_size : int, default=64
        Series per forward pass.
    device : str, default="auto"
        ``"auto"``: CUDA when present, else CPU; or any torch device string.
    random_state : int or None, default=None
        Seed of fine-tuning (its training windows and Lightning); None means seed 0, so a
        fine-tuned forecaster is deterministic either way. A series' forecast depends on the
        weights and its own history only, not on the other series forecast with it.
    fine_tune_steps : int, default=100
        Optimiser steps of ``fit`` with ``fit_strategy="fine-tune"`` and of ``pretrain``.
    fine_tune_lr : float, default=1e-4
        Peak learning rate of fine-tuning.
    fine_tune_batch_size : int, default=32
        Training windows per fine-tuning step.
    sp : int or None, default=None
        Season length (seasonal periodicity) the model is told, as sktime's ``sp``; None takes
        the calendar season of the time index's frequency (monthly 12, quarterly 4, daily 7,
        hourly 24, weekly 52, yearly 1; :func:`~sktime_symbolic.model.experts.season_length`),
        and where there is none (an integer index) the model detects the season from each
        series' history. 1 says there is no season. Models without the season input ignore it.

    Attributes
    ----------
    pipeline_ : QuantilePipeline
        The pipeline ``predict`` uses (read-only: with ``"zero-shot"`` it is shared).
    pretrained_pipeline_ : QuantilePipeline
        Weights fine-tuned by :meth:`pretrain` on a panel; ``fit`` starts from them.
    n_pretrain_series_ : int
        Number of series seen by :meth:`pretrain`.

    Notes
    -----
    Fine-tuning windows have the horizon of ``fh`` when it is given to ``fit`` (or
    ``pretrain``), else the model's trained prediction length, capped so that the longest
    series holds one window of 8 context values plus the horizon (fine-tuning needs a
    series of 9 values or more); shorter series are not used for fine-tuning. The classifier
    fine-tunes by the same rule (:func:`~sktime_symbolic.model.finetune.fine_tuning_horizon`).

    A zero-shot forecaster pickles without weights (they are reloaded from ``model_name``
    when unpickled); a fine-tuned or pretrained one carries its weights in the pickle.

    The forecaster keeps its history itself (``_cur_y``, extended by ``update``), so it sets
    sktime's config ``remember_data=False``: sktime does not store a second copy in ``_y`` and
    ``_X`` (and does not warn about the config's coming default change); ``update`` with
    ``update_params=True`` still fine-tunes again on all of the history.

    Not thread-safe: sktime stores ``fh`` on the estimator in ``predict``, so calls with
    different ``fh`` from several threads on one fitted forecaster can mix them up; give each
    thread its own ``clone()`` (the weights are shared, read-only, between clones).

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from sktime_symbolic.forecasting import SymbolicFMForecaster
    >>> y = load_airline()
    >>> forecaster = SymbolicFMForecaster()
    >>> forecaster.fit(y, fh=[1, 2, 3])
    SymbolicFMForecaster()
    >>> forecaster.predict().shape
    (3,)
    >>> interval = forecaster.predict_interval(coverage=0.8)
    >>> bool((interval.iloc[:, 0] <= interval.iloc[:, 1]).all())
    True
    """

    _tags = {
        "authors": ["sktime-symbolic developers"],
        "maintainers": ["sktime-symbolic developers"],
        "python_dependencies": ["torch", "lightning"],
        "y_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "capability:multivariate": False,
        "capability:exogenous": False,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": True,
        "capability:unequal_length": True,
        "capability:update": True,
        "capability:pretrain": True,
        "pretrain:fitted_params": ["pretrained_pipeline_", "n_pretrain_series_"],
        "capability:random_state": True,
        "property:randomness": "derandomized",
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": False,
        "fit_is_empty": False,
    }

    # the history lives in _cur_y (updated by _update); sktime's own copy in _y / _X is not needed
    _config = {"remember_data": False}
    # PipelinePickling: the pretrained pipeline first, as fit's pipeline_ may be the same one
    _PIPELINE_ATTRS = ("pretrained_pipeline_", "pipeline_")

    def __init__(
        self,
        model_name=DEFAULT_MODEL,
        fit_strategy="zero-shot",
        batch_size=64,
        device="auto",
        random_state=None,
        fine_tune_steps=100,
        fine_tune_lr=1e-4,
        fine_tune_batch_size=32,
        sp=None,
    ):
        self.model_name = model_name
        self.fit_strategy = fit_strategy
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        self.fine_tune_steps = fine_tune_steps
        self.fine_tune_lr = fine_tune_lr
        self.fine_tune_batch_size = fine_tune_batch_size
        self.sp = sp
        super().__init__()
        # sktime's data pointers, None as its base makes them (and its checks expect); filled only under a
        # user's remember_data=True
        self._y = None
        self._X = None

    # ------------------------------------------------------------------ parameters

    def _check_params(self):
        check_model_name(self.model_name)
        check_fit_strategy(self.fit_strategy)
        for name in ("batch_size", "fine_tune_steps", "fine_tune_batch_size"):
            check_positive_int(name, getattr(self, name))
        check_positive_number("fine_tune_lr", self.fine_tune_lr)
        check_seed(self.random_state)
        check_device(self.device)
        if self.sp is not None:
            check_positive_int("sp", self.sp)

    def _shared(self) -> QuantilePipeline:
        return load_shared_model(self.model_name, self.device)

    def _base_pipeline(self) -> QuantilePipeline:
        """Pretrained weights when :meth:`pretrain` ran, else the shared ones."""
        pretrained = getattr(self, "pretrained_pipeline_", None)
        return self._shared() if pretrained is None else pretrained

    # ------------------------------------------------------------------ data

    @staticmethod
    def _layout(y: pd.DataFrame, forecast=True):
        """``(keys, rows, last time points)`` of the series of ``y``, every one validated; keys None for one series.

        ``rows[i]`` selects the rows of instance ``i`` (a slice, or positions). Checked: empty,
        non-numeric, inf, all NaN and, with ``forecast`` (the series forecast from), fewer than
        two observed values; a repeated time point, an irregular DatetimeIndex. The message
        names the first bad series by its key. A panel grouped by instance with an integer or
        period time level (sktime's usual layout) is checked in whole-column numpy operations;
        anything else, and any panel with a problem, one instance at a time.
        """
        def checked(values, where):
            values = check_series(values, where)
            return check_forecastable(values, where) if forecast else values

        if not isinstance(y.index, pd.MultiIndex):
            check_time_index(y.index, "y")
            checked(y.iloc[:, 0].to_numpy(), "y")
            return None, [slice(0, len(y))], [y.index[-1]]
        fast = _grouped_layout(y, MIN_OBSERVED if forecast else 1)
        if fast is not None:
            return fast
        keys, rows_of, lasts = [], [], []
        times = y.index.get_level_values(-1)
        columns = [y.iloc[:, j].to_numpy() for j in range(y.shape[1])]
        for key, rows in y.groupby(level=_instance_levels(y.index), sort=True).indices.items():
            check_time_index(times[rows], f"y[{key!r}]")
            for c, values in zip(y.columns, columns):
                checked(values[rows], f"y[{key!r}]" if y.shape[1] == 1 else f"y[{key!r}, {c!r}]")
            keys.append(key)
            rows_of.append(rows)
            lasts.append(times[rows[-1]])
        return keys, rows_of, lasts

    @staticmethod
    def _series(y: pd.DataFrame, rows) -> list:
        """float64 arrays of the series at ``rows`` (from :meth:`_layout`), column by column."""
        columns = [y.iloc[:, j].to_numpy() for j in range(y.shape[1])]
        return [np.asarray(values[r], dtype=np.float64) for r in rows for values in columns]

    def _instances(self, y: pd.DataFrame, forecast=True):
        """``(keys, arrays, last time points)`` of the series of ``y`` (:meth:`_layout`, then the values)."""
        keys, rows, lasts = self._layout(y, forecast)
        return keys, self._series(y, rows), lasts

    @staticmethod
    def _steps(fh_abs, last, freq) -> np.ndarray:
        """Steps from ``last`` (a series' last time point) to each time point of ``fh_abs``."""
        cutoff = pd.Index([last])
        if isinstance(cutoff, pd.DatetimeIndex):
            cutoff = pd.DatetimeIndex(cutoff, freq=freq)
        relative = fh_abs.to_relative(cutoff)
        # to_relative rounds a time between two steps down; the model has no value there
        grid = relative.to_absolute(cutoff).to_pandas()
        bad = [t for t, g in zip(fh_abs.to_pandas(), grid) if t != g]
        if bad:
            raise ValueError(f"fh time point {bad[0]} is not on the series' time grid (frequency {freq}, last "
                             f"time point {last}): the model forecasts whole steps")
        return np.asarray(relative, dtype=np.int64)

    def _regular_cutoff(self) -> pd.Index:
        """The cutoff with the frequency of the history (sktime leaves it unset on panels)."""
        cutoff = self.cutoff
        if not isinstance(cutoff, pd.DatetimeIndex) or cutoff.freq is not None:
            return cutoff
        y = self._cur_y
        times = [y.index] if not isinstance(y.index, pd.MultiIndex) else [
            frame.index.get_level_values(-1) for _, frame in y.groupby(level=_instance_levels(y.index))]
        for t in times:
            freq = pd.infer_freq(t) if len(t) >= 3 else None
            if freq is not None:
                return pd.DatetimeIndex(cutoff, freq=freq)
        raise ValueError("the time index of y has no regular frequency (none set and none can be inferred); "
                         "the model forecasts regular steps: use a PeriodIndex, an integer index or a "
                         "DatetimeIndex with a freq")

    @staticmethod
    def _horizon_of(fh, cutoff) -> int | None:
        """Fine-tuning horizon: the furthest step of ``fh`` (None: the model's)."""
        if fh is None:
            return None
        return int(np.max(np.asarray(fh.to_relative(cutoff))))

    # ------------------------------------------------------------------ fitting

    def _season(self, cutoff) -> int:
        """``sp``, else the calendar season of the frequency of ``cutoff`` (an index, or a
        ``ForecastingHorizon``); 0 where there is none: the model detects it."""
        return self.sp if self.sp is not None else season_length(getattr(cutoff, "freq", None))

    def _fine_tune(self, base, series, prediction_length, cutoff):
        """A fine-tuned copy of ``base``; the windows' horizon is capped to what the longest series allows."""
        from sktime_symbolic.model.finetune import fine_tune, fine_tuning_horizon

        horizon = fine_tuning_horizon(series, prediction_length, base.cfg.prediction_length)
        return fine_tune(base, series, prediction_length=horizon, max_steps=int(self.fine_tune_steps),
                         lr=float(self.fine_tune_lr), batch_size=int(self.fine_tune_batch_size),
                         seed=check_seed(self.random_state), season=self._season(cutoff))

    def _fit(self, y, X=None, fh=None):
        """Validate the history; with ``"fine-tune"`` fine-tune a copy of the weights on it."""
        self._check_params()
        self._cur_layout = self._layout(y)
        rows = self._cur_layout[1]
        self._cur_y = y
        cutoff = self._regular_cutoff()  # an irregular time index fails here, not at predict
        base = self._base_pipeline()
        if self.fit_strategy == "fine-tune":
            self.pipeline_ = self._fine_tune(base, self._series(y, rows), self._horizon_of(fh, cutoff), cutoff)
        else:
            self.pipeline_ = base
        return self

    def _update(self, y, X=None, update_params=True):
        """Extend the history; with ``"fine-tune"`` and ``update_params`` fine-tune again on all of it."""
        from sktime.datatypes import update_data

        history = update_data(self._cur_y, y)
        self._cur_layout = self._layout(history)
        rows = self._cur_layout[1]
        self._cur_y = history
        if update_params and self.fit_strategy == "fine-tune":
            cutoff = self._regular_cutoff()
            horizon = self._horizon_of(self._fh, cutoff)
            self.pipeline_ = self._fine_tune(self._base_pipeline(), self._series(history, rows), horizon, cutoff)
        return self

    def _pretrain(self, y, X=None, fh=None):
        """Fine-tune a copy of the weights on all series (and columns) of the panel ``y``."""
        self._check_params()
        # pretraining forecasts nothing: a series too short to forecast from is simply not used
        _, series, _ = self._instances(y, forecast=False)
        base = self._base_pipeline()
        cutoff = get_cutoff(y, return_index=True)
        self.pretrained_pipeline_ = self._fine_tune(base, series, self._horizon_of(fh, cutoff), cutoff)
        self.n_pretrain_series_ = getattr(self, "n_pretrain_series_", 0) + len(series)
        return self

    def _pretrain_update(self, y, X=None, fh=None):
        """Continue fine-tuning the pretrained weights on more series."""
        return self._pretrain(y, X=X, fh=fh)

    # ------------------------------------------------------------------ prediction

    def _forecast(self, fh, levels):
        """``(values, keys, fh_abs)``: quantiles at ``levels`` of every series at ``fh``'s time points.

        ``values`` has one row per (series, time point), series by series, and one column per
        level. The series go to the model in contiguous shards of ``SHARD_BATCHES * batch_size``
        series on the ``backend:parallel`` config (:mod:`sktime_symbolic._distributed`); each
        shard's quantiles are cut to ``fh`` as it comes back. In process (no backend) the shards
        are forecast one at a time as they are taken, so the loop holds one shard's quantiles; a
        backend returns every shard's quantiles together.
        """
        y = self._cur_y
        keys, rows, lasts = self._cur_layout  # validated by fit / update
        warn_ragged_relative_fh(fh, keys, lasts)
        fh_abs = fh.to_absolute(self._regular_cutoff())
        # all steps are positive: sktime rejects fh at or before the cutoff, the latest end of any series;
        # the steps depend on a series' end only, and the series of a panel mostly end together
        by_end = {}
        for last in lasts:
            if last not in by_end:
                by_end[last] = self._steps(fh_abs, last, fh_abs.freq) - 1
        horizon = max(int(cols.max()) for cols in by_end.values()) + 1
        season = self._season(fh_abs)
        bounds = shard_bounds(len(rows), SHARD_BATCHES * int(self.batch_size))
        config = self.get_config()
        results = forecast_sharded((self._series(y, rows[start:stop]) for start, stop in bounds),
                                   pipeline_payload(self.pipeline_, self.model_name, self.device), horizon, levels,
                                   self.batch_size, season, config["backend:parallel"],
                                   config["backend:parallel:params"], n_shards=len(bounds))
        m = len(fh_abs)
        values = np.empty((len(rows) * m, len(levels)))
        for (start, stop), quantiles in zip(bounds, results):
            cols = np.stack([by_end[last] for last in lasts[start:stop]])
            # (series, levels, fh) -> one row per (series, time point); y is univariate (sktime vectorizes columns)
            picked = np.take_along_axis(quantiles, cols[:, None, :], axis=2)
            values[start * m:stop * m] = picked.transpose(0, 2, 1).reshape(-1, len(levels))
        return values, keys, pd.Index(fh_abs.to_pandas())

    def _index(self, keys, fh_abs):
        """The forecast's index: ``fh_abs``, or every instance key with every time point of it."""
        if keys is None:
            return fh_abs
        instances = pd.MultiIndex.from_tuples(keys) if isinstance(keys[0], tuple) else pd.Index(keys)
        m = len(fh_abs)
        factorized = [pd.factorize(instances.get_level_values(i)) for i in range(instances.nlevels)]
        # codes built in the dtype pandas keeps them in, so that the index of a large panel is
        # made without int64 copies several times its own size
        codes = [codes.astype(_codes_dtype(len(uniques))).repeat(m) for codes, uniques in factorized]
        codes.append(np.tile(np.arange(m, dtype=_codes_dtype(m)), len(instances)))
        uniques = [uniques for _, uniques in factorized] + [fh_abs]
        return pd.MultiIndex(levels=uniques, codes=codes, names=list(self._cur_y.index.names),
                             verify_integrity=False)

    def _predict(self, fh, X=None):
        """The median forecast."""
        values, keys, fh_abs = self._forecast(fh, [0.5])
        return pd.DataFrame(values, index=self._index(keys, fh_abs), columns=self._cur_y.columns)

    def _predict_quantiles(self, fh, X, alpha):
        """Quantiles at levels ``alpha``, from the same forecast as ``predict``."""
        values, keys, fh_abs = self._forecast(fh, alpha)
        return pd.DataFrame(values, index=self._index(keys, fh_abs),
                            columns=self._get_columns(method="predict_quantiles", alpha=alpha))

    # ------------------------------------------------------------------ plotting

    def plot(self, y_true=None, coverage=(0.5, 0.8), n_history=None, ax=None):
        """Plot the history, the median forecast over ``fh`` and its intervals (matplotlib).

        sktime's ``plot_series`` needs seaborn; this needs only matplotlib. One univariate
        series only (for a panel, fit a forecaster on the series to plot).

        Parameters
        ----------
        y_true : pd.Series or None
            Observed values over the horizon, drawn dashed.
        coverage : float or sequence of float, default=(0.5, 0.8)
            Central interval(s) to shade.
        n_history : int or None
            Last values of the history to draw; default four times the horizon.
        ax : matplotlib Axes or None

        Returns
        -------
        matplotlib Axes
        """
        from sktime_symbolic.model.plotting import plot_forecast

        self.check_is_fitted()
        y = getattr(self, "_cur_y", None)
        if y is None or isinstance(y.index, pd.MultiIndex) or y.shape[1] != 1:
            raise ValueError("plot draws one univariate series; this forecaster was fitted on a panel, "
                             "hierarchy or multivariate data")
        coverages = np.atleast_1d(np.asarray(coverage, dtype=np.float64))
        if ((coverages <= 0) | (coverages >= 1)).any():
            raise ValueError(f"coverage must be in (0, 1), got {coverage}")
        levels = sorted({0.5, *np.round((1 - coverages) / 2, 10), *np.round((1 + coverages) / 2, 10)})
        quantiles = self.predict_quantiles(alpha=levels)
        n = 4 * len(quantiles) if n_history is None else check_positive_int("n_history", n_history)
        history = y.iloc[-n:, 0]

        def positions(index):
            return index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index

        return plot_forecast(history.to_numpy(), quantiles.to_numpy().T, levels, positions(history.index),
                             positions(quantiles.index), None if y_true is None else np.asarray(y_true), ax,
                             title=f"{type(self).__name__} ({self.fit_strategy})")

    # ------------------------------------------------------------------ testing

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Cheap parameter sets: zero-shot and one-step fine-tuning (fit or pretrain), on CPU.

        Parameters
        ----------
        parameter_set : str, default="default"

        Returns
        -------
        list of dict
        """
        return [
            # fine_tune_* bound the cost of pretrain, which sktime's checks also run
            {"batch_size": 8, "random_state": 1, "device": "cpu", "fine_tune_steps": 1, "fine_tune_batch_size": 2},
            {"fit_strategy": "fine-tune", "fine_tune_steps": 1, "fine_tune_batch_size": 2, "device": "cpu"},
        ]
