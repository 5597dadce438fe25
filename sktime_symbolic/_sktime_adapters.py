"""What the sktime estimators of the symbolic foundation model share beyond
:mod:`sktime_symbolic.model._adapters`: reading sktime's pandas layouts into series, and one
way to pickle the pipelines they hold.

Used by :class:`~sktime_symbolic.forecasting.SymbolicFMForecaster`,
:class:`~sktime_symbolic.classification.SymbolicFMClassifier`,
:class:`~sktime_symbolic.transformations.SymbolicFMImputer` and
:class:`~sktime_symbolic.detection.SymbolicFMAnomalyDetector`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sktime_symbolic._validation import check_series, check_time_index
from sktime_symbolic.model._adapters import load_shared_model, pipeline_from_state

_UNSET = object()


def frame_series(X: pd.DataFrame, where="X"):
    """``(names, row positions, validated float64 arrays)``: one entry per column of each series of ``X``.

    ``X`` is one series (a plain index) or a panel / hierarchy (a MultiIndex whose last level
    is time: sktime's ``pd-multiindex`` and ``pd_multiindex_hier``); row positions index
    ``X``'s rows, so results can be written back in place. Every array is checked by
    :func:`~sktime_symbolic._validation.check_series` under its name, and the time index of
    every series by :func:`~sktime_symbolic._validation.check_time_index` (the forecaster's
    rule: no repeated time point, a DatetimeIndex has a regular frequency).

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    >>> names, positions, arrays = frame_series(X)
    >>> names, arrays[0].tolist()
    (["X column 'a'"], [1.0, 2.0, 3.0])
    """
    if isinstance(X.index, pd.MultiIndex):
        levels = list(range(X.index.nlevels - 1))
        instances = X.groupby(level=levels[0] if len(levels) == 1 else levels, sort=False).indices.items()
        prefix = [(f"{where} instance {key!r}, ", rows) for key, rows in instances]
        times = X.index.get_level_values(-1)
        for key, rows in instances:
            check_time_index(times[rows], f"{where} instance {key!r}")
    else:
        check_time_index(X.index, where)
        prefix = [(f"{where} ", np.arange(len(X)))]
    names, positions, arrays = [], [], []
    for j, column in enumerate(X.columns):
        values = X.iloc[:, j].to_numpy()
        for start, rows in prefix:
            name = f"{start}column {column!r}"
            names.append(name)
            positions.append((rows, j))
            arrays.append(check_series(values[rows], name))
    return names, positions, arrays


class PipelinePickling:
    """``__getstate__`` / ``__setstate__`` of an estimator holding pipelines in ``_PIPELINE_ATTRS``.

    Each attribute is pickled as one of: the shared pipeline of the estimator's
    ``model_name`` and ``device`` (a reference, no weights: reloaded on unpickling), the same
    pipeline as an attribute before it (one copy of the weights), or the pipeline's
    ``to_state()`` (its CPU weights: a fine-tuned or pretrained copy, moved to ``device`` by
    :func:`~sktime_symbolic.model._adapters.pipeline_from_state` on unpickling).
    """

    #: attributes that may hold a QuantilePipeline, in the order they are restored
    _PIPELINE_ATTRS = ("pipeline_",)

    def _shared_or_none(self):
        """The shared pipeline of the current parameters, None if they no longer load one."""
        try:
            return load_shared_model(self.model_name, self.device)
        except ValueError:
            return None

    def __getstate__(self):
        state = self.__dict__.copy()
        packed, seen, shared = {}, {}, _UNSET
        for attr in self._PIPELINE_ATTRS:
            pipe = state.get(attr)
            if pipe is None:
                continue
            if shared is _UNSET:  # looked up once, and only for a fitted estimator
                shared = self._shared_or_none()
            if id(pipe) in seen:
                packed[attr] = ("same", seen[id(pipe)])
            elif pipe is shared:
                packed[attr] = ("shared", None)
            else:
                packed[attr] = ("state", pipe.to_state())
            seen.setdefault(id(pipe), attr)
            del state[attr]
        state["_packed_pipelines"] = packed
        return state

    def __setstate__(self, state):
        state = dict(state)
        packed = state.pop("_packed_pipelines", {})
        self.__dict__.update(state)
        for attr in self._PIPELINE_ATTRS:
            if attr not in packed:
                continue
            kind, payload = packed[attr]
            if kind == "same":
                pipe = getattr(self, payload)
            elif kind == "shared":
                pipe = load_shared_model(self.model_name, self.device)
            else:
                pipe = pipeline_from_state(payload, self.device)
            setattr(self, attr, pipe)


def warn_ragged_relative_fh(fh, keys, lasts):
    """Warn when a relative ``fh`` is applied to a panel whose instances end at different times.

    sktime counts a relative fh from the panel's cutoff, its latest time point, so an instance
    that ends earlier is forecast at the steps after the cutoff, not after its own end: one that
    ends two steps earlier gets steps 3..h+2 of its own forecast (labelled with their true time
    points).

    Parameters
    ----------
    fh : sktime ForecastingHorizon
        The horizon as the user gave it.
    keys : list or None
        Instance keys (None for a single series).
    lasts : list
        Last time point of each instance, in the order of ``keys``.

    Examples
    --------
    >>> import warnings
    >>> from sktime.forecasting.base import ForecastingHorizon
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_ragged_relative_fh(ForecastingHorizon([1, 2]), ["a", "b"], [5, 3])
    >>> "instance 'b' ends at 3" in str(caught[0].message)
    True
    """
    import warnings

    if keys is None or not fh.is_relative:
        return
    cutoff = max(lasts)
    earlier = [(key, last) for key, last in zip(keys, lasts) if last != cutoff]
    if not earlier:
        return
    named = ", ".join(f"instance {key!r} ends at {last}" for key, last in earlier[:5])
    more = f" (and {len(earlier) - 5} more)" if len(earlier) > 5 else ""
    warnings.warn(
        f"fh is relative and the panel's instances end at different times: sktime counts fh from the cutoff "
        f"{cutoff} (the latest time point of any instance), so {named}{more} and is forecast at the steps after "
        f"{cutoff}, not after its own end; pass an absolute fh (ForecastingHorizon(..., is_relative=False)) "
        "for the time points you want, or fit the instances that end together separately",
        UserWarning,
        stacklevel=4,
    )
