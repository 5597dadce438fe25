"""Benchmark protocol: published seasonal-naive scores, bad inputs, contestants, CLI."""

import contextlib
import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest
from gluonts.model.forecast import QuantileForecast
from sktime.forecasting.naive import NaiveForecaster

from sktime_symbolic.benchmarks import (
    QUANTILE_LEVELS,
    Contestant,
    evaluate_contestant,
    make_contestant,
    make_test_data,
    relative_scores,
    run_forecasting_benchmark,
)
from sktime_symbolic.benchmarks.__main__ import main
from sktime_symbolic.datasets import ForecastingDataset, get_data_root, load_dataset


def _real_root():
    try:
        root = get_data_root()
    except FileNotFoundError:
        pytest.skip("benchmark data not available")
    if not (root / "m4" / "Hourly-train.csv").is_file():
        pytest.skip("benchmark data not available")
    return root


# published Chronos seasonal-naive scores (shared/data/README.md)
PUBLISHED = {
    "m4_hourly": (48, 1.193, 0.0483),
    "m4_weekly": (13, 2.777, 0.0634),
    "etth": (24, 0.932, 0.1221),
    "exchange_rate": (30, 1.740, 0.0130),
}


@pytest.mark.parametrize("name", list(PUBLISHED))
@pytest.mark.parametrize("model", ["seasonal_naive", "seasonal_naive_gluonts"])
def test_seasonal_naive_reproduces_published_scores(name, model):
    dataset = load_dataset(name, data_root=_real_root())
    h, mase, wql = PUBLISHED[name]
    row = evaluate_contestant(model, dataset)
    assert row["prediction_length"] == h
    assert round(row["MASE"], 3) == mase
    assert round(row["WQL"], 4) == wql


def _toy(lengths=(40, 30), h=4, freq="D"):
    rng = np.random.default_rng(0)
    entries = [
        {
            "item_id": f"s{i}",
            "start": pd.Period("2020-01-01", freq),
            "target": (10 + np.sin(np.arange(n) * 2 * np.pi / 7) + rng.normal(0, 0.1, n)).astype(np.float32),
        }
        for i, n in enumerate(lengths)
    ]
    return ForecastingDataset("toy", freq, h, entries)


def test_perfect_seasonal_forecast_has_zero_quantile_and_percentage_error():
    pattern = (np.arange(24) % 7 + 1).astype(np.float32)  # hourly data: seasonal period 24
    entry = {"item_id": "p", "start": pd.Period("2020-01-06 00:00", "h"), "target": np.tile(pattern, 4)}
    row = evaluate_contestant("seasonal_naive_gluonts", ForecastingDataset("p", "h", 24, [entry]))
    assert row["WQL"] == 0 and row["sMAPE"] == 0


def test_rolling_windows_hold_out_consecutive_blocks():
    ds = _toy()
    train, test = make_test_data(ds, windows=3)
    assert [len(x["target"]) for x in train] == [28, 18]
    assert [len(x["target"]) for x in test.input] == [28, 32, 36, 18, 22, 26]
    row = evaluate_contestant("theta", ds, windows=3)
    assert row["windows"] == 3 and np.isfinite([row["MASE"], row["WQL"], row["sMAPE"]]).all()


def test_probabilistic_sktime_contestant_has_lower_wql_than_its_point_version():
    from sktime.forecasting.theta import ThetaForecaster
    from sktime_symbolic.benchmarks import SktimeContestant

    ds = _toy(lengths=(80, 90, 100), h=7)
    point = evaluate_contestant(SktimeContestant(ThetaForecaster(sp=7), quantiles=False), ds)
    proba = evaluate_contestant(SktimeContestant(ThetaForecaster(sp=7), quantiles=True), ds)
    assert point["MASE"] == pytest.approx(proba["MASE"], rel=1e-6)  # same median
    assert proba["WQL"] < point["WQL"]


def test_horizon_longer_than_series_names_dataset_and_series():
    with pytest.raises(ValueError, match=r"dataset 'toy', series 's1'"):
        evaluate_contestant("seasonal_naive", _toy(), prediction_length=30)
    with pytest.raises(ValueError, match="prediction_length"):
        make_test_data(_toy(), prediction_length=0)


