"""LLM-ABBA forecaster: a causal language model fine-tuned (LoRA) on the JABBA symbols of a series."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sktime.forecasting.base import BaseForecaster

from sktime_symbolic._validation import check_positive_int, check_real, check_time_index
from sktime_symbolic.llm._common import (
    NO_LOSS,
    PYTHON_DEPENDENCIES,
    LLMABBAMixin,
    estimator_test_params,
    padded_batch,
)
from sktime_symbolic.llm.codec import complete_series
from sktime_symbolic.model._adapters import check_seed

DEFAULT_TASK = "Forecast the symbols that follow:"


def _symbols_only(allowed, vocab_size):
    """Logits processor that masks every id but ``allowed`` (the codec's ``allowed_ids``)."""
    import torch
    from transformers import LogitsProcessor

    class SymbolsOnly(LogitsProcessor):
        def __init__(self):
            self.mask = torch.full((vocab_size,), float("-inf"))
            self.mask[torch.as_tensor(allowed)] = 0.0

        def __call__(self, input_ids, scores):
            return scores + self.mask.to(scores.device, scores.dtype)[: scores.shape[-1]]

    return SymbolsOnly()


def _covers_horizon(steps_of_id, prompt_length, horizon):
    """Stopping criterion: a sequence is done once its generated symbols cover ``horizon`` steps."""
    from transformers import StoppingCriteria

    class CoversHorizon(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            generated = input_ids[:, prompt_length:]
            return steps_of_id.to(generated.device)[generated].sum(dim=1) >= horizon

    return CoversHorizon()


class LLMABBAForecaster(LLMABBAMixin, BaseForecaster):
    """Probabilistic forecaster: a language model generates the JABBA symbols of the future (LLM-ABBA).

    ``fit`` symbolizes the series with a JABBA codebook whose symbols are single tokens of the
    model's vocabulary (fixed-point chain by default, see
    :class:`~sktime_symbolic.llm.codec.SymbolTokenCodec`), then fine-tunes LoRA adapters (and
    the symbol tokens' embedding rows) on windows of the symbol string: a prompt of task text,
    up to ``context_symbols`` symbols and the separator, followed by up to ``target_symbols``
    symbols. The loss covers every symbol token of a window (context and continuation), not the
    task text or the separator: the model learns the series' symbol language, not only the step
    after the separator.

    ``predict`` prompts with the last ``context_symbols`` symbols of the history and samples
    ``n_samples`` continuations, only symbol tokens allowed (all other ids are masked out),
    each until its symbols' mean lengths cover the horizon. Every continuation is turned back
    into values by the inverse symbolization, starting at the last observed value. The point
    forecast is the median of the sampled paths, quantiles and intervals are their empirical
    quantiles; sampling is seeded by ``random_state``, so forecasts are reproducible.

    Parameters
    ----------
    model : str, path or transformers config
        A local directory that ``from_pretrained`` reads (a causal language model; nothing is
        downloaded, a hub id is an error), or a config: a random initialisation seeded by
        ``random_state`` (a model from scratch).
    tokenizer : str, path or None, default=None
        A local tokenizer directory; None: the model directory's, or for a config a word-level
        tokenizer of ``config.vocab_size`` entries built in memory.
    tol, alpha, scl : float, default=0.05, 0.01, 3.0
        JABBA's compression tolerance, aggregation radius and length weight (LLM-ABBA's
        settings; a larger ``alpha`` gives fewer symbols, easier for a small model).
    fixed_point : bool, default=True
        Fixed-point chain: a wrong symbol does not shift the rest of the forecast.
    alphabet : list of str or None, default=None
        Vocabulary entries to use as symbols (None: the first single-token entries).
    task : str, default="Forecast the symbols that follow:"
    separator : str, default=";"
    context_symbols : int, default=64
        Symbols of the history in a prompt.
    target_symbols : int, default=16
        Most symbols after the separator in a training window.
    n_samples : int, default=20
        Sampled continuations per forecast.
    temperature : float > 0, default=1.0
        Sampling temperature.
    lora_r, lora_alpha, lora_dropout : default=16, 16, 0.05
        LoRA rank, scaling and dropout (the paper's values).
    target_modules : str or list of str, default="all-linear"
        Modules that get adapters (peft's names; ``"all-linear"``: every linear layer).
    qlora : {"auto", True, False}, default="auto"
        4-bit QLoRA of a model directory: ``"auto"`` when CUDA and bitsandbytes are present.
    fine_tune_steps : int >= 0, default=100
        LoRA optimiser steps of ``fit`` (0: no training, e.g. to only load an ``adapter``).
    fine_tune_lr : float, default=1e-4
    batch_size : int, default=4
        Training windows per step (the paper's batch size).
    adapter : str, path or None, default=None
        A directory written by :meth:`save_adapter`: ``fit`` starts from its adapters and codec
        (its symbol settings replace ``tol``, ``alpha``, ``task``, ...), then trains
        ``fine_tune_steps`` more steps.
    checkpoint_dir : str, path or None, default=None
        Where Lightning writes checkpoints of the trainable weights during ``fit``.
    device : str, default="auto"
        ``"auto"``: CUDA when present, else CPU (bf16 mixed precision on GPU).
    random_state : int or None, default=None
        Seed of the model initialisation, training and sampling (None: 0).
    progress : bool, default=False
        Show Lightning's progress bar (with the running loss) while fine-tuning.

    Attributes
    ----------
    codec_ : SymbolTokenCodec
    model_ : peft model (LoRA adapters over the base model)
    losses_ : list of float, training loss of every step of ``fit``
    quantized_ : bool, whether QLoRA was used

    Notes
    -----
    Univariate series only; sktime fits one forecaster per column or per series of a panel.
    No missing values (the polygonal chain needs every value), and time points at regular steps
    (a DatetimeIndex needs a frequency, set or inferable). ``update`` extends the history that
    forecasts start from without fine-tuning again (refit for that); its values and time points
    are checked as ``fit``'s.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from transformers import GPT2Config
    >>> from sktime_symbolic.llm import LLMABBAForecaster
    >>> y = pd.Series(np.sin(np.arange(120) / 4))
    >>> config = GPT2Config(n_layer=1, n_embd=32, n_head=2, n_positions=128, vocab_size=128)
    >>> forecaster = LLMABBAForecaster(config, alpha=0.3, fine_tune_steps=5, n_samples=4, device="cpu")
    >>> forecaster.fit(y, fh=[1, 2, 3]).predict().shape
    (3,)
    >>> forecaster.predict_interval(coverage=0.5).shape
    (3, 2)
    """

    _tags = {
        "authors": ["sktime-symbolic developers"],
        "maintainers": ["sktime-symbolic developers"],
        "python_dependencies": PYTHON_DEPENDENCIES,
        "y_inner_mtype": "pd.Series",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": False,
        "capability:exogenous": False,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:random_state": True,
        "property:randomness": "derandomized",
        "requires-fh-in-fit": False,
        "fit_is_empty": False,
    }
    # the history lives in _history (extended by _update); sktime's own copy is not needed
    _config = {"remember_data": False}
    _TASK = "causal-lm"

    def __init__(self, model, tokenizer=None, tol=0.05, alpha=0.01, scl=3.0, fixed_point=True, alphabet=None,
                 task=DEFAULT_TASK, separator=";", context_symbols=64, target_symbols=16, n_samples=20,
                 temperature=1.0, lora_r=16, lora_alpha=16, lora_dropout=0.05, target_modules="all-linear",
                 qlora="auto", fine_tune_steps=100, fine_tune_lr=1e-4, batch_size=4, adapter=None,
                 checkpoint_dir=None, device="auto", random_state=None, progress=False):
        self.model = model
        self.tokenizer = tokenizer
        self.tol = tol
        self.alpha = alpha
        self.scl = scl
        self.fixed_point = fixed_point
        self.alphabet = alphabet
        self.task = task
        self.separator = separator
        self.context_symbols = context_symbols
        self.target_symbols = target_symbols
        self.n_samples = n_samples
        self.temperature = temperature
        self.lora_r = lora_r
        self.lora_alpha = lora_alpha
        self.lora_dropout = lora_dropout
        self.target_modules = target_modules
        self.qlora = qlora
        self.fine_tune_steps = fine_tune_steps
        self.fine_tune_lr = fine_tune_lr
        self.batch_size = batch_size
        self.adapter = adapter
        self.checkpoint_dir = checkpoint_dir
        self.device = device
        self.random_state = random_state
        self.progress = progress
        super().__init__()
        # sktime's data pointers, None as its base makes them; filled only under a user's remember_data=True
        self._y = None
        self._X = None

    # ------------------------------------------------------------------ fitting

    def _check_params(self):
        for name in ("context_symbols", "target_symbols", "n_samples"):
            check_positive_int(name, getattr(self, name))
        check_real(self.temperature, "temperature", low=0, low_inclusive=False)

    def _make_batch(self, series_ids, index):
        """Training windows of batch ``index``: a pure function of ``random_state`` and ``index``."""
        codec, seed = self.codec_, check_seed(self.random_state)
        rng = np.random.default_rng([seed, 23, int(index)])
        # an origin is the number of context symbols (1 to all): a window may end without continuation
        origins = np.array([ids.shape[0] for ids in series_ids])
        cumulative = np.cumsum(origins)
        head, sep = codec.prompt([]), list(codec.separator_ids_)
        rows, labels = [], []
        for draw in rng.integers(0, cumulative[-1], size=int(self.batch_size)):
            s = int(np.searchsorted(cumulative, draw, side="right"))
            origin = 1 + int(draw - (cumulative[s - 1] if s else 0))
            ids = series_ids[s]
            context = ids[max(0, origin - int(self.context_symbols)):origin].tolist()
            target = ids[origin:origin + int(self.target_symbols)].tolist()
            rows.append(head + context + sep + target)
            labels.append([NO_LOSS] * len(head) + context + [NO_LOSS] * len(sep) + target)
        return padded_batch(rows, codec.pad_id_, labels)

    def _fit(self, y, X=None, fh=None):
        self._check_params()
        # the forecast's time points are steps from the last one: an irregular index fails here, not at predict
        check_time_index(y.index, "y")
        values = complete_series(y.to_numpy(), "y")
        ids = self._setup([values])
        window = len(self.codec_.prompt([ids[0][:int(self.context_symbols)]])) + int(self.target_symbols)
        self._check_length(window, f"a training window of {self.context_symbols} context and "
                                   f"{self.target_symbols} target symbols")
        self._train(lambda index: self._make_batch(ids, index))
        self._history = y
        return self

    def _update(self, y, X=None, update_params=True):
        from sktime.datatypes import update_data

        # checked now, not at the next predict
        try:
            complete_series(y.to_numpy(), "y", min_length=1)
            history = update_data(self._history, y)
            check_time_index(history.index, "the history updated with y")
        except ValueError:
            # sktime moved the cutoff to the end of y before calling _update: back to the unchanged history's
            self._set_cutoff_from_y(self._history)
            raise
        self._history = history
        return self

    # ------------------------------------------------------------------ prediction

    def sample_paths(self, horizon, return_ids=False):
        """``n_samples`` sampled continuations of the history, array of shape (n_samples, horizon).

        Parameters
        ----------
        horizon : int, steps after the end of the history
        return_ids : bool, default=False
            Also return the generated token ids of every path (``codec_.text`` shows them).

        Returns
        -------
        np.ndarray, or ``(paths, list of int64 arrays)`` with ``return_ids``
        """
        import torch
        from transformers import LogitsProcessorList, StoppingCriteriaList

        self.check_is_fitted()
        horizon = check_positive_int("horizon", horizon)
        codec, model = self.codec_, self.model_
        history = complete_series(self._history.to_numpy(), "y")
        prompt = codec.prompt([codec.encode([history])[0][-int(self.context_symbols):]])
        self._check_length(len(prompt) + horizon, f"a forecast of {horizon} steps from {self.context_symbols} symbols")
        vocab_size = max(int(model.base_model.model.config.vocab_size), len(codec.tokenizer))
        steps_of_id = torch.zeros(vocab_size)
        steps_of_id[torch.as_tensor(codec.token_ids_)] = torch.as_tensor(codec.lengths_, dtype=torch.float32)
        input_ids = torch.tensor([prompt] * int(self.n_samples), device=self.device_)
        devices = [self.device_.index or 0] if self.device_.type == "cuda" else []
        with torch.no_grad(), torch.random.fork_rng(devices=devices):
            torch.manual_seed(check_seed(self.random_state))
            out = model.generate(
                input_ids=input_ids, attention_mask=torch.ones_like(input_ids), do_sample=True,
                temperature=float(self.temperature), top_k=0, top_p=1.0, max_new_tokens=horizon,
                logits_processor=LogitsProcessorList([_symbols_only(codec.allowed_ids(), vocab_size)]),
                stopping_criteria=StoppingCriteriaList([_covers_horizon(steps_of_id, len(prompt), horizon)]),
                pad_token_id=codec.pad_id_)
        generated = out[:, len(prompt):].cpu().numpy()
        paths = codec.decode_continuations(history, list(generated), horizon)
        return (paths, list(generated)) if return_ids else paths

    def _steps(self, fh):
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=np.int64)
        return steps, pd.Index(fh.to_absolute_index(self.cutoff))

    def _predict(self, fh, X=None):
        steps, index = self._steps(fh)
        paths = self.sample_paths(int(steps.max()))
        return pd.Series(np.median(paths[:, steps - 1], axis=0), index=index, name=self._history.name)

    def _predict_quantiles(self, fh, X, alpha):
        steps, index = self._steps(fh)
        paths = self.sample_paths(int(steps.max()))
        values = np.quantile(paths[:, steps - 1], np.asarray(alpha, dtype=np.float64), axis=0).T
        return pd.DataFrame(values, index=index, columns=self._get_columns(method="predict_quantiles", alpha=alpha))

    # ------------------------------------------------------------------ testing

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """A one-layer random GPT-2 (from its config), untrained or trained for one step, on CPU.

        Parameters
        ----------
        parameter_set : str, default="default"

        Returns
        -------
        list of dict
        """
        return estimator_test_params({"context_symbols": 16, "target_symbols": 4, "n_samples": 3, "batch_size": 2},
                                     trained={"temperature": 0.7})
