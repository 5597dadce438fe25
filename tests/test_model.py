"""Tests of the symbolic foundation model (tiny config, CPU)."""

import numpy as np
import pytest
import torch

from sktime_symbolic.model import CONFIGS, SymbolicPipeline, SymbolicTransformer, load_pretrained
from sktime_symbolic.model.codec import training_batch
from sktime_symbolic.model.finetune import SeriesWindows, fine_tune
from sktime_symbolic.model.lightning_module import SymbolicLM
from sktime_symbolic.model.pretrain import pretrain

SHIPPED = "symbolic-nano"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("pretrain")
    pipe, losses = pretrain("tiny", max_steps=20, out=out, batch_size=8, lr=3e-3, tokenizer_series=80, progress=False,
                            checkpoint_every=10)
    return pipe, losses, out


@pytest.fixture
def series():
    t = np.arange(150, dtype=np.float64)
    return [10 + np.sin(t / 3), 5 * np.cos(t[:90] / 7) - 2, np.linspace(0, 3, 120) + 0.1 * np.sin(t[:120])]


def test_pretraining_lowers_loss_and_writes_artifacts(trained):
    _, losses, out = trained
    assert len(losses) == 20
    assert losses[-5:].mean() < losses[:5].mean() - 0.05
    for name in ("loss.csv", "loss.png", "tokenizer.npz", "checkpoints/last.ckpt", "pipeline/model.safetensors"):
        assert (out / name).is_file(), name


def test_pretraining_is_deterministic_and_resumable(tmp_path):
    kwargs = dict(max_steps=4, batch_size=4, lr=3e-3, tokenizer_series=40, progress=False)
    _, full = pretrain("tiny", out=tmp_path / "a", **kwargs)
    # the same run cut in two chunks: batches and schedule continue where the checkpoint left off
    _, first = pretrain("tiny", out=tmp_path / "b", stop_at_step=2, **kwargs)
    np.testing.assert_allclose(first, full[:2], rtol=1e-5)
    _, resumed = pretrain("tiny", out=tmp_path / "b", resume=True, **kwargs)
    np.testing.assert_allclose(resumed[-2:], full[2:], rtol=1e-5)


def test_save_load_round_trip_gives_identical_forecasts(trained, series, tmp_path):
    pipe = trained[0]
    pipe.save(tmp_path / "p")
    again = SymbolicPipeline.from_pretrained(tmp_path / "p", device="cpu")
    a = pipe.forecast(series, 20, num_samples=6, seed=3)
    b = again.forecast(series, 20, num_samples=6, seed=3)
    assert a.shape == (3, 6, 20) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)


def test_state_round_trip_gives_identical_forecasts(trained, series):
    import pickle

    pipe = trained[0]
    again = SymbolicPipeline.from_state(pickle.loads(pickle.dumps(pipe.to_state())), device="cpu")
    assert again.model is not pipe.model
    np.testing.assert_array_equal(pipe.forecast(series, 9, num_samples=3, seed=1),
                                  again.forecast(series, 9, num_samples=3, seed=1))


def test_quantiles_are_monotone_and_horizon_beyond_training(trained, series):
    pipe = trained[0]
    h = 3 * CONFIGS["tiny"].prediction_length  # longer than trained: sampled paths continue
    q, mean = pipe.predict_quantiles(series, h, num_samples=8)
    assert q.shape == (3, 9, h) and mean.shape == (3, h)
    assert np.isfinite(q).all()
    assert (np.diff(q, axis=1) >= 0).all()


def test_same_seed_same_forecast_regardless_of_batch(trained, series):
    pipe = trained[0]
    alone = pipe.forecast(series[1], 15, num_samples=5, seed=7)
    in_batch = pipe.forecast(series, 15, num_samples=5, seed=7, batch_size=3)[1]
    reordered = pipe.forecast(series[::-1], 15, num_samples=5, seed=7, batch_size=2)[1]
    np.testing.assert_allclose(alone, in_batch, rtol=1e-9)
    np.testing.assert_allclose(alone, reordered, rtol=1e-9)
    assert not np.array_equal(alone, pipe.forecast(series[1], 15, num_samples=5, seed=8))


def test_shorter_horizon_paths_are_the_start_of_longer_ones(trained, series):
    # what lets a ragged panel share one horizon and still match each series' own forecast
    pipe = trained[0]
    short = pipe.forecast(series, 4, num_samples=5, seed=2)
    long = pipe.forecast(series, 25, num_samples=5, seed=2)
    np.testing.assert_allclose(short, long[..., :4], rtol=1e-9)


def test_progress_bar_reports_batches_and_changes_nothing(trained, series, capsys):
    pipe = trained[0]
    quiet = pipe.forecast(series, 5, num_samples=2, batch_size=2)
    shown = pipe.forecast(series, 5, num_samples=2, batch_size=2, progress=True)
    err = capsys.readouterr().err
    assert "forecast" in err and "2/2" in err
    np.testing.assert_array_equal(quiet, shown)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        pipe.embed(series, batch_size=0)


