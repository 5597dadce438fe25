"""JABBA transformer: one codebook shared across all series of a panel."""

import numpy as np
import pandas as pd

from sktime_symbolic.transformations._abba_base import _BaseABBATransformer
from sktime_symbolic.transformations.abba import _PARAMS_DOC


class JABBATransformer(_BaseABBATransformer):
    __doc__ = (
        """Joint symbolic approximation (JABBA): one codebook for a whole panel.

    ``fit`` compresses every series (in parallel) and clusters all pieces together, so a
    symbol means the same piece shape in every series; ``transform`` symbolizes new
    series with that codebook, assigning each piece to its nearest centre (re-encoding
    the training panel reproduces fit's symbols exactly). Multivariate series are
    symbolized channel by channel with shared symbols. Series may have unequal lengths.

    The output has one row per symbol: ``symbol`` plus the columns ``inverse_transform``
    needs (``channel``, ``start_value``, ``length``, ``loc``, ``scale``).
"""
        + _PARAMS_DOC
        + """
    Examples
    --------
    >>> from sktime.datasets import load_unit_test
    >>> from sktime_symbolic.transformations import JABBATransformer
    >>> X, _ = load_unit_test(split="train", return_type="pd-multiindex")
    >>> jabba = JABBATransformer(tol=0.1, alpha=0.1)
    >>> Xt = jabba.fit_transform(X)
    >>> X_rec = jabba.inverse_transform(Xt)
    >>> X_rec.shape == X.shape
    True
"""
    )

    _tags = {
        "scitype:instancewise": False,
        "X_inner_mtype": "pd-multiindex",
    }

    @staticmethod
    def _instances(X):
        names = X.index.get_level_values(0).unique()
        return names, [X.loc[name] for name in names]

    def _fit(self, X, y=None):
        _, frames = self._instances(X)
        self.model_ = self._make_model().fit(self._channels_of(frames))
        self.columns_ = list(X.columns)
        return self

    def _transform(self, X, y=None):
        self._check_columns(X)
        names, frames = self._instances(X)
        rep = self.model_.transform(self._channels_of(frames))
        out = self._to_symbol_frames(self.model_, rep)
        return pd.concat(out, keys=names, names=[X.index.names[0], "symbol_position"])

    def _inverse_transform(self, X, y=None):
        names, frames = self._instances(X)
        rep = self._from_symbol_frames(self.model_, frames, len(self.columns_))
        series = self.model_.inverse_transform(rep)
        n_channels = len(self.columns_)
        out = []
        for i in range(len(names)):
            values = np.column_stack(series[i * n_channels : (i + 1) * n_channels])
            out.append(pd.DataFrame(values, columns=self.columns_))
        return pd.concat(out, keys=names, names=[X.index.names[0], "timepoints"])
