"""Random image patches as training rows, and UFLDL's patch normalisation.

Shapes, defined once for this module::

    n      number of patches (rows)        p   patch side in pixels
    H, W   image height and width          C   colour channels (3)

A grayscale patch becomes a row of ``p·p`` values, ``patch.reshape(-1)`` of its ``(p, p)``
array (row-major); a colour patch a row of ``p·p·3``, ``patch.reshape(-1)`` of its
``(p, p, 3)`` array (channel-last: R, G, B of pixel (0, 0), then of pixel (0, 1), ...).
:func:`filter_shape` reads the layout back from a row's length; ``tinysae.pictures.filter_grid``
relies on it to draw rows back as pictures, ``tinysae.measures.edge_score`` to measure them.
"""

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinysae.validation.checks import (
    as_array,
    check_bool,
    check_data,
    fail,
    has_real_dtype,
    scaled_to_unit,
)
from tinysae.validation.validated import validated

#: UFLDL clips patch values at ± this many standard deviations of all values.
CLIP_STDS = 3.0
#: ... and rescales them into [NORMALIZED_LOW, NORMALIZED_HIGH] (inside the sigmoid's range).
NORMALIZED_LOW, NORMALIZED_HIGH = 0.1, 0.9


def _check_images(images, patch_size):
    """A list of same-kind images (all ``(H, W)`` or all ``(H, W, 3)``), each ≥ the patch."""
    if isinstance(images, np.ndarray) and (images.ndim == 2
                                           or (images.ndim == 3 and images.shape[2] == 3)):
        images = [images]
    if isinstance(images, np.ndarray) or not isinstance(images, (list, tuple)) or not images:
        fail("images", "a non-empty list of (H, W) or (H, W, 3) arrays", images, TypeError)
    checked = []
    for k, image in enumerate(images):
        name = f"images[{k}]"
        array = as_array(name, image)
        if not has_real_dtype(array):
            fail(name, "an array of real numbers", array, TypeError)
        if array.ndim != 2 and not (array.ndim == 3 and array.shape[2] == 3):
            fail(name, "an image of shape (H, W) or (H, W, 3)", array)
        if array.ndim != np.ndim(checked[0] if checked else array):
            fail(name, "the same kind as images[0] (all grayscale or all colour)", array)
        if array.shape[0] < patch_size or array.shape[1] < patch_size:
            raise ValueError(f"The 'patch_size' parameter must be at most the height and width "
                             f"of every image. Got patch_size={patch_size} for {name} of shape "
                             f"{array.shape} instead.")
        if not np.all(np.isfinite(array)):
            fail(name, "finite (no NaN or inf)", array)
        checked.append(array)
    return checked


@validated
def sample_patches(images, n_patches=10000, patch_size=8, rng=None, normalize=True):
    """Draw ``n_patches`` square patches uniformly from all valid positions of all images.

    A position is valid when the whole ``p × p`` patch lies inside the image: rows
    ``0 … H − p`` and columns ``0 … W − p`` (the last row and column included), so image k
    has ``(H_k − p + 1)(W_k − p + 1)`` of them. Every valid (image, row, column) of every
    image is equally likely: this is the same as choosing an image with probability
    proportional to its number of valid positions, then a position uniformly inside it.
    Draws are independent (with replacement), as in UFLDL's ``sampleIMAGES``.

    Parameters
    ----------
    images : list of ndarray of shape (H, W) or (H, W, 3)
        All grayscale or all colour; sizes may differ; each at least ``p × p``.
        A single array is taken as one image.
    n_patches : int
        n ≥ 1 (UFLDL: 10000).
    patch_size : int
        p ≥ 1 (UFLDL: 8).
    rng : numpy.random.Generator, int or None
        The source of randomness; the same seed gives the same patches.
    normalize : bool
        Apply :func:`normalize_patches` (for the sigmoid decoder; use False before ZCA).

    Returns
    -------
    ndarray of shape (n, p·p) or (n, p·p·3), float64
        One patch per row, laid out as the module docstring says.
    """
    p, rng = patch_size, np.random.default_rng(rng)
    normalize = check_bool("normalize", normalize)
    images = _check_images(images, p)
    n_rows = np.array([a.shape[0] - p + 1 for a in images])  # (K,)  valid top rows per image
    n_cols = np.array([a.shape[1] - p + 1 for a in images])  # (K,)  valid left columns
    ends = np.cumsum(n_rows * n_cols)  # (K,)  positions of images 0..k, counted together
    draw = rng.integers(0, ends[-1], size=n_patches)  # (n,)  one global position index each
    which = np.searchsorted(ends, draw, side="right")  # (n,)  the image it falls in
    local = draw - (ends[which] - n_rows[which] * n_cols[which])  # (n,)  index inside image
    top, left = local // n_cols[which], local % n_cols[which]  # (n,), (n,)
    channels = images[0].shape[2:]  # () or (3,)
    patches = np.empty((n_patches, p, p) + channels)  # (n, p, p) or (n, p, p, 3)
    for k, image in enumerate(images):
        mine = np.flatnonzero(which == k)  # (n_k,)
        windows = sliding_window_view(image, (p, p), axis=(0, 1))  # (H-p+1, W-p+1, [3,] p, p)
        chosen = windows[top[mine], left[mine]]  # (n_k, [3,] p, p)
        patches[mine] = np.moveaxis(chosen, 1, -1) if channels else chosen  # (n_k, p, p[, 3])
    patches = patches.reshape(n_patches, -1)  # (n, p·p[·3])
    return normalize_patches(patches) if normalize else patches


def normalize_patches(patches):
    """UFLDL's normalisation for a sigmoid decoder (``sampleIMAGES.m``, ``normalizeData``).

    1. remove each patch's own mean (its DC level): ``x ← x − mean(x)``;
    2. clip to ``± 3σ``, σ the standard deviation of all values after step 1 (n − 1 in
       the denominator, as MATLAB's ``std``);
    3. map ``[−3σ, 3σ]`` linearly onto ``[0.1, 0.9]``: ``x ← (x / 3σ + 1) · 0.4 + 0.1``.

    If every patch is flat (σ = 0) all values become 0.5.

    Parameters
    ----------
    patches : ndarray of shape (n, d)

    Returns
    -------
    ndarray of shape (n, d), float64 in [0.1, 0.9]
    """
    X = scaled_to_unit(check_data("patches", patches))  # (n, d) exact rescaling, same result
    X = X - X.mean(axis=1, keepdims=True)  # (n, d)  each patch's mean removed
    limit = CLIP_STDS * X.std(ddof=1) if X.size > 1 else 0.0  # scalar, 3σ
    if limit <= 0.0:
        return np.full_like(X, (NORMALIZED_LOW + NORMALIZED_HIGH) / 2)  # (n, d)
    X = np.clip(X, -limit, limit) / limit  # (n, d) in [-1, 1]
    half_range = (NORMALIZED_HIGH - NORMALIZED_LOW) / 2  # 0.4
    return (X + 1) * half_range + NORMALIZED_LOW  # (n, d) in [0.1, 0.9]


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
