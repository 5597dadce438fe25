"""ABBA, fABBA and JABBA symbolic approximation (framework-free core).

A series is compressed into an adaptive polygonal chain through its own data points,
the chain's pieces ``(length, increment)`` (or ``(length, end value)`` for the
fixed-point chain) are clustered, and each piece becomes the symbol of its cluster.
:class:`JABBA` shares one codebook across any number of series; :class:`ABBA` fits one.
"""

from dataclasses import dataclass

import numba
import numpy as np
from sklearn.exceptions import NotFittedError

from sktime_symbolic._validation import check_int, check_real, split_series
from sktime_symbolic.abba._kernels import compress_many, group_means, reconstruct_many, scale_points, take
from sktime_symbolic.abba._threads import MIN_POINTS_PER_THREAD, numba_threads
from sktime_symbolic.abba.digitization import DIGITIZATION_METHODS, Codebook, auto_alpha, cluster
from sktime_symbolic.abba.symbols import check_alphabet, codes_to_strings, strings_to_codes

__all__ = ["ABBA", "JABBA", "Pieces", "SymbolicRepresentation", "compress"]

# a series whose standard deviation is at most this fraction of its largest magnitude counts
# as constant (rounding noise) and is only centred; relative, so no scale is singled out
_STD_FLOOR = 1e-12
# largest magnitude accepted: differences of two values and a reconstruction that drifts past
# the data's range must stay finite (headroom of 2**10 below the largest float64)
_MAX_ABS = np.finfo(np.float64).max / 2.0**10
# the same without normalisation: the compression squares differences in the data's units and
# multiplies them by squared piece lengths
_MAX_ABS_RAW = 1e100
# smallest standard deviation of a normalised series: its inverse must be finite
_MIN_STD = np.finfo(np.float64).tiny


@dataclass
class Pieces:
    """Polygonal chain of many series: piece lengths and values, split by ``offsets``.

    ``values`` are increments, or absolute end values for the fixed-point chain.
    """

    lengths: np.ndarray
    values: np.ndarray
    offsets: np.ndarray
    fixed_point: bool


@dataclass
class SymbolicRepresentation:
    """Symbols of many series plus what the inverse needs.

    Attributes
    ----------
    codes : int64 array, the symbols of all series concatenated (0 = most frequent symbol)
    offsets : int64 array of length ``n_series + 1``; series ``i`` is
        ``codes[offsets[i]:offsets[i+1]]``
    first : float array, first value of each series in normalised units
    n_points : int64 array, original length of each series (``-1``: unknown, the
        reconstruction then takes the lengths the symbols imply)
    loc, scale : float arrays, the per-series normalisation (``x = z * scale + loc``)
    layout : how the input was shaped, so the inverse returns the same shape
    n_channels : channels per instance for multivariate input
    piece_lengths : int64 array aligned with ``codes`` or None, the time steps of each
        symbol's piece as compressed (``transform`` fills it in; the inverse does not read
        it, it uses the symbols' mean lengths)
    """

    codes: np.ndarray
    offsets: np.ndarray
    first: np.ndarray
    n_points: np.ndarray
    loc: np.ndarray
    scale: np.ndarray
    layout: str = "list"
    n_channels: int = 1
    piece_lengths: np.ndarray = None

    @property
    def n_series(self):
        return self.offsets.shape[0] - 1

    def symbols(self, i):
        """Codes of series ``i``."""
        return self.codes[self.offsets[i] : self.offsets[i + 1]]

    def __len__(self):
        return self.n_series

    def __iter__(self):
        return (self.symbols(i) for i in range(self.n_series))


