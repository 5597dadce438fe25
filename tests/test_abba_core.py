"""Tests of the framework-free ABBA / JABBA core."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import NotFittedError

from sktime_symbolic.abba import ABBA, JABBA, SymbolicRepresentation, auto_alpha, compress, default_alphabet


def random_walks(n_series, length, seed):
    x = np.random.default_rng(seed).standard_normal((n_series, length)).cumsum(axis=1)
    return (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)


def chain_error(segment):
    """Squared distance of a piece's points from the line between its end points."""
    L = segment.shape[0] - 1
    line = segment[0] + (segment[-1] - segment[0]) * np.arange(L + 1) / L
    return float(np.sum((line - segment) ** 2))


finite_series = arrays(
    np.float64,
    st.integers(2, 300),
    elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=60, deadline=None)
@given(x=finite_series, tol=st.floats(1e-3, 10.0), max_len=st.one_of(st.none(), st.integers(1, 50)))
def test_compression_pieces_tile_series_and_respect_error_bound(x, tol, max_len):
    pieces = compress(x, tol=tol, max_len=max_len)
    assert pieces.lengths.min() >= 1
    assert pieces.lengths.sum() == x.shape[0] - 1
    if max_len is not None:
        assert pieces.lengths.max() <= max_len
    ends = np.concatenate(([0], np.cumsum(pieces.lengths)))
    scale = max(1.0, float(np.max(np.abs(x)))) ** 2
    for j in range(pieces.lengths.shape[0]):
        seg = x[ends[j] : ends[j + 1] + 1]
        assert chain_error(seg) <= (pieces.lengths[j] - 1) * tol**2 + 1e-9 * scale * seg.shape[0]
        assert pieces.values[j] == pytest.approx(seg[-1] - seg[0], abs=1e-9 * scale)


def test_compression_is_greedy_maximal():
    """Each piece stops because one more point would break the bound (or the series ends)."""
    x = random_walks(1, 500, 3)[0]
    tol = 0.1
    pieces = compress(x, tol=tol)
    ends = np.concatenate(([0], np.cumsum(pieces.lengths)))
    for j in range(len(pieces.lengths) - 1):
        longer = x[ends[j] : ends[j + 1] + 2]
        assert chain_error(longer) > (longer.shape[0] - 2) * tol**2


def test_fixed_point_pieces_store_end_values():
    x = random_walks(1, 400, 1)[0]
    pieces = compress(x, tol=0.05, fixed_point=True)
    ends = np.cumsum(pieces.lengths)
    np.testing.assert_allclose(pieces.values, x[ends])


@settings(max_examples=40, deadline=None)
@given(
    x=finite_series,
    tol=st.floats(1e-2, 1.0),
    method=st.sampled_from(["greedy", "kmeans", "sampling-kmeans"]),
    fixed_point=st.booleans(),
)
def test_reconstruction_has_original_length_and_first_value(x, tol, method, fixed_point):
    model = ABBA(tol=tol, method=method, alpha=0.2, k=3, fixed_point=fixed_point, random_state=0)
    rep = model.fit_transform(x)
    recon = model.inverse_transform(rep)
    assert recon.shape == x.shape
    assert recon[0] == pytest.approx(x[0], abs=1e-9 * max(1.0, abs(x[0])))
    assert np.isfinite(recon).all()


def test_reconstruction_of_many_series_and_unknown_length():
    X = [random_walks(1, n, n)[0] for n in (2, 3, 50, 777)]
    model = JABBA(tol=0.1, alpha=0.1)
    rep = model.fit_transform(X)
    recon = model.inverse_transform(rep)
    assert [r.shape[0] for r in recon] == [2, 3, 50, 777]
    assert all(r[0] == pytest.approx(x[0]) for r, x in zip(recon, X))
    # without the original lengths the symbols' own mean lengths decide
    rep.n_points = np.full(4, -1)
    free = model.inverse_transform(rep)
    implied = [round(model.centers_[c, 0].sum()) + 1 for c in rep]
    assert [r.shape[0] for r in free] == implied


