"""What the sktime and GluonTS adapters ask of a pipeline, whichever model it holds.

:class:`~sktime_symbolic.model.SymbolicPipeline` samples token paths (``num_samples``,
``temperature``, ``top_k``); :class:`~sktime_symbolic.model.quantile_pipeline.QuantilePipeline`
forecasts quantiles in one pass and has no token sampler, so ``temperature`` and ``top_k``
other than their defaults are an error there rather than silently ignored.
"""

from __future__ import annotations

import numpy as np

from sktime_symbolic.model.pipeline import SymbolicPipeline


def sampling_options(pipeline, num_samples, temperature=1.0, top_k=None, seed=0, batch_size=64) -> dict:
    """Keyword arguments of ``pipeline.forecast`` / ``predict_quantiles`` for the given settings."""
    if isinstance(pipeline, SymbolicPipeline):
        return {"num_samples": int(num_samples), "temperature": float(temperature), "top_k": top_k,
                "seed": int(seed), "batch_size": int(batch_size)}
    if float(temperature) != 1.0 or top_k is not None:
        name = pipeline.card.get("name", type(pipeline).__name__)
        raise ValueError(f"temperature and top_k tune token sampling; {name} forecasts quantiles directly: "
                         "leave them at 1.0 and None")
    return {"num_samples": int(num_samples), "seed": int(seed), "batch_size": int(batch_size)}


def forecast_quantiles(pipeline, series, prediction_length, levels, options) -> tuple[np.ndarray, np.ndarray]:
    """``(quantiles (n, len(levels), h) in the order of levels, mean (n, h))`` of a list of series."""
    levels = np.asarray(levels, dtype=np.float64)
    order = np.argsort(levels, kind="stable")
    if isinstance(pipeline, SymbolicPipeline):
        quantiles, mean = pipeline.predict_quantiles(series, prediction_length, quantile_levels=levels, **options)
    else:
        quantiles, mean = pipeline.predict_quantiles(series, prediction_length, quantile_levels=levels,
                                                     batch_size=options["batch_size"])
    # the pipelines return sorted levels
    out = np.empty_like(quantiles)
    out[:, order] = quantiles
    return out, mean


def pipeline_from_state(state: dict, device="auto"):
    """The pipeline a ``to_state()`` dict describes (either model), on ``device``."""
    if "codec" in state:
        from sktime_symbolic.model.quantile_pipeline import QuantilePipeline

        return QuantilePipeline.from_state(state, device)
    return SymbolicPipeline.from_state(state, device)
