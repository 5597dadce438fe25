"""Decoder-only transformer over motif tokens: RoPE, RMSNorm, SwiGLU, tied embeddings, KV cache."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sktime_symbolic.model.config import SymbolicConfig


class RMSNorm(nn.Module):
    """Root-mean-square layer norm with a learned gain (no bias, no centring)."""

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        # normalise in fp32 so bf16 autocast keeps the statistics accurate
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).type_as(x) * self.weight


def _rope(x, positions, theta):
    """Rotate pairs of channels of ``x`` (B, H, T, D) by position-dependent angles."""
    d = x.shape[-1]
    inv_freq = 1.0 / theta ** (torch.arange(0, d, 2, device=x.device, dtype=torch.float32) / d)
    angles = positions.to(torch.float32)[..., None] * inv_freq  # (B, T, D/2)
    cos, sin = angles.cos()[:, None].to(x.dtype), angles.sin()[:, None].to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


class Attention(nn.Module):
    def __init__(self, cfg: SymbolicConfig):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.theta = cfg.rope_theta
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.out = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x, positions, mask, cache=None):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.n_heads, C // self.n_heads).permute(2, 0, 3, 1, 4)
        q, k = _rope(q, positions, self.theta), _rope(k, positions, self.theta)
        if cache is not None:
            k, v = cache.append(k, v)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.out(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, cfg: SymbolicConfig):
        super().__init__()
        self.norm1 = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.norm2 = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.gate_up = nn.Linear(cfg.d_model, 2 * cfg.d_ff, bias=False)
        self.down = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)

    def forward(self, x, positions, mask, cache=None):
        x = x + self.attn(self.norm1(x), positions, mask, cache)
        gate, up = self.gate_up(self.norm2(x)).chunk(2, dim=-1)
        return x + self.down(F.silu(gate) * up)


class LayerCache:
    """Keys and values of one layer in a preallocated buffer, written in place step by step.

    Attention sees at most the last ``window`` cached positions plus the new ones; the
    buffer is compacted to those when it fills up, so a step costs no copy of the cache.
    """

    _SLACK = 64  # positions allocated ahead, so reallocation happens once per this many steps

    def __init__(self, window: int):
        self.window = window
        self.k = self.v = None
        self.length = 0

    def append(self, k, v):
        T = k.shape[2]
        if self.k is None or self.length + T > self.k.shape[2]:
            keep = min(self.length, self.window)
            shape = (k.shape[0], k.shape[1], keep + T + self._SLACK, k.shape[3])
            new_k, new_v = k.new_empty(shape), v.new_empty(shape)
            if keep:
                new_k[:, :, :keep] = self.k[:, :, self.length - keep:self.length]
                new_v[:, :, :keep] = self.v[:, :, self.length - keep:self.length]
            self.k, self.v, self.length = new_k, new_v, keep
        self.k[:, :, self.length:self.length + T] = k
        self.v[:, :, self.length:self.length + T] = v
        self.length += T
        start = max(0, self.length - self.window - T)
        return self.k[:, :, start:self.length], self.v[:, :, start:self.length]

    def repeat_interleave(self, n: int):
        """Repeat every batch row ``n`` times (one row per sample path)."""
        self.k = self.k[:, :, :self.length].repeat_interleave(n, dim=0)
        self.v = self.v[:, :, :self.length].repeat_interleave(n, dim=0)


class KVCache:
    """Per-layer caches plus the validity of each cached position (False for left padding).

    ``window`` bounds the attended past: generation longer than the trained sequence keeps
    the most recent ``window`` positions, which RoPE sees at the same relative distances
    as in training.
    """

    def __init__(self, n_layers: int, window: int):
        self.layers = [LayerCache(window) for _ in range(n_layers)]
        self.window = window
        self.valid = None  # (B, T) bool
        self.next_position = None  # (B,) long

    def repeat_interleave(self, n: int):
        for layer in self.layers:
            layer.repeat_interleave(n)
        self.valid = self.valid.repeat_interleave(n, dim=0)
        self.next_position = self.next_position.repeat_interleave(n, dim=0)


class SymbolicTransformer(nn.Module):
    """Causal language model over motif tokens.

    Parameters
    ----------
    cfg : SymbolicConfig
        Needs ``vocab_size`` set.

    Examples
    --------
    >>> import torch
    >>> from sktime_symbolic.model import CONFIGS, SymbolicTransformer
    >>> model = SymbolicTransformer(CONFIGS["tiny"].replace(vocab_size=40))
    >>> model(torch.randint(3, 40, (2, 7))).shape
    torch.Size([2, 7, 40])
    """

    def __init__(self, cfg: SymbolicConfig):
        super().__init__()
        if cfg.vocab_size is None:
            raise ValueError("cfg.vocab_size is None: fit the tokenizer first and set the model vocabulary")
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.apply(self._init_weights)
        # scaled residual branches (GPT-2): keep the residual stream's variance depth-independent
        for block in self.blocks:
            nn.init.normal_(block.attn.out.weight, std=0.02 / (2 * cfg.n_layers) ** 0.5)
            nn.init.normal_(block.down.weight, std=0.02 / (2 * cfg.n_layers) ** 0.5)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)

    def hidden_states(self, tokens, valid=None, cache: KVCache | None = None):
        """Final normalised hidden states (B, T, d_model).

        ``valid`` (B, T) marks real tokens (False: left padding); with ``cache`` the new
        tokens attend to everything cached before them.
        """
        B, T = tokens.shape
        if valid is None:
            valid = torch.ones(B, T, dtype=torch.bool, device=tokens.device)
        if cache is not None and cache.valid is not None:
            start = cache.next_position
            keys_valid = torch.cat((cache.valid, valid), dim=1)[:, -cache.window - T:]
        else:
            # RoPE is relative: left padding does not shift what a real token sees
            start = torch.zeros(B, dtype=torch.long, device=tokens.device)
            keys_valid = valid
        positions = start[:, None] + torch.arange(T, device=tokens.device)
        n_keys = keys_valid.shape[1]
        q_idx = torch.arange(T, device=tokens.device)[:, None] + (n_keys - T)
        k_idx = torch.arange(n_keys, device=tokens.device)[None, :]
        # a padded query attends to itself only, so its (unused) output stays finite
        mask = (k_idx <= q_idx)[None] & (keys_valid[:, None, :] | (k_idx == q_idx)[None])
        x = self.embed(tokens)
        for i, block in enumerate(self.blocks):
            x = block(x, positions, mask[:, None], None if cache is None else cache.layers[i])
        if cache is not None:
            cache.valid = keys_valid[:, -cache.window:]
            cache.next_position = positions[:, -1] + 1
        return self.norm(x)

    def logits(self, hidden):
        # tied embeddings: the output projection is the input embedding
        return F.linear(hidden, self.embed.weight)

    def forward(self, tokens, valid=None, cache=None):
        """Next-token logits (B, T, vocab_size)."""
        return self.logits(self.hidden_states(tokens, valid, cache))

    def new_cache(self) -> KVCache:
        # new token + window keys: attention distances stay below the trained max_seq_len
        return KVCache(self.cfg.n_layers, self.cfg.max_seq_len - 1)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
