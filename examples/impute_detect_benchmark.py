"""Benchmark of SymbolicFMImputer and SymbolicFMAnomalyDetector against sktime baselines (CPU, minutes).

    python examples/impute_detect_benchmark.py [--max-length 2000] [--columns OT,HUFL,LUFL]
        [--rates 0.125,0.25,0.5] [--seed 0] [--device auto] [--parts impute,detect]

(a) Imputation on ETTh1 and ETTh2 (read with ``sktime_symbolic.datasets.load_dataset`` from the
    data root, ``../shared/data`` by default; skipped with a message when absent): the first
    ``--max-length`` hours of each of ``--columns``, z-scored with that segment's mean and
    standard deviation, lose 12.5%, 25% and 50% of their values, either in blocks of 24 (whole
    aligned days, chosen at random) or as scattered points (seeded masks, the same for every
    method). MSE and MAE over the masked values, pooled over columns, for SymbolicFMImputer,
    sktime's ``Imputer(method="linear")`` and ``Imputer(method="drift")``, and a seasonal fill
    (the value 24 steps earlier, itself possibly filled, then linear interpolation for what
    remains).
(b) Anomaly detection on the labelled series bundled with sktime (``datasets/data/yahoo`` and
    ``datasets/data/mitdb``): point-wise ROC-AUC and best F1 (the best over all thresholds) of
    the scores of SymbolicFMAnomalyDetector (stride 1 and 16), sktime's STRAY (its kNN
    outlier scores ``score_``), SubLOF (the local outlier factor of each value within its
    window, from the fitted per-window LOF models) and a moving-window z-score (distance from
    the mean of the previous ``--window`` values in units of their standard deviation).

Prints one markdown table per part.
"""

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd
import sktime.datasets
from sklearn.metrics import precision_recall_curve, roc_auc_score
from sktime.detection.lof import SubLOF
from sktime.detection.stray import STRAY
from sktime.transformations.impute import Imputer

from sktime_symbolic.datasets import load_dataset
from sktime_symbolic.detection import SymbolicFMAnomalyDetector
from sktime_symbolic.transformations import SymbolicFMImputer

PERIOD = 24
PATTERNS = ("block", "point")


def markdown(frame):
    """A markdown table of ``frame``, numbers with three decimals (no tabulate dependency)."""
    def cell(value):
        return f"{value:.3f}" if isinstance(value, (float, np.floating)) else str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * frame.shape[1]]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


# ---------------------------------------------------------------- imputation


def ett_frame(name, columns, max_length):
    """The first ``max_length`` values of ``columns`` of an ETT file, z-scored, indexed by hour 0, 1, ...

    A plain integer index: with a PeriodIndex sktime 1.2 resets the warning filters while
    building forecasting horizons, so the drift Imputer's warnings could not be silenced.
    """
    entries = {e["item_id"].split("/")[1]: e for e in load_dataset(name.lower()).entries}
    unknown = sorted(set(columns) - set(entries))
    if unknown:
        raise SystemExit(f"{name} has no columns {unknown}; it has {sorted(entries)}")
    values = np.column_stack([entries[c]["target"][:max_length] for c in columns]).astype(np.float64)
    values = (values - values.mean(axis=0)) / values.std(axis=0)
    return pd.DataFrame(values, columns=columns)


def make_mask(n, rate, pattern, rng):
    """Boolean mask of about ``rate * n`` values: aligned blocks of 24 or scattered points."""
    mask = np.zeros(n, dtype=bool)
    if pattern == "point":
        mask[rng.choice(n, size=int(round(rate * n)), replace=False)] = True
        return mask
    slots = n // PERIOD
    for slot in rng.choice(slots, size=int(round(rate * slots)), replace=False):
        mask[slot * PERIOD:(slot + 1) * PERIOD] = True
    return mask


def seasonal_fill(frame):
    """Each missing value from the value 24 steps earlier (filled first), then linear interpolation."""
    values = frame.to_numpy().copy()
    for t in range(PERIOD, len(values)):
        missing = np.isnan(values[t])
        values[t, missing] = values[t - PERIOD, missing]
    return Imputer(method="linear").fit_transform(pd.DataFrame(values, index=frame.index, columns=frame.columns))


def drift_fill(frame):
    with warnings.catch_warnings():
        # the drift Imputer builds a forecaster per column, each announcing a config change of sktime 1.3
        warnings.filterwarnings("ignore", message="The default of config ``remember_data``", category=FutureWarning)
        return Imputer(method="drift").fit_transform(frame)


def imputers(device):
    return {
        "SymbolicFMImputer": lambda X: SymbolicFMImputer(device=device, max_gap=None).fit_transform(X),
        "linear": lambda X: Imputer(method="linear").fit_transform(X),
        "drift": drift_fill,
        "seasonal (24)": seasonal_fill,
    }