def test_plot_forecast_draws_median_and_intervals(trained, series):
    import matplotlib

    from sktime_symbolic.model.plotting import plot_forecast

    matplotlib.use("Agg")
    pipe = trained[0]
    ax = pipe.plot_forecast(series[0], 12, num_samples=6, actual=np.zeros(12))
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["history", "median", "actual"] and len(ax.collections) == 2
    q, _ = pipe.predict_quantiles(series[0], 12, quantile_levels=[0.5], num_samples=6)
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), q[0])
    with pytest.raises(ValueError, match="one series"):
        pipe.plot_forecast(series, 12)
    with pytest.raises(ValueError, match="must include 0.5"):
        plot_forecast(np.ones(5), np.ones((2, 3)), levels=[0.1, 0.9])


def test_nan_in_context_becomes_mask(trained, series):
    pipe = trained[0]
    x = series[0].copy()
    x[40:55] = np.nan
    prompts, _, _ = pipe.encode_contexts([x])
    assert (prompts[0] == 2).sum() == 15  # MASK tokens, one per missing value
    out = pipe.forecast(x, 10, num_samples=4)
    assert np.isfinite(out).all()


def test_short_context_still_forecasts(trained):
    pipe = trained[0]
    out = pipe.forecast(np.array([3.0]), 7, num_samples=4)
    assert out.shape == (4, 7) and np.isfinite(out).all()


def test_embed_shapes(trained, series):
    pipe = trained[0]
    emb = pipe.embed(series)
    assert emb.shape == (3, CONFIGS["tiny"].d_model) and np.isfinite(emb).all()
    np.testing.assert_allclose(pipe.embed(series[2]), emb[2], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("bad, match", [
    (np.array([1.0, np.inf]), "inf"), (np.array([]), "empty"), (np.array([np.nan, np.nan]), "all NaN"),
    (np.array(["a", "b"]), "numbers"),
])
def test_bad_context_raises(trained, bad, match):
    with pytest.raises(ValueError, match=match):
        trained[0].forecast(bad, 5)


def test_bad_sampling_parameters_raise(trained, series):
    with pytest.raises(ValueError, match="temperature"):
        trained[0].forecast(series, 5, temperature=0)
    with pytest.raises(ValueError, match="top_k"):
        trained[0].forecast(series, 5, top_k=0)


def test_kv_cache_matches_full_forward():
    torch.manual_seed(0)
    model = SymbolicTransformer(CONFIGS["tiny"].replace(vocab_size=30)).eval()
    tokens = torch.randint(3, 30, (2, 12))
    full = model(tokens)
    cache = model.new_cache()
    steps = [model(tokens[:, :8], None, cache)[:, -1]]
    for t in range(8, 12):
        steps.append(model(tokens[:, t:t + 1], None, cache)[:, -1])
    torch.testing.assert_close(torch.stack(steps[:-1], 1), full[:, 7:11], rtol=1e-4, atol=1e-5)


def test_load_pretrained_shipped_weights():
    pipe = load_pretrained(SHIPPED, device="cpu")
    assert pipe.card["data"].startswith("synthetic only")
    out = pipe.forecast(np.sin(np.arange(100) / 5), 12, num_samples=3)
    assert out.shape == (3, 12) and np.isfinite(out).all()


def test_corrupt_or_mismatched_files_raise(trained, tmp_path):
    trained[0].save(tmp_path / "p")
    (tmp_path / "p" / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match="model.safetensors is corrupt"):
        SymbolicPipeline.from_pretrained(tmp_path / "p")
    trained[0].save(tmp_path / "q")
    (tmp_path / "q" / "tokenizer.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="tokenizer.npz is corrupt"):
        SymbolicPipeline.from_pretrained(tmp_path / "q")
    with pytest.raises(ValueError, match="unknown model"):
        load_pretrained("no-such-model")


def test_fine_tuning_fits_the_given_series_and_leaves_the_pipeline_alone():
    pipe = load_pretrained(SHIPPED, device="cpu")
    before = {k: v.clone() for k, v in pipe.model.state_dict().items()}
    y = 10 + 3 * np.sin(2 * np.pi * np.arange(600) / 24)
    windows = SeriesWindows([y], pipe.cfg.context_length, lambda c, h: training_batch(pipe.cfg, pipe.tokenizer, c, h),
                            24, batch_size=16, seed=1)
    held_out = windows.batch(10_000)

    def window_loss(p):
        with torch.no_grad():
            return float(SymbolicLM.from_pipeline(p).loss(held_out))

    tuned = fine_tune(pipe, y, prediction_length=24, max_steps=30, lr=1e-3, batch_size=16, seed=0)
    again = fine_tune(pipe, y, prediction_length=24, max_steps=30, lr=1e-3, batch_size=16, seed=0)
    assert window_loss(tuned) < window_loss(pipe) - 0.5
    for k, v in pipe.model.state_dict().items():
        assert torch.equal(v, before[k])
        assert torch.equal(tuned.model.state_dict()[k], again.model.state_dict()[k])
    assert tuned.card["fine_tuning"]["steps"] == 30


def test_fine_tuning_rejects_series_too_short_for_a_window():
    pipe = load_pretrained(SHIPPED, device="cpu")
    with pytest.raises(ValueError, match="long enough"):
        fine_tune(pipe, [np.arange(20.0)], prediction_length=24, max_steps=1)
    with pytest.raises(ValueError, match="max_steps"):
        fine_tune(pipe, np.arange(100.0), prediction_length=24, max_steps=0)
