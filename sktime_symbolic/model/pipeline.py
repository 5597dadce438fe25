"""The shipped models and how they load, plus what the pipeline and its adapters share.

:func:`load_pretrained` loads shipped weights by name, or a directory written by
:meth:`~sktime_symbolic.model.quantile_pipeline.QuantilePipeline.save`; :func:`shared_pipeline`
loads each once per process and device. :func:`resolve_device`, :func:`inference_autocast` and
the input reader ``_as_series_list`` are the common ground of the pipeline, fine-tuning and the
sktime and GluonTS adapters.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import torch

from sktime_symbolic.model._checks import check_series

QUANTILE_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
#: the shipped model the estimators use unless told otherwise
DEFAULT_MODEL = "symbolic-piece"
# the files of a saved QuantilePipeline: weights, the codec's fitted state, the model card
WEIGHTS_FILE, CODEC_FILE, CARD_FILE = "model.safetensors", "codec.npz", "model_card.json"
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


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
    """The :class:`~sktime_symbolic.model.quantile_pipeline.QuantilePipeline` of shipped weights
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
    from sktime_symbolic.model.quantile_pipeline import QuantilePipeline

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
