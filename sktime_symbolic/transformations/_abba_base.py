"""Shared machinery of the ABBA and JABBA sktime transformers.

The transformed data holds one row per symbol, indexed ``(instance, symbol_position)``
(``symbol_position`` alone for a single series). Besides the ``symbol`` column it carries
what ``inverse_transform`` needs, so the output alone can be inverted (also when it was
produced under a parallel backend or edited, e.g. symbols forecast by a model):

- ``channel``: the index of the input column the symbol belongs to (channels are
  symbolized separately with a shared codebook);
- ``length``: the number of time steps of the symbol's piece; a channel's pieces cover its
  series, so the reconstruction of a channel has ``1 + sum(length)`` time points (give an
  added symbol the length you want it to span, e.g. its mean length
  ``round(model_.centers_[symbol, 0])``);
- ``start_value``: first value of the channel;
- ``loc``, ``scale``: the channel's normalisation.

``inverse_transform`` reads ``start_value``, ``loc`` and ``scale`` from a channel's first
row and rejects non-integer or missing symbols, lengths that are not whole numbers >= 1,
non-finite values, scales <= 0 and channels the transformer was not fitted on.

Select ``Xt["symbol"]`` for the codes alone. With ``return_strings=True`` the symbols are
strings; sktime admits no categorical data in ``inverse_transform``, so map them back to codes
(their positions in the fitted ``alphabet_``) before inverting.
"""

import numpy as np
from sktime.transformations.base import BaseTransformer

from sktime_symbolic._validation import check_finite, split_series
from sktime_symbolic.abba import JABBA, SymbolicRepresentation
from sktime_symbolic.transformations._panel import (
    INNER_MTYPES,
    build_frame,
    channel_column,
    integer_column,
    read_panel,
    real_column,
    series_rows,
    split_rows,
)

SYMBOL_COLUMNS = ["symbol", "channel", "start_value", "length", "loc", "scale"]


class _BaseABBATransformer(BaseTransformer):
    """Parameters and frame conversion shared by both transformers."""

    _tags = {
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Series",
        "scitype:transform-labels": "None",
        "y_inner_mtype": "None",
        "requires_y": False,
        "fit_is_empty": False,
        "transform-returns-same-time-index": False,
        "capability:inverse_transform": True,
        "capability:inverse_transform:exact": False,
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:unequal_length:removes": False,
        "capability:unequal_length:adds": True,  # each series yields its own number of symbols
        "capability:missing_values": False,
        "capability:categorical_in_X": False,
        "capability:random_state": True,
        "property:randomness": "derandomized",
        "authors": ["sktime-symbolic developers"],
        "maintainers": ["sktime-symbolic developers"],
        "python_dependencies": ["numba"],
        "X_inner_mtype": INNER_MTYPES,
    }

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
        return_strings=False,
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
        self.return_strings = return_strings
        self.alphabet = alphabet
        self.n_jobs = n_jobs
        self.random_state = random_state
        super().__init__()

    def _model_params(self):
        return dict(
            tol=self.tol, method=self.method, alpha=self.alpha, k=self.k, r=self.r, scl=self.scl,
            max_len=self.max_len, fixed_point=self.fixed_point, normalize=self.normalize,
            alphabet=self.alphabet, n_jobs=self.n_jobs, random_state=self.random_state,
        )

    def _make_model(self):
        return JABBA(**self._model_params())

    def _check_columns(self, panel):
        if panel.columns != self.columns_:
            raise ValueError(f"X has columns {panel.columns}, but the transformer was fitted on {self.columns_}")

    @staticmethod
    def _checked_panel(X):
        """:class:`~sktime_symbolic.transformations._panel.Panel` of ``X`` with every series
        checked (at least 2 values, no NaN or inf) and errors naming instance and channel."""
        panel = read_panel(X)
        check_finite(split_series(panel.data, min_length=2))
        return panel

    @staticmethod
    def _symbol_frame(rep, panel, symbols):
        """The output frame of the symbols ``symbols`` (codes or strings) of ``rep``."""
        n_channels = len(panel.columns)
        per_series = np.diff(rep.offsets)
        series = np.repeat(np.arange(per_series.shape[0]), per_series)
        start_value = rep.first * rep.scale + rep.loc
        columns = {
            "symbol": symbols,
            "channel": series % n_channels,
            "start_value": start_value[series],
            "length": np.asarray(rep.piece_lengths, dtype=np.int64),
            "loc": rep.loc[series],
            "scale": rep.scale[series],
        }
        return build_frame(columns, per_series.reshape(-1, n_channels).sum(axis=1), panel, "symbol_position")

    def _read_symbol_frame(self, X):
        """``(rows, rep)``: the rows of ``X`` grouped by instance and the representation of
        every (instance, channel), instance-major; ValueError on a bad value."""
        missing = [c for c in SYMBOL_COLUMNS if c not in X.columns]
        if missing:
            raise ValueError(f"inverse_transform needs the columns {SYMBOL_COLUMNS}; missing {missing}")
        rows = split_rows(X)
        n_channels = len(self.columns_)
        codes = integer_column(X, rows, "symbol")
        channel = channel_column(X, rows, n_channels)
        length = integer_column(X, rows, "length", low=1)
        start_value = real_column(X, rows, "start_value")
        loc = real_column(X, rows, "loc")
        scale = real_column(X, rows, "scale", positive=True)
        order, starts = series_rows(X, rows, channel, n_channels, "symbols")
        if order is not None:
            codes, length, start_value, loc, scale = (a[order] for a in (codes, length, start_value, loc, scale))
        first = starts[:-1]
        rep = SymbolicRepresentation(
            codes=codes, offsets=starts, first=(start_value[first] - loc[first]) / scale[first],
            n_points=1 + np.add.reduceat(length, first), loc=loc[first], scale=scale[first],
            layout="list", n_channels=1, piece_lengths=length,
        )
        return rows, rep

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Parameter sets for sktime's estimator checks."""
        return [
            {"tol": 0.1, "alpha": 0.1},
            {"tol": 0.05, "method": "kmeans", "k": 3, "random_state": 0},
            {"tol": 0.2, "method": "sampling-kmeans", "k": 2, "r": 0.8, "fixed_point": True, "random_state": 1},
            {"tol": 0.1, "alpha": "auto", "scl": 0.0},
        ]
