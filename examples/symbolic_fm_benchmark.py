"""Zero-shot benchmark of a symbolic foundation model (any weights) with the project's harness.

``python -m sktime_symbolic.benchmarks forecasting --models symbolic_fm,...`` scores the shipped
default model; this script re-registers ``symbolic_fm`` (a :class:`gluonts_symbolic.SymbolicFMPredictor`)
for other weights (``--weights``, e.g. a fine-tuned or newly pretrained directory), then runs the
harness CLI, e.g.::

    PYTHONPATH=. python examples/symbolic_fm_benchmark.py --models seasonal_naive,symbolic_fm \\
        --datasets m4_hourly,m4_weekly,etth,exchange_rate --output out/symbolic_fm

Extra options (before the harness's): ``--weights NAME_OR_DIR`` (default: the shipped default model),
``--batch-size``, ``--device`` (default ``auto``).
"""

import argparse
import sys

from gluonts_symbolic import SymbolicFMPredictor
from sktime_symbolic.benchmarks import register_contestant
from sktime_symbolic.model import DEFAULT_MODEL
from sktime_symbolic.benchmarks.__main__ import main as harness_main


def symbolic_fm_factory(weights=DEFAULT_MODEL, batch_size=64, device="auto"):
    """A contestant factory ``(freq, prediction_length) -> SymbolicFMPredictor``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> predictor = symbolic_fm_factory(device="cpu")("D", 5)
    >>> entry = {"start": pd.Period("2020-01-01", "D"), "target": np.sin(np.arange(60) / 3)}
    >>> next(predictor.predict([entry])).quantile(0.5).shape
    (5,)
    """

    def factory(freq, prediction_length):
        return SymbolicFMPredictor(prediction_length=prediction_length, model_name=weights, batch_size=batch_size,
                                   device=device)

    return factory


def main(argv=None):
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--weights", default=DEFAULT_MODEL)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="auto")
    args, rest = parser.parse_known_args(argv)
    register_contestant("symbolic_fm", symbolic_fm_factory(args.weights, args.batch_size, args.device))
    return harness_main(["forecasting", *rest])


if __name__ == "__main__":
    sys.exit(main())
