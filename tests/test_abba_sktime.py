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
    assert Xt.index.name == "symbol_position"
    # length is the piece's time steps: the pieces of the chain cover the series
    rep = abba.models_[0].transform(y.to_numpy()[None, :])
    np.testing.assert_array_equal(Xt["length"].to_numpy(), rep.piece_lengths)
    assert Xt["length"].sum() == len(y) - 1
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


def _walks(n_instances, n_channels, length, seed):
    x = np.random.default_rng(seed).standard_normal((n_instances, n_channels, length)).cumsum(axis=-1)
    return (x - x.mean(axis=-1, keepdims=True)) / x.std(axis=-1, keepdims=True)


def _multiindex(X, name="instance"):
    """``(instances, channels, time)`` array as a pd-multiindex panel."""
    n, c, m = X.shape
    index = pd.MultiIndex.from_product([range(n), range(m)], names=[name, "time"])
    return pd.DataFrame(X.transpose(0, 2, 1).reshape(-1, c), index=index, columns=[f"c{i}" for i in range(c)])


TRANSFORMERS = [ABBATransformer, JABBATransformer]


@pytest.mark.parametrize("estimator", TRANSFORMERS)
@pytest.mark.parametrize("as_frame", [False, True])
def test_nan_and_inf_name_instance_and_channel(estimator, as_frame):
    X = _walks(8, 2, 40, 1)
    X[5, 1, 3] = np.nan
    X[6, 0, 2] = np.inf
    X = _multiindex(X) if as_frame else X
    with pytest.raises(ValueError, match="instance 5, channel 1 contains NaN at position 3"):
        estimator().fit(X)


@pytest.mark.parametrize("estimator", TRANSFORMERS)
def test_length_one_instance_is_named(estimator):
    frames = {i: pd.DataFrame({"v": np.arange(n, dtype=float)}) for i, n in enumerate((30, 12, 1, 8))}
    X = pd.concat(frames, names=["instance", "time"])
    with pytest.raises(ValueError, match="instance 2, channel 0 has length 1"):
        estimator().fit(X)


def test_abba_and_jabba_outputs_read_alike():
    X = _multiindex(_walks(3, 2, 60, 2))
    abba = ABBATransformer(tol=0.1, alpha=0.2).fit_transform(X)
    jabba = JABBATransformer(tol=0.1, alpha=0.2).fit_transform(X)
    assert list(abba.index.names) == list(jabba.index.names) == ["instance", "symbol_position"]
    assert list(abba.columns) == list(jabba.columns) == ["symbol", "channel", "start_value", "length", "loc", "scale"]
    # one instance: one codebook either way, so the frames are equal
    one = X.loc[[1]]
    pd.testing.assert_frame_equal(ABBATransformer(tol=0.1, alpha=0.2).fit_transform(one),
                                  JABBATransformer(tol=0.1, alpha=0.2).fit_transform(one))
    # and for a single series the index is symbol_position alone
    y = load_airline()
    assert ABBATransformer().fit_transform(y).index.name == JABBATransformer().fit_transform(y).index.name
    assert JABBATransformer().fit_transform(y).index.name == "symbol_position"


@pytest.mark.parametrize("estimator", TRANSFORMERS)
def test_length_is_the_piece_length(estimator):
    from sktime_symbolic.abba import compress

    X3 = _walks(4, 2, 80, 3)
    Xt = estimator(tol=0.1, alpha=0.2).fit_transform(_multiindex(X3))
    for i in range(4):
        for c in range(2):
            rows = Xt.loc[i][Xt.loc[i, "channel"] == c]
            # normalize=True compresses the z-normalised channel (the walks already are)
            np.testing.assert_array_equal(rows["length"].to_numpy(), compress(X3[i, c], tol=0.1).lengths)
            assert rows["length"].sum() == 79
            np.testing.assert_allclose(rows["start_value"], X3[i, c, 0], rtol=1e-12)


@pytest.mark.parametrize("estimator", TRANSFORMERS)
def test_numpy3d_and_multiindex_input_give_the_same_symbols(estimator):
    X3 = _walks(5, 2, 50, 4)
    from_array = estimator(tol=0.1, alpha=0.2).fit_transform(X3)
    from_frame = estimator(tol=0.1, alpha=0.2).fit_transform(_multiindex(X3, name="instances"))
    np.testing.assert_array_equal(from_array.to_numpy(), from_frame.to_numpy())
    assert list(from_array.index.names) == ["instances", "symbol_position"]
    t = estimator(tol=0.1, alpha=0.2).fit(X3)
    X_rec = t.inverse_transform(t.transform(X3))
    assert X_rec.shape == (5 * 50, 2)
    assert np.sqrt(np.mean((X_rec.to_numpy() - X3.transpose(0, 2, 1).reshape(-1, 2)) ** 2)) < 0.3


