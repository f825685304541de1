"""Your own image files, read within a memory budget: PNG and JPEG, by content.

Shapes: ``H, W`` image height and width in pixels; ``C`` colour channels (3: R, G, B).

A file is a PNG or JPEG by its content (its signature), not its name. Its width and height
are read from its header before it is decoded, and a photo larger than
:data:`~tinysae.runtime.budgets.MAX_IMAGE_PIXELS` (a folder,
:data:`~tinysae.runtime.budgets.MAX_FOLDER_PIXELS`) is refused: a 35 kB PNG can decode to
gigabytes. Pillow's own decompression-bomb guard (``PIL.Image.MAX_IMAGE_PIXELS``)
applies too. Images come back as float64 in [0, 1]: ``(H, W)`` grayscale, the luma of ITU-R
BT.601 ``0.299 R + 0.587 G + 0.114 B`` (as MATLAB's ``rgb2gray``), or ``(H, W, 3)`` with
``colour=True``; an alpha channel is dropped.
"""

import warnings
from pathlib import Path

import numpy as np

from tinysae.data.whitening import MIN_WHITEN_SIDE
from tinysae.runtime import budgets
from tinysae.validation.checks import as_array, check_bool, check_path, fail, fail_path

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


def image_size(path):
    """``(width, height, format)`` of a PNG or JPEG file from its header, nothing decoded.

    Pillow's ``Image.open`` reads only the header, recognises the format by content and
    applies Pillow's decompression-bomb guard. Raises ValueError naming the file if it is
    not an image or is larger than :data:`~tinysae.runtime.budgets.MAX_IMAGE_PIXELS`.
    """
    import PIL.Image

    try:
        with warnings.catch_warnings():  # the cap below decides, with a clearer message
            warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
            with PIL.Image.open(path) as image:
                (width, height), kind = image.size, image.format
    except Exception as err:  # Pillow raises many kinds; the file is untrusted data
        raise ValueError(f"Could not read the image file {str(path)!r}: {err}") from err
    if width * height > budgets.MAX_IMAGE_PIXELS:
        raise ValueError(f"The image file {str(path)!r} is {width} x {height} pixels, "
                         f"{budgets.over('MAX_IMAGE_PIXELS', width * height, 'pixels')}; or "
                         "downsample it.")
    return width, height, kind


def read_image(path, colour=False):
    """Read one PNG or JPEG file (recognised by content) with ``matplotlib.image.imread``;
    see :func:`as_float_image`. Its size is checked first (:func:`image_size`).

    A file that cannot be decoded (truncated, corrupt, not an image) raises ``ValueError``
    naming the file.
    """
    import matplotlib.image

    check_path("path", path)
    colour = check_bool("colour", colour)
    _, _, kind = image_size(path)
    try:  # the format found in the content, so that a JPEG named .png is read as a JPEG
        array = matplotlib.image.imread(path, format=kind.lower())  # (H, W) or (H, W, 3|4)
    except Exception as err:  # Pillow raises many kinds; the file is untrusted data
        raise ValueError(f"Could not read the image file {str(path)!r}: {err}") from err
    if array.size == 0:
        raise ValueError(f"The image file {str(path)!r} holds no pixels.")
    return as_float_image(array, colour)


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
    (truncated, corrupt), is smaller than ``MIN_WHITEN_SIDE`` pixels a side or larger than
    ``budgets.MAX_IMAGE_PIXELS`` is an error naming it, not a skip; so is a folder of more
    than ``budgets.MAX_FOLDER_PIXELS`` (all headers are read before any image is decoded).

    Returns
    -------
    list of ndarray
        ``(H, W)`` float64 images in [0, 1], or ``(H, W, 3)`` if ``colour``.

    Raises
    ------
    ValueError
        If ``path`` is not a folder, holds no PNG/JPEG image, or an image is unreadable,
        too small or too large.
    """
    folder = Path(check_path("path", path))
    colour = check_bool("colour", colour)
    if not folder.is_dir():
        fail_path("an existing folder of PNG/JPEG images", path)
    files, skipped = [], []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and _is_png_or_jpeg(entry):
            files.append(entry)
        else:
            skipped.append(entry.name + ("/" if entry.is_dir() else ""))
    total = 0
    for file in files:  # every header first: the whole folder's size before any decoding
        width, height, _ = image_size(file)
        if min(width, height) < MIN_WHITEN_SIDE:
            raise ValueError(f"The image file {str(file)!r} is {width} x {height} pixels; a "
                             f"photo needs at least {MIN_WHITEN_SIDE} pixels a side.")
        total += width * height
    if total > budgets.MAX_FOLDER_PIXELS:
        raise ValueError(f"The photos in {str(folder)!r} have {total:,} pixels in all, "
                         f"{budgets.over('MAX_FOLDER_PIXELS', total, 'pixels')}; or "
                         "downsample them.")
    images = [read_image(file, colour) for file in files]
    if skipped:
        warnings.warn(f"Skipped {len(skipped)} entries of {str(folder)!r} that are not PNG/JPEG "
                      f"files: {', '.join(skipped[:10])}{' ...' if len(skipped) > 10 else ''}",
                      UserWarning, stacklevel=2)
    if not images:
        fail_path("a folder holding at least one PNG or JPEG image", path)
    return images
