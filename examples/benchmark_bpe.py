"""Benchmark of the BPE motif tokenizer (sktime_symbolic.bpe).

1. Scaling: vocabulary training time and encoding throughput against corpus size on random
   walks (series of 1,000 samples), with the paper's setting M = 37, p_min = 1000.
2. Real data: compression and reconstruction MSE (bin centres vs conditional decoding) on
   held-out parts of M4 Hourly/Weekly, ETTh1+ETTh2 and exchange_rate for M in {22, 37, 126}.

Run from the repository root::

    PYTHONPATH=. python examples/benchmark_bpe.py --sizes 1e6 1e7 1e8
"""

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sktime_symbolic.bpe import MotifTokenizer


def random_walks(n_samples, length=1000, seed=0):
    """``n_samples / length`` Gaussian random walks, generated in blocks to bound memory."""
    n_series = int(n_samples) // length
    rng = np.random.default_rng(seed)
    out = np.empty((n_series, length))
    for start in range(0, n_series, 10_000):
        stop = min(start + 10_000, n_series)
        np.cumsum(rng.standard_normal((stop - start, length)), axis=1, out=out[start:stop])
    return out


def scaling_rows(sizes, n_bins, p_min):
    rows = []
    # compile the serial and the threaded kernels outside the timings (5e5 samples take the threaded path)
    for n_jobs in (1, 2):
        warm = random_walks(5e5)
        MotifTokenizer(n_bins=n_bins, p_min=p_min, n_jobs=n_jobs).fit(warm).encode(warm)
    for size in sizes:
        X = random_walks(size)
        tok = MotifTokenizer(n_bins=n_bins, p_min=p_min)
        t0 = time.perf_counter()
        tok.fit(X)
        train_s = time.perf_counter() - t0
        rates = {}
        for n_jobs in (1, 2):
            tok.n_jobs = n_jobs
            t0 = time.perf_counter()
            enc = tok.encode(X)
            rates[n_jobs] = X.size / (time.perf_counter() - t0)
        rows.append({
            "samples": f"{X.size:.0e}",
            "train s": round(train_s, 1),
            "vocab": tok.vocab_size_,
            "merges": tok.merges_.shape[0],
            "compression": round(tok.compression(enc), 2),
            "encode samples/s (1 thread)": f"{rates[1]:.3g}",
            "encode samples/s (2 threads)": f"{rates[2]:.3g}",
            "peak RSS GiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 1),
        })
        print(rows[-1], flush=True)
        del X, enc
    return rows


def load_real(data_dir):
    """``{name: (train series, held-out series)}``.

    M4: every fifth series held out (whole series); ETTh and exchange_rate: each column
    split in time, the first 70% for training, the last 30% held out.
    """
    data_dir = Path(data_dir)
    out = {}
    for name, fname in (("M4 hourly", "Hourly-train.csv"), ("M4 weekly", "Weekly-train.csv")):
        path = data_dir / "m4" / fname
        if path.exists():
            frame = pd.read_csv(path)
            series = [row[~np.isnan(row)] for row in frame.iloc[:, 1:].to_numpy(dtype=np.float64)]
            out[name] = ([s for i, s in enumerate(series) if i % 5], [s for i, s in enumerate(series) if i % 5 == 0])
    columns = []
    for fname in ("ETTh1.csv", "ETTh2.csv"):
        path = data_dir / "ett" / fname
        if path.exists():
            frame = pd.read_csv(path)
            columns.extend(frame.iloc[:, 1:].to_numpy(dtype=np.float64).T)
    if columns:
        out["ETTh1+ETTh2"] = _time_split(columns)
    path = data_dir / "exchange_rate" / "exchange_rate.txt.gz"
    if path.exists():
        frame = pd.read_csv(path, header=None)
        out["exchange_rate"] = _time_split(list(frame.to_numpy(dtype=np.float64).T))
    return out


def _time_split(columns, train_share=0.7):
    cut = [int(len(c) * train_share) for c in columns]
    return [c[:k] for c, k in zip(columns, cut)], [c[k:] for c, k in zip(columns, cut)]


def scaled_mse(tok, series, conditional):
    """Mean over series of the MSE in scaled units (divided by each series' scale squared)."""
    enc = tok.encode(series)
    decoded = tok.decode(enc, conditional=conditional)
    return float(np.mean([np.mean((d - x) ** 2) / s**2 for d, x, s in zip(decoded, series, enc.scale)])), enc


def real_rows(data_dir, bins, p_min, pseudo_count):
    rows = []
    for name, (train, test) in load_real(data_dir).items():
        for n_bins in bins:
            tok = MotifTokenizer(n_bins=n_bins, p_min=p_min).fit(train)
            mse_centres, enc = scaled_mse(tok, test, False)
            mse_cond, _ = scaled_mse(tok, test, True)
            mse_train_c, _ = scaled_mse(tok, train, False)
            mse_train_cd, _ = scaled_mse(tok, train, True)
            shrunk = MotifTokenizer(n_bins=n_bins, p_min=p_min, cond_pseudo_count=pseudo_count).fit(train)
            mse_shrunk, _ = scaled_mse(shrunk, test, True)
            rows.append({
                "dataset": name,
                "M": n_bins,
                "train / held-out samples": f"{sum(map(len, train))} / {sum(map(len, test))}",
                "vocab": tok.vocab_size_,
                "delta_max": round(tok.max_quantization_error, 3),
                "compression (held-out)": round(tok.compression(enc), 2),
                "MSE centres": f"{mse_centres:.2e}",
                "MSE conditional": f"{mse_cond:.2e}",
                "quantization MSE removed (held-out)": f"{100 * (1 - mse_cond / mse_centres):.1f}%",
                "removed (train)": f"{100 * (1 - mse_train_cd / mse_train_c):.1f}%",
                f"removed (held-out, pseudo-count {pseudo_count:g})": f"{100 * (1 - mse_shrunk / mse_centres):.1f}%",
            })
            print(rows[-1], flush=True)
    return rows


def markdown_table(rows):
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*", type=float, default=[1e6, 1e7, 1e8])
    parser.add_argument("--scaling-bins", type=int, default=37)
    parser.add_argument("--scaling-p-min", type=int, default=1000)
    parser.add_argument("--bins", nargs="*", type=int, default=[22, 37, 126])
    parser.add_argument("--real-p-min", type=int, default=100)
    parser.add_argument("--pseudo-count", type=float, default=20.0, help="cond_pseudo_count of the shrunk variant")
    repo_root = Path(__file__).resolve().parents[1]
    default_data = os.environ.get("SKTIME_SYMBOLIC_DATA", str(repo_root / ".." / "shared" / "data"))
    parser.add_argument("--data", default=default_data)
    parser.add_argument("--plot", default=None, help="write a token plot of an ETTh1 window to this PNG")
    args = parser.parse_args(argv)

    if args.sizes:
        rows = scaling_rows(args.sizes, args.scaling_bins, args.scaling_p_min)
        print(markdown_table(rows))
    if args.bins:
        rows = real_rows(args.data, args.bins, args.real_p_min, args.pseudo_count)
        if rows:
            print(markdown_table(rows))
        else:
            print(f"no real data under {args.data}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        train, test = load_real(args.data)["ETTh1+ETTh2"]
        tok = MotifTokenizer(n_bins=37, p_min=args.real_p_min).fit(train)
        ax = tok.plot(test[-1][:300])
        ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")


if __name__ == "__main__":
    main()
