"""Tests of SymbolicFMImputer: gaps filled from forecasts of both sides, blended."""

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.forecasting.compose import TransformedTargetForecaster
from sktime.forecasting.naive import NaiveForecaster
from sktime.transformations.impute import Imputer
from sktime.utils.estimator_checks import check_estimator

from sktime_symbolic.model import shared_pipeline
from sktime_symbolic.model.pipeline import QuantilePipeline
from sktime_symbolic.transformations import SymbolicFMImputer


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    # two xdist workers share two cores: more torch threads per worker only contend
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def count_forecast_calls(monkeypatch):
    calls = []
    original = QuantilePipeline.predict_quantiles

    def counted(self, context, *args, **kwargs):
        calls.append(len(context))
        return original(self, context, *args, **kwargs)

    monkeypatch.setattr(QuantilePipeline, "predict_quantiles", counted)
    return calls


def _imputer(**params):
    return SymbolicFMImputer(**{"device": "cpu", **params})


def _seasonal(n=480, period=24, seed=None):
    t = np.arange(n)
    y = 5 + 2 * np.sin(2 * np.pi * t / period)
    if seed is not None:
        y = y + np.random.default_rng(seed).normal(0, 0.05, n)
    return pd.Series(y, index=pd.period_range("2020-01-01", periods=n, freq="h"))


def _median(context, h):
    q, _ = shared_pipeline(device="cpu").predict_quantiles(context, h, quantile_levels=[0.5])
    return q[0]


def test_passes_sktime_check_estimator():
    results = check_estimator(SymbolicFMImputer, raise_exceptions=True, verbose=False)
    assert results and all(v == "PASSED" for v in results.values())


def test_block_and_scattered_gaps_are_filled_and_observed_values_kept():
    y = _seasonal(seed=0)
    gappy = y.copy()
    gappy.iloc[200:240] = np.nan
    gappy.iloc[np.random.default_rng(1).choice(480, 40, replace=False)] = np.nan
    filled = _imputer().fit_transform(gappy)
    observed = gappy.notna()
    assert filled.notna().all() and filled.index.equals(y.index)
    assert (filled[observed] == gappy[observed]).all()
    # forecasts of a seasonal series stay near its range
    assert filled.between(y.min() - 2, y.max() + 2).all()


def test_beats_linear_interpolation_on_a_seasonal_block_gap():
    y = _seasonal()
    gappy = y.copy()
    gappy.iloc[300:348] = np.nan
    model = _imputer().fit_transform(gappy).iloc[300:348]
    linear = Imputer(method="linear").fit_transform(gappy).iloc[300:348]
    truth = y.iloc[300:348]
    assert np.abs(model - truth).mean() < 0.75 * np.abs(linear - truth).mean()


def test_leading_and_trailing_gaps_use_one_side_and_inner_gaps_blend_both():
    x = _seasonal(n=300, seed=2).to_numpy()
    gappy = x.copy()
    gappy[:10], gappy[100:120], gappy[290:] = np.nan, np.nan, np.nan
    filled = _imputer().fit_transform(pd.Series(gappy)).to_numpy()
    # the imputer's batched call and these single calls agree to float32 tolerance, not bit for bit
    tol = dict(rtol=1e-5, atol=1e-6 * np.ptp(x))
    # leading gap: the backward forecast of the reversed values after it, read back in time
    np.testing.assert_allclose(filled[:10], _median(gappy[10:][::-1], 10)[::-1], **tol)
    # trailing gap: the forward forecast alone
    np.testing.assert_allclose(filled[290:], _median(gappy[:290], 10), **tol)
    # inner gap: forward weight (L - k) / (L + 1) at its k-th value
    forward, backward = _median(gappy[:100], 20), _median(gappy[120:][::-1], 20)[::-1]
    weight = (20 - np.arange(20)) / 21
    np.testing.assert_allclose(filled[100:120], weight * forward + (1 - weight) * backward, **tol)


def test_all_gaps_of_a_panel_are_forecast_in_one_call(count_forecast_calls):
    frames = {}
    for i in range(3):
        values = _seasonal(n=120, seed=i).to_numpy()
        frame = pd.DataFrame({"a": values, "b": values[::-1].copy()})
        frame.iloc[30:40, 0] = np.nan
        frame.iloc[:5, 1] = np.nan
        frame.iloc[60 + i, 1] = np.nan
        frames[f"s{i}"] = frame
    panel = pd.concat(frames, names=["series", "time"])
    filled = _imputer().fit_transform(panel)
    assert filled.shape == panel.shape and filled.notna().all().all()
    # per instance: two sides of the inner gaps of a and b, one side of b's leading gap
    assert count_forecast_calls == [3 * (2 + 2 + 1)]
    alone = _imputer().fit_transform(panel.loc["s1"])
    np.testing.assert_allclose(filled.loc["s1"].to_numpy(), alone.to_numpy(), rtol=1e-5,
                               atol=1e-6 * (np.nanmax(panel.loc["s1"].to_numpy()) - np.nanmin(panel.loc["s1"].to_numpy())))


