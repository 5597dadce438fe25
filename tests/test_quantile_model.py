"""The quantile encoder over ABBA pieces: codec, scaling on any scale, persistence, fine-tuning."""

import json

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sktime_symbolic.model import load_pretrained
from sktime_symbolic.model.finetune import fine_tune
from sktime_symbolic.model.codec import PatchCodec, PieceCodec, merge_short_pieces, robust_loc_scale
from sktime_symbolic.model.encoder import QuantileConfig, QuantileEncoder
from sktime_symbolic.model.pipeline import QuantilePipeline
from sktime_symbolic.model.pretrain import QuantileLM, make_pool, training_batch

B = np.sin(np.arange(300) / 5)


@pytest.fixture(scope="module")
def pipeline():
    pool = make_pool(64, seed=0, stream=9, length=160, progress=False)
    codec = PieceCodec(tol=0.3, min_len=4, max_len=16, n_symbols=8, n_resample=8, context_length=128)
    codec.fit([x.astype(np.float64) for x in pool])
    torch.manual_seed(0)
    cfg = QuantileConfig(n_features=codec.n_features, n_symbols=codec.n_symbols, max_position=codec.max_position,
                         d_model=16, n_layers=1, n_heads=2, d_ff=32, prediction_length=12)
    return QuantilePipeline(QuantileEncoder(cfg), codec, device="cpu", card={"name": "test"})


def test_merged_pieces_cover_each_chain_and_are_long_enough():
    lengths = np.array([1, 2, 5, 1, 1, 9, 2, 3])
    offsets = np.array([0, 5, 8])
    merged, new_offsets = merge_short_pieces(lengths, offsets, np.array([4, 4]))
    # chain 0: 1+2+5=8 (>=4), then 1+1 left over joins it -> 10; chain 1: 9, then 2+3 -> 5
    assert merged.tolist() == [10, 9, 5]
    assert new_offsets.tolist() == [0, 1, 3]
    # a chain shorter than min_len stays one token
    merged, new_offsets = merge_short_pieces(np.array([1, 1]), np.array([0, 2]), np.array([4]))
    assert merged.tolist() == [2] and new_offsets.tolist() == [0, 1]


def test_piece_tokens_end_at_the_forecast_origin_and_keep_its_level(pipeline):
    codec = pipeline.codec
    x = np.concatenate((np.zeros(40), np.linspace(0, 5, 60)))
    tokens = codec.encode([x, x[:30]])
    assert tokens["features"].shape[0] == 2
    assert tokens["valid"][1].sum() < tokens["valid"][0].sum()  # left padding for the shorter one
    # the last resampled value of the last token is the last observed value (in scale units)
    z_last = (x[-1] - tokens["loc"][0]) / tokens["scale"][0]
    assert tokens["features"][0, -1, codec.n_resample - 1] == pytest.approx(z_last, rel=1e-5)
    assert tokens["last"][0] == pytest.approx(z_last)
    assert tokens["features"][0, -1, -1] == 0.0  # the token ends at the origin
    assert (tokens["symbols"][0][tokens["valid"][0]] >= 1).all()


def test_robust_scale_ignores_one_outlier_and_is_relative():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(300)
    loc, scale = robust_loc_scale(y)
    spiked = y.copy()
    spiked[100] = 1e6
    loc2, scale2 = robust_loc_scale(spiked)
    assert abs(loc2 - loc) < 0.05 and abs(scale2 / scale - 1) < 0.05
    assert robust_loc_scale(B * 1e-12)[1] == pytest.approx(robust_loc_scale(B)[1] * 1e-12)
    assert robust_loc_scale(1e9 + B)[1] == pytest.approx(robust_loc_scale(B)[1], rel=1e-6)
    # intermittent demand: most values equal the median, the scale still sees the rest
    demand = np.zeros(200)
    demand[::10] = 3.0
    assert robust_loc_scale(demand)[1] > 0.1
    assert robust_loc_scale(np.zeros(10)) == (0.0, 1.0)


@pytest.mark.parametrize("make", [lambda: B * 1e-12, lambda: 1e9 + B, lambda: B * 1e300])
def test_forecasts_follow_the_scale_of_the_data(pipeline, make):
    y = make()
    quantiles, _ = pipeline.predict_quantiles(y, 12)
    loc, scale = robust_loc_scale(y)
    reference, _ = pipeline.predict_quantiles(B, 12)
    b_loc, b_scale = robust_loc_scale(B)
    assert np.isfinite(quantiles).all()
    np.testing.assert_allclose((quantiles - loc) / scale, (reference - b_loc) / b_scale, rtol=1e-4, atol=1e-4)


