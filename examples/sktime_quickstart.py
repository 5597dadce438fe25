"""Quickstart: the symbolic foundation model as an sktime forecaster (CPU, about a minute).

    python examples/sktime_quickstart.py [--out sktime_quickstart.png] [--fine-tune-steps 30]

1. Zero-shot forecast of the last year of sktime's airline data, with an 80% interval,
   scored by MAPE against the held-out year (a seasonal naive forecast for scale).
2. ``evaluate`` with an expanding window over the three years before it.
3. A short fine-tune on the training years, and its MAPE.
4. A plot of both forecasts and the interval.
"""

import argparse
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from sktime.datasets import load_airline  # noqa: E402
from sktime.forecasting.model_evaluation import evaluate  # noqa: E402
from sktime.forecasting.naive import NaiveForecaster  # noqa: E402
from sktime.performance_metrics.forecasting import mean_absolute_percentage_error  # noqa: E402
from sktime.split import ExpandingWindowSplitter  # noqa: E402

from sktime_symbolic.forecasting import SymbolicFMForecaster  # noqa: E402

HORIZON = np.arange(1, 13)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="sktime_quickstart.png", help="where to save the figure")
    parser.add_argument("--fine-tune-steps", type=int, default=30, help="optimiser steps of the fine-tune")
    args = parser.parse_args()

    y = load_airline()
    train, test = y[:-12], y[-12:]
    rows = []

    # 1. zero-shot: fit only stores the history, the shipped weights are shared
    started = time.perf_counter()
    zero_shot = SymbolicFMForecaster(random_state=0, device="cpu")
    zero_shot.fit(train, fh=HORIZON)
    zs_pred = zero_shot.predict()
    zs_interval = zero_shot.predict_interval(coverage=0.8)
    zs_time = time.perf_counter() - started
    lower, upper = zs_interval.iloc[:, 0], zs_interval.iloc[:, 1]
    coverage = float(((test >= lower) & (test <= upper)).mean())
    rows.append(("zero-shot", mean_absolute_percentage_error(test, zs_pred), coverage, zs_time))

    naive = NaiveForecaster(strategy="last", sp=12).fit(train, fh=HORIZON)
    rows.append(("seasonal naive", mean_absolute_percentage_error(test, naive.predict()), np.nan, np.nan))

    # 2. expanding-window evaluation: three yearly origins before the held-out year
    started = time.perf_counter()
    cv = ExpandingWindowSplitter(initial_window=96, step_length=12, fh=HORIZON)
    scores = evaluate(SymbolicFMForecaster(random_state=0, device="cpu"), cv, train)
    ev_time = time.perf_counter() - started
    window_mape = scores["test_MeanAbsolutePercentageError"].to_numpy()

    # 3. fine-tune a copy of the weights on the training years (the shared ones stay as shipped)
    started = time.perf_counter()
    tuned = SymbolicFMForecaster(random_state=0, device="cpu", fit_strategy="fine-tune",
                                 fine_tune_steps=args.fine_tune_steps, fine_tune_batch_size=16)
    tuned.fit(train, fh=HORIZON)
    ft_pred = tuned.predict()
    ft_interval = tuned.predict_interval(coverage=0.8)
    ft_time = time.perf_counter() - started
    ft_cov = float(((test >= ft_interval.iloc[:, 0]) & (test <= ft_interval.iloc[:, 1])).mean())
    rows.append((f"fine-tuned ({args.fine_tune_steps} steps)", mean_absolute_percentage_error(test, ft_pred),
                 ft_cov, ft_time))

    print("held-out year 1960 (12 months ahead):")
    print(f"  {'forecaster':<24}{'MAPE':>8}{'80% cover':>11}{'seconds':>9}")
    for name, mape, cover, seconds in rows:
        cover_s = "" if np.isnan(cover) else f"{cover:.2f}"
        seconds_s = "" if np.isnan(seconds) else f"{seconds:.1f}"
        print(f"  {name:<24}{mape:>8.3f}{cover_s:>11}{seconds_s:>9}")
    print(f"expanding-window evaluate, {len(window_mape)} origins (1957-1959), zero-shot MAPE per window: "
          + ", ".join(f"{m:.3f}" for m in window_mape) + f"; mean {window_mape.mean():.3f} ({ev_time:.1f} s)")

    # 4. plot: the zero-shot forecaster draws itself (history, median, 50% / 80% intervals, actual)
    ax = zero_shot.plot(y_true=test, coverage=(0.5, 0.8), n_history=48)
    ax.plot(ft_pred.index.to_timestamp(), ft_pred.to_numpy(), color="tab:orange", label="fine-tuned median")
    ax.set_title("SymbolicFMForecaster on airline passengers")
    ax.legend(loc="upper left", fontsize=8)
    fig = ax.figure
    fig.savefig(args.out, dpi=110, bbox_inches="tight")
    print(f"figure: {args.out}")


if __name__ == "__main__":
    main()
