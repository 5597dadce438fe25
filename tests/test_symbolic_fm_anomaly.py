"""Tests of SymbolicFMAnomalyDetector: values scored by how far they fall outside their forecast."""

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.utils.estimator_checks import check_estimator

from sktime_symbolic.detection import SymbolicFMAnomalyDetector
from sktime_symbolic.model import shared_pipeline
from sktime_symbolic.model.pipeline import QuantilePipeline


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    # two xdist workers share two cores: more torch threads per worker only contend
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _detector(**params):
    return SymbolicFMAnomalyDetector(**{"device": "cpu", **params})


def _sine(n=400, seed=0):
    rng = np.random.default_rng(seed)
    return pd.Series(3 + np.sin(2 * np.pi * np.arange(n) / 24) + rng.normal(0, 0.05, n))


def _scores(detector, y):
    return detector.predict_scores(y).to_numpy().ravel()


def test_passes_sktime_check_estimator():
    results = check_estimator(SymbolicFMAnomalyDetector, raise_exceptions=True, verbose=False)
    assert results and all(v == "PASSED" for v in results.values())


@pytest.mark.parametrize("where", [10, 250])
def test_an_injected_spike_gets_the_top_score_and_is_predicted(where):
    # 10 lies within the first min_context values: the backward pass scores it
    y = _sine()
    y.iloc[where] += 2.5
    detector = _detector().fit(y)
    scores = _scores(detector, y)
    assert scores.shape == (len(y),) and np.isfinite(scores).all() and (scores >= 0).all()
    assert scores.argmax() == where
    ilocs = detector.predict(y)["ilocs"].tolist()
    assert where in ilocs and len(ilocs) <= 0.03 * len(y)
    labels = detector.transform(y)
    assert labels.shape == (len(y), 1) and labels.iloc[where, 0] == 1


def test_score_is_distance_from_the_median_in_units_of_the_band():
    y = _sine(n=200, seed=1)
    scores = _scores(_detector(stride=8, min_context=40).fit(y), y)
    x = y.to_numpy()
    # the detector's batched call and these single calls agree to float32 tolerance, not bit for bit
    q, _ = shared_pipeline(device="cpu").predict_quantiles(x[:40], 8, quantile_levels=[0.1, 0.5, 0.9])
    np.testing.assert_allclose(scores[40:48], np.abs(x[40:48] - q[1]) / (q[2] - q[0]), rtol=1e-5, atol=1e-5)
    q, _ = shared_pipeline(device="cpu").predict_quantiles(x[::-1][:160], 8, quantile_levels=[0.1, 0.5, 0.9])
    np.testing.assert_allclose(scores[32:40][::-1], np.abs(x[::-1][160:168] - q[1]) / (q[2] - q[0]),
                               rtol=1e-5, atol=1e-5)


def test_scores_come_from_one_call_and_multivariate_takes_the_largest(monkeypatch):
    calls = []
    original = QuantilePipeline.predict_quantiles

    def counted(self, context, *args, **kwargs):
        calls.append(len(context))
        return original(self, context, *args, **kwargs)

    monkeypatch.setattr(QuantilePipeline, "predict_quantiles", counted)
    a, b = _sine(n=160, seed=2), _sine(n=160, seed=3)
    b.iloc[100] -= 3
    frame = pd.DataFrame({"a": a, "b": b})
    detector = _detector(stride=16, threshold=1.0).fit(frame)
    both = _scores(detector, frame)
    # forward windows from 32 every 16 values, backward ones covering the first 32
    assert calls == [2 * (8 + 2)]
    np.testing.assert_allclose(both, np.maximum(_scores(detector, a), _scores(detector, b)), rtol=1e-5, atol=1e-5)
    assert both.argmax() == 100


def test_thresholds():
    y = _sine(n=300, seed=4)
    scores = _scores(_detector().fit(y), y)
    fixed = _detector(threshold=0.5).fit(y)
    assert fixed.threshold_ == 0.5
    assert fixed.predict(y)["ilocs"].tolist() == np.flatnonzero(scores > 0.5).tolist()
    auto = _detector(threshold_quantile=0.9).fit(y)
    assert auto.threshold_ == pytest.approx(np.quantile(scores, 0.9))
    assert len(auto.predict(y)) == pytest.approx(0.1 * len(y), abs=2)
    for bad in (0, 1, 1.5, -0.1):
        with pytest.raises(ValueError, match="threshold_quantile must be"):
            _detector(threshold_quantile=bad).fit(y)
    for bad in (-1.0, "high", np.inf):
        with pytest.raises(ValueError, match="threshold must be"):
            _detector(threshold=bad).fit(y)


