"""Zero-shot benchmark of the shipped symbolic foundation model with the project's harness.

Registers the contestant ``symbolic_fm`` and runs the harness CLI, e.g.::

    PYTHONPATH=. python examples/symbolic_fm_benchmark.py --models seasonal_naive,symbolic_fm \\
        --datasets m4_hourly,m4_weekly,etth,exchange_rate --output out/symbolic_fm

Extra options (before the harness's): ``--weights NAME_OR_DIR`` (default ``symbolic-nano``),
``--num-samples`` (default 20), ``--seed``, ``--batch-size``.
"""

import argparse
import sys

import numpy as np

from sktime_symbolic.benchmarks import Contestant, register_contestant
from sktime_symbolic.benchmarks.__main__ import main as harness_main
from sktime_symbolic.model import QUANTILE_LEVELS, load_pretrained


class SymbolicFMContestant(Contestant):
    """Zero-shot forecasts of a :class:`~sktime_symbolic.model.SymbolicPipeline` as GluonTS forecasts.

    Examples
    --------
    >>> import pandas as pd
    >>> c = SymbolicFMContestant(num_samples=4)
    >>> entry = {"start": pd.Period("2020-01-01", "D"), "target": np.sin(np.arange(60) / 3)}
    >>> c.predict([entry], "D", 5)[0].quantile(0.5).shape
    (5,)
    """

    def __init__(self, weights="symbolic-nano", num_samples=20, seed=0, batch_size=64, name="symbolic_fm"):
        super().__init__(name)
        self.pipeline = load_pretrained(weights)
        self.num_samples, self.seed, self.batch_size = num_samples, seed, batch_size

    def predict(self, inputs, freq, prediction_length):
        from gluonts.model.forecast import QuantileForecast
        from tqdm.auto import tqdm

        forecasts = []
        for start in tqdm(range(0, len(inputs), self.batch_size), desc=self.name, unit="batch"):
            chunk = inputs[start:start + self.batch_size]
            quantiles, mean = self.pipeline.predict_quantiles(
                [np.asarray(e["target"], dtype=np.float64) for e in chunk], prediction_length,
                quantile_levels=QUANTILE_LEVELS, num_samples=self.num_samples, seed=self.seed,
                batch_size=self.batch_size)
            for entry, q, m in zip(chunk, quantiles, mean):
                forecasts.append(QuantileForecast(
                    np.vstack([q, m[None]]), start_date=entry["start"] + len(entry["target"]),
                    forecast_keys=[str(level) for level in QUANTILE_LEVELS] + ["mean"], item_id=entry.get("item_id")))
        return forecasts


def main(argv=None):
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--weights", default="symbolic-nano")
    parser.add_argument("--num-samples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=64)
    args, rest = parser.parse_known_args(argv)
    register_contestant("symbolic_fm", lambda freq, h: SymbolicFMContestant(
        args.weights, args.num_samples, args.seed, args.batch_size))
    return harness_main(["forecasting", *rest])


if __name__ == "__main__":
    sys.exit(main())
