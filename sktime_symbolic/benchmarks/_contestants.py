"""Contestants: adapters that let sktime forecasters and GluonTS predictors/estimators forecast.

Every contestant turns a list of GluonTS input entries (the history of each series) into one
GluonTS ``Forecast`` per entry. New models plug in either as objects (any sktime forecaster,
GluonTS predictor or estimator, or a :class:`Contestant` subclass) or by name after
:func:`register_contestant`.
"""

from __future__ import annotations

import tempfile
import warnings

import numpy as np
import pandas as pd

# the levels every contestant forecasts and the evaluation scores: the model's trained ones
from sktime_symbolic.model.pipeline import QUANTILE_LEVELS

_FORECAST_KEYS = [str(q) for q in QUANTILE_LEVELS] + ["mean"]
# row of the median among the levels: the harness scores the median (MASE[0.5], sMAPE[0.5]), and a
# probabilistic sktime contestant's point forecast is taken from it, so its model runs once
_MEDIAN = QUANTILE_LEVELS.index(0.5)


def _fit_clone(forecaster, y, fh):
    """A clone of ``forecaster`` fitted on ``y``, keeping no data for ``update``.

    sktime 1.2 warns that the default of ``remember_data`` will change at every construction
    of a forecaster: at ``clone`` and again at the ``reset`` that starts ``fit``. The
    pyproject filter does not hold it, because sktime's ``_suppress_pd22_warning``
    re-enables FutureWarning whenever it exits, so both run under their own filter.
    Contestants fit once per clone and never update, so ``remember_data=False`` is safe.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The default of config ``remember_data``", category=FutureWarning)
        return forecaster.clone().set_config(remember_data=False).fit(y, fh=fh)


def _forecast_start(entry) -> pd.Period:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*BDay.*", category=FutureWarning)
        return entry["start"] + len(entry["target"])


class Contestant:
    """Base class: a named forecaster that may be trained, then forecasts every series.

    Subclasses implement :meth:`predict`; :meth:`fit` is optional (default: nothing to train).

    Parameters
    ----------
    name : str
        Label used in result tables.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from gluonts.model.forecast import QuantileForecast
    >>> class LastValue(Contestant):
    ...     def predict(self, inputs, freq, prediction_length):
    ...         return [QuantileForecast(np.full((1, prediction_length), e["target"][-1]),
    ...                 start_date=e["start"] + len(e["target"]), forecast_keys=["0.5"])
    ...                 for e in inputs]
    >>> c = LastValue("last")
    >>> c.predict([{"start": pd.Period("2020-01-01", "D"), "target": np.ones(3)}], "D", 2)[0].quantile(0.5)
    array([1., 1.])
    """

    #: where the quantiles come from, for the results table: "model" (its own probabilistic forecast)
    #: or "point" (every quantile equal to the point forecast)
    quantile_source = "model"

    def __init__(self, name):
        self.name = name

    def fit(self, train_entries, freq, prediction_length):
        """Train on the series with their test part removed (no-op for local models)."""
        return self

    def predict(self, inputs, freq, prediction_length):
        """Return one GluonTS ``Forecast`` per entry of ``inputs``, ``prediction_length`` steps ahead."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"


def _sktime_forecast_one(entry, meta):
    # module-level so joblib/dask backends can pickle it
    target = np.asarray(entry["target"], dtype=np.float64)
    start = entry["start"]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(BDay|PeriodDtype\\[B\\]).*", category=FutureWarning)
        index = pd.period_range(start, periods=len(target), freq=start.freq)
    y = pd.Series(target, index=index)
    forecaster = meta["forecaster"]
    fh = np.arange(1, meta["prediction_length"] + 1)
    try:
        forecaster = _fit_clone(forecaster, y, fh)
        if meta["quantiles"]:
            quantiles = forecaster.predict_quantiles(alpha=list(QUANTILE_LEVELS)).to_numpy(dtype=np.float64).T
            point = quantiles[_MEDIAN]
        else:
            point = forecaster.predict().to_numpy(dtype=np.float64).ravel()
            # point forecasters enter WQL with every quantile equal to the point
            quantiles = np.tile(point, (len(QUANTILE_LEVELS), 1))
    except Exception as error:  # say which series broke the forecaster
        raise RuntimeError(f"{type(forecaster).__name__} failed on series {entry.get('item_id')!r}: {error}") from error
    return quantiles, point, _fallback_failures(forecaster)


