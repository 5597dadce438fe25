"""GluonTS backtest: the zero-shot symbolic model vs seasonal naive on M4 hourly, rolling windows.

Both predictors forecast the same test instances (``gluonts.dataset.split``: the last
``windows`` x 48 hours of each series, one window after another) and are scored by
``gluonts.model.evaluate_model`` (MASE of the median, weighted quantile loss over
q = 0.1..0.9). Reads ``../shared/data`` (or ``--data-root``)::

    PYTHONPATH=. python examples/gluonts_backtest.py --n-series 50 --windows 3
"""

import argparse
import time

import pandas as pd
from gluonts.dataset.split import split
from gluonts.ev.metrics import MASE, MeanWeightedSumQuantileLoss
from gluonts.model import evaluate_model
from gluonts.model.seasonal_naive import SeasonalNaivePredictor
from gluonts.time_feature import get_seasonality

from gluonts_symbolic import SymbolicFMPredictor
from sktime_symbolic.datasets import load_dataset
from sktime_symbolic.model import QUANTILE_LEVELS


def backtest(predictor, test_data, season):
    started = time.perf_counter()
    scores = evaluate_model(predictor, test_data=test_data, seasonality=season,
                            metrics=[MASE(), MeanWeightedSumQuantileLoss(quantile_levels=QUANTILE_LEVELS)])
    return {"MASE": float(scores["MASE[0.5]"].iloc[0]), "WQL": float(scores["mean_weighted_sum_quantile_loss"].iloc[0]),
            "wall_time_s": time.perf_counter() - started}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="m4_hourly")
    parser.add_argument("--n-series", type=int, default=50, help="first N series of the data set")
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args(argv)

    dataset = load_dataset(args.dataset, data_root=args.data_root)
    h, season = dataset.prediction_length, get_seasonality(dataset.freq)
    entries = dataset.entries[:args.n_series]
    _, template = split(entries, offset=-args.windows * h)
    test_data = template.generate_instances(prediction_length=h, windows=args.windows, distance=h)
    print(f"{args.dataset}: {len(entries)} series x {args.windows} windows of {h} steps, seasonality {season}")

    predictors = {
        "seasonal_naive": SeasonalNaivePredictor(prediction_length=h, season_length=season),
        "symbolic_fm (zero-shot)": SymbolicFMPredictor(prediction_length=h, device=args.device),
    }
    table = pd.DataFrame({name: backtest(p, test_data, season) for name, p in predictors.items()}).T
    print(table.to_string(float_format=lambda x: f"{x:.4f}"))
    return table


if __name__ == "__main__":
    main()
