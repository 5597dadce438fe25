"""Fine-tuning a pretrained pipeline on a user's series (Lightning, framework-free otherwise).

Training examples are windows cut at random forecast origins of the given series: the
``prediction_length`` values after the origin are the horizon, up to ``context_length``
values before it the context. Every batch is a pure function of ``(seed, batch index)``.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import time
import warnings

import lightning as L
import numpy as np
import torch

from sktime_symbolic.model._checks import check_positive_int, check_positive_number
from sktime_symbolic.model.experts import check_seasons
from sktime_symbolic.model.pipeline import QuantilePipeline, _as_series_list
from sktime_symbolic.model.pretrain import QuantileLM, WindowStream, batch_maker, training_strategy

# fewest context values before a forecast origin
MIN_CONTEXT = 8


def _too_short(longest: int, prediction_length: int) -> str:
    return (f"no series is long enough to fine-tune on: a window needs at least {MIN_CONTEXT + prediction_length} "
            f"values ({MIN_CONTEXT} context + {prediction_length} to predict), the longest series has {longest}")


def fine_tuning_horizon(series, wanted, model_horizon, shorten=True) -> int:
    """Horizon of the fine-tuning windows of ``series``: the one rule of :func:`fine_tune` and
    of every estimator that fine-tunes.

    The horizon is ``wanted`` (None: ``model_horizon``), at most ``model_horizon`` (one forward
    pass covers it; longer forecasts roll it forward) and, with ``shorten``, at most what the
    longest series holds after ``MIN_CONTEXT`` context values, so that it holds one window.
    A ValueError says so when no series is long enough for a window of ``MIN_CONTEXT`` values
    plus that horizon (with ``shorten``: plus one value).

    Parameters
    ----------
    series : list of 1D arrays
    wanted : int or None
    model_horizon : int, the model's ``cfg.prediction_length``
    shorten : bool, default=True
        Shorten the horizon to fit the longest series (the sktime estimators, whose horizon
        is a wish), or refuse series too short for it (:func:`fine_tune`, GluonTS's estimator).

    Examples
    --------
    >>> import numpy as np
    >>> fine_tuning_horizon([np.zeros(20), np.zeros(100)], None, 64)
    64
    >>> fine_tuning_horizon([np.zeros(20)], 12, 64)
    12
    >>> fine_tuning_horizon([np.zeros(20)], None, 64)
    12
    >>> fine_tuning_horizon([np.zeros(8)], 1, 64)
    Traceback (most recent call last):
    ...
    ValueError: no series is long enough to fine-tune on: a window needs at least 9 values (8 context + 1 to predict), the longest series has 8
    """
    lengths = [len(x) for x in series]
    if not lengths:
        raise ValueError("no series to fine-tune on")
    model_horizon = check_positive_int("model_horizon", model_horizon)
    h = min(check_positive_int("prediction_length", model_horizon if wanted is None else wanted), model_horizon)
    longest = max(lengths)
    if shorten:
        h = max(1, min(h, longest - MIN_CONTEXT))
    if longest < MIN_CONTEXT + h:
        raise ValueError(_too_short(longest, h))
    return h


class SeriesWindows:
    """``windows(rng)``: one training window (context, horizon, season) cut from the given series.

    A series is drawn with probability proportional to its number of possible origins, then
    an origin uniformly; series shorter than ``MIN_CONTEXT + prediction_length`` are never
    drawn. :class:`~sktime_symbolic.model.pretrain.WindowStream` makes the batches.

    Parameters
    ----------
    series : list of 1D float arrays (NaN = missing)
    context_length : int, longest context of a window
    prediction_length : int, horizon of the training windows
    seasons : int, list of ints or None, the series' seasons (None or 0: detected), as the
        pipeline's ``season``
    """

    def __init__(self, series, context_length, prediction_length, seasons=None):
        self.series = [np.asarray(x, dtype=np.float64) for x in series]
        self.seasons = check_seasons(seasons, len(self.series))
        self.context_length, self.prediction_length = int(context_length), int(prediction_length)
        origins = np.array([max(0, len(x) - self.prediction_length - MIN_CONTEXT + 1) for x in self.series])
        if origins.sum() == 0:
            raise ValueError(_too_short(max(len(x) for x in self.series), self.prediction_length))
        self._cumulative = np.cumsum(origins)

    def __call__(self, rng):
        draw = int(rng.integers(0, self._cumulative[-1]))
        i = int(np.searchsorted(self._cumulative, draw, side="right"))
        origin = MIN_CONTEXT + draw - (int(self._cumulative[i - 1]) if i else 0)
        x = self.series[i]
        return (x[max(0, origin - self.context_length):origin], x[origin:origin + self.prediction_length],
                int(self.seasons[i]))


class NetworkWindows:
    """``windows(rng)``: ``windows``' triples as ``pipeline``'s networks read them at inference: a
    window told a season whose network forecasts the mean over the context and the seasonally
    adjusted context (:class:`~sktime_symbolic.model.pipeline.QuantilePipeline`'s
    ``"seasonal_adjustment"``) is, one time in two, adjusted, its horizon too."""

    def __init__(self, windows, pipeline):
        self.windows, self.pipeline = windows, pipeline

    def __call__(self, rng):
        context, horizon, season = self.windows(rng)
        if not self.pipeline.asks_for("seasonal_adjustment", np.array([season]))[0] or rng.random() < 0.5:
            return context, horizon, season
        (adjusted,), removed = self.pipeline.seasonally_adjusted([context], [season], len(horizon))
        return adjusted, self.pipeline.with_season(horizon[None], removed, inverse=True)[0], season


@contextlib.contextmanager
def quiet_lightning():
    """Silence Lightning's banners and its no-validation notice: estimators fine-tune inside
    ``fit``, possibly once per fold of a grid search, where they are noise."""
    logger = logging.getLogger("lightning.pytorch.utilities.rank_zero")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*defined a `validation_step` but have no `val_dataloader`")
            # Lightning 2.6's own use of a torch API that torch 2.13 deprecates; nothing a user can act on
            warnings.filterwarnings("ignore", message=".*isinstance\\(treespec, LeafSpec\\)")
            yield
    finally:
        logger.setLevel(level)


def fine_tune(pipeline, series, prediction_length=None, max_steps=100, lr=1e-4, batch_size=32,
              seed=0, trainer_kwargs=None, progress=False, season=None) -> QuantilePipeline:
    """A fine-tuned copy of ``pipeline`` (the given pipeline is left unchanged): pinball loss of
    its quantile head on windows of the given series.

    Parameters
    ----------
    pipeline : QuantilePipeline
    series : 1D array, 2D array (one series per row) or list of 1D arrays; NaN is missing
    prediction_length : int or None, horizon of the training windows (None, or more than the
        model's ``cfg.prediction_length``: the model's, which one forward pass covers; longer
        forecasts roll it forward); a ValueError when no series holds ``MIN_CONTEXT`` values
        plus this horizon (:func:`fine_tuning_horizon` without ``shorten``)
    max_steps : int, optimiser steps
    lr : float, peak learning rate (linear warm-up over a tenth of the steps, cosine decay)
    batch_size : int, windows per step
    seed : int, seeds the windows and Lightning
    trainer_kwargs : dict, passed to :class:`lightning.Trainer` (accelerator, devices,
        precision, callbacks, default_root_dir, ...); by default no logger and no checkpoints
    progress : bool, show Lightning's progress bar and messages (quiet by default)
    season : int, list of ints (one per series) or None, the seasons the model is told, as in
        ``QuantilePipeline.predict_quantiles`` (None or 0: detected)

    Returns
    -------
    A QuantilePipeline on ``pipeline``'s device with ``pipeline``'s codec, its card extended with
    the fine-tuning budget.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_symbolic.model import load_pretrained
    >>> from sktime_symbolic.model.finetune import fine_tune
    >>> pipe = load_pretrained("symbolic-piece", device="cpu")
    >>> tuned = fine_tune(pipe, np.sin(np.arange(400) / 5), prediction_length=24, max_steps=2, batch_size=4)
    >>> tuned.card["fine_tuning"]["steps"]
    2
    """
    if not isinstance(pipeline, QuantilePipeline):
        raise ValueError(f"pipeline must be a QuantilePipeline, got {type(pipeline).__name__}")
    series, _ = _as_series_list(series, "series")
    if prediction_length is not None:
        check_positive_int("prediction_length", prediction_length)
    for name, value in (("max_steps", max_steps), ("batch_size", batch_size)):
        check_positive_int(name, value)
    check_positive_number("lr", lr)
    # one forward pass covers the model's horizon; longer forecasts roll it forward
    h = fine_tuning_horizon(series, prediction_length, pipeline.cfg.prediction_length, shorten=False)
    data = WindowStream(NetworkWindows(SeriesWindows(series, pipeline.context_length, h, season), pipeline),
                        batch_maker(pipeline.codec, pipeline.cfg), batch_size, seed)
    module = QuantileLM.from_pipeline(pipeline, lr=lr, warmup_steps=max(1, max_steps // 10), max_steps=max_steps)
    L.seed_everything(seed, workers=True, verbose=False)
    options = dict(max_steps=max_steps, logger=False, enable_checkpointing=False, enable_model_summary=False,
                   enable_progress_bar=progress, gradient_clip_val=1.0, accelerator="cpu"
                   if pipeline.device.type == "cpu" else "auto")
    options.update(trainer_kwargs or {})
    options.setdefault("strategy", training_strategy(pipeline.cfg, options["accelerator"], options.get("devices", "auto")))
    started = time.perf_counter()
    with contextlib.nullcontext() if progress else quiet_lightning():
        trainer = L.Trainer(**options)
        trainer.fit(module, train_dataloaders=torch.utils.data.DataLoader(data, batch_size=None, num_workers=0))
    card = copy.deepcopy(pipeline.card)
    card["fine_tuning"] = {"steps": int(trainer.global_step), "batch_size": int(batch_size), "lr": float(lr),
                           "prediction_length": int(h), "n_series": len(series), "seed": int(seed),
                           "wall_time_s": time.perf_counter() - started}
    return QuantilePipeline(module.model.cpu().eval(), pipeline.codec, device=pipeline.device, card=card)
