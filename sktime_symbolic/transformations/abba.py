"""ABBA / fABBA transformer: each series gets its own codebook."""

import numpy as np
from sktime.utils.parallel import parallelize

from sktime_symbolic.abba import JABBA, SymbolicRepresentation
from sktime_symbolic.transformations._abba_base import _BaseABBATransformer
from sktime_symbolic.transformations._panel import values_frame

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


def _fit_instance(x, meta):
    return JABBA(**meta["params"]).fit(x)


def _transform_instance(item, meta):
    model, x = item
    return model.transform(x)


def _inverse_instance(item, meta):
    model, rep = item
    return model.inverse_transform(rep)


def _series_slice(rep, first, stop):
    """The representation of series ``first .. stop - 1`` of ``rep``."""
    a, b = rep.offsets[first], rep.offsets[stop]
    return SymbolicRepresentation(
        codes=rep.codes[a:b], offsets=rep.offsets[first : stop + 1] - a, first=rep.first[first:stop],
        n_points=rep.n_points[first:stop], loc=rep.loc[first:stop], scale=rep.scale[first:stop],
        layout="list", n_channels=1, piece_lengths=rep.piece_lengths[a:b],
    )


def _concatenate(reps):
    """One representation of the series of ``reps``, one after another."""
    counts = np.concatenate([np.diff(rep.offsets) for rep in reps])
    offsets = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return SymbolicRepresentation(
        codes=np.concatenate([rep.codes for rep in reps]), offsets=offsets,
        first=np.concatenate([rep.first for rep in reps]), n_points=np.concatenate([rep.n_points for rep in reps]),
        loc=np.concatenate([rep.loc for rep in reps]), scale=np.concatenate([rep.scale for rep in reps]),
        layout="list", n_channels=1, piece_lengths=np.concatenate([rep.piece_lengths for rep in reps]),
    )


class ABBATransformer(_BaseABBATransformer):
    __doc__ = (
        """ABBA symbolic approximation, one codebook per series.

    Compresses each series into an adaptive polygonal chain and turns its pieces into
    symbols (fABBA with ``method="greedy"``, ABBA with ``method="kmeans"``). The channels of
    a multivariate series share that series' codebook. On a panel, ``fit`` learns one
    codebook per instance and ``transform`` encodes each instance with its own, so both
    need the same number of instances; instances run one after another, or in parallel
    under sktime's ``backend:parallel`` config. Use :class:`JABBATransformer` for one
    codebook across a panel.

    The output has one row per symbol, indexed ``(instance, symbol_position)``:
    ``symbol`` plus the columns ``inverse_transform`` needs (``channel``, ``start_value``,
    ``length`` of the symbol's piece, ``loc``, ``scale``).
"""
        + _PARAMS_DOC
        + """
    Attributes
    ----------
    models_ : list of :class:`~sktime_symbolic.abba.JABBA`, the fitted codebook of every
        instance (one for a single series).
    columns_ : list, the column names seen in ``fit``.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from sktime_symbolic.transformations import ABBATransformer
    >>> y = load_airline()
    >>> abba = ABBATransformer(tol=0.1, alpha=0.1)
    >>> Xt = abba.fit_transform(y)
    >>> int(Xt["length"].sum()) == len(y) - 1
    True
    >>> y_rec = abba.inverse_transform(Xt)
    >>> len(y_rec) == len(y)
    True
"""
    )

    _tags = {
        "scitype:instancewise": True,
    }

    def _per_instance(self, fun, items):
        """``fun`` on every instance, under the ``backend:parallel`` config."""
        config = self.get_config()
        return parallelize(
            fun=fun, iter=items, meta={"params": self._model_params()}, backend=config["backend:parallel"],
            backend_params=config["backend:parallel:params"],
        )

    def _check_instances(self, n_instances):
        if n_instances != len(self.models_):
            raise ValueError(
                f"{type(self).__name__} learns one codebook per instance: fitted on {len(self.models_)} "
                f"instance(s), got {n_instances}; use JABBATransformer for a codebook shared by new series"
            )

    def _fit(self, X, y=None):
        panel = self._checked_panel(X)
        self.models_ = self._per_instance(_fit_instance, list(panel.data))
        self.columns_ = panel.columns
        return self

    def _transform(self, X, y=None):
        panel = self._checked_panel(X)
        self._check_columns(panel)
        self._check_instances(panel.n_instances)
        reps = self._per_instance(_transform_instance, list(zip(self.models_, panel.data)))
        rep = _concatenate(reps)
        if self.return_strings:
            symbols = np.concatenate(
                [np.asarray(model.alphabet_, dtype=object)[r.codes] for model, r in zip(self.models_, reps)]
            )
        else:
            symbols = rep.codes
        return self._symbol_frame(rep, panel, symbols)

    def _inverse_transform(self, X, y=None):
        rows, rep = self._read_symbol_frame(X)
        self._check_instances(rows.counts.shape[0])
        n_channels = len(self.columns_)
        parts = [_series_slice(rep, i * n_channels, (i + 1) * n_channels) for i in range(len(self.models_))]
        series = self._per_instance(_inverse_instance, list(zip(self.models_, parts)))
        flat = np.concatenate([x for instance in series for x in instance])
        return values_frame(flat, rep.n_points, n_channels, rows, self.columns_)
