"""Cost of the sktime interface: core vs sktime transformers, both ways.

Times ``fit_transform`` and ``inverse_transform`` of the framework-free core
(``ABBA`` per series, ``JABBA``, ``MotifTokenizer``) against their sktime transformers
(``ABBATransformer``, ``JABBATransformer``, ``BPETokenizer``) on the same panel, given as a
``numpy3D`` array and as a ``pd-multiindex`` DataFrame. Best of ``--repeat`` runs after a
warm-up (numba compiles on first use); prints a markdown table (copied into BENCHMARKS.md).
Everything runs on ``--n-jobs`` numba threads (default 1), so that core and transformer use the
same threads and a busy second core does not skew the ratio.

    python examples/benchmark_transformers.py                 # 2,000 walks of length 1,000
    python examples/benchmark_transformers.py --n-series 200  # smoke run
"""

import argparse
import platform
import time

import numpy as np
import pandas as pd

from sktime_symbolic.abba import ABBA, JABBA
from sktime_symbolic.bpe import MotifTokenizer
from sktime_symbolic.transformations import ABBATransformer, BPETokenizer, JABBATransformer


def random_walks(n_series, length, seed=1):
    """z-normalised Gaussian random walks, one per row."""
    x = np.random.default_rng(seed).standard_normal((n_series, length)).cumsum(axis=1)
    return (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)


def as_multiindex(X):
    """The rows of ``X`` as a ``pd-multiindex`` panel (instance, time) with one column."""
    n, m = X.shape
    index = pd.MultiIndex.from_arrays([np.repeat(np.arange(n), m), np.tile(np.arange(m), n)],
                                      names=["instance", "time"])
    return pd.DataFrame({"value": X.reshape(-1)}, index=index)


def best_of(fn, repeat):
    """Shortest wall time of ``repeat`` calls of ``fn`` after one warm-up call, and its result."""
    out = fn()
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def core_abba(X, tol, alpha, n_jobs):
    """ABBA on every row with its own codebook, then the inverse of every row."""
    def forward():
        models = [ABBA(tol=tol, alpha=alpha, n_jobs=n_jobs) for _ in range(X.shape[0])]
        return models, [m.fit_transform(x) for m, x in zip(models, X)]

    def inverse(fitted):
        models, reps = fitted
        return [m.inverse_transform(r) for m, r in zip(models, reps)]

    return forward, inverse


def core_jabba(X, tol, alpha, n_jobs):
    model = JABBA(tol=tol, alpha=alpha, n_jobs=n_jobs)
    return (lambda: model.fit_transform(X)), model.inverse_transform


def core_bpe(X, n_bins, p_min, n_jobs):
    tok = MotifTokenizer(n_bins=n_bins, p_min=p_min, n_jobs=n_jobs)
    return (lambda: tok.fit(X).encode(X)), tok.decode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-series", type=int, default=2000)
    parser.add_argument("--length", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tol", type=float, default=0.1)
    parser.add_argument("--alpha", type=float, default=0.1)
    parser.add_argument("--n-bins", type=int, default=37)
    parser.add_argument("--p-min", type=int, default=100)
    parser.add_argument("--n-jobs", type=int, default=1, help="numba threads of core and transformers")
    args = parser.parse_args(argv)
    X = random_walks(args.n_series, args.length)
    panels = {"numpy3D": X[:, None, :], "pd-multiindex": as_multiindex(X)}
    print(f"machine: {platform.machine()}, python {platform.python_version()}; {args.n_series} z-normalised "
          f"random walks of length {args.length}; {args.n_jobs} numba thread(s); best of {args.repeat}\n")
    cases = [
        ("ABBA", core_abba(X, args.tol, args.alpha, args.n_jobs),
         ABBATransformer(tol=args.tol, alpha=args.alpha, n_jobs=args.n_jobs)),
        ("JABBA", core_jabba(X, args.tol, args.alpha, args.n_jobs),
         JABBATransformer(tol=args.tol, alpha=args.alpha, n_jobs=args.n_jobs)),
        ("BPE", core_bpe(X, args.n_bins, args.p_min, args.n_jobs),
         BPETokenizer(n_bins=args.n_bins, p_min=args.p_min, n_jobs=args.n_jobs)),
    ]
    print("| method | input | fit_transform (s) | x core | inverse_transform (s) | x core |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (forward, inverse), transformer in cases:
        t_fwd, out = best_of(forward, args.repeat)
        t_inv, _ = best_of(lambda: inverse(out), args.repeat)
        print(f"| {name} core | 2D array | {t_fwd:.4f} | 1 | {t_inv:.4f} | 1 |", flush=True)
        for mtype, panel in panels.items():
            s_fwd, Xt = best_of(lambda: transformer.clone().fit_transform(panel), args.repeat)
            fitted = transformer.clone().fit(panel)
            s_inv, _ = best_of(lambda: fitted.inverse_transform(Xt), args.repeat)
            print(f"| {type(transformer).__name__} | {mtype} | {s_fwd:.4f} | {s_fwd / t_fwd:.1f} | {s_inv:.4f} | "
                  f"{s_inv / t_inv:.1f} |", flush=True)


if __name__ == "__main__":
    main()
