"""Tests of the framework-free BPE motif tokenizer (sktime_symbolic.bpe)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sktime_symbolic.bpe import EOS, MASK, PAD, MotifTokenizer, Quantizer
from sktime_symbolic.bpe import _kernels as K
from sktime_symbolic.bpe import tokenizer as tokenizer_module

# ---------------------------------------------------------------- naive references


def naive_replace(seq, a, b, c):
    """Replace (a, b) by c scanning left to right (the paper's Algorithm 2 inner loop)."""
    out = []
    i = 0
    while i < len(seq):
        if i + 1 < len(seq) and seq[i] == a and seq[i + 1] == b:
            out.append(c)
            i += 2
        else:
            out.append(seq[i])
            i += 1
    return out


def naive_count(seqs, pair):
    """Replacements a left-to-right pass would make."""
    return sum(
        (len(s) - len(naive_replace(s, pair[0], pair[1], -1))) for s in seqs
    )


def naive_train(seqs, n_tokens0, p_min, max_merges=10**9, max_len=10**9):
    """Rescan-per-merge BPE: the most frequent pair (ties: smallest pair) merged until < p_min."""
    seqs = [list(s) for s in seqs]
    length = {t: 1 for t in range(n_tokens0)}
    merges, counts = [], []
    while len(merges) < max_merges:
        pairs = {(s[i], s[i + 1]) for s in seqs for i in range(len(s) - 1)}
        pairs = [p for p in pairs if length[p[0]] + length[p[1]] <= max_len]
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-naive_count(seqs, p), p))
        cnt = naive_count(seqs, best)
        if cnt < p_min:
            break
        c = n_tokens0 + len(merges)
        length[c] = length[best[0]] + length[best[1]]
        merges.append(best)
        counts.append(cnt)
        seqs = [naive_replace(s, best[0], best[1], c) for s in seqs]
    return merges, counts, seqs


def kernel_train(seqs, n_tokens0, p_min, max_merges=10**9, max_len=10**9):
    sym = np.concatenate([np.asarray(s, dtype=np.int32) for s in seqs])
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in seqs]))).astype(np.int64)
    nxt, prv = K.link_positions(sym, offsets)
    tok = sym.copy()
    left, right, counts = K.train_merges(tok, nxt, prv, n_tokens0, p_min, max_merges, max_len, 0)
    return list(zip(left.tolist(), right.tolist())), counts.tolist(), tok


def random_walks(n_series, length, seed):
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.standard_normal((n_series, length)), axis=1)


# ---------------------------------------------------------------- quantizer


def test_uniform_quantizer_matches_paper_bins_and_bound():
    q = Quantizer(n_bins=22, lb=-5, ub=5).fit()
    assert q.edges_.shape == (21,) and q.centres_.shape == (22,)
    np.testing.assert_allclose(q.centres_, -5 + (np.arange(1, 23) - 0.5) * 10 / 22)
    # the paper's Table 1: delta_max = 0.227 for M = 22, 0.135 for 37, 0.040 for 126
    assert q.max_error_ == pytest.approx(10 / 44)
    assert Quantizer(n_bins=37).fit().max_error_ == pytest.approx(0.135, abs=1e-3)
    assert Quantizer(n_bins=126).fit().max_error_ == pytest.approx(0.040, abs=1e-3)
    # value on an edge belongs to the lower bin (omega_{j-1} < z <= omega_j)
    assert q.quantize([q.edges_[3]])[0] == 3
    assert q.quantize([-100.0, 100.0]).tolist() == [0, 21]


