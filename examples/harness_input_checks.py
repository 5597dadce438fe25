"""Issue 23 item 6: what ForecastingDataset and evaluate_contestant do with each bad input, one table row per case.

Run: ``python examples/harness_input_checks.py`` (BENCHMARKS.md, issue 23 items 6, 7, 8).
"""
import warnings
import numpy as np, pandas as pd
from sktime_symbolic.benchmarks import evaluate_contestant
from sktime_symbolic.datasets import ForecastingDataset
from gluonts.model.seasonal_naive import SeasonalNaivePredictor

def good(i, n=40, freq="D"):
    return {"item_id": f"s{i}", "start": pd.Period("2020-01-01", freq), "target": (10 + np.sin(np.arange(n))).astype(np.float32)}

def case_2d():
    e = good(1); e["target"] = np.ones((40, 2), np.float32)
    return [good(0), e], "D"
def case_str_start():
    e = good(1); e["start"] = "2020-01-01"
    return [good(0), e], "D"
def case_constant():
    e = good(1); e["target"] = np.full(40, 5.0, np.float32)
    return [good(0), e], "D"
def case_inf_test():
    e = good(1); e["target"][-2] = np.inf
    return [good(0), e], "D"
def case_hourly_in_daily():
    return [good(0), good(1, freq="h")], "D"
def case_bad_freq():
    return [good(0)], "D!"

for name, case in [("2-D target", case_2d), ("string start", case_str_start), ("constant series", case_constant),
                   ("inf in test window", case_inf_test), ("hourly entry in daily set", case_hourly_in_daily),
                   ("bad freq", case_bad_freq)]:
    entries, freq = case()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = ForecastingDataset("toy", freq, 4, entries)
            row = evaluate_contestant(SeasonalNaivePredictor(prediction_length=4, season_length=1), ds)
            out = "runs: " + ", ".join(f"{k}={row[k]:.4g}" if isinstance(row[k], float) else f"{k}={row[k]}"
                                      for k in row if k not in ("dataset", "model", "wall_time_s", "prediction_length", "windows"))
        except Exception as error:
            out = f"{type(error).__name__}: {str(error)[:200]}"
    relevant = [f"{w.category.__name__}: {str(w.message)[:160]}" for w in caught
                if not issubclass(w.category, (FutureWarning, DeprecationWarning))]
    print(f"| {name} | {out}" + (f" [{'; '.join(relevant)}]" if relevant else "") + " |")
