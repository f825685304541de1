"""Plots that draw arrays: the loss curve, the ρ̂ histogram, timings; figure helpers; saving.

Every ``plot_*`` function in :mod:`tinysae.pictures` follows matplotlib's conventions: it
draws into the ``ax=`` given, or else into a new pyplot figure (so the figure shows inline
in Jupyter and with ``plt.show()`` in a REPL), and returns the Figure. Saving is the
caller's choice (:func:`save_figure` writes atomically; ``close=True`` then releases the
figure, as a script that draws many should). matplotlib is imported by the functions that
draw, when they are called: ``import tinysae`` and the math work where only numpy and
scipy are.
"""

import numbers
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from tinysae.runtime.atomic_write import atomic_write
from tinysae.validation.checks import check_int, check_path, check_real, check_vector, fail
from tinysae.validation.constraints import check


def new_figure(figsize):
    """A new pyplot Figure (constrained layout) of ``figsize`` = (width, height) inches."""
    sizes = np.asarray(figsize, dtype=object).ravel()
    if len(sizes) != 2 or not all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                                  and 0 < v < np.inf for v in sizes):
        fail("figsize", "(width, height) in inches, both positive and finite", figsize)
    import matplotlib.pyplot as plt

    return plt.figure(figsize=tuple(float(v) for v in sizes), layout="constrained")


def figure_and_axes(ax, figsize):
    """The given Axes and its Figure, or a new pyplot Figure of ``figsize`` with one Axes."""
    from matplotlib.axes import Axes

    if ax is not None:
        if not isinstance(ax, Axes):
            fail("ax", "None or a matplotlib Axes", ax, TypeError)
        return ax.figure, ax
    fig = new_figure(figsize)
    return fig, fig.add_subplot()


def show_tiles(ax, tiles, title):
    """Draw a tiled image in [0, 1] with square pixels and no ticks."""
    ax.imshow(tiles, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)


def plot_loss_curve(history, *, title="Training loss", ax=None, figsize=(5, 3.5)):
    """J against iteration, on a log scale when every value is positive.

    ``history`` is a sequence of losses, a mapping with a ``loss`` entry, or a training
    result with a ``history`` attribute (such as :class:`tinysae.training.progress.TrainResult`).
    """
    if hasattr(history, "history"):
        history = history.history
    if isinstance(history, Mapping):
        history = history.get("loss", history.get("J"))
    if history is None:
        fail("history", "a non-empty 1-D sequence of finite losses (or a mapping with 'loss')",
             history)
    loss = check_vector("history", history)  # (n_iterations,)
    fig, ax = figure_and_axes(ax, figsize)
    ax.plot(np.arange(loss.size), loss, lw=1.5)
    if np.all(loss > 0):
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("J")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return fig


def plot_rho_hat_histogram(rho_hat, target=None, *, bins=30, title=None, ax=None,
                           figsize=(5, 3.5)):
    """Histogram of the mean hidden activations ρ̂_j, with the target ρ as a dashed line."""
    rho_hat = check_vector("rho_hat", rho_hat)  # (n_h,)
    bins = check_int("bins", bins)
    if target is not None:
        target = check("sparsity_target", target, label="target")
    fig, ax = figure_and_axes(ax, figsize)
    ax.hist(rho_hat, bins=bins, range=(0.0, max(1e-3, float(rho_hat.max()) * 1.05)),
            color="0.4", edgecolor="white")  # white edges: neighbouring bars stay apart
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of units are whole
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))  # long tick labels must not collide
    if target is not None:
        ax.axvline(target, color="C3", ls="--", label=f"target ρ = {target:g}")
        ax.legend()
    ax.set_xlabel("ρ̂ (mean activation of a hidden unit)")
    ax.set_ylabel("hidden units")
    ax.set_title(title or f"ρ̂ over {rho_hat.size} hidden units")
    return fig


def plot_timings(milliseconds, *, title=None, ax=None, figsize=(7, 3.5)):
    """Horizontal bars of milliseconds per call on a log scale, each labelled with its time.

    ``milliseconds`` maps a name to a time, drawn top to bottom in the mapping's order.
    """
    if not isinstance(milliseconds, Mapping) or not milliseconds:
        fail("milliseconds", "a non-empty mapping of names to times in ms", milliseconds,
             TypeError)
    names = list(milliseconds)
    ms = check_vector("milliseconds", [milliseconds[n] for n in names])  # (k,)
    fig, ax = figure_and_axes(ax, figsize)
    ax.barh(names, ms, color=[f"C{i}" for i in range(len(names))])
    ax.set_xscale("log")
    ax.tick_params(axis="x", which="minor", labelbottom=False)
    ax.set_xlim(ms.min() / 4, ms.max() * 4)  # bars start well left of the shortest one
    for i, t in enumerate(ms):
        ax.text(t * 1.1, i, f"{t:.1f} ms", va="center")
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds per call (log scale)")
    if title:
        ax.set_title(title)
    return fig


def check_figure_budget(fig, dpi):
    """Refuse, before drawing, a figure of more pixels than
    :data:`~tinysae.runtime.budgets.MAX_FIGURE_PIXELS` (drawing one costs tens of bytes a
    pixel: a filter grid of 64 × 1 filters is 180 inches tall)."""
    from tinysae.runtime import budgets

    width, height = fig.get_size_inches()
    pixels = int(width * dpi) * int(height * dpi)
    if pixels > budgets.MAX_FIGURE_PIXELS:
        raise ValueError(f"The figure would be {width:.3g} x {height:.3g} inches, {pixels:,} "
                         f"pixels at {dpi:g} dpi, "
                         + budgets.over("MAX_FIGURE_PIXELS", pixels, "pixels")
                         + "; a filter shape closer to square makes a smaller grid.")


def save_figure(fig, path, *, dpi=150, close=False):
    """Write ``fig`` to ``path`` (format from the suffix) atomically; returns the Path.

    ``close=True`` closes the figure afterwards (pyplot keeps every figure it made open).
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        fail("fig", "a matplotlib Figure", fig, TypeError)
    path = Path(check_path("path", path))
    dpi = check_real("dpi", dpi, 0, None, "right")
    fmt = path.suffix.lstrip(".").lower() or None
    if fmt not in fig.canvas.get_supported_filetypes():
        fail("path", "a file name with a suffix such as .png or .pdf "
             f"(one of {', '.join(sorted(fig.canvas.get_supported_filetypes()))})", str(path))
    if not path.parent.is_dir():
        fail("path", "a file in an existing folder", str(path))
    check_figure_budget(fig, dpi)
    written = atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi))
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return written