def _join_output(flat, offsets, layout, n_channels):
    """Inverse of :func:`~sktime_symbolic._validation.split_series` for reconstructed series
    laid out in ``flat``."""
    lengths = np.diff(offsets)
    if layout in ("2d", "3d"):
        if (lengths != lengths[0]).any():
            raise ValueError(
                f"reconstructed series are ragged (lengths {sorted(set(lengths.tolist()))}); "
                "cannot stack into an array"
            )
        n_inst = lengths.shape[0] // n_channels
        out = flat.reshape(n_inst, n_channels, lengths[0])
        return out[:, 0, :] if layout == "2d" else out
    series = [flat[offsets[i] : offsets[i + 1]] for i in range(lengths.shape[0])]
    if layout == "1d":
        return series[0]
    if layout == "list":
        return series
    return [np.stack(series[i : i + n_channels]) for i in range(0, len(series), n_channels)]


def compress(X, tol=0.1, max_len=None, fixed_point=False, n_jobs=None):
    """Adaptive polygonal chain of one or many series (the ABBA compression).

    A piece grows while the squared Euclidean distance of its points from the straight
    line between its end points is at most ``(len - 1) * tol**2`` (``len`` = number of
    time steps of the piece). The cost is O(n) per series. Values above ``1e100`` in
    magnitude are a ValueError (the squared differences would overflow float64).

    Parameters
    ----------
    X : series or panel, see :class:`JABBA`
    tol : float > 0, compression tolerance in the units of the data
    max_len : int >= 1 or None, longest piece allowed
    fixed_point : bool, store absolute end values instead of increments
    n_jobs : int or None, threads (None or -1: all cores)

    Returns
    -------
    Pieces

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_symbolic.abba import compress
    >>> pieces = compress(np.array([0.0, 1.0, 2.0, 3.0, 1.0]), tol=0.01)
    >>> pieces.lengths.tolist(), pieces.values.tolist()
    ([3, 1], [3.0, -2.0])
    """
    tol = check_real(tol, "tol", low=0, low_inclusive=False)
    max_len = check_int(max_len, "max_len", low=1, allow_none=True)
    batch = split_series(X, min_length=2)
    return _compress_flat(batch, tol, max_len, bool(fixed_point), False, n_jobs)[0]


