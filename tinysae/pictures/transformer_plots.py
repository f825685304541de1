"""Pictures of lesson 12: a head's attention pattern beside a feature.

As every ``plot_*`` here: draw into the given axes or a new pyplot figure, return the
Figure; matplotlib is imported when a function draws.
"""

from tinysae.pictures.plots import new_figure


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
