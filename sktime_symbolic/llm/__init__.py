"""LLM-ABBA: JABBA symbols as tokens of a causal language model, fine-tuned with LoRA.

- :mod:`sktime_symbolic.llm.codec`: the text codec (symbols to single token ids and back);
- :mod:`sktime_symbolic.llm.lora`: loading a local model or a config, peft LoRA / QLoRA,
  the Lightning fine-tuning, adapters on disk;
- :class:`LLMABBAForecaster` and :class:`LLMABBAClassifier`: the sktime estimators.

Needs the ``[llm]`` extra (transformers, peft); importing this package does not: the modules that
use them import them when called.
"""

from sktime_symbolic.llm.classifier import LLMABBAClassifier
from sktime_symbolic.llm.codec import SymbolTokenCodec, single_token_ids, word_level_tokenizer
from sktime_symbolic.llm.forecaster import LLMABBAForecaster

__all__ = ["LLMABBAClassifier", "LLMABBAForecaster", "SymbolTokenCodec", "single_token_ids", "word_level_tokenizer"]
