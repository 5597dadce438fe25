"""The season input: season lengths, statistical experts, the season-aware codec and model, the adapters."""

import numpy as np
import pandas as pd
import pytest
import torch

from sktime_symbolic.model import load_pretrained
from sktime_symbolic.model.experts import (
    N_EXPERTS,
    N_SEASON_FEATURES,
    batch_statistical_experts,
    check_seasons,
    detect_season,
    season_length,
    statistical_experts,
)
from sktime_symbolic.model.finetune import SeriesWindows
from sktime_symbolic.model.codec import codec_from_config
from sktime_symbolic.model.encoder import QuantileEncoder
from sktime_symbolic.model.pipeline import QuantilePipeline
from sktime_symbolic.model.pretrain import QuantileLM, PoolWindows, WindowStream, batch_maker
from sktime_symbolic.synthetic import CalendarSeasonal, ShortHistories

SEASONAL_NAIVE, SEASONAL_DRIFT, SES, DAMPED, THETA, DETECTED = range(N_EXPERTS)


def seasonal(n, period, trend=0.0, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10 + trend * t + 3 * np.sin(2 * np.pi * t / period) + np.cos(4 * np.pi * t / period) \
        + noise * rng.standard_normal(n)


@pytest.fixture(scope="module")
def season_pipeline():
    """The shipped base network's weights with the season input and the experts added (new layers silent)."""
    base = load_pretrained(device="cpu").split()[0]
    cfg = base.cfg.replace(season_input=True, expert_paths=N_EXPERTS)
    model = QuantileLM.from_pipeline(base, cfg).model
    codec = codec_from_config({**base.codec.config(), "season_aware": True}, base.codec.state())
    return QuantilePipeline(model, codec, device="cpu")


@pytest.mark.parametrize("freq, season", [("M", 12), ("MS", 12), ("Q-DEC", 4), ("h", 24), ("D", 7), ("W-SUN", 52),
                                          ("Y", 1), ("2h", 12), ("5h", 1), (None, 0), ("not a freq", 0),
                                          # sub-hourly steps: the day, as GluonTS; the hour when the day is too long
                                          ("30min", 48), ("15min", 96), ("7min", 1), ("min", 60), ("s", 60),
                                          ("10s", 360)])
def test_season_length_is_the_calendar_cycle_of_the_frequency(freq, season):
    assert season_length(freq) == season


def test_seasons_are_checked_and_broadcast():
    assert check_seasons(None, 3).tolist() == [0, 0, 0]
    assert check_seasons(12, 2).tolist() == [12, 12]
    assert check_seasons([4, None], 2).tolist() == [4, 0]
    for bad, message in [(-1, "non-negative integer"), (2.5, "non-negative integer"), (True, "non-negative integer"),
                         ([4, 4, 4], "3 values for 2 series")]:
        with pytest.raises(ValueError, match=message):
            check_seasons(bad, 2)


def test_season_is_detected_from_the_autocorrelation():
    assert detect_season(seasonal(200, 12)) == 12
    assert detect_season(seasonal(300, 24, trend=0.05, noise=0.3)) == 24
    assert detect_season(np.random.default_rng(0).standard_normal(200)) == 1
    assert detect_season(np.arange(5.0)) == 1


def test_seasonal_naive_repeats_a_clean_season_and_scores_best():
    y = seasonal(132, 12)
    paths, skill, features, season = statistical_experts(y[:120], 12, 12, 0.0)
    assert season == 12 and paths.shape == (N_EXPERTS, 12) and features.shape == (N_SEASON_FEATURES,)
    np.testing.assert_allclose(paths[SEASONAL_NAIVE], y[120:], atol=1e-9)
    assert skill[SEASONAL_NAIVE] == skill.max()
    assert features[5] == 1.0  # the season passed the test, so the smoothers see adjusted data
    # unknown season: the detected one is used, and told as such
    assert statistical_experts(y[:120], 0, 12, 0.0)[3] == 12


def test_trend_experts_continue_a_line_and_a_multiplicative_season_is_read_as_one():
    line = 3.0 + 0.5 * np.arange(60)
    paths, _, _, _ = statistical_experts(line, 1, 6, 0.0)
    future = 3.0 + 0.5 * np.arange(60, 66)
    for expert in (SEASONAL_DRIFT, DAMPED):
        np.testing.assert_allclose(paths[expert], future, rtol=0.02)
    np.testing.assert_allclose(paths[SES], line[-1], atol=0.5)
    # a season whose swing grows with the level (the airline shape), positive
    t = np.arange(144)
    y = (100 + 2 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12))
    _, _, features, _ = statistical_experts((y - 200) / 50, 12, 12, 200 / 50)
    assert features[4] == 1.0
    # the same shape around zero cannot be multiplicative, nor far from zero (a swing under 10% of
    # the level), where the additive fit keeps the forecast of y + c that of y
    for offset in (-10.0, 1e9):
        _, _, features, _ = statistical_experts((y - 200) / 50, 12, 12, offset)
        assert features[4] == 0.0


