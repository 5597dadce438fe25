"""Score pipelines per frequency group of the validation panel (or any harness data set), and on sktime's airline backtest.

The decision rule of the season-aware model (issue 22): designs are compared per group, never
on the aggregate alone. Each ``--model NAME=PATH`` (shipped name or a saved pipeline directory)
is scored zero-shot through the GluonTS predictor with the harness protocol (last window, MASE of
the median, WQL over q = 0.1..0.9), and on ``load_airline`` with sktime's ``ForecastingBenchmark``
over ``ExpandingWindowSplitter(initial_window=96, step_length=12, fh=1..12)`` (MAPE, MASE with
sp=12), next to ``NaiveForecaster(strategy="last", sp=12)`` and ``ThetaForecaster(sp=12)``.

    python examples/season_bakeoff.py --model v2=symbolic-piece --model arm=runs/arm/pipeline \\
        --out out/bakeoff.csv
    python examples/season_bakeoff.py --model v2=symbolic-piece --sets m4_hourly,m4_weekly,etth,exchange_rate \
        --no-airline          # dev-4, for reporting only

With two models or more, each model after the first is also compared with the first on the same
series: a paired bootstrap over the group's series (2,000 resamples, seed 0) gives a 90% interval
of the difference in MASE and in WQL. A group average moves by a few percent between two training
runs of one design, so a difference whose interval holds zero is not taken as a win or a loss.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sktime_symbolic.benchmarks import QUANTILE_LEVELS, evaluate_contestant
from sktime_symbolic.datasets.validation import VALIDATION_GROUPS


def panel_scores(name, model_name, sets) -> tuple[list[dict], dict]:
    """The rows of one model on every set, and its per-window scores by set (for :func:`paired_intervals`)."""
    from gluonts_symbolic import SymbolicFMPredictor

    rows, windows = [], {}
    for dataset in sets:
        row = evaluate_contestant(lambda freq, h: SymbolicFMPredictor(prediction_length=h, model_name=model_name),
                                  dataset, per_window=True)
        rows.append({"model": name, "set": dataset, "MASE": row["MASE"], "WQL": row["WQL"],
                     "n_series": row["n_series"], "wall_time_s": row["wall_time_s"]})
        windows[dataset] = row["per_window"]
    return rows, windows


def paired_intervals(base, other, n_levels, n_boot=2000, seed=0, level=0.9) -> dict:
    """Bootstrap interval of ``other - base`` in MASE and WQL over the same windows (resampled together).

    ``base`` and ``other`` are :func:`evaluate_contestant`'s ``per_window`` tables of two models on
    one data set; ``n_levels`` the quantile levels WQL averages over.

    Examples
    --------
    >>> base = pd.DataFrame({"MASE": [1.0, 2.0, 3.0], "quantile_loss": [1.0, 1.0, 1.0], "abs_target": [9.0] * 3})
    >>> better = base.assign(MASE=base["MASE"] - 0.5, quantile_loss=0.5)
    >>> out = paired_intervals(base, better, n_levels=1)
    >>> out["MASE"], out["WQL"]
    ((-0.5, -0.5), (-0.0556, -0.0556))
    """
    rng = np.random.default_rng(seed)
    n = len(base)
    draws = rng.integers(0, n, size=(n_boot, n))
    mase = np.nanmean(other["MASE"].to_numpy()[draws], axis=1) - np.nanmean(base["MASE"].to_numpy()[draws], axis=1)
    target = base["abs_target"].to_numpy()[draws].sum(axis=1) * n_levels
    wql = (other["quantile_loss"].to_numpy()[draws].sum(axis=1) - base["quantile_loss"].to_numpy()[draws].sum(axis=1))
    wql = wql / target
    tails = ((1 - level) / 2, (1 + level) / 2)
    return {name: tuple(round(float(v), 4) for v in np.quantile(diff, tails)) for name, diff in
            (("MASE", mase), ("WQL", wql))}


def airline_scores(models: dict) -> list[dict]:
    """sktime's ``ForecastingBenchmark`` on ``load_airline``: every model next to seasonal naive and Theta."""
    import tempfile

    from sktime.benchmarking.forecasting import ForecastingBenchmark
    from sktime.datasets import load_airline
    from sktime.forecasting.naive import NaiveForecaster
    from sktime.forecasting.theta import ThetaForecaster
    from sktime.performance_metrics.forecasting import MeanAbsolutePercentageError, MeanAbsoluteScaledError
    from sktime.split import ExpandingWindowSplitter

    from sktime_symbolic.forecasting import SymbolicFMForecaster

    benchmark = ForecastingBenchmark()
    benchmark.add_estimator(NaiveForecaster(strategy="last", sp=12), estimator_id="seasonal_naive")
    benchmark.add_estimator(ThetaForecaster(sp=12), estimator_id="theta_sp12")
    for name, model_name in models.items():
        benchmark.add_estimator(SymbolicFMForecaster(model_name=model_name), estimator_id=name)
    benchmark.add_task(load_airline, ExpandingWindowSplitter(initial_window=96, step_length=12, fh=np.arange(1, 13)),
                       [MeanAbsolutePercentageError(), MeanAbsoluteScaledError(sp=12)], task_id="airline")
    with tempfile.TemporaryDirectory() as tmp:
        result = benchmark.run(output_file=str(Path(tmp) / "airline.csv"))
    return [{"model": row["model_id"], "set": "airline", "MAPE": row["MeanAbsolutePercentageError_mean"],
             "MASE": row["MeanAbsoluteScaledError_mean"], "n_series": 1, "wall_time_s": row["runtime_secs"]}
            for _, row in result.iterrows()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, help="NAME=PATH (or a shipped name)")
    parser.add_argument("--sets", default=",".join(f"val_{g}" for g in VALIDATION_GROUPS),
                        help="harness data set names (default: the validation panel's groups)")
    parser.add_argument("--no-airline", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    models = {}
    for spec in args.model:
        name, _, path = spec.partition("=")
        models[name] = path or name
    sets = [s for s in args.sets.split(",") if s]
    rows, windows = [], {}
    for name, model_name in models.items():
        model_rows, windows[name] = panel_scores(name, model_name, sets)
        rows += model_rows
    first, *others = list(models)
    paired = [{"model": name, "against": first, "set": dataset,
               **{f"{metric} diff 90% CI": interval for metric, interval in paired_intervals(
                   windows[first][dataset], windows[name][dataset], len(QUANTILE_LEVELS)).items()}}
              for name in others for dataset in windows[name]]
    if not args.no_airline:
        rows += airline_scores(models)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        panel = table[table["set"] != "airline"]
        if len(panel):
            print(panel.pivot(index="set", columns="model", values=["MASE", "WQL"]).round(3))
        if "MAPE" in table:
            print(table.dropna(subset=["MAPE"])[["model", "MAPE", "MASE"]].round(3).to_string(index=False))
        if paired:
            print(pd.DataFrame(paired).to_string(index=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False)
        if paired:
            pd.DataFrame(paired).to_csv(args.out.with_name(args.out.stem + "_paired.csv"), index=False)


if __name__ == "__main__":
    main()
