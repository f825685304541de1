"""Olshausen's ``IMAGES.mat``: ten whitened natural images, if you have the file.

The file is data, never code: it is read with ``scipy.io.loadmat``, no pickle anywhere, and
every problem (truncated, corrupt, MATLAB v7.3, wrong variable, shape or dtype) is a
``ValueError`` that names the file and says what was wrong. It is neither shipped nor
committed: ``data/README.md`` says where it comes from.

What reading it may cost is decided before ``loadmat``: a few MB of compressed zeros can
declare (or unpack to) gigabytes. So the compressed parts are first unpacked as a stream,
counted and thrown away, and the file is refused if they hold more than
:data:`~tinysae.runtime.budgets.MAX_MAT_BYTES`; then ``scipy.io.whosmat`` gives the variable's shape and class from
its header, and only that variable is loaded.
"""

import struct
import zlib

import numpy as np

from tinysae.runtime import budgets
from tinysae.validation.checks import bad_file, existing_file, has_real_dtype

_NUMERIC_CLASSES = ("double", "single", "int8", "uint8", "int16", "uint16", "int32", "uint32",
                    "int64", "uint64")
_COMPRESSED = 15  # miCOMPRESSED, MATLAB's tag for a zlib-compressed element (MAT-file v5)
_CHUNK = 1 << 20


def load_olshausen_mat(path, variable="IMAGES"):
    """Olshausen's ``IMAGES.mat``: ten 512 × 512 whitened natural images.

    Parameters
    ----------
    path : str or Path
        A MATLAB (v4–v7.2) ``.mat`` file.
    variable : str
        The array to read: ``"IMAGES"`` (whitened, the default) or ``"IMAGES_RAW"``.

    Returns
    -------
    list of ndarray
        The K images ``array[:, :, k]``, each ``(H, W)`` float64 (512 × 512, K = 10 for the
        original). Their values are whitened, not in [0, 1]: do not whiten them again.

    Raises
    ------
    ValueError
        If the file is not a readable ``.mat`` (truncated, corrupt, MATLAB v7.3), lacks
        ``variable``, or it is not a finite real array of shape (H, W, K) or (H, W).
    """
    import scipy.io

    file = existing_file(path)
    try:
        if scipy.io.matlab.matfile_version(file)[0] == 2:
            raise NotImplementedError("an HDF5 file")
        unpacked = _unpacked_bytes(file)
        if unpacked > budgets.MAX_MAT_BYTES:
            bad_file(file, "it unpacks to " + budgets.over("MAX_MAT_BYTES", unpacked))
        found = {name: (shape, kind) for name, shape, kind in scipy.io.whosmat(file)}
        if variable in found:
            _check_header(file, variable, *found[variable])
            contents = scipy.io.loadmat(file, variable_names=[variable])
    except NotImplementedError as err:  # scipy's answer to HDF5-based v7.3 files
        bad_file(file, f"MATLAB v7.3 files are not supported, save it with -v7 ({err})")
    except ValueError as err:
        if str(err).startswith(repr(str(file))):  # ours, already naming the file
            raise
        bad_file(file, f"scipy.io could not read it ({type(err).__name__}: {err})")
    except Exception as err:  # truncated or corrupt: scipy raises many kinds
        bad_file(file, f"scipy.io could not read it ({type(err).__name__}: {err})")
    if variable not in found:
        bad_file(file, f"it has no variable {variable!r} "
                        + (f"(it has {sorted(found)})" if found
                           else "(it has none: empty or truncated?)"))
    array = contents[variable]  # (H, W, K) for the original
    if not isinstance(array, np.ndarray) or not has_real_dtype(array):
        bad_file(file, f"{variable!r} must be a real numeric array, got "
                        f"{type(array).__name__} of dtype {getattr(array, 'dtype', None)}")
    if array.ndim == 2:
        array = array[:, :, None]  # (H, W, 1)
    if array.ndim != 3 or min(array.shape[:2]) < 2 or array.shape[2] == 0:
        bad_file(file, f"{variable!r} must have shape (H, W, K) with H, W >= 2, got {array.shape}")
    if not np.all(np.isfinite(array)):
        bad_file(file, f"{variable!r} holds NaN or infinite values")
    return [np.ascontiguousarray(array[:, :, k], dtype=np.float64) for k in range(array.shape[2])]


def _check_header(file, variable, shape, kind):
    """The variable's class and size, as its header states them, before it is read."""
    if kind not in _NUMERIC_CLASSES:
        bad_file(file, f"{variable!r} must be a real numeric array, got MATLAB class {kind!r}")
    size = 8 * int(np.prod(shape, dtype=object))  # bytes as float64
    if size > budgets.MAX_MAT_BYTES:
        bad_file(file, f"{variable!r} has shape {shape}: {size:,} bytes as float64, "
                       + budgets.over("MAX_MAT_BYTES", size))


def _unpacked_bytes(file):
    """The bytes the elements of a MAT-file v5 take once unpacked, counted as a stream of
    chunks (nothing kept), stopping as soon as there are more than ``budgets.MAX_MAT_BYTES``.
    (A v4 file has no compression: its size on disk is its size.)"""
    with open(file, "rb") as f:
        head = f.read(128)
        if len(head) < 128 or head[126:128] not in (b"IM", b"MI"):
            return 0  # v4, or not a .mat at all: scipy says which
        order = "<" if head[126:128] == b"IM" else ">"
        total, size = 0, f.seek(0, 2)
        position = f.seek(128)
        while total <= budgets.MAX_MAT_BYTES and position + 8 <= size:
            mdtype, nbytes = struct.unpack(order + "II", f.read(8))
            if mdtype >> 16:  # a "small data element": 4 bytes of data in the tag's second half
                total, position = total + 4, position + 8
            elif mdtype == _COMPRESSED:
                total += _inflated_bytes(file, f, nbytes, budgets.MAX_MAT_BYTES - total)
                position = f.seek(position + 8 + nbytes)
            else:
                total, position = total + nbytes, f.seek(position + 8 + nbytes)
    return total


def _inflated_bytes(file, f, nbytes, limit):
    """How many bytes the next ``nbytes`` of ``f`` inflate to, or a number above ``limit``."""
    inflate, total, left = zlib.decompressobj(), 0, nbytes
    while left > 0 and total <= limit:
        chunk = f.read(min(left, _CHUNK))
        if not chunk:
            bad_file(file, "it is truncated: a compressed element ends early")
        left -= len(chunk)
        total += len(inflate.decompress(chunk, _CHUNK))
        while inflate.unconsumed_tail and total <= limit:
            total += len(inflate.decompress(inflate.unconsumed_tail, _CHUNK))
    return total
