"""Pretraining on synthetic series only: ``python -m sktime_symbolic.model.pretrain --config nano ...``.

Lightning drives the loop (progress bar, periodic and resumable checkpoints, DDP when
several GPUs are there); the data stream is generated on the fly from the synthetic
generators, every batch a pure function of ``(seed, batch index)``, so a resumed run
sees exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import lightning as L
import numpy as np
import torch

from sktime_symbolic.bpe import MotifTokenizer
from sktime_symbolic.model.codec import context_scale, make_tokenizer, to_codec_units, training_batch
from sktime_symbolic.model.config import CONFIGS, SymbolicConfig
from sktime_symbolic.model.lightning_module import SymbolicLM
from sktime_symbolic.model.pipeline import SymbolicPipeline
from sktime_symbolic.synthetic import CauKer, KernelSynth, S2Generator, SyntheticMixture


def make_mixture(cfg: SymbolicConfig, seed: int, stream: int) -> SyntheticMixture:
    """KernelSynth + CauKer + S2 mixture with TSMixup; ``stream`` separates tokenizer and training data."""
    length = cfg.context_length + cfg.prediction_length
    generators = {"kernelsynth": KernelSynth(length), "cauker": CauKer(length), "s2": S2Generator(length)}
    return SyntheticMixture(generators, seed=seed * 1000 + stream, min_length=min(length, cfg.prediction_length + 8),
                            max_length=length, mixup_prob=0.3)


def fit_synthetic_tokenizer(cfg: SymbolicConfig, seed: int = 0, n_series: int = 2000) -> MotifTokenizer:
    """Vocabulary and conditional-decoding table fitted on synthetic series only."""
    mixture = make_mixture(cfg, seed, stream=1)
    series = []
    for sample in mixture.samples(np.arange(n_series)):
        x = sample["target"].astype(np.float64)
        loc, scale = context_scale(x, cfg.scale_floor)
        series.append(to_codec_units(x, loc, scale, cfg.clip))
    return make_tokenizer(cfg.n_bins, cfg.max_vocab, cfg.p_min).fit(series)


class SyntheticTokenBatches(torch.utils.data.IterableDataset):
    """Endless stream of training batches ``(inputs, labels, weights)`` starting at ``start_batch``.

    Each synthetic series is cut at a forecast origin (the last ``prediction_length``
    values are the horizon, the rest, of varying length, the context); with probability
    ``missing_prob`` up to 20% of the context is set missing (one gap plus scattered
    points). Context and horizon are tokenized apart on the context's scale and joined by
    the ORIGIN token; horizon tokens weigh ``horizon_weight`` in the loss.
    """

    def __init__(self, cfg, tokenizer, batch_size, seed=0, start_batch=0, missing_prob=0.2, horizon_weight=1.0,
                 rank=0, world_size=1):
        super().__init__()
        # under DDP rank r trains on batches r, r + world_size, ...: no two ranks repeat a batch
        self.rank, self.world_size = rank, world_size
        self.cfg, self.tokenizer = cfg, tokenizer
        self.batch_size, self.seed, self.start_batch = batch_size, seed, start_batch
        self.missing_prob, self.horizon_weight = missing_prob, horizon_weight
        self.mixture = make_mixture(cfg, seed, stream=2)
        self.origin = tokenizer.vocab_size_

    def batch(self, index: int):
        """Batch ``index`` as tensors (a pure function of seed and index)."""
        cfg = self.cfg
        samples = self.mixture.samples(np.arange(index * self.batch_size, (index + 1) * self.batch_size))
        contexts, horizons = [], []
        for sample in samples:
            rng = np.random.default_rng([self.seed, 7, int(sample["index"])])
            x = sample["target"].astype(np.float64)
            h = min(cfg.prediction_length, len(x) // 2)
            ctx, hor = x[:-h].copy(), x[-h:]
            if rng.random() < self.missing_prob and len(ctx) > 4:
                n_missing = int(rng.uniform(0, 0.2) * len(ctx))
                gap = int(rng.integers(0, n_missing + 1))
                start = int(rng.integers(0, len(ctx) - gap + 1))
                ctx[start:start + gap] = np.nan
                ctx[rng.choice(len(ctx), size=n_missing - gap, replace=False)] = np.nan
                ctx[-1] = x[len(ctx) - 1]  # keep one observed value so the scale exists
            contexts.append(ctx)
            horizons.append(hor)
        return training_batch(cfg, self.tokenizer, contexts, horizons, self.horizon_weight)

    def __iter__(self):
        step = self.start_batch
        while True:
            yield self.batch(step * self.world_size + self.rank)
            step += 1


class SyntheticDataModule(L.LightningDataModule):
    """Streams :class:`SyntheticTokenBatches`; on resume it starts at the restored global step."""

    def __init__(self, cfg, tokenizer, batch_size=32, seed=0, missing_prob=0.2, horizon_weight=1.0):
        super().__init__()
        self.cfg, self.tokenizer, self.batch_size, self.seed = cfg, tokenizer, batch_size, seed
        self.missing_prob, self.horizon_weight = missing_prob, horizon_weight

    def train_dataloader(self):
        trainer = self.trainer
        start, rank, world = (0, 0, 1) if trainer is None else (trainer.global_step, trainer.global_rank,
                                                                 trainer.world_size)
        dataset = SyntheticTokenBatches(self.cfg, self.tokenizer, self.batch_size, self.seed, start,
                                        self.missing_prob, self.horizon_weight, rank, world)
        return torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=0)


def plot_loss(csv_path, png_path):
    """Loss curve PNG from a CSV with ``step`` and ``train_loss`` columns."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    loss = pd.read_csv(csv_path)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(loss["step"], loss["train_loss"], lw=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("next-token cross-entropy")
    ax.set_title("synthetic pretraining loss")
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)


