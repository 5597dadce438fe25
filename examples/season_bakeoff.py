"""Score pipelines per frequency group of the validation panel, and on sktime's airline backtest.

The decision rule of the season-aware model (issue 22): designs are compared per group, never
on the aggregate alone. Each ``--model NAME=PATH`` (shipped name or a saved pipeline directory)
is scored zero-shot through the GluonTS predictor with the harness protocol (last window, MASE of
the median, WQL over q = 0.1..0.9), and on ``load_airline`` with sktime's ``evaluate`` over
``ExpandingWindowSplitter(initial_window=96, step_length=12, fh=1..12)`` (MAPE, MASE with sp=12).

    python examples/season_bakeoff.py --model v2=symbolic-piece --model arm=runs/arm/pipeline \\
        --out out/bakeoff.csv
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sktime_symbolic.benchmarks import evaluate_contestant
from sktime_symbolic.datasets.validation import VALIDATION_GROUPS


def panel_scores(name, model_name, groups) -> list[dict]:
    from gluonts_symbolic import SymbolicFMPredictor

    rows = []
    for group in groups:
        row = evaluate_contestant(lambda freq, h: SymbolicFMPredictor(prediction_length=h, model_name=model_name),
                                  f"val_{group}")
        rows.append({"model": name, "set": group, "MASE": row["MASE"], "WQL": row["WQL"],
                     "n_series": row["n_series"], "wall_time_s": row["wall_time_s"]})
    return rows


def airline_scores(name, model_name) -> dict:
    from sktime.datasets import load_airline
    from sktime.forecasting.model_evaluation import evaluate
    from sktime.performance_metrics.forecasting import MeanAbsolutePercentageError, MeanAbsoluteScaledError
    from sktime.split import ExpandingWindowSplitter

    from sktime_symbolic.forecasting import SymbolicFMForecaster

    cv = ExpandingWindowSplitter(initial_window=96, step_length=12, fh=np.arange(1, 13))
    started = time.perf_counter()
    result = evaluate(SymbolicFMForecaster(model_name=model_name), cv, load_airline(),
                      scoring=[MeanAbsolutePercentageError(), MeanAbsoluteScaledError(sp=12)])
    return {"model": name, "set": "airline", "MASE": float(result["test_MeanAbsoluteScaledError"].mean()),
            "MAPE": float(result["test_MeanAbsolutePercentageError"].mean()), "n_series": 1,
            "wall_time_s": time.perf_counter() - started}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, help="NAME=PATH (or a shipped name)")
    parser.add_argument("--groups", default=",".join(VALIDATION_GROUPS))
    parser.add_argument("--no-airline", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = []
    for spec in args.model:
        name, _, path = spec.partition("=")
        rows += panel_scores(name, path or name, [g for g in args.groups.split(",") if g])
        if not args.no_airline:
            rows.append(airline_scores(name, path or name))
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(table.pivot(index="set", columns="model", values=["MASE", "WQL"]).round(3))
        if "MAPE" in table:
            print(table.dropna(subset=["MAPE"])[["model", "MAPE", "MASE"]].round(3).to_string(index=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
