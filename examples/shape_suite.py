"""Shape suite: does a forecaster continue simple clean shapes, next to naive and seasonal naive?

Usage (from the repository root): ``python examples/shape_suite.py --model symbolic-piece
--out shape_suite.png [--seed 0]``. ``--model`` is a name or a saved-model directory, passed to
``sktime_symbolic.model.load_pretrained``. The model only has to offer
``predict_quantiles(contexts, prediction_length, quantile_levels=...) -> (quantiles, mean)``
with quantiles of shape (n_series, n_levels, prediction_length).

Shapes (hourly-style data, context 252, horizon 48): sine of period 24, sine plus trend,
straight line, exponential growth, step, random walk, intermittent demand, and daily plus
weekly seasonality (periods 24 and 168), which gets a context of three weeks (504) so that
the weekly cycle shows three times. Then the short and low-frequency shapes statistical
forecasters are strong on: a short quarterly season with a trend (32 points, period 4,
horizon 8), a short yearly damped trend (16 points, horizon 6) and a monthly multiplicative
season on a trend (the airline's shape: 120 points, horizon 18). A model whose
``predict_quantiles`` takes ``season=`` is told each shape's season.

One random walk is one draw: :func:`random_walk_scores` scores the median on many seeded walks
(``--walks``, default 300) against the last value, the walk's best forecast.
"""

from __future__ import annotations

import argparse
import inspect
from dataclasses import dataclass

import numpy as np
import pandas as pd

SUITE_LEVELS = (0.1, 0.5, 0.9)
RANDOM_WALK_CHECK_STEPS = 12
WEEKLY_CONTEXT_LENGTH = 3 * 168


@dataclass(frozen=True)
class Shape:
    """A named series split into context and future (its own horizon), with the period seasonal naive repeats."""

    name: str
    context: np.ndarray
    future: np.ndarray
    season: int


def make_shapes(context_length=252, prediction_length=48, seed=0) -> list[Shape]:
    """The suite's series, deterministic for a given ``seed``.

    Parameters
    ----------
    context_length : int, default 252
        History length of every shape except daily + weekly, which gets ``3 * 168``.
    prediction_length : int, default 48
    seed : int, default 0
        Seeds the random walk and the intermittent demand.

    Returns
    -------
    list of Shape

    Examples
    --------
    >>> shapes = make_shapes()
    >>> [len(s.context) for s in shapes][7], len(shapes[0].future), [len(s.context) for s in shapes][-3:]
    (504, 48, [32, 16, 120])
    """
    for label, value in (("context_length", context_length), ("prediction_length", prediction_length)):
        if not isinstance(value, (int, np.integer)) or value < 2:
            raise ValueError(f"{label} must be an int >= 2, got {value!r}")
    rng = np.random.default_rng(seed)
    n = context_length + prediction_length
    t = np.arange(n, dtype=float)
    step = np.where(t < context_length - 50, 1.0, 3.0)  # the jump lies inside the context
    # intermittent demand: about one period in four has a positive demand of 1 + Poisson(3)
    demand = (rng.random(n) < 0.25) * (1 + rng.poisson(3.0, n))
    random_walk = np.cumsum(rng.normal(0.0, 1.0, n))
    weekly_n = WEEKLY_CONTEXT_LENGTH + prediction_length
    weekly_t = np.arange(weekly_n, dtype=float)
    series = [
        ("sine_24", np.sin(2 * np.pi * t / 24), 24),
        ("sine_plus_trend", np.sin(2 * np.pi * t / 24) + 0.01 * t, 24),
        ("line", 10.0 + 0.1 * t, 24),
        ("exponential", np.exp(0.01 * t), 24),
        ("step", step, 24),
        ("random_walk", random_walk, 24),
        ("intermittent", demand.astype(float), 24),
        ("daily_weekly", np.sin(2 * np.pi * weekly_t / 24) + 0.5 * np.sin(2 * np.pi * weekly_t / 168), 168),
    ]
    shapes = []
    for name, values, season in series:
        split = len(values) - prediction_length
        shapes.append(Shape(name, values[:split], values[split:], season))
    # short and low-frequency shapes, each with the horizon its frequency is forecast at
    quarterly_t = np.arange(32 + 8, dtype=float)
    yearly_t = np.arange(16 + 6, dtype=float)
    monthly_t = np.arange(120 + 18, dtype=float)
    for name, values, season, horizon in [
        ("quarterly_short", 20 + 0.3 * quarterly_t + 2 * np.sin(2 * np.pi * quarterly_t / 4 + 0.5), 4, 8),
        ("yearly_damped_short", 100 + 30 * (1 - 0.85 ** yearly_t), 1, 6),
        ("monthly_multiplicative", (100 + 2 * monthly_t) * (1 + 0.2 * np.sin(2 * np.pi * monthly_t / 12)), 12, 18),
    ]:
        shapes.append(Shape(name, values[:-horizon], values[-horizon:], season))
    return shapes


