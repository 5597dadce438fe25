"""Forecasting benchmark harness: any sktime or GluonTS forecaster on real data, scored with gluonts.ev.

Examples
--------
>>> from sktime_symbolic.benchmarks import list_contestants
>>> "autoets" in list_contestants()
True
"""

from sktime_symbolic.benchmarks._contestants import (
    QUANTILE_LEVELS,
    Contestant,
    GluonTSContestant,
    MeanEnsembleContestant,
    SktimeContestant,
    list_contestants,
    make_contestant,
    register_contestant,
)
from sktime_symbolic.benchmarks._evaluation import (
    evaluate_contestant,
    make_test_data,
    plot_results,
    relative_scores,
    run_forecasting_benchmark,
)

__all__ = [
    "QUANTILE_LEVELS",
    "Contestant",
    "GluonTSContestant",
    "MeanEnsembleContestant",
    "SktimeContestant",
    "evaluate_contestant",
    "list_contestants",
    "make_contestant",
    "make_test_data",
    "plot_results",
    "register_contestant",
    "relative_scores",
    "run_forecasting_benchmark",
]
