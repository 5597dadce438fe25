"""What the six adapters share (sktime_symbolic.model._adapters, sktime_symbolic._sktime_adapters):
one check each of model_name, device and the seed, the shared pipeline, the fine-tuning horizon
and one way to pickle a pipeline."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from gluonts_symbolic import SymbolicFMEstimator, SymbolicFMPredictor
from sktime_symbolic.classification import SymbolicFMClassifier
from sktime_symbolic.detection import SymbolicFMAnomalyDetector
from sktime_symbolic.forecasting import SymbolicFMForecaster
from sktime_symbolic.model import QUANTILE_LEVELS, load_pretrained, shared_pipeline
from sktime_symbolic.model._adapters import (
    FIT_STRATEGIES,
    INTERVAL_LEVELS,
    check_device,
    check_forecastable,
    check_model_name,
    check_seed,
    load_shared_model,
)
from sktime_symbolic.model.finetune import MIN_CONTEXT, fine_tune, fine_tuning_horizon
from sktime_symbolic.transformations import SymbolicFMImputer

START = pd.Period("2021-03-01 00:00", "h")


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    # two xdist workers share two cores: more torch threads per worker only contend
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _wave(n=60):
    return np.sin(np.arange(n) / 3.0)


def _gappy():
    y = pd.Series(_wave(80))
    y[30:34] = np.nan
    return y


def _classes():
    X = np.stack([_wave(40), np.sign(_wave(40)), _wave(40) * 2, np.sign(_wave(40)) * 2])[:, None, :]
    return X, np.array(["sine", "square", "sine", "square"])


# each adapter, run far enough to use its parameters; seed names the seed parameter (None: none)
ADAPTERS = {
    "forecaster": ("random_state", lambda **kw: SymbolicFMForecaster(**kw).fit(pd.Series(_wave()), fh=[1])),
    "classifier": ("random_state", lambda **kw: SymbolicFMClassifier(**kw).fit(*_classes())),
    "imputer": ("random_state", lambda **kw: SymbolicFMImputer(**kw).fit_transform(_gappy())),
    "detector": (None, lambda **kw: SymbolicFMAnomalyDetector(**kw).fit(pd.Series(_wave()))),
    "predictor": ("seed", lambda **kw: list(SymbolicFMPredictor(prediction_length=4, **kw).predict(
        [{"start": START, "target": _wave()}]))),
    "estimator": ("seed", lambda **kw: SymbolicFMEstimator(prediction_length=4, max_steps=1, **kw)),
}


def _run(adapter, **params):
    return ADAPTERS[adapter][1](**{"device": "cpu", **params})


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("params, message", [
    ({"model_name": "no-such-model"}, "model_name 'no-such-model' cannot be loaded: unknown model 'no-such-model', "
                                      "neither a directory nor one of the shipped weights ['symbolic-piece']"),
    ({"model_name": 3}, "model_name must be a string or path, got int"),
    ({"device": "tpu-of-dreams"}, "device: device must be 'auto' or a torch device, got 'tpu-of-dreams'"),
])
def test_every_adapter_checks_model_name_and_device_with_one_message(adapter, params, message):
    with pytest.raises(ValueError) as error:
        _run(adapter, **params)
    assert str(error.value) == message


@pytest.fixture
def no_accelerator(monkeypatch):
    """This machine as torch sees it without a GPU, whatever the machine running the tests has."""
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda check_available=False: None)


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("device", ["cuda", "mps", "cuda:7"])
def test_every_adapter_refuses_a_device_this_machine_lacks_before_any_work(adapter, device, no_accelerator):
    # the estimator's case only constructs it: the error comes before training, not after
    with pytest.raises(ValueError) as error:
        _run(adapter, device=device)
    assert str(error.value) == (f"device: {device!r} is not available on this machine (torch sees no accelerator); "
                                "use 'cpu' or 'auto'")


def test_a_device_index_past_the_visible_devices_is_refused(monkeypatch):
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda check_available=False: torch.device("cuda"))
    monkeypatch.setattr(torch.accelerator, "device_count", lambda: 1)
    assert check_device("cuda") == torch.device("cuda") and check_device("cuda:0") == torch.device("cuda:0")
    for device in ("cuda:7", "mps"):
        with pytest.raises(ValueError) as error:
            check_device(device)
        assert str(error.value) == (f"device: {device!r} is not available on this machine (torch sees 1 cuda "
                                    "device); use 'cpu' or 'auto'")


def test_device_auto_is_always_available():
    assert check_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert check_device(torch.device("cpu")) == torch.device("cpu")


def test_no_loader_unpickles_a_file():
    """Saved models, predictors and adapters are JSON, npz (read with allow_pickle=False, numpy's
    default) and safetensors: loading one from someone else runs no code of theirs."""
    import re
    from pathlib import Path

    import gluonts_symbolic
    import sktime_symbolic

    unpickling = re.compile(r"pickle\.loads?\(|Unpickler|allow_pickle=True|joblib\.load|dill\.|cloudpickle")
    roots = [Path(sktime_symbolic.__file__).parent, Path(gluonts_symbolic.__file__).parent]
    hits = [f"{path}:{n}: {line.strip()}" for root in roots for path in sorted(root.rglob("*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if unpickling.search(line)]
    assert hits == []


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_every_adapter_names_a_directory_that_does_not_load(adapter, tmp_path):
    directory = tmp_path.resolve()
    with pytest.raises(ValueError) as error:
        _run(adapter, model_name=str(directory))
    assert str(error.value) == (f"model_name {str(directory)!r} cannot be loaded: {directory} lacks model.safetensors; "
                                "not a saved QuantilePipeline")


@pytest.mark.parametrize("adapter", [name for name, (seed, _) in ADAPTERS.items() if seed is not None])
@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True, "0", np.random.RandomState(0)])
def test_every_adapter_checks_its_seed_with_one_message(adapter, seed):
    name = ADAPTERS[adapter][0]
    with pytest.raises(ValueError) as error:
        _run(adapter, **{name: seed})
    assert str(error.value) == f"{name} must be None or a non-negative integer (at most 4294967295), got {seed!r}"


def test_seed_none_means_zero():
    assert check_seed(None) == 0 and check_seed(np.int64(5)) == 5 and check_seed(2**32 - 1) == 2**32 - 1
    assert SymbolicFMEstimator(prediction_length=4, max_steps=1, seed=None, device="cpu").seed == 0
    entry = {"start": START, "target": _wave()}
    samples = [next(SymbolicFMPredictor(prediction_length=4, num_samples=3, forecast_type="samples", seed=seed,
                                        device="cpu").predict([entry])).samples for seed in (None, 0, 1)]
    np.testing.assert_array_equal(samples[0], samples[1])
    assert not np.array_equal(samples[0], samples[2])


def test_the_shared_checks():
    assert check_device("cpu") == torch.device("cpu")
    assert check_model_name("symbolic-piece") == "symbolic-piece"
    with pytest.raises(ValueError, match="model_name must be a string or path, got float"):
        check_model_name(3.5, must_exist=False)
    assert check_model_name("not-shipped", must_exist=False) == "not-shipped"
    assert load_shared_model("symbolic-piece", "cpu") is shared_pipeline("symbolic-piece", "cpu")
    assert FIT_STRATEGIES == ("zero-shot", "fine-tune")
    assert INTERVAL_LEVELS == (QUANTILE_LEVELS[0], QUANTILE_LEVELS[-1]) == (0.1, 0.9)


def test_the_fit_strategy_is_one_parameter_of_the_sktime_estimators():
    for cls in (SymbolicFMForecaster, SymbolicFMClassifier):
        assert cls().get_params()["fit_strategy"] == "zero-shot"
        assert "fine_tune" not in cls().get_params()


# ---------------------------------------------------------------- the fine-tuning horizon


def test_fine_tuning_horizon_rule():
    series = [np.zeros(20), np.zeros(100)]
    assert fine_tuning_horizon(series, None, 64) == 64
    assert fine_tuning_horizon(series, 80, 64) == 64  # at most the model's
    assert fine_tuning_horizon([np.zeros(20)], 30, 64) == 20 - MIN_CONTEXT  # shortened to the longest series
    assert fine_tuning_horizon([np.zeros(9)], None, 64) == 1
    message = ("no series is long enough to fine-tune on: a window needs at least {} values (8 context + {} to "
               "predict), the longest series has {}")
    with pytest.raises(ValueError) as error:
        fine_tuning_horizon([np.zeros(8), np.zeros(3)], 5, 64)
    assert str(error.value) == message.format(9, 1, 8)
    # without shorten, a wanted horizon the series cannot hold is an error (fine_tune, the GluonTS estimator)
    assert fine_tuning_horizon([np.zeros(40)], 32, 64, shorten=False) == 32
    with pytest.raises(ValueError) as error:
        fine_tuning_horizon([np.zeros(20)], 30, 64, shorten=False)
    assert str(error.value) == message.format(38, 30, 20)
    with pytest.raises(ValueError) as error:
        fine_tune(load_pretrained(device="cpu"), [np.zeros(20)], prediction_length=30, max_steps=1)
    assert str(error.value) == message.format(38, 30, 20)
    estimator = SymbolicFMEstimator(prediction_length=30, max_steps=1, batch_size=2, device="cpu",
                                    trainer_kwargs={"accelerator": "cpu"})
    with pytest.raises(ValueError) as error:
        estimator.train([{"start": START, "target": np.zeros(20)}])
    assert str(error.value) == message.format(38, 30, 20)


def test_forecaster_and_classifier_fine_tune_with_the_same_horizon():
    # series of 40 values: windows of 8 context values and 32 to predict, in both estimators
    y = pd.Series(_wave(40))
    params = dict(fit_strategy="fine-tune", fine_tune_steps=1, fine_tune_batch_size=2, device="cpu")
    forecaster = SymbolicFMForecaster(**params).fit(y)
    X, labels = _classes()
    classifier = SymbolicFMClassifier(**params).fit(X, labels)
    expected = fine_tuning_horizon([y.to_numpy()], None, shared_pipeline(device="cpu").cfg.prediction_length)
    assert expected == 32
    assert forecaster.pipeline_.card["fine_tuning"]["prediction_length"] == expected
    assert classifier.pipeline_.card["fine_tuning"]["prediction_length"] == expected


# ---------------------------------------------------------------- pickling


def test_forecaster_and_classifier_pickle_pipelines_the_same_way():
    y = pd.Series(_wave(40))
    X, labels = _classes()
    shared = shared_pipeline(device="cpu")
    fits = ((SymbolicFMForecaster, lambda e: e.fit(y, fh=[1])), (SymbolicFMClassifier, lambda e: e.fit(X, labels)))
    for cls, fit in fits:
        assert cls.__getstate__ is SymbolicFMForecaster.__getstate__
        zero_shot = fit(cls(device="cpu"))
        assert zero_shot.__getstate__()["_packed_pipelines"]["pipeline_"] == ("shared", None)
        assert pickle.loads(pickle.dumps(zero_shot)).pipeline_ is shared
        tuned = fit(cls(device="cpu", fit_strategy="fine-tune", fine_tune_steps=1, fine_tune_batch_size=2))
        kind, state = tuned.__getstate__()["_packed_pipelines"]["pipeline_"]
        assert kind == "state" and state.keys() == tuned.pipeline_.to_state().keys()
        for restored in (pickle.loads(pickle.dumps(tuned)), copy.deepcopy(tuned)):
            assert restored.pipeline_ is not shared and restored.pipeline_ is not tuned.pipeline_
            for name, value in tuned.pipeline_.model.state_dict().items():
                assert torch.equal(restored.pipeline_.model.state_dict()[name], value), name


# ---------------------------------------------------------------- a series to forecast from


def test_forecasting_needs_two_observed_values():
    assert check_forecastable(np.array([np.nan, 1.0, 2.0]), "y").shape == (3,)
    message = ("y has 1 observed value; forecasting needs at least 2 observed values (from one, the forecast is "
               "flat with an interval of zero width)")
    for values in ([5.0], [np.nan, 5.0, np.nan]):
        with pytest.raises(ValueError) as error:
            check_forecastable(np.array(values), "y")
        assert str(error.value) == message
