"""JABBA symbols as tokens of a language model's own vocabulary, and the prompts around them.

:class:`SymbolTokenCodec` fits a :class:`~sktime_symbolic.abba.JABBA` codebook (fixed-point
chain by default: one wrong generated symbol does not shift the rest of a forecast) and maps
every symbol to exactly one token id of the tokenizer, one-to-one. Prompts are built from ids,
never by re-tokenizing a joined string, so a symbol stays one token whatever its neighbours
(a BPE tokenizer would merge or split the characters of a symbol string).

A **single-token entry** of a vocabulary is an id that is not a special token, is not used by
the task text or the separator, decodes to non-blank text, and whose text encodes back to that
one id. Symbols take the first such entries in id order (or the strings of a user-given
``alphabet``, each of which must be a single-token entry). Every other id (prompt, separator,
special tokens, the rest of the vocabulary) is **not a symbol**: generation masks it out
(:meth:`SymbolTokenCodec.allowed_ids`) and decoding skips it.

Framework-free apart from the tokenizer (any ``transformers`` tokenizer, or one built by
:func:`word_level_tokenizer` for a model trained from scratch).
"""

from __future__ import annotations

import json
import numbers
from pathlib import Path

import numpy as np

from sktime_symbolic._validation import check_real, check_series
from sktime_symbolic.abba import JABBA
from sktime_symbolic.abba.digitization import Codebook
from sktime_symbolic.abba.jabba import SymbolicRepresentation
from sktime_symbolic.abba.symbols import check_alphabet, default_alphabet

__all__ = ["SymbolTokenCodec", "complete_series", "single_token_ids", "word_level_tokenizer"]

#: special tokens of :func:`word_level_tokenizer`
WORD_LEVEL_SPECIALS = {"pad_token": "<pad>", "unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>"}
# vocabulary entries checked per tokenizer call while looking for single-token entries
_CHUNK = 4096
#: files of a saved codec (:meth:`SymbolTokenCodec.save`): settings and symbols, and the codebook's arrays
CODEC_JSON, CODEC_ARRAYS = "symbol_codec.json", "symbol_codec.npz"
_CODEC_FORMAT = "llm-abba-symbol-codec/1"


def _text_ids(tokenizer, text, name):
    if not isinstance(text, str):
        raise ValueError(f"{name} must be a string, got {type(text).__name__}")
    return list(tokenizer.encode(text, add_special_tokens=False)) if text else []


def single_token_ids(tokenizer, n=None, exclude=()):
    """Ids of single-token entries of ``tokenizer``'s vocabulary, in increasing order.

    An entry qualifies when it is not special, not in ``exclude``, decodes to non-blank text and
    that text encodes back to exactly this id. ``n``: stop once that many are found.

    Examples
    --------
    >>> tok = word_level_tokenizer(12, ["forecast:"])
    >>> [tok.convert_ids_to_tokens(i) for i in single_token_ids(tok, exclude=[4, 5])]
    ['a', 'b', 'c', 'd', 'e', 'f']
    """
    skip = set(tokenizer.all_special_ids) | {int(i) for i in exclude}
    ids = sorted(i for i in set(tokenizer.get_vocab().values()) if i not in skip)
    found = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        texts = tokenizer.batch_decode([[i] for i in chunk])
        encoded = tokenizer(texts, add_special_tokens=False)["input_ids"]
        found += [i for i, text, back in zip(chunk, texts, encoded) if text.strip() and list(back) == [i]]
        if n is not None and len(found) >= n:
            return found[:n]
    return found