def test_intervals_contain_the_filled_values():
    y = _seasonal(n=300, seed=3).to_frame("load")
    y.iloc[:6, 0] = np.nan
    y.iloc[150:180, 0] = np.nan
    for method in ("median", "sample"):
        out = _imputer(method=method, return_intervals=True).fit_transform(y)
        assert list(out.columns) == ["load", "load_lower", "load_upper"]
        assert (out["load_lower"] <= out["load"]).all() and (out["load"] <= out["load_upper"]).all()
        observed = y["load"].notna()
        for bound in ("load_lower", "load_upper"):
            assert (out.loc[observed, bound] == y.loc[observed, "load"]).all()
        assert (out.loc[~observed, "load_upper"] > out.loc[~observed, "load_lower"]).all()


def test_seeds_reproduce_samples():
    y = _seasonal(n=200, seed=4)
    y.iloc[80:100] = np.nan

    def sample(seed):
        return _imputer(method="sample", random_state=seed).fit_transform(y)

    pd.testing.assert_series_equal(sample(7), sample(7))
    pd.testing.assert_series_equal(sample(None), sample(0))
    assert not sample(7).equals(sample(8))
    # a sample path differs from the median fill, only over the gap
    median = _imputer().fit_transform(y)
    assert not np.allclose(sample(7).iloc[80:100], median.iloc[80:100])


def test_inside_a_transformed_target_forecaster():
    y = _seasonal(n=240, seed=5)
    y.iloc[100:110] = np.nan
    y.iloc[235:] = np.nan
    pipe = TransformedTargetForecaster([("impute", _imputer()), ("forecast", NaiveForecaster())])
    pred = pipe.fit(y, fh=[1, 2, 3]).predict()
    assert pred.notna().all() and len(pred) == 3
    last = _imputer().fit_transform(y).iloc[-1]
    np.testing.assert_allclose(pred.to_numpy(), last)


def test_bad_input_errors():
    with pytest.raises(ValueError, match="no observed value"):
        _imputer().fit_transform(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [np.nan] * 3}))
    with pytest.raises(ValueError, match="contains inf"):
        _imputer().fit_transform(pd.Series([1.0, np.inf, np.nan, 2.0]))
    y = _seasonal(n=200).to_frame("load")
    y.iloc[50:80, 0] = np.nan
    with pytest.raises(ValueError, match=r"column 'load' has a gap of 30 missing values at positions 50 to 79"):
        _imputer(max_gap=29).fit_transform(y)
    assert _imputer(max_gap=30).fit_transform(y).notna().all().all()
    with pytest.raises(ValueError, match="method must be one of"):
        _imputer(method="mean").fit_transform(y)
    with pytest.raises(ValueError, match="max_gap must be >= 1"):
        _imputer(max_gap=0).fit_transform(y)
    with pytest.raises(ValueError, match="cannot be loaded"):
        _imputer(model_name="no-such-model").fit_transform(y)


def test_repeated_and_irregular_time_points_are_refused():
    # the forecaster's rule: the model reads regular steps
    times = pd.date_range("2020-01-01", periods=120, freq="h")
    values = _seasonal(n=120).to_numpy()
    values[30:35] = np.nan
    repeated = pd.Series(values, index=times.insert(60, times[60])[:-1])
    with pytest.raises(ValueError, match="the time index of X repeats 2020-01-03 12:00:00"):
        _imputer().fit_transform(repeated)
    irregular = pd.Series(values, index=times.delete(40).append(pd.DatetimeIndex(["2021-01-01"])))
    with pytest.raises(ValueError, match="the time index of X has no regular frequency"):
        _imputer().fit_transform(irregular)
    panel = pd.concat({"a": pd.DataFrame({"v": values}, index=times),
                       "b": pd.DataFrame({"v": values}, index=irregular.index)}, names=["id", "time"])
    with pytest.raises(ValueError, match="the time index of X instance 'b' has no regular frequency"):
        _imputer().fit_transform(panel)


def test_a_single_observed_value_is_no_side_to_forecast_from():
    # the forecast from one value is flat with an interval of zero width (the imputer gave width 1e-12)
    alone = np.full(40, np.nan)
    alone[0] = 2.0
    with pytest.raises(ValueError, match=r"X column 'y' has a gap at positions 1 to 39 with 1 observed value\(s\) "
                                         r"before it and 0 after it .*at least 2 observed values on one side"):
        _imputer(return_intervals=True).fit_transform(pd.DataFrame({"y": alone}))
    # a gap after a single value is forecast from the values after it alone, like a leading gap
    x = _seasonal(n=120, seed=5).to_numpy()
    gappy = x.copy()
    gappy[1:20] = np.nan
    out = _imputer(return_intervals=True).fit_transform(pd.DataFrame({"y": gappy}))
    backward = _median(gappy[20:][::-1], 19)[::-1]
    np.testing.assert_allclose(out["y"].to_numpy()[1:20], backward, rtol=1e-5, atol=1e-6 * np.ptp(x))
    assert (out["y_upper"] - out["y_lower"]).to_numpy()[1:20].min() > 0.01 * np.ptp(x)
