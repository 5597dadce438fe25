"""Tests of the sktime interface of the symbolic foundation model."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.datasets import load_airline
from sktime.forecasting.base import ForecastingHorizon
from sktime.forecasting.compose import TransformedTargetForecaster
from sktime.forecasting.model_evaluation import evaluate
from sktime.forecasting.model_selection import ForecastingGridSearchCV
from sktime.performance_metrics.forecasting import MeanAbsolutePercentageError
from sktime.split import ExpandingWindowSplitter
from sktime.transformations.series.boxcox import LogTransformer
from sktime.transformations.series.detrend import Deseasonalizer
from sktime.utils.estimator_checks import check_estimator

from sktime_symbolic.forecasting import SymbolicFMForecaster
from sktime_symbolic.model import DEFAULT_MODEL, shared_pipeline
from sktime_symbolic.model.pipeline import QuantilePipeline


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    # two xdist workers share two cores: more torch threads per worker only contend
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _forecaster(**params):
    return SymbolicFMForecaster(**{"device": "cpu", **params})


def _panel(lengths=(40, 40, 40), seed=0):
    rng = np.random.default_rng(seed)
    frames = {f"s{i}": pd.DataFrame({"y": 10 + np.sin(np.arange(n) / 3) * (i + 1) + rng.normal(0, 0.1, n)})
              for i, n in enumerate(lengths)}
    return pd.concat(frames, names=["series", "time"])


@pytest.fixture
def count_forecast_calls(monkeypatch):
    calls = []
    original = QuantilePipeline.predict_quantiles

    def counted(self, context, *args, **kwargs):
        calls.append(len(context))
        return original(self, context, *args, **kwargs)

    monkeypatch.setattr(QuantilePipeline, "predict_quantiles", counted)
    return calls


# sktime's update_predict checks refit at every step, i.e. fine-tune once per step with
# fit_strategy="fine-tune" (minutes); the zero-shot parameter sets run them
_SLOW_FOR_FINE_TUNE = ["test_update_predict_predicted_index", "test_update_predict_single"]


@pytest.mark.parametrize("params", SymbolicFMForecaster.get_test_params(), ids=lambda p: p.get("fit_strategy", "zs"))
def test_passes_sktime_check_estimator(params):
    exclude = _SLOW_FOR_FINE_TUNE if params.get("fit_strategy") == "fine-tune" else None
    results = check_estimator(SymbolicFMForecaster(**params), raise_exceptions=True, verbose=False,
                              tests_to_exclude=exclude)
    assert results and all(v == "PASSED" for v in results.values())


def test_zero_shot_shapes_median_and_monotone_quantiles():
    y = load_airline()
    f = _forecaster().fit(y, fh=np.arange(1, 7))
    point = f.predict()
    assert point.shape == (6,) and point.index.equals(pd.period_range("1961-01", periods=6, freq="M"))
    q = f.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    assert q.shape == (6, 3)
    assert (np.diff(q.to_numpy(), axis=1) >= 0).all()
    # the point forecast is the median of the same forecast
    np.testing.assert_allclose(point.to_numpy(), q.iloc[:, 1].to_numpy())
    wide, narrow = f.predict_interval(coverage=0.9).to_numpy(), f.predict_interval(coverage=0.5).to_numpy()
    assert (wide[:, 0] <= narrow[:, 0]).all() and (narrow[:, 0] <= narrow[:, 1]).all()
    assert (narrow[:, 1] <= wide[:, 1]).all()
    assert np.isfinite(point).all() and (point > 0).all()


def test_zero_shot_forecasts_are_reproducible_and_do_not_depend_on_the_seed():
    y = load_airline()[:100]
    a = _forecaster().fit(y, fh=[1, 2, 3]).predict()
    b = _forecaster(random_state=None).fit(y, fh=[1, 2, 3]).predict()
    c = _forecaster(random_state=0).fit(y, fh=[1, 2, 3]).predict()
    pd.testing.assert_series_equal(a, b)
    pd.testing.assert_series_equal(a, c)
    other = _forecaster(random_state=5).fit(y, fh=[1, 2, 3]).predict_quantiles(alpha=[0.1, 0.9]).to_numpy()
    default = _forecaster().fit(y, fh=[1, 2, 3]).predict_quantiles(alpha=[0.1, 0.9]).to_numpy()
    # the quantiles are forecast directly, not sampled: the seed only seeds fine-tuning
    np.testing.assert_array_equal(other, default)


def test_series_forecast_does_not_depend_on_the_panel(count_forecast_calls):
    panel = _panel()
    in_panel = _forecaster().fit(panel, fh=[1, 2, 3]).predict_quantiles(alpha=[0.2, 0.8])
    alone = _forecaster().fit(panel.loc["s1"], fh=[1, 2, 3]).predict_quantiles(alpha=[0.2, 0.8])
    # a batch of three and a batch of one: equal to float32 tolerance
    np.testing.assert_allclose(in_panel.loc["s1"].to_numpy(), alone.to_numpy(), rtol=1e-5,
                               atol=1e-6 * np.ptp(panel.loc["s1"].to_numpy()))
    assert count_forecast_calls == [3, 1]


def test_panel_and_hierarchy_forecast_in_one_pipeline_call(count_forecast_calls):
    panel = _panel(lengths=(30, 30, 30, 30))
    hier = pd.concat({"north": panel.loc[["s0", "s1"]], "south": panel.loc[["s2", "s3"]]}, names=["region"])
    fh = ForecastingHorizon([1, 2, 4])
    for y in (panel, hier):
        f = _forecaster().fit(y, fh=fh)
        point, interval = f.predict(), f.predict_interval(coverage=0.8)
        assert point.index.equals(fh.get_expected_pred_idx(y, cutoff=f.cutoff))
        assert interval.index.equals(point.index) and point.shape == (len(fh) * 4, 1)
    # one call per predict-like method, each with all four series
    assert count_forecast_calls == [4, 4, 4, 4]


def test_ragged_panel_forecasts_each_series_from_its_own_end():
    panel = _panel(lengths=(30, 27))  # s1 ends three steps before the cutoff
    f = _forecaster().fit(panel, fh=[1, 2])
    assert f.cutoff[0] == 29
    point = f.predict()
    assert point.index.get_level_values("time").tolist() == [30, 31, 30, 31]
    # s1 needs steps 4 and 5 from its own end: the same as forecasting it alone over those steps
    alone = _forecaster().fit(panel.loc["s1"], fh=[4, 5]).predict()
    np.testing.assert_allclose(point.loc["s1"].to_numpy().ravel(), alone.to_numpy().ravel(), rtol=1e-5,
                               atol=1e-6 * np.ptp(panel.loc["s1"].to_numpy()))


def test_datetime_panel_frequency_is_inferred_and_irregular_index_fails():
    panel = _panel(lengths=(20, 20))
    days = pd.date_range("2021-01-01", periods=20, freq="D")
    panel.index = pd.MultiIndex.from_product([["s0", "s1"], days], names=["series", "time"])
    point = _forecaster().fit(panel, fh=[1, 2]).predict()
    assert point.index.get_level_values("time").unique().tolist() == list(pd.date_range("2021-01-21", periods=2))
    irregular = pd.Series(np.arange(6.0), index=pd.DatetimeIndex(
        ["2020-01-01", "2020-01-02", "2020-01-05", "2020-01-06", "2020-01-10", "2020-01-30"]))
    with pytest.raises(ValueError, match="no regular frequency"):
        _forecaster().fit(irregular, fh=[1])


def test_duplicated_time_points_are_rejected():
    days = pd.date_range("2021-01-01", periods=20, freq="D")
    repeated = pd.Series(np.arange(20.0), index=days[:-1].append(days[-2:-1]))
    with pytest.raises(ValueError, match="repeats 2021-01-19"):
        _forecaster().fit(repeated, fh=[1])
    with pytest.raises(ValueError, match="repeats 18"):
        _forecaster().fit(pd.Series(np.arange(20.0), index=list(range(19)) + [18]), fh=[1])


def test_absolute_fh_off_the_time_grid_is_rejected():
    days = pd.date_range("2021-01-01", periods=30, freq="D")
    f = _forecaster().fit(pd.Series(np.sin(np.arange(30.0)), index=days))
    with pytest.raises(ValueError, match="2021-02-02 12:00:00 is not on the series' time grid"):
        f.predict(fh=ForecastingHorizon(pd.DatetimeIndex(["2021-02-02 12:00"]), is_relative=False))
    on_grid = f.predict(fh=ForecastingHorizon(pd.DatetimeIndex(["2021-02-02"]), is_relative=False))
    assert on_grid.index[0] == pd.Timestamp("2021-02-02")


def test_update_extends_the_history():
    y = load_airline()
    f = _forecaster().fit(y[:-12], fh=[1, 2])
    f.update(y[-12:], update_params=False)
    refit = _forecaster().fit(y, fh=[1, 2])
    pd.testing.assert_series_equal(f.predict(), refit.predict())


def test_inside_evaluate_with_expanding_window():
    y = load_airline()[:84]
    cv = ExpandingWindowSplitter(initial_window=60, step_length=12, fh=[1, 2, 3])
    result = evaluate(_forecaster(), cv, y, scoring=MeanAbsolutePercentageError())
    assert len(result) == 2
    assert np.isfinite(result["test_MeanAbsolutePercentageError"]).all()
    assert (result["test_MeanAbsolutePercentageError"] < 1.0).all()


def test_inside_grid_search(tmp_path):
    # two candidate weights: the shipped model and a saved copy of it (same forecasts)
    shared_pipeline(DEFAULT_MODEL, "cpu").save(tmp_path / "copy")
    y = load_airline()[:72]
    cv = ExpandingWindowSplitter(initial_window=60, step_length=6, fh=[1, 2, 3])
    search = ForecastingGridSearchCV(_forecaster(), cv=cv,
                                     param_grid={"model_name": [DEFAULT_MODEL, str(tmp_path / "copy")]})
    search.fit(y, fh=[1, 2, 3])
    assert search.best_params_["model_name"] in (DEFAULT_MODEL, str(tmp_path / "copy"))
    assert len(search.cv_results_) == 2 and search.predict().shape == (3,)
    scores = search.cv_results_["mean_test_MeanAbsolutePercentageError"].to_numpy()
    assert scores[0] == scores[1]


def test_inside_transformed_target_forecaster():
    y = load_airline()[:96]
    pipe = TransformedTargetForecaster([("log", LogTransformer()), ("deseason", Deseasonalizer(sp=12)),
                                        ("model", _forecaster())])
    pipe.fit(y, fh=[1, 2, 3])
    point = pipe.predict()
    interval = pipe.predict_interval(coverage=0.8)
    assert np.isfinite(point).all() and (point > 0).all()
    assert (interval.iloc[:, 0] <= interval.iloc[:, 1]).all()


def test_zero_shot_pickles_without_weights():
    y = load_airline()[:60]
    f = _forecaster().fit(y, fh=[1, 2])
    data = pickle.dumps(f)
    assert len(data) < 100_000
    g = pickle.loads(data)
    assert g.pipeline_ is shared_pipeline(DEFAULT_MODEL, "cpu")
    pd.testing.assert_series_equal(g.predict(), f.predict())


def test_fine_tune_copies_weights_pickles_them_and_leaves_shared_untouched():
    shared = shared_pipeline(DEFAULT_MODEL, "cpu")
    before = {k: v.clone() for k, v in shared.model.state_dict().items()}
    y = load_airline()[:72]
    f = _forecaster(fit_strategy="fine-tune", fine_tune_steps=2, fine_tune_batch_size=4, fine_tune_lr=1e-3)
    f.fit(y, fh=[1, 2, 3])
    assert f.pipeline_ is not shared
    assert f.pipeline_.card["fine_tuning"]["prediction_length"] == 3
    tuned = f.pipeline_.model.state_dict()
    assert any(not torch.equal(tuned[k].cpu(), before[k]) for k in before)
    assert all(torch.equal(shared.model.state_dict()[k], before[k]) for k in before)
    data = pickle.dumps(f)
    n_weights = sum(v.numel() for v in before.values())
    assert len(data) > 4 * n_weights  # float32 weights travel with it
    g = pickle.loads(data)
    assert g.pipeline_ is not shared
    pd.testing.assert_frame_equal(g.predict_quantiles(alpha=[0.1, 0.9]), f.predict_quantiles(alpha=[0.1, 0.9]))


def test_pretrain_then_fit_uses_pretrained_weights():
    shared = shared_pipeline(DEFAULT_MODEL, "cpu")
    f = _forecaster(fine_tune_steps=2, fine_tune_batch_size=4, fine_tune_lr=1e-3)
    f.pretrain(_panel(lengths=(40, 35, 50)), fh=[1, 2])
    assert f.state == "pretrained" and f.n_pretrain_series_ == 3
    pretrained = f.pretrained_pipeline_
    assert pretrained is not shared
    assert pretrained.card["fine_tuning"]["n_series"] == 3
    y = load_airline()[:60]
    f.fit(y, fh=[1, 2])
    assert f.state == "fitted" and f.pipeline_ is pretrained
    # clones (as in cross-validation) keep the pretrained weights; refits start from them
    clone = f.clone()
    assert clone.state == "pretrained"
    assert clone.fit(y, fh=[1, 2]).pipeline_ is clone.pretrained_pipeline_
    pd.testing.assert_series_equal(clone.predict(), f.predict())
    # a pickle round trip keeps one pretrained pipeline, shared by fit
    g = pickle.loads(pickle.dumps(f))
    assert g.pipeline_ is g.pretrained_pipeline_
    pd.testing.assert_series_equal(g.predict(), f.predict())


@pytest.mark.parametrize("y, error, match", [
    (pd.Series([], dtype=float), ValueError, "y is empty"),
    (pd.Series([np.nan] * 10), ValueError, r"all NaN"),
    (pd.Series([1.0, np.inf, 2.0, 3.0]), ValueError, "contains inf"),
    (pd.Series(list("abcd")), TypeError, "categorical"),
])
def test_bad_series_are_rejected(y, error, match):
    with pytest.raises(error, match=match):
        _forecaster().fit(y, fh=[1])


def test_bad_series_in_a_panel_is_named():
    panel = _panel(lengths=(12, 12))
    panel.loc["s1", "y"] = np.nan
    with pytest.raises(ValueError, match=r"y\['s1'\] has no observed value"):
        _forecaster().fit(panel, fh=[1])


def test_past_horizon_is_rejected():
    f = _forecaster().fit(pd.Series(np.arange(30.0)), fh=[1])
    with pytest.raises(NotImplementedError, match="in-sample"):
        f.predict(fh=[-2, 0])


@pytest.mark.parametrize("params, match", [
    ({"fit_strategy": "few-shot"}, "fit_strategy"),
    ({"batch_size": 2.5}, "batch_size"),
    ({"random_state": -3}, "random_state"),
    ({"fine_tune_lr": 0}, "fine_tune_lr"),
    ({"fine_tune_steps": True}, "fine_tune_steps"),
    ({"model_name": "symbolic-huge"}, "model_name"),
    ({"device": "bogus-device"}, "device"),
])
def test_bad_params_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        _forecaster(**params).fit(pd.Series(np.arange(20.0)), fh=[1])


def test_fine_tune_needs_enough_history():
    with pytest.raises(ValueError, match="at least 9 values"):
        _forecaster(fit_strategy="fine-tune", fine_tune_steps=1).fit(pd.Series(np.arange(6.0)), fh=[1])


def test_update_with_params_fine_tunes_again_on_all_data():
    y = load_airline()[:72]
    f = _forecaster(fit_strategy="fine-tune", fine_tune_steps=1, fine_tune_batch_size=2).fit(y[:-6], fh=[1, 2])
    first = f.pipeline_
    f.update(y[-6:], update_params=False)
    assert f.pipeline_ is first and f.cutoff[0] == y.index[-1]
    f.update(y[-6:] * 1.01, update_params=True)
    assert f.pipeline_ is not first
    assert f.pipeline_.card["fine_tuning"]["n_series"] == 1


def test_plot_draws_history_median_intervals_and_actual():
    import matplotlib

    matplotlib.use("Agg")
    y = load_airline()
    f = _forecaster().fit(y[:-6], fh=np.arange(1, 7))
    ax = f.plot(y_true=y[-6:], coverage=(0.5, 0.9), n_history=24)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"history", "median", "actual"}
    assert len(lines["history"].get_xdata()) == 24
    np.testing.assert_allclose(lines["median"].get_ydata(), f.predict().to_numpy())
    assert len(ax.collections) == 2  # the 90% and 50% bands
    with pytest.raises(ValueError, match="coverage must be in"):
        f.plot(coverage=1.2)
    panel = _forecaster().fit(_panel(), fh=[1, 2])
    with pytest.raises(ValueError, match="plot draws one univariate series"):
        panel.plot()


def test_keeps_its_own_history_and_no_copy_in_sktime_remember_data():
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = _forecaster()
    # sktime 1.2 warns at every construction of a forecaster that remembers data
    assert not [w for w in caught if "remember_data" in str(w.message)], [str(w.message) for w in caught]
    assert f.get_config()["remember_data"] is False
    y = load_airline()[:60]
    f.fit(y[:-6], fh=[1, 2])
    assert f._y is None and f._X is None and len(f._cur_y) == 54
    f.update(y[-6:], update_params=True)
    assert f._y is None and len(f._cur_y) == 60 and f.cutoff[0] == y.index[-1]
    pd.testing.assert_series_equal(f.predict(), _forecaster().fit(y, fh=[1, 2]).predict())
    # a user asking sktime for its copy still gets it
    g = _forecaster().set_config(remember_data=True).fit(y[:-6], fh=[1])
    g.update(y[-6:], update_params=False)
    assert g._y.index.equals(y.index)


@pytest.mark.parametrize("values", [[5.0], [np.nan, 5.0, np.nan]])
def test_a_series_with_one_observed_value_is_refused(values):
    with pytest.raises(ValueError, match=r"^y has 1 observed value; forecasting needs at least 2 observed values"):
        _forecaster().fit(pd.Series(values), fh=[1, 2])
    panel = _panel(lengths=(12, 12))
    panel.loc["s1", "y"] = np.nan
    panel.loc[("s1", 3), "y"] = 1.0
    with pytest.raises(ValueError, match=r"^y\['s1'\] has 1 observed value"):
        _forecaster().fit(panel, fh=[1])
    # two values forecast, with an interval of positive width
    interval = _forecaster().fit(pd.Series([5.0, 6.0]), fh=[1]).predict_interval(coverage=0.9).to_numpy()
    assert interval[0, 1] - interval[0, 0] > 0.01
    # pretraining forecasts nothing: the one-value series is left out of its windows, not refused
    _forecaster(fine_tune_steps=1, fine_tune_batch_size=2).pretrain(panel, fh=[1])
