"""Benchmark ABBA / JABBA against the reference fABBA package, sktime's FABBA and SAX.

Same data, same machine, one run; prints markdown tables (copied into BENCHMARKS.md).

    python examples/benchmark_abba.py            # everything but sktime FABBA on 1e6 points
    python examples/benchmark_abba.py --quick    # small sizes, for a smoke run

Needs the ``bench`` extra (``pip install -e ".[bench]"``: fabba, pyts).
"""

import argparse
import platform
import time
import warnings

import numpy as np

from sktime_symbolic.abba import ABBA, JABBA


def random_walks(n_series, length, seed):
    x = np.random.default_rng(seed).standard_normal((n_series, length)).cumsum(axis=1)
    return (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)


def best_of(fn, repeat):
    fn()  # warm-up (numba compilation, caches)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def once(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def errors(x, recon):
    """MSE and max error over the common length, and the length difference."""
    m = min(len(x), len(recon))
    d = np.asarray(recon[:m]) - x[:m]
    return float(np.mean(d**2)), float(np.max(np.abs(d))), len(recon) - len(x)


def row(cells):
    print("| " + " | ".join(str(c) for c in cells) + " |")


def single_series(sizes, tol, alpha, sktime_max):
    print(f"\n### One z-normalised random walk, tol={tol}, alpha={alpha}\n")
    row(["n", "method", "fit+inverse (s)", "pieces", "symbols", "MSE", "max error", "length diff"])
    row(["---"] * 8)
    for n in sizes:
        x = random_walks(1, n, 0)[0]
        model = ABBA(tol=tol, alpha=alpha)

        def ours():
            rep = model.fit_transform(x)
            return rep, model.inverse_transform(rep)

        t, (rep, recon) = best_of(ours, 10)
        row([f"{n:.0e}", "sktime-symbolic ABBA (greedy)", f"{t:.4f}", len(rep.codes), model.n_symbols_,
             *[f"{v:.4g}" for v in errors(x, recon)[:2]], errors(x, recon)[2]])
        # fABBA bounds a piece's squared error by tol * (len - 1), ours by tol**2 * (len - 1):
        # sqrt(tol) compresses as coarsely as fABBA does with tol
        model = ABBA(tol=np.sqrt(tol), alpha=alpha)
        t, (rep, recon) = best_of(ours, 10)
        row([f"{n:.0e}", f"sktime-symbolic ABBA (greedy), tol={np.sqrt(tol):.3f}", f"{t:.4f}", len(rep.codes),
             model.n_symbols_, *[f"{v:.4g}" for v in errors(x, recon)[:2]], errors(x, recon)[2]])

        from fABBA import fABBA

        ref = fABBA(tol=tol, alpha=alpha, sorting="2-norm", scl=1, verbose=0)
        t, (string, recon) = once(lambda: (lambda s: (s, ref.inverse_transform(s, x[0])))(ref.fit_transform(x)))
        row([f"{n:.0e}", "fABBA 1.5.3 (fabba package)", f"{t:.3f}", len(string), len(ref.parameters.centers),
             *[f"{v:.4g}" for v in errors(x, recon)[:2]], errors(x, recon)[2]])

        if n <= sktime_max:
            import pandas as pd
            from sktime.transformations.fabba import FABBA

            sk = FABBA(tolerance=tol, alpha=alpha, return_start_values=True)
            y = pd.Series(x)

            def sktime_run():
                out = sk.fit_transform(y)
                return out, sk.inverse_transform(out)

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t, (out, recon) = once(sktime_run)
            recon = np.asarray(recon, dtype=float).ravel()
            row([f"{n:.0e}", "sktime 1.2.0 FABBA", f"{t:.3f}", len(out), sk.num_grps_,
                 *[f"{v:.4g}" for v in errors(x, recon)[:2]], errors(x, recon)[2]])


