"""Writing generated series to compressed ``.npz`` shards and reading them back."""

from __future__ import annotations

import json
import numbers
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .cauker import CauKer
from .kernelsynth import KernelSynth
from .s2 import S2Generator

__all__ = ["GENERATORS", "make_generator", "write_shards", "read_shards"]

GENERATORS = {"kernelsynth": KernelSynth, "cauker": CauKer, "s2": S2Generator}


def make_generator(name: str, length: int):
    """Generator instance by name (one of :data:`GENERATORS`).

    Examples
    --------
    >>> make_generator("kernelsynth", 64).length
    64
    """
    if name not in GENERATORS:
        raise ValueError(f"unknown generator {name!r}; choose one of {sorted(GENERATORS)}")
    return GENERATORS[name](length=length)


def write_shards(generator, n: int, out_dir, seed: int = 0, shard_size: int = 1000,
                 progress: bool = True) -> list:
    """Write series ``0 .. n - 1`` of ``generator`` to ``out_dir/shard_XXXXX.npz``.

    Each shard holds ``series`` (float32, n_shard x length) and ``indices``; S2 shards also
    hold ``expressions`` and ``tokens`` (space-joined prefix tokens).  ``meta.json`` records
    the generator, its length, the seed and the shard names.  Returns the shard paths.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> paths = write_shards(KernelSynth(32), 5, d, shard_size=2, progress=False)
    >>> len(paths), read_shards(d)["series"].shape
    (3, (5, 32))
    """
    for name, value, low in (("n", n, 0), ("shard_size", shard_size, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    with tqdm(total=n, unit="series", disable=not progress, desc=getattr(generator, "name", "write")) as bar:
        for k, start in enumerate(range(0, n, shard_size)):
            count = min(shard_size, n - start)
            payload = {"indices": np.arange(start, start + count)}
            if isinstance(generator, S2Generator):
                samples = generator.samples(count, seed=seed, start=start)
                payload["series"] = np.stack([s.series for s in samples]).astype(np.float32)
                payload["expressions"] = np.array([s.expression for s in samples])
                payload["tokens"] = np.array([" ".join(s.tokens) for s in samples])
            else:
                payload["series"] = generator.generate(count, seed=seed, start=start).astype(np.float32)
            path = out / f"shard_{k:05d}.npz"
            np.savez_compressed(path, **payload)
            paths.append(path)
            bar.update(count)
    meta = {"generator": getattr(generator, "name", type(generator).__name__), "length": generator.length,
            "seed": seed, "n": n, "shards": [p.name for p in paths]}
    (out / "meta.json").write_text(json.dumps(meta, indent=1))
    return paths


def read_shards(directory) -> dict:
    """Read every shard listed in ``directory/meta.json``, concatenated in index order.

    Returns a dict with ``series``, ``indices``, ``meta`` and, for S2 shards, ``expressions``
    and ``tokens``.
    """
    directory = Path(directory)
    meta_path = directory / "meta.json"
    if not meta_path.is_file():
        raise ValueError(f"{directory} has no meta.json: not a shard directory")
    meta = json.loads(meta_path.read_text())
    parts: dict[str, list] = {}
    for name in meta["shards"]:
        with np.load(directory / name) as shard:
            for key in shard.files:
                parts.setdefault(key, []).append(shard[key])
    result = {k: np.concatenate(v) for k, v in parts.items()}
    result["meta"] = meta
    return result
