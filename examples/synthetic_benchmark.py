"""Throughput of the synthetic generators and summary statistics versus real series.

Usage (from the repository root)::

    PYTHONPATH=. python examples/synthetic_benchmark.py [--n 2000] [--n-stats 500]
        [--data ../shared/data]

Prints markdown tables: series per second at length 1024 for each generator (after a
warm-up that builds the cached kernel factors) and the 5 / 50 / 95 % quantiles of spectral
entropy, trend strength and lag-1 autocorrelation for each generator and each real data
set.  Real series are cut into windows of at most 1024 points (M4: the last 1024 values of
each training series; ETT and exchange rate: consecutive non-overlapping windows).  The
real data is read with small local pandas code so the script does not depend on the
project's data loaders.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sktime_symbolic.synthetic import (CauKer, KernelSynth, S2Generator, SyntheticMixture,
                                       lag1_autocorrelation, spectral_entropy, trend_strength)

LENGTH = 1024
STATS = {"spectral entropy": spectral_entropy, "trend strength": trend_strength,
         "lag-1 autocorrelation": lag1_autocorrelation}


def _windows(values: np.ndarray, min_len: int = 64):
    values = values[np.isfinite(values)]
    if len(values) < min_len:
        return []
    if len(values) <= LENGTH:
        return [values]
    return [values[s:s + LENGTH] for s in range(0, len(values) - LENGTH + 1, LENGTH)]


def load_real(data_dir: Path) -> dict:
    """Real series windows per source (skips sources whose files are absent)."""
    sources = {}
    for name, file in (("M4 hourly", "m4/Hourly-train.csv"), ("M4 weekly", "m4/Weekly-train.csv")):
        path = data_dir / file
        if path.is_file():
            frame = pd.read_csv(path, index_col=0)
            sources[name] = [row[np.isfinite(row)][-LENGTH:] for row in frame.to_numpy(float)]
    ett = [data_dir / "ett" / f for f in ("ETTh1.csv", "ETTh2.csv")]
    if all(p.is_file() for p in ett):
        cols = [c for p in ett for _, c in pd.read_csv(p).drop(columns="date").items()]
        sources["ETTh"] = [w for c in cols for w in _windows(c.to_numpy(float))]
    path = data_dir / "exchange_rate" / "exchange_rate.txt.gz"
    if path.is_file():
        frame = pd.read_csv(path, header=None)
        sources["exchange rate"] = [w for _, c in frame.items() for w in _windows(c.to_numpy(float))]
    return sources


def throughput(gen, n: int) -> float:
    gen.generate(min(n, 200), seed=123)  # warm-up: factor caches
    start = time.perf_counter()
    gen.generate(n, seed=0)
    return n / (time.perf_counter() - start)


def quantile_rows(name: str, series) -> list:
    rows = []
    series = [s for s in series if len(s) >= 8 and np.std(s) > 0]
    for stat, fn in STATS.items():
        vals = np.array([fn(s) for s in series])
        q = np.quantile(vals, [0.05, 0.5, 0.95])
        rows.append(f"| {name} | {len(series)} | {stat} | {q[0]:.3f} | {q[1]:.3f} | {q[2]:.3f} |")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description="synthetic generator benchmark")
    parser.add_argument("--n", type=int, default=2000, help="series timed per generator")
    parser.add_argument("--n-stats", type=int, default=500, help="synthetic series per generator for statistics")
    parser.add_argument("--data", default=os.environ.get("SKTIME_SYMBOLIC_DATA", "../shared/data"))
    args = parser.parse_args(argv)

    gens = {"KernelSynth": KernelSynth(LENGTH), "CauKer": CauKer(LENGTH), "S2": S2Generator(LENGTH)}
    print("| generator | series/s (length 1024) |\n|---|---|")
    for name, gen in gens.items():
        n = args.n if name != "S2" else max(1, args.n // 2)
        print(f"| {name} | {throughput(gen, n):.0f} |", flush=True)
    mix = SyntheticMixture({k.lower(): g for k, g in gens.items()}, seed=0, min_length=128,
                           mixup_prob=0.3, missing_prob=0.1)
    start = time.perf_counter()
    n_mix = max(1, args.n // 2)
    for _ in mix.iter(0, n_mix, chunk_size=128):
        pass
    print(f"| mixture (equal weights, lengths 128-1024, mixup 0.3, missing 0.1) | "
          f"{n_mix / (time.perf_counter() - start):.0f} |\n", flush=True)

    print("| source | series | statistic | q05 | q50 | q95 |\n|---|---|---|---|---|---|")
    for name, gen in gens.items():
        for row in quantile_rows(name, list(gen.generate(args.n_stats, seed=1))):
            print(row)
    data_dir = Path(args.data)
    real = load_real(data_dir)
    if not real:
        print(f"(no real data found under {data_dir})")
    for name, series in real.items():
        for row in quantile_rows(name, series):
            print(row)


if __name__ == "__main__":
    main()