class Persistence:
    """The last value at every step and level: naive, as a model of the suite's interface."""

    def predict_quantiles(self, context, prediction_length, quantile_levels):
        last = np.array([c[-1] for c in context], dtype=float)[:, None, None]
        quantiles = np.broadcast_to(last, (len(context), len(quantile_levels), prediction_length))
        return quantiles, quantiles[:, 0]


def _suite_quantiles(model, contexts, seasons, prediction_length) -> np.ndarray:
    """The model's :data:`SUITE_LEVELS` quantiles of ``contexts`` (told their ``seasons`` where
    ``predict_quantiles`` takes ``season=``), checked to be (n_series, n_levels, prediction_length)."""
    if not callable(getattr(model, "predict_quantiles", None)):
        raise TypeError(f"{type(model).__name__} has no predict_quantiles(context, prediction_length, quantile_levels)")
    told = {"season": list(seasons)} if "season" in inspect.signature(model.predict_quantiles).parameters else {}
    quantiles, _ = model.predict_quantiles(list(contexts), prediction_length, quantile_levels=list(SUITE_LEVELS),
                                           **told)
    quantiles = np.asarray(quantiles, dtype=float)
    expected = (len(contexts), len(SUITE_LEVELS), prediction_length)
    if quantiles.shape != expected:
        raise ValueError(f"predict_quantiles returned quantiles of shape {quantiles.shape}, expected {expected}")
    return quantiles


def _seasonal_naive(context, season, prediction_length):
    last_season = context[-season:]
    return np.resize(last_season, prediction_length)


def run_shape_suite(model, context_length=252, prediction_length=48, seed=0, plot_path=None) -> pd.DataFrame:
    """Forecast every shape with ``model`` and score the median and the 80% interval.

    Parameters
    ----------
    model : object with ``predict_quantiles(contexts, prediction_length, quantile_levels=...)``
        Returns ``(quantiles, mean)``, quantiles of shape (n_series, n_levels, prediction_length)
        in the order of the (sorted) levels.
    context_length, prediction_length, seed
        See :func:`make_shapes`.
    plot_path : str or Path, optional
        Where to write a PNG grid of the forecasts.

    Returns
    -------
    pd.DataFrame
        One row per shape: ``context_length``, ``season``, ``model_mae`` (median vs truth),
        ``naive_mae`` (last value), ``seasonal_naive_mae``, ``coverage_80`` (share of the truth
        inside the 0.1..0.9 quantiles), and for the random walk ``median_within_3sd``: whether
        the median stays within 3 step standard deviations (of the context's differences) of the
        last value over the first 12 steps.

    Examples
    --------
    >>> table = run_shape_suite(Persistence())
    >>> bool((table["model_mae"] == table["naive_mae"]).all())
    True
    """
    shapes = make_shapes(context_length, prediction_length, seed)
    quantiles = _suite_quantiles(model, [s.context for s in shapes], [s.season for s in shapes], prediction_length)
    lower, median, upper = quantiles[:, 0], quantiles[:, 1], quantiles[:, 2]

    rows = []
    for i, shape in enumerate(shapes):
        h = len(shape.future)
        lo, mid, hi = lower[i, :h], median[i, :h], upper[i, :h]
        naive = np.full(h, shape.context[-1])
        row = {
            "shape": shape.name,
            "context_length": len(shape.context),
            "season": shape.season,
            "model_mae": np.mean(np.abs(mid - shape.future)),
            "naive_mae": np.mean(np.abs(naive - shape.future)),
            "seasonal_naive_mae": np.mean(np.abs(_seasonal_naive(shape.context, shape.season, h) - shape.future)),
            "coverage_80": np.mean((lo <= shape.future) & (shape.future <= hi)),
            "median_within_3sd": None,
        }
        if shape.name == "random_walk":
            step_sd = np.std(np.diff(shape.context))
            drift = np.abs(median[i, :RANDOM_WALK_CHECK_STEPS] - shape.context[-1])
            row["median_within_3sd"] = bool(np.all(drift <= 3 * step_sd))
        rows.append(row)
    if plot_path is not None:
        _plot(shapes, lower, median, upper, plot_path)
    return pd.DataFrame(rows)


