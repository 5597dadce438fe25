"""Loaders: synthetic files in tmp_path, bad inputs, and the real data when present."""

import gzip

import numpy as np
import pandas as pd
import pytest

from sktime_symbolic.datasets import (
    ForecastingDataset,
    entries_to_panel,
    get_data_root,
    load_dataset,
    read_ett,
    read_exchange_rate,
    read_long_csv,
    read_m4,
    read_tsf,
)


def _write_m4(root):
    m4 = root / "m4"
    m4.mkdir(parents=True)
    (m4 / "Hourly-train.csv").write_text('"V1","V2","V3","V4","V5"\n"H1",1,2,3,4\n"H2",5,6,,\n')
    (m4 / "Hourly-test.csv").write_text('"V1","V2","V3"\n"H1",7,8\n"H2",9,10\n')


def test_read_m4_concatenates_train_and_test_and_drops_row_padding(tmp_path):
    _write_m4(tmp_path)
    entries = read_m4(tmp_path / "m4" / "Hourly-train.csv", tmp_path / "m4" / "Hourly-test.csv", freq="h")
    assert [e["item_id"] for e in entries] == ["H1", "H2"]
    np.testing.assert_array_equal(entries[0]["target"], [1, 2, 3, 4, 7, 8])
    np.testing.assert_array_equal(entries[1]["target"], [5, 6, 9, 10])
    assert entries[0]["target"].dtype == np.float32
    assert entries[0]["start"].freqstr == "h"


def test_load_dataset_by_name_from_explicit_root_and_env_var(tmp_path, monkeypatch):
    _write_m4(tmp_path)
    ds = load_dataset("m4_hourly", data_root=tmp_path)
    assert (ds.name, ds.freq, ds.prediction_length, len(ds)) == ("m4_hourly", "h", 48, 2)
    monkeypatch.setenv("SKTIME_SYMBOLIC_DATA", str(tmp_path))
    assert get_data_root() == tmp_path
    assert len(load_dataset("m4_hourly")) == 2


