"""Byte-pair-encoding motif tokenizer for time series (Götz et al., "Byte Pair Encoding for
Efficient Time Series Forecasting").

A series is scaled, quantized into ``M`` symbols, and frequent adjacent token pairs are
merged recursively into motif tokens; decoding maps tokens back to bin centres or, with
conditional decoding, to the mean training value of a symbol given its predecessor.
"""

import json
import os
from dataclasses import dataclass

import numba
import numpy as np
from tqdm.auto import tqdm

from sktime_symbolic._validation import check_finite, check_int, check_real, split_series
from sktime_symbolic.bpe import _kernels as K
from sktime_symbolic.bpe.quantizer import Quantizer

PAD, EOS, MASK = K.PAD, K.EOS, K.MASK
N_SPECIAL = K.N_SPECIAL
FORMAT_VERSION = 1
SCALINGS = ("zscore", "meanabs")


@dataclass
class Encoded:
    """Token ids of a batch of series, flat, with what decoding needs.

    Attributes
    ----------
    tokens : int32 ndarray, the tokens of all series one after another.
    offsets : int64 ndarray of shape (n_series + 1,), series ``i`` is ``tokens[offsets[i]:offsets[i+1]]``.
    loc, scale : float ndarrays of shape (n_series,), the scaling of each series.
    lengths : int64 ndarray of shape (n_series,), number of samples of each series.
    """

    tokens: np.ndarray
    offsets: np.ndarray
    loc: np.ndarray
    scale: np.ndarray
    lengths: np.ndarray

    def __len__(self):
        return self.offsets.shape[0] - 1

    def __getitem__(self, i):
        return self.tokens[self.offsets[i] : self.offsets[i + 1]]


def _as_batch(X):
    """:class:`~sktime_symbolic._validation.SeriesBatch` of the input; inf is an error, NaN missing."""
    batch = split_series(X)
    check_finite(batch, allow_nan=True)
    return batch


