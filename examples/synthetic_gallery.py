"""Draw a grid of samples of each synthetic generator to a PNG.

Usage (from the repository root): ``PYTHONPATH=. python examples/synthetic_gallery.py OUT.png
[--length 512] [--per-row 4] [--seed 0]``
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sktime_symbolic.synthetic import CauKer, KernelSynth, S2Generator, SyntheticMixture  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="output PNG path")
    parser.add_argument("--length", type=int, default=512)
    parser.add_argument("--per-row", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    ks, ck, s2 = KernelSynth(args.length), CauKer(args.length), S2Generator(args.length)
    mix = SyntheticMixture({"kernelsynth": ks, "cauker": ck, "s2": s2}, seed=args.seed,
                           min_length=args.length // 4, mixup_prob=0.5, missing_prob=0.5)
    k = args.per_row
    rows = [
        ("KernelSynth", ks.generate(k, seed=args.seed), [ks.describe(args.seed, i) for i in range(k)]),
        ("CauKer", ck.generate(k, seed=args.seed), [f"node {i % ck.n_emit} of graph {i // ck.n_emit}" for i in range(k)]),
    ]
    s2_samples = s2.samples(k, seed=args.seed)
    rows.append(("S2", [s.series for s in s2_samples], [s.expression for s in s2_samples]))
    mixed = mix.samples(range(k))
    rows.append(("Mixture", [m["target"] for m in mixed],
                 [f"{m['generator']}, len {len(m['target'])}, {int(m['mask'].sum())} missing" for m in mixed]))

    fig, axes = plt.subplots(len(rows), k, figsize=(4 * k, 2.6 * len(rows)), squeeze=False)
    for r, (name, series, titles) in enumerate(rows):
        for c in range(k):
            ax = axes[r, c]
            ax.plot(series[c], lw=0.8)
            title = titles[c] if len(titles[c]) <= 60 else titles[c][:57] + "..."
            ax.set_title(title, fontsize=7)
            if c == 0:
                ax.set_ylabel(name)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