def test_read_m4_rejects_gap_inside_series(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text('"V1","V2","V3","V4"\n"H1",1,,3\n')
    with pytest.raises(ValueError, match="H1"):
        read_m4(path)


def test_read_ett_one_entry_per_column(tmp_path):
    path = tmp_path / "ETTh1.csv"
    path.write_text("date,HUFL,OT\n2016-07-01 00:00:00,1.5,2\n2016-07-01 01:00:00,3,4\n2016-07-01 02:00:00,5,6\n")
    entries = read_ett(path)
    assert [e["item_id"] for e in entries] == ["ETTh1/HUFL", "ETTh1/OT"]
    np.testing.assert_array_equal(entries[0]["target"], np.array([1.5, 3, 5], dtype=np.float32))
    assert entries[0]["start"] == pd.Period("2016-07-01 00:00", "h")
    with pytest.raises(ValueError, match="unknown columns"):
        read_ett(path, columns=["nope"])


def test_read_exchange_rate_gzip_business_days(tmp_path):
    path = tmp_path / "exchange_rate.txt.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("0.5,1.5\n0.6,1.4\n0.7,1.3\n")
    entries = read_exchange_rate(path)
    assert len(entries) == 2
    np.testing.assert_allclose(entries[1]["target"], [1.5, 1.4, 1.3], rtol=1e-6)
    assert entries[0]["start"].freqstr == "B"


def test_read_tsf_parses_attributes_frequency_and_missing(tmp_path):
    path = tmp_path / "toy.tsf"
    path.write_text(
        "# comment\n@relation toy\n@attribute series_name string\n@attribute start_timestamp date\n"
        "@frequency hourly\n@horizon 3\n@missing true\n@equallength false\n@data\n"
        "A:2020-01-01 05-00-00:1,2,3\nB:2020-01-02 00-00-00:4,?,6,7\n"
    )
    entries, meta = read_tsf(path)
    assert meta["frequency"] == "h" and meta["horizon"] == 3
    assert [e["item_id"] for e in entries] == ["A", "B"]
    assert entries[0]["start"] == pd.Period("2020-01-01 05:00", "h")
    assert np.isnan(entries[1]["target"][1]) and len(entries[1]["target"]) == 4


def test_read_tsf_rejects_unknown_frequency(tmp_path):
    path = tmp_path / "bad.tsf"
    path.write_text("@attribute series_name string\n@frequency fortnightly\n@data\nA:1,2\n")
    with pytest.raises(ValueError, match="fortnightly"):
        read_tsf(path)


def test_read_long_csv_infers_frequency_and_sorts(tmp_path):
    path = tmp_path / "long.csv"
    rows = ["id,timestamp,value", "b,2020-01-03,3", "a,2020-01-01,1", "a,2020-01-02,2", "a,2020-01-03,3"]
    rows += ["b,2020-01-01,1", "b,2020-01-02,2"]
    path.write_text("\n".join(rows) + "\n")
    entries = read_long_csv(path)
    assert [e["item_id"] for e in entries] == ["b", "a"]
    np.testing.assert_array_equal(entries[0]["target"], [1, 2, 3])
    assert entries[0]["start"] == pd.Period("2020-01-01", "D")


def test_read_long_csv_rejects_gaps_and_missing_columns(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("id,timestamp,value\na,2020-01-01,1\na,2020-01-02,2\na,2020-01-05,3\n")
    with pytest.raises(ValueError, match="'a'"):
        read_long_csv(path, freq="D")
    with pytest.raises(ValueError, match="missing columns"):
        read_long_csv(path, value_col="y")


def test_unknown_name_and_missing_files_raise_clearly(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'm5'"):
        load_dataset("m5", data_root=tmp_path)
    with pytest.raises(FileNotFoundError, match="Weekly-train.csv"):
        load_dataset("m4_weekly", data_root=tmp_path)
    with pytest.raises(FileNotFoundError, match="not a directory"):
        load_dataset("etth", data_root=tmp_path / "absent")


def test_gluonts_and_sktime_views_agree():
    entries = [
        {"item_id": "a", "start": pd.Period("2020-01-01", "D"), "target": np.arange(3, dtype=np.float32)},
        {"item_id": "b", "start": pd.Period("2020-02-01", "D"), "target": np.arange(2, dtype=np.float32)},
    ]
    ds = ForecastingDataset("toy", "D", 1, entries)
    panel = ds.to_sktime()
    from sktime.datatypes import check_is_mtype

    assert check_is_mtype(panel, "pd-multiindex") is True
    assert panel.loc["b"]["value"].tolist() == [0.0, 1.0]
    gluonts_entries = list(ds.to_gluonts())
    assert gluonts_entries[1]["target"].dtype == np.float32
    assert gluonts_entries[1]["start"] == pd.Period("2020-02-01", "D")
    with pytest.raises(ValueError, match="no entries"):
        entries_to_panel([])


def _real_root():
    try:
        root = get_data_root()
    except FileNotFoundError:
        pytest.skip("benchmark data not available")
    if not (root / "m4" / "Hourly-train.csv").is_file():
        pytest.skip("benchmark data not available")
    return root


@pytest.mark.parametrize(
    "name, n_series, freq", [("m4_hourly", 414, "h"), ("m4_weekly", 359, "W"), ("etth", 14, "h"), ("exchange_rate", 8, "B")]
)
def test_real_datasets_shape(name, n_series, freq):
    ds = load_dataset(name, data_root=_real_root())
    assert len(ds) == n_series and ds.freq == freq
    assert all(e["target"].dtype == np.float32 and np.isfinite(e["target"]).all() for e in ds.entries)


# ---- issue 23 item 6: a data set is checked when it is built


def _entry(item_id="s0", freq="D", n=10):
    return {"item_id": item_id, "start": pd.Period("2020-01-01", freq), "target": np.arange(n, dtype=np.float32)}


@pytest.mark.parametrize("change, freq, message", [
    (lambda e: dict(e, target=np.ones((10, 2), np.float32)), "D", r"entry 1 \(item_id 's1'\): target has shape \(10, 2\)"),
    (lambda e: dict(e, target=np.array([1.0, np.inf, 2.0])), "D", r"entry 1 \(item_id 's1'\): target is inf at position\(s\) \[1\]"),
    (lambda e: dict(e, start=pd.Period("2020-01-01 05:00", "h")), "D", r"entry 1 \(item_id 's1'\): start .* frequency 'h', the data set has 'D'"),
    (lambda e: dict(e, target=np.array([], np.float32)), "D", r"entry 1 \(item_id 's1'\): target is empty"),
    (lambda e: dict(e, target=["a", "b"]), "D", r"entry 1 \(item_id 's1'\): target is not numeric"),
    (lambda e: {"item_id": "s1", "target": e["target"]}, "D", r"entry 1 \(item_id 's1'\): no start"),
    (lambda e: dict(e, start="not a date"), "D", r"entry 1 \(item_id 's1'\): start 'not a date' is not a time"),
    (lambda e: e, "D!", r"dataset 'toy': freq 'D!' is not a pandas frequency"),
])
def test_dataset_names_the_entry_and_the_problem(change, freq, message):
    with pytest.raises(ValueError, match=message):
        ForecastingDataset("toy", freq, 2, [_entry("s0"), change(_entry("s1"))])


def test_dataset_checks_horizon_and_converts_string_start_and_list_target():
    with pytest.raises(ValueError, match="dataset 'toy': prediction_length must be a positive int, got 0"):
        ForecastingDataset("toy", "D", 0, [_entry()])
    ds = ForecastingDataset("toy", "W", 2, [{"item_id": "a", "start": "2020-01-05", "target": [1, 2, np.nan]}])
    entry = ds.entries[0]
    assert entry["start"] == pd.Period("2020-01-05", "W") and entry["target"].dtype == np.float32
    assert np.isnan(entry["target"][-1])  # a missing value is kept