def word_level_tokenizer(vocab_size, texts=()):
    """A word-level tokenizer of ``vocab_size`` entries for a language model trained from scratch.

    Its vocabulary is the special tokens (:data:`WORD_LEVEL_SPECIALS`), the words and
    punctuation of ``texts`` (the task text and separator, so that prompts have no unknown
    words), then one-character entries from the default ABBA alphabet, each a single-token entry
    for the symbols. Built in memory with the ``tokenizers`` package; nothing is downloaded.

    Examples
    --------
    >>> tok = word_level_tokenizer(10, ["Forecast the series:"])
    >>> tok.convert_ids_to_tokens(list(range(10)))
    ['<pad>', '<unk>', '<s>', '</s>', 'Forecast', 'the', 'series', ':', 'a', 'b']
    """
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    if isinstance(vocab_size, (bool, np.bool_)) or not isinstance(vocab_size, numbers.Integral):
        raise ValueError(f"vocab_size must be an integer, got {vocab_size!r}")
    splitter = pre_tokenizers.Whitespace()
    vocab = {token: i for i, token in enumerate(WORD_LEVEL_SPECIALS.values())}
    for text in texts:
        for word, _ in splitter.pre_tokenize_str(text):
            vocab.setdefault(word, len(vocab))
    if vocab_size <= len(vocab):
        raise ValueError(f"vocab_size {vocab_size} leaves no entry for symbols: the special tokens and the words of "
                         f"the prompt take {len(vocab)}")
    n_needed, n_alphabet = vocab_size - len(vocab), vocab_size
    while True:
        free = [ch for ch in default_alphabet(n_alphabet)
                if ch not in vocab and len(splitter.pre_tokenize_str(ch)) == 1]
        if len(free) >= n_needed:
            break
        n_alphabet *= 2
    for ch in free[:n_needed]:
        vocab[ch] = len(vocab)
    model = Tokenizer(models.WordLevel(vocab, unk_token=WORD_LEVEL_SPECIALS["unk_token"]))
    model.pre_tokenizer = splitter
    return PreTrainedTokenizerFast(tokenizer_object=model, **WORD_LEVEL_SPECIALS)


def special_ids(tokenizer):
    """``(bos or None, pad)`` of the prompts: the tokenizer's pad token, else its eos token.

    The pad id never appears inside a prompt (right padding and the sequence-classification head
    both rely on it), so a bos equal to it is left out of the prompts.
    """
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    if pad is None:
        raise ValueError("the tokenizer has neither a pad nor an eos token; LLM-ABBA pads batches with one of them")
    bos = tokenizer.bos_token_id
    return (None if bos is None or bos == pad else int(bos)), int(pad)


