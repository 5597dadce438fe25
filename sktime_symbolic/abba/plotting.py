"""Plot a series, its polygonal chain and its symbolic reconstruction."""

import numpy as np


def plot_abba(series, model=None, ax=None, show_symbols=True):
    """Draw ``series``, its ABBA polygonal chain and the reconstruction from symbols.

    Parameters
    ----------
    series : 1D array-like
    model : fitted :class:`~sktime_symbolic.abba.JABBA` / ``ABBA`` or None
        The codebook to use; None fits an ``ABBA()`` on ``series``.
    ax : matplotlib Axes or None
    show_symbols : bool, write each piece's symbol above the chain

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from sktime_symbolic.abba.jabba import ABBA, compress

    x = np.asarray(series, dtype=np.float64)
    if model is None:
        model = ABBA().fit(x)
    rep = model.transform(x)
    recon = model.inverse_transform(rep)
    z = (x - rep.loc[0]) / rep.scale[0]
    pieces = compress(z, tol=model.tol, max_len=model.max_len, fixed_point=model.fixed_point)
    ends = np.concatenate(([0], np.cumsum(pieces.lengths)))
    node_z = pieces.values if model.fixed_point else z[0] + np.cumsum(pieces.values)
    nodes = np.concatenate(([z[0]], node_z)) * rep.scale[0] + rep.loc[0]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5))
    ax.plot(x, color="0.6", lw=1, label="series")
    ax.plot(ends, nodes, color="tab:blue", lw=1.2, marker="o", ms=2.5, label="polygonal chain")
    ax.plot(recon, color="tab:red", lw=1.2, ls="--", label=f"reconstruction ({model.n_symbols_} symbols)")
    if show_symbols and len(ends) <= 80:
        for j, s in enumerate(model.to_strings(rep, join=False)[0]):
            ax.annotate(s, ((ends[j] + ends[j + 1]) / 2, (nodes[j] + nodes[j + 1]) / 2),
                        textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.legend(loc="best", fontsize=8)
    ax.set_xlabel("time index")
    return ax
