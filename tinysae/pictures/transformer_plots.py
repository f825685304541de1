"""Pictures of lesson 12: a head's attention pattern beside a feature, and feature density.

As every ``plot_*`` here: draw into the given axes or a new pyplot figure, return the
Figure; matplotlib is imported when a function draws.
"""

import numpy as np

from tinysae.pictures.plots import figure_and_axes, new_figure


def plot_attention_beside_feature(pattern, characters, feature, *, title=None, head_label="",
                                  feature_label="", figsize=(11, 5)):
    """Left: one head's attention pattern over a window (row i: what query i reads, keys
    j ≤ i); right: a feature's activation at each query position, on the same rows.

    Parameters
    ----------
    pattern : ndarray of shape (T, T)
        Softmax weights, rows sum to 1, zero above the diagonal.
    characters : sequence of T str
        The window's characters (shown on both axes).
    feature : ndarray of shape (T,)
        The feature's activation at each position of the window.
    """
    T = len(characters)
    fig = new_figure(figsize)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]}, sharey=True)
    left.imshow(pattern, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    left.set_xticks(range(T), characters, fontfamily="monospace", fontsize=8)
    left.set_yticks(range(T), characters, fontfamily="monospace", fontsize=8)
    left.set_xlabel("key (the character read)")
    left.set_ylabel("query (the position that reads)")
    left.set_title(head_label, fontsize=10)
    right.barh(range(T), feature, color="tab:orange")
    right.set_xlabel("feature activation")
    right.set_title(feature_label, fontsize=10)
    right.axvline(0, color="grey", lw=0.5)
    if title:
        fig.suptitle(title)
    return fig


def log_density(latents):
    """log10 of each latent's firing frequency (share of positions where it is > 0); −∞ for a
    latent that never fires: (n,)."""
    with np.errstate(divide="ignore"):
        return np.log10(np.mean(np.asarray(latents) > 0, axis=0))  # (n,)


def plot_feature_density(densities, *, title="Feature density", ax=None, figsize=(6, 3.5)):
    """Histograms of log10 firing frequency, one per dictionary (``{name: (n,) values}``);
    never-firing latents are counted in the legend."""
    fig, ax = figure_and_axes(ax, figsize)
    finite = [v[np.isfinite(v)] for v in densities.values()]
    low = min((v.min() for v in finite if v.size), default=-5.0)
    bins = np.linspace(np.floor(low), 0, 41)
    for (name, values), live in zip(densities.items(), finite):
        dead = int(np.sum(~np.isfinite(values)))
        ax.hist(live, bins=bins, alpha=0.6, label=f"{name} ({dead} never fire)")
    ax.set_xlabel("log10 firing frequency (share of test positions)")
    ax.set_ylabel("latents")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig
