"""Fine-tune the shipped symbolic model on M4 hourly with SymbolicFMEstimator, then score it.

The benchmark harness holds out the last 48 hours of every series
(:func:`sktime_symbolic.benchmarks.make_test_data`); fine-tuning only sees the rest. Of
that rest, the last 48 hours are the validation windows (the checkpoint with the lowest
``val_loss`` is kept) and the part before them is the training data. Zero-shot and
fine-tuned forecasts of the held-out windows are then scored with
:func:`sktime_symbolic.benchmarks.evaluate_contestant` (MASE, WQL, sMAPE), seasonal naive
for reference::

    PYTHONPATH=. python examples/fine_tuning.py --max-steps 100 --device auto
"""

import argparse
import tempfile
import time

import pandas as pd
from gluonts.dataset.split import split

from gluonts_symbolic import SymbolicFMEstimator, SymbolicFMPredictor
from sktime_symbolic.benchmarks import evaluate_contestant, make_test_data
from sktime_symbolic.datasets import ForecastingDataset, load_dataset
from sktime_symbolic.model import resolve_device


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="m4_hourly")
    parser.add_argument("--max-steps", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--device", default="auto", help="training and forecasting device ('auto': CUDA if present)")
    parser.add_argument("--n-series", type=int, default=100,
                        help="series scored and validated on (the first N; 0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args(argv)

    dataset = load_dataset(args.dataset, data_root=args.data_root)
    h = dataset.prediction_length
    train, _ = make_test_data(dataset, h, windows=1)
    train = list(train)
    # GluonTS convention: validation series are the training series plus one more window
    fit_part, _ = split(train, offset=-h)
    n = len(dataset) if args.n_series == 0 else args.n_series
    scored = ForecastingDataset(dataset.name, dataset.freq, h, dataset.entries[:n])
    device = resolve_device(args.device)
    print(f"{dataset.name}: fine-tuning on {len(train)} series (held-out {h} steps removed, validation on "
          f"the {h} steps before them), "
          f"scoring {len(scored)} series; device {device}")

    with tempfile.TemporaryDirectory() as ckpt_dir:
        estimator = SymbolicFMEstimator(
            prediction_length=h, max_steps=args.max_steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
            device=str(device), ckpt_dir=ckpt_dir,
            trainer_kwargs={"accelerator": "gpu" if device.type == "cuda" else "cpu", "devices": 1})
        started = time.perf_counter()
        # validating on the scored series only keeps each validation pass short
        tuned = estimator.train(list(fit_part), validation_data=train[:n])
        tuning_time = time.perf_counter() - started
    card = tuned.pipeline.card["fine_tuning"]
    print(f"fine-tuning: {card['steps']} steps x {args.batch_size} windows, lr {args.lr}: {tuning_time:.1f} s "
          f"wall, best val_loss {card['best_val_loss']:.4f}")

    zero_shot = SymbolicFMPredictor(prediction_length=h, device=str(device))
    contestants = {"seasonal_naive": "seasonal_naive_gluonts", "symbolic_fm zero-shot": zero_shot,
                   "symbolic_fm fine-tuned": tuned}
    rows = []
    for name, contestant in contestants.items():
        row = evaluate_contestant(contestant, scored, h)
        rows.append({"model": name, **{k: row[k] for k in ("MASE", "WQL", "sMAPE", "wall_time_s")}})
    table = pd.DataFrame(rows).set_index("model")
    print(table.to_string(float_format=lambda x: f"{x:.4f}"))
    return table, tuning_time


if __name__ == "__main__":
    main()
