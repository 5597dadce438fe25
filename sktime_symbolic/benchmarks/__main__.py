"""Command line: ``python -m sktime_symbolic.benchmarks forecasting --datasets ... --models ... --output DIR``."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path


def _split(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sktime_symbolic.benchmarks")
    commands = parser.add_subparsers(dest="command", required=True)
    fc = commands.add_parser("forecasting", help="score forecasters on benchmark data sets")
    fc.add_argument("--datasets", type=_split, default=_split("m4_hourly,m4_weekly,etth,exchange_rate"))
    fc.add_argument("--models", type=_split, default=_split("seasonal_naive,theta,autoets"))
    fc.add_argument("--output", type=Path, required=True, help="directory for results.csv and results.png")
    fc.add_argument("--data-root", default=None, help="default: $SKTIME_SYMBOLIC_DATA or ../shared/data")
    fc.add_argument("--prediction-length", type=int, default=None, help="default: each data set's benchmark horizon")
    fc.add_argument("--windows", type=int, default=1, help="rolling evaluation windows per series")
    fc.add_argument("--baseline", default="seasonal_naive", help="model the geometric-mean ratios divide by")
    fc.add_argument(
        "--backend", default=None,
        help="sktime parallel backend of each model: per-series fitting, or symbolic_fm's shards of the panel; "
        "e.g. loky, joblib, dask, ray",
    )
    fc.add_argument(
        "--n-jobs", type=int, default=-1,
        help="workers for --backend (dask: threads of its local scheduler; ray: CPUs it starts with); "
        "-1: all cores",
    )
    fc.add_argument(
        "--contestant-backend", default=None,
        help="sktime parallel backend running the (data set, model) pairs side by side, e.g. loky, dask",
    )
    fc.add_argument("--contestant-jobs", type=int, default=2, help="workers for --contestant-backend")
    return parser


def _backend_params(backend, n_jobs):
    """``backend:parallel:params`` that give ``backend`` ``n_jobs`` workers (-1 or below: its default, all cores).

    sktime passes the params on as they are: joblib's backends take ``n_jobs``, ``dask.compute``
    takes ``num_workers`` (and ignores ``n_jobs``), ray's ``ray.init`` takes ``num_cpus``.

    Examples
    --------
    >>> _backend_params("loky", 2), _backend_params("dask", 2), _backend_params("dask", -1)
    ({'n_jobs': 2}, {'num_workers': 2}, {})
    >>> _backend_params("ray", 2)
    {'ray_remote_args': {'num_cpus': 2}}
    """
    if backend == "dask":
        return {"num_workers": n_jobs} if n_jobs > 0 else {}
    if backend == "ray":
        return {"ray_remote_args": {"num_cpus": n_jobs}} if n_jobs > 0 else {}
    return {"n_jobs": n_jobs}


def _contestants(names, backend, n_jobs):
    from sktime_symbolic.benchmarks import MeanEnsembleContestant, SktimeContestant, make_contestant

    if backend is None:
        return names
    params = _backend_params(backend, n_jobs)

    def factory(name):
        def build(freq, h):
            contestant = make_contestant(name, freq, h)
            members = contestant.members if isinstance(contestant, MeanEnsembleContestant) else [contestant]
            for member in members:
                if isinstance(member, SktimeContestant):
                    # the sktime way: parallelism lives in the forecaster's backend config
                    member.forecaster = member.forecaster.clone().set_config(
                        **{"backend:parallel": backend, "backend:parallel:params": params}
                    )
            return contestant

        build.__name__ = name
        return build

    return [factory(name) for name in names]


def run_forecasting(args) -> int:
    import pandas as pd

    from sktime_symbolic.benchmarks import list_contestants, plot_results, relative_scores, run_forecasting_benchmark

    unknown = [m for m in args.models if m not in list_contestants()]
    if unknown:
        raise SystemExit(f"unknown model(s) {unknown}; known: {', '.join(list_contestants())}")
    args.output.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = run_forecasting_benchmark(
        args.datasets,
        _contestants(args.models, args.backend, args.n_jobs),
        prediction_length=args.prediction_length,
        windows=args.windows,
        data_root=args.data_root,
        backend=args.contestant_backend,
        backend_params=(
            _backend_params(args.contestant_backend, args.contestant_jobs) if args.contestant_backend else None
        ),
    )
    results.to_csv(args.output / "results.csv", index=False)
    plot_results(results, args.output / "results.png")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(results.round(4).to_string(index=False))
        if args.baseline in set(results["model"]):
            relative = relative_scores(results, baseline=args.baseline)
            relative.to_csv(args.output / "relative_to_baseline.csv")
            print(f"\ngeometric mean over data sets of score / {args.baseline}:")
            print(relative.round(3).to_string())
    print(f"\nwrote {args.output / 'results.csv'} and {args.output / 'results.png'} in {time.perf_counter() - started:.0f} s")
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    warnings.filterwarnings("ignore", category=FutureWarning)
    if args.command == "forecasting":
        return run_forecasting(args)
    raise SystemExit(f"unknown command {args.command!r}")


if __name__ == "__main__":
    sys.exit(main())