def joint(n_series, length, n_new, tol, alpha):
    X = random_walks(n_series, length, 1)
    Y = random_walks(n_new, length, 2)
    print(f"\n### JABBA: {n_series} random walks of length {length} (+{n_new} new), tol={tol}, alpha={alpha}\n")
    row(["method", "fit (s)", "symbols", "pieces", "MSE in-sample", "MSE new series"])
    row(["---"] * 6)
    results = {}
    for n_jobs in (1, 2):
        model = JABBA(tol=tol, alpha=alpha, n_jobs=n_jobs)
        t, rep = best_of(lambda: model.fit_transform(X), 5)
        results[n_jobs] = t
    mse_in = np.mean((model.inverse_transform(rep) - X) ** 2)
    mse_out = np.mean((model.inverse_transform(model.transform(Y)) - Y) ** 2)
    row(["sktime-symbolic JABBA greedy, 2 threads", f"{results[2]:.4f}", model.n_symbols_, len(rep.codes),
         f"{mse_in:.4f}", f"{mse_out:.4f}"])
    row(["sktime-symbolic JABBA greedy, 1 thread", f"{results[1]:.4f}", "", "", "", ""])
    auto = JABBA(tol=tol, alpha="auto")
    t, rep_auto = best_of(lambda: auto.fit_transform(X), 3)
    row([f"sktime-symbolic JABBA greedy, alpha=auto ({auto.alpha_:.4f})", f"{t:.4f}", auto.n_symbols_,
         len(rep_auto.codes), f"{np.mean((auto.inverse_transform(rep_auto) - X) ** 2):.4f}",
         f"{np.mean((auto.inverse_transform(auto.transform(Y)) - Y) ** 2):.4f}"])

    from fABBA import JABBA as RefJABBA

    ref = RefJABBA(tol=tol, alpha=alpha, init="agg", verbose=0)
    t, symbols = once(lambda: ref.fit_transform(X))
    ref_in = ref.inverse_transform(symbols)
    new_symbols, starts = ref.transform(Y)
    ref_out = ref.inverse_transform(new_symbols, starts)
    k_ref = len(ref.parameters.centers)
    mse = lambda A, B: np.mean([errors(a, np.asarray(b))[0] for a, b in zip(A, B)])
    row(["fABBA 1.5.3 JABBA greedy", f"{t:.3f}", k_ref, sum(len(s) for s in symbols),
         f"{mse(X, ref_in):.4f}", f"{mse(Y, ref_out):.4f}"])

    ref_auto = RefJABBA(tol=tol, alpha=None, init="agg", verbose=0)  # fABBA's auto-digitization
    t, symbols = once(lambda: ref_auto.fit_transform(X))
    new_symbols, starts = ref_auto.transform(Y)
    row([f"fABBA 1.5.3 JABBA greedy, alpha=None ({ref_auto.alpha:.4f})", f"{t:.3f}", len(ref_auto.parameters.centers),
         sum(len(s) for s in symbols), f"{mse(X, ref_auto.inverse_transform(symbols)):.4f}",
         f"{mse(Y, ref_auto.inverse_transform(new_symbols, starts)):.4f}"])

    k = k_ref
    for method in ("kmeans", "sampling-kmeans"):
        model = JABBA(tol=tol, method=method, k=k, r=0.5, random_state=0)
        t, rep = once(lambda: model.fit_transform(X))
        row([f"sktime-symbolic JABBA {method} (k={k})", f"{t:.3f}", model.n_symbols_, len(rep.codes),
             f"{np.mean((model.inverse_transform(rep) - X) ** 2):.4f}",
             f"{np.mean((model.inverse_transform(model.transform(Y)) - Y) ** 2):.4f}"])
    ref = RefJABBA(tol=tol, init="kmeans", k=k, verbose=0)
    t, symbols = once(lambda: ref.fit_transform(X))
    new_symbols, starts = ref.transform(Y)
    row([f"fABBA 1.5.3 JABBA kmeans (k={k})", f"{t:.3f}", len(ref.parameters.centers), sum(len(s) for s in symbols),
         f"{mse(X, ref.inverse_transform(symbols)):.4f}", f"{mse(Y, ref.inverse_transform(new_symbols, starts)):.4f}"])
    print(f"\nSpeed-up from 1 to 2 threads (greedy fit): {results[1] / results[2]:.2f}x")
    return len(rep.codes) / n_series


def sax(n_series, length, symbols_per_series, n_letters=16):
    from pyts.approximation import PiecewiseAggregateApproximation, SymbolicAggregateApproximation
    from scipy.stats import norm

    X = random_walks(n_series, length, 1)
    print(f"\n### SAX (pyts) on the same {n_series} random walks\n")
    row(["segments x letters", "MSE"])
    row(["---"] * 2)
    for segments in sorted({25, int(round(symbols_per_series))}):
        paa = PiecewiseAggregateApproximation(window_size=None, output_size=segments).fit_transform(X)
        letters = SymbolicAggregateApproximation(n_bins=n_letters, strategy="normal", alphabet="ordinal").fit_transform(paa)
        # each letter decodes to the mean of the standard normal within its bin
        edges = norm.ppf(np.linspace(0, 1, n_letters + 1))
        centres = (norm.pdf(edges[:-1]) - norm.pdf(edges[1:])) / (norm.cdf(edges[1:]) - norm.cdf(edges[:-1]))
        bounds = np.linspace(0, length, segments + 1).round().astype(int)
        recon = np.repeat(centres[letters.astype(int)], np.diff(bounds), axis=1)
        row([f"{segments} x {n_letters}", f"{np.mean((recon - X) ** 2):.4f}"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--sktime-max", type=float, default=1e5, help="largest n run through sktime's FABBA")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}")
    if args.quick:
        single_series([10_000], 0.1, 0.1, 1e4)
        per_series = joint(100, 300, 20, 0.1, 0.1)
        sax(100, 300, per_series)
    else:
        single_series([int(1e5), int(1e6)], 0.1, 0.1, args.sktime_max)
        per_series = joint(2000, 1000, 200, 0.1, 0.1)
        sax(2000, 1000, per_series)


if __name__ == "__main__":
    main()
