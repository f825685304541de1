"""Filter grids in the look of UFLDL's ``display_network``: each filter a tile, 0 at mid-grey.

Shapes, defined once for this module::

    k    number of filters (or patches) to show      p  patch side in pixels
    n    values per filter: p·p (grey) or p·p·3 (colour, flattened channel-last,
         i.e. ``patch.reshape(p, p, 3).reshape(-1)``, as :mod:`tinysae.data.patches` does)

:func:`tile_filters` is the pure part (an array in [0, 1], testable); :func:`plot_filter_grid`
draws it, optionally with a label on each tile and dead units faded
(:mod:`tinysae.pictures.plots` has the other plots).
"""

import numpy as np

from tinysae.validation.checks import (
    check_bool,
    check_data,
    check_int,
    check_real,
    fail,
    scaled_to_unit,
)
from tinysae.data.patches import filter_shape
from tinysae.pictures.plots import figure_and_axes, show_tiles

#: Grey level of the 1-pixel borders between tiles (black, as in ``display_network``).
BORDER_VALUE = 0.0

#: Contrast left to a faded tile (a dead unit): its values are pulled to mid-grey by this factor.
FADED_CONTRAST = 0.2


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


def tile_corner(i, n_cols, tile_shape, border=1):
    """(top, left) pixel of tile ``i`` of a grid (row-major) of ``n_cols`` columns."""
    r, c = divmod(i, n_cols)
    h, w = tile_shape[:2]
    return border + r * (h + border), border + c * (w + border)


def bool_mask(name, mask, k):
    """A boolean mask of the k tiles (None: none), e.g. the dead units."""
    if mask is None:
        return np.zeros(k, dtype=bool)
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.shape != (k,):
        fail(name, f"None or a boolean array of shape ({k},), one entry per filter", mask)
    return mask


def tile_filters(W, patch_shape=None, *, n_cols=None, border=1, subtract_mean=False,
                 faded=None):
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
    faded : ndarray of bool, shape (k,), optional
        Tiles to draw at ``FADED_CONTRAST`` of their contrast, e.g. dead units
        (``tinysae.activation_stats(...).dead``): still visible, plainly set apart.

    Returns
    -------
    ndarray of shape (rows·(h + border) + border, cols·(w + border) + border[, 3])
        Values in [0, 1]; in each tile 0 is mid-grey (0.5) and the filter's largest |value|
        is black or white. Unused tiles of the last row are black.
    """
    W = scaled_to_unit(check_data("W", W))  # (k, n) exact rescaling: huge values cannot overflow
    border = check_int("border", border, minimum=0)
    shape = filter_shape(W.shape[1], patch_shape)
    faded = bool_mask("faded", faded, W.shape[0])  # (k,)
    if check_bool("subtract_mean", subtract_mean):
        W = W - W.mean()  # (k, n)
    tiles = scale_filters(W.reshape(W.shape[0], *shape))  # (k, h, w[, 3])
    tiles[faded] = 0.5 + FADED_CONTRAST * (tiles[faded] - 0.5)  # (k, h, w[, 3])
    rows, cols = grid_shape(W.shape[0], n_cols)
    h, w = shape[:2]
    out = np.full((rows * (h + border) + border, cols * (w + border) + border) + shape[2:],
                  BORDER_VALUE)  # (H, W[, 3])
    for i, tile in enumerate(tiles):
        top, left = tile_corner(i, cols, shape, border)
        out[top:top + h, left:left + w] = tile
    return out


def plot_filter_grid(W, patch_shape=None, *, title=None, n_cols=None, ax=None, width=6.0,
                     labels=None, dead=None):
    """The filters (rows of ``W``) as a grid; returns the Figure.

    A new figure is ``width`` inches wide and as tall as the grid's aspect needs; pass
    ``ax`` instead to draw into an existing Axes (e.g. grids side by side). For the decoder's
    filters pass ``params["W2"].T``; to sort, pass ``W[order]`` (and the labels and mask in
    the same order, see :func:`tinysae.pictures.model_pictures.unit_order`).

    Parameters
    ----------
    labels : sequence of k str, optional
        A short text in the corner of each tile (e.g. its edge score).
    dead : ndarray of bool, shape (k,), optional
        Units drawn faded (see :func:`tile_filters`'s ``faded``).
    """
    W = check_data("W", W)  # (k, n)
    shape = filter_shape(W.shape[1], patch_shape)
    tiles = tile_filters(W, shape, n_cols=n_cols, faded=dead)  # (H, W[, 3])
    width = check_real("width", width, 0, None, "right")
    title_lines = title.count("\n") + 1 if title else 0
    height = width * tiles.shape[0] / tiles.shape[1] + 0.1 + 0.3 * title_lines
    fig, ax = figure_and_axes(ax, (width, height))
    show_tiles(ax, tiles, title)
    if labels is not None:
        label_tiles(ax, labels, W.shape[0], shape, grid_shape(W.shape[0], n_cols)[1])
    return fig


def label_tiles(ax, labels, k, tile_shape, n_cols):
    """Write ``labels[i]`` in the top-left corner of tile i, sized to the tiles on screen."""
    if isinstance(labels, str) or len(labels) != k:
        fail("labels", f"a sequence of {k} strings, one per filter", labels)
    fig = ax.figure
    tile_inches = ax.get_position().width * fig.get_figwidth() / n_cols
    fontsize = float(np.clip(12 * tile_inches, 4, 9))
    for i, text in enumerate(labels):
        top, left = tile_corner(i, n_cols, tile_shape)
        ax.text(left - 0.5, top - 0.5, str(text), fontsize=fontsize, color="yellow",
                ha="left", va="top", bbox=dict(facecolor="black", alpha=0.6, pad=0.5, lw=0))


def plot_patch_montage(patches, patch_shape=None, *, n_show=100, title=None, ax=None,
                       figsize=(5, 5)):
    """The first ``n_show`` patches (rows) as a grid, after subtracting their common mean.

    Each patch gets its own contrast, as in ``display_network``; pick the rows to show
    (e.g. at random with your own ``rng``) before calling.
    """
    patches = check_data("patches", patches)  # (m, n)
    n_show = check_int("n_show", n_show)
    fig, ax = figure_and_axes(ax, figsize)
    show_tiles(ax, tile_filters(patches[:n_show], patch_shape, subtract_mean=True), title)
    return fig