class _Broken(Contestant):
    def __init__(self, mode):
        super().__init__(f"broken_{mode}")
        self.mode = mode

    def predict(self, inputs, freq, prediction_length):
        out = []
        for entry in inputs:
            length = prediction_length - 1 if self.mode == "short" and entry["item_id"] == "s1" else prediction_length
            values = np.ones((10, length))
            if self.mode == "nan" and entry["item_id"] == "s1":
                values[:, 2] = np.nan
            keys = [str(q) for q in QUANTILE_LEVELS] + ["mean"]
            out.append(QuantileForecast(values, start_date=entry["start"] + len(entry["target"]), forecast_keys=keys))
        return out


@pytest.mark.parametrize("mode, message", [("short", "length 3, expected 4"), ("nan", "NaN")])
def test_bad_forecasts_name_model_dataset_and_series(mode, message):
    with pytest.raises(ValueError, match=rf"'broken_{mode}' on dataset 'toy', series 's1'.*{message}"):
        evaluate_contestant(_Broken(mode), _toy())


def test_unknown_model_and_wrongly_configured_predictor():
    from gluonts.model.seasonal_naive import SeasonalNaivePredictor

    with pytest.raises(ValueError, match="unknown model 'nope'"):
        evaluate_contestant("nope", _toy())
    with pytest.raises(ValueError, match="prediction_length=9"):
        evaluate_contestant(SeasonalNaivePredictor(prediction_length=9, season_length=7), _toy())
    with pytest.raises(ValueError, match="cannot use int"):
        make_contestant(3, "D", 4)


def test_objects_and_factories_plug_in_like_names():
    from gluonts.model.seasonal_naive import SeasonalNaivePredictor
    from sktime.forecasting.naive import NaiveForecaster
    from sktime_symbolic.benchmarks import SktimeContestant

    ds = _toy()
    by_name = evaluate_contestant("seasonal_naive_gluonts", ds)
    by_object = evaluate_contestant(SeasonalNaivePredictor(prediction_length=4, season_length=1), ds)
    by_sktime = evaluate_contestant(
        lambda freq, h: SktimeContestant(NaiveForecaster(strategy="last", sp=1), quantiles=False), ds
    )
    for metric in ("MASE", "WQL", "sMAPE"):
        assert by_object[metric] == pytest.approx(by_name[metric])
        assert by_sktime[metric] == pytest.approx(by_name[metric], rel=1e-6)


def test_parallel_backend_gives_same_scores_as_sequential():
    from sktime.forecasting.naive import NaiveForecaster

    sequential = evaluate_contestant(NaiveForecaster(strategy="last", sp=7), _toy())
    forecaster = NaiveForecaster(strategy="last", sp=7).set_config(
        **{"backend:parallel": "threading", "backend:parallel:params": {"n_jobs": 2}}
    )
    parallel = evaluate_contestant(forecaster, _toy())
    assert parallel["MASE"] == sequential["MASE"] and parallel["WQL"] == sequential["WQL"]


@pytest.mark.parametrize("backend", ["loky", "dask"])
def test_contestants_run_side_by_side_on_a_parallel_backend(backend):
    models = ["seasonal_naive", "seasonal_naive_gluonts", "theta"]
    sequential = run_forecasting_benchmark([_toy()], models, progress=False)
    parallel = run_forecasting_benchmark(
        [_toy()], models, progress=False, backend=backend, backend_params={"n_jobs": 2} if backend == "loky" else None
    )
    assert list(parallel["model"]) == models
    columns = ["dataset", "model", "MASE", "WQL", "sMAPE"]
    pd.testing.assert_frame_equal(parallel[columns], sequential[columns])


def test_relative_scores_geometric_mean_and_missing_baseline():
    results = pd.DataFrame(
        {"dataset": ["a", "a", "b", "b"], "model": ["base", "m", "base", "m"], "MASE": [2, 1, 1, 2], "WQL": [1, 4, 1, 1]}
    )
    rel = relative_scores(results, baseline="base")
    assert rel.loc["m", "MASE"] == pytest.approx(1.0) and rel.loc["m", "WQL"] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="baseline 'x'"):
        relative_scores(results, baseline="x")


