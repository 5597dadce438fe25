"""Tests of the shared checks (sktime_symbolic._validation)."""

import numpy as np
import pytest

from sktime_symbolic import _validation as V


# same contract and messages as the model's checks (sktime_symbolic/model/_checks.py), so that
# module can become a re-export of these
@pytest.mark.parametrize(
    "value, expected",
    [(3, 3), (np.int32(2), 2), (0, "n must be a positive integer, got 0"), (2.0, "got 2.0"),
     (True, "got True"), (np.bool_(True), "got np.True_"), ("3", "got '3'"), (None, "got None")],
)
def test_check_positive_int(value, expected):
    if isinstance(expected, str):
        with pytest.raises(ValueError, match=expected):
            V.check_positive_int("n", value)
    else:
        assert V.check_positive_int("n", value) == expected and type(V.check_positive_int("n", value)) is int


@pytest.mark.parametrize(
    "value, expected",
    [(1, 1.0), (np.float32(2.5), 2.5), (0, "x must be a positive number, got 0"), (-1.0, "got -1.0"),
     (np.inf, "got inf"), (np.nan, "got nan"), (True, "got True"), ("1", "got '1'")],
)
def test_check_positive_number(value, expected):
    if isinstance(expected, str):
        with pytest.raises(ValueError, match=expected):
            V.check_positive_number("x", value)
    else:
        assert V.check_positive_number("x", value) == expected


@pytest.mark.parametrize(
    "values, match",
    [([1.0, np.inf], "y contains inf; only NaN"), ([], "y is empty"), ([[1.0]], "one-dimensional"),
     (["a"], "must hold numbers"), ([np.nan, np.nan], "no observed value"),
     (np.array([1e300]), "too large for float32")],
)
def test_check_series_errors(values, match):
    with pytest.raises(ValueError, match=match):
        V.check_series(values, "y", dtype=np.float32)
    np.testing.assert_array_equal(V.check_series([1, np.nan], "y"), [1.0, np.nan])


@pytest.mark.parametrize(
    "X, layout, n_channels, name_of_3",
    [
        (np.zeros((4, 5)), "2d", 1, "series 3"),
        (np.zeros((2, 2, 5)), "3d", 2, "instance 1, channel 1"),
        ([np.zeros(3)] * 4, "list", 1, "series 3"),
        ([np.zeros((2, 3)), np.zeros((2, 7))], "list2d", 2, "instance 1, channel 1"),
    ],
)
def test_split_series_layouts_and_names(X, layout, n_channels, name_of_3):
    batch = V.split_series(X)
    assert (batch.layout, batch.n_channels) == (layout, n_channels)
    assert batch.name(3) == name_of_3
    assert batch.flat.dtype == np.float64 and batch.flat.flags.c_contiguous
    assert batch.offsets[-1] == batch.flat.shape[0]
    one = V.split_series(np.arange(4))
    assert (one.layout, one.name(0), one.offsets.tolist()) == ("1d", "the series", [0, 4])


@pytest.mark.parametrize(
    "X, match",
    [
        ([], "X is empty: no series given"),
        (np.zeros((0, 3)), "X is empty"),
        (np.array(["a", "b"]), "must hold numbers"),
        (np.zeros((2, 2, 2, 2)), "got 4 dimensions"),
        ([np.zeros(3), np.zeros(0)], "series 1 is empty"),
        ([np.zeros(3), np.zeros((2, 2))], "series 1 must be one-dimensional"),
        ([np.zeros((2, 3)), np.zeros((3, 3))], "instance 1 has shape"),
        ([np.zeros((2, 3)), np.zeros((2, 1))], "instance 1, channel 0 has length 1; at least 2 values"),
        (np.zeros((3, 1)), "every series has length 1"),
        (np.zeros(1), "the series has length 1"),
    ],
)
def test_split_series_errors(X, match):
    with pytest.raises(ValueError, match=match):
        V.split_series(X, min_length=2)


def test_check_finite_names_the_first_bad_value():
    X = np.zeros((3, 2, 6))
    X[2, 1, 4] = np.inf
    X[1, 0, 5] = np.nan
    with pytest.raises(ValueError, match="instance 1, channel 0 contains NaN at position 5$"):
        V.check_finite(V.split_series(X))
    with pytest.raises(ValueError, match="instance 2, channel 1 contains inf at position 4; only NaN"):
        V.check_finite(V.split_series(X), allow_nan=True)
    V.check_finite(V.split_series(np.array([1.0, np.nan])), allow_nan=True)


def test_parameter_checks():
    assert V.check_real(np.float32(0.5), "tol", low=0, low_inclusive=False) == 0.5
    assert V.check_real("auto", "alpha", allow=("auto",)) == "auto"
    assert V.check_int(None, "k", allow_none=True) is None
    for bad, match in ((True, "real number"), (np.nan, "finite"), (-1, ">= 0")):
        with pytest.raises(ValueError, match=match):
            V.check_real(bad, "x", low=0)
    with pytest.raises(ValueError, match="k must be an integer"):
        V.check_int(2.0, "k")
