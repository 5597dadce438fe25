"""Pretraining the quantile encoder on synthetic series only.

``python -m sktime_symbolic.model.pretrain --codec piece --out DIR --max-minutes 30``

The synthetic series are generated once into a pool (``pool.npy``, KernelSynth, CauKer and
S2 with TSMixup), then every training batch is a pure function of ``(seed, batch index)``:
which pool series, the context length, the forecast origin and the missing values. A
resumed run (``--resume``) therefore sees the batches an uninterrupted one would, and
under DDP rank ``r`` of ``w`` takes batches ``r, r + w, ...`` (no two ranks repeat one).
Generating the pool in advance keeps the training step free of generator work (the
share of wall time spent waiting for data is logged as ``data_wait``).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import time
from pathlib import Path

import lightning as L
import numpy as np
import torch
from tqdm.auto import tqdm

from sktime_symbolic.model.codec import CODECS, PieceCodec, codec_from_config
from sktime_symbolic.model.encoder import QuantileConfig, QuantileEncoder, model_inputs, pinball_loss
from sktime_symbolic.model.pipeline import QuantilePipeline, load_pretrained
from sktime_symbolic.synthetic import CalendarSeasonal, CauKer, KernelSynth, S2Generator, ShortHistories, SyntheticMixture
from sktime_symbolic.synthetic.calendar import CALENDAR_SEASONS

POOL_LENGTH = 640
POOL_SEED = 0
CALENDAR_POOL_SIZE = 25_000
SHORT_POOL_SIZE = 25_000
GENERATOR_WEIGHTS = {"kernelsynth": 0.5, "cauker": 0.3, "s2": 0.2}


def _pool_block(start: int, stop: int, seed: int, stream: int, length: int) -> np.ndarray:
    """Pool series ``start .. stop - 1``; each one a pure function of ``(seed, stream, index)``."""
    generators = {"kernelsynth": KernelSynth(length), "cauker": CauKer(length), "s2": S2Generator(length)}
    mixture = SyntheticMixture(generators, weights=GENERATOR_WEIGHTS, seed=seed * 1000 + stream,
                               mixup_prob=0.3)
    return np.stack([s["target"] for s in mixture.iter(start, stop, chunk_size=256)])


def make_pool(n: int, seed: int, stream: int, length: int = POOL_LENGTH, progress: bool = True,
              n_jobs: int = 1) -> np.ndarray:
    """``n`` synthetic series of ``length`` values (float32), a pure function of ``(seed, stream)``.

    ``n_jobs`` processes (joblib; -1: every core) generate blocks of the pool side by side, so a
    lent 16-core machine makes the pool in seconds rather than minutes of accelerator time; the
    pool is the same for every ``n_jobs``.
    """
    from joblib import Parallel, cpu_count, delayed

    workers = cpu_count() if n_jobs == -1 else int(n_jobs)
    if workers < 1:
        raise ValueError(f"n_jobs must be -1 or >= 1, got {n_jobs!r}")
    # a few blocks per process keep the progress bar moving and the processes evenly loaded
    n_blocks = 1 if workers == 1 else 4 * workers
    bounds = np.linspace(0, n, n_blocks + 1, dtype=int)
    blocks = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    out = np.empty((n, length), dtype=np.float32)
    jobs = Parallel(n_jobs=workers, return_as="generator")(
        delayed(_pool_block)(a, b, seed, stream, length) for a, b in blocks)
    with tqdm(total=n, desc="synthetic pool", unit="series", disable=not progress) as bar:
        for (a, b), block in zip(blocks, jobs):
            out[a:b] = block
            bar.update(b - a)
    return out


def load_or_make_pool(path, n, seed, stream, progress=True, n_jobs=1) -> np.ndarray:
    path = Path(path)
    if path.is_file():
        pool = np.load(path, mmap_mode="r")
        if pool.shape[0] >= n:
            return pool
    pool = make_pool(n, seed, stream, progress=progress, n_jobs=n_jobs)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, pool)
    return pool


def sample_window(pool, rng, context_length, prediction_length, min_context, missing_prob, integrate_prob=0.0,
                  level_walk_prob=0.0, short_prob=0.0):
    """One (context, horizon) pair from a random pool series, with random length and gaps.

    With probability ``integrate_prob`` the series is first integrated (cumulative sum of its
    deviations from its mean): the generators give mostly stationary series, and an
    integrated one is a random walk or a trend whose best forecast stays near the last value.
    With probability ``level_walk_prob`` the integral of a second pool series is added as a
    wandering level (its spread 0.2-4.5 times the series' own): seasonality riding on a
    stochastic trend, the persistent, trending shape that real series have more often than
    the generators give it. ``short_prob``: see :func:`cut_window`.
    """
    series = pool[int(rng.integers(pool.shape[0]))].astype(np.float64)
    if integrate_prob and rng.random() < integrate_prob:
        series = np.cumsum(series - series.mean())
    if level_walk_prob and rng.random() < level_walk_prob:
        other = pool[int(rng.integers(pool.shape[0]))].astype(np.float64)
        walk = np.cumsum(other - other.mean())
        ratio = np.exp(rng.uniform(-1.5, 1.5))
        if walk.std() > 0 and series.std() > 0:
            series = series + walk * (ratio * series.std() / walk.std())
    return cut_window(series, rng, context_length, prediction_length, min_context, missing_prob, short_prob)


#: the shortest and longest "short history" context (yearly and quarterly series of a few years)
SHORT_CONTEXT = (10, 60)


def cut_window(series, rng, context_length, prediction_length, min_context, missing_prob, short_prob=0.0):
    """A (context, horizon) pair at a random origin of ``series``, with random context length and gaps.

    Half the contexts are full length (what users pass), the rest spread down to ``min_context``;
    with ``short_prob`` a share of them is a short history of :data:`SHORT_CONTEXT` values.
    """
    if short_prob and rng.random() < short_prob:
        n_ctx = int(rng.integers(SHORT_CONTEXT[0], SHORT_CONTEXT[1] + 1))
    else:
        n_ctx = context_length if rng.random() < 0.5 else int(rng.integers(min_context, context_length + 1))
    start = int(rng.integers(0, series.size - n_ctx - prediction_length + 1))
    ctx = series[start:start + n_ctx].copy()
    hor = series[start + n_ctx:start + n_ctx + prediction_length]
    if rng.random() < missing_prob and n_ctx > 8:
        n_missing = int(rng.uniform(0, 0.2) * n_ctx)
        gap = int(rng.integers(0, n_missing + 1))
        g0 = int(rng.integers(0, n_ctx - gap + 1))
        ctx[g0:g0 + gap] = np.nan
        ctx[rng.choice(n_ctx, size=n_missing - gap, replace=False)] = np.nan
        if np.isnan(ctx).all():
            ctx[-1] = series[start + n_ctx - 1]
    return ctx, hor


def load_or_make_calendar_pool(path, n, seed, length=POOL_LENGTH) -> tuple[np.ndarray, np.ndarray]:
    """``(series (n, length) float32, seasons (n,))`` of :class:`~sktime_symbolic.synthetic.CalendarSeasonal`,
    stored once at ``path`` (npz) like the main pool."""
    path = Path(path)
    if path.is_file():
        with np.load(path) as data:
            if data["series"].shape[0] >= n:
                return data["series"], data["seasons"]
    series, seasons = CalendarSeasonal(length).generate_with_seasons(np.arange(n), seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, series=series.astype(np.float32), seasons=seasons)
    return series.astype(np.float32), seasons


def load_or_make_short_pool(path, n, seed, trend_break_prob=0.0, smooth_prob=0.0) -> tuple[np.ndarray, np.ndarray,
                                                                                             np.ndarray]:
    """``(series, n_context, seasons)`` of :class:`~sktime_symbolic.synthetic.ShortHistories`, stored once
    at ``path`` (npz) like the main pool."""
    path = Path(path)
    if path.is_file():
        with np.load(path) as data:
            if data["series"].shape[0] >= n:
                return data["series"], data["n_context"], data["seasons"]
    series, n_context, seasons = ShortHistories(trend_break_prob=trend_break_prob,
                                                smooth_prob=smooth_prob).generate_histories(np.arange(n), seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, series=series.astype(np.float32), n_context=n_context, seasons=seasons)
    return series.astype(np.float32), n_context, seasons


def training_batch(codec, contexts, horizons, prediction_length=None, cfg=None, seasons=None):
    """Tensors of a batch: the codec's tokens plus the horizon in each context's scale units.

    Horizons shorter than ``prediction_length`` (default: the longest given) are padded, and
    ``observed`` marks the values that carry loss (NaN in a horizon carries none). The inputs are
    those a model of config ``cfg`` reads (None: tokens only, no copy paths, experts or season);
    ``seasons`` are the contexts' seasons (None or 0: unknown, detected by a season-aware codec).
    """
    copy_length = 0 if cfg is None else cfg.copy_length
    tokens = codec.encode(contexts, copy_length=copy_length, seasons=seasons)
    h = max(len(x) for x in horizons) if prediction_length is None else prediction_length
    target = np.full((len(horizons), h), np.nan)
    for i, (x, m, s) in enumerate(zip(horizons, tokens["loc"], tokens["scale"])):
        target[i, :len(x)] = (np.asarray(x, dtype=np.float64)[:h] - m) / s
    observed = ~np.isnan(target)
    target = np.clip(np.nan_to_num(target), -codec.clip, codec.clip)
    return {**model_inputs(tokens, cfg), "target": torch.from_numpy(target.astype(np.float32)),
            "observed": torch.from_numpy(observed)}


def batch_maker(codec, cfg):
    """``make_batch(contexts, horizons, seasons=None)`` of a model with config ``cfg`` over ``codec``:
    the full horizon ``cfg.prediction_length`` and the inputs the model reads."""
    # a partial, not a lambda: DataLoader workers may pickle it
    return functools.partial(training_batch, codec, prediction_length=cfg.prediction_length, cfg=cfg)


class PoolWindows:
    """``windows(rng)``: one (context, horizon, season) triple from a synthetic pool.

    With probability ``calendar_prob`` the window comes from the calendar pool (``calendar``:
    series and their seasons), told its season (or, one time in five, told nothing: a season
    to detect); otherwise from :func:`sample_window` of the main pool, whose season is unknown (0).
    Before either, with probability ``history_prob`` the window is a whole short history from
    ``histories`` (series, context lengths and seasons of
    :class:`~sktime_symbolic.synthetic.ShortHistories`), told its season likewise. ``short_prob`` is the share of short windows cut from the longer series
    (:func:`cut_window`).

    With probability ``season_noise_prob`` a window is told a calendar season drawn at random
    instead (:data:`~sktime_symbolic.synthetic.calendar.CALENDAR_SEASONS`), whatever its own: at
    inference every series is told its frequency's season, whether it has that season or another
    (half-hourly data labelled hourly, a weekly series without a yearly cycle), so the model must
    check a told season against the context rather than trust it.
    """

    def __init__(self, pool, context_length, prediction_length, min_context=32, missing_prob=0.2,
                 integrate_prob=0.0, level_walk_prob=0.0, calendar=None, calendar_prob=0.0, short_prob=0.0,
                 season_noise_prob=0.0, histories=None, history_prob=0.0):
        self.pool, self.context_length, self.prediction_length = pool, context_length, prediction_length
        self.min_context, self.missing_prob, self.integrate_prob = min_context, missing_prob, integrate_prob
        self.level_walk_prob, self.short_prob = level_walk_prob, short_prob
        if calendar_prob and calendar is None:
            raise ValueError("calendar_prob > 0 needs the calendar pool")
        self.calendar, self.calendar_prob = calendar, calendar_prob
        if history_prob and histories is None:
            raise ValueError("history_prob > 0 needs the short histories")
        self.histories, self.history_prob = histories, history_prob
        self.season_noise_prob = season_noise_prob

    def __call__(self, rng):
        if self.history_prob and rng.random() < self.history_prob:
            series, n_context, seasons = self.histories
            i = int(rng.integers(series.shape[0]))
            season = int(seasons[i]) if rng.random() < 0.8 else 0
            n = int(n_context[i])
            # the horizon's padding (NaN) carries no loss
            ctx, hor = series[i, :n].astype(np.float64), series[i, n:n + self.prediction_length].astype(np.float64)
        elif self.calendar_prob and rng.random() < self.calendar_prob:
            series, seasons = self.calendar
            i = int(rng.integers(series.shape[0]))
            season = int(seasons[i]) if rng.random() < 0.8 else 0
            ctx, hor = cut_window(series[i].astype(np.float64), rng, self.context_length, self.prediction_length,
                                  self.min_context, self.missing_prob, self.short_prob)
        else:
            season = 0
            ctx, hor = sample_window(self.pool, rng, self.context_length, self.prediction_length, self.min_context,
                                     self.missing_prob, self.integrate_prob, self.level_walk_prob, self.short_prob)
        if self.season_noise_prob and rng.random() < self.season_noise_prob:
            season = int(rng.choice([s for s, _ in CALENDAR_SEASONS]))
        return ctx, hor, season


class WindowStream(torch.utils.data.IterableDataset):
    """Endless training batches of pretraining, fine-tuning and the GluonTS estimator alike.

    Batch ``i`` is ``make_batch(contexts, horizons, seasons=seasons)`` of ``batch_size`` windows,
    window ``b`` (a context, its horizon and optionally its season; 0 when not given) drawn by ``windows(rng)`` (:class:`PoolWindows`, or
    :class:`~sktime_symbolic.model.finetune.SeriesWindows`) with its own generator
    ``default_rng([seed, i, b])``: a pure function of ``(seed, i)``. Iteration starts at batch
    ``start_batch`` (a resumed run continues the stream). Under DDP process ``rank`` of
    ``world_size`` takes batches ``rank, rank + world_size, ...`` of each step, and DataLoader
    worker ``k`` of ``n`` every ``n``-th of those, so no two draw the same batch. ``rank`` and
    ``world_size`` default to ``torch.distributed``'s when it is initialised at iteration time
    (the GluonTS estimator builds its loader before the process group exists).
    """

    def __init__(self, windows, make_batch, batch_size, seed=0, start_batch=0, rank=None, world_size=None):
        super().__init__()
        self.windows, self.make_batch, self.batch_size = windows, make_batch, batch_size
        self.seed, self.start_batch, self.rank, self.world_size = seed, start_batch, rank, world_size

    def batch(self, index):
        windows = [self.windows(np.random.default_rng([self.seed, index, b])) for b in range(self.batch_size)]
        seasons = [w[2] if len(w) > 2 else 0 for w in windows]
        return self.make_batch([w[0] for w in windows], [w[1] for w in windows], seasons=seasons)

    def _rank_world(self):
        if self.rank is not None:
            return self.rank, self.world_size
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            return torch.distributed.get_rank(), torch.distributed.get_world_size()
        return 0, 1

    def __iter__(self):
        rank, world = self._rank_world()
        info = torch.utils.data.get_worker_info()
        worker, n_workers = (0, 1) if info is None else (info.id, info.num_workers)
        step = self.start_batch + worker
        while True:
            yield self.batch(step * world + rank)
            step += n_workers


def training_strategy(cfg, accelerator="auto", devices="auto") -> str:
    """Lightning's strategy for a model of config ``cfg`` on ``devices``: ``"auto"`` (Lightning's
    choice, DDP on several devices), except for a model with specialists on several devices: DDP
    told that a process may leave a network without a series (a batch of hourly data never
    reaches the specialist of seasons 4 and 12), which plain DDP refuses."""
    if not cfg.specialist_seasons:
        return "auto"
    if devices in ("auto", -1, "-1"):
        several = str(accelerator) in ("auto", "gpu", "cuda") and torch.cuda.device_count() > 1
    else:
        several = (len(devices) if isinstance(devices, (list, tuple)) else int(devices)) > 1
    return "ddp_find_unused_parameters_true" if several else "auto"


def training_precision(device) -> str:
    """Lightning's precision for training on ``device`` (a torch.device): bf16 mixed precision on a
    CUDA device that supports it, else 32-bit."""
    return "bf16-mixed" if device.type == "cuda" and torch.cuda.is_bf16_supported() else "32-true"


def warmup_cosine(optimizer, warmup_steps: int, max_steps: int) -> dict:
    """Lightning's optimizer config: ``optimizer`` with linear warm-up over ``warmup_steps``,
    then cosine decay to 10% of its learning rate at ``max_steps``, stepped every step."""

    def schedule(step):
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = min(1.0, (step - warmup_steps) / max(1, max_steps - warmup_steps))
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    sched = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


def warmup_cosine_adamw(module: L.LightningModule) -> dict:
    """AdamW (no decay on gains and biases) under :func:`warmup_cosine`; reads ``lr``,
    ``weight_decay``, ``warmup_steps`` and ``max_steps`` from the module's hyperparameters."""
    hp = module.hparams
    decay = [p for p in module.parameters() if p.ndim >= 2]
    no_decay = [p for p in module.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": hp.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=hp.lr, betas=(0.9, 0.95))
    return warmup_cosine(opt, hp.warmup_steps, hp.max_steps)


class QuantileLM(L.LightningModule):
    """Pinball loss over the quantile levels, AdamW with linear warm-up and cosine decay to 10%."""

    def __init__(self, config: dict, lr=1e-3, weight_decay=0.01, warmup_steps=200, max_steps=10000):
        super().__init__()
        self.save_hyperparameters()
        self.model = QuantileEncoder(QuantileConfig.from_dict(config))
        self._wait = 0.0
        self._t_batch_end = None

    @classmethod
    def from_pipeline(cls, pipeline, config=None, **hparams) -> "QuantileLM":
        """A module starting from a copy of ``pipeline``'s weights (the pipeline is untouched).

        ``config`` (default: the pipeline's) may add the motif-copy prior, the season input or the
        expert paths to a model trained without them; their new layers start from their
        initialisation (silent: the forecast starts as the pipeline's)."""
        config = pipeline.cfg if config is None else config
        if config.specialist_seasons != pipeline.cfg.specialist_seasons:
            raise ValueError("a specialist network comes and goes with its trained weights: add one with "
                             "QuantilePipeline.with_specialist, take one apart with split()")
        addable = dict(copy_paths=0, season_input=False, expert_paths=0, specialist_seasons=())
        removed = [k for k in addable if getattr(pipeline.cfg, k) and not getattr(config, k)]
        if config.replace(**addable) != pipeline.cfg.replace(**addable) or removed:
            raise ValueError(f"{config} cannot start from these weights: only the motif-copy prior, the season input "
                             f"and the expert paths may be added to {pipeline.cfg}")
        module = cls(config.to_dict(), **hparams)
        weights = {k: v.detach().cpu() for k, v in pipeline.model.state_dict().items()}
        module.model.load_state_dict(weights, strict=config == pipeline.cfg)
        return module

    def loss(self, batch):
        pred = self.model(batch)
        h = batch["target"].shape[1]
        return pinball_loss(pred[..., :h].float(), batch["target"], self.model.cfg.quantile_levels,
                            batch["observed"])

    def on_train_batch_start(self, batch, batch_idx):
        if self._t_batch_end is not None:
            self._wait = time.perf_counter() - self._t_batch_end

    def training_step(self, batch, batch_idx):
        loss = self.loss(batch)
        self.log("train_loss", loss, prog_bar=True, on_step=True, batch_size=batch["target"].shape[0])
        self.log("tokens", float(batch["valid"].sum()), on_step=True, batch_size=1)
        self.log("data_wait_s", self._wait, on_step=True, batch_size=1)
        return loss

    def on_train_batch_end(self, *args):
        self._t_batch_end = time.perf_counter()

    def validation_step(self, batch, batch_idx, dataloader_idx=0):
        # the main pool's windows as val_loss (comparable with earlier runs), calendar windows as
        # val_calendar_loss, whole short histories as val_history_loss
        name = ("val_loss", "val_calendar_loss", "val_history_loss")[dataloader_idx]
        self.log(name, self.loss(batch), prog_bar=True, on_epoch=True, sync_dist=True,
                 batch_size=batch["target"].shape[0], add_dataloader_idx=False)

    def configure_optimizers(self):
        return warmup_cosine_adamw(self)


class StreamData(L.LightningDataModule):
    """Training stream from the pool (resumes at the restored global step) and fixed validation batches.

    ``window_options`` go to the training stream's :class:`PoolWindows` (``integrate_prob``,
    ``level_walk_prob``, ``calendar``, ``calendar_prob``, ``short_prob``); validation windows keep
    the defaults, so validation losses stay comparable across runs (``val_dataloader`` gives one
    loader of the main pool; with a calendar pool, a second of calendar windows with their seasons,
    a quarter of them short; with short histories, a third of those).
    """

    def __init__(self, pool, val_pool, codec, cfg, batch_size, seed, num_workers, val_batches, val_calendar=None,
                 val_histories=None, **window_options):
        super().__init__()
        self.val_calendar, self.val_histories = val_calendar, val_histories
        self.pool, self.val_pool, self.codec, self.window_options = pool, val_pool, codec, window_options
        self.batch_size, self.h, self.seed, self.num_workers = batch_size, cfg.prediction_length, seed, num_workers
        self.val_batches = val_batches
        self._make_batch = batch_maker(codec, cfg)

    def train_dataloader(self):
        t = self.trainer
        windows = PoolWindows(self.pool, self.codec.context_length, self.h, **self.window_options)
        stream = WindowStream(windows, self._make_batch, self.batch_size, self.seed, start_batch=t.global_step,
                              rank=t.global_rank, world_size=t.world_size)
        return torch.utils.data.DataLoader(stream, batch_size=None, num_workers=self.num_workers,
                                           persistent_workers=self.num_workers > 0)

    def val_dataloader(self):
        windows = [PoolWindows(self.val_pool, self.codec.context_length, self.h, missing_prob=0.0)]
        if self.val_calendar is not None:
            windows.append(PoolWindows(self.val_pool, self.codec.context_length, self.h, missing_prob=0.0,
                                       calendar=self.val_calendar, calendar_prob=1.0, short_prob=0.25))
            if self.val_histories is not None:
                windows.append(PoolWindows(self.val_pool, self.codec.context_length, self.h, missing_prob=0.0,
                                           histories=self.val_histories, history_prob=1.0))
        loaders = []
        for w in windows:
            stream = WindowStream(w, self._make_batch, 64, seed=12345)
            loaders.append(torch.utils.data.DataLoader([stream.batch(i) for i in range(self.val_batches)],
                                                       batch_size=None))
        return loaders if len(loaders) > 1 else loaders[0]


class StopAfterMinutes(L.Callback):
    """End this chunk after a wall time (Lightning's ``max_time`` also counts restored time)."""

    def __init__(self, minutes):
        self.seconds, self.started = 60.0 * minutes, time.perf_counter()

    def on_train_batch_end(self, trainer, *args):
        if time.perf_counter() - self.started >= self.seconds:
            trainer.should_stop = True


def build_codec(kind, pool, seed, **options):
    codec = CODECS[kind](**options)
    if isinstance(codec, PieceCodec):
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(pool), min(2000, len(pool)), replace=False)
        codec.fit([pool[i].astype(np.float64)[:codec.context_length] for i in rows], seed=seed)
    return codec


