"""What the two LLM-ABBA estimators share: their parameter checks, the codec / model / adapter
set-up of ``fit``, padded batches, their sktime test parameters, and saving the adapters.

No transformers import at module level: the estimators import this when sktime_symbolic.llm
is imported, and transformers is an optional dependency (the ``[llm]`` extra).
"""

from __future__ import annotations

import os

import numpy as np
import torch

from sktime_symbolic._validation import check_int, check_positive_int, check_real
from sktime_symbolic.model._adapters import check_device, check_seed

#: the sktime tags of both estimators' dependencies
PYTHON_DEPENDENCIES = ["transformers", "peft"]
#: the label of positions that carry no loss (transformers' ignore index)
NO_LOSS = -100


def tiny_test_config(vocab_size=160):
    """A one-layer GPT-2 config for sktime's estimator checks (a random model, trained in a few steps)."""
    from transformers import GPT2Config

    return GPT2Config(n_layer=1, n_embd=16, n_head=2, n_positions=256, vocab_size=vocab_size)


def estimator_test_params(params, trained=None):
    """sktime's two test parameter sets of an LLM-ABBA estimator, on CPU over :func:`tiny_test_config`.

    The first is untrained (``fine_tune_steps=0``, sktime's checks fit it hundreds of times), the
    second trained for one step on the increments chain with a seed of its own; ``params`` go
    into both, ``trained`` into the second only.

    Parameters
    ----------
    params : dict, the estimator's own parameters of both sets
    trained : dict or None, more parameters of the second set

    Returns
    -------
    list of two dict
    """
    base = {"model": tiny_test_config(), "alpha": 0.5, "lora_r": 2, "device": "cpu", **params}
    return [{**base, "fine_tune_steps": 0},
            {**base, "fine_tune_steps": 1, "fixed_point": False, "random_state": 3, **(trained or {})}]


def padded_batch(rows, pad_id, position_labels=None):
    """The id lists ``rows`` right-padded with ``pad_id`` into one batch of tensors.

    Parameters
    ----------
    rows : list of lists of int
    pad_id : int
    position_labels : list of lists of int or None
        One label per position of each row (as long as it); padding gets :data:`NO_LOSS`.

    Returns
    -------
    dict with ``input_ids`` and ``attention_mask`` (and ``labels`` with ``position_labels``),
    int64 tensors of shape (len(rows), longest row)

    Examples
    --------
    >>> padded_batch([[5, 6, 7], [8]], 0, [[NO_LOSS, 6, 7], [8]])["labels"].tolist()
    [[-100, 6, 7], [8, -100, -100]]
    """
    shape = (len(rows), max(len(r) for r in rows))
    input_ids = torch.full(shape, int(pad_id), dtype=torch.long)
    mask = torch.zeros(shape, dtype=torch.long)
    for i, r in enumerate(rows):
        input_ids[i, :len(r)] = torch.as_tensor(r, dtype=torch.long)
        mask[i, :len(r)] = 1
    batch = {"input_ids": input_ids, "attention_mask": mask}
    if position_labels is not None:
        labels = torch.full(shape, NO_LOSS, dtype=torch.long)
        for i, r in enumerate(position_labels):
            labels[i, :len(r)] = torch.as_tensor(r, dtype=torch.long)
        batch["labels"] = labels
    return batch