@pytest.mark.parametrize("method", ["greedy", "kmeans", "sampling-kmeans"])
def test_jabba_transform_reproduces_fit_symbols(method):
    X = random_walks(60, 300, 0)
    model = JABBA(tol=0.1, method=method, alpha=0.15, k=12, random_state=4)
    rep = model.fit_transform(X)
    again = model.transform(X)
    np.testing.assert_array_equal(rep.codes, again.codes)
    np.testing.assert_array_equal(rep.offsets, again.offsets)
    counts = np.bincount(rep.codes, minlength=model.n_symbols_)
    assert (np.diff(counts) <= 0).all(), "symbols are ordered by decreasing frequency"
    assert counts.min() > 0


def test_transform_assigns_each_piece_its_nearest_centre():
    X = random_walks(30, 300, 1)
    Y = random_walks(10, 300, 2)
    model = JABBA(tol=0.1, alpha=0.2).fit(X)
    rep = model.transform(Y)
    pieces = compress(Y, tol=0.1)
    scaled = np.column_stack((pieces.lengths / model._std[0], pieces.values / model._std[1]))
    dist = ((scaled[:, None, :] - model._codebook.centers[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(rep.codes, dist.argmin(axis=1))


def test_jabba_accuracy_on_random_walks_in_and_out_of_sample():
    X = random_walks(200, 500, 10)
    Y = random_walks(40, 500, 11)
    for alpha in (0.1, "auto"):
        model = JABBA(tol=0.1, alpha=alpha)
        rep = model.fit_transform(X)
        mse_in = np.mean((model.inverse_transform(rep) - X) ** 2)
        mse_out = np.mean((model.inverse_transform(model.transform(Y)) - Y) ** 2)
        assert mse_in < 0.09 and mse_out < 0.09, (alpha, mse_in, mse_out)


def test_auto_alpha_shrinks_with_tol_and_is_zero_without_long_pieces():
    a1 = auto_alpha(0.1, [1000], [100], inc_std=0.3)
    a2 = auto_alpha(0.05, [1000], [100], inc_std=0.3)
    assert 0 < a2 < a1
    assert auto_alpha(0.1, [10], [9], inc_std=1.0) > 0
    assert auto_alpha(0.1, [10], [10], inc_std=1.0) == 0.0


def test_fixed_point_chain_pins_values_after_a_wrong_symbol():
    x = np.sin(np.linspace(0, 12 * np.pi, 1200))
    for fixed_point in (False, True):
        model = ABBA(tol=0.05, alpha=0.3, fixed_point=fixed_point)
        rep = model.fit_transform(x)
        clean = model.inverse_transform(rep)
        rep.codes = rep.codes.copy()
        rep.codes[2] = (rep.codes[2] + 1) % model.n_symbols_
        perturbed = model.inverse_transform(rep)
        last = rep.codes[-1]
        if fixed_point:
            # the chain ends on the last symbol's own value, whatever came before
            assert perturbed[-1] == pytest.approx(model.centers_[last, 1] * rep.scale[0] + rep.loc[0])
            assert perturbed[-1] == pytest.approx(clean[-1])
        else:
            assert perturbed[-1] != pytest.approx(clean[-1])


def test_multivariate_channels_share_codebook_and_keep_shape():
    X = random_walks(24, 120, 5).reshape(8, 3, 120)
    model = JABBA(tol=0.1, alpha=0.2)
    rep = model.fit_transform(X)
    assert rep.n_series == 24 and rep.n_channels == 3
    assert model.inverse_transform(rep).shape == X.shape
    ragged = [np.stack([np.arange(n, dtype=float) ** 0.5] * 2) for n in (10, 40)]
    out = model.fit(ragged).inverse_transform(model.transform(ragged))
    assert [o.shape for o in out] == [(2, 10), (2, 40)]


def test_parallel_and_serial_give_same_symbols():
    # large enough for every parallel kernel to use two threads
    X = [random_walks(1, n, n)[0] for n in range(2000, 4000, 10)]
    serial = JABBA(tol=0.1, alpha=0.1, n_jobs=1)
    parallel = JABBA(tol=0.1, alpha=0.1, n_jobs=2)
    np.testing.assert_array_equal(serial.fit_transform(X).codes, parallel.fit_transform(X).codes)
    np.testing.assert_array_equal(serial.centers_, parallel.centers_)
    rep = serial.transform(X)
    for a, b in zip(serial.inverse_transform(rep), parallel.inverse_transform(rep)):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 30_000),
    alpha=st.floats(0.0, 1.0),
    stripes=st.integers(1, 8),
    chunks=st.integers(1, 4),
    seed=st.integers(0, 1000),
)
def test_greedy_aggregation_groups_lie_within_alpha_of_a_member(n, alpha, stripes, chunks, seed):
    from sktime_symbolic.abba._kernels import greedy_aggregate

    rng = np.random.default_rng(seed)
    # discrete first coordinate, as piece lengths are
    points = np.column_stack((rng.integers(0, 5, n) * 0.3, rng.standard_normal(n)))
    labels, n_groups = greedy_aggregate(points, alpha, stripes, chunks)
    assert sorted(set(labels.tolist())) == list(range(n_groups))
    # the chunking of the counting sort never changes the result
    np.testing.assert_array_equal(greedy_aggregate(points, alpha, stripes, 1)[0], labels)
    if n > 3000:
        return  # the all-pairs check below is quadratic; chunks matter from 20,000 points on
    for g in range(n_groups):
        members = points[labels == g]
        dist = np.sqrt(((members[:, None] - members[None]) ** 2).sum(-1))
        # the group's starting point is within alpha of every member
        assert dist.max(axis=1).min() <= alpha + 1e-12


def test_seeded_kmeans_is_reproducible():
    X = random_walks(20, 200, 6)
    a = JABBA(tol=0.1, method="sampling-kmeans", k=6, r=0.3, random_state=7).fit_transform(X)
    b = JABBA(tol=0.1, method="sampling-kmeans", k=6, r=0.3, random_state=7).fit_transform(X)
    np.testing.assert_array_equal(a.codes, b.codes)


def test_strings_and_alphabets():
    x = random_walks(1, 600, 8)[0]
    model = ABBA(tol=0.05, alpha=0.1)
    rep = model.fit_transform(x)
    text = model.to_strings(rep)[0]
    assert len(text) == len(rep.codes)
    assert set(text) <= set(default_alphabet(model.n_symbols_))
    assert default_alphabet(3) == ["a", "b", "c"]
    big = default_alphabet(300)
    assert len(set(big)) == 300 and all(s.isprintable() and not s.isspace() for s in big)
    tokens = [f"<tok{i}>" for i in range(model.n_symbols_)]
    llm = ABBA(tol=0.05, alpha=0.1, alphabet=tokens)
    llm_rep = llm.fit_transform(x)
    assert llm.to_strings(llm_rep, join=False)[0][:2] == [tokens[c] for c in llm_rep.codes[:2]]
    # string symbols invert like codes
    llm_rep.codes = np.array(llm.to_strings(llm_rep, join=False)[0], dtype=object)
    np.testing.assert_allclose(llm.inverse_transform(llm_rep), model.inverse_transform(rep))
    with pytest.raises(ValueError, match="alphabet has 1 strings"):
        ABBA(tol=0.05, alphabet=["x"]).fit(x)


def test_pickle_round_trip():
    X = random_walks(10, 200, 9)
    model = JABBA(tol=0.1, alpha=0.1).fit(X)
    clone = pickle.loads(pickle.dumps(model))
    rep = model.transform(X)
    np.testing.assert_array_equal(clone.transform(X).codes, rep.codes)
    np.testing.assert_array_equal(clone.inverse_transform(rep), model.inverse_transform(rep))


def test_constant_and_length_two_series_work():
    for x in (np.full(50, 3.0), np.array([1.0, 2.0]), np.zeros(2)):
        model = ABBA(tol=0.1)
        rep = model.fit_transform(x)
        np.testing.assert_allclose(model.inverse_transform(rep), x, atol=1e-12)


def test_numpy_scalar_parameters_accepted():
    x = random_walks(1, 200, 12)[0]
    ABBA(tol=np.float32(0.1), alpha=np.float64(0.1)).fit(x)
    ABBA(tol=np.float32(0.1), method="kmeans", k=np.int64(3), max_len=np.int32(20)).fit(x)


@pytest.mark.parametrize(
    "x, match",
    [
        (np.array([1.0, np.nan, 2.0]), "contains NaN at position 1"),
        (np.array([1.0, 2.0, np.inf]), "contains inf at position 2"),
        (np.array([]), "is empty"),
        (np.array([1.0]), "length 1"),
        (np.array(["a", "b"]), "must hold numbers"),
        (np.array([[1.0, 2.0], [3.0, np.nan]]), "series 1 contains NaN at position 1"),
        ([np.arange(5.0), np.array([1.0])], "series 1 has length 1"),
        ([], "no series"),
        (np.zeros((3, 1)), "length 1"),
    ],
)
def test_bad_input_raises_clear_error(x, match):
    with pytest.raises(ValueError, match=match):
        JABBA().fit(x)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"tol": 0}, "tol must be > 0"),
        ({"tol": -1.0}, "tol must be > 0"),
        ({"tol": "big"}, "tol must be a real number"),
        ({"alpha": -0.1}, "alpha must be >= 0"),
        ({"method": "kmeans", "k": 0}, "k must be >= 1"),
        ({"method": "kmeans"}, "k must be an integer"),
        ({"method": "dbscan"}, "method must be one of"),
        ({"r": 1.5}, "r must be in"),
        ({"scl": -1}, "scl must be >= 0"),
        ({"max_len": 0}, "max_len must be >= 1"),
        ({"k": 2.5, "method": "kmeans"}, "k must be an integer"),
    ],
)
def test_bad_parameters_raise_clear_error(params, match):
    with pytest.raises(ValueError, match=match):
        JABBA(**params).fit(np.arange(20.0))