def test_gaussian_and_empirical_bins_are_equiprobable():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(200_000)
    for q in (Quantizer(n_bins=8, distribution="gaussian").fit(), Quantizer(8, "empirical").fit(z)):
        freq = np.bincount(q.quantize(z), minlength=8) / z.size
        np.testing.assert_allclose(freq, 1 / 8, atol=0.01)
        assert np.all(np.diff(q.centres_) > 0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_bins": 1}, "n_bins"),
        ({"n_bins": 2.5}, "n_bins"),
        ({"lb": 1.0, "ub": 1.0}, "lb must be smaller"),
        ({"lb": 2.0, "ub": -2.0}, "lb must be smaller"),
        ({"distribution": "cauchy"}, "distribution"),
        ({"p_min": 0}, "p_min"),
        ({"scaling": "minmax"}, "scaling"),
        ({"scale_floor": 0.0}, "scale_floor"),
        ({"n_bins": 10, "max_vocab": 12}, "max_vocab"),
        ({"max_motif_len": 1}, "max_motif_len"),
        ({"max_vocab": 70_000}, "16-bit"),
        ({"cond_pseudo_count": -1.0}, "cond_pseudo_count"),
        ({"n_jobs": 0}, "n_jobs"),
    ],
)
def test_bad_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MotifTokenizer(**kwargs).fit([np.arange(10.0)])


def test_numpy_scalars_are_accepted_as_parameters():
    tok = MotifTokenizer(n_bins=np.int64(10), lb=np.float32(-3), ub=np.float64(3), p_min=np.int32(2))
    tok.fit([np.sin(np.arange(100.0))])
    assert tok.vocab_size_ >= 13


# ---------------------------------------------------------------- training


def test_merges_reproduce_hand_computed_example():
    # symbols a=3, b=4 (M=2, first motif id 5): "a a a b a a a b"
    # counts: (a,a)=2 (runs of 3 give one replacement each), (a,b)=2, (b,a)=1 -> tie, (a,a) is smaller
    #   -> X=5: "X a b X a b"; (X,a)=2, (a,b)=2, (b,X)=1 -> tie, (a,b) smaller
    #   -> Y=6: "X Y X Y"; (X,Y)=2 -> Z=7: "Z Z"; (Z,Z)=1 < p_min stops
    merges, counts, tok = kernel_train([[3, 3, 3, 4, 3, 3, 3, 4]], n_tokens0=5, p_min=2)
    assert merges == [(3, 3), (3, 4), (5, 6)]
    assert counts == [2, 2, 2]
    assert tok[tok >= 0].tolist() == [7, 7]


def test_overlapping_run_counts_replacements_not_adjacent_pairs():
    # "a a a a a" has 4 adjacent (a, a) pairs but a left-to-right pass replaces only 2
    assert kernel_train([[3] * 5], n_tokens0=4, p_min=3)[0] == []
    merges, counts, tok = kernel_train([[3] * 5], n_tokens0=4, p_min=2)
    assert merges == [(3, 3)] and counts == [2]
    assert tok[tok >= 0].tolist() == [4, 4, 3]


def test_pairs_never_cross_series_or_mask():
    # the pair (3, 4) only appears across a boundary or around a MASK
    seqs = [[3, 3, 3], [4, 4, 4], [3, MASK, 4, 5, 3]]
    merges, _, _ = kernel_train(seqs, n_tokens0=6, p_min=1)
    assert (3, 4) not in merges and all(MASK not in m for m in merges)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.integers(3, 6), min_size=1, max_size=40), min_size=1, max_size=5),
    st.integers(1, 4),
    st.integers(2, 6),
)
def test_incremental_training_equals_rescan_training(seqs, p_min, max_len):
    expected_merges, expected_counts, expected_seqs = naive_train(seqs, 7, p_min, max_len=max_len)
    merges, counts, tok = kernel_train(seqs, 7, p_min, max_len=max_len)
    assert merges == expected_merges
    assert counts == expected_counts
    assert tok[tok >= 0].tolist() == [t for s in expected_seqs for t in s]


def test_max_vocab_and_max_motif_len_are_respected():
    X = random_walks(20, 300, 1)
    tok = MotifTokenizer(n_bins=10, p_min=2, max_vocab=40, max_motif_len=4).fit(X)
    assert tok.vocab_size_ == 40
    assert tok.motif_lengths_.max() <= 4


def test_training_tokens_equal_encoding_of_training_data():
    X = random_walks(30, 400, 2)
    tok = MotifTokenizer(n_bins=22, p_min=5).fit(X)
    enc = tok.encode(X)
    assert enc.tokens.shape[0] == tok.n_training_tokens_
    assert tok.compression(enc) == pytest.approx(tok.training_compression_)
    assert np.all(tok.merge_counts_ >= 5)


