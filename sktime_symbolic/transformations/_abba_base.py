"""Shared machinery of the ABBA and JABBA sktime transformers.

The transformed data holds one row per symbol. Besides the ``symbol`` column it carries
what ``inverse_transform`` needs, so the output alone can be inverted (also when it was
produced under a parallel backend or edited, e.g. symbols forecast by a model):

- ``channel``: the index of the input column the symbol belongs to (channels are
  symbolized separately with a shared codebook);
- ``start_value``, ``length``: first value and number of time points of the channel;
- ``loc``, ``scale``: the channel's normalisation.

Select ``Xt["symbol"]`` for the codes alone. With ``return_strings=True`` the symbols are
strings; sktime admits no categorical data in ``inverse_transform``, so map them back to codes
(their positions in ``model_.alphabet_``) before inverting.
"""

import numpy as np
import pandas as pd
from sktime.transformations.base import BaseTransformer

from sktime_symbolic.abba import JABBA, SymbolicRepresentation

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

    def _make_model(self):
        return JABBA(
            tol=self.tol, method=self.method, alpha=self.alpha, k=self.k, r=self.r, scl=self.scl,
            max_len=self.max_len, fixed_point=self.fixed_point, normalize=self.normalize,
            alphabet=self.alphabet, n_jobs=self.n_jobs, random_state=self.random_state,
        )

    def _check_columns(self, X):
        if list(X.columns) != self.columns_:
            raise ValueError(f"X has columns {list(X.columns)}, but the transformer was fitted on {self.columns_}")

    @staticmethod
    def _channels_of(frames):
        """``(n_instances, n_channels, ...)`` list of 2D arrays, one per instance."""
        out = []
        for frame in frames:
            if frame.shape[0] < 2:
                raise ValueError(f"a series has {frame.shape[0]} time points; ABBA needs at least 2")
            non_numeric = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
            if non_numeric:
                raise ValueError(f"columns {non_numeric} are not numeric")
            out.append(frame.to_numpy(dtype=np.float64).T)
        return out

    def _to_symbol_frames(self, model, rep):
        """One DataFrame of symbols per instance."""
        codes = model.to_strings(rep, join=False) if self.return_strings else list(rep)
        n_channels = rep.n_channels
        frames = []
        for inst in range(rep.n_series // n_channels):
            parts = []
            for c in range(n_channels):
                s = inst * n_channels + c
                m = len(codes[s])
                parts.append(
                    pd.DataFrame(
                        {
                            "symbol": np.asarray(codes[s], dtype=object if self.return_strings else np.int64),
                            "channel": np.full(m, c, dtype=np.int64),
                            "start_value": np.full(m, rep.first[s] * rep.scale[s] + rep.loc[s]),
                            "length": np.full(m, rep.n_points[s], dtype=np.int64),
                            "loc": np.full(m, rep.loc[s]),
                            "scale": np.full(m, rep.scale[s]),
                        }
                    )
                )
            frames.append(pd.concat(parts, ignore_index=True))
        return frames

    def _from_symbol_frames(self, model, frames, n_channels):
        """Rebuild the representation of instances from their symbol frames."""
        codes, offsets, first, n_points, loc, scale = [], [0], [], [], [], []
        for frame in frames:
            missing = [c for c in SYMBOL_COLUMNS if c not in frame.columns]
            if missing:
                raise ValueError(f"inverse_transform needs the columns {SYMBOL_COLUMNS}; missing {missing}")
            for c in range(n_channels):
                rows = frame[frame["channel"].to_numpy() == c]
                if len(rows) == 0:
                    raise ValueError(f"channel {c} has no symbols; every channel needs at least one")
                symbols = rows["symbol"].to_numpy()
                if symbols.dtype == object:
                    from sktime_symbolic.abba.symbols import strings_to_codes

                    symbols = strings_to_codes(symbols, model.alphabet_)
                codes.append(symbols.astype(np.int64))
                offsets.append(offsets[-1] + len(rows))
                sc = float(rows["scale"].iloc[0])
                lc = float(rows["loc"].iloc[0])
                first.append((float(rows["start_value"].iloc[0]) - lc) / sc)
                n_points.append(int(rows["length"].iloc[0]))
                loc.append(lc)
                scale.append(sc)
        return SymbolicRepresentation(
            codes=np.concatenate(codes), offsets=np.asarray(offsets, dtype=np.int64),
            first=np.asarray(first), n_points=np.asarray(n_points, dtype=np.int64),
            loc=np.asarray(loc), scale=np.asarray(scale), layout="list", n_channels=1,
        )

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Parameter sets for sktime's estimator checks."""
        return [
            {"tol": 0.1, "alpha": 0.1},
            {"tol": 0.05, "method": "kmeans", "k": 3, "random_state": 0},
            {"tol": 0.2, "method": "sampling-kmeans", "k": 2, "r": 0.8, "fixed_point": True, "random_state": 1},
            {"tol": 0.1, "alpha": "auto", "scl": 0.0},
        ]