class SymbolTokenCodec:
    """Time series to token ids of a language model and back, through shared JABBA symbols.

    Parameters
    ----------
    tokenizer : transformers tokenizer
        The model's tokenizer; symbols become entries of its vocabulary.
    tol : float > 0, default=0.05
        Compression tolerance of JABBA in z-normalised units (LLM-ABBA's default).
    alpha : float > 0, default=0.01
        Radius of JABBA's greedy aggregation (LLM-ABBA's default; a larger radius gives fewer
        symbols, which suits a small model trained from scratch).
    scl : float >= 0, default=3.0
        Weight of the piece length against its value in the aggregation (LLM-ABBA's default).
    fixed_point : bool, default=True
        Fixed-point chain: a symbol is (length, end level), so a wrong symbol does not shift
        the rest of a reconstruction (the paper's remedy against cumulative drift).
    alphabet : sequence of str or None, default=None
        Strings of the symbols, each a single-token entry of the vocabulary; None: the first
        single-token entries in id order.
    task : str, default=""
        Text that opens every prompt (tokenized once; its ids are never symbols).
    separator : str, default=";"
        Text after the symbols of a series (or of each channel); generation starts after it.
        It must tokenize to at least one id.
    n_jobs : int or None, default=1
        Threads of JABBA.

    Attributes
    ----------
    jabba_ : JABBA, the fitted codebook
    token_ids_ : int64 array (n_symbols,), the token id of each symbol code
    symbols_ : list of str, the vocabulary entry of each symbol
    lengths_ : float array (n_symbols,), mean piece length (time steps) of each symbol

    Examples
    --------
    >>> import numpy as np
    >>> tok = word_level_tokenizer(200, ["Forecast:", ";"])
    >>> codec = SymbolTokenCodec(tok, alpha=0.3, task="Forecast:").fit([np.sin(np.arange(200) / 6)])
    >>> ids = codec.encode([np.sin(np.arange(200) / 6)])[0]
    >>> bool(np.isin(ids, codec.token_ids_).all())
    True
    >>> codec.decode_continuation(np.sin(np.arange(200) / 6), ids[:3], 5).shape
    (5,)
    """

    def __init__(self, tokenizer, tol=0.05, alpha=0.01, scl=3.0, fixed_point=True, alphabet=None, task="",
                 separator=";", n_jobs=1):
        self.tokenizer = tokenizer
        self.tol = tol
        self.alpha = alpha
        self.scl = scl
        self.fixed_point = fixed_point
        self.alphabet = alphabet
        self.task = task
        self.separator = separator
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fitting

    def _prompt_parts(self):
        tokenizer = self.tokenizer
        if not (hasattr(tokenizer, "encode") and hasattr(tokenizer, "get_vocab")):
            raise ValueError(f"tokenizer must be a transformers tokenizer, got {type(tokenizer).__name__}")
        task_ids = _text_ids(tokenizer, self.task, "task")
        separator_ids = _text_ids(tokenizer, self.separator, "separator")
        if not separator_ids:
            raise ValueError(f"separator {self.separator!r} tokenizes to no id; give a non-empty separator")
        bos, pad = special_ids(tokenizer)
        return task_ids, separator_ids, bos, pad

    def _alphabet_ids(self, n_symbols, reserved):
        tokenizer = self.tokenizer
        if self.alphabet is None:
            ids = single_token_ids(tokenizer, n_symbols, exclude=reserved)
            if len(ids) < n_symbols:
                raise ValueError(
                    f"the tokenizer has only {len(ids)} single-token vocabulary entries free for symbols (not special, "
                    f"not in the task text or separator), but the symbolization needs {n_symbols} symbols: raise alpha "
                    "(fewer symbols) or use a tokenizer with a larger vocabulary")
            return ids
        alphabet = list(self.alphabet)
        if len(alphabet) < n_symbols:
            raise ValueError(f"alphabet has {len(alphabet)} strings but the symbolization needs {n_symbols} symbols")
        allowed = set(single_token_ids(tokenizer, exclude=reserved))
        ids = []
        for s in alphabet[:n_symbols]:
            encoded = _text_ids(tokenizer, s, "every alphabet entry")
            if len(encoded) != 1 or encoded[0] not in allowed:
                raise ValueError(f"alphabet entry {s!r} is not a single-token vocabulary entry free for symbols "
                                 f"(it encodes to {encoded})")
            ids.append(encoded[0])
        if len(set(ids)) != len(ids):
            raise ValueError("alphabet entries map to repeated token ids")
        return ids

    def fit(self, series):
        """Fit the shared codebook on one or many series and choose a token for every symbol."""
        self.fit_encode(series)
        return self

    def _jabba(self):
        """An unfitted JABBA of the codec's settings (checked), and the reserved (non-symbol) ids."""
        check_real(self.tol, "tol", low=0, low_inclusive=False)
        check_real(self.alpha, "alpha", low=0, low_inclusive=False)
        if not isinstance(self.fixed_point, (bool, np.bool_)):
            raise ValueError(f"fixed_point must be a bool, got {self.fixed_point!r}")
        task_ids, separator_ids, bos, pad = self._prompt_parts()
        self.task_ids_, self.separator_ids_, self.bos_id_, self.pad_id_ = task_ids, separator_ids, bos, pad
        reserved = set(task_ids) | set(separator_ids) | {pad} | ({bos} if bos is not None else set())
        jabba = JABBA(tol=self.tol, method="greedy", alpha=self.alpha, scl=self.scl, fixed_point=bool(self.fixed_point),
                      normalize=True, n_jobs=self.n_jobs)
        return jabba, reserved

    def _set_symbols(self, jabba, ids):
        self.jabba_ = jabba
        self.token_ids_ = ids
        self.symbols_ = self.tokenizer.convert_ids_to_tokens(ids.tolist())
        self.lengths_ = jabba.centers_[:, 0].copy()
        size = max(len(self.tokenizer), int(ids.max()) + 1)
        self._code_of = np.full(size, -1, dtype=np.int64)
        self._code_of[ids] = np.arange(ids.shape[0])

    def fit_encode(self, series):
        """Fit, then return the symbol token ids of every series (a list of int64 arrays)."""
        jabba, reserved = self._jabba()
        rep = jabba.fit_transform(_checked_series(series))
        self._set_symbols(jabba, np.asarray(self._alphabet_ids(jabba.n_symbols_, reserved), dtype=np.int64))
        return self._ids_of(rep)

    @property
    def n_symbols(self):
        return int(self.token_ids_.shape[0])

    def _check_fitted(self):
        if not hasattr(self, "jabba_"):
            raise ValueError("this SymbolTokenCodec is not fitted yet; call fit first")

    # ------------------------------------------------------------------ files

    def save(self, directory):
        """Write the fitted codec, without its tokenizer, to ``directory``: the settings and symbols
        to :data:`CODEC_JSON`, the codebook's arrays to :data:`CODEC_ARRAYS`.

        Data only, no pickle: loading a codec from someone else runs no code of theirs.

        Parameters
        ----------
        directory : str or path

        Returns
        -------
        pathlib.Path, the directory
        """
        self._check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        jabba = self.jabba_
        settings = {"tol": float(self.tol), "alpha": float(self.alpha), "scl": float(self.scl),
                    "fixed_point": bool(self.fixed_point),
                    "alphabet": None if self.alphabet is None else [str(a) for a in self.alphabet],
                    "task": self.task, "separator": self.separator,
                    "n_jobs": None if self.n_jobs is None else int(self.n_jobs)}
        # JABBA has no public state: what its fit sets besides centers_ (the aggregation radius,
        # the piece scaling and the codebook's search grid), read in one place here and in load
        fitted = {"symbols": list(self.symbols_), "jabba_alpha": float(jabba.alpha_),
                  "jabba_std": [float(v) for v in jabba._std], "jabba_cell": float(jabba._codebook.cell)}
        (directory / CODEC_JSON).write_text(
            json.dumps({"format": _CODEC_FORMAT, "settings": settings, "fitted": fitted}, indent=2))
        np.savez(directory / CODEC_ARRAYS, token_ids=self.token_ids_, centers=jabba.centers_,
                 codebook_centers=jabba._codebook.centers)
        return directory

    @classmethod
    def load(cls, directory, tokenizer):
        """The codec :meth:`save` wrote to ``directory``, over ``tokenizer`` (the one it was fitted with).

        A missing or damaged file, tables that do not fit together, or a tokenizer whose entries
        are not the saved symbols is a ValueError naming the file.

        Parameters
        ----------
        directory : str or path
        tokenizer : transformers tokenizer

        Returns
        -------
        SymbolTokenCodec
        """
        directory = Path(directory)
        json_path, arrays_path = directory / CODEC_JSON, directory / CODEC_ARRAYS
        for path in (json_path, arrays_path):
            if not path.is_file():
                raise ValueError(f"{path} is missing: not a codec written by SymbolTokenCodec.save")
        try:
            saved = json.loads(json_path.read_text(encoding="utf-8"))
            if saved.get("format") != _CODEC_FORMAT:
                raise ValueError(f"format {saved.get('format')!r} is not {_CODEC_FORMAT!r}")
            fitted = saved["fitted"]
            codec = cls(tokenizer, **saved["settings"])
            jabba, reserved = codec._jabba()
            p = jabba._check_params()
            symbols = [str(t) for t in fitted["symbols"]]
            alpha, std, cell = (check_real(fitted["jabba_alpha"], "jabba_alpha", low=0),
                                [check_real(v, "jabba_std", low=0, low_inclusive=False) for v in fitted["jabba_std"]],
                                check_real(fitted["jabba_cell"], "jabba_cell", low=0, low_inclusive=False))
            if len(std) != 2:
                raise ValueError(f"jabba_std holds {len(std)} values, not 2")
        except (AttributeError, KeyError, TypeError, ValueError) as error:  # JSON and Unicode errors are ValueErrors
            raise ValueError(f"{json_path} is not a valid saved symbol codec: {type(error).__name__}: "
                             f"{error}") from error
        try:
            with np.load(arrays_path, allow_pickle=False) as data:
                ids, centers, grid = (data[k] for k in ("token_ids", "centers", "codebook_centers"))
        except Exception as error:  # np.load raises zip, OS, key and value errors on damaged files
            raise ValueError(f"{arrays_path} is corrupt: {type(error).__name__}: {error}") from error
        n = ids.shape[0] if ids.ndim == 1 else 0
        if not (n and ids.dtype.kind in "iu" and centers.shape == (n, 2) and grid.shape == (n, 2)
                and centers.dtype.kind == "f" and grid.dtype.kind == "f"
                and np.isfinite(centers).all() and np.isfinite(grid).all() and (centers[:, 0] > 0).all()):
            raise ValueError(f"{arrays_path} holds tables that do not fit together: token_ids {ids.dtype}{ids.shape}, "
                             f"centers {centers.dtype}{centers.shape}, codebook_centers {grid.dtype}{grid.shape}; "
                             "expected n >= 1 integer ids and two (n, 2) float tables, finite, lengths positive")
        if ids.min() < 0 or ids.max() >= len(tokenizer) or np.unique(ids).shape[0] != n or reserved & set(ids.tolist()):
            raise ValueError(f"{arrays_path}: token_ids must be {n} distinct ids of the tokenizer's {len(tokenizer)} "
                             "entries, none of the task text, separator or special tokens")
        if tokenizer.convert_ids_to_tokens(ids.tolist()) != symbols:
            raise ValueError(f"{json_path}: its symbols are not the tokenizer's entries of the saved token ids; the "
                             "tokenizer does not belong to this codec")
        # what JABBA's fit sets (see save)
        jabba.centers_, jabba.n_symbols_, jabba.alpha_ = centers.astype(np.float64), n, alpha
        jabba.alphabet_ = check_alphabet(jabba.alphabet, n)
        jabba._scl, jabba._std, jabba._n_jobs = p["scl"], np.asarray(std), p["n_jobs"]
        jabba._codebook = Codebook(grid.astype(np.float64), cell=cell)
        codec._set_symbols(jabba, ids.astype(np.int64))
        return codec

    # ------------------------------------------------------------------ symbols and ids

    def _ids_of(self, rep):
        return [self.token_ids_[codes] for codes in rep]

    def transform(self, series) -> SymbolicRepresentation:
        """Symbol codes of new series (each piece to its nearest symbol) plus their normalisation."""
        self._check_fitted()
        return self.jabba_.transform(_checked_series(series))

    def encode(self, series):
        """Symbol token ids of every series (a list of int64 arrays)."""
        return self._ids_of(self.transform(series))

    def codes(self, ids):
        """Symbol codes of the symbol ids among ``ids`` (other ids are skipped, see the module doc).

        A ValueError when no id of ``ids`` is a symbol.
        """
        self._check_fitted()
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        inside = (ids >= 0) & (ids < self._code_of.shape[0])
        codes = np.full(ids.shape, -1, dtype=np.int64)
        codes[inside] = self._code_of[ids[inside]]
        codes = codes[codes >= 0]
        if codes.size == 0:
            shown = ids[:10].tolist()
            raise ValueError(f"the generation yields no symbol: none of its {ids.size} ids {shown}"
                             f"{'...' if ids.size > 10 else ''} is one of the {self.n_symbols} symbol tokens")
        return codes

    def allowed_ids(self):
        """The ids generation may produce: the symbol tokens (all others are masked out)."""
        self._check_fitted()
        return self.token_ids_.copy()

    # ------------------------------------------------------------------ prompts

    def prompt(self, channels):
        """Prompt ids: [bos] task, then each channel's symbol ids followed by the separator."""
        self._check_fitted()
        out = ([] if self.bos_id_ is None else [self.bos_id_]) + list(self.task_ids_)
        for ids in channels:
            out += [int(i) for i in ids] + list(self.separator_ids_)
        return out

    def text(self, ids):
        """The prompt or generation ``ids`` as text (for reading; prompts are built from ids)."""
        return self.tokenizer.decode([int(i) for i in ids])

    # ------------------------------------------------------------------ values

    def decode_continuation(self, history, ids, horizon):
        """The ``horizon`` values that the symbols among ``ids`` add after the end of ``history``.

        The continuation's chain starts at the last value of ``history`` and follows the symbols'
        mean (length, level) pieces in the history's normalisation (fixed-point chain: levels are
        absolute; otherwise increments). A ValueError when ``ids`` holds no symbol or its symbols
        cover fewer than ``horizon`` steps.
        """
        return self.decode_continuations(history, [ids], horizon)[0]

    def decode_continuations(self, history, generations, horizon):
        """:meth:`decode_continuation` of several generations after the same ``history``:
        array of shape (len(generations), horizon)."""
        self._check_fitted()
        history = complete_series(history, "history")
        codes = [self.codes(ids) for ids in generations]
        for c in codes:
            covered = int(np.rint(self.lengths_[c].sum()))
            if covered < horizon:
                raise ValueError(f"the generated symbols cover {covered} steps, fewer than the horizon of {horizon}")
        rep = self.transform([history])
        n = len(codes)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([c.shape[0] for c in codes], out=offsets[1:])
        start = (history[-1] - rep.loc[0]) / rep.scale[0]
        tails = SymbolicRepresentation(codes=np.concatenate(codes), offsets=offsets, first=np.full(n, start),
                                       n_points=np.full(n, -1), loc=np.repeat(rep.loc[:1], n),
                                       scale=np.repeat(rep.scale[:1], n))
        return np.stack([values[1:horizon + 1] for values in self.jabba_.inverse_transform(tails)])