def test_batched_experts_are_each_series_own():
    series = [seasonal(120, 12), seasonal(14, 4, trend=0.3), np.arange(50.0)]
    offsets = np.concatenate(([0], np.cumsum([len(x) for x in series])))
    paths, skill, features, used = batch_statistical_experts(np.concatenate(series), offsets,
                                                             np.array([12, 4, 0]), 8, np.array([0.0, 1.0, 2.0]))
    for i, x in enumerate(series):
        alone = statistical_experts(x, [12, 4, 0][i], 8, [0.0, 1.0, 2.0][i])
        for batched, single in zip((paths[i], skill[i], features[i], used[i]), alone):
            np.testing.assert_allclose(batched, single, rtol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 5, 14, 30])
def test_experts_of_short_histories_are_finite(n):
    y = seasonal(n, 4, trend=0.1)
    paths, skill, features, _ = statistical_experts(y, 4, 8, 0.0)
    assert np.isfinite(paths).all() and np.isfinite(skill).all() and np.isfinite(features).all()


def test_season_aware_codec_gives_short_histories_short_tokens_and_phases(season_pipeline):
    codec = season_pipeline.codec
    quarterly = seasonal(40, 4, trend=0.2)
    plain = codec_from_config({**codec.config(), "season_aware": False}, codec.state())
    assert plain.encode([quarterly])["valid"].sum() <= 3
    tokens = codec.encode([quarterly, seasonal(300, 1)], copy_length=8, seasons=[4, 1])
    assert tokens["valid"][0].sum() >= 5
    assert tokens["experts"].shape == (2, N_EXPERTS, 8) and tokens["expert_skill"].shape == (2, N_EXPERTS)
    assert tokens["season"].tolist() == [4, 1]
    # a token ending k steps before the origin sits at phase k mod 4; no season, no phase
    lags = tokens["lags"][0][tokens["valid"][0]] - 1
    angle = 2 * np.pi * (lags % 4) / 4
    np.testing.assert_allclose(tokens["phase"][0][tokens["valid"][0]], np.stack((np.sin(angle), np.cos(angle)), 1),
                               atol=1e-6)
    assert not tokens["phase"][1].any()


def test_the_gate_can_follow_an_expert_exactly(season_pipeline):
    # a model whose head adds nothing and whose gate trusts only seasonal naive forecasts it exactly
    model = QuantileEncoder(season_pipeline.cfg)
    model.load_state_dict(season_pipeline.model.state_dict())
    h, e = model.cfg.prediction_length, model.cfg.expert_paths
    with torch.no_grad():
        for layer in (model.head.hidden[-1], model.head.skip):
            layer.weight.zero_(), layer.bias.zero_()
        model.copy_gate.weight.zero_(), model.expert_gate.weight.zero_()
        model.copy_gate.bias.fill_(-50.0)
        model.expert_gate.bias.fill_(-50.0)
        model.expert_gate.bias.view(e, h)[SEASONAL_NAIVE] = 50.0
    pipe = QuantilePipeline(model, season_pipeline.codec, device="cpu")
    y = seasonal(100, 4, noise=0.2, seed=3)
    quantiles, _ = pipe.predict_quantiles(y, 8, season=4)
    np.testing.assert_allclose(quantiles[4], np.tile(y[-4:], 2), rtol=1e-5, atol=1e-5)


def test_a_season_aware_model_needs_a_season_aware_codec(season_pipeline):
    plain = codec_from_config({**season_pipeline.codec.config(), "season_aware": False},
                              season_pipeline.codec.state())
    with pytest.raises(ValueError, match="not season-aware"):
        QuantilePipeline(season_pipeline.model, plain, device="cpu")


def test_saved_season_aware_pipeline_round_trips(season_pipeline, tmp_path):
    season_pipeline.save(tmp_path / "p")
    again = load_pretrained(tmp_path / "p", device="cpu")
    assert again.cfg == season_pipeline.cfg and again.codec.season_aware
    y = seasonal(90, 12, trend=0.1)
    np.testing.assert_allclose(again.predict_quantiles(y, 12, season=12)[0],
                               season_pipeline.predict_quantiles(y, 12, season=12)[0], rtol=1e-5, atol=1e-6)