def test_tiny_trained_gluonts_estimator_is_seeded_and_leaves_no_checkpoints(tmp_path, monkeypatch):
    from gluonts.torch.model.simple_feedforward import SimpleFeedForwardEstimator

    def tiny(freq, h):
        return SimpleFeedForwardEstimator(
            prediction_length=h,
            context_length=8,
            hidden_dimensions=[8],
            batch_size=8,
            num_batches_per_epoch=2,
            trainer_kwargs={"max_epochs": 1, "enable_progress_bar": False, "logger": False},
        )

    monkeypatch.chdir(tmp_path)
    first = evaluate_contestant(tiny, _toy())
    second = evaluate_contestant(tiny, _toy())
    assert np.isfinite(first["WQL"]) and first["WQL"] == second["WQL"]
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_table_csv_and_png(tmp_path, capsys):
    m4 = tmp_path / "data" / "m4"
    m4.mkdir(parents=True)
    rng = np.random.default_rng(1)
    train = pd.DataFrame(rng.uniform(1, 2, (3, 120)), index=["W1", "W2", "W3"])
    test = pd.DataFrame(rng.uniform(1, 2, (3, 13)), index=["W1", "W2", "W3"])
    train.to_csv(m4 / "Weekly-train.csv")
    test.to_csv(m4 / "Weekly-test.csv")
    out = tmp_path / "out"
    main(["forecasting", "--datasets", "m4_weekly", "--models", "seasonal_naive,seasonal_naive_gluonts",
          "--data-root", str(tmp_path / "data"), "--output", str(out)])
    results = pd.read_csv(out / "results.csv")
    assert list(results["model"]) == ["seasonal_naive", "seasonal_naive_gluonts"]
    assert results["MASE"].iloc[0] == pytest.approx(results["MASE"].iloc[1])
    assert (out / "results.png").stat().st_size > 0
    assert "geometric mean" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="unknown model"):
        main(["forecasting", "--models", "nope", "--output", str(out)])


def test_sktime_forecaster_failure_names_dataset_and_series():
    from sktime.forecasting.theta import ThetaForecaster

    hours = pd.Period("2020-01-01 00:00", "h")
    entries = [
        {"item_id": "positive", "start": hours, "target": np.arange(1, 60, dtype=np.float32)},
        {"item_id": "negative", "start": hours, "target": -np.arange(1, 60, dtype=np.float32)},
    ]
    with pytest.raises(RuntimeError, match="dataset 'toy'.*series 'negative'.*negative values"):
        # multiplicative deseasonalising (the default) rejects non-positive series
        evaluate_contestant(ThetaForecaster(sp=24), ForecastingDataset("toy", "h", 4, entries))


# ---- issue 23 items 6-8: harness input checks, probabilistic and panel sktime forecasters, ragged panels


def _entry(item_id="s0", n=40, freq="D", start="2020-01-01"):
    return {"item_id": item_id, "start": pd.Period(start, freq),
            "target": (10 + np.sin(np.arange(n))).astype(np.float32)}


def test_constant_series_is_left_out_of_mase_counted_and_named():
    constant = dict(_entry("flat"), target=np.full(40, 5.0, np.float32))
    ds = ForecastingDataset("toy", "D", 4, [_entry(), constant])
    with pytest.warns(UserWarning, match=r"dataset 'toy'.*MASE is undefined for 1 of 2 test windows.*'flat'"):
        row = evaluate_contestant("seasonal_naive_gluonts", ds)
    alone = evaluate_contestant("seasonal_naive_gluonts", ForecastingDataset("toy", "D", 4, [_entry()]))
    assert row["MASE"] == pytest.approx(alone["MASE"], rel=1e-6)  # the mean of the scored series only
    assert (row["n_series"], row["MASE_n_scored"], row["MASE_n_excluded"]) == (2, 1, 1)
    assert (row["sMAPE_n_scored"], row["sMAPE_n_excluded"]) == (2, 0)  # flat forecast of a flat series: 0


def test_string_start_becomes_a_period_of_the_data_set_frequency():
    given = dict(_entry("s1"), start="2020-01-01")
    ds = ForecastingDataset("toy", "D", 4, [_entry(), given])
    assert ds.entries[1]["start"] == pd.Period("2020-01-01", "D") and given["start"] == "2020-01-01"
    assert np.isfinite(evaluate_contestant("seasonal_naive", ds)["MASE"])


