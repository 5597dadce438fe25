"""The shipped model (symbolic-piece) through the pipeline API: loading, forecasts, errors, fine-tuning."""

import numpy as np
import pytest
import torch

from sktime_symbolic.model import (
    DEFAULT_MODEL,
    QuantilePipeline,
    available_models,
    load_pretrained,
    shared_pipeline,
)
from sktime_symbolic.model._adapters import forecast_quantiles, pipeline_from_state
from sktime_symbolic.model.finetune import SeriesWindows, fine_tune
from sktime_symbolic.model.pretrain import QuantileLM, WindowStream, training_batch


@pytest.fixture(scope="module")
def pipe():
    return load_pretrained(DEFAULT_MODEL, device="cpu")


@pytest.fixture
def series():
    t = np.arange(150, dtype=np.float64)
    return [10 + np.sin(t / 3), 5 * np.cos(t[:90] / 7) - 2, np.linspace(0, 3, 120) + 0.1 * np.sin(t[:120])]


def test_the_shipped_model_is_the_default_quantile_pipeline(pipe):
    assert available_models() == [DEFAULT_MODEL]
    assert isinstance(pipe, QuantilePipeline)
    assert pipe.card["name"] == DEFAULT_MODEL and pipe.card["data"].startswith("synthetic only")
    out = pipe.forecast(np.sin(np.arange(100) / 5), 12, num_samples=3)
    assert out.shape == (3, 12) and np.isfinite(out).all()


def test_unknown_names_and_other_directories_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown model 'no-such-model'"):
        load_pretrained("no-such-model")
    with pytest.raises(ValueError, match="name must be a string or path"):
        load_pretrained(3)
    # a directory without the files of a saved QuantilePipeline, e.g. another model's weights
    (tmp_path / "model_card.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"")
    (tmp_path / "tokenizer.npz").write_bytes(b"")
    with pytest.raises(ValueError, match="lacks codec.npz; not a saved QuantilePipeline"):
        load_pretrained(tmp_path)
    with pytest.raises(ValueError, match="not the state of a QuantilePipeline"):
        pipeline_from_state({"config": {}, "tokenizer": None, "weights": {}})


def test_shared_pipeline_is_loaded_once_per_name_and_device(pipe, tmp_path):
    assert shared_pipeline(DEFAULT_MODEL, "cpu") is shared_pipeline(device="cpu")
    pipe.save(tmp_path / "copy")
    saved = shared_pipeline(tmp_path / "copy", "cpu")
    assert saved is shared_pipeline(str(tmp_path / "copy"), "cpu") and saved is not shared_pipeline(device="cpu")


def test_quantiles_are_monotone_and_horizon_beyond_training(pipe, series):
    h = 2 * pipe.cfg.prediction_length + 5  # longer than one forward pass: the median rolls forward
    q, mean = pipe.predict_quantiles(series, h)
    assert q.shape == (3, 9, h) and mean.shape == (3, h)
    assert np.isfinite(q).all()
    assert (np.diff(q, axis=1) >= 0).all()


def test_shorter_horizon_quantiles_are_the_start_of_longer_ones(pipe, series):
    # what lets a ragged panel share one horizon and still match each series' own forecast
    short, _ = pipe.predict_quantiles(series, 4)
    long, _ = pipe.predict_quantiles(series, 25)
    np.testing.assert_array_equal(short, long[..., :4])


def test_same_seed_same_forecast_regardless_of_batch(pipe, series):
    alone = pipe.forecast(series[1], 15, num_samples=5, seed=7)
    in_batch = pipe.forecast(series, 15, num_samples=5, seed=7, batch_size=3)[1]
    reordered = pipe.forecast(series[::-1], 15, num_samples=5, seed=7, batch_size=2)[1]
    # float32 kernels may round differently with the batch shape: equal to float32 tolerance
    spread = np.ptp(alone)
    np.testing.assert_allclose(in_batch, alone, rtol=1e-5, atol=1e-6 * spread)
    np.testing.assert_allclose(reordered, alone, rtol=1e-5, atol=1e-6 * spread)
    assert not np.array_equal(alone, pipe.forecast(series[1], 15, num_samples=5, seed=8))


def test_adapters_return_quantiles_in_the_order_asked(pipe, series):
    q, mean = forecast_quantiles(pipe, series, 6, [0.9, 0.1, 0.5], batch_size=2)
    ref, ref_mean = pipe.predict_quantiles(series, 6, quantile_levels=[0.1, 0.5, 0.9])
    # batches of 2 and of all three: equal to float32 tolerance
    atol = 1e-6 * np.ptp(ref)
    np.testing.assert_allclose(q, ref[:, [2, 0, 1]], rtol=1e-5, atol=atol)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-5, atol=atol)


