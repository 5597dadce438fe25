"""GluonTS predictor and estimator over the symbolic foundation model."""

import json
import warnings

import lightning as L
import numpy as np
import pandas as pd
import pytest
import torch
from gluonts.dataset.common import ListDataset
from gluonts.dataset.split import split
from gluonts.ev.metrics import MASE, MeanWeightedSumQuantileLoss
from gluonts.evaluation import Evaluator, make_evaluation_predictions
from gluonts.model import evaluate_model
from gluonts.model.forecast import QuantileForecast, SampleForecast
from gluonts.model.predictor import Predictor

from gluonts_symbolic import SymbolicFMEstimator, SymbolicFMPredictor
from gluonts_symbolic.predictor import FORECAST_TYPES
from sktime_symbolic.model import DEFAULT_MODEL, QUANTILE_LEVELS, shared_pipeline
from sktime_symbolic.model.pipeline import QuantilePipeline
from sktime_symbolic.model.pretrain import QuantileLM
from sktime_symbolic.model.pretrain import training_batch as quantile_batch

H = 8
START = pd.Period("2021-03-01 00:00", "h")


def _series(n_series=4, length=120, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    return [{"item_id": f"s{i}", "start": START + 5 * i,
             "target": (10 + i + np.sin(2 * np.pi * t / 24 + i) + 0.2 * rng.standard_normal(length)).astype(np.float32)}
            for i in range(n_series)]


def _predictor(**kwargs):
    return SymbolicFMPredictor(**{"prediction_length": H, "num_samples": 4, "device": "cpu", **kwargs})


def _arrays(forecasts):
    return [f.forecast_array if isinstance(f, QuantileForecast) else f.samples for f in forecasts]


def _same_forecasts(a, b):
    # equal to float32 tolerance: kernels may round differently with the batch shape
    return all(x.shape == y.shape and np.allclose(x, y, rtol=1e-5, atol=1e-6 * np.ptp(y))
               for x, y in zip(_arrays(a), _arrays(b), strict=True))


def _state(pipeline):
    return {k: v.detach().cpu().clone() for k, v in pipeline.model.state_dict().items()}


def _same_state(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def data():
    return _series()


@pytest.fixture(scope="module")
def shipped_state():
    return _state(shared_pipeline(DEFAULT_MODEL, "cpu"))


@pytest.fixture(scope="module")
def tuned(tmp_path_factory, data, shipped_state):
    """A predictor fine-tuned with validation data, its checkpoint directory and the user callbacks."""
    ckpt_dir = tmp_path_factory.mktemp("ckpt")
    counter = _CountSteps()
    callbacks = [counter]
    trainer_kwargs = {"accelerator": "cpu", "callbacks": callbacks}
    estimator = SymbolicFMEstimator(prediction_length=H, max_steps=4, batch_size=4, lr=1e-3,
                                    device="cpu", num_samples=4, ckpt_dir=str(ckpt_dir), val_check_interval=2,
                                    trainer_kwargs=trainer_kwargs)
    predictor = estimator.train(data, validation_data=data)
    return dict(predictor=predictor, ckpt_dir=ckpt_dir, callbacks=callbacks, counter=counter,
                trainer_kwargs=trainer_kwargs, estimator=estimator)


class _CountSteps(L.Callback):
    def __init__(self):
        self.steps = 0

    def on_train_batch_end(self, trainer, *args):
        self.steps += 1


# ---------------------------------------------------------------------- forecasts


def test_quantile_forecasts(data):
    forecasts = list(_predictor().predict(data))
    assert len(forecasts) == len(data)
    for entry, forecast in zip(data, forecasts):
        assert isinstance(forecast, QuantileForecast)
        assert forecast.forecast_keys == [str(q) for q in QUANTILE_LEVELS] + ["mean"]
        assert forecast.forecast_array.shape == (len(QUANTILE_LEVELS) + 1, H)
        assert forecast.forecast_array.dtype == np.float64  # a level of 1e9 keeps its units
        assert forecast.start_date == entry["start"] + len(entry["target"])
        assert forecast.item_id == entry["item_id"]
        quantiles = np.stack([forecast.quantile(q) for q in QUANTILE_LEVELS])
        assert (np.diff(quantiles, axis=0) >= 0).all()
        # forecasts live on the series' scale (level 10 + i, amplitude ~1)
        assert abs(float(np.median(forecast.quantile(0.5))) - entry["target"].mean()) < 3


def test_sample_forecasts_and_num_samples_override(data):
    predictor = _predictor(forecast_type="samples")
    forecasts = list(predictor.predict(data[:2]))
    assert all(isinstance(f, SampleForecast) and f.samples.shape == (4, H) for f in forecasts)
    assert forecasts[1].start_date == data[1]["start"] + len(data[1]["target"])
    assert next(predictor.predict(data[:1], num_samples=3)).samples.shape == (3, H)


def test_string_start_with_freq():
    entry = {"start": "2020-01-01", "target": np.arange(50.0)}
    forecast = next(_predictor(freq="D").predict([entry]))
    assert forecast.start_date == pd.Period("2020-02-20", "D")


@pytest.mark.parametrize("forecast_type", FORECAST_TYPES)
def test_same_seed_same_forecast_and_batch_independence(data, forecast_type):
    first = list(_predictor(seed=3, forecast_type=forecast_type).predict(data))
    assert _same_forecasts(first, list(_predictor(seed=3, forecast_type=forecast_type).predict(data)))
    # the seed draws the sample paths; the quantiles are forecast directly
    other_seed = list(_predictor(seed=4, forecast_type=forecast_type).predict(data))
    assert _same_forecasts(first, other_seed) == (forecast_type == "quantiles")
    # batches of 3 and of 1 (other neighbours, other padding) give each series the same forecast
    assert _same_forecasts(first, list(_predictor(seed=3, batch_size=3, forecast_type=forecast_type).predict(data)))
    alone = [next(_predictor(seed=3, batch_size=1, forecast_type=forecast_type).predict([entry]))
             for entry in data[::-1]][::-1]
    assert _same_forecasts(first, alone)


def test_float64_targets_keep_their_digits(data):
    wiggle = np.sin(np.arange(300) / 5)
    entry = {"start": START, "target": 1e9 + wiggle}
    median = next(_predictor().predict([entry])).quantile(0.5) - 1e9
    reference = next(_predictor().predict([{"start": START, "target": wiggle}])).quantile(0.5)
    np.testing.assert_allclose(median, reference, atol=0.05)
    # a ListDataset stores float32 (spacing 64 near 1e9): the wiggle is gone before the predictor
    listed = ListDataset([entry], freq="h")
    assert np.ptp(next(iter(listed))["target"]) == 0


def test_make_evaluation_predictions_and_evaluator(data):
    forecast_it, ts_it = make_evaluation_predictions(ListDataset(data, freq="h"), _predictor(), num_samples=4)
    forecasts, tss = list(forecast_it), list(ts_it)
    assert [f.start_date for f in forecasts] == [ts.index[-H] for ts in tss]
    agg, per_item = Evaluator(quantiles=QUANTILE_LEVELS, num_workers=0)(tss, forecasts)
    assert len(per_item) == len(data)
    assert np.isfinite(agg["MASE"]) and 0 < agg["mean_wQuantileLoss"] < 0.2


def test_evaluate_model_rolling_windows(data):
    _, template = split(data, offset=-3 * H)
    test_data = template.generate_instances(prediction_length=H, windows=3, distance=H)
    starts = [f.start_date for f in _predictor().predict(test_data.input)]
    assert starts == [label["start"] for label in test_data.label]
    assert len(starts) == 3 * len(data)
    scores = evaluate_model(_predictor(), test_data=test_data, seasonality=24,
                            metrics=[MASE(), MeanWeightedSumQuantileLoss(quantile_levels=QUANTILE_LEVELS)])
    assert scores.shape[0] == 1 and np.isfinite(scores.to_numpy()).all()
    assert 0 < scores["mean_weighted_sum_quantile_loss"].iloc[0] < 0.2


# ---------------------------------------------------------------------- serde


def test_serde_zero_shot(tmp_path, data):
    predictor = _predictor(seed=5, num_samples=3, forecast_type="samples")
    predictor.serialize(tmp_path)
    assert not (tmp_path / "pipeline").exists()  # shipped weights are not copied
    loaded = Predictor.deserialize(tmp_path, device="cpu")
    assert isinstance(loaded, SymbolicFMPredictor) and loaded == predictor
    assert _same_forecasts(list(predictor.predict(data)), list(loaded.predict(data)))


def test_serde_fine_tuned_loads_on_cpu(tmp_path, data, tuned):
    predictor = tuned["predictor"]
    predictor.serialize(tmp_path)
    assert (tmp_path / "pipeline" / "model.safetensors").is_file()
    # as if saved on a GPU machine: the stored device must give way to device="cpu"
    config = json.loads((tmp_path / "predictor.json").read_text())
    config["kwargs"]["device"] = "cuda:0"
    (tmp_path / "predictor.json").write_text(json.dumps(config))
    loaded = Predictor.deserialize(tmp_path, device="cpu")
    assert loaded.pipeline.device.type == "cpu"
    assert _same_state(_state(loaded.pipeline), _state(predictor.pipeline))
    assert _same_forecasts(list(predictor.predict(data)), list(loaded.predict(data)))


def test_deserialize_rejects_other_directories(tmp_path):
    with pytest.raises(ValueError, match="not a serialized SymbolicFMPredictor"):
        SymbolicFMPredictor.deserialize(tmp_path)
    (tmp_path / "predictor.json").write_text('{"__kind__": "instance", "class": "gluonts_symbolic.Nothing"')
    with pytest.raises(ValueError, match="predictor.json is corrupt"):
        SymbolicFMPredictor.deserialize(tmp_path)


# ---------------------------------------------------------------------- estimator


def test_fine_tuned_weights_and_shared_pipeline(tuned, shipped_state, data):
    predictor = tuned["predictor"]
    card = predictor.pipeline.card["fine_tuning"]
    assert card["steps"] == 4 and card["n_series"] == len(data)
    assert not _same_state(_state(predictor.pipeline), shipped_state)
    assert _same_state(_state(shared_pipeline(DEFAULT_MODEL, "cpu")), shipped_state)
    assert not _same_forecasts(list(predictor.predict(data)), list(_predictor().predict(data)))


def test_validation_keeps_best_checkpoint_in_chosen_dir(tuned):
    predictor, ckpt_dir = tuned["predictor"], tuned["ckpt_dir"]
    files = list(ckpt_dir.glob("best-*.ckpt"))
    assert len(files) == 1
    card = predictor.pipeline.card["fine_tuning"]
    assert card["best_checkpoint"] == str(files[0])
    assert f"val_loss={card['best_val_loss']:.4f}" in files[0].name
    weights = torch.load(files[0], map_location="cpu", weights_only=True)["state_dict"]
    assert _same_state({k.removeprefix("model."): v for k, v in weights.items()}, _state(predictor.pipeline))


def test_user_callbacks_and_trainer_kwargs_untouched(tuned, data):
    callbacks, counter, estimator = tuned["callbacks"], tuned["counter"], tuned["estimator"]
    assert callbacks == [counter] and tuned["trainer_kwargs"]["callbacks"] is callbacks
    assert counter.steps == 4
    # still there for a second training (GluonTS's own estimator pops them)
    assert estimator.trainer_kwargs["callbacks"] == [counter]
    estimator.train(data)
    assert counter.steps == 8 and callbacks == [counter]
    # without validation data the final weights are checkpointed
    assert (tuned["ckpt_dir"] / "last-step=4.ckpt").is_file()


def test_training_is_deterministic_and_seeded(data):
    def weights(seed):
        estimator = SymbolicFMEstimator(prediction_length=H, max_steps=2, batch_size=4, lr=1e-3,
                                        seed=seed, device="cpu", trainer_kwargs={"accelerator": "cpu"})
        return _state(estimator.train(data).pipeline)

    first = weights(0)
    assert _same_state(first, weights(0))
    assert not _same_state(first, weights(1))


def test_train_from_continues_from_predictor(tuned, data):
    start = tuned["predictor"]
    estimator = SymbolicFMEstimator(prediction_length=H, max_steps=2, batch_size=4, lr=1e-3,
                                    device="cpu", trainer_kwargs={"accelerator": "cpu"})
    continued = estimator.train_from(start, data)
    from_shipped = estimator.train(data)
    assert not _same_state(_state(continued.pipeline), _state(start.pipeline))
    assert not _same_state(_state(continued.pipeline), _state(from_shipped.pipeline))


def test_estimator_default_checkpoints_stay_out_of_cwd(tmp_path, monkeypatch, data):
    monkeypatch.chdir(tmp_path)
    SymbolicFMEstimator(prediction_length=H, max_steps=1, batch_size=2, device="cpu",
                        trainer_kwargs={"accelerator": "cpu"}).train(data)
    assert list(tmp_path.iterdir()) == []
    SymbolicFMEstimator(prediction_length=H, max_steps=1, batch_size=2, device="cpu",
                        trainer_kwargs={"accelerator": "cpu", "default_root_dir": str(tmp_path / "root")}).train(data)
    assert [p.name for p in (tmp_path / "root" / "checkpoints").iterdir()] == ["last-step=1.ckpt"]


def test_ddp_ranks_draw_disjoint_batches(monkeypatch, data):
    from sktime_symbolic.model.finetune import SeriesWindows
    from sktime_symbolic.model.pretrain import WindowStream

    pipe = shared_pipeline(DEFAULT_MODEL, "cpu")
    series = [e["target"] for e in data]

    def first_batches(rank, world, start_step=0, n=3):
        monkeypatch.setattr(torch.distributed, "is_initialized", lambda: world > 1)
        monkeypatch.setattr(torch.distributed, "get_rank", lambda: rank)
        monkeypatch.setattr(torch.distributed, "get_world_size", lambda: world)
        stream = iter(WindowStream(SeriesWindows(series, pipe.context_length, H),
                                   lambda c, x, seasons=None: quantile_batch(pipe.codec, c, x, H, pipe.cfg, seasons), batch_size=2,
                                   seed=0, start_batch=start_step))
        return [next(stream)["target"] for _ in range(n)]

    single = first_batches(0, 1, n=6)
    rank0, rank1 = first_batches(0, 2), first_batches(1, 2)
    assert all(torch.equal(a, b) for a, b in zip(single[0::2], rank0))
    assert all(torch.equal(a, b) for a, b in zip(single[1::2], rank1))
    # step 1 of two processes starts at batches 2 and 3
    assert torch.equal(first_batches(1, 2, start_step=1, n=1)[0], single[3])


def test_estimator_in_benchmark_harness(data):
    from sktime_symbolic.benchmarks import evaluate_contestant
    from sktime_symbolic.datasets import ForecastingDataset

    dataset = ForecastingDataset("toy", "h", H, [dict(e) for e in data])
    estimator = SymbolicFMEstimator(prediction_length=H, max_steps=2, batch_size=4, device="cpu", num_samples=4,
                                    trainer_kwargs={"accelerator": "cpu"})
    row = evaluate_contestant(estimator, dataset)
    assert row["n_series"] == len(data) and np.isfinite([row["MASE"], row["WQL"]]).all()
    assert estimator.trainer_kwargs == {"accelerator": "cpu"}


# ---------------------------------------------------------------------- estimator, horizons beyond the model's head

# longer than the quantile model's 64-step head: training is capped at 64, forecasts roll forward
H_LONG = 80


def _sines(n_series=4, length=300):
    return ListDataset([{"item_id": f"sine{i}", "start": START, "target": np.sin(np.arange(length) / 4 + i)}
                        for i in range(n_series)], freq="h")


@pytest.fixture(scope="module")
def quantile_tuned(tmp_path_factory, shipped_state):
    """The default estimator (``symbolic-piece``) trained 3 steps, with validation."""
    ckpt_dir = tmp_path_factory.mktemp("quantile-ckpt")
    data = _sines()
    estimator = SymbolicFMEstimator(prediction_length=H_LONG, max_steps=3, batch_size=4, lr=1e-3, device="cpu",
                                    ckpt_dir=str(ckpt_dir), val_check_interval=3,
                                    trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False})
    return dict(predictor=estimator.train(data, validation_data=data), data=data, ckpt_dir=ckpt_dir)


def test_estimator_default_is_the_project_default():
    estimator = SymbolicFMEstimator(prediction_length=H)
    assert estimator.model_name == DEFAULT_MODEL
    assert isinstance(estimator.create_lightning_module(), QuantileLM)


def test_quantile_estimator_trains_and_forecasts(quantile_tuned, shipped_state):
    predictor, data = quantile_tuned["predictor"], quantile_tuned["data"]
    assert isinstance(predictor, SymbolicFMPredictor) and isinstance(predictor.pipeline, QuantilePipeline)
    card = predictor.pipeline.card["fine_tuning"]
    assert card["steps"] == 3 and card["n_series"] == 4
    assert card["prediction_length"] == 64  # the trained horizon: one pass of the quantile head
    assert predictor.pipeline.codec is shared_pipeline(DEFAULT_MODEL, "cpu").codec
    forecasts = list(predictor.predict(data))
    assert len(forecasts) == 4
    assert all(f.forecast_array.shape == (len(QUANTILE_LEVELS) + 1, H_LONG) for f in forecasts)
    assert all(np.isfinite(f.forecast_array).all() for f in forecasts)
    # new weights; the shared shipped pipeline is untouched
    assert not _same_state(_state(predictor.pipeline), shipped_state)
    assert _same_state(_state(shared_pipeline(DEFAULT_MODEL, "cpu")), shipped_state)


def test_quantile_estimator_keeps_best_checkpoint_and_serde(tmp_path, quantile_tuned):
    predictor, data, ckpt_dir = quantile_tuned["predictor"], quantile_tuned["data"], quantile_tuned["ckpt_dir"]
    files = list(ckpt_dir.glob("best-*.ckpt"))
    assert len(files) == 1 and predictor.pipeline.card["fine_tuning"]["best_checkpoint"] == str(files[0])
    weights = torch.load(files[0], map_location="cpu", weights_only=True)["state_dict"]
    assert _same_state({k.removeprefix("model."): v for k, v in weights.items()}, _state(predictor.pipeline))
    predictor.serialize(tmp_path)
    loaded = Predictor.deserialize(tmp_path, device="cpu")
    assert isinstance(loaded.pipeline, QuantilePipeline)
    assert _same_forecasts(list(predictor.predict(data)), list(loaded.predict(data)))
    # train_from continues from the deserialized weights
    estimator = SymbolicFMEstimator(prediction_length=H_LONG, max_steps=1, batch_size=4, lr=1e-3, device="cpu",
                                    trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False})
    continued = estimator.train_from(loaded, data)
    assert isinstance(continued.pipeline, QuantilePipeline)
    assert not _same_state(_state(continued.pipeline), _state(loaded.pipeline))