def test_errors_at_transform_and_inverse_time():
    x = random_walks(1, 300, 13)[0]
    with pytest.raises(NotFittedError):
        JABBA().transform(x)
    model = ABBA(tol=0.1).fit(x)
    rep = model.transform(x)
    rep.codes = rep.codes.copy()
    rep.codes[0] = model.n_symbols_
    with pytest.raises(ValueError, match="unknown symbol code"):
        model.inverse_transform(rep)
    with pytest.raises(ValueError, match="unknown symbol"):
        model.inverse_transform(
            SymbolicRepresentation(
                codes=np.array(["not-a-symbol"], dtype=object), offsets=np.array([0, 1]), first=np.zeros(1),
                n_points=np.array([5]), loc=np.zeros(1), scale=np.ones(1),
            )
        )
    with pytest.raises(ValueError, match="SymbolicRepresentation"):
        model.inverse_transform([0, 1, 2])
    with pytest.raises(ValueError, match="one 1D series"):
        ABBA().fit(random_walks(3, 50, 0))


def test_ragged_reconstruction_cannot_become_an_array():
    X = random_walks(3, 100, 14)
    model = JABBA(tol=0.1).fit(X)
    rep = model.transform(X)
    rep.n_points = np.array([100, 90, 100])
    with pytest.raises(ValueError, match="ragged"):
        model.inverse_transform(rep)