def test_one_spike_does_not_flatten_the_forecast(pipeline):
    y = np.random.default_rng(1).standard_normal(300)
    spiked = y.copy()
    spiked[150] = 1e6
    a, _ = pipeline.predict_quantiles(y, 12)
    b, _ = pipeline.predict_quantiles(spiked, 12)
    assert np.abs(b).max() < 100


@settings(max_examples=15, deadline=None, derandomize=True)
@given(a=st.floats(1e-12, 1e12), c=st.floats(-1e12, 1e12))
def test_affine_maps_of_the_context_map_the_forecast(pipeline, a, c):
    y = 3 + np.sin(np.arange(120) / 4) + 0.1 * np.cos(np.arange(120))
    # below a relative spread of 1e-11 float64 keeps too few digits of a * y + c to forecast its shape
    assume(a * robust_loc_scale(y)[1] > 1e-11 * abs(c))
    f, _ = pipeline.predict_quantiles(y, 12)
    g, _ = pipeline.predict_quantiles(a * y + c, 12)
    # float64 keeps about 16 digits of a*y + c; a piece boundary decided by a threshold may flip
    # on that rounding, so the forecasts agree to a share of the data's spread (far inside their
    # 80% intervals), not exactly
    spread = a * robust_loc_scale(y)[1]
    np.testing.assert_allclose(g, a * f + c, rtol=0, atol=0.1 * spread + 1e-14 * abs(c))


def test_a_scale_that_overflows_float64_is_an_error_naming_the_series(pipeline):
    with pytest.raises(ValueError, match="series 1: .*overflow float64"):
        pipeline.predict_quantiles([B, B * 1e307 + 1e308], 12)


def test_quantiles_interpolated_and_samples_reproducible(pipeline):
    q, mean = pipeline.predict_quantiles([B, B[:80]], 20, quantile_levels=[0.05, 0.5, 0.95])
    assert q.shape == (2, 3, 20) and mean.shape == (2, 20)
    assert (np.diff(q, axis=1) >= 0).all()
    alone = pipeline.forecast(B[:80], 20, num_samples=7, seed=3)
    together = pipeline.forecast([B, B[:80]], 20, num_samples=7, seed=3)[1]
    # float32 kernels may round differently with the batch shape: equal to float32 tolerance
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-6 * np.ptp(alone))
    assert not np.allclose(alone, pipeline.forecast(B[:80], 20, num_samples=7, seed=4))
    assert pipeline.embed([B, B[:50]]).shape == (2, 16)


def test_save_load_round_trip_and_tampered_files(pipeline, tmp_path):
    pipeline.save(tmp_path / "p")
    loaded = load_pretrained(tmp_path / "p", device="cpu")
    assert isinstance(loaded, QuantilePipeline)
    np.testing.assert_array_equal(loaded.predict_quantiles(B, 12)[0], pipeline.predict_quantiles(B, 12)[0])

    weights = tmp_path / "p" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-5] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="model.safetensors.*sha256"):
        load_pretrained(tmp_path / "p", device="cpu")

    pipeline.save(tmp_path / "q")
    card_path = tmp_path / "q" / "model_card.json"
    card = json.loads(card_path.read_text())
    del card["config"]["n_heads"]
    card_path.write_text(json.dumps(card))
    with pytest.raises(ValueError, match="model_card.json.*n_heads"):
        load_pretrained(tmp_path / "q", device="cpu")
    card_path.write_text("{not json")
    with pytest.raises(ValueError, match="model_card.json is corrupt"):
        load_pretrained(tmp_path / "q", device="cpu")


def test_state_round_trip_keeps_forecasts(pipeline):
    again = QuantilePipeline.from_state(pipeline.to_state(), device="cpu")
    np.testing.assert_array_equal(again.predict_quantiles(B, 30)[0], pipeline.predict_quantiles(B, 30)[0])


