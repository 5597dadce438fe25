"""Mixing several generators into one reproducible stream of training series.

Sample ``i`` of a :class:`SyntheticMixture` is a pure function of ``(seed, i)``: its own
random stream picks the generator(s), the length, the crop, the TSMixup weights and the
missing-value mask, and the generators themselves map ``(seed, index)`` to a series.  So a
sample looks the same whether it is drawn alone, in a batch, or by any data-loader worker.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._seeding import check_indices, check_probability, check_seed, sample_rng, stream_id

__all__ = ["SyntheticMixture"]

#: component ``c`` of sample ``i`` is series ``c * _COMPONENT_STRIDE + i`` of its generator,
#: so consecutive samples use consecutive generator indices (CauKer graphs are shared)
_COMPONENT_STRIDE = 2**40


class SyntheticMixture:
    """Weighted mixture of generators with random lengths, TSMixup and missing values.

    Parameters
    ----------
    generators : dict of str -> generator
        Objects with ``length`` and ``generate_at(indices, seed)`` (KernelSynth, CauKer,
        S2Generator).
    weights : dict of str -> float, optional
        Relative sampling weights (default equal).
    seed : int
        Seed of the whole stream.
    min_length, max_length : int, optional
        Sample lengths are uniform on ``min_length..max_length`` (default: every generator's
        full length); a random window of that length is cropped from the generated series.
    mixup_prob : float
        Probability that a sample is a TSMixup convex combination of 2..``mixup_max_components``
        series (each scaled by its mean absolute value, Dirichlet(``mixup_alpha``) weights).
    missing_prob : float
        Probability that a sample gets missing values (0 disables them entirely).
    max_missing_fraction : float
        A sample with missing values has a fraction ``U(0, max_missing_fraction)`` of its
        points set to NaN, as one contiguous gap plus scattered points; the ``mask`` entry
        records exactly those places.

    Examples
    --------
    >>> from sktime_symbolic.synthetic import KernelSynth, CauKer
    >>> mix = SyntheticMixture({"ks": KernelSynth(128), "ck": CauKer(128)}, seed=3,
    ...                        min_length=32, mixup_prob=0.5)
    >>> s = mix.sample(7)
    >>> 32 <= len(s["target"]) <= 128, s["generator"] in ("ks", "ck", "mixup")
    (True, True)
    >>> bool(np.array_equal(s["target"], mix.samples([5, 6, 7])[2]["target"]))
    True
    """

    def __init__(self, generators: dict, weights: dict | None = None, seed: int = 0,
                 min_length: int | None = None, max_length: int | None = None,
                 mixup_prob: float = 0.0, mixup_max_components: int = 3, mixup_alpha: float = 1.5,
                 missing_prob: float = 0.0, max_missing_fraction: float = 0.2):
        if not isinstance(generators, dict) or not generators:
            raise ValueError("generators must be a non-empty dict name -> generator")
        for name, gen in generators.items():
            if not hasattr(gen, "generate_at") or not hasattr(gen, "length"):
                raise ValueError(f"generator {name!r} lacks generate_at/length")
        self.generators = dict(generators)
        self.names = list(self.generators)
        weights = {n: 1.0 for n in self.names} if weights is None else dict(weights)
        if set(weights) != set(self.names):
            raise ValueError(f"weights must have exactly the keys {self.names}, got {list(weights)}")
        w = np.array([weights[n] for n in self.names], dtype=float)
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"weights must be finite, non-negative and not all zero, got {weights}")
        self.probs = w / w.sum()
        self.seed = check_seed(seed)
        shortest = min(g.length for g in self.generators.values())
        self.max_length = shortest if max_length is None else max_length
        self.min_length = self.max_length if min_length is None else min_length
        if not (isinstance(self.min_length, numbers.Integral) and isinstance(self.max_length, numbers.Integral)):
            raise ValueError("min_length and max_length must be integers")
        if not 2 <= self.min_length <= self.max_length <= shortest:
            raise ValueError(f"need 2 <= min_length <= max_length <= shortest generator length "
                             f"({shortest}), got {self.min_length}, {self.max_length}")
        for name, value in (("mixup_prob", mixup_prob), ("missing_prob", missing_prob),
                            ("max_missing_fraction", max_missing_fraction)):
            check_probability(value, name)
        if not isinstance(mixup_max_components, numbers.Integral) or mixup_max_components < 2:
            raise ValueError(f"mixup_max_components must be an integer >= 2, got {mixup_max_components!r}")
        if not (isinstance(mixup_alpha, numbers.Real) and mixup_alpha > 0):
            raise ValueError(f"mixup_alpha must be positive, got {mixup_alpha!r}")
        self.mixup_prob = float(mixup_prob)
        self.mixup_max_components = int(mixup_max_components)
        self.mixup_alpha = float(mixup_alpha)
        self.missing_prob = float(missing_prob)
        self.max_missing_fraction = float(max_missing_fraction)
        self._stream = stream_id("mixture")

    def _plan(self, index: int) -> dict:
        """Everything random about sample ``index`` except the generated series."""
        rng = sample_rng(self.seed, self._stream, index)
        n_comp = 1
        if self.mixup_prob > 0 and rng.random() < self.mixup_prob:
            n_comp = int(rng.integers(2, self.mixup_max_components + 1))
        gens = [self.names[j] for j in rng.choice(len(self.names), size=n_comp, p=self.probs)]
        length = int(rng.integers(self.min_length, self.max_length + 1))
        offsets = [int(rng.integers(0, self.generators[g].length - length + 1)) for g in gens]
        mix_w = rng.dirichlet(np.full(n_comp, self.mixup_alpha)) if n_comp > 1 else np.ones(1)
        mask = np.zeros(length, dtype=bool)
        if self.missing_prob > 0 and rng.random() < self.missing_prob:
            n_missing = int(rng.uniform(0, self.max_missing_fraction) * length)
            gap = int(rng.integers(0, n_missing + 1))
            start = int(rng.integers(0, length - gap + 1))
            mask[start:start + gap] = True
            mask[rng.choice(length, size=n_missing - gap, replace=False)] = True
        return {"gens": gens, "length": length, "offsets": offsets, "weights": mix_w, "mask": mask}

    def sample(self, index: int) -> dict:
        """Sample ``index``: dict with ``target`` (float32, NaN where ``mask``), ``mask``,
        ``generator`` (name, or ``"mixup"``), ``index``."""
        return self.samples([index])[0]

    def samples(self, indices) -> list:
        """Samples for many indices, generating each generator's series in one batch."""
        indices = check_indices(indices)
        plans = [self._plan(int(i)) for i in indices]
        requests: dict[str, list] = {n: [] for n in self.names}
        for i, plan in zip(indices, plans):
            for c, g in enumerate(plan["gens"]):
                requests[g].append(c * _COMPONENT_STRIDE + int(i))
        series = {}
        for g, idx in requests.items():
            if idx:
                uniq = np.unique(idx)
                values = self.generators[g].generate_at(uniq, seed=self.seed)
                series[g] = dict(zip(uniq.tolist(), values))
        out = []
        for i, plan in zip(indices, plans):
            length = plan["length"]
            parts = [series[g][c * _COMPONENT_STRIDE + int(i)][o:o + length]
                     for c, (g, o) in enumerate(zip(plan["gens"], plan["offsets"]))]
            if len(parts) == 1:
                target = parts[0].copy()
            else:
                # TSMixup: put components on a common scale before the convex combination
                scaled = [p / max(np.abs(p).mean(), 1e-8) for p in parts]
                target = np.sum([w * p for w, p in zip(plan["weights"], scaled)], axis=0)
            target = target.astype(np.float32)
            target[plan["mask"]] = np.nan
            out.append({"target": target, "mask": plan["mask"], "index": int(i),
                        "generator": plan["gens"][0] if len(parts) == 1 else "mixup"})
        return out

    def iter(self, start: int = 0, stop: int | None = None, chunk_size: int = 64):
        """Plain Python iterator over samples ``start, start + 1, ...`` (endless if ``stop`` is None).

        Samples are generated ``chunk_size`` at a time for speed; values do not depend on it.
        """
        if not isinstance(chunk_size, numbers.Integral) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
        i = start
        while stop is None or i < stop:
            end = i + chunk_size if stop is None else min(i + chunk_size, stop)
            yield from self.samples(np.arange(i, end))
            i = end

    def __iter__(self):
        return self.iter()
