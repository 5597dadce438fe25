"""Classification with zero-shot symbolic-model embeddings vs sktime's MiniRocket, on bundled UCR/UEA sets.

Both classifiers are fitted on each set's official train split and scored on its test split.
Ours: :class:`~sktime_symbolic.classification.SymbolicFMClassifier` (zero-shot embeddings, each
channel separately, into a standardized ridge). MiniRocket: ``MiniRocket`` (univariate) or
``MiniRocketMultivariate`` into ``StandardScaler(with_mean=False)`` and ``RidgeClassifierCV``,
the pipeline of sktime's ``RocketClassifier(rocket_transform="minirocket")``. Times are
fit + predict wall time, including numba compilation the first time a kernel runs (run once
with ``--warm-up`` to exclude it) and, for ours, loading the model once. ``--fine-tune-steps N``
adds a column: ours after N steps of self-supervised fine-tuning on each training split.

    PYTHONPATH=. python examples/classification.py [--device cpu] [--warm-up] [--fine-tune-steps 50]
"""

import argparse
import time

import numpy as np
from sklearn.linear_model import RidgeClassifierCV
from sklearn.preprocessing import StandardScaler
from sktime.datasets import load_arrow_head, load_basic_motions, load_gunpoint, load_italy_power_demand, load_osuleaf
from sktime.pipeline import make_pipeline
from sktime.transformations.panel.rocket import MiniRocket, MiniRocketMultivariate

from sktime_symbolic.classification import SymbolicFMClassifier
from sktime_symbolic.model import DEFAULT_MODEL

DATASETS = {
    "ArrowHead": load_arrow_head,
    "GunPoint": load_gunpoint,
    "ItalyPowerDemand": load_italy_power_demand,
    "OSULeaf": load_osuleaf,
    "BasicMotions": load_basic_motions,
}


def minirocket(n_channels, seed):
    # sktime's make_pipeline: sklearn 1.9's Pipeline breaks on sktime transformers (callback context)
    transform = MiniRocket(random_state=seed) if n_channels == 1 else MiniRocketMultivariate(random_state=seed)
    return make_pipeline(transform, StandardScaler(with_mean=False), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))


def score(model, X_train, y_train, X_test, y_test):
    """``(accuracy, fit + predict seconds)``."""
    started = time.perf_counter()
    predicted = model.fit(X_train, y_train).predict(X_test)
    return float(np.mean(np.asarray(predicted) == y_test)), time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fine-tune-steps", type=int, default=0, help="also fine-tuned (0: not)")
    parser.add_argument("--warm-up", action="store_true", help="run both once on a tiny set first (JIT, model load)")
    args = parser.parse_args()
    if args.warm_up:
        X, y = load_gunpoint(split="train", return_type="numpy3D")
        score(SymbolicFMClassifier(device=args.device), X[:10], y[:10], X[:4], y[:4])
        score(minirocket(1, args.seed), X[:10], y[:10], X[:4], y[:4])
    started = time.perf_counter()
    rows = []
    for name, load in DATASETS.items():
        X_train, y_train = load(split="train", return_type="numpy3D")
        X_test, y_test = load(split="test", return_type="numpy3D")
        ours = score(SymbolicFMClassifier(device=args.device, random_state=args.seed), X_train, y_train, X_test, y_test)
        tuned = None
        if args.fine_tune_steps:
            tuned = score(SymbolicFMClassifier(device=args.device, random_state=args.seed, fit_strategy="fine-tune",
                                               fine_tune_steps=args.fine_tune_steps),
                          X_train, y_train, X_test, y_test)
        rocket = score(minirocket(X_train.shape[1], args.seed), X_train, y_train, X_test, y_test)
        rows.append((name, X_train.shape, len(X_test), ours, tuned, rocket))
        print(f"{name}: ours {ours[0]:.3f} ({ours[1]:.1f} s), MiniRocket {rocket[0]:.3f} ({rocket[1]:.1f} s)",
              flush=True)
    tuned_header = f" fine-tuned {args.fine_tune_steps} steps acc | time (s) |" if args.fine_tune_steps else ""
    print()
    print(f"| dataset | train (n, channels, length) | test n | {DEFAULT_MODEL} + ridge acc | time (s) |"
          f"{tuned_header} MiniRocket + ridge acc | time (s) |")
    print("|---|---|---|---|---|" + ("---|---|" if args.fine_tune_steps else "") + "---|---|")
    for name, shape, n_test, ours, tuned, rocket in rows:
        tuned_cells = f" {tuned[0]:.3f} | {tuned[1]:.1f} |" if tuned else ""
        print(f"| {name} | {shape} | {n_test} | {ours[0]:.3f} | {ours[1]:.1f} |{tuned_cells} "
              f"{rocket[0]:.3f} | {rocket[1]:.1f} |")
    means = [f"ours {np.mean([r[3][0] for r in rows]):.3f}", f"MiniRocket {np.mean([r[5][0] for r in rows]):.3f}"]
    if args.fine_tune_steps:
        means.insert(1, f"fine-tuned {np.mean([r[4][0] for r in rows]):.3f}")
    print(f"\nmean accuracy: {', '.join(means)}; wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
