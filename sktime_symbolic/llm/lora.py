"""A local language model (or a config), its LoRA adapters (peft), Lightning fine-tuning, and adapters on disk.

Nothing is ever downloaded: a model is a local directory that ``from_pretrained`` reads (loaded
with ``local_files_only=True``) or a ``transformers`` config (a random initialisation from the
seed). LoRA adapters go on every linear layer by default, and the embedding rows of the symbol
tokens are trained too (peft's trainable tokens; tied output embeddings follow): a symbol's
meaning has to be learnt, a pretrained model knows nothing of it. QLoRA (4-bit NF4 base, bf16
compute) is used when CUDA and ``bitsandbytes`` are present.

The training loop is Lightning's (:func:`fine_tune`): ``max_steps`` optimiser steps on a
seeded stream of batches (batch ``i`` is a pure function of the seed and ``i``), AdamW with
warm-up and cosine decay, bf16 mixed precision on GPU, an optional progress bar and optional
checkpoints that hold the trainable weights only.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import warnings
from pathlib import Path

import lightning as L
import torch
import transformers
from peft import LoraConfig, PeftModel, TaskType, get_peft_model
from safetensors import SafetensorError, safe_open
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer, PretrainedConfig

from sktime_symbolic.llm.codec import CODEC_JSON, SymbolTokenCodec, word_level_tokenizer
from sktime_symbolic.model.finetune import quiet_lightning
from sktime_symbolic.model.pretrain import training_precision, warmup_cosine

__all__ = [
    "TASKS",
    "check_model",
    "fine_tune",
    "load_adapter",
    "load_base_model",
    "load_codec",
    "load_tokenizer",
    "lora_model",
    "mean_loss",
    "save_adapter",
]

#: what a model is loaded for: (transformers auto class, peft task type)
TASKS = {
    "causal-lm": (AutoModelForCausalLM, TaskType.CAUSAL_LM),
    "sequence-classification": (AutoModelForSequenceClassification, TaskType.SEQ_CLS),
}
QLORA_CHOICES = ("auto", True, False)
# the adapter files peft writes (save_pretrained's default safetensors; never its pickled .bin)
_ADAPTER_CONFIG, _ADAPTER_WEIGHTS = "adapter_config.json", "adapter_model.safetensors"
# the codec file of earlier versions, a pickle: named in the error that refuses it, never read
_OLD_CODEC_FILE = "symbol_codec.pkl"


@contextlib.contextmanager
def _quiet_transformers():
    """Silence transformers' notices on loading (newly initialised heads, unused loss types): the
    estimators load models inside ``fit``, where they are noise."""
    level = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*fan_in_fan_out")
            yield
    finally:
        transformers.logging.set_verbosity(level)


# ---------------------------------------------------------------- loading


def _local_dir(path, name):
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"{name} must be a local directory (str or path) or a transformers config, "
                         f"got {type(path).__name__}")
    directory = Path(path).expanduser()
    if not directory.is_dir():
        raise ValueError(f"{name} {str(path)!r} is not a local directory. LLM-ABBA never downloads models: fetch "
                         "the model yourself (e.g. `huggingface-cli download NAME --local-dir DIR`) and pass DIR, "
                         "or pass a transformers config to train from scratch")
    return directory


def check_model(model):
    """``model`` if it is a ``transformers`` config or a local directory holding a ``config.json``."""
    if isinstance(model, PretrainedConfig):
        return model
    directory = _local_dir(model, "model")
    if not (directory / "config.json").is_file():
        raise ValueError(f"model directory {str(model)!r} has no config.json: not a transformers model directory")
    return model


def _check_json(path):
    """A ValueError naming ``path`` if it is not JSON (the loaders' own errors do not name it)."""
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is corrupt: {type(error).__name__}: {error}") from error


def _read_tokenizer(directory):
    """The tokenizer saved in the local ``directory``; a damaged file is a ValueError naming it.

    transformers answers a ``tokenizer.json`` it cannot read by trying to convert a slow
    tokenizer instead, which ends in an unrelated ImportError (protobuf): the files are read
    here first.
    """
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        if (directory / name).is_file():
            _check_json(directory / name)
    if (directory / "tokenizer.json").is_file():
        try:
            Tokenizer.from_file(str(directory / "tokenizer.json"))
        except Exception as error:  # tokenizers raises plain Exceptions
            raise ValueError(f"{directory / 'tokenizer.json'} is corrupt: {error}") from error
    try:
        with _quiet_transformers():
            return AutoTokenizer.from_pretrained(directory, local_files_only=True)
    except Exception as error:  # transformers raises OS, value, type, key and import errors alike
        raise ValueError(f"no tokenizer could be loaded from {str(directory)!r}: {type(error).__name__}: "
                         f"{error}") from error


def load_tokenizer(model, tokenizer=None, texts=()):
    """The tokenizer of ``model``: ``tokenizer`` (a local directory) when given, else the model
    directory's; for a config without one, a word-level tokenizer of ``config.vocab_size``
    entries (:func:`~sktime_symbolic.llm.codec.word_level_tokenizer` over ``texts``)."""
    check_model(model)
    if tokenizer is None and isinstance(model, PretrainedConfig):
        return word_level_tokenizer(model.vocab_size, texts)
    return _read_tokenizer(_local_dir(model if tokenizer is None else tokenizer,
                                      "tokenizer" if tokenizer is not None else "model"))


def _resolve_qlora(qlora, model, device):
    if not (isinstance(qlora, bool) or qlora == "auto"):
        raise ValueError(f"qlora must be one of {QLORA_CHOICES}, got {qlora!r}")
    try:
        import bitsandbytes  # noqa: F401  (only its presence matters here)
        has_bnb = True
    except ImportError:
        has_bnb = False
    possible = device.type == "cuda" and has_bnb and not isinstance(model, PretrainedConfig)
    if qlora is True and not possible:
        raise ValueError("qlora=True needs a CUDA device, the bitsandbytes package and a pretrained model directory "
                         f"(device {device}, bitsandbytes {'present' if has_bnb else 'missing'}, model "
                         f"{'a config' if isinstance(model, PretrainedConfig) else 'a directory'})")
    return possible if qlora == "auto" else qlora


def load_base_model(model, task, tokenizer, device, seed=0, qlora="auto", num_labels=None):
    """The base model of ``task`` (a key of :data:`TASKS`), its special token ids set from ``tokenizer``.

    A config gets a random initialisation seeded by ``seed`` (the config itself is not changed); a
    directory is read with ``local_files_only=True`` (a new classification head is seeded by
    ``seed``). On CUDA the weights are bf16, 4-bit NF4 under QLoRA (see ``qlora``: ``"auto"``
    uses it when possible). Returns ``(model, quantized)``.
    """
    from sktime_symbolic.llm.codec import special_ids

    check_model(model)
    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    auto_class, _ = TASKS[task]
    quantized = _resolve_qlora(qlora, model, device)
    bos, pad = special_ids(tokenizer)
    ids = {"pad_token_id": pad, "bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id}
    if num_labels is not None:
        ids["num_labels"] = int(num_labels)
    with _quiet_transformers(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if isinstance(model, PretrainedConfig):
            config = copy.deepcopy(model)
            for key, value in ids.items():
                setattr(config, key, value)
            base = auto_class.from_config(config)
        else:
            kwargs = dict(local_files_only=True, **ids)
            if device.type == "cuda":
                kwargs["torch_dtype"] = torch.bfloat16
            if quantized:
                kwargs["quantization_config"] = transformers.BitsAndBytesConfig(
                    load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
                kwargs["device_map"] = {"": device.index or 0}
            try:
                base = auto_class.from_pretrained(Path(model).expanduser(), **kwargs)
            except (OSError, ValueError, KeyError) as error:
                raise ValueError(f"model directory {str(model)!r} cannot be loaded: {error}") from error
    n_embedded = base.get_input_embeddings().num_embeddings
    if len(tokenizer) > n_embedded:
        raise ValueError(f"the tokenizer has {len(tokenizer)} entries but the model embeds only {n_embedded} tokens: "
                         "they do not belong together")
    return base, quantized


def _has_conv1d(model):
    return any(isinstance(m, transformers.pytorch_utils.Conv1D) for m in model.modules())


def lora_model(base, task, trainable_token_ids, r=16, alpha=16, dropout=0.05, target_modules="all-linear",
               quantized=False, seed=0):
    """``base`` wrapped in LoRA adapters (peft), plus trainable embedding rows of ``trainable_token_ids``.

    A sequence-classification head is trained in full (peft's ``modules_to_save`` of that task).
    """
    from peft import prepare_model_for_kbit_training

    if quantized:
        base = prepare_model_for_kbit_training(base)
    config = LoraConfig(task_type=TASKS[task][1], r=int(r), lora_alpha=alpha, lora_dropout=float(dropout),
                        target_modules=target_modules, fan_in_fan_out=_has_conv1d(base),
                        trainable_token_indices=sorted(int(i) for i in trainable_token_ids))
    with _quiet_transformers(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        try:
            return get_peft_model(base, config)
        except ValueError as error:
            raise ValueError(f"LoRA adapters cannot be placed on this model (target_modules={target_modules!r}): "
                             f"{error}") from error


# ---------------------------------------------------------------- training


class _Batches(torch.utils.data.IterableDataset):
    """Endless stream: batch ``i`` is ``make_batch(i)`` (a pure function of the seed and ``i``)."""

    def __init__(self, make_batch, start=0):
        super().__init__()
        self.make_batch, self.start = make_batch, int(start)

    def __iter__(self):
        index = self.start
        while True:
            yield self.make_batch(index)
            index += 1


class LoRAFineTuning(L.LightningModule):
    """The peft model's own loss (``labels`` in the batch), AdamW on the trainable weights with
    linear warm-up over a tenth of the steps, then cosine decay to 10% at ``max_steps``."""

    def __init__(self, model, lr=1e-4, weight_decay=0.0, max_steps=100):
        super().__init__()
        self.model = model
        self.lr, self.weight_decay, self.max_steps = float(lr), float(weight_decay), int(max_steps)
        self.losses = []
        # checkpoints hold the trainable weights only (on_save_checkpoint), so they load non-strictly
        self.strict_loading = False

    def training_step(self, batch, batch_idx):
        loss = self.model(**batch).loss
        self.log("train_loss", loss, prog_bar=True, on_step=True, batch_size=batch["input_ids"].shape[0])
        self.losses.append(float(loss.detach()))
        return loss

    def configure_optimizers(self):
        params = [p for p in self.model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=self.lr, weight_decay=self.weight_decay)
        return warmup_cosine(optimizer, max(1, self.max_steps // 10), self.max_steps)

    def on_save_checkpoint(self, checkpoint):
        trainable = {name for name, p in self.named_parameters() if p.requires_grad}
        checkpoint["state_dict"] = {k: v for k, v in checkpoint["state_dict"].items() if k in trainable}


def _accelerator(device):
    return {"cpu": "cpu", "cuda": "gpu", "mps": "mps"}.get(device.type, device.type)


def fine_tune(model, make_batch, max_steps, device, lr=1e-4, seed=0, progress=False, checkpoint_dir=None,
              resume_from=None, weight_decay=0.0, trainer_kwargs=None):
    """Train the trainable weights of ``model`` (a peft model) in place for ``max_steps`` steps.

    Parameters
    ----------
    model : peft model whose forward returns ``.loss`` given the batch's ``labels``
    make_batch : callable ``index -> dict of tensors``, a pure function of ``index`` (and a seed)
    max_steps : int >= 1
    device : torch.device; on CUDA the steps run in bf16 mixed precision where supported
    lr, weight_decay : AdamW's peak learning rate and decay
    seed : int, seeds Lightning (dropout) before training
    progress : bool, show Lightning's progress bar (with the running loss) and messages
    checkpoint_dir : path or None, write Lightning checkpoints (trainable weights only) there
        every tenth of the steps and at the end (``last.ckpt``)
    resume_from : path or None, a checkpoint of this function to continue from
    trainer_kwargs : dict or None, passed on to :class:`lightning.Trainer`

    Returns
    -------
    list of float, the training loss of every step (of this call)
    """
    module = LoRAFineTuning(model, lr=lr, weight_decay=weight_decay, max_steps=max_steps)
    callbacks = []
    if checkpoint_dir is not None:
        callbacks.append(L.pytorch.callbacks.ModelCheckpoint(
            dirpath=str(checkpoint_dir), filename="step{step}", every_n_train_steps=max(1, max_steps // 10),
            save_top_k=1, save_last=True, auto_insert_metric_name=False))
    options = dict(max_steps=int(max_steps), accelerator=_accelerator(device),
                   devices=[device.index or 0] if device.type == "cuda" else 1, precision=training_precision(device),
                   logger=False, enable_checkpointing=checkpoint_dir is not None, callbacks=callbacks,
                   enable_model_summary=False, enable_progress_bar=bool(progress), gradient_clip_val=1.0,
                   num_sanity_val_steps=0, default_root_dir=None if checkpoint_dir is None else str(checkpoint_dir))
    options.update(trainer_kwargs or {})
    L.seed_everything(int(seed), workers=True, verbose=False)
    model.train()
    with contextlib.nullcontext() if progress else quiet_lightning(), _quiet_transformers():
        trainer = L.Trainer(**options)
        # a checkpoint holds tensors and plain values only (Lightning itself reads it weights-only too)
        start = 0 if resume_from is None else int(torch.load(resume_from, map_location="cpu",
                                                              weights_only=True)["global_step"])
        loader = torch.utils.data.DataLoader(_Batches(make_batch, start), batch_size=None, num_workers=0)
        trainer.fit(module, train_dataloaders=loader, ckpt_path=None if resume_from is None else str(resume_from))
    # Lightning's teardown leaves the module on the CPU
    model.to(device).eval()
    return module.losses


@torch.no_grad()
def mean_loss(model, batches, device):
    """The model's mean loss over ``batches`` (dicts with ``labels``), in eval mode."""
    model.eval()
    losses = [float(model(**{k: v.to(device) for k, v in batch.items()}).loss) for batch in batches]
    return sum(losses) / len(losses)


# ---------------------------------------------------------------- adapters on disk


def save_adapter(model, directory, codec=None):
    """Write the adapters of ``model`` (peft's ``adapter_config.json`` and safetensors weights,
    without the base model), and with ``codec`` its tokenizer and its symbol codebook
    (:meth:`~sktime_symbolic.llm.codec.SymbolTokenCodec.save`: JSON and npz). Every file is data:
    loading the directory runs no code from it, so adapters can be shared."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory, safe_serialization=True)
    if codec is not None:
        codec.tokenizer.save_pretrained(directory)
        codec.save(directory)
    return directory


def load_codec(directory):
    """The codec saved by :func:`save_adapter` in ``directory``, with its tokenizer.

    A missing or damaged file is a ValueError naming it; the pickled codec of earlier versions
    is refused unread (unpickling runs code from the file).
    """
    directory = _local_dir(directory, "adapter")
    if not (directory / CODEC_JSON).is_file():
        if (directory / _OLD_CODEC_FILE).is_file():
            raise ValueError(f"adapter directory {str(directory)!r} holds {_OLD_CODEC_FILE}, the pickled codec of an "
                             "earlier version, whose format is not supported (unpickling a file runs code from it): "
                             "fit again and save_adapter")
        raise ValueError(f"adapter directory {str(directory)!r} holds no symbol codec ({CODEC_JSON}); it was not "
                         "written by an LLM-ABBA estimator's save_adapter")
    return SymbolTokenCodec.load(directory, _read_tokenizer(directory))


def load_adapter(base, directory, trainable=False):
    """``base`` with the adapters saved in ``directory`` (``trainable``: to fine-tune them further).

    A missing or damaged file is a ValueError naming it, adapters of another model one naming
    the directory.
    """
    directory = _local_dir(directory, "adapter")
    for name in (_ADAPTER_CONFIG, _ADAPTER_WEIGHTS):
        if not (directory / name).is_file():
            raise ValueError(f"adapter directory {str(directory)!r} has no {name}: not a peft adapter written by "
                             "save_adapter")
    _check_json(directory / _ADAPTER_CONFIG)
    try:
        with safe_open(str(directory / _ADAPTER_WEIGHTS), "pt"):
            pass
    except (SafetensorError, OSError) as error:
        raise ValueError(f"{directory / _ADAPTER_WEIGHTS} is corrupt: {error}") from error
    try:
        with _quiet_transformers():
            model = PeftModel.from_pretrained(base, directory, is_trainable=bool(trainable), local_files_only=True)
    except (KeyError, RuntimeError, TypeError, ValueError) as error:
        raise ValueError(f"the adapters in {str(directory)!r} cannot be loaded onto this model: "
                         f"{type(error).__name__}: {error}") from error
    return model if trainable else model.eval()
