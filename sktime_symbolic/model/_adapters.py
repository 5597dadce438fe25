"""What the sktime and GluonTS adapters share, and what they ask of the pipeline
(:class:`~sktime_symbolic.model.pipeline.QuantilePipeline`).

One check each of the parameters every adapter has (``model_name``, ``device``, the seed and
``fit_strategy``), the shared pipeline they load, the forecast-input rule (two observed values
at least), their quantile forecasts and the pickled state of a pipeline. No sktime or gluonts
imports: the sktime estimators (:mod:`sktime_symbolic.forecasting`,
:mod:`sktime_symbolic.classification`, :mod:`sktime_symbolic.transformations`,
:mod:`sktime_symbolic.detection`) and the GluonTS ones (:mod:`gluonts_symbolic`) import this.

Examples
--------
>>> from sktime_symbolic.model._adapters import check_seed, check_model_name
>>> check_seed(None), check_seed(7)
(0, 7)
>>> check_model_name("no-such-model")
Traceback (most recent call last):
...
ValueError: model_name 'no-such-model' cannot be loaded: unknown model 'no-such-model', neither a directory nor one of the shipped weights ['symbolic-piece']
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path

import numpy as np
import torch

from sktime_symbolic.model.pipeline import (
    QUANTILE_LEVELS,
    QuantilePipeline,
    available_models,
    resolve_device,
    shared_pipeline,
)

#: values of ``fit_strategy`` of the sktime estimators: keep the shared weights, or fine-tune a copy in ``fit``
FIT_STRATEGIES = ("zero-shot", "fine-tune")
#: the central interval the imputer returns and the anomaly detector scores against: the outermost trained levels
INTERVAL_LEVELS = (QUANTILE_LEVELS[0], QUANTILE_LEVELS[-1])
#: fewest observed values of a series to forecast from: one value gives a flat forecast of zero spread
MIN_OBSERVED = 2
# the largest seed Lightning's seed_everything takes (it replaces larger ones by a seed of its own)
_MAX_SEED = np.iinfo(np.uint32).max


# ---------------------------------------------------------------- parameters


def check_model_name(model_name, must_exist=True):
    """``model_name`` unchanged if it is a string or path naming shipped weights or a directory.

    A directory is checked when it is loaded (:func:`load_shared_model`); anything else is a
    ValueError naming ``model_name``. ``must_exist=False`` checks the type only (for an
    estimator given its weights, whose ``model_name`` is a label).
    """
    if not isinstance(model_name, (str, os.PathLike)):
        raise ValueError(f"model_name must be a string or path, got {type(model_name).__name__}")
    if must_exist and not Path(model_name).is_dir() and str(model_name) not in available_models():
        raise ValueError(f"model_name {str(model_name)!r} cannot be loaded: unknown model {str(model_name)!r}, "
                         f"neither a directory nor one of the shipped weights {available_models()}")
    return model_name


def check_device(device) -> torch.device:
    """``device`` resolved by :func:`~sktime_symbolic.model.pipeline.resolve_device` (``"auto"``:
    CUDA when present, else CPU) and present on this machine; a bad one is a ValueError starting
    ``device:``.

    torch accepts any device string (``"cuda:7"`` on a CPU-only machine) and fails only at the
    first tensor moved there, which for a training estimator comes after training; the
    estimators check here instead, before any work.
    """
    try:
        resolved = resolve_device(device)
    except ValueError as error:
        raise ValueError(f"device: {error}") from error
    if resolved.type != "cpu":
        accelerator = torch.accelerator.current_accelerator(check_available=True)
        count = 0 if accelerator is None else torch.accelerator.device_count()
        if accelerator is None or accelerator.type != resolved.type or (resolved.index or 0) >= count:
            seen = ("no accelerator" if accelerator is None
                    else f"{count} {accelerator.type} device{'' if count == 1 else 's'}")
            raise ValueError(f"device: {str(device)!r} is not available on this machine (torch sees {seen}); "
                             "use 'cpu' or 'auto'")
    return resolved


def check_seed(seed, name="random_state") -> int:
    """The seed as an int: None means 0 (every adapter is deterministic unless given another seed).

    Anything but None or an integer in ``[0, 2**32 - 1]`` (the range Lightning seeds with) is a
    ValueError naming ``name``.
    """
    if seed is None:
        return 0
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= _MAX_SEED:
        raise ValueError(f"{name} must be None or a non-negative integer (at most {_MAX_SEED}), got {seed!r}")
    return int(seed)


def check_fit_strategy(fit_strategy) -> str:
    """``fit_strategy`` unchanged if it is one of :data:`FIT_STRATEGIES`."""
    if not isinstance(fit_strategy, str) or fit_strategy not in FIT_STRATEGIES:
        raise ValueError(f"fit_strategy must be one of {FIT_STRATEGIES}, got {fit_strategy!r}")
    return fit_strategy


def load_shared_model(model_name, device) -> QuantilePipeline:
    """The shared (read-only) pipeline of ``model_name`` on ``device``, once both are checked;
    a pipeline that does not load is a ValueError naming ``model_name``."""
    check_model_name(model_name)
    resolved = check_device(device)
    try:
        return shared_pipeline(model_name, resolved)
    except ValueError as error:
        raise ValueError(f"model_name {str(model_name)!r} cannot be loaded: {error}") from error


# ---------------------------------------------------------------- inputs


def check_forecastable(values: np.ndarray, where: str) -> np.ndarray:
    """``values`` (a series already checked by ``check_series``) if it holds at least
    :data:`MIN_OBSERVED` observed values; a ValueError naming ``where`` otherwise.

    The pipeline forecasts a one-value context as a constant with an interval of zero width,
    which would look like certainty; the adapters refuse it instead.
    """
    observed = int(np.count_nonzero(~np.isnan(values)))
    if observed < MIN_OBSERVED:
        plural = "" if observed == 1 else "s"
        raise ValueError(f"{where} has {observed} observed value{plural}; forecasting needs at least {MIN_OBSERVED} "
                         "observed values (from one, the forecast is flat with an interval of zero width)")
    return values


# ---------------------------------------------------------------- the pipeline


def forecast_quantiles(pipeline, series, prediction_length, levels, batch_size=256,
                       season=None) -> tuple[np.ndarray, np.ndarray]:
    """``(quantiles (n, len(levels), h) in the order of levels, mean (n, h))`` of a list of series
    (``season``: one for all or one each; None or 0: detected)."""
    levels = np.asarray(levels, dtype=np.float64)
    order = np.argsort(levels, kind="stable")
    quantiles, mean = pipeline.predict_quantiles(series, prediction_length, quantile_levels=levels,
                                                 batch_size=int(batch_size), season=season)
    # the pipeline returns sorted levels
    out = np.empty_like(quantiles)
    out[:, order] = quantiles
    return out, mean


def pipeline_from_state(state: dict, device="auto") -> QuantilePipeline:
    """The pipeline a ``to_state()`` dict describes, on ``device``."""
    if not isinstance(state, dict) or "codec" not in state:
        raise ValueError("not the state of a QuantilePipeline (QuantilePipeline.to_state)")
    return QuantilePipeline.from_state(state, device)
