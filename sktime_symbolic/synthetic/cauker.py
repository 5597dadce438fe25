"""CauKer: series from random structural causal models with KernelSynth roots.

A graph is a random DAG over ``n_nodes`` nodes in topological order.  The first
``n_roots`` nodes are roots: a KernelSynth GP sample (standardised) plus a random mean
function (linear, exponential or a spike train).  Every other node draws 1..``max_parents``
parents among the earlier nodes and equals ``activation(sum_p w_p z(parent_p) + b) + noise``
with ``z`` the standardisation, a random activation from :data:`ACTIVATIONS`, weights
``w ~ N(0, 1)``, bias ``b ~ N(0, 0.5)`` and Gaussian noise of standard deviation
``U(0, noise_max)``.  Each graph emits ``n_emit`` distinct nodes; series ``index`` is node
slot ``index % n_emit`` of graph ``index // n_emit``, so it depends only on ``(seed, index)``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._seeding import IndexedGenerator, check_indices, check_seed, sample_rng, stream_id
from .kernelsynth import KernelSynth

__all__ = ["CauKer", "ACTIVATIONS", "MEAN_FUNCTIONS"]


def _sigmoid(s):
    return 0.5 * (1.0 + np.tanh(0.5 * s))


ACTIVATIONS = {
    "linear": lambda s, c: s,
    "relu": lambda s, c: np.maximum(s, 0.0),
    "leaky_relu": lambda s, c: np.where(s > 0, s, 0.1 * s),
    "sigmoid": lambda s, c: _sigmoid(2.0 * s),
    "tanh": lambda s, c: np.tanh(s),
    "sin": lambda s, c: np.sin(c * s),
    "mod": lambda s, c: np.mod(s, c),
    "abs": lambda s, c: np.abs(s),
    "softplus": lambda s, c: np.logaddexp(0.0, s),
}
MEAN_FUNCTIONS = ("none", "linear", "exponential", "spikes")


def _standardise(x):
    """Zero mean, unit standard deviation along the last axis (constant rows: zero mean only)."""
    centred = x - x.mean(axis=-1, keepdims=True)
    sd = np.sqrt(np.mean(centred**2, axis=-1, keepdims=True))
    return centred / np.where(sd > 1e-12, sd, 1.0)


class CauKer(IndexedGenerator):
    """Generator of CauKer series (random SCMs over KernelSynth root processes).

    Parameters
    ----------
    length : int
        Series length (>= 8).
    n_nodes : int
        Nodes per graph (>= 2).
    max_roots : int
        Number of roots per graph is uniform on ``1..max_roots`` (< n_nodes).
    max_parents : int
        Each child has ``1..max_parents`` parents.
    n_emit : int
        Distinct nodes emitted per graph (<= n_nodes).
    noise_max : float
        Upper bound of the children's noise standard deviation.
    kernelsynth : KernelSynth, optional
        Root generator; default ``KernelSynth(length)``.

    Examples
    --------
    >>> gen = CauKer(length=128, n_nodes=6, n_emit=3)
    >>> x = gen.generate(6, seed=1)
    >>> x.shape, bool(np.isfinite(x).all())
    ((6, 128), True)
    """

    name = "cauker"

    def __init__(self, length: int = 1024, n_nodes: int = 10, max_roots: int = 3,
                 max_parents: int = 3, n_emit: int = 5, noise_max: float = 0.1,
                 kernelsynth: KernelSynth | None = None):
        def _int(name, value, low):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
            return int(value)

        self.length = _int("length", length, 8)
        self.n_nodes = _int("n_nodes", n_nodes, 2)
        self.max_roots = _int("max_roots", max_roots, 1)
        self.max_parents = _int("max_parents", max_parents, 1)
        self.n_emit = _int("n_emit", n_emit, 1)
        if self.max_roots >= self.n_nodes:
            raise ValueError(f"max_roots ({max_roots}) must be smaller than n_nodes ({n_nodes})")
        if self.n_emit > self.n_nodes:
            raise ValueError(f"n_emit ({n_emit}) must not exceed n_nodes ({n_nodes})")
        if not (isinstance(noise_max, numbers.Real) and 0 <= noise_max < np.inf):
            raise ValueError(f"noise_max must be a finite non-negative number, got {noise_max!r}")
        self.noise_max = float(noise_max)
        self.kernelsynth = KernelSynth(self.length) if kernelsynth is None else kernelsynth
        if self.kernelsynth.length != self.length:
            raise ValueError("kernelsynth.length must equal length")
        self._stream = stream_id(self.name)
        self._x = np.arange(self.length) / self.length
        # graphs processed together: bounds the (graphs, nodes, length) work arrays
        self._graph_chunk = max(1, 2**22 // (self.n_nodes * self.length))

    def sample_graph(self, seed: int, graph: int) -> dict:
        """Random structure and parameters of graph ``graph`` (arrays over the nodes).

        Keys: ``n_roots``; ``weights`` (n_nodes x n_nodes, row j = weights of node j's
        parents, zero elsewhere); ``activation`` (index into :data:`ACTIVATIONS`),
        ``act_param``, ``bias``, ``noise_sd`` per node; ``mean`` (index into
        :data:`MEAN_FUNCTIONS`) and ``mean_params`` per node (used by roots); ``noise``
        (n_nodes x length standard normals); ``emit`` (emitted node ids).
        """
        rng = sample_rng(check_seed(seed), self._stream, graph)
        n = self.n_nodes
        n_roots = int(rng.integers(1, self.max_roots + 1))
        node = np.arange(n)
        n_parents = rng.integers(1, np.minimum(self.max_parents, np.maximum(node, 1)) + 1)
        n_parents[:n_roots] = 0
        # parents of node j: the n_parents[j] earlier nodes with the smallest random keys
        keys = rng.random((n, n))
        keys[node[:, None] <= node[None, :]] = np.inf
        rank = np.argsort(np.argsort(keys, axis=1), axis=1)
        weights = rng.standard_normal((n, n)) * (rank < n_parents[:, None])
        return {
            "n_roots": n_roots,
            "weights": weights,
            "activation": rng.integers(len(ACTIVATIONS), size=n),
            "act_param": rng.uniform(0.5, 3.0, size=n),
            "bias": 0.5 * rng.standard_normal(n),
            "noise_sd": rng.uniform(0.0, self.noise_max, size=n),
            "mean": rng.integers(len(MEAN_FUNCTIONS), size=n),
            "mean_params": rng.uniform(-1.0, 1.0, size=(n, 4)),
            "noise": rng.standard_normal((n, self.length)),
            "emit": rng.choice(n, size=self.n_emit, replace=False),
        }

    def _means(self, kinds, p):
        """Mean functions for rows with kinds ``kinds`` (indices into MEAN_FUNCTIONS)."""
        x = self._x[None, :]
        out = np.zeros((len(kinds), self.length))
        lin, exp_, spk = (kinds == MEAN_FUNCTIONS.index(k) for k in ("linear", "exponential", "spikes"))
        out[lin] = 2.0 * p[lin, :1] + 3.0 * p[lin, 1:2] * x
        out[exp_] = p[exp_, :1] * np.exp(3.0 * p[exp_, 1:2] * x)
        # spike train with a random spacing (8..128), phase and height
        spacing = (8 + (p[spk, 2] + 1.0) * 60).astype(int)[:, None]
        phase = (np.abs(p[spk, 3])[:, None] * spacing).astype(int)
        t = np.arange(self.length)[None, :]
        out[spk] = np.where((t >= phase) & ((t - phase) % spacing == 0), 4.0 * p[spk, :1], 0.0)
        return out

    def _graph_series(self, graphs, roots):
        """Emitted series of all ``graphs`` at once; ``roots`` is (graphs, max_roots, length)."""
        g_count, n = len(graphs), self.n_nodes
        par = {k: np.stack([g[k] for g in graphs]) for k in graphs[0]}
        n_roots = par["n_roots"]
        values = np.empty((g_count, n, self.length))
        standardised = np.empty_like(values)
        for j in range(n):
            is_root = j < n_roots
            r = np.flatnonzero(is_root)
            if r.size:
                values[r, j] = _standardise(roots[r, j]) + self._means(par["mean"][r, j], par["mean_params"][r, j])
            c = np.flatnonzero(~is_root)
            if c.size:
                s = np.einsum("gk,gkl->gl", par["weights"][c, j, :j], standardised[c, :j])
                s = _standardise(s) + par["bias"][c, j, None]
                act = par["activation"][c, j]
                y = np.empty_like(s)
                for a, fn in enumerate(ACTIVATIONS.values()):
                    rows = act == a
                    if rows.any():
                        y[rows] = fn(s[rows], par["act_param"][c[rows], j, None])
                values[c, j] = y + par["noise_sd"][c, j, None] * par["noise"][c, j]
            standardised[:, j] = _standardise(values[:, j])
        return values[np.arange(g_count)[:, None], par["emit"]]  # (graphs, n_emit, length)

    def generate_at(self, indices, seed: int = 0) -> np.ndarray:
        """Series for the given sample indices, shape ``(len(indices), length)``."""
        seed = check_seed(seed)
        indices = check_indices(indices)
        graph_ids = np.unique(indices // self.n_emit)
        out = np.empty((len(indices), self.length))
        if not len(graph_ids):
            return out
        emitted = np.concatenate([self._emit(seed, graph_ids[k:k + self._graph_chunk])
                                  for k in range(0, len(graph_ids), self._graph_chunk)])
        pos = np.searchsorted(graph_ids, indices // self.n_emit)
        out[:] = emitted[pos, indices % self.n_emit]
        return out

    def _emit(self, seed, graph_ids):
        """Emitted series (graphs, n_emit, length) of a chunk of graphs."""
        graphs = [self.sample_graph(seed, g) for g in graph_ids]
        root_idx = (graph_ids[:, None] * self.max_roots + np.arange(self.max_roots)).ravel()
        used = (np.arange(self.max_roots)[None, :] < np.array([g["n_roots"] for g in graphs])[:, None]).ravel()
        roots = np.zeros((len(graph_ids) * self.max_roots, self.length))
        roots[used] = self.kernelsynth.generate_at(root_idx[used], seed=seed)
        roots = roots.reshape(len(graph_ids), self.max_roots, self.length)
        return self._graph_series(graphs, roots)