def test_calendar_series_are_a_function_of_seed_and_index():
    gen = CalendarSeasonal(length=200)
    series, seasons = gen.generate_with_seasons([5, 9, 2], seed=3)
    again, again_seasons = gen.generate_with_seasons([2], seed=3)
    np.testing.assert_array_equal(again[0], series[2])
    assert again_seasons[0] == seasons[2]
    _, many = gen.generate_with_seasons(np.arange(300), seed=0)
    assert set(many.tolist()) == {1, 4, 7, 12, 24, 52}
    assert np.isfinite(gen.generate(50, seed=1)).all()
    with pytest.raises(ValueError, match="length"):
        CalendarSeasonal(length=1)


def test_training_windows_carry_calendar_seasons_and_short_histories(season_pipeline):
    calendar = CalendarSeasonal(length=200).generate_with_seasons(np.arange(50), seed=0)
    pool = np.random.default_rng(0).standard_normal((20, 200)).astype(np.float32)
    windows = PoolWindows(pool, 128, 16, calendar=calendar, calendar_prob=0.5, short_prob=0.5)
    draws = [windows(np.random.default_rng(i)) for i in range(200)]
    told = [w[2] for w in draws]
    assert 0 in told and set(told) - {0}
    assert any(len(w[0]) <= 60 for w in draws) and all(len(w[1]) == 16 for w in draws)
    batch = WindowStream(windows, batch_maker(season_pipeline.codec, season_pipeline.cfg), 4, seed=0).batch(0)
    assert batch["experts"].shape[:2] == (4, N_EXPERTS) and batch["phase"].shape[-1] == 2
    with pytest.raises(ValueError, match="calendar pool"):
        PoolWindows(pool, 128, 16, calendar_prob=0.5)
    # season noise: main-pool windows (season unknown) are told calendar seasons too
    noisy = PoolWindows(pool, 128, 16, season_noise_prob=0.5)
    assert set(noisy(np.random.default_rng(i))[2] for i in range(100)) - {0}
    # fine-tuning windows carry the season of their series
    user = SeriesWindows([seasonal(100, 4), seasonal(200, 12)], 64, 8, seasons=[4, 12])
    assert {(len(w[0]) <= 64, w[2] in (4, 12)) for w in (user(np.random.default_rng(i)) for i in range(20))} == {
        (True, True)}


def test_short_histories_are_whole_series_with_their_own_trend(season_pipeline):
    gen = ShortHistories()
    series, n_context, seasons = gen.generate_histories(np.arange(400), seed=0)
    again, again_n, again_seasons = gen.generate_histories([7], seed=0)
    np.testing.assert_array_equal(again[0], series[7])
    assert (again_n[0], again_seasons[0]) == (n_context[7], seasons[7])
    assert set(seasons.tolist()) == {1, 4, 12} and n_context.min() >= 10 and n_context.max() <= 60
    ends = (~np.isnan(series)).sum(axis=1)
    horizons = ends - n_context
    assert (horizons >= 4).all() and (horizons <= 0.6 * n_context + 4).all()
    assert all(np.isfinite(row[:end]).all() for row, end in zip(series, ends))
    # a whole history is drawn at its own length: its trend spans the context, so the context's
    # ends differ by more than its step noise far more often than in a sliver of a long series
    assert np.median([abs(row[n - 1] - row[0]) / max(np.std(np.diff(row[:n])), 1e-12)
                      for row, n in zip(series, n_context)]) > 1.0
    with pytest.raises(ValueError, match="context_range"):
        ShortHistories(context_range=(20, 10))
    with pytest.raises(ValueError, match="seasons"):
        CalendarSeasonal(length=50, seasons=((5, 1.0),))
    # training windows: the context is the history, the horizon its own (NaN after it carries no loss)
    pool = np.random.default_rng(0).standard_normal((20, 200)).astype(np.float32)
    windows = PoolWindows(pool, 128, 16, histories=(series, n_context, seasons), history_prob=1.0)
    draws = [windows(np.random.default_rng(i)) for i in range(50)]
    assert all(10 <= len(c) <= 60 and len(h) == 16 for c, h, _ in draws)
    assert any(np.isnan(h).any() for _, h, _ in draws) and {s for *_, s in draws} <= {0, 1, 4, 12}
    batch = WindowStream(windows, batch_maker(season_pipeline.codec, season_pipeline.cfg), 8, seed=0).batch(0)
    assert not batch["observed"].all() and batch["observed"][:, :4].all()
    with pytest.raises(ValueError, match="short histories"):
        PoolWindows(pool, 128, 16, history_prob=0.5)