def _compress_flat(batch, tol, max_len, fixed_point, normalize, n_jobs):
    """Compress the series of a :class:`~sktime_symbolic._validation.SeriesBatch`; returns
    ``(pieces, loc, scale, piece_std)`` with ``piece_std`` the standard deviations of the
    piece lengths and values."""
    flat, offsets = batch.flat, batch.offsets
    limit = np.iinfo(np.int64).max if max_len is None else max_len
    # series are the unit of parallel work: one series runs on one thread
    with numba_threads(n_jobs, min(offsets.shape[0] - 1, flat.shape[0] // 50_000), 1):
        lengths, values, piece_offsets, loc, scale, moments, bad, peak = compress_many(
            flat, offsets, tol, limit, fixed_point, normalize, _STD_FLOOR, numba.get_num_threads()
        )
    if (bad >= 0).any():
        i = int(np.flatnonzero(bad >= 0)[0])
        kind = "NaN" if np.isnan(flat[offsets[i] + bad[i]]) else "inf"
        raise ValueError(f"{batch.name(i)} contains {kind} at position {int(bad[i])}")
    _check_range(batch, peak, scale, normalize)
    n = max(lengths.shape[0], 1)
    second = moments[[1, 3]] / n
    var = second - (moments[[0, 2]] / n) ** 2
    # a coordinate in which all pieces are alike (up to rounding) is not scaled
    std = np.where(var > 1e-12 * second, np.sqrt(np.maximum(var, 0.0)), 1.0)
    return Pieces(lengths, values, piece_offsets, fixed_point), loc, scale, std


def _check_range(batch, peak, scale, normalize):
    """Raise a ValueError naming the first series whose magnitude float64 cannot compress.

    ``peak`` and ``scale`` are the largest magnitude and the normalising scale of each series
    (1 for a constant or unnormalised one).
    """
    limit = _MAX_ABS if normalize else _MAX_ABS_RAW
    over = np.flatnonzero(peak > limit)
    if over.size:
        i = int(over[0])
        extra = "" if normalize else " with normalize=False (squared differences overflow)"
        raise ValueError(f"{batch.name(i)} has values of magnitude {peak[i]:.3g}, too large for float64 "
                         f"arithmetic{extra}: at most {limit:.3g} is allowed; rescale the series")
    under = np.flatnonzero(scale < _MIN_STD)
    if under.size:
        i = int(under[0])
        raise ValueError(f"{batch.name(i)} has a standard deviation of {scale[i]:.3g}, below the smallest "
                         f"normal float64 ({_MIN_STD:.3g}): normalising it would overflow; rescale the series")


class JABBA:
    """Joint symbolic approximation: one codebook for many series.

    Each series is (optionally) z-normalised, compressed into a polygonal chain with
    tolerance ``tol``, and the pieces of all series are clustered together; a symbol is
    a cluster. ``method="greedy"`` is fABBA's digitization, ``"kmeans"`` is ABBA's and
    ``"sampling-kmeans"`` is JABBA's fast variant.

    Parameters
    ----------
    tol : float > 0, default=0.1
        Compression tolerance (in normalised units when ``normalize=True``).
    method : {"greedy", "kmeans", "sampling-kmeans"}, default="greedy"
    alpha : float >= 0 or "auto", default=0.1
        Radius of greedy aggregation in scaled units. ``"auto"`` derives it from ``tol``
        with JABBA's Brownian-bridge bound (see :func:`~sktime_symbolic.abba.digitization.auto_alpha`).
    k : int >= 1, number of symbols for the k-means methods.
    r : float in (0, 1], default=0.5, fraction of pieces sampled by ``"sampling-kmeans"``.
    scl : float >= 0, default=1.0
        Weight of the piece length against its value after both are divided by their
        standard deviations; 0 clusters on values only.
    max_len : int >= 1 or None, longest piece.
    fixed_point : bool, default=False
        Fixed-point chain (FAPCA): pieces are (length, absolute end value), so one wrong
        symbol does not shift the rest of the reconstruction.
    normalize : bool, default=True
        z-normalise each series before compression. A series whose standard deviation is at
        most ``1e-12`` times its largest magnitude (rounding noise) counts as constant and is
        only centred; the rule is relative, so symbols do not depend on the series' scale.
        Values above about ``1.7e305`` in magnitude (``1e100`` with ``normalize=False``) are
        a ValueError: float64 arithmetic on them would overflow.
    eta : float > 0, default=3.0, standard deviations of the ``alpha="auto"`` bound.
    alphabet : sequence of str or None
        Strings for the symbols (default: letters, digits, punctuation, then more
        printable characters), e.g. an LLM's tokens.
    n_jobs : int or None, threads for compression, assignment and reconstruction.
    random_state : int or None, seed of the k-means methods.

    Attributes
    ----------
    centers_ : array (n_symbols, 2), mean (length, value) of each symbol's pieces, used by
        the inverse; row ``i`` is symbol ``i`` (symbols ordered by decreasing frequency).
    n_symbols_ : int
    alpha_ : float, the aggregation radius used (greedy method)
    alphabet_ : list of str

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_symbolic.abba import JABBA
    >>> rng = np.random.default_rng(0)
    >>> X = [np.cumsum(rng.standard_normal(n)) for n in (200, 300)]
    >>> jabba = JABBA(tol=0.1, alpha=0.1)
    >>> rep = jabba.fit_transform(X)
    >>> strings = jabba.to_strings(rep)
    >>> recon = jabba.inverse_transform(rep)
    >>> [r.shape[0] for r in recon]
    [200, 300]
    """

    def __init__(
        self,
        tol=0.1,
        method="greedy",
        alpha=0.1,
        k=None,
        r=0.5,
        scl=1.0,
        max_len=None,
        fixed_point=False,
        normalize=True,
        eta=3.0,
        alphabet=None,
        n_jobs=None,
        random_state=None,
    ):
        self.tol = tol
        self.method = method
        self.alpha = alpha
        self.k = k
        self.r = r
        self.scl = scl
        self.max_len = max_len
        self.fixed_point = fixed_point
        self.normalize = normalize
        self.eta = eta
        self.alphabet = alphabet
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- parameters -------------------------------------------------------------------
    def _check_params(self):
        tol = check_real(self.tol, "tol", low=0, low_inclusive=False)
        if self.method not in DIGITIZATION_METHODS:
            raise ValueError(f"method must be one of {DIGITIZATION_METHODS}, got {self.method!r}")
        alpha = check_real(self.alpha, "alpha", low=0, allow=("auto",))
        k = check_int(self.k, "k", low=1, allow_none=self.method == "greedy")
        r = check_real(self.r, "r", low=0, low_inclusive=False)
        if r > 1:
            raise ValueError(f"r must be in (0, 1], got {r}")
        scl = check_real(self.scl, "scl", low=0)
        max_len = check_int(self.max_len, "max_len", low=1, allow_none=True)
        eta = check_real(self.eta, "eta", low=0, low_inclusive=False)
        n_jobs = check_int(self.n_jobs, "n_jobs", low=-1, allow_none=True)
        if n_jobs == 0:
            raise ValueError("n_jobs must be a positive integer, -1 or None, got 0")
        return dict(tol=tol, alpha=alpha, k=k, r=r, scl=scl, max_len=max_len, eta=eta, n_jobs=n_jobs)

    # -- steps ------------------------------------------------------------------------
    def _scaled(self, pieces, n_jobs):
        with numba_threads(n_jobs, pieces.lengths.shape[0], MIN_POINTS_PER_THREAD):
            return scale_points(pieces.lengths, pieces.values, self._scl / self._std[0], 1.0 / self._std[1])

    def _encode(self, X, p):
        batch = split_series(X, min_length=2)
        pieces, loc, scale, piece_std = _compress_flat(
            batch, p["tol"], p["max_len"], bool(self.fixed_point), bool(self.normalize), p["n_jobs"]
        )
        rep = SymbolicRepresentation(
            codes=None,
            offsets=pieces.offsets,
            first=(batch.flat[batch.offsets[:-1]] - loc) / scale,
            n_points=np.diff(batch.offsets),
            loc=loc,
            scale=scale,
            layout=batch.layout,
            n_channels=batch.n_channels,
            piece_lengths=pieces.lengths,
        )
        return pieces, rep, piece_std

    # -- public API ----------------------------------------------------------------
    def fit(self, X):
        """Learn the codebook from one or many series; returns self."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X):
        """Learn the codebook and return the symbols of ``X``."""
        p = self._check_params()
        pieces, rep, std = self._encode(X, p)
        self._scl = p["scl"]
        self._std = std
        points = self._scaled(pieces, p["n_jobs"])
        if self.method == "greedy":
            if p["alpha"] == "auto":
                n_pieces = np.diff(pieces.offsets)
                self.alpha_ = auto_alpha(p["tol"], rep.n_points, n_pieces, std[1], p["eta"])
            else:
                self.alpha_ = p["alpha"]
            centers, guess = cluster(points, "greedy", alpha=self.alpha_, n_jobs=p["n_jobs"])
        else:
            self.alpha_ = None
            centers, guess = cluster(
                points, self.method, k=p["k"], r=p["r"], random_state=self.random_state, n_jobs=p["n_jobs"]
            )
        codebook = Codebook(centers, density_sample=points)
        with numba_threads(p["n_jobs"], points.shape[0], MIN_POINTS_PER_THREAD):
            labels = codebook.assign(points, hint=guess)
            # a symbol's piece is the mean (length, value) of its pieces
            means, counts = group_means(pieces.lengths, pieces.values, labels, centers.shape[0])
        # symbols ordered by decreasing frequency; centres that won no piece are dropped
        keep = np.flatnonzero(counts)
        order = keep[np.argsort(-counts[keep], kind="stable")]
        rank = np.empty(centers.shape[0], dtype=np.int64)
        rank[order] = np.arange(order.shape[0])
        self._codebook = codebook.select(order)
        with numba_threads(p["n_jobs"], points.shape[0], MIN_POINTS_PER_THREAD):
            codes = take(rank, labels)
        n_symbols = order.shape[0]
        self.centers_ = means[order]
        self.n_symbols_ = n_symbols
        self.alphabet_ = check_alphabet(self.alphabet, n_symbols)
        self._n_jobs = p["n_jobs"]
        rep.codes = codes
        return rep

    def _check_fitted(self):
        if not hasattr(self, "centers_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit first")

    def transform(self, X):
        """Symbols of new series, each piece assigned to its nearest centre."""
        self._check_fitted()
        p = self._check_params()
        pieces, rep, _ = self._encode(X, p)
        points = self._scaled(pieces, p["n_jobs"])
        with numba_threads(p["n_jobs"], points.shape[0], MIN_POINTS_PER_THREAD):
            rep.codes = self._codebook.assign(points)
        return rep

    def inverse_transform(self, rep):
        """Reconstruct series from a :class:`SymbolicRepresentation`.

        Every reconstruction starts at its series' first value and, when the original
        length is known, has exactly that length: the symbols' mean lengths are stretched
        to sum to it and rounded cumulatively.
        """
        self._check_fitted()
        if not isinstance(rep, SymbolicRepresentation):
            raise ValueError(
                f"inverse_transform needs a SymbolicRepresentation, got {type(rep).__name__}"
            )
        codes = np.asarray(rep.codes)
        if codes.dtype.kind not in "iu":
            codes = strings_to_codes(codes, self.alphabet_)
        if codes.size and (codes.min() < 0 or codes.max() >= self.n_symbols_):
            bad = codes[(codes < 0) | (codes >= self.n_symbols_)][0]
            raise ValueError(f"unknown symbol code {int(bad)}: the codebook has {self.n_symbols_} symbols")
        lengths = self.centers_[codes, 0]
        values = self.centers_[codes, 1]
        n_points = np.asarray(rep.n_points, dtype=np.int64).copy()
        unknown = n_points < 0
        if unknown.any():
            totals = np.add.reduceat(lengths, rep.offsets[:-1]) if lengths.size else np.zeros(rep.n_series)
            empty = np.diff(rep.offsets) == 0
            totals[empty] = 0.0
            n_points[unknown] = np.rint(totals[unknown]).astype(np.int64) + 1
        with numba_threads(self._n_jobs, min(rep.n_series, int(n_points.sum()) // 50_000), 1):
            flat, out_offsets = reconstruct_many(
                lengths, values, np.asarray(rep.offsets, dtype=np.int64),
                np.asarray(rep.first, dtype=np.float64), n_points, bool(self.fixed_point),
                np.asarray(rep.loc, dtype=np.float64), np.asarray(rep.scale, dtype=np.float64),
            )
        return _join_output(flat, out_offsets, rep.layout, rep.n_channels)

    def to_strings(self, rep, join=True):
        """Symbols of every series as strings (joined into one string per series)."""
        self._check_fitted()
        out = [codes_to_strings(codes, self.alphabet_) for codes in rep]
        return ["".join(s) for s in out] if join else [list(s) for s in out]


class ABBA(JABBA):
    """ABBA / fABBA on a single series (its own codebook).

    Same parameters as :class:`JABBA`; ``fit`` and ``fit_transform`` take one 1D series.
    ``method="greedy"`` gives fABBA, ``method="kmeans"`` the original ABBA.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_symbolic.abba import ABBA
    >>> x = np.sin(np.linspace(0, 20, 500))
    >>> abba = ABBA(tol=0.05, alpha=0.1)
    >>> rep = abba.fit_transform(x)
    >>> abba.inverse_transform(rep).shape
    (500,)
    """

    def fit_transform(self, X):
        if isinstance(X, (list, tuple)) and any(np.ndim(v) > 0 for v in X):
            X = None  # a list of series
        if X is None or np.ndim(X) != 1:
            raise ValueError("ABBA fits one 1D series; use JABBA for a codebook shared by many series")
        return super().fit_transform(X)