def _fallback_failures(forecaster) -> list[str]:
    """What failed before sktime's ``FallbackForecaster`` found a forecaster that works (empty otherwise)."""
    raised = getattr(forecaster, "exceptions_raised_", None) or {}
    return [f"{failure['forecaster_name']} at {failure['failed_at_step']}: {failure['exception']}"
            for failure in raised.values()]


class SktimeContestant(Contestant):
    """Fit an sktime forecaster and forecast the next steps of every series.

    Forecasters that take panels (``y_inner_mtype`` includes ``pd-multiindex`` or
    ``pd_multiindex_hier``, e.g. global models) are fitted once, as one clone, on all series
    as a ``pd-multiindex`` panel and predict every series in one call. sktime's cutoff of a
    panel is its latest time point, and a relative fh counts from it; so that fh 1..h are each
    series' own next h steps, the panel gives every series the same end: each series keeps
    its values and its frequency, and its time stamps are shifted along that grid to end at
    the latest end of the series forecast (the forecasts get the series' own time stamps
    back). A forecaster that reads calendar features from the index would see the shifted
    stamps: pass ``panel=False`` for it. The clone keeps the forecaster's config, so its own
    ``backend:parallel`` applies inside that call (``SymbolicFMForecaster`` spreads the panel's
    shards over it).

    Other forecasters (and ``panel=False``) fit a clone on each series; series run through
    :func:`sktime.utils.parallel.parallelize` with the forecaster's own ``backend:parallel`` /
    ``backend:parallel:params`` config (sequential by default).

    Parameters
    ----------
    forecaster : sktime BaseForecaster
        Unfitted forecaster; cloned.
    name : str, optional
        Label; default the class name.
    quantiles : bool, optional
        Use ``predict_quantiles`` for q = 0.1..0.9 (needs ``capability:pred_int``), and its
        0.5 quantile as the point forecast (the forecasts' ``mean``), so the forecaster predicts
        once; otherwise ``predict``'s point forecast stands for every quantile. Default: whether
        the forecaster has ``capability:pred_int``.
    panel : bool, optional
        Fit one clone on all series as a panel (True) or one clone per series (False).
        Default: True when the forecaster's ``y_inner_mtype`` accepts a panel.

    Attributes
    ----------
    fallbacks_ : dict
        After :meth:`predict`: the series (by ``item_id``) on which a forecaster wrapped in
        sktime's ``FallbackForecaster`` failed, each with what failed (forecaster, step, error);
        they are also named in a ``UserWarning``. Empty when nothing fell back.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sktime.forecasting.naive import NaiveForecaster
    >>> c = SktimeContestant(NaiveForecaster(strategy="last"))
    >>> entry = {"start": pd.Period("2020-01-01", "D"), "target": np.array([1.0, 2.0, 3.0])}
    >>> c.predict([entry], "D", 2)[0].quantile(0.5)
    array([3., 3.])
    """

    def __init__(self, forecaster, name=None, quantiles=None, panel=None):
        super().__init__(name or type(forecaster).__name__)
        probabilistic = bool(forecaster.get_tag("capability:pred_int", False))
        if quantiles and not probabilistic:
            raise ValueError(f"{type(forecaster).__name__} cannot predict quantiles (no capability:pred_int)")
        mtypes = forecaster.get_tag("y_inner_mtype", [])
        mtypes = [mtypes] if isinstance(mtypes, str) else list(mtypes)
        takes_panel = bool({"pd-multiindex", "pd_multiindex_hier"} & set(mtypes))
        if panel and not takes_panel:
            raise ValueError(f"{type(forecaster).__name__} cannot fit a panel (y_inner_mtype {mtypes})")
        self.forecaster = forecaster
        self.quantiles = probabilistic if quantiles is None else bool(quantiles)
        self.panel = takes_panel if panel is None else bool(panel)
        self.quantile_source = "model" if self.quantiles else "point"

    def _predict_panel(self, inputs, prediction_length):
        """``(quantiles, point)`` per series from one clone fitted on all of them, ends aligned."""
        ends = [_forecast_start(entry) for entry in inputs]
        latest = max(ends)
        frames = []
        for i, (entry, end) in enumerate(zip(inputs, ends)):
            target = np.asarray(entry["target"], dtype=np.float64)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*(BDay|PeriodDtype\\[B\\]).*", category=FutureWarning)
                # the series' own grid, shifted so that its next step is the panel's next step
                index = pd.period_range(end=latest - 1, periods=len(target), freq=end.freq)
            frames.append(pd.DataFrame({"value": target}, index=pd.MultiIndex.from_arrays(
                [np.full(len(target), i), index], names=["series", "time"])))
        fh = np.arange(1, prediction_length + 1)
        forecaster = _fit_clone(self.forecaster, pd.concat(frames), fh)
        # one fit for the panel: a fallback replaced the forecaster on every series
        failures = _fallback_failures(forecaster)
        if self.quantiles:
            quantiles = forecaster.predict_quantiles(alpha=list(QUANTILE_LEVELS))
            levels = [quantiles.xs(i, level="series").to_numpy(dtype=np.float64).T for i in range(len(inputs))]
            return [(values, values[_MEDIAN], failures) for values in levels]
        point = forecaster.predict()
        points = [point.xs(i, level="series").to_numpy(dtype=np.float64).ravel() for i in range(len(inputs))]
        # point forecasters enter WQL with every quantile equal to the point
        return [(np.tile(values, (len(QUANTILE_LEVELS), 1)), values, failures) for values in points]

    def predict(self, inputs, freq, prediction_length):
        from gluonts.model.forecast import QuantileForecast
        from sktime.utils.parallel import parallelize

        inputs = list(inputs)
        if self.panel:
            results = self._predict_panel(inputs, prediction_length)
        else:
            config = self.forecaster.get_config()
            meta = {"forecaster": self.forecaster, "prediction_length": prediction_length, "quantiles": self.quantiles}
            results = parallelize(
                _sktime_forecast_one,
                inputs,
                meta=meta,
                backend=config.get("backend:parallel"),
                backend_params=config.get("backend:parallel:params"),
            )
        self.fallbacks_ = {entry.get("item_id", i): failures
                           for i, (entry, (_, _, failures)) in enumerate(zip(inputs, results)) if failures}
        if self.fallbacks_:
            named = [f"{item!r} ({'; '.join(failures)})" for item, failures in self.fallbacks_.items()]
            warnings.warn(f"{self.name}: fell back on {len(named)} of {len(inputs)} series: " + ", ".join(named[:10])
                          + (", ..." if len(named) > 10 else ""), UserWarning, stacklevel=2)
        forecasts = []
        for entry, (quantiles, point, _) in zip(inputs, results):
            if quantiles.shape[-1] != point.shape[-1]:
                raise ValueError(
                    f"{self.name}: quantile and point forecasts differ in length for series {entry.get('item_id')!r}"
                )
            forecasts.append(
                QuantileForecast(
                    np.vstack([quantiles, point[None, :]]),
                    start_date=_forecast_start(entry),
                    forecast_keys=_FORECAST_KEYS,
                    item_id=entry.get("item_id"),
                )
            )
        return forecasts


