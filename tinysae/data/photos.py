"""Natural photographs as float64 arrays: the bundled photos and your own folder.

Shapes, defined once for this module::

    H, W   image height and width in pixels
    C      colour channels (3: red, green, blue)

Every loader returns a **list** of images (they may differ in size): grayscale images are
``(H, W)`` float64 arrays in [0, 1]; with ``colour=True`` they are ``(H, W, 3)``.
Grayscale is the luma of ITU-R BT.601, ``0.299 R + 0.587 G + 0.114 B`` (as MATLAB's
``rgb2gray``); an alpha channel is dropped. Your own files are read by
:mod:`tinysae.data.image_files`, within a memory budget. Nothing is downloaded: the default
photo ships inside matplotlib, the optional ones inside scikit-image
(``pip install tinysae[images]``).
The provenance and licence of each source are in ``data/README.md``.
"""

import numpy as np

from tinysae.validation.checks import check_bool, check_choice, check_int, check_path, fail
from tinysae.data.image_files import as_float_image, load_image_folder, read_image
from tinysae.data.olshausen_mat import load_olshausen_mat

#: Sources that :func:`load_images` understands.
IMAGE_SOURCES = ("default", "skimage", "folder", "mat")

#: scikit-image's bundled photographs (``skimage.data.<name>()``), used when they load offline.
SKIMAGE_PHOTOS = ("camera", "astronaut", "coffee", "chelsea", "rocket",
                  "grass", "gravel", "brick", "moon")

#: The default photo is averaged over 2 × 2 blocks (see :func:`default_images`).
DEFAULT_DOWNSAMPLE = 2


def downsample(image, factor):
    """Average ``image`` (H, W) or (H, W, 3) over ``factor`` × ``factor`` blocks.

    Rows and columns that do not fill a whole block are dropped. Returns
    (H // factor, W // factor) or (H // factor, W // factor, 3).
    """
    factor = check_int("factor", factor)
    H, W = image.shape[0] // factor, image.shape[1] // factor
    if H == 0 or W == 0:
        fail("factor", f"at most the image's shorter side {min(image.shape[:2])}", factor)
    blocks = image[:H * factor, :W * factor].reshape(H, factor, W, factor, *image.shape[2:])
    return blocks.mean(axis=(1, 3))  # (H, W) or (H, W, 3)


def default_images(colour=False, downsample_by=DEFAULT_DOWNSAMPLE):
    """The photo that ships with matplotlib: Grace Hopper (600 × 512, US Navy, public domain),
    averaged over 2 × 2 blocks to 300 × 256.

    Why the averaging: the photo is a JPEG, and its 8 × 8 compression blocks and sensor noise
    are exactly what whitening amplifies most; a sparse autoencoder on 8 × 8 patches of the
    full-resolution photo learns some of them (gratings filling the whole patch, noisy
    units). Averaging 2 × 2 blocks removes both, and edges then fill the patches at the
    scale of Olshausen's images. ``downsample_by=1`` gives the photo as it is.

    Returns
    -------
    list of ndarray
        One image, ``(300, 256)`` float64 in [0, 1], or ``(300, 256, 3)`` if ``colour``.
    """
    from matplotlib import cbook

    colour = check_bool("colour", colour)
    downsample_by = check_int("downsample_by", downsample_by)
    photo = read_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), colour)
    return [downsample(photo, downsample_by)]


def skimage_images(colour=False):
    """Grace Hopper plus scikit-image's bundled photos (:data:`SKIMAGE_PHOTOS`).

    With ``colour=True`` only the photos that are in colour are used (grace_hopper,
    astronaut, coffee, chelsea, rocket). A photo that cannot be loaded offline is skipped.

    Raises
    ------
    ImportError
        If scikit-image is not installed (``pip install tinysae[images]``).
    """
    colour = check_bool("colour", colour)
    try:
        import skimage.data
    except ImportError as err:
        raise ImportError("The 'skimage' image source needs scikit-image: "
                          "pip install 'tinysae[images]' (or pip install scikit-image).") from err
    images = default_images(colour)
    for name in SKIMAGE_PHOTOS:
        try:
            array = getattr(skimage.data, name)()  # (H, W) or (H, W, 3) uint8
        except Exception:  # not bundled in this version, or would need a download
            continue
        if colour and np.ndim(array) != 3:
            continue
        images.append(as_float_image(array, colour))
    return images


def load_images(source="default", path=None, colour=False):
    """Load photographs from one of :data:`IMAGE_SOURCES` (this is what the CLI calls).

    Parameters
    ----------
    source : {"default", "skimage", "folder", "mat"}
        ``"default"``: :func:`default_images`; ``"skimage"``: :func:`skimage_images`;
        ``"folder"``: :func:`load_image_folder` on ``path``; ``"mat"``:
        :func:`~tinysae.data.olshausen_mat.load_olshausen_mat` on ``path`` (grayscale, and
        already whitened by Olshausen: do not whiten it again).
    path : str or Path, optional
        Required for ``"folder"`` and ``"mat"``; not allowed otherwise.
    colour : bool
        ``(H, W, 3)`` images instead of ``(H, W)``; not available for ``"mat"``.

    Returns
    -------
    list of ndarray
        Float64 images, see the module docstring.
    """
    check_choice("source", source, IMAGE_SOURCES)
    colour = check_bool("colour", colour)
    needs_path = source in ("folder", "mat")
    if needs_path and path is None:
        fail("path", f"a file or folder path when source={source!r}", path)
    if not needs_path and path is not None:
        fail("path", f"None when source={source!r} (only 'folder' and 'mat' read a path)", path)
    if needs_path:
        check_path("path", path)
    if source == "default":
        return default_images(colour)
    if source == "skimage":
        return skimage_images(colour)
    if source == "folder":
        return load_image_folder(path, colour)
    if colour:
        fail("colour", "False when source='mat' (IMAGES.mat is grayscale)", colour)
    return load_olshausen_mat(path)
