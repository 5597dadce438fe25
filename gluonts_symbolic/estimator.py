"""GluonTS estimator: fine-tune the symbolic foundation model (or train one from scratch) with Lightning.

The model is a :class:`~sktime_symbolic.model.pipeline.QuantilePipeline` (by default
the shipped ``symbolic-piece``), trained by its
:class:`~sktime_symbolic.model.pretrain.QuantileLM` (pinball loss) on windows of the
training series encoded with the pipeline's own codec.
"""

from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path

import lightning as L
import numpy as np
import torch
from gluonts.core.component import validated
from gluonts.torch.model.estimator import PyTorchLightningEstimator, TrainOutput
from gluonts.transform import MapTransformation

from gluonts_symbolic.predictor import FORECAST_TYPES, SymbolicFMPredictor, checked_target
from sktime_symbolic.model import DEFAULT_MODEL, QuantilePipeline
from sktime_symbolic.model._adapters import check_seed, load_shared_model
from sktime_symbolic.model._checks import check_positive_int, check_positive_number
from sktime_symbolic.model.experts import season_length
from sktime_symbolic.model.finetune import MIN_CONTEXT, SeriesWindows, fine_tuning_horizon, quiet_lightning
from sktime_symbolic.model.pretrain import QuantileLM, WindowStream, batch_maker, training_strategy


def _entry_season(entry) -> int:
    """The season of an entry's frequency (its ``start``), as the predictor tells it."""
    return season_length(getattr(entry.get("start"), "freqstr", None))


def _batches(base, module):
    """``(make_batch(contexts, horizons), context_length)`` of ``module``'s training windows,
    encoded with ``base``'s codec."""
    return batch_maker(base.codec, module.model.cfg), base.context_length


class UnivariateTarget(MapTransformation):
    """Checks an entry (univariate, finite or NaN, no dynamic covariates) and stores its target as
    float64, as the predictor reads it (the scaling statistics keep the digits of a level of 1e9).

    Examples
    --------
    >>> import numpy as np
    >>> entry = next(iter(UnivariateTarget().apply([{"target": [1.0, np.nan, 3.0]}], is_train=True)))
    >>> entry["target"].dtype
    dtype('float64')
    >>> list(UnivariateTarget().apply([{"target": [1.0, 2.0]}, {"target": [1.0, np.inf]}], is_train=True))
    Traceback (most recent call last):
    ...
    ValueError: entry 1 (item_id None): target contains inf; only NaN (missing) is allowed
    """

    @validated()
    def __init__(self) -> None:
        pass

    def __call__(self, data_it, is_train: bool):
        # errors name an entry by its position in the dataset, as the predictor's do: item_id is often absent
        for index, data in enumerate(data_it):
            yield self._checked(data, f"entry {index}")

    def map_transform(self, data, is_train: bool):
        return self._checked(data, "entry")

    @staticmethod
    def _checked(data, where):
        if isinstance(data, dict):
            where = f"{where} (item_id {data.get('item_id')!r})"
        target = checked_target(data, where)
        # a new dict: the caller's entries stay as they were
        return {**data, "target": target}


def _checked_entries(transformation, dataset, name):
    """The transformed entries of ``dataset``; a bad entry is a ValueError naming ``name`` and the entry."""
    try:
        return list(transformation.apply(dataset, is_train=True))
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from error


