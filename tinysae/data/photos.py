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

#: ``downsample="auto"`` averages a photo so that its shorter side lands near this many
#: pixels (Olshausen's images are 512 × 512 ...).
TARGET_SIDE = 512
#: ... but always over at least 2 × 2 blocks (JPEG blocks and sensor noise, see below) ...
MIN_AUTO_FACTOR = 2
#: ... unless that would leave fewer than this many pixels on the shorter side.
MIN_AUTO_SIDE = 64

#: Values of ``downsample``: "auto" (:func:`auto_downsample`), an integer factor ≥ 1
#: (1 = as is), or one factor per image (a run's record of what it used).
DOWNSAMPLE_AUTO = "auto"


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


def auto_downsample(image):
    """The factor ``downsample="auto"`` averages a photo by, decided from its size alone.

    ``max(2, round(short side / 512))``, the short side being ``min(H, W)``, so that the
    short side lands near the 512 pixels of Olshausen's images; but never so much that fewer
    than :data:`MIN_AUTO_SIDE` pixels remain (a small image is kept as it is).

    Why at least 2: photos come as JPEGs (or PNGs decoded from JPEGs), and a JPEG's 8 × 8
    compression blocks and the camera's pixel-to-pixel noise sit at the highest frequencies,
    exactly what whitening amplifies most. On 8 × 8 patches at full resolution a sparse
    autoencoder then learns the blocks themselves: gratings that fill the whole patch with
    a period of 8, 4 or 8/3 pixels, the shapes of the JPEG's DCT basis (lesson 03 shows them
    and the peaks they leave in the power spectrum at multiples of 1/8 cycle per pixel).
    Averaging 2 × 2 blocks takes the block edges and the noise below the whitening filter's
    roll-off, and edges then fill the patches at about the scale of Olshausen's images.
    """
    short = min(image.shape[:2])
    factor = max(MIN_AUTO_FACTOR, round(short / TARGET_SIDE))
    while factor > 1 and short // factor < MIN_AUTO_SIDE:
        factor -= 1
    return factor


def downsample_factors(images, downsample_by=DOWNSAMPLE_AUTO):
    """The factor each image is averaged by: one int per image.

    ``downsample_by`` is "auto" (:func:`auto_downsample` of each image), one int ≥ 1 for
    every image (1 = as is), or a list of one int per image (as a run records them).
    """
    if isinstance(downsample_by, str):
        check_choice("downsample_by", downsample_by, (DOWNSAMPLE_AUTO,))
        return [auto_downsample(image) for image in images]
    if isinstance(downsample_by, (list, tuple)):
        if len(downsample_by) != len(images):
            fail("downsample_by", f"one factor per image ({len(images)} images)", downsample_by)
        return [check_int("downsample_by", factor) for factor in downsample_by]
    return [check_int("downsample_by", downsample_by)] * len(images)


def check_downsample(downsample_by, name="downsample_by"):
    """"auto", an int ≥ 1 or a non-empty list of ints ≥ 1; returns it (lists as lists)."""
    if isinstance(downsample_by, str):
        if downsample_by != DOWNSAMPLE_AUTO:
            fail(name, f"{DOWNSAMPLE_AUTO!r}, an integer >= 1 or a list of them", downsample_by)
        return downsample_by
    if isinstance(downsample_by, (list, tuple)):
        if not downsample_by:
            fail(name, f"{DOWNSAMPLE_AUTO!r}, an integer >= 1 or a list of them", downsample_by)
        return [check_int(name, factor) for factor in downsample_by]
    return check_int(name, downsample_by)


def downsample_images(images, downsample_by=DOWNSAMPLE_AUTO):
    """Each image averaged over blocks (:func:`downsample`); returns ``(images, factors)``.

    ``downsample_by`` as in :func:`downsample_factors`; the factors used come back as a
    list of ints, one per image, to be recorded (a run keeps them in its config).
    """
    factors = downsample_factors(images, downsample_by)
    return [image if k == 1 else downsample(image, k) for image, k in zip(images, factors)], factors


def dct_basis(p=8):
    """The p × p DCT-II basis images, one per row, (p², p²): the shapes a JPEG codes each
    8 × 8 block with. Row ``u·p + v`` is cos(π(2y+1)u / 2p) · cos(π(2x+1)v / 2p) at pixel
    (y, x); row 0 is flat, the others are gratings that fill the block."""
    p = check_int("p", p)
    k = np.arange(p)  # (p,)
    C = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * p))  # (p, p)  row u: frequency u
    return np.einsum("uy,vx->uvyx", C, C).reshape(p * p, p * p)  # (p², p²)


def default_images(colour=False, downsample_by=DOWNSAMPLE_AUTO):
    """The photo that ships with matplotlib: Grace Hopper (600 × 512, US Navy, public domain),
    averaged over 2 × 2 blocks to 300 × 256 (the "auto" factor of :func:`auto_downsample`,
    which says why). ``downsample_by=1`` gives the photo as it is.

    Returns
    -------
    list of ndarray
        One image, ``(300, 256)`` float64 in [0, 1], or ``(300, 256, 3)`` if ``colour``.
    """
    from matplotlib import cbook

    colour = check_bool("colour", colour)
    photo = read_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), colour)
    return downsample_images([photo], downsample_by)[0]


def skimage_images(colour=False, downsample_by=DOWNSAMPLE_AUTO):
    """Grace Hopper plus scikit-image's bundled photos (:data:`SKIMAGE_PHOTOS`), each
    averaged over blocks as ``downsample_by`` says (:func:`downsample_factors`; "auto":
    :func:`auto_downsample` of each, 2 for all of these).

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
    images = default_images(colour, downsample_by=1)
    for name in SKIMAGE_PHOTOS:
        try:
            array = getattr(skimage.data, name)()  # (H, W) or (H, W, 3) uint8
        except Exception:  # not bundled in this version, or would need a download
            continue
        if colour and np.ndim(array) != 3:
            continue
        images.append(as_float_image(array, colour))
    return downsample_images(images, downsample_by)[0]


def load_images(source="default", path=None, colour=False, downsample_by=DOWNSAMPLE_AUTO,
                with_factors=False):
    """Load photographs from one of :data:`IMAGE_SOURCES` (this is what the CLI calls).

    Every photo is averaged over blocks by the same rule, wherever it comes from
    (:func:`auto_downsample` by default); IMAGES.mat is not (Olshausen's images are already
    at their scale, and whitened).

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
    downsample_by : "auto", int or list of int
        How much to average each photo (:func:`downsample_factors`): "auto" (default), a
        factor for all (1 = as is), or one per image. For ``"mat"`` only 1 or "auto" (= 1).
    with_factors : bool
        Also return the factors used, one int per image (what a run records).

    Returns
    -------
    list of ndarray
        Float64 images, see the module docstring; with ``with_factors``, ``(images, factors)``.
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
    with_factors = check_bool("with_factors", with_factors)
    check_downsample(downsample_by)  # before any photo is read (a list's length: after)
    if source == "mat":
        if colour:
            fail("colour", "False when source='mat' (IMAGES.mat is grayscale)", colour)
        images = load_olshausen_mat(path)
        if downsample_by == DOWNSAMPLE_AUTO:
            downsample_by = 1  # already at Olshausen's scale, and already whitened
        images, factors = downsample_images(images, downsample_by)
    else:
        photos = {"default": lambda: default_images(colour, downsample_by=1),
                  "skimage": lambda: skimage_images(colour, downsample_by=1),
                  "folder": lambda: load_image_folder(path, colour)}[source]()
        images, factors = downsample_images(photos, downsample_by)
    return (images, factors) if with_factors else images
