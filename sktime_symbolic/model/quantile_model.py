"""Encoder with a direct multi-horizon quantile head over codec tokens (one forward pass).

Each input token (a piece or a patch, see :mod:`~sktime_symbolic.model.piece_codec`) is a
feature vector plus a symbol id; a residual MLP embeds the features, the symbol embedding
and a learned embedding of the token's lag (steps from its last value to the forecast origin)
are added, a REG token closes
the sequence, and a pre-norm transformer encoder reads it all. An MLP maps the REG state to
``prediction_length x len(quantile_levels)`` values in scale units, added to the last
observed context value, so that "no change" is the starting point the network refines.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

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

    def __post_init__(self):
        for name in ("n_features", "n_symbols", "max_position", "d_model", "n_layers", "n_heads", "d_ff",
                     "prediction_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of n_heads ({self.n_heads})")
        object.__setattr__(self, "quantile_levels", tuple(float(q) for q in self.quantile_levels))
        if list(self.quantile_levels) != sorted(set(self.quantile_levels)) or not all(
                0 < q < 1 for q in self.quantile_levels):
            raise ValueError(f"quantile_levels must be increasing and in (0, 1), got {self.quantile_levels}")

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

    def hidden_states(self, features, symbols, lags, valid):
        """Encoder states (B, T + 1, d_model); the last position is the REG token (lag 0)."""
        B, T, _ = features.shape
        x = self.embed(features) + self.symbol(symbols) + self.position(lags)
        reg = (self.reg + self.position.weight[0]).expand(B, 1, -1)
        x = torch.cat((x, reg), dim=1)
        keep = torch.cat((valid, torch.ones(B, 1, dtype=torch.bool, device=valid.device)), dim=1)
        return self.norm(self.encoder(x, src_key_padding_mask=~keep))

    def forward(self, features, symbols, lags, valid, last):
        """Quantiles in scale units, (B, n_quantiles, prediction_length)."""
        state = self.hidden_states(features, symbols, lags, valid)[:, -1]
        q = self.head(state).view(-1, len(self.cfg.quantile_levels), self.cfg.prediction_length)
        return q + last[:, None, None].to(q.dtype)

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
