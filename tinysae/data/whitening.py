"""Olshausen–Field whitening of whole images, and the radially averaged power spectrum.

Natural images have a power spectrum falling roughly as 1/f² (f the spatial frequency), so
their large, slow structures dominate. Olshausen & Field (1997, "Sparse coding with an
overcomplete basis set", and their ``IMAGES.mat``) flatten it with the filter

    R(f) = f · exp(−(f / f0)⁴),     f0 = 0.4 · N cycles/picture,

whose ``f`` rises to undo the 1/f amplitude fall-off (zero at DC, so the mean is removed)
and whose ``exp(−(f/f0)⁴)`` rolls off the highest frequencies, where noise and aliasing
live. Shapes: ``N`` is the side of the square crop; frequencies ``f`` are in cycles per
picture (``f = N`` · cycles per pixel).
"""

import numpy as np

from tinysae.validation.checks import (
    as_array,
    check_int,
    check_real,
    fail,
    has_real_dtype,
    scaled_to_unit,
)
from tinysae.validation.validated import validated

#: Each whitened image is scaled to this pixel variance (Olshausen's IMAGES.mat uses 0.1).
WHITENED_VARIANCE = 0.1
#: The roll-off frequency as a fraction of N (Olshausen & Field: f0 = 0.4 N cycles/picture).
ROLLOFF_FRACTION = 0.4


#: The smallest side :func:`whiten` accepts: fewer pixels hold almost no frequencies to flatten.
MIN_WHITEN_SIDE = 4


def _check_image(image, min_side=2):
    """A finite real 2-D array with both sides ≥ ``min_side``, as float64."""
    array = as_array("image", image)
    if not has_real_dtype(array):
        fail("image", "a 2-D array of real numbers", array, TypeError)
    if array.ndim != 2 or min(array.shape) < min_side:
        fail("image", f"a 2-D grayscale array with both sides >= {min_side}", array)
    if not np.all(np.isfinite(array)):
        fail("image", "finite (no NaN or inf)", array)
    return array.astype(np.float64)


def crop_square(image):
    """The central ``N × N`` crop of an ``(H, W)`` image, ``N = min(H, W)``."""
    H, W = image.shape[:2]
    N = min(H, W)
    top, left = (H - N) // 2, (W - N) // 2
    return image[top:top + N, left:left + N]  # (N, N)


def frequency_radius(N):
    """``|f|`` in cycles/picture for each coefficient of an ``N × N`` ``np.fft.fft2``."""
    f = np.fft.fftfreq(N) * N  # (N,)  0, 1, ..., -1 cycles/picture
    return np.hypot(f[:, None], f[None, :])  # (N, N)


@validated
def whitening_filter(N, rolloff=ROLLOFF_FRACTION):
    """``R(f) = f · exp(−(f/f0)⁴)``, ``f0 = rolloff · N``, laid out like ``np.fft.fft2``."""
    N = check_int("N", N)
    f = frequency_radius(N)  # (N, N)
    f0 = rolloff * N
    return f * np.exp(-(f / f0) ** 4)  # (N, N)


@validated
def whiten(image, rolloff=ROLLOFF_FRACTION, variance=WHITENED_VARIANCE):
    """Olshausen–Field whitening of one grayscale image.

    Crops the central square, multiplies its 2-D spectrum by :func:`whitening_filter`, and
    scales the result to mean 0 and pixel variance ``variance``.

    Parameters
    ----------
    image : ndarray of shape (H, W)
        Grayscale, finite; both sides ≥ 4.
    rolloff : float
        ``f0 / N`` (0.4 in Olshausen & Field).
    variance : float
        The variance of the returned pixels (:data:`WHITENED_VARIANCE` = 0.1).

    Returns
    -------
    ndarray of shape (N, N), N = min(H, W)
    """
    image = _check_image(image, min_side=MIN_WHITEN_SIDE)
    square = scaled_to_unit(crop_square(image))  # (N, N) exactly rescaled: cannot overflow
    spectrum = np.fft.fft2(square) * whitening_filter(square.shape[0], rolloff)  # (N, N)
    white = np.real(np.fft.ifft2(spectrum))  # (N, N)
    std = white.std()
    if std <= 1e-12:  # |square| <= 1, so this is rounding noise: a constant image
        fail("image", "an image with some variation (it is constant, nothing to whiten)", image)
    return white * (np.sqrt(variance) / std)  # (N, N)


