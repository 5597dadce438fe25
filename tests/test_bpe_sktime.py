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