class StopAtStep(L.Callback):
    """End this chunk of training at a global step; the LR schedule still runs to ``max_steps``."""

    def __init__(self, step):
        self.step = step

    def on_train_batch_end(self, trainer, *args):
        if trainer.global_step >= self.step:
            trainer.should_stop = True


class StopAfterMinutes(L.Callback):
    """End this chunk after a wall time (Lightning's ``max_time`` counts restored time too)."""

    def __init__(self, minutes):
        self.seconds = 60.0 * minutes
        self.started = time.perf_counter()

    def on_train_batch_end(self, trainer, *args):
        if time.perf_counter() - self.started >= self.seconds:
            trainer.should_stop = True


def pretrain(config="nano", max_steps=1000, out="pretrain_out", batch_size=32, lr=1e-3, seed=0, resume=False,
             checkpoint_every=50, max_time_min=None, stop_at_step=None, tokenizer_series=2000, missing_prob=0.2,
             horizon_weight=1.0, accelerator="auto", devices="auto", progress=True, export_name=None):
    """Train (or resume) a model; returns ``(pipeline, losses)`` and writes everything under ``out``.

    Writes ``tokenizer.npz``, ``checkpoints/`` (``last.ckpt`` + periodic), ``loss.csv``,
    ``loss.png`` and the exported pipeline in ``out/pipeline`` (safetensors, tokenizer,
    model card with the training budget).

    Examples
    --------
    >>> import tempfile
    >>> pipe, losses = pretrain("tiny", max_steps=2, out=tempfile.mkdtemp(), batch_size=4,
    ...                         tokenizer_series=50, progress=False)
    >>> len(losses)
    2
    """
    cfg = CONFIGS[config] if isinstance(config, str) else config
    if isinstance(config, str) and config not in CONFIGS:
        raise ValueError(f"unknown config {config!r}; known: {sorted(CONFIGS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    L.seed_everything(seed, workers=True, verbose=False)
    tok_path = out / "tokenizer.npz"
    ckpt_dir = out / "checkpoints"
    ckpt_path = ckpt_dir / "last.ckpt"
    if resume and not ckpt_path.exists():
        raise ValueError(f"--resume given but {ckpt_path} does not exist")
    if resume or tok_path.exists():
        tokenizer = MotifTokenizer.load(tok_path)
    else:
        tokenizer = fit_synthetic_tokenizer(cfg, seed, tokenizer_series)
        tokenizer.save(tok_path)
    cfg = cfg.replace(vocab_size=tokenizer.vocab_size_ + 1)
    module = SymbolicLM(cfg.to_dict(), lr=lr, warmup_steps=min(100, max(1, max_steps // 10)), max_steps=max_steps)
    data = SyntheticDataModule(cfg, tokenizer, batch_size, seed, missing_prob, horizon_weight)
    checkpoint = L.pytorch.callbacks.ModelCheckpoint(dirpath=ckpt_dir, every_n_train_steps=checkpoint_every,
                                                     save_last=True, save_top_k=-1, filename="step{step}")
    # a resumed chunk logs into a new version; loss.csv joins them all
    logger = L.pytorch.loggers.CSVLogger(out, name="logs", version=None if resume else 0)
    callbacks = [checkpoint]
    if stop_at_step is not None:
        callbacks.append(StopAtStep(stop_at_step))
    if max_time_min is not None:
        callbacks.append(StopAfterMinutes(max_time_min))
    trainer = L.Trainer(max_steps=max_steps, accelerator=accelerator, devices=devices, logger=logger,
                        callbacks=callbacks, enable_progress_bar=progress, log_every_n_steps=1,
                        enable_model_summary=False, deterministic="warn", gradient_clip_val=1.0,
                        precision="bf16-mixed" if torch.cuda.is_available() and accelerator != "cpu" else "32-true")
    started = time.perf_counter()
    trainer.fit(module, datamodule=data, ckpt_path=str(ckpt_path) if resume else None)
    trainer.save_checkpoint(ckpt_path)  # also when a chunk ends early, so --resume continues from here
    wall = time.perf_counter() - started

    import pandas as pd

    metrics = pd.concat([pd.read_csv(p) for p in sorted((out / "logs").glob("version_*/metrics.csv"),
                                                         key=lambda p: int(p.parent.name.split("_")[1]))])
    # a chunk cut between checkpoints repeats steps after resuming: keep the latest
    losses = metrics.dropna(subset=["train_loss"]).drop_duplicates("step", keep="last").sort_values("step")
    losses[["step", "train_loss"]].to_csv(out / "loss.csv", index=False)
    plot_loss(out / "loss.csv", out / "loss.png")

    budget_path = out / "budget.json"
    budget = json.loads(budget_path.read_text()) if budget_path.exists() and resume else {"wall_time_s": 0.0}
    budget["wall_time_s"] += wall
    budget["steps"] = int(trainer.global_step)
    tokens = metrics.dropna(subset=["tokens"]).drop_duplicates("step", keep="last")["tokens"]
    budget["tokens"] = int(tokens.sum())
    budget["device"] = torch.cuda.get_device_name() if trainer.strategy.root_device.type == "cuda" else (
        f"CPU ({torch.get_num_threads()} threads)")
    budget_path.write_text(json.dumps(budget, indent=2))
    card = {
        "name": export_name or f"symbolic-{config if isinstance(config, str) else 'custom'}",
        "architecture": "decoder-only transformer over BPE motif tokens (RoPE, RMSNorm, SwiGLU, tied embeddings)",
        "parameters": module.model.num_parameters(),
        "training_budget": {**budget, "batch_size": batch_size, "lr": lr, "seed": seed},
        "data": "synthetic only (KernelSynth, CauKer, S2 with TSMixup); no real data in pretraining, "
                "tokenizer, decoding table or model selection",
        "tokenizer": {"vocab_size": int(tokenizer.vocab_size_), "n_bins": cfg.n_bins,
                      "fitted_on": f"{tokenizer_series} synthetic series"},
        "final_train_loss": float(losses["train_loss"].iloc[-5:].mean()),
    }
    pipeline = SymbolicPipeline(module.model.cpu(), tokenizer, device="cpu", card=card)
    pipeline.save(out / "pipeline")
    return pipeline, losses["train_loss"].to_numpy()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sktime_symbolic.model.pretrain", description=__doc__)
    parser.add_argument("--config", default="nano", choices=sorted(CONFIGS))
    parser.add_argument("--max-steps", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints/last.ckpt")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint-every", type=int, default=50)
    parser.add_argument("--max-time-min", type=float, default=None,
                        help="end this chunk (and checkpoint) after this many minutes")
    parser.add_argument("--stop-at-step", type=int, default=None, help="end this chunk at this global step")
    parser.add_argument("--tokenizer-series", type=int, default=2000)
    parser.add_argument("--missing-prob", type=float, default=0.2)
    parser.add_argument("--horizon-weight", type=float, default=1.0)
    parser.add_argument("--accelerator", default="auto")
    parser.add_argument("--export-name", default=None)
    args = parser.parse_args(argv)
    _, losses = pretrain(args.config, args.max_steps, args.out, args.batch_size, args.lr, args.seed, args.resume,
                         args.checkpoint_every, args.max_time_min, args.stop_at_step, args.tokenizer_series,
                         args.missing_prob, args.horizon_weight, args.accelerator, export_name=args.export_name)
    print(f"steps: {len(losses)}, first loss {losses[0]:.3f}, last loss {losses[-1]:.3f}; wrote {args.out}")


if __name__ == "__main__":
    main()
