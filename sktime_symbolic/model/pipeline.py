"""The forecasting pipeline: a codec and an encoder kept apart (like Chronos-Bolt's), and how it loads.

The codec scales each context robustly and turns it into tokens
(:mod:`~sktime_symbolic.model.codec`); one forward pass of the encoder
(:mod:`~sktime_symbolic.model.encoder`) gives the quantiles of the next
``cfg.prediction_length`` values. Longer horizons continue autoregressively: the median is
appended to the context and the model is run again. A season-aware model also takes each
series' season (``season``: from the data's frequency, see
:func:`~sktime_symbolic.model.experts.season_length`; None or 0 detects it from the context). A
network's card may ask for inference options on the series told a season that routes to it
(:class:`QuantilePipeline`: seasonal adjustment, the spread calibrated by a backtest).

:func:`load_pretrained` loads shipped weights by name, or a directory written by
:meth:`QuantilePipeline.save`; :func:`shared_pipeline` loads each once per process and device.
:func:`resolve_device`, :func:`inference_autocast` and the input reader ``_as_series_list`` are
the common ground of the pipeline, fine-tuning and the sktime and GluonTS adapters.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
from pathlib import Path
from statistics import NormalDist

import numpy as np
import torch
from tqdm.auto import tqdm

from sktime_symbolic.model._checks import check_positive_int, check_series
from sktime_symbolic.model.codec import codec_from_config, fill_missing
from sktime_symbolic.model.encoder import (QUANTILE_LEVELS, QuantileConfig, QuantileEncoder, model_inputs,
                                           network_of_routes)
from sktime_symbolic.model.experts import check_seasons, seasonal_adjustment

#: the shipped model the estimators use unless told otherwise
DEFAULT_MODEL = "symbolic-piece"
# the files of a saved QuantilePipeline: weights, the codec's fitted state, the model card
WEIGHTS_FILE, CODEC_FILE, CARD_FILE = "model.safetensors", "codec.npz", "model_card.json"
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
#: what a network's card may ask of inference (its ``"inference"`` entry; each off unless asked), see
#: :class:`QuantilePipeline`
INFERENCE_OPTIONS = ("seasonal_adjustment", "spread_calibration")
#: the fewest values a context keeps before its backtest window for the spread's calibration (the
#: window is shortened to leave them)
MIN_BACKTEST_CONTEXT = 8
#: the largest ratio, or the smallest inverse, of backtest error to expected error that the spread's
#: calibration reads
MAX_ERROR_RATIO = 10.0


def resolve_device(device) -> torch.device:
    """``"auto"``: CUDA when present, else CPU; anything else goes to :class:`torch.device`."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device must be 'auto' or a torch device, got {device!r}") from error


