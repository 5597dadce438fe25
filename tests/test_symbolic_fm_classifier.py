"""Tests of the foundation-model embedding classifier."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.neighbors import KNeighborsClassifier
from sklearn.linear_model import RidgeClassifier
from sktime.utils.estimator_checks import check_estimator

from sktime_symbolic.classification import SymbolicFMClassifier
from sktime_symbolic.model import shared_pipeline

D_MODEL = shared_pipeline(device="cpu").cfg.d_model


def waves(n_per_class, length=96, seed=0):
    """Noisy sines (class "sine") and square waves (class "square"), random frequency and phase."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    X, y = [], []
    for label in ("sine", "square"):
        for _ in range(n_per_class):
            wave = np.sin(2 * np.pi * t / rng.uniform(12, 30) + rng.uniform(0, 2 * np.pi))
            if label == "square":
                wave = np.sign(wave)
            X.append(wave + 0.1 * rng.standard_normal(length))
            y.append(label)
    return np.asarray(X)[:, None, :], np.asarray(y)


@pytest.fixture(scope="module")
def fitted():
    X, y = waves(25, seed=0)
    return SymbolicFMClassifier(device="cpu", batch_size=16).fit(X, y)


def test_passes_sktime_check_estimator():
    check_estimator(SymbolicFMClassifier, raise_exceptions=True, verbose=False)


def test_separates_sines_from_square_waves_on_held_out_data(fitted):
    X_test, y_test = waves(20, seed=1)
    accuracy = (fitted.predict(X_test) == y_test).mean()
    assert accuracy >= 0.85, accuracy
    proba = fitted.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # ridge has no probabilities: the softmax of its decision is ordered like the prediction
    np.testing.assert_array_equal(fitted.classes_[proba.argmax(axis=1)], fitted.predict(X_test))


def test_multivariate_embeds_each_channel_and_concatenates():
    X, y = waves(6, seed=2)
    reversed_channel = X[:, :, ::-1]
    X2 = np.concatenate([X, reversed_channel], axis=1)
    clf = SymbolicFMClassifier(device="cpu").fit(X2, y)
    features = clf.embed(X2)
    assert features.shape == (len(X2), 2 * D_MODEL)
    single = SymbolicFMClassifier(device="cpu").fit(reversed_channel, y)
    np.testing.assert_allclose(features[:, D_MODEL:], single.embed(reversed_channel), atol=1e-5)
    assert clf.predict(X2).shape == (len(X2),)
    with pytest.raises(ValueError, match="X has 1 channels, but the classifier was fitted on 2"):
        clf.predict(X)


def test_unequal_lengths_and_missing_values():
    rng = np.random.default_rng(3)
    frames, labels = {}, []
    for i, n in enumerate((40, 70, 55, 90, 35, 60)):
        values = np.sin(np.arange(n) / (2 + i % 2 * 3)) + 0.1 * rng.standard_normal(n)
        values[5:9] = np.nan
        frames[i] = pd.DataFrame({"v": values})
        labels.append(i % 2)
    X = pd.concat(frames, names=["instance", "time"])
    clf = SymbolicFMClassifier(device="cpu").fit(X, np.asarray(labels))
    assert clf.embed(X).shape == (6, D_MODEL)
    assert np.isfinite(clf.embed(X)).all()
    assert set(clf.predict(X)) <= {0, 1}


def test_only_the_last_context_length_values_matter(fitted):
    n = shared_pipeline(device="cpu").context_length
    rng = np.random.default_rng(4)
    tail = np.sin(np.arange(n) / 5)
    a = np.concatenate([rng.standard_normal(100), tail])
    b = np.concatenate([10 + 5 * rng.standard_normal(100), tail])
    features = fitted.embed(np.stack([a, b])[:, None, :])
    np.testing.assert_allclose(features[0], features[1], atol=1e-5)


def test_seeded_fits_are_deterministic():
    X, y = waves(5, seed=5)
    params = dict(device="cpu", fit_strategy="fine-tune", fine_tune_steps=2, fine_tune_batch_size=4, random_state=7)
    first = SymbolicFMClassifier(**params).fit(X, y)
    second = SymbolicFMClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(first.embed(X), second.embed(X))
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_fine_tuning_changes_embeddings_and_leaves_shared_model_untouched(fitted):
    shared = shared_pipeline(device="cpu")
    before = {k: v.clone() for k, v in shared.model.state_dict().items()}
    X, y = waves(5, seed=6)
    tuned = SymbolicFMClassifier(device="cpu", fit_strategy="fine-tune", fine_tune_steps=3, fine_tune_lr=1e-3,
                                 fine_tune_batch_size=4, random_state=0).fit(X, y)
    assert tuned.pipeline_ is not shared
    assert fitted.pipeline_ is shared
    assert tuned.pipeline_.card["fine_tuning"]["steps"] == 3
    # the features come from the base network, so fine-tuning tunes it alone (no specialist left)
    assert shared.cfg.specialist_seasons and not tuned.pipeline_.cfg.specialist_seasons
    assert not np.allclose(tuned.embed(X), fitted.embed(X), atol=1e-4)
    for name, value in shared.model.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_zero_shot_pickle_leaves_out_the_weights_and_predicts_identically(fitted):
    X_test, _ = waves(4, seed=8)
    blob = pickle.dumps(fitted)
    assert len(blob) < 100_000, len(blob)
    restored = pickle.loads(blob)
    assert restored.pipeline_ is shared_pipeline(device="cpu")
    np.testing.assert_array_equal(restored.predict_proba(X_test), fitted.predict_proba(X_test))


