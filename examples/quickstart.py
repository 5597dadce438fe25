"""Quickstart: the shipped symbolic foundation model forecasting a real series zero-shot, in sktime.

    python examples/quickstart.py [--out quickstart.png] [--windows 4]

1. ``SymbolicFMForecaster`` (the shipped ``symbolic-piece`` weights, no training) next to
   sktime's ``NaiveForecaster(sp=12)`` and ``ThetaForecaster(sp=12)`` in an expanding-window
   backtest on sktime's airline data (12 months ahead, one origin a year): MAPE, MASE and the
   80% interval's coverage, as a table.
2. The forecast of the last year from the years before it: a plot of history, median and the
   50% / 80% intervals, next to the held-out year.
3. The symbols the model read: its codec cuts the history into ABBA pieces (a polygonal chain)
   and names each piece by the nearest of its symbols.
4. The symbolizer on its own, briefly: ABBA on the airline series, JABBA with one codebook
   for a panel (sktime's GunPoint).

About a minute on a 2-core CPU (mostly imports).
"""

import argparse
import time
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sktime.datasets import load_airline, load_gunpoint  # noqa: E402
from sktime.forecasting.model_evaluation import evaluate  # noqa: E402
from sktime.forecasting.naive import NaiveForecaster  # noqa: E402
from sktime.forecasting.theta import ThetaForecaster  # noqa: E402
from sktime.performance_metrics.forecasting import MeanAbsolutePercentageError, MeanAbsoluteScaledError  # noqa: E402
from sktime.performance_metrics.forecasting.probabilistic import EmpiricalCoverage  # noqa: E402
from sktime.split import ExpandingWindowSplitter  # noqa: E402

from sktime_symbolic.abba import ABBA, JABBA, default_alphabet  # noqa: E402
from sktime_symbolic.forecasting import SymbolicFMForecaster  # noqa: E402

HORIZON = np.arange(1, 13)


def backtest(y, windows):
    """MAPE, MASE, 80% coverage and seconds of each forecaster over ``windows`` yearly origins."""
    with warnings.catch_warnings(record=True) as caught:
        # sktime 1.2 announces a coming config default (remember_data) at each construction of the baselines,
        # evaluate's clones included, and re-enables FutureWarning itself, so a filter does not hold: record them
        table = _backtest(y, windows)
    others = [w for w in caught if "remember_data" not in str(w.message)]
    for w in others:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return table


def _backtest(y, windows):
    contestants = {
        "SymbolicFMForecaster (zero-shot)": SymbolicFMForecaster(device="cpu"),
        "NaiveForecaster(sp=12)": NaiveForecaster(strategy="last", sp=12),
        "ThetaForecaster(sp=12)": ThetaForecaster(sp=12),
    }
    cv = ExpandingWindowSplitter(initial_window=len(y) - 12 * windows, step_length=12, fh=HORIZON)
    rows = []
    for name, forecaster in contestants.items():
        started = time.perf_counter()
        scoring = [MeanAbsolutePercentageError(), MeanAbsoluteScaledError(sp=12), EmpiricalCoverage(coverage=0.8)]
        scores = evaluate(forecaster, cv, y, scoring=scoring)
        rows.append({
            "forecaster": name,
            "MAPE": scores["test_MeanAbsolutePercentageError"].mean(),
            "MASE": scores["test_MeanAbsoluteScaledError"].mean(),
            "80% coverage": scores["test_EmpiricalCoverage"].mean(),
            "seconds": time.perf_counter() - started,
        })
    return pd.DataFrame(rows).set_index("forecaster")


def model_symbols(forecaster, y):
    """The symbols and piece lengths the fitted forecaster's codec makes of ``y``."""
    codec = forecaster.pipeline_.codec
    tokens = codec.encode([y.to_numpy(dtype=float)], full_width=True)
    valid = np.asarray(tokens["valid"][0], dtype=bool)
    codes = np.asarray(tokens["symbols"][0])[valid] - 1  # id 0 is padding
    letters = default_alphabet(codec.n_symbols - 1)
    return "".join(letters[c] for c in codes), codec.n_symbols - 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="quickstart.png", help="where to save the figure")
    parser.add_argument("--windows", type=int, default=4, help="yearly backtest origins (1-8)")
    args = parser.parse_args()
    if not 1 <= args.windows <= 8:
        parser.error(f"--windows must be between 1 and 8 (the airline data has 12 years), got {args.windows}")
    started = time.perf_counter()
    y = load_airline()

    # 1. backtest: every forecaster refitted at each yearly origin, 12 months ahead
    table = backtest(y, args.windows)
    first, last = y.index[-12 * args.windows].year, y.index[-1].year
    print(f"airline passengers, expanding-window backtest: {args.windows} origins, forecasts of {first}-{last}, "
          "12 months ahead (mean over origins)")
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))

    # 2. the forecast of the last year, drawn with its intervals
    train, test = y.iloc[:-12], y.iloc[-12:]
    forecaster = SymbolicFMForecaster(device="cpu").fit(train, fh=HORIZON)
    fig, axes = plt.subplots(2, 1, figsize=(9, 6.2), gridspec_kw={"height_ratios": [3, 2]})
    forecaster.plot(y_true=test, coverage=(0.5, 0.8), n_history=48, ax=axes[0])
    axes[0].set_title("SymbolicFMForecaster, zero-shot: 1960 from 1949-1959 (median, 50% and 80% intervals)")

    # 3. what the model read: ABBA pieces of the history, one symbol each
    symbols, n_symbols = model_symbols(forecaster, train)
    print(f"\nthe model read {len(train)} months as {len(symbols)} symbols (codebook of {n_symbols}): {symbols}")

    # 4. the symbolizer alone: one series with its own codebook, a panel with a shared one
    abba = ABBA(tol=0.2, alpha=0.2)
    values = y.to_numpy(dtype=float)
    rep = abba.fit_transform(values)
    recon = abba.inverse_transform(rep)
    print(f"ABBA: {len(values)} points -> {len(rep.codes)} symbols over {abba.n_symbols_}: "
          f"{abba.to_strings(rep)[0]} (reconstruction RMSE {np.sqrt(np.mean((recon - values) ** 2)):.1f}, "
          f"series std {values.std():.1f})")
    X_train, _ = load_gunpoint(split="train", return_type="numpy3D")
    X_test, _ = load_gunpoint(split="test", return_type="numpy3D")
    jabba = JABBA(tol=0.1, alpha=0.3)
    jabba.fit(X_train)
    test_rep = jabba.transform(X_test)
    test_mse = np.mean((jabba.inverse_transform(test_rep) - X_test) ** 2)
    print(f"JABBA: one codebook of {jabba.n_symbols_} symbols for GunPoint's {len(X_train)} training series; "
          f"first test series {jabba.to_strings(test_rep)[0]} (test reconstruction MSE {test_mse:.4f})")

    axes[1].plot(values, color="0.3", lw=1, label="airline passengers")
    axes[1].plot(recon, color="tab:red", lw=1, label="ABBA reconstruction from its symbols")
    axes[1].set_title(f"ABBA: {len(values)} points as {len(rep.codes)} symbols")
    axes[1].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=80)
    print(f"figure saved to {args.out}; {time.perf_counter() - started:.0f} s after imports")


if __name__ == "__main__":
    main()