def test_adapters_tell_the_model_the_season_of_the_frequency(season_pipeline, monkeypatch):
    from sktime.datasets import load_airline

    from gluonts_symbolic import SymbolicFMPredictor
    from sktime_symbolic.forecasting import SymbolicFMForecaster

    told = []
    original = QuantilePipeline.predict_quantiles

    def spy(self, context, prediction_length, *args, season=None, **kwargs):
        told.append(np.atleast_1d(season).tolist())
        return original(self, context, prediction_length, *args, season=season, **kwargs)

    monkeypatch.setattr(QuantilePipeline, "predict_quantiles", spy)
    y = load_airline()
    SymbolicFMForecaster().fit(y, fh=[1, 2]).predict()
    SymbolicFMForecaster(sp=6).fit(y, fh=[1, 2]).predict()
    SymbolicFMForecaster().fit(pd.Series(y.to_numpy()), fh=[1, 2]).predict()  # integer index: detect
    entry = {"start": pd.Period("2020-01-01", "Q"), "target": seasonal(40, 4)}
    list(SymbolicFMPredictor(prediction_length=4, pipeline=season_pipeline, device="cpu").predict([entry]))
    assert told == [[12], [6], [0], [4]]
    with pytest.raises(ValueError, match="sp must be a positive integer"):
        SymbolicFMForecaster(sp=0).fit(y, fh=[1])


def test_trend_breaks_make_the_horizon_depart_from_the_context_trend():
    def departure(gen):
        # share of histories whose horizon ends more than 3 residual spreads off the context's fitted line
        series, n_context, _ = gen.generate_histories(np.arange(300), seed=0)
        out = []
        for row, n in zip(series, n_context):
            end = int((~np.isnan(row)).sum())
            t = np.arange(end)
            slope, intercept = np.polyfit(t[:n], row[:n], 1)
            spread = max(np.std(row[:n] - (slope * t[:n] + intercept)), 1e-12)
            out.append(abs(row[end - 1] - (slope * (end - 1) + intercept)) > 3 * spread)
        return np.mean(out)

    assert departure(ShortHistories(trend_break_prob=1.0)) > 1.5 * departure(ShortHistories())
    # no breaks asked for: the series the generators gave before the option existed (values taken from them)
    np.testing.assert_allclose(CalendarSeasonal(length=80).generate_at([3], seed=1)[0][[0, 40, 79]],
                               [20.96861441, -33.07266341, -18.88236405], rtol=1e-7)
    series, n_context, seasons = ShortHistories().generate_histories([5], seed=1)
    assert (n_context[0], seasons[0]) == (20, 12)
    np.testing.assert_allclose(series[0][[0, 19]], [125.05449484, 127.05588619], rtol=1e-7)
    for bad in (-0.1, 1.5, True, "0.5"):
        with pytest.raises(ValueError, match="trend_break_prob"):
            CalendarSeasonal(length=80, trend_break_prob=bad)
        with pytest.raises(ValueError, match="trend_break_prob"):
            ShortHistories(trend_break_prob=bad)


def test_smooth_histories_are_growth_curves_with_little_noise():
    def roughness(gen):
        # median over non-seasonal histories of the spread of second differences relative to the first
        series, n_context, seasons = gen.generate_histories(np.arange(300), seed=0)
        out = [np.std(np.diff(row[:n], 2)) / max(np.mean(np.abs(np.diff(row[:n]))), 1e-12)
               for row, n, s in zip(series, n_context, seasons) if s == 1]
        return np.median(out)

    assert roughness(ShortHistories(smooth_prob=1.0)) < 0.2 * roughness(ShortHistories())
    # not asked for: the series the generator gave before the option existed (values taken from it)
    series, n_context, seasons = ShortHistories(trend_break_prob=0.5).generate_histories([7], seed=2)
    assert (n_context[0], seasons[0]) == (60, 12)
    np.testing.assert_allclose(series[0][[0, 59, 61]], [-253.17382622, -3.25259946, 175.04277124], rtol=1e-7)
    for bad in (-0.1, 1.5, True):
        with pytest.raises(ValueError, match="smooth_prob"):
            CalendarSeasonal(length=80, smooth_prob=bad)
        with pytest.raises(ValueError, match="smooth_prob"):
            ShortHistories(smooth_prob=bad)