@validated
def whiten_images(images, rolloff=ROLLOFF_FRACTION, variance=WHITENED_VARIANCE):
    """:func:`whiten` each grayscale image; each comes out with pixel variance ``variance``.

    Scaling every image (not only the set) to the same variance keeps a high-contrast
    photo from outweighing a dim one when patches are sampled from all of them.

    Returns
    -------
    list of ndarray
        One ``(N_k, N_k)`` array per image, ``N_k`` the shorter side of image k.
    """
    if isinstance(images, np.ndarray) and images.ndim == 2:
        images = [images]
    if isinstance(images, np.ndarray) or not hasattr(images, "__len__") or len(images) == 0:
        fail("images", "a non-empty list of 2-D grayscale arrays", images, TypeError)
    return [whiten(image, rolloff, variance) for image in images]


def radial_power_spectrum(image):
    """The radially averaged power spectrum of an image's central square.

    The mean is removed; power ``|F(f)|² / N²`` is averaged over each ring of integer
    radius ``f = 1, ..., N // 2`` cycles/picture. For natural photos it falls roughly as
    ``1/f²`` (a straight line of slope −2 on log-log axes); after :func:`whiten` it is flat
    up to about ``f0`` and then falls.

    Parameters
    ----------
    image : ndarray of shape (H, W)

    Returns
    -------
    frequencies : ndarray of shape (N // 2,)
        1, 2, ..., N // 2 cycles/picture.
    power : ndarray of shape (N // 2,)
    """
    square = crop_square(_check_image(image, min_side=4))  # (N, N)
    N = square.shape[0]
    power = np.abs(np.fft.fft2(square - square.mean())) ** 2 / N ** 2  # (N, N)
    ring = np.rint(frequency_radius(N)).astype(int)  # (N, N)  integer radius
    total = np.bincount(ring.ravel(), weights=power.ravel())  # (max ring + 1,)
    count = np.bincount(ring.ravel())  # (max ring + 1,)
    frequencies = np.arange(1, N // 2 + 1)  # (N // 2,)
    power = total[frequencies] / count[frequencies]  # (N // 2,)
    if not np.all(np.isfinite(power)):
        fail("image", "values small enough for their power spectrum to fit in float64", image)
    return frequencies, power


def spectrum_slope(image, low=4, high=None):
    """The exponent a of a power law ``power ∝ f^a`` fitted to :func:`radial_power_spectrum`.

    A least-squares line through ``(log f, log power)`` for ``low ≤ f ≤ high`` cycles/picture
    (``high`` defaults to N/8, below the whitening roll-off). Photos give about −2 to −3,
    white noise 0; whitening adds 2 (its filter multiplies power by f²).
    """
    image = scaled_to_unit(_check_image(image, min_side=4))  # exact: the slope is scale-free
    frequencies, power = radial_power_spectrum(image)  # (N // 2,), (N // 2,)
    low = check_real("low", low, 0)
    high = len(frequencies) // 4 if high is None else check_real("high", high, 0)
    keep = (frequencies >= low) & (frequencies <= high)  # (N // 2,)
    if keep.sum() < 2:
        fail("high", f"a frequency giving at least two points above low={low}", high)
    if not np.all(power[keep] > 0):
        fail("image", f"an image with power at every frequency from {low} to {high}", image)
    return float(np.polyfit(np.log(frequencies[keep]), np.log(power[keep]), 1)[0])


def step_spectrum(image):
    """The power spectrum of an image's steps from one column to the next, and its peaks.

    ``d_j`` = |x[:, j+1] − x[:, j]| averaged over the rows, for each column j; the power
    ``|F(d)|²`` of that profile (its mean removed) at ``f = 1/W', 2/W', …, 1/2`` cycles per
    pixel (W' = W − 1 steps). A JPEG codes each 8 × 8 block on its own, so its steps are
    larger across block borders, every 8th column: peaks at 1/8 cycle per pixel and its
    harmonics 2/8, 3/8. Averaging 2 × 2 blocks puts the borders every 4th column and
    smooths them away (lesson 03).

    Parameters
    ----------
    image : ndarray of shape (H, W)

    Returns
    -------
    frequencies : ndarray of shape (W' // 2,)
        Cycles per pixel.
    power : ndarray of shape (W' // 2,)
    """
    image = _check_image(image, min_side=4)  # (H, W)
    steps = np.abs(np.diff(image, axis=1)).mean(axis=0)  # (W',)  mean step at each column
    power = np.abs(np.fft.rfft(steps - steps.mean())) ** 2 / steps.size  # (W' // 2 + 1,)
    frequencies = np.fft.rfftfreq(steps.size)  # (W' // 2 + 1,) cycles per pixel
    return frequencies[1:steps.size // 2 + 1], power[1:steps.size // 2 + 1]


def peak_ratio(frequencies, power, at, width=5):
    """Power at the frequency nearest ``at`` over the mean of its ``width`` neighbours on each
    side (the two next to it left out): about 1 with no peak there."""
    i = int(np.argmin(np.abs(frequencies - at)))
    around = np.r_[power[max(0, i - width - 1):max(0, i - 1)], power[i + 2:i + width + 2]]
    return float(power[i] / around.mean())