class SymbolicFMEstimator(PyTorchLightningEstimator):
    """Fine-tune a shipped symbolic model on a GluonTS dataset, or train one from scratch.

    Trains the quantile encoder ``model_name`` names (default ``symbolic-piece``) with the
    pinball loss of its quantile head. Training batches are windows cut at random
    forecast origins of the training series
    (:class:`~sktime_symbolic.model.pretrain.WindowStream` over
    :class:`~sktime_symbolic.model.finetune.SeriesWindows`, a pure function of ``seed``);
    validation scores the last ``prediction_length`` values of each validation series, and
    the checkpoint with the lowest ``val_loss`` becomes the predictor. Without validation
    data the final weights do.

    Parameters
    ----------
    prediction_length : int
        Horizon of the training windows and of the predictor. The model trains on at most
        its own horizon (64 steps for ``symbolic-piece``: one forward pass covers it, longer
        forecasts roll the median forward).
    model_name : str, default=sktime_symbolic.model.DEFAULT_MODEL ("symbolic-piece")
        Shipped weights (or a saved pipeline directory) to start from; their codec is used in
        every case.
    from_scratch : bool, default=False
        ``True``: random weights with ``model_name``'s architecture (and its codec).
    max_steps : int, default=100
        Optimiser steps.
    lr : float, default=1e-4
        Peak learning rate (AdamW, linear warm-up, cosine decay to a tenth).
    batch_size : int, default=32
        Windows per step (per process under DDP).
    warmup_steps : int or None, default=None
        ``None``: a tenth of ``max_steps``.
    weight_decay : float, default=0.1
    seed : int or None, default=0
        Seeds the windows, the initial weights (from scratch), Lightning and the returned
        predictor's sampling; None means 0, as in every adapter.
    ckpt_dir : str or None, default=None
        Directory for checkpoints; default ``trainer_kwargs["default_root_dir"]/checkpoints``,
        else a temporary directory removed after training.
    val_check_interval : int or None, default=None
        Steps between validations (``None``: a fifth of ``max_steps``).
    trainer_kwargs : dict or None, default=None
        Passed to :class:`lightning.Trainer` (``accelerator``, ``devices``, ``strategy="ddp"``,
        ``precision``, ``callbacks``, ``default_root_dir``, ...); the estimator keeps its own
        copy and never changes the given dict or callbacks list.
    num_samples, forecast_type, device
        Of the returned :class:`SymbolicFMPredictor` (``num_samples``: sample paths with
        ``forecast_type="samples"``).
    predict_batch_size : int, default=64
        ``batch_size`` of the returned predictor.

    Raises
    ------
    ValueError
        On bad parameters (at construction, not after training).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> data = [{"start": pd.Period("2020-01-01", "h"), "target": np.sin(np.arange(300) / 4)}]
    >>> estimator = SymbolicFMEstimator(prediction_length=12, max_steps=2, batch_size=4, device="cpu",
    ...                                 trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False})
    >>> predictor = estimator.train(data)                   # fine-tunes symbolic-piece
    >>> type(predictor.pipeline).__name__, predictor.pipeline.card["fine_tuning"]["steps"]
    ('QuantilePipeline', 2)
    >>> next(predictor.predict(data)).quantile(0.5).shape
    (12,)
    """

    @validated()
    def __init__(self, prediction_length, model_name=DEFAULT_MODEL, from_scratch=False, max_steps=100, lr=1e-4,
                 batch_size=32, warmup_steps=None, weight_decay=0.1, seed=0, ckpt_dir=None,
                 val_check_interval=None, trainer_kwargs=None, num_samples=20, forecast_type="quantiles",
                 predict_batch_size=64, device="auto"):
        if trainer_kwargs is not None and not isinstance(trainer_kwargs, dict):
            raise ValueError(f"trainer_kwargs must be a dict or None, got {type(trainer_kwargs).__name__}")
        trainer_kwargs = dict(trainer_kwargs or {})
        if "max_steps" in trainer_kwargs:
            raise ValueError("pass max_steps to the estimator, not in trainer_kwargs: it also sets the "
                             "learning-rate schedule")
        if not isinstance(trainer_kwargs.get("callbacks", []), (list, tuple)):
            raise ValueError("trainer_kwargs['callbacks'] must be a list of Lightning callbacks")
        super().__init__(trainer_kwargs=trainer_kwargs, lead_time=0)
        self.prediction_length = check_positive_int("prediction_length", prediction_length)
        self.max_steps = check_positive_int("max_steps", max_steps)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.warmup_steps = (max(1, self.max_steps // 10) if warmup_steps is None
                             else check_positive_int("warmup_steps", warmup_steps))
        self.val_check_interval = (max(1, self.max_steps // 5) if val_check_interval is None
                                   else check_positive_int("val_check_interval", val_check_interval))
        check_positive_number("lr", lr)
        if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)) or not weight_decay >= 0:
            raise ValueError(f"weight_decay must be a non-negative number, got {weight_decay!r}")
        seed = check_seed(seed, "seed")
        if not isinstance(from_scratch, (bool, np.bool_)):
            raise ValueError(f"from_scratch must be True or False, got {from_scratch!r}")
        if forecast_type not in FORECAST_TYPES:
            raise ValueError(f"forecast_type must be one of {FORECAST_TYPES}, got {forecast_type!r}")
        self.lr, self.weight_decay = float(lr), float(weight_decay)
        self.seed, self.from_scratch, self.model_name = seed, bool(from_scratch), model_name
        self.ckpt_dir = None if ckpt_dir is None else str(ckpt_dir)
        self.predictor_kwargs = dict(num_samples=num_samples, forecast_type=forecast_type,
                                     batch_size=predict_batch_size, device=device, seed=seed)
        # fail now, not after training, on bad predictor parameters or a model_name that does not load
        SymbolicFMPredictor(self.prediction_length, model_name=model_name, **self.predictor_kwargs)
        self._base_pipeline()

    # ------------------------------------------------------------------ GluonTS estimator API

    def _base_pipeline(self) -> QuantilePipeline:
        """``model_name``'s shared pipeline, read-only: the modules copy its weights."""
        return load_shared_model(self.model_name, "cpu")

    def create_transformation(self) -> UnivariateTarget:
        return UnivariateTarget()

    def create_lightning_module(self, base=None, from_scratch=None) -> QuantileLM:
        """A :class:`~sktime_symbolic.model.pretrain.QuantileLM` with ``base``'s architecture
        (default ``model_name``'s pipeline), starting from its weights, or from random ones when
        ``from_scratch`` (default: the estimator's)."""
        base = self._base_pipeline() if base is None else base
        from_scratch = self.from_scratch if from_scratch is None else from_scratch
        hparams = dict(lr=self.lr, weight_decay=self.weight_decay, warmup_steps=self.warmup_steps,
                       max_steps=self.max_steps)
        if from_scratch:
            return QuantileLM(base.cfg.to_dict(), **hparams)
        return QuantileLM.from_pipeline(base, **hparams)

    def create_training_data_loader(self, data, module, base=None, start_step=0, **kwargs):
        """Endless DataLoader of seeded window batches from the (transformed) entries' targets,
        encoded with ``base``'s codec (default ``model_name``'s), beginning with those of
        optimiser step ``start_step``."""
        series = [entry["target"] for entry in data]
        if not series:
            raise ValueError("training data is empty")
        # each series is told the season of its frequency, as the predictor tells it
        seasons = [_entry_season(entry) for entry in data]
        base = self._base_pipeline() if base is None else base
        make_batch, context_length = _batches(base, module)
        # the predictor's horizon, at most the model's (one forward pass; longer forecasts roll
        # forward); series too short for it are not drawn, and none long enough is an error
        horizon = fine_tuning_horizon(series, self.prediction_length, module.model.cfg.prediction_length,
                                      shorten=False)
        # DDP processes split the batches of each step (rank from torch.distributed when iterating)
        windows = WindowStream(SeriesWindows(series, context_length, horizon, seasons), make_batch, self.batch_size,
                               self.seed, start_batch=start_step)
        return torch.utils.data.DataLoader(windows, batch_size=None, num_workers=0)

    def create_validation_data_loader(self, data, module, base=None, **kwargs):
        """Fixed batches: the last ``prediction_length`` values of each series are the horizon
        (the model scores the first ``cfg.prediction_length`` of them, as it trains)."""
        h = self.prediction_length
        base = self._base_pipeline() if base is None else base
        make_batch, context_length = _batches(base, module)
        # each series told the season of its frequency, as in training and in the predictor
        pairs = [(entry["target"][:-h][-context_length:], entry["target"][-h:], _entry_season(entry)) for entry in data
                 if len(entry["target"]) >= MIN_CONTEXT + h and not np.isnan(entry["target"][:-h]).all()]
        if not pairs:
            raise ValueError(f"no validation series is long enough: each needs at least {MIN_CONTEXT + h} values "
                             f"({MIN_CONTEXT} context + prediction_length {h}) with an observed context value")
        chunks = [pairs[i:i + self.batch_size] for i in range(0, len(pairs), self.batch_size)]
        batches = [make_batch([c for c, _, _ in chunk], [t for _, t, _ in chunk], seasons=[s for _, _, s in chunk])
                   for chunk in chunks]
        return torch.utils.data.DataLoader(batches, batch_size=None, shuffle=False)

    def create_predictor(self, transformation, module, base=None, card: dict | None = None) -> SymbolicFMPredictor:
        """A predictor over a CPU pipeline holding a copy of the module's weights and ``base``'s
        codec (default ``model_name``'s)."""
        base = self._base_pipeline() if base is None else base
        model = copy.deepcopy(module.model).cpu().eval()
        pipeline = QuantilePipeline(model, base.codec, device="cpu", card=card if card is not None else base.card)
        return SymbolicFMPredictor(self.prediction_length, model_name=self.model_name, pipeline=pipeline,
                                   **self.predictor_kwargs)

    # ------------------------------------------------------------------ training

    def _trainer_options(self, checkpoint, validating, cfg):
        # Lightning's progress bar on, as in GluonTS's own estimators; trainer_kwargs can turn it off
        options = dict(accelerator="auto", logger=False, enable_model_summary=False, enable_progress_bar=True,
                       gradient_clip_val=1.0)
        if validating:
            # the training stream never ends an epoch: validate every so many steps instead
            options.update(val_check_interval=min(self.val_check_interval, self.max_steps),
                           check_val_every_n_epoch=None, num_sanity_val_steps=0)
        user = dict(self.trainer_kwargs)
        # a new list: the user's callbacks list is neither consumed nor extended
        callbacks = [checkpoint, *user.pop("callbacks", [])]
        options.update(user)
        options.setdefault("strategy", training_strategy(cfg, options["accelerator"], options.get("devices", "auto")))
        return dict(options, max_steps=self.max_steps, callbacks=callbacks)

    def _checkpoint_dir(self, scratch):
        if self.ckpt_dir is not None:
            return self.ckpt_dir
        if self.trainer_kwargs.get("default_root_dir") is not None:
            return str(Path(self.trainer_kwargs["default_root_dir"]) / "checkpoints")
        return scratch

    def train_model(self, training_data, validation_data=None, from_predictor=None, ckpt_path=None,
                    **kwargs) -> TrainOutput:
        """Train and return GluonTS's ``TrainOutput`` (transformation, module, trainer, predictor).

        ``from_predictor`` (a :class:`SymbolicFMPredictor`) continues from its weights and
        codec; ``ckpt_path`` resumes a Lightning checkpoint written
        by an earlier run of the same model. GluonTS's ``shuffle_buffer_length`` and
        ``cache_data`` have no effect (windows are drawn at random from series held in memory).
        """
        if from_predictor is not None and not isinstance(from_predictor, SymbolicFMPredictor):
            raise ValueError(f"from_predictor must be a SymbolicFMPredictor, got {type(from_predictor).__name__}")
        transformation = self.create_transformation()
        train_entries = _checked_entries(transformation, training_data, "training_data")
        val_entries = (None if validation_data is None
                       else _checked_entries(transformation, validation_data, "validation_data"))
        if val_entries is not None and not val_entries:
            raise ValueError("validation data is empty")
        L.seed_everything(self.seed, workers=True, verbose=False)
        # continuing from a predictor always starts from its weights
        base = self._base_pipeline() if from_predictor is None else from_predictor.pipeline
        module = self.create_lightning_module(base, from_scratch=None if from_predictor is None else False)
        # a resumed run continues the window stream where the checkpoint stopped
        start_step = 0 if ckpt_path is None else int(torch.load(ckpt_path, map_location="cpu",
                                                                weights_only=True)["global_step"])
        train_loader = self.create_training_data_loader(train_entries, module, base=base, start_step=start_step)
        val_loader = (None if val_entries is None
                      else self.create_validation_data_loader(val_entries, module, base=base))

        with tempfile.TemporaryDirectory(prefix="symbolic-fm-ckpt-") as scratch:
            if val_loader is None:
                checkpoint = L.pytorch.callbacks.ModelCheckpoint(dirpath=self._checkpoint_dir(scratch),
                                                                 filename="last-{step}", monitor=None, save_top_k=1)
            else:
                checkpoint = L.pytorch.callbacks.ModelCheckpoint(
                    dirpath=self._checkpoint_dir(scratch), filename="best-{step}-{val_loss:.4f}",
                    monitor="val_loss", mode="min", save_top_k=1)
            # Lightning's accelerator and tip lines and its notices (no val_dataloader: validating is
            # optional here) say nothing a user can act on; its progress bar stays
            with quiet_lightning():
                trainer = L.Trainer(**self._trainer_options(checkpoint, val_loader is not None, module.model.cfg))
                started = time.perf_counter()
                trainer.fit(module, train_dataloaders=train_loader, val_dataloaders=val_loader, ckpt_path=ckpt_path)
                wall_time = time.perf_counter() - started
            best = checkpoint.best_model_path if val_loader is not None else ""
            if best:
                module.load_state_dict(torch.load(best, map_location="cpu", weights_only=True)["state_dict"])
            kept = best if best and not Path(best).is_relative_to(scratch) else None
        card = copy.deepcopy(base.card)
        card["fine_tuning"] = {
            "steps": int(trainer.global_step), "batch_size": self.batch_size, "lr": self.lr,
            # the trained horizon (capped at the model's own)
            "prediction_length": train_loader.dataset.windows.prediction_length, "n_series": len(train_entries),
            "seed": self.seed,
            "from_scratch": self.from_scratch if from_predictor is None else False,
            "best_checkpoint": kept, "best_val_loss": float(checkpoint.best_model_score) if best else None,
            "wall_time_s": wall_time,
        }
        predictor = self.create_predictor(transformation, module, base=base, card=card)
        return TrainOutput(transformation=transformation, trained_net=module, trainer=trainer, predictor=predictor)

    def train(self, training_data, validation_data=None, ckpt_path=None, **kwargs) -> SymbolicFMPredictor:
        """Train and return a :class:`SymbolicFMPredictor` over the trained weights."""
        return self.train_model(training_data, validation_data, ckpt_path=ckpt_path, **kwargs).predictor

    def train_from(self, predictor, training_data, validation_data=None, ckpt_path=None,
                   **kwargs) -> SymbolicFMPredictor:
        """Continue training from ``predictor``'s weights and codec (e.g. a deserialized fine-tuned
        one), whatever ``model_name`` is."""
        return self.train_model(training_data, validation_data, from_predictor=predictor, ckpt_path=ckpt_path,
                                **kwargs).predictor