class GluonTSContestant(Contestant):
    """Wrap a GluonTS predictor, or an estimator that is trained on the training part first.

    Parameters
    ----------
    model : gluonts Predictor or Estimator
        Must be configured for the benchmark's prediction length.
    name : str, optional
        Label; default the class name.
    seed : int, default 0
        Seeds torch/numpy (lightning) before training and before predicting, so sampled
        forecasts repeat.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from gluonts.model.seasonal_naive import SeasonalNaivePredictor
    >>> c = GluonTSContestant(SeasonalNaivePredictor(prediction_length=2, season_length=2))
    >>> entry = {"start": pd.Period("2020-01-01", "D"), "target": np.array([1.0, 2.0, 3.0, 4.0])}
    >>> c.predict([entry], "D", 2)[0].quantile(0.5).tolist()
    [3.0, 4.0]
    """

    def __init__(self, model, name=None, seed=0):
        super().__init__(name or type(model).__name__)
        self.model = model
        self.seed = seed
        self.predictor_ = None if hasattr(model, "train") else model

    def _check_length(self, obj, prediction_length):
        length = getattr(obj, "prediction_length", prediction_length)
        if length != prediction_length:
            raise ValueError(
                f"{self.name}: configured for prediction_length={length}, benchmark needs {prediction_length}"
            )

    def fit(self, train_entries, freq, prediction_length):
        self._check_length(self.model, prediction_length)
        if hasattr(self.model, "train"):
            import lightning

            lightning.seed_everything(self.seed, verbose=False)
            trainer_kwargs = getattr(self.model, "trainer_kwargs", None)
            # lightning checkpoints go to the working directory by default: keep them in a temporary one
            with tempfile.TemporaryDirectory() as checkpoint_dir:
                if isinstance(trainer_kwargs, dict) and "default_root_dir" not in trainer_kwargs:
                    self.model.trainer_kwargs = dict(trainer_kwargs, default_root_dir=checkpoint_dir)
                try:
                    self.predictor_ = self.model.train(list(train_entries))
                finally:
                    if isinstance(trainer_kwargs, dict):
                        self.model.trainer_kwargs = trainer_kwargs
        return self

    def predict(self, inputs, freq, prediction_length):
        if self.predictor_ is None:
            raise ValueError(f"{self.name}: estimator not trained; call fit first")
        self._check_length(self.predictor_, prediction_length)
        try:
            import lightning

            lightning.seed_everything(self.seed, verbose=False)
        except ImportError:  # pure-numpy predictors need no torch seed
            pass
        return list(self.predictor_.predict(list(inputs)))


