"""Forecasting pipeline: motif tokenizer + transformer, sampling token paths with a KV cache."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from sktime_symbolic.bpe import EOS, MASK, PAD, MotifTokenizer
from sktime_symbolic.model._checks import check_positive_int, check_positive_number, check_series
from sktime_symbolic.model.codec import context_scale, to_codec_units
from sktime_symbolic.model.config import SymbolicConfig
from sktime_symbolic.model.transformer import SymbolicTransformer

QUANTILE_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
#: the shipped model the estimators use unless told otherwise
DEFAULT_MODEL = "symbolic-piece"
WEIGHTS_FILE, TOKENIZER_FILE, CARD_FILE = "model.safetensors", "tokenizer.npz", "model_card.json"
# a directory holding this file was saved by a QuantilePipeline (its codec's fitted state)
QUANTILE_CODEC_FILE = "codec.npz"


def resolve_device(device) -> torch.device:
    """``"auto"``: CUDA when present, else CPU; anything else goes to :class:`torch.device`."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device must be 'auto' or a torch device, got {device!r}") from error


def inference_autocast(device: torch.device):
    """bf16 autocast on CUDA, plain fp32 on CPU: how both pipelines run their models."""
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


def series_seed(seed: int, values: np.ndarray) -> int:
    """Seed of one series' sampler: a hash of ``seed`` and the context values.

    A series therefore gets the same sample paths whatever else is in the batch.
    """
    digest = hashlib.blake2b(np.int64(seed).tobytes() + np.ascontiguousarray(values).tobytes(), digest_size=8)
    return int.from_bytes(digest.digest(), "little") >> 1