def test_probabilistic_sktime_forecaster_is_scored_with_its_quantiles():
    from sktime.forecasting.naive import NaiveForecaster
    from sktime.forecasting.theta import ThetaForecaster
    from sktime_symbolic.benchmarks import SktimeContestant

    ds = _toy(lengths=(80, 90, 100), h=7)
    auto = evaluate_contestant(ThetaForecaster(sp=7), ds)  # capability:pred_int: predict_quantiles by default
    explicit = evaluate_contestant(SktimeContestant(ThetaForecaster(sp=7), quantiles=True), ds)
    assert auto["quantiles"] == "model" and auto["WQL"] == pytest.approx(explicit["WQL"], rel=1e-6)
    point = evaluate_contestant("seasonal_naive", ds)
    assert point["quantiles"] == "point"
    with pytest.raises(ValueError, match="cannot predict quantiles"):
        SktimeContestant(_NoIntervals(), quantiles=True)
    with pytest.raises(ValueError, match="cannot fit a panel"):
        SktimeContestant(NaiveForecaster(), panel=True)


class _NoIntervals:
    """Stands in for an sktime forecaster without capability:pred_int (only its tags are read)."""

    def get_tag(self, name, default=None):
        return {"capability:pred_int": False, "y_inner_mtype": "pd.Series"}.get(name, default)


def _ragged_hourly():
    rng = np.random.default_rng(0)
    return ForecastingDataset("ragged", "h", 24, [
        {"item_id": f"s{i}", "start": pd.Period("2020-01-01 00:00", "h") + shift,
         "target": (10 + np.sin(np.arange(n) * 2 * np.pi / 24) + rng.normal(0, 0.1, n)).astype(np.float32)}
        for i, (n, shift) in enumerate([(200, 0), (230, 5), (260, 40)])
    ])


def test_panel_forecaster_is_fitted_once_and_matches_per_series_and_gluonts(monkeypatch):
    from gluonts_symbolic import SymbolicFMPredictor
    from sktime_symbolic.benchmarks import SktimeContestant, _contestants
    from sktime_symbolic.forecasting import SymbolicFMForecaster

    fits = []
    fit_clone = _contestants._fit_clone
    monkeypatch.setattr(_contestants, "_fit_clone", lambda *a: fits.append(a[1]) or fit_clone(*a))
    ds = _ragged_hourly()  # the series end at different times
    panel = evaluate_contestant(SymbolicFMForecaster(), ds)
    assert len(fits) == 1 and fits[0].index.nlevels == 2  # one clone on the whole panel
    per_series = evaluate_contestant(SktimeContestant(SymbolicFMForecaster(), panel=False), ds)
    assert len(fits) == 4
    gluonts = evaluate_contestant(SymbolicFMPredictor(prediction_length=24), ds)
    for metric in ("MASE", "WQL", "sMAPE"):
        assert panel[metric] == pytest.approx(per_series[metric], rel=1e-5)
        assert panel[metric] == pytest.approx(gluonts[metric], rel=1e-5)
    point = evaluate_contestant(SktimeContestant(SymbolicFMForecaster(), quantiles=False), ds)
    assert point["MASE"] == pytest.approx(panel["MASE"], rel=1e-5) and point["WQL"] > panel["WQL"]