class MeanEnsembleContestant(Contestant):
    """Average the quantile forecasts of several contestants, level by level.

    Every member forecasts every series (the harness' levels q = 0.1..0.9 and the mean);
    the ensemble's quantile at level q is the mean of the members' quantiles at q (quantile
    averaging), its mean the mean of their means. A member that fails on a series fails the
    ensemble, with the member's message. To replace a member on the series where it fails, wrap it
    in sktime's ``FallbackForecaster`` (as ``stat_ensemble`` does); the series it fell back on are
    collected in ``fallbacks_``.

    Parameters
    ----------
    members : list of Contestant
        At least one.
    name : str, default "ensemble"
        Label.
    max_context : int, optional
        Members see only the last ``max_context`` values of each series (bounds the cost of
        models whose fitting grows with the length, e.g. AutoARIMA); default all values.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sktime.forecasting.naive import NaiveForecaster
    >>> members = [SktimeContestant(NaiveForecaster(strategy=s)) for s in ("last", "mean")]
    >>> entry = {"start": pd.Period("2020-01-01", "D"), "target": np.array([1.0, 2.0, 6.0])}
    >>> MeanEnsembleContestant(members).predict([entry], "D", 2)[0].quantile(0.5)
    array([4.5, 4.5])
    """

    def __init__(self, members, name="ensemble", max_context=None):
        super().__init__(name)
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if max_context is not None and (not isinstance(max_context, (int, np.integer)) or max_context < 1):
            raise ValueError(f"max_context must be a positive int or None, got {max_context!r}")
        self.members = list(members)
        self.max_context = max_context

    def _context(self, entries):
        if self.max_context is None:
            return list(entries)
        cut = []
        for entry in entries:
            dropped = max(len(entry["target"]) - self.max_context, 0)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*BDay.*", category=FutureWarning)
                start = entry["start"] + dropped
            cut.append(dict(entry, start=start, target=entry["target"][dropped:]))
        return cut

    def fit(self, train_entries, freq, prediction_length):
        train_entries = self._context(train_entries)
        for member in self.members:
            member.fit(train_entries, freq, prediction_length)
        return self

    def predict(self, inputs, freq, prediction_length):
        from gluonts.model.forecast import QuantileForecast

        inputs = list(inputs)
        levels = np.zeros((len(inputs), len(_FORECAST_KEYS), prediction_length))
        context = self._context(inputs)
        self.fallbacks_ = {}
        for member in self.members:
            for i, forecast in enumerate(member.predict(context, freq, prediction_length)):
                levels[i, :-1] += np.stack([np.asarray(forecast.quantile(q), dtype=np.float64) for q in QUANTILE_LEVELS])
                levels[i, -1] += np.asarray(forecast.mean, dtype=np.float64)
            for item, failures in getattr(member, "fallbacks_", {}).items():
                self.fallbacks_.setdefault(item, []).extend(failures)
        levels /= len(self.members)
        return [
            QuantileForecast(values, start_date=_forecast_start(entry), forecast_keys=_FORECAST_KEYS,
                             item_id=entry.get("item_id"))
            for entry, values in zip(inputs, levels)
        ]


# ---- registry: name -> factory(freq, prediction_length) -> Contestant ----------------------------


def _season(freq):
    from gluonts.time_feature import get_seasonality

    return get_seasonality(freq)


