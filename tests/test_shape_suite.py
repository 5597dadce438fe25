"""examples/shape_suite.py: the suite scores continuations against naive forecasts, and many random walks."""

import importlib.util
import sys
from pathlib import Path

import numpy as np

_spec = importlib.util.spec_from_file_location(
    "shape_suite", Path(__file__).resolve().parents[1] / "examples" / "shape_suite.py")
shape_suite = importlib.util.module_from_spec(_spec)
sys.modules["shape_suite"] = shape_suite  # its dataclass looks its module up
_spec.loader.exec_module(shape_suite)


class _LineFromLastSteps:
    """Extends the last ten steps' line: what a model that saw only smooth trends does on a walk."""

    def predict_quantiles(self, context, prediction_length, quantile_levels):
        ends = np.array([[c[-11], c[-1]] for c in context])
        path = ends[:, 1:] + (ends[:, 1:] - ends[:, :1]) / 10 * np.arange(1, prediction_length + 1)
        q = np.repeat(path[:, None, :], len(quantile_levels), axis=1)
        return q, path


class _Persistence:
    def predict_quantiles(self, context, prediction_length, quantile_levels, season=None):
        assert season == [24] * len(context)  # told the suite's season
        last = np.array([c[-1] for c in context])[:, None, None]
        q = np.broadcast_to(last, (len(context), len(quantile_levels), prediction_length))
        return q, q[:, 0]


def test_random_walk_scores_tell_extrapolation_from_the_last_value():
    line = shape_suite.random_walk_scores(_LineFromLastSteps(), n_walks=200)
    last = shape_suite.random_walk_scores(_Persistence(), n_walks=200)
    assert last["model_mase"] == last["naive_mase"] == line["naive_mase"] and last["share_worse"] == 0.0
    assert line["model_mase"] > 1.1 * line["naive_mase"] and line["share_worse"] > 0.5