def test_relative_fh_on_a_ragged_panel_warns_and_names_the_instance():
    from sktime.forecasting.base import ForecastingHorizon
    from sktime_symbolic.forecasting import SymbolicFMForecaster

    y = _ragged_hourly().to_sktime()
    forecaster = SymbolicFMForecaster().fit(y, fh=[1, 2])
    with pytest.warns(UserWarning, match=r"fh is relative.*instance 's0' ends at 2020-01-09 07:00.*not after its own"):
        forecaster.predict()
    cutoff = forecaster.cutoff[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # absolute fh: no warning
        forecaster.predict(fh=ForecastingHorizon(pd.PeriodIndex([cutoff + 1, cutoff + 2]), is_relative=False))
        aligned = ForecastingDataset("aligned", "D", 4, [_entry("a"), _entry("b", start="2020-01-05", n=36)])
        SymbolicFMForecaster().fit(aligned.to_sktime(), fh=[1, 2]).predict()


def test_stat_ensemble_is_registered_with_the_season_and_a_capped_context():
    from sktime_symbolic.benchmarks import MeanEnsembleContestant, list_contestants

    assert "stat_ensemble" in list_contestants()
    contestant = make_contestant("stat_ensemble", "h", 48)
    assert isinstance(contestant, MeanEnsembleContestant) and contestant.max_context == 2500
    # each member falls back to seasonal naive where it cannot fit a series
    chains = [m.forecaster.forecasters for m in contestant.members]
    forecasters = [chain[0][1] for chain in chains]
    assert [type(f).__name__ for f in forecasters] == [
        "StatsForecastAutoETS", "StatsForecastAutoARIMA", "StatsForecastAutoCES", "StatsForecastAutoTheta"]
    assert [f.get_params().get("season_length", f.get_params().get("sp")) for f in forecasters] == [24] * 4
    assert all(len(chain) == 2 and chain[1][1].get_params()["sp"] == 24 for chain in chains)
    assert forecasters[3].model == "DOTM" and all(m.quantiles for m in contestant.members)
    assert [m.name for m in contestant.members] == ["autoets", "autoarima", "autoces", "dotm"]
    assert not any(m.panel for m in contestant.members)  # a failure replaces a member on that series alone


class _FailsOnShortSeries(NaiveForecaster):
    """A forecaster that cannot fit series of fewer than 6 values (as AutoCES cannot fit some)."""

    def _fit(self, y, X=None, fh=None):
        if len(y) < 6:
            raise RuntimeError("no model able to be fitted")
        return super()._fit(y, X, fh)


def test_an_ensemble_member_falls_back_where_it_cannot_fit_and_names_the_series():
    from sktime.forecasting.compose import FallbackForecaster
    from sktime_symbolic.benchmarks import MeanEnsembleContestant, SktimeContestant

    entries = [{"item_id": "short", "start": pd.Period("2020-01-01", "D"), "target": np.array([1.0, 2.0, 3.0, 4.0])},
               {"item_id": "long", "start": pd.Period("2020-01-01", "D"), "target": np.arange(8.0)}]
    chain = FallbackForecaster([("picky", _FailsOnShortSeries(strategy="mean")),
                                ("last", NaiveForecaster(strategy="last"))])
    members = [SktimeContestant(chain, name="picky", quantiles=False, panel=False),
               SktimeContestant(NaiveForecaster(strategy="last"), name="last", quantiles=False)]
    ensemble = MeanEnsembleContestant(members)
    with pytest.warns(UserWarning, match=r"picky: fell back on 1 of 2 series: 'short' \(picky at fit: no model"):
        forecasts = ensemble.predict(entries, "D", 2)
    # the short series: both members forecast the last value; the long one: mean 3.5 and last 7
    assert forecasts[0].quantile(0.5).tolist() == [4.0, 4.0] and forecasts[1].quantile(0.5).tolist() == [5.25, 5.25]
    assert list(ensemble.fallbacks_) == ["short"] and "no model able to be fitted" in ensemble.fallbacks_["short"][0]
    dataset = ForecastingDataset("toy", "D", 2, [dict(e, target=np.append(e["target"], [0.0, 0.0])) for e in entries])
    with pytest.warns(UserWarning, match="fell back"):
        row = evaluate_contestant(ensemble, dataset)
    assert row["n_fallback_series"] == 1


def test_mean_ensemble_averages_quantiles_on_the_capped_context():
    from sktime.forecasting.naive import NaiveForecaster
    from sktime_symbolic.benchmarks import MeanEnsembleContestant, SktimeContestant

    members = [SktimeContestant(NaiveForecaster(strategy=s), quantiles=False) for s in ("last", "mean")]
    entry = {"item_id": "a", "start": pd.Period("2020-01-01", "D"), "target": np.array([9.0, 1.0, 2.0, 6.0])}
    forecast = MeanEnsembleContestant(members, max_context=3).predict([entry], "D", 2)[0]
    # last 6, mean of the last three values 3: the mean is 4.5, at every level (point members)
    assert forecast.quantile(0.1).tolist() == [4.5, 4.5] and forecast.start_date == pd.Period("2020-01-05", "D")
    with pytest.raises(ValueError, match="max_context"):
        MeanEnsembleContestant(members, max_context=0)



def _no_point_predict(self, *args, **kwargs):
    raise AssertionError("a probabilistic contestant called predict besides predict_quantiles")


def test_symbolic_fm_scores_equal_its_gluonts_predictor(monkeypatch):
    """The sktime path (one panel, season from the index) scores as the GluonTS path (season from each entry)."""
    from sktime_symbolic.benchmarks import SktimeContestant
    from sktime_symbolic.forecasting import SymbolicFMForecaster

    # the model runs once per data set: the point forecast is the median of predict_quantiles
    monkeypatch.setattr(SymbolicFMForecaster, "predict", _no_point_predict)
    ds = _toy(lengths=(40, 30, 35, 28), freq="M")  # ragged ends: the panel aligns them, the forecasts keep theirs
    contestant = make_contestant("symbolic_fm", "M", 4)
    assert isinstance(contestant, SktimeContestant) and contestant.panel and contestant.quantiles
    sktime_row = evaluate_contestant("symbolic_fm", ds)
    gluonts_row = evaluate_contestant("symbolic_fm_gluonts", ds)
    assert sktime_row["quantiles"] == gluonts_row["quantiles"] == "model"
    for metric in ("MASE", "WQL", "sMAPE"):
        assert sktime_row[metric] == pytest.approx(gluonts_row[metric], rel=1e-5)


def test_per_series_probabilistic_contestant_takes_its_point_from_the_median(monkeypatch):
    from sktime.forecasting.theta import ThetaForecaster
    from sktime_symbolic.benchmarks import SktimeContestant

    monkeypatch.setattr(ThetaForecaster, "predict", _no_point_predict)
    entry = {"item_id": "a", "start": pd.Period("2020-01-01", "D"), "target": 10 + np.sin(np.arange(30.0))}
    contestant = SktimeContestant(ThetaForecaster(sp=7, deseasonalize_model="additive"), quantiles=True)
    forecast = contestant.predict([entry], "D", 3)[0]
    np.testing.assert_array_equal(forecast.mean, forecast.quantile(0.5))



def _dask_client():
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client

    return Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None)