def _seasonal_naive(freq, h):
    from sktime.forecasting.naive import NaiveForecaster

    # a point forecast, as Chronos' seasonal naive (whose published scores it reproduces)
    return SktimeContestant(
        NaiveForecaster(strategy="last", sp=_season(freq)), name="seasonal_naive", quantiles=False
    )


def _seasonal_naive_gluonts(freq, h):
    from gluonts.model.seasonal_naive import SeasonalNaivePredictor

    return GluonTSContestant(
        SeasonalNaivePredictor(prediction_length=h, season_length=_season(freq)), name="seasonal_naive_gluonts"
    )


def _theta(freq, h):
    from sktime.forecasting.theta import ThetaForecaster

    # additive deseasonalising: ETT loads can be <= 0, which the multiplicative default rejects
    return SktimeContestant(
        ThetaForecaster(sp=_season(freq), deseasonalize_model="additive"), name="theta", quantiles=True
    )


def _autoets(freq, h):
    from sktime.forecasting.statsforecast import StatsForecastAutoETS

    # statsforecast's numba AutoETS: the statsmodels one (autoets_statsmodels) needs ~8 s per M4 hourly series
    return SktimeContestant(StatsForecastAutoETS(season_length=_season(freq)), name="autoets", quantiles=True)


def _autotheta(freq, h):
    from sktime.forecasting.statsforecast import StatsForecastAutoTheta

    # statsforecast's AutoTheta picks the theta variant (standard/optimised/dynamic) per series and
    # switches its multiplicative decomposition to additive for non-positive data by itself
    return SktimeContestant(StatsForecastAutoTheta(season_length=_season(freq)), name="autotheta", quantiles=True)


def _autoets_statsmodels(freq, h):
    from sktime.forecasting.ets import AutoETS

    # additive_only: sktime 1.2 passes statsmodels' simulation arguments wrongly, which breaks the
    # simulated intervals of multiplicative-error models; additive models have closed-form intervals.
    return SktimeContestant(
        AutoETS(auto=True, sp=_season(freq), additive_only=True, n_jobs=1), name="autoets_statsmodels", quantiles=True
    )


def _stat_ensemble(freq, h):
    from sktime.forecasting.compose import FallbackForecaster
    from sktime.forecasting.naive import NaiveForecaster
    from sktime.forecasting.statsforecast import (
        StatsForecastAutoARIMA,
        StatsForecastAutoCES,
        StatsForecastAutoETS,
        StatsForecastAutoTheta,
    )

    # the statistical ensemble of Nixtla's M4 experiments, on statsforecast's numba models, each with
    # the data set's season length; statsforecast drops the seasonal part of series shorter than two
    # seasons by itself, as for autoets / autotheta. DOTM is statsforecast's DynamicOptimizedTheta.
    # Quantiles are averaged level by level (MeanEnsembleContestant), from each member's intervals.
    # The members see the last 2,500 values of a series (AutoGluon's cap for its statistical models):
    # AutoARIMA's search on the 17,420 hourly values of an ETTh column would take minutes per series.
    # A member that cannot fit a series (AutoCES finds no admissible model on some) is replaced
    # there by seasonal naive, as statsforecast's own fallback_model does, through sktime's
    # FallbackForecaster; the series are counted in the results (n_fallback_series) and named. The
    # chain is fitted series by series (panel=False), so that one series' failure replaces the
    # member on that series alone.
    season = _season(freq)
    members = {
        "autoets": StatsForecastAutoETS(season_length=season),
        "autoarima": StatsForecastAutoARIMA(sp=season),
        "autoces": StatsForecastAutoCES(season_length=season),
        "dotm": StatsForecastAutoTheta(season_length=season, model="DOTM"),
    }
    fallback = NaiveForecaster(strategy="last", sp=season)
    return MeanEnsembleContestant(
        [SktimeContestant(FallbackForecaster([(name, m), ("seasonal_naive", fallback)]), name=name, quantiles=True,
                          panel=False) for name, m in members.items()],
        name="stat_ensemble", max_context=2500,
    )


_TRAINER = {"max_epochs": 5, "enable_progress_bar": False, "enable_model_summary": False, "logger": False}


def _simple_feedforward(freq, h):
    from gluonts.torch.model.simple_feedforward import SimpleFeedForwardEstimator

    return GluonTSContestant(
        SimpleFeedForwardEstimator(
            prediction_length=h, context_length=4 * h, batch_size=64, num_batches_per_epoch=50, trainer_kwargs=_TRAINER
        ),
        name="simple_feedforward",
    )


