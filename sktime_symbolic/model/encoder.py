"""Encoder with a direct multi-horizon quantile head over codec tokens (one forward pass).

Each input token (a piece or a patch, see :mod:`~sktime_symbolic.model.codec`) is a
feature vector plus a symbol id; a residual MLP embeds the features, the symbol embedding
and a learned embedding of the token's lag (steps from its last value to the forecast origin)
are added, a REG token closes
the sequence, and a pre-norm transformer encoder reads it all. An MLP maps the REG state to
``prediction_length x len(quantile_levels)`` values in scale units, added to the last
observed context value, so that "no change" is the starting point the network refines.

With ``season_input``, each token's phase within its series' season and the season features
(the season, its autocorrelation, the detected season) are embedded as well. With
``expert_paths``, the codec's statistical experts (:mod:`~sktime_symbolic.model.experts`:
seasonal naive, SES, damped trend, Theta, ...) and their backtest skill enter the REG token and
the mixture below as further candidates, so the network learns which expert to trust per series
and per step rather than the seasonality itself.

With ``specialist_seasons`` (one group of seasons per specialist), the encoder holds further
networks of the same architecture, the specialists, and each series whose season (told, or detected
from the context) is in a specialist's group is forecast by that specialist alone: a hard mixture
of experts keyed on the season. A series told nothing in whose context no season is found goes to
the base network, also where a specialist forecasts season 1 (yearly data, told so). One network
trained on the whole mixture trades the low-frequency groups against the high-frequency ones (more
whole short histories win monthly data and lose daily data, BENCHMARKS.md); a network per group of
seasons, each trained for its own, need not.

With ``copy_paths`` (the in-context motif prior), the codec's
:func:`~sktime_symbolic.model.codec.motif_copy` paths (the context's continuation
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

from sktime_symbolic.model.experts import N_EXPERTS, N_SEASON_FEATURES

#: the quantile levels the shipped models forecast
QUANTILE_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

#: fields added after the first saved models, with the value those models were built with
#: (a card without them describes a model without them)
ADDED_FIELDS = {"season_input": False, "expert_paths": 0, "specialist_seasons": ()}


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
    season_input: bool = False
    expert_paths: int = 0
    specialist_seasons: tuple = ()

    def __post_init__(self):
        for name in ("n_features", "n_symbols", "max_position", "d_model", "n_layers", "n_heads", "d_ff",
                     "prediction_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.copy_paths not in (0, 2):
            raise ValueError(f"copy_paths must be 0 or 2 (the motif_copy paths), got {self.copy_paths!r}")
        if self.expert_paths not in (0, N_EXPERTS):
            raise ValueError(f"expert_paths must be 0 or {N_EXPERTS} (the codec's experts), got {self.expert_paths!r}")
        if not isinstance(self.season_input, bool):
            raise ValueError(f"season_input must be a bool, got {self.season_input!r}")
        object.__setattr__(self, "specialist_seasons", _season_groups(self.specialist_seasons))
        if self.specialist_seasons and not self.season_input:
            raise ValueError("specialist_seasons route by the season: the model needs season_input=True")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of n_heads ({self.n_heads})")
        object.__setattr__(self, "quantile_levels", tuple(float(q) for q in self.quantile_levels))
        if list(self.quantile_levels) != sorted(set(self.quantile_levels)) or not all(
                0 < q < 1 for q in self.quantile_levels):
            raise ValueError(f"quantile_levels must be increasing and in (0, 1), got {self.quantile_levels}")

    @property
    def copy_length(self) -> int:
        """Length of the codec's motif-copy and expert paths this model reads (0: none)."""
        return self.prediction_length if self.copy_paths or self.expert_paths else 0

    def replace(self, **changes) -> "QuantileConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["quantile_levels"] = list(self.quantile_levels)
        out["specialist_seasons"] = [list(group) for group in self.specialist_seasons]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "QuantileConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        if set(data) - names:
            raise ValueError(f"unknown config fields {sorted(set(data) - names)}")
        # a model card must name every field: a silent default could load other weights' shapes
        # (only the fields added later may be missing, from cards written before them)
        if names - set(data) - set(ADDED_FIELDS):
            raise ValueError(f"config lacks fields {sorted(names - set(data) - set(ADDED_FIELDS))}")
        data = {**ADDED_FIELDS, **data}
        return cls(**{k: tuple(v) if k == "quantile_levels" else v for k, v in data.items()})