@pytest.fixture(scope="module")
def panel_toy():
    """70 monthly series with ragged ends, and symbolic_fm's scores on them in one process."""
    ds = _toy(lengths=tuple(30 + i % 11 for i in range(70)), freq="M")
    return ds, evaluate_contestant("symbolic_fm", ds)


@pytest.mark.parametrize("backend, cluster, n_jobs", [
    ("dask", None, 2),  # dask's local scheduler, as the command line runs it
    ("dask", _dask_client, 2),  # a dask.distributed cluster the caller started
    # one ray worker: starting ray and a worker that imports torch is most of this test's time
    pytest.param("ray", None, 1, marks=pytest.mark.skipif(
        importlib.util.find_spec("ray") is None, reason="ray is not installed (the distributed extra)")),
])
def test_symbolic_fm_runs_on_the_harness_backend(backend, cluster, n_jobs, panel_toy, monkeypatch):
    """--backend reaches SymbolicFMForecaster's backend:parallel: its shards run there, scores unchanged."""
    import sktime.utils.parallel
    from sktime_symbolic.benchmarks.__main__ import _contestants
    from sktime_symbolic.forecasting import symbolic_fm

    ds, alone = panel_toy
    # shards of one batch (64 series), so the toy panel's 70 series are two tasks on the backend
    monkeypatch.setattr(symbolic_fm, "SHARD_BATCHES", 1)
    calls = []
    original = sktime.utils.parallel.parallelize

    def spy(fun, iter, meta=None, backend=None, backend_params=None):
        items = list(iter)
        calls.append((backend, len(items)))
        return original(fun, items, meta=meta, backend=backend, backend_params=backend_params)

    monkeypatch.setattr(sktime.utils.parallel, "parallelize", spy)
    with cluster() if cluster else contextlib.nullcontext():
        spread = evaluate_contestant(_contestants(["symbolic_fm"], backend, n_jobs)[0], ds)
    assert calls == [(backend, 2)]
    assert spread["model"] == "symbolic_fm"
    for metric in ("MASE", "WQL", "sMAPE"):
        assert spread[metric] == pytest.approx(alone[metric], rel=1e-5)