def test_quantile_estimator_lowers_the_training_loss():
    data = _sines()
    shipped = shared_pipeline(DEFAULT_MODEL, "cpu")
    # a fixed batch of the training series: the 64 values after origin 200 of each, the context before
    targets = [entry["target"] for entry in data]
    batch = quantile_batch(shipped.codec, [x[:200] for x in targets], [x[200:264] for x in targets],
                           shipped.cfg.prediction_length, shipped.cfg)

    def loss(pipeline):
        with torch.no_grad():
            return float(QuantileLM.from_pipeline(pipeline).eval().loss(batch))

    estimator = SymbolicFMEstimator(prediction_length=64, max_steps=30, batch_size=4, lr=1e-3, device="cpu",
                                    trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False})
    tuned = estimator.train(data)
    before, after = loss(shipped), loss(tuned.pipeline)
    assert after < 0.8 * before, (before, after)


def test_quantile_estimator_from_scratch(shipped_state):
    data = _sines(n_series=2)
    estimator = SymbolicFMEstimator(prediction_length=H, from_scratch=True, max_steps=2, batch_size=4, device="cpu",
                                    trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False})
    predictor = estimator.train(data)
    shipped = shared_pipeline(DEFAULT_MODEL, "cpu")
    assert isinstance(predictor.pipeline, QuantilePipeline) and predictor.pipeline.cfg == shipped.cfg
    assert predictor.pipeline.codec is shipped.codec  # the shipped codec, new weights
    assert predictor.pipeline.card["fine_tuning"]["from_scratch"] is True
    # random weights, far from the shipped ones
    state = _state(predictor.pipeline)
    assert all(not torch.allclose(state[k], shipped_state[k], atol=1e-2)
               for k in state if state[k].ndim >= 2)
    forecast = next(predictor.predict(data))
    assert forecast.forecast_array.shape == (len(QUANTILE_LEVELS) + 1, H) and np.isfinite(forecast.forecast_array).all()


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize("entries, match", [
    ([], "dataset is empty"),
    ([{"start": START, "target": np.full(30, np.nan)}], "all NaN"),
    ([{"start": START, "target": np.r_[np.ones(29), np.inf]}], "contains inf"),
    ([{"start": START, "target": np.ones(30)}, {"start": START, "target": np.ones((2, 30))}],
     r"entry 1 .*univariate"),
    ([{"start": START, "target": np.ones(30), "feat_dynamic_real": np.ones((1, 38))}], "dynamic covariates"),
    ([{"start": START, "target": np.ones(30), "past_feat_dynamic_real": np.ones((1, 30))}], "dynamic covariates"),
    ([{"start": START, "target": np.array([], dtype=np.float32)}], "target is empty"),
    ([{"start": "2020-01-01", "target": np.ones(30)}], "pass freq="),
    ([{"start": START}], "with a 'target'"),
])
def test_predictor_input_errors(entries, match):
    with pytest.raises(ValueError, match=match):
        list(_predictor().predict(entries))


