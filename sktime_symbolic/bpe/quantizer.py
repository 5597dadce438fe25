"""Equiprobable quantization of scaled series into ``M`` bins."""

import numpy as np
from scipy.special import ndtr, ndtri

from sktime_symbolic._validation import check_int, check_real

DISTRIBUTIONS = ("uniform", "gaussian", "empirical")


class Quantizer:
    """``M`` bins equiprobable under a distribution on the scaled values.

    With ``C`` the cumulative distribution, the bin edges are ``C^-1(j / M)`` for
    ``j = 1 .. M-1`` and the decoding values (bin centres) ``C^-1((j - 0.5) / M)``.
    A value ``v`` falls into bin ``j`` when ``edge[j-1] < v <= edge[j]``; values below the
    first or above the last edge go to the outer bins.

    Parameters
    ----------
    n_bins : int >= 2, default=37
        Number of bins ``M``.
    distribution : {"uniform", "gaussian", "empirical"}, default="uniform"
        ``"uniform"``: uniform on ``[lb, ub]`` (equal-width bins); ``"gaussian"``: standard
        normal truncated to ``[lb, ub]``; ``"empirical"``: quantiles of the values given to
        :meth:`fit`.
    lb, ub : float, default=-5.0, 5.0
        The range of the quantizer; ``max_error_`` holds within it.

    Attributes
    ----------
    edges_ : ndarray of shape (M - 1,)
    centres_ : ndarray of shape (M,)
    max_error_ : float
        Largest distance between a value in ``[lb, ub]`` and the centre of its bin.

    Examples
    --------
    >>> from sktime_symbolic.bpe import Quantizer
    >>> q = Quantizer(n_bins=10, lb=-5, ub=5).fit()
    >>> q.centres_[:3]
    array([-4.5, -3.5, -2.5])
    >>> q.max_error_
    0.5
    """

    def __init__(self, n_bins=37, distribution="uniform", lb=-5.0, ub=5.0):
        self.n_bins = n_bins
        self.distribution = distribution
        self.lb = lb
        self.ub = ub

    def _check(self):
        n_bins = check_int(self.n_bins, "n_bins", low=2)
        lb = check_real(self.lb, "lb")
        ub = check_real(self.ub, "ub")
        if lb >= ub:
            raise ValueError(f"lb must be smaller than ub, got lb={lb}, ub={ub}")
        if self.distribution not in DISTRIBUTIONS:
            raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {self.distribution!r}")
        return n_bins, lb, ub

    def fit(self, values=None):
        """Compute the bins; ``values`` (scaled, NaN ignored) are needed for ``"empirical"``."""
        n_bins, lb, ub = self._check()
        probs_edges = np.arange(1, n_bins) / n_bins
        probs_centres = (np.arange(1, n_bins + 1) - 0.5) / n_bins
        if self.distribution == "uniform":
            self.edges_ = lb + probs_edges * (ub - lb)
            self.centres_ = lb + probs_centres * (ub - lb)
        elif self.distribution == "gaussian":
            lo, hi = ndtr(lb), ndtr(ub)
            self.edges_ = ndtri(lo + probs_edges * (hi - lo))
            self.centres_ = ndtri(lo + probs_centres * (hi - lo))
        else:
            if values is None:
                raise ValueError('distribution="empirical" needs the training values')
            finite = np.asarray(values, dtype=np.float64)
            finite = finite[np.isfinite(finite)]
            if finite.size == 0:
                raise ValueError('distribution="empirical" needs at least one non-missing training value')
            self.edges_ = np.quantile(finite, probs_edges)
            self.centres_ = np.quantile(finite, probs_centres)
        self.edges_ = np.ascontiguousarray(self.edges_, dtype=np.float64)
        self.centres_ = np.ascontiguousarray(self.centres_, dtype=np.float64)
        self.max_error_ = self._max_error(lb, ub)
        return self

    def _max_error(self, lb, ub):
        lower = np.clip(np.concatenate(([lb], self.edges_)), lb, ub)
        upper = np.clip(np.concatenate((self.edges_, [ub])), lb, ub)
        err = np.maximum(np.abs(self.centres_ - lower), np.abs(upper - self.centres_))
        return float(err[lower <= upper].max())

    def quantize(self, values):
        """Bin index (0 .. M-1) of every value; NaN is not allowed here."""
        values = np.asarray(values, dtype=np.float64)
        if np.isnan(values).any():
            raise ValueError("values contain NaN; the tokenizer maps NaN to MASK, the quantizer cannot")
        return np.searchsorted(self.edges_, values, side="left")