class SymbolicPipeline:
    """Zero-shot probabilistic forecaster over BPE motif tokens (like Chronos' pipeline).

    The context is z-scored (its own mean and a floored standard deviation), tokenized on
    its own (no motif crosses the forecast origin; NaN becomes MASK), followed by the
    ORIGIN token; token paths are then sampled with a KV cache until their decoded values
    cover the horizon (a horizon longer than the trained one just continues the paths),
    decoded with conditional decoding (the last context symbol conditions the first
    forecast value) and un-scaled.

    Parameters
    ----------
    model : SymbolicTransformer
    tokenizer : MotifTokenizer
        Fitted with :func:`~sktime_symbolic.model.codec.make_tokenizer` settings.
    device : str or torch.device, default="auto"
        ``"auto"``: CUDA when present (bf16 autocast), else CPU (fp32).
    card : dict, optional
        Model card (training budget, data) stored with the weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_symbolic.model import load_pretrained
    >>> pipe = load_pretrained("symbolic-nano")
    >>> samples = pipe.forecast(np.sin(np.arange(200) / 4), prediction_length=12, num_samples=5)
    >>> samples.shape
    (5, 12)
    """

    def __init__(self, model: SymbolicTransformer, tokenizer: MotifTokenizer, device="auto", card=None):
        if not isinstance(model, SymbolicTransformer):
            raise ValueError(f"model must be a SymbolicTransformer, got {type(model).__name__}")
        if not isinstance(tokenizer, MotifTokenizer) or not hasattr(tokenizer, "merges_"):
            raise ValueError("tokenizer must be a fitted MotifTokenizer")
        if model.cfg.vocab_size != tokenizer.vocab_size_ + 1:
            raise ValueError(f"model vocabulary ({model.cfg.vocab_size}) must be the tokenizer's "
                             f"({tokenizer.vocab_size_}) plus the ORIGIN token")
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.cfg = model.cfg
        self.card = dict(card or {})
        self.origin = tokenizer.vocab_size_
        self._motif_lengths = torch.as_tensor(np.append(tokenizer.motif_lengths_, 0), device=self.device)
        banned = torch.zeros(self.cfg.vocab_size, dtype=torch.bool, device=self.device)
        banned[[PAD, EOS, MASK, self.origin]] = True
        self._banned = banned

    @property
    def context_length(self) -> int:
        """Longest context used: earlier values are dropped."""
        return self.cfg.context_length

    # ------------------------------------------------------------------ tokenization

    def encode_contexts(self, series: list) -> tuple[list, np.ndarray, np.ndarray]:
        """``(token arrays ending with ORIGIN, loc, scale)`` of already validated contexts."""
        series = [x[-self.cfg.context_length:] for x in series]
        scales = [context_scale(x, self.cfg.scale_floor) for x in series]
        loc = np.array([s[0] for s in scales])
        scale = np.array([s[1] for s in scales])
        enc = self.tokenizer.encode([to_codec_units(x, m, s, self.cfg.clip) for x, (m, s) in zip(series, scales)])
        keep = self.cfg.max_seq_len - 1
        prompts = [np.append(enc[i][-keep:], self.origin).astype(np.int64) for i in range(len(series))]
        return prompts, loc, scale

    def _pad_left(self, prompts):
        length = max(len(p) for p in prompts)
        tokens = np.full((len(prompts), length), PAD, dtype=np.int64)
        valid = np.zeros((len(prompts), length), dtype=bool)
        for i, p in enumerate(prompts):
            tokens[i, length - len(p):] = p
            valid[i, length - len(p):] = True
        return torch.as_tensor(tokens, device=self.device), torch.as_tensor(valid, device=self.device)

    def _autocast(self):
        return inference_autocast(self.device)

    # ------------------------------------------------------------------ sampling

    @torch.inference_mode()
    def _sample_tokens(self, prompts, prediction_length, num_samples, temperature, top_k, uniforms):
        """Sampled token paths (B*S, steps) and the samples each path covers."""
        tokens, valid = self._pad_left(prompts)
        cache = self.model.new_cache()
        with self._autocast():
            logits = self.model(tokens, valid, cache)[:, -1]
        cache.repeat_interleave(num_samples)
        logits = logits.repeat_interleave(num_samples, dim=0)
        rows = logits.shape[0]
        covered = torch.zeros(rows, dtype=torch.long, device=self.device)
        paths = []
        for step in range(prediction_length):
            nxt = self._draw(logits.float(), temperature, top_k, uniforms[:, step])
            paths.append(nxt)
            covered += self._motif_lengths[nxt]
            if bool((covered >= prediction_length).all()):
                break
            with self._autocast():
                logits = self.model(nxt[:, None], None, cache)[:, -1]
        return torch.stack(paths, dim=1)

    def _draw(self, logits, temperature, top_k, u):
        """Inverse-CDF draw with given uniforms (so each series' randomness is its own)."""
        logits = logits.masked_fill(self._banned, float("-inf")) / temperature
        if top_k is not None and top_k < logits.shape[-1]:
            kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        cdf = torch.softmax(logits, dim=-1).cumsum(-1)
        idx = torch.searchsorted(cdf, (u * cdf[:, -1]).unsqueeze(-1).contiguous()).squeeze(-1)
        return idx.clamp_max(logits.shape[-1] - 1)

    def _check_sampling(self, prediction_length, num_samples, temperature, top_k, batch_size):
        for name, value in (("prediction_length", prediction_length), ("num_samples", num_samples),
                            ("batch_size", batch_size)):
            check_positive_int(name, value)
        check_positive_number("temperature", temperature)
        if top_k is not None:
            check_positive_int("top_k", top_k)

    def forecast(self, context, prediction_length, num_samples=20, temperature=1.0, top_k=None, seed=0,
                 batch_size=64, progress=False):
        """Sample paths of the next ``prediction_length`` values.

        Parameters
        ----------
        context : 1D array, 2D array (one series per row) or list of 1D arrays
            History; NaN is missing, inf is an error. Only the last ``cfg.context_length``
            values are used.
        prediction_length : int
        num_samples : int, default=20
        temperature : float, default=1.0
        top_k : int or None, default=None
        seed : int, default=0
            With the context values it seeds each series' own generator.
        batch_size : int, default=64
            Series per forward pass (times ``num_samples`` rows while sampling).
        progress : bool, default=False
            Show a progress bar over the batches (tqdm).

        Returns
        -------
        ndarray of shape (num_samples, prediction_length) for one series, else
        (n_series, num_samples, prediction_length).
        """
        self._check_sampling(prediction_length, num_samples, temperature, top_k, batch_size)
        series, single = _as_series_list(context)
        h, S = int(prediction_length), int(num_samples)
        out = np.empty((len(series), S, h))
        for start in tqdm(range(0, len(series), batch_size), desc="forecast", unit="batch", disable=not progress):
            chunk = series[start:start + batch_size]
            prompts, loc, scale = self.encode_contexts(chunk)
            # drawn step by step: step t's uniforms do not depend on h, so a shorter horizon's
            # paths are the start of a longer one's (ragged panels forecast one common horizon)
            uniforms = torch.cat([
                torch.rand(h, S, generator=torch.Generator().manual_seed(series_seed(seed, x)), dtype=torch.float64).T
                for x in chunk]).to(self.device, torch.float32)
            paths = self._sample_tokens(prompts, h, S, float(temperature), top_k, uniforms).cpu().numpy()
            # the last context token conditions the decoding of the first forecast symbol
            lasts = [p[-2:-1] if len(p) > 1 else p[:0] for p in prompts]
            rows = [np.concatenate((lasts[r // S], paths[r])) for r in range(paths.shape[0])]
            decoded = self.tokenizer.decode(rows, loc=0.0, scale=1.0)
            for r, values in enumerate(decoded):
                b = r // S
                skip = int(self.tokenizer.motif_lengths_[lasts[b]].sum())
                z = values[skip:skip + h] * self.cfg.clip
                out[start + b, r % S] = z * scale[b] + loc[b]
        return out[0] if single else out

    def predict_quantiles(self, context, prediction_length, quantile_levels=QUANTILE_LEVELS, **kwargs):
        """``(quantiles, mean)`` over sample paths: shapes (n, len(levels), h) and (n, h).

        Keyword arguments go to :meth:`forecast`; a single 1D context drops the first axis.
        """
        levels = np.asarray(quantile_levels, dtype=np.float64)
        if levels.ndim != 1 or levels.size == 0 or ((levels <= 0) | (levels >= 1)).any():
            raise ValueError(f"quantile_levels must be a non-empty list of numbers in (0, 1), got {quantile_levels}")
        samples = self.forecast(context, prediction_length, **kwargs)
        quantiles = np.moveaxis(np.quantile(samples, np.sort(levels), axis=-2), 0, -2)
        return quantiles, samples.mean(axis=-2)

    def plot_forecast(self, context, prediction_length, levels=(0.1, 0.25, 0.5, 0.75, 0.9), actual=None, ax=None,
                      **kwargs):
        """Plot one context and its forecast's median and central intervals (matplotlib).

        Keyword arguments go to :meth:`forecast`; returns the matplotlib Axes.
        """
        from sktime_symbolic.model.plotting import plot_forecast

        series, single = _as_series_list(context)
        if not single:
            raise ValueError("plot_forecast draws one series: pass a 1D context")
        quantiles, _ = self.predict_quantiles(series[0], prediction_length, quantile_levels=levels, **kwargs)
        history = series[0][-self.cfg.context_length:]
        return plot_forecast(history, quantiles, sorted(levels), actual=actual, ax=ax)

    @torch.inference_mode()
    def embed(self, context, batch_size=64, progress=False) -> np.ndarray:
        """Final hidden states averaged over each context's tokens and its ORIGIN token.

        Returns an array of shape (n_series, d_model), or (d_model,) for one 1D context;
        ``progress`` shows a progress bar over the batches.
        """
        check_positive_int("batch_size", batch_size)
        series, single = _as_series_list(context)
        out = []
        for start in tqdm(range(0, len(series), batch_size), desc="embed", unit="batch", disable=not progress):
            prompts, _, _ = self.encode_contexts(series[start:start + batch_size])
            tokens, valid = self._pad_left(prompts)
            with self._autocast():
                hidden = self.model.hidden_states(tokens, valid).float()
            weights = valid.float()[..., None]
            out.append(((hidden * weights).sum(1) / weights.sum(1)).cpu().numpy())
        out = np.concatenate(out)
        return out[0] if single else out

    # ------------------------------------------------------------------ persistence

    def to_state(self) -> dict:
        """Config, tokenizer, card and CPU weights: what estimators pickle for a fine-tuned
        pipeline, so that it unpickles on any machine (:meth:`from_state`)."""
        return {"config": self.cfg.to_dict(), "tokenizer": self.tokenizer, "card": copy.deepcopy(self.card),
                "weights": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}}

    @classmethod
    def from_state(cls, state: dict, device="auto") -> "SymbolicPipeline":
        """The pipeline :meth:`to_state` described, on ``device``."""
        model = SymbolicTransformer(SymbolicConfig.from_dict(state["config"]))
        model.load_state_dict(state["weights"])
        return cls(model, state["tokenizer"], device=device, card=state["card"])

    def save(self, directory):
        """Write ``model.safetensors``, ``tokenizer.npz`` and ``model_card.json`` (config + card)."""
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()}
        save_file(state, str(directory / WEIGHTS_FILE), metadata={"format": "pt"})
        self.tokenizer.save(directory / TOKENIZER_FILE)
        card = {**self.card, "config": self.cfg.to_dict(), "tokenizer_vocab_size": int(self.tokenizer.vocab_size_)}
        (directory / CARD_FILE).write_text(json.dumps(card, indent=2))

    @classmethod
    def from_pretrained(cls, directory, device="auto") -> "SymbolicPipeline":
        """Load what :meth:`save` wrote; missing, corrupt or mismatched files raise ValueError."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        directory = Path(directory)
        for name in (WEIGHTS_FILE, TOKENIZER_FILE, CARD_FILE):
            if not (directory / name).is_file():
                raise ValueError(f"{directory} lacks {name}; not a saved SymbolicPipeline")
        try:
            card = json.loads((directory / CARD_FILE).read_text())
            cfg = SymbolicConfig.from_dict(card["config"])
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as error:
            raise ValueError(f"{directory / CARD_FILE} is corrupt: {error}") from error
        try:
            tokenizer = MotifTokenizer.load(directory / TOKENIZER_FILE)
        except Exception as error:  # np.load raises zip/OS/pickle errors on damaged files
            raise ValueError(f"{directory / TOKENIZER_FILE} is corrupt: {type(error).__name__}: {error}") from error
        if card.get("tokenizer_vocab_size") != tokenizer.vocab_size_:
            raise ValueError(f"{directory / TOKENIZER_FILE} has {tokenizer.vocab_size_} tokens but the model card "
                             f"says {card.get('tokenizer_vocab_size')}: mismatched files")
        try:
            state = load_file(str(directory / WEIGHTS_FILE))
        except (SafetensorError, OSError, RuntimeError) as error:
            raise ValueError(f"{directory / WEIGHTS_FILE} is corrupt: {error}") from error
        model = SymbolicTransformer(cfg)
        expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        found = {k: tuple(v.shape) for k, v in state.items()}
        if expected != found:
            diff = sorted(set(expected.items()) ^ set(found.items()))[:4]
            raise ValueError(f"{directory / WEIGHTS_FILE} does not match the model config; first differences: {diff}")
        model.load_state_dict(state)
        return cls(model, tokenizer, device=device, card=card)


WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def available_models() -> list[str]:
    """Names of the weights shipped in the package."""
    if not WEIGHTS_DIR.is_dir():
        return []
    return sorted(p.name for p in WEIGHTS_DIR.iterdir() if (p / CARD_FILE).is_file())


def load_pretrained(name=DEFAULT_MODEL, device="auto"):
    """Load shipped weights by name (no network), or a directory written by :meth:`SymbolicPipeline.save`
    or :meth:`~sktime_symbolic.model.quantile_pipeline.QuantilePipeline.save`.

    Examples
    --------
    >>> from sktime_symbolic.model import available_models, load_pretrained
    >>> "symbolic-nano" in available_models()
    True
    >>> load_pretrained("symbolic-nano").cfg.d_model
    128
    """
    if not isinstance(name, (str, os.PathLike)):
        raise ValueError(f"name must be a string or path, got {type(name).__name__}")
    path = Path(name)
    if not path.is_dir():
        if str(name) not in available_models():
            raise ValueError(f"unknown model {str(name)!r}; shipped: {available_models()}")
        path = WEIGHTS_DIR / str(name)
    if (path / CARD_FILE).is_file() and (path / QUANTILE_CODEC_FILE).is_file():
        from sktime_symbolic.model.quantile_pipeline import QuantilePipeline

        return QuantilePipeline.from_pretrained(path, device=device)
    return SymbolicPipeline.from_pretrained(path, device=device)


@functools.lru_cache(maxsize=None)
def _shared(name: str, device: str) -> SymbolicPipeline:
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
