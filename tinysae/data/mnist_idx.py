"""MNIST's IDX files (``train-images-idx3-ubyte`` etc., plain or gzip'd), if you have them.

Read byte by byte, no pickle anywhere; a bad file (wrong magic number, unknown type code,
truncated, trailing bytes) is a ``ValueError`` that names the file and says what was
wrong. The size the header declares is checked against :data:`MAX_IDX_BYTES` before any
data is read (a 2 MB gzip file can unpack to gigabytes), and no more than that size (plus
one byte, to tell trailing data) is ever read. The files are neither shipped nor
committed: ``data/README.md`` says where they come from.
"""

import gzip
import zlib

import numpy as np

from tinysae.validation.checks import bad_file, existing_file

#: IDX type codes (third magic byte) → big-endian numpy dtype (LeCun's MNIST page).
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

#: The most data bytes an IDX file may declare: 1 GiB holds MNIST (47 MB) and EMNIST's largest
#: split (550 MB).
MAX_IDX_BYTES = 2 ** 30

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20  # bytes read at a time, so a lying header cannot make us allocate it all


def _read_exactly(f, n_bytes):
    """Up to ``n_bytes + 1`` bytes (to tell 'too short' from 'too long'), read in chunks into
    a buffer that grows only as data arrives: a header that lies costs nothing."""
    data, left = bytearray(), n_bytes + 1
    while left > 0:
        chunk = f.read(min(left, _CHUNK))
        if not chunk:
            break
        data += chunk
        left -= len(chunk)
    return data


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
            if n_bytes > MAX_IDX_BYTES:
                bad_file(file, f"its header declares an array of shape {shape}, {n_bytes:,} "
                               f"bytes, more than MAX_IDX_BYTES = {MAX_IDX_BYTES:,} (raise "
                               "tinysae.data.mnist_idx.MAX_IDX_BYTES to go past it)")
            data = _read_exactly(f, n_bytes)
    except (OSError, EOFError, zlib.error) as err:  # unreadable, or a corrupt gzip stream
        bad_file(file, f"it could not be read ({type(err).__name__}: {err})")
    if len(data) < n_bytes:
        bad_file(file, f"truncated: shape {shape} needs {n_bytes} data bytes, found {len(data)}")
    if len(data) > n_bytes:
        bad_file(file, f"trailing bytes after the {n_bytes} data bytes of shape {shape}")
    array = np.frombuffer(data, dtype=dtype).reshape(shape)  # shape as stored
    array = array.astype(dtype.newbyteorder("="))  # native byte order, a fresh writable copy
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad_file(file, "it holds NaN or infinite values")
    return array
