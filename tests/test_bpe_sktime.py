"""Tests of the sktime BPE motif tokenizer transformer."""

import numpy as np
import pandas as pd
import pytest
from sktime.datasets import load_airline, load_basic_motions, load_unit_test
from sktime.utils.estimator_checks import check_estimator

from sktime_symbolic.bpe import MASK
from sktime_symbolic.transformations import BPETokenizer


def test_passes_sktime_check_estimator():
    results = check_estimator(BPETokenizer, raise_exceptions=False, verbose=False)
    failed = {name: msg for name, msg in results.items() if msg != "PASSED" and "SKIPPED" not in str(msg)}
    assert not failed, failed


def test_panel_fit_transform_inverse_within_quantization_bound():
    X, _ = load_unit_test(split="train", return_type="pd-multiindex")
    bpe = BPETokenizer(n_bins=22, p_min=10, conditional=False)
    Xt = bpe.fit_transform(X)
    assert list(Xt.columns) == ["token", "channel", "length", "loc", "scale"]
    assert Xt["token"].dtype == np.int64
    assert Xt["token"].max() < bpe.vocab_size_
    # motifs compress the panel: fewer tokens than time points
    assert len(Xt) < len(X)
    X_rec = bpe.inverse_transform(Xt)
    assert X_rec.shape == X.shape
    # every instance: |error| <= delta_max * scale for values within lb..ub scaled units
    for name in X.index.get_level_values(0).unique():
        x = X.loc[name].to_numpy().ravel()
        loc, scale = Xt.loc[name, "loc"].iloc[0], Xt.loc[name, "scale"].iloc[0]
        in_range = np.abs(x - loc) <= 5 * scale
        err = np.abs(X_rec.loc[name].to_numpy().ravel() - x)[in_range]
        assert err.max() <= bpe.tokenizer_.max_quantization_error * scale * (1 + 1e-9)


def test_single_series_and_test_panel_use_the_training_vocabulary():
    y = load_airline()
    bpe = BPETokenizer(n_bins=22, p_min=3).fit(y)
    Xt = bpe.transform(y)
    y_rec = bpe.inverse_transform(Xt)
    assert len(y_rec) == len(y)
    rel = np.sqrt(np.mean((np.asarray(y_rec).ravel() - y.to_numpy()) ** 2)) / y.std()
    assert rel < 0.1


def test_multivariate_channels_share_the_vocabulary():
    X, _ = load_basic_motions(split="train", return_type="pd-multiindex")
    X = X.loc[X.index.get_level_values(0).unique()[:5]]
    bpe = BPETokenizer(n_bins=22, p_min=5)
    Xt = bpe.fit_transform(X)
    assert sorted(Xt["channel"].unique()) == list(range(X.shape[1]))
    X_rec = bpe.inverse_transform(Xt)
    assert X_rec.shape == X.shape
    assert list(X_rec.columns) == list(X.columns)


def test_missing_values_become_mask_and_decode_to_nan():
    X, _ = load_unit_test(split="train", return_type="pd-multiindex")
    X = X.copy()
    X.iloc[[3, 40]] = np.nan
    bpe = BPETokenizer(n_bins=10, p_min=5)
    Xt = bpe.fit_transform(X)
    assert (Xt["token"] == MASK).sum() == 2
    X_rec = bpe.inverse_transform(Xt)
    np.testing.assert_array_equal(np.isnan(X_rec.to_numpy()), np.isnan(X.to_numpy()))


def test_bad_input_and_parameters():
    y = pd.Series([1.0, 2.0, np.inf, 3.0])
    with pytest.raises(ValueError, match="inf"):
        BPETokenizer(n_bins=4, p_min=1).fit(y)
    with pytest.raises(ValueError, match="lb must be smaller"):
        BPETokenizer(lb=1, ub=0).fit(load_airline())
    bpe = BPETokenizer(n_bins=10, p_min=2).fit(load_airline())
    Xt = bpe.transform(load_airline())
    Xt.iloc[0, 0] = 10**6
    with pytest.raises(ValueError, match="unknown token id"):
        bpe.inverse_transform(Xt)
    with pytest.raises(ValueError, match="needs the columns"):
        bpe.inverse_transform(Xt[["token"]])


