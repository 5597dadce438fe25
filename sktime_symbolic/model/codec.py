"""Context-scaled tokenization: scale by the context only, tokenize context and horizon apart.

:class:`~sktime_symbolic.bpe.MotifTokenizer` scales each series it encodes by that series'
own statistics, but a forecasting model must see the horizon on the *context's* scale.  The
codec therefore z-scores with the context's mean and standard deviation itself, clips to
``[-clip, clip]`` and divides by ``clip``: with the tokenizer's ``"meanabs"`` scaling and
``scale_floor=1`` the tokenizer's own scale is then exactly 1 (the mean absolute value of
values in ``[-1, 1]`` is at most 1) and its location 0, so tokens mean the same on both
sides of the forecast origin.
"""

from __future__ import annotations

import numpy as np
import torch

from sktime_symbolic.bpe import MASK, PAD, MotifTokenizer

# label of positions that carry no loss (torch's cross-entropy ``ignore_index`` default)
IGNORE = -100


def make_tokenizer(n_bins: int, max_vocab: int, p_min: int) -> MotifTokenizer:
    """An unfitted tokenizer whose own scaling is the identity on codec output (see module doc)."""
    return MotifTokenizer(n_bins=n_bins, lb=-1.0, ub=1.0, scaling="meanabs", scale_floor=1.0, p_min=p_min,
                          max_vocab=max_vocab, conditional=True, cond_pseudo_count=1.0)


def context_scale(context: np.ndarray, scale_floor: float) -> tuple[float, float]:
    """``(mean, std)`` of a context ignoring NaN; std floored at ``scale_floor * max(1, |mean|)``.

    Examples
    --------
    >>> context_scale(np.array([1.0, 3.0, np.nan]), 1e-5)
    (2.0, 1.0)
    """
    finite = context[~np.isnan(context)]
    if finite.size == 0:
        return 0.0, 1.0
    mean = float(finite.mean())
    return mean, max(float(finite.std()), scale_floor * max(1.0, abs(mean)))


def to_codec_units(values: np.ndarray, loc: float, scale: float, clip: float) -> np.ndarray:
    """Values as the tokenizer sees them: z-scored by the context, clipped, divided by ``clip``."""
    return np.clip((np.asarray(values, dtype=np.float64) - loc) / scale, -clip, clip) / clip


def training_batch(cfg, tokenizer: MotifTokenizer, contexts, horizons, horizon_weight: float = 1.0):
    """Next-token training tensors ``(inputs, labels, weights)`` from (context, horizon) pairs.

    Each context (NaN = missing) is scaled by its own statistics, context and horizon are
    tokenized apart on that scale and joined by the ORIGIN token (``tokenizer.vocab_size_``);
    sequences are cut to ``cfg.max_seq_len`` keeping the horizon and the end of the context,
    and right-padded. Horizon tokens weigh ``horizon_weight``; the ORIGIN token and MASK
    labels carry no loss (the origin is given, a missing value is not a forecast).
    """
    origin = tokenizer.vocab_size_
    scaled_contexts, scaled_horizons = [], []
    for ctx, hor in zip(contexts, horizons):
        loc, scale = context_scale(ctx, cfg.scale_floor)
        scaled_contexts.append(to_codec_units(ctx, loc, scale, cfg.clip))
        scaled_horizons.append(to_codec_units(hor, loc, scale, cfg.clip))
    enc_c, enc_h = tokenizer.encode(scaled_contexts), tokenizer.encode(scaled_horizons)
    seqs, n_ctx = [], []
    for i in range(len(scaled_contexts)):
        hor = enc_h[i][: cfg.max_seq_len - 2]
        ctx = enc_c[i][-(cfg.max_seq_len - 1 - len(hor)):]
        seqs.append(np.concatenate((ctx, [origin], hor)).astype(np.int64))
        n_ctx.append(len(ctx))
    width = max(len(s) for s in seqs) - 1
    inputs = np.full((len(seqs), width), PAD, dtype=np.int64)
    labels = np.full((len(seqs), width), IGNORE, dtype=np.int64)
    weights = np.zeros((len(seqs), width), dtype=np.float32)
    for i, seq in enumerate(seqs):
        n = len(seq) - 1
        inputs[i, :n], labels[i, :n] = seq[:-1], seq[1:]
        weights[i, :n] = 1.0
        weights[i, n_ctx[i]:n] = horizon_weight
    drop = (labels == origin) | (labels == MASK)
    labels[drop], weights[drop] = IGNORE, 0.0
    return torch.as_tensor(inputs), torch.as_tensor(labels), torch.as_tensor(weights)
