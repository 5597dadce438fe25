"""Printable alphabets for integer symbol codes."""

import string

import numpy as np

_ASCII = string.ascii_lowercase + string.ascii_uppercase + string.digits + string.punctuation


_ALPHABET = list(_ASCII)  # grown on demand by default_alphabet, shared by all calls
_NEXT_CODE_POINT = [0x00A1]


def default_alphabet(n_symbols):
    """``n_symbols`` distinct one-character strings: letters, digits, punctuation, then
    printable non-space Unicode characters from U+00A1 on."""
    while len(_ALPHABET) < n_symbols:
        ch = chr(_NEXT_CODE_POINT[0])
        if ch.isprintable() and not ch.isspace():
            _ALPHABET.append(ch)
        _NEXT_CODE_POINT[0] += 1
    return _ALPHABET[:n_symbols]


def check_alphabet(alphabet, n_symbols):
    """Validate a user alphabet (a sequence of distinct strings, e.g. an LLM's tokens)."""
    if alphabet is None:
        return default_alphabet(n_symbols)
    alphabet = list(alphabet)
    if not all(isinstance(s, str) and s for s in alphabet):
        raise ValueError("alphabet must be a sequence of non-empty strings")
    if len(set(alphabet)) != len(alphabet):
        raise ValueError("alphabet has repeated strings")
    if len(alphabet) < n_symbols:
        raise ValueError(f"alphabet has {len(alphabet)} strings but {n_symbols} symbols are needed")
    return alphabet[:n_symbols]


def codes_to_strings(codes, alphabet):
    """Map integer codes to the alphabet's strings (an object array)."""
    table = np.asarray(alphabet, dtype=object)
    codes = np.asarray(codes)
    if codes.size and (codes.min() < 0 or codes.max() >= len(table)):
        bad = codes[(codes < 0) | (codes >= len(table))][0]
        raise ValueError(f"unknown symbol code {int(bad)}: the codebook has {len(table)} symbols")
    return table[codes]


def strings_to_codes(symbols, alphabet):
    """Inverse of :func:`codes_to_strings`; unknown strings raise a ValueError."""
    lookup = {s: i for i, s in enumerate(alphabet)}
    out = np.empty(len(symbols), dtype=np.int64)
    for i, s in enumerate(symbols):
        try:
            out[i] = lookup[s]
        except (KeyError, TypeError):
            raise ValueError(f"unknown symbol {s!r}: not in the fitted alphabet") from None
    return out