def test_plot_draws_series_chain_and_reconstruction():
    import matplotlib

    matplotlib.use("Agg")
    from sktime_symbolic.abba import plot_abba

    x = random_walks(1, 300, 15)[0]
    ax = plot_abba(x)
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[0].get_ydata(), x)
    assert ax.lines[2].get_ydata().shape == x.shape


def test_panel_errors_name_instance_and_channel():
    X = random_walks(6, 40, 16).reshape(3, 2, 40)
    X[2, 1, 9] = np.nan
    with pytest.raises(ValueError, match="instance 2, channel 1 contains NaN at position 9"):
        JABBA().fit(X)
    with pytest.raises(ValueError, match="instance 2, channel 1 contains NaN at position 9"):
        JABBA().fit(list(X))
    with pytest.raises(ValueError, match="instance 1, channel 0 has length 1"):
        JABBA().fit([X[0], X[1][:, :1]])


def test_representation_carries_the_piece_lengths():
    X = random_walks(4, 120, 17)
    model = JABBA(tol=0.1, alpha=0.2)
    for rep in (model.fit_transform(X), model.transform(X)):
        np.testing.assert_array_equal(rep.piece_lengths, compress(X, tol=0.1).lengths)
        np.testing.assert_array_equal(np.add.reduceat(rep.piece_lengths, rep.offsets[:-1]) + 1, rep.n_points)


