"""JABBA transformer: one codebook shared across all series of a panel."""

import numpy as np

from sktime_symbolic.transformations._abba_base import _BaseABBATransformer
from sktime_symbolic.transformations._panel import read_panel, values_frame
from sktime_symbolic.transformations.abba import _PARAMS_DOC


class JABBATransformer(_BaseABBATransformer):
    __doc__ = (
        """Joint symbolic approximation (JABBA): one codebook for a whole panel.

    ``fit`` compresses every series (in parallel) and clusters all pieces together, so a
    symbol means the same piece shape in every series; ``transform`` symbolizes new
    series with that codebook, assigning each piece to its nearest centre (re-encoding
    the training panel reproduces fit's symbols exactly). Multivariate series are
    symbolized channel by channel with shared symbols. Series may have unequal lengths.

    The output has one row per symbol, indexed ``(instance, symbol_position)``:
    ``symbol`` plus the columns ``inverse_transform`` needs (``channel``, ``start_value``,
    ``length`` of the symbol's piece, ``loc``, ``scale``).
"""
        + _PARAMS_DOC
        + """
    Attributes
    ----------
    model_ : :class:`~sktime_symbolic.abba.JABBA`, the fitted codebook.
    columns_ : list, the column names seen in ``fit``.

    Examples
    --------
    >>> from sktime.datasets import load_unit_test
    >>> from sktime_symbolic.transformations import JABBATransformer
    >>> X, _ = load_unit_test(split="train", return_type="pd-multiindex")
    >>> jabba = JABBATransformer(tol=0.1, alpha=0.1)
    >>> Xt = jabba.fit_transform(X)
    >>> Xt.index.names[-1], int(Xt["length"].sum()) == len(X) - X.index.get_level_values(0).nunique()
    ('symbol_position', True)
    >>> X_rec = jabba.inverse_transform(Xt)
    >>> X_rec.shape == X.shape
    True
"""
    )

    _tags = {
        "scitype:instancewise": False,
    }

    def _fit(self, X, y=None):
        # the core checks every series and names instance and channel of bad values
        panel = read_panel(X)
        self.model_ = self._make_model().fit(panel.data)
        self.columns_ = panel.columns
        return self

    def _transform(self, X, y=None):
        panel = read_panel(X)
        self._check_columns(panel)
        rep = self.model_.transform(panel.data)
        symbols = np.asarray(self.model_.alphabet_, dtype=object)[rep.codes] if self.return_strings else rep.codes
        return self._symbol_frame(rep, panel, symbols)

    def _inverse_transform(self, X, y=None):
        rows, rep = self._read_symbol_frame(X)
        flat = np.concatenate(self.model_.inverse_transform(rep))
        return values_frame(flat, rep.n_points, len(self.columns_), rows, self.columns_)
