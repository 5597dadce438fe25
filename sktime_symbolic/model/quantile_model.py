"""Encoder with a direct multi-horizon quantile head over codec tokens (one forward pass).

Each input token (a piece or a patch, see :mod:`~sktime_symbolic.model.piece_codec`) is a
feature vector plus a symbol id; a residual MLP embeds the features, the symbol embedding
and a learned embedding of the token's lag (steps from its last value to the forecast origin)
are added, a REG token closes
the sequence, and a pre-norm transformer encoder reads it all. An MLP maps the REG state to
``prediction_length x len(quantile_levels)`` values in scale units, added to the last
observed context value, so that "no change" is the starting point the network refines.

With ``copy_paths`` (the in-context motif prior), the codec's
:func:`~sktime_symbolic.model.piece_codec.motif_copy` paths (the context's continuation
after earlier matches of its last symbols) and their fit quality are embedded into the REG
token, and the base the head refines becomes a per-step softmax mixture of the last value
and those paths: a seasonal repeat found by the symbols costs no training to forecast.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from sktime_symbolic.model.pipeline import QUANTILE_LEVELS


@dataclass(frozen=True)
class QuantileConfig:
    """Architecture of :class:`QuantileEncoder` (the codec sets ``n_features``, ``n_symbols``
    and ``max_position``, the largest lag).

    Examples
    --------
    >>> QuantileConfig(n_features=11, n_symbols=65, max_position=512).d_model
    128
    """

    n_features: int
    n_symbols: int
    max_position: int
    d_model: int = 128
    n_layers: int = 4
    n_heads: int = 4
    d_ff: int = 512
    prediction_length: int = 64
    quantile_levels: tuple = QUANTILE_LEVELS
    copy_paths: int = 0

    def __post_init__(self):
        for name in ("n_features", "n_symbols", "max_position", "d_model", "n_layers", "n_heads", "d_ff",
                     "prediction_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.copy_paths not in (0, 2):
            raise ValueError(f"copy_paths must be 0 or 2 (the motif_copy paths), got {self.copy_paths!r}")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of n_heads ({self.n_heads})")
        object.__setattr__(self, "quantile_levels", tuple(float(q) for q in self.quantile_levels))
        if list(self.quantile_levels) != sorted(set(self.quantile_levels)) or not all(
                0 < q < 1 for q in self.quantile_levels):
            raise ValueError(f"quantile_levels must be increasing and in (0, 1), got {self.quantile_levels}")

    @property
    def copy_length(self) -> int:
        """Length of the codec's motif-copy paths this model reads (0: none)."""
        return self.prediction_length if self.copy_paths else 0

    def replace(self, **changes) -> "QuantileConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["quantile_levels"] = list(self.quantile_levels)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "QuantileConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        if set(data) - names:
            raise ValueError(f"unknown config fields {sorted(set(data) - names)}")
        # a model card must name every field: a silent default could load other weights' shapes
        if names - set(data):
            raise ValueError(f"config lacks fields {sorted(names - set(data))}")
        return cls(**{k: tuple(v) if k == "quantile_levels" else v for k, v in data.items()})


MODEL_INPUTS = ("features", "symbols", "lags", "valid", "last")
COPY_INPUTS = ("copy", "copy_quality")


def model_inputs(tokens, copy_paths, device=None) -> dict:
    """The encoder's input tensors (a dict, what :meth:`QuantileEncoder.forward` reads) of a codec's ``TokenBatch``."""
    names = MODEL_INPUTS + (COPY_INPUTS if copy_paths else ())
    return {k: torch.as_tensor(tokens[k].astype(np.float32) if k == "last" else tokens[k], device=device)
            for k in names}



class ResidualMLP(nn.Module):
    """``Linear(in, hidden) -> GELU -> Linear(hidden, out)`` plus a linear skip (Bolt's patch embedding)."""

    def __init__(self, d_in, d_hidden, d_out):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(d_in, d_hidden), nn.GELU(), nn.Linear(d_hidden, d_out))
        self.skip = nn.Linear(d_in, d_out)

    def forward(self, x):
        return self.hidden(x) + self.skip(x)


