"""Natural photographs as float64 arrays: the bundled photos and your own folder.

Shapes, defined once for this module::

    H, W   image height and width in pixels
    C      colour channels (3: red, green, blue)

Every loader returns a **list** of images (they may differ in size): grayscale images are
``(H, W)`` float64 arrays in [0, 1]; with ``colour=True`` they are ``(H, W, 3)``.
Grayscale is the luma of ITU-R BT.601, ``0.299 R + 0.587 G + 0.114 B`` (as MATLAB's
``rgb2gray``); an alpha channel is dropped. Nothing is downloaded: the default photo ships
inside matplotlib, the optional ones inside scikit-image (``pip install tinysae[images]``).
The provenance and licence of each source are in ``data/README.md``.
"""

import warnings
from pathlib import Path

import numpy as np

from tinysae.checks import (
    as_array,
    check_bool,
    check_choice,
    check_int,
    check_path,
    fail,
    fail_path,
)
from tinysae.data.olshausen_mat import load_olshausen_mat

#: Sources that :func:`load_images` understands.
IMAGE_SOURCES = ("default", "skimage", "folder", "mat")

#: scikit-image's bundled photographs (``skimage.data.<name>()``), used when they load offline.
SKIMAGE_PHOTOS = ("camera", "astronaut", "coffee", "chelsea", "rocket",
                  "grass", "gravel", "brick", "moon")

#: ITU-R BT.601 luma weights for R, G, B.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"


def as_float_image(array, colour=False):
    """Convert a decoded image to float64 in [0, 1]: ``(H, W)``, or ``(H, W, 3)`` if ``colour``.

    Integer pixels are divided by their dtype's maximum (255 for 8-bit, 65535 for 16-bit);
    float pixels are kept. An alpha channel is dropped; a grayscale image asked for in
    colour has its one channel repeated three times.
    """
    array = as_array("array", array)  # (H, W) or (H, W, C) with C in {1, 2, 3, 4}
    if array.dtype == bool:
        array = array.astype(np.float64)
    elif np.issubdtype(array.dtype, np.integer):
        array = array / np.iinfo(array.dtype).max
    if not np.issubdtype(array.dtype, np.floating):
        fail("array", "an image with integer, bool or float pixels", array, TypeError)
    if array.ndim == 3 and array.shape[2] in (1, 2):  # gray, or gray + alpha
        array = array[:, :, 0]  # (H, W)
    if array.ndim == 3 and array.shape[2] == 4:
        array = array[:, :, :3]  # (H, W, 3)  alpha dropped
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        fail("array", "an image of shape (H, W) or (H, W, 1-4)", array)
    if colour and array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)  # (H, W, 3)
    if not colour and array.ndim == 3:
        array = array @ LUMA_WEIGHTS  # (H, W)
    return np.ascontiguousarray(array, dtype=np.float64)


def read_image(path, colour=False):
    """Read one PNG or JPEG file with ``matplotlib.image.imread``; see :func:`as_float_image`.

    A file that cannot be decoded (truncated, corrupt, not an image) raises ``ValueError``
    naming the file.
    """
    import matplotlib.image

    check_path("path", path)
    colour = check_bool("colour", colour)
    try:
        array = matplotlib.image.imread(path)  # (H, W) or (H, W, 3|4)
    except Exception as err:  # Pillow raises many kinds; the file is untrusted data
        raise ValueError(f"Could not read the image file {str(path)!r}: {err}") from err
    if array.size == 0:
        raise ValueError(f"The image file {str(path)!r} holds no pixels.")
    return as_float_image(array, colour)


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


def _is_png_or_jpeg(path):
    """True if the file starts with the PNG or JPEG signature (the content decides, not the name)."""
    with open(path, "rb") as f:
        head = f.read(8)
    return head.startswith(_PNG_MAGIC) or head.startswith(_JPEG_MAGIC)


def load_image_folder(path, colour=False):
    """Every PNG and JPEG file in a folder (not its subfolders), sorted by file name.

    A file counts as an image by its content (the PNG or JPEG signature), not its name.
    Other files and subfolders are skipped with one ``UserWarning`` listing them; hidden
    files (``.DS_Store``...) are skipped silently. An image file that cannot be decoded
    (truncated, corrupt) is an error, not a skip.

    Returns
    -------
    list of ndarray
        ``(H, W)`` float64 images in [0, 1], or ``(H, W, 3)`` if ``colour``.

    Raises
    ------
    ValueError
        If ``path`` is not a folder, holds no PNG/JPEG image, or an image is unreadable.
    """
    folder = Path(check_path("path", path))
    colour = check_bool("colour", colour)
    if not folder.is_dir():
        fail_path("an existing folder of PNG/JPEG images", path)
    images, skipped = [], []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and _is_png_or_jpeg(entry):
            images.append(read_image(entry, colour))
        else:
            skipped.append(entry.name + ("/" if entry.is_dir() else ""))
    if skipped:
        warnings.warn(f"Skipped {len(skipped)} entries of {str(folder)!r} that are not PNG/JPEG "
                      f"files: {', '.join(skipped[:10])}{' ...' if len(skipped) > 10 else ''}",
                      UserWarning, stacklevel=2)
    if not images:
        fail_path("a folder holding at least one PNG or JPEG image", path)
    return images


def load_images(source="default", path=None, colour=False):
    """Load photographs from one of :data:`IMAGE_SOURCES` (this is what the CLI calls).

    Parameters
    ----------
    source : {"default", "skimage", "folder", "mat"}
        ``"default"``: :func:`default_images`; ``"skimage"``: :func:`skimage_images`;
        ``"folder"``: :func:`load_image_folder` on ``path``; ``"mat"``:
        :func:`~tinysae.datafiles.load_olshausen_mat` on ``path`` (grayscale, and
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