def test_fine_tuning_lowers_the_loss_on_the_series_and_leaves_the_pipeline_alone(pipeline):
    before = {k: v.clone() for k, v in pipeline.model.state_dict().items()}
    y = 10 + 3 * np.sin(2 * np.pi * np.arange(400) / 24)
    held_out = training_batch(pipeline.codec, [y[:300]], [y[300:312]], 12)

    def loss(p):
        with torch.no_grad():
            return float(QuantileLM.from_pipeline(p).loss(held_out))

    tuned = fine_tune(pipeline, y, prediction_length=12, max_steps=40, lr=3e-3, batch_size=8, seed=0)
    assert isinstance(tuned, QuantilePipeline)
    assert loss(tuned) < 0.7 * loss(pipeline)
    for k, v in pipeline.model.state_dict().items():
        assert torch.equal(v, before[k])


def test_patch_codec_tokens():
    codec = PatchCodec(patch_size=16, context_length=64)
    tokens = codec.encode([np.arange(40.0), np.arange(100.0)])
    assert tokens["features"].shape == (2, 4, 33)
    assert tokens["valid"].sum(axis=1).tolist() == [3, 4]
    # the first patch of the 40-value context is padded at its start: 8 values unobserved
    assert tokens["features"][0, 1, 16:32].sum() == 8


def test_pretraining_exports_a_pipeline_and_continues_from_it(tmp_path):
    from sktime_symbolic.model.pretrain import pretrain

    options = dict(codec_options={"tol": 0.3, "min_len": 8, "n_symbols": 8}, batch_size=4, pool_size=64,
                   pool_dir=tmp_path / "pool", val_every=2, val_batches=1, accelerator="cpu", progress=False,
                   model_options={"d_model": 16, "n_layers": 1, "n_heads": 2, "d_ff": 32})
    first = pretrain(tmp_path / "a", max_steps=2, **options)
    assert first.card["training_budget"]["steps"] == 2
    again = pretrain(tmp_path / "b", max_steps=1, init_from=tmp_path / "a" / "pipeline",
                     **{k: v for k, v in options.items() if k not in ("codec_options", "model_options")})
    assert again.cfg == first.cfg
    np.testing.assert_array_equal(again.codec.centers_, first.codec.centers_)
    changed = [k for k, v in first.model.state_dict().items() if not torch.equal(v, again.model.state_dict()[k])]
    assert changed  # one optimiser step from the first run's weights


@pytest.mark.parametrize("period", [7, 24])
def test_motif_copy_repeats_a_seasonal_context_and_continues_a_line(pipeline, period):
    codec, t = pipeline.codec, np.arange(140)
    truth = {"sine": np.sin(2 * np.pi * t / period), "line": 0.05 * t}
    tokens = codec.encode([y[:128] for y in truth.values()], copy_length=12)
    assert tokens["copy"].shape == (2, 2, 12) and tokens["copy_quality"].shape == (2, 2)
    future = [(y[128:] - m) / s for y, m, s in zip(truth.values(), tokens["loc"], tokens["scale"])]
    # the sine: both paths repeat it (no drift over a whole period); the line: only the drifted one
    np.testing.assert_allclose(tokens["copy"][0], np.stack([future[0]] * 2), atol=1e-5)
    np.testing.assert_allclose(tokens["copy"][1, 1], future[1], atol=1e-5)
    assert tokens["copy_quality"][0].min() > 0.99 and tokens["copy_quality"][1, 1] > 0.99
    assert tokens["copy_quality"][1, 0] < tokens["copy_quality"][1, 1]


def test_motif_copy_without_a_match_is_the_last_value():
    from sktime_symbolic.model.codec import motif_copy

    x = np.arange(20.0)
    paths, quality = motif_copy(x, np.array([10, 9]), np.array([1, 2]), 5)  # two pieces: nothing to match
    assert (paths == 19.0).all() and (quality == -1.0).all()
    # symbols 3, 4 repeat at lag 6: the match proposes the lag, the values confirm it
    y = np.tile([0.0, 1, 2, 3, 2, 1], 5)[:-1]
    paths, quality = motif_copy(y, np.array([3, 3, 3, 3, 3, 3, 3, 3, 4]), np.array([3, 4, 3, 4, 3, 4, 3, 4, 5]), 8)
    np.testing.assert_array_equal(paths[0], np.tile([0.0, 1, 2, 3, 2, 1], 7)[29:37])
    assert quality[0] == pytest.approx(1.0)


def test_patch_codec_refuses_the_copy_prior():
    with pytest.raises(ValueError, match="no symbols"):
        PatchCodec(patch_size=16, context_length=64).encode([np.arange(40.0)], copy_length=8)


