"""Pictures: filter grids in UFLDL's ``display_network`` look, and a few thin plots.

Shapes, defined once for this module::

    k    number of filters (or patches) to show      p  patch side in pixels
    n    values per filter: p·p (grey) or p·p·3 (colour, flattened channel-last,
         i.e. ``patch.reshape(p, p, 3).reshape(-1)``, as the patches module does)

:func:`tile_filters` is the pure part (an array in [0, 1], testable); the ``plot_*``
functions draw arrays into a new :class:`matplotlib.figure.Figure` and return it. They
never call ``plt.show`` and never touch pyplot's global state, so they work headless and
in tests; saving is the caller's choice (:func:`save_figure` writes atomically).
"""

import numbers
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tinysae._io import atomic_write
from tinysae._validation import (check_bool, check_data, check_int, check_path, check_real,
                                 check_vector, fail, scaled_to_unit)

#: Grey level of the 1-pixel borders between tiles (black, as in ``display_network``).
BORDER_VALUE = 0.0


# ----------------------------------------------------------------------------- the pure part

def filter_shape(n_values, patch_shape=None):
    """The shape of one filter: ``(p, p)`` if n = p², ``(p, p, 3)`` if n = 3p².

    A number cannot be both a square and three times a square, so the guess is unique.
    An explicit ``patch_shape`` ((h, w) or (h, w, 3)) must multiply out to ``n_values``.
    """
    if patch_shape is not None:
        sides = np.atleast_1d(np.asarray(patch_shape, dtype=object))  # ints, not 2.5 or "8"
        if sides.ndim != 1 or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                                      for s in sides):
            fail("patch_shape", "a tuple of integers (h, w) or (h, w, 3)", patch_shape, TypeError)
        shape = tuple(int(s) for s in sides)
        if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] != 3) \
                or int(np.prod(shape)) != n_values or min(shape) < 1:
            fail("patch_shape", f"(h, w) or (h, w, 3) with h·w(·3) = {n_values} values "
                 "per filter", patch_shape)
        return shape
    for channels in (1, 3):
        p = int(round(np.sqrt(n_values / channels)))
        if p * p * channels == n_values:
            return (p, p) if channels == 1 else (p, p, 3)
    fail("patch_shape", f"given, because {n_values} values per filter is neither p² "
         "nor 3p²", patch_shape)


def grid_shape(k, n_cols=None):
    """(rows, cols) of a near-square grid for k tiles (UFLDL ``display_network``'s rule).

    Start from ceil(√k) columns and widen (up to 1.2·√k) while that does not fill the
    last row exactly; then take as many rows as needed.
    """
    k = check_int("k", k)
    if n_cols is None:
        n_cols = int(np.ceil(np.sqrt(k)))
        while k % n_cols and n_cols < 1.2 * np.sqrt(k):
            n_cols += 1
    n_cols = min(check_int("n_cols", n_cols), k)
    return int(np.ceil(k / n_cols)), n_cols


def scale_filters(F):
    """Per-filter contrast: each filter divided by its own max |value|, mapped to [0, 1].

    Grey filters (k, h, w) keep 0 at mid-grey 0.5 (``display_network``). Colour filters
    (k, h, w, 3) are first centred on their own mean, then scaled by one max |value| over
    all three channels, so the ratio of the channels (the hue) is kept. (UFLDL's
    ``displayColorNetwork`` scales each channel alone, which can invent colour.)
    """
    axes = tuple(range(1, F.ndim))
    if F.ndim == 4:
        F = F - F.mean(axis=axes, keepdims=True)  # (k, h, w, 3)
    peak = np.max(np.abs(F), axis=axes, keepdims=True)  # (k, 1, 1[, 1])
    peak = np.where(peak > 0, peak, 1.0)  # an all-zero filter stays mid-grey
    return 0.5 + 0.5 * F / peak  # (k, h, w[, 3]) in [0, 1]


def tile_filters(W, patch_shape=None, *, n_cols=None, border=1, subtract_mean=False):
    """Tile the rows of ``W`` into one image in the look of UFLDL's ``display_network``.

    Parameters
    ----------
    W : ndarray of shape (k, n)
        One filter per row, e.g. ``params["W1"]`` (n_h, n_v). Colour filters are
        flattened channel-last: n = p·p·3.
    patch_shape : (h, w) or (h, w, 3), optional
        The shape of one filter; guessed as (p, p) or (p, p, 3) when omitted.
    n_cols : int, optional
        Columns of the grid (default: near-square, see :func:`grid_shape`).
    border : int, default 1
        Width in pixels of the black lines around and between tiles.
    subtract_mean : bool, default False
        Subtract the mean of all of ``W`` first (``display_network`` does this; useful for
        patches that are all positive, such as UFLDL-normalised patches in [0.1, 0.9]).

    Returns
    -------
    ndarray of shape (rows·(h + border) + border, cols·(w + border) + border[, 3])
        Values in [0, 1]; in each tile 0 is mid-grey (0.5) and the filter's largest |value|
        is black or white. Unused tiles of the last row are black.
    """
    W = scaled_to_unit(check_data("W", W))  # (k, n) exact rescaling: huge values cannot overflow
    border = check_int("border", border, minimum=0)
    shape = filter_shape(W.shape[1], patch_shape)
    if check_bool("subtract_mean", subtract_mean):
        W = W - W.mean()  # (k, n)
    tiles = scale_filters(W.reshape(W.shape[0], *shape))  # (k, h, w[, 3])
    rows, cols = grid_shape(W.shape[0], n_cols)
    h, w = shape[:2]
    out = np.full((rows * (h + border) + border, cols * (w + border) + border) + shape[2:],
                  BORDER_VALUE)  # (H, W[, 3])
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        top, left = border + r * (h + border), border + c * (w + border)
        out[top:top + h, left:left + w] = tile
    return out


