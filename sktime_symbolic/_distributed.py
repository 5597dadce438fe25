"""Forecasting a panel shard by shard on sktime's parallel backends.

The sktime estimators of the symbolic model forecast a panel in contiguous shards of
instances, handed to :func:`sktime.utils.parallel.parallelize` with the estimator's own
``backend:parallel`` and ``backend:parallel:params`` config: ``None`` (one process, the
default), ``"loky"``, ``"multiprocessing"``, ``"threading"``, ``"joblib"``, ``"dask"`` or
``"ray"``. No scheduler of our own: the engine places the shards.

A worker is told how to get the weights, not given them when it can load them itself: a
zero-shot estimator sends its ``model_name`` and ``device``, and the worker takes the
process-wide :func:`~sktime_symbolic.model.shared_pipeline`, so the weights load once per
worker process whatever the number of shards. A fine-tuned pipeline travels as its state
(CPU weights, codec, card: what the estimators pickle) with a digest, and each worker
rebuilds it once and keeps it for the next shards.

Each shard is forecast in batches of ``batch_size`` series, so a worker holds one shard's
series and quantiles at a time (:data:`SHARD_BATCHES` batches), whatever the panel's size.
A shard travels packed (:class:`PackedShard`: its values end to end and where each series
starts), two arrays rather than thousands: dask hashes and ray copies a shard in one go, and the
driver, which shares the machine with the workers, spends little time sending it.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from sktime_symbolic.model._adapters import forecast_quantiles, load_shared_model, pipeline_from_state

#: batches of ``batch_size`` series per shard: large enough that sending a shard costs little
#: against forecasting it, small enough that a worker's memory stays a few batches wide
SHARD_BATCHES = 16
# fine-tuned pipelines a worker keeps, by digest (an estimator's predict sends one)
_STATE_CACHE_SIZE = 4
_STATE_CACHE: OrderedDict = OrderedDict()


@dataclass(frozen=True)
class PackedShard:
    """Series of a shard end to end: ``values`` (float64) and the ``offsets`` where each starts and the last ends.

    Examples
    --------
    >>> shard = PackedShard.pack([np.arange(3.0), np.arange(2.0)])
    >>> len(shard), [s.tolist() for s in shard.series()]
    (2, [[0.0, 1.0, 2.0], [0.0, 1.0]])
    """

    values: np.ndarray
    offsets: np.ndarray

    @classmethod
    def pack(cls, series) -> "PackedShard":
        lengths = [len(s) for s in series]
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        values = np.concatenate(series).astype(np.float64, copy=False) if lengths else np.empty(0)
        return cls(values, offsets)

    def series(self) -> list[np.ndarray]:
        """The series, as views of ``values``."""
        return [self.values[a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:])]

    def __len__(self) -> int:
        return len(self.offsets) - 1


def shard_bounds(n_items: int, shard_size: int) -> list[tuple[int, int]]:
    """Contiguous ``(start, stop)`` ranges of at most ``shard_size`` items covering ``range(n_items)``.

    Examples
    --------
    >>> shard_bounds(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    return [(start, min(start + shard_size, n_items)) for start in range(0, n_items, shard_size)]


def pipeline_payload(pipeline, model_name, device) -> dict:
    """What a worker needs to get ``pipeline``: a reference to shared weights, or its state.

    Parameters
    ----------
    pipeline : QuantilePipeline
        The estimator's pipeline.
    model_name, device
        The estimator's parameters; when ``pipeline`` is their shared pipeline, only these travel.

    Returns
    -------
    dict
        ``{"model_name", "device"}`` or ``{"state", "digest", "device"}``.
    """
    if pipeline is load_shared_model(model_name, device):
        return {"model_name": str(model_name), "device": device}
    state = pipeline.to_state()
    digest = hashlib.blake2b(digest_size=16)
    for name, tensor in sorted(state["weights"].items()):
        digest.update(name.encode())
        digest.update(tensor.numpy().tobytes())
    return {"state": state, "digest": digest.hexdigest(), "device": device}


def worker_pipeline(payload: dict):
    """The pipeline a :func:`pipeline_payload` describes, loaded at most once per process.

    Examples
    --------
    >>> from sktime_symbolic.model import shared_pipeline
    >>> worker_pipeline({"model_name": "symbolic-piece", "device": "cpu"}) is shared_pipeline(device="cpu")
    True
    """
    if "state" not in payload:
        return load_shared_model(payload["model_name"], payload["device"])
    key = (payload["digest"], str(payload["device"]))
    if key in _STATE_CACHE:
        _STATE_CACHE.move_to_end(key)
        return _STATE_CACHE[key]
    pipe = pipeline_from_state(payload["state"], payload["device"])
    _STATE_CACHE[key] = pipe
    while len(_STATE_CACHE) > _STATE_CACHE_SIZE:
        _STATE_CACHE.popitem(last=False)
    return pipe


def _forecast_shard(shard: PackedShard, meta):
    """Quantiles (len(shard), len(levels), horizon) of one shard; module-level so backends pickle it."""
    pipe = worker_pipeline(meta["pipeline"])
    quantiles, _ = forecast_quantiles(pipe, shard.series(), meta["horizon"], meta["levels"], meta["batch_size"],
                                      season=meta["season"])
    return quantiles


def forecast_sharded(shards, payload, horizon, levels, batch_size, season=None, backend=None, backend_params=None,
                     n_shards=None):
    """Quantile forecasts of an iterable of shards (lists of series) on an sktime parallel backend.

    Parameters
    ----------
    shards : iterable of list of 1D float arrays
        Packed one by one as they are taken (:class:`PackedShard`); consumed lazily by the
        backends that take a generator (none, the joblib ones).
    payload : dict
        From :func:`pipeline_payload`.
    horizon : int
        Steps to forecast.
    levels : sequence of float
        Quantile levels, returned in this order.
    batch_size : int
        Series per forward pass inside a shard.
    season : int or None
        One season for every series (None: detected per series).
    backend, backend_params
        As :func:`sktime.utils.parallel.parallelize` takes them (an estimator's
        ``backend:parallel`` and ``backend:parallel:params`` config).
    n_shards : int or None
        Length of ``shards``, for the progress bar (tqdm, shown on a terminal when there are
        several shards; it counts shards as the backend takes them).

    Returns
    -------
    iterable of np.ndarray
        One array (shard size, len(levels), horizon) per shard, in order. Without a backend, a
        generator: each shard is forecast when its result is taken, so a caller that keeps only
        what it needs of each holds one shard's quantiles at a time.
    """
    from sktime.utils.parallel import parallelize

    meta = {"pipeline": payload, "horizon": int(horizon), "levels": np.asarray(levels, dtype=np.float64),
            "batch_size": int(batch_size), "season": season}
    shards = tqdm((PackedShard.pack(shard) for shard in shards), total=n_shards, desc="forecast", unit="shard",
                  disable=True if n_shards is not None and n_shards < 2 else None)
    if backend is None:
        return (_forecast_shard(shard, meta) for shard in shards)
    return parallelize(_forecast_shard, shards, meta=meta, backend=backend, backend_params=backend_params)