@pytest.mark.parametrize("kwargs, match", [
    ({"prediction_length": 0}, "prediction_length must be a positive integer"),
    ({"num_samples": 2.5}, "num_samples must be a positive integer"),
    ({"forecast_type": "median"}, "forecast_type must be one of"),
    ({"batch_size": True}, "batch_size must be a positive integer"),
    ({"device": "tpu-ish"}, "device must be"),
    ({"freq": "not-a-freq"}, "not a pandas frequency"),
    ({"pipeline": DEFAULT_MODEL}, "pipeline must be a QuantilePipeline or None"),
    ({"model_name": "symbolic-huge"}, "unknown model 'symbolic-huge'"),
    ({"model_name": 3}, "model_name must be a string or path"),
])
def test_predictor_parameter_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _predictor(**kwargs)


def test_predict_num_samples_error(data):
    with pytest.raises(ValueError, match="num_samples must be a positive integer"):
        list(_predictor().predict(data, num_samples=0))


@pytest.mark.parametrize("kwargs, match", [
    ({"trainer_kwargs": {"max_steps": 5}}, "pass max_steps to the estimator"),
    ({"trainer_kwargs": {"callbacks": "x"}}, "must be a list"),
    ({"trainer_kwargs": ["cpu"]}, "trainer_kwargs must be a dict"),
    ({"from_scratch": "tiny"}, "from_scratch must be True or False"),
    ({"model_name": "symbolic-huge"}, "unknown model 'symbolic-huge'"),
    ({"lr": 0.0}, "lr must be a positive number"),
    ({"max_steps": 0}, "max_steps must be a positive integer"),
    ({"forecast_type": "median"}, "forecast_type must be one of"),
    ({"num_samples": 0}, "num_samples must be a positive integer"),
])
def test_estimator_parameter_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SymbolicFMEstimator(**{"prediction_length": H, **kwargs})