# ---------------------------------------------------------------- encoding / decoding


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(1, 6), st.integers(1, 200), st.sampled_from([4, 8, 22]))
def test_encoding_equals_sequential_merge_application(seed, n_series, length, n_bins):
    tok = MotifTokenizer(n_bins=n_bins, p_min=2).fit(random_walks(8, 200, seed))
    rng = np.random.default_rng(seed + 1)
    X = [np.cumsum(rng.standard_normal(rng.integers(1, length + 1))) for _ in range(n_series)]
    if seed % 3 == 0:  # missing values and repeated values (long runs of one symbol)
        X[0] = np.repeat(X[0], 3)
        X[0][:: 7] = np.nan
    enc = tok.encode(X)
    sym = tok.symbols(X)
    n0 = 3 + n_bins
    for i in range(len(X)):
        seq = sym[i].tolist()
        for r, (a, b) in enumerate(tok.merges_.tolist()):
            seq = naive_replace(seq, a, b, n0 + r)
        assert enc[i].tolist() == seq


def test_rank_table_handles_token_ids_up_to_16_bits():
    left = np.array([40000, 65535, 5, 3], dtype=np.int32)
    right = np.array([65535, 3, 40000, 4], dtype=np.int32)
    base = K.base_rank_table(left, right, 10)
    table, bits = K.build_rank_table(left, right)
    for r, (a, b) in enumerate(zip(left, right)):
        assert K._rank(base, 10, table, bits, int(a), int(b)) == r
    for a, b in [(65535, 40000), (3, 65535), (40000, 3), (4, 3)]:
        assert K._rank(base, 10, table, bits, a, b) == -1


def test_encoding_does_not_depend_on_batch_composition():
    tok = MotifTokenizer(n_bins=22, p_min=3).fit(random_walks(20, 300, 3))
    X = list(random_walks(6, 250, 4))
    together = tok.encode(X)
    for i, x in enumerate(X):
        np.testing.assert_array_equal(tok.encode(x)[0], together[i])


@pytest.mark.parametrize("distribution", ["uniform", "gaussian", "empirical"])
@pytest.mark.parametrize("scaling", ["zscore", "meanabs"])
def test_round_trip_error_within_quantization_bound(distribution, scaling):
    X = random_walks(10, 300, 5) + 50.0
    tok = MotifTokenizer(n_bins=22, p_min=3, distribution=distribution, scaling=scaling).fit(X)
    enc = tok.encode(X)
    decoded = tok.decode(enc, conditional=False)
    for x, x_hat, loc, scale in zip(X, decoded, enc.loc, enc.scale):
        z = (x - loc) / scale
        in_range = (z >= tok.lb) & (z <= tok.ub)
        assert x_hat.shape == x.shape
        err = np.abs(x_hat - x)[in_range]
        assert err.max() <= tok.max_quantization_error * scale * (1 + 1e-9)


def test_constant_series_and_nan_become_mask_and_back():
    tok = MotifTokenizer(n_bins=10, p_min=2).fit([np.full(50, 7.0), np.sin(np.arange(200.0))])
    enc = tok.encode(np.full(20, 7.0))
    # a constant series is only centred: it decodes to the centre of the bin holding 0
    np.testing.assert_allclose(tok.decode(enc, conditional=False)[0], 7.0, atol=1e-7)
    x = np.sin(np.arange(30.0))
    x[[0, 10, 11]] = np.nan
    enc = tok.encode(x)
    assert np.count_nonzero(enc[0] == MASK) == 3
    x_hat = tok.decode(enc)[0]
    np.testing.assert_array_equal(np.isnan(x_hat), np.isnan(x))


def test_decode_special_tokens_and_raw_arrays():
    tok = MotifTokenizer(n_bins=10, p_min=2).fit(random_walks(5, 100, 6))
    enc = tok.encode(random_walks(2, 50, 7), add_eos=True)
    assert enc[0][-1] == EOS and enc[1][-1] == EOS
    raw = np.concatenate([[PAD, PAD], enc[0], [5, 6, 7]])  # padded left, junk after EOS
    np.testing.assert_allclose(
        tok.decode(raw, loc=enc.loc[0], scale=enc.scale[0]), tok.decode(enc)[0]
    )
    assert len(tok.decode([np.array([3, 4]), np.array([5])])) == 2