def inference_autocast(device: torch.device):
    """bf16 autocast on CUDA, plain fp32 on CPU: how the pipeline runs its model."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def _as_series_list(context, where="context"):
    """``(list of float64 1D arrays, single)`` from a 1D array, a 2D array (rows) or a list."""
    if isinstance(context, torch.Tensor):
        context = context.detach().cpu().numpy()
    if isinstance(context, np.ndarray) and context.ndim == 2:
        series, single = list(context), False
    elif isinstance(context, (list, tuple)):
        series, single = list(context), False
        if not series:
            raise ValueError(f"{where} is an empty list of series")
    else:
        series, single = [context], True
    out = [check_series(x, where if single else f"{where}[{i}]") for i, x in enumerate(series)]
    return out, single


def available_models() -> list[str]:
    """Names of the weights shipped in the package."""
    if not WEIGHTS_DIR.is_dir():
        return []
    return sorted(p.name for p in WEIGHTS_DIR.iterdir() if (p / CARD_FILE).is_file())


def load_pretrained(name=DEFAULT_MODEL, device="auto"):
    """The :class:`QuantilePipeline` of shipped weights
    (by name, no network) or of a directory written by its ``save``.

    An unknown name, or a directory that is not a saved QuantilePipeline (missing, altered or
    mismatched files), raises ValueError.

    Examples
    --------
    >>> from sktime_symbolic.model import available_models, load_pretrained
    >>> available_models()
    ['symbolic-piece']
    >>> pipe = load_pretrained("symbolic-piece", device="cpu")
    >>> type(pipe).__name__, pipe.cfg.d_model
    ('QuantilePipeline', 128)
    """
    if not isinstance(name, (str, os.PathLike)):
        raise ValueError(f"name must be a string or path, got {type(name).__name__}")
    path = Path(name)
    if not path.is_dir():
        if str(name) not in available_models():
            raise ValueError(f"unknown model {str(name)!r}: neither a directory nor shipped weights "
                             f"{available_models()}")
        path = WEIGHTS_DIR / str(name)
    return QuantilePipeline.from_pretrained(path, device=device)


@functools.lru_cache(maxsize=None)
def _shared(name: str, device: str):
    return load_pretrained(name, device=device)


def shared_pipeline(name=DEFAULT_MODEL, device="auto"):
    """The pipeline of ``name`` loaded once per process and device, for estimators that
    forecast zero-shot: treat it as read-only (:func:`~sktime_symbolic.model.finetune.fine_tune`
    returns a copy).

    Examples
    --------
    >>> from sktime_symbolic.model import shared_pipeline
    >>> shared_pipeline(device="cpu") is shared_pipeline(device="cpu")
    True
    """
    if not isinstance(name, (str, os.PathLike)):
        raise ValueError(f"name must be a string or path, got {type(name).__name__}")
    path = Path(name)
    key = str(path.resolve()) if path.is_dir() else str(name)
    return _shared(key, str(resolve_device(device)))


def interpolate_quantiles(quantiles, trained_levels, levels):
    """Quantiles at ``levels`` from those at ``trained_levels`` (axis -2), linear in the level;
    levels outside the trained range take the outermost trained quantile."""
    trained = np.asarray(trained_levels)
    out = np.empty(quantiles.shape[:-2] + (len(levels), quantiles.shape[-1]))
    for j, q in enumerate(levels):
        hi = int(np.clip(np.searchsorted(trained, q), 1, len(trained) - 1))
        lo = hi - 1
        w = float(np.clip((q - trained[lo]) / (trained[hi] - trained[lo]), 0.0, 1.0))
        out[..., j, :] = (1 - w) * quantiles[..., lo, :] + w * quantiles[..., hi, :]
    return out


def _own_card(card: dict) -> dict:
    """A card without what describes its saved files and its size (written again by ``save``)."""
    return {k: v for k, v in card.items() if k not in ("config", "codec", "sha256", "parameters")}


def _specialist_cards(card: dict, n: int) -> list:
    """The cards of a model's ``n`` specialists, from its card's ``"specialists"``: a card written by
    hand may describe fewer than the model holds (the missing ones are empty)."""
    return (list(card.get("specialists", [])) + [{} for _ in range(n)])[:n]


def _with_one_specialist_renamed(weights: dict, card: dict) -> tuple[dict, dict]:
    """Weights and card saved when a model held one specialist at most (v6: ``specialist.*``, the
    card's ``"specialist"``), named as a model with a list of specialists names them."""
    if not any(k.startswith("specialist.") for k in weights):
        return weights, card
    weights = {("specialists.0." + k[len("specialist."):] if k.startswith("specialist.") else k): v
               for k, v in weights.items()}
    card = dict(card)
    card["specialists"] = [card.pop("specialist", {})]
    return weights, card


def _inference_options(card: dict) -> dict:
    """A network's inference options from its card's ``"inference"`` (see :data:`INFERENCE_OPTIONS`)."""
    options = card.get("inference", {})
    if not isinstance(options, dict) or set(options) - set(INFERENCE_OPTIONS) or not all(
            isinstance(v, bool) for v in options.values()):
        raise ValueError(f"a card's 'inference' must map some of {INFERENCE_OPTIONS} to true or false, got {options!r}")
    return {k: options.get(k, False) for k in INFERENCE_OPTIONS}


def _sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class QuantilePipeline:
    """Zero-shot probabilistic forecaster: codec tokens in, quantiles out, one pass per horizon chunk.

    Parameters
    ----------
    model : QuantileEncoder
    codec : PieceCodec or PatchCodec
    device : str or torch.device, default="auto"
        ``"auto"``: CUDA when present (bf16 autocast), else CPU (fp32).
    card : dict, optional
        Model card (training budget, data, scores) stored with the weights. Its ``"inference"``
        entry, and each specialist's in ``"specialists"``, may ask for two things (see
        :meth:`with_inference`), for the series told a season that routes them to that network (a
        season detected in the context is the network's own reading, and is left to it):

        - ``"seasonal_adjustment"``: where the context holds three seasons and the season passes
          Theta's autocorrelation test, the forecast is the mean of the network's forecasts of the
          context and of the context without its season (the classical decomposition, by ratios or
          differences, see :func:`~sktime_symbolic.model.experts.seasonal_adjustment`), the season
          put back over the horizon, as the Theta method does: one more pass of the network over
          those series;
        - ``"spread_calibration"``: each series is also forecast from its context without its
          last ``min(h, cfg.prediction_length, n - MIN_BACKTEST_CONTEXT)`` values (a context of
          :data:`MIN_BACKTEST_CONTEXT` values or fewer keeps its spread), and its quantiles'
          distance from the median is scaled by the square root of the ratio of that backtest's
          mean absolute error to the one its spread expects (the ratio held within
          ``1 / MAX_ERROR_RATIO .. MAX_ERROR_RATIO``): one more pass of the network over those series.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_symbolic.model import load_pretrained
    >>> pipe = load_pretrained("symbolic-piece", device="cpu")
    >>> y = np.sin(np.arange(200) / 4)
    >>> quantiles, mean = pipe.predict_quantiles(y, prediction_length=12)
    >>> quantiles.shape, mean.shape
    ((9, 12), (12,))
    >>> pipe.forecast(y, prediction_length=12, num_samples=5).shape
    (5, 12)
    """

    def __init__(self, model: QuantileEncoder, codec, device="auto", card=None):
        if not isinstance(model, QuantileEncoder):
            raise ValueError(f"model must be a QuantileEncoder, got {type(model).__name__}")
        if model.cfg.n_features != codec.n_features or model.cfg.n_symbols != codec.n_symbols:
            raise ValueError("model and codec disagree on the token features or symbols")
        if (model.cfg.season_input or model.cfg.expert_paths) and not getattr(codec, "season_aware", False):
            raise ValueError("the model reads the season or the expert paths, but its codec is not season-aware")
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.codec = codec
        self.cfg = model.cfg
        self.card = dict(card or {})
        self.levels = np.asarray(self.cfg.quantile_levels)
        self.median_index = int(np.argmin(np.abs(self.levels - 0.5)))
        # the mean absolute error a normal forecast with these outermost quantiles expects, per unit of
        # their distance
        outer = NormalDist().inv_cdf(self.levels[-1]) - NormalDist().inv_cdf(self.levels[0])
        self._error_per_spread = np.sqrt(2 / np.pi) / outer if outer > 0 else 0.0
        own = _own_card(self.card)
        self.inference = [_inference_options(c) for c in
                          (own, *_specialist_cards(own, len(self.cfg.specialist_seasons)))]

    @property
    def context_length(self) -> int:
        return self.codec.context_length

    def _autocast(self):
        return inference_autocast(self.device)

    def _encode(self, contexts, seasons=None):
        """``(tokens, model inputs)`` at a fixed token width, so that a series' tokens do not depend
        on the rest of the batch (its forecast then differs only by float32 rounding, which CPU
        matrix kernels do differently for other batch shapes: about 1e-6 relative)."""
        tokens = self.codec.encode(contexts, full_width=True, copy_length=self.cfg.copy_length, seasons=seasons)
        return tokens, model_inputs(tokens, self.cfg, self.device)

    @torch.inference_mode()
    def _quantiles_one_pass(self, contexts, seasons, routes=None):
        """Trained quantiles (n, Q, cfg.prediction_length) in the data's units, float64, the seasons the
        codec used (the detected ones where ``seasons`` is 0; as given for a season-blind codec) and
        the routes to the networks (``routes``, when given, replaces the codec's)."""
        tokens, inputs = self._encode(contexts, seasons)
        if routes is not None and "route" in inputs:
            inputs["route"] = torch.as_tensor(routes, device=self.device)
        with self._autocast():
            z = self.model(inputs).float().cpu().numpy().astype(np.float64)
        z = np.sort(z, axis=1)  # quantiles never cross
        return (z * tokens["scale"][:, None, None] + tokens["loc"][:, None, None], tokens.get("season", seasons),
                tokens.get("route"))

    def asks_for(self, option, seasons) -> np.ndarray:
        """Which series are told a season that routes them to a network whose card asks for ``option``."""
        networks = [i for i, options in enumerate(self.inference) if options[option]]
        if not networks:
            return np.zeros(len(seasons), dtype=bool)
        return (seasons > 0) & np.isin(network_of_routes(self.cfg, seasons), networks)

    def seasonally_adjusted(self, contexts, seasons, horizon):
        """``(contexts, season)``: each context (its last ``context_length`` values) without its season
        ``seasons[i]`` where that season passes the test, else as it is, and ``season``, ``(future,
        multiplicative, applied)``, what :meth:`with_season` puts back over ``horizon`` steps. The test
        and the decomposition read the context from its first observed value on (a panel's shorter
        series start with NaN), gaps filled; gaps stay gaps in the adjusted context."""
        out, future = [], np.zeros((len(contexts), horizon))
        multiplicative, applied = np.zeros(len(contexts), dtype=bool), np.zeros(len(contexts), dtype=bool)
        for i, (context, season) in enumerate(zip(contexts, seasons)):
            c = np.asarray(context[-self.context_length:], dtype=np.float64)
            first = int(np.argmax(~np.isnan(c)))
            adjusted, future[i], multiplicative[i], applied[i] = seasonal_adjustment(
                fill_missing(c[first:]), int(season), horizon)
            out.append(np.concatenate((c[:first], np.where(np.isnan(c[first:]), np.nan, adjusted))))
        return out, (future, multiplicative, applied)

    @staticmethod
    def with_season(values, season, inverse=False):
        """``values`` (n, ..., horizon) with the season of :meth:`seasonally_adjusted` put back (or
        with ``inverse`` taken out, as from a training window's horizon)."""
        future, multiplicative, _ = season
        shape = (len(future),) + (1,) * (np.ndim(values) - 2) + (future.shape[-1],)
        future = future.reshape(shape)
        ratio = multiplicative.reshape(shape[:1] + (1,) * (len(shape) - 1))
        if inverse:
            return np.where(ratio, values / np.where(ratio, future, 1.0), values - future)
        return np.where(ratio, values * future, values + future)

    def _quantiles(self, contexts, prediction_length, seasons, calibrate=True):
        """Quantiles (n, Q, prediction_length) as each series' network and its inference options give them."""
        q = self._network_quantiles(contexts, prediction_length, seasons)
        rows = np.flatnonzero(self.asks_for("seasonal_adjustment", seasons))
        if rows.size:
            adjusted, season = self.seasonally_adjusted([contexts[i] for i in rows], seasons[rows], prediction_length)
            applied = season[2]
            if applied.any():
                # the mean of the network's reading of the context and of the adjusted context
                kept = np.flatnonzero(applied)
                second = self._network_quantiles([adjusted[j] for j in kept], prediction_length, seasons[rows[kept]])
                q[rows[kept]] = (q[rows[kept]] + self.with_season(second, tuple(a[kept] for a in season))) / 2
        return self._calibrated(q, contexts, seasons) if calibrate else q

    def _calibrated(self, q, contexts, seasons):
        """``q`` with the spread of each series whose network asks for ``"spread_calibration"``
        scaled by the error of its backtest (see the class docstring)."""
        h = min(q.shape[-1], self.cfg.prediction_length)
        # each series' backtest window: the horizon, or what its context holds beyond MIN_BACKTEST_CONTEXT
        windows = np.array([min(h, c.size - MIN_BACKTEST_CONTEXT) for c in contexts])
        rows = self.asks_for("spread_calibration", seasons) & (windows > 0)
        rows[rows] = [not np.isnan(contexts[i][:-windows[i]]).all() and not np.isnan(contexts[i][-windows[i]:]).all()
                      for i in np.flatnonzero(rows)]
        if not rows.any():
            return q
        idx = np.flatnonzero(rows)
        back = self._quantiles([contexts[i][:-windows[i]] for i in idx], h, seasons[idx], calibrate=False)
        error = np.array([np.nanmean(np.abs(contexts[i][-windows[i]:] - back[j, self.median_index, :windows[i]]))
                          for j, i in enumerate(idx)])
        expected = np.array([(back[j, -1, :windows[i]] - back[j, 0, :windows[i]]).mean() for j, i in enumerate(idx)])
        expected = expected * self._error_per_spread
        ratio = np.ones(idx.size)
        np.divide(error, expected, out=ratio, where=expected > 0)
        # the geometric mean of the network's spread and the backtest's: one window of h values is a
        # noisy measure (trusted fully, it lost WQL on the validation panel cut to short histories)
        factor = np.sqrt(np.clip(ratio, 1 / MAX_ERROR_RATIO, MAX_ERROR_RATIO))
        q = q.copy()
        median = q[idx, self.median_index][:, None]
        q[idx] = median + factor[:, None, None] * (q[idx] - median)
        return q

    def _network_quantiles(self, contexts, prediction_length, seasons):
        """The networks' quantiles (n, Q, prediction_length), the median rolled forward beyond one pass."""
        chunks, contexts = [], list(contexts)
        covered, routes = 0, None
        median = self.median_index
        while covered < prediction_length:
            # the season detected on the context holds for the whole horizon, and so does the network
            # (a series routed to the base because none was found stays there, told 1 or not)
            q, seasons, route = self._quantiles_one_pass(contexts, seasons, routes)
            routes = route if routes is None else routes
            chunks.append(q)
            covered += q.shape[-1]
            if covered < prediction_length:
                contexts = [np.concatenate((c, q[i, median]))[-self.context_length:] for i, c in enumerate(contexts)]
        return np.concatenate(chunks, axis=-1)[..., :prediction_length]

    def predict_quantiles(self, context, prediction_length, quantile_levels=None, batch_size=256, progress=False,
                          season=None):
        """``(quantiles, mean)`` of shapes (n, len(levels), h) and (n, h); a 1D context drops the first axis.

        Levels other than the trained ones are interpolated linearly between trained levels;
        the mean is the average of the trained quantiles (they are evenly spaced in level).
        A forecast that is not finite is an error naming the series. ``season``: one int for
        every series or one each (None or 0: detected from the context); a model without the
        season input ignores it.
        """
        h = check_positive_int("prediction_length", prediction_length)
        check_positive_int("batch_size", batch_size)
        levels = self.levels if quantile_levels is None else np.asarray(quantile_levels, dtype=np.float64)
        if levels.ndim != 1 or levels.size == 0 or ((levels <= 0) | (levels >= 1)).any():
            raise ValueError(f"quantile_levels must be a non-empty list of numbers in (0, 1), got {quantile_levels}")
        series, single = _as_series_list(context)
        seasons = check_seasons(season, len(series))
        trained = np.empty((len(series), len(self.levels), h))
        for start in tqdm(range(0, len(series), batch_size), desc="forecast", unit="batch", disable=not progress):
            stop = start + batch_size
            trained[start:stop] = self._quantiles(series[start:stop], h, seasons[start:stop])
        bad = ~np.isfinite(trained).all(axis=(1, 2))
        if bad.any():
            raise ValueError(f"the forecast of series {int(np.flatnonzero(bad)[0])} is not finite: "
                             "its values are too large for float64 arithmetic")
        mean = trained.mean(axis=1)
        same = levels.shape == self.levels.shape and np.allclose(levels, self.levels)
        quantiles = trained if same else interpolate_quantiles(trained, self.levels, np.sort(levels))
        return (quantiles[0], mean[0]) if single else (quantiles, mean)

    def forecast(self, context, prediction_length, num_samples=20, seed=0, batch_size=256, progress=False,
                 season=None):
        """Sample paths (n, num_samples, h): each step drawn from the piecewise-linear quantile
        function through the trained levels (independently across steps).

        Each series' draws come from a generator seeded by ``seed`` and the series' values,
        so a series gets the same samples whatever else is in the batch.
        """
        check_positive_int("num_samples", num_samples)
        series, single = _as_series_list(context)
        quantiles, _ = self.predict_quantiles(series, prediction_length, batch_size=batch_size, progress=progress,
                                              season=season)
        quantiles = quantiles.reshape(len(series), len(self.levels), -1)
        out = np.empty((len(series), num_samples, quantiles.shape[-1]))
        for i, x in enumerate(series):
            digest = hashlib.blake2b(np.int64(seed).tobytes() + np.ascontiguousarray(x).tobytes(), digest_size=8)
            rng = np.random.default_rng(int.from_bytes(digest.digest(), "little"))
            u = rng.uniform(self.levels[0], self.levels[-1], size=(num_samples, quantiles.shape[-1]))
            for t in range(quantiles.shape[-1]):
                out[i, :, t] = np.interp(u[:, t], self.levels, quantiles[i, :, t])
        return out[0] if single else out

    @torch.inference_mode()
    def embed(self, context, batch_size=256, progress=False, season=None) -> np.ndarray:
        """Encoder states averaged over each context's tokens and the REG token: (n, d_model). With
        specialist networks, every series is embedded by the base network, so that the embeddings of a
        panel share one space whatever their seasons."""
        check_positive_int("batch_size", batch_size)
        series, single = _as_series_list(context)
        seasons = check_seasons(season, len(series))
        out = []
        for start in tqdm(range(0, len(series), batch_size), desc="embed", unit="batch", disable=not progress):
            chunk = series[start:start + batch_size]
            _, inputs = self._encode(chunk, seasons[start:start + batch_size])
            with self._autocast():
                hidden = self.model.hidden_states(inputs).float()
            valid = inputs["valid"]
            keep = torch.cat((valid, torch.ones_like(valid[:, :1])), dim=1).float()[..., None]
            out.append(((hidden * keep).sum(1) / keep.sum(1)).cpu().numpy())
        out = np.concatenate(out)
        return out[0] if single else out

    def plot_forecast(self, context, prediction_length, levels=(0.1, 0.25, 0.5, 0.75, 0.9), actual=None, ax=None,
                      season=None):
        """Plot one context with the forecast's median and central intervals; returns the Axes."""
        from sktime_symbolic.model.plotting import plot_forecast

        series, single = _as_series_list(context)
        if not single:
            raise ValueError("plot_forecast draws one series: pass a 1D context")
        quantiles, _ = self.predict_quantiles(series[0], prediction_length, quantile_levels=levels, season=season)
        return plot_forecast(series[0][-self.context_length:], quantiles, sorted(levels), actual=actual, ax=ax)

    def with_specialist(self, specialist: "QuantilePipeline", seasons, card=None) -> "QuantilePipeline":
        """A new pipeline that forecasts the series of ``seasons`` with ``specialist``'s network and
        the others as this one does (a hard mixture of experts keyed on the season, see
        :mod:`~sktime_symbolic.model.encoder`); on a pipeline with specialists, one more.

        Both must read the season, share one architecture and one codec (the specialist is
        typically a continuation of the base network, trained for those seasons), and ``seasons``
        must not be routed already. ``card`` (default: this pipeline's card with the specialist's
        appended to its ``"specialists"``) describes the result.

        Examples
        --------
        >>> from sktime_symbolic.model import load_pretrained
        >>> base, monthly, yearly = load_pretrained("symbolic-piece", device="cpu").split()
        >>> both = base.with_specialist(monthly, seasons=[4, 12])
        >>> both.cfg.specialist_seasons
        ((4, 12),)
        >>> both.with_specialist(yearly, seasons=[1]).cfg.specialist_seasons
        ((4, 12), (1,))
        """
        if not isinstance(specialist, QuantilePipeline):
            raise ValueError(f"specialist must be a QuantilePipeline, got {type(specialist).__name__}")
        if specialist.cfg.specialist_seasons:
            raise ValueError("the specialist must be a single network (no specialist_seasons of its own)")
        if self.cfg.replace(specialist_seasons=()) != specialist.cfg:
            raise ValueError(f"the specialist's architecture {specialist.cfg} differs from {self.cfg}")
        state, other = self.codec.state(), specialist.codec.state()
        if self.codec.config() != specialist.codec.config() or state.keys() != other.keys() or not all(
                np.array_equal(state[k], other[k]) for k in state):
            raise ValueError("the specialist's codec differs from this pipeline's: both must tokenize alike")
        seasons = tuple(np.atleast_1d(seasons).tolist())
        if not seasons:
            raise ValueError("seasons is empty: name the seasons the specialist forecasts")
        taken = set(seasons) & {k for group in self.cfg.specialist_seasons for k in group}
        if taken:
            raise ValueError(f"seasons {sorted(taken)} already go to a specialist of this pipeline")
        n = len(self.cfg.specialist_seasons)
        model = QuantileEncoder(self.cfg.replace(specialist_seasons=self.cfg.specialist_seasons + (seasons,)))
        weights = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        weights.update({f"specialists.{n}.{k}": v.detach().cpu() for k, v in specialist.model.state_dict().items()})
        model.load_state_dict(weights)
        if card is None:
            own = _own_card(self.card)
            card = {**own, "specialists": [*_specialist_cards(own, n), _own_card(specialist.card)]}
        return QuantilePipeline(model, self.codec, device=self.device, card=card)

    def with_inference(self, network=0, **options) -> "QuantilePipeline":
        """A pipeline over the same weights whose ``network`` (0: the base, ``i``: the ``i``-th
        specialist, in :meth:`split`'s order) forecasts with these inference ``options`` (see
        the class docstring: ``seasonal_adjustment``, ``spread_calibration``), set in its card.

        Examples
        --------
        >>> from sktime_symbolic.model import load_pretrained
        >>> pipe = load_pretrained("symbolic-piece", device="cpu")
        >>> pipe.inference[1]["seasonal_adjustment"]
        True
        >>> pipe.with_inference(1, seasonal_adjustment=False).inference[1]["seasonal_adjustment"]
        False
        """
        n = len(self.cfg.specialist_seasons)
        if isinstance(network, bool) or not isinstance(network, (int, np.integer)) or not 0 <= network <= n:
            raise ValueError(f"network must be 0 (the base) or a specialist's number 1..{n}, got {network!r}")
        card = copy.deepcopy(self.card)
        specialists = _specialist_cards(card, n)
        own = card if network == 0 else specialists[network - 1]
        own["inference"] = {**self.inference[network], **options}
        _inference_options(own)
        if n:
            card["specialists"] = specialists
        return QuantilePipeline(self.model, self.codec, device=self.device, card=card)

    def split(self) -> tuple["QuantilePipeline", ...]:
        """``(base, *specialists)``: the networks of a pipeline with specialists, each as a pipeline of
        its own (the inverse of :meth:`with_specialist`), e.g. to train a specialist further and
        compose them again. The base's card is the pipeline's without the specialists' cards, each
        specialist's its entry of ``"specialists"``; all name the pipeline they came from.

        Examples
        --------
        >>> from sktime_symbolic.model import load_pretrained
        >>> networks = load_pretrained("symbolic-piece", device="cpu").split()
        >>> [network.cfg.specialist_seasons for network in networks]
        [(), (), ()]
        """
        if not self.cfg.specialist_seasons:
            raise ValueError("this pipeline has no specialist network to split off")
        base = QuantileEncoder(self.cfg.replace(specialist_seasons=()))
        base.load_state_dict({k: v.detach().clone() for k, v in self.model.state_dict().items()
                              if not k.startswith("specialists.")})
        origin = {"split_from": {"name": self.card.get("name"), "version": self.card.get("version")}}
        own = _own_card(self.card)
        specialist_cards = _specialist_cards(own, len(self.model.specialists))
        own.pop("specialists", None)
        return tuple(QuantilePipeline(model, self.codec, device=self.device, card={**copy.deepcopy(card), **origin})
                     for model, card in zip((base, *copy.deepcopy(list(self.model.specialists))),
                                            (own, *specialist_cards)))

    # ------------------------------------------------------------------ persistence

    def to_state(self) -> dict:
        """Config, codec, card and CPU weights (what estimators pickle; see :meth:`from_state`)."""
        return {"config": self.cfg.to_dict(), "codec": {"config": self.codec.config(), "state": self.codec.state()},
                "card": copy.deepcopy(self.card),
                "weights": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}}

    @classmethod
    def from_state(cls, state: dict, device="auto") -> "QuantilePipeline":
        model = QuantileEncoder(QuantileConfig.from_dict(state["config"]))
        weights, card = _with_one_specialist_renamed(state["weights"], state["card"])
        model.load_state_dict(weights)
        codec = codec_from_config(state["codec"]["config"], state["codec"]["state"])
        return cls(model, codec, device=device, card=card)

    def save(self, directory):
        """Write ``model.safetensors``, ``codec.npz`` and ``model_card.json`` (config, codec, sha256 of each file)."""
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        weights = {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()}
        save_file(weights, str(directory / WEIGHTS_FILE), metadata={"format": "pt"})
        np.savez(directory / CODEC_FILE, **self.codec.state())
        card = {**self.card, "config": self.cfg.to_dict(), "codec": self.codec.config(),
                "sha256": {name: _sha256(directory / name) for name in (WEIGHTS_FILE, CODEC_FILE)}}
        (directory / CARD_FILE).write_text(json.dumps(card, indent=2))

    @classmethod
    def from_pretrained(cls, directory, device="auto") -> "QuantilePipeline":
        """Load what :meth:`save` wrote; a missing, altered or mismatched file raises ValueError naming it."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        directory = Path(directory)
        for name in (WEIGHTS_FILE, CODEC_FILE, CARD_FILE):
            if not (directory / name).is_file():
                raise ValueError(f"{directory} lacks {name}; not a saved QuantilePipeline")
        card_path = directory / CARD_FILE
        try:
            card = json.loads(card_path.read_text())
            cfg = QuantileConfig.from_dict(card["config"])
            codec_config, digests = card["codec"], card["sha256"]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"{card_path} is corrupt: {error}") from error
        for name in (WEIGHTS_FILE, CODEC_FILE):
            if digests.get(name) != _sha256(directory / name):
                raise ValueError(f"{directory / name} does not match the sha256 in {card_path}: altered or damaged")
        try:
            with np.load(directory / CODEC_FILE) as data:
                codec = codec_from_config(codec_config, dict(data))
        except Exception as error:  # np.load raises zip/OS errors on damaged files
            raise ValueError(f"{directory / CODEC_FILE} is corrupt: {type(error).__name__}: {error}") from error
        try:
            weights = load_file(str(directory / WEIGHTS_FILE))
        except (SafetensorError, OSError, RuntimeError) as error:
            raise ValueError(f"{directory / WEIGHTS_FILE} is corrupt: {error}") from error
        weights, card = _with_one_specialist_renamed(weights, card)
        model = QuantileEncoder(cfg)
        expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        found = {k: tuple(v.shape) for k, v in weights.items()}
        if expected != found:
            diff = sorted(set(expected.items()) ^ set(found.items()))[:4]
            raise ValueError(f"{directory / WEIGHTS_FILE} does not match the model config; first differences: {diff}")
        model.load_state_dict(weights)
        return cls(model, codec, device=device, card=card)
