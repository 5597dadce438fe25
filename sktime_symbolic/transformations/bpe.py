"""BPE motif tokenizer as an sktime transformer: one vocabulary for a whole panel.

The transformed data holds one row per token, indexed ``(instance, token_position)``
(``token_position`` alone for a single series). Besides the ``token`` column it carries what
``inverse_transform`` needs, so the output alone can be inverted (also after tokens were
edited or forecast by a model):

- ``channel``: index of the input column the token belongs to (channels are tokenized
  separately with the shared vocabulary);
- ``length``: number of time points of the channel;
- ``loc``, ``scale``: the channel's scaling.

``inverse_transform`` reads ``length``, ``loc`` and ``scale`` from a channel's first row and
rejects non-integer or missing tokens, lengths that are not whole numbers >= 1, non-finite
values, scales <= 0 and channels the transformer was not fitted on.

Select ``Xt["token"]`` for the ids alone.
"""

import numpy as np
from sktime.transformations.base import BaseTransformer

from sktime_symbolic.bpe import MotifTokenizer
from sktime_symbolic.transformations._panel import (
    INNER_MTYPES,
    build_frame,
    channel_column,
    integer_column,
    read_panel,
    real_column,
    series_rows,
    split_rows,
    values_frame,
)

TOKEN_COLUMNS = ["token", "channel", "length", "loc", "scale"]


class BPETokenizer(BaseTransformer):
    """Byte-pair-encoding motif tokenizer (Götz et al.) for series and panels.

    ``fit`` scales each series, quantizes it into ``n_bins`` symbols and learns a
    vocabulary of frequent motifs on the whole panel (all channels together);
    ``transform`` returns the token ids of every series; ``inverse_transform`` decodes
    tokens back to values on the original scale (bin centres, or conditional decoding).
    Token ids: ``PAD=0``, ``EOS=1``, ``MASK=2`` (a missing value), symbols ``3 .. n_bins+2``,
    motifs after. Missing values become ``MASK`` and decode back to NaN.

    The output has one row per token: ``token`` plus ``channel``, ``length``, ``loc`` and
    ``scale``, which ``inverse_transform`` reads. Decoded series longer than ``length``
    are cut to it and shorter ones padded with NaN (only when tokens were edited).

    Parameters
    ----------
    n_bins : int >= 2, default=37, number of quantization bins.
    distribution : {"uniform", "gaussian", "empirical"}, default="uniform", bins equiprobable under it.
    lb, ub : float, default=-5.0, 5.0, range of the quantizer in scaled units.
    scaling : {"zscore", "meanabs"}, default="zscore", per-series scaling.
    scale_floor : float > 0, default=1e-8, lower bound of the scale (constant series).
    p_min : int >= 1, default=100, a motif must occur at least this often in the training panel.
    max_vocab : int or None, largest vocabulary.
    max_motif_len : int >= 2 or None, longest motif in time points.
    conditional : bool, default=True, conditional decoding in ``inverse_transform``.
    n_jobs : int or None, threads of the numba kernels (None or -1: all).

    Examples
    --------
    >>> from sktime.datasets import load_unit_test
    >>> from sktime_symbolic.transformations import BPETokenizer
    >>> X, _ = load_unit_test(split="train", return_type="pd-multiindex")
    >>> bpe = BPETokenizer(n_bins=22, p_min=20)
    >>> Xt = bpe.fit_transform(X)
    >>> list(Xt.columns)
    ['token', 'channel', 'length', 'loc', 'scale']
    >>> X_rec = bpe.inverse_transform(Xt)
    >>> X_rec.shape == X.shape
    True
    """

    _tags = {
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Series",
        "scitype:transform-labels": "None",
        "scitype:instancewise": False,
        "X_inner_mtype": INNER_MTYPES,
        "y_inner_mtype": "None",
        "requires_y": False,
        "fit_is_empty": False,
        "transform-returns-same-time-index": False,
        "capability:inverse_transform": True,
        "capability:inverse_transform:exact": False,
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:unequal_length:removes": False,
        "capability:unequal_length:adds": True,  # each series yields its own number of tokens
        "capability:missing_values": True,  # NaN becomes the MASK token
        "capability:categorical_in_X": False,
        "property:randomness": "deterministic",
        "authors": ["sktime-symbolic developers"],
        "maintainers": ["sktime-symbolic developers"],
        "python_dependencies": ["numba"],
    }

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
        n_jobs=None,
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
        self.n_jobs = n_jobs
        super().__init__()

    def _fit(self, X, y=None):
        # the tokenizer checks every series and names instance and channel of an inf
        panel = read_panel(X)
        self.tokenizer_ = MotifTokenizer(
            n_bins=self.n_bins, distribution=self.distribution, lb=self.lb, ub=self.ub, scaling=self.scaling,
            scale_floor=self.scale_floor, p_min=self.p_min, max_vocab=self.max_vocab,
            max_motif_len=self.max_motif_len, conditional=self.conditional, n_jobs=self.n_jobs,
        ).fit(panel.data)
        self.columns_ = panel.columns
        self.vocab_size_ = self.tokenizer_.vocab_size_
        return self

    def _transform(self, X, y=None):
        panel = read_panel(X)
        if panel.columns != self.columns_:
            raise ValueError(f"X has columns {panel.columns}, but the transformer was fitted on {self.columns_}")
        enc = self.tokenizer_.encode(panel.data)
        n_channels = len(self.columns_)
        per_series = np.diff(enc.offsets)
        series = np.repeat(np.arange(per_series.shape[0]), per_series)
        columns = {
            "token": enc.tokens.astype(np.int64),
            "channel": series % n_channels,
            "length": enc.lengths[series],
            "loc": enc.loc[series],
            "scale": enc.scale[series],
        }
        return build_frame(columns, per_series.reshape(-1, n_channels).sum(axis=1), panel, "token_position")

    def _inverse_transform(self, X, y=None):
        missing = [c for c in TOKEN_COLUMNS if c not in X.columns]
        if missing:
            raise ValueError(f"inverse_transform needs the columns {TOKEN_COLUMNS}; missing {missing}")
        rows = split_rows(X)
        n_channels = len(self.columns_)
        tokens = integer_column(X, rows, "token")
        channel = channel_column(X, rows, n_channels)
        length = integer_column(X, rows, "length", low=1)
        loc = real_column(X, rows, "loc")
        scale = real_column(X, rows, "scale", positive=True)
        order, starts = series_rows(X, rows, channel, n_channels, "tokens")
        if order is not None:
            tokens = tokens[order]
        first = starts[:-1] if order is None else order[starts[:-1]]
        length, loc, scale = length[first], loc[first], scale[first]
        values, offsets = self.tokenizer_._decode_flat(tokens, starts, loc, scale)
        if (np.diff(offsets) == length).all():
            flat = values
        else:
            # edited tokens may decode to another length: cut to ``length`` or pad with NaN
            flat = np.full(int(length.sum()), np.nan)
            out = np.cumsum(length) - length
            for s in range(length.shape[0]):
                m = min(length[s], offsets[s + 1] - offsets[s])
                flat[out[s] : out[s] + m] = values[offsets[s] : offsets[s] + m]
        return values_frame(flat, length, n_channels, rows, self.columns_)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Parameter sets for sktime's estimator checks (small data, so small ``p_min``)."""
        return [
            {"n_bins": 10, "p_min": 2},
            {"n_bins": 22, "p_min": 3, "distribution": "gaussian", "scaling": "meanabs", "max_motif_len": 4,
             "conditional": False},
            {"n_bins": 16, "p_min": 2, "distribution": "empirical", "max_vocab": 40},
        ]
