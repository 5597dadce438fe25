"""The symbolic foundation model (torch; Lightning for training; no sktime or gluonts imports).

The shipped model ``symbolic-piece`` (:data:`DEFAULT_MODEL`) is a
:class:`~sktime_symbolic.model.pipeline.QuantilePipeline`: a transformer encoder over
ABBA pieces (:mod:`~sktime_symbolic.model.codec`) with a motif-copy prior and a direct
multi-horizon quantile head (:mod:`~sktime_symbolic.model.encoder`), pretrained on
synthetic series by :mod:`~sktime_symbolic.model.pretrain`.
:func:`load_pretrained` loads it (or a saved directory), :func:`shared_pipeline` once per
process and device, and :func:`~sktime_symbolic.model.finetune.fine_tune` adapts a copy to the
user's series.

Examples
--------
>>> from sktime_symbolic.model import DEFAULT_MODEL, available_models
>>> DEFAULT_MODEL in available_models()
True
"""

from sktime_symbolic.model.pipeline import (
    DEFAULT_MODEL,
    QUANTILE_LEVELS,
    available_models,
    load_pretrained,
    resolve_device,
    QuantilePipeline,
    shared_pipeline,
)

__all__ = [
    "DEFAULT_MODEL", "QUANTILE_LEVELS", "QuantilePipeline", "available_models", "load_pretrained", "resolve_device",
    "shared_pipeline",
]
