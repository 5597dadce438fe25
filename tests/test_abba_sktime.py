"""Tests of the sktime ABBA / JABBA transformers."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sktime.datasets import load_airline, load_basic_motions, load_unit_test
from sktime.utils.estimator_checks import check_estimator

from sktime_symbolic.transformations import ABBATransformer, JABBATransformer


@pytest.mark.parametrize("estimator", [ABBATransformer, JABBATransformer])
def test_passes_sktime_check_estimator(estimator):
    results = check_estimator(estimator, raise_exceptions=False, verbose=False)
    failed = {name: msg for name, msg in results.items() if msg != "PASSED" and "SKIPPED" not in str(msg)}
    assert not failed, failed


def test_abba_on_a_series_round_trips_with_original_length():
    y = load_airline()
    abba = ABBATransformer(tol=0.05, alpha=0.1)
    Xt = abba.fit_transform(y)
    assert list(Xt.columns) == ["symbol", "channel", "start_value", "length", "loc", "scale"]
    assert Xt["symbol"].dtype == np.int64
    assert (Xt["length"] == len(y)).all()
    y_rec = abba.inverse_transform(Xt)
    assert len(y_rec) == len(y)
    assert float(np.asarray(y_rec).ravel()[0]) == pytest.approx(y.iloc[0])
    rel_rmse = np.sqrt(np.mean((np.asarray(y_rec).ravel() - y.to_numpy()) ** 2)) / y.std()
    assert rel_rmse < 0.2


def test_jabba_codebook_is_shared_and_reproduced_on_training_panel():
    X, _ = load_unit_test(split="train", return_type="pd-multiindex")
    jabba = JABBATransformer(tol=0.1, alpha=0.2)
    Xt = jabba.fit_transform(X)
    again = jabba.transform(X)
    np.testing.assert_array_equal(Xt["symbol"].to_numpy(), again["symbol"].to_numpy())
    # one codebook: every instance's symbols come from the same fitted alphabet
    assert Xt["symbol"].max() < jabba.model_.n_symbols_
    X_rec = jabba.inverse_transform(Xt)
    assert X_rec.shape == X.shape
    X_test, _ = load_unit_test(split="test", return_type="pd-multiindex")
    assert jabba.inverse_transform(jabba.transform(X_test)).shape == X_test.shape


def test_jabba_multivariate_channel_by_channel():
    X, _ = load_basic_motions(split="train", return_type="pd-multiindex")
    X = X.loc[X.index.get_level_values(0).unique()[:6]]
    jabba = JABBATransformer(tol=0.2, alpha=0.3)
    Xt = jabba.fit_transform(X)
    assert sorted(Xt["channel"].unique()) == list(range(X.shape[1]))
    X_rec = jabba.inverse_transform(Xt)
    assert X_rec.shape == X.shape
    assert list(X_rec.columns) == list(X.columns)


def test_unequal_length_panel_and_strings():
    rng = np.random.default_rng(0)
    frames = {i: pd.DataFrame({"v": rng.standard_normal(n).cumsum()}) for i, n in enumerate((30, 55, 80))}
    X = pd.concat(frames, names=["instance", "time"])
    jabba = JABBATransformer(tol=0.1, alpha=0.2, return_strings=True)
    Xt = jabba.fit_transform(X)
    assert Xt["symbol"].map(type).eq(str).all()
    assert set(Xt["symbol"]) <= set(jabba.model_.alphabet_)
    # sktime admits no categorical input to inverse_transform: map strings back to codes
    code_of = {s: i for i, s in enumerate(jabba.model_.alphabet_)}
    X_rec = jabba.inverse_transform(Xt.assign(symbol=Xt["symbol"].map(code_of)))
    assert [len(X_rec.loc[i]) for i in range(3)] == [30, 55, 80]


@pytest.mark.parametrize("backend", ["joblib", "dask"])
def test_abba_under_parallel_backend_matches_serial(backend):
    X, _ = load_unit_test(split="train", return_type="pd-multiindex")
    serial = ABBATransformer(tol=0.1, alpha=0.2).fit_transform(X)
    parallel = ABBATransformer(tol=0.1, alpha=0.2)
    config = {"backend:parallel": backend}
    if backend == "joblib":
        config["backend:parallel:params"] = {"n_jobs": 2, "backend": "loky"}
    parallel.set_config(**config)
    out = parallel.fit_transform(X)
    pd.testing.assert_frame_equal(out, serial)
    assert parallel.inverse_transform(out).shape == X.shape


def test_inside_a_transformer_pipeline():
    from sklearn.preprocessing import StandardScaler
    from sktime.transformations.series.adapt import TabularToSeriesAdaptor

    y = load_airline()
    pipe = TabularToSeriesAdaptor(StandardScaler()) * ABBATransformer(tol=0.05, alpha=0.1, normalize=False)
    Xt = pipe.fit_transform(y)
    assert "symbol" in Xt.columns
    y_rec = pipe.inverse_transform(Xt)
    assert np.corrcoef(np.asarray(y_rec).ravel(), y.to_numpy())[0, 1] > 0.95


def test_pickle_round_trip():
    X, _ = load_unit_test(split="train", return_type="pd-multiindex")
    jabba = JABBATransformer(tol=0.1, alpha=0.2).fit(X)
    clone = pickle.loads(pickle.dumps(jabba))
    pd.testing.assert_frame_equal(clone.transform(X), jabba.transform(X))


def test_bad_input_errors():
    with pytest.raises(ValueError, match="tol must be > 0"):
        ABBATransformer(tol=0).fit(load_airline())
    y = load_airline().copy()
    y.iloc[5] = np.nan
    with pytest.raises(ValueError, match="missing values|NaN"):
        ABBATransformer().fit(y)
    jabba = JABBATransformer().fit(load_unit_test(split="train", return_type="pd-multiindex")[0])
    Xt = jabba.transform(load_unit_test(split="test", return_type="pd-multiindex")[0])
    with pytest.raises(ValueError, match="missing"):
        jabba.inverse_transform(Xt[["symbol"]])
