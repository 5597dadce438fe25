"""BPE motif tokenizer as an sktime transformer: one vocabulary for a whole panel.

The transformed data holds one row per token. Besides the ``token`` column it carries what
``inverse_transform`` needs, so the output alone can be inverted (also after tokens were
edited or forecast by a model):

- ``channel``: index of the input column the token belongs to (channels are tokenized
  separately with the shared vocabulary);
- ``length``: number of time points of the channel;
- ``loc``, ``scale``: the channel's scaling.

Select ``Xt["token"]`` for the ids alone.
"""

import numpy as np
import pandas as pd
from sktime.transformations.base import BaseTransformer

from sktime_symbolic.bpe import MotifTokenizer

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
        "X_inner_mtype": "pd-multiindex",
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

    @staticmethod
    def _instances(X):
        names = X.index.get_level_values(0).unique()
        return names, [X.loc[name] for name in names]

    @staticmethod
    def _channel_series(frames):
        """All channels of all instances as 1D float arrays, instance-major."""
        out = []
        for frame in frames:
            non_numeric = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
            if non_numeric:
                raise ValueError(f"columns {non_numeric} are not numeric")
            values = frame.to_numpy(dtype=np.float64)
            out.extend(values[:, c] for c in range(values.shape[1]))
        return out

    def _fit(self, X, y=None):
        _, frames = self._instances(X)
        self.tokenizer_ = MotifTokenizer(
            n_bins=self.n_bins, distribution=self.distribution, lb=self.lb, ub=self.ub, scaling=self.scaling,
            scale_floor=self.scale_floor, p_min=self.p_min, max_vocab=self.max_vocab,
            max_motif_len=self.max_motif_len, conditional=self.conditional, n_jobs=self.n_jobs,
        ).fit(self._channel_series(frames))
        self.columns_ = list(X.columns)
        self.vocab_size_ = self.tokenizer_.vocab_size_
        return self

    def _transform(self, X, y=None):
        if list(X.columns) != self.columns_:
            raise ValueError(f"X has columns {list(X.columns)}, but the transformer was fitted on {self.columns_}")
        names, frames = self._instances(X)
        enc = self.tokenizer_.encode(self._channel_series(frames))
        n_channels = len(self.columns_)
        out = []
        for i in range(len(names)):
            parts = []
            for c in range(n_channels):
                s = i * n_channels + c
                tokens = enc[s]
                m = tokens.shape[0]
                parts.append(pd.DataFrame({
                    "token": tokens.astype(np.int64),
                    "channel": np.full(m, c, dtype=np.int64),
                    "length": np.full(m, enc.lengths[s], dtype=np.int64),
                    "loc": np.full(m, enc.loc[s]),
                    "scale": np.full(m, enc.scale[s]),
                }))
            out.append(pd.concat(parts, ignore_index=True))
        return pd.concat(out, keys=names, names=[X.index.names[0], "token_position"])

    def _inverse_transform(self, X, y=None):
        missing = [c for c in TOKEN_COLUMNS if c not in X.columns]
        if missing:
            raise ValueError(f"inverse_transform needs the columns {TOKEN_COLUMNS}; missing {missing}")
        names, frames = self._instances(X)
        n_channels = len(self.columns_)
        out = []
        for frame in frames:
            channel = frame["channel"].to_numpy()
            columns = []
            for c in range(n_channels):
                rows = frame[channel == c]
                if len(rows) == 0:
                    raise ValueError(f"channel {c} has no tokens; every channel needs at least one")
                tokens = rows["token"].to_numpy()
                if tokens.dtype.kind == "f" and np.all(np.isfinite(tokens)) and np.all(tokens == np.round(tokens)):
                    tokens = tokens.astype(np.int64)
                values = self.tokenizer_.decode(tokens, loc=float(rows["loc"].iloc[0]),
                                                scale=float(rows["scale"].iloc[0]))
                length = int(rows["length"].iloc[0])
                column = np.full(length, np.nan)
                column[: min(length, values.shape[0])] = values[:length]
                columns.append(column)
            out.append(pd.DataFrame(np.column_stack(columns), columns=self.columns_))
        return pd.concat(out, keys=names, names=[X.index.names[0], "timepoints"])

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Parameter sets for sktime's estimator checks (small data, so small ``p_min``)."""
        return [
            {"n_bins": 10, "p_min": 2},
            {"n_bins": 22, "p_min": 3, "distribution": "gaussian", "scaling": "meanabs", "max_motif_len": 4,
             "conditional": False},
            {"n_bins": 16, "p_min": 2, "distribution": "empirical", "max_vocab": 40},
        ]
