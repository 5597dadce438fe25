"""Forecasting protocol: hold out the last window(s), forecast, score with ``gluonts.ev`` metrics."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from sktime_symbolic.benchmarks._contestants import QUANTILE_LEVELS, make_contestant
from sktime_symbolic.datasets import ForecastingDataset, load_dataset

METRIC_NAMES = {"MASE[0.5]": "MASE", "mean_weighted_sum_quantile_loss": "WQL", "sMAPE[0.5]": "sMAPE"}
# why a per-window mean metric can be undefined (gluonts masks 0/0 and x/0, and NaN labels)
_UNDEFINED = {
    "MASE": "zero seasonal error in the history, e.g. a constant series, or no observed value in the window",
    "sMAPE": "forecast and values all zero, or no observed value in the window",
}


def make_test_data(dataset: ForecastingDataset, prediction_length=None, windows=1):
    """Split every series into training part and ``windows`` non-overlapping test windows at its end.

    Parameters
    ----------
    dataset : ForecastingDataset
    prediction_length : int, optional
        Horizon; default the data set's benchmark horizon.
    windows : int, default 1
        Number of rolling windows, each ``prediction_length`` long, ending at the series' end.

    Returns
    -------
    train : gluonts TrainingDataset
        Series with the last ``windows * prediction_length`` values removed.
    test_data : gluonts TestData
        Input/label pairs, one per series and window.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = ForecastingDataset("toy", "D", 2, [{"item_id": "a",
    ...     "start": pd.Period("2020-01-01", "D"), "target": np.arange(6, dtype=np.float32)}])
    >>> train, test = make_test_data(ds, windows=2)
    >>> [len(x["target"]) for x in train], [len(i["target"]) for i in test.input]
    ([2], [2, 4])
    """
    from gluonts.dataset.split import split

    h = dataset.prediction_length if prediction_length is None else prediction_length
    if not isinstance(h, (int, np.integer)) or h < 1:
        raise ValueError(f"prediction_length must be a positive int, got {h!r}")
    if not isinstance(windows, (int, np.integer)) or windows < 1:
        raise ValueError(f"windows must be a positive int, got {windows!r}")
    if len(dataset.entries) == 0:
        raise ValueError(f"dataset {dataset.name!r} has no series")
    held_out = h * windows
    for entry in dataset.entries:
        if len(entry["target"]) <= held_out:
            raise ValueError(
                f"dataset {dataset.name!r}, series {entry['item_id']!r}: length {len(entry['target'])} leaves no "
                f"history before the {windows} x {h} held-out values"
            )
    train, template = split(dataset.entries, offset=-held_out)
    return train, template.generate_instances(prediction_length=h, windows=windows, distance=h)


def _checked_quantile_forecast(forecast, entry, dataset_name, contestant_name, h):
    from gluonts.model.forecast import QuantileForecast

    where = f"model {contestant_name!r} on dataset {dataset_name!r}, series {entry.get('item_id')!r}"
    try:
        quantiles = np.stack([np.asarray(forecast.quantile(q), dtype=np.float64) for q in QUANTILE_LEVELS])
        mean = np.asarray(forecast.mean, dtype=np.float64)
    except Exception as error:  # a malformed forecast object: say whose it was
        raise ValueError(f"{where}: unusable forecast ({error})") from error
    if quantiles.shape != (len(QUANTILE_LEVELS), h) or mean.shape != (h,):
        raise ValueError(f"{where}: forecast has length {quantiles.shape[-1]}, expected {h}")
    if not (np.isfinite(quantiles).all() and np.isfinite(mean).all()):
        raise ValueError(f"{where}: forecast contains NaN or inf")
    return QuantileForecast(
        np.vstack([quantiles, mean[None, :]]),
        start_date=forecast.start_date,
        forecast_keys=[str(q) for q in QUANTILE_LEVELS] + ["mean"],
        item_id=entry.get("item_id"),
    )


def evaluate_contestant(contestant, dataset, prediction_length=None, windows=1, data_root=None,
                        per_window=False) -> dict:
    """Train (if needed) and score one contestant on one data set.

    MASE of the median (seasonal period ``gluonts.time_feature.get_seasonality(freq)``), WQL
    (``MeanWeightedSumQuantileLoss`` over q = 0.1..0.9, summed over series and steps) and sMAPE
    of the median, all from ``gluonts.model.evaluate_forecasts``.

    Series a metric cannot score: MASE and sMAPE are means over the test windows (one per
    series and window), and a window where the metric is undefined is left out of that mean:
    for MASE a series whose history has a zero seasonal error (e.g. a constant history), for
    sMAPE a window whose forecasts and values are all zero, for both a window without an
    observed (non-NaN) value. Such windows are counted in ``<metric>_n_excluded`` (the others in
    ``<metric>_n_scored``) and named in a ``UserWarning``; a metric with no window left is NaN.
    NaN values in the test windows are left out of every metric (GluonTS' masking); inf is
    refused when the data set is built (:class:`ForecastingDataset`).

    Parameters
    ----------
    contestant : anything :func:`make_contestant` accepts
    dataset : str or ForecastingDataset
    prediction_length : int, optional
        Default the data set's benchmark horizon.
    windows : int, default 1
        Rolling evaluation windows at the end of each series.
    data_root : str or Path, optional
        Used when ``dataset`` is a name.
    per_window : bool, default False
        Also return the scores of each test window (``per_window``, see below), for paired
        comparisons of two contestants on the same windows.

    Returns
    -------
    dict
        ``dataset``, ``model``, ``quantiles`` (where the quantiles come from: ``"model"``, the
        forecaster's own probabilistic forecast; ``"point"``, every quantile equal to the point
        forecast, for sktime forecasters without ``capability:pred_int``), ``MASE``, ``WQL``,
        ``sMAPE``, ``n_series``, ``n_fallback_series`` (series on which a forecaster fell back to
        another, see :class:`SktimeContestant`), ``MASE_n_scored``, ``MASE_n_excluded``,
        ``sMAPE_n_scored``, ``sMAPE_n_excluded``, ``prediction_length``, ``windows``, ``wall_time_s`` (training plus
        forecasting). With ``per_window``, also ``per_window``: a DataFrame with one row per test
        window (series by series) and columns ``MASE`` (NaN where undefined), ``quantile_loss``
        (the quantile losses summed over levels and steps) and ``abs_target`` (the summed absolute
        values), so that WQL is ``quantile_loss.sum() / abs_target.sum() / len(levels)``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = np.tile(np.arange(1, 5, dtype=np.float32), 5)
    >>> ds = ForecastingDataset("toy", "D", 4, [{"item_id": "a", "start": pd.Period("2020-01-01", "D"), "target": t}])
    >>> from sktime.forecasting.naive import NaiveForecaster
    >>> row = evaluate_contestant(NaiveForecaster(strategy="last", sp=4), ds)
    >>> round(float(row["WQL"]), 6)
    0.0
    """
    from gluonts.ev.metrics import MASE, SMAPE, MeanWeightedSumQuantileLoss, SumAbsoluteLabel, SumQuantileLoss
    from gluonts.model.evaluation import evaluate_forecasts
    from gluonts.time_feature import get_seasonality

    if isinstance(dataset, str):
        dataset = load_dataset(dataset, data_root=data_root)
    h = dataset.prediction_length if prediction_length is None else prediction_length
    contestant = make_contestant(contestant, dataset.freq, h)
    train, test_data = make_test_data(dataset, h, windows)
    inputs = list(test_data.input)

    started = time.perf_counter()
    try:
        contestant.fit(train, dataset.freq, h)
        forecasts = list(contestant.predict(inputs, dataset.freq, h))
    except Exception as error:  # name the data set; contestants name the series where they can
        message = f"model {contestant.name!r} on dataset {dataset.name!r}: {error}"
        raise (ValueError if isinstance(error, ValueError) else RuntimeError)(message) from error
    wall_time = time.perf_counter() - started
    if len(forecasts) != len(inputs):
        raise ValueError(
            f"model {contestant.name!r} on dataset {dataset.name!r}: {len(forecasts)} forecasts for {len(inputs)} series"
        )
    forecasts = [
        _checked_quantile_forecast(f, entry, dataset.name, contestant.name, h) for f, entry in zip(forecasts, inputs)
    ]
    metrics = [MASE(), MeanWeightedSumQuantileLoss(quantile_levels=QUANTILE_LEVELS), SMAPE()]
    season = get_seasonality(dataset.freq)
    scores = evaluate_forecasts(forecasts, test_data=test_data, metrics=metrics, seasonality=season, batch_size=5000)
    # per window, to find the windows the aggregate left out (masked as undefined by gluonts), and
    # with per_window the sums that paired comparisons of two contestants resample
    sums = [SumQuantileLoss(q) for q in QUANTILE_LEVELS] + [SumAbsoluteLabel()] if per_window else []
    window_metrics = metrics + sums
    window_scores = evaluate_forecasts(
        forecasts, test_data=test_data, metrics=window_metrics, axis=1, seasonality=season, batch_size=5000
    )
    row = {"dataset": dataset.name, "model": contestant.name, "quantiles": contestant.quantile_source}
    row.update({short: float(scores[long].iloc[0]) for long, short in METRIC_NAMES.items()})
    row["n_series"] = len(dataset)
    # series on which a forecaster fell back to another (sktime's FallbackForecaster; named in a warning)
    row["n_fallback_series"] = len(getattr(contestant, "fallbacks_", {}))
    for long, short in ((key, METRIC_NAMES[key]) for key in ("MASE[0.5]", "sMAPE[0.5]")):
        excluded = window_scores[long].isna().to_numpy()
        row[f"{short}_n_scored"] = int((~excluded).sum())
        row[f"{short}_n_excluded"] = int(excluded.sum())
        if excluded.any():
            names = [f"{entry.get('item_id')!r} (forecast from {start})"
                     for entry, start, out in zip(inputs, window_scores.index.get_level_values(-1), excluded) if out]
            warnings.warn(
                f"dataset {dataset.name!r}, model {contestant.name!r}: {short} is undefined for {len(names)} of "
                f"{len(excluded)} test windows, left out of its mean ({_UNDEFINED[short]}): "
                + ", ".join(names[:10]) + (", ..." if len(names) > 10 else ""),
                UserWarning,
                stacklevel=2,
            )
    row.update(prediction_length=h, windows=windows, wall_time_s=wall_time)
    if per_window:
        loss = sum(window_scores[f"sum_quantile_loss[{q}]"].to_numpy() for q in QUANTILE_LEVELS)
        row["per_window"] = pd.DataFrame({"MASE": window_scores["MASE[0.5]"].to_numpy(), "quantile_loss": loss,
                                          "abs_target": window_scores["sum_absolute_label"].to_numpy()})
    return row


def _evaluate_pair(pair, meta):
    dataset, model = pair
    return evaluate_contestant(model, dataset, meta["prediction_length"], meta["windows"])


def run_forecasting_benchmark(
    datasets, models, prediction_length=None, windows=1, data_root=None, progress=True, backend=None,
    backend_params=None,
):
    """Score every model on every data set.

    Parameters
    ----------
    datasets : list of str or ForecastingDataset
    models : list
        Entries accepted by :func:`make_contestant` (names, objects, factories).
    prediction_length : int, optional
        Override every data set's benchmark horizon.
    windows : int, default 1
    data_root : str or Path, optional
    progress : bool, default True
        Show a tqdm bar over (data set, model) pairs (joblib's progress messages when a
        ``backend`` runs them).
    backend : str, optional
        Run the (data set, model) pairs in parallel with sktime's ``parallelize``: "loky",
        "multiprocessing", "threading", "joblib", "dask", "ray" (see
        ``sktime.utils.parallel``). Default: one after another.
    backend_params : dict, optional
        Passed to the backend, e.g. ``{"n_jobs": 2}``.

    Returns
    -------
    pd.DataFrame
        One row per (data set, model), columns as :func:`evaluate_contestant`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = np.tile(np.arange(1, 5, dtype=np.float32), 5)
    >>> ds = ForecastingDataset("toy", "D", 4, [{"item_id": "a", "start": pd.Period("2020-01-01", "D"), "target": t}])
    >>> run_forecasting_benchmark([ds], ["seasonal_naive_gluonts"], progress=False)[["dataset", "model"]].values.tolist()
    [['toy', 'seasonal_naive_gluonts']]
    """
    from tqdm.auto import tqdm

    loaded = [load_dataset(d, data_root=data_root) if isinstance(d, str) else d for d in datasets]
    pairs = [(d, m) for d in loaded for m in models]
    if backend is not None:
        from sktime.utils.parallel import parallelize

        params = dict(backend_params or {})
        if progress and backend in ("loky", "multiprocessing", "threading"):
            params.setdefault("verbose", 10)
        meta = {"prediction_length": prediction_length, "windows": windows}
        return pd.DataFrame(parallelize(_evaluate_pair, pairs, meta=meta, backend=backend, backend_params=params))
    rows = []
    with tqdm(total=len(pairs), disable=not progress, desc="benchmark") as bar:
        for dataset, model in pairs:
            label = model if isinstance(model, str) else getattr(model, "__name__", type(model).__name__)
            bar.set_postfix_str(f"{dataset.name} / {label}")
            rows.append(evaluate_contestant(model, dataset, prediction_length, windows))
            bar.update()
    return pd.DataFrame(rows)


def relative_scores(results, baseline="seasonal_naive", metrics=("MASE", "WQL")) -> pd.DataFrame:
    """Geometric mean over data sets of each model's score divided by the baseline's.

    Parameters
    ----------
    results : pd.DataFrame
        Output of :func:`run_forecasting_benchmark`.
    baseline : str
        Model name to divide by; must be present for every data set.
    metrics : tuple of str

    Returns
    -------
    pd.DataFrame
        Index model, one column per metric.

    Examples
    --------
    >>> r = pd.DataFrame({"dataset": ["a", "a", "b", "b"], "model": ["base", "m"] * 2,
    ...                   "MASE": [1.0, 2.0, 1.0, 8.0], "WQL": [1.0, 1.0, 2.0, 2.0]})
    >>> relative_scores(r, baseline="base").loc["m"].tolist()
    [4.0, 1.0]
    """
    if baseline not in set(results["model"]):
        raise ValueError(f"baseline {baseline!r} not among the models {sorted(set(results['model']))}")
    out = {}
    for metric in metrics:
        table = results.pivot(index="dataset", columns="model", values=metric)
        if table[baseline].isna().any():
            raise ValueError(f"baseline {baseline!r} has no {metric} for some data sets")
        ratios = table.div(table[baseline], axis=0)
        out[metric] = np.exp(np.log(ratios).mean(axis=0))
    return pd.DataFrame(out).rename_axis("model")


def plot_results(results, path, metrics=("MASE", "WQL")):
    """Save grouped bar charts (one panel per metric, data sets on x, one bar per model) to ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> r = pd.DataFrame({"dataset": ["a", "a"], "model": ["x", "y"], "MASE": [1.0, 2.0], "WQL": [0.1, 0.2]})
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bars.png"
    >>> plot_results(r, p); p.stat().st_size > 0
    True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        results.pivot(index="dataset", columns="model", values=metric).plot.bar(ax=ax, rot=0)
        ax.set_title(metric)
        ax.set_xlabel("")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