def _deepar(freq, h):
    from gluonts.torch.model.deepar import DeepAREstimator

    return GluonTSContestant(
        DeepAREstimator(
            freq=freq, prediction_length=h, batch_size=64, num_batches_per_epoch=50, trainer_kwargs=_TRAINER
        ),
        name="deepar",
    )


def _symbolic_fm(freq, h):
    from sktime_symbolic.forecasting import SymbolicFMForecaster

    # the shipped default model, zero-shot, as one sktime forecaster over the data set's panel, so that
    # the harness's --backend (its backend:parallel config) spreads the panel's shards over workers; the
    # season comes from the panel's frequency (sp=None), as symbolic_fm_gluonts takes it from each entry's
    return SktimeContestant(SymbolicFMForecaster(), name="symbolic_fm", quantiles=True, panel=True)


def _symbolic_fm_gluonts(freq, h):
    from gluonts_symbolic import SymbolicFMPredictor

    # the same model through its GluonTS predictor (one process); scores equal symbolic_fm's
    return GluonTSContestant(SymbolicFMPredictor(prediction_length=h), name="symbolic_fm_gluonts")


_CONTESTANTS = {
    "seasonal_naive": _seasonal_naive,
    "seasonal_naive_gluonts": _seasonal_naive_gluonts,
    "theta": _theta,
    "autoets": _autoets,
    "autotheta": _autotheta,
    "stat_ensemble": _stat_ensemble,
    "symbolic_fm": _symbolic_fm,
    "symbolic_fm_gluonts": _symbolic_fm_gluonts,
    "autoets_statsmodels": _autoets_statsmodels,
    "simple_feedforward": _simple_feedforward,
    "deepar": _deepar,
}


def list_contestants() -> list[str]:
    """Names accepted by :func:`make_contestant`.

    Examples
    --------
    >>> "seasonal_naive" in list_contestants()
    True
    """
    return sorted(_CONTESTANTS)


def register_contestant(name, factory):
    """Make ``factory(freq, prediction_length)`` available under ``name``.

    ``factory`` returns anything :func:`make_contestant` accepts (a Contestant, sktime
    forecaster, GluonTS predictor or estimator).

    Examples
    --------
    >>> from sktime.forecasting.naive import NaiveForecaster
    >>> register_contestant("drift", lambda freq, h: NaiveForecaster(strategy="drift"))
    >>> make_contestant("drift", "D", 3).name
    'drift'
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"contestant name must be a non-empty string, got {name!r}")
    _CONTESTANTS[name] = factory


def make_contestant(spec, freq, prediction_length, name=None) -> Contestant:
    """Build a contestant from a registered name, an object, or a factory.

    Parameters
    ----------
    spec : str, Contestant, sktime forecaster, GluonTS predictor/estimator, or callable
        A callable is called as ``spec(freq, prediction_length)``.
    freq : str
        Frequency of the data set (sets seasonal periods of the built-in contestants).
    prediction_length : int
        Horizon.
    name : str, optional
        Label overriding the default.

    Returns
    -------
    Contestant

    Examples
    --------
    >>> make_contestant("seasonal_naive", "h", 48).forecaster.sp
    24
    >>> make_contestant("nope", "h", 48)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown model 'nope'; known: ...
    """
    from gluonts.model.estimator import Estimator
    from gluonts.model.predictor import Predictor
    from sktime.forecasting.base import BaseForecaster

    if isinstance(spec, str):
        if spec not in _CONTESTANTS:
            raise ValueError(f"unknown model {spec!r}; known: {', '.join(list_contestants())}")
        contestant = make_contestant(_CONTESTANTS[spec](freq, prediction_length), freq, prediction_length)
        contestant.name = name or spec
        return contestant
    if isinstance(spec, Contestant):
        contestant = spec
    elif isinstance(spec, BaseForecaster):
        contestant = SktimeContestant(spec)
    elif isinstance(spec, (Predictor, Estimator)):
        contestant = GluonTSContestant(spec)
    elif callable(spec):
        return make_contestant(spec(freq, prediction_length), freq, prediction_length, name=name)
    else:
        raise ValueError(
            f"cannot use {type(spec).__name__} as a model: pass a registered name, a Contestant, "
            "an sktime forecaster, a GluonTS predictor/estimator or a factory(freq, prediction_length)"
        )
    if name:
        contestant.name = name
    return contestant
