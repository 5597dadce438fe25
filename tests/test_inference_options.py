"""A network's inference options: seasonal adjustment and the spread's calibration by a backtest."""

import numpy as np
import pytest

from sktime_symbolic.model import load_pretrained
from sktime_symbolic.model.experts import seasonal_adjustment
from sktime_symbolic.model.pipeline import MAX_ERROR_RATIO, MIN_BACKTEST_CONTEXT, QuantilePipeline

# float32 kernels round differently for other batch shapes and CPUs: about 1e-6 relative
TOL = dict(rtol=1e-4, atol=1e-4)


@pytest.fixture(scope="module")
def plain():
    """The shipped networks with every inference option off."""
    pipe = load_pretrained(device="cpu")
    for network in range(len(pipe.inference)):
        pipe = pipe.with_inference(network, seasonal_adjustment=False, spread_calibration=False)
    return pipe


def quarterly(n=40, seed=0, level=100.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return level * (1 + 0.01 * t) * (1 + 0.2 * np.tile([0.5, -1.0, 1.5, -1.0], n)[:n]) + rng.normal(0, 1, n)


def test_seasonal_adjustment_takes_out_a_season_by_ratios_or_differences():
    x = quarterly(48)
    adjusted, future, multiplicative, applied = seasonal_adjustment(x, 4, 6)
    assert applied and multiplicative
    # the adjusted series has lost its quarterly swing
    assert np.std(np.diff(adjusted)) < 0.2 * np.std(np.diff(x))
    # the future factors repeat the factors of the same quarters in the context
    factors = x / adjusted
    np.testing.assert_allclose(future[:4], factors[-4:], rtol=1e-12)
    np.testing.assert_allclose(future[4:], future[:2], rtol=1e-12)
    # around zero the season comes out by differences
    adjusted, future, multiplicative, applied = seasonal_adjustment(x - x.mean(), 4, 6)
    assert applied and not multiplicative
    np.testing.assert_allclose(future[:4], ((x - x.mean()) - adjusted)[-4:], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("case", ["noise", "too_short", "no_season"])
def test_seasonal_adjustment_leaves_a_context_without_a_season_as_it_is(case):
    rng = np.random.default_rng(1)
    x, season = {"noise": (10 + rng.normal(size=60), 4), "too_short": (quarterly(7), 4),
                 "no_season": (quarterly(48), 1)}[case]
    adjusted, future, multiplicative, applied = seasonal_adjustment(x, season, 5)
    assert not applied and not multiplicative
    np.testing.assert_array_equal(adjusted, x)
    np.testing.assert_array_equal(future, np.zeros(5))


def test_an_adjusting_network_averages_its_forecasts_of_the_context_with_and_without_its_season(plain):
    ys = [quarterly(40, seed=s) for s in range(3)] + [50 + np.random.default_rng(3).normal(size=80).cumsum()]
    seasons = [4, 4, 4, 7]
    adjusting = plain.with_inference(1, seasonal_adjustment=True)  # network 1: seasons 4 and 12
    got, _ = adjusting.predict_quantiles(ys, 10, season=seasons)
    for i in range(3):
        adjusted, future, multiplicative, applied = seasonal_adjustment(ys[i], 4, 10)
        assert applied and multiplicative
        without_season, _ = plain.predict_quantiles(adjusted, 10, season=4)
        as_it_is, _ = plain.predict_quantiles(ys[i], 10, season=4)
        np.testing.assert_allclose(got[i], (as_it_is + without_season * future) / 2, **TOL)
    # the base network (season 7) does not adjust: its series keep the plain forecast
    np.testing.assert_allclose(got[3], plain.predict_quantiles(ys[3], 10, season=7)[0], **TOL)
    # a season detected in the context is left to the network: only a told season is taken out
    np.testing.assert_allclose(adjusting.predict_quantiles(ys[0], 10)[0], plain.predict_quantiles(ys[0], 10)[0], **TOL)
    # beyond one pass of the network, both views roll forward
    long, _ = adjusting.predict_quantiles(ys[0], plain.cfg.prediction_length + 4, season=4)
    adjusted, future, _, _ = seasonal_adjustment(ys[0], 4, plain.cfg.prediction_length + 4)
    expected = (plain.predict_quantiles(ys[0], plain.cfg.prediction_length + 4, season=4)[0]
                + plain.predict_quantiles(adjusted, plain.cfg.prediction_length + 4, season=4)[0] * future) / 2
    np.testing.assert_allclose(long, expected, **TOL)
    # each series as alone, whatever the rest of the batch
    alone = np.stack([adjusting.predict_quantiles(y, 10, season=s)[0] for y, s in zip(ys, seasons)])
    np.testing.assert_allclose(got, alone, **TOL)


def expected_calibration(plain, pipe, y, h, season):
    """The calibrated quantiles of ``y`` computed by hand from ``plain``'s forecasts."""
    m = plain.median_index
    window = min(h, plain.cfg.prediction_length, len(y) - MIN_BACKTEST_CONTEXT)
    before, _ = plain.predict_quantiles(y, h, season=season)
    back, _ = plain.predict_quantiles(y[:-window], min(h, plain.cfg.prediction_length), season=season)
    error = np.nanmean(np.abs(y[-window:] - back[m, :window]))
    expected = (back[-1, :window] - back[0, :window]).mean() * pipe._error_per_spread
    factor = np.sqrt(np.clip(error / expected, 1 / MAX_ERROR_RATIO, MAX_ERROR_RATIO))
    return before[m] + factor * (before - before[m])


def test_the_spread_calibration_scales_the_spread_by_the_backtest_error(plain):
    rng = np.random.default_rng(4)
    t = np.arange(40)
    smooth = 1000 + 20 * t + rng.normal(0, 0.01, 40)   # a nearly noiseless growth curve
    short = 100 + rng.normal(size=MIN_BACKTEST_CONTEXT + 3)  # a backtest window of 3 values
    ys = [smooth, 100 + rng.normal(0, 5, 40).cumsum(), short, 100 + rng.normal(size=MIN_BACKTEST_CONTEXT)]
    h = 6
    calibrating = plain.with_inference(2, spread_calibration=True)  # network 2: season 1
    got, _ = calibrating.predict_quantiles(ys, h, season=1)
    before, _ = plain.predict_quantiles(ys, h, season=1)
    m = plain.median_index
    np.testing.assert_allclose(got[:, m], before[:, m], **TOL)  # the median stays
    for i in range(3):
        np.testing.assert_allclose(got[i], expected_calibration(plain, calibrating, ys[i], h, 1), **TOL)
        assert not np.allclose(got[i], before[i], rtol=1e-3)
    width = lambda q: (q[-1] - q[0]).mean()
    assert width(got[0]) < width(before[0])  # the smooth curve's intervals narrow
    # MIN_BACKTEST_CONTEXT values or fewer: no backtest, the spread stays
    np.testing.assert_allclose(got[3], before[3], **TOL)
    # each series as alone, whatever the rest of the batch
    alone = np.stack([calibrating.predict_quantiles(y, h, season=1)[0] for y in ys])
    np.testing.assert_allclose(got, alone, **TOL)
    # beyond one pass of the network, the backtest window is one pass
    y = 1000 + 20 * np.arange(90) + rng.normal(0, 1, 90)
    h = plain.cfg.prediction_length + 4
    long, _ = calibrating.predict_quantiles(y, h, season=1)
    np.testing.assert_allclose(long, expected_calibration(plain, calibrating, y, h, 1), **TOL)
    assert not np.allclose(long, plain.predict_quantiles(y, h, season=1)[0], rtol=1e-3)
    assert (np.diff(long, axis=0) >= 0).all()


def test_a_context_that_starts_with_gaps_is_adjusted_from_its_first_value(plain):
    y = quarterly(40)
    padded = np.concatenate((np.full(60, np.nan), y))   # a panel's shorter series, left-padded
    gappy = y.copy()
    gappy[5] = np.nan
    (adjusted, from_padded, from_gappy), (future, _, applied) = plain.seasonally_adjusted(
        [y, padded, gappy], [4, 4, 4], 10)
    assert applied.all()
    assert np.isnan(from_padded[:60]).all()
    np.testing.assert_allclose(from_padded[60:], adjusted, rtol=1e-12)
    np.testing.assert_allclose(future[1], future[0], rtol=1e-12)
    assert np.isnan(from_gappy[5]) and not np.isnan(np.delete(from_gappy, 5)).any()
    # a context longer than the model reads is adjusted over what the model reads
    long = quarterly(plain.context_length + 40)
    (cut,), _ = plain.seasonally_adjusted([long], [4], 10)
    assert cut.size == plain.context_length


def test_inference_options_travel_with_the_card(plain, tmp_path):
    pipe = plain.with_inference(1, seasonal_adjustment=True).with_inference(2, spread_calibration=True)
    pipe.save(tmp_path / "p")
    loaded = load_pretrained(tmp_path / "p", device="cpu")
    assert loaded.inference == pipe.inference
    base, monthly, yearly = loaded.split()
    assert monthly.inference == [pipe.inference[1]] and yearly.inference == [pipe.inference[2]]
    assert base.with_specialist(monthly, [4, 12]).with_specialist(yearly, [1]).inference == pipe.inference
    # the weights are shared, not copied: only the card differs
    assert loaded.with_inference(0, spread_calibration=True).model is loaded.model
    # a hand-written card that lists no specialist: setting one leaves the other as it was
    bare = QuantilePipeline(plain.model, plain.codec, device="cpu", card={"name": "hand-written"})
    one = bare.with_inference(1, seasonal_adjustment=True)
    assert one.inference[1]["seasonal_adjustment"] and not one.inference[2]["seasonal_adjustment"]


@pytest.mark.parametrize("call, match", [
    (lambda p: p.with_inference(3, seasonal_adjustment=True), "network must be"),
    (lambda p: p.with_inference(True, seasonal_adjustment=True), "network must be"),
    (lambda p: p.with_inference(0, seasonal_adjusting=True), "inference"),
    (lambda p: p.with_inference(0, spread_calibration="yes"), "inference"),
    (lambda p: QuantilePipeline(p.model, p.codec, device="cpu", card={"inference": {"spread_calibration": 1}}),
     "inference"),
])
def test_bad_inference_options_are_refused(plain, call, match):
    with pytest.raises(ValueError, match=match):
        call(plain)


def test_fine_tuning_reads_windows_as_the_networks_do(plain):
    from sktime_symbolic.model.finetune import NetworkWindows, SeriesWindows, fine_tune

    y = quarterly(60, seed=5)
    windows = SeriesWindows([y], plain.context_length, 8, seasons=4)
    adjusting = plain.with_inference(1, seasonal_adjustment=True)
    views = NetworkWindows(windows, adjusting)
    rng, raw_rng = np.random.default_rng(0), np.random.default_rng(0)
    n_adjusted = 0
    for _ in range(40):
        context, horizon, season = views(rng)
        raw_context, raw_horizon, _ = windows(raw_rng)
        raw_rng.random()  # the draw that chose the view
        assert season == 4
        if np.array_equal(context, raw_context):
            np.testing.assert_array_equal(horizon, raw_horizon)
            continue
        n_adjusted += 1
        adjusted, future, multiplicative, applied = seasonal_adjustment(raw_context, 4, 8)
        np.testing.assert_allclose(context, adjusted, rtol=1e-12)
        np.testing.assert_allclose(horizon, raw_horizon / future if multiplicative else raw_horizon - future,
                                   rtol=1e-12, atol=1e-12)
    assert 10 <= n_adjusted <= 30  # one window in two, as inference averages the two views
    # a network that asks for nothing reads every window as it is (and draws nothing more)
    plain_views, raw_rng = NetworkWindows(windows, plain), np.random.default_rng(1)
    rng = np.random.default_rng(1)
    for _ in range(5):
        context, horizon, _ = plain_views(rng)
        raw_context, raw_horizon, _ = windows(raw_rng)
        np.testing.assert_array_equal(context, raw_context)
        np.testing.assert_array_equal(horizon, raw_horizon)
    # fine-tuning keeps the inference options (they are the card's)
    tuned = fine_tune(adjusting, [y], prediction_length=8, max_steps=2, batch_size=4, season=4)
    assert tuned.inference == adjusting.inference
