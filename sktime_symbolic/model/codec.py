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

from sktime_symbolic.bpe import MotifTokenizer


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
