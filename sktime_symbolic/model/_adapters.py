"""What the sktime and GluonTS adapters ask of the pipeline
(:class:`~sktime_symbolic.model.quantile_pipeline.QuantilePipeline`)."""

from __future__ import annotations

import numpy as np

from sktime_symbolic.model.quantile_pipeline import QuantilePipeline


def forecast_quantiles(pipeline, series, prediction_length, levels, batch_size=256) -> tuple[np.ndarray, np.ndarray]:
    """``(quantiles (n, len(levels), h) in the order of levels, mean (n, h))`` of a list of series."""
    levels = np.asarray(levels, dtype=np.float64)
    order = np.argsort(levels, kind="stable")
    quantiles, mean = pipeline.predict_quantiles(series, prediction_length, quantile_levels=levels,
                                                 batch_size=int(batch_size))
    # the pipeline returns sorted levels
    out = np.empty_like(quantiles)
    out[:, order] = quantiles
    return out, mean


def pipeline_from_state(state: dict, device="auto") -> QuantilePipeline:
    """The pipeline a ``to_state()`` dict describes, on ``device``."""
    if not isinstance(state, dict) or "codec" not in state:
        raise ValueError("not the state of a QuantilePipeline (QuantilePipeline.to_state)")
    return QuantilePipeline.from_state(state, device)
