"""LLM-ABBA classifier: a sequence-classification head on a LoRA-tuned language model reading JABBA symbols."""

from __future__ import annotations

import numpy as np
from sktime.classification.base import BaseClassifier

from sktime_symbolic._validation import check_positive_int
from sktime_symbolic.llm._common import PYTHON_DEPENDENCIES, LLMABBAMixin, estimator_test_params, padded_batch
from sktime_symbolic.llm.codec import complete_series
from sktime_symbolic.model._adapters import check_seed

DEFAULT_TASK = "Classify the time series from its symbols:"


class LLMABBAClassifier(LLMABBAMixin, BaseClassifier):
    """Time series classifier: a language model reads the JABBA symbols of a series (LLM-ABBA).

    ``fit`` symbolizes every channel of every instance with one JABBA codebook whose symbols are
    single tokens of the model's vocabulary (see
    :class:`~sktime_symbolic.llm.codec.SymbolTokenCodec`). An instance becomes one prompt: the
    task text, then channel by channel its symbols each followed by the separator (a
    multivariate series is read channel after channel, as in the paper). A sequence-classification
    head on the model's last prompt token is trained with the cross-entropy of the labels, together
    with LoRA adapters and the symbol tokens' embedding rows. ``predict_proba`` is the softmax of
    the head.

    Parameters
    ----------
    model : str, path or transformers config
        A local directory that ``from_pretrained`` reads (the head is added to the pretrained
        model; nothing is downloaded, a hub id is an error), or a config: a random
        initialisation seeded by ``random_state`` (a model from scratch).
    tokenizer : str, path or None, default=None
        A local tokenizer directory; None: the model directory's, or for a config a word-level
        tokenizer of ``config.vocab_size`` entries built in memory.
    tol, alpha, scl : float, default=0.05, 0.01, 3.0
        JABBA's compression tolerance, aggregation radius and length weight (LLM-ABBA's settings).
    fixed_point : bool, default=True
        Fixed-point chain (symbols are (length, level) pieces).
    alphabet : list of str or None, default=None
        Vocabulary entries to use as symbols (None: the first single-token entries).
    task : str, default="Classify the time series from its symbols:"
    separator : str, default=";"
    max_symbols : int, default=256
        Most symbols of an instance in a prompt; a longer instance keeps the last
        ``max_symbols // n_channels`` symbols of each channel.
    lora_r, lora_alpha, lora_dropout : default=16, 16, 0.05
    target_modules : str or list of str, default="all-linear"
    qlora : {"auto", True, False}, default="auto"
    fine_tune_steps : int >= 0, default=100
    fine_tune_lr : float, default=1e-4
    batch_size : int, default=4
        Instances per training step and per forward pass of prediction.
    adapter : str, path or None, default=None
        A directory written by :meth:`save_adapter` to start from (its codec replaces the symbol
        settings; the labels must be the same).
    checkpoint_dir : str, path or None, default=None
    device : str, default="auto"
    random_state : int or None, default=None
        Seed of the model initialisation and training (None: 0). Prediction is deterministic.
    progress : bool, default=False

    Attributes
    ----------
    codec_ : SymbolTokenCodec
    model_ : peft model (LoRA adapters, trained head)
    losses_ : list of float, training loss of every step of ``fit``
    n_channels_ : int
    quantized_ : bool

    Notes
    -----
    No missing values. Instances may have unequal lengths. Every channel is z-normalised on its
    own before symbolization, so the classifier reads the shape of a series, not its level.

    Examples
    --------
    >>> from sktime.datasets import load_unit_test
    >>> from transformers import GPT2Config
    >>> from sktime_symbolic.llm import LLMABBAClassifier
    >>> X, y = load_unit_test(split="train", return_type="numpy3D")
    >>> config = GPT2Config(n_layer=1, n_embd=32, n_head=2, n_positions=128, vocab_size=256)
    >>> clf = LLMABBAClassifier(config, alpha=0.3, fine_tune_steps=5, device="cpu").fit(X, y)
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    """

    _tags = {
        "authors": ["sktime-symbolic developers"],
        "maintainers": ["sktime-symbolic developers"],
        "python_dependencies": PYTHON_DEPENDENCIES,
        "X_inner_mtype": ["df-list", "numpy3D"],
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:missing_values": False,
        "capability:predict_proba": True,
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }
    _TASK = "sequence-classification"

    def __init__(self, model, tokenizer=None, tol=0.05, alpha=0.01, scl=3.0, fixed_point=True, alphabet=None,
                 task=DEFAULT_TASK, separator=";", max_symbols=256, lora_r=16, lora_alpha=16, lora_dropout=0.05,
                 target_modules="all-linear", qlora="auto", fine_tune_steps=100, fine_tune_lr=1e-4, batch_size=4,
                 adapter=None, checkpoint_dir=None, device="auto", random_state=None, progress=False):
        self.model = model
        self.tokenizer = tokenizer
        self.tol = tol
        self.alpha = alpha
        self.scl = scl
        self.fixed_point = fixed_point
        self.alphabet = alphabet
        self.task = task
        self.separator = separator
        self.max_symbols = max_symbols
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

    # ------------------------------------------------------------------ data

    @staticmethod
    def _channels(X):
        """Instances as lists of validated float64 channels (NaN is an error)."""
        if isinstance(X, np.ndarray):
            instances = [list(instance) for instance in X]
        else:
            instances = [[frame[c].to_numpy() for c in frame.columns] for frame in X]
        return [[complete_series(values, f"X: instance {i}, channel {c}") for c, values in enumerate(channels)]
                for i, channels in enumerate(instances)]

    def _prompts(self, instances, ids=None):
        """One prompt (list of ids) per instance, channel by channel."""
        n_channels = len(instances[0])
        if ids is None:
            ids = self.codec_.encode([x for channels in instances for x in channels])
        keep = max(1, int(self.max_symbols) // n_channels)
        prompts = [self.codec_.prompt([ch[-keep:] for ch in ids[i * n_channels:(i + 1) * n_channels]])
                   for i in range(len(instances))]
        self._check_length(max(len(p) for p in prompts), "the longest prompt")
        return prompts

    def _batch(self, prompts, labels=None):
        import torch

        batch = padded_batch(prompts, self.codec_.pad_id_)
        if labels is not None:
            batch["labels"] = torch.as_tensor(labels, dtype=torch.long)
        return batch

    # ------------------------------------------------------------------ sktime interface

    def _fit(self, X, y):
        check_positive_int("max_symbols", self.max_symbols)
        instances = self._channels(X)
        self.n_channels_ = len(instances[0])
        ids = self._setup([x for channels in instances for x in channels], num_labels=self.n_classes_)
        prompts = self._prompts(instances, ids)
        labels = np.array([self._class_dictionary[label] for label in y])
        seed = check_seed(self.random_state)

        def make_batch(index):
            rows = np.random.default_rng([seed, 29, int(index)]).integers(0, len(prompts), size=int(self.batch_size))
            return self._batch([prompts[r] for r in rows], labels[rows])

        self._train(make_batch)
        return self

    def _logits(self, X):
        import torch

        instances = self._channels(X)
        if len(instances[0]) != self.n_channels_:
            raise ValueError(f"X has {len(instances[0])} channels, but the classifier was fitted on {self.n_channels_}")
        prompts = self._prompts(instances)
        # similar lengths share a batch, so little of each forward pass is padding
        order = np.argsort([len(p) for p in prompts], kind="stable")
        logits = np.empty((len(prompts), self.n_classes_))
        step = int(self.batch_size)
        with torch.no_grad():
            for start in range(0, len(order), step):
                rows = order[start:start + step]
                batch = {k: v.to(self.device_) for k, v in self._batch([prompts[r] for r in rows]).items()}
                logits[rows] = self.model_(**batch).logits.float().cpu().numpy()
        return logits

    def _predict_proba(self, X):
        logits = self._logits(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def _predict(self, X):
        return self.classes_[self._logits(X).argmax(axis=1)]

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
        return estimator_test_params({"max_symbols": 64, "batch_size": 4})
