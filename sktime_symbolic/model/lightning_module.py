"""Lightning module of the symbolic model: next-token loss and optimiser, shared by
pretraining (:mod:`~sktime_symbolic.model.pretrain`), fine-tuning
(:mod:`~sktime_symbolic.model.finetune`) and the GluonTS estimator."""

from __future__ import annotations

import math

import lightning as L
import torch
import torch.nn.functional as F

from sktime_symbolic.model.codec import IGNORE
from sktime_symbolic.model.config import SymbolicConfig
from sktime_symbolic.model.transformer import SymbolicTransformer


class SymbolicLM(L.LightningModule):
    """Next-token cross-entropy on motif tokens, AdamW with linear warm-up and cosine decay.

    Batches are ``(inputs, labels, weights)`` as built by
    :func:`~sktime_symbolic.model.codec.training_batch`.
    """

    def __init__(self, config: dict, lr=1e-3, weight_decay=0.1, warmup_steps=100, max_steps=1000):
        super().__init__()
        self.save_hyperparameters()
        self.model = SymbolicTransformer(SymbolicConfig.from_dict(config))

    @classmethod
    def from_pipeline(cls, pipeline, **hparams) -> "SymbolicLM":
        """A module starting from a copy of ``pipeline``'s weights (the pipeline is untouched)."""
        module = cls(pipeline.cfg.to_dict(), **hparams)
        module.model.load_state_dict({k: v.detach().cpu() for k, v in pipeline.model.state_dict().items()})
        return module

    def loss(self, batch):
        inputs, labels, weights = batch
        logits = self.model(inputs)
        ce = F.cross_entropy(logits.flatten(0, 1).float(), labels.flatten(), ignore_index=IGNORE, reduction="none")
        w = weights.flatten()
        return (ce * w).sum() / w.sum().clamp_min(1.0)

    def training_step(self, batch, batch_idx):
        loss = self.loss(batch)
        self.log("train_loss", loss, prog_bar=True, on_step=True, batch_size=batch[0].shape[0])
        self.log("tokens", float((batch[1] != IGNORE).sum()), reduce_fx="sum", on_step=True,
                 batch_size=batch[0].shape[0])
        return loss

    def validation_step(self, batch, batch_idx):
        loss = self.loss(batch)
        self.log("val_loss", loss, prog_bar=True, on_epoch=True, sync_dist=True, batch_size=batch[0].shape[0])
        return loss

    def configure_optimizers(self):
        return warmup_cosine_adamw(self)


def warmup_cosine_adamw(module: L.LightningModule) -> dict:
    """AdamW (no decay on gains and biases) with linear warm-up, then cosine decay to 10% at
    ``max_steps``; reads ``lr``, ``weight_decay``, ``warmup_steps`` and ``max_steps`` from the
    module's hyperparameters. Shared by every Lightning module of the project."""
    hp = module.hparams
    decay = [p for p in module.parameters() if p.ndim >= 2]
    no_decay = [p for p in module.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": hp.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=hp.lr, betas=(0.9, 0.95))

    def schedule(step):
        if step < hp.warmup_steps:
            return (step + 1) / hp.warmup_steps
        progress = min(1.0, (step - hp.warmup_steps) / max(1, hp.max_steps - hp.warmup_steps))
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