def test_copy_prior_added_to_a_trained_model_and_forecasts_a_repeat(pipeline):
    cfg = pipeline.cfg.replace(copy_paths=2)
    module = QuantileLM.from_pipeline(pipeline, cfg)
    # the layers both models have keep their weights; the prior's start from their initialisation
    for k, v in pipeline.model.state_dict().items():
        assert torch.equal(module.model.state_dict()[k], v)
    with pytest.raises(ValueError, match="cannot start from these weights"):
        QuantileLM.from_pipeline(pipeline, cfg.replace(d_model=32, copy_paths=0))
    with pytest.raises(ValueError, match="copy_paths"):
        cfg.replace(copy_paths=1)
    # a gate that trusts path 0 fully forecasts the seasonal repeat, in the data's units
    model = module.model
    with torch.no_grad():
        model.copy_gate.bias.view(3, -1)[:] = torch.tensor([-30.0, 30.0, -30.0])[:, None]
        model.head.hidden[-1].weight.zero_(), model.head.hidden[-1].bias.zero_()
        model.head.skip.weight.zero_(), model.head.skip.bias.zero_()
    prior = QuantilePipeline(model, pipeline.codec, device="cpu")
    y = 5 + 2 * np.sin(2 * np.pi * np.arange(152) / 12)
    quantiles, _ = prior.predict_quantiles(y[:128], 24)
    np.testing.assert_allclose(quantiles[4], y[128:], atol=1e-4)
    again = QuantilePipeline.from_state(prior.to_state(), device="cpu")
    np.testing.assert_array_equal(again.predict_quantiles(y[:128], 24)[0], quantiles)
    batch = training_batch(pipeline.codec, [y[:128]], [y[128:140]], 12, cfg=prior.cfg)
    assert float(QuantileLM.from_pipeline(prior).loss(batch)) < 1e-4


def test_integrated_training_windows_are_cumulative_sums_of_the_pool_series():
    from sktime_symbolic.model.pretrain import sample_window

    pool = np.random.default_rng(0).standard_normal((1, 200)).astype(np.float32)
    plain = sample_window(pool, np.random.default_rng(5), 100, 20, 100, 0.0)
    walk = sample_window(pool, np.random.default_rng(5), 100, 20, 100, 0.0, integrate_prob=1.0)
    series = pool[0].astype(np.float64)
    integrated = np.cumsum(series - series.mean())
    # the same crop of the integrated series (one more draw moves the crop, so find it)
    start = [s for s in range(81) if np.allclose(integrated[s:s + 100], walk[0])]
    assert len(start) == 1 and np.allclose(integrated[start[0] + 100:start[0] + 120], walk[1])
    assert not np.allclose(np.diff(walk[0]), np.diff(plain[0]))


def test_level_walk_windows_add_the_scaled_integral_of_a_second_pool_series():
    from sktime_symbolic.model.pretrain import sample_window

    pool = np.random.default_rng(0).standard_normal((1, 200)).astype(np.float32)  # both draws take row 0
    ctx, hor = sample_window(pool, np.random.default_rng(3), 100, 20, 100, 0.0, level_walk_prob=1.0)
    series = np.concatenate([ctx, hor])
    x = pool[0].astype(np.float64)
    walk = np.cumsum(x - x.mean())
    # window = x + k * walk on one crop, k giving a spread in the documented 0.2-4.5 range
    spreads = []
    for s in range(81):
        crop = slice(s, s + 120)
        k = np.dot(series - x[crop], walk[crop]) / np.dot(walk[crop], walk[crop])
        if np.allclose(series, x[crop] + k * walk[crop], atol=1e-6):
            spreads.append(k * walk.std() / x.std())
    assert len(spreads) == 1 and np.exp(-1.5) <= spreads[0] <= np.exp(1.5)


def test_the_pool_is_the_same_for_every_number_of_generating_processes():
    one = make_pool(24, seed=0, stream=9, length=160, progress=False)
    two = make_pool(24, seed=0, stream=9, length=160, progress=False, n_jobs=2)
    np.testing.assert_array_equal(one, two)
    assert one.shape == (24, 160) and not np.array_equal(one[0], one[1])
    with pytest.raises(ValueError, match="n_jobs must be -1 or >= 1"):
        make_pool(4, seed=0, stream=9, length=160, progress=False, n_jobs=0)
