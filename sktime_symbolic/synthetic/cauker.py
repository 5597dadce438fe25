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

from ._seeding import check_indices, check_seed, sample_rng, stream_id
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
    sd = x.std()
    return (x - x.mean()) / sd if sd > 1e-12 else x - x.mean()


class CauKer:
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

    def __init__(self, length: int = 1024, n_nodes: int = 8, max_roots: int = 3,
                 max_parents: int = 3, n_emit: int = 4, noise_max: float = 0.1,
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

    def sample_graph(self, seed: int, graph: int) -> dict:
        """Structure of graph ``graph``: roots, parents, weights, activations, emitted nodes."""
        rng = sample_rng(check_seed(seed), self._stream, graph)
        n_roots = int(rng.integers(1, self.max_roots + 1))
        nodes = []
        for j in range(self.n_nodes):
            if j < n_roots:
                nodes.append({"mean": MEAN_FUNCTIONS[rng.integers(len(MEAN_FUNCTIONS))],
                              "mean_params": rng.uniform(-1.0, 1.0, size=4)})
                continue
            k = int(rng.integers(1, min(self.max_parents, j) + 1))
            act = list(ACTIVATIONS)[rng.integers(len(ACTIVATIONS))]
            nodes.append({
                "parents": rng.choice(j, size=k, replace=False),
                "weights": rng.standard_normal(k),
                "bias": 0.5 * rng.standard_normal(),
                "activation": act,
                "act_param": rng.uniform(0.5, 3.0),
                "noise_sd": rng.uniform(0.0, self.noise_max),
                "noise_seed": int(rng.integers(2**63)),
            })
        emit = rng.choice(self.n_nodes, size=self.n_emit, replace=False)
        return {"n_roots": n_roots, "nodes": nodes, "emit": emit}

    def _mean(self, kind, p):
        x = self._x
        if kind == "linear":
            return 2.0 * p[0] + 3.0 * p[1] * x
        if kind == "exponential":
            return p[0] * np.exp(3.0 * p[1] * x)
        if kind == "spikes":
            # spike train with a random spacing, height and phase
            spacing = int(8 + (p[2] + 1.0) * 60)
            out = np.zeros(self.length)
            out[int(abs(p[3]) * spacing)::spacing] = 4.0 * p[0]
            return out
        return np.zeros(self.length)

    def _graph_series(self, graph, roots):
        values = []
        for j, node in enumerate(graph["nodes"]):
            if j < graph["n_roots"]:
                values.append(_standardise(roots[j]) + self._mean(node["mean"], node["mean_params"]))
                continue
            s = sum(w * _standardise(values[p]) for w, p in zip(node["weights"], node["parents"]))
            y = ACTIVATIONS[node["activation"]](_standardise(s) + node["bias"], node["act_param"])
            if node["noise_sd"] > 0:
                noise = np.random.default_rng(node["noise_seed"]).standard_normal(self.length)
                y = y + node["noise_sd"] * noise
            values.append(y)
        return np.stack([values[e] for e in graph["emit"]])

    def generate(self, n: int, seed: int = 0, start: int = 0) -> np.ndarray:
        """Series with indices ``start .. start + n - 1``, shape ``(n, length)``."""
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        return self.generate_at(np.arange(start, start + n), seed=seed)

    def generate_at(self, indices, seed: int = 0) -> np.ndarray:
        """Series for the given sample indices, shape ``(len(indices), length)``."""
        seed = check_seed(seed)
        indices = check_indices(indices)
        graph_ids = np.unique(indices // self.n_emit)
        graphs = {g: self.sample_graph(seed, g) for g in graph_ids}
        root_idx = np.concatenate([g * self.max_roots + np.arange(graphs[g]["n_roots"])
                                   for g in graph_ids]) if len(graph_ids) else np.zeros(0, int)
        root_series = self.kernelsynth.generate_at(root_idx, seed=seed)
        out = np.empty((len(indices), self.length))
        pos = 0
        emitted = {}
        for g in graph_ids:
            k = graphs[g]["n_roots"]
            emitted[g] = self._graph_series(graphs[g], root_series[pos:pos + k])
            pos += k
        for row, idx in enumerate(indices):
            out[row] = emitted[idx // self.n_emit][idx % self.n_emit]
        return out
