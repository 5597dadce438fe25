"""ABBA / fABBA transformer: each series gets its own codebook."""

import numpy as np
import pandas as pd

from sktime_symbolic.transformations._abba_base import _BaseABBATransformer

_PARAMS_DOC = """
    Parameters
    ----------
    tol : float > 0, default=0.1
        Compression tolerance: a piece of ``len`` steps is kept while the squared distance
        of its points from its straight line is at most ``(len - 1) * tol**2``
        (in normalised units when ``normalize=True``).
    method : {"greedy", "kmeans", "sampling-kmeans"}, default="greedy"
        Digitization: fABBA's greedy aggregation, ABBA's k-means, or JABBA's
        sampling k-means.
    alpha : float >= 0 or "auto", default=0.1
        Aggregation radius of ``"greedy"``; ``"auto"`` derives it from ``tol``.
    k : int >= 1 or None, number of symbols of the k-means methods.
    r : float in (0, 1], default=0.5, fraction of pieces sampled by ``"sampling-kmeans"``.
    scl : float >= 0, default=1.0, weight of piece length against piece value.
    max_len : int or None, longest piece.
    fixed_point : bool, default=False, fixed-point chain (pieces store absolute end values).
    normalize : bool, default=True, z-normalise each channel before compression.
    return_strings : bool, default=False, output symbols as strings instead of int codes.
    alphabet : sequence of str or None, strings for the symbols.
    n_jobs : int or None, threads of the numba kernels.
    random_state : int or None, seed of the k-means methods.
"""


class ABBATransformer(_BaseABBATransformer):
    __doc__ = (
        """ABBA symbolic approximation, one codebook per series.

    Compresses each series into an adaptive polygonal chain and turns its pieces into
    symbols (fABBA with ``method="greedy"``, ABBA with ``method="kmeans"``). The channels of
    a multivariate series share that series' codebook. A panel is handled series by
    series (also under sktime's ``backend:parallel`` config); use
    :class:`JABBATransformer` for one codebook across a panel.

    The output has one row per symbol: ``symbol`` plus the columns ``inverse_transform``
    needs (``channel``, ``start_value``, ``length``, ``loc``, ``scale``).
"""
        + _PARAMS_DOC
        + """
    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from sktime_symbolic.transformations import ABBATransformer
    >>> y = load_airline()
    >>> abba = ABBATransformer(tol=0.1, alpha=0.1)
    >>> Xt = abba.fit_transform(y)
    >>> y_rec = abba.inverse_transform(Xt)
    >>> len(y_rec) == len(y)
    True
"""
    )

    _tags = {
        "scitype:instancewise": True,
        "X_inner_mtype": "pd.DataFrame",
    }

    def _fit(self, X, y=None):
        self.model_ = self._make_model().fit(self._channels_of([X])[0])
        self.columns_ = list(X.columns)
        return self

    def _transform(self, X, y=None):
        self._check_columns(X)
        rep = self.model_.transform(self._channels_of([X])[0])
        return self._to_symbol_frames(self.model_, rep)[0]

    def _inverse_transform(self, X, y=None):
        rep = self._from_symbol_frames(self.model_, [X], len(self.columns_))
        values = np.column_stack(self.model_.inverse_transform(rep))
        return pd.DataFrame(values, columns=self.columns_)
