"""MNIST's IDX files (``train-images-idx3-ubyte`` etc., plain or gzip'd), if you have them.

Read byte by byte, no pickle anywhere; a bad file (wrong magic number, unknown type code,
truncated, trailing bytes) is a ``ValueError`` that names the file and says what was
wrong. The size the header declares is checked against
:data:`~tinysae.runtime.budgets.MAX_IDX_BYTES` before any data is read (a 2 MB gzip file can
unpack to gigabytes), and no more than that size (plus one byte, to tell trailing data) is
ever read, straight into the array returned: the peak memory is that array. The files are
neither shipped nor committed: ``data/README.md`` says where they come from.
"""

import gzip
import zlib

import numpy as np

from tinysae.runtime import budgets
from tinysae.validation.checks import bad_file, existing_file

#: IDX type codes (third magic byte) → big-endian numpy dtype (LeCun's MNIST page).
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20  # bytes read at a time


def _read_into(f, buffer):
    """Fill ``buffer`` (a uint8 array) from ``f`` in chunks; the number of bytes read. The
    buffer's pages are touched only as data arrives, so a header that lies costs little."""
    view, filled = memoryview(buffer), 0
    while filled < len(view):
        n = f.readinto(view[filled:filled + _CHUNK])
        if not n:
            break
        filled += n
    return filled


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
    file = existing_file(path)
    with open(file, "rb") as raw:
        gzipped = raw.read(2) == _GZIP_MAGIC
    try:
        with (gzip.open(file, "rb") if gzipped else open(file, "rb")) as f:
            magic = f.read(4)
            if len(magic) < 4 or magic[:2] != b"\x00\x00":
                bad_file(file, f"an IDX file starts with 00 00, got magic {magic.hex(' ')!r}")
            if magic[2] not in IDX_DTYPES:
                bad_file(file, f"unknown IDX type code 0x{magic[2]:02x} "
                                f"(known: {', '.join(f'0x{c:02x}' for c in IDX_DTYPES)})")
            n_dims = magic[3]
            if n_dims == 0:
                bad_file(file, "its magic number declares 0 dimensions")
            header = f.read(4 * n_dims)
            if len(header) < 4 * n_dims:
                bad_file(file, f"truncated header: {n_dims} dimensions, {len(header)} size bytes")
            shape = tuple(int(d) for d in np.frombuffer(header, dtype=">u4"))
            dtype = np.dtype(IDX_DTYPES[magic[2]])
            n_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if n_bytes == 0:
                bad_file(file, f"it holds an empty array of shape {shape}")
            if n_bytes > budgets.MAX_IDX_BYTES:
                bad_file(file, f"its header declares an array of shape {shape}, {n_bytes:,} "
                               f"bytes, " + budgets.over("MAX_IDX_BYTES", n_bytes))
            data = np.empty(n_bytes, dtype=np.uint8)  # (n_bytes,) the array's own memory
            found = _read_into(f, data)
            trailing = found == n_bytes and f.read(1) != b""
    except (OSError, EOFError, zlib.error) as err:  # unreadable, or a corrupt gzip stream
        bad_file(file, f"it could not be read ({type(err).__name__}: {err})")
    if found < n_bytes:
        bad_file(file, f"truncated: shape {shape} needs {n_bytes} data bytes, found {found}")
    if trailing:
        bad_file(file, f"trailing bytes after the {n_bytes} data bytes of shape {shape}")
    array = data.view(dtype).reshape(shape)  # shape as stored, big-endian
    if dtype.itemsize > 1:
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))  # native order
    else:
        array = array.view(dtype.newbyteorder("="))
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad_file(file, "it holds NaN or infinite values")
    return array