def _panel(n_instances, n_channels, length, seed):
    x = np.random.default_rng(seed).standard_normal((n_instances, n_channels, length)).cumsum(axis=-1)
    index = pd.MultiIndex.from_product([range(n_instances), range(length)], names=["instance", "time"])
    return pd.DataFrame(x.transpose(0, 2, 1).reshape(-1, n_channels), index=index,
                        columns=[f"c{i}" for i in range(n_channels)])


@pytest.mark.parametrize("as_array", [False, True])
def test_inf_names_instance_and_channel(as_array):
    X = _panel(12, 2, 30, 1)
    X.loc[(11, 4), "c1"] = np.inf
    X.loc[(3, 2), "c0"] = np.nan  # missing: allowed
    if as_array:
        X = X.to_numpy().reshape(12, 30, 2).transpose(0, 2, 1)
    with pytest.raises(ValueError, match="instance 11, channel 1 contains inf at position 4"):
        BPETokenizer(n_bins=10, p_min=2).fit(X)


def test_output_index_and_numpy3d_input():
    X = _panel(4, 2, 50, 2)
    bpe = BPETokenizer(n_bins=10, p_min=3)
    Xt = bpe.fit_transform(X)
    assert list(Xt.index.names) == ["instance", "token_position"]
    X3 = X.to_numpy().reshape(4, 50, 2).transpose(0, 2, 1)
    from_array = BPETokenizer(n_bins=10, p_min=3).fit_transform(X3)
    np.testing.assert_array_equal(from_array.to_numpy(), Xt.to_numpy())
    assert from_array.index.names[1] == "token_position"
    assert BPETokenizer(n_bins=10, p_min=3).fit_transform(load_airline()).index.name == "token_position"
    # rows of the instances interleaved (order within an instance kept): same reconstruction
    pd.testing.assert_frame_equal(bpe.inverse_transform(Xt.sort_index(level=1, sort_remaining=False)),
                                  bpe.inverse_transform(Xt))


@pytest.mark.parametrize(
    "column, value, match",
    [
        ("token", 4.5, r"column 'token' must hold integers, found 4.5 at row \(1, 2\)"),
        ("token", np.nan, "column 'token' must hold integers, found nan"),
        ("length", np.nan, "column 'length' must hold integers, found nan"),
        ("length", -3, "column 'length' must be >= 1, found -3"),
        ("scale", 0.0, "column 'scale' must hold finite numbers > 0, found 0.0"),
        ("scale", np.inf, "column 'scale' must hold finite numbers > 0, found inf"),
        ("loc", np.nan, "column 'loc' must hold finite numbers, found nan"),
        ("channel", 5, r"channel 5 at row \(1, 2\) does not exist: the transformer was fitted on 2 channel"),
    ],
)
def test_inverse_rejects_bad_token_frames(column, value, match):
    X = _panel(3, 2, 40, 3)
    bpe = BPETokenizer(n_bins=10, p_min=2).fit(X)
    Xt = bpe.transform(X)
    Xt = Xt.astype({column: float}) if isinstance(value, float) else Xt
    Xt.loc[(1, 2), column] = value
    with pytest.raises(ValueError, match=match):
        bpe.inverse_transform(Xt)


def test_inverse_of_edited_tokens_is_cut_or_padded_to_length():
    X = _panel(2, 1, 40, 4)
    bpe = BPETokenizer(n_bins=10, p_min=2).fit(X)
    Xt = bpe.transform(X)
    shorter = Xt.drop(index=[(0, len(Xt.loc[0]) - 1)])
    X_rec = bpe.inverse_transform(shorter)
    assert X_rec.shape == X.shape
    assert np.isnan(X_rec.loc[0].to_numpy()[-1, 0]) and not np.isnan(X_rec.loc[1].to_numpy()).any()
    X2 = _panel(2, 2, 40, 5)
    Xt2 = BPETokenizer(n_bins=10, p_min=2).fit(X2).transform(X2)
    with pytest.raises(ValueError, match="instance 1, channel 0 has no tokens"):
        bpe.fit(X2).inverse_transform(Xt2[~((Xt2.index.get_level_values(0) == 1) & (Xt2["channel"] == 0))])
