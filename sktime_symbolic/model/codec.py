"""Codecs of the quantile encoder: contexts to token features, on a robust per-series scale.

A codec turns validated float64 contexts into the encoder's input: one feature vector
(and, for symbolic codecs, one symbol id) per token, left-padded into a batch. Two codecs
share the scaling and the batch layout:

- :class:`PieceCodec` (the product): each token is one piece of the context's ABBA
  polygonal chain. Piece boundaries come from the ABBA compression, the symbol from a
  JABBA codebook over (length, increment) fitted on synthetic data, and the continuous
  content (the piece's values resampled to ``n_resample`` points, its length, its observed
  share, where it ends) keeps the exact level at the forecast origin.
- :class:`PatchCodec` (the reference of the design bake-off): fixed patches of
  ``patch_size`` values plus their observed mask, Chronos-Bolt's input.

Scaling (:func:`robust_loc_scale`): location = median, scale = 1.4826 * median absolute
deviation (falling back to the mean absolute deviation when more than half the points
equal the median, e.g. intermittent demand), both in float64 on the observed points. A
floor relative to the location (``rel_floor * |loc|``) keeps a constant series finite;
an all-zero series gets scale 1. So ``y -> a*y + c`` maps loc and scale exactly to
``a*loc + c`` and ``a*scale`` (for ``a > 0``), one outlier moves neither, and values
are clipped to ``[-clip, clip]`` scale units, so one spike cannot flatten the rest.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sktime_symbolic.abba import compress
from sktime_symbolic.abba.digitization import Codebook, cluster
from sktime_symbolic.model.experts import batch_statistical_experts, check_seasons

#: the (length, increment) symbol of padding positions
PAD_SYMBOL = 0


def robust_loc_scale(context: np.ndarray, rel_floor: float = 1e-12) -> tuple[float, float]:
    """``(median, robust scale)`` of the observed (non-NaN) values, in float64.

    Examples
    --------
    >>> robust_loc_scale(np.array([1.0, 2.0, 3.0, 1e6]))
    (2.5, 1.4826)
    >>> robust_loc_scale(np.array([5.0, 5.0, 5.0]))
    (5.0, 5e-12)
    """
    x = np.asarray(context, dtype=np.float64)
    x = x[~np.isnan(x)]
    if x.size == 0:
        raise ValueError("context has no observed value")
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        loc = float(np.median(x))
        dev = np.abs(x - loc)
        scale = 1.4826 * float(np.median(dev))
        if scale == 0.0:
            # more than half the points sit at the median (intermittent demand, steps)
            scale = 1.2533 * float(dev.mean())
    scale = max(scale, rel_floor * abs(loc))
    if scale == 0.0:
        scale = 1.0
    if not np.isfinite(scale) or not np.isfinite(loc):
        raise ValueError("context values overflow float64 arithmetic (its spread is not finite)")
    return loc, scale


def scale_contexts(contexts, clip: float, rel_floor: float = 1e-12):
    """``(z, loc, scale)``: each context in its own robust units, clipped to ``+-clip``."""
    z, loc, scale = [], np.empty(len(contexts)), np.empty(len(contexts))
    for i, x in enumerate(contexts):
        try:
            loc[i], scale[i] = robust_loc_scale(x, rel_floor)
        except ValueError as error:
            raise ValueError(f"series {i}: {error}") from None
        with np.errstate(over="ignore", invalid="ignore"):
            z.append(np.clip((x - loc[i]) / scale[i], -clip, clip))
    return z, loc, scale


def fill_missing(z: np.ndarray) -> np.ndarray:
    """Linear interpolation over NaN (ends take the nearest observed value)."""
    missing = np.isnan(z)
    if not missing.any():
        return z
    idx = np.arange(z.size)
    return np.interp(idx, idx[~missing], z[~missing])


def _left_pad(rows: list, width: int, fill=0.0, dtype=np.float32) -> np.ndarray:
    """Stack arrays of shape (n_i, ...) into (n, width, ...), right-aligned (left padding)."""
    tail = rows[0].shape[1:]
    out = np.full((len(rows), width, *tail), fill, dtype=dtype)
    for i, r in enumerate(rows):
        if len(r):
            out[i, width - len(r):] = r[-width:]
    return out


@njit(cache=True)
def merge_short_pieces(lengths, offsets, min_lens):
    """Join consecutive pieces of each chain ``i`` until each spans at least ``min_lens[i]`` steps.

    A chain's leftover short tail joins its last piece, so every token still ends at a
    breakpoint of the ABBA chain and the last one at the forecast origin. Returns the new
    ``(lengths, offsets)``.
    """
    out = np.empty_like(lengths)
    new_offsets = np.zeros_like(offsets)
    count = 0
    for i in range(offsets.shape[0] - 1):
        first = count
        run = 0
        for j in range(offsets[i], offsets[i + 1]):
            run += lengths[j]
            if run >= min_lens[i]:
                out[count] = run
                count += 1
                run = 0
        if run > 0 or count == first:
            if count > first:
                out[count - 1] += run
            else:
                out[count] = run
                count += 1
        new_offsets[i + 1] = count
    return out[:count], new_offsets


#: the window over which :func:`motif_copy` scores a lag, and the most lags it tries
MOTIF_WINDOW, MOTIF_MAX_LAGS = 64, 6


@njit(cache=True)
def motif_copy(x, lengths, codes, horizon, window=MOTIF_WINDOW, max_lags=MOTIF_MAX_LAGS):
    """In-context motif matching: the context's own continuation after earlier occurrences of
    its last symbols, as two candidate paths of ``horizon`` values.

    The symbols of the two complete pieces before the last one (or of one, when two match
    fewer than twice) are looked up earlier in the chain; each match proposes the lag
    between the two occurrences. Piece boundaries shift by a few steps between repeats, so
    each proposed lag ``L`` is refined over ``L +- max(1, L // 8)`` to the lag whose values
    best repeat over the last ``window`` steps. Path 0 repeats the values one lag back
    (a seasonal repeat), path 1 adds the change over one lag per cycle (a repeat with drift:
    a line continues). ``quality`` is ``1 - mse / (var + 0.01)`` of each path's fit over the
    window, in ``[-1, 1]``; with no match the paths are the last value and quality is -1.

    Returns ``(paths (2, horizon), quality (2,))``.
    """
    n = x.size
    m = lengths.size
    paths = np.full((2, horizon), x[n - 1])
    quality = np.full(2, -1.0)
    if m < 3:
        return paths, quality
    ends = np.cumsum(lengths)
    query_end = ends[m - 2]
    lags = np.zeros(max_lags, dtype=np.int64)
    n_lags = 0
    for k in (2, 1):
        for j in range(m - 3, k - 2, -1):
            if n_lags == max_lags:
                break
            same = True
            for i in range(k):
                if codes[j - i] != codes[m - 2 - i]:
                    same = False
                    break
            lag = query_end - ends[j]
            if same and lag >= 2:
                new = True
                for i in range(n_lags):
                    new = new and lags[i] != lag
                if new:
                    lags[n_lags] = lag
                    n_lags += 1
        if n_lags >= 2:
            break
    best_err = np.full(2, np.inf)
    best_lag = np.zeros(2, dtype=np.int64)
    for c in range(n_lags):
        r = max(1, lags[c] // 8)
        for lag in range(max(2, lags[c] - r), lags[c] + r + 1):
            w = min(lag, window, n - 1 - lag)
            if w < 4:
                continue
            drift = x[n - 1] - x[n - 1 - lag]
            mean = 0.0
            for t in range(n - w, n):
                mean += x[t]
            mean /= w
            var, err0, err1 = 0.0, 0.0, 0.0
            for t in range(n - w, n):
                d = x[t] - x[t - lag]
                var += (x[t] - mean) ** 2
                err0 += d * d
                err1 += (d - drift) ** 2
            var = var / w + 0.01
            for p, err in ((0, err0 / w / var), (1, err1 / w / var)):
                if err < best_err[p]:
                    best_err[p] = err
                    best_lag[p] = lag
    for p in range(2):
        lag = best_lag[p]
        if lag == 0:
            continue
        quality[p] = max(-1.0, 1.0 - best_err[p])
        drift = x[n - 1] - x[n - 1 - lag] if p == 1 else 0.0
        for h in range(horizon):
            paths[p, h] = x[n - lag + h % lag] + drift * (1 + h // lag)
    return paths, quality


def season_inputs(season_extras, raw_lags, valid, seasons, told, clip, copy_length) -> dict:
    """The season-aware part of a :class:`TokenBatch`: each token's phase in its series' season
    (zero without one), the season features, the route (the season ``told``, else the detected one
    when one was found, else 0: a series told nothing and without a season goes to no specialist),
    and with a ``copy_length`` the experts and their skill (``season_extras``: what
    :func:`~sktime_symbolic.model.experts.batch_statistical_experts` returns)."""
    period = np.maximum(seasons, 1)[:, None].astype(np.float64)
    angle = 2 * np.pi * ((raw_lags - 1) % period) / period
    on = (valid & (seasons[:, None] > 1))[..., None]
    out = {"phase": np.where(on, np.stack((np.sin(angle), np.cos(angle)), axis=-1), 0.0).astype(np.float32),
           "season_features": season_extras[2].astype(np.float32), "season": seasons,
           "route": np.where(told > 0, told, np.where(seasons > 1, seasons, 0))}
    if copy_length:
        out["experts"] = np.clip(season_extras[0], -clip, clip).astype(np.float32)
        out["expert_skill"] = season_extras[1].astype(np.float32)
    return out


class TokenBatch(dict):
    """Encoder input: ``features`` (B, T, F) float32, ``symbols`` (B, T) int64, ``lags`` (B, T)
    int64 (1 + steps from the token's last value to the forecast origin: attention sees time,
    not token counts, so a seasonal lag means the same whatever the piece lengths), ``valid``
    (B, T) bool, ``last`` (B,) the last context value in scale units, ``loc``, ``scale`` (B,) float64;
    with a ``copy_length``, ``copy`` (B, 2, copy_length) and ``copy_quality`` (B, 2) float32
    (:func:`motif_copy`, in scale units). A season-aware :class:`PieceCodec` adds ``phase``
    (B, T, 2), the sine and cosine of each token's end within the season, ``season_features``
    (B, N_SEASON_FEATURES), ``season`` (B,) the season used, and with a ``copy_length`` the
    statistical ``experts`` (B, N_EXPERTS, copy_length) and their ``expert_skill`` (B, N_EXPERTS)
    (:func:`~sktime_symbolic.model.experts.statistical_experts`)."""


class PatchCodec:
    """Fixed patches of ``patch_size`` scaled values and their observed mask (the reference).

    Parameters
    ----------
    patch_size : int
    clip : float
    context_length : int
        Longest context; longer ones keep their last ``context_length`` values.
    """

    kind = "patch"

    def __init__(self, patch_size=16, clip=30.0, context_length=512):
        self.patch_size, self.clip, self.context_length = int(patch_size), float(clip), int(context_length)
        self.n_features = 2 * self.patch_size + 1
        self.n_symbols = 1
        self.max_position = self.context_length
        self.max_tokens = -(-self.context_length // self.patch_size)

    def config(self) -> dict:
        return {"kind": self.kind, "patch_size": self.patch_size, "clip": self.clip,
                "context_length": self.context_length}

    def encode(self, contexts, full_width=False, copy_length=0, seasons=None) -> TokenBatch:
        """Tokens of validated contexts, left-padded to the batch's widest (or with ``full_width``
        to :attr:`max_tokens`, so that a series' tokens do not depend on the rest of the batch).
        ``seasons`` is accepted for a common signature and not read: patches have no season input."""
        if copy_length:
            raise ValueError("PatchCodec has no symbols to match: copy_length must be 0")
        contexts = [np.asarray(x, dtype=np.float64)[-self.context_length:] for x in contexts]
        z, loc, scale = scale_contexts(contexts, self.clip)
        p = self.patch_size
        rows, lasts = [], np.empty(len(z))
        for i, zi in enumerate(z):
            n_tok = -(-zi.size // p)
            padded = np.full(n_tok * p, np.nan)
            padded[n_tok * p - zi.size:] = zi
            observed = ~np.isnan(padded)
            lasts[i] = fill_missing(zi)[-1]
            ends = (np.arange(n_tok) - (n_tok - 1)) / self.max_position
            rows.append(np.concatenate((np.nan_to_num(padded).reshape(n_tok, p), observed.reshape(n_tok, p),
                                        ends[:, None]), axis=1))
        width = self.max_tokens if full_width else max(len(r) for r in rows)
        features = _left_pad(rows, width)
        valid = _left_pad([np.ones(len(r), dtype=bool) for r in rows], width, False, bool)
        lags = np.where(valid, 1 + p * (width - 1 - np.arange(width))[None, :], 0)
        return TokenBatch(features=features, symbols=np.zeros(valid.shape, dtype=np.int64), lags=lags, valid=valid,
                          last=lasts, loc=loc, scale=scale)

    def state(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict, state: dict) -> "PatchCodec":
        return cls(config["patch_size"], config["clip"], config["context_length"])


class PieceCodec:
    """ABBA pieces as adaptive patches: one token per piece of the context's polygonal chain.

    Parameters
    ----------
    tol : float
        ABBA compression tolerance in scale units (larger: longer pieces, fewer tokens).
    max_len : int
        Longest ABBA piece, so a straight context still gives a few tokens.
    min_len : int
        Consecutive pieces are joined until a token spans at least ``min_len`` steps
        (:func:`merge_short_pieces`): rough series give short pieces, and the cost of a
        training step grows with the number of tokens.
    n_symbols : int
        JABBA symbols (k-means over scaled (length, increment)); id 0 is padding.
    n_resample : int
        Points each piece's values are resampled to.
    clip, context_length : see :class:`PatchCodec`
    season_aware : bool
        Read each series' season (given, or detected when unknown): tokens carry their phase
        within it, the batch carries the season features and the statistical experts
        (:mod:`~sktime_symbolic.model.experts`), and short contexts get short tokens: a token
        spans at least ``min(min_len, n // 8, season)`` steps (2 at the least), so a 40-point
        quarterly series is read as several tokens and not one.
    """

    kind = "piece"

    def __init__(self, tol=0.3, max_len=32, min_len=8, n_symbols=64, n_resample=16, clip=30.0, context_length=512,
                 season_aware=False):
        self.season_aware = bool(season_aware)
        self.tol, self.max_len, self.n_symbols_fit = float(tol), int(max_len), int(n_symbols)
        self.min_len = int(min_len)
        self.n_resample, self.clip, self.context_length = int(n_resample), float(clip), int(context_length)
        self.n_features = self.n_resample + 3
        self.n_symbols = self.n_symbols_fit + 1
        self.max_position = self.context_length
        # every token but a chain's only one spans min_len steps or more
        self.max_tokens = max(1, (self.context_length - 1) // self.min_len)

    def config(self) -> dict:
        return {"kind": self.kind, "tol": self.tol, "max_len": self.max_len, "min_len": self.min_len,
                "n_symbols": self.n_symbols_fit,
                "n_resample": self.n_resample, "clip": self.clip, "context_length": self.context_length,
                "season_aware": self.season_aware}

    def fit(self, contexts, seed=0) -> "PieceCodec":
        """Fit the symbol codebook on (synthetic) contexts, scaled as :meth:`encode` scales them.

        As in JABBA, a piece is the point (length, increment), each coordinate divided by
        its standard deviation over the pieces, and k-means++ / Lloyd picks the symbols.
        """
        z, _, _ = scale_contexts([np.asarray(x, dtype=np.float64) for x in contexts], self.clip)
        lengths, _, increments = self._chain([fill_missing(x) for x in z if x.size > 1])
        raw = np.stack((lengths.astype(np.float64), increments), axis=1)
        self.piece_std_ = np.where(raw.std(axis=0) > 0, raw.std(axis=0), 1.0)
        centers, _ = cluster(raw / self.piece_std_, "kmeans", k=self.n_symbols_fit, random_state=seed)
        self._set_centers(centers)
        return self

    def _set_centers(self, centers):
        self.centers_ = np.ascontiguousarray(centers, dtype=np.float64)
        self._codebook = Codebook(self.centers_)

    def token_min_lengths(self, sizes, seasons) -> np.ndarray:
        """Shortest token of each context: ``min_len``, or for a season-aware codec
        ``min(min_len, n // 8, season)`` (at least 2, and long enough that the context fits in
        :attr:`max_tokens` tokens)."""
        sizes = np.asarray(sizes, dtype=np.int64)
        if not self.season_aware:
            return np.full(sizes.size, self.min_len, dtype=np.int64)
        seasons = np.asarray(seasons, dtype=np.int64)
        shortest = np.minimum(self.min_len, sizes // 8)
        shortest = np.where(seasons > 1, np.minimum(shortest, seasons), shortest)
        return np.maximum(np.maximum(shortest, 2), -(-sizes // self.max_tokens)).astype(np.int64)

    def _chain(self, z_filled: list, min_lens=None):
        """``(lengths, offsets, increments)`` of the merged ABBA chains of scaled, gap-filled contexts."""
        chain = compress(z_filled, tol=self.tol, max_len=self.max_len)
        if min_lens is None:
            min_lens = np.full(len(z_filled), self.min_len, dtype=np.int64)
        lengths, offsets = merge_short_pieces(chain.lengths, chain.offsets, min_lens)
        flat = np.concatenate(z_filled)
        starts = np.concatenate([np.cumsum(np.concatenate(([0], lengths[offsets[i]:offsets[i + 1]])))[:-1]
                                 + sum(len(x) for x in z_filled[:i]) for i in range(len(z_filled))])
        return lengths, offsets, flat[starts + lengths] - flat[starts]

    def pieces(self, z_filled: list, min_lens=None):
        """``(lengths, offsets, symbols)`` of the chains of scaled, gap-filled contexts (symbols from 1)."""
        lengths, offsets, increments = self._chain(z_filled, min_lens)
        points = np.stack((lengths.astype(np.float64), increments), axis=1) / self.piece_std_
        return lengths, offsets, self._codebook.assign(points) + 1

    def encode(self, contexts, full_width=False, copy_length=0, seasons=None) -> TokenBatch:
        """Tokens of validated contexts, left-padded to the batch's widest (or with ``full_width``
        to :attr:`max_tokens`, so that a series' tokens do not depend on the rest of the batch);
        ``copy_length > 0`` adds the :func:`motif_copy` paths of that length (and, season-aware,
        the statistical experts). ``seasons``: one int for all series or one each, 0 or None
        for unknown (detected); only a season-aware codec reads it."""
        if not hasattr(self, "centers_"):
            raise ValueError("PieceCodec is not fitted")
        contexts = [np.asarray(x, dtype=np.float64)[-self.context_length:] for x in contexts]
        seasons = told = check_seasons(seasons, len(contexts))
        z, loc, scale = scale_contexts(contexts, self.clip)
        filled = [fill_missing(x) for x in z]
        # a one-point context is one piece of length 0
        short = [i for i, x in enumerate(filled) if x.size < 2]
        chains = [np.append(x, x[-1]) if x.size < 2 else x for x in filled]
        season_extras = None
        if self.season_aware:
            bounds = np.concatenate(([0], np.cumsum([x.size for x in filled])))
            season_extras = batch_statistical_experts(np.concatenate(filled), bounds, seasons,
                                                      max(1, int(copy_length)), loc / scale)
            seasons = season_extras[3]
        lengths, offsets, codes = self.pieces(chains, self.token_min_lengths([x.size for x in chains], seasons))
        rows, lag_rows, lasts = [], [], np.empty(len(z))
        k = self.n_resample
        grid = np.linspace(0.0, 1.0, k)
        for i, (x, zi) in enumerate(zip(chains, z)):
            ln = lengths[offsets[i]:offsets[i + 1]].astype(np.float64)
            starts = np.concatenate(([0.0], np.cumsum(ln)[:-1]))
            positions = starts[:, None] + ln[:, None] * grid[None, :]
            values = np.interp(positions, np.arange(x.size), x)
            observed = ~np.isnan(zi)
            cum = np.concatenate(([0], np.cumsum(observed)))
            s_idx, e_idx = starts.astype(np.int64), (starts + ln).astype(np.int64)
            share = (cum[np.minimum(e_idx + 1, zi.size)] - cum[s_idx]) / (e_idx - s_idx + 1)
            if i in short:
                ln = ln * 0.0
            ends = ((starts + ln) - (x.size - 1)) / self.context_length
            lag_rows.append(((x.size - 1) - (starts + ln)).astype(np.int64)[:, None] + 1)
            rows.append(np.concatenate((values, (ln / self.max_len)[:, None], share[:, None], ends[:, None]), axis=1))
            lasts[i] = x[-1]
        sym_rows = [codes[offsets[i]:offsets[i + 1]] for i in range(len(z))]
        width = self.max_tokens if full_width else max(len(r) for r in rows)
        features = _left_pad(rows, width)
        symbols = _left_pad([s[:, None] for s in sym_rows], width, PAD_SYMBOL, np.int64)[..., 0]
        valid = _left_pad([np.ones((len(r), 1), dtype=bool) for r in rows], width, False, bool)[..., 0]
        raw_lags = _left_pad(lag_rows, width, 0, np.int64)[..., 0]
        lags = np.minimum(raw_lags, self.max_position)
        tokens = TokenBatch(features=features, symbols=symbols, lags=lags, valid=valid, last=lasts, loc=loc,
                            scale=scale)
        if copy_length:
            # every argument given: a call that leaves numba to fill defaults takes its slow
            # dispatch path, about 80 times the kernel's own cost here
            copies = [motif_copy(x, lengths[offsets[i]:offsets[i + 1]], s, int(copy_length), MOTIF_WINDOW,
                                 MOTIF_MAX_LAGS) for i, (x, s) in enumerate(zip(chains, sym_rows))]
            tokens["copy"] = np.clip(np.stack([c[0] for c in copies]), -self.clip, self.clip).astype(np.float32)
            tokens["copy_quality"] = np.stack([c[1] for c in copies]).astype(np.float32)
        if season_extras is not None:
            tokens.update(season_inputs(season_extras, raw_lags, valid, seasons, told, self.clip, copy_length))
        return tokens

    def state(self) -> dict:
        """The fitted codebook as arrays (what :meth:`from_config` needs)."""
        return {"centers": self.centers_, "piece_std": self.piece_std_}

    @classmethod
    def from_config(cls, config: dict, state: dict) -> "PieceCodec":
        # weights saved before the season input have no "season_aware" entry
        codec = cls(config["tol"], config["max_len"], config["min_len"], config["n_symbols"], config["n_resample"],
                    config["clip"], config["context_length"], config.get("season_aware", False))
        codec.piece_std_ = np.asarray(state["piece_std"], dtype=np.float64)
        codec._set_centers(state["centers"])
        return codec


CODECS = {"patch": PatchCodec, "piece": PieceCodec}


def codec_from_config(config: dict, state: dict):
    """The codec a ``config()`` dict describes, with its fitted ``state()``."""
    if config.get("kind") not in CODECS:
        raise ValueError(f"unknown codec kind {config.get('kind')!r}; known: {sorted(CODECS)}")
    return CODECS[config["kind"]].from_config(config, state)