@pytest.mark.parametrize("train, val, match", [
    ([], None, "training data is empty"),
    ([{"start": START, "target": np.ones(10)}], None, "no series is long enough"),
    ([{"start": START, "target": np.ones(50), "feat_dynamic_real": np.ones((1, 50))}], None, "dynamic covariates"),
    ([{"start": START, "target": np.ones((2, 50))}], None, "univariate"),
    (None, [{"start": START, "target": np.ones(10)}], "no validation series is long enough"),
    (None, [], "validation data is empty"),
])
def test_estimator_data_errors(train, val, match, data):
    estimator = SymbolicFMEstimator(prediction_length=H, max_steps=1, batch_size=2,
                                    trainer_kwargs={"accelerator": "cpu"})
    with pytest.raises(ValueError, match=match):
        estimator.train(data if train is None else train, validation_data=val)


@pytest.mark.parametrize("bad_in", ["training_data", "validation_data"])
def test_estimator_names_a_bad_entry_by_its_position(bad_in, data):
    # no item_id, as in many datasets: the position tells which entry it is
    entries = [{"start": START, "target": np.ones(50)}, {"start": START, "target": [1.0, np.inf, 2.0]}]
    estimator = SymbolicFMEstimator(prediction_length=H, max_steps=1, batch_size=2, device="cpu",
                                    trainer_kwargs={"accelerator": "cpu"})
    train, val = (entries, None) if bad_in == "training_data" else (data, entries)
    with pytest.raises(ValueError) as error:
        estimator.train(train, validation_data=val)
    assert str(error.value) == f"{bad_in}: entry 1 (item_id None): target contains inf; only NaN (missing) is allowed"


