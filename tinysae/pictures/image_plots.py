"""Pictures of the data (lessons 03 and 07): whitening, power spectra, patches, PCA.

A photo before and after whitening, the power spectra, patches side by side, and the
variance PCA keeps.

Shapes, defined once for this module::

    H, W  a photo      N  a whitened (square) photo      m  patches      n  values per patch
    d     principal components

As elsewhere in :mod:`tinysae.pictures`: a one-panel plot takes ``ax=`` and returns the
Figure; a plot of several panels makes its own pyplot figure and returns it.
"""

import numpy as np

from tinysae.validation.checks import check_vector
from tinysae.validation.constraints import check
from tinysae.data.whitening import ROLLOFF_FRACTION, WHITENED_VARIANCE, whitening_filter
from tinysae.pictures.filter_grid import plot_patch_montage
from tinysae.pictures.plots import figure_and_axes, new_figure


def plot_whitening(photo, whitened, *, figsize=(9, 4.8)):
    """The photo (H, W) in [0, 1] beside its whitened version (N, N), drawn at ±3σ of the
    whitened pixels with 0 at mid-grey. Returns the new Figure."""
    fig = new_figure(figsize)
    left, right = fig.subplots(1, 2)
    left.imshow(photo, cmap="gray", vmin=0, vmax=1)
    left.set_title(f"photo {photo.shape[0]}×{photo.shape[1]}")
    limit = 3 * np.sqrt(WHITENED_VARIANCE)  # ±3σ of the whitened pixels
    right.imshow(whitened, cmap="gray", vmin=-limit, vmax=limit)
    right.set_title(f"whitened {whitened.shape[0]}×{whitened.shape[1]} (mid-grey = 0)")
    for ax in (left, right):
        ax.set_axis_off()
    return fig


def plot_power_spectra(f, power_photo, power_white, slopes, *, figsize=(10, 4)):
    """Left: the radially averaged power spectra of the photo and of the whitened photo
    (each relative to its value at the lowest frequency) on log-log axes, with 1/f² for
    reference; right: the whitening filter R(f) = f·exp(−(f/f0)⁴). ``f`` in cycles per
    picture (N // 2,), as :func:`tinysae.radial_power_spectrum` returns it; ``slopes`` the
    two fitted log-log slopes. Returns the new Figure."""
    f = check_vector("f", f)  # (N // 2,)
    N = 2 * f.size
    f0 = ROLLOFF_FRACTION * N
    fig = new_figure(figsize)
    left, right = fig.subplots(1, 2)
    left.loglog(f, power_photo / power_photo[0], label=f"photo (slope {slopes[0]:.1f})")
    left.loglog(f, power_white / power_white[0], label=f"whitened (slope {slopes[1]:.1f})")
    left.loglog(f, (f / f[0]) ** -2.0, "k:", lw=1, label="1/f² for reference")
    left.axvline(f0, color="0.5", ls="--", lw=1, label=f"f0 = 0.4·N = {f0:.0f}")
    left.set(xlabel="spatial frequency f (cycles/picture)", ylabel="power (relative to f = 1)",
             title="radially averaged power spectrum")
    left.legend(fontsize=8)
    profile = whitening_filter(N)[0, : N // 2 + 1]  # (N // 2 + 1,) R along one axis
    right.plot(np.arange(N // 2 + 1), profile)
    right.axvline(f0, color="0.5", ls="--", lw=1)
    right.set(xlabel="spatial frequency f (cycles/picture)", ylabel="R(f)",
              title="whitening filter R(f) = f·exp(−(f/f0)⁴)")
    return fig


def plot_step_spectra(spectra, dct_images, *, figsize=(10, 4.2)):
    """Left: :func:`tinysae.data.whitening.step_spectrum` of each photo in ``spectra``
    (a title → (frequencies, power)), with the JPEG block frequency 1/8 cycle per pixel
    and its harmonics marked; right: the DCT basis images ``dct_images`` (k, 64), a JPEG
    block's shapes. Returns the new Figure."""
    from tinysae.pictures.filter_grid import plot_filter_grid

    fig = new_figure(figsize)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
    for title, (f, power) in reversed(spectra.items()):  # the first drawn last, on top
        left.semilogy(f, power / np.median(power), lw=1, label=title)
    left.plot([1 / 8, 2 / 8, 3 / 8], [2e3] * 3, "kv", ms=6, label="k/8: the JPEG block's")
    left.set(xlabel="frequency (cycles per pixel)", ylabel="power (relative to its median)",
             title="spectrum of the steps between columns")
    left.legend(fontsize=8, loc="lower left")
    plot_filter_grid(dct_images, ax=right, n_cols=8, title="8×8 DCT basis (a JPEG block's)")
    return fig


def plot_patches_side_by_side(panels, patch_shape=None, *, n_show=100, figsize=None):
    """Patch montages side by side: ``panels`` maps a title to an array of patches (m, n),
    of which the first ``n_show`` rows are drawn. Returns the new Figure."""
    fig = new_figure(figsize or (4.5 * len(panels), 4.8))
    for ax, (title, patches) in zip(np.atleast_1d(fig.subplots(1, len(panels))), panels.items()):
        plot_patch_montage(patches, patch_shape, n_show=n_show, ax=ax, title=title)
    return fig


def plot_variance_kept(variances, zca_epsilon, *, ax=None, figsize=(5, 4)):
    """PCA's cumulative share of variance against the number of components, and the share
    σ²/(σ² + ε) of each direction's variance that ZCA with ``zca_epsilon`` keeps."""
    variances = check_vector("variances", variances)  # (d,) in decreasing order
    zca_epsilon = check("zca_epsilon", zca_epsilon)
    fig, ax = figure_and_axes(ax, figsize)
    k = np.arange(1, variances.size + 1)  # (d,)
    ax.plot(k, np.cumsum(variances) / variances.sum(), label="share of variance kept")
    ax.plot(k, variances / (variances + zca_epsilon), label="σ²/(σ² + ε) after ZCA")
    ax.set(xscale="log", xlabel="principal component k")
    ax.legend()
    return fig