def test_fine_tuned_pickle_keeps_the_weights():
    X, y = waves(4, seed=9)
    tuned = SymbolicFMClassifier(device="cpu", fit_strategy="fine-tune", fine_tune_steps=2, fine_tune_lr=1e-3,
                                 fine_tune_batch_size=4, random_state=0).fit(X, y)
    blob = pickle.dumps(tuned)
    n_weights = sum(v.numel() for v in tuned.pipeline_.model.state_dict().values())
    assert len(blob) > 4 * n_weights
    restored = pickle.loads(blob)
    assert restored.pipeline_ is not shared_pipeline(device="cpu")
    np.testing.assert_array_equal(restored.embed(X), tuned.embed(X))
    np.testing.assert_array_equal(restored.predict(X), tuned.predict(X))


@pytest.mark.parametrize("estimator, has_proba", [(KNeighborsClassifier(n_neighbors=1), True),
                                                  (RidgeClassifier(), False)])
def test_custom_estimator_head(estimator, has_proba):
    X, y = waves(6, seed=10)
    y = np.where(np.arange(len(y)) % 3 == 0, "third", y)  # three classes
    clf = SymbolicFMClassifier(device="cpu", estimator=estimator).fit(X, y)
    assert type(clf.head_) is type(estimator) and clf.head_ is not estimator
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    if has_proba:  # 1-NN on its own training data: one-hot and exact
        np.testing.assert_array_equal(clf.predict(X), y)
        assert set(np.unique(proba)) == {0.0, 1.0}


def test_logistic_head_gives_probabilities(fitted):
    X, y = waves(6, seed=11)
    clf = SymbolicFMClassifier(device="cpu", head="logistic").fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert ((proba > 0) & (proba < 1)).all()


def test_bad_input_is_named():
    X, y = waves(3, seed=12)
    clf = SymbolicFMClassifier(device="cpu")
    bad = X.copy()
    bad[2, 0, 5] = np.inf
    with pytest.raises(ValueError, match=r"instance 2, channel 0 contains inf"):
        clf.fit(bad, y)
    bad = X.copy()
    bad[4, 0, :] = np.nan
    with pytest.raises(ValueError, match=r"instance 4, channel 0 has no observed value \(all NaN\)"):
        clf.fit(bad, y)
    with pytest.raises(ValueError, match="instance 0, channel 0 is empty"):
        clf.fit(np.empty((len(y), 1, 0)), y)
    with pytest.raises(ValueError, match="Minimum number of cases required is 1"):  # sktime's own check
        clf.fit(np.empty((0, 1, 10)), np.array([]))
    clf.fit(X, y)
    bad = X[:2].copy()
    bad[1, 0, 3] = -np.inf
    with pytest.raises(ValueError, match=r"instance 1, channel 0 contains inf"):
        clf.predict(bad)


@pytest.mark.parametrize("params, message", [
    ({"head": "forest"}, r"head must be one of \('ridge', 'logistic'\), got 'forest'"),
    ({"batch_size": 0}, "batch_size must be a positive integer, got 0"),
    ({"fine_tune_steps": 1.5}, "fine_tune_steps must be a positive integer, got 1.5"),
    ({"fine_tune_lr": -1.0}, "fine_tune_lr must be a positive number, got -1.0"),
    ({"fit_strategy": "yes"}, r"fit_strategy must be one of \('zero-shot', 'fine-tune'\), got 'yes'"),
    ({"fit_strategy": True}, r"fit_strategy must be one of \('zero-shot', 'fine-tune'\), got True"),
    ({"random_state": -1}, r"random_state must be None or a non-negative integer \(at most 4294967295\), got -1"),
    ({"random_state": np.random.RandomState(0)}, "random_state must be None or a non-negative integer"),
    ({"estimator": object()}, "estimator must be an sklearn classifier with fit and predict, got object"),
    ({"model_name": "no-such-model"}, "unknown model 'no-such-model'"),
    ({"device": "tpu-of-dreams"}, "device must be 'auto' or a torch device"),
])
def test_bad_params_are_named(params, message):
    X, y = waves(2, seed=13)
    with pytest.raises(ValueError, match=message):
        SymbolicFMClassifier(**params).fit(X, y)


def test_fine_tuning_needs_long_enough_series():
    X, y = waves(2, length=8, seed=14)
    with pytest.raises(ValueError, match=r"no series is long enough to fine-tune on: a window needs at least 9 values "
                                         r"\(8 context \+ 1 to predict\), the longest series has 8"):
        SymbolicFMClassifier(device="cpu", fit_strategy="fine-tune", fine_tune_steps=1).fit(X, y)


def test_no_seed_means_seed_0():
    X, y = waves(4, seed=15)
    params = dict(device="cpu", fit_strategy="fine-tune", fine_tune_steps=2, fine_tune_batch_size=4, fine_tune_lr=1e-3)
    unseeded = SymbolicFMClassifier(**params).fit(X, y)
    seeded = SymbolicFMClassifier(random_state=0, **params).fit(X, y)
    assert unseeded.pipeline_.card["fine_tuning"]["seed"] == 0
    np.testing.assert_array_equal(unseeded.embed(X), seeded.embed(X))
    assert SymbolicFMClassifier.get_class_tag("property:randomness") == "derandomized"


def test_fine_tuning_windows_follow_the_forecasters_rule():
    # the longest series holds one window: 8 context values and the rest (at most the model's horizon) to predict
    X, y = waves(2, length=40, seed=16)
    tuned = SymbolicFMClassifier(device="cpu", fit_strategy="fine-tune", fine_tune_steps=1,
                                 fine_tune_batch_size=2).fit(X, y)
    assert tuned.pipeline_.card["fine_tuning"]["prediction_length"] == 40 - 8