def test_estimator_trains_without_lightning_chatter(data, capfd):
    estimator = SymbolicFMEstimator(prediction_length=H, max_steps=2, batch_size=2, device="cpu",
                                    trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.train(data, validation_data=data)
        estimator.train(data)  # without validation: Lightning's no-val_dataloader notice
    # Lightning's handlers write to the stderr of import time: capfd reads the file descriptors
    out, err = capfd.readouterr()
    for line in ("GPU available", "TPU available", "litlogger", "`Trainer.fit` stopped"):
        assert line not in out + err
    assert not [w for w in caught if "LeafSpec" in str(w.message) or "val_dataloader" in str(w.message)]


def test_train_from_needs_symbolic_predictor(data):
    from gluonts.model.seasonal_naive import SeasonalNaivePredictor

    estimator = SymbolicFMEstimator(prediction_length=H, max_steps=1, batch_size=2)
    with pytest.raises(ValueError, match="from_predictor must be a SymbolicFMPredictor"):
        estimator.train_from(SeasonalNaivePredictor(prediction_length=H, season_length=24), data)


# ---------------------------------------------------------------------- real data


def test_m4_hourly_subset_forecasts():
    from sktime_symbolic.datasets import load_dataset

    try:
        dataset = load_dataset("m4_hourly")
    except (FileNotFoundError, ValueError) as error:
        pytest.skip(f"benchmark data not available: {error}")
    entries = dataset.entries[:3]
    _, template = split(entries, offset=-dataset.prediction_length)
    test_data = template.generate_instances(prediction_length=dataset.prediction_length)
    predictor = _predictor(prediction_length=dataset.prediction_length)
    forecasts = list(predictor.predict(test_data.input))
    assert [f.start_date for f in forecasts] == [label["start"] for label in test_data.label]
    assert all(np.isfinite(f.forecast_array).all() for f in forecasts)


class _StopAt(L.Callback):
    def __init__(self, step):
        self.step = step

    def on_train_batch_end(self, trainer, *args):
        if trainer.global_step >= self.step:
            trainer.should_stop = True


def test_resuming_a_checkpoint_matches_uninterrupted_training(tmp_path, data):
    def estimator(ckpt_dir, callbacks=()):
        return SymbolicFMEstimator(prediction_length=H, max_steps=4, batch_size=4, lr=1e-3,
                                   device="cpu", ckpt_dir=str(ckpt_dir), trainer_kwargs={"accelerator": "cpu",
                                                                                         "callbacks": list(callbacks)})

    straight = estimator(tmp_path / "straight").train(data)
    estimator(tmp_path / "first", [_StopAt(2)]).train(data)
    resumed = estimator(tmp_path / "second").train(data, ckpt_path=str(tmp_path / "first" / "last-step=2.ckpt"))
    assert resumed.pipeline.card["fine_tuning"]["steps"] == 4
    straight_state, resumed_state = _state(straight.pipeline), _state(resumed.pipeline)
    assert all(torch.allclose(straight_state[k], resumed_state[k], atol=1e-6) for k in straight_state)


def test_predictor_refuses_a_target_with_one_observed_value():
    entries = [{"start": START, "target": np.ones(30)}, {"start": START, "item_id": "x", "target": [np.nan, 2.0]}]
    with pytest.raises(ValueError, match=r"^entry 1 \(item_id 'x'\): target has 1 observed value; forecasting needs "
                                         r"at least 2 observed values"):
        list(_predictor().predict(entries))
