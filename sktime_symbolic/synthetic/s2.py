"""Series-symbol (S2) generator: random expressions applied to random input series.

Following SymTime's S2 mechanism, each sample is ``y = f(x_0, ..., x_{d-1})`` where ``f`` is
a random expression tree (binary ``+ - * /``; unary ``sin cos tan exp log sqrt abs arctan
inv pow2 pow3`` with affine prefactors ``op(a * u + b)``) and the ``x_k`` are excitation
series: i.i.d. draws from random mixture distributions, ARMA processes, sums of sinusoids
or KernelSynth GP samples (each standardised).  ``log`` and ``sqrt`` are applied to
``abs(...)`` (written out in the expression) so they are defined on any input; outputs
that are non-finite, exceed ``max_abs``, have pole-like spikes (``max_spike_ratio``) or
are constant are rejected and the sample is
redrawn from the same per-sample random stream, so it stays a function of ``(seed, index)``.

Constants are rounded to ``precision`` significant digits when drawn, so the infix string
and the prefix tokens hold them exactly and re-evaluating either on the stored inputs
reproduces the series bit for bit (:func:`evaluate_tokens`, :func:`evaluate_infix`).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import signal

from ._seeding import IndexedGenerator, check_count, check_indices, check_seed, sample_rng, stream_id
from .kernelsynth import KernelSynth

__all__ = ["S2Generator", "S2Sample", "evaluate_tokens", "evaluate_infix",
           "BINARY_OPS", "UNARY_OPS", "INPUT_KINDS"]

BINARY_OPS = {"add": ("+", np.add), "sub": ("-", np.subtract),
              "mul": ("*", np.multiply), "div": ("/", np.divide)}
UNARY_OPS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "abs": np.abs, "arctan": np.arctan,
    "inv": lambda u: np.divide(1.0, u), "pow2": np.square, "pow3": lambda u: np.power(u, 3),
}
#: unary operators whose argument is wrapped in ``abs`` to keep them defined
_NEEDS_ABS = ("log", "sqrt")
INPUT_KINDS = ("mixture", "arma", "sinusoids", "gp")


@dataclass
class S2Sample:
    """One series with its expression.

    Attributes
    ----------
    series : ndarray, shape (length,)
    inputs : ndarray, shape (n_inputs, length)
        Excitation series ``x_0, x_1, ...`` the expression is evaluated on.
    expression : str
        Readable infix form, evaluable with :func:`evaluate_infix`.
    tokens : list of str
        Prefix (Polish) form, evaluable with :func:`evaluate_tokens`.
    input_kinds : list of str
        Which of :data:`INPUT_KINDS` produced each input.
    """

    series: np.ndarray
    inputs: np.ndarray
    expression: str
    tokens: list
    input_kinds: list


def evaluate_tokens(tokens, inputs) -> np.ndarray:
    """Evaluate a prefix token sequence on input series ``inputs`` (n_inputs, length).

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> evaluate_tokens(["add", "mul", "2.0", "x_0", "1.0"], x)
    array([3., 5., 7.])
    """
    inputs = np.atleast_2d(np.asarray(inputs, dtype=float))
    pos = 0

    def rec():
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError("token sequence ends early")
        tok = tokens[pos]
        pos += 1
        if tok in BINARY_OPS:
            left = rec()
            return BINARY_OPS[tok][1](left, rec())
        if tok in UNARY_OPS:
            return UNARY_OPS[tok](rec())
        if tok.startswith("x_"):
            k = int(tok[2:])
            if k >= len(inputs):
                raise ValueError(f"token {tok} refers to a missing input (have {len(inputs)})")
            return inputs[k]
        try:
            return np.full(inputs.shape[1], float(tok))
        except ValueError:
            raise ValueError(f"unknown token {tok!r}") from None

    with np.errstate(all="ignore"):
        out = rec()
    if pos != len(tokens):
        raise ValueError(f"{len(tokens) - pos} tokens left over after a complete expression")
    return out


def evaluate_infix(expression: str, inputs) -> np.ndarray:
    """Evaluate an infix expression written by :class:`S2Generator` on ``inputs``.

    Only the generator's operator names, ``x_k`` and numbers are available (no builtins).

    Examples
    --------
    >>> evaluate_infix("sin(0.0*x_0 + 0.0) + pow2(x_0)", np.array([[1.0, 2.0]]))
    array([1., 4.])
    """
    inputs = np.atleast_2d(np.asarray(inputs, dtype=float))
    namespace = {"__builtins__": {}}
    namespace.update(UNARY_OPS)
    namespace.update({f"x_{k}": inputs[k] for k in range(len(inputs))})
    with np.errstate(all="ignore"):
        out = eval(expression, namespace)  # noqa: S307 - restricted namespace, generated text
    return np.broadcast_to(np.asarray(out, dtype=float), inputs.shape[1:]).copy()


class S2Generator(IndexedGenerator):
    """Random expression trees on random excitations, with readable symbols.

    Parameters
    ----------
    length : int
        Series length (>= 8).
    max_inputs : int
        Number of input series is uniform on ``1..max_inputs``.
    max_binary : int
        Number of binary operators is uniform on ``1..max_binary``.
    max_unary : int
        Number of unary operators is uniform on ``0..max_unary``.
    max_depth : int
        Trees deeper than this (counting operator nodes) are redrawn.
    unary_ops : sequence of str, optional
        Subset of :data:`UNARY_OPS` to draw from (default all).
    input_kinds : sequence of str, optional
        Subset of :data:`INPUT_KINDS` (default all).
    max_abs : float
        Outputs with any ``|y| > max_abs`` count as exploding and are rejected.
    max_spike_ratio : float
        Outputs with a point farther than ``max_spike_ratio`` robust scales (1.4826 MAD)
        from the median count as exploding too (near-poles of ``/``, ``inv``, ``tan``).
    precision : int
        Significant digits of the constants.
    max_attempts : int
        Redraws allowed per sample before a ``RuntimeError``.

    Examples
    --------
    >>> gen = S2Generator(length=64)
    >>> s = gen.sample(0, seed=0)
    >>> bool(np.array_equal(evaluate_tokens(s.tokens, s.inputs), s.series))
    True
    """

    name = "s2"

    def __init__(self, length: int = 1024, max_inputs: int = 2, max_binary: int = 4,
                 max_unary: int = 3, max_depth: int = 8, unary_ops=None, input_kinds=None,
                 max_abs: float = 1e4, max_spike_ratio: float = 50.0, precision: int = 3,
                 max_attempts: int = 100):
        def _int(name, value, low):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
            return int(value)

        self.length = _int("length", length, 8)
        self.max_inputs = _int("max_inputs", max_inputs, 1)
        self.max_binary = _int("max_binary", max_binary, 1)
        self.max_unary = _int("max_unary", max_unary, 0)
        self.max_depth = _int("max_depth", max_depth, 2)
        self.precision = _int("precision", precision, 1)
        self.max_attempts = _int("max_attempts", max_attempts, 1)
        self.unary_ops = tuple(UNARY_OPS) if unary_ops is None else tuple(unary_ops)
        bad = [u for u in self.unary_ops if u not in UNARY_OPS]
        if bad or not self.unary_ops:
            raise ValueError(f"unary_ops must be a non-empty subset of {tuple(UNARY_OPS)}, got {bad or 'empty'}")
        self.input_kinds = INPUT_KINDS if input_kinds is None else tuple(input_kinds)
        bad = [k for k in self.input_kinds if k not in INPUT_KINDS]
        if bad or not self.input_kinds:
            raise ValueError(f"input_kinds must be a non-empty subset of {INPUT_KINDS}, got {bad or 'empty'}")
        if not (isinstance(max_abs, numbers.Real) and 0 < max_abs < np.inf):
            raise ValueError(f"max_abs must be a positive finite number, got {max_abs!r}")
        self.max_abs = float(max_abs)
        if not (isinstance(max_spike_ratio, numbers.Real) and max_spike_ratio > 0):
            raise ValueError(f"max_spike_ratio must be positive, got {max_spike_ratio!r}")
        self.max_spike_ratio = float(max_spike_ratio)
        self._stream = stream_id(self.name)
        self._gp = KernelSynth(self.length, max_kernels=2) if "gp" in self.input_kinds else None

    # -- expressions ---------------------------------------------------------------------
    def _const(self, rng, scale=1.0):
        return float(f"{rng.normal(0.0, scale):.{self.precision}g}")

    def _tree(self, rng, n_binary, n_inputs):
        """Random tree as nested lists: [op, child...], ["x", k] or ["c", value]."""
        if n_binary == 0:
            return ["x", int(rng.integers(n_inputs))] if rng.random() < 0.8 else ["c", self._const(rng)]
        n_left = int(rng.integers(n_binary))
        op = list(BINARY_OPS)[rng.integers(len(BINARY_OPS))]
        return [op, self._tree(rng, n_left, n_inputs), self._tree(rng, n_binary - 1 - n_left, n_inputs)]

    @staticmethod
    def _subtrees(tree, acc):
        acc.append(tree)
        if tree[0] not in ("x", "c"):
            for child in tree[1:]:
                S2Generator._subtrees(child, acc)
        return acc

    def _insert_unary(self, rng, tree):
        """Wrap a random non-constant subtree ``u`` into ``op(a * u + b)`` (in place)."""
        candidates = [t for t in self._subtrees(tree, []) if t[0] != "c"]
        target = candidates[rng.integers(len(candidates))]
        op = self.unary_ops[rng.integers(len(self.unary_ops))]
        inner = ["add", ["mul", ["c", self._const(rng)], list(target)], ["c", self._const(rng)]]
        if op in _NEEDS_ABS:
            inner = ["abs", inner]
        target[:] = [op, inner]

    @staticmethod
    def _depth(tree):
        if tree[0] in ("x", "c"):
            return 0
        if tree[0] == "add" and tree[1][0] == "mul" and tree[1][1][0] == "c" and tree[2][0] == "c":
            return S2Generator._depth(tree[1][2])  # affine wrapper: not an operator level
        return 1 + max(S2Generator._depth(c) for c in tree[1:])

    def sample_expression(self, rng, n_inputs):
        """Draw an expression tree over ``n_inputs`` variables within ``max_depth``."""
        for _ in range(self.max_attempts):
            tree = self._tree(rng, int(rng.integers(1, self.max_binary + 1)), n_inputs)
            for _ in range(int(rng.integers(0, self.max_unary + 1))):
                self._insert_unary(rng, tree)
            if self._depth(tree) <= self.max_depth and any(t[0] == "x" for t in self._subtrees(tree, [])):
                return tree
        raise RuntimeError("could not draw an expression within max_depth; raise max_depth")

    @staticmethod
    def to_tokens(tree) -> list:
        """Prefix token sequence of a tree."""
        if tree[0] == "x":
            return [f"x_{tree[1]}"]
        if tree[0] == "c":
            return [repr(tree[1])]
        return [tree[0]] + [t for c in tree[1:] for t in S2Generator.to_tokens(c)]

    @staticmethod
    def to_infix(tree) -> str:
        """Readable infix string of a tree (fully parenthesised binary operations)."""
        if tree[0] == "x":
            return f"x_{tree[1]}"
        if tree[0] == "c":
            return f"({tree[1]!r})" if tree[1] < 0 else repr(tree[1])
        if tree[0] in BINARY_OPS:
            sym = BINARY_OPS[tree[0]][0]
            return f"({S2Generator.to_infix(tree[1])} {sym} {S2Generator.to_infix(tree[2])})"
        return f"{tree[0]}({S2Generator.to_infix(tree[1])})"

    # -- inputs --------------------------------------------------------------------------
    def _input(self, rng, kind, seed, index, k):
        n = self.length
        if kind == "mixture":
            n_comp = int(rng.integers(1, 4))
            comp = rng.integers(n_comp, size=n)
            centres, scales = rng.normal(0, 3, n_comp), rng.uniform(0.1, 1.5, n_comp)
            if rng.random() < 0.5:
                x = centres[comp] + scales[comp] * rng.standard_normal(n)
            else:
                x = centres[comp] + scales[comp] * rng.uniform(-1.7, 1.7, n)
        elif kind == "arma":
            p, q = int(rng.integers(1, 4)), int(rng.integers(0, 3))
            # AR polynomial from random roots inside the unit circle: always stationary
            roots = rng.uniform(0.1, 0.97, p) * np.exp(1j * rng.uniform(0, np.pi, p))
            ar = np.real(np.poly(np.concatenate([roots, roots.conj()])))
            ma = np.concatenate([[1.0], rng.normal(0, 0.5, q)])
            burn = 100
            x = signal.lfilter(ma, ar, rng.standard_normal(n + burn))[burn:]
        elif kind == "sinusoids":
            m = int(rng.integers(1, 5))
            periods = np.exp(rng.uniform(np.log(4), np.log(n / 2), m))
            amps, phases = rng.uniform(0.2, 1.0, m), rng.uniform(0, 2 * np.pi, m)
            t = np.arange(n)
            x = (amps[:, None] * np.sin(2 * np.pi * t[None, :] / periods[:, None] + phases[:, None])).sum(0)
            x = x + 0.05 * rng.standard_normal(n)
        else:
            x = self._gp.generate_at([int(rng.integers(2**62))], seed=seed)[0]
        sd = x.std()
        return (x - x.mean()) / sd if sd > 1e-12 else x - x.mean()

    # -- sampling ------------------------------------------------------------------------
    def _acceptable(self, y) -> bool:
        """Finite, bounded, not constant and without pole-like spikes."""
        if not np.isfinite(y).all() or np.abs(y).max() > self.max_abs or y.std() <= 1e-6:
            return False
        dev = np.abs(y - np.median(y))
        scale = 1.4826 * np.median(dev)
        return scale > 1e-9 * max(1.0, dev.max()) and dev.max() <= self.max_spike_ratio * scale

    def sample(self, index: int, seed: int = 0) -> S2Sample:
        """Sample ``index`` under ``seed`` with its expression and inputs."""
        seed = check_seed(seed)
        index = int(check_indices([index])[0])
        rng = sample_rng(seed, self._stream, index)
        for _ in range(self.max_attempts):
            n_inputs = int(rng.integers(1, self.max_inputs + 1))
            kinds = [self.input_kinds[rng.integers(len(self.input_kinds))] for _ in range(n_inputs)]
            inputs = np.stack([self._input(rng, kd, seed, index, k) for k, kd in enumerate(kinds)])
            tree = self.sample_expression(rng, n_inputs)
            tokens = self.to_tokens(tree)
            y = evaluate_tokens(tokens, inputs)
            if self._acceptable(y):
                return S2Sample(y, inputs, self.to_infix(tree), tokens, kinds)
        raise RuntimeError(f"no valid S2 sample after {self.max_attempts} attempts (seed={seed}, index={index})")

    def samples(self, n: int, seed: int = 0, start: int = 0) -> list:
        """:class:`S2Sample` objects for indices ``start .. start + n - 1``."""
        return [self.sample(i, seed) for i in range(start, start + check_count(n))]

    def generate_at(self, indices, seed: int = 0) -> np.ndarray:
        """Series for the given indices, shape ``(len(indices), length)``."""
        indices = check_indices(indices)
        out = np.empty((len(indices), self.length))
        for row, idx in enumerate(indices):
            out[row] = self.sample(int(idx), seed).series
        return out