def test_bad_input_raises_clear_errors(tmp_path):
    tok = MotifTokenizer(n_bins=10, p_min=2).fit(random_walks(5, 100, 8))
    with pytest.raises(ValueError, match="inf"):
        tok.encode(np.array([1.0, np.inf]))
    with pytest.raises(ValueError, match="series 1 contains inf at position 1"):
        MotifTokenizer().fit([np.arange(5.0), np.array([1.0, -np.inf])])
    with pytest.raises(ValueError, match="empty"):
        tok.encode(np.array([]))
    with pytest.raises(ValueError, match="empty"):
        tok.encode([])
    with pytest.raises(ValueError, match="numbers"):
        tok.encode(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="unknown token id 9999"):
        tok.decode(np.array([3, 9999]))
    with pytest.raises(ValueError, match="unknown token id -1"):
        tok.decode(np.array([-1]))
    with pytest.raises(ValueError, match="not fitted"):
        MotifTokenizer().encode(np.arange(3.0))


def test_save_load_round_trip_and_version_check(tmp_path, monkeypatch):
    tok = MotifTokenizer(n_bins=22, p_min=3, distribution="empirical", max_motif_len=8).fit(random_walks(10, 300, 9))
    path = tmp_path / "tok.npz"
    tok.save(path)
    loaded = MotifTokenizer.load(path)
    X = random_walks(3, 200, 10)
    np.testing.assert_array_equal(loaded.merges_, tok.merges_)
    a, b = tok.encode(X), loaded.encode(X)
    np.testing.assert_array_equal(a.tokens, b.tokens)
    for conditional in (False, True):
        for x, y in zip(tok.decode(a, conditional=conditional), loaded.decode(b, conditional=conditional)):
            np.testing.assert_array_equal(x, y)
    assert loaded.max_quantization_error == tok.max_quantization_error
    assert loaded.max_motif_len == 8 and loaded.distribution == "empirical"
    # the file is plain npz: readable without pickle
    with np.load(path, allow_pickle=False) as data:
        assert int(data["format_version"]) == tokenizer_module.FORMAT_VERSION
    monkeypatch.setattr(tokenizer_module, "FORMAT_VERSION", tokenizer_module.FORMAT_VERSION + 1)
    with pytest.raises(ValueError, match="format version"):
        MotifTokenizer.load(path)
    np.savez(tmp_path / "other.npz", x=np.arange(3))
    with pytest.raises(ValueError, match="not a MotifTokenizer file"):
        MotifTokenizer.load(tmp_path / "other.npz")


