"""Quickstart: symbolic representations in sktime.

    python examples/quickstart.py [--out quickstart.png]

1. ABBA on one series (sktime's airline data): symbols, reconstruction, a plot.
2. JABBA on a panel (sktime's GunPoint): one codebook for all series, re-used on the test split.
3. The sktime transformers inside a pipeline and under the joblib parallel backend.
"""

import argparse

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sktime.datasets import load_airline, load_gunpoint  # noqa: E402

from sktime_symbolic.abba import ABBA, JABBA, plot_abba  # noqa: E402
from sktime_symbolic.transformations import ABBATransformer, JABBATransformer  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="quickstart.png", help="where to save the figure")
    args = parser.parse_args()

    # 1. one series, its own codebook
    y = load_airline().to_numpy(dtype=float)
    abba = ABBA(tol=0.05, alpha=0.2)
    rep = abba.fit_transform(y)
    recon = abba.inverse_transform(rep)
    print(f"airline: {len(y)} points -> {len(rep.codes)} symbols over an alphabet of {abba.n_symbols_}")
    print("  symbols:", abba.to_strings(rep)[0])
    print(f"  reconstruction RMSE {np.sqrt(np.mean((recon - y) ** 2)):.2f} (series std {y.std():.2f})")

    # 2. a panel with one shared codebook
    X_train, _ = load_gunpoint(split="train", return_type="numpy3D")
    X_test, _ = load_gunpoint(split="test", return_type="numpy3D")
    jabba = JABBA(tol=0.05, alpha=0.1)
    train_rep = jabba.fit_transform(X_train)
    test_rep = jabba.transform(X_test)
    test_mse = np.mean((jabba.inverse_transform(test_rep) - X_test) ** 2)
    print(f"GunPoint: {jabba.n_symbols_} shared symbols; {len(train_rep.codes) / train_rep.n_series:.1f} per series;"
          f" test reconstruction MSE {test_mse:.4f}")
    print("  first test series:", jabba.to_strings(test_rep)[0])

    # 3. sktime: transformers in a pipeline, parallel over instances
    from sklearn.preprocessing import StandardScaler
    from sktime.transformations.series.adapt import TabularToSeriesAdaptor

    pipe = TabularToSeriesAdaptor(StandardScaler()) * ABBATransformer(tol=0.05, alpha=0.2, normalize=False)
    Xt = pipe.fit_transform(load_airline())
    print(f"pipeline output: {len(Xt)} rows, columns {list(Xt.columns)}")
    X_panel, _ = load_gunpoint(split="train", return_type="pd-multiindex")
    per_series = ABBATransformer(tol=0.05, alpha=0.2).set_config(
        **{"backend:parallel": "loky", "backend:parallel:params": {"n_jobs": 2}}
    )
    print(f"ABBATransformer on {X_panel.index.get_level_values(0).nunique()} series in parallel:"
          f" {len(per_series.fit_transform(X_panel))} symbols")
    shared = JABBATransformer(tol=0.05, alpha=0.1).fit(X_panel)
    print(f"JABBATransformer: {shared.model_.n_symbols_} symbols shared across the panel")

    fig, axes = plt.subplots(2, 1, figsize=(11, 6.5))
    plot_abba(y, abba, ax=axes[0])
    axes[0].set_title("airline: series, ABBA polygonal chain and symbolic reconstruction")
    plot_abba(X_test[0, 0], jabba, ax=axes[1], show_symbols=False)
    axes[1].set_title("GunPoint test series 0 with the codebook learned on the training split")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"figure saved to {args.out}")


if __name__ == "__main__":
    main()