def pretrain(out, codec="piece", codec_options=None, model_options=None, max_steps=20000, max_minutes=None,
             batch_size=64, lr=1e-3, seed=0, resume=False, pool_size=100_000, pool_dir=None, num_workers=0,
             val_every=500, val_batches=8, accelerator="auto", devices="auto", progress=True, export_name=None,
             init_from=None, integrate_prob=0.0, level_walk_prob=0.0, pool_jobs=1, calendar_prob=0.0, short_prob=0.0,
             season_noise_prob=0.0, history_prob=0.0, trend_break_prob=0.0, smooth_prob=0.0):
    """Train (or resume) a quantile encoder; writes ``out/checkpoints/last.ckpt``, ``codec.json``/``codec.npz``,
    ``metrics.csv`` and the exported pipeline ``out/pipeline``. Returns the exported pipeline.

    ``init_from`` (a shipped name or saved directory) starts a new run from that pipeline's
    weights and codec (``codec_options`` may change its settings, e.g. ``season_aware``), with a
    new learning-rate schedule: how a campaign continues from the committed weights when its
    checkpoint (optimiser state) is gone. ``calendar_prob`` is the share of training windows
    drawn from calendar-season series (:class:`~sktime_symbolic.synthetic.CalendarSeasonal`,
    told their season), ``short_prob`` the share of short windows, ``history_prob`` the share of whole
    short histories (:class:`~sktime_symbolic.synthetic.ShortHistories`), ``season_noise_prob`` the
    share told a random calendar season instead (:class:`PoolWindows`); ``trend_break_prob`` the share
    of short histories whose trend changes slope and ``smooth_prob`` the share that are smooth growth
    curves with almost no noise (each such pool is stored apart)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pool_dir = Path(pool_dir) if pool_dir else out
    # one pool for every run: ``seed`` draws the batches, and validation losses stay comparable
    pool = load_or_make_pool(pool_dir / f"pool_seed{POOL_SEED}.npy", pool_size, POOL_SEED, stream=2,
                             progress=progress, n_jobs=pool_jobs)
    val_pool = load_or_make_pool(pool_dir / f"val_pool_seed{POOL_SEED}.npy", 2000, POOL_SEED, stream=3,
                                 progress=progress, n_jobs=pool_jobs)
    # each variant of the short histories is a pool of its own
    variant = (f"_breaks{trend_break_prob:g}" if trend_break_prob else "") + (
        f"_smooth{smooth_prob:g}" if smooth_prob else "")
    calendar = load_or_make_calendar_pool(pool_dir / f"calendar_pool_seed{POOL_SEED}.npz", CALENDAR_POOL_SIZE,
                                          POOL_SEED)
    val_calendar = load_or_make_calendar_pool(pool_dir / f"val_calendar_pool_seed{POOL_SEED}.npz", 2000,
                                              POOL_SEED + 1)
    histories = load_or_make_short_pool(pool_dir / f"history_pool{variant}_seed{POOL_SEED}.npz", SHORT_POOL_SIZE,
                                        POOL_SEED, trend_break_prob, smooth_prob)
    val_histories = load_or_make_short_pool(pool_dir / f"val_history_pool{variant}_seed{POOL_SEED}.npz", 2000,
                                            POOL_SEED + 1, trend_break_prob, smooth_prob)
    codec_json, codec_npz = out / "codec.json", out / "codec.npz"
    start = load_pretrained(init_from, device="cpu") if init_from is not None and not resume else None
    if start is not None and start.cfg.specialist_seasons:
        # trained as one, each network would learn only from the windows routed to it, which lost
        # its bake-off to a specialist trained on the whole mixture (BENCHMARKS.md)
        raise ValueError(f"{init_from} holds several networks (specialists for seasons "
                         f"{[list(g) for g in start.cfg.specialist_seasons]}): start from one of them, saved from "
                         "QuantilePipeline.split(), and compose them again with with_specialist")
    if resume:
        codec_obj = codec_from_config(json.loads(codec_json.read_text()), dict(np.load(codec_npz)))
    elif start is not None:
        codec_obj = codec_from_config({**start.codec.config(), **(codec_options or {})}, start.codec.state())
        codec_json.write_text(json.dumps(codec_obj.config()))
        np.savez(codec_npz, **codec_obj.state())
    else:
        codec_obj = build_codec(codec, pool, seed, **(codec_options or {}))
        codec_json.write_text(json.dumps(codec_obj.config()))
        np.savez(codec_npz, **codec_obj.state())
    model_options = dict(model_options or {})
    if start is None:
        # the motif-copy prior won the bake-off; the patch reference has no symbols to match
        model_options.setdefault("copy_paths", 2 if isinstance(codec_obj, PieceCodec) else 0)
    cfg_path = out / "model_config.json"
    if resume:
        cfg = QuantileConfig.from_dict(json.loads(cfg_path.read_text()))
    elif start is not None:
        cfg = start.cfg.replace(**model_options)
        cfg_path.write_text(json.dumps(cfg.to_dict()))
    else:
        cfg = QuantileConfig(n_features=codec_obj.n_features, n_symbols=codec_obj.n_symbols,
                             max_position=codec_obj.max_position, **model_options)
        cfg_path.write_text(json.dumps(cfg.to_dict()))
    L.seed_everything(seed, workers=True, verbose=False)
    torch.manual_seed(seed)
    hparams = dict(lr=lr, warmup_steps=min(200, max(1, max_steps // 20)), max_steps=max_steps)
    module = (QuantileLM.from_pipeline(start, cfg, **hparams) if start is not None
              else QuantileLM(cfg.to_dict(), **hparams))
    data = StreamData(pool, val_pool, codec_obj, cfg, batch_size, seed, num_workers, val_batches,
                      val_calendar=val_calendar, val_histories=val_histories, integrate_prob=integrate_prob,
                      level_walk_prob=level_walk_prob, calendar=calendar, calendar_prob=calendar_prob,
                      short_prob=short_prob, season_noise_prob=season_noise_prob, histories=histories,
                      history_prob=history_prob)
    ckpt_dir = out / "checkpoints"
    ckpt_path = ckpt_dir / "last.ckpt"
    if resume and not ckpt_path.is_file():
        raise ValueError(f"resume given but {ckpt_path} does not exist")
    checkpoint = L.pytorch.callbacks.ModelCheckpoint(dirpath=ckpt_dir, every_n_train_steps=250, save_last=True,
                                                     save_top_k=0)
    callbacks = [checkpoint] + ([StopAfterMinutes(max_minutes)] if max_minutes else [])
    logger = L.pytorch.loggers.CSVLogger(out, name="logs")
    cuda = torch.cuda.is_available() and accelerator != "cpu"
    trainer = L.Trainer(max_steps=max_steps, accelerator=accelerator, devices=devices,
                        strategy=training_strategy(cfg, accelerator, devices), logger=logger,
                        callbacks=callbacks, enable_progress_bar=progress, log_every_n_steps=10,
                        enable_model_summary=False, gradient_clip_val=1.0, val_check_interval=val_every,
                        check_val_every_n_epoch=None, num_sanity_val_steps=0,
                        precision=training_precision(torch.device("cuda" if cuda else "cpu")))
    started = time.perf_counter()
    trainer.fit(module, datamodule=data, ckpt_path=str(ckpt_path) if resume else None)
    trainer.save_checkpoint(ckpt_path)  # also when a chunk ends between checkpoints
    budget_path = out / "budget.json"
    budget = json.loads(budget_path.read_text()) if resume and budget_path.exists() else {"wall_time_s": 0.0,
                                                                                           "chunks": []}
    wall = time.perf_counter() - started
    device = torch.cuda.get_device_name() if cuda else f"CPU ({torch.get_num_threads()} threads)"
    budget["wall_time_s"] += wall
    budget["steps"] = int(trainer.global_step)
    budget["chunks"].append({"wall_time_s": wall, "end_step": int(trainer.global_step), "device": device,
                             "date": time.strftime("%Y-%m-%d")})
    budget_path.write_text(json.dumps(budget, indent=2))
    card = {"name": export_name or f"symbolic-{codec}", "training_budget": {**budget, "batch_size": batch_size,
                                                                            "lr": lr, "seed": seed,
                                                                            "max_steps": max_steps,
                                                                            "integrate_prob": integrate_prob,
                                                                            "level_walk_prob": level_walk_prob,
                                                                            "calendar_prob": calendar_prob,
                                                                            "short_prob": short_prob,
                                                                            "season_noise_prob": season_noise_prob,
                                                                            "history_prob": history_prob,
                                                                            "trend_break_prob": trend_break_prob,
                                                                            "smooth_prob": smooth_prob},
            "data": "synthetic only (KernelSynth, CauKer, S2 with TSMixup; weights "
                    f"{GENERATOR_WEIGHTS}; CalendarSeasonal for a share calendar_prob of the windows, "
                    "ShortHistories for a share history_prob); "
                    "no real data in pretraining, codebook or model selection",
            "parameters": module.model.num_parameters()}
    pipeline = QuantilePipeline(module.model.cpu(), codec_obj, device="cpu", card=card)
    pipeline.save(out / "pipeline")
    return pipeline


def export_checkpoint(out, destination, card=None):
    """Write the pipeline of ``out/checkpoints/last.ckpt`` (a run that may still be going) to ``destination``."""
    out = Path(out)
    codec = codec_from_config(json.loads((out / "codec.json").read_text()), dict(np.load(out / "codec.npz")))
    checkpoint = torch.load(out / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    module = QuantileLM(**checkpoint["hyper_parameters"])
    module.load_state_dict(checkpoint["state_dict"])
    card = {**(card or {}), "training_budget": {"steps": int(checkpoint["global_step"])}}
    pipeline = QuantilePipeline(module.model, codec, device="cpu", card=card)
    pipeline.save(destination)
    return pipeline


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sktime_symbolic.model.pretrain", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--codec", default="piece", choices=sorted(CODECS))
    parser.add_argument("--codec-options", type=json.loads, default={}, help='JSON, e.g. \'{"tol": 1.0}\'')
    parser.add_argument("--model-options", type=json.loads, default={}, help='JSON, e.g. \'{"d_model": 192}\'')
    parser.add_argument("--max-steps", type=int, default=20000, help="length of the LR schedule")
    parser.add_argument("--max-minutes", type=float, default=None, help="end this chunk after this wall time")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--pool-size", type=int, default=100_000)
    parser.add_argument("--pool-dir", type=Path, default=None)
    parser.add_argument("--pool-jobs", type=int, default=1, help="processes generating the pool (-1: every core)")
    parser.add_argument("--num-workers", type=int, default=0)
    parser.add_argument("--val-every", type=int, default=500)
    parser.add_argument("--accelerator", default="auto")
    parser.add_argument("--export-name", default=None)
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--init-from", default=None, help="start from these weights (name or directory)")
    parser.add_argument("--integrate-prob", type=float, default=0.0,
                        help="share of training series integrated into random walks / trends")
    parser.add_argument("--level-walk-prob", type=float, default=0.0,
                        help="share of training series given a wandering level (another series' integral)")
    parser.add_argument("--calendar-prob", type=float, default=0.0,
                        help="share of training windows from calendar-season series, told their season")
    parser.add_argument("--short-prob", type=float, default=0.0,
                        help="share of training contexts that are short histories (10-60 values)")
    parser.add_argument("--season-noise-prob", type=float, default=0.0,
                        help="share of training windows told a random calendar season instead of their own")
    parser.add_argument("--history-prob", type=float, default=0.0,
                        help="share of training windows that are whole short histories (10-60 values), told their season")
    parser.add_argument("--trend-break-prob", type=float, default=0.0,
                        help="share of short histories whose trend changes slope")
    parser.add_argument("--smooth-prob", type=float, default=0.0,
                        help="share of short histories that are smooth growth curves with almost no noise")
    args = parser.parse_args(argv)
    pretrain(args.out, args.codec, args.codec_options, args.model_options, args.max_steps, args.max_minutes,
             args.batch_size, args.lr, args.seed, args.resume, args.pool_size, args.pool_dir, args.num_workers,
             args.val_every, accelerator=args.accelerator, progress=not args.no_progress,
             export_name=args.export_name, init_from=args.init_from, integrate_prob=args.integrate_prob,
             level_walk_prob=args.level_walk_prob, pool_jobs=args.pool_jobs, calendar_prob=args.calendar_prob,
             short_prob=args.short_prob, season_noise_prob=args.season_noise_prob, history_prob=args.history_prob,
             trend_break_prob=args.trend_break_prob, smooth_prob=args.smooth_prob)


if __name__ == "__main__":
    main()