def _tampered(tmp_path, tok, **changes):
    path = tmp_path / "tok.npz"
    tok.save(path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays.update(changes)
    np.savez(path, **arrays)
    return path


def test_load_rejects_inconsistent_tables_naming_the_file_and_the_table(tmp_path):
    tok = MotifTokenizer(n_bins=22, p_min=3).fit(random_walks(10, 300, 9))
    merges = tok.merges_
    assert len(merges) > 2 and merges[:, 0].max() > K.N_SPECIAL + 22  # some merge builds on a motif
    cases = {
        "not built from earlier tokens": dict(merges=merges[::-1].copy()),  # a reordered merge list
        "merge 0 joins": dict(merges=np.vstack([[0, 3], merges[1:]])),  # PAD is not a symbol
        "merge_counts": dict(merge_counts=tok.merge_counts_[:-1]),
        "conditional decoding": dict(cond_values=tok.cond_values_[:-1]),
        "non-finite": dict(cond_values=np.where(np.eye(22, dtype=bool), np.nan, tok.cond_values_)),
        "edges are not increasing": dict(edges=tok.quantizer_.edges_[::-1].copy()),
        "integer table": dict(merges=merges.astype(np.float64)),
    }
    for message, change in cases.items():
        with pytest.raises(ValueError, match=rf"tok\.npz is inconsistent: .*{message}"):
            MotifTokenizer.load(_tampered(tmp_path, tok, **change))
    # the untouched file still loads
    assert MotifTokenizer.load(_tampered(tmp_path, tok)).vocab_size_ == tok.vocab_size_


def test_conditional_decoding_lowers_held_out_mse_on_smooth_series():
    rng = np.random.default_rng(11)
    t = np.arange(2000)
    train = [np.sin(t / 25 + p) + 0.3 * np.sin(t / 7 + q) for p, q in rng.uniform(0, 6, (20, 2))]
    test = [np.sin(t / 25 + p) + 0.3 * np.sin(t / 7 + q) for p, q in rng.uniform(0, 6, (5, 2))]
    tok = MotifTokenizer(n_bins=22, p_min=20).fit(train)
    enc = tok.encode(test)
    mse_centres = np.mean([np.mean((x - y) ** 2) for x, y in zip(tok.decode(enc, conditional=False), test)])
    mse_cond = np.mean([np.mean((x - y) ** 2) for x, y in zip(tok.decode(enc, conditional=True), test)])
    assert mse_cond < 0.8 * mse_centres


def test_pseudo_count_shrinks_conditional_values_to_centres():
    X = random_walks(10, 300, 12)
    plain = MotifTokenizer(n_bins=10, p_min=3).fit(X)
    shrunk = MotifTokenizer(n_bins=10, p_min=3, cond_pseudo_count=1e12).fit(X)
    seen = plain.cond_counts_ > 0
    np.testing.assert_allclose(shrunk.cond_values_, np.broadcast_to(plain.quantizer_.centres_, (10, 10)), atol=1e-6)
    assert np.abs(plain.cond_values_ - shrunk.cond_values_)[seen].max() > 1e-3


def test_threaded_kernels_give_the_single_thread_result():
    # 600k samples: large enough for the chunked parallel quantization and encoding
    X = random_walks(600, 1000, 13)
    one = MotifTokenizer(n_bins=22, p_min=50, n_jobs=1).fit(X)
    two = MotifTokenizer(n_bins=22, p_min=50, n_jobs=2).fit(X)
    np.testing.assert_array_equal(one.merges_, two.merges_)
    a, b = one.encode(X), two.encode(X)
    np.testing.assert_array_equal(a.tokens, b.tokens)
    np.testing.assert_array_equal(a.offsets, b.offsets)
    np.testing.assert_array_equal(a.scale, b.scale)


def test_statistics_and_plot():
    x = np.sin(np.arange(600) / 10)
    tok = MotifTokenizer(n_bins=22, p_min=5).fit([x])
    enc = tok.encode(x)
    lengths = tok.token_lengths(enc)
    assert lengths.sum() == 600
    assert tok.compression(enc) == pytest.approx(600 / len(enc[0]))
    assert tok.compression(enc) > 2
    assert tok.motif_lengths_[PAD] == 0 and tok.motif_lengths_[MASK] == 1
    ax = tok.plot(x)
    assert len(ax.lines) == 1 + 2 * len(enc[0])  # the series, then a segment and a boundary per token


@pytest.mark.parametrize("as_list", [False, True])
def test_panel_input_names_instance_and_channel_of_inf(as_list):
    X = random_walks(12, 40, 21).reshape(4, 3, 40)
    X[3, 2, 7] = np.inf
    X[1, 0, 5] = np.nan  # missing, allowed
    with pytest.raises(ValueError, match="instance 3, channel 2 contains inf at position 7"):
        MotifTokenizer(n_bins=10, p_min=2).fit(list(X) if as_list else X)


def test_panel_input_encodes_every_channel_as_a_series():
    X = random_walks(6, 50, 22).reshape(3, 2, 50)
    tok = MotifTokenizer(n_bins=10, p_min=2).fit(X)
    flat = tok.encode(X.reshape(6, 50))
    for enc in (tok.encode(X), tok.encode(list(X))):
        assert len(enc) == 6
        np.testing.assert_array_equal(enc.tokens, flat.tokens)
        np.testing.assert_array_equal(enc.offsets, flat.offsets)
    with pytest.raises(ValueError, match="instance 1 has shape"):
        tok.encode([X[0], X[1][:1]])