class QuantileEncoder(nn.Module):
    """Transformer encoder from codec tokens to ``(B, n_quantiles, prediction_length)`` scaled values."""

    def __init__(self, cfg: QuantileConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.embed = ResidualMLP(cfg.n_features, cfg.d_ff, d)
        self.symbol = nn.Embedding(cfg.n_symbols, d)
        self.position = nn.Embedding(cfg.max_position + 1, d)
        self.reg = nn.Parameter(torch.zeros(d))
        layer = nn.TransformerEncoderLayer(d, cfg.n_heads, cfg.d_ff, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, cfg.n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.head = ResidualMLP(d, cfg.d_ff, cfg.prediction_length * len(cfg.quantile_levels))
        nn.init.normal_(self.reg, std=0.02)
        if cfg.copy_paths:
            h, p = cfg.prediction_length, cfg.copy_paths
            self.copy_embed = ResidualMLP(p * (h + 1), cfg.d_ff, d)
            self.copy_gate = nn.Linear(d, (p + 1) * h)
            # start near "last value" (weight 0.8), the model without the prior
            nn.init.zeros_(self.copy_gate.weight)
            with torch.no_grad():
                self.copy_gate.bias.view(p + 1, h)[0] = 2.0
                self.copy_gate.bias.view(p + 1, h)[1:] = 0.0

    def _copy_inputs(self, inputs):
        """Copy paths relative to the last value and their quality, flattened: (B, P * (H + 1))."""
        rel = inputs["copy"] - inputs["last"][:, None, None].to(inputs["copy"].dtype)
        return torch.cat((rel.flatten(1), inputs["copy_quality"]), dim=1)

    def hidden_states(self, inputs):
        """Encoder states (B, T + 1, d_model) of a dict of codec tensors (``features``, ``symbols``,
        ``lags``, ``valid``, and with ``copy_paths`` also ``last``, ``copy``, ``copy_quality``);
        the last position is the REG token (lag 0)."""
        features, valid = inputs["features"], inputs["valid"]
        B, T, _ = features.shape
        x = self.embed(features) + self.symbol(inputs["symbols"]) + self.position(inputs["lags"])
        reg = (self.reg + self.position.weight[0]).expand(B, 1, -1)
        if self.cfg.copy_paths:
            reg = reg + self.copy_embed(self._copy_inputs(inputs))[:, None]
        x = torch.cat((x, reg), dim=1)
        keep = torch.cat((valid, torch.ones(B, 1, dtype=torch.bool, device=valid.device)), dim=1)
        return self.norm(self.encoder(x, src_key_padding_mask=~keep))

    def forward(self, inputs):
        """Quantiles in scale units, (B, n_quantiles, prediction_length)."""
        state = self.hidden_states(inputs)[:, -1]
        h = self.cfg.prediction_length
        q = self.head(state).view(-1, len(self.cfg.quantile_levels), h)
        last = inputs["last"][:, None].to(q.dtype)
        if self.cfg.copy_paths:
            weights = torch.softmax(self.copy_gate(state).view(-1, self.cfg.copy_paths + 1, h), dim=1)
            candidates = torch.cat((last.expand(-1, h)[:, None], inputs["copy"].to(q.dtype)), dim=1)
            base = (weights.to(q.dtype) * candidates).sum(1)
        else:
            base = last
        return q + base[:, None]

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def pinball_loss(pred, target, levels, observed=None):
    """Mean quantile (pinball) loss of ``pred`` (B, Q, H) against ``target`` (B, H)."""
    q = torch.as_tensor(levels, dtype=pred.dtype, device=pred.device)[None, :, None]
    diff = target[:, None, :] - pred
    loss = torch.maximum(q * diff, (q - 1) * diff)
    if observed is None:
        return loss.mean()
    w = observed[:, None, :].to(loss.dtype).expand_as(loss)
    return (loss * w).sum() / w.sum().clamp_min(1.0)