def random_walk_scores(model, n_walks=300, context_length=252, prediction_length=48, seed=0) -> dict:
    """Mean MASE of the model's median and of the last value on ``n_walks`` Gaussian random walks.

    Each walk is scaled by the mean absolute step of its context (so MASE averages over walks of
    equal weight), told the suite's hourly season (24) where the model takes one. Returns
    ``model_mase``, ``naive_mase`` and ``share_worse`` (walks where the median's error exceeds the
    last value's).

    Examples
    --------
    >>> scores = random_walk_scores(Persistence(), n_walks=20)
    >>> scores["model_mase"] == scores["naive_mase"], scores["share_worse"]
    (True, 0.0)
    """
    walks = np.cumsum(np.random.default_rng([seed, 1]).normal(0.0, 1.0, (n_walks, context_length + prediction_length)),
                      axis=1)
    context, future = walks[:, :context_length], walks[:, context_length:]
    median = _suite_quantiles(model, context, [24] * n_walks, prediction_length)[:, SUITE_LEVELS.index(0.5)]
    scale = np.abs(np.diff(context, axis=1)).mean(axis=1)
    model_mase = np.abs(future - median).mean(axis=1) / scale
    naive_mase = np.abs(future - context[:, -1:]).mean(axis=1) / scale
    return {"model_mase": float(model_mase.mean()), "naive_mase": float(naive_mase.mean()),
            "share_worse": float(np.mean(model_mase > naive_mase))}


def _plot(shapes, lower, median, upper, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 4
    rows = -(-len(shapes) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.5 * columns, 3 * rows), squeeze=False)
    for ax, shape, lo, mid, hi in zip(axes.flat, shapes, lower, median, upper):
        h = len(shape.future)
        lo, mid, hi = lo[:h], mid[:h], hi[:h]
        # the last few seasons of history are enough to judge the continuation
        shown = min(len(shape.context), max(4 * h, 2 * shape.season))
        history_t = np.arange(-shown, 0)
        future_t = np.arange(h)
        ax.plot(history_t, shape.context[-shown:], color="black", lw=0.8, label="context")
        ax.plot(future_t, shape.future, color="black", lw=0.8, ls="--", label="truth")
        ax.fill_between(future_t, lo, hi, color="tab:blue", alpha=0.3, label="10-90%")
        ax.plot(future_t, mid, color="tab:blue", lw=1.2, label="median")
        ax.set_title(shape.name, fontsize=9)
    for ax in list(axes.flat)[len(shapes):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="symbolic-piece", help="model name or saved-model directory")
    parser.add_argument("--out", default="shape_suite.png", help="output PNG path")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random walk and intermittent demand")
    parser.add_argument("--walks", type=int, default=300, help="random walks scored by random_walk_scores (0: none)")
    args = parser.parse_args(argv)

    from sktime_symbolic.model import load_pretrained

    model = load_pretrained(args.model)
    table = run_shape_suite(model, seed=args.seed, plot_path=args.out)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.round(4).to_string(index=False))
    if args.walks:
        scores = random_walk_scores(model, n_walks=args.walks, seed=args.seed)
        print(f"{args.walks} random walks: MASE of the median {scores['model_mase']:.3f}, of the last value "
              f"{scores['naive_mase']:.3f}; the median is worse on {scores['share_worse']:.0%} of them")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