SINE = np.sin(np.arange(120) / 4)


@pytest.mark.parametrize("a", [1e-300, 1e-13, 1e-12, 1e-6, 1e6, 1e12, 1e154, 1e300])
def test_symbols_and_reconstruction_do_not_depend_on_scale(a):
    # the constant-series floor is relative: below 1e-12 a sine used to collapse to one symbol,
    # and from 1e154 its variance overflowed into one piece and an all-NaN reconstruction
    ref = JABBA(tol=0.05, alpha=0.3)
    ref_rep = ref.fit_transform(SINE + 3)
    model = JABBA(tol=0.05, alpha=0.3)
    rep = model.fit_transform(a * SINE + 3 * a)
    np.testing.assert_array_equal(rep.codes, ref_rep.codes)
    np.testing.assert_array_equal(rep.piece_lengths, ref_rep.piece_lengths)
    np.testing.assert_allclose(model.inverse_transform(rep) / a, ref.inverse_transform(ref_rep), rtol=1e-9)
    assert model.n_symbols_ == ref.n_symbols_ > 1


@pytest.mark.parametrize("c", [-1e6, 0.0, 1e6])
def test_symbols_do_not_depend_on_the_level(c):
    ref = JABBA(tol=0.05, alpha=0.3)
    ref_rep = ref.fit_transform(SINE)
    model = JABBA(tol=0.05, alpha=0.3)
    rep = model.fit_transform(SINE + c)
    np.testing.assert_array_equal(rep.codes, ref_rep.codes)
    np.testing.assert_allclose(model.inverse_transform(rep) - c, ref.inverse_transform(ref_rep), atol=1e-9)


def test_values_float64_cannot_compress_are_refused():
    with pytest.raises(ValueError, match="series 1 has values of magnitude 1e.306, too large for float64"):
        JABBA().fit([SINE, SINE * 1e306])
    with pytest.raises(ValueError, match="too large for float64 arithmetic with normalize=False"):
        compress(SINE * 1e120, tol=1e119)
    with pytest.raises(ValueError, match="the series has a standard deviation of .*below the smallest normal"):
        JABBA().fit(SINE * 1e-310)
    fitted = JABBA(tol=0.05, alpha=0.3).fit(SINE)
    with pytest.raises(ValueError, match="the series has values of magnitude 1e.306"):
        fitted.transform(SINE * 1e306)
    # a constant series of any magnitude is only centred
    for level in (0.0, 1e-300, 1e300):
        model = JABBA()
        rep = model.fit_transform(np.full(20, level))
        np.testing.assert_array_equal(model.inverse_transform(rep), np.full(20, level))