def _season_groups(value) -> tuple:
    """``specialist_seasons`` as a tuple of sorted tuples, one per specialist: a sequence of
    integers is one specialist's seasons (``(4, 12)`` -> ``((4, 12),)``), a sequence of such
    sequences one group per specialist; each season positive and in one group at most."""
    bad = ValueError(f"specialist_seasons must be distinct positive integers, or groups of them (one per "
                     f"specialist), got {value!r}")
    if not isinstance(value, (tuple, list)):
        raise bad
    groups = [value] if value and not isinstance(value[0], (tuple, list)) else list(value)
    seasons = []
    for group in groups:
        if not isinstance(group, (tuple, list)) or not group:
            raise bad
        seasons += list(group)
    if any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 for k in seasons) or len(
            set(seasons)) != len(seasons):
        raise bad
    return tuple(tuple(sorted(int(k) for k in group)) for group in groups)


def network_of_routes(cfg: QuantileConfig, routes) -> np.ndarray:
    """The network of each route (the season told, else the one detected when one was found, else 0:
    the codec's ``route``): ``i + 1`` for the seasons of ``cfg.specialist_seasons[i]``, else 0, the
    base network.

    Examples
    --------
    >>> cfg = QuantileConfig(n_features=11, n_symbols=65, max_position=512, season_input=True,
    ...                      specialist_seasons=((4, 12), (1,)))
    >>> network_of_routes(cfg, [12, 24, 1, 0, 4])
    array([1, 0, 2, 0, 1])
    """
    routes = np.asarray(routes)
    out = np.zeros(routes.shape, dtype=np.int64)
    for i, group in enumerate(cfg.specialist_seasons):
        out[np.isin(routes, group)] = i + 1
    return out


MODEL_INPUTS = ("features", "symbols", "lags", "valid", "last")
COPY_INPUTS = ("copy", "copy_quality")
SEASON_INPUTS = ("phase", "season_features")
ROUTE_INPUTS = ("route",)
EXPERT_INPUTS = ("experts", "expert_skill")


def model_inputs(tokens, cfg: QuantileConfig | None, device=None) -> dict:
    """The encoder's input tensors (a dict, what :meth:`QuantileEncoder.forward` reads) of a codec's
    ``TokenBatch``, for a model of config ``cfg`` (None: the tokens alone)."""
    names = MODEL_INPUTS if cfg is None else (
        MODEL_INPUTS + (COPY_INPUTS if cfg.copy_paths else ()) + (SEASON_INPUTS if cfg.season_input else ())
        + (EXPERT_INPUTS if cfg.expert_paths else ()) + (ROUTE_INPUTS if cfg.specialist_seasons else ()))
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


