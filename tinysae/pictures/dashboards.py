"""Feature dashboards as one picture: top contexts shaded by activation, histogram, promoted characters.

Each row of the figure is one :class:`tinysae.networks.dashboards.Dashboard`, and takes
from it all it draws (its ``current`` column included):

- left, the top-activating contexts, one per line, in a fixed-width font: every character's
  cell is shaded by the unit's activation there (white 0, dark orange its largest value),
  the current character (the position the unit fired at) is boxed, and the characters
  after it, which the model had not read yet, are grey; below a line, the random-interval
  contexts (one drawn from each part of the activation range, labelled with it);
- middle, the histogram of the unit's positive activations over many positions (log count),
  with the share of positions where it is positive;
- right, the next characters its direction promotes (orange) and suppresses (blue) most.

A newline shows as ⏎; a space is an empty cell (still shaded, so indentation stays visible).
"""

import numpy as np

#: Points per character of the context text.
FONT_SIZE = 9.5


def _draw_contexts(ax, board):
    """The contexts, one per line, each character's cell shaded by the unit's activation."""
    from matplotlib.patches import Rectangle

    values = np.clip(board.context_values, 0, None)  # (n, W)
    peak = values.max() if values.size and values.max() > 0 else 1.0
    current = board.current  # the column of the character the unit fired at
    n, W = values.shape if values.size else (1, 2 * current)
    ax.imshow(values / peak, cmap="Oranges", vmin=0, vmax=1.25, aspect="auto",
              interpolation="nearest", extent=(-0.5, W - 0.5, n - 0.5, -0.5))
    for row, text in enumerate(board.contexts):
        for col, c in enumerate(text):
            if c != " ":  # a space is its shaded cell alone
                ax.text(col, row, c, ha="center", va="center", family="DejaVu Sans Mono",
                        fontsize=FONT_SIZE, color="0.55" if col > current else "black")
        ax.add_patch(Rectangle((current - 0.5, row - 0.5), 1, 1, fill=False, lw=1.0,
                               ec="black"))
    ax.set_xlim(-0.5, W - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xticks([])
    kinds = board.kinds or ["top"] * n
    n_top = kinds.count("top")
    if 0 < n_top < n:
        ax.axhline(n_top - 0.5, color="black", lw=1.0)
    ax.set_yticks(range(n), [f"{v:.2f}" if kind == "top" else f"{v:.2f} (random, {kind})"
                             for v, kind in zip(board.context_values[:, current], kinds)]
                  if values.size else [""], fontsize=6)
    ax.tick_params(length=0)
    ax.set_title(board.title, loc="left", fontsize=8.5)


def _draw_histogram(ax, board):
    from matplotlib.ticker import NullFormatter

    active = board.values[board.values > 0]
    if active.size:
        ax.hist(active, bins=30, color="tab:orange", log=True)
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_title(f"> 0 on {np.mean(board.values > 0):.1%}", fontsize=7.5)
    ax.tick_params(labelsize=6)


def _draw_effect(ax, board):
    if not board.promoted:
        ax.axis("off")
        ax.text(0.0, 0.5, board.no_effect or "no direct logit effect", fontsize=7, va="center",
                wrap=True)
        return
    pairs = board.promoted[:5] + board.suppressed[:5][::-1]
    y = np.arange(len(pairs))
    ax.barh(y, [v for _, v in pairs], color=["tab:orange"] * 5 + ["tab:blue"] * 5)
    ax.set_yticks(y, [repr(c)[1:-1] if c not in "⏎␣" else c for c, _ in pairs],
                  family="DejaVu Sans Mono", fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="0.5", lw=0.5)
    ax.set_title("next-character logits", fontsize=7.5)
    ax.tick_params(axis="x", labelsize=6)


def plot_dashboards(dashboards, *, title=None, row_height=2.0, width=14.0):
    """One row per dashboard (see the module docstring), in a new pyplot figure; returns it.

    Parameters
    ----------
    dashboards : list of Dashboard
    title : str, optional
        The figure's title.
    row_height, width : float
        Inches per dashboard row, and the figure's width.
    """
    import matplotlib.pyplot as plt

    height = row_height * len(dashboards) + (0.75 if title else 0.35)
    fig = plt.figure(figsize=(width, height))  # fixed margins: a layout engine draws twice
    labelled = any(board.kinds and set(board.kinds) != {"top"} for board in dashboards)
    grid = fig.add_gridspec(len(dashboards), 3, width_ratios=(7.0, 1.2, 1.2),
                            left=(1.35 if labelled else 0.4) / width, right=1 - 0.15 / width,
                            bottom=0.3 / height, top=1 - (0.7 if title else 0.3) / height,
                            wspace=0.12,
                            hspace=0.45)
    for row, board in enumerate(dashboards):
        _draw_contexts(fig.add_subplot(grid[row, 0]), board)
        _draw_histogram(fig.add_subplot(grid[row, 1]), board)
        _draw_effect(fig.add_subplot(grid[row, 2]), board)
    if title:
        fig.suptitle(title, fontsize=10, y=1 - 0.12 / height, va="top")
    return fig