class MotifTokenizer:
    """Pattern-centric BPE tokenizer: quantized symbols merged into frequent motifs.

    Token ids: ``PAD=0``, ``EOS=1``, ``MASK=2`` (a missing value), the ``M`` quantized
    symbols ``3 .. M+2`` and the learned motifs from ``M+3`` on, in merge order.

    Parameters
    ----------
    n_bins : int >= 2, default=37
        Number of quantization bins ``M``.
    distribution : {"uniform", "gaussian", "empirical"}, default="uniform"
        Distribution under which the bins are equiprobable (see :class:`Quantizer`).
    lb, ub : float, default=-5.0, 5.0
        Range of the quantizer in scaled units.
    scaling : {"zscore", "meanabs"}, default="zscore"
        ``"zscore"``: subtract the mean, divide by the standard deviation;
        ``"meanabs"``: divide by the mean absolute value. NaN is ignored.
    scale_floor : float > 0, default=1e-8
        Lower bound of the scale, relative to ``max(1, |mean|)`` for ``"zscore"``, so a
        constant series is centred instead of divided by zero.
    p_min : int >= 1, default=100
        Training stops when the most frequent pair occurs fewer than ``p_min`` times.
        A pair's count is the number of replacements a left-to-right pass makes (the
        new token's frequency), so a run ``a a a`` holds one ``(a, a)``, not two; ties
        go to the smallest pair ``(left id, right id)``.
    max_vocab : int or None, default=None
        Largest vocabulary (specials, symbols and motifs together); at most 65,536
        (token ids fit 16 bits), which is also the cap when None.
    max_motif_len : int >= 2 or None, default=None
        Longest motif in samples.
    conditional : bool, default=True
        Default of :meth:`decode`: decode a symbol given its predecessor (means fitted on
        the training data), falling back to bin centres for pairs not seen in training.
    cond_pseudo_count : float >= 0, default=0.0
        Shrinks each conditional mean towards the bin centre as if ``cond_pseudo_count``
        extra samples sat at the centre: ``(sum + k * centre) / (count + k)``. 0 is the
        paper's plain mean (eq. 6); a few samples per pair curb overfitting of large ``M``.
    n_jobs : int or None, default=None
        Threads of the quantization and encoding kernels (None or -1: all of numba's threads).
    progress : bool, default=False
        Show a tqdm bar of the merges during :meth:`fit`.

    Attributes
    ----------
    quantizer_ : Quantizer
    merges_ : int32 ndarray of shape (n_merges, 2), the merged pairs in order.
    merge_counts_ : int64 ndarray, number of replacements each merge made in training.
    motif_lengths_ : int64 ndarray of shape (vocab_size_,), samples per token (0 for PAD, EOS).
    vocab_size_ : int
    cond_values_, cond_counts_ : (M, M) ndarrays, conditional decoding table indexed
        ``[previous symbol, symbol]`` and the number of training samples behind each entry.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_symbolic.bpe import MotifTokenizer
    >>> rng = np.random.default_rng(0)
    >>> train = [np.sin(np.arange(500) / 10 + p) for p in rng.uniform(0, 6, 20)]
    >>> tok = MotifTokenizer(n_bins=22, p_min=10).fit(train)
    >>> enc = tok.encode(train[0])
    >>> len(enc[0]) < 500
    True
    >>> x_hat = tok.decode(enc, conditional=False)[0]
    >>> bool(np.max(np.abs(x_hat - train[0])) <= tok.max_error(enc)[0])
    True
    """

    def __init__(
        self,
        n_bins=37,
        distribution="uniform",
        lb=-5.0,
        ub=5.0,
        scaling="zscore",
        scale_floor=1e-8,
        p_min=100,
        max_vocab=None,
        max_motif_len=None,
        conditional=True,
        cond_pseudo_count=0.0,
        n_jobs=None,
        progress=False,
    ):
        self.n_bins = n_bins
        self.distribution = distribution
        self.lb = lb
        self.ub = ub
        self.scaling = scaling
        self.scale_floor = scale_floor
        self.p_min = p_min
        self.max_vocab = max_vocab
        self.max_motif_len = max_motif_len
        self.conditional = conditional
        self.cond_pseudo_count = cond_pseudo_count
        self.n_jobs = n_jobs
        self.progress = progress

    # ------------------------------------------------------------------ parameters

    def _check_params(self):
        Quantizer(self.n_bins, self.distribution, self.lb, self.ub)._check()
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {self.scaling!r}")
        check_real(self.scale_floor, "scale_floor", low=0.0, low_inclusive=False)
        check_int(self.p_min, "p_min", low=1)
        check_real(self.cond_pseudo_count, "cond_pseudo_count", low=0.0)
        n_fixed = N_SPECIAL + int(self.n_bins)
        max_vocab = check_int(self.max_vocab, "max_vocab", low=n_fixed, allow_none=True)
        if max_vocab is not None and max_vocab > K.MAX_VOCAB:
            raise ValueError(f"max_vocab must be <= {K.MAX_VOCAB} (16-bit token ids), got {max_vocab}")
        if n_fixed > K.MAX_VOCAB:
            raise ValueError(f"n_bins must be <= {K.MAX_VOCAB - N_SPECIAL} (16-bit token ids), got {self.n_bins}")
        check_int(self.max_motif_len, "max_motif_len", low=2, allow_none=True)
        n_jobs = check_int(self.n_jobs, "n_jobs", low=-1, allow_none=True)
        if n_jobs == 0:
            raise ValueError("n_jobs must be None, -1 (all threads) or >= 1, got 0")

    def _n_threads(self):
        if self.n_jobs is None or self.n_jobs == -1:
            return numba.config.NUMBA_NUM_THREADS
        return min(int(self.n_jobs), numba.config.NUMBA_NUM_THREADS)

    def _n_chunks(self):
        return self._n_threads()

    def _check_fitted(self):
        if not hasattr(self, "merges_"):
            raise ValueError("this MotifTokenizer is not fitted yet; call fit first")

    def _bins(self):
        """``(edges, lb, 1 / bin width)`` for the kernels; width 0 means bins of unequal width."""
        q = self.quantizer_
        if q.distribution == "uniform":
            return q.edges_, float(q.lb), q.n_bins / (float(q.ub) - float(q.lb))
        return q.edges_, 0.0, 0.0

    def _quantize(self, flat, offsets):
        n_threads = numba.get_num_threads()
        numba.set_num_threads(self._n_threads())
        try:
            return K.quantize(
                flat, offsets, *self._bins(), self.scaling == "meanabs", float(self.scale_floor), self._n_chunks(),
            )
        finally:
            numba.set_num_threads(n_threads)

    # ------------------------------------------------------------------ training

    def fit(self, X):
        """Learn the bins, the motif vocabulary and the conditional decoding table.

        Parameters
        ----------
        X : 1D array (one series), 2D array (one series per row), 3D array
            ``(instances, channels, time)``, list of 1D arrays or list of 2D
            ``(channels, time)`` arrays (every channel is a series, instance-major)
            Training series; NaN is a missing value (MASK), merges never cross it nor
            the boundary between two series. An error about inf names the series as
            given (``series i`` or ``instance i, channel c``).
        """
        self._check_params()
        batch = _as_batch(X)
        flat, offsets = batch.flat, batch.offsets
        self.quantizer_ = Quantizer(self.n_bins, self.distribution, self.lb, self.ub)
        if self.distribution == "empirical":
            # the empirical bins need the scaled values first: quantize with any edges, keep z
            self.quantizer_.edges_ = np.zeros(1)
            _, z, _, _ = self._quantize(flat, offsets)
            self.quantizer_.fit(z)
        else:
            self.quantizer_.fit()
        sym, z, _, _ = self._quantize(flat, offsets)
        M = int(self.n_bins)
        n_tokens0 = N_SPECIAL + M
        max_merges = (K.MAX_VOCAB if self.max_vocab is None else int(self.max_vocab)) - n_tokens0
        max_len = np.iinfo(np.int64).max if self.max_motif_len is None else int(self.max_motif_len)

        nxt, prv = K.link_positions(sym, offsets)
        tok = sym.copy()
        with tqdm(desc="BPE merges", unit="merge", disable=not self.progress) as bar:
            K._PROGRESS_HOOK[0] = lambda n: bar.update(n - bar.n)
            try:
                left, right, counts = K.train_merges(tok, nxt, prv, n_tokens0, int(self.p_min), max_merges, max_len,
                                                     64 if self.progress else 0)
            finally:
                K._PROGRESS_HOOK[0] = None
            bar.update(len(left) - bar.n)
        self._set_merges(left, right, counts)

        sums, cnts = K.conditional_sums(sym, z, offsets, M)
        self.cond_counts_ = cnts
        centres = self.quantizer_.centres_[None, :]
        k = float(self.cond_pseudo_count)
        self.cond_values_ = np.where(cnts > 0, (sums + k * centres) / np.maximum(cnts + k, 1e-300), centres)
        self.n_training_samples_ = int(flat.shape[0])
        self.n_training_tokens_ = int(np.count_nonzero(tok >= 0))
        return self

    def _set_merges(self, left, right, counts):
        M = int(self.n_bins)
        n_tokens0 = N_SPECIAL + M
        self.merges_ = np.column_stack([left, right]).astype(np.int32).reshape(-1, 2)
        self.merge_counts_ = np.asarray(counts, dtype=np.int64)
        self.vocab_size_ = n_tokens0 + self.merges_.shape[0]
        lengths = np.zeros(self.vocab_size_, dtype=np.int64)
        lengths[MASK] = 1
        lengths[N_SPECIAL:n_tokens0] = 1
        for r, (a, b) in enumerate(self.merges_):
            lengths[n_tokens0 + r] = lengths[a] + lengths[b]
        self.motif_lengths_ = lengths
        # flattened motif table: the symbols of every token
        motif_offsets = np.zeros(self.vocab_size_ + 1, dtype=np.int64)
        np.cumsum(lengths, out=motif_offsets[1:])
        symbols = np.empty(motif_offsets[-1], dtype=np.int32)
        symbols[motif_offsets[MASK]] = MASK
        symbols[motif_offsets[N_SPECIAL] : motif_offsets[n_tokens0]] = np.arange(N_SPECIAL, n_tokens0)
        for r, (a, b) in enumerate(self.merges_):
            start = motif_offsets[n_tokens0 + r]
            la = lengths[a]
            symbols[start : start + la] = symbols[motif_offsets[a] : motif_offsets[a] + la]
            symbols[start + la : start + la + lengths[b]] = symbols[motif_offsets[b] : motif_offsets[b] + lengths[b]]
        self._motif_offsets = motif_offsets
        self._motif_symbols = symbols
        self._left = np.ascontiguousarray(self.merges_[:, 0])
        self._right = np.ascontiguousarray(self.merges_[:, 1])
        self._rank_tables = (K.base_rank_table(self._left, self._right, n_tokens0),
                             *K.build_rank_table(self._left, self._right))

    # ------------------------------------------------------------------ encoding / decoding

    def symbols(self, X):
        """Quantized symbol ids of one or many series, before any merge (as :class:`Encoded`)."""
        self._check_fitted()
        batch = _as_batch(X)
        flat, offsets = batch.flat, batch.offsets
        sym, _, loc, scale = self._quantize(flat, offsets)
        return Encoded(sym, offsets, loc, scale, np.diff(offsets))

    def encode(self, X, add_eos=False):
        """Token ids of one or many series.

        Parameters
        ----------
        X : series as in :meth:`fit`
        add_eos : bool, default=False, append ``EOS`` to every series.

        Returns
        -------
        Encoded
            Flat tokens with offsets and each series' scaling; ``enc[i]`` are the
            tokens of series ``i`` (channel ``i % n_channels`` of instance
            ``i // n_channels`` for 3D or 2D-list input).
        """
        self._check_fitted()
        batch = _as_batch(X)
        flat, offsets = batch.flat, batch.offsets
        n_threads = numba.get_num_threads()
        numba.set_num_threads(self._n_threads())
        try:
            tokens, tok_offsets, loc, scale = K.encode(
                flat, offsets, *self._bins(), self.scaling == "meanabs", float(self.scale_floor), self._rank_tables,
                self._left, self._right, N_SPECIAL + int(self.n_bins), self._n_chunks(),
            )
        finally:
            numba.set_num_threads(n_threads)
        if add_eos:
            counts = np.diff(tok_offsets)
            ends = tok_offsets[1:]
            tokens = np.insert(tokens, ends, EOS).astype(np.int32)
            tok_offsets = np.concatenate(([0], np.cumsum(counts + 1))).astype(np.int64)
        return Encoded(tokens, tok_offsets, loc, scale, np.diff(offsets))

    def _token_batch(self, tokens, loc, scale):
        """``Encoded``-like view of what :meth:`decode` was given."""
        if isinstance(tokens, Encoded):
            return tokens.tokens, tokens.offsets, tokens.loc, tokens.scale, False
        if isinstance(tokens, (list, tuple)):
            arrays = [np.asarray(t) for t in tokens]
            single = False
        else:
            arrays = [np.asarray(tokens)]
            single = True
        for i, arr in enumerate(arrays):
            if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
                raise ValueError(f"token ids must be 1D integer arrays, got dtype {arr.dtype}, shape {arr.shape}")
        flat = np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(0, np.int64)
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum([a.shape[0] for a in arrays], out=offsets[1:])
        n = len(arrays)
        loc = np.broadcast_to(np.asarray(loc, dtype=np.float64), (n,)).copy()
        scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), (n,)).copy()
        return flat, offsets, loc, scale, single

    def decode(self, tokens, loc=0.0, scale=1.0, conditional=None):
        """Values of token ids on the original scale (MASK gives NaN, PAD is skipped, EOS ends a series).

        Parameters
        ----------
        tokens : Encoded, 1D int array (one series) or list of 1D int arrays
        loc, scale : float or array per series, default=0.0, 1.0
            Scaling to undo; ignored for :class:`Encoded` input, which carries its own.
        conditional : bool or None, default=None
            Conditional decoding; None uses the tokenizer's ``conditional``.

        Returns
        -------
        ndarray for a single token array, else a list of ndarrays.
        """
        self._check_fitted()
        flat, offsets, loc, scale, single = self._token_batch(tokens, loc, scale)
        values, sym_offsets = self._decode_flat(flat, offsets, loc, scale, conditional)
        out = [values[sym_offsets[i] : sym_offsets[i + 1]] for i in range(sym_offsets.shape[0] - 1)]
        return out[0] if single else out

    def _decode_flat(self, flat, offsets, loc, scale, conditional=None):
        """:meth:`decode` of a flat batch of token ids: ``(values, value offsets)``, the values
        of all series one after another (no per-series arrays, for callers that want one)."""
        symbols, sym_offsets, bad = K.decode_symbols(flat, offsets, self._motif_offsets, self._motif_symbols,
                                                     self.vocab_size_)
        if bad >= 0:
            raise ValueError(f"unknown token id {int(flat[bad])}; the vocabulary has ids 0 .. {self.vocab_size_ - 1}")
        use_cond = self.conditional if conditional is None else conditional
        values = K.symbols_to_values(symbols, sym_offsets, self.quantizer_.centres_, self.cond_values_,
                                     self.cond_counts_ > 0, loc, scale, bool(use_cond))
        return values, sym_offsets

    # ------------------------------------------------------------------ statistics

    @property
    def max_quantization_error(self):
        """Largest decoding error (bin centres, scaled units) of a value within ``[lb, ub]``."""
        self._check_fitted()
        return self.quantizer_.max_error_

    def max_error(self, enc):
        """Bound of the centre-decoding error per series of ``enc`` on the original scale (in-range values)."""
        return self.quantizer_.max_error_ * np.asarray(enc.scale)

    def token_lengths(self, enc):
        """Samples covered by every token of ``enc`` (flat, like ``enc.tokens``)."""
        return self.motif_lengths_[enc.tokens]

    def compression(self, enc):
        """Mean samples per token of ``enc`` (EOS and PAD not counted as tokens)."""
        n_tokens = np.count_nonzero(enc.tokens > EOS)
        return float(enc.lengths.sum() / max(n_tokens, 1))

    @property
    def training_compression_(self):
        """Mean samples per token on the training data."""
        self._check_fitted()
        return self.n_training_samples_ / max(self.n_training_tokens_, 1)

    def plot(self, x, ax=None, conditional=None):
        """Plot a series and its reconstruction, coloured token by token (matplotlib Axes)."""
        from sktime_symbolic.bpe.plotting import plot_tokens

        return plot_tokens(self, x, ax=ax, conditional=conditional)

    # ------------------------------------------------------------------ persistence

    def save(self, path):
        """Write the fitted tokenizer to one ``.npz`` file (no pickle)."""
        self._check_fitted()
        params = {k: getattr(self, k) for k in (
            "n_bins", "distribution", "lb", "ub", "scaling", "scale_floor", "p_min", "max_vocab",
            "max_motif_len", "conditional", "cond_pseudo_count", "n_jobs",
        )}
        params = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}
        np.savez_compressed(
            path,
            format_version=np.int64(FORMAT_VERSION),
            params=np.array(json.dumps(params)),
            edges=self.quantizer_.edges_,
            centres=self.quantizer_.centres_,
            merges=self.merges_,
            merge_counts=self.merge_counts_,
            cond_values=self.cond_values_,
            cond_counts=self.cond_counts_,
            training=np.array([self.n_training_samples_, self.n_training_tokens_], dtype=np.int64),
        )

    @classmethod
    def load(cls, path):
        """Read a tokenizer written by :meth:`save`; another format version is a ValueError."""
        if not os.path.exists(path) and os.path.exists(str(path) + ".npz"):
            path = str(path) + ".npz"
        with np.load(path, allow_pickle=False) as data:
            if "format_version" not in data.files:
                raise ValueError(f"{path} is not a MotifTokenizer file (no format_version)")
            version = int(data["format_version"])
            if version != FORMAT_VERSION:
                raise ValueError(f"{path} has format version {version}; this code reads version {FORMAT_VERSION}")
            tok = cls(**json.loads(str(data["params"])))
            arrays = {k: data[k].copy() for k in ("edges", "centres", "merges", "merge_counts", "cond_values",
                                                  "cond_counts", "training")}
        _check_tables(path, int(tok.n_bins), arrays)
        tok.quantizer_ = Quantizer(tok.n_bins, tok.distribution, tok.lb, tok.ub)
        tok.quantizer_.edges_ = arrays["edges"].astype(np.float64)
        tok.quantizer_.centres_ = arrays["centres"].astype(np.float64)
        tok.quantizer_.max_error_ = tok.quantizer_._max_error(float(tok.lb), float(tok.ub))
        merges = arrays["merges"]
        tok._set_merges(merges[:, 0], merges[:, 1], arrays["merge_counts"])
        tok.cond_values_ = arrays["cond_values"]
        tok.cond_counts_ = arrays["cond_counts"]
        tok.n_training_samples_, tok.n_training_tokens_ = (int(v) for v in arrays["training"])
        return tok


