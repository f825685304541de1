"""Data files you bring yourself: Olshausen's ``IMAGES.mat`` and MNIST's IDX files.

Files are data, never code: ``IMAGES.mat`` is read with ``scipy.io.loadmat`` and IDX files
byte by byte, with no pickle anywhere. Every check below turns a bad file (truncated,
corrupt, wrong magic number, wrong variable, shape or dtype) into a ``ValueError`` that
names the file and says what was wrong. Neither file is shipped or committed: see
``data/README.md`` for where they come from.
"""

import gzip
import zlib
from pathlib import Path

import numpy as np

from tinysae._validation import check_path, has_real_dtype

#: IDX type codes (third magic byte) → big-endian numpy dtype (LeCun's MNIST page).
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20  # bytes read at a time, so a lying header cannot make us allocate it all


def fail_path(expected, path):
    """Like ``fail("path", ...)``, but echoing the whole path (the file name is at its end)."""
    raise ValueError(f"The 'path' parameter must be {expected}. Got {str(path)!r} instead.")


def _existing_file(path):
    """``path`` as a ``Path`` if it is an existing file, else a ValueError naming it."""
    file = Path(check_path("path", path))
    if not file.is_file():
        fail_path("an existing file", path)
    return file


def _bad_file(file, why):
    raise ValueError(f"{str(file)!r} is not a valid data file: {why}.")


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

    file = _existing_file(path)
    try:
        contents = scipy.io.loadmat(file)  # every variable, so truncation anywhere is caught
    except NotImplementedError as err:  # scipy's answer to HDF5-based v7.3 files
        _bad_file(file, f"MATLAB v7.3 files are not supported, save it with -v7 ({err})")
    except Exception as err:  # truncated or corrupt: scipy raises many kinds
        _bad_file(file, f"scipy.io.loadmat could not read it ({type(err).__name__}: {err})")
    found = sorted(k for k in contents if not k.startswith("__"))
    if variable not in found:
        _bad_file(file, f"it has no variable {variable!r} "
                        + (f"(it has {found})" if found else "(it has none: empty or truncated?)"))
    array = contents[variable]  # (H, W, K) for the original
    if not isinstance(array, np.ndarray) or not has_real_dtype(array):
        _bad_file(file, f"{variable!r} must be a real numeric array, got "
                        f"{type(array).__name__} of dtype {getattr(array, 'dtype', None)}")
    if array.ndim == 2:
        array = array[:, :, None]  # (H, W, 1)
    if array.ndim != 3 or min(array.shape[:2]) < 2 or array.shape[2] == 0:
        _bad_file(file, f"{variable!r} must have shape (H, W, K) with H, W >= 2, got {array.shape}")
    if not np.all(np.isfinite(array)):
        _bad_file(file, f"{variable!r} holds NaN or infinite values")
    return [np.ascontiguousarray(array[:, :, k], dtype=np.float64) for k in range(array.shape[2])]


def _read_exactly(f, n_bytes):
    """Read up to ``n_bytes + 1`` bytes in chunks (to tell 'too short' from 'too long')."""
    chunks, left = [], n_bytes + 1
    while left > 0:
        chunk = f.read(min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def load_mnist_idx(path):
    """One MNIST IDX file (``train-images-idx3-ubyte`` etc.), plain or gzip-compressed.

    The IDX format (LeCun, Cortes & Burges): magic ``00 00 TT DD`` (TT a type code from
    :data:`IDX_DTYPES`, DD the number of dimensions), DD big-endian uint32 sizes, then the
    values, big-endian, row-major.

    Returns
    -------
    ndarray
        The values as stored, in native byte order: ``(n, 28, 28)`` uint8 for MNIST images
        (divide by 255 for [0, 1]; ``.reshape(n, -1)`` for rows of 784), ``(n,)`` uint8 for
        labels.

    Raises
    ------
    ValueError
        Wrong magic number, unknown type code, truncated header or data, trailing bytes,
        an empty array, or non-finite float values.
    """
    file = _existing_file(path)
    with open(file, "rb") as raw:
        gzipped = raw.read(2) == _GZIP_MAGIC
    try:
        with (gzip.open(file, "rb") if gzipped else open(file, "rb")) as f:
            magic = f.read(4)
            if len(magic) < 4 or magic[:2] != b"\x00\x00":
                _bad_file(file, f"an IDX file starts with 00 00, got magic {magic.hex(' ')!r}")
            if magic[2] not in IDX_DTYPES:
                _bad_file(file, f"unknown IDX type code 0x{magic[2]:02x} "
                                f"(known: {', '.join(f'0x{c:02x}' for c in IDX_DTYPES)})")
            n_dims = magic[3]
            if n_dims == 0:
                _bad_file(file, "its magic number declares 0 dimensions")
            header = f.read(4 * n_dims)
            if len(header) < 4 * n_dims:
                _bad_file(file, f"truncated header: {n_dims} dimensions, {len(header)} size bytes")
            shape = tuple(int(d) for d in np.frombuffer(header, dtype=">u4"))
            dtype = np.dtype(IDX_DTYPES[magic[2]])
            n_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if n_bytes == 0:
                _bad_file(file, f"it holds an empty array of shape {shape}")
            data = _read_exactly(f, n_bytes)
    except (OSError, EOFError, zlib.error) as err:  # unreadable, or a corrupt gzip stream
        _bad_file(file, f"it could not be read ({type(err).__name__}: {err})")
    if len(data) < n_bytes:
        _bad_file(file, f"truncated: shape {shape} needs {n_bytes} data bytes, found {len(data)}")
    if len(data) > n_bytes:
        _bad_file(file, f"trailing bytes after the {n_bytes} data bytes of shape {shape}")
    array = np.frombuffer(data, dtype=dtype).reshape(shape)  # shape as stored
    array = array.astype(dtype.newbyteorder("="))  # native byte order, a fresh writable copy
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        _bad_file(file, "it holds NaN or infinite values")
    return array
