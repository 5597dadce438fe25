"""Plot a series coloured by the motif tokens that cover it."""

import numpy as np


def plot_tokens(tokenizer, x, ax=None, conditional=None, cmap="tab20"):
    """Plot series ``x`` (grey) and its decoded tokens, one colour per token id.

    Parameters
    ----------
    tokenizer : fitted MotifTokenizer
    x : 1D array, the series.
    ax : matplotlib Axes or None (a new figure).
    conditional : bool or None, decoding mode (None: the tokenizer's default).
    cmap : str, matplotlib colormap of the token ids.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sktime_symbolic.bpe import MotifTokenizer, plot_tokens
    >>> x = np.sin(np.arange(400) / 8)
    >>> tok = MotifTokenizer(n_bins=22, p_min=5).fit([x])
    >>> ax = plot_tokens(tok, x)
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3))
    x = np.asarray(x, dtype=np.float64)
    enc = tokenizer.encode(x)
    values = tokenizer.decode(enc, conditional=conditional)[0]
    tokens = enc[0]
    lengths = tokenizer.motif_lengths_[tokens]
    colours = plt.get_cmap(cmap)
    ax.plot(np.arange(x.shape[0]), x, color="0.7", lw=2.5, label="series")
    start = 0
    for t, n in zip(tokens, lengths):
        if n == 0:
            continue
        # include the next point so that consecutive tokens join into one line
        stop = min(start + n + 1, values.shape[0])
        ax.plot(np.arange(start, stop), values[start:stop], color=colours(int(t) % colours.N), lw=1.2)
        ax.axvline(start, color="0.9", lw=0.5, zorder=0)
        start += n
    ax.set_title(f"{len(tokens)} tokens for {x.shape[0]} samples (compression {x.shape[0] / max(len(tokens), 1):.2f})")
    ax.set_xlabel("time")
    return ax
