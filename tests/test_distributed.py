"""SymbolicFMForecaster on sktime's parallel backends: shards of a panel on loky, dask and ray.

dask's distributed scheduler and ray come with the ``distributed`` extra; their tests skip
without it. Each test forecasts a small panel in several shards (batch_size 2, so a shard is
``SHARD_BATCHES * 2`` series) and compares with one process at float32 tolerance.
"""

import numpy as np
import pandas as pd
import pytest

from sktime_symbolic import _distributed
from sktime_symbolic._distributed import SHARD_BATCHES
from sktime_symbolic.forecasting import SymbolicFMForecaster

N_SERIES, LENGTH, H = 3 * SHARD_BATCHES * 2 + 5, 60, 6
LEVELS = [0.1, 0.5, 0.9]


def _panel(n=N_SERIES, length=LENGTH, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    values = 10 + np.cumsum(rng.normal(size=(n, length)), axis=1) + 3 * np.sin(2 * np.pi * t / 12)
    index = pd.MultiIndex.from_product([[f"s{i:03d}" for i in range(n)], pd.period_range("2000-01", periods=length,
                                                                                         freq="M")])
    return pd.DataFrame({"y": values.ravel()}, index=index)


def _assert_close(a, b):
    """Equal forecasts to float32 rounding (relative 1e-5, absolute 1e-6 of the data's spread)."""
    pd.testing.assert_index_equal(a.index, b.index)
    spread = float(np.ptp(b.to_numpy()))
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-5, atol=1e-6 * spread)


@pytest.fixture(scope="module")
def panel():
    return _panel()


@pytest.fixture(scope="module")
def reference(panel):
    """predict and predict_quantiles in one process."""
    forecaster = SymbolicFMForecaster(device="cpu", batch_size=2).fit(panel, fh=np.arange(1, H + 1))
    return forecaster.predict(), forecaster.predict_quantiles(alpha=LEVELS)


def _on(backend, params, panel, **kwargs):
    forecaster = SymbolicFMForecaster(device="cpu", batch_size=2, **kwargs)
    forecaster.set_config(**{"backend:parallel": backend, "backend:parallel:params": params})
    forecaster.fit(panel, fh=np.arange(1, H + 1))
    return forecaster.predict(), forecaster.predict_quantiles(alpha=LEVELS)


def test_shards_are_contiguous_and_bounded(panel, reference, monkeypatch):
    """One process forecasts shard by shard, in order, never more than SHARD_BATCHES batches at once."""
    seen = []
    original = _distributed._forecast_shard

    def spy(series, meta):
        seen.append(len(series))
        return original(series, meta)

    monkeypatch.setattr(_distributed, "_forecast_shard", spy)
    point, quantiles = _on(None, None, panel)
    assert seen[:4] == [SHARD_BATCHES * 2, SHARD_BATCHES * 2, SHARD_BATCHES * 2, 5]
    _assert_close(point, reference[0])
    _assert_close(quantiles, reference[1])
    # the median of predict_quantiles is predict
    np.testing.assert_allclose(quantiles.iloc[:, 1].to_numpy(), point.iloc[:, 0].to_numpy(), rtol=1e-12)


def test_loky_matches_one_process(panel, reference):
    point, quantiles = _on("loky", {"n_jobs": 2}, panel)
    _assert_close(point, reference[0])
    _assert_close(quantiles, reference[1])


def test_fine_tuned_weights_travel_to_workers(panel):
    """A fine-tuned forecaster's workers use its weights (sent as state), not the shipped ones."""
    kwargs = {"fit_strategy": "fine-tune", "fine_tune_steps": 2, "fine_tune_batch_size": 4, "random_state": 3}
    here = SymbolicFMForecaster(device="cpu", batch_size=2, **kwargs).fit(panel, fh=np.arange(1, H + 1)).predict()
    point, _ = _on("loky", {"n_jobs": 2}, panel, **kwargs)
    _assert_close(point, here)
    payload = _distributed.pipeline_payload(_distributed.load_shared_model("symbolic-piece", "cpu"),
                                            "symbolic-piece", "cpu")
    assert "state" not in payload  # the shared weights travel by name


def test_dask_local_cluster_matches_one_process_and_loads_weights_once(panel, reference):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        point, quantiles = _on("dask", {}, panel)

        def loads():
            from sktime_symbolic.model.pipeline import _shared

            return _shared.cache_info().misses

        per_worker = client.run(loads)
    _assert_close(point, reference[0])
    _assert_close(quantiles, reference[1])
    # 2 calls x 4 shards ran on the workers; each that ran one loaded the weights once
    assert set(per_worker.values()) <= {0, 1} and sum(per_worker.values()) >= 1


def test_ray_matches_one_process(panel, reference):
    pytest.importorskip("ray")
    params = {"ray_remote_args": {"num_cpus": 2, "include_dashboard": False, "log_to_driver": False}}
    point, quantiles = _on("ray", params, panel)
    _assert_close(point, reference[0])
    _assert_close(quantiles, reference[1])


def test_bad_backend_is_sktimes_error(panel):
    forecaster = SymbolicFMForecaster(device="cpu").set_config(**{"backend:parallel": "no-such-backend"})
    forecaster.fit(panel, fh=[1])
    with pytest.raises(KeyError, match="no-such-backend"):
        forecaster.predict()
