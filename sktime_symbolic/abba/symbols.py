"""Printable alphabets for integer symbol codes."""

import string

import numpy as np

_ASCII = string.ascii_lowercase + string.ascii_uppercase + string.digits + string.punctuation


_ALPHABET = list(_ASCII)  # grown on demand by default_alphabet, shared by all calls
# past ASCII, letters only (accented Latin, then Greek, Cyrillic, ...): they read as symbols, where the Latin-1
# signs before U+00C0 (currency, fractions, superscripts) read as noise
_NEXT_CODE_POINT = [0x00C0]


def default_alphabet(n_symbols):
    """``n_symbols`` distinct one-character strings: ASCII letters (52), then digits and
    punctuation (94 in all), and only for larger codebooks Unicode letters from U+00C0 on.

    Examples
    --------
    >>> "".join(default_alphabet(5)), default_alphabet(60)[-8:], default_alphabet(97)[-3:]
    ('abcde', ['0', '1', '2', '3', '4', '5', '6', '7'], ['À', 'Á', 'Â'])
    """
    while len(_ALPHABET) < n_symbols:
        ch = chr(_NEXT_CODE_POINT[0])
        if ch.isalpha() and ch.isprintable():
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