class LLMABBAMixin:
    """Parameter checks, ``fit``'s set-up and adapter saving of the LLM-ABBA estimators.

    The estimator defines ``_TASK`` (a key of :data:`sktime_symbolic.llm.lora.TASKS`) and the
    parameters named in :meth:`_check_common_params`.
    """

    _TASK = None

    def _check_common_params(self):
        from sktime_symbolic.llm.lora import QLORA_CHOICES, check_model

        if self.adapter is None:
            check_model(self.model)
        elif not isinstance(self.adapter, (str, os.PathLike)):
            raise ValueError(f"adapter must be None or a directory written by save_adapter, got "
                             f"{type(self.adapter).__name__}")
        if self.tokenizer is not None and not isinstance(self.tokenizer, (str, os.PathLike)):
            raise ValueError(f"tokenizer must be None or a local directory, got {type(self.tokenizer).__name__}")
        for name in ("task", "separator"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string, got {type(getattr(self, name)).__name__}")
        check_real(self.tol, "tol", low=0, low_inclusive=False)
        check_real(self.alpha, "alpha", low=0, low_inclusive=False)
        check_real(self.scl, "scl", low=0)
        check_positive_int("lora_r", self.lora_r)
        check_real(self.lora_alpha, "lora_alpha", low=0, low_inclusive=False)
        dropout = check_real(self.lora_dropout, "lora_dropout", low=0)
        if dropout >= 1:
            raise ValueError(f"lora_dropout must be in [0, 1), got {dropout}")
        if not (isinstance(self.target_modules, str) or (
                isinstance(self.target_modules, (list, tuple)) and self.target_modules
                and all(isinstance(m, str) for m in self.target_modules))):
            raise ValueError(f"target_modules must be a string or a non-empty list of module names, "
                             f"got {self.target_modules!r}")
        if not (isinstance(self.qlora, bool) or self.qlora == "auto"):
            raise ValueError(f"qlora must be one of {QLORA_CHOICES}, got {self.qlora!r}")
        check_int(self.fine_tune_steps, "fine_tune_steps", low=0)
        check_real(self.fine_tune_lr, "fine_tune_lr", low=0, low_inclusive=False)
        check_positive_int("batch_size", self.batch_size)
        if self.checkpoint_dir is not None and not isinstance(self.checkpoint_dir, (str, os.PathLike)):
            raise ValueError(f"checkpoint_dir must be None or a path, got {type(self.checkpoint_dir).__name__}")
        check_seed(self.random_state)
        return check_device(self.device)

    def _setup(self, series, num_labels=None):
        """Fit (or load) the codec on ``series``, load the base model and add (or load) its adapters.

        Sets ``codec_``, ``model_``, ``quantized_`` and ``device_``; returns the symbol token
        ids of ``series``.
        """
        from sktime_symbolic.llm.codec import SymbolTokenCodec
        from sktime_symbolic.llm.lora import load_adapter, load_base_model, load_codec, load_tokenizer, lora_model

        device = self._check_common_params()
        seed = check_seed(self.random_state)
        if self.adapter is not None:
            codec = load_codec(self.adapter)
            ids = codec.encode(series)
        else:
            tokenizer = load_tokenizer(self.model, self.tokenizer, texts=[self.task, self.separator])
            codec = SymbolTokenCodec(tokenizer, tol=self.tol, alpha=self.alpha, scl=self.scl,
                                     fixed_point=self.fixed_point, alphabet=self.alphabet, task=self.task,
                                     separator=self.separator)
            ids = codec.fit_encode(series)
        base, quantized = load_base_model(self.model, self._TASK, codec.tokenizer, device, seed=seed,
                                          qlora=self.qlora, num_labels=num_labels)
        if self.adapter is not None:
            model = load_adapter(base, self.adapter, trainable=True)
        else:
            trainable = np.concatenate([codec.token_ids_, np.asarray(codec.separator_ids_, dtype=np.int64)])
            model = lora_model(base, self._TASK, np.unique(trainable), r=self.lora_r, alpha=self.lora_alpha,
                               dropout=self.lora_dropout, target_modules=self.target_modules,
                               quantized=quantized, seed=seed)
        self.codec_, self.model_, self.quantized_, self.device_ = codec, model.to(device), quantized, device
        return ids

    def _train(self, make_batch):
        """``fine_tune_steps`` LoRA steps on ``make_batch``'s stream; sets ``losses_``."""
        from sktime_symbolic.llm.lora import fine_tune

        steps = int(self.fine_tune_steps)
        self.losses_ = [] if steps == 0 else fine_tune(
            self.model_, make_batch, steps, self.device_, lr=float(self.fine_tune_lr),
            seed=check_seed(self.random_state), progress=bool(self.progress), checkpoint_dir=self.checkpoint_dir)
        self.model_.eval()

    def _max_positions(self):
        config = self.model_.base_model.model.config
        for name in ("max_position_embeddings", "n_positions"):
            value = getattr(config, name, None)
            if isinstance(value, int):
                return value
        return None

    def _check_length(self, n_tokens, what):
        limit = self._max_positions()
        if limit is not None and n_tokens > limit:
            raise ValueError(f"{what} needs {n_tokens} token positions, but the model has {limit}")

    def save_adapter(self, directory):
        """Write the fitted LoRA adapters (without the base model), the tokenizer and the symbol codebook.

        Pass the directory as ``adapter`` (with the same ``model``) to start from them again; with
        ``fine_tune_steps=0`` the estimator then only loads them. A model from a config is
        rebuilt from its config and ``random_state`` (the same random initialisation under the
        same torch and transformers versions).

        Parameters
        ----------
        directory : str or path

        Returns
        -------
        pathlib.Path, the directory
        """
        from sktime_symbolic.llm.lora import save_adapter

        self.check_is_fitted()
        return save_adapter(self.model_, directory, self.codec_)