def _check_tables(path, n_bins, arrays):
    """Internal consistency of a saved tokenizer's tables; a ValueError names the file and the table.

    A merge list that was reordered or edited refers to tokens that do not exist yet, and would
    decode to garbage (NaN) instead of failing.
    """
    def fail(what):
        raise ValueError(f"{path} is inconsistent: {what}")

    edges, centres = arrays["edges"], arrays["centres"]
    if edges.shape != (n_bins - 1,) or centres.shape != (n_bins,):
        fail(f"edges {edges.shape} and centres {centres.shape} do not fit n_bins={n_bins}")
    if not (np.isfinite(edges).all() and np.isfinite(centres).all()):
        fail("edges or centres are not finite")
    if np.any(np.diff(edges) <= 0) or np.any(np.diff(centres) < 0):
        fail("edges are not increasing or centres are not sorted")
    merges, counts = arrays["merges"], arrays["merge_counts"]
    if merges.ndim != 2 or merges.shape[1] != 2 or not np.issubdtype(merges.dtype, np.integer):
        fail(f"merges must be an (n, 2) integer table, got dtype {merges.dtype}, shape {merges.shape}")
    if counts.shape != (len(merges),) or np.any(counts < 0):
        fail(f"merge_counts must hold {len(merges)} non-negative counts, got shape {counts.shape}")
    n_tokens0 = N_SPECIAL + n_bins
    if n_tokens0 + len(merges) > K.MAX_VOCAB:
        fail(f"{len(merges)} merges exceed the 16-bit vocabulary")
    # merge r may only join symbols or motifs made by merges before it
    newest = n_tokens0 + np.arange(len(merges))[:, None]
    bad = np.nonzero(((merges < N_SPECIAL) | (merges >= newest)).any(axis=1))[0]
    if bad.size:
        r = int(bad[0])
        fail(f"merge {r} joins tokens {merges[r].tolist()}, not built from earlier tokens "
             f"(ids {N_SPECIAL} .. {n_tokens0 + r - 1})")
    cond_values, cond_counts = arrays["cond_values"], arrays["cond_counts"]
    if cond_values.shape != (n_bins, n_bins) or cond_counts.shape != (n_bins, n_bins):
        fail(f"the conditional decoding tables must be ({n_bins}, {n_bins}), got {cond_values.shape} and "
             f"{cond_counts.shape}")
    if not np.isfinite(cond_values).all() or np.any(cond_counts < 0):
        fail("the conditional decoding table holds non-finite values or negative counts")
    if arrays["training"].shape != (2,):
        fail(f"training must hold 2 counts, got shape {arrays['training'].shape}")