def imputation_table(args):
    try:
        frames = {name: ett_frame(name, args.columns, args.max_length) for name in ("ETTh1", "ETTh2")}
    except FileNotFoundError as error:
        print(f"(a) imputation skipped: the ETT data are not available ({error})")
        return
    methods = imputers(args.device)
    rows, seconds = [], dict.fromkeys(methods, 0.0)
    for d, (name, truth) in enumerate(frames.items()):
        for p, pattern in enumerate(PATTERNS):
            for r, rate in enumerate(args.rates):
                rng = np.random.default_rng([args.seed, d, p, r])
                mask = np.column_stack([make_mask(len(truth), rate, pattern, rng) for _ in truth.columns])
                gappy = truth.mask(mask)
                row = {"data": name, "mask": pattern, "rate": f"{rate:.1%}"}
                for method, impute in methods.items():
                    started = time.perf_counter()
                    filled = impute(gappy).to_numpy()
                    seconds[method] += time.perf_counter() - started
                    error = filled[mask] - truth.to_numpy()[mask]
                    row[f"{method} MSE"], row[f"{method} MAE"] = np.mean(error ** 2), np.mean(np.abs(error))
                rows.append(row)
    table = pd.DataFrame(rows)
    mean = table.select_dtypes("number").mean()
    table = pd.concat([table, pd.DataFrame([{"data": "mean", "mask": "", "rate": "", **mean}])], ignore_index=True)
    print(f"(a) imputation, ETTh1/ETTh2 columns {','.join(args.columns)}, first {args.max_length} hours, z-scored; "
          "MSE / MAE over the masked values (lower is better)\n")
    print(markdown(table))
    print("\nseconds per method, all cases: " + ", ".join(f"{m} {s:.1f}" for m, s in seconds.items()) + "\n")


# ---------------------------------------------------------------- anomaly detection


def labelled_series():
    """The labelled anomaly series that ship with sktime: name -> (values, 0/1 labels)."""
    root = os.path.join(os.path.dirname(sktime.datasets.__file__), "data")
    out = {}
    for name in ("yahoo", "mitdb"):
        frame = pd.read_csv(os.path.join(root, name, f"{name}.csv"))
        out[name] = (frame["data"].to_numpy(np.float64), frame["label"].to_numpy(np.int64))
    return out


def symbolic_fm_scores(x, stride, device):
    y = pd.Series(x)
    # an absolute threshold: fit does not score the series (predict_scores does)
    detector = SymbolicFMAnomalyDetector(stride=stride, threshold=1.0, device=device).fit(y)
    return detector.predict_scores(y).to_numpy().ravel()


def stray_scores(x):
    return STRAY().fit(x.reshape(-1, 1)).score_


def sublof_scores(x, window):
    """Local outlier factor of each value among the values of its window (SubLOF's fitted models)."""
    X = pd.DataFrame({"x": x})
    with warnings.catch_warnings():
        # quantized signals (mitdb) repeat values: sklearn warns, the scores are still usable
        warnings.filterwarnings("ignore", message="Duplicate values", category=UserWarning)
        detector = SubLOF(n_neighbors=20, window_size=window).fit(X)
    scores = np.zeros(len(x))
    for interval, model in detector.models.items():
        inside = (X.index >= interval.left) & (X.index < interval.right)
        if inside.any():
            scores[inside] = -model.negative_outlier_factor_
    return scores


def zscore_scores(x, window):
    history = pd.Series(x).shift(1).rolling(window, min_periods=2)
    scores = np.abs(x - history.mean().to_numpy()) / history.std().to_numpy()
    return np.nan_to_num(scores, nan=0.0, posinf=0.0)


def best_f1(labels, scores):
    precision, recall, _ = precision_recall_curve(labels, scores)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(f1.max())


def detection_table(args):
    detectors = {
        "SymbolicFM (stride 1)": lambda x: symbolic_fm_scores(x, 1, args.device),
        "SymbolicFM (stride 16)": lambda x: symbolic_fm_scores(x, 16, args.device),
        "STRAY": stray_scores,
        f"SubLOF (window {args.window_lof})": lambda x: sublof_scores(x, args.window_lof),
        f"moving z-score ({args.window})": lambda x: zscore_scores(x, args.window),
    }
    rows = []
    for name, (x, labels) in labelled_series().items():
        for detector, score in detectors.items():
            started = time.perf_counter()
            scores = score(x)
            rows.append({"series": f"{name} (n={len(x)}, {labels.sum()} anomalous)", "detector": detector,
                         "ROC-AUC": roc_auc_score(labels, scores), "best F1": best_f1(labels, scores),
                         "seconds": time.perf_counter() - started})
    print("(b) point anomaly detection on sktime's labelled series; point-wise ROC-AUC and best F1 "
          "(higher is better)\n")
    print(markdown(pd.DataFrame(rows)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-length", type=int, default=2000, help="hours of each ETT column used")
    parser.add_argument("--columns", default="OT,HUFL,LUFL", help="comma-separated ETT columns")
    parser.add_argument("--rates", default="0.125,0.25,0.5", help="comma-separated masked fractions")
    parser.add_argument("--seed", type=int, default=0, help="seed of the masks")
    parser.add_argument("--window", type=int, default=48, help="window of the moving z-score")
    parser.add_argument("--window-lof", type=int, default=200, help="window of SubLOF")
    parser.add_argument("--device", default="auto", help="torch device of the model")
    parser.add_argument("--parts", default="impute,detect", help="comma-separated: impute, detect")
    args = parser.parse_args()
    args.columns = args.columns.split(",")
    args.rates = [float(r) for r in args.rates.split(",")]
    parts = set(args.parts.split(","))
    if "impute" in parts:
        imputation_table(args)
    if "detect" in parts:
        detection_table(args)


if __name__ == "__main__":
    main()