def _silence(*modules):
    """Zero the output layers of ``modules`` (Linear or ResidualMLP), so they add nothing at first."""
    for m in modules:
        for layer in ((m,) if isinstance(m, nn.Linear) else (m.hidden[-1], m.skip)):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)


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
        h = cfg.prediction_length
        if cfg.copy_paths:
            p = cfg.copy_paths
            self.copy_embed = ResidualMLP(p * (h + 1), cfg.d_ff, d)
            self.copy_gate = nn.Linear(d, (p + 1) * h)
            # start near "last value" (weight 0.8), the model without the prior
            nn.init.zeros_(self.copy_gate.weight)
            with torch.no_grad():
                self.copy_gate.bias.view(p + 1, h)[0] = 2.0
                self.copy_gate.bias.view(p + 1, h)[1:] = 0.0
        # the season and expert layers start silent (zero output, small gate weight): added to
        # trained weights, they leave the forecast as it was until training gives them a use
        if cfg.season_input:
            self.phase = nn.Linear(2, d)
            self.season_embed = ResidualMLP(N_SEASON_FEATURES, cfg.d_ff, d)
            _silence(self.phase, self.season_embed)
        if cfg.expert_paths:
            e = cfg.expert_paths
            self.expert_embed = ResidualMLP(e * (h + 1), cfg.d_ff, d)
            self.expert_gate = nn.Linear(d, e * h)
            _silence(self.expert_embed)
            nn.init.zeros_(self.expert_gate.weight)
            nn.init.constant_(self.expert_gate.bias, -1.0)
        if cfg.specialist_seasons:
            self.specialists = nn.ModuleList(QuantileEncoder(cfg.replace(specialist_seasons=()))
                                             for _ in cfg.specialist_seasons)

    @staticmethod
    def _paths_inputs(paths, quality, last):
        """Paths relative to the last value and their quality, flattened: (B, P * (H + 1))."""
        rel = paths - last[:, None, None].to(paths.dtype)
        return torch.cat((rel.flatten(1), quality), dim=1)

    def forward(self, inputs):
        """Quantiles in scale units, (B, n_quantiles, prediction_length): each specialist's on the series
        of its seasons, this network's on the others, in the batch's order (each series sees one
        network only, so its forecast does not depend on the rest of the batch)."""
        if not self.cfg.specialist_seasons:
            return self._forward(inputs)
        route = torch.as_tensor(network_of_routes(self.cfg, inputs["route"].cpu().numpy()),
                                device=inputs["route"].device)
        out = None
        for i, network in enumerate((self, *self.specialists)):
            rows = route == i
            if rows.all():
                return network._forward(inputs)
            if rows.any():
                part = network._forward({k: v[rows] for k, v in inputs.items()})
                if out is None:
                    out = part.new_zeros((rows.shape[0],) + part.shape[1:])
                out[rows] = part
        return out

    def hidden_states(self, inputs):
        """Encoder states (B, T + 1, d_model) of a dict of codec tensors (``features``, ``symbols``,
        ``lags``, ``valid``, and with ``copy_paths`` also ``last``, ``copy``, ``copy_quality``);
        the last position is the REG token (lag 0). Always the base network's, also for the
        specialists' seasons: the embeddings of a panel must share one space."""
        features, valid = inputs["features"], inputs["valid"]
        B, T, _ = features.shape
        x = self.embed(features) + self.symbol(inputs["symbols"]) + self.position(inputs["lags"])
        reg = (self.reg + self.position.weight[0]).expand(B, 1, -1)
        if self.cfg.copy_paths:
            reg = reg + self.copy_embed(self._paths_inputs(inputs["copy"], inputs["copy_quality"], inputs["last"]))[:, None]
        if self.cfg.season_input:
            x = x + self.phase(inputs["phase"])
            reg = reg + self.season_embed(inputs["season_features"])[:, None]
        if self.cfg.expert_paths:
            reg = reg + self.expert_embed(
                self._paths_inputs(inputs["experts"], inputs["expert_skill"], inputs["last"]))[:, None]
        x = torch.cat((x, reg), dim=1)
        keep = torch.cat((valid, torch.ones(B, 1, dtype=torch.bool, device=valid.device)), dim=1)
        return self.norm(self.encoder(x, src_key_padding_mask=~keep))

    def _forward(self, inputs):
        state = self.hidden_states(inputs)[:, -1]
        h = self.cfg.prediction_length
        q = self.head(state).view(-1, len(self.cfg.quantile_levels), h)
        last = inputs["last"][:, None].to(q.dtype)
        if not (self.cfg.copy_paths or self.cfg.expert_paths):
            return q + last[:, None]
        logits, candidates = [], [last.expand(-1, h)[:, None]]
        if self.cfg.copy_paths:
            logits.append(self.copy_gate(state).view(-1, self.cfg.copy_paths + 1, h))
            candidates.append(inputs["copy"].to(q.dtype))
        else:
            logits.append(torch.zeros_like(state[:, :1, None]).expand(-1, 1, h))
        if self.cfg.expert_paths:
            logits.append(self.expert_gate(state).view(-1, self.cfg.expert_paths, h))
            candidates.append(inputs["experts"].to(q.dtype))
        weights = torch.softmax(torch.cat(logits, dim=1), dim=1)
        base = (weights.to(q.dtype) * torch.cat(candidates, dim=1)).sum(1)
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