# ----------------------------------------------------------------------------- thin plots

def _figure_and_axes(ax, figsize):
    """A new Figure with one Axes, or the given Axes and its Figure."""
    if ax is not None:
        if not isinstance(ax, Axes):
            fail("ax", "None or a matplotlib Axes", ax, TypeError)
        return ax.figure, ax
    sizes = np.asarray(figsize, dtype=object).ravel()
    if len(sizes) != 2 or not all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                                  and 0 < v < np.inf for v in sizes):
        fail("figsize", "(width, height) in inches, both positive and finite", figsize)
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _show_tiles(ax, tiles, title):
    """Draw a tiled image in [0, 1] with square pixels and no ticks."""
    ax.imshow(tiles, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)


def plot_filter_grid(W, patch_shape=None, *, title=None, n_cols=None, ax=None, width=6.0):
    """The filters (rows of ``W``) as a grid; returns the Figure.

    A new figure is ``width`` inches wide and as tall as the grid's aspect needs; pass
    ``ax`` instead to draw into an existing Axes (e.g. grids side by side).
    """
    tiles = tile_filters(W, patch_shape, n_cols=n_cols)  # (H, W[, 3])
    width = check_real("width", width, low=0, low_open=True)
    height = width * tiles.shape[0] / tiles.shape[1] + (0.4 if title else 0.1)
    fig, ax = _figure_and_axes(ax, (width, height))
    _show_tiles(ax, tiles, title)
    return fig


def plot_patch_montage(patches, patch_shape=None, *, n_show=100, title=None, ax=None,
                       figsize=(5, 5)):
    """The first ``n_show`` patches (rows) as a grid, after subtracting their common mean.

    Each patch gets its own contrast, as in ``display_network``; pick the rows to show
    (e.g. at random with your own ``rng``) before calling.
    """
    patches = check_data("patches", patches)  # (m, n)
    n_show = check_int("n_show", n_show)
    fig, ax = _figure_and_axes(ax, figsize)
    _show_tiles(ax, tile_filters(patches[:n_show], patch_shape, subtract_mean=True), title)
    return fig


def plot_loss_curve(history, *, title="Training loss", ax=None, figsize=(5, 3.5)):
    """J against iteration, on a log scale when every value is positive.

    ``history`` is a sequence of losses, a mapping with a ``loss`` entry, or a training
    result with a ``history`` attribute (such as :class:`tinysae.training.TrainResult`).
    """
    if isinstance(history, Mapping):
        history = history.get("loss", history.get("J"))
    elif hasattr(history, "history"):
        history = history.history
    if history is None:
        fail("history", "a non-empty 1-D sequence of finite losses (or a mapping with 'loss')",
             history)
    loss = check_vector("history", history)  # (n_iterations,)
    fig, ax = _figure_and_axes(ax, figsize)
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
        target = check_real("target", target, low=0, high=1)
    fig, ax = _figure_and_axes(ax, figsize)
    ax.hist(rho_hat, bins=bins, range=(0.0, max(1e-3, float(rho_hat.max()) * 1.05)),
            color="0.4", edgecolor="white")  # white edges: neighbouring bars stay apart
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of units are whole
    if target is not None:
        ax.axvline(target, color="C3", ls="--", label=f"target ρ = {target:g}")
        ax.legend()
    ax.set_xlabel("ρ̂ (mean activation of a hidden unit)")
    ax.set_ylabel("hidden units")
    ax.set_title(title or f"ρ̂ over {rho_hat.size} hidden units")
    return fig


def save_figure(fig, path, *, dpi=150):
    """Write ``fig`` to ``path`` (format from the suffix) atomically; returns the Path."""
    if not isinstance(fig, Figure):
        fail("fig", "a matplotlib Figure", fig, TypeError)
    path = Path(check_path("path", path))
    dpi = check_real("dpi", dpi, low=0, low_open=True)
    fmt = path.suffix.lstrip(".").lower() or None
    if fmt not in fig.canvas.get_supported_filetypes():
        fail("path", "a file name with a suffix such as .png or .pdf "
             f"(one of {', '.join(sorted(fig.canvas.get_supported_filetypes()))})", str(path))
    if not path.parent.is_dir():
        fail("path", "a file in an existing folder", str(path))
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi))