@pytest.mark.parametrize("estimator", TRANSFORMERS)
def test_inverse_of_interleaved_rows_and_edited_lengths(estimator):
    X = _multiindex(_walks(4, 1, 60, 5))
    t = estimator(tol=0.1, alpha=0.2).fit(X)
    Xt = t.transform(X)
    X_rec = t.inverse_transform(Xt)
    # rows of the instances interleaved (order within an instance kept): same reconstruction
    pd.testing.assert_frame_equal(t.inverse_transform(Xt.sort_index(level=1, sort_remaining=False)), X_rec)
    # a channel's reconstruction spans 1 + the sum of its pieces' lengths
    edited = Xt.copy()
    edited.loc[(2, 0), "length"] += 5
    lengths = t.inverse_transform(edited).groupby(level=0).size()
    assert lengths.tolist() == [60, 60, 65, 60]


@pytest.mark.parametrize("estimator", TRANSFORMERS)
@pytest.mark.parametrize(
    "column, value, match",
    [
        ("symbol", 1.5, "column 'symbol' must hold integers, found 1.5 at row \\(1, 2\\)"),
        ("symbol", np.nan, "column 'symbol' must hold integers, found nan"),
        ("symbol", -1, "unknown symbol code -1"),
        ("length", np.nan, "column 'length' must hold integers, found nan"),
        ("length", np.inf, "column 'length' must hold integers, found inf"),
        ("length", -2, "column 'length' must be >= 1, found -2"),
        ("length", 0, "column 'length' must be >= 1, found 0"),
        ("scale", np.nan, "column 'scale' must hold finite numbers > 0, found nan"),
        ("scale", -1.0, "column 'scale' must hold finite numbers > 0, found -1.0"),
        ("scale", np.inf, "column 'scale' must hold finite numbers > 0, found inf"),
        ("loc", np.inf, "column 'loc' must hold finite numbers, found inf"),
        ("start_value", np.nan, "column 'start_value' must hold finite numbers, found nan"),
        ("channel", 2, "channel 2 at row \\(1, 2\\) does not exist: the transformer was fitted on 2 channel"),
        ("channel", -1, "channel -1 at row \\(1, 2\\) does not exist"),
        ("channel", 0.5, "column 'channel' must hold integers, found 0.5"),
    ],
)
def test_inverse_rejects_bad_symbol_frames(estimator, column, value, match):
    X = _multiindex(_walks(3, 2, 40, 6))
    t = estimator(tol=0.1, alpha=0.2).fit(X)
    Xt = t.transform(X)
    Xt = Xt.astype({column: float}) if isinstance(value, float) else Xt
    Xt.loc[(1, 2), column] = value
    with pytest.raises(ValueError, match=match):
        t.inverse_transform(Xt)


@pytest.mark.parametrize("estimator", TRANSFORMERS)
def test_inverse_needs_every_channel_and_agreeing_lengths(estimator):
    X = _multiindex(_walks(3, 2, 40, 7))
    t = estimator(tol=0.1, alpha=0.2).fit(X)
    Xt = t.transform(X)
    no_channel_1 = Xt[~((Xt.index.get_level_values(0) == 2) & (Xt["channel"] == 1))]
    with pytest.raises(ValueError, match="instance 2, channel 1 has no symbols"):
        t.inverse_transform(no_channel_1)
    longer = Xt.copy()
    longer.loc[(0, 0), "length"] += 3
    with pytest.raises(ValueError, match=r"instance 0: its channels reconstruct to lengths \[43, 40\]"):
        t.inverse_transform(longer)


def test_abba_needs_the_instances_it_was_fitted_on():
    X = _multiindex(_walks(3, 1, 40, 8))
    abba = ABBATransformer().fit(X)
    assert len(abba.models_) == 3
    with pytest.raises(ValueError, match="fitted on 3 instance"):
        abba.transform(X.loc[[0, 1]])
    with pytest.raises(ValueError, match="fitted on 3 instance"):
        abba.inverse_transform(JABBATransformer().fit_transform(X.loc[[0, 1]]))


def test_abba_strings_per_instance_codebook():
    X = _multiindex(_walks(3, 1, 80, 9))
    abba = ABBATransformer(tol=0.1, alpha=0.1, return_strings=True)
    Xt = abba.fit_transform(X)
    codes = ABBATransformer(tol=0.1, alpha=0.1).fit_transform(X)["symbol"].to_numpy()
    for i, model in enumerate(abba.models_):
        mask = Xt.index.get_level_values(0) == i
        assert Xt["symbol"][mask].tolist() == [model.alphabet_[c] for c in codes[mask]]