def test_short_series():
    y = _sine(n=50, seed=5)
    scores = _scores(_detector(threshold=1.0).fit(y), y)
    # forward scores from 32 on, backward ones up to 50 - 1 - 32: values 18..31 have no forecast
    assert (scores[18:32] == 0).all() and (scores[:18] > 0).all() and (scores[32:] > 0).all()
    with pytest.raises(ValueError, match="none is scored"):
        _detector().fit(y[:32])
    assert len(_detector(threshold=1.0).fit(y).predict(y[:20])) == 0


def test_missing_and_infinite_values_are_errors():
    y = _sine(n=100)
    with_nan = y.copy()
    with_nan.iloc[7] = np.nan
    with pytest.raises(ValueError, match="missing value .NaN. at position 7"):
        _detector().fit(with_nan)
    with_inf = y.copy()
    with_inf.iloc[3] = np.inf
    with pytest.raises(ValueError, match="contains inf"):
        _detector().fit(with_inf)
    fitted = _detector().fit(y)
    with pytest.raises(ValueError, match="missing value"):
        fitted.predict(with_nan)


def _spiked(n=200):
    y = np.sin(2 * np.pi * np.arange(n) / 24)
    y[150] += 2
    return y


# shifts that leave the series around zero or far from it (the model's experts adjust a season
# multiplicatively only for positive data swinging by 10% of its level or more, which a shift can create)
@pytest.mark.parametrize("a, c", [(1e-12, 0.0), (1e-9, 0.0), (1.0, 1e9), (1e6, -3e6), (1e12, 0.0), (1e12, 5e14)])
def test_scores_do_not_change_under_a_y_plus_c(a, c):
    # the band's floor was 1e-8 * (1 + |median|): at level 1e9 or amplitude 1e-9 the spike scored 0.2, not 27.
    # The spike scores ~87; its echo one season later (174, where the seasonal paths expect it again)
    # scores ~2.5, so the threshold sits between the two
    detector = _detector(stride=8, threshold=10.0)
    y = _spiked()
    reference = _scores(detector.fit(pd.Series(y)), pd.Series(y))
    x = pd.Series(a * y + c)
    scores = _scores(detector.fit(x), x)
    # the detector itself is scale-free; the model normalises each context, and a last-bit difference
    # of the normalised values may move a discrete step of it (a piece boundary), by ~0.005 here
    np.testing.assert_allclose(scores, reference, rtol=1e-3, atol=0.02)
    assert detector.predict(x)["ilocs"].tolist() == [150]


def test_a_constant_series_scores_zero_and_sets_no_threshold():
    flat = pd.Series(np.full(120, 5.0))
    # its 0.99 quantile of scores was 1.6e-6, after which a change of 0.001 flagged most points
    with pytest.raises(ValueError, match=r"threshold='auto' gives 0: the 0.99 quantile of the training scores is 0"):
        _detector().fit(flat)
    fixed = _detector(stride=8, threshold=2.5).fit(flat)
    assert (_scores(fixed, flat) == 0).all() and len(fixed.predict(flat)) == 0


def test_a_panel_is_refused_by_name():
    panel = pd.concat({f"s{i}": pd.DataFrame({"a": _sine(n=80, seed=i).to_numpy()}) for i in range(2)},
                      names=["id", "t"])
    with pytest.raises(ValueError, match="X is a panel .several instances.; SymbolicFMAnomalyDetector scores one"):
        _detector(threshold=1.0).fit(panel)
    fitted = _detector(threshold=1.0).fit(_sine(n=80))
    with pytest.raises(ValueError, match="X is a panel"):
        fitted.predict(panel)


def test_repeated_and_irregular_time_points_are_refused():
    # the forecaster's rule: the model reads regular steps
    times = pd.date_range("2020-01-01", periods=100, freq="h")
    values = _sine(n=100).to_numpy()
    repeated = pd.Series(values, index=times.insert(50, times[50])[:-1])
    with pytest.raises(ValueError, match="the time index of X repeats 2020-01-03 02:00:00"):
        _detector(threshold=1.0).fit(repeated)
    irregular = pd.Series(values, index=times.delete(40).append(pd.DatetimeIndex(["2021-01-01"])))
    with pytest.raises(ValueError, match="the time index of X has no regular frequency"):
        _detector(threshold=1.0).fit(irregular)
    fitted = _detector(threshold=1.0).fit(pd.Series(values, index=times))
    with pytest.raises(ValueError, match="no regular frequency"):
        fitted.predict_scores(irregular)