def test_progress_bar_reports_batches_and_changes_nothing(pipe, series, capsys):
    quiet = pipe.predict_quantiles(series, 5, batch_size=2)[0]
    shown = pipe.predict_quantiles(series, 5, batch_size=2, progress=True)[0]
    err = capsys.readouterr().err
    assert "forecast" in err and "2/2" in err
    np.testing.assert_array_equal(quiet, shown)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        pipe.embed(series, batch_size=0)


def test_plot_forecast_draws_median_and_intervals(pipe, series):
    import matplotlib

    from sktime_symbolic.model.plotting import plot_forecast

    matplotlib.use("Agg")
    ax = pipe.plot_forecast(series[0], 12, actual=np.zeros(12))
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["history", "median", "actual"] and len(ax.collections) == 2
    q, _ = pipe.predict_quantiles(series[0], 12, quantile_levels=[0.5])
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), q[0])
    with pytest.raises(ValueError, match="one series"):
        pipe.plot_forecast(series, 12)
    with pytest.raises(ValueError, match="must include 0.5"):
        plot_forecast(np.ones(5), np.ones((2, 3)), levels=[0.1, 0.9])


def test_missing_values_and_a_short_context_still_forecast(pipe, series):
    x = series[0].copy()
    x[40:55] = np.nan
    assert np.isfinite(pipe.forecast(x, 10, num_samples=4)).all()
    out = pipe.forecast(np.array([3.0]), 7, num_samples=4)
    assert out.shape == (4, 7) and np.isfinite(out).all()


def test_embed_shapes(pipe, series):
    emb = pipe.embed(series)
    assert emb.shape == (3, pipe.cfg.d_model) and np.isfinite(emb).all()
    np.testing.assert_allclose(pipe.embed(series[2]), emb[2], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("bad, match", [
    (np.array([1.0, np.inf]), "inf"), (np.array([]), "empty"), (np.array([np.nan, np.nan]), "all NaN"),
    (np.array(["a", "b"]), "numbers"),
])
def test_bad_context_raises(pipe, bad, match):
    with pytest.raises(ValueError, match=match):
        pipe.forecast(bad, 5)


def test_bad_forecast_parameters_raise(pipe, series):
    with pytest.raises(ValueError, match="num_samples must be a positive integer"):
        pipe.forecast(series, 5, num_samples=0)
    with pytest.raises(ValueError, match="prediction_length must be a positive integer"):
        pipe.predict_quantiles(series, 0)
    with pytest.raises(ValueError, match="quantile_levels"):
        pipe.predict_quantiles(series, 5, quantile_levels=[0.0, 0.5])


def test_fine_tuning_fits_the_given_series_is_seeded_and_leaves_the_pipeline_alone(pipe):
    before = {k: v.clone() for k, v in pipe.model.state_dict().items()}
    # a sawtooth whose level alternates between teeth: a shape the zero-shot model does not
    # forecast well (a clean sine it already forecasts almost exactly)
    t = np.arange(600)
    y = (t % 37) / 37 * 5 + np.where((t // 37) % 2 == 0, 0.0, 2.0)
    h = pipe.cfg.prediction_length
    windows = WindowStream(SeriesWindows([y], pipe.context_length, h),
                           lambda c, x, seasons=None: training_batch(pipe.codec, c, x, h, pipe.cfg, seasons), batch_size=16, seed=1)
    held_out = windows.batch(10_000)

    def window_loss(p):
        with torch.no_grad():
            return float(QuantileLM.from_pipeline(p).loss(held_out))

    tuned = fine_tune(pipe, y, max_steps=8, lr=1e-3, batch_size=8, seed=0)
    again = fine_tune(pipe, y, max_steps=8, lr=1e-3, batch_size=8, seed=0)
    assert window_loss(tuned) < window_loss(pipe)
    for k, v in pipe.model.state_dict().items():
        assert torch.equal(v, before[k])
        assert torch.equal(tuned.model.state_dict()[k], again.model.state_dict()[k])
    assert tuned.card["fine_tuning"]["steps"] == 8 and tuned.codec is pipe.codec


def test_fine_tuning_rejects_bad_input(pipe):
    with pytest.raises(ValueError, match="long enough"):
        fine_tune(pipe, [np.arange(20.0)], prediction_length=24, max_steps=1)
    with pytest.raises(ValueError, match="max_steps"):
        fine_tune(pipe, np.arange(100.0), prediction_length=24, max_steps=0)
    with pytest.raises(ValueError, match="pipeline must be a QuantilePipeline"):
        fine_tune("symbolic-piece", np.arange(100.0), max_steps=1)