def complete_series(values, name, min_length=2):
    """``values`` as a validated float64 series of at least ``min_length`` values without NaN,
    errors naming ``name``.

    The polygonal chain of the symbolization needs every value, so a missing one is an error
    (not skipped as elsewhere in sktime_symbolic).

    Examples
    --------
    >>> complete_series([1, 2, 4], "y")
    array([1., 2., 4.])
    >>> complete_series([1.0, float("nan"), 2.0], "y")
    Traceback (most recent call last):
    ...
    ValueError: y contains NaN at position 1; LLM-ABBA symbolizes complete series only
    """
    x = check_series(values, name)
    if np.isnan(x).any():
        raise ValueError(f"{name} contains NaN at position {int(np.argmax(np.isnan(x)))}; "
                         "LLM-ABBA symbolizes complete series only")
    if x.shape[0] < min_length:
        raise ValueError(f"{name} has length {x.shape[0]}; at least {min_length} values are needed")
    return x


def _checked_series(series):
    """A list of :func:`complete_series` from one series, a 2D array (a series per row) or a list."""
    if isinstance(series, np.ndarray) and series.ndim == 1:
        series = [series]
    if isinstance(series, np.ndarray) and series.ndim == 2:
        series = list(series)
    if not isinstance(series, (list, tuple)) or len(series) == 0:
        raise ValueError("series must be a non-empty list of 1D series")
    return [complete_series(x, f"series {i}") for i, x in enumerate(series)]
